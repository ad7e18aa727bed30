/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* expr.c - the expression tree: nodes, their lifetime and how operators are
 * written.  The model layer: the policy frees the trees it holds without
 * reaching into the parser (expr-parse.c builds them). */
#include "expr.h"

zexpr *zexpr_new(zexpr_kind kind, int line, int column) {
  zexpr *e = g_new0(zexpr, 1);
  e->kind = kind;
  e->line = line;
  e->column = column;
  e->kids = g_ptr_array_new_with_free_func((GDestroyNotify)zexpr_free);
  return e;
}

/* Iterative: a long flat expression (a + b + c ...) is a deep tree. */
void zexpr_free(zexpr *e) {
  if (!e)
    return;
  GPtrArray *todo = g_ptr_array_new();
  g_ptr_array_add(todo, e);
  while (todo->len) {
    zexpr *x = g_ptr_array_steal_index_fast(todo, todo->len - 1);
    if (!x)
      continue;
    for (guint i = 0; i < x->kids->len; i++)
      g_ptr_array_add(todo, g_ptr_array_index(x->kids, i));
    g_ptr_array_set_free_func(x->kids, NULL);
    g_ptr_array_unref(x->kids);
    g_free(x->name);
    g_free(x->agg_var);
    g_free(x->str);
    g_free(x);
  }
  g_ptr_array_free(todo, TRUE);
}

const char *zop_text(int op) {
  switch (op) {
  case ZOP_ADD:
    return "+";
  case ZOP_SUB:
    return "-";
  case ZOP_MUL:
    return "*";
  case ZOP_DIV:
    return "/";
  case ZOP_EQ:
    return "==";
  case ZOP_NE:
    return "!=";
  case ZOP_LT:
    return "<";
  case ZOP_LE:
    return "<=";
  case ZOP_GT:
    return ">";
  default:
    return ">=";
  }
}
