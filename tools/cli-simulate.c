/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-simulate.c - zjtx simulate: evaluates one population under a base
 * policy and under a reform of it, and reports what the reform changes:
 * per rule, per county, per check and per beneficiary (cli-report-*.c). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-report.h"

static const char simulate_usage[] =
    "usage: zjtx simulate --policy BASE.xml --reform REFORM.xml --facts FILE.json|DIR\n"
    "                     [--period YYYY] [--set PARAM=VALUE]... [--format table|json|csv]\n"
    "                     [--top N] [--output FILE] [--report FILE.html] [--threads N] [--quiet]\n"
    "\n"
    "Evaluates the facts under the base policy and under the reform (a policy that\n"
    "extends it: <amend-parameter>, <amend-rule>, <remove-rule>, new rules, overrides)\n"
    "and reports the budget effect: per rule and per county the total under each,\n"
    "the difference and how many beneficiaries gain, lose or are unchanged; the\n"
    "violations per check under each; the largest individual changes.  Amounts are\n"
    "exact, in yuan with two decimals.\n"
    "\n"
    "  --reform FILE   the reform; it may be the base itself, changed by --set only.\n"
    "  --period YYYY   the year, for both (default: the facts' period, else the base's).\n"
    "  --set PARAM=VALUE, --set PARAM[KEY]=VALUE\n"
    "                  replace a parameter in the REFORM only (the base stays as\n"
    "                  published), so that a parameter change can be simulated\n"
    "                  without writing a reform file.  Repeatable.\n"
    "  --format        table (default), json or csv.\n"
    "  --top N         how many largest changes to list (default 10; 0: none).\n"
    "  --output FILE   write the result to FILE instead of standard output.\n"
    "  --report FILE.html  also write a self-contained HTML page with bar charts\n"
    "                  (inline SVG, no script, no network) and winners and losers.\n"
    "  --threads N     evaluation threads (0: one per processor).\n"
    "  --quiet, -q     no progress or notes on standard error.\n"
    "\n"
    "Invalid records are reported on standard error and the rest are compared; the\n"
    "exit status is then 1.  Exit status: 0 success, 1 invalid input or a file that\n"
    "cannot be written, 2 usage error.\n";

typedef struct {
  const char *policy, *reform, *facts, *period, *format, *output, *report, *threads, *top;
  GPtrArray *sets;
  bool quiet, help;
} sim_options;

/* One side of the comparison. */
typedef struct {
  const char *label; /* "base" or "reform" */
  zjtx_policy *p;
  zjtx_options *opts;
  zjtx_facts *facts;
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

static int sim_usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int sim_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "zjtx: simulate: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'zjtx simulate --help'.\n");
  return 2;
}

/* Every error of the chain, "zjtx: file:line:column: message"; then frees it. */
static int sim_report_error(zjtx_error *err) {
  for (const zjtx_error *e = err; e; e = zjtx_error_next(e)) {
    char *msg = zjtx_error_format(e);
    fprintf(stderr, "zjtx: %s\n", msg);
    zjtx_free(msg);
  }
  zjtx_error_free(err);
  return 1;
}

/* ---- options ---------------------------------------------------------- */

static const char **option_slot(sim_options *o, const char *a) {
  const struct {
    const char *name;
    const char **slot;
  } v[] = {{"--policy", &o->policy}, {"--reform", &o->reform},   {"--facts", &o->facts},
           {"--period", &o->period}, {"--format", &o->format},   {"--output", &o->output},
           {"--report", &o->report}, {"--threads", &o->threads}, {"--top", &o->top}};
  for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
    if (strcmp(a, v[i].name) == 0)
      return v[i].slot;
  return NULL;
}

static int parse_simulate(int argc, char **argv, sim_options *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = option_slot(o, a);
    if (slot || strcmp(a, "--set") == 0) {
      if (i + 1 >= argc)
        return sim_usage_error("%s needs a value", a);
      if (slot)
        *slot = argv[++i];
      else
        g_ptr_array_add(o->sets, argv[++i]);
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      o->quiet = true;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      o->help = true;
    } else {
      return sim_usage_error("unknown option '%s'", a);
    }
  }
  return 0;
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
      return sim_usage_error("%s needs a file name", names[i]);
  if (o->output && o->report && strcmp(o->output, o->report) == 0)
    return sim_usage_error("--output and --report name the same file '%s'", o->output);
  return 0;
}

