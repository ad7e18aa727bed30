/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-periods.c - a policy's period unit (<period unit= start-month=
 * default=>), end to end: what the loader refuses and where, the period a
 * caller, the facts or the default names, and period.start / period.end
 * under each unit.  Day counts are worked out by hand in the comments. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "zjtx/zjtx.h"
#include "test-util.h"

/* A policy whose <period> is `period` (line 6) and whose one rule pays
 * 1.00 per day of the period. */
static char *policy_xml(const char *period) {
  return g_strconcat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<policy id=\"p\" version=\"1\">\n"
                     "  <title lang=\"en\">P</title>\n"
                     "  <jurisdiction>J</jurisdiction>\n"
                     "  <document>D</document>\n",
                     period,
                     "\n"
                     "  <entity name=\"shop\" plural=\"shops\" key=\"id\"><field name=\"id\" type=\"text\"/></entity>\n"
                     "  <parameter id=\"per_day\" type=\"money\" status=\"published\"><source>s</source>"
                     "<value from=\"2000-01-01\">1</value></parameter>\n"
                     "  <rule id=\"days\" subject=\"shop\" clause=\"c\">"
                     "<amount>per_day * days_between(period.start, period.end + 1)</amount></rule>\n"
                     "</policy>\n",
                     NULL);
}

static zjtx_policy *load(const char *period) {
  g_autofree char *xml = policy_xml(period);
  return ztest_policy_text(xml, "p.xml");
}

static void load_fails(zjtx_status want, const char *period, const char *message) {
  g_autofree char *xml = policy_xml(period);
  ztest_expect_error(ztest_policy_text_fail(xml, strlen(xml), "p.xml", want), "p.xml", 6, message);
}

/* Evaluates one shop for `period` (NULL: the facts' or the default) and
 * returns "PERIOD AMOUNT", or the error message. */
static char *run(zjtx_policy *p, const char *facts_period, const char *period) {
  g_autofree char *json = facts_period
                              ? g_strdup_printf("{\"period\": \"%s\", \"shops\": [{\"id\": \"S\"}]}", facts_period)
                              : g_strdup("{\"shops\": [{\"id\": \"S\"}]}");
  zjtx_facts *f = ztest_facts_json(p, json, "f.json");
  zjtx_options *o = zjtx_options_new();
  zjtx_result *r = NULL;
  zjtx_error *err = NULL;
  char *out;
  if (period)
    ck_assert_int_eq(zjtx_options_set_period(o, period, NULL), ZJTX_OK);
  if (zjtx_evaluate(p, f, o, &r, &err) != ZJTX_OK) {
    out = g_strdup(zjtx_error_message(err));
    zjtx_error_free(err);
  } else {
    ck_assert_uint_eq(zjtx_result_entitlement_count(r), 1);
    out = g_strdup_printf("%s %s", zjtx_result_period(r), zjtx_result_entitlement_amount(r, 0));
    zjtx_result_free(r);
  }
  zjtx_options_free(o);
  zjtx_facts_free(f);
  return out;
}

static void ck_run(zjtx_policy *p, const char *facts_period, const char *period, const char *want) {
  g_autofree char *got = run(p, facts_period, period);
  ck_assert_str_eq(got, want);
}

