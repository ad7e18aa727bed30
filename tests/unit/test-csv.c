/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-csv.c - unit tests for libzjtx/facts/csv.c, the streaming RFC 4180 reader.
 *
 * Every expected record is written out by hand.  Most tests run twice
 * (loop index 0: zcsv_open_memory, 1: the same bytes through a temporary
 * file and zcsv_open), since the two read their input differently.  The
 * block tests assume the reader's 1 MiB block (BLOCK below): they put the
 * awkward bytes (CRLF, doubled quotes, closing quotes) on either side of
 * that boundary and build records several blocks long. */

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "test-util.h"

#define BLOCK ((size_t)1 << 20) /* the reader's block size */

static char *write_temp(const char *data, size_t len) {
  GError *err = NULL;
  char *name = NULL;
  int fd = g_file_open_tmp("test-csv-XXXXXX.csv", &name, &err);
  size_t done = 0;

  ck_assert_msg(fd >= 0, "temp file: %s", err ? err->message : "?");
  while (done < len) {
    ssize_t n = write(fd, data + done, len - done);
    ck_assert_msg(n > 0, "write: %s", g_strerror(errno));
    done += (size_t)n;
  }
  close(fd);
  return name;
}

/* A reader over `len` bytes of `data`: from memory (mode 0) or from a
 * temporary file (mode 1), which is unlinked at once (the reader keeps it
 * open).  `data` must outlive the reader. */
static zcsv *open_mode(int mode, const char *data, size_t len) {
  zcsv *r;

  if (mode == 0) {
    r = zcsv_open_memory(data, len);
  } else {
    char *name = write_temp(data, len);
    int e = -1;
    r = zcsv_open(name, &e);
    ck_assert_msg(r != NULL, "zcsv_open %s: %s", name, g_strerror(e));
    ck_assert_int_eq(e, 0);
    ck_assert_int_eq(unlink(name), 0);
    g_free(name);
  }
  ck_assert_ptr_nonnull(r);
  return r;
}

static zcsv *open_str(int mode, const char *s) {
  return open_mode(mode, s, strlen(s));
}

/* Reads the next record and checks its first line and fields (NULL ends
 * `want`). */
static void expect_rec(zcsv *r, long line, const char *const *want) {
  char **f = NULL;
  size_t n = 0, i, nwant = 0;
  zcsv_status st = zcsv_next(r, &f, &n);

  while (want[nwant])
    nwant++;
  ck_assert_msg(st == ZCSV_RECORD, "expected a record on line %ld, got status %d (%s)", line, (int)st, zcsv_error(r));
  ck_assert_int_eq(zcsv_line(r), line);
  ck_assert_msg(n == nwant, "line %ld: %zu fields, expected %zu", line, n, nwant);
  for (i = 0; i < n; i++)
    ck_assert_msg(strcmp(f[i], want[i]) == 0, "line %ld field %zu: [%s], expected [%s]", line, i + 1, f[i], want[i]);
}

#define REC(r, line, ...) expect_rec((r), (line), (const char *const[]){__VA_ARGS__, NULL})

static void expect_eof(zcsv *r) {
  char *dummy[1];
  char **f = dummy;
  size_t n = 99;

  ck_assert_int_eq(zcsv_next(r, &f, &n), ZCSV_EOF);
  ck_assert_ptr_null(f);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(zcsv_next(r, &f, &n), ZCSV_EOF); /* and it stays there */
}

/* Reads the next record expecting an error starting on `line`, at byte
 * `column`, whose message contains `part`. */
static void expect_err(zcsv *r, long line, long column, const char *part) {
  char **f;
  size_t n;

  ck_assert_int_eq(zcsv_next(r, &f, &n), ZCSV_ERROR);
  ck_assert_int_eq(zcsv_line(r), line);
  ck_assert_int_eq(zcsv_error_column(r), column);
  ck_assert_msg(strstr(zcsv_error(r), part) != NULL, "message [%s] lacks [%s]", zcsv_error(r), part);
}

