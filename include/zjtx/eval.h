/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zjtx/eval.h - evaluating a policy over facts, and explaining the results.
 *
 * zjtx_evaluate() runs every rule and check of a policy over finished facts
 * and returns a zjtx_result: the entitlements (who is owed how much under
 * which rule) and the violations (which record breaks which check).  It
 * only reads the policy and the facts, so any number of threads may
 * evaluate the same policy and facts at once, each with its own options and
 * results.
 */
#ifndef ZJTX_EVAL_H
#define ZJTX_EVAL_H

#include "common.h"
#include "facts.h"
#include "policy.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zjtx_options zjtx_options;
typedef struct zjtx_result zjtx_result;
typedef struct zjtx_explanation zjtx_explanation;

/**
 * zjtx_options_create:
 * @out: (out): default options (the policy's default period, its
 *   parameters, the caller's thread only, no indicators).  Owned;
 *   zjtx_options_free().
 * @err: (nullable): set on failure; free with zjtx_error_free().
 *
 * Returns: ZJTX_OK; ZJTX_ERR_INVALID_ARG when @out is NULL.
 * Thread-safety: may be called from any thread.
 * Since: 0.2
 */
ZJTX_API zjtx_status zjtx_options_create(zjtx_options **out, zjtx_error **err);
/**
 * zjtx_options_new: the older form of zjtx_options_create(), kept for
 * callers of 0.1: default options, owned (zjtx_options_free()).  New code
 * uses zjtx_options_create(), which follows the `**out` + status rule.
 */
ZJTX_API zjtx_options *zjtx_options_new(void);
ZJTX_API void zjtx_options_free(zjtx_options *opts);
/**
 * zjtx_options_set_period: the period to evaluate: "2025" (a calendar year),
 * or "2025H1", "2025Q3", "2025-07", "FY2025" for a policy whose <period
 * unit> is a half-year, quarter, month or fiscal year.  Text that is none
 * of these is refused here; one of another unit than the policy's, when
 * evaluating.
 */
ZJTX_API zjtx_status zjtx_options_set_period(zjtx_options *opts, const char *period, zjtx_error **err);
/**
 * zjtx_options_set_param: replaces every dated value of parameter @id by
 * @value (as written in the policy: "2.5" for a rate of 2.5 %, "300000" for
 * money) for evaluations with these options.  The value is checked against
 * the parameter's type by zjtx_evaluate(), which fails on an unknown id or a
 * bad value.  @key selects one entry of a keyed parameter (NULL: all).
 */
ZJTX_API zjtx_status zjtx_options_set_param(zjtx_options *opts, const char *id, const char *key, const char *value,
                                            zjtx_error **err);

/**
 * zjtx_options_set_threads: how many threads zjtx_evaluate() may use (1,
 * the default: only the caller's, as a server calling from many threads
 * wants; 0: one per processor, as a batch run wants).  Results and their
 * order do not depend on it.  The threads are started at most once per
 * evaluation, by the first rule with enough subjects to share out, and are
 * gone when zjtx_evaluate() returns.
 */
ZJTX_API zjtx_status zjtx_options_set_threads(zjtx_options *opts, int threads, zjtx_error **err);

/**
 * zjtx_options_set_indicators: nonzero to compute the policy's indicators
 * (population targets) as well; they walk the whole population, so they
 * are off by default.
 */
ZJTX_API zjtx_status zjtx_options_set_indicators(zjtx_options *opts, int on, zjtx_error **err);

/**
 * zjtx_evaluate:
 * @facts: finished facts of the same policy, or of a policy with the
 *   same facts layout (zjtx_policy_same_facts_layout: a reform evaluated
 *   over the base's facts, read once).
 * @opts: (nullable): options; NULL means defaults.
 * @out: (out): the result, owned; zjtx_result_free().
 *
 * Fails (ZJTX_ERR_EVAL, ZJTX_ERR_OVERFLOW) only when the policy cannot be
 * computed at all; the error names the rule and record.
 * Thread-safety: reentrant; policy and facts are only read.
 */
