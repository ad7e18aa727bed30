/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eval.c - runs every rule and check of a policy over finished facts and
 * keeps the results; options (period, parameter overrides). */
#include <string.h>

#include "eval-internal.h"
#include "format.h"
#include "expr.h"
#include "policy-load.h"

/* Turns the textual overrides into typed zoverrides for the VM. */
static zjtx_status resolve_overrides(const zjtx_policy *p, const zjtx_options *o, zrun *run, zjtx_error **err) {
  run->overridden = g_new0(uint8_t, p->params->len + 1);
  run->overrides = g_new0(zoverride, o ? o->sets->len + 1 : 1);
  for (guint i = 0; o && i < o->sets->len; i++) {
    zparam_set *s = g_ptr_array_index(o->sets, i);
    int32_t pi = zpolicy_param_index(p, s->id);
    if (pi < 0)
      return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "unknown parameter '%s'", s->id);
    zparam *param = g_ptr_array_index(p->params, pi);
    zoverride ov = {pi, -1, {.b = false}};
    if (s->key) {
      zcodeset *cs = param->key_codeset >= 0 ? g_ptr_array_index(p->codesets, param->key_codeset) : NULL;
      if (!cs || (ov.key = zcodeset_find(cs, s->key, strlen(s->key))) < 0)
        return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, s->id, "parameter %s has no key '%s'", s->id, s->key);
    }
    const char *why = zpolicy_parse_value(param->type, s->value, &ov.value);
    if (why)
      return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, s->id, "value \"%s\" for %s is not %s", s->value, s->id, why);
    run->overrides[run->n_overrides++] = ov;
    run->overridden[pi] = 1;
  }
  return ZJTX_OK;
}

/* ---- one run ------------------------------------------------------------- */

/* The value each parameter (and each key of a keyed one) has in force on
 * the period's last day, with this run's overrides: what an undated
 * look-up gives.  Looked up once here instead of once per record. */
static void cache_params_at_end(zrun *run) {
  const zjtx_policy *p = run->vm.policy;
  guint n = p->params->len;
  run->at_end = g_new0(zval *, n + 1);
  run->at_end_ok = g_new0(uint8_t *, n + 1);
  for (guint i = 0; i < n; i++) {
    const zparam *param = g_ptr_array_index(p->params, i);
    guint keys = param->key_codeset >= 0 ? ((zcodeset *)g_ptr_array_index(p->codesets, param->key_codeset))->values->len : 0;
    run->at_end[i] = g_new0(zval, keys + 1);
    run->at_end_ok[i] = g_new0(uint8_t, keys + 1);
    for (guint k = 0; k <= keys; k++) {
      int32_t key = (int32_t)k - 1;
      if ((keys && key < 0) || (!keys && key >= 0))
        continue;
      run->at_end_ok[i][k] = zvm_param(&run->vm, (int32_t)i, key, run->vm.period_end, &run->at_end[i][k]);
      g_clear_pointer(&run->vm.error, zjtx_error_free); /* no value in force: looked up (and reported) per use */
    }
  }
  run->vm.at_end = (const zval *const *)run->at_end;
  run->vm.at_end_ok = (const uint8_t *const *)run->at_end_ok;
}

void zrun_clear(zrun *run) {
  for (guint i = 0; run->at_end && i < run->vm.policy->params->len; i++) {
    g_free(run->at_end[i]);
    g_free(run->at_end_ok[i]);
  }
  g_free(run->at_end);
  g_free(run->at_end_ok);
  g_free(run->vm.stack);
  g_free(run->vm.locals);
  g_free(run->overrides);
  g_free(run->overridden);
  zjtx_error_free(run->vm.error);
  memset(run, 0, sizeof *run);
}

zjtx_status zrun_init(zrun *run, const zjtx_policy *p, const zjtx_facts *f, const zjtx_options *o, zjtx_error **err) {
  memset(run, 0, sizeof *run);
  const char *period = o && o->period ? o->period : f->period ? f->period : p->default_period;
  int year;
  if (!zperiod_parse(period, &year))
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "no period to evaluate: give one as YYYY (the policy declares none)");
  g_strlcpy(run->period, period, sizeof run->period);
  zjtx_status st = resolve_overrides(p, o, run, err);
  if (st != ZJTX_OK) {
    zrun_clear(run);
    return st;
  }
  zvm *vm = &run->vm;
  vm->policy = p;
  vm->facts = f;
  vm->stack = g_new0(zval, p->max_stack + 8);
  vm->locals = g_new0(zval, p->max_locals + 8);
  zdate_from_ymd(year, 1, 1, &vm->period_start);
  zdate_from_ymd(year, 12, 31, &vm->period_end);
  vm->period_year = year;
  vm->overrides = run->overrides;
  vm->n_overrides = run->n_overrides;
  vm->overridden = run->overridden;
  cache_params_at_end(run);
  return ZJTX_OK;
}

