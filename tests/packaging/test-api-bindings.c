/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-api-bindings.c - the C API that bindings rely on (0.2), through the
 * public headers only: objects freed in any order, constructors with
 * `**out` and a status, *err that must be NULL on entry, a rule looked up
 * by id, a field value read back, a result as one JSON text, the version.
 *
 * usage: test-api-bindings SOURCE_DIR.  Run under ASan by build-aux/test.sh:
 * reading a result after its facts were dropped would be a use after free.
 * Expected values are those worked by hand in examples/huaian-2025/expected.json
 * and the sample's facts as written in examples/huaian-2025/facts.json.
 */
#include <zjtx/zjtx.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void expect(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "FAIL: %s\n", what);
    failures++;
  }
}

static int streq(const char *a, const char *b) {
  return a && b && strcmp(a, b) == 0;
}

static char policy_path[4096], facts_path[4096];

static void load(zjtx_policy **p, zjtx_facts **f) {
  zjtx_error *err = NULL;
  if (zjtx_policy_load_file(policy_path, p, &err) != ZJTX_OK ||
      zjtx_facts_load(*p, facts_path, ZJTX_FACTS_STRICT, f, &err) != ZJTX_OK) {
    char *msg = zjtx_error_format(err);
    fprintf(stderr, "cannot load the sample: %s\n", msg);
    exit(1);
  }
}

/* The caller drops policy and facts first, as a garbage collector may; the
 * result keeps both alive.  36 entitlements, the first (rules of the base
 * policy come first) rd_base_subsidy of 21,500,000.00 x 3% = 645,000.00 to
 * enterprise 91320812MA0GWJDM0C of county 320812 (expected.json). */
static void test_free_order(void) {
  zjtx_policy *p = NULL;
  zjtx_facts *f = NULL;
  zjtx_result *r = NULL;
  load(&p, &f);
  expect(zjtx_evaluate(p, f, NULL, &r, NULL) == ZJTX_OK, "evaluate the sample");
  zjtx_facts_unref(f);
  zjtx_policy_unref(p);
  expect(zjtx_result_entitlement_count(r) == 36, "36 entitlements after facts and policy were dropped");
  expect(streq(zjtx_result_entitlement_rule(r, 0), "rd_base_subsidy"), "entitlement 0 is rd_base_subsidy");
  expect(streq(zjtx_result_entitlement_id(r, 0), "91320812MA0GWJDM0C"), "entitlement 0's id, read from the facts");
  expect(zjtx_result_entitlement_fen(r, 0) == 64500000, "entitlement 0 is 645000.00 yuan");
  expect(streq(zjtx_result_entitlement_related_id(r, 0, "county"), "320812"), "related id read from the facts");
  zjtx_explanation *ex = NULL;
  expect(zjtx_result_explain_entitlement(r, 0, &ex, NULL) == ZJTX_OK, "explain after the facts were dropped");
  zjtx_result_free(r);
  /* the explanation outlives the result too */
  expect(zjtx_explanation_node_count(ex) > 0, "the explanation after its result was freed");
  zjtx_explanation_free(ex);

  /* facts shared by two holders: each reference is dropped once */
  load(&p, &f);
  expect(zjtx_facts_ref(f) == f, "zjtx_facts_ref returns its argument");
  zjtx_facts_free(f); /* the 0.1 name drops one reference */
  expect(zjtx_facts_record_count(f, "enterprise") == 12, "facts alive while a reference remains (12 enterprises)");
  zjtx_facts_unref(f);
  zjtx_policy_unref(p);
  expect(zjtx_facts_ref(NULL) == NULL, "zjtx_facts_ref(NULL)");
  zjtx_facts_unref(NULL);
}

static void test_options_create(void) {
  zjtx_options *o = (zjtx_options *)&failures; /* set to NULL on failure */
  zjtx_error *err = NULL;
  expect(zjtx_options_create(&o, &err) == ZJTX_OK && o && !err, "zjtx_options_create");
  expect(zjtx_options_set_period(o, "2025", NULL) == ZJTX_OK, "options made by create take a period");
  zjtx_options_free(o);
  expect(zjtx_options_create(NULL, &err) == ZJTX_ERR_INVALID_ARG && zjtx_error_code(err) == ZJTX_ERR_INVALID_ARG,
         "zjtx_options_create(NULL)");
  zjtx_error_free(err);
  zjtx_options_free(zjtx_options_new()); /* the older form still works */
}

