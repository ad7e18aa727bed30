/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* explain.c - why a result is what it is: runs the evaluation of one rule
 * for one subject again with its step hooks and the VM's trace hooks on,
 * and shapes what they report into a tree of nodes.  Computes nothing
 * itself. */
#include <stddef.h>
#include <string.h>

#include "eval-internal.h"
#include "format.h"

typedef struct {
  zjtx_node_kind kind;
  size_t parent;
  char *label, *value, *reference;
} znode;

struct zjtx_explanation {
  GArray *nodes; /* znode */
};

/* Records what the evaluation reports into nodes: `hooks` first, so that
 * the VM's ztrace is the recorder itself. */
typedef struct {
  ztrace hooks;
  zsteps steps;
  const zjtx_policy *policy;
  const zjtx_facts *facts;
  zjtx_explanation *ex;
  GArray *open;  /* size_t: stack of open derived nodes */
  size_t root;   /* the RULE node */
  size_t parent; /* the step whose formula runs */
} recorder;

static size_t add_node(zjtx_explanation *ex, zjtx_node_kind kind, size_t parent, char *label, char *value,
                       char *reference) {
  znode n = {kind, parent, label, value, reference};
  g_array_append_val(ex->nodes, n);
  return ex->nodes->len - 1;
}

static size_t top(recorder *rc) {
  return rc->open->len ? g_array_index(rc->open, size_t, rc->open->len - 1) : rc->parent;
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
  g_array_append_val(rc->open, n);
}

static void on_leave(ztrace *t, const zderived *d, const zval *value) {
  recorder *rc = (recorder *)t;
  size_t n = top(rc);
  g_array_set_size(rc->open, rc->open->len - 1);
  znode *node = &g_array_index(rc->ex->nodes, znode, n);
  node->value = zformat_value(rc->policy, rc->facts, d->type, value);
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
  add_node(rc->ex, ZJTX_NODE_PARAM, top(rc), label, zformat_value(rc->policy, rc->facts, p->type, value),
           g_string_free(r, FALSE));
}

static void on_aggregate(ztrace *t, const zagg_info *agg, const zval *value) {
  recorder *rc = (recorder *)t;
  add_node(rc->ex, ZJTX_NODE_AGGREGATE, top(rc), g_strdup(agg->label),
           zformat_value(rc->policy, rc->facts, agg->type, value), NULL);
}

/* ---- the rule's steps, as the evaluation reports them -------------------- */

static recorder *steps_recorder(zsteps *s) {
  return (recorder *)(void *)((char *)s - offsetof(recorder, steps));
}

static znode *node(recorder *rc, size_t i) {
  return &g_array_index(rc->ex->nodes, znode, i);
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
}

static void on_rounded(zsteps *s, const zrule *r, int64_t fen) {
  static const char *const modes[] = {"half-up", "half-even", "down", "up", "floor", "ceiling"};
  recorder *rc = steps_recorder(s);
  add_node(rc->ex, ZJTX_NODE_ROUNDING, rc->root,
           g_strdup_printf("rounded %s to %d decimals", modes[r->rounding], r->rounding_places), fen_text(fen), NULL);
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
  n->reference = g_strdup_printf("%s%s%s", binding ? "binding" : "not binding", cap->reference ? "; " : "",
                                 cap->reference ? cap->reference : "");
}

/* A step came out missing: an explained entitlement or violation is
 * decided, so a missing step is a cap on an amount already zero. */
static void on_missing(zsteps *s, const zrule *r, uint64_t inputs) {
  (void)s;
  (void)r;
  (void)inputs;
}

static const zsteps step_hooks = {on_condition, on_condition_held, on_amount, on_amount_raw, on_rounded,
                                  on_cap,       on_cap_applied,    on_missing};
static const ztrace vm_hooks = {on_enter, on_leave, on_param, on_aggregate, NULL, NULL};

static size_t add_rule_node(zjtx_explanation *ex, const zrule *r, const zresult_item *it) {
  const char *title = r->title.zh ? r->title.zh : r->title.en;
  return add_node(ex, ZJTX_NODE_RULE, (size_t)-1, g_strdup_printf("%s %s — %s", r->id, it->id, title ? title : ""),
                  r->kind == ZJTX_RULE_CHECK ? g_strdup("violated") : g_strdup(it->amount),
                  g_strdup_printf("clause %s, %s", r->clause ? r->clause : "-", r->origin));
}

/* Runs the rule for the item's subject as the evaluation did, recording
 * each step.  The recorded outcome must be the result's: anything else
 * would explain another amount than the one paid. */
