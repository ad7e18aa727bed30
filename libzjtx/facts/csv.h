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

/* What *errno_out of zcsv_open() says for a path that is neither a
 * regular file nor a directory (a FIFO, a device): no errno value. */
#define ZCSV_NOT_REGULAR (-1)

/* What went wrong at the last ZCSV_ERROR.  After a SYNTAX or LIMIT error
 * reading goes on with the next line; after the others it has ended. */
typedef enum {
  ZCSV_E_SYNTAX = 0, /* malformed quoting, a NUL byte */
  ZCSV_E_LIMIT,      /* a record or field longer than zcsv_set_limits() allows */
  ZCSV_E_IO,         /* read(2) failed */
  ZCSV_E_NOMEM,      /* out of memory for a record's buffers */
  ZCSV_E_CHANGED     /* the file's size or mtime changed while it was read */
} zcsv_error_kind;

/* Opens the regular file `path` for reading; NULL with *errno_out set if it
 * cannot be read (ZCSV_NOT_REGULAR for a FIFO or a device, which would
 * hang or never end; EISDIR for a directory). */
zcsv *zcsv_open(const char *path, int *errno_out);
/* The same, reading only from the first line that starts at or after byte
 * `from` (0: the whole file, its byte-order mark skipped); lines are
 * counted from 1 at that line.  How a file is read in chunks on several
 * threads (facts-chunk.c). */
zcsv *zcsv_open_range(const char *path, size_t from, int *errno_out);
/* Reads from memory instead (the data must outlive the reader). */
zcsv *zcsv_open_memory(const char *data, size_t len);
void zcsv_close(zcsv *r);
/* The longest field (once unquoted) and record (raw bytes, line end
 * included) to accept; 0 means no limit (the default).  A longer record
 * gives ZCSV_E_LIMIT and reading resumes after its line. */
void zcsv_set_limits(zcsv *r, size_t max_field, size_t max_record);

/* No record starting at byte `at` or after is read: zcsv_next() gives
 * ZCSV_EOF there (blank lines before it are consumed).  A record that
 * starts before `at` is read whole, wherever it ends. */
void zcsv_set_stop(zcsv *r, size_t at);

/* Reads the next record.  On ZCSV_RECORD, *fields points at *n_fields
 * NUL-terminated strings valid until the next call.  A blank line (no bytes
 * before its line end) is skipped, not returned as a record.  A malformed
 * record (a quote inside an unquoted field, text after a closing quote, an
 * unterminated quoted field at end of file, a NUL byte) gives ZCSV_ERROR
 * with a message;
 * reading may continue with the next line after such an error. */
zcsv_status zcsv_next(zcsv *r, char ***fields, size_t *n_fields);
/* The line on which the last record returned started (1-based). */
long zcsv_line(const zcsv *r);
/* The message of the last ZCSV_ERROR (borrowed), and its column: 1-based,
 * in bytes, within the physical line where the error is.  An I/O error is
 * reported once as ZCSV_ERROR (column 0), then ZCSV_EOF follows. */
const char *zcsv_error(const zcsv *r);
long zcsv_error_column(const zcsv *r);
zcsv_error_kind zcsv_error_kind_of(const zcsv *r);
/* Bytes consumed so far (for progress reports) and the total size if known
 * (0 when unknown). */
size_t zcsv_bytes_read(const zcsv *r);
size_t zcsv_total_bytes(const zcsv *r);
/* The input offset where the last record (or bad record) returned began,
 * and the line of the next byte to read (after ZCSV_EOF: of the end). */
size_t zcsv_record_offset(const zcsv *r);
long zcsv_next_line(const zcsv *r);

/* A file's size and modification time, as opened: pieces of one file read
 * by several readers must all see the same file. */
typedef struct {
  long long size, mtime_sec, mtime_nsec;
} zcsv_stamp;
zcsv_stamp zcsv_opened(const zcsv *r);
/* Whether the file still has the size and time it had when opened (true
 * for memory). */
bool zcsv_unchanged(const zcsv *r);

#endif
