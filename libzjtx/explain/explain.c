/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* explain.c - why a result is what it is: runs the evaluation of one rule
 * for one subject again with its step hooks and the VM's trace hooks on,
 * and shapes what they report into a tree of nodes.  Computes nothing
 * itself. */
#include <stddef.h>
#include <string.h>

#include "explain-internal.h"
#include "format.h"

typedef zrecorder recorder;

/* ---- the nodes ------------------------------------------------------------ */

zjtx_explanation *zex_new(void) {
  zjtx_explanation *ex = g_new0(zjtx_explanation, 1);
  ex->nodes = g_array_new(FALSE, FALSE, sizeof(znode));
  return ex;
}

size_t zex_add(zjtx_explanation *ex, zjtx_node_kind kind, size_t parent, char *label, char *value, char *reference) {
  znode n = {kind, parent, label, value, reference, NULL, ZJTX_OUTCOME_NONE, false};
  g_array_append_val(ex->nodes, n);
  return ex->nodes->len - 1;
}

znode *zex_node(const zjtx_explanation *ex, size_t i) {
  return &g_array_index(ex->nodes, znode, i);
}

void zex_attr(zjtx_explanation *ex, size_t i, const char *name, char *value) {
  if (!value)
    return;
  znode *n = zex_node(ex, i);
  if (!n->attrs)
    n->attrs = g_ptr_array_new_with_free_func(g_free);
  for (guint k = 0; k + 1 < n->attrs->len; k += 2)
    if (strcmp(g_ptr_array_index(n->attrs, k), name) == 0) {
      g_free(n->attrs->pdata[k + 1]);
      n->attrs->pdata[k + 1] = value;
      return;
    }
  g_ptr_array_add(n->attrs, g_strdup(name));
  g_ptr_array_add(n->attrs, value);
}

const char *zex_title_en(const ztext2 *t, const char *name) {
  return t->en ? t->en : name;
}

const char *zex_attr_get(const zjtx_explanation *ex, size_t i, const char *name) {
  const znode *n = zex_node(ex, i);
  for (guint k = 0; n->attrs && k + 1 < n->attrs->len; k += 2)
    if (strcmp(g_ptr_array_index(n->attrs, k), name) == 0)
      return g_ptr_array_index(n->attrs, k + 1);
  return NULL;
}

static size_t add_node(zjtx_explanation *ex, zjtx_node_kind kind, size_t parent, char *label, char *value,
                       char *reference) {
  return zex_add(ex, kind, parent, label, value, reference);
}

static size_t top(recorder *rc) {
  return rc->open->len ? g_array_index(rc->open, size_t, rc->open->len - 1) : rc->parent;
}

static const char *type_name(ztype t) {
  return t.kind == ZT_CODE ? "code" : ztype_kind_name(t.kind);
}

static void on_enter(ztrace *t, const zderived *d, int32_t rec, const zval *args) {
  recorder *rc = (recorder *)t;
  char buf[32];
  GString *label = g_string_new(NULL);
  g_string_append_printf(label, "%s.%s", zpolicy_entity(rc->policy, d->entity)->name, d->name);
  if (d->arg_names->len) {
    g_string_append_c(label, '(');
    for (guint i = 0; i < d->arg_names->len; i++) {
      char *v = zformat_value(rc->policy, rc->facts, g_array_index(d->arg_types, ztype, i), &args[i]);
      g_string_append_printf(label, "%s%s", i ? ", " : "", v);
      g_free(v);
    }
    g_string_append_c(label, ')');
  }
  g_string_append_printf(label, " of %s", zfacts_record_id(rc->facts, d->entity, rec, buf));
  const char *title = d->title.zh ? d->title.zh : d->title.en;
  char *ref = d->inherited >= 0
                  ? g_strdup_printf("%s%s%s (overrides %s)", title ? title : "", title ? "; " : "", d->origin,
                                    ((zderived *)g_ptr_array_index(rc->policy->derived, d->inherited))->origin)
                  : g_strdup_printf("%s%s%s", title ? title : "", title ? "; " : "", d->origin);
  size_t n = add_node(rc->ex, ZJTX_NODE_DERIVED, top(rc), g_string_free(label, FALSE), NULL, ref);
  zex_attr(rc->ex, n, "name", g_strdup(d->name));
  zex_attr(rc->ex, n, "entity", g_strdup(zpolicy_entity(rc->policy, d->entity)->name));
  zex_attr(rc->ex, n, "id", g_strdup(zfacts_record_id(rc->facts, d->entity, rec, buf)));
  zex_attr(rc->ex, n, "title", g_strdup(ztext2_pick(&d->title, "zh", d->name)));
  zex_attr(rc->ex, n, "title_en", g_strdup(zex_title_en(&d->title, d->name)));
  zex_attr(rc->ex, n, "type", g_strdup(type_name(d->type)));
  g_array_append_val(rc->open, n);
}

