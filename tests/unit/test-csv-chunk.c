/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-csv-chunk.c - a CSV file cut into pieces read on several threads reads as one reader reads it.
 *
 * ZJTX_CSV_CHUNK_BYTES=1 cuts even these small files, and ZJTX_CSV_THREADS
 * sets how many pieces (facts-csv.c); each test runs in its own process
 * (Check forks), so the variables set here stay in it.  Lines and messages
 * are worked out from the files as written; the rest compares a load on
 * one thread with loads cut 2 to 64 ways. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "facts-store.h"
#include "test-util.h"
#include "zjtx/zjtx.h"

/* Enterprises with an id, a name and a revenue; reports under them. */
static const char POLICY[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<policy id=\"c\" version=\"1\">\n"
    "<title lang=\"en\">C</title>\n"
    "<entity name=\"enterprise\" plural=\"enterprises\" key=\"id\">\n"
    " <field name=\"id\" type=\"text\"/>\n"
    " <field name=\"name\" type=\"text\" required=\"false\"/>\n"
    " <field name=\"revenue\" type=\"money\"/>\n"
    "</entity>\n"
    "<entity name=\"report\" plural=\"reports\" parent=\"enterprise\" parent-key=\"enterprise\" key=\"id\">\n"
    " <field name=\"id\" type=\"text\"/>\n"
    " <field name=\"year\" type=\"count\"/>\n"
    "</entity>\n"
    "<rule id=\"r\" subject=\"enterprise\" clause=\"1\"><amount>revenue * 0.01</amount></rule>\n"
    "</policy>\n";

static zjtx_policy *policy;
static char *dir;

static void setup(void) {
  policy = ztest_policy_text(POLICY, "c.xml");
  dir = g_dir_make_tmp("test-csv-chunk-XXXXXX", NULL);
  ck_assert_ptr_nonnull(dir);
}

static void remove_file(const char *name) {
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_remove(path);
}

static void teardown(void) {
  remove_file("enterprises.csv");
  remove_file("reports.csv");
  g_rmdir(dir);
  g_clear_pointer(&dir, g_free);
  zjtx_policy_unref(policy);
}

static void write_file(const char *name, const char *text) {
  g_autofree char *path = g_build_filename(dir, name, NULL);
  ck_assert(g_file_set_contents(path, text, -1, NULL));
}

static char *path_of(const char *name) {
  return g_build_filename(dir, name, NULL);
}

/* The longest CSV record accepted, 0 for the default. */
static size_t max_line;

/* zjtx_facts_load() with the record length limit set: the same steps. */
static zjtx_status load_limited(int flags, zjtx_facts **out, zjtx_error **err) {
  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(policy, &f, NULL), ZJTX_OK);
  f->max_line = max_line;
  zjtx_facts_set_keep_going(f, flags & ZJTX_FACTS_KEEP_GOING, NULL);
  zjtx_status st = zjtx_facts_read_csv_dir(f, dir, err);
  if (st == ZJTX_OK || (!f->keep_going && *err && zjtx_error_code(*err) == ZJTX_ERR_FACTS)) {
    zjtx_error *more = NULL;
    st = zjtx_facts_finish(f, *err ? &more : err);
    if (more)
      zjtx_error_free(more); /* strict mode: the reading's errors are the ones compared */
    st = *err ? zjtx_error_code(*err) : st;
  }
  if (*err)
    g_clear_pointer(&f, zjtx_facts_free);
  *out = f;
  return st;
}

/* Loads the directory cut into `threads` pieces (1: read whole). */
static zjtx_status load(int threads, int flags, zjtx_facts **out, zjtx_error **err) {
  char n[16];
  g_snprintf(n, sizeof n, "%d", threads);
  g_setenv("ZJTX_CSV_THREADS", n, TRUE);
  g_setenv("ZJTX_CSV_CHUNK_BYTES", "1", TRUE);
  *out = NULL;
  *err = NULL;
  if (max_line)
    return load_limited(flags, out, err);
  return zjtx_facts_load(policy, dir, flags, out, err);
}

/* Everything a load gives, as text: its status, its errors, and either
 * every record (entity, id, name, revenue, parent) or none. */
