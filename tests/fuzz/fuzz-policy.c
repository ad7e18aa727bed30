/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/fuzz/fuzz-policy.c - fuzzes the policy loader: the input is a policy
 * document, read by zjtx_policy_load_buffer() with rules/ as the folder
 * extends= is resolved against (so rules/huaian-2025.xml loads as a seed).
 * A policy that loads is dumped and its metadata read.
 */
#include "fuzz-common.h"

static void read_metadata(const zjtx_policy *policy) {
  (void)zjtx_policy_id(policy);
  (void)zjtx_policy_title(policy, "en");
  (void)zjtx_policy_default_period(policy);
  for (size_t i = 0; i < zjtx_policy_rule_count(policy); i++) {
    (void)zjtx_policy_rule_id(policy, i);
    (void)zjtx_policy_rule_title(policy, i, "zh");
    (void)zjtx_policy_rule_origin(policy, i);
  }
  for (size_t i = 0; i < zjtx_policy_param_count(policy); i++)
    for (size_t j = 0; j < zjtx_policy_param_value_count(policy, i); j++)
      (void)zjtx_policy_param_value_text(policy, i, j);
  for (size_t i = 0; i < zjtx_policy_entity_count(policy); i++)
    for (size_t f = 0; f < zjtx_policy_entity_field_count(policy, i); f++)
      (void)zjtx_policy_entity_field_type(policy, i, f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char base_dir[4096];
  snprintf(base_dir, sizeof base_dir, "%s/rules", zfuzz_srcdir());
  zjtx_policy *policy = NULL;
  zjtx_error *err = NULL;
  if (zjtx_policy_load_buffer((const char *)data, size, "fuzz.xml", base_dir, &policy, &err) != ZJTX_OK) {
    if (policy)
      abort(); /* *out is NULL on failure */
    zfuzz_consume_errors(err);
    return 0;
  }
  read_metadata(policy);
  zjtx_free(zjtx_policy_dump(policy));
  zjtx_policy_unref(policy);
  return 0;
}
