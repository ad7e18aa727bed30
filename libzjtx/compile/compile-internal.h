/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile-internal.h - the compile session shared by the compiler's files.
 * Private to compile*.c.
 *
 * The compiler checks names and types of an expression tree and emits
 * bytecode (opcodes.h) in the same walk.  Its files in layers, each calling
 * only those below it:
 *   compile.c           top: the dispatcher (zcomp_node) and a source's session
 *   compile-builtins.c  built-in functions: min, max, round, within, date, year...
 *   compile-aggregate.c aggregates: count, sum, any, all, max, min over a collection
 *   compile-names.c     names and scopes: fields, members, parameters, derived values
 *   compile-types.c     literals, operators and the type rules
 *   compile-emit.c      bottom: the session's state, errors, emission of bytecode
 *   compile-link.c      apart: after every block, call cycles, stack and locals totals
 * The one way up is recursion, inherent to recursive descent: a part calls
 * the dispatcher for its sub-expressions (zcomp_node, zcomp_peek_type) and,
 * for a derived value met on the way, a session of its own (zcomp_source).
 * Every error is reported while compiling, with the position of the
 * offending token: evaluation never meets an unknown name or a wrong type. */
#ifndef ZJTX_COMPILE_INTERNAL_H
#define ZJTX_COMPILE_INTERNAL_H

#include "compile.h"
#include "opcodes.h"

/* Derived values calling derived values: compiling nests, and evaluating
 * recurses, once per level.  A policy may not go deeper than this. */
#define ZDERIVED_MAX_DEPTH 256

#define ZTYPE_VOID ((ztype){.kind = ZT_VOID, .ref = -1})
static inline ztype ztype_of(ztype_kind k, int32_t ref) {
  return (ztype){.kind = k, .ref = ref};
}
static inline bool ztype_same(ztype a, ztype b) {
  return a.kind == b.kind && a.ref == b.ref;
}
/* `t`, marked as possibly missing when `may_be_missing` (or already). */
static inline ztype ztype_missing_if(ztype t, bool may_be_missing) {
  t.may_be_missing = t.may_be_missing || may_be_missing;
  return t;
}

/* An aggregate's variable in scope: a record of `entity` in locals[slot]. */
typedef struct {
  const char *name;
  int32_t entity;
  int32_t slot;
} zvar;

/* One compile session: one expression compiled into one block.  All the
 * compiler's state is here; compiling a derived value met on the way opens
 * a session of its own, one level deeper. */
typedef struct {
  struct zjtx_policy *p;
  const zscope *scope;
  const char *file;
  zblock *block;
  GArray *vars;    /* zvar: aggregate variables in scope */
  int depth;       /* current value stack depth */
  int dry;         /* > 0: only typing (zcomp_peek_type), nothing is emitted */
  int nesting;     /* 1 + how many derived values are being compiled around this one */
  const zexpr *at; /* the expression being compiled, for zcomp_emit()'s errors */
  zjtx_error *err;
  /* population aggregates (compile-population.c): instructions emitted
   * (or typed) that read the current record, its group or a local slot
   * below closed_from */
  int context_reads;
  int closed_from;
} zcompiler;

/* compile.c: the dispatcher, the only way up (see above) */
bool zcomp_source(struct zjtx_policy *p, zsource_expr *src, const zscope *scope, ztype want, int nesting,
                  zjtx_error **err);
ztype zcomp_node(zcompiler *c, zexpr *e, ztype hint);
ztype zcomp_peek_type(zcompiler *c, zexpr *e, ztype hint);

/* compile-emit.c: the session and emission */
bool zcomp_open(zcompiler *c, struct zjtx_policy *p, zsource_expr *src, const zscope *scope, int nesting,
                zjtx_error **err);
