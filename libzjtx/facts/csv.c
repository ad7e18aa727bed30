/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* csv.c - a streaming RFC 4180 reader (see csv.h).
 *
 * The input sits in one window, base[pos, end): for a file, a block buffer
 * filled by read(2) (1 MiB, doubled while one record does not fit); for
 * memory, a moving view of the caller's bytes.  A record is parsed from
 * base + pos; when the window ends before the record does (and the input
 * goes on) the window is refilled or widened and the record is parsed again
 * from its start, so the parser itself never waits for input.  That costs a
 * second pass over at most one record per block.
 *
 * Fields are copied, unquoted and NUL-terminated, into one output buffer.
 * A record's output is never longer than its raw bytes plus one (every field
 * gives up a separator, a quote or the end of input for its NUL), so the
 * output buffer is sized to the window before parsing and the inner loops do
 * no bounds checks on it, and the field pointers never move mid-record.
 *
 * Unquoted fields are scanned with a 256-entry table of the bytes that stop
 * them (comma, LF, quote), eight bytes at a time while they last; quoted
 * fields with memchr for the next quote.  Line numbers count LFs, including
 * those inside quoted fields. */

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZCSV_BLOCK ((size_t)1 << 20)

struct zcsv {
  int fd;          /* -1 for memory */
  const char *mem; /* memory input, or NULL */
  size_t mem_len;
  char *buf; /* file block buffer */
  size_t buf_cap;
  const char *base; /* buf or mem */
  size_t pos, end;  /* unparsed bytes: base[pos, end) */
  size_t base_off;  /* input offset of base[0] */
  size_t total;     /* total size, 0 if unknown */
  bool eof;         /* base[end] is the end of input */
  bool started;     /* the byte-order mark has been looked for */
  bool skip_line;   /* after an error: drop the rest of the line */
  bool done;        /* an I/O error ended the input */
  char *out;        /* unquoted fields, NUL-terminated */
  size_t out_cap;
  char **fields;
  size_t fields_cap;
  long line;     /* line of base[pos] */
  long rec_line; /* first line of the last record */
  long err_col;
  zcsv_error_kind err_kind;
  char err[160];
  size_t max_field, max_record; /* limits on untrusted input */
  char *out_end;                /* one past the last record's output */
  size_t stop_at;               /* no record starting at or after this offset is read */
  size_t rec_off;               /* input offset where the last record began */
  struct stat opened;           /* the file as opened: size and mtime */
};

/* Bytes that end an unquoted field (a NUL ends it as an error). */
static const unsigned char stops[256] = {[','] = 1, ['\n'] = 1, ['"'] = 1, ['\0'] = 1};

typedef enum { P_RECORD, P_EOF, P_MORE, P_ERROR, P_FAIL /* out of memory: reading ends */ } pstatus;

static zcsv *zcsv_new(void) {
  zcsv *r = g_new0(zcsv, 1);

  r->fd = -1;
  r->line = 1;
  r->max_field = SIZE_MAX;
  r->max_record = SIZE_MAX;
  r->fields_cap = 16;
  r->fields = g_new(char *, r->fields_cap);
  r->stop_at = SIZE_MAX;
  return r;
}

zcsv *zcsv_open(const char *path, int *errno_out) {
  return zcsv_open_range(path, 0, errno_out);
}

/* Starts reading at byte from - 1 with the rest of that line to drop: the
 * first line read is the one starting at or after `from` (at `from` itself
 * when the byte before it ends a line). */
static bool start_at(zcsv *r, size_t from) {
  off_t at = (off_t)(from - 1);
  if (lseek(r->fd, at, SEEK_SET) != at)
    return false;
  r->base_off = from - 1;
  r->started = true; /* a byte-order mark is only at the start of the file */
  r->skip_line = true;
  r->line = 0; /* the first whole line is line 1 */
  return true;
}

