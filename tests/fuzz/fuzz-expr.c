/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/fuzz/fuzz-expr.c - fuzzes the expression compiler (and the VM): the
 * input is the text of a derived value's <expr>, XML-escaped into a fixed
 * small policy (below) and loaded with zjtx_policy_load_buffer().  An input
 * may start with "TYPE:" (money, rate, number, bool, date, text, code) to
 * declare the derived value's type; money by default.  A policy that loads
 * is dumped and evaluated on two fixed firms, and the value of x read back.
 */
#include "fuzz-common.h"

/* Every field type, a child entity for aggregates, a dated, a keyed and a
 * percent parameter: what an expression can name.  %s: type, expression,
 * the rule's body. */
static const char policy_template[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<policy id=\"fuzz-expr\" version=\"1\">\n"
    "  <title lang=\"en\">Expression fuzzing</title>\n"
    "  <jurisdiction>Nowhere</jurisdiction>\n"
    "  <document>None</document>\n"
    "  <period unit=\"year\" default=\"2025\"/>\n"
    "  <entity name=\"firm\" plural=\"firms\" key=\"id\">\n"
    "    <field name=\"id\" type=\"text\"/>\n"
    "    <field name=\"spend\" type=\"money\"/>\n"
    "    <field name=\"share\" type=\"rate\"/>\n"
    "    <field name=\"staff\" type=\"count\"/>\n"
    "    <field name=\"founded_on\" type=\"date\"/>\n"
    "    <field name=\"listed\" type=\"bool\"/>\n"
    "    <field name=\"level\" type=\"code\" ordered=\"true\">"
    "<code value=\"low\"/><code value=\"mid\"/><code value=\"high\"/></field>\n"
    "    <field name=\"name\" type=\"text\"/>\n"
    "  </entity>\n"
    "  <entity name=\"item\" plural=\"items\" parent=\"firm\" parent-key=\"firm\" key=\"id\">\n"
    "    <field name=\"id\" type=\"text\"/>\n"
    "    <field name=\"cost\" type=\"money\"/>\n"
    "    <field name=\"bought_on\" type=\"date\"/>\n"
    "    <field name=\"kind\" type=\"code\" ordered=\"true\"><code value=\"tool\"/><code value=\"car\"/></field>\n"
    "  </entity>\n"
    "  <parameter id=\"rate\" type=\"rate\" unit=\"percent\" status=\"published\"><source>s</source>"
    "<value from=\"2025-01-01\">10</value></parameter>\n"
    "  <parameter id=\"cap\" type=\"money\" status=\"published\"><source>s</source>"
    "<value from=\"2024-01-01\">1000</value><value from=\"2025-07-01\">2000</value></parameter>\n"
    "  <parameter id=\"bonus\" type=\"money\" key=\"firm.level\" default=\"0\" status=\"assumed\"><source>s</source>"
    "<value from=\"2025-01-01\" key=\"high\">500</value></parameter>\n"
    "  <derived name=\"item_total\" entity=\"firm\" type=\"money\"><expr>sum(i in items : i.cost)</expr></derived>\n"
    "  <derived name=\"x\" entity=\"firm\" type=\"%s\"><expr>%s</expr></derived>\n"
    "  <rule id=\"grant\" subject=\"firm\" clause=\"1\">%s</rule>\n"
    "</policy>\n";

static const char facts_json[] =
    "{\"period\": \"2025\", \"firms\": ["
    "{\"id\": \"a\", \"spend\": \"1000.00\", \"share\": \"5\", \"staff\": 3, \"founded_on\": \"2020-02-29\","
    " \"listed\": true, \"level\": \"high\", \"name\": \"A\", \"items\": ["
    "{\"id\": \"i1\", \"cost\": \"10.50\", \"bought_on\": \"2025-03-01\", \"kind\": \"tool\"},"
    "{\"id\": \"i2\", \"cost\": \"99999999.99\", \"bought_on\": \"2024-12-31\", \"kind\": \"car\"}]},"
    "{\"id\": \"b\", \"spend\": \"0.01\", \"share\": \"100\", \"staff\": 0, \"founded_on\": \"2025-12-31\","
    " \"listed\": false, \"level\": \"low\", \"name\": \"\"}]}";

/* The rule that uses x, by type: as the amount, as the condition, or not at
 * all (x is then read through zjtx_result_derived_value). */
static const struct {
  const char *type, *rule;
} types[] = {
    {"money", "<amount>x</amount><cap>cap</cap>"},
    {"bool", "<condition>x</condition><amount>spend</amount>"},
    {"rate", "<amount>spend * x</amount>"},
    {"number", "<amount>spend</amount>"},
    {"date", "<amount>spend</amount>"},
    {"text", "<amount>spend</amount>"},
    {"code", "<amount>spend</amount>"},
};

/* The type the input asks for (stripping "TYPE:"), money by default. */
static size_t pick_type(const uint8_t **data, size_t *size) {
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    size_t n = strlen(types[t].type);
    if (*size > n && memcmp(*data, types[t].type, n) == 0 && (*data)[n] == ':') {
      *data += n + 1;
      *size -= n + 1;
      return t;
    }
  }
  return 0;
}

