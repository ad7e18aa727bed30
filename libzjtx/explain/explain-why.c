/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* explain-why.c - why a condition is false: the parts that decided it, each
 * comparison with both sides and how far its left side is from making it
 * true, each aggregate with the records it considered.  Values come from
 * running the parts' own code (explain-probe.c); only the gap, which the
 * evaluation never needs, is a difference taken here. */
#include <string.h>

#include "explain-internal.h"
#include "format.h"

/* Records of one aggregate listed at most; a hostile facts file may give one
 * record thousands of related ones. */
#define ZWHY_MAX_RECORDS 200
/* How deep a why goes (derived values within aggregates within ...), and
 * how many nodes one rule's explanation may hold before it stops looking
 * deeper. */
#define ZWHY_MAX_DEPTH 24
#define ZWHY_MAX_NODES 20000

static void why_node(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *e, bool value);

char *zwhy_format(zrecorder *rc, ztype t, const zval *v) {
  return zformat_value(rc->policy, rc->facts, t, v);
}

static const char *type_name(ztype t) {
  return t.kind == ZT_CODE ? "code" : ztype_kind_name(t.kind);
}

static size_t add_failed(zrecorder *rc, size_t parent, const zexpr *e, bool value) {
  char *text = zprobe_text(e);
  size_t n = zex_add(rc->ex, ZJTX_NODE_FAILED, parent, text, g_strdup(value ? "true" : "false"), NULL);
  zex_attr(rc->ex, n, "condition", g_strdup(text));
  return n;
}

/* What a term is to a person: the title of the field, parameter or derived
 * value it reads, beside its name. */
static void term_attrs(zrecorder *rc, size_t n, const char *side, const zframe *fr, const zexpr *e);

static bool literal(const zexpr *e) {
  return e->kind == ZE_NUMBER || e->kind == ZE_PERCENT || e->kind == ZE_STRING || e->kind == ZE_BOOL;
}

/* A side that is neither a literal nor one named value: its text
 * ("lpr_1y + srdi_loan_rate_spread"), so that a person sees what it is. */
static void side_attrs(zrecorder *rc, size_t n, const char *side, const zframe *fr, const zexpr *e) {
  term_attrs(rc, n, side, fr, e);
  g_autofree char *name = g_strdup_printf("%s_name", side);
  if (!zex_attr_get(rc->ex, n, name) && !literal(e)) {
    g_autofree char *key = g_strdup_printf("%s_expr", side);
    zex_attr(rc->ex, n, key, zprobe_text(e));
  }
}

static void term_attrs(zrecorder *rc, size_t n, const char *side, const zframe *fr, const zexpr *e) {
  int32_t entity, field, param;
  const ztext2 *title = NULL;
  const char *name = NULL;
  const zinstr *last = e->pc_to > e->pc_from ? &g_array_index(fr->block->code, zinstr, e->pc_to - 1) : NULL;
  if (zprobe_field(fr, e, &entity, &field)) {
    const zfield *fd = zentity_field(zpolicy_entity(rc->policy, entity), field);
    title = &fd->title;
    name = fd->name;
  } else if (zprobe_param(fr, e, &param)) {
    const zparam *p = g_ptr_array_index(rc->policy->params, param);
    title = &p->title;
    name = p->id;
  } else if (last && last->op == OP_CALL) {
    const zderived *d = g_ptr_array_index(rc->policy->derived, last->c);
    title = &d->title;
    name = d->name;
  }
  if (!name)
    return;
  g_autofree char *key = g_strdup_printf("%s_name", side);
  zex_attr(rc->ex, n, key, g_strdup(name));
  g_free(key);
  key = g_strdup_printf("%s_title", side);
  zex_attr(rc->ex, n, key, g_strdup(ztext2_pick(title, "zh", name)));
  g_free(key);
  key = g_strdup_printf("%s_title_en", side);
  zex_attr(rc->ex, n, key, g_strdup(zex_title_en(title, name)));
}

