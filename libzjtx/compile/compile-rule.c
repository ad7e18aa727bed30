/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile-rule.c - rules that use rules: a rule's blocks compiled when the
 * loader reaches it or when an expression first names its amount, the path
 * of a cycle, and the order of evaluation (a rule after the rules it uses). */
#include "compile-internal.h"

#include <stdarg.h>
#include <string.h>

/* ---- what is being compiled, for the path of a cycle ---------------------- */

void zcomp_enter(struct zjtx_policy *p, char *label) {
  if (!p->compiling)
    p->compiling = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(p->compiling, label);
}

void zcomp_leave(struct zjtx_policy *p) {
  if (p->compiling && p->compiling->len)
    g_ptr_array_set_size(p->compiling, (gint)p->compiling->len - 1);
}

char *zcomp_cycle_path(const struct zjtx_policy *p, const char *label, bool *through_rule) {
  guint from = 0;
  *through_rule = false;
  if (!p->compiling)
    return NULL;
  for (from = p->compiling->len; from-- > 0;)
    if (strcmp(g_ptr_array_index(p->compiling, from), label) == 0)
      break;
  if (from == G_MAXUINT)
    return NULL;
  GString *path = g_string_new(NULL);
  for (guint i = from; i < p->compiling->len; i++) {
    const char *step = g_ptr_array_index(p->compiling, i);
    *through_rule = *through_rule || g_str_has_prefix(step, "rule ");
    g_string_append_printf(path, "%s -> ", step);
  }
  g_string_append(path, label);
  return g_string_free(path, FALSE);
}

/* ---- one rule ------------------------------------------------------------- */

