/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test.c - zjtx test PATH...: runs declarative policy tests.
 *
 * A test file (docs/policy-tests.md, schema rules/test.rng, embedded) names
 * a policy and holds tests: facts (inline records or a file), a period,
 * parameter overrides, and the expected entitlements, violations and
 * derived values, compared exactly as text.  Each failure is printed with
 * expected and actual values and the explanation of the actual one; then
 * the coverage of every policy used (which rules and checks gave a result
 * in at least one test, which clauses that covers) and "N passed, N failed".
 *
 * Test files are read like policies: no network, no DTD, no entities, no
 * DOCTYPE at all, a size limit.  Only the public API of libzjtx is used. */
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"

/* rules/test.rng, embedded by tools/meson.build (build-aux/embed-file.py). */
extern const char cli_test_schema[];
extern const size_t cli_test_schema_len;

#define MAX_TEST_FILE_BYTES (64 * 1024 * 1024)
#define MAX_DIR_DEPTH 32
#define INDENT "      "

static const char usage[] =
    "usage: zjtx test [--policy FILE] [--quiet] [--require-coverage] PATH...\n"
    "\n"
    "Runs policy test files (docs/policy-tests.md): each PATH is a test file or a\n"
    "directory, searched for *.xml files (in name order).\n"
    "  --policy FILE       test this policy instead of the one each file names.\n"
    "  --quiet, -q         no line for passing tests.\n"
    "  --require-coverage  fail when a rule or check of a policy never gave a result.\n"
    "Prints each failure (expected, actual, and why), the coverage of each policy,\n"
    "then \"N passed, N failed\".  Exit status: 0 all passed, 1 a failure or an invalid\n"
    "test file, 2 usage error.\n";

/* ---- state ---------------------------------------------------------------- */

/* One policy, loaded once, and what the tests that used it exercised. */
typedef struct {
  char *shown;       /* the path as shown to the user */
  char *canonical;   /* the key policies are shared by */
  zjtx_policy *p;
  guint tests;       /* tests run against it */
  guint *fired;      /* per rule or check: tests in which it gave a result */
  guint *named;      /* per rule or check: expectations naming it */
  GHashTable *index; /* rule or check id -> index + 1 */
} policy_use;

typedef struct {
  const char *policy; /* --policy FILE, or NULL */
  bool quiet, require_coverage;
  xmlRelaxNGPtr schema;
  GPtrArray *uses; /* policy_use*, in order of first use */
  guint passed, failed;
} runner;

/* One test file being run. */
typedef struct {
  runner *r;
  const char *path; /* as named to the user */
  char *dir;        /* where its relative paths start */
  xmlDoc *doc;
  GStringChunk *strings; /* attribute values, borrowed while the file runs */
  policy_use *use;
  const char *period; /* <tests period>, or NULL */
} test_file;

/* One <test> being run. */
typedef struct {
  test_file *tf;
  xmlNode *node;
  const char *name;
  zjtx_facts *facts; /* the result borrows them: freed after it */
  zjtx_result *res;
  GHashTable *ent_index, *viol_index; /* "rule\037id" -> result index + 1 */
  guint8 *ent_seen, *viol_seen;       /* results some expectation accounted for */
  GHashTable *ids;              /* "entity\037id" of the inline records */
  bool ids_complete;            /* every record is inline (no href) */
  guint failures;
} test_run;

/* ---- small helpers -------------------------------------------------------- */

static int line_of(const xmlNode *n) {
  return n ? (int)xmlGetLineNo(n) : 0;
}

static bool is_element(const xmlNode *n, const char *name) {
  return n->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)n->name, name) == 0);
}

/* Attribute @name of @n, borrowed from the file's string chunk, or NULL. */
static const char *prop(test_file *tf, const xmlNode *n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  if (!v)
    return NULL;
  const char *s = g_string_chunk_insert(tf->strings, (const char *)v);
  xmlFree(v);
  return s;
}

/* The text content of @n, trimmed, borrowed like prop(). */
static const char *text_of(test_file *tf, const xmlNode *n) {
  xmlChar *v = xmlNodeGetContent(n);
  g_autofree char *s = g_strstrip(g_strdup(v ? (const char *)v : ""));
  xmlFree(v);
  return g_string_chunk_insert(tf->strings, s);
}

static bool is_true(const char *s) {
  return s && strcmp(s, "true") == 0;
}

/* @path as seen from the current directory: absolute paths as they are,
 * relative ones taken from @dir (the test file's directory). */
static char *resolve(const char *dir, const char *path) {
  if (g_path_is_absolute(path) || strcmp(dir, ".") == 0)
    return g_strdup(path);
  return g_build_filename(dir, path, NULL);
}

