/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xml-read.c - reading untrusted XML safely (see the header).
 *
 * No network (XML_PARSE_NONET), no DTD loading, no entity substitution, no
 * DOCTYPE at all, UTF-8 only, limits on size and nesting checked on the raw
 * text before libxml2 sees it.  libxml2 errors are collected through the
 * structured error hook so that the *first* one is reported (every one, for
 * schema errors, worded by schema-explain.c), and nothing is printed. */
#include "xml-read.h"

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <string.h>

#include "schema-explain.h"
#include "xml-position.h"

/* a hostile file could hold a million mistakes: say the first ones */
#define MAX_SCHEMA_ERRORS 100

void zxml_error_free(zxml_error *e) {
  while (e) {
    zxml_error *next = e->next;
    g_free(e->message);
    g_free(e->element);
    g_free(e);
    e = next;
  }
}

char *zxml_one_line(char *s) {
  char *out = s;
  for (const char *q = s; *q;) {
    if (*q != '\n' && *q != '\r') {
      *out++ = *q++;
      continue;
    }
    while (out > s && (out[-1] == ' ' || out[-1] == '\t'))
      out--;
    while (*q == '\n' || *q == '\r' || *q == ' ' || *q == '\t')
      q++;
    if (out > s && *q)
      *out++ = ' ';
  }
  *out = '\0';
  return g_strstrip(s);
}

static bool fail(zxml_error **err, zjtx_status code, int line, int column, const char *fmt, ...) G_GNUC_PRINTF(5, 6);
static bool fail(zxml_error **err, zjtx_status code, int line, int column, const char *fmt, ...) {
  if (!err)
    return false;
  zxml_error *e = g_new0(zxml_error, 1);
  va_list ap;
  va_start(ap, fmt);
  e->message = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  e->code = code;
  e->line = line;
  e->column = column;
  *err = e;
  return false;
}

/* ---- libxml2's errors: the first one (and, validating, every one) ----------- */

typedef struct {
  zjtx_status code;
  zxml_error *first;
  xmlNode *node;  /* the element the first error is about, or NULL */
  GPtrArray *all; /* schema validation: every error (zschema_problem*), or NULL */
} collector;

static void on_xml_error(void *data, xmlErrorPtr e) {
  collector *x = data;
  if (x->all && e && e->level >= XML_ERR_ERROR && x->all->len < MAX_SCHEMA_ERRORS) {
    zschema_problem *p = g_new0(zschema_problem, 1);
    p->error = g_new0(zxml_error, 1);
    p->error->code = x->code;
    p->error->message = zxml_one_line(g_strdup(e->message ? e->message : "does not follow the schema"));
    p->error->line = e->line;
    p->node = e->node && ((xmlNode *)e->node)->type == XML_ELEMENT_NODE ? e->node : NULL;
    if (p->node)
      p->error->element = g_strdup((const char *)p->node->name);
    g_ptr_array_add(x->all, p);
  }
  if (x->first || !e || e->level < XML_ERR_ERROR)
    return;
  x->first = g_new0(zxml_error, 1);
  x->first->code = x->code;
  x->first->message = zxml_one_line(g_strdup(e->message ? e->message : "invalid XML"));
  x->first->line = e->line;
  x->first->column = e->int2;
  const xmlNode *n = e->node;
  if (x->code == ZJTX_ERR_SCHEMA && n && n->type == XML_ELEMENT_NODE) {
    x->first->element = g_strdup((const char *)n->name);
    x->node = (xmlNode *)n;
  }
}

/* Hands the collected error (or a new one saying `otherwise`) to err. */
static bool give_collected(collector *x, zxml_error **err, const char *otherwise) {
  if (!x->first)
    return fail(err, x->code, 0, 0, "%s", otherwise);
  if (err)
    *err = x->first;
  else
    zxml_error_free(x->first);
  x->first = NULL;
  return false;
}

/* ---- checks on the raw text -------------------------------------------------- */

/* memmem(): the whole buffer, NUL bytes included. */
static const char *find_bytes(const char *data, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (const char *q = data; n <= len && (q = memchr(q, needle[0], len - (size_t)(q - data) - n + 1)); q++)
    if (memcmp(q, needle, n) == 0)
      return q;
  return NULL;
}

static int line_at(const char *data, const char *at) {
  int line = 1;
  for (const char *q = data; q < at; q++)
    line += *q == '\n';
  return line;
}

/* The encoding named by an XML declaration at the start, or NULL. */
static char *declared_encoding(const char *data, size_t len) {
  const char *end = data + len, *q = data;
  if (zxml_starts(q, end, "\xEF\xBB\xBF"))
    q += 3;
  if (!zxml_starts(q, end, "<?xml"))
    return NULL;
  const char *close = find_bytes(q, (size_t)(end - q), "?>");
  const char *enc = close ? find_bytes(q, (size_t)(close - q), "encoding") : NULL;
  if (!enc)
    return NULL;
  for (q = enc + 8; q < close && (*q == ' ' || *q == '=' || *q == '\t' || *q == '\n' || *q == '\r'); q++)
    ;
  if (q >= close || (*q != '"' && *q != '\''))
    return NULL;
  const char *v = q + 1, *v_end = memchr(v, *q, (size_t)(close - v));
  return v_end ? g_strndup(v, (size_t)(v_end - v)) : NULL;
}