/* The type two compared sides share: a literal 0 compared with money is money. */
static ztype common_type(const zexpr *l, const zexpr *r) {
  if (ztype_is_decimal(l->type) && ztype_is_decimal(r->type) && l->type.kind == ZT_NUMBER)
    return r->type;
  return l->type;
}

static bool strict_op(int op) {
  return op == ZOP_GT || op == ZOP_LT;
}

/* How far the left side is from making `l op r` true, for numbers, money,
 * rates (in percentage points) and dates (in days). */
static void gap_attrs(zrecorder *rc, size_t n, ztype t, int op, const zval *l, const zval *r) {
  zdec diff;
  if (t.kind == ZT_DATE)
    diff = zdec_from_int((int64_t)r->date - l->date);
  else if (!ztype_is_decimal(t) || !zdec_sub(r->d, l->d, &diff))
    return;
  if (op == ZOP_NE) {
    zex_attr(rc->ex, n, "needed", g_strdup_printf("not %s", zex_attr_get(rc->ex, n, "right")));
    return;
  }
  bool up = zdec_sign(diff) > 0 || ((op == ZOP_GT || op == ZOP_GE) && zdec_sign(diff) == 0);
  if (zdec_sign(diff) < 0)
    diff = zdec_neg(diff);
  char buf[ZDEC_BUFSZ];
  const char *unit = NULL;
  char *gap;
  if (t.kind == ZT_MONEY) {
    zval v = {.d = diff};
    gap = zformat_value(rc->policy, rc->facts, t, &v);
    unit = "yuan";
  } else if (t.kind == ZT_RATE) {
    zdec pp = diff;
    zdec_mul(diff, zdec_from_int(100), &pp);
    gap = g_strdup(zdec_format(pp, -1, buf));
    unit = "percentage points";
  } else {
    gap = g_strdup(zdec_format(diff, -1, buf));
    unit = t.kind == ZT_DATE ? "days" : NULL;
  }
  zex_attr(rc->ex, n, "gap", gap);
  zex_attr(rc->ex, n, "unit", g_strdup(unit));
  zex_attr(rc->ex, n, "direction", g_strdup(up ? "increase" : "decrease"));
  if (strict_op(op))
    zex_attr(rc->ex, n, "strict", g_strdup("true"));
}

/* For codes, texts and bools: the value the left side would need. */
static void needed_attrs(zrecorder *rc, size_t n, int op, bool held) {
  const char *right = zex_attr_get(rc->ex, n, "right");
  if (held || !right)
    return;
  if (op == ZOP_EQ)
    zex_attr(rc->ex, n, "needed", g_strdup(right));
  else if (op == ZOP_NE)
    zex_attr(rc->ex, n, "needed", g_strdup_printf("not %s", right));
  else
    zex_attr(rc->ex, n, "needed", g_strdup_printf("%s %s", zop_text(op), right));
}

/* `l op r`: both sides, and what would make it true. */
static void why_compare(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *e, bool value) {
  const zexpr *le = zexpr_kid(e, 0), *re = zexpr_kid(e, 1);
  size_t n = add_failed(rc, parent, e, value);
  zval l, r;
  if (!zprobe_value(rc, fr, le, &l) || !zprobe_value(rc, fr, re, &r))
    return;
  ztype t = common_type(le, re);
  zex_attr(rc->ex, n, "left", zwhy_format(rc, t, &l));
  zex_attr(rc->ex, n, "right", zwhy_format(rc, t, &r));
  zex_attr(rc->ex, n, "operator", g_strdup(zop_text(e->op)));
  zex_attr(rc->ex, n, "type", g_strdup(type_name(t)));
  side_attrs(rc, n, "left", fr, le);
  side_attrs(rc, n, "right", fr, re);
  if (zval_is_missing(&l) || zval_is_missing(&r)) {
    zex_attr(rc->ex, n, "missing", g_strdup("true")); /* no gap to a value that is not there */
  } else if (value) {
    zex_attr(rc->ex, n, "needed", g_strdup("false"));
  } else if (ztype_is_decimal(t) || t.kind == ZT_DATE) {
    gap_attrs(rc, n, t, e->op, &l, &r);
  } else {
    needed_attrs(rc, n, e->op, value);
  }
  zwhy_term(rc, n, fr, le, 0);
  zwhy_term(rc, n, fr, re, 0);
}