static zjtx_status run_failed(zrun *run, const zrule *r, int32_t entity, int32_t rec, const char *group,
                              zjtx_error **err) {
  char buf[32];
  const char *id = group ? group : zfacts_record_id(run->vm.facts, entity, rec, buf);
  zjtx_error *e = run->vm.error;
  run->vm.error = NULL;
  zjtx_status code = e ? e->code : ZJTX_ERR_EVAL;
  zerr_set(err, code, NULL, 0, 0, r->id, "%s %s, for %s %s: %s", r->kind == ZJTX_RULE_CHECK ? "check" : "rule", r->id,
           zpolicy_entity(run->vm.policy, entity)->name, id, e ? e->message : "evaluation failed");
  zjtx_error_free(e);
  return code;
}

/* The common case, quickly: a value with at most two decimals is a whole
 * number of fen, nothing to round.  False when it needs the general path. */
static inline bool exact_fen(zdec d, int64_t *fen) {
  static const int64_t scale_to_fen[3] = {100, 10, 1};
  const zi128 limit = INT64_MAX / 100;
  if (d.scale < 0 || d.scale > 2 || d.m > limit || d.m < -limit)
    return false;
  *fen = (int64_t)d.m * scale_to_fen[d.scale];
  return true;
}

/* Evaluates one rule for one subject (record or group).  *fen is the amount
 * (entitlements) and *hit whether the condition held. */
bool zrun_subject(zrun *run, const zrule *r, int32_t rec, bool *hit, int64_t *fen, zdec *raw) {
  zvm *vm = &run->vm;
  zval v;
  *hit = true;
  *fen = 0;
  if (r->has_condition) {
    if (!zvm_run(vm, &r->condition.block, rec, NULL, &v))
      return false;
    *hit = v.b;
  }
  if (!*hit || !r->has_amount)
    return true;
  if (!zvm_run(vm, &r->amount.block, rec, NULL, &v))
    return false;
  if (raw)
    *raw = v.d;
  zdec rounded;
  if (!(r->rounding_places == 2 && exact_fen(v.d, fen)) &&
      (!zdec_round(v.d, r->rounding_places, r->rounding, &rounded) || !zdec_to_fen(rounded, r->rounding, fen))) {
    vm->error = zerr_new(ZJTX_ERR_OVERFLOW, NULL, 0, 0, r->id, "the amount does not fit the money range (overflow)");
    return false;
  }
  for (guint i = 0; i < r->caps->len; i++) {
    const zcap *cap = g_ptr_array_index(r->caps, i);
    int64_t cap_fen;
    if (!zvm_run(vm, &cap->expr.block, rec, NULL, &v))
      return false;
    if (!exact_fen(v.d, &cap_fen) && !zdec_to_fen(v.d, ZROUND_HALF_UP, &cap_fen)) {
      vm->error = zerr_new(ZJTX_ERR_OVERFLOW, NULL, 0, 0, r->id, "a cap does not fit the money range (overflow)");
      return false;
    }
    if (cap_fen < *fen)
      *fen = cap_fen;
  }
  return true;
}

/* ---- grouping ------------------------------------------------------------ */

void zgroups_free(zgroups *g) {
  if (!g)
    return;
  g_array_free(g->members, TRUE);
  g_array_free(g->offsets, TRUE);
  g_ptr_array_free(g->keys, TRUE);
  g_free(g);
}

static const char *group_key_text(const zjtx_policy *p, const zjtx_facts *f, const zrule *r, int32_t rec) {
  zentity *e = zpolicy_entity(p, r->subject);
  zfield *fd = zentity_field(e, r->group_field);
  zval v = zfacts_get(f, r->subject, r->group_field, rec);
  if (fd->type == ZF_CODE)
    return g_ptr_array_index(((zcodeset *)g_ptr_array_index(p->codesets, fd->codeset))->values, v.code);
  return v.s;
}

/* Records of the subject passing the filter, grouped by the group field, in
 * the order each key first appears (deterministic). */
