/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-facts-json-par.c - the JSON carrier on two threads reads exactly what it reads on one: records, rejects, errors.
 */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "facts-json-par.h"
#include "facts-store.h"
#include "test-util.h"

/* The school-meals policy (test-facts-json.c): districts, and schools with
 * terms, canteen_projects and deliveries nested in them. */
static zjtx_policy *policy;

#define SCHOOL_LITERAL                                                                                                 \
  "{\"id\": \"S1\", \"name\": \"n\", \"district\": \"D01\", \"stage\": \"primary\", \"has_canteen\": true}"

static void setup(void) {
  policy = ztest_policy_src("examples/school-meals/policy.xml");
}

static void teardown(void) {
  zjtx_policy_unref(policy);
  policy = NULL;
}

static void dump_error_chain(GString *out, const zjtx_error *e) {
  for (; e; e = zjtx_error_next(e))
    g_string_append_printf(out, "error %d %s:%d:%d %s\n", (int)zjtx_error_code(e), zjtx_error_file(e),
                           zjtx_error_line(e), zjtx_error_column(e), zjtx_error_message(e));
}

static void dump_column(GString *out, const zcolumn *c, int32_t rec) {
  if (c->i64 && (guint)rec < c->i64->len)
    g_string_append_printf(out, " %" G_GINT64_FORMAT, g_array_index(c->i64, int64_t, rec));
  if (c->i32 && (guint)rec < c->i32->len)
    g_string_append_printf(out, " %d", g_array_index(c->i32, int32_t, rec));
  if (c->u8)
    g_string_append_printf(out, " %u", c->u8->data[rec]);
  if (c->str) {
    const char *s = g_ptr_array_index(c->str, rec);
    g_string_append_printf(out, " [%s]", s ? s : "(absent)");
  }
}

/* Everything a table holds before finish, one line per record or reject. */
static void dump_table(GString *out, const zjtx_facts *f, int32_t entity) {
  const ztable *t = &f->tables[entity];
  const zentity *e = zpolicy_entity(f->policy, entity);
  g_string_append_printf(out, "table %s n=%d read=%" G_GINT64_FORMAT " rejected=%" G_GINT64_FORMAT " stop=%d\n",
                         e->name, t->n, t->read, t->rejected, t->stop != NULL);
  for (int32_t r = 0; r < t->n; r++) {
    g_string_append_printf(out, "  rec %d line %d %s parent [%s]:", r, g_array_index(t->where_line, int32_t, r),
                           (const char *)g_ptr_array_index(t->where_file, r),
                           t->parent_text ? (const char *)g_ptr_array_index(t->parent_text, r) : "-");
    for (guint i = 0; i < e->fields->len; i++)
      dump_column(out, &t->columns[i], r);
    g_string_append_c(out, '\n');
  }
  for (guint i = 0; i < t->rejects->len; i++) {
    const zreject *j = &g_array_index(t->rejects, zreject, i);
    g_string_append_printf(out, "  reject %s:%d id=%s field=%s value=%s: %s\n", j->file, j->line, j->id, j->field,
                           j->value, j->reason);
  }
}

/* The status, the errors, the tables and the period, as text. */
static char *dump_facts(zjtx_status st, const zjtx_facts *f, const zjtx_error *err) {
  GString *out = g_string_new(NULL);
  g_string_append_printf(out, "status %d period %s\n", (int)st, f->period ? f->period : "-");
  dump_error_chain(out, err);
  for (guint e = 0; e < policy->entities->len; e++)
    dump_table(out, f, (int32_t)e);
  return g_string_free(out, FALSE);
}

/* The document read with `threads` (runs of `run` bytes) into new facts,
 * named `name`, as dump_facts tells it. */
static char *read_named(const char *doc, size_t len, const char *name, bool keep_going, int threads, size_t run) {
  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(policy, &f, NULL), ZJTX_OK);
  zjtx_facts_set_keep_going(f, keep_going, NULL);
  zjtx_error *err = NULL;
  zjson_par_options opt = {threads, 0, run};
  zjtx_status st = zfacts_read_json_buffer_with(f, doc, len, name, &opt, &err);
  char *dump = dump_facts(st, f, err);
  zjtx_error_free(err);
  zjtx_facts_free(f);
  return dump;
}

