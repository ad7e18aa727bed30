/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-policy.c - the policy XML loader: well-formedness, the schema, the
 * checks the schema cannot make, `extends`, hostile input, and the real
 * Huai'an policy.
 *
 * Small policies are HEADER + a body + "</policy>"; HEADER is HEADER_LINES
 * lines, so a body's first line is BODY_LINE. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libxml/globals.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h" /* zpolicy_find_derived */
#include "zjtx/zjtx.h"
#include "test-util.h"

#define HEADER                                                                                                         \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                                       \
  "<policy id=\"p\" version=\"1\">\n"                                                                                  \
  "  <title lang=\"en\">P</title>\n"                                                                                   \
  "  <jurisdiction>J</jurisdiction>\n"                                                                                 \
  "  <document>D</document>\n"                                                                                         \
  "  <period unit=\"year\" default=\"2025\"/>\n"                                                                       \
  "  <entity name=\"shop\" plural=\"shops\" key=\"id\">\n"                                                             \
  "    <field name=\"id\" type=\"text\"/>\n"                                                                           \
  "    <field name=\"level\" type=\"code\"><code value=\"low\"/><code value=\"high\"/></field>\n"                      \
  "  </entity>\n"
#define HEADER_LINES 10
#define BODY_LINE    (HEADER_LINES + 1)
#define FOOTER       "</policy>\n"

#define PARAM(attrs, values)                                                                                           \
  "<parameter id=\"q\" " attrs " status=\"published\"><source>s</source>" values "</parameter>\n"

/* Loads raw text (named p.xml) that must fail with `want`; returns the error. */
static zjtx_error *load_text_fail(const char *xml, size_t len, zjtx_status want) {
  return ztest_policy_text_fail(xml, len, "p.xml", want);
}

static zjtx_error *load_fail(const char *body, zjtx_status want) {
  char *xml = g_strconcat(HEADER, body, FOOTER, NULL);
  zjtx_error *err = load_text_fail(xml, strlen(xml), want);
  g_free(xml);
  return err;
}

static zjtx_policy *load_ok(const char *body) {
  g_autofree char *xml = g_strconcat(HEADER, body, FOOTER, NULL);
  return ztest_policy_text(xml, "p.xml");
}

/* ---- well-formedness ----------------------------------------------------- */

START_TEST(xml_not_well_formed) {
  /* an end tag that does not match: reported where it is found */
  zjtx_error *err = load_fail("<rule id=\"r\" subject=\"shop\" clause=\"c\">\n"
                              "  <amount>1</amount>\n"
                              "</rules>\n",
                              ZJTX_ERR_XML);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "mismatch"));
  ztest_expect_error(err, "p.xml", BODY_LINE + 2, NULL);
  /* an attribute without its closing quote */
  err = load_fail("\n\n<rule id=\"r subject=\"shop\" clause=\"c\"><amount>1</amount></rule>\n", ZJTX_ERR_XML);
  ztest_expect_error(err, "p.xml", BODY_LINE + 2, NULL);
  /* bytes that are not UTF-8 */
  err = load_fail(
      "<rule id=\"r\" subject=\"shop\" clause=\"c\"><title lang=\"en\">\xff\xfe</title><amount>1</amount></rule>\n",
      ZJTX_ERR_XML);
  ztest_expect_error(err, "p.xml", BODY_LINE, NULL);
  /* nothing at all */
  err = load_text_fail("", 0, ZJTX_ERR_XML);
  zjtx_error_free(err);
  err = load_text_fail("<policy", 7, ZJTX_ERR_XML);
  zjtx_error_free(err);
}
END_TEST

START_TEST(xml_not_well_formed_file) {
  /* through a file: the error names the file as given */
  char *path = ztest_data_path("malformed.xml");
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_policy_load_file(path, &p, &err), ZJTX_ERR_XML);
  ck_assert_ptr_null(p);
  ck_assert_str_eq(zjtx_error_file(err), path);
  ck_assert_int_eq(zjtx_error_line(err), 7); /* the unclosed <document> meets </policy> there */
  char *m = zjtx_error_format(err);
  char *want = g_strdup_printf("%s:7", path);
  ck_assert_msg(g_str_has_prefix(m, want), "%s", m);
  g_free(want);
  zjtx_free(m);
  zjtx_error_free(err);
  g_free(path);
  /* a file that is not there */
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_file("/nonexistent/policy.xml", &p, &err), ZJTX_ERR_IO);
  ck_assert_str_eq(zjtx_error_file(err), "/nonexistent/policy.xml");
  zjtx_error_free(err);
}
END_TEST

/* ---- the schema ---------------------------------------------------------- */

START_TEST(schema_unknown_element) {
  zjtx_error *err = load_fail("<rule id=\"r\" subject=\"shop\" clause=\"c\"><amount>1</amount></rule>\n"
                              "<bonus/>\n",
                              ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1, NULL);
  /* inside a rule */
  err = load_fail("<rule id=\"r\" subject=\"shop\" clause=\"c\">\n"
                  "  <amount>1</amount>\n"
                  "  <limit>2</limit>\n"
                  "</rule>\n",
                  ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE + 2, NULL);
}
END_TEST

START_TEST(schema_missing_id) {
  zjtx_error *err = load_fail("\n<rule subject=\"shop\" clause=\"c\"><amount>1</amount></rule>\n", ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1, NULL);
  err = load_fail("<parameter type=\"money\" status=\"published\"><source>s</source>"
                  "<value from=\"2025-01-01\">1</value></parameter>\n",
                  ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE, NULL);
}
END_TEST

START_TEST(schema_attribute_messages) {
  /* the schema says which attribute is missing or unknown; libxml2 said
   * "Element rule failed to validate attributes" and, for bad=, "Expecting
   * an element cap, got nothing" */
  zjtx_error *err = load_fail("\n<rule subject=\"shop\" clause=\"c\"><amount>1</amount></rule>\n", ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1, "<rule> needs id=");
  err =
      load_fail("<rule id=\"r\" subject=\"shop\" clause=\"c\" bad=\"x\"><amount>1</amount></rule>\n", ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE, "<rule> takes no attribute bad=");
  err = load_fail(
      "<parameter id=\"q\" type=\"money\"><source>s</source><value from=\"2025-01-01\">1</value></parameter>\n",
      ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE, "<parameter> needs status=");
  /* libxml2 blames the entity for its field's attributes */
  err = load_fail("<entity name=\"sale\" plural=\"sales\">\n"
                  "  <field type=\"text\"/>\n"
                  "</entity>\n",
                  ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1, "<field> needs name=");
}
END_TEST

START_TEST(schema_bad_field_type) {
  /* the entity is in the body here, so the field's line is known */
  zjtx_error *err = load_fail("<entity name=\"sale\" plural=\"sales\">\n"
                              "  <field name=\"id\" type=\"text\"/>\n"
                              "  <field name=\"weight\" type=\"float\"/>\n"
                              "</entity>\n",
                              ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE + 2, NULL);
}
END_TEST

