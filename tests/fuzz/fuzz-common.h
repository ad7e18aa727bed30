/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/fuzz/fuzz-common.h - what the fuzz targets share: where the policies
 * are, and walking every error and result so that the sanitizers read what
 * the library returned.  Public API only (zjtx/zjtx.h).
 */
#ifndef ZJTX_FUZZ_COMMON_H
#define ZJTX_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zjtx/zjtx.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The source tree (rules/), set by meson; ZJTX_SRCDIR overrides it so that a
 * fuzz binary copied elsewhere still finds the policies. */
static inline const char *zfuzz_srcdir(void) {
  const char *env = getenv("ZJTX_SRCDIR");
  return env && *env ? env : ZJTX_FUZZ_SRCDIR;
}

/* A policy of the source tree, loaded once per process: the facts targets fuzz
 * the facts, not the policy.  Aborts when it does not load, since then every
 * input would test nothing. */
static inline zjtx_policy *zfuzz_policy_once(zjtx_policy **cache, const char *relative) {
  if (*cache)
    return *cache;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", zfuzz_srcdir(), relative);
  zjtx_error *err = NULL;
  if (zjtx_policy_load_file(path, cache, &err) != ZJTX_OK) {
    fprintf(stderr, "fuzz: cannot load %s: %s\n", path, err ? zjtx_error_message(err) : "?");
    abort();
  }
  return *cache;
}

/* ZJTX_FUZZ_VERBOSE=1: say what became of each input (is a seed still
 * reaching the code it was meant for?). */
static inline int zfuzz_verbose(void) {
  const char *env = getenv("ZJTX_FUZZ_VERBOSE");
  return env && *env && *env != '0';
}

/* Reads every error of the chain the way a caller would, then frees it. */
static inline void zfuzz_consume_errors(zjtx_error *err) {
  if (zfuzz_verbose())
    fprintf(stderr, "  error (%zu): %s\n", zjtx_error_count(err), err ? zjtx_error_message(err) : "?");
  for (const zjtx_error *e = err; e; e = zjtx_error_next(e)) {
    char *text = zjtx_error_format(e);
    if (!text || !zjtx_error_message(e) || zjtx_error_code(e) == ZJTX_OK)
      abort(); /* the API promises a message and a failure code */
    (void)zjtx_error_file(e);
    (void)zjtx_error_rule(e);
    zjtx_free(text);
  }
  (void)zjtx_error_count(err);
  zjtx_error_free(err);
}

/* Reads every reject keep-going loading noted. */
static inline void zfuzz_consume_rejects(const zjtx_facts *facts) {
  size_t n = zjtx_facts_reject_count(facts);
  if (zfuzz_verbose() && n)
    fprintf(stderr, "  %zu rejects, the first: %s\n", n, zjtx_facts_reject_reason(facts, 0));
  for (size_t i = 0; i < n; i++) {
    const char *strings[] = {zjtx_facts_reject_entity(facts, i), zjtx_facts_reject_file(facts, i),
                             zjtx_facts_reject_id(facts, i),     zjtx_facts_reject_field(facts, i),
                             zjtx_facts_reject_value(facts, i),  zjtx_facts_reject_reason(facts, i)};
    size_t total = 0;
    for (size_t s = 0; s < sizeof strings / sizeof strings[0]; s++)
      total += strings[s] ? strlen(strings[s]) : 0;
    (void)total;
    (void)zjtx_facts_reject_line(facts, i);
  }
}

/* Checks the reconciliation every entity promises: read == accepted + refused. */
static inline void zfuzz_check_reconcile(const zjtx_policy *policy, const zjtx_facts *facts) {
  for (size_t i = 0; i < zjtx_policy_entity_count(policy); i++) {
    int64_t read = 0, accepted = 0, refused = 0;
    if (zjtx_facts_reconcile(facts, zjtx_policy_entity_name(policy, i), &read, &accepted, &refused) != ZJTX_OK ||
        read != accepted + refused)
      abort();
  }
}

/* Evaluates finished facts and reads the result, explaining the first few
 * entitlements and violations (explanations are the costly part). */
static inline void zfuzz_evaluate(const zjtx_policy *policy, const zjtx_facts *facts) {
  zjtx_result *result = NULL;
  zjtx_error *err = NULL;
  if (zjtx_evaluate(policy, facts, NULL, &result, &err) != ZJTX_OK) {
    zfuzz_consume_errors(err);
    return;
  }
  size_t n = zjtx_result_entitlement_count(result);
  if (zfuzz_verbose())
    fprintf(stderr, "  evaluated: %zu entitlements, %zu violations\n", n, zjtx_result_violation_count(result));
  for (size_t i = 0; i < n; i++) {
    (void)zjtx_result_entitlement_fen(result, i);
    (void)zjtx_result_entitlement_amount(result, i);
    if (i >= 4)
      continue;
    zjtx_explanation *ex = NULL;
    if (zjtx_result_explain_entitlement(result, i, &ex, NULL) == ZJTX_OK) {
      zjtx_free(zjtx_explanation_to_text(ex));
      zjtx_free(zjtx_explanation_to_json(ex));
      zjtx_explanation_free(ex);
    }
  }
  size_t v = zjtx_result_violation_count(result);
  for (size_t i = 0; i < v && i < 4; i++) {
    zjtx_explanation *ex = NULL;
    if (zjtx_result_explain_violation(result, i, &ex, NULL) == ZJTX_OK) {
      zjtx_free(zjtx_explanation_to_text(ex));
      zjtx_explanation_free(ex);
    }
  }
  zjtx_result_free(result);
}

/* Empty facts for `policy`, keeping going past bad records or not; that
 * cannot fail for a policy that loaded, so a failure aborts. */
static inline zjtx_facts *zfuzz_facts_new(zjtx_policy *policy, int keep_going) {
  zjtx_facts *facts = NULL;
  zjtx_error *err = NULL;
  if (zjtx_facts_new(policy, &facts, &err) != ZJTX_OK || zjtx_facts_set_keep_going(facts, keep_going, &err) != ZJTX_OK)
    abort();
  return facts;
}

/* After a read into `facts` (`read` its status, `err` its error): finishes
 * them and, when all went well, reads the refused records, reconciles and
 * evaluates; otherwise reads the error chain.  Frees the facts. */
static inline void zfuzz_finish_and_use(const zjtx_policy *policy, zjtx_facts *facts, zjtx_status read,
                                        zjtx_error *err) {
  if (read != ZJTX_OK || zjtx_facts_finish(facts, &err) != ZJTX_OK) {
    zfuzz_consume_errors(err);
    zjtx_facts_free(facts);
    return;
  }
  zfuzz_consume_rejects(facts);
  zfuzz_check_reconcile(policy, facts);
  zfuzz_evaluate(policy, facts);
  zjtx_facts_free(facts);
}

#endif
