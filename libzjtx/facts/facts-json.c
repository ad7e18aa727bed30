/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-json.c - the JSON carrier of facts: one document, children nested under their parent. */
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "facts-json-scan.h"
#include "facts-store.h"

/* An object being parsed: where it starts, how many members it was given. */
typedef struct {
  int line;
  guint members;
} zopen_object;

/* One load: the parser's positions, scratch for one record, the errors. */
typedef struct {
  zjtx_facts *facts;
  const char *name;          /* file or buffer name for messages */
  GHashTable *lines;         /* JsonObject* -> line of its '{' */
  GHashTable *twice;         /* JsonObject* -> a member name it has twice (owned) */
  GArray *open;              /* zopen_object stack while parsing */
  GPtrArray *names, *values; /* the record being converted */
  GStringChunk *scratch;     /* texts of the record's JSON numbers */
  zjtx_error *errs, **tail;  /* the errors; appended at the tail */
  bool unusable;             /* the document as a whole cannot be read */
  int period_line;           /* line of the top object's "period", once met */
} zjson_load;

/* ---- positions ------------------------------------------------------------ */

/* json-glib keeps no positions in its tree: note each object's first line
 * while parsing, keyed by the JsonObject the tree will hold. */
static void on_object_start(JsonParser *parser, gpointer data) {
  zjson_load *ld = data;
  zopen_object o = {(int)json_parser_get_current_line(parser), 0};
  g_array_append_val(ld->open, o);
}

/* json-glib keeps the last of two members with one name: count members as
 * they come, and a size that does not grow means a repeated name.  The top
 * object's "period" has its line noted here, json-glib keeping none. */
static void on_object_member(JsonParser *parser, JsonObject *object, const char *member, gpointer data) {
  zjson_load *ld = data;
  zopen_object *o = &g_array_index(ld->open, zopen_object, ld->open->len - 1);
  if (ld->open->len == 1 && strcmp(member, "period") == 0)
    ld->period_line = (int)json_parser_get_current_line(parser);
  if (json_object_get_size(object) < ++o->members) {
    o->members--;
    if (!g_hash_table_contains(ld->twice, object)) /* the first repeat tells enough */
      g_hash_table_insert(ld->twice, object, g_strdup(member));
  }
}

static void on_object_end(JsonParser *parser, JsonObject *object, gpointer data) {
  zjson_load *ld = data;
  (void)parser;
  zopen_object *o = &g_array_index(ld->open, zopen_object, ld->open->len - 1);
  g_hash_table_insert(ld->lines, object, GINT_TO_POINTER(o->line));
  g_array_set_size(ld->open, ld->open->len - 1);
}

static int object_line(const zjson_load *ld, JsonObject *o) {
  return GPOINTER_TO_INT(g_hash_table_lookup(ld->lines, o));
}

