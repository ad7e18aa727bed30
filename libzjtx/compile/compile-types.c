/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile-types.c - the compiler's type rules: names of types, literals
 * and how they take the type of what they meet, and the operators
 * (arithmetic, comparison, and/or, not, if, in). */
#include "compile-internal.h"

#include <string.h>

/* ---- types --------------------------------------------------------------- */

const char *ztype_name(const struct zjtx_policy *p, ztype t, char *buf, size_t len) {
  if (t.kind == ZT_CODE && t.ref >= 0)
    g_snprintf(buf, len, "code of %s", ((zcodeset *)g_ptr_array_index(p->codesets, t.ref))->name);
  else if ((t.kind == ZT_RECORD || t.kind == ZT_COLL) && t.ref >= 0)
    g_snprintf(buf, len, "%s %s", ztype_kind_name(t.kind), zpolicy_entity(p, t.ref)->name);
  else
    g_snprintf(buf, len, "%s", ztype_kind_name(t.kind));
  return buf;
}

ztype zfield_value_type(const zfield *f) {
  switch (f->type) {
  case ZF_TEXT:
    return ztype_of(ZT_TEXT, -1);
  case ZF_MONEY:
    return ztype_of(ZT_MONEY, -1);
  case ZF_RATE:
    return ztype_of(ZT_RATE, -1);
  case ZF_COUNT:
  case ZF_NUMBER:
    return ztype_of(ZT_NUMBER, -1);
  case ZF_DATE:
    return ztype_of(ZT_DATE, -1);
  case ZF_BOOL:
    return ztype_of(ZT_BOOL, -1);
  case ZF_CODE:
    return ztype_of(ZT_CODE, f->codeset);
  case ZF_REF:
    return ztype_of(ZT_RECORD, f->ref_entity);
  }
  return ZTYPE_VOID;
}

/* ---- literals ------------------------------------------------------------ */

static bool is_number_literal(const zexpr *e) {
  if (e->kind == ZE_UNARY && e->op == '-')
    return is_number_literal(zexpr_kid(e, 0));
  return e->kind == ZE_NUMBER;
}

static bool literal_is_zero(const zexpr *e) {
  if (e->kind == ZE_UNARY)
    return literal_is_zero(zexpr_kid(e, 0));
  return (e->kind == ZE_NUMBER || e->kind == ZE_PERCENT) && zdec_is_zero(e->num);
}

/* A plain number literal takes the money type of what it meets (yuan), and
 * 0 also the rate type: "rd_expense >= 1000000", "max(0, x - y)". */
bool zcomp_coerce(const zexpr *lit, ztype *t, ztype target) {
  if (ztype_same(*t, target))
    return true;
  if (t->kind != ZT_NUMBER || !is_number_literal(lit))
    return false;
  if (target.kind == ZT_MONEY || (target.kind == ZT_RATE && literal_is_zero(lit))) {
    *t = ztype_of(target.kind, target.ref); /* a literal is never missing */
    return true;
  }
  return false;
}

bool zcomp_unify(const zexpr *le, ztype *lt, const zexpr *re, ztype *rt) {
  return zcomp_coerce(le, lt, *rt) || zcomp_coerce(re, rt, *lt);
}

ztype zcomp_string(zcompiler *c, zexpr *e, ztype hint) {
  zval v;
  if (hint.kind == ZT_CODE && hint.ref >= 0) { /* ref < 0: a `code` derived value whose list is not known yet */
    zcodeset *cs = g_ptr_array_index(c->p->codesets, hint.ref);
    int32_t code = zcodeset_find(cs, e->str, strlen(e->str));
    if (code < 0) {
      GString *allowed = g_string_new(NULL);
      for (guint i = 0; i < cs->values->len; i++)
        g_string_append_printf(allowed, "%s'%s'", i ? ", " : "", (char *)g_ptr_array_index(cs->values, i));
      zcomp_fail(c, e, "'%s' is not a value of %s (expected one of %s)", e->str, cs->name, allowed->str);
      g_string_free(allowed, TRUE);
      return ZTYPE_VOID;
    }
    v.code = code;
    zcomp_emit_const(c, v, hint);
    return hint;
  }
  v.s = g_string_chunk_insert_const(c->p->strings, e->str);
  zcomp_emit_const(c, v, ztype_of(ZT_TEXT, -1));
  return ztype_of(ZT_TEXT, -1);
}

/* ---- comparison and arithmetic ------------------------------------------- */

