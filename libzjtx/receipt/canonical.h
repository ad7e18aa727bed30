/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* canonical.h - the canonical forms a receipt hashes: the policy as
 * evaluated, the facts as read, the results in their order.  Shared by
 * canonical.c (the forms) and receipt.c (their digests, the public API).
 * Internal.  docs/receipts.md specifies every byte. */
#ifndef ZJTX_CANONICAL_H
#define ZJTX_CANONICAL_H

#include <nettle/sha2.h>
#include <nettle/sm3.h>

#include "eval-internal.h"

/* Where a canonical form goes: into both digests, a buffer at a time, or
 * (keep) into `text` whole, for zjtx_result_canonical_form and the tests.
 * A population's facts run to hundreds of megabytes: hashing streams them
 * through a small buffer instead of building them in memory. */
typedef struct {
  GString *text;
  bool keep;
  struct sha256_ctx sha256;
  struct sm3_ctx sm3;
} zcanon;

void zcanon_init(zcanon *c, bool keep);
/* The digests as lower-case hex (65 bytes each, NUL included); the text
 * is no longer kept after this. */
void zcanon_finish(zcanon *c, char *sha256_hex, char *sm3_hex);
void zcanon_clear(zcanon *c);

/* The three forms, appended to c.  Each starts with its own header line. */
void zcanon_policy(zcanon *c, const zjtx_result *res);
void zcanon_facts(zcanon *c, const zjtx_facts *f);
void zcanon_results(zcanon *c, const zjtx_result *res);

/* The header lines of the forms, version 1. */
#define ZCANON_POLICY_HEADER  "zjtx-policy/1"
#define ZCANON_FACTS_HEADER   "zjtx-facts/1"
#define ZCANON_RESULTS_HEADER "zjtx-results/1"

#endif