static char *outcome(int threads, int flags) {
  zjtx_facts *f;
  zjtx_error *err;
  zjtx_status st = load(threads, flags, &f, &err);
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "status %d\n", (int)st);
  for (const zjtx_error *e = err; e; e = zjtx_error_next(e))
    g_string_append_printf(s, "error %s:%d: %s\n", zjtx_error_file(e), zjtx_error_line(e), zjtx_error_message(e));
  for (size_t i = 0; f && i < zjtx_facts_reject_count(f); i++)
    g_string_append_printf(s, "reject %d %s %s: %s\n", zjtx_facts_reject_line(f, i),
                           zjtx_facts_reject_id(f, i) ? zjtx_facts_reject_id(f, i) : "-",
                           zjtx_facts_reject_entity(f, i), zjtx_facts_reject_reason(f, i));
  for (int32_t e = 0; f && e < 2; e++)
    for (int32_t r = 0; r < f->tables[e].n; r++) {
      char buf[32];
      zval v = zfacts_get(f, e, e == 0 ? 2 : 1, r);
      g_string_append_printf(s, "%d %s %s %" G_GINT64_FORMAT " %d line %d\n", e, zfacts_record_id(f, e, r, buf),
                             e == 0 && !zfacts_is_absent(f, e, 1, r) ? zfacts_get(f, e, 1, r).s : "-", (gint64)v.d.m,
                             e == 1 ? g_array_index(f->tables[e].parent, int32_t, r) : -1,
                             g_array_index(f->tables[e].where_line, int32_t, r));
    }
  zjtx_error_free(err);
  zjtx_facts_free(f);
  return g_string_free(s, FALSE);
}

/* The first line where `a` and `b` differ, for a message short enough
 * for Check. */
static char *first_difference(const char *a, const char *b) {
  size_t i = 0, start = 0;
  for (; a[i] && a[i] == b[i]; i++)
    if (a[i] == '\n')
      start = i + 1;
  return g_strdup_printf("%.150s\n--- one thread:\n%.150s", b + start, a + start);
}

/* The outcome is the same for one thread and for 2 to 64 pieces, strict
 * and keep-going. */
static void assert_same_for_any_cut(void) {
  static const int cuts[] = {2, 3, 4, 5, 7, 8, 13, 16, 31, 64};
  for (int flags = 0; flags <= ZJTX_FACTS_KEEP_GOING; flags++) {
    g_autofree char *whole = outcome(1, flags);
    for (size_t i = 0; i < G_N_ELEMENTS(cuts); i++) {
      g_autofree char *cut = outcome(cuts[i], flags);
      if (strcmp(whole, cut) != 0) {
        g_autofree char *diff = first_difference(whole, cut);
        ck_abort_msg("%d pieces, flags %d:\n%s", cuts[i], flags, diff);
      }
    }
  }
}

/* Record i of the file: "E<i>", a name over three lines (two line breaks
 * in quotes, and a comma), revenue i.00; every record takes lines 3i+2 to
 * 3i+4, so any cut is likelier inside a quoted field than not. */
static GString *three_line_records(int n) {
  GString *s = g_string_new("id,name,revenue\n");
  for (int i = 0; i < n; i++)
    g_string_append_printf(s, "E%d,\"first line %d\nsecond, \"\"quoted\"\"\nthird\",%d.00\n", i, i, i);
  return s;
}

START_TEST(test_cut_inside_quoted_line_breaks) {
  g_autoptr(GString) s = three_line_records(120);
  write_file("enterprises.csv", s->str);
  zjtx_facts *f;
  zjtx_error *err;
  ck_assert_int_eq(load(4, 0, &f, &err), ZJTX_OK);
  ck_assert_int_eq(f->tables[0].n, 120);
  for (int32_t r = 0; r < 120; r++) {
    char buf[32], want[64];
    g_snprintf(want, sizeof want, "E%d", r);
    ck_assert_str_eq(zfacts_record_id(f, 0, r, buf), want);
    g_snprintf(want, sizeof want, "first line %d\nsecond, \"quoted\"\nthird", r);
    ck_assert_str_eq(zfacts_get(f, 0, 1, r).s, want);
    ck_assert_int_eq(zfacts_get(f, 0, 2, r).d.m, (int64_t)r * 100);
    ck_assert_int_eq(g_array_index(f->tables[0].where_line, int32_t, r), 3 * r + 2);
  }
  uint64_t bytes, total;
  zjtx_facts_progress(f, NULL, &bytes, &total); /* the pieces' bytes add up to the file's */
  ck_assert_uint_eq(total, s->len);
  ck_assert_uint_eq(bytes, s->len);
  zjtx_facts_free(f);
  assert_same_for_any_cut();
}
END_TEST

