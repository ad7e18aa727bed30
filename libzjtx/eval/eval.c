/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eval.c - one evaluation: every rule and check of a policy over finished
 * facts (large rules split across the evaluation's threads), the exclusive
 * groups, the indicators. */
#include <string.h>

#include "eval-internal.h"
#include "expr.h" /* ZOP_*: an indicator's target comparison */
#include "format.h"

/* One evaluation in progress. */
typedef struct {
  zjtx_result *res;
  int threads;
  zpool *pool; /* started by the first rule large enough to split */
} zeval;

/* Below this many subjects a rule runs on the calling thread alone. */
#define PARALLEL_MIN_SUBJECTS 8192

/* Where the results of a rule go: the result's own arrays, or one
 * thread's share of them (joined in order afterwards). */
typedef struct {
  GArray *hits;      /* zresult_item: entitlements or violations */
  GArray *undecided; /* zresult_item */
  GArray *missing;   /* zresult_missing of the undecided */
  GStringChunk *strings;
  const zjtx_facts *facts;
  GPtrArray *ids; /* the subject's key column, looked up once per rule; NULL for records without ids */
  /* hits not yet in `hits`: appended a batch at a time, not one call per
   * item (a rule over a million subjects has hundreds of thousands) */
  zresult_item batch[64];
  guint n_batch;
} zsink;

static zsink result_sink(zjtx_result *res, const zrule *r) {
  return (zsink){.hits = r->kind == ZJTX_RULE_ENTITLEMENT ? res->entitlements : res->violations,
                 .undecided = res->undecided,
                 .missing = res->missing,
                 .strings = res->strings,
                 .facts = res->facts,
                 .ids = zfacts_key_column(res->facts, r->subject)};
}

/* A result item with its id: borrowed from the facts (the result never
 * outlives them), or "#12" kept in the sink's strings for a record
 * without one. */
static zresult_item make_item(const zsink *to, const zrule *r, int32_t rec, const char *group_key, int64_t fen) {
  zresult_item it = {r->index, rec, fen, group_key, 0, 0, false, 0};
  if (!group_key && to->ids) {
    it.id = g_ptr_array_index(to->ids, rec);
  } else if (!group_key) {
    char buf[32];
    it.id = g_string_chunk_insert(to->strings, zfacts_record_id(to->facts, r->subject, rec, buf));
  }
  return it;
}

/* The batch of hits into `hits`, in order. */
static void flush_hits(zsink *to) {
  g_array_append_vals(to->hits, to->batch, to->n_batch);
  to->n_batch = 0;
}

static inline void push_hit(zsink *to, const zresult_item *it) {
  to->batch[to->n_batch++] = *it;
  if (to->n_batch == G_N_ELEMENTS(to->batch))
    flush_hits(to);
}

static void append_missing_input(const zmissing_input *in, void *data) {
  zsink *to = data;
  char buf[32];
  zresult_missing m = {in->entity, in->field, in->rec, zfacts_record_id(to->facts, in->entity, in->rec, buf)};
  if (m.id == buf) /* a record without an id: "#12" */
    m.id = g_string_chunk_insert(to->strings, buf);
  g_array_append_val(to->missing, m);
}

/* One subject's outcome into the sink: a violation, an entitlement that
 * pays, or an undecided item with the inputs it lacks. */
static void keep_outcome(const zvm *vm, zsink *to, const zrule *r, int32_t rec, const char *group_key,
                         const zoutcome *o) {
  if (o->inputs) {
    zresult_item it = make_item(to, r, rec, group_key, 0);
    it.missing_at = (int32_t)to->missing->len;
    it.more_missing = zvm_missing_inputs(vm, o->inputs, append_missing_input, to);
    it.n_missing = (int32_t)to->missing->len - it.missing_at;
    g_array_append_val(to->undecided, it);
  } else if (o->hit && (r->kind == ZJTX_RULE_CHECK || o->fen != 0)) {
    zresult_item it = make_item(to, r, rec, group_key, o->fen);
    push_hit(to, &it);
  }
}

/* Records [from, to) of the rule's subject into the sink.  A failure ends
 * the range with @err set. */
static zjtx_status eval_range(zrun *run, const zrule *r, int32_t from, int32_t to, zsink *sink, zjtx_error **err) {
  zoutcome o;
  zjtx_status st = ZJTX_OK;
  for (int32_t rec = from; rec < to && st == ZJTX_OK; rec++) {
    if (!zrun_subject(run, r, rec, &o))
      st = zrun_failed(run, r, rec, NULL, err);
    else if (o.hit || o.inputs)
      keep_outcome(&run->vm, sink, r, rec, NULL, &o);
  }
  flush_hits(sink);
  return st;
}

/* One rule's records split into as many contiguous ranges as there are
 * slots, each kept apart and joined in range order: the results do not
 * depend on how many threads there were. */
typedef struct {
  const zrule *r;
  int32_t n;
  zsink *sinks;      /* per slot; its strings are handed to the result */
  zjtx_error **errs; /* per slot */
} zranges;

static void eval_slot(zrun *run, int slot, int slots, void *data) {
  zranges *w = data;
  int32_t from = (int32_t)((int64_t)w->n * slot / slots), to = (int32_t)((int64_t)w->n * (slot + 1) / slots);
  eval_range(run, w->r, from, to, &w->sinks[slot], &w->errs[slot]);
}

/* A slot's results after those already in the result; its undecided
 * items' missing inputs move with them. */
static void join_slot(zjtx_result *res, const zrule *r, zsink *from) {
  zsink to = result_sink(res, r);
  g_array_append_vals(to.hits, from->hits->data, from->hits->len);
  int32_t shift = (int32_t)to.missing->len;
  for (guint i = 0; i < from->undecided->len; i++)
    g_array_index(from->undecided, zresult_item, i).missing_at += shift;
  g_array_append_vals(to.undecided, from->undecided->data, from->undecided->len);
  g_array_append_vals(to.missing, from->missing->data, from->missing->len);
  g_array_free(from->hits, TRUE);
  g_array_free(from->undecided, TRUE);
  g_array_free(from->missing, TRUE);
  g_ptr_array_add(res->chunks, from->strings);
}

static zjtx_status eval_parallel(zeval *ev, const zrule *r, zjtx_error **err) {
  zjtx_result *res = ev->res;
  if (!ev->pool) {
    zjtx_error *e = NULL; /* its own: the code is kept when the caller passes no err */
    if (!(ev->pool = zpool_new(ev->threads, &res->run, res->policy, res->facts, res->options, &e)))
      return e ? zerr_give(err, e) : ZJTX_ERR_EVAL;
  }
  int k = zpool_slots(ev->pool);
  zranges w = {.r = r, .n = res->facts->tables[r->subject].n};
  w.sinks = g_new0(zsink, (gsize)k);
  w.errs = g_new0(zjtx_error *, (gsize)k);
  for (int j = 0; j < k; j++)
    w.sinks[j] = (zsink){.hits = g_array_new(FALSE, FALSE, sizeof(zresult_item)),
                         .undecided = g_array_new(FALSE, FALSE, sizeof(zresult_item)),
                         .missing = g_array_new(FALSE, FALSE, sizeof(zresult_missing)),
                         .strings = g_string_chunk_new(64 * 1024),
                         .facts = res->facts,
                         .ids = zfacts_key_column(res->facts, r->subject)};
  zpool_run(ev->pool, eval_slot, &w);
  zjtx_status st = ZJTX_OK;
  for (int j = 0; j < k; j++) {
    join_slot(res, r, &w.sinks[j]);
    if (w.errs[j] && st == ZJTX_OK)
      st = zerr_give(err, g_steal_pointer(&w.errs[j]));
    zjtx_error_free(w.errs[j]);
  }
  g_free(w.sinks);
  g_free(w.errs);
  return st;
}

static zjtx_status eval_records(zeval *ev, const zrule *r, zjtx_error **err) {
  zjtx_result *res = ev->res;
  int32_t n = res->facts->tables[r->subject].n;
  if (ev->threads > 1 && n >= PARALLEL_MIN_SUBJECTS)
    return eval_parallel(ev, r, err);
  zsink sink = result_sink(res, r);
  return eval_range(&res->run, r, 0, n, &sink, err);
}

static zjtx_status eval_groups(zjtx_result *res, const zrule *r, zjtx_error **err) {
  zrun *run = &res->run;
  g_autoptr(zgroups) gs = NULL;
  zjtx_status st = zgroups_build(run, r, &gs, err);
  zsink sink = result_sink(res, r);
  zoutcome o;
  for (guint g = 0; st == ZJTX_OK && g < gs->keys->len; g++) {
    zgroups_select(&run->vm, gs, g);
    if (!zrun_subject(run, r, -1, &o))
      st = zrun_failed(run, r, -1, run->vm.group_key, err);
    else
      keep_outcome(&run->vm, &sink, r, (int32_t)g, run->vm.group_key, &o);
  }
  flush_hits(&sink);
  zgroups_unselect(&run->vm);
  return st;
}

static zjtx_status eval_rule(zeval *ev, const zrule *r, zjtx_error **err) {
  return r->group_field < 0 ? eval_records(ev, r, err) : eval_groups(ev->res, r, err);
}

/* The key of a beneficiary in an exclusive group, or NULL. */
static char *exclusive_key(const zjtx_policy *p, const zresult_item *it) {
  const zrule *r = g_ptr_array_index(p->rules, it->rule);
  return r->exclusive ? g_strdup_printf("%s\t%d\t%s", r->exclusive, r->subject, it->id) : NULL;
}

/* Whether any rule of the policy is in an exclusive group. */
static bool any_exclusive(const zjtx_policy *p) {
  for (guint i = 0; i < p->rules->len; i++)
    if (((const zrule *)g_ptr_array_index(p->rules, i))->exclusive)
      return true;
  return false;
}

/* 就高不重复: among rules sharing an `exclusive` group, a beneficiary keeps
 * only its highest amount (the first rule on a tie).  While one of the
 * group's rules is undecided for it, the highest is not known: the group
 * pays it nothing yet, and the undecided items say what is missing. */
static void apply_exclusive(const zjtx_policy *p, zjtx_result *res) {
  if (!any_exclusive(p))
    return; /* nothing to walk: every item stays */
  GHashTable *best = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < res->undecided->len; i++) {
    char *k = exclusive_key(p, &g_array_index(res->undecided, zresult_item, i));
    if (k)
      g_hash_table_insert(best, k, GUINT_TO_POINTER(0));
  }
  GArray *items = res->entitlements;
  for (guint i = 0; i < items->len; i++) {
    zresult_item *it = &g_array_index(items, zresult_item, i);
    char *k = exclusive_key(p, it);
    if (!k)
      continue;
    gpointer prev = NULL;
    bool seen = g_hash_table_lookup_extended(best, k, NULL, &prev);
    zresult_item *pi = prev ? &g_array_index(items, zresult_item, GPOINTER_TO_UINT(prev) - 1) : NULL;
    if (!seen || (pi && it->fen > pi->fen)) {
      if (pi)
        pi->fen = 0;
      g_hash_table_insert(best, k, GUINT_TO_POINTER(i + 1));
    } else {
      it->fen = 0; /* lower, or undecided beside it */
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

/* Records of the entities an indicator walked, and records of which it
 * found a value missing (counted once however many were). */
static void indicator_coverage(zjtx_result *res, uint8_t **lacking) {
  const zjtx_policy *p = res->policy;
  zvm *vm = &res->run.vm;
  size_t records = 0, lack = 0;
  for (guint e = 0; e < p->entities->len; e++) {
    int32_t n = res->facts->tables[e].n;
    if (e < 64 && (vm->walked >> e & 1))
      records += (size_t)n;
    for (int32_t r = 0; r < n; r++)
      lack += lacking[e][r];
    memset(lacking[e], 0, (size_t)n);
  }
  g_array_append_val(res->indicator_records, records);
  g_array_append_val(res->indicator_lacking, lack);
  vm->walked = 0;
}

/* The plan's targets: each indicator once, over the whole population. */
static zjtx_status eval_indicator(zjtx_result *res, const zindicator *x, zjtx_error **err);

static zjtx_status eval_indicators(zjtx_result *res, zjtx_error **err) {
  const zjtx_policy *p = res->policy;
  zrun *run = &res->run;
  g_autofree uint8_t **lacking = g_new0(uint8_t *, p->entities->len + 1);
  for (guint e = 0; e < p->entities->len; e++)
    lacking[e] = g_malloc0((gsize)res->facts->tables[e].n + 1);
  run->vm.lacking = lacking;
  run->vm.walked = 0; /* rules may have walked populations too */
  zjtx_status st = ZJTX_OK;
  for (guint i = 0; i < p->indicators->len && st == ZJTX_OK; i++)
    st = eval_indicator(res, g_ptr_array_index(p->indicators, i), err);
  run->vm.lacking = NULL;
  run->vm.rule_id = NULL;
  for (guint e = 0; e < p->entities->len; e++)
    g_free(lacking[e]);
  return st;
}

static zjtx_status eval_indicator(zjtx_result *res, const zindicator *x, zjtx_error **err) {
  const zjtx_policy *p = res->policy;
  zrun *run = &res->run;
  {
    zval v;
    run->vm.rule_id = x->id;
    zvm_forget_missing(&run->vm);
    if (!zvm_run(&run->vm, &x->value.block, -1, NULL, &v)) {
      zjtx_error *e = g_steal_pointer(&run->vm.error);
      zjtx_status code = zerr_set(err, e ? e->code : ZJTX_ERR_EVAL, NULL, 0, 0, x->id, "indicator %s: %s", x->id,
                                  e ? e->message : "evaluation failed");
      zjtx_error_free(e);
      return code;
    }
    indicator_coverage(res, run->vm.lacking);
    if (zval_is_missing(&v)) { /* lacks data: no value, no target met */
      g_ptr_array_add(res->indicator_values, g_strdup("missing"));
      char *target = zformat_value(p, res->facts, x->value.type, &x->target);
      g_ptr_array_add(res->indicator_targets, g_strdup_printf("%s %s", zop_text(x->target_op), target));
      g_free(target);
      gboolean met = FALSE;
      g_array_append_val(res->indicator_met, met);
      return ZJTX_OK;
    }
    int c = x->value.type.kind == ZT_DATE ? (v.date > x->target.date) - (v.date < x->target.date)
                                          : zdec_cmp(v.d, x->target.d);
    gboolean met = x->target_op == ZOP_EQ   ? c == 0
                   : x->target_op == ZOP_LT ? c < 0
                   : x->target_op == ZOP_LE ? c <= 0
                   : x->target_op == ZOP_GT ? c > 0
                                            : c >= 0;
    /* shown to 2 decimals (of a percent for rates); met is decided exactly */
    zval shown = v;
    int places = x->value.type.kind == ZT_RATE ? 4 : 2;
    if (x->value.type.kind != ZT_DATE && v.d.scale > places)
      zdec_round(v.d, places, ZROUND_HALF_UP, &shown.d);
    g_ptr_array_add(res->indicator_values, zformat_value(p, res->facts, x->value.type, &shown));
    char *target = zformat_value(p, res->facts, x->value.type, &x->target);
    g_ptr_array_add(res->indicator_targets, g_strdup_printf("%s %s", zop_text(x->target_op), target));
    g_free(target);
    g_array_append_val(res->indicator_met, met);
  }
  return ZJTX_OK;
}

static zjtx_result *result_new(const zjtx_policy *p, const zjtx_facts *f) {
  zjtx_result *res = g_new0(zjtx_result, 1);
  res->policy = zjtx_policy_ref((zjtx_policy *)p);
  res->facts = zjtx_facts_ref((zjtx_facts *)f);
  res->strings = g_string_chunk_new(4096);
  g_mutex_init(&res->amount_lock);
  res->chunks = g_ptr_array_new_with_free_func((GDestroyNotify)g_string_chunk_free);
  res->indicator_values = g_ptr_array_new_with_free_func(g_free);
  res->indicator_targets = g_ptr_array_new_with_free_func(g_free);
  res->indicator_met = g_array_new(FALSE, FALSE, sizeof(gboolean));
  res->indicator_records = g_array_new(FALSE, FALSE, sizeof(size_t));
  res->indicator_lacking = g_array_new(FALSE, FALSE, sizeof(size_t));
  res->entitlements = g_array_new(FALSE, FALSE, sizeof(zresult_item));
  res->violations = g_array_new(FALSE, FALSE, sizeof(zresult_item));
  res->undecided = g_array_new(FALSE, FALSE, sizeof(zresult_item));
  res->missing = g_array_new(FALSE, FALSE, sizeof(zresult_missing));
  res->options = zjtx_options_new();
  return res;
}

/* What an explanation of this result needs to run again as it ran: the
 * overrides, the period in force, the number of threads. */
static void keep_options(zjtx_result *res, const zjtx_options *o, int threads) {
  for (guint i = 0; o && i < o->sets->len; i++) {
    zparam_set *s = g_ptr_array_index(o->sets, i);
    zjtx_options_set_param(res->options, s->id, s->key, s->value, NULL);
  }
  res->options->threads = threads;
  res->options->period = g_strdup(res->run.period);
}

/* ---- rules that use rules ---------------------------------------------------- */

/* One column per rule that an expression names, allocated once per
 * evaluation and filled as each such rule finishes. */
static void alloc_columns(zjtx_result *res) {
  const zjtx_policy *p = res->policy;
  res->columns = g_new0(zrule_column, p->rules->len + 1);
  res->column_inputs = g_array_new(FALSE, FALSE, sizeof(zmissing_input));
  for (guint i = 0; i < p->rules->len; i++) {
    const zrule *r = g_ptr_array_index(p->rules, i);
    gsize n = (gsize)res->facts->tables[r->subject].n + 1;
    if (r->condition_kept)
      res->columns[i].held = g_new0(uint8_t, n);
    if (!r->used)
      continue;
    res->columns[i].fen = g_new0(int64_t, n);
    res->columns[i].undecided = g_new0(int32_t, n);
  }
  res->options->columns = res->columns;
  res->options->column_inputs = res->column_inputs;
  res->run.vm.columns = res->columns;
  res->run.vm.column_inputs = res->column_inputs;
}

void zresult_clear_columns(zjtx_result *res) {
  for (guint i = 0; res->columns && i < res->policy->rules->len; i++) {
    g_free(res->columns[i].fen);
    g_free(res->columns[i].undecided);
    g_free(res->columns[i].held);
  }
  g_clear_pointer(&res->columns, g_free);
  if (res->column_inputs)
    g_array_free(g_steal_pointer(&res->column_inputs), TRUE);
}

/* Rule r's amounts, from the items it just added (entitlements from
 * index `paid`, undecided ones from `open`): what RULE_VALUE reads. */
static void fill_column(zjtx_result *res, const zrule *r, guint paid, guint open) {
  zrule_column *col = &res->columns[r->index];
  for (guint i = paid; i < res->entitlements->len; i++) {
    const zresult_item *it = &g_array_index(res->entitlements, zresult_item, i);
    col->fen[it->rec] = it->fen;
  }
  for (guint i = open; i < res->undecided->len; i++) {
    const zresult_item *it = &g_array_index(res->undecided, zresult_item, i);
    zmissing_input head = {it->n_missing, it->more_missing, -1};
    g_array_append_val(res->column_inputs, head);
    col->undecided[it->rec] = (int32_t)res->column_inputs->len;
    for (int32_t k = 0; k < it->n_missing; k++) {
      const zresult_missing *m = &g_array_index(res->missing, zresult_missing, it->missing_at + k);
      zmissing_input in = {m->entity, m->field, m->rec};
      g_array_append_val(res->column_inputs, in);
    }
  }
}

static bool same_group(const zrule *a, const zrule *b) {
  return a->exclusive && b->exclusive && strcmp(a->exclusive, b->exclusive) == 0;
}

/* The rules of r's exclusive group, in policy order, or none while one of
 * them has not run yet (done: per rule). */
static GPtrArray *group_if_done(const zjtx_policy *p, const zrule *r, const uint8_t *done) {
  GPtrArray *members = g_ptr_array_new();
  for (guint i = 0; i < p->rules->len; i++) {
    const zrule *peer = g_ptr_array_index(p->rules, i);
    if (!same_group(peer, r))
      continue;
    if (!done[i]) {
      g_ptr_array_free(members, TRUE);
      return NULL;
    }
    g_ptr_array_add(members, (gpointer)peer);
  }
  return members;
}

/* Record rec of a group one of whose rules is undecided for it: every
 * rule of the group is, lacking what the undecided ones lack (as
 * apply_exclusive pays the group nothing yet). */
static void settle_undecided(zjtx_result *res, GPtrArray *members, int32_t rec) {
  GArray *in = res->column_inputs;
  zmissing_input head = {0, 0, -1};
  guint at = in->len;
  g_array_append_val(in, head);
  for (guint m = 0; m < members->len; m++) {
    int32_t u = res->columns[((const zrule *)g_ptr_array_index(members, m))->index].undecided[rec];
    if (!u)
      continue;
    zmissing_input h = g_array_index(in, zmissing_input, u - 1);
    g_array_index(in, zmissing_input, at).field |= h.field;
    for (int32_t k = 0; k < h.entity; k++) {
      zmissing_input one = g_array_index(in, zmissing_input, u + k);
      g_array_append_val(in, one);
    }
  }
  g_array_index(in, zmissing_input, at).entity = (int32_t)(in->len - at - 1);
  for (guint m = 0; m < members->len; m++)
    res->columns[((const zrule *)g_ptr_array_index(members, m))->index].undecided[rec] = (int32_t)at + 1;
}

/* 就高不重复 on the kept amounts, as apply_exclusive does on the items: a
 * record keeps its highest amount (the first rule's on a tie). */
static void settle_group(zjtx_result *res, GPtrArray *members) {
  const zrule *first = g_ptr_array_index(members, 0);
  int32_t n = res->facts->tables[first->subject].n;
  for (int32_t rec = 0; rec < n; rec++) {
    const zrule_column *best = NULL;
    bool open = false;
    for (guint m = 0; m < members->len; m++) {
      const zrule_column *col = &res->columns[((const zrule *)g_ptr_array_index(members, m))->index];
      open = open || col->undecided[rec];
      if (!best || col->fen[rec] > best->fen[rec])
        best = col;
    }
    if (open) {
      settle_undecided(res, members, rec);
      continue;
    }
    for (guint m = 0; m < members->len; m++) {
      zrule_column *col = &res->columns[((const zrule *)g_ptr_array_index(members, m))->index];
      if (col != best)
        col->fen[rec] = 0;
    }
  }
}

static gint by_rule(gconstpointer a, gconstpointer b) {
  const zresult_item *x = a, *y = b;
  if (x->rule != y->rule)
    return x->rule < y->rule ? -1 : 1;
  return (x->rec > y->rec) - (x->rec < y->rec);
}

/* Rules ran in the order of their uses: results are listed in the
 * policy's order all the same. */
static void results_in_policy_order(zjtx_result *res) {
  g_array_sort(res->entitlements, by_rule);
  g_array_sort(res->violations, by_rule);
  g_array_sort(res->undecided, by_rule);
}

static zjtx_status eval_rules(zeval *ev, zjtx_error **err) {
  zjtx_result *res = ev->res;
  const zjtx_policy *p = res->policy;
  zjtx_status st = ZJTX_OK;
  bool reordered = false;
  g_autofree uint8_t *done = g_new0(uint8_t, p->rules->len + 1);
  for (guint i = 0; st == ZJTX_OK && i < p->rules->len; i++) {
    guint k = p->rule_order ? (guint)g_array_index(p->rule_order, int32_t, i) : i;
    const zrule *r = g_ptr_array_index(p->rules, k);
    guint paid = res->entitlements->len, open = res->undecided->len;
    reordered = reordered || k != i;
    st = eval_rule(ev, r, err);
    done[k] = 1;
    if (st != ZJTX_OK || !r->used)
      continue;
    fill_column(res, r, paid, open);
    g_autoptr(GPtrArray) group = r->exclusive ? group_if_done(p, r, done) : NULL;
    if (group)
      settle_group(res, group);
  }
  if (reordered)
    results_in_policy_order(res);
  return st;
}

static zjtx_status evaluate(zjtx_result *res, const zjtx_options *o, zjtx_error **err) {
  const zjtx_policy *p = res->policy;
  zjtx_status st = zrun_init(&res->run, p, res->facts, o, err);
  if (st != ZJTX_OK)
    return st;
  int threads = !o ? 1 : o->threads > 0 ? o->threads : (int)g_get_num_processors();
  zeval ev = {res, threads, NULL};
  keep_options(res, o, ev.threads);
  alloc_columns(res);
  st = eval_rules(&ev, err);
  zpool_free(ev.pool);
  if (st != ZJTX_OK)
    return st;
  apply_exclusive(p, res);
  if ((st = zapply_budgets(res, err)) != ZJTX_OK)
    return st;
  return o && o->indicators ? eval_indicators(res, err) : ZJTX_OK;
}

zjtx_status zjtx_evaluate(const zjtx_policy *p, const zjtx_facts *f, const zjtx_options *o, zjtx_result **out,
                          zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!p || !f || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "policy, facts and out must not be NULL");
  if (!zpolicy_same_facts_layout(f->policy, p) || !f->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "the facts must be finished and belong to this policy (zjtx_facts_finish)");
  zjtx_result *res = result_new(p, f);
  zjtx_status st = evaluate(res, o, err);
  if (st != ZJTX_OK) {
    zjtx_result_free(res);
    return st;
  }
  *out = res;
  return ZJTX_OK;
}
