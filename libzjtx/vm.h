/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vm.h - the bytecode and the stack machine that runs it.  Internal.
 *
 * Every instruction is 8 bytes: op, a, b, c.  Values are untagged zvals:
 * the compiler has checked every type, so each opcode knows what it pops.
 *
 *  op              a            b        c          stack effect / meaning
 *  CONST           -            -        const      -> consts[c]
 *  SELF            -            -        -          -> the current record
 *  LOCAL           -            slot     -          -> locals[slot]
 *  STORE           -            slot     -          v ->          locals[slot] = v
 *  DUP / POP                                        v -> v v  /  v ->
 *  FIELD           -            field    entity     rec -> value of rec.field
 *  SELF_FIELD      -            field    entity     -> value of self.field
 *  PARENT          -            -        entity     rec -> rec's parent record
 *  ADD SUB MUL DIV                                  a b -> a op b (exact decimals)
 *  NEG ABS                                          a -> -a / |a|
 *  ADD_DAYS SUB_DAYS                                date n -> date +/- n days
 *  DAYS_BETWEEN                                     d1 d2 -> d2 - d1 (number)
 *  CMP             zop          kind     -          a b -> bool   (kind: zcmp_kind)
 *  NOT                                              b -> !b
 *  JUMP / JUMP_FALSE -          -        target     (JUMP_FALSE pops)
 *  AND_SC / OR_SC  -            -        target     b -> (b false/true: keep b, jump) else pop
 *  MIN MAX         -            kind     -          a b -> min/max (kind: zcmp_kind)
 *  ROUND           mode         places   -          a -> a rounded
 *  YEAR MONTH DAY                                   date -> number
 *  PARAM           flags        -        param      [key] [date] -> value (flags: 1 keyed, 2 dated)
 *  PERIOD          which        -        -          -> period start (0) / end (1) date, year (2)
 *  ITER            source       slot     relation   owner -> ; locals[slot+1..2] = range
 *  NEXT            -            slot     target     locals[slot] = next record, or jump
 *  INC                                              n -> n + 1
 *  AGG_MINMAX      is_max       kind     slot       acc v -> best (locals[slot].b: seen)
 *  CALL            nargs        -        derived    rec args.. -> value
 *  GROUP_KEY                                        -> the group's key
 *  RET                                              v -> (ends the block)
 *  TRACE_AGG       -            -        expr id    v -> v (records an aggregate when explaining)
 */
#ifndef ZJTX_VM_H
#define ZJTX_VM_H

#include "facts-store.h"
#include "model.h"

typedef enum {
  OP_CONST, OP_SELF, OP_LOCAL, OP_STORE, OP_DUP, OP_POP, OP_FIELD, OP_SELF_FIELD, OP_PARENT,
  OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG, OP_ABS, OP_ADD_DAYS, OP_SUB_DAYS, OP_DAYS_BETWEEN,
  OP_CMP, OP_NOT, OP_JUMP, OP_JUMP_FALSE, OP_AND_SC, OP_OR_SC, OP_MIN, OP_MAX, OP_ROUND,
  OP_YEAR, OP_MONTH, OP_DAY, OP_PARAM, OP_PERIOD, OP_ITER, OP_NEXT, OP_INC, OP_AGG_MINMAX,
  OP_CALL, OP_GROUP_KEY, OP_RET, OP_TRACE_AGG,
  OP__COUNT
} zopcode;

typedef enum { ZCMP_DEC = 0, ZCMP_INT = 1, ZCMP_TEXT = 2, ZCMP_BOOL = 3 } zcmp_kind;

enum { ZITER_RELATION = 0, ZITER_MEMBERS = 1, ZITER_ALL = 2 /* every record of entity c */ };
enum { ZPARAM_KEYED = 1, ZPARAM_DATED = 2 };

const char *zop_name(zopcode op);

/* One explanation node while explaining (eval.c builds the tree). */
typedef struct ztrace ztrace;
struct ztrace {
  /* called on entering/leaving a derived value and on each parameter read */
  void (*enter_derived)(ztrace *t, const zderived *d, int32_t rec, const zval *args);
  void (*leave_derived)(ztrace *t, const zderived *d, const zval *value);
  void (*param)(ztrace *t, const zparam *p, int32_t key, zdate on, const zparam_value *pv,
                const zval *value);
  void (*aggregate)(ztrace *t, const zagg_info *agg, const zval *value);
};

/* A parameter value replaced for one evaluation (zjtx_options_set_param). */
typedef struct {
  int32_t param;
  int32_t key; /* -1: every key */
  zval value;
} zoverride;

/* Per-run state: one per thread.  Nothing in it is shared. */
typedef struct {
  const struct zjtx_policy *policy;
  const struct zjtx_facts *facts;
  zval *stack;      /* policy->max_stack values */
  zval *locals;     /* policy->max_locals values */
  zdate period_start, period_end;
  int32_t period_year;
  const zoverride *overrides;
  size_t n_overrides;
  const uint8_t *overridden; /* per param: nonzero if any override */
  /* values in force on the period's last day, per param (and per key for
   * keyed ones): what an undated look-up gives, computed once per run */
  const zval *const *at_end;
  const uint8_t *const *at_end_ok;
  /* grouped rules/checks: the current group */
  const int32_t *members;
  int32_t n_members;
  const char *group_key;
  ztrace *trace;    /* NULL unless explaining */
  zjtx_error *error;/* set when a run fails */
  const char *rule_id;
} zvm;

/* Runs `block` for record `self` with args already in locals[0..].  Returns
 * false with vm->error set on a run-time failure (overflow, division by zero,
 * no parameter value in force). */
bool zvm_run(zvm *vm, const zblock *block, int32_t self, zval *locals, zval *out);
/* Reads a parameter value in force on `on` (respecting overrides). */
bool zvm_param(zvm *vm, int32_t param, int32_t key, zdate on, zval *out);

/* Text listing of a block, for zjtx_policy_dump(). */
void zvm_dump_block(const struct zjtx_policy *p, const zblock *b, GString *out);

#endif
