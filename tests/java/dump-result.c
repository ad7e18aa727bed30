/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dump-result.c - a result as the C API gives it, one tab-separated line per item, for the Java tests.
 *
 *   dump-result POLICY FACTS
 *
 * Lines: "E rule entity id fen amount", "V check entity id",
 * "U rule kind entity id more [entity id field]..." (kind 0 rule, 1 check),
 * in the result's order.  The Java test prints the same lines from the
 * binding and compares. */
#include <inttypes.h>
#include <stdio.h>

#include <zjtx/zjtx.h>

static int fail(zjtx_error *err) {
  char *text = zjtx_error_format(err);
  fprintf(stderr, "dump-result: %s\n", text != NULL ? text : "failed");
  zjtx_free(text);
  zjtx_error_free(err);
  return 1;
}

static void print_result(const zjtx_result *res) {
  for (size_t i = 0; i < zjtx_result_entitlement_count(res); i++)
    printf("E\t%s\t%s\t%s\t%" PRId64 "\t%s\n", zjtx_result_entitlement_rule(res, i),
           zjtx_result_entitlement_entity(res, i), zjtx_result_entitlement_id(res, i),
           zjtx_result_entitlement_fen(res, i), zjtx_result_entitlement_amount(res, i));
  for (size_t i = 0; i < zjtx_result_violation_count(res); i++)
    printf("V\t%s\t%s\t%s\n", zjtx_result_violation_check(res, i), zjtx_result_violation_entity(res, i),
           zjtx_result_violation_id(res, i));
  for (size_t i = 0; i < zjtx_result_undecided_count(res); i++) {
    printf("U\t%s\t%d\t%s\t%s\t%d", zjtx_result_undecided_rule(res, i),
           zjtx_result_undecided_kind(res, i) == ZJTX_RULE_CHECK, zjtx_result_undecided_entity(res, i),
           zjtx_result_undecided_id(res, i), zjtx_result_undecided_missing_more(res, i));
    for (size_t j = 0; j < zjtx_result_undecided_missing_count(res, i); j++)
      printf("\t%s\t%s\t%s", zjtx_result_undecided_missing_entity(res, i, j),
             zjtx_result_undecided_missing_id(res, i, j), zjtx_result_undecided_missing_field(res, i, j));
    printf("\n");
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: dump-result POLICY FACTS\n");
    return 2;
  }
  zjtx_error *err = NULL;
  zjtx_policy *policy = NULL;
  zjtx_facts *facts = NULL;
  zjtx_result *res = NULL;
  if (zjtx_policy_load_file(argv[1], &policy, &err) != ZJTX_OK)
    return fail(err);
  if (zjtx_facts_load(policy, argv[2], ZJTX_FACTS_STRICT, &facts, &err) != ZJTX_OK)
    return fail(err);
  if (zjtx_evaluate(policy, facts, NULL, &res, &err) != ZJTX_OK)
    return fail(err);
  print_result(res);
  zjtx_result_free(res);
  zjtx_facts_free(facts);
  zjtx_policy_unref(policy);
  return 0;
}
