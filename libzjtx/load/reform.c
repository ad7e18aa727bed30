/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* reform.c - amendments an extending policy makes to what its bases
 * declared: <amend-parameter>, <amend-rule>, <remove-rule>.  Above
 * model-read.c (its helpers and parameter values), below the walk in
 * policy-read.c. */
#include "reform.h"

#include <string.h>

static void free_value_texts(zparam_value *v) {
  g_free(v->from_text);
  g_free(v->key_text);
  g_free(v->value_text);
}

static void amend_source(zwalker *w, zparam *p, xmlNode *c) {
  g_autofree char *why = zread_content(c);
  g_autofree char *was = p->source;
  p->source = g_strdup_printf("%s; amended by %s: %s", was ? was : "", w->origin, why);
}

/* v replaces the value with its date and key, or is added. */
static void put_value(zparam *p, zparam_value *v) {
  for (guint i = 0; i < p->values->len; i++) {
    zparam_value *old = &g_array_index(p->values, zparam_value, i);
    if (old->key == v->key && old->from == v->from) {
      free_value_texts(old);
      g_array_remove_index(p->values, i);
      break;
    }
  }
  g_array_append_val(p->values, *v);
}

/* <amend-parameter id=>: new dated values; one with the date and key of an
 * existing value replaces it. */
void zread_amend_parameter(zwalker *w, xmlNode *n) {
  g_autofree char *id = zread_prop(n, "id");
  int32_t pi = zpolicy_param_index(w->p, id);
  if (pi < 0) {
    zread_fail(w, n, "<amend-parameter> names no parameter '%s' of the policies it extends", id ? id : "");
    return;
  }
  zparam *p = g_ptr_array_index(w->p->params, pi);
  const zcodeset *cs = p->key_codeset >= 0 ? g_ptr_array_index(w->p->codesets, p->key_codeset) : NULL;
  for (xmlNode *c = n->children; c && !w->err; c = c->next) {
    if (zread_is(c, "source"))
      amend_source(w, p, c);
    if (!zread_is(c, "value"))
      continue;
    zparam_value v;
    zread_param_value(w, p, cs, c, &v);
    put_value(p, &v);
  }
  zparam_sort_values(p);
  g_free(p->amended_by);
  p->amended_by = g_strdup(w->origin);
}

static zrule *find_rule(zwalker *w, xmlNode *n, const char *what) {
  g_autofree char *id = zread_prop(n, "id");
  for (guint i = 0; id && i < w->p->rules->len; i++) {
    zrule *r = g_ptr_array_index(w->p->rules, i);
    if (!r->removed && strcmp(r->id, id) == 0)
      return r;
  }
  zread_fail(w, n, "<%s> names no rule or check '%s' of the policies it extends", what, id ? id : "");
  return NULL;
}

static void replace_expr(zwalker *w, xmlNode *n, const char *child, zsource_expr *slot, bool *has) {
  for (xmlNode *c = n->children; c; c = c->next)
    if (zread_is(c, child)) {
      g_clear_pointer(&slot->text, g_free); /* not compiled yet: only the text */
      zread_expr_child(w, n, child, slot, has);
      return;
    }
}

static bool has_child(xmlNode *n, const char *name) {
  for (xmlNode *c = n->children; c; c = c->next)
    if (zread_is(c, name))
      return true;
  return false;
}

/* <amend-rule id=>: replaces the parts it gives (all caps when any <cap>). */
void zread_amend_rule(zwalker *w, xmlNode *n) {
  zrule *r = find_rule(w, n, "amend-rule");
  if (!r)
    return;
  ztext2 t = {NULL, NULL};
  zread_titles(n, &t);
  zread_replace(&r->title.zh, t.zh);
  zread_replace(&r->title.en, t.en);
  zread_replace(&r->clause, zread_prop(n, "clause"));
  replace_expr(w, n, "condition", &r->condition, &r->has_condition);
  replace_expr(w, n, "amount", &r->amount, &r->has_amount);
  if (has_child(n, "cap")) {
    g_ptr_array_foreach(r->caps, (GFunc)(void (*)(void))zcap_free, NULL);
    g_ptr_array_set_size(r->caps, 0);
    zread_caps(w, n, r->caps);
  }
  g_autofree char *was = r->origin;
  r->origin = g_strdup_printf("%s, amended by %s", was, w->origin);
}

/* <remove-rule id=>: the rule or check no longer runs (dropped before the
 * policy is compiled); its id is free for a new rule. */
void zread_remove_rule(zwalker *w, xmlNode *n) {
  zrule *r = find_rule(w, n, "remove-rule");
  if (!r)
    return;
  g_hash_table_remove(w->rule_ids, r->id);
  r->removed = true;
}
