/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-missing.c - missing values, end to end: optional fields absent in
 * the facts (JSON null, no key), three-valued logic, the three outcomes of
 * a rule or check, and the inputs an undecided result names.  Every
 * expected outcome is worked out by hand from the semantics in
 * docs/policy-language.md ("Missing values"). */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "zjtx/zjtx.h"
#include "test-util.h"

/* A shop with optional a, b (money), flag (bool), opened (date), level
 * (code) and required c; its sales with an optional price. */
#define HEADER                                                                                                         \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                                       \
  "<policy id=\"m\" version=\"1\">\n"                                                                                  \
  "<title lang=\"en\">Missing</title>\n"                                                                               \
  "<period unit=\"year\" default=\"2025\"/>\n"                                                                         \
  "<entity name=\"shop\" plural=\"shops\" key=\"id\">\n"                                                               \
  " <field name=\"id\" type=\"text\"/>\n"                                                                              \
  " <field name=\"a\" type=\"money\" required=\"false\"/>\n"                                                           \
  " <field name=\"b\" type=\"money\" required=\"false\"/>\n"                                                           \
  " <field name=\"c\" type=\"money\"/>\n"                                                                              \
  " <field name=\"flag\" type=\"bool\" required=\"false\"/>\n"                                                         \
  " <field name=\"opened\" type=\"date\" required=\"false\"/>\n"                                                       \
  " <field name=\"level\" type=\"code\" required=\"false\"><code value=\"low\"/><code value=\"mid\"/>"                 \
  "<code value=\"high\"/></field>\n"                                                                                   \
  "</entity>\n"                                                                                                        \
  "<entity name=\"sale\" plural=\"sales\" parent=\"shop\" parent-key=\"shop\" key=\"id\">\n"                           \
  " <field name=\"id\" type=\"text\"/>\n"                                                                              \
  " <field name=\"price\" type=\"money\" required=\"false\"/>\n"                                                       \
  " <field name=\"ok\" type=\"bool\"/>\n"                                                                              \
  "</entity>\n"                                                                                                        \
  "<derived name=\"twice\" entity=\"shop\" type=\"money\"><arg name=\"x\" type=\"money\"/><expr>x * 2</expr>"          \
  "</derived>\n"
#define FOOTER "</policy>\n"

#define RULE(id, cond, amount)                                                                                         \
  "<rule id=\"" id "\" subject=\"shop\" clause=\"c\"><condition>" cond "</condition><amount>" amount                   \
  "</amount></rule>\n"

/* S1: a = 10.00, b and everything optional missing (null or no key);
 * sales: X1 ok 1.00, X2 not ok without a price, X3 ok without a price. */
static const char *facts_json = "{\"period\": \"2025\", \"shops\": [\n"
                                " {\"id\": \"S1\", \"a\": \"10.00\", \"b\": null, \"c\": \"7.00\", \"sales\": [\n"
                                "   {\"id\": \"X1\", \"price\": \"1.00\", \"ok\": true},\n"
                                "   {\"id\": \"X2\", \"ok\": false},\n"
                                "   {\"id\": \"X3\", \"price\": null, \"ok\": true}]}]}\n";

static zjtx_policy *policy;
static zjtx_facts *facts;

static void load(const char *body) {
  g_autofree char *xml = g_strconcat(HEADER, body, FOOTER, NULL);
  policy = ztest_policy_text(xml, "missing.xml");
  facts = ztest_facts_json(policy, facts_json, "facts.json");
}

static void teardown(void) {
  zjtx_facts_free(facts);
  zjtx_policy_unref(policy);
  facts = NULL;
  policy = NULL;
}

/* Every outcome, one line each: "rule id amount", "check id violated",
 * "rule id undecided: entity/id/field ...". */
