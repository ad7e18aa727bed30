/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* zjtx.c - the command-line tool: check a policy, evaluate it over facts,
 * dump its compiled program. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: zjtx COMMAND [OPTIONS]\n"
    "\n"
    "Exact, explainable computation of subsidy and incentive policies.\n"
    "\n"
    "commands:\n"
    "  evaluate --policy FILE --facts FILE.json|DIR [--period YYYY] [--set PARAM=VALUE]...\n"
    "           [--format table|json|jsonl|csv] [--explain] [--output FILE]\n"
    "           [--rejects FILE.csv] [--summary FILE] [--summary-by ENTITY] [--threads N] [--quiet]\n"
    "      compute every entitlement and violation the policy gives the facts: a JSON\n"
    "      document or a directory of CSV files (one per entity: enterprises.csv, ...).\n"
    "      Invalid records are reported (and listed in --rejects), the rest evaluated;\n"
    "      the exit status is then 1.  --threads N: evaluation threads (0: one per core).\n"
    "      --set PARAM=VALUE replaces a parameter (PARAM[KEY]=VALUE for one key of a\n"
    "      keyed parameter); rates are written in percent (--set base_rate=3 for 3 %).\n"
    "      --format   table: for people, with the summary at the end (the default);\n"
    "                 json: one document {\"policy\", \"period\", \"entitlements\": [...],\n"
    "                 \"violations\": [...]}; jsonl: one JSON object per line,\n"
    "                 entitlements then violations, each with \"type\"; csv: the columns\n"
    "                 type,rule,beneficiary,id,amount,fen (a violation's check in rule).\n"
    "      --explain  add why each result is what it is (not with csv).\n"
    "      --output FILE  write the result to FILE instead of standard output.\n"
    "      --rejects FILE.csv  list the refused records: file,line,entity,id,field,value,reason.\n"
    "      --summary FILE  write the summary (count and total per rule and per ENTITY\n"
    "                 record, violations per check) to FILE.  Without it, the summary\n"
    "                 ends the table, or follows the run on standard error.\n"
    "      --summary-by ENTITY  total per record of ENTITY (default: the first\n"
    "                 top-level entity that records refer to, e.g. county).\n"
    "      --quiet, -q  no progress, notes or summary on standard error; errors and\n"
    "                 refused records are always reported.  Progress (phases, time,\n"
    "                 records/s) is shown only when standard error is a terminal.\n"
    "      Files are replaced only once complete (written beside them, then renamed);\n"
    "      on failure nothing is left and the exit status is 1.\n"
    "  check --policy FILE\n"
    "      validate a policy and list its rules, parameters (with status) and entities.\n"
    "  test [--policy FILE] [--quiet] [--require-coverage] PATH...\n"
    "      run policy test files (docs/policy-tests.md); ends with \"N passed, N failed\".\n"
    "  simulate --policy BASE --reform REFORM --facts FILE.json|DIR [...]\n"
    "      the budget effect of a reform: totals, gainers and losers per rule and county\n"
    "      (zjtx simulate --help).\n"
    "  indicators --policy FILE --facts FILE.json|DIR [--format table|json]\n"
    "      the policy's population targets: value, target, met or not.\n"
    "  dump --policy FILE\n"
    "      print the compiled program.\n"
    "\n"
    "  zjtx --help | --version\n"
    "\n"
    "Exit status: 0 success, 1 invalid input (policy, facts, options) or a file that\n"
    "cannot be written, 2 usage error.\n";

typedef struct {
  const char *policy, *facts, *period, *format, *rejects, *output, *summary, *summary_by, *threads;
  GPtrArray *sets;
  bool explain, quiet;
} options;

static int usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "zjtx: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'zjtx --help'.\n");
  return 2;
}

static int report(zjtx_error *err) {
  for (const zjtx_error *e = err; e; e = zjtx_error_next(e)) {
    char *msg = zjtx_error_format(e);
    fprintf(stderr, "zjtx: %s\n", msg);
    zjtx_free(msg);
  }
  size_t n = zjtx_error_count(err);
  if (n > 1)
    fprintf(stderr, "zjtx: %zu errors\n", n);
  zjtx_error_free(err);
  return 1;
}

/* Where the value of option `a` goes, or NULL if it takes none. */
static const char **value_slot(options *o, const char *a) {
  const struct {
    const char *name;
    const char **slot;
  } v[] = {{"--policy", &o->policy},   {"--facts", &o->facts},     {"--period", &o->period},
           {"--format", &o->format},   {"--rejects", &o->rejects}, {"--output", &o->output},
           {"--summary", &o->summary}, {"--summary-by", &o->summary_by}, {"--threads", &o->threads}};
  for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
    if (strcmp(a, v[i].name) == 0)
      return v[i].slot;
  return NULL;
}

