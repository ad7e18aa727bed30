/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* result-json.c - a whole result as one JSON text, the one writer of `zjtx evaluate --format json/jsonl` and of
 * zjtx_result_to_json(): a binding reads a result in one call instead of five per entitlement. */
#include <inttypes.h>

#include "eval-internal.h"
#include "format.h"

/* `, "explanation": {...}` on one line (the tree's JSON holds newlines only
 * as whitespace, never inside strings, so they can go). */
static zjtx_status explain_json(GString *s, const zjtx_result *res, size_t i, bool violation, zjtx_error **err) {
  zjtx_explanation *ex = NULL;
  zjtx_status st =
      violation ? zjtx_result_explain_violation(res, i, &ex, err) : zjtx_result_explain_entitlement(res, i, &ex, err);
  if (st != ZJTX_OK)
    return st;
  char *json = zjtx_explanation_to_json(ex);
  g_string_append(s, ", \"explanation\": ");
  for (const char *c = json; *c; c++)
    if (*c != '\n' && *c != '\r')
      g_string_append_c(s, *c);
  zjtx_free(json);
  zjtx_explanation_free(ex);
  return ZJTX_OK;
}

/* `sep_key` (a separator and a quoted key, as in ", \"id\": ") and the JSON string `value`. */
static void json_member(GString *s, const char *sep_key, const char *value) {
  g_string_append(s, sep_key);
  zfmt_json_string(s, value);
}

/* The keys of the i-th entitlement: "rule", "beneficiary", "id", "amount", "fen". */
static void entitlement_keys(GString *s, const zjtx_result *res, size_t i) {
  json_member(s, "\"rule\": ", zjtx_result_entitlement_rule(res, i));
  json_member(s, ", \"beneficiary\": ", zjtx_result_entitlement_entity(res, i));
  json_member(s, ", \"id\": ", zjtx_result_entitlement_id(res, i));
  json_member(s, ", \"amount\": ", zjtx_result_entitlement_amount(res, i));
  g_string_append_printf(s, ", \"fen\": %" PRId64, zjtx_result_entitlement_fen(res, i));
}

/* The keys of the i-th violation: "check", "entity", "id". */
static void violation_keys(GString *s, const zjtx_result *res, size_t i) {
  json_member(s, "\"check\": ", zjtx_result_violation_check(res, i));
  json_member(s, ", \"entity\": ", zjtx_result_violation_entity(res, i));
  json_member(s, ", \"id\": ", zjtx_result_violation_id(res, i));
}

/* The keys of the i-th undecided item: "rule" (or "check"), "beneficiary"
 * (or "entity"), "id", and "missing": [{"entity", "id", "field"}, ...]. */
static void undecided_keys(GString *s, const zjtx_result *res, size_t i) {
  bool check = zjtx_result_undecided_kind(res, i) == ZJTX_RULE_CHECK;
  json_member(s, check ? "\"check\": " : "\"rule\": ", zjtx_result_undecided_rule(res, i));
  json_member(s, check ? ", \"entity\": " : ", \"beneficiary\": ", zjtx_result_undecided_entity(res, i));
  json_member(s, ", \"id\": ", zjtx_result_undecided_id(res, i));
  g_string_append(s, ", \"missing\": [");
  for (size_t j = 0; j < zjtx_result_undecided_missing_count(res, i); j++) {
    json_member(s, j ? ", {\"entity\": " : "{\"entity\": ", zjtx_result_undecided_missing_entity(res, i, j));
    json_member(s, ", \"id\": ", zjtx_result_undecided_missing_id(res, i, j));
    json_member(s, ", \"field\": ", zjtx_result_undecided_missing_field(res, i, j));
    g_string_append_c(s, '}');
  }
  g_string_append_c(s, ']');
  if (zjtx_result_undecided_missing_more(res, i))
    g_string_append(s, ", \"missing_more\": true");
}

/* One entitlement or violation as a JSON object, after `prefix` (which opens it). */
static zjtx_status item_object(GString *s, const char *prefix, const zjtx_result *res, size_t i, bool violation,
                               bool explain, zjtx_error **err) {
  g_string_append(s, prefix);
  if (violation)
    violation_keys(s, res, i);
  else
    entitlement_keys(s, res, i);
  zjtx_status st = explain ? explain_json(s, res, i, violation, err) : ZJTX_OK;
  g_string_append_c(s, '}');
  return st;
}

static void undecided_object(GString *s, const char *prefix, const zjtx_result *res, size_t i) {
  g_string_append(s, prefix);
  undecided_keys(s, res, i);
  g_string_append_c(s, '}');
}

/* {"policy", "period", "entitlements": [...], "violations": [...], "undecided": [...]}, one item a line. */
static zjtx_status whole_object(GString *s, const zjtx_result *res, bool explain, zjtx_error **err) {
  zjtx_status st = ZJTX_OK;
  g_string_append(s, "{\"policy\": ");
  zfmt_json_string(s, zjtx_policy_id(res->policy));
  g_string_append(s, ", \"period\": ");
  zfmt_json_string(s, zjtx_result_period(res));
  g_string_append(s, ",\n \"entitlements\": [");
  for (size_t i = 0; i < zjtx_result_entitlement_count(res) && st == ZJTX_OK; i++)
    st = item_object(s, i ? ",\n  {" : "\n  {", res, i, false, explain, err);
  g_string_append(s, "],\n \"violations\": [");
  for (size_t i = 0; i < zjtx_result_violation_count(res) && st == ZJTX_OK; i++)
    st = item_object(s, i ? ",\n  {" : "\n  {", res, i, true, explain, err);
  g_string_append(s, "],\n \"undecided\": [");
  for (size_t i = 0; i < zjtx_result_undecided_count(res); i++)
    undecided_object(s, i ? ",\n  {" : "\n  {", res, i);
  g_string_append(s, "]}\n");
  return st;
}

/* One object a line, each with its "type": entitlements, violations, undecided. */
static zjtx_status json_lines(GString *s, const zjtx_result *res, bool explain, zjtx_error **err) {
  zjtx_status st = ZJTX_OK;
  for (size_t i = 0; i < zjtx_result_entitlement_count(res) && st == ZJTX_OK; i++) {
    st = item_object(s, "{\"type\": \"entitlement\", ", res, i, false, explain, err);
    g_string_append_c(s, '\n');
  }
  for (size_t i = 0; i < zjtx_result_violation_count(res) && st == ZJTX_OK; i++) {
    st = item_object(s, "{\"type\": \"violation\", ", res, i, true, explain, err);
    g_string_append_c(s, '\n');
  }
  for (size_t i = 0; i < zjtx_result_undecided_count(res) && st == ZJTX_OK; i++) {
    undecided_object(s, "{\"type\": \"undecided\", ", res, i);
    g_string_append_c(s, '\n');
  }
  return st;
}

zjtx_status zjtx_result_to_json(const zjtx_result *result, int flags, char **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!result || !out || (flags & ~(ZJTX_JSON_EXPLAIN | ZJTX_JSON_LINES)))
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "zjtx_result_to_json: result and out must not be NULL, flags only ZJTX_JSON_*");
  g_autoptr(GString) s = g_string_new(NULL);
  bool explain = (flags & ZJTX_JSON_EXPLAIN) != 0;
  zjtx_status st =
      flags & ZJTX_JSON_LINES ? json_lines(s, result, explain, err) : whole_object(s, result, explain, err);
  if (st == ZJTX_OK)
    *out = g_string_free(g_steal_pointer(&s), FALSE);
  return st;
}
