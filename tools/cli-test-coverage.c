/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test-coverage.c - the policies `zjtx test` loads (each once) and
 * their coverage: which rules and checks gave a result in some test, and
 * which clauses of the policy that covers. */
#include <string.h>

#include "cli-test.h"

void test_policy_use_free(gpointer data) {
  policy_use *u = data;
  g_free(u->shown);
  g_free(u->canonical);
  g_free(u->fired);
  g_free(u->named);
  g_hash_table_destroy(u->index);
  zjtx_policy_unref(u->p);
  g_free(u);
}

static policy_use *policy_use_new(const char *shown, const char *canonical, zjtx_policy *p) {
  size_t n = zjtx_policy_rule_count(p);
  policy_use *u = g_new0(policy_use, 1);
  u->shown = g_strdup(shown);
  u->canonical = g_strdup(canonical);
  u->p = p;
  u->fired = g_new0(guint, n ? n : 1);
  u->named = g_new0(guint, n ? n : 1);
  u->index = g_hash_table_new(g_str_hash, g_str_equal);
  for (size_t i = 0; i < n; i++)
    g_hash_table_insert(u->index, (gpointer)zjtx_policy_rule_id(p, i), GSIZE_TO_POINTER(i + 1));
  return u;
}

/* The policy at @path, loaded on first use; NULL (reported) if it does not
 * load. */
policy_use *test_use_policy(test_file *tf, const char *path, int line) {
  test_runner *r = tf->r;
  g_autofree char *canonical = g_canonicalize_filename(path, NULL);
  for (guint i = 0; i < r->uses->len; i++) {
    policy_use *u = g_ptr_array_index(r->uses, i);
    if (strcmp(u->canonical, canonical) == 0)
      return u;
  }
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  if (cli_load_policy(path, NULL, &p, &err) != ZJTX_OK) {
    g_autofree char *msg = zjtx_error_format(err);
    test_file_error(r, tf->path, line, "policy %s does not load: %s", path, msg);
    zjtx_error_free(err);
    return NULL;
  }
  g_autofree char *cwd = g_get_current_dir();
  const char *shown =
      g_str_has_prefix(canonical, cwd) && canonical[strlen(cwd)] == '/' ? canonical + strlen(cwd) + 1 : canonical;
  policy_use *u = policy_use_new(shown, canonical, p);
  g_ptr_array_add(r->uses, u);
  return u;
}

/* Index of rule or check @id, or -1. */
gssize test_rule_index(const policy_use *u, const char *id) {
  return (gssize)GPOINTER_TO_SIZE(g_hash_table_lookup(u->index, id)) - 1;
}

gssize test_find_entity(const zjtx_policy *p, const char *name) {
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++)
    if (strcmp(zjtx_policy_entity_name(p, e), name) == 0)
      return (gssize)e;
  return -1;
}

/* Which rules and checks gave a result in this test. */
void test_note_coverage(test_run *t) {
  policy_use *u = t->tf->use;
  size_t n = zjtx_policy_rule_count(u->p);
  g_autofree guint8 *hit = g_new0(guint8, n ? n : 1);
  for (size_t i = 0; i < zjtx_result_entitlement_count(t->res); i++) {
    gssize r = test_rule_index(u, zjtx_result_entitlement_rule(t->res, i));
    if (r >= 0)
      hit[r] = 1;
  }
  for (size_t i = 0; i < zjtx_result_violation_count(t->res); i++) {
    gssize r = test_rule_index(u, zjtx_result_violation_check(t->res, i));
    if (r >= 0)
      hit[r] = 1;
  }
  for (size_t r = 0; r < n; r++)
    u->fired[r] += hit[r];
  u->tests++;
}

/* The distinct clauses of the policy's rules, in order of first mention. */
static GPtrArray *policy_clauses(const zjtx_policy *p) {
  GPtrArray *clauses = g_ptr_array_new();
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++) {
    const char *c = zjtx_policy_rule_clause(p, i);
    bool known = false;
    for (guint k = 0; c && k < clauses->len; k++)
      known = known || strcmp(g_ptr_array_index(clauses, k), c) == 0;
    if (c && !known)
      g_ptr_array_add(clauses, (gpointer)c);
  }
  return clauses;
}

/* One line per clause; returns how many are covered (a rule of it fired). */
static guint print_clauses(const policy_use *u, GPtrArray *clauses) {
  guint covered = 0;
  for (guint k = 0; k < clauses->len; k++) {
    const char *c = g_ptr_array_index(clauses, k);
    guint rules = 0, fired = 0;
    for (size_t i = 0; i < zjtx_policy_rule_count(u->p); i++) {
      const char *ci = zjtx_policy_rule_clause(u->p, i);
      if (ci && strcmp(ci, c) == 0) {
        rules++;
        fired += u->fired[i] > 0;
      }
    }
    covered += fired > 0;
    printf("  clause %-12s %s: %u of %u rules and checks fired\n", c, fired ? "covered" : "NEVER EXERCISED", fired,
           rules);
  }
  return covered;
}

/* The coverage block of one policy; returns whether every rule fired. */
static bool print_coverage(const policy_use *u) {
  const zjtx_policy *p = u->p;
  size_t n = zjtx_policy_rule_count(p), fired = 0;
  printf("\ncoverage of %s (%s) by %u test%s:\n", zjtx_policy_id(p), u->shown, u->tests, u->tests == 1 ? "" : "s");
  for (size_t i = 0; i < n; i++) {
    const char *clause = zjtx_policy_rule_clause(p, i);
    g_autofree char *fired_text = u->fired[i]
                                      ? g_strdup_printf("fired in %u test%s", u->fired[i], u->fired[i] == 1 ? "" : "s")
                                      : g_strdup("NEVER FIRED");
    printf("  %-5s %-34s %-10s %-20s %u expectation%s\n",
           zjtx_policy_rule_kind(p, i) == ZJTX_RULE_CHECK ? "check" : "rule", zjtx_policy_rule_id(p, i),
           clause ? clause : "-", fired_text, u->named[i], u->named[i] == 1 ? "" : "s");
    fired += u->fired[i] > 0;
  }
  g_autoptr(GPtrArray) clauses = policy_clauses(p);
  guint covered = print_clauses(u, clauses);
  printf("  %zu of %zu rules and checks fired; %u of %u clauses covered\n", fired, n, covered, clauses->len);
  return fired == n;
}

/* Coverage of every policy used; false when --require-coverage is not met. */
bool test_report_coverage(const test_runner *r) {
  bool complete = true;
  for (guint i = 0; i < r->uses->len; i++)
    complete = print_coverage(g_ptr_array_index(r->uses, i)) && complete;
  if (!complete && r->require_coverage) {
    printf("\ncoverage incomplete: some rules or checks never fired (--require-coverage)\n");
    return false;
  }
  return true;
}