START_TEST(each_unit) {
  /* 2025: 365 days; 2024: 366 */
  zjtx_policy *p = load("<period unit=\"year\" default=\"2025\"/>");
  ck_run(p, NULL, NULL, "2025 365.00");
  ck_run(p, "2024", NULL, "2024 366.00");
  ck_run(p, "2024", "2025", "2025 365.00"); /* the caller's over the facts' */
  zjtx_policy_unref(p);
  /* H1 2025: 31 + 28 + 31 + 30 + 31 + 30 = 181; H2: 31 + 31 + 30 + 31 + 30 + 31 = 184; H1 2024: 182 */
  p = load("<period unit=\"half-year\" default=\"2025H1\"/>");
  ck_run(p, NULL, NULL, "2025H1 181.00");
  ck_run(p, NULL, "2025H2", "2025H2 184.00");
  ck_run(p, "2024H1", NULL, "2024H1 182.00");
  zjtx_policy_unref(p);
  /* Q1 2025: 31 + 28 + 31 = 90; Q3: 31 + 31 + 30 = 92; Q1 2024: 91 */
  p = load("<period unit=\"quarter\" default=\"2025Q3\"/>");
  ck_run(p, NULL, NULL, "2025Q3 92.00");
  ck_run(p, NULL, "2025Q1", "2025Q1 90.00");
  ck_run(p, "2024Q1", NULL, "2024Q1 91.00");
  zjtx_policy_unref(p);
  /* February: 28 days in 2025, 29 in 2024 */
  p = load("<period unit=\"month\" default=\"2025-02\"/>");
  ck_run(p, NULL, NULL, "2025-02 28.00");
  ck_run(p, NULL, "2024-02", "2024-02 29.00");
  ck_run(p, NULL, "2025-07", "2025-07 31.00");
  zjtx_policy_unref(p);
  /* FY2025 from July: 2025-07-01 .. 2026-06-30, 365 days; FY2023 from
   * March: 2023-03-01 .. 2024-02-29, 366 days */
  p = load("<period unit=\"fiscal-year\" start-month=\"7\" default=\"FY2025\"/>");
  ck_run(p, NULL, NULL, "FY2025 365.00");
  zjtx_policy_unref(p);
  p = load("<period unit=\"fiscal-year\" start-month=\"3\" default=\"FY2023\"/>");
  ck_run(p, NULL, NULL, "FY2023 366.00");
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(wrong_form_names_the_expected_one) {
  zjtx_policy *p = load("<period unit=\"year\" default=\"2025\"/>");
  ck_run(p, NULL, "2025Q3", "period \"2025Q3\" does not fit this policy: expected a year YYYY (e.g. 2025)");
  ck_run(p, "FY2025", NULL,
         "period \"FY2025\" (from the facts) does not fit this policy: expected a year YYYY (e.g. 2025)");
  zjtx_policy_unref(p);
  p = load("<period unit=\"fiscal-year\" start-month=\"7\" default=\"FY2025\"/>");
  ck_run(p, NULL, "2025",
         "period \"2025\" does not fit this policy: expected a fiscal year FYYYYY, named by the year it starts in "
         "(e.g. FY2025)");
  zjtx_policy_unref(p);
  p = load("<period unit=\"month\" default=\"2025-07\"/>");
  ck_run(p, "2025H2", NULL,
         "period \"2025H2\" (from the facts) does not fit this policy: expected a month YYYY-MM (e.g. 2025-07)");
  zjtx_policy_unref(p);
  /* a policy without <period>: a calendar year, named by someone */
  p = load("");
  ck_run(p, NULL, NULL, "no period to evaluate: give one as YYYY (the policy declares none)");
  ck_run(p, NULL, "2025", "2025 365.00");
  ck_run(p, NULL, "2025-07", "period \"2025-07\" does not fit this policy: expected a year YYYY (e.g. 2025)");
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(options_refuse_what_is_no_period) {
  static const char *const bad[] = {"", "25", "2025Q5", "2025H0", "2025-13", "FY25", "fy2025", "2025q3", "0000"};
  zjtx_options *o = zjtx_options_new();
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    zjtx_error *err = NULL;
    ck_assert_int_eq(zjtx_options_set_period(o, bad[i], &err), ZJTX_ERR_INVALID_ARG);
    g_autofree char *want = g_strdup_printf(
        "period \"%s\" is not a period: expected a year YYYY (e.g. 2025), YYYYH1/H2, YYYYQ1..Q4, YYYY-MM or a "
        "fiscal year FYYYYY",
        bad[i]);
    ck_assert_str_eq(zjtx_error_message(err), want);
    zjtx_error_free(err);
  }
  zjtx_options_free(o);
}
END_TEST

START_TEST(loader_checks_the_declaration) {
  load_fails(ZJTX_ERR_POLICY, "<period unit=\"fiscal-year\" default=\"FY2025\"/>",
             "a fiscal-year period needs start-month=\"1\" to \"12\" (the month it starts in)");
  load_fails(ZJTX_ERR_POLICY, "<period unit=\"quarter\" start-month=\"7\" default=\"2025Q1\"/>",
             "start-month= is for unit=\"fiscal-year\" only");
  load_fails(ZJTX_ERR_POLICY, "<period unit=\"quarter\" default=\"2025\"/>",
             "<period default=\"2025\">: expected a quarter YYYYQ1 to YYYYQ4 (e.g. 2025Q3)");
  load_fails(ZJTX_ERR_POLICY, "<period unit=\"year\" default=\"FY2025\"/>",
             "<period default=\"FY2025\">: expected a year YYYY (e.g. 2025)");
  load_fails(ZJTX_ERR_POLICY, "<period unit=\"month\" default=\"2025-13\"/>",
             "<period default=\"2025-13\">: expected a month YYYY-MM (e.g. 2025-07)");
  /* what the schema refuses: an unknown unit, a month out of range, a default of no form
   * (its wording and line are the schema errors' work, not checked here) */
  static const char *const schema[] = {
      "<period unit=\"semester\" default=\"2025\"/>",
      "<period unit=\"fiscal-year\" start-month=\"13\" default=\"FY2025\"/>",
      "<period unit=\"year\" default=\"20x5\"/>",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(schema); i++) {
    g_autofree char *xml = policy_xml(schema[i]);
    zjtx_error_free(ztest_policy_text_fail(xml, strlen(xml), "p.xml", ZJTX_ERR_SCHEMA));
  }
}
END_TEST

START_TEST(dump_shows_the_unit) {
  zjtx_policy *p = load("<period unit=\"fiscal-year\" start-month=\"7\" default=\"FY2025\"/>");
  char *dump = zjtx_policy_dump(p);
  ck_assert_msg(strstr(dump, "\nperiod fiscal-year start-month 7  default FY2025  ; a fiscal year FYYYYY, named by the "
                             "year it starts in (e.g. FY2025)\n"),
                "%s", dump);
  zjtx_free(dump);
  zjtx_policy_unref(p);
  /* a calendar year prints as before: nothing */
  p = load("<period unit=\"year\" default=\"2025\"/>");
  dump = zjtx_policy_dump(p);
  ck_assert_ptr_null(strstr(dump, "\nperiod "));
  zjtx_free(dump);
  zjtx_policy_unref(p);
}
END_TEST

static Suite *periods_suite(void) {
  Suite *s = suite_create("periods");
  TCase *tc = tcase_create("periods");
  tcase_add_test(tc, each_unit);
  tcase_add_test(tc, wrong_form_names_the_expected_one);
  tcase_add_test(tc, options_refuse_what_is_no_period);
  tcase_add_test(tc, loader_checks_the_declaration);
  tcase_add_test(tc, dump_shows_the_unit);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return ztest_run_suite(periods_suite());
}