static char *read_with(const char *doc, size_t len, bool keep_going, int threads, size_t run) {
  return read_named(doc, len, "t.json", keep_going, threads, run);
}

/* Where two dumps part: a message shows them from a little before. */
static size_t shown_from(const char *a, const char *b) {
  size_t i = 0;
  while (a[i] && a[i] == b[i])
    i++;
  return i > 200 ? i - 200 : 0;
}

/* One thread against two, in runs of one element, a few and many. */
static void same_on_two_threads(const char *doc, size_t len) {
  static const size_t runs[] = {1, 40, 300, 1 << 20};
  for (int keep = 0; keep < 2; keep++) {
    g_autofree char *one = read_with(doc, len, keep, 1, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(runs); i++) {
      g_autofree char *two = read_with(doc, len, keep, 2, runs[i]);
      if (strcmp(one, two) != 0)
        ck_abort_msg("keep-going %d, runs of %zu bytes: one thread\n%.1000s\ntwo threads\n%.1000s\ndocument: %.*s",
                     keep, runs[i], one + shown_from(one, two), two + shown_from(one, two), (int)MIN(len, 600), doc);
    }
  }
}

static void same_text(const char *doc) {
  same_on_two_threads(doc, strlen(doc));
}

/* A school with terms and deliveries, some values wrong. */
static void add_school(GString *s, int i) {
  g_string_append_printf(s,
                         "%s{\"id\": \"S%03d\", \"name\": \"n%d\", \"district\": \"D01\", \"stage\": \"%s\", "
                         "\"has_canteen\": %s,\n  \"terms\": [{\"id\": \"T%d\", \"starts_on\": \"2025-02-17\", "
                         "\"ends_on\": \"2025-06-30\", \"days_served\": %d, \"pupils\": 120, \"poor_boarders\": 30, "
                         "\"meal_spending\": \"%s\"}],\n  \"deliveries\": [{\"id\": \"V%d\", \"supplier\": \"x\", "
                         "\"delivered_on\": \"2025-03-01\", \"meals\": 10, \"amount\": %s}]}",
                         i ? ",\n" : "", i, i, i % 7 == 3 ? "college" : "primary", i % 2 ? "true" : "false", i,
                         80 + i % 5, i % 11 == 5 ? "12.345" : "1250.50", i, i % 13 == 4 ? "12.5" : "\"300.00\"");
}

/* A valid document of `n` schools (some of them refused), the period and
 * the districts after them. */
static GString *schools_document(int n) {
  GString *s = g_string_new("{\"schools\": [\n");
  for (int i = 0; i < n; i++)
    add_school(s, i);
  g_string_append(s, "],\n \"period\": \"2025\",\n \"districts\": [{\"id\": \"D01\", \"name\": \"d\", \"terrain\": "
                     "\"plain\"}]}\n");
  return s;
}

START_TEST(test_valid_document) {
  g_autoptr(GString) s = schools_document(60);
  same_on_two_threads(s->str, s->len);
}
END_TEST

/* The check finds the document invalid near its end, while the records
 * before are being loaded: its error alone, nothing loaded (the dump
 * shows empty tables), whatever had been read is freed. */
START_TEST(test_invalid_near_the_end) {
  static const char *const endings[] = {
      "x",              /* content after the document */
      "]",              /* a bracket too many */
      "\xff",           /* not UTF-8 */
      "{\"a\": \"open", /* a string the input ends in */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(endings); i++) {
    g_autoptr(GString) s = schools_document(60);
    g_string_append(s, endings[i]);
    same_on_two_threads(s->str, s->len);
    g_autofree char *two = read_with(s->str, s->len, false, 2, 1);
    ck_assert_msg(strstr(two, "table school n=0 read=0") != NULL, "%s", two);
  }
  /* cut short inside the array, and a bad token in its last element */
  g_autoptr(GString) cut = schools_document(60);
  g_string_truncate(cut, cut->len - 120);
  same_on_two_threads(cut->str, cut->len);
  g_autoptr(GString) bad = schools_document(60);
  char *last = strstr(bad->str, "\"S059\"");
  last[0] = '\'';
  same_on_two_threads(bad->str, bad->len);
}
END_TEST