/* within(x, lo, hi): the bound x is outside of, with its gap. */
static void why_within(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *e, bool value) {
  size_t n = add_failed(rc, parent, e, value);
  zval x, lo, hi;
  const zexpr *xe = zexpr_kid(e, 0);
  if (value || !zprobe_value(rc, fr, xe, &x) || !zprobe_value(rc, fr, zexpr_kid(e, 1), &lo) ||
      !zprobe_value(rc, fr, zexpr_kid(e, 2), &hi) || zval_is_missing(&x) || zval_is_missing(&lo) ||
      zval_is_missing(&hi))
    return;
  ztype t = common_type(xe, zexpr_kid(e, 1));
  bool below = t.kind == ZT_DATE ? x.date < lo.date : zdec_cmp(x.d, lo.d) < 0;
  const zval *bound = below ? &lo : &hi;
  int op = below ? ZOP_GE : ZOP_LE;
  zex_attr(rc->ex, n, "left", zwhy_format(rc, t, &x));
  zex_attr(rc->ex, n, "right", zwhy_format(rc, t, bound));
  zex_attr(rc->ex, n, "operator", g_strdup(zop_text(op)));
  zex_attr(rc->ex, n, "type", g_strdup(type_name(t)));
  side_attrs(rc, n, "left", fr, xe);
  side_attrs(rc, n, "right", fr, zexpr_kid(e, below ? 1 : 2));
  gap_attrs(rc, n, t, op, &x, bound);
}

/* x in (a, b, ...): the value, and the ones it would need to be. */
static void why_in(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *e, bool value) {
  size_t n = add_failed(rc, parent, e, value);
  const zexpr *xe = zexpr_kid(e, 0);
  zval x;
  if (!zprobe_value(rc, fr, xe, &x))
    return;
  zex_attr(rc->ex, n, "left", zwhy_format(rc, xe->type, &x));
  zex_attr(rc->ex, n, "operator", g_strdup("in"));
  zex_attr(rc->ex, n, "type", g_strdup(type_name(xe->type)));
  term_attrs(rc, n, "left", fr, xe);
  GString *list = g_string_new(NULL);
  for (guint i = 1; i < e->kids->len; i++) {
    zval v;
    if (!zprobe_value(rc, fr, zexpr_kid(e, i), &v))
      continue;
    g_autofree char *t = zwhy_format(rc, xe->type, &v);
    g_string_append_printf(list, "%s%s", list->len ? ", " : "", t);
  }
  zex_attr(rc->ex, n, "right", g_strdup(list->str));
  zex_attr(rc->ex, n, "needed", value ? g_strdup("none of them") : g_strdup_printf("one of %s", list->str));
  g_string_free(list, TRUE);
}

/* A bool the condition reads as it is (a field, a derived value): the value
 * it would need, and for a derived value why it is what it is. */
static void why_leaf(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *e, bool value) {
  size_t n = add_failed(rc, parent, e, value);
  zex_attr(rc->ex, n, "left", g_strdup(value ? "true" : "false"));
  zex_attr(rc->ex, n, "needed", g_strdup(value ? "false" : "true"));
  zex_attr(rc->ex, n, "type", g_strdup("bool"));
  term_attrs(rc, n, "left", fr, e);
  zframe callee;
  const zderived *d;
  if (zprobe_callee(rc, fr, e, &callee, &d))
    zwhy(rc, n, &callee, callee.ast, value);
  else if (e->kind == ZE_AGG)
    zwhy_records(rc, n, fr, e);
}

