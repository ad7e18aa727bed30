/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* explain-probe.c - one sub-expression run alone: the instructions the
 * compiler emitted for it (zexpr.pc_from .. pc_to), copied and run by the VM
 * in the frame the whole expression ran in.  An explanation uses it for the
 * values the evaluation did not need (the operands after a false `and`,
 * each record of an aggregate): the policy's own code computes them. */
#include <string.h>

#include "explain-internal.h"

static bool each_source(const zjtx_policy *p, const zblock *b, const zexpr **out) {
  for (guint i = 0; i < p->rules->len; i++) {
    const zrule *r = g_ptr_array_index(p->rules, i);
    const zsource_expr *srcs[] = {&r->condition, &r->amount, &r->filter};
    for (int k = 0; k < 3; k++)
      if (&srcs[k]->block == b)
        return *out = srcs[k]->ast, true;
    for (guint c = 0; c < r->caps->len; c++) {
      const zcap *cap = g_ptr_array_index(r->caps, c);
      if (&cap->expr.block == b)
        return *out = cap->expr.ast, true;
    }
  }
  for (guint i = 0; i < p->derived->len; i++) {
    const zderived *d = g_ptr_array_index(p->derived, i);
    if (&d->expr.block == b)
      return *out = d->expr.ast, true;
  }
  for (guint i = 0; i < p->indicators->len; i++) {
    const zindicator *ind = g_ptr_array_index(p->indicators, i);
    if (&ind->value.block == b)
      return *out = ind->value.ast, true;
  }
  return false;
}

const zexpr *zprobe_source(const zjtx_policy *p, const zblock *b) {
  const zexpr *ast = NULL;
  return each_source(p, b, &ast) ? ast : NULL;
}

const zexpr *zprobe_find(const zexpr *root, zexpr_kind kind, int pc_to) {
  if (!root)
    return NULL;
  if (root->kind == kind && root->pc_to == pc_to)
    return root;
  for (guint i = 0; i < root->kids->len; i++) {
    const zexpr *found = zprobe_find(zexpr_kid(root, i), kind, pc_to);
    if (found)
      return found;
  }
  return NULL;
}

zval *zprobe_locals(zrecorder *rc) {
  zval *locals = g_new0(zval, rc->policy->max_locals + 8);
  g_ptr_array_add(rc->buffers, locals);
  return locals;
}

static bool jumps(uint8_t op) {
  return zop_info((zopcode)op)->c == ZOPND_TARGET;
}

/* Whether [from, to) only uses values it pushed itself, counted as the
 * compiler counts them (straight through, as zcomp_emit does): a part of a
 * block never reaches below the stack it started on. */
static bool self_contained(const zblock *b, int from, int to) {
  int depth = 0;
  for (int i = from; i < to; i++) {
    const zinstr *in = &g_array_index(b->code, zinstr, i);
    const zop_row *row = zop_info((zopcode)in->op);
    if (!row)
      return false;
    int pops = row->pops;
    if (in->op == OP_PARAM)
      pops += ((in->a & ZPARAM_KEYED) != 0) + ((in->a & ZPARAM_DATED) != 0);
    else if (in->op == OP_CALL)
      pops += in->a;
    else if ((in->op == OP_AND_SC || in->op == OP_OR_SC) && in->a)
      pops = 0; /* the left operand stays for JOIN (zcomp_begin_logic) */
    depth -= pops;
    if (depth < 0)
      return false;
    depth += row->pushes;
  }
  return true;
}

/* The instructions [from, to) as a block of their own: jumps moved with
 * them, then SELF (so that a part that leaves nothing still returns) and
 * RET.  False when a jump leaves the range: then it is not one part. */
static bool copy_range(const zblock *b, int from, int to, GArray *code) {
  for (int i = from; i < to; i++) {
    zinstr in = g_array_index(b->code, zinstr, i);
    if (jumps(in.op)) {
      if (in.c < from || in.c > to)
        return false;
      in.c -= from;
    }
    g_array_append_val(code, in);
  }
  zinstr self = {OP_SELF, 0, 0, 0}, ret = {OP_RET, 0, 0, 0};
  g_array_append_val(code, self);
  g_array_append_val(code, ret);
  return true;
}

