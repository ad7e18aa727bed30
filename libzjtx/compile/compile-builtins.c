/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile-builtins.c - calls of the built-in functions (min, max, round,
 * within, date, abs, year, month, day, days_between, add_months,
 * end_of_month, months), of methods and of derived values by name. */
#include "compile-internal.h"

#include <string.h>

static ztype compile_minmax(zcompiler *c, zexpr *e, bool is_max) {
  if (e->kids->len < 2)
    return zcomp_fail(c, e, "%s() takes at least two arguments", e->name);
  /* emit pairwise: a b MAX c MAX ... */
  ztype t = zcomp_node(c, zexpr_kid(e, 0), ZTYPE_VOID);
  for (guint i = 1; !c->err && i < e->kids->len; i++) {
    zexpr *a = zexpr_kid(e, i);
    ztype at = zcomp_node(c, a, t);
    if (c->err)
      return ZTYPE_VOID;
    bool missing = t.may_be_missing || at.may_be_missing;
    if (!zcomp_unify(zexpr_kid(e, 0), &t, a, &at)) {
      char b1[64], b2[64];
      return zcomp_fail(c, a, "%s() needs arguments of one type, not %s and %s", e->name,
                        ztype_name(c->p, t, b1, sizeof b1), ztype_name(c->p, at, b2, sizeof b2));
    }
    zcomp_emit(c, is_max ? OP_MAX : OP_MIN, missing, zcomp_cmp_kind(t), 0);
    t = ztype_missing_if(t, missing);
  }
  if (!c->err && !zcomp_ordered(c, t)) {
    char b[64];
    return zcomp_fail(c, e, "%s() needs numbers, money, rates, dates or ordered codes, not %s", e->name,
                      ztype_name(c->p, t, b, sizeof b));
  }
  return t;
}

/* Compiles the n arguments of e, of the kinds given (ZT_NUMBER: any
 * decimal); the type of the first for a number, else kinds[0], missing
 * when an argument may be. */
static ztype expect_args(zcompiler *c, zexpr *e, guint n, const ztype_kind *kinds) {
  if (e->kids->len != n)
    return zcomp_fail(c, e, "%s() takes %u argument%s, not %u", e->name, n, n == 1 ? "" : "s", e->kids->len);
  ztype first = ZTYPE_VOID;
  bool missing = false;
  for (guint i = 0; i < n; i++) {
    ztype t = zcomp_node(c, zexpr_kid(e, i), ZTYPE_VOID);
    if (c->err)
      return ZTYPE_VOID;
    bool ok = kinds[i] == ZT_NUMBER ? ztype_is_decimal(t) : t.kind == kinds[i];
    if (!ok) {
      char b[64];
      return zcomp_fail(c, zexpr_kid(e, i), "argument %u of %s() must be %s, not %s", i + 1, e->name,
                        kinds[i] == ZT_DATE ? "a date" : "a number", ztype_name(c->p, t, b, sizeof b));
    }
    first = i == 0 && kinds[0] == ZT_NUMBER ? t : i == 0 ? ztype_of(kinds[0], -1) : first;
    missing = missing || t.may_be_missing;
  }
  return ztype_missing_if(first, missing);
}

static ztype compile_round(zcompiler *c, zexpr *e) {
  if (e->kids->len < 1 || e->kids->len > 2)
    return zcomp_fail(c, e, "round() takes a value and optionally a number of decimals");
  int places = 2;
  if (e->kids->len == 2) {
    zexpr *pl = zexpr_kid(e, 1);
    int64_t v;
    if (pl->kind != ZE_NUMBER || !zdec_to_int64(pl->num, &v) || v < 0 || v > ZDEC_MAX_SCALE)
      return zcomp_fail(c, pl, "the decimals of round() must be a whole number from 0 to %d", ZDEC_MAX_SCALE);
    places = (int)v;
  }
  ztype t = zcomp_node(c, zexpr_kid(e, 0), ZTYPE_VOID);
  if (c->err)
    return ZTYPE_VOID;
  if (!ztype_is_decimal(t))
    return zcomp_fail(c, e, "round() needs a number, money or rate");
  /* round(x): money to the fen, a number to a whole number (a rate, a
   * fraction, to hundredths: whole percent) */
  if (e->kids->len == 1 && t.kind == ZT_NUMBER)
    places = 0;
  zcomp_emit(c, OP_ROUND, ZROUND_HALF_UP, places, t.may_be_missing);
  return t;
}

/* within(x, lo, hi) == lo <= x and x <= hi, with x computed once; one
 * bound compared, whether it may be missing in *missing */
