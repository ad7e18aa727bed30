/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-facts.c - the facts store, record API and JSON carrier over a small hand-built policy. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "facts-store.h"
#include "policy-load.h"
#include "test-util.h"

/* ---- a generic policy, built by hand -------------------------------------
 *
 *   school   (id, name, budget money, opened date, kind code, rural bool,
 *             pupils count, ratio number); id must start with "S"
 *     grant       child of school by "school" (undeclared), no id:
 *                 amount money (required), share rate, on date
 *     inspection  child of school by "school", with an id: id, score
 *   district (id, seat ref -> school, deficit money that may be negative)
 *
 * relations: 0 school.grants, 1 school.inspections (children),
 *            2 school.districts (districts whose seat is the school). */

enum { E_SCHOOL, E_GRANT, E_INSPECTION, E_DISTRICT };
enum { F_ID, F_NAME, F_BUDGET, F_OPENED, F_KIND, F_RURAL, F_PUPILS, F_RATIO };
enum { G_AMOUNT, G_SHARE, G_ON };
enum { I_ID, I_SCORE };
enum { D_ID, D_SEAT, D_DEFICIT };
enum { R_GRANTS, R_INSPECTIONS, R_DISTRICTS };

/* What the test policy says a school id must look like (a stand-in for an
 * identifier validator such as ident.c's). */
static const char *check_school_id(const char *s, size_t len) {
  return len >= 2 && s[0] == 'S' ? NULL : "an id starting with \"S\"";
}

static zfield *add_field(zentity *e, const char *name, zfield_type type, bool required) {
  zfield *f = g_new0(zfield, 1);
  f->name = g_strdup(name);
  f->type = type;
  f->codeset = -1;
  f->ref_entity = -1;
  f->required = required;
  g_ptr_array_add(e->fields, f);
  return f;
}

static zentity *add_entity(struct zjtx_policy *p, const char *name, const char *plural, int32_t parent,
                           const char *parent_key) {
  zentity *e = g_new0(zentity, 1);
  e->name = g_strdup(name);
  e->plural = g_strdup(plural);
  e->index = (int32_t)p->entities->len;
  e->parent = parent;
  e->parent_key = g_strdup(parent_key);
  e->key_field = -1;
  e->fields = g_ptr_array_new();
  e->relations = g_array_new(FALSE, FALSE, sizeof(int32_t));
  g_ptr_array_add(p->entities, e);
  g_hash_table_insert(p->entity_by_name, e->name, GINT_TO_POINTER(e->index + 1));
  return e;
}

static void add_relation(struct zjtx_policy *p, const char *name, zrel_kind kind, int32_t owner, int32_t target,
                         int32_t via) {
  zrelation *r = g_new0(zrelation, 1);
  r->name = g_strdup(name);
  r->kind = kind;
  r->owner = owner;
  r->target = target;
  r->via_field = via;
  r->index = (int32_t)p->relations->len;
  g_ptr_array_add(p->relations, r);
  zentity *o = g_ptr_array_index(p->entities, owner);
  g_array_append_val(o->relations, r->index);
}

/* Allocated as the policy loader does, so that zjtx_policy_unref frees it. */
static struct zjtx_policy *make_policy(void) {
  struct zjtx_policy *p = zpolicy_new();
  p->id = g_strdup("test");

  zcodeset *kind = g_new0(zcodeset, 1);
  kind->name = g_strdup("school_kind");
  kind->values = g_ptr_array_new_with_free_func(g_free);
  kind->titles = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(kind->values, g_strdup("public"));
  g_ptr_array_add(kind->values, g_strdup("private"));
  g_ptr_array_add(kind->titles, NULL);
  g_ptr_array_add(kind->titles, NULL);
  g_ptr_array_add(p->codesets, kind);

  zentity *school = add_entity(p, "school", "schools", -1, NULL);
  zfield *id = add_field(school, "id", ZF_TEXT, true);
  id->validator = (void *)(uintptr_t)check_school_id;
  school->key_field = F_ID;
  add_field(school, "name", ZF_TEXT, true);
  add_field(school, "budget", ZF_MONEY, false);
  add_field(school, "opened", ZF_DATE, false);
  add_field(school, "kind", ZF_CODE, false)->codeset = 0;
  add_field(school, "rural", ZF_BOOL, false);
  add_field(school, "pupils", ZF_COUNT, false);
  add_field(school, "ratio", ZF_NUMBER, false);

  zentity *grant = add_entity(p, "grant", "grants", E_SCHOOL, "school");
  add_field(grant, "amount", ZF_MONEY, true);
  add_field(grant, "share", ZF_RATE, false);
  add_field(grant, "on", ZF_DATE, false);

  zentity *insp = add_entity(p, "inspection", "inspections", E_SCHOOL, "school");
  add_field(insp, "id", ZF_TEXT, true);
  insp->key_field = I_ID;
  add_field(insp, "score", ZF_COUNT, false);

  zentity *district = add_entity(p, "district", "districts", -1, NULL);
  add_field(district, "id", ZF_TEXT, true);
  district->key_field = D_ID;
  add_field(district, "seat", ZF_REF, false)->ref_entity = E_SCHOOL;
  add_field(district, "deficit", ZF_MONEY, false)->negative_ok = true;

  add_relation(p, "grants", ZREL_CHILDREN, E_SCHOOL, E_GRANT, -1);
  add_relation(p, "inspections", ZREL_CHILDREN, E_SCHOOL, E_INSPECTION, -1);
  add_relation(p, "districts", ZREL_INVERSE, E_SCHOOL, E_DISTRICT, D_SEAT);
  return p;
}

/* ---- BEGIN standalone policy functions ------------------------------------
 * Minimal versions of what facts.c uses from the policy module, for building
 * this test without it.  Drop this block when linking with the real one. */
#ifdef ZJTX_TEST_STANDALONE_POLICY
struct zjtx_policy *zpolicy_new(void) {
  struct zjtx_policy *p = g_new0(struct zjtx_policy, 1);
  p->refcount = 1;
  p->entities = g_ptr_array_new();
  p->codesets = g_ptr_array_new();
  p->relations = g_ptr_array_new();
  p->entity_by_name = g_hash_table_new(g_str_hash, g_str_equal);
  return p;
}

static void free_policy(struct zjtx_policy *p) {
  for (guint i = 0; i < p->entities->len; i++) {
    zentity *e = g_ptr_array_index(p->entities, i);
    for (guint j = 0; j < e->fields->len; j++) {
      zfield *f = g_ptr_array_index(e->fields, j);
      g_free(f->name);
      g_free(f);
    }
    g_ptr_array_unref(e->fields);
    g_array_unref(e->relations);
    g_free(e->name);
    g_free(e->plural);
    g_free(e->parent_key);
    g_free(e);
  }
  for (guint i = 0; i < p->codesets->len; i++) {
    zcodeset *cs = g_ptr_array_index(p->codesets, i);
    g_ptr_array_unref(cs->values);
    g_ptr_array_unref(cs->titles);
    g_free(cs->name);
    g_free(cs);
  }
  for (guint i = 0; i < p->relations->len; i++) {
    zrelation *r = g_ptr_array_index(p->relations, i);
    g_free(r->name);
    g_free(r);
  }
  g_ptr_array_unref(p->entities);
  g_ptr_array_unref(p->codesets);
  g_ptr_array_unref(p->relations);
  g_hash_table_unref(p->entity_by_name);
  g_free(p->id);
  g_free(p);
}

zjtx_policy *zjtx_policy_ref(zjtx_policy *policy) {
  g_atomic_int_inc(&policy->refcount);
  return policy;
}

void zjtx_policy_unref(zjtx_policy *policy) {
  if (policy && g_atomic_int_dec_and_test(&policy->refcount))
    free_policy(policy);
}

int32_t zpolicy_entity_index(const struct zjtx_policy *p, const char *name) {
  return GPOINTER_TO_INT(g_hash_table_lookup(p->entity_by_name, name)) - 1;
}

int32_t zentity_field_index(const zentity *e, const char *name) {
  for (guint i = 0; i < e->fields->len; i++)
    if (strcmp(zentity_field(e, (int32_t)i)->name, name) == 0)
      return (int32_t)i;
  return -1;
}