START_TEST(test_simple) {
  zcsv *r = open_str(_i, "id,name,county\n1,alpha,320812\n2,beta,320803\n");

  ck_assert_int_eq(zcsv_line(r), 0); /* nothing read yet */
  REC(r, 1, "id", "name", "county");
  REC(r, 2, "1", "alpha", "320812");
  REC(r, 3, "2", "beta", "320803");
  expect_eof(r);
  zcsv_close(r);
}
END_TEST

/* Inputs that read as these records and then the end, each from memory and
 * from a file. */
typedef struct {
  long line;             /* 0 ends the records */
  const char *fields[5]; /* NULL ends the fields */
} csv_record;

typedef struct {
  const char *name; /* what the case is about */
  const char *input;
  csv_record records[8];
} csv_case;

static const csv_case record_cases[] = {
    {"quoted_commas",
     "\"a,b\",c,\"Jiangsu Zenith Electronics Co., Ltd.\"\n\",\",\",,\"\n",
     {
         {1, {"a,b", "c", "Jiangsu Zenith Electronics Co., Ltd."}},
         {2, {",", ",,"}},
     }},
    /* "say ""hi""" -> say "hi";  """" -> ";  """a""" -> "a";  "x""" -> x" */
    {"doubled_quotes",
     "\"say \"\"hi\"\"\",\"\"\"\"\n\"\"\"a\"\"\",\"x\"\"\"\n",
     {
         {1, {"say \"hi\"", "\""}},
         {2, {"\"a\"", "x\""}},
     }},
    /* line 1: "x / line 2: y","p\r / line 3: q"\r / line 4: next */
    {"embedded_newlines",
     "\"x\ny\",\"p\r\nq\"\r\nnext\n\"a\n\nb\"\n",
     {
         {1, {"x\ny", "p\r\nq"}},
         {4, {"next"}},
         {5, {"a\n\nb"}}, /* an empty line inside quotes is data, not a blank line */
     }},
    /* 1 h / 2 x / 3 "1 / 4 2",y / 5 z */
    {"line_numbers_after_embedded_newline",
     "h\nx\n\"1\n2\",y\nz\n",
     {
         {1, {"h"}},
         {2, {"x"}},
         {3, {"1\n2", "y"}},
         {5, {"z"}},
     }},
    {"crlf",
     "a,b\r\nc,d\r\n\"q\"\r\ne,\r\n,\r\n",
     {
         {1, {"a", "b"}},
         {2, {"c", "d"}},
         {3, {"q"}},
         {4, {"e", ""}}, /* the CR belongs to the line end, not the empty field */
         {5, {"", ""}},
     }},
    {"lf_and_mixed",
     "a,b\nc,d\r\ne,f\n",
     {
         {1, {"a", "b"}},
         {2, {"c", "d"}},
         {3, {"e", "f"}},
     }},
    /* A CR not followed by LF is kept, in the middle, at the end of a field
     * and at the very end of the input. */
    {"lone_cr_is_data",
     "a\rb,c\r,d\n\r\n\rx\nend\r",
     {
         {1, {"a\rb", "c\r", "d"}},
         {3, {"\rx"}}, /* line 2 (CRLF alone) is blank */
         {4, {"end\r"}},
     }},
    {"empty_fields",
     ",a\na,,b\na,b,\n,\n\"\"\n\"\",\"\"\n,,,\n",
     {
         {1, {"", "a"}},
         {2, {"a", "", "b"}},
         {3, {"a", "b", ""}},
         {4, {"", ""}},
         {5, {""}},
         {6, {"", ""}},
         {7, {"", "", "", ""}},
     }},
    {"chinese",
     "名称,县区\n淮安市天工软件有限公司,清江浦区\n\"江苏德邦, 新材料\",\"“引号”\"\"\"\n",
     {
         {1, {"名称", "县区"}},
         {2, {"淮安市天工软件有限公司", "清江浦区"}},
         {3, {"江苏德邦, 新材料", "“引号”\""}},
     }},
    /* A lone continuation byte, 0xFF, a truncated sequence, an overlong NUL. */
    {"invalid_utf8_passes",
     "\x80,\xff\xfe,\"\xe6\xb7\",\xc0\x80\n\xe5\n",
     {
         {1, {"\x80", "\xff\xfe", "\xe6\xb7", "\xc0\x80"}},
         {2, {"\xe5"}},
     }},
    {"no_final_newline", "a,b\nc,d", {{1, {"a", "b"}}, {2, {"c", "d"}}}},
    {"no_final_newline: quoted last", "x\n\"quoted, last\"", {{1, {"x"}}, {2, {"quoted, last"}}}},
    {"no_final_newline: empty last field", "x,", {{1, {"x", ""}}}},
    {"no_final_newline: empty quoted field", "\"\"", {{1, {""}}}},
    {"bom: quoted first field", "\xEF\xBB\xBF\"q,1\",2\n", {{1, {"q,1", "2"}}}},
    /* Only at the very start: elsewhere it is data. */
    {"bom: later is data",
     "a\n\xEF\xBB\xBF"
     "b\n",
     {{1, {"a"}},
      {2,
       {"\xEF\xBB\xBF"
        "b"}}}},
    /* A BOM alone, or a BOM and blank lines: no records. */
    {"bom: alone", "\xEF\xBB\xBF", {{0}}},
    {"bom: and blank lines", "\xEF\xBB\xBF\r\n\n", {{0}}},
    /* Two bytes of a BOM are data. */
    {"bom: two bytes", "\xEF\xBB", {{1, {"\xEF\xBB"}}}},
    /* 1 blank / 2 blank / 3 a / 4 CRLF blank / 5 blank / 6 b / 7 blank / 8 " " */
    {"blank_lines",
     "\n\na\n\r\n\nb\n\n \n\n",
     {
         {3, {"a"}}, {6, {"b"}}, {8, {" "}}, /* a space is not a blank line */
     }},
    {"blank_lines: empty input", "", {{0}}},
    {"blank_lines: only blank lines", "\n\r\n\n", {{0}}},
};

