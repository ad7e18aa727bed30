/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* schema-model.c - what a RELAX NG schema lets each element hold, read from
 * the schema document itself (see the header).
 *
 * The schema stays the only list of names: this file reads its <element>,
 * <attribute>, <ref>, <choice>, <optional>... and answers "which attributes
 * does <rule> take, which does it need, which values may rounding= have".
 * It is conservative: a pattern it cannot judge (a datatype it does not
 * know, a name class) counts as allowed, so that it never blames what
 * libxml2 accepted; libxml2 remains the judge of validity. */
#include "schema-model.h"

#include <libxml/parser.h>
#include <libxml/xmlregexp.h>
#include <string.h>

/* refs nest no deeper than this in a sane grammar; a loop of refs stops here */
#define MAX_REF_DEPTH 32

struct zschema {
  xmlDoc *doc;
  GHashTable *defines;  /* name -> <define> */
  GPtrArray *start;     /* <element> definitions */
  GHashTable *elements; /* <element> node -> zschema_element* */
  GHashTable *regexes;  /* pattern text -> xmlRegexp* (NULL when it does not compile) */
};

static bool is_rng(const xmlNode *n, const char *name) {
  return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static char *prop(const xmlNode *n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  char *s = v ? g_strdup((const char *)v) : NULL;
  xmlFree(v);
  return s;
}

static char *text_of(const xmlNode *n) {
  xmlChar *v = xmlNodeGetContent(n);
  char *s = g_strdup(v ? (const char *)v : "");
  xmlFree(v);
  return s;
}

static void item_free(zschema_item *it) {
  g_free(it->name);
  g_ptr_array_unref(it->defs);
  g_free(it);
}

static void together_free(zschema_together *t);

static void choice_free(zschema_choice *c) {
  g_ptr_array_unref(c->branches);
  g_free(c);
}

static void element_free(zschema_element *e) {
  g_ptr_array_unref(e->one_of);
  g_ptr_array_unref(e->together);
  g_ptr_array_unref(e->choices);
  g_ptr_array_unref(e->attributes);
  g_ptr_array_unref(e->children);
  g_ptr_array_unref(e->text);
  g_free(e);
}

static zschema_element *element_new(void) {
  zschema_element *e = g_new0(zschema_element, 1);
  e->attributes = g_ptr_array_new_with_free_func((GDestroyNotify)item_free);
  e->children = g_ptr_array_new_with_free_func((GDestroyNotify)item_free);
  e->text = g_ptr_array_new();
  e->choices = g_ptr_array_new_with_free_func((GDestroyNotify)choice_free);
  e->together = g_ptr_array_new_with_free_func((GDestroyNotify)together_free);
  e->one_of = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  return e;
}

static void free_regex(void *re) {
  if (re)
    xmlRegFreeRegexp(re);
}

static void index_defines(zschema *s, xmlNode *n, xmlNode **start) {
  for (xmlNode *c = n; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE)
      continue;
    g_autofree char *name = is_rng(c, "define") ? prop(c, "name") : NULL;
    if (name && !g_hash_table_contains(s->defines, name))
      g_hash_table_insert(s->defines, g_steal_pointer(&name), c);
    if (is_rng(c, "start") && !*start)
      *start = c;
    index_defines(s, c->children, start);
  }
}

static xmlNode *define_of(zschema *s, xmlNode *ref);

/* The <element>s a pattern of <start> stands for (through refs and choices). */
static void add_start(zschema *s, xmlNode *p, int depth) {
  if (depth > 8 || !p)
    return;
  if (is_rng(p, "element"))
    g_ptr_array_add(s->start, p);
  else if (is_rng(p, "ref"))
    add_start(s, xmlFirstElementChild(define_of(s, p)), depth + 1);
  else if (is_rng(p, "choice"))
    for (xmlNode *c = xmlFirstElementChild(p); c; c = xmlNextElementSibling(c))
      add_start(s, c, depth + 1);
}

zschema *zschema_new(const char *data, size_t len) {
  xmlDoc *doc =
      xmlReadMemory(data, (int)len, "schema.rng", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc || !is_rng(xmlDocGetRootElement(doc), "grammar")) {
    xmlFreeDoc(doc);
    return NULL;
  }
  zschema *s = g_new0(zschema, 1);
  s->doc = doc;
  s->defines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  s->start = g_ptr_array_new();
  s->elements = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)element_free);
  s->regexes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_regex);
  xmlNode *start = NULL;
  index_defines(s, xmlDocGetRootElement(doc)->children, &start);
  add_start(s, start ? xmlFirstElementChild(start) : NULL, 0);
  return s;
}