static void on_leave(ztrace *t, const zderived *d, const zval *value) {
  recorder *rc = (recorder *)t;
  size_t n = top(rc);
  g_array_set_size(rc->open, rc->open->len - 1);
  znode *node = zex_node(rc->ex, n);
  node->value = zformat_value(rc->policy, rc->facts, d->type, value);
  node->money = d->type.kind == ZT_MONEY;
}

/* A parameter read, with its fields as a person asks for them: which value,
 * in force from when, published or assumed, and its source. */
static void param_attrs(recorder *rc, size_t n, const zparam *p, const char *key, zdate on, const zparam_value *pv) {
  char d[16];
  zex_attr(rc->ex, n, "id", g_strdup(p->id));
  zex_attr(rc->ex, n, "key", g_strdup(key));
  zex_attr(rc->ex, n, "on", g_strdup(zdate_format(on, d)));
  zex_attr(rc->ex, n, "from", g_strdup(pv ? pv->from_text : NULL));
  zex_attr(rc->ex, n, "set_for_evaluation", pv ? NULL : g_strdup("true"));
  zex_attr(rc->ex, n, "status", g_strdup(p->status == ZJTX_PARAM_ASSUMED ? "assumed" : "published"));
  zex_attr(rc->ex, n, "source", g_strdup(p->source));
  zex_attr(rc->ex, n, "set_by", g_strdup(pv ? pv->origin : NULL));
  zex_attr(rc->ex, n, "unit", g_strdup(p->unit));
  zex_attr(rc->ex, n, "title", g_strdup(ztext2_pick(&p->title, "zh", p->id)));
  zex_attr(rc->ex, n, "title_en", g_strdup(zex_title_en(&p->title, p->id)));
  zex_attr(rc->ex, n, "type", g_strdup(type_name(p->type)));
}

static void on_param(ztrace *t, const zparam *p, int32_t key, zdate on, const zparam_value *pv, const zval *value) {
  recorder *rc = (recorder *)t;
  char d[16];
  const char *k =
      key >= 0 ? g_ptr_array_index(((zcodeset *)g_ptr_array_index(rc->policy->codesets, p->key_codeset))->values, key)
               : NULL;
  char *label = g_strdup_printf("%s%s%s%s @ %s", p->id, k ? "[" : "", k ? k : "", k ? "]" : "", zdate_format(on, d));
  GString *r = g_string_new(p->status == ZJTX_PARAM_ASSUMED ? "assumed" : "published");
  if (!pv)
    g_string_append(r, p->has_default ? "; set for this evaluation, or the parameter's default"
                                      : "; set for this evaluation");
  else if (pv->origin && p->origin && strcmp(pv->origin, p->origin) != 0)
    g_string_append_printf(r, "; in force from %s, value set by %s (declared by %s)", pv->from_text, pv->origin,
                           p->origin);
  else
    g_string_append_printf(r, "; in force from %s", pv->from_text);
  if (p->source)
    g_string_append_printf(r, "; %s", p->source);
  size_t n = add_node(rc->ex, ZJTX_NODE_PARAM, top(rc), label, zformat_value(rc->policy, rc->facts, p->type, value),
                      g_string_free(r, FALSE));
  zex_node(rc->ex, n)->money = p->type.kind == ZT_MONEY;
  param_attrs(rc, n, p, k, on, pv);
}

