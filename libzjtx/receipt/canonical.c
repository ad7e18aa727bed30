/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* canonical.c - the policy, the facts and the results as canonical text: one
 * line per item, fields separated by tabs (docs/receipts.md). */
#include <inttypes.h>
#include <string.h>

#include "canonical.h"
#include "expr.h"
#include "facts-store.h"

/* Bytes kept before they are hashed: large enough that the digests run
 * over long stretches, small enough to stay in cache. */
#define ZCANON_CHUNK (64 * 1024)

void zcanon_init(zcanon *c, bool keep) {
  c->text = g_string_sized_new(keep ? 4096 : ZCANON_CHUNK + 1024);
  c->keep = keep;
  sha256_init(&c->sha256);
  sm3_init(&c->sm3);
}

static void flush(zcanon *c) {
  sha256_update(&c->sha256, c->text->len, (const uint8_t *)c->text->str);
  sm3_update(&c->sm3, c->text->len, (const uint8_t *)c->text->str);
  g_string_truncate(c->text, 0);
}

static void to_hex(const uint8_t *digest, size_t n, char *hex) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 15];
  }
  hex[2 * n] = '\0';
}

void zcanon_finish(zcanon *c, char *sha256_hex, char *sm3_hex) {
  uint8_t sha[SHA256_DIGEST_SIZE], sm[SM3_DIGEST_SIZE];
  flush(c);
  sha256_digest(&c->sha256, sizeof sha, sha);
  sm3_digest(&c->sm3, sizeof sm, sm);
  to_hex(sha, sizeof sha, sha256_hex);
  to_hex(sm, sizeof sm, sm3_hex);
}

void zcanon_clear(zcanon *c) {
  if (c->text)
    g_string_free(c->text, TRUE);
  c->text = NULL;
}

/* ---- the pieces of a line -------------------------------------------------- */

static void end_line(zcanon *c) {
  g_string_append_c(c->text, '\n');
  if (!c->keep && c->text->len >= ZCANON_CHUNK)
    flush(c);
}

/* A value: its bytes, with backslash, tab, newline and carriage return
 * escaped so that tabs and newlines only ever separate; NULL (absent) as
 * \N, which no value can read as (a backslash is always doubled). */
static void put(zcanon *c, const char *s) {
  if (!s) {
    g_string_append(c->text, "\\N");
    return;
  }
  for (; *s; s++) {
    switch (*s) {
    case '\\':
      g_string_append(c->text, "\\\\");
      break;
    case '\t':
      g_string_append(c->text, "\\t");
      break;
    case '\n':
      g_string_append(c->text, "\\n");
      break;
    case '\r':
      g_string_append(c->text, "\\r");
      break;
    default:
      g_string_append_c(c->text, *s);
    }
  }
}

/* A tab, then the value. */
static void field(zcanon *c, const char *s) {
  g_string_append_c(c->text, '\t');
  put(c, s);
}

/* The first field of a line: its kind, a word of our own. */
static void begin(zcanon *c, const char *kind) {
  g_string_append(c->text, kind);
}

/* An exact decimal with `places` decimals (rounding never happens: every
 * caller passes the value's own scale or a finer one). */
static void field_decimal(zcanon *c, zdec d, int places) {
  char buf[ZDEC_BUFSZ];
  field(c, zdec_format(d, places, buf));
}

/* A decimal without trailing zeros ("2", "0.025"): values of the policy,
 * whose scale is how they were written, not a property of their type. */
static void field_decimal_short(zcanon *c, zdec d) {
  char buf[ZDEC_BUFSZ];
  field(c, zdec_format(d, -1, buf));
}

static void field_date(zcanon *c, zdate d) {
  char buf[16];
  field(c, zdate_format(d, buf));
}

static void field_bool(zcanon *c, bool b) {
  field(c, b ? "true" : "false");
}

/* ---- the policy ------------------------------------------------------------ */

static const char *entity_name(const zjtx_policy *p, int32_t e) {
  return e >= 0 ? zpolicy_entity(p, e)->name : NULL;
}

static const zcodeset *codeset_at(const zjtx_policy *p, int32_t i) {
  return g_ptr_array_index(p->codesets, i);
}

