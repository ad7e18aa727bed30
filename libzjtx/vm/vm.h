/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vm.h - the bytecode and the stack machine that runs it.  Internal.
 *
 * Every instruction is 8 bytes: op, a, b, c; the opcodes, their operands
 * and stack effects are the table in opcodes.h.  Values are untagged zvals:
 * the compiler has checked every type, so each opcode knows what it pops. */
#ifndef ZJTX_VM_H
#define ZJTX_VM_H

#include "facts-store.h"
#include "model.h"
#include "opcodes.h"

/* What the VM reports while explaining (explain/explain.c records it). */
typedef struct ztrace ztrace;
struct ztrace {
  /* called on entering/leaving a derived value and on each parameter read */
  void (*enter_derived)(ztrace *t, const zderived *d, int32_t rec, const zval *args);
  void (*leave_derived)(ztrace *t, const zderived *d, const zval *value);
  void (*param)(ztrace *t, const zparam *p, int32_t key, zdate on, const zparam_value *pv, const zval *value);
  void (*aggregate)(ztrace *t, const zagg_info *agg, const zval *value);
  /* each may be NULL: a field read (record rec of entity; the value read) */
  void (*field)(ztrace *t, int32_t entity, int32_t field, int32_t rec, const zval *value);
  /* min/max of x and y by the instruction at pc of block b: took_y when y won */
  void (*minmax)(ztrace *t, const zblock *b, int32_t pc, const zval *x, const zval *y, bool took_y);
  /* an aggregate's value (its TRACE_AGG at pc of b) with the frame it ran in:
   * b's self and locals, so that its records can be explained afterwards */
  void (*aggregate_frame)(ztrace *t, const zblock *b, int32_t pc, int32_t self, const zval *locals, const zval *value);
  /* a rule's amount read for record rec (RULE_VALUE); may be NULL */
  void (*rule_value)(ztrace *t, const zrule *r, int32_t rec, const zval *value);
  /* a value looked up in a table (SCALE): zscale_explain(t, b, x) tells it
   * band by band; may be NULL */
  void (*scale)(ztrace *t, const zscale *s, const zscale_bands *b, zdec x, const zval *value);
};

/* The amounts of a rule that other rules use, per record of its subject,
 * kept while evaluating (eval.c) once the rule has run. */
typedef struct {
  int64_t *fen; /* after rounding and caps; 0: not entitled.  NULL: no expression names the rule */
  /* 0: decided; else 1 + the index in zvm.column_inputs of a header
   * {entity: count, field: 1 if there were more, rec: -1} followed by the
   * inputs the undecided amount lacks */
  int32_t *undecided;
  /* a rule whose condition a later rule shares (zrule.condition_kept): per
   * record, ZHELD_* once the rule has run, else NULL */
  uint8_t *held;
} zrule_column;

/* A kept condition's outcome for one record: not known (not kept yet, or
 * missing: computed again, to name its inputs), not met, met. */
enum { ZHELD_UNKNOWN = 0, ZHELD_NOT_MET = 1, ZHELD_MET = 2 };

/* A parameter value replaced for one evaluation (zjtx_options_set_param). */
typedef struct {
  int32_t param;
  int32_t key; /* -1: every key */
  zval value;
} zoverride;

/* One input a missing value lacks: field `field` of record `rec` of `entity`. */
typedef struct {
  int32_t entity, field, rec;
} zmissing_input;

/* A missing value records up to this many distinct inputs, one bit each in
 * zval.missing.inputs; bit ZVM_MISSING_MORE stands for any beyond them. */
#define ZVM_MAX_MISSING  63
#define ZVM_MISSING_MORE 63

/* A population aggregate's value, computed once per run (CACHE_STORE):
 * when missing, the inputs it lacked, to be named again where it is used. */
typedef struct {
  bool set;
  zval value;
  int n_inputs;
  bool more;
  zmissing_input inputs[ZVM_MAX_MISSING];
} zcache;