/* _i: case _i / 2, read from memory (even) or a file (odd). */
START_TEST(test_record_cases) {
  const csv_case *c = &record_cases[_i / 2];
  zcsv *r = open_str(_i % 2, c->input);

  for (const csv_record *rec = c->records; rec->line; rec++)
    expect_rec(r, rec->line, rec->fields);
  expect_eof(r);
  zcsv_close(r);
}
END_TEST

START_TEST(test_bom) {
  zcsv *r = open_str(_i, "\xEF\xBB\xBFid,name\n1,x\n");

  REC(r, 1, "id", "name");
  REC(r, 2, "1", "x");
  expect_eof(r);
  ck_assert_uint_eq(zcsv_bytes_read(r), 15);
  zcsv_close(r);
  /* the other inputs with a BOM are among record_cases */
}
END_TEST

START_TEST(test_short_and_long_rows) {
  GString *s = g_string_new("a,b,c\n1\n1,2,3,4,5\n");
  char name[16];
  char **f;
  size_t n, i;
  zcsv *r;

  /* and a row of 1000 fields 0..999, more than any initial array */
  for (i = 0; i < 1000; i++)
    g_string_append_printf(s, "%s%zu", i ? "," : "", i);
  g_string_append(s, "\nlast\n");
  r = open_mode(_i, s->str, s->len);
  REC(r, 1, "a", "b", "c");
  REC(r, 2, "1");
  REC(r, 3, "1", "2", "3", "4", "5");
  ck_assert_int_eq(zcsv_next(r, &f, &n), ZCSV_RECORD);
  ck_assert_int_eq(zcsv_line(r), 4);
  ck_assert_uint_eq(n, 1000);
  for (i = 0; i < n; i++) {
    g_snprintf(name, sizeof name, "%zu", i);
    ck_assert_str_eq(f[i], name);
  }
  REC(r, 5, "last");
  expect_eof(r);
  zcsv_close(r);
  g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_error_quote_in_unquoted) {
  zcsv *r = open_str(_i, "x,y\nab\"c,d\nnext,1\n1,x\"\n2\n0123456789ab\"defghijklmnop,1\nfin\n");

  REC(r, 1, "x", "y");
  expect_err(r, 2, 3, "quote inside unquoted field 1");
  REC(r, 3, "next", "1");
  expect_err(r, 4, 4, "field 2");
  REC(r, 5, "2");
  expect_err(r, 6, 13, "field 1"); /* past the first eight bytes of the field */
  REC(r, 7, "fin");
  expect_eof(r);
  zcsv_close(r);
}
END_TEST