START_TEST(schema_bad_names_and_values) {
  /* a keyword is not a name */
  zjtx_error *err =
      load_fail("<rule id=\"in\" subject=\"shop\" clause=\"c\"><amount>1</amount></rule>\n", ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE, NULL);
  /* attribute values are taken literally */
  err = load_fail("<rule id=\" r\" subject=\"shop\" clause=\"c\"><amount>1</amount></rule>\n", ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE, NULL);
  err = load_fail(PARAM("type=\"money\"", "<value from=\"2025-01-01\"> 1</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE,
                     "value \" 1\" of parameter q has spaces around it: write the value exactly");
  err = load_fail("<parameter id=\"q\" type=\"money\" status=\"published\"><source>s</source>\n"
                  "<value from=\"2025-01-01\">1\n</value></parameter>\n",
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1,
                     "value \"1\n\" of parameter q has spaces around it: write the value exactly");
  err = load_fail("<rule id=\"r\" subject=\"shop\" clause=\"c\" rounding=\"nearest\"><amount>1</amount></rule>\n",
                  ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE, NULL);
  /* a namespace is not the policy language */
  const char *ns = "<?xml version=\"1.0\"?>\n<policy xmlns=\"urn:x\" id=\"p\" version=\"1\"/>\n";
  err = load_text_fail(ns, strlen(ns), ZJTX_ERR_SCHEMA);
  zjtx_error_free(err);
}
END_TEST

/* ---- what the schema cannot say ----------------------------------------- */

START_TEST(policy_unknown_subject) {
  zjtx_error *err =
      load_fail("\n<rule id=\"r\" subject=\"store\" clause=\"c\"><amount>1</amount></rule>\n", ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1, "unknown entity 'store' in subject=");
  err = load_fail("<derived name=\"d\" entity=\"store\" type=\"money\"><expr>1</expr></derived>\n", ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "unknown entity 'store' in entity=");
  err = load_fail("<entity name=\"sale\" plural=\"sales\" parent=\"store\" parent-key=\"shop\"/>\n", ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "entity sale: parent 'store' is not a declared entity");
  err =
      load_fail("<entity name=\"sale\" plural=\"sales\"><field name=\"at\" type=\"ref\" entity=\"store\"/></entity>\n",
                ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "'store' is not a declared entity");
}
END_TEST

START_TEST(policy_duplicate_rule_id) {
  zjtx_error *err = load_fail("<rule id=\"r\" subject=\"shop\" clause=\"c\"><amount>1</amount></rule>\n"
                              "<check id=\"r\" subject=\"shop\" clause=\"c\"><condition>true</condition></check>\n",
                              ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1, "rule or check id 'r' is used twice");
  err = load_fail(PARAM("type=\"money\"", "<value from=\"2025-01-01\">1</value>")
                      PARAM("type=\"money\"", "<value from=\"2025-01-01\">1</value>"),
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1, "parameter 'q' is declared twice");
  err = load_fail("<entity name=\"shop\" plural=\"shops\"><field name=\"id\" type=\"text\"/></entity>\n",
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "entity shop already has a field 'id'");
}
END_TEST

START_TEST(policy_parameter_values) {
  /* "2.5x" has not even the shape of a value: the schema refuses it */
  zjtx_error *err = load_fail("<parameter id=\"q\" type=\"rate\" status=\"published\"><source>s</source>\n"
                              "  <value from=\"2025-01-01\">2.5x</value>\n"
                              "</parameter>\n",
                              ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1, NULL);
  /* shapes the schema lets through, checked against the type */
  err = load_fail("<parameter id=\"q\" type=\"rate\" status=\"published\"><source>s</source>\n"
                  "  <value from=\"2025-01-01\">true</value>\n"
                  "</parameter>\n",
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1,
                     "value \"true\" of parameter q is not a rate in percent with at most 6 decimals, e.g. 2 or 3.45");
  err = load_fail(PARAM("type=\"rate\"", "<value from=\"2025-01-01\">1.0000001</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(
      err, "p.xml", BODY_LINE,
      "value \"1.0000001\" of parameter q is not a rate in percent with at most 6 decimals, e.g. 2 or 3.45");
  err = load_fail(PARAM("type=\"money\"", "<value from=\"2025-01-01\">1.005</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(
      err, "p.xml", BODY_LINE,
      "value \"1.005\" of parameter q is not money in yuan with at most 2 decimals, e.g. 300000 or 1250.50");
  err = load_fail(PARAM("type=\"date\"", "<value from=\"2025-01-01\">12</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "value \"12\" of parameter q is not a date YYYY-MM-DD");
  err = load_fail(PARAM("type=\"bool\"", "<value from=\"2025-01-01\">1</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "value \"1\" of parameter q is not true or false");
  /* two values from the same day */
  err = load_fail(PARAM("type=\"money\"", "<value from=\"2025-01-01\">1</value><value from=\"2025-01-01\">2</value>"),
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "parameter q has two values from 2025-01-01");
}
END_TEST

START_TEST(policy_bad_from_date) {
  /* the schema accepts 30 as a day; the loader knows February */
  zjtx_error *err = load_fail("<parameter id=\"q\" type=\"money\" status=\"published\"><source>s</source>\n"
                              "  <value from=\"2025-01-01\">1</value>\n"
                              "  <value from=\"2025-02-30\">2</value>\n"
                              "</parameter>\n",
                              ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 2, "from=\"2025-02-30\" of parameter q is not a real date YYYY-MM-DD");
  err = load_fail(PARAM("type=\"money\"", "<value from=\"2023-02-29\">1</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "from=\"2023-02-29\" of parameter q is not a real date YYYY-MM-DD");
  /* 2024 is a leap year */
  zjtx_policy *p = load_ok(PARAM("type=\"money\"", "<value from=\"2024-02-29\">1</value>"));
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(policy_keyed_values) {
  zjtx_error *err =
      load_fail("<parameter id=\"q\" type=\"money\" key=\"shop.level\" status=\"published\"><source>s</source>\n"
                "  <value from=\"2025-01-01\" key=\"low\">1</value>\n"
                "  <value from=\"2025-01-01\" key=\"gold\">2</value>\n"
                "</parameter>\n",
                ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 2, "key \"gold\" of parameter q is not a code of shop.level");
  err = load_fail(PARAM("type=\"money\" key=\"shop.level\"", "<value from=\"2025-01-01\">1</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "parameter q is keyed by shop.level: each value needs key=");
  err = load_fail(PARAM("type=\"money\"", "<value from=\"2025-01-01\" key=\"low\">1</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "parameter q is not keyed: remove key=\"low\"");
  err = load_fail(PARAM("type=\"money\" key=\"shop.id\"", "<value from=\"2025-01-01\" key=\"low\">1</value>"),
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "key=\"shop.id\" must name a code field as entity.field");
  err = load_fail(
      PARAM("type=\"money\" key=\"shop.level\" default=\"x1\"", "<value from=\"2025-01-01\" key=\"low\">1</value>"),
      ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE, NULL);
  err = load_fail(
      PARAM("type=\"money\" key=\"shop.level\" default=\"0.001\"", "<value from=\"2025-01-01\" key=\"low\">1</value>"),
      ZJTX_ERR_POLICY);
  ztest_expect_error(
      err, "p.xml", BODY_LINE,
      "default \"0.001\" of parameter q is not money in yuan with at most 2 decimals, e.g. 300000 or 1250.50");
  /* the same key twice from one date */
  err = load_fail(
      PARAM("type=\"money\" key=\"shop.level\"",
            "<value from=\"2025-01-01\" key=\"low\">1</value><value from=\"2025-01-01\" key=\"low\">2</value>"),
      ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "parameter q has two values from 2025-01-01");
  zjtx_policy *p = load_ok(
      PARAM("type=\"money\" key=\"shop.level\" default=\"0\"",
            "<value from=\"2025-01-01\" key=\"high\">2</value><value from=\"2025-01-01\" key=\"low\">1</value>"));
  size_t i = zjtx_policy_param_find(p, "q");
  ck_assert_uint_eq(i, 0);
  ck_assert_uint_eq(zjtx_policy_param_value_count(p, i), 2);
  /* sorted by key in code order (low before high), as written otherwise */
  ck_assert_str_eq(zjtx_policy_param_value_key(p, i, 0), "low");
  ck_assert_str_eq(zjtx_policy_param_value_text(p, i, 0), "1");
  ck_assert_str_eq(zjtx_policy_param_value_key(p, i, 1), "high");
  ck_assert_str_eq(zjtx_policy_param_value_from(p, i, 1), "2025-01-01");
  ck_assert_uint_eq(zjtx_policy_param_find(p, "nosuch"), (size_t)-1);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(policy_structure) {
  zjtx_error *err =
      load_fail("<rule id=\"r\" subject=\"shop\" clause=\"c\"><condition>true</condition></rule>\n", ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE, NULL);
  err = load_fail("<rule id=\"r\" subject=\"shop\" clause=\"c\"><filter>true</filter><amount>1</amount></rule>\n",
                  ZJTX_ERR_SCHEMA);
  zjtx_error_free(err);
  err = load_fail("<rule id=\"r\" subject=\"shop\" clause=\"c\" group-by=\"nosuch\"><amount>1</amount></rule>\n",
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "group-by=\"nosuch\" must name a text or code field of shop");
  err = load_fail("<override derived=\"nosuch\" entity=\"shop\"><expr>1</expr></override>\n", ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "<override> names no derived value nosuch of a base policy");
  err = load_fail("<derived name=\"d\" entity=\"shop\" type=\"money\"><expr>1</expr></derived>\n"
                  "<derived name=\"d\" entity=\"shop\" type=\"money\"><expr>2</expr></derived>\n",
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1,
                     "derived value shop.d is declared twice (use <override> to replace it)");
  err = load_fail("<entity name=\"x\" plural=\"xs\"><field name=\"c\" type=\"code\"><code value=\"a\"/><code "
                  "value=\"a\"/></field></entity>\n",
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "code 'a' is listed twice in x.c");
}
END_TEST

START_TEST(positions_past_line_65535) {
  /* libxml2 keeps element lines in 16 bits unless asked otherwise */
  GString *pad = g_string_new("<!--");
  for (int i = 0; i < 70000; i++)
    g_string_append_c(pad, '\n');
  g_string_append(pad, "-->\n");
  char *body = g_strdup_printf("%s<rule id=\"r\" subject=\"store\" clause=\"c\"><amount>1</amount></rule>\n", pad->str);
  zjtx_error *err = load_fail(body, ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 70001, "unknown entity 'store' in subject=");
  g_free(body);
  /* (past line 65535 libxml2 dates an element by its content: give it some) */
  body = g_strdup_printf("%s<bogus>x</bogus>\n", pad->str);
  err = load_fail(body, ZJTX_ERR_SCHEMA);
  ztest_expect_error(err, "p.xml", BODY_LINE + 70001, NULL);
  g_free(body);
  body =
      g_strdup_printf("%s<rule id=\"r\" subject=\"shop\" clause=\"c\"><amount>1 + nosuch</amount></rule>\n", pad->str);
  err = load_fail(body, ZJTX_ERR_POLICY);
  ck_assert_int_eq(zjtx_error_column(err), 52);
  ztest_expect_error(err, "p.xml", BODY_LINE + 70001, NULL);
  g_free(body);
  g_string_free(pad, TRUE);
}
END_TEST

/* ---- extends ------------------------------------------------------------- */

START_TEST(extends_cycle) {
  char *a = ztest_data_path("cycle-a.xml");
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_policy_load_file(a, &p, &err), ZJTX_ERR_POLICY);
  ck_assert_ptr_null(p);
  char *b = ztest_data_path("cycle-b.xml");
  /* found in cycle-b.xml, which extends cycle-a.xml again */
  ck_assert_str_eq(zjtx_error_file(err), b);
  ck_assert_int_eq(zjtx_error_line(err), 3);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "policies extend each other in a cycle through"));
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "cycle-a.xml"));
  zjtx_error_free(err);
  /* however the file is named */
  char *odd = ztest_src_path("tests", "unit", ".", "data", "..", "data", "cycle-a.xml", NULL);
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_file(odd, &p, &err), ZJTX_ERR_POLICY);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "cycle"));
  zjtx_error_free(err);
  g_free(odd);
  g_free(a);
  g_free(b);
}
END_TEST

START_TEST(extends_missing_file) {
  char *path = ztest_data_path("extends-missing.xml");
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_policy_load_file(path, &p, &err), ZJTX_ERR_IO);
  ck_assert_ptr_null(p);
  /* the error is in the policy that says extends= */
  ck_assert_str_eq(zjtx_error_file(err), path);
  ck_assert_int_eq(zjtx_error_line(err), 3);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "no-such-base.xml"));
  zjtx_error_free(err);
  g_free(path);
}
END_TEST