static void on_aggregate(ztrace *t, const zagg_info *agg, const zval *value) {
  recorder *rc = (recorder *)t;
  size_t n = add_node(rc->ex, ZJTX_NODE_AGGREGATE, top(rc), g_strdup(agg->label),
                      zformat_value(rc->policy, rc->facts, agg->type, value), NULL);
  zex_node(rc->ex, n)->money = agg->type.kind == ZT_MONEY;
}

/* A fact read, listed once under the node that read it. */
static void on_field(ztrace *t, int32_t entity, int32_t field, int32_t rec, const zval *value) {
  recorder *rc = (recorder *)t;
  char buf[32];
  size_t parent = top(rc);
  char *key = g_strdup_printf("%zu\t%d\t%d\t%d", parent, entity, rec, field);
  if (!g_hash_table_add(rc->seen, key))
    return;
  const zentity *e = zpolicy_entity(rc->policy, entity);
  const zfield *fd = zentity_field(e, field);
  if (fd->type == ZF_REF)
    return; /* a link between records, not a figure anyone reads */
  ztype ty = zfield_value_type(fd);
  const char *id = zfacts_record_id(rc->facts, entity, rec, buf);
  size_t n = add_node(rc->ex, ZJTX_NODE_FACT, parent, g_strdup_printf("%s %s.%s", e->name, id, fd->name),
                      zformat_value(rc->policy, rc->facts, ty, value), NULL);
  zex_node(rc->ex, n)->money = ty.kind == ZT_MONEY;
  zex_attr(rc->ex, n, "entity", g_strdup(e->name));
  zex_attr(rc->ex, n, "id", g_strdup(id));
  zex_attr(rc->ex, n, "field", g_strdup(fd->name));
  zex_attr(rc->ex, n, "title", g_strdup(ztext2_pick(&fd->title, "zh", fd->name)));
  zex_attr(rc->ex, n, "title_en", g_strdup(zex_title_en(&fd->title, fd->name)));
  zex_attr(rc->ex, n, "type", g_strdup(type_name(ty)));
}

/* min()/max() run pairwise: the argument that won the last pair is the one
 * that gave the value. */
static void on_minmax(ztrace *t, const zblock *b, int32_t pc, const zval *x, const zval *y, bool took_y) {
  recorder *rc = (recorder *)t;
  (void)x;
  (void)y;
  const zexpr *root = zprobe_source(rc->policy, b);
  const zexpr *call = NULL;
  guint arg = 0;
  /* the pairwise MIN/MAX of argument i sits right after argument i's code */
  GPtrArray *todo = g_ptr_array_new();
  if (root)
    g_ptr_array_add(todo, (gpointer)root);
  while (todo->len && !call) {
    const zexpr *e = g_ptr_array_steal_index_fast(todo, todo->len - 1);
    if (e->kind == ZE_CALL && !e->method && e->kids->len >= 2 &&
        (strcmp(e->name, "min") == 0 || strcmp(e->name, "max") == 0))
      for (guint i = 1; i < e->kids->len; i++)
        if (zexpr_kid(e, i)->pc_to == pc) {
          call = e;
          arg = i;
        }
    for (guint i = 0; i < e->kids->len; i++)
      if (zexpr_kid(e, i))
        g_ptr_array_add(todo, zexpr_kid(e, i));
  }
  g_ptr_array_free(todo, TRUE);
  if (!call)
    return;
  guint winner = GPOINTER_TO_UINT(g_hash_table_lookup(rc->winners, call));
  winner = arg == 1 ? (took_y ? 2 : 1) : (took_y ? arg + 1 : winner);
  g_hash_table_insert(rc->winners, (gpointer)call, GUINT_TO_POINTER(winner));
  if (arg + 1 < call->kids->len)
    return;
  g_autofree char *text = zprobe_text(call);
  const zexpr *w = zexpr_kid(call, winner - 1);
  size_t n = add_node(rc->ex, ZJTX_NODE_BOUND, top(rc), g_strdup(text), zprobe_text(w), NULL);
  zex_attr(rc->ex, n, "function", g_strdup(call->name));
  zex_attr(rc->ex, n, "argument", zprobe_text(w));
  zex_attr(rc->ex, n, "index", g_strdup_printf("%u", winner));
  g_hash_table_remove(rc->winners, call);
}

