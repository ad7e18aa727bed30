/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-load.h - loading a policy: limits and the embedded schema.
 * Internal.  The loader's layers, each calling only those below it:
 *   policy-load.c  top: files, the extends chain, the public API
 *   policy-link.c  names across the extends chain, compiling
 *   policy-read.c  one document read into the model (the walk)
 *   rule-read.c, reform.c  rules and the like; amendments
 *   model-read.c   helpers, entities, fields, parameters
 *   xml-read.c     safe XML reading (its own static library) */
#ifndef ZJTX_POLICY_LOAD_H
#define ZJTX_POLICY_LOAD_H

#include "model.h"

/* Safety limits against hostile policy files. */
#define ZPOLICY_MAX_BYTES   (16 * 1024 * 1024)
#define ZPOLICY_MAX_DEPTH   16 /* element nesting */
#define ZPOLICY_MAX_EXTENDS 8  /* chain of base policies */

/* The RELAX NG schema (rules/policy.rng), embedded at build time. */
extern const char zjtx_policy_schema[];
extern const size_t zjtx_policy_schema_len;

/* zpolicy_new, zrule_free, zcap_free and zpolicy_parse_value are declared
 * in model.h (included above); this header keeps giving them to the files
 * that include it for them until they include model.h instead. */

#endif
