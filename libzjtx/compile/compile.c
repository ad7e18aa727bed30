/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile.c - the walk over an expression tree that checks and emits it:
 * the dispatcher, the top of the compiler (compile-internal.h lists the
 * other parts, all below it). */
#include "compile-internal.h"

/* ---- the walk ------------------------------------------------------------ */

/* The type `e` would have, without emitting anything.  Only typing: so
 * that nested max()/min() aggregates, each of which types its value before
 * compiling it, cost linear time rather than doubling per level.  Derived
 * values met on the way are compiled for real (once, in their own blocks). */
ztype zcomp_peek_type(zcompiler *c, zexpr *e, ztype hint) {
  int depth = c->depth, n_locals = c->block->n_locals;
  c->dry++;
  ztype t = zcomp_node(c, e, hint);
  c->dry--;
  c->depth = depth;
  c->block->n_locals = n_locals;
  return t;
}

ztype zcomp_node(zcompiler *c, zexpr *e, ztype hint) {
  if (c->err)
    return ZTYPE_VOID;
  const zexpr *outer = c->at;
  c->at = e;
  ztype t = ZTYPE_VOID;
  int from = zcomp_here(c);
  switch (e->kind) {
  case ZE_NUMBER:
    zcomp_emit_const(c, (zval){.d = e->num}, ztype_of(ZT_NUMBER, -1));
    t = ztype_of(ZT_NUMBER, -1);
    break;
  case ZE_PERCENT:
    zcomp_emit_const(c, (zval){.d = e->num}, ztype_of(ZT_RATE, -1));
    t = ztype_of(ZT_RATE, -1);
    break;
  case ZE_STRING:
    t = zcomp_string(c, e, hint);
    break;
  case ZE_BOOL:
    zcomp_emit_const(c, (zval){.b = e->b}, ztype_of(ZT_BOOL, -1));
    t = ztype_of(ZT_BOOL, -1);
    break;
  case ZE_NAME:
    t = zcomp_name(c, e);
    break;
  case ZE_MEMBER:
    t = zcomp_member(c, e);
    break;
  case ZE_CALL:
    t = zcomp_call(c, e);
    break;
  case ZE_INDEX:
    t = zcomp_index(c, e);
    break;
  case ZE_AT:
    t = zcomp_at(c, e);
    break;
  case ZE_UNARY:
    t = zcomp_unary(c, e);
    break;
  case ZE_BINARY:
    t = zcomp_binary(c, e);
    break;
  case ZE_AND:
  case ZE_OR:
    t = zcomp_logic(c, e);
    break;
  case ZE_IF:
    t = zcomp_if(c, e);
    break;
  case ZE_IN:
    t = zcomp_in(c, e);
    break;
  case ZE_AGG:
    t = zcomp_aggregate(c, e);
    break;
  }
  e->type = t;
  if (!c->dry)
    zcomp_mark(c, e, from);
  c->at = outer;
  return c->err ? ZTYPE_VOID : t;
}

/* ---- sessions ------------------------------------------------------------ */

bool zcompile_expr(struct zjtx_policy *p, zsource_expr *src, const zscope *scope, ztype want, zjtx_error **err) {
  return zcomp_source(p, src, scope, want, 1, err);
}

/* Compiles `src` in a session of its own; `nesting` counts it and the
 * derived values being compiled around it. */
bool zcomp_source(struct zjtx_policy *p, zsource_expr *src, const zscope *scope, ztype want, int nesting,
                  zjtx_error **err) {
  zcompiler c;
  if (!zcomp_open(&c, p, src, scope, nesting, err))
    return false;
  ztype t = zcomp_node(&c, src->ast, want);
  if (!c.err && want.kind != ZT_VOID) {
    /* a declared `code` derived value takes the code list of its body */
    if (want.kind == ZT_CODE && want.ref < 0 && t.kind == ZT_CODE)
      want = t;
    if (!zcomp_coerce(src->ast, &t, want)) {
      char b1[64], b2[64];
      zcomp_fail(&c, src->ast, "expected %s but this expression gives %s", ztype_name(p, want, b1, sizeof b1),
                 ztype_name(p, t, b2, sizeof b2));
    }
  }
  return zcomp_close(&c, src, t, err);
}
