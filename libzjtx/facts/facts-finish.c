/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-finish.c - finishing facts: ids, references and parents resolved, duplicates found (of ids and of the
 * entities' <unique> fields), relations indexed. */
#include "facts-internal.h"

#include <inttypes.h>
#include <string.h>

#include "date.h"
#include "decimal.h"

/* ---- messages about stored records ---------------------------------------- */

/* "school #3" or "school #3 (S1)": how finish names a stored record. */
static char *record_label(const struct zjtx_facts *f, int32_t entity, int32_t rec) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  GPtrArray *keys = zfacts_key_column(f, entity);
  if (!keys)
    return g_strdup_printf("%s #%d", e->name, rec + 1);
  g_autofree char *id = zfacts_escape(g_ptr_array_index(keys, rec));
  return g_strdup_printf("%s #%d (%s)", e->name, rec + 1, id);
}

/* "file.json:12" / "line 12" / "record #4": where a stored record came from. */
static char *record_where(const ztable *t, int32_t rec) {
  const char *file = g_ptr_array_index(t->where_file, rec);
  int line = g_array_index(t->where_line, int32_t, rec);
  if (file && line > 0)
    return g_strdup_printf("%s:%d", file, line);
  if (line > 0)
    return g_strdup_printf("line %d", line);
  return g_strdup_printf("record #%d", rec + 1);
}

/* An error about stored record `rec`, positioned where it came from. */
static void G_GNUC_PRINTF(7, 8)
    stored_error(const struct zjtx_facts *f, int32_t entity, int32_t rec, zjtx_error ***errs, const char *field,
                 const char *value, const char *fmt, ...) {
  ztable *t = &f->tables[entity];
  g_autofree char *label = record_label(f, entity, rec);
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  GPtrArray *keys = zfacts_key_column(f, entity);
  zfacts_add_reject(t, g_ptr_array_index(t->where_file, rec), g_array_index(t->where_line, int32_t, rec),
                    keys ? g_ptr_array_index(keys, rec) : NULL, field, value, msg);
  if (errs)
    zfacts_append_error(errs, zerr_new(ZJTX_ERR_FACTS, g_ptr_array_index(t->where_file, rec),
                                       g_array_index(t->where_line, int32_t, rec), 0, NULL, "%s: %s", label, msg));
}

/* ---- finishing ----------------------------------------------------------- */

/* Records to refuse while finishing in keep-going mode: 1 for a duplicate
 * id (the first record keeps it), 2 for anything else (its id is refused). */
enum { KEEP = 0, DROP_DUPLICATE = 1, DROP = 2 };

/* Ids are unique per entity; the first of two records keeps the id. */
static void build_keys(struct zjtx_facts *f, int32_t entity, zjtx_error ***errs, uint8_t *drop) {
  ztable *t = &f->tables[entity];
  GPtrArray *keys = zfacts_key_column(f, entity);
  g_clear_pointer(&t->by_key, zkeys_free);
  if (!keys)
    return;
  t->by_key = zkeys_new(keys, t->n);
  int32_t firsts[4096];
  for (int32_t r = 0; r < t->n; r++) {
    if (r % (int32_t)G_N_ELEMENTS(firsts) == 0)
      zkeys_add_many(t->by_key, r, MIN(t->n - r, (int32_t)G_N_ELEMENTS(firsts)), firsts);
    int32_t first = firsts[r % (int32_t)G_N_ELEMENTS(firsts)];
    if (first < 0)
      continue;
    const char *id = g_ptr_array_index(keys, r);
    g_autofree char *q = zfacts_quote(id);
    g_autofree char *w1 = record_where(t, first), *w2 = record_where(t, r);
    stored_error(f, entity, r, errs,
                 zentity_field(zpolicy_entity(f->policy, entity), zpolicy_entity(f->policy, entity)->key_field)->name,
                 id, "duplicate id %s (first at %s, again at %s)", q, w1, w2);
    if (drop)
      drop[r] = DROP_DUPLICATE;
  }
}