/* Remembers the frame an aggregate ran in; its records are explained once
 * the run is over. */
static void on_agg_frame(ztrace *t, const zblock *b, int32_t pc, int32_t self, const zval *locals, const zval *v) {
  recorder *rc = (recorder *)t;
  (void)v;
  const zexpr *root = zprobe_source(rc->policy, b);
  if (!root)
    return;
  zpending pd = {rc->ex->nodes->len - 1, {b, root, self, -1, zprobe_locals(rc)}, pc};
  memcpy(pd.frame.locals, locals, sizeof(zval) * (size_t)b->n_locals);
  g_array_append_val(rc->pending, pd);
}

/* A money value with 2 decimals when it has no more (a marginal sum's
 * exact product carries the rate's decimals: 320000.000). */
static char *table_value(recorder *rc, ztype t, const zval *v) {
  zval shown = *v;
  zdec cents;
  if (t.kind == ZT_MONEY && !zval_is_missing(v) && zdec_round(v->d, 2, ZROUND_HALF_UP, &cents) &&
      zdec_cmp(cents, v->d) == 0)
    shown.d = cents;
  return zformat_value(rc->policy, rc->facts, t, &shown);
}

/* A value looked up in a table, told band by band as the policy names the
 * bands ("引进2人以上档：25,000.00"); a marginal table's lines joined. */
static void on_scale(ztrace *t, const zscale *s, const zscale_bands *b, zdec x, const zval *value) {
  recorder *rc = (recorder *)t;
  zval in = {.d = x}; /* a decimal's scale marks it present */
  g_autofree char *input = table_value(rc, s->input, &in);
  bool tier = s->kind == ZSCALE_TIER;
  ztype type = tier ? s->type : s->input;
  char *bands = zscale_explain(s, b, x);
  g_auto(GStrv) lines = g_strsplit(bands, "\n", -1);
  size_t n = add_node(rc->ex, ZJTX_NODE_TABLE, top(rc),
                      g_strdup_printf("%s(%s, %s)", tier ? "tier" : "marginal", s->id, input),
                      table_value(rc, type, value), g_strjoinv("; ", lines));
  zex_node(rc->ex, n)->money = type.kind == ZT_MONEY;
  zex_attr(rc->ex, n, "table", g_strdup(s->id));
  zex_attr(rc->ex, n, "table_kind", g_strdup(tier ? "tier" : "marginal"));
  zex_attr(rc->ex, n, "input", g_strdup(input));
  zex_attr(rc->ex, n, "bands_from", g_strdup(b->from_text));
  zex_attr(rc->ex, n, "bands", bands);
  zex_attr(rc->ex, n, "title", g_strdup(ztext2_pick(&s->title, "zh", s->id)));
  zex_attr(rc->ex, n, "title_en", g_strdup(zex_title_en(&s->title, s->id)));
  zex_attr(rc->ex, n, "source", g_strdup(s->source));
  zex_attr(rc->ex, n, "type", g_strdup(type_name(type)));
}

/* ---- the rule's steps, as the evaluation reports them -------------------- */

static recorder *steps_recorder(zsteps *s) {
  return (recorder *)(void *)((char *)s - offsetof(recorder, steps));
}

static znode *node(recorder *rc, size_t i) {
  return zex_node(rc->ex, i);
}

static char *fen_text(int64_t fen) {
  char buf[ZFMT_FEN_BUFSZ];
  return g_strdup(zfmt_fen(fen, buf));
}

/* A formula's text as written, without the XML's indentation. */
static char *formula_text(const char *text) {
  return g_strstrip(g_strdup(text)); /* the policy is shared: never strip in place */
}