/* "money", "code:level", "record:enterprise", "collection:loan". */
static void field_type(zcanon *c, const zjtx_policy *p, ztype t) {
  g_autofree char *s = NULL;
  if (t.kind == ZT_CODE && t.ref >= 0)
    s = g_strdup_printf("%s:%s", ztype_kind_name(t.kind), codeset_at(p, t.ref)->name);
  else if ((t.kind == ZT_RECORD || t.kind == ZT_COLL) && t.ref >= 0)
    s = g_strdup_printf("%s:%s", ztype_kind_name(t.kind), entity_name(p, t.ref));
  field(c, s ? s : ztype_kind_name(t.kind));
}

/* A parameter's value (its default=) in the canonical short form. */
static void field_value(zcanon *c, const zjtx_policy *p, ztype t, const zval *v) {
  switch (t.kind) {
  case ZT_NUMBER:
  case ZT_MONEY:
  case ZT_RATE:
    field_decimal_short(c, v->d);
    break;
  case ZT_DATE:
    field_date(c, v->date);
    break;
  case ZT_BOOL:
    field_bool(c, v->b);
    break;
  case ZT_CODE:
    field(c, t.ref >= 0 && v->code >= 0 ? g_ptr_array_index(codeset_at(p, t.ref)->values, v->code) : NULL);
    break;
  default:
    field(c, v->s);
  }
}

static void policy_head(zcanon *c, const zjtx_result *res) {
  const zjtx_policy *p = res->policy;
  begin(c, ZCANON_POLICY_HEADER);
  end_line(c);
  begin(c, "policy");
  field(c, p->id);
  field(c, p->version);
  field(c, p->jurisdiction);
  field(c, p->document);
  field(c, p->default_period);
  end_line(c);
  for (guint i = 0; i < p->origins->len; i++) {
    begin(c, "origin");
    field(c, g_ptr_array_index(p->origins, i));
    end_line(c);
  }
  begin(c, "period");
  field(c, zjtx_result_period(res));
  end_line(c);
  if (p->period_kind.unit != ZPERIOD_YEAR) {
    /* a calendar year says nothing more (receipts made before other
     * periods existed stay the same); any other unit is part of the policy */
    char month[4];
    g_snprintf(month, sizeof month, "%d", p->period_kind.start_month);
    begin(c, "period-unit");
    field(c, zperiod_unit_name(p->period_kind.unit));
    field(c, month);
    end_line(c);
  }
  for (guint i = 0; res->options->sets && i < res->options->sets->len; i++) {
    const zparam_set *s = g_ptr_array_index(res->options->sets, i);
    begin(c, "set");
    field(c, s->id);
    field(c, s->key);
    field(c, s->value);
    end_line(c);
  }
}

static void policy_codesets(zcanon *c, const zjtx_policy *p) {
  for (guint i = 0; i < p->codesets->len; i++) {
    const zcodeset *cs = codeset_at(p, (int32_t)i);
    begin(c, "codeset");
    field(c, cs->name);
    field(c, cs->ordered ? "ordered" : "unordered");
    for (guint v = 0; v < cs->values->len; v++)
      field(c, g_ptr_array_index(cs->values, v));
    end_line(c);
  }
}

static void policy_field(zcanon *c, const zjtx_policy *p, const zentity *e, const zfield *fd) {
  begin(c, "field");
  field(c, e->name);
  field(c, fd->name);
  field(c, zfield_type_name(fd->type));
  field(c, fd->required ? "required" : "optional");
  field(c, fd->type == ZF_CODE  ? codeset_at(p, fd->codeset)->name
           : fd->type == ZF_REF ? entity_name(p, fd->ref_entity)
                                : NULL);
  field(c, fd->validator_name);
  field(c, fd->negative_ok ? "negative-allowed" : "not-negative");
  end_line(c);
}

static void policy_entities(zcanon *c, const zjtx_policy *p) {
  for (guint i = 0; i < p->entities->len; i++) {
    const zentity *e = zpolicy_entity(p, (int32_t)i);
    begin(c, "entity");
    field(c, e->name);
    field(c, e->plural);
    field(c, entity_name(p, e->parent));
    field(c, e->parent >= 0 ? e->parent_key : NULL);
    field(c, e->key_field >= 0 ? zentity_field(e, e->key_field)->name : NULL);
    end_line(c);
    for (guint f = 0; f < e->fields->len; f++)
      policy_field(c, p, e, zentity_field(e, (int32_t)f));
  }
  for (guint i = 0; i < p->relations->len; i++) {
    const zrelation *r = g_ptr_array_index(p->relations, i);
    begin(c, "relation");
    field(c, entity_name(p, r->owner));
    field(c, r->name);
    field(c, r->kind == ZREL_CHILDREN ? "children" : "inverse");
    field(c, entity_name(p, r->target));
    field(c, r->via_field >= 0 ? zentity_field(zpolicy_entity(p, r->target), r->via_field)->name : NULL);
    end_line(c);
  }
}

