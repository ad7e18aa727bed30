/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-unique.c - <unique fields="..."> of an entity: the declaration read
 * at load, duplicates among one parent's children (or among all records of
 * an entity without a parent) refused at finish like any bad record. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "zjtx/zjtx.h"
#include "test-util.h"

/* One yearly report per year per enterprise; one enterprise per USCC. */
#define POLICY_HEAD                                                                                                    \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                                       \
  "<policy id=\"u\" version=\"1\">\n"                                                                                  \
  "<title lang=\"en\">U</title>\n"                                                                                     \
  "<entity name=\"enterprise\" plural=\"enterprises\" key=\"id\">\n"                                                   \
  " <field name=\"id\" type=\"text\"/>\n"                                                                              \
  " <field name=\"uscc\" type=\"text\" required=\"false\"/>\n"                                                         \
  " <unique fields=\"uscc\"/>\n"                                                                                       \
  "</entity>\n"                                                                                                        \
  "<entity name=\"report\" plural=\"reports\" parent=\"enterprise\" parent-key=\"enterprise\" key=\"id\">\n"           \
  " <unique fields=\"year\"/>\n"                                                                                       \
  " <field name=\"id\" type=\"text\"/>\n"                                                                              \
  " <field name=\"year\" type=\"count\"/>\n"                                                                           \
  " <field name=\"half\" type=\"code\"><code value=\"H1\"/><code value=\"H2\"/></field>\n"                             \
  " <field name=\"revenue\" type=\"money\"/>\n"                                                                        \
  "</entity>\n"
#define POLICY_RULE                                                                                                    \
  "<rule id=\"bonus\" subject=\"enterprise\" clause=\"1\">\n"                                                          \
  " <amount>sum(r in reports where r.year == 2025: r.revenue) * 0.01</amount>\n"                                       \
  "</rule>\n"                                                                                                          \
  "</policy>\n"

static zjtx_policy *policy(void) {
  return ztest_policy_text(POLICY_HEAD POLICY_RULE, "u.xml");
}

/* Line 1: {"period"..., line 2 "enterprises": [, then one record per line. */
static const char *const FACTS = "{\"period\": \"2025\",\n"
                                 "\"enterprises\": [\n"
                                 "{\"id\": \"E1\", \"uscc\": \"A\", \"reports\": [\n"
                                 "  {\"id\": \"R1\", \"year\": 2024, \"half\": \"H1\", \"revenue\": \"100000.00\"},\n"
                                 "  {\"id\": \"R2\", \"year\": 2025, \"half\": \"H1\", \"revenue\": \"200000.00\"},\n"
                                 "  {\"id\": \"R3\", \"year\": 2025, \"half\": \"H2\", \"revenue\": \"900000.00\"}]},\n"
                                 "{\"id\": \"E2\", \"reports\": [\n"
                                 "  {\"id\": \"R4\", \"year\": 2025, \"half\": \"H1\", \"revenue\": \"300000.00\"}]}\n"
                                 "]}\n";

