/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli.h - what the zjtx command's files share.  The files form layers, each
 * calling only files in the rows below it (and, inside the simulate and
 * test groups, the files their own header places below it):
 *   zjtx.c                           finds the command
 *   cli-evaluate.c cli-check.c cli-indicators.c cli-simulate.c cli-test.c cli-receipt-verify.c cli-serve.c
 *   cli-serve-*.c (cli-serve.h, above cli-report-*.c)
 *   cli-report-*.c (cli-report.h)    cli-test-*.c (cli-test.h)
 *   cli-output.c cli-summary.c cli-file.c cli-receipt.c
 *   cli-common.c cli-options.c
 *   cli-message.c cli-progress.c     at the bottom, calling none of them */
#ifndef ZJTX_CLI_H
#define ZJTX_CLI_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <zjtx/zjtx.h>

/* ---- the commands: argv[0] is the command name.  Each returns the exit
 * status: 0 success, 1 failure, 2 usage error. */
int cli_cmd_evaluate(int argc, char **argv);       /* cli-evaluate.c: zjtx evaluate ... */
int cli_cmd_check(int argc, char **argv);          /* cli-check.c: zjtx check --policy FILE */
int cli_cmd_dump(int argc, char **argv);           /* cli-check.c: zjtx dump --policy FILE */
int cli_cmd_test(int argc, char **argv);           /* cli-test.c: zjtx test PATH... */
int cli_cmd_simulate(int argc, char **argv);       /* cli-simulate.c: zjtx simulate ... */
int cli_cmd_indicators(int argc, char **argv);     /* cli-indicators.c: zjtx indicators ... */
int cli_cmd_verify_receipt(int argc, char **argv); /* cli-receipt-verify.c: zjtx verify-receipt ... */
int cli_cmd_explain(int argc, char **argv);        /* cli-explain.c: zjtx explain ... */
int cli_cmd_serve(int argc, char **argv);          /* cli-serve.c: zjtx serve --policies DIR (cli-serve.h) */

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };
/* cli_parse_options() printed --help: the command stops with exit status 0. */
#define CLI_EXIT_HELP (-1)

/* ---- cli-message.c: every message on stderr ------------------------------ */

/* "zjtx COMMAND: MESSAGE" and "Try 'zjtx COMMAND --help'." on stderr
 * (command NULL: the top level); returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* "zjtx: MESSAGE" on stderr: notes, and failures that are not libzjtx's.
 * Control characters in MESSAGE are shown escaped (\x1b), never sent. */
