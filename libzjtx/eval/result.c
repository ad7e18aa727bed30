/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* result.c - reading a result: entitlements, violations, indicators, and
 * derived values under the result's period and options. */
#include <string.h>

#include "eval-internal.h"
#include "facts-keys.h"
#include "format.h"

void zjtx_result_free(zjtx_result *res) {
  if (!res)
    return;
  zrun_clear(&res->run);
  zresult_clear_columns(res);
  if (res->budget_groups)
    g_array_free(res->budget_groups, TRUE);
  g_array_free(res->entitlements, TRUE);
  g_array_free(res->violations, TRUE);
  g_array_free(res->undecided, TRUE);
  g_array_free(res->missing, TRUE);
  g_string_chunk_free(res->strings);
  if (res->amount_strings)
    g_string_chunk_free(res->amount_strings);
  g_free(res->amount_texts);
  g_mutex_clear(&res->amount_lock);
  g_ptr_array_free(res->chunks, TRUE);
  g_ptr_array_free(res->indicator_values, TRUE);
  g_ptr_array_free(res->indicator_targets, TRUE);
  g_array_free(res->indicator_met, TRUE);
  g_array_free(res->indicator_records, TRUE);
  g_array_free(res->indicator_lacking, TRUE);
  zjtx_options_free(res->options);
  zjtx_facts_unref(res->facts);
  zjtx_policy_unref(res->policy);
  g_free(res);
}

const char *zjtx_result_period(const zjtx_result *res) {
  return res ? res->run.period : NULL;
}

/* Entitlement or violation i, or NULL when there is none (res NULL, i out of range). */
static const zresult_item *entitlement_at(const zjtx_result *res, size_t i) {
  return res && i < res->entitlements->len ? &g_array_index(res->entitlements, zresult_item, i) : NULL;
}
static const zresult_item *violation_at(const zjtx_result *res, size_t i) {
  return res && i < res->violations->len ? &g_array_index(res->violations, zresult_item, i) : NULL;
}

/* What an entitlement and a violation both tell; NULL for no item. */
static const zrule *item_rule(const zjtx_result *res, const zresult_item *it) {
  return g_ptr_array_index(res->policy->rules, it->rule);
}
static const char *item_rule_id(const zjtx_result *res, const zresult_item *it) {
  return it ? item_rule(res, it)->id : NULL;
}
static const char *item_entity(const zjtx_result *res, const zresult_item *it) {
  if (!it)
    return NULL;
  const zrule *r = item_rule(res, it);
  zentity *e = zpolicy_entity(res->policy, r->subject);
  return r->group_field >= 0 ? zentity_field(e, r->group_field)->name : e->name;
}
static const char *item_id(const zresult_item *it) {
  return it ? it->id : NULL;
}

size_t zjtx_result_entitlement_count(const zjtx_result *res) {
  return res ? res->entitlements->len : 0;
}
const char *zjtx_result_entitlement_rule(const zjtx_result *res, size_t i) {
  return item_rule_id(res, entitlement_at(res, i));
}
const char *zjtx_result_entitlement_entity(const zjtx_result *res, size_t i) {
  return item_entity(res, entitlement_at(res, i));
}
const char *zjtx_result_entitlement_id(const zjtx_result *res, size_t i) {
  return item_id(entitlement_at(res, i));
}
int64_t zjtx_result_entitlement_fen(const zjtx_result *res, size_t i) {
  const zresult_item *it = entitlement_at(res, i);
  return it ? it->fen : 0;
}
/* The texts of every amount, made once: evaluating formats none. */
static char **amount_texts(zjtx_result *res) {
  char **texts = g_atomic_pointer_get(&res->amount_texts);
  if (texts)
    return texts;
  g_mutex_lock(&res->amount_lock);
  if (!(texts = res->amount_texts)) {
    char buf[ZFMT_FEN_BUFSZ];
    res->amount_strings = g_string_chunk_new(16 * (gsize)res->entitlements->len + 64);
    texts = g_new(char *, res->entitlements->len + 1);
    for (guint k = 0; k < res->entitlements->len; k++)
      texts[k] = g_string_chunk_insert(res->amount_strings,
                                       zfmt_fen(g_array_index(res->entitlements, zresult_item, k).fen, buf));
    g_atomic_pointer_set(&res->amount_texts, texts);
  }
  g_mutex_unlock(&res->amount_lock);
  return texts;
}

