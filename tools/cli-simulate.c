/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-simulate.c - zjtx simulate: evaluates one population under a base
 * policy and under a reform of it, and reports what the reform changes:
 * per rule, per county, per check and per beneficiary (cli-report-*.c). */
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli-report.h"

static const cli_command simulate_command = {
    .name = "simulate",
    .summary = "Evaluates the facts under the base policy and under the reform (a policy that\n"
               "extends it: <amend-parameter>, <amend-rule>, <remove-rule>, new rules, overrides)\n"
               "and reports the budget effect: per rule and per county the total under each,\n"
               "the difference and how many beneficiaries gain, lose or are unchanged; the\n"
               "violations per check under each; the largest individual changes.  Amounts are\n"
               "exact, in yuan with two decimals.",
    .description =
        "--set replaces a parameter in the REFORM only (the base stays as published), so\n"
        "that a parameter change can be simulated without writing a reform file: the\n"
        "reform may then be the base itself.  --report also writes a self-contained HTML\n"
        "page with bar charts (inline SVG, no script, no network) and winners and losers,\n"
        "printable on A4 as a record to sign: records by name beside their id, a warning\n"
        "naming the assumed parameters and a draft policy document, what the reform\n"
        "changes (each parameter and rule, before -> after), the facts and their record\n"
        "counts, the policy versions, the engine version and the date it was made\n"
        "(SOURCE_DATE_EPOCH, when set, fixes that date).\n"
        "\n"
        "Examples:\n"
        "  zjtx simulate --policy rules/policy.xml --reform reforms/raise-rate.xml \\\n"
        "                --facts facts.json --report impact.html\n"
        "  zjtx simulate --policy base.xml --reform base.xml --facts facts.json --set base_rate=3 --format json\n"
        "\n"
        "Invalid records are reported on standard error and the rest are compared; the\n"
        "exit status is then 1.  Exit status: 0 success, 1 invalid input or a file that\n"
        "cannot be written, 2 usage error.\n",
};

typedef struct {
  char *policy, *reform, *facts, *period, *format, *output, *report, *threads, *top;
  char **set;
  gboolean quiet;
  GPtrArray *sets; /* borrows `set` */
} sim_options;

/* One side of the comparison. */
typedef struct {
  const char *label; /* "base" or "reform" */
  zjtx_policy *p;
  zjtx_options *opts;
  zjtx_facts *facts;
  bool borrowed_facts; /* the base's, read once (the same facts layout) */
  zjtx_result *res;
} side;

typedef bool (*sim_writer)(FILE *out, const sim_report *r, const sim_view *v);

/* The state of one `zjtx simulate`. */
typedef struct {
  const sim_options *o;
  sim_writer write;
  size_t top;
  side base, reform;
  cli_sink out, report;
  cli_progress *pr;
  bool refused;
} simulation;

static void sim_options_clear(sim_options *o) {
  char **strings[] = {&o->policy, &o->reform, &o->facts,   &o->period, &o->format,
                      &o->output, &o->report, &o->threads, &o->top};
  for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
    g_clear_pointer(strings[i], g_free);
  g_clear_pointer(&o->set, g_strfreev);
  g_clear_pointer(&o->sets, g_ptr_array_unref);
}

/* ---- options ---------------------------------------------------------- */

