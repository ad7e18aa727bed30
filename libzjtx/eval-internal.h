/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eval-internal.h - what eval.c and explain.c share.  Internal. */
#ifndef ZJTX_EVAL_INTERNAL_H
#define ZJTX_EVAL_INTERNAL_H

#include "vm.h"

typedef struct {
  char *id, *key, *value;
} zparam_set;

struct zjtx_options {
  char *period;
  int threads;     /* 0: one per processor */
  bool indicators; /* compute the indicators too */
  GPtrArray *sets; /* zparam_set*, in the order given */
};

/* A period as the API takes it ("2025"): true with its year (options.c). */
bool zperiod_parse(const char *text, int *year);

/* Everything one evaluation needs besides policy and facts. */
typedef struct {
  zvm vm;
  zoverride *overrides;
  size_t n_overrides;
  uint8_t *overridden;
  zval **at_end;        /* per param: [key + 1] (slot 0: unkeyed) */
  uint8_t **at_end_ok;
  char period[8];
} zrun;

typedef struct {
  int32_t rule;
  int32_t rec;      /* subject record, or group index */
  int64_t fen;
  const char *id;   /* beneficiary / subject id or group key */
  const char *amount;
} zresult_item;

struct zjtx_result {
  zjtx_policy *policy;      /* a reference */
  const zjtx_facts *facts;  /* borrowed: free the result before the facts */
  zjtx_options *options;    /* a copy, for explanations */
  zrun run;
  GArray *entitlements, *violations; /* zresult_item */
  GStringChunk *strings;
  GPtrArray *chunks;        /* GStringChunk*: amount texts of parallel ranges */
  GPtrArray *indicator_values; /* char*: one per policy indicator */
  GArray *indicator_met;       /* gboolean */
  GPtrArray *indicator_targets;/* char*: "op target" */
};

/* Grouped rules: the subject's records in CSR form, one group per key. */
typedef struct {
  GPtrArray *keys;   /* const char*, borrowed */
  GArray *offsets;   /* int32, keys->len + 1 */
  GArray *members;   /* int32 record indexes */
} zgroups;

zjtx_status zrun_init(zrun *run, const zjtx_policy *p, const zjtx_facts *f, const zjtx_options *o, zjtx_error **err);
void zrun_clear(zrun *run);
bool zrun_subject(zrun *run, const zrule *r, int32_t rec, bool *hit, int64_t *fen, zdec *raw);
zgroups *zgroups_build(zrun *run, const zrule *r, zjtx_error **err);
void zgroups_select(zvm *vm, const zgroups *gs, guint g);
void zgroups_free(zgroups *g);
/* A value as a person reads it (money with 2 decimals, rates in percent). */
char *zformat_value(const zjtx_policy *p, const zjtx_facts *f, ztype t, const zval *v);

#endif