int zcomp_cmp_kind(ztype t) {
  switch (t.kind) {
  case ZT_NUMBER:
  case ZT_MONEY:
  case ZT_RATE:
    return ZCMP_DEC;
  case ZT_TEXT:
    return ZCMP_TEXT;
  case ZT_BOOL:
    return ZCMP_BOOL;
  default:
    return ZCMP_INT;
  }
}

bool zcomp_ordered(const zcompiler *c, ztype t) {
  if (ztype_is_decimal(t) || t.kind == ZT_DATE)
    return true;
  return t.kind == ZT_CODE && ((zcodeset *)g_ptr_array_index(c->p->codesets, t.ref))->ordered;
}

/* The arithmetic of docs/policy-language.md 8.6, exactly:
 *   money +- money, number +-*÷ number, rate +- rate
 *   money * number, number * money, money / number -> money
 *   money / money -> number
 *   money * rate, rate * money -> money
 *   rate * number -> rate (the rate first)
 * anything else (rate * rate, number * rate, money / rate, rate / ...) is an
 * error.  date +- number is handled before this. */
static ztype arith_type(int op, ztype l, ztype r) {
  ztype_kind a = l.kind, b = r.kind;
  ztype_kind N = ZT_NUMBER, M = ZT_MONEY, R = ZT_RATE;
  switch (op) {
  case ZOP_ADD:
  case ZOP_SUB:
    if (a == b && (a == N || a == M || a == R))
      return l;
    break;
  case ZOP_MUL:
    if (a == N && b == N)
      return ztype_of(N, -1);
    if ((a == M && (b == N || b == R)) || (b == M && (a == N || a == R)))
      return ztype_of(M, -1);
    if ((a == R && (b == N || b == R)) || (a == N && b == R))
      return ztype_of(R, -1);
    break;
  case ZOP_DIV:
    if (a == N && b == N)
      return ztype_of(N, -1);
    if (a == M && (b == N || b == R))
      return ztype_of(M, -1);
    if (a == R && b == N)
      return ztype_of(R, -1); /* an average of rates */
    if ((a == M && b == M) || (a == R && b == R))
      return ztype_of(N, -1);
    break;
  }
  return ZTYPE_VOID;
}

static int mirror(int op) {
  switch (op) {
  case ZOP_LT:
    return ZOP_GT;
  case ZOP_GT:
    return ZOP_LT;
  case ZOP_LE:
    return ZOP_GE;
  case ZOP_GE:
    return ZOP_LE;
  default:
    return op;
  }
}

static ztype compile_compare(zcompiler *c, zexpr *e) {
  zexpr *l = zexpr_kid(e, 0), *r = zexpr_kid(e, 1);
  int op = e->op;
  if (l->kind == ZE_STRING && r->kind != ZE_STRING) { /* 'x' == code: type the literal by the code */
    zexpr *t = l;
    l = r;
    r = t;
    op = mirror(op);
  }
  ztype lt = zcomp_node(c, l, ZTYPE_VOID);
  if (c->err)
    return ZTYPE_VOID;
  ztype rt = zcomp_node(c, r, lt);
  if (c->err)
    return ZTYPE_VOID;
  char b1[64], b2[64];
  if (!zcomp_unify(l, &lt, r, &rt))
    return zcomp_fail(c, e, "cannot compare %s with %s", ztype_name(c->p, lt, b1, sizeof b1),
                      ztype_name(c->p, rt, b2, sizeof b2));
  if (op != ZOP_EQ && op != ZOP_NE && !zcomp_ordered(c, lt))
    return zcomp_fail(c, e, "'%s' needs ordered values; %s can only be compared with == and !=", zop_text(op),
                      ztype_name(c->p, lt, b1, sizeof b1));
  bool missing = lt.may_be_missing || rt.may_be_missing;
  zcomp_emit(c, OP_CMP, op, zcomp_cmp_kind(lt), missing);
  return ztype_missing_if(ztype_of(ZT_BOOL, -1), missing);
}

static bool is_arith(const zexpr *e) {
  return e->kind == ZE_BINARY && (e->op == ZOP_ADD || e->op == ZOP_SUB || e->op == ZOP_MUL || e->op == ZOP_DIV);
}