START_TEST(extends_through_buffer) {
  /* a buffer extends a file by a path relative to base_dir */
  char *dir = ztest_data_path("");
  const char *xml = "<?xml version=\"1.0\"?>\n"
                    "<policy id=\"buf\" version=\"1\" extends=\"base.xml\">\n"
                    "  <title lang=\"zh\">缓冲区</title>\n"
                    "  <jurisdiction>J</jurisdiction><document>D</document><period unit=\"year\" default=\"2024\"/>\n"
                    "  <rule id=\"more\" subject=\"firm\" clause=\"9\"><amount>spend * share</amount></rule>\n"
                    "</policy>\n";
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  if (zjtx_policy_load_buffer(xml, strlen(xml), NULL, dir, &p, &err) != ZJTX_OK)
    ck_abort_msg("%s", zjtx_error_format(err));
  ck_assert_str_eq(zjtx_policy_id(p), "buf");
  ck_assert_str_eq(zjtx_policy_default_period(p), "2024");
  ck_assert_str_eq(zjtx_policy_title(p, "zh"), "缓冲区");
  ck_assert_str_eq(zjtx_policy_title(p, "en"), "缓冲区"); /* falls back to the other language */
  ck_assert_uint_eq(zjtx_policy_rule_count(p), 2);
  ck_assert_str_eq(zjtx_policy_rule_origin(p, 0), "test-base");
  ck_assert_str_eq(zjtx_policy_rule_origin(p, 1), "buf");
  zjtx_policy_unref(p);
  /* without base_dir the base is looked for in the current directory */
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_buffer(xml, strlen(xml), NULL, "/nonexistent", &p, &err), ZJTX_ERR_IO);
  ck_assert_str_eq(zjtx_error_file(err), "<buffer>");
  zjtx_error_free(err);
  g_free(dir);
}
END_TEST

START_TEST(extends_derived_index) {
  /* base.xml declares firm.rate_applied and firm.share, ext.xml overrides
   * both: the index gives the overrides; their bases stay reachable by
   * `inherited` only */
  char *path = ztest_data_path("ext.xml");
  zjtx_policy *p = ztest_policy_file(path);
  int32_t firm = zpolicy_entity_index(p, "firm");
  ck_assert_int_ge(firm, 0);
  for (int i = 0; i < 2; i++) {
    const char *name = i ? "share" : "rate_applied";
    zderived *d = zpolicy_find_derived(p, firm, name);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->name, name);
    ck_assert_str_eq(d->origin, "test-ext");
    ck_assert(!d->hidden);
    ck_assert_int_ge(d->inherited, 0);
    zderived *base = g_ptr_array_index(p->derived, d->inherited);
    ck_assert_str_eq(base->origin, "test-base");
    ck_assert(base->hidden);
  }
  ck_assert_ptr_null(zpolicy_find_derived(p, firm, "no_such_value"));
  ck_assert_ptr_null(zpolicy_find_derived(p, firm + 100, "share"));
  zjtx_policy_unref(p);
  g_free(path);
}
END_TEST

/* ---- hostile input -------------------------------------------------------- */

static const char laughs[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE policy [\n"
    " <!ENTITY a \"ha\">\n"
    " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
    " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
    " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
    " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
    " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
    " <!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
    " <!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\n"
    " <!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">\n"
    " <!ENTITY j \"&i;&i;&i;&i;&i;&i;&i;&i;&i;&i;\">\n"
    "]>\n"
    "<policy id=\"p\" version=\"1\"><title lang=\"en\">&j;</title><jurisdiction>&j;</jurisdiction>"
    "<document>D</document><period unit=\"year\" default=\"2025\"/></policy>\n";

START_TEST(safety_billion_laughs) {
  gint64 t0 = g_get_monotonic_time();
  zjtx_error *err = load_text_fail(laughs, strlen(laughs), ZJTX_ERR_XML);
  ck_assert_msg(g_get_monotonic_time() - t0 < G_USEC_PER_SEC, "took too long");
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "DOCTYPE"));
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "refused"));
  zjtx_error_free(err);
}
END_TEST

