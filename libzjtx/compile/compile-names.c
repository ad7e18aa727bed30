/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile-names.c - names and scopes: aggregate variables, arguments,
 * fields and parents of records, relations, parameters (keyed, dated),
 * the period, group keys and calls of derived values. */
#include "compile-internal.h"

#include <string.h>

/* ---- look-ups ------------------------------------------------------------ */

zrelation *zcomp_find_relation(const struct zjtx_policy *p, int32_t entity, const char *name) {
  zentity *e = zpolicy_entity(p, entity);
  for (guint i = 0; i < e->relations->len; i++) {
    zrelation *r = g_ptr_array_index(p->relations, g_array_index(e->relations, int32_t, i));
    if (strcmp(r->name, name) == 0)
      return r;
  }
  return NULL;
}

static bool is_parent_key(const struct zjtx_policy *p, int32_t entity, const char *name) {
  zentity *e = zpolicy_entity(p, entity);
  return e->parent >= 0 && e->parent_key && strcmp(e->parent_key, name) == 0;
}

const zvar *zcomp_find_var(const zcompiler *c, const char *name) {
  for (guint i = c->vars->len; i-- > 0;) {
    const zvar *v = &g_array_index(c->vars, zvar, i);
    if (strcmp(v->name, name) == 0)
      return v;
  }
  return NULL;
}

/* ---- names --------------------------------------------------------------- */

/* Field f of a record (the current one for SELF_FIELD, the one on the
 * stack for FIELD, which may be missing): missing when the field is
 * optional or the record missing. */
static ztype emit_field(zcompiler *c, zopcode op, const zentity *ent, int32_t f, int32_t entity,
                        bool record_may_be_missing) {
  const zfield *fd = zentity_field(ent, f);
  bool optional = !fd->required && f != ent->key_field;
  int flags = (optional ? ZMISS_FIELD : 0) | (record_may_be_missing ? ZMISS_RECORD : 0);
  zcomp_emit(c, op, flags, f, entity);
  return ztype_missing_if(zfield_value_type(fd), flags != 0);
}

static ztype compile_self_name(zcompiler *c, zexpr *e) {
  const zscope *s = c->scope;
  zentity *ent = zpolicy_entity(c->p, s->entity);
  int32_t f = zentity_field_index(ent, e->name);
  if (f >= 0)
    return emit_field(c, OP_SELF_FIELD, ent, f, s->entity, false);
  if (is_parent_key(c->p, s->entity, e->name)) {
    zcomp_emit(c, OP_SELF, 0, 0, 0);
    zcomp_emit(c, OP_PARENT, 0, 0, s->entity);
    return ztype_of(ZT_RECORD, ent->parent);
  }
  if (zcomp_find_relation(c->p, s->entity, e->name))
    return zcomp_fail(c, e, "'%s' is a collection: use it in an aggregate such as count(x in %s)", e->name, e->name);
  zderived *d = zpolicy_find_derived(c->p, s->entity, e->name);
  if (d) {
    zcomp_emit(c, OP_SELF, 0, 0, 0);
    return zcomp_call_derived(c, e, d, 0, false);
  }
  return ZTYPE_VOID;
}

/* A derived value is compiled, in its own block and session one level
 * deeper, when a call first meets it. */
static bool compile_callee(zcompiler *c, const zexpr *at, zderived *d) {
  if (d->state != 0)
    return true;
  if (c->nesting >= ZDERIVED_MAX_DEPTH) {
    zcomp_fail(c, at, "derived values call each other more than %d deep", ZDERIVED_MAX_DEPTH);
    return false;
  }
  zscope sc = {ZSCOPE_RECORD, d->entity, ZTYPE_VOID, d};
  zcomp_enter(c->p, g_strdup_printf("derived %s", d->name));
  bool ok = zcomp_source(c->p, &d->expr, &sc, d->type, c->nesting + 1, &c->err);
  zcomp_leave(c->p);
  return ok;
}

static ztype compile_param(zcompiler *c, zexpr *at, const char *name, zexpr *key, zexpr *date);

