/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts.c - the public API of the facts store: making and freeing facts, records, limits, rejects, reconciliation.
 *
 * The top of the store: it calls down into facts-record.c (one record
 * checked and stored) and facts-finish.c (ids, references, relations),
 * which call down into facts-table.c (tables, rejects, the key column) and
 * facts-escape.c (values quoted in messages).  The carriers (facts-json.c,
 * facts-csv.c) sit above. */
#include <string.h>

#include "facts-internal.h"

/* ---- the public record API ----------------------------------------------- */

zjtx_status zjtx_facts_new(zjtx_policy *policy, zjtx_facts **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!policy || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "zjtx_facts_new: policy and out must not be NULL");
  zjtx_facts *f = g_new0(zjtx_facts, 1);
  f->refcount = 1;
  f->policy = zjtx_policy_ref(policy);
  f->strings = g_string_chunk_new(4096);
  f->max_field = ZFACTS_MAX_FIELD_DEFAULT;
  f->max_line = ZFACTS_MAX_LINE_DEFAULT;
  f->tables = g_new0(ztable, policy->entities->len);
  for (guint i = 0; i < policy->entities->len; i++)
    zfacts_table_init(&f->tables[i], zpolicy_entity(policy, (int32_t)i));
  *out = f;
  return ZJTX_OK;
}

zjtx_facts *zjtx_facts_ref(zjtx_facts *facts) {
  if (facts)
    g_atomic_int_inc(&facts->refcount);
  return facts;
}

void zjtx_facts_free(zjtx_facts *facts) {
  zjtx_facts_unref(facts);
}

void zjtx_facts_unref(zjtx_facts *facts) {
  if (!facts || !g_atomic_int_dec_and_test(&facts->refcount))
    return;
  zfacts_free_relations(facts);
  g_free(facts->identity);
  for (guint i = 0; i < facts->policy->entities->len; i++)
    zfacts_table_clear(&facts->tables[i], zpolicy_entity(facts->policy, (int32_t)i));
  g_free(facts->tables);
  g_string_chunk_free(facts->strings);
  g_free(facts->period);
  zjtx_policy_unref(facts->policy);
  g_free(facts);
}

const char *zjtx_facts_period(const zjtx_facts *facts) {
  return facts ? facts->period : NULL;
}

size_t zjtx_facts_record_count(const zjtx_facts *facts, const char *entity) {
  int32_t e = facts && entity ? zpolicy_entity_index(facts->policy, entity) : -1;
  return e < 0 ? 0 : (size_t)facts->tables[e].n;
}

const char *zjtx_facts_record_label(const zjtx_facts *facts, const char *entity, const char *id) {
  int32_t e = facts && facts->finished && entity && id ? zpolicy_entity_index(facts->policy, entity) : -1;
  const zentity *ent = e >= 0 ? zpolicy_entity(facts->policy, e) : NULL;
  int32_t label = ent && ent->label ? zentity_field_index(ent, ent->label) : -1;
  if (label < 0 || !zfacts_key_column(facts, e))
    return NULL;
  int32_t r = zfacts_find_id(facts, e, id);
  const char *text = r >= 0 ? g_ptr_array_index(facts->tables[e].columns[label].str, r) : NULL;
  return text && *text ? text : NULL;
}

/* Record `id` of table `e`: by its key, or "#N" (1-based, as results name
 * records of an entity without a key); -1 when there is none. */
static int32_t record_by_id(const zjtx_facts *f, int32_t e, const char *id) {
  const ztable *t = &f->tables[e];
  if (zfacts_key_column(f, e))
    return zfacts_find_id(f, e, id);
  if (id[0] != '#' || !g_ascii_isdigit(id[1]))
    return -1;
  char *end;
  guint64 n = g_ascii_strtoull(id + 1, &end, 10);
  return *end || n == 0 || n > (guint64)t->n ? -1 : (int32_t)(n - 1);
}

/* A stored value as the carriers write it: money with 2 decimals, a rate
 * in percent, a date YYYY-MM-DD, a bool true/false, a code or text as is. */
static char *stored_text(const zjtx_facts *f, int32_t e, int32_t field, int32_t rec) {
  const zcolumn *c = &f->tables[e].columns[field];
  zval v = zfacts_get(f, e, field, rec);
  char buf[ZDEC_BUFSZ];
  switch (c->type) {
  case ZF_MONEY:
    return g_strdup(zdec_format(v.d, 2, buf));
  case ZF_RATE: {
    zdec percent = {v.d.m, v.d.scale - 2};
    return g_strdup(zdec_format(percent, -1, buf));
  }
  case ZF_COUNT:
  case ZF_NUMBER:
    return g_strdup(zdec_format(v.d, -1, buf));
  case ZF_DATE:
    return g_strdup(zdate_format(v.date, buf));
  case ZF_BOOL:
    return g_strdup(v.b ? "true" : "false");
  case ZF_CODE: {
    const zfield *fd = zentity_field(zpolicy_entity(f->policy, e), field);
    const zcodeset *cs = g_ptr_array_index(f->policy->codesets, fd->codeset);
    return g_strdup(g_ptr_array_index(cs->values, v.code));
  }
  default: /* text, and a reference by the id as written */
    return g_strdup(g_ptr_array_index(c->str, rec));
  }
}

