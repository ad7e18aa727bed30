/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-evaluate.c - zjtx evaluate: every entitlement and violation a policy
 * gives a population, in one of four formats, with a summary. */
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const cli_command evaluate_command = {
    .name = "evaluate",
    .summary = "Computes every entitlement and violation the policy gives the facts: a JSON document\n"
               "or a directory of CSV files (one per entity: enterprises.csv, ...).  Invalid records\n"
               "are reported (and listed in --rejects), the rest evaluated; the exit status is then 1.",
    .description =
        "Formats:\n"
        "  table  for people, with the summary at the end (the default)\n"
        "  json   one document {\"policy\", \"period\", \"entitlements\": [...], \"violations\": [...]}\n"
        "  jsonl  one JSON object per line, entitlements then violations, each with \"type\"\n"
        "  csv    the columns type,rule,beneficiary,id,amount,fen,missing (a violation's check in rule)\n"
        "\n"
        "--set PARAM=VALUE replaces a parameter, PARAM[KEY]=VALUE one key of a keyed one;\n"
        "rates are written in percent (--set base_rate=3 for 3 %).\n"
        "--rejects lists the refused records: file,line,entity,id,field,value,reason.\n"
        "--receipt (with --format json) adds \"receipt\": SHA-256 and SM3 of the policy as\n"
        "evaluated, the facts as read and the results (docs/receipts.md); check it later\n"
        "with zjtx verify-receipt.\n"
        "The summary (count and total per rule and per ENTITY record, violations per check)\n"
        "ends the table, or follows the run on standard error, unless --summary names a file;\n"
        "ENTITY is by default the first top-level entity that records refer to (e.g. county).\n"
        "Each CSV file is named by its entity's plural (enterprises.csv, not enterprise.csv):\n"
        "any other *.csv file, or a directory with none of the policy's files, is an error.\n"
        "Once the facts are read, the reconciliation per table (read = accepted + refused)\n"
        "follows on standard error.\n"
        "Progress (phases, time, records/s) is shown only when standard error is a terminal;\n"
        "errors and refused records (and then the reconciliation) are reported even with --quiet.\n"
        "Files are replaced only once complete (written beside them, then renamed); on\n"
        "failure nothing is left and the exit status is 1.\n"
        "\n"
        "Examples:\n"
        "  zjtx evaluate --policy rules/policy.xml --facts facts.json\n"
        "  zjtx evaluate --policy policy.xml --facts data/ --format json --explain --output result.json\n"
        "  zjtx evaluate --policy policy.xml --facts facts.json --set base_rate=3 --set 'amount[gold]=500000'\n"
        "\n"
        "Exit status: 0 success, 1 invalid input (policy, facts, options) or a file that\n"
        "cannot be written, 2 usage error.\n",
};

typedef struct {
  char *policy, *facts, *period, *format, *rejects, *output, *summary, *summary_by, *threads;
  char **set;
  gboolean explain, quiet;
  gboolean receipt;
  GPtrArray *sets; /* borrows `set` */
} options;

static void options_clear(options *o) {
  char **strings[] = {&o->policy, &o->facts,   &o->period,     &o->format, &o->rejects,
                      &o->output, &o->summary, &o->summary_by, &o->threads};
  for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
    g_clear_pointer(strings[i], g_free);
  g_clear_pointer(&o->set, g_strfreev);
  g_clear_pointer(&o->sets, g_ptr_array_unref);
}