static int parse_options(int argc, char **argv, options *o) {
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = value_slot(o, a);
    if (slot || strcmp(a, "--set") == 0) {
      if (i + 1 >= argc)
        return usage_error("%s needs a value", a);
      if (slot)
        *slot = argv[++i];
      else
        g_ptr_array_add(o->sets, argv[++i]);
    } else if (strcmp(a, "--explain") == 0) {
      o->explain = true;
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      o->quiet = true;
    } else {
      return usage_error("unknown option '%s'", a);
    }
  }
  if (!o->policy)
    return usage_error("%s", "--policy FILE is required");
  return 0;
}

/* Is parameter `id` replaced by one of the --set arguments? */
static bool is_set(const GPtrArray *sets, const char *id) {
  size_t n = strlen(id);
  for (guint i = 0; sets && i < sets->len; i++) {
    const char *s = g_ptr_array_index(sets, i);
    if (strncmp(s, id, n) == 0 && (s[n] == '=' || s[n] == '['))
      return true;
  }
  return false;
}

static zjtx_policy *load_policy(const char *path, bool announce_assumed, const GPtrArray *sets) {
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  if (zjtx_policy_load_file(path, &p, &err) != ZJTX_OK) {
    report(err);
    return NULL;
  }
  if (announce_assumed) {
    GString *names = g_string_new(NULL);
    for (size_t i = 0; i < zjtx_policy_param_count(p); i++)
      if (zjtx_policy_param_status(p, i) == ZJTX_PARAM_ASSUMED && !is_set(sets, zjtx_policy_param_id(p, i)))
        g_string_append_printf(names, "%s%s", names->len ? ", " : "", zjtx_policy_param_id(p, i));
    if (names->len)
      fprintf(stderr, "zjtx: note: assumed parameter values (not published; replace with --set): %s\n", names->str);
    g_string_free(names, TRUE);
  }
  return p;
}

static void write_rejects_csv(FILE *out, const zjtx_facts *facts) {
  fputs("file,line,entity,id,field,value,reason\r\n", out);
  for (size_t i = 0; i < zjtx_facts_reject_count(facts); i++) {
    char line[16];
    g_snprintf(line, sizeof line, "%d", zjtx_facts_reject_line(facts, i));
    cli_csv_field(out, zjtx_facts_reject_file(facts, i), false);
    cli_csv_field(out, line, false);
    cli_csv_field(out, zjtx_facts_reject_entity(facts, i), false);
    cli_csv_field(out, zjtx_facts_reject_id(facts, i), false);
    cli_csv_field(out, zjtx_facts_reject_field(facts, i), false);
    cli_csv_field(out, zjtx_facts_reject_value(facts, i), false);
    cli_csv_field(out, zjtx_facts_reject_reason(facts, i), true);
  }
}

static void print_reconciliation(const zjtx_policy *p, const zjtx_facts *facts) {
  fprintf(stderr, "zjtx: reconciliation (read = accepted + refused):\n");
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++) {
    int64_t read = 0, accepted = 0, refused = 0;
    zjtx_facts_reconcile(facts, zjtx_policy_entity_name(p, e), &read, &accepted, &refused);
    fprintf(stderr, "zjtx:   %-12s %10" G_GINT64_FORMAT " = %10" G_GINT64_FORMAT " + %" G_GINT64_FORMAT "\n",
            zjtx_policy_entity_plural(p, e), read, accepted, refused);
  }
}

/* Every refused record on stderr (and in the rejects file, if open), then
 * the reconciliation of each table.  Returns the number of problems. */
static size_t report_rejects(const zjtx_policy *p, const zjtx_facts *facts, cli_sink *rejects) {
  size_t n = zjtx_facts_reject_count(facts);
  for (size_t i = 0; i < n; i++) {
    const char *file = zjtx_facts_reject_file(facts, i);
    int line = zjtx_facts_reject_line(facts, i);
    fprintf(stderr, "zjtx: %s%s", file ? file : "", file ? ":" : "");
    if (line > 0)
      fprintf(stderr, "%d:", line);
    fprintf(stderr, " refused %s: %s\n", zjtx_facts_reject_entity(facts, i), zjtx_facts_reject_reason(facts, i));
  }
  if (rejects->fp) {
    write_rejects_csv(rejects->fp, facts);
    if (!cli_sink_commit(rejects))
      n++;
  }
  if (n == 0)
    return 0;
  print_reconciliation(p, facts);
  fprintf(stderr, "zjtx: %zu problem%s in the facts; every valid record was evaluated\n", n, n == 1 ? "" : "s");
  return n;
}