/* @data as XML character data: <, & and > escaped.  Owned; free(). */
static char *xml_escape(const uint8_t *data, size_t size) {
  char *out = malloc(size * 5 + 1), *p = out;
  if (!out)
    abort();
  for (size_t i = 0; i < size; i++) {
    const char *rep = data[i] == '<' ? "&lt;" : data[i] == '&' ? "&amp;" : data[i] == '>' ? "&gt;" : NULL;
    if (rep) {
      memcpy(p, rep, strlen(rep));
      p += strlen(rep);
    } else {
      *p++ = (char)data[i];
    }
  }
  *p = '\0';
  return out;
}

static void evaluate(zjtx_policy *policy) {
  zjtx_facts *facts = NULL;
  zjtx_error *err = NULL;
  if (zjtx_facts_load_json_buffer(policy, facts_json, sizeof facts_json - 1, "facts.json", &facts, &err) != ZJTX_OK) {
    fprintf(stderr, "fuzz: the fixed facts do not load: %s\n", zjtx_error_message(err));
    abort();
  }
  zfuzz_evaluate(policy, facts);
  zjtx_result *result = NULL;
  if (zjtx_evaluate(policy, facts, NULL, &result, &err) == ZJTX_OK) {
    static const char *const ids[] = {"a", "b"};
    for (size_t i = 0; i < 2; i++) {
      char *value = NULL;
      zjtx_error *value_err = NULL;
      if (zjtx_result_derived_value(result, "firm", ids[i], "x", &value, &value_err) == ZJTX_OK)
        zjtx_free(value);
      else
        zfuzz_consume_errors(value_err);
    }
    zjtx_result_free(result);
  } else {
    zfuzz_consume_errors(err);
  }
  zjtx_facts_free(facts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (memchr(data, '\0', size))
    return 0; /* XML cannot carry a NUL: the policy would only be cut short */
  size_t t = pick_type(&data, &size);
  char *expr = xml_escape(data, size);
  size_t len = sizeof policy_template + strlen(types[t].type) + strlen(expr) + strlen(types[t].rule);
  char *xml = malloc(len);
  if (!xml)
    abort();
  int n = snprintf(xml, len, policy_template, types[t].type, expr, types[t].rule);
  free(expr);
  zjtx_policy *policy = NULL;
  zjtx_error *err = NULL;
  if (zjtx_policy_load_buffer(xml, (size_t)n, "fuzz-expr.xml", NULL, &policy, &err) == ZJTX_OK) {
    zjtx_free(zjtx_policy_dump(policy));
    evaluate(policy);
    zjtx_policy_unref(policy);
  } else {
    zfuzz_consume_errors(err);
  }
  free(xml);
  return 0;
}