/* An error variable reused without clearing (common.h: *err must be NULL
 * on entry): a call that fails appends its error to the chain, so the
 * chain's head is still the old error; a call that succeeds leaves it. */
static void test_stale_error(void) {
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  expect(zjtx_policy_load_file("/nonexistent/policy.xml", &p, &err) == ZJTX_ERR_IO && err, "a first failure");
  const zjtx_error *first = err;
  zjtx_options *o = NULL;
  expect(zjtx_options_create(&o, &err) == ZJTX_OK && o, "a call that succeeds");
  expect(err == first && !zjtx_error_next(err), "a success leaves *err as it was");
  expect(zjtx_options_set_threads(o, -1, &err) == ZJTX_ERR_INVALID_ARG, "a second failure returns its own status");
  expect(err == first && zjtx_error_code(err) == ZJTX_ERR_IO && zjtx_error_count(err) == 2 &&
             zjtx_error_code(zjtx_error_next(err)) == ZJTX_ERR_INVALID_ARG,
         "the second error is appended after the stale one, which stays first");
  zjtx_options_free(o);
  zjtx_error_free(err);
}

static void test_rule_index(void) {
  zjtx_policy *p = NULL;
  zjtx_facts *f = NULL;
  load(&p, &f);
  size_t i = zjtx_policy_rule_index(p, "cluster_reward");
  expect(i != (size_t)-1 && streq(zjtx_policy_rule_id(p, i), "cluster_reward"), "rule_index(cluster_reward)");
  i = zjtx_policy_rule_index(p, "srdi_loan_rate_cap");
  expect(i != (size_t)-1 && zjtx_policy_rule_kind(p, i) == ZJTX_RULE_CHECK, "rule_index of a check");
  expect(zjtx_policy_rule_index(p, "no_such_rule") == (size_t)-1, "rule_index of an unknown id");
  expect(zjtx_policy_rule_index(NULL, "cluster_reward") == (size_t)-1, "rule_index(NULL)");
  zjtx_facts_unref(f);
  zjtx_policy_unref(p);
}

/* Value of a field read back; "(missing)" for a missing value, "(error N)". */
static void expect_field(const zjtx_facts *f, const char *entity, const char *id, const char *field, const char *want) {
  char *v = NULL, got[256];
  zjtx_status st = zjtx_facts_field_value(f, entity, id, field, &v, NULL);
  if (st != ZJTX_OK)
    snprintf(got, sizeof got, "(error %d)", (int)st);
  else
    snprintf(got, sizeof got, "%s", v ? v : "(missing)");
  zjtx_free(v);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "FAIL: %s %s .%s is %s, expected %s\n", entity, id, field, got, want);
    failures++;
  }
}

static void test_field_value(void) {
  zjtx_policy *p = NULL;
  zjtx_facts *f = NULL;
  load(&p, &f);
  const char *e1 = "91320812MA0GWJDM0C"; /* the first enterprise of the sample */
  expect_field(f, "enterprise", e1, "name", "淮安恒达精密机械股份有限公司");
  expect_field(f, "enterprise", e1, "revenue", "386000000.00");
  expect_field(f, "enterprise", e1, "invention_patents", "14");
  expect_field(f, "enterprise", e1, "cnc_rate", "86.5"); /* a rate reads back in percent */
  expect_field(f, "enterprise", e1, "county", "320812");
  expect_field(f, "loan", "LN-E01-1", "annual_rate", "3.55");
  expect_field(f, "loan", "LN-E01-1", "product", "srdi_loan");
  expect_field(f, "loan", "LN-E01-1", "signed_on", "2025-03-18");
  expect_field(f, "loan", "LN-E01-1", "enterprise", e1); /* the parent key */
  expect_field(f, "honor", "#1", "level", "srdi_sme");   /* honors have no key: "#N" */
  expect_field(f, "honor", "#1", "first_time", "true");
  expect_field(f, "cluster", "CL-320812-01", "level", "provincial");
  char code[32];
  snprintf(code, sizeof code, "(error %d)", (int)ZJTX_ERR_NOT_FOUND);
  expect_field(f, "enterprise", e1, "no_such_field", code);
  expect_field(f, "enterprise", "no-such-id", "name", code);
  expect_field(f, "no_such_entity", e1, "name", code);
  expect_field(f, "honor", "#999", "level", code);
  zjtx_facts_unref(f);

  /* an optional field left out is a missing value, not an empty text */
  static const char json[] = "{\"period\": \"2025\", \"counties\": [{\"id\": \"320812\", \"name\": \"清江浦区\"}],"
                             " \"enterprises\": [{\"id\": \"91320812MA0GWJDM0C\", \"name\": \"恒达\","
                             " \"county\": \"320812\", \"invention_patents\": 0}]}";
  zjtx_error *err = NULL;
  expect(zjtx_facts_load_json_buffer(p, json, strlen(json), "inline", &f, &err) == ZJTX_OK, "load inline facts");
  if (err) {
    char *msg = zjtx_error_format(err);
    fprintf(stderr, "  %s\n", msg);
    zjtx_free(msg);
    zjtx_error_free(err);
  }
  expect_field(f, "enterprise", e1, "revenue", "(missing)");
  expect_field(f, "enterprise", e1, "invention_patents", "0");
  char *v = (char *)"x";
  expect(zjtx_facts_field_value(f, "enterprise", e1, "revenue", &v, NULL) == ZJTX_OK && v == NULL,
         "a missing value: ZJTX_OK and NULL");
  zjtx_facts_unref(f);
  zjtx_policy_unref(p);
}

