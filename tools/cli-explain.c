/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-explain.c - zjtx explain: why and why not, for one record: every rule
 * about it (or one), entitled or not, with the facts, parameters and gaps. */
#include <string.h>

#include "cli.h"
#include "format.h"

static const cli_command explain_command = {
    .name = "explain",
    .summary = "Explains every rule (or one) for one record: entitled, with the facts read, the\n"
               "parameters and the arithmetic; or not entitled, with each condition that decided it,\n"
               "both of its sides and the gap (yuan, percentage points, days), and for an aggregate\n"
               "each record it considered and the part of its condition that record failed.",
    .description = "Formats:\n"
                   "  text  sentences a person reads, then the facts and parameters used (the default)\n"
                   "  json  {\"entity\", \"id\", \"rules\": [{\"rule\", \"outcome\", \"amount\",\n"
                   "        \"failed\": [{\"condition\", \"left\", \"right\", \"gap\", ...}], \"facts\",\n"
                   "        \"params\", \"text\", \"explanation\"}]}\n"
                   "Outcomes: entitled, not_entitled (a check: violated, complied).\n"
                   "--lang zh is the default for a policy titled in Chinese; --lang en for English.\n"
                   "\n"
                   "Examples:\n"
                   "  zjtx explain --policy rules/huaian-2025.xml --facts examples/huaian-2025/facts.json \\\n"
                   "      --entity enterprise --id 91320812MA0GWJDM0C --rule rd_base_subsidy\n"
                   "  zjtx explain --policy policy.xml --facts data/ --entity enterprise --id ID --format json\n"
                   "\n"
                   "Exit status: 0 success, 1 invalid input (policy, facts, options, an unknown\n"
                   "record or rule), 2 usage error.\n",
};

typedef struct {
  char *policy, *facts, *entity, *id, *rule, *format, *lang, *period;
  char **set;
  GPtrArray *sets;
} options;

static void options_clear(options *o) {
  char **strings[] = {&o->policy, &o->facts, &o->entity, &o->id, &o->rule, &o->format, &o->lang, &o->period};
  for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
    g_clear_pointer(strings[i], g_free);
  g_clear_pointer(&o->set, g_strfreev);
  g_clear_pointer(&o->sets, g_ptr_array_unref);
}

static int required(const options *o) {
  const char *missing = !o->policy   ? "--policy FILE"
                        : !o->facts  ? "--facts FILE.json|DIR"
                        : !o->entity ? "--entity ENTITY"
                        : !o->id     ? "--id ID"
                                     : NULL;
  if (missing)
    return cli_usage_error("explain", "%s is required", missing);
  if (o->format && strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0)
    return cli_usage_error("explain", "--format is text or json, not '%s'", o->format);
  if (o->lang && strcmp(o->lang, "zh") != 0 && strcmp(o->lang, "en") != 0)
    return cli_usage_error("explain", "--lang is zh or en, not '%s'", o->lang);
  return 0;
}