static void G_GNUC_PRINTF(3, 4) load_error(zjson_load *ld, int line, const char *fmt, ...) {
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

/* json-glib's message quotes the token it stopped at, which comes from
 * the input: control characters escaped (a key may hold a terminal escape
 * sequence), and cut short when long.  Its own quotes stay as they are. */
static char *one_line(const char *m) {
  return zfacts_escape_max(m, 240, true);
}

/* json-glib says "<data>:LINE:COL: Parse error: what"; keep the position
 * apart and the reason as the message. */
static void syntax_error(zjson_load *ld, const GError *gerr) {
  const char *m = gerr->message, *p = strstr(m, ">:");
  int line = 0, col = 0;
  if (p) {
    char *end;
    line = (int)strtol(p + 2, &end, 10);
    col = *end == ':' ? (int)strtol(end + 1, &end, 10) : 0;
    if (*end == ':')
      m = end + 1;
    while (*m == ' ')
      m++;
    if (g_str_has_prefix(m, "Parse error: "))
      m += strlen("Parse error: ");
  }
  g_autofree char *shown = one_line(m);
  zfacts_append_error(&ld->tail, zerr_new(ZJTX_ERR_FACTS, ld->name, line, col, NULL, "not valid JSON: %s", shown));
  ld->unusable = true;
}

/* ---- records -------------------------------------------------------------- */

/* The child entity of `entity` whose plural is `key`, or -1. */
static int32_t child_entity(const struct zjtx_policy *p, int32_t entity, const char *key) {
  for (guint i = 0; i < p->entities->len; i++) {
    const zentity *c = zpolicy_entity(p, (int32_t)i);
    if (c->parent == entity && strcmp(c->plural, key) == 0)
      return (int32_t)i;
  }
  return -1;
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
 * booleans and integers spelled out.  NULL with an error otherwise. */
static const char *scalar_text(zjson_load *ld, const zentity *e, const char *member, JsonNode *node, const char *what,
                               const char *id, int line) {
  if (JSON_NODE_HOLDS_VALUE(node)) {
    GType t = json_node_get_value_type(node);
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    if (t == G_TYPE_STRING)
      return json_node_get_string(node);
    if (t == G_TYPE_BOOLEAN)
      return json_node_get_boolean(node) ? "true" : "false";
    if (t == G_TYPE_INT64) {
      g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, json_node_get_int(node));
      return g_string_chunk_insert(ld->scratch, buf);
    }
    /* binary floating point cannot hold most decimals exactly */
    g_ascii_formatd(buf, sizeof buf, "%.15g", json_node_get_double(node));
    g_autofree char *name = zfacts_escape(member);
    record_problem(ld, e->index, line, id, member, buf, "%s: field \"%s\": %s is a JSON floating-point number (%s)",
                   what, name, buf, decimal_hint(e, member));
    return NULL;
  }
  const char *kind = JSON_NODE_HOLDS_ARRAY(node) ? "an array" : "an object";
  g_autofree char *name = zfacts_escape(member);
  record_problem(ld, e->index, line, id, member, kind, "%s: field \"%s\": expected a single value, not %s", what, name,
                 kind);
  return NULL;
}

/* The record's id as the record API gets it (a string, or an integer
 * spelled out), or NULL. */
static char *record_id(const zentity *e, JsonObject *o) {
  JsonNode *id = e->key_field >= 0 ? json_object_get_member(o, zentity_field(e, e->key_field)->name) : NULL;
  if (!id || !JSON_NODE_HOLDS_VALUE(id))
    return NULL;
  if (json_node_get_value_type(id) == G_TYPE_STRING)
    return g_strdup(json_node_get_string(id));
  if (json_node_get_value_type(id) == G_TYPE_INT64)
    return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(id));
  return NULL;
}

/* "schools[3] (S1)": the record's name in messages, as messages write it. */
static char *record_what(const zentity *e, JsonObject *o, const char *path) {
  g_autofree char *id = record_id(e, o);
  g_autofree char *shown = id ? zfacts_escape(id) : NULL;
  return id ? g_strdup_printf("%s (%s)", path, shown) : g_strdup(path);
}

/* Collects the record's scalar members into ld->names/values; false if one
 * of them cannot be a value (the errors are noted). */
static bool convert_members(zjson_load *ld, int32_t entity, JsonObject *o, const char *what, int line) {
  const zentity *e = zpolicy_entity(ld->facts->policy, entity);
  JsonObjectIter it;
  const char *member;
  JsonNode *node;
  bool ok = true;
  g_autofree char *id = record_id(e, o);
  g_ptr_array_set_size(ld->names, 0);
  g_ptr_array_set_size(ld->values, 0);
  g_string_chunk_clear(ld->scratch);
  json_object_iter_init_ordered(&it, o);
  while (json_object_iter_next_ordered(&it, &member, &node)) {
    /* "_comment"-style members annotate; null means absent */
    if (member[0] == '_' || JSON_NODE_HOLDS_NULL(node) || child_entity(ld->facts->policy, entity, member) >= 0)
      continue;
    const char *text = scalar_text(ld, e, member, node, what, id, line);
    ok = ok && text;
    g_ptr_array_add(ld->names, (char *)member);
    g_ptr_array_add(ld->values, (char *)text);
  }
  return ok;
}

static void load_array(zjson_load *ld, int32_t entity, JsonNode *node, const char *parent_key, const char *path,
                       int line);

/* The nested children of a record just added (or rejected: its children
 * are still checked, so that one run reports every problem). */
static void load_children(zjson_load *ld, int32_t entity, JsonObject *o, const char *path, int line) {
  /* a copy: the children's conversions reuse the scratch */
  g_autofree char *key = record_id(zpolicy_entity(ld->facts->policy, entity), o);
  JsonObjectIter it;
  const char *member;
  JsonNode *node;
  json_object_iter_init_ordered(&it, o);
  while (json_object_iter_next_ordered(&it, &member, &node)) {
    int32_t child = child_entity(ld->facts->policy, entity, member);
    if (child < 0 || JSON_NODE_HOLDS_NULL(node))
      continue;
    g_autofree char *sub = g_strdup_printf("%s.%s", path, member);
    load_array(ld, child, node, key, sub, line);
  }
}