static bool compile_bound(zcompiler *c, zexpr *e, int slot, ztype t, guint which, bool *missing) {
  zcomp_emit(c, OP_LOCAL, 0, slot, 0);
  zexpr *bound = zexpr_kid(e, which);
  ztype bt = zcomp_node(c, bound, t), xt = t;
  if (c->err)
    return false;
  if (!zcomp_unify(zexpr_kid(e, 0), &xt, bound, &bt)) {
    char b1[64], b2[64];
    zcomp_fail(c, bound, "within() compares %s with %s", ztype_name(c->p, t, b1, sizeof b1),
               ztype_name(c->p, bt, b2, sizeof b2));
    return false;
  }
  *missing = t.may_be_missing || bt.may_be_missing;
  zcomp_emit(c, OP_CMP, which == 1 ? ZOP_GE : ZOP_LE, zcomp_cmp_kind(t), *missing);
  return true;
}

static ztype compile_within(zcompiler *c, zexpr *e) {
  if (e->kids->len != 3)
    return zcomp_fail(c, e, "within() takes three arguments: within(x, low, high)");
  ztype t = zcomp_node(c, zexpr_kid(e, 0), ZTYPE_VOID);
  if (c->err)
    return ZTYPE_VOID;
  if (!zcomp_ordered(c, t))
    return zcomp_fail(c, e, "within() needs numbers, money, rates, dates or ordered codes");
  int slot = zcomp_new_slot(c);
  zcomp_emit(c, OP_STORE, 0, slot, 0);
  bool low_missing, high_missing;
  if (!compile_bound(c, e, slot, t, 1, &low_missing))
    return ZTYPE_VOID;
  int j = zcomp_begin_logic(c, false, low_missing);
  if (!compile_bound(c, e, slot, t, 2, &high_missing))
    return ZTYPE_VOID;
  zcomp_end_logic(c, j, false, low_missing);
  return ztype_missing_if(ztype_of(ZT_BOOL, -1), low_missing || high_missing);
}

/* coalesce(x, d): x when it is there, else d (of x's type; a literal
 * takes it).  Missing only if d may be. */
static ztype compile_coalesce(zcompiler *c, zexpr *e) {
  if (e->kids->len != 2)
    return zcomp_fail(c, e, "coalesce() takes two arguments: coalesce(value, value if it is missing)");
  zexpr *x = zexpr_kid(e, 0), *d = zexpr_kid(e, 1);
  ztype xt = zcomp_node(c, x, ZTYPE_VOID);
  if (c->err)
    return ZTYPE_VOID;
  if (!xt.may_be_missing)
    return zcomp_fail(c, x, "coalesce() needs a value that may be missing (an optional field, or computed from one)");
  if (xt.kind == ZT_RECORD)
    return zcomp_fail(c, x, "coalesce() takes a value, not a record");
  int j = zcomp_emit(c, OP_JUMP_PRESENT, 0, 0, 0);
  ztype dt = zcomp_node(c, d, xt);
  if (c->err)
    return ZTYPE_VOID;
  ztype want = xt;
  if (!zcomp_unify(x, &want, d, &dt)) {
    char b1[64], b2[64];
    return zcomp_fail(c, d, "coalesce() needs a default of the value's type: %s, not %s",
                      ztype_name(c->p, xt, b1, sizeof b1), ztype_name(c->p, dt, b2, sizeof b2));
  }
  zcomp_patch(c, j, zcomp_here(c));
  return ztype_missing_if(ztype_of(xt.kind, xt.ref), dt.may_be_missing);
}

/* is_missing(x): whether x is missing; never missing itself. */
static ztype compile_is_missing(zcompiler *c, zexpr *e) {
  if (e->kids->len != 1)
    return zcomp_fail(c, e, "is_missing() takes one argument");
  ztype t = zcomp_node(c, zexpr_kid(e, 0), ZTYPE_VOID);
  if (c->err)
    return ZTYPE_VOID;
  if (!t.may_be_missing)
    return zcomp_fail(c, zexpr_kid(e, 0),
                      "is_missing() needs a value that may be missing (an optional field, or computed from one)");
  zcomp_emit(c, OP_IS_MISSING, 0, 0, 0);
  return ztype_of(ZT_BOOL, -1);
}

static ztype compile_date_literal(zcompiler *c, zexpr *e) {
  zexpr *a = e->kids->len == 1 ? zexpr_kid(e, 0) : NULL;
  zval v;
  if (!a || a->kind != ZE_STRING || !zdate_parse(a->str, strlen(a->str), &v.date))
    return zcomp_fail(c, e, "date() takes one literal 'YYYY-MM-DD' that is a real calendar date");
  zcomp_emit_const(c, v, ztype_of(ZT_DATE, -1));
  return ztype_of(ZT_DATE, -1);
}

