/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-load.c - reads policy XML safely, validates it against the
 * embedded RELAX NG schema, and builds the policy model; then resolves
 * names across the whole chain of `extends` and compiles every expression.
 *
 * Hostile input: no network (XML_PARSE_NONET), no DTD loading, no entity
 * substitution, no DOCTYPE at all, limits on size, nesting and the extends
 * chain.  libxml2 errors are collected through the structured error hook so
 * the *first* one is reported, and nothing is printed. */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "policy-load.h"

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compile.h"
#include "error.h"
#include "ident.h"

/* ---- reading XML safely ------------------------------------------------- */

typedef struct {
  const char *file;
  zjtx_error *first;
  zjtx_status code;
} xml_errors;

static void on_xml_error(void *data, xmlErrorPtr e) {
  xml_errors *x = data;
  if (x->first || !e || e->level < XML_ERR_ERROR)
    return;
  char *msg = g_strstrip(g_strdup(e->message ? e->message : "invalid XML"));
  x->first = zerr_new(x->code, x->file, e->line, e->int2, NULL, "%s", msg);
  g_free(msg);
}

/* memmem(): the whole buffer, NUL bytes included. */
static const char *find_bytes(const char *data, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (const char *q = data; n <= len && (q = memchr(q, needle[0], len - (size_t)(q - data) - n + 1)); q++)
    if (memcmp(q, needle, n) == 0)
      return q;
  return NULL;
}

static bool has_doctype(const char *data, size_t len) {
  /* A policy never needs a DTD; refusing any DOCTYPE rules out external
   * entities and entity-expansion bombs before libxml2 sees them. */
  return find_bytes(data, len, "<!DOCTYPE") || find_bytes(data, len, "<!ENTITY");
}

static bool starts(const char *q, const char *end, const char *prefix) {
  size_t n = strlen(prefix);
  return (size_t)(end - q) >= n && memcmp(q, prefix, n) == 0;
}

/* Moves *q past the next `close` (or to end), counting lines. */
static void skip_past(const char **q, const char *end, const char *close, int *line) {
  for (; *q < end; (*q)++) {
    if (starts(*q, end, close)) {
      *q += strlen(close);
      return;
    }
    if (**q == '\n')
      (*line)++;
  }
}

/* Element nesting, counted on the raw text before libxml2 parses it, so that
 * a deeply nested document is refused as a limit whatever its depth
 * (libxml2 on its own stops at 256 levels with a parser error).  Returns the
 * line of the first element nested too deep, or 0. */
static int too_deep(const char *data, size_t len, int max) {
  const char *q = data, *end = data + len;
  int depth = 0, line = 1;
  while (q < end) {
    if (*q != '<') {
      if (*q++ == '\n')
        line++;
      continue;
    }
    if (starts(q, end, "<!--")) {
      skip_past(&q, end, "-->", &line);
    } else if (starts(q, end, "<![CDATA[")) {
      skip_past(&q, end, "]]>", &line);
    } else if (starts(q, end, "<?")) {
      skip_past(&q, end, "?>", &line);
    } else if (starts(q, end, "</")) {
      depth--;
      skip_past(&q, end, ">", &line);
    } else if (starts(q, end, "<!")) {
      skip_past(&q, end, ">", &line);
    } else {
      int tag_line = line;
      char quote = 0;
      const char *gt = NULL;
      for (q++; q < end && !gt; q++) {
        if (*q == '\n')
          line++;
        else if (quote)
          quote = *q == quote ? 0 : quote;
        else if (*q == '"' || *q == '\'')
          quote = *q;
        else if (*q == '>')
          gt = q;
      }
      if (gt && gt[-1] == '/')
        continue; /* <empty/> */
      if (++depth > max)
        return tag_line;
    }
  }
  return 0;
}