/* One record object and, recursively, the children nested in it. */
static void load_record(zjson_load *ld, int32_t entity, JsonObject *o, const char *parent_key, const char *path) {
  const zentity *e = zpolicy_entity(ld->facts->policy, entity);
  int line = object_line(ld, o);
  g_autofree char *what = record_what(e, o, path);
  const char *twice = g_hash_table_lookup(ld->twice, o);
  bool ok = convert_members(ld, entity, o, what, line);
  if (twice) {
    g_autofree char *id = record_id(e, o);
    g_autofree char *name = zfacts_escape(twice);
    record_problem(ld, entity, line, id, twice, NULL, "%s: field \"%s\" is given twice", what, name);
    ok = false;
  }
  if (ok) {
    zrecord_origin origin = {ld->name, line, path};
    zfacts_add_record(ld->facts, entity, parent_key, (const char *const *)ld->names->pdata,
                      (const char *const *)ld->values->pdata, ld->names->len, &origin,
                      ld->facts->keep_going ? NULL : ld->tail);
    while (*ld->tail)
      ld->tail = &(*ld->tail)->next;
  } else {
    g_autofree char *id = record_id(e, o);
    zfacts_refuse_record(ld->facts, entity, id);
  }
  load_children(ld, entity, o, path, line);
}

/* "<plural>": [ {record}, ... ]; `line` is that of the enclosing object. */
static void load_array(zjson_load *ld, int32_t entity, JsonNode *node, const char *parent_key, const char *path,
                       int line) {
  const zentity *e = zpolicy_entity(ld->facts->policy, entity);
  if (!JSON_NODE_HOLDS_ARRAY(node)) {
    load_error(ld, line, "%s: expected an array of %s records", path, e->name);
    return;
  }
  JsonArray *a = json_node_get_array(node);
  for (guint i = 0; i < json_array_get_length(a) && !zfacts_stopped(ld->facts, entity); i++) {
    JsonNode *el = json_array_get_element(a, i);
    g_autofree char *at = g_strdup_printf("%s[%u]", path, i);
    if (JSON_NODE_HOLDS_OBJECT(el))
      load_record(ld, entity, json_node_get_object(el), parent_key, at);
    else {
      record_problem(ld, entity, line, NULL, NULL, NULL, "%s: expected a %s record (a JSON object)", at, e->name);
      zfacts_refuse_record(ld->facts, entity, NULL);
    }
  }
}

/* ---- the document --------------------------------------------------------- */

/* The entity whose plural is `key`, top-level or not, or -1. */
static int32_t entity_by_plural(const struct zjtx_policy *p, const char *key) {
  for (guint i = 0; i < p->entities->len; i++)
    if (strcmp(zpolicy_entity(p, (int32_t)i)->plural, key) == 0)
      return (int32_t)i;
  return -1;
}

static void unknown_key(zjson_load *ld, const char *key, int line) {
  const struct zjtx_policy *p = ld->facts->policy;
  int32_t e = entity_by_plural(p, key);
  if (e >= 0) {
    const zentity *child = zpolicy_entity(p, e);
    load_error(ld, line, "\"%s\" cannot stand at the top level: %s records nest in their %s's \"%s\"", key, child->name,
               zpolicy_entity(p, child->parent)->name, key);
    return;
  }
  g_autoptr(GString) keys = g_string_new("period");
  for (guint i = 0; i < p->entities->len; i++)
    if (zpolicy_entity(p, (int32_t)i)->parent < 0)
      g_string_append_printf(keys, ", %s", zpolicy_entity(p, (int32_t)i)->plural);
  g_autofree char *name = zfacts_escape(key);
  load_error(ld, line, "unknown key \"%s\" (expected: %s)", name, keys->str);
}

/* The period the facts are about, by the rule a caller's period follows
 * (zperiod_parse): a bad one is the facts' error, not a later "no period"
 * blamed on the policy, nor silently passed over when a caller gives one. */
static void load_period(zjson_load *ld, JsonNode *node, int line) {
  if (ld->period_line > 0)
    line = ld->period_line;
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING || !*json_node_get_string(node)) {
    load_error(ld, line, "\"period\" must be a string, e.g. \"2025\"");
    return;
  }
  const char *period = json_node_get_string(node);
  int year;
  if (!zperiod_parse(period, &year)) {
    g_autofree char *shown = zfacts_escape(period);
    load_error(ld, line, "\"period\": \"%s\" is not a period (expected a year such as \"2025\")", shown);
    return;
  }
  g_free(ld->facts->period);
  ld->facts->period = g_strdup(period);
}