START_TEST(safety_external_entity) {
  const char *xml = "<?xml version=\"1.0\"?>\n"
                    "<!DOCTYPE policy [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
                    "<policy id=\"p\" version=\"1\"><title lang=\"en\">&x;</title><jurisdiction>J</jurisdiction>"
                    "<document>D</document><period unit=\"year\" default=\"2025\"/></policy>\n";
  zjtx_error *err = load_text_fail(xml, strlen(xml), ZJTX_ERR_XML);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "refused"));
  ck_assert_ptr_null(strstr(zjtx_error_message(err), "root:"));
  zjtx_error_free(err);
  /* an entity reference without any declaration is simply not well-formed */
  const char *undeclared = "<?xml version=\"1.0\"?>\n"
                           "<policy id=\"p\" version=\"1\"><title lang=\"en\">&x;</title></policy>\n";
  err = load_text_fail(undeclared, strlen(undeclared), ZJTX_ERR_XML);
  ck_assert_int_eq(zjtx_error_line(err), 2);
  zjtx_error_free(err);
}
END_TEST

START_TEST(safety_external_dtd) {
  const char *xml = "<?xml version=\"1.0\"?>\n"
                    "<!DOCTYPE policy SYSTEM \"http://example.com/x.dtd\">\n"
                    "<policy id=\"p\" version=\"1\"><title lang=\"en\">T</title><jurisdiction>J</jurisdiction>"
                    "<document>D</document><period unit=\"year\" default=\"2025\"/></policy>\n";
  gint64 t0 = g_get_monotonic_time();
  zjtx_error *err = load_text_fail(xml, strlen(xml), ZJTX_ERR_XML);
  ck_assert_msg(g_get_monotonic_time() - t0 < G_USEC_PER_SEC, "took too long (a network fetch?)");
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "refused"));
  zjtx_error_free(err);
  /* a DOCTYPE hidden after a NUL byte is found all the same */
  static const char nul[] =
      "<?xml version=\"1.0\"?>\n<policy id=\"p\" version=\"1\">\0<!DOCTYPE x SYSTEM \"http://e/\">";
  err = load_text_fail(nul, sizeof nul - 1, ZJTX_ERR_XML);
  zjtx_error_free(err);
}
END_TEST

START_TEST(safety_deep_nesting) {
  GString *s = g_string_new("<?xml version=\"1.0\"?>\n<policy id=\"p\" version=\"1\">\n");
  for (int i = 0; i < 10000; i++)
    g_string_append(s, "<x>");
  for (int i = 0; i < 10000; i++)
    g_string_append(s, "</x>");
  g_string_append(s, "</policy>\n");
  gint64 t0 = g_get_monotonic_time();
  zjtx_error *err = load_text_fail(s->str, s->len, ZJTX_ERR_LIMIT);
  ck_assert_msg(g_get_monotonic_time() - t0 < G_USEC_PER_SEC, "took too long");
  ck_assert_str_eq(zjtx_error_message(err), "elements nested deeper than 16 levels");
  ck_assert_int_eq(zjtx_error_line(err), 3);
  zjtx_error_free(err);
  g_string_free(s, TRUE);
  /* 17 levels, on separate lines: the 17th is reported */
  s = g_string_new("<?xml version=\"1.0\"?>\n<policy id=\"p\" version=\"1\">\n");
  for (int i = 0; i < 16; i++)
    g_string_append(s, "<x a=\"/>\">\n"); /* a '>' in an attribute does not end the tag */
  for (int i = 0; i < 16; i++)
    g_string_append(s, "</x>");
  g_string_append(s, "</policy>\n");
  err = load_text_fail(s->str, s->len, ZJTX_ERR_LIMIT);
  ck_assert_int_eq(zjtx_error_line(err), 18);
  zjtx_error_free(err);
  g_string_free(s, TRUE);
  /* the real policies stay well within the limit: empty elements and
   * comments do not nest */
  char *huaian = ztest_rules_path("huaian-2025.xml");
  zjtx_policy *p = ztest_policy_file(huaian);
  zjtx_policy_unref(p);
  g_free(huaian);
}
END_TEST

START_TEST(safety_too_large) {
  size_t n = 16 * 1024 * 1024 + 1;
  char *big = g_malloc(n);
  const char *head = "<?xml version=\"1.0\"?>\n<policy id=\"p\" version=\"1\"><!--";
  memset(big, ' ', n);
  memcpy(big, head, strlen(head));
  gint64 t0 = g_get_monotonic_time();
  zjtx_error *err = load_text_fail(big, n, ZJTX_ERR_LIMIT);
  ck_assert_msg(g_get_monotonic_time() - t0 < G_USEC_PER_SEC, "took too long");
  ck_assert_str_eq(zjtx_error_message(err), "policy is larger than 16777216 bytes");
  zjtx_error_free(err);
  /* and a file of that size is refused without reading it (sparse here) */
  char *path = NULL;
  int fd = g_file_open_tmp("zjtx-big-XXXXXX.xml", &path, NULL);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
  ck_assert_int_eq(ftruncate(fd, (off_t)n), 0);
  close(fd);
  zjtx_policy *p = NULL;
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_file(path, &p, &err), ZJTX_ERR_LIMIT);
  ck_assert_str_eq(zjtx_error_file(err), path);
  zjtx_error_free(err);
  g_unlink(path);
  g_free(path);
  g_free(big);
}
END_TEST

START_TEST(safety_extends_special_file) {
  /* extends= may climb out of the policy's directory, but only to a plain
   * file: /dev/zero would be read for ever */
  char *dir = ztest_data_path("");
  const char *xml = "<?xml version=\"1.0\"?>\n"
                    "<policy id=\"p\" version=\"1\" extends=\"../../../../../../../../../../../../dev/zero\">\n"
                    "  <title lang=\"en\">P</title><jurisdiction>J</jurisdiction><document>D</document>\n"
                    "  <period unit=\"year\" default=\"2025\"/>\n"
                    "</policy>\n";
  gint64 t0 = g_get_monotonic_time();
  zjtx_error *err = NULL;
  zjtx_policy *p = NULL;
  ck_assert_int_eq(zjtx_policy_load_buffer(xml, strlen(xml), "p.xml", dir, &p, &err), ZJTX_ERR_IO);
  ck_assert_msg(g_get_monotonic_time() - t0 < G_USEC_PER_SEC, "took too long");
  ck_assert_str_eq(zjtx_error_file(err), "p.xml");
  ck_assert_int_eq(zjtx_error_line(err), 2);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "not a regular file"));
  zjtx_error_free(err);
  /* a directory is no policy either */
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_file(dir, &p, &err), ZJTX_ERR_IO);
  zjtx_error_free(err);
  g_free(dir);
}
END_TEST

/* ---- hostile input: what messages say -------------------------------------- */

