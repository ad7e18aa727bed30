/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-facts-keys.c - the index of a table's ids (facts-keys.c): every id found at its record, a repeated id
 * answered with its first record, absent ids not found; and through the public API, ids, parents and references
 * of thousands of records resolved and read back. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "facts-keys.h"
#include "test-util.h"
#include "zjtx/zjtx.h"

/* "K00000", "K00001", ... : n ids, record i has id i. */
static GPtrArray *numbered_ids(int n) {
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  for (int i = 0; i < n; i++)
    g_ptr_array_add(ids, g_strdup_printf("K%05d", i));
  return ids;
}

START_TEST(every_id_found) {
  g_autoptr(GPtrArray) ids = numbered_ids(5000);
  zkeys *k = zkeys_new(ids, 5000);
  for (int32_t r = 0; r < 5000; r++)
    ck_assert_int_eq(zkeys_add(k, r), -1);
  for (int32_t r = 0; r < 5000; r++) {
    char id[16];
    g_snprintf(id, sizeof id, "K%05d", r);
    ck_assert_int_eq(zkeys_find(k, id), r);
  }
  /* near misses: one past the end, a prefix, an extension, empty */
  ck_assert_int_eq(zkeys_find(k, "K05000"), -1);
  ck_assert_int_eq(zkeys_find(k, "K0000"), -1);
  ck_assert_int_eq(zkeys_find(k, "K000000"), -1);
  ck_assert_int_eq(zkeys_find(k, ""), -1);
  ck_assert_int_eq(zkeys_find(k, NULL), -1);
  ck_assert_int_eq(zkeys_find(NULL, "K00001"), -1);
  zkeys_free(k);
}
END_TEST

/* Records 0..2999 have distinct ids; record 3000 repeats record 7's and
 * record 3001 record 2999's: each is answered with the first, not added. */
START_TEST(repeated_id_answers_the_first) {
  g_autoptr(GPtrArray) ids = numbered_ids(3000);
  g_ptr_array_add(ids, g_strdup("K00007"));
  g_ptr_array_add(ids, g_strdup("K02999"));
  zkeys *k = zkeys_new(ids, 3002);
  for (int32_t r = 0; r < 3000; r++)
    ck_assert_int_eq(zkeys_add(k, r), -1);
  ck_assert_int_eq(zkeys_add(k, 3000), 7);
  ck_assert_int_eq(zkeys_add(k, 3001), 2999);
  ck_assert_int_eq(zkeys_find(k, "K00007"), 7);
  ck_assert_int_eq(zkeys_find(k, "K02999"), 2999);
  zkeys_free(k);
}
END_TEST

/* Many at once, as finishing does: in order, NULL ids and ids of no
 * record answered -1, a repeated id its first record, also across the
 * batches finishing adds in (4096 records). */
START_TEST(many_at_once) {
  g_autoptr(GPtrArray) ids = numbered_ids(9000);
  g_free(g_ptr_array_index(ids, 8200));
  g_ptr_array_index(ids, 8200) = g_strdup("K00010");
  zkeys *k = zkeys_new(ids, 9000);
  g_autofree int32_t *first = g_new(int32_t, 9000);
  zkeys_add_many(k, 0, 4096, first);
  zkeys_add_many(k, 4096, 4096, first + 4096);
  zkeys_add_many(k, 8192, 808, first + 8192);
  for (int32_t r = 0; r < 9000; r++)
    ck_assert_int_eq(first[r], r == 8200 ? 10 : -1);
  const char *look[] = {"K08999", NULL, "K08200", "K00010", "nope", "K00000", NULL};
  int32_t out[G_N_ELEMENTS(look)];
  zkeys_find_many(k, look, G_N_ELEMENTS(look), out);
  const int32_t want[] = {8999, -1, -1, 10, -1, 0, -1}; /* K08200: its only record repeated K00010 */
  for (size_t i = 0; i < G_N_ELEMENTS(look); i++)
    ck_assert_int_eq(out[i], want[i]);
  zkeys_find_many(NULL, look, G_N_ELEMENTS(look), out);
  for (size_t i = 0; i < G_N_ELEMENTS(look); i++)
    ck_assert_int_eq(out[i], -1);
  zkeys_free(k);
}
END_TEST

