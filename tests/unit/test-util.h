/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-util.h - what the Check suites share: paths in the source tree, loading
 * a policy or facts that must load, a load that must fail, running a suite. */
#pragma once

#include <check.h>
#include <glib.h>
#include <zjtx/zjtx.h>

/* A path under the source tree ($ZJTX_SRCDIR, or "." when unset), from its
 * elements; NULL-terminated like g_build_filename.  Caller frees. */
char *ztest_src_path(const char *first_element, ...) G_GNUC_NULL_TERMINATED;

/* tests/unit/data/<name> and rules/<name> in the source tree.  Caller frees. */
char *ztest_data_path(const char *name);
char *ztest_rules_path(const char *name);

/* The policy at `path` (it may extend policies of rules/ too); the test
 * aborts with the error when it does not load. */
zjtx_policy *ztest_policy_file(const char *path);

/* The policy at `rel`, a path relative to the source tree ("rules/x.xml"). */
zjtx_policy *ztest_policy_src(const char *rel);

/* The policy in `xml`, named `file_name` in errors; aborts when it does not load. */
zjtx_policy *ztest_policy_text(const char *xml, const char *file_name);

/* Loads `xml` (len bytes, named `file_name`), which must fail with `want`:
 * no policy, an error with that code, and the same status without details.
 * Returns the error (caller frees). */
zjtx_error *ztest_policy_text_fail(const char *xml, size_t len, const char *file_name, zjtx_status want);

/* Facts for `p` from the JSON text `json`, named `file_name`; aborts when they do not load. */
zjtx_facts *ztest_facts_json(zjtx_policy *p, const char *json, const char *file_name);

/* Checks an error's line, file and (unless NULL) exact message, then frees it. */
void ztest_expect_error(zjtx_error *err, const char *file, int line, const char *message);

/* Runs every test of `s` (and frees it); returns the exit status of the test program. */
int ztest_run_suite(Suite *s);