START_TEST(test_error_after_closing_quote) {
  /* 1 "ab"c,d / 2 ok / 3 z,"q" ,w CRLF / 4 "ab" CR x / 5 "a / 6 b"x / 7 next
   * / 8 "e" CR (and the end: a CR alone is not a line end) */
  zcsv *r = open_str(_i, "\"ab\"c,d\nok\nz,\"q\" ,w\r\n\"ab\"\rx\n\"a\nb\"x\nnext\n\"e\"\r");

  expect_err(r, 1, 5, "after the closing quote of field 1");
  REC(r, 2, "ok");
  expect_err(r, 3, 6, "field 2"); /* a space after the quote */
  expect_err(r, 4, 5, "field 1"); /* a CR not followed by LF */
  expect_err(r, 5, 3, "field 1"); /* column 3 of line 6, where the x is */
  REC(r, 7, "next");
  expect_err(r, 8, 4, "field 1");
  expect_eof(r);
  zcsv_close(r);
}
END_TEST

START_TEST(test_error_unterminated) {
  zcsv *r = open_str(_i, "a\n\"abc\nd,e\n");

  REC(r, 1, "a");
  expect_err(r, 2, 1, "not closed");
  expect_eof(r);
  zcsv_close(r);

  r = open_str(_i, "x,\"abc");
  expect_err(r, 1, 3, "quoted field 2 is not closed");
  expect_eof(r);
  zcsv_close(r);

  r = open_str(_i, "\"abc\"\"");
  expect_err(r, 1, 1, "not closed");
  expect_eof(r);
  zcsv_close(r);
}
END_TEST

START_TEST(test_errors_in_a_row) {
  zcsv *r = open_str(_i, "a\"\nb\"\n\"c\"d\nok\n");

  expect_err(r, 1, 2, "quote inside");
  expect_err(r, 2, 2, "quote inside");
  expect_err(r, 3, 4, "after the closing quote");
  REC(r, 4, "ok");
  expect_eof(r);
  zcsv_close(r);
}
END_TEST

/* A NUL byte used to cut its field short ("x\0y" read as "x"). */
START_TEST(test_error_nul_byte) {
  static const char data[] = "a,b\n1,x\0y\n\"q\0\",2\n3,4\n";
  zcsv *r = open_mode(_i, data, sizeof data - 1);

  REC(r, 1, "a", "b");
  expect_err(r, 2, 4, "a NUL byte in field 2");
  ck_assert_int_eq(zcsv_error_kind_of(r), ZCSV_E_SYNTAX);
  expect_err(r, 3, 3, "a NUL byte in field 1");
  REC(r, 4, "3", "4");
  expect_eof(r);
  zcsv_close(r);
}
END_TEST

/* Fields (unquoted) and records (raw, line end included) over the limits
 * are errors; reading goes on with the next line. */
START_TEST(test_limits) {
  static const char data[] = "ab,cdef\nabcde,x\n\"abc\"\"d\"\n0123,56789\nok,1\n";
  zcsv *r = open_str(_i, data);

  zcsv_set_limits(r, 4, 10);
  REC(r, 1, "ab", "cdef");                               /* 8 bytes, fields of 2 and 4 */
  expect_err(r, 2, 1, "field 1 is longer than 4 bytes"); /* "abcde" */
  ck_assert_int_eq(zcsv_error_kind_of(r), ZCSV_E_LIMIT);
  expect_err(r, 3, 1, "field 1 is longer than 4 bytes");     /* 9 bytes, but abc"d once unquoted: 5 */
  expect_err(r, 4, 1, "the record is longer than 10 bytes"); /* 11 bytes with its LF */
  REC(r, 5, "ok", "1");
  expect_eof(r);
  zcsv_close(r);
}
END_TEST

