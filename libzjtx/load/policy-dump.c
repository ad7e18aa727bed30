/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-dump.c - zjtx_policy_dump: the compiled code of a policy as text.
 * Apart from policy.c because it reads the compiler's and the VM's view of
 * the model (policy.c is the layer below both). */
#include "compile.h"
#include "vm.h"

/* ---- dump ---------------------------------------------------------------- */

/* When rules use rules: the order they run in, and which keep their
 * amounts for the expressions naming them. */
static void dump_rule_order(const zjtx_policy *p, GString *out) {
  bool any = false;
  for (guint i = 0; i < p->rules->len; i++)
    any = any || ((zrule *)g_ptr_array_index(p->rules, i))->used;
  if (!any || !p->rule_order)
    return;
  g_string_append(out, "\nrules in evaluation order (a rule after the rules it uses; * its amount is used):\n ");
  for (guint i = 0; i < p->rule_order->len; i++) {
    const zrule *r = g_ptr_array_index(p->rules, g_array_index(p->rule_order, int32_t, i));
    g_string_append_printf(out, " %s%s", r->id, r->used ? "*" : "");
  }
  g_string_append_c(out, '\n');
}

/* Each table: its kind and types, and its bands as written. */
static void dump_tables(const zjtx_policy *p, GString *out) {
  for (guint i = 0; i < p->scales->len; i++) {
    const zscale *t = g_ptr_array_index(p->scales, i);
    if (t->kind == ZSCALE_MARGINAL)
      g_string_append_printf(out, "\ntable %s  marginal, %s: rate x the part in each band  [%s]\n", t->id,
                             ztype_kind_name(t->input.kind), t->origin);
    else
      g_string_append_printf(out, "\ntable %s  tier, %s -> %s, thresholds %s  [%s]\n", t->id,
                             ztype_kind_name(t->input.kind), ztype_kind_name(t->type.kind),
                             t->exclusive ? "exceeded (超过)" : "reached (以上)", t->origin);
    for (guint j = 0; j < t->schedules->len; j++) {
      const zscale_bands *b = &g_array_index(t->schedules, zscale_bands, j);
      g_string_append_printf(out, "  from %s:", b->from_text);
      for (guint k = 0; k < b->bands->len; k++) {
        const zscale_band *band = &g_array_index(b->bands, zscale_band, k);
        g_string_append_printf(out, "%s %s -> %s%s", k ? ";" : "", band->at_text, band->value_text,
                               t->kind == ZSCALE_MARGINAL ? "%" : "");
      }
      g_string_append_c(out, '\n');
    }
  }
}

/* Each budget: its fund, its groups, how ties go, the rules it caps. */
static void dump_budgets(const zjtx_policy *p, GString *out) {
  for (guint i = 0; i < p->budgets->len; i++) {
    const zbudget *b = g_ptr_array_index(p->budgets, i);
    g_string_append_printf(
        out, "\nbudget %s  cap %s%s%s, over it pro rata to the fen (largest remainder, ties by %s)  [%s]\n ", b->id,
        b->cap_id, b->group_by ? " per " : "", b->group_by ? b->group_by : "",
        b->ties_by_id ? "beneficiary id" : "result order", b->origin);
    for (guint j = 0; j < b->rule_ids->len; j++)
      g_string_append_printf(out, " %s", (const char *)g_ptr_array_index(b->rule_ids, j));
    g_string_append_c(out, '\n');
  }
}

static void dump_source(const zjtx_policy *p, GString *out, const char *what, const zsource_expr *s) {
  if (!s->block.code)
    return;
  char buf[64];
  g_string_append_printf(out, "  %s : %s   (%s:%d)\n", what, ztype_name(p, s->type, buf, sizeof buf), s->pos.file,
                         s->pos.line);
  zvm_dump_block(p, &s->block, out);
}

/* A period other than the calendar year, as declared (a calendar year
 * prints nothing, as before periods had units). */
static void dump_period(const zjtx_policy *p, GString *out) {
  zperiod_kind k = p->period_kind;
  if (k.unit == ZPERIOD_YEAR)
    return;
  g_string_append_printf(out, "period %s", zperiod_unit_name(k.unit));
  if (k.unit == ZPERIOD_FISCAL)
    g_string_append_printf(out, " start-month %d", k.start_month);
  g_string_append_printf(out, "  default %s  ; %s\n", p->default_period ? p->default_period : "-", zperiod_form(k));
}

char *zjtx_policy_dump(const zjtx_policy *p) {
  if (!p)
    return NULL;
  GString *out = g_string_new(NULL);
  g_string_append_printf(out, "policy %s  (stack %d, locals %d, constants %u)\n", p->id, p->max_stack, p->max_locals,
                         p->consts->len);
  dump_period(p, out);
  for (guint i = 0; i < p->derived->len; i++) {
    zderived *d = g_ptr_array_index(p->derived, i);
    g_string_append_printf(out, "\nderived %s.%s%s%s  [%s]\n", zpolicy_entity(p, d->entity)->name, d->name,
                           d->hidden ? " (overridden)" : "", d->kept_per_subject ? " (kept per subject)" : "",
                           d->origin);
    dump_source(p, out, "expr", &d->expr);
  }
  dump_tables(p, out);
  dump_budgets(p, out);
  dump_rule_order(p, out);
  for (guint i = 0; i < p->rules->len; i++) {
    zrule *r = g_ptr_array_index(p->rules, i);
    g_string_append_printf(out, "\n%s %s  subject %s  clause %s  [%s]\n", r->kind == ZJTX_RULE_CHECK ? "check" : "rule",
                           r->id, zpolicy_entity(p, r->subject)->name, r->clause ? r->clause : "-", r->origin);
    dump_source(p, out, "filter", &r->filter);
    dump_source(p, out, "condition", &r->condition);
    if (r->same_condition >= 0)
      g_string_append_printf(out, "  ; the condition of rule %s: its outcome per record is kept, not computed again\n",
                             ((const zrule *)g_ptr_array_index(p->rules, r->same_condition))->id);
    dump_source(p, out, "amount", &r->amount);
    for (guint j = 0; j < r->caps->len; j++)
      dump_source(p, out, "cap", &((zcap *)g_ptr_array_index(r->caps, j))->expr);
  }
  return g_string_free(out, FALSE);
}