ZJTX_API zjtx_status zjtx_evaluate(const zjtx_policy *policy, const zjtx_facts *facts, const zjtx_options *opts,
                                   zjtx_result **out, zjtx_error **err);

/**
 * zjtx_result_free: accepts NULL.  A result holds its own reference to the
 * policy and (since 0.2) to the facts it was computed from (ids,
 * explanations and derived values come from them), so policy, facts and
 * result may be freed in any order.
 */
ZJTX_API void zjtx_result_free(zjtx_result *result);
/** The period evaluated ("2025").  Borrowed. */
ZJTX_API const char *zjtx_result_period(const zjtx_result *result);

/*
 * Entitlements, in rule order then record order: one per (rule,
 * beneficiary), zero amounts left out.  Strings are borrowed from the result.
 */
ZJTX_API size_t zjtx_result_entitlement_count(const zjtx_result *result);
ZJTX_API const char *zjtx_result_entitlement_rule(const zjtx_result *result, size_t i);
/** The beneficiary entity ("enterprise", "county"). */
ZJTX_API const char *zjtx_result_entitlement_entity(const zjtx_result *result, size_t i);
/** The beneficiary's id (its key field). */
ZJTX_API const char *zjtx_result_entitlement_id(const zjtx_result *result, size_t i);
/** The amount in fen (0.01 yuan). */
ZJTX_API int64_t zjtx_result_entitlement_fen(const zjtx_result *result, size_t i);
/** The amount in yuan with exactly two decimals, e.g. "500000.00". */
ZJTX_API const char *zjtx_result_entitlement_amount(const zjtx_result *result, size_t i);

/**
 * zjtx_result_entitlement_related_id: the id of the @entity record the
 * beneficiary is, refers to (through a ref field) or belongs to (through
 * its parents) — e.g. the county of an enterprise, for totals per county.
 * NULL when there is none.  Borrowed from the facts.
 */
ZJTX_API const char *zjtx_result_entitlement_related_id(const zjtx_result *result, size_t i, const char *entity);

/*
 * Indicators: the policy's population targets (e.g. "400 certified firms
 * by the end of 2025"), each computed once over all the facts, in the
 * policy's order, when the options asked for them (none otherwise).
 * Strings are borrowed from the result.
 */
ZJTX_API size_t zjtx_result_indicator_count(const zjtx_result *result);
ZJTX_API const char *zjtx_result_indicator_id(const zjtx_result *result, size_t i);
ZJTX_API const char *zjtx_result_indicator_title(const zjtx_result *result, size_t i, const char *lang);
ZJTX_API const char *zjtx_result_indicator_clause(const zjtx_result *result, size_t i);
ZJTX_API const char *zjtx_result_indicator_unit(const zjtx_result *result, size_t i);
/** The value as text: "47", "52.5%", "1250000.00". */
ZJTX_API const char *zjtx_result_indicator_value(const zjtx_result *result, size_t i);
/** The target with its comparison: ">= 50", ">= 80%". */
ZJTX_API const char *zjtx_result_indicator_target(const zjtx_result *result, size_t i);
/** 1 when the value meets the target, else 0. */
ZJTX_API int zjtx_result_indicator_met(const zjtx_result *result, size_t i);
/**
 * zjtx_result_indicator_records / _lacking: over how many records the
 * indicator was computed (every record of the entities its aggregates
 * walked: "enterprises"), and how many records lacked data it read (a
 * missing optional field, whether the indicator then left the record out
 * with is_missing() or not).  An indicator whose value is missing has the
 * value "missing" and no target met.
 * Since: 0.2
 */
ZJTX_API size_t zjtx_result_indicator_records(const zjtx_result *result, size_t i);
ZJTX_API size_t zjtx_result_indicator_lacking(const zjtx_result *result, size_t i);