static void load_document(zjson_load *ld, JsonNode *root) {
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    load_error(ld, root ? 1 : 0, "expected a JSON object {\"period\": ..., \"<records>\": [...]}");
    return;
  }
  JsonObject *top = json_node_get_object(root);
  int line = object_line(ld, top);
  const char *twice = g_hash_table_lookup(ld->twice, top);
  if (twice) {
    g_autofree char *name = zfacts_escape(twice);
    load_error(ld, line, "key \"%s\" is given twice", name);
  }
  JsonObjectIter it;
  const char *key;
  JsonNode *node;
  json_object_iter_init_ordered(&it, top);
  while (json_object_iter_next_ordered(&it, &key, &node)) {
    int32_t e = entity_by_plural(ld->facts->policy, key);
    if (key[0] == '_')
      continue;
    if (strcmp(key, "period") == 0)
      load_period(ld, node, line);
    else if (e >= 0 && zpolicy_entity(ld->facts->policy, e)->parent < 0)
      load_array(ld, e, node, NULL, key, line);
    else
      unknown_key(ld, key, line);
  }
}

static void load_clear(zjson_load *ld) {
  g_hash_table_unref(ld->lines);
  g_hash_table_unref(ld->twice);
  g_array_unref(ld->open);
  g_ptr_array_unref(ld->names);
  g_ptr_array_unref(ld->values);
  g_string_chunk_free(ld->scratch);
}

/* How deep the facts of this policy nest: the top object, then for each
 * generation of entities an array and its record objects, and one more
 * level so that an array given as a value is reported as such. */
static int deepest_use(const struct zjtx_policy *p) {
  int deepest = 0;
  for (guint i = 0; i < p->entities->len; i++) {
    int generations = 1;
    for (const zentity *e = zpolicy_entity(p, (int32_t)i); e->parent >= 0 && generations <= (int)p->entities->len;
         e = zpolicy_entity(p, e->parent))
      generations++;
    deepest = MAX(deepest, generations);
  }
  return 1 + 2 * deepest + 1;
}

/* The pass before json-glib (facts-json-scan.h): false when the document
 * is refused; *quoted gets a copy when integers need their text kept. */
static bool prescan(zjson_load *ld, const char *data, size_t len, char **quoted, size_t *quoted_len) {
  zjson_limits lim = {deepest_use(ld->facts->policy), ld->facts->max_field};
  zjson_scan scan;
  bool ok = zjson_prescan(data, len, &lim, &scan);
  if (!ok)
    zfacts_append_error(&ld->tail, zerr_new(scan.code, ld->name, scan.line, scan.column, NULL, "%s", scan.message));
  else if (scan.big_ints->len > 0 && !(*quoted = zjson_quote_big_ints(data, len, &scan, quoted_len))) {
    zfacts_append_error(&ld->tail, zerr_new(ZJTX_ERR_NOMEM, ld->name, 0, 0, NULL, "out of memory reading the facts"));
    ok = false;
  }
  zjson_scan_clear(&scan);
  ld->unusable = !ok;
  return ok;
}

static void parse_and_load(zjson_load *ld, const char *data, size_t len) {
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) gerr = NULL;
  g_autofree char *quoted = NULL;
  size_t quoted_len = 0;
  if (len > G_MAXSSIZE) {
    load_error(ld, 0, "the document is too large");
    ld->unusable = true;
    return;
  }
  if (!prescan(ld, data, len, &quoted, &quoted_len))
    return;
  g_signal_connect(parser, "object-start", G_CALLBACK(on_object_start), ld);
  g_signal_connect(parser, "object-member", G_CALLBACK(on_object_member), ld);
  g_signal_connect(parser, "object-end", G_CALLBACK(on_object_end), ld);
  if (!json_parser_load_from_data(parser, quoted ? quoted : data, (gssize)(quoted ? quoted_len : len), &gerr))
    syntax_error(ld, gerr);
  else
    load_document(ld, json_parser_get_root(parser));
}

/* Out of memory or a full table stopped the reading: unusable.  In
 * keep-going mode no error was collected, so report it here. */
