/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-expr.c - the expression language, end to end: small generic policies
 * loaded with zjtx_policy_load_buffer, their parse and type errors (with the
 * exact file:line:column), and evaluation results worked out by hand.
 *
 * Every policy here is HEADER + a body + "</policy>".  The parse and type
 * errors are data, one line per case, in tests/unit/expr/errors.txt.  Where an
 * error is expected, its line and column are found from where the
 * offending text sits in the generated policy, never counted by hand. */
#include <check.h>
#include <glib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eval-internal.h" /* a budget's note (zresult_budget_note) */
#include "model.h"         /* tables explained band by band (zscale_explain) */
#include "test-util.h"
#include "zjtx/zjtx.h"

/* ---- the test policy ---------------------------------------------------- */

#define HEADER                                                                                                         \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                                       \
  "<policy id=\"t\" version=\"1\">\n"                                                                                  \
  "<title lang=\"en\">Test</title>\n"                                                                                  \
  "<jurisdiction>J</jurisdiction>\n"                                                                                   \
  "<document>D</document>\n"                                                                                           \
  "<period unit=\"year\" default=\"2025\"/>\n"                                                                         \
  "<entity name=\"shop\" plural=\"shops\" key=\"id\">\n"                                                               \
  " <field name=\"id\" type=\"text\"/>\n"                                                                              \
  " <field name=\"amount\" type=\"money\"/>\n"                                                                         \
  " <field name=\"other\" type=\"money\"/>\n"                                                                          \
  " <field name=\"rate\" type=\"rate\"/>\n"                                                                            \
  " <field name=\"opened\" type=\"date\"/>\n"                                                                          \
  " <field name=\"tier\" type=\"code\"><code value=\"bronze\"/><code value=\"silver\"/></field>\n"                     \
  " <field name=\"level\" type=\"code\" ordered=\"true\"><code value=\"low\"/><code value=\"mid\"/>"                   \
  "<code value=\"high\"/></field>\n"                                                                                   \
  " <field name=\"active\" type=\"bool\"/>\n"                                                                          \
  " <field name=\"n\" type=\"number\"/>\n"                                                                             \
  "</entity>\n"                                                                                                        \
  "<entity name=\"sale\" plural=\"sales\" parent=\"shop\" parent-key=\"shop\" key=\"id\">\n"                           \
  " <field name=\"id\" type=\"text\"/>\n"                                                                              \
  " <field name=\"price\" type=\"money\"/>\n"                                                                          \
  " <field name=\"sold_on\" type=\"date\"/>\n"                                                                         \
  " <field name=\"kind\" type=\"code\"><code value=\"retail\"/><code value=\"wholesale\"/></field>\n"                  \
  " <field name=\"ok\" type=\"bool\"/>\n"                                                                              \
  "</entity>\n"                                                                                                        \
  "<parameter id=\"fee\" type=\"money\" status=\"published\"><source>s</source>"                                       \
  "<value from=\"2025-01-01\">100</value></parameter>\n"                                                               \
  "<parameter id=\"lpr\" type=\"rate\" status=\"published\"><source>s</source>"                                        \
  "<value from=\"2024-01-01\">3.45</value><value from=\"2025-05-20\">3.00</value></parameter>\n"                       \
  "<parameter id=\"bonus\" type=\"money\" key=\"shop.level\" default=\"7\" status=\"assumed\">"                        \
  "<source>s</source><value from=\"2025-01-01\" key=\"high\">1000</value>"                                             \
  "<value from=\"2025-01-01\" key=\"mid\">500</value></parameter>\n"                                                   \
  "<parameter id=\"bonus_nodef\" type=\"money\" key=\"shop.level\" status=\"assumed\">"                                \
  "<source>s</source><value from=\"2025-01-01\" key=\"high\">9</value></parameter>\n"
#define FOOTER "</policy>\n"

#define RULE(id, expr) "<rule id=\"" id "\" subject=\"shop\" clause=\"c\"><amount>" expr "</amount></rule>\n"
#define COND(id, cond)                                                                                                 \
  "<rule id=\"" id "\" subject=\"shop\" clause=\"c\"><condition>" cond "</condition><amount>fee</amount></rule>\n"
#define TWICE                                                                                                          \
  "<derived name=\"twice\" entity=\"shop\" type=\"money\"><arg name=\"v\" type=\"money\"/>"                            \
  "<expr>v * 2</expr></derived>\n"

static char *policy_text(const char *body) {
  return g_strconcat(HEADER, body, FOOTER, NULL);
}

static zjtx_policy *load_ok(const char *body) {
  g_autofree char *xml = policy_text(body);
  return ztest_policy_text(xml, "t.xml");
}

/* Loads a body that must fail; returns the error (caller frees). */
static zjtx_error *load_fail(const char *body, zjtx_status want) {
  g_autofree char *xml = policy_text(body);
  return ztest_policy_text_fail(xml, strlen(xml), "t.xml", want);
}

/* Where `at` (a pointer into xml) is: line and column in characters, from 1. */
static void position_of(const char *xml, const char *at, int *line, int *column) {
  const char *line_start = xml;
  *line = 1;
  for (const char *q = xml; q < at; q++)
    if (*q == '\n') {
      (*line)++;
      line_start = q + 1;
    }
  *column = (int)g_utf8_pointer_to_offset(line_start, at) + 1;
}

/* Checks a load error: at line:column of t.xml, with exactly this message. */
static void check_error(zjtx_error *err, int line, int column, const char *message) {
  char *m = zjtx_error_format(err);
  ck_assert_msg(zjtx_error_line(err) == line && zjtx_error_column(err) == column, "error at %d:%d, want %d:%d (%s)",
                zjtx_error_line(err), zjtx_error_column(err), line, column, m);
  ck_assert_str_eq(zjtx_error_file(err), "t.xml");
  ck_assert_str_eq(zjtx_error_message(err), message);
  zjtx_free(m);
}

/* The position of the first `marker` in the body, as a line and column of
 * the whole policy text. */
static void position_in_body(const char *body, const char *marker, int *line, int *column) {
  const char *at = strstr(body, marker);
  ck_assert_msg(at != NULL, "the body lacks '%s'", marker);
  g_autofree char *xml = g_strconcat(HEADER, body, NULL);
  position_of(xml, xml + strlen(HEADER) + (size_t)(at - body), line, column);
}

/* A load error with exactly this message, at the first character of the
 * first `marker` in the body. */
static void expect_error_at(const char *body, const char *marker, const char *message) {
  int line, column;
  position_in_body(body, marker, &line, &column);
  zjtx_error *err = load_fail(body, ZJTX_ERR_POLICY);
  check_error(err, line, column, message);
  zjtx_error_free(err);
}

/* ---- facts ------------------------------------------------------------- */

static const char *const shop_fields[] = {"id", "amount", "other", "rate", "opened", "tier", "level", "active", "n"};
static const char *const shop_defaults[] = {"S", "0", "0", "0", "2025-06-01", "bronze", "low", "true", "1"};
static const char *const sale_fields[] = {"id", "shop", "price", "sold_on", "kind", "ok"};
static const char *const sale_defaults[] = {"X", "S", "0", "2025-06-01", "retail", "true"};

/* Adds a record: defaults, replaced by the NULL-terminated name/value pairs. */
static void add_rec(zjtx_facts *f, const char *entity, const char *const *names, const char *const *defaults, size_t n,
                    va_list ap) {
  const char *values[16];
  memcpy(values, defaults, n * sizeof *values);
  for (const char *name; (name = va_arg(ap, const char *));) {
    const char *value = va_arg(ap, const char *);
    size_t i = 0;
    while (i < n && strcmp(names[i], name) != 0)
      i++;
    ck_assert_msg(i < n, "no field %s", name);
    values[i] = value;
  }
  zjtx_error *err = NULL;
  zjtx_status st = zjtx_facts_add_record(f, entity, names, values, n, &err);
  if (st != ZJTX_OK)
    ck_abort_msg("add_record: %s", zjtx_error_message(err));
}

static void shop(zjtx_facts *f, ...) {
  va_list ap;
  va_start(ap, f);
  add_rec(f, "shop", shop_fields, shop_defaults, G_N_ELEMENTS(shop_fields), ap);
  va_end(ap);
}

static void sale(zjtx_facts *f, ...) {
  va_list ap;
  va_start(ap, f);
  add_rec(f, "sale", sale_fields, sale_defaults, G_N_ELEMENTS(sale_fields), ap);
  va_end(ap);
}

static zjtx_facts *facts_new(zjtx_policy *p) {
  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(p, &f, NULL), ZJTX_OK);
  return f;
}

static void finish(zjtx_facts *f) {
  zjtx_error *err = NULL;
  if (zjtx_facts_finish(f, &err) != ZJTX_OK)
    ck_abort_msg("finish: %s", zjtx_error_message(err));
}

/* Evaluates and lists the entitlements as "rule id amount" lines. */
static char *results(zjtx_policy *p, zjtx_facts *f, zjtx_options *o) {
  zjtx_result *r = NULL;
  zjtx_error *err = NULL;
  if (zjtx_evaluate(p, f, o, &r, &err) != ZJTX_OK) {
    char *m = zjtx_error_format(err);
    ck_abort_msg("evaluate failed: %s", m);
  }
  GString *s = g_string_new(NULL);
  for (size_t i = 0; i < zjtx_result_entitlement_count(r); i++) {
    g_string_append_printf(s, "%s %s %s\n", zjtx_result_entitlement_rule(r, i), zjtx_result_entitlement_id(r, i),
                           zjtx_result_entitlement_amount(r, i));
    /* the fen count and the text agree */
    char buf[32];
    int64_t fen = zjtx_result_entitlement_fen(r, i);
    g_snprintf(buf, sizeof buf, "%s%" G_GINT64_FORMAT ".%02d", fen < 0 ? "-" : "", (fen < 0 ? -fen : fen) / 100,
               (int)((fen < 0 ? -fen : fen) % 100));
    ck_assert_str_eq(buf, zjtx_result_entitlement_amount(r, i));
  }
  zjtx_result_free(r);
  return g_string_free(s, FALSE);
}