/* Violations, in check order then record order.  Borrowed strings. */
ZJTX_API size_t zjtx_result_violation_count(const zjtx_result *result);
ZJTX_API const char *zjtx_result_violation_check(const zjtx_result *result, size_t i);
/** The entity checked ("loan"), or the grouping field for grouped checks. */
ZJTX_API const char *zjtx_result_violation_entity(const zjtx_result *result, size_t i);
/** The offending record's id, or the group's key value. */
ZJTX_API const char *zjtx_result_violation_id(const zjtx_result *result, size_t i);

/*
 * Budgets (<budget>): one fund per budget, or per group of a budget with
 * group-by, in the policy's order, groups as the evaluation met them.
 * Amounts in fen.  Borrowed strings.
 * Since: 0.2
 */
ZJTX_API size_t zjtx_result_budget_count(const zjtx_result *result);
/** The budget's id; NULL when @i is out of range.  Since: 0.2 */
ZJTX_API const char *zjtx_result_budget_id(const zjtx_result *result, size_t i);
/** The group's value (a county's id), or NULL for a budget without group-by.  Since: 0.2 */
ZJTX_API const char *zjtx_result_budget_group(const zjtx_result *result, size_t i);
/**
 * zjtx_result_budget_amounts:
 * @cap_fen, @claims_fen, @paid_fen: (out) (nullable): the fund, the claims
 *   on it (the covered rules' amounts before it), and what is paid.
 * @scaled: (out) (nullable): 1 when the claims exceeded the fund and each
 *   was scaled pro rata, else 0; @undecided: (out) (nullable): 1 when a
 *   claim was undecided, so that none is paid yet, else 0.
 * Returns: 1, or 0 when @i is out of range.
 * Since: 0.2
 */
ZJTX_API int zjtx_result_budget_amounts(const zjtx_result *result, size_t i, int64_t *cap_fen, int64_t *claims_fen,
                                        int64_t *paid_fen, int *scaled, int *undecided);

/*
 * Undecided: the (rule or check, subject) pairs the facts held are not
 * enough to decide, because optional fields (declared required="false")
 * are missing and the outcome depends on them.  In rule order then record
 * order; each names the inputs it lacks (entity, record id, field), in the
 * order the evaluation met them.  A rule whose condition is false without
 * the missing values, or whose amount is zero without them, is decided
 * (not entitled) and is not listed here.  Borrowed strings.
 * Since: 0.2
 */
ZJTX_API size_t zjtx_result_undecided_count(const zjtx_result *result);
/** The rule's or check's id.  Since: 0.2 */
ZJTX_API const char *zjtx_result_undecided_rule(const zjtx_result *result, size_t i);
/** Whether it is a rule (entitlement) or a check.  Since: 0.2 */
ZJTX_API zjtx_rule_kind zjtx_result_undecided_kind(const zjtx_result *result, size_t i);
/** The subject entity (or the grouping field of a grouped rule).  Since: 0.2 */
ZJTX_API const char *zjtx_result_undecided_entity(const zjtx_result *result, size_t i);
/** The subject's id (or the group's key).  Since: 0.2 */
ZJTX_API const char *zjtx_result_undecided_id(const zjtx_result *result, size_t i);
/** How many missing inputs item @i names.  Since: 0.2 */
ZJTX_API size_t zjtx_result_undecided_missing_count(const zjtx_result *result, size_t i);
/** 1 when item @i lacks more inputs than it names (over 63).  Since: 0.2 */
ZJTX_API int zjtx_result_undecided_missing_more(const zjtx_result *result, size_t i);
/** Missing input @j of item @i: its entity, record id and field.  Since: 0.2 */
ZJTX_API const char *zjtx_result_undecided_missing_entity(const zjtx_result *result, size_t i, size_t j);
ZJTX_API const char *zjtx_result_undecided_missing_id(const zjtx_result *result, size_t i, size_t j);
ZJTX_API const char *zjtx_result_undecided_missing_field(const zjtx_result *result, size_t i, size_t j);

