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

/* ---- missing values ------------------------------------------------------ */

bool zvm_missing_inputs(const zvm *vm, uint64_t inputs, void (*fn)(const zmissing_input *in, void *data), void *data) {
  for (int i = 0; i < vm->n_missing; i++)
    if (inputs & ((uint64_t)1 << i))
      fn(&vm->missing[i], data);
  return (inputs >> ZVM_MISSING_MORE) & 1;
}

/* The bit of a missing value that names field `field` of record `rec`. */
static uint64_t missing_bit(zvm *vm, int32_t entity, int32_t field, int32_t rec) {
  if (G_UNLIKELY(vm->lacking))
    vm->lacking[entity][rec] = 1;
  for (int i = 0; i < vm->n_missing; i++) {
    const zmissing_input *m = &vm->missing[i];
    if (m->rec == rec && m->field == field && m->entity == entity)
      return (uint64_t)1 << i;
  }
  if (vm->n_missing == ZVM_MAX_MISSING)
    return (uint64_t)1 << ZVM_MISSING_MORE;
  vm->missing[vm->n_missing] = (zmissing_input){entity, field, rec};
  return (uint64_t)1 << vm->n_missing++;
}

static inline uint64_t inputs_of(const zval *v) {
  return zval_is_missing(v) ? v->missing.inputs : 0;
}

/* x op y where either may be missing: true (and x missing, lacking what
 * both lack) when one is. */
static inline bool either_missing(zval *x, const zval *y) {
  if (G_LIKELY(!zval_is_missing(x) && !zval_is_missing(y)))
    return false;
  *x = zval_missing(inputs_of(x) | inputs_of(y));
  return true;
}

/* Values are written whole, 32 bytes in two 16-byte stores, never a field
 * at a time: a value written in narrow pieces and then copied whole (by
 * RET, LOCAL, STORE, a call's arguments) cannot be forwarded from the store
 * buffer, and the copy waits for the stores to reach the cache (perf showed
 * RET's copy taking a tenth of the VM's time).  Words are little-endian
 * here: the union's first member starts at byte 0, the missing tag (0:
 * present) at byte 16.  Elsewhere, field by field. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef uint64_t zwords __attribute__((vector_size(16)));
static inline void put_words(zval *v, uint64_t w0, uint64_t w1, uint32_t tag) {
  zwords lo = {w0, w1}, hi = {tag, 0};
  memcpy((char *)v, &lo, sizeof lo);
  memcpy((char *)v + sizeof lo, &hi, sizeof hi);
}
static inline void put_int32(zval *v, int32_t x) { /* rec, code and date */
  put_words(v, (uint32_t)x, 0, 0);
}
static inline void put_bool(zval *v, bool x) {
  put_words(v, x, 0, 0);
}
static inline void put_ptr(zval *v, const char *s) {
  put_words(v, (uint64_t)(uintptr_t)s, 0, 0);
}
static inline void put_dec(zval *v, zdec d) {
  put_words(v, (uint64_t)d.m, (uint64_t)((unsigned __int128)d.m >> 64), (uint32_t)d.scale);
}
#else
static inline void put_int32(zval *v, int32_t x) {
  zval_set_present(v);
  v->rec = x;
}
static inline void put_bool(zval *v, bool x) {
  zval_set_present(v);
  v->b = x;
}
static inline void put_ptr(zval *v, const char *s) {
  zval_set_present(v);
  v->s = s;
}
static inline void put_dec(zval *v, zdec d) {
  v->d = d;
}
#endif

/* Field `field` of record `rec` (entity) into *out, missing when absent
 * (`flags` & ZMISS_FIELD: the field is optional) or when the record is
 * (ZMISS_RECORD: `out` holds the record, maybe missing). */
static void read_field(zvm *vm, int flags, int32_t entity, int32_t field, int32_t rec, zval *out) {
  if ((flags & ZMISS_RECORD) && zval_is_missing(out))
    return;
  if ((flags & ZMISS_FIELD) && zfacts_is_absent(vm->facts, entity, field, rec)) {
    *out = zval_missing(missing_bit(vm, entity, field, rec));
    return;
  }
  *out = zfacts_get(vm->facts, entity, field, rec);
}