static char *outcomes(void) {
  zjtx_result *res = NULL;
  zjtx_error *err = NULL;
  ck_assert_msg(zjtx_evaluate(policy, facts, NULL, &res, &err) == ZJTX_OK, "%s", err ? zjtx_error_message(err) : "?");
  GString *s = g_string_new(NULL);
  for (size_t i = 0; i < zjtx_result_entitlement_count(res); i++)
    g_string_append_printf(s, "%s %s %s\n", zjtx_result_entitlement_rule(res, i), zjtx_result_entitlement_id(res, i),
                           zjtx_result_entitlement_amount(res, i));
  for (size_t i = 0; i < zjtx_result_violation_count(res); i++)
    g_string_append_printf(s, "%s %s violated\n", zjtx_result_violation_check(res, i),
                           zjtx_result_violation_id(res, i));
  for (size_t i = 0; i < zjtx_result_undecided_count(res); i++) {
    g_string_append_printf(s, "%s %s undecided:", zjtx_result_undecided_rule(res, i), zjtx_result_undecided_id(res, i));
    for (size_t j = 0; j < zjtx_result_undecided_missing_count(res, i); j++)
      g_string_append_printf(s, " %s/%s/%s", zjtx_result_undecided_missing_entity(res, i, j),
                             zjtx_result_undecided_missing_id(res, i, j),
                             zjtx_result_undecided_missing_field(res, i, j));
    g_string_append_c(s, '\n');
  }
  zjtx_result_free(res);
  return g_string_free(s, FALSE);
}

static void ck_outcomes(const char *body, const char *want) {
  load(body);
  g_autofree char *got = outcomes();
  ck_assert_str_eq(got, want);
  teardown();
}

START_TEST(kleene_and_or) {
  /* a = 10, b missing */
  ck_outcomes(RULE("t_or_m", "a > 5 or b > 5", "c")         /* true or missing = true */
              RULE("f_and_m", "a &lt; 5 and b > 5", "c")    /* false and missing = false: not entitled */
              RULE("m_and_f", "b > 5 and a &lt; 5", "c")    /* missing and false = false */
              RULE("m_or_t", "b > 5 or a > 5", "c")         /* missing or true = true */
              RULE("m_or_f", "b > 5 or a &lt; 5", "c")      /* missing or false = missing */
              RULE("t_and_m", "a > 5 and b > 5", "c")       /* true and missing = missing */
              RULE("not_m", "not (b > 5)", "c")             /* not missing = missing */
              RULE("flag", "flag", "c")                     /* a missing bool */
              RULE("in_m", "level in ('mid', 'high')", "c") /* in on a missing code */
              RULE("within", "within(opened, period.start, period.end)", "c"),
              "t_or_m S1 7.00\nm_or_t S1 7.00\n"
              "m_or_f S1 undecided: shop/S1/b\nt_and_m S1 undecided: shop/S1/b\nnot_m S1 undecided: shop/S1/b\n"
              "flag S1 undecided: shop/S1/flag\nin_m S1 undecided: shop/S1/level\n"
              "within S1 undecided: shop/S1/opened\n");
}
END_TEST

START_TEST(arithmetic_and_functions) {
  ck_outcomes(RULE("sum", "true", "a + b")                                 /* missing */
              RULE("max", "true", "max(a, b)")                             /* missing */
              RULE("coalesce", "true", "coalesce(b, 3) + a")               /* 3 + 10 = 13.00 */
              RULE("is_missing", "true", "if is_missing(b) then a else b") /* 10.00 */
              RULE("if_m", "true", "if b > 0 then a else c")               /* missing condition */
              RULE("call", "true", "twice(b)")                             /* never called: missing */
              RULE("call_ok", "true", "twice(a)"),                         /* 20.00 */
              "coalesce S1 13.00\nis_missing S1 10.00\ncall_ok S1 20.00\n"
              "sum S1 undecided: shop/S1/b\nmax S1 undecided: shop/S1/b\nif_m S1 undecided: shop/S1/b\n"
              "call S1 undecided: shop/S1/b\n");
}
END_TEST