/**
 * zjtx_result_explain_entitlement / _violation: why the @i-th result is
 * what it is, as a tree: the rule (with its clause), its condition, the
 * amount formula before rounding, the rounding, each cap, and below them
 * every derived value, parameter (with date in force, source and status)
 * and aggregate the computation used.  Runs the evaluation of that one
 * result again, through the same code with its steps recorded, so the
 * explanation shows what the evaluation did; should it arrive at another
 * amount than the result's, the call fails (ZJTX_ERR_EVAL) rather than
 * explain a different amount.
 * @out: (out): owned; zjtx_explanation_free().
 */
ZJTX_API zjtx_status zjtx_result_explain_entitlement(const zjtx_result *result, size_t i, zjtx_explanation **out,
                                                     zjtx_error **err);
ZJTX_API zjtx_status zjtx_result_explain_violation(const zjtx_result *result, size_t i, zjtx_explanation **out,
                                                   zjtx_error **err);

/**
 * zjtx_result_derived_value: the value of derived value @name (one without
 * arguments) of the @entity record whose id is @id, under the result's
 * period and options, as text ("3%", "360000.00", "true", "gold").
 * @out: (out): owned; zjtx_free().  ZJTX_ERR_NOT_FOUND for an unknown
 * entity, record or derived value.
 */
ZJTX_API zjtx_status zjtx_result_derived_value(const zjtx_result *result, const char *entity, const char *id,
                                               const char *name, char **out, zjtx_error **err);

/** Flags of zjtx_result_to_json().  Fixed values, append-only.  Since: 0.2 */
typedef enum {
  ZJTX_JSON_DEFAULT = 0,
  ZJTX_JSON_EXPLAIN = 1, /* each entitlement and violation with its "explanation" tree */
  ZJTX_JSON_LINES = 2    /* JSON lines: one object per item, with its "type" */
} zjtx_json_flags;

/**
 * zjtx_result_to_json:
 * @result: a result.
 * @flags: zjtx_json_flags or'ed together.
 * @out: (out): the whole result as JSON, exactly what `zjtx evaluate
 *   --format json` (or, with ZJTX_JSON_LINES, `--format jsonl`) writes:
 *   {"policy", "period", "entitlements": [{"rule", "beneficiary", "id",
 *   "amount", "fen"}], "violations": [{"check", "entity", "id"}],
 *   "undecided": [{"rule" or "check", "beneficiary" or "entity", "id",
 *   "missing": [{"entity", "id", "field"}]}]}, one item a line, ending
 *   with a newline.  Amounts are strings in yuan, fen integers.  Owned;
 *   zjtx_free().
 * @err: (nullable): set on failure; free with zjtx_error_free().
 *
 * One call per result instead of several per entitlement, for bindings
 * that pay for every call across a foreign-function boundary.
 * Returns: ZJTX_OK; ZJTX_ERR_INVALID_ARG for NULL arguments or unknown
 *   flags; with ZJTX_JSON_EXPLAIN, what zjtx_result_explain_entitlement()
 *   returns when an item cannot be explained.
 * Thread-safety: reentrant; the result is only read.
 * Since: 0.2
 */
ZJTX_API zjtx_status zjtx_result_to_json(const zjtx_result *result, int flags, char **out, zjtx_error **err);

