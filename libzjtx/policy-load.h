/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-load.h - safe XML reading and the policy document walk.  Internal. */
#ifndef ZJTX_POLICY_LOAD_H
#define ZJTX_POLICY_LOAD_H

#include "model.h"

/* Safety limits against hostile policy files. */
#define ZPOLICY_MAX_BYTES (16 * 1024 * 1024)
#define ZPOLICY_MAX_DEPTH 16       /* element nesting */
#define ZPOLICY_MAX_EXTENDS 8      /* chain of base policies */

/* The RELAX NG schema (rules/policy.rng), embedded at build time. */
extern const char zjtx_policy_schema[];
extern const size_t zjtx_policy_schema_len;

/* Empty policy with refcount 1; freed by zjtx_policy_unref. */
struct zjtx_policy *zpolicy_new(void);
/* Frees a rule or a cap (policy.c). */
void zrule_free(zrule *r);
void zcap_free(zcap *c);

/* Parses a value written in a policy or on the command line for a parameter
 * of type t ("2" for a 2 % rate).  Returns NULL or a phrase saying what was
 * expected. */
const char *zpolicy_parse_value(ztype t, const char *text, zval *out);

#endif