/* A derived value without arguments, last computed for record `rec`
 * while evaluating subject number `subject` of the run: read again
 * instead of computed again (a rule's condition and amount often use the
 * same derived value).  Kept per subject only, as a missing value's input
 * bits name vm->missing entries, which the next subject reuses. */
typedef struct {
  uint32_t subject;
  int32_t rec;
  zval value;
} zmemo;

/* Per-run state: one per thread.  Nothing in it is shared. */
typedef struct {
  const struct zjtx_policy *policy;
  const struct zjtx_facts *facts;
  const zval *consts; /* the policy's constants (policy->consts): one load, not three, per block run */
  zval *stack;        /* policy->max_stack values */
  zval *locals;       /* policy->max_locals values */
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
  /* the optional fields found absent since zvm_forget_missing(), in the
   * order met: bit i of a missing value's inputs is missing[i] */
  zmissing_input missing[ZVM_MAX_MISSING];
  int n_missing;
  uint32_t subject; /* counts zvm_forget_missing(): which memo entries hold */
  zmemo *memo;      /* per derived value (used for those kept per subject), or NULL when none is */
  /* while an indicator is computed (else NULL): per entity, one byte per
   * record, set when a value of it was found missing; and the entities
   * whose every record an aggregate walked (bit per entity index < 64) */
  uint8_t **lacking;
  uint64_t walked;
  ztrace *trace;     /* NULL unless explaining */
  zjtx_error *error; /* set when a run fails */
  const char *rule_id;
  /* per rule: its amounts once evaluated (RULE_VALUE), or NULL */
  const zrule_column *columns;
  const GArray *column_inputs; /* zmissing_input */
  zcache *cache;               /* policy->n_caches, the run's (zrun_init) */
} zvm;

/* Runs `block` for record `self` with args already in locals[0..] (the
 * run's own locals when NULL).  Returns false with vm->error set on a
 * run-time failure (overflow, division by zero, no parameter value in
 * force).  Inline: the batch path runs a block for every rule and record. */
bool zvm_exec(zvm *vm, const zblock *b, int32_t self, zval *locals, zval *stack, zval *out); /* use zvm_run */
/* A block that only reads an undated, unkeyed parameter (PARAM; RET), as
 * caps and a policy's named rates often are: its value in force at the
 * period's end, when this run has one, into *out without running the
 * block.  Not while explaining: the trace records the look-up. */
static inline bool zvm_param_only(const zvm *vm, const zblock *b, zval *out) {
  if (!b->param || vm->trace || !vm->at_end || !vm->at_end_ok[b->param - 1][0])
    return false;
  *out = vm->at_end[b->param - 1][0];
  return true;
}
static inline bool zvm_run(zvm *vm, const zblock *block, int32_t self, zval *locals, zval *out) {
  return zvm_param_only(vm, block, out) || zvm_exec(vm, block, self, locals ? locals : vm->locals, vm->stack, out);
}
/* Starts a new subject: missing inputs met so far are forgotten. */
static inline void zvm_forget_missing(zvm *vm) {
  vm->n_missing = 0;
  vm->subject++;
}
/* Calls `fn` on each input named by the bits of a missing value, in the
 * order they were met; returns whether bit ZVM_MISSING_MORE was set (more
 * inputs than could be told apart). */
bool zvm_missing_inputs(const zvm *vm, uint64_t inputs, void (*fn)(const zmissing_input *in, void *data), void *data);
/* Reads a parameter value in force on `on` (respecting overrides). */
bool zvm_param(zvm *vm, int32_t param, int32_t key, zdate on, zval *out);

/* Makes (again) the block's batch form, b->fast (vm-fast.c). */
void zvm_make_fast(zblock *b);

/* Text listing of a block, for zjtx_policy_dump() (vm-dump.c). */
void zvm_dump_block(const struct zjtx_policy *p, const zblock *b, GString *out);

#endif
