/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* model.h - the checked policy model: what the XML loader builds, the
 * compiler annotates with code, and the evaluator runs.  Internal.
 *
 * Pipeline: load/ (XML -> model) -> compile/ (expression text -> AST ->
 * names and types -> bytecode kept in the model) -> vm/ and eval/ (the
 * bytecode run over facts/) -> explain/.
 *
 * The model layer sits above base/ only: policy.c, value.c and expr.c
 * implement it and include nothing of the compiler or the loader. */
#ifndef ZJTX_MODEL_H
#define ZJTX_MODEL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "decimal.h"
#include "zjtx/zjtx.h"

/* ---- types of the expression language ---------------------------------- */

typedef enum {
  ZT_VOID = 0,
  ZT_BOOL,
  ZT_NUMBER, /* dimensionless exact decimal (counts, days, factors) */
  ZT_MONEY,  /* yuan */
  ZT_RATE,   /* a fraction; written in percent (2% == 0.02) */
  ZT_DATE,
  ZT_TEXT,
  ZT_CODE,   /* a value of a closed code list: ref = code set index */
  ZT_RECORD, /* a record: ref = entity index */
  ZT_COLL    /* a collection of records: ref = entity index (not a value) */
} ztype_kind;

typedef struct {
  ztype_kind kind;
  int32_t ref;         /* code set or entity index, -1 otherwise */
  bool may_be_missing; /* the value may be missing (an optional field read on the way) */
} ztype;

static inline bool ztype_is_decimal(ztype t) {
  return t.kind == ZT_NUMBER || t.kind == ZT_MONEY || t.kind == ZT_RATE;
}

/* A value on the VM stack.  Its type is known statically, so the union is
 * untagged but for one thing: a value may be MISSING (an optional field
 * with no value, or anything computed from one).  A missing value has
 * `missing.tag == ZVAL_MISSING` and, in `missing.inputs`, one bit per
 * input it lacks (vm.h: zvm's missing-input list).  The tag shares its
 * place with the decimal's scale, which is never negative, so a decimal is
 * missing or not without a store of its own; every other value the VM
 * makes clears the tag (zval_set_present).  Nothing 32 bytes wide grows. */
typedef union {
  zdec d; /* number, money, rate */
  zdate date;
  int32_t rec;  /* record index within its (statically known) entity */
  int32_t code; /* index into the code set */
  bool b;
  const char *s;        /* text, borrowed from facts or policy */
  const int32_t *items; /* aggregate iteration cursor (vm.c) */
  struct {
    uint64_t inputs; /* bit i: the i-th missing input of this evaluation */
    uint64_t unused;
    int32_t tag; /* ZVAL_MISSING, or anything else when the value is there */
  } missing;
} zval;

#define ZVAL_MISSING INT32_MIN
_Static_assert(offsetof(zval, missing.tag) == offsetof(zdec, scale), "the missing tag must overlay zdec.scale");

static inline bool zval_is_missing(const zval *v) {
  return v->missing.tag == ZVAL_MISSING;
}
static inline zval zval_missing(uint64_t inputs) {
  zval v = {.missing = {inputs, 0, ZVAL_MISSING}};
  return v;
}
/* For a value that is not a decimal: marks it present (a decimal's scale
 * already says so). */
static inline void zval_set_present(zval *v) {
  v->missing.tag = 0;
}

/* ---- positions and texts ------------------------------------------------- */

typedef struct {
  const char *file; /* interned in the policy */
  int line, column;
} zpos;

typedef struct {
  char *zh, *en;
} ztext2; /* a bilingual title */
/* The title in `lang` ("en", otherwise Chinese), else the other one, else
 * `fallback`. */
const char *ztext2_pick(const ztext2 *t, const char *lang, const char *fallback);

/* ---- entities and facts layout ------------------------------------------ */

typedef enum { ZF_TEXT, ZF_MONEY, ZF_RATE, ZF_COUNT, ZF_NUMBER, ZF_DATE, ZF_BOOL, ZF_CODE, ZF_REF } zfield_type;

typedef struct {
  char *name;
  GPtrArray *values; /* char* code values, in declared (ascending) order */
  GPtrArray *titles; /* char* zh titles or NULL, parallel to values */
  bool ordered;      /* < > max min allowed */
} zcodeset;

typedef struct {
  char *name;
  zfield_type type;
  int32_t codeset;      /* ZF_CODE */
  int32_t ref_entity;   /* ZF_REF */
  char *validator_name; /* identifier validator, or NULL */
  void *validator;      /* zident_validator */
  bool required;
  bool negative_ok; /* money: may be negative */
  ztext2 title;
  zpos pos;
} zfield;

/* Field type names as written in a policy (type="money"), both ways. */
const char *zfield_type_name(zfield_type t);
bool zfield_type_parse(const char *name, zfield_type *out);