/* Compiles the n arguments of e, each of exactly the kind given (ZT_NUMBER:
 * a plain number, not money or a rate); whether one may be missing. */
static bool exact_args(zcompiler *c, zexpr *e, guint n, const ztype_kind *kinds, bool *missing) {
  *missing = false;
  for (guint i = 0; i < n; i++) {
    ztype t = zcomp_node(c, zexpr_kid(e, i), ZTYPE_VOID);
    if (c->err)
      return false;
    if (t.kind != kinds[i]) {
      char b[64];
      zcomp_fail(c, zexpr_kid(e, i), "argument %u of %s() must be %s, not %s", i + 1, e->name,
                 kinds[i] == ZT_DATE ? "a date" : "a whole number", ztype_name(c->p, t, b, sizeof b));
      return false;
    }
    *missing = *missing || t.may_be_missing;
  }
  return true;
}

/* date(y, m, d) of three literal numbers: the date now, or the error. */
static ztype compile_date_constant(zcompiler *c, zexpr *e) {
  int64_t ymd[3];
  zval v;
  for (guint i = 0; i < 3; i++)
    if (!zdec_to_int64(zexpr_kid(e, i)->num, &ymd[i]) || ymd[i] < 1 || ymd[i] > 9999)
      ymd[i] = 0;
  if (!zdate_from_ymd((int)ymd[0], (int)ymd[1], (int)ymd[2], &v.date)) {
    char b[3][ZDEC_BUFSZ];
    return zcomp_fail(c, e, "date(%s, %s, %s) is not a real calendar date", zdec_format(zexpr_kid(e, 0)->num, -1, b[0]),
                      zdec_format(zexpr_kid(e, 1)->num, -1, b[1]), zdec_format(zexpr_kid(e, 2)->num, -1, b[2]));
  }
  zcomp_emit_const(c, v, ztype_of(ZT_DATE, -1));
  return ztype_of(ZT_DATE, -1);
}

/* date('YYYY-MM-DD'), or date(year, month, day) of whole numbers: checked
 * now when all three are literals, else when evaluated. */
static ztype compile_date(zcompiler *c, zexpr *e) {
  if (e->kids->len != 3)
    return compile_date_literal(c, e);
  bool literal = true, missing;
  for (guint i = 0; i < 3; i++)
    literal = literal && zexpr_kid(e, i)->kind == ZE_NUMBER;
  if (literal)
    return compile_date_constant(c, e);
  if (!exact_args(c, e, 3, (ztype_kind[]){ZT_NUMBER, ZT_NUMBER, ZT_NUMBER}, &missing))
    return ZTYPE_VOID;
  zcomp_emit(c, OP_MAKE_DATE, missing, 0, 0);
  return ztype_missing_if(ztype_of(ZT_DATE, -1), missing);
}

static ztype compile_add_months(zcompiler *c, zexpr *e) {
  bool missing;
  if (e->kids->len != 2)
    return zcomp_fail(c, e, "add_months() takes two arguments: add_months(date, number of months)");
  if (!exact_args(c, e, 2, (ztype_kind[]){ZT_DATE, ZT_NUMBER}, &missing))
    return ZTYPE_VOID;
  zcomp_emit(c, OP_ADD_MONTHS, missing, 0, 0);
  return ztype_missing_if(ztype_of(ZT_DATE, -1), missing);
}

static ztype compile_end_of_month(zcompiler *c, zexpr *e) {
  bool missing;
  if (e->kids->len != 1)
    return zcomp_fail(c, e, "end_of_month() takes one date");
  if (!exact_args(c, e, 1, (ztype_kind[]){ZT_DATE}, &missing))
    return ZTYPE_VOID;
  zcomp_emit(c, OP_END_OF_MONTH, missing, 0, 0);
  return ztype_missing_if(ztype_of(ZT_DATE, -1), missing);
}

/* months()'s third argument, a literal: when a month in part counts
 * (ZMONTHS_*), or -1. */
static int month_rule(const zexpr *r) {
  int64_t days;
  if (r->kind == ZE_NUMBER)
    return zdec_to_int64(r->num, &days) && days >= ZMONTHS_ANY_DAY && days <= ZMONTHS_MAX_DAYS ? (int)days : -1;
  if (r->kind != ZE_STRING)
    return -1;
  if (strcmp(r->str, "first-day") == 0)
    return ZMONTHS_FIRST_DAY;
  if (strcmp(r->str, "any-day") == 0)
    return ZMONTHS_ANY_DAY;
  return strcmp(r->str, "whole-month") == 0 ? ZMONTHS_WHOLE : -1;
}