static void report_stop(zjson_load *ld) {
  for (guint e = 0; e < ld->facts->policy->entities->len; e++) {
    const zjtx_error *stop = zfacts_stopped(ld->facts, (int32_t)e);
    if (!stop)
      continue;
    ld->unusable = true;
    if (ld->facts->keep_going)
      zfacts_append_error(&ld->tail, zerr_new(stop->code, stop->file, stop->line, 0, NULL, "%s", stop->message));
  }
}

/* Reads one JSON document into unfinished facts; *unusable tells whether
 * the document as a whole was refused (no record was looked at). */
static zjtx_status read_json(zjtx_facts *facts, const char *data, size_t len, const char *name, zjtx_error **err,
                             bool *unusable) {
  *unusable = true;
  if (!facts || (!data && len > 0))
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "facts and data must not be NULL");
  if (facts->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the facts are already finished");
  zjson_load ld = {.facts = facts,
                   .name = name ? name : "<buffer>",
                   .lines = g_hash_table_new(NULL, NULL),
                   .twice = g_hash_table_new_full(NULL, NULL, NULL, g_free),
                   .open = g_array_new(FALSE, FALSE, sizeof(zopen_object)),
                   .names = g_ptr_array_new(),
                   .values = g_ptr_array_new(),
                   .scratch = g_string_chunk_new(256)};
  ld.tail = &ld.errs;
  parse_and_load(&ld, data ? data : "", len);
  load_clear(&ld);
  report_stop(&ld);
  *unusable = ld.unusable;
  return ld.errs ? zerr_give(err, ld.errs) : ZJTX_OK;
}

zjtx_status zjtx_facts_read_json_buffer(zjtx_facts *facts, const char *data, size_t len, const char *name,
                                        zjtx_error **err) {
  bool unusable;
  return read_json(facts, data, len, name, err, &unusable);
}

static zjtx_status read_json_file(zjtx_facts *facts, const char *path, zjtx_error **err, bool *unusable) {
  *unusable = true;
  if (!facts || !path)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "facts and path must not be NULL");
  size_t len = 0;
  zjtx_error *read_err = NULL;
  g_autofree char *data = zfacts_read_regular_file(path, &len, &read_err);
  if (!data)
    return zerr_give(err, read_err);
  return read_json(facts, data, len, path, err, unusable);
}

zjtx_status zjtx_facts_read_json_file(zjtx_facts *facts, const char *path, zjtx_error **err) {
  bool unusable;
  return read_json_file(facts, path, err, &unusable);
}

/* New facts from one JSON document, finished; in strict mode every problem
 * of every record (and of finishing) comes back in one error chain. */
static zjtx_status load_json(zjtx_policy *policy, const char *data, size_t len, const char *path, const char *name,
                             int flags, zjtx_facts **out, zjtx_error **err) {
  zjtx_facts *facts = NULL;
  zjtx_error *errs = NULL;
  bool unusable;
  if (out)
    *out = NULL;
  if (!policy || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "policy and out must not be NULL");
  zjtx_status st = zjtx_facts_new(policy, &facts, err);
  if (st != ZJTX_OK)
    return st;
  zjtx_facts_set_keep_going(facts, flags & ZJTX_FACTS_KEEP_GOING, NULL);
  st = path ? read_json_file(facts, path, &errs, &unusable) : read_json(facts, data, len, name, &errs, &unusable);
  /* a document that parsed: finish even after bad records, so that
   * duplicate ids and dangling references are reported in the same run */
  if (st == ZJTX_OK || (!facts->keep_going && !unusable))
    zjtx_facts_finish(facts, &errs);
  if (errs) {
    zjtx_facts_free(facts);
    return zerr_give(err, errs);
  }
  *out = facts;
  return ZJTX_OK;
}

zjtx_status zjtx_facts_load_json_buffer(zjtx_policy *policy, const char *data, size_t len, const char *name,
                                        zjtx_facts **out, zjtx_error **err) {
  if (!data && len > 0)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "data is NULL");
  return load_json(policy, data ? data : "", len, NULL, name, ZJTX_FACTS_STRICT, out, err);
}

zjtx_status zjtx_facts_load_json_file(zjtx_policy *policy, const char *path, zjtx_facts **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!policy || !path || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "zjtx_facts_load_json_file: policy, path and out must not be NULL");
  return load_json(policy, NULL, 0, path, NULL, ZJTX_FACTS_STRICT, out, err);
}

zjtx_status zfacts_load_json_file(zjtx_policy *policy, const char *path, int flags, zjtx_facts **out,
                                  zjtx_error **err) {
  return load_json(policy, NULL, 0, path, NULL, flags, out, err);
}
