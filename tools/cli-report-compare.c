/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-report-compare.c - `zjtx simulate`: the comparison of two results of
 * the same facts, one under a base policy and one under a reform: totals
 * per rule and per county, who gains and who loses, violations per check,
 * and every individual change.  Exact, in int64 fen. */
#include <stdlib.h>
#include <string.h>

#include "cli-report.h"

/* One (rule, beneficiary) under both, or one beneficiary over all rules. */
typedef struct {
  const char *rule, *entity, *id, *group;
  int64_t base, reform;
} amounts;

/* The state of one comparison. */
typedef struct {
  sim_report *r;
  GHashTable *rule_at, *check_at, *group_at; /* id -> index + 1 */
  GHashTable *undecided_at;                  /* id -> index + 1 */
  GHashTable *pair_at, *who_at;              /* owned keys -> index + 1 */
  GArray *pairs, *who;                       /* amounts */
  size_t none_at;                            /* the NULL group's index + 1, or 0 */
  bool ok;
} builder;

/* *acc += v, exactly; an overflow marks the comparison failed. */
static void add_to(builder *b, int64_t *acc, int64_t v) {
  if (__builtin_add_overflow(*acc, v, acc))
    b->ok = false;
}

/* The index of `key` in a table, creating it with `make` when absent. */
static size_t index_of(GHashTable *at, const char *key, GArray *arr, const void *make) {
  gpointer v = g_hash_table_lookup(at, key);
  if (v)
    return GPOINTER_TO_SIZE(v) - 1;
  g_array_append_vals(arr, make, 1);
  g_hash_table_insert(at, (gpointer)key, GSIZE_TO_POINTER(arr->len));
  return arr->len - 1;
}

static void add_rule(builder *b, const zjtx_policy *p, size_t i, int side) {
  const char *id = zjtx_policy_rule_id(p, i);
  bool check = zjtx_policy_rule_kind(p, i) == ZJTX_RULE_CHECK;
  if (check) {
    sim_check make = {.id = id};
    size_t at = index_of(b->check_at, id, b->r->checks, &make); /* before g_array_index: it may grow */
    sim_check *c = &g_array_index(b->r->checks, sim_check, at);
    c->in |= side;
    c->title = zjtx_policy_rule_title(p, i, "zh"); /* the reform's, when it has the check */
    return;
  }
  sim_rule make = {.id = id};
  size_t at = index_of(b->rule_at, id, b->r->rules, &make);
  sim_rule *r = &g_array_index(b->r->rules, sim_rule, at);
  r->in |= side;
  r->title = zjtx_policy_rule_title(p, i, "zh");
  r->clause = zjtx_policy_rule_clause(p, i);
}

static void add_rules(builder *b, const zjtx_policy *p, int side) {
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++)
    add_rule(b, p, i, side);
}

/* The amounts of `key` (owned, freed here when already known). */
static amounts *entry(GHashTable *at, GArray *arr, char *key) {
  gpointer v = g_hash_table_lookup(at, key);
  if (v) {
    g_free(key);
    return &g_array_index(arr, amounts, GPOINTER_TO_SIZE(v) - 1);
  }
  amounts zero = {0};
  g_array_append_val(arr, zero);
  g_hash_table_insert(at, key, GSIZE_TO_POINTER(arr->len));
  return &g_array_index(arr, amounts, arr->len - 1);
}

/* Records one entitlement of a result into its pair and its beneficiary. */
static void collect_one(builder *b, const zjtx_result *res, size_t i, int side) {
  const char *rule = zjtx_result_entitlement_rule(res, i), *entity = zjtx_result_entitlement_entity(res, i),
             *id = zjtx_result_entitlement_id(res, i);
  int64_t fen = zjtx_result_entitlement_fen(res, i);
  const char *group = b->r->group_by ? zjtx_result_entitlement_related_id(res, i, b->r->group_by) : NULL;
  amounts *pair = entry(b->pair_at, b->pairs, g_strjoin("\x1f", rule, entity, id, NULL));
  amounts *who = entry(b->who_at, b->who, g_strjoin("\x1f", entity, id, NULL));
  if (!pair->rule)
    *pair = (amounts){.rule = rule, .entity = entity, .id = id, .group = group};
  if (!who->entity)
    *who = (amounts){.entity = entity, .id = id, .group = group};
  add_to(b, side == SIM_IN_BASE ? &pair->base : &pair->reform, fen);
  add_to(b, side == SIM_IN_BASE ? &who->base : &who->reform, fen);
}

static void collect(builder *b, const zjtx_result *res, int side) {
  for (size_t i = 0; i < zjtx_result_entitlement_count(res); i++)
    collect_one(b, res, i, side);
}

/* Adds one (base, reform) couple to totals: sums and who gains. */
static void tally(builder *b, sim_totals *t, int64_t base, int64_t reform, bool count) {
  add_to(b, &t->base, base);
  add_to(b, &t->reform, reform);
  if (!count)
    return;
  if (reform > base)
    t->gainers++;
  else if (reform < base)
    t->losers++;
  else
    t->unchanged++;
}

