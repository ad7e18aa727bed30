/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile-aggregate.c - aggregates over a collection: count, sum, any, all,
 * max and min, each a loop over the collection's records. */
#include "compile-internal.h"

#include <string.h>

/* The collection an aggregate walks: pushes its owner and returns the
 * relation (or -1 for a group's members) and the records' entity. */
static bool compile_collection(zcompiler *c, zexpr *src, int *source, int32_t *relation, int32_t *entity) {
  const char *name = src->name;
  int32_t owner;
  if (src->kind == ZE_NAME && c->scope->kind == ZSCOPE_GROUP && strcmp(name, "members") == 0) {
    zcomp_emit(c, OP_CONST, 0, 0, zcomp_add_const(c, (zval){.rec = 0}));
    *source = ZITER_MEMBERS;
    *relation = -1;
    *entity = c->scope->entity;
    return true;
  }
  if (src->kind == ZE_NAME && c->scope->kind == ZSCOPE_POPULATION && !zcomp_find_var(c, name)) {
    for (guint i = 0; i < c->p->entities->len; i++)
      if (strcmp(zpolicy_entity(c->p, (int32_t)i)->plural, name) == 0) {
        zcomp_emit(c, OP_CONST, 0, 0, zcomp_add_const(c, (zval){.rec = 0}));
        *source = ZITER_ALL;
        *relation = *entity = (int32_t)i;
        return true;
      }
    return zcomp_fail(c, src, "'%s' is not the plural of an entity (every record of an entity: e.g. count(x in %s))",
                      name, zpolicy_entity(c->p, 0)->plural),
           false;
  }
  int32_t all = src->kind == ZE_NAME && c->scope->kind != ZSCOPE_POPULATION ? zcomp_population_entity(c, name) : -1;
  if (all >= 0) { /* every record of an entity (compile-population.c) */
    zcomp_emit(c, OP_CONST, 0, 0, zcomp_add_const(c, (zval){.rec = 0}));
    *source = ZITER_ALL;
    *relation = *entity = all;
    return true;
  }
  if (src->kind == ZE_NAME && c->scope->kind == ZSCOPE_RECORD && !zcomp_find_var(c, name)) {
    owner = c->scope->entity;
    zcomp_emit(c, OP_SELF, 0, 0, 0);
  } else if (src->kind == ZE_MEMBER) {
    ztype bt = zcomp_node(c, zexpr_kid(src, 0), ZTYPE_VOID);
    if (c->err)
      return false;
    if (bt.kind != ZT_RECORD)
      return zcomp_fail(c, src, "'.%s' needs a record on its left", name), false;
    if (bt.may_be_missing)
      return zcomp_fail(c, src, "the record whose '%s' this walks may be missing (an optional reference)", name), false;
    owner = bt.ref;
  } else {
    return zcomp_fail(c, src, "an aggregate walks a collection (a relation such as honors, or members)"), false;
  }
  zrelation *r = zcomp_find_relation(c->p, owner, name);
  if (!r)
    return zcomp_fail(c, src, "%s has no collection '%s'", zpolicy_entity(c->p, owner)->name, name), false;
  *source = ZITER_RELATION;
  *relation = r->index;
  *entity = r->target;
  return true;
}

typedef enum { AGG_COUNT, AGG_SUM, AGG_ANY, AGG_ALL, AGG_MAX, AGG_MIN } zagg;

static bool agg_parts_ok(zcompiler *c, zexpr *e, zagg kind) {
  bool has_value = zexpr_kid(e, 2) != NULL, has_else = zexpr_kid(e, 3) != NULL;
  bool want_value = kind == AGG_SUM || kind == AGG_ALL || kind == AGG_MAX || kind == AGG_MIN;
  bool want_else = kind == AGG_MAX || kind == AGG_MIN;
  if (has_value != want_value)
    return zcomp_fail(c, e,
                      want_value ? "%s() needs ': value' after the collection"
                                 : "%s() takes no ': value' (use 'where' to filter)",
                      e->name),
           false;
  if (has_else != want_else)
    return zcomp_fail(c, e, want_else ? "%s() needs 'else value' for when no record matches" : "%s() takes no 'else'",
                      e->name),
           false;
  return true;
}

/* While explaining, the VM records each aggregate's value under a label
 * such as "count(p in located_projects where …)"; otherwise the
 * instruction does nothing. */
static void emit_trace_aggregate(zcompiler *c, const zexpr *e, ztype result) {
  const zexpr *src = zexpr_kid(e, 0);
  zagg_info info = {g_strdup_printf("%s(%s in %s%s%s)", e->name, e->agg_var, src->name ? src->name : "…",
                                    zexpr_kid(e, 1) ? " where …" : "", zexpr_kid(e, 2) ? " : …" : ""),
                    result};
  g_array_append_val(c->p->aggregates, info);
  zcomp_emit(c, OP_TRACE_AGG, 0, 0, (int32_t)c->p->aggregates->len - 1);
}