/* Resolves the id texts `texts` to records of `target` into `out`. */
static void resolve(struct zjtx_facts *f, int32_t entity, const char *field, GPtrArray *texts, int32_t target,
                    GArray *out, zjtx_error ***errs, uint8_t *drop) {
  const ztable *t = &f->tables[entity];
  const zentity *te = zpolicy_entity(f->policy, target);
  g_array_set_size(out, (guint)t->n);
  zkeys_find_many(f->tables[target].by_key, (const char *const *)texts->pdata, (size_t)t->n,
                  (int32_t *)(void *)out->data);
  for (int32_t r = 0; r < t->n; r++) {
    const char *key = g_ptr_array_index(texts, r);
    if (!key)
      g_array_index(out, int32_t, r) = ABSENT_INDEX;
    if (!key || g_array_index(out, int32_t, r) >= 0 || (drop && drop[r]))
      continue;
    g_autofree char *q = zfacts_quote(key);
    if (g_hash_table_contains(f->tables[target].rejected_ids, key))
      stored_error(f, entity, r, errs, field, key, "field \"%s\": %s names a %s that was refused (see its own problem)",
                   field, q, te->name);
    else
      stored_error(f, entity, r, errs, field, key, "field \"%s\": %s is not the id of any %s%s", field, q, te->name,
                   f->tables[target].by_key ? "" : " (it has no id field)");
    if (drop)
      drop[r] = DROP;
  }
}

static void resolve_entity(struct zjtx_facts *f, int32_t entity, zjtx_error ***errs, uint8_t *drop) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  ztable *t = &f->tables[entity];
  if (e->parent >= 0)
    resolve(f, entity, e->parent_key, t->parent_text, e->parent, t->parent, errs, drop);
  for (guint i = 0; i < e->fields->len; i++) {
    const zfield *fd = zentity_field(e, (int32_t)i);
    if (fd->type == ZF_REF)
      resolve(f, entity, fd->name, t->columns[i].str, fd->ref_entity, t->columns[i].i32, errs, drop);
  }
}

/* ---- one step for every entity, on several threads ------------------------- */

/* Building the ids' indexes, then resolving references, touch only the
 * entity at hand (its table, its rejects) and read the others' finished
 * indexes: each step runs for every entity at once, the largest tables
 * first, on up to one thread per processor.  Each entity's errors go into
 * a chain of its own, joined in entity order: the messages come in the
 * order one thread gives them. */
typedef void (*zfinish_step)(struct zjtx_facts *f, int32_t entity, zjtx_error ***errs, uint8_t *drop);

typedef struct {
  struct zjtx_facts *f;
  zfinish_step step;
  const int32_t *order; /* entities, largest first */
  gint next;            /* the next index into order (atomic) */
  zjtx_error **chains;  /* per entity */
} zfinish_work;

/* Below this many records in all, finishing stays on the calling thread. */
#define FINISH_PARALLEL_MIN 16384

static gpointer finish_worker(gpointer data) {
  zfinish_work *w = data;
  gint n = (gint)w->f->policy->entities->len, i;
  while ((i = g_atomic_int_add(&w->next, 1)) < n) {
    int32_t e = w->order[i];
    zjtx_error **tail = &w->chains[e];
    w->step(w->f, e, &tail, NULL);
  }
  return NULL;
}

static gint larger_first(gconstpointer a, gconstpointer b, gpointer data) {
  const struct zjtx_facts *f = data;
  int32_t x = f->tables[*(const int32_t *)a].n, y = f->tables[*(const int32_t *)b].n;
  return (x < y) - (x > y);
}

static void each_entity(struct zjtx_facts *f, zfinish_step step, zjtx_error ***tail) {
  guint n = f->policy->entities->len;
  int64_t records = 0;
  for (guint e = 0; e < n; e++)
    records += f->tables[e].n;
  guint threads = MIN(MIN(g_get_num_processors(), 8u), n);
  if (threads < 2 || records < FINISH_PARALLEL_MIN) {
    for (guint e = 0; e < n; e++)
      step(f, (int32_t)e, tail, NULL);
    return;
  }
  g_autofree int32_t *order = g_new(int32_t, n);
  for (guint e = 0; e < n; e++)
    order[e] = (int32_t)e;
  g_qsort_with_data(order, (gint)n, sizeof *order, larger_first, f);
  zfinish_work w = {f, step, order, 0, g_new0(zjtx_error *, n)};
  g_autofree GThread **running = g_new0(GThread *, threads);
  for (guint k = 1; k < threads; k++) /* a thread that cannot start leaves its share to the others */
    running[k] = g_thread_try_new("zjtx-finish", finish_worker, &w, NULL);
  finish_worker(&w);
  for (guint k = 1; k < threads; k++)
    if (running[k])
      g_thread_join(running[k]);
  for (guint e = 0; e < n; e++)
    if (w.chains[e])
      zfacts_append_error(tail, w.chains[e]);
  g_free(w.chains);
}

/* ---- <unique fields="..."> ---------------------------------------------------- */

/* A stored value as a person wrote it (a rate in percent); a text quoted
 * (zfacts_quote) when `quote`. */