void zschema_free(zschema *s) {
  if (!s)
    return;
  g_hash_table_destroy(s->regexes);
  g_hash_table_destroy(s->elements);
  g_ptr_array_unref(s->start);
  g_hash_table_destroy(s->defines);
  xmlFreeDoc(s->doc);
  g_free(s);
}

const GPtrArray *zschema_start(zschema *s) {
  return s->start;
}

const char *zschema_element_name(xmlNode *def) {
  xmlAttr *a = xmlHasProp(def, (const xmlChar *)"name");
  return a && a->children ? (const char *)a->children->content : NULL;
}

static xmlNode *define_of(zschema *s, xmlNode *ref) {
  g_autofree char *name = prop(ref, "name");
  return name ? g_hash_table_lookup(s->defines, name) : NULL;
}

/* ---- what an element holds ------------------------------------------------ */

static zschema_item *find_item(GPtrArray *items, const char *name) {
  for (guint i = 0; i < items->len; i++) {
    zschema_item *it = g_ptr_array_index(items, i);
    if (strcmp(it->name, name) == 0)
      return it;
  }
  return NULL;
}

static zschema_item *add_item(GPtrArray *items, const char *name, bool required, xmlNode *def) {
  zschema_item *it = find_item(items, name);
  if (!it) {
    it = g_new0(zschema_item, 1);
    it->order = -1;
    it->name = g_strdup(name);
    it->defs = g_ptr_array_new();
    g_ptr_array_add(items, it);
  }
  it->required = it->required || required;
  if (def && !g_ptr_array_find(it->defs, def, NULL))
    g_ptr_array_add(it->defs, def);
  return it;
}

static void keep_order(zschema_item *it, int order) {
  if (it->order < 0)
    it->order = order;
}

/* The content of an <element> or value of an <attribute>: its children
 * after its name class, when it has no name= (anyName...). */
static xmlNode *first_pattern(xmlNode *n) {
  xmlNode *c = xmlFirstElementChild(n);
  return xmlHasProp(n, (const xmlChar *)"name") || !c ? c : xmlNextElementSibling(c);
}

static void collect(zschema *s, zschema_element *e, xmlNode *p, bool optional, int depth);

/* A pattern of text only: <data>, <value> or a choice of them. */
static bool is_value_pattern(xmlNode *p) {
  if (is_rng(p, "data") || is_rng(p, "value"))
    return true;
  if (!is_rng(p, "choice"))
    return false;
  for (xmlNode *c = xmlFirstElementChild(p); c; c = xmlNextElementSibling(c))
    if (!is_value_pattern(c))
      return false;
  return true;
}

