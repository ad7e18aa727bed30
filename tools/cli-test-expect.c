/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test-expect.c - `zjtx test` compares: each expectation against the
 * results, exactly as text; each failure names the expected and actual
 * values, with the explanation of the actual one (printed through
 * cli-test-common.c). */
#include <string.h>

#include "cli-test.h"

static void explain_entitlement(const zjtx_result *res, size_t i) {
  zjtx_explanation *ex = NULL;
  zjtx_result_explain_entitlement(res, i, &ex, NULL);
  test_fail_explanation(ex);
}

static void explain_violation(const zjtx_result *res, size_t i) {
  zjtx_explanation *ex = NULL;
  zjtx_result_explain_violation(res, i, &ex, NULL);
  test_fail_explanation(ex);
}

static char *rule_names(const zjtx_policy *p, zjtx_rule_kind kind) {
  GString *s = g_string_new(NULL);
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++)
    if (zjtx_policy_rule_kind(p, i) == kind)
      g_string_append_printf(s, "%s%s", s->len ? ", " : "", zjtx_policy_rule_id(p, i));
  return g_string_free(s, FALSE);
}

static char *pair_key(const char *rule, const char *id) {
  return g_strdup_printf("%s\037%s", rule, id);
}

/* Indexes the results by rule (or check) and id, for the expectations. */
void test_index_results(test_run *t) {
  const zjtx_result *res = t->res;
  size_t ne = zjtx_result_entitlement_count(res), nv = zjtx_result_violation_count(res);
  t->ent_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  t->viol_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (size_t i = 0; i < ne; i++)
    g_hash_table_insert(t->ent_index,
                        pair_key(zjtx_result_entitlement_rule(res, i), zjtx_result_entitlement_id(res, i)),
                        GSIZE_TO_POINTER(i + 1));
  for (size_t i = 0; i < nv; i++)
    g_hash_table_insert(t->viol_index, pair_key(zjtx_result_violation_check(res, i), zjtx_result_violation_id(res, i)),
                        GSIZE_TO_POINTER(i + 1));
  t->ent_seen = g_new0(guint8, ne + 1);
  t->viol_seen = g_new0(guint8, nv + 1);
  size_t nu = zjtx_result_undecided_count(res);
  t->und_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (size_t i = 0; i < nu; i++)
    g_hash_table_insert(t->und_index, pair_key(zjtx_result_undecided_rule(res, i), zjtx_result_undecided_id(res, i)),
                        GSIZE_TO_POINTER(i + 1));
  t->und_seen = g_new0(guint8, nu + 1);
}

/* "enterprise 9132... rd_expense_prev, loan L1 interest_paid": what an
 * undecided result lacks, sorted (expectations list them in any order). */
static char *missing_list(const zjtx_result *res, size_t i) {
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
  for (size_t j = 0; j < zjtx_result_undecided_missing_count(res, i); j++)
    g_ptr_array_add(items, g_strdup_printf("%s %s %s", zjtx_result_undecided_missing_entity(res, i, j),
                                           zjtx_result_undecided_missing_id(res, i, j),
                                           zjtx_result_undecided_missing_field(res, i, j)));
  return test_join_sorted(items);
}

/* Index of the result of @rule for @id in @index, or (size_t)-1. */
static size_t find_result(GHashTable *index, const char *rule, const char *id) {
  g_autofree char *k = pair_key(rule, id);
  return GPOINTER_TO_SIZE(g_hash_table_lookup(index, k)) - 1;
}

/* The rule or check @id of kind @kind, counted as named; -1 (reported) if the
 * policy has none. */