static void policy_params(zcanon *c, const zjtx_policy *p) {
  for (guint i = 0; i < p->params->len; i++) {
    const zparam *pa = g_ptr_array_index(p->params, i);
    begin(c, "param");
    field(c, pa->id);
    field_type(c, p, pa->type);
    field(c, pa->key_codeset >= 0 ? codeset_at(p, pa->key_codeset)->name : NULL);
    field(c, pa->status == ZJTX_PARAM_ASSUMED ? "assumed" : "published");
    field(c, pa->unit);
    field(c, pa->source);
    if (pa->has_default)
      field_value(c, p, pa->type, &pa->default_value);
    else
      field(c, NULL);
    field(c, pa->negative_ok ? "negative-allowed" : "not-negative");
    field(c, pa->origin);
    end_line(c);
    for (guint v = 0; v < pa->values->len; v++) {
      const zparam_value *pv = &g_array_index(pa->values, zparam_value, v);
      begin(c, "value");
      field(c, pa->id);
      field(c, pv->from_text);
      field(c, pv->key_text);
      field(c, pv->value_text);
      field(c, pv->origin);
      end_line(c);
    }
  }
}

/* <table>s, after the parameters: a policy without tables writes no line. */
static void policy_tables(zcanon *c, const zjtx_policy *p) {
  for (guint i = 0; i < p->scales->len; i++) {
    const zscale *t = g_ptr_array_index(p->scales, i);
    begin(c, "table");
    field(c, t->id);
    field(c, t->kind == ZSCALE_MARGINAL ? "marginal" : "tier");
    field_type(c, p, t->input);
    field_type(c, p, t->type);
    field(c, t->exclusive ? "exclusive" : "inclusive");
    field(c, t->status == ZJTX_PARAM_ASSUMED ? "assumed" : "published");
    field(c, t->unit);
    field(c, t->source);
    field(c, t->origin);
    end_line(c);
    for (guint j = 0; j < t->schedules->len; j++) {
      const zscale_bands *b = &g_array_index(t->schedules, zscale_bands, j);
      for (guint k = 0; k < b->bands->len; k++) {
        const zscale_band *band = &g_array_index(b->bands, zscale_band, k);
        begin(c, "band");
        field(c, t->id);
        field(c, b->from_text);
        field(c, band->at_text);
        field(c, band->value_text);
        field(c, band->label);
        end_line(c);
      }
    }
  }
}

/* <budget>s, after the indicators: a policy without budgets writes no line. */
static void policy_budgets(zcanon *c, const zjtx_policy *p) {
  for (guint i = 0; i < p->budgets->len; i++) {
    const zbudget *b = g_ptr_array_index(p->budgets, i);
    begin(c, "budget");
    field(c, b->id);
    field(c, b->cap_id);
    field(c, b->group_by);
    field(c, b->ties_by_id ? "id" : "order");
    field(c, b->clause);
    field(c, b->origin);
    for (guint j = 0; j < b->rule_ids->len; j++)
      field(c, g_ptr_array_index(b->rule_ids, j));
    end_line(c);
  }
}

static void policy_derived(zcanon *c, const zjtx_policy *p) {
  for (guint i = 0; i < p->derived->len; i++) {
    const zderived *d = g_ptr_array_index(p->derived, i);
    begin(c, "derived");
    field(c, entity_name(p, d->entity));
    field(c, d->name);
    field_type(c, p, d->type);
    field(c, d->origin);
    field(c, d->overridden_by);
    for (guint a = 0; d->arg_names && a < d->arg_names->len; a++) {
      field(c, g_ptr_array_index(d->arg_names, a));
      field_type(c, p, g_array_index(d->arg_types, ztype, a));
    }
    end_line(c);
    begin(c, "expression");
    field(c, d->expr.text);
    end_line(c);
  }
}

