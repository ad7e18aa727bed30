/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test-xml.c - reading a test file for `zjtx test` through the
 * library's safe XML reader (libzjtx/load/xml-read.c: a size limit, UTF-8 only,
 * no network, no DTD, no entities, nesting limit), then validation against
 * rules/test.rng (embedded), saying what the offending element takes. */
#include <glib/gstdio.h>
#include <string.h>

#include "cli-test.h"
#include "xml-read.h"

/* rules/test.rng, embedded by tools/meson.build (build-aux/embed-file.py). */
extern const char cli_test_schema[];
extern const size_t cli_test_schema_len;

#define MAX_TEST_FILE_BYTES (64 * 1024 * 1024)
#define MAX_TEST_FILE_DEPTH 32

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

xmlDoc *test_xml_read(const char *path, char **message, int *line) {
  static const zxml_limits limits = {"test file", MAX_TEST_FILE_BYTES, MAX_TEST_FILE_DEPTH};
  const zxml_schema schema = {cli_test_schema, cli_test_schema_len};
  g_autofree char *data = NULL;
  g_autoptr(GError) gerr = NULL;
  g_autoptr(zxml_error) xe = NULL;
  gsize len = 0;
  GStatBuf st;
  xmlDoc *doc = NULL;
  *message = NULL;
  *line = 0;
  /* the size is checked before reading, not after */
  if (g_stat(path, &st) == 0 && st.st_size > MAX_TEST_FILE_BYTES) {
    *message = g_strdup_printf("larger than %d bytes", MAX_TEST_FILE_BYTES);
    return NULL;
  }
  if (!g_file_get_contents(path, &data, &len, &gerr)) {
    *message = g_strdup_printf("cannot read: %s", gerr->message);
    return NULL;
  }
  if (zxml_read(data, len, path, &schema, &limits, &doc, &xe))
    return doc;
  *line = xe->line;
  if (xe->code == ZJTX_ERR_SCHEMA) {
    const char *expected = synopsis(xe->element);
    *message = g_strdup_printf("not a valid test file: %s%s%s", xe->message, expected ? "; expected " : "",
                               expected ? expected : "");
  } else {
    *message = g_steal_pointer(&xe->message);
  }
  return NULL;
}