/* Prints @text with every line indented by @indent. */
static void print_indented(const char *text, const char *indent) {
  const char *q = text;
  while (q && *q) {
    const char *nl = strchr(q, '\n');
    int len = nl ? (int)(nl - q) : (int)strlen(q);
    printf("%s%.*s\n", indent, len, q);
    q = nl ? nl + 1 : NULL;
  }
}

/* A problem with a test file as a whole: it counts as one failure. */
static void file_error(runner *r, const char *path, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void file_error(runner *r, const char *path, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  if (line > 0)
    printf("ERROR %s:%d: %s\n", path, line, msg);
  else
    printf("ERROR %s: %s\n", path, msg);
  r->failed++;
}

/* One failure of a test, at the line of @at. */
static void fail(test_run *t, const xmlNode *at, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void fail(test_run *t, const xmlNode *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  printf("FAIL %s:%d %s: %s\n", t->tf->path, line_of(at), t->name, msg);
  t->failures++;
}

/* A failure carrying a libzjtx error chain: the first message on the FAIL
 * line, the others below it. */
static void fail_error(test_run *t, const xmlNode *at, const char *what, const zjtx_error *err) {
  g_autofree char *first = err ? zjtx_error_format(err) : NULL;
  fail(t, at, "%s: %s", what, first ? first : "failed");
  for (const zjtx_error *e = err ? zjtx_error_next(err) : NULL; e; e = zjtx_error_next(e)) {
    char *msg = zjtx_error_format(e);
    printf(INDENT "%s\n", msg);
    zjtx_free(msg);
  }
}

/* Prints "why:" and the explanation @ex (may be NULL), and frees it. */
static void print_explanation(zjtx_explanation *ex) {
  char *text = ex ? zjtx_explanation_to_text(ex) : NULL;
  if (text) {
    printf(INDENT "why:\n");
    print_indented(text, INDENT "  ");
  }
  zjtx_free(text);
  zjtx_explanation_free(ex);
}

static void explain_entitlement(const zjtx_result *res, size_t i) {
  zjtx_explanation *ex = NULL;
  zjtx_result_explain_entitlement(res, i, &ex, NULL);
  print_explanation(ex);
}

static void explain_violation(const zjtx_result *res, size_t i) {
  zjtx_explanation *ex = NULL;
  zjtx_result_explain_violation(res, i, &ex, NULL);
  print_explanation(ex);
}

/* ---- reading a test file safely ------------------------------------------- */

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

static xmlDoc *parse_xml(runner *r, const char *path, const char *data, size_t len) {
  xml_problem x = {0};
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) {
    file_error(r, path, 0, "out of memory");
    return NULL;
  }
  xmlSetStructuredErrorFunc(&x, on_xml_error);
  xmlDoc *doc = xmlCtxtReadMemory(ctxt, data, (int)len, path, "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
  xmlSetStructuredErrorFunc(NULL, NULL);
  xmlFreeParserCtxt(ctxt);
  if (!doc || x.message || doc->intSubset || doc->extSubset) {
    file_error(r, path, x.line, "%s", x.message ? x.message : doc ? "DTDs are refused" : "not well-formed XML");
    xml_problem_clear(&x);
    xmlFreeDoc(doc);
    return NULL;
  }
  return doc;
}

static xmlRelaxNGPtr load_schema(void) {
  xml_problem x = {0};
  xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(cli_test_schema, (int)cli_test_schema_len);
  xmlRelaxNGSetParserStructuredErrors(pc, on_xml_error, &x);
  xmlRelaxNGPtr schema = xmlRelaxNGParse(pc);
  xmlRelaxNGFreeParserCtxt(pc);
  if (!schema)
    fprintf(stderr, "zjtx: the embedded test schema is broken: %s\n", x.message ? x.message : "?");
  xml_problem_clear(&x);
  return schema;
}

static bool validate(runner *r, const char *path, xmlDoc *doc) {
  xml_problem x = {.validating = true};
  xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(r->schema);
  xmlRelaxNGSetValidStructuredErrors(vc, on_xml_error, &x);
  int rc = xmlRelaxNGValidateDoc(vc, doc);
  xmlRelaxNGFreeValidCtxt(vc);
  if (rc != 0) {
    const char *expected = synopsis(x.element);
    file_error(r, path, x.line, "not a valid test file: %s%s%s", x.message ? x.message : "does not follow the schema",
               expected ? "; expected " : "", expected ? expected : "");
  }
  xml_problem_clear(&x);
  return rc == 0;
}

/* Reads, parses and validates @path; NULL (reported) on any problem. */
static xmlDoc *read_test_file(runner *r, const char *path) {
  g_autofree char *data = NULL;
  g_autoptr(GError) gerr = NULL;
  gsize len = 0;
  GStatBuf st;
  if (g_stat(path, &st) == 0 && st.st_size > MAX_TEST_FILE_BYTES) {
    file_error(r, path, 0, "larger than %d bytes", MAX_TEST_FILE_BYTES);
    return NULL;
  }
  if (!g_file_get_contents(path, &data, &len, &gerr)) {
    file_error(r, path, 0, "cannot read: %s", gerr->message);
    return NULL;
  }
  if (has_doctype(data, len)) {
    file_error(r, path, 0, "contains a DOCTYPE or entity declaration: refused for safety");
    return NULL;
  }
  xmlDoc *doc = parse_xml(r, path, data, len);
  if (doc && !validate(r, path, doc)) {
    xmlFreeDoc(doc);
    return NULL;
  }
  return doc;
}

/* ---- policies -------------------------------------------------------------- */

static void policy_use_free(gpointer data) {
  policy_use *u = data;
  g_free(u->shown);
  g_free(u->canonical);
  g_free(u->fired);
  g_free(u->named);
  g_hash_table_destroy(u->index);
  zjtx_policy_unref(u->p);
  g_free(u);
}

static policy_use *policy_use_new(const char *shown, const char *canonical, zjtx_policy *p) {
  size_t n = zjtx_policy_rule_count(p);
  policy_use *u = g_new0(policy_use, 1);
  u->shown = g_strdup(shown);
  u->canonical = g_strdup(canonical);
  u->p = p;
  u->fired = g_new0(guint, n ? n : 1);
  u->named = g_new0(guint, n ? n : 1);
  u->index = g_hash_table_new(g_str_hash, g_str_equal);
  for (size_t i = 0; i < n; i++)
    g_hash_table_insert(u->index, (gpointer)zjtx_policy_rule_id(p, i), GSIZE_TO_POINTER(i + 1));
  return u;
}

/* The policy at @path, loaded on first use; NULL (reported) if it does not
 * load. */
static policy_use *use_policy(test_file *tf, const char *path, int line) {
  runner *r = tf->r;
  g_autofree char *canonical = g_canonicalize_filename(path, NULL);
  for (guint i = 0; i < r->uses->len; i++) {
    policy_use *u = g_ptr_array_index(r->uses, i);
    if (strcmp(u->canonical, canonical) == 0)
      return u;
  }
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  if (zjtx_policy_load_file(path, &p, &err) != ZJTX_OK) {
    g_autofree char *msg = zjtx_error_format(err);
    file_error(r, tf->path, line, "policy %s does not load: %s", path, msg);
    zjtx_error_free(err);
    return NULL;
  }
  g_autofree char *cwd = g_get_current_dir();
  const char *shown = g_str_has_prefix(canonical, cwd) && canonical[strlen(cwd)] == '/' ? canonical + strlen(cwd) + 1
                                                                                        : canonical;
  policy_use *u = policy_use_new(shown, canonical, p);
  g_ptr_array_add(r->uses, u);
  return u;
}

/* Index of rule or check @id, or -1. */
static gssize rule_index(const policy_use *u, const char *id) {
  return (gssize)GPOINTER_TO_SIZE(g_hash_table_lookup(u->index, id)) - 1;
}

static gssize find_entity(const zjtx_policy *p, const char *name) {
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++)
    if (strcmp(zjtx_policy_entity_name(p, e), name) == 0)
      return (gssize)e;
  return -1;
}

static const char *entity_key(const zjtx_policy *p, size_t e) { return zjtx_policy_entity_key(p, e); }

static const char *entity_parent_key(const zjtx_policy *p, size_t e) { return zjtx_policy_entity_parent_key(p, e); }

static char *entity_names(const zjtx_policy *p) {
  GString *s = g_string_new(NULL);
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++)
    g_string_append_printf(s, "%s%s", e ? ", " : "", zjtx_policy_entity_name(p, e));
  return g_string_free(s, FALSE);
}