bool zprobe_range(zrecorder *rc, const zframe *fr, int from, int to, zval *out, int n) {
  const zblock *b = fr->block;
  if (!b || !b->code || from < 0 || from > to || to > (int)b->code->len || !self_contained(b, from, to))
    return false;
  g_autoptr(GArray) code = g_array_sized_new(FALSE, FALSE, sizeof(zinstr), (guint)(to - from + 2));
  if (!copy_range(b, from, to, code))
    return false;
  zblock part = {code, b->max_stack + 1, b->n_locals, b->calls, 0, NULL}; /* run as it is */
  zvm *vm = &rc->run->vm;
  ztrace *trace = vm->trace;
  vm->trace = NULL; /* what a part reads is shown where the part is explained */
  zval v;
  bool ok = zvm_run(vm, &part, fr->self, fr->locals, &v);
  vm->trace = trace;
  if (!ok) {
    /* e.g. a division the evaluation never reached: nothing to say about it */
    zjtx_error_free(vm->error);
    vm->error = NULL;
    return false;
  }
  memcpy(out, vm->stack, sizeof(zval) * (size_t)n);
  return true;
}

bool zprobe_value(zrecorder *rc, const zframe *fr, const zexpr *e, zval *out) {
  return e && e->pc_to > e->pc_from && zprobe_range(rc, fr, e->pc_from, e->pc_to, out, 1);
}

static const zinstr *last_instr(const zframe *fr, const zexpr *e) {
  if (!e || !fr->block->code || e->pc_to <= e->pc_from || e->pc_to > (int)fr->block->code->len)
    return NULL;
  return &g_array_index(fr->block->code, zinstr, e->pc_to - 1);
}

bool zprobe_callee(zrecorder *rc, const zframe *fr, const zexpr *e, zframe *callee, const zderived **d) {
  const zinstr *in = last_instr(fr, e);
  if (!in || in->op != OP_CALL)
    return false;
  int nargs = in->a;
  zval vals[ZEXPR_MAX_DEPTH + 1];
  if (nargs > ZEXPR_MAX_DEPTH || !zprobe_range(rc, fr, e->pc_from, e->pc_to - 1, vals, nargs + 1))
    return false;
  *d = g_ptr_array_index(rc->policy->derived, in->c);
  *callee = (zframe){&(*d)->expr.block, (*d)->expr.ast, vals[0].rec, (*d)->entity, zprobe_locals(rc)};
  memcpy(callee->locals, vals + 1, sizeof(zval) * (size_t)nargs);
  return callee->ast != NULL;
}

bool zprobe_field(const zframe *fr, const zexpr *e, int32_t *entity, int32_t *field) {
  const zinstr *in = last_instr(fr, e);
  if (!in || (in->op != OP_FIELD && in->op != OP_SELF_FIELD))
    return false;
  *entity = in->c;
  *field = in->b;
  return true;
}

bool zprobe_param(const zframe *fr, const zexpr *e, int32_t *param) {
  const zinstr *in = last_instr(fr, e);
  if (!in || in->op != OP_PARAM)
    return false;
  *param = in->c;
  return true;
}

/* ---- the text of a tree ---------------------------------------------------- */

/* Binding strength, as in the grammar of expr.h. */
static int strength(const zexpr *e) {
  switch (e->kind) {
  case ZE_IF:
    return 0;
  case ZE_OR:
    return 1;
  case ZE_AND:
    return 2;
  case ZE_UNARY:
    return e->op == 'n' ? 3 : 7;
  case ZE_IN:
    return 4;
  case ZE_BINARY:
    return e->op == ZOP_ADD || e->op == ZOP_SUB ? 5 : e->op == ZOP_MUL || e->op == ZOP_DIV ? 6 : 4;
  default:
    return 8;
  }
}

static void text(const zexpr *e, GString *out);