static int parse_options(int argc, char **argv, options *o) {
  const GOptionEntry entries[] = {
      {"policy", 0, 0, G_OPTION_ARG_FILENAME, &o->policy, "The policy to evaluate (required)", "FILE"},
      {"facts", 0, 0, G_OPTION_ARG_FILENAME, &o->facts, "The facts: JSON, or a CSV directory (required)",
       "FILE.json|DIR"},
      {"period", 0, 0, G_OPTION_ARG_FILENAME, &o->period,
       "The period evaluated (2025, 2025H1, 2025Q3, 2025-07, FY2025: as the policy declares)", "PERIOD"},
      {"set", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->set, "Replace a parameter (PARAM[KEY]=VALUE: one key); repeatable",
       "PARAM=VALUE"},
      {"format", 0, 0, G_OPTION_ARG_FILENAME, &o->format, "table (default), json, jsonl or csv",
       "table|json|jsonl|csv"},
      {"explain", 0, 0, G_OPTION_ARG_NONE, &o->explain, "Add why each result is what it is (not with csv)", NULL},
      {"receipt", 0, 0, G_OPTION_ARG_NONE, &o->receipt,
       "Add the run's receipt: digests of policy, facts, results (json)", NULL},
      {"output", 0, 0, G_OPTION_ARG_FILENAME, &o->output, "Write the result to FILE instead of standard output",
       "FILE"},
      {"rejects", 0, 0, G_OPTION_ARG_FILENAME, &o->rejects, "List the refused records in FILE.csv", "FILE.csv"},
      {"summary", 0, 0, G_OPTION_ARG_FILENAME, &o->summary, "Write the summary to FILE", "FILE"},
      {"summary-by", 0, 0, G_OPTION_ARG_FILENAME, &o->summary_by, "Total the summary per record of ENTITY", "ENTITY"},
      {"threads", 0, 0, G_OPTION_ARG_FILENAME, &o->threads, "Evaluation threads (0: one per processor)", "N"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No progress, notes, reconciliation or summary on standard error",
       NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  int rc = cli_parse_options(&evaluate_command, entries, &argc, &argv);
  if (rc == 0)
    rc = cli_no_arguments(&evaluate_command, argc, argv);
  o->sets = cli_strv_array(o->set);
  if (rc == 0 && !o->policy)
    rc = cli_usage_error("evaluate", "%s", "--policy FILE is required");
  return rc;
}

static zjtx_policy *load_policy(const options *o) {
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  if (cli_load_policy(o->policy, NULL, &p, &err) != ZJTX_OK) {
    cli_report_error(NULL, err);
    return NULL;
  }
  g_autofree char *assumed = o->quiet ? NULL : cli_assumed_params(p, o->sets);
  if (assumed)
    cli_message("note: assumed parameter values (not published; replace with --set): %s", assumed);
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
  cli_message("reconciliation (read = accepted + refused):");
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++) {
    int64_t read = 0, accepted = 0, refused = 0;
    zjtx_facts_reconcile(facts, zjtx_policy_entity_name(p, e), &read, &accepted, &refused);
    cli_message("  %-12s %10" G_GINT64_FORMAT " = %10" G_GINT64_FORMAT " + %" G_GINT64_FORMAT,
                zjtx_policy_entity_plural(p, e), read, accepted, refused);
  }
}

/* Every refused record on stderr (and into the rejects file, if open: it
 * is committed with the result, so that a run that fails later leaves
 * none), then the reconciliation of each table: always when records were
 * refused, else unless `quiet` (a run that read nothing says so).  Returns
 * the number of problems. */
static size_t report_rejects(const zjtx_policy *p, const zjtx_facts *facts, cli_sink *rejects, bool quiet) {
  size_t n = zjtx_facts_reject_count(facts);
  cli_print_rejects(facts, "");
  if (rejects->fp)
    write_rejects_csv(rejects->fp, facts);
  if (n > 0 || !quiet)
    print_reconciliation(p, facts);
  if (n == 0)
    return 0;
  cli_message("%zu problem%s in the facts; every valid record was evaluated", n, n == 1 ? "" : "s");
  return n;
}

typedef bool (*result_writer)(FILE *out, const zjtx_policy *p, const zjtx_result *res, bool explain);

static const struct {
  const char *name;
  result_writer write;
} formats[] = {
    {"table", cli_write_table}, {"json", cli_write_json}, {"jsonl", cli_write_jsonl}, {"csv", cli_write_csv}};

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
    return cli_usage_error("evaluate", "--format '%s': expected table, json, jsonl or csv", format);
  if (o->explain && strcmp(format, "csv") == 0)
    return cli_usage_error("evaluate", "%s", "--explain is not available with --format csv (use json or jsonl)");
  if (o->receipt && strcmp(format, "json") != 0)
    return cli_usage_error("evaluate", "%s", "--receipt needs --format json (the receipt is a member of its document)");
  if (!o->facts)
    return cli_usage_error("evaluate", "%s", "evaluate needs --facts FILE.json|DIR");
  const char *files[] = {o->output, o->rejects, o->summary}, *names[] = {"--output", "--rejects", "--summary"};
  for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
    if (files[i] && !files[i][0])
      return cli_usage_error("evaluate", "%s needs a file name", names[i]);
    for (size_t j = 0; j < i; j++)
      if (files[i] && files[j] && strcmp(files[i], files[j]) == 0)
        return cli_usage_error("evaluate", "%s and %s name the same file '%s'", names[j], names[i], files[i]);
  }
  if (o->summary_by && !o->summary_by[0])
    return cli_usage_error("evaluate", "%s", "--summary-by needs an entity name");
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
  g_autoptr(GString) names = g_string_new(NULL);
  for (size_t e = 0; e < zjtx_policy_entity_count(ev->p); e++)
    g_string_append_printf(names, "%s%s", e ? ", " : "", zjtx_policy_entity_name(ev->p, e));
  cli_message("--summary-by '%s': policy %s declares no such entity (it has: %s)", ev->o->summary_by,
              zjtx_policy_id(ev->p), names->str);
  return CLI_EXIT_FAILURE;
}

/* Options, policy and output files, before the facts are read: an output
 * that cannot be created fails at once, not after a long run. */