static char *rule_names(const zjtx_policy *p, zjtx_rule_kind kind) {
  GString *s = g_string_new(NULL);
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++)
    if (zjtx_policy_rule_kind(p, i) == kind)
      g_string_append_printf(s, "%s%s", s->len ? ", " : "", zjtx_policy_rule_id(p, i));
  return g_string_free(s, FALSE);
}

/* ---- facts ------------------------------------------------------------------ */

static bool add_record_tree(test_run *t, zjtx_facts *f, const xmlNode *n, const xmlNode *parent);

/* Checks that @n names an entity that may stand where it is; its index or -1
 * (reported). */
static gssize record_entity(test_run *t, const xmlNode *n, const xmlNode *parent) {
  const zjtx_policy *p = t->tf->use->p;
  const char *name = (const char *)n->name;
  gssize e = find_entity(p, name);
  if (e < 0) {
    g_autofree char *list = entity_names(p);
    fail(t, n, "<%s>: the policy declares no entity %s (it declares: %s)", name, name, list);
    return -1;
  }
  const char *owner = zjtx_policy_entity_parent(p, (size_t)e);
  if (parent && (!owner || strcmp(owner, (const char *)parent->name) != 0)) {
    if (owner)
      fail(t, n, "<%s> cannot be nested in <%s>: a %s belongs to a %s", name, (const char *)parent->name, name, owner);
    else
      fail(t, n, "<%s> cannot be nested in <%s>: %s is a top-level entity", name, (const char *)parent->name, name);
    return -1;
  }
  return e;
}