/* A record longer than the window (3 MiB) is refused before the reader
 * widens its buffers to hold it, and the next line is read. */
START_TEST(test_limit_before_growing) {
  const size_t big = 3 * BLOCK;
  char *data = g_malloc(big + 16);
  size_t len;
  zcsv *r;

  memset(data, 'x', big);
  memcpy(data + big, "\nok,1\n", 7);
  len = big + 6;
  r = open_mode(_i, data, len);
  zcsv_set_limits(r, 1000, 1000);
  expect_err(r, 1, 1, "the record is longer than 1000 bytes");
  REC(r, 2, "ok", "1");
  expect_eof(r);
  zcsv_close(r);
  g_free(data);
}
END_TEST

/* A file that grows, or is written in place, while it is read: the reader
 * sees it at the end of input (size or mtime against those at open). */
START_TEST(test_file_changed) {
  char *name = write_temp("a,b\n1,2\n", 8);
  char **f;
  size_t n;
  int e = 0, fd;
  zcsv *r = zcsv_open(name, &e);

  ck_assert_ptr_nonnull(r);
  REC(r, 1, "a", "b");
  fd = open(name, O_WRONLY | O_APPEND);
  ck_assert_int_eq(write(fd, "3,4\n", 4), 4);
  close(fd);
  REC(r, 2, "1", "2");
  REC(r, 3, "3", "4"); /* read, but the end shows the change */
  ck_assert_int_eq(zcsv_next(r, &f, &n), ZCSV_ERROR);
  ck_assert_int_eq(zcsv_error_kind_of(r), ZCSV_E_CHANGED);
  ck_assert_str_eq(zcsv_error(r), "the file changed while it was read");
  expect_eof(r);
  zcsv_close(r);

  /* the same size, a new modification time */
  r = zcsv_open(name, &e);
  ck_assert_ptr_nonnull(r);
  REC(r, 1, "a", "b");
  struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
  ck_assert_int_eq(utimensat(AT_FDCWD, name, times, 0), 0);
  REC(r, 2, "1", "2");
  REC(r, 3, "3", "4");
  ck_assert_int_eq(zcsv_next(r, &f, &n), ZCSV_ERROR);
  ck_assert_int_eq(zcsv_error_kind_of(r), ZCSV_E_CHANGED);
  zcsv_close(r);

  /* unchanged: the end is the end */
  r = zcsv_open(name, &e);
  REC(r, 1, "a", "b");
  REC(r, 2, "1", "2");
  REC(r, 3, "3", "4");
  expect_eof(r);
  zcsv_close(r);
  ck_assert_int_eq(unlink(name), 0);
  g_free(name);
}
END_TEST

START_TEST(test_missing_file) {
  int e = 0;
  char *dir = g_dir_make_tmp("test-csv-XXXXXX", NULL);
  char *path;

  ck_assert_ptr_nonnull(dir);
  path = g_build_filename(dir, "no-such.csv", NULL);
  ck_assert_ptr_null(zcsv_open(path, &e));
  ck_assert_int_eq(e, ENOENT);
  ck_assert_ptr_null(zcsv_open(path, NULL)); /* errno_out may be NULL */
  e = 0;
  ck_assert_ptr_null(zcsv_open(dir, &e)); /* a directory is not a CSV file */
  ck_assert_int_eq(e, EISDIR);
  g_free(path);
  ck_assert_int_eq(rmdir(dir), 0);
  g_free(dir);
}
END_TEST

