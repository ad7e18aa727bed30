/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-facts-json-scan.c - the first pass's fast path for records gives the general path's verdict, messages and
 * positions.
 *
 * The elements of arrays take a fast path in the first pass
 * (facts-json-scan.c) that hands anything unusual back to the general
 * path; ZJTX_JSON_SCAN_FAST=0 turns it off.  Each malformed record here is
 * loaded both ways against the message, line and column worked out by
 * hand from the document as written; then documents damaged at every byte
 * are scanned both ways and all the scan tells (verdict, members, raw
 * control characters, the runs a watch is handed) must be the same. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "facts-json-scan.h"
#include "facts-store.h"
#include "test-util.h"

/* The school-meals policy: it nests two generations, so the deepest
 * document it can use has 6 levels. */
static zjtx_policy *policy;

static void setup(void) {
  policy = ztest_policy_src("examples/school-meals/policy.xml");
}

static void teardown(void) {
  zjtx_policy_unref(policy);
  policy = NULL;
}

static void fast_path(bool on) {
  if (on)
    g_unsetenv("ZJTX_JSON_SCAN_FAST");
  else
    g_setenv("ZJTX_JSON_SCAN_FAST", "0", TRUE);
}

/* Line 2 a valid district, line 3 the one given (without its newline). */
static char *districts(const char *third) {
  return g_strdup_printf("{\"districts\": [\n"
                         "{\"id\": \"D01\", \"name\": \"d\", \"terrain\": \"plain\"},\n"
                         "%s\n"
                         "]}\n",
                         third);
}

/* The document `json` (len bytes) must be refused with one error: `code`,
 * `message`, at line:column; with the fast path and without. */
static void refused(const char *json, size_t len, size_t max_field, zjtx_status code, const char *message, int line,
                    int column) {
  for (int on = 0; on < 2; on++) {
    fast_path(on);
    zjtx_facts *f = NULL;
    ck_assert_int_eq(zjtx_facts_new(policy, &f, NULL), ZJTX_OK);
    if (max_field)
      ck_assert_int_eq(zjtx_facts_set_max_field_bytes(f, max_field, NULL), ZJTX_OK);
    zjtx_error *err = NULL;
    zjtx_status st = zjtx_facts_read_json_buffer(f, json, len, "t.json", &err);
    ck_assert_msg(st == code, "%s: status %d, want %d (%s)", json, st, code, err ? zjtx_error_message(err) : "-");
    ck_assert_int_eq(zjtx_error_count(err), 1);
    ck_assert_int_eq(zjtx_error_code(err), code);
    ck_assert_str_eq(zjtx_error_message(err), message);
    ck_assert_msg(zjtx_error_line(err) == line && zjtx_error_column(err) == column, "%s (fast path %d): at %d:%d", json,
                  on, zjtx_error_line(err), zjtx_error_column(err));
    zjtx_error_free(err);
    zjtx_facts_free(f);
  }
}

static void refused_third(const char *third, zjtx_status code, const char *message, int line, int column) {
  g_autofree char *doc = districts(third);
  refused(doc, strlen(doc), 0, code, message, line, column);
}

/* ---- malformed records, messages worked out by hand ---------------------------- */

/* Line 3 is `{"id": "D02", "name": "` then the name: its first byte stands
 * in column 24; after `{"id": "D02", "n": ` a value starts in column 20. */
START_TEST(test_lexical_errors_in_a_record) {
  refused_third("{\"id\": \"D02\", \"name\": \"a\\x\"}", ZJTX_ERR_FACTS,
                "not valid JSON: \\x is no escape JSON has (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", 3, 25);
  refused_third("{\"id\": \"D02\", \"name\": \"a\\u0000\"}", ZJTX_ERR_FACTS,
                "\"\\u0000\" (a NUL character) inside a string (no value may contain one)", 3, 25);
  refused_third("{\"id\": \"D02\", \"name\": \"a\\u12G4\"}", ZJTX_ERR_FACTS,
                "not valid JSON: \\u takes four hexadecimal digits", 3, 25);
  static const char bad_number[] = "not valid JSON: a number must be written in decimal as JSON writes it (no leading "
                                   "zero, hex or octal)";
  static const char *const numbers[] = {"01", "1.", "-", "1e", "1.5x", "0x1F", "-01", "1e+"};
  for (size_t i = 0; i < G_N_ELEMENTS(numbers); i++) {
    g_autofree char *third = g_strdup_printf("{\"id\": \"D02\", \"n\": %s}", numbers[i]);
    refused_third(third, ZJTX_ERR_FACTS, bad_number, 3, 20);
  }
  refused_third("{\"id\": \"D02\", \"n\": .5}", ZJTX_ERR_FACTS, bad_number, 3, 20);
  refused_third("{\"id\": \"D02\", /* c */ \"n\": 1}", ZJTX_ERR_FACTS, "not valid JSON: a comment (JSON has none)", 3,
                15);
  refused_third("{'id': \"D02\"}", ZJTX_ERR_FACTS,
                "not valid JSON: a single-quoted string (JSON strings take double quotes)", 3, 2);
}
END_TEST