/* What can be told wrong before reading anything: exit status 2. */
static int check_simulate_options(const sim_options *o, simulation *s) {
  if (!o->policy)
    return sim_usage_error("%s", "--policy BASE.xml is required");
  if (!o->reform)
    return sim_usage_error("%s", "--reform REFORM.xml is required (it may be the base, changed with --set)");
  if (!o->facts)
    return sim_usage_error("%s", "--facts FILE.json|DIR is required");
  s->write = find_writer(o->format ? o->format : "table");
  if (!s->write)
    return sim_usage_error("--format '%s': expected table, json or csv", o->format);
  guint64 top = 10;
  if (o->top && !g_ascii_string_to_unsigned(o->top, 10, 0, G_MAXINT32, &top, NULL))
    return sim_usage_error("--top '%s': expected a whole number, 0 or more", o->top);
  s->top = (size_t)top;
  return check_files(o);
}

/* --threads N as zjtx_options_set_threads takes it; -1 (refused) when not a number. */
static int thread_count(const char *arg) {
  char *end;
  long n = strtol(arg, &end, 10);
  return *end || end == arg ? -1 : (int)MIN(MAX(n, -1), 100000);
}

/* Period and threads for both sides, --set for the reform. */
static int make_options(simulation *s) {
  const sim_options *o = s->o;
  zjtx_error *err = NULL;
  side *sides[] = {&s->base, &s->reform};
  for (size_t i = 0; i < G_N_ELEMENTS(sides); i++) {
    sides[i]->opts = zjtx_options_new();
    if (o->period && zjtx_options_set_period(sides[i]->opts, o->period, &err) != ZJTX_OK)
      return sim_report_error(err);
    if (o->threads && zjtx_options_set_threads(sides[i]->opts, thread_count(o->threads), NULL) != ZJTX_OK)
      return sim_usage_error("--threads '%s': expected a whole number from 0 (one per processor) to 1024",
                             o->threads);
  }
  for (guint i = 0; i < o->sets->len; i++)
    if (!cli_apply_set(s->reform.opts, g_ptr_array_index(o->sets, i)))
      return sim_usage_error("--set '%s': expected PARAM=VALUE or PARAM[KEY]=VALUE",
                             (const char *)g_ptr_array_index(o->sets, i));
  return 0;
}

/* ---- policies and facts ------------------------------------------------ */

static bool is_set(const GPtrArray *sets, const char *id) {
  size_t n = strlen(id);
  for (guint i = 0; i < sets->len; i++) {
    const char *a = g_ptr_array_index(sets, i);
    if (strncmp(a, id, n) == 0 && (a[n] == '=' || a[n] == '['))
      return true;
  }
  return false;
}

/* The reform's assumed (unpublished) parameters, the base's included, that
 * --set does not replace. */
static void note_assumed(const simulation *s) {
  GString *names = g_string_new(NULL);
  const zjtx_policy *p = s->reform.p;
  for (size_t i = 0; i < zjtx_policy_param_count(p); i++)
    if (zjtx_policy_param_status(p, i) == ZJTX_PARAM_ASSUMED && !is_set(s->o->sets, zjtx_policy_param_id(p, i)))
      g_string_append_printf(names, "%s%s", names->len ? ", " : "", zjtx_policy_param_id(p, i));
  if (names->len)
    fprintf(stderr, "zjtx: note: assumed parameter values (not published): %s\n", names->str);
  g_string_free(names, TRUE);
}

static int load_policies(simulation *s) {
  zjtx_error *err = NULL;
  if (zjtx_policy_load_file(s->o->policy, &s->base.p, &err) != ZJTX_OK)
    return sim_report_error(err);
  if (zjtx_policy_load_file(s->o->reform, &s->reform.p, &err) != ZJTX_OK)
    return sim_report_error(err);
  if (!s->o->quiet)
    note_assumed(s);
  return 0;
}