/* The group of `id`; NULL: the group of beneficiaries related to none. */
static sim_group *group_of(builder *b, const char *id) {
  GArray *groups = b->r->groups;
  if (id) {
    sim_group make = {.id = id};
    size_t at = index_of(b->group_at, id, groups, &make);
    return &g_array_index(groups, sim_group, at);
  }
  if (!b->none_at) {
    sim_group none = {0};
    g_array_append_val(groups, none);
    b->none_at = groups->len;
  }
  return &g_array_index(groups, sim_group, b->none_at - 1);
}

static size_t rule_index(builder *b, const char *id) {
  sim_rule make = {.id = id, .title = id};
  return index_of(b->rule_at, id, b->r->rules, &make);
}

/* Rules count (rule, beneficiary) couples; groups and the total count
 * beneficiaries by their amount over all rules. */
static void tally_all(builder *b) {
  for (guint i = 0; i < b->pairs->len; i++) {
    const amounts *a = &g_array_index(b->pairs, amounts, i);
    size_t ri = rule_index(b, a->rule);
    tally(b, &g_array_index(b->r->rules, sim_rule, ri).t, a->base, a->reform, true);
    if (a->base != a->reform) {
      sim_change c = {.rule = a->rule,
                      .entity = a->entity,
                      .id = a->id,
                      .group = a->group,
                      .rule_index = ri,
                      .base = a->base,
                      .reform = a->reform};
      g_array_append_val(b->r->changes, c);
    }
  }
  for (guint i = 0; i < b->who->len; i++) {
    const amounts *a = &g_array_index(b->who, amounts, i);
    if (b->r->group_by)
      tally(b, &group_of(b, a->group)->t, a->base, a->reform, true);
    tally(b, &b->r->total, a->base, a->reform, true);
  }
}

static void set_diff(builder *b, sim_totals *t) {
  if (__builtin_sub_overflow(t->reform, t->base, &t->diff))
    b->ok = false;
}

static void set_diffs(builder *b) {
  sim_report *r = b->r;
  for (guint i = 0; i < r->rules->len; i++)
    set_diff(b, &g_array_index(r->rules, sim_rule, i).t);
  for (guint i = 0; i < r->groups->len; i++)
    set_diff(b, &g_array_index(r->groups, sim_group, i).t);
  set_diff(b, &r->total);
  for (guint i = 0; i < r->changes->len; i++) {
    sim_change *c = &g_array_index(r->changes, sim_change, i);
    if (__builtin_sub_overflow(c->reform, c->base, &c->diff))
      b->ok = false;
  }
}

static void count_violations(builder *b, const zjtx_result *res, int side) {
  for (size_t i = 0; i < zjtx_result_violation_count(res); i++) {
    const char *id = zjtx_result_violation_check(res, i);
    sim_check make = {.id = id, .title = id};
    size_t at = index_of(b->check_at, id, b->r->checks, &make);
    sim_check *c = &g_array_index(b->r->checks, sim_check, at);
    if (side == SIM_IN_BASE)
      c->base++;
    else
      c->reform++;
  }
}

/* Undecided (rule or check, subject) pairs per rule: what neither total
 * counts yet because data is missing. */
static void count_undecided(builder *b, const zjtx_result *res, int side) {
  for (size_t i = 0; i < zjtx_result_undecided_count(res); i++) {
    const char *id = zjtx_result_undecided_rule(res, i);
    sim_check make = {.id = id, .title = id, .in = SIM_IN_BOTH};
    size_t at = index_of(b->undecided_at, id, b->r->undecided, &make);
    sim_check *c = &g_array_index(b->r->undecided, sim_check, at);
    if (side == SIM_IN_BASE)
      c->base++;
    else
      c->reform++;
  }
}

static gint compare_groups(gconstpointer x, gconstpointer y) {
  const sim_group *a = x, *b = y;
  if (!a->id || !b->id)
    return (a->id == NULL) - (b->id == NULL);
  return strcmp(a->id, b->id);
}