/* The parent-key field and value a nested record gets from its parent
 * element; false (reported) when the parent has no id to give. */
static bool parent_link(test_run *t, size_t e, const xmlNode *n, const xmlNode *parent, const char **name,
                        const char **value) {
  const zjtx_policy *p = t->tf->use->p;
  *name = entity_parent_key(p, e);
  gssize pe = find_entity(p, (const char *)parent->name);
  const char *key = pe >= 0 ? entity_key(p, (size_t)pe) : NULL;
  *value = key ? prop(t->tf, parent, key) : NULL;
  if (!*value) {
    fail(t, n, "<%s> is nested in a <%s> without %s: it cannot name its parent", (const char *)n->name,
         (const char *)parent->name, key ? key : "an id");
    return false;
  }
  const char *given = prop(t->tf, n, *name);
  if (given && strcmp(given, *value) != 0) {
    fail(t, n, "<%s %s=\"%s\"> contradicts the <%s> it is nested in (%s)", (const char *)n->name, *name, given,
         (const char *)parent->name, *value);
    return false;
  }
  if (given)
    *name = NULL; /* given explicitly, and the same */
  return true;
}

/* Remembers the id of an inline record, so that expectations about a
 * record that does not exist are caught. */
static void note_id(test_run *t, size_t e, const xmlNode *n) {
  const zjtx_policy *p = t->tf->use->p;
  const char *key = entity_key(p, e);
  const char *id = key ? prop(t->tf, n, key) : NULL;
  if (id)
    g_hash_table_add(t->ids, g_strdup_printf("%s\037%s", zjtx_policy_entity_name(p, e), id));
}

/* Adds the record @n (a child of @parent, or top-level) and its children. */
static bool add_record_tree(test_run *t, zjtx_facts *f, const xmlNode *n, const xmlNode *parent) {
  gssize e = record_entity(t, n, parent);
  if (e < 0)
    return false;
  g_autoptr(GPtrArray) names = g_ptr_array_new(), values = g_ptr_array_new();
  for (const xmlAttr *a = n->properties; a; a = a->next) {
    g_ptr_array_add(names, (gpointer)a->name);
    g_ptr_array_add(values, (gpointer)prop(t->tf, n, (const char *)a->name));
  }
  const char *pk = NULL, *pv = NULL;
  if (parent && !parent_link(t, (size_t)e, n, parent, &pk, &pv))
    return false;
  if (pk) {
    g_ptr_array_add(names, (gpointer)pk);
    g_ptr_array_add(values, (gpointer)pv);
  }
  zjtx_error *err = NULL;
  if (zjtx_facts_add_record(f, (const char *)n->name, (const char *const *)names->pdata,
                            (const char *const *)values->pdata, names->len, &err) != ZJTX_OK) {
    fail_error(t, n, "invalid record", err);
    zjtx_error_free(err);
    return false;
  }
  note_id(t, (size_t)e, n);
  bool ok = true;
  for (const xmlNode *c = n->children; c; c = c->next)
    if (is_element(c, NULL))
      ok = add_record_tree(t, f, c, n) && ok;
  return ok;
}

/* Records from the file or CSV directory @href names, relative to the test
 * file. */
static bool read_href(test_run *t, zjtx_facts *f, const xmlNode *at, const char *href) {
  g_autofree char *path = resolve(t->tf->dir, href);
  zjtx_error *err = NULL;
  zjtx_status st = g_file_test(path, G_FILE_TEST_IS_DIR) ? zjtx_facts_read_csv_dir(f, path, &err)
                                                         : zjtx_facts_read_json_file(f, path, &err);
  if (st == ZJTX_OK)
    return true;
  fail_error(t, at, "facts", err);
  zjtx_error_free(err);
  return false;
}

/* The facts of <facts>: from href, then the inline records; finished. */
static zjtx_facts *build_facts(test_run *t, const xmlNode *node) {
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  if (zjtx_facts_new(t->tf->use->p, &f, &err) != ZJTX_OK) {
    fail_error(t, node, "facts", err);
    zjtx_error_free(err);
    return NULL;
  }
  const char *href = prop(t->tf, node, "href");
  t->ids_complete = href == NULL;
  bool ok = !href || read_href(t, f, node, href);
  for (const xmlNode *c = node->children; c; c = c->next) /* every bad record is reported */
    if (is_element(c, NULL))
      ok = add_record_tree(t, f, c, NULL) && ok;
  if (ok && zjtx_facts_finish(f, &err) != ZJTX_OK) {
    fail_error(t, node, "facts", err);
    zjtx_error_free(err);
    ok = false;
  }
  if (!ok) {
    zjtx_facts_free(f);
    return NULL;
  }
  return f;
}