typedef enum {
  ZREL_CHILDREN, /* parent's children (child entity declares parent) */
  ZREL_INVERSE   /* records of `entity` whose ref field `via` names this one */
} zrel_kind;

typedef struct {
  char *name; /* name in expressions, e.g. "honors", "located_projects" */
  zrel_kind kind;
  int32_t owner;     /* entity that has the relation */
  int32_t target;    /* entity of the records in it */
  int32_t via_field; /* ZREL_INVERSE: field of target; -1 for children */
  int32_t index;     /* index of this relation in policy->relations */
} zrelation;

/* <unique fields="year"/> in an entity: no two records of one parent (of
 * the whole entity when it has no parent) have the same values of these
 * fields; checked on the facts when they are finished. */
typedef struct {
  GArray *fields; /* int32 field indexes, as written */
  zpos pos;
} zunique;

typedef struct {
  char *name, *plural;
  int32_t index;
  int32_t parent;    /* parent entity or -1 */
  char *parent_key;  /* field name children use for the parent's key */
  int32_t key_field; /* field holding the record's id, or -1 */
  char *label;       /* text field naming a record for people (label=), or NULL */
  GPtrArray *fields; /* zfield* */
  GArray *relations; /* int32 indexes into policy->relations */
  GPtrArray *unique; /* zunique*, or NULL when the entity declares none */
  ztext2 title;
  zpos pos;
} zentity;

/* ---- parameters ---------------------------------------------------------- */

typedef struct {
  zdate from;
  int32_t key; /* code index, or -1 for an unkeyed value */
  zval value;
  char *from_text, *key_text, *value_text;
  const char *origin; /* id of the policy (or reform) that set it; interned */
} zparam_value;

typedef struct {
  char *id;
  ztype type;
  int32_t key_codeset; /* keyed by a code set, or -1 */
  bool has_default;    /* value for keys without an entry */
  zval default_value;
  char *unit, *source, *origin;
  char *amended_by; /* the reform that last amended its values, or NULL */
  zjtx_param_status status;
  bool negative_ok; /* money, rate, number: declared negative="allowed" */
  ztext2 title;
  GArray *values; /* zparam_value, sorted by (key, from) */
  int32_t index;
  zpos pos;
} zparam;

/* ---- compiled code ------------------------------------------------------- */

typedef struct {
  uint8_t op;
  uint8_t a;
  uint16_t b;
  int32_t c;
} zinstr;

typedef struct {
  GArray *code;      /* zinstr */
  int32_t max_stack; /* deepest value stack use of this block alone */
  int32_t n_locals;  /* local slots this block uses (args first) */
  GArray *calls;     /* int32 derived indexes this block calls */
  int32_t param;     /* 1 + the parameter when the block only reads it (PARAM undated unkeyed; RET), else 0 */
  GArray *fast;      /* zinstr: the batch form (vm-fast.c), or NULL when it is the code itself */
} zblock;

struct zexpr; /* AST, expr.h */

/* A piece of expression text with where it came from. */
typedef struct {
  char *text;
  zpos pos;
  struct zexpr *ast; /* after parsing */
  zblock block;      /* after compiling */
  ztype type;
} zsource_expr;

/* ---- derived values ------------------------------------------------------ */

typedef struct {
  char *name;
  int32_t entity;       /* derived values live on an entity (-1: global) */
  ztype type;           /* declared type */
  GPtrArray *arg_names; /* char* */
  GArray *arg_types;    /* ztype */
  zsource_expr expr;
  ztext2 title;
  char *origin;        /* policy id that declared it */
  char *overridden_by; /* policy id of an override, or NULL */
  int32_t inherited;   /* index of the derived it overrides, or -1 */
  int32_t index;
  bool hidden;                       /* an overridden original, reachable via `inherited` */
  int state;                         /* compile state: 0 not yet, 1 compiling, 2 done */
  int32_t total_stack, total_locals; /* with everything it calls (link) */
  bool kept_per_subject; /* some rule calls it twice without arguments: computed once per subject (compile-rule.c) */
} zderived;

/* ---- rules and checks ---------------------------------------------------- */

typedef struct {
  zsource_expr expr;
  char *label;     /* optional name of the cap */
  char *reference; /* optional clause or source */
} zcap;

