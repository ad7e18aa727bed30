/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* explain.c - why a result is what it is: re-evaluates one rule for one
 * subject with the VM's trace hooks on and records a tree of nodes. */
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

typedef struct {
  ztrace hooks;
  const zjtx_policy *policy;
  const zjtx_facts *facts;
  zjtx_explanation *ex;
  GArray *open; /* size_t: stack of open derived nodes */
  size_t parent;
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
  char *ref = d->inherited >= 0 ? g_strdup_printf("%s%s%s (overrides %s)", title ? title : "", title ? "; " : "",
                                                  d->origin, ((zderived *)g_ptr_array_index(rc->policy->derived, d->inherited))->origin)
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
  const char *k = key >= 0 ? g_ptr_array_index(((zcodeset *)g_ptr_array_index(rc->policy->codesets, p->key_codeset))->values, key) : NULL;
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

static char *fen_text(int64_t fen) {
  char buf[ZFMT_FEN_BUFSZ];
  return g_strdup(zfmt_fen(fen, buf));
}

static bool run_block(zrun *run, recorder *rc, const zblock *b, int32_t rec, zval *out) {
  (void)rc;
  return zvm_run(&run->vm, b, rec, NULL, out);
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
  recorder rc = {{on_enter, on_leave, on_param, on_aggregate}, p, res->facts, ex, g_array_new(FALSE, FALSE, sizeof(size_t)), 0};
  run.vm.trace = &rc.hooks;
  const char *title = r->title.zh ? r->title.zh : r->title.en;
  size_t root = add_node(ex, ZJTX_NODE_RULE, (size_t)-1, g_strdup_printf("%s %s — %s", r->id, it->id, title ? title : ""),
                         r->kind == ZJTX_RULE_CHECK ? g_strdup("violated") : g_strdup(it->amount),
                         g_strdup_printf("clause %s, %s", r->clause ? r->clause : "-", r->origin));
  zgroups *gs = NULL;
  int32_t rec = it->rec;
  if (r->group_field >= 0) {
    gs = zgroups_build(&run, r, err);
    if (gs)
      zgroups_select(&run.vm, gs, (guint)it->rec);
    rec = -1;
  }
  zval v;
  bool ok = r->group_field < 0 || gs;
  if (ok && r->has_condition) {
    rc.parent = add_node(ex, ZJTX_NODE_CONDITION, root, g_strstrip(g_strdup(r->condition.text)), NULL, NULL);
    ok = run_block(&run, &rc, &r->condition.block, rec, &v);
    if (ok)
      g_array_index(ex->nodes, znode, rc.parent).value = g_strdup(v.b ? "true" : "false");
  }
  if (ok && r->has_amount) {
    rc.parent = add_node(ex, ZJTX_NODE_FORMULA, root, g_strstrip(g_strdup(r->amount.text)), NULL, NULL);
    ok = run_block(&run, &rc, &r->amount.block, rec, &v);
    if (ok) {
      char buf[ZDEC_BUFSZ];
      g_array_index(ex->nodes, znode, rc.parent).value = g_strdup(zdec_format(v.d, -1, buf));
      zdec rounded;
      int64_t fen = 0;
      static const char *const modes[] = {"half-up", "half-even", "down", "up", "floor", "ceiling"};
      if (zdec_round(v.d, r->rounding_places, r->rounding, &rounded) && zdec_to_fen(rounded, r->rounding, &fen))
        add_node(ex, ZJTX_NODE_ROUNDING, root, g_strdup_printf("rounded %s to %d decimals", modes[r->rounding], r->rounding_places),
                 fen_text(fen), NULL);
      for (guint i = 0; ok && i < r->caps->len; i++) {
        const zcap *cap = g_ptr_array_index(r->caps, i);
        char *text = g_strstrip(g_strdup(cap->expr.text)); /* the policy is shared: never strip in place */
        rc.parent = add_node(ex, ZJTX_NODE_CAP, root, g_strdup_printf("%s: %s", cap->label ? cap->label : "cap", text),
                             NULL, NULL);
        g_free(text);
        int64_t cap_fen = 0;
        ok = run_block(&run, &rc, &cap->expr.block, rec, &v) && zdec_to_fen(v.d, ZROUND_HALF_UP, &cap_fen);
        znode *n = &g_array_index(ex->nodes, znode, rc.parent);
        n->value = fen_text(cap_fen);
        n->reference = g_strdup_printf("%s%s%s", cap_fen < fen ? "binding" : "not binding",
                                       cap->reference ? "; " : "", cap->reference ? cap->reference : "");
        if (cap_fen < fen)
          fen = cap_fen;
      }
    }
  }
  if (ok)
    add_node(ex, ZJTX_NODE_RESULT, root, g_strdup(r->kind == ZJTX_RULE_CHECK ? "violation" : "amount"),
             r->kind == ZJTX_RULE_CHECK ? g_strdup(it->id) : g_strdup(it->amount), NULL);
  g_array_free(rc.open, TRUE);
  zgroups_free(gs);
  if (!ok && run.vm.error) {
    zerr_give(err, run.vm.error);
    run.vm.error = NULL;
  }
  zrun_clear(&run);
  if (!ok) {
    zjtx_explanation_free(ex);
    return err && *err ? (*err)->code : ZJTX_ERR_EVAL;
  }
  *out = ex;
  return ZJTX_OK;
}

zjtx_status zjtx_result_explain_entitlement(const zjtx_result *res, size_t i, zjtx_explanation **out, zjtx_error **err) {
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
size_t zjtx_explanation_node_count(const zjtx_explanation *ex) { return ex ? ex->nodes->len : 0; }
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
  static const char *const names[] = {"", "rule", "condition", "formula", "rounding", "cap", "derived", "param",
                                      "aggregate", "result"};
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