const char *zjtx_result_entitlement_amount(const zjtx_result *res, size_t i) {
  if (!entitlement_at(res, i))
    return NULL;
  return amount_texts((zjtx_result *)res)[i]; /* cast: the texts are a cache */
}

size_t zjtx_result_violation_count(const zjtx_result *res) {
  return res ? res->violations->len : 0;
}
const char *zjtx_result_violation_check(const zjtx_result *res, size_t i) {
  return item_rule_id(res, violation_at(res, i));
}
const char *zjtx_result_violation_entity(const zjtx_result *res, size_t i) {
  return item_entity(res, violation_at(res, i));
}
const char *zjtx_result_violation_id(const zjtx_result *res, size_t i) {
  return item_id(violation_at(res, i));
}

size_t zjtx_result_indicator_records(const zjtx_result *res, size_t i) {
  return res && i < res->indicator_records->len ? g_array_index(res->indicator_records, size_t, i) : 0;
}
size_t zjtx_result_indicator_lacking(const zjtx_result *res, size_t i) {
  return res && i < res->indicator_lacking->len ? g_array_index(res->indicator_lacking, size_t, i) : 0;
}

/* ---- undecided ------------------------------------------------------------ */

static const zresult_item *undecided_at(const zjtx_result *res, size_t i) {
  return res && i < res->undecided->len ? &g_array_index(res->undecided, zresult_item, i) : NULL;
}

size_t zjtx_result_undecided_count(const zjtx_result *res) {
  return res ? res->undecided->len : 0;
}
const char *zjtx_result_undecided_rule(const zjtx_result *res, size_t i) {
  return item_rule_id(res, undecided_at(res, i));
}
zjtx_rule_kind zjtx_result_undecided_kind(const zjtx_result *res, size_t i) {
  const zresult_item *it = undecided_at(res, i);
  return it ? item_rule(res, it)->kind : ZJTX_RULE_ENTITLEMENT;
}
const char *zjtx_result_undecided_entity(const zjtx_result *res, size_t i) {
  return item_entity(res, undecided_at(res, i));
}
const char *zjtx_result_undecided_id(const zjtx_result *res, size_t i) {
  return item_id(undecided_at(res, i));
}
size_t zjtx_result_undecided_missing_count(const zjtx_result *res, size_t i) {
  const zresult_item *it = undecided_at(res, i);
  return it ? (size_t)it->n_missing : 0;
}
int zjtx_result_undecided_missing_more(const zjtx_result *res, size_t i) {
  const zresult_item *it = undecided_at(res, i);
  return it && it->more_missing;
}

static const zresult_missing *missing_at(const zjtx_result *res, size_t i, size_t j) {
  const zresult_item *it = undecided_at(res, i);
  return it && j < (size_t)it->n_missing ? &g_array_index(res->missing, zresult_missing, it->missing_at + (guint)j)
                                         : NULL;
}
const char *zjtx_result_undecided_missing_entity(const zjtx_result *res, size_t i, size_t j) {
  const zresult_missing *m = missing_at(res, i, j);
  return m ? zpolicy_entity(res->policy, m->entity)->name : NULL;
}
const char *zjtx_result_undecided_missing_id(const zjtx_result *res, size_t i, size_t j) {
  const zresult_missing *m = missing_at(res, i, j);
  return m ? m->id : NULL;
}
const char *zjtx_result_undecided_missing_field(const zjtx_result *res, size_t i, size_t j) {
  const zresult_missing *m = missing_at(res, i, j);
  return m ? zentity_field(zpolicy_entity(res->policy, m->entity), m->field)->name : NULL;
}

/* The record of `target` that record `rec` of `entity` is, refers to, or
 * belongs to; -1 when none. */