/* ---- options and evaluation ---------------------------------------------- */

static bool apply_set(test_run *t, zjtx_options *o, const xmlNode *n) {
  const zjtx_policy *p = t->tf->use->p;
  const char *param = prop(t->tf, n, "param"), *key = prop(t->tf, n, "key");
  if (zjtx_policy_param_find(p, param) == (size_t)-1) {
    fail(t, n, "<set param=\"%s\">: the policy has no such parameter", param);
    return false;
  }
  zjtx_error *err = NULL;
  if (zjtx_options_set_param(o, param, key, text_of(t->tf, n), &err) != ZJTX_OK) {
    fail_error(t, n, "<set>", err);
    zjtx_error_free(err);
    return false;
  }
  return true;
}

static zjtx_options *build_options(test_run *t) {
  zjtx_options *o = zjtx_options_new();
  const char *period = prop(t->tf, t->node, "period");
  if (!period)
    period = t->tf->period;
  zjtx_error *err = NULL;
  zjtx_options_set_threads(o, 1, NULL);
  bool ok = true;
  if (period && zjtx_options_set_period(o, period, &err) != ZJTX_OK) {
    fail_error(t, t->node, "period", err);
    zjtx_error_free(err);
    ok = false;
  }
  for (const xmlNode *c = t->node->children; ok && c; c = c->next)
    if (is_element(c, "set"))
      ok = apply_set(t, o, c);
  if (!ok) {
    zjtx_options_free(o);
    return NULL;
  }
  return o;
}

/* Facts, options, evaluation: false (reported) when the test cannot run. */
static bool run_evaluation(test_run *t) {
  const xmlNode *facts_node = t->node->children;
  while (facts_node && !is_element(facts_node, "facts"))
    facts_node = facts_node->next;
  t->facts = facts_node ? build_facts(t, facts_node) : NULL;
  zjtx_options *o = t->facts ? build_options(t) : NULL;
  zjtx_error *err = NULL;
  if (o && zjtx_evaluate(t->tf->use->p, t->facts, o, &t->res, &err) != ZJTX_OK) {
    fail_error(t, t->node, "evaluation failed", err);
    zjtx_error_free(err);
  }
  zjtx_options_free(o);
  return t->res != NULL;
}

/* ---- expectations ------------------------------------------------------------ */

static char *pair_key(const char *rule, const char *id) {
  return g_strdup_printf("%s\037%s", rule, id);
}

/* Indexes the results by rule (or check) and id, for the expectations. */
static void index_results(test_run *t) {
  const zjtx_result *res = t->res;
  size_t ne = zjtx_result_entitlement_count(res), nv = zjtx_result_violation_count(res);
  t->ent_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  t->viol_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (size_t i = 0; i < ne; i++)
    g_hash_table_insert(t->ent_index, pair_key(zjtx_result_entitlement_rule(res, i), zjtx_result_entitlement_id(res, i)),
                        GSIZE_TO_POINTER(i + 1));
  for (size_t i = 0; i < nv; i++)
    g_hash_table_insert(t->viol_index, pair_key(zjtx_result_violation_check(res, i), zjtx_result_violation_id(res, i)),
                        GSIZE_TO_POINTER(i + 1));
  t->ent_seen = g_new0(guint8, ne + 1);
  t->viol_seen = g_new0(guint8, nv + 1);
}

/* Index of the result of @rule for @id in @index, or (size_t)-1. */
static size_t find_result(GHashTable *index, const char *rule, const char *id) {
  g_autofree char *k = pair_key(rule, id);
  return GPOINTER_TO_SIZE(g_hash_table_lookup(index, k)) - 1;
}

/* The rule or check @id of kind @kind, counted as named; -1 (reported) if the
 * policy has none. */
static gssize named_rule(test_run *t, const xmlNode *n, const char *id, zjtx_rule_kind kind) {
  policy_use *u = t->tf->use;
  gssize i = rule_index(u, id);
  if (i >= 0 && zjtx_policy_rule_kind(u->p, (size_t)i) == kind) {
    u->named[i]++;
    return i;
  }
  if (i < 0) {
    g_autofree char *list = rule_names(u->p, kind);
    fail(t, n, "the policy has no %s \"%s\" (it has: %s)", kind == ZJTX_RULE_CHECK ? "check" : "rule", id,
         list[0] ? list : "none");
  } else if (kind == ZJTX_RULE_CHECK) {
    fail(t, n, "%s is a rule, not a check: use <expect rule=\"%s\" ...>", id, id);
  } else {
    fail(t, n, "%s is a check, not a rule: use <expect-violation check=\"%s\" ...> or <expect-no-violation>", id, id);
  }
  return -1;
}

/* Is there a record @id of the rule's subject?  Only known when every record
 * is inline and the subject has an id field; otherwise assumed. */