static char *stored_text(const struct zjtx_facts *f, int32_t entity, int32_t field, int32_t rec, bool quote) {
  const zcolumn *c = &f->tables[entity].columns[field];
  const zfield *fd = zentity_field(zpolicy_entity(f->policy, entity), field);
  char buf[ZDEC_BUFSZ];
  switch (c->type) {
  case ZF_MONEY:
  case ZF_RATE:
  case ZF_COUNT:
  case ZF_NUMBER: {
    zdec d = {((const int64_t *)(const void *)c->i64->data)[rec], c->type == ZF_RATE ? RATE_WRITTEN : c->scale};
    return g_strdup(zdec_format(d, -1, buf));
  }
  case ZF_DATE:
    return g_strdup(zdate_format(((const int32_t *)(const void *)c->i32->data)[rec], buf));
  case ZF_CODE: {
    const zcodeset *cs = g_ptr_array_index(f->policy->codesets, fd->codeset);
    const char *code = g_ptr_array_index(cs->values, ((const int32_t *)(const void *)c->i32->data)[rec]);
    return quote ? zfacts_quote(code) : g_strdup(code);
  }
  case ZF_BOOL:
    return g_strdup(c->u8->data[rec] ? "true" : "false");
  default: /* text, and a reference as its id was written */
    return quote ? zfacts_quote(g_ptr_array_index(c->str, rec)) : g_strdup(g_ptr_array_index(c->str, rec));
  }
}

/* What makes two records the same for u: the parent, then each value,
 * each text with its length before it (no separator can be faked). */
static char *unique_key(const struct zjtx_facts *f, int32_t entity, const zunique *u, int32_t rec) {
  const ztable *t = &f->tables[entity];
  g_autoptr(GString) key = g_string_new(NULL);
  if (t->parent && t->parent->len)
    g_string_append_printf(key, "%" PRId32 "|", g_array_index(t->parent, int32_t, rec));
  for (guint i = 0; i < u->fields->len; i++) {
    int32_t field = g_array_index(u->fields, int32_t, i);
    if (zfacts_is_absent(f, entity, field, rec))
      return NULL; /* a missing value is never a duplicate */
    g_autofree char *v = stored_text(f, entity, field, rec, false);
    g_string_append_printf(key, "%zu:%s|", strlen(v), v);
  }
  return g_string_free(g_steal_pointer(&key), FALSE);
}

/* "year=2025" or "year=2025 quarter=3"; the field names of u, "year, quarter". */
static void unique_words(const struct zjtx_facts *f, int32_t entity, const zunique *u, int32_t rec, GString *values,
                         GString *names) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  for (guint i = 0; i < u->fields->len; i++) {
    int32_t field = g_array_index(u->fields, int32_t, i);
    g_autofree char *v = stored_text(f, entity, field, rec, true);
    g_string_append_printf(values, "%s%s=%s", i ? " " : "", zentity_field(e, field)->name, v);
    g_string_append_printf(names, "%s%s", i ? ", " : "", zentity_field(e, field)->name);
  }
}

static void duplicate_error(struct zjtx_facts *f, int32_t entity, const zunique *u, int32_t first, int32_t rec,
                            zjtx_error ***errs) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  const ztable *t = &f->tables[entity];
  g_autoptr(GString) values = g_string_new(NULL);
  g_autoptr(GString) names = g_string_new(NULL);
  unique_words(f, entity, u, rec, values, names);
  g_autofree char *w1 = record_where(t, first), *w2 = record_where(t, rec);
  g_autofree char *within = NULL, *per = NULL;
  if (e->parent >= 0 && t->parent && t->parent->len) {
    g_autofree char *owner = record_label(f, e->parent, g_array_index(t->parent, int32_t, rec));
    within = g_strdup_printf(" within %s", owner);
    per = g_strdup_printf("%s and ", zpolicy_entity(f->policy, e->parent)->name);
  }
  /* the rejects list the value as written: one field's, or all of them */
  int32_t field0 = g_array_index(u->fields, int32_t, 0);
  g_autofree char *value = u->fields->len == 1 ? stored_text(f, entity, field0, rec, false) : g_strdup(values->str);
  stored_error(f, entity, rec, errs, u->fields->len == 1 ? zentity_field(e, field0)->name : names->str, value,
               "duplicate %s%s (first at %s, again at %s): expected at most one %s per %s%s", values->str,
               within ? within : "", w1, w2, e->name, per ? per : "", names->str);
}