static int parse_options(int argc, char **argv, options *o) {
  const GOptionEntry entries[] = {
      {"policy", 0, 0, G_OPTION_ARG_FILENAME, &o->policy, "The policy (required)", "FILE"},
      {"facts", 0, 0, G_OPTION_ARG_FILENAME, &o->facts, "The facts: JSON, or a CSV directory (required)",
       "FILE.json|DIR"},
      {"entity", 0, 0, G_OPTION_ARG_FILENAME, &o->entity, "The record's entity, e.g. enterprise (required)", "ENTITY"},
      {"id", 0, 0, G_OPTION_ARG_FILENAME, &o->id, "The record's id (required)", "ID"},
      {"rule", 0, 0, G_OPTION_ARG_FILENAME, &o->rule, "Only this rule or check", "RULE"},
      {"format", 0, 0, G_OPTION_ARG_FILENAME, &o->format, "text (default) or json", "text|json"},
      {"lang", 0, 0, G_OPTION_ARG_FILENAME, &o->lang, "zh or en (default: the policy's language)", "zh|en"},
      {"period", 0, 0, G_OPTION_ARG_FILENAME, &o->period,
       "The period evaluated (2025, 2025H1, 2025Q3, 2025-07, FY2025: as the policy declares)", "PERIOD"},
      {"set", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->set, "Replace a parameter (PARAM[KEY]=VALUE: one key); repeatable",
       "PARAM=VALUE"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  int rc = cli_parse_options(&explain_command, entries, &argc, &argv);
  if (rc == 0)
    rc = cli_no_arguments(&explain_command, argc, argv);
  o->sets = cli_strv_array(o->set);
  return rc == 0 ? required(o) : rc;
}

/* A policy titled in Chinese is explained in Chinese. */
static const char *default_lang(const zjtx_policy *p) {
  for (const unsigned char *t = (const unsigned char *)zjtx_policy_title(p, "zh"); t && *t; t++)
    if (*t >= 0x80)
      return "zh";
  return "en";
}

static bool below(const zjtx_explanation *ex, size_t node, size_t ancestor) {
  for (size_t n = zjtx_explanation_node_parent(ex, node); n != (size_t)-1; n = zjtx_explanation_node_parent(ex, n))
    if (n == ancestor)
      return true;
  return false;
}

static void print_fact(const zjtx_explanation *ex, size_t i, bool zh) {
  const char *value = zjtx_explanation_node_value(ex, i);
  char *shown = NULL;
  if (g_strcmp0(zjtx_explanation_node_attr(ex, i, "type"), "money") == 0)
    shown = zfmt_grouped(value); /* thousands separators, as in the sentences ("missing" as it is) */
  g_autofree char *line =
      g_strdup_printf("    %s %s = %s  (%s %s)", zjtx_explanation_node_attr(ex, i, zh ? "title" : "title_en"),
                      zjtx_explanation_node_attr(ex, i, "field"), shown ? shown : value,
                      zjtx_explanation_node_attr(ex, i, "entity"), zjtx_explanation_node_attr(ex, i, "id"));
  g_free(shown);
  g_autofree char *printable = cli_printable(line);
  printf("%s\n", printable);
}

static void print_param(const zjtx_explanation *ex, size_t i, bool zh) {
  const char *from = zjtx_explanation_node_attr(ex, i, "from"), *source = zjtx_explanation_node_attr(ex, i, "source");
  bool money = g_strcmp0(zjtx_explanation_node_attr(ex, i, "type"), "money") == 0;
  g_autofree char *value =
      money ? zfmt_grouped(zjtx_explanation_node_value(ex, i)) : g_strdup(zjtx_explanation_node_value(ex, i));
  g_autofree char *line = g_strdup_printf(
      "    %s %s%s%s%s = %s  (%s%s%s%s%s)", zjtx_explanation_node_attr(ex, i, zh ? "title" : "title_en"),
      zjtx_explanation_node_attr(ex, i, "id"), zjtx_explanation_node_attr(ex, i, "key") ? "[" : "",
      zjtx_explanation_node_attr(ex, i, "key") ? zjtx_explanation_node_attr(ex, i, "key") : "",
      zjtx_explanation_node_attr(ex, i, "key") ? "]" : "", value, zjtx_explanation_node_attr(ex, i, "status"),
      from ? (zh ? "，自 " : ", in force from ") : "", from ? from : "", source ? "; " : "", source ? source : "");
  g_autofree char *printable = cli_printable(line);
  printf("%s\n", printable);
}

/* A table look-up: "引才奖励标准 tier(recruitment_tiers, 4) = 60,000.00  (引进4人以上档：60,000.00; bands from
 * 2026-01-01)". */
static void print_table(const zjtx_explanation *ex, size_t i, bool zh) {
  bool money = g_strcmp0(zjtx_explanation_node_attr(ex, i, "type"), "money") == 0;
  g_autofree char *value =
      money ? zfmt_grouped(zjtx_explanation_node_value(ex, i)) : g_strdup(zjtx_explanation_node_value(ex, i));
  g_autofree char *line =
      g_strdup_printf("    %s %s = %s  (%s; %s %s)", zjtx_explanation_node_attr(ex, i, zh ? "title" : "title_en"),
                      zjtx_explanation_node_label(ex, i), value, zjtx_explanation_node_reference(ex, i),
                      zh ? "档位自" : "bands from", zjtx_explanation_node_attr(ex, i, "bands_from"));
  g_autofree char *printable = cli_printable(line);
  printf("%s\n", printable);
}

/* A budget that scaled the claim: its note, the claim and what is paid. */
static void print_budget(const zjtx_explanation *ex, size_t i, bool zh) {
  const char *group = zjtx_explanation_node_attr(ex, i, "group");
  g_autofree char *claim = zfmt_grouped(zjtx_explanation_node_attr(ex, i, "claim"));
  g_autofree char *paid = zfmt_grouped(zjtx_explanation_node_value(ex, i));
  g_autofree char *line = g_strdup_printf(
      zh ? "    %s %s%s%s%s: %s；申报 %s 元，核定 %s 元" : "    %s %s%s%s%s: %s; claimed %s, paid %s",
      zjtx_explanation_node_attr(ex, i, zh ? "title" : "title_en"), zjtx_explanation_node_attr(ex, i, "budget"),
      group ? " [" : "", group ? group : "", group ? "]" : "", zjtx_explanation_node_reference(ex, i), claim, paid);
  g_autofree char *printable = cli_printable(line);
  printf("%s\n", printable);
}

/* The facts, parameters, tables and budgets below one rule, each once. */
static void print_used(const zjtx_explanation *ex, size_t rule, zjtx_node_kind kind, const char *heading, bool zh) {
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  bool any = false;
  for (size_t i = rule + 1; i < zjtx_explanation_node_count(ex); i++) {
    if (zjtx_explanation_node_kind(ex, i) != kind || !below(ex, i, rule))
      continue;
    char *key = g_strdup_printf("%s=%s", zjtx_explanation_node_label(ex, i), zjtx_explanation_node_value(ex, i));
    if (!g_hash_table_add(seen, key))
      continue;
    if (!any)
      printf("  %s\n", heading);
    any = true;
    if (kind == ZJTX_NODE_FACT)
      print_fact(ex, i, zh);
    else if (kind == ZJTX_NODE_PARAM)
      print_param(ex, i, zh);
    else if (kind == ZJTX_NODE_TABLE)
      print_table(ex, i, zh);
    else
      print_budget(ex, i, zh);
  }
}

static void print_text(const zjtx_explanation *ex, bool zh) {
  for (size_t i = 0; i < zjtx_explanation_node_count(ex); i++) {
    if (zjtx_explanation_node_kind(ex, i) != ZJTX_NODE_RULE)
      continue;
    g_autofree char *text = cli_printable(zjtx_explanation_node_attr(ex, i, zh ? "text_zh" : "text_en"));
    printf("%s [%s]\n", text, zjtx_outcome_name(zjtx_explanation_node_outcome(ex, i)));
    print_used(ex, i, ZJTX_NODE_FACT, zh ? "数据 Facts read:" : "Facts read:", zh);
    print_used(ex, i, ZJTX_NODE_PARAM, zh ? "参数 Parameters:" : "Parameters:", zh);
    print_used(ex, i, ZJTX_NODE_TABLE, zh ? "档位 Tables:" : "Tables:", zh);
    print_used(ex, i, ZJTX_NODE_BUDGET, zh ? "预算 Budget:" : "Budget:", zh);
    printf("\n");
  }
}

static int explain_with(const options *o, zjtx_policy *p, zjtx_facts *facts, zjtx_options *opts) {
  zjtx_result *res = NULL;
  zjtx_explanation *ex = NULL;
  zjtx_error *err = NULL;
  int rc = cli_apply_sets("explain", opts, o->sets);
  if (rc != 0)
    return rc;
  if (o->period && zjtx_options_set_period(opts, o->period, &err) != ZJTX_OK)
    return cli_report_error(NULL, err);
  if (zjtx_evaluate(p, facts, opts, &res, &err) != ZJTX_OK)
    return cli_report_error(NULL, err);
  if (zjtx_result_explain_subject(res, o->entity, o->id, o->rule, &ex, &err) != ZJTX_OK) {
    zjtx_result_free(res);
    return cli_report_error(NULL, err);
  }
  if (o->format && strcmp(o->format, "json") == 0) {
    char *json = zjtx_explanation_to_json(ex);
    printf("%s\n", json);
    zjtx_free(json);
  } else {
    print_text(ex, strcmp(o->lang ? o->lang : default_lang(p), "zh") == 0);
  }
  zjtx_explanation_free(ex);
  zjtx_result_free(res);
  return CLI_EXIT_OK;
}

static int explain_one(const options *o, zjtx_policy *p, zjtx_facts *facts) {
  zjtx_options *opts = zjtx_options_new();
  int rc = explain_with(o, p, facts, opts);
  zjtx_options_free(opts);
  return rc;
}

int cli_cmd_explain(int argc, char **argv) {
  options o = {0};
  int rc = parse_options(argc, argv, &o);
  zjtx_policy *p = NULL;
  zjtx_facts *facts = NULL;
  if (rc == 0)
    rc = cli_load_inputs(o.policy, o.facts, &p, &facts);
  if (rc == 0)
    rc = explain_one(&o, p, facts);
  zjtx_facts_free(facts);
  zjtx_policy_unref(p);
  options_clear(&o);
  return rc == CLI_EXIT_HELP ? CLI_EXIT_OK : rc;
}
