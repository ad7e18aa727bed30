/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile.c - checks names and types of an expression tree and emits
 * bytecode for the stack machine of vm.h in the same walk.
 *
 * Every error is reported here, at load time, with the position of the
 * offending token: evaluation never meets an unknown name or a wrong type. */
#include "compile.h"

#include <stdarg.h>
#include <string.h>

#include "vm.h"

typedef struct {
  const char *name;
  int32_t entity;
  int32_t slot;
} zvar;

typedef struct {
  struct zjtx_policy *p;
  const zscope *scope;
  const char *file;
  zblock *block;
  GArray *vars; /* zvar: aggregate variables in scope */
  int depth;    /* current value stack depth */
  int dry;      /* > 0: only typing (peek_type), nothing is emitted */
  const zexpr *at; /* the expression being compiled, for emit()'s errors */
  zjtx_error *err;
} cctx;

/* Derived values calling derived values: compiling nests, and evaluating
 * recurses, once per level.  A policy may not go deeper than this. */
#define ZDERIVED_MAX_DEPTH 256
static _Thread_local int compile_nesting;

static const ztype T_VOID = {ZT_VOID, -1};
static ztype mk(ztype_kind k, int32_t ref) { return (ztype){k, ref}; }

const char *ztype_name(const struct zjtx_policy *p, ztype t, char *buf, size_t len) {
  static const char *const names[] = {"nothing", "bool", "number", "money", "rate", "date",
                                      "text", "code", "record", "collection"};
  if (t.kind == ZT_CODE && t.ref >= 0)
    g_snprintf(buf, len, "code of %s", ((zcodeset *)g_ptr_array_index(p->codesets, t.ref))->name);
  else if ((t.kind == ZT_RECORD || t.kind == ZT_COLL) && t.ref >= 0)
    g_snprintf(buf, len, "%s %s", names[t.kind], zpolicy_entity(p, t.ref)->name);
  else
    g_snprintf(buf, len, "%s", names[t.kind]);
  return buf;
}