START_TEST(test_memory_and_sizes) {
  static const char data[] = "a,b\nc,d\ne,f\n";
  char **f;
  size_t n;
  zcsv *r = zcsv_open_memory(data, 8); /* only the first two lines */

  ck_assert_uint_eq(zcsv_total_bytes(r), 8);
  ck_assert_uint_eq(zcsv_bytes_read(r), 0);
  REC(r, 1, "a", "b");
  ck_assert_uint_eq(zcsv_bytes_read(r), 4);
  REC(r, 2, "c", "d");
  ck_assert_uint_eq(zcsv_bytes_read(r), 8);
  expect_eof(r);
  zcsv_close(r);

  r = zcsv_open_memory(NULL, 0);
  expect_eof(r);
  zcsv_close(r);
  zcsv_close(NULL);

  /* The file reader knows its size from fstat and counts what it used. */
  r = open_str(1, "id,v\n1,\"x\ny\"\n");
  ck_assert_uint_eq(zcsv_total_bytes(r), 13);
  REC(r, 1, "id", "v");
  ck_assert_uint_eq(zcsv_bytes_read(r), 5);
  REC(r, 2, "1", "x\ny");
  ck_assert_uint_eq(zcsv_bytes_read(r), 13);
  expect_eof(r);
  zcsv_close(r);

  /* A read error (Linux: /proc/self/mem at offset 0 gives EIO) is an
   * error once, then the end. */
  r = zcsv_open("/proc/self/mem", NULL);
  if (r) {
    ck_assert_int_eq(zcsv_next(r, &f, &n), ZCSV_ERROR);
    ck_assert_msg(strstr(zcsv_error(r), "read error") != NULL, "%s", zcsv_error(r));
    ck_assert_int_eq(zcsv_error_column(r), 0);
    expect_eof(r);
    zcsv_close(r);
  }

  /* Not a regular file: refused (a FIFO would hang, /dev/zero never end). */
  int e = 0;
  ck_assert_ptr_null(zcsv_open("/dev/null", &e));
  ck_assert_int_eq(e, ZCSV_NOT_REGULAR);
}
END_TEST

/* A field of 3 MiB (three blocks), unquoted and quoted, between others. */
START_TEST(test_huge_field) {
  const size_t big = 3 * BLOCK;
  GString *s = g_string_sized_new(2 * big + 100);
  char **f;
  size_t n, i;
  zcsv *r;

  g_string_append(s, "first\nA,");
  for (i = 0; i < big; i++)
    g_string_append_c(s, (char)('a' + i % 26));
  g_string_append(s, ",B\r\n\"");
  for (i = 0; i < big; i++) /* every 1000th byte a doubled quote, every 4099th a LF */
    g_string_append(s, i % 1000 == 999 ? "\"\"" : i % 4099 == 4098 ? "\n" : "z");
  g_string_append(s, "\"\nafter,1");

  r = open_mode(_i, s->str, s->len);
  REC(r, 1, "first");
  ck_assert_int_eq(zcsv_next(r, &f, &n), ZCSV_RECORD);
  ck_assert_int_eq(zcsv_line(r), 2);
  ck_assert_uint_eq(n, 3);
  ck_assert_str_eq(f[0], "A");
  ck_assert_uint_eq(strlen(f[1]), big);
  for (i = 0; i < big; i++)
    if (f[1][i] != (char)('a' + i % 26))
      ck_abort_msg("byte %zu of the unquoted field", i);
  ck_assert_str_eq(f[2], "B");

  ck_assert_int_eq(zcsv_next(r, &f, &n), ZCSV_RECORD);
  ck_assert_int_eq(zcsv_line(r), 3);
  ck_assert_uint_eq(n, 1);
  ck_assert_uint_eq(strlen(f[0]), big);
  for (i = 0; i < big; i++)
    if (f[0][i] != (i % 1000 == 999 ? '"' : i % 4099 == 4098 ? '\n' : 'z'))
      ck_abort_msg("byte %zu of the quoted field", i);
  /* LFs sit at i = 4099m - 1 for m = 1 .. 767 (4099 x 767 = 3143933 <=
   * 3145728 < 4099 x 768); none is a doubled-quote position, which would need
   * 1000 | 4099m, so 1000 | m.  The record spans lines 3 .. 770: "after" is
   * on line 771. */
  REC(r, 771, "after", "1");
  expect_eof(r);
  ck_assert_uint_eq(zcsv_bytes_read(r), s->len);
  zcsv_close(r);
  g_string_free(s, TRUE);
}
END_TEST

/* A tricky tail placed so that the block boundary falls on each of its
 * bytes in turn: between CR and LF, inside a doubled quote, right after a
 * closing quote, inside a blank CRLF line, after a separator... */
