/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-report-compare.c - `zjtx simulate`: the comparison of two results of
 * the same facts, one under a base policy and one under a reform: totals
 * per rule and per county, who gains and who loses, violations per check,
 * and every individual change.  Exact, in int64 fen. */
#include <stdlib.h>
#include <string.h>

#include "cli-report.h"

/* One beneficiary, an (entity, id), over all rules. */
typedef struct {
  const char *id;
  int64_t base, reform; /* over all rules */
  uint32_t hash;
  uint32_t entity; /* into builder.entities */
  uint32_t first;  /* its first entitlement (an item) */
  uint32_t at;     /* its pair in builder.pairs while its rule is counted */
} person;

/* One (rule, beneficiary) while its rule is counted. */
typedef struct {
  uint32_t who, first; /* the person; the pair's first entitlement (an item) */
  int64_t base, reform;
} pair;

/* A (rule, beneficiary) whose amount differs: its rule and first entitlement. */
typedef struct {
  uint32_t rule, first;
  int64_t base, reform, diff;
} change;

/* The entitlements of one rule next to each other in one result. */
typedef struct {
  uint32_t rule, side; /* side 0 the base, 1 the reform */
  size_t start, end;
} run;

/* The state of one comparison.  An entitlement is named by an item: its
 * index in its result, with the reform's marked by the top bit, so that
 * the smaller item is the one met first (the base before the reform). */
typedef struct {
  sim_report *r;
  const zjtx_result *res[2];
  GHashTable *rule_at, *check_at, *group_at; /* id -> index + 1 */
  GHashTable *undecided_at;                  /* id -> index + 1 */
  GPtrArray *entities;                       /* beneficiary entity names, borrowed */
  person *people;                            /* every beneficiary: at most one per entitlement */
  size_t n_people;
  uint32_t *slots; /* person + 1 by the hash of its entity and id; 0 empty */
  uint32_t mask;   /* slots - 1 */
  GArray *pairs;   /* pair: the current rule's */
  GArray *changes; /* change */
  size_t none_at;  /* the NULL group's index + 1, or 0 */
  bool ok;
} builder;

enum { REFORM_ITEM = 0x80000000u };

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

/* ---- beneficiaries ------------------------------------------------------ */

static const zjtx_result *item_result(const builder *b, uint32_t item) {
  return b->res[item & REFORM_ITEM ? 1 : 0];
}
static size_t item_index(uint32_t item) {
  return item & ~REFORM_ITEM;
}
static const char *item_entity(const builder *b, uint32_t item) {
  return zjtx_result_entitlement_entity(item_result(b, item), item_index(item));
}
static const char *item_id(const builder *b, uint32_t item) {
  return zjtx_result_entitlement_id(item_result(b, item), item_index(item));
}

/* The index of a beneficiary entity's name: a handful per policy. */
static uint32_t entity_index(builder *b, const char *name) {
  for (guint i = 0; i < b->entities->len; i++) {
    const char *known = g_ptr_array_index(b->entities, i);
    if (known == name || strcmp(known, name) == 0)
      return i;
  }
  g_ptr_array_add(b->entities, (gpointer)name);
  return b->entities->len - 1;
}