/* One step of arithmetic: `l` (compiled, of type lt) op the right operand of e. */
static ztype compile_arith_step(zcompiler *c, zexpr *e, const zexpr *l, ztype lt) {
  zexpr *r = zexpr_kid(e, 1);
  ztype rt = zcomp_node(c, r, lt);
  if (c->err)
    return ZTYPE_VOID;
  bool missing = lt.may_be_missing || rt.may_be_missing;
  if (lt.kind == ZT_DATE && rt.kind == ZT_NUMBER && (e->op == ZOP_ADD || e->op == ZOP_SUB)) {
    zcomp_emit(c, e->op == ZOP_ADD ? OP_ADD_DAYS : OP_SUB_DAYS, missing, 0, 0);
    return ztype_missing_if(lt, missing);
  }
  if (e->op == ZOP_ADD || e->op == ZOP_SUB)
    zcomp_unify(l, &lt, r, &rt);
  ztype t = arith_type(e->op, lt, rt);
  if (t.kind == ZT_VOID && e->op == ZOP_MUL && lt.kind == ZT_MONEY && rt.kind == ZT_MONEY)
    return zcomp_fail(c, e,
                      "'*' is not defined for money and money: to share money in proportion, divide money by money "
                      "first, which gives a number, e.g. a * (budget / total)");
  if (t.kind == ZT_VOID) {
    char b1[64], b2[64];
    return zcomp_fail(c, e, "'%s' is not defined for %s and %s", zop_text(e->op), ztype_name(c->p, lt, b1, sizeof b1),
                      ztype_name(c->p, rt, b2, sizeof b2));
  }
  static const zopcode ops[] = {[ZOP_ADD] = OP_ADD, [ZOP_SUB] = OP_SUB, [ZOP_MUL] = OP_MUL, [ZOP_DIV] = OP_DIV};
  zcomp_emit(c, ops[e->op], missing, 0, 0);
  return ztype_missing_if(t, missing);
}

/* a + b - c * d ... parses as a left-deep tree as deep as the chain is long
 * (the parser loops; it does not nest).  Walk its left spine with a loop so
 * that a long flat expression does not recurse once per operator. */
ztype zcomp_binary(zcompiler *c, zexpr *e) {
  if (!is_arith(e))
    return compile_compare(c, e);
  GPtrArray *spine = g_ptr_array_new();
  zexpr *x = e;
  for (; is_arith(x); x = zexpr_kid(x, 0))
    g_ptr_array_add(spine, x);
  ztype t = zcomp_node(c, x, ZTYPE_VOID);
  const zexpr *l = x;
  for (guint i = spine->len; i-- > 0 && !c->err;) {
    zexpr *node = g_ptr_array_index(spine, i);
    t = compile_arith_step(c, node, l, t);
    node->type = t;
    l = node;
  }
  g_ptr_array_free(spine, TRUE);
  return c->err ? ZTYPE_VOID : t;
}

/* a and b and c ...: a left-deep tree, walked with a loop (see above). */
/* ---- conditions: and, or, if, in, not ------------------------------------ */

ztype zcomp_logic(zcompiler *c, zexpr *e) {
  GPtrArray *spine = g_ptr_array_new();
  zexpr *x = e;
  for (; x->kind == ZE_AND || x->kind == ZE_OR; x = zexpr_kid(x, 0))
    g_ptr_array_add(spine, x);
  int from = zcomp_here(c);
  ztype t = zcomp_node(c, x, ZTYPE_VOID);
  if (!c->err && t.kind != ZT_BOOL) {
    zexpr *inner = g_ptr_array_index(spine, spine->len - 1);
    zcomp_fail(c, x, "'%s' needs conditions (bool) on both sides", inner->kind == ZE_AND ? "and" : "or");
  }
  for (guint i = spine->len; i-- > 0 && !c->err;) {
    zexpr *node = g_ptr_array_index(spine, i);
    bool is_or = node->kind == ZE_OR;
    int j = zcomp_begin_logic(c, is_or, t.may_be_missing);
    ztype rt = zcomp_node(c, zexpr_kid(node, 1), ZTYPE_VOID);
    if (!c->err && rt.kind != ZT_BOOL)
      zcomp_fail(c, zexpr_kid(node, 1), "'%s' needs conditions (bool) on both sides", is_or ? "or" : "and");
    zcomp_end_logic(c, j, is_or, t.may_be_missing);
    t = ztype_missing_if(ztype_of(ZT_BOOL, -1), t.may_be_missing || rt.may_be_missing);
    node->type = t;
    zcomp_mark(c, node, from);
  }
  g_ptr_array_free(spine, TRUE);
  return c->err ? ZTYPE_VOID : t;
}

int zcomp_begin_logic(zcompiler *c, bool is_or, bool left_may_be_missing) {
  int j = zcomp_emit(c, is_or ? OP_OR_SC : OP_AND_SC, left_may_be_missing, 0, 0);
  if (left_may_be_missing)
    c->depth++; /* the left operand stays for JOIN */
  return j;
}

void zcomp_end_logic(zcompiler *c, int jump, bool is_or, bool left_may_be_missing) {
  if (left_may_be_missing)
    zcomp_emit(c, OP_JOIN, is_or, 0, 0);
  zcomp_patch(c, jump, zcomp_here(c));
}