typedef struct {
  char *id;
  zjtx_rule_kind kind;
  ztext2 title;
  char *clause;
  char *origin;
  int32_t subject;     /* entity each result is about */
  int32_t group_field; /* check/rule grouped by this field of subject, or -1 */
  bool has_filter, has_condition;
  zsource_expr filter; /* grouped: which subject records join groups */
  zsource_expr condition;
  bool has_amount;
  zsource_expr amount; /* entitlements */
  zround_mode rounding;
  int rounding_places; /* 2 = fen */
  GPtrArray *caps;     /* zcap* */
  char *exclusive;     /* 就高不重复 group name, or NULL */
  int32_t index;
  bool removed; /* by a reform's <remove-rule> */
  zpos pos;
  /* rules that use rules (compile-rule.c): compile state (0 not yet, 1
   * compiling, 2 done); whether an expression names the rule's amount (the
   * evaluation then keeps it per record); whether that amount may be
   * undecided (its condition, amount or a cap may be missing) */
  int state;
  bool used;
  bool may_be_undecided;
  /* rules with one condition (compile-rule.c): the rule evaluated earlier
   * whose condition this one's is, instruction for instruction, or -1; and
   * whether a later rule's is this one's (its outcomes are then kept per
   * record while evaluating) */
  int32_t same_condition;
  bool condition_kept;
} zrule;

/* ---- indicators: population aggregates with a target --------------------- */

typedef struct {
  char *id;
  ztext2 title;
  char *clause, *unit, *origin;
  zsource_expr value; /* compiled in the population scope */
  int target_op;      /* zop: the value must be <op> the target */
  char *target_text;
  zval target;
  zpos pos;
} zindicator;

/* An aggregate's label and type, for explanations (OP_TRACE_AGG). */
typedef struct {
  char *label;
  ztype type;
} zagg_info;

/* ---- tables (<table>): tier and marginal schedules (scale.c) ------------- */

typedef enum {
  ZSCALE_TIER,    /* the value of the highest threshold reached (阶梯) */
  ZSCALE_MARGINAL /* each band's rate times the part of the input in it, summed (超额累进) */
} zscale_kind;

typedef struct {
  zdec at;     /* threshold, of the table's input type */
  zval value;  /* tier: of the table's type; marginal: a rate */
  char *label; /* optional: how the policy names the band ("2000万元以上"), or NULL */
  char *at_text, *value_text;
} zscale_band;

/* The bands in force from one date, thresholds strictly increasing. */
typedef struct {
  zdate from;
  char *from_text;
  GArray *bands; /* zscale_band */
} zscale_bands;

typedef struct {
  char *id;
  zscale_kind kind;
  ztype input;    /* money or number: what is looked up */
  ztype type;     /* tier: money, rate or number; marginal: rate */
  bool exclusive; /* tier: a threshold is reached only when exceeded (超过), not when met (以上) */
  char *unit, *source, *origin;
  zjtx_param_status status;
  ztext2 title;
  GArray *schedules; /* zscale_bands, sorted by from */
  int32_t index;
  zpos pos;
} zscale;

/* The bands of t in force on `on`, or NULL. */
const zscale_bands *zscale_bands_on(const zscale *t, zdate on);
/* t's value for x under bands b into *out (tier: the value of the band
 * reached, 0 below the first; marginal: the input's type); *band: the
 * tier's band index or the marginal's last band used, -1 for none.  False
 * on overflow. */
bool zscale_apply(const zscale *t, const zscale_bands *b, zdec x, zdec *out, int *band);
/* The computation band by band, for explanations: "20,000,000.00 以上:
 * 500,000.00", or for a marginal table one line per band used
 * ("1,000,000.00 - 1,500,000.00: 500,000.00 x 5% = 25,000.00").  Newly
 * allocated, lines separated by '\n'. */
