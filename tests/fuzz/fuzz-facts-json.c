/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/fuzz/fuzz-facts-json.c - fuzzes the JSON facts reader against
 * rules/huaian-2025.xml (loaded once): each input is read strictly
 * (zjtx_facts_load_json_buffer) and with keep-going, and facts that load
 * are evaluated.
 */
#include "fuzz-common.h"

static zjtx_policy *policy;

static void load_strict(const char *data, size_t size) {
  zjtx_facts *facts = NULL;
  zjtx_error *err = NULL;
  if (zjtx_facts_load_json_buffer(policy, data, size, "fuzz.json", &facts, &err) != ZJTX_OK) {
    if (facts)
      abort(); /* *out is NULL on failure */
    zfuzz_consume_errors(err);
    return;
  }
  (void)zjtx_facts_period(facts);
  zfuzz_check_reconcile(policy, facts);
  zfuzz_evaluate(policy, facts);
  zjtx_facts_free(facts);
}

static void load_keep_going(const char *data, size_t size) {
  zjtx_facts *facts = zfuzz_facts_new(policy, 1);
  zjtx_error *err = NULL;
  zjtx_status read = zjtx_facts_read_json_buffer(facts, data, size, "fuzz.json", &err);
  zfuzz_finish_and_use(policy, facts, read, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  zfuzz_policy_once(&policy, "rules/huaian-2025.xml");
  load_strict((const char *)data, size);
  load_keep_going((const char *)data, size);
  return 0;
}
