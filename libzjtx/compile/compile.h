/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile.h - name and type checking of parsed expressions and their
 * translation to bytecode (opcodes.h).  Internal; the compiler's own files
 * are listed in compile-internal.h. */
#ifndef ZJTX_COMPILE_H
#define ZJTX_COMPILE_H

#include "expr.h"
#include "model.h"

typedef enum {
  ZSCOPE_RECORD,    /* a derived value, rule or check over records of `entity` */
  ZSCOPE_GROUP,     /* a grouped rule/check: `members` and `key` */
  ZSCOPE_POPULATION /* an indicator: every entity's records by plural */
} zscope_kind;

typedef struct {
  zscope_kind kind;
  int32_t entity;          /* the record's entity (ZSCOPE_RECORD), or the members' */
  ztype key_type;          /* ZSCOPE_GROUP */
  const zderived *derived; /* compiling this derived value (args, inherited) */
} zscope;

/* Parses (if needed) and compiles `src` in `scope`, checking that the
 * result has type `want` (kind ZT_VOID: any).  Errors carry file:line:col. */
bool zcompile_expr(struct zjtx_policy *p, zsource_expr *src, const zscope *scope, ztype want, zjtx_error **err);
/* After every block is compiled: checks that derived values do not call
 * each other in a cycle, and sizes the evaluator (stack, locals). */
bool zcompile_link(struct zjtx_policy *p, zjtx_error **err);
/* Compiles rule @r's filter, condition, amount and caps, unless an
 * expression naming its amount already did (compile-rule.c). */
bool zcompile_rule(struct zjtx_policy *p, zrule *r, zjtx_error **err);
/* Compiles derived value @d unless a call already did. */
bool zcompile_derived(struct zjtx_policy *p, zderived *d, zjtx_error **err);
/* After zcompile_link: p->rule_order, each rule after the rules it uses
 * (through derived values too), the policy's order otherwise. */
bool zcompile_rule_order(struct zjtx_policy *p, zjtx_error **err);
const char *ztype_name(const struct zjtx_policy *p, ztype t, char *buf, size_t len);

#endif
