/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rule-read.c - reading derived values, overrides, rules, checks and
 * indicators from a policy document: above model-read.c (its helpers), below
 * the walk in policy-read.c. */
#include "rule-read.h"

#include <string.h>

#include "expr.h" /* ZOP_*: an indicator target's comparison */

/* ---- derived values and overrides -------------------------------------------- */

static zderived *new_derived(zwalker *w, xmlNode *n, const char *name, int32_t entity) {
  zderived *d = g_new0(zderived, 1);
  d->name = g_strdup(name);
  d->entity = entity;
  d->arg_names = g_ptr_array_new_with_free_func(g_free);
  d->arg_types = g_array_new(FALSE, FALSE, sizeof(ztype));
  d->origin = g_strdup(w->origin);
  d->inherited = -1;
  d->index = (int32_t)w->p->derived->len;
  zread_titles(n, &d->title);
  g_ptr_array_add(w->p->derived, d);
  if (entity >= 0 && name) /* the visible one of that name: an override replaces its base */
    zpolicy_index_derived(w->p, d);
  return d;
}

static void read_args(zwalker *w, xmlNode *n, zderived *d) {
  for (xmlNode *c = n->children; c; c = c->next) {
    if (!zread_is(c, "arg"))
      continue;
    char *an = zread_prop(c, "name");
    g_autofree char *at = zread_prop(c, "type");
    ztype t;
    if (!zvalue_type_parse(at, &t) || t.kind == ZT_CODE)
      zread_fail(w, c, "argument %s of %s has an unsupported type '%s'", an, d->name, at);
    g_ptr_array_add(d->arg_names, an);
    g_array_append_val(d->arg_types, t);
  }
}

void zread_derived(zwalker *w, xmlNode *n) {
  int32_t entity = zread_entity_attr(w, n, "entity");
  g_autofree char *name = zread_prop(n, "name");
  g_autofree char *type = zread_prop(n, "type");
  if (entity >= 0 && zpolicy_find_derived(w->p, entity, name))
    zread_fail(w, n, "derived value %s.%s is declared twice (use <override> to replace it)",
               zpolicy_entity(w->p, entity)->name, name);
  zderived *d = new_derived(w, n, name, entity);
  if (!zvalue_type_parse(type, &d->type))
    zread_fail(w, n, "unknown type '%s' for derived value %s", type, name);
  read_args(w, n, d);
  zread_expr_child(w, n, "expr", &d->expr, NULL);
}

void zread_override(zwalker *w, xmlNode *n) {
  int32_t entity = zread_entity_attr(w, n, "entity");
  g_autofree char *name = zread_prop(n, "derived");
  zderived *base = entity >= 0 ? zpolicy_find_derived(w->p, entity, name) : NULL;
  if (!base) {
    zread_fail(w, n, "<override> names no derived value %s of a base policy", name);
    return;
  }
  base->hidden = true;
  base->overridden_by = g_strdup(w->origin);
  zderived *d = new_derived(w, n, name, entity);
  d->type = base->type;
  d->inherited = base->index;
  for (guint i = 0; i < base->arg_names->len; i++)
    g_ptr_array_add(d->arg_names, g_strdup(g_ptr_array_index(base->arg_names, i)));
  g_array_append_vals(d->arg_types, base->arg_types->data, base->arg_types->len);
  if (!d->title.zh)
    d->title.zh = g_strdup(base->title.zh);
  if (!d->title.en)
    d->title.en = g_strdup(base->title.en);
  zread_expr_child(w, n, "expr", &d->expr, NULL);
}

/* ---- rules and checks --------------------------------------------------------- */

static bool parse_rounding(const char *s, zround_mode *out) {
  static const char *const names[] = {
      [ZROUND_HALF_UP] = "half-up", [ZROUND_HALF_EVEN] = "half-even", [ZROUND_DOWN] = "down",
      [ZROUND_UP] = "up",           [ZROUND_FLOOR] = "floor",         [ZROUND_CEILING] = "ceiling"};
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
    if (strcmp(s, names[i]) == 0) {
      *out = (zround_mode)i;
      return true;
    }
  return false;
}

