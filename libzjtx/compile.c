/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile.c - the compile session: emission of bytecode and the walk over
 * an expression tree that checks and emits it (compile-internal.h lists
 * the other parts of the compiler). */
#include "compile-internal.h"

#include <stdarg.h>
#include <string.h>

/* ---- errors -------------------------------------------------------------- */

ztype zcomp_fail(zcompiler *c, const zexpr *e, const char *fmt, ...) {
  if (!c->err) {
    va_list ap;
    va_start(ap, fmt);
    c->err = zerr_newv(ZJTX_ERR_POLICY, c->file, e->line, e->column, NULL, fmt, ap);
    va_end(ap);
  }
  return ZTYPE_VOID;
}

/* ---- emission ------------------------------------------------------------ */

/* Appends one instruction; returns its index (-1 when only typing). */
int zcomp_emit(zcompiler *c, zopcode op, int a, int b, int32_t arg) {
  if (c->dry)
    return -1;
  if (a < 0 || a > UINT8_MAX || b < 0 || b > UINT16_MAX) {
    /* an operand would not fit its field: the instruction would be wrong */
    zcomp_fail(c, c->at, "too large for the compiler (more than %d arguments, %d fields or %d local values)", UINT8_MAX,
               UINT16_MAX, UINT16_MAX);
    return -1;
  }
  zinstr in = {(uint8_t)op, (uint8_t)a, (uint16_t)b, arg};
  g_array_append_val(c->block->code, in);
  c->depth += zop_info(op)->pushes - zop_info(op)->pops;
  if (c->depth > c->block->max_stack)
    c->block->max_stack = c->depth;
  return (int)c->block->code->len - 1;
}

int zcomp_here(zcompiler *c) {
  return (int)c->block->code->len;
}
void zcomp_patch(zcompiler *c, int at, int target) {
  if (at >= 0 && !c->dry)
    g_array_index(c->block->code, zinstr, at).c = target;
}

int32_t zcomp_add_const(zcompiler *c, zval v) {
  if (c->dry)
    return 0;
  g_array_append_val(c->p->consts, v);
  return (int32_t)c->p->consts->len - 1;
}
/* A constant; its type goes in a and b, for the dump only (the VM ignores them). */
void zcomp_emit_const(zcompiler *c, zval v, ztype t) {
  int codeset = t.kind == ZT_CODE && t.ref >= 0 && t.ref < UINT16_MAX ? t.ref + 1 : 0;
  zcomp_emit(c, OP_CONST, (int)t.kind, codeset, zcomp_add_const(c, v));
}

void zcomp_add_call(zcompiler *c, int32_t derived) {
  if (!c->dry)
    g_array_append_val(c->block->calls, derived);
}

/* A local slot; zcomp_emit() refuses slots past UINT16_MAX. */
int zcomp_new_slot(zcompiler *c) {
  return c->block->n_locals++;
}

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
  zderived *d = (zderived *)scope->derived;
  if (d)
    d->state = 1;
  if (!src->ast) {
    src->ast = zexpr_parse(src->text, src->pos.file, src->pos.line, src->pos.column, err);
    if (!src->ast)
      return false;
  }
  zblock *b = &src->block;
  if (!b->code) {
    b->code = g_array_new(FALSE, FALSE, sizeof(zinstr));
    b->calls = g_array_new(FALSE, FALSE, sizeof(int32_t));
  }
  g_array_set_size(b->code, 0);
  b->max_stack = 0;
  b->n_locals = d ? (int32_t)d->arg_names->len : 0;
  zcompiler c = {.p = p,
                 .scope = scope,
                 .file = src->pos.file,
                 .block = b,
                 .vars = g_array_new(FALSE, FALSE, sizeof(zvar)),
                 .nesting = nesting,
                 .at = src->ast};
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
  zcomp_emit(&c, OP_RET, 0, 0, 0);
  g_array_free(c.vars, TRUE);
  if (c.err) {
    zerr_give(err, c.err);
    return false;
  }
  src->type = t;
  if (d) {
    d->type = t;
    d->state = 2;
  }
  return true;
}