static int depth_of(xmlNode *n) {
  int best = 0;
  for (xmlNode *c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      best = MAX(best, depth_of(c));
  return best + 1;
}

static xmlDoc *read_xml(const char *data, size_t len, const char *file, zjtx_error **err) {
  if (len > ZPOLICY_MAX_BYTES)
    return zerr_set(err, ZJTX_ERR_LIMIT, file, 0, 0, NULL, "policy is larger than %d bytes", ZPOLICY_MAX_BYTES), NULL;
  if (has_doctype(data, len))
    return zerr_set(err, ZJTX_ERR_XML, file, 0, 0, NULL,
                    "policy contains a DOCTYPE or entity declaration: DTDs and entities are refused for safety"),
           NULL;
  int deep = too_deep(data, len, ZPOLICY_MAX_DEPTH);
  if (deep)
    return zerr_set(err, ZJTX_ERR_LIMIT, file, deep, 0, NULL, "elements nested deeper than %d levels",
                    ZPOLICY_MAX_DEPTH),
           NULL;
  xml_errors x = {file, NULL, ZJTX_ERR_XML};
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt)
    return zerr_set(err, ZJTX_ERR_NOMEM, file, 0, 0, NULL, "out of memory"), NULL;
  /* libxml2 2.9 keeps this hook per thread: safe with concurrent loads */
  xmlSetStructuredErrorFunc(&x, on_xml_error);
  /* "UTF-8" explicitly: otherwise libxml2 2.9 prints encoding errors */
  xmlDoc *doc = xmlCtxtReadMemory(ctxt, data, (int)len, file, "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
  xmlSetStructuredErrorFunc(NULL, NULL);
  xmlFreeParserCtxt(ctxt);
  if (!doc || x.first) {
    if (doc)
      xmlFreeDoc(doc);
    if (!x.first)
      x.first = zerr_new(ZJTX_ERR_XML, file, 0, 0, NULL, "not well-formed XML");
    zerr_give(err, x.first);
    return NULL;
  }
  if (doc->intSubset || doc->extSubset) {
    xmlFreeDoc(doc);
    return zerr_set(err, ZJTX_ERR_XML, file, 0, 0, NULL, "DTDs are refused for safety"), NULL;
  }
  xmlNode *root = xmlDocGetRootElement(doc);
  if (!root || depth_of(root) > ZPOLICY_MAX_DEPTH) {
    xmlFreeDoc(doc);
    return zerr_set(err, ZJTX_ERR_LIMIT, file, 0, 0, NULL, "elements nested deeper than %d levels",
                    ZPOLICY_MAX_DEPTH), NULL;
  }
  return doc;
}

static bool validate_schema(xmlDoc *doc, const char *file, zjtx_error **err) {
  xml_errors x = {file, NULL, ZJTX_ERR_SCHEMA};
  xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(zjtx_policy_schema, (int)zjtx_policy_schema_len);
  xmlRelaxNGSetParserStructuredErrors(pc, on_xml_error, &x);
  xmlRelaxNGPtr schema = xmlRelaxNGParse(pc);
  xmlRelaxNGFreeParserCtxt(pc);
  if (!schema) {
    zjtx_error_free(x.first);
    return zerr_set(err, ZJTX_ERR_SCHEMA, file, 0, 0, NULL, "the embedded policy schema is broken"), false;
  }
  x.first = NULL;
  xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(schema);
  xmlRelaxNGSetValidStructuredErrors(vc, on_xml_error, &x);
  int rc = xmlRelaxNGValidateDoc(vc, doc);
  xmlRelaxNGFreeValidCtxt(vc);
  xmlRelaxNGFree(schema);
  if (rc == 0)
    return true;
  if (!x.first)
    x.first = zerr_new(ZJTX_ERR_SCHEMA, file, 0, 0, NULL, "does not follow the policy schema");
  zerr_give(err, x.first);
  return false;
}

/* ---- the document walk -------------------------------------------------- */

typedef struct {
  struct zjtx_policy *p;
  const char *file;      /* interned */
  const char *data;      /* the XML text, for expression positions */
  size_t len;
  const char *origin;    /* this document's policy id */
  zjtx_error *err;
  size_t cursor;         /* end of the last expression element read */
  size_t known_off;      /* a byte offset whose line and column are known: */
  int known_line, known_col; /* positions are counted on from there */
  GHashTable *raw_of;    /* zsource_expr* -> its text as written, where that differs */
  GHashTable *derived;   /* "entity\tname" -> the visible zderived (all documents) */
  GHashTable *rule_ids;  /* rule and check ids (all documents) */
} walker;

/* Names that can only be resolved once every document is read: a ref
 * field's entity, an inverse relation's entity and field, an entity's
 * parent and key. */
typedef struct {
  zfield *field;         /* a ref field, or NULL */
  zrelation *relation;   /* an inverse relation, or NULL */
  zentity *entity;       /* an entity declaration's parent/key, or NULL */
  char *entity_name, *via_name, *key_name;
  zpos pos;
} pending;

static void pending_free(pending *pd) {
  g_free(pd->entity_name);
  g_free(pd->via_name);
  g_free(pd->key_name);
  g_free(pd);
}

static char *prop(xmlNode *n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  char *s = v ? g_strdup((const char *)v) : NULL;
  xmlFree(v);
  return s;
}

static bool is(xmlNode *n, const char *name) {
  return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static char *content(xmlNode *n) {
  xmlChar *v = xmlNodeGetContent(n);
  char *s = g_strdup(v ? (const char *)v : "");
  xmlFree(v);
  return s;
}

static zpos pos_of(walker *w, xmlNode *n) {
  return (zpos){w->file, (int)xmlGetLineNo(n), 0};
}

static bool fail(walker *w, xmlNode *n, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool fail(walker *w, xmlNode *n, const char *fmt, ...) {
  if (!w->err) {
    va_list ap;
    va_start(ap, fmt);
    w->err = zerr_newv(ZJTX_ERR_POLICY, w->file, n ? (int)xmlGetLineNo(n) : 0, 0, NULL, fmt, ap);
    va_end(ap);
  }
  return false;
}

static bool xml_name_char(char c) { return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':'; }

/* Where the content of an element that starts at `start` ends: at its end
 * tag, past comments, CDATA sections and processing instructions. */
static const char *content_end(const char *q, const char *end) {
  int lines = 0;
  while (q < end) {
    if (starts(q, end, "<!--"))
      skip_past(&q, end, "-->", &lines);
    else if (starts(q, end, "<![CDATA["))
      skip_past(&q, end, "]]>", &lines);
    else if (starts(q, end, "<?"))
      skip_past(&q, end, "?>", &lines);
    else if (*q == '<')
      return q;
    else
      q++;
  }
  return end;
}

static void advance_pos(const char *q, int *line, int *col) {
  if (*q == '\n') {
    (*line)++;
    *col = 1;
  } else if (((unsigned char)*q & 0xC0) != 0x80) {
    (*col)++; /* characters, not UTF-8 continuation bytes (as expr-parse.c) */
  }
}

/* Where the text of expression element n starts: after the '>' of its start
 * tag.  libxml2 gives elements a line (that of the end of the start tag) but
 * no column, so the start tag is found in the text: the next `<name` after
 * the previous expression element, outside comments, CDATA and processing
 * instructions (expression elements are read in document order, and two may
 * share a line), its end found past quoted attribute values.  Lines and
 * columns are counted on from the previous one, so all of this is linear in
 * the file.  Also gives the element's content as written. */
static zpos text_pos(walker *w, xmlNode *n, const char **raw, size_t *raw_len) {
  zpos pos = pos_of(w, n);
  *raw = NULL;
  *raw_len = 0;
  const char *end = w->data + w->len, *name = (const char *)n->name, *t = NULL;
  size_t nlen = strlen(name);
  int ignored = 0;
  for (const char *q = w->data + w->cursor; q < end && !t;) {
    if (*q != '<')
      q++;
    else if (starts(q, end, "<!--"))
      skip_past(&q, end, "-->", &ignored);
    else if (starts(q, end, "<![CDATA["))
      skip_past(&q, end, "]]>", &ignored);
    else if (starts(q, end, "<?"))
      skip_past(&q, end, "?>", &ignored);
    else if ((size_t)(end - q) > nlen + 1 && memcmp(q + 1, name, nlen) == 0 && !xml_name_char(q[1 + nlen]))
      t = q;
    else
      q++;
  }
  if (!t)
    return pos;
  const char *gt = NULL;
  char quote = 0;
  for (const char *q = t + 1 + nlen; q < end && !gt; q++) {
    if (quote)
      quote = *q == quote ? 0 : quote;
    else if (*q == '"' || *q == '\'')
      quote = *q;
    else if (*q == '>')
      gt = q;
  }
  if (!gt)
    return pos;
  const char *start = gt + 1, *stop = gt[-1] == '/' ? start : content_end(start, end);
  int l = w->known_line, col = w->known_col;
  for (const char *q = w->data + w->known_off; q < start; q++)
    advance_pos(q, &l, &col);
  w->known_off = (size_t)(start - w->data);
  w->known_line = l;
  w->known_col = col;
  w->cursor = (size_t)(stop - w->data);
  pos.line = l;
  pos.column = col;
  *raw = start;
  *raw_len = (size_t)(stop - start);
  return pos;
}

static void source_expr(walker *w, xmlNode *n, zsource_expr *out) {
  out->text = content(n);
  const char *raw;
  size_t raw_len;
  out->pos = text_pos(w, n, &raw, &raw_len);
  /* entity references, CDATA, comments or CR LF: positions in the text
   * differ from positions in the file (see remap_error) */
  if (raw && (raw_len != strlen(out->text) || memcmp(raw, out->text, raw_len) != 0))
    g_hash_table_insert(w->raw_of, out, g_strndup(raw, raw_len));
}

/* ---- positions in expression text that differs from the file ------------- */

/* Moves *q (and the file position) past what is not content: comments,
 * processing instructions, CDATA markers. */
static void skip_markup(const char **q, const char *end, bool *cdata, int *line, int *col) {
  for (;;) {
    const char *before = *q;
    int ignored = 0;
    if (!*cdata && starts(*q, end, "<!--"))
      skip_past(q, end, "-->", &ignored);
    else if (!*cdata && starts(*q, end, "<?"))
      skip_past(q, end, "?>", &ignored);
    else if (!*cdata && starts(*q, end, "<![CDATA[")) {
      *q += 9;
      *cdata = true;
    } else if (*cdata && starts(*q, end, "]]>")) {
      *q += 3;
      *cdata = false;
    } else {
      return;
    }
    for (const char *p = before; p < *q; p++)
      advance_pos(p, line, col);
  }
}

/* Moves *q (and the file position) over one character of content as written:
 * a character, a reference (&lt; &#x27;) or a line end (CR LF, CR, LF).
 * Returns whether that character is a line end of the content. */
static bool content_char(const char **q, const char *end, bool cdata, int *line, int *col) {
  const char *c = *q, *semi = NULL;
  if (!cdata && *c == '&' && (semi = memchr(c, ';', (size_t)(end - c)))) {
    *q = semi + 1;
    for (const char *p = c; p < *q; p++)
      advance_pos(p, line, col);
    return starts(c, end, "&#10;") || starts(c, end, "&#xA;") || starts(c, end, "&#xa;");
  }
  if (*c == '\r' || *c == '\n') {
    *q += starts(c, end, "\r\n") ? 2 : 1;
    advance_pos("\n", line, col);
    return true;
  }
  *q = MIN(g_utf8_next_char(c), end);
  advance_pos(c, line, col);
  return false;
}

static int pos_cmp(int l1, int c1, int l2, int c2) { return l1 != l2 ? (l1 > l2) - (l1 < l2) : (c1 > c2) - (c1 < c2); }

/* An error found in expression text points into the text libxml2 gave; where
 * that differs from the file (&lt; is one character of the text, four of the
 * file), move it to the same place in the file. */
static void remap_error(GHashTable *raw_of, zjtx_error *e) {
  if (!e || !raw_of || !e->file || e->line <= 0 || e->column <= 0)
    return;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, raw_of);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    const zsource_expr *src = key;
    if (!src->pos.file || strcmp(src->pos.file, e->file) != 0 || !src->text ||
        pos_cmp(e->line, e->column, src->pos.line, src->pos.column) < 0)
      continue;
    int tl = src->pos.line, tc = src->pos.column; /* in the text */
    for (const char *q = src->text; *q; q++)
      advance_pos(q, &tl, &tc);
    if (pos_cmp(e->line, e->column, tl, tc) > 0)
      continue; /* after this expression's text */
    const char *q = value, *end = q + strlen(q);
    bool cdata = false;
    int rl = src->pos.line, rc = src->pos.column; /* in the file */
    tl = src->pos.line;
    tc = src->pos.column;
    for (;;) {
      skip_markup(&q, end, &cdata, &rl, &rc);
      if (tl == e->line && tc == e->column) {
        e->line = rl;
        e->column = rc;
        return;
      }
      if (q >= end)
        return;
      if (content_char(&q, end, cdata, &rl, &rc)) {
        tl++;
        tc = 1;
      } else {
        tc++;
      }
    }
  }
}

static void read_titles(xmlNode *n, ztext2 *t) {
  for (xmlNode *c = n->children; c; c = c->next) {
    if (!is(c, "title"))
      continue;
    char *lang = prop(c, "lang");
    char **slot = lang && strcmp(lang, "en") == 0 ? &t->en : &t->zh;
    g_free(*slot);
    *slot = content(c);
    g_free(lang);
  }
}

static bool parse_field_type(const char *s, zfield_type *out) {
  static const char *const names[] = {"text", "money", "rate", "count", "number", "date", "bool", "code", "ref"};
  for (int i = 0; i < 9; i++)
    if (strcmp(s, names[i]) == 0) {
      *out = (zfield_type)i;
      return true;
    }
  return false;
}

const char *zfield_type_name(zfield_type t) {
  static const char *const names[] = {"text", "money", "rate", "count", "number", "date", "bool", "code", "ref"};
  return names[t];
}

static bool parse_value_type(const char *s, ztype *out) {
  static const struct { const char *name; ztype_kind kind; } types[] = {
      {"money", ZT_MONEY}, {"rate", ZT_RATE}, {"number", ZT_NUMBER}, {"bool", ZT_BOOL},
      {"date", ZT_DATE}, {"text", ZT_TEXT}, {"code", ZT_CODE}};
  for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
    if (s && strcmp(s, types[i].name) == 0) {
      *out = (ztype){types[i].kind, -1};
      return true;
    }
  return false;
}

static zcodeset *read_codes(walker *w, xmlNode *n, const char *entity, zfield *f) {
  zcodeset *cs = g_new0(zcodeset, 1);
  cs->name = g_strdup_printf("%s.%s", entity, f->name);
  cs->values = g_ptr_array_new_with_free_func(g_free);
  cs->titles = g_ptr_array_new_with_free_func(g_free);
  char *ordered = prop(n, "ordered");
  cs->ordered = ordered && strcmp(ordered, "true") == 0;
  g_free(ordered);
  for (xmlNode *c = n->children; c; c = c->next) {
    if (!is(c, "code"))
      continue;
    char *v = prop(c, "value");
    if (zcodeset_find(cs, v, strlen(v)) >= 0)
      fail(w, c, "code '%s' is listed twice in %s", v, cs->name);
    ztext2 t = {NULL, NULL};
    read_titles(c, &t);
    g_ptr_array_add(cs->values, v);
    g_ptr_array_add(cs->titles, t.zh);
    g_free(t.en);
  }
  if (cs->values->len == 0)
    fail(w, n, "code field %s lists no codes", cs->name);
  return cs;
}

static void read_field(walker *w, xmlNode *n, zentity *e, GPtrArray *pendings) {
  zfield *f = g_new0(zfield, 1);
  f->name = prop(n, "name");
  f->pos = pos_of(w, n);
  f->codeset = f->ref_entity = -1;
  char *type = prop(n, "type"), *req = prop(n, "required"), *neg = prop(n, "negative");
  if (!parse_field_type(type, &f->type))
    fail(w, n, "unknown field type '%s'", type);
  f->required = !req || strcmp(req, "false") != 0;
  f->negative_ok = neg && strcmp(neg, "allowed") == 0;
  f->validator_name = prop(n, "validator");
  if (f->validator_name && !(f->validator = (void *)zident_lookup(f->validator_name)))
    fail(w, n, "unknown validator '%s' (expected uscc or nonempty)", f->validator_name);
  read_titles(n, &f->title);
  if (zentity_field_index(e, f->name) >= 0 || (e->parent_key && strcmp(e->parent_key, f->name) == 0))
    fail(w, n, "entity %s already has a field '%s'", e->name, f->name);
  if (f->type == ZF_CODE) {
    g_ptr_array_add(w->p->codesets, read_codes(w, n, e->name, f));
    f->codeset = (int32_t)w->p->codesets->len - 1;
  }
  if (f->type == ZF_REF) {
    pending *pd = g_new0(pending, 1);
    pd->field = f;
    pd->entity_name = prop(n, "entity");
    pd->pos = f->pos;
    g_ptr_array_add(pendings, pd);
  }
  g_ptr_array_add(e->fields, f);
  g_free(type);
  g_free(req);
  g_free(neg);
}

static zentity *find_or_new_entity(walker *w, xmlNode *n, const char *name) {
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
  e->pos = pos_of(w, n);
  g_ptr_array_add(w->p->entities, e);
  g_hash_table_insert(w->p->entity_by_name, e->name, GINT_TO_POINTER(e->index + 1));
  return e;
}

/* An entity declared again (in an extending policy) adds fields; what it
 * says about plural and parent key must agree with the first declaration. */
static void merge_attr(walker *w, xmlNode *n, zentity *e, const char *attr, char **slot) {
  char *v = prop(n, attr);
  if (v && *slot && strcmp(v, *slot) != 0)
    fail(w, n, "entity %s was declared with %s=\"%s\", not \"%s\"", e->name, attr, *slot, v);
  if (v && !*slot)
    *slot = g_strdup(v);
  g_free(v);
}

static void read_relation(walker *w, xmlNode *n, zentity *e, GPtrArray *pendings) {
  zrelation *r = g_new0(zrelation, 1);
  r->name = prop(n, "name");
  r->kind = ZREL_INVERSE;
  r->owner = e->index;
  r->target = r->via_field = -1;
  r->index = (int32_t)w->p->relations->len;
  g_ptr_array_add(w->p->relations, r);
  g_array_append_val(e->relations, r->index);
  pending *pd = g_new0(pending, 1);
  pd->relation = r;
  pd->entity_name = prop(n, "entity");
  pd->via_name = prop(n, "via");
  pd->pos = pos_of(w, n);
  g_ptr_array_add(pendings, pd);
}

static void read_entity(walker *w, xmlNode *n, GPtrArray *pendings) {
  char *name = prop(n, "name");
  zentity *e = find_or_new_entity(w, n, name);
  g_free(name);
  merge_attr(w, n, e, "plural", &e->plural);
  merge_attr(w, n, e, "parent-key", &e->parent_key);
  pending *pd = g_new0(pending, 1);
  pd->entity = e;
  pd->entity_name = prop(n, "parent");
  pd->key_name = prop(n, "key");
  pd->pos = pos_of(w, n);
  g_ptr_array_add(pendings, pd);
  if (!e->title.zh && !e->title.en)
    read_titles(n, &e->title);
  for (xmlNode *c = n->children; c; c = c->next) {
    if (is(c, "field"))
      read_field(w, c, e, pendings);
    else if (is(c, "relation"))
      read_relation(w, c, e, pendings);
  }
}

static int32_t entity_attr(walker *w, xmlNode *n, const char *attr) {
  char *name = prop(n, attr);
  int32_t i = name ? zpolicy_entity_index(w->p, name) : -1;
  if (i < 0)
    fail(w, n, "unknown entity '%s' in %s=", name ? name : "", attr);
  g_free(name);
  return i;
}

/* ---- parameters ---------------------------------------------------------- */

typedef struct {
  zparam *param;
  xmlNode *node;
  char *key_ref; /* "entity.field" */
} param_decl;

static void read_parameter(walker *w, xmlNode *n, GPtrArray *param_decls) {
  zparam *p = g_new0(zparam, 1);
  p->id = prop(n, "id");
  p->pos = pos_of(w, n);
  p->key_codeset = -1;
  p->origin = g_strdup(w->origin);
  char *type = prop(n, "type"), *status = prop(n, "status");
  if (!parse_value_type(type, &p->type) || p->type.kind == ZT_TEXT || p->type.kind == ZT_CODE)
    fail(w, n, "parameter type must be money, rate, number, bool or date, not '%s'", type);
  p->status = status && strcmp(status, "assumed") == 0 ? ZJTX_PARAM_ASSUMED : ZJTX_PARAM_PUBLISHED;
  p->unit = prop(n, "unit");
  read_titles(n, &p->title);
  for (xmlNode *c = n->children; c; c = c->next)
    if (is(c, "source")) {
      g_free(p->source);
      p->source = content(c);
    }
  p->values = g_array_new(FALSE, TRUE, sizeof(zparam_value));
  g_free(type);
  g_free(status);
  if (zpolicy_param_index(w->p, p->id) >= 0) {
    fail(w, n, "parameter '%s' is declared twice", p->id);
    g_free(p->id); g_free(p->unit); g_free(p->source); g_free(p->origin);
    g_free(p->title.zh); g_free(p->title.en);
    g_array_free(p->values, TRUE);
    g_free(p);
    return;
  }
  p->index = (int32_t)w->p->params->len;
  g_ptr_array_add(w->p->params, p);
  g_hash_table_insert(w->p->param_by_id, p->id, GINT_TO_POINTER(p->index + 1));
  param_decl *d = g_new0(param_decl, 1);
  d->param = p;
  d->node = n;
  d->key_ref = prop(n, "key");
  g_ptr_array_add(param_decls, d);
}

const char *zpolicy_parse_value(ztype t, const char *text, zval *out) {
  size_t len = text ? strlen(text) : 0;
  switch (t.kind) {
  case ZT_MONEY: {
    int places = zdec_written_scale(text, len);
    if (places < 0 || places > 2 || !zdec_parse(text, len, &out->d))
      return "money in yuan with at most 2 decimals, e.g. 300000 or 1250.50";
    return NULL;
  }
  case ZT_RATE: {
    zdec pct;
    int places = zdec_written_scale(text, len);
    if (places < 0 || places > 6 || !zdec_parse(text, len, &pct))
      return "a rate in percent with at most 6 decimals, e.g. 2 or 3.45";
    out->d = (zdec){pct.m, pct.scale + 2}; /* percent -> fraction, exactly */
    return NULL;
  }
  case ZT_NUMBER:
    return zdec_parse(text, len, &out->d) ? NULL : "a number, e.g. 5 or 360";
  case ZT_BOOL:
    if (g_strcmp0(text, "true") == 0 || g_strcmp0(text, "false") == 0) {
      out->b = text[0] == 't';
      return NULL;
    }
    return "true or false";
  case ZT_DATE:
    return zdate_parse(text, len, &out->date) ? NULL : "a date YYYY-MM-DD";
  default:
    return "a value of a supported parameter type";
  }
}

static int compare_values(gconstpointer a, gconstpointer b) {
  const zparam_value *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return (x->from > y->from) - (x->from < y->from);
}

/* One <value from= [key=]> of parameter p (keyed by cs, or NULL). */
static void read_value(walker *w, zparam *p, const zcodeset *cs, xmlNode *c, zparam_value *v) {
  memset(v, 0, sizeof *v);
  v->key = -1;
  v->origin = w->origin;
  v->from_text = prop(c, "from");
  v->key_text = prop(c, "key");
  v->value_text = content(c);
  const char *why = zpolicy_parse_value(p->type, v->value_text, &v->value);
  size_t vlen = strlen(v->value_text);
  /* written exactly: the schema cannot refuse spaces in element text */
  if (vlen && (g_ascii_isspace(v->value_text[0]) || g_ascii_isspace(v->value_text[vlen - 1])))
    fail(w, c, "value \"%s\" of parameter %s has spaces around it: write the value exactly", v->value_text, p->id);
  else if (why)
    fail(w, c, "value \"%s\" of parameter %s is not %s", v->value_text, p->id, why);
  else if (!v->from_text || !zdate_parse(v->from_text, strlen(v->from_text), &v->from))
    fail(w, c, "from=\"%s\" of parameter %s is not a real date YYYY-MM-DD", v->from_text ? v->from_text : "", p->id);
  else if (cs && !v->key_text)
    fail(w, c, "parameter %s is keyed by %s: each value needs key=", p->id, cs->name);
  else if (!cs && v->key_text)
    fail(w, c, "parameter %s is not keyed: remove key=\"%s\"", p->id, v->key_text);
  else if (cs && (v->key = zcodeset_find(cs, v->key_text, strlen(v->key_text))) < 0)
    fail(w, c, "key \"%s\" of parameter %s is not a code of %s", v->key_text, p->id, cs->name);
}

static void read_param_values(walker *w, param_decl *d) {
  zparam *p = d->param;
  zcodeset *cs = NULL;
  if (d->key_ref) {
    char **parts = g_strsplit(d->key_ref, ".", 2);
    int32_t ei = parts[0] ? zpolicy_entity_index(w->p, parts[0]) : -1;
    int32_t fi = ei >= 0 && parts[1] ? zentity_field_index(zpolicy_entity(w->p, ei), parts[1]) : -1;
    zfield *f = fi >= 0 ? zentity_field(zpolicy_entity(w->p, ei), fi) : NULL;
    if (!f || f->type != ZF_CODE)
      fail(w, d->node, "key=\"%s\" must name a code field as entity.field", d->key_ref);
    else
      cs = g_ptr_array_index(w->p->codesets, (p->key_codeset = f->codeset));
    g_strfreev(parts);
  }
  char *dflt = prop(d->node, "default");
  if (dflt) {
    const char *why = zpolicy_parse_value(p->type, dflt, &p->default_value);
    if (why)
      fail(w, d->node, "default \"%s\" of parameter %s is not %s", dflt, p->id, why);
    p->has_default = true;
  }
  g_free(dflt);
  for (xmlNode *c = d->node->children; c && !w->err; c = c->next) {
    if (!is(c, "value"))
      continue;
    zparam_value v;
    read_value(w, p, cs, c, &v);
    g_array_append_val(p->values, v);
  }
  g_array_sort(p->values, compare_values);
  for (guint i = 1; i < p->values->len && !w->err; i++) {
    zparam_value *a = &g_array_index(p->values, zparam_value, i - 1), *b = a + 1;
    if (a->key == b->key && a->from == b->from)
      fail(w, d->node, "parameter %s has two values from %s", p->id, b->from_text);
  }
  if (p->values->len == 0 && !w->err)
    fail(w, d->node, "parameter %s has no value", p->id);
}

/* ---- derived values and overrides --------------------------------------- */

static zderived *new_derived(walker *w, xmlNode *n, const char *name, int32_t entity) {
  zderived *d = g_new0(zderived, 1);
  d->name = g_strdup(name);
  d->entity = entity;
  d->arg_names = g_ptr_array_new_with_free_func(g_free);
  d->arg_types = g_array_new(FALSE, FALSE, sizeof(ztype));
  d->origin = g_strdup(w->origin);
  d->inherited = -1;
  d->index = (int32_t)w->p->derived->len;
  read_titles(n, &d->title);
  g_ptr_array_add(w->p->derived, d);
  if (entity >= 0 && name) /* the visible one of that name: an override replaces its base */
    g_hash_table_insert(w->derived, g_strdup_printf("%d\t%s", entity, name), d);
  return d;
}

/* Hashed: a policy may declare many derived values. */
static zderived *find_visible_derived(walker *w, int32_t entity, const char *name) {
  char *key = g_strdup_printf("%d\t%s", entity, name ? name : "");
  zderived *d = g_hash_table_lookup(w->derived, key);
  g_free(key);
  return d;
}

static void read_expr_child(walker *w, xmlNode *n, const char *child, zsource_expr *out, bool *found) {
  for (xmlNode *c = n->children; c; c = c->next)
    if (is(c, child)) {
      source_expr(w, c, out);
      if (found)
        *found = true;
      return;
    }
}

static void read_derived(walker *w, xmlNode *n) {
  int32_t entity = entity_attr(w, n, "entity");
  char *name = prop(n, "name"), *type = prop(n, "type");
  if (entity >= 0 && find_visible_derived(w, entity, name))
    fail(w, n, "derived value %s.%s is declared twice (use <override> to replace it)",
         zpolicy_entity(w->p, entity)->name, name);
  zderived *d = new_derived(w, n, name, entity);
  if (!parse_value_type(type, &d->type))
    fail(w, n, "unknown type '%s' for derived value %s", type, name);
  for (xmlNode *c = n->children; c; c = c->next) {
    if (!is(c, "arg"))
      continue;
    char *an = prop(c, "name"), *at = prop(c, "type");
    ztype t;
    if (!parse_value_type(at, &t) || t.kind == ZT_CODE)
      fail(w, c, "argument %s of %s has an unsupported type '%s'", an, name, at);
    g_ptr_array_add(d->arg_names, an);
    g_array_append_val(d->arg_types, t);
    g_free(at);
  }
  read_expr_child(w, n, "expr", &d->expr, NULL);
  g_free(name);
  g_free(type);
}

static void read_override(walker *w, xmlNode *n) {
  int32_t entity = entity_attr(w, n, "entity");
  char *name = prop(n, "derived");
  zderived *base = entity >= 0 ? find_visible_derived(w, entity, name) : NULL;
  if (!base) {
    fail(w, n, "<override> names no derived value %s of a base policy", name);
    g_free(name);
    return;
  }
  base->hidden = true;
  base->overridden_by = g_strdup(w->origin);
  zderived *d = new_derived(w, n, name, entity);
  d->type = base->type;
  d->inherited = base->index;
  for (guint i = 0; i < base->arg_names->len; i++)
    g_ptr_array_add(d->arg_names, g_strdup(g_ptr_array_index(base->arg_names, i)));
  g_array_append_vals(d->arg_types, base->arg_types->data, base->arg_types->len);
  if (!d->title.zh)
    d->title.zh = g_strdup(base->title.zh);
  if (!d->title.en)
    d->title.en = g_strdup(base->title.en);
  read_expr_child(w, n, "expr", &d->expr, NULL);
  g_free(name);
}

/* ---- rules and checks ---------------------------------------------------- */

static bool parse_rounding(const char *s, zround_mode *out) {
  static const char *const names[] = {"half-up", "half-even", "down", "up", "floor", "ceiling"};
  for (int i = 0; i < 6; i++)
    if (strcmp(s, names[i]) == 0) {
      *out = (zround_mode)i;
      return true;
    }
  return false;
}

static void read_rule(walker *w, xmlNode *n, zjtx_rule_kind kind) {
  zrule *r = g_new0(zrule, 1);
  r->id = prop(n, "id");
  r->kind = kind;
  r->pos = pos_of(w, n);
  r->clause = prop(n, "clause");
  r->origin = g_strdup(w->origin);
  r->exclusive = prop(n, "exclusive");
  r->rounding_places = 2;
  r->group_field = -1;
  r->caps = g_ptr_array_new();
  r->subject = entity_attr(w, n, "subject");
  r->index = (int32_t)w->p->rules->len;
  g_ptr_array_add(w->p->rules, r);
  read_titles(n, &r->title);
  char *rounding = prop(n, "rounding"), *group = prop(n, "group-by");
  if (rounding && !parse_rounding(rounding, &r->rounding))
    fail(w, n, "unknown rounding '%s'", rounding);
  if (group && r->subject >= 0) {
    zentity *e = zpolicy_entity(w->p, r->subject);
    r->group_field = zentity_field_index(e, group);
    zfield *f = r->group_field >= 0 ? zentity_field(e, r->group_field) : NULL;
    if (!f || (f->type != ZF_TEXT && f->type != ZF_CODE))
      fail(w, n, "group-by=\"%s\" must name a text or code field of %s", group, e->name);
  }
  g_free(rounding);
  g_free(group);
  if (r->id && !g_hash_table_add(w->rule_ids, r->id))
    fail(w, n, "rule or check id '%s' is used twice", r->id);
  read_expr_child(w, n, "filter", &r->filter, &r->has_filter);
  read_expr_child(w, n, "condition", &r->condition, &r->has_condition);
  read_expr_child(w, n, "amount", &r->amount, &r->has_amount);
  for (xmlNode *c = n->children; c; c = c->next) {
    if (!is(c, "cap"))
      continue;
    zcap *cap = g_new0(zcap, 1);
    source_expr(w, c, &cap->expr);
    cap->label = prop(c, "label");
    cap->reference = prop(c, "reference");
    g_ptr_array_add(r->caps, cap);
  }
  if (r->has_filter && r->group_field < 0)
    fail(w, n, "<filter> goes with group-by=; use <condition> otherwise");
}

static void replace(char **slot, char *v) {
  if (v) {
    g_free(*slot);
    *slot = v;
  }
}

/* ---- reforms: amendments to what a base policy declared ------------------ */

static void free_value_texts(zparam_value *v) {
  g_free(v->from_text);
  g_free(v->key_text);
  g_free(v->value_text);
}

/* <amend-parameter id=>: new dated values; one with the date and key of an
 * existing value replaces it. */
static void read_amend_parameter(walker *w, xmlNode *n) {
  g_autofree char *id = prop(n, "id");
  int32_t pi = zpolicy_param_index(w->p, id);
  if (pi < 0) {
    fail(w, n, "<amend-parameter> names no parameter '%s' of the policies it extends", id ? id : "");
    return;
  }
  zparam *p = g_ptr_array_index(w->p->params, pi);
  const zcodeset *cs = p->key_codeset >= 0 ? g_ptr_array_index(w->p->codesets, p->key_codeset) : NULL;
  for (xmlNode *c = n->children; c && !w->err; c = c->next) {
    if (is(c, "source")) {
      g_autofree char *why = content(c);
      char *was = p->source;
      p->source = g_strdup_printf("%s; amended by %s: %s", was ? was : "", w->origin, why);
      g_free(was);
    }
    if (!is(c, "value"))
      continue;
    zparam_value v;
    read_value(w, p, cs, c, &v);
    for (guint i = 0; i < p->values->len; i++) {
      zparam_value *old = &g_array_index(p->values, zparam_value, i);
      if (old->key == v.key && old->from == v.from) {
        free_value_texts(old);
        g_array_remove_index(p->values, i);
        break;
      }
    }
    g_array_append_val(p->values, v);
  }
  g_array_sort(p->values, compare_values);
  g_free(p->amended_by);
  p->amended_by = g_strdup(w->origin);
}

static zrule *find_rule(walker *w, xmlNode *n, const char *what) {
  g_autofree char *id = prop(n, "id");
  for (guint i = 0; id && i < w->p->rules->len; i++) {
    zrule *r = g_ptr_array_index(w->p->rules, i);
    if (!r->removed && strcmp(r->id, id) == 0)
      return r;
  }
  fail(w, n, "<%s> names no rule or check '%s' of the policies it extends", what, id ? id : "");
  return NULL;
}

static void replace_expr(walker *w, xmlNode *n, const char *child, zsource_expr *slot, bool *has) {
  for (xmlNode *c = n->children; c; c = c->next)
    if (is(c, child)) {
      g_clear_pointer(&slot->text, g_free); /* not compiled yet: only the text */
      read_expr_child(w, n, child, slot, has);
      return;
    }
}

/* <amend-rule id=>: replaces the parts it gives (all caps when any <cap>). */
static void read_amend_rule(walker *w, xmlNode *n) {
  zrule *r = find_rule(w, n, "amend-rule");
  if (!r)
    return;
  ztext2 t = {NULL, NULL};
  read_titles(n, &t);
  replace(&r->title.zh, t.zh);
  replace(&r->title.en, t.en);
  replace(&r->clause, prop(n, "clause"));
  replace_expr(w, n, "condition", &r->condition, &r->has_condition);
  replace_expr(w, n, "amount", &r->amount, &r->has_amount);
  bool new_caps = false;
  for (xmlNode *c = n->children; c; c = c->next) {
    if (!is(c, "cap"))
      continue;
    if (!new_caps) {
      for (guint i = 0; i < r->caps->len; i++)
        zcap_free(g_ptr_array_index(r->caps, i));
      g_ptr_array_set_size(r->caps, 0);
      new_caps = true;
    }
    zcap *cap = g_new0(zcap, 1);
    source_expr(w, c, &cap->expr);
    cap->label = prop(c, "label");
    cap->reference = prop(c, "reference");
    g_ptr_array_add(r->caps, cap);
  }
  char *origin = g_strdup_printf("%s, amended by %s", r->origin, w->origin);
  g_free(r->origin);
  r->origin = origin;
}

/* <remove-rule id=>: the rule or check no longer runs (dropped before the
 * policy is compiled); its id is free for a new rule. */
static void read_remove_rule(walker *w, xmlNode *n) {
  zrule *r = find_rule(w, n, "remove-rule");
  if (!r)
    return;
  g_hash_table_remove(w->rule_ids, r->id);
  r->removed = true;
}

/* ---- indicators --------------------------------------------------------------- */

static bool parse_op(const char *s, int *op) {
  static const struct { const char *text; int op; } ops[] = {
      {">=", ZOP_GE}, {">", ZOP_GT}, {"<=", ZOP_LE}, {"<", ZOP_LT}, {"==", ZOP_EQ}};
  for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
    if (s && strcmp(s, ops[i].text) == 0) {
      *op = ops[i].op;
      return true;
    }
  return false;
}

static void read_indicator(walker *w, xmlNode *n) {
  zindicator *x = g_new0(zindicator, 1);
  x->id = prop(n, "id");
  x->clause = prop(n, "clause");
  x->origin = g_strdup(w->origin);
  x->pos = pos_of(w, n);
  x->target_op = ZOP_GE;
  read_titles(n, &x->title);
  g_ptr_array_add(w->p->indicators, x);
  for (guint i = 0; i + 1 < w->p->indicators->len; i++)
    if (strcmp(((zindicator *)g_ptr_array_index(w->p->indicators, i))->id, x->id) == 0)
      fail(w, n, "indicator id '%s' is used twice", x->id);
  read_expr_child(w, n, "value", &x->value, NULL);
  for (xmlNode *c = n->children; c; c = c->next) {
    if (is(c, "unit"))
      replace(&x->unit, content(c));
    if (!is(c, "target"))
      continue;
    g_autofree char *op = prop(c, "op");
    if (op && !parse_op(op, &x->target_op))
      fail(w, c, "target op=\"%s\" is not one of >=, >, <=, <, ==", op);
    replace(&x->target_text, content(c));
  }
}

/* ---- one document -------------------------------------------------------- */

static void read_metadata(walker *w, xmlNode *root) {
  struct zjtx_policy *p = w->p;
  replace(&p->id, prop(root, "id"));
  replace(&p->version, prop(root, "version"));
  /* the titles of the last policy read (the extending one), as a pair: not
   * its Chinese title beside its base's English one */
  ztext2 t = {NULL, NULL};
  read_titles(root, &t);
  if (t.zh || t.en) {
    g_free(p->title.zh);
    g_free(p->title.en);
    p->title = t;
  }
  for (xmlNode *c = root->children; c; c = c->next) {
    if (is(c, "jurisdiction"))
      replace(&p->jurisdiction, content(c));
    else if (is(c, "document"))
      replace(&p->document, content(c));
    else if (is(c, "period"))
      replace(&p->default_period, prop(c, "default"));
  }
}

static void walk(walker *w, xmlNode *root, GPtrArray *pendings, GPtrArray *param_decls) {
  read_metadata(w, root);
  g_ptr_array_add(w->p->origins, g_strdup(w->origin));
  /* entities first: everything else refers to them */
  for (xmlNode *c = root->children; c; c = c->next)
    if (is(c, "entity"))
      read_entity(w, c, pendings);
  for (xmlNode *c = root->children; c && !w->err; c = c->next) {
    if (is(c, "parameter"))
      read_parameter(w, c, param_decls);
    else if (is(c, "derived"))
      read_derived(w, c);
    else if (is(c, "override"))
      read_override(w, c);
    else if (is(c, "rule"))
      read_rule(w, c, ZJTX_RULE_ENTITLEMENT);
    else if (is(c, "check"))
      read_rule(w, c, ZJTX_RULE_CHECK);
    else if (is(c, "amend-parameter"))
      read_amend_parameter(w, c);
    else if (is(c, "amend-rule"))
      read_amend_rule(w, c);
    else if (is(c, "remove-rule"))
      read_remove_rule(w, c);
    else if (is(c, "indicator"))
      read_indicator(w, c);
  }
}

/* ---- after every document: names, relations, code ----------------------- */

static bool pfail(zjtx_error **err, zpos pos, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool pfail(zjtx_error **err, zpos pos, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  zerr_give(err, zerr_newv(ZJTX_ERR_POLICY, pos.file, pos.line, pos.column, NULL, fmt, ap));
  va_end(ap);
  return false;
}

static bool resolve_entity_decl(struct zjtx_policy *p, pending *pd, zjtx_error **err) {
  zentity *e = pd->entity;
  if (pd->entity_name) {
    int32_t parent = zpolicy_entity_index(p, pd->entity_name);
    if (parent < 0 || parent == e->index)
      return pfail(err, pd->pos, "entity %s: parent '%s' is not a declared entity", e->name, pd->entity_name);
    if (e->parent >= 0 && e->parent != parent)
      return pfail(err, pd->pos, "entity %s is declared with two parents", e->name);
    e->parent = parent;
  }
  if (pd->key_name) {
    int32_t k = zentity_field_index(e, pd->key_name);
    if (k < 0)
      return pfail(err, pd->pos, "entity %s: key '%s' is not one of its fields", e->name, pd->key_name);
    e->key_field = k;
  }
  return true;
}

static bool resolve_pending(struct zjtx_policy *p, pending *pd, zjtx_error **err) {
  if (pd->entity)
    return resolve_entity_decl(p, pd, err);
  int32_t target = pd->entity_name ? zpolicy_entity_index(p, pd->entity_name) : -1;
  if (target < 0)
    return pfail(err, pd->pos, "'%s' is not a declared entity", pd->entity_name ? pd->entity_name : "");
  if (pd->field) {
    pd->field->ref_entity = target;
    return true;
  }
  zrelation *r = pd->relation;
  zentity *te = zpolicy_entity(p, target);
  int32_t via = pd->via_name ? zentity_field_index(te, pd->via_name) : -1;
  if (via < 0 || zentity_field(te, via)->type != ZF_REF)
    return pfail(err, pd->pos, "relation %s: via=\"%s\" must be a ref field of %s", r->name,
                 pd->via_name ? pd->via_name : "", te->name);
  r->target = target;
  r->via_field = via;
  return true;
}

static bool add_child_relations(struct zjtx_policy *p, zjtx_error **err) {
  for (guint i = 0; i < p->entities->len; i++) {
    zentity *e = zpolicy_entity(p, (int32_t)i);
    if (!e->plural)
      return pfail(err, e->pos, "entity %s needs plural= (its JSON key and CSV file name)", e->name);
    if (e->parent < 0)
      continue;
    if (!e->parent_key)
      return pfail(err, e->pos, "entity %s has a parent but no parent-key=", e->name);
    zrelation *r = g_new0(zrelation, 1);
    r->name = g_strdup(e->plural);
    r->kind = ZREL_CHILDREN;
    r->owner = e->parent;
    r->target = e->index;
    r->via_field = -1;
    r->index = (int32_t)p->relations->len;
    g_ptr_array_add(p->relations, r);
    g_array_append_val(zpolicy_entity(p, e->parent)->relations, r->index);
  }
  return true;
}

static bool check_ref_fields(struct zjtx_policy *p, zjtx_error **err) {
  for (guint i = 0; i < p->entities->len; i++) {
    zentity *e = zpolicy_entity(p, (int32_t)i);
    for (guint f = 0; f < e->fields->len; f++) {
      zfield *fd = zentity_field(e, (int32_t)f);
      if (fd->type == ZF_REF && zpolicy_entity(p, fd->ref_entity)->key_field < 0)
        return pfail(err, fd->pos, "field %s.%s refers to %s, which has no key=", e->name, fd->name,
                     zpolicy_entity(p, fd->ref_entity)->name);
    }
  }
  return true;
}

static bool compile_rule(struct zjtx_policy *p, zrule *r, zjtx_error **err) {
  const ztype any = {ZT_VOID, -1}, boolean = {ZT_BOOL, -1}, money = {ZT_MONEY, -1};
  (void)any;
  zscope record = {ZSCOPE_RECORD, r->subject, {ZT_VOID, -1}, NULL};
  zscope scope = record;
  if (r->group_field >= 0) {
    scope.kind = ZSCOPE_GROUP;
    scope.key_type = zfield_value_type(zentity_field(zpolicy_entity(p, r->subject), r->group_field));
  }
  if (r->kind == ZJTX_RULE_CHECK && !r->has_condition)
    return pfail(err, r->pos, "check %s needs a <condition>", r->id);
  if (r->kind == ZJTX_RULE_CHECK && (r->has_amount || r->caps->len))
    return pfail(err, r->pos, "check %s computes no amount: remove <amount>/<cap>", r->id);
  if (r->kind == ZJTX_RULE_ENTITLEMENT && !r->has_amount)
    return pfail(err, r->pos, "rule %s needs an <amount>", r->id);
  if (r->has_filter && !zcompile_expr(p, &r->filter, &record, boolean, err))
    return false;
  if (r->has_condition && !zcompile_expr(p, &r->condition, &scope, boolean, err))
    return false;
  if (r->has_amount && !zcompile_expr(p, &r->amount, &scope, money, err))
    return false;
  for (guint i = 0; i < r->caps->len; i++)
    if (!zcompile_expr(p, &((zcap *)g_ptr_array_index(r->caps, i))->expr, &scope, money, err))
      return false;
  return true;
}

/* An indicator's value over the whole population, and its target read
 * with the value's type ("50" of a rate is 50 %). */
static bool compile_indicator(struct zjtx_policy *p, zindicator *x, zjtx_error **err) {
  zscope population = {ZSCOPE_POPULATION, -1, {ZT_VOID, -1}, NULL};
  if (!x->value.text)
    return pfail(err, x->pos, "indicator %s needs a <value>", x->id);
  if (!zcompile_expr(p, &x->value, &population, (ztype){ZT_VOID, -1}, err))
    return false;
  ztype t = x->value.type;
  if (!ztype_is_decimal(t) && t.kind != ZT_DATE)
    return pfail(err, x->value.pos, "indicator %s must give a number, money, rate or date", x->id);
  const char *why = x->target_text ? zpolicy_parse_value(t, x->target_text, &x->target) : "a target";
  if (why)
    return pfail(err, x->pos, "target \"%s\" of indicator %s is not %s", x->target_text ? x->target_text : "", x->id,
                 why);
  return true;
}

/* Rules a reform removed leave the policy before anything is compiled. */
static void drop_removed_rules(struct zjtx_policy *p) {
  guint kept = 0;
  for (guint i = 0; i < p->rules->len; i++) {
    zrule *r = g_ptr_array_index(p->rules, i);
    if (r->removed) {
      zrule_free(r);
      continue;
    }
    r->index = (int32_t)kept;
    p->rules->pdata[kept++] = r;
  }
  g_ptr_array_set_size(p->rules, (gint)kept);
}

static bool compile_all(struct zjtx_policy *p, zjtx_error **err) {
  drop_removed_rules(p);
  for (guint i = 0; i < p->derived->len; i++) {
    zderived *d = g_ptr_array_index(p->derived, i);
    zscope sc = {ZSCOPE_RECORD, d->entity, {ZT_VOID, -1}, d};
    if (d->state == 0 && !zcompile_expr(p, &d->expr, &sc, d->type, err))
      return false;
  }
  for (guint i = 0; i < p->rules->len; i++)
    if (!compile_rule(p, g_ptr_array_index(p->rules, i), err))
      return false;
  for (guint i = 0; i < p->indicators->len; i++)
    if (!compile_indicator(p, g_ptr_array_index(p->indicators, i), err))
      return false;
  return zcompile_link(p, err);
}

/* ---- driver --------------------------------------------------------------- */

typedef struct {
  struct zjtx_policy *p;
  GPtrArray *pendings;
  GPtrArray *chain;   /* canonical paths being loaded, against cycles */
  GHashTable *raw_of; /* zsource_expr* -> text as written (remap_error) */
  GHashTable *derived, *rule_ids; /* walker's */
} loader;

static bool load_doc(loader *ld, const char *data, size_t len, const char *file, const char *base_dir,
                     zjtx_error **err);

/* The same file however it is named (./a.xml, dir/../a.xml, a symlink). */
static char *canonical_path(const char *path) {
  char *real = realpath(path, NULL);
  if (real) {
    char *copy = g_strdup(real);
    free(real);
    return copy;
  }
  return g_canonicalize_filename(path, NULL);
}

/* Loads the policy file `path`; `from_file`/`from_line` name the policy
 * whose extends= led here (NULL for the file the caller asked for). */
static bool load_path(loader *ld, const char *path, zjtx_error **err, const char *from_file, int from_line) {
  char *canon = canonical_path(path);
  for (guint i = 0; i < ld->chain->len; i++)
    if (strcmp(g_ptr_array_index(ld->chain, i), canon) == 0) {
      g_free(canon);
      return zerr_set(err, ZJTX_ERR_POLICY, from_file, from_line, 0, NULL,
                      "policies extend each other in a cycle through %s", path), false;
    }
  if (ld->chain->len >= ZPOLICY_MAX_EXTENDS) {
    g_free(canon);
    return zerr_set(err, ZJTX_ERR_LIMIT, from_file, from_line, 0, NULL, "more than %d policies extend each other",
                    ZPOLICY_MAX_EXTENDS), false;
  }
  g_ptr_array_add(ld->chain, canon);
  /* refuse an oversized file before reading it into memory, and anything
   * that is not a plain file (extends="../../dev/zero" would never end) */
  GStatBuf st;
  if (g_stat(path, &st) == 0 && !S_ISREG(st.st_mode))
    return zerr_set(err, ZJTX_ERR_IO, from_file ? from_file : path, from_line, 0, NULL,
                    "%s is not a policy file (not a regular file)", path),
           false;
  if (g_stat(path, &st) == 0 && st.st_size > ZPOLICY_MAX_BYTES)
    return zerr_set(err, ZJTX_ERR_LIMIT, path, 0, 0, NULL, "policy is larger than %d bytes", ZPOLICY_MAX_BYTES),
           false;
  gchar *data = NULL;
  gsize len = 0;
  GError *gerr = NULL;
  if (!g_file_get_contents(path, &data, &len, &gerr)) {
    if (from_file)
      zerr_set(err, ZJTX_ERR_IO, from_file, from_line, 0, NULL, "cannot read the policy it extends: %s",
               gerr->message);
    else
      zerr_set(err, ZJTX_ERR_IO, path, 0, 0, NULL, "cannot read policy: %s", gerr->message);
    g_error_free(gerr);
    return false;
  }
  g_autofree char *dir = g_path_get_dirname(path);
  bool ok = load_doc(ld, data, len, path, dir, err);
  g_free(data);
  return ok;
}

static bool load_doc(loader *ld, const char *data, size_t len, const char *file, const char *base_dir,
                     zjtx_error **err) {
  xmlDoc *doc = read_xml(data, len, file, err);
  if (!doc)
    return false;
  bool ok = validate_schema(doc, file, err);
  xmlNode *root = xmlDocGetRootElement(doc);
  char *extends = ok ? prop(root, "extends") : NULL;
  if (extends) {
    g_autofree char *base = g_path_is_absolute(extends) ? g_strdup(extends)
                                                        : g_build_filename(base_dir ? base_dir : ".", extends, NULL);
    ok = load_path(ld, base, err, file, (int)xmlGetLineNo(root));
    g_free(extends);
  }
  if (ok) {
    walker w = {.p = ld->p, .file = g_string_chunk_insert_const(ld->p->strings, file), .data = data, .len = len,
                .raw_of = ld->raw_of, .derived = ld->derived,
                .rule_ids = ld->rule_ids, .known_line = 1, .known_col = 1};
    char *id = prop(root, "id");
    w.origin = g_string_chunk_insert_const(ld->p->strings, id ? id : "");
    g_free(id);
    GPtrArray *param_decls = g_ptr_array_new();
    walk(&w, root, ld->pendings, param_decls);
    for (guint i = 0; i < param_decls->len && !w.err; i++)
      read_param_values(&w, g_ptr_array_index(param_decls, i));
    for (guint i = 0; i < param_decls->len; i++) {
      param_decl *d = g_ptr_array_index(param_decls, i);
      g_free(d->key_ref);
      g_free(d);
    }
    g_ptr_array_free(param_decls, TRUE);
    if (w.err) {
      zerr_give(err, w.err);
      ok = false;
    }
  }
  xmlFreeDoc(doc);
  return ok;
}

/* Finishes a load; `e` is the error of reading the documents, if any.  The
 * status returned is that of the first error even when the caller passes no
 * `err`. */
static zjtx_status finish_load(loader *ld, bool ok, zjtx_error *e, zjtx_policy **out, zjtx_error **err) {
  for (guint i = 0; ok && i < ld->pendings->len; i++)
    ok = resolve_pending(ld->p, g_ptr_array_index(ld->pendings, i), &e);
  ok = ok && add_child_relations(ld->p, &e) && check_ref_fields(ld->p, &e) && compile_all(ld->p, &e);
  remap_error(ld->raw_of, e);
  g_ptr_array_free(ld->pendings, TRUE);
  g_ptr_array_free(ld->chain, TRUE);
  g_hash_table_destroy(ld->raw_of); /* before the policy: its keys point into it */
  g_hash_table_destroy(ld->derived);
  g_hash_table_destroy(ld->rule_ids);
  if (!ok) {
    zjtx_policy_unref(ld->p);
    if (!e)
      e = zerr_new(ZJTX_ERR_POLICY, NULL, 0, 0, NULL, "the policy could not be loaded");
    return zerr_give(err, e);
  }
  zjtx_error_free(e);
  *out = ld->p;
  return ZJTX_OK;
}

static void loader_init(loader *ld) {
  ld->p = zpolicy_new();
  ld->pendings = g_ptr_array_new_with_free_func((GDestroyNotify)pending_free);
  ld->chain = g_ptr_array_new_with_free_func(g_free);
  ld->raw_of = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  ld->derived = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  ld->rule_ids = g_hash_table_new(g_str_hash, g_str_equal);
}

zjtx_status zjtx_policy_load_file(const char *path, zjtx_policy **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!path || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "path and out must not be NULL");
  loader ld;
  loader_init(&ld);
  zjtx_error *e = NULL;
  bool ok = load_path(&ld, path, &e, NULL, 0);
  return finish_load(&ld, ok, e, out, err);
}

zjtx_status zjtx_policy_load_buffer(const char *data, size_t len, const char *name, const char *base_dir,
                                    zjtx_policy **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!data || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "data and out must not be NULL");
  loader ld;
  loader_init(&ld);
  zjtx_error *e = NULL;
  bool ok = load_doc(&ld, data, len, name ? name : "<buffer>", base_dir, &e);
  return finish_load(&ld, ok, e, out, err);
}