static int32_t related_record(const zjtx_policy *p, const zjtx_facts *f, int32_t entity, int32_t rec, int32_t target,
                              int depth) {
  if (entity == target)
    return rec;
  if (rec < 0 || depth > 16)
    return -1;
  const zentity *e = zpolicy_entity(p, entity);
  for (guint i = 0; i < e->fields->len; i++) {
    const zfield *fd = zentity_field(e, (int32_t)i);
    if (fd->type == ZF_REF && fd->ref_entity == target)
      return zfacts_get(f, entity, (int32_t)i, rec).rec;
  }
  if (e->parent < 0)
    return -1;
  int32_t parent = g_array_index(f->tables[entity].parent, int32_t, rec);
  return related_record(p, f, e->parent, parent, target, depth + 1);
}

const char *zjtx_result_entitlement_related_id(const zjtx_result *res, size_t i, const char *entity) {
  const zresult_item *it = entitlement_at(res, i);
  int32_t target = it && entity ? zpolicy_entity_index(res->policy, entity) : -1;
  if (target < 0)
    return NULL;
  const zrule *r = item_rule(res, it);
  if (r->group_field >= 0)
    return NULL;
  int32_t rec = related_record(res->policy, res->facts, r->subject, it->rec, target, 0);
  if (rec < 0)
    return NULL;
  char buf[32];
  const char *id = zfacts_record_id(res->facts, target, rec, buf);
  return id == buf ? NULL : id;
}

/* ---- indicators ------------------------------------------------------------ */

static const zindicator *indicator_at(const zjtx_result *res, size_t i) {
  return res && i < res->indicator_values->len ? g_ptr_array_index(res->policy->indicators, i) : NULL;
}
size_t zjtx_result_indicator_count(const zjtx_result *res) {
  return res ? res->indicator_values->len : 0;
}
const char *zjtx_result_indicator_id(const zjtx_result *res, size_t i) {
  const zindicator *x = indicator_at(res, i);
  return x ? x->id : NULL;
}
const char *zjtx_result_indicator_title(const zjtx_result *res, size_t i, const char *lang) {
  const zindicator *x = indicator_at(res, i);
  return x ? ztext2_pick(&x->title, lang, x->id) : NULL;
}
const char *zjtx_result_indicator_clause(const zjtx_result *res, size_t i) {
  const zindicator *x = indicator_at(res, i);
  return x ? x->clause : NULL;
}
const char *zjtx_result_indicator_unit(const zjtx_result *res, size_t i) {
  const zindicator *x = indicator_at(res, i);
  return x ? x->unit : NULL;
}
const char *zjtx_result_indicator_value(const zjtx_result *res, size_t i) {
  return indicator_at(res, i) ? g_ptr_array_index(res->indicator_values, i) : NULL;
}
const char *zjtx_result_indicator_target(const zjtx_result *res, size_t i) {
  return indicator_at(res, i) ? g_ptr_array_index(res->indicator_targets, i) : NULL;
}
int zjtx_result_indicator_met(const zjtx_result *res, size_t i) {
  return indicator_at(res, i) ? g_array_index(res->indicator_met, gboolean, i) != 0 : 0;
}

/* ---- derived values --------------------------------------------------------- */

zjtx_status zjtx_result_derived_value(const zjtx_result *res, const char *entity, const char *id, const char *name,
                                      char **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!res || !entity || !id || !name || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "result, entity, id, name and out must not be NULL");
  const zjtx_policy *p = res->policy;
  int32_t e = zpolicy_entity_index(p, entity);
  if (e < 0)
    return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "no entity '%s'", entity);
  const zderived *d = zpolicy_find_derived(p, e, name); /* in force, not an overridden original */
  if (!d || d->arg_names->len)
    return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "%s has no derived value '%s'%s", entity, name,
                    d ? " without arguments" : "");
  int32_t rec = zfacts_find_id(res->facts, e, id);
  if (rec < 0)
    return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "no %s with id '%s'", entity, id);
  zrun run;
  zjtx_status st = zrun_init(&run, p, res->facts, res->options, err);
  if (st != ZJTX_OK)
    return st;
  zval v;
  if (!zvm_run(&run.vm, &d->expr.block, rec, NULL, &v))
    st = zerr_give(err, g_steal_pointer(&run.vm.error));
  else
    *out = zformat_value(p, res->facts, d->type, &v);
  zrun_clear(&run);
  return st;
}