/* libxml2 is told the text is UTF-8 whatever it says; anything else would be
 * misread (UTF-16 as a document without elements, or too deep). */
static bool check_utf8(const char *data, size_t len, const zxml_limits *lim, zxml_error **err) {
  if (len >= 2 && ((data[0] == '\xFF' && data[1] == '\xFE') || (data[0] == '\xFE' && data[1] == '\xFF')))
    return fail(err, ZJTX_ERR_XML, 1, 1, "the %s starts with a UTF-16 byte order mark: %s files must be UTF-8",
                lim->what, lim->what);
  const char *nul = memchr(data, '\0', len);
  if (nul)
    return fail(err, ZJTX_ERR_XML, line_at(data, nul), 0,
                "the %s holds a NUL byte (is it UTF-16?): %s files must be UTF-8", lim->what, lim->what);
  g_autofree char *enc = declared_encoding(data, len);
  if (enc && g_ascii_strcasecmp(enc, "UTF-8") != 0 && g_ascii_strcasecmp(enc, "UTF8") != 0 &&
      g_ascii_strcasecmp(enc, "US-ASCII") != 0 && g_ascii_strcasecmp(enc, "ASCII") != 0)
    return fail(err, ZJTX_ERR_XML, 1, 0, "the %s declares encoding=\"%.40s\": %s files must be UTF-8", lim->what, enc,
                lim->what);
  const char *bad = NULL;
  if (!g_utf8_validate(data, (gssize)len, &bad))
    return fail(err, ZJTX_ERR_XML, line_at(data, bad), 0, "the %s is not valid UTF-8 here: %s files must be UTF-8",
                lim->what, lim->what);
  return true;
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
    if (zxml_starts(q, end, "<!--")) {
      zxml_skip_past(&q, end, "-->", &line);
    } else if (zxml_starts(q, end, "<![CDATA[")) {
      zxml_skip_past(&q, end, "]]>", &line);
    } else if (zxml_starts(q, end, "<?")) {
      zxml_skip_past(&q, end, "?>", &line);
    } else if (zxml_starts(q, end, "</")) {
      depth--;
      zxml_skip_past(&q, end, ">", &line);
    } else if (zxml_starts(q, end, "<!")) {
      zxml_skip_past(&q, end, ">", &line);
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

static bool check_text(const char *data, size_t len, const zxml_limits *lim, zxml_error **err) {
  if (len > lim->max_bytes)
    return fail(err, ZJTX_ERR_LIMIT, 0, 0, "%s is larger than %zu bytes", lim->what, lim->max_bytes);
  if (!check_utf8(data, len, lim, err))
    return false;
  /* A DTD is never needed; refusing any DOCTYPE rules out external entities
   * and entity-expansion bombs before libxml2 sees them. */
  if (find_bytes(data, len, "<!DOCTYPE") || find_bytes(data, len, "<!ENTITY"))
    return fail(err, ZJTX_ERR_XML, 0, 0,
                "%s contains a DOCTYPE or entity declaration: DTDs and entities are refused "
                "for safety",
                lim->what);
  int deep = too_deep(data, len, lim->max_depth);
  if (deep)
    return fail(err, ZJTX_ERR_LIMIT, deep, 0, "elements nested deeper than %d levels", lim->max_depth);
  return true;
}

/* ---- parsing and validating -------------------------------------------------- */

static xmlDoc *parse(const char *data, size_t len, const char *file, const zxml_limits *lim, zxml_error **err) {
  collector x = {ZJTX_ERR_XML, NULL, NULL, NULL};
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt)
    return fail(err, ZJTX_ERR_NOMEM, 0, 0, "out of memory"), NULL;
  /* libxml2 2.9 keeps this hook per thread: safe with concurrent loads.
   * The application's own hook, if it set one, is put back after. */
  xmlStructuredErrorFunc app_hook = xmlStructuredError;
  void *app_context = xmlStructuredErrorContext;
  xmlSetStructuredErrorFunc(&x, on_xml_error);
  /* "UTF-8" explicitly: otherwise libxml2 2.9 prints encoding errors */
  g_autoptr(xmlDoc) doc =
      xmlCtxtReadMemory(ctxt, data, (int)len, file, "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
  xmlSetStructuredErrorFunc(app_context, app_hook);
  xmlFreeParserCtxt(ctxt);
  if (!doc || x.first)
    return give_collected(&x, err, "not well-formed XML"), NULL;
  if (doc->intSubset || doc->extSubset)
    return fail(err, ZJTX_ERR_XML, 0, 0, "DTDs are refused for safety"), NULL;
  xmlNode *root = xmlDocGetRootElement(doc);
  if (!root || depth_of(root) > lim->max_depth)
    return fail(err, ZJTX_ERR_LIMIT, 0, 0, "elements nested deeper than %d levels", lim->max_depth), NULL;
  return g_steal_pointer(&doc);
}

/* ---- schema errors, every one, in our words ------------------------------------ */

static bool related(const xmlNode *a, const xmlNode *b) {
  for (const xmlNode *n = a; n; n = n->parent)
    if (n == b)
      return true;
  for (const xmlNode *n = b; n; n = n->parent)
    if (n == a)
      return true;
  return false;
}

/* A libxml2 error says nothing more when an explained problem is about the
 * same element, one inside it or one around it (libxml2 blames an entity for
 * its field's attributes, a rule's <condition> for the rule's rounding=). */
static bool explained(const GPtrArray *ours, const zschema_problem *theirs) {
  if (!theirs->node)
    return ours->len > 0;
  for (guint i = 0; i < ours->len; i++)
    if (related(((const zschema_problem *)g_ptr_array_index(ours, i))->node, theirs->node))
      return true;
  return false;
}

static gint by_position(gconstpointer a, gconstpointer b) {
  const zxml_error *x = (*(zschema_problem *const *)a)->error, *y = (*(zschema_problem *const *)b)->error;
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  return x->column < y->column ? -1 : x->column > y->column;
}

/* Our problems, then libxml2's errors they do not explain, sorted by
 * position (stably: one element's problems keep the schema's order) and
 * chained; the same message at the same place is said once. */
static zxml_error *chain_problems(GPtrArray *ours, GPtrArray *theirs) {
  /* those about an element first: one without (libxml2's "Extra element
   * period in interleave") has no line and adds nothing when they are said */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < theirs->len; i++) {
      zschema_problem *p = g_ptr_array_index(theirs, i);
      if (p && (p->node == NULL) == (pass == 1) && !explained(ours, p)) {
        g_ptr_array_add(ours, p);
        theirs->pdata[i] = NULL;
      }
    }
  g_ptr_array_sort(ours, by_position);
  zxml_error *head = NULL, *last = NULL;
  for (guint i = 0; i < ours->len; i++) {
    zschema_problem *p = g_ptr_array_index(ours, i);
    if (last && last->line == p->error->line && strcmp(last->message, p->error->message) == 0)
      continue;
    zxml_error *e = g_steal_pointer(&p->error);
    if (last)
      last->next = e;
    else
      head = e;
    last = e;
  }
  return head;
}

static bool validate(xmlDoc *doc, const zxml_schema *schema, const char *data, size_t len, zxml_error **err) {
  g_autoptr(GPtrArray) theirs = g_ptr_array_new_with_free_func((GDestroyNotify)zschema_problem_free);
  collector x = {ZJTX_ERR_SCHEMA, NULL, NULL, NULL};
  xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(schema->data, (int)schema->len);
  xmlRelaxNGSetParserStructuredErrors(pc, on_xml_error, &x);
  xmlRelaxNGPtr rng = xmlRelaxNGParse(pc);
  xmlRelaxNGFreeParserCtxt(pc);
  zxml_error_free(g_steal_pointer(&x.first));
  if (!rng)
    return fail(err, ZJTX_ERR_SCHEMA, 0, 0, "the embedded schema is broken");
  x.all = theirs;
  xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(rng);
  xmlRelaxNGSetValidStructuredErrors(vc, on_xml_error, &x);
  int rc = xmlRelaxNGValidateDoc(vc, doc);
  xmlRelaxNGFreeValidCtxt(vc);
  xmlRelaxNGFree(rng);
  zxml_error_free(g_steal_pointer(&x.first));
  if (rc == 0)
    return true;
  g_autoptr(GPtrArray) ours = g_ptr_array_new_with_free_func((GDestroyNotify)zschema_problem_free);
  g_autoptr(zschema) model = zschema_new(schema->data, schema->len);
  if (model)
    zschema_explain(model, doc, data, len, MAX_SCHEMA_ERRORS, ours);
  bool cut = ours->len >= MAX_SCHEMA_ERRORS;
  x.first = chain_problems(ours, theirs);
  zxml_error *last = x.first;
  while (cut && last && last->next)
    last = last->next;
  if (cut && last)
    fail(&last->next, ZJTX_ERR_SCHEMA, 0, 0, "more schema errors follow: only the first %d are shown",
         MAX_SCHEMA_ERRORS);
  return give_collected(&x, err, "does not follow the schema");
}

bool zxml_validate(xmlDoc *doc, const zxml_schema *schema, zxml_error **err) {
  return validate(doc, schema, NULL, 0, err);
}

bool zxml_read(const char *data, size_t len, const char *file, const zxml_schema *schema, const zxml_limits *limits,
               xmlDoc **doc, zxml_error **err) {
  *doc = NULL;
  if (!check_text(data, len, limits, err))
    return false;
  g_autoptr(xmlDoc) d = parse(data, len, file, limits, err);
  if (!d || (schema && !validate(d, schema, data, len, err)))
    return false;
  *doc = g_steal_pointer(&d);
  return true;
}
