/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-serve-describe.c - what `zjtx serve` tells about its policies: the
 * list, one policy's rules, parameters and entities, and the JSON Schema
 * of the facts document it accepts, made from its entity declarations. */
#include <string.h>

#include "cli-serve.h"
#include "format.h"

/* ,"name": "value" (null when NULL); `first` leaves out the comma. */
static void member(GString *out, const char *name, const char *value, bool first) {
  g_string_append(out, first ? "\"" : ", \"");
  g_string_append(out, name);
  g_string_append(out, "\": ");
  if (value)
    zfmt_json_string(out, value);
  else
    g_string_append(out, "null");
}

static void titles(GString *out, const char *zh, const char *en) {
  g_string_append(out, ", \"title\": {");
  member(out, "zh", zh, true);
  member(out, "en", en, false);
  g_string_append_c(out, '}');
}

static void assumed_params(GString *out, const zjtx_policy *p) {
  g_string_append(out, ", \"assumed_parameters\": [");
  bool first = true;
  for (size_t i = 0; i < zjtx_policy_param_count(p); i++)
    if (zjtx_policy_param_status(p, i) == ZJTX_PARAM_ASSUMED) {
      g_string_append(out, first ? "" : ", ");
      zfmt_json_string(out, zjtx_policy_param_id(p, i));
      first = false;
    }
  g_string_append_c(out, ']');
}

/* The members every description of a policy starts with. */
static void policy_head(GString *out, const zjtx_policy *p, const char *file) {
  member(out, "id", zjtx_policy_id(p), true);
  member(out, "version", zjtx_policy_version(p), false);
  titles(out, zjtx_policy_title(p, "zh"), zjtx_policy_title(p, "en"));
  member(out, "jurisdiction", zjtx_policy_jurisdiction(p), false);
  member(out, "document", zjtx_policy_document(p), false);
  member(out, "document_status", zjtx_policy_document_status(p), false);
  member(out, "default_period", zjtx_policy_default_period(p), false);
  member(out, "file", file, false);
  assumed_params(out, p);
}

void serve_describe_list(GString *out, const serve_catalog *cat) {
  g_string_append(out, "{\"policies\": [");
  for (size_t i = 0; i < serve_catalog_count(cat); i++) {
    g_string_append(out, i ? ",\n  {" : "\n  {");
    policy_head(out, serve_catalog_policy(cat, i), serve_catalog_file(cat, i));
    g_string_append_c(out, '}');
  }
  g_string_append(out, "\n]}\n");
}

static void rules(GString *out, const zjtx_policy *p, zjtx_rule_kind kind) {
  bool first = true;
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++) {
    if (zjtx_policy_rule_kind(p, i) != kind)
      continue;
    g_string_append(out, first ? "\n    {" : ",\n    {");
    first = false;
    member(out, "id", zjtx_policy_rule_id(p, i), true);
    titles(out, zjtx_policy_rule_title(p, i, "zh"), zjtx_policy_rule_title(p, i, "en"));
    member(out, "clause", zjtx_policy_rule_clause(p, i), false);
    member(out, "subject", zjtx_policy_rule_subject(p, i), false);
    member(out, "origin", zjtx_policy_rule_origin(p, i), false);
    g_string_append_c(out, '}');
  }
}

static void param_values(GString *out, const zjtx_policy *p, size_t i) {
  g_string_append(out, ", \"values\": [");
  for (size_t j = 0; j < zjtx_policy_param_value_count(p, i); j++) {
    g_string_append(out, j ? ", {" : "{");
    member(out, "from", zjtx_policy_param_value_from(p, i, j), true);
    member(out, "key", zjtx_policy_param_value_key(p, i, j), false);
    member(out, "value", zjtx_policy_param_value_text(p, i, j), false);
    g_string_append_c(out, '}');
  }
  g_string_append_c(out, ']');
}