static bool record_exists(test_run *t, gssize rule, const char *id) {
  const zjtx_policy *p = t->tf->use->p;
  const char *subject = zjtx_policy_rule_subject(p, (size_t)rule);
  gssize e = find_entity(p, subject);
  if (!t->ids_complete || e < 0 || !entity_key(p, (size_t)e))
    return true;
  g_autofree char *k = g_strdup_printf("%s\037%s", subject, id);
  return g_hash_table_contains(t->ids, k);
}

static void expect_entitlement(test_run *t, const xmlNode *n) {
  const char *rule = prop(t->tf, n, "rule"), *id = prop(t->tf, n, "id");
  const char *amount = prop(t->tf, n, "amount");
  gssize ri = named_rule(t, n, rule, ZJTX_RULE_ENTITLEMENT);
  if (ri < 0)
    return;
  if (!record_exists(t, ri, id)) {
    fail(t, n, "%s %s: the facts have no %s with that id", rule, id, zjtx_policy_rule_subject(t->tf->use->p, (size_t)ri));
    return;
  }
  size_t i = find_result(t->ent_index, rule, id);
  if (i != (size_t)-1)
    t->ent_seen[i] = 1;
  const char *got = i != (size_t)-1 ? zjtx_result_entitlement_amount(t->res, i) : NULL;
  if (amount ? got && strcmp(amount, got) == 0 : !got)
    return;
  fail(t, n, "%s %s: expected %s, got %s", rule, id, amount ? amount : "no entitlement",
       got ? got : "no entitlement");
  if (got)
    explain_entitlement(t->res, i);
}

static void expect_violation(test_run *t, const xmlNode *n, bool wanted) {
  const char *check = prop(t->tf, n, "check"), *id = prop(t->tf, n, "id");
  if (named_rule(t, n, check, ZJTX_RULE_CHECK) < 0)
    return;
  size_t i = find_result(t->viol_index, check, id);
  if (i != (size_t)-1)
    t->viol_seen[i] = 1;
  bool found = i != (size_t)-1;
  if (found == wanted)
    return;
  fail(t, n, "%s %s: expected %s, got %s", check, id, wanted ? "a violation" : "no violation",
       found ? "a violation" : "none");
  if (found)
    explain_violation(t->res, i);
}

static void expect_derived(test_run *t, const xmlNode *n) {
  const char *entity = prop(t->tf, n, "entity"), *id = prop(t->tf, n, "id");
  const char *name = prop(t->tf, n, "name"), *want = prop(t->tf, n, "value");
  char *got = NULL;
  zjtx_error *err = NULL;
  if (zjtx_result_derived_value(t->res, entity, id, name, &got, &err) != ZJTX_OK) {
    fail_error(t, n, "derived value", err);
    zjtx_error_free(err);
    return;
  }
  if (strcmp(got, want) != 0)
    fail(t, n, "%s %s %s: expected %s, got %s", entity, id, name, want, got);
  zjtx_free(got);
}

static void check_expectations(test_run *t) {
  for (const xmlNode *c = t->node->children; c; c = c->next) {
    if (is_element(c, "expect"))
      expect_entitlement(t, c);
    else if (is_element(c, "expect-violation"))
      expect_violation(t, c, true);
    else if (is_element(c, "expect-no-violation"))
      expect_violation(t, c, false);
    else if (is_element(c, "expect-derived"))
      expect_derived(t, c);
  }
}

/* exact="true": every result must be one an expectation named. */
static void check_exact(test_run *t) {
  const zjtx_result *res = t->res;
  for (size_t i = 0; i < zjtx_result_entitlement_count(res); i++) {
    if (t->ent_seen[i])
      continue;
    fail(t, t->node, "unexpected entitlement %s %s %s (exact=\"true\")", zjtx_result_entitlement_rule(res, i),
         zjtx_result_entitlement_id(res, i), zjtx_result_entitlement_amount(res, i));
    explain_entitlement(res, i);
  }
  for (size_t i = 0; i < zjtx_result_violation_count(res); i++) {
    if (t->viol_seen[i])
      continue;
    fail(t, t->node, "unexpected violation %s %s (exact=\"true\")", zjtx_result_violation_check(res, i),
         zjtx_result_violation_id(res, i));
    explain_violation(res, i);
  }
}

/* Which rules and checks gave a result in this test. */
static void note_coverage(test_run *t) {
  policy_use *u = t->tf->use;
  size_t n = zjtx_policy_rule_count(u->p);
  g_autofree guint8 *hit = g_new0(guint8, n ? n : 1);
  for (size_t i = 0; i < zjtx_result_entitlement_count(t->res); i++) {
    gssize r = rule_index(u, zjtx_result_entitlement_rule(t->res, i));
    if (r >= 0)
      hit[r] = 1;
  }
  for (size_t i = 0; i < zjtx_result_violation_count(t->res); i++) {
    gssize r = rule_index(u, zjtx_result_violation_check(t->res, i));
    if (r >= 0)
      hit[r] = 1;
  }
  for (size_t r = 0; r < n; r++)
    u->fired[r] += hit[r];
  u->tests++;
}

