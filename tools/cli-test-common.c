/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test-common.c - what every file of `zjtx test` uses: reading the
 * parsed tree of a test file (elements, attributes, text, lines, relative
 * paths) and printing failures.  The bottom of the cli-test*.c files: it
 * calls none of them. */
#include <stdarg.h>
#include <string.h>

#include "cli-test.h"

/* ---- reading the XML tree ------------------------------------------------- */

int test_line(const xmlNode *n) {
  return n ? (int)xmlGetLineNo(n) : 0;
}

bool test_is_element(const xmlNode *n, const char *name) {
  return n->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)n->name, name) == 0);
}

/* Attribute @name of @n, borrowed from the file's string chunk, or NULL. */
const char *test_prop(test_file *tf, const xmlNode *n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  if (!v)
    return NULL;
  const char *s = g_string_chunk_insert(tf->strings, (const char *)v);
  xmlFree(v);
  return s;
}

/* The text content of @n, trimmed, borrowed like test_prop(). */
const char *test_text(test_file *tf, const xmlNode *n) {
  xmlChar *v = xmlNodeGetContent(n);
  g_autofree char *s = g_strstrip(g_strdup(v ? (const char *)v : ""));
  xmlFree(v);
  return g_string_chunk_insert(tf->strings, s);
}

static gint compare_strings(gconstpointer a, gconstpointer b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *test_join_sorted(GPtrArray *items) {
  if (!items->len)
    return g_strdup("none");
  g_ptr_array_sort(items, compare_strings);
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index(items, i));
  return g_string_free(s, FALSE);
}

/* @path as seen from the current directory: absolute paths as they are,
 * relative ones taken from @dir (the test file's directory). */
char *test_resolve(const char *dir, const char *path) {
  if (g_path_is_absolute(path) || strcmp(dir, ".") == 0)
    return g_strdup(path);
  return g_build_filename(dir, path, NULL);
}

/* ---- failures ------------------------------------------------------------- */

/* Lines under a failure (explanations, further errors) start with this. */
#define INDENT "      "

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

void test_file_error(test_runner *r, const char *path, int line, const char *fmt, ...) {
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

void test_fail(test_run *t, const xmlNode *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  printf("FAIL %s:%d %s: %s\n", t->tf->path, test_line(at), t->name, msg);
  t->failures++;
}

void test_fail_error(test_run *t, const xmlNode *at, const char *what, const zjtx_error *err) {
  g_autofree char *first = err ? zjtx_error_format(err) : NULL;
  test_fail(t, at, "%s: %s", what, first ? first : "failed");
  for (const zjtx_error *e = err ? zjtx_error_next(err) : NULL; e; e = zjtx_error_next(e)) {
    char *msg = zjtx_error_format(e);
    printf(INDENT "%s\n", msg);
    zjtx_free(msg);
  }
}

void test_fail_explanation(zjtx_explanation *ex) {
  char *text = ex ? zjtx_explanation_to_text(ex) : NULL;
  if (text) {
    printf(INDENT "why:\n");
    print_indented(text, INDENT "  ");
  }
  zjtx_free(text);
  zjtx_explanation_free(ex);
}
