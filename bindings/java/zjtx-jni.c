/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* zjtx-jni.c - the JNI glue of the Java binding: the native methods of cn.zjtx.Native. */

/*
 * Everything here is a thin call into the public API.  Lifetimes are kept on
 * the Java side (cn.zjtx.Handle: a result holds references to its facts and
 * policy), so this file never decides when anything is freed.
 *
 * Strings cross as real UTF-8 in both directions, whatever the JVM's default
 * charset: Java hands in NUL-terminated byte[] it encoded itself, and text
 * coming back is converted here from UTF-8 to UTF-16 (NewStringUTF expects
 * the JVM's modified UTF-8, which differs for characters beyond U+FFFF).
 *
 * The methods are registered by JNI_OnLoad (RegisterNatives), so they are
 * static functions with plain names rather than exported mangled ones.
 */
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zjtx/zjtx.h>

#define NATIVE_CLASS    "cn/zjtx/Native"
#define EXCEPTION_CLASS "cn/zjtx/ZjtxException"
#define N_ELEMENTS(a)   (sizeof(a) / sizeof((a)[0]))

/* The pointers that cross as jlong. */
#define PTR(type, h) ((type *)(uintptr_t)(h))
#define HANDLE(p)    ((jlong)(uintptr_t)(p))

/* Decodes one UTF-8 sequence at s[*i] (n bytes in all); U+FFFD for a bad one. */
static uint32_t next_code_point(const unsigned char *s, size_t n, size_t *i) {
  unsigned char c = s[*i];
  size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);

  if (len == 0 || *i + len > n) {
    (*i)++;
    return 0xFFFD;
  }
  for (size_t k = 1; k < len; k++) {
    if ((s[*i + k] & 0xC0) != 0x80) {
      (*i)++;
      return 0xFFFD;
    }
    cp = (cp << 6) | (s[*i + k] & 0x3Fu);
  }
  *i += len;
  return cp > 0x10FFFF ? 0xFFFD : cp;
}

/* A Java string of UTF-8 @s; NULL for NULL (or when memory runs out, with
 * an OutOfMemoryError pending). */
static jstring utf8_to_jstring(JNIEnv *env, const char *s) {
  if (s == NULL)
    return NULL;
  size_t n = strlen(s);
  int ascii = 1;
  for (size_t i = 0; i < n && ascii; i++)
    ascii = (unsigned char)s[i] < 0x80;
  if (ascii) /* ASCII is the same in modified UTF-8: the fast path */
    return (*env)->NewStringUTF(env, s);

  jchar small[256];
  jchar *units = n <= N_ELEMENTS(small) / 2 ? small : malloc(2 * n * sizeof(jchar));
  if (units == NULL) {
    (*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/OutOfMemoryError"), "zjtx: string");
    return NULL;
  }
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp = next_code_point((const unsigned char *)s, n, &i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[k++] = (jchar)(0xD800 + (cp >> 10));
      units[k++] = (jchar)(0xDC00 + (cp & 0x3FF));
    } else {
      units[k++] = (jchar)cp;
    }
  }
  jstring str = (*env)->NewString(env, units, (jsize)k);
  if (units != small)
    free(units);
  return str;
}

/*
 * Rule ids and entity names repeat across thousands of entitlements and
 * point into the policy: one Java string per distinct pointer in a row.
 */
typedef struct {
  const char *last;
  jstring str;
} string_cache;

static jstring cached_string(JNIEnv *env, string_cache *cache, const char *s) {
  if (s != cache->last || cache->str == NULL) {
    if (cache->str != NULL)
      (*env)->DeleteLocalRef(env, cache->str);
    cache->str = utf8_to_jstring(env, s);
    cache->last = s;
  }
  return cache->str;
}

/* Stores @s at @array[@i] and drops the local reference unless cached. */
static void set_string(JNIEnv *env, jobjectArray array, jsize i, const char *s) {
  jstring str = utf8_to_jstring(env, s);
  (*env)->SetObjectArrayElement(env, array, i, str);
  if (str != NULL)
    (*env)->DeleteLocalRef(env, str);
}

/* The bytes of a NUL-terminated byte[] from Java (NULL stays NULL). */
typedef struct {
  jbyteArray array;
  jbyte *bytes;
} java_bytes;