/* FNV-1a over the id, the entity mixed in, then a finalizer (murmur3's). */
static uint32_t person_hash(uint32_t entity, const char *id) {
  uint32_t h = 2166136261u ^ (entity * 0x9e3779b9u);
  for (const unsigned char *p = (const unsigned char *)id; *p; p++)
    h = (h ^ *p) * 16777619u;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

/* Twice the slots (the people's hashes say where each goes). */
static void grow_slots(builder *b) {
  uint32_t cap = (b->mask + 1) * 2;
  g_free(b->slots);
  b->slots = g_new0(uint32_t, cap);
  b->mask = cap - 1;
  for (size_t w = 0; w < b->n_people; w++) {
    uint32_t i = b->people[w].hash & b->mask;
    while (b->slots[i])
      i = (i + 1) & b->mask;
    b->slots[i] = (uint32_t)w + 1;
  }
}

static uint32_t new_person(builder *b, uint32_t at_slot, uint32_t entity, const char *id, uint32_t hash,
                           uint32_t item) {
  uint32_t w = (uint32_t)b->n_people++;
  b->people[w] = (person){.id = id, .hash = hash, .entity = entity, .first = item, .at = UINT32_MAX};
  b->slots[at_slot] = w + 1;
  if (b->n_people * 2 > (size_t)b->mask + 1) /* at most half full */
    grow_slots(b);
  return w;
}

/* The beneficiary of entitlement `item`, made on first sight.  `guess`
 * and the few made after it are tried first: the same id text (the
 * facts', when both results read the same facts) of the same entity is
 * the same beneficiary, found without hashing.  A few: a rule's
 * beneficiaries are often most of another's, in the same order. */
enum { GUESSES = 4 };
static uint32_t person_of(builder *b, uint32_t item, uint32_t guess) {
  uint32_t entity = entity_index(b, item_entity(b, item));
  const char *id = item_id(b, item);
  for (uint32_t w = guess; w < b->n_people && w - guess < GUESSES; w++)
    if (b->people[w].id == id && b->people[w].entity == entity) {
      b->people[w].first = MIN(b->people[w].first, item);
      return w;
    }
  uint32_t hash = person_hash(entity, id);
  uint32_t i = hash & b->mask;
  for (; b->slots[i]; i = (i + 1) & b->mask) {
    person *p = &b->people[b->slots[i] - 1];
    if (p->hash == hash && p->entity == entity && (p->id == id || strcmp(p->id, id) == 0)) {
      p->first = MIN(p->first, item);
      return b->slots[i] - 1;
    }
  }
  return new_person(b, i, entity, id, hash, item);
}

/* ---- per rule ------------------------------------------------------------ */

static size_t rule_index(builder *b, const char *id) {
  sim_rule make = {.id = id, .title = id};
  return index_of(b->rule_at, id, b->r->rules, &make);
}

/* The runs of entitlements of one rule in the result of `side`. */
static void find_runs(builder *b, int side, GArray *runs) {
  const zjtx_result *res = b->res[side];
  const char *last = NULL;
  for (size_t i = 0; i < zjtx_result_entitlement_count(res); i++) {
    const char *rule = zjtx_result_entitlement_rule(res, i);
    if (last && (rule == last || strcmp(rule, last) == 0)) {
      g_array_index(runs, run, runs->len - 1).end = i + 1;
      continue;
    }
    run x = {.rule = (uint32_t)rule_index(b, rule), .side = (uint32_t)side, .start = i, .end = i + 1};
    g_array_append_val(runs, x);
    last = rule;
  }
}

/* Rule order, then the base's runs before the reform's, each in result order. */
static gint compare_runs(gconstpointer x, gconstpointer y) {
  const run *a = x, *b = y;
  if (a->rule != b->rule)
    return a->rule < b->rule ? -1 : 1;
  if (a->side != b->side)
    return a->side < b->side ? -1 : 1;
  return a->start < b->start ? -1 : a->start > b->start;
}

/* Adds one run's entitlements to the pairs of its rule.  Results list a
 * rule's beneficiaries in record order, so the next one is guessed: the
 * next pair of the rule (the reform after the base), else the next
 * beneficiary made. */
static void pair_run(builder *b, const run *x) {
  const zjtx_result *res = b->res[x->side];
  uint32_t guess = UINT32_MAX;
  for (size_t i = x->start; i < x->end; i++) {
    uint32_t item = (uint32_t)i | (x->side ? REFORM_ITEM : 0);
    uint32_t w = person_of(b, item, guess);
    person *p = &b->people[w];
    if (p->at >= b->pairs->len || g_array_index(b->pairs, pair, p->at).who != w) {
      pair make = {.who = w, .first = item};
      p->at = b->pairs->len;
      g_array_append_val(b->pairs, make);
    }
    pair *pr = &g_array_index(b->pairs, pair, p->at);
    add_to(b, x->side ? &pr->reform : &pr->base, zjtx_result_entitlement_fen(res, i));
    guess = p->at + 1 < b->pairs->len ? g_array_index(b->pairs, pair, p->at + 1).who : w + 1;
  }
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

/* The pairs of rule `ri` into its totals, their beneficiaries' and the changes. */
static void tally_pairs(builder *b, uint32_t ri) {
  for (guint k = 0; k < b->pairs->len; k++) {
    const pair *pr = &g_array_index(b->pairs, pair, k);
    tally(b, &g_array_index(b->r->rules, sim_rule, ri).t, pr->base, pr->reform, true);
    person *p = &b->people[pr->who];
    add_to(b, &p->base, pr->base);
    add_to(b, &p->reform, pr->reform);
    if (pr->base == pr->reform)
      continue;
    change c = {.rule = ri, .first = pr->first, .base = pr->base, .reform = pr->reform};
    if (__builtin_sub_overflow(c.reform, c.base, &c.diff))
      b->ok = false;
    g_array_append_val(b->changes, c);
  }
  g_array_set_size(b->pairs, 0);
}

/* Every (rule, beneficiary) under both: rule by rule, so that only one
 * rule's pairs are held at a time. */
static void collect(builder *b) {
  g_autoptr(GArray) runs = g_array_new(FALSE, FALSE, sizeof(run));
  find_runs(b, 0, runs);
  find_runs(b, 1, runs);
  g_array_sort(runs, compare_runs);
  size_t most = 0, rule = 0;
  for (guint k = 0; k < runs->len; k++) {
    const run *x = &g_array_index(runs, run, k);
    rule = (k && x->rule == g_array_index(runs, run, k - 1).rule ? rule : 0) + (x->end - x->start);
    most = MAX(most, rule);
  }
  b->pairs = g_array_sized_new(FALSE, FALSE, sizeof(pair), (guint)most);
  for (guint k = 0; k < runs->len; k++) {
    const run *x = &g_array_index(runs, run, k);
    pair_run(b, x);
    if (k + 1 == runs->len || g_array_index(runs, run, k + 1).rule != x->rule)
      tally_pairs(b, x->rule);
  }
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

/* The group of entitlement `item`'s beneficiary, or NULL. */
static const char *item_group(const builder *b, uint32_t item) {
  return b->r->group_by ? zjtx_result_entitlement_related_id(item_result(b, item), item_index(item), b->r->group_by)
                        : NULL;
}

/* Groups and the total count beneficiaries by their amount over all rules. */
static void tally_people(builder *b) {
  for (size_t w = 0; w < b->n_people; w++) {
    const person *p = &b->people[w];
    if (b->r->group_by)
      tally(b, &group_of(b, item_group(b, p->first))->t, p->base, p->reform, true);
    tally(b, &b->r->total, p->base, p->reform, true);
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
static gint compare_changes(gconstpointer x, gconstpointer y, gpointer data) {
  const change *a = x, *c = y;
  const builder *b = data;
  uint64_t ma = magnitude(a->diff), mc = magnitude(c->diff);
  if (ma != mc)
    return ma > mc ? -1 : 1;
  if (a->rule != c->rule)
    return a->rule < c->rule ? -1 : 1;
  int d = strcmp(item_entity(b, a->first), item_entity(b, c->first));
  return d ? d : strcmp(item_id(b, a->first), item_id(b, c->first));
}

/* The largest `top` gains and the largest `top` losses, largest first:
 * all that any format shows (the first `top` of all changes are among
 * them), each with its names. */
static void keep_changes(builder *b, size_t top) {
  g_array_sort_with_data(b->changes, compare_changes, b);
  b->r->changed = b->changes->len;
  size_t gains = 0, losses = 0;
  for (guint i = 0; i < b->changes->len && (gains < top || losses < top); i++) {
    const change *c = &g_array_index(b->changes, change, i);
    size_t *kept = c->diff > 0 ? &gains : &losses;
    if (*kept >= top)
      continue;
    (*kept)++;
    const zjtx_result *res = item_result(b, c->first);
    size_t at = item_index(c->first);
    sim_change x = {.rule = zjtx_result_entitlement_rule(res, at),
                    .entity = item_entity(b, c->first),
                    .id = item_id(b, c->first),
                    .group = item_group(b, c->first),
                    .rule_index = c->rule,
                    .base = c->base,
                    .reform = c->reform,
                    .diff = c->diff};
    g_array_append_val(b->r->changes, x);
  }
}

static void builder_init(builder *b, sim_report *r, const zjtx_result *base_res, const zjtx_result *reform_res) {
  *b = (builder){.r = r, .res = {base_res, reform_res}, .ok = true};
  b->rule_at = g_hash_table_new(g_str_hash, g_str_equal);
  b->check_at = g_hash_table_new(g_str_hash, g_str_equal);
  b->undecided_at = g_hash_table_new(g_str_hash, g_str_equal);
  b->group_at = g_hash_table_new(g_str_hash, g_str_equal);
  b->entities = g_ptr_array_new();
  b->slots = g_new0(uint32_t, 1024);
  b->mask = 1023;
  /* arrays sized once for the most they can hold: pages never written
   * take no memory, and none is copied as it would grow (a 1M comparison
   * holds 20 MB less at its peak) */
  size_t most = zjtx_result_entitlement_count(base_res) + zjtx_result_entitlement_count(reform_res);
  b->people = g_new(person, most + 1);
  b->changes = g_array_sized_new(FALSE, FALSE, sizeof(change), (guint)most);
}

static void builder_clear(builder *b) {
  g_hash_table_unref(b->rule_at);
  g_hash_table_unref(b->check_at);
  g_hash_table_unref(b->undecided_at);
  g_hash_table_unref(b->group_at);
  g_ptr_array_unref(b->entities);
  g_free(b->people);
  g_free(b->slots);
  if (b->pairs)
    g_array_unref(b->pairs);
  g_array_unref(b->changes);
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

/* Entitlements are named by 31-bit items. */
static bool too_many(const zjtx_result *res) {
  if (zjtx_result_entitlement_count(res) < REFORM_ITEM)
    return false;
  cli_message("simulate: too many entitlements to compare");
  return true;
}

bool sim_report_build_top(sim_report *r, const zjtx_policy *base, const zjtx_result *base_res,
                          const zjtx_policy *reform, const zjtx_result *reform_res, size_t top) {
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
  if (too_many(base_res) || too_many(reform_res))
    return false;
  collect_budgets(r, base_res, SIM_IN_BASE);
  collect_budgets(r, reform_res, SIM_IN_REFORM);
  builder b;
  builder_init(&b, r, base_res, reform_res);
  add_rules(&b, base, SIM_IN_BASE);
  add_rules(&b, reform, SIM_IN_REFORM);
  collect(&b);
  tally_people(&b);
  set_diffs(&b);
  count_violations(&b, base_res, SIM_IN_BASE);
  count_violations(&b, reform_res, SIM_IN_REFORM);
  count_undecided(&b, base_res, SIM_IN_BASE);
  count_undecided(&b, reform_res, SIM_IN_REFORM);
  keep_changes(&b, top);
  builder_clear(&b);
  g_array_sort(r->groups, compare_groups);
  if (!b.ok)
    cli_message("simulate: a total exceeds the exact money range");
  return b.ok;
}

bool sim_report_build(sim_report *r, const zjtx_policy *base, const zjtx_result *base_res, const zjtx_policy *reform,
                      const zjtx_result *reform_res) {
  return sim_report_build_top(r, base, base_res, reform, reform_res, SIZE_MAX);
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