START_TEST(test_nul_and_utf8_in_a_record) {
  /* a NUL byte written raw: the length is given, not found by strlen */
  static const char with_nul[] = "{\"districts\": [\n{\"id\": \"D01\"},\n{\"id\": \"D02\", \"name\": \"a\0b\"}]}";
  refused(with_nul, sizeof with_nul - 1, 0, ZJTX_ERR_FACTS, "a NUL byte inside a string (no value may contain one)", 3,
          25);
  static const char nul_outside[] = "{\"districts\": [\n{\"id\": \"D01\"},\n{\"id\": \"D02\",\0 \"x\": 1}]}";
  refused(nul_outside, sizeof nul_outside - 1, 0, ZJTX_ERR_FACTS, "not valid JSON: a NUL byte", 3, 14);
  /* json-glib checked the whole input's UTF-8 first: no position */
  static const char *const bad[] = {"\xFF", "\xC0\x80", "\xED\xA0\x80", "\xE6\xB7", "\xF4\x90\x80\x80"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *third = g_strdup_printf("{\"id\": \"D02\", \"name\": \"\xE6\xB7\xAE%s\"}", bad[i]);
    refused_third(third, ZJTX_ERR_FACTS, "not valid JSON: JSON data must be UTF-8 encoded", 0, 0);
  }
}
END_TEST

/* json-glib's words: the token read last and what it wanted instead, at
 * that token's last byte. */
START_TEST(test_syntax_errors_in_a_record) {
  refused_third("{\"id\" \"D02\"}", ZJTX_ERR_FACTS,
                "not valid JSON: unexpected string constant \"id\", expected character `:'", 3, 5);
  refused_third("{\"id\": \"D02\" \"name\": \"x\"}", ZJTX_ERR_FACTS,
                "not valid JSON: unexpected string constant \"D02\", expected character `,'", 3, 12);
  refused_third("{\"id\": \"D02\",}", ZJTX_ERR_FACTS,
                "not valid JSON: unexpected character `,', expected character `]'", 3, 13);
  refused_third("{\"id\": \"D02\", \"n\": }", ZJTX_ERR_FACTS,
                "not valid JSON: unexpected character `}', expected character `}'", 3, 20);
  refused_third("{\"id\": \"D02\", \"n\": nul}", ZJTX_ERR_FACTS,
                "not valid JSON: unexpected identifier `nul', expected value", 3, 22);
  refused_third("{\"id\": \"D02\", \"n\": True}", ZJTX_ERR_FACTS,
                "not valid JSON: unexpected identifier `True', expected value", 3, 23);
  refused_third("{\"id\": \"D02\", \"n\": [1 2]}", ZJTX_ERR_FACTS,
                "not valid JSON: unexpected number `1', expected character `,'", 3, 21);
  refused_third("{\"id\": \"D02\", \"n\": [1,]}", ZJTX_ERR_FACTS,
                "not valid JSON: unexpected character `,', expected character `]'", 3, 22);
  refused_third("{\"id\": \"D02\", \"name\": \"\\uD800x\"}", ZJTX_ERR_FACTS,
                "not valid JSON: \\uD800 is half of a surrogate pair (a character beyond U+FFFF is written as two \\u "
                "escapes, high then low)",
                3, 24);
  /* a lexical error later in the document comes first, as json-glib's
   * pre-pass found it before the parser ran */
  refused_third("{\"id\": \"D02\" \"n\": 1},\n{\"id\": \"D03\", \"name\": \"\\q\"}", ZJTX_ERR_FACTS,
                "not valid JSON: \\q is no escape JSON has (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", 4, 24);
}
END_TEST

