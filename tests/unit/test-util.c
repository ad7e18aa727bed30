/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-util.c - helpers shared by the Check suites (see test-util.h). */
#include "test-util.h"

#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

char *ztest_src_path(const char *first_element, ...) {
  const char *src = g_getenv("ZJTX_SRCDIR");
  g_autoptr(GPtrArray) parts = g_ptr_array_new();
  g_ptr_array_add(parts, (gpointer)(src ? src : "."));
  va_list ap;
  va_start(ap, first_element);
  for (const char *e = first_element; e; e = va_arg(ap, const char *))
    g_ptr_array_add(parts, (gpointer)e);
  va_end(ap);
  g_ptr_array_add(parts, NULL);
  return g_build_filenamev((gchar **)parts->pdata);
}

char *ztest_data_path(const char *name) {
  return ztest_src_path("tests", "unit", "data", name, NULL);
}

char *ztest_rules_path(const char *name) {
  return ztest_src_path("rules", name, NULL);
}

zjtx_policy *ztest_policy_file(const char *path) {
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  /* test policies (tests/unit/data/reform-*.xml) may extend those of rules/ */
  g_autofree char *rules = ztest_src_path("rules", NULL);
  if (zjtx_policy_load_file_full(path, rules, &p, &err) != ZJTX_OK)
    ck_abort_msg("%s did not load: %s", path, zjtx_error_format(err));
  return p;
}

zjtx_policy *ztest_policy_src(const char *rel) {
  g_autofree char *path = ztest_src_path(rel, NULL);
  return ztest_policy_file(path);
}

zjtx_policy *ztest_policy_text(const char *xml, const char *file_name) {
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  if (zjtx_policy_load_buffer(xml, strlen(xml), file_name, NULL, &p, &err) != ZJTX_OK)
    ck_abort_msg("policy did not load: %s", zjtx_error_format(err));
  ck_assert_ptr_nonnull(p);
  ck_assert_ptr_null(err);
  return p;
}

zjtx_error *ztest_policy_text_fail(const char *xml, size_t len, const char *file_name, zjtx_status want) {
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  zjtx_status st = zjtx_policy_load_buffer(xml, len, file_name, NULL, &p, &err);
  ck_assert_ptr_null(p);
  ck_assert_ptr_nonnull(err);
  char *m = zjtx_error_format(err);
  ck_assert_msg(st == want, "status %d, want %d: %s", st, want, m);
  ck_assert_int_eq(zjtx_error_code(err), want);
  zjtx_free(m);
  /* the status does not depend on whether the caller asks for details */
  ck_assert_int_eq(zjtx_policy_load_buffer(xml, len, file_name, NULL, &p, NULL), want);
  ck_assert_ptr_null(p);
  return err;
}

zjtx_facts *ztest_facts_json(zjtx_policy *p, const char *json, const char *file_name) {
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  if (zjtx_facts_load_json_buffer(p, json, strlen(json), file_name, &f, &err) != ZJTX_OK)
    ck_abort_msg("%s", zjtx_error_format(err));
  return f;
}

void ztest_expect_error(zjtx_error *err, const char *file, int line, const char *message) {
  char *m = zjtx_error_format(err);
  ck_assert_msg(zjtx_error_line(err) == line, "line %d, want %d: %s", zjtx_error_line(err), line, m);
  ck_assert_str_eq(zjtx_error_file(err), file);
  if (message)
    ck_assert_str_eq(zjtx_error_message(err), message);
  zjtx_free(m);
  zjtx_error_free(err);
}

int ztest_run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_ENV);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
