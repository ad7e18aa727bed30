/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-facts-file.c - a facts file read whole, in one piece or in two halves on two threads, gives the same bytes.
 *
 * ZJTX_FACTS_SPLIT_BYTES=1 splits even a file of one byte (facts-file.c);
 * each test runs in its own process (Check forks), so the variable set
 * here stays in it.  The bytes expected are the ones written. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "facts-store.h"
#include "test-util.h"
#include "zjtx/zjtx.h"

static char *dir;

static void setup(void) {
  dir = g_dir_make_tmp("test-facts-file-XXXXXX", NULL);
  ck_assert_ptr_nonnull(dir);
}

static void teardown(void) {
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  for (const char *name; d && (name = g_dir_read_name(d));) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_remove(path);
  }
  g_rmdir(dir);
  g_clear_pointer(&dir, g_free);
}

/* A file of `len` bytes, each its offset's low byte but NUL (the reader
 * keeps a NUL, the JSON check refuses it later): its path. */
static char *write_file(size_t len) {
  g_autofree char *data = g_malloc(len + 1);
  for (size_t i = 0; i < len; i++)
    data[i] = (char)(i % 251 + 1);
  char *path = g_build_filename(dir, "facts.json", NULL);
  ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
  return path;
}

/* Reads a file of `len` bytes with the split from `split` bytes on. */
static void read_back(size_t len, const char *split) {
  g_setenv("ZJTX_FACTS_SPLIT_BYTES", split, TRUE);
  g_autofree char *path = write_file(len);
  size_t got = 12345;
  zjtx_error *err = NULL;
  g_autofree char *data = zfacts_read_regular_file(path, &got, &err);
  ck_assert_ptr_null(err);
  ck_assert_ptr_nonnull(data);
  ck_assert_uint_eq(got, len);
  ck_assert_int_eq(data[len], '\0');
  for (size_t i = 0; i < len; i++)
    ck_assert_int_eq((unsigned char)data[i], i % 251 + 1);
}

/* Lengths around the halves' cut, split and not. */
START_TEST(test_split_lengths) {
  static const size_t lens[] = {0, 1, 2, 3, 4, 7, 8, 255, 4096, 4097, 100003};
  for (size_t i = 0; i < G_N_ELEMENTS(lens); i++) {
    read_back(lens[i], "1");
    read_back(lens[i], "1000000000");
  }
}
END_TEST

/* Not a regular file, a missing file: the messages as before the split. */
START_TEST(test_refusals_split) {
  g_setenv("ZJTX_FACTS_SPLIT_BYTES", "1", TRUE);
  size_t len = 0;
  zjtx_error *err = NULL;
  ck_assert_ptr_null(zfacts_read_regular_file(dir, &len, &err));
  ztest_expect_error(err, dir, 0, "cannot read the facts: not a regular file");
  g_autofree char *missing = g_build_filename(dir, "missing.json", NULL);
  err = NULL;
  ck_assert_ptr_null(zfacts_read_regular_file(missing, &len, &err));
  g_autofree char *want = g_strdup_printf("cannot read the facts: %s", g_strerror(ENOENT));
  ztest_expect_error(err, missing, 0, want);
}
END_TEST

/* A value out of range or not a number leaves the default (16 MiB): a
 * small file is then read whole, with the same bytes. */
START_TEST(test_bad_setting) {
  static const char *const settings[] = {"0", "-5", "x", "", "12k"};
  for (size_t i = 0; i < G_N_ELEMENTS(settings); i++)
    read_back(1000, settings[i]);
}
END_TEST

/* Enterprises with an id and a revenue. */
static const char POLICY[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<policy id=\"f\" version=\"1\">\n"
    "<title lang=\"en\">F</title>\n"
    "<entity name=\"enterprise\" plural=\"enterprises\" key=\"id\">\n"
    " <field name=\"id\" type=\"text\"/>\n"
    " <field name=\"revenue\" type=\"money\"/>\n"
    "</entity>\n"
    "<rule id=\"r\" subject=\"enterprise\" clause=\"1\"><amount>revenue * 0.01</amount></rule>\n"
    "</policy>\n";

/* A JSON document read split loads its two records, in order. */
START_TEST(test_json_document_split) {
  g_setenv("ZJTX_FACTS_SPLIT_BYTES", "1", TRUE);
  zjtx_policy *p = ztest_policy_text(POLICY, "f.xml");
  static const char doc[] = "{\"enterprises\": [\n"
                            "{\"id\": \"E1\", \"revenue\": \"100.25\"},\n"
                            "{\"id\": \"E2\", \"revenue\": \"7.00\"}]}\n";
  g_autofree char *path = g_build_filename(dir, "facts.json", NULL);
  ck_assert(g_file_set_contents(path, doc, -1, NULL));
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_load(p, path, 0, &f, &err), ZJTX_OK);
  ck_assert_ptr_null(err);
  ck_assert_int_eq(f->tables[0].n, 2);
  char buf[32];
  ck_assert_str_eq(zfacts_record_id(f, 0, 1, buf), "E2");
  ck_assert_int_eq(zfacts_get(f, 0, 1, 0).d.m, 10025);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

int main(void) {
  Suite *s = suite_create("facts-file");
  TCase *tc = tcase_create("read");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_split_lengths);
  tcase_add_test(tc, test_refusals_split);
  tcase_add_test(tc, test_bad_setting);
  tcase_add_test(tc, test_json_document_split);
  suite_add_tcase(s, tc);
  return ztest_run_suite(s);
}
