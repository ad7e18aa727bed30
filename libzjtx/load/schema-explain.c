/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* schema-explain.c - schema errors in our words (see the header).
 *
 * libxml2 decides whether a document follows the schema, but it stops at
 * the first error of an interleave and says "Element rule failed to
 * validate attributes" whatever is wrong.  Once it has said no, this file
 * walks the whole document beside the schema's own definitions and names
 * each unknown or missing attribute or element, each value outside its
 * pattern, what the schema expected there and the nearest allowed name. */
#include "schema-explain.h"

#include <string.h>

void zschema_problem_free(zschema_problem *p) {
  if (!p)
    return;
  zxml_error_free(p->error);
  g_free(p);
}

/* ---- did you mean ------------------------------------------------------------ */

guint zschema_distance(const char *a, const char *b, guint limit) {
  size_t n = strlen(a), m = strlen(b);
  if ((n > m ? n - m : m - n) > limit)
    return limit + 1;
  g_autofree guint *row = g_new(guint, m + 1);
  for (size_t j = 0; j <= m; j++)
    row[j] = (guint)j;
  for (size_t i = 1; i <= n; i++) {
    guint diag = row[0];
    row[0] = (guint)i;
    for (size_t j = 1; j <= m; j++) {
      guint up = row[j];
      guint cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;
      row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
      diag = up;
    }
  }
  return MIN(row[m], limit + 1);
}

/* One edit for a short word, two for a longer one: "nam" -> "name",
 * "subjet" -> "subject", "half_up" -> "half-up", not "id" -> "key". */
const char *zschema_did_you_mean(const char *word, const char *const *candidates, guint n) {
  const char *best = NULL;
  guint best_d = 0;
  for (guint i = 0; i < n; i++) {
    guint limit = strlen(candidates[i]) >= 5 ? 2 : 1;
    guint d = zschema_distance(word, candidates[i], limit);
    if (d <= limit && (!best || d < best_d)) {
      best = candidates[i];
      best_d = d;
    }
  }
  return best;
}

/* ---- positions in the text -------------------------------------------------- *
 *
 * libxml2 gives an element the line of its start tag but no column.  The
 * document has no DTD and no entities, so its start tags, in the order of
 * the text, are its elements in document order: one pass over the text
 * pairs them and gives each its line and column (in characters), in time
 * linear in the text however many errors there are. */

typedef struct {
  size_t off;
  int line, column;
} tag_pos;

typedef struct {
  const char *data;
  size_t len;
  GHashTable *tags; /* const xmlNode* -> tag_pos*, made at the first problem */
} text_index;

static void elements_in_order(const xmlNode *n, GPtrArray *out) {
  for (; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE) {
      g_ptr_array_add(out, (void *)n);
      elements_in_order(n->children, out);
    }
}

static bool starts(const char *q, const char *end, const char *s) {
  size_t n = strlen(s);
  return (size_t)(end - q) >= n && memcmp(q, s, n) == 0;
}

/* The markup at q that is not a start tag (comment, CDATA, processing
 * instruction, end tag, declaration): where it ends, else NULL. */
static const char *skip_other_markup(const char *q, const char *end) {
  const char *close = starts(q, end, "<!--")        ? "-->"
                      : starts(q, end, "<![CDATA[") ? "]]>"
                      : starts(q, end, "<?")        ? "?>"
                                                    : NULL;
  if (!close && !starts(q, end, "</") && !starts(q, end, "<!"))
    return NULL;
  close = close ? close : ">";
  const char *hit = g_strstr_len(q + 1, end - q - 1, close);
  return hit ? hit + strlen(close) : end;
}