zgroups *zgroups_build(zrun *run, const zrule *r, zjtx_error **err) {
  const zjtx_facts *f = run->vm.facts;
  int32_t n = f->tables[r->subject].n;
  GHashTable *index = g_hash_table_new(g_str_hash, g_str_equal);
  GPtrArray *keys = g_ptr_array_new();
  GArray *group_of = g_array_sized_new(FALSE, FALSE, sizeof(int32_t), (guint)n);
  for (int32_t rec = 0; rec < n; rec++) {
    int32_t g = -1;
    zval v = {.b = true};
    if (r->has_filter && !zvm_run(&run->vm, &r->filter.block, rec, NULL, &v)) {
      run_failed(run, r, r->subject, rec, NULL, err);
      g_hash_table_destroy(index);
      g_ptr_array_free(keys, TRUE);
      g_array_free(group_of, TRUE);
      return NULL;
    }
    if (v.b) {
      const char *key = group_key_text(run->vm.policy, f, r, rec);
      gpointer found = g_hash_table_lookup(index, key);
      if (!found) {
        g_ptr_array_add(keys, (gpointer)key);
        found = GINT_TO_POINTER(keys->len);
        g_hash_table_insert(index, (gpointer)key, found);
      }
      g = GPOINTER_TO_INT(found) - 1;
    }
    g_array_append_val(group_of, g);
  }
  g_hash_table_destroy(index);
  /* counting sort into CSR */
  zgroups *gs = g_new0(zgroups, 1);
  gs->keys = keys;
  gs->offsets = g_array_new(FALSE, TRUE, sizeof(int32_t));
  g_array_set_size(gs->offsets, keys->len + 1);
  int32_t *off = (int32_t *)(void *)gs->offsets->data;
  for (int32_t rec = 0; rec < n; rec++) {
    int32_t g = g_array_index(group_of, int32_t, rec);
    if (g >= 0)
      off[g + 1]++;
  }
  for (guint g = 0; g < keys->len; g++)
    off[g + 1] += off[g];
  gs->members = g_array_new(FALSE, TRUE, sizeof(int32_t));
  g_array_set_size(gs->members, (guint)off[keys->len]);
  GArray *fill = g_array_new(FALSE, TRUE, sizeof(int32_t));
  g_array_set_size(fill, keys->len);
  for (int32_t rec = 0; rec < n; rec++) {
    int32_t g = g_array_index(group_of, int32_t, rec);
    if (g >= 0)
      g_array_index(gs->members, int32_t, off[g] + g_array_index(fill, int32_t, g)++) = rec;
  }
  g_array_free(fill, TRUE);
  g_array_free(group_of, TRUE);
  return gs;
}

void zgroups_select(zvm *vm, const zgroups *gs, guint g) {
  const int32_t *off = (const int32_t *)(void *)gs->offsets->data;
  vm->members = (const int32_t *)(void *)gs->members->data + off[g];
  vm->n_members = off[g + 1] - off[g];
  vm->group_key = g_ptr_array_index(gs->keys, g);
}

/* ---- results ------------------------------------------------------------- */

/* A result item with its id (borrowed from the facts: the result never
 * outlives them) and its amount text, kept in `strings`. */
static zresult_item make_item(const zjtx_facts *f, GStringChunk *strings, const zrule *r, int32_t rec,
                              const char *group_key, int64_t fen) {
  zresult_item it = {r->index, rec, fen, group_key, NULL};
  char buf[ZDEC_BUFSZ];
  if (!group_key) {
    it.id = zfacts_record_id(f, r->subject, rec, buf);
    if (it.id == buf) /* a record without an id: "#12" */
      it.id = g_string_chunk_insert(strings, buf);
  }
  if (r->kind == ZJTX_RULE_ENTITLEMENT)
    it.amount = g_string_chunk_insert(strings, zfmt_fen(fen, buf));
  return it;
}

static void push_item(zjtx_result *res, const zrule *r, const zresult_item *it) {
  g_array_append_val(r->kind == ZJTX_RULE_ENTITLEMENT ? res->entitlements : res->violations, *it);
}

static void add_result(zjtx_result *res, const zrule *r, int32_t rec, const char *group_key, int64_t fen) {
  zresult_item it = make_item(res->facts, res->strings, r, rec, group_key, fen);
  push_item(res, r, &it);
}

/* One contiguous range of a rule's subjects, evaluated on its own thread
 * with its own run state.  Hits are kept as (record, fen) pairs and turned
 * into results by the caller, in range order: the output does not depend
 * on how many threads there were. */
typedef struct {
  const zjtx_result *res;
  const zrule *r;
  int32_t from, to;
  GArray *hits;          /* zresult_item */
  GStringChunk *strings; /* their amount texts, handed to the result */
  zjtx_error *err;
} range_job;

