/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-chunk.h - one CSV file read whole or in chunks on several threads.  Shared by facts-csv.c (the
 * directory, the header, the threads) and facts-chunk.c (the rows of a piece, the split, the merge). */
#ifndef ZJTX_FACTS_CHUNK_H
#define ZJTX_FACTS_CHUNK_H

#include "csv.h"
#include "facts-internal.h"

typedef struct zcsv_file zcsv_file;

/* A stretch of a file read on one thread: the rows that start in
 * [from, to), into `table`.  The whole file is one piece; a large one is
 * cut into several (zcsv_file_split). */
typedef struct {
  zcsv_file *file;
  ztable *table;     /* the entity's table (the first piece), or one of its own, merged later */
  zcsv *r;           /* the reader; NULL: the piece opens its own at `from` */
  const char *path;  /* the file's path, kept in the table's texts (while reading) */
  size_t from, to;   /* input offsets */
  long line_shift;   /* added to the reader's lines for the file's: known for the first piece only */
  bool quiet;        /* reports no progress (read a second time) */
  bool fatal;        /* reading ended before `to`: I/O, no memory, a full table, the file changed */
  zjtx_error *errs;  /* this piece's errors, in input order */
  zjtx_error **tail; /* where the next one goes */
  /* where the piece's first row began and where it stopped reading: input
   * offsets and the reader's lines (not shifted) */
  size_t first_off, end_off;
  long first_line, end_line;
} zcsv_piece;

/* One file of the directory. */
struct zcsv_file {
  zjtx_facts *facts;
  int32_t entity;
  char *path;
  goffset size;
  zjtx_error *errs;  /* the file's errors, the pieces' merged in at the end */
  zjtx_error **tail; /* where the next one goes */
  char **header;     /* the header row's names, NULL-terminated */
  size_t n_header;
  int32_t *map;     /* the header resolved (zfacts_map_names) */
  zcsv_stamp stamp; /* the file as its header was read */
  zcsv_piece *pieces;
  int n_pieces;
};

/* An error of `file` at `line` (0: none) appended to *tail. */
void zcsv_error_at(zjtx_error ***tail, const zcsv_file *file, zjtx_status code, int line, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);

/* Reads the rows of one piece, and closes its reader.  Pieces of one file
 * run on different threads: each writes only its own table and errors. */
void zcsv_piece_read(zcsv_piece *p);

/* How many pieces a file of `size` bytes is cut into when `threads` read:
 * 1 below `min_bytes` (a small file is read sooner whole than cut and
 * merged, while other files keep the other threads busy). */
int zcsv_pieces_for(goffset size, int threads, size_t min_bytes);

/* Cuts `file` into `n` pieces (n >= 2), given `r`, the reader that read
 * its header: the first piece goes on with it, the others open their own.
 * Their tables are made here. */
void zcsv_file_split(zcsv_file *file, zcsv *r, size_t header_end, int n);

/* Once every piece of `file` is read: checks that each began where the one
 * before it ended (re-reading a piece that did not, on the calling thread),
 * moves their records into the entity's table in file order, and their
 * errors into the file's.  The result is what one reader gives. */
void zcsv_file_merge(zcsv_file *file);

#endif