/* The smallest tables: no record, one record (one bit for record + 1). */
START_TEST(tiny_tables) {
  g_autoptr(GPtrArray) none = g_ptr_array_new();
  zkeys *k = zkeys_new(none, 0);
  ck_assert_int_eq(zkeys_find(k, "A"), -1);
  zkeys_free(k);
  g_autoptr(GPtrArray) one = numbered_ids(1);
  k = zkeys_new(one, 1);
  ck_assert_int_eq(zkeys_add(k, 0), -1);
  ck_assert_int_eq(zkeys_add(k, 0), 0);
  ck_assert_int_eq(zkeys_find(k, "K00000"), 0);
  ck_assert_int_eq(zkeys_find(k, "K00001"), -1);
  zkeys_free(k);
  zkeys_free(NULL);
}
END_TEST

#define POLICY                                                                                                         \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                                       \
  "<policy id=\"k\" version=\"1\">\n"                                                                                  \
  "<title lang=\"en\">K</title>\n"                                                                                     \
  "<entity name=\"firm\" plural=\"firms\" key=\"id\">\n"                                                               \
  " <field name=\"id\" type=\"text\"/>\n"                                                                              \
  " <field name=\"revenue\" type=\"money\"/>\n"                                                                        \
  "</entity>\n"                                                                                                        \
  "<entity name=\"loan\" plural=\"loans\" parent=\"firm\" parent-key=\"firm\" key=\"id\">\n"                           \
  " <field name=\"id\" type=\"text\"/>\n"                                                                              \
  " <field name=\"guarantor\" type=\"ref\" entity=\"firm\" required=\"false\"/>\n"                                     \
  "</entity>\n"                                                                                                        \
  "<rule id=\"r\" subject=\"firm\" clause=\"1\"><amount>revenue * 0.01</amount></rule>\n"                              \
  "</policy>\n"

static void add_firm(zjtx_facts *f, int i) {
  g_autofree char *id = g_strdup_printf("F%04d", i), *revenue = g_strdup_printf("%d.00", i);
  const char *names[] = {"id", "revenue"}, *values[] = {id, revenue};
  ck_assert_int_eq(zjtx_facts_add_record(f, "firm", names, values, 2, NULL), ZJTX_OK);
}

/* The error (one, of the record API: no file) says `message`; freed. */
static void expect_message(zjtx_error *err, const char *message) {
  ck_assert_ptr_nonnull(err);
  ck_assert_ptr_null(zjtx_error_next(err));
  ck_assert_str_eq(zjtx_error_message(err), message);
  zjtx_error_free(err);
}

/* Loan L<i> of firm F<i>, guaranteed by firm F<n-1-i>. */
static void add_loan(zjtx_facts *f, int i, int n) {
  g_autofree char *id = g_strdup_printf("L%04d", i), *firm = g_strdup_printf("F%04d", i),
                  *guarantor = g_strdup_printf("F%04d", n - 1 - i);
  const char *names[] = {"id", "firm", "guarantor"}, *values[] = {id, firm, guarantor};
  ck_assert_int_eq(zjtx_facts_add_record(f, "loan", names, values, 3, NULL), ZJTX_OK);
}

/* 4000 firms and a loan each: every parent and reference resolved, every
 * record read back by its id. */