static void params(GString *out, const zjtx_policy *p) {
  for (size_t i = 0; i < zjtx_policy_param_count(p); i++) {
    g_string_append(out, i ? ",\n    {" : "\n    {");
    member(out, "id", zjtx_policy_param_id(p, i), true);
    titles(out, zjtx_policy_param_title(p, i, "zh"), zjtx_policy_param_title(p, i, "en"));
    member(out, "type", zjtx_policy_param_type(p, i), false);
    member(out, "unit", zjtx_policy_param_unit(p, i), false);
    member(out, "source", zjtx_policy_param_source(p, i), false);
    member(out, "status", zjtx_policy_param_status(p, i) == ZJTX_PARAM_ASSUMED ? "assumed" : "published", false);
    param_values(out, p, i);
    g_string_append_c(out, '}');
  }
}

static void field_codes(GString *out, const zjtx_policy *p, size_t e, size_t f) {
  for (size_t k = 0; k < zjtx_policy_entity_field_code_count(p, e, f); k++) {
    g_string_append(out, k ? ", " : "");
    zfmt_json_string(out, zjtx_policy_entity_field_code(p, e, f, k));
  }
}

static void fields(GString *out, const zjtx_policy *p, size_t e) {
  for (size_t f = 0; f < zjtx_policy_entity_field_count(p, e); f++) {
    g_string_append(out, f ? ", {" : "{");
    member(out, "name", zjtx_policy_entity_field_name(p, e, f), true);
    member(out, "type", zjtx_policy_entity_field_type(p, e, f), false);
    g_string_append_printf(out, ", \"required\": %s", zjtx_policy_entity_field_required(p, e, f) ? "true" : "false");
    if (zjtx_policy_entity_field_ref(p, e, f))
      member(out, "ref", zjtx_policy_entity_field_ref(p, e, f), false);
    if (zjtx_policy_entity_field_code_count(p, e, f)) {
      g_string_append(out, ", \"codes\": [");
      field_codes(out, p, e, f);
      g_string_append_c(out, ']');
    }
    g_string_append_c(out, '}');
  }
}

static void entities(GString *out, const zjtx_policy *p) {
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++) {
    g_string_append(out, e ? ",\n    {" : "\n    {");
    member(out, "name", zjtx_policy_entity_name(p, e), true);
    member(out, "plural", zjtx_policy_entity_plural(p, e), false);
    member(out, "parent", zjtx_policy_entity_parent(p, e), false);
    member(out, "key", zjtx_policy_entity_key(p, e), false);
    member(out, "parent_key", zjtx_policy_entity_parent_key(p, e), false);
    member(out, "label", zjtx_policy_entity_label(p, e), false);
    g_string_append(out, ", \"fields\": [");
    fields(out, p, e);
    g_string_append(out, "]}");
  }
}

void serve_describe_policy(GString *out, const zjtx_policy *p, const char *file) {
  g_string_append_c(out, '{');
  policy_head(out, p, file);
  g_string_append(out, ",\n  \"rules\": [");
  rules(out, p, ZJTX_RULE_ENTITLEMENT);
  g_string_append(out, "],\n  \"checks\": [");
  rules(out, p, ZJTX_RULE_CHECK);
  g_string_append(out, "],\n  \"parameters\": [");
  params(out, p);
  g_string_append(out, "],\n  \"entities\": [");
  entities(out, p);
  g_string_append(out, "]}\n");
}

/* ---- the facts schema ---------------------------------------------------- */

/* The JSON Schema of one value of a field type, as the facts reader takes
 * it (../shared/spec/facts.md): money and rates are decimal strings (money
 * may also be an integer), never binary floats. */