static zjtx_status record(zrun *run, recorder *rc, const zrule *r, const zresult_item *it, zjtx_error **err) {
  g_autoptr(zgroups) gs = NULL;
  int32_t rec = it->rec;
  if (r->group_field >= 0) {
    zjtx_status st = zgroups_build(run, r, &gs, err); /* not traced: the other records' filters explain nothing */
    if (st != ZJTX_OK)
      return st;
    zgroups_select(&run->vm, gs, (guint)it->rec);
    rec = -1;
  }
  zoutcome o;
  run->vm.trace = &rc->hooks;
  run->steps = &rc->steps;
  bool ok = zrun_subject(run, r, rec, &o);
  run->vm.trace = NULL;
  run->steps = NULL;
  if (!ok && run->vm.error)
    return zerr_give(err, g_steal_pointer(&run->vm.error));
  if (!ok)
    return zerr_set(err, ZJTX_ERR_EVAL, NULL, 0, 0, r->id, "rule %s, for %s: evaluation failed", r->id, it->id);
  if (!o.hit || o.inputs || (r->kind == ZJTX_RULE_ENTITLEMENT && o.fen != it->fen))
    return zerr_set(err, ZJTX_ERR_EVAL, NULL, 0, 0, r->id, "rule %s, for %s: evaluated again, it gives another result",
                    r->id, it->id);
  add_node(rc->ex, ZJTX_NODE_RESULT, rc->root, g_strdup(r->kind == ZJTX_RULE_CHECK ? "violation" : "amount"),
           r->kind == ZJTX_RULE_CHECK ? g_strdup(it->id) : g_strdup(it->amount), NULL);
  return ZJTX_OK;
}

/* The explanation of one rule for one subject, as a tree under a RULE root. */
static zjtx_status explain(const zjtx_result *res, const zresult_item *it, zjtx_explanation **out, zjtx_error **err) {
  const zjtx_policy *p = res->policy;
  const zrule *r = g_ptr_array_index(p->rules, it->rule);
  zrun run;
  zjtx_status st = zrun_init(&run, p, res->facts, res->options, err);
  if (st != ZJTX_OK)
    return st;
  zjtx_explanation *ex = g_new0(zjtx_explanation, 1);
  ex->nodes = g_array_new(FALSE, FALSE, sizeof(znode));
  recorder rc = {vm_hooks, step_hooks, p, res->facts, ex, g_array_new(FALSE, FALSE, sizeof(size_t)), 0, 0};
  rc.root = rc.parent = add_rule_node(ex, r, it);
  st = record(&run, &rc, r, it, err);
  g_array_free(rc.open, TRUE);
  zrun_clear(&run);
  if (st != ZJTX_OK) {
    zjtx_explanation_free(ex);
    return st;
  }
  *out = ex;
  return ZJTX_OK;
}

zjtx_status zjtx_result_explain_entitlement(const zjtx_result *res, size_t i, zjtx_explanation **out,
                                            zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!res || !out || i >= res->entitlements->len)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "no entitlement %zu", i);
  return explain(res, &g_array_index(res->entitlements, zresult_item, i), out, err);
}

zjtx_status zjtx_result_explain_violation(const zjtx_result *res, size_t i, zjtx_explanation **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!res || !out || i >= res->violations->len)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "no violation %zu", i);
  return explain(res, &g_array_index(res->violations, zresult_item, i), out, err);
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

void zjtx_explanation_free(zjtx_explanation *ex) {
  if (!ex)
    return;
  for (guint i = 0; i < ex->nodes->len; i++) {
    znode *n = &g_array_index(ex->nodes, znode, i);
    g_free(n->label);
    g_free(n->value);
    g_free(n->reference);
  }
  g_array_free(ex->nodes, TRUE);
  g_free(ex);
}

static const char *kind_name(zjtx_node_kind k) {
  static const char *const names[] = {"",    "rule",    "condition", "formula",   "rounding",
                                      "cap", "derived", "param",     "aggregate", "result"};
  return (int)k >= 1 && (int)k <= 9 ? names[k] : "node";
}

static void node_json(const zjtx_explanation *ex, size_t i, GString *out) {
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
  bool first = true;
  for (size_t j = i + 1; j < ex->nodes->len; j++) {
    if (g_array_index(ex->nodes, znode, j).parent != i)
      continue;
    g_string_append(out, first ? ",\"children\":[" : ",");
    first = false;
    node_json(ex, j, out);
  }
  if (!first)
    g_string_append_c(out, ']');
  g_string_append_c(out, '}');
}

char *zjtx_explanation_to_json(const zjtx_explanation *ex) {
  if (!ex || !ex->nodes->len)
    return NULL;
  GString *out = g_string_new(NULL);
  node_json(ex, 0, out);
  return g_string_free(out, FALSE);
}

static void node_text(const zjtx_explanation *ex, size_t i, int depth, GString *out) {
  const znode *n = node_at(ex, i);
  g_string_append_printf(out, "%*s%s %s", depth * 2, "", kind_name(n->kind), n->label);
  if (n->value)
    g_string_append_printf(out, " = %s", n->value);
  if (n->reference)
    g_string_append_printf(out, "  [%s]", n->reference);
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