zcsv *zcsv_open_range(const char *path, size_t from, int *errno_out) {
  struct stat st;
  zcsv *r;
  int fd, e = 0;

  if (errno_out)
    *errno_out = 0;
  if (!path) {
    if (errno_out)
      *errno_out = EINVAL;
    return NULL;
  }
  do
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO would block in open(2) */
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno_out)
      *errno_out = errno;
    return NULL;
  }
  if (fstat(fd, &st) != 0)
    e = errno;
  else if (S_ISDIR(st.st_mode))
    e = EISDIR; /* open(2) takes a directory, read(2) would not */
  else if (!S_ISREG(st.st_mode))
    e = ZCSV_NOT_REGULAR; /* a FIFO would hang, /dev/zero never end */
  if (e != 0) {
    close(fd);
    if (errno_out)
      *errno_out = e;
    return NULL;
  }
  r = zcsv_new();
  r->fd = fd;
  r->opened = st;
  if (st.st_size > 0)
    r->total = (size_t)st.st_size;
  /* A small file gets a small buffer (one byte more, to see its end). */
  r->buf_cap = r->total > 0 && r->total < ZCSV_BLOCK ? r->total + 1 : ZCSV_BLOCK;
  r->buf = g_try_malloc(r->buf_cap);
  if (!r->buf) {
    zcsv_close(r);
    if (errno_out)
      *errno_out = ENOMEM;
    return NULL;
  }
  r->base = r->buf;
  if (from > 0 && !start_at(r, from)) {
    if (errno_out)
      *errno_out = errno;
    zcsv_close(r);
    return NULL;
  }
  return r;
}

zcsv *zcsv_open_memory(const char *data, size_t len) {
  zcsv *r = zcsv_new();

  if (!data)
    len = 0;
  r->mem = data ? data : "";
  r->mem_len = len;
  r->base = r->mem;
  r->total = len;
  r->end = len < ZCSV_BLOCK ? len : ZCSV_BLOCK;
  r->eof = r->end == len;
  return r;
}

/* Frees a buffer of a megabyte or more shrunk first: glibc raises its
 * threshold for serving a malloc with its own mapping to the size of such
 * a block freed whole, and the arrays the facts grow afterwards would then
 * be copied on the heap at each doubling, leaving holes (see facts-table.c). */
static void free_large(void *block) {
  if (block)
    g_free(g_realloc(block, 1));
}

void zcsv_close(zcsv *r) {
  if (!r)
    return;
  if (r->fd >= 0)
    close(r->fd);
  free_large(r->buf);
  free_large(r->out);
  g_free(r->fields);
  g_free(r);
}

void zcsv_set_limits(zcsv *r, size_t max_field, size_t max_record) {
  if (!r)
    return;
  r->max_field = max_field ? max_field : SIZE_MAX;
  r->max_record = max_record ? max_record : SIZE_MAX;
}

void zcsv_set_stop(zcsv *r, size_t at) {
  if (r)
    r->stop_at = at;
}

static void set_error_kind(zcsv *r, zcsv_error_kind kind, long col, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static void set_error_kind(zcsv *r, zcsv_error_kind kind, long col, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  g_vsnprintf(r->err, sizeof r->err, fmt, ap);
  va_end(ap);
  r->err_col = col;
  r->err_kind = kind;
}

#define set_error(r, ...) set_error_kind(r, ZCSV_E_SYNTAX, __VA_ARGS__)

/* Whether the file still is as it was opened: a file overwritten while it
 * is read would give a mixed snapshot. */
static bool unchanged(zcsv *r, size_t size_read) {
  struct stat now;

  if (fstat(r->fd, &now) != 0)
    return false;
  return size_read == (size_t)r->opened.st_size && now.st_size == r->opened.st_size &&
         now.st_mtim.tv_sec == r->opened.st_mtim.tv_sec && now.st_mtim.tv_nsec == r->opened.st_mtim.tv_nsec;
}

/* Makes more input visible after base[end]: false on an I/O error (with the
 * error set).  At the end of input, sets eof instead. */
static bool fill(zcsv *r) {
  ssize_t n;

  if (r->eof)
    return true;
  if (!r->buf) { /* memory: widen the window, at least doubling the record's share */
    size_t grow = r->end - r->pos > ZCSV_BLOCK ? r->end - r->pos : ZCSV_BLOCK;
    size_t left = r->mem_len - r->end;
    r->end += grow < left ? grow : left;
    r->eof = r->end == r->mem_len;
    return true;
  }
  if (r->pos > 0) { /* keep only the unparsed tail */
    memmove(r->buf, r->buf + r->pos, r->end - r->pos);
    r->base_off += r->pos;
    r->end -= r->pos;
    r->pos = 0;
  }
  if (r->end == r->buf_cap) {
    char *bigger = r->buf_cap <= SIZE_MAX / 2 ? g_try_realloc(r->buf, r->buf_cap * 2) : NULL;
    if (!bigger) {
      set_error_kind(r, ZCSV_E_NOMEM, 0, "out of memory for a record of more than %zu bytes", r->buf_cap);
      return false;
    }
    r->buf_cap *= 2;
    r->buf = bigger;
    r->base = r->buf;
  }
  do
    n = read(r->fd, r->buf + r->end, r->buf_cap - r->end);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    set_error_kind(r, ZCSV_E_IO, 0, "read error: %s", g_strerror(errno));
    return false;
  }
  if (n == 0 && !unchanged(r, r->base_off + r->end)) {
    set_error_kind(r, ZCSV_E_CHANGED, 0, "the file changed while it was read");
    return false;
  }
  if (n == 0)
    r->eof = true;
  r->end += (size_t)n;
  return true;
}

