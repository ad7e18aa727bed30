/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* run.c - one run's state, and the one code path that evaluates a rule for
 * one subject (condition, amount, rounding, caps), reporting each step when
 * explaining; the groups of grouped rules. */
#include <string.h>

#include "eval-internal.h"
#include "model.h"

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
      return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, s->id, "value \"%s\" for %s is not %s", s->value, s->id,
                      why);
    g_autofree char *out_of_range = NULL;
    if (!zparam_check_value(param, &ov.value, &out_of_range))
      return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, s->id, "value \"%s\" for %s %s", s->value, s->id,
                      out_of_range);
    run->overrides[run->n_overrides++] = ov;
    run->overridden[pi] = 1;
  }
  return ZJTX_OK;
}

/* A money value written "1000000" as 1000000.00: the same number, at the
 * scale the facts keep money in, so that comparing it with a field needs
 * no rescaling (exact; a value that would not fit stays as it is). */
static void money_at_fen_scale(zval *v) {
  zdec d;
  if (!zval_is_missing(v) && v->d.scale < 2 && zdec_rescale(v->d, 2, &d))
    v->d = d;
}

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
    guint keys =
        param->key_codeset >= 0 ? ((zcodeset *)g_ptr_array_index(p->codesets, param->key_codeset))->values->len : 0;
    run->at_end[i] = g_new0(zval, keys + 1);
    run->at_end_ok[i] = g_new0(uint8_t, keys + 1);
    for (guint k = 0; k <= keys; k++) {
      int32_t key = (int32_t)k - 1;
      if ((keys && key < 0) || (!keys && key >= 0))
        continue;
      run->at_end_ok[i][k] = zvm_param(&run->vm, (int32_t)i, key, run->vm.period_end, &run->at_end[i][k]);
      g_clear_pointer(&run->vm.error, zjtx_error_free); /* no value in force: looked up (and reported) per use */
      if (run->at_end_ok[i][k] && param->type.kind == ZT_MONEY)
        money_at_fen_scale(&run->at_end[i][k]);
    }
  }
  run->vm.at_end = (const zval *const *)run->at_end;
  run->vm.at_end_ok = (const uint8_t *const *)run->at_end_ok;
}

/* The period evaluated: the caller's, else the facts', else the policy's
 * default, written as the policy's <period unit> says; its text is kept
 * as given, and printed as such in every output. */
static bool resolve_period(zrun *run, const zjtx_policy *p, const zjtx_facts *f, const zjtx_options *o, zperiod *span,
                           zjtx_error **err) {
  const char *period = o && o->period ? o->period : f->period ? f->period : p->default_period;
  const char *from = o && o->period ? "" : f->period ? " (from the facts)" : " (the policy's default)";
  if (!period) {
    if (p->period_kind.unit == ZPERIOD_YEAR) /* the words of a policy without <period> */
      zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
               "no period to evaluate: give one as YYYY (the policy declares none)");
    else
      zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "no period to evaluate: give one as %s",
               zperiod_form(p->period_kind));
    return false;
  }
  if (!zperiod_resolve(period, p->period_kind, span)) { /* at most 7 characters */
    zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "period \"%s\"%s does not fit this policy: expected %s",
             period, from, zperiod_form(p->period_kind));
    return false;
  }
  g_strlcpy(run->period, period, sizeof run->period);
  return true;
}

/* Room for the derived values kept per subject, or NULL when the policy
 * has none (zderived.kept_per_subject). */
static zmemo *memo_for(const zjtx_policy *p) {
  for (guint d = 0; d < p->derived->len; d++)
    if (((const zderived *)g_ptr_array_index(p->derived, d))->kept_per_subject)
      return g_new0(zmemo, p->derived->len);
  return NULL;
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
  g_free(run->vm.cache);
  g_free(run->vm.memo);
  g_free(run->overrides);
  g_free(run->overridden);
  zjtx_error_free(run->vm.error);
  memset(run, 0, sizeof *run);
}

zjtx_status zrun_init(zrun *run, const zjtx_policy *p, const zjtx_facts *f, const zjtx_options *o, zjtx_error **err) {
  memset(run, 0, sizeof *run);
  zperiod span;
  if (!resolve_period(run, p, f, o, &span, err))
    return ZJTX_ERR_INVALID_ARG;
  zjtx_status st = resolve_overrides(p, o, run, err);
  if (st != ZJTX_OK) {
    zrun_clear(run);
    return st;
  }
  zvm *vm = &run->vm;
  vm->policy = p;
  vm->consts = (const zval *)(void *)p->consts->data;
  vm->facts = f;
  vm->stack = g_new0(zval, p->max_stack + 8);
  vm->locals = g_new0(zval, p->max_locals + 8);
  vm->period_start = span.start;
  vm->period_end = span.end;
  vm->period_year = span.year;
  vm->overrides = run->overrides;
  vm->n_overrides = run->n_overrides;
  vm->overridden = run->overridden;
  vm->columns = o ? o->columns : NULL;
  vm->column_inputs = o ? o->column_inputs : NULL;
  vm->cache = g_new0(zcache, p->n_caches + 1);
  vm->memo = memo_for(p);
  vm->subject = 1; /* no memo entry (subject 0) holds yet */
  cache_params_at_end(run);
  return ZJTX_OK;
}