START_TEST(test_block_boundary) {
  static const char tail[] = "\"q\"\"x\",\"m\r\nn\",p\r\n\r\nlast,\"\"\r\nend";
  const size_t tlen = sizeof tail - 1;
  size_t shift;

  for (shift = 1; shift <= tlen + 2; shift++) {
    /* filler line: BLOCK - shift bytes including its LF */
    size_t flen = BLOCK - shift;
    char *data = g_malloc(flen + tlen);
    char **f;
    size_t n;
    zcsv *r;

    memset(data, 'F', flen - 1);
    data[flen - 1] = '\n';
    memcpy(data + flen, tail, tlen);
    r = open_mode(_i, data, flen + tlen);
    ck_assert_int_eq(zcsv_next(r, &f, &n), ZCSV_RECORD);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(strlen(f[0]), flen - 1);
    REC(r, 2, "q\"x", "m\r\nn", "p");
    REC(r, 5, "last", "");
    REC(r, 6, "end");
    expect_eof(r);
    ck_assert_uint_eq(zcsv_bytes_read(r), flen + tlen);
    zcsv_close(r);
    g_free(data);
  }
}
END_TEST

/* Many records over several blocks, each checked. */
START_TEST(test_many_records_over_blocks) {
  GString *s = g_string_new(NULL);
  char want[64], want2[64];
  size_t i, count = 120000;
  zcsv *r;

  for (i = 0; i < count; i++) {
    if (i % 7 == 0)
      g_string_append_printf(s, "%zu,\"quo\"\"ted\r\n%zu\",淮安\r\n", i, i * 3);
    else
      g_string_append_printf(s, "%zu,plain%zu,x\n", i, i * 3);
  }
  ck_assert_uint_gt(s->len, 2 * BLOCK);
  r = open_mode(_i, s->str, s->len);
  for (i = 0; i < count; i++) {
    g_snprintf(want, sizeof want, "%zu", i);
    if (i % 7 == 0) {
      g_snprintf(want2, sizeof want2, "quo\"ted\r\n%zu", i * 3);
      /* each earlier quoted record added one line */
      REC(r, (long)(i + (i + 6) / 7 + 1), want, want2, "淮安");
    } else {
      g_snprintf(want2, sizeof want2, "plain%zu", i * 3);
      REC(r, (long)(i + (i + 6) / 7 + 1), want, want2, "x");
    }
  }
  expect_eof(r);
  zcsv_close(r);
  g_string_free(s, TRUE);
}
END_TEST

static Suite *csv_suite(void) {
  Suite *s = suite_create("csv");
  TCase *tc = tcase_create("syntax");

  tcase_add_loop_test(tc, test_simple, 0, 2);
  tcase_add_loop_test(tc, test_record_cases, 0, 2 * (int)G_N_ELEMENTS(record_cases));
  tcase_add_loop_test(tc, test_bom, 0, 2);
  tcase_add_loop_test(tc, test_short_and_long_rows, 0, 2);
  suite_add_tcase(s, tc);

  tc = tcase_create("errors");
  tcase_add_loop_test(tc, test_error_quote_in_unquoted, 0, 2);
  tcase_add_loop_test(tc, test_error_after_closing_quote, 0, 2);
  tcase_add_loop_test(tc, test_error_unterminated, 0, 2);
  tcase_add_loop_test(tc, test_errors_in_a_row, 0, 2);
  tcase_add_loop_test(tc, test_error_nul_byte, 0, 2);
  tcase_add_loop_test(tc, test_limits, 0, 2);
  tcase_add_loop_test(tc, test_limit_before_growing, 0, 2);
  tcase_add_test(tc, test_file_changed);
  tcase_add_test(tc, test_missing_file);
  suite_add_tcase(s, tc);

  tc = tcase_create("io");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_memory_and_sizes);
  tcase_add_loop_test(tc, test_huge_field, 0, 2);
  tcase_add_loop_test(tc, test_block_boundary, 0, 2);
  tcase_add_loop_test(tc, test_many_records_over_blocks, 0, 2);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return ztest_run_suite(csv_suite());
}