static void collect_children(zschema *s, zschema_element *e, xmlNode *p, bool optional, int depth) {
  for (xmlNode *c = p->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      collect(s, e, c, optional, depth);
}

/* Merges what one branch of a choice allows: a name is required only when
 * every branch requires it. */
static void merge_branch(GPtrArray *into, GPtrArray *branch, bool first, bool optional) {
  for (guint i = 0; i < into->len && !first; i++) {
    zschema_item *it = g_ptr_array_index(into, i);
    zschema_item *b = find_item(branch, it->name);
    it->required = it->required && b && b->required;
  }
  for (guint i = 0; i < branch->len; i++) {
    zschema_item *b = g_ptr_array_index(branch, i);
    bool known = find_item(into, b->name) != NULL;
    for (guint k = 0; k < b->defs->len; k++)
      keep_order(add_item(into, b->name, false, g_ptr_array_index(b->defs, k)), b->order);
    if (!b->defs->len)
      keep_order(add_item(into, b->name, false, NULL), b->order);
    find_item(into, b->name)->many |= b->many;
    if (!known)
      find_item(into, b->name)->required = first && !optional && b->required;
  }
}

static void collect_choice(zschema *s, zschema_element *e, xmlNode *p, bool optional, int depth) {
  g_autoptr(GPtrArray) attributes = g_ptr_array_new_with_free_func((GDestroyNotify)item_free);
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func((GDestroyNotify)item_free);
  bool first = true, text = false, attributed = false, each_needs_child = true;
  int next_order = e->next_order;
  GStrvBuilder *needed = g_strv_builder_new();
  zschema_choice *choice = g_new0(zschema_choice, 1);
  choice->branches = g_ptr_array_new_with_free_func((GDestroyNotify)element_free);
  choice->optional = optional;
  for (xmlNode *c = p->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE)
      continue;
    zschema_element *b = element_new();
    b->next_order = e->next_order;
    b->interleaving = e->interleaving;
    b->repeating = e->repeating;
    collect(s, b, c, false, depth);
    next_order = MAX(next_order, b->next_order);
    merge_branch(attributes, b->attributes, first, optional);
    merge_branch(children, b->children, first, optional);
    text = text || b->text->len > 0;
    e->any_text = e->any_text || b->any_text;
    e->any_attribute = e->any_attribute || b->any_attribute;
    if (b->any_child && !e->any_child)
      e->any_child_def = b->any_child_def;
    e->any_child = e->any_child || b->any_child;
    attributed = attributed || b->attributes->len > 0;
    bool needs = false;
    for (guint i = 0; i < b->children->len; i++) {
      zschema_item *it = g_ptr_array_index(b->children, i);
      if (it->required)
        g_strv_builder_add(needed, it->name);
      needs = needs || it->required;
    }
    each_needs_child = each_needs_child && needs;
    g_ptr_array_add(choice->branches, b);
    first = false;
  }
  e->next_order = next_order;
  GStrv names = g_strv_builder_end(needed);
  g_strv_builder_unref(needed);
  /* <oneOrMore><choice> of <expect>, <expect-violation>...: one is needed */
  if (!optional && !attributed && each_needs_child && !first)
    g_ptr_array_add(e->one_of, names);
  else
    g_strfreev(names);
  if (attributed)
    g_ptr_array_add(e->choices, choice);
  else
    choice_free(choice);
  /* a name the element already had keeps its own required flag */
  for (guint i = 0; i < attributes->len; i++) {
    zschema_item *it = g_ptr_array_index(attributes, i);
    for (guint k = 0; k < it->defs->len; k++)
      add_item(e->attributes, it->name, it->required, g_ptr_array_index(it->defs, k));
  }
  for (guint i = 0; i < children->len; i++) {
    zschema_item *it = g_ptr_array_index(children, i);
    for (guint k = 0; k < it->defs->len; k++)
      keep_order(add_item(e->children, it->name, it->required, g_ptr_array_index(it->defs, k)), it->order);
    zschema_item *mine = find_item(e->children, it->name);
    if (mine)
      mine->many |= it->many;
  }
  if (text) /* text matching any branch: judged by the whole choice */
    g_ptr_array_add(e->text, p);
}

static void together_free(zschema_together *t) {
  g_strfreev(t->attributes);
  g_strfreev(t->elements);
  g_free(t);
}

static GStrv names_of(GPtrArray *items, bool required_only) {
  GStrvBuilder *b = g_strv_builder_new();
  for (guint i = 0; i < items->len; i++) {
    zschema_item *it = g_ptr_array_index(items, i);
    if (it->required || !required_only)
      g_strv_builder_add(b, it->name);
  }
  GStrv out = g_strv_builder_end(b);
  g_strv_builder_unref(b);
  return out;
}

/* What an <optional> requires of itself, when that is attributes (see
 * zschema_together). */
static void collect_together(zschema *s, zschema_element *e, xmlNode *p, int depth) {
  zschema_element *inner = element_new();
  collect_children(s, inner, p, false, depth);
  zschema_together *t = g_new0(zschema_together, 1);
  t->attributes = names_of(inner->attributes, true);
  t->elements = names_of(inner->children, false);
  guint n = g_strv_length(t->attributes);
  if (n >= 2 || (n >= 1 && t->elements[0]))
    g_ptr_array_add(e->together, t);
  else
    together_free(t);
  element_free(inner);
}

static void collect_attribute(zschema_element *e, xmlNode *p, bool optional) {
  g_autofree char *name = prop(p, "name");
  if (!name) {
    e->any_attribute = true;
    return;
  }
  /* an attribute without a pattern holds <text/>: stands for itself */
  xmlNode *pattern = first_pattern(p);
  add_item(e->attributes, name, !optional, pattern ? pattern : p);
}