/* The date functions of a missing date are missing (opened is). */
START_TEST(date_functions_of_missing) {
  ck_outcomes(RULE("add_months", "add_months(opened, 1) > period.start", "c")                       /* missing */
              RULE("end_of_month", "true", "c * day(end_of_month(opened))")                         /* missing */
              RULE("date_of", "date(year(opened), 1, 1) == period.start", "c")                      /* missing */
              RULE("months", "true", "c * months(opened, period.end, 'any-day')")                   /* missing */
              RULE("months_to", "true", "c * months(period.start, opened, 'first-day')")            /* missing */
              RULE("present", "true", "c * months(period.start, period.end, 'first-day')")          /* 12 x 7.00 */
              RULE("coalesced", "true", "c * months(coalesce(opened, period.end), period.end, 1)"), /* 1 x 7.00 */
              "present S1 84.00\ncoalesced S1 7.00\n"
              "add_months S1 undecided: shop/S1/opened\nend_of_month S1 undecided: shop/S1/opened\n"
              "date_of S1 undecided: shop/S1/opened\nmonths S1 undecided: shop/S1/opened\n"
              "months_to S1 undecided: shop/S1/opened\n");
}
END_TEST

START_TEST(outcomes_of_a_rule) {
  /* condition missing, amount known and zero: nothing at stake, decided */
  ck_outcomes(RULE("zero", "b > 5", "a - a")
              /* condition missing and amount missing: both inputs named, once */
              RULE("both", "b > 100", "a - b")
              /* condition false: not entitled even though the amount cannot be computed */
              RULE("not_met", "a > 100", "b")
              /* condition missing, amount known: undecided on the condition's input */
              RULE("cond", "b > 5",
                   "a") "<check id=\"chk\" subject=\"shop\" clause=\"c\"><condition>b > 0</condition></check>\n",
              "both S1 undecided: shop/S1/b\ncond S1 undecided: shop/S1/b\nchk S1 undecided: shop/S1/b\n");
}
END_TEST

START_TEST(aggregates_read_only_what_they_need) {
  /* X2 (not ok) is filtered out: its missing price is never read */
  ck_outcomes(RULE("ok_known", "true", "sum(s in sales where s.ok and s.id != 'X3' : s.price)") /* 1.00 */
              RULE("ok_all", "true", "sum(s in sales where s.ok : s.price)")                    /* X3 missing */
              RULE("any_true", "any(s in sales where s.price > 0)", "c")                        /* X1 true: true */
              RULE("all", "all(s in sales : s.price > 0)", "c")                /* true, missing, missing */
              RULE("count", "true", "count(s in sales where s.price > 5) * c") /* X2 X3 missing */
              RULE("max_price", "true", "max(s in sales where s.ok : s.price else 0)"),
              "ok_known S1 1.00\nany_true S1 7.00\n"
              "ok_all S1 undecided: sale/X3/price\nall S1 undecided: sale/X2/price sale/X3/price\n"
              "count S1 undecided: sale/X2/price sale/X3/price\nmax_price S1 undecided: sale/X3/price\n");
}
END_TEST

START_TEST(coalesce_needs_a_value_that_may_be_missing) {
  g_autofree char *xml = g_strconcat(HEADER, RULE("r", "true", "coalesce(c, 0)"), FOOTER, NULL);
  zjtx_error *err = ztest_policy_text_fail(xml, strlen(xml), "missing.xml", ZJTX_ERR_POLICY);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "coalesce() needs a value that may be missing"));
  zjtx_error_free(err);
}
END_TEST

/* The outcomes of the policy `body` over shops.csv holding `rows` (after
 * the header): the CSV carrier, where an empty cell is missing. */
static char *csv_outcomes(const char *body, const char *rows) {
  g_autofree char *xml = g_strconcat(HEADER, body, FOOTER, NULL);
  policy = ztest_policy_text(xml, "missing.xml");
  g_autofree char *dir = g_dir_make_tmp("zjtx-missing-XXXXXX", NULL);
  g_autofree char *shops = g_build_filename(dir, "shops.csv", NULL);
  g_autofree char *csv = g_strconcat("id,a,b,c,flag,opened,level\r\n", rows, NULL);
  ck_assert(g_file_set_contents(shops, csv, -1, NULL));
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_load(policy, dir, 0, &facts, &err), ZJTX_OK);
  char *got = outcomes();
  g_unlink(shops);
  g_rmdir(dir);
  teardown();
  return got;
}

