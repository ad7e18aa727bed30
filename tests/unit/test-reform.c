/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-reform.c - reforms: policies that extend the Huai'an plan and amend
 * a parameter, amend and remove rules, add one.  Amounts worked out by hand
 * from the policy text and the reform. */
#include <check.h>
#include <glib.h>
#include <string.h>
#include <zjtx/zjtx.h>
#include "test-util.h"

/* One SRDI enterprise: R&D 12,000,000.00 (prev 10,000,000.00), a first
 * little giant title on 2025-07-15, 7 invention patents. */
static zjtx_facts *one_enterprise(zjtx_policy *p) {
  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(p, &f, NULL), ZJTX_OK);
  static const char *const cn[] = {"id", "name"};
  static const char *const cv[] = {"320812", "清江浦区"};
  ck_assert_int_eq(zjtx_facts_add_record(f, "county", cn, cv, 2, NULL), ZJTX_OK);
  static const char *const en[] = {
      "id", "name", "county", "revenue", "rd_expense", "rd_expense_prev", "invention_patents", "cnc_rate"};
  static const char *const ev[] = {"91320812MA1ABCDE10", "恒达",        "320812", "200000000.00",
                                   "12000000.00",        "10000000.00", "7",      "85"};
  ck_assert_int_eq(zjtx_facts_add_record(f, "enterprise", en, ev, 8, NULL), ZJTX_OK);
  static const char *const hn[] = {"enterprise", "level", "awarded_on", "valid_until", "first_time"};
  static const char *const hv[] = {"91320812MA1ABCDE10", "little_giant", "2025-07-15", "2028-07-14", "true"};
  ck_assert_int_eq(zjtx_facts_add_record(f, "honor", hn, hv, 5, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_finish(f, NULL), ZJTX_OK);
  return f;
}

static const char *amount_of(const zjtx_result *r, const char *rule) {
  for (size_t i = 0; i < zjtx_result_entitlement_count(r); i++)
    if (strcmp(zjtx_result_entitlement_rule(r, i), rule) == 0)
      return zjtx_result_entitlement_amount(r, i);
  return NULL;
}

static size_t index_of(const zjtx_result *r, const char *rule) {
  for (size_t i = 0; i < zjtx_result_entitlement_count(r); i++)
    if (strcmp(zjtx_result_entitlement_rule(r, i), rule) == 0)
      return i;
  return (size_t)-1;
}

START_TEST(amend_parameter_uplift) {
  zjtx_policy *p = ztest_policy_src("tests/unit/data/reform-uplift.xml");
  zjtx_facts *f = one_enterprise(p);
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_evaluate(p, f, NULL, &r, NULL), ZJTX_OK);
  /* base 2 % + 2 points = 4 % of 12,000,000.00 = 480,000.00; incremental
   * 10 % + 2 points = 12 % of 2,000,000.00 = 240,000.00; the title 500,000.00 */
  ck_assert_str_eq(amount_of(r, "rd_base_subsidy"), "480000.00");
  ck_assert_str_eq(amount_of(r, "rd_incremental_subsidy"), "240000.00");
  ck_assert_str_eq(amount_of(r, "first_honor_reward"), "500000.00");
  /* the explanation says which reform set the value */
  zjtx_explanation *ex = NULL;
  ck_assert_int_eq(zjtx_result_explain_entitlement(r, index_of(r, "rd_base_subsidy"), &ex, NULL), ZJTX_OK);
  char *text = zjtx_explanation_to_text(ex);
  ck_assert_ptr_nonnull(strstr(text, "value set by reform-uplift-2"));
  /* srdi_on(2025-12-31) looked at the honors: the aggregate is shown */
  ck_assert_ptr_nonnull(strstr(text, "aggregate any(h in honors where …) = true"));
  zjtx_free(text);
  zjtx_explanation_free(ex);
  zjtx_result_free(r);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(amend_remove_add_rules) {
  zjtx_policy *p = ztest_policy_src("tests/unit/data/reform-rules.xml");
  /* 8 rules and checks - 1 removed + 1 added */
  ck_assert_uint_eq(zjtx_policy_rule_count(p), 8);
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++) {
    ck_assert_str_ne(zjtx_policy_rule_id(p, i), "rd_incremental_subsidy");
    if (strcmp(zjtx_policy_rule_id(p, i), "first_honor_reward") == 0)
      ck_assert_str_eq(zjtx_policy_rule_origin(p, i), "huaian-2025-srdi, amended by reform-rules");
  }
  zjtx_facts *f = one_enterprise(p);
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_evaluate(p, f, NULL, &r, NULL), ZJTX_OK);
  ck_assert_str_eq(amount_of(r, "rd_base_subsidy"), "360000.00");    /* 3 %, unchanged */
  ck_assert_ptr_null(amount_of(r, "rd_incremental_subsidy"));        /* removed */
  ck_assert_str_eq(amount_of(r, "first_honor_reward"), "300000.00"); /* 500,000 capped at 300,000 */
  ck_assert_str_eq(amount_of(r, "patent_bonus"), "7000.00");         /* 7 x 1,000 */
  zjtx_result_free(r);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(amending_nothing_is_an_error) {
  g_autofree char *path = ztest_src_path("tests", "unit", "data", "reform-bad.xml", NULL);
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  g_autofree char *rules = ztest_src_path("rules", NULL);
  ck_assert_int_eq(zjtx_policy_load_file_full(path, rules, &p, &err), ZJTX_ERR_POLICY);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "no_such_parameter"));
  ck_assert_int_eq(zjtx_error_line(err), 4);
  ck_assert_ptr_nonnull(strstr(zjtx_error_file(err), "reform-bad.xml"));
  zjtx_error_free(err);
}
END_TEST

int main(void) {
  Suite *s = suite_create("reform");
  TCase *tc = tcase_create("reform");
  tcase_add_test(tc, amend_parameter_uplift);
  tcase_add_test(tc, amend_remove_add_rules);
  tcase_add_test(tc, amending_nothing_is_an_error);
  suite_add_tcase(s, tc);
  return ztest_run_suite(s);
}