/* Each step opens a node under the rule; what the VM reports while the
 * step's formula runs (derived values, parameters, aggregates) goes below. */
static void on_condition(zsteps *s, const zrule *r) {
  recorder *rc = steps_recorder(s);
  rc->parent = add_node(rc->ex, ZJTX_NODE_CONDITION, rc->root, formula_text(r->condition.text), NULL, NULL);
}

static void on_condition_held(zsteps *s, const zrule *r, bool held) {
  (void)r;
  recorder *rc = steps_recorder(s);
  node(rc, rc->parent)->value = g_strdup(held ? "true" : "false");
}

static void on_amount(zsteps *s, const zrule *r) {
  recorder *rc = steps_recorder(s);
  rc->parent = add_node(rc->ex, ZJTX_NODE_FORMULA, rc->root, formula_text(r->amount.text), NULL, NULL);
}

static void on_amount_raw(zsteps *s, const zrule *r, zdec raw) {
  (void)r;
  recorder *rc = steps_recorder(s);
  char buf[ZDEC_BUFSZ];
  node(rc, rc->parent)->value = g_strdup(zdec_format(raw, -1, buf));
  node(rc, rc->parent)->money = true;
}

static void on_rounded(zsteps *s, const zrule *r, int64_t fen) {
  static const char *const modes[] = {"half-up", "half-even", "down", "up", "floor", "ceiling"};
  recorder *rc = steps_recorder(s);
  size_t n = add_node(rc->ex, ZJTX_NODE_ROUNDING, rc->root,
                      g_strdup_printf("rounded %s to %d decimals", modes[r->rounding], r->rounding_places),
                      fen_text(fen), NULL);
  node(rc, n)->money = true;
}

static void on_cap(zsteps *s, const zrule *r, const zcap *cap) {
  (void)r;
  recorder *rc = steps_recorder(s);
  g_autofree char *text = formula_text(cap->expr.text);
  rc->parent = add_node(rc->ex, ZJTX_NODE_CAP, rc->root,
                        g_strdup_printf("%s: %s", cap->label ? cap->label : "cap", text), NULL, NULL);
}

static void on_cap_applied(zsteps *s, const zrule *r, const zcap *cap, int64_t cap_fen, bool binding) {
  (void)r;
  recorder *rc = steps_recorder(s);
  znode *n = node(rc, rc->parent);
  n->value = fen_text(cap_fen);
  n->money = true;
  n->reference = g_strdup_printf("%s%s%s", binding ? "binding" : "not binding", cap->reference ? "; " : "",
                                 cap->reference ? cap->reference : "");
  zex_attr(rc->ex, rc->parent, "binding", g_strdup(binding ? "true" : "false"));
  zex_attr(rc->ex, rc->parent, "label", g_strdup(cap->label));
}

/* A step came out missing: its node says so (the rule's outcome lists
 * what is missing). */
static void on_missing(zsteps *s, const zrule *r, uint64_t inputs) {
  (void)r;
  (void)inputs;
  recorder *rc = steps_recorder(s);
  znode *n = node(rc, rc->parent);
  if (!n->value)
    n->value = g_strdup("missing");
}

static const zsteps step_hooks = {on_condition, on_condition_held, on_amount, on_amount_raw, on_rounded,
                                  on_cap,       on_cap_applied,    on_missing};
static const ztrace vm_hooks = {on_enter,  on_leave,     on_param, on_aggregate, on_field,
                                on_minmax, on_agg_frame, NULL,     on_scale};

void zrec_init(zrecorder *rc, zrun *run, const zjtx_policy *p, const zjtx_facts *f, zjtx_explanation *ex) {
  *rc = (zrecorder){.hooks = vm_hooks,
                    .steps = step_hooks,
                    .policy = p,
                    .facts = f,
                    .run = run,
                    .ex = ex,
                    .open = g_array_new(FALSE, FALSE, sizeof(size_t)),
                    .pending = g_array_new(FALSE, FALSE, sizeof(zpending)),
                    .winners = g_hash_table_new(NULL, NULL),
                    .buffers = g_ptr_array_new_with_free_func(g_free),
                    .seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                    .rec = -1,
                    .first_node = ex->nodes->len};
}