void cli_message(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* `s` safe to show on a terminal: control characters written as \xNN
 * (C1 as \uNNNN), tabs kept.  For everything from the input that the
 * table and text formats print (ids, keys, explanations).  g_free(). */
char *cli_printable(const char *s);
/* The one error reporter: every error of the chain as "zjtx: [CONTEXT: ]
 * file:line:column: message", then "zjtx: N errors" when there are
 * several; frees the chain and returns CLI_EXIT_FAILURE. */
int cli_report_error(const char *context, zjtx_error *err);

/* ---- cli-options.c: options and --help (above cli-message.c) ------------- */

/* What `zjtx COMMAND --help` shows besides the options. */
typedef struct {
  const char *name;        /* the command: "evaluate" */
  const char *args;        /* what follows [OPTION…] in the usage line ("PATH…"), or NULL */
  const char *summary;     /* what the command does, under the usage line */
  const char *description; /* after the options: details, an example, the exit status */
} cli_command;

/* Parses the options of `cmd` (argv[0] is its name) into the variables
 * `entries` point to (G_OPTION_ARG_FILENAME keeps values byte for byte;
 * the caller g_free()s them), leaving the other arguments in argv.  Adds
 * --policy-path and -h/--help.  Returns 0 to go on, CLI_EXIT_HELP after
 * printing the help, or CLI_EXIT_USAGE after a one-line usage error. */
int cli_parse_options(const cli_command *cmd, const GOptionEntry *entries, int *argc, char ***argv);
/* The --policy-path given (DIR:DIR...), or NULL. */
const char *cli_policy_path(void);
/* A usage error when arguments other than options are left. */
int cli_no_arguments(const cli_command *cmd, int argc, char **argv);
/* The values of a repeated option (NULL: none) as an array that borrows them. */
GPtrArray *cli_strv_array(char **values);
/* --threads N into each of the `n` options; a usage error when refused. */
int cli_parse_threads(const char *command, const char *arg, zjtx_options *const *opts, size_t n);
/* Every --set PARAM=VALUE or PARAM[KEY]=VALUE argument into opts; a usage
 * error for a malformed one. */
int cli_apply_sets(const char *command, zjtx_options *opts, const GPtrArray *sets);

/* ---- cli-common.c: facts and parameters (above cli-message.c, cli-progress.c) */

/* The ids of the policy's assumed (unpublished) parameters that no --set
 * replaces, ", "-separated; NULL when there is none.  g_free(). */
char *cli_assumed_params(const zjtx_policy *policy, const GPtrArray *sets);
/* "zjtx: PREFIXFILE:LINE: refused ENTITY: REASON" for every refused record. */
void cli_print_rejects(const zjtx_facts *facts, const char *prefix);

/* The policy file at `path`; its extends= may lead below its own folder,
 * the --policy-path folders and `also_dir` (may be NULL). */
zjtx_status cli_load_policy(const char *path, const char *also_dir, zjtx_policy **out, zjtx_error **err);
/* The policy and the facts a command reads (the facts keep going past
 * refused records, which are printed): 0, or the exit status of the first
 * failure, reported.  *policy and *facts are what was loaded either way. */
int cli_load_inputs(const char *policy_path, const char *facts_path, zjtx_policy **policy, zjtx_facts **facts);
/* Evaluation options as the command line starts them: one thread per
 * processor (the library's default is 1), until --threads says otherwise. */
zjtx_options *cli_options_new(void);

typedef struct cli_progress cli_progress;
/* Facts from a JSON file or a CSV directory, keeping going past invalid
 * records, finished; shows progress as `phase` on `pr` (may be NULL). */
zjtx_status cli_load_facts(zjtx_policy *policy, const char *path, cli_progress *pr, const char *phase, zjtx_facts **out,
                           zjtx_error **err);

/* ---- cli-receipt.c: the receipt of a run (evaluate --receipt, verify-receipt) */

/* "\"receipt\": {...}" for `evaluate --receipt`, or NULL after reporting
 * why on stderr.  g_free(). */
char *cli_receipt_member(const zjtx_result *res);

/* ---- cli-output.c: the formats of `zjtx evaluate` ----------------------- */

/* Writes the result in the JSON contract of `zjtx evaluate --format json`. */
bool cli_write_json(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain);
/* The same with `members` ("\"key\": value, ...", or NULL) before the closing brace. */
bool cli_write_json_with(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain,
                         const char *members);
/* One JSON object per line: entitlements, then violations, each with "type". */
bool cli_write_jsonl(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain);
/* CSV (RFC 4180): type,rule,beneficiary,id,amount,fen,missing. */
bool cli_write_csv(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain);
/* Writes the result as a table for people (Chinese titles, totals). */
bool cli_write_table(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain);
/* One CSV field, quoted when it must be (RFC 4180), then ',' or a newline. */
void cli_csv_field(FILE *out, const char *s, bool last);

/* ---- cli-summary.c: totals per rule and per entity (county) -------------- */

/* The entity totals are grouped by when the user names none: the first
 * top-level entity that a ref field names, else the first top-level entity
 * with children, else NULL. */
const char *cli_summary_default_entity(const zjtx_policy *policy);
/* Is `entity` declared by the policy? */
bool cli_policy_has_entity(const zjtx_policy *policy, const char *entity);
/* Totals per rule (count, yuan), per `by` record (NULL: no such section)
 * and violations per check.  False when a total overflows. */
bool cli_write_summary(FILE *out, const zjtx_policy *policy, const zjtx_result *res, const char *by);

/* ---- cli-file.c: output files written atomically ------------------------- */

/* Where a result goes: standard output, a regular file replaced atomically
 * (written to FILE.tmp.XXXXXX beside it, synced, renamed over it), or an
 * existing non-regular file (a device, a pipe) written in place. */
typedef struct {
  FILE *fp;     /* write here between open and commit */
  char *path;   /* as given, for messages; NULL for standard output */
  char *target; /* the file renamed over (symbolic links resolved) */
  char *tmp;    /* the temporary, or NULL when writing in place */
} cli_sink;

/* Opens `path` (NULL: standard output).  On failure says why on stderr. */
bool cli_sink_open(cli_sink *sink, const char *path);
/* Flushes, syncs and renames into place; on any failure removes the
 * temporary and says why on stderr.  Closes the sink either way. */
bool cli_sink_commit(cli_sink *sink);
/* Closes the sink and removes the temporary: nothing is written.  Safe to
 * call on a closed or never opened (zeroed) sink. */
void cli_sink_abort(cli_sink *sink);

/* ---- cli-progress.c: phases and elapsed time on a terminal --------------- */

/* NULL (every call a no-op) unless `enabled`. */
cli_progress *cli_progress_new(bool enabled);
/* Shows "zjtx: PHASE… 1.2 s", updated while the phase lasts. */
void cli_progress_begin(cli_progress *pr, const char *phase);
/* During the current phase, also show how far `facts` are read (bar,
 * records/s, time left); until cli_progress_end. */
void cli_progress_reading(cli_progress *pr, const zjtx_facts *facts);
/* Ends the phase, leaving its line with the time it took. */
void cli_progress_end(cli_progress *pr);
/* Seconds since cli_progress_new(); 0 for NULL. */
double cli_progress_elapsed(const cli_progress *pr);
/* Prints one finished line: "zjtx: MESSAGE". */
void cli_progress_note(cli_progress *pr, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void cli_progress_free(cli_progress *pr);

#endif
