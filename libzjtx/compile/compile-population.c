/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile-population.c - aggregates over every record of an entity (its
 * plural: count(e in enterprises where ...)) outside indicators, and the
 * cache that computes such an aggregate once per evaluation when it reads
 * nothing of the current record. */
#include "compile-internal.h"

#include <string.h>

int32_t zcomp_population_entity(const zcompiler *c, const char *name) {
  if (zcomp_find_var(c, name))
    return -1;
  if (c->scope->kind == ZSCOPE_RECORD && zcomp_find_relation(c->p, c->scope->entity, name))
    return -1; /* the record's own collection of that name comes first */
  if (c->scope->kind == ZSCOPE_GROUP && strcmp(name, "members") == 0)
    return -1;
  for (guint i = 0; i < c->p->entities->len; i++)
    if (strcmp(zpolicy_entity(c->p, (int32_t)i)->plural, name) == 0)
      return (int32_t)i;
  return -1;
}

void zcomp_note_context(zcompiler *c, zopcode op, int a, int b) {
  if (op == OP_SELF || op == OP_SELF_FIELD || op == OP_GROUP_KEY || (op == OP_ITER && a == ZITER_MEMBERS) ||
      ((op == OP_LOCAL || op == OP_STORE) && b < c->closed_from))
    c->context_reads++;
}

/* Whether aggregate e walks a population and reads nothing of where it is
 * (the current record, the group, the arguments, the variables of the
 * aggregates around it): its value is then the same for every record.
 * Typed without emitting anything, once. */
static bool closed_population(zcompiler *c, zexpr *e) {
  const zexpr *src = zexpr_kid(e, 0);
  if (c->dry || c->scope->kind == ZSCOPE_POPULATION || src->kind != ZE_NAME ||
      zcomp_population_entity(c, src->name) < 0 || c->p->n_caches >= UINT16_MAX)
    return false;
  int reads = c->context_reads, from = c->closed_from;
  c->closed_from = c->block->n_locals;
  zcomp_peek_type(c, e, ZTYPE_VOID);
  bool closed = c->context_reads == reads;
  c->context_reads = reads;
  c->closed_from = from;
  return closed && !c->err;
}

ztype zcomp_aggregate(zcompiler *c, zexpr *e) {
  if (!closed_population(c, e))
    return zcomp_aggregate_walk(c, e);
  int32_t cache = c->p->n_caches++;
  int load = zcomp_emit(c, OP_CACHE_LOAD, 0, cache, 0);
  ztype t = zcomp_aggregate_walk(c, e);
  zcomp_emit(c, OP_CACHE_STORE, 0, cache, 0);
  zcomp_patch(c, load, zcomp_here(c));
  return t;
}