int32_t zcodeset_find(const zcodeset *cs, const char *value, size_t len) {
  for (guint i = 0; i < cs->values->len; i++) {
    const char *v = g_ptr_array_index(cs->values, i);
    if (strlen(v) == len && memcmp(v, value, len) == 0)
      return (int32_t)i;
  }
  return -1;
}
#endif
/* ---- END standalone policy functions ------------------------------------- */

/* ---- helpers --------------------------------------------------------------- */

static struct zjtx_policy *policy;
static zjtx_facts *facts;
static zjtx_error *err;

static void setup(void) {
  policy = make_policy();
  ck_assert_int_eq(zjtx_facts_new(policy, &facts, NULL), ZJTX_OK);
}

static void teardown(void) {
  zjtx_facts_free(facts);
  facts = NULL;
  zjtx_error_free(err);
  err = NULL;
  zjtx_policy_unref(policy); /* the facts held their own reference */
  policy = NULL;
}

/* add(entity, name, value, ..., NULL): a record through the public API. */
static zjtx_status add(const char *entity, ...) {
  const char *names[32], *values[32];
  size_t n = 0;
  va_list ap;
  va_start(ap, entity);
  for (const char *name; (name = va_arg(ap, const char *)) && n < 32; n++) {
    names[n] = name;
    values[n] = va_arg(ap, const char *);
  }
  va_end(ap);
  return zjtx_facts_add_record(facts, entity, names, values, n, &err);
}

static const char *msg(const zjtx_error *e) {
  return zjtx_error_message(e);
}

/* The error chain holds a message containing every one of the strings. */
static bool chain_has(const zjtx_error *e, const char *a, const char *b) {
  for (; e; e = zjtx_error_next(e))
    if (strstr(msg(e), a) && (!b || strstr(msg(e), b)))
      return true;
  return false;
}

#define ASSERT_HAS(a, b)                                                                                               \
  ck_assert_msg(chain_has(err, (a), (b)), "no error with \"%s\" and \"%s\"; first: %s", (a), (b) ? (b) : "",           \
                err ? msg(err) : "(none)")

/* A school with only its required fields. */
static zjtx_status add_school(const char *id) {
  return add("school", "id", id, "name", "N", NULL);
}

static zjtx_status load_json(const char *text) {
  zjtx_facts_free(facts);
  facts = NULL;
  return zjtx_facts_load_json_buffer(policy, text, strlen(text), "t.json", &facts, &err);
}

/* ---- stored values ------------------------------------------------------- */

START_TEST(test_values_stored) {
  ck_assert_int_eq(add("school", "id", "S1", "name", "第一小学", "budget", "1250000.50", "opened", "2025-06-30", "kind",
                       "private", "rural", "true", "pupils", "12", "ratio", "2.5", NULL),
                   ZJTX_OK);
  ck_assert_int_eq(add("grant", "school", "S1", "amount", "6230000", "share", "3.45", "on", "2024-02-29", NULL),
                   ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_finish(facts, &err), ZJTX_OK);

  zval v = zfacts_get(facts, E_SCHOOL, F_BUDGET, 0);
  ck_assert(v.d.m == 125000050 && v.d.scale == 2);
  /* dates are days since 1970-01-01 */
  ck_assert_int_eq(zfacts_get(facts, E_SCHOOL, F_OPENED, 0).date, 20269);
  ck_assert_int_eq(zfacts_get(facts, E_SCHOOL, F_KIND, 0).code, 1);
  ck_assert(zfacts_get(facts, E_SCHOOL, F_RURAL, 0).b);
  v = zfacts_get(facts, E_SCHOOL, F_PUPILS, 0);
  ck_assert(v.d.m == 12 && v.d.scale == 0);
  v = zfacts_get(facts, E_SCHOOL, F_RATIO, 0);
  ck_assert(v.d.m == 2500000 && v.d.scale == 6);
  ck_assert_str_eq(zfacts_get(facts, E_SCHOOL, F_NAME, 0).s, "第一小学");

  v = zfacts_get(facts, E_GRANT, G_AMOUNT, 0);
  ck_assert(v.d.m == 623000000 && v.d.scale == 2); /* an integer amount is yuan */
  v = zfacts_get(facts, E_GRANT, G_SHARE, 0);
  ck_assert(v.d.m == 3450000 && v.d.scale == 8); /* 3.45 % = 0.0345 */
  ck_assert_int_eq(zfacts_get(facts, E_GRANT, G_ON, 0).date, 19782);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "school"), 1);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "grant"), 1);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "nosuch"), 0);
}
END_TEST

START_TEST(test_extreme_values) {
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "budget", "0.01", "ratio", "-0.000001", "rural", "0", NULL),
                   ZJTX_OK);
  ck_assert_int_eq(add("district", "id", "D1", "deficit", "-5.25", NULL), ZJTX_OK);
  ck_assert_int_eq(add("grant", "school", "S1", "amount", "0", "share", "0.000001", NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_finish(facts, &err), ZJTX_OK);
  ck_assert(zfacts_get(facts, E_SCHOOL, F_BUDGET, 0).d.m == 1);
  ck_assert(zfacts_get(facts, E_SCHOOL, F_RATIO, 0).d.m == -1);
  ck_assert(!zfacts_get(facts, E_SCHOOL, F_RURAL, 0).b);
  ck_assert(zfacts_get(facts, E_DISTRICT, D_DEFICIT, 0).d.m == -525); /* negative_ok */
  ck_assert(zfacts_get(facts, E_GRANT, G_SHARE, 0).d.m == 1);         /* 0.000001 % = 1e-8 */
}
END_TEST

START_TEST(test_absent_values) {
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "budget", NULL, NULL), ZJTX_OK);
  ck_assert_int_eq(add("district", "id", "D1", NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_finish(facts, &err), ZJTX_OK);
  /* absent optional values are missing, never 0, -1 or a sentinel date */
  ck_assert(zfacts_is_absent(facts, E_SCHOOL, F_BUDGET, 0));
  ck_assert(zfacts_is_absent(facts, E_SCHOOL, F_KIND, 0));
  ck_assert(zfacts_is_absent(facts, E_SCHOOL, F_OPENED, 0));
  ck_assert(zfacts_is_absent(facts, E_DISTRICT, D_SEAT, 0));
  ck_assert(!zfacts_is_absent(facts, E_SCHOOL, F_NAME, 0));
  ck_assert_int_eq(zjtx_facts_record_count(facts, "district"), 1);
}
END_TEST

/* ---- bad values ------------------------------------------------------------- */

START_TEST(test_bad_money_decimals) {
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "budget", "100.005", NULL), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "school #1 (S1): field \"budget\": \"100.005\" is not money with at "
                             "most 2 decimals (expected e.g. \"1250000.50\")");
  ck_assert_int_eq(zjtx_error_code(err), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "school"), 0);
}
END_TEST

/* Money and dates in forms they do not take: the error quotes the value. */
static const struct {
  const char *field, *value;
  const char *want, *hint; /* both in one error of the chain (hint may be NULL) */
} bad_forms[] = {
    {"budget", "1e5", "\"1e5\" is not money", NULL},
    {"budget", "12,5", "\"12,5\" is not money", NULL},
    {"budget", " 12", "\" 12\" is not money", NULL},
    {"budget", "+12", "\"+12\" is not money", NULL},
    {"budget", ".5", "\".5\" is not money", NULL},
    {"budget", "5.", "\"5.\" is not money", NULL},
    {"budget", "", "\"\" is not money", NULL},
    {"budget", "¥12", "\"¥12\" is not money", NULL},
    {"budget", "0x10", "\"0x10\" is not money", NULL},
    {"opened", "2025-02-30", "field \"opened\": \"2025-02-30\" is not a date", "YYYY-MM-DD"},
    {"opened", "2023-02-29", "field \"opened\": \"2023-02-29\" is not a date", "YYYY-MM-DD"},
    {"opened", "2025-13-01", "field \"opened\": \"2025-13-01\" is not a date", "YYYY-MM-DD"},
    {"opened", "2025-6-30", "field \"opened\": \"2025-6-30\" is not a date", "YYYY-MM-DD"},
    {"opened", "30/06/2025", "field \"opened\": \"30/06/2025\" is not a date", "YYYY-MM-DD"},
};

START_TEST(test_bad_forms) {
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", bad_forms[_i].field, bad_forms[_i].value, NULL),
                   ZJTX_ERR_FACTS);
  ASSERT_HAS(bad_forms[_i].want, bad_forms[_i].hint);
}
END_TEST

