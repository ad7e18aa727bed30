/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-json-scan.h - a pass over a JSON document's bytes before json-glib parses it.  Internal.
 *
 * json-glib recurses once per nesting level, reads integers into 64 bits
 * without a range check, hands strings out NUL-terminated and stops after
 * the first document.  One linear pass that only tracks strings, brackets
 * and number tokens catches what json-glib would mishandle; everything
 * else (syntax errors included) is left to json-glib. */
#ifndef ZJTX_FACTS_JSON_SCAN_H
#define ZJTX_FACTS_JSON_SCAN_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "zjtx/common.h"

typedef struct {
  int max_depth;     /* arrays and objects nested in one another */
  size_t max_string; /* bytes between a string's quotes, as written */
} zjson_limits;

/* What the scan found.  On a problem: code, message and position (the
 * 1-based line and byte column where the offending token starts). */
typedef struct {
  zjtx_status code; /* ZJTX_OK, ZJTX_ERR_LIMIT or ZJTX_ERR_FACTS */
  int line, column;
  char message[160];
  GArray *big_ints; /* size_t pairs (offset, length): integers outside int64 */
} zjson_scan;

/* Scans data[0, len).  Returns false with scan->code set on a problem that
 * makes the document unusable; scan->big_ints is always allocated (free it
 * with zjson_scan_clear). */
bool zjson_prescan(const char *data, size_t len, const zjson_limits *lim, zjson_scan *scan);
void zjson_scan_clear(zjson_scan *scan);

/* A copy of data with each integer of scan->big_ints in double quotes, so
 * that json-glib hands over its text as written instead of a wrapped value;
 * NULL when memory runs out.  *out_len receives the copy's length. */
char *zjson_quote_big_ints(const char *data, size_t len, const zjson_scan *scan, size_t *out_len);

#endif
