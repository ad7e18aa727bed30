/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli.h - what the zjtx command's files share. */
#ifndef ZJTX_CLI_H
#define ZJTX_CLI_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <zjtx/zjtx.h>

/* ---- commands with their own option parsing: argv[0] is the command name.
 * Each returns the exit status: 0 success, 1 failure, 2 usage error. */
int cli_cmd_test(int argc, char **argv);       /* cli-test.c: zjtx test PATH... */
int cli_cmd_simulate(int argc, char **argv);   /* cli-simulate.c: zjtx simulate ... */
int cli_cmd_indicators(int argc, char **argv); /* cli-indicators.c: zjtx indicators ... */

/* ---- cli-common.c -------------------------------------------------------- */

/* --set PARAM=VALUE or PARAM[KEY]=VALUE into opts; false when malformed. */
bool cli_apply_set(zjtx_options *opts, const char *arg);

typedef struct cli_progress cli_progress;
/* Facts from a JSON file or a CSV directory, keeping going past invalid
 * records, finished; shows progress as `phase` on `pr` (may be NULL). */
zjtx_status cli_load_facts(zjtx_policy *policy, const char *path, cli_progress *pr, const char *phase,
                           zjtx_facts **out, zjtx_error **err);

/* ---- cli-output.c: the formats of `zjtx evaluate` ----------------------- */

/* Writes the result in the JSON contract of `zjtx evaluate --format json`. */
bool cli_write_json(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain);
/* One JSON object per line: entitlements, then violations, each with "type". */
bool cli_write_jsonl(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain);
/* CSV (RFC 4180): type,rule,beneficiary,id,amount,fen. */
bool cli_write_csv(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain);
/* Writes the result as a table for people (Chinese titles, totals). */
bool cli_write_table(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain);
/* One CSV field, quoted when it must be (RFC 4180), then ',' or a newline. */
void cli_csv_field(FILE *out, const char *s, bool last);
/* 1234567.5 as "1,234,567.50" from fen, newly allocated. */
char *cli_grouped_yuan(int64_t fen);

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