static uint64_t magnitude(int64_t v) {
  return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* Largest |diff| first; then rule order, beneficiary entity and id. */
static gint compare_changes(gconstpointer x, gconstpointer y) {
  const sim_change *a = x, *b = y;
  uint64_t ma = magnitude(a->diff), mb = magnitude(b->diff);
  if (ma != mb)
    return ma > mb ? -1 : 1;
  if (a->rule_index != b->rule_index)
    return a->rule_index < b->rule_index ? -1 : 1;
  int c = strcmp(a->entity, b->entity);
  return c ? c : strcmp(a->id, b->id);
}

static void builder_init(builder *b, sim_report *r) {
  *b = (builder){.r = r, .ok = true};
  b->rule_at = g_hash_table_new(g_str_hash, g_str_equal);
  b->check_at = g_hash_table_new(g_str_hash, g_str_equal);
  b->undecided_at = g_hash_table_new(g_str_hash, g_str_equal);
  b->group_at = g_hash_table_new(g_str_hash, g_str_equal);
  b->pair_at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  b->who_at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  b->pairs = g_array_new(FALSE, TRUE, sizeof(amounts));
  b->who = g_array_new(FALSE, TRUE, sizeof(amounts));
}

static void builder_clear(builder *b) {
  g_hash_table_unref(b->rule_at);
  g_hash_table_unref(b->check_at);
  g_hash_table_unref(b->undecided_at);
  g_hash_table_unref(b->group_at);
  g_hash_table_unref(b->pair_at);
  g_hash_table_unref(b->who_at);
  g_array_unref(b->pairs);
  g_array_unref(b->who);
}

/* The funds of one side's budgets, matched to the other side's by budget
 * id and group. */
static void collect_budgets(sim_report *r, const zjtx_result *res, int in) {
  int side = in == SIM_IN_BASE ? 0 : 1;
  for (size_t i = 0; i < zjtx_result_budget_count(res); i++) {
    const char *id = zjtx_result_budget_id(res, i), *group = zjtx_result_budget_group(res, i);
    sim_budget *b = NULL;
    for (guint k = 0; k < r->budgets->len && !b; k++) {
      sim_budget *x = &g_array_index(r->budgets, sim_budget, k);
      if (strcmp(x->id, id) == 0 && g_strcmp0(x->group, group) == 0)
        b = x;
    }
    if (!b) {
      g_array_set_size(r->budgets, r->budgets->len + 1);
      b = &g_array_index(r->budgets, sim_budget, r->budgets->len - 1);
      b->id = id;
      b->group = group;
    }
    b->in |= in;
    zjtx_result_budget_amounts(res, i, &b->cap[side], &b->claims[side], &b->paid[side], &b->scaled[side],
                               &b->undecided[side]);
  }
}

bool sim_report_build(sim_report *r, const zjtx_policy *base, const zjtx_result *base_res, const zjtx_policy *reform,
                      const zjtx_result *reform_res) {
  *r = (sim_report){.base = base,
                    .reform = reform,
                    .period = zjtx_result_period(base_res),
                    .group_by = cli_summary_default_entity(base)};
  r->rules = g_array_new(FALSE, TRUE, sizeof(sim_rule));
  r->groups = g_array_new(FALSE, TRUE, sizeof(sim_group));
  r->checks = g_array_new(FALSE, TRUE, sizeof(sim_check));
  r->undecided = g_array_new(FALSE, TRUE, sizeof(sim_check));
  r->changes = g_array_new(FALSE, TRUE, sizeof(sim_change));
  r->budgets = g_array_new(FALSE, TRUE, sizeof(sim_budget));
  collect_budgets(r, base_res, SIM_IN_BASE);
  collect_budgets(r, reform_res, SIM_IN_REFORM);
  builder b;
  builder_init(&b, r);
  add_rules(&b, base, SIM_IN_BASE);
  add_rules(&b, reform, SIM_IN_REFORM);
  collect(&b, base_res, SIM_IN_BASE);
  collect(&b, reform_res, SIM_IN_REFORM);
  tally_all(&b);
  set_diffs(&b);
  count_violations(&b, base_res, SIM_IN_BASE);
  count_violations(&b, reform_res, SIM_IN_REFORM);
  count_undecided(&b, base_res, SIM_IN_BASE);
  count_undecided(&b, reform_res, SIM_IN_REFORM);
  builder_clear(&b);
  g_array_sort(r->groups, compare_groups);
  g_array_sort(r->changes, compare_changes);
  if (!b.ok)
    cli_message("simulate: a total exceeds the exact money range");
  return b.ok;
}

void sim_report_clear(sim_report *r) {
  if (r->rules)
    g_array_unref(r->rules);
  if (r->groups)
    g_array_unref(r->groups);
  if (r->checks)
    g_array_unref(r->checks);
  if (r->changes)
    g_array_unref(r->changes);
  if (r->undecided)
    g_array_unref(r->undecided);
  if (r->budgets)
    g_array_unref(r->budgets);
  memset(r, 0, sizeof *r);
}

void sim_report_name(sim_report *r, const zjtx_facts *facts) {
  for (guint i = 0; i < r->groups->len; i++) {
    sim_group *g = &g_array_index(r->groups, sim_group, i);
    g->name = g->id ? zjtx_facts_record_label(facts, r->group_by, g->id) : NULL;
  }
  for (guint i = 0; i < r->changes->len; i++) {
    sim_change *c = &g_array_index(r->changes, sim_change, i);
    c->name = zjtx_facts_record_label(facts, c->entity, c->id);
    c->group_name = c->group ? zjtx_facts_record_label(facts, r->group_by, c->group) : NULL;
  }
}