static void index_tags(text_index *t, const xmlDoc *doc) {
  t->tags = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  g_autoptr(GPtrArray) nodes = g_ptr_array_new();
  elements_in_order(xmlDocGetRootElement((xmlDoc *)doc), nodes);
  const char *q = t->data, *end = t->data + t->len;
  int line = 1, column = 1;
  guint next = 0;
  while (q < end && next < nodes->len) {
    const char *past = *q == '<' ? skip_other_markup(q, end) : NULL;
    if (*q == '<' && !past) {
      tag_pos *p = g_new(tag_pos, 1);
      *p = (tag_pos){(size_t)(q - t->data), line, column};
      g_hash_table_insert(t->tags, g_ptr_array_index(nodes, next++), p);
      past = q + 1;
    }
    for (const char *stop = past ? past : q + 1; q < stop; q++) {
      if (*q == '\n') {
        line++;
        column = 1;
      } else if (((unsigned char)*q & 0xC0) != 0x80) {
        column++;
      }
    }
  }
}

static bool name_ends(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>' || c == '=';
}

/* Where attribute `name` is written in the start tag at p: its line and
 * column.  False when it is not there. */
static bool attribute_position(const text_index *t, const tag_pos *p, const char *name, int *line, int *column) {
  size_t n = strlen(name);
  char quote = 0;
  *line = p->line;
  *column = p->column;
  for (size_t i = p->off; i < t->len; i++) {
    char c = t->data[i];
    if (i > p->off && !quote && c == '>')
      return false;
    if (i > p->off && !quote && name_ends(t->data[i - 1]) && t->len - i > n && memcmp(t->data + i, name, n) == 0 &&
        name_ends(t->data[i + n]))
      return true;
    if (quote)
      quote = c == quote ? 0 : quote;
    else if (c == '"' || c == '\'')
      quote = c;
    if (c == '\n') {
      (*line)++;
      *column = 1;
    } else if (((unsigned char)c & 0xC0) != 0x80) {
      (*column)++;
    }
  }
  return false;
}

/* ---- the walk ----------------------------------------------------------------- */

typedef struct {
  zschema *s;
  text_index text;
  guint max;
  GPtrArray *problems;
} walker;

static void report(walker *w, const xmlNode *node, const char *attribute, char *message) {
  if (w->problems->len >= w->max) {
    g_free(message);
    return;
  }
  zxml_error *e = g_new0(zxml_error, 1);
  e->code = ZJTX_ERR_SCHEMA;
  e->message = message;
  e->element = g_strdup((const char *)node->name);
  e->line = (int)xmlGetLineNo(node);
  if (w->text.data && !w->text.tags)
    index_tags(&w->text, node->doc);
  const tag_pos *tag = w->text.tags ? g_hash_table_lookup(w->text.tags, node) : NULL;
  if (tag && !(attribute && attribute_position(&w->text, tag, attribute, &e->line, &e->column))) {
    e->line = tag->line;
    e->column = tag->column;
  }
  zschema_problem *p = g_new0(zschema_problem, 1);
  p->error = e;
  p->node = node;
  g_ptr_array_add(w->problems, p);
}

