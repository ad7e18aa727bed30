/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* explain-subject.c - why and why not, for one record: every rule about it
 * run again with its trace on, each with its outcome, the conditions that
 * decided it and their gaps; and the explanation's JSON and sentences. */
#include <string.h>

#include "explain-internal.h"
#include "facts-keys.h"
#include "format.h"

static const char *kind_word(const zrule *r) {
  return r->kind == ZJTX_RULE_CHECK ? "check" : "entitlement";
}

static size_t add_rule(zjtx_explanation *ex, size_t root, const zrule *r) {
  const char *title = ztext2_pick(&r->title, "zh", r->id);
  size_t n = zex_add(ex, ZJTX_NODE_RULE, root, g_strdup_printf("%s — %s", r->id, title), NULL,
                     g_strdup_printf("clause %s, %s", r->clause ? r->clause : "-", r->origin));
  zex_attr(ex, n, "rule", g_strdup(r->id));
  zex_attr(ex, n, "rule_kind", g_strdup(kind_word(r)));
  zex_attr(ex, n, "title", g_strdup(title));
  zex_attr(ex, n, "title_en", g_strdup(zex_title_en(&r->title, r->id)));
  zex_attr(ex, n, "clause", g_strdup(r->clause));
  return n;
}

static zjtx_outcome outcome_of(const zrule *r, const zoutcome *o) {
  if (o->inputs)
    return ZJTX_OUTCOME_UNDECIDED;
  if (r->kind == ZJTX_RULE_CHECK)
    return o->hit ? ZJTX_OUTCOME_VIOLATED : ZJTX_OUTCOME_COMPLIED;
  return o->hit && o->fen != 0 ? ZJTX_OUTCOME_ENTITLED : ZJTX_OUTCOME_NOT_ENTITLED;
}

typedef struct {
  zrecorder *rc;
  size_t rule;
} zmissing_list;

/* One input an undecided rule lacks, as a MISSING node. */
static void add_missing(const zmissing_input *in, void *data) {
  zmissing_list *ml = data;
  zrecorder *rc = ml->rc;
  char buf[32];
  const zentity *e = zpolicy_entity(rc->policy, in->entity);
  const zfield *fd = zentity_field(e, in->field);
  const char *id = zfacts_record_id(rc->facts, in->entity, in->rec, buf);
  size_t n =
      zex_add(rc->ex, ZJTX_NODE_MISSING, ml->rule, g_strdup_printf("%s %s.%s", e->name, id, fd->name), NULL, NULL);
  zex_attr(rc->ex, n, "entity", g_strdup(e->name));
  zex_attr(rc->ex, n, "id", g_strdup(id));
  zex_attr(rc->ex, n, "field", g_strdup(fd->name));
  zex_attr(rc->ex, n, "title", g_strdup(ztext2_pick(&fd->title, "zh", fd->name)));
  zex_attr(rc->ex, n, "title_en", g_strdup(zex_title_en(&fd->title, fd->name)));
}

static void missing_nodes(zrecorder *rc, size_t rule, uint64_t inputs) {
  zmissing_list ml = {rc, rule};
  if (zvm_missing_inputs(&rc->run->vm, inputs, add_missing, &ml))
    zex_attr(rc->ex, rule, "missing_more", g_strdup("true"));
}

/* An amount of zero: which records its aggregates skipped, and why. */
static void explain_zero(zrecorder *rc, size_t n, const zrule *r, const zframe *fr) {
  size_t f = zex_add(rc->ex, ZJTX_NODE_FAILED, n, zprobe_text(r->amount.ast), g_strdup("0.00"), NULL);
  zex_node(rc->ex, f)->money = true;
  g_autofree char *text = zprobe_text(r->amount.ast);
  zex_attr(rc->ex, f, "condition", g_strdup_printf("%s > 0", text));
  zex_attr(rc->ex, f, "left", g_strdup("0.00"));
  zex_attr(rc->ex, f, "right", g_strdup("0.00"));
  zex_attr(rc->ex, f, "operator", g_strdup(">"));
  zex_attr(rc->ex, f, "type", g_strdup("money"));
  zex_attr(rc->ex, f, "left_name", g_strdup("amount"));
  zex_attr(rc->ex, f, "left_title", g_strdup("金额"));
  zex_attr(rc->ex, f, "left_title_en", g_strdup("amount"));
  zwhy_term(rc, f, fr, r->amount.ast, 0);
}

