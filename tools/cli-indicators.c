/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-indicators.c - zjtx indicators: the policy's population targets
 * (value, target, met or not) over a population, as a table or JSON. */
#include <string.h>

#include "cli.h"
#include "format.h"

static const char indicators_usage[] =
    "usage: zjtx indicators --policy FILE --facts FILE.json|DIR [--period YYYY] [--set PARAM=VALUE]...\n"
    "                       [--format table|json] [--quiet]\n";

typedef struct {
  const char *policy, *facts, *period, *format;
  GPtrArray *sets;
  bool quiet;
} ind_options;

static int ind_usage(const char *what, const char *arg) {
  fprintf(stderr, "zjtx indicators: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "", indicators_usage);
  return 2;
}

static int ind_parse(int argc, char **argv, ind_options *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = strcmp(a, "--policy") == 0   ? &o->policy
                        : strcmp(a, "--facts") == 0  ? &o->facts
                        : strcmp(a, "--period") == 0 ? &o->period
                        : strcmp(a, "--format") == 0 ? &o->format
                                                     : NULL;
    if (slot || strcmp(a, "--set") == 0) {
      if (i + 1 >= argc)
        return ind_usage("a value is missing after", a);
      if (slot)
        *slot = argv[++i];
      else
        g_ptr_array_add(o->sets, argv[++i]);
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      o->quiet = true;
    } else if (strcmp(a, "--help") == 0) {
      fputs(indicators_usage, stdout);
      return -1;
    } else {
      return ind_usage("unknown option", a);
    }
  }
  if (!o->policy || !o->facts)
    return ind_usage("--policy and --facts are required", NULL);
  if (o->format && strcmp(o->format, "table") != 0 && strcmp(o->format, "json") != 0)
    return ind_usage("--format: expected table or json, not", o->format);
  return 0;
}

static int ind_fail(zjtx_error *err) {
  char *msg = zjtx_error_format(err);
  fprintf(stderr, "zjtx: %s\n", msg);
  zjtx_free(msg);
  zjtx_error_free(err);
  return 1;
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
    g_string_append_printf(s, ", \"met\": %s}", zjtx_result_indicator_met(res, i) ? "true" : "false");
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
  int rc = 0;
  if (zjtx_policy_load_file(o->policy, &p, &err) != ZJTX_OK)
    return ind_fail(err);
  if (cli_load_facts(p, o->facts, NULL, "loading facts", &facts, &err) != ZJTX_OK)
    rc = ind_fail(err);
  size_t refused = facts ? zjtx_facts_reject_count(facts) : 0;
  for (size_t i = 0; i < refused; i++)
    fprintf(stderr, "zjtx: %s:%d: refused %s: %s\n", zjtx_facts_reject_file(facts, i) ? zjtx_facts_reject_file(facts, i) : "",
            zjtx_facts_reject_line(facts, i), zjtx_facts_reject_entity(facts, i), zjtx_facts_reject_reason(facts, i));
  if (rc == 0 && zjtx_evaluate(p, facts, opts, &res, &err) != ZJTX_OK)
    rc = ind_fail(err);
  if (rc == 0) {
    if (o->format && strcmp(o->format, "json") == 0)
      ind_json(res, p);
    else
      ind_table(res, p);
    rc = refused ? 1 : 0;
  }
  zjtx_result_free(res);
  zjtx_facts_free(facts);
  zjtx_policy_unref(p);
  return rc;
}

int cli_cmd_indicators(int argc, char **argv) {
  ind_options o = {.sets = g_ptr_array_new()};
  zjtx_options *opts = zjtx_options_new();
  zjtx_error *err = NULL;
  zjtx_options_set_indicators(opts, 1, NULL);
  int rc = ind_parse(argc, argv, &o);
  for (guint i = 0; rc == 0 && i < o.sets->len; i++)
    if (!cli_apply_set(opts, g_ptr_array_index(o.sets, i)))
      rc = ind_usage("--set: expected PARAM=VALUE or PARAM[KEY]=VALUE, not", g_ptr_array_index(o.sets, i));
  if (rc == 0 && o.period && zjtx_options_set_period(opts, o.period, &err) != ZJTX_OK)
    rc = ind_fail(err);
  if (rc == 0)
    rc = ind_run(&o, opts);
  zjtx_options_free(opts);
  g_ptr_array_free(o.sets, TRUE);
  return rc < 0 ? 0 : rc;
}