START_TEST(hostile_not_utf8) {
  /* UTF-16 (with or without a byte order mark) or another declared encoding
   * is said to be one, not reported as nesting or as a parser error */
  static const char utf16le[] = "\xFF\xFE<\0?\0x\0m\0l\0";
  zjtx_error *err = load_text_fail(utf16le, sizeof utf16le - 1, ZJTX_ERR_XML);
  ztest_expect_error(err, "p.xml", 1, "the policy starts with a UTF-16 byte order mark: policy files must be UTF-8");
  static const char utf16be[] = "\0<\0?\0x\0m\0l\0 \0v\0e\0r";
  err = load_text_fail(utf16be, sizeof utf16be - 1, ZJTX_ERR_XML);
  ztest_expect_error(err, "p.xml", 1, "the policy holds a NUL byte (is it UTF-16?): policy files must be UTF-8");
  const char *latin1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<policy id=\"p\" version=\"1\"/>\n";
  err = load_text_fail(latin1, strlen(latin1), ZJTX_ERR_XML);
  ztest_expect_error(err, "p.xml", 1, "the policy declares encoding=\"ISO-8859-1\": policy files must be UTF-8");
  /* a byte that is not UTF-8, on the line it is on */
  const char *bad = "<?xml version=\"1.0\"?>\n<policy id=\"p\" version=\"1\">\n<title lang=\"en\">\xE9t\xE9</title>";
  err = load_text_fail(bad, strlen(bad), ZJTX_ERR_XML);
  ztest_expect_error(err, "p.xml", 3, "the policy is not valid UTF-8 here: policy files must be UTF-8");
  /* UTF-8 with a byte order mark, or declared in lower case, is fine */
  const char *ok = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<policy id=\"p\" version=\"1\">\n"
                   "  <title lang=\"en\">P</title><jurisdiction>J</jurisdiction><document>D</document>\n"
                   "  <period unit=\"year\" default=\"2025\"/>\n</policy>\n";
  zjtx_policy *p = NULL;
  ck_assert_int_eq(zjtx_policy_load_buffer(ok, strlen(ok), "p.xml", NULL, &p, NULL), ZJTX_OK);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(hostile_one_line_messages) {
  /* libxml2 puts the text that follows an unfinished CDATA section on a line
   * of its own in its message; the API promises one line */
  zjtx_error *err = load_fail("<![CDATA[\n", ZJTX_ERR_XML);
  ck_assert_ptr_null(strchr(zjtx_error_message(err), '\n'));
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "CData section not finished"));
  zjtx_error_free(err);
}
END_TEST