static void outcome_attrs(zrecorder *rc, size_t n, const zrule *r, const zoutcome *o) {
  znode *node = zex_node(rc->ex, n);
  node->outcome = outcome_of(r, o);
  zex_attr(rc->ex, n, "outcome", g_strdup(zjtx_outcome_name(node->outcome)));
  if (node->outcome == ZJTX_OUTCOME_UNDECIDED) {
    node->value = g_strdup(zjtx_outcome_name(node->outcome));
    missing_nodes(rc, n, o->inputs);
  } else if (r->kind == ZJTX_RULE_ENTITLEMENT && o->hit) {
    char buf[ZFMT_FEN_BUFSZ];
    node->value = g_strdup(zfmt_fen(o->fen, buf));
    node->money = true;
    zex_attr(rc->ex, n, "amount", g_strdup(node->value));
  } else {
    node->value = g_strdup(zjtx_outcome_name(node->outcome));
  }
}

/* The item of rule r for record rec in `items` (the result's entitlements
 * or undecided), or NULL. */
/* An amount as the result's texts give it ("645000.00"). */
static char *amount_text(int64_t fen) {
  char buf[ZDEC_BUFSZ];
  return g_strdup(zfmt_fen(fen, buf));
}

static const zresult_item *item_of(const GArray *items, const zrule *r, int32_t rec) {
  for (guint i = 0; i < items->len; i++) {
    const zresult_item *it = &g_array_index(items, zresult_item, i);
    if (it->rule == r->index && it->rec == rec)
      return it;
  }
  return NULL;
}

/* A claim a budget scaled (6.8): a BUDGET node under `parent` with the fund,
 * the claims on it, this claim and what is paid, and the note the
 * evaluation gives. */
static void budget_node(zjtx_explanation *ex, size_t parent, const zjtx_result *res, const zresult_item *it,
                        int64_t claim) {
  g_autofree char *note = zresult_budget_note(res, it);
  if (!note)
    return;
  const zbudget_group *g = &g_array_index(res->budget_groups, zbudget_group, it->budget_at - 1);
  const zbudget *b = g_ptr_array_index(res->policy->budgets, g->budget);
  char buf[ZFMT_FEN_BUFSZ];
  size_t n = zex_add(ex, ZJTX_NODE_BUDGET, parent, g_strdup(b->id), amount_text(it->fen), g_strdup(note));
  zex_node(ex, n)->money = true;
  zex_attr(ex, n, "budget", g_strdup(b->id));
  zex_attr(ex, n, "title", g_strdup(ztext2_pick(&b->title, "zh", b->id)));
  zex_attr(ex, n, "title_en", g_strdup(zex_title_en(&b->title, b->id)));
  zex_attr(ex, n, "clause", g_strdup(b->clause));
  zex_attr(ex, n, "group", g_strdup(g->key));
  zex_attr(ex, n, "cap", g_strdup(zfmt_fen(g->cap, buf)));
  zex_attr(ex, n, "claims", g_strdup(zfmt_fen(g->claims, buf)));
  zex_attr(ex, n, "claim", g_strdup(zfmt_fen(claim, buf)));
  zex_attr(ex, n, "paid", amount_text(it->fen));
  zex_attr(ex, n, "note", g_steal_pointer(&note));
}

/* A claim held back because another claim on its fund is undecided (6.8):
 * the rule is undecided, lacking what the result says it lacks. */
static void budget_undecided(zrecorder *rc, size_t n, const zjtx_result *res, const zresult_item *u, int64_t claim) {
  znode *node = zex_node(rc->ex, n);
  node->outcome = ZJTX_OUTCOME_UNDECIDED;
  node->money = false;
  g_free(node->value);
  node->value = g_strdup(zjtx_outcome_name(node->outcome));
  zex_attr(rc->ex, n, "outcome", g_strdup(node->value));
  for (guint k = 0; node->attrs && k + 1 < node->attrs->len; k += 2)
    if (strcmp(g_ptr_array_index(node->attrs, k), "amount") == 0) {
      g_ptr_array_remove_range(node->attrs, k, 2); /* an undecided rule pays nothing yet */
      break;
    }
  char buf[ZFMT_FEN_BUFSZ];
  zex_attr(rc->ex, n, "claim", g_strdup(zfmt_fen(claim, buf)));
  zex_attr(rc->ex, n, "budget_waits", g_strdup("true"));
  zmissing_list ml = {rc, n};
  for (int32_t k = 0; k < u->n_missing; k++) {
    const zresult_missing *m = &g_array_index(res->missing, zresult_missing, u->missing_at + k);
    add_missing(&(zmissing_input){m->entity, m->field, m->rec}, &ml);
  }
  if (u->more_missing)
    zex_attr(rc->ex, n, "missing_more", g_strdup("true"));
}