static void kid_text(const zexpr *kid, int min, GString *out) {
  bool paren = strength(kid) < min;
  if (paren)
    g_string_append_c(out, '(');
  text(kid, out);
  if (paren)
    g_string_append_c(out, ')');
}

static void args_text(const zexpr *e, guint first, GString *out) {
  g_string_append_c(out, '(');
  for (guint i = first; i < e->kids->len; i++) {
    if (i > first)
      g_string_append(out, ", ");
    text(zexpr_kid(e, i), out);
  }
  g_string_append_c(out, ')');
}

static void agg_text(const zexpr *e, GString *out) {
  static const char *const parts[] = {NULL, " where ", " : ", " else "};
  g_string_append_printf(out, "%s(%s in ", e->name, e->agg_var);
  text(zexpr_kid(e, 0), out);
  for (guint i = 1; i < 4; i++)
    if (zexpr_kid(e, i)) {
      g_string_append(out, parts[i]);
      text(zexpr_kid(e, i), out);
    }
  g_string_append_c(out, ')');
}

static void text(const zexpr *e, GString *out) {
  char buf[ZDEC_BUFSZ];
  int s = strength(e);
  switch (e->kind) {
  case ZE_NUMBER:
    g_string_append(out, zdec_format(e->num, -1, buf));
    break;
  case ZE_PERCENT: {
    zdec pct = {e->num.m, e->num.scale - 2};
    if (pct.scale < 0)
      zdec_mul(e->num, zdec_from_int(100), &pct);
    g_string_append_printf(out, "%s%%", zdec_format(pct, -1, buf));
    break;
  }
  case ZE_STRING:
    g_string_append_printf(out, "'%s'", e->str);
    break;
  case ZE_BOOL:
    g_string_append(out, e->b ? "true" : "false");
    break;
  case ZE_NAME:
    g_string_append(out, e->name);
    break;
  case ZE_MEMBER:
    kid_text(zexpr_kid(e, 0), 8, out);
    g_string_append_printf(out, ".%s", e->name);
    break;
  case ZE_CALL:
    if (e->method) {
      kid_text(zexpr_kid(e, 0), 8, out);
      g_string_append_printf(out, ".%s", e->name);
      args_text(e, 1, out);
    } else {
      g_string_append(out, e->name);
      args_text(e, 0, out);
    }
    break;
  case ZE_INDEX:
    kid_text(zexpr_kid(e, 0), 8, out);
    g_string_append_c(out, '[');
    text(zexpr_kid(e, 1), out);
    g_string_append_c(out, ']');
    break;
  case ZE_AT:
    kid_text(zexpr_kid(e, 0), 8, out);
    g_string_append(out, " @ ");
    kid_text(zexpr_kid(e, 1), 8, out);
    break;
  case ZE_UNARY:
    g_string_append(out, e->op == 'n' ? "not " : "-");
    kid_text(zexpr_kid(e, 0), s, out);
    break;
  case ZE_BINARY:
  case ZE_AND:
  case ZE_OR:
    kid_text(zexpr_kid(e, 0), s, out);
    g_string_append_printf(out, " %s ", e->kind == ZE_AND ? "and" : e->kind == ZE_OR ? "or" : zop_text(e->op));
    kid_text(zexpr_kid(e, 1), s + 1, out);
    break;
  case ZE_IF:
    g_string_append(out, "if ");
    text(zexpr_kid(e, 0), out);
    g_string_append(out, " then ");
    text(zexpr_kid(e, 1), out);
    g_string_append(out, " else ");
    text(zexpr_kid(e, 2), out);
    break;
  case ZE_IN:
    kid_text(zexpr_kid(e, 0), 5, out);
    g_string_append(out, " in ");
    args_text(e, 1, out);
    break;
  case ZE_AGG:
    agg_text(e, out);
    break;
  }
}

char *zprobe_text(const zexpr *e) {
  GString *out = g_string_new(NULL);
  if (e)
    text(e, out);
  return g_string_free(out, FALSE);
}
