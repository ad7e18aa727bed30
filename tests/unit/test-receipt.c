/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-receipt.c - receipts: the digests against the standards' test
 * vectors, the three canonical forms of a small policy written out by hand
 * (docs/receipts.md), and receipts that do not depend on the thread count
 * but do on every fact. */
#include <check.h>
#include <glib.h>
#include <string.h>
#include <zjtx/zjtx.h>

#include "canonical.h" /* the digests alone, for the test vectors */
#include "test-util.h"

/* ---- the digests ------------------------------------------------------------- */

static void digests(const char *data, size_t len, char *sha256, char *sm3) {
  zcanon c;
  zcanon_init(&c, false);
  g_string_append_len(c.text, data, (gssize)len);
  zcanon_finish(&c, sha256, sm3);
  zcanon_clear(&c);
}

/* GB/T 32905-2016 appendix A, examples 1 and 2; FIPS 180-2 appendix B. */
START_TEST(test_vectors) {
  char sha[65], sm3[65];
  digests("abc", 3, sha, sm3);
  ck_assert_str_eq(sm3, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  ck_assert_str_eq(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *abcd16 = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
  digests(abcd16, 64, sha, sm3);
  ck_assert_str_eq(sm3, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
  const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  digests(two_blocks, strlen(two_blocks), sha, sm3);
  ck_assert_str_eq(sha, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  digests("", 0, sha, sm3);
  ck_assert_str_eq(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

/* ---- a small policy, its forms written out by hand ----------------------------- */

static const char policy_xml[] =
    "<policy id=\"receipt-test\" version=\"3\">\n"
    "  <title lang=\"en\">Receipt test</title>\n"
    "  <jurisdiction>Nowhere</jurisdiction>\n"
    "  <document>Test</document>\n"
    "  <period unit=\"year\" default=\"2025\"/>\n"
    "  <entity name=\"region\" plural=\"regions\" key=\"id\">\n"
    "    <field name=\"id\" type=\"text\"/>\n"
    "  </entity>\n"
    "  <entity name=\"firm\" plural=\"firms\" key=\"id\">\n"
    "    <field name=\"id\" type=\"text\"/>\n"
    "    <field name=\"note\" type=\"text\"/>\n"
    "    <field name=\"spend\" type=\"money\"/>\n"
    "    <field name=\"share\" type=\"rate\"/>\n"
    "    <field name=\"staff\" type=\"count\"/>\n"
    "    <field name=\"factor\" type=\"number\"/>\n"
    "    <field name=\"founded\" type=\"date\" required=\"false\"/>\n"
    "    <field name=\"listed\" type=\"bool\"/>\n"
    "    <field name=\"size\" type=\"code\"><code value=\"small\"/><code value=\"large\"/></field>\n"
    "    <field name=\"region\" type=\"ref\" entity=\"region\" required=\"false\"/>\n"
    "    <field name=\"bonus\" type=\"money\" required=\"false\"/>\n"
    "  </entity>\n"
    "  <entity name=\"site\" plural=\"sites\" parent=\"firm\" parent-key=\"firm\">\n"
    "    <field name=\"area\" type=\"number\"/>\n"
    "  </entity>\n"
    "  <parameter id=\"grant_rate\" type=\"rate\" status=\"published\">\n"
    "    <source>test</source>\n"
    "    <value from=\"2025-01-01\">2</value>\n"
    "  </parameter>\n"
    "  <rule id=\"grant\" subject=\"firm\" clause=\"1\">\n"
    "    <condition>listed</condition>\n"
    "    <amount>spend * grant_rate</amount>\n"
    "  </rule>\n"
    "  <rule id=\"bonus_grant\" subject=\"firm\" clause=\"3\">\n"
    "    <amount>bonus</amount>\n"
    "  </rule>\n"
    "  <check id=\"no_staff\" subject=\"firm\" clause=\"2\">\n"
    "    <condition>staff == 0</condition>\n"
    "  </check>\n"
    "</policy>\n";

/* F1's note holds a tab, a backslash and a newline; F2 leaves its optional
 * date, reference and bonus out. */
static const char facts_json[] =
    "{\"regions\": [{\"id\": \"R1\"}],\n"
    " \"firms\": [\n"
    "  {\"id\": \"F1\", \"note\": \"a\\tb\\\\c\\nd\", \"spend\": \"1000.50\", \"share\": \"12.5\", \"staff\": 3,\n"
    "   \"factor\": \"1.25\", \"founded\": \"2020-02-29\", \"listed\": true, \"size\": \"large\", \"region\": \"R1\",\n"
    "   \"bonus\": \"5\",\n"
    "   \"sites\": [{\"area\": \"10\"}, {\"area\": \"2.5\"}]},\n"
    "  {\"id\": \"F2\", \"note\": \"\", \"spend\": \"20\", \"share\": \"0\", \"staff\": 0, \"factor\": \"-3\",\n"
    "   \"listed\": false, \"size\": \"small\"}]}\n";

static const char facts_form[] =
    "zjtx-facts/1\n"
    "entity\tregion\t1\n"
    "columns\tid\n"
    "record\tR1\n"
    "entity\tfirm\t2\n"
    "columns\tid\tnote\tspend\tshare\tstaff\tfactor\tfounded\tlisted\tsize\tregion\tbonus\n"
    "record\tF1\ta\\tb\\\\c\\nd\t1000.50\t12.500000\t3\t1.250000\t2020-02-29\ttrue\tlarge\tR1\t5.00\n"
    "record\tF2\t\t20.00\t0.000000\t0\t-3.000000\t\\N\tfalse\tsmall\t\\N\t\\N\n"
    "entity\tsite\t2\n"
    "columns\tfirm\tarea\n"
    "record\tF1\t10.000000\n"
    "record\tF1\t2.500000\n";

/* With --set grant_rate=3 for 2025. */
static const char policy_form[] =
    "zjtx-policy/1\n"
    "policy\treceipt-test\t3\tNowhere\tTest\t2025\n"
    "origin\treceipt-test\n"
    "period\t2025\n"
    "set\tgrant_rate\t\\N\t3\n"
    "codeset\tfirm.size\tunordered\tsmall\tlarge\n"
    "entity\tregion\tregions\t\\N\t\\N\tid\n"
    "field\tregion\tid\ttext\trequired\t\\N\t\\N\tnot-negative\n"
    "entity\tfirm\tfirms\t\\N\t\\N\tid\n"
    "field\tfirm\tid\ttext\trequired\t\\N\t\\N\tnot-negative\n"
    "field\tfirm\tnote\ttext\trequired\t\\N\t\\N\tnot-negative\n"
    "field\tfirm\tspend\tmoney\trequired\t\\N\t\\N\tnot-negative\n"
    "field\tfirm\tshare\trate\trequired\t\\N\t\\N\tnot-negative\n"
    "field\tfirm\tstaff\tcount\trequired\t\\N\t\\N\tnot-negative\n"
    "field\tfirm\tfactor\tnumber\trequired\t\\N\t\\N\tnot-negative\n"
    "field\tfirm\tfounded\tdate\toptional\t\\N\t\\N\tnot-negative\n"
    "field\tfirm\tlisted\tbool\trequired\t\\N\t\\N\tnot-negative\n"
    "field\tfirm\tsize\tcode\trequired\tfirm.size\t\\N\tnot-negative\n"
    "field\tfirm\tregion\tref\toptional\tregion\t\\N\tnot-negative\n"
    "field\tfirm\tbonus\tmoney\toptional\t\\N\t\\N\tnot-negative\n"
    "entity\tsite\tsites\tfirm\tfirm\t\\N\n"
    "field\tsite\tarea\tnumber\trequired\t\\N\t\\N\tnot-negative\n"
    "relation\tfirm\tsites\tchildren\tsite\t\\N\n"
    "param\tgrant_rate\trate\t\\N\tpublished\t\\N\ttest\t\\N\tnot-negative\treceipt-test\n"
    "value\tgrant_rate\t2025-01-01\t\\N\t2\treceipt-test\n"
    "rule\tgrant\tfirm\t\\N\t1\thalf-up\t2\t\\N\treceipt-test\tin-force\n"
    "condition\tlisted\n"
    "amount\tspend * grant_rate\n"
    "rule\tbonus_grant\tfirm\t\\N\t3\thalf-up\t2\t\\N\treceipt-test\tin-force\n"
    "amount\tbonus\n"
    "check\tno_staff\tfirm\t\\N\t2\thalf-up\t2\t\\N\treceipt-test\tin-force\n"
    "condition\tstaff == 0\n";

/* 1000.50 yuan x 3 % = 30.015, half up to 30.02; F2 is not listed.  F1's
 * bonus is 5.00; F2's is missing, so its bonus_grant is undecided.  F2 has
 * no staff: the check's condition holds for it. */
static const char results_form[] = "zjtx-results/1\n"
                                   "entitlement\tgrant\tfirm\tF1\t30.02\n"
                                   "entitlement\tbonus_grant\tfirm\tF1\t5.00\n"
                                   "violation\tno_staff\tfirm\tF2\n"
                                   "undecided\trule\tbonus_grant\tfirm\tF2\n"
                                   "missing\tfirm\tF2\tbonus\n";

static zjtx_result *evaluate(zjtx_policy *p, zjtx_facts *f, const char *set_id, const char *set_value, int threads) {
  zjtx_options *o = zjtx_options_new();
  if (set_id)
    ck_assert_int_eq(zjtx_options_set_param(o, set_id, NULL, set_value, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_options_set_threads(o, threads, NULL), ZJTX_OK);
  zjtx_result *res = NULL;
  zjtx_error *err = NULL;
  if (zjtx_evaluate(p, f, o, &res, &err) != ZJTX_OK)
    ck_abort_msg("%s", zjtx_error_message(err));
  zjtx_options_free(o);
  return res;
}

static void expect_form(const zjtx_result *res, zjtx_receipt_part part, const char *want) {
  char *form = NULL;
  size_t len = 0;
  ck_assert_int_eq(zjtx_result_canonical_form(res, part, &form, &len, NULL), ZJTX_OK);
  ck_assert_str_eq(form, want);
  ck_assert_uint_eq(len, strlen(want));
  zjtx_free(form);
}

/* The receipt's SHA-256 of a part is GLib's SHA-256 of the form written by
 * hand: an implementation other than the library's, over every byte. */
static void expect_sha256(const zjtx_receipt *r, zjtx_receipt_part part, const char *form) {
  g_autofree char *want = g_compute_checksum_for_string(G_CHECKSUM_SHA256, form, -1);
  ck_assert_str_eq(zjtx_receipt_sha256(r, part), want);
  ck_assert_uint_eq(strlen(zjtx_receipt_sm3(r, part)), 64);
}

START_TEST(test_forms_by_hand) {
  zjtx_policy *p = ztest_policy_text(policy_xml, "receipt-test.xml");
  zjtx_facts *f = ztest_facts_json(p, facts_json, "facts.json");
  zjtx_result *res = evaluate(p, f, "grant_rate", "3", 1);
  expect_form(res, ZJTX_RECEIPT_POLICY, policy_form);
  expect_form(res, ZJTX_RECEIPT_FACTS, facts_form);
  expect_form(res, ZJTX_RECEIPT_RESULTS, results_form);
  zjtx_receipt *r = NULL;
  ck_assert_int_eq(zjtx_result_receipt(res, &r, NULL), ZJTX_OK);
  expect_sha256(r, ZJTX_RECEIPT_POLICY, policy_form);
  expect_sha256(r, ZJTX_RECEIPT_FACTS, facts_form);
  expect_sha256(r, ZJTX_RECEIPT_RESULTS, results_form);
  char *json = zjtx_receipt_to_json(r);
  ck_assert_ptr_nonnull(strstr(json, "\"format\": \"zjtx-receipt/1\""));
  ck_assert_ptr_nonnull(strstr(json, "\"period\": \"2025\""));
  ck_assert_ptr_nonnull(strstr(json, "\"overrides\": [{\"param\": \"grant_rate\", \"key\": null, \"value\": \"3\"}]"));
  ck_assert_ptr_nonnull(strstr(json, "\"policy\": {\"id\": \"receipt-test\", \"version\": \"3\", \"sha256\": \""));
  zjtx_free(json);
  zjtx_receipt_free(r);
  zjtx_result_free(res);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

START_TEST(test_bad_arguments) {
  zjtx_receipt *r = (zjtx_receipt *)1;
  zjtx_error *err = NULL;
  ck_assert_int_eq(zjtx_result_receipt(NULL, &r, &err), ZJTX_ERR_INVALID_ARG);
  ck_assert_ptr_null(r);
  zjtx_error_free(err);
  ck_assert_ptr_null(zjtx_receipt_sha256(NULL, ZJTX_RECEIPT_FACTS));
  ck_assert_ptr_null(zjtx_receipt_to_json(NULL));
  zjtx_receipt_free(NULL);
  zjtx_policy *p = ztest_policy_text(policy_xml, "receipt-test.xml");
  zjtx_facts *f = ztest_facts_json(p, facts_json, "facts.json");
  zjtx_result *res = evaluate(p, f, NULL, NULL, 1);
  ck_assert_int_eq(zjtx_result_receipt(res, &r, NULL), ZJTX_OK);
  ck_assert_ptr_null(zjtx_receipt_sm3(r, (zjtx_receipt_part)0));
  ck_assert_ptr_null(zjtx_receipt_sm3(r, (zjtx_receipt_part)4));
  char *form = (char *)1;
  ck_assert_int_eq(zjtx_result_canonical_form(res, (zjtx_receipt_part)9, &form, NULL, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_ptr_null(form);
  zjtx_receipt_free(r);
  zjtx_result_free(res);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* ---- receipts of the sample population ---------------------------------------- */

static zjtx_receipt *receipt_of(zjtx_policy *p, zjtx_facts *f, const char *set_id, const char *set_value, int threads) {
  zjtx_result *res = evaluate(p, f, set_id, set_value, threads);
  zjtx_receipt *r = NULL;
  ck_assert_int_eq(zjtx_result_receipt(res, &r, NULL), ZJTX_OK);
  zjtx_result_free(res);
  return r;
}

static bool same_part(const zjtx_receipt *a, const zjtx_receipt *b, zjtx_receipt_part part) {
  return strcmp(zjtx_receipt_sha256(a, part), zjtx_receipt_sha256(b, part)) == 0 &&
         strcmp(zjtx_receipt_sm3(a, part), zjtx_receipt_sm3(b, part)) == 0;
}

static zjtx_facts *sample_facts(zjtx_policy *p) {
  g_autofree char *path = ztest_src_path("examples", "huaian-2025", "facts.json", NULL);
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  if (zjtx_facts_load(p, path, 0, &f, &err) != ZJTX_OK)
    ck_abort_msg("%s", zjtx_error_message(err));
  return f;
}

START_TEST(test_threads) {
  zjtx_policy *p = ztest_policy_src("rules/huaian-2025.xml");
  zjtx_facts *f = sample_facts(p);
  zjtx_receipt *one = receipt_of(p, f, NULL, NULL, 1), *two = receipt_of(p, f, NULL, NULL, 2);
  zjtx_receipt *four = receipt_of(p, f, NULL, NULL, 4);
  char *a = zjtx_receipt_to_json(one), *b = zjtx_receipt_to_json(two), *c = zjtx_receipt_to_json(four);
  ck_assert_str_eq(a, b);
  ck_assert_str_eq(a, c);
  zjtx_free(a);
  zjtx_free(b);
  zjtx_free(c);
  zjtx_receipt_free(one);
  zjtx_receipt_free(two);
  zjtx_receipt_free(four);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* A parameter set changes the policy part (and here the results), never
 * the facts part. */
START_TEST(test_set_changes_policy) {
  zjtx_policy *p = ztest_policy_src("rules/huaian-2025.xml");
  zjtx_facts *f = sample_facts(p);
  zjtx_receipt *plain = receipt_of(p, f, NULL, NULL, 1), *set = receipt_of(p, f, "rd_base_rate", "3", 1);
  ck_assert(!same_part(plain, set, ZJTX_RECEIPT_POLICY));
  ck_assert(same_part(plain, set, ZJTX_RECEIPT_FACTS));
  ck_assert(!same_part(plain, set, ZJTX_RECEIPT_RESULTS));
  zjtx_receipt_free(plain);
  zjtx_receipt_free(set);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

/* One fact changed by one fen changes the facts part, not the policy's. */
START_TEST(test_one_fact_changes_facts) {
  zjtx_policy *p = ztest_policy_text(policy_xml, "receipt-test.xml");
  zjtx_facts *f = ztest_facts_json(p, facts_json, "facts.json");
  g_autofree char *changed_json = g_strdup(facts_json);
  memcpy(strstr(changed_json, "1000.50"), "1000.51", 7);
  zjtx_facts *g = ztest_facts_json(p, changed_json, "facts.json");
  zjtx_receipt *a = receipt_of(p, f, NULL, NULL, 1), *b = receipt_of(p, g, NULL, NULL, 1);
  ck_assert(same_part(a, b, ZJTX_RECEIPT_POLICY));
  ck_assert(!same_part(a, b, ZJTX_RECEIPT_FACTS));
  /* 1000.50 and 1000.51 x 2 % both round to 20.01 */
  ck_assert(same_part(a, b, ZJTX_RECEIPT_RESULTS));
  zjtx_receipt_free(a);
  zjtx_receipt_free(b);
  zjtx_facts_free(f);
  zjtx_facts_free(g);
  zjtx_policy_unref(p);
}
END_TEST

/* The facts of a population run past the hashing buffer: what is hashed a
 * buffer at a time is still the whole form. */
START_TEST(test_streamed_form) {
  zjtx_policy *p = ztest_policy_text(policy_xml, "receipt-test.xml");
  g_autoptr(GString) json = g_string_new("{\"firms\": [");
  for (int i = 0; i < 3000; i++)
    g_string_append_printf(json,
                           "%s{\"id\": \"F%d\", \"note\": \"firm number %d\", \"spend\": \"%d.25\", \"share\": \"1\","
                           " \"staff\": %d, \"factor\": \"1\", \"listed\": true, \"size\": \"small\"}",
                           i ? ", " : "", i, i, i, i % 7);
  g_string_append(json, "]}");
  zjtx_facts *f = ztest_facts_json(p, json->str, "big.json");
  zjtx_result *res = evaluate(p, f, NULL, NULL, 2);
  char *form = NULL;
  size_t len = 0;
  ck_assert_int_eq(zjtx_result_canonical_form(res, ZJTX_RECEIPT_FACTS, &form, &len, NULL), ZJTX_OK);
  ck_assert_uint_gt(len, 3 * 64 * 1024);
  zjtx_receipt *r = NULL;
  ck_assert_int_eq(zjtx_result_receipt(res, &r, NULL), ZJTX_OK);
  expect_sha256(r, ZJTX_RECEIPT_FACTS, form);
  zjtx_free(form);
  zjtx_receipt_free(r);
  zjtx_result_free(res);
  zjtx_facts_free(f);
  zjtx_policy_unref(p);
}
END_TEST

int main(void) {
  Suite *s = suite_create("receipt");
  TCase *tc = tcase_create("receipt");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_vectors);
  tcase_add_test(tc, test_forms_by_hand);
  tcase_add_test(tc, test_bad_arguments);
  tcase_add_test(tc, test_threads);
  tcase_add_test(tc, test_set_changes_policy);
  tcase_add_test(tc, test_one_fact_changes_facts);
  tcase_add_test(tc, test_streamed_form);
  suite_add_tcase(s, tc);
  return ztest_run_suite(s);
}