#define ck_results(p, f, o, want)                                                                                      \
  do {                                                                                                                 \
    char *got_ = results((p), (f), (o));                                                                               \
    ck_assert_str_eq(got_, (want));                                                                                    \
    g_free(got_);                                                                                                      \
  } while (0)

/* Evaluation that must fail: returns the error. */
static zjtx_error *eval_fail(zjtx_policy *p, zjtx_facts *f, zjtx_options *o, zjtx_status want) {
  zjtx_result *r = NULL;
  zjtx_error *err = NULL;
  zjtx_status st = zjtx_evaluate(p, f, o, &r, &err);
  ck_assert_ptr_null(r);
  ck_assert_ptr_nonnull(err);
  ck_assert_msg(st == want, "status %d, want %d: %s", st, want, zjtx_error_message(err));
  ck_assert_int_eq(zjtx_error_code(err), want);
  return err;
}

/* ======================================================================== */
/* Parse and type errors: the cases of tests/unit/expr/errors.txt                */
/* ======================================================================== */

/* One line of tests/unit/expr/errors.txt (its format is described at its top). */
typedef struct {
  int file_line;
  char *place, *expr, *message;
  int column; /* in characters of expr, from 1 */
} expr_error_case;

static GPtrArray *error_cases; /* expr_error_case*, read by main() before the tests run */

static void error_case_free(gpointer p) {
  expr_error_case *c = p;
  g_free(c->place);
  g_free(c->expr);
  g_free(c->message);
  g_free(c);
}

static expr_error_case *parse_error_case(const char *line, int file_line, const char *path) {
  g_auto(GStrv) f = g_strsplit(line, " | ", 4);
  char *end = NULL;
  long column = g_strv_length(f) == 4 ? strtol(f[1], &end, 10) : 0;
  if (column < 1 || !end || *g_strstrip(end)) {
    fprintf(stderr, "%s:%d: expected PLACE | COLUMN | EXPRESSION | MESSAGE\n", path, file_line);
    exit(EXIT_FAILURE);
  }
  expr_error_case *c = g_new0(expr_error_case, 1);
  c->file_line = file_line;
  c->place = g_strdup(g_strstrip(f[0]));
  c->column = (int)column;
  c->expr = g_strdup(g_strstrip(f[2]));
  c->message = g_strdup(g_strstrip(f[3]));
  return c;
}

static GPtrArray *read_error_cases(void) {
  g_autofree char *path = ztest_src_path("tests", "unit", "expr", "errors.txt", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) gerr = NULL;
  if (!g_file_get_contents(path, &text, NULL, &gerr)) {
    fprintf(stderr, "%s\n", gerr->message);
    exit(EXIT_FAILURE);
  }
  GPtrArray *cases = g_ptr_array_new_with_free_func(error_case_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    const char *l = lines[i];
    if (*l && *l != '#')
      g_ptr_array_add(cases, parse_error_case(l, i + 1, path));
  }
  return cases;
}

/* The body that holds a case's expression; *before: the text before it. */
static char *error_case_body(const expr_error_case *c, char **before) {
  const char *rule = "<rule id=\"r\" subject=\"shop\" clause=\"c\">";
  if (strcmp(c->place, "amount") == 0) {
    *before = g_strconcat(TWICE, rule, "<amount>", NULL);
    return g_strconcat(*before, c->expr, "</amount></rule>\n", NULL);
  }
  if (strcmp(c->place, "condition") == 0) {
    *before = g_strconcat(TWICE, rule, "<condition>", NULL);
    return g_strconcat(*before, c->expr, "</condition><amount>fee</amount></rule>\n", NULL);
  }
  if (g_str_has_prefix(c->place, "derived:")) {
    *before = g_strdup_printf(TWICE "<derived name=\"d\" entity=\"shop\" type=\"%s\"><expr>", c->place + 8);
    return g_strconcat(*before, c->expr, "</expr></derived>\n", RULE("r", "fee"), NULL);
  }
  ck_abort_msg("errors.txt:%d: unknown place '%s'", c->file_line, c->place);
  return NULL;
}

START_TEST(error_case) {
  const expr_error_case *c = g_ptr_array_index(error_cases, _i);
  g_autofree char *before = NULL;
  g_autofree char *body = error_case_body(c, &before);
  /* the expression starts right after HEADER and `before` */
  g_autofree char *xml_before = g_strconcat(HEADER, before, NULL);
  int line, column;
  position_of(xml_before, xml_before + strlen(xml_before), &line, &column);
  column += c->column - 1;
  zjtx_error *err = load_fail(body, ZJTX_ERR_POLICY);
  ck_assert_msg(strcmp(zjtx_error_message(err), c->message) == 0, "errors.txt:%d: %s\n  got  %s\n  want %s",
                c->file_line, c->expr, zjtx_error_message(err), c->message);
  ck_assert_msg(zjtx_error_line(err) == line && zjtx_error_column(err) == column,
                "errors.txt:%d: %s\n  error at %d:%d, want %d:%d", c->file_line, c->expr, zjtx_error_line(err),
                zjtx_error_column(err), line, column);
  ck_assert_str_eq(zjtx_error_file(err), "t.xml");
  zjtx_error_free(err);
}
END_TEST

START_TEST(error_cases_were_read) {
  /* a file that lost its cases would make the loop above pass vacuously */
  ck_assert_uint_ge(error_cases->len, 70);
}
END_TEST

/* ======================================================================== */
/* Parse errors that need more than one expression in one place             */
/* ======================================================================== */

static char *nested(int depth, const char *inner) {
  GString *s = g_string_new(NULL);
  for (int i = 0; i < depth; i++)
    g_string_append_c(s, '(');
  g_string_append(s, inner);
  for (int i = 0; i < depth; i++)
    g_string_append_c(s, ')');
  return g_string_free(s, FALSE);
}

START_TEST(parse_nesting_limit) {
  /* the language allows 64 levels: 64 parentheses load, 65 do not */
  char *e64 = nested(64, "fee"), *body = g_strdup_printf(RULE("r", "%s"), e64);
  zjtx_policy *p = load_ok(body);
  zjtx_policy_unref(p);
  g_free(body);
  char *e65 = nested(65, "fee");
  body = g_strdup_printf(RULE("r", "%s"), e65);
  zjtx_error *err = load_fail(body, ZJTX_ERR_POLICY);
  /* the 65th '(' is the offending token */
  int line, column;
  position_in_body(body, e65, &line, &column);
  check_error(err, line, column + 64, "expression nested deeper than 64 levels");
  zjtx_error_free(err);
  g_free(body);
  /* unary minus and not nest too */
  GString *neg = g_string_new(NULL);
  for (int i = 0; i < 65; i++)
    g_string_append(neg, "- ");
  g_string_append(neg, "fee");
  body = g_strdup_printf(RULE("r", "%s"), neg->str);
  err = load_fail(body, ZJTX_ERR_POLICY);
  ck_assert_str_eq(zjtx_error_message(err), "expression nested deeper than 64 levels");
  zjtx_error_free(err);
  g_free(body);
  g_string_free(neg, TRUE);
  /* a deep function nesting: max(max(max(...))) 65 deep */
  GString *mx = g_string_new(NULL);
  for (int i = 0; i < 65; i++)
    g_string_append(mx, "max(fee, ");
  g_string_append(mx, "fee");
  for (int i = 0; i < 65; i++)
    g_string_append_c(mx, ')');
  body = g_strdup_printf(RULE("r", "%s"), mx->str);
  err = load_fail(body, ZJTX_ERR_POLICY);
  ck_assert_str_eq(zjtx_error_message(err), "expression nested deeper than 64 levels");
  zjtx_error_free(err);
  g_free(body);
  g_string_free(mx, TRUE);
  g_free(e64);
  g_free(e65);
}
END_TEST

START_TEST(parse_long_flat_expression) {
  /* nesting, not length, is limited: a long flat sum loads and computes */
  GString *s = g_string_new("fee");
  for (int i = 0; i < 5000; i++)
    g_string_append(s, " + fee");
  char *body = g_strdup_printf(RULE("r", "%s"), s->str);
  zjtx_policy *p = load_ok(body);
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", NULL);
  finish(f);
  ck_results(p, f, NULL, "r S1 500100.00\n"); /* 5001 * 100 */
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
  g_free(body);
  g_string_free(s, TRUE);
}
END_TEST

START_TEST(parse_too_long) {
  GString *s = g_string_new("fee");
  while (s->len <= 65536)
    g_string_append(s, "+fee");
  char *body = g_strdup_printf(RULE("r", "%s"), s->str);
  zjtx_error *err = load_fail(body, ZJTX_ERR_LIMIT);
  ck_assert_str_eq(zjtx_error_message(err), "expression longer than 65536 bytes");
  zjtx_error_free(err);
  g_free(body);
  g_string_free(s, TRUE);
}
END_TEST

START_TEST(parse_multiline_position) {
  /* positions count lines inside the expression text */
  expect_error_at(
      "<rule id=\"r\" subject=\"shop\" clause=\"c\">\n"
      "  <amount>fee\n"
      "     + nosuch</amount>\n"
      "</rule>\n",
      "nosuch", "unknown name 'nosuch' (not a variable, a field, relation or derived value of shop, nor a parameter)");
}
END_TEST

START_TEST(parse_position_of_second_cap) {
  /* two caps on one line: the error is in the second */
  expect_error_at(
      "<rule id=\"r\" subject=\"shop\" clause=\"c\"><amount>fee</amount>"
      "<cap>fee</cap><cap>nosuch</cap></rule>\n",
      "nosuch", "unknown name 'nosuch' (not a variable, a field, relation or derived value of shop, nor a parameter)");
  /* a '>' inside an attribute value does not end the start tag */
  expect_error_at(
      "<rule id=\"r\" subject=\"shop\" clause=\"c\"><amount>fee</amount>"
      "<cap label=\"a>b\">nosuch</cap></rule>\n",
      "nosuch", "unknown name 'nosuch' (not a variable, a field, relation or derived value of shop, nor a parameter)");
}
END_TEST

