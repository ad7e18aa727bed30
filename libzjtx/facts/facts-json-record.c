/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-json-record.c - one record's tree (facts-json-load.h) into the facts store: values, ids, children, messages. */
#include <string.h>

#include "facts-json-load.h"

void zjson_load_error(zjson_load *ld, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  zfacts_append_error(&ld->tail, zerr_newv(ZJTX_ERR_FACTS, ld->name, line, 0, NULL, fmt, ap));
  va_end(ap);
}

/* A problem with one record: a reject always, and an error unless the
 * facts keep going past bad records. */
static void G_GNUC_PRINTF(7, 8) record_problem(zjson_load *ld, int32_t entity, int line, const char *id,
                                               const char *field, const char *value, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  zfacts_reject(ld->facts, entity, ld->name, line, id, field, value, msg);
  if (!ld->facts->keep_going)
    zfacts_append_error(&ld->tail, zerr_new(ZJTX_ERR_FACTS, ld->name, line, 0, NULL, "%s", msg));
}

/* ---- member names ---------------------------------------------------------- */

/* What each member name can mean for `entity`, resolved once per load
 * rather than once per record (zfacts_map_names' rule, and the plurals of
 * the child entities, which nest). */
static GHashTable *meanings_of(zjson_load *ld, int32_t entity) {
  if (ld->meanings[entity])
    return ld->meanings[entity];
  const struct zjtx_policy *p = ld->facts->policy;
  const zentity *e = zpolicy_entity(p, entity);
  GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = e->fields->len; i-- > 0;) /* the first of two equal names wins */
    g_hash_table_insert(h, (char *)zentity_field(e, (int32_t)i)->name, GINT_TO_POINTER((int32_t)i));
  if (e->parent >= 0 && !g_hash_table_contains(h, e->parent_key))
    g_hash_table_insert(h, (char *)e->parent_key, GINT_TO_POINTER(ZMAP_PARENT_KEY));
  for (guint i = 0; i < p->entities->len; i++) { /* a child's plural shadows a field */
    const zentity *c = zpolicy_entity(p, (int32_t)i);
    if (c->parent == entity)
      g_hash_table_replace(h, (char *)c->plural, GINT_TO_POINTER(CHILD_BASE - (int32_t)i));
  }
  return ld->meanings[entity] = h;
}

int32_t zjson_meaning(zjson_load *ld, int32_t entity, const char *member, size_t len, guint pos, const char **name) {
  /* records of one entity mostly name their members in one order */
  zrecent *r = pos < RECENT_NAMES ? &ld->recent[(size_t)entity * RECENT_NAMES + pos] : NULL;
  *name = NULL;
  if (r && r->name && r->len == len && memcmp(r->name, member, len) == 0) {
    *name = r->name;
    return r->means;
  }
  char buf[128];
  g_autofree char *heap = len < sizeof buf ? NULL : g_strndup(member, len);
  if (!heap) { /* the name as a string, for the table */
    memcpy(buf, member, len);
    buf[len] = '\0';
  }
  gpointer found, v;
  if (!g_hash_table_lookup_extended(meanings_of(ld, entity), heap ? heap : buf, &found, &v))
    return ZMAP_UNKNOWN;
  if (r)
    *r = (zrecent){found, len, GPOINTER_TO_INT(v)};
  *name = found;
  return GPOINTER_TO_INT(v);
}

/* ---- records ---------------------------------------------------------------- */

/* "schools[3] (S1)": the record's name in messages, as messages write it. */
static char *record_what(const char *id, const char *path) {
  g_autofree char *shown = id ? zfacts_escape(id) : NULL;
  return id ? g_strdup_printf("%s (%s)", path, shown) : g_strdup(path);
}

/* A record's name for messages, made when a message needs it. */
typedef struct {
  const char *id, *path;
  char *what;
} zrecord_name;

static const char *what_of(zrecord_name *rn) {
  if (!rn->what)
    rn->what = record_what(rn->id, rn->path);
  return rn->what;
}

