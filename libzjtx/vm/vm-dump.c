/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vm-dump.c - the text listing of compiled blocks (zjtx dump), in the
 * manner of `luac -l`: each operand decoded by its kind in opcodes.h, so
 * that a reader sees `CMP >= decimal`, `CONST 3 ; 1000000`,
 * `FIELD enterprise.rd_expense`, `JUMP -> 12`. */
#include "vm.h"

#include "expr.h"

static const char *cmp_kind_name(int kind) {
  static const char *const names[] = {
      [ZCMP_DEC] = "decimal", [ZCMP_INT] = "integer", [ZCMP_TEXT] = "text", [ZCMP_BOOL] = "bool"};
  return kind >= 0 && kind < (int)G_N_ELEMENTS(names) ? names[kind] : "?";
}

static const char *round_mode_name(int mode) {
  static const char *const names[] = {
      [ZROUND_HALF_UP] = "half_up", [ZROUND_HALF_EVEN] = "half_even", [ZROUND_DOWN] = "down",
      [ZROUND_UP] = "up",           [ZROUND_FLOOR] = "floor",         [ZROUND_CEILING] = "ceiling"};
  return mode >= 0 && mode < (int)G_N_ELEMENTS(names) ? names[mode] : "?";
}

/* A text between single quotes, control characters escaped so that a
 * listing keeps one instruction per line; UTF-8 passes through. */
static void append_quoted(GString *out, const char *s) {
  g_string_append_c(out, '\'');
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '\'' || ch == '\\')
      g_string_append_printf(out, "\\%c", ch);
    else if (ch < 0x20 || ch == 0x7f)
      g_string_append_printf(out, "\\x%02x", ch);
    else
      g_string_append_c(out, (char)ch);
  }
  g_string_append_c(out, '\'');
}

/* A constant's value, typed by what the compiler put in CONST's a and b. */
static void append_const(const struct zjtx_policy *p, const zinstr *in, GString *out) {
  const zval *v = &g_array_index(p->consts, zval, in->c);
  char buf[ZDEC_BUFSZ];
  switch ((ztype_kind)in->a) {
  case ZT_NUMBER:
  case ZT_MONEY:
  case ZT_RATE:
    g_string_append(out, zdec_format(v->d, -1, buf));
    break;
  case ZT_DATE:
    g_string_append(out, zdate_format(v->date, buf));
    break;
  case ZT_BOOL:
    g_string_append(out, v->b ? "true" : "false");
    break;
  case ZT_TEXT:
    append_quoted(out, v->s);
    break;
  case ZT_CODE:
    if (in->b > 0)
      append_quoted(out, g_ptr_array_index(((zcodeset *)g_ptr_array_index(p->codesets, in->b - 1))->values, v->code));
    else
      g_string_append_printf(out, "code #%d", v->code);
    break;
  default:
    break;
  }
}

/* What ITER walks: a relation of its owner, a group's members, or every
 * record of an entity. */
static void append_collection(const struct zjtx_policy *p, const zinstr *in, GString *out) {
  if (in->a == ZITER_MEMBERS) {
    g_string_append(out, "members");
  } else if (in->a == ZITER_ALL) {
    g_string_append_printf(out, "all %s", zpolicy_entity(p, in->c)->plural);
  } else {
    const zrelation *r = g_ptr_array_index(p->relations, in->c);
    g_string_append_printf(out, "%s.%s", zpolicy_entity(p, r->owner)->name, r->name);
  }
}

/* months()'s rule as the policy writes it. */
static void append_month_rule(int rule, GString *ops) {
  if (rule == ZMONTHS_FIRST_DAY)
    g_string_append(ops, "first-day");
  else if (rule == ZMONTHS_WHOLE)
    g_string_append(ops, "whole-month");
  else if (rule == ZMONTHS_ANY_DAY)
    g_string_append(ops, "any-day");
  else
    g_string_append_printf(ops, "%d days", rule);
}

/* One operand as a reader understands it; some kinds are shown with
 * another operand (a constant's type with its value, an entity with its
 * field) and print nothing themselves. */