/* Record 150 starts on line 3 * 150 + 2 = 452, wherever the cuts fall. */
START_TEST(test_bad_record_late_in_the_file) {
  g_autoptr(GString) s = three_line_records(200);
  char *at = strstr(s->str, "E150,");
  at = strstr(at, "150.00");
  memcpy(at, "15x.00", 6);
  write_file("enterprises.csv", s->str);
  g_autofree char *path = path_of("enterprises.csv");
  for (int threads = 1; threads <= 4; threads++) {
    zjtx_facts *f;
    zjtx_error *err;
    ck_assert_int_eq(load(threads, 0, &f, &err), ZJTX_ERR_FACTS);
    ck_assert_ptr_null(zjtx_error_next(err));
    ztest_expect_error(err, path, 452,
                       "enterprises line 452 (E150): field \"revenue\": \"15x.00\" is not money (expected a plain "
                       "decimal, e.g. \"1250000.50\")");
    ck_assert_int_eq(load(threads, ZJTX_FACTS_KEEP_GOING, &f, &err), ZJTX_OK);
    ck_assert_uint_eq(zjtx_facts_reject_count(f), 1);
    ck_assert_int_eq(zjtx_facts_reject_line(f, 0), 452);
    ck_assert_str_eq(zjtx_facts_reject_id(f, 0), "E150");
    ck_assert_int_eq(f->tables[0].n, 199);
    zjtx_facts_free(f);
  }
}
END_TEST

/* One line per record: record i (E<i>) on line i + 2.  Record 90 has the id
 * of record 3: the first keeps it, at line 5; again at line 92. */
START_TEST(test_duplicate_id_across_pieces) {
  GString *s = g_string_new("id,name,revenue\n");
  for (int i = 0; i < 100; i++)
    g_string_append_printf(s, "E%d,n%d,1.00\n", i == 90 ? 3 : i, i);
  write_file("enterprises.csv", s->str);
  g_string_free(s, TRUE);
  g_autofree char *path = path_of("enterprises.csv");
  g_autofree char *want =
      g_strdup_printf("enterprise #91 (E3): duplicate id \"E3\" (first at %s:5, again at %s:92)", path, path);
  for (int threads = 1; threads <= 4; threads++) {
    zjtx_facts *f;
    zjtx_error *err;
    ck_assert_int_eq(load(threads, 0, &f, &err), ZJTX_ERR_FACTS);
    ck_assert_ptr_null(zjtx_error_next(err));
    ztest_expect_error(err, path, 92, want);
  }
  assert_same_for_any_cut();
}
END_TEST

/* Bad rows all over the file, in keep-going mode: the rejects come in
 * file order with their lines, however the file is cut.
 *   line 2 E0 good; 3 E1 revenue "x"; 4 blank; 5 E2 good;
 *   6-7 E3 a quoted name over two lines, good; 8 a stray quote;
 *   9 E4 good (CRLF); 10 a row of two fields; 11 E5 revenue "-1";
 *   12 E6 good; then 20 good rows E7..E26 on lines 13-32; 33 E27 no id. */
START_TEST(test_keep_going_rejects_in_order) {
  GString *s = g_string_new("id,name,revenue\n"
                            "E0,a,1.00\n"
                            "E1,b,x\n"
                            "\n"
                            "E2,c,2.00\n"
                            "E3,\"d\nd\",3.00\n"
                            "E9,e\"e,4.00\n"
                            "E4,f,5.00\r\n"
                            "E10,g\n"
                            "E5,h,-1\n"
                            "E6,i,6.00\n");
  for (int i = 7; i < 27; i++)
    g_string_append_printf(s, "E%d,n,%d.00\n", i, i);
  g_string_append(s, ",nameless,1.00\n");
  write_file("enterprises.csv", s->str);
  g_string_free(s, TRUE);
  static const struct {
    int line;
    const char *id, *reason;
  } want[] = {
      {3, "E1", "field \"revenue\": \"x\" is not money (expected a plain decimal, e.g. \"1250000.50\")"},
      {8, NULL, "not valid CSV at column 5: quote inside unquoted field 2"},
      {10, NULL, "the row has 2 fields but the header has 3"},
      {11, "E5", "field \"revenue\": \"-1\" is negative (expected money of 0 or more)"},
      {33, NULL, "field \"id\" is missing (required)"},
  };
  for (int threads = 1; threads <= 8; threads *= 2) {
    zjtx_facts *f;
    zjtx_error *err;
    ck_assert_int_eq(load(threads, ZJTX_FACTS_KEEP_GOING, &f, &err), ZJTX_OK);
    ck_assert_uint_eq(zjtx_facts_reject_count(f), G_N_ELEMENTS(want));
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
      ck_assert_int_eq(zjtx_facts_reject_line(f, i), want[i].line);
      if (want[i].id)
        ck_assert_str_eq(zjtx_facts_reject_id(f, i), want[i].id);
      else
        ck_assert_ptr_null(zjtx_facts_reject_id(f, i));
      ck_assert_str_eq(zjtx_facts_reject_reason(f, i), want[i].reason);
    }
    ck_assert_int_eq(f->tables[0].n, 25); /* E0, E2, E3, E4, E6, E7 .. E26 */
    zjtx_facts_free(f);
  }
  assert_same_for_any_cut();
}
END_TEST