/* The 1-based byte column of `at` in its physical line (the record starts
 * at the start of a line). */
static long column_of(const char *rec, const char *at) {
  const char *s = at;

  while (s > rec && s[-1] != '\n')
    s--;
  return (long)(at - s) + 1;
}

/* Counts the LFs in [p, p + n). */
static long count_lf(const char *p, size_t n) {
  long nl = 0;
  const char *q;

  while (n > 0 && (q = memchr(p, '\n', n)) != NULL) {
    nl++;
    n -= (size_t)(q + 1 - p);
    p = q + 1;
  }
  return nl;
}

/* Whether any byte of the eight in `w` is a comma, LF, quote or NUL. */
static inline bool word_has_stop(uint64_t w) {
  const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
  uint64_t c = w ^ (ones * ','), l = w ^ (ones * '\n'), q = w ^ (ones * '"');

  return (((c - ones) & ~c) | ((l - ones) & ~l) | ((q - ones) & ~q) | ((w - ones) & ~w)) & highs;
}

/* Whether a complete record [rec, end) and its nf fields keep within the
 * limits; the error is set when not.  Field lengths come from the output
 * pointers, so this reads no field byte. */
static bool within_limits(zcsv *r, const char *rec, const char *end, size_t nf) {
  if ((size_t)(end - rec) > r->max_record) {
    set_error_kind(r, ZCSV_E_LIMIT, 1, "the record is longer than %zu bytes", r->max_record);
    return false;
  }
  for (size_t i = 0; i < nf; i++) {
    const char *next = i + 1 < nf ? r->fields[i + 1] : r->out_end;
    if ((size_t)(next - r->fields[i] - 1) > r->max_field) {
      set_error_kind(r, ZCSV_E_LIMIT, 1, "field %zu is longer than %zu bytes", i + 1, r->max_field);
      return false;
    }
  }
  return true;
}

/* Parses one record from base[pos, end).  On P_RECORD or P_ERROR the record
 * (or the bad part of it) is consumed; on P_MORE nothing is. */