static const char *bytes_get(JNIEnv *env, java_bytes *b, jbyteArray array) {
  b->array = array;
  b->bytes = array != NULL ? (*env)->GetByteArrayElements(env, array, NULL) : NULL;
  return (const char *)b->bytes;
}

static void bytes_release(JNIEnv *env, java_bytes *b) {
  if (b->bytes != NULL)
    (*env)->ReleaseByteArrayElements(env, b->array, b->bytes, JNI_ABORT);
  b->bytes = NULL;
}

/* Throws the error chain @err as one ZjtxException (with its `next` chain)
 * and frees it. */
static void throw_error(JNIEnv *env, zjtx_error *err, zjtx_status status) {
  jclass cls = (*env)->FindClass(env, EXCEPTION_CLASS);
  if (cls == NULL)
    return;
  jmethodID ctor = (*env)->GetMethodID(
      env, cls, "<init>", "(ILjava/lang/String;Ljava/lang/String;IILjava/lang/String;L" EXCEPTION_CLASS ";)V");
  if (ctor == NULL)
    return;
  size_t n = err != NULL ? zjtx_error_count(err) : 0;
  const zjtx_error **chain = n > 0 ? calloc(n, sizeof(*chain)) : NULL;
  size_t k = 0;
  for (const zjtx_error *e = err; e != NULL && k < n && chain != NULL; e = zjtx_error_next(e))
    chain[k++] = e;

  jobject next = NULL;
  for (size_t i = k; i-- > 0;) { /* built from the last, so each links to the next */
    const zjtx_error *e = chain[i];
    jstring msg = utf8_to_jstring(env, zjtx_error_message(e));
    jstring file = utf8_to_jstring(env, zjtx_error_file(e));
    jstring rule = utf8_to_jstring(env, zjtx_error_rule(e));
    jobject ex = (*env)->NewObject(env, cls, ctor, (jint)zjtx_error_code(e), msg, file, (jint)zjtx_error_line(e),
                                   (jint)zjtx_error_column(e), rule, next);
    if (next != NULL)
      (*env)->DeleteLocalRef(env, next);
    next = ex;
  }
  if (next == NULL) {
    jstring msg = utf8_to_jstring(env, "failed without details");
    next = (*env)->NewObject(env, cls, ctor, (jint)status, msg, NULL, 0, 0, NULL, NULL);
  }
  free(chain);
  zjtx_error_free(err);
  if (next != NULL)
    (*env)->Throw(env, (jthrowable)next);
}

/* Returns nonzero when @status failed (and throws). */
static int failed(JNIEnv *env, zjtx_status status, zjtx_error *err) {
  if (status == ZJTX_OK)
    return 0;
  throw_error(env, err, status);
  return 1;
}

/* ---- policy ---- */

static jlong policy_load(JNIEnv *env, jclass cls, jbyteArray path) {
  java_bytes p;
  zjtx_policy *policy = NULL;
  zjtx_error *err = NULL;
  zjtx_status status = zjtx_policy_load_file(bytes_get(env, &p, path), &policy, &err);
  bytes_release(env, &p);
  return failed(env, status, err) ? 0 : HANDLE(policy);
}

static jlong policy_load_string(JNIEnv *env, jclass cls, jbyteArray xml, jbyteArray name, jbyteArray base_dir) {
  java_bytes x, n, b;
  zjtx_policy *policy = NULL;
  zjtx_error *err = NULL;
  jsize len = (*env)->GetArrayLength(env, xml) - 1; /* without the NUL */
  zjtx_status status = zjtx_policy_load_buffer(bytes_get(env, &x, xml), (size_t)len, bytes_get(env, &n, name),
                                               bytes_get(env, &b, base_dir), &policy, &err);
  bytes_release(env, &b);
  bytes_release(env, &n);
  bytes_release(env, &x);
  return failed(env, status, err) ? 0 : HANDLE(policy);
}

static void policy_unref(JNIEnv *env, jclass cls, jlong policy) {
  zjtx_policy_unref(PTR(zjtx_policy, policy));
}

static jstring policy_id(JNIEnv *env, jclass cls, jlong policy) {
  return utf8_to_jstring(env, zjtx_policy_id(PTR(zjtx_policy, policy)));
}

