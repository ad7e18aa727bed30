/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-facts-json.c - the streaming JSON carrier over examples/school-meals/policy.xml: syntax, order, exact numbers.
 */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "facts-store.h"
#include "test-util.h"

/* The school-meals policy: district (id, name, terrain), school (id, name,
 * district, stage, has_canteen) and, nested in a school, terms (id,
 * starts_on, ends_on, days_served, pupils, poor_boarders, meal_spending),
 * canteen_projects and deliveries (id, supplier, delivered_on, meals,
 * amount).  It nests two generations: the deepest document it can use has
 * 1 + 2 * 2 + 1 = 6 levels. */
static zjtx_policy *policy;
static zjtx_facts *facts;
static zjtx_error *err;

static void setup(void) {
  policy = ztest_policy_src("examples/school-meals/policy.xml");
}

static void teardown(void) {
  zjtx_facts_free(facts);
  facts = NULL;
  zjtx_error_free(err);
  err = NULL;
  zjtx_policy_unref(policy);
  policy = NULL;
}

static zjtx_status load(const char *text) {
  zjtx_facts_free(facts);
  facts = NULL;
  zjtx_error_free(err);
  err = NULL;
  return zjtx_facts_load_json_buffer(policy, text, strlen(text), "t.json", &facts, &err);
}

static const char *msg(const zjtx_error *e) {
  return zjtx_error_message(e);
}

/* The index of entity `name` and of its field `field`. */
static int32_t entity_index(const char *name) {
  for (guint i = 0; i < policy->entities->len; i++)
    if (strcmp(zpolicy_entity(policy, (int32_t)i)->name, name) == 0)
      return (int32_t)i;
  ck_abort_msg("no entity %s", name);
  return -1;
}

static zval field_of(const char *entity, const char *field, int32_t rec) {
  int32_t e = entity_index(entity);
  return zfacts_get(facts, e, zentity_field_index(zpolicy_entity(policy, e), field), rec);
}

static const char district[] = "{\"id\": \"D01\", \"name\": \"d\", \"terrain\": \"plain\"}";

/* A school's fields, without its closing brace. */
#define SCHOOL(id)                                                                                                     \
  "{\"id\": \"" id "\", \"name\": \"n\", \"district\": \"D01\", \"stage\": \"primary\", \"has_canteen\": true"

/* ---- syntax: json-glib's words and positions, kept ------------------------- */

/* What json-glib said about each of these (and users and scripts saw):
 * the token it had read last, what it wanted instead, and where that
 * token ends.  Worked out from its parser: a missing ':' names the key, a
 * missing ',' names the value before it. */
START_TEST(test_syntax_messages) {
  static const struct {
    const char *json, *says;
    int line, column;
  } cases[] = {
      {"{\"a\" 1}", "unexpected string constant \"a\", expected character `:'", 1, 4},
      {"{\"districts\": [1 2]}", "unexpected number `1', expected character `,'", 1, 16},
      {"{\"districts\": [-1 2]}", "unexpected number `1', expected character `,'", 1, 17}, /* the sign apart */
      {"{\"districts\": [1.5 2]}", "unexpected number `1.500', expected character `,'", 1, 18},
      {"{\"districts\": [1,]}", "unexpected character `,', expected character `]'", 1, 17},
      {"{\"districts\": [], }", "unexpected character `,', expected character `]'", 1, 17},
      {"{\"districts\": [],, \"x\": 1}", "unexpected character `,', expected string constant", 1, 17},
      {"{\"districts\": tru}", "unexpected identifier `tru', expected value", 1, 17},
      {"{\"districts\": [", "unexpected end of file, expected character `]'", 1, 15},
      {"{\"districts\": }", "unexpected character `}', expected character `}'", 1, 15},
      {"{\"period\": \"2025\" 1}", "invalid string constant \"2025\", expected valid string constant", 1, 17},
      {"{\"period\": \"\" \"x\"}", "unexpected empty string constant \"\", expected character `,'", 1, 13},
      {"{\"districts\": [\"a", "scanner: unterminated string constant", 1, 18},
      {"{1: 2}", "unexpected character `{', expected string constant", 1, 1},
      {"{\"districts\": [@]}", "unexpected character `@', expected character `]'", 1, 16},
      {"{\n  \"districts\": [\n    1\n    \"x\"]}", "unexpected number `1', expected character `,'", 3, 5},
      /* json-glib did not count a byte order mark in columns */
      {"\xEF\xBB\xBF{\"a\" 1}", "unexpected string constant \"a\", expected character `:'", 1, 4},
      /* nor did it name more than 55 bytes of a token */
      {"{\"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\" 1}",
       "unexpected string constant \"abcdefghijklmnopqrstuvwxyzabcdefghijk\", expected character `:'", 1, 55},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    ck_assert_int_eq(load(cases[i].json), ZJTX_ERR_FACTS);
    ck_assert_ptr_null(facts);
    ck_assert_int_eq(zjtx_error_count(err), 1);
    g_autofree char *want = g_strdup_printf("not valid JSON: %s", cases[i].says);
    ck_assert_str_eq(msg(err), want);
    ck_assert_str_eq(zjtx_error_file(err), "t.json");
    ck_assert_msg(zjtx_error_line(err) == cases[i].line && zjtx_error_column(err) == cases[i].column, "%s: at %d:%d",
                  cases[i].json, zjtx_error_line(err), zjtx_error_column(err));
  }
}
END_TEST