static ztype fail(cctx *c, const zexpr *e, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static ztype fail(cctx *c, const zexpr *e, const char *fmt, ...) {
  if (!c->err) {
    va_list ap;
    va_start(ap, fmt);
    c->err = zerr_newv(ZJTX_ERR_POLICY, c->file, e->line, e->column, NULL, fmt, ap);
    va_end(ap);
  }
  return T_VOID;
}

static bool same(ztype a, ztype b) { return a.kind == b.kind && a.ref == b.ref; }

/* ---- emission ------------------------------------------------------------ */

/* Appends one instruction; returns its index (-1 when only typing). */
static int emit(cctx *c, zopcode op, int a, int b, int32_t arg) {
  if (c->dry)
    return -1;
  if (a < 0 || a > UINT8_MAX || b < 0 || b > UINT16_MAX) {
    /* an operand would not fit its field: the instruction would be wrong */
    fail(c, c->at, "too large for the compiler (more than %d arguments, %d fields or %d local values)", UINT8_MAX,
         UINT16_MAX, UINT16_MAX);
    return -1;
  }
  zinstr in = {(uint8_t)op, (uint8_t)a, (uint16_t)b, arg};
  g_array_append_val(c->block->code, in);
  c->depth += zop_info(op)->pushes - zop_info(op)->pops;
  if (c->depth > c->block->max_stack)
    c->block->max_stack = c->depth;
  return (int)c->block->code->len - 1;
}

static int here(cctx *c) { return (int)c->block->code->len; }
static void patch(cctx *c, int at, int target) {
  if (at >= 0 && !c->dry)
    g_array_index(c->block->code, zinstr, at).c = target;
}

static int32_t add_const(cctx *c, zval v) {
  if (c->dry)
    return 0;
  g_array_append_val(c->p->consts, v);
  return (int32_t)c->p->consts->len - 1;
}
static void emit_const(cctx *c, zval v) { emit(c, OP_CONST, 0, 0, add_const(c, v)); }

static void add_call(cctx *c, int32_t derived) {
  if (!c->dry)
    g_array_append_val(c->block->calls, derived);
}

/* A local slot; emit() refuses slots past UINT16_MAX. */
static int new_slot(cctx *c) { return c->block->n_locals++; }

/* ---- look-ups ------------------------------------------------------------ */

/* Derived values by entity and name.  A policy may declare thousands, so
 * look-ups go through an index kept in the policy while it is being loaded
 * (it is not shared yet) and dropped by zcompile_link.  The index only
 * speeds things up: a hit is checked against the policy itself, and a miss
 * or a mismatch (a value hidden since by an override) falls back to a scan. */
static bool derived_is(const zderived *d, int32_t entity, const char *name) {
  return !d->hidden && d->entity == entity && strcmp(d->name, name) == 0;
}

static zderived *find_derived(const struct zjtx_policy *cp, int32_t entity, const char *name) {
  struct zjtx_policy *p = (struct zjtx_policy *)cp; /* only ever called while loading */
  guint n = p->derived->len;
  if (n > 16) {
    if (!p->derived_index || p->derived_index_len != n) {
      if (p->derived_index)
        g_hash_table_destroy(p->derived_index);
      p->derived_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
      p->derived_index_len = n;
      for (guint i = 0; i < n; i++) {
        zderived *d = g_ptr_array_index(p->derived, i);
        if (!d->hidden)
          g_hash_table_insert(p->derived_index, g_strdup_printf("%d\t%s", d->entity, d->name), GUINT_TO_POINTER(i + 1));
      }
    }
    char *key = g_strdup_printf("%d\t%s", entity, name);
    guint i = GPOINTER_TO_UINT(g_hash_table_lookup(p->derived_index, key));
    g_free(key);
    if (i && i <= n && derived_is(g_ptr_array_index(p->derived, i - 1), entity, name))
      return g_ptr_array_index(p->derived, i - 1);
  }
  for (guint i = 0; i < n; i++) {
    zderived *d = g_ptr_array_index(p->derived, i);
    if (derived_is(d, entity, name))
      return d;
  }
  return NULL;
}

static zrelation *find_relation(const struct zjtx_policy *p, int32_t entity, const char *name) {
  zentity *e = zpolicy_entity(p, entity);
  for (guint i = 0; i < e->relations->len; i++) {
    zrelation *r = g_ptr_array_index(p->relations, g_array_index(e->relations, int32_t, i));
    if (strcmp(r->name, name) == 0)
      return r;
  }
  return NULL;
}

static bool is_parent_key(const struct zjtx_policy *p, int32_t entity, const char *name) {
  zentity *e = zpolicy_entity(p, entity);
  return e->parent >= 0 && e->parent_key && strcmp(e->parent_key, name) == 0;
}

static const zvar *find_var(const cctx *c, const char *name) {
  for (guint i = c->vars->len; i-- > 0;) {
    const zvar *v = &g_array_index(c->vars, zvar, i);
    if (strcmp(v->name, name) == 0)
      return v;
  }
  return NULL;
}

ztype zfield_value_type(const zfield *f) {
  switch (f->type) {
  case ZF_TEXT: return mk(ZT_TEXT, -1);
  case ZF_MONEY: return mk(ZT_MONEY, -1);
  case ZF_RATE: return mk(ZT_RATE, -1);
  case ZF_COUNT:
  case ZF_NUMBER: return mk(ZT_NUMBER, -1);
  case ZF_DATE: return mk(ZT_DATE, -1);
  case ZF_BOOL: return mk(ZT_BOOL, -1);
  case ZF_CODE: return mk(ZT_CODE, f->codeset);
  case ZF_REF: return mk(ZT_RECORD, f->ref_entity);
  }
  return T_VOID;
}

/* ---- expressions --------------------------------------------------------- */

static ztype compile(cctx *c, zexpr *e, ztype hint);

static bool is_number_literal(const zexpr *e) {
  if (e->kind == ZE_UNARY && e->op == '-')
    return is_number_literal(zexpr_kid(e, 0));
  return e->kind == ZE_NUMBER;
}

static bool literal_is_zero(const zexpr *e) {
  if (e->kind == ZE_UNARY)
    return literal_is_zero(zexpr_kid(e, 0));
  return (e->kind == ZE_NUMBER || e->kind == ZE_PERCENT) && zdec_is_zero(e->num);
}

/* A plain number literal takes the money type of what it meets (yuan), and
 * 0 also the rate type: "rd_expense >= 1000000", "max(0, x - y)". */
static bool coerce(const zexpr *lit, ztype *t, ztype target) {
  if (same(*t, target))
    return true;
  if (t->kind != ZT_NUMBER || !is_number_literal(lit))
    return false;
  if (target.kind == ZT_MONEY || (target.kind == ZT_RATE && literal_is_zero(lit))) {
    *t = target;
    return true;
  }
  return false;
}

static bool unify(const zexpr *le, ztype *lt, const zexpr *re, ztype *rt) {
  return coerce(le, lt, *rt) || coerce(re, rt, *lt);
}

static ztype compile_string(cctx *c, zexpr *e, ztype hint) {
  zval v;
  if (hint.kind == ZT_CODE && hint.ref >= 0) { /* ref < 0: a `code` derived value whose list is not known yet */
    zcodeset *cs = g_ptr_array_index(c->p->codesets, hint.ref);
    int32_t code = zcodeset_find(cs, e->str, strlen(e->str));
    if (code < 0) {
      GString *allowed = g_string_new(NULL);
      for (guint i = 0; i < cs->values->len; i++)
        g_string_append_printf(allowed, "%s'%s'", i ? ", " : "", (char *)g_ptr_array_index(cs->values, i));
      fail(c, e, "'%s' is not a value of %s (expected one of %s)", e->str, cs->name, allowed->str);
      g_string_free(allowed, TRUE);
      return T_VOID;
    }
    v.code = code;
    emit_const(c, v);
    return hint;
  }
  v.s = g_string_chunk_insert_const(c->p->strings, e->str);
  emit_const(c, v);
  return mk(ZT_TEXT, -1);
}

static ztype compile_call_derived(cctx *c, zexpr *e, zderived *d, guint first_arg);

static ztype compile_self_name(cctx *c, zexpr *e) {
  const zscope *s = c->scope;
  zentity *ent = zpolicy_entity(c->p, s->entity);
  int32_t f = zentity_field_index(ent, e->name);
  if (f >= 0) {
    emit(c, OP_SELF_FIELD, 0, f, s->entity);
    return zfield_value_type(zentity_field(ent, f));
  }
  if (is_parent_key(c->p, s->entity, e->name)) {
    emit(c, OP_SELF, 0, 0, 0);
    emit(c, OP_PARENT, 0, 0, s->entity);
    return mk(ZT_RECORD, ent->parent);
  }
  if (find_relation(c->p, s->entity, e->name))
    return fail(c, e, "'%s' is a collection: use it in an aggregate such as count(x in %s)", e->name, e->name);
  zderived *d = find_derived(c->p, s->entity, e->name);
  if (d) {
    emit(c, OP_SELF, 0, 0, 0);
    return compile_call_derived(c, e, d, 0);
  }
  return T_VOID;
}

static ztype compile_param(cctx *c, zexpr *at, const char *name, zexpr *key, zexpr *date);

static ztype compile_name(cctx *c, zexpr *e) {
  const zscope *s = c->scope;
  const zvar *v = find_var(c, e->name);
  if (v) {
    emit(c, OP_LOCAL, 0, v->slot, 0);
    return mk(ZT_RECORD, v->entity);
  }
  if (s->derived) {
    for (guint i = 0; i < s->derived->arg_names->len; i++)
      if (strcmp(g_ptr_array_index(s->derived->arg_names, i), e->name) == 0) {
        emit(c, OP_LOCAL, 0, (int)i, 0);
        return g_array_index(s->derived->arg_types, ztype, i);
      }
    if (strcmp(e->name, "inherited") == 0 && s->derived->inherited >= 0) {
      zderived *base = g_ptr_array_index(c->p->derived, s->derived->inherited);
      if (base->state == 0 && compile_nesting >= ZDERIVED_MAX_DEPTH)
        return fail(c, e, "derived values call each other more than %d deep", ZDERIVED_MAX_DEPTH);
      if (base->state == 0) {
        zscope sc = {ZSCOPE_RECORD, base->entity, T_VOID, base};
        if (!zcompile_expr(c->p, &base->expr, &sc, base->type, &c->err))
          return T_VOID;
      }
      emit(c, OP_SELF, 0, 0, 0);
      for (guint i = 0; i < s->derived->arg_names->len; i++)
        emit(c, OP_LOCAL, 0, (int)i, 0);
      c->depth -= (int)s->derived->arg_names->len;
      emit(c, OP_CALL, (int)s->derived->arg_names->len, 0, base->index);
      add_call(c, base->index);
      return base->type;
    }
  }
  if (s->kind == ZSCOPE_GROUP && strcmp(e->name, "key") == 0) {
    emit(c, OP_GROUP_KEY, 0, 0, 0);
    return s->key_type;
  }
  if (s->kind == ZSCOPE_GROUP && strcmp(e->name, "members") == 0)
    return fail(c, e, "'members' is a collection: use it in an aggregate such as sum(m in members : ...)");
  if (s->kind == ZSCOPE_RECORD) {
    ztype t = compile_self_name(c, e);
    if (t.kind != ZT_VOID || c->err)
      return t;
  }
  if (zpolicy_param_index(c->p, e->name) >= 0)
    return compile_param(c, e, e->name, NULL, NULL);
  if (strcmp(e->name, "period") == 0)
    return fail(c, e, "'period' has parts: write period.start, period.end or period.year");
  if (strcmp(e->name, "inherited") == 0)
    return fail(c, e, "'inherited' can only be used in an <override>");
  if (strcmp(e->name, "members") == 0 || strcmp(e->name, "key") == 0)
    return fail(c, e, "'%s' can only be used in a rule or check with group-by=", e->name);
  if (s->kind == ZSCOPE_RECORD)
    return fail(c, e, "unknown name '%s' (not a variable, a field, relation or derived value of %s, nor a parameter)",
                e->name, zpolicy_entity(c->p, s->entity)->name);
  return fail(c, e, "unknown name '%s' (not a variable nor a parameter)", e->name);
}

static ztype compile_param(cctx *c, zexpr *at, const char *name, zexpr *key, zexpr *date) {
  int32_t pi = zpolicy_param_index(c->p, name);
  if (pi < 0)
    return fail(c, at, "unknown parameter '%s'", name);
  zparam *p = g_ptr_array_index(c->p->params, pi);
  int flags = 0;
  if (p->key_codeset >= 0 && !key) {
    zcodeset *cs = g_ptr_array_index(c->p->codesets, p->key_codeset);
    return fail(c, at, "parameter '%s' has one value per %s: write %s[...]", name, cs->name, name);
  }
  if (p->key_codeset < 0 && key)
    return fail(c, key, "parameter '%s' is not keyed: it takes no [...]", name);
  if (key) {
    ztype want = mk(ZT_CODE, p->key_codeset);
    ztype kt = compile(c, key, want);
    if (c->err)
      return T_VOID;
    if (!same(kt, want)) {
      char b1[64], b2[64];
      return fail(c, key, "the key of '%s' must be a %s, not %s", name, ztype_name(c->p, want, b1, sizeof b1),
                  ztype_name(c->p, kt, b2, sizeof b2));
    }
    flags |= ZPARAM_KEYED;
  }
  if (date) {
    ztype dt = compile(c, date, T_VOID);
    if (c->err)
      return T_VOID;
    if (dt.kind != ZT_DATE)
      return fail(c, date, "'@' needs a date after it");
    flags |= ZPARAM_DATED;
  }
  emit(c, OP_PARAM, flags, 0, pi);
  c->depth -= (flags & ZPARAM_KEYED ? 1 : 0) + (flags & ZPARAM_DATED ? 1 : 0);
  return p->type;
}

static ztype compile_at(cctx *c, zexpr *e) {
  zexpr *target = zexpr_kid(e, 0);
  if (target->kind == ZE_NAME)
    return compile_param(c, target, target->name, NULL, zexpr_kid(e, 1));
  if (target->kind == ZE_INDEX && zexpr_kid(target, 0)->kind == ZE_NAME)
    return compile_param(c, zexpr_kid(target, 0), zexpr_kid(target, 0)->name, zexpr_kid(target, 1), zexpr_kid(e, 1));
  return fail(c, e, "'@' applies to a parameter: write name @ date or name[key] @ date");
}

static ztype compile_index(cctx *c, zexpr *e) {
  zexpr *target = zexpr_kid(e, 0);
  if (target->kind != ZE_NAME)
    return fail(c, e, "only a keyed parameter can be indexed with [...]");
  return compile_param(c, target, target->name, zexpr_kid(e, 1), NULL);
}

static ztype compile_member(cctx *c, zexpr *e) {
  zexpr *base = zexpr_kid(e, 0);
  if (base->kind == ZE_NAME && strcmp(base->name, "period") == 0 && !find_var(c, "period")) {
    static const char *const parts[] = {"start", "end", "year"};
    for (int i = 0; i < 3; i++)
      if (strcmp(e->name, parts[i]) == 0) {
        emit(c, OP_PERIOD, i, 0, 0);
        return mk(i == 2 ? ZT_NUMBER : ZT_DATE, -1);
      }
    return fail(c, e, "period has no part '%s' (expected start, end or year)", e->name);
  }
  ztype bt = compile(c, base, T_VOID);
  if (c->err)
    return T_VOID;
  if (bt.kind != ZT_RECORD) {
    char b[64];
    return fail(c, e, "'.%s' needs a record on its left, not %s", e->name, ztype_name(c->p, bt, b, sizeof b));
  }
  zentity *ent = zpolicy_entity(c->p, bt.ref);
  int32_t f = zentity_field_index(ent, e->name);
  if (f >= 0) {
    emit(c, OP_FIELD, 0, f, bt.ref);
    return zfield_value_type(zentity_field(ent, f));
  }
  if (is_parent_key(c->p, bt.ref, e->name)) {
    emit(c, OP_PARENT, 0, 0, bt.ref);
    return mk(ZT_RECORD, ent->parent);
  }
  zderived *d = find_derived(c->p, bt.ref, e->name);
  if (d)
    return compile_call_derived(c, e, d, 0);
  if (find_relation(c->p, bt.ref, e->name))
    return fail(c, e, "'%s' is a collection: use it in an aggregate", e->name);
  return fail(c, e, "%s has no field, relation or derived value '%s'", ent->name, e->name);
}

/* Receiver is already on the stack; args are e->kids[first_arg..]. */
static ztype compile_call_derived(cctx *c, zexpr *e, zderived *d, guint first_arg) {
  guint nargs = e->kids->len - first_arg;
  if (e->kind != ZE_CALL)
    nargs = 0;
  if (nargs != d->arg_names->len)
    return fail(c, e, "'%s' takes %u argument%s, not %u", d->name, d->arg_names->len,
                d->arg_names->len == 1 ? "" : "s", nargs);
  for (guint i = 0; i < nargs; i++) {
    ztype want = g_array_index(d->arg_types, ztype, i);
    zexpr *a = zexpr_kid(e, first_arg + i);
    ztype at = compile(c, a, want);
    if (c->err)
      return T_VOID;
    if (!coerce(a, &at, want)) {
      char b1[64], b2[64];
      return fail(c, a, "argument %u of '%s' must be %s, not %s", i + 1, d->name,
                  ztype_name(c->p, want, b1, sizeof b1), ztype_name(c->p, at, b2, sizeof b2));
    }
  }
  if (d->state == 1)
    return fail(c, e, "'%s' depends on itself", d->name);
  if (d->state == 0 && compile_nesting >= ZDERIVED_MAX_DEPTH)
    return fail(c, e, "derived values call each other more than %d deep", ZDERIVED_MAX_DEPTH);
  if (d->state == 0) {
    zscope sc = {ZSCOPE_RECORD, d->entity, T_VOID, d};
    if (!zcompile_expr(c->p, &d->expr, &sc, d->type, &c->err))
      return T_VOID;
  }
  c->depth -= (int)nargs;
  emit(c, OP_CALL, (int)nargs, 0, d->index);
  add_call(c, d->index);
  return d->type;
}

static int cmp_kind(ztype t) {
  switch (t.kind) {
  case ZT_NUMBER:
  case ZT_MONEY:
  case ZT_RATE: return ZCMP_DEC;
  case ZT_TEXT: return ZCMP_TEXT;
  case ZT_BOOL: return ZCMP_BOOL;
  default: return ZCMP_INT;
  }
}

static bool ordered(const cctx *c, ztype t) {
  if (ztype_is_decimal(t) || t.kind == ZT_DATE)
    return true;
  return t.kind == ZT_CODE && ((zcodeset *)g_ptr_array_index(c->p->codesets, t.ref))->ordered;
}

static ztype compile_minmax(cctx *c, zexpr *e, bool is_max) {
  if (e->kids->len < 2)
    return fail(c, e, "%s() takes at least two arguments", e->name);
  /* emit pairwise: a b MAX c MAX ... */
  ztype t = compile(c, zexpr_kid(e, 0), T_VOID);
  for (guint i = 1; !c->err && i < e->kids->len; i++) {
    zexpr *a = zexpr_kid(e, i);
    ztype at = compile(c, a, t);
    if (c->err)
      return T_VOID;
    if (!unify(zexpr_kid(e, 0), &t, a, &at)) {
      char b1[64], b2[64];
      return fail(c, a, "%s() needs arguments of one type, not %s and %s", e->name,
                  ztype_name(c->p, t, b1, sizeof b1), ztype_name(c->p, at, b2, sizeof b2));
    }
    emit(c, is_max ? OP_MAX : OP_MIN, 0, cmp_kind(t), 0);
  }
  if (!c->err && !ordered(c, t)) {
    char b[64];
    return fail(c, e, "%s() needs numbers, money, rates, dates or ordered codes, not %s", e->name,
                ztype_name(c->p, t, b, sizeof b));
  }
  return t;
}

static ztype expect_args(cctx *c, zexpr *e, guint n, const ztype_kind *kinds) {
  if (e->kids->len != n)
    return fail(c, e, "%s() takes %u argument%s, not %u", e->name, n, n == 1 ? "" : "s", e->kids->len);
  for (guint i = 0; i < n; i++) {
    ztype t = compile(c, zexpr_kid(e, i), T_VOID);
    if (c->err)
      return T_VOID;
    bool ok = kinds[i] == ZT_NUMBER ? ztype_is_decimal(t) : t.kind == kinds[i];
    if (!ok) {
      char b[64];
      return fail(c, zexpr_kid(e, i), "argument %u of %s() must be %s, not %s", i + 1, e->name,
                  kinds[i] == ZT_DATE ? "a date" : "a number", ztype_name(c->p, t, b, sizeof b));
    }
    if (i == 0 && kinds[0] == ZT_NUMBER)
      return t;
  }
  return mk(kinds[0], -1);
}

static ztype compile_round(cctx *c, zexpr *e) {
  if (e->kids->len < 1 || e->kids->len > 2)
    return fail(c, e, "round() takes a value and optionally a number of decimals");
  int places = 2;
  if (e->kids->len == 2) {
    zexpr *pl = zexpr_kid(e, 1);
    int64_t v;
    if (pl->kind != ZE_NUMBER || !zdec_to_int64(pl->num, &v) || v < 0 || v > ZDEC_MAX_SCALE)
      return fail(c, pl, "the decimals of round() must be a whole number from 0 to %d", ZDEC_MAX_SCALE);
    places = (int)v;
  }
  ztype t = compile(c, zexpr_kid(e, 0), T_VOID);
  if (c->err)
    return T_VOID;
  if (!ztype_is_decimal(t))
    return fail(c, e, "round() needs a number, money or rate");
  /* round(x): money to the fen, a number to a whole number (a rate, a
   * fraction, to hundredths: whole percent) */
  if (e->kids->len == 1 && t.kind == ZT_NUMBER)
    places = 0;
  emit(c, OP_ROUND, ZROUND_HALF_UP, places, 0);
  return t;
}

/* within(x, lo, hi) == lo <= x and x <= hi, with x computed once */
static bool compile_bound(cctx *c, zexpr *e, int slot, ztype t, guint which) {
  emit(c, OP_LOCAL, 0, slot, 0);
  zexpr *bound = zexpr_kid(e, which);
  ztype bt = compile(c, bound, t), xt = t;
  if (c->err)
    return false;
  if (!unify(zexpr_kid(e, 0), &xt, bound, &bt)) {
    char b1[64], b2[64];
    fail(c, bound, "within() compares %s with %s", ztype_name(c->p, t, b1, sizeof b1),
         ztype_name(c->p, bt, b2, sizeof b2));
    return false;
  }
  emit(c, OP_CMP, which == 1 ? ZOP_GE : ZOP_LE, cmp_kind(t), 0);
  return true;
}

static ztype compile_within(cctx *c, zexpr *e) {
  if (e->kids->len != 3)
    return fail(c, e, "within() takes three arguments: within(x, low, high)");
  ztype t = compile(c, zexpr_kid(e, 0), T_VOID);
  if (c->err)
    return T_VOID;
  if (!ordered(c, t))
    return fail(c, e, "within() needs numbers, money, rates, dates or ordered codes");
  int slot = new_slot(c);
  emit(c, OP_STORE, 0, slot, 0);
  if (!compile_bound(c, e, slot, t, 1))
    return T_VOID;
  int j = emit(c, OP_AND_SC, 0, 0, 0);
  if (!compile_bound(c, e, slot, t, 2))
    return T_VOID;
  patch(c, j, here(c));
  return mk(ZT_BOOL, -1);
}

static ztype compile_date_literal(cctx *c, zexpr *e) {
  zexpr *a = e->kids->len == 1 ? zexpr_kid(e, 0) : NULL;
  zval v;
  if (!a || a->kind != ZE_STRING || !zdate_parse(a->str, strlen(a->str), &v.date))
    return fail(c, e, "date() takes one literal 'YYYY-MM-DD' that is a real calendar date");
  emit_const(c, v);
  return mk(ZT_DATE, -1);
}

static ztype compile_call(cctx *c, zexpr *e) {
  if (e->method) {
    zexpr *recv = zexpr_kid(e, 0);
    ztype rt = compile(c, recv, T_VOID);
    if (c->err)
      return T_VOID;
    if (rt.kind != ZT_RECORD)
      return fail(c, e, "'.%s(...)' needs a record on its left", e->name);
    zderived *d = find_derived(c->p, rt.ref, e->name);
    if (!d)
      return fail(c, e, "%s has no derived value '%s'", zpolicy_entity(c->p, rt.ref)->name, e->name);
    return compile_call_derived(c, e, d, 1);
  }
  const char *n = e->name;
  if (strcmp(n, "min") == 0 || strcmp(n, "max") == 0)
    return compile_minmax(c, e, n[1] == 'a');
  if (strcmp(n, "round") == 0)
    return compile_round(c, e);
  if (strcmp(n, "within") == 0)
    return compile_within(c, e);
  if (strcmp(n, "date") == 0)
    return compile_date_literal(c, e);
  if (strcmp(n, "abs") == 0) {
    ztype t = expect_args(c, e, 1, (ztype_kind[]){ZT_NUMBER});
    if (!c->err)
      emit(c, OP_ABS, 0, 0, 0);
    return t;
  }
  static const struct { const char *name; zopcode op; } date_parts[] = {
      {"year", OP_YEAR}, {"month", OP_MONTH}, {"day", OP_DAY}};
  for (size_t i = 0; i < G_N_ELEMENTS(date_parts); i++)
    if (strcmp(n, date_parts[i].name) == 0) {
      expect_args(c, e, 1, (ztype_kind[]){ZT_DATE});
      if (c->err)
        return T_VOID;
      emit(c, date_parts[i].op, 0, 0, 0);
      return mk(ZT_NUMBER, -1);
    }
  if (strcmp(n, "days_between") == 0) {
    expect_args(c, e, 2, (ztype_kind[]){ZT_DATE, ZT_DATE});
    if (c->err)
      return T_VOID;
    emit(c, OP_DAYS_BETWEEN, 0, 0, 0);
    return mk(ZT_NUMBER, -1);
  }
  if (c->scope->kind == ZSCOPE_RECORD) {
    zderived *d = find_derived(c->p, c->scope->entity, n);
    if (d) {
      emit(c, OP_SELF, 0, 0, 0);
      return compile_call_derived(c, e, d, 0);
    }
  }
  return fail(c, e, "unknown function '%s'", n);
}

/* The collection an aggregate walks: pushes its owner and returns the
 * relation (or -1 for a group's members) and the records' entity. */
static bool compile_collection(cctx *c, zexpr *src, int *source, int32_t *relation, int32_t *entity) {
  const char *name = src->name;
  int32_t owner;
  if (src->kind == ZE_NAME && c->scope->kind == ZSCOPE_GROUP && strcmp(name, "members") == 0) {
    emit(c, OP_CONST, 0, 0, add_const(c, (zval){.rec = 0}));
    *source = ZITER_MEMBERS;
    *relation = -1;
    *entity = c->scope->entity;
    return true;
  }
  if (src->kind == ZE_NAME && c->scope->kind == ZSCOPE_POPULATION && !find_var(c, name)) {
    for (guint i = 0; i < c->p->entities->len; i++)
      if (strcmp(zpolicy_entity(c->p, (int32_t)i)->plural, name) == 0) {
        emit(c, OP_CONST, 0, 0, add_const(c, (zval){.rec = 0}));
        *source = ZITER_ALL;
        *relation = *entity = (int32_t)i;
        return true;
      }
    return fail(c, src, "'%s' is not the plural of an entity (every record of an entity: e.g. count(x in %s))",
                name, zpolicy_entity(c->p, 0)->plural), false;
  }
  if (src->kind == ZE_NAME && c->scope->kind == ZSCOPE_RECORD && !find_var(c, name)) {
    owner = c->scope->entity;
    emit(c, OP_SELF, 0, 0, 0);
  } else if (src->kind == ZE_MEMBER) {
    ztype bt = compile(c, zexpr_kid(src, 0), T_VOID);
    if (c->err)
      return false;
    if (bt.kind != ZT_RECORD)
      return fail(c, src, "'.%s' needs a record on its left", name), false;
    owner = bt.ref;
  } else {
    return fail(c, src, "an aggregate walks a collection (a relation such as honors, or members)"), false;
  }
  zrelation *r = find_relation(c->p, owner, name);
  if (!r)
    return fail(c, src, "%s has no collection '%s'", zpolicy_entity(c->p, owner)->name, name), false;
  *source = ZITER_RELATION;
  *relation = r->index;
  *entity = r->target;
  return true;
}

/* The type `e` would have, without emitting anything.  Only typing: so
 * that nested max()/min() aggregates, each of which types its value before
 * compiling it, cost linear time rather than doubling per level.  Derived
 * values met on the way are compiled for real (once, in their own blocks). */
static ztype peek_type(cctx *c, zexpr *e, ztype hint) {
  int depth = c->depth, n_locals = c->block->n_locals;
  c->dry++;
  ztype t = compile(c, e, hint);
  c->dry--;
  c->depth = depth;
  c->block->n_locals = n_locals;
  return t;
}

typedef enum { AGG_COUNT, AGG_SUM, AGG_ANY, AGG_ALL, AGG_MAX, AGG_MIN } zagg;

static bool agg_parts_ok(cctx *c, zexpr *e, zagg kind) {
  bool has_value = zexpr_kid(e, 2) != NULL, has_else = zexpr_kid(e, 3) != NULL;
  bool want_value = kind == AGG_SUM || kind == AGG_ALL || kind == AGG_MAX || kind == AGG_MIN;
  bool want_else = kind == AGG_MAX || kind == AGG_MIN;
  if (has_value != want_value)
    return fail(c, e, want_value ? "%s() needs ': value' after the collection"
                                 : "%s() takes no ': value' (use 'where' to filter)", e->name), false;
  if (has_else != want_else)
    return fail(c, e, want_else ? "%s() needs 'else value' for when no record matches"
                                : "%s() takes no 'else'", e->name), false;
  return true;
}

/* While explaining, the VM records each aggregate's value under a label
 * such as "count(p in located_projects where …)"; otherwise the
 * instruction does nothing. */
static void emit_trace_aggregate(cctx *c, const zexpr *e, ztype result) {
  const zexpr *src = zexpr_kid(e, 0);
  zagg_info info = {g_strdup_printf("%s(%s in %s%s%s)", e->name, e->agg_var, src->name ? src->name : "…",
                                    zexpr_kid(e, 1) ? " where …" : "", zexpr_kid(e, 2) ? " : …" : ""),
                    result};
  g_array_append_val(c->p->aggregates, info);
  emit(c, OP_TRACE_AGG, 0, 0, (int32_t)c->p->aggregates->len - 1);
}

static ztype compile_aggregate(cctx *c, zexpr *e) {
  static const char *const names[] = {"count", "sum", "any", "all", "max", "min"};
  zagg kind = AGG_COUNT;
  for (int i = 0; i < 6; i++)
    if (strcmp(e->name, names[i]) == 0)
      kind = (zagg)i;
  if (!agg_parts_ok(c, e, kind))
    return T_VOID;
  zexpr *where = zexpr_kid(e, 1), *value = zexpr_kid(e, 2), *dflt = zexpr_kid(e, 3);
  int slot = new_slot(c), seen = -1;
  bool value_typed = false;
  new_slot(c);
  new_slot(c);
  ztype result = mk(ZT_NUMBER, -1);
  /* the collection first (ITER takes its owner off the stack), then the
   * accumulator, which stays on the stack through the loop */
  int source;
  int32_t relation, entity;
  if (!compile_collection(c, zexpr_kid(e, 0), &source, &relation, &entity))
    return T_VOID;
  emit(c, OP_ITER, source, slot, relation);
  zvar var = {e->agg_var, entity, slot};
  g_array_append_val(c->vars, var);
  if (kind == AGG_COUNT || kind == AGG_SUM)
    emit_const(c, (zval){.d = zdec_from_int(0)}); /* a sum is typed by its value */
  else if (kind == AGG_ANY || kind == AGG_ALL)
    emit_const(c, (zval){.b = kind == AGG_ALL});
  else {
    /* the else value is typed like the values ('innovative_sme' is a code) */
    ztype value_type;
    if (c->dry) { /* only typing already: no need to type the value twice */
      value_type = compile(c, value, T_VOID);
      value_typed = true;
    } else {
      value_type = peek_type(c, value, T_VOID);
    }
    result = compile(c, dflt, value_type);
    seen = new_slot(c);
    emit_const(c, (zval){.b = false});
    emit(c, OP_STORE, 0, seen, 0);
  }
  if (c->err)
    return T_VOID;
  int loop = here(c);
  int next = emit(c, OP_NEXT, 0, slot, 0);
  if (where) {
    ztype wt = compile(c, where, T_VOID);
    if (!c->err && wt.kind != ZT_BOOL)
      fail(c, where, "'where' needs a condition (bool)");
    emit(c, OP_JUMP_FALSE, 0, 0, loop);
  }
  int exit_jump = -1;
  if (c->err) {
    /* fall through to cleanup */
  } else if (kind == AGG_COUNT) {
    emit(c, OP_INC, 0, 0, 0);
  } else if (kind == AGG_ANY) {
    emit(c, OP_POP, 0, 0, 0);
    emit_const(c, (zval){.b = true});
    exit_jump = emit(c, OP_JUMP, 0, 0, 0);
  } else {
    ztype vt = value_typed ? value->type : compile(c, value, result);
    if (c->err) {
    } else if (kind == AGG_SUM) {
      if (!ztype_is_decimal(vt))
        fail(c, value, "sum() adds numbers, money or rates");
      result = vt;
      emit(c, OP_ADD, 0, 0, 0);
    } else if (kind == AGG_ALL) {
      if (vt.kind != ZT_BOOL)
        fail(c, value, "all() needs a condition after ':'");
      emit(c, OP_NOT, 0, 0, 0);
      emit(c, OP_JUMP_FALSE, 0, 0, loop);
      emit(c, OP_POP, 0, 0, 0);
      emit_const(c, (zval){.b = false});
      exit_jump = emit(c, OP_JUMP, 0, 0, 0);
    } else {
      if (!unify(dflt, &result, value, &vt)) {
        char b1[64], b2[64];
        fail(c, value, "%s() value is %s but its 'else' is %s", e->name, ztype_name(c->p, vt, b1, sizeof b1),
             ztype_name(c->p, result, b2, sizeof b2));
      } else if (!ordered(c, vt)) {
        fail(c, value, "%s() needs numbers, money, rates, dates or ordered codes", e->name);
      }
      emit(c, OP_AGG_MINMAX, kind == AGG_MAX, cmp_kind(vt), seen);
    }
  }
  if (exit_jump < 0 || kind == AGG_ALL)
    emit(c, OP_JUMP, 0, 0, loop);
  patch(c, next, here(c));
  if (exit_jump >= 0)
    patch(c, exit_jump, here(c));
  g_array_set_size(c->vars, c->vars->len - 1);
  if (kind == AGG_ANY || kind == AGG_ALL)
    result = mk(ZT_BOOL, -1);
  if (!c->err)
    emit_trace_aggregate(c, e, result);
  return c->err ? T_VOID : result;
}

/* The arithmetic of docs/policy-language.md 8.6, exactly:
 *   money +- money, number +-*÷ number, rate +- rate
 *   money * number, number * money, money / number -> money
 *   money / money -> number
 *   money * rate, rate * money -> money
 *   rate * number -> rate (the rate first)
 * anything else (rate * rate, number * rate, money / rate, rate / ...) is an
 * error.  date +- number is handled before this. */
static ztype arith_type(int op, ztype l, ztype r) {
  ztype_kind a = l.kind, b = r.kind;
  ztype_kind N = ZT_NUMBER, M = ZT_MONEY, R = ZT_RATE;
  switch (op) {
  case ZOP_ADD:
  case ZOP_SUB:
    if (a == b && (a == N || a == M || a == R))
      return l;
    break;
  case ZOP_MUL:
    if (a == N && b == N) return mk(N, -1);
    if ((a == M && (b == N || b == R)) || (b == M && (a == N || a == R))) return mk(M, -1);
    if ((a == R && (b == N || b == R)) || (a == N && b == R)) return mk(R, -1);
    break;
  case ZOP_DIV:
    if (a == N && b == N) return mk(N, -1);
    if (a == M && (b == N || b == R)) return mk(M, -1);
    if (a == R && b == N) return mk(R, -1); /* an average of rates */
    if ((a == M && b == M) || (a == R && b == R)) return mk(N, -1);
    break;
  }
  return T_VOID;
}

static const char *op_text(int op) {
  switch (op) {
  case ZOP_ADD: return "+";
  case ZOP_SUB: return "-";
  case ZOP_MUL: return "*";
  case ZOP_DIV: return "/";
  case ZOP_EQ: return "==";
  case ZOP_NE: return "!=";
  case ZOP_LT: return "<";
  case ZOP_LE: return "<=";
  case ZOP_GT: return ">";
  default: return ">=";
  }
}

static int mirror(int op) {
  switch (op) {
  case ZOP_LT: return ZOP_GT;
  case ZOP_GT: return ZOP_LT;
  case ZOP_LE: return ZOP_GE;
  case ZOP_GE: return ZOP_LE;
  default: return op;
  }
}

static ztype compile_compare(cctx *c, zexpr *e) {
  zexpr *l = zexpr_kid(e, 0), *r = zexpr_kid(e, 1);
  int op = e->op;
  if (l->kind == ZE_STRING && r->kind != ZE_STRING) { /* 'x' == code: type the literal by the code */
    zexpr *t = l;
    l = r;
    r = t;
    op = mirror(op);
  }
  ztype lt = compile(c, l, T_VOID);
  if (c->err)
    return T_VOID;
  ztype rt = compile(c, r, lt);
  if (c->err)
    return T_VOID;
  char b1[64], b2[64];
  if (!unify(l, &lt, r, &rt))
    return fail(c, e, "cannot compare %s with %s", ztype_name(c->p, lt, b1, sizeof b1), ztype_name(c->p, rt, b2, sizeof b2));
  if (op != ZOP_EQ && op != ZOP_NE && !ordered(c, lt))
    return fail(c, e, "'%s' needs ordered values; %s can only be compared with == and !=", op_text(op),
                ztype_name(c->p, lt, b1, sizeof b1));
  emit(c, OP_CMP, op, cmp_kind(lt), 0);
  return mk(ZT_BOOL, -1);
}

static bool is_arith(const zexpr *e) {
  return e->kind == ZE_BINARY && (e->op == ZOP_ADD || e->op == ZOP_SUB || e->op == ZOP_MUL || e->op == ZOP_DIV);
}

/* One step of arithmetic: `l` (compiled, of type lt) op the right operand of e. */
static ztype compile_arith_step(cctx *c, zexpr *e, const zexpr *l, ztype lt) {
  zexpr *r = zexpr_kid(e, 1);
  ztype rt = compile(c, r, lt);
  if (c->err)
    return T_VOID;
  if (lt.kind == ZT_DATE && rt.kind == ZT_NUMBER && (e->op == ZOP_ADD || e->op == ZOP_SUB)) {
    emit(c, e->op == ZOP_ADD ? OP_ADD_DAYS : OP_SUB_DAYS, 0, 0, 0);
    return lt;
  }
  if (e->op == ZOP_ADD || e->op == ZOP_SUB)
    unify(l, &lt, r, &rt);
  ztype t = arith_type(e->op, lt, rt);
  if (t.kind == ZT_VOID) {
    char b1[64], b2[64];
    return fail(c, e, "'%s' is not defined for %s and %s", op_text(e->op), ztype_name(c->p, lt, b1, sizeof b1),
                ztype_name(c->p, rt, b2, sizeof b2));
  }
  static const zopcode ops[] = {[ZOP_ADD] = OP_ADD, [ZOP_SUB] = OP_SUB, [ZOP_MUL] = OP_MUL, [ZOP_DIV] = OP_DIV};
  emit(c, ops[e->op], 0, 0, 0);
  return t;
}

/* a + b - c * d ... parses as a left-deep tree as deep as the chain is long
 * (the parser loops; it does not nest).  Walk its left spine with a loop so
 * that a long flat expression does not recurse once per operator. */
static ztype compile_binary(cctx *c, zexpr *e) {
  if (!is_arith(e))
    return compile_compare(c, e);
  GPtrArray *spine = g_ptr_array_new();
  zexpr *x = e;
  for (; is_arith(x); x = zexpr_kid(x, 0))
    g_ptr_array_add(spine, x);
  ztype t = compile(c, x, T_VOID);
  const zexpr *l = x;
  for (guint i = spine->len; i-- > 0 && !c->err;) {
    zexpr *node = g_ptr_array_index(spine, i);
    t = compile_arith_step(c, node, l, t);
    node->type = t;
    l = node;
  }
  g_ptr_array_free(spine, TRUE);
  return c->err ? T_VOID : t;
}

/* a and b and c ...: a left-deep tree, walked with a loop (see above). */
static ztype compile_logic(cctx *c, zexpr *e) {
  GPtrArray *spine = g_ptr_array_new();
  zexpr *x = e;
  for (; x->kind == ZE_AND || x->kind == ZE_OR; x = zexpr_kid(x, 0))
    g_ptr_array_add(spine, x);
  ztype t = compile(c, x, T_VOID);
  if (!c->err && t.kind != ZT_BOOL) {
    zexpr *inner = g_ptr_array_index(spine, spine->len - 1);
    fail(c, x, "'%s' needs conditions (bool) on both sides", inner->kind == ZE_AND ? "and" : "or");
  }
  for (guint i = spine->len; i-- > 0 && !c->err;) {
    zexpr *node = g_ptr_array_index(spine, i);
    const char *word = node->kind == ZE_AND ? "and" : "or";
    int j = emit(c, node->kind == ZE_AND ? OP_AND_SC : OP_OR_SC, 0, 0, 0);
    ztype rt = compile(c, zexpr_kid(node, 1), T_VOID);
    if (!c->err && rt.kind != ZT_BOOL)
      fail(c, zexpr_kid(node, 1), "'%s' needs conditions (bool) on both sides", word);
    patch(c, j, here(c));
    node->type = mk(ZT_BOOL, -1);
  }
  g_ptr_array_free(spine, TRUE);
  return c->err ? T_VOID : mk(ZT_BOOL, -1);
}

static ztype compile_if(cctx *c, zexpr *e) {
  ztype ct = compile(c, zexpr_kid(e, 0), T_VOID);
  if (c->err)
    return T_VOID;
  if (ct.kind != ZT_BOOL)
    return fail(c, zexpr_kid(e, 0), "'if' needs a condition (bool)");
  int to_else = emit(c, OP_JUMP_FALSE, 0, 0, 0);
  int depth = c->depth;
  ztype at = compile(c, zexpr_kid(e, 1), T_VOID);
  int to_end = emit(c, OP_JUMP, 0, 0, 0);
  patch(c, to_else, here(c));
  c->depth = depth;
  ztype bt = compile(c, zexpr_kid(e, 2), at);
  patch(c, to_end, here(c));
  if (c->err)
    return T_VOID;
  if (!unify(zexpr_kid(e, 1), &at, zexpr_kid(e, 2), &bt)) {
    char b1[64], b2[64];
    return fail(c, e, "'then' gives %s but 'else' gives %s", ztype_name(c->p, at, b1, sizeof b1),
                ztype_name(c->p, bt, b2, sizeof b2));
  }
  return at;
}

static ztype compile_in(cctx *c, zexpr *e) {
  ztype t = compile(c, zexpr_kid(e, 0), T_VOID);
  if (c->err)
    return T_VOID;
  int slot = new_slot(c);
  emit(c, OP_STORE, 0, slot, 0);
  GArray *jumps = g_array_new(FALSE, FALSE, sizeof(int));
  for (guint i = 1; i < e->kids->len && !c->err; i++) {
    emit(c, OP_LOCAL, 0, slot, 0);
    zexpr *item = zexpr_kid(e, i);
    ztype it = compile(c, item, t);
    ztype xt = t;
    if (!c->err && !unify(zexpr_kid(e, 0), &xt, item, &it)) {
      char b1[64], b2[64];
      fail(c, item, "'in' compares %s with %s", ztype_name(c->p, t, b1, sizeof b1), ztype_name(c->p, it, b2, sizeof b2));
    }
    emit(c, OP_CMP, ZOP_EQ, cmp_kind(t), 0);
    if (i + 1 < e->kids->len) {
      int j = emit(c, OP_OR_SC, 0, 0, 0);
      g_array_append_val(jumps, j);
    }
  }
  for (guint i = 0; i < jumps->len; i++)
    patch(c, g_array_index(jumps, int, i), here(c));
  g_array_free(jumps, TRUE);
  return c->err ? T_VOID : mk(ZT_BOOL, -1);
}

static ztype compile_unary(cctx *c, zexpr *e) {
  ztype t = compile(c, zexpr_kid(e, 0), T_VOID);
  if (c->err)
    return T_VOID;
  if (e->op == 'n') {
    if (t.kind != ZT_BOOL)
      return fail(c, e, "'not' needs a condition (bool)");
    emit(c, OP_NOT, 0, 0, 0);
  } else {
    if (!ztype_is_decimal(t))
      return fail(c, e, "'-' needs a number, money or rate");
    emit(c, OP_NEG, 0, 0, 0);
  }
  return t;
}

static ztype compile(cctx *c, zexpr *e, ztype hint) {
  if (c->err)
    return T_VOID;
  const zexpr *outer = c->at;
  c->at = e;
  ztype t = T_VOID;
  switch (e->kind) {
  case ZE_NUMBER: emit_const(c, (zval){.d = e->num}); t = mk(ZT_NUMBER, -1); break;
  case ZE_PERCENT: emit_const(c, (zval){.d = e->num}); t = mk(ZT_RATE, -1); break;
  case ZE_STRING: t = compile_string(c, e, hint); break;
  case ZE_BOOL: emit_const(c, (zval){.b = e->b}); t = mk(ZT_BOOL, -1); break;
  case ZE_NAME: t = compile_name(c, e); break;
  case ZE_MEMBER: t = compile_member(c, e); break;
  case ZE_CALL: t = compile_call(c, e); break;
  case ZE_INDEX: t = compile_index(c, e); break;
  case ZE_AT: t = compile_at(c, e); break;
  case ZE_UNARY: t = compile_unary(c, e); break;
  case ZE_BINARY: t = compile_binary(c, e); break;
  case ZE_AND:
  case ZE_OR: t = compile_logic(c, e); break;
  case ZE_IF: t = compile_if(c, e); break;
  case ZE_IN: t = compile_in(c, e); break;
  case ZE_AGG: t = compile_aggregate(c, e); break;
  }
  e->type = t;
  c->at = outer;
  return c->err ? T_VOID : t;
}

static bool compile_source(struct zjtx_policy *p, zsource_expr *src, const zscope *scope, ztype want,
                           zjtx_error **err);

bool zcompile_expr(struct zjtx_policy *p, zsource_expr *src, const zscope *scope, ztype want, zjtx_error **err) {
  compile_nesting++;
  bool ok = compile_source(p, src, scope, want, err);
  compile_nesting--;
  return ok;
}

static bool compile_source(struct zjtx_policy *p, zsource_expr *src, const zscope *scope, ztype want,
                           zjtx_error **err) {
  zderived *d = (zderived *)scope->derived;
  if (d)
    d->state = 1;
  if (!src->ast) {
    src->ast = zexpr_parse(src->text, src->pos.file, src->pos.line, src->pos.column, err);
    if (!src->ast)
      return false;
  }
  zblock *b = &src->block;
  if (!b->code) {
    b->code = g_array_new(FALSE, FALSE, sizeof(zinstr));
    b->calls = g_array_new(FALSE, FALSE, sizeof(int32_t));
  }
  g_array_set_size(b->code, 0);
  b->max_stack = 0;
  b->n_locals = d ? (int32_t)d->arg_names->len : 0;
  cctx c = {.p = p, .scope = scope, .file = src->pos.file, .block = b,
            .vars = g_array_new(FALSE, FALSE, sizeof(zvar)), .at = src->ast};
  ztype t = compile(&c, src->ast, want);
  if (!c.err && want.kind != ZT_VOID) {
    /* a declared `code` derived value takes the code list of its body */
    if (want.kind == ZT_CODE && want.ref < 0 && t.kind == ZT_CODE)
      want = t;
    if (!coerce(src->ast, &t, want)) {
      char b1[64], b2[64];
      fail(&c, src->ast, "expected %s but this expression gives %s", ztype_name(p, want, b1, sizeof b1),
           ztype_name(p, t, b2, sizeof b2));
    }
  }
  emit(&c, OP_RET, 0, 0, 0);
  g_array_free(c.vars, TRUE);
  if (c.err) {
    zerr_give(err, c.err);
    return false;
  }
  src->type = t;
  if (d) {
    d->type = t;
    d->state = 2;
  }
  return true;
}

/* Stack and locals a block needs including everything it calls; the totals
 * of the derived values it calls are known by then.  *depth: the longest
 * chain of derived values it calls (0: none). */
static void block_totals(struct zjtx_policy *p, const zblock *b, const int32_t *depths, int32_t *stack,
                         int32_t *locals, int32_t *depth) {
  int32_t extra_stack = 0, extra_locals = 0, extra_depth = 0;
  for (guint i = 0; b->calls && i < b->calls->len; i++) {
    int32_t k = g_array_index(b->calls, int32_t, i);
    zderived *d = g_ptr_array_index(p->derived, k);
    extra_stack = MAX(extra_stack, d->total_stack);
    extra_locals = MAX(extra_locals, d->total_locals);
    extra_depth = MAX(extra_depth, depths[k]);
  }
  *stack = b->max_stack + extra_stack + 1;
  *locals = b->n_locals + extra_locals + 1;
  *depth = extra_depth;
}

/* The totals of every derived value, callees first, with an explicit stack
 * rather than recursion: a hostile policy may chain thousands of derived
 * values.  depths[i]: 0 not yet, -1 in progress, else 1 + the longest chain
 * it calls.  Refuses chains deeper than the evaluator may recurse. */
static bool derived_totals(struct zjtx_policy *p, int32_t *depths, zjtx_error **err) {
  GArray *todo = g_array_new(FALSE, FALSE, sizeof(int32_t));
  bool ok = true;
  for (guint root = 0; ok && root < p->derived->len; root++) {
    if (depths[root])
      continue;
    int32_t r = (int32_t)root;
    g_array_append_val(todo, r);
    depths[root] = -1;
    while (ok && todo->len) {
      int32_t i = g_array_index(todo, int32_t, todo->len - 1);
      zderived *d = g_ptr_array_index(p->derived, i);
      const zblock *b = &d->expr.block;
      bool waiting = false;
      for (guint j = 0; b->calls && j < b->calls->len && !waiting; j++) {
        int32_t k = g_array_index(b->calls, int32_t, j);
        if (depths[k] == -1) { /* compile_call_derived refuses cycles; never trust that twice */
          zerr_give(err, zerr_new(ZJTX_ERR_POLICY, d->expr.pos.file, d->expr.pos.line, d->expr.pos.column, NULL,
                                  "'%s' depends on itself", d->name));
          ok = false;
        } else if (depths[k] == 0) {
          depths[k] = -1;
          g_array_append_val(todo, k);
          waiting = true;
        }
      }
      if (!ok || waiting)
        continue;
      int32_t depth;
      block_totals(p, b, depths, &d->total_stack, &d->total_locals, &depth);
      depths[i] = depth + 1;
      g_array_set_size(todo, todo->len - 1);
      if (depths[i] > ZDERIVED_MAX_DEPTH) {
        zerr_give(err, zerr_new(ZJTX_ERR_POLICY, d->expr.pos.file, d->expr.pos.line, d->expr.pos.column, NULL,
                                "derived values call each other more than %d deep", ZDERIVED_MAX_DEPTH));
        ok = false;
      }
    }
  }
  g_array_free(todo, TRUE);
  return ok;
}

static void size_for(struct zjtx_policy *p, const int32_t *depths, const zsource_expr *src) {
  if (!src->block.code)
    return;
  int32_t s, l, d;
  block_totals(p, &src->block, depths, &s, &l, &d);
  p->max_stack = MAX(p->max_stack, s);
  p->max_locals = MAX(p->max_locals, l);
  p->max_frames = MAX(p->max_frames, d + 1);
}

bool zcompile_link(struct zjtx_policy *p, zjtx_error **err) {
  int32_t *depths = g_new0(int32_t, p->derived->len + 1);
  bool ok = derived_totals(p, depths, err);
  for (guint i = 0; ok && i < p->rules->len; i++) {
    zrule *r = g_ptr_array_index(p->rules, i);
    size_for(p, depths, &r->filter);
    size_for(p, depths, &r->condition);
    size_for(p, depths, &r->amount);
    for (guint j = 0; j < r->caps->len; j++)
      size_for(p, depths, &((zcap *)g_ptr_array_index(r->caps, j))->expr);
  }
  for (guint i = 0; ok && i < p->derived->len; i++)
    size_for(p, depths, &((zderived *)g_ptr_array_index(p->derived, i))->expr);
  g_free(depths);
  g_clear_pointer(&p->derived_index, g_hash_table_destroy); /* compiling is over */
  return ok;
}
