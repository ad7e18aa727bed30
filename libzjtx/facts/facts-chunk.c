/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-chunk.c - the rows of a CSV file read in pieces on several threads, merged as one reader reads them.
 *
 * A large file (most of a population is its top entity's file) is cut
 * into as many pieces as there are threads, at byte offsets.  Piece k
 * reads the records that start at or after its cut and before the next
 * one; its reader drops the partial line at the cut and begins at the
 * next line (zcsv_open_range).
 *
 * Where does a record start?  A quoted field may hold line breaks
 * (RFC 4180), so the line after a cut may be the middle of a record.
 * Knowing the quote parity at the cut would take a pass over the whole
 * file before parsing, and would still be wrong where a malformed record
 * came before: after a syntax error the reader resumes at the next line,
 * quotes or not.  So each piece guesses instead (the next line), and the
 * merge verifies the guess with the piece before it, which reads through
 * its last record wherever that ends and stops at the first record that
 * starts at or after the cut: if that is where piece k's first row began,
 * both readers were at a record start in the same state there, and piece
 * k's rows are exactly those one reader gives.  If not (a quoted line
 * break across the cut), piece k is read again from where the previous
 * one stopped, on the calling thread.  A wrong guess costs time, never a
 * different result.
 *
 * Lines: a piece counts from 1 at its first line; the merge learns the
 * file's line there from the piece before (its reader's count where it
 * stopped) and moves the piece's records' and rejects' lines.  A message
 * of the strict mode quotes the line in its text, so in that mode a piece
 * other than the first that produced errors is read again with its lines
 * known (a file with errors fails to load anyway).
 *
 * Memory: a piece's table grows as the entity's does; the merge moves its
 * columns onto the end of the entity's, one column at a time, and keeps its
 * texts where they are (no copy but of the parent keys, which finish gives
 * back). */
#include "facts-chunk.h"

#include <errno.h>
#include <string.h>

void zcsv_error_at(zjtx_error ***tail, const zcsv_file *file, zjtx_status code, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  zfacts_append_error(tail, zerr_newv(code, file->path, line, 0, NULL, fmt, ap));
  va_end(ap);
}

/* ---- the rows of one piece ---------------------------------------------- */

static void refuse_row(zcsv_piece *p, long line, const char *reason) {
  zjtx_facts *f = p->file->facts;
  zfacts_add_reject(p->table, p->file->path, (int)line, NULL, NULL, NULL, reason);
  zfacts_table_refuse(p->table, NULL);
  if (!f->keep_going)
    zcsv_error_at(&p->tail, p->file, ZJTX_ERR_FACTS, (int)line, "%s", reason);
}

/* Adds the rows and bytes read since the last report to the facts' progress:
 * the bytes of the piece's range only, so that the pieces of a file add up
 * to its size. */
static void report_progress(const zcsv_piece *p, size_t *reported, size_t *rows) {
  size_t bytes = MAX(MIN(zcsv_bytes_read(p->r), p->to), *reported);
  if (!p->quiet) {
    __atomic_add_fetch(&p->file->facts->progress_bytes, (uint64_t)(bytes - *reported), __ATOMIC_RELAXED);
    __atomic_add_fetch(&p->file->facts->progress_records, (uint64_t)*rows, __ATOMIC_RELAXED);
  }
  *reported = bytes;
  *rows = 0;
}

/* An error that ends the reading of the file (I/O, out of memory, the file
 * changed): a file-level error, true.  False for a bad row. */
static bool stream_failed(zcsv_piece *p, long line) {
  switch (zcsv_error_kind_of(p->r)) {
  case ZCSV_E_SYNTAX:
  case ZCSV_E_LIMIT:
    return false;
  case ZCSV_E_NOMEM:
    zcsv_error_at(&p->tail, p->file, ZJTX_ERR_NOMEM, (int)line, "%s", zcsv_error(p->r));
    return true;
  case ZCSV_E_CHANGED:
    zcsv_error_at(&p->tail, p->file, ZJTX_ERR_IO, 0,
                  "the file changed while it was read; read it again once it is complete");
    return true;
  case ZCSV_E_IO:
    break;
  }
  zcsv_error_at(&p->tail, p->file, ZJTX_ERR_IO, (int)line, "cannot read: %s", zcsv_error(p->r));
  return true;
}