static gssize named_rule(test_run *t, const xmlNode *n, const char *id, zjtx_rule_kind kind) {
  policy_use *u = t->tf->use;
  gssize i = test_rule_index(u, id);
  if (i >= 0 && zjtx_policy_rule_kind(u->p, (size_t)i) == kind) {
    u->named[i]++;
    return i;
  }
  if (i < 0) {
    g_autofree char *list = rule_names(u->p, kind);
    test_fail(t, n, "the policy has no %s \"%s\" (it has: %s)", kind == ZJTX_RULE_CHECK ? "check" : "rule", id,
              list[0] ? list : "none");
  } else if (kind == ZJTX_RULE_CHECK) {
    test_fail(t, n, "%s is a rule, not a check: use <expect rule=\"%s\" ...>", id, id);
  } else {
    test_fail(t, n, "%s is a check, not a rule: use <expect-violation check=\"%s\" ...> or <expect-no-violation>", id,
              id);
  }
  return -1;
}

/* Is there a record @id of the rule's subject?  Only known when every record
 * is inline and the subject has an id field; otherwise assumed. */
static bool record_exists(test_run *t, gssize rule, const char *id) {
  const zjtx_policy *p = t->tf->use->p;
  const char *subject = zjtx_policy_rule_subject(p, (size_t)rule);
  gssize e = test_find_entity(p, subject);
  if (!t->ids_complete || e < 0 || !zjtx_policy_entity_key(p, (size_t)e))
    return true;
  g_autofree char *k = g_strdup_printf("%s\037%s", subject, id);
  return g_hash_table_contains(t->ids, k);
}

/* A decided result was expected: fails when the facts left it undecided. */
static bool undecided_instead(test_run *t, const xmlNode *n, const char *rule, const char *id, const char *wanted) {
  size_t u = find_result(t->und_index, rule, id);
  if (u == (size_t)-1)
    return false;
  t->und_seen[u] = 1;
  g_autofree char *missing = missing_list(t->res, u);
  test_fail(t, n, "%s %s: expected %s, got undecided (missing: %s)", rule, id, wanted, missing);
  return true;
}

static void expect_entitlement(test_run *t, const xmlNode *n) {
  const char *rule = test_prop(t->tf, n, "rule"), *id = test_prop(t->tf, n, "id");
  const char *amount = test_prop(t->tf, n, "amount");
  gssize ri = named_rule(t, n, rule, ZJTX_RULE_ENTITLEMENT);
  if (ri < 0)
    return;
  if (!record_exists(t, ri, id)) {
    test_fail(t, n, "%s %s: the facts have no %s with that id", rule, id,
              zjtx_policy_rule_subject(t->tf->use->p, (size_t)ri));
    return;
  }
  if (undecided_instead(t, n, rule, id, amount ? amount : "no entitlement"))
    return;
  size_t i = find_result(t->ent_index, rule, id);
  if (i != (size_t)-1)
    t->ent_seen[i] = 1;
  const char *got = i != (size_t)-1 ? zjtx_result_entitlement_amount(t->res, i) : NULL;
  if (amount ? got && strcmp(amount, got) == 0 : !got)
    return;
  test_fail(t, n, "%s %s: expected %s, got %s", rule, id, amount ? amount : "no entitlement",
            got ? got : "no entitlement");
  if (got)
    explain_entitlement(t->res, i);
}

static void expect_violation(test_run *t, const xmlNode *n, bool wanted) {
  const char *check = test_prop(t->tf, n, "check"), *id = test_prop(t->tf, n, "id");
  if (named_rule(t, n, check, ZJTX_RULE_CHECK) < 0)
    return;
  if (undecided_instead(t, n, check, id, wanted ? "a violation" : "no violation"))
    return;
  size_t i = find_result(t->viol_index, check, id);
  if (i != (size_t)-1)
    t->viol_seen[i] = 1;
  bool found = i != (size_t)-1;
  if (found == wanted)
    return;
  test_fail(t, n, "%s %s: expected %s, got %s", check, id, wanted ? "a violation" : "no violation",
            found ? "a violation" : "none");
  if (found)
    explain_violation(t->res, i);
}

