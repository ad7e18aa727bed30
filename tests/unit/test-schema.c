/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-schema.c - schema errors in our words: the cases of
 * tests/unit/schema/errors.txt (one kind of mistake per line, its message
 * and position), every error of a file at once, and the did-you-mean. */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema-explain.h"
#include "xml-read.h"
#include "zjtx/zjtx.h"
#include "test-util.h"

/* A valid policy without a <period> (cases may add one), then the body. */
#define HEADER                                                                                                         \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                                       \
  "<policy id=\"t\" version=\"1\">\n"                                                                                  \
  "<title lang=\"en\">T</title>\n"                                                                                     \
  "<entity name=\"shop\" plural=\"shops\" key=\"id\">\n"                                                               \
  " <field name=\"id\" type=\"text\"/>\n"                                                                              \
  " <field name=\"level\" type=\"code\"><code value=\"low\"/><code value=\"high\"/></field>\n"                         \
  "</entity>\n"
#define FOOTER "</policy>\n"

#define TESTS_HEADER "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tests policy=\"p.xml\">"
#define TESTS_FOOTER "</tests>\n"

/* ---- the cases -------------------------------------------------------------- */

typedef struct {
  int file_line;
  char *kind, *body, *message;
} schema_case;

static GPtrArray *cases; /* schema_case*, read by main() before the tests run */

static void case_free(gpointer p) {
  schema_case *c = p;
  g_free(c->kind);
  g_free(c->body);
  g_free(c->message);
  g_free(c);
}

static GPtrArray *read_cases(void) {
  g_autofree char *path = ztest_src_path("tests", "unit", "schema", "errors.txt", NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL)) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(EXIT_FAILURE);
  }
  GPtrArray *out = g_ptr_array_new_with_free_func(case_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    if (!*g_strstrip(lines[i]) || lines[i][0] == '#')
      continue;
    g_auto(GStrv) f = g_strsplit(lines[i], " | ", 3);
    if (g_strv_length(f) != 3) {
      fprintf(stderr, "%s:%d: expected KIND | BODY | MESSAGE\n", path, i + 1);
      exit(EXIT_FAILURE);
    }
    schema_case *c = g_new0(schema_case, 1);
    c->file_line = i + 1;
    c->kind = g_strdup(g_strstrip(f[0]));
    c->body = g_strdup(g_strstrip(f[1]));
    c->message = g_strdup(g_strstrip(f[2]));
    g_ptr_array_add(out, c);
  }
  return out;
}

/* The file: head, then body with \n made line breaks and the ^ taken out,
 * then foot; *line and *column are where the ^ was (characters, from 1). */
static char *build(const char *head, const char *body, const char *foot, int *line, int *column) {
  g_autoptr(GString) s = g_string_new(head);
  *line = *column = 0;
  for (const char *q = body; *q; q++) {
    if (q[0] == '\\' && q[1] == 'n') {
      g_string_append_c(s, '\n');
      q++;
    } else if (*q == '^') {
      *line = 1;
      *column = 1;
      for (const char *r = s->str; *r; r++) {
        if (*r == '\n') {
          (*line)++;
          *column = 1;
        } else if (((unsigned char)*r & 0xC0) != 0x80) {
          (*column)++;
        }
      }
    } else {
      g_string_append_c(s, *q);
    }
  }
  g_string_append(s, foot);
  return g_string_free(g_steal_pointer(&s), FALSE);
}

static void expect_one(const schema_case *c, int line, int column, int got_line, int got_column, const char *message,
                       bool more) {
  ck_assert_msg(strcmp(message, c->message) == 0, "errors.txt:%d: message\n  got  %s\n  want %s", c->file_line, message,
                c->message);
  ck_assert_msg(got_line == line && got_column == column, "errors.txt:%d: at %d:%d, want %d:%d", c->file_line, got_line,
                got_column, line, column);
  ck_assert_msg(!more, "errors.txt:%d: more than one error", c->file_line);
}