START_TEST(test_negative_money) {
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "budget", "-0.01", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("\"-0.01\" is negative", "money");
}
END_TEST

START_TEST(test_bad_rate_and_count) {
  ck_assert_int_eq(add("grant", "school", "S1", "amount", "1", "share", "1.1234567", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("\"1.1234567\" is not a percentage with at most 6 decimals", NULL);
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "pupils", "1.0", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("\"1.0\" is not a count", "whole number");
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "pupils", "-3", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("\"-3\" is negative", NULL);
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "budget", "99999999999999999999", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("\"99999999999999999999\" is out of range", NULL);
}
END_TEST

START_TEST(test_bad_bool) {
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "rural", "yes", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("field \"rural\": \"yes\" is not a bool", "true, false, 1 or 0");
}
END_TEST

START_TEST(test_bad_code) {
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "kind", "charter", NULL), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "school #1 (S1): field \"kind\": \"charter\" is not a code of school_kind "
                             "(expected one of: public, private)");
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "kind", "Public", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("\"Public\"", "public, private");
}
END_TEST

START_TEST(test_bad_text) {
  ck_assert_int_eq(add("school", "id", "S1", "name",
                       "a\xff"
                       "b",
                       NULL),
                   ZJTX_ERR_FACTS);
  ASSERT_HAS("\"a\\377b\" is not valid UTF-8", NULL); /* the message itself stays UTF-8 */
  ck_assert(g_utf8_validate(msg(err), -1, NULL));
}
END_TEST

/* Text is checked eight ASCII bytes at a time before UTF-8 proper: a bad
 * byte after a long ASCII start, or a truncated character at the very end,
 * is still found; a valid character after one is still taken. */