static jstring policy_title(JNIEnv *env, jclass cls, jlong policy, jbyteArray lang) {
  java_bytes l;
  jstring s = utf8_to_jstring(env, zjtx_policy_title(PTR(zjtx_policy, policy), bytes_get(env, &l, lang)));
  bytes_release(env, &l);
  return s;
}

static jstring policy_default_period(JNIEnv *env, jclass cls, jlong policy) {
  return utf8_to_jstring(env, zjtx_policy_default_period(PTR(zjtx_policy, policy)));
}

/* ---- facts ---- */

static jlong facts_load(JNIEnv *env, jclass cls, jlong policy, jbyteArray path, jint flags) {
  java_bytes p;
  zjtx_facts *facts = NULL;
  zjtx_error *err = NULL;
  zjtx_status status = zjtx_facts_load(PTR(zjtx_policy, policy), bytes_get(env, &p, path), flags, &facts, &err);
  bytes_release(env, &p);
  return failed(env, status, err) ? 0 : HANDLE(facts);
}

static jlong facts_from_json(JNIEnv *env, jclass cls, jlong policy, jbyteArray json, jbyteArray name) {
  java_bytes j, n;
  zjtx_facts *facts = NULL;
  zjtx_error *err = NULL;
  jsize len = (*env)->GetArrayLength(env, json) - 1;
  zjtx_status status = zjtx_facts_load_json_buffer(PTR(zjtx_policy, policy), bytes_get(env, &j, json), (size_t)len,
                                                   bytes_get(env, &n, name), &facts, &err);
  bytes_release(env, &n);
  bytes_release(env, &j);
  return failed(env, status, err) ? 0 : HANDLE(facts);
}

static void facts_free(JNIEnv *env, jclass cls, jlong facts) {
  zjtx_facts_free(PTR(zjtx_facts, facts));
}

static jlong facts_record_count(JNIEnv *env, jclass cls, jlong facts, jbyteArray entity) {
  java_bytes e;
  size_t n = zjtx_facts_record_count(PTR(zjtx_facts, facts), bytes_get(env, &e, entity));
  bytes_release(env, &e);
  return (jlong)n;
}

static jint facts_reject_count(JNIEnv *env, jclass cls, jlong facts) {
  return (jint)zjtx_facts_reject_count(PTR(zjtx_facts, facts));
}

/* Reject @i as {entity, file, line (decimal), id, field, value, reason}. */
static jobjectArray facts_reject(JNIEnv *env, jclass cls, jlong facts, jint i) {
  const zjtx_facts *f = PTR(zjtx_facts, facts);
  jobjectArray out = (*env)->NewObjectArray(env, 7, (*env)->FindClass(env, "java/lang/String"), NULL);
  if (out == NULL)
    return NULL;
  char line[16];
  snprintf(line, sizeof(line), "%d", zjtx_facts_reject_line(f, (size_t)i));
  set_string(env, out, 0, zjtx_facts_reject_entity(f, (size_t)i));
  set_string(env, out, 1, zjtx_facts_reject_file(f, (size_t)i));
  set_string(env, out, 2, line);
  set_string(env, out, 3, zjtx_facts_reject_id(f, (size_t)i));
  set_string(env, out, 4, zjtx_facts_reject_field(f, (size_t)i));
  set_string(env, out, 5, zjtx_facts_reject_value(f, (size_t)i));
  set_string(env, out, 6, zjtx_facts_reject_reason(f, (size_t)i));
  return out;
}

/* ---- evaluation ---- */

/* Applies the period, parameter overrides (three parallel arrays of
 * NUL-terminated UTF-8; a key may be null) and threads (< 0: the default). */