bool zcomp_close(zcompiler *c, zsource_expr *src, ztype t, zjtx_error **err);
ztype zcomp_fail(zcompiler *c, const zexpr *e, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
int zcomp_emit(zcompiler *c, zopcode op, int a, int b, int32_t arg);
int zcomp_here(zcompiler *c);
void zcomp_patch(zcompiler *c, int at, int target);
int32_t zcomp_add_const(zcompiler *c, zval v);
void zcomp_emit_const(zcompiler *c, zval v, ztype t);
void zcomp_add_call(zcompiler *c, int32_t derived);
int zcomp_new_slot(zcompiler *c);
void zcomp_mark(zcompiler *c, zexpr *e, int from);

/* compile-types.c: literals, operators, type rules */
bool zcomp_coerce(const zexpr *lit, ztype *t, ztype target);
bool zcomp_unify(const zexpr *le, ztype *lt, const zexpr *re, ztype *rt);
int zcomp_cmp_kind(ztype t);
bool zcomp_ordered(const zcompiler *c, ztype t);
ztype zcomp_string(zcompiler *c, zexpr *e, ztype hint);
ztype zcomp_unary(zcompiler *c, zexpr *e);
ztype zcomp_binary(zcompiler *c, zexpr *e);
ztype zcomp_logic(zcompiler *c, zexpr *e);
ztype zcomp_if(zcompiler *c, zexpr *e);
ztype zcomp_in(zcompiler *c, zexpr *e);
/* `and` / `or` after a left operand already emitted: the short circuit,
 * and, once the right operand is emitted, its end.  A left operand that may
 * be missing stays on the stack for a three-valued JOIN. */
int zcomp_begin_logic(zcompiler *c, bool is_or, bool left_may_be_missing);
void zcomp_end_logic(zcompiler *c, int jump, bool is_or, bool left_may_be_missing);

/* compile-names.c: names and scopes */
zrelation *zcomp_find_relation(const struct zjtx_policy *p, int32_t entity, const char *name);
const zvar *zcomp_find_var(const zcompiler *c, const char *name);
ztype zcomp_name(zcompiler *c, zexpr *e);
ztype zcomp_member(zcompiler *c, zexpr *e);
ztype zcomp_index(zcompiler *c, zexpr *e);
ztype zcomp_at(zcompiler *c, zexpr *e);
ztype zcomp_call_derived(zcompiler *c, zexpr *e, zderived *d, guint first_arg, bool receiver_may_be_missing);

/* compile-builtins.c: calls of built-in functions (and of derived values by name) */
ztype zcomp_call(zcompiler *c, zexpr *e);

/* compile-rule.c: rules that use rules.  What is being compiled is kept
 * as labels ("rule x", "derived y") so that a cycle can be named. */
void zcomp_enter(struct zjtx_policy *p, char *label); /* takes label */
void zcomp_leave(struct zjtx_policy *p);
/* "rule a -> derived b -> rule a" from label's place in what is being
 * compiled, or NULL; *through_rule: a rule is on the way. */
char *zcomp_cycle_path(const struct zjtx_policy *p, const char *label, bool *through_rule);
bool zcomp_rule(struct zjtx_policy *p, zrule *r, int nesting, zjtx_error **err);
zrule *zcomp_find_rule(const struct zjtx_policy *p, const char *name);
/* The amount of rule @r for the record of @entity on the stack. */
ztype zcomp_rule_value(zcompiler *c, zexpr *at, zrule *r, int32_t entity, bool record_may_be_missing);

/* compile-scale.c: tier() and marginal() */
ztype zcomp_scale_call(zcompiler *c, zexpr *e);

/* compile-aggregate.c: the loop over a collection */
ztype zcomp_aggregate_walk(zcompiler *c, zexpr *e);

/* compile-population.c: an aggregate, computed once per evaluation when it
 * walks a population (an entity's plural) and reads nothing of the record */
ztype zcomp_aggregate(zcompiler *c, zexpr *e);
/* The entity whose plural `name` is, when it means every record of it
 * here (not a variable, nor a collection of the current record), or -1. */
int32_t zcomp_population_entity(const zcompiler *c, const char *name);
/* Counts the instructions that read where an expression is (zcomp_emit). */
void zcomp_note_context(zcompiler *c, zopcode op, int a, int b);

#endif