START_TEST(hostile_decimal_size) {
  /* a 30-decimal number is a number, only too precise (18 places at most) */
  zjtx_error *err = load_fail(
      PARAM("type=\"number\"", "<value from=\"2025-01-01\">0.000000000000000000000000000001</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(
      err, "p.xml", BODY_LINE,
      "value \"0.000000000000000000000000000001\" of parameter q is not a number with at most 18 decimal places");
  /* 18 places are fine */
  zjtx_policy *p = load_ok(PARAM("type=\"number\"", "<value from=\"2025-01-01\">0.000000000000000001</value>"));
  zjtx_policy_unref(p);
  /* 37 significant digits do not fit (36 do), whatever the type */
  err = load_fail(PARAM("type=\"number\"", "<value from=\"2025-01-01\">1234567890123456789012345678901234567</value>"),
                  ZJTX_ERR_POLICY);
  ztest_expect_error(
      err, "p.xml", BODY_LINE,
      "value \"1234567890123456789012345678901234567\" of parameter q is not a number within range (at most 36 "
      "significant digits)");
  err = load_fail(PARAM("type=\"money\"", "<value from=\"2025-01-01\">1234567890123456789012345678901234567</value>"),
                  ZJTX_ERR_POLICY);
  ztest_expect_error(
      err, "p.xml", BODY_LINE,
      "value \"1234567890123456789012345678901234567\" of parameter q is not a number within range (at most 36 "
      "significant digits)");
  p = load_ok(PARAM("type=\"number\"", "<value from=\"2025-01-01\">123456789012345678901234567890123456</value>"));
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(hostile_negative_parameter) {
  /* money, rates and numbers are not negative unless the parameter says so */
  zjtx_error *err = load_fail(PARAM("type=\"money\"", "<value from=\"2025-01-01\">-1</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE,
                     "value \"-1\" of parameter q is negative (a money parameter is not, unless it is declared "
                     "negative=\"allowed\")");
  err = load_fail(PARAM("type=\"rate\"", "<value from=\"2025-01-01\">-0.5</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE,
                     "value \"-0.5\" of parameter q is negative (a rate parameter is not, unless it is declared "
                     "negative=\"allowed\")");
  /* a day basis of -360 paid negative interest subsidies without a word */
  err = load_fail(PARAM("type=\"number\"", "<value from=\"2025-01-01\">-360</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE,
                     "value \"-360\" of parameter q is negative (a number parameter is not, unless it is declared "
                     "negative=\"allowed\")");
  err = load_fail(PARAM("type=\"money\" default=\"-3\"", "<value from=\"2025-01-01\">1</value>"), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE,
                     "default \"-3\" of parameter q is negative (a money parameter is not, unless it is declared "
                     "negative=\"allowed\")");
  /* declared, or zero: fine */
  zjtx_policy *p = load_ok(PARAM("type=\"money\" negative=\"allowed\"", "<value from=\"2025-01-01\">-1</value>"));
  zjtx_policy_unref(p);
  p = load_ok(PARAM("type=\"money\"", "<value from=\"2025-01-01\">-0</value>"));
  zjtx_policy_unref(p);
  p = load_ok(PARAM("type=\"number\" negative=\"allowed\"", "<value from=\"2025-01-01\">-7</value>"));
  zjtx_policy_unref(p);
  /* the check overrides use (zjtx_options_set_param): the value -1.00 of
   * a money parameter q is refused, of one declared negative="allowed" not */
  p = load_ok(PARAM("type=\"money\"", "<value from=\"2025-01-01\">1</value>"));
  zparam *q = g_ptr_array_index(p->params, 0);
  zval v = {.d = zdec_from_fen(-100)};
  g_autofree char *why = NULL;
  ck_assert(!zparam_check_value(q, &v, &why));
  ck_assert_str_eq(why, "is negative (a money parameter is not, unless it is declared negative=\"allowed\")");
  q->negative_ok = true;
  ck_assert(zparam_check_value(q, &v, NULL));
  v.d = zdec_from_fen(0);
  q->negative_ok = false;
  ck_assert(zparam_check_value(q, &v, NULL));
  zjtx_policy_unref(p);
  /* and a reform's amendment: base.xml's base_rate is a rate */
  g_autofree char *dir = ztest_data_path("");
  const char *reform = "<?xml version=\"1.0\"?>\n"
                       "<policy id=\"r\" version=\"1\" extends=\"base.xml\">\n"
                       "  <amend-parameter id=\"base_rate\"><source>s</source>\n"
                       "    <value from=\"2026-01-01\">-2</value></amend-parameter>\n"
                       "</policy>\n";
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_buffer(reform, strlen(reform), "r.xml", dir, &p, &err), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "r.xml", 4,
                     "value \"-2\" of parameter base_rate is negative (a rate parameter is not, unless it is declared "
                     "negative=\"allowed\")");
}
END_TEST

START_TEST(hostile_extends_outside) {
  /* a file out of the policy's folder: refused before it is read, at the value */
  char *path = ztest_data_path("extends-passwd.xml");
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_policy_load_file(path, &p, &err), ZJTX_ERR_POLICY);
  ck_assert_int_eq(zjtx_error_column(err), 18); /* 8 spaces and extends=" */
  ztest_expect_error(err, path, 4,
                     "extends=\"../../../../../../../../../../../../etc/passwd\" leads out of the policy's folder: a "
                     "policy file may only extend policies below its own folder or a folder of the search path");
  /* a search path that holds it still takes policy files only */
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_file_full(path, "/etc", &p, &err), ZJTX_ERR_POLICY);
  ztest_expect_error(err, path, 4,
                     "extends=\"../../../../../../../../../../../../etc/passwd\" does not name a policy file (*.xml)");
  g_free(path);
  /* a buffer extends only what lies below its base folder */
  char *dir = ztest_data_path("");
  const char *xml = "<?xml version=\"1.0\"?>\n"
                    "<policy id=\"p\" version=\"1\" extends=\"../../../../etc/passwd\">\n"
                    "  <title lang=\"en\">P</title><jurisdiction>J</jurisdiction><document>D</document>\n"
                    "  <period unit=\"year\" default=\"2025\"/>\n"
                    "</policy>\n";
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_buffer(xml, strlen(xml), "p.xml", dir, &p, &err), ZJTX_ERR_POLICY);
  ck_assert_int_eq(zjtx_error_column(err), 37); /* <policy id="p" version="1" extends=" is 36 characters */
  ztest_expect_error(
      err, "p.xml", 2,
      "extends=\"../../../../etc/passwd\" leads out of the base folder: a policy read from a buffer may only "
      "extend policies below it");
  /* so does a symlink below it that points out of it */
  g_autofree char *tmp = g_dir_make_tmp("zjtx-extends-XXXXXX", NULL);
  ck_assert_ptr_nonnull(tmp);
  g_autofree char *base = ztest_data_path("base.xml");
  g_autofree char *abs_base = g_canonicalize_filename(base, NULL);
  g_autofree char *link_out = g_build_filename(tmp, "base.xml", NULL);
  ck_assert_int_eq(symlink(abs_base, link_out), 0);
  const char *ext = "<?xml version=\"1.0\"?>\n"
                    "<policy id=\"buf\" version=\"1\" extends=\"base.xml\">\n"
                    "  <title lang=\"en\">B</title><jurisdiction>J</jurisdiction><document>D</document>\n"
                    "  <period unit=\"year\" default=\"2024\"/>\n"
                    "</policy>\n";
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_buffer(ext, strlen(ext), "b.xml", tmp, &p, &err), ZJTX_ERR_POLICY);
  ztest_expect_error(
      err, "b.xml", 2,
      "extends=\"base.xml\" leads out of the base folder: a policy read from a buffer may only extend policies "
      "below it");
  /* a symlink that stays inside is fine */
  g_autofree char *copy = g_build_filename(tmp, "real.xml", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  ck_assert(g_file_get_contents(base, &text, &len, NULL));
  ck_assert(g_file_set_contents(copy, text, (gssize)len, NULL));
  ck_assert_int_eq(g_unlink(link_out), 0);
  ck_assert_int_eq(symlink("real.xml", link_out), 0);
  err = NULL;
  if (zjtx_policy_load_buffer(ext, strlen(ext), "b.xml", tmp, &p, &err) != ZJTX_OK)
    ck_abort_msg("%s", zjtx_error_format(err));
  ck_assert_str_eq(zjtx_policy_rule_origin(p, 0), "test-base");
  zjtx_policy_unref(p);
  g_unlink(link_out);
  g_unlink(copy);
  g_rmdir(tmp);
  g_free(dir);
}
END_TEST

/* A parameter q of type bool whose one value is `value`. */
static zjtx_error *bool_value_fail(const char *value) {
  g_autofree char *body = g_strdup_printf(PARAM("type=\"bool\"", "<value from=\"2025-01-01\">%s</value>"), value);
  return load_fail(body, ZJTX_ERR_POLICY);
}

START_TEST(hostile_long_literal) {
  /* a 60 KB value is not echoed whole: a quoted value is cut after 80
   * bytes and marked with an ellipsis */
  g_autofree char *digits = g_strnfill(60000, '1');
  zjtx_error *err = bool_value_fail(digits);
  g_autofree char *eighty = g_strnfill(80, '1');
  g_autofree char *want = g_strdup_printf("value \"%s\xE2\x80\xA6\" of parameter q is not true or false", eighty);
  ztest_expect_error(err, "p.xml", BODY_LINE, want);
  /* 80 bytes exactly are kept whole */
  err = bool_value_fail(eighty);
  g_autofree char *whole = g_strdup_printf("value \"%s\" of parameter q is not true or false", eighty);
  ztest_expect_error(err, "p.xml", BODY_LINE, whole);
  /* cut at a character boundary: 中 is 3 bytes, so 26 of them (78 bytes) fit */
  GString *body = g_string_new("<rule id=\"r\" subject=\"shop\" clause=\"c\"><condition>level == '");
  for (int i = 0; i < 20000; i++)
    g_string_append(body, "\xE4\xB8\xAD");
  g_string_append(body, "'</condition><amount>1</amount></rule>\n");
  err = load_fail(body->str, ZJTX_ERR_POLICY);
  GString *cut = g_string_new("'");
  for (int i = 0; i < 26; i++)
    g_string_append(cut, "\xE4\xB8\xAD");
  g_string_append(cut, "\xE2\x80\xA6' is not a value of shop.level (expected one of 'low', 'high')");
  ztest_expect_error(err, "p.xml", BODY_LINE, cut->str);
  g_string_free(body, TRUE);
  g_string_free(cut, TRUE);
}
END_TEST

/* ---- traps that used to load and pay wrong money -------------------------- */

#define HIDE " one would hide the other in expressions; rename one"

START_TEST(trap_field_named_like_parameter) {
  /* in a rule about shops `level` was the field, elsewhere the parameter:
   * refused at the later declaration, the parameter (line 11) */
  zjtx_error *err = load_fail("<parameter id=\"level\" type=\"number\" status=\"published\"><source>s</source>"
                              "<value from=\"2025-01-01\">1</value></parameter>\n",
                              ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE,
                     "parameter level has the name of field \"level\" of shop (declared at p.xml:9):" HIDE);
  /* the order of elements is free: a parameter written above the entity
   * makes the field the later one */
  const char *xml = "<?xml version=\"1.0\"?>\n"
                    "<policy id=\"p\" version=\"1\">\n"
                    "  <parameter id=\"share\" type=\"rate\" status=\"published\"><source>s</source>\n"
                    "    <value from=\"2025-01-01\">2</value></parameter>\n"
                    "  <entity name=\"shop\" plural=\"shops\" key=\"id\">\n"
                    "    <field name=\"id\" type=\"text\"/>\n"
                    "    <field name=\"share\" type=\"rate\"/>\n"
                    "  </entity>\n"
                    "  <title lang=\"en\">P</title><jurisdiction>J</jurisdiction><document>D</document>\n"
                    "</policy>\n";
  err = load_text_fail(xml, strlen(xml), ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", 7,
                     "field \"share\" of shop has the name of parameter share (declared at p.xml:3):" HIDE);
  /* a field the extending policy adds, named like a parameter of its base */
  g_autofree char *dir = ztest_data_path("");
  g_autofree char *base = g_build_filename(dir, "base.xml", NULL);
  const char *ext = "<?xml version=\"1.0\"?>\n"
                    "<policy id=\"ext\" version=\"1\" extends=\"base.xml\">\n"
                    "  <entity name=\"firm\" plural=\"firms\">\n"
                    "    <field name=\"base_rate\" type=\"rate\" required=\"false\"/>\n"
                    "  </entity>\n"
                    "</policy>\n";
  zjtx_policy *p = NULL;
  err = NULL;
  ck_assert_int_eq(zjtx_policy_load_buffer(ext, strlen(ext), "ext.xml", dir, &p, &err), ZJTX_ERR_POLICY);
  ck_assert_ptr_null(p);
  g_autofree char *want = g_strdup_printf(
      "field \"base_rate\" of firm has the name of parameter base_rate (declared at %s:13):" HIDE, base);
  ztest_expect_error(err, "ext.xml", 4, want);
}
END_TEST

START_TEST(trap_exclusive_group_subjects) {
  /* 就高不重复 compares one beneficiary's amounts: a shop's and a mall's
   * never met, and both were paid */
  zjtx_error *err =
      load_fail("<entity name=\"mall\" plural=\"malls\" key=\"id\"><field name=\"id\" type=\"text\"/></entity>\n"
                "<rule id=\"a\" subject=\"shop\" clause=\"1\" exclusive=\"g\"><amount>1</amount></rule>\n"
                "<rule id=\"b\" subject=\"mall\" clause=\"2\" exclusive=\"g\"><amount>2</amount></rule>\n",
                ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 2,
                     "exclusive group \"g\" has rules about different subjects: a is about shop, b about mall; "
                     "only the amounts of one beneficiary can be compared (就高不重复)");
  /* rules of one subject in one group, and other groups beside, load */
  zjtx_policy *p =
      load_ok("<entity name=\"mall\" plural=\"malls\" key=\"id\"><field name=\"id\" type=\"text\"/></entity>\n"
              "<rule id=\"a\" subject=\"shop\" clause=\"1\" exclusive=\"g\"><amount>1</amount></rule>\n"
              "<rule id=\"b\" subject=\"mall\" clause=\"2\" exclusive=\"h\"><amount>2</amount></rule>\n"
              "<rule id=\"c\" subject=\"shop\" clause=\"3\" exclusive=\"g\"><amount>3</amount></rule>\n");
  ck_assert_uint_eq(zjtx_policy_rule_count(p), 3);
  zjtx_policy_unref(p);
  /* a rule per shop and a rule per group of shops pay different
   * beneficiaries (a record id, a group key) */
  err = load_fail("<rule id=\"a\" subject=\"shop\" clause=\"1\" exclusive=\"g\"><amount>1</amount></rule>\n"
                  "<rule id=\"b\" subject=\"shop\" clause=\"2\" exclusive=\"g\" group-by=\"level\">"
                  "<amount>2</amount></rule>\n",
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE + 1,
                     "exclusive group \"g\" has rules about different beneficiaries: a pays each shop, b each group "
                     "of shops by level; only the amounts of one beneficiary can be compared (就高不重复)");
  /* two rules grouped alike compete */
  p = load_ok(
      "<rule id=\"a\" subject=\"shop\" clause=\"1\" exclusive=\"g\" group-by=\"level\"><amount>1</amount></rule>\n"
      "<rule id=\"b\" subject=\"shop\" clause=\"2\" exclusive=\"g\" group-by=\"level\"><amount>2</amount></rule>\n");
  zjtx_policy_unref(p);
}
END_TEST

/* An entity's label must be one of its text fields; a document's status
 * one of three words. */
START_TEST(policy_label_and_document_status) {
  zjtx_error *err = load_fail("<entity name=\"mall\" plural=\"malls\" key=\"id\" label=\"level\">"
                              "<field name=\"id\" type=\"text\"/>"
                              "<field name=\"level\" type=\"code\"><code value=\"a\"/></field></entity>\n",
                              ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "entity mall: label 'level' is not one of its text fields");
  err = load_fail("<entity name=\"mall\" plural=\"malls\" key=\"id\" label=\"name\">"
                  "<field name=\"id\" type=\"text\"/></entity>\n",
                  ZJTX_ERR_POLICY);
  ztest_expect_error(err, "p.xml", BODY_LINE, "entity mall: label 'name' is not one of its text fields");
  zjtx_policy *p = load_ok("<entity name=\"mall\" plural=\"malls\" key=\"id\" label=\"name\">"
                           "<field name=\"id\" type=\"text\"/><field name=\"name\" type=\"text\"/></entity>\n");
  ck_assert_ptr_null(zjtx_policy_document_status(p)); /* the header's <document> says none */
  zjtx_policy_unref(p);
  const char *bad = "<policy id=\"x\"><document status=\"final\">d</document></policy>";
  err = load_text_fail(bad, strlen(bad), ZJTX_ERR_SCHEMA);
  zjtx_error_free(err);
}
END_TEST

/* ---- the Huai'an policy --------------------------------------------------- */

START_TEST(huaian_loads) {
  char *path = ztest_rules_path("huaian-2025.xml");
  zjtx_policy *p = ztest_policy_file(path);
  ck_assert_str_eq(zjtx_policy_id(p), "huaian-2025-srdi");
  ck_assert_str_eq(zjtx_policy_default_period(p), "2025");
  ck_assert_str_eq(zjtx_policy_jurisdiction(p), "淮安市 (320800)");
  ck_assert_ptr_nonnull(strstr(zjtx_policy_document(p), "行动方案"));
  ck_assert_str_eq(zjtx_policy_document_status(p), "draft"); /* 征求意见稿 */
  ck_assert_str_eq(zjtx_policy_version(p), "2025.1");
  /* rd-base.xml declares rd_base_rate_applied; huaian-2025.xml overrides it */
  size_t declared = (size_t)-1, in_use = (size_t)-1;
  for (size_t i = 0; i < zjtx_policy_derived_count(p); i++)
    if (strcmp(zjtx_policy_derived_name(p, i), "rd_base_rate_applied") == 0)
      *(zjtx_policy_derived_overridden_by(p, i) ? &declared : &in_use) = i;
  ck_assert_uint_lt(declared, in_use);
  ck_assert_str_eq(zjtx_policy_derived_entity(p, declared), "enterprise");
  ck_assert_str_eq(zjtx_policy_derived_title(p, declared, "zh"), "适用的基础补贴比例");
  ck_assert_str_eq(zjtx_policy_derived_expr(p, declared), "rd_base_rate");
  ck_assert_str_eq(zjtx_policy_derived_origin(p, declared), "huaian-rd-base");
  ck_assert_str_eq(zjtx_policy_derived_overridden_by(p, declared), "huaian-2025-srdi");
  ck_assert_str_eq(zjtx_policy_derived_expr(p, in_use),
                   "inherited + (if srdi_on(period.end) then srdi_rd_rate_uplift else 0%)");
  ck_assert_str_eq(zjtx_policy_derived_origin(p, in_use), "huaian-2025-srdi");
  ck_assert_str_eq(zjtx_policy_derived_title(p, in_use, "zh"), "适用的基础补贴比例"); /* the override keeps it */
  ck_assert_ptr_null(zjtx_policy_derived_name(p, zjtx_policy_derived_count(p)));
  static const char *const labelled[] = {"county", "cluster", "enterprise"};
  for (size_t i = 0; i < zjtx_policy_entity_count(p); i++) {
    bool named = false;
    for (size_t j = 0; j < G_N_ELEMENTS(labelled); j++)
      named = named || strcmp(zjtx_policy_entity_name(p, i), labelled[j]) == 0;
    if (named)
      ck_assert_str_eq(zjtx_policy_entity_label(p, i), "name");
    else
      ck_assert_ptr_null(zjtx_policy_entity_label(p, i));
  }
  ck_assert_str_eq(zjtx_policy_title(p, "zh"), "2025年淮安市专精特新企业高质量发展行动方案");

  /* the 8 ids of the spec, base policy first, entitlements then checks */
  static const char *const ids[] = {"rd_base_subsidy",    "rd_incremental_subsidy", "first_honor_reward",
                                    "cluster_reward",     "excess_project_reward",  "equipment_loan_interest_subsidy",
                                    "srdi_loan_rate_cap", "srdi_guarantee_fee_cap"};
  ck_assert_uint_eq(zjtx_policy_rule_count(p), 8);
  for (size_t i = 0; i < 8; i++) {
    ck_assert_str_eq(zjtx_policy_rule_id(p, i), ids[i]);
    ck_assert_int_eq(zjtx_policy_rule_kind(p, i), i < 6 ? ZJTX_RULE_ENTITLEMENT : ZJTX_RULE_CHECK);
    const char *clause = zjtx_policy_rule_clause(p, i);
    ck_assert_ptr_nonnull(clause);
    ck_assert_str_eq(clause, i < 6 ? "三(六)" : "三(五)");
    ck_assert_str_eq(zjtx_policy_rule_origin(p, i), i < 2 ? "huaian-rd-base" : "huaian-2025-srdi");
    ck_assert_ptr_nonnull(zjtx_policy_rule_title(p, i, "zh"));
  }
  ck_assert_str_eq(zjtx_policy_rule_subject(p, 3), "county");
  ck_assert_str_eq(zjtx_policy_rule_subject(p, 6), "loan");
  ck_assert_str_eq(zjtx_policy_rule_subject(p, 7), "guarantee");

  /* every parameter has a source; exactly these 6 are assumed */
  static const char *const assumed[] = {"rd_min_expense", "rd_base_rate",       "rd_incremental_rate",
                                        "rd_base_cap",    "rd_incremental_cap", "first_honor_reward_amount"};
  size_t n_assumed = 0;
  for (size_t i = 0; i < zjtx_policy_param_count(p); i++) {
    const char *id = zjtx_policy_param_id(p, i), *src = zjtx_policy_param_source(p, i);
    ck_assert_msg(src && *src, "parameter %s has no source", id);
    ck_assert_uint_ge(zjtx_policy_param_value_count(p, i), 1);
    ck_assert_uint_eq(zjtx_policy_param_find(p, id), i);
    if (zjtx_policy_param_status(p, i) == ZJTX_PARAM_ASSUMED) {
      bool listed = false;
      for (size_t j = 0; j < G_N_ELEMENTS(assumed); j++)
        listed |= strcmp(assumed[j], id) == 0;
      ck_assert_msg(listed, "%s is assumed", id);
      n_assumed++;
    } else {
      ck_assert_int_eq(zjtx_policy_param_status(p, i), ZJTX_PARAM_PUBLISHED);
    }
  }
  ck_assert_uint_eq(n_assumed, 6);
  for (size_t j = 0; j < G_N_ELEMENTS(assumed); j++)
    ck_assert_int_eq(zjtx_policy_param_status(p, zjtx_policy_param_find(p, assumed[j])), ZJTX_PARAM_ASSUMED);

  /* a few values as written */
  size_t lpr = zjtx_policy_param_find(p, "lpr_1y");
  ck_assert_str_eq(zjtx_policy_param_type(p, lpr), "rate");
  ck_assert_uint_eq(zjtx_policy_param_value_count(p, lpr), 4);
  ck_assert_str_eq(zjtx_policy_param_value_from(p, lpr, 3), "2025-05-20");
  ck_assert_str_eq(zjtx_policy_param_value_text(p, lpr, 3), "3.00");
  ck_assert_ptr_null(zjtx_policy_param_value_key(p, lpr, 3));
  size_t honor = zjtx_policy_param_find(p, "first_honor_reward_amount");
  ck_assert_str_eq(zjtx_policy_param_type(p, honor), "money");
  ck_assert_uint_eq(zjtx_policy_param_value_count(p, honor), 3);

  /* entities: the base's enterprise gains the extension's fields */
  bool found = false;
  for (size_t i = 0; i < zjtx_policy_entity_count(p); i++) {
    if (strcmp(zjtx_policy_entity_name(p, i), "enterprise") != 0)
      continue;
    found = true;
    ck_assert_str_eq(zjtx_policy_entity_plural(p, i), "enterprises");
    ck_assert_ptr_null(zjtx_policy_entity_parent(p, i));
    ck_assert_uint_eq(zjtx_policy_entity_field_count(p, i), 8);
    ck_assert_str_eq(zjtx_policy_entity_field_name(p, i, 0), "id");
    ck_assert_str_eq(zjtx_policy_entity_field_name(p, i, 4), "county");
    ck_assert_str_eq(zjtx_policy_entity_field_type(p, i, 4), "ref");
  }
  ck_assert(found);

  char *dump = zjtx_policy_dump(p);
  ck_assert_ptr_nonnull(dump);
  ck_assert_uint_gt(strlen(dump), 100);
  ck_assert_ptr_nonnull(strstr(dump, "equipment_loan_interest_subsidy"));
  zjtx_free(dump);
  zjtx_policy_unref(p);
  g_free(path);
}
END_TEST

START_TEST(all_rule_files_load) {
  static const char *const files[] = {"rd-base.xml", "huaian-2025.xml"};
  for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
    char *path = ztest_rules_path(files[i]);
    zjtx_policy *p = ztest_policy_file(path);
    zjtx_policy *q = zjtx_policy_ref(p);
    ck_assert_ptr_eq(p, q);
    zjtx_policy_unref(q);
    zjtx_policy_unref(p);
    g_free(path);
  }
  zjtx_policy_unref(NULL);
}
END_TEST