static const char *type_schema(const char *type) {
  static const struct {
    const char *type, *schema;
  } types[] = {
      {"money", "\"anyOf\": [{\"type\": \"string\", \"pattern\": \"^-?[0-9]+(\\\\.[0-9]{1,2})?$\"}, "
                "{\"type\": \"integer\"}]"},
      {"rate", "\"anyOf\": [{\"type\": \"string\", \"pattern\": \"^-?[0-9]+(\\\\.[0-9]{1,6})?$\"}, "
               "{\"type\": \"integer\"}]"},
      {"number", "\"anyOf\": [{\"type\": \"string\", \"pattern\": \"^-?[0-9]+(\\\\.[0-9]+)?$\"}, "
                 "{\"type\": \"integer\"}]"},
      {"count", "\"type\": \"integer\", \"minimum\": 0"},
      {"date", "\"type\": \"string\", \"format\": \"date\", \"pattern\": \"^[0-9]{4}-[0-9]{2}-[0-9]{2}$\""},
      {"bool", "\"type\": \"boolean\""},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
    if (strcmp(types[i].type, type) == 0)
      return types[i].schema;
  return "\"type\": \"string\""; /* text, ref */
}

static void field_schema(GString *out, const zjtx_policy *p, size_t e, size_t f) {
  const char *type = zjtx_policy_entity_field_type(p, e, f);
  bool optional = !zjtx_policy_entity_field_required(p, e, f);
  zfmt_json_string(out, zjtx_policy_entity_field_name(p, e, f));
  g_string_append(out, ": {");
  if (optional)
    g_string_append(out, "\"anyOf\": [{\"type\": \"null\"}, {");
  if (strcmp(type, "code") == 0) {
    g_string_append(out, "\"type\": \"string\", \"enum\": [");
    field_codes(out, p, e, f);
    g_string_append_c(out, ']');
  } else {
    g_string_append(out, type_schema(type));
  }
  if (optional)
    g_string_append(out, "}]");
  g_string_append(out, ", \"x-zjtx-type\": ");
  zfmt_json_string(out, type);
  g_string_append_c(out, '}');
}

static size_t entity_index(const zjtx_policy *p, const char *name) {
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++)
    if (strcmp(zjtx_policy_entity_name(p, e), name) == 0)
      return e;
  return (size_t)-1;
}

/* The fields of entity e in its JSON records: a child nests under its
 * parent and leaves out the parent key; its own children are arrays. */
static void record_schema(GString *out, const zjtx_policy *p, size_t e) {
  const char *parent_key = zjtx_policy_entity_parent_key(p, e);
  g_string_append(out, "{\"type\": \"object\", \"properties\": {");
  bool first = true;
  g_autoptr(GString) required = g_string_new(NULL);
  for (size_t f = 0; f < zjtx_policy_entity_field_count(p, e); f++) {
    const char *name = zjtx_policy_entity_field_name(p, e, f);
    if (parent_key && strcmp(name, parent_key) == 0)
      continue;
    g_string_append(out, first ? "" : ", ");
    first = false;
    field_schema(out, p, e, f);
    if (zjtx_policy_entity_field_required(p, e, f)) {
      g_string_append(required, required->len ? ", " : "");
      zfmt_json_string(required, name);
    }
  }
  for (size_t c = 0; c < zjtx_policy_entity_count(p); c++) {
    const char *parent = zjtx_policy_entity_parent(p, c);
    if (!parent || entity_index(p, parent) != e)
      continue;
    g_string_append(out, first ? "" : ", ");
    first = false;
    zfmt_json_string(out, zjtx_policy_entity_plural(p, c));
    g_string_append(out, ": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/");
    g_string_append(out, zjtx_policy_entity_name(p, c));
    g_string_append(out, "\"}}");
  }
  g_string_append_printf(out, "}, \"required\": [%s]}", required->str);
}

void serve_describe_facts_schema(GString *out, const zjtx_policy *p) {
  g_string_append(out, "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n \"title\": ");
  g_autofree char *title = g_strdup_printf("Facts for %s", zjtx_policy_id(p));
  zfmt_json_string(out, title);
  g_string_append(out, ",\n \"type\": \"object\",\n \"properties\": {\"period\": {\"type\": \"string\", "
                       "\"pattern\": \"^[0-9]{4}$\"}");
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++) {
    if (zjtx_policy_entity_parent(p, e))
      continue;
    g_string_append(out, ",\n   ");
    zfmt_json_string(out, zjtx_policy_entity_plural(p, e));
    g_string_append(out, ": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/");
    g_string_append(out, zjtx_policy_entity_name(p, e));
    g_string_append(out, "\"}}");
  }
  g_string_append(out, "},\n \"$defs\": {");
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++) {
    g_string_append(out, e ? ",\n   " : "\n   ");
    zfmt_json_string(out, zjtx_policy_entity_name(p, e));
    g_string_append(out, ": ");
    record_schema(out, p, e);
  }
  g_string_append(out, "}}\n");
}
