/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* csv.h - a streaming RFC 4180 reader.  Internal.
 *
 * Reads a file in large blocks and hands out one record at a time as an
 * array of fields (NUL-terminated, unquoted, borrowed until the next call).
 * Quoted fields may hold commas, doubled quotes and line breaks; lines end
 * in LF or CRLF; a UTF-8 byte-order mark at the start is skipped.  No
 * allocation per record once the buffers have grown to the longest record.
 * Not thread-safe: one reader per thread. */
#ifndef ZJTX_CSV_H
#define ZJTX_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct zcsv zcsv;

typedef enum {
  ZCSV_RECORD = 1, /* a record was read */
  ZCSV_EOF = 0,    /* no more records */
  ZCSV_ERROR = -1  /* I/O error or malformed quoting: see zcsv_error() */
} zcsv_status;

/* Opens `path` for reading; NULL with *errno_out set if it cannot be read. */
zcsv *zcsv_open(const char *path, int *errno_out);
/* Reads from memory instead (the data must outlive the reader). */
zcsv *zcsv_open_memory(const char *data, size_t len);
void zcsv_close(zcsv *r);

/* Reads the next record.  On ZCSV_RECORD, *fields points at *n_fields
 * NUL-terminated strings valid until the next call.  A blank line (no bytes
 * before its line end) is skipped, not returned as a record.  A malformed
 * record (a quote inside an unquoted field, text after a closing quote, an
 * unterminated quoted field at end of file) gives ZCSV_ERROR with a message;
 * reading may continue with the next line after such an error. */
zcsv_status zcsv_next(zcsv *r, char ***fields, size_t *n_fields);
/* The line on which the last record returned started (1-based). */
long zcsv_line(const zcsv *r);
/* The message of the last ZCSV_ERROR (borrowed), and its column: 1-based,
 * in bytes, within the physical line where the error is.  An I/O error is
 * reported once as ZCSV_ERROR (column 0), then ZCSV_EOF follows. */
const char *zcsv_error(const zcsv *r);
long zcsv_error_column(const zcsv *r);
/* Bytes consumed so far (for progress reports) and the total size if known
 * (0 when unknown). */
size_t zcsv_bytes_read(const zcsv *r);
size_t zcsv_total_bytes(const zcsv *r);

#endif