/* Each <unique> of the entity: the first record keeps its values, a later
 * one with the same values (and parent) is refused.  Records already
 * refused, and children whose parent did not resolve, take no part. */
static void check_unique(struct zjtx_facts *f, int32_t entity, zjtx_error ***errs, uint8_t *drop) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  const ztable *t = &f->tables[entity];
  for (guint k = 0; e->unique && k < e->unique->len; k++) {
    const zunique *u = g_ptr_array_index(e->unique, k);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (int32_t r = 0; r < t->n && u->fields->len; r++) {
      if ((drop && drop[r]) || (e->parent >= 0 && (!t->parent || g_array_index(t->parent, int32_t, r) < 0)))
        continue;
      char *key = unique_key(f, entity, u, r);
      int32_t first = key ? GPOINTER_TO_INT(g_hash_table_lookup(seen, key)) - 1 : -1;
      if (key && first < 0) {
        g_hash_table_insert(seen, key, GINT_TO_POINTER(r + 1));
        continue;
      }
      g_free(key);
      if (first < 0)
        continue;
      duplicate_error(f, entity, u, first, r, errs);
      if (drop)
        drop[r] = DROP;
    }
  }
}

/* Keeps the elements of `a` (of `size` bytes each) whose drop flag is 0. */
static void compact_array(GArray *a, const uint8_t *drop, int32_t n) {
  if (!a || a->len == 0)
    return;
  guint size = g_array_get_element_size(a), kept = 0;
  for (int32_t r = 0; r < n; r++)
    if (!drop[r])
      memmove(a->data + (gsize)kept++ * size, a->data + (gsize)r * size, size);
  g_array_set_size(a, kept);
}

static void compact_ptrs(GPtrArray *a, const uint8_t *drop, int32_t n) {
  if (!a || a->len == 0)
    return;
  guint kept = 0;
  for (int32_t r = 0; r < n; r++)
    if (!drop[r])
      a->pdata[kept++] = a->pdata[r];
  g_ptr_array_set_size(a, (gint)kept);
}

/* Removes the dropped records of a table; returns how many. */
static int32_t table_compact(struct zjtx_facts *f, int32_t entity, const uint8_t *drop) {
  ztable *t = &f->tables[entity];
  const zentity *e = zpolicy_entity(f->policy, entity);
  GPtrArray *keys = zfacts_key_column(f, entity);
  int32_t dropped = 0;
  for (int32_t r = 0; r < t->n; r++) {
    if (!drop[r])
      continue;
    dropped++;
    if (keys && drop[r] == DROP)
      g_hash_table_add(t->rejected_ids, g_ptr_array_index(keys, r));
  }
  if (!dropped)
    return 0;
  for (guint i = 0; i < e->fields->len; i++) {
    zcolumn *c = &t->columns[i];
    compact_array(c->i64, drop, t->n);
    compact_array(c->i32, drop, t->n);
    compact_array(c->u8, drop, t->n);
    compact_ptrs(c->str, drop, t->n);
  }
  compact_array(t->parent, drop, t->n);
  compact_ptrs(t->parent_text, drop, t->n);
  compact_array(t->where_line, drop, t->n);
  compact_ptrs(t->where_file, drop, t->n);
  t->n -= dropped;
  t->rejected += dropped;
  return dropped;
}

/* CSR of `owner_of` (the owner of each of n_items records, -1: none), by a
 * counting sort that keeps each owner's items in record order. */
static void csr_build(zcsr *c, int32_t n_owner, const int32_t *owner_of, int32_t n_items) {
  c->offsets = g_new0(int32_t, (gsize)n_owner + 1);
  for (int32_t i = 0; i < n_items; i++)
    if (owner_of[i] >= 0)
      c->offsets[owner_of[i] + 1]++;
  for (int32_t o = 0; o < n_owner; o++)
    c->offsets[o + 1] += c->offsets[o];
  c->items = g_new(int32_t, (gsize)c->offsets[n_owner] + 1);
  g_autofree int32_t *next = g_memdup2(c->offsets, sizeof(int32_t) * ((gsize)n_owner + 1));
  for (int32_t i = 0; i < n_items; i++)
    if (owner_of[i] >= 0)
      c->items[next[owner_of[i]]++] = i;
}

/* The owner of each target record: its parent, or what its `via` field
 * names.  NULL when the relation does not fit the entities. */
