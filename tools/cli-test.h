/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test.h - what the files of `zjtx test` share: the state of a run
 * (runner, test file, test) and what each file gives the others.  In
 * layers, each calling only the files below it:
 *   cli-test.c           the command: options, finding files, running them
 *   cli-test-case.c      one test's facts, options and evaluation
 *   cli-test-expect.c    comparing results with expectations
 *   cli-test-coverage.c  the policies used, which rules fired, look-ups
 *   cli-test-common.c    reading the parsed tree; printing failures
 *   cli-test-xml.c       reading a test file safely and validating it
 * Side by side, neither calling the other: case and expect; common and xml. */
#ifndef ZJTX_CLI_TEST_H
#define ZJTX_CLI_TEST_H

#include <libxml/tree.h>

#include "cli.h"

/* One policy, loaded once, and what the tests that used it exercised. */
typedef struct {
  char *shown;     /* the path as shown to the user */
  char *canonical; /* the key policies are shared by */
  zjtx_policy *p;
  guint tests;       /* tests run against it */
  guint *fired;      /* per rule or check: tests in which it gave a result */
  guint *named;      /* per rule or check: expectations naming it */
  GHashTable *index; /* rule or check id -> index + 1 */
} policy_use;

/* One `zjtx test` run: its options, the policies used, the counts. */
typedef struct {
  char *policy; /* --policy FILE (owned), or NULL */
  bool quiet, require_coverage;
  GPtrArray *uses; /* policy_use*, in order of first use */
  guint passed, failed;
} test_runner;

/* One test file being run. */
typedef struct {
  test_runner *r;
  const char *path; /* as named to the user */
  char *dir;        /* where its relative paths start */
  xmlDoc *doc;
  GStringChunk *strings; /* attribute values, borrowed while the file runs */
  policy_use *use;
  const char *period; /* <tests period>, or NULL */
} test_file;

/* One <test> being run. */
typedef struct {
  test_file *tf;
  xmlNode *node;
  const char *name;
  zjtx_facts *facts; /* the result borrows them: freed after it */
  zjtx_result *res;
  GHashTable *ent_index, *viol_index; /* "rule\037id" -> result index + 1 */
  guint8 *ent_seen, *viol_seen;       /* results some expectation accounted for */
  GHashTable *und_index;              /* undecided: "rule\037id" -> index + 1 */
  guint8 *und_seen;
  GHashTable *ids;   /* "entity\037id" of the inline records */
  bool ids_complete; /* every record is inline (no href) */
  guint failures;
} test_run;

/* ---- cli-test-common.c: reading the XML tree ---- */

/* The line of @n in its file; 0 for NULL. */
int test_line(const xmlNode *n);
/* Is @n an element (named @name, unless NULL)? */
bool test_is_element(const xmlNode *n, const char *name);
/* Attribute @name of @n, borrowed from the file's string chunk, or NULL. */
const char *test_prop(test_file *tf, const xmlNode *n, const char *name);
/* The text content of @n, trimmed, borrowed like test_prop(). */
const char *test_text(test_file *tf, const xmlNode *n);
/* @path as seen from the current directory: absolute paths as they are,
 * relative ones taken from @dir (the test file's directory).  g_free(). */
char *test_resolve(const char *dir, const char *path);
/* The strings of @items sorted and joined with ", " ("none" when empty).  g_free(). */
char *test_join_sorted(GPtrArray *items);

/* ---- cli-test-common.c: failures ---- */

/* A problem with a test file as a whole: it counts as one failure. */
void test_file_error(test_runner *r, const char *path, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
/* One failure of a test, at the line of @at. */
void test_fail(test_run *t, const xmlNode *at, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* A failure carrying a libzjtx error chain: the first message on the FAIL
 * line, the others below it. */
void test_fail_error(test_run *t, const xmlNode *at, const char *what, const zjtx_error *err);
/* Under a failure: "why:" and the explanation @ex (may be NULL); frees it. */
void test_fail_explanation(zjtx_explanation *ex);

/* ---- cli-test-xml.c: the only file that parses XML ---- */

/* Reads, parses and validates @path against the embedded rules/test.rng;
 * on any problem NULL, after saying what went wrong (every schema error,
 * each on its own ERROR line; one failure of @r in all). */
xmlDoc *test_xml_read(test_runner *r, const char *path);

/* ---- cli-test-coverage.c ---- */

/* The policy at @path, loaded on first use; NULL (reported) if it does not load. */
policy_use *test_use_policy(test_file *tf, const char *path, int line);
void test_policy_use_free(gpointer data);
/* Index of rule or check @id, or -1. */
gssize test_rule_index(const policy_use *u, const char *id);
/* Index of entity @name, or -1. */
gssize test_find_entity(const zjtx_policy *p, const char *name);
/* Counts which rules and checks gave a result in this test. */
void test_note_coverage(test_run *t);
/* Coverage of every policy used; false when --require-coverage is not met. */
bool test_report_coverage(const test_runner *r);

/* ---- cli-test-case.c ---- */

/* Facts, options, evaluation of t->node: false (reported) when the test
 * cannot run; otherwise t->facts and t->res are set. */
bool test_run_evaluation(test_run *t);

/* ---- cli-test-expect.c: comparing ---- */

/* Indexes the results by rule (or check) and id, for the expectations. */
void test_index_results(test_run *t);
/* Every <expect...> of the test against the results. */
void test_check_expectations(test_run *t);
/* exact="true": every result must be one an expectation named. */
void test_check_exact(test_run *t);

#endif
