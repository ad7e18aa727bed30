/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zjtx/receipt.h - a receipt for a run: digests of what went in and what
 * came out.
 *
 * A receipt holds the SHA-256 and the SM3 (GB/T 32905-2016) digest of
 * three canonical forms of one evaluation: the policy as evaluated (its
 * whole extends chain, the period and every parameter override), the facts
 * as read (the stored records: the same facts hash the same whether they
 * came as JSON or as CSV files), and the results in their order.  The same
 * policy, facts and options give the same receipt for any number of
 * threads.  docs/receipts.md specifies the canonical forms byte by byte, so
 * that anyone can recompute them without libzjtx.
 */
#ifndef ZJTX_RECEIPT_H
#define ZJTX_RECEIPT_H
#include "common.h"
#include "eval.h"
#ifdef __cplusplus
extern "C" {
#endif
typedef struct zjtx_receipt zjtx_receipt;
/** The parts of a receipt.  Fixed values, append-only.  Since: 0.2 */
typedef enum {
  ZJTX_RECEIPT_POLICY = 1, /* the policy, its chain, period and overrides */
  ZJTX_RECEIPT_FACTS = 2,  /* the facts as read */
  ZJTX_RECEIPT_RESULTS = 3 /* entitlements, violations, indicators */
} zjtx_receipt_part;
/**
 * zjtx_result_receipt:
 * @result: an evaluation's result (it knows its policy, facts and options).
 * @out: (out): the receipt, owned; zjtx_receipt_free().
 *
 * Computes the digests of the three canonical forms.  Reads the whole
 * facts once; allocates only a small buffer, whatever their size.
 * Thread-safety: reentrant; the result is only read.
 * Since: 0.2
 */
ZJTX_API zjtx_status zjtx_result_receipt(const zjtx_result *result, zjtx_receipt **out, zjtx_error **err);
/**
 * zjtx_receipt_sha256 / zjtx_receipt_sm3: the digest of @part as 64
 * lower-case hexadecimal digits; NULL for an unknown part.  Borrowed from
 * the receipt.
 * Since: 0.2
 */
ZJTX_API const char *zjtx_receipt_sha256(const zjtx_receipt *receipt, zjtx_receipt_part part);
ZJTX_API const char *zjtx_receipt_sm3(const zjtx_receipt *receipt, zjtx_receipt_part part);
/**
 * zjtx_receipt_to_json: the receipt as one JSON object:
 * {"format": "zjtx-receipt/1", "engine": "zjtx 0.1.0", "period": "2025",
 *  "overrides": [{"param", "key", "value"}, ...],
 *  "policy": {"id", "version", "sha256", "sm3"}, "facts": {"sha256", "sm3"},
 *  "results": {"sha256", "sm3"}}.  Owned: zjtx_free().
 * Since: 0.2
 */
ZJTX_API char *zjtx_receipt_to_json(const zjtx_receipt *receipt);
/** zjtx_receipt_free: accepts NULL.  Since: 0.2 */
ZJTX_API void zjtx_receipt_free(zjtx_receipt *receipt);
/**
 * zjtx_result_canonical_form:
 * @part: which form.
 * @out: (out): the canonical form whose digests the receipt holds, as
 *   UTF-8 text ending in a newline; owned, zjtx_free().  For an auditor
 *   who wants to see what was hashed, or compare two runs line by line.
 * @len: (out) (nullable): its length in bytes.
 *
 * The facts' form of a large population is as large as the facts: to hash
 * them, zjtx_result_receipt() never holds it whole.
 * Since: 0.2
 */
ZJTX_API zjtx_status zjtx_result_canonical_form(const zjtx_result *result, zjtx_receipt_part part, char **out,
                                                size_t *len, zjtx_error **err);
#ifdef __cplusplus
}
#endif
#endif