typedef bool (*result_writer)(FILE *out, const zjtx_policy *p, const zjtx_result *res, bool explain);

static const struct {
  const char *name;
  result_writer write;
} formats[] = {{"table", cli_write_table}, {"json", cli_write_json}, {"jsonl", cli_write_jsonl}, {"csv", cli_write_csv}};

static result_writer find_format(const char *name) {
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++)
    if (strcmp(formats[i].name, name) == 0)
      return formats[i].write;
  return NULL;
}

/* The state of one `zjtx evaluate`. */
typedef struct {
  const options *o;
  bool table;
  result_writer write;
  const char *by; /* the entity the summary totals by, or NULL */
  zjtx_options *opts;
  zjtx_policy *p;
  zjtx_facts *facts;
  zjtx_result *res;
  cli_sink out, rejects, summary;
  cli_progress *pr;
} evaluation;

/* What can be told wrong before reading anything: exit status 2. */
static int check_evaluate_options(const options *o) {
  const char *format = o->format ? o->format : "table";
  if (!find_format(format))
    return usage_error("--format '%s': expected table, json, jsonl or csv", format);
  if (o->explain && strcmp(format, "csv") == 0)
    return usage_error("%s", "--explain is not available with --format csv (use json or jsonl)");
  if (!o->facts)
    return usage_error("%s", "evaluate needs --facts FILE.json|DIR");
  const char *files[] = {o->output, o->rejects, o->summary}, *names[] = {"--output", "--rejects", "--summary"};
  for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
    if (files[i] && !files[i][0])
      return usage_error("%s needs a file name", names[i]);
    for (size_t j = 0; j < i; j++)
      if (files[i] && files[j] && strcmp(files[i], files[j]) == 0)
        return usage_error("%s and %s name the same file '%s'", names[j], names[i], files[i]);
  }
  if (o->summary_by && !o->summary_by[0])
    return usage_error("%s", "--summary-by needs an entity name");
  return 0;
}

/* The entity the summary totals by: --summary-by, checked, or the default. */
static int choose_summary_entity(evaluation *ev) {
  if (!ev->o->summary_by) {
    ev->by = cli_summary_default_entity(ev->p);
    return 0;
  }
  if (cli_policy_has_entity(ev->p, ev->o->summary_by)) {
    ev->by = ev->o->summary_by;
    return 0;
  }
  GString *names = g_string_new(NULL);
  for (size_t e = 0; e < zjtx_policy_entity_count(ev->p); e++)
    g_string_append_printf(names, "%s%s", e ? ", " : "", zjtx_policy_entity_name(ev->p, e));
  fprintf(stderr, "zjtx: --summary-by '%s': policy %s declares no such entity (it has: %s)\n", ev->o->summary_by,
          zjtx_policy_id(ev->p), names->str);
  g_string_free(names, TRUE);
  return 1;
}

/* Options, policy and output files, before the facts are read: an output
 * that cannot be created fails at once, not after a long run. */
static int prepare(evaluation *ev) {
  const options *o = ev->o;
  zjtx_error *err = NULL;
  ev->opts = zjtx_options_new();
  for (guint i = 0; i < o->sets->len; i++)
    if (!cli_apply_set(ev->opts, g_ptr_array_index(o->sets, i)))
      return usage_error("--set '%s': expected PARAM=VALUE or PARAM[KEY]=VALUE",
                         (const char *)g_ptr_array_index(o->sets, i));
  if (o->period && zjtx_options_set_period(ev->opts, o->period, &err) != ZJTX_OK)
    return report(err);
  if (o->threads) {
    char *end;
    long n = strtol(o->threads, &end, 10);
    if (*end || end == o->threads || zjtx_options_set_threads(ev->opts, (int)MIN(MAX(n, -1), 100000), NULL) != ZJTX_OK)
      return usage_error("--threads '%s': expected a whole number from 0 (one per processor) to 1024", o->threads);
  }
  ev->p = load_policy(o->policy, !o->quiet, o->sets);
  if (!ev->p || choose_summary_entity(ev) != 0)
    return 1;
  if (!cli_sink_open(&ev->out, o->output) || (o->rejects && !cli_sink_open(&ev->rejects, o->rejects)) ||
      (o->summary && !cli_sink_open(&ev->summary, o->summary)))
    return 1;
  return 0;
}