static pstatus parse(zcsv *r, size_t *n_fields) {
  const char *p = r->base + r->pos, *e = r->base + r->end, *rec;
  bool eof = r->eof;
  char *o, **fields = r->fields;
  size_t nf = 0, fields_cap = r->fields_cap;
  long nl = 0;

  /* Blank lines: LF or CRLF alone. */
  while (p < e) {
    if (*p == '\n')
      p++;
    else if (*p == '\r' && e - p >= 2 && p[1] == '\n')
      p += 2;
    else
      break;
    r->line++;
    r->pos = (size_t)(p - r->base);
  }
  if (p == e)
    return eof ? P_EOF : P_MORE;
  if (r->base_off + (size_t)(p - r->base) >= r->stop_at)
    return P_EOF; /* the record is the next reader's */
  /* A record is parsed within its first max_record bytes, however many the
   * window holds: one that does not end there is refused by zcsv_next and
   * reading goes on at its next line, wherever the window (and the piece of
   * the file, facts-chunk.c) began.  Not beyond: the outcome would depend on
   * where the window falls. */
  if ((size_t)(e - p) > r->max_record) {
    e = p + r->max_record;
    eof = false;
  }
  if (*p == '\r' && e - p < 2 && !eof)
    return P_MORE; /* CR at the window's end: CRLF or data? */

  if ((size_t)(e - p) + 1 > r->out_cap) {
    size_t need = (size_t)(e - p) + 1;
    free_large(r->out);
    r->out_cap = need > 2 * r->out_cap ? need : 2 * r->out_cap;
    r->out = g_try_malloc(r->out_cap);
    if (!r->out) {
      r->out_cap = 0;
      set_error_kind(r, ZCSV_E_NOMEM, 0, "out of memory for a record of %zu bytes", need - 1);
      return P_FAIL;
    }
  }
  o = r->out;
  rec = p;
  r->rec_line = r->line;
  r->rec_off = r->base_off + (size_t)(p - r->base);

  for (;;) {
    if (nf == fields_cap) {
      char **more = g_try_renew(char *, fields, fields_cap * 2);
      if (!more) {
        set_error_kind(r, ZCSV_E_NOMEM, 0, "out of memory for a record of more than %zu fields", fields_cap);
        return P_FAIL;
      }
      r->fields_cap = fields_cap *= 2;
      r->fields = fields = more;
    }
    fields[nf++] = o;

    if (p < e && *p == '"') { /* quoted */
      const char *open = p++;
      for (;;) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        size_t n;
        if (!q) {
          if (!eof)
            return P_MORE;
          set_error(r, column_of(rec, open), "quoted field %zu is not closed before the end of input", nf);
          nl += count_lf(p, (size_t)(e - p));
          p = e;
          goto error;
        }
        n = (size_t)(q - p);
        if (memchr(p, '\0', n)) {
          set_error(r, column_of(rec, (const char *)memchr(p, '\0', n)), "a NUL byte in field %zu", nf);
          goto error;
        }
        memcpy(o, p, n);
        o += n;
        nl += count_lf(p, n);
        p = q + 1;
        if (p < e && *p == '"') { /* doubled quote */
          *o++ = '"';
          p++;
          continue;
        }
        if (p == e && !eof)
          return P_MORE;
        break;
      }
      *o++ = '\0';
      if (p == e)
        goto record;
      if (*p == ',') {
        p++;
        continue;
      }
      if (*p == '\n') {
        p++;
        nl++;
        goto record;
      }
      if (*p == '\r' && e - p < 2 && !eof)
        return P_MORE;
      if (*p == '\r' && e - p >= 2 && p[1] == '\n') {
        p += 2;
        nl++;
        goto record;
      }
      set_error(r, column_of(rec, p), "unexpected text after the closing quote of field %zu", nf);
      goto error;
    } else { /* unquoted */
      const char *s = p;
      size_t n;
      while (e - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (word_has_stop(w))
          break;
        p += 8;
      }
      while (p < e && !stops[(unsigned char)*p])
        p++;
      if (p == e) {
        if (!eof)
          return P_MORE;
        n = (size_t)(p - s);
        memcpy(o, s, n);
        o[n] = '\0';
        o += n + 1;
        goto record;
      }
      if (*p == '"') {
        set_error(r, column_of(rec, p), "quote inside unquoted field %zu", nf);
        goto error;
      }
      if (*p == '\0') {
        set_error(r, column_of(rec, p), "a NUL byte in field %zu", nf);
        goto error;
      }
      n = (size_t)(p - s);
      if (*p == '\n' && n > 0 && p[-1] == '\r')
        n--;
      memcpy(o, s, n);
      o += n;
      *o++ = '\0';
      if (*p++ == ',')
        continue;
      nl++;
      goto record;
    }
  }

record:
  r->out_end = o;
  if (!within_limits(r, rec, p, nf)) {
    r->line += nl;
    r->pos = (size_t)(p - r->base);
    return P_ERROR;
  }
  r->line += nl;
  r->pos = (size_t)(p - r->base);
  *n_fields = nf;
  return P_RECORD;