static const char *rounding_name(zround_mode m) {
  static const char *const names[] = {
      [ZROUND_HALF_UP] = "half-up", [ZROUND_HALF_EVEN] = "half-even", [ZROUND_DOWN] = "down",
      [ZROUND_UP] = "up",           [ZROUND_FLOOR] = "floor",         [ZROUND_CEILING] = "ceiling"};
  return (size_t)m < G_N_ELEMENTS(names) ? names[m] : "?";
}

/* "filter", "condition", "amount": one line each when the rule has it. */
static void rule_part(zcanon *c, const char *kind, bool has, const zsource_expr *x) {
  if (!has)
    return;
  begin(c, kind);
  field(c, x->text);
  end_line(c);
}

static void policy_rule(zcanon *c, const zjtx_policy *p, const zrule *r) {
  begin(c, r->kind == ZJTX_RULE_CHECK ? "check" : "rule");
  field(c, r->id);
  field(c, entity_name(p, r->subject));
  field(c, r->group_field >= 0 ? zentity_field(zpolicy_entity(p, r->subject), r->group_field)->name : NULL);
  field(c, r->clause);
  field(c, rounding_name(r->rounding));
  g_string_append_printf(c->text, "\t%d", r->rounding_places);
  field(c, r->exclusive);
  field(c, r->origin);
  field(c, r->removed ? "removed" : "in-force");
  end_line(c);
  rule_part(c, "filter", r->has_filter, &r->filter);
  rule_part(c, "condition", r->has_condition, &r->condition);
  rule_part(c, "amount", r->has_amount, &r->amount);
  for (guint i = 0; r->caps && i < r->caps->len; i++) {
    const zcap *cap = g_ptr_array_index(r->caps, i);
    begin(c, "cap");
    field(c, cap->label);
    field(c, cap->reference);
    field(c, cap->expr.text);
    end_line(c);
  }
}

static const char *op_text(int op) {
  switch (op) {
  case ZOP_GT:
    return ">";
  case ZOP_LE:
    return "<=";
  case ZOP_LT:
    return "<";
  case ZOP_EQ:
    return "==";
  default:
    return ">=";
  }
}

static void policy_indicators(zcanon *c, const zjtx_policy *p) {
  for (guint i = 0; i < p->indicators->len; i++) {
    const zindicator *x = g_ptr_array_index(p->indicators, i);
    begin(c, "indicator");
    field(c, x->id);
    field(c, x->unit);
    field(c, op_text(x->target_op));
    field(c, x->target_text);
    field(c, x->clause);
    field(c, x->origin);
    end_line(c);
    begin(c, "expression");
    field(c, x->value.text);
    end_line(c);
  }
}

void zcanon_policy(zcanon *c, const zjtx_result *res) {
  const zjtx_policy *p = res->policy;
  policy_head(c, res);
  policy_codesets(c, p);
  policy_entities(c, p);
  policy_params(c, p);
  policy_tables(c, p);
  policy_derived(c, p);
  for (guint i = 0; i < p->rules->len; i++)
    policy_rule(c, p, g_ptr_array_index(p->rules, i));
  policy_indicators(c, p);
  policy_budgets(c, p);
}

/* ---- the facts --------------------------------------------------------------- */

/* One stored value in its canonical form (docs/receipts.md, "the facts"). */
static void fact_value(zcanon *c, const zjtx_facts *f, const zentity *e, int32_t fi, int32_t rec) {
  const zfield *fd = zentity_field(e, fi);
  const zcolumn *col = &f->tables[e->index].columns[fi];
  if (zfacts_is_absent(f, e->index, fi, rec)) {
    field(c, NULL);
    return;
  }
  zval v = zfacts_get(f, e->index, fi, rec);
  char buf[32];
  switch (fd->type) {
  case ZF_MONEY:
  case ZF_NUMBER:
  case ZF_COUNT:
    field_decimal(c, v.d, col->scale);
    break;
  case ZF_RATE: /* a fraction to 8 decimals: in percent, to 6 */
    v.d.scale -= 2;
    field_decimal(c, v.d, v.d.scale);
    break;
  case ZF_DATE:
    field_date(c, v.date);
    break;
  case ZF_BOOL:
    field_bool(c, v.b);
    break;
  case ZF_CODE:
    field(c, g_ptr_array_index(codeset_at(f->policy, fd->codeset)->values, v.code));
    break;
  case ZF_REF:
    field(c, zfacts_record_id(f, fd->ref_entity, v.rec, buf));
    break;
  default:
    field(c, v.s);
  }
}

