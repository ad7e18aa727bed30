/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eval-internal.h - the evaluation's internals: options, one run's state,
 * the steps one rule takes for one subject, results.  Internal.
 *
 * Layers: options.c, run.c, pool.c, eval.c, result.c and value-format.c are
 * the evaluation; explain.c sits above it and only shapes what the
 * evaluation reports through zsteps and the VM's ztrace.  Nothing here
 * calls into explain.c. */
#ifndef ZJTX_EVAL_INTERNAL_H
#define ZJTX_EVAL_INTERNAL_H

#include "vm.h"

/* ---- options (options.c) --------------------------------------------------- */

typedef struct {
  char *id, *key, *value;
} zparam_set;

struct zjtx_options {
  char *period;
  int threads;     /* 0: one per processor */
  bool indicators; /* compute the indicators too */
  GPtrArray *sets; /* zparam_set*, in the order given */
  /* a result's options only: the amounts of used rules (zjtx_result), for
   * the runs of its worker threads and of its explanations; borrowed */
  const zrule_column *columns;
  const GArray *column_inputs;
};

/* ---- one rule for one subject, step by step (run.c) ------------------------ */

/* What the evaluation did, reported while it does it: the one code path
 * that computes an amount (zrun_subject) calls these, so an explanation
 * records the evaluation instead of repeating it.  NULL in zrun.steps on
 * the batch path: each step then costs one predictable branch.  Called in
 * this order; a step whose formula fails is not ended. */
typedef struct zsteps zsteps;
struct zsteps {
  void (*condition)(zsteps *s, const zrule *r); /* about to test the condition */
  void (*condition_held)(zsteps *s, const zrule *r, bool held);
  void (*amount)(zsteps *s, const zrule *r);               /* about to compute the amount */
  void (*amount_raw)(zsteps *s, const zrule *r, zdec raw); /* its value before rounding */
  void (*rounded)(zsteps *s, const zrule *r, int64_t fen);
  void (*cap)(zsteps *s, const zrule *r, const zcap *cap); /* about to compute a cap, in order */
  /* the cap's value and whether it bound: lowered the amount so far */
  void (*cap_applied)(zsteps *s, const zrule *r, const zcap *cap, int64_t cap_fen, bool binding);
  /* the step about to be reported (condition, amount or cap) came out
   * missing: `inputs` are the bits of the value (vm.h) */
  void (*missing)(zsteps *s, const zrule *r, uint64_t inputs);
};

/* What one rule gives for one subject. */
typedef struct {
  bool hit;        /* the condition held (a check: the violation) */
  int64_t fen;     /* the amount after rounding and caps (entitlements) */
  uint64_t inputs; /* nonzero: undecided, lacking these inputs (bits of run->vm.missing) */
} zoutcome;

/* Everything one evaluation needs besides policy and facts. */
typedef struct {
  zvm vm;
  zoverride *overrides;
  size_t n_overrides;
  uint8_t *overridden;
  zval **at_end; /* per param: [key + 1] (slot 0: unkeyed) */
  uint8_t **at_end_ok;
  zsteps *steps; /* NULL unless explaining */
  /* as given ("2025", "2025Q3", "FY2025"): at most 7 characters */
  char period[16];
} zrun;

zjtx_status zrun_init(zrun *run, const zjtx_policy *p, const zjtx_facts *f, const zjtx_options *o, zjtx_error **err);
void zrun_clear(zrun *run);
/* Evaluates rule @r for one subject (record @rec, or -1 with a group
 * selected) into *out.  Missing values decide nothing: a condition that is
 * false without them is not met; an amount that is zero without them is
 * zero; anything else they touch is undecided (out->inputs).  False with
 * run->vm.error set on a run-time failure. */
bool zrun_subject(zrun *run, const zrule *r, int32_t rec, zoutcome *out);
/* Moves the VM's error into @err as "rule R, for ENTITY ID: why". */
zjtx_status zrun_failed(zrun *run, const zrule *r, int32_t rec, const char *group, zjtx_error **err);

/* Grouped rules: the subject's records in CSR form, one group per key. */
typedef struct {
  GPtrArray *keys; /* const char*, borrowed */
  GArray *offsets; /* int32, keys->len + 1 */
  GArray *members; /* int32 record indexes */
} zgroups;

zjtx_status zgroups_build(zrun *run, const zrule *r, zgroups **out, zjtx_error **err);
void zgroups_select(zvm *vm, const zgroups *gs, guint g);
void zgroups_unselect(zvm *vm);
void zgroups_free(zgroups *g);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(zgroups, zgroups_free)