static void append_operand(const struct zjtx_policy *p, const zinstr *in, zoperand kind, int value, GString *ops,
                           GString *note) {
  static const char *const period_parts[] = {"start", "end", "year"};
  gsize len = ops->len;
  switch (kind) {
  case ZOPND_CONST:
    g_string_append_printf(ops, "%d", value);
    append_const(p, in, note);
    break;
  case ZOPND_SLOT: /* LOCAL 1, STORE 1; elsewhere a slot is named so */
    g_string_append_printf(ops, in->op == OP_LOCAL || in->op == OP_STORE ? "%d" : "local %d", value);
    break;
  case ZOPND_PLACES:
    g_string_append_printf(ops, "%d", value);
    break;
  case ZOPND_FIELD: {
    const zentity *e = zpolicy_entity(p, in->c);
    g_string_append_printf(ops, "%s.%s", e->name, zentity_field(e, value)->name);
    break;
  }
  case ZOPND_ENTITY:
    if (in->op == OP_PARENT)
      g_string_append_printf(ops, "%s -> %s", zpolicy_entity(p, value)->name,
                             zpolicy_entity(p, zpolicy_entity(p, value)->parent)->name);
    break;
  case ZOPND_CMPOP:
    g_string_append(ops, zop_text(value));
    break;
  case ZOPND_KIND:
    g_string_append(ops, cmp_kind_name(value));
    break;
  case ZOPND_TARGET:
    g_string_append_printf(ops, "-> %d", value);
    break;
  case ZOPND_RMODE:
    g_string_append(ops, round_mode_name(value));
    break;
  case ZOPND_PARAM:
    g_string_append(ops, ((zparam *)g_ptr_array_index(p->params, value))->id);
    if (in->a & ZPARAM_KEYED)
      g_string_append(ops, " [key]");
    if (in->a & ZPARAM_DATED)
      g_string_append(ops, " @date");
    break;
  case ZOPND_PERIOD:
    g_string_append(ops, value >= 0 && value < 3 ? period_parts[value] : "?");
    break;
  case ZOPND_ISRC:
    append_collection(p, in, ops);
    break;
  case ZOPND_ISMAX:
    g_string_append(ops, value & 1 ? "max" : "min");
    if (value & ZMISS_AGG)
      g_string_append(ops, " missing?");
    break;
  case ZOPND_MISS:
    if (value & ZMISS_RECORD && in->op == OP_RULE_VALUE)
      g_string_append(ops, "missing? (record)");
    else if (value & ZMISS_RECORD && in->op == OP_FIELD)
      g_string_append(ops, value & ZMISS_FIELD ? "missing? (record, field)" : "missing? (record)");
    else if (value)
      g_string_append(ops, "missing?");
    break;
  case ZOPND_LOGIC:
    g_string_append(ops, value ? "or" : "and");
    break;
  case ZOPND_MRULE:
    append_month_rule(value, ops);
    break;
  case ZOPND_DERIVED:
    g_string_append(ops, ((zderived *)g_ptr_array_index(p->derived, value))->name);
    if (in->a)
      g_string_append_printf(note, "%u argument%s", in->a, in->a == 1 ? "" : "s");
    break;
  case ZOPND_SCALE:
    g_string_append(ops, ((zscale *)g_ptr_array_index(p->scales, value))->id);
    if (in->a & ZSCALE_DATED)
      g_string_append(ops, " @date");
    break;
  case ZOPND_CACHE:
    g_string_append_printf(ops, "cache %d", value);
    break;
  case ZOPND_SFLAGS:
    if (value & ZMISS_OPERAND)
      g_string_append(ops, "missing?");
    break;
  case ZOPND_RULE:
    g_string_append(ops, ((zrule *)g_ptr_array_index(p->rules, value))->id);
    break;
  case ZOPND_AGG:
    g_string_append_printf(ops, "%d", value);
    g_string_append(note, g_array_index(p->aggregates, zagg_info, value).label);
    break;
  default: /* NONE, CTYPE, CREF, PFLAGS, COLL, NARGS: shown with another operand */
    break;
  }
  /* operands are separated by a space; an empty one leaves none */
  if (ops->len > len && len > 0)
    g_string_insert_c(ops, (gssize)len, ' ');
}

void zvm_dump_block(const struct zjtx_policy *p, const zblock *b, GString *out) {
  GString *ops = g_string_new(NULL), *note = g_string_new(NULL);
  for (guint i = 0; i < b->code->len; i++) {
    const zinstr *in = &g_array_index(b->code, zinstr, i);
    const zop_row *row = zop_info((zopcode)in->op);
    g_string_truncate(ops, 0);
    g_string_truncate(note, 0);
    if (row) {
      append_operand(p, in, row->a, in->a, ops, note);
      append_operand(p, in, row->b, in->b, ops, note);
      append_operand(p, in, row->c, in->c, ops, note);
    }
    g_string_append_printf(out, "    %4u  %-12s %s", i, zop_name((zopcode)in->op), ops->str);
    if (note->len)
      g_string_append_printf(out, "%s; %s", ops->len ? "  " : "", note->str);
    while (out->len && out->str[out->len - 1] == ' ')
      g_string_truncate(out, out->len - 1);
    g_string_append_c(out, '\n');
  }
  g_string_free(ops, TRUE);
  g_string_free(note, TRUE);
}