/* Total records read over every entity (accepted or refused). */
static int64_t records_read(const zjtx_policy *p, const zjtx_facts *facts) {
  int64_t total = 0;
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++) {
    int64_t read = 0;
    zjtx_facts_reconcile(facts, zjtx_policy_entity_name(p, e), &read, NULL, NULL);
    total += read;
  }
  return total;
}

/* "done: 12 enterprises, 4 counties; 80 records read in 0.1 s, 800 records/s". */
static void progress_done(const evaluation *ev) {
  if (!ev->pr)
    return;
  GString *counts = g_string_new(NULL);
  for (size_t e = 0; e < zjtx_policy_entity_count(ev->p); e++)
    if (!zjtx_policy_entity_parent(ev->p, e))
      g_string_append_printf(counts, "%s%zu %s", counts->len ? ", " : "",
                             zjtx_facts_record_count(ev->facts, zjtx_policy_entity_name(ev->p, e)),
                             zjtx_policy_entity_plural(ev->p, e));
  int64_t read = records_read(ev->p, ev->facts);
  double seconds = MAX(cli_progress_elapsed(ev->pr), 1e-6);
  cli_progress_note(ev->pr, "done: %s; %" G_GINT64_FORMAT " records read in %.1f s, %.0f records/s", counts->str,
                    read, seconds, (double)read / seconds);
  g_string_free(counts, TRUE);
}

/* Loads the facts, keeping going past invalid records; *refused tells
 * whether any was refused. */
static int load_facts(evaluation *ev, bool *refused) {
  zjtx_error *err = NULL;
  zjtx_status st = cli_load_facts(ev->p, ev->o->facts, ev->pr, "loading facts", &ev->facts, &err);
  if (st != ZJTX_OK)
    return report(err);
  *refused = report_rejects(ev->p, ev->facts, &ev->rejects) != 0;
  return 0;
}

static int evaluate(evaluation *ev) {
  zjtx_error *err = NULL;
  cli_progress_begin(ev->pr, "evaluating");
  zjtx_status st = zjtx_evaluate(ev->p, ev->facts, ev->opts, &ev->res, &err);
  cli_progress_end(ev->pr);
  if (st != ZJTX_OK)
    return report(err);
  progress_done(ev);
  return 0;
}

/* The result in its format (a table ends with the summary), then the
 * summary: to its file, or to stderr unless it ended the table or --quiet. */
static int write_results(evaluation *ev) {
  FILE *out = ev->out.fp;
  bool ok = ev->write(out, ev->p, ev->res, ev->o->explain);
  if (ok && ev->table) {
    fputc('\n', out);
    ok = cli_write_summary(out, ev->p, ev->res, ev->by);
  }
  if (!ok || !cli_sink_commit(&ev->out))
    return 1;
  if (ev->summary.fp) {
    if (!cli_write_summary(ev->summary.fp, ev->p, ev->res, ev->by) || !cli_sink_commit(&ev->summary))
      return 1;
  } else if (!ev->table && !ev->o->quiet) {
    if (!cli_write_summary(stderr, ev->p, ev->res, ev->by))
      return 1;
  }
  return 0;
}

static int cmd_evaluate(options *o) {
  int rc = check_evaluate_options(o);
  if (rc != 0)
    return rc;
  const char *format = o->format ? o->format : "table";
  evaluation ev = {.o = o, .table = strcmp(format, "table") == 0, .write = find_format(format)};
  bool refused = false;
  rc = prepare(&ev);
  ev.pr = rc == 0 ? cli_progress_new(!o->quiet && isatty(STDERR_FILENO)) : NULL;
  if (rc == 0)
    rc = load_facts(&ev, &refused);
  if (rc == 0)
    rc = evaluate(&ev);
  if (rc == 0)
    rc = write_results(&ev);
  if (rc == 0 && refused)
    rc = 1; /* every valid record was evaluated, but not every record was valid */
  cli_progress_free(ev.pr);
  cli_sink_abort(&ev.out); /* whatever was not committed leaves nothing */
  cli_sink_abort(&ev.rejects);
  cli_sink_abort(&ev.summary);
  zjtx_result_free(ev.res);
  zjtx_facts_free(ev.facts);
  zjtx_policy_unref(ev.p);
  zjtx_options_free(ev.opts);
  return rc;
}

