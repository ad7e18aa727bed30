/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts.c - the facts store: tables of typed columns, rejects, the public API around them.
 *
 * Checking and storing one record is in facts-record.c, resolving and
 * indexing at finish in facts-finish.c, the carriers in facts-json.c and
 * facts-csv.c. */
#include "facts-internal.h"

#include <string.h>

/* Longest stretch of a value quoted in a message, in bytes. */
#define QUOTE_MAX 120

/* ---- columns and tables -------------------------------------------------- */

static int32_t column_scale(zfield_type t) {
  switch (t) {
  case ZF_MONEY:
    return MONEY_SCALE;
  case ZF_RATE:
    return RATE_SCALE;
  case ZF_NUMBER:
    return NUMBER_SCALE;
  default:
    return 0;
  }
}

static void column_init(zcolumn *c, const zfield *fd) {
  c->type = fd->type;
  c->scale = column_scale(fd->type);
  switch (fd->type) {
  case ZF_MONEY:
  case ZF_RATE:
  case ZF_COUNT:
  case ZF_NUMBER:
    c->i64 = g_array_new(FALSE, FALSE, sizeof(int64_t));
    break;
  case ZF_DATE:
  case ZF_CODE:
    c->i32 = g_array_new(FALSE, FALSE, sizeof(int32_t));
    break;
  case ZF_REF: /* the id text now, the record index (i32) at finish */
    c->str = g_ptr_array_new();
    c->i32 = g_array_new(FALSE, FALSE, sizeof(int32_t));
    break;
  case ZF_BOOL:
    c->u8 = g_array_new(FALSE, FALSE, sizeof(uint8_t));
    break;
  case ZF_TEXT:
    c->str = g_ptr_array_new();
    break;
  }
}

static void column_clear(zcolumn *c) {
  g_clear_pointer(&c->i64, g_array_unref);
  g_clear_pointer(&c->i32, g_array_unref);
  g_clear_pointer(&c->u8, g_array_unref);
  g_clear_pointer(&c->str, g_ptr_array_unref);
}

static void table_init(ztable *t, const zentity *e) {
  t->entity = e->index;
  t->columns = g_new0(zcolumn, e->fields->len);
  for (guint i = 0; i < e->fields->len; i++)
    column_init(&t->columns[i], zentity_field(e, (int32_t)i));
  if (e->parent >= 0) {
    t->parent = g_array_new(FALSE, FALSE, sizeof(int32_t));
    t->parent_text = g_ptr_array_new();
  }
  t->where_line = g_array_new(FALSE, FALSE, sizeof(int32_t));
  t->where_file = g_ptr_array_new();
  t->strings = g_string_chunk_new(64 * 1024);
  t->rejects = g_array_new(FALSE, FALSE, sizeof(zreject));
  t->rejected_ids = g_hash_table_new(g_str_hash, g_str_equal);
}

static void table_clear(ztable *t, const zentity *e) {
  for (guint i = 0; t->columns && i < e->fields->len; i++)
    column_clear(&t->columns[i]);
  g_free(t->columns);
  g_clear_pointer(&t->parent, g_array_unref);
  g_clear_pointer(&t->parent_text, g_ptr_array_unref);
  g_clear_pointer(&t->where_line, g_array_unref);
  g_clear_pointer(&t->where_file, g_ptr_array_unref);
  g_clear_pointer(&t->by_key, g_hash_table_unref);
  g_clear_pointer(&t->rejects, g_array_unref);
  g_clear_pointer(&t->rejected_ids, g_hash_table_unref);
  g_clear_pointer(&t->strings, g_string_chunk_free);
  g_clear_pointer(&t->stop, zjtx_error_free);
}

/* ---- rejects -------------------------------------------------------------- */

static const char *table_text(ztable *t, const char *s) {
  return s ? g_string_chunk_insert_const(t->strings, s) : NULL;
}

void zfacts_add_reject(ztable *t, const char *file, int line, const char *id, const char *field, const char *value,
                       const char *reason) {
  zreject r = {table_text(t, file),  line, table_text(t, id), table_text(t, field), table_text(t, value),
               table_text(t, reason)};
  g_array_append_val(t->rejects, r);
}

void zfacts_reject(struct zjtx_facts *f, int32_t entity, const char *file, int line, const char *id, const char *field,
                   const char *value, const char *reason) {
  zfacts_add_reject(&f->tables[entity], file, line, id, field, value, reason);
}