/* ---- running -------------------------------------------------------------- */

static void test_run_clear(test_run *t) {
  g_free(t->ent_seen);
  g_free(t->viol_seen);
  if (t->ent_index)
    g_hash_table_destroy(t->ent_index);
  if (t->viol_index)
    g_hash_table_destroy(t->viol_index);
  g_hash_table_destroy(t->ids);
  zjtx_result_free(t->res);
  zjtx_facts_free(t->facts); /* after the result, which borrows them */
}

static void run_test(test_file *tf, xmlNode *node) {
  test_run t = {.tf = tf, .node = node, .name = prop(tf, node, "name"),
                .ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
  if (run_evaluation(&t)) {
    index_results(&t);
    check_expectations(&t);
    if (is_true(prop(tf, node, "exact")))
      check_exact(&t);
    note_coverage(&t);
  }
  if (t.failures) {
    tf->r->failed++;
  } else {
    tf->r->passed++;
    if (!tf->r->quiet)
      printf("ok   %s:%d %s\n", tf->path, line_of(node), t.name);
  }
  test_run_clear(&t);
}

/* Test names must tell tests apart: a repeated name is an error (the tests
 * still run). */
static void check_names_unique(test_file *tf, xmlNode *root) {
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (xmlNode *c = root->children; c; c = c->next) {
    if (!is_element(c, "test"))
      continue;
    const char *name = prop(tf, c, "name");
    int first = GPOINTER_TO_INT(g_hash_table_lookup(seen, name));
    if (first)
      file_error(tf->r, tf->path, line_of(c), "a second test named \"%s\" (the first is on line %d)", name, first);
    else
      g_hash_table_insert(seen, (gpointer)name, GINT_TO_POINTER(line_of(c)));
  }
}

/* The policy the file tests: --policy, else its policy= (relative to it). */
static bool choose_policy(test_file *tf, xmlNode *root) {
  const char *attr = prop(tf, root, "policy");
  if (!tf->r->policy && !attr) {
    file_error(tf->r, tf->path, line_of(root), "no policy: write <tests policy=\"FILE\"> or give --policy FILE");
    return false;
  }
  g_autofree char *path = tf->r->policy ? g_strdup(tf->r->policy) : resolve(tf->dir, attr);
  tf->use = use_policy(tf, path, line_of(root));
  return tf->use != NULL;
}

static void run_file(runner *r, const char *path) {
  test_file tf = {.r = r, .path = path, .dir = g_path_get_dirname(path), .strings = g_string_chunk_new(1024)};
  tf.doc = read_test_file(r, path);
  xmlNode *root = tf.doc ? xmlDocGetRootElement(tf.doc) : NULL;
  if (root && choose_policy(&tf, root)) {
    check_names_unique(&tf, root);
    tf.period = prop(&tf, root, "period");
    for (xmlNode *c = root->children; c; c = c->next)
      if (is_element(c, "test"))
        run_test(&tf, c);
  }
  xmlFreeDoc(tf.doc);
  g_string_chunk_free(tf.strings);
  g_free(tf.dir);
}

/* ---- finding test files ------------------------------------------------- */

static gint compare_names(gconstpointer a, gconstpointer b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds the *.xml files under @dir (in name order, depth first) to @out. */
static void collect_dir(runner *r, const char *dir, int depth, GPtrArray *out) {
  g_autoptr(GError) gerr = NULL;
  GDir *d = depth <= MAX_DIR_DEPTH ? g_dir_open(dir, 0, &gerr) : NULL;
  if (!d) {
    file_error(r, dir, 0, "cannot read the directory: %s", gerr ? gerr->message : "nested too deep");
    return;
  }
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  for (const char *name; (name = g_dir_read_name(d));)
    if (name[0] != '.')
      g_ptr_array_add(names, g_strdup(name));
  g_dir_close(d);
  g_ptr_array_sort(names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
      collect_dir(r, path, depth + 1, out);
      g_free(path);
    } else if (g_str_has_suffix(path, ".xml")) {
      g_ptr_array_add(out, path);
    } else {
      g_free(path);
    }
  }
}

static void collect(runner *r, const char *path, GPtrArray *out) {
  if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_ptr_array_add(out, g_strdup(path));
    return;
  }
  guint before = out->len;
  collect_dir(r, path, 0, out);
  if (out->len == before)
    file_error(r, path, 0, "no test files (*.xml) in this directory");
}

/* ---- coverage ------------------------------------------------------------ */