ztype zcomp_if(zcompiler *c, zexpr *e) {
  ztype ct = zcomp_node(c, zexpr_kid(e, 0), ZTYPE_VOID);
  if (c->err)
    return ZTYPE_VOID;
  if (ct.kind != ZT_BOOL)
    return zcomp_fail(c, zexpr_kid(e, 0), "'if' needs a condition (bool)");
  /* a missing condition is the missing result: neither branch runs */
  int when_missing = ct.may_be_missing ? zcomp_emit(c, OP_JUMP_MISSING, 0, 0, 0) : -1;
  int to_else = zcomp_emit(c, OP_JUMP_FALSE, 0, 0, 0);
  int depth = c->depth;
  ztype at = zcomp_node(c, zexpr_kid(e, 1), ZTYPE_VOID);
  int to_end = zcomp_emit(c, OP_JUMP, 0, 0, 0);
  zcomp_patch(c, to_else, zcomp_here(c));
  c->depth = depth;
  ztype bt = zcomp_node(c, zexpr_kid(e, 2), at);
  zcomp_patch(c, to_end, zcomp_here(c));
  zcomp_patch(c, when_missing, zcomp_here(c));
  if (c->err)
    return ZTYPE_VOID;
  bool missing = ct.may_be_missing || at.may_be_missing || bt.may_be_missing;
  if (!zcomp_unify(zexpr_kid(e, 1), &at, zexpr_kid(e, 2), &bt)) {
    char b1[64], b2[64];
    return zcomp_fail(c, e, "'then' gives %s but 'else' gives %s", ztype_name(c->p, at, b1, sizeof b1),
                      ztype_name(c->p, bt, b2, sizeof b2));
  }
  return ztype_missing_if(at, missing);
}

ztype zcomp_in(zcompiler *c, zexpr *e) {
  ztype t = zcomp_node(c, zexpr_kid(e, 0), ZTYPE_VOID);
  if (c->err)
    return ZTYPE_VOID;
  /* a missing value is the missing result; otherwise x == a or x == b ... */
  int when_missing = t.may_be_missing ? zcomp_emit(c, OP_JUMP_MISSING, 0, 0, 0) : -1;
  bool missing = t.may_be_missing, left_missing = false;
  t.may_be_missing = false;
  int slot = zcomp_new_slot(c);
  zcomp_emit(c, OP_STORE, 0, slot, 0);
  GArray *jumps = g_array_new(FALSE, FALSE, sizeof(int));
  for (guint i = 1; i < e->kids->len && !c->err; i++) {
    zcomp_emit(c, OP_LOCAL, 0, slot, 0);
    zexpr *item = zexpr_kid(e, i);
    ztype it = zcomp_node(c, item, t);
    ztype xt = t;
    if (!c->err && !zcomp_unify(zexpr_kid(e, 0), &xt, item, &it)) {
      char b1[64], b2[64];
      zcomp_fail(c, item, "'in' compares %s with %s", ztype_name(c->p, t, b1, sizeof b1),
                 ztype_name(c->p, it, b2, sizeof b2));
    }
    zcomp_emit(c, OP_CMP, ZOP_EQ, zcomp_cmp_kind(t), it.may_be_missing);
    if (i > 1)
      zcomp_end_logic(c, g_array_index(jumps, int, i - 2), true, left_missing);
    left_missing = left_missing || it.may_be_missing;
    if (i + 1 < e->kids->len) {
      int j = zcomp_begin_logic(c, true, left_missing);
      g_array_append_val(jumps, j);
    }
  }
  zcomp_patch(c, when_missing, zcomp_here(c));
  g_array_free(jumps, TRUE);
  return c->err ? ZTYPE_VOID : ztype_missing_if(ztype_of(ZT_BOOL, -1), missing || left_missing);
}

ztype zcomp_unary(zcompiler *c, zexpr *e) {
  ztype t = zcomp_node(c, zexpr_kid(e, 0), ZTYPE_VOID);
  if (c->err)
    return ZTYPE_VOID;
  if (e->op == 'n') {
    if (t.kind != ZT_BOOL)
      return zcomp_fail(c, e, "'not' needs a condition (bool)");
    zcomp_emit(c, OP_NOT, t.may_be_missing, 0, 0);
  } else {
    if (!ztype_is_decimal(t))
      return zcomp_fail(c, e, "'-' needs a number, money or rate");
    zcomp_emit(c, OP_NEG, t.may_be_missing, 0, 0);
  }
  return t;
}