zjtx_status zrun_failed(zrun *run, const zrule *r, int32_t rec, const char *group, zjtx_error **err) {
  char buf[32];
  const char *id = group ? group : zfacts_record_id(run->vm.facts, r->subject, rec, buf);
  zjtx_error *e = g_steal_pointer(&run->vm.error);
  zjtx_status code = e ? e->code : ZJTX_ERR_EVAL;
  zerr_set(err, code, NULL, 0, 0, r->id, "%s %s, for %s %s: %s", r->kind == ZJTX_RULE_CHECK ? "check" : "rule", r->id,
           zpolicy_entity(run->vm.policy, r->subject)->name, id, e ? e->message : "evaluation failed");
  zjtx_error_free(e);
  return code;
}

/* ---- one rule, one subject ------------------------------------------------- */

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

/* The amount rounded as the rule says, in fen; false when out of range. */
static bool round_amount(const zrule *r, zdec amount, int64_t *fen) {
  zdec rounded;
  if (r->rounding_places == 2)
    return exact_fen(amount, fen) || zdec_to_fen(amount, r->rounding, fen);
  return zdec_round(amount, r->rounding_places, r->rounding, &rounded) && zdec_to_fen(rounded, r->rounding, fen);
}

/* Runs `block` for the subject into *v; false on a run-time failure. */
static bool run_block(zrun *run, const zblock *block, int32_t rec, zval *v) {
  return zvm_run(&run->vm, block, rec, NULL, v);
}

/* The amount of an entitlement, rounded and capped, into out->fen; a
 * missing amount, or a missing cap on an amount not yet zero, leaves
 * out->inputs set.  Each step is reported
 * through run->steps when explaining: NULL on the batch path, so
 * reporting costs one predictable branch per step. */
static bool compute_amount(zrun *run, const zrule *r, int32_t rec, zoutcome *out) {
  zvm *vm = &run->vm;
  zsteps *steps = run->steps;
  zval v;
  if (G_UNLIKELY(steps))
    steps->amount(steps, r);
  if (!run_block(run, &r->amount.block, rec, &v))
    return false;
  if (zval_is_missing(&v)) {
    if (G_UNLIKELY(steps))
      steps->missing(steps, r, v.missing.inputs);
    out->inputs |= v.missing.inputs;
    return true;
  }
  if (G_UNLIKELY(steps))
    steps->amount_raw(steps, r, v.d);
  if (!round_amount(r, v.d, &out->fen)) {
    vm->error = zerr_new(ZJTX_ERR_OVERFLOW, NULL, 0, 0, r->id, "the amount does not fit the money range (overflow)");
    return false;
  }
  if (G_UNLIKELY(steps))
    steps->rounded(steps, r, out->fen);
  uint64_t cap_inputs = 0;
  for (guint i = 0; i < r->caps->len && out->fen != 0; i++) {
    const zcap *cap = g_ptr_array_index(r->caps, i);
    int64_t cap_fen;
    if (G_UNLIKELY(steps))
      steps->cap(steps, r, cap);
    if (!run_block(run, &cap->expr.block, rec, &v))
      return false;
    if (zval_is_missing(&v)) { /* the amount may still be zero: caps never raise it */
      if (G_UNLIKELY(steps))
        steps->missing(steps, r, v.missing.inputs);
      cap_inputs |= v.missing.inputs;
      continue;
    }
    if (!exact_fen(v.d, &cap_fen) && !zdec_to_fen(v.d, ZROUND_HALF_UP, &cap_fen)) {
      vm->error = zerr_new(ZJTX_ERR_OVERFLOW, NULL, 0, 0, r->id, "a cap does not fit the money range (overflow)");
      return false;
    }
    bool binding = cap_fen < out->fen;
    if (G_UNLIKELY(steps))
      steps->cap_applied(steps, r, cap, cap_fen, binding);
    if (binding)
      out->fen = cap_fen;
  }
  if (out->fen != 0)
    out->inputs |= cap_inputs;
  return true;
}

/* The outcome of r's condition for rec as an earlier rule with the same
 * condition kept it (ZHELD_*).  Only on the batch path: an explanation
 * computes the condition again to show it. */
static inline uint8_t held_condition(const zrun *run, const zrule *r, int32_t rec) {
  if (r->same_condition < 0 || run->steps || !run->vm.columns)
    return ZHELD_UNKNOWN;
  return run->vm.columns[r->same_condition].held[rec];
}

/* Keeps r's condition outcome for rec when a later rule shares it. */
static inline void keep_condition(const zrun *run, const zrule *r, int32_t rec, const zval *v) {
  if (r->condition_kept && !run->steps && run->vm.columns && rec >= 0)
    run->vm.columns[r->index].held[rec] = zval_is_missing(v) ? ZHELD_UNKNOWN : v->b ? ZHELD_MET : ZHELD_NOT_MET;
}

/* r's condition for rec into out->hit, or its missing inputs into
 * out->inputs; false on a run-time failure. */