/* <expect-undecided rule|check= id=> with its <missing entity= id= field=/>. */
static void expect_undecided(test_run *t, const xmlNode *n) {
  const char *check = test_prop(t->tf, n, "check");
  const char *rule = check ? check : test_prop(t->tf, n, "rule"), *id = test_prop(t->tf, n, "id");
  if (named_rule(t, n, rule, check ? ZJTX_RULE_CHECK : ZJTX_RULE_ENTITLEMENT) < 0)
    return;
  g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
  for (const xmlNode *c = n->children; c; c = c->next)
    if (test_is_element(c, "missing"))
      g_ptr_array_add(want, g_strdup_printf("%s %s %s", test_prop(t->tf, c, "entity"), test_prop(t->tf, c, "id"),
                                            test_prop(t->tf, c, "field")));
  g_autofree char *wanted = test_join_sorted(want);
  size_t u = find_result(t->und_index, rule, id);
  if (u == (size_t)-1) {
    size_t i = find_result(check ? t->viol_index : t->ent_index, rule, id);
    const char *got = i == (size_t)-1 ? (check ? "no violation" : "no entitlement")
                      : check         ? "a violation"
                                      : zjtx_result_entitlement_amount(t->res, i);
    test_fail(t, n, "%s %s: expected undecided (missing: %s), got %s", rule, id, wanted, got);
    return;
  }
  t->und_seen[u] = 1;
  g_autofree char *got = missing_list(t->res, u);
  if (strcmp(got, wanted) != 0)
    test_fail(t, n, "%s %s: expected undecided, missing: %s; got missing: %s", rule, id, wanted, got);
}

static void expect_derived(test_run *t, const xmlNode *n) {
  const char *entity = test_prop(t->tf, n, "entity"), *id = test_prop(t->tf, n, "id");
  const char *name = test_prop(t->tf, n, "name"), *want = test_prop(t->tf, n, "value");
  char *got = NULL;
  zjtx_error *err = NULL;
  if (zjtx_result_derived_value(t->res, entity, id, name, &got, &err) != ZJTX_OK) {
    test_fail_error(t, n, "derived value", err);
    zjtx_error_free(err);
    return;
  }
  if (strcmp(got, want) != 0)
    test_fail(t, n, "%s %s %s: expected %s, got %s", entity, id, name, want, got);
  zjtx_free(got);
}

void test_check_expectations(test_run *t) {
  for (const xmlNode *c = t->node->children; c; c = c->next) {
    if (test_is_element(c, "expect"))
      expect_entitlement(t, c);
    else if (test_is_element(c, "expect-violation"))
      expect_violation(t, c, true);
    else if (test_is_element(c, "expect-no-violation"))
      expect_violation(t, c, false);
    else if (test_is_element(c, "expect-derived"))
      expect_derived(t, c);
    else if (test_is_element(c, "expect-undecided"))
      expect_undecided(t, c);
  }
}

/* exact="true": every result must be one an expectation named. */
void test_check_exact(test_run *t) {
  const zjtx_result *res = t->res;
  for (size_t i = 0; i < zjtx_result_entitlement_count(res); i++) {
    if (t->ent_seen[i])
      continue;
    test_fail(t, t->node, "unexpected entitlement %s %s %s (exact=\"true\")", zjtx_result_entitlement_rule(res, i),
              zjtx_result_entitlement_id(res, i), zjtx_result_entitlement_amount(res, i));
    explain_entitlement(res, i);
  }
  for (size_t i = 0; i < zjtx_result_violation_count(res); i++) {
    if (t->viol_seen[i])
      continue;
    test_fail(t, t->node, "unexpected violation %s %s (exact=\"true\")", zjtx_result_violation_check(res, i),
              zjtx_result_violation_id(res, i));
    explain_violation(res, i);
  }
  for (size_t i = 0; i < zjtx_result_undecided_count(res); i++) {
    if (t->und_seen[i])
      continue;
    g_autofree char *missing = missing_list(res, i);
    test_fail(t, t->node, "unexpected undecided %s %s, missing: %s (exact=\"true\")",
              zjtx_result_undecided_rule(res, i), zjtx_result_undecided_id(res, i), missing);
  }
}
