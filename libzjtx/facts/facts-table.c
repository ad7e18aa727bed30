/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-table.c - one table per entity: its typed columns, its rejects, its key column.
 *
 * The bottom of the facts store: every other facts file calls these, and
 * they call no other facts file. */
#include "facts-internal.h"

#include <string.h>

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
  for (guint i = 0; t->more_strings && i < t->more_strings->len; i++)
    g_string_chunk_free(g_ptr_array_index(t->more_strings, i));
  g_clear_pointer(&t->more_strings, g_ptr_array_unref);
  g_clear_pointer(&t->stop, zjtx_error_free);
}

/* ---- merging a table filled apart ------------------------------------------ */

/* Frees a large block shrunk first.  glibc serves a large malloc with its
 * own mapping, and when such a block is freed raises its threshold for that
 * to the block's size: the tables' arrays that grow after it would then grow
 * on the heap, copied at each doubling and leaving holes (measured: +20 MiB
 * resident after a million records read in two pieces).  A block shrunk to
 * a page first is freed below the threshold, which stays as it was. */
static void free_large(gpointer data) {
  g_free(g_realloc(data, 1));
}

/* Appends `from` to `to` and frees it: one column at a time, so that at most
 * one column is held twice while they move. */
static void move_array(GArray *to, GArray **from) {
  if (!*from)
    return;
  if ((*from)->len)
    g_array_append_vals(to, (*from)->data, (*from)->len);
  free_large(g_array_free(g_steal_pointer(from), FALSE));
}

static void move_ptrs(GPtrArray *to, GPtrArray **from) {
  if (!*from)
    return;
  if ((*from)->len) {
    guint at = to->len;
    g_ptr_array_set_size(to, (gint)(at + (*from)->len));
    memcpy(to->pdata + at, (*from)->pdata, sizeof(gpointer) * (*from)->len);
  }
  free_large(g_ptr_array_free(g_steal_pointer(from), FALSE));
}

/* The parent keys are copied rather than kept: finish gives the table's
 * parent_strings back whole (facts-finish.c), and these must go with them. */
static void move_parent_texts(ztable *t, ztable *part) {
  for (guint i = 0; i < part->parent_text->len; i++) {
    const char *s = g_ptr_array_index(part->parent_text, i);
    g_ptr_array_add(t->parent_text, s ? g_string_chunk_insert(t->parent_strings, s) : NULL);
  }
  g_clear_pointer(&part->parent_text, g_ptr_array_unref);
  g_clear_pointer(&part->parent_strings, g_string_chunk_free);
}

static void move_rejects(ztable *t, ztable *part, int32_t line_shift) {
  for (guint i = 0; i < part->rejects->len; i++) {
    zreject r = g_array_index(part->rejects, zreject, i);
    if (r.line > 0)
      r.line += line_shift;
    g_array_append_val(t->rejects, r);
  }
  GHashTableIter it;
  gpointer id;
  g_hash_table_iter_init(&it, part->rejected_ids);
  while (g_hash_table_iter_next(&it, &id, NULL))
    g_hash_table_add(t->rejected_ids, id);
}

bool zfacts_table_append(ztable *t, ztable *part, const zentity *e, int32_t line_shift) {
  if (part->n > INT32_MAX - 2 - t->n)
    return false;
  for (guint i = 0; i < e->fields->len; i++) {
    zcolumn *to = &t->columns[i], *from = &part->columns[i];
    if (to->i64)
      move_array(to->i64, &from->i64);
    if (to->i32)
      move_array(to->i32, &from->i32);
    if (to->u8)
      move_array(to->u8, &from->u8);
    if (to->str)
      move_ptrs(to->str, &from->str);
  }
  if (t->parent)
    move_array(t->parent, &part->parent);
  if (t->parent_text)
    move_parent_texts(t, part);
  guint at = t->where_line->len;
  move_array(t->where_line, &part->where_line);
  for (guint i = at; i < t->where_line->len; i++)
    if (g_array_index(t->where_line, int32_t, i) > 0)
      g_array_index(t->where_line, int32_t, i) += line_shift;
  move_ptrs(t->where_file, &part->where_file);
  move_rejects(t, part, line_shift);
  t->n += part->n;
  t->read += part->read;
  t->rejected += part->rejected;
  if (!t->stop)
    t->stop = g_steal_pointer(&part->stop);
  /* the texts stay where they are: records and rejects point into them */
  if (!t->more_strings)
    t->more_strings = g_ptr_array_new();
  g_ptr_array_add(t->more_strings, g_steal_pointer(&part->strings));
  zfacts_table_clear(part, e);
  return true;
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
  zfacts_table_refuse(&f->tables[entity], id);
}

void zfacts_table_refuse(ztable *t, const char *id) {
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
