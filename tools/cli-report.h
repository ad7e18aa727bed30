/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-report.h - what `zjtx simulate` shares between its files: the
 * comparison of a base policy and a reform over the same population and
 * the formats that show it.  In layers, each calling only files below it:
 *   cli-report-html.c     the HTML page
 *   cli-report-record.c   its parts that make it a record to sign: the
 *                         warning, the reform's changes, the data source
 *   cli-report-svg.c      its bar charts
 *   cli-report-text.c     table, JSON, CSV; signed amounts (the page's too)
 *   cli-report-markup.c   escaped text and headings, for the page and charts
 * and beside them, called by none of them: cli-report-compare.c, the
 * comparison. */
#ifndef ZJTX_CLI_REPORT_H
#define ZJTX_CLI_REPORT_H

#include "cli.h"
#include "format.h"

/* Amounts in fen, exact.  gainers + losers + unchanged = beneficiaries
 * with an amount under the base or the reform (an absent amount is 0). */
typedef struct {
  int64_t base, reform, diff;
  size_t gainers, losers, unchanged;
} sim_totals;

/* Where a rule or check exists: bit 1 the base, bit 2 the reform. */
enum { SIM_IN_BASE = 1, SIM_IN_REFORM = 2, SIM_IN_BOTH = 3 };

/* One entitlement rule: per (rule, beneficiary) counts. */
typedef struct {
  const char *id, *title, *clause;
  int in;
  sim_totals t;
} sim_rule;

/* One record of the grouping entity (a county); id NULL: beneficiaries
 * related to none.  Counts are of beneficiaries, by their total over all
 * rules. */
typedef struct {
  const char *id;
  const char *name; /* its label in the facts (淮安区), or NULL */
  sim_totals t;
} sim_group;

/* One check: violations under each. */
typedef struct {
  const char *id, *title;
  int in;
  size_t base, reform;
} sim_check;

/* One (rule, beneficiary) whose amount differs. */
typedef struct {
  const char *rule, *entity, *id, *group;
  const char *name, *group_name; /* labels of the beneficiary and its group, or NULL */
  size_t rule_index;             /* into sim_report.rules */
  int64_t base, reform, diff;
} sim_change;

/* One fund of a <budget> (per group with group-by): side 0 the base, 1
 * the reform; `in` says where it exists. */
typedef struct {
  const char *id, *group; /* group NULL: one fund for all */
  int in;
  int64_t cap[2], claims[2], paid[2];
  int scaled[2], undecided[2];
} sim_budget;

/* The whole comparison.  Strings are borrowed from the policies and the
 * results it was built from, which must outlive it. */
typedef struct {
  const zjtx_policy *base, *reform;
  const char *period;
  const char *group_by; /* the grouping entity ("county"), or NULL */
  GArray *rules;        /* sim_rule, base order, then rules new in the reform */
  GArray *groups;       /* sim_group, by id, the NULL group last */
  GArray *checks;       /* sim_check */
  GArray *undecided;    /* sim_check: per rule or check, the subjects left undecided (data missing) */
  GArray *changes;      /* sim_change, largest |diff| first: the largest gains and losses (sim_report_build_top) */
  size_t changed;       /* how many (rule, beneficiary) amounts differ: changes kept or not */
  GArray *budgets;      /* sim_budget, the base's order, then funds new in the reform */
  sim_totals total;     /* counts of beneficiaries, over all rules */
} sim_report;

/* What the formats need besides the comparison. */
typedef struct {
  const GPtrArray *sets; /* the --set arguments (applied to the reform) */
  size_t top;            /* how many changes (winners, losers) to show */
  /* for the page only (NULL in the other formats' tests is fine) */
  const zjtx_facts *facts; /* the facts as read for the base */
  const char *facts_path;  /* as given on the command line */
  const char *made;        /* when the report was made, "2026-01-01 08:00 CST" */
  /* the two runs, for their receipts (NULL: the page says none was made) */
  const zjtx_result *base_res, *reform_res;
} sim_view;

/* ---- cli-report-compare.c ---- */

/* Compares two results of the same facts, keeping every change.  False
 * (with a message on stderr) when a total exceeds the exact money range. */
bool sim_report_build(sim_report *r, const zjtx_policy *base, const zjtx_result *base_res, const zjtx_policy *reform,
                      const zjtx_result *reform_res);
/* The same, keeping in r->changes only the `top` largest gains and the
 * `top` largest losses (r->changed counts them all): what the formats
 * show of them with sim_view.top = `top`, without holding the rest. */
bool sim_report_build_top(sim_report *r, const zjtx_policy *base, const zjtx_result *base_res,
                          const zjtx_policy *reform, const zjtx_result *reform_res, size_t top);
void sim_report_clear(sim_report *r);
/* Fills in the names of groups and changed beneficiaries from the labels
 * of their records (zjtx_facts_record_label), borrowed from `facts`. */
void sim_report_name(sim_report *r, const zjtx_facts *facts);

/* ---- cli-report-text.c ---- */

/* "+1,234.50", "-1,234.50", "0.00" (zfmt_fen_grouped with a sign for a
 * gain) into buf, SIM_SIGNED_BUFSZ bytes; returns buf. */
#define SIM_SIGNED_BUFSZ (ZFMT_FEN_BUFSZ + 1)
const char *sim_signed_grouped(char *buf, int64_t fen);
bool sim_write_table(FILE *out, const sim_report *r, const sim_view *v);
bool sim_write_json(FILE *out, const sim_report *r, const sim_view *v);
bool sim_write_csv(FILE *out, const sim_report *r, const sim_view *v);

/* ---- cli-report-html.c ---- */

/* The self-contained HTML page (inline CSS and SVG, no script, no URL). */
bool sim_write_html(FILE *out, const sim_report *r, const sim_view *v);

/* ---- cli-report-record.c: what makes the page a record to sign ---- */

/* The warning: the policy document's status when it is not in force (a
 * draft for comments) and the assumed parameters, with their values. */
void sim_page_warning(GString *s, const sim_report *r, const sim_view *v);
/* The reform's changes: each parameter and each rule, before -> after. */
void sim_page_reform_changes(GString *s, const sim_report *r, const sim_view *v);
/* Where the numbers come from: the facts and their record counts, the
 * policies and their versions, the engine, the date; then the receipt and
 * the lines to sign. */
void sim_page_source(GString *s, const sim_report *r, const sim_view *v);

/* ---- cli-report-svg.c: the page's bar charts ---- */

/* Base and reform per rule, as an SVG figure. */
void sim_svg_chart_rules(GString *s, const sim_report *r);
/* Base and reform per record of the grouping entity (r->group_by set). */
void sim_svg_chart_groups(GString *s, const sim_report *r);

/* ---- cli-report-markup.c: what the page and its charts both write ---- */

/* `text` (NULL as "", invalid UTF-8 repaired) escaped for HTML text and
 * attribute values (& < > " '). */
void sim_html_escape(GString *s, const char *text);
/* The grouping entity in Chinese: 县区 for a county, else 分组 (a group). */
const char *sim_group_heading_zh(const char *by);
/* A record by name with its key beside, "淮安区 (320803)", escaped; the key
 * alone when it has no name. */
void sim_html_named(GString *s, const char *name, const char *id);

#endif