static void run_policy_case(const schema_case *c) {
  int line = 0, column = 0;
  g_autofree char *xml = build(HEADER, c->body, FOOTER, &line, &column);
  zjtx_error *err = ztest_policy_text_fail(xml, strlen(xml), "t.xml", ZJTX_ERR_SCHEMA);
  ck_assert_str_eq(zjtx_error_file(err), "t.xml");
  expect_one(c, line, column, zjtx_error_line(err), zjtx_error_column(err), zjtx_error_message(err),
             zjtx_error_next(err) != NULL);
  zjtx_error_free(err);
}

/* A schema as zjtx carries it: the text of rules/NAME. */
static char *schema_text(const char *name, size_t *len) {
  g_autofree char *path = ztest_rules_path(name);
  char *text = NULL;
  ck_assert_msg(g_file_get_contents(path, &text, len, NULL), "cannot read %s", path);
  return text;
}

static void run_test_file_case(const schema_case *c) {
  int line = 0, column = 0;
  g_autofree char *xml = build(TESTS_HEADER, c->body, TESTS_FOOTER, &line, &column);
  size_t len = 0;
  g_autofree char *rng = schema_text("test.rng", &len);
  const zxml_schema schema = {rng, len};
  const zxml_limits limits = {"test file", 1 << 20, 32};
  xmlDoc *doc = NULL;
  g_autoptr(zxml_error) xe = NULL;
  ck_assert_msg(!zxml_read(xml, strlen(xml), "t.xml", &schema, &limits, &doc, &xe), "errors.txt:%d: valid",
                c->file_line);
  ck_assert_int_eq(xe->code, ZJTX_ERR_SCHEMA);
  expect_one(c, line, column, xe->line, xe->column, xe->message, xe->next != NULL);
}

START_TEST(errors) {
  const schema_case *c = g_ptr_array_index(cases, _i);
  if (strcmp(c->kind, "policy") == 0)
    run_policy_case(c);
  else if (strcmp(c->kind, "test") == 0)
    run_test_file_case(c);
  else
    ck_abort_msg("errors.txt:%d: KIND is policy or test, not %s", c->file_line, c->kind);
}
END_TEST

/* ---- every error of a file ------------------------------------------------------ */

START_TEST(every_error_in_order) {
  /* the mistakes of issue 9, one file: each said at its own place, in
   * the order of the file, not only the first */
  const char *body = "^<period unit=\"year\" ^default=\"25\"/>\n"
                     "^<rule id=\"a\" subject=\"shop\"><amount>1</amount></rule>\n"
                     "^<rule subject=\"shop\" clause=\"c\"><amount>1</amount></rule>\n"
                     "<rule id=\"b\" ^subjet=\"shop\" clause=\"c\"><amount>1</amount></rule>\n"
                     "<rule id=\"d\" subject=\"shop\" clause=\"c\" ^rounding=\"half_up\">"
                     "<condition>true</condition><amount>1</amount></rule>\n";
  /* markers are numbered by hand: lines 8-12 of the file (HEADER is 7) */
  static const struct {
    int line, column;
    const char *message;
  } want[] = {
      {8, 21, "default=\"25\" is not allowed on <period>: expected period-form: text matching (FY)?[0-9]{4}((H[12])|(Q[1-4])|(-[0-9]{2}))?"},
      {9, 1, "<rule> needs clause="},
      {10, 1, "<rule> needs id="},
      {11, 14, "<rule> takes no attribute subjet= (did you mean subject=?)"},
      {12, 40,
       "rounding=\"half_up\" is not allowed on <rule> (did you mean \"half-up\"?): expected one of half-up, half-even, "
       "down, up, floor, ceiling"},
  };
  g_autofree char *plain = g_strdup(body);
  char *w = plain;
  for (const char *q = body; *q; q++)
    if (*q != '^')
      *w++ = *q;
  *w = '\0';
  g_autofree char *xml = g_strconcat(HEADER, plain, FOOTER, NULL);
  zjtx_error *err = ztest_policy_text_fail(xml, strlen(xml), "t.xml", ZJTX_ERR_SCHEMA);
  const zjtx_error *e = err;
  for (size_t i = 0; i < G_N_ELEMENTS(want); i++, e = zjtx_error_next(e)) {
    ck_assert_msg(e != NULL, "only %zu errors", i);
    ck_assert_str_eq(zjtx_error_message(e), want[i].message);
    ck_assert_str_eq(zjtx_error_file(e), "t.xml");
    ck_assert_int_eq(zjtx_error_line(e), want[i].line);
    ck_assert_int_eq(zjtx_error_column(e), want[i].column);
  }
  ck_assert_ptr_null(e);
  zjtx_error_free(err);
}
END_TEST