static gpointer eval_range(gpointer data) {
  range_job *job = data;
  zrun run;
  if (zrun_init(&run, job->res->policy, job->res->facts, job->res->options, &job->err) != ZJTX_OK)
    return NULL;
  const zrule *r = job->r;
  bool hit;
  int64_t fen;
  for (int32_t rec = job->from; rec < job->to; rec++) {
    if (!zrun_subject(&run, r, rec, &hit, &fen, NULL)) {
      run_failed(&run, r, r->subject, rec, NULL, &job->err);
      break;
    }
    if (hit && (r->kind == ZJTX_RULE_CHECK || fen != 0)) {
      zresult_item it = make_item(job->res->facts, job->strings, r, rec, NULL, fen);
      g_array_append_val(job->hits, it);
    }
  }
  zrun_clear(&run);
  return NULL;
}

/* Below this many subjects a rule runs on the calling thread alone. */
#define PARALLEL_MIN_SUBJECTS 8192

static zjtx_status eval_records(zjtx_result *res, const zrule *r, int threads, zjtx_error **err) {
  int32_t n = res->facts->tables[r->subject].n;
  int k = n >= PARALLEL_MIN_SUBJECTS ? MAX(1, threads) : 1;
  range_job *jobs = g_new0(range_job, (gsize)k);
  GThread **workers = g_new0(GThread *, (gsize)k);
  for (int j = 0; j < k; j++) {
    jobs[j] = (range_job){res, r, (int32_t)((int64_t)n * j / k), (int32_t)((int64_t)n * (j + 1) / k),
                          g_array_new(FALSE, FALSE, sizeof(zresult_item)), g_string_chunk_new(64 * 1024), NULL};
    if (j > 0)
      workers[j] = g_thread_new("zjtx-eval", eval_range, &jobs[j]);
  }
  eval_range(&jobs[0]);
  zjtx_status st = ZJTX_OK;
  for (int j = 0; j < k; j++) {
    if (j > 0)
      g_thread_join(workers[j]);
    GArray *into = r->kind == ZJTX_RULE_ENTITLEMENT ? res->entitlements : res->violations;
    g_array_append_vals(into, jobs[j].hits->data, jobs[j].hits->len);
    g_ptr_array_add(res->chunks, jobs[j].strings);
    if (jobs[j].err && st == ZJTX_OK)
      st = zerr_give(err, g_steal_pointer(&jobs[j].err));
    zjtx_error_free(jobs[j].err);
    g_array_free(jobs[j].hits, TRUE);
  }
  g_free(workers);
  g_free(jobs);
  return st;
}

static zjtx_status eval_rule(zrun *run, zjtx_result *res, const zrule *r, int threads, zjtx_error **err) {
  bool hit;
  int64_t fen;
  if (r->group_field < 0)
    return eval_records(res, r, threads, err);
  zgroups *gs = zgroups_build(run, r, err);
  if (!gs)
    return err && *err ? (*err)->code : ZJTX_ERR_EVAL;
  for (guint g = 0; g < gs->keys->len; g++) {
    zgroups_select(&run->vm, gs, g);
    if (!zrun_subject(run, r, -1, &hit, &fen, NULL)) {
      zjtx_status st = run_failed(run, r, r->subject, -1, run->vm.group_key, err);
      zgroups_free(gs);
      return st;
    }
    if (hit && (r->kind == ZJTX_RULE_CHECK || fen != 0))
      add_result(res, r, (int32_t)g, run->vm.group_key, fen);
  }
  zgroups_free(gs);
  return ZJTX_OK;
}

/* 就高不重复: among rules sharing an `exclusive` group, a beneficiary keeps
 * only its highest amount (the first rule on a tie). */
static void apply_exclusive(const zjtx_policy *p, zjtx_result *res) {
  GHashTable *best = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  GArray *items = res->entitlements;
  for (guint i = 0; i < items->len; i++) {
    zresult_item *it = &g_array_index(items, zresult_item, i);
    zrule *r = g_ptr_array_index(p->rules, it->rule);
    if (!r->exclusive)
      continue;
    char *k = g_strdup_printf("%s\t%d\t%s", r->exclusive, r->subject, it->id);
    gpointer prev = g_hash_table_lookup(best, k);
    zresult_item *pi = prev ? &g_array_index(items, zresult_item, GPOINTER_TO_UINT(prev) - 1) : NULL;
    if (!pi || it->fen > pi->fen) {
      if (pi)
        pi->fen = 0;
      g_hash_table_insert(best, k, GUINT_TO_POINTER(i + 1));
    } else {
      it->fen = 0;
      g_free(k);
    }
  }
  g_hash_table_destroy(best);
  guint kept = 0;
  for (guint i = 0; i < items->len; i++)
    if (g_array_index(items, zresult_item, i).fen != 0)
      g_array_index(items, zresult_item, kept++) = g_array_index(items, zresult_item, i);
  g_array_set_size(items, kept);
}

