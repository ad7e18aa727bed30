/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-table.c - one table per entity: its typed columns, its rejects, its key column.
 *
 * The bottom of the facts store: every other facts file calls these, and
 * they call no other facts file. */
#include "facts-internal.h"

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

void zfacts_table_init(ztable *t, const zentity *e) {
  t->entity = e->index;
  t->columns = g_new0(zcolumn, e->fields->len);
  for (guint i = 0; i < e->fields->len; i++)
    column_init(&t->columns[i], zentity_field(e, (int32_t)i));
  if (e->parent >= 0) {
    t->parent = g_array_new(FALSE, FALSE, sizeof(int32_t));
    t->parent_text = g_ptr_array_new();
    t->parent_strings = g_string_chunk_new(1 << 20); /* large blocks: given back whole at finish */
  }
  t->where_line = g_array_new(FALSE, FALSE, sizeof(int32_t));
  t->where_file = g_ptr_array_new();
  t->strings = g_string_chunk_new(64 * 1024);
  t->rejects = g_array_new(FALSE, FALSE, sizeof(zreject));
  t->rejected_ids = g_hash_table_new(g_str_hash, g_str_equal);
}

void zfacts_table_clear(ztable *t, const zentity *e) {
  for (guint i = 0; t->columns && i < e->fields->len; i++)
    column_clear(&t->columns[i]);
  g_free(t->columns);
  g_clear_pointer(&t->parent, g_array_unref);
  g_clear_pointer(&t->parent_text, g_ptr_array_unref);
  g_clear_pointer(&t->parent_strings, g_string_chunk_free);
  g_clear_pointer(&t->where_line, g_array_unref);
  g_clear_pointer(&t->where_file, g_ptr_array_unref);
  g_clear_pointer(&t->by_key, zkeys_free);
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

/* ---- reading ids --------------------------------------------------------- */

const char *zfacts_record_id(const struct zjtx_facts *f, int32_t entity, int32_t rec, char *buf) {
  GPtrArray *keys = zfacts_key_column(f, entity);
  if (keys)
    return g_ptr_array_index(keys, rec);
  g_snprintf(buf, 32, "#%d", rec + 1);
  return buf;
}