/* A file of everything at once, children included, compared whole: quoted
 * line breaks, CRLF, blank lines, bad quoting that makes the reader resume
 * at the next line, an unterminated quote late in the file, a child whose
 * parent was refused. */
START_TEST(test_same_result_for_any_cut) {
  GString *e = g_string_new("\xEF\xBB\xBFid,name,revenue\n");
  GString *r = g_string_new("enterprise,id,year\n");
  for (int i = 0; i < 300; i++) {
    if (i % 7 == 0)
      g_string_append_printf(e, "E%d,\"a\n\nb %d\",%d.00\n", i, i, i);
    else if (i % 11 == 0)
      g_string_append_printf(e, "E%d,x\"y\nz,%d.00\r\n", i, i);
    else if (i % 13 == 0)
      g_string_append_printf(e, "\nE%d,\"q\"\"\r\n\",%d.5\n", i, i);
    else if (i % 29 == 0)
      g_string_append_printf(e, "E%d,bad,%d.001\n", i, i);
    else
      g_string_append_printf(e, "E%d,n%d,%d.00\n", i, i, i);
    g_string_append_printf(r, "E%d,R%d,%d\n", i, i, 2000 + i % 30);
    if (i % 17 == 0)
      g_string_append_printf(r, "E%d,\"R%d\nb\",2025\n", i, i);
  }
  g_string_append(e, "E900,\"never closed,1.00\nE901,n,1.00\n");
  write_file("enterprises.csv", e->str);
  write_file("reports.csv", r->str);
  g_string_free(e, TRUE);
  g_string_free(r, TRUE);
  assert_same_for_any_cut();
}
END_TEST

/* Records longer than the limit (40 bytes here), some of them across a
 * cut: the reader refuses such a record at its first line and goes on at
 * the next, quotes or not, and the pieces must do the same.  Records E0 to
 * E7 start on lines 2, 4, .. 16; E7's name runs over three lines (16-18),
 * so E8 starts on line 19 and E13 on line 29. */
START_TEST(test_records_over_the_limit) {
  GString *s = g_string_new("id,name,revenue\n");
  for (int i = 0; i < 40; i++) {
    if (i == 7 || i == 13)
      g_string_append_printf(s, "E%d,\"a very long name\nthat goes on, and on\nand on\",1.00\n", i);
    else
      g_string_append_printf(s, "E%d,\"n\nm\",%d.00\n", i, i);
  }
  write_file("enterprises.csv", s->str);
  g_string_free(s, TRUE);
  max_line = 40;
  static const struct {
    int line;
    const char *reason;
  } want[] = {
      {16, "the record is longer than 40 bytes (the limit for one line)"},
      {17, "the row has 2 fields but the header has 3"},
      {18, "not valid CSV at column 7: quote inside unquoted field 1"},
      {29, "the record is longer than 40 bytes (the limit for one line)"},
      {30, "the row has 2 fields but the header has 3"},
      {31, "not valid CSV at column 7: quote inside unquoted field 1"},
  };
  for (int threads = 1; threads <= 3; threads++) {
    zjtx_facts *f;
    zjtx_error *err;
    ck_assert_int_eq(load(threads, ZJTX_FACTS_KEEP_GOING, &f, &err), ZJTX_OK);
    ck_assert_uint_eq(zjtx_facts_reject_count(f), G_N_ELEMENTS(want));
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
      ck_assert_int_eq(zjtx_facts_reject_line(f, i), want[i].line);
      ck_assert_str_eq(zjtx_facts_reject_reason(f, i), want[i].reason);
    }
    ck_assert_int_eq(f->tables[0].n, 38);
    zjtx_facts_free(f);
  }
  assert_same_for_any_cut();
}
END_TEST

int main(void) {
  Suite *s = suite_create("csv-chunk");
  TCase *tc = tcase_create("pieces");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_cut_inside_quoted_line_breaks);
  tcase_add_test(tc, test_bad_record_late_in_the_file);
  tcase_add_test(tc, test_duplicate_id_across_pieces);
  tcase_add_test(tc, test_keep_going_rejects_in_order);
  tcase_add_test(tc, test_same_result_for_any_cut);
  tcase_add_test(tc, test_records_over_the_limit);
  suite_add_tcase(s, tc);
  return ztest_run_suite(s);
}