static zjtx_status set_options(JNIEnv *env, zjtx_options *opts, jbyteArray period, jobjectArray ids, jobjectArray keys,
                               jobjectArray values, jint threads, zjtx_error **err) {
  zjtx_status status = ZJTX_OK;
  if (period != NULL) {
    java_bytes p;
    status = zjtx_options_set_period(opts, bytes_get(env, &p, period), err);
    bytes_release(env, &p);
  }
  jsize n = ids != NULL ? (*env)->GetArrayLength(env, ids) : 0;
  for (jsize i = 0; i < n && status == ZJTX_OK; i++) {
    java_bytes id, key, value;
    jbyteArray id_a = (*env)->GetObjectArrayElement(env, ids, i);
    jbyteArray key_a = (*env)->GetObjectArrayElement(env, keys, i);
    jbyteArray value_a = (*env)->GetObjectArrayElement(env, values, i);
    status = zjtx_options_set_param(opts, bytes_get(env, &id, id_a), bytes_get(env, &key, key_a),
                                    bytes_get(env, &value, value_a), err);
    bytes_release(env, &value);
    bytes_release(env, &key);
    bytes_release(env, &id);
    (*env)->DeleteLocalRef(env, id_a);
    if (key_a != NULL)
      (*env)->DeleteLocalRef(env, key_a);
    (*env)->DeleteLocalRef(env, value_a);
  }
  if (status == ZJTX_OK && threads >= 0)
    status = zjtx_options_set_threads(opts, threads, err);
  return status;
}

