/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile-emit.c - the compile session and emission of bytecode: the bottom
 * of the compiler, called by every other part and calling none of them. */
#include "compile-internal.h"
#include "vm.h" /* zvm_make_fast */

#include <stdarg.h>

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
  zcomp_note_context(c, op, a, b);
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
  if (!ztype_is_decimal(t))
    zval_set_present(&v); /* a decimal's scale says it is there */
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

/* Where `e`'s code lies in the block, so that an explanation can run one
 * sub-expression alone (explain/explain-probe.c). */
void zcomp_mark(zcompiler *c, zexpr *e, int from) {
  if (c->dry)
    return;
  e->pc_from = from;
  e->pc_to = zcomp_here(c);
}

/* ---- sessions ------------------------------------------------------------ */

/* Opens a session on `src`: parses it if needed and empties its block.  A
 * derived value is marked as being compiled first, so that a call of it met
 * on the way does not compile it again (compile-link.c finds the cycle). */
bool zcomp_open(zcompiler *c, struct zjtx_policy *p, zsource_expr *src, const zscope *scope, int nesting,
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
  *c = (zcompiler){.p = p,
                   .scope = scope,
                   .file = src->pos.file,
                   .block = b,
                   .vars = g_array_new(FALSE, FALSE, sizeof(zvar)),
                   .nesting = nesting,
                   .at = src->ast};
  return true;
}

/* Closes the session: ends the block and records the type `t` of `src` (and
 * of its derived value), or hands over the session's error. */
bool zcomp_close(zcompiler *c, zsource_expr *src, ztype t, zjtx_error **err) {
  zcomp_emit(c, OP_RET, 0, 0, 0);
  const zinstr *code = (const zinstr *)(void *)c->block->code->data;
  c->block->param = c->block->code->len == 2 && code[0].op == OP_PARAM && code[0].a == 0 ? code[0].c + 1 : 0;
  zvm_make_fast(c->block);
  g_array_free(c->vars, TRUE);
  if (c->err) {
    zerr_give(err, c->err);
    return false;
  }
  src->type = t;
  zderived *d = (zderived *)c->scope->derived;
  if (d) {
    d->type = t;
    d->state = 2;
  }
  return true;
}