static const char *op_text(int op) {
  switch (op) {
  case ZOP_EQ: return "==";
  case ZOP_LT: return "<";
  case ZOP_LE: return "<=";
  case ZOP_GT: return ">";
  default: return ">=";
  }
}

/* The plan's targets: each indicator once, over the whole population. */
static zjtx_status eval_indicators(zjtx_result *res, zjtx_error **err) {
  const zjtx_policy *p = res->policy;
  zrun *run = &res->run;
  for (guint i = 0; i < p->indicators->len; i++) {
    const zindicator *x = g_ptr_array_index(p->indicators, i);
    zval v;
    run->vm.rule_id = x->id;
    if (!zvm_run(&run->vm, &x->value.block, -1, NULL, &v)) {
      zjtx_error *e = run->vm.error;
      run->vm.error = NULL;
      zjtx_status code = zerr_set(err, e ? e->code : ZJTX_ERR_EVAL, NULL, 0, 0, x->id, "indicator %s: %s", x->id,
                                  e ? e->message : "evaluation failed");
      zjtx_error_free(e);
      return code;
    }
    int c = x->value.type.kind == ZT_DATE ? (v.date > x->target.date) - (v.date < x->target.date)
                                          : zdec_cmp(v.d, x->target.d);
    gboolean met = x->target_op == ZOP_EQ ? c == 0 : x->target_op == ZOP_LT ? c < 0 : x->target_op == ZOP_LE ? c <= 0
                                                 : x->target_op == ZOP_GT ? c > 0 : c >= 0;
    /* shown to 2 decimals (of a percent for rates); met is decided exactly */
    zval shown = v;
    int places = x->value.type.kind == ZT_RATE ? 4 : 2;
    if (x->value.type.kind != ZT_DATE && v.d.scale > places)
      zdec_round(v.d, places, ZROUND_HALF_UP, &shown.d);
    g_ptr_array_add(res->indicator_values, zformat_value(p, res->facts, x->value.type, &shown));
    char *target = zformat_value(p, res->facts, x->value.type, &x->target);
    g_ptr_array_add(res->indicator_targets, g_strdup_printf("%s %s", op_text(x->target_op), target));
    g_free(target);
    g_array_append_val(res->indicator_met, met);
  }
  run->vm.rule_id = NULL;
  return ZJTX_OK;
}

zjtx_status zjtx_evaluate(const zjtx_policy *p, const zjtx_facts *f, const zjtx_options *o, zjtx_result **out,
                          zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!p || !f || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "policy, facts and out must not be NULL");
  if (f->policy != p || !f->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "the facts must be finished and belong to this policy (zjtx_facts_finish)");
  zjtx_result *res = g_new0(zjtx_result, 1);
  res->policy = zjtx_policy_ref((zjtx_policy *)p);
  res->facts = f;
  res->strings = g_string_chunk_new(4096);
  res->chunks = g_ptr_array_new_with_free_func((GDestroyNotify)g_string_chunk_free);
  res->indicator_values = g_ptr_array_new_with_free_func(g_free);
  res->indicator_targets = g_ptr_array_new_with_free_func(g_free);
  res->indicator_met = g_array_new(FALSE, FALSE, sizeof(gboolean));
  res->entitlements = g_array_new(FALSE, FALSE, sizeof(zresult_item));
  res->violations = g_array_new(FALSE, FALSE, sizeof(zresult_item));
  res->options = zjtx_options_new();
  zjtx_status st = zrun_init(&res->run, p, f, o, err);
  for (guint i = 0; st == ZJTX_OK && o && i < o->sets->len; i++) {
    zparam_set *s = g_ptr_array_index(o->sets, i);
    zjtx_options_set_param(res->options, s->id, s->key, s->value, NULL);
  }
  int threads = o && o->threads > 0 ? o->threads : (int)g_get_num_processors();
  res->options->threads = threads;
  if (st == ZJTX_OK)
    res->options->period = g_strdup(res->run.period);
  for (guint i = 0; st == ZJTX_OK && i < p->rules->len; i++)
    st = eval_rule(&res->run, res, g_ptr_array_index(p->rules, i), threads, err);
  if (st != ZJTX_OK) {
    zjtx_result_free(res);
    return st;
  }
  apply_exclusive(p, res);
  if (st == ZJTX_OK && o && o->indicators)
    st = eval_indicators(res, err);
  if (st != ZJTX_OK) {
    zjtx_result_free(res);
    return st;
  }
  *out = res;
  return ZJTX_OK;
}