static int prepare(evaluation *ev) {
  const options *o = ev->o;
  zjtx_error *err = NULL;
  ev->opts = cli_options_new();
  int rc = cli_apply_sets("evaluate", ev->opts, o->sets);
  if (rc != 0)
    return rc;
  if (o->period && zjtx_options_set_period(ev->opts, o->period, &err) != ZJTX_OK)
    return cli_report_error(NULL, err);
  if (o->threads && (rc = cli_parse_threads("evaluate", o->threads, &ev->opts, 1)) != 0)
    return rc;
  ev->p = load_policy(o);
  if (!ev->p || choose_summary_entity(ev) != 0)
    return CLI_EXIT_FAILURE;
  if (!cli_sink_open(&ev->out, o->output) || (o->rejects && !cli_sink_open(&ev->rejects, o->rejects)) ||
      (o->summary && !cli_sink_open(&ev->summary, o->summary)))
    return CLI_EXIT_FAILURE;
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
  g_autoptr(GString) counts = g_string_new(NULL);
  for (size_t e = 0; e < zjtx_policy_entity_count(ev->p); e++)
    if (!zjtx_policy_entity_parent(ev->p, e))
      g_string_append_printf(counts, "%s%zu %s", counts->len ? ", " : "",
                             zjtx_facts_record_count(ev->facts, zjtx_policy_entity_name(ev->p, e)),
                             zjtx_policy_entity_plural(ev->p, e));
  int64_t read = records_read(ev->p, ev->facts);
  double seconds = MAX(cli_progress_elapsed(ev->pr), 1e-6);
  cli_progress_note(ev->pr, "done: %s; %" G_GINT64_FORMAT " records read in %.1f s, %.0f records/s", counts->str, read,
                    seconds, (double)read / seconds);
}

/* Loads the facts, keeping going past invalid records; *refused tells
 * whether any was refused. */
static int load_facts(evaluation *ev, bool *refused) {
  zjtx_error *err = NULL;
  zjtx_status st = cli_load_facts(ev->p, ev->o->facts, ev->pr, "loading facts", &ev->facts, &err);
  if (st != ZJTX_OK)
    return cli_report_error(NULL, err);
  *refused = report_rejects(ev->p, ev->facts, &ev->rejects, ev->o->quiet) != 0;
  return 0;
}

static int evaluate(evaluation *ev) {
  zjtx_error *err = NULL;
  cli_progress_begin(ev->pr, "evaluating");
  zjtx_status st = zjtx_evaluate(ev->p, ev->facts, ev->opts, &ev->res, &err);
  cli_progress_end(ev->pr);
  if (st != ZJTX_OK)
    return cli_report_error(NULL, err);
  progress_done(ev);
  return 0;
}

/* The result in its format (a table ends with the summary), then the
 * summary: to its file, or to stderr unless it ended the table or --quiet.
 * Every file is complete before the first is renamed into place. */
static int write_results(evaluation *ev) {
  FILE *out = ev->out.fp;
  bool ok;
  if (ev->o->receipt) {
    g_autofree char *receipt = cli_receipt_member(ev->res);
    ok = receipt && cli_write_json_with(out, ev->p, ev->res, ev->o->explain, receipt);
  } else {
    ok = ev->write(out, ev->p, ev->res, ev->o->explain);
  }
  if (ok && ev->table) {
    fputc('\n', out);
    ok = cli_write_summary(out, ev->p, ev->res, ev->by);
  }
  if (ok && ev->summary.fp)
    ok = cli_write_summary(ev->summary.fp, ev->p, ev->res, ev->by);
  if (!ok || !cli_sink_commit(&ev->out))
    return CLI_EXIT_FAILURE;
  if (ev->rejects.fp && !cli_sink_commit(&ev->rejects))
    return CLI_EXIT_FAILURE;
  if (ev->summary.fp && !cli_sink_commit(&ev->summary))
    return CLI_EXIT_FAILURE;
  if (!ev->o->summary && !ev->table && !ev->o->quiet && !cli_write_summary(stderr, ev->p, ev->res, ev->by))
    return CLI_EXIT_FAILURE;
  return 0;
}

/* Every step after the options; whatever fails, the caller aborts the
 * output files, so nothing half-written is left. */
static int run_evaluation(evaluation *ev) {
  bool refused = false;
  int rc = prepare(ev);
  ev->pr = rc == 0 ? cli_progress_new(!ev->o->quiet && isatty(STDERR_FILENO)) : NULL;
  if (rc == 0)
    rc = load_facts(ev, &refused);
  if (rc == 0)
    rc = evaluate(ev);
  if (rc == 0)
    rc = write_results(ev);
  if (rc == 0 && refused)
    rc = CLI_EXIT_FAILURE; /* every valid record was evaluated, but not every record was valid */
  return rc;
}

int cli_cmd_evaluate(int argc, char **argv) {
  options o = {0};
  int rc = parse_options(argc, argv, &o);
  if (rc == 0)
    rc = check_evaluate_options(&o);
  if (rc == 0) {
    const char *format = o.format ? o.format : "table";
    evaluation ev = {.o = &o, .table = strcmp(format, "table") == 0, .write = find_format(format)};
    rc = run_evaluation(&ev);
    cli_progress_free(ev.pr);
    cli_sink_abort(&ev.out); /* whatever was not committed leaves nothing */
    cli_sink_abort(&ev.rejects);
    cli_sink_abort(&ev.summary);
    zjtx_result_free(ev.res);
    zjtx_facts_free(ev.facts);
    zjtx_policy_unref(ev.p);
    zjtx_options_free(ev.opts);
  }
  options_clear(&o);
  return rc == CLI_EXIT_HELP ? CLI_EXIT_OK : rc;
}