ztype zcomp_name(zcompiler *c, zexpr *e) {
  const zscope *s = c->scope;
  const zvar *v = zcomp_find_var(c, e->name);
  if (v) {
    zcomp_emit(c, OP_LOCAL, 0, v->slot, 0);
    return ztype_of(ZT_RECORD, v->entity);
  }
  if (s->derived) {
    for (guint i = 0; i < s->derived->arg_names->len; i++)
      if (strcmp(g_ptr_array_index(s->derived->arg_names, i), e->name) == 0) {
        zcomp_emit(c, OP_LOCAL, 0, (int)i, 0);
        return g_array_index(s->derived->arg_types, ztype, i);
      }
    if (strcmp(e->name, "inherited") == 0 && s->derived->inherited >= 0) {
      zderived *base = g_ptr_array_index(c->p->derived, s->derived->inherited);
      if (!compile_callee(c, e, base))
        return ZTYPE_VOID;
      zcomp_emit(c, OP_SELF, 0, 0, 0); /* its arguments are there: a call with a missing one never starts */
      for (guint i = 0; i < s->derived->arg_names->len; i++)
        zcomp_emit(c, OP_LOCAL, 0, (int)i, 0);
      c->depth -= (int)s->derived->arg_names->len;
      zcomp_emit(c, OP_CALL, (int)s->derived->arg_names->len, 0, base->index);
      zcomp_add_call(c, base->index);
      return base->type;
    }
  }
  if (s->kind == ZSCOPE_GROUP && strcmp(e->name, "key") == 0) {
    zcomp_emit(c, OP_GROUP_KEY, 0, 0, 0);
    return s->key_type;
  }
  if (s->kind == ZSCOPE_GROUP && strcmp(e->name, "members") == 0)
    return zcomp_fail(c, e, "'members' is a collection: use it in an aggregate such as sum(m in members : ...)");
  if (s->kind == ZSCOPE_RECORD) {
    ztype t = compile_self_name(c, e);
    if (t.kind != ZT_VOID || c->err)
      return t;
  }
  if (zpolicy_param_index(c->p, e->name) >= 0)
    return compile_param(c, e, e->name, NULL, NULL);
  /* a rule's amount for this record: after parameters, which rules named
   * like them (a rule `fee` paying the parameter `fee`) have always read */
  zrule *r = s->kind == ZSCOPE_RECORD ? zcomp_find_rule(c->p, e->name) : NULL;
  if (r) {
    zcomp_emit(c, OP_SELF, 0, 0, 0);
    return zcomp_rule_value(c, e, r, s->entity, false);
  }
  zscale *table = zpolicy_find_scale(c->p, e->name);
  if (table)
    return zcomp_fail(c, e, "'%s' is a table: look a value up with %s(%s, value)", e->name,
                      table->kind == ZSCALE_MARGINAL ? "marginal" : "tier", e->name);
  if (strcmp(e->name, "period") == 0)
    return zcomp_fail(c, e, "'period' has parts: write period.start, period.end or period.year");
  if (strcmp(e->name, "inherited") == 0)
    return zcomp_fail(c, e, "'inherited' can only be used in an <override>");
  if (strcmp(e->name, "members") == 0 || strcmp(e->name, "key") == 0)
    return zcomp_fail(c, e, "'%s' can only be used in a rule or check with group-by=", e->name);
  if (s->kind == ZSCOPE_RECORD)
    return zcomp_fail(c, e,
                      "unknown name '%s' (not a variable, a field, relation or derived value of %s, nor a parameter)",
                      e->name, zpolicy_entity(c->p, s->entity)->name);
  return zcomp_fail(c, e, "unknown name '%s' (not a variable nor a parameter)", e->name);
}

/* ---- parameters ---------------------------------------------------------- */

static ztype compile_param(zcompiler *c, zexpr *at, const char *name, zexpr *key, zexpr *date) {
  int32_t pi = zpolicy_param_index(c->p, name);
  if (pi < 0)
    return zcomp_fail(c, at, "unknown parameter '%s'", name);
  zparam *p = g_ptr_array_index(c->p->params, pi);
  int flags = 0;
  bool missing = false; /* a key or date that may be missing */
  if (p->key_codeset >= 0 && !key) {
    zcodeset *cs = g_ptr_array_index(c->p->codesets, p->key_codeset);
    return zcomp_fail(c, at, "parameter '%s' has one value per %s: write %s[...]", name, cs->name, name);
  }
  if (p->key_codeset < 0 && key)
    return zcomp_fail(c, key, "parameter '%s' is not keyed: it takes no [...]", name);
  if (key) {
    ztype want = ztype_of(ZT_CODE, p->key_codeset);
    ztype kt = zcomp_node(c, key, want);
    if (c->err)
      return ZTYPE_VOID;
    if (!ztype_same(kt, want)) {
      char b1[64], b2[64];
      return zcomp_fail(c, key, "the key of '%s' must be a %s, not %s", name, ztype_name(c->p, want, b1, sizeof b1),
                        ztype_name(c->p, kt, b2, sizeof b2));
    }
    flags |= ZPARAM_KEYED;
    missing = kt.may_be_missing;
  }
  if (date) {
    ztype dt = zcomp_node(c, date, ZTYPE_VOID);
    if (c->err)
      return ZTYPE_VOID;
    if (dt.kind != ZT_DATE)
      return zcomp_fail(c, date, "'@' needs a date after it");
    flags |= ZPARAM_DATED;
    missing = missing || dt.may_be_missing;
  }
  zcomp_emit(c, OP_PARAM, flags, missing, pi);
  c->depth -= (flags & ZPARAM_KEYED ? 1 : 0) + (flags & ZPARAM_DATED ? 1 : 0);
  return ztype_missing_if(p->type, missing);
}