/* months(from, to, rule): how many calendar months of from..to count. */
static ztype compile_months(zcompiler *c, zexpr *e) {
  bool missing;
  if (e->kids->len != 3)
    return zcomp_fail(c, e,
                      "months() takes three arguments: months(from, to, 'first-day'), "
                      "with 'any-day', 'whole-month' or a number of days as the rule for a month in part");
  int rule = month_rule(zexpr_kid(e, 2));
  if (rule < 0)
    return zcomp_fail(c, zexpr_kid(e, 2),
                      "the rule of months() must be 'first-day', 'any-day', 'whole-month' or "
                      "a number of days from 1 to 31, written as it is");
  if (!exact_args(c, e, 2, (ztype_kind[]){ZT_DATE, ZT_DATE}, &missing))
    return ZTYPE_VOID;
  zcomp_emit(c, OP_MONTHS, missing, rule, 0);
  return ztype_missing_if(ztype_of(ZT_NUMBER, -1), missing);
}

ztype zcomp_call(zcompiler *c, zexpr *e) {
  if (e->method) {
    zexpr *recv = zexpr_kid(e, 0);
    ztype rt = zcomp_node(c, recv, ZTYPE_VOID);
    if (c->err)
      return ZTYPE_VOID;
    if (rt.kind != ZT_RECORD)
      return zcomp_fail(c, e, "'.%s(...)' needs a record on its left", e->name);
    zderived *d = zpolicy_find_derived(c->p, rt.ref, e->name);
    if (!d)
      return zcomp_fail(c, e, "%s has no derived value '%s'", zpolicy_entity(c->p, rt.ref)->name, e->name);
    return zcomp_call_derived(c, e, d, 1, rt.may_be_missing);
  }
  const char *n = e->name;
  if (strcmp(n, "min") == 0 || strcmp(n, "max") == 0)
    return compile_minmax(c, e, n[1] == 'a');
  if (strcmp(n, "round") == 0)
    return compile_round(c, e);
  if (strcmp(n, "within") == 0)
    return compile_within(c, e);
  if (strcmp(n, "date") == 0)
    return compile_date(c, e);
  if (strcmp(n, "add_months") == 0)
    return compile_add_months(c, e);
  if (strcmp(n, "end_of_month") == 0)
    return compile_end_of_month(c, e);
  if (strcmp(n, "months") == 0)
    return compile_months(c, e);
  if (strcmp(n, "abs") == 0) {
    ztype t = expect_args(c, e, 1, (ztype_kind[]){ZT_NUMBER});
    if (!c->err)
      zcomp_emit(c, OP_ABS, t.may_be_missing, 0, 0);
    return t;
  }
  if (strcmp(n, "coalesce") == 0)
    return compile_coalesce(c, e);
  if (strcmp(n, "is_missing") == 0)
    return compile_is_missing(c, e);
  if (strcmp(n, "tier") == 0 || strcmp(n, "marginal") == 0)
    return zcomp_scale_call(c, e);
  static const struct {
    const char *name;
    zopcode op;
  } date_parts[] = {{"year", OP_YEAR}, {"month", OP_MONTH}, {"day", OP_DAY}};
  for (size_t i = 0; i < G_N_ELEMENTS(date_parts); i++)
    if (strcmp(n, date_parts[i].name) == 0) {
      ztype t = expect_args(c, e, 1, (ztype_kind[]){ZT_DATE});
      if (c->err)
        return ZTYPE_VOID;
      zcomp_emit(c, date_parts[i].op, t.may_be_missing, 0, 0);
      return ztype_missing_if(ztype_of(ZT_NUMBER, -1), t.may_be_missing);
    }
  if (strcmp(n, "days_between") == 0) {
    ztype t = expect_args(c, e, 2, (ztype_kind[]){ZT_DATE, ZT_DATE});
    if (c->err)
      return ZTYPE_VOID;
    zcomp_emit(c, OP_DAYS_BETWEEN, t.may_be_missing, 0, 0);
    return ztype_missing_if(ztype_of(ZT_NUMBER, -1), t.may_be_missing);
  }
  if (c->scope->kind == ZSCOPE_RECORD) {
    zderived *d = zpolicy_find_derived(c->p, c->scope->entity, n);
    if (d) {
      zcomp_emit(c, OP_SELF, 0, 0, 0);
      return zcomp_call_derived(c, e, d, 0, false);
    }
  }
  return zcomp_fail(c, e, "unknown function '%s'", n);
}