/* read_field, the common cases inline: a number, a date or a code, read
 * straight from its column (their absent markers are ZFACTS_ABSENT_*). */
static inline G_ALWAYS_INLINE void load_field(zvm *vm, int flags, int32_t entity, int32_t field, int32_t rec,
                                              zval *out) {
  const zcolumn *c = &vm->facts->tables[entity].columns[field];
  if ((flags & ZMISS_RECORD) && zval_is_missing(out))
    return;
  if (c->i64) {
    int64_t m = ((const int64_t *)(const void *)c->i64->data)[rec];
    if (G_UNLIKELY(m == ZFACTS_ABSENT_I64) && (flags & ZMISS_FIELD)) {
      *out = zval_missing(missing_bit(vm, entity, field, rec));
      return;
    }
    put_dec(out, (zdec){.m = m, .scale = c->scale});
    return;
  }
  if (c->i32 && !c->str) {
    int32_t v = ((const int32_t *)(const void *)c->i32->data)[rec];
    if (G_UNLIKELY(v == ZFACTS_ABSENT_I32) && (flags & ZMISS_FIELD)) {
      *out = zval_missing(missing_bit(vm, entity, field, rec));
      return;
    }
    put_int32(out, v);
    return;
  }
  read_field(vm, flags, entity, field, rec, out);
}

/* Three-valued and/or of l (true, or missing, for `and`; false or missing
 * for `or`: the other case jumped past) and r. */
static void join(bool is_or, zval *l, const zval *r) {
  bool decisive = !zval_is_missing(r) && r->b == is_or; /* false for and, true for or */
  if (decisive) {
    *l = *r;
  } else if (zval_is_missing(l) || zval_is_missing(r)) {
    *l = zval_missing(inputs_of(l) | inputs_of(r));
  } else {
    *l = *r;
  }
}

/* A CALL whose receiver or arguments may be missing: true (and the result
 * missing in sp[-nargs-1]) when one is. */