/* JSON data must be UTF-8: json-glib checked the whole input first. */
START_TEST(test_syntax_utf8) {
  ck_assert_int_eq(load("{\"districts\": [1 2], \"x\": \"\xFF\"}"), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "not valid JSON: JSON data must be UTF-8 encoded");
  ck_assert_int_eq(zjtx_error_line(err), 0);
  /* GLib's rule: no overlong form, surrogate or code point above U+10FFFF */
  static const char *const bad[] = {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE6\xB7", "\x80"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *doc = g_strdup_printf("{\"x\": \"a%s\"}", bad[i]);
    ck_assert_int_eq(load(doc), ZJTX_ERR_FACTS);
    ck_assert_str_eq(msg(err), "not valid JSON: JSON data must be UTF-8 encoded");
  }
  ck_assert_int_eq(load("{\"x\": \"\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\xEF\xBF\xBF\"}"), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "unknown key \"x\" (expected: period, districts, schools)");
  /* a lexical problem is still found first, anywhere */
  ck_assert_int_eq(load("{\"x\": \"\xFF\", \"districts\": [1 2], \"y\": 010}"), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_column(err), 37);
  ck_assert_msg(strstr(msg(err), "a number must be written"), "%s", msg(err));
}
END_TEST

/* The records are read as a stream, but a document with a syntax error
 * (here at its very end) is refused whole before any record is looked at:
 * the records before it are neither added nor reported. */
START_TEST(test_syntax_error_adds_nothing) {
  ck_assert_int_eq(zjtx_facts_new(policy, &facts, NULL), ZJTX_OK);
  g_autofree char *doc = g_strdup_printf("{\"districts\": [%s, {\"id\": \"D02\", \"terrain\": \"sea\"}],\n"
                                         " \"schools\": []",
                                         district);
  ck_assert_int_eq(zjtx_facts_read_json_buffer(facts, doc, strlen(doc), "t.json", &err), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_str_eq(msg(err), "not valid JSON: unexpected character `]', expected string constant");
  ck_assert_int_eq(zjtx_error_line(err), 2);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "district"), 0);
  ck_assert_uint_eq(zjtx_facts_reject_count(facts), 0);
}
END_TEST

/* ---- what JSON writes, read exactly ------------------------------------------- */

/* An amount is never a binary double: 12345678901234567 yuan is beyond
 * what a double holds exactly (2^53 = 9007199254740992), and is stored to
 * the fen: 1234567890123456700.  "-0" is the integer 0. */
START_TEST(test_numbers_keep_their_text) {
  g_autofree char *doc = g_strdup_printf("{\"period\": \"2025\", \"districts\": [%s], \"schools\": [" SCHOOL(
                                             "S01") ", \"deliveries\": [{\"id\": \"L1\", \"supplier\": \"s\", "
                                                    "\"delivered_on\": \"2025-01-02\", \"meals\": -0, "
                                                    "\"amount\": 12345678901234567}]}]}",
                                         district);
  ck_assert_int_eq(load(doc), ZJTX_OK);
  zval v = field_of("delivery", "amount", 0);
  ck_assert(v.d.m == INT64_C(1234567890123456700) && v.d.scale == 2);
  ck_assert(field_of("delivery", "meals", 0).d.m == 0);
}
END_TEST

/* json-glib took a control character written raw inside a string (JSON
 * wants it escaped): still taken, with the lines after it right. */
