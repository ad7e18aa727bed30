/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test.c - zjtx test PATH...: runs declarative policy tests.
 *
 * A test file (docs/policy-tests.md, schema rules/test.rng, embedded) names
 * a policy and holds tests: facts (inline records or a file), a period,
 * parameter overrides, and the expected entitlements, violations and
 * derived values, compared exactly as text.  Each failure is printed with
 * expected and actual values and the explanation of the actual one; then
 * the coverage of every policy used (which rules and checks gave a result
 * in at least one test, which clauses that covers) and "N passed, N failed".
 *
 * Test files are read like policies (cli-test-xml.c).  Only the public API
 * of libzjtx is used.  The other cli-test-*.c files: see cli-test.h. */
#include <string.h>

#include "cli-test.h"

#define MAX_DIR_DEPTH 32

static bool is_true(const char *s) {
  return s && strcmp(s, "true") == 0;
}

/* ---- running -------------------------------------------------------------- */

static void test_run_clear(test_run *t) {
  g_free(t->ent_seen);
  g_free(t->viol_seen);
  g_free(t->und_seen);
  if (t->und_index)
    g_hash_table_destroy(t->und_index);
  if (t->ent_index)
    g_hash_table_destroy(t->ent_index);
  if (t->viol_index)
    g_hash_table_destroy(t->viol_index);
  g_hash_table_destroy(t->ids);
  zjtx_result_free(t->res);
  zjtx_facts_free(t->facts); /* after the result, which borrows them */
}

static void run_test(test_file *tf, xmlNode *node) {
  test_run t = {.tf = tf,
                .node = node,
                .name = test_prop(tf, node, "name"),
                .ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
  if (test_run_evaluation(&t)) {
    test_index_results(&t);
    test_check_expectations(&t);
    if (is_true(test_prop(tf, node, "exact")))
      test_check_exact(&t);
    test_note_coverage(&t);
  }
  if (t.failures) {
    tf->r->failed++;
  } else {
    tf->r->passed++;
    if (!tf->r->quiet)
      printf("ok   %s:%d %s\n", tf->path, test_line(node), t.name);
  }
  test_run_clear(&t);
}

/* Test names must tell tests apart: a repeated name is an error (the tests
 * still run). */
static void check_names_unique(test_file *tf, xmlNode *root) {
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (xmlNode *c = root->children; c; c = c->next) {
    if (!test_is_element(c, "test"))
      continue;
    const char *name = test_prop(tf, c, "name");
    int first = GPOINTER_TO_INT(g_hash_table_lookup(seen, name));
    if (first)
      test_file_error(tf->r, tf->path, test_line(c), "a second test named \"%s\" (the first is on line %d)", name,
                      first);
    else
      g_hash_table_insert(seen, (gpointer)name, GINT_TO_POINTER(test_line(c)));
  }
}

/* The policy the file tests: --policy, else its policy= (relative to it). */
static bool choose_policy(test_file *tf, xmlNode *root) {
  const char *attr = test_prop(tf, root, "policy");
  if (!tf->r->policy && !attr) {
    test_file_error(tf->r, tf->path, test_line(root), "no policy: write <tests policy=\"FILE\"> or give --policy FILE");
    return false;
  }
  g_autofree char *path = tf->r->policy ? g_strdup(tf->r->policy) : test_resolve(tf->dir, attr);
  tf->use = test_use_policy(tf, path, test_line(root));
  return tf->use != NULL;
}

static void run_file(test_runner *r, const char *path) {
  test_file tf = {.r = r, .path = path, .dir = g_path_get_dirname(path), .strings = g_string_chunk_new(1024)};
  tf.doc = test_xml_read(r, path);
  xmlNode *root = tf.doc ? xmlDocGetRootElement(tf.doc) : NULL;
  if (root && choose_policy(&tf, root)) {
    check_names_unique(&tf, root);
    tf.period = test_prop(&tf, root, "period");
    for (xmlNode *c = root->children; c; c = c->next)
      if (test_is_element(c, "test"))
        run_test(&tf, c);
  }
  xmlFreeDoc(tf.doc);
  g_string_chunk_free(tf.strings);
  g_free(tf.dir);
}

/* ---- finding test files ------------------------------------------------- */

static gint compare_names(gconstpointer a, gconstpointer b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds the *.xml files under @dir (in name order, depth first) to @out. */
static void collect_dir(test_runner *r, const char *dir, int depth, GPtrArray *out) {
  g_autoptr(GError) gerr = NULL;
  GDir *d = depth <= MAX_DIR_DEPTH ? g_dir_open(dir, 0, &gerr) : NULL;
  if (!d) {
    test_file_error(r, dir, 0, "cannot read the directory: %s", gerr ? gerr->message : "nested too deep");
    return;
  }
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  for (const char *name; (name = g_dir_read_name(d));)
    if (name[0] != '.')
      g_ptr_array_add(names, g_strdup(name));
  g_dir_close(d);
  g_ptr_array_sort(names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
      collect_dir(r, path, depth + 1, out);
      g_free(path);
    } else if (g_str_has_suffix(path, ".xml")) {
      g_ptr_array_add(out, path);
    } else {
      g_free(path);
    }
  }
}

static void collect(test_runner *r, const char *path, GPtrArray *out) {
  if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_ptr_array_add(out, g_strdup(path));
    return;
  }
  guint before = out->len;
  collect_dir(r, path, 0, out);
  if (out->len == before)
    test_file_error(r, path, 0, "no test files (*.xml) in this directory");
}