void zfacts_refuse_record(struct zjtx_facts *f, int32_t entity, const char *id) {
  ztable *t = &f->tables[entity];
  t->read++;
  t->rejected++;
  if (id)
    g_hash_table_add(t->rejected_ids, (gpointer)table_text(t, id));
}

/* The column holding the record ids, or NULL when the entity has none.
 * Ids are text: the policy loader declares key fields as text. */
GPtrArray *zfacts_key_column(const struct zjtx_facts *f, int32_t entity) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  if (e->key_field < 0 || zentity_field(e, e->key_field)->type != ZF_TEXT)
    return NULL;
  return f->tables[entity].columns[e->key_field].str;
}

/* ---- quoting untrusted text ---------------------------------------------- */

/* The named escapes a message writes (as C does). */
static char named_escape(unsigned char c) {
  switch (c) {
  case '\b':
    return 'b';
  case '\f':
    return 'f';
  case '\n':
    return 'n';
  case '\r':
    return 'r';
  case '\t':
    return 't';
  case '\v':
    return 'v';
  case '"':
    return '"';
  case '\\':
    return '\\';
  default:
    return 0;
  }
}

/* Appends `s` escaped: control characters (C0, DEL and, in UTF-8 text, C1:
 * what moves or recolours a terminal) as \u00XX, the bytes of text that is
 * not UTF-8 as octal, quotes and backslashes (unless kept) as \" and \\. */
static void append_escaped(GString *out, const char *s, bool utf8, bool keep_quotes) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char named = named_escape(*p);
    if (named && !(keep_quotes && (*p == '"' || *p == '\\')))
      g_string_append_printf(out, "\\%c", named);
    else if (*p < 0x20 || *p == 0x7F)
      g_string_append_printf(out, "\\u%04x", *p);
    else if (utf8 && *p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
      g_string_append_printf(out, "\\u%04x", *++p); /* U+0080..U+009F */
    else if (!utf8 && *p >= 0x80)
      g_string_append_printf(out, "\\%03o", *p);
    else
      g_string_append_c(out, (char)*p);
  }
}

char *zfacts_escape_max(const char *s, size_t max, bool keep_quotes) {
  size_t len = strlen(s), cut = len;
  if (cut > max) {
    cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
      cut--; /* not in the middle of a UTF-8 sequence */
  }
  g_autofree char *head = g_strndup(s, cut);
  GString *out = g_string_sized_new(cut + 8);
  /* non-ASCII passes through when the text is UTF-8 (Chinese names) */
  append_escaped(out, head, g_utf8_validate(head, -1, NULL), keep_quotes);
  if (cut < len)
    g_string_append(out, "...");
  return g_string_free(out, FALSE);
}

/* `s` escaped so that a message stays one line of valid UTF-8 that no
 * terminal acts on, and cut short when long: values come from untrusted
 * input. */
char *zfacts_escape(const char *s) {
  return zfacts_escape_max(s, QUOTE_MAX, false);
}

/* `s` escaped and in double quotes: how messages show a value. */
char *zfacts_quote(const char *s) {
  g_autofree char *esc = zfacts_escape(s);
  return g_strdup_printf("\"%s\"", esc);
}

/* ---- the public record API ----------------------------------------------- */

zjtx_status zjtx_facts_new(zjtx_policy *policy, zjtx_facts **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!policy || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "zjtx_facts_new: policy and out must not be NULL");
  zjtx_facts *f = g_new0(zjtx_facts, 1);
  f->policy = zjtx_policy_ref(policy);
  f->strings = g_string_chunk_new(4096);
  f->max_field = ZFACTS_MAX_FIELD_DEFAULT;
  f->max_line = ZFACTS_MAX_LINE_DEFAULT;
  f->tables = g_new0(ztable, policy->entities->len);
  for (guint i = 0; i < policy->entities->len; i++)
    table_init(&f->tables[i], zpolicy_entity(policy, (int32_t)i));
  *out = f;
  return ZJTX_OK;
}

void zjtx_facts_free(zjtx_facts *facts) {
  if (!facts)
    return;
  zfacts_free_relations(facts);
  g_free(facts->identity);
  for (guint i = 0; i < facts->policy->entities->len; i++)
    table_clear(&facts->tables[i], zpolicy_entity(facts->policy, (int32_t)i));
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

/* ---- reading ------------------------------------------------------------- */

const char *zfacts_record_id(const struct zjtx_facts *f, int32_t entity, int32_t rec, char *buf) {
  GPtrArray *keys = zfacts_key_column(f, entity);
  if (keys)
    return g_ptr_array_index(keys, rec);
  g_snprintf(buf, 32, "#%d", rec + 1);
  return buf;
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
