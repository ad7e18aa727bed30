/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-api.c - the public API (zjtx/zjtx.h only): NULL safety, error chains,
 * record-by-record facts against JSON facts, results in fen, explanations
 * and their JSON, parameter overrides, and many threads sharing one policy.
 *
 * The Huai'an case, worked by hand (spec: policy-huaian-2025.md):
 *   one enterprise, rd_expense 12,000,000.00, rd_expense_prev 10,000,000.00,
 *   a first-time little_giant title valid 2025-07-15 .. 2028-07-14, so SRDI
 *   on 2025-12-31 and both R&D rates are one point up:
 *     rd_base_subsidy         12,000,000.00 x (2 % + 1 %)            = 360,000.00
 *                             (cap 1,000,000.00 does not bind)
 *     rd_incremental_subsidy  (12,000,000.00 - 10,000,000.00) x 11 % = 220,000.00
 *     first_honor_reward      little_giant first awarded in 2025     = 500,000.00
 *   no loans: no interest subsidy; no clusters or projects: nothing for the
 *   county.  With rd_base_rate set to 3 (%): 12,000,000.00 x 4 % = 480,000.00. */
#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "zjtx/zjtx.h"
#include "test-util.h"

#define ENTERPRISE "91320812MA0GWJDM0C"

static const char case_json[] =
    "{\n"
    "  \"period\": \"2025\",\n"
    "  \"counties\": [ { \"id\": \"320812\", \"name\": \"清江浦区\" } ],\n"
    "  \"enterprises\": [\n"
    "    { \"id\": \"" ENTERPRISE "\", \"name\": \"恒达\", \"county\": \"320812\",\n"
    "      \"revenue\": \"150000000.00\", \"rd_expense\": \"12000000.00\", \"rd_expense_prev\": \"10000000.00\",\n"
    "      \"invention_patents\": 4, \"cnc_rate\": \"75\",\n"
    "      \"honors\": [ { \"level\": \"little_giant\", \"awarded_on\": \"2025-07-15\",\n"
    "                    \"valid_until\": \"2028-07-14\", \"first_time\": true } ] }\n"
    "  ]\n"
    "}\n";

static const char case_results[] = "rd_base_subsidy enterprise " ENTERPRISE " 360000.00 36000000\n"
                                   "rd_incremental_subsidy enterprise " ENTERPRISE " 220000.00 22000000\n"
                                   "first_honor_reward enterprise " ENTERPRISE " 500000.00 50000000\n";

static zjtx_policy *load_huaian(void) {
  return ztest_policy_src("rules/huaian-2025.xml");
}

static zjtx_facts *json_facts(zjtx_policy *p) {
  return ztest_facts_json(p, case_json, "case.json");
}

/* "rule entity id amount fen" per entitlement, then "! check entity id" per
 * violation.  Safe to call from any thread (no Check assertions). */
static char *summary(const zjtx_result *r) {
  GString *s = g_string_new(NULL);
  for (size_t i = 0; i < zjtx_result_entitlement_count(r); i++)
    g_string_append_printf(s, "%s %s %s %s %" G_GINT64_FORMAT "\n", zjtx_result_entitlement_rule(r, i),
                           zjtx_result_entitlement_entity(r, i), zjtx_result_entitlement_id(r, i),
                           zjtx_result_entitlement_amount(r, i), zjtx_result_entitlement_fen(r, i));
  for (size_t i = 0; i < zjtx_result_violation_count(r); i++)
    g_string_append_printf(s, "! %s %s %s\n", zjtx_result_violation_check(r, i), zjtx_result_violation_entity(r, i),
                           zjtx_result_violation_id(r, i));
  return g_string_free(s, FALSE);
}

static char *evaluate(zjtx_policy *p, zjtx_facts *f, zjtx_options *o) {
  zjtx_result *r = NULL;
  zjtx_error *err = NULL;
  if (zjtx_evaluate(p, f, o, &r, &err) != ZJTX_OK)
    ck_abort_msg("%s", zjtx_error_format(err));
  char *s = summary(r);
  zjtx_result_free(r);
  return s;
}

/* ---- NULL safety ---------------------------------------------------------- */

