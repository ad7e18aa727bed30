/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-indicators.c - zjtx indicators: the policy's population targets
 * (value, target, met or not) over a population, as a table or JSON. */
#include <string.h>

#include "cli.h"
#include "format.h"

static const cli_command indicators_command = {
    .name = "indicators",
    .summary = "Evaluates the policy's population targets (indicators) over the facts: each\n"
               "indicator's value, its target, and whether it is met.",
    .description = "Example:\n"
                   "  zjtx indicators --policy rules/policy.xml --facts facts.json\n"
                   "\n"
                   "Invalid records are reported on standard error and left out; the exit status is\n"
                   "then 1.  Exit status: 0 success, 1 invalid input, 2 usage error.\n",
};

typedef struct {
  char *policy, *facts, *period, *format;
  char **set;
  gboolean quiet;
  GPtrArray *sets; /* borrows `set` */
} ind_options;

static void ind_options_clear(ind_options *o) {
  char **strings[] = {&o->policy, &o->facts, &o->period, &o->format};
  for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
    g_clear_pointer(strings[i], g_free);
  g_clear_pointer(&o->set, g_strfreev);
  g_clear_pointer(&o->sets, g_ptr_array_unref);
}

static int ind_parse(int argc, char **argv, ind_options *o) {
  const GOptionEntry entries[] = {
      {"policy", 0, 0, G_OPTION_ARG_FILENAME, &o->policy, "The policy (required)", "FILE"},
      {"facts", 0, 0, G_OPTION_ARG_FILENAME, &o->facts, "The facts: JSON, or a CSV directory (required)",
       "FILE.json|DIR"},
      {"period", 0, 0, G_OPTION_ARG_FILENAME, &o->period,
       "The period evaluated (2025, 2025H1, 2025Q3, 2025-07, FY2025: as the policy declares)", "PERIOD"},
      {"set", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->set, "Replace a parameter (PARAM[KEY]=VALUE: one key); repeatable",
       "PARAM=VALUE"},
      {"format", 0, 0, G_OPTION_ARG_FILENAME, &o->format, "table (default) or json", "table|json"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "Accepted, as by evaluate (indicators prints no notes)", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  int rc = cli_parse_options(&indicators_command, entries, &argc, &argv);
  if (rc == 0)
    rc = cli_no_arguments(&indicators_command, argc, argv);
  o->sets = cli_strv_array(o->set);
  if (rc != 0)
    return rc;
  if (!o->policy || !o->facts)
    return cli_usage_error("indicators", "%s", "--policy and --facts are required");
  if (o->format && strcmp(o->format, "table") != 0 && strcmp(o->format, "json") != 0)
    return cli_usage_error("indicators", "--format '%s': expected table or json", o->format);
  return 0;
}

static void ind_table(const zjtx_result *res, const zjtx_policy *p) {
  printf("%s — 目标指标 Indicators, period %s\n\n", zjtx_policy_title(p, "zh"), zjtx_result_period(res));
  size_t met = 0, n = zjtx_result_indicator_count(res);
  for (size_t i = 0; i < n; i++) {
    const char *unit = zjtx_result_indicator_unit(res, i);
    bool ok = zjtx_result_indicator_met(res, i);
    met += ok;
    printf("  %-4s %-34s %12s %-6s target %-10s %s\n", ok ? "met" : "NOT", zjtx_result_indicator_id(res, i),
           zjtx_result_indicator_value(res, i), unit ? unit : "", zjtx_result_indicator_target(res, i),
           zjtx_result_indicator_title(res, i, "zh"));
    size_t lacking = zjtx_result_indicator_lacking(res, i);
    if (lacking)
      printf("       over %zu records; %zu lacked data (缺数据)\n", zjtx_result_indicator_records(res, i), lacking);
  }
  printf("\n%zu of %zu targets met\n", met, n);
}

static void ind_json(const zjtx_result *res, const zjtx_policy *p) {
  GString *s = g_string_new("{\"policy\": ");
  zfmt_json_string(s, zjtx_policy_id(p));
  g_string_append(s, ", \"period\": ");
  zfmt_json_string(s, zjtx_result_period(res));
  g_string_append(s, ",\n \"indicators\": [");
  for (size_t i = 0; i < zjtx_result_indicator_count(res); i++) {
    const char *fields[][2] = {{"id", zjtx_result_indicator_id(res, i)},
                               {"title", zjtx_result_indicator_title(res, i, "zh")},
                               {"title_en", zjtx_result_indicator_title(res, i, "en")},
                               {"clause", zjtx_result_indicator_clause(res, i)},
                               {"unit", zjtx_result_indicator_unit(res, i)},
                               {"value", zjtx_result_indicator_value(res, i)},
                               {"target", zjtx_result_indicator_target(res, i)}};
    g_string_append(s, i ? ",\n  {" : "\n  {");
    for (size_t f = 0; f < G_N_ELEMENTS(fields); f++) {
      g_string_append_printf(s, "%s\"%s\": ", f ? ", " : "", fields[f][0]);
      if (fields[f][1])
        zfmt_json_string(s, fields[f][1]);
      else
        g_string_append(s, "null");
    }
    g_string_append_printf(s, ", \"met\": %s, \"records\": %zu, \"lacking\": %zu}",
                           zjtx_result_indicator_met(res, i) ? "true" : "false", zjtx_result_indicator_records(res, i),
                           zjtx_result_indicator_lacking(res, i));
  }
  g_string_append(s, "]}\n");
  fputs(s->str, stdout);
  g_string_free(s, TRUE);
}

static int ind_run(const ind_options *o, zjtx_options *opts) {
  zjtx_policy *p = NULL;
  zjtx_facts *facts = NULL;
  zjtx_result *res = NULL;
  zjtx_error *err = NULL;
  int rc = cli_load_inputs(o->policy, o->facts, &p, &facts);
  size_t refused = facts ? zjtx_facts_reject_count(facts) : 0;
  if (rc == 0 && zjtx_evaluate(p, facts, opts, &res, &err) != ZJTX_OK)
    rc = cli_report_error(NULL, err);
  if (rc == 0) {
    if (o->format && strcmp(o->format, "json") == 0)
      ind_json(res, p);
    else
      ind_table(res, p);
    rc = refused ? CLI_EXIT_FAILURE : 0;
  }
  zjtx_result_free(res);
  zjtx_facts_free(facts);
  zjtx_policy_unref(p);
  return rc;
}

int cli_cmd_indicators(int argc, char **argv) {
  ind_options o = {0};
  zjtx_options *opts = cli_options_new();
  zjtx_error *err = NULL;
  zjtx_options_set_indicators(opts, 1, NULL);
  int rc = ind_parse(argc, argv, &o);
  if (rc == 0)
    rc = cli_apply_sets("indicators", opts, o.sets);
  if (rc == 0 && o.period && zjtx_options_set_period(opts, o.period, &err) != ZJTX_OK)
    rc = cli_report_error(NULL, err);
  if (rc == 0)
    rc = ind_run(&o, opts);
  zjtx_options_free(opts);
  ind_options_clear(&o);
  return rc == CLI_EXIT_HELP ? CLI_EXIT_OK : rc;
}
