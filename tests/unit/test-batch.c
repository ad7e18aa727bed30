/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-batch.c - batch evaluation: the same results whatever the number of
 * threads, threads started once per evaluation, and a dirty CSV export
 * refused record by record with counts that reconcile.  Expected amounts are
 * worked out by hand from the policy. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zjtx/zjtx.h>

#include "eval-internal.h" /* the evaluation's thread pool */
#include "test-util.h"

static zjtx_policy *huaian(void) {
  return ztest_policy_src("rules/huaian-2025.xml");
}

/* A valid Unified Social Credit Code from its first 17 characters
 * (GB 32100-2015: weights 3^i mod 31, check = 31 - sum mod 31). */
static void uscc(const char *first17, char out[19]) {
  static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (int)(strchr(alphabet, first17[i]) - alphabet) * weights[i];
  memcpy(out, first17, 17);
  out[17] = alphabet[(31 - sum % 31) % 31];
  out[18] = '\0';
}

static void add(zjtx_facts *f, const char *entity, const char *const *names, const char *const *values, size_t n) {
  zjtx_error *err = NULL;
  zjtx_status st = zjtx_facts_add_record(f, entity, names, values, n, &err);
  if (st != ZJTX_OK)
    ck_abort_msg("%s", zjtx_error_message(err));
}

/* n enterprises, every third one SRDI all of 2025 (srdi_sme, not first). */
static zjtx_facts *population(zjtx_policy *p, int n) {
  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(p, &f, NULL), ZJTX_OK);
  static const char *const cn[] = {"id", "name"};
  add(f, "county", cn, (const char *const[]){"320812", "清江浦区"}, 2);
  static const char *const en[] = {
      "id", "name", "county", "revenue", "rd_expense", "rd_expense_prev", "invention_patents", "cnc_rate"};
  static const char *const hn[] = {"enterprise", "level", "awarded_on", "valid_until", "first_time"};
  for (int i = 0; i < n; i++) {
    char first[18], id[19];
    g_snprintf(first, sizeof first, "91320812MA%07d", i);
    uscc(first, id);
    add(f, "enterprise", en,
        (const char *const[]){id, "企业", "320812", "50000000.00", "2000000.00", "1000000.00", "3", "80"}, 8);
    if (i % 3 == 0)
      add(f, "honor", hn, (const char *const[]){id, "srdi_sme", "2024-01-01", "2026-12-31", "false"}, 5);
  }
  ck_assert_int_eq(zjtx_facts_finish(f, NULL), ZJTX_OK);
  return f;
}