/* json-glib keeps a key given twice at its first place with its last
 * value: the array read while checking is then not the one kept. */
START_TEST(test_streamed_key_twice) {
  g_autoptr(GString) s = schools_document(20);
  g_string_truncate(s, s->len - 2); /* "}\n" */
  g_string_append(s, ", \"schools\": [");
  add_school(s, 77);
  g_string_append(s, "]}");
  same_on_two_threads(s->str, s->len);
  same_text("{\"schools\": 5, \"period\": \"2025\", \"schools\": [" SCHOOL_LITERAL "]}");
  same_text("{\"period\": \"2025\", \"period\": \"2026\", \"schools\": [" SCHOOL_LITERAL "]}");
}
END_TEST

START_TEST(test_odd_documents) {
  static const char *const docs[] = {
      "",
      "[]",
      "{}",
      "{\"schools\": []}",
      "{\"schools\": [1, \"a\", null, [2, {}], {\"id\": \"S1\"}, true]}",
      "{\"_note\": [1], \"schools\": {}, \"terms\": [], \"x\": [1]}",
      "{\"schools\": [{\"id\": \"S1\\u00e9\\ud83d\\ude00\", \"name\": \"a\tb\"}], \"period\": 2025}",
      "{\"schools\": [{\"id\": \"S1\", \"id\": \"S2\", \"terms\": [{\"id\": 1.5}], \"terms\": 3}]}",
      "{\"schools\": [{\"id\": \"S1\"} {\"id\": \"S2\"}]}",
      "{\"schools\": [{\"id\": \"S1\"},]}",
      "{\"schools\": [[[[[[[[1]]]]]]]]}",
      "{\"schools\": [{\"id\": \"\\u0000\"}]}",
      "{\"schools\": [{\"id\": \"S1\"}], \"districts\": [{\"id\": \"D1\"}]} ",
      "\xef\xbb\xbf{\"schools\": [{\"id\": \"S1\", \"name\": \"",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(docs); i++)
    same_text(docs[i]);
}
END_TEST

/* Bytes changed at random in a valid document: wherever the document
 * breaks, two threads say what one says. */
START_TEST(test_random_damage) {
  static const char pieces[] = "{}[],:\"\\ \n1.e-x\t\x01\xc3";
  g_autoptr(GString) base = schools_document(12);
  GRand *rand = g_rand_new_with_seed(20250301);
  for (int round = 0; round < 150; round++) {
    g_autoptr(GString) s = g_string_new_len(base->str, (gssize)base->len);
    int changes = g_rand_int_range(rand, 1, 3);
    for (int k = 0; k < changes; k++) {
      gsize at = (gsize)g_rand_int_range(rand, 0, (gint32)s->len);
      char ch = pieces[g_rand_int_range(rand, 0, (gint32)sizeof pieces - 1)];
      switch (g_rand_int_range(rand, 0, 3)) {
      case 0:
        g_string_erase(s, (gssize)at, 1);
        break;
      case 1:
        g_string_insert_c(s, (gssize)at, ch);
        break;
      default:
        s->str[at] = ch;
      }
    }
    same_on_two_threads(s->str, s->len);
  }
  g_rand_free(rand);
}
END_TEST

/* A file read whole gives back its pages as its records are loaded (8 MB
 * at a time): what is given back is never read again (lines included),
 * whether the document is valid, invalid at its very end, or gives the
 * array's key again.  Read from a file on one thread and on two, against
 * the same bytes read from a buffer (nothing given back). */
/* A file read on `threads`, as dump_facts tells it. */
static char *read_file_with(const char *path, int threads) {
  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(policy, &f, NULL), ZJTX_OK);
  zjtx_facts_set_keep_going(f, 1, NULL);
  zjtx_error *err = NULL;
  zjson_par_options opt = {threads, 0, 64 << 10};
  zjtx_status st = zfacts_read_json_file_with(f, path, &opt, &err);
  char *dump = dump_facts(st, f, err);
  zjtx_error_free(err);
  zjtx_facts_free(f);
  return dump;
}

