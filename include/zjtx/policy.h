/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zjtx/policy.h - loading and inspecting a policy.
 *
 * A policy is an XML document (docs/policy-language.md) that declares
 * entities, parameters, derived values, rules and checks.  Loading it
 * validates it against the policy schema, checks every name and type in
 * every expression, and compiles the expressions once.  The resulting
 * zjtx_policy is immutable: any number of threads may use one policy at the
 * same time without locking.  It is reference counted (atomically).
 */
#ifndef ZJTX_POLICY_H
#define ZJTX_POLICY_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zjtx_policy zjtx_policy;

/** Kinds of rule.  Fixed values, append-only. */
typedef enum {
  ZJTX_RULE_ENTITLEMENT = 1, /* computes an amount owed to a beneficiary */
  ZJTX_RULE_CHECK = 2        /* reports violations */
} zjtx_rule_kind;

/** Status of a parameter value's source.  Fixed values, append-only. */
typedef enum {
  ZJTX_PARAM_PUBLISHED = 1, /* taken from a published document */
  ZJTX_PARAM_ASSUMED = 2    /* not published: an assumption, to be confirmed */
} zjtx_param_status;

/**
 * zjtx_policy_load_file:
 * @path: the policy file.  A policy that `extends` another names it by a
 *   path relative to its own directory; that file is loaded too.  It must
 *   be a regular *.xml file below the folder of @path (symlinks resolved):
 *   to extend a policy elsewhere, use zjtx_policy_load_file_full().
 * @out: (out): the loaded policy, owned by the caller (zjtx_policy_unref).
 *
 * Never touches the network, never loads external entities or DTDs, refuses
 * entity expansion and nesting beyond safe limits.  On failure the error
 * carries the file, line and column of the first problem.
 * Thread-safety: may be called from any thread.
 */
ZJTX_API zjtx_status zjtx_policy_load_file(const char *path, zjtx_policy **out, zjtx_error **err);

/**
 * zjtx_policy_load_file_full:
 * @path: the policy file, as for zjtx_policy_load_file().
 * @search_path: (nullable): folders, separated by ':', that `extends` may
 *   also lead into besides the folder of @path (a reform kept apart from
 *   the policy it amends names the policy's folder here).  NULL or "": none.
 *   A folder that does not exist is ignored.
 * @out: (out): the loaded policy, owned by the caller (zjtx_policy_unref).
 *
 * As zjtx_policy_load_file(); an `extends` that leads anywhere else is an
 * error (ZJTX_ERR_POLICY) at the attribute's line and column.
 * Thread-safety: may be called from any thread.
 * Since: 0.2
 */
ZJTX_API zjtx_status zjtx_policy_load_file_full(const char *path, const char *search_path, zjtx_policy **out,
                                                zjtx_error **err);

/**
 * zjtx_policy_load_buffer:
 * @data, @len: the XML text.
 * @name: the name used in error messages (may be NULL: "<buffer>").
 * @base_dir: where `extends` paths are resolved (NULL: the current directory);
 *   they must lead to regular *.xml files below it (symlinks resolved).
 */
ZJTX_API zjtx_status zjtx_policy_load_buffer(const char *data, size_t len, const char *name, const char *base_dir,
                                             zjtx_policy **out, zjtx_error **err);

/** zjtx_policy_ref: takes a reference; returns @policy.  Thread-safe. */
ZJTX_API zjtx_policy *zjtx_policy_ref(zjtx_policy *policy);
/** zjtx_policy_unref: drops a reference; frees at zero.  Accepts NULL. */
ZJTX_API void zjtx_policy_unref(zjtx_policy *policy);

/* Metadata.  All strings are borrowed from the policy. */
ZJTX_API const char *zjtx_policy_id(const zjtx_policy *policy);
/** @lang: "zh" or "en"; falls back to the other language, then to the id. */
ZJTX_API const char *zjtx_policy_title(const zjtx_policy *policy, const char *lang);
ZJTX_API const char *zjtx_policy_jurisdiction(const zjtx_policy *policy);
ZJTX_API const char *zjtx_policy_document(const zjtx_policy *policy);
/**
 * zjtx_policy_document_status: what the policy document is, as its
 * <document status=> says: "draft" (a draft for comments, 征求意见稿),
 * "published" or "repealed"; NULL when the document does not say.
 *
 * Since: 0.2
 */
