/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vm.c - the stack machine.  Runs a compiled block over one record.
 *
 * Types were checked when the policy was loaded, so opcodes pop untagged
 * values.  Nothing here allocates: the stack and locals are the
 * evaluator's, sized by the compiler (zcompile_link). */
#include "vm.h"

#include <stdarg.h>
#include <string.h>

#include "expr.h"

static bool vm_fail(zvm *vm, zjtx_status code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool vm_fail(zvm *vm, zjtx_status code, const char *fmt, ...) {
  if (!vm->error) {
    va_list ap;
    va_start(ap, fmt);
    vm->error = zerr_newv(code, NULL, 0, 0, vm->rule_id, fmt, ap);
    va_end(ap);
  }
  return false;
}

static const zparam_value *find_value(const zparam *p, int32_t key, zdate on) {
  const zparam_value *best = NULL;
  for (guint i = 0; i < p->values->len; i++) {
    const zparam_value *v = &g_array_index(p->values, zparam_value, i);
    if (v->key == key && v->from <= on && (!best || v->from >= best->from))
      best = v;
  }
  return best;
}

static bool find_override(const zvm *vm, int32_t param, int32_t key, zval *out) {
  /* the last override given wins, a keyed one over an all-keys one */
  bool found = false;
  for (size_t i = 0; i < vm->n_overrides; i++) {
    const zoverride *o = &vm->overrides[i];
    if (o->param == param && (o->key == key || o->key == -1)) {
      if (found && o->key == -1 && key != -1)
        continue;
      *out = o->value;
      found = true;
    }
  }
  return found;
}

bool zvm_param(zvm *vm, int32_t param, int32_t key, zdate on, zval *out) {
  const zparam *p = g_ptr_array_index(vm->policy->params, param);
  const zparam_value *pv = NULL;
  if (vm->overridden && vm->overridden[param] && find_override(vm, param, key, out)) {
    /* an override replaces every dated value */
  } else if ((pv = find_value(p, key, on))) {
    *out = pv->value;
  } else if (p->has_default) {
    *out = p->default_value;
  } else {
    char d[16];
    const char *k =
        key >= 0 ? g_ptr_array_index(((zcodeset *)g_ptr_array_index(vm->policy->codesets, p->key_codeset))->values, key)
                 : NULL;
    return vm_fail(vm, ZJTX_ERR_EVAL, "parameter '%s'%s%s%s has no value in force on %s", p->id, k ? "[" : "",
                   k ? k : "", k ? "]" : "", zdate_format(on, d));
  }
  if (vm->trace)
    vm->trace->param(vm->trace, p, key, on, pv, out);
  return true;
}

static int cmp_values(int kind, const zval *a, const zval *b) {
  switch (kind) {
  case ZCMP_DEC:
    return zdec_cmp(a->d, b->d);
  case ZCMP_TEXT:
    return strcmp(a->s, b->s);
  case ZCMP_BOOL:
    return (int)a->b - (int)b->b;
  default:
    return (a->code > b->code) - (a->code < b->code);
  }
}

static bool test(int op, int c) {
  switch (op) {
  case ZOP_EQ:
    return c == 0;
  case ZOP_NE:
    return c != 0;
  case ZOP_LT:
    return c < 0;
  case ZOP_LE:
    return c <= 0;
  case ZOP_GT:
    return c > 0;
  default:
    return c >= 0;
  }
}

static bool arith(zvm *vm, zopcode op, zval *a, const zval *b) {
  bool ok;
  switch (op) {
  case OP_ADD:
    ok = zdec_add(a->d, b->d, &a->d);
    break;
  case OP_SUB:
    ok = zdec_sub(a->d, b->d, &a->d);
    break;
  case OP_MUL:
    ok = zdec_mul(a->d, b->d, &a->d);
    break;
  default:
    if (zdec_is_zero(b->d))
      return vm_fail(vm, ZJTX_ERR_EVAL, "division by zero");
    ok = zdec_div(a->d, b->d, &a->d);
    break;
  }
  return ok || vm_fail(vm, ZJTX_ERR_OVERFLOW, "a number is too large for exact arithmetic (overflow)");
}

static bool days_op(zvm *vm, zopcode op, zval *a, const zval *b) {
  int64_t n;
  if (!zdec_to_int64(b->d, &n) || n > 3650000 || n < -3650000)
    return vm_fail(vm, ZJTX_ERR_EVAL, "a date can only be moved by a whole number of days");
  int64_t r = (int64_t)a->date + (op == OP_ADD_DAYS ? n : -n);
  zdate lo, hi;
  zdate_from_ymd(1, 1, 1, &lo);
  zdate_from_ymd(9999, 12, 31, &hi);
  if (r < lo || r > hi)
    return vm_fail(vm, ZJTX_ERR_EVAL, "a date moved out of the years 1 to 9999");
  a->date = (zdate)r;
  return true;
}

static bool exec(zvm *vm, const zblock *b, int32_t self, zval *locals, zval *stack, zval *out);

static bool call(zvm *vm, const zinstr *in, zval *locals, int32_t n_locals, zval **spp) {
  const zderived *d = g_ptr_array_index(vm->policy->derived, in->c);
  zval *sp = *spp;
  int nargs = in->a;
  zval *callee_locals = locals + n_locals;
  memcpy(callee_locals, sp - nargs, sizeof(zval) * (size_t)nargs);
  sp -= nargs;
  int32_t recv = sp[-1].rec;
  if (vm->trace)
    vm->trace->enter_derived(vm->trace, d, recv, callee_locals);
  if (!exec(vm, &d->expr.block, recv, callee_locals, sp, &sp[-1]))
    return false;
  if (vm->trace)
    vm->trace->leave_derived(vm->trace, d, &sp[-1]);
  *spp = sp;
  return true;
}

static bool iter(zvm *vm, const zinstr *in, zval *locals, const zval *owner) {
  const int32_t *first, *last;
  if (in->a == ZITER_MEMBERS) {
    first = vm->members;
    last = vm->members + vm->n_members;
  } else if (in->a == ZITER_ALL) {
    first = vm->facts->identity;
    last = first + vm->facts->tables[in->c].n;
  } else {
    const zcsr *r = &vm->facts->relations[in->c];
    first = r->items + r->offsets[owner->rec];
    last = r->items + r->offsets[owner->rec + 1];
  }
  locals[in->b + 1].items = first;
  locals[in->b + 2].items = last;
  return true;
}

static bool round_op(zvm *vm, const zinstr *in, zval *v) {
  return zdec_round(v->d, in->b, (zround_mode)in->a, &v->d) || vm_fail(vm, ZJTX_ERR_OVERFLOW, "rounding overflowed");
}

static bool param_op(zvm *vm, const zinstr *in, zval **spp) {
  zval *sp = *spp;
  zdate on = vm->period_end;
  int32_t key = -1;
  if (in->a & ZPARAM_DATED)
    on = (--sp)->date;
  if (in->a & ZPARAM_KEYED)
    key = (--sp)->code;
  /* undated: the value in force at the period's end, computed once per run
   * (not while explaining: the explanation records every look-up) */
  if (!(in->a & ZPARAM_DATED) && !vm->trace && vm->at_end && vm->at_end_ok[in->c][key + 1]) {
    *sp = vm->at_end[in->c][key + 1];
    *spp = sp + 1;
    return true;
  }
  if (!zvm_param(vm, in->c, key, on, sp))
    return false;
  *spp = sp + 1;
  return true;
}

/* Explaining only: what the VM read and chose, reported to the trace. */
static void trace_field(zvm *vm, const zinstr *in, int32_t rec) {
  if (vm->trace->field) {
    zval v = zfacts_get(vm->facts, in->c, in->b, rec);
    vm->trace->field(vm->trace, in->c, in->b, rec, &v);
  }
}
static void trace_minmax(zvm *vm, const zblock *b, const zinstr *in, const zval *x, const zval *y, bool took_y) {
  if (vm->trace->minmax)
    vm->trace->minmax(vm->trace, b, (int32_t)(in - (const zinstr *)(void *)b->code->data), x, y, took_y);
}
static void trace_agg_frame(zvm *vm, const zblock *b, const zinstr *in, int32_t self, const zval *locals,
                            const zval *v) {
  if (vm->trace->aggregate_frame)
    vm->trace->aggregate_frame(vm->trace, b, (int32_t)(in - (const zinstr *)(void *)b->code->data), self, locals, v);
}

static bool exec(zvm *vm, const zblock *b, int32_t self, zval *locals, zval *stack, zval *out) {
  const zinstr *code = (const zinstr *)(void *)b->code->data;
  const zval *consts = (const zval *)(void *)vm->policy->consts->data;
  const struct zjtx_facts *f = vm->facts;
  zval *sp = stack;
  for (const zinstr *in = code;; in++) {
    switch ((zopcode)in->op) {
    case OP_CONST:
      *sp++ = consts[in->c];
      break;
    case OP_SELF:
      (sp++)->rec = self;
      break;
    case OP_LOCAL:
      *sp++ = locals[in->b];
      break;
    case OP_STORE:
      locals[in->b] = *--sp;
      break;
    case OP_DUP:
      sp[0] = sp[-1];
      sp++;
      break;
    case OP_POP:
      sp--;
      break;
    case OP_FIELD:
      if (vm->trace)
        trace_field(vm, in, sp[-1].rec);
      sp[-1] = zfacts_get(f, in->c, in->b, sp[-1].rec);
      break;
    case OP_SELF_FIELD:
      if (vm->trace)
        trace_field(vm, in, self);
      *sp++ = zfacts_get(f, in->c, in->b, self);
      break;
    case OP_PARENT:
      sp[-1].rec = g_array_index(f->tables[in->c].parent, int32_t, sp[-1].rec);
      break;
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
      sp--;
      if (!arith(vm, (zopcode)in->op, &sp[-1], sp))
        return false;
      break;
    case OP_NEG:
      sp[-1].d = zdec_neg(sp[-1].d);
      break;
    case OP_ABS:
      if (zdec_sign(sp[-1].d) < 0)
        sp[-1].d = zdec_neg(sp[-1].d);
      break;
    case OP_ADD_DAYS:
    case OP_SUB_DAYS:
      sp--;
      if (!days_op(vm, (zopcode)in->op, &sp[-1], sp))
        return false;
      break;
    case OP_DAYS_BETWEEN:
      sp--;
      sp[-1].d = zdec_from_int((int64_t)sp[0].date - sp[-1].date);
      break;
    case OP_CMP:
      sp--;
      sp[-1].b = test(in->a, cmp_values(in->b, &sp[-1], sp));
      break;
    case OP_NOT:
      sp[-1].b = !sp[-1].b;
      break;
    case OP_JUMP:
      in = code + in->c - 1;
      break;
    case OP_JUMP_FALSE:
      if (!(--sp)->b)
        in = code + in->c - 1;
      break;
    case OP_AND_SC:
      if (!sp[-1].b)
        in = code + in->c - 1;
      else
        sp--;
      break;
    case OP_OR_SC:
      if (sp[-1].b)
        in = code + in->c - 1;
      else
        sp--;
      break;
    case OP_MIN:
    case OP_MAX: {
      sp--;
      int c = cmp_values(in->b, &sp[-1], sp);
      if (vm->trace)
        trace_minmax(vm, b, in, &sp[-1], sp, in->op == OP_MAX ? c < 0 : c > 0);
      if (in->op == OP_MAX ? c < 0 : c > 0)
        sp[-1] = sp[0];
      break;
    }
    case OP_ROUND:
      if (!round_op(vm, in, &sp[-1]))
        return false;
      break;
    case OP_YEAR:
      sp[-1].d = zdec_from_int(zdate_year(sp[-1].date));
      break;
    case OP_MONTH:
      sp[-1].d = zdec_from_int(zdate_month(sp[-1].date));
      break;
    case OP_DAY:
      sp[-1].d = zdec_from_int(zdate_day(sp[-1].date));
      break;
    case OP_PARAM:
      if (!param_op(vm, in, &sp))
        return false;
      break;
    case OP_PERIOD:
      if (in->a == 2)
        sp->d = zdec_from_int(vm->period_year);
      else
        sp->date = in->a == 0 ? vm->period_start : vm->period_end;
      sp++;
      break;
    case OP_ITER:
      sp--;
      iter(vm, in, locals, sp);
      break;
    case OP_NEXT:
      if (locals[in->b + 1].items < locals[in->b + 2].items)
        locals[in->b].rec = *locals[in->b + 1].items++;
      else
        in = code + in->c - 1;
      break;
    case OP_INC: {
      zdec one = zdec_from_int(1);
      if (!zdec_add(sp[-1].d, one, &sp[-1].d))
        return vm_fail(vm, ZJTX_ERR_OVERFLOW, "count overflowed");
      break;
    }
    case OP_AGG_MINMAX: {
      sp--;
      zval *seen = &locals[in->c];
      int c = seen->b ? cmp_values(in->b, sp, &sp[-1]) : 0;
      if (!seen->b || (in->a ? c > 0 : c < 0))
        sp[-1] = sp[0];
      seen->b = true;
      break;
    }
    case OP_CALL:
      if (!call(vm, in, locals, b->n_locals, &sp))
        return false;
      break;
    case OP_GROUP_KEY:
      (sp++)->s = vm->group_key;
      break;
    case OP_RET:
      *out = sp[-1];
      return true;
    case OP_TRACE_AGG:
      if (vm->trace && vm->trace->aggregate)
        vm->trace->aggregate(vm->trace, &g_array_index(vm->policy->aggregates, zagg_info, in->c), &sp[-1]);
      if (vm->trace)
        trace_agg_frame(vm, b, in, self, locals, &sp[-1]);
      break;
    default:
      return vm_fail(vm, ZJTX_ERR_EVAL, "bad opcode %d", in->op);
    }
  }
}

bool zvm_run(zvm *vm, const zblock *block, int32_t self, zval *locals, zval *out) {
  return exec(vm, block, self, locals ? locals : vm->locals, vm->stack, out);
}
