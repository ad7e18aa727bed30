/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * embed.c - the smallest complete program that uses libzjtx.
 *
 * It loads the Huai'an 2025 policy, describes one county and one enterprise
 * through the record API (no JSON file), evaluates the policy for 2025 and
 * prints every entitlement, then explains the first one.
 *
 * Build it against an installed libzjtx:
 *
 *     cc embed.c $(pkg-config --cflags --libs zjtx) -o embed
 *     ./embed rules/huaian-2025.xml
 *
 * Expected output, worked out by hand from rules/rd-base.xml and
 * rules/huaian-2025.xml (the enterprise holds a valid little_giant title on
 * 2025-12-31, so both R&D rates are raised by one point):
 *
 *     rd_base_subsidy         12,000,000 x (2% + 1%)               = 360000.00
 *     rd_incremental_subsidy  (12,000,000 - 10,000,000) x (10% + 1%) = 220000.00
 *     first_honor_reward      first-time little_giant               = 500000.00
 *
 * The program uses only <zjtx/zjtx.h> and the C standard library: the public
 * API has no GLib or libxml2 types in it.
 */
#include <inttypes.h>
#include <stdio.h>

#include <zjtx/zjtx.h>

/* Prints "embed: <file:line:column: message>" for every error of the chain
 * (loading facts reports all bad records at once), frees it, returns 1. */
static int fail(const char *what, zjtx_error *err) {
  for (const zjtx_error *e = err; e != NULL; e = zjtx_error_next(e)) {
    char *text = zjtx_error_format(e); /* owned: zjtx_free() */

    fprintf(stderr, "embed: %s: %s\n", what, text != NULL ? text : "(no message)");
    zjtx_free(text);
  }
  if (err == NULL)
    fprintf(stderr, "embed: %s failed\n", what);
  zjtx_error_free(err);
  return 1;
}

/* The number of elements of a fixed array. */
#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

