/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-headers.c - the public API as a plain C99 program sees it.
 *
 * Built with -std=c99 -pedantic-errors -Wall -Wextra -Werror and no include
 * path but include/ (tests/packaging/meson.build): if a public header used
 * a GLib or libxml2 type, a C11 feature or a compiler extension, this file
 * would not compile.  Run, it checks that the headers and the library agree
 * on the version and that the NULL conventions of common.h hold.
 */
#include <zjtx/zjtx.h>

#include <stdio.h>
#include <string.h>

/* Compile-time checks, C99 style (no _Static_assert). */
typedef char check_ok_is_zero[ZJTX_OK == 0 ? 1 : -1];
typedef char check_failures_negative[ZJTX_ERR_NOMEM < 0 && ZJTX_ERR_INVALID_ARG < 0 ? 1 : -1];
typedef char check_version_number
    [ZJTX_VERSION_NUMBER == 10000 * ZJTX_VERSION_MAJOR + 100 * ZJTX_VERSION_MINOR + ZJTX_VERSION_MICRO ? 1 : -1];

static int failures;

static void expect(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "FAIL: %s\n", what);
    failures++;
  }
}

int main(void) {
  /* Every opaque handle type is nameable and only usable through pointers. */
  zjtx_policy *policy = NULL;
  zjtx_facts *facts = NULL;
  zjtx_options *opts = NULL;
  zjtx_result *result = NULL;
  zjtx_explanation *explanation = NULL;
  zjtx_error *err = NULL;
  zjtx_status st;
  zjtx_rule_kind kind = ZJTX_RULE_ENTITLEMENT;
  zjtx_param_status pstatus = ZJTX_PARAM_ASSUMED;
  zjtx_node_kind node = ZJTX_NODE_RESULT;

  expect(strcmp(zjtx_version_string(), ZJTX_VERSION_STRING) == 0, "zjtx_version_string() == ZJTX_VERSION_STRING");
  expect(zjtx_version_number() == ZJTX_VERSION_NUMBER, "zjtx_version_number() == ZJTX_VERSION_NUMBER");
  expect(kind == 1 && pstatus == 2 && node == 9, "enum values are the documented ones");

  /* A programming error is a status, not an abort; *out is NULL after it. */
  st = zjtx_policy_load_file(NULL, &policy, &err);
  expect(st == ZJTX_ERR_INVALID_ARG, "zjtx_policy_load_file(NULL) returns ZJTX_ERR_INVALID_ARG");
  expect(policy == NULL, "zjtx_policy_load_file(NULL) leaves *out NULL");
  if (err != NULL)
    expect(zjtx_error_code(err) == st, "the error's code is the status returned");
  zjtx_error_free(err);

  /* Free and unref functions accept NULL. */
  zjtx_policy_unref(policy);
  zjtx_facts_free(facts);
  zjtx_options_free(opts);
  zjtx_result_free(result);
  zjtx_explanation_free(explanation);
  zjtx_error_free(NULL);
  zjtx_free(NULL);

  if (failures == 0)
    printf("public headers: C99, pedantic, no GLib; library %s\n", zjtx_version_string());
  return failures == 0 ? 0 : 1;
}