START_TEST(null_safety) {
  zjtx_policy *p = (zjtx_policy *)0x1; /* must be reset to NULL */
  zjtx_error *err = NULL;
  const char *xml = "<policy/>";

  ck_assert_int_eq(zjtx_policy_load_file(NULL, &p, &err), ZJTX_ERR_INVALID_ARG);
  ck_assert_ptr_null(p);
  ck_assert_int_eq(zjtx_error_code(err), ZJTX_ERR_INVALID_ARG);
  zjtx_error_free(err);
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_file("x.xml", NULL, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_policy_load_buffer(NULL, 1, NULL, NULL, &p, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_policy_load_buffer(xml, strlen(xml), NULL, NULL, NULL, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_ptr_null(zjtx_policy_ref(NULL));

  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(NULL, &f, &err), ZJTX_ERR_INVALID_ARG);
  ck_assert_ptr_null(f);
  ck_assert_int_eq(zjtx_error_code(err), ZJTX_ERR_INVALID_ARG);
  zjtx_error_free(err);
  err = NULL;
  const char *names[] = {"id"}, *values[] = {"x"};
  ck_assert_int_eq(zjtx_facts_add_record(NULL, "county", names, values, 1, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_finish(NULL, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_load_json_buffer(NULL, "{}", 2, NULL, &f, NULL), ZJTX_ERR_INVALID_ARG);
  {
    /* an existing file: NULL is refused whatever the file system says */
    char *json = ztest_src_path("examples", "huaian-2025", "facts.json", NULL);
    ck_assert_int_eq(zjtx_facts_load_json_file(NULL, json, &f, NULL), ZJTX_ERR_INVALID_ARG);
    g_free(json);
  }
  ck_assert_ptr_null(zjtx_facts_period(NULL));
  ck_assert_uint_eq(zjtx_facts_record_count(NULL, "county"), 0);

  zjtx_options *o = zjtx_options_new();
  ck_assert_int_eq(zjtx_options_set_period(NULL, "2025", NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_options_set_period(o, NULL, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_options_set_period(o, "25", NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_options_set_param(NULL, "x", NULL, "1", NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_options_set_param(o, NULL, NULL, "1", NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_options_set_param(o, "x", NULL, NULL, NULL), ZJTX_ERR_INVALID_ARG);

  zjtx_result *r = (zjtx_result *)0x1;
  ck_assert_int_eq(zjtx_evaluate(NULL, NULL, o, &r, &err), ZJTX_ERR_INVALID_ARG);
  ck_assert_ptr_null(r);
  zjtx_error_free(err);
  err = NULL;

  /* with real objects, each NULL in turn */
  zjtx_policy *hp = load_huaian();
  zjtx_facts *hf = json_facts(hp);
  ck_assert_int_eq(zjtx_facts_new(hp, NULL, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_load_json_buffer(hp, NULL, 2, NULL, &f, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_load_json_buffer(hp, "{}", 2, NULL, NULL, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_load_json_file(hp, NULL, &f, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_evaluate(hp, NULL, NULL, &r, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_evaluate(NULL, hf, NULL, &r, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_evaluate(hp, hf, NULL, NULL, NULL), ZJTX_ERR_INVALID_ARG);
  zjtx_facts *open = NULL;
  ck_assert_int_eq(zjtx_facts_new(hp, &open, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_add_record(open, NULL, names, values, 1, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_add_record(open, "county", NULL, values, 1, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_add_record(open, "county", names, NULL, 1, NULL), ZJTX_ERR_INVALID_ARG);
  /* unfinished facts cannot be evaluated; finished ones take no records */
  ck_assert_int_eq(zjtx_evaluate(hp, open, NULL, &r, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_finish(open, NULL), ZJTX_OK);
  const char *cn[] = {"id", "name"}, *cv[] = {"1", "n"};
  ck_assert_int_eq(zjtx_facts_add_record(open, "county", cn, cv, 2, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_finish(open, NULL), ZJTX_ERR_INVALID_ARG);
  zjtx_facts_free(open);

  ck_assert_int_eq(zjtx_evaluate(hp, hf, NULL, &r, NULL), ZJTX_OK);
  zjtx_explanation *ex = (zjtx_explanation *)0x1;
  ck_assert_int_eq(zjtx_result_explain_entitlement(NULL, 0, &ex, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_ptr_null(ex);
  ck_assert_int_eq(zjtx_result_explain_entitlement(r, 0, NULL, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_result_explain_entitlement(r, 3, &ex, NULL), ZJTX_ERR_INVALID_ARG); /* only 3 */
  ck_assert_int_eq(zjtx_result_explain_violation(r, 0, &ex, NULL), ZJTX_ERR_INVALID_ARG);   /* none */
  ck_assert_int_eq(zjtx_result_explain_violation(NULL, 0, &ex, NULL), ZJTX_ERR_INVALID_ARG);
  /* accessors out of range or on NULL answer NULL / 0 */
  ck_assert_ptr_null(zjtx_result_entitlement_rule(r, 3));
  ck_assert_ptr_null(zjtx_result_entitlement_amount(r, 99));
  ck_assert_int_eq(zjtx_result_entitlement_fen(r, 99), 0);
  ck_assert_ptr_null(zjtx_result_violation_id(r, 0));
  ck_assert_uint_eq(zjtx_result_entitlement_count(NULL), 0);
  ck_assert_uint_eq(zjtx_result_violation_count(NULL), 0);
  ck_assert_ptr_null(zjtx_result_entitlement_id(NULL, 0));
  ck_assert_ptr_null(zjtx_result_period(NULL));
  ck_assert_str_eq(zjtx_result_period(r), "2025");
  zjtx_result_free(r);

  ck_assert_ptr_null(zjtx_policy_id(NULL));
  ck_assert_ptr_null(zjtx_policy_title(NULL, "zh"));
  ck_assert_uint_eq(zjtx_policy_rule_count(NULL), 0);
  ck_assert_ptr_null(zjtx_policy_rule_id(hp, 99));
  ck_assert_ptr_null(zjtx_policy_rule_clause(NULL, 0));
  ck_assert_uint_eq(zjtx_policy_param_count(NULL), 0);
  ck_assert_uint_eq(zjtx_policy_param_find(NULL, "lpr_1y"), (size_t)-1);
  ck_assert_uint_eq(zjtx_policy_param_find(hp, NULL), (size_t)-1);
  ck_assert_ptr_null(zjtx_policy_param_value_text(hp, 0, 99));
  ck_assert_uint_eq(zjtx_policy_entity_count(NULL), 0);
  ck_assert_ptr_null(zjtx_policy_entity_field_name(hp, 0, 99));
  ck_assert_ptr_null(zjtx_policy_dump(NULL));
  ck_assert_uint_eq(zjtx_facts_record_count(hf, NULL), 0);
  ck_assert_uint_eq(zjtx_facts_record_count(hf, "nosuch"), 0);
  ck_assert_uint_eq(zjtx_facts_record_count(hf, "enterprise"), 1);
  ck_assert_uint_eq(zjtx_facts_record_count(hf, "honor"), 1);

  ck_assert_uint_eq(zjtx_explanation_node_count(NULL), 0);
  ck_assert_ptr_null(zjtx_explanation_node_label(NULL, 0));
  ck_assert_uint_eq(zjtx_explanation_node_parent(NULL, 0), (size_t)-1);
  ck_assert_ptr_null(zjtx_explanation_to_json(NULL));
  ck_assert_ptr_null(zjtx_explanation_to_text(NULL));

  ck_assert_int_eq(zjtx_error_code(NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_ptr_null(zjtx_error_message(NULL));
  ck_assert_ptr_null(zjtx_error_file(NULL));
  ck_assert_int_eq(zjtx_error_line(NULL), 0);
  ck_assert_int_eq(zjtx_error_column(NULL), 0);
  ck_assert_ptr_null(zjtx_error_rule(NULL));
  ck_assert_ptr_null(zjtx_error_next(NULL));
  ck_assert_uint_eq(zjtx_error_count(NULL), 0);
  ck_assert_ptr_null(zjtx_error_format(NULL));

  /* every free function accepts NULL */
  zjtx_policy_unref(NULL);
  zjtx_facts_free(NULL);
  zjtx_options_free(NULL);
  zjtx_result_free(NULL);
  zjtx_explanation_free(NULL);
  zjtx_error_free(NULL);
  zjtx_free(NULL);

  zjtx_options_free(o);
  zjtx_facts_free(hf);
  zjtx_policy_unref(hp);
}
END_TEST

START_TEST(version) {
  ck_assert_str_eq(zjtx_version_string(), ZJTX_VERSION_STRING);
  ck_assert_int_eq(zjtx_version_number(), ZJTX_VERSION_NUMBER);
  ck_assert_int_eq(ZJTX_VERSION_NUMBER, 10000 * ZJTX_VERSION_MAJOR + 100 * ZJTX_VERSION_MINOR + ZJTX_VERSION_MICRO);
}
END_TEST

/* ---- error chains --------------------------------------------------------- */

START_TEST(error_chain_from_json) {
  /* three bad records, each on its own line: money with a comma, an
   * identifier whose check character is wrong, an unknown honor level */
  static const char bad[] =
      "{\"period\": \"2025\",\n"                                           /* 1 */
      " \"counties\": [ {\"id\": \"320812\", \"name\": \"清江浦区\"} ],\n" /* 2 */
      " \"enterprises\": [\n"                                              /* 3 */
      "  {\"id\": \"" ENTERPRISE "\", \"name\": \"a\", \"county\": \"320812\", \"revenue\": \"1\","
      " \"rd_expense\": \"12,000.00\", \"rd_expense_prev\": \"0\", \"invention_patents\": 0, \"cnc_rate\": "
      "\"0\"},\n" /* 4 */
      "  {\"id\": \"91320812MA0GWJDM0D\", \"name\": \"b\", \"county\": \"320812\", \"revenue\": \"1\","
      " \"rd_expense\": \"1\", \"rd_expense_prev\": \"0\", \"invention_patents\": 0, \"cnc_rate\": \"0\"},\n" /* 5
                                                                                                               */
      "  {\"id\": \"91320804MAWJ0QAU2A\", \"name\": \"c\", \"county\": \"320812\", \"revenue\": \"1\","
      " \"rd_expense\": \"1\", \"rd_expense_prev\": \"0\", \"invention_patents\": 0, \"cnc_rate\": \"0\",\n" /* 6 */
      "   \"honors\": [ {\"level\": \"gold\", \"awarded_on\": \"2025-01-01\", \"valid_until\": \"2026-01-01\", "
      "\"first_time\": true} ]}\n" /* 7 */
      " ]}\n";
  zjtx_policy *p = load_huaian();
  zjtx_facts *f = (zjtx_facts *)0x1;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_load_json_buffer(p, bad, strlen(bad), "bad.json", &f, &err), ZJTX_ERR_FACTS);
  ck_assert_ptr_null(f);
  ck_assert_ptr_nonnull(err);
  ck_assert_uint_eq(zjtx_error_count(err), 3);
  static const struct {
    int line;
    const char *field, *value;
  } want[] = {{4, "rd_expense", "12,000.00"}, {5, "id", "91320812MA0GWJDM0D"}, {7, "level", "gold"}};
  const zjtx_error *e = err;
  for (size_t i = 0; i < 3; i++, e = zjtx_error_next(e)) {
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(zjtx_error_code(e), ZJTX_ERR_FACTS);
    ck_assert_str_eq(zjtx_error_file(e), "bad.json");
    ck_assert_msg(zjtx_error_line(e) == want[i].line, "error %zu at line %d: %s", i, zjtx_error_line(e),
                  zjtx_error_message(e));
    ck_assert_ptr_nonnull(strstr(zjtx_error_message(e), want[i].field));
    ck_assert_ptr_nonnull(strstr(zjtx_error_message(e), want[i].value));
    ck_assert_uint_eq(zjtx_error_count(e), 3 - i);
  }
  ck_assert_ptr_null(e);
  /* the formatted first error: file:line: message */
  char *m = zjtx_error_format(err);
  ck_assert(g_str_has_prefix(m, "bad.json:4: "));
  zjtx_free(m);
  zjtx_error_free(err);
  /* the status does not depend on whether details are asked for */
  ck_assert_int_eq(zjtx_facts_load_json_buffer(p, bad, strlen(bad), "bad.json", &f, NULL), ZJTX_ERR_FACTS);
  zjtx_policy_unref(p);
}
END_TEST

/* ---- facts record by record -------------------------------------------------- */

static zjtx_facts *record_facts(zjtx_policy *p) {
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_new(p, &f, &err), ZJTX_OK);
  /* in any order: the honor before its enterprise, the enterprise before its county */
  const char *hn[] = {"enterprise", "level", "awarded_on", "valid_until", "first_time"};
  const char *hv[] = {ENTERPRISE, "little_giant", "2025-07-15", "2028-07-14", "true"};
  ck_assert_int_eq(zjtx_facts_add_record(f, "honor", hn, hv, 5, &err), ZJTX_OK);
  const char *en[] = {"id",      "name", "county", "revenue", "rd_expense", "rd_expense_prev", "invention_patents",
                      "cnc_rate"};
  const char *ev[] = {ENTERPRISE, "恒达", "320812", "150000000.00", "12000000.00", "10000000.00", "4", "75"};
  ck_assert_int_eq(zjtx_facts_add_record(f, "enterprise", en, ev, 8, &err), ZJTX_OK);
  const char *cn[] = {"id", "name"}, *cv[] = {"320812", "清江浦区"};
  ck_assert_int_eq(zjtx_facts_add_record(f, "county", cn, cv, 2, &err), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_finish(f, &err), ZJTX_OK);
  ck_assert_ptr_null(err);
  return f;
}

START_TEST(records_equal_json) {
  zjtx_policy *p = load_huaian();
  zjtx_facts *fj = json_facts(p), *fr = record_facts(p);
  ck_assert_str_eq(zjtx_facts_period(fj), "2025");
  ck_assert_ptr_null(zjtx_facts_period(fr)); /* records name no period: the policy's default */
  char *sj = evaluate(p, fj, NULL), *sr = evaluate(p, fr, NULL);
  ck_assert_str_eq(sj, case_results);
  ck_assert_str_eq(sr, case_results);
  g_free(sj);
  g_free(sr);
  /* a bad record is refused whole, with the field and value named */
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_new(p, &f, NULL), ZJTX_OK);
  const char *cn[] = {"id", "name", "population"}, *cv[] = {"320812", "x", "5"};
  ck_assert_int_eq(zjtx_facts_add_record(f, "county", cn, cv, 3, &err), ZJTX_ERR_FACTS);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "population"));
  zjtx_error_free(err);
  err = NULL;
  ck_assert_int_eq(zjtx_facts_add_record(f, "province", cn, cv, 2, &err), ZJTX_ERR_NOT_FOUND);
  zjtx_error_free(err);
  ck_assert_uint_eq(zjtx_facts_record_count(f, "county"), 0);
  zjtx_facts_free(f);
  zjtx_facts_free(fj);
  zjtx_facts_free(fr);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(entitlement_fen) {
  zjtx_policy *p = load_huaian();
  zjtx_facts *f = json_facts(p);
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_evaluate(p, f, NULL, &r, NULL), ZJTX_OK);
  ck_assert_uint_eq(zjtx_result_entitlement_count(r), 3);
  ck_assert_uint_eq(zjtx_result_violation_count(r), 0);
  static const int64_t fen[] = {36000000, 22000000, 50000000};
  static const char *const amount[] = {"360000.00", "220000.00", "500000.00"};
  for (size_t i = 0; i < 3; i++) {
    ck_assert_int_eq(zjtx_result_entitlement_fen(r, i), fen[i]);
    ck_assert_str_eq(zjtx_result_entitlement_amount(r, i), amount[i]);
    ck_assert_str_eq(zjtx_result_entitlement_entity(r, i), "enterprise");
    ck_assert_str_eq(zjtx_result_entitlement_id(r, i), ENTERPRISE);
  }
  zjtx_result_free(r);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* ---- explanations ----------------------------------------------------------- */

static size_t find_node(const zjtx_explanation *ex, zjtx_node_kind kind, const char *label_prefix) {
  for (size_t i = 0; i < zjtx_explanation_node_count(ex); i++) {
    const char *label = zjtx_explanation_node_label(ex, i);
    if (zjtx_explanation_node_kind(ex, i) == kind && label && g_str_has_prefix(label, label_prefix))
      return i;
  }
  return (size_t)-1;
}

static bool is_below(const zjtx_explanation *ex, size_t node, size_t ancestor) {
  for (size_t n = zjtx_explanation_node_parent(ex, node); n != (size_t)-1; n = zjtx_explanation_node_parent(ex, n))
    if (n == ancestor)
      return true;
  return false;
}

START_TEST(explanation_tree) {
  zjtx_policy *p = load_huaian();
  zjtx_facts *f = json_facts(p);
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_evaluate(p, f, NULL, &r, NULL), ZJTX_OK);
  ck_assert_str_eq(zjtx_result_entitlement_rule(r, 0), "rd_base_subsidy");
  zjtx_explanation *ex = NULL;
  zjtx_error *err = NULL;
  if (zjtx_result_explain_entitlement(r, 0, &ex, &err) != ZJTX_OK)
    ck_abort_msg("%s", zjtx_error_format(err));
  size_t n = zjtx_explanation_node_count(ex);
  ck_assert_uint_gt(n, 5);

  /* the root: the rule, its clause */
  ck_assert_int_eq(zjtx_explanation_node_kind(ex, 0), ZJTX_NODE_RULE);
  ck_assert_uint_eq(zjtx_explanation_node_parent(ex, 0), (size_t)-1);
  ck_assert_ptr_nonnull(strstr(zjtx_explanation_node_label(ex, 0), "rd_base_subsidy"));
  ck_assert_str_eq(zjtx_explanation_node_value(ex, 0), "360000.00");
  ck_assert_ptr_nonnull(strstr(zjtx_explanation_node_reference(ex, 0), "三(六)"));
  /* depth-first numbering: every parent comes before its children */
  for (size_t i = 1; i < n; i++)
    ck_assert_uint_lt(zjtx_explanation_node_parent(ex, i), i);

  size_t cond = find_node(ex, ZJTX_NODE_CONDITION, "");
  ck_assert_uint_ne(cond, (size_t)-1);
  ck_assert_str_eq(zjtx_explanation_node_value(ex, cond), "true");

  size_t formula = find_node(ex, ZJTX_NODE_FORMULA, "");
  ck_assert_uint_ne(formula, (size_t)-1);
  ck_assert_uint_eq(zjtx_explanation_node_parent(ex, formula), 0);
  ck_assert_ptr_nonnull(strstr(zjtx_explanation_node_label(ex, formula), "rd_expense * rd_base_rate_applied"));

  /* the cap: rd_base_cap, 1,000,000.00, not binding */
  size_t cap = (size_t)-1;
  for (size_t i = 0; i < n; i++)
    if (zjtx_explanation_node_kind(ex, i) == ZJTX_NODE_CAP)
      cap = i;
  ck_assert_uint_ne(cap, (size_t)-1);
  ck_assert_uint_eq(zjtx_explanation_node_parent(ex, cap), 0);
  ck_assert_str_eq(zjtx_explanation_node_value(ex, cap), "1000000.00");
  size_t cap_param = find_node(ex, ZJTX_NODE_PARAM, "rd_base_cap");
  ck_assert_uint_ne(cap_param, (size_t)-1);
  ck_assert(is_below(ex, cap_param, cap));

  /* the derived rate, 3 % (the SRDI override of the base's 2 %) */
  size_t rate = find_node(ex, ZJTX_NODE_DERIVED, "enterprise.rd_base_rate_applied");
  ck_assert_uint_ne(rate, (size_t)-1);
  ck_assert_str_eq(zjtx_explanation_node_value(ex, rate), "3%");
  ck_assert(is_below(ex, rate, formula));

  /* the base rate parameter, with its status and source */
  size_t param = find_node(ex, ZJTX_NODE_PARAM, "rd_base_rate ");
  ck_assert_uint_ne(param, (size_t)-1);
  ck_assert_str_eq(zjtx_explanation_node_value(ex, param), "2%");
  ck_assert_ptr_nonnull(strstr(zjtx_explanation_node_reference(ex, param), "assumed"));
  ck_assert(is_below(ex, param, rate));

  size_t res = find_node(ex, ZJTX_NODE_RESULT, "");
  ck_assert_uint_ne(res, (size_t)-1);
  ck_assert_str_eq(zjtx_explanation_node_value(ex, res), "360000.00");

  char *text = zjtx_explanation_to_text(ex);
  ck_assert_ptr_nonnull(strstr(text, "rd_base_rate_applied"));
  zjtx_free(text);
  zjtx_explanation_free(ex);
  zjtx_result_free(r);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* Counts JSON nodes and checks each object has "kind" and "label". */
static size_t json_nodes(JsonNode *node) {
  ck_assert(JSON_NODE_HOLDS_OBJECT(node));
  JsonObject *o = json_node_get_object(node);
  ck_assert(json_object_has_member(o, "kind"));
  ck_assert(json_object_has_member(o, "label"));
  size_t n = 1;
  if (json_object_has_member(o, "children")) {
    JsonArray *kids = json_object_get_array_member(o, "children");
    for (guint i = 0; i < json_array_get_length(kids); i++)
      n += json_nodes(json_array_get_element(kids, i));
  }
  return n;
}

START_TEST(explanation_json) {
  zjtx_policy *p = load_huaian();
  zjtx_facts *f = json_facts(p);
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_evaluate(p, f, NULL, &r, NULL), ZJTX_OK);
  for (size_t i = 0; i < zjtx_result_entitlement_count(r); i++) {
    zjtx_explanation *ex = NULL;
    ck_assert_int_eq(zjtx_result_explain_entitlement(r, i, &ex, NULL), ZJTX_OK);
    char *json = zjtx_explanation_to_json(ex);
    ck_assert_ptr_nonnull(json);
    JsonParser *parser = json_parser_new();
    GError *gerr = NULL;
    if (!json_parser_load_from_data(parser, json, -1, &gerr))
      ck_abort_msg("not JSON: %s\n%s", gerr->message, json);
    JsonNode *root = json_parser_get_root(parser);
    /* one JSON object per node */
    ck_assert_uint_eq(json_nodes(root), zjtx_explanation_node_count(ex));
    JsonObject *o = json_node_get_object(root);
    ck_assert_str_eq(json_object_get_string_member(o, "kind"), "rule");
    ck_assert_str_eq(json_object_get_string_member(o, "value"), zjtx_result_entitlement_amount(r, i));
    ck_assert_str_eq(json_object_get_string_member(o, "label"), zjtx_explanation_node_label(ex, 0));
    g_object_unref(parser);
    zjtx_free(json);
    zjtx_explanation_free(ex);
  }
  zjtx_result_free(r);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* The base R&D policy alone (rules/rd-base.xml: 2 % of the expense, 10 %
 * of the increase, each capped at rd_base_cap / rd_incremental_cap, half-up
 * to the fen), worked by hand for rd_expense 12,345,678.91 and
 * rd_expense_prev 12,000,000.00, with rd_base_cap set to 200,000:
 *   base         12,345,678.91 x 2 %  = 246,913.5782 -> 246,913.58;
 *                the cap 200,000.00 binds: 200,000.00
 *   incremental  345,678.91 x 10 %    = 34,567.891   -> 34,567.89;
 *                the cap 1,000,000.00 does not bind */
static const char rd_base_json[] = "{ \"period\": \"2025\", \"enterprises\": [ { \"id\": \"" ENTERPRISE "\", "
                                   "\"name\": \"恒达\", \"rd_expense\": \"12345678.91\", "
                                   "\"rd_expense_prev\": \"12000000.00\" } ] }";

static size_t only_node(const zjtx_explanation *ex, zjtx_node_kind kind) {
  size_t found = (size_t)-1;
  for (size_t i = 0; i < zjtx_explanation_node_count(ex); i++)
    if (zjtx_explanation_node_kind(ex, i) == kind) {
      ck_assert_uint_eq(found, (size_t)-1);
      found = i;
    }
  ck_assert_uint_ne(found, (size_t)-1);
  return found;
}

/* Checks one explanation's steps against hand-worked values and against
 * the result it explains. */
static void check_steps(const zjtx_result *r, size_t i, const char *formula, const char *rounded, const char *cap,
                        bool binding, const char *amount) {
  zjtx_explanation *ex = NULL;
  zjtx_error *err = NULL;
  if (zjtx_result_explain_entitlement(r, i, &ex, &err) != ZJTX_OK)
    ck_abort_msg("%s", zjtx_error_format(err));
  ck_assert_str_eq(zjtx_result_entitlement_amount(r, i), amount);
  ck_assert_str_eq(zjtx_explanation_node_value(ex, only_node(ex, ZJTX_NODE_FORMULA)), formula);
  size_t rounding = only_node(ex, ZJTX_NODE_ROUNDING);
  ck_assert_str_eq(zjtx_explanation_node_label(ex, rounding), "rounded half-up to 2 decimals");
  ck_assert_str_eq(zjtx_explanation_node_value(ex, rounding), rounded);
  size_t c = only_node(ex, ZJTX_NODE_CAP);
  ck_assert_str_eq(zjtx_explanation_node_value(ex, c), cap);
  ck_assert(g_str_has_prefix(zjtx_explanation_node_reference(ex, c), binding ? "binding" : "not binding"));
  /* the final value is the result's, node for node */
  ck_assert_str_eq(zjtx_explanation_node_value(ex, only_node(ex, ZJTX_NODE_RESULT)), amount);
  ck_assert_str_eq(zjtx_explanation_node_value(ex, 0), amount);
  zjtx_explanation_free(ex);
}

START_TEST(explanation_cannot_drift) {
  zjtx_policy *p = ztest_policy_src("rules/rd-base.xml");
  zjtx_facts *f = ztest_facts_json(p, rd_base_json, "rd.json");
  zjtx_result *r = NULL;
  zjtx_options *o = zjtx_options_new();
  ck_assert_int_eq(zjtx_options_set_param(o, "rd_base_cap", NULL, "200000", NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_evaluate(p, f, o, &r, NULL), ZJTX_OK);
  ck_assert_uint_eq(zjtx_result_entitlement_count(r), 2);
  ck_assert_str_eq(zjtx_result_entitlement_rule(r, 0), "rd_base_subsidy");
  ck_assert_int_eq(zjtx_result_entitlement_fen(r, 0), 20000000);
  check_steps(r, 0, "246913.5782", "246913.58", "200000.00", true, "200000.00");
  ck_assert_str_eq(zjtx_result_entitlement_rule(r, 1), "rd_incremental_subsidy");
  ck_assert_int_eq(zjtx_result_entitlement_fen(r, 1), 3456789);
  check_steps(r, 1, "34567.891", "34567.89", "1000000.00", false, "34567.89");
  zjtx_result_free(r);
  /* without the override nothing binds: the explanation follows */
  ck_assert_int_eq(zjtx_evaluate(p, f, NULL, &r, NULL), ZJTX_OK);
  check_steps(r, 0, "246913.5782", "246913.58", "1000000.00", false, "246913.58");
  zjtx_result_free(r);
  zjtx_options_free(o);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* ---- options -------------------------------------------------------------- */

START_TEST(override_changes_result) {
  zjtx_policy *p = load_huaian();
  zjtx_facts *f = json_facts(p);
  zjtx_options *o = zjtx_options_new();
  ck_assert_int_eq(zjtx_options_set_param(o, "rd_base_rate", NULL, "3", NULL), ZJTX_OK);
  char *s = evaluate(p, f, o);
  /* 12,000,000.00 x (3 % + 1 %) */
  ck_assert_str_eq(s, "rd_base_subsidy enterprise " ENTERPRISE " 480000.00 48000000\n"
                      "rd_incremental_subsidy enterprise " ENTERPRISE " 220000.00 22000000\n"
                      "first_honor_reward enterprise " ENTERPRISE " 500000.00 50000000\n");
  g_free(s);
  /* the explanation uses the options of the evaluation */
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_evaluate(p, f, o, &r, NULL), ZJTX_OK);
  zjtx_explanation *ex = NULL;
  ck_assert_int_eq(zjtx_result_explain_entitlement(r, 0, &ex, NULL), ZJTX_OK);
  size_t rate = find_node(ex, ZJTX_NODE_DERIVED, "enterprise.rd_base_rate_applied");
  ck_assert_str_eq(zjtx_explanation_node_value(ex, rate), "4%");
  ck_assert_str_eq(zjtx_explanation_node_value(ex, 0), "480000.00");
  zjtx_explanation_free(ex);
  zjtx_result_free(r);
  /* a keyed override and the original stay apart: the policy is unchanged */
  zjtx_options *o2 = zjtx_options_new();
  ck_assert_int_eq(zjtx_options_set_param(o2, "first_honor_reward_amount", "little_giant", "600000", NULL), ZJTX_OK);
  s = evaluate(p, f, o2);
  ck_assert_str_eq(s, "rd_base_subsidy enterprise " ENTERPRISE " 360000.00 36000000\n"
                      "rd_incremental_subsidy enterprise " ENTERPRISE " 220000.00 22000000\n"
                      "first_honor_reward enterprise " ENTERPRISE " 600000.00 60000000\n");
  g_free(s);
  s = evaluate(p, f, NULL);
  ck_assert_str_eq(s, case_results);
  g_free(s);
  /* another period: the assumed R&D parameters have no value before
   * 2025-01-01, so 2024 cannot be computed, and the error says why */
  ck_assert_int_eq(zjtx_options_set_period(o2, "2024", NULL), ZJTX_OK);
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_evaluate(p, f, o2, &r, &err), ZJTX_ERR_EVAL);
  ck_assert_ptr_null(r);
  ck_assert_str_eq(zjtx_error_rule(err), "rd_base_subsidy");
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "'rd_min_expense' has no value in force on 2024-12-31"));
  zjtx_error_free(err);
  /* 2026: still SRDI on 2026-12-31 (valid to 2028-07-14), so 3 % and 11 %;
   * the title was awarded in 2025, not 2026: no reward */
  ck_assert_int_eq(zjtx_options_set_period(o2, "2026", NULL), ZJTX_OK);
  s = evaluate(p, f, o2);
  ck_assert_str_eq(s, "rd_base_subsidy enterprise " ENTERPRISE " 360000.00 36000000\n"
                      "rd_incremental_subsidy enterprise " ENTERPRISE " 220000.00 22000000\n");
  g_free(s);
  zjtx_options_free(o2);
  zjtx_options_free(o);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* ---- threads -------------------------------------------------------------- */

#define N_THREADS 8
#define N_RUNS    50

typedef struct {
  zjtx_policy *policy;
  zjtx_facts *facts;
  const char *want, *want_override;
  gint failures;
  gint runs;
  gint loads;
} shared;

static gpointer worker(gpointer data) {
  shared *sh = data;
  zjtx_options *o = zjtx_options_new();
  zjtx_options_set_param(o, "rd_base_rate", NULL, "3", NULL);
  for (int i = 0; i < N_RUNS; i++) {
    /* every other run with options of its own */
    bool with = i % 2;
    zjtx_result *r = NULL;
    if (zjtx_evaluate(sh->policy, sh->facts, with ? o : NULL, &r, NULL) != ZJTX_OK) {
      g_atomic_int_inc(&sh->failures);
      continue;
    }
    char *s = summary(r);
    if (strcmp(s, with ? sh->want_override : sh->want) != 0)
      g_atomic_int_inc(&sh->failures);
    g_free(s);
    if (i % 10 == 0) { /* explaining re-evaluates: also only reads */
      zjtx_explanation *ex = NULL;
      char *json = NULL;
      if (zjtx_result_explain_entitlement(r, 0, &ex, NULL) != ZJTX_OK || !(json = zjtx_explanation_to_json(ex)))
        g_atomic_int_inc(&sh->failures);
      zjtx_free(json);
      zjtx_explanation_free(ex);
    }
    zjtx_result_free(r);
    g_atomic_int_inc(&sh->runs);
    if (i == N_RUNS / 2) {
      /* a policy of its own, loaded while the others evaluate */
      char *path = ztest_src_path("rules", "huaian-2025.xml", NULL);
      zjtx_policy *p = NULL;
      zjtx_facts *f = NULL;
      zjtx_result *r2 = NULL;
      if (zjtx_policy_load_file(path, &p, NULL) != ZJTX_OK ||
          zjtx_facts_load_json_buffer(p, case_json, strlen(case_json), "case.json", &f, NULL) != ZJTX_OK ||
          zjtx_evaluate(p, f, NULL, &r2, NULL) != ZJTX_OK) {
        g_atomic_int_inc(&sh->failures);
      } else {
        char *s2 = summary(r2);
        if (strcmp(s2, sh->want) != 0)
          g_atomic_int_inc(&sh->failures);
        g_free(s2);
        g_atomic_int_inc(&sh->loads);
      }
      /* and a reference to the shared one, dropped again */
      zjtx_policy_unref(zjtx_policy_ref(sh->policy));
      zjtx_result_free(r2);
      zjtx_facts_free(f);
      zjtx_policy_unref(p);
      g_free(path);
    }
  }
  zjtx_options_free(o);
  return NULL;
}

START_TEST(threads_share_policy) {
  zjtx_policy *p = load_huaian();
  zjtx_facts *f = json_facts(p);
  shared sh = {p,
               f,
               case_results,
               "rd_base_subsidy enterprise " ENTERPRISE " 480000.00 48000000\n"
               "rd_incremental_subsidy enterprise " ENTERPRISE " 220000.00 22000000\n"
               "first_honor_reward enterprise " ENTERPRISE " 500000.00 50000000\n",
               0,
               0,
               0};
  GThread *threads[N_THREADS];
  for (int i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new("eval", worker, &sh);
  for (int i = 0; i < N_THREADS; i++)
    g_thread_join(threads[i]);
  ck_assert_int_eq(g_atomic_int_get(&sh.failures), 0);
  ck_assert_int_eq(g_atomic_int_get(&sh.runs), N_THREADS * N_RUNS);
  ck_assert_int_eq(g_atomic_int_get(&sh.loads), N_THREADS);
  /* nothing shared was changed */
  char *s = evaluate(p, f, NULL);
  ck_assert_str_eq(s, case_results);
  g_free(s);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(facts_outlive_nothing) {
  /* facts hold a reference: the policy may be dropped first */
  zjtx_policy *p = load_huaian();
  zjtx_facts *f = json_facts(p);
  zjtx_policy *keep = zjtx_policy_ref(p);
  zjtx_policy_unref(p);
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_evaluate(keep, f, NULL, &r, NULL), ZJTX_OK);
  zjtx_policy_unref(keep);
  /* the result holds one too */
  ck_assert_uint_eq(zjtx_result_entitlement_count(r), 3);
  zjtx_explanation *ex = NULL;
  ck_assert_int_eq(zjtx_result_explain_entitlement(r, 2, &ex, NULL), ZJTX_OK);
  ck_assert_str_eq(zjtx_explanation_node_value(ex, 0), "500000.00");
  zjtx_explanation_free(ex);
  zjtx_result_free(r);
  zjtx_facts_free(f);
}
END_TEST

/* Labels name records for people: the name field the policy declares as
 * label, looked up by key (examples/huaian-2025/facts.json). */
START_TEST(record_labels) {
  zjtx_policy *p = load_huaian();
  zjtx_facts *f = NULL;
  char *json = ztest_src_path("examples", "huaian-2025", "facts.json", NULL);
  ck_assert_int_eq(zjtx_facts_load_json_file(p, json, &f, NULL), ZJTX_OK);
  g_free(json);
  ck_assert_str_eq(zjtx_facts_record_label(f, "county", "320803"), "淮安区");
  ck_assert_str_eq(zjtx_facts_record_label(f, "enterprise", "91320803MA5G0BCJ2C"), "淮安中天电力装备股份有限公司");
  ck_assert_ptr_null(zjtx_facts_record_label(f, "county", "999999")); /* no such record */
  ck_assert_ptr_null(zjtx_facts_record_label(f, "loan", "LN-E01-1")); /* loans have no label */
  ck_assert_ptr_null(zjtx_facts_record_label(f, "nosuch", "320803")); /* no such entity */
  ck_assert_ptr_null(zjtx_facts_record_label(NULL, "county", "320803"));
  ck_assert_ptr_null(zjtx_facts_record_label(f, "county", NULL));
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(facts_of_another_policy) {
  /* the same layout (the same policy loaded twice, as a reform that only
   * changes parameters and rules): the facts are read once and used by both */
  zjtx_policy *p = load_huaian(), *q = load_huaian(), *base = ztest_policy_src("rules/rd-base.xml");
  zjtx_facts *f = json_facts(p);
  zjtx_result *r = NULL;
  zjtx_error *err = NULL;
  zjtx_result *own = NULL;
  ck_assert(zjtx_policy_same_facts_layout(p, q));
  ck_assert_int_eq(zjtx_evaluate(p, f, NULL, &own, &err), ZJTX_OK);
  ck_assert_int_eq(zjtx_evaluate(q, f, NULL, &r, &err), ZJTX_OK);
  g_autofree char *want = summary(own), *got = summary(r);
  ck_assert_str_eq(got, want);
  ck_assert_uint_eq(zjtx_result_entitlement_count(r), 3);
  zjtx_result_free(own);
  zjtx_result_free(r);
  r = NULL;
  /* another layout (the base policy declares fewer entities): refused */
  ck_assert(!zjtx_policy_same_facts_layout(p, base));
  ck_assert_int_eq(zjtx_evaluate(base, f, NULL, &r, &err), ZJTX_ERR_INVALID_ARG);
  ck_assert_ptr_null(r);
  zjtx_error_free(err);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
  zjtx_policy_unref(q);
  zjtx_policy_unref(base);
}
END_TEST

static Suite *api_suite(void) {
  Suite *s = suite_create("api");
  TCase *tc = tcase_create("api");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, null_safety);
  tcase_add_test(tc, version);
  tcase_add_test(tc, error_chain_from_json);
  tcase_add_test(tc, records_equal_json);
  tcase_add_test(tc, entitlement_fen);
  tcase_add_test(tc, explanation_tree);
  tcase_add_test(tc, explanation_json);
  tcase_add_test(tc, explanation_cannot_drift);
  tcase_add_test(tc, override_changes_result);
  tcase_add_test(tc, facts_outlive_nothing);
  tcase_add_test(tc, facts_of_another_policy);
  tcase_add_test(tc, record_labels);
  suite_add_tcase(s, tc);
  TCase *tt = tcase_create("threads");
  tcase_set_timeout(tt, 120);
  tcase_add_test(tt, threads_share_policy);
  suite_add_tcase(s, tt);
  return s;
}

int main(void) {
  return ztest_run_suite(api_suite());
}