/* The input ends inside a record: the message stands where it ends. */
START_TEST(test_document_ends_in_a_record) {
  static const char *const ends[] = {"{\"districts\": [\n{\"id\": \"D01\"},\n{\"id\": \"D02",
                                     "{\"districts\": [\n{\"id\": \"D01\"},\n{\"id\": \"D02\", \"n\": [1, {\"a\": 2"};
  refused(ends[0], strlen(ends[0]), 0, ZJTX_ERR_FACTS, "not valid JSON: scanner: unterminated string constant", 3, 12);
  /* json-glib named the value before the end, wanting a key */
  refused(ends[1], strlen(ends[1]), 0, ZJTX_ERR_FACTS,
          "not valid JSON: unexpected number `2', expected string constant", 3, 30);
}
END_TEST

/* Limits: the depth of the policy (6) and the longest value (here 9). */
START_TEST(test_limits_in_a_record) {
  /* top {, [, the record {, then three levels more: the fourth in column 23 */
  refused_third("{\"id\": \"D02\", \"n\": [[[[1]]]]}", ZJTX_ERR_LIMIT,
                "arrays and objects nested deeper than 6 levels (the most these facts can use)", 3, 23);
  refused_third("{\"id\": \"D02\", \"n\": [{\"a\": {\"b\": [1]}}]}", ZJTX_ERR_LIMIT,
                "arrays and objects nested deeper than 6 levels (the most these facts can use)", 3, 33);
  /* 10 bytes between the quotes ("districts" has 9), reported where the
   * string opens */
  g_autofree char *doc = districts("{\"id\": \"D02\", \"name\": \"abcdefghij\"}");
  refused(doc, strlen(doc), 9, ZJTX_ERR_LIMIT, "a string longer than 9 bytes (the limit for one value)", 3, 23);
  g_autofree char *kanji =
      districts("{\"id\": \"D02\", \"name\": \"\xE6\xB7\xAE\xE5\xAE\x89\xE5\xB8\x82\xE5\xB8\x82\"}");
  refused(kanji, strlen(kanji), 9, ZJTX_ERR_LIMIT, "a string longer than 9 bytes (the limit for one value)", 3, 23);
}
END_TEST

/* What the fast path hands back but is valid: loaded as the general path
 * loads it, lines counted through raw line breaks. */
START_TEST(test_unusual_but_valid_records) {
  static const char doc[] = "{\"districts\": [\n"
                            "{\"id\": \"D01\", \"name\": \"\\u6DEE\\u5B89\\ud83d\\ude00\", \"terrain\": \"plain\"},\n"
                            "{\"id\": \"D02\", \"name\": \"a\tb\nc\", \"terrain\": \"plain\"},\n"
                            "{\"id\": \"D03\", \"name\": \"\\\"q\\\"\\/\\\\\", \"terrain\": \"sea\"}\n"
                            "]}\n";
  for (int on = 0; on < 2; on++) {
    fast_path(on);
    zjtx_facts *f = NULL;
    zjtx_error *err = NULL;
    ck_assert_int_eq(zjtx_facts_new(policy, &f, NULL), ZJTX_OK);
    ck_assert_int_eq(zjtx_facts_set_keep_going(f, 1, NULL), ZJTX_OK);
    ck_assert_int_eq(zjtx_facts_read_json_buffer(f, doc, strlen(doc), "t.json", &err), ZJTX_OK);
    /* D03's terrain is no code of the policy: refused on its own line, 5
     * (the raw line break in D02's name counts) */
    ck_assert_uint_eq(zjtx_facts_reject_count(f), 1);
    ck_assert_int_eq(zjtx_facts_reject_line(f, 0), 5);
    ck_assert_str_eq(zjtx_facts_reject_id(f, 0), "D03");
    zjtx_error_free(err);
    zjtx_facts_free(f);
  }
}
END_TEST

/* ---- every byte damaged: the same scan either way --------------------------- */

/* Everything a scan tells, as text: its verdict, the top object's members,
 * the raw control characters, and what the watch was offered and handed. */
typedef struct {
  GString *out;
} zrecord;

static bool offered(void *ctx, const char *key, size_t from, int line, int top_line) {
  zrecord *r = ctx;
  g_string_append_printf(r->out, "array %s at %zu line %d top %d\n", key, from, line, top_line);
  return strcmp(key, "skip") != 0;
}

static void handed(void *ctx, const zjson_chunk *c) {
  zrecord *r = ctx;
  g_string_append_printf(r->out, "run %zu-%zu elements %u+%u line %d\n", c->from, c->to, c->first, c->count, c->line);
}