START_TEST(parse_position_multiline_start_tag) {
  /* libxml2 places an element on the line where its start tag ends; the
   * text starts after the '>' */
  expect_error_at(
      "<rule id=\"r\" subject=\"shop\" clause=\"c\"><amount>fee</amount><cap\n"
      "   label=\"x\"\n"
      "   >nosuch</cap></rule>\n",
      "nosuch", "unknown name 'nosuch' (not a variable, a field, relation or derived value of shop, nor a parameter)");
  /* an element name in a comment before the element is not the element */
  expect_error_at(
      "<!-- <rule><amount>fee</amount></rule> -->\n" RULE("r", "fee + nosuch"), "nosuch",
      "unknown name 'nosuch' (not a variable, a field, relation or derived value of shop, nor a parameter)");
  /* a derived value's <expr> after a rule's <amount> on the same line */
  expect_error_at(
      RULE("r", "fee") "<derived name=\"d\" entity=\"shop\" type=\"money\"><expr>fee</expr></derived>"
                       "<derived name=\"e\" entity=\"shop\" type=\"money\"><expr>nosuch</expr></derived>\n",
      "nosuch", "unknown name 'nosuch' (not a variable, a field, relation or derived value of shop, nor a parameter)");
}
END_TEST

/* ======================================================================== */
/* Type errors that need more than one place                                */
/* ======================================================================== */

START_TEST(type_derived_cycle) {
  /* da -> db -> da: the error is at the call that closes the cycle */
  expect_error_at("<derived name=\"da\" entity=\"shop\" type=\"money\"><expr>db + 1</expr></derived>\n"
                  "<derived name=\"db\" entity=\"shop\" type=\"money\"><expr>da</expr></derived>\n" RULE("r", "da"),
                  "da</expr>", "'da' depends on itself");
  expect_error_at("<derived name=\"dc\" entity=\"shop\" type=\"money\"><expr>dc</expr></derived>\n" RULE("r", "fee"),
                  "dc</expr>", "'dc' depends on itself");
}
END_TEST