int main(int argc, char **argv) {
  const char *policy_path = argc > 1 ? argv[1] : "rules/huaian-2025.xml";
  zjtx_policy *policy = NULL;
  zjtx_facts *facts = NULL;
  zjtx_options *opts = NULL;
  zjtx_result *result = NULL;
  zjtx_explanation *why = NULL;
  zjtx_error *err = NULL;
  int rc = 1;

  /* 1. Load and compile the policy.  rules/huaian-2025.xml `extends`
   *    rd-base.xml, which is found next to it.  The policy is immutable and
   *    reference counted: drop our reference with zjtx_policy_unref(). */
  if (zjtx_policy_load_file(policy_path, &policy, &err) != ZJTX_OK) {
    rc = fail("loading the policy", err);
    goto out;
  }
  printf("policy %s (%s)\n", zjtx_policy_id(policy), zjtx_policy_title(policy, "en"));

  /* 2. Describe the facts, one record at a time.  Values are written as in
   *    the JSON carrier: money in yuan with at most two decimals, dates as
   *    YYYY-MM-DD, booleans as "true"/"false", rates in percent ("72.5").
   *    Every value is checked against the policy's declarations as it is
   *    added; references between records are resolved by _finish(). */
  if (zjtx_facts_new(policy, &facts, &err) != ZJTX_OK) {
    rc = fail("creating the facts", err);
    goto out;
  }

  static const char *const county_names[] = {"id", "name"};
  static const char *const county_values[] = {"320812", "清江浦区"};
  if (zjtx_facts_add_record(facts, "county", county_names, county_values, N_ELEMENTS(county_names), &err) != ZJTX_OK) {
    rc = fail("adding the county", err);
    goto out;
  }

  /* The enterprise's fields, then their values in the same order.  The id
   * is a Unified Social Credit Code (GB 32100-2015): the policy checks its
   * check character, so it has to be a well-formed one. */
  static const char *const ent_names[] = {
      "id", "name", "county", "revenue", "rd_expense", "rd_expense_prev", "invention_patents", "cnc_rate",
  };
  static const char *const ent_values[] = {
      "91320812MA1ABCDE10",       /* id */
      "淮安示例智能装备有限公司", /* name */
      "320812",                   /* county: the id of the county record */
      "150000000.00",             /* revenue, yuan */
      "12000000.00",              /* rd_expense: R&D expense this year */
      "10000000.00",              /* rd_expense_prev: R&D expense last year */
      "6",                        /* invention_patents */
      "72.5",                     /* cnc_rate: 72.5 % */
  };
  if (zjtx_facts_add_record(facts, "enterprise", ent_names, ent_values, N_ELEMENTS(ent_names), &err) != ZJTX_OK) {
    rc = fail("adding the enterprise", err);
    goto out;
  }

  /* A child record names its parent through the parent-key field
   * ("enterprise" for an honor).  This one is a first-time "little giant"
   * title awarded in 2025: it earns first_honor_reward and, being valid at
   * the end of the period, raises both R&D subsidy rates. */
  static const char *const honor_names[] = {"enterprise", "level", "awarded_on", "valid_until", "first_time"};
  static const char *const honor_values[] = {"91320812MA1ABCDE10", "little_giant", "2025-07-15", "2028-07-14", "true"};
  if (zjtx_facts_add_record(facts, "honor", honor_names, honor_values, N_ELEMENTS(honor_names), &err) != ZJTX_OK) {
    rc = fail("adding the honor", err);
    goto out;
  }

  /* After _finish() the facts are immutable and may be shared by threads. */
  if (zjtx_facts_finish(facts, &err) != ZJTX_OK) {
    rc = fail("checking the facts", err);
    goto out;
  }

  /* 3. Evaluate for the calendar year 2025.  Options are an opaque object
   *    with setters; passing NULL instead means "the policy's defaults". */
  opts = zjtx_options_new();
  if (opts == NULL) {
    rc = fail("creating the options", NULL);
    goto out;
  }
  if (zjtx_options_set_period(opts, "2025", &err) != ZJTX_OK) {
    rc = fail("setting the period", err);
    goto out;
  }
  if (zjtx_evaluate(policy, facts, opts, &result, &err) != ZJTX_OK) {
    rc = fail("evaluating", err);
    goto out;
  }

  /* 4. Walk the entitlements.  Amounts come as exact two-decimal strings
   *    and as int64_t fen (0.01 yuan); never as floating point.  Strings
   *    are borrowed from the result. */
  size_t n = zjtx_result_entitlement_count(result);
  int64_t total_fen = 0;

  printf("period %s: %zu entitlement(s)\n", zjtx_result_period(result), n);
  for (size_t i = 0; i < n; i++) {
    printf("  %-24s %-10s %-20s %12s\n", zjtx_result_entitlement_rule(result, i),
           zjtx_result_entitlement_entity(result, i), zjtx_result_entitlement_id(result, i),
           zjtx_result_entitlement_amount(result, i));
    total_fen += zjtx_result_entitlement_fen(result, i);
  }
  printf("  %-56s %9" PRId64 ".%02" PRId64 "\n", "total", total_fen / 100, total_fen % 100);
  printf("violations: %zu\n", zjtx_result_violation_count(result));

  /* 5. Explain the first entitlement: the rule and its clause, the formula,
   *    the caps, and every derived value and parameter (with its source and
   *    whether it is published or assumed) that went into it. */
  if (n > 0) {
    if (zjtx_result_explain_entitlement(result, 0, &why, &err) != ZJTX_OK) {
      rc = fail("explaining", err);
      goto out;
    }
    char *text = zjtx_explanation_to_text(why); /* owned: zjtx_free() */
    if (text == NULL) {
      rc = fail("formatting the explanation", NULL);
      goto out;
    }
    printf("\nwhy %s for %s:\n%s", zjtx_result_entitlement_rule(result, 0), zjtx_result_entitlement_id(result, 0),
           text);
    zjtx_free(text);
  }
  rc = 0;

out:
  /* Every free function accepts NULL, so one exit path frees everything. */
  zjtx_explanation_free(why);
  zjtx_result_free(result);
  zjtx_options_free(opts);
  zjtx_facts_free(facts);
  zjtx_policy_unref(policy);
  return rc;
}