START_TEST(what_libxml2_says_is_kept) {
  /* a pattern the wording does not judge (a datatype other than string)
   * still gives libxml2's message, at the line of the element */
  static const char rng[] = "<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\" "
                            "datatypeLibrary=\"http://www.w3.org/2001/XMLSchema-datatypes\">"
                            "<start><element name=\"a\"><zeroOrMore><element name=\"b\">"
                            "<attribute name=\"n\"><data type=\"integer\"/></attribute>"
                            "</element></zeroOrMore></element></start></grammar>";
  const char *xml = "<a>\n<b n=\"1\"/>\n<b n=\"x\"/>\n</a>\n";
  const zxml_schema schema = {rng, sizeof rng - 1};
  const zxml_limits limits = {"document", 1 << 20, 32};
  xmlDoc *doc = NULL;
  g_autoptr(zxml_error) xe = NULL;
  ck_assert(!zxml_read(xml, strlen(xml), "t.xml", &schema, &limits, &doc, &xe));
  ck_assert_int_eq(xe->code, ZJTX_ERR_SCHEMA);
  ck_assert_int_eq(xe->line, 3);
  ck_assert_int_gt((int)strlen(xe->message), 0);
}
END_TEST

START_TEST(at_most_a_hundred) {
  /* 150 rules without clause=: the first 100 errors, then one saying that
   * more follow (a hostile file may hold millions) */
  g_autoptr(GString) xml = g_string_new(HEADER);
  for (int i = 0; i < 150; i++)
    g_string_append_printf(xml, "<rule id=\"r%d\" subject=\"shop\"><amount>1</amount></rule>\n", i);
  g_string_append(xml, FOOTER);
  zjtx_error *err = ztest_policy_text_fail(xml->str, xml->len, "t.xml", ZJTX_ERR_SCHEMA);
  int n = 0;
  const zjtx_error *last = NULL;
  for (const zjtx_error *e = err; e; e = zjtx_error_next(e), n++)
    last = e;
  ck_assert_int_eq(n, 101);
  ck_assert_str_eq(zjtx_error_message(last), "more schema errors follow: only the first 100 are shown");
  zjtx_error_free(err);
}
END_TEST

/* ---- did you mean -------------------------------------------------------------- */

START_TEST(did_you_mean) {
  const char *attrs[] = {"id", "subject", "clause", "exclusive", "rounding"};
  ck_assert_str_eq(zschema_did_you_mean("subjet", attrs, 5), "subject");
  ck_assert_str_eq(zschema_did_you_mean("Clause", attrs, 5), "clause");
  ck_assert_str_eq(zschema_did_you_mean("ids", attrs, 5), "id");
  /* two edits for long names only; nothing close: no guess */
  ck_assert_ptr_null(zschema_did_you_mean("key", attrs, 5));
  ck_assert_ptr_null(zschema_did_you_mean("bad", attrs, 5));
  ck_assert_str_eq(zschema_did_you_mean("rondig", attrs, 5), "rounding");
  ck_assert_uint_eq(zschema_distance("half_up", "half-up", 2), 1);
  ck_assert_uint_eq(zschema_distance("kitten", "sitting", 5), 3);
  ck_assert_uint_eq(zschema_distance("a", "abcdef", 2), 3); /* capped at limit + 1 */
}
END_TEST

static Suite *schema_suite(void) {
  Suite *s = suite_create("schema");
  TCase *t = tcase_create("errors");
  tcase_add_loop_test(t, errors, 0, (int)cases->len);
  tcase_add_test(t, every_error_in_order);
  tcase_add_test(t, what_libxml2_says_is_kept);
  tcase_add_test(t, at_most_a_hundred);
  tcase_add_test(t, did_you_mean);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  cases = read_cases();
  int status = ztest_run_suite(schema_suite());
  g_ptr_array_unref(cases);
  return status;
}