/** Node kinds of an explanation.  Fixed values, append-only. */
typedef enum {
  ZJTX_NODE_RULE = 1,      /* the root: rule id, title and clause */
  ZJTX_NODE_CONDITION = 2, /* the rule's condition and its value */
  ZJTX_NODE_FORMULA = 3,   /* the amount formula, value before rounding */
  ZJTX_NODE_ROUNDING = 4,  /* the rounding applied */
  ZJTX_NODE_CAP = 5,       /* a cap and whether it bound */
  ZJTX_NODE_DERIVED = 6,   /* a derived value used */
  ZJTX_NODE_PARAM = 7,     /* a parameter value used */
  ZJTX_NODE_AGGREGATE = 8, /* an aggregate over related records */
  ZJTX_NODE_RESULT = 9,    /* the final amount or verdict */
  /* Since: 0.2 */
  ZJTX_NODE_SUBJECT = 10, /* the root of zjtx_result_explain_subject(): label the entity, value the id */
  ZJTX_NODE_FAILED = 11,  /* a condition that decided the outcome; attrs condition, left, right, gap, ... */
  ZJTX_NODE_FACT = 12,    /* a field read; attrs entity, id, field, title, type */
  ZJTX_NODE_RECORD = 13,  /* a record an aggregate considered; attrs entity, id, matched */
  ZJTX_NODE_BOUND = 14,   /* which argument of a min() or max() gave its value; attrs function, argument, index */
  ZJTX_NODE_MISSING = 15, /* an input an undecided rule lacks; attrs entity, id, field, title */
  /* Since: 0.2 */
  ZJTX_NODE_TABLE = 16, /* a value looked up in a <table>; reference and attr bands: band by band; attrs table,
                           table_kind, input, bands_from */
  ZJTX_NODE_BUDGET = 17 /* a <budget> scaled the claim; reference and attr note: "预算 X 元，申报合计 Y 元，按 Z% 核定";
                           attrs budget, group, cap, claims, claim, paid */
} zjtx_node_kind;

/**
 * zjtx_outcome: what a rule decided for one subject.  Fixed values,
 * append-only.  An undecided rule's RULE node has a ZJTX_NODE_MISSING
 * child for each input it lacks.
 * Since: 0.2
 */
typedef enum {
  ZJTX_OUTCOME_NONE = 0,         /* not a rule node */
  ZJTX_OUTCOME_ENTITLED = 1,     /* an entitlement rule pays a nonzero amount */
  ZJTX_OUTCOME_NOT_ENTITLED = 2, /* its condition is false, or the amount is zero */
  ZJTX_OUTCOME_UNDECIDED = 3,    /* the facts held are not enough: inputs are missing */
  ZJTX_OUTCOME_VIOLATED = 4,     /* a check's condition holds: a violation */
  ZJTX_OUTCOME_COMPLIED = 5      /* a check's condition is false */
} zjtx_outcome;

/**
 * zjtx_outcome_name: "entitled", "not_entitled", "undecided", "violated",
 * "complied", or "" for ZJTX_OUTCOME_NONE and unknown values.  Static.
 * Since: 0.2
 */
ZJTX_API const char *zjtx_outcome_name(zjtx_outcome outcome);

/**
 * zjtx_result_explain_subject:
 * @result: a result.
 * @entity: the entity of the record ("enterprise").
 * @id: the record's id (its key field).
 * @rule: (nullable): one rule or check id; NULL for every rule and check
 *   whose subject is @entity (grouped ones excepted).
 * @out: (out): owned; zjtx_explanation_free().
 * @err: (nullable): set on failure; free with zjtx_error_free().
 *
 * Why and why not, for one record: node 0 is a ZJTX_NODE_SUBJECT and each
 * of its children a ZJTX_NODE_RULE whose outcome
 * (zjtx_explanation_node_outcome()) says what the rule decided.  Below an
 * entitled rule: its condition, amount formula, rounding and caps with the
 * facts read (ZJTX_NODE_FACT), parameters (attrs id, key, on, from, status,
 * source), derived values, aggregates with the records they matched or
 * skipped (ZJTX_NODE_RECORD) and which argument of a min()/max() bound
 * (ZJTX_NODE_BOUND).  Below a rule not entitled: a ZJTX_NODE_FAILED for
 * each part of the condition that decided it (with `and` every false
 * operand, with `or` all of them), with attrs condition, left, right,
 * operator, and for a number, money, rate or date `gap` (how far the left
 * side is from making it true: yuan, percentage points or days; `unit`,
 * `direction` "increase" or "decrease", `strict` "true" when it must go
 * beyond the gap) or for a code, text or bool `needed`; an aggregate's
 * FAILED node has a RECORD child per record considered, each with the
 * FAILED parts of its `where`.  Below an undecided rule: a
 * ZJTX_NODE_MISSING for each input it lacks.  The rule is run again through the
 * evaluation's own code with its trace on: nothing is computed twice.
 * Returns: ZJTX_OK; ZJTX_ERR_INVALID_ARG for NULL arguments;
 *   ZJTX_ERR_NOT_FOUND for an unknown entity, record or rule;
 *   ZJTX_ERR_EVAL when the rule cannot be evaluated.
 * Thread-safety: reentrant; the result is only read.
 * Since: 0.2
 */