ztype zcomp_aggregate_walk(zcompiler *c, zexpr *e) {
  static const char *const names[] = {"count", "sum", "any", "all", "max", "min"};
  zagg kind = AGG_COUNT;
  for (int i = 0; i < 6; i++)
    if (strcmp(e->name, names[i]) == 0)
      kind = (zagg)i;
  if (!agg_parts_ok(c, e, kind))
    return ZTYPE_VOID;
  zexpr *where = zexpr_kid(e, 1), *value = zexpr_kid(e, 2), *dflt = zexpr_kid(e, 3);
  int slot = zcomp_new_slot(c), seen = -1;
  bool value_typed = false;
  zcomp_new_slot(c);
  zcomp_new_slot(c);
  ztype result = ztype_of(ZT_NUMBER, -1);
  /* the collection first (ITER takes its owner off the stack), then the
   * accumulator, which stays on the stack through the loop */
  int source;
  int32_t relation, entity;
  if (!compile_collection(c, zexpr_kid(e, 0), &source, &relation, &entity))
    return ZTYPE_VOID;
  zcomp_emit(c, OP_ITER, source, slot, relation);
  zvar var = {e->agg_var, entity, slot};
  g_array_append_val(c->vars, var);
  if (kind == AGG_COUNT || kind == AGG_SUM)
    zcomp_emit_const(c, (zval){.d = zdec_from_int(0)}, ztype_of(ZT_NUMBER, -1)); /* a sum is typed by its value */
  else if (kind == AGG_ANY || kind == AGG_ALL)
    zcomp_emit_const(c, (zval){.b = kind == AGG_ALL}, ztype_of(ZT_BOOL, -1));
  else {
    /* the else value is typed like the values ('innovative_sme' is a code) */
    ztype value_type;
    if (c->dry) { /* only typing already: no need to type the value twice */
      value_type = zcomp_node(c, value, ZTYPE_VOID);
      value_typed = true;
    } else {
      value_type = zcomp_peek_type(c, value, ZTYPE_VOID);
    }
    result = zcomp_node(c, dflt, value_type);
    seen = zcomp_new_slot(c);
    zcomp_emit_const(c, (zval){.b = false}, ztype_of(ZT_BOOL, -1));
    zcomp_emit(c, OP_STORE, 0, seen, 0);
  }
  if (c->err)
    return ZTYPE_VOID;
  int loop = zcomp_here(c);
  int next = zcomp_emit(c, OP_NEXT, 0, slot, 0);
  /* a record whose `where` or value is missing makes the aggregate missing
   * (three-valued for any and all); a record filtered out is never read */
  bool missing = result.may_be_missing;
  if (where) {
    ztype wt = zcomp_node(c, where, ZTYPE_VOID);
    if (!c->err && wt.kind != ZT_BOOL)
      zcomp_fail(c, where, "'where' needs a condition (bool)");
    missing = missing || wt.may_be_missing;
    zcomp_emit(c, OP_JUMP_FALSE, wt.may_be_missing, 0, loop);
  }
  int exit_jump = -1;
  if (c->err) {
    /* fall through to cleanup */
  } else if (kind == AGG_COUNT) {
    zcomp_emit(c, OP_INC, missing, 0, 0);
  } else if (kind == AGG_ANY) {
    zcomp_emit(c, OP_POP, 0, 0, 0);
    zcomp_emit_const(c, (zval){.b = true}, ztype_of(ZT_BOOL, -1));
    exit_jump = zcomp_emit(c, OP_JUMP, 0, 0, 0);
  } else {
    ztype vt = value_typed ? value->type : zcomp_node(c, value, result);
    missing = missing || vt.may_be_missing;
    if (c->err) {
    } else if (kind == AGG_SUM) {
      if (!ztype_is_decimal(vt))
        zcomp_fail(c, value, "sum() adds numbers, money or rates");
      result = vt;
      zcomp_emit(c, OP_ADD, missing, 0, 0);
    } else if (kind == AGG_ALL) {
      if (vt.kind != ZT_BOOL)
        zcomp_fail(c, value, "all() needs a condition after ':'");
      zcomp_emit(c, OP_NOT, vt.may_be_missing, 0, 0);
      zcomp_emit(c, OP_JUMP_FALSE, vt.may_be_missing, 0, loop);
      zcomp_emit(c, OP_POP, 0, 0, 0);
      zcomp_emit_const(c, (zval){.b = false}, ztype_of(ZT_BOOL, -1));
      exit_jump = zcomp_emit(c, OP_JUMP, 0, 0, 0);
    } else {
      if (!zcomp_unify(dflt, &result, value, &vt)) {
        char b1[64], b2[64];
        zcomp_fail(c, value, "%s() value is %s but its 'else' is %s", e->name, ztype_name(c->p, vt, b1, sizeof b1),
                   ztype_name(c->p, result, b2, sizeof b2));
      } else if (!zcomp_ordered(c, vt)) {
        zcomp_fail(c, value, "%s() needs numbers, money, rates, dates or ordered codes", e->name);
      }
      zcomp_emit(c, OP_AGG_MINMAX, (kind == AGG_MAX) | (missing ? ZMISS_AGG : 0), zcomp_cmp_kind(vt), seen);
    }
  }
  if (exit_jump < 0 || kind == AGG_ALL)
    zcomp_emit(c, OP_JUMP, 0, 0, loop);
  zcomp_patch(c, next, zcomp_here(c));
  if (exit_jump >= 0)
    zcomp_patch(c, exit_jump, zcomp_here(c));
  g_array_set_size(c->vars, c->vars->len - 1);
  if (kind == AGG_ANY || kind == AGG_ALL)
    result = ztype_of(ZT_BOOL, -1);
  result = ztype_missing_if(result, missing);
  if (!c->err)
    emit_trace_aggregate(c, e, result);
  return c->err ? ZTYPE_VOID : result;
}