zjtx_status zjtx_facts_field_value(const zjtx_facts *facts, const char *entity, const char *id, const char *field,
                                   char **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!facts || !entity || !id || !field || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "zjtx_facts_field_value: facts, entity, id, field and out must not be NULL");
  if (!facts->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the facts are not finished (zjtx_facts_finish)");
  int32_t e = zpolicy_entity_index(facts->policy, entity);
  if (e < 0)
    return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "the policy declares no entity \"%s\"", entity);
  const zentity *ent = zpolicy_entity(facts->policy, e);
  int32_t rec = record_by_id(facts, e, id);
  if (rec < 0)
    return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "no %s record has the id \"%s\"", entity, id);
  if (ent->parent >= 0 && ent->parent_key && strcmp(field, ent->parent_key) == 0) {
    char buf[32];
    int32_t parent = g_array_index(facts->tables[e].parent, int32_t, rec);
    *out = g_strdup(zfacts_record_id(facts, ent->parent, parent, buf));
    return ZJTX_OK;
  }
  int32_t fi = zentity_field_index(ent, field);
  if (fi < 0)
    return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "entity \"%s\" declares no field \"%s\"", entity, field);
  if (!zfacts_is_absent(facts, e, fi, rec))
    *out = stored_text(facts, e, fi, rec);
  return ZJTX_OK;
}

static char *entity_list(const struct zjtx_policy *p) {
  g_autoptr(GString) s = g_string_new(NULL);
  for (guint i = 0; i < p->entities->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", zpolicy_entity(p, (int32_t)i)->name);
  return g_string_free(g_steal_pointer(&s), FALSE);
}

zjtx_status zjtx_facts_add_record(zjtx_facts *facts, const char *entity, const char *const *names,
                                  const char *const *values, size_t n, zjtx_error **err) {
  if (!facts || !entity || (n > 0 && (!names || !values)))
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "zjtx_facts_add_record: facts, entity, names and values must not be NULL");
  int32_t e = zpolicy_entity_index(facts->policy, entity);
  if (e < 0) {
    g_autofree char *list = entity_list(facts->policy);
    return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL, "the policy declares no entity \"%s\" (it declares: %s)",
                    entity, list);
  }
  zjtx_error *errs = NULL;
  if (zfacts_add_record(facts, e, NULL, names, values, n, NULL, &errs))
    return ZJTX_OK;
  return zerr_give(err, errs);
}

/* ---- keep-going, rejects, reconciliation --------------------------------- */

zjtx_status zjtx_facts_set_keep_going(zjtx_facts *facts, int keep_going, zjtx_error **err) {
  if (!facts)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "facts is NULL");
  if (facts->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the facts are already finished");
  facts->keep_going = keep_going != 0;
  return ZJTX_OK;
}

/* A limit set on unfinished facts: at least one byte. */
static zjtx_status set_limit(zjtx_facts *facts, size_t *limit, size_t bytes, const char *what, zjtx_error **err) {
  if (!facts)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "facts is NULL");
  if (facts->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the facts are already finished");
  if (bytes == 0)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the %s limit must be at least 1 byte", what);
  *limit = bytes;
  return ZJTX_OK;
}

zjtx_status zjtx_facts_set_max_field_bytes(zjtx_facts *facts, size_t bytes, zjtx_error **err) {
  return set_limit(facts, facts ? &facts->max_field : NULL, bytes, "field", err);
}

zjtx_status zjtx_facts_set_max_line_bytes(zjtx_facts *facts, size_t bytes, zjtx_error **err) {
  return set_limit(facts, facts ? &facts->max_line : NULL, bytes, "line", err);
}

/* The i-th reject over all tables, in entity order; its entity in *entity. */
static const zreject *reject_at(const zjtx_facts *f, size_t i, int32_t *entity) {
  for (guint e = 0; f && e < f->policy->entities->len; e++) {
    GArray *r = f->tables[e].rejects;
    if (i < r->len) {
      if (entity)
        *entity = (int32_t)e;
      return &g_array_index(r, zreject, i);
    }
    i -= r->len;
  }
  return NULL;
}

size_t zjtx_facts_reject_count(const zjtx_facts *f) {
  size_t n = 0;
  for (guint e = 0; f && e < f->policy->entities->len; e++)
    n += f->tables[e].rejects->len;
  return n;
}

const char *zjtx_facts_reject_entity(const zjtx_facts *f, size_t i) {
  int32_t e;
  return reject_at(f, i, &e) ? zpolicy_entity(f->policy, e)->name : NULL;
}
const char *zjtx_facts_reject_file(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->file : NULL;
}
int zjtx_facts_reject_line(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->line : 0;
}
const char *zjtx_facts_reject_id(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->id : NULL;
}
const char *zjtx_facts_reject_field(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->field : NULL;
}
const char *zjtx_facts_reject_value(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->value : NULL;
}
const char *zjtx_facts_reject_reason(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->reason : NULL;
}

zjtx_status zjtx_facts_reconcile(const zjtx_facts *f, const char *entity, int64_t *read, int64_t *accepted,
                                 int64_t *refused) {
  int32_t e = f && entity ? zpolicy_entity_index(f->policy, entity) : -1;
  if (e < 0)
    return ZJTX_ERR_NOT_FOUND;
  const ztable *t = &f->tables[e];
  if (read)
    *read = t->read;
  if (accepted)
    *accepted = t->n;
  if (refused)
    *refused = t->rejected;
  return ZJTX_OK;
}

void zjtx_facts_progress(const zjtx_facts *f, uint64_t *records, uint64_t *bytes, uint64_t *total_bytes) {
  if (records)
    *records = f ? __atomic_load_n(&f->progress_records, __ATOMIC_RELAXED) : 0;
  if (bytes)
    *bytes = f ? __atomic_load_n(&f->progress_bytes, __ATOMIC_RELAXED) : 0;
  if (total_bytes)
    *total_bytes = f ? __atomic_load_n(&f->progress_total, __ATOMIC_RELAXED) : 0;
}