START_TEST(test_file_given_back) {
  g_autofree char *dir = g_dir_make_tmp("zjtx-json-par-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "facts.json", NULL);
  for (int variant = 0; variant < 3; variant++) {
    /* given back twice at least (the second time, the lines must not be
     * counted again through the first pages) */
    g_autoptr(GString) s = schools_document(variant == 0 ? 80000 : 36000);
    ck_assert_uint_gt(s->len, (variant == 0 ? 2 : 1) * (8 << 20) + (4 << 20));
    if (variant == 1)
      g_string_append(s, "{\"a\": \"open");
    if (variant == 2) {
      g_string_truncate(s, s->len - 2);
      g_string_append(s, ", \"schools\": [" SCHOOL_LITERAL "]}");
    }
    ck_assert(g_file_set_contents(path, s->str, (gssize)s->len, NULL));
    g_autofree char *kept = read_named(s->str, s->len, path, true, 1, 0);
    /* the last school (refused: a college) stands on the line 2 + 3 * 79999, the
     * district three lines below its first */
    ck_assert_msg(variant != 0 || (strstr(kept, ":239999 id=S79999 ") && strstr(kept, "rec 0 line 240003 ")), "%.1500s",
                  kept);
    for (int threads = 1; threads <= 2; threads++) {
      g_autofree char *given_back = read_file_with(path, threads);
      if (strcmp(kept, given_back) != 0)
        ck_abort_msg("variant %d, %d threads:\n%.1200s\n---\n%.1200s", variant, threads,
                     kept + shown_from(kept, given_back), given_back + shown_from(kept, given_back));
    }
  }
  g_unlink(path);
  g_rmdir(dir);
}
END_TEST

/* The first pass looks at most bytes of a string eight at a time: every
 * byte it must stop at is met at every place of strings of every length,
 * and the value read is the one written (or the document refused for its
 * UTF-8, as json-glib refused it). */
START_TEST(test_string_bytes_at_every_place) {
  static const struct {
    const char *written, *value; /* value NULL: not UTF-8 */
  } specials[] = {
      {"\\\"", "\""},
      {"\\\\", "\\"},
      {"\n", "\n"},
      {"\x01", "\x01"},
      {"\xe4\xb8\xad", "\xe4\xb8\xad"},
      {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
      {"\xed\xa0\x80", NULL},
      {"\xe0\x80\x80", NULL},
      {"\xff", NULL},
  };
  for (size_t k = 0; k < G_N_ELEMENTS(specials); k++)
    for (int len = 0; len <= 20; len++)
      for (int at = 0; at <= len; at++) {
        g_autoptr(GString) name = g_string_new(NULL), value = g_string_new(NULL);
        for (int i = 0; i < len; i++) {
          if (i == at) {
            g_string_append(name, specials[k].written);
            g_string_append(value, specials[k].value ? specials[k].value : "");
          }
          g_string_append_c(name, (char)('a' + i % 26));
          g_string_append_c(value, (char)('a' + i % 26));
        }
        if (at == len) {
          g_string_append(name, specials[k].written);
          g_string_append(value, specials[k].value ? specials[k].value : "");
        }
        g_autofree char *doc = g_strdup_printf(
            "{\"districts\": [{\"id\": \"D01\", \"name\": \"%s\", \"terrain\": \"plain\"}]}", name->str);
        g_autofree char *dump = read_with(doc, strlen(doc), false, 1, 0);
        g_autofree char *want = specials[k].value ? g_strdup_printf("[D01] [%s] 0\n", value->str)
                                                  : g_strdup("not valid JSON: JSON data must be UTF-8 encoded");
        ck_assert_msg(strstr(dump, want) != NULL, "special %zu, length %d, at %d: %s", k, len, at, dump);
        same_text(doc);
      }
}
END_TEST

static Suite *facts_json_par_suite(void) {
  Suite *s = suite_create("facts-json-par");
  TCase *tc = tcase_create("two threads");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_valid_document);
  tcase_add_test(tc, test_invalid_near_the_end);
  tcase_add_test(tc, test_streamed_key_twice);
  tcase_add_test(tc, test_odd_documents);
  tcase_add_test(tc, test_random_damage);
  tcase_add_test(tc, test_file_given_back);
  tcase_add_test(tc, test_string_bytes_at_every_place);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return ztest_run_suite(facts_json_par_suite());
}