static const GArray *relation_owners(const struct zjtx_facts *f, const zrelation *rel) {
  const zentity *te = zpolicy_entity(f->policy, rel->target);
  const ztable *t = &f->tables[rel->target];
  if (rel->kind == ZREL_CHILDREN)
    return te->parent == rel->owner ? t->parent : NULL;
  if (rel->via_field < 0 || (guint)rel->via_field >= te->fields->len)
    return NULL;
  const zfield *via = zentity_field(te, rel->via_field);
  if (via->type != ZF_REF || via->ref_entity != rel->owner)
    return NULL;
  return t->columns[rel->via_field].i32;
}

static bool build_relations(struct zjtx_facts *f, zjtx_error **errs) {
  GPtrArray *rels = f->policy->relations;
  f->relations = g_new0(zcsr, rels->len);
  for (guint i = 0; i < rels->len; i++) {
    const zrelation *rel = g_ptr_array_index(rels, i);
    const GArray *owners = relation_owners(f, rel);
    if (!owners) {
      zerr_append(errs, zerr_new(ZJTX_ERR_POLICY, NULL, 0, 0, NULL,
                                 "relation \"%s\" does not match its entities' declarations", rel->name));
      return false;
    }
    csr_build(&f->relations[i], f->tables[rel->owner].n, (const int32_t *)(void *)owners->data,
              f->tables[rel->target].n);
  }
  return true;
}

void zfacts_free_relations(struct zjtx_facts *f) {
  for (guint i = 0; f->relations && i < f->policy->relations->len; i++) {
    g_free(f->relations[i].offsets);
    g_free(f->relations[i].items);
  }
  g_clear_pointer(&f->relations, g_free);
}

/* Keep-going mode: refuse duplicates and records whose parent or reference
 * does not resolve, then again for records that pointed at those, until
 * every remaining record resolves. */
static void finish_keep_going(struct zjtx_facts *f) {
  guint n = f->policy->entities->len;
  for (;;) {
    uint8_t **drop = g_new0(uint8_t *, n);
    for (guint e = 0; e < n; e++)
      drop[e] = g_new0(uint8_t, (gsize)f->tables[e].n + 1);
    for (guint e = 0; e < n; e++)
      build_keys(f, (int32_t)e, NULL, drop[e]);
    for (guint e = 0; e < n; e++)
      resolve_entity(f, (int32_t)e, NULL, drop[e]);
    for (guint e = 0; e < n; e++)
      check_unique(f, (int32_t)e, NULL, drop[e]);
    int32_t dropped = 0;
    for (guint e = 0; e < n; e++) {
      dropped += table_compact(f, (int32_t)e, drop[e]);
      g_free(drop[e]);
    }
    g_free(drop);
    if (!dropped)
      return;
  }
}

/* What only resolving needed, given back before the relations are built
 * (the peak of a large load): the parent keys as written, now parent
 * indexes, each record's file, for the errors resolving reports, and the
 * indexes of ids (evaluation never needs them; a lookup by id afterwards
 * builds its table's again, zfacts_find_id). */
static void drop_finishing_texts(struct zjtx_facts *f) {
  f->resolved = true;
  for (guint e = 0; e < f->policy->entities->len; e++) {
    g_clear_pointer(&f->tables[e].by_key, zkeys_free);
    g_clear_pointer(&f->tables[e].parent_text, g_ptr_array_unref);
    g_clear_pointer(&f->tables[e].parent_strings, g_string_chunk_free);
    g_clear_pointer(&f->tables[e].where_file, g_ptr_array_unref);
  }
}

zjtx_status zjtx_facts_finish(zjtx_facts *facts, zjtx_error **err) {
  if (!facts)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "zjtx_facts_finish: facts is NULL");
  if (facts->finished || facts->resolved)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the facts are already finished");
  guint n = facts->policy->entities->len;
  zjtx_error *errs = NULL, **tail = &errs;
  if (facts->keep_going) {
    finish_keep_going(facts);
  } else {
    /* all ids first: any record may refer to any other */
    each_entity(facts, build_keys, &tail);
    each_entity(facts, resolve_entity, &tail);
    for (guint e = 0; e < n; e++)
      check_unique(facts, (int32_t)e, &tail, NULL);
  }
  if (!errs)
    drop_finishing_texts(facts);
  if (!errs && build_relations(facts, &errs)) {
    int32_t most = 0;
    for (guint e = 0; e < n; e++)
      most = MAX(most, facts->tables[e].n);
    facts->identity = g_new(int32_t, (gsize)most + 1);
    for (int32_t i = 0; i < most; i++)
      facts->identity[i] = i;
    facts->finished = true;
  }
  if (!errs)
    return ZJTX_OK;
  zfacts_free_relations(facts);
  return zerr_give(err, errs);
}