/* "zjtx: FILE:LINE: refused ENTITY: REASON" for every reject; the reform's
 * only when they differ from the base's (the same facts, read twice). */
static void print_rejects(const zjtx_facts *f, const char *prefix) {
  for (size_t i = 0; i < zjtx_facts_reject_count(f); i++) {
    const char *file = zjtx_facts_reject_file(f, i);
    int line = zjtx_facts_reject_line(f, i);
    fprintf(stderr, "zjtx: %s%s%s", prefix, file ? file : "", file ? ":" : "");
    if (line > 0)
      fprintf(stderr, "%d:", line);
    fprintf(stderr, " refused %s: %s\n", zjtx_facts_reject_entity(f, i), zjtx_facts_reject_reason(f, i));
  }
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
  print_rejects(b, "");
  if (!same_rejects(b, r)) {
    print_rejects(r, "reform: ");
    n = MAX(n, zjtx_facts_reject_count(r));
  }
  if (n == 0)
    return;
  s->refused = true;
  fprintf(stderr, "zjtx: %zu problem%s in the facts; every valid record was compared\n", n, n == 1 ? "" : "s");
}

/* The facts, once per policy (facts are bound to the policy they were
 * loaded for), keeping going past invalid records. */
static int load_facts(simulation *s) {
  side *sides[] = {&s->base, &s->reform};
  for (size_t i = 0; i < G_N_ELEMENTS(sides); i++) {
    zjtx_error *err = NULL;
    g_autofree char *phase = g_strdup_printf("loading facts (%s)", sides[i]->label);
    zjtx_status st = cli_load_facts(sides[i]->p, s->o->facts, s->pr, phase, &sides[i]->facts, &err);
    if (st != ZJTX_OK)
      return sim_report_error(err);
  }
  report_rejects(s);
  return 0;
}

static int evaluate_side(simulation *s, side *x) {
  zjtx_error *err = NULL;
  g_autofree char *phase = g_strdup_printf("evaluating (%s)", x->label);
  cli_progress_begin(s->pr, phase);
  zjtx_status st = zjtx_evaluate(x->p, x->facts, x->opts, &x->res, &err);
  cli_progress_end(s->pr);
  if (st != ZJTX_OK) {
    fprintf(stderr, "zjtx: %s policy %s:\n", x->label, zjtx_policy_id(x->p));
    return sim_report_error(err);
  }
  return 0;
}

/* Both sides over the same period: the base's, unless --period gave it. */
static int evaluate_both(simulation *s) {
  int rc = evaluate_side(s, &s->base);
  if (rc == 0 && !s->o->period)
    zjtx_options_set_period(s->reform.opts, zjtx_result_period(s->base.res), NULL);
  return rc == 0 ? evaluate_side(s, &s->reform) : rc;
}

/* ---- output ------------------------------------------------------------ */

static int write_outputs(simulation *s) {
  sim_report r;
  sim_view v = {.sets = s->o->sets, .top = s->top};
  bool ok = sim_report_build(&r, s->base.p, s->base.res, s->reform.p, s->reform.res);
  ok = ok && s->write(s->out.fp, &r, &v) && cli_sink_commit(&s->out);
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
  if (rc == 0)
    rc = evaluate_both(s);
  if (rc == 0)
    rc = write_outputs(s);
  if (rc == 0 && s->refused)
    rc = 1; /* every valid record was compared, but not every record was valid */
  return rc;
}

int cli_cmd_simulate(int argc, char **argv) {
  sim_options o = {.sets = g_ptr_array_new()};
  simulation s = {.o = &o, .base.label = "base", .reform.label = "reform"};
  int rc = parse_simulate(argc, argv, &o);
  if (rc == 0 && o.help)
    fputs(simulate_usage, stdout);
  else if (rc == 0)
    rc = check_simulate_options(&o, &s);
  if (rc == 0 && !o.help)
    rc = run_simulation(&s);
  cli_progress_free(s.pr);
  cli_sink_abort(&s.out); /* whatever was not committed leaves nothing */
  cli_sink_abort(&s.report);
  side_clear(&s.base);
  side_clear(&s.reform);
  g_ptr_array_free(o.sets, TRUE);
  return rc;
}