static int parse_simulate(int argc, char **argv, sim_options *o) {
  const GOptionEntry entries[] = {
      {"policy", 0, 0, G_OPTION_ARG_FILENAME, &o->policy, "The base policy, as published (required)", "BASE.xml"},
      {"reform", 0, 0, G_OPTION_ARG_FILENAME, &o->reform, "The reform (required); it may be the base itself",
       "REFORM.xml"},
      {"facts", 0, 0, G_OPTION_ARG_FILENAME, &o->facts, "The facts: JSON, or a CSV directory (required)",
       "FILE.json|DIR"},
      {"period", 0, 0, G_OPTION_ARG_FILENAME, &o->period, "The period, for both (default: the facts', else the base's)",
       "PERIOD"},
      {"set", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->set, "Replace a parameter in the REFORM only; repeatable",
       "PARAM=VALUE"},
      {"format", 0, 0, G_OPTION_ARG_FILENAME, &o->format, "table (default), json or csv", "table|json|csv"},
      {"top", 0, 0, G_OPTION_ARG_FILENAME, &o->top, "How many largest changes to list (default 10; 0: none)", "N"},
      {"output", 0, 0, G_OPTION_ARG_FILENAME, &o->output, "Write the result to FILE instead of standard output",
       "FILE"},
      {"report", 0, 0, G_OPTION_ARG_FILENAME, &o->report, "Also write an HTML page with bar charts", "FILE.html"},
      {"threads", 0, 0, G_OPTION_ARG_FILENAME, &o->threads,
       "Threads of each side; base and reform evaluate at once (default: half the processors each; 0: all of them)",
       "N"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No progress or notes on standard error", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  int rc = cli_parse_options(&simulate_command, entries, &argc, &argv);
  if (rc == 0)
    rc = cli_no_arguments(&simulate_command, argc, argv);
  o->sets = cli_strv_array(o->set);
  return rc;
}

static sim_writer find_writer(const char *name) {
  static const struct {
    const char *name;
    sim_writer write;
  } formats[] = {{"table", sim_write_table}, {"json", sim_write_json}, {"csv", sim_write_csv}};
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++)
    if (strcmp(formats[i].name, name) == 0)
      return formats[i].write;
  return NULL;
}

static int check_files(const sim_options *o) {
  const char *names[] = {"--policy", "--reform", "--facts", "--output", "--report"};
  const char *files[] = {o->policy, o->reform, o->facts, o->output, o->report};
  for (size_t i = 0; i < G_N_ELEMENTS(files); i++)
    if (files[i] && !files[i][0])
      return cli_usage_error("simulate", "%s needs a file name", names[i]);
  if (o->output && o->report && strcmp(o->output, o->report) == 0)
    return cli_usage_error("simulate", "--output and --report name the same file '%s'", o->output);
  return 0;
}

/* What can be told wrong before reading anything: exit status 2. */
static int check_simulate_options(const sim_options *o, simulation *s) {
  if (!o->policy)
    return cli_usage_error("simulate", "%s", "--policy BASE.xml is required");
  if (!o->reform)
    return cli_usage_error("simulate", "%s",
                           "--reform REFORM.xml is required (it may be the base, changed with --set)");
  if (!o->facts)
    return cli_usage_error("simulate", "%s", "--facts FILE.json|DIR is required");
  s->write = find_writer(o->format ? o->format : "table");
  if (!s->write)
    return cli_usage_error("simulate", "--format '%s': expected table, json or csv", o->format);
  guint64 top = 10;
  if (o->top && !g_ascii_string_to_unsigned(o->top, 10, 0, G_MAXINT32, &top, NULL))
    return cli_usage_error("simulate", "--top '%s': expected a whole number, 0 or more", o->top);
  s->top = (size_t)top;
  return check_files(o);
}

/* Period and threads for both sides, --set for the reform. */
static int make_options(simulation *s) {
  const sim_options *o = s->o;
  zjtx_error *err = NULL;
  side *sides[] = {&s->base, &s->reform};
  for (size_t i = 0; i < G_N_ELEMENTS(sides); i++) {
    sides[i]->opts = cli_options_new();
    if (o->period && zjtx_options_set_period(sides[i]->opts, o->period, &err) != ZJTX_OK)
      return cli_report_error(NULL, err);
    int rc = o->threads ? cli_parse_threads("simulate", o->threads, &sides[i]->opts, 1) : 0;
    if (rc != 0)
      return rc;
  }
  return cli_apply_sets("simulate", s->reform.opts, o->sets);
}

/* ---- policies and facts ------------------------------------------------ */

/* The reform's assumed (unpublished) parameters, the base's included, that
 * --set does not replace. */
static void note_assumed(const simulation *s) {
  g_autofree char *names = cli_assumed_params(s->reform.p, s->o->sets);
  if (names)
    cli_message("note: assumed parameter values (not published): %s", names);
}

static int load_policies(simulation *s) {
  zjtx_error *err = NULL;
  if (cli_load_policy(s->o->policy, NULL, &s->base.p, &err) != ZJTX_OK)
    return cli_report_error(NULL, err);
  /* a reform may extend the policy it amends, wherever that lies */
  g_autofree char *base_dir = g_path_get_dirname(s->o->policy);
  if (cli_load_policy(s->o->reform, base_dir, &s->reform.p, &err) != ZJTX_OK)
    return cli_report_error(NULL, err);
  if (!s->o->quiet)
    note_assumed(s);
  return 0;
}

static bool same_rejects(const zjtx_facts *a, const zjtx_facts *b) {
  size_t n = zjtx_facts_reject_count(a);
  if (n != zjtx_facts_reject_count(b))
    return false;
  for (size_t i = 0; i < n; i++)
    if (zjtx_facts_reject_line(a, i) != zjtx_facts_reject_line(b, i) ||
        g_strcmp0(zjtx_facts_reject_reason(a, i), zjtx_facts_reject_reason(b, i)) != 0)
      return false;
  return true;
}

static void report_rejects(simulation *s) {
  const zjtx_facts *b = s->base.facts, *r = s->reform.facts;
  size_t n = zjtx_facts_reject_count(b);
  /* the reform's only when they differ from the base's (the same facts, read twice) */
  cli_print_rejects(b, "");
  if (!same_rejects(b, r)) {
    cli_print_rejects(r, "reform: ");
    n = MAX(n, zjtx_facts_reject_count(r));
  }
  if (n == 0)
    return;
  s->refused = true;
  cli_message("%zu problem%s in the facts; every valid record was compared", n, n == 1 ? "" : "s");
}

/* The facts, keeping going past invalid records: read once when the
 * reform declares the same entities and fields as the base (the usual
 * reform changes parameters and rules), else once per policy. */
static int load_facts(simulation *s) {
  side *sides[] = {&s->base, &s->reform};
  for (size_t i = 0; i < G_N_ELEMENTS(sides); i++) {
    zjtx_error *err = NULL;
    if (i == 1 && zjtx_policy_same_facts_layout(s->base.p, s->reform.p)) {
      s->reform.facts = s->base.facts;
      s->reform.borrowed_facts = true;
      break;
    }
    g_autofree char *phase = g_strdup_printf("loading facts (%s)", sides[i]->label);
    zjtx_status st = cli_load_facts(sides[i]->p, s->o->facts, s->pr, phase, &sides[i]->facts, &err);
    if (st != ZJTX_OK)
      return cli_report_error(NULL, err);
  }
  report_rejects(s);
  return 0;
}

/* What the last phase freed, given back to the system before the next:
 * reading and evaluating leave tens of megabytes free in the allocator's
 * arenas (the reading and evaluating threads' own among them, which the
 * comparison on this thread could not reuse), and simulate holds two
 * results and the comparison on top of the facts.  At 1M: 12 MB less at
 * the peak, for a few milliseconds. */
static void give_back_memory(void) {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

/* One side's evaluation, on a thread of its own. */
typedef struct {
  side *x;
  zjtx_status st;
  zjtx_error *err;
} evaluation;

static gpointer evaluate_side(gpointer data) {
  evaluation *ev = data;
  ev->st = zjtx_evaluate(ev->x->p, ev->x->facts, ev->x->opts, &ev->x->res, &ev->err);
  return NULL;
}

/* A failed side's error (the base's first: the reform's is then not told). */
static int report_side(evaluation *ev) {
  cli_message("%s policy %s:", ev->x->label, zjtx_policy_id(ev->x->p));
  return cli_report_error(NULL, g_steal_pointer(&ev->err));
}

/* Each side on half the processors, unless --threads said how many: the
 * two evaluate at once, each keeping a core busy through the other's
 * single-threaded steps (results are the same for any number of threads). */
static void share_processors(simulation *s) {
  if (s->o->threads)
    return;
  int half = MAX(1, (int)g_get_num_processors() / 2);
  zjtx_options_set_threads(s->base.opts, half, NULL);
  zjtx_options_set_threads(s->reform.opts, half, NULL);
}

/* Both sides over the same period: the base's (--period, else the facts',
 * else the base policy's default: what zjtx_evaluate takes), evaluated at
 * the same time. */
static int evaluate_both(simulation *s) {
  if (!s->o->period) {
    const char *period = zjtx_facts_period(s->base.facts);
    if (!period)
      period = zjtx_policy_default_period(s->base.p);
    if (period)
      zjtx_options_set_period(s->reform.opts, period, NULL);
  }
  share_processors(s);
  evaluation base = {.x = &s->base}, reform = {.x = &s->reform};
  cli_progress_begin(s->pr, "evaluating (base and reform)");
  GThread *t = g_thread_try_new("zjtx-reform", evaluate_side, &reform, NULL);
  evaluate_side(&base);
  if (t)
    g_thread_join(t);
  else
    evaluate_side(&reform);
  cli_progress_end(s->pr);
  give_back_memory();
  int rc = base.st != ZJTX_OK ? report_side(&base) : reform.st != ZJTX_OK ? report_side(&reform) : 0;
  zjtx_error_free(base.err);
  zjtx_error_free(reform.err);
  return rc;
}

/* ---- output ------------------------------------------------------------ */

/* When the report is made: now, in local time; or SOURCE_DATE_EPOCH (in
 * UTC) when set, so that the same inputs can give the same page. */
static char *report_date(void) {
  const char *epoch = g_getenv("SOURCE_DATE_EPOCH");
  guint64 secs = 0;
  g_autoptr(GDateTime) t = NULL;
  if (epoch && g_ascii_string_to_unsigned(epoch, 10, 0, G_MAXINT64, &secs, NULL))
    t = g_date_time_new_from_unix_utc((gint64)secs);
  if (!t)
    t = g_date_time_new_now_local();
  return g_date_time_format(t, "%Y-%m-%d %H:%M %Z");
}

static int write_outputs(simulation *s) {
  sim_report r;
  g_autofree char *made = report_date();
  sim_view v = {.sets = s->o->sets,
                .top = s->top,
                .facts = s->base.facts,
                .facts_path = s->o->facts,
                .made = made,
                .base_res = s->base.res,
                .reform_res = s->reform.res};
  bool ok = sim_report_build_top(&r, s->base.p, s->base.res, s->reform.p, s->reform.res, s->top);
  ok = ok && s->write(s->out.fp, &r, &v) && cli_sink_commit(&s->out);
  if (ok && s->report.fp)
    sim_report_name(&r, s->base.facts);
  if (ok && s->report.fp)
    ok = sim_write_html(s->report.fp, &r, &v) && cli_sink_commit(&s->report);
  sim_report_clear(&r);
  return ok ? 0 : 1;
}

static int open_outputs(simulation *s) {
  if (!cli_sink_open(&s->out, s->o->output))
    return 1;
  if (s->o->report && !cli_sink_open(&s->report, s->o->report))
    return 1;
  return 0;
}

static void side_clear(side *x) {
  zjtx_result_free(x->res);
  if (!x->borrowed_facts)
    zjtx_facts_free(x->facts);
  zjtx_policy_unref(x->p);
  zjtx_options_free(x->opts);
}

static int run_simulation(simulation *s) {
  int rc = make_options(s);
  if (rc == 0)
    rc = load_policies(s);
  if (rc == 0)
    rc = open_outputs(s); /* an output that cannot be created fails before the long part */
  s->pr = rc == 0 ? cli_progress_new(!s->o->quiet && isatty(STDERR_FILENO)) : NULL;
  if (rc == 0)
    rc = load_facts(s);
  give_back_memory();
  if (rc == 0)
    rc = evaluate_both(s);
  if (rc == 0)
    rc = write_outputs(s);
  if (rc == 0 && s->refused)
    rc = 1; /* every valid record was compared, but not every record was valid */
  return rc;
}

int cli_cmd_simulate(int argc, char **argv) {
  sim_options o = {0};
  simulation s = {.o = &o, .base.label = "base", .reform.label = "reform"};
  int rc = parse_simulate(argc, argv, &o);
  if (rc == 0)
    rc = check_simulate_options(&o, &s);
  if (rc == 0)
    rc = run_simulation(&s);
  cli_progress_free(s.pr);
  cli_sink_abort(&s.out); /* whatever was not committed leaves nothing */
  cli_sink_abort(&s.report);
  side_clear(&s.reform); /* first: it may borrow the base's facts */
  side_clear(&s.base);
  sim_options_clear(&o);
  return rc == CLI_EXIT_HELP ? CLI_EXIT_OK : rc;
}