static bool rfail(zjtx_error **err, zpos pos, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool rfail(zjtx_error **err, zpos pos, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  zerr_give(err, zerr_newv(ZJTX_ERR_POLICY, pos.file, pos.line, pos.column, NULL, fmt, ap));
  va_end(ap);
  return false;
}

static bool rule_shape_ok(const zrule *r, zjtx_error **err) {
  if (r->kind == ZJTX_RULE_CHECK && !r->has_condition)
    return rfail(err, r->pos, "check %s needs a <condition>", r->id);
  if (r->kind == ZJTX_RULE_CHECK && (r->has_amount || r->caps->len))
    return rfail(err, r->pos, "check %s computes no amount: remove <amount>/<cap>", r->id);
  if (r->kind == ZJTX_RULE_ENTITLEMENT && !r->has_amount)
    return rfail(err, r->pos, "rule %s needs an <amount>", r->id);
  return true;
}

static bool rule_blocks(struct zjtx_policy *p, zrule *r, int nesting, zjtx_error **err) {
  const ztype boolean = {.kind = ZT_BOOL, .ref = -1}, money = {.kind = ZT_MONEY, .ref = -1};
  zscope record = {ZSCOPE_RECORD, r->subject, {.kind = ZT_VOID, .ref = -1}, NULL};
  zscope scope = record;
  if (r->group_field >= 0) {
    scope.kind = ZSCOPE_GROUP;
    scope.key_type = zfield_value_type(zentity_field(zpolicy_entity(p, r->subject), r->group_field));
  }
  if (r->has_filter && !zcomp_source(p, &r->filter, &record, boolean, nesting, err))
    return false;
  if (r->has_filter && r->filter.type.may_be_missing)
    return rfail(err, r->filter.pos,
                 "the <filter> of %s may be missing (it reads an optional field): say what a record without it "
                 "does, with coalesce() or is_missing()",
                 r->id);
  if (r->has_condition && !zcomp_source(p, &r->condition, &scope, boolean, nesting, err))
    return false;
  if (r->has_amount && !zcomp_source(p, &r->amount, &scope, money, nesting, err))
    return false;
  bool undecided =
      (r->has_condition && r->condition.type.may_be_missing) || (r->has_amount && r->amount.type.may_be_missing);
  for (guint i = 0; i < r->caps->len; i++) {
    zcap *cap = g_ptr_array_index(r->caps, i);
    if (!zcomp_source(p, &cap->expr, &scope, money, nesting, err))
      return false;
    undecided = undecided || cap->expr.type.may_be_missing;
  }
  r->may_be_undecided = undecided;
  return true;
}

bool zcomp_rule(struct zjtx_policy *p, zrule *r, int nesting, zjtx_error **err) {
  if (r->state == 2)
    return true;
  if (nesting > ZDERIVED_MAX_DEPTH)
    return rfail(err, r->pos, "rules and derived values use each other more than %d deep", ZDERIVED_MAX_DEPTH);
  if (!rule_shape_ok(r, err))
    return false;
  r->state = 1;
  zcomp_enter(p, g_strdup_printf("rule %s", r->id));
  bool ok = rule_blocks(p, r, nesting, err);
  zcomp_leave(p);
  r->state = ok ? 2 : 1;
  return ok;
}

bool zcompile_rule(struct zjtx_policy *p, zrule *r, zjtx_error **err) {
  return zcomp_rule(p, r, 1, err);
}

bool zcompile_derived(struct zjtx_policy *p, zderived *d, zjtx_error **err) {
  if (d->state != 0)
    return true;
  zscope sc = {ZSCOPE_RECORD, d->entity, {.kind = ZT_VOID, .ref = -1}, d};
  zcomp_enter(p, g_strdup_printf("derived %s", d->name));
  bool ok = zcompile_expr(p, &d->expr, &sc, d->type, err);
  zcomp_leave(p);
  return ok;
}

/* ---- the order of evaluation ----------------------------------------------- */

/* The rules a block reads (RULE_VALUE), itself or through the derived
 * values it calls, each derived value walked once (seen). */
static void block_rule_reads(const struct zjtx_policy *p, const zblock *b, uint8_t *seen, GArray *todo, GArray *reads) {
  g_array_set_size(todo, 0);
  const zblock *cur = b;
  for (;;) {
    for (guint i = 0; cur->code && i < cur->code->len; i++) {
      const zinstr *in = &g_array_index(cur->code, zinstr, i);
      if (in->op == OP_RULE_VALUE) {
        g_array_append_val(reads, in->c);
      } else if (in->op == OP_CALL && !seen[in->c]) {
        seen[in->c] = 1;
        g_array_append_val(todo, in->c);
      }
    }
    if (!todo->len)
      return;
    int32_t d = g_array_index(todo, int32_t, todo->len - 1);
    g_array_set_size(todo, todo->len - 1);
    cur = &((const zderived *)g_ptr_array_index(p->derived, d))->expr.block;
  }
}

static bool same_group(const zrule *a, const zrule *b) {
  return a->exclusive && b->exclusive && strcmp(a->exclusive, b->exclusive) == 0;
}

/* A rule of an exclusive group is read once the group is settled: the
 * reader waits for every rule of the group (appended to reads after
 * `from`).  A rule of the group itself cannot wait for that. */
static bool add_group_peers(const struct zjtx_policy *p, const zrule *reader, GArray *reads, guint from,
                            zjtx_error **err) {
  guint end = reads->len;
  for (guint i = from; i < end; i++) {
    const zrule *u = g_ptr_array_index(p->rules, g_array_index(reads, int32_t, i));
    if (same_group(reader, u) && u != reader)
      return rfail(err, reader->pos,
                   "rule %s uses the amount of %s, but both are in exclusive group \"%s\" (就高不重复): their amounts "
                   "are settled against each other only once both have run",
                   reader->id, u->id, u->exclusive);
    for (guint k = 0; u->exclusive && k < p->rules->len; k++) {
      const zrule *peer = g_ptr_array_index(p->rules, k);
      if (peer != u && same_group(peer, u)) {
        int32_t idx = peer->index;
        g_array_append_val(reads, idx);
      }
    }
  }
  return true;
}

/* Every rule each rule reads, in CSR form: uses[offsets[r] .. offsets[r + 1]). */
static bool rule_reads(const struct zjtx_policy *p, GArray *offsets, GArray *uses, zjtx_error **err) {
  guint n = p->rules->len;
  g_autofree uint8_t *seen = g_new0(uint8_t, p->derived->len + 1);
  g_autoptr(GArray) todo = g_array_new(FALSE, FALSE, sizeof(int32_t));
  for (guint i = 0; i < n; i++) {
    const zrule *r = g_ptr_array_index(p->rules, i);
    int32_t at = (int32_t)uses->len;
    g_array_append_val(offsets, at);
    memset(seen, 0, p->derived->len);
    block_rule_reads(p, &r->filter.block, seen, todo, uses);
    block_rule_reads(p, &r->condition.block, seen, todo, uses);
    block_rule_reads(p, &r->amount.block, seen, todo, uses);
    for (guint j = 0; j < r->caps->len; j++)
      block_rule_reads(p, &((const zcap *)g_ptr_array_index(r->caps, j))->expr.block, seen, todo, uses);
    if (!add_group_peers(p, r, uses, (guint)at, err))
      return false;
  }
  int32_t end = (int32_t)uses->len;
  g_array_append_val(offsets, end);
  return true;
}

/* Whether two CONST instructions push the same value: each use of a
 * constant has its own entry in the pool.  Kinds other than these are the
 * same only as the same entry. */
static bool same_const(const struct zjtx_policy *p, const zinstr *x, const zinstr *y) {
  if (x->a != y->a || x->b != y->b)
    return false;
  if (x->c == y->c)
    return true;
  const zval *u = &g_array_index(p->consts, zval, x->c), *v = &g_array_index(p->consts, zval, y->c);
  switch ((ztype_kind)x->a) {
  case ZT_NUMBER:
  case ZT_MONEY:
  case ZT_RATE:
    return u->d.m == v->d.m && u->d.scale == v->d.scale; /* 5 and 5.0 differ: never wrongly the same */
  case ZT_BOOL:
    return u->b == v->b;
  case ZT_DATE:
    return u->date == v->date;
  case ZT_CODE:
    return u->code == v->code;
  case ZT_TEXT:
    return g_strcmp0(u->s, v->s) == 0;
  default:
    return false;
  }
}

/* Whether two blocks are the same code: they then compute the same value
 * for any record (parameters and derived values are the policy's, named
 * by index; constants are compared by value). */
static bool same_block(const struct zjtx_policy *p, const zblock *a, const zblock *b) {
  if (a->code->len != b->code->len || a->n_locals != b->n_locals)
    return false;
  for (guint i = 0; i < a->code->len; i++) {
    const zinstr *x = &g_array_index(a->code, zinstr, i), *y = &g_array_index(b->code, zinstr, i);
    if (x->op == OP_CONST && y->op == OP_CONST ? !same_const(p, x, y) : memcmp(x, y, sizeof *x) != 0)
      return false;
  }
  return true;
}

/* A rule's condition that is an earlier rule's (in the order they run),
 * for the same records: the evaluation computes it once per record.  Several
 * benefits of one clause often share their eligibility. */
static void share_conditions(struct zjtx_policy *p) {
  for (guint i = 0; i < p->rules->len; i++) {
    zrule *r = g_ptr_array_index(p->rules, i);
    r->same_condition = -1;
    r->condition_kept = false;
  }
  for (guint i = 0; i < p->rule_order->len; i++) {
    zrule *r = g_ptr_array_index(p->rules, g_array_index(p->rule_order, int32_t, i));
    if (!r->has_condition || r->group_field >= 0)
      continue;
    for (guint j = 0; j < i; j++) {
      zrule *earlier = g_ptr_array_index(p->rules, g_array_index(p->rule_order, int32_t, j));
      if (earlier->has_condition && earlier->group_field < 0 && earlier->subject == r->subject &&
          same_block(p, &earlier->condition.block, &r->condition.block)) {
        r->same_condition = earlier->index;
        earlier->condition_kept = true;
        break;
      }
    }
  }
}

/* Counts the calls without arguments in block b, and in the derived
 * values it calls, per derived value (argless).  A derived value is gone
 * through at most twice (visits): enough to count twice each one it
 * calls, and bounded however the calls nest. */
static void count_calls(const struct zjtx_policy *p, const zblock *b, uint32_t *visits, uint32_t *argless) {
  const zinstr *code = (const zinstr *)(void *)b->code->data;
  for (guint i = 0; i < b->code->len; i++) {
    if (code[i].op != OP_CALL)
      continue;
    int32_t d = code[i].c;
    if (code[i].a == 0)
      argless[d]++;
    if (++visits[d] <= 2)
      count_calls(p, &((const zderived *)g_ptr_array_index(p->derived, d))->expr.block, visits, argless);
  }
}

/* The derived values worth keeping per subject while evaluating: those a
 * rule computes twice for one subject (its condition and its amount often
 * call the same one). */
static void keep_repeated_calls(struct zjtx_policy *p) {
  guint n = p->derived->len;
  g_autofree uint32_t *visits = g_new(uint32_t, n + 1), *argless = g_new(uint32_t, n + 1);
  for (guint d = 0; d < n; d++)
    ((zderived *)g_ptr_array_index(p->derived, d))->kept_per_subject = false;
  for (guint i = 0; i < p->rules->len; i++) {
    const zrule *r = g_ptr_array_index(p->rules, i);
    memset(visits, 0, sizeof *visits * (n + 1));
    memset(argless, 0, sizeof *argless * (n + 1));
    if (r->has_filter)
      count_calls(p, &r->filter.block, visits, argless);
    if (r->has_condition)
      count_calls(p, &r->condition.block, visits, argless);
    if (r->has_amount)
      count_calls(p, &r->amount.block, visits, argless);
    for (guint c = 0; r->caps && c < r->caps->len; c++)
      count_calls(p, &((const zcap *)g_ptr_array_index(r->caps, c))->expr.block, visits, argless);
    for (guint d = 0; d < n; d++)
      if (argless[d] >= 2)
        ((zderived *)g_ptr_array_index(p->derived, d))->kept_per_subject = true;
  }
}

bool zcompile_rule_order(struct zjtx_policy *p, zjtx_error **err) {
  guint n = p->rules->len;
  g_autoptr(GArray) offsets = g_array_new(FALSE, FALSE, sizeof(int32_t));
  g_autoptr(GArray) uses = g_array_new(FALSE, FALSE, sizeof(int32_t));
  if (!rule_reads(p, offsets, uses, err))
    return false;
  const int32_t *off = (const int32_t *)(void *)offsets->data, *use = (const int32_t *)(void *)uses->data;
  /* depth first, roots and uses in policy order, each rule emitted after
   * what it uses: the policy's order when no rule uses another.  The stack
   * holds (rule, next use to visit) pairs: no recursion on hostile chains. */
  g_autofree uint8_t *state = g_new0(uint8_t, n + 1); /* 0 new, 1 on the stack, 2 placed */
  g_autoptr(GArray) stack = g_array_new(FALSE, FALSE, sizeof(int32_t) * 2);
  if (p->rule_order)
    g_array_free(p->rule_order, TRUE);
  p->rule_order = g_array_sized_new(FALSE, FALSE, sizeof(int32_t), n);
  for (guint root = 0; root < n; root++) {
    if (state[root])
      continue;
    int32_t top[2] = {(int32_t)root, off[root]};
    g_array_append_val(stack, top);
    state[root] = 1;
    while (stack->len) {
      int32_t *t = &g_array_index(stack, int32_t, (stack->len - 1) * 2);
      if (t[1] == off[t[0] + 1]) {
        state[t[0]] = 2;
        g_array_append_val(p->rule_order, t[0]);
        g_array_set_size(stack, stack->len - 1);
        continue;
      }
      int32_t u = use[t[1]++];
      if (state[u] == 1) { /* zcomp_rule_value refuses cycles; never trust that twice */
        const zrule *r = g_ptr_array_index(p->rules, u);
        return rfail(err, r->pos, "rule %s uses its own amount (a cycle)", r->id);
      }
      if (state[u] == 0) {
        int32_t next[2] = {u, off[u]};
        state[u] = 1;
        g_array_append_val(stack, next);
      }
    }
  }
  share_conditions(p);
  keep_repeated_calls(p);
  return true;
}

/* ---- a rule's amount as a value ---------------------------------------------- */

/* An entitlement rule about records of `entity`, not grouped. */
static bool usable(zcompiler *c, const zexpr *at, const zrule *r, int32_t entity) {
  const zentity *subject = zpolicy_entity(c->p, r->subject);
  if (r->kind == ZJTX_RULE_CHECK)
    return zcomp_fail(c, at, "'%s' is a check: it gives no amount to use", r->id), false;
  if (r->group_field >= 0)
    return zcomp_fail(c, at, "rule '%s' pays each group of %s by %s: its amount is not a value of one %s", r->id,
                      subject->plural, zentity_field(subject, r->group_field)->name, subject->name),
           false;
  if (r->subject != entity)
    return zcomp_fail(c, at, "rule '%s' is about each %s, not each %s", r->id, subject->name,
                      zpolicy_entity(c->p, entity)->name),
           false;
  const zbudget *b = zpolicy_rule_budget(c->p, r);
  if (b)
    return zcomp_fail(c, at,
                      "rule '%s' is capped by budget %s: its amount is known only once every claim on the budget is, "
                      "after every rule",
                      r->id, b->id),
           false;
  return true;
}

/* The evaluation keeps r's amounts; in an exclusive group, those of every
 * rule of the group, which settles them before r's amount is read. */
static void mark_used(struct zjtx_policy *p, zrule *r) {
  r->used = true;
  for (guint i = 0; r->exclusive && i < p->rules->len; i++) {
    zrule *peer = g_ptr_array_index(p->rules, i);
    if (peer->exclusive && strcmp(peer->exclusive, r->exclusive) == 0)
      peer->used = true;
  }
}

zrule *zcomp_find_rule(const struct zjtx_policy *p, const char *name) {
  for (guint i = 0; i < p->rules->len; i++) {
    zrule *r = g_ptr_array_index(p->rules, i);
    if (strcmp(r->id, name) == 0)
      return r;
  }
  return NULL;
}

ztype zcomp_rule_value(zcompiler *c, zexpr *at, zrule *r, int32_t entity, bool record_may_be_missing) {
  if (!usable(c, at, r, entity))
    return ZTYPE_VOID;
  if (r->state == 1) {
    bool through_rule;
    g_autofree char *label = g_strdup_printf("rule %s", r->id);
    g_autofree char *path = zcomp_cycle_path(c->p, label, &through_rule);
    return zcomp_fail(c, at, "rules use each other in a cycle: %s", path ? path : label);
  }
  if (!zcomp_rule(c->p, r, c->nesting + 1, &c->err))
    return ZTYPE_VOID;
  bool undecided = r->may_be_undecided;
  for (guint i = 0; r->exclusive && i < c->p->rules->len; i++) {
    zrule *peer = g_ptr_array_index(c->p->rules, i);
    if (peer == r || !same_group(peer, r))
      continue;
    if (peer->state == 1)
      return zcomp_fail(c, at,
                        "rule %s uses the amount of %s, but both are in exclusive group \"%s\" (就高不重复): their "
                        "amounts are settled against each other only once both have run",
                        peer->id, r->id, r->exclusive);
    if (!zcomp_rule(c->p, peer, c->nesting + 1, &c->err))
      return ZTYPE_VOID;
    undecided = undecided || peer->may_be_undecided;
  }
  mark_used(c->p, r);
  zcomp_emit(c, OP_RULE_VALUE, record_may_be_missing ? ZMISS_RECORD : 0, 0, r->index);
  return ztype_missing_if(ztype_of(ZT_MONEY, -1), undecided || record_may_be_missing);
}