static int cmd_check(options *o) {
  zjtx_policy *p = load_policy(o->policy, false, NULL);
  if (!p)
    return 1;
  printf("%s — %s\n", zjtx_policy_id(p), zjtx_policy_title(p, "zh"));
  printf("%s\n", zjtx_policy_title(p, "en"));
  if (zjtx_policy_document(p))
    printf("document: %s\n", zjtx_policy_document(p));
  printf("\nrules and checks (%zu):\n", zjtx_policy_rule_count(p));
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++)
    printf("  %-5s %-34s %-11s clause %-6s %s [%s]\n",
           zjtx_policy_rule_kind(p, i) == ZJTX_RULE_CHECK ? "check" : "rule", zjtx_policy_rule_id(p, i),
           zjtx_policy_rule_subject(p, i), zjtx_policy_rule_clause(p, i) ? zjtx_policy_rule_clause(p, i) : "-",
           zjtx_policy_rule_title(p, i, "zh"), zjtx_policy_rule_origin(p, i));
  size_t assumed = 0;
  printf("\nparameters (%zu):\n", zjtx_policy_param_count(p));
  for (size_t i = 0; i < zjtx_policy_param_count(p); i++) {
    bool a = zjtx_policy_param_status(p, i) == ZJTX_PARAM_ASSUMED;
    assumed += a;
    printf("  %-36s %-7s %-9s", zjtx_policy_param_id(p, i), zjtx_policy_param_type(p, i), a ? "ASSUMED" : "published");
    for (size_t j = 0; j < zjtx_policy_param_value_count(p, i); j++) {
      const char *key = zjtx_policy_param_value_key(p, i, j);
      printf(" %s%s%s=%s@%s", j ? "" : "", key ? key : "", key ? ":" : "", zjtx_policy_param_value_text(p, i, j),
             zjtx_policy_param_value_from(p, i, j));
    }
    printf("\n");
  }
  printf("\nentities (%zu):\n", zjtx_policy_entity_count(p));
  for (size_t i = 0; i < zjtx_policy_entity_count(p); i++) {
    printf("  %-12s (%s%s%s):", zjtx_policy_entity_name(p, i), zjtx_policy_entity_plural(p, i),
           zjtx_policy_entity_parent(p, i) ? ", child of " : "",
           zjtx_policy_entity_parent(p, i) ? zjtx_policy_entity_parent(p, i) : "");
    for (size_t f = 0; f < zjtx_policy_entity_field_count(p, i); f++)
      printf(" %s:%s", zjtx_policy_entity_field_name(p, i, f), zjtx_policy_entity_field_type(p, i, f));
    printf("\n");
  }
  printf("\n%zu parameter%s assumed (not published)\n", assumed, assumed == 1 ? " is" : "s are");
  zjtx_policy_unref(p);
  return 0;
}

static int cmd_dump(options *o) {
  zjtx_policy *p = load_policy(o->policy, false, NULL);
  if (!p)
    return 1;
  char *text = zjtx_policy_dump(p);
  fputs(text, stdout);
  zjtx_free(text);
  zjtx_policy_unref(p);
  return 0;
}

/* Options that only `evaluate` has are a usage error elsewhere. */
static int check_not_evaluate(const options *o) {
  const char *given = o->output      ? "--output"
                      : o->summary    ? "--summary"
                      : o->summary_by ? "--summary-by"
                      : o->rejects    ? "--rejects"
                      : o->explain    ? "--explain"
                                      : NULL;
  return given ? usage_error("%s applies to evaluate only", given) : 0;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("zjtx %s\n", zjtx_version_string());
    return 0;
  }
  /* commands with options of their own (cli-test.c, cli-simulate.c, cli-indicators.c) */
  static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
  } own[] = {{"test", cli_cmd_test}, {"simulate", cli_cmd_simulate}, {"indicators", cli_cmd_indicators}};
  for (size_t i = 0; i < G_N_ELEMENTS(own); i++)
    if (strcmp(argv[1], own[i].name) == 0)
      return own[i].run(argc - 1, argv + 1);
  options o = {.sets = g_ptr_array_new()};
  int rc = parse_options(argc, argv, &o);
  if (rc == 0 && strcmp(argv[1], "evaluate") != 0)
    rc = check_not_evaluate(&o);
  if (rc == 0) {
    if (strcmp(argv[1], "evaluate") == 0)
      rc = cmd_evaluate(&o);
    else if (strcmp(argv[1], "check") == 0)
      rc = cmd_check(&o);
    else if (strcmp(argv[1], "dump") == 0)
      rc = cmd_dump(&o);
    else
      rc = usage_error("unknown command '%s'", argv[1]);
  }
  g_ptr_array_free(o.sets, TRUE);
  return rc;
}
