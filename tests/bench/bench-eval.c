/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-eval.c - a benchmark, not a test: policy load time, facts load time
 * and evaluation throughput through the public API.
 *
 *   bench-eval POLICY FACTS [ROUNDS [THREADS]]
 *
 * FACTS is a JSON file or a CSV directory.
 *
 * Prints one line per measure; evaluation is timed with the facts already
 * in memory, ROUNDS times (default 5), and reports the best round. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <zjtx/zjtx.h>

static int die(zjtx_error *err) {
  char *msg = zjtx_error_format(err);
  fprintf(stderr, "bench-eval: %s\n", msg);
  zjtx_free(msg);
  zjtx_error_free(err);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench-eval POLICY FACTS [ROUNDS [THREADS]]\n");
    return 2;
  }
  int rounds = argc > 3 ? atoi(argv[3]) : 5;
  int threads = argc > 4 ? atoi(argv[4]) : 0;
  zjtx_error *err = NULL;
  zjtx_policy *policy = NULL;
  const int loads = 20;
  gint64 t0 = g_get_monotonic_time();
  for (int i = 0; i < loads; i++) {
    zjtx_policy_unref(policy);
    if (zjtx_policy_load_file(argv[1], &policy, &err) != ZJTX_OK)
      return die(err);
  }
  gint64 t1 = g_get_monotonic_time();
  printf("policy_load_ms %.3f\n", (double)(t1 - t0) / loads / 1000.0);

  zjtx_facts *facts = NULL;
  t0 = g_get_monotonic_time();
  if (zjtx_facts_load(policy, argv[2], ZJTX_FACTS_STRICT, &facts, &err) != ZJTX_OK)
    return die(err);
  t1 = g_get_monotonic_time();
  size_t n = zjtx_facts_record_count(facts, "enterprise");
  printf("facts_load_s %.3f  (%zu enterprises)\n", (double)(t1 - t0) / 1e6, n);

  zjtx_options *opts = zjtx_options_new();
  zjtx_options_set_threads(opts, threads, NULL);
  double best = 1e30;
  size_t results = 0;
  for (int r = 0; r < rounds; r++) {
    zjtx_result *res = NULL;
    t0 = g_get_monotonic_time();
    if (zjtx_evaluate(policy, facts, opts, &res, &err) != ZJTX_OK)
      return die(err);
    t1 = g_get_monotonic_time();
    double s = (double)(t1 - t0) / 1e6;
    if (s < best)
      best = s;
    results = zjtx_result_entitlement_count(res) + zjtx_result_violation_count(res);
    zjtx_result_free(res);
  }
  printf("evaluate_s %.4f  (best of %d, %zu results, %d threads)\n", best, rounds, results, threads);
  printf("enterprises_per_s %.0f\n", (double)n / best);
  zjtx_options_free(opts);
  zjtx_facts_free(facts);
  zjtx_policy_unref(policy);
  return 0;
}