/* The distinct clauses of the policy's rules, in order of first mention. */
static GPtrArray *policy_clauses(const zjtx_policy *p) {
  GPtrArray *clauses = g_ptr_array_new();
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++) {
    const char *c = zjtx_policy_rule_clause(p, i);
    bool known = false;
    for (guint k = 0; c && k < clauses->len; k++)
      known = known || strcmp(g_ptr_array_index(clauses, k), c) == 0;
    if (c && !known)
      g_ptr_array_add(clauses, (gpointer)c);
  }
  return clauses;
}

/* One line per clause; returns how many are covered (a rule of it fired). */
static guint print_clauses(const policy_use *u, GPtrArray *clauses) {
  guint covered = 0;
  for (guint k = 0; k < clauses->len; k++) {
    const char *c = g_ptr_array_index(clauses, k);
    guint rules = 0, fired = 0;
    for (size_t i = 0; i < zjtx_policy_rule_count(u->p); i++) {
      const char *ci = zjtx_policy_rule_clause(u->p, i);
      if (ci && strcmp(ci, c) == 0) {
        rules++;
        fired += u->fired[i] > 0;
      }
    }
    covered += fired > 0;
    printf("  clause %-12s %s: %u of %u rules and checks fired\n", c, fired ? "covered" : "NEVER EXERCISED", fired,
           rules);
  }
  return covered;
}

/* The coverage block of one policy; returns whether every rule fired. */
static bool print_coverage(const policy_use *u) {
  const zjtx_policy *p = u->p;
  size_t n = zjtx_policy_rule_count(p), fired = 0;
  printf("\ncoverage of %s (%s) by %u test%s:\n", zjtx_policy_id(p), u->shown, u->tests, u->tests == 1 ? "" : "s");
  for (size_t i = 0; i < n; i++) {
    const char *clause = zjtx_policy_rule_clause(p, i);
    g_autofree char *fired_text = u->fired[i] ? g_strdup_printf("fired in %u test%s", u->fired[i],
                                                                u->fired[i] == 1 ? "" : "s")
                                              : g_strdup("NEVER FIRED");
    printf("  %-5s %-34s %-10s %-20s %u expectation%s\n", zjtx_policy_rule_kind(p, i) == ZJTX_RULE_CHECK ? "check" : "rule",
           zjtx_policy_rule_id(p, i), clause ? clause : "-", fired_text, u->named[i], u->named[i] == 1 ? "" : "s");
    fired += u->fired[i] > 0;
  }
  g_autoptr(GPtrArray) clauses = policy_clauses(p);
  guint covered = print_clauses(u, clauses);
  printf("  %zu of %zu rules and checks fired; %u of %u clauses covered\n", fired, n, covered, clauses->len);
  return fired == n;
}

/* ---- the command -------------------------------------------------------- */

static int usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "zjtx test: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'zjtx test --help'.\n");
  return 2;
}

/* Options into @r, paths into @paths; 0, or the exit status to return. */
static int parse_args(int argc, char **argv, runner *r, GPtrArray *paths) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      return -1;
    } else if (strcmp(a, "--policy") == 0) {
      if (i + 1 >= argc)
        return usage_error("%s needs a file", a);
      r->policy = argv[++i];
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      r->quiet = true;
    } else if (strcmp(a, "--require-coverage") == 0) {
      r->require_coverage = true;
    } else if (a[0] == '-' && a[1]) {
      return usage_error("unknown option '%s'", a);
    } else {
      g_ptr_array_add(paths, (gpointer)a);
    }
  }
  return paths->len ? 0 : usage_error("%s", "give at least one test file or directory");
}

/* Coverage of every policy used; false when --require-coverage is not met. */
static bool report_coverage(const runner *r) {
  bool complete = true;
  for (guint i = 0; i < r->uses->len; i++)
    complete = print_coverage(g_ptr_array_index(r->uses, i)) && complete;
  if (!complete && r->require_coverage) {
    printf("\ncoverage incomplete: some rules or checks never fired (--require-coverage)\n");
    return false;
  }
  return true;
}

int cli_cmd_test(int argc, char **argv) {
  runner r = {.uses = g_ptr_array_new_with_free_func(policy_use_free)};
  g_autoptr(GPtrArray) paths = g_ptr_array_new();
  int rc = parse_args(argc, argv, &r, paths);
  if (rc != 0) {
    g_ptr_array_free(r.uses, TRUE);
    return rc < 0 ? 0 : rc;
  }
  r.schema = load_schema();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; r.schema && i < paths->len; i++)
    collect(&r, g_ptr_array_index(paths, i), files);
  for (guint i = 0; r.schema && i < files->len; i++)
    run_file(&r, g_ptr_array_index(files, i));
  bool covered = report_coverage(&r);
  printf("%u passed, %u failed\n", r.passed, r.failed);
  bool ok = r.schema && r.failed == 0 && covered;
  if (r.schema)
    xmlRelaxNGFree(r.schema);
  g_ptr_array_free(r.uses, TRUE);
  return ok ? 0 : 1;
}
