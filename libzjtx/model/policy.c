/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy.c - the policy object: lifetime, look-ups, type names, public
 * accessors.  The model layer: nothing of the compiler or the loader (the
 * expression trees it frees are expr.h's). */
#include <string.h>

#include "expr.h"
#include "model.h"

struct zjtx_policy *zpolicy_new(void) {
  struct zjtx_policy *p = g_new0(struct zjtx_policy, 1);
  p->refcount = 1;
  p->origins = g_ptr_array_new_with_free_func(g_free);
  p->entities = g_ptr_array_new();
  p->codesets = g_ptr_array_new();
  p->relations = g_ptr_array_new();
  p->params = g_ptr_array_new();
  p->derived = g_ptr_array_new();
  p->rules = g_ptr_array_new();
  p->indicators = g_ptr_array_new();
  p->scales = g_ptr_array_new_with_free_func((GDestroyNotify)zscale_free);
  p->budgets = g_ptr_array_new_with_free_func((GDestroyNotify)zbudget_free);
  p->entity_by_name = g_hash_table_new(g_str_hash, g_str_equal);
  p->param_by_id = g_hash_table_new(g_str_hash, g_str_equal);
  p->strings = g_string_chunk_new(1024);
  p->consts = g_array_new(FALSE, TRUE, sizeof(zval));
  p->aggregates = g_array_new(FALSE, TRUE, sizeof(zagg_info));
  p->derived_by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  return p;
}

zjtx_policy *zjtx_policy_ref(zjtx_policy *p) {
  if (p)
    g_atomic_int_inc(&p->refcount);
  return p;
}

static void text2_clear(ztext2 *t) {
  g_free(t->zh);
  g_free(t->en);
}

static void source_clear(zsource_expr *s) {
  g_free(s->text);
  zexpr_free(s->ast);
  if (s->block.code)
    g_array_free(s->block.code, TRUE);
  if (s->block.calls)
    g_array_free(s->block.calls, TRUE);
  if (s->block.fast)
    g_array_free(s->block.fast, TRUE);
}

static void entity_free(zentity *e) {
  for (guint i = 0; i < e->fields->len; i++) {
    zfield *f = zentity_field(e, (int32_t)i);
    g_free(f->name);
    g_free(f->validator_name);
    text2_clear(&f->title);
    g_free(f);
  }
  g_ptr_array_free(e->fields, TRUE);
  g_array_free(e->relations, TRUE);
  if (e->unique)
    g_ptr_array_unref(e->unique);
  g_free(e->name);
  g_free(e->plural);
  g_free(e->parent_key);
  g_free(e->label);
  text2_clear(&e->title);
  g_free(e);
}

void zparam_free(zparam *p) {
  if (!p)
    return;
  for (guint i = 0; i < p->values->len; i++) {
    zparam_value *v = &g_array_index(p->values, zparam_value, i);
    g_free(v->from_text);
    g_free(v->key_text);
    g_free(v->value_text);
  }
  g_array_free(p->values, TRUE);
  g_free(p->id);
  g_free(p->unit);
  g_free(p->source);
  g_free(p->origin);
  g_free(p->amended_by);
  text2_clear(&p->title);
  g_free(p);
}

static void derived_free(zderived *d) {
  g_free(d->name);
  g_ptr_array_free(d->arg_names, TRUE);
  g_array_free(d->arg_types, TRUE);
  source_clear(&d->expr);
  text2_clear(&d->title);
  g_free(d->origin);
  g_free(d->overridden_by);
  g_free(d);
}

void zcap_free(zcap *c) {
  if (!c)
    return;
  source_clear(&c->expr);
  g_free(c->label);
  g_free(c->reference);
  g_free(c);
}

void zrule_free(zrule *r) {
  if (!r)
    return;
  g_free(r->id);
  text2_clear(&r->title);
  g_free(r->clause);
  g_free(r->origin);
  g_free(r->exclusive);
  source_clear(&r->filter);
  source_clear(&r->condition);
  source_clear(&r->amount);
  for (guint i = 0; i < r->caps->len; i++)
    zcap_free(g_ptr_array_index(r->caps, i));
  g_ptr_array_free(r->caps, TRUE);
  g_free(r);
}

void zbudget_free(zbudget *b) {
  if (!b)
    return;
  g_free(b->id);
  text2_clear(&b->title);
  g_free(b->clause);
  g_free(b->origin);
  g_free(b->cap_id);
  g_free(b->group_by);
  g_ptr_array_free(b->rule_ids, TRUE);
  g_array_free(b->rules, TRUE);
  g_free(b);
}

const zbudget *zpolicy_rule_budget(const struct zjtx_policy *p, const zrule *r) {
  for (guint i = 0; i < p->budgets->len; i++) {
    const zbudget *b = g_ptr_array_index(p->budgets, i);
    for (guint j = 0; j < b->rules->len; j++)
      if (g_array_index(b->rules, int32_t, j) == r->index)
        return b;
  }
  return NULL;
}

static void indicator_free(zindicator *x) {
  g_free(x->id);
  text2_clear(&x->title);
  g_free(x->clause);
  g_free(x->unit);
  g_free(x->origin);
  g_free(x->target_text);
  source_clear(&x->value);
  g_free(x);
}

static void codeset_free(zcodeset *c) {
  g_free(c->name);
  g_ptr_array_free(c->values, TRUE);
  g_ptr_array_free(c->titles, TRUE);
  g_free(c);
}

static void relation_free(zrelation *r) {
  g_free(r->name);
  g_free(r);
}

void zjtx_policy_unref(zjtx_policy *p) {
  if (!p || !g_atomic_int_dec_and_test(&p->refcount))
    return;
  g_ptr_array_foreach(p->entities, (GFunc)(void (*)(void))entity_free, NULL);
  g_ptr_array_foreach(p->codesets, (GFunc)(void (*)(void))codeset_free, NULL);
  g_ptr_array_foreach(p->relations, (GFunc)(void (*)(void))relation_free, NULL);
  g_ptr_array_foreach(p->params, (GFunc)(void (*)(void))zparam_free, NULL);
  g_ptr_array_foreach(p->derived, (GFunc)(void (*)(void))derived_free, NULL);
  g_ptr_array_foreach(p->rules, (GFunc)(void (*)(void))zrule_free, NULL);
  g_ptr_array_foreach(p->indicators, (GFunc)(void (*)(void))indicator_free, NULL);
  g_ptr_array_free(p->indicators, TRUE);
  g_ptr_array_free(p->entities, TRUE);
  g_ptr_array_free(p->codesets, TRUE);
  g_ptr_array_free(p->relations, TRUE);
  g_ptr_array_free(p->params, TRUE);
  g_ptr_array_free(p->derived, TRUE);
  g_ptr_array_free(p->rules, TRUE);
  if (p->rule_order)
    g_array_free(p->rule_order, TRUE);
  g_ptr_array_free(p->scales, TRUE);
  g_ptr_array_free(p->budgets, TRUE);
  if (p->compiling)
    g_ptr_array_free(p->compiling, TRUE);
  g_ptr_array_free(p->origins, TRUE);
  g_hash_table_destroy(p->entity_by_name);
  g_hash_table_destroy(p->param_by_id);
  g_string_chunk_free(p->strings);
  g_hash_table_destroy(p->derived_by_name);
  g_array_free(p->consts, TRUE);
  for (guint i = 0; i < p->aggregates->len; i++)
    g_free(g_array_index(p->aggregates, zagg_info, i).label);
  g_array_free(p->aggregates, TRUE);
  g_free(p->id);
  g_free(p->version);
  g_free(p->jurisdiction);
  g_free(p->document);
  g_free(p->document_status);
  g_free(p->default_period);
  text2_clear(&p->title);
  g_free(p);
}

/* ---- look-ups ------------------------------------------------------------ */

int32_t zpolicy_entity_index(const struct zjtx_policy *p, const char *name) {
  return name ? GPOINTER_TO_INT(g_hash_table_lookup(p->entity_by_name, name)) - 1 : -1;
}

int32_t zpolicy_param_index(const struct zjtx_policy *p, const char *id) {
  return id ? GPOINTER_TO_INT(g_hash_table_lookup(p->param_by_id, id)) - 1 : -1;
}

int32_t zentity_field_index(const zentity *e, const char *name) {
  for (guint i = 0; name && i < e->fields->len; i++)
    if (strcmp(zentity_field(e, (int32_t)i)->name, name) == 0)
      return (int32_t)i;
  return -1;
}

int32_t zcodeset_find(const zcodeset *cs, const char *value, size_t len) {
  for (guint i = 0; value && i < cs->values->len; i++) {
    const char *v = g_ptr_array_index(cs->values, i);
    if (strlen(v) == len && memcmp(v, value, len) == 0)
      return (int32_t)i;
  }
  return -1;
}

static char *derived_key(int32_t entity, const char *name) {
  return g_strdup_printf("%d\t%s", entity, name ? name : "");
}

zderived *zpolicy_find_derived(const struct zjtx_policy *p, int32_t entity, const char *name) {
  g_autofree char *key = derived_key(entity, name);
  return g_hash_table_lookup(p->derived_by_name, key);
}

void zpolicy_index_derived(struct zjtx_policy *p, zderived *d) {
  g_hash_table_insert(p->derived_by_name, derived_key(d->entity, d->name), d);
}

/* ---- type names: one table each, read both ways ----------------------------- */

static const char *const field_type_names[] = {
    [ZF_TEXT] = "text", [ZF_MONEY] = "money", [ZF_RATE] = "rate", [ZF_COUNT] = "count", [ZF_NUMBER] = "number",
    [ZF_DATE] = "date", [ZF_BOOL] = "bool",   [ZF_CODE] = "code", [ZF_REF] = "ref"};

const char *zfield_type_name(zfield_type t) {
  return (size_t)t < G_N_ELEMENTS(field_type_names) ? field_type_names[t] : NULL;
}

bool zfield_type_parse(const char *name, zfield_type *out) {
  for (size_t i = 0; name && i < G_N_ELEMENTS(field_type_names); i++)
    if (strcmp(name, field_type_names[i]) == 0) {
      *out = (zfield_type)i;
      return true;
    }
  return false;
}

static const char *const type_kind_names[] = {
    [ZT_VOID] = "nothing",  [ZT_BOOL] = "bool",      [ZT_NUMBER] = "number", [ZT_MONEY] = "money",
    [ZT_RATE] = "rate",     [ZT_DATE] = "date",      [ZT_TEXT] = "text",     [ZT_CODE] = "code",
    [ZT_RECORD] = "record", [ZT_COLL] = "collection"};

const char *ztype_kind_name(ztype_kind k) {
  return (size_t)k < G_N_ELEMENTS(type_kind_names) ? type_kind_names[k] : NULL;
}

bool zvalue_type_parse(const char *name, ztype *out) {
  for (ztype_kind k = ZT_BOOL; name && k <= ZT_CODE; k++)
    if (strcmp(name, type_kind_names[k]) == 0) {
      *out = (ztype){.kind = k, .ref = -1};
      return true;
    }
  return false;
}

/* ---- public accessors ---------------------------------------------------- */

const char *ztext2_pick(const ztext2 *t, const char *lang, const char *fallback) {
  bool en = lang && strcmp(lang, "en") == 0;
  const char *first = en ? t->en : t->zh, *second = en ? t->zh : t->en;
  return first ? first : second ? second : fallback;
}

const char *zjtx_policy_id(const zjtx_policy *p) {
  return p ? p->id : NULL;
}
const char *zjtx_policy_title(const zjtx_policy *p, const char *lang) {
  return p ? ztext2_pick(&p->title, lang, p->id) : NULL;
}
const char *zjtx_policy_jurisdiction(const zjtx_policy *p) {
  return p ? p->jurisdiction : NULL;
}
const char *zjtx_policy_document(const zjtx_policy *p) {
  return p ? p->document : NULL;
}
const char *zjtx_policy_document_status(const zjtx_policy *p) {
  return p ? p->document_status : NULL;
}
const char *zjtx_policy_version(const zjtx_policy *p) {
  return p ? p->version : NULL;
}
const char *zjtx_policy_default_period(const zjtx_policy *p) {
  return p ? p->default_period : NULL;
}

static const zderived *derived_at(const zjtx_policy *p, size_t i) {
  return p && i < p->derived->len ? g_ptr_array_index(p->derived, i) : NULL;
}
size_t zjtx_policy_derived_count(const zjtx_policy *p) {
  return p ? p->derived->len : 0;
}
const char *zjtx_policy_derived_name(const zjtx_policy *p, size_t i) {
  const zderived *d = derived_at(p, i);
  return d ? d->name : NULL;
}
const char *zjtx_policy_derived_entity(const zjtx_policy *p, size_t i) {
  const zderived *d = derived_at(p, i);
  return d && d->entity >= 0 ? zpolicy_entity(p, d->entity)->name : NULL;
}
const char *zjtx_policy_derived_title(const zjtx_policy *p, size_t i, const char *lang) {
  const zderived *d = derived_at(p, i);
  return d ? ztext2_pick(&d->title, lang, d->name) : NULL;
}
const char *zjtx_policy_derived_expr(const zjtx_policy *p, size_t i) {
  const zderived *d = derived_at(p, i);
  return d ? d->expr.text : NULL;
}
const char *zjtx_policy_derived_origin(const zjtx_policy *p, size_t i) {
  const zderived *d = derived_at(p, i);
  return d ? d->origin : NULL;
}
const char *zjtx_policy_derived_overridden_by(const zjtx_policy *p, size_t i) {
  const zderived *d = derived_at(p, i);
  return d && d->hidden ? d->overridden_by : NULL;
}

static const zrule *rule_at(const zjtx_policy *p, size_t i) {
  return p && i < p->rules->len ? g_ptr_array_index(p->rules, i) : NULL;
}
size_t zjtx_policy_rule_count(const zjtx_policy *p) {
  return p ? p->rules->len : 0;
}
const char *zjtx_policy_rule_id(const zjtx_policy *p, size_t i) {
  const zrule *r = rule_at(p, i);
  return r ? r->id : NULL;
}
/* Linear: a policy has tens of rules, and a caller looks one up once. */
size_t zjtx_policy_rule_index(const zjtx_policy *p, const char *id) {
  for (guint i = 0; p && id && i < p->rules->len; i++)
    if (strcmp(((const zrule *)g_ptr_array_index(p->rules, i))->id, id) == 0)
      return i;
  return (size_t)-1;
}
zjtx_rule_kind zjtx_policy_rule_kind(const zjtx_policy *p, size_t i) {
  const zrule *r = rule_at(p, i);
  return r ? r->kind : (zjtx_rule_kind)0;
}
const char *zjtx_policy_rule_title(const zjtx_policy *p, size_t i, const char *lang) {
  const zrule *r = rule_at(p, i);
  return r ? ztext2_pick(&r->title, lang, r->id) : NULL;
}
const char *zjtx_policy_rule_clause(const zjtx_policy *p, size_t i) {
  const zrule *r = rule_at(p, i);
  return r ? r->clause : NULL;
}
const char *zjtx_policy_rule_subject(const zjtx_policy *p, size_t i) {
  const zrule *r = rule_at(p, i);
  return r ? zpolicy_entity(p, r->subject)->name : NULL;
}
const char *zjtx_policy_rule_origin(const zjtx_policy *p, size_t i) {
  const zrule *r = rule_at(p, i);
  return r ? r->origin : NULL;
}

static const zparam *param_at(const zjtx_policy *p, size_t i) {
  return p && i < p->params->len ? g_ptr_array_index(p->params, i) : NULL;
}
size_t zjtx_policy_param_count(const zjtx_policy *p) {
  return p ? p->params->len : 0;
}
const char *zjtx_policy_param_id(const zjtx_policy *p, size_t i) {
  const zparam *x = param_at(p, i);
  return x ? x->id : NULL;
}
const char *zjtx_policy_param_title(const zjtx_policy *p, size_t i, const char *lang) {
  const zparam *x = param_at(p, i);
  return x ? ztext2_pick(&x->title, lang, x->id) : NULL;
}
const char *zjtx_policy_param_type(const zjtx_policy *p, size_t i) {
  const zparam *x = param_at(p, i);
  return x ? ztype_kind_name(x->type.kind) : NULL;
}
const char *zjtx_policy_param_unit(const zjtx_policy *p, size_t i) {
  const zparam *x = param_at(p, i);
  return x ? x->unit : NULL;
}
const char *zjtx_policy_param_source(const zjtx_policy *p, size_t i) {
  const zparam *x = param_at(p, i);
  return x ? x->source : NULL;
}
zjtx_param_status zjtx_policy_param_status(const zjtx_policy *p, size_t i) {
  const zparam *x = param_at(p, i);
  return x ? x->status : (zjtx_param_status)0;
}
size_t zjtx_policy_param_value_count(const zjtx_policy *p, size_t i) {
  const zparam *x = param_at(p, i);
  return x ? x->values->len : 0;
}
static const zparam_value *value_at(const zjtx_policy *p, size_t i, size_t j) {
  const zparam *x = param_at(p, i);
  return x && j < x->values->len ? &g_array_index(x->values, zparam_value, j) : NULL;
}
const char *zjtx_policy_param_value_from(const zjtx_policy *p, size_t i, size_t j) {
  const zparam_value *v = value_at(p, i, j);
  return v ? v->from_text : NULL;
}
const char *zjtx_policy_param_value_key(const zjtx_policy *p, size_t i, size_t j) {
  const zparam_value *v = value_at(p, i, j);
  return v ? v->key_text : NULL;
}
const char *zjtx_policy_param_value_text(const zjtx_policy *p, size_t i, size_t j) {
  const zparam_value *v = value_at(p, i, j);
  return v ? v->value_text : NULL;
}
size_t zjtx_policy_param_find(const zjtx_policy *p, const char *id) {
  int32_t i = p ? zpolicy_param_index(p, id) : -1;
  return i < 0 ? (size_t)-1 : (size_t)i;
}

static const zentity *entity_at(const zjtx_policy *p, size_t i) {
  return p && i < p->entities->len ? g_ptr_array_index(p->entities, i) : NULL;
}
size_t zjtx_policy_entity_count(const zjtx_policy *p) {
  return p ? p->entities->len : 0;
}
const char *zjtx_policy_entity_name(const zjtx_policy *p, size_t i) {
  const zentity *e = entity_at(p, i);
  return e ? e->name : NULL;
}
const char *zjtx_policy_entity_plural(const zjtx_policy *p, size_t i) {
  const zentity *e = entity_at(p, i);
  return e ? e->plural : NULL;
}
const char *zjtx_policy_entity_parent(const zjtx_policy *p, size_t i) {
  const zentity *e = entity_at(p, i);
  return e && e->parent >= 0 ? zpolicy_entity(p, e->parent)->name : NULL;
}
const char *zjtx_policy_entity_label(const zjtx_policy *p, size_t i) {
  const zentity *e = entity_at(p, i);
  return e ? e->label : NULL;
}
size_t zjtx_policy_entity_field_count(const zjtx_policy *p, size_t i) {
  const zentity *e = entity_at(p, i);
  return e ? e->fields->len : 0;
}
const char *zjtx_policy_entity_field_name(const zjtx_policy *p, size_t i, size_t f) {
  const zentity *e = entity_at(p, i);
  return e && f < e->fields->len ? zentity_field(e, (int32_t)f)->name : NULL;
}
const char *zjtx_policy_entity_field_type(const zjtx_policy *p, size_t i, size_t f) {
  const zentity *e = entity_at(p, i);
  return e && f < e->fields->len ? zfield_type_name(zentity_field(e, (int32_t)f)->type) : NULL;
}

static const zfield *field_at(const zjtx_policy *p, size_t i, size_t f) {
  const zentity *e = entity_at(p, i);
  return e && f < e->fields->len ? zentity_field(e, (int32_t)f) : NULL;
}
int zjtx_policy_entity_field_required(const zjtx_policy *p, size_t i, size_t f) {
  const zfield *fd = field_at(p, i, f);
  return fd && fd->required ? 1 : 0;
}
static const zcodeset *field_codeset(const zjtx_policy *p, size_t i, size_t f) {
  const zfield *fd = field_at(p, i, f);
  return fd && fd->type == ZF_CODE && fd->codeset >= 0 ? g_ptr_array_index(p->codesets, fd->codeset) : NULL;
}
size_t zjtx_policy_entity_field_code_count(const zjtx_policy *p, size_t i, size_t f) {
  const zcodeset *cs = field_codeset(p, i, f);
  return cs ? cs->values->len : 0;
}
const char *zjtx_policy_entity_field_code(const zjtx_policy *p, size_t i, size_t f, size_t k) {
  const zcodeset *cs = field_codeset(p, i, f);
  return cs && k < cs->values->len ? g_ptr_array_index(cs->values, k) : NULL;
}

const char *zjtx_policy_entity_key(const zjtx_policy *p, size_t i) {
  const zentity *e = entity_at(p, i);
  return e && e->key_field >= 0 ? zentity_field(e, e->key_field)->name : NULL;
}
const char *zjtx_policy_entity_parent_key(const zjtx_policy *p, size_t i) {
  const zentity *e = entity_at(p, i);
  return e && e->parent >= 0 ? e->parent_key : NULL;
}
const char *zjtx_policy_entity_field_ref(const zjtx_policy *p, size_t i, size_t f) {
  const zentity *e = entity_at(p, i);
  const zfield *fd = e && f < e->fields->len ? zentity_field(e, (int32_t)f) : NULL;
  return fd && fd->type == ZF_REF ? zpolicy_entity(p, fd->ref_entity)->name : NULL;
}

/* ---- facts layout ---------------------------------------------------------- */

static bool same_codeset(const struct zjtx_policy *a, int32_t ia, const struct zjtx_policy *b, int32_t ib) {
  if (ia < 0 || ib < 0)
    return ia == ib;
  const zcodeset *x = g_ptr_array_index(a->codesets, ia), *y = g_ptr_array_index(b->codesets, ib);
  if (x->values->len != y->values->len || x->ordered != y->ordered)
    return false;
  for (guint i = 0; i < x->values->len; i++)
    if (strcmp(g_ptr_array_index(x->values, i), g_ptr_array_index(y->values, i)) != 0)
      return false;
  return true;
}

static bool same_field(const struct zjtx_policy *a, const zfield *x, const struct zjtx_policy *b, const zfield *y) {
  return strcmp(x->name, y->name) == 0 && x->type == y->type && x->required == y->required &&
         x->ref_entity == y->ref_entity && x->negative_ok == y->negative_ok &&
         g_strcmp0(x->validator_name, y->validator_name) == 0 &&
         (x->type != ZF_CODE || same_codeset(a, x->codeset, b, y->codeset));
}

static bool same_entity(const struct zjtx_policy *a, const zentity *x, const struct zjtx_policy *b, const zentity *y) {
  if (strcmp(x->name, y->name) != 0 || strcmp(x->plural, y->plural) != 0 || x->parent != y->parent ||
      g_strcmp0(x->parent_key, y->parent_key) != 0 || x->key_field != y->key_field || x->fields->len != y->fields->len)
    return false;
  for (guint i = 0; i < x->fields->len; i++)
    if (!same_field(a, zentity_field(x, (int32_t)i), b, zentity_field(y, (int32_t)i)))
      return false;
  return true;
}

bool zpolicy_same_facts_layout(const struct zjtx_policy *a, const struct zjtx_policy *b) {
  if (a == b)
    return true;
  if (a->entities->len != b->entities->len || a->relations->len != b->relations->len)
    return false;
  for (guint i = 0; i < a->entities->len; i++)
    if (!same_entity(a, zpolicy_entity(a, (int32_t)i), b, zpolicy_entity(b, (int32_t)i)))
      return false;
  for (guint i = 0; i < a->relations->len; i++) {
    const zrelation *x = g_ptr_array_index(a->relations, i), *y = g_ptr_array_index(b->relations, i);
    if (strcmp(x->name, y->name) != 0 || x->kind != y->kind || x->owner != y->owner || x->target != y->target ||
        x->via_field != y->via_field)
      return false;
  }
  return true;
}

int zjtx_policy_same_facts_layout(const zjtx_policy *a, const zjtx_policy *b) {
  return a && b && zpolicy_same_facts_layout(a, b);
}