ZJTX_API const char *zjtx_policy_document_status(const zjtx_policy *policy);
/**
 * zjtx_policy_version: the version= of the policy (of the extending file
 * for a policy that extends another), or NULL.
 *
 * Since: 0.2
 */
ZJTX_API const char *zjtx_policy_version(const zjtx_policy *policy);
/** The period used when the caller gives none, e.g. "2025". */
ZJTX_API const char *zjtx_policy_default_period(const zjtx_policy *policy);

/* Rules and checks, in declaration order (base policies first). */
ZJTX_API size_t zjtx_policy_rule_count(const zjtx_policy *policy);
ZJTX_API const char *zjtx_policy_rule_id(const zjtx_policy *policy, size_t i);
/**
 * zjtx_policy_rule_index: the index of the rule or check whose id is @id,
 * for the zjtx_policy_rule_* accessors; (size_t)-1 when there is none (or
 * @policy or @id is NULL).
 * Thread-safety: the policy is only read.
 * Since: 0.2
 */
ZJTX_API size_t zjtx_policy_rule_index(const zjtx_policy *policy, const char *id);
ZJTX_API zjtx_rule_kind zjtx_policy_rule_kind(const zjtx_policy *policy, size_t i);
ZJTX_API const char *zjtx_policy_rule_title(const zjtx_policy *policy, size_t i, const char *lang);
/** The clause of the policy text the rule implements, e.g. "三(六)". */
ZJTX_API const char *zjtx_policy_rule_clause(const zjtx_policy *policy, size_t i);
/** The entity each result is about ("enterprise", "county", "loan"...). */
ZJTX_API const char *zjtx_policy_rule_subject(const zjtx_policy *policy, size_t i);
/** The id of the policy file that declared the rule. */
ZJTX_API const char *zjtx_policy_rule_origin(const zjtx_policy *policy, size_t i);

/* Derived values, in declaration order (base policies first), an override
 * after what it replaces. */
/** Since: 0.2 */
ZJTX_API size_t zjtx_policy_derived_count(const zjtx_policy *policy);
/** Since: 0.2 */
ZJTX_API const char *zjtx_policy_derived_name(const zjtx_policy *policy, size_t i);
/** The entity it is computed for, or NULL for one of the population.  Since: 0.2 */
ZJTX_API const char *zjtx_policy_derived_entity(const zjtx_policy *policy, size_t i);
/** @lang as zjtx_policy_title's; falls back to the name.  Since: 0.2 */
ZJTX_API const char *zjtx_policy_derived_title(const zjtx_policy *policy, size_t i, const char *lang);
/** Its expression, as written.  Since: 0.2 */
ZJTX_API const char *zjtx_policy_derived_expr(const zjtx_policy *policy, size_t i);
/** The id of the policy file that declared it (or the override).  Since: 0.2 */
ZJTX_API const char *zjtx_policy_derived_origin(const zjtx_policy *policy, size_t i);
/** The id of the policy whose <override> replaced it, or NULL while it is in use.  Since: 0.2 */
ZJTX_API const char *zjtx_policy_derived_overridden_by(const zjtx_policy *policy, size_t i);