START_TEST(type_code_derived_literal) {
  /* without a code in it, a literal is text (tests/unit/expr/errors.txt); with
   * one, the literal is typed by it */
  zjtx_policy *p = load_ok(
      "<derived name=\"d\" entity=\"shop\" type=\"code\"><expr>if active then level else 'mid'</expr></derived>\n" RULE(
          "r", "bonus[d]"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", "level", "high", NULL);
  shop(f, "id", "S2", "level", "high", "active", "false", NULL);
  finish(f);
  ck_results(p, f, NULL, "r S1 1000.00\nr S2 500.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(type_error_in_base_of_call) {
  /* an error inside a derived value compiled because a rule calls it is
   * reported at its own position */
  expect_error_at(
      RULE("r", "d2") "<derived name=\"d2\" entity=\"shop\" type=\"money\"><expr>amount + opened</expr></derived>\n",
      "+ opened", "'+' is not defined for money and date");
}
END_TEST

/* ======================================================================== */
/* Types: what loads                                                        */
/* ======================================================================== */

START_TEST(types_accepted) {
  static const char *const bodies[] = {
      COND("r", "level > 'low'"),                   /* an ordered code list compares */
      RULE("r", "sum(x in sales : x.shop.amount)"), /* the parent key gives the parent record */
      TWICE RULE("r", "twice(5)"),                  /* a literal becomes money */
      RULE("r", "if active then amount else 0"),    /* a literal takes the other branch's type */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bodies); i++)
    zjtx_policy_unref(load_ok(bodies[i]));
}
END_TEST

/* ======================================================================== */
/* Evaluation                                                               */
/* ======================================================================== */

START_TEST(eval_precedence) {
  zjtx_policy *p = load_ok(RULE("p1", "fee * (1 + 2 * 3)")                              /* 100 * 7 = 700 */
                           RULE("p2", "(fee + 2) * 3")                                  /* 102 * 3 = 306 */
                           RULE("p3", "fee - 10 - 20")                                  /* left: 70, not 110 */
                           RULE("p4", "fee / 4 / 5")                                    /* left: 5, not 125 */
                           RULE("p5", "-fee + 150")                                     /* 50 */
                           RULE("p6", "fee * 2 - fee / 2 * 3")                          /* 200 - 150 = 50 */
                           RULE("p7", "if active then fee else 0")                      /* 100 */
                           RULE("p8", "fee * (if not active or n > 0 then 1 else 2)")); /* not binds tighter than or */
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", "n", "1", NULL);
  finish(f);
  ck_results(p, f, NULL,
             "p1 S1 700.00\np2 S1 306.00\np3 S1 70.00\np4 S1 5.00\np5 S1 50.00\np6 S1 50.00\np7 S1 100.00\n"
             "p8 S1 100.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_rates) {
  zjtx_policy *p = load_ok(RULE("r1", "amount * 2%")                /* 1000 * 2% = 20.00 */
                           RULE("r2", "amount * rate")              /* 1000 * 2.5% = 25.00 */
                           RULE("r3", "amount * lpr")               /* in force on 12-31: 3.00% -> 30.00 */
                           RULE("r4", "rate * amount * 2")          /* rate*money, *number: 50.00 */
                           RULE("r5", "amount * (rate + 0.5%)")     /* 3% -> 30.00 */
                           RULE("r6", "amount * (rate - 0%) * n")); /* 25 * 4 = 100.00 */
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", "amount", "1000", "rate", "2.5", "n", "4", NULL);
  finish(f);
  ck_results(p, f, NULL, "r1 S1 20.00\nr2 S1 25.00\nr3 S1 30.00\nr4 S1 50.00\nr5 S1 30.00\nr6 S1 100.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_rounding_half_up_at_end) {
  zjtx_policy *p = load_ok(RULE("r", "amount * 0.5%")
                           /* rounded once at the end: 0.005 + 0.005 = 0.01, not 0.01 + 0.01 */
                           RULE("twice", "amount * 0.5% + other * 0.5%"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "amount", "1.00", "other", "1.00", NULL); /* 0.005 -> 0.01 */
  shop(f, "id", "B", "amount", "0.80", "other", "0.00", NULL); /* 0.004 -> 0: not reported */
  shop(f, "id", "C", "amount", "3.00", "other", "0.00", NULL); /* 0.015 -> 0.02 */
  finish(f);
  ck_results(p, f, NULL, "r A 0.01\nr C 0.02\ntwice A 0.01\ntwice C 0.02\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_rounding_modes) {
  zjtx_policy *p = load_ok(
      "<rule id=\"hu\" subject=\"shop\" clause=\"c\"><amount>amount * 10%</amount></rule>\n"
      "<rule id=\"he\" subject=\"shop\" clause=\"c\" rounding=\"half-even\"><amount>amount * 10%</amount></rule>\n"
      "<rule id=\"dn\" subject=\"shop\" clause=\"c\" rounding=\"down\"><amount>amount * 10%</amount></rule>\n"
      "<rule id=\"up\" subject=\"shop\" clause=\"c\" rounding=\"up\"><amount>amount * 10%</amount></rule>\n"
      "<rule id=\"fl\" subject=\"shop\" clause=\"c\" rounding=\"floor\"><amount>amount * 10%</amount></rule>\n"
      "<rule id=\"ce\" subject=\"shop\" clause=\"c\" rounding=\"ceiling\"><amount>amount * 10%</amount></rule>\n");
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "amount", "0.25", NULL); /* 0.025 */
  shop(f, "id", "B", "amount", "0.35", NULL); /* 0.035 */
  shop(f, "id", "C", "amount", "9.99", NULL); /* 0.999 */
  shop(f, "id", "D", "amount", "0.11", NULL); /* 0.011 */
  finish(f);
  ck_results(p, f, NULL,
             "hu A 0.03\nhu B 0.04\nhu C 1.00\nhu D 0.01\n"
             "he A 0.02\nhe B 0.04\nhe C 1.00\nhe D 0.01\n"
             "dn A 0.02\ndn B 0.03\ndn C 0.99\ndn D 0.01\n"
             "up A 0.03\nup B 0.04\nup C 1.00\nup D 0.02\n"
             "fl A 0.02\nfl B 0.03\nfl C 0.99\nfl D 0.01\n"
             "ce A 0.03\nce B 0.04\nce C 1.00\nce D 0.02\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_round_function) {
  zjtx_policy *p = load_ok(RULE("third", "round(amount / 3) * 3")   /* 33.33 * 3 = 99.99 */
                           RULE("whole", "fee * round(n)")          /* round(2.5) = 3 -> 300 */
                           RULE("one", "fee * round(n, 1)")         /* n = 2.5 -> 250 */
                           RULE("neg", "fee * abs(round(0 - n))")); /* |-3| -> 300 */
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", "amount", "100", "n", "2.5", NULL);
  finish(f);
  ck_results(p, f, NULL, "third S1 99.99\nwhole S1 300.00\none S1 250.00\nneg S1 300.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_caps) {
  zjtx_policy *p =
      load_ok("<rule id=\"r\" subject=\"shop\" clause=\"c\"><amount>amount</amount><cap label=\"fee\">fee</cap>"
              "<cap>other</cap></rule>\n"
              /* caps come after the rounding: every amount here is over 0.01, the cap */
              "<rule id=\"r2\" subject=\"shop\" clause=\"c\"><amount>amount * 0.5%</amount><cap>round(fee / "
              "10000)</cap></rule>\n");
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "amount", "80", "other", "60", NULL);   /* min(80, 100, 60) = 60 */
  shop(f, "id", "B", "amount", "500", "other", "600", NULL); /* min(500, 100, 600) = 100 */
  shop(f, "id", "C", "amount", "50", "other", "60", NULL);   /* none binds */
  shop(f, "id", "D", "amount", "50", "other", "0", NULL);    /* capped to zero: not reported */
  finish(f);
  ck_results(p, f, NULL, "r A 60.00\nr B 100.00\nr C 50.00\nr2 A 0.01\nr2 B 0.01\nr2 C 0.01\nr2 D 0.01\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_dates) {
  zjtx_policy *p = load_ok(RULE("days", "fee * days_between(opened, period.end + 1)") RULE(
      "back", "fee * max(0, days_between(opened, period.start))") RULE("y", "fee * (year(opened) - 2000)")
                               RULE("m", "fee * month(opened)") RULE("d", "fee * day(opened)")
                                   COND("prev", "opened - 1 == date('2025-02-28') or opened - 1 == date('2024-02-29')")
                                       RULE("py", "fee * (period.year - year(opened))"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "opened", "2025-12-01", NULL); /* 31 days to 2026-01-01 */
  shop(f, "id", "B", "opened", "2025-03-01", NULL); /* 306 days; Feb 28 the day before */
  shop(f, "id", "C", "opened", "2024-03-01", NULL); /* 671 days; 2024-02-29 the day before; 306 days back */
  finish(f);
  ck_results(p, f, NULL,
             "days A 3100.00\ndays B 30600.00\ndays C 67100.00\n"
             "back C 30600.00\n"
             "y A 2500.00\ny B 2500.00\ny C 2400.00\n"
             "m A 1200.00\nm B 300.00\nm C 300.00\n"
             "d A 100.00\nd B 100.00\nd C 100.00\n"
             "prev B 100.00\nprev C 100.00\n"
             "py C 100.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* add_months, end_of_month, date(y, m, d) and months(), worked by hand:
 * A opened 2025-01-31, B 2024-02-29 (a leap day), C 2025-07-15; fee 100. */
START_TEST(eval_months) {
  zjtx_policy *p = load_ok(
      RULE("am", "fee * day(add_months(opened, 1))") RULE("back", "fee * month(add_months(opened, -13))")
          COND("leap", "add_months(opened, 12) == date(2025, 2, 28)") RULE("eom", "fee * day(end_of_month(opened))")
              COND("ymd", "date(year(opened), month(opened), 1) == date('2025-07-01')")
                  RULE("mf", "fee * months(opened, period.end, 'first-day')")
                      RULE("ma", "fee * months(opened, period.end, 'any-day')")
                          RULE("m15", "fee * months(opened, period.end, 15)")
                              RULE("mw", "fee * months(opened, period.end, 'whole-month')")
                                  RULE("ms", "fee * (1 + months(opened, opened + 14, 15))")
                                      RULE("mr", "fee * months(period.end, opened, 'any-day')")
                                          RULE("m1", "fee * months(date(2025, 7, 1), opened, 'first-day')"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "opened", "2025-01-31", NULL);
  shop(f, "id", "B", "opened", "2024-02-29", NULL);
  shop(f, "id", "C", "opened", "2025-07-15", NULL);
  finish(f);
  /* am: 2025-02-28 (clamped), 2024-03-29, 2025-08-15.  back: 2023-12-31,
   * 2023-01-29, 2024-06-15.  leap: 2024-02-29 + 12 months = 2025-02-28.
   * eom: 31, 29 (2024 is a leap year), 31.
   * months to 2025-12-31: A covers 1 day of January, February to November
   * whole (10), December whole; B 1 day of February 2024, March 2024 to
   * November 2025 whole (21), December; C 17 days of July (15..31), August
   * to November (4), December.  first-day: A 11, B 22, C 5; any-day: 12,
   * 23, 6; 15 days: 11, 22, 6 (17 >= 15); whole-month: 11, 22, 5.
   * ms, 15 days from opened: A 1 day + 14 days, B 1 + 14: none counts; C
   * July 15..29 is 15 days: 1.  mr: a range ending before it starts has no
   * months.  m1: C covers July 1..15, its first day: 1; A and B end before
   * 2025-07-01. */
  ck_results(p, f, NULL,
             "am A 2800.00\nam B 2900.00\nam C 1500.00\n"
             "back A 1200.00\nback B 100.00\nback C 600.00\n"
             "leap B 100.00\n"
             "eom A 3100.00\neom B 2900.00\neom C 3100.00\n"
             "ymd C 100.00\n"
             "mf A 1100.00\nmf B 2200.00\nmf C 500.00\n"
             "ma A 1200.00\nma B 2300.00\nma C 600.00\n"
             "m15 A 1100.00\nm15 B 2200.00\nm15 C 600.00\n"
             "mw A 1100.00\nmw B 2200.00\nmw C 500.00\n"
             "ms A 100.00\nms B 100.00\nms C 200.00\n"
             "m1 C 100.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* The run-time errors of the date functions name the values. */
START_TEST(eval_months_errors) {
  static const struct {
    const char *expr, *n, *message;
  } cases[] = {
      {"fee * day(date(year(opened), 2, 29 + n))", "1", "date(2025, 2, 30) is not a real calendar date"},
      {"fee * day(date(n, 1, 1))", "0", "date(0, 1, 1) is not a real calendar date"},
      {"fee * day(date(2025, n, 1))", "1.5", "date(2025, 1.5, 1) is not a real calendar date"},
      {"fee * day(add_months(opened, n))", "1.5", "add_months() moves a date by a whole number of months"},
      {"fee * day(add_months(opened, n))", "100000", "a date moved out of the years 1 to 9999"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *body = g_strdup_printf(RULE("r", "%s"), cases[i].expr);
    zjtx_policy *p = load_ok(body);
    zjtx_facts *f = facts_new(p);
    shop(f, "id", "S1", "opened", "2025-01-31", "n", cases[i].n, NULL);
    finish(f);
    zjtx_error *err = eval_fail(p, f, NULL, ZJTX_ERR_EVAL);
    ck_assert_msg(strstr(zjtx_error_message(err), cases[i].message), "%s: %s", cases[i].expr, zjtx_error_message(err));
    zjtx_error_free(err);
    zjtx_facts_free(f);
    zjtx_policy_unref(p);
  }
}
END_TEST

/* A quarter: period.start, period.end and period.year follow, and an undated
 * parameter is read at the quarter's end (lpr: 3.45% until 2025-05-19,
 * 3.00% from 2025-05-20). */
START_TEST(eval_quarter_period) {
  static const char *const quarter_header_from = "<period unit=\"year\" default=\"2025\"/>";
  g_autofree char *xml = policy_text(RULE("start", "fee * day(period.start) * month(period.start)")
                                         RULE("end", "fee * day(period.end) * month(period.end)")
                                             RULE("py", "fee * (period.year - 2000)") RULE("rate", "amount * lpr"));
  char *at = strstr(xml, quarter_header_from);
  ck_assert_ptr_nonnull(at);
  g_autofree char *head = g_strndup(xml, (gsize)(at - xml));
  g_autofree char *quarterly =
      g_strconcat(head, "<period unit=\"quarter\" default=\"2025Q1\"/>", at + strlen(quarter_header_from), NULL);
  zjtx_policy *p = ztest_policy_text(quarterly, "t.xml");
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", "amount", "10000", NULL);
  finish(f);
  /* 2025Q1 (the default): 2025-01-01 .. 2025-03-31; lpr on 2025-03-31 is 3.45% */
  ck_results(p, f, NULL, "start S1 100.00\nend S1 9300.00\npy S1 2500.00\nrate S1 345.00\n");
  /* 2025Q2: 2025-04-01 .. 2025-06-30; lpr on 2025-06-30 is 3.00% */
  zjtx_options *o = zjtx_options_new();
  ck_assert_int_eq(zjtx_options_set_period(o, "2025Q2", NULL), ZJTX_OK);
  ck_results(p, f, o, "start S1 400.00\nend S1 18000.00\npy S1 2500.00\nrate S1 300.00\n");
  /* a year is not a quarter: the error names the form expected */
  ck_assert_int_eq(zjtx_options_set_period(o, "2025", NULL), ZJTX_OK);
  zjtx_error *err = eval_fail(p, f, o, ZJTX_ERR_INVALID_ARG);
  ck_assert_str_eq(zjtx_error_message(err),
                   "period \"2025\" does not fit this policy: expected a quarter YYYYQ1 to YYYYQ4 (e.g. 2025Q3)");
  zjtx_error_free(err);
  zjtx_options_free(o);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_within_inclusive) {
  zjtx_policy *p = load_ok(COND("d", "within(opened, period.start, period.end)") COND("m", "within(amount, 100, 200)")
                               COND("c", "within(level, 'mid', 'high')"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "opened", "2025-01-01", "amount", "100", "level", "mid", NULL);
  shop(f, "id", "B", "opened", "2025-12-31", "amount", "200", "level", "high", NULL);
  shop(f, "id", "C", "opened", "2024-12-31", "amount", "99.99", "level", "low", NULL);
  shop(f, "id", "D", "opened", "2026-01-01", "amount", "200.01", "level", "low", NULL);
  finish(f);
  ck_results(p, f, NULL, "d A 100.00\nd B 100.00\nm A 100.00\nm B 100.00\nc A 100.00\nc B 100.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_aggregates) {
  zjtx_policy *p = load_ok(
      RULE("count", "fee * count(x in sales)") RULE("count_w", "fee * count(x in sales where x.kind == 'retail')")
          RULE("sum", "sum(x in sales : x.price)") RULE("sum_w", "sum(x in sales where x.ok : x.price)")
              COND("any", "any(x in sales where x.price > 25)") COND("all", "all(x in sales : x.ok)")
                  COND("all_w", "all(x in sales where x.kind == 'retail' : x.ok)")
                      RULE("max", "max(x in sales : x.price else 0)") RULE("min", "min(x in sales : x.price else 0)")
                          RULE("min_e", "min(x in sales where x.price > 100 : x.price else 5)") RULE(
                              "maxd", "fee * days_between(max(x in sales : x.sold_on else period.start), period.end)")
                              RULE("nested",
                                   "fee * count(x in sales where any(y in x.shop.sales where y.price > x.price))"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", NULL);
  shop(f, "id", "S2", NULL);
  sale(f, "id", "a", "shop", "S1", "price", "10", "kind", "retail", "ok", "true", "sold_on", "2025-01-05", NULL);
  sale(f, "id", "b", "shop", "S1", "price", "20", "kind", "wholesale", "ok", "false", "sold_on", "2025-02-01", NULL);
  sale(f, "id", "c", "shop", "S1", "price", "30.50", "kind", "retail", "ok", "true", "sold_on", "2024-12-31", NULL);
  finish(f);
  /* S1: count 3, 2 retail; sum 60.50; ok ones 40.50; a price > 25 exists;
   * not all ok; all retail ok; max 30.50, min 10.00, none over 100 -> 5;
   * last sale 2025-02-01 is 333 days before 12-31; a and b have a dearer
   * sale in their shop.
   * S2 has no sales: count 0 and sum 0 are not reported, all() is true,
   * max/min give their else (0, 0 not reported; 5), the last date is
   * period.start, 364 days before the end. */
  ck_results(
      p, f, NULL,
      "count S1 300.00\ncount_w S1 200.00\nsum S1 60.50\nsum_w S1 40.50\nany S1 100.00\n"
      "all S2 100.00\nall_w S1 100.00\nall_w S2 100.00\nmax S1 30.50\nmin S1 10.00\nmin_e S1 5.00\nmin_e S2 5.00\n"
      "maxd S1 33300.00\nmaxd S2 36400.00\nnested S1 200.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_max_of_derived_in_aggregate) {
  /* `best` is compiled before `net`, which is first compiled while typing
   * the max() value: its constants must survive */
  zjtx_policy *p = load_ok(
      "<derived name=\"best\" entity=\"shop\" type=\"money\"><expr>max(x in sales : x.net else 0)</expr></derived>\n"
      "<derived name=\"net\" entity=\"sale\" type=\"money\"><expr>x_price * 90% + 1</expr></derived>\n"
      "<derived name=\"x_price\" entity=\"sale\" type=\"money\"><expr>price - 0.5</expr></derived>\n" RULE(
          "r", "best + 1000"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", NULL);
  sale(f, "id", "a", "shop", "S1", "price", "10.50", NULL); /* (10.50 - 0.5) * 0.9 + 1 = 10 */
  sale(f, "id", "b", "shop", "S1", "price", "20.50", NULL); /* 20 * 0.9 + 1 = 19 */
  finish(f);
  ck_results(p, f, NULL, "r S1 1019.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_in_and_minmax_functions) {
  zjtx_policy *p = load_ok(COND("isin", "tier in ('silver', 'bronze') and level in ('mid')")
                               COND("notin", "not level in ('low', 'mid')") RULE("max", "max(amount, other)")
                                   RULE("min", "min(amount, other, fee)") RULE("max0", "max(0, amount - other)")
                                       RULE("maxd", "fee * days_between(period.start, max(opened, date('2025-03-01')))")
                                           RULE("maxc", "bonus[max(level, 'mid')]"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "amount", "80", "other", "150", "level", "mid", "opened", "2025-01-11", NULL);
  shop(f, "id", "B", "amount", "250", "other", "50", "level", "high", "tier", "silver", "opened", "2025-04-01", NULL);
  finish(f);
  /* A: in; 150; 80; 0 (not reported); 59 days; bonus[mid] 500
   * B: notin; 250; 50; 200; 90 days; bonus[high] 1000 */
  ck_results(p, f, NULL,
             "isin A 100.00\nnotin B 100.00\nmax A 150.00\nmax B 250.00\nmin A 80.00\nmin B 50.00\nmax0 B 200.00\n"
             "maxd A 5900.00\nmaxd B 9000.00\nmaxc A 500.00\nmaxc B 1000.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_param_at_date) {
  zjtx_policy *p = load_ok(RULE("at", "amount * lpr @ opened") RULE("end", "amount * lpr"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "amount", "1000", "opened", "2025-05-19", NULL); /* 3.45 % */
  shop(f, "id", "B", "amount", "1000", "opened", "2025-05-20", NULL); /* 3.00 % */
  shop(f, "id", "C", "amount", "1000", "opened", "2024-01-01", NULL); /* first day: 3.45 % */
  finish(f);
  ck_results(p, f, NULL, "at A 34.50\nat B 30.00\nat C 34.50\nend A 30.00\nend B 30.00\nend C 30.00\n");
  /* the period decides a bare name: on 2024-12-31 the LPR was 3.45 % */
  zjtx_options *o = zjtx_options_new();
  ck_assert_int_eq(zjtx_options_set_period(o, "2024", NULL), ZJTX_OK);
  ck_results(p, f, o, "at A 34.50\nat B 30.00\nat C 34.50\nend A 34.50\nend B 34.50\nend C 34.50\n");
  /* before the first value nothing is in force */
  ck_assert_int_eq(zjtx_options_set_period(o, "2023", NULL), ZJTX_OK);
  zjtx_error *err = eval_fail(p, f, o, ZJTX_ERR_EVAL);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "parameter 'lpr' has no value in force on 2023-12-31"));
  ck_assert_str_eq(zjtx_error_rule(err), "end");
  zjtx_error_free(err);
  zjtx_options_free(o);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_keyed_params) {
  zjtx_policy *p = load_ok(RULE("k", "bonus[level]") RULE("kd", "bonus[level] @ opened"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "H", "level", "high", "opened", "2025-02-01", NULL);
  shop(f, "id", "M", "level", "mid", "opened", "2025-02-01", NULL);
  shop(f, "id", "L", "level", "low", "opened", "2025-02-01", NULL); /* no value: the default, 7 */
  finish(f);
  ck_results(p, f, NULL, "k H 1000.00\nk M 500.00\nk L 7.00\nkd H 1000.00\nkd M 500.00\nkd L 7.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);

  /* without a default, a key without a value is an evaluation error */
  p = load_ok(RULE("nd", "bonus_nodef[level]"));
  f = facts_new(p);
  shop(f, "id", "H", "level", "high", NULL);
  finish(f);
  ck_results(p, f, NULL, "nd H 9.00\n");
  zjtx_facts_free(f);
  f = facts_new(p);
  shop(f, "id", "L", "level", "low", NULL);
  finish(f);
  zjtx_error *err = eval_fail(p, f, NULL, ZJTX_ERR_EVAL);
  ck_assert_ptr_nonnull(
      strstr(zjtx_error_message(err), "parameter 'bonus_nodef'[low] has no value in force on 2025-12-31"));
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "shop L"));
  zjtx_error_free(err);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_option_overrides) {
  zjtx_policy *p = load_ok(RULE("fee", "fee") RULE("k", "bonus[level]") RULE("at", "amount * lpr @ opened"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "H", "level", "high", "amount", "1000", "opened", "2024-06-01", NULL);
  shop(f, "id", "M", "level", "mid", "amount", "1000", "opened", "2025-06-01", NULL);
  shop(f, "id", "L", "level", "low", "amount", "1000", "opened", "2025-06-01", NULL);
  finish(f);
  zjtx_options *o = zjtx_options_new();
  ck_assert_int_eq(zjtx_options_set_param(o, "fee", NULL, "250", NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_options_set_param(o, "bonus", "high", "2000", NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_options_set_param(o, "lpr", NULL, "5", NULL), ZJTX_OK);
  /* fee 250; only high changes; every dated LPR value replaced by 5 % */
  ck_results(p, f, o,
             "fee H 250.00\nfee M 250.00\nfee L 250.00\nk H 2000.00\nk M 500.00\nk L 7.00\n"
             "at H 50.00\nat M 50.00\nat L 50.00\n");
  zjtx_options_free(o);

  /* a NULL key replaces every key's value (and the default); a keyed one wins over it */
  o = zjtx_options_new();
  ck_assert_int_eq(zjtx_options_set_param(o, "bonus", "mid", "40", NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_options_set_param(o, "bonus", NULL, "3", NULL), ZJTX_OK);
  ck_results(p, f, o,
             "fee H 100.00\nfee M 100.00\nfee L 100.00\nk H 3.00\nk M 40.00\nk L 3.00\n"
             "at H 34.50\nat M 30.00\nat L 30.00\n");
  zjtx_options_free(o);

  /* an unknown id, a bad value or an unknown key make the evaluation fail */
  static const struct {
    const char *id, *key, *value;
    zjtx_status want;
    const char *message; /* the whole message, or NULL */
    const char *part;    /* in the message, or NULL */
  } bad[] = {
      {"nosuch", NULL, "1", ZJTX_ERR_NOT_FOUND, "unknown parameter 'nosuch'", NULL},
      {"lpr", NULL, "2.5x", ZJTX_ERR_INVALID_ARG, NULL, "2.5x"},
      {"fee", NULL, "1.005", ZJTX_ERR_INVALID_ARG, NULL, NULL}, /* money has at most 2 decimals */
      {"bonus", "top", "1", ZJTX_ERR_INVALID_ARG, "parameter bonus has no key 'top'", NULL},
      {"fee", "high", "1", ZJTX_ERR_INVALID_ARG, NULL, NULL}, /* fee is not keyed */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    o = zjtx_options_new();
    ck_assert_int_eq(zjtx_options_set_param(o, bad[i].id, bad[i].key, bad[i].value, NULL), ZJTX_OK);
    zjtx_error *err = eval_fail(p, f, o, bad[i].want);
    if (bad[i].message)
      ck_assert_str_eq(zjtx_error_message(err), bad[i].message);
    if (bad[i].part)
      ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), bad[i].part));
    zjtx_error_free(err);
    zjtx_options_free(o);
  }
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_inherited_override) {
  char *path = ztest_data_path("ext.xml");
  zjtx_policy *p = ztest_policy_file(path);
  /* base first, then the extension */
  ck_assert_int_eq(zjtx_policy_rule_count(p), 2);
  ck_assert_str_eq(zjtx_policy_rule_id(p, 0), "base_grant");
  ck_assert_str_eq(zjtx_policy_rule_origin(p, 0), "test-base");
  ck_assert_str_eq(zjtx_policy_rule_id(p, 1), "ext_grant");
  ck_assert_str_eq(zjtx_policy_rule_origin(p, 1), "test-ext");
  zjtx_facts *f = facts_new(p);
  const char *names[] = {"id", "spend", "big"};
  const char *v1[] = {"A", "1000", "true"}, *v2[] = {"B", "1000", "false"};
  ck_assert_int_eq(zjtx_facts_add_record(f, "firm", names, v1, 3, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_add_record(f, "firm", names, v2, 3, NULL), ZJTX_OK);
  finish(f);
  /* base rate 2 %; the override adds 1 point for big firms: the base's own
   * rule uses the override.  ext_grant: share (inherited 10 % + 5 % = 15 %) */
  ck_results(p, f, NULL, "base_grant A 30.00\nbase_grant B 20.00\next_grant A 150.00\next_grant B 150.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
  g_free(path);
}
END_TEST

START_TEST(eval_overflow) {
  zjtx_policy *p = load_ok(RULE("huge", "amount * 99999999999999999999 * 99999999999999999999"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", "amount", "1", NULL);
  finish(f);
  zjtx_error *err = eval_fail(p, f, NULL, ZJTX_ERR_OVERFLOW);
  ck_assert_str_eq(zjtx_error_rule(err), "huge");
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "S1"));
  char *m = zjtx_error_format(err); /* "[huge] rule, for shop S1: ..." */
  ck_assert_ptr_nonnull(strstr(m, "huge"));
  zjtx_free(m);
  zjtx_error_free(err);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);

  /* fits the exact arithmetic, but not the money range of a result */
  p = load_ok(RULE("big", "amount * 99999999999999999999"));
  f = facts_new(p);
  shop(f, "id", "S1", "amount", "1000", NULL);
  finish(f);
  err = eval_fail(p, f, NULL, ZJTX_ERR_OVERFLOW);
  ck_assert_str_eq(zjtx_error_rule(err), "big");
  m = zjtx_error_format(err);
  ck_assert_ptr_nonnull(strstr(m, "big"));
  ck_assert_ptr_nonnull(strstr(m, "S1"));
  zjtx_free(m);
  zjtx_error_free(err);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_division_by_zero) {
  zjtx_policy *p = load_ok(RULE("div", "amount / n"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", "amount", "10", "n", "4", NULL);
  finish(f);
  ck_results(p, f, NULL, "div S1 2.50\n");
  zjtx_facts_free(f);
  f = facts_new(p);
  shop(f, "id", "S1", "amount", "10", "n", "4", NULL);
  shop(f, "id", "S0", "amount", "10", "n", "0", NULL);
  finish(f);
  zjtx_error *err = eval_fail(p, f, NULL, ZJTX_ERR_EVAL);
  ck_assert_str_eq(zjtx_error_rule(err), "div");
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "division by zero"));
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "S0"));
  zjtx_error_free(err);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_derived_with_args) {
  zjtx_policy *p =
      load_ok(TWICE "<derived name=\"on_or_after\" entity=\"shop\" type=\"bool\"><arg name=\"d\" type=\"date\"/>"
                    "<expr>opened >= d</expr></derived>\n" RULE("tw", "twice(amount) + twice(5)")
                        COND("oa", "on_or_after(date('2025-06-01'))")
                            RULE("sale_parent", "sum(x in sales : x.shop.twice(x.price))"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "amount", "3", "opened", "2025-06-01", NULL);
  shop(f, "id", "B", "amount", "4", "opened", "2025-05-31", NULL);
  sale(f, "id", "s", "shop", "B", "price", "1.25", NULL);
  finish(f);
  ck_results(p, f, NULL, "tw A 16.00\ntw B 18.00\noa A 100.00\nsale_parent B 2.50\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* d0 = d1 + 1, d1 = d2 + 1, ..., d(n-1) = amount; declared first to last,
 * or last to first */
static char *derived_chain(int n, bool reverse) {
  GString *s = g_string_new(NULL);
  for (int k = 0; k < n; k++) {
    int i = reverse ? n - 1 - k : k;
    if (i == n - 1)
      g_string_append_printf(s, "<derived name=\"d%d\" entity=\"shop\" type=\"money\"><expr>amount</expr></derived>\n",
                             i);
    else
      g_string_append_printf(s, "<derived name=\"d%d\" entity=\"shop\" type=\"money\"><expr>d%d + 1</expr></derived>\n",
                             i, i + 1);
  }
  g_string_append(s, RULE("r", "d0"));
  return g_string_free(s, FALSE);
}

START_TEST(limit_derived_chain) {
  /* 256 derived values deep is allowed, in either order of declaration */
  for (int reverse = 0; reverse < 2; reverse++) {
    char *body = derived_chain(256, reverse);
    zjtx_policy *p = load_ok(body);
    zjtx_facts *f = facts_new(p);
    shop(f, "id", "S1", "amount", "1", NULL);
    finish(f);
    ck_results(p, f, NULL, "r S1 256.00\n"); /* 1 + 255 */
    zjtx_facts_free(f);
    zjtx_policy_unref(p);
    g_free(body);
  }
  /* 257 is not: declared first to last, compiling d255 meets d256 */
  char *body = derived_chain(257, false);
  expect_error_at(body, "d256 + 1", "derived values call each other more than 256 deep");
  g_free(body);
  /* declared last to first, d0 (the last line) is 257 deep */
  body = derived_chain(257, true);
  expect_error_at(body, "d1 + 1</expr>", "derived values call each other more than 256 deep");
  g_free(body);
  /* a long chain is refused quickly */
  body = derived_chain(20000, false);
  clock_t t0 = clock(); /* processor time: a loaded machine's wall clock says nothing of this code */
  zjtx_error_free(load_fail(body, ZJTX_ERR_POLICY));
  double seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
  g_free(body);
  ck_assert_msg(seconds < 10, "took too long: %.1f s of processor time", seconds);
}
END_TEST

START_TEST(limit_nested_max) {
  /* max() types its value before compiling it; nested 50 deep this must
   * not take 2^50 steps.  Each level adds the sale's price: 50 x 2.00 */
  char *e = g_strdup("0");
  for (int i = 0; i < 50; i++) {
    char *next = g_strdup_printf("max(x%d in sales : x%d.price + %s else 0)", i, i, e);
    g_free(e);
    e = next;
  }
  char *body = g_strdup_printf(RULE("r", "%s"), e);
  clock_t t0 = clock(); /* processor time, as above */
  zjtx_policy *p = load_ok(body);
  ck_assert_msg((double)(clock() - t0) / CLOCKS_PER_SEC < 10, "took too long");
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "S1", NULL);
  sale(f, "id", "a", "shop", "S1", "price", "2", NULL);
  finish(f);
  ck_results(p, f, NULL, "r S1 100.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
  g_free(body);
  g_free(e);
}
END_TEST

START_TEST(limit_many_arguments) {
  /* 300 arguments do not fit an instruction: refused, not truncated */
  GString *s = g_string_new("<derived name=\"many\" entity=\"shop\" type=\"number\">");
  for (int i = 0; i < 300; i++)
    g_string_append_printf(s, "<arg name=\"a%d\" type=\"number\"/>", i);
  g_string_append(s, "<expr>a299</expr></derived>\n");
  GString *call = g_string_new("fee * many(");
  for (int i = 0; i < 300; i++)
    g_string_append_printf(call, "%s%d", i ? "," : "", i);
  g_string_append_c(call, ')');
  char *rule = g_strdup_printf(RULE("r", "%s"), call->str);
  g_string_append(s, rule);
  expect_error_at(s->str, "many(0",
                  "too large for the compiler (more than 255 arguments, 65535 fields or 65535 local values)");
  g_free(rule);
  g_string_free(call, TRUE);
  g_string_free(s, TRUE);
}
END_TEST

/* ======================================================================== */
/* The dump                                                                 */
/* ======================================================================== */

/* Each block below was compiled by hand from its expression, following
 * compile*.c; constants are numbered across the policy in the order the
 * loader compiles (rules in order: condition, then amount). */
START_TEST(dump_decodes_operands) {
  zjtx_policy *p =
      load_ok("<derived name=\"d\" entity=\"shop\" type=\"money\"><arg name=\"v\" type=\"money\"/>"
              "<expr>if active then v else fee</expr></derived>\n"
              "<rule id=\"r\" subject=\"shop\" clause=\"c\"><condition>level >= 'mid' and n &lt; 3</condition>"
              "<amount>round(bonus[level] * rate, 1)</amount></rule>\n" RULE("q", "d(amount)")
                  RULE("s", "sum(x in sales : x.price)"));
  char *dump = zjtx_policy_dump(p);
  static const char *const blocks[] = {
      "derived shop.d  [t]\n"
      "  expr : money   (t.xml:29)\n"
      "       0  SELF_FIELD   shop.active\n"
      "       1  JUMP_FALSE   -> 4\n"
      "       2  LOCAL        0\n"
      "       3  JUMP         -> 5\n"
      "       4  PARAM        fee\n"
      "       5  RET\n",
      "  condition : bool   (t.xml:30)\n"
      "       0  SELF_FIELD   shop.level\n"
      "       1  CONST        0  ; 'mid'\n"
      "       2  CMP          >= integer\n"
      "       3  AND_SC       -> 7\n"
      "       4  SELF_FIELD   shop.n\n"
      "       5  CONST        1  ; 3\n"
      "       6  CMP          < decimal\n"
      "       7  RET\n",
      "  amount : money   (t.xml:30)\n"
      "       0  SELF_FIELD   shop.level\n"
      "       1  PARAM        bonus [key]\n"
      "       2  SELF_FIELD   shop.rate\n"
      "       3  MUL\n"
      "       4  ROUND        half_up 1\n"
      "       5  RET\n",
      "rule q  subject shop  clause c  [t]\n"
      "  amount : money   (t.xml:31)\n"
      "       0  SELF\n"
      "       1  SELF_FIELD   shop.amount\n"
      "       2  CALL         d  ; 1 argument\n"
      "       3  RET\n",
      "rule s  subject shop  clause c  [t]\n"
      "  amount : money   (t.xml:32)\n"
      "       0  SELF\n"
      "       1  ITER         shop.sales local 0\n"
      "       2  CONST        2  ; 0\n"
      "       3  NEXT         local 0 -> 8\n"
      "       4  LOCAL        0\n"
      "       5  FIELD        sale.price\n"
      "       6  ADD\n"
      "       7  JUMP         -> 3\n"
      "       8  TRACE_AGG    0  ; sum(x in sales : …)\n"
      "       9  RET\n",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(blocks); i++)
    ck_assert_msg(strstr(dump, blocks[i]), "dump lacks\n%s\nin\n%s", blocks[i], dump);
  zjtx_free(dump);
  zjtx_policy_unref(p);
}
END_TEST

/* ---- rules that use rules ------------------------------------------------ */

START_TEST(type_rule_value_errors) {
  /* a -> b -> a: the error is where the name closes the cycle, and names it */
  expect_error_at(RULE("a", "b + 1") RULE("b", "a"), "a</amount>",
                  "rules use each other in a cycle: rule a -> rule b -> rule a");
  /* through a derived value, compiled first */
  expect_error_at("<derived name=\"d\" entity=\"shop\" type=\"money\"><expr>b</expr></derived>\n" RULE("a", "d")
                      RULE("b", "a * 2"),
                  "d</amount>", "rules use each other in a cycle: derived d -> rule b -> rule a -> derived d");
  expect_error_at(
      "<check id=\"ck\" subject=\"shop\" clause=\"c\"><condition>amount &gt; 0</condition></check>\n" RULE("r", "ck"),
      "ck</amount>", "'ck' is a check: it gives no amount to use");
  expect_error_at("<rule id=\"rs\" subject=\"sale\" clause=\"c\"><amount>price</amount></rule>\n" RULE("r", "rs"),
                  "rs</amount>", "rule 'rs' is about each sale, not each shop");
  /* a rule of an exclusive group cannot wait for the group to be settled */
  expect_error_at("<rule id=\"x1\" subject=\"shop\" clause=\"c\" exclusive=\"g\"><amount>fee</amount></rule>\n"
                  "<rule id=\"x2\" subject=\"shop\" clause=\"c\" exclusive=\"g\"><amount>x1 / 2</amount></rule>\n",
                  "x1 / 2",
                  "rule x2 uses the amount of x1, but both are in exclusive group \"g\" (就高不重复): their "
                  "amounts are settled against each other only once both have run");
  expect_error_at("<rule id=\"g\" subject=\"sale\" clause=\"c\" group-by=\"kind\"><amount>1</amount></rule>\n" RULE(
                      "r", "sum(x in sales : x.g)"),
                  "g)", "rule 'g' pays each group of sales by kind: its amount is not a value of one sale");
}
END_TEST

START_TEST(eval_rule_values) {
  /* top pays what base did not: written before base, run after it, listed
   * in the policy's order; per shop, the 1 % fee of its sales (a sale rule)
   * summed.  Worked by hand:
   *   A amount 300: base 30.00, top 100 - 30.00 = 70.00; sales 1000 + 500:
   *     fee 10.00 + 5.00 = 15.00
   *   B amount 2000: base 200.00, top max(0, -100) = 0 (none); no sales: 0 (none) */
  zjtx_policy *p = load_ok(RULE("top", "max(0, 100 - base)") RULE("base", "amount * 10%") RULE(
      "shop_fees", "sum(x in sales : x.sale_fee)") "<rule id=\"sale_fee\" subject=\"sale\" clause=\"c\">"
                                                   "<amount>price * 1%</amount></rule>\n");
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "amount", "300", NULL);
  shop(f, "id", "B", "amount", "2000", NULL);
  sale(f, "id", "X1", "shop", "A", "price", "1000", NULL);
  sale(f, "id", "X2", "shop", "A", "price", "500", NULL);
  finish(f);
  ck_results(p, f, NULL,
             "top A 70.00\nbase A 30.00\nbase B 200.00\nshop_fees A 15.00\nsale_fee X1 10.00\nsale_fee X2 5.00\n");
  char *dump = zjtx_policy_dump(p);
  ck_assert_msg(strstr(dump, "RULE_VALUE   base\n"), "%s", dump);
  ck_assert_msg(strstr(dump, "RULE_VALUE   sale_fee\n"), "%s", dump);
  zjtx_free(dump);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(eval_rule_values_threads) {
  /* enough shops for the rules to be split across threads: each slot reads
   * the amounts base kept.  Shop i has amount i: base i/10, top 100 - i/10
   * while positive, so top pays for i < 1000; its fen sum is
   * sum(10000 - 10 i, i = 0..999) = 10,000,000 - 4,995,000 = 5,005,000 fen */
  zjtx_policy *p = load_ok(RULE("top", "max(0, 100 - base)") RULE("base", "amount * 10%"));
  zjtx_facts *f = facts_new(p);
  for (int i = 0; i < 9000; i++) {
    char id[16], amount[16];
    g_snprintf(id, sizeof id, "S%d", i);
    g_snprintf(amount, sizeof amount, "%d", i);
    shop(f, "id", id, "amount", amount, NULL);
  }
  finish(f);
  zjtx_options *o = zjtx_options_new();
  ck_assert_int_eq(zjtx_options_set_threads(o, 2, NULL), ZJTX_OK);
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_evaluate(p, f, o, &r, NULL), ZJTX_OK);
  int64_t top = 0;
  size_t n_top = 0;
  for (size_t i = 0; i < zjtx_result_entitlement_count(r); i++)
    if (strcmp(zjtx_result_entitlement_rule(r, i), "top") == 0) {
      top += zjtx_result_entitlement_fen(r, i);
      n_top++;
    }
  ck_assert_uint_eq(n_top, 1000);
  ck_assert_int_eq(top, 5005000);
  zjtx_result_free(r);
  zjtx_options_free(o);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* ---- tables: tier and marginal ------------------------------------------ */

#define TABLE(id, attrs, bands)                                                                                        \
  "<table id=\"" id "\" " attrs " status=\"published\"><source>s</source>" bands "</table>\n"
#define TIER_BANDS "<bands from=\"2025-01-01\"><band at=\"100\">10</band><band at=\"200\">20</band></bands>"
#define SCALES                                                                                                         \
  TABLE("t_in", "kind=\"tier\" input=\"money\" type=\"money\"", TIER_BANDS)                                            \
  TABLE("t_ex", "kind=\"tier\" input=\"money\" type=\"money\" thresholds=\"exclusive\"", TIER_BANDS)                   \
  TABLE("m", "kind=\"marginal\" input=\"money\"",                                                                      \
        "<bands from=\"2025-01-01\"><band at=\"0\">10</band><band at=\"100\">20</band></bands>"                        \
        "<bands from=\"2025-06-01\"><band at=\"0\">50</band></bands>")

START_TEST(eval_tables) {
  /* Worked by hand, t_in/t_ex: 100 -> 10, 200 -> 20 (以上, or exceeded for t_ex);
   * m: 10 % up to 100, 20 % above, from 2025-06-01 50 % on everything:
   *   A 100:   inc 10; exc 0 (100 not exceeded); mar 100 x 10% = 10; at the end 50
   *   B 200:   inc 20; exc 10; mar 10 + 100 x 20% = 30; at the end 100
   *   C 99.99: inc 0; exc 0; mar 9.999 -> 10.00; at the end 49.995 -> 50.00 (half-up) */
  zjtx_policy *p = load_ok(SCALES RULE("inc", "tier(t_in, amount)") RULE("exc", "tier(t_ex, amount)") RULE(
      "mar", "marginal(m, amount, date('2025-01-01'))") RULE("mar_end", "marginal(m, amount)"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "amount", "100", NULL);
  shop(f, "id", "B", "amount", "200", NULL);
  shop(f, "id", "C", "amount", "99.99", NULL);
  finish(f);
  ck_results(p, f, NULL,
             "inc A 10.00\ninc B 20.00\nexc B 10.00\nmar A 10.00\nmar B 30.00\nmar C 10.00\n"
             "mar_end A 50.00\nmar_end B 100.00\nmar_end C 50.00\n");
  char *dump = zjtx_policy_dump(p);
  ck_assert_msg(strstr(dump, "SCALE        t_in\n"), "%s", dump);
  ck_assert_msg(strstr(dump, "SCALE        m @date\n"), "%s", dump);
  ck_assert_msg(strstr(dump, "table t_ex  tier, money -> money, thresholds exceeded (超过)"), "%s", dump);
  zjtx_free(dump);
  /* explained band by band */
  const zscale *t_in = zpolicy_find_scale(p, "t_in"), *m = zpolicy_find_scale(p, "m");
  zdate jan;
  zdate_from_ymd(2025, 1, 1, &jan);
  char *why = zscale_explain(t_in, zscale_bands_on(t_in, jan), zdec_from_int(250));
  ck_assert_str_eq(why, "200.00 以上档：20.00");
  g_free(why);
  why = zscale_explain(m, zscale_bands_on(m, jan), zdec_from_int(250));
  ck_assert_str_eq(why, "0.00 - 100.00：100.00 × 10% = 10.00\n100.00 - 250.00：150.00 × 20% = 30.00");
  g_free(why);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

static void expect_load_message(const char *body, const char *message) {
  zjtx_error *err = load_fail(body, ZJTX_ERR_POLICY);
  ck_assert_str_eq(zjtx_error_message(err), message);
  zjtx_error_free(err);
}

START_TEST(type_table_errors) {
  expect_load_message(TABLE("t", "kind=\"tier\" input=\"money\" type=\"money\"",
                            "<bands from=\"2025-01-01\"><band at=\"200\">10</band><band at=\"100\">20</band></bands>")
                          RULE("r", "fee"),
                      "thresholds of table t must increase: 100 after 200 (bands from 2025-01-01)");
  expect_load_message(TABLE("t", "kind=\"tier\" input=\"money\" type=\"money\"",
                            "<bands from=\"2025-01-01\"><band at=\"100\">10</band><band at=\"100\">20</band></bands>")
                          RULE("r", "fee"),
                      "thresholds of table t must increase: 100 after 100 (bands from 2025-01-01)");
  expect_load_message(TABLE("t", "kind=\"marginal\" input=\"money\" type=\"money\"", TIER_BANDS) RULE("r", "fee"),
                      "a marginal table's bands are rates: table t cannot have type=\"money\"");
  expect_load_message(
      TABLE("t", "kind=\"tier\" input=\"money\" type=\"money\"",
            "<bands from=\"2025-01-01\"><band at=\"100\">1.234</band></bands>") RULE("r", "fee"),
      "value \"1.234\" of table t is not money in yuan with at most 2 decimals, e.g. 300000 or 1250.50");
  expect_load_message(TABLE("fee", "kind=\"tier\" input=\"money\" type=\"money\"", TIER_BANDS) RULE("r", "1"),
                      "table 'fee' has the id of a parameter");
  expect_error_at(SCALES RULE("r", "tier(m, amount)"), "m, amount)",
                  "table m is a marginal table: write marginal(m, ...)");
  expect_error_at(SCALES RULE("r", "marginal(t_in, amount)"), "t_in, amount)",
                  "table t_in is a tier table: write tier(t_in, ...)");
  expect_error_at(SCALES RULE("r", "tier(fee, amount)"), "fee, amount)",
                  "the first argument of tier() is the id of a <table kind=\"tier\">");
  expect_error_at(SCALES RULE("r", "tier(t_in, opened)"), "opened)", "table t_in looks up money, not date");
  expect_error_at(SCALES RULE("r", "t_in * 2"), "t_in * 2",
                  "'t_in' is a table: look a value up with tier(t_in, value)");
}
END_TEST

/* ---- aggregates over every record of an entity --------------------------- */

START_TEST(eval_population_aggregates) {
  /* share: each shop's part of all shops' amounts, the sum computed once
   * (cached: it reads nothing of the shop); above: how many shops have
   * more than this one (not cached: it reads the shop's amount); per sale,
   * the number of shops.  By hand, A 100, B 300, C 100:
   *   share A 100 / 500 x 100 = 20.00, B 60.00, C 20.00
   *   above A 1 (B), B 0 (none), C 1
   *   shops_seen X1 3.00 */
  zjtx_policy *p = load_ok(RULE("share", "amount / sum(x in shops : x.amount) * fee") RULE(
      "above", "count(x in shops where x.amount &gt; amount) * fee / 100") "<rule id=\"shops_seen\" subject=\"sale\" "
                                                                           "clause=\"c\">"
                                                                           "<amount>count(s in shops) * fee / "
                                                                           "100</amount></rule>\n");
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "A", "amount", "100", NULL);
  shop(f, "id", "B", "amount", "300", NULL);
  shop(f, "id", "C", "amount", "100", NULL);
  sale(f, "id", "X1", "shop", "A", NULL);
  finish(f);
  ck_results(p, f, NULL,
             "share A 20.00\nshare B 60.00\nshare C 20.00\nabove A 1.00\nabove C 1.00\nshops_seen X1 3.00\n");
  char *dump = zjtx_policy_dump(p);
  ck_assert_msg(strstr(dump, "CACHE_LOAD   cache 0 -> "), "%s", dump);
  ck_assert_msg(strstr(dump, "CACHE_STORE  cache 0\n"), "%s", dump);
  ck_assert_msg(strstr(dump, "CACHE_LOAD   cache 1 -> "), "%s", dump);
  ck_assert_msg(!strstr(dump, "cache 2"), "%s", dump); /* `above` reads the shop: computed per shop */
  zjtx_free(dump);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* ---- budgets --------------------------------------------------------------- */

#define BUDGET(attrs, covers) "<budget id=\"b\" " attrs "><covers rule=\"" covers "\"/></budget>\n"

START_TEST(eval_budget_ties_by_id) {
  /* fund fee = 100.00; three claims of 50.00 (150.00): 5000 x 10000 / 15000
   * = 3333.33... fen each, 9999 fen rounded down, 1 fen left over, equal
   * remainders: to the lowest id, A, listed last (facts order C, B, A) */
  zjtx_policy *p = load_ok(RULE("pay", "amount") BUDGET("cap=\"fee\" ties=\"id\"", "pay"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "C", "amount", "50", NULL);
  shop(f, "id", "B", "amount", "50", NULL);
  shop(f, "id", "A", "amount", "50", NULL);
  finish(f);
  ck_results(p, f, NULL, "pay C 33.33\npay B 33.33\npay A 33.34\n");
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_evaluate(p, f, NULL, &r, NULL), ZJTX_OK);
  char *note = zresult_budget_note(r, &g_array_index(r->entitlements, zresult_item, 2));
  ck_assert_str_eq(note, "预算 100.00 元，申报合计 150.00 元，按 66.66…% 核定");
  g_free(note);
  zjtx_result_free(r);
  char *dump = zjtx_policy_dump(p);
  ck_assert_msg(
      strstr(dump, "budget b  cap fee, over it pro rata to the fen (largest remainder, ties by beneficiary id)"), "%s",
      dump);
  zjtx_free(dump);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(type_budget_errors) {
  expect_load_message(RULE("pay", "amount") BUDGET("cap=\"fee\" ties=\"id\"", "nope"),
                      "budget b: 'nope' is not a rule of the policy");
  expect_load_message(RULE("pay", "amount") BUDGET("cap=\"lpr\" ties=\"id\"", "pay"),
                      "budget b: cap=\"lpr\" must be a money parameter");
  expect_load_message(RULE("pay", "amount") BUDGET("cap=\"fee\" group-by=\"amount\" ties=\"id\"", "pay"),
                      "budget b: group-by=\"amount\" must be a required text, code or ref field of shop");
  expect_load_message(RULE("pay", "amount") BUDGET("cap=\"bonus\" group-by=\"tier\" ties=\"id\"", "pay"),
                      "budget b: its cap bonus is keyed: group-by= must be the code field of that code list");
  expect_error_at(RULE("pay", "amount") RULE("top", "pay * 2") BUDGET("cap=\"fee\" ties=\"order\"", "pay"), "pay * 2",
                  "rule 'pay' is capped by budget b: its amount is known only once every claim on the budget is, "
                  "after every rule");
}
END_TEST

START_TEST(eval_budget_keyed_fund) {
  /* a fund per level (bonus[level]: high 1000, mid 500, low the default 7):
   * high H1 600 + H2 600 = 1200 > 1000: 500.00 each; mid M 400 within 500;
   * low L 10 > 7: 7.00 */
  zjtx_policy *p = load_ok(RULE("pay", "amount") BUDGET("cap=\"bonus\" group-by=\"level\" ties=\"order\"", "pay"));
  zjtx_facts *f = facts_new(p);
  shop(f, "id", "H1", "level", "high", "amount", "600", NULL);
  shop(f, "id", "M", "level", "mid", "amount", "400", NULL);
  shop(f, "id", "H2", "level", "high", "amount", "600", NULL);
  shop(f, "id", "L", "level", "low", "amount", "10", NULL);
  finish(f);
  ck_results(p, f, NULL, "pay H1 500.00\npay M 400.00\npay H2 500.00\npay L 7.00\n");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

static Suite *expr_suite(void) {
  Suite *s = suite_create("expr");
  TCase *tc = tcase_create("errors"); /* one step per line of tests/unit/expr/errors.txt */
  tcase_add_test(tc, error_cases_were_read);
  tcase_add_loop_test(tc, error_case, 0, (int)error_cases->len);
  suite_add_tcase(s, tc);
  TCase *tp = tcase_create("parse");
  tcase_add_test(tp, parse_nesting_limit);
  tcase_add_test(tp, parse_long_flat_expression);
  tcase_add_test(tp, parse_too_long);
  tcase_add_test(tp, parse_multiline_position);
  tcase_add_test(tp, parse_position_of_second_cap);
  tcase_add_test(tp, parse_position_multiline_start_tag);
  suite_add_tcase(s, tp);
  TCase *tt = tcase_create("types");
  tcase_add_test(tt, type_derived_cycle);
  tcase_add_test(tt, type_code_derived_literal);
  tcase_add_test(tt, type_error_in_base_of_call);
  tcase_add_test(tt, types_accepted);
  tcase_add_test(tt, type_rule_value_errors);
  tcase_add_test(tt, type_table_errors);
  tcase_add_test(tt, type_budget_errors);
  suite_add_tcase(s, tt);
  TCase *te = tcase_create("eval");
  tcase_set_timeout(te, 60);
  tcase_add_test(te, eval_precedence);
  tcase_add_test(te, eval_rates);
  tcase_add_test(te, eval_rounding_half_up_at_end);
  tcase_add_test(te, eval_rounding_modes);
  tcase_add_test(te, eval_round_function);
  tcase_add_test(te, eval_caps);
  tcase_add_test(te, eval_dates);
  tcase_add_test(te, eval_months);
  tcase_add_test(te, eval_months_errors);
  tcase_add_test(te, eval_quarter_period);
  tcase_add_test(te, eval_within_inclusive);
  tcase_add_test(te, eval_aggregates);
  tcase_add_test(te, eval_max_of_derived_in_aggregate);
  tcase_add_test(te, eval_in_and_minmax_functions);
  tcase_add_test(te, eval_param_at_date);
  tcase_add_test(te, eval_keyed_params);
  tcase_add_test(te, eval_option_overrides);
  tcase_add_test(te, eval_inherited_override);
  tcase_add_test(te, eval_overflow);
  tcase_add_test(te, eval_division_by_zero);
  tcase_add_test(te, eval_derived_with_args);
  tcase_add_test(te, eval_rule_values);
  tcase_add_test(te, eval_rule_values_threads);
  tcase_add_test(te, eval_tables);
  tcase_add_test(te, eval_population_aggregates);
  tcase_add_test(te, eval_budget_ties_by_id);
  tcase_add_test(te, eval_budget_keyed_fund);
  suite_add_tcase(s, te);
  TCase *tl = tcase_create("limits");
  tcase_set_timeout(tl, 60);
  tcase_add_test(tl, limit_derived_chain);
  tcase_add_test(tl, limit_nested_max);
  tcase_add_test(tl, limit_many_arguments);
  suite_add_tcase(s, tl);
  TCase *td = tcase_create("dump");
  tcase_add_test(td, dump_decodes_operands);
  suite_add_tcase(s, td);
  return s;
}

int main(void) {
  error_cases = read_error_cases();
  int status = ztest_run_suite(expr_suite());
  g_ptr_array_unref(error_cases);
  return status;
}