ztype zcomp_at(zcompiler *c, zexpr *e) {
  zexpr *target = zexpr_kid(e, 0);
  if (target->kind == ZE_NAME)
    return compile_param(c, target, target->name, NULL, zexpr_kid(e, 1));
  if (target->kind == ZE_INDEX && zexpr_kid(target, 0)->kind == ZE_NAME)
    return compile_param(c, zexpr_kid(target, 0), zexpr_kid(target, 0)->name, zexpr_kid(target, 1), zexpr_kid(e, 1));
  return zcomp_fail(c, e, "'@' applies to a parameter: write name @ date or name[key] @ date");
}

ztype zcomp_index(zcompiler *c, zexpr *e) {
  zexpr *target = zexpr_kid(e, 0);
  if (target->kind != ZE_NAME)
    return zcomp_fail(c, e, "only a keyed parameter can be indexed with [...]");
  return compile_param(c, target, target->name, zexpr_kid(e, 1), NULL);
}

/* ---- members and calls of derived values --------------------------------- */

ztype zcomp_member(zcompiler *c, zexpr *e) {
  zexpr *base = zexpr_kid(e, 0);
  if (base->kind == ZE_NAME && strcmp(base->name, "period") == 0 && !zcomp_find_var(c, "period")) {
    static const char *const parts[] = {"start", "end", "year"};
    for (int i = 0; i < 3; i++)
      if (strcmp(e->name, parts[i]) == 0) {
        zcomp_emit(c, OP_PERIOD, i, 0, 0);
        return ztype_of(i == 2 ? ZT_NUMBER : ZT_DATE, -1);
      }
    return zcomp_fail(c, e, "period has no part '%s' (expected start, end or year)", e->name);
  }
  ztype bt = zcomp_node(c, base, ZTYPE_VOID);
  if (c->err)
    return ZTYPE_VOID;
  if (bt.kind != ZT_RECORD) {
    char b[64];
    return zcomp_fail(c, e, "'.%s' needs a record on its left, not %s", e->name, ztype_name(c->p, bt, b, sizeof b));
  }
  zentity *ent = zpolicy_entity(c->p, bt.ref);
  int32_t f = zentity_field_index(ent, e->name);
  if (f >= 0)
    return emit_field(c, OP_FIELD, ent, f, bt.ref, bt.may_be_missing);
  if (is_parent_key(c->p, bt.ref, e->name)) {
    zcomp_emit(c, OP_PARENT, bt.may_be_missing, 0, bt.ref);
    return ztype_missing_if(ztype_of(ZT_RECORD, ent->parent), bt.may_be_missing);
  }
  zderived *d = zpolicy_find_derived(c->p, bt.ref, e->name);
  if (d)
    return zcomp_call_derived(c, e, d, 0, bt.may_be_missing);
  if (zcomp_find_relation(c->p, bt.ref, e->name))
    return zcomp_fail(c, e, "'%s' is a collection: use it in an aggregate", e->name);
  zrule *r = zcomp_find_rule(c->p, e->name);
  if (r)
    return zcomp_rule_value(c, e, r, bt.ref, bt.may_be_missing);
  return zcomp_fail(c, e, "%s has no field, relation or derived value '%s'", ent->name, e->name);
}

/* Receiver is already on the stack; args are e->kids[first_arg..].  When
 * the receiver or an argument may be missing, a missing one makes the
 * result missing and the derived value is not run. */
ztype zcomp_call_derived(zcompiler *c, zexpr *e, zderived *d, guint first_arg, bool receiver_may_be_missing) {
  bool missing = receiver_may_be_missing;
  guint nargs = e->kids->len - first_arg;
  if (e->kind != ZE_CALL)
    nargs = 0;
  if (nargs != d->arg_names->len)
    return zcomp_fail(c, e, "'%s' takes %u argument%s, not %u", d->name, d->arg_names->len,
                      d->arg_names->len == 1 ? "" : "s", nargs);
  for (guint i = 0; i < nargs; i++) {
    ztype want = g_array_index(d->arg_types, ztype, i);
    zexpr *a = zexpr_kid(e, first_arg + i);
    ztype at = zcomp_node(c, a, want);
    if (c->err)
      return ZTYPE_VOID;
    missing = missing || at.may_be_missing;
    if (!zcomp_coerce(a, &at, want)) {
      char b1[64], b2[64];
      return zcomp_fail(c, a, "argument %u of '%s' must be %s, not %s", i + 1, d->name,
                        ztype_name(c->p, want, b1, sizeof b1), ztype_name(c->p, at, b2, sizeof b2));
    }
  }
  if (d->state == 1) {
    bool through_rule;
    g_autofree char *label = g_strdup_printf("derived %s", d->name);
    g_autofree char *path = zcomp_cycle_path(c->p, label, &through_rule);
    if (path && through_rule)
      return zcomp_fail(c, e, "rules use each other in a cycle: %s", path);
    return zcomp_fail(c, e, "'%s' depends on itself", d->name);
  }
  if (!compile_callee(c, e, d))
    return ZTYPE_VOID;
  c->depth -= (int)nargs;
  zcomp_emit(c, OP_CALL, (int)nargs, missing, d->index);
  zcomp_add_call(c, d->index);
  return ztype_missing_if(d->type, missing);
}