START_TEST(test_raw_control_characters) {
  g_autofree char *doc =
      g_strdup_printf("{\"districts\": [{\"id\": \"D01\", \"name\": \"a\tb\nc\", \"terrain\": \"plain\"},\n"
                      "  {\"id\": \"D02\", \"name\": \"x\", \"terrain\": \"sea\"}]}");
  ck_assert_int_eq(load(doc), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_int_eq(zjtx_error_line(err), 3); /* the raw newline counts */
  ck_assert_msg(strstr(msg(err), "districts[1] (D02): field \"terrain\""), "%s", msg(err));
  ck_assert_int_eq(load("{\"districts\": [{\"id\": \"D01\", \"name\": \"a\tb\nc\", \"terrain\": \"plain\"}]}"),
                   ZJTX_OK);
  ck_assert_str_eq(field_of("district", "name", 0).s, "a\tb\nc");
}
END_TEST

/* A character beyond U+FFFF is two \u escapes; half of a pair is no
 * character (json-glib swallowed the byte after it, closing quotes too). */
START_TEST(test_surrogates) {
  ck_assert_int_eq(load("{\"districts\": [{\"id\": \"D01\", \"name\": \"\\ud83d\\ude00\", \"terrain\": \"plain\"}]}"),
                   ZJTX_OK);
  ck_assert_str_eq(field_of("district", "name", 0).s, "\xF0\x9F\x98\x80"); /* U+1F600 */
  static const char *const halves[] = {"\\ud83d", "\\ude00", "\\ud83d\\u0041"};
  for (size_t i = 0; i < G_N_ELEMENTS(halves); i++) {
    g_autofree char *doc = g_strdup_printf("{\"districts\": [{\"id\": \"D01\", \"name\": \"x%s\"}]}", halves[i]);
    ck_assert_int_eq(load(doc), ZJTX_ERR_FACTS);
    ck_assert_int_eq(zjtx_error_count(err), 1);
    ck_assert_int_eq(zjtx_error_column(err), 40); /* the backslash */
    ck_assert_msg(g_str_has_prefix(msg(err), "not valid JSON: \\u") && strstr(msg(err), "is half of a surrogate pair"),
                  "%s", msg(err));
  }
}
END_TEST

/* ---- order: the stream sees members as they come ------------------------------ */

/* "period" may stand after the arrays, and is checked on its line. */
START_TEST(test_period_anywhere) {
  g_autofree char *doc = g_strdup_printf("{\"districts\": [%s],\n \"period\": \"2024\"}", district);
  ck_assert_int_eq(load(doc), ZJTX_OK);
  ck_assert_str_eq(zjtx_facts_period(facts), "2024");
  g_autofree char *bad = g_strdup_printf("{\"districts\": [%s],\n \"period\": \"24\"\n}", district);
  ck_assert_int_eq(load(bad), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "\"period\": \"24\" is not a period (expected 2025, 2025H1, 2025Q3, 2025-07 or FY2025)");
  ck_assert_int_eq(zjtx_error_line(err), 2);
}
END_TEST

/* A record's id may come after its children: they still name it as parent. */
START_TEST(test_id_after_children) {
  g_autofree char *doc = g_strdup_printf(
      "{\"districts\": [%s], \"schools\": [\n"
      "  {\"deliveries\": [{\"id\": \"L1\", \"supplier\": \"s\", \"delivered_on\": \"2025-01-02\", \"meals\": 1,"
      " \"amount\": \"1.5\"}],\n"
      "   \"name\": \"n\", \"district\": \"D01\", \"stage\": \"primary\", \"has_canteen\": 1.5, \"id\": \"S01\"}]}",
      district);
  ck_assert_int_eq(load(doc), ZJTX_ERR_FACTS);
  /* the school's message names it by the id that came last */
  ck_assert_str_eq(msg(err), "schools[0] (S01): field \"has_canteen\": 1.5 is a JSON floating-point number (write it "
                             "as a string, e.g. \"2.5\")");
  ck_assert_int_eq(zjtx_error_line(err), 2);
  g_autofree char *good = g_strdup_printf(
      "{\"districts\": [%s], \"schools\": [\n"
      "  {\"deliveries\": [{\"id\": \"L1\", \"supplier\": \"s\", \"delivered_on\": \"2025-01-02\", \"meals\": 1,"
      " \"amount\": \"1.5\"}],\n"
      "   \"name\": \"n\", \"district\": \"D01\", \"stage\": \"primary\", \"has_canteen\": false, \"id\": \"S01\"}]}",
      district);
  ck_assert_int_eq(load(good), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "delivery"), 1);
  ck_assert(field_of("delivery", "amount", 0).d.m == 150);
}
END_TEST

/* json-glib kept a repeated top-level key in its first place with its last
 * value: the first "districts" is never read (its bad record unreported). */