/* Why a row the reader could not split is refused. */
static char *row_reason(const zcsv *r) {
  if (zcsv_error_kind_of(r) == ZCSV_E_LIMIT)
    return g_strdup_printf("%s (the limit for one %s)", zcsv_error(r),
                           strncmp(zcsv_error(r), "field", 5) == 0 ? "value" : "line");
  return g_strdup_printf("not valid CSV at column %ld: %s", zcsv_error_column(r), zcsv_error(r));
}

/* One row split by the reader, checked and stored; false when reading
 * cannot go on. */
static bool add_row(zcsv_piece *p, char **fields, size_t n, const char **values, long line) {
  zcsv_file *file = p->file;
  zjtx_facts *f = file->facts;
  if (n != file->n_header) {
    char reason[96];
    g_snprintf(reason, sizeof reason, "the row has %zu fields but the header has %zu", n, file->n_header);
    refuse_row(p, line, reason);
    return true;
  }
  for (size_t i = 0; i < n; i++)
    values[i] = fields[i][0] ? fields[i] : NULL;      /* an empty field is an absent value */
  zrecord_origin origin = {p->path, (int)line, NULL}; /* "enterprises line 12" when a message needs it */
  zfacts_add_to_table(f, p->table, file->entity, NULL, (const char *const *)file->header, file->map, values, n, &origin,
                      f->keep_going ? NULL : p->tail);
  while (*p->tail)
    p->tail = &(*p->tail)->next;
  const zjtx_error *stop = p->table->stop;
  if (stop && f->keep_going) /* out of memory: in strict mode the error is in the chain already */
    zcsv_error_at(&p->tail, file, stop->code, stop->line, "%s", stop->message);
  return !stop;
}

static void read_rows(zcsv_piece *p) {
  char **fields;
  size_t n;
  const char **values = g_new(const char *, p->file->n_header + 1);
  zcsv_status st;
  size_t reported = p == &p->file->pieces[0] ? 0 : p->from, rows = 0; /* the first counts the header */
  bool first = true;
  while ((st = zcsv_next(p->r, &fields, &n)) != ZCSV_EOF) {
    long line = zcsv_line(p->r) + p->line_shift;
    if (first) {
      p->first_off = zcsv_record_offset(p->r);
      p->first_line = zcsv_line(p->r);
      first = false;
    }
    if (++rows % 4096 == 0) /* progress, now and then: atomics are not free */
      report_progress(p, &reported, &rows);
    if (st == ZCSV_ERROR) {
      if (stream_failed(p, line)) {
        p->fatal = true;
        break;
      }
      g_autofree char *reason = row_reason(p->r);
      refuse_row(p, line, reason);
      continue;
    }
    if (!add_row(p, fields, n, values, line)) {
      p->fatal = true;
      break;
    }
  }
  p->end_off = zcsv_bytes_read(p->r);
  p->end_line = zcsv_next_line(p->r);
  if (first) { /* no row: the piece began where it ended */
    p->first_off = p->end_off;
    p->first_line = p->end_line;
  }
  report_progress(p, &reported, &rows);
  g_free(values);
}

/* A piece of a split file must have read the file its header came from,
 * unchanged since. */
static bool same_file(const zcsv_piece *p) {
  zcsv_stamp a = zcsv_opened(p->r), b = p->file->stamp;
  return a.size == b.size && a.mtime_sec == b.mtime_sec && a.mtime_nsec == b.mtime_nsec && zcsv_unchanged(p->r);
}

void zcsv_piece_read(zcsv_piece *p) {
  if (!p->r) {
    int errnum = 0;
    p->r = zcsv_open_range(p->file->path, p->from, &errnum);
    if (!p->r) {
      zcsv_error_at(&p->tail, p->file, errnum == ENOMEM ? ZJTX_ERR_NOMEM : ZJTX_ERR_IO, 0, "cannot read: %s",
                    errnum == ZCSV_NOT_REGULAR ? "not a regular file" : g_strerror(errnum));
      p->fatal = true;
      p->first_off = p->end_off = p->from;
      return;
    }
    zcsv_set_limits(p->r, p->file->facts->max_field, p->file->facts->max_line);
  }
  zcsv_set_stop(p->r, p->to);
  /* the path as the table keeps it: records compare it by address */
  p->path = g_string_chunk_insert_const(p->table->strings, p->file->path);
  read_rows(p);
  if (!p->fatal && p->file->n_pieces > 1 && !same_file(p)) {
    zcsv_error_at(&p->tail, p->file, ZJTX_ERR_IO, 0,
                  "the file changed while it was read; read it again once it is complete");
    p->fatal = true;
  }
  g_clear_pointer(&p->r, zcsv_close);
}