/* How to write a value of the field named `member`, for the double error. */
static const char *decimal_hint(const zentity *e, const char *member) {
  int32_t fi = zentity_field_index(e, member);
  zfield_type t = fi >= 0 ? zentity_field(e, fi)->type : ZF_TEXT;
  switch (t) {
  case ZF_MONEY:
    return "write money as a decimal string, e.g. \"1250000.50\"";
  case ZF_RATE:
    return "write a percentage as a decimal string, e.g. \"3.45\"";
  case ZF_COUNT:
    return "write a count as a whole number, e.g. 12";
  default:
    return "write it as a string, e.g. \"2.5\"";
  }
}

/* The text of a scalar member as the record API takes it: strings as is,
 * booleans and integers as written.  A JSON number with a fraction or an
 * exponent is refused: binary floating point cannot hold most decimals,
 * and the number is shown as json-glib read it.  NULL with an error. */
static const char *scalar_text(zjson_load *ld, const zentity *e, const znode *n, zrecord_name *rn, const char *id,
                               int line) {
  switch (n->kind) {
  case N_STRING:
  case N_INT:
    return n->text;
  case N_TRUE:
    return "true";
  case N_FALSE:
    return "false";
  case N_FLOAT: {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(buf, sizeof buf, "%.15g", g_ascii_strtod(n->text, NULL));
    g_autofree char *name = zfacts_escape(n->key);
    record_problem(ld, e->index, line, id, n->key, buf, "%s: field \"%s\": %s is a JSON floating-point number (%s)",
                   what_of(rn), name, buf, decimal_hint(e, n->key));
    return NULL;
  }
  default: {
    const char *kind = n->kind == N_ARRAY ? "an array" : "an object";
    g_autofree char *name = zfacts_escape(n->key);
    record_problem(ld, e->index, line, id, n->key, kind, "%s: field \"%s\": expected a single value, not %s",
                   what_of(rn), name, kind);
    return NULL;
  }
  }
}

/* The record's id as the record API gets it (a string or an integer as
 * written), or NULL. */
static const char *record_id(zjson_load *ld, int32_t entity, const znode *o) {
  const zentity *e = zpolicy_entity(ld->facts->policy, entity);
  if (e->key_field < 0)
    return NULL;
  for (int32_t i = o->first; i >= 0; i = zjson_node(ld, i)->next) {
    const znode *m = zjson_node(ld, i);
    if (m->means == e->key_field)
      return m->kind == N_STRING || m->kind == N_INT ? m->text : NULL;
  }
  return NULL;
}

/* Room for n + 1 members in ld->names/values/map (they only grow). */
static void member_room(zjson_load *ld, guint n) {
  if (n < ld->names->len)
    return;
  guint size = MAX(2 * n, 32);
  g_ptr_array_set_size(ld->names, size);
  g_ptr_array_set_size(ld->values, size);
  g_array_set_size(ld->map, size);
}

/* Collects the record's scalar members into ld->names/values/map (their
 * number in *n); false if one of them cannot be a value (the errors are
 * noted).  *children: a member holds nested records. */
static bool convert_members(zjson_load *ld, int32_t entity, const znode *o, const char *id, zrecord_name *rn, guint *n,
                            bool *children) {
  const zentity *e = zpolicy_entity(ld->facts->policy, entity);
  bool ok = true;
  guint k = 0;
  for (int32_t i = o->first; i >= 0; i = zjson_node(ld, i)->next) {
    const znode *m = zjson_node(ld, i);
    int32_t means = m->means;
    *children = *children || (means <= CHILD_BASE && m->kind != N_NULL);
    /* "_comment"-style members annotate; null means absent */
    if (m->key[0] == '_' || m->kind == N_NULL || means <= CHILD_BASE)
      continue;
    const char *text = scalar_text(ld, e, m, rn, id, o->line);
    ok = ok && text;
    member_room(ld, k);
    ld->names->pdata[k] = (char *)m->key;
    ld->values->pdata[k] = (char *)text;
    g_array_index(ld->map, int32_t, k) = means;
    k++;
  }
  *n = k;
  return ok;
}