static void collect(zschema *s, zschema_element *e, xmlNode *p, bool optional, int depth) {
  if (depth > MAX_REF_DEPTH)
    return;
  if (is_rng(p, "attribute")) {
    collect_attribute(e, p, optional);
  } else if (is_rng(p, "element")) {
    const char *name = zschema_element_name(p);
    if (name) {
      zschema_item *it = add_item(e->children, name, !optional, p);
      keep_order(it, e->next_order);
      it->many = it->many || e->repeating > 0;
      e->next_order += !e->interleaving;
    } else if (!e->any_child) {
      e->any_child = true;
      e->any_child_def = p;
    }
  } else if (is_rng(p, "ref") || is_rng(p, "parentRef")) {
    xmlNode *d = define_of(s, p);
    if (d && is_value_pattern(xmlFirstElementChild(d)))
      g_ptr_array_add(e->text, p); /* kept by its name, for messages */
    else if (d)
      collect_children(s, e, d, optional, depth + 1);
  } else if (is_rng(p, "optional")) {
    collect_children(s, e, p, true, depth);
    collect_together(s, e, p, depth);
  } else if (is_rng(p, "zeroOrMore") || is_rng(p, "oneOrMore")) {
    e->repeating++;
    collect_children(s, e, p, optional || is_rng(p, "zeroOrMore"), depth);
    e->repeating--;
  } else if (is_rng(p, "choice")) {
    collect_choice(s, e, p, optional, depth);
  } else if (is_rng(p, "data") || is_rng(p, "value") || is_rng(p, "list")) {
    g_ptr_array_add(e->text, p);
  } else if (is_rng(p, "text")) {
    e->any_text = true;
  } else if (is_rng(p, "interleave") || is_rng(p, "mixed")) {
    e->any_text = e->any_text || is_rng(p, "mixed");
    e->interleaving++;
    collect_children(s, e, p, optional, depth);
    e->interleaving--;
    e->next_order += !e->interleaving;
  } else if (is_rng(p, "group")) {
    collect_children(s, e, p, optional, depth);
  }
}

const zschema_element *zschema_element_of(zschema *s, xmlNode *def) {
  zschema_element *e = g_hash_table_lookup(s->elements, def);
  if (e)
    return e;
  e = element_new();
  for (xmlNode *c = first_pattern(def); c; c = xmlNextElementSibling(c))
    collect(s, e, c, false, 0);
  g_hash_table_insert(s->elements, def, e);
  return e;
}

/* ---- values ---------------------------------------------------------------- */

static xmlRegexp *regex(zschema *s, const char *pattern) {
  void *re = NULL;
  if (g_hash_table_lookup_extended(s->regexes, pattern, NULL, &re))
    return re;
  re = xmlRegexpCompile((const xmlChar *)pattern);
  g_hash_table_insert(s->regexes, g_strdup(pattern), re);
  return re;
}

