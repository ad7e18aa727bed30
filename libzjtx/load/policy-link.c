/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-link.c - after every document of the extends chain is read: names
 * that point across documents, child relations, exclusive groups, and
 * compiling every expression (compile.h). */
#include "policy-link.h"

#include "compile.h"

static bool pfail(zjtx_error **err, zpos pos, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool pfail(zjtx_error **err, zpos pos, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  zerr_give(err, zerr_newv(ZJTX_ERR_POLICY, pos.file, pos.line, pos.column, NULL, fmt, ap));
  va_end(ap);
  return false;
}

static bool resolve_entity_decl(struct zjtx_policy *p, zpending *pd, zjtx_error **err) {
  zentity *e = pd->entity;
  if (pd->entity_name) {
    int32_t parent = zpolicy_entity_index(p, pd->entity_name);
    if (parent < 0 || parent == e->index)
      return pfail(err, pd->pos, "entity %s: parent '%s' is not a declared entity", e->name, pd->entity_name);
    if (e->parent >= 0 && e->parent != parent)
      return pfail(err, pd->pos, "entity %s is declared with two parents", e->name);
    e->parent = parent;
  }
  if (pd->key_name) {
    int32_t k = zentity_field_index(e, pd->key_name);
    if (k < 0)
      return pfail(err, pd->pos, "entity %s: key '%s' is not one of its fields", e->name, pd->key_name);
    e->key_field = k;
  }
  /* the label may be a field an extending policy adds: checked once all are read */
  int32_t l = e->label ? zentity_field_index(e, e->label) : 0;
  if (l < 0 || (e->label && zentity_field(e, l)->type != ZF_TEXT))
    return pfail(err, pd->pos, "entity %s: label '%s' is not one of its text fields", e->name, e->label);
  return true;
}

bool zpolicy_resolve_pending(struct zjtx_policy *p, zpending *pd, zjtx_error **err) {
  if (pd->entity)
    return resolve_entity_decl(p, pd, err);
  int32_t target = pd->entity_name ? zpolicy_entity_index(p, pd->entity_name) : -1;
  if (target < 0)
    return pfail(err, pd->pos, "'%s' is not a declared entity", pd->entity_name ? pd->entity_name : "");
  if (pd->field) {
    pd->field->ref_entity = target;
    return true;
  }
  zrelation *r = pd->relation;
  zentity *te = zpolicy_entity(p, target);
  int32_t via = pd->via_name ? zentity_field_index(te, pd->via_name) : -1;
  if (via < 0 || zentity_field(te, via)->type != ZF_REF)
    return pfail(err, pd->pos, "relation %s: via=\"%s\" must be a ref field of %s", r->name,
                 pd->via_name ? pd->via_name : "", te->name);
  r->target = target;
  r->via_field = via;
  return true;
}

bool zpolicy_add_child_relations(struct zjtx_policy *p, zjtx_error **err) {
  for (guint i = 0; i < p->entities->len; i++) {
    zentity *e = zpolicy_entity(p, (int32_t)i);
    if (!e->plural)
      return pfail(err, e->pos, "entity %s needs plural= (its JSON key and CSV file name)", e->name);
    if (e->parent < 0)
      continue;
    if (!e->parent_key)
      return pfail(err, e->pos, "entity %s has a parent but no parent-key=", e->name);
    zrelation *r = g_new0(zrelation, 1);
    r->name = g_strdup(e->plural);
    r->kind = ZREL_CHILDREN;
    r->owner = e->parent;
    r->target = e->index;
    r->via_field = -1;
    r->index = (int32_t)p->relations->len;
    g_ptr_array_add(p->relations, r);
    g_array_append_val(zpolicy_entity(p, e->parent)->relations, r->index);
  }
  return true;
}

bool zpolicy_check_ref_fields(struct zjtx_policy *p, zjtx_error **err) {
  for (guint i = 0; i < p->entities->len; i++) {
    zentity *e = zpolicy_entity(p, (int32_t)i);
    for (guint f = 0; f < e->fields->len; f++) {
      zfield *fd = zentity_field(e, (int32_t)f);
      if (fd->type == ZF_REF && zpolicy_entity(p, fd->ref_entity)->key_field < 0)
        return pfail(err, fd->pos, "field %s.%s refers to %s, which has no key=", e->name, fd->name,
                     zpolicy_entity(p, fd->ref_entity)->name);
    }
  }
  return true;
}

/* An indicator's value over the whole population, and its target read
 * with the value's type ("50" of a rate is 50 %). */
static bool compile_indicator(struct zjtx_policy *p, zindicator *x, zjtx_error **err) {
  zscope population = {ZSCOPE_POPULATION, -1, {.kind = ZT_VOID, .ref = -1}, NULL};
  if (!x->value.text)
    return pfail(err, x->pos, "indicator %s needs a <value>", x->id);
  if (!zcompile_expr(p, &x->value, &population, (ztype){.kind = ZT_VOID, .ref = -1}, err))
    return false;
  ztype t = x->value.type;
  if (!ztype_is_decimal(t) && t.kind != ZT_DATE)
    return pfail(err, x->value.pos, "indicator %s must give a number, money, rate or date", x->id);
  const char *why = x->target_text ? zpolicy_parse_value(t, x->target_text, &x->target) : "a target";
  if (why)
    return pfail(err, x->pos, "target \"%s\" of indicator %s is not %s", x->target_text ? x->target_text : "", x->id,
                 why);
  return true;
}

/* Rules a reform removed leave the policy before anything is compiled. */
static void drop_removed_rules(struct zjtx_policy *p) {
  guint kept = 0;
  for (guint i = 0; i < p->rules->len; i++) {
    zrule *r = g_ptr_array_index(p->rules, i);
    if (r->removed) {
      zrule_free(r);
      continue;
    }
    r->index = (int32_t)kept;
    p->rules->pdata[kept++] = r;
  }
  g_ptr_array_set_size(p->rules, (gint)kept);
}

/* Whom a rule pays: each record of its subject, or each group of them. */
static char *beneficiaries(const struct zjtx_policy *p, const zrule *r) {
  const zentity *e = zpolicy_entity(p, r->subject);
  if (r->group_field < 0)
    return g_strdup_printf("each %s", e->name);
  return g_strdup_printf("each group of %s by %s", e->plural, zentity_field(e, r->group_field)->name);
}

/* 就高不重复 keeps the highest amount per beneficiary: rules of one
 * exclusive group about different entities, or one grouped and one not,
 * never meet, and each would be paid in full. */
static bool check_exclusive_beneficiaries(const struct zjtx_policy *p, zjtx_error **err) {
  static const char compare[] = "only the amounts of one beneficiary can be compared (就高不重复)";
  g_autoptr(GHashTable) first = g_hash_table_new(g_str_hash, g_str_equal); /* group -> its first rule */
  for (guint i = 0; i < p->rules->len; i++) {
    const zrule *r = g_ptr_array_index(p->rules, i);
    if (!r->exclusive)
      continue;
    const zrule *f = g_hash_table_lookup(first, r->exclusive);
    if (!f) {
      g_hash_table_insert(first, r->exclusive, (gpointer)r);
    } else if (f->subject != r->subject) {
      return pfail(err, r->pos,
                   "exclusive group \"%s\" has rules about different subjects: %s is about %s, %s about %s; %s",
                   r->exclusive, f->id, zpolicy_entity(p, f->subject)->name, r->id, zpolicy_entity(p, r->subject)->name,
                   compare);
    } else if (f->group_field != r->group_field) {
      g_autofree char *fb = beneficiaries(p, f), *rb = beneficiaries(p, r);
      return pfail(err, r->pos, "exclusive group \"%s\" has rules about different beneficiaries: %s pays %s, %s %s; %s",
                   r->exclusive, f->id, fb, r->id, rb, compare);
    }
  }
  return true;
}

bool zpolicy_compile_all(struct zjtx_policy *p, zjtx_error **err) {
  drop_removed_rules(p);
  if (!zpolicy_link_budgets(p, err))
    return false;
  if (!check_exclusive_beneficiaries(p, err))
    return false;
  for (guint i = 0; i < p->derived->len; i++)
    if (!zcompile_derived(p, g_ptr_array_index(p->derived, i), err))
      return false;
  for (guint i = 0; i < p->rules->len; i++)
    if (!zcompile_rule(p, g_ptr_array_index(p->rules, i), err))
      return false;
  for (guint i = 0; i < p->indicators->len; i++)
    if (!compile_indicator(p, g_ptr_array_index(p->indicators, i), err))
      return false;
  bool ok = zcompile_link(p, err) && zcompile_rule_order(p, err);
  g_clear_pointer(&p->compiling, g_ptr_array_unref);
  return ok;
}
