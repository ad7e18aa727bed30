/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/fuzz/fuzz-facts-json.c - fuzzes the JSON facts reader against
 * rules/huaian-2025.xml (loaded once): each input is read strictly
 * (zjtx_facts_load_json_buffer) and with keep-going, and facts that load
 * are evaluated.  The strict load is made again with the first pass's fast
 * path for records turned off (ZJTX_JSON_SCAN_FAST=0): the status and
 * every message, line and column must be the same.
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

/* The status and errors of a strict load, as text (caller frees). */
static char *strict_outcome(const char *data, size_t size) {
  zjtx_facts *facts = NULL;
  zjtx_error *err = NULL;
  zjtx_status st = zjtx_facts_load_json_buffer(policy, data, size, "fuzz.json", &facts, &err);
  size_t cap = 64, len = (size_t)snprintf(NULL, 0, "status %d\n", (int)st);
  for (const zjtx_error *e = err; e; e = zjtx_error_next(e))
    cap += strlen(zjtx_error_message(e)) + 64;
  char *out = malloc(cap + len);
  if (!out)
    abort();
  size_t at = (size_t)snprintf(out, cap + len, "status %d\n", (int)st);
  for (const zjtx_error *e = err; e; e = zjtx_error_next(e))
    at += (size_t)snprintf(out + at, cap + len - at, "%d %d:%d %s\n", (int)zjtx_error_code(e), zjtx_error_line(e),
                           zjtx_error_column(e), zjtx_error_message(e));
  zjtx_error_free(err);
  zjtx_facts_free(facts);
  return out;
}

static void same_without_fast_path(const char *data, size_t size) {
  char *fast = strict_outcome(data, size);
  setenv("ZJTX_JSON_SCAN_FAST", "0", 1);
  char *general = strict_outcome(data, size);
  unsetenv("ZJTX_JSON_SCAN_FAST");
  if (strcmp(fast, general) != 0) {
    fprintf(stderr, "fuzz: the fast path changed the outcome:\n%s--- without it:\n%s", fast, general);
    abort();
  }
  free(fast);
  free(general);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  zfuzz_policy_once(&policy, "rules/huaian-2025.xml");
  load_strict((const char *)data, size);
  load_keep_going((const char *)data, size);
  same_without_fast_path((const char *)data, size);
  return 0;
}