static size_t count(const char *s, const char *what) {
  size_t n = 0;
  for (const char *c = strstr(s, what); c; c = strstr(c + 1, what))
    n++;
  return n;
}

static void test_to_json(void) {
  zjtx_policy *p = NULL;
  zjtx_facts *f = NULL;
  zjtx_result *r = NULL;
  load(&p, &f);
  expect(zjtx_evaluate(p, f, NULL, &r, NULL) == ZJTX_OK, "evaluate the sample");
  char *json = NULL;
  expect(zjtx_result_to_json(r, ZJTX_JSON_DEFAULT, &json, NULL) == ZJTX_OK && json, "zjtx_result_to_json");
  if (json) {
    static const char head[] = "{\"policy\": \"huaian-2025-srdi\", \"period\": \"2025\",\n \"entitlements\": [\n  {";
    expect(strncmp(json, head, strlen(head)) == 0, "the JSON starts with policy, period and entitlements");
    expect(count(json, "\"beneficiary\": ") == 36, "36 entitlements in the JSON");
    expect(count(json, "\"check\": ") == 4, "4 violations in the JSON");
    expect(strstr(json, "{\"rule\": \"cluster_reward\", \"beneficiary\": \"county\", \"id\": \"320812\", "
                        "\"amount\": \"500000.00\", \"fen\": 50000000}") != NULL,
           "the first entitlement as JSON");
    expect(strstr(json, "\"undecided\": []}\n") != NULL, "no undecided item, and a closing newline");
  }
  zjtx_free(json);
  json = NULL;
  expect(zjtx_result_to_json(r, ZJTX_JSON_LINES, &json, NULL) == ZJTX_OK && json && count(json, "\n") == 40,
         "JSON lines: 36 + 4 lines");
  zjtx_free(json);
  json = (char *)"x";
  expect(zjtx_result_to_json(r, 64, &json, NULL) == ZJTX_ERR_INVALID_ARG && !json, "unknown flags are refused");
  expect(zjtx_result_to_json(NULL, 0, &json, NULL) == ZJTX_ERR_INVALID_ARG, "NULL result");
  zjtx_result_free(r);
  zjtx_facts_unref(f);
  zjtx_policy_unref(p);
}

static void test_version(void) {
  int major = -1, minor = -1, micro = -1;
  zjtx_version(&major, &minor, &micro);
  expect(major == ZJTX_VERSION_MAJOR && minor == ZJTX_VERSION_MINOR && micro == ZJTX_VERSION_MICRO,
         "zjtx_version() agrees with zjtx/version.h");
  char s[64];
  snprintf(s, sizeof s, "%d.%d.%d", major, minor, micro);
  expect(streq(s, zjtx_version_string()) && streq(s, ZJTX_VERSION_STRING), "the version string agrees");
  expect(zjtx_version_number() == ZJTX_VERSION_NUMBER, "the version number agrees");
  zjtx_version(NULL, NULL, NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test-api-bindings SOURCE_DIR\n");
    return 2;
  }
  snprintf(policy_path, sizeof policy_path, "%s/rules/huaian-2025.xml", argv[1]);
  snprintf(facts_path, sizeof facts_path, "%s/examples/huaian-2025/facts.json", argv[1]);
  test_free_order();
  test_options_create();
  test_stale_error();
  test_rule_index();
  test_field_value();
  test_to_json();
  test_version();
  if (!failures)
    printf("ok: free order, options_create, stale errors, rule_index, field_value, to_json, version\n");
  return failures ? 1 : 0;
}