static zjtx_result *evaluate(zjtx_policy *p, zjtx_facts *f, int threads) {
  zjtx_options *o = zjtx_options_new();
  zjtx_result *r = NULL;
  ck_assert_int_eq(zjtx_options_set_threads(o, threads, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_evaluate(p, f, o, &r, NULL), ZJTX_OK);
  zjtx_options_free(o);
  return r;
}

static int64_t rule_total(const zjtx_result *r, const char *rule, size_t *count) {
  int64_t fen = 0;
  *count = 0;
  for (size_t i = 0; i < zjtx_result_entitlement_count(r); i++)
    if (strcmp(zjtx_result_entitlement_rule(r, i), rule) == 0) {
      fen += zjtx_result_entitlement_fen(r, i);
      (*count)++;
    }
  return fen;
}

/* Every entitlement of @a and @b, in order: rule, id, fen and amount. */
static void assert_same(const zjtx_result *a, const zjtx_result *b) {
  ck_assert_uint_eq(zjtx_result_entitlement_count(a), zjtx_result_entitlement_count(b));
  for (size_t i = 0; i < zjtx_result_entitlement_count(a); i++) {
    ck_assert_str_eq(zjtx_result_entitlement_rule(a, i), zjtx_result_entitlement_rule(b, i));
    ck_assert_str_eq(zjtx_result_entitlement_id(a, i), zjtx_result_entitlement_id(b, i));
    ck_assert_int_eq(zjtx_result_entitlement_fen(a, i), zjtx_result_entitlement_fen(b, i));
    ck_assert_str_eq(zjtx_result_entitlement_amount(a, i), zjtx_result_entitlement_amount(b, i));
  }
}

START_TEST(threads_give_identical_results) {
  zjtx_policy *p = huaian();
  const int n = 30000; /* above the size that is split across threads */
  zjtx_facts *f = population(p, n);
  zjtx_result *one = evaluate(p, f, 1), *two = evaluate(p, f, 2), *three = evaluate(p, f, 3), *four = evaluate(p, f, 4);
  assert_same(one, two);
  assert_same(one, three); /* ranges of unequal length */
  assert_same(one, four);
  /* by hand: 10,000 SRDI enterprises (i % 3 == 0) get 3 % and 11 %, the
   * other 20,000 get 2 % and 10 % of 2,000,000.00 and of the 1,000,000.00
   * increase: base 20000 x 40,000 + 10000 x 60,000 = 1,400,000,000.00;
   * incremental 20000 x 100,000 + 10000 x 110,000 = 3,100,000,000.00 */
  size_t count;
  ck_assert_int_eq(rule_total(two, "rd_base_subsidy", &count), INT64_C(140000000000));
  ck_assert_uint_eq(count, (size_t)n);
  ck_assert_int_eq(rule_total(two, "rd_incremental_subsidy", &count), INT64_C(310000000000));
  ck_assert_uint_eq(count, (size_t)n);
  zjtx_result_free(one);
  zjtx_result_free(two);
  zjtx_result_free(three);
  zjtx_result_free(four);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* A failure is reported for the first subject that fails, whatever the
 * number of threads: in 2024 the assumed R&D parameters have no value in
 * force yet, so the first enterprise already fails rd_base_subsidy. */
START_TEST(threads_give_identical_errors) {
  zjtx_policy *p = huaian();
  zjtx_facts *f = population(p, 9000); /* split across threads */
  char first[19];
  uscc("91320812MA0000000", first);
  g_autofree char *want = g_strdup_printf("rule rd_base_subsidy, for enterprise %s: ", first);
  for (int threads = 1; threads <= 4; threads++) {
    zjtx_options *o = zjtx_options_new();
    zjtx_result *r = NULL;
    zjtx_error *err = NULL;
    ck_assert_int_eq(zjtx_options_set_threads(o, threads, NULL), ZJTX_OK);
    ck_assert_int_eq(zjtx_options_set_period(o, "2024", NULL), ZJTX_OK);
    ck_assert_int_eq(zjtx_evaluate(p, f, o, &r, &err), ZJTX_ERR_EVAL);
    ck_assert_ptr_null(r);
    ck_assert_uint_eq(zjtx_error_count(err), 1);
    ck_assert_msg(g_str_has_prefix(zjtx_error_message(err), want), "%d threads: %s", threads, zjtx_error_message(err));
    zjtx_error_free(err);
    zjtx_options_free(o);
  }
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* Which thread ran each slot, and with which run, in two rounds of work. */
typedef struct {
  int round;
  GThread *thread[2][4];
  zrun *run[2][4];
  int slots[2][4];
} pool_probe;

static void probe(zrun *run, int slot, int slots, void *data) {
  pool_probe *pr = data;
  pr->thread[pr->round][slot] = g_thread_self();
  pr->run[pr->round][slot] = run;
  pr->slots[pr->round][slot] = slots;
}

/* Finishing a large population builds indexes and resolves references for
 * every entity at once on several threads, the largest table first; its
 * messages still come in entity order, duplicate ids first, then
 * references: enterprises (declared first, by rules/rd-base.xml, and the
 * largest table: a thread is still on them when the counties are done)
 * before counties, then honors. */
START_TEST(finish_errors_in_entity_order) {
  zjtx_policy *p = huaian();
  zjtx_facts *f = NULL;
  ck_assert_int_eq(zjtx_facts_new(p, &f, NULL), ZJTX_OK);
  static const char *const cn[] = {"id", "name"};
  add(f, "county", cn, (const char *const[]){"320812", "清江浦区"}, 2);
  add(f, "county", cn, (const char *const[]){"320812", "清江浦区"}, 2);
  static const char *const en[] = {"id", "name", "county", "revenue", "rd_expense", "invention_patents", "cnc_rate"};
  static const char *const hn[] = {"enterprise", "level", "awarded_on", "valid_until", "first_time"};
  char id[19], first[18];
  for (int i = 0; i < 20000; i++) {
    g_snprintf(first, sizeof first, "91320812MA%07d", i % 19999); /* the last repeats the first */
    uscc(first, id);
    add(f, "enterprise", en, (const char *const[]){id, "企业", "320812", "5000000.00", "100000.00", "0", "10"}, 7);
  }
  uscc("91320812MA9999999", id); /* no such enterprise */
  add(f, "honor", hn, (const char *const[]){id, "srdi_sme", "2024-01-01", "2026-12-31", "false"}, 5);
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_finish(f, &err), ZJTX_ERR_FACTS);
  const zjtx_error *e = err;
  ck_assert_ptr_nonnull(e);
  ck_assert_msg(strstr(zjtx_error_message(e), "enterprise #20000") && strstr(zjtx_error_message(e), "duplicate id"),
                "%s", zjtx_error_message(e));
  ck_assert_ptr_nonnull(e = zjtx_error_next(e));
  ck_assert_msg(strstr(zjtx_error_message(e), "county #2 (320812)") && strstr(zjtx_error_message(e), "duplicate id"),
                "%s", zjtx_error_message(e));
  ck_assert_ptr_nonnull(e = zjtx_error_next(e));
  ck_assert_msg(strstr(zjtx_error_message(e), "honor #1") && strstr(zjtx_error_message(e), "is not the id of any"),
                "%s", zjtx_error_message(e));
  ck_assert_ptr_null(zjtx_error_next(e));
  zjtx_error_free(err);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(pool_threads_started_once) {
  zjtx_policy *p = huaian();
  zjtx_facts *f = population(p, 3);
  zrun own;
  ck_assert_int_eq(zrun_init(&own, p, f, NULL, NULL), ZJTX_OK);
  zpool *pool = zpool_new(4, &own, p, f, NULL, NULL);
  ck_assert_ptr_nonnull(pool);
  ck_assert_int_eq(zpool_slots(pool), 4);
  pool_probe pr = {0};
  for (pr.round = 0; pr.round < 2; pr.round++)
    zpool_run(pool, probe, &pr);
  /* slot 0 is the caller with its own run; every other slot one thread
   * and one run of its own, the same for every piece of work */
  ck_assert_ptr_eq(pr.thread[0][0], g_thread_self());
  ck_assert_ptr_eq(pr.run[0][0], &own);
  for (int i = 0; i < 4; i++) {
    ck_assert_ptr_eq(pr.thread[1][i], pr.thread[0][i]);
    ck_assert_ptr_eq(pr.run[1][i], pr.run[0][i]);
    ck_assert_int_eq(pr.slots[0][i], 4);
    ck_assert_ptr_eq(pr.run[0][i]->vm.policy, p);
    for (int j = 0; j < i; j++) {
      ck_assert_ptr_ne(pr.thread[0][i], pr.thread[0][j]);
      ck_assert_ptr_ne(pr.run[0][i], pr.run[0][j]);
    }
  }
  zpool_free(pool);
  zrun_clear(&own);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

static void write_file(const char *dir, const char *name, const char *text) {
  g_autofree char *path = g_build_filename(dir, name, NULL);
  ck_assert(g_file_set_contents(path, text, -1, NULL));
}

static int64_t reconcile(const zjtx_facts *f, const char *entity, int64_t *accepted, int64_t *refused) {
  int64_t read = -1;
  ck_assert_int_eq(zjtx_facts_reconcile(f, entity, &read, accepted, refused), ZJTX_OK);
  ck_assert_int_eq(read, *accepted + *refused);
  return read;
}

static bool some_reject(const zjtx_facts *f, const char *file_suffix, int line, const char *needle) {
  for (size_t i = 0; i < zjtx_facts_reject_count(f); i++)
    if (g_str_has_suffix(zjtx_facts_reject_file(f, i), file_suffix) && zjtx_facts_reject_line(f, i) == line &&
        strstr(zjtx_facts_reject_reason(f, i), needle))
      return true;
  return false;
}

START_TEST(dirty_export_refused_record_by_record) {
  g_autofree char *dir = g_dir_make_tmp("zjtx-dirty-XXXXXX", NULL);
  char e1[19], e3[19], e5[19], e9[19];
  uscc("91320812MA1000001", e1);
  uscc("91320812MA1000003", e3);
  uscc("91320812MA1000005", e5);
  uscc("91320812MA1000009", e9);
  char bad[19];
  memcpy(bad, e1, 19);
  bad[17] = bad[17] == '0' ? '1' : '0'; /* a wrong check character */
  write_file(dir, "counties.csv", "\xEF\xBB\xBFid,name\r\n320812,清江浦区\r\n320803,淮安区\r\n320812,重复\r\n");
  g_autofree char *ents =
      g_strdup_printf("id,name,county,revenue,rd_expense,rd_expense_prev,invention_patents,cnc_rate\n"
                      "%s,\"恒达, 精密\",320812,90000000.00,2000000.00,1000000.00,3,80\n" /* line 2: valid */
                      "%s,坏代码,320812,1.00,1.00,1.00,0,0\n"                             /* 3: bad check character */
                      "%s,坏金额,320812,1.00,12.345,1.00,0,0\n"                           /* 4: 3 decimals */
                      "E4,short,320812\n"                                                 /* 5: short row */
                      "%s,无县,999999,1.00,1.00,1.00,0,0\n",                              /* 6: unknown county */
                      e1, bad, e3, e5);
  write_file(dir, "enterprises.csv", ents);
  g_autofree char *honors = g_strdup_printf("enterprise,level,awarded_on,valid_until,first_time\n"
                                            "%s,little_giant,2025-07-15,2028-07-14,true\n" /* 2: valid */
                                            "%s,srdi_sme,2025-01-01,2027-12-31,true\n"     /* 3: parent refused */
                                            "%s,srdi_sme,2025-01-01,2027-12-31,true\n",    /* 4: no such enterprise */
                                            e1, e3, e9);
  write_file(dir, "honors.csv", honors);
  zjtx_policy *p = huaian();
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_facts_load(p, dir, ZJTX_FACTS_KEEP_GOING, &f, &err), ZJTX_OK);
  int64_t acc, ref;
  ck_assert_int_eq(reconcile(f, "county", &acc, &ref), 3);
  ck_assert_int_eq(acc, 2);
  ck_assert_int_eq(reconcile(f, "enterprise", &acc, &ref), 5);
  ck_assert_int_eq(acc, 1);
  ck_assert_int_eq(reconcile(f, "honor", &acc, &ref), 3);
  ck_assert_int_eq(acc, 1);
  ck_assert(some_reject(f, "counties.csv", 4, "duplicate id"));
  ck_assert(some_reject(f, "enterprises.csv", 3, "check character"));
  ck_assert(some_reject(f, "enterprises.csv", 4, "12.345"));
  ck_assert(some_reject(f, "enterprises.csv", 5, "3 fields"));
  ck_assert(some_reject(f, "enterprises.csv", 6, "999999"));
  ck_assert(some_reject(f, "honors.csv", 3, "refused"));
  ck_assert(some_reject(f, "honors.csv", 4, e9));
  /* the valid rest is evaluated: 2,000,000.00 x 3 % = 60,000.00 (little
   * giant on 31 Dec); 1,000,000.00 x 11 % = 110,000.00; first little giant
   * in 2025: 500,000.00 */
  zjtx_result *r = evaluate(p, f, 2);
  ck_assert_uint_eq(zjtx_result_entitlement_count(r), 3);
  size_t count;
  ck_assert_int_eq(rule_total(r, "rd_base_subsidy", &count), 6000000);
  ck_assert_int_eq(rule_total(r, "rd_incremental_subsidy", &count), 11000000);
  ck_assert_int_eq(rule_total(r, "first_honor_reward", &count), 50000000);
  zjtx_result_free(r);
  zjtx_facts_free(f);
  /* the same directory without keep-going fails and says why */
  ck_assert_int_ne(zjtx_facts_load(p, dir, ZJTX_FACTS_STRICT, &f, &err), ZJTX_OK);
  ck_assert_ptr_null(f);
  ck_assert_uint_ge(zjtx_error_count(err), 5);
  zjtx_error_free(err);
  zjtx_policy_unref(p);
  const char *names[] = {"counties.csv", "enterprises.csv", "honors.csv"};
  for (int i = 0; i < 3; i++) {
    g_autofree char *path = g_build_filename(dir, names[i], NULL);
    g_unlink(path);
  }
  g_rmdir(dir);
}
END_TEST

START_TEST(csv_header_problems_are_fatal) {
  g_autofree char *dir = g_dir_make_tmp("zjtx-header-XXXXXX", NULL);
  write_file(dir, "counties.csv", "id,name,population\n320812,清江浦区,100\n");
  zjtx_policy *p = huaian();
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  ck_assert_int_ne(zjtx_facts_load(p, dir, ZJTX_FACTS_KEEP_GOING, &f, &err), ZJTX_OK);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "population"));
  ck_assert_ptr_nonnull(strstr(zjtx_error_file(err), "counties.csv"));
  zjtx_error_free(err);
  err = NULL;
  write_file(dir, "counties.csv", "name\n清江浦区\n");
  ck_assert_int_ne(zjtx_facts_load(p, dir, ZJTX_FACTS_KEEP_GOING, &f, &err), ZJTX_OK);
  ck_assert_ptr_nonnull(strstr(zjtx_error_message(err), "\"id\""));
  zjtx_error_free(err);
  zjtx_policy_unref(p);
  g_autofree char *path = g_build_filename(dir, "counties.csv", NULL);
  g_unlink(path);
  g_rmdir(dir);
}
END_TEST

int main(void) {
  Suite *s = suite_create("batch");
  TCase *tc = tcase_create("batch");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, threads_give_identical_results);
  tcase_add_test(tc, threads_give_identical_errors);
  tcase_add_test(tc, pool_threads_started_once);
  tcase_add_test(tc, finish_errors_in_entity_order);
  tcase_add_test(tc, dirty_export_refused_record_by_record);
  tcase_add_test(tc, csv_header_problems_are_fatal);
  suite_add_tcase(s, tc);
  return ztest_run_suite(s);
}