START_TEST(thousands_resolved_through_the_api) {
  enum { N = 4000 };
  zjtx_policy *p = ztest_policy_text(POLICY, "k.xml");
  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(p, &f, NULL), ZJTX_OK);
  for (int i = 0; i < N; i++)
    add_firm(f, i);
  for (int i = 0; i < N; i++)
    add_loan(f, i, N);
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_finish(f, &err), ZJTX_OK);
  for (int i = 0; i < N; i += 7) {
    g_autofree char *firm = g_strdup_printf("F%04d", i), *loan = g_strdup_printf("L%04d", i);
    g_autofree char *want_revenue = g_strdup_printf("%d.00", i), *want_guarantor = g_strdup_printf("F%04d", N - 1 - i);
    char *v = NULL;
    ck_assert_int_eq(zjtx_facts_field_value(f, "firm", firm, "revenue", &v, NULL), ZJTX_OK);
    ck_assert_str_eq(v, want_revenue);
    zjtx_free(v);
    ck_assert_int_eq(zjtx_facts_field_value(f, "loan", loan, "firm", &v, NULL), ZJTX_OK);
    ck_assert_str_eq(v, firm);
    zjtx_free(v);
    ck_assert_int_eq(zjtx_facts_field_value(f, "loan", loan, "guarantor", &v, NULL), ZJTX_OK);
    ck_assert_str_eq(v, want_guarantor);
    zjtx_free(v);
  }
  char *v = NULL;
  ck_assert_int_eq(zjtx_facts_field_value(f, "firm", "F4000", "revenue", &v, &err), ZJTX_ERR_NOT_FOUND);
  expect_message(err, "no firm record has the id \"F4000\"");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* A repeated id among thousands: the later record is refused, naming the first. */
START_TEST(repeated_id_among_thousands) {
  zjtx_policy *p = ztest_policy_text(POLICY, "k.xml");
  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(p, &f, NULL), ZJTX_OK);
  for (int i = 0; i < 3000; i++)
    add_firm(f, i);
  add_firm(f, 1234);
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_finish(f, &err), ZJTX_ERR_FACTS);
  expect_message(err, "firm #3001 (F1234): duplicate id \"F1234\" (first at record #1235, again at record #3001)");
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* Every firm looked up by id from one thread; `data` the facts. */
static gpointer look_up_all(gpointer data) {
  zjtx_facts *f = data;
  for (int i = 0; i < 3000; i++) {
    g_autofree char *firm = g_strdup_printf("F%04d", i), *want = g_strdup_printf("%d.00", i);
    char *v = NULL;
    if (zjtx_facts_field_value(f, "firm", firm, "revenue", &v, NULL) != ZJTX_OK || strcmp(v, want) != 0) {
      zjtx_free(v);
      return GINT_TO_POINTER(1);
    }
    zjtx_free(v);
  }
  return NULL;
}

/* Finished facts are read from many threads at once: the first lookups,
 * which build the index, race and all find every id. */
START_TEST(first_lookups_from_many_threads) {
  zjtx_policy *p = ztest_policy_text(POLICY, "k.xml");
  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(p, &f, NULL), ZJTX_OK);
  for (int i = 0; i < 3000; i++)
    add_firm(f, i);
  ck_assert_int_eq(zjtx_facts_finish(f, NULL), ZJTX_OK);
  GThread *threads[4];
  for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
    threads[i] = g_thread_new("lookup", look_up_all, f);
  for (size_t i = 0; i < G_N_ELEMENTS(threads); i++)
    ck_assert_ptr_null(g_thread_join(threads[i]));
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

static Suite *keys_suite(void) {
  Suite *s = suite_create("facts-keys");
  TCase *t = tcase_create("keys");
  tcase_add_test(t, every_id_found);
  tcase_add_test(t, repeated_id_answers_the_first);
  tcase_add_test(t, many_at_once);
  tcase_add_test(t, tiny_tables);
  tcase_add_test(t, thousands_resolved_through_the_api);
  tcase_add_test(t, repeated_id_among_thousands);
  tcase_add_test(t, first_lookups_from_many_threads);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  return ztest_run_suite(keys_suite());
}
