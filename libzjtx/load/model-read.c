/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* model-read.c - the bottom of the policy reader: the helpers every element
 * reader uses, and entities, fields, code lists, parameters and their values.
 * The walk over a document is policy-read.c's; derived values, rules and
 * indicators rule-read.c's; amendments reform.c's. */
#include "model-read.h"

#include <string.h>

#include "ident.h"

void zpending_free(zpending *pd) {
  g_free(pd->entity_name);
  g_free(pd->via_name);
  g_free(pd->key_name);
  g_free(pd);
}

void zparam_decl_free(zparam_decl *d) {
  g_free(d->key_ref);
  g_free(d);
}

/* ---- helpers ---------------------------------------------------------------- */

char *zread_prop(xmlNode *n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  char *s = v ? g_strdup((const char *)v) : NULL;
  xmlFree(v);
  return s;
}

bool zread_is(xmlNode *n, const char *name) {
  return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

char *zread_content(xmlNode *n) {
  xmlChar *v = xmlNodeGetContent(n);
  char *s = g_strdup(v ? (const char *)v : "");
  xmlFree(v);
  return s;
}

zpos zread_pos(zwalker *w, xmlNode *n) {
  return (zpos){w->file, (int)xmlGetLineNo(n), 0};
}

bool zread_fail(zwalker *w, xmlNode *n, const char *fmt, ...) {
  if (!w->err) {
    va_list ap;
    va_start(ap, fmt);
    w->err = zerr_newv(ZJTX_ERR_POLICY, w->file, n ? (int)xmlGetLineNo(n) : 0, 0, NULL, fmt, ap);
    va_end(ap);
  }
  return false;
}

void zread_titles(xmlNode *n, ztext2 *t) {
  for (xmlNode *c = n->children; c; c = c->next) {
    if (!zread_is(c, "title"))
      continue;
    g_autofree char *lang = zread_prop(c, "lang");
    char **slot = lang && strcmp(lang, "en") == 0 ? &t->en : &t->zh;
    g_free(*slot);
    *slot = zread_content(c);
  }
}

void zread_replace(char **slot, char *v) {
  if (v) {
    g_free(*slot);
    *slot = v;
  }
}

/* libxml2 gives elements a line (that of the end of the start tag) but no
 * column: the start tag is found in the text (xml-position.c), which also
 * gives the element's content as written. */
void zread_source_expr(zwalker *w, xmlNode *n, zsource_expr *out) {
  out->text = zread_content(n);
  out->pos = zread_pos(w, n);
  const char *raw;
  size_t raw_len;
  if (!zxml_next_content(&w->text, (const char *)n->name, &out->pos.line, &out->pos.column, &raw, &raw_len))
    return;
  /* entity references, CDATA, comments or CR LF: positions in the text
   * differ from positions in the file (see zxml_remap_position) */
  if (raw_len != strlen(out->text) || memcmp(raw, out->text, raw_len) != 0)
    g_hash_table_insert(w->raw_of, out, g_strndup(raw, raw_len));
}

void zread_expr_child(zwalker *w, xmlNode *n, const char *child, zsource_expr *out, bool *found) {
  for (xmlNode *c = n->children; c; c = c->next)
    if (zread_is(c, child)) {
      zread_source_expr(w, c, out);
      if (found)
        *found = true;
      return;
    }
}

void zread_caps(zwalker *w, xmlNode *n, GPtrArray *caps) {
  for (xmlNode *c = n->children; c; c = c->next) {
    if (!zread_is(c, "cap"))
      continue;
    zcap *cap = g_new0(zcap, 1);
    zread_source_expr(w, c, &cap->expr);
    cap->label = zread_prop(c, "label");
    cap->reference = zread_prop(c, "reference");
    g_ptr_array_add(caps, cap);
  }
}

int32_t zread_entity_attr(zwalker *w, xmlNode *n, const char *attr) {
  g_autofree char *name = zread_prop(n, attr);
  int32_t i = name ? zpolicy_entity_index(w->p, name) : -1;
  if (i < 0)
    zread_fail(w, n, "unknown entity '%s' in %s=", name ? name : "", attr);
  return i;
}

/* ---- entities and fields ----------------------------------------------------- */

/* Records the first error, at pos rather than at an element; returns false. */
static bool fail_at(zwalker *w, zpos pos, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool fail_at(zwalker *w, zpos pos, const char *fmt, ...) {
  if (!w->err) {
    va_list ap;
    va_start(ap, fmt);
    w->err = zerr_newv(ZJTX_ERR_POLICY, pos.file, pos.line, pos.column, NULL, fmt, ap);
    va_end(ap);
  }
  return false;
}

/* A field and a parameter of one name: in an expression about the field's
 * entity the field is meant (compile-names.c), elsewhere the parameter, and
 * a policy that meant the other computes with the wrong value without a
 * word.  Refused at the later of the two declarations. */
static bool field_hides_param(zwalker *w, const zentity *e, const zfield *f, const zparam *p, bool field_is_later) {
  static const char hide[] = "one would hide the other in expressions; rename one";
  if (field_is_later)
    return fail_at(w, f->pos, "field \"%s\" of %s has the name of parameter %s (declared at %s:%d): %s", f->name,
                   e->name, p->id, p->pos.file, p->pos.line, hide);
  return fail_at(w, p->pos, "parameter %s has the name of field \"%s\" of %s (declared at %s:%d): %s", p->id, f->name,
                 e->name, f->pos.file, f->pos.line, hide);
}

/* The field named `name` of any entity, or NULL; *owner gets its entity. */
static const zfield *any_field_named(const struct zjtx_policy *p, const char *name, const zentity **owner) {
  for (guint i = 0; i < p->entities->len; i++) {
    const zentity *e = zpolicy_entity(p, (int32_t)i);
    int32_t f = zentity_field_index(e, name);
    if (f >= 0) {
      *owner = e;
      return zentity_field(e, f);
    }
  }
  return NULL;
}

static zcodeset *read_codes(zwalker *w, xmlNode *n, const char *entity, zfield *f) {
  zcodeset *cs = g_new0(zcodeset, 1);
  cs->name = g_strdup_printf("%s.%s", entity, f->name);
  cs->values = g_ptr_array_new_with_free_func(g_free);
  cs->titles = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *ordered = zread_prop(n, "ordered");
  cs->ordered = ordered && strcmp(ordered, "true") == 0;
  for (xmlNode *c = n->children; c; c = c->next) {
    if (!zread_is(c, "code"))
      continue;
    char *v = zread_prop(c, "value");
    if (zcodeset_find(cs, v, strlen(v)) >= 0)
      zread_fail(w, c, "code '%s' is listed twice in %s", v, cs->name);
    ztext2 t = {NULL, NULL};
    zread_titles(c, &t);
    g_ptr_array_add(cs->values, v);
    g_ptr_array_add(cs->titles, t.zh);
    g_free(t.en);
  }
  if (cs->values->len == 0)
    zread_fail(w, n, "code field %s lists no codes", cs->name);
  return cs;
}

static void add_pending(zwalker *w, xmlNode *n, zpending *pd) {
  pd->pos = zread_pos(w, n);
  g_ptr_array_add(w->pendings, pd);
}

static void read_field(zwalker *w, xmlNode *n, zentity *e) {
  zfield *f = g_new0(zfield, 1);
  f->name = zread_prop(n, "name");
  f->pos = zread_pos(w, n);
  f->codeset = f->ref_entity = -1;
  g_autofree char *type = zread_prop(n, "type");
  g_autofree char *req = zread_prop(n, "required");
  g_autofree char *neg = zread_prop(n, "negative");
  if (!zfield_type_parse(type, &f->type))
    zread_fail(w, n, "unknown field type '%s'", type);
  f->required = !req || strcmp(req, "false") != 0;
  f->negative_ok = neg && strcmp(neg, "allowed") == 0;
  f->validator_name = zread_prop(n, "validator");
  if (f->validator_name && !(f->validator = (void *)zident_lookup(f->validator_name)))
    zread_fail(w, n, "unknown validator '%s' (expected uscc or nonempty)", f->validator_name);
  zread_titles(n, &f->title);
  if (zentity_field_index(e, f->name) >= 0 || (e->parent_key && strcmp(e->parent_key, f->name) == 0))
    zread_fail(w, n, "entity %s already has a field '%s'", e->name, f->name);
  /* a document's entities are read before its parameters: a parameter
   * already known comes from a base policy, read earlier */
  int32_t pi = f->name ? zpolicy_param_index(w->p, f->name) : -1;
  if (pi >= 0)
    field_hides_param(w, e, f, g_ptr_array_index(w->p->params, pi), true);
  if (f->type == ZF_CODE) {
    g_ptr_array_add(w->p->codesets, read_codes(w, n, e->name, f));
    f->codeset = (int32_t)w->p->codesets->len - 1;
  }
  if (f->type == ZF_REF) {
    zpending *pd = g_new0(zpending, 1);
    pd->field = f;
    pd->entity_name = zread_prop(n, "entity");
    add_pending(w, n, pd);
  }
  g_ptr_array_add(e->fields, f);
}

static zentity *find_or_new_entity(zwalker *w, xmlNode *n, const char *name) {
  int32_t i = zpolicy_entity_index(w->p, name);
  if (i >= 0)
    return zpolicy_entity(w->p, i);
  zentity *e = g_new0(zentity, 1);
  e->name = g_strdup(name);
  e->index = (int32_t)w->p->entities->len;
  e->parent = -1;
  e->key_field = -1;
  e->fields = g_ptr_array_new();
  e->relations = g_array_new(FALSE, FALSE, sizeof(int32_t));
  e->pos = zread_pos(w, n);
  g_ptr_array_add(w->p->entities, e);
  g_hash_table_insert(w->p->entity_by_name, e->name, GINT_TO_POINTER(e->index + 1));
  return e;
}

/* An entity declared again (in an extending policy) adds fields; what it
 * says about plural, parent key and label must agree with the first
 * declaration that says it. */
static void merge_attr(zwalker *w, xmlNode *n, zentity *e, const char *attr, char **slot) {
  g_autofree char *v = zread_prop(n, attr);
  if (v && *slot && strcmp(v, *slot) != 0)
    zread_fail(w, n, "entity %s was declared with %s=\"%s\", not \"%s\"", e->name, attr, *slot, v);
  if (v && !*slot)
    *slot = g_steal_pointer(&v);
}

static void read_relation(zwalker *w, xmlNode *n, zentity *e) {
  zrelation *r = g_new0(zrelation, 1);
  r->name = zread_prop(n, "name");
  r->kind = ZREL_INVERSE;
  r->owner = e->index;
  r->target = r->via_field = -1;
  r->index = (int32_t)w->p->relations->len;
  g_ptr_array_add(w->p->relations, r);
  g_array_append_val(e->relations, r->index);
  zpending *pd = g_new0(zpending, 1);
  pd->relation = r;
  pd->entity_name = zread_prop(n, "entity");
  pd->via_name = zread_prop(n, "via");
  add_pending(w, n, pd);
}

static void unique_free(zunique *u) {
  g_array_unref(u->fields);
  g_free(u);
}

/* <unique fields="year quarter"/>: fields of this entity (declared in any
 * order around it, or by the policy it extends), each named once. */
static void read_unique(zwalker *w, xmlNode *n, zentity *e) {
  g_autofree char *text = zread_prop(n, "fields");
  g_auto(GStrv) names = g_strsplit_set(text ? text : "", " \t\r\n", -1);
  zunique *u = g_new0(zunique, 1);
  u->fields = g_array_new(FALSE, FALSE, sizeof(int32_t));
  u->pos = zread_pos(w, n);
  if (!e->unique)
    e->unique = g_ptr_array_new_with_free_func((GDestroyNotify)unique_free);
  g_ptr_array_add(e->unique, u);
  for (char **name = names; *name; name++) {
    if (!**name)
      continue;
    int32_t fi = zentity_field_index(e, *name);
    bool twice = false;
    for (guint i = 0; i < u->fields->len; i++)
      twice = twice || g_array_index(u->fields, int32_t, i) == fi;
    if (fi < 0)
      zread_fail(w, n, "<unique> names '%s', which is not a field of entity %s", *name, e->name);
    else if (twice)
      zread_fail(w, n, "<unique> names field '%s' twice", *name);
    else
      g_array_append_val(u->fields, fi);
  }
}

void zread_entity(zwalker *w, xmlNode *n) {
  g_autofree char *name = zread_prop(n, "name");
  zentity *e = find_or_new_entity(w, n, name);
  merge_attr(w, n, e, "plural", &e->plural);
  merge_attr(w, n, e, "parent-key", &e->parent_key);
  merge_attr(w, n, e, "label", &e->label);
  zpending *pd = g_new0(zpending, 1);
  pd->entity = e;
  pd->entity_name = zread_prop(n, "parent");
  pd->key_name = zread_prop(n, "key");
  add_pending(w, n, pd);
  if (!e->title.zh && !e->title.en)
    zread_titles(n, &e->title);
  for (xmlNode *c = n->children; c; c = c->next) {
    if (zread_is(c, "field"))
      read_field(w, c, e);
    else if (zread_is(c, "relation"))
      read_relation(w, c, e);
  }
  for (xmlNode *c = n->children; c; c = c->next)
    if (zread_is(c, "unique"))
      read_unique(w, c, e);
}

/* ---- parameters -------------------------------------------------------------- */

void zread_parameter(zwalker *w, xmlNode *n) {
  g_autoptr(zparam) p = g_new0(zparam, 1);
  p->id = zread_prop(n, "id");
  p->pos = zread_pos(w, n);
  p->key_codeset = -1;
  p->origin = g_strdup(w->origin);
  p->values = g_array_new(FALSE, TRUE, sizeof(zparam_value));
  g_autofree char *type = zread_prop(n, "type");
  g_autofree char *status = zread_prop(n, "status");
  g_autofree char *negative = zread_prop(n, "negative");
  if (!zvalue_type_parse(type, &p->type) || p->type.kind == ZT_TEXT || p->type.kind == ZT_CODE)
    zread_fail(w, n, "parameter type must be money, rate, number, bool or date, not '%s'", type);
  p->status = status && strcmp(status, "assumed") == 0 ? ZJTX_PARAM_ASSUMED : ZJTX_PARAM_PUBLISHED;
  p->negative_ok = negative && strcmp(negative, "allowed") == 0;
  p->unit = zread_prop(n, "unit");
  zread_titles(n, &p->title);
  for (xmlNode *c = n->children; c; c = c->next)
    if (zread_is(c, "source"))
      zread_replace(&p->source, zread_content(c));
  if (p->id && zpolicy_find_scale(w->p, p->id)) {
    zread_fail(w, n, "parameter '%s' has the id of a table", p->id);
    return;
  }
  if (zpolicy_param_index(w->p, p->id) >= 0) {
    zread_fail(w, n, "parameter '%s' is declared twice", p->id);
    return;
  }
  const zentity *owner = NULL;
  const zfield *f = p->id ? any_field_named(w->p, p->id, &owner) : NULL;
  /* a field of this document may be written below the parameter */
  if (f)
    field_hides_param(w, owner, f, p, f->pos.file == w->file && f->pos.line > p->pos.line);
  p->index = (int32_t)w->p->params->len;
  g_hash_table_insert(w->p->param_by_id, p->id, GINT_TO_POINTER(p->index + 1));
  zparam_decl *d = g_new0(zparam_decl, 1);
  d->param = p;
  d->node = n;
  d->key_ref = zread_prop(n, "key");
  g_ptr_array_add(w->param_decls, d);
  g_ptr_array_add(w->p->params, g_steal_pointer(&p));
}

static int compare_values(gconstpointer a, gconstpointer b) {
  const zparam_value *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return (x->from > y->from) - (x->from < y->from);
}

void zparam_sort_values(zparam *p) {
  g_array_sort(p->values, compare_values);
}

/* Parses `text` as a value of p (its <value> or default=); false, with the
 * error recorded at n, when it is not one or out of p's range. */
static bool read_value_text(zwalker *w, zparam *p, xmlNode *n, const char *what, const char *text, zval *out) {
  const char *why = zpolicy_parse_value(p->type, text, out);
  if (why)
    return zread_fail(w, n, "%s \"%s\" of parameter %s is not %s", what, text, p->id, why);
  g_autofree char *range = NULL;
  if (!zparam_check_value(p, out, &range))
    return zread_fail(w, n, "%s \"%s\" of parameter %s %s", what, text, p->id, range);
  return true;
}

void zread_param_value(zwalker *w, zparam *p, const zcodeset *cs, xmlNode *c, zparam_value *v) {
  memset(v, 0, sizeof *v);
  v->key = -1;
  v->origin = w->origin;
  v->from_text = zread_prop(c, "from");
  v->key_text = zread_prop(c, "key");
  v->value_text = zread_content(c);
  size_t vlen = strlen(v->value_text);
  /* written exactly: the schema cannot refuse spaces in element text */
  if (vlen && (g_ascii_isspace(v->value_text[0]) || g_ascii_isspace(v->value_text[vlen - 1])))
    zread_fail(w, c, "value \"%s\" of parameter %s has spaces around it: write the value exactly", v->value_text,
               p->id);
  else if (!read_value_text(w, p, c, "value", v->value_text, &v->value))
    return;
  else if (!v->from_text || !zdate_parse(v->from_text, strlen(v->from_text), &v->from))
    zread_fail(w, c, "from=\"%s\" of parameter %s is not a real date YYYY-MM-DD", v->from_text ? v->from_text : "",
               p->id);
  else if (cs && !v->key_text)
    zread_fail(w, c, "parameter %s is keyed by %s: each value needs key=", p->id, cs->name);
  else if (!cs && v->key_text)
    zread_fail(w, c, "parameter %s is not keyed: remove key=\"%s\"", p->id, v->key_text);
  else if (cs && (v->key = zcodeset_find(cs, v->key_text, strlen(v->key_text))) < 0)
    zread_fail(w, c, "key \"%s\" of parameter %s is not a code of %s", v->key_text, p->id, cs->name);
}

/* key="entity.field": the code list of a code field. */
static zcodeset *key_codeset(zwalker *w, zparam_decl *d) {
  g_auto(GStrv) parts = g_strsplit(d->key_ref, ".", 2);
  int32_t ei = parts[0] ? zpolicy_entity_index(w->p, parts[0]) : -1;
  int32_t fi = ei >= 0 && parts[1] ? zentity_field_index(zpolicy_entity(w->p, ei), parts[1]) : -1;
  zfield *f = fi >= 0 ? zentity_field(zpolicy_entity(w->p, ei), fi) : NULL;
  if (!f || f->type != ZF_CODE) {
    zread_fail(w, d->node, "key=\"%s\" must name a code field as entity.field", d->key_ref);
    return NULL;
  }
  d->param->key_codeset = f->codeset;
  return g_ptr_array_index(w->p->codesets, f->codeset);
}

void zread_param_values(zwalker *w, zparam_decl *d) {
  zparam *p = d->param;
  zcodeset *cs = d->key_ref ? key_codeset(w, d) : NULL;
  g_autofree char *dflt = zread_prop(d->node, "default");
  if (dflt) {
    read_value_text(w, p, d->node, "default", dflt, &p->default_value);
    p->has_default = true;
  }
  for (xmlNode *c = d->node->children; c && !w->err; c = c->next) {
    if (!zread_is(c, "value"))
      continue;
    zparam_value v;
    zread_param_value(w, p, cs, c, &v);
    g_array_append_val(p->values, v);
  }
  zparam_sort_values(p);
  for (guint i = 1; i < p->values->len && !w->err; i++) {
    zparam_value *a = &g_array_index(p->values, zparam_value, i - 1), *b = a + 1;
    if (a->key == b->key && a->from == b->from)
      zread_fail(w, d->node, "parameter %s has two values from %s", p->id, b->from_text);
  }
  if (p->values->len == 0 && !w->err)
    zread_fail(w, d->node, "parameter %s has no value", p->id);
}