/* An entitlement a budget scaled: the rule pays the scaled amount, and
 * says so; one whose fund waits for an undecided claim is undecided. */
static void budget_outcome(zrecorder *rc, size_t n, const zjtx_result *res, const zrule *r, int32_t rec,
                           const zoutcome *o) {
  if (zex_node(rc->ex, n)->outcome != ZJTX_OUTCOME_ENTITLED || !zpolicy_rule_budget(res->policy, r))
    return;
  const zresult_item *it = item_of(res->entitlements, r, rec), *u = NULL;
  if (!it && (u = item_of(res->undecided, r, rec)) != NULL)
    budget_undecided(rc, n, res, u, o->fen);
  if (!it || !it->budget_at)
    return;
  znode *node = zex_node(rc->ex, n);
  g_free(node->value);
  node->value = amount_text(it->fen);
  zex_attr(rc->ex, n, "amount", amount_text(it->fen));
  budget_node(rc->ex, n, res, it, o->fen);
}

/* Why the rule decided as it did: the parts of a condition that failed
 * (or, for a violation, held), or the records of an amount of zero. */
static void explain_why(zrecorder *rc, size_t n, const zrule *r, const zoutcome *o, const zframe *fr) {
  if (o->inputs)
    return; /* undecided: its MISSING nodes say why */
  if (r->has_condition && !o->hit)
    zwhy(rc, n, fr, r->condition.ast, false);
  else if (r->kind == ZJTX_RULE_CHECK && r->has_condition)
    zwhy(rc, n, fr, r->condition.ast, true); /* a violation: the parts that held */
  else if (r->kind == ZJTX_RULE_ENTITLEMENT && r->has_amount && o->fen == 0)
    explain_zero(rc, n, r, fr);
}

/* One rule for record rec: its run recorded, then why not. */
static zjtx_status explain_rule(zrun *run, const zjtx_result *res, zjtx_explanation *ex, size_t root, const zrule *r,
                                int32_t rec, zjtx_error **err) {
  zrecorder rc;
  zrec_init(&rc, run, run->vm.policy, run->vm.facts, ex);
  size_t n = add_rule(ex, root, r);
  rc.root = rc.parent = n;
  zoutcome o;
  zjtx_status st = ZJTX_OK;
  if (!zrec_run(&rc, r, rec, &o)) {
    st = run->vm.error ? zerr_give(err, g_steal_pointer(&run->vm.error))
                       : zerr_set(err, ZJTX_ERR_EVAL, NULL, 0, 0, r->id, "rule %s: evaluation failed", r->id);
    zrec_clear(&rc);
    return st;
  }
  outcome_attrs(&rc, n, r, &o);
  budget_outcome(&rc, n, res, r, rec, &o);
  bool amount_step = o.hit && r->has_amount && !o.inputs;
  const zsource_expr *src = amount_step ? &r->amount : &r->condition;
  zframe fr = {&src->block, src->ast, rec, r->subject, zprobe_locals(&rc)};
  explain_why(&rc, n, r, &o, &fr);
  zex_attr(ex, n, "text_zh", ztext_rule(&rc, r, n, &fr, "zh"));
  zex_attr(ex, n, "text_en", ztext_rule(&rc, r, n, &fr, "en"));
  zrec_clear(&rc);
  return st;
}

static bool about(const zrule *r, int32_t entity, const char *rule) {
  if (r->removed || r->subject != entity || r->group_field >= 0)
    return false;
  return !rule || strcmp(r->id, rule) == 0;
}

static zjtx_status find_record(const zjtx_result *res, const char *entity, const char *id, int32_t *e, int32_t *rec,
                               zjtx_error **err) {
  *e = zpolicy_entity_index(res->policy, entity);
  if (*e < 0)
    return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "no entity '%s'", entity);
  *rec = zfacts_find_id(res->facts, *e, id);
  if (*rec < 0)
    return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "no %s with id '%s'", entity, id);
  return ZJTX_OK;
}