/* A derived value without arguments that a rule's condition and amount
 * both use is computed once per shop and kept only for that shop: each
 * shop gets its own value, and a missing one names its own input.  Gaps:
 * S1 missing (no b), S2 6.00, S3 -3.00, S4 3.00, S5 missing (no a). */
#define GAP_PAID                                                                                                       \
  "<derived name=\"gap\" entity=\"shop\" type=\"money\"><expr>a - b</expr></derived>\n" RULE("gap_paid", "gap > 0",    \
                                                                                             "gap * 2")
START_TEST(derived_used_twice_is_each_subjects_own) {
  g_autofree char *got = csv_outcomes(GAP_PAID, "S1,10.00,,7.00,,,\r\nS2,10.00,4.00,7.00,,,\r\nS3,1.00,4.00,7.00,,,\r\n"
                                                "S4,5.00,2.00,7.00,,,\r\nS5,,1.00,7.00,,,\r\n");
  ck_assert_str_eq(got, "gap_paid S2 12.00\ngap_paid S4 6.00\n"
                        "gap_paid S1 undecided: shop/S1/b\ngap_paid S5 undecided: shop/S5/a\n");
  g_autofree char *xml = g_strconcat(HEADER, GAP_PAID, FOOTER, NULL);
  policy = ztest_policy_text(xml, "missing.xml");
  g_autofree char *dump = zjtx_policy_dump(policy);
  ck_assert_ptr_nonnull(strstr(dump, "derived shop.gap (kept per subject)"));
  teardown();
}
END_TEST

/* Two rules with one condition: the second reads the first's outcome
 * per shop, and where it was missing computes it again, naming the same
 * input.  S1 a = 10.00 (met), S2 a = 1.00 (not met), S3 without a. */
#define ONE_CONDITION RULE("first", "a > 5", "c") RULE("second", "a > 5", "c * 2")
START_TEST(rules_with_one_condition) {
  g_autofree char *got = csv_outcomes(ONE_CONDITION, "S1,10.00,,7.00,,,\r\nS2,1.00,,7.00,,,\r\nS3,,,7.00,,,\r\n");
  ck_assert_str_eq(got, "first S1 7.00\nsecond S1 14.00\n"
                        "first S3 undecided: shop/S3/a\nsecond S3 undecided: shop/S3/a\n");
  g_autofree char *xml = g_strconcat(HEADER, ONE_CONDITION, FOOTER, NULL);
  policy = ztest_policy_text(xml, "missing.xml");
  g_autofree char *dump = zjtx_policy_dump(policy);
  ck_assert_ptr_nonnull(strstr(dump, "; the condition of rule first:"));
  teardown();
}
END_TEST

START_TEST(csv_empty_cell_is_missing) {
  /* the same shop through the CSV carrier: an empty cell is missing */
  g_autofree char *got = csv_outcomes(RULE("sum", "true", "a + b") RULE("a", "true", "a"), "S1,10.00,,7.00,,,\r\n");
  ck_assert_str_eq(got, "a S1 10.00\nsum S1 undecided: shop/S1/b\n");
}
END_TEST

static Suite *missing_suite(void) {
  Suite *s = suite_create("missing");
  TCase *tc = tcase_create("missing");
  tcase_add_test(tc, kleene_and_or);
  tcase_add_test(tc, arithmetic_and_functions);
  tcase_add_test(tc, date_functions_of_missing);
  tcase_add_test(tc, outcomes_of_a_rule);
  tcase_add_test(tc, aggregates_read_only_what_they_need);
  tcase_add_test(tc, coalesce_needs_a_value_that_may_be_missing);
  tcase_add_test(tc, csv_empty_cell_is_missing);
  tcase_add_test(tc, derived_used_twice_is_each_subjects_own);
  tcase_add_test(tc, rules_with_one_condition);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return ztest_run_suite(missing_suite());
}
