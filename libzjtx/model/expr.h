/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* expr.h - the expression language's syntax tree (expr.c, the model layer)
 * and its parser (expr-parse.c, the compiler layer).  Internal.
 *
 * Grammar (lowest precedence first):
 *   expr    := 'if' expr 'then' expr 'else' expr | or
 *   or      := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | cmp
 *   cmp     := add (('=='|'!='|'<'|'<='|'>'|'>=') add | 'in' '(' expr (',' expr)* ')')?
 *   add     := mul (('+'|'-') mul)*
 *   mul     := unary (('*'|'/') unary)*
 *   unary   := '-' unary | postfix
 *   postfix := primary ('.' NAME ['(' args ')'] | '[' expr ']' | '@' postfix1)*
 *   primary := NUMBER ['%'] | STRING | 'true' | 'false' | '(' expr ')'
 *            | AGG '(' NAME 'in' expr ['where' expr] [':' expr] ['else' expr] ')'
 *            | NAME '(' args ')' | NAME
 */
#ifndef ZJTX_EXPR_H
#define ZJTX_EXPR_H

#include "error.h"
#include "model.h"

typedef enum {
  ZE_NUMBER,
  ZE_PERCENT,
  ZE_STRING,
  ZE_BOOL,
  ZE_NAME,   /* name */
  ZE_MEMBER, /* kids[0].name */
  ZE_CALL,   /* name(kids...) or kids[0].name(kids[1..]) when member */
  ZE_INDEX,  /* kids[0][kids[1]] */
  ZE_AT,     /* kids[0] @ kids[1] */
  ZE_UNARY,  /* op kids[0]: '-' or 'n' (not) */
  ZE_BINARY, /* kids[0] op kids[1] */
  ZE_AND,
  ZE_OR,
  ZE_IF, /* if kids[0] then kids[1] else kids[2] */
  ZE_IN, /* kids[0] in (kids[1..]) */
  ZE_AGG /* name(var in kids[0] where kids[1] : kids[2] else kids[3]); absent = NULL */
} zexpr_kind;

typedef enum {
  ZOP_ADD = '+',
  ZOP_SUB = '-',
  ZOP_MUL = '*',
  ZOP_DIV = '/',
  ZOP_EQ = 'e',
  ZOP_NE = 'n',
  ZOP_LT = '<',
  ZOP_LE = 'l',
  ZOP_GT = '>',
  ZOP_GE = 'g'
} zop;

typedef struct zexpr {
  zexpr_kind kind;
  int op;     /* zop for binary/unary */
  char *name; /* NAME, MEMBER, CALL, AGG (aggregate function), var in agg_var */
  char *agg_var;
  zdec num;  /* NUMBER, PERCENT (already divided by 100) */
  char *str; /* STRING */
  bool b;
  bool method;      /* CALL on a receiver: kids[0] is the receiver */
  int line, column; /* absolute position in the policy file */
  GPtrArray *kids;  /* zexpr*, may contain NULL for absent parts of AGG */
  ztype type;       /* filled by the compiler */
  /* its code in its block, [pc_from, pc_to): filled by the compiler, so that
   * an explanation can run one part alone (explain/explain-probe.c) */
  int pc_from, pc_to;
} zexpr;

#define ZEXPR_MAX_DEPTH  64
#define ZEXPR_MAX_LENGTH 65536

/* Parses `text` that starts at (line, column) of `file`; on error returns
 * NULL and sets *err with the position of the offending token. */
zexpr *zexpr_parse(const char *text, const char *file, int line, int column, zjtx_error **err);

/* expr.c: a node of `kind` at (line, column) with no kids; the tree is freed
 * from its root with zexpr_free(), which accepts NULL. */
zexpr *zexpr_new(zexpr_kind kind, int line, int column);
void zexpr_free(zexpr *e);
/* How an operator is written: "+", "==", "<=", ... */
const char *zop_text(int op);
static inline zexpr *zexpr_kid(const zexpr *e, guint i) {
  return i < e->kids->len ? g_ptr_array_index(e->kids, i) : NULL;
}

#endif