void zrec_clear(zrecorder *rc) {
  g_array_free(rc->open, TRUE);
  g_array_free(rc->pending, TRUE);
  g_hash_table_destroy(rc->winners);
  g_ptr_array_free(rc->buffers, TRUE);
  g_hash_table_destroy(rc->seen);
}

/* The aggregates met while the rule ran, each with the records it matched
 * and those its `where` skipped. */
static void explain_pending(zrecorder *rc) {
  for (guint i = 0; i < rc->pending->len; i++) {
    zpending *pd = &g_array_index(rc->pending, zpending, i);
    const zexpr *agg = zprobe_find(pd->frame.ast, ZE_AGG, pd->pc + 1);
    if (agg)
      zwhy_records(rc, pd->node, &pd->frame, agg);
  }
  g_array_set_size(rc->pending, 0);
}

bool zrec_run(zrecorder *rc, const zrule *r, int32_t rec, zoutcome *out) {
  zrun *run = rc->run;
  rc->rec = rec;
  rc->rule = r;
  run->vm.trace = &rc->hooks;
  run->steps = &rc->steps;
  bool ok = zrun_subject(run, r, rec, out);
  run->vm.trace = NULL;
  run->steps = NULL;
  g_array_set_size(rc->open, 0);
  if (ok)
    explain_pending(rc);
  return ok;
}

static const znode *node_at(const zjtx_explanation *ex, size_t i) {
  return ex && i < ex->nodes->len ? &g_array_index(ex->nodes, znode, i) : NULL;
}
size_t zjtx_explanation_node_count(const zjtx_explanation *ex) {
  return ex ? ex->nodes->len : 0;
}
zjtx_node_kind zjtx_explanation_node_kind(const zjtx_explanation *ex, size_t i) {
  const znode *n = node_at(ex, i);
  return n ? n->kind : (zjtx_node_kind)0;
}
size_t zjtx_explanation_node_parent(const zjtx_explanation *ex, size_t i) {
  const znode *n = node_at(ex, i);
  return n ? n->parent : (size_t)-1;
}
const char *zjtx_explanation_node_label(const zjtx_explanation *ex, size_t i) {
  const znode *n = node_at(ex, i);
  return n ? n->label : NULL;
}
const char *zjtx_explanation_node_value(const zjtx_explanation *ex, size_t i) {
  const znode *n = node_at(ex, i);
  return n ? n->value : NULL;
}
const char *zjtx_explanation_node_reference(const zjtx_explanation *ex, size_t i) {
  const znode *n = node_at(ex, i);
  return n ? n->reference : NULL;
}
zjtx_outcome zjtx_explanation_node_outcome(const zjtx_explanation *ex, size_t i) {
  const znode *n = node_at(ex, i);
  return n ? n->outcome : ZJTX_OUTCOME_NONE;
}
const char *zjtx_explanation_node_attr(const zjtx_explanation *ex, size_t i, const char *name) {
  return node_at(ex, i) && name ? zex_attr_get(ex, i, name) : NULL;
}
size_t zjtx_explanation_node_attr_count(const zjtx_explanation *ex, size_t i) {
  const znode *n = node_at(ex, i);
  return n && n->attrs ? n->attrs->len / 2 : 0;
}
const char *zjtx_explanation_node_attr_name(const zjtx_explanation *ex, size_t i, size_t k) {
  const znode *n = node_at(ex, i);
  return n && n->attrs && k < n->attrs->len / 2 ? g_ptr_array_index(n->attrs, 2 * k) : NULL;
}

const char *zjtx_outcome_name(zjtx_outcome o) {
  static const char *const names[] = {"", "entitled", "not_entitled", "undecided", "violated", "complied"};
  return (int)o >= 0 && (int)o <= 5 ? names[o] : "";
}