static zjtx_status check_rule(const zjtx_policy *p, int32_t e, const char *entity, const char *rule, zjtx_error **err) {
  for (guint i = 0; rule && i < p->rules->len; i++) {
    const zrule *r = g_ptr_array_index(p->rules, i);
    if (r->removed || strcmp(r->id, rule) != 0)
      continue;
    if (r->subject != e || r->group_field >= 0)
      return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, rule, "rule '%s' is not about one %s (its subject is %s%s)",
                      rule, entity, zpolicy_entity(p, r->subject)->name, r->group_field >= 0 ? ", grouped" : "");
    return ZJTX_OK;
  }
  return rule ? zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "no rule or check '%s'", rule) : ZJTX_OK;
}

zjtx_status zjtx_result_explain_subject(const zjtx_result *res, const char *entity, const char *id, const char *rule,
                                        zjtx_explanation **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!res || !entity || !id || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "result, entity, id and out must not be NULL");
  const zjtx_policy *p = res->policy;
  int32_t e = -1, rec = -1;
  zjtx_status st = find_record(res, entity, id, &e, &rec, err);
  if (st == ZJTX_OK)
    st = check_rule(p, e, entity, rule, err);
  if (st != ZJTX_OK)
    return st;
  zrun run;
  st = zrun_init(&run, p, res->facts, res->options, err);
  if (st != ZJTX_OK)
    return st;
  zjtx_explanation *ex = zex_new();
  size_t root = zex_add(ex, ZJTX_NODE_SUBJECT, (size_t)-1, g_strdup(zpolicy_entity(p, e)->name), g_strdup(id), NULL);
  zex_attr(ex, root, "entity", g_strdup(zpolicy_entity(p, e)->name));
  zex_attr(ex, root, "id", g_strdup(id));
  zex_attr(ex, root, "period", g_strdup(res->run.period));
  for (guint i = 0; st == ZJTX_OK && i < p->rules->len; i++) {
    const zrule *r = g_ptr_array_index(p->rules, i);
    if (about(r, e, rule))
      st = explain_rule(&run, res, ex, root, r, rec, err);
  }
  zrun_clear(&run);
  if (st != ZJTX_OK) {
    zjtx_explanation_free(ex);
    return st;
  }
  *out = ex;
  return ZJTX_OK;
}

/* ---- one result of the evaluation ------------------------------------------ */

static size_t add_rule_node(zjtx_explanation *ex, const zrule *r, const zresult_item *it) {
  const char *title = r->title.zh ? r->title.zh : r->title.en;
  size_t n = zex_add(ex, ZJTX_NODE_RULE, (size_t)-1, g_strdup_printf("%s %s — %s", r->id, it->id, title ? title : ""),
                     r->kind == ZJTX_RULE_CHECK ? g_strdup("violated") : amount_text(it->fen),
                     g_strdup_printf("clause %s, %s", r->clause ? r->clause : "-", r->origin));
  zex_node(ex, n)->money = r->kind != ZJTX_RULE_CHECK;
  return n;
}

/* Runs the rule for the item's subject as the evaluation did, recording
 * each step.  The recorded outcome must be the result's: anything else
 * would explain another amount than the one paid. */
