/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test-xml.c - reading a test file safely for `zjtx test`: no network,
 * no DTD, no entities, no DOCTYPE at all, a size limit; then validation
 * against rules/test.rng (embedded), with what the offending element takes.
 * The library's own safe XML reader can take the place of this file: only
 * test_xml_load_schema() and test_xml_read() are used from outside. */
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <stdarg.h>
#include <string.h>

#include "cli-test.h"

/* rules/test.rng, embedded by tools/meson.build (build-aux/embed-file.py). */
extern const char cli_test_schema[];
extern const size_t cli_test_schema_len;

#define MAX_TEST_FILE_BYTES (64 * 1024 * 1024)

/* The first problem found: its message (owned) and line (0: unknown). */
static void set_error(char **message, int *line, int at, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void set_error(char **message, int *line, int at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  *message = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  *line = at;
}

typedef struct {
  char *message;
  int line;
  bool validating; /* errors then point to the offending node */
  char *element;   /* the element a validation error is about, or NULL */
} xml_problem;

static void on_xml_error(void *data, xmlErrorPtr e) {
  xml_problem *x = data;
  if (x->message || !e || e->level < XML_ERR_ERROR)
    return;
  x->message = g_strstrip(g_strdup(e->message ? e->message : "invalid XML"));
  x->line = e->line;
  const xmlNode *n = x->validating ? e->node : NULL;
  if (n && n->type == XML_ELEMENT_NODE)
    x->element = g_strdup((const char *)n->name);
}

static void xml_problem_clear(xml_problem *x) {
  g_free(x->message);
  g_free(x->element);
}

/* What each element of a test file takes, for schema errors. */
static const char *synopsis(const char *element) {
  static const struct {
    const char *name, *text;
  } s[] = {
      {"tests", "<tests policy=\"FILE\" [period=\"YYYY\"]> holds [<about>], then one or more <test>"},
      {"test", "<test name=\"...\" [period=\"YYYY\"] [exact=\"true\"]> holds [<about>], <facts>, <set>..., then "
               "one or more <expect>, <expect-violation>, <expect-no-violation> or <expect-derived>"},
      {"facts", "<facts [href=\"FILE.json|DIR\"]> holds records: elements named after entities, fields as attributes"},
      {"set", "<set param=\"ID\" [key=\"KEY\"]>VALUE</set>"},
      {"expect", "<expect rule=\"ID\" id=\"ID\" amount=\"1234.50\"/> (yuan, exactly two decimals) or "
                 "<expect rule=\"ID\" id=\"ID\" none=\"true\"/>"},
      {"expect-violation", "<expect-violation check=\"ID\" id=\"ID\"/>"},
      {"expect-no-violation", "<expect-no-violation check=\"ID\" id=\"ID\"/>"},
      {"expect-derived", "<expect-derived entity=\"ENTITY\" id=\"ID\" name=\"DERIVED\" value=\"TEXT\"/>"},
  };
  for (size_t i = 0; element && i < G_N_ELEMENTS(s); i++)
    if (strcmp(s[i].name, element) == 0)
      return s[i].text;
  return NULL;
}

/* Any DOCTYPE or entity declaration is refused before libxml2 parses it:
 * test files never need one, and that rules out external entities and
 * entity-expansion bombs. */
static bool has_doctype(const char *data, size_t len) {
  static const char *const needles[] = {"<!DOCTYPE", "<!ENTITY"};
  for (size_t k = 0; k < G_N_ELEMENTS(needles); k++) {
    size_t n = strlen(needles[k]);
    for (size_t i = 0; i + n <= len; i++)
      if (data[i] == '<' && memcmp(data + i, needles[k], n) == 0)
        return true;
  }
  return false;
}

static xmlDoc *parse_xml(const char *path, const char *data, size_t len, char **message, int *line) {
  xml_problem x = {0};
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) {
    set_error(message, line, 0, "out of memory");
    return NULL;
  }
  xmlSetStructuredErrorFunc(&x, on_xml_error);
  xmlDoc *doc = xmlCtxtReadMemory(ctxt, data, (int)len, path, "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
  xmlSetStructuredErrorFunc(NULL, NULL);
  xmlFreeParserCtxt(ctxt);
  if (!doc || x.message || doc->intSubset || doc->extSubset) {
    set_error(message, line, x.line, "%s", x.message ? x.message : doc ? "DTDs are refused" : "not well-formed XML");
    xml_problem_clear(&x);
    xmlFreeDoc(doc);
    return NULL;
  }
  return doc;
}

xmlRelaxNGPtr test_xml_load_schema(void) {
  xml_problem x = {0};
  xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(cli_test_schema, (int)cli_test_schema_len);
  xmlRelaxNGSetParserStructuredErrors(pc, on_xml_error, &x);
  xmlRelaxNGPtr schema = xmlRelaxNGParse(pc);
  xmlRelaxNGFreeParserCtxt(pc);
  if (!schema)
    cli_message("the embedded test schema is broken: %s", x.message ? x.message : "?");
  xml_problem_clear(&x);
  return schema;
}

static bool validate(xmlRelaxNGPtr schema, xmlDoc *doc, char **message, int *line) {
  xml_problem x = {.validating = true};
  xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(schema);
  xmlRelaxNGSetValidStructuredErrors(vc, on_xml_error, &x);
  int rc = xmlRelaxNGValidateDoc(vc, doc);
  xmlRelaxNGFreeValidCtxt(vc);
  if (rc != 0) {
    const char *expected = synopsis(x.element);
    set_error(message, line, x.line, "not a valid test file: %s%s%s",
              x.message ? x.message : "does not follow the schema", expected ? "; expected " : "",
              expected ? expected : "");
  }
  xml_problem_clear(&x);
  return rc == 0;
}

xmlDoc *test_xml_read(xmlRelaxNGPtr schema, const char *path, char **message, int *line) {
  g_autofree char *data = NULL;
  g_autoptr(GError) gerr = NULL;
  gsize len = 0;
  GStatBuf st;
  *message = NULL;
  *line = 0;
  if (g_stat(path, &st) == 0 && st.st_size > MAX_TEST_FILE_BYTES) {
    set_error(message, line, 0, "larger than %d bytes", MAX_TEST_FILE_BYTES);
    return NULL;
  }
  if (!g_file_get_contents(path, &data, &len, &gerr)) {
    set_error(message, line, 0, "cannot read: %s", gerr->message);
    return NULL;
  }
  if (has_doctype(data, len)) {
    set_error(message, line, 0, "contains a DOCTYPE or entity declaration: refused for safety");
    return NULL;
  }
  xmlDoc *doc = parse_xml(path, data, len, message, line);
  if (doc && !validate(schema, doc, message, line)) {
    xmlFreeDoc(doc);
    return NULL;
  }
  return doc;
}