static void facts_table(zcanon *c, const zjtx_facts *f, const zentity *e) {
  const ztable *t = &f->tables[e->index];
  begin(c, "entity");
  field(c, e->name);
  g_string_append_printf(c->text, "\t%" PRId32, t->n);
  end_line(c);
  begin(c, "columns");
  if (e->parent >= 0)
    field(c, e->parent_key);
  for (guint fi = 0; fi < e->fields->len; fi++)
    field(c, zentity_field(e, (int32_t)fi)->name);
  end_line(c);
  for (int32_t rec = 0; rec < t->n; rec++) {
    char buf[32];
    begin(c, "record");
    if (e->parent >= 0) {
      int32_t parent = g_array_index(t->parent, int32_t, rec);
      field(c, parent >= 0 ? zfacts_record_id(f, e->parent, parent, buf) : NULL);
    }
    for (guint fi = 0; fi < e->fields->len; fi++)
      fact_value(c, f, e, (int32_t)fi, rec);
    end_line(c);
  }
}

void zcanon_facts(zcanon *c, const zjtx_facts *f) {
  begin(c, ZCANON_FACTS_HEADER);
  end_line(c);
  for (guint e = 0; e < f->policy->entities->len; e++)
    facts_table(c, f, zpolicy_entity(f->policy, (int32_t)e));
}

/* ---- the results ------------------------------------------------------------ */

/* One undecided (rule or check, subject), then a line per input it lacks. */
static void undecided(zcanon *c, const zjtx_result *res, size_t i) {
  begin(c, "undecided");
  field(c, zjtx_result_undecided_kind(res, i) == ZJTX_RULE_CHECK ? "check" : "rule");
  field(c, zjtx_result_undecided_rule(res, i));
  field(c, zjtx_result_undecided_entity(res, i));
  field(c, zjtx_result_undecided_id(res, i));
  end_line(c);
  for (size_t j = 0; j < zjtx_result_undecided_missing_count(res, i); j++) {
    begin(c, "missing");
    field(c, zjtx_result_undecided_missing_entity(res, i, j));
    field(c, zjtx_result_undecided_missing_id(res, i, j));
    field(c, zjtx_result_undecided_missing_field(res, i, j));
    end_line(c);
  }
  if (zjtx_result_undecided_missing_more(res, i)) {
    begin(c, "missing-more");
    end_line(c);
  }
}

/* The one serialiser of results: through the public accessors only, in
 * the result's own order (rule order, then record order: the same for any
 * number of threads).  A new kind of result gets lines of its own here,
 * each beginning with its own word (docs/receipts.md, section 6). */
void zcanon_results(zcanon *c, const zjtx_result *res) {
  begin(c, ZCANON_RESULTS_HEADER);
  end_line(c);
  for (size_t i = 0; i < zjtx_result_entitlement_count(res); i++) {
    begin(c, "entitlement");
    field(c, zjtx_result_entitlement_rule(res, i));
    field(c, zjtx_result_entitlement_entity(res, i));
    field(c, zjtx_result_entitlement_id(res, i));
    field(c, zjtx_result_entitlement_amount(res, i));
    end_line(c);
  }
  for (size_t i = 0; i < zjtx_result_violation_count(res); i++) {
    begin(c, "violation");
    field(c, zjtx_result_violation_check(res, i));
    field(c, zjtx_result_violation_entity(res, i));
    field(c, zjtx_result_violation_id(res, i));
    end_line(c);
  }
  for (size_t i = 0; i < zjtx_result_undecided_count(res); i++)
    undecided(c, res, i);
  for (size_t i = 0; i < zjtx_result_indicator_count(res); i++) {
    begin(c, "indicator");
    field(c, zjtx_result_indicator_id(res, i));
    field(c, zjtx_result_indicator_value(res, i));
    field(c, zjtx_result_indicator_target(res, i));
    field(c, zjtx_result_indicator_met(res, i) ? "met" : "not-met");
    g_string_append_printf(c->text, "\t%zu\t%zu", zjtx_result_indicator_records(res, i),
                           zjtx_result_indicator_lacking(res, i));
    end_line(c);
  }
}
