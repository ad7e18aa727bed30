/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test-xml.c - reading a test file for `zjtx test` through the
 * library's safe XML reader (libzjtx/load/xml-read.c: a size limit, UTF-8 only,
 * no network, no DTD, no entities, nesting limit), then validation against
 * rules/test.rng (embedded): every schema error, in the words of
 * libzjtx/load/schema-explain.c (what the schema expected, did you mean). */
#include <glib/gstdio.h>
#include <stdio.h>

#include "cli-test.h"
#include "xml-read.h"

/* rules/test.rng, embedded by tools/meson.build (build-aux/embed-file.py). */
extern const char cli_test_schema[];
extern const size_t cli_test_schema_len;

#define MAX_TEST_FILE_BYTES (64 * 1024 * 1024)
#define MAX_TEST_FILE_DEPTH 32

/* "ERROR file:line:column: ..." for each schema error (the line of
 * test_file_error with a column); the file counts as one failure. */
static void say_schema_errors(test_runner *r, const char *path, const zxml_error *xe) {
  r->failed++;
  for (const zxml_error *e = xe; e; e = e->next)
    if (e->column > 0)
      printf("ERROR %s:%d:%d: not a valid test file: %s\n", path, e->line, e->column, e->message);
    else
      printf("ERROR %s:%d: not a valid test file: %s\n", path, e->line, e->message);
}

xmlDoc *test_xml_read(test_runner *r, const char *path) {
  static const zxml_limits limits = {"test file", MAX_TEST_FILE_BYTES, MAX_TEST_FILE_DEPTH};
  const zxml_schema schema = {cli_test_schema, cli_test_schema_len};
  g_autofree char *data = NULL;
  g_autoptr(GError) gerr = NULL;
  g_autoptr(zxml_error) xe = NULL;
  gsize len = 0;
  GStatBuf st;
  xmlDoc *doc = NULL;
  /* the size is checked before reading, not after */
  if (g_stat(path, &st) == 0 && st.st_size > MAX_TEST_FILE_BYTES) {
    test_file_error(r, path, 0, "larger than %d bytes", MAX_TEST_FILE_BYTES);
    return NULL;
  }
  if (!g_file_get_contents(path, &data, &len, &gerr)) {
    test_file_error(r, path, 0, "cannot read: %s", gerr->message);
    return NULL;
  }
  if (zxml_read(data, len, path, &schema, &limits, &doc, &xe))
    return doc;
  if (xe->code == ZJTX_ERR_SCHEMA)
    say_schema_errors(r, path, xe);
  else
    test_file_error(r, path, xe->line, "%s", xe->message);
  return NULL;
}
