/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-json-scan.h - the first pass over a JSON facts document: is it one whole, valid document?  Internal.
 *
 * The records are read by a streaming parser (facts-json.c) that adds each
 * one as soon as it ends; a syntax error at the end of the file would come
 * after thousands of records were added.  This pass reads every byte once
 * (a record its fast path gives back twice), without allocating per token,
 * and refuses the document before any record is looked at: JSON's grammar
 * (with the messages and positions json-glib gave, which users and tests
 * know), strict lexing (no octal, comments, NUL, bad escapes), UTF-8, the
 * depth and string-length limits, and content
 * after the document.  What json-glib took and JSON has not (a control
 * character written raw inside a string) is noted for the second pass.  It also notes where each member of the top
 * object stands, so that the loader can read them in json-glib's order (a key given twice keeps its first place and its
 * last value). */
#ifndef ZJTX_FACTS_JSON_SCAN_H
#define ZJTX_FACTS_JSON_SCAN_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "zjtx/common.h"

/* A run of elements of the array a watch streams: data[from, to) holds
 * elements first .. first + count - 1 and the commas between them. */
typedef struct {
  size_t from, to;
  guint first, count;
  int line; /* the line of data[from] */
} zjson_chunk;

/* Told as the scan goes, so that records can be read while the rest is
 * still being checked (facts-json-par.c): called on the scanning thread.
 * Bytes reported have passed every check so far; only the scan's final
 * verdict says whether the document as a whole is valid. */
typedef struct {
  /* A member of the top object whose value is an array, `key` decoded,
   * the array's '[' at data[from] on `line`: whether to stream it. */
  bool (*array)(void *ctx, const char *key, size_t from, int line, int top_line);
  /* The next run of the streamed array's elements, in order (all of one
   * array's before any of the next's). */
  void (*chunk)(void *ctx, const zjson_chunk *chunk);
  void *ctx;
  size_t chunk_bytes; /* a run ends after the element that takes it to this size */
} zjson_watch;

typedef struct {
  int max_depth;            /* arrays and objects nested in one another */
  size_t max_string;        /* bytes between a string's quotes, as written */
  const zjson_watch *watch; /* or NULL */
} zjson_limits;

/* A member of the top object: its key (decoded) and its value's bytes. */
typedef struct {
  const char *key;
  size_t from, to; /* the value is data[from, to) */
  int line;        /* where json-glib placed the member: the comma after it, or its value's end */
  int from_line;   /* the line of data[from] */
} zjson_member;

/* What the scan found.  On a problem: code, message and position (the
 * 1-based line and byte column json-glib gave, or 0 for the UTF-8 check). */
typedef struct {
  zjtx_status code; /* ZJTX_OK, ZJTX_ERR_LIMIT or ZJTX_ERR_FACTS */
  int line, column;
  char *message;
  char top;             /* the document's first byte ('{' for an object), 0 when empty */
  int top_line;         /* the line of the top object's '{' */
  GArray *members;      /* zjson_member, in json-glib's order */
  GStringChunk *keys;   /* their keys */
  const char *twice;    /* the first key of the top object given twice, or NULL */
  GHashTable *key_slot; /* key -> member index + 1 while scanning */
  GArray *raw_controls; /* size_t offsets of control characters written raw inside strings */
} zjson_scan;

/* Scans data[0, len).  Returns false with scan->code set when the document
 * is unusable.  Free with zjson_scan_clear in any case. */
bool zjson_prescan(const char *data, size_t len, const zjson_limits *lim, zjson_scan *scan);
void zjson_scan_clear(zjson_scan *scan);

/* The JSON string token data[0, len) (with its quotes) decoded, after the
 * scan passed it: escapes replaced, surrogate pairs joined. */
char *zjson_decode_string(const char *data, size_t len);

#endif
