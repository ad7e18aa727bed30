/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-dump.c - zjtx_policy_dump: the compiled code of a policy as text.
 * Apart from policy.c because it reads the compiler's and the VM's view of
 * the model (policy.c is the layer below both). */
#include "compile.h"
#include "vm.h"

/* ---- dump ---------------------------------------------------------------- */

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
    g_string_append_printf(out, "\nderived %s.%s%s  [%s]\n", zpolicy_entity(p, d->entity)->name, d->name,
                           d->hidden ? " (overridden)" : "", d->origin);
    dump_source(p, out, "expr", &d->expr);
  }
  for (guint i = 0; i < p->rules->len; i++) {
    zrule *r = g_ptr_array_index(p->rules, i);
    g_string_append_printf(out, "\n%s %s  subject %s  clause %s  [%s]\n", r->kind == ZJTX_RULE_CHECK ? "check" : "rule",
                           r->id, zpolicy_entity(p, r->subject)->name, r->clause ? r->clause : "-", r->origin);
    dump_source(p, out, "filter", &r->filter);
    dump_source(p, out, "condition", &r->condition);
    dump_source(p, out, "amount", &r->amount);
    for (guint j = 0; j < r->caps->len; j++)
      dump_source(p, out, "cap", &((zcap *)g_ptr_array_index(r->caps, j))->expr);
  }
  return g_string_free(out, FALSE);
}