/* Operands of a chain of one operator: a and b and c -> a, b, c. */
static void operands(const zexpr *e, zexpr_kind kind, GPtrArray *out) {
  if (e->kind == kind) {
    operands(zexpr_kid(e, 0), kind, out);
    operands(zexpr_kid(e, 1), kind, out);
  } else {
    g_ptr_array_add(out, (gpointer)e);
  }
}

/* and/or: the operands that decided it.  `a and b` false: every false
 * operand (each run alone, even those the evaluation skipped); `a or b`
 * false: all of them.  Under a `not`, the other way round. */
static void why_logic(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *e, bool value) {
  g_autoptr(GPtrArray) ops = g_ptr_array_new();
  operands(e, e->kind, ops);
  /* `and` false: the false ones; `or` false: all, which are false; and
   * under a `not` (true): every operand of `and`, the true ones of `or` */
  for (guint i = 0; i < ops->len; i++) {
    const zexpr *op = g_ptr_array_index(ops, i);
    zval v;
    if (zprobe_value(rc, fr, op, &v) && !zval_is_missing(&v) && v.b == value)
      zwhy(rc, parent, fr, op, v.b);
  }
}

void zwhy(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *e, bool value) {
  /* a hostile policy may nest derived values and aggregates deeply, or
   * make every level branch: an explanation stays readable and bounded */
  if (!e || rc->why_depth >= ZWHY_MAX_DEPTH || rc->ex->nodes->len - rc->first_node >= ZWHY_MAX_NODES)
    return;
  rc->why_depth++;
  why_node(rc, parent, fr, e, value);
  rc->why_depth--;
}

static void why_node(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *e, bool value) {
  switch (e->kind) {
  case ZE_AND:
  case ZE_OR:
    why_logic(rc, parent, fr, e, value);
    return;
  case ZE_UNARY:
    if (e->op == 'n') {
      zwhy(rc, parent, fr, zexpr_kid(e, 0), !value);
      return;
    }
    break;
  case ZE_BINARY:
    if (e->op != ZOP_ADD && e->op != ZOP_SUB && e->op != ZOP_MUL && e->op != ZOP_DIV) {
      why_compare(rc, parent, fr, e, value);
      return;
    }
    break;
  case ZE_IN:
    why_in(rc, parent, fr, e, value);
    return;
  case ZE_IF: {
    zval c;
    if (zprobe_value(rc, fr, zexpr_kid(e, 0), &c) && !zval_is_missing(&c)) {
      zwhy(rc, parent, fr, zexpr_kid(e, c.b ? 1 : 2), value);
      return;
    }
    break;
  }
  case ZE_CALL:
    if (!e->method && strcmp(e->name, "within") == 0 && e->kids->len == 3) {
      why_within(rc, parent, fr, e, value);
      return;
    }
    break;
  default:
    break;
  }
  why_leaf(rc, parent, fr, e, value);
}

/* ---- aggregates, record by record ------------------------------------------ */

/* A side of a comparison that counts or sums records (itself, or the derived
 * value it calls): the records it considered, below the comparison. */
void zwhy_term(zrecorder *rc, size_t n, const zframe *fr, const zexpr *e, int depth) {
  if (depth > 4)
    return;
  if (e->kind == ZE_AGG) {
    zwhy_records(rc, n, fr, e);
    return;
  }
  zframe callee;
  const zderived *d;
  if (zprobe_callee(rc, fr, e, &callee, &d) && callee.ast)
    zwhy_term(rc, n, &callee, callee.ast, depth + 1);
}

/* The loop's variable slot and the ITER that fills it, as compile-aggregate.c
 * emits them: ITER b=slot ... NEXT b=slot, then the where (or the value). */
static bool find_loop(const zframe *fr, const zexpr *agg, int *slot, int *iter) {
  const zexpr *first = zexpr_kid(agg, 1) ? zexpr_kid(agg, 1) : zexpr_kid(agg, 2);
  if (!first || first->pc_from < 1)
    return false;
  const zinstr *next = &g_array_index(fr->block->code, zinstr, first->pc_from - 1);
  if (next->op != OP_NEXT)
    return false;
  *slot = next->b;
  for (int pc = agg->pc_from; pc < first->pc_from; pc++) {
    const zinstr *in = &g_array_index(fr->block->code, zinstr, pc);
    if (in->op == OP_ITER && in->b == *slot)
      return *iter = pc, true;
  }
  return false;
}