ZJTX_API zjtx_status zjtx_result_explain_subject(const zjtx_result *result, const char *entity, const char *id,
                                                 const char *rule, zjtx_explanation **out, zjtx_error **err);

/*
 * Nodes are numbered 0..count-1 in depth-first order; node 0 is the root.
 * Strings are borrowed from the explanation.
 */
ZJTX_API size_t zjtx_explanation_node_count(const zjtx_explanation *ex);
ZJTX_API zjtx_node_kind zjtx_explanation_node_kind(const zjtx_explanation *ex, size_t node);
/** Parent node index, or (size_t)-1 for the root. */
ZJTX_API size_t zjtx_explanation_node_parent(const zjtx_explanation *ex, size_t node);
/** What the node is: a rule id, derived name, parameter id, expression... */
ZJTX_API const char *zjtx_explanation_node_label(const zjtx_explanation *ex, size_t node);
/** Its value as text ("12500.00", "true", "2025-05-20"). */
ZJTX_API const char *zjtx_explanation_node_value(const zjtx_explanation *ex, size_t node);
/** Where it comes from: a clause, a parameter's source and status; or NULL. */
ZJTX_API const char *zjtx_explanation_node_reference(const zjtx_explanation *ex, size_t node);
/**
 * zjtx_explanation_node_outcome: a RULE node's outcome in an explanation
 * of zjtx_result_explain_subject(); ZJTX_OUTCOME_NONE otherwise.
 * Since: 0.2
 */
ZJTX_API zjtx_outcome zjtx_explanation_node_outcome(const zjtx_explanation *ex, size_t node);
/**
 * zjtx_explanation_node_attr: the structured field @name of a node ("id",
 * "from", "status", "source" of a parameter; "entity", "id", "field",
 * "title" of a fact; "left", "right", "gap" of a failed condition ...), or
 * NULL when it has none.  Borrowed from the explanation.
 * Since: 0.2
 */
ZJTX_API const char *zjtx_explanation_node_attr(const zjtx_explanation *ex, size_t node, const char *name);
/**
 * zjtx_explanation_node_attr_count / _attr_name: the node's structured
 * fields, in order, by index (0 .. count-1); a name is borrowed, NULL past
 * the end.
 * Since: 0.2
 */
ZJTX_API size_t zjtx_explanation_node_attr_count(const zjtx_explanation *ex, size_t node);
ZJTX_API const char *zjtx_explanation_node_attr_name(const zjtx_explanation *ex, size_t node, size_t k);
/**
 * zjtx_explanation_to_sentences: the explanation in sentences a person
 * reads, in @lang ("zh"; "en" for English), money with two decimals and
 * thousands separators: "研发费用 21,500,000.00 元 × ... 依据：条款 三(六)。"
 * One paragraph per rule.  Owned, zjtx_free(); NULL for an explanation of
 * no rule.
 * Since: 0.2
 */
ZJTX_API char *zjtx_explanation_to_sentences(const zjtx_explanation *ex, const char *lang);
/** The whole tree as a JSON object; owned, zjtx_free(). */
ZJTX_API char *zjtx_explanation_to_json(const zjtx_explanation *ex);
/** The whole tree as indented text; owned, zjtx_free(). */
ZJTX_API char *zjtx_explanation_to_text(const zjtx_explanation *ex);
ZJTX_API void zjtx_explanation_free(zjtx_explanation *ex);

#ifdef __cplusplus
}
#endif
#endif