static bool run_condition(zrun *run, const zrule *r, int32_t rec, zoutcome *out) {
  zsteps *steps = run->steps;
  zval v;
  uint8_t held = held_condition(run, r, rec);
  if (held != ZHELD_UNKNOWN) {
    out->hit = held == ZHELD_MET;
    return true;
  }
  if (G_UNLIKELY(steps))
    steps->condition(steps, r);
  if (!run_block(run, &r->condition.block, rec, &v))
    return false;
  keep_condition(run, r, rec, &v);
  if (zval_is_missing(&v)) {
    if (G_UNLIKELY(steps))
      steps->missing(steps, r, v.missing.inputs);
    out->inputs = v.missing.inputs;
  } else {
    out->hit = v.b;
    if (G_UNLIKELY(steps))
      steps->condition_held(steps, r, out->hit);
  }
  return true;
}

bool zrun_subject(zrun *run, const zrule *r, int32_t rec, zoutcome *out) {
  *out = (zoutcome){.hit = true};
  zvm_forget_missing(&run->vm);
  if (r->has_condition && !run_condition(run, r, rec, out))
    return false;
  if (!out->hit)
    return true; /* false without what is missing: not met, whatever it is */
  if (!r->has_amount)
    return true;
  /* met, or undecided: the amount tells whether anything is at stake */
  uint64_t condition_inputs = out->inputs;
  out->inputs = 0;
  if (!compute_amount(run, r, rec, out))
    return false;
  if (out->fen == 0 && out->inputs == 0)
    return true; /* zero with what is there: nothing to pay either way */
  out->inputs |= condition_inputs;
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

/* Per record of the subject, the index of its group (-1: filtered out);
 * keys in the order each first appears (deterministic). */
static zjtx_status assign_groups(zrun *run, const zrule *r, GPtrArray *keys, int32_t *group_of, zjtx_error **err) {
  const zjtx_facts *f = run->vm.facts;
  int32_t n = f->tables[r->subject].n;
  g_autoptr(GHashTable) index = g_hash_table_new(g_str_hash, g_str_equal);
  for (int32_t rec = 0; rec < n; rec++) {
    zval v = {.b = true};
    group_of[rec] = -1;
    if (r->has_filter && !zvm_run(&run->vm, &r->filter.block, rec, NULL, &v))
      return zrun_failed(run, r, rec, NULL, err);
    if (!v.b)
      continue;
    const char *key = group_key_text(run->vm.policy, f, r, rec);
    gpointer found = g_hash_table_lookup(index, key);
    if (!found) {
      g_ptr_array_add(keys, (gpointer)key);
      found = GINT_TO_POINTER(keys->len);
      g_hash_table_insert(index, (gpointer)key, found);
    }
    group_of[rec] = GPOINTER_TO_INT(found) - 1;
  }
  return ZJTX_OK;
}

/* Records of the subject passing the filter, grouped by the group field
 * (a counting sort into CSR form), groups in the order of their keys. */
zjtx_status zgroups_build(zrun *run, const zrule *r, zgroups **out, zjtx_error **err) {
  int32_t n = run->vm.facts->tables[r->subject].n;
  g_autoptr(GPtrArray) keys = g_ptr_array_new();
  g_autofree int32_t *group_of = g_new(int32_t, (gsize)n + 1);
  *out = NULL;
  zjtx_status st = assign_groups(run, r, keys, group_of, err);
  if (st != ZJTX_OK)
    return st;
  zgroups *gs = g_new0(zgroups, 1);
  gs->offsets = g_array_new(FALSE, TRUE, sizeof(int32_t));
  g_array_set_size(gs->offsets, keys->len + 1);
  int32_t *off = (int32_t *)(void *)gs->offsets->data;
  for (int32_t rec = 0; rec < n; rec++)
    if (group_of[rec] >= 0)
      off[group_of[rec] + 1]++;
  for (guint g = 0; g < keys->len; g++)
    off[g + 1] += off[g];
  gs->members = g_array_new(FALSE, TRUE, sizeof(int32_t));
  g_array_set_size(gs->members, (guint)off[keys->len]);
  g_autofree int32_t *fill = g_new0(int32_t, keys->len + 1);
  for (int32_t rec = 0; rec < n; rec++) {
    int32_t g = group_of[rec];
    if (g >= 0)
      g_array_index(gs->members, int32_t, off[g] + fill[g]++) = rec;
  }
  gs->keys = g_steal_pointer(&keys);
  *out = gs;
  return ZJTX_OK;
}

void zgroups_select(zvm *vm, const zgroups *gs, guint g) {
  const int32_t *off = (const int32_t *)(void *)gs->offsets->data;
  vm->members = (const int32_t *)(void *)gs->members->data + off[g];
  vm->n_members = off[g + 1] - off[g];
  vm->group_key = g_ptr_array_index(gs->keys, g);
}

/* Leaves no group selected: the group's members die with its zgroups. */
void zgroups_unselect(zvm *vm) {
  vm->members = NULL;
  vm->n_members = 0;
  vm->group_key = NULL;
}