START_TEST(test_top_key_twice) {
  g_autofree char *doc =
      g_strdup_printf("{\"districts\": [{\"id\": \"D09\", \"terrain\": \"sea\"}], \"period\": \"2025\",\n"
                      " \"districts\": [%s]}",
                      district);
  ck_assert_int_eq(load(doc), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_str_eq(msg(err), "key \"districts\" is given twice");
  ck_assert_int_eq(zjtx_error_line(err), 1);
}
END_TEST

/* A wide record (more members than a linear search is kept for) still
 * finds a field given twice. */
START_TEST(test_wide_record_twice) {
  GString *s = g_string_new("{\"districts\": [{\"id\": \"D01\", \"name\": \"d\", \"terrain\": \"plain\"");
  for (int i = 0; i < 40; i++)
    g_string_append_printf(s, ", \"_note%d\": %d", i, i);
  g_string_append(s, ", \"terrain\": \"hill\"}]}");
  ck_assert_int_eq(load(s->str), ZJTX_ERR_FACTS);
  g_string_free(s, TRUE);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_str_eq(msg(err), "districts[0] (D01): field \"terrain\" is given twice");
}
END_TEST

/* Elements that are no record are refused where they stand, whatever
 * they hold, and the records after them read. */
START_TEST(test_elements_not_records) {
  g_autofree char *doc = g_strdup_printf("{\"districts\": [[{\"id\": \"D05\"}], 7, null, %s]}", district);
  ck_assert_int_eq(load(doc), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 3);
  ck_assert_str_eq(msg(err), "districts[0]: expected a district record (a JSON object)");
  ck_assert_str_eq(msg(zjtx_error_next(zjtx_error_next(err))),
                   "districts[2]: expected a district record (a JSON object)");
  ck_assert_int_eq(zjtx_facts_new(policy, &facts, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_set_keep_going(facts, 1, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_read_json_buffer(facts, doc, strlen(doc), "t.json", NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "district"), 1);
  ck_assert_uint_eq(zjtx_facts_reject_count(facts), 3);
}
END_TEST

/* A file read whole gives its pages back as its records are read (more
 * than 8 MiB of them here): the records, their values and the lines of
 * messages after the pages given back are still right. */
START_TEST(test_large_file) {
  enum { N = 200000 };
  GString *s = g_string_new("{\"districts\": [\n");
  for (int i = 0; i < N; i++)
    g_string_append_printf(s, "{\"id\": \"D%06d\", \"name\": \"district number %d\", \"terrain\": \"%s\"},\n", i, i,
                           i == N - 1 ? "sea" : "hill");
  g_string_append(s, "{\"id\": \"LAST\", \"name\": \"x\", \"terrain\": \"plain\"}],\n\"period\": \"2025\"}\n");
  ck_assert_uint_gt(s->len, 12u << 20);
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("test-facts-json-XXXXXX.json", &path, NULL);
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert(g_file_set_contents(path, s->str, (gssize)s->len, NULL));
  g_string_free(s, TRUE);
  ck_assert_int_eq(zjtx_facts_load_json_file(policy, path, &facts, &err), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_int_eq(zjtx_error_line(err), N + 1); /* the line of district N - 1 */
  ck_assert_msg(g_str_has_prefix(msg(err), "districts[199999] (D199999): field \"terrain\""), "%s", msg(err));
  ck_assert_int_eq(zjtx_facts_new(policy, &facts, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_set_keep_going(facts, 1, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_read_json_file(facts, path, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_finish(facts, NULL), ZJTX_OK);
  g_unlink(path);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "district"), N);
  ck_assert_str_eq(field_of("district", "name", 0).s, "district number 0");
  ck_assert_str_eq(field_of("district", "name", N - 2).s, "district number 199998");
  ck_assert_str_eq(field_of("district", "id", N - 1).s, "LAST");
  ck_assert_int_eq(g_array_index(facts->tables[entity_index("district")].where_line, int32_t, N - 1), N + 2);
  ck_assert_str_eq(zjtx_facts_period(facts), "2025");
}
END_TEST

static Suite *facts_json_suite(void) {
  Suite *s = suite_create("facts-json");
  TCase *syntax = tcase_create("syntax");
  tcase_add_checked_fixture(syntax, setup, teardown);
  tcase_add_test(syntax, test_syntax_messages);
  tcase_add_test(syntax, test_syntax_utf8);
  tcase_add_test(syntax, test_syntax_error_adds_nothing);
  suite_add_tcase(s, syntax);
  TCase *values = tcase_create("values");
  tcase_add_checked_fixture(values, setup, teardown);
  tcase_add_test(values, test_numbers_keep_their_text);
  tcase_add_test(values, test_raw_control_characters);
  tcase_add_test(values, test_surrogates);
  suite_add_tcase(s, values);
  TCase *order = tcase_create("order");
  tcase_add_checked_fixture(order, setup, teardown);
  tcase_add_test(order, test_period_anywhere);
  tcase_add_test(order, test_id_after_children);
  tcase_add_test(order, test_top_key_twice);
  tcase_add_test(order, test_wide_record_twice);
  tcase_add_test(order, test_elements_not_records);
  tcase_add_test(order, test_large_file);
  suite_add_tcase(s, order);
  return s;
}

int main(void) {
  return ztest_run_suite(facts_json_suite());
}