void zjtx_explanation_free(zjtx_explanation *ex) {
  if (!ex)
    return;
  for (guint i = 0; i < ex->nodes->len; i++) {
    znode *n = &g_array_index(ex->nodes, znode, i);
    g_free(n->label);
    g_free(n->value);
    g_free(n->reference);
    if (n->attrs)
      g_ptr_array_free(n->attrs, TRUE);
  }
  g_array_free(ex->nodes, TRUE);
  g_free(ex);
}

static const char *kind_name(zjtx_node_kind k) {
  static const char *const names[] = {"",        "rule",   "condition", "formula", "rounding", "cap",
                                      "derived", "param",  "aggregate", "result",  "subject",  "failed",
                                      "fact",    "record", "bound",     "missing", "table",    "budget"};
  return (int)k >= 1 && (int)k <= 17 ? names[k] : "node";
}

void zex_node_json(const zjtx_explanation *ex, size_t i, GString *out) {
  const znode *n = node_at(ex, i);
  g_string_append(out, "{\"kind\":");
  zfmt_json_string(out, kind_name(n->kind));
  g_string_append(out, ",\"label\":");
  zfmt_json_string(out, n->label);
  if (n->value) {
    g_string_append(out, ",\"value\":");
    zfmt_json_string(out, n->value);
  }
  if (n->reference) {
    g_string_append(out, ",\"reference\":");
    zfmt_json_string(out, n->reference);
  }
  if (n->outcome) {
    g_string_append(out, ",\"outcome\":");
    zfmt_json_string(out, zjtx_outcome_name(n->outcome));
  }
  for (guint k = 0; n->attrs && k + 1 < n->attrs->len; k += 2) {
    g_string_append_c(out, ',');
    zfmt_json_string(out, g_ptr_array_index(n->attrs, k));
    g_string_append_c(out, ':');
    zfmt_json_string(out, g_ptr_array_index(n->attrs, k + 1));
  }
  bool first = true;
  for (size_t j = i + 1; j < ex->nodes->len; j++) {
    if (g_array_index(ex->nodes, znode, j).parent != i)
      continue;
    g_string_append(out, first ? ",\"children\":[" : ",");
    first = false;
    zex_node_json(ex, j, out);
  }
  if (!first)
    g_string_append_c(out, ']');
  g_string_append_c(out, '}');
}

/* A failed condition's sides and gap, as its JSON has them. */
static void failed_text(const zjtx_explanation *ex, size_t i, GString *out) {
  static const char *const keys[] = {"left", "right", "needed", "gap", "unit"};
  bool any = false;
  for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
    const char *v = zex_attr_get(ex, i, keys[k]);
    if (v)
      g_string_append_printf(out, "%s%s %s", any ? ", " : "  [", keys[k], v);
    any = any || v;
  }
  if (any)
    g_string_append_c(out, ']');
}

static void node_text(const zjtx_explanation *ex, size_t i, int depth, GString *out) {
  const znode *n = node_at(ex, i);
  g_string_append_printf(out, "%*s%s %s", depth * 2, "", kind_name(n->kind), n->label);
  if (n->value && n->money) {
    g_autofree char *grouped = zformat_money_text(n->value);
    g_string_append_printf(out, " = %s", grouped);
  } else if (n->value) {
    g_string_append_printf(out, " = %s", n->value);
  }
  if (n->reference)
    g_string_append_printf(out, "  [%s]", n->reference);
  if (n->kind == ZJTX_NODE_FAILED)
    failed_text(ex, i, out);
  g_string_append_c(out, '\n');
  for (size_t j = i + 1; j < ex->nodes->len; j++)
    if (g_array_index(ex->nodes, znode, j).parent == i)
      node_text(ex, j, depth + 1, out);
}

char *zjtx_explanation_to_text(const zjtx_explanation *ex) {
  if (!ex || !ex->nodes->len)
    return NULL;
  GString *out = g_string_new(NULL);
  node_text(ex, 0, 0, out);
  return g_string_free(out, FALSE);
}