static bool call_args_missing(zval *sp, int nargs) {
  uint64_t inputs = 0;
  bool any = false;
  for (int i = -nargs - 1; i < 0; i++)
    if (zval_is_missing(&sp[i])) {
      any = true;
      inputs |= sp[i].missing.inputs;
    }
  if (any)
    sp[-nargs - 1] = zval_missing(inputs);
  return any;
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

static inline G_ALWAYS_INLINE int cmp_values(int kind, const zval *a, const zval *b) {
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
  zdec r;
  switch (op) {
  case OP_ADD:
    ok = zdec_add_inline(a->d, b->d, &r);
    break;
  case OP_SUB:
    ok = zdec_sub_inline(a->d, b->d, &r);
    break;
  case OP_MUL:
    ok = zdec_mul_inline(a->d, b->d, &r);
    break;
  default:
    if (zdec_is_zero(b->d))
      return vm_fail(vm, ZJTX_ERR_EVAL, "division by zero");
    ok = zdec_div(a->d, b->d, &r);
    break;
  }
  if (ok)
    put_dec(a, r);
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

/* date(y, m, d) into *y: whole numbers naming a real calendar date. */
static bool make_date(zvm *vm, zval *y, const zval *m, const zval *d) {
  int64_t yy, mm, dd;
  if (!zdec_to_int64(y->d, &yy) || !zdec_to_int64(m->d, &mm) || !zdec_to_int64(d->d, &dd) || yy < 1 || yy > 9999 ||
      mm < 1 || mm > 12 || dd < 1 || dd > 31 || !zdate_from_ymd((int)yy, (int)mm, (int)dd, &y->date)) {
    char b1[ZDEC_BUFSZ], b2[ZDEC_BUFSZ], b3[ZDEC_BUFSZ];
    return vm_fail(vm, ZJTX_ERR_EVAL, "date(%s, %s, %s) is not a real calendar date", zdec_format(y->d, -1, b1),
                   zdec_format(m->d, -1, b2), zdec_format(d->d, -1, b3));
  }
  return true;
}

static bool add_months_op(zvm *vm, zval *a, const zval *n) {
  int64_t months;
  if (!zdec_to_int64(n->d, &months))
    return vm_fail(vm, ZJTX_ERR_EVAL, "add_months() moves a date by a whole number of months");
  if (!zdate_add_months(a->date, months, &a->date))
    return vm_fail(vm, ZJTX_ERR_EVAL, "a date moved out of the years 1 to 9999");
  return true;
}

/* The operands sp[-n..-1], of which one may be missing: true (and
 * sp[-n] missing, lacking what they all lack) when one is. */
static bool any_missing(zval *sp, int n) {
  uint64_t inputs = 0;
  bool any = false;
  for (int i = -n; i < 0; i++)
    if (zval_is_missing(&sp[i])) {
      any = true;
      inputs |= sp[i].missing.inputs;
    }
  if (any)
    sp[-n] = zval_missing(inputs);
  return any;
}

/* Dispatch.  With GCC and clang each instruction jumps straight to the
 * next one's code through a table of label addresses (a GNU extension):
 * one indirect jump per instruction, each predicted on its own, instead of
 * the switch's bounds check and one shared jump: an eighth fewer
 * instructions per evaluation (callgrind).  Elsewhere the switch does the
 * same work.  The switch stays the way in: it starts every block. */
#if defined(__GNUC__) && !defined(ZVM_NO_THREADED_DISPATCH)
#define ZVM_THREADED 1
#define CASE(op)                                                                                                       \
  case op: /* entered from the switch, or jumped to */                                                                 \
    label_##op:
#define NEXT                                                goto *dispatch[(++in)->op]
#define ZVM_LABEL_ADDRESS(name, a, b, c, pops, pushes, doc) &&label_OP_##name,
#else
#define ZVM_THREADED 0
#define CASE(op)     case op:
#define NEXT         break
#endif

/* A cached population aggregate: its value, its missing inputs named
 * again for the subject at hand. */
static void cache_load(zvm *vm, const zcache *k, zval *out) {
  if (!zval_is_missing(&k->value)) {
    *out = k->value;
    return;
  }
  uint64_t bits = k->more ? (uint64_t)1 << ZVM_MISSING_MORE : 0;
  for (int i = 0; i < k->n_inputs; i++)
    bits |= missing_bit(vm, k->inputs[i].entity, k->inputs[i].field, k->inputs[i].rec);
  *out = zval_missing(bits);
}

static void cache_store(zvm *vm, zcache *k, const zval *v) {
  k->set = true;
  k->value = *v;
  k->n_inputs = 0;
  k->more = false;
  if (!zval_is_missing(v))
    return;
  for (int i = 0; i < vm->n_missing; i++)
    if (v->missing.inputs & ((uint64_t)1 << i))
      k->inputs[k->n_inputs++] = vm->missing[i];
  k->more = (v->missing.inputs >> ZVM_MISSING_MORE) & 1;
}

/* x [date] -> the value table c gives x under the bands in force on the
 * date (the period's end without one). */
static bool scale_op(zvm *vm, const zinstr *in, zval **spp) {
  zval *sp = *spp;
  zdate on = vm->period_end;
  if (in->a & ZSCALE_DATED) {
    sp--;
    if ((in->a & ZMISS_OPERAND) && either_missing(&sp[-1], sp)) {
      *spp = sp;
      return true;
    }
    on = sp->date;
  }
  *spp = sp;
  if ((in->a & ZMISS_OPERAND) && zval_is_missing(&sp[-1]))
    return true;
  const zscale *t = g_ptr_array_index(vm->policy->scales, in->c);
  const zscale_bands *b = zscale_bands_on(t, on);
  char d[16];
  if (!b)
    return vm_fail(vm, ZJTX_ERR_EVAL, "table '%s' has no bands in force on %s", t->id, zdate_format(on, d));
  zdec x = sp[-1].d;
  int band;
  if (!zscale_apply(t, b, x, &sp[-1].d, &band))
    return vm_fail(vm, ZJTX_ERR_OVERFLOW, "a number is too large for exact arithmetic (overflow)");
  if (vm->trace && vm->trace->scale)
    vm->trace->scale(vm->trace, t, b, x, &sp[-1]);
  return true;
}

/* The inputs an undecided amount of a used rule lacked, as bits of this
 * run's missing values: they flow into whatever uses the amount. */
static uint64_t column_inputs(zvm *vm, int32_t at) {
  const zmissing_input *in = &g_array_index(vm->column_inputs, zmissing_input, at - 1);
  uint64_t bits = in->field ? (uint64_t)1 << ZVM_MISSING_MORE : 0;
  for (int32_t i = 1; i <= in->entity; i++)
    bits |= missing_bit(vm, in[i].entity, in[i].field, in[i].rec);
  return bits;
}

/* Rule `rule`'s amount for the record in *v, kept when the rule ran. */
static bool rule_value(zvm *vm, int32_t rule, zval *v) {
  const zrule *r = g_ptr_array_index(vm->policy->rules, rule);
  const zrule_column *col = vm->columns ? &vm->columns[rule] : NULL;
  if (!col || !col->fen)
    return vm_fail(vm, ZJTX_ERR_EVAL, "the amount of rule '%s' is used before it was evaluated", r->id);
  int32_t rec = v->rec, at = col->undecided[rec];
  if (at)
    *v = zval_missing(column_inputs(vm, at));
  else
    v->d = zdec_from_fen(col->fen[rec]);
  if (vm->trace && vm->trace->rule_value)
    vm->trace->rule_value(vm->trace, r, rec, v);
  return true;
}

static bool call(zvm *vm, const zinstr *in, zval *locals, int32_t n_locals, zval **spp) {
  const zderived *d = g_ptr_array_index(vm->policy->derived, in->c);
  zval *sp = *spp;
  int nargs = in->a;
  if (in->b && call_args_missing(sp, nargs)) {
    *spp = sp - nargs;
    return true;
  }
  if (nargs == 0 && zvm_param_only(vm, &d->expr.block, &sp[-1]))
    return true;
  zval *callee_locals = locals + n_locals;
  for (int i = 0; i < nargs; i++) /* zero or one, mostly: no call to memcpy */
    callee_locals[i] = sp[i - nargs];
  sp -= nargs;
  int32_t recv = sp[-1].rec;
  /* not while explaining: the trace records every computation */
  zmemo *memo = nargs == 0 && d->kept_per_subject && vm->memo && !vm->trace ? &vm->memo[in->c] : NULL;
  if (memo && memo->subject == vm->subject && memo->rec == recv) {
    sp[-1] = memo->value;
    return true;
  }
  if (vm->trace)
    vm->trace->enter_derived(vm->trace, d, recv, callee_locals);
  if (!zvm_exec(vm, &d->expr.block, recv, callee_locals, sp, &sp[-1]))
    return false;
  if (vm->trace)
    vm->trace->leave_derived(vm->trace, d, &sp[-1]);
  if (memo)
    *memo = (zmemo){vm->subject, recv, sp[-1]};
  *spp = sp;
  return true;
}

static bool iter(zvm *vm, const zinstr *in, zval *locals, const zval *owner) {
  const int32_t *first, *last;
  if (in->a == ZITER_MEMBERS) {
    first = vm->members;
    last = vm->members + vm->n_members;
  } else if (in->a == ZITER_ALL) {
    if (in->c < 64)
      vm->walked |= (uint64_t)1 << in->c;
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
  zdec r;
  if (!zdec_round(v->d, in->b, (zround_mode)in->a, &r))
    return vm_fail(vm, ZJTX_ERR_OVERFLOW, "rounding overflowed");
  put_dec(v, r);
  return true;
}

static bool param_op(zvm *vm, const zinstr *in, zval **spp) {
  zval *sp = *spp;
  zdate on = vm->period_end;
  int32_t key = -1;
  int n_operands = ((in->a & ZPARAM_DATED) != 0) + ((in->a & ZPARAM_KEYED) != 0);
  if (in->b && call_args_missing(sp, n_operands - 1)) {
    *spp = sp - n_operands + 1;
    return true;
  }
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
static void trace_field(zvm *vm, const zinstr *in, const zval *record) {
  if (!vm->trace->field || ((in->a & ZMISS_RECORD) && zval_is_missing(record)))
    return;
  zval v = zval_missing(0);
  read_field(vm, in->a & ZMISS_FIELD, in->c, in->b, record->rec, &v);
  vm->trace->field(vm->trace, in->c, in->b, record->rec, &v);
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

bool zvm_exec(zvm *vm, const zblock *b, int32_t self, zval *locals, zval *stack, zval *out) {
  /* the batch form unless explaining: the trace follows the code itself */
  const zinstr *code = (const zinstr *)(void *)(b->fast && !vm->trace ? b->fast : b->code)->data;
  const zval *consts = vm->consts;
  const struct zjtx_facts *f = vm->facts;
  zval *sp = stack;
#if ZVM_THREADED
  static const void *const dispatch[OP__COUNT] = {ZOPCODES(ZVM_LABEL_ADDRESS)};
#endif
  /* clang-format off */
  for (const zinstr *in = code;; in++) {
    switch ((zopcode)in->op) {
    CASE(OP_CONST)
      *sp++ = consts[in->c];
      NEXT;
    CASE(OP_SELF)
      put_int32(sp++, self);
      NEXT;
    CASE(OP_LOCAL)
      *sp++ = locals[in->b];
      NEXT;
    CASE(OP_STORE)
      locals[in->b] = *--sp;
      NEXT;
    CASE(OP_DUP)
      sp[0] = sp[-1];
      sp++;
      NEXT;
    CASE(OP_POP)
      sp--;
      NEXT;
    CASE(OP_FIELD)
      load_field(vm, in->a, in->c, in->b, sp[-1].rec, &sp[-1]);
      NEXT;
    CASE(OP_LOCAL_FIELD)
      *sp = locals[in->c >> 16];
      load_field(vm, in->a, in->c & 0xFFFF, in->b, sp->rec, sp);
      sp++;
      NEXT;
    CASE(OP_SELF_FIELD)
      if (vm->trace)
        trace_field(vm, in, &(zval){.rec = self});
      load_field(vm, in->a, in->c, in->b, self, sp);
      sp++;
      NEXT;
    CASE(OP_PARENT)
      if (in->a && zval_is_missing(&sp[-1]))
        NEXT;
      put_int32(&sp[-1], g_array_index(f->tables[in->c].parent, int32_t, sp[-1].rec));
      NEXT;
    CASE(OP_ADD)
    CASE(OP_SUB)
    CASE(OP_MUL)
    CASE(OP_DIV)
      sp--;
      if (in->a && either_missing(&sp[-1], sp))
        NEXT;
      if (!arith(vm, (zopcode)in->op, &sp[-1], sp))
        return false;
      NEXT;
    CASE(OP_NEG)
      if (!zval_is_missing(&sp[-1]))
        sp[-1].d = zdec_neg(sp[-1].d);
      NEXT;
    CASE(OP_ABS)
      if (!zval_is_missing(&sp[-1]) && zdec_sign(sp[-1].d) < 0)
        sp[-1].d = zdec_neg(sp[-1].d);
      NEXT;
    CASE(OP_ADD_DAYS)
    CASE(OP_SUB_DAYS)
      sp--;
      if (in->a && either_missing(&sp[-1], sp))
        NEXT;
      if (!days_op(vm, (zopcode)in->op, &sp[-1], sp))
        return false;
      NEXT;
    CASE(OP_DAYS_BETWEEN)
      sp--;
      if (in->a && either_missing(&sp[-1], sp))
        NEXT;
      put_dec(&sp[-1], zdec_from_int((int64_t)sp[0].date - sp[-1].date));
      NEXT;
    CASE(OP_CMP)
      sp--;
      if (in->c && either_missing(&sp[-1], sp))
        NEXT;
      { /* dates and codes, the commonest, compared inline */
        int c = in->b == ZCMP_INT ? (sp[-1].code > sp[0].code) - (sp[-1].code < sp[0].code)
                                  : cmp_values(in->b, &sp[-1], sp);
        put_bool(&sp[-1], test(in->a, c));
      }
      NEXT;
    CASE(OP_NOT)
      if (!zval_is_missing(&sp[-1]))
        put_bool(&sp[-1], !sp[-1].b);
      NEXT;
    CASE(OP_JUMP)
      in = code + in->c - 1;
      NEXT;
    CASE(OP_JUMP_FALSE)
      sp--;
      if (in->a && zval_is_missing(sp)) {
        /* a missing `where`: the aggregate below cannot be known */
        either_missing(&sp[-1], sp);
        in = code + in->c - 1;
      } else if (!sp->b) {
        in = code + in->c - 1;
      }
      NEXT;
    CASE(OP_AND_SC)
    CASE(OP_OR_SC) {
      /* with a: the left side may be missing, and stays for JOIN */
      bool decided = !zval_is_missing(&sp[-1]) && sp[-1].b == (in->op == OP_OR_SC);
      if (decided)
        in = code + in->c - 1;
      else if (!in->a)
        sp--;
      NEXT;
    }
    CASE(OP_JOIN)
      sp--;
      join(in->a, &sp[-1], sp);
      NEXT;
    CASE(OP_JUMP_MISSING)
      if (zval_is_missing(&sp[-1]))
        in = code + in->c - 1;
      NEXT;
    CASE(OP_JUMP_PRESENT)
      if (!zval_is_missing(&sp[-1]))
        in = code + in->c - 1;
      else
        sp--;
      NEXT;
    CASE(OP_IS_MISSING)
      put_bool(&sp[-1], zval_is_missing(&sp[-1]));
      NEXT;
    CASE(OP_MIN)
    CASE(OP_MAX) {
      sp--;
      if (in->a && either_missing(&sp[-1], sp))
        NEXT;
      int c = cmp_values(in->b, &sp[-1], sp);
      if (vm->trace)
        trace_minmax(vm, b, in, &sp[-1], sp, in->op == OP_MAX ? c < 0 : c > 0);
      if (in->op == OP_MAX ? c < 0 : c > 0)
        sp[-1] = sp[0];
      NEXT;
    }
    CASE(OP_ROUND)
      if (in->c && zval_is_missing(&sp[-1]))
        NEXT;
      if (!round_op(vm, in, &sp[-1]))
        return false;
      NEXT;
    CASE(OP_YEAR)
    CASE(OP_MONTH)
    CASE(OP_DAY)
      if (in->a && zval_is_missing(&sp[-1]))
        NEXT;
      put_dec(&sp[-1], zdec_from_int(in->op == OP_YEAR    ? zdate_year(sp[-1].date)
                               : in->op == OP_MONTH ? zdate_month(sp[-1].date)
                                                    : zdate_day(sp[-1].date)));
      NEXT;
    CASE(OP_PARAM)
      if (in->a == 0 && !vm->trace && vm->at_end && vm->at_end_ok[in->c][0]) { /* undated, unkeyed: param_op's first case */
        *sp++ = vm->at_end[in->c][0];
        NEXT;
      }
      if (in->a == ZPARAM_KEYED && !in->b && !vm->trace && vm->at_end && vm->at_end_ok[in->c][sp[-1].code + 1]) {
        sp[-1] = vm->at_end[in->c][sp[-1].code + 1]; /* undated, keyed by a code always there: the same */
        NEXT;
      }
      if (!param_op(vm, in, &sp))
        return false;
      NEXT;
    CASE(OP_PERIOD)
      if (in->a == 2)
        put_dec(sp, zdec_from_int(vm->period_year));
      else
        put_int32(sp, in->a == 0 ? vm->period_start : vm->period_end);
      sp++;
      NEXT;
    CASE(OP_ITER)
      sp--;
      iter(vm, in, locals, sp);
      NEXT;
    CASE(OP_NEXT)
      if (locals[in->b + 1].items < locals[in->b + 2].items) {
        put_int32(&locals[in->b], *locals[in->b + 1].items++); /* present: the slot may have held a missing value */
      } else
        in = code + in->c - 1;
      NEXT;
    CASE(OP_INC) {
      if (in->a && zval_is_missing(&sp[-1]))
        NEXT;
      zdec one = zdec_from_int(1);
      zdec sum;
      if (!zdec_add(sp[-1].d, one, &sum))
        return vm_fail(vm, ZJTX_ERR_OVERFLOW, "count overflowed");
      put_dec(&sp[-1], sum);
      NEXT;
    }
    CASE(OP_AGG_MINMAX) {
      sp--;
      zval *seen = &locals[in->c];
      if ((in->a & ZMISS_AGG) && either_missing(&sp[-1], sp)) {
        seen->b = true;
        NEXT;
      }
      int c = seen->b ? cmp_values(in->b, sp, &sp[-1]) : 0;
      if (!seen->b || ((in->a & 1) ? c > 0 : c < 0))
        sp[-1] = sp[0];
      seen->b = true;
      NEXT;
    }
    CASE(OP_CALL_SELF)
      put_int32(sp++, self);
      G_GNUC_FALLTHROUGH; /* CALL, its receiver pushed */
    CASE(OP_CALL)
      if (!call(vm, in, locals, b->n_locals, &sp))
        return false;
      NEXT;
    CASE(OP_GROUP_KEY)
      put_ptr(sp++, vm->group_key);
      NEXT;
    CASE(OP_RET)
      *out = sp[-1];
      return true;
    CASE(OP_RULE_VALUE)
      if ((in->a & ZMISS_RECORD) && zval_is_missing(&sp[-1]))
        NEXT;
      if (!rule_value(vm, in->c, &sp[-1]))
        return false;
      NEXT;
    CASE(OP_CACHE_LOAD) /* explaining: computed again, so that the trace sees it */
      if (vm->cache && !vm->trace && vm->cache[in->b].set) {
        cache_load(vm, &vm->cache[in->b], sp++);
        in = code + in->c - 1;
      }
      NEXT;
    CASE(OP_CACHE_STORE)
      if (vm->cache)
        cache_store(vm, &vm->cache[in->b], &sp[-1]);
      NEXT;
    CASE(OP_SCALE)
      if (!scale_op(vm, in, &sp))
        return false;
      NEXT;
    CASE(OP_TRACE_AGG)
      if (vm->trace && vm->trace->aggregate)
        vm->trace->aggregate(vm->trace, &g_array_index(vm->policy->aggregates, zagg_info, in->c), &sp[-1]);
      if (vm->trace)
        trace_agg_frame(vm, b, in, self, locals, &sp[-1]);
      NEXT;
    CASE(OP_MAKE_DATE)
      sp -= 2;
      if (in->a && any_missing(sp + 2, 3)) /* y m d, y at sp[-1] */
        NEXT;
      if (!make_date(vm, &sp[-1], &sp[0], &sp[1]))
        return false;
      NEXT;
    CASE(OP_ADD_MONTHS)
      sp--;
      if (in->a && either_missing(&sp[-1], sp))
        NEXT;
      if (!add_months_op(vm, &sp[-1], sp))
        return false;
      NEXT;
    CASE(OP_END_OF_MONTH)
      if (in->a && zval_is_missing(&sp[-1]))
        NEXT;
      put_int32(&sp[-1], zdate_end_of_month(sp[-1].date));
      NEXT;
    CASE(OP_MONTHS)
      sp--;
      if (in->a && either_missing(&sp[-1], sp))
        NEXT;
      put_dec(&sp[-1], zdec_from_int(zdate_months_counted(sp[-1].date, sp[0].date, in->b)));
      NEXT;
    default:
      return vm_fail(vm, ZJTX_ERR_EVAL, "bad opcode %d", in->op);
    }
  }
}
/* clang-format on */