static zjtx_status record(zrun *run, zrecorder *rc, const zjtx_result *res, const zrule *r, const zresult_item *it,
                          zjtx_error **err) {
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
  bool ok = zrec_run(rc, r, rec, &o);
  if (!ok && run->vm.error)
    return zerr_give(err, g_steal_pointer(&run->vm.error));
  if (!ok)
    return zerr_set(err, ZJTX_ERR_EVAL, NULL, 0, 0, r->id, "rule %s, for %s: evaluation failed", r->id, it->id);
  /* a budget scaled the claim: the run gives the claim, the item what is paid */
  if (!o.hit || o.inputs || (r->kind == ZJTX_RULE_ENTITLEMENT && o.fen != it->fen && !it->budget_at))
    return zerr_set(err, ZJTX_ERR_EVAL, NULL, 0, 0, r->id, "rule %s, for %s: evaluated again, it gives another result",
                    r->id, it->id);
  size_t n = zex_add(rc->ex, ZJTX_NODE_RESULT, rc->root, g_strdup(r->kind == ZJTX_RULE_CHECK ? "violation" : "amount"),
                     r->kind == ZJTX_RULE_CHECK ? g_strdup(it->id) : amount_text(it->fen), NULL);
  zex_node(rc->ex, n)->money = r->kind != ZJTX_RULE_CHECK;
  zex_node(rc->ex, rc->root)->outcome = outcome_of(r, &o);
  if (r->kind == ZJTX_RULE_ENTITLEMENT)
    budget_node(rc->ex, rc->root, res, it, o.fen);
  const zsource_expr *src = r->has_amount ? &r->amount : &r->condition;
  zframe fr = {&src->block, src->ast, rec, r->subject, zprobe_locals(rc)};
  if (r->kind == ZJTX_RULE_CHECK && r->has_condition)
    zwhy(rc, rc->root, &fr, r->condition.ast, true); /* the parts of the check that held */
  zex_attr(rc->ex, rc->root, "text_zh", ztext_rule(rc, r, rc->root, &fr, "zh"));
  zex_attr(rc->ex, rc->root, "text_en", ztext_rule(rc, r, rc->root, &fr, "en"));
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
  zjtx_explanation *ex = zex_new();
  zrecorder rc;
  zrec_init(&rc, &run, p, res->facts, ex);
  rc.root = rc.parent = add_rule_node(ex, r, it);
  st = record(&run, &rc, res, r, it, err);
  zrec_clear(&rc);
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

/* ---- JSON ------------------------------------------------------------------- */

static size_t next_child(const zjtx_explanation *ex, size_t parent, zjtx_node_kind kind, size_t after) {
  for (size_t i = after + 1; i < ex->nodes->len; i++)
    if (zex_node(ex, i)->parent == parent && zex_node(ex, i)->kind == kind)
      return i;
  return (size_t)-1;
}

static void attrs_json(const zjtx_explanation *ex, size_t i, GString *out, const char *const *skip) {
  const znode *n = zex_node(ex, i);
  for (guint k = 0; n->attrs && k + 1 < n->attrs->len; k += 2) {
    const char *name = g_ptr_array_index(n->attrs, k);
    bool skipped = false;
    for (const char *const *s = skip; s && *s; s++)
      skipped = skipped || strcmp(*s, name) == 0;
    if (skipped)
      continue;
    g_string_append(out, out->str[out->len - 1] == '{' ? "" : ",");
    zfmt_json_string(out, name);
    g_string_append_c(out, ':');
    zfmt_json_string(out, g_ptr_array_index(n->attrs, k + 1));
  }
}

static void failed_json(const zjtx_explanation *ex, size_t i, GString *out);

static void list_json(const zjtx_explanation *ex, size_t parent, zjtx_node_kind kind, const char *key,
                      void (*item)(const zjtx_explanation *, size_t, GString *), GString *out) {
  size_t c = next_child(ex, parent, kind, parent);
  if (c == (size_t)-1)
    return;
  g_string_append_printf(out, ",\"%s\":[", key);
  for (bool first = true; c != (size_t)-1; c = next_child(ex, parent, kind, c), first = false) {
    if (!first)
      g_string_append_c(out, ',');
    item(ex, c, out);
  }
  g_string_append_c(out, ']');
}

static void record_json(const zjtx_explanation *ex, size_t i, GString *out) {
  g_string_append_c(out, '{');
  attrs_json(ex, i, out, NULL);
  list_json(ex, i, ZJTX_NODE_FAILED, "failed", failed_json, out);
  g_string_append_c(out, '}');
}

static void failed_json(const zjtx_explanation *ex, size_t i, GString *out) {
  g_string_append(out, "{\"condition\":");
  zfmt_json_string(out, zex_attr_get(ex, i, "condition"));
  g_string_append(out, ",\"value\":");
  zfmt_json_string(out, zex_node(ex, i)->value);
  static const char *const skip[] = {"condition", NULL};
  attrs_json(ex, i, out, skip);
  list_json(ex, i, ZJTX_NODE_FAILED, "because", failed_json, out);
  list_json(ex, i, ZJTX_NODE_RECORD, "records", record_json, out);
  g_string_append_c(out, '}');
}

/* Facts and parameters anywhere below a rule, each once. */
static void used_json(const zjtx_explanation *ex, size_t rule, zjtx_node_kind kind, const char *key, GString *out) {
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  bool first = true;
  g_string_append_printf(out, ",\"%s\":[", key);
  for (size_t i = rule + 1; i < ex->nodes->len; i++) {
    const znode *n = zex_node(ex, i);
    size_t up = n->parent;
    while (up != (size_t)-1 && up != rule)
      up = zex_node(ex, up)->parent;
    if (n->kind != kind || up != rule || !g_hash_table_add(seen, g_strdup_printf("%s=%s", n->label, n->value)))
      continue;
    g_string_append(out, first ? "{\"value\":" : ",{\"value\":");
    first = false;
    zfmt_json_string(out, n->value);
    attrs_json(ex, i, out, NULL);
    g_string_append_c(out, '}');
  }
  g_string_append_c(out, ']');
}

static bool any_below(const zjtx_explanation *ex, size_t rule, zjtx_node_kind kind) {
  for (size_t i = rule + 1; i < ex->nodes->len; i++) {
    size_t up = zex_node(ex, i)->parent;
    while (up != (size_t)-1 && up != rule)
      up = zex_node(ex, up)->parent;
    if (zex_node(ex, i)->kind == kind && up == rule)
      return true;
  }
  return false;
}

static void rule_json(const zjtx_explanation *ex, size_t i, GString *out) {
  static const char *const skip[] = {"rule", "outcome", "amount", "text_zh", "text_en", NULL};
  const znode *n = zex_node(ex, i);
  g_string_append(out, "{\"rule\":");
  zfmt_json_string(out, zex_attr_get(ex, i, "rule"));
  g_string_append(out, ",\"outcome\":");
  zfmt_json_string(out, zjtx_outcome_name(n->outcome));
  if (zex_attr_get(ex, i, "amount")) {
    g_string_append(out, ",\"amount\":");
    zfmt_json_string(out, zex_attr_get(ex, i, "amount"));
  }
  attrs_json(ex, i, out, skip);
  g_string_append(out, ",\"failed\":[");
  bool first = true;
  for (size_t f = next_child(ex, i, ZJTX_NODE_FAILED, i); f != (size_t)-1; f = next_child(ex, i, ZJTX_NODE_FAILED, f)) {
    if (!first)
      g_string_append_c(out, ',');
    first = false;
    failed_json(ex, f, out);
  }
  g_string_append_c(out, ']');
  list_json(ex, i, ZJTX_NODE_MISSING, "missing", record_json, out);
  used_json(ex, i, ZJTX_NODE_FACT, "facts", out);
  used_json(ex, i, ZJTX_NODE_PARAM, "params", out);
  if (any_below(ex, i, ZJTX_NODE_TABLE))
    used_json(ex, i, ZJTX_NODE_TABLE, "tables", out);
  list_json(ex, i, ZJTX_NODE_BUDGET, "budgets", record_json, out);
  g_string_append(out, ",\"text\":{\"zh\":");
  zfmt_json_string(out, zex_attr_get(ex, i, "text_zh"));
  g_string_append(out, ",\"en\":");
  zfmt_json_string(out, zex_attr_get(ex, i, "text_en"));
  g_string_append(out, "},\"explanation\":");
  zex_node_json(ex, i, out);
  g_string_append_c(out, '}');
}

static char *subject_json(const zjtx_explanation *ex) {
  GString *out = g_string_new("{");
  attrs_json(ex, 0, out, NULL);
  g_string_append(out, ",\"rules\":[");
  bool first = true;
  for (size_t r = next_child(ex, 0, ZJTX_NODE_RULE, 0); r != (size_t)-1; r = next_child(ex, 0, ZJTX_NODE_RULE, r)) {
    g_string_append(out, first ? "\n  " : ",\n  ");
    first = false;
    rule_json(ex, r, out);
  }
  g_string_append(out, "]}");
  return g_string_free(out, FALSE);
}

char *zjtx_explanation_to_json(const zjtx_explanation *ex) {
  if (!ex || !ex->nodes->len)
    return NULL;
  if (zex_node(ex, 0)->kind == ZJTX_NODE_SUBJECT)
    return subject_json(ex);
  GString *out = g_string_new(NULL);
  zex_node_json(ex, 0, out);
  return g_string_free(out, FALSE);
}

char *zjtx_explanation_to_sentences(const zjtx_explanation *ex, const char *lang) {
  if (!ex || !ex->nodes->len)
    return NULL;
  const char *key = g_strcmp0(lang, "en") == 0 ? "text_en" : "text_zh";
  GString *out = g_string_new(NULL);
  for (size_t i = 0; i < ex->nodes->len; i++)
    if (zex_node(ex, i)->kind == ZJTX_NODE_RULE && zex_attr_get(ex, i, key))
      g_string_append_printf(out, "%s\n", zex_attr_get(ex, i, key));
  if (!out->len)
    return (char *)(void *)g_string_free(out, TRUE);
  return g_string_free(out, FALSE);
}