/* ---- the command -------------------------------------------------------- */

static const cli_command test_command = {
    .name = "test",
    .args = "PATH…",
    .summary = "Runs policy test files (docs/policy-tests.md): each PATH is a test file or a\n"
               "directory, searched for *.xml files (in name order).",
    .description = "Prints each failure (expected, actual, and why), the coverage of each policy,\n"
                   "then \"N passed, N failed\".\n"
                   "\n"
                   "Example:\n"
                   "  zjtx test --quiet --require-coverage rules/tests\n"
                   "\n"
                   "Exit status: 0 all passed, 1 a failure or an invalid test file, 2 usage error.\n",
};

/* Options into @r (its policy is then owned: g_free), paths into @paths
 * (borrowed from argv); 0, or the exit status to return. */
static int parse_args(int argc, char **argv, test_runner *r, GPtrArray *paths) {
  char *policy = NULL;
  gboolean quiet = FALSE, require_coverage = FALSE;
  const GOptionEntry entries[] = {
      {"policy", 0, 0, G_OPTION_ARG_FILENAME, &policy, "Test this policy instead of the one each file names", "FILE"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No line for passing tests", NULL},
      {"require-coverage", 0, 0, G_OPTION_ARG_NONE, &require_coverage,
       "Fail when a rule or check of a policy never gave a result", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  int rc = cli_parse_options(&test_command, entries, &argc, &argv);
  r->policy = policy;
  r->quiet = quiet;
  r->require_coverage = require_coverage;
  if (rc != 0)
    return rc;
  bool options_end = false; /* after "--", every argument is a path */
  for (int i = 1; i < argc; i++) {
    if (!options_end && strcmp(argv[i], "--") == 0)
      options_end = true;
    else
      g_ptr_array_add(paths, argv[i]);
  }
  return paths->len ? 0 : cli_usage_error("test", "%s", "give at least one test file or directory");
}

int cli_cmd_test(int argc, char **argv) {
  test_runner r = {.uses = g_ptr_array_new_with_free_func(test_policy_use_free)};
  g_autoptr(GPtrArray) paths = g_ptr_array_new();
  int rc = parse_args(argc, argv, &r, paths);
  if (rc != 0) {
    g_free(r.policy);
    g_ptr_array_free(r.uses, TRUE);
    return rc == CLI_EXIT_HELP ? CLI_EXIT_OK : rc;
  }
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < paths->len; i++)
    collect(&r, g_ptr_array_index(paths, i), files);
  for (guint i = 0; i < files->len; i++)
    run_file(&r, g_ptr_array_index(files, i));
  bool covered = test_report_coverage(&r);
  printf("%u passed, %u failed\n", r.passed, r.failed);
  bool ok = r.failed == 0 && covered;
  g_free(r.policy);
  g_ptr_array_free(r.uses, TRUE);
  return ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