/* group-by="field": a text or code field of the subject. */
static void read_group_by(zwalker *w, xmlNode *n, zrule *r) {
  g_autofree char *group = zread_prop(n, "group-by");
  if (!group || r->subject < 0)
    return;
  zentity *e = zpolicy_entity(w->p, r->subject);
  r->group_field = zentity_field_index(e, group);
  zfield *f = r->group_field >= 0 ? zentity_field(e, r->group_field) : NULL;
  if (!f || (f->type != ZF_TEXT && f->type != ZF_CODE))
    zread_fail(w, n, "group-by=\"%s\" must name a text or code field of %s", group, e->name);
  else if (!f->required)
    zread_fail(w, n, "group-by=\"%s\" must name a required field of %s (a record without it would belong to no group)",
               group, e->name);
}

void zread_rule(zwalker *w, xmlNode *n, zjtx_rule_kind kind) {
  zrule *r = g_new0(zrule, 1);
  r->id = zread_prop(n, "id");
  r->kind = kind;
  r->pos = zread_pos(w, n);
  r->clause = zread_prop(n, "clause");
  r->origin = g_strdup(w->origin);
  r->exclusive = zread_prop(n, "exclusive");
  r->rounding_places = 2;
  r->group_field = -1;
  r->caps = g_ptr_array_new();
  r->subject = zread_entity_attr(w, n, "subject");
  r->index = (int32_t)w->p->rules->len;
  g_ptr_array_add(w->p->rules, r);
  zread_titles(n, &r->title);
  g_autofree char *rounding = zread_prop(n, "rounding");
  if (rounding && !parse_rounding(rounding, &r->rounding))
    zread_fail(w, n, "unknown rounding '%s'", rounding);
  read_group_by(w, n, r);
  if (r->id && !g_hash_table_add(w->rule_ids, r->id))
    zread_fail(w, n, "rule or check id '%s' is used twice", r->id);
  zread_expr_child(w, n, "filter", &r->filter, &r->has_filter);
  zread_expr_child(w, n, "condition", &r->condition, &r->has_condition);
  zread_expr_child(w, n, "amount", &r->amount, &r->has_amount);
  zread_caps(w, n, r->caps);
  if (r->has_filter && r->group_field < 0)
    zread_fail(w, n, "<filter> goes with group-by=; use <condition> otherwise");
}

/* ---- indicators ---------------------------------------------------------------- */

static bool parse_op(const char *s, int *op) {
  static const struct {
    const char *text;
    int op;
  } ops[] = {{">=", ZOP_GE}, {">", ZOP_GT}, {"<=", ZOP_LE}, {"<", ZOP_LT}, {"==", ZOP_EQ}};
  for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
    if (s && strcmp(s, ops[i].text) == 0) {
      *op = ops[i].op;
      return true;
    }
  return false;
}

void zread_indicator(zwalker *w, xmlNode *n) {
  zindicator *x = g_new0(zindicator, 1);
  x->id = zread_prop(n, "id");
  x->clause = zread_prop(n, "clause");
  x->origin = g_strdup(w->origin);
  x->pos = zread_pos(w, n);
  x->target_op = ZOP_GE;
  zread_titles(n, &x->title);
  g_ptr_array_add(w->p->indicators, x);
  for (guint i = 0; i + 1 < w->p->indicators->len; i++)
    if (strcmp(((zindicator *)g_ptr_array_index(w->p->indicators, i))->id, x->id) == 0)
      zread_fail(w, n, "indicator id '%s' is used twice", x->id);
  zread_expr_child(w, n, "value", &x->value, NULL);
  for (xmlNode *c = n->children; c; c = c->next) {
    if (zread_is(c, "unit"))
      zread_replace(&x->unit, zread_content(c));
    if (!zread_is(c, "target"))
      continue;
    g_autofree char *op = zread_prop(c, "op");
    if (op && !parse_op(op, &x->target_op))
      zread_fail(w, c, "target op=\"%s\" is not one of >=, >, <=, <, ==", op);
    zread_replace(&x->target_text, zread_content(c));
  }
}