START_TEST(test_bad_text_after_ascii) {
  g_clear_pointer(&err, zjtx_error_free);
  ck_assert_int_eq(add("school", "id", "S1", "name", "Huaian No. 1 Middle\xe5\xad", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("is not valid UTF-8", NULL);
  g_clear_pointer(&err, zjtx_error_free);
  ck_assert_int_eq(add("school", "id", "S1", "name", "abcdefghijklmnop\xc0\xafq", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("is not valid UTF-8", NULL);
  g_clear_pointer(&err, zjtx_error_free);
  ck_assert_int_eq(add("school", "id", "S1", "name", "Huaian No. 1 \xe4\xb8\xad\xe5\xad\xa6", NULL), ZJTX_OK);
}
END_TEST

START_TEST(test_validator) {
  ck_assert_int_eq(add_school("X1"), ZJTX_ERR_FACTS);
  ASSERT_HAS("field \"id\": \"X1\" is invalid (expected an id starting with \"S\")", NULL);
}
END_TEST

START_TEST(test_unknown_field) {
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "colour", "red", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("unknown field \"colour\" (value \"red\")",
             "school has the fields: id, name, budget, opened, kind, rural, pupils, ratio");
}
END_TEST

START_TEST(test_missing_required) {
  ck_assert_int_eq(add("school", "id", "S1", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("school #1 (S1): field \"name\" is missing", NULL);
  ck_assert_int_eq(add("grant", "amount", "1", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("field \"school\" is missing (the school this grant belongs to)", NULL);
  ck_assert_int_eq(add("school", "name", "x", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("field \"id\" is missing", NULL); /* the id is always needed */
}
END_TEST

START_TEST(test_duplicate_field) {
  ck_assert_int_eq(add("school", "id", "S1", "name", "x", "name", "y", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("field \"name\" is given twice", NULL);
  ck_assert_int_eq(add("grant", "school", "S1", "school", "S2", "amount", "1", NULL), ZJTX_ERR_FACTS);
  ASSERT_HAS("field \"school\" is given twice", NULL);
}
END_TEST

START_TEST(test_every_error_of_a_record) {
  ck_assert_int_eq(add("school", "id", "S1", "budget", "1.001", "kind", "x", "opened", "2025-02-30", "hue", "1", NULL),
                   ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 5); /* hue, budget, opened, kind, name missing */
  ck_assert_int_eq(zjtx_facts_record_count(facts, "school"), 0);
}
END_TEST

START_TEST(test_api_misuse) {
  const char *names[] = {"id"}, *values[] = {"S1"};
  ck_assert_int_eq(zjtx_facts_add_record(facts, "planet", names, values, 1, &err), ZJTX_ERR_NOT_FOUND);
  ASSERT_HAS("\"planet\"", "school, grant, inspection, district");
  ck_assert_int_eq(zjtx_facts_add_record(NULL, "school", names, values, 1, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_new(NULL, NULL, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_finish(facts, NULL), ZJTX_OK);
  ck_assert_int_eq(add_school("S1"), ZJTX_ERR_INVALID_ARG); /* finished: immutable */
  ck_assert_int_eq(zjtx_facts_finish(facts, NULL), ZJTX_ERR_INVALID_ARG);
  zjtx_facts_free(NULL);
}
END_TEST

/* ---- finish ------------------------------------------------------------------- */

START_TEST(test_duplicate_key) {
  ck_assert_int_eq(add_school("S1"), ZJTX_OK);
  ck_assert_int_eq(add_school("S2"), ZJTX_OK);
  ck_assert_int_eq(add_school("S1"), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_finish(facts, &err), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "school #3 (S1): duplicate id \"S1\" (first at record #1, again at record #3)");
}
END_TEST

START_TEST(test_unknown_parent_and_ref) {
  ck_assert_int_eq(add_school("S1"), ZJTX_OK);
  ck_assert_int_eq(add("grant", "school", "S9", "amount", "1", NULL), ZJTX_OK);
  ck_assert_int_eq(add("district", "id", "D1", "seat", "S8", NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_finish(facts, &err), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 2);
  ASSERT_HAS("grant #1: field \"school\": \"S9\" is not the id of any school", NULL);
  ASSERT_HAS("district #1 (D1): field \"seat\": \"S8\" is not the id of any school", NULL);
}
END_TEST

START_TEST(test_relations) {
  ck_assert_int_eq(add_school("S1"), ZJTX_OK);
  ck_assert_int_eq(add_school("S2"), ZJTX_OK);
  ck_assert_int_eq(add_school("S3"), ZJTX_OK);
  ck_assert_int_eq(add("grant", "school", "S2", "amount", "1", NULL), ZJTX_OK);
  ck_assert_int_eq(add("grant", "school", "S1", "amount", "2", NULL), ZJTX_OK);
  ck_assert_int_eq(add("grant", "school", "S2", "amount", "3", NULL), ZJTX_OK);
  ck_assert_int_eq(add("district", "id", "D1", "seat", "S3", NULL), ZJTX_OK);
  ck_assert_int_eq(add("district", "id", "D2", NULL), ZJTX_OK);
  ck_assert_int_eq(add("district", "id", "D3", "seat", "S3", NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_finish(facts, &err), ZJTX_OK);

  const zcsr *g = &facts->relations[R_GRANTS];
  int32_t g_off[] = {0, 1, 3, 3}, g_items[] = {1, 0, 2};
  ck_assert_mem_eq(g->offsets, g_off, sizeof g_off);
  ck_assert_mem_eq(g->items, g_items, sizeof g_items);
  const zcsr *d = &facts->relations[R_DISTRICTS];
  int32_t d_off[] = {0, 0, 0, 2}, d_items[] = {0, 2};
  ck_assert_mem_eq(d->offsets, d_off, sizeof d_off);
  ck_assert_mem_eq(d->items, d_items, sizeof d_items);
  ck_assert_int_eq(facts->relations[R_INSPECTIONS].offsets[3], 0);
  ck_assert_int_eq(zfacts_get(facts, E_DISTRICT, D_SEAT, 2).rec, 2);
  ck_assert_int_eq(g_array_index(facts->tables[E_GRANT].parent, int32_t, 0), 1);

  char buf[32];
  ck_assert_str_eq(zfacts_record_id(facts, E_SCHOOL, 1, buf), "S2");
  ck_assert_str_eq(zfacts_record_id(facts, E_GRANT, 1, buf), "#2");
}
END_TEST

/* ---- JSON ------------------------------------------------------------------------ */

static const char good_json[] = "{\n"
                                "  \"_comment\": \"a test\",\n"
                                "  \"period\": \"2025\",\n"
                                "  \"schools\": [\n"
                                "    { \"id\": \"S1\", \"name\": \"一小\", \"budget\": 300000, \"rural\": true,\n"
                                "      \"kind\": null, \"pupils\": 40,\n"
                                "      \"grants\": [ { \"amount\": \"10.50\", \"share\": \"3.45\" },\n"
                                "                    { \"amount\": \"1\" } ],\n"
                                "      \"inspections\": [ { \"id\": \"I1\", \"score\": 7 } ] },\n"
                                "    { \"id\": \"S2\", \"name\": \"二小\", \"grants\": [ { \"amount\": \"2\" } ] }\n"
                                "  ],\n"
                                "  \"districts\": [ { \"id\": \"D1\", \"seat\": \"S2\" } ]\n"
                                "}\n";

START_TEST(test_json_good) {
  ck_assert_int_eq(load_json(good_json), ZJTX_OK);
  ck_assert_str_eq(zjtx_facts_period(facts), "2025");
  ck_assert_int_eq(zjtx_facts_record_count(facts, "school"), 2);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "grant"), 3);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "inspection"), 1);
  ck_assert(zfacts_get(facts, E_SCHOOL, F_BUDGET, 0).d.m == 30000000);
  ck_assert(zfacts_get(facts, E_SCHOOL, F_PUPILS, 0).d.m == 40);
  ck_assert(zfacts_get(facts, E_SCHOOL, F_RURAL, 0).b);
  ck_assert(zfacts_is_absent(facts, E_SCHOOL, F_KIND, 0)); /* null: absent */
  ck_assert(!zfacts_is_absent(facts, E_SCHOOL, F_RURAL, 0));
  ck_assert(zfacts_get(facts, E_GRANT, G_AMOUNT, 0).d.m == 1050);
  ck_assert(zfacts_get(facts, E_GRANT, G_SHARE, 0).d.m == 3450000);
  /* the nesting gives the parent */
  ck_assert_int_eq(g_array_index(facts->tables[E_GRANT].parent, int32_t, 2), 1);
  ck_assert_int_eq(g_array_index(facts->tables[E_INSPECTION].parent, int32_t, 0), 0);
  ck_assert(zfacts_get(facts, E_INSPECTION, I_SCORE, 0).d.m == 7);
  ck_assert_int_eq(zfacts_get(facts, E_DISTRICT, D_SEAT, 0).rec, 1);
  int32_t off[] = {0, 2, 3};
  ck_assert_mem_eq(facts->relations[R_GRANTS].offsets, off, sizeof off);
  ck_assert_int_eq(g_array_index(facts->tables[E_GRANT].where_line, int32_t, 1), 8);
}
END_TEST

START_TEST(test_json_double) {
  ck_assert_int_eq(load_json("{\"schools\": [\n"
                             "  {\"id\": \"S1\", \"name\": \"x\",\n"
                             "   \"budget\": 12.5}]}"),
                   ZJTX_ERR_FACTS);
  ck_assert_ptr_null(facts);
  ck_assert_str_eq(msg(err), "schools[0] (S1): field \"budget\": 12.5 is a JSON floating-point "
                             "number (write money as a decimal string, e.g. \"1250000.50\")");
  ck_assert_str_eq(zjtx_error_file(err), "t.json");
  ck_assert_int_eq(zjtx_error_line(err), 2);
}
END_TEST

START_TEST(test_json_syntax) {
  ck_assert_int_eq(load_json("{\n  \"schools\": [\n    {\"id\": \"S1\",, \"name\": \"x\"}]}"), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_int_eq(zjtx_error_line(err), 3);
  ck_assert_int_gt(zjtx_error_column(err), 0);
  ck_assert_str_eq(zjtx_error_file(err), "t.json");
  ASSERT_HAS("not valid JSON", "`,'"); /* the offending character */
  zjtx_error_free(err);
  err = NULL;
  ck_assert_int_eq(load_json(""), ZJTX_ERR_FACTS);
  ASSERT_HAS("expected a JSON object", NULL);
  zjtx_error_free(err);
  err = NULL;
  ck_assert_int_eq(load_json("[1]"), ZJTX_ERR_FACTS);
  ASSERT_HAS("expected a JSON object", NULL);
}
END_TEST

START_TEST(test_json_record_errors) {
  /* every bad record is reported, each at its line, in one chain */
  ck_assert_int_eq(load_json("{\"schools\": [\n"
                             "  {\"id\": \"S1\", \"name\": \"x\", \"budget\": \"1.001\"},\n"
                             "  {\"id\": \"S2\", \"name\": \"y\"},\n"
                             "  {\"id\": \"S3\", \"name\": [1], \"kind\": \"big\",\n"
                             "   \"grants\": [{\"amount\": \"-1\"}]},\n"
                             "  7\n"
                             "]}"),
                   ZJTX_ERR_FACTS);
  const zjtx_error *e = err;
  ck_assert_str_eq(msg(e), "schools[0] (S1): field \"budget\": \"1.001\" is not money with at "
                           "most 2 decimals (expected e.g. \"1250000.50\")");
  ck_assert_int_eq(zjtx_error_line(e), 2);
  e = zjtx_error_next(e);
  ck_assert_str_eq(msg(e), "schools[2] (S3): field \"name\": expected a single value, not an array");
  ck_assert_int_eq(zjtx_error_line(e), 4);
  e = zjtx_error_next(e);
  ck_assert_str_eq(msg(e), "schools[2].grants[0]: field \"amount\": \"-1\" is negative (expected "
                           "money of 0 or more)");
  ck_assert_int_eq(zjtx_error_line(e), 5);
  e = zjtx_error_next(e);
  ck_assert_str_eq(msg(e), "schools[3]: expected a school record (a JSON object)");
  /* S3's one grant was bad too: no dangling parent at finish */
  ck_assert_int_eq(zjtx_error_count(err), 4);
}
END_TEST

START_TEST(test_json_keys) {
  ck_assert_int_eq(load_json("{\"period\": \"2025\", \"_note\": 1, \"teachers\": [],\n"
                             " \"grants\": [], \"schools\": {}}"),
                   ZJTX_ERR_FACTS);
  ASSERT_HAS("unknown key \"teachers\"", "period, schools, districts");
  ASSERT_HAS("\"grants\" cannot stand at the top level", "nest in their school's");
  ASSERT_HAS("schools: expected an array of school records", NULL);
  ck_assert_int_eq(zjtx_error_count(err), 3);
  zjtx_error_free(err);
  err = NULL;
  ck_assert_int_eq(load_json("{\"period\": 2025}"), ZJTX_ERR_FACTS);
  ASSERT_HAS("\"period\" must be a string", NULL);
}
END_TEST

/* A period that is not one is the facts' error, on the line of "period":
 * before, "20x5" loaded and the evaluation then said the policy declared no
 * period, or, given --period, passed over it without a word.  The rule is
 * the caller's (zjtx_options_set_period): four digits, a year 1 to 9998. */
START_TEST(test_json_bad_period) {
  ck_assert_int_eq(load_json("{\n"
                             "  \"schools\": [],\n"
                             "  \"period\": \"20x5\"\n"
                             "}"),
                   ZJTX_ERR_FACTS);
  ck_assert_ptr_null(facts);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_str_eq(zjtx_error_file(err), "t.json");
  ck_assert_int_eq(zjtx_error_line(err), 3);
  ck_assert_str_eq(msg(err), "\"period\": \"20x5\" is not a period (expected 2025, 2025H1, 2025Q3, 2025-07 or FY2025)");
  static const char *const bad[] = {"202", "20250", "2025-13", "0000", "9999", " 202", "2025\\n"};
  static const char *const shown[] = {"202", "20250", "2025-13", "0000", "9999", " 202", "2025\\n"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    zjtx_error_free(err);
    err = NULL;
    g_autofree char *doc = g_strdup_printf("{\"period\": \"%s\"}", bad[i]);
    ck_assert_int_eq(load_json(doc), ZJTX_ERR_FACTS);
    g_autofree char *want = g_strdup_printf(
        "\"period\": \"%s\" is not a period (expected 2025, 2025H1, 2025Q3, 2025-07 or FY2025)", shown[i]);
    ck_assert_str_eq(msg(err), want);
    ck_assert_int_eq(zjtx_error_line(err), 1);
  }
  /* the first and the last year a period can be */
  zjtx_error_free(err);
  err = NULL;
  ck_assert_int_eq(load_json("{\"period\": \"0001\"}"), ZJTX_OK);
  ck_assert_str_eq(zjtx_facts_period(facts), "0001");
  ck_assert_int_eq(load_json("{\"period\": \"9998\"}"), ZJTX_OK);
  ck_assert_str_eq(zjtx_facts_period(facts), "9998");
}
END_TEST

START_TEST(test_json_duplicates) {
  ck_assert_int_eq(load_json("{\"schools\": [\n"
                             "  {\"id\": \"S1\", \"name\": \"x\", \"name\": \"y\"},\n"
                             "  {\"id\": \"S2\", \"name\": \"x\"},\n"
                             "  {\"id\": \"S2\", \"name\": \"z\"}]}"),
                   ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 2);
  ck_assert_str_eq(msg(err), "schools[0] (S1): field \"name\" is given twice");
  const zjtx_error *e = zjtx_error_next(err);
  ck_assert_str_eq(msg(e), "school #2 (S2): duplicate id \"S2\" (first at t.json:3, again at "
                           "t.json:4)");
  ck_assert_int_eq(zjtx_error_line(e), 4);
}
END_TEST

START_TEST(test_json_unknown_parent_and_ref) {
  ck_assert_int_eq(load_json("{\"schools\": [\n"
                             "  {\"id\": \"S1\", \"name\": \"x\",\n"
                             "   \"inspections\": [{\"id\": \"I1\", \"school\": \"S2\"}]}],\n"
                             " \"districts\": [{\"id\": \"D1\",\n"
                             "                 \"seat\": \"S9\"}]}"),
                   ZJTX_ERR_FACTS);
  ASSERT_HAS("schools[0].inspections[0] (I1): field \"school\": \"S2\" contradicts the school it "
             "is nested under (\"S1\")",
             NULL);
  ASSERT_HAS("district #1 (D1): field \"seat\": \"S9\" is not the id of any school", NULL);
  ck_assert_int_eq(zjtx_error_line(zjtx_error_next(err)), 4);
}
END_TEST

START_TEST(test_json_file) {
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("test-facts-XXXXXX.json", &path, NULL);
  ck_assert_int_ge(fd, 0);
  ck_assert(g_file_set_contents(path, good_json, -1, NULL));
  close(fd);
  zjtx_facts_free(facts);
  facts = NULL;
  ck_assert_int_eq(zjtx_facts_load_json_file(policy, path, &facts, &err), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "grant"), 3);
  g_unlink(path);
  zjtx_facts_free(facts);
  facts = NULL;
  ck_assert_int_eq(zjtx_facts_load_json_file(policy, path, &facts, &err), ZJTX_ERR_IO);
  ck_assert_str_eq(zjtx_error_file(err), path);
  ck_assert_ptr_null(facts);
}
END_TEST

/* ---- hostile input (issue 7, item 10) -------------------------------------- */

/* load_json for texts holding NUL bytes. */
static zjtx_status load_json_len(const char *text, size_t len) {
  zjtx_facts_free(facts);
  facts = NULL;
  return zjtx_facts_load_json_buffer(policy, text, len, "t.json", &facts, &err);
}

START_TEST(test_json_too_deep) {
  /* 100,000 nested arrays used to overflow json-glib's recursion */
  GString *s = g_string_new("{\"schools\": ");
  for (int i = 0; i < 100000; i++)
    g_string_append_c(s, '[');
  for (int i = 0; i < 100000; i++)
    g_string_append_c(s, ']');
  g_string_append_c(s, '}');
  ck_assert_int_eq(load_json(s->str), ZJTX_ERR_LIMIT);
  g_string_free(s, TRUE);
  ck_assert_ptr_null(facts);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  /* the policy nests school > grant: top object 1, schools 2, school 3,
   * grants 4, grant 5, a value 6; the 7th bracket is at column 18 */
  ck_assert_str_eq(msg(err), "arrays and objects nested deeper than 6 levels (the most these facts can use)");
  ck_assert_int_eq(zjtx_error_line(err), 1);
  ck_assert_int_eq(zjtx_error_column(err), 18);
  zjtx_error_free(err);
  err = NULL;
  /* six levels are still read, and an array value reported as such */
  ck_assert_int_eq(load_json("{\"schools\": [{\"id\": \"S1\", \"name\": \"x\", "
                             "\"grants\": [{\"amount\": [1]}]}]}"),
                   ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "schools[0].grants[0]: field \"amount\": expected a single value, not an array");
}
END_TEST

START_TEST(test_json_integers_beyond_int64) {
  /* json-glib read the first as 21500000 (it wraps modulo 2^64) */
  ck_assert_int_eq(load_json("{\"schools\": [\n"
                             "  {\"id\": \"S1\", \"name\": \"x\", \"budget\": -18446744073688051616},\n"
                             "  {\"id\": \"S2\", \"name\": \"y\", \"pupils\": 100000000000000000000},\n"
                             "  {\"id\": \"S3\", \"name\": \"z\", \"pupils\": 9223372036854775808}],\n"
                             " \"districts\": [{\"id\": \"D1\", \"deficit\": -18446744073688051616}]}"),
                   ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 4);
  const zjtx_error *e = err;
  ck_assert_str_eq(msg(e), "schools[0] (S1): field \"budget\": \"-18446744073688051616\" is negative "
                           "(expected money of 0 or more)");
  ck_assert_int_eq(zjtx_error_line(e), 2);
  e = zjtx_error_next(e);
  ck_assert_str_eq(msg(e), "schools[1] (S2): field \"pupils\": \"100000000000000000000\" is out of range "
                           "(expected a count of at most 9223372036854775807)");
  e = zjtx_error_next(e);
  ck_assert_str_eq(msg(e), "schools[2] (S3): field \"pupils\": \"9223372036854775808\" is out of range "
                           "(expected a count of at most 9223372036854775807)");
  e = zjtx_error_next(e);
  ck_assert_str_eq(msg(e), "districts[0] (D1): field \"deficit\": \"-18446744073688051616\" is out of range "
                           "(expected money of at most 92233720368547758.07)");
  zjtx_error_free(err);
  err = NULL;
  /* the int64 bounds themselves are integers json-glib reads exactly */
  ck_assert_int_eq(load_json("{\"schools\": [{\"id\": \"S1\", \"name\": \"x\", \"pupils\": 9223372036854775807},"
                             " {\"id\": \"S2\", \"name\": \"y\", \"ratio\": -9223372036854775808}]}"),
                   ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 1); /* a number at scale 6: -9.2e24 does not fit */
  ck_assert_str_eq(msg(err), "schools[1] (S2): field \"ratio\": \"-9223372036854775808\" is out of range "
                             "(expected a number of at most 9223372036854.775807)");
}
END_TEST

START_TEST(test_json_nul) {
  /* json-glib cut these at the NUL: "x" and "1.00" */
  ck_assert_int_eq(load_json("{\"schools\": [\n  {\"id\": \"S1\", \"name\": \"x\\u0000JUNK\"}]}"), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_str_eq(msg(err), "\"\\u0000\" (a NUL character) inside a string (no value may contain one)");
  ck_assert_int_eq(zjtx_error_line(err), 2);
  ck_assert_int_eq(zjtx_error_column(err), 26); /* the backslash */
  zjtx_error_free(err);
  err = NULL;
  static const char raw[] = "{\"schools\": [{\"id\": \"S1\", \"name\": \"x\", \"budget\": \"1.00\0009\"}]}";
  ck_assert_int_eq(load_json_len(raw, sizeof raw - 1), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "a NUL byte inside a string (no value may contain one)");
  zjtx_error_free(err);
  err = NULL;
  /* an escaped backslash before "u0000" is text, not a NUL */
  ck_assert_int_eq(load_json("{\"schools\": [{\"id\": \"S1\", \"name\": \"a\\\\u0000\"}]}"), ZJTX_OK);
  ck_assert_str_eq(zfacts_get(facts, E_SCHOOL, F_NAME, 0).s, "a\\u0000");
}
END_TEST

/* json-glib's scanner reads more than JSON: octal ("010" is 8), hex that
 * wraps (0xFFFFFFFFFFFFFFFFFF is -1), comments that hide brackets from the
 * depth scan, single-quoted strings.  Refused with the position. */
START_TEST(test_json_strict_lexing) {
  static const struct {
    const char *json, *says;
    int column;
  } cases[] = {
      {"{\"schools\": [{\"id\": \"S1\", \"name\": \"x\", \"pupils\": 010}]}", "a number must be written", 50},
      {"{\"schools\": [{\"id\": \"S1\", \"name\": \"x\", \"pupils\": 0xFFFFFFFFFFFFFFFFFF}]}",
       "a number must be written", 50},
      {"{\"schools\": [{\"id\": \"S1\", \"name\": \"x\", \"ratio\": .5}]}", "a number must be written", 49},
      {"{\"schools\": /* [[[ */ []}", "a comment (JSON has none)", 13},
      {"{'schools': []}", "a single-quoted string (JSON strings take double quotes)", 2},
      /* json-glib read "\\0" as a NUL (cutting the id at it) and "\\x" as "x" */
      {"{\"schools\": [{\"id\": \"S1\\0\", \"name\": \"x\"}]}", "\\0 is no escape JSON has", 24},
      {"{\"schools\": [{\"id\": \"S1\", \"name\": \"a\\xFF\"}]}", "\\x is no escape JSON has", 37},
      /* json-glib skips a byte order mark: the scan must not stop at it */
      {"\xEF\xBB\xBF{\"schools\": /* [[[ */ []}", "a comment (JSON has none)", 16},
      /* nor at a byte no value starts with */
      {"\v{\"schools\": []}", "a facts document is an object ({...})", 1},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    ck_assert_int_eq(load_json(cases[i].json), ZJTX_ERR_FACTS);
    ck_assert_int_eq(zjtx_error_count(err), 1);
    ck_assert_msg(g_str_has_prefix(msg(err), "not valid JSON: ") && strstr(msg(err), cases[i].says), "%s", msg(err));
    ck_assert_int_eq(zjtx_error_column(err), cases[i].column);
    zjtx_error_free(err);
    err = NULL;
  }
  /* a byte order mark hides no nesting either */
  GString *deep = g_string_new("\xEF\xBB\xBF");
  for (int i = 0; i < 100000; i++)
    g_string_append_c(deep, '[');
  ck_assert_int_eq(load_json(deep->str), ZJTX_ERR_LIMIT);
  g_string_free(deep, TRUE);
  ck_assert_str_eq(msg(err), "arrays and objects nested deeper than 6 levels (the most these facts can use)");
  zjtx_error_free(err);
  err = NULL;
  static const char nul[] = "{\"period\": \"2025\",\0 \"schools\": []}";
  ck_assert_int_eq(load_json_len(nul, sizeof nul - 1), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "not valid JSON: a NUL byte");
  ck_assert_int_eq(zjtx_error_column(err), 19); /* after the comma at 18 */
  zjtx_error_free(err);
  err = NULL;
  /* what JSON does write still reads */
  ck_assert_int_eq(load_json("{\"schools\": [{\"id\": \"S1\", \"name\": \"x\", \"pupils\": 0, \"budget\": -0,"
                             " \"ratio\": 2.5e0}]}"),
                   ZJTX_ERR_FACTS); /* 2.5e0 is a double: refused by the loader, not the scan */
  ck_assert_str_eq(msg(err), "schools[0] (S1): field \"ratio\": 2.5 is a JSON floating-point number (write it as a "
                             "string, e.g. \"2.5\")");
}
END_TEST

START_TEST(test_json_two_documents) {
  g_autofree char *two = g_strconcat(good_json, good_json, NULL);
  ck_assert_int_eq(load_json(two), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_str_eq(msg(err), "content after the end of the JSON document (a facts file holds one document)");
  ck_assert_int_eq(zjtx_error_line(err), 14); /* good_json has 13 lines */
  ck_assert_int_eq(zjtx_error_column(err), 1);
  zjtx_error_free(err);
  err = NULL;
  ck_assert_int_eq(load_json("{\"period\": \"2025\"} x"), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_column(err), 20);
  zjtx_error_free(err);
  err = NULL;
  /* after a single value too: json-glib parsed what follows (recursing) */
  GString *deep = g_string_new("1 ");
  for (int i = 0; i < 100000; i++)
    g_string_append_c(deep, '[');
  ck_assert_int_eq(load_json(deep->str), ZJTX_ERR_FACTS);
  g_string_free(deep, TRUE);
  ck_assert_str_eq(msg(err), "content after the end of the JSON document (a facts file holds one document)");
  ck_assert_int_eq(zjtx_error_column(err), 3);
  zjtx_error_free(err);
  err = NULL;
  ck_assert_int_eq(load_json("\"a\" {}"), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_column(err), 5);
  zjtx_error_free(err);
  err = NULL;
  ck_assert_int_eq(load_json("true"), ZJTX_ERR_FACTS); /* a single value: the loader's message */
  ASSERT_HAS("expected a JSON object", NULL);
  zjtx_error_free(err);
  err = NULL;
  ck_assert_int_eq(load_json("{\"period\": \"2025\"}\n \t\r\n"), ZJTX_OK); /* white space may follow */
}
END_TEST

START_TEST(test_json_string_limit) {
  ck_assert_int_eq(zjtx_facts_set_max_field_bytes(facts, 0, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_set_max_field_bytes(NULL, 8, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_set_max_field_bytes(facts, 8, &err), ZJTX_OK);
  /* eight bytes pass, nine do not */
  static const char eight[] = "{\"schools\": [{\"id\": \"S1\", \"name\": \"12345678\"}]}";
  static const char nine[] = "{\"schools\": [{\"id\": \"S1\", \"name\": \"123456789\"}]}";
  ck_assert_int_eq(zjtx_facts_read_json_buffer(facts, eight, strlen(eight), "t.json", &err), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_read_json_buffer(facts, nine, strlen(nine), "t.json", &err), ZJTX_ERR_LIMIT);
  ck_assert_str_eq(msg(err), "a string longer than 8 bytes (the limit for one value)");
  ck_assert_int_eq(zjtx_error_column(err), 35); /* the opening quote */
  ck_assert_int_eq(zjtx_facts_record_count(facts, "school"), 1);
}
END_TEST

START_TEST(test_json_not_a_regular_file) {
  zjtx_facts_free(facts);
  facts = NULL;
  ck_assert_int_eq(zjtx_facts_load_json_file(policy, "/dev/null", &facts, &err), ZJTX_ERR_IO);
  ck_assert_str_eq(msg(err), "cannot read the facts: not a regular file");
  ck_assert_str_eq(zjtx_error_file(err), "/dev/null");
  zjtx_error_free(err);
  err = NULL;
  /* a FIFO nobody writes to used to hang in open(2) */
  g_autofree char *dir = g_dir_make_tmp("test-facts-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename(dir, "facts.json", NULL);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  ck_assert_int_eq(zjtx_facts_load(policy, fifo, ZJTX_FACTS_STRICT, &facts, &err), ZJTX_ERR_IO);
  ck_assert_str_eq(msg(err), "cannot read the facts: not a regular file");
  g_unlink(fifo);
  g_rmdir(dir);
}
END_TEST

START_TEST(test_many_bad_records_linear) {
  /* each error used to walk the whole chain: 20,000 took 20 s */
  enum { N = 20000 };
  GString *s = g_string_new("{\"schools\": [\n");
  for (int i = 0; i < N; i++)
    g_string_append_printf(s, "%s{\"id\": \"S%d\", \"name\": \"x\", \"budget\": \"1.001\"}\n", i ? "," : "", i);
  g_string_append(s, "]}");
  gint64 start = g_get_monotonic_time();
  ck_assert_int_eq(load_json(s->str), ZJTX_ERR_FACTS);
  gint64 took = g_get_monotonic_time() - start;
  g_string_free(s, TRUE);
  ck_assert_uint_eq(zjtx_error_count(err), N);
  const zjtx_error *last = err;
  while (zjtx_error_next(last))
    last = zjtx_error_next(last);
  ck_assert_str_eq(msg(last), "schools[19999] (S19999): field \"budget\": \"1.001\" is not money with at most 2 "
                              "decimals (expected e.g. \"1250000.50\")");
  ck_assert_int_eq(zjtx_error_line(last), N + 1);
  ck_assert_msg(took < 10 * G_USEC_PER_SEC, "took %" G_GINT64_FORMAT " us", took); /* generous: sanitizers */
}
END_TEST

START_TEST(test_names_escaped) {
  /* a terminal escape sequence in a key is shown escaped, like values */
  ck_assert_int_eq(
      load_json("{\"\\u001b[2J\": [], \"schools\": [{\"id\": \"S1\", \"name\": \"x\", \"\\u001b]0;\": 1}]}"),
      ZJTX_ERR_FACTS);
  ASSERT_HAS("unknown key \"\\u001b[2J\" (expected: period, schools, districts)", NULL);
  ASSERT_HAS("schools[0] (S1): unknown field \"\\u001b]0;\" (value \"1\")", NULL);
  zjtx_error_free(err);
  err = NULL;
  /* C1 controls too (U+009B is a CSI on many terminals), and BEL */
  ck_assert_int_eq(load_json("{\"schools\": [{\"id\": \"S1\", \"name\": \"x\", \"\\u009b2J\\u0007\": 1}]}"),
                   ZJTX_ERR_FACTS);
  ASSERT_HAS("unknown field \"\\u009b2J\\u0007\" (value \"1\")", NULL);
  for (const zjtx_error *e = err; e; e = zjtx_error_next(e))
    ck_assert_ptr_null(strchr(msg(e), '\033'));
  zjtx_error_free(err);
  err = NULL;
  /* json-glib's syntax errors quote the token they stopped at */
  ck_assert_int_eq(load_json("{\"\\u001b[2J\" \"x\"}"), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "not valid JSON: unexpected string constant \"\\u001b[2J\", expected character `:'");
}
END_TEST

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Out of memory while a table grows: ZJTX_ERR_NOMEM, not GLib's abort.
 * A child process with its address space capped adds districts until the
 * store says no.  (Skipped under AddressSanitizer, which reserves terabytes
 * of address space for its shadow.) */
START_TEST(test_out_of_memory) {
#ifdef UNDER_ASAN
  return;
#else
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    long pages = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (!statm || fscanf(statm, "%ld", &pages) != 1)
      _exit(3);
    fclose(statm);
    struct rlimit cap = {(rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (24u << 20), RLIM_INFINITY};
    cap.rlim_max = cap.rlim_cur;
    if (setrlimit(RLIMIT_AS, &cap) != 0)
      _exit(4);
    char id[32];
    const char *names[] = {"id", "deficit"}, *values[] = {id, "-1.50"};
    for (int i = 0; i < (1 << 24); i++) {
      zjtx_error *e = NULL;
      g_snprintf(id, sizeof id, "D%d", i);
      zjtx_status st = zjtx_facts_add_record(facts, "district", names, values, 2, &e);
      /* refused at a power of two, the arrays' next doubling */
      bool nomem = st == ZJTX_ERR_NOMEM && (i & (i - 1)) == 0 &&
                   g_str_has_prefix(zjtx_error_message(e), "out of memory: no room for more than ");
      zjtx_error_free(e);
      if (st != ZJTX_OK)
        _exit(nomem ? 0 : 5);
    }
    _exit(6); /* never ran out */
  }
  int status = 0;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status), "the child died of signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  ck_assert_int_eq(WEXITSTATUS(status), 0);
#endif
}
END_TEST

/* A directory holding one file, schools.csv, with `len` bytes of `data`. */
static char *csv_dir(const char *data, size_t len) {
  char *dir = g_dir_make_tmp("test-facts-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "schools.csv", NULL);
  ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
  return dir;
}

static void remove_csv_dir(char *dir) {
  g_autofree char *path = g_build_filename(dir, "schools.csv", NULL);
  g_unlink(path);
  g_rmdir(dir);
  g_free(dir);
}

START_TEST(test_csv_hostile) {
  static const char data[] = "id,name\nS1,abc\nS2,0123456789\nS3,x\0y\nS4,ok\n";
  char *dir = csv_dir(data, sizeof data - 1);
  ck_assert_int_eq(zjtx_facts_set_max_field_bytes(facts, 8, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_set_max_line_bytes(facts, 0, NULL), ZJTX_ERR_INVALID_ARG);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 2);
  ck_assert_str_eq(msg(err), "field 2 is longer than 8 bytes (the limit for one value)");
  ck_assert_int_eq(zjtx_error_line(err), 3);
  ck_assert_str_eq(msg(zjtx_error_next(err)), "not valid CSV at column 5: a NUL byte in field 2");
  ck_assert_int_eq(zjtx_error_line(zjtx_error_next(err)), 4);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "school"), 2); /* S1 and S4 */
  remove_csv_dir(dir);
}
END_TEST

START_TEST(test_csv_line_limit_and_header) {
  static const char data[] = "id,name\nS1,abcdefghij\nS2,x\n";
  char *dir = csv_dir(data, sizeof data - 1);
  ck_assert_int_eq(zjtx_facts_set_max_line_bytes(facts, 8, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_set_keep_going(facts, 1, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_OK);
  ck_assert_uint_eq(zjtx_facts_reject_count(facts), 1);
  ck_assert_str_eq(zjtx_facts_reject_reason(facts, 0), "the record is longer than 8 bytes (the limit for one line)");
  ck_assert_int_eq(zjtx_facts_reject_line(facts, 0), 2);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "school"), 1);
  remove_csv_dir(dir);
  /* a header over the limit: the file cannot be read */
  static const char long_header[] = "id,name,budget\nS1,x,1\n";
  dir = csv_dir(long_header, sizeof long_header - 1);
  zjtx_facts_free(facts);
  ck_assert_int_eq(zjtx_facts_new(policy, &facts, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_set_max_line_bytes(facts, 8, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_LIMIT);
  ck_assert_str_eq(msg(err), "the header row: the record is longer than 8 bytes (the limit for one line)");
  ck_assert_int_eq(zjtx_error_line(err), 1);
  zjtx_error_free(err);
  err = NULL;
  remove_csv_dir(dir);
  /* header names are escaped like values */
  static const char header[] = "id,name,\033[2J\nS1,x,y\n";
  dir = csv_dir(header, sizeof header - 1);
  zjtx_facts_free(facts);
  ck_assert_int_eq(zjtx_facts_new(policy, &facts, NULL), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "unknown column \"\\u001b[2J\" in the header (school has: id, name, budget, opened, "
                             "kind, rural, pupils, ratio)");
  remove_csv_dir(dir);
}
END_TEST

/* Strict CSV: 20,000 bad rows, each error appended in constant time. */
START_TEST(test_csv_many_bad_rows_linear) {
  enum { N = 20000 };
  GString *s = g_string_new("id,name,budget\n");
  for (int i = 0; i < N; i++)
    g_string_append_printf(s, "S%d,x,1.001\n", i);
  char *dir = csv_dir(s->str, s->len);
  g_string_free(s, TRUE);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_FACTS);
  ck_assert_uint_eq(zjtx_error_count(err), N);
  const zjtx_error *last = err;
  while (zjtx_error_next(last))
    last = zjtx_error_next(last);
  ck_assert_str_eq(msg(last), "schools line 20001 (S19999): field \"budget\": \"1.001\" is not money with at most 2 "
                              "decimals (expected e.g. \"1250000.50\")");
  remove_csv_dir(dir);
}
END_TEST

START_TEST(test_csv_not_a_regular_file) {
  g_autofree char *dir = g_dir_make_tmp("test-facts-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "schools.csv", NULL);
  ck_assert_int_eq(symlink("/dev/zero", path), 0); /* used to grow until memory ran out */
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_IO);
  ck_assert_str_eq(msg(err), "cannot read: not a regular file");
  ck_assert_str_eq(zjtx_error_file(err), path);
  zjtx_error_free(err);
  err = NULL;
  g_unlink(path);
  /* a file that is there but leads nowhere is not an absent file: it read
   * as "no schools" and the run ended with exit 0 */
  ck_assert_int_eq(symlink("/nonexistent/schools.csv", path), 0);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_IO);
  ck_assert_str_eq(msg(err), "cannot read: a symbolic link to a file that does not exist");
  ck_assert_str_eq(zjtx_error_file(err), path);
  g_unlink(path);
  g_rmdir(dir);
}
END_TEST

/* ---- the directory's file names ------------------------------------------- */

#define EXPECTED_FILES "schools.csv, grants.csv, inspections.csv, districts.csv"

/* A new directory holding files of those names (NULL-terminated), each
 * with a school header and one school: only the names matter here. */
static char *dir_with(const char *name, ...) {
  char *dir = g_dir_make_tmp("test-facts-XXXXXX", NULL);
  va_list ap;
  va_start(ap, name);
  for (; name; name = va_arg(ap, const char *)) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    ck_assert(g_file_set_contents(path, "id,name\nS1,abc\n", -1, NULL));
  }
  va_end(ap);
  return dir;
}

static void remove_dir_with(char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  for (const char *name; d && (name = g_dir_read_name(d));) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_remove(path);
  }
  if (d)
    g_dir_close(d);
  g_rmdir(dir);
  g_free(dir);
}

/* The error's file is `dir`/`name` (`name` NULL: `dir` itself). */
static void assert_error_file(const zjtx_error *e, const char *dir, const char *name) {
  g_autofree char *path = name ? g_build_filename(dir, name, NULL) : g_strdup(dir);
  ck_assert_str_eq(zjtx_error_file(e), path);
}

/* county.csv and enterprise.csv read as no records and exit 0: a file
 * named by the singular is refused, naming the plural, before any file
 * is read. */
START_TEST(test_csv_singular_name_refused) {
  char *dir = dir_with("schools.csv", "grant.csv", NULL);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_str_eq(msg(err), "CSV files are named by the entity's plural: expected grants.csv");
  assert_error_file(err, dir, "grant.csv");
  ck_assert_int_eq(zjtx_facts_record_count(facts, "school"), 0); /* nothing read */
  remove_dir_with(dir);
}
END_TEST

/* Another case is not the plural; a name the policy does not know lists
 * the names it does; errors come in the order of the names (bytes). */
START_TEST(test_csv_unknown_names) {
  char *dir = dir_with("teachers.csv", "Schools.CSV", "districts.CSV", "notes.txt", NULL);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 3);
  const zjtx_error *e = err;
  ck_assert_str_eq(msg(e), "CSV files are named by the entity's plural: expected schools.csv");
  assert_error_file(e, dir, "Schools.CSV");
  e = zjtx_error_next(e);
  ck_assert_str_eq(msg(e), "CSV files are named by the entity's plural: expected districts.csv");
  assert_error_file(e, dir, "districts.CSV");
  e = zjtx_error_next(e);
  ck_assert_str_eq(msg(e), "not a file of this policy: CSV files are named by an entity's plural (" EXPECTED_FILES ")");
  assert_error_file(e, dir, "teachers.csv");
  remove_dir_with(dir);
}
END_TEST

/* A directory with none of the policy's files: an error naming the
 * directory, the files expected and the files found (hidden ones not
 * listed; names escaped; at most ten). */
START_TEST(test_csv_no_facts) {
  char *dir = dir_with(NULL);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "no facts: the directory holds none of the files this policy reads (" EXPECTED_FILES
                             "); it is empty");
  assert_error_file(err, dir, NULL);
  remove_dir_with(dir);
  g_clear_pointer(&err, zjtx_error_free);

  dir = dir_with(".hidden.csv", NULL);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "no facts: the directory holds none of the files this policy reads (" EXPECTED_FILES
                             "); it holds only hidden files");
  remove_dir_with(dir);
  g_clear_pointer(&err, zjtx_error_free);

  dir = dir_with("notes.txt", "README", "a\033b", ".hidden", "schools.json", NULL);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_FACTS);
  ck_assert_int_eq(zjtx_error_count(err), 1);
  ck_assert_str_eq(msg(err), "no facts: the directory holds none of the files this policy reads (" EXPECTED_FILES
                             "); it holds README, a\\u001bb, notes.txt, schools.json");
  assert_error_file(err, dir, NULL);
  remove_dir_with(dir);
  g_clear_pointer(&err, zjtx_error_free);

  dir = dir_with("f01", "f02", "f03", "f04", "f05", "f06", "f07", "f08", "f09", "f10", "f11", "f12", NULL);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_ERR_FACTS);
  ck_assert_str_eq(msg(err), "no facts: the directory holds none of the files this policy reads (" EXPECTED_FILES
                             "); it holds f01, f02, f03, f04, f05, f06, f07, f08, f09, f10 and 2 more");
  remove_dir_with(dir);
}
END_TEST

/* One file of the policy is enough; other files (not *.csv) are not read,
 * and the entities without a file have no records. */
START_TEST(test_csv_other_files_ignored) {
  char *dir = dir_with("schools.csv", "notes.txt", "schools.csv.bak", ".schools.csv.swp", NULL);
  ck_assert_int_eq(zjtx_facts_read_csv_dir(facts, dir, &err), ZJTX_OK);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "school"), 1);
  ck_assert_int_eq(zjtx_facts_record_count(facts, "district"), 0);
  remove_dir_with(dir);
}
END_TEST

static Suite *facts_suite(void) {
  Suite *s = suite_create("facts");
  TCase *values = tcase_create("values");
  tcase_add_checked_fixture(values, setup, teardown);
  tcase_add_test(values, test_values_stored);
  tcase_add_test(values, test_extreme_values);
  tcase_add_test(values, test_absent_values);
  suite_add_tcase(s, values);

  TCase *bad = tcase_create("bad values");
  tcase_add_checked_fixture(bad, setup, teardown);
  tcase_add_test(bad, test_bad_money_decimals);
  tcase_add_loop_test(bad, test_bad_forms, 0, G_N_ELEMENTS(bad_forms));
  tcase_add_test(bad, test_negative_money);
  tcase_add_test(bad, test_bad_rate_and_count);
  tcase_add_test(bad, test_bad_bool);
  tcase_add_test(bad, test_bad_code);
  tcase_add_test(bad, test_bad_text);
  tcase_add_test(bad, test_bad_text_after_ascii);
  tcase_add_test(bad, test_validator);
  tcase_add_test(bad, test_unknown_field);
  tcase_add_test(bad, test_missing_required);
  tcase_add_test(bad, test_duplicate_field);
  tcase_add_test(bad, test_every_error_of_a_record);
  tcase_add_test(bad, test_api_misuse);
  suite_add_tcase(s, bad);

  TCase *finish = tcase_create("finish");
  tcase_add_checked_fixture(finish, setup, teardown);
  tcase_add_test(finish, test_duplicate_key);
  tcase_add_test(finish, test_unknown_parent_and_ref);
  tcase_add_test(finish, test_relations);
  suite_add_tcase(s, finish);

  TCase *json = tcase_create("json");
  tcase_add_checked_fixture(json, setup, teardown);
  tcase_add_test(json, test_json_good);
  tcase_add_test(json, test_json_double);
  tcase_add_test(json, test_json_syntax);
  tcase_add_test(json, test_json_record_errors);
  tcase_add_test(json, test_json_keys);
  tcase_add_test(json, test_json_bad_period);
  tcase_add_test(json, test_json_duplicates);
  tcase_add_test(json, test_json_unknown_parent_and_ref);
  tcase_add_test(json, test_json_file);
  suite_add_tcase(s, json);

  TCase *hostile = tcase_create("hostile input");
  tcase_add_checked_fixture(hostile, setup, teardown);
  tcase_set_timeout(hostile, 60);
  tcase_add_test(hostile, test_json_too_deep);
  tcase_add_test(hostile, test_json_integers_beyond_int64);
  tcase_add_test(hostile, test_json_nul);
  tcase_add_test(hostile, test_json_strict_lexing);
  tcase_add_test(hostile, test_json_two_documents);
  tcase_add_test(hostile, test_json_string_limit);
  tcase_add_test(hostile, test_json_not_a_regular_file);
  tcase_add_test(hostile, test_many_bad_records_linear);
  tcase_add_test(hostile, test_names_escaped);
  tcase_add_test(hostile, test_out_of_memory);
  tcase_add_test(hostile, test_csv_hostile);
  tcase_add_test(hostile, test_csv_line_limit_and_header);
  tcase_add_test(hostile, test_csv_many_bad_rows_linear);
  tcase_add_test(hostile, test_csv_not_a_regular_file);
  tcase_add_test(hostile, test_csv_singular_name_refused);
  tcase_add_test(hostile, test_csv_unknown_names);
  tcase_add_test(hostile, test_csv_no_facts);
  tcase_add_test(hostile, test_csv_other_files_ignored);
  suite_add_tcase(s, hostile);
  return s;
}

int main(void) {
  return ztest_run_suite(facts_suite());
}