static char *scan_told(const char *data, size_t len, bool fast, size_t run_bytes) {
  fast_path(fast);
  zrecord r = {g_string_new(NULL)};
  zjson_watch w = {offered, handed, &r, run_bytes};
  zjson_limits lim = {6, 12, &w};
  zjson_scan s;
  bool ok = zjson_prescan(data, len, &lim, &s);
  g_string_append_printf(r.out, "ok %d code %d at %d:%d %s\ntop %c line %d twice %s\n", ok, s.code, s.line, s.column,
                         s.message ? s.message : "-", s.top ? s.top : '-', s.top_line, s.twice ? s.twice : "-");
  for (guint i = 0; s.members && i < s.members->len; i++) {
    const zjson_member *m = &g_array_index(s.members, zjson_member, i);
    g_string_append_printf(r.out, "member %s %zu-%zu line %d from line %d\n", m->key, m->from, m->to, m->line,
                           m->from_line);
  }
  for (guint i = 0; s.raw_controls && i < s.raw_controls->len; i++)
    g_string_append_printf(r.out, "raw %zu\n", g_array_index(s.raw_controls, size_t, i));
  zjson_scan_clear(&s);
  return g_string_free(r.out, FALSE);
}

static void same_scan(const char *data, size_t len) {
  static const size_t runs[] = {1, 60};
  for (size_t i = 0; i < G_N_ELEMENTS(runs); i++) {
    g_autofree char *general = scan_told(data, len, false, runs[i]);
    g_autofree char *fast = scan_told(data, len, true, runs[i]);
    if (strcmp(general, fast) != 0)
      ck_abort_msg("%.*s\n--- general:\n%s--- fast:\n%s", (int)MIN(len, 400), data, general, fast);
  }
}

/* Records of the shapes the fast path takes (nested arrays of objects,
 * numbers, literals, Chinese text, escapes, line breaks) and of some it
 * hands back, in a streamed array and in one that is not. */
static const char base_document[] =
    "{\"period\": \"2025\", \"schools\": [\n"
    "{\"id\": \"S1\", \"n\": -1.5e+3, \"ok\": true, \"no\": false, \"x\": null, \"e\": [],\n"
    " \"terms\": [{\"id\": \"T1\", \"pupils\": 12, \"m\": \"\xE6\xB7\xAE\xE5\xAE\x89\"}, {}]},\n"
    "  {\"id\": \"S\\\"2\\n\", \"u\": \"\\u00e9\", \"t\": \"a\tb\"} ,\n"
    "\t{ \"id\" : \"S3\" , \"d\" : [ [ 0 ] , 1 ] }\r\n"
    "], \"skip\": [{\"id\": 1}, 2], \"schools\": [{\"id\": \"S4\"}, \"s\", 3, [4]]}\n";

START_TEST(test_damaged_documents_scan_alike) {
  static const char bytes[] = {'"',        '\\',       '{', '}', '[', ']', ',', ':', ' ', '\n', '\t', '\0',
                               (char)0xFF, (char)0xE6, 'x', '0', '-', '.', 'e', 'u', '/', '\'', 't',  'n'};
  const size_t len = sizeof base_document - 1;
  same_scan(base_document, len);
  g_autofree char *buf = g_malloc(len + 1);
  for (size_t at = 0; at < len; at++) {
    for (size_t b = 0; b < sizeof bytes; b++) { /* a byte replaced */
      memcpy(buf, base_document, len);
      buf[at] = bytes[b];
      same_scan(buf, len);
    }
    memcpy(buf, base_document, at); /* a byte taken out */
    memcpy(buf + at, base_document + at + 1, len - at - 1);
    same_scan(buf, len - 1);
    same_scan(base_document, at); /* the input cut there */
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("facts-json-scan");
  TCase *tc = tcase_create("fast-path");
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_lexical_errors_in_a_record);
  tcase_add_test(tc, test_nul_and_utf8_in_a_record);
  tcase_add_test(tc, test_syntax_errors_in_a_record);
  tcase_add_test(tc, test_document_ends_in_a_record);
  tcase_add_test(tc, test_limits_in_a_record);
  tcase_add_test(tc, test_unusual_but_valid_records);
  tcase_add_test(tc, test_damaged_documents_scan_alike);
  suite_add_tcase(s, tc);
  return ztest_run_suite(s);
}