/* ---- the split ------------------------------------------------------------- */

int zcsv_pieces_for(goffset size, int threads, size_t min_bytes) {
  if (threads < 2 || size <= 0 || (guint64)size < min_bytes)
    return 1;
  return threads;
}

void zcsv_file_split(zcsv_file *file, zcsv *r, size_t header_end, int n) {
  const zentity *e = zpolicy_entity(file->facts->policy, file->entity);
  size_t size = (size_t)file->size, body = size > header_end ? size - header_end : 0;
  file->stamp = zcsv_opened(r);
  file->n_pieces = n;
  file->pieces = g_new0(zcsv_piece, n);
  for (int k = 0; k < n; k++) {
    zcsv_piece *p = &file->pieces[k];
    p->file = file;
    p->tail = &p->errs;
    p->from = header_end + (size_t)((guint64)body * (guint64)k / (guint64)n);
    p->to = k + 1 < n ? header_end + (size_t)((guint64)body * (guint64)(k + 1) / (guint64)n) : SIZE_MAX;
    if (k == 0) {
      p->r = r;
      p->table = &file->facts->tables[file->entity];
    } else {
      p->table = g_new0(ztable, 1);
      zfacts_table_init(p->table, e);
    }
  }
}

/* ---- the merge ------------------------------------------------------------- */

static void drop_piece(zcsv_piece *p, const zentity *e) {
  if (p->table && p->table != &p->file->facts->tables[p->file->entity]) {
    zfacts_table_clear(p->table, e);
    g_free(p->table);
  }
  p->table = NULL;
  zjtx_error_free(p->errs);
  p->errs = NULL;
  p->tail = &p->errs;
}

/* Moves the errors of a piece whose lines are known to the file's. */
static void take_errors(zcsv_file *file, zcsv_piece *p, long shift) {
  for (zjtx_error *e = p->errs; e; e = e->next)
    if (e->line > 0)
      e->line += (int)shift;
  if (p->errs)
    zfacts_append_error(&file->tail, g_steal_pointer(&p->errs));
  p->tail = &p->errs;
}

/* Where reading goes on after the pieces merged so far: the input offset
 * and the file's line there; whether reading ended early. */
typedef struct {
  size_t off;
  long line;
  bool ended;
} zmerge_at;

/* Reads piece `p` again from where the pieces before it stopped, into the
 * entity's table, its lines known. */
static void read_again(zcsv_file *file, zcsv_piece *p, zmerge_at *at) {
  const zentity *e = zpolicy_entity(file->facts->policy, file->entity);
  size_t to = p->to;
  drop_piece(p, e);
  p->table = &file->facts->tables[file->entity];
  p->from = at->off;
  p->to = to;
  p->line_shift = at->line - 1;
  p->quiet = true; /* its bytes were counted the first time */
  p->fatal = false;
  zcsv_piece_read(p);
  take_errors(file, p, 0);
  at->off = p->end_off;
  at->line = p->end_line + p->line_shift;
  at->ended = p->fatal;
}

void zcsv_file_merge(zcsv_file *file) {
  const zentity *e = zpolicy_entity(file->facts->policy, file->entity);
  ztable *t = &file->facts->tables[file->entity];
  zcsv_piece *first = &file->pieces[0];
  take_errors(file, first, 0);
  zmerge_at at = {first->end_off, first->end_line, first->fatal};
  for (int k = 1; k < file->n_pieces; k++) {
    zcsv_piece *p = &file->pieces[k];
    if (at.ended) { /* one reader would have stopped there too */
      drop_piece(p, e);
      continue;
    }
    bool verified = p->first_off == at.off && !p->fatal && (file->facts->keep_going || !p->errs);
    long shift = at.line - p->first_line;
    if (!verified || shift > INT32_MAX || !zfacts_table_append(t, p->table, e, (int32_t)shift)) {
      read_again(file, p, &at);
      continue;
    }
    g_clear_pointer(&p->table, g_free);
    take_errors(file, p, shift);
    at.off = p->end_off;
    at.line = p->end_line + shift;
    at.ended = p->fatal;
  }
  g_clear_pointer(&file->pieces, g_free);
  file->n_pieces = 0;
}