/* An embedding application's own libxml2 error hook survives a load. */
static void app_hook(void *data, xmlErrorPtr e) {
  (void)e;
  (*(int *)data)++;
}

START_TEST(safety_keeps_the_application_error_hook) {
  int calls = 0;
  xmlSetStructuredErrorFunc(&calls, app_hook);
  zjtx_error *err = ztest_policy_text_fail("<policy id=\"p\"><oops></policy>",
                                           strlen("<policy id=\"p\"><oops></policy>"), "p.xml", ZJTX_ERR_XML);
  zjtx_error_free(err);
  ck_assert(xmlStructuredError == app_hook);
  ck_assert_ptr_eq(xmlStructuredErrorContext, &calls);
  ck_assert_int_eq(calls, 0); /* the library's errors went to the library */
  xmlSetStructuredErrorFunc(NULL, NULL);
}
END_TEST

static Suite *policy_suite(void) {
  Suite *s = suite_create("policy");
  TCase *tx = tcase_create("xml");
  tcase_add_test(tx, xml_not_well_formed);
  tcase_add_test(tx, xml_not_well_formed_file);
  suite_add_tcase(s, tx);
  TCase *ts = tcase_create("schema");
  tcase_add_test(ts, schema_unknown_element);
  tcase_add_test(ts, schema_missing_id);
  tcase_add_test(ts, schema_bad_field_type);
  tcase_add_test(ts, schema_bad_names_and_values);
  tcase_add_test(ts, schema_attribute_messages);
  suite_add_tcase(s, ts);
  TCase *tm = tcase_create("model");
  tcase_add_test(tm, policy_unknown_subject);
  tcase_add_test(tm, policy_duplicate_rule_id);
  tcase_add_test(tm, policy_label_and_document_status);
  tcase_add_test(tm, policy_parameter_values);
  tcase_add_test(tm, policy_bad_from_date);
  tcase_add_test(tm, policy_keyed_values);
  tcase_add_test(tm, policy_structure);
  tcase_add_test(tm, positions_past_line_65535);
  suite_add_tcase(s, tm);
  TCase *te = tcase_create("extends");
  tcase_add_test(te, extends_cycle);
  tcase_add_test(te, extends_missing_file);
  tcase_add_test(te, extends_through_buffer);
  tcase_add_test(te, extends_derived_index);
  suite_add_tcase(s, te);
  TCase *tsafe = tcase_create("safety");
  tcase_set_timeout(tsafe, 60);
  tcase_add_test(tsafe, safety_billion_laughs);
  tcase_add_test(tsafe, safety_keeps_the_application_error_hook);
  tcase_add_test(tsafe, safety_external_entity);
  tcase_add_test(tsafe, safety_external_dtd);
  tcase_add_test(tsafe, safety_deep_nesting);
  tcase_add_test(tsafe, safety_too_large);
  tcase_add_test(tsafe, safety_extends_special_file);
  tcase_add_test(tsafe, hostile_long_literal);
  tcase_add_test(tsafe, hostile_not_utf8);
  tcase_add_test(tsafe, hostile_one_line_messages);
  tcase_add_test(tsafe, hostile_decimal_size);
  tcase_add_test(tsafe, hostile_negative_parameter);
  tcase_add_test(tsafe, hostile_extends_outside);
  suite_add_tcase(s, tsafe);
  TCase *ttrap = tcase_create("traps");
  tcase_add_test(ttrap, trap_field_named_like_parameter);
  tcase_add_test(ttrap, trap_exclusive_group_subjects);
  suite_add_tcase(s, ttrap);
  TCase *th = tcase_create("huaian");
  tcase_add_test(th, huaian_loads);
  tcase_add_test(th, all_rule_files_load);
  suite_add_tcase(s, th);
  return s;
}

int main(void) {
  return ztest_run_suite(policy_suite());
}