static void load_array(zjson_load *ld, int32_t entity, const znode *a, const char *parent_key, const char *path,
                       int line);

/* The nested children of a record just added (or rejected: its children
 * are still checked, so that one run reports every problem). */
static void load_children(zjson_load *ld, int32_t entity, const znode *o, const char *id, const char *path) {
  for (int32_t i = o->first; i >= 0; i = zjson_node(ld, i)->next) {
    const znode *m = zjson_node(ld, i);
    if (m->means > CHILD_BASE || m->kind == N_NULL)
      continue;
    int32_t child = CHILD_BASE - m->means;
    g_autofree char *sub = g_strdup_printf("%s.%s", path, m->key);
    load_array(ld, child, m, id, sub, o->line);
  }
}

/* One record object and, recursively, the children nested in it. */
void zjson_load_record(zjson_load *ld, int32_t entity, const znode *o, const char *parent_key, const char *path) {
  const char *id = record_id(ld, entity, o);
  zrecord_name rn = {id, path, NULL};
  guint n = 0;
  bool children = false;
  bool ok = convert_members(ld, entity, o, id, &rn, &n, &children);
  if (o->twice) {
    g_autofree char *name = zfacts_escape(o->twice);
    record_problem(ld, entity, o->line, id, o->twice, NULL, "%s: field \"%s\" is given twice", what_of(&rn), name);
    ok = false;
  }
  if (ok) {
    zrecord_origin origin = {ld->name, o->line, path};
    zfacts_add_mapped(ld->facts, entity, parent_key, (const char *const *)ld->names->pdata,
                      (const int32_t *)(const void *)ld->map->data, (const char *const *)ld->values->pdata, n, &origin,
                      ld->facts->keep_going ? NULL : ld->tail);
    while (*ld->tail)
      ld->tail = &(*ld->tail)->next;
  } else {
    zfacts_refuse_record(ld->facts, entity, id);
  }
  g_free(rn.what);
  if (children)
    load_children(ld, entity, o, id, path);
}

const char *zjson_element_path(char *buf, size_t size, const char *path, guint i, char **heap) {
  size_t n = strlen(path);
  char digits[16];
  int k = 0;
  if (n + sizeof digits + 2 > size)
    return *heap = g_strdup_printf("%s[%u]", path, i);
  do
    digits[k++] = (char)('0' + i % 10);
  while ((i /= 10) > 0);
  memcpy(buf, path, n);
  buf[n++] = '[';
  while (k > 0)
    buf[n++] = digits[--k];
  buf[n++] = ']';
  buf[n] = '\0';
  return buf;
}

/* An element of an array of records that is no object. */
void zjson_not_a_record(zjson_load *ld, int32_t entity, const char *at, int line) {
  record_problem(ld, entity, line, NULL, NULL, NULL, "%s: expected a %s record (a JSON object)", at,
                 zpolicy_entity(ld->facts->policy, entity)->name);
  zfacts_refuse_record(ld->facts, entity, NULL);
}

/* "<plural>": [ {record}, ... ] nested in a record; `line` is the record's. */
static void load_array(zjson_load *ld, int32_t entity, const znode *a, const char *parent_key, const char *path,
                       int line) {
  if (a->kind != N_ARRAY) {
    zjson_load_error(ld, line, "%s: expected an array of %s records", path,
                     zpolicy_entity(ld->facts->policy, entity)->name);
    return;
  }
  guint i = 0;
  for (int32_t el = a->first; el >= 0 && !zfacts_stopped(ld->facts, entity); el = zjson_node(ld, el)->next, i++) {
    char buf[256];
    g_autofree char *heap = NULL;
    const char *at = zjson_element_path(buf, sizeof buf, path, i, &heap);
    if (zjson_node(ld, el)->kind == N_OBJECT)
      zjson_load_record(ld, entity, zjson_node(ld, el), parent_key, at);
    else
      zjson_not_a_record(ld, entity, at, line);
  }
}