static jlong evaluate(JNIEnv *env, jclass cls, jlong policy, jlong facts, jbyteArray period, jobjectArray ids,
                      jobjectArray keys, jobjectArray values, jint threads) {
  zjtx_error *err = NULL;
  zjtx_result *result = NULL;
  zjtx_options *opts = zjtx_options_new();
  if (opts == NULL) {
    (*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/OutOfMemoryError"), "zjtx: options");
    return 0;
  }
  zjtx_status status = set_options(env, opts, period, ids, keys, values, threads, &err);
  if (status == ZJTX_OK)
    status = zjtx_evaluate(PTR(zjtx_policy, policy), PTR(zjtx_facts, facts), opts, &result, &err);
  zjtx_options_free(opts);
  return failed(env, status, err) ? 0 : HANDLE(result);
}

static void result_free(JNIEnv *env, jclass cls, jlong result) {
  zjtx_result_free(PTR(zjtx_result, result));
}

static jstring result_period(JNIEnv *env, jclass cls, jlong result) {
  return utf8_to_jstring(env, zjtx_result_period(PTR(zjtx_result, result)));
}

static jint result_entitlement_count(JNIEnv *env, jclass cls, jlong result) {
  return (jint)zjtx_result_entitlement_count(PTR(zjtx_result, result));
}

/* Fills the arrays (each of the entitlement count) in one call: one JNI
 * crossing per result, not four per entitlement. */
static void result_entitlements(JNIEnv *env, jclass cls, jlong result, jobjectArray rules, jobjectArray entities,
                                jobjectArray ids, jlongArray fen) {
  const zjtx_result *res = PTR(zjtx_result, result);
  jsize n = (*env)->GetArrayLength(env, fen);
  jlong *amounts = (*env)->GetLongArrayElements(env, fen, NULL);
  if (amounts == NULL)
    return;
  string_cache rule_cache = {0}, entity_cache = {0};
  for (jsize i = 0; i < n && !(*env)->ExceptionCheck(env); i++) {
    (*env)->SetObjectArrayElement(env, rules, i,
                                  cached_string(env, &rule_cache, zjtx_result_entitlement_rule(res, (size_t)i)));
    (*env)->SetObjectArrayElement(env, entities, i,
                                  cached_string(env, &entity_cache, zjtx_result_entitlement_entity(res, (size_t)i)));
    set_string(env, ids, i, zjtx_result_entitlement_id(res, (size_t)i));
    amounts[i] = zjtx_result_entitlement_fen(res, (size_t)i);
  }
  (*env)->ReleaseLongArrayElements(env, fen, amounts, 0);
}

static jint result_violation_count(JNIEnv *env, jclass cls, jlong result) {
  return (jint)zjtx_result_violation_count(PTR(zjtx_result, result));
}

static void result_violations(JNIEnv *env, jclass cls, jlong result, jobjectArray checks, jobjectArray entities,
                              jobjectArray ids) {
  const zjtx_result *res = PTR(zjtx_result, result);
  jsize n = (*env)->GetArrayLength(env, ids);
  string_cache check_cache = {0}, entity_cache = {0};
  for (jsize i = 0; i < n && !(*env)->ExceptionCheck(env); i++) {
    (*env)->SetObjectArrayElement(env, checks, i,
                                  cached_string(env, &check_cache, zjtx_result_violation_check(res, (size_t)i)));
    (*env)->SetObjectArrayElement(env, entities, i,
                                  cached_string(env, &entity_cache, zjtx_result_violation_entity(res, (size_t)i)));
    set_string(env, ids, i, zjtx_result_violation_id(res, (size_t)i));
  }
}

static jint result_undecided_count(JNIEnv *env, jclass cls, jlong result) {
  return (jint)zjtx_result_undecided_count(PTR(zjtx_result, result));
}

/* Undecided item @i as {rule, kind ("rule"/"check"), entity, id, more
 * ("true"/"false"), then entity, id, field of each missing input}. */
static jobjectArray result_undecided(JNIEnv *env, jclass cls, jlong result, jint i) {
  const zjtx_result *res = PTR(zjtx_result, result);
  size_t m = zjtx_result_undecided_missing_count(res, (size_t)i);
  jobjectArray out = (*env)->NewObjectArray(env, (jsize)(5 + 3 * m), (*env)->FindClass(env, "java/lang/String"), NULL);
  if (out == NULL)
    return NULL;
  set_string(env, out, 0, zjtx_result_undecided_rule(res, (size_t)i));
  set_string(env, out, 1, zjtx_result_undecided_kind(res, (size_t)i) == ZJTX_RULE_CHECK ? "check" : "rule");
  set_string(env, out, 2, zjtx_result_undecided_entity(res, (size_t)i));
  set_string(env, out, 3, zjtx_result_undecided_id(res, (size_t)i));
  set_string(env, out, 4, zjtx_result_undecided_missing_more(res, (size_t)i) ? "true" : "false");
  for (size_t j = 0; j < m; j++) {
    set_string(env, out, (jsize)(5 + 3 * j), zjtx_result_undecided_missing_entity(res, (size_t)i, j));
    set_string(env, out, (jsize)(6 + 3 * j), zjtx_result_undecided_missing_id(res, (size_t)i, j));
    set_string(env, out, (jsize)(7 + 3 * j), zjtx_result_undecided_missing_field(res, (size_t)i, j));
  }
  return out;
}

/* ---- explanations ---- */

static jlong result_explain(JNIEnv *env, jclass cls, jlong result, jint i, jboolean violation) {
  zjtx_explanation *ex = NULL;
  zjtx_error *err = NULL;
  const zjtx_result *res = PTR(zjtx_result, result);
  zjtx_status status = violation ? zjtx_result_explain_violation(res, (size_t)i, &ex, &err)
                                 : zjtx_result_explain_entitlement(res, (size_t)i, &ex, &err);
  return failed(env, status, err) ? 0 : HANDLE(ex);
}

static void explanation_free(JNIEnv *env, jclass cls, jlong ex) {
  zjtx_explanation_free(PTR(zjtx_explanation, ex));
}

/* Node @node as {kind, parent (-1 for the root), outcome} in @ints and
 * {label, value, reference, attr name, attr value, ...} as the result. */
static jobjectArray explanation_node(JNIEnv *env, jclass cls, jlong explanation, jint node, jintArray ints) {
  const zjtx_explanation *ex = PTR(zjtx_explanation, explanation);
  size_t parent = zjtx_explanation_node_parent(ex, (size_t)node);
  jint header[3] = {(jint)zjtx_explanation_node_kind(ex, (size_t)node), parent == (size_t)-1 ? -1 : (jint)parent,
                    (jint)zjtx_explanation_node_outcome(ex, (size_t)node)};
  (*env)->SetIntArrayRegion(env, ints, 0, 3, header);
  size_t attrs = zjtx_explanation_node_attr_count(ex, (size_t)node);
  jobjectArray out =
      (*env)->NewObjectArray(env, (jsize)(3 + 2 * attrs), (*env)->FindClass(env, "java/lang/String"), NULL);
  if (out == NULL)
    return NULL;
  set_string(env, out, 0, zjtx_explanation_node_label(ex, (size_t)node));
  set_string(env, out, 1, zjtx_explanation_node_value(ex, (size_t)node));
  set_string(env, out, 2, zjtx_explanation_node_reference(ex, (size_t)node));
  for (size_t k = 0; k < attrs; k++) {
    const char *name = zjtx_explanation_node_attr_name(ex, (size_t)node, k);
    set_string(env, out, (jsize)(3 + 2 * k), name);
    set_string(env, out, (jsize)(4 + 2 * k), zjtx_explanation_node_attr(ex, (size_t)node, name));
  }
  return out;
}

static jint explanation_node_count(JNIEnv *env, jclass cls, jlong ex) {
  return (jint)zjtx_explanation_node_count(PTR(zjtx_explanation, ex));
}

/* Returns an owned library string as a Java string and frees it. */
static jstring take_string(JNIEnv *env, char *s) {
  jstring str = utf8_to_jstring(env, s);
  zjtx_free(s);
  return str;
}

/* @format: 0 JSON, 1 indented text, 2 sentences in @lang. */
static jstring explanation_format(JNIEnv *env, jclass cls, jlong explanation, jint format, jbyteArray lang) {
  const zjtx_explanation *ex = PTR(zjtx_explanation, explanation);
  if (format == 0)
    return take_string(env, zjtx_explanation_to_json(ex));
  if (format == 1)
    return take_string(env, zjtx_explanation_to_text(ex));
  java_bytes l;
  jstring s = take_string(env, zjtx_explanation_to_sentences(ex, bytes_get(env, &l, lang)));
  bytes_release(env, &l);
  return s;
}

static jstring version_string(JNIEnv *env, jclass cls) {
  return utf8_to_jstring(env, zjtx_version_string());
}

#define METHOD(name, sig, fn)                                                                                          \
  { (char *)(name), (char *)(sig), (void *)(fn) }

static const JNINativeMethod methods[] = {
    METHOD("policyLoad", "([B)J", policy_load),
    METHOD("policyLoadString", "([B[B[B)J", policy_load_string),
    METHOD("policyUnref", "(J)V", policy_unref),
    METHOD("policyId", "(J)Ljava/lang/String;", policy_id),
    METHOD("policyTitle", "(J[B)Ljava/lang/String;", policy_title),
    METHOD("policyDefaultPeriod", "(J)Ljava/lang/String;", policy_default_period),
    METHOD("factsLoad", "(J[BI)J", facts_load),
    METHOD("factsFromJson", "(J[B[B)J", facts_from_json),
    METHOD("factsFree", "(J)V", facts_free),
    METHOD("factsRecordCount", "(J[B)J", facts_record_count),
    METHOD("factsRejectCount", "(J)I", facts_reject_count),
    METHOD("factsReject", "(JI)[Ljava/lang/String;", facts_reject),
    METHOD("evaluate", "(JJ[B[[B[[B[[BI)J", evaluate),
    METHOD("resultFree", "(J)V", result_free),
    METHOD("resultPeriod", "(J)Ljava/lang/String;", result_period),
    METHOD("resultEntitlementCount", "(J)I", result_entitlement_count),
    METHOD("resultEntitlements", "(J[Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/String;[J)V",
           result_entitlements),
    METHOD("resultViolationCount", "(J)I", result_violation_count),
    METHOD("resultViolations", "(J[Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/String;)V", result_violations),
    METHOD("resultUndecidedCount", "(J)I", result_undecided_count),
    METHOD("resultUndecided", "(JI)[Ljava/lang/String;", result_undecided),
    METHOD("resultExplain", "(JIZ)J", result_explain),
    METHOD("explanationFree", "(J)V", explanation_free),
    METHOD("explanationNodeCount", "(J)I", explanation_node_count),
    METHOD("explanationNode", "(JI[I)[Ljava/lang/String;", explanation_node),
    METHOD("explanationFormat", "(JI[B)Ljava/lang/String;", explanation_format),
    METHOD("versionString", "()Ljava/lang/String;", version_string),
};

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
  JNIEnv *env = NULL;
  if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
    return JNI_ERR;
  jclass cls = (*env)->FindClass(env, NATIVE_CLASS);
  if (cls == NULL || (*env)->RegisterNatives(env, cls, methods, (jint)N_ELEMENTS(methods)) != 0)
    return JNI_ERR;
  return JNI_VERSION_1_8;
}