error:
  /* Resume at the start of the next line after the error point. */
  r->line += nl;
  r->pos = (size_t)(p - r->base);
  r->skip_line = true;
  return P_ERROR;
}

/* Drops input up to and including the next LF: false on an I/O error. */
static bool skip_line(zcsv *r) {
  for (;;) {
    const char *p = r->base + r->pos;
    const char *q = memchr(p, '\n', r->end - r->pos);
    if (q) {
      r->pos = (size_t)(q + 1 - r->base);
      r->line++;
      r->skip_line = false;
      return true;
    }
    r->pos = r->end;
    if (r->eof) {
      r->skip_line = false;
      return true;
    }
    if (!fill(r))
      return false;
  }
}

zcsv_status zcsv_next(zcsv *r, char ***fields, size_t *n_fields) {
  size_t nf = 0;

  if (fields)
    *fields = NULL;
  if (n_fields)
    *n_fields = 0;
  if (!r)
    return ZCSV_ERROR;
  if (r->done)
    return ZCSV_EOF;
  if (!r->started) {
    while (r->end - r->pos < 3 && !r->eof)
      if (!fill(r))
        goto io_error;
    if (r->end - r->pos >= 3 && memcmp(r->base + r->pos, "\xEF\xBB\xBF", 3) == 0)
      r->pos += 3;
    r->started = true;
  }
  if (r->skip_line && !skip_line(r))
    goto io_error;
  for (;;) {
    switch (parse(r, &nf)) {
    case P_RECORD:
      if (fields)
        *fields = r->fields;
      if (n_fields)
        *n_fields = nf;
      return ZCSV_RECORD;
    case P_EOF:
      return ZCSV_EOF;
    case P_ERROR:
      return ZCSV_ERROR;
    case P_FAIL:
      goto io_error;
    case P_MORE:
      if (r->end - r->pos > r->max_record) { /* the record goes on past the limit: drop its line */
        r->rec_line = r->line;
        r->rec_off = r->base_off + r->pos;
        set_error_kind(r, ZCSV_E_LIMIT, 1, "the record is longer than %zu bytes", r->max_record);
        r->skip_line = true;
        return ZCSV_ERROR;
      }
      if (!fill(r))
        goto io_error;
      break;
    }
  }

io_error:
  r->rec_line = r->line;
  r->rec_off = r->base_off + r->pos;
  r->done = true;
  return ZCSV_ERROR;
}

long zcsv_line(const zcsv *r) {
  return r ? r->rec_line : 0;
}

const char *zcsv_error(const zcsv *r) {
  return r ? r->err : "no reader";
}

zcsv_error_kind zcsv_error_kind_of(const zcsv *r) {
  return r ? r->err_kind : ZCSV_E_IO;
}

long zcsv_error_column(const zcsv *r) {
  return r ? r->err_col : 0;
}

size_t zcsv_bytes_read(const zcsv *r) {
  return r ? r->base_off + r->pos : 0;
}

size_t zcsv_total_bytes(const zcsv *r) {
  return r ? r->total : 0;
}

size_t zcsv_record_offset(const zcsv *r) {
  return r ? r->rec_off : 0;
}

long zcsv_next_line(const zcsv *r) {
  return r ? r->line : 0;
}

zcsv_stamp zcsv_opened(const zcsv *r) {
  zcsv_stamp s = {0, 0, 0};
  if (r && r->fd >= 0) {
    s.size = (long long)r->opened.st_size;
    s.mtime_sec = (long long)r->opened.st_mtim.tv_sec;
    s.mtime_nsec = (long long)r->opened.st_mtim.tv_nsec;
  }
  return s;
}

bool zcsv_unchanged(const zcsv *r) {
  struct stat now;
  if (!r || r->fd < 0)
    return true;
  return fstat(r->fd, &now) == 0 && now.st_size == r->opened.st_size &&
         now.st_mtim.tv_sec == r->opened.st_mtim.tv_sec && now.st_mtim.tv_nsec == r->opened.st_mtim.tv_nsec;
}
