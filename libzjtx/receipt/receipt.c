/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* receipt.c - a run's receipt: SHA-256 and SM3 of its canonical forms
 * (canonical.c), and the receipt as JSON. */
#include "canonical.h"
#include "error.h"
#include "format.h"
#include "zjtx/receipt.h"

#define ZRECEIPT_FORMAT "zjtx-receipt/1"
#define ZRECEIPT_PARTS  3

struct zjtx_receipt {
  char *policy_id, *policy_version, *period;
  GPtrArray *overrides; /* zparam_set*, copies */
  char sha256[ZRECEIPT_PARTS][2 * SHA256_DIGEST_SIZE + 1];
  char sm3[ZRECEIPT_PARTS][2 * SM3_DIGEST_SIZE + 1];
};

static void param_set_free(void *p) {
  zparam_set *s = p;
  g_free(s->id);
  g_free(s->key);
  g_free(s->value);
  g_free(s);
}

static bool part_ok(zjtx_receipt_part part) {
  return part >= ZJTX_RECEIPT_POLICY && part <= ZJTX_RECEIPT_RESULTS;
}

/* Writes the canonical form of `part` into c. */
static void write_part(zcanon *c, const zjtx_result *res, zjtx_receipt_part part) {
  if (part == ZJTX_RECEIPT_POLICY)
    zcanon_policy(c, res);
  else if (part == ZJTX_RECEIPT_FACTS)
    zcanon_facts(c, res->facts);
  else
    zcanon_results(c, res);
}

static void copy_overrides(zjtx_receipt *r, const zjtx_options *o) {
  r->overrides = g_ptr_array_new_with_free_func(param_set_free);
  for (guint i = 0; o->sets && i < o->sets->len; i++) {
    const zparam_set *s = g_ptr_array_index(o->sets, i);
    zparam_set *copy = g_new0(zparam_set, 1);
    copy->id = g_strdup(s->id);
    copy->key = g_strdup(s->key);
    copy->value = g_strdup(s->value);
    g_ptr_array_add(r->overrides, copy);
  }
}

zjtx_status zjtx_result_receipt(const zjtx_result *result, zjtx_receipt **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!result || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "zjtx_result_receipt: result and out are required");
  zjtx_receipt *r = g_new0(zjtx_receipt, 1);
  r->policy_id = g_strdup(result->policy->id);
  r->policy_version = g_strdup(result->policy->version);
  r->period = g_strdup(zjtx_result_period(result));
  copy_overrides(r, result->options);
  for (int part = ZJTX_RECEIPT_POLICY; part <= ZJTX_RECEIPT_RESULTS; part++) {
    zcanon c;
    zcanon_init(&c, false);
    write_part(&c, result, (zjtx_receipt_part)part);
    zcanon_finish(&c, r->sha256[part - 1], r->sm3[part - 1]);
    zcanon_clear(&c);
  }
  *out = r;
  return ZJTX_OK;
}

const char *zjtx_receipt_sha256(const zjtx_receipt *receipt, zjtx_receipt_part part) {
  return receipt && part_ok(part) ? receipt->sha256[part - 1] : NULL;
}

const char *zjtx_receipt_sm3(const zjtx_receipt *receipt, zjtx_receipt_part part) {
  return receipt && part_ok(part) ? receipt->sm3[part - 1] : NULL;
}

/* "name": {["id": ..., "version": ...,] "sha256": ..., "sm3": ...} */
static void json_part(GString *s, const zjtx_receipt *r, const char *name, zjtx_receipt_part part) {
  g_string_append_printf(s, ", \"%s\": {", name);
  if (part == ZJTX_RECEIPT_POLICY) {
    g_string_append(s, "\"id\": ");
    zfmt_json_string(s, r->policy_id);
    g_string_append(s, ", \"version\": ");
    zfmt_json_string(s, r->policy_version);
    g_string_append(s, ", ");
  }
  g_string_append_printf(s, "\"sha256\": \"%s\", \"sm3\": \"%s\"}", r->sha256[part - 1], r->sm3[part - 1]);
}

static void json_overrides(GString *s, const zjtx_receipt *r) {
  g_string_append(s, ", \"overrides\": [");
  for (guint i = 0; i < r->overrides->len; i++) {
    const zparam_set *o = g_ptr_array_index(r->overrides, i);
    g_string_append(s, i ? ", {\"param\": " : "{\"param\": ");
    zfmt_json_string(s, o->id);
    g_string_append(s, ", \"key\": ");
    if (o->key)
      zfmt_json_string(s, o->key);
    else
      g_string_append(s, "null");
    g_string_append(s, ", \"value\": ");
    zfmt_json_string(s, o->value);
    g_string_append_c(s, '}');
  }
  g_string_append_c(s, ']');
}

char *zjtx_receipt_to_json(const zjtx_receipt *receipt) {
  if (!receipt)
    return NULL;
  GString *s = g_string_new("{\"format\": \"" ZRECEIPT_FORMAT "\", \"engine\": ");
  g_autofree char *engine = g_strdup_printf("zjtx %s", zjtx_version_string());
  zfmt_json_string(s, engine);
  g_string_append(s, ", \"period\": ");
  zfmt_json_string(s, receipt->period);
  json_overrides(s, receipt);
  json_part(s, receipt, "policy", ZJTX_RECEIPT_POLICY);
  json_part(s, receipt, "facts", ZJTX_RECEIPT_FACTS);
  json_part(s, receipt, "results", ZJTX_RECEIPT_RESULTS);
  g_string_append_c(s, '}');
  return g_string_free(s, FALSE);
}

void zjtx_receipt_free(zjtx_receipt *receipt) {
  if (!receipt)
    return;
  g_free(receipt->policy_id);
  g_free(receipt->policy_version);
  g_free(receipt->period);
  g_ptr_array_unref(receipt->overrides);
  g_free(receipt);
}

zjtx_status zjtx_result_canonical_form(const zjtx_result *result, zjtx_receipt_part part, char **out, size_t *len,
                                       zjtx_error **err) {
  if (out)
    *out = NULL;
  if (len)
    *len = 0;
  if (!result || !out || !part_ok(part))
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "zjtx_result_canonical_form: a result, a part (1 to 3) and out are required");
  zcanon c;
  zcanon_init(&c, true);
  write_part(&c, result, part);
  if (len)
    *len = c.text->len;
  *out = g_string_free(c.text, FALSE);
  return ZJTX_OK;
}