static int32_t iter_entity(zrecorder *rc, const zinstr *in) {
  if (in->a == ZITER_RELATION)
    return ((zrelation *)g_ptr_array_index(rc->policy->relations, in->c))->target;
  if (in->a == ZITER_ALL)
    return in->c;
  return rc->rule ? rc->rule->subject : -1;
}

static void explain_record(zrecorder *rc, size_t parent, zframe *fr, const zexpr *agg, int32_t entity, int32_t rec) {
  const zexpr *where = zexpr_kid(agg, 1), *value = zexpr_kid(agg, 2);
  char buf[32];
  zval w = {.b = true}, v;
  if (where && !zprobe_value(rc, fr, where, &w))
    return;
  if (zval_is_missing(&w)) {
    /* neither matched nor skipped: what its where lacks is missing */
    zex_add(rc->ex, ZJTX_NODE_RECORD, parent,
            g_strdup_printf("%s %s", zpolicy_entity(rc->policy, entity)->name,
                            zfacts_record_id(rc->facts, entity, rec, buf)),
            g_strdup("missing"), NULL);
    return;
  }
  const char *id = zfacts_record_id(rc->facts, entity, rec, buf);
  const zentity *e = zpolicy_entity(rc->policy, entity);
  size_t n = zex_add(rc->ex, ZJTX_NODE_RECORD, parent, g_strdup_printf("%s %s", e->name, id),
                     g_strdup(w.b ? "matched" : "skipped"), NULL);
  zex_attr(rc->ex, n, "entity", g_strdup(e->name));
  zex_attr(rc->ex, n, "id", g_strdup(id));
  zex_attr(rc->ex, n, "matched", g_strdup(w.b ? "true" : "false"));
  if (!w.b) {
    zwhy(rc, n, fr, where, false);
    return;
  }
  if (!value || !zprobe_value(rc, fr, value, &v))
    return;
  if (zval_is_missing(&v)) {
    zex_attr(rc->ex, n, "contributes", g_strdup("missing"));
  } else if (strcmp(agg->name, "all") == 0) {
    zex_attr(rc->ex, n, "holds", g_strdup(v.b ? "true" : "false"));
    if (!v.b)
      zwhy(rc, n, fr, value, false);
  } else {
    zex_attr(rc->ex, n, "contributes", zwhy_format(rc, value->type, &v));
    zex_node(rc->ex, n)->money = value->type.kind == ZT_MONEY;
  }
}

void zwhy_records(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *agg) {
  int slot, iter;
  if (rc->ex->nodes->len - rc->first_node >= ZWHY_MAX_NODES || !find_loop(fr, agg, &slot, &iter))
    return;
  /* a frame of our own: the loop's variable is set record by record */
  zframe own = *fr;
  own.locals = zprobe_locals(rc);
  memcpy(own.locals, fr->locals, sizeof(zval) * (size_t)fr->block->n_locals);
  zval ignored;
  if (!zprobe_range(rc, &own, agg->pc_from, iter + 1, &ignored, 0))
    return;
  const zinstr *in = &g_array_index(fr->block->code, zinstr, iter);
  int32_t entity = iter_entity(rc, in);
  if (entity < 0)
    return;
  const int32_t *first = own.locals[slot + 1].items, *last = own.locals[slot + 2].items;
  zex_attr(rc->ex, parent, "record_count", g_strdup_printf("%td", last - first));
  int listed = 0;
  for (const int32_t *p = first; p < last && listed < ZWHY_MAX_RECORDS; p++, listed++) {
    own.locals[slot].rec = *p;
    explain_record(rc, parent, &own, agg, entity, *p);
  }
}
