/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-summary.c - the summary of `zjtx evaluate`: count and exact total of
 * the entitlements per rule and per record of one entity (the county), and
 * the violations per check. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

#define NONE_KEY "(none)"

typedef struct {
  size_t count;
  int64_t fen;
} total;

bool cli_policy_has_entity(const zjtx_policy *p, const char *entity) {
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++)
    if (strcmp(zjtx_policy_entity_name(p, e), entity) == 0)
      return true;
  return false;
}

/* Does some entity have a ref field named `name` (the convention: a ref
 * field is named after the entity it refers to, `county`)? */
static bool named_by_ref(const zjtx_policy *p, const char *name) {
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++)
    for (size_t f = 0; f < zjtx_policy_entity_field_count(p, e); f++)
      if (g_strcmp0(zjtx_policy_entity_field_ref(p, e, f), name) == 0)
        return true;
  return false;
}

static bool has_children(const zjtx_policy *p, const char *name) {
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++)
    if (g_strcmp0(zjtx_policy_entity_parent(p, e), name) == 0)
      return true;
  return false;
}

/* Top-level entities that records refer to are the ones results are
 * totalled by (county, district); entities that merely own child records
 * (an enterprise's loans) come second. */
const char *cli_summary_default_entity(const zjtx_policy *p) {
  for (int pass = 0; pass < 2; pass++)
    for (size_t e = 0; e < zjtx_policy_entity_count(p); e++) {
      const char *name = zjtx_policy_entity_name(p, e);
      if (!zjtx_policy_entity_parent(p, e) && (pass == 0 ? named_by_ref(p, name) : has_children(p, name)))
        return name;
    }
  return NULL;
}

/* The total for `key`, created empty on first use. */
static total *slot(GHashTable *totals, const char *key) {
  total *t = g_hash_table_lookup(totals, key);
  if (!t) {
    t = g_new0(total, 1);
    g_hash_table_insert(totals, (gpointer)key, t);
  }
  return t;
}

/* Adds one amount, exactly; false when the total would overflow. */
static bool add_fen(total *t, int64_t fen) {
  if ((fen > 0 && t->fen > INT64_MAX - fen) || (fen < 0 && t->fen < INT64_MIN - fen))
    return false;
  t->fen += fen;
  t->count++;
  return true;
}

static void print_line(FILE *out, const char *label, const total *t) {
  char yuan[ZFMT_FEN_BUFSZ];
  g_autofree char *shown = cli_printable(label); /* a record's id, from the input */
  fprintf(out, "  %-34s %8zu %24s\n", shown, t->count, zfmt_fen_grouped(t->fen, yuan));
}

/* Sums every entitlement into its rule's total, its `by` record's total
 * and the grand total. */
static bool sum_entitlements(const zjtx_result *res, const char *by, GHashTable *rules, GHashTable *groups,
                             total *grand) {
  bool ok = true;
  for (size_t i = 0; i < zjtx_result_entitlement_count(res); i++) {
    int64_t fen = zjtx_result_entitlement_fen(res, i);
    ok = add_fen(slot(rules, zjtx_result_entitlement_rule(res, i)), fen) && ok;
    ok = add_fen(grand, fen) && ok;
    if (by) {
      const char *id = zjtx_result_entitlement_related_id(res, i, by);
      ok = add_fen(slot(groups, id ? id : NONE_KEY), fen) && ok;
    }
  }
  if (!ok)
    cli_message("summary: a total exceeds the exact money range");
  return ok;
}

static void print_rules(FILE *out, const zjtx_policy *p, GHashTable *rules, const total *grand) {
  fprintf(out, "%-36s %8s %24s\n", "per rule", "count", "yuan");
  for (size_t r = 0; r < zjtx_policy_rule_count(p); r++)
    if (zjtx_policy_rule_kind(p, r) == ZJTX_RULE_ENTITLEMENT)
      print_line(out, zjtx_policy_rule_id(p, r), slot(rules, zjtx_policy_rule_id(p, r)));
  print_line(out, "total", grand);
}

/* Sorts ids, "(none)" last. */
static gint compare_keys(gconstpointer a, gconstpointer b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  bool nx = strcmp(x, NONE_KEY) == 0, ny = strcmp(y, NONE_KEY) == 0;
  return nx != ny ? (nx ? 1 : -1) : strcmp(x, y);
}

static void print_groups(FILE *out, const char *by, GHashTable *groups) {
  g_autofree char *heading = g_strconcat("per ", by, NULL);
  fprintf(out, "%-36s %8s %24s\n", heading, "count", "yuan");
  guint n = 0;
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array(groups, &n);
  qsort(keys, n, sizeof *keys, compare_keys);
  for (guint k = 0; k < n; k++)
    print_line(out, keys[k], g_hash_table_lookup(groups, keys[k]));
  if (n == 0)
    fprintf(out, "  %s\n", NONE_KEY);
}

static void print_violations(FILE *out, const zjtx_policy *p, const zjtx_result *res) {
  fprintf(out, "%-36s %8s\n", "violations per check", "count");
  size_t all = zjtx_result_violation_count(res);
  for (size_t r = 0; r < zjtx_policy_rule_count(p); r++) {
    if (zjtx_policy_rule_kind(p, r) != ZJTX_RULE_CHECK)
      continue;
    size_t count = 0;
    for (size_t v = 0; v < all; v++)
      count += strcmp(zjtx_result_violation_check(res, v), zjtx_policy_rule_id(p, r)) == 0;
    fprintf(out, "  %-34s %8zu\n", zjtx_policy_rule_id(p, r), count);
  }
  fprintf(out, "  %-34s %8zu\n", "total", all);
}

/* Undecided per rule and check: how many subjects lack data to decide. */
static void print_undecided(FILE *out, const zjtx_policy *p, const zjtx_result *res) {
  fprintf(out, "%-36s %8s\n", "undecided (data missing) per rule", "count");
  size_t all = zjtx_result_undecided_count(res);
  for (size_t r = 0; r < zjtx_policy_rule_count(p); r++) {
    size_t count = 0;
    for (size_t u = 0; u < all; u++)
      count += strcmp(zjtx_result_undecided_rule(res, u), zjtx_policy_rule_id(p, r)) == 0;
    fprintf(out, "  %-34s %8zu\n", zjtx_policy_rule_id(p, r), count);
  }
  fprintf(out, "  %-34s %8zu\n", "total", all);
}

bool cli_write_summary(FILE *out, const zjtx_policy *p, const zjtx_result *res, const char *by) {
  GHashTable *rules = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  GHashTable *groups = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  total grand = {0, 0};
  bool ok = sum_entitlements(res, by, rules, groups, &grand);
  if (ok) {
    fprintf(out, "summary: policy %s, period %s\n", zjtx_policy_id(p), zjtx_result_period(res));
    print_rules(out, p, rules, &grand);
    if (by)
      print_groups(out, by, groups);
    print_violations(out, p, res);
    print_undecided(out, p, res);
  }
  g_hash_table_unref(rules);
  g_hash_table_unref(groups);
  return ok;
}