char *zscale_explain(const zscale *t, const zscale_bands *b, zdec x);
zscale *zscale_new(void);
void zscale_free(zscale *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(zscale, zscale_free)

/* ---- budgets: a fund capping the total of rules (<budget>) --------------- */

typedef struct {
  char *id;
  ztext2 title;
  char *clause, *origin;
  char *cap_id;        /* a money parameter: the fund (per group when group-by) */
  int32_t cap;         /* its index, once linked */
  char *group_by;      /* a field of the rules' subject, or NULL: one fund for all */
  int32_t group_field; /* its index, or -1 */
  int32_t subject;     /* the rules' subject entity, once linked */
  bool ties_by_id;     /* ties of the largest remainder: by beneficiary id, else in result order */
  GPtrArray *rule_ids; /* char*: the rules it caps, as written */
  GArray *rules;       /* int32 rule indexes, once linked */
  zpos pos;
} zbudget;

void zbudget_free(zbudget *b);
/* The budget capping rule r, or NULL. */
const zbudget *zpolicy_rule_budget(const struct zjtx_policy *p, const zrule *r);

/* ---- the policy ---------------------------------------------------------- */

struct zjtx_policy {
  gint refcount;
  char *id, *version, *jurisdiction, *document, *default_period;
  char *document_status; /* <document status=>: "draft", "published", "repealed" or NULL */
  /* <period unit= start-month=>: a calendar year unless declared */
  zperiod_kind period_kind;
  ztext2 title;
  GPtrArray *origins;                        /* char* ids of this policy and its bases, base first */
  GPtrArray *entities;                       /* zentity* */
  GPtrArray *codesets;                       /* zcodeset* */
  GPtrArray *relations;                      /* zrelation* */
  GPtrArray *params;                         /* zparam* */
  GPtrArray *derived;                        /* zderived* */
  GPtrArray *rules;                          /* zrule*: entitlements and checks, in order */
  GPtrArray *indicators;                     /* zindicator* */
  GHashTable *entity_by_name, *param_by_id;  /* -> index+1 (GINT_TO_POINTER) */
  GStringChunk *strings;                     /* interned file names etc. */
  GArray *consts;                            /* zval constant pool of all compiled code */
  GArray *aggregates;                        /* zagg_info of every compiled aggregate */
  GHashTable *derived_by_name;               /* "entity\tname" -> the visible (not overridden) zderived*; built
                                              * by the loader, immutable after load (zpolicy_find_derived) */
  int32_t max_stack, max_locals, max_frames; /* evaluator sizing */
  GArray *rule_order;                        /* int32: rule indexes in evaluation order, a rule after every rule
                                              * it uses (zcompile_rule_order); policy order otherwise */
  GPtrArray *compiling;                      /* char*: what is being compiled, outermost first, while loading (the
                                              * path of a cycle); NULL after */
  GPtrArray *scales;                         /* zscale*: tier and marginal schedules */
  int32_t n_caches;                          /* population aggregates computed once per run (CACHE_LOAD) */
  GPtrArray *budgets;                        /* zbudget* */
};

/* The table `id`, or NULL. */
zscale *zpolicy_find_scale(const struct zjtx_policy *p, const char *id);

/* Look-ups; -1 when absent. */
int32_t zpolicy_entity_index(const struct zjtx_policy *p, const char *name);
int32_t zpolicy_param_index(const struct zjtx_policy *p, const char *id);
int32_t zentity_field_index(const zentity *e, const char *name);
int32_t zcodeset_find(const zcodeset *cs, const char *value, size_t len);
static inline zentity *zpolicy_entity(const struct zjtx_policy *p, int32_t i) {
  return g_ptr_array_index(p->entities, i);
}
static inline zfield *zentity_field(const zentity *e, int32_t i) {
  return g_ptr_array_index(e->fields, i);
}
ztype zfield_value_type(const zfield *f);
/* The visible derived value `name` of entity (an override hides what it
 * replaces), or NULL. */
zderived *zpolicy_find_derived(const struct zjtx_policy *p, int32_t entity, const char *name);
/* Whether facts read for policy a can be evaluated under b as they are:
 * the same entities, fields (names, types, optional or not, code lists),
 * keys, parents and relations, in the same order (a reform that changes
 * only parameters, rules and derived values). */
bool zpolicy_same_facts_layout(const struct zjtx_policy *a, const struct zjtx_policy *b);
/* Makes d the visible derived value of its entity and name (loader). */
void zpolicy_index_derived(struct zjtx_policy *p, zderived *d);

/* ---- type names ------------------------------------------------------------ */

/* "nothing", "bool", "number", "money", ... "collection". */
const char *ztype_kind_name(ztype_kind k);
/* A value type as written in a policy: money, rate, number, bool, date,
 * text or code (ref -1). */
bool zvalue_type_parse(const char *name, ztype *out);

/* ---- values written as text (value.c) --------------------------------------- */

/* Parses a value written in a policy or on the command line for a parameter
 * of type t ("2" for a 2 % rate).  Returns NULL or a phrase saying what was
 * expected ("a number with at most 18 decimal places"). */
const char *zpolicy_parse_value(ztype t, const char *text, zval *out);
/* A decimal written with the right syntax that zdec_parse still refuses:
 * "too many decimal places (at most 18)" or "out of range (at most 36
 * significant digits)"; NULL when its syntax is wrong (or it is fine). */
const char *zvalue_decimal_problem(const char *text, size_t len);
/* Whether v is in the range parameter p allows: money and rates are not
 * negative unless p is declared negative="allowed".  If not, *why (when
 * not NULL) is a newly allocated phrase that follows the value ("is
 * negative (...)").  For values in policy files and overrides alike. */
bool zparam_check_value(const zparam *p, const zval *v, char **why);

/* ---- lifetime ---------------------------------------------------------------- */

/* Empty policy with refcount 1; freed by zjtx_policy_unref. */
struct zjtx_policy *zpolicy_new(void);
void zrule_free(zrule *r);
void zcap_free(zcap *c);
void zparam_free(zparam *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(zrule, zrule_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(zcap, zcap_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(zparam, zparam_free)

#endif