/* ---- worker threads of one evaluation (pool.c) ------------------------------ */

typedef struct zpool zpool;
/* Work for one slot: slot 0 runs on the calling thread with its run. */
typedef void (*zpool_fn)(zrun *run, int slot, int slots, void *data);

/* Up to @threads slots (slot 0 is the caller, whose run is @own); each
 * other slot a thread with its own run, started here and kept until
 * zpool_free.  NULL with @err set when a run cannot be set up. */
zpool *zpool_new(int threads, zrun *own, const zjtx_policy *p, const zjtx_facts *f, const zjtx_options *o,
                 zjtx_error **err);
int zpool_slots(const zpool *pool);
/* Calls @fn on every slot at once and returns when all are done. */
void zpool_run(zpool *pool, zpool_fn fn, void *data);
void zpool_free(zpool *pool);

/* ---- results (eval.c, result.c) ------------------------------------------- */

typedef struct {
  int32_t rule;
  int32_t rec; /* subject record, or group index */
  int64_t fen;
  const char *id; /* beneficiary / subject id or group key; its amount as
                   * text is zfmt_fen(fen): formatted where it is shown,
                   * not for every item while evaluating */
  /* undecided items: their missing inputs, res->missing[missing_at ..
   * missing_at + n_missing); more_missing when there were more to tell */
  int32_t missing_at, n_missing;
  bool more_missing;
  int32_t budget_at; /* 1 + its group in zjtx_result.budget_groups when a budget scaled it, else 0 */
} zresult_item;

/* One budget's fund for one group of beneficiaries (budget.c). */
typedef struct {
  int32_t budget;
  const char *key;           /* the group's value, or NULL for a budget without group-by */
  int64_t cap, claims, paid; /* fen: the fund, the claims on it, what was paid */
  bool scaled;               /* claims exceeded the fund: each was scaled pro rata */
  bool undecided;            /* a claim was undecided: none is paid yet */
} zbudget_group;

/* One input an undecided item lacks. */
typedef struct {
  int32_t entity, field, rec;
  const char *id; /* the record's id, borrowed from the facts or kept in the result's strings */
} zresult_missing;

struct zjtx_result {
  zjtx_policy *policy;   /* a reference */
  zjtx_facts *facts;     /* a reference: the result may outlive the caller's */
  zjtx_options *options; /* a copy, for explanations */
  zrun run;
  GArray *entitlements, *violations; /* zresult_item */
  GArray *undecided;                 /* zresult_item: rules and checks that lack data */
  GArray *missing;                   /* zresult_missing of the undecided items */
  GStringChunk *strings;
  GPtrArray *chunks;            /* GStringChunk*: amount texts of parallel ranges */
  GPtrArray *indicator_values;  /* char*: one per policy indicator */
  GArray *indicator_met;        /* gboolean */
  GPtrArray *indicator_targets; /* char*: "op target" */
  GArray *indicator_records;    /* size_t: records of the entities it walked */
  GArray *indicator_lacking;    /* size_t: of those (or any), records a missing value was read of */
  zrule_column *columns;        /* per rule: the amounts other rules use (eval.c), or NULL */
  GArray *column_inputs;        /* zmissing_input of their undecided amounts */
  GArray *budget_groups;        /* zbudget_group, per budget in order, groups as first met */
  /* zjtx_result_entitlement_amount's texts, one per entitlement, made at
   * its first call (under amount_lock: a result may be read from several
   * threads) */
  char **amount_texts;
  GStringChunk *amount_strings;
  GMutex amount_lock;
};

/* Budgets on the entitlements after 就高不重复 (budget.c): claims over a
 * fund are scaled to the fen; a group with an undecided claim pays none. */
zjtx_status zapply_budgets(zjtx_result *res, zjtx_error **err);
/* "预算 5,000,000.00 元，申报合计 6,000,000.00 元，按 83.33…% 核定" for an
 * entitlement a budget scaled, else NULL.  Newly allocated. */
char *zresult_budget_note(const zjtx_result *res, const zresult_item *it);

/* Frees what the amounts of used rules took (eval.c). */
void zresult_clear_columns(zjtx_result *res);

/* A value as a person reads it (money with 2 decimals, rates in percent). */
char *zformat_value(const zjtx_policy *p, const zjtx_facts *f, ztype t, const zval *v);
/* A decimal text with its integer part grouped in thousands:
 * "21500000.00" -> "21,500,000.00" (for the text forms of money). */
char *zformat_grouped(const char *plain);
/* Money as text for people: two decimals when no more are needed ("645000"
 * -> "645,000.00"), grouped in thousands. */
char *zformat_money_text(const char *plain);

#endif