/* RELAX NG compares a <value> without type= as a token: spaces collapsed. */
static char *as_token(const char *v) {
  g_auto(GStrv) words = g_strsplit_set(v, " \t\r\n", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  for (char **w = words; *w; w++)
    if (**w)
      g_string_append_printf(out, "%s%s", out->len ? " " : "", *w);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

static bool value_equal(xmlNode *p, const char *v) {
  g_autofree char *type = prop(p, "type");
  g_autofree char *want = text_of(p);
  if (type && strcmp(type, "string") == 0)
    return strcmp(want, v) == 0;
  g_autofree char *a = as_token(want), *b = as_token(v);
  return strcmp(a, b) == 0;
}

static bool value_ok(zschema *s, xmlNode *p, const char *v, int depth);

static bool param_ok(zschema *s, xmlNode *param, const char *v) {
  g_autofree char *name = prop(param, "name");
  g_autofree char *arg = text_of(param);
  glong n = g_utf8_strlen(v, -1);
  if (!name)
    return true;
  if (strcmp(name, "pattern") == 0) {
    xmlRegexp *re = regex(s, arg);
    return !re || xmlRegexpExec(re, (const xmlChar *)v) == 1;
  }
  if (strcmp(name, "minLength") == 0)
    return n >= g_ascii_strtoll(arg, NULL, 10);
  if (strcmp(name, "maxLength") == 0)
    return n <= g_ascii_strtoll(arg, NULL, 10);
  if (strcmp(name, "length") == 0)
    return n == g_ascii_strtoll(arg, NULL, 10);
  return true;
}

static bool data_ok(zschema *s, xmlNode *p, const char *v, int depth) {
  g_autofree char *type = prop(p, "type");
  if (!type || strcmp(type, "string") != 0)
    return true; /* a datatype this file does not judge */
  for (xmlNode *c = p->children; c; c = c->next) {
    if (is_rng(c, "param") && !param_ok(s, c, v))
      return false;
    if (is_rng(c, "except"))
      for (xmlNode *x = c->children; x; x = x->next)
        if (x->type == XML_ELEMENT_NODE && value_ok(s, x, v, depth + 1))
          return false;
  }
  return true;
}

static bool value_ok(zschema *s, xmlNode *p, const char *v, int depth) {
  if (depth > MAX_REF_DEPTH)
    return true;
  if (is_rng(p, "value"))
    return value_equal(p, v);
  if (is_rng(p, "data"))
    return data_ok(s, p, v, depth);
  if (is_rng(p, "empty"))
    return !*v;
  if (is_rng(p, "notAllowed"))
    return false;
  if (is_rng(p, "choice")) {
    for (xmlNode *c = p->children; c; c = c->next)
      if (c->type == XML_ELEMENT_NODE && value_ok(s, c, v, depth + 1))
        return true;
    return false;
  }
  if (is_rng(p, "ref")) {
    xmlNode *d = define_of(s, p);
    for (xmlNode *c = d ? d->children : NULL; c; c = c->next)
      if (c->type == XML_ELEMENT_NODE)
        return value_ok(s, c, v, depth + 1);
  }
  return true;
}

bool zschema_value_ok(zschema *s, xmlNode *p, const char *v) {
  return value_ok(s, p, v, 0);
}

static bool values(zschema *s, xmlNode *p, GPtrArray *out, int depth) {
  if (depth > MAX_REF_DEPTH)
    return false;
  if (is_rng(p, "value")) {
    g_ptr_array_add(out, text_of(p));
    return true;
  }
  if (is_rng(p, "choice")) {
    for (xmlNode *c = p->children; c; c = c->next)
      if (c->type == XML_ELEMENT_NODE && !values(s, c, out, depth + 1))
        return false;
    return true;
  }
  if (is_rng(p, "ref")) {
    xmlNode *d = define_of(s, p);
    for (xmlNode *c = d ? d->children : NULL; c; c = c->next)
      if (c->type == XML_ELEMENT_NODE)
        return values(s, c, out, depth + 1);
  }
  return false;
}

GPtrArray *zschema_values(zschema *s, xmlNode *p) {
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
  return values(s, p, out, 0) && out->len ? g_steal_pointer(&out) : NULL;
}

static void describe_data(zschema *s, xmlNode *p, GString *out) {
  for (xmlNode *c = p->children; c; c = c->next) {
    g_autofree char *name = is_rng(c, "param") ? prop(c, "name") : NULL;
    g_autofree char *arg = name ? text_of(c) : NULL;
    if (name && strcmp(name, "pattern") == 0)
      g_string_append_printf(out, "%stext matching %s", out->len ? " " : "", arg);
    else if (name && strcmp(name, "minLength") == 0 && strcmp(arg, "1") == 0)
      g_string_append_printf(out, "%snot empty", out->len ? ", " : "");
    else if (name && strcmp(name, "minLength") == 0)
      g_string_append_printf(out, "%sat least %s characters", out->len ? ", " : "", arg);
    else if (name && strcmp(name, "maxLength") == 0)
      g_string_append_printf(out, "%sat most %s characters", out->len ? ", " : "", arg);
    if (!is_rng(c, "except"))
      continue;
    for (xmlNode *x = c->children; x; x = x->next) {
      g_autoptr(GPtrArray) vs = x->type == XML_ELEMENT_NODE ? zschema_values(s, x) : NULL;
      for (guint i = 0; vs && i < vs->len; i++)
        g_string_append_printf(out, "%s%s", i ? ", " : ", other than ", (char *)g_ptr_array_index(vs, i));
    }
  }
}

char *zschema_describe(zschema *s, xmlNode *p) {
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GPtrArray) vs = zschema_values(s, p);
  if (vs && vs->len == 1)
    return g_strdup_printf("\"%s\"", (char *)g_ptr_array_index(vs, 0));
  for (guint i = 0; vs && i < vs->len; i++)
    g_string_append_printf(out, "%s%s", i ? ", " : "one of ", (char *)g_ptr_array_index(vs, i));
  if (vs)
    return g_string_free(g_steal_pointer(&out), FALSE);
  /* a named pattern is described by its name, then its shape */
  g_autofree char *name = is_rng(p, "ref") ? prop(p, "name") : NULL;
  xmlNode *d = name ? define_of(s, p) : NULL;
  xmlNode *data = is_rng(p, "data") ? p : NULL;
  for (xmlNode *c = d ? d->children : NULL; c && !data; c = c->next)
    if (is_rng(c, "data"))
      data = c;
  if (data)
    describe_data(s, data, out);
  if (name)
    g_string_prepend(out, out->len ? ": " : "");
  if (name)
    g_string_prepend(out, name);
  return out->len ? g_string_free(g_steal_pointer(&out), FALSE) : g_strdup("other text");
}