/* "id=, subject=, clause=" or "title, amount". */
static char *list_names(GPtrArray *items, const char *suffix) {
  g_autoptr(GString) out = g_string_new(NULL);
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf(out, "%s%s%s", i ? ", " : "", ((zschema_item *)g_ptr_array_index(items, i))->name, suffix);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

static const char *nearest_item(GPtrArray *items, const char *word) {
  g_autofree const char **names = g_new(const char *, items->len + 1);
  for (guint i = 0; i < items->len; i++)
    names[i] = ((zschema_item *)g_ptr_array_index(items, i))->name;
  return zschema_did_you_mean(word, names, items->len);
}

static zschema_item *find(GPtrArray *items, const char *name) {
  for (guint i = 0; i < items->len; i++)
    if (strcmp(((zschema_item *)g_ptr_array_index(items, i))->name, name) == 0)
      return g_ptr_array_index(items, i);
  return NULL;
}

static bool value_allowed(walker *w, const zschema_item *it, const char *v) {
  for (guint i = 0; i < it->defs->len; i++)
    if (zschema_value_ok(w->s, g_ptr_array_index(it->defs, i), v))
      return true;
  return !it->defs->len;
}

/* What a value outside the schema should have been ("one of half-up,
 * half-even" or "year-data: text matching [0-9]{4}"), and in *near the
 * nearest allowed value when they are a list. */
static char *expected_value(walker *w, const zschema_item *it, const char *v, char **near) {
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
  bool finite = true;
  for (guint i = 0; i < it->defs->len; i++) {
    xmlNode *p = g_ptr_array_index(it->defs, i);
    g_autofree char *d = zschema_describe(w->s, p);
    g_string_append_printf(out, "%s%s", i ? " or " : "", d);
    g_autoptr(GPtrArray) vs = zschema_values(w->s, p);
    finite = finite && vs;
    for (guint k = 0; vs && k < vs->len; k++)
      g_ptr_array_add(all, g_strdup(g_ptr_array_index(vs, k)));
  }
  const char *n = all->len ? zschema_did_you_mean(v, (const char *const *)all->pdata, all->len) : NULL;
  *near = g_strdup(n);
  /* one list for the values of every branch (<field type=>) */
  if (finite && it->defs->len > 1) {
    g_string_assign(out, "one of ");
    for (guint k = 0; k < all->len; k++)
      g_string_append_printf(out, "%s%s", k ? ", " : "", (char *)g_ptr_array_index(all, k));
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

static void bad_value(walker *w, const xmlNode *node, const zschema_item *it, const char *v) {
  g_autofree char *near = NULL;
  g_autofree char *expected = expected_value(w, it, v, &near);
  g_autofree char *hint = near ? g_strdup_printf(" (did you mean \"%s\"?)", near) : g_strdup("");
  report(w, node, it->name,
         g_strdup_printf("%s=\"%s\" is not allowed on <%s>%s: expected %s", it->name, v, (const char *)node->name, hint,
                         expected));
}

/* A missing name that a misspelt one stands for is said once, as the
 * misspelling ("subjet=, did you mean subject=?"), not again as missing. */
static void check_attributes(walker *w, const xmlNode *node, const zschema_element *e) {
  const char *el = (const char *)node->name;
  g_autoptr(GHashTable) meant = g_hash_table_new(g_str_hash, g_str_equal);
  for (const xmlAttr *a = node->properties; a; a = a->next) {
    const char *name = (const char *)a->name;
    if (a->ns && !e->any_attribute) { /* the schemas name no attribute in a namespace */
      g_autofree char *qname = g_strdup_printf("%s:%s", a->ns->prefix ? (const char *)a->ns->prefix : "", name);
      report(w, node, qname, g_strdup_printf("<%s> takes no attribute %s=", el, qname));
      continue;
    }
    if (a->ns)
      continue;
    zschema_item *it = find(e->attributes, name);
    if (!it && !e->any_attribute) {
      const char *near = nearest_item(e->attributes, name);
      if (near)
        g_hash_table_add(meant, (char *)near);
      if (near)
        report(w, node, name, g_strdup_printf("<%s> takes no attribute %s= (did you mean %s=?)", el, name, near));
      else
        report(w, node, name, g_strdup_printf("<%s> takes no attribute %s=", el, name));
      continue;
    }
    xmlChar *v = it ? xmlNodeGetContent((const xmlNode *)a) : NULL;
    if (it && !value_allowed(w, it, v ? (const char *)v : ""))
      bad_value(w, node, it, v ? (const char *)v : "");
    xmlFree(v);
  }
  for (guint i = 0; i < e->attributes->len; i++) {
    zschema_item *it = g_ptr_array_index(e->attributes, i);
    if (it->required && !xmlHasProp(node, (const xmlChar *)it->name) && !g_hash_table_contains(meant, it->name))
      report(w, node, NULL, g_strdup_printf("<%s> needs %s=", el, it->name));
  }
}

/* ---- choices of attributes ------------------------------------------------------ */

static bool in_choice(const zschema_choice *c, const char *name) {
  for (guint i = 0; i < c->branches->len; i++)
    if (find(((zschema_element *)g_ptr_array_index(c->branches, i))->attributes, name))
      return true;
  return false;
}

static char *value_of(const xmlNode *node, const char *name) {
  xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
  char *s = g_strdup(v ? (const char *)v : NULL);
  xmlFree(v);
  return s;
}

/* A branch is chosen when all it requires is there with values it allows. */
static bool chosen(walker *w, const zschema_element *b, const xmlNode *node) {
  for (guint i = 0; i < b->attributes->len; i++) {
    zschema_item *it = g_ptr_array_index(b->attributes, i);
    g_autofree char *v = value_of(node, it->name);
    if ((it->required && !v) || (v && !value_allowed(w, it, v)))
      return false;
  }
  return true;
}

/* The branch takes every attribute of node the choice names. */
static bool takes_all(const zschema_choice *c, const zschema_element *b, const xmlNode *node) {
  for (const xmlAttr *a = node->properties; a; a = a->next)
    if (!a->ns && in_choice(c, (const char *)a->name) && !find(b->attributes, (const char *)a->name))
      return false;
  return true;
}

static bool everywhere(const zschema_choice *c, const char *name) {
  for (guint k = 0; k < c->branches->len; k++)
    if (!find(((zschema_element *)g_ptr_array_index(c->branches, k))->attributes, name))
      return false;
  return true;
}

/* "type="money"": what the node says that every branch asks for. */
static char *choosing(const zschema_choice *c, const zschema_element *b, const xmlNode *node) {
  g_autoptr(GString) out = g_string_new(NULL);
  for (guint i = 0; i < b->attributes->len; i++) {
    zschema_item *it = g_ptr_array_index(b->attributes, i);
    g_autofree char *v = everywhere(c, it->name) ? value_of(node, it->name) : NULL;
    if (v)
      g_string_append_printf(out, " %s=\"%s\"", it->name, v);
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* A branch the node may have meant: what it gives is allowed there, and
 * what every branch asks for (type=) is given. */
static bool candidate(walker *w, const zschema_choice *c, const zschema_element *b, const xmlNode *node) {
  if (!takes_all(c, b, node))
    return false;
  for (guint i = 0; i < b->attributes->len; i++) {
    zschema_item *it = g_ptr_array_index(b->attributes, i);
    g_autofree char *v = value_of(node, it->name);
    if ((v && !value_allowed(w, it, v)) || (!v && it->required && everywhere(c, it->name)))
      return false;
  }
  return true;
}

/* No branch is complete: the attributes the branches it may have meant
 * still need ("<expect> needs amount= or none=", "<field type="ref"> needs
 * entity="); a value no branch allows is said by check_attributes. */
static void needs_one_of(walker *w, const xmlNode *node, const zschema_choice *c) {
  g_autoptr(GString) names = g_string_new(NULL);
  const zschema_element *only = NULL;
  guint n = 0;
  for (guint i = 0; i < c->branches->len; i++) {
    const zschema_element *b = g_ptr_array_index(c->branches, i);
    if (!candidate(w, c, b, node))
      continue;
    only = b;
    n++;
    for (guint k = 0; k < b->attributes->len; k++) {
      zschema_item *it = g_ptr_array_index(b->attributes, k);
      if (it->required && !xmlHasProp(node, (const xmlChar *)it->name))
        g_string_append_printf(names, "%s%s=", names->len ? " or " : "", it->name);
    }
  }
  g_autofree char *with = n == 1 ? choosing(c, only, node) : g_strdup("");
  if (names->len)
    report(w, node, NULL, g_strdup_printf("<%s%s> needs %s", (const char *)node->name, with, names->str));
}

static bool has_child(const xmlNode *node, const char *name);

static bool in_choice_children(const zschema_choice *c, const char *name) {
  for (guint i = 0; i < c->branches->len; i++)
    if (find(((zschema_element *)g_ptr_array_index(c->branches, i))->children, name))
      return true;
  return false;
}

/* The elements the chosen branch needs (<field type="code"> needs <code>)
 * and those only another branch takes (<code> in <field type="text">). */
static void branch_children(walker *w, const xmlNode *node, const zschema_choice *c, const zschema_element *b) {
  g_autofree char *with = choosing(c, b, node);
  for (guint i = 0; i < b->children->len; i++) {
    zschema_item *it = g_ptr_array_index(b->children, i);
    if (it->required && !has_child(node, it->name))
      report(w, node, NULL, g_strdup_printf("<%s%s> needs <%s>", (const char *)node->name, with, it->name));
  }
  for (const xmlNode *k = node->children; k; k = k->next)
    if (k->type == XML_ELEMENT_NODE && !find(b->children, (const char *)k->name) &&
        in_choice_children(c, (const char *)k->name)) {
      report(w, k, NULL,
             g_strdup_printf("<%s%s> holds no <%s>", (const char *)node->name, with, (const char *)k->name));
      return;
    }
}

static void check_choice(walker *w, const xmlNode *node, const zschema_choice *c) {
  g_autoptr(GPtrArray) picked = g_ptr_array_new();
  bool any_attribute = false;
  for (const xmlAttr *a = node->properties; a && !any_attribute; a = a->next)
    any_attribute = !a->ns && in_choice(c, (const char *)a->name);
  for (guint i = 0; i < c->branches->len; i++) {
    zschema_element *b = g_ptr_array_index(c->branches, i);
    if (chosen(w, b, node) && takes_all(c, b, node)) {
      branch_children(w, node, c, b);
      return;
    }
    if (chosen(w, b, node))
      g_ptr_array_add(picked, b);
  }
  if (c->optional && !any_attribute)
    return;
  if (!picked->len) {
    needs_one_of(w, node, c);
    return;
  }
  if (picked->len > 1) {
    g_autoptr(GString) names = g_string_new(NULL);
    for (const xmlAttr *a = node->properties; a; a = a->next)
      if (!a->ns && in_choice(c, (const char *)a->name))
        g_string_append_printf(names, "%s%s=", names->len ? ", " : "", (const char *)a->name);
    report(w, node, NULL, g_strdup_printf("<%s> takes only one of %s", (const char *)node->name, names->str));
    return;
  }
  const zschema_element *b = g_ptr_array_index(picked, 0);
  g_autofree char *with = choosing(c, b, node);
  for (const xmlAttr *a = node->properties; a; a = a->next)
    if (!a->ns && in_choice(c, (const char *)a->name) && !find(b->attributes, (const char *)a->name))
      report(w, node, (const char *)a->name,
             g_strdup_printf("<%s%s> takes no attribute %s=", (const char *)node->name, with, (const char *)a->name));
}

static bool has_child(const xmlNode *node, const char *name);

/* "parent= and parent-key=" */
static char *joined(char **names, const char *sep, const char *suffix) {
  g_autoptr(GString) out = g_string_new(NULL);
  for (char **n = names; *n; n++)
    g_string_append_printf(out, "%s%s%s", out->len ? sep : "", *n, suffix);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* <entity parent="shop"> without parent-key=, <filter> without group-by=:
 * what one <optional> holds comes together or not at all. */
static void check_together(walker *w, const xmlNode *node, const zschema_together *t) {
  const char *el = (const char *)node->name;
  g_autoptr(GString) given = g_string_new(NULL), missing = g_string_new(NULL);
  for (char **n = t->attributes; *n; n++) {
    GString *to = xmlHasProp(node, (const xmlChar *)*n) ? given : missing;
    g_string_append_printf(to, "%s%s=", to->len ? ", " : "", *n);
  }
  g_autofree char *all = joined(t->attributes, " and ", "=");
  if (given->len && missing->len) {
    report(
        w, node, NULL,
        g_strdup_printf("<%s> has %s but not %s: %s come together or not at all", el, given->str, missing->str, all));
    return;
  }
  for (char **n = t->elements; !given->len && *n; n++)
    if (has_child(node, *n)) {
      report(w, node, NULL, g_strdup_printf("<%s> holds <%s>, which needs %s on <%s>", el, *n, all, el));
      return;
    }
}

/* <test> without any <expect...>: one of the choice is needed. */
static void check_one_of(walker *w, const xmlNode *node, char **names) {
  for (char **n = names; *n; n++)
    if (has_child(node, *n))
      return;
  g_autoptr(GString) all = g_string_new(NULL);
  for (char **n = names; *n; n++)
    g_string_append_printf(all, "%s<%s>", all->len ? (n[1] ? ", " : " or ") : "", *n);
  report(w, node, NULL,
         g_strdup_printf("<%s> needs %s%s", (const char *)node->name, names[1] ? "one of " : "", all->str));
}

static bool has_child(const xmlNode *node, const char *name) {
  for (const xmlNode *c = node->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
      return true;
  return false;
}

static void unknown_child(walker *w, const xmlNode *node, const zschema_element *e, const xmlNode *c,
                          GHashTable *meant) {
  const char *el = (const char *)node->name, *name = (const char *)c->name;
  if (!e->children->len) {
    report(w, c, NULL, g_strdup_printf("<%s> is not allowed in <%s>: <%s> holds no elements", name, el, el));
    return;
  }
  const char *near = nearest_item(e->children, name);
  g_autofree char *all = list_names(e->children, "");
  if (near)
    g_hash_table_add(meant, (char *)near);
  if (near)
    report(w, c, NULL,
           g_strdup_printf("<%s> is not allowed in <%s> (did you mean <%s>?); <%s> holds %s", name, el, near, el, all));
  else
    report(w, c, NULL, g_strdup_printf("<%s> is not allowed in <%s>; <%s> holds %s", name, el, el, all));
}

static void walk(walker *w, const xmlNode *node, xmlNode *def);

static bool only_text(const xmlNode *node) {
  for (const xmlNode *c = node->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      return false;
  return true;
}

/* Text where the schema has only elements: "<rule>stray<amount>". */
static void stray_text(walker *w, const xmlNode *node) {
  for (const xmlNode *c = node->children; c; c = c->next) {
    if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
      continue;
    g_autofree char *t = g_strstrip(g_strdup(c->content ? (const char *)c->content : ""));
    if (!*t)
      continue;
    report(w, node, NULL,
           g_strdup_printf("<%s> holds text \"%s\" where it takes only elements", (const char *)node->name, t));
    return;
  }
}

static void check_text(walker *w, const xmlNode *node, const zschema_element *e) {
  if (!e->text->len && !e->any_text && !e->any_child)
    stray_text(w, node);
  if (!e->text->len || !only_text(node))
    return;
  xmlChar *v = xmlNodeGetContent(node);
  const char *text = v ? (const char *)v : "";
  for (guint i = 0; i < e->text->len; i++) {
    xmlNode *p = g_ptr_array_index(e->text, i);
    if (zschema_value_ok(w->s, p, text))
      continue;
    g_autofree char *expected = zschema_describe(w->s, p);
    g_autofree char *shown = g_strstrip(g_strdup(text));
    report(w, node, NULL, g_strdup_printf("<%s> holds \"%s\": expected %s", (const char *)node->name, shown, expected));
    break;
  }
  xmlFree(v);
}

/* Children in the order the schema gives (<condition> before <amount>);
 * those of an interleave come in any order. */
static void check_order(walker *w, const xmlNode *node, const zschema_element *e, const zschema_item *it,
                        const xmlNode *c, const zschema_item **latest) {
  if (!it || it->order < 0)
    return;
  if (*latest && it->order < (*latest)->order) {
    const char *el = (const char *)node->name;
    g_autofree char *all = list_names(e->children, "");
    report(w, c, NULL,
           g_strdup_printf("<%s> must come before <%s> in <%s> (<%s> holds %s, in this order)", (const char *)c->name,
                           (*latest)->name, el, el, all));
    return;
  }
  if (!*latest || it->order > (*latest)->order)
    *latest = it;
}

static void check_children(walker *w, const xmlNode *node, const zschema_element *e) {
  g_autoptr(GHashTable) meant = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) known = g_ptr_array_new();
  const zschema_item *latest = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) twice = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (const xmlNode *c = node->children; c && w->problems->len < w->max; c = c->next) {
    if (c->type != XML_ELEMENT_NODE)
      continue;
    zschema_item *it = find(e->children, (const char *)c->name);
    check_order(w, node, e, it, c, &latest);
    if (it && !it->many && g_hash_table_contains(seen, it) && !g_hash_table_contains(twice, it)) {
      g_hash_table_add(twice, it);
      report(w, c, NULL,
             g_strdup_printf("<%s> is given twice in <%s>, which takes one", it->name, (const char *)node->name));
    }
    if (it)
      g_hash_table_add(seen, it);
    xmlNode *cdef = it && it->defs->len ? g_ptr_array_index(it->defs, 0) : e->any_child_def;
    if (cdef) {
      g_ptr_array_add(known, (void *)c);
      g_ptr_array_add(known, cdef);
    } else {
      unknown_child(w, node, e, c, meant);
    }
  }
  for (guint i = 0; i < e->children->len; i++) {
    zschema_item *it = g_ptr_array_index(e->children, i);
    if (it->required && !has_child(node, it->name) && !g_hash_table_contains(meant, it->name))
      report(w, node, NULL, g_strdup_printf("<%s> needs <%s>", (const char *)node->name, it->name));
  }
  check_text(w, node, e);
  for (guint i = 0; i < known->len; i += 2)
    walk(w, g_ptr_array_index(known, i), g_ptr_array_index(known, i + 1));
}

static void walk(walker *w, const xmlNode *node, xmlNode *def) {
  if (w->problems->len >= w->max)
    return; /* enough said: a hostile file may hold a million mistakes */
  const zschema_element *e = zschema_element_of(w->s, def);
  check_attributes(w, node, e);
  for (guint i = 0; i < e->choices->len; i++)
    check_choice(w, node, g_ptr_array_index(e->choices, i));
  for (guint i = 0; i < e->together->len; i++)
    check_together(w, node, g_ptr_array_index(e->together, i));
  for (guint i = 0; i < e->one_of->len; i++)
    check_one_of(w, node, g_ptr_array_index(e->one_of, i));
  check_children(w, node, e);
}

void zschema_explain(zschema *s, xmlDoc *doc, const char *data, size_t len, guint max, GPtrArray *problems) {
  walker w = {s, {data, len, NULL}, max, problems};
  xmlNode *root = xmlDocGetRootElement(doc);
  const GPtrArray *start = zschema_start(s);
  xmlNode *def = NULL;
  for (guint i = 0; root && i < start->len && !def; i++) {
    const char *name = zschema_element_name(g_ptr_array_index(start, i));
    if (!name || strcmp(name, (const char *)root->name) == 0)
      def = g_ptr_array_index(start, i);
  }
  if (def)
    walk(&w, root, def);
  else if (root && start->len)
    report(&w, root, NULL,
           g_strdup_printf("the document is <%s>, expected <%s>", (const char *)root->name,
                           zschema_element_name(g_ptr_array_index(start, 0))));
  if (w.text.tags)
    g_hash_table_destroy(w.text.tags);
}