START_TEST(strict_duplicate_is_an_error) {
  zjtx_policy *p = policy();
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_load_json_buffer(p, FACTS, strlen(FACTS), "f.json", &f, &err), ZJTX_ERR_FACTS);
  ck_assert_ptr_null(f);
  /* R3 is the second 2025 report of E1 (line 6); R2 (line 5) keeps it.
   * R4 is E2's: another parent, no duplicate. */
  ztest_expect_error(err, "f.json", 6,
                     "report #3 (R3): duplicate year=2025 within enterprise #1 (E1) (first at f.json:5, again at "
                     "f.json:6): expected at most one report per enterprise and year");
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(keep_going_refuses_the_later_record) {
  zjtx_policy *p = policy();
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_new(p, &f, &err), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_set_keep_going(f, 1, &err), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_read_json_buffer(f, FACTS, strlen(FACTS), "f.json", &err), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_finish(f, &err), ZJTX_OK);
  ck_assert_uint_eq(zjtx_facts_reject_count(f), 1);
  ck_assert_str_eq(zjtx_facts_reject_entity(f, 0), "report");
  ck_assert_str_eq(zjtx_facts_reject_file(f, 0), "f.json");
  ck_assert_int_eq(zjtx_facts_reject_line(f, 0), 6);
  ck_assert_str_eq(zjtx_facts_reject_id(f, 0), "R3");
  ck_assert_str_eq(zjtx_facts_reject_field(f, 0), "year");
  ck_assert_str_eq(zjtx_facts_reject_value(f, 0), "2025");
  ck_assert_str_eq(zjtx_facts_reject_reason(f, 0),
                   "duplicate year=2025 within enterprise #1 (E1) (first at f.json:5, again at f.json:6): expected at "
                   "most one report per enterprise and year");
  ck_assert_uint_eq(zjtx_facts_record_count(f, "report"), 3);
  /* evaluated on what was kept: E1 200000.00 * 1% = 2000.00 (R1 is 2024,
   * R3 refused), E2 300000.00 * 1% = 3000.00 */
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_evaluate(p, f, NULL, &r, &err), ZJTX_OK);
  ck_assert_uint_eq(zjtx_result_entitlement_count(r), 2);
  ck_assert_int_eq(zjtx_result_entitlement_fen(r, 0), 200000);
  ck_assert_int_eq(zjtx_result_entitlement_fen(r, 1), 300000);
  zjtx_result_free(r);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(without_a_parent_and_missing_values) {
  /* uscc is unique among all enterprises; E2 and E3 have none (missing is
   * never a duplicate); E4 repeats E1's "A" */
  const char *facts = "{\"period\": \"2025\", \"enterprises\": [\n"
                      "{\"id\": \"E1\", \"uscc\": \"A\"},\n"
                      "{\"id\": \"E2\"},\n"
                      "{\"id\": \"E3\"},\n"
                      "{\"id\": \"E4\", \"uscc\": \"A\"}\n"
                      "]}\n";
  zjtx_policy *p = policy();
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_load_json_buffer(p, facts, strlen(facts), "f.json", &f, &err), ZJTX_ERR_FACTS);
  ck_assert_ptr_null(zjtx_error_next(err));
  ztest_expect_error(
      err, "f.json", 5,
      "enterprise #4 (E4): duplicate uscc=\"A\" (first at f.json:2, again at f.json:5): expected at most "
      "one enterprise per uscc");
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(several_fields) {
  /* year and half together: R2 (2025 H1) and R3 (2025 H2) differ */
  GString *s = g_string_new(POLICY_HEAD POLICY_RULE);
  g_string_replace(s, "<unique fields=\"year\"/>", "<unique fields=\"year half\"/>", 1);
  zjtx_policy *p = ztest_policy_text(s->str, "u.xml");
  g_string_free(s, TRUE);
  zjtx_facts *f = ztest_facts_json(p, FACTS, "f.json");
  ck_assert_uint_eq(zjtx_facts_record_count(f, "report"), 4);
  zjtx_facts_free(f);
  /* the same year and half twice */
  const char *twice = "{\"period\": \"2025\", \"enterprises\": [{\"id\": \"E1\", \"reports\": [\n"
                      "  {\"id\": \"R1\", \"year\": 2025, \"half\": \"H1\", \"revenue\": \"1.00\"},\n"
                      "  {\"id\": \"R2\", \"year\": 2025, \"half\": \"H1\", \"revenue\": \"2.00\"}]}]}\n";
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_load_json_buffer(p, twice, strlen(twice), "f.json", &f, &err), ZJTX_ERR_FACTS);
  ztest_expect_error(err, "f.json", 3,
                     "report #2 (R2): duplicate year=2025 half=\"H1\" within enterprise #1 (E1) (first at f.json:2, "
                     "again at f.json:3): expected at most one report per enterprise and year, half");
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(declaration_errors) {
  /* a name that is not a field of the entity; a field named twice */
  GString *s = g_string_new(POLICY_HEAD POLICY_RULE);
  g_string_replace(s, "<unique fields=\"year\"/>", "<unique fields=\"yeer\"/>", 1);
  zjtx_error *err = ztest_policy_text_fail(s->str, s->len, "u.xml", ZJTX_ERR_POLICY);
  ztest_expect_error(err, "u.xml", 10, "<unique> names 'yeer', which is not a field of entity report");
  g_string_replace(s, "<unique fields=\"yeer\"/>", "<unique fields=\"year year\"/>", 1);
  err = ztest_policy_text_fail(s->str, s->len, "u.xml", ZJTX_ERR_POLICY);
  ztest_expect_error(err, "u.xml", 10, "<unique> names field 'year' twice");
  /* the schema: fields= is needed */
  g_string_replace(s, "<unique fields=\"year year\"/>", "<unique/>", 1);
  err = ztest_policy_text_fail(s->str, s->len, "u.xml", ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "u.xml", 10, "<unique> needs fields=");
  g_string_free(s, TRUE);
}
END_TEST

static Suite *unique_suite(void) {
  Suite *s = suite_create("unique");
  TCase *t = tcase_create("unique");
  tcase_add_test(t, strict_duplicate_is_an_error);
  tcase_add_test(t, keep_going_refuses_the_later_record);
  tcase_add_test(t, without_a_parent_and_missing_values);
  tcase_add_test(t, several_fields);
  tcase_add_test(t, declaration_errors);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return ztest_run_suite(unique_suite());
}