/* Parameters. */
ZJTX_API size_t zjtx_policy_param_count(const zjtx_policy *policy);
ZJTX_API const char *zjtx_policy_param_id(const zjtx_policy *policy, size_t i);
ZJTX_API const char *zjtx_policy_param_title(const zjtx_policy *policy, size_t i, const char *lang);
/** The value type: "money", "rate", "number", "date", "bool", "text", ... */
ZJTX_API const char *zjtx_policy_param_type(const zjtx_policy *policy, size_t i);
ZJTX_API const char *zjtx_policy_param_unit(const zjtx_policy *policy, size_t i);
ZJTX_API const char *zjtx_policy_param_source(const zjtx_policy *policy, size_t i);
ZJTX_API zjtx_param_status zjtx_policy_param_status(const zjtx_policy *policy, size_t i);
/** Number of dated (and keyed) values the parameter has. */
ZJTX_API size_t zjtx_policy_param_value_count(const zjtx_policy *policy, size_t i);
/** The @j-th value as written: its effective date, key (or NULL) and text. */
ZJTX_API const char *zjtx_policy_param_value_from(const zjtx_policy *policy, size_t i, size_t j);
ZJTX_API const char *zjtx_policy_param_value_key(const zjtx_policy *policy, size_t i, size_t j);
ZJTX_API const char *zjtx_policy_param_value_text(const zjtx_policy *policy, size_t i, size_t j);
/** Index of the parameter named @id, or (size_t)-1. */
ZJTX_API size_t zjtx_policy_param_find(const zjtx_policy *policy, const char *id);

/* Entities. */
ZJTX_API size_t zjtx_policy_entity_count(const zjtx_policy *policy);
ZJTX_API const char *zjtx_policy_entity_name(const zjtx_policy *policy, size_t i);
/** The plural used as JSON key and CSV file name ("enterprises"). */
ZJTX_API const char *zjtx_policy_entity_plural(const zjtx_policy *policy, size_t i);
/** The parent entity, or NULL for a top-level entity. */
ZJTX_API const char *zjtx_policy_entity_parent(const zjtx_policy *policy, size_t i);
/** The field holding a record's id (key=), or NULL. */
ZJTX_API const char *zjtx_policy_entity_key(const zjtx_policy *policy, size_t i);
/** For a child entity, the field its records name their parent by, or NULL. */
ZJTX_API const char *zjtx_policy_entity_parent_key(const zjtx_policy *policy, size_t i);
/**
 * zjtx_policy_entity_label: the text field that names a record of the
 * entity for people (<entity label=>, e.g. "name"), or NULL.
 *
 * Since: 0.2
 */
ZJTX_API const char *zjtx_policy_entity_label(const zjtx_policy *policy, size_t i);
/**
 * zjtx_policy_same_facts_layout: 1 when facts read for @a can be evaluated
 * under @b as they are — the same entities, fields (names, types, optional
 * or not, code lists), keys, parents and relations, in the same order —
 * as for a reform that changes only parameters, rules and derived values;
 * else 0.  zjtx_evaluate() accepts such facts.
 *
 * Since: 0.2
 */
ZJTX_API int zjtx_policy_same_facts_layout(const zjtx_policy *a, const zjtx_policy *b);
ZJTX_API size_t zjtx_policy_entity_field_count(const zjtx_policy *policy, size_t i);
/** For a field of type "ref", the entity it refers to; otherwise NULL. */
ZJTX_API const char *zjtx_policy_entity_field_ref(const zjtx_policy *policy, size_t i, size_t f);
ZJTX_API const char *zjtx_policy_entity_field_name(const zjtx_policy *policy, size_t i, size_t f);
ZJTX_API const char *zjtx_policy_entity_field_type(const zjtx_policy *policy, size_t i, size_t f);
/**
 * zjtx_policy_entity_field_required: 1 when a record must give field @f of
 * entity @i, 0 when it may be absent (declared required="false": missing).
 *
 * Since: 0.2
 */
ZJTX_API int zjtx_policy_entity_field_required(const zjtx_policy *policy, size_t i, size_t f);
/**
 * zjtx_policy_entity_field_code_count / _code: the values a field of type
 * "code" accepts, in declared order (0 and NULL for other fields, and past
 * the end).  Borrowed from the policy.
 *
 * Since: 0.2
 */
ZJTX_API size_t zjtx_policy_entity_field_code_count(const zjtx_policy *policy, size_t i, size_t f);
ZJTX_API const char *zjtx_policy_entity_field_code(const zjtx_policy *policy, size_t i, size_t f, size_t k);

/**
 * zjtx_policy_dump: the compiled program as text (one block per derived
 * value, rule and check), for reading and debugging.  Owned: zjtx_free().
 */
ZJTX_API char *zjtx_policy_dump(const zjtx_policy *policy);

#ifdef __cplusplus
}
#endif
#endif
