/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* budget-read.c - <budget>: a fund capping the total of some rules, read
 * with its document and linked to its rules and parameter once every
 * document is read (rules a reform removed are gone by then). */
#include <stdarg.h>
#include <string.h>

#include "model-read.h"
#include "policy-link.h"

void zread_budget(zwalker *w, xmlNode *n) {
  zbudget *b = g_new0(zbudget, 1);
  b->id = zread_prop(n, "id");
  b->cap_id = zread_prop(n, "cap");
  b->group_by = zread_prop(n, "group-by");
  b->clause = zread_prop(n, "clause");
  b->origin = g_strdup(w->origin);
  b->pos = zread_pos(w, n);
  b->cap = b->group_field = b->subject = -1;
  g_autofree char *ties = zread_prop(n, "ties");
  b->ties_by_id = ties && strcmp(ties, "id") == 0;
  b->rule_ids = g_ptr_array_new_with_free_func(g_free);
  b->rules = g_array_new(FALSE, FALSE, sizeof(int32_t));
  zread_titles(n, &b->title);
  for (xmlNode *c = n->children; c; c = c->next)
    if (zread_is(c, "covers"))
      g_ptr_array_add(b->rule_ids, zread_prop(c, "rule"));
  for (guint i = 0; i < w->p->budgets->len; i++)
    if (b->id && strcmp(((zbudget *)g_ptr_array_index(w->p->budgets, i))->id, b->id) == 0)
      zread_fail(w, n, "budget '%s' is declared twice", b->id);
  g_ptr_array_add(w->p->budgets, b);
}

static bool bfail(zjtx_error **err, const zbudget *b, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool bfail(zjtx_error **err, const zbudget *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *m = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  zerr_give(err, zerr_new(ZJTX_ERR_POLICY, b->pos.file, b->pos.line, b->pos.column, NULL, "budget %s: %s", b->id, m));
  return false;
}

static zrule *find_rule(const struct zjtx_policy *p, const char *id) {
  for (guint i = 0; id && i < p->rules->len; i++) {
    zrule *r = g_ptr_array_index(p->rules, i);
    if (strcmp(r->id, id) == 0)
      return r;
  }
  return NULL;
}

/* Its rules: entitlements paying each record of one entity, each in no
 * other budget. */
static bool link_rules(struct zjtx_policy *p, zbudget *b, zjtx_error **err) {
  g_array_set_size(b->rules, 0);
  for (guint i = 0; i < b->rule_ids->len; i++) {
    const char *id = g_ptr_array_index(b->rule_ids, i);
    zrule *r = find_rule(p, id);
    if (!r)
      return bfail(err, b, "'%s' is not a rule of the policy", id ? id : "");
    if (r->kind != ZJTX_RULE_ENTITLEMENT || r->group_field >= 0)
      return bfail(err, b, "'%s' must be a rule paying each record (not a check, not grouped)", id);
    if (b->subject >= 0 && r->subject != b->subject)
      return bfail(err, b, "its rules must pay one entity: %s pays each %s, not each %s", id,
                   zpolicy_entity(p, r->subject)->name, zpolicy_entity(p, b->subject)->name);
    const zbudget *other = zpolicy_rule_budget(p, r);
    if (other)
      return bfail(err, b, "rule %s is already capped by budget %s", id, other->id);
    b->subject = r->subject;
    g_array_append_val(b->rules, r->index);
  }
  if (!b->rules->len)
    return bfail(err, b, "it caps no rule: add <covers rule=\"...\"/>");
  return true;
}

/* The fund: a money parameter, keyed (if at all) by the group field's
 * code list; the group field: a required text, code or ref field. */
static bool link_cap(struct zjtx_policy *p, zbudget *b, zjtx_error **err) {
  const zentity *e = zpolicy_entity(p, b->subject);
  const zfield *gf = NULL;
  if (b->group_by) {
    b->group_field = zentity_field_index(e, b->group_by);
    gf = b->group_field >= 0 ? zentity_field(e, b->group_field) : NULL;
    if (!gf || !gf->required || (gf->type != ZF_TEXT && gf->type != ZF_CODE && gf->type != ZF_REF))
      return bfail(err, b, "group-by=\"%s\" must be a required text, code or ref field of %s", b->group_by, e->name);
  }
  b->cap = b->cap_id ? zpolicy_param_index(p, b->cap_id) : -1;
  const zparam *cap = b->cap >= 0 ? g_ptr_array_index(p->params, b->cap) : NULL;
  if (!cap || cap->type.kind != ZT_MONEY)
    return bfail(err, b, "cap=\"%s\" must be a money parameter", b->cap_id ? b->cap_id : "");
  if (cap->key_codeset >= 0 && (!gf || gf->type != ZF_CODE || gf->codeset != cap->key_codeset))
    return bfail(err, b, "its cap %s is keyed: group-by= must be the code field of that code list", cap->id);
  return true;
}

bool zpolicy_link_budgets(struct zjtx_policy *p, zjtx_error **err) {
  for (guint i = 0; i < p->budgets->len; i++) {
    zbudget *b = g_ptr_array_index(p->budgets, i);
    if (!link_rules(p, b, err) || !link_cap(p, b, err))
      return false;
  }
  return true;
}
