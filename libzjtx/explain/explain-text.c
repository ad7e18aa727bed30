/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* explain-text.c - an explanation in sentences a person reads, in Chinese or
 * English: the amount formula with the title and value of every term, the
 * caps, the clause; or the conditions that failed with their gaps and the
 * records an aggregate skipped.  Values come from the recorded nodes or
 * from running the terms' own code (explain-probe.c). */
#include <string.h>

#include "explain-internal.h"

typedef struct {
  zrecorder *rc;
  bool zh;
  GString *out;
  const zframe *fr; /* the rule's frame (its amount or condition) */
} zsay;

/* ---- values ---------------------------------------------------------------- */

static void say_value(zsay *s, const char *type, const char *value) {
  if (!value)
    return;
  if (type && strcmp(type, "money") == 0) {
    g_autofree char *g = zformat_money_text(value);
    g_string_append_printf(s->out, "%s %s", g, s->zh ? "元" : "yuan");
  } else if (s->zh && (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)) {
    g_string_append(s->out, value[0] == 't' ? "是" : "否");
  } else {
    g_string_append(s->out, value);
  }
}

static void say_zval(zsay *s, ztype t, const zval *v, bool points) {
  g_autofree char *text = zwhy_format(s->rc, t, v);
  if (points && t.kind == ZT_RATE && g_str_has_suffix(text, "%")) {
    text[strlen(text) - 1] = '\0';
    g_string_append_printf(s->out, "%s %s", text, s->zh ? "个百分点" : "percentage points");
    return;
  }
  say_value(s, t.kind == ZT_MONEY ? "money" : NULL, text);
}

/* ---- the amount formula, term by term ------------------------------------ */

static const char *pick(const ztext2 *t, bool zh, const char *fallback) {
  return zh ? ztext2_pick(t, "zh", fallback) : zex_title_en(t, fallback);
}

static void say_term(zsay *s, const zframe *fr, const zexpr *e, bool points, int depth);

static const char *op_sign(int op) {
  switch (op) {
  case ZOP_MUL:
    return "×";
  case ZOP_DIV:
    return "÷";
  case ZOP_SUB:
    return "-";
  default:
    return "+";
  }
}

static int strength(const zexpr *e) {
  if (e->kind != ZE_BINARY)
    return 9;
  return e->op == ZOP_ADD || e->op == ZOP_SUB ? 5 : 6;
}

static void say_kid(zsay *s, const zframe *fr, const zexpr *kid, int min, bool points, int depth) {
  bool paren = strength(kid) < min;
  if (paren)
    g_string_append(s->out, "(");
  say_term(s, fr, kid, points, depth);
  if (paren)
    g_string_append(s->out, ")");
}

/* A derived value: its title and value, and how it came about when its
 * formula is more than one term; a derived value that is one term is that
 * term. */
static bool say_derived(zsay *s, const zframe *fr, const zexpr *e, bool points, int depth) {
  zframe callee;
  const zderived *d;
  if (!zprobe_callee(s->rc, fr, e, &callee, &d))
    return false;
  const zexpr *body = callee.ast;
  bool one_term = body->kind == ZE_NAME || body->kind == ZE_MEMBER || body->kind == ZE_INDEX ||
                  body->kind == ZE_NUMBER || body->kind == ZE_PERCENT;
  if (one_term && !d->arg_names->len) {
    say_term(s, &callee, body, points, depth + 1);
    return true;
  }
  zval v;
  if (!zprobe_value(s->rc, fr, e, &v))
    return false;
  g_string_append_printf(s->out, "%s ", pick(&d->title, s->zh, d->name));
  say_zval(s, d->type, &v, points);
  if (depth < 3 && body->kind == ZE_BINARY) {
    g_string_append(s->out, s->zh ? "（" : " (");
    say_term(s, &callee, body, false, depth + 1);
    g_string_append(s->out, s->zh ? "）" : ")");
  }
  return true;
}

static bool say_named(zsay *s, const zframe *fr, const zexpr *e, bool points) {
  int32_t entity, field, param;
  const ztext2 *title;
  const char *name;
  if (zprobe_field(fr, e, &entity, &field)) {
    const zfield *fd = zentity_field(zpolicy_entity(s->rc->policy, entity), field);
    title = &fd->title;
    name = fd->name;
  } else if (zprobe_param(fr, e, &param)) {
    const zparam *p = g_ptr_array_index(s->rc->policy->params, param);
    title = &p->title;
    name = p->id;
  } else {
    return false;
  }
  zval v;
  if (!zprobe_value(s->rc, fr, e, &v))
    return false;
  g_string_append_printf(s->out, "%s ", pick(title, s->zh, name));
  say_zval(s, e->type, &v, points);
  return true;
}

static void say_records(zsay *s, size_t n, int depth);

static size_t child(const zjtx_explanation *ex, size_t parent, zjtx_node_kind kind, size_t after);

/* An aggregate of the amount formula: its value, then each record it
 * matched (with what it added) or skipped (with why), as recorded below the
 * formula's AGGREGATE node when the rule ran. */
static void say_aggregate(zsay *s, const zframe *fr, const zexpr *e, const zval *v) {
  const zjtx_explanation *ex = s->rc->ex;
  g_autofree char *coll = zprobe_text(zexpr_kid(e, 0));
  g_string_append_printf(s->out, "%s(%s in %s%s) ", e->name, e->agg_var, coll, zexpr_kid(e, 1) ? " where …" : "");
  say_zval(s, e->type, v, false);
  size_t formula = child(ex, s->rc->root, ZJTX_NODE_FORMULA, s->rc->root), agg = (size_t)-1;
  if (!s->rc->rule || fr->block != &s->rc->rule->amount.block || formula == (size_t)-1)
    return;
  for (size_t a = child(ex, formula, ZJTX_NODE_AGGREGATE, formula); a != (size_t)-1;
       a = child(ex, formula, ZJTX_NODE_AGGREGATE, a))
    agg = a;
  if (agg == (size_t)-1 || child(ex, agg, ZJTX_NODE_RECORD, agg) == (size_t)-1)
    return;
  g_string_append(s->out, s->zh ? "（" : " (");
  size_t before = s->out->len;
  say_records(s, agg, 0);
  /* each record begins with a separator */
  g_string_erase(s->out, (gssize)before, (gssize)strlen(s->zh ? "；" : "; "));
  g_string_append(s->out, s->zh ? "）" : ")");
}

static void say_term(zsay *s, const zframe *fr, const zexpr *e, bool points, int depth) {
  zval v;
  if (e->kind == ZE_BINARY && (e->op == ZOP_ADD || e->op == ZOP_SUB || e->op == ZOP_MUL || e->op == ZOP_DIV)) {
    bool rates = e->type.kind == ZT_RATE && (e->op == ZOP_ADD || e->op == ZOP_SUB);
    say_kid(s, fr, zexpr_kid(e, 0), strength(e), false, depth);
    g_string_append_printf(s->out, " %s ", op_sign(e->op));
    say_kid(s, fr, zexpr_kid(e, 1), strength(e) + 1, rates, depth);
    return;
  }
  if (e->kind == ZE_IF && zprobe_value(s->rc, fr, zexpr_kid(e, 0), &v) && !zval_is_missing(&v)) {
    say_term(s, fr, zexpr_kid(e, v.b ? 1 : 2), points, depth);
    return;
  }
  if (e->kind == ZE_INDEX && say_named(s, fr, e, points)) {
    zval key;
    if (zprobe_value(s->rc, fr, zexpr_kid(e, 1), &key)) {
      g_autofree char *k = zwhy_format(s->rc, zexpr_kid(e, 1)->type, &key);
      g_string_append_printf(s->out, s->zh ? "（%s）" : " (%s)", k);
    }
    return;
  }
  if (say_named(s, fr, e, points) || say_derived(s, fr, e, points, depth))
    return;
  if (e->kind == ZE_AGG && zprobe_value(s->rc, fr, e, &v)) {
    say_aggregate(s, fr, e, &v);
    return;
  }
  if (!zprobe_value(s->rc, fr, e, &v))
    return;
  if (e->kind != ZE_NUMBER && e->kind != ZE_PERCENT) {
    g_autofree char *text = zprobe_text(e);
    g_string_append_printf(s->out, "%s = ", text);
  }
  say_zval(s, e->type, &v, points);
}

/* ---- steps of an entitled rule ------------------------------------------- */

static size_t child(const zjtx_explanation *ex, size_t parent, zjtx_node_kind kind, size_t after) {
  for (size_t i = after + 1; i < ex->nodes->len; i++)
    if (zex_node(ex, i)->parent == parent && zex_node(ex, i)->kind == kind)
      return i;
  return (size_t)-1;
}

static void say_caps(zsay *s, size_t rule) {
  const zjtx_explanation *ex = s->rc->ex;
  for (size_t c = child(ex, rule, ZJTX_NODE_CAP, rule); c != (size_t)-1; c = child(ex, rule, ZJTX_NODE_CAP, c)) {
    const znode *n = zex_node(ex, c);
    const char *label = zex_attr_get(ex, c, "label");
    bool binding = g_strcmp0(zex_attr_get(ex, c, "binding"), "true") == 0;
    g_string_append(s->out, s->zh ? (binding ? "；超过上限" : "；未超过上限")
                                  : (binding ? "; above the cap" : "; within the cap"));
    if (label)
      g_string_append_printf(s->out, s->zh ? "（%s）" : " (%s)", label);
    g_string_append_c(s->out, ' ');
    say_value(s, "money", n->value);
    if (binding)
      g_string_append(s->out, s->zh ? "，按上限计" : ", which is paid");
  }
}

static void say_rounding(zsay *s, size_t rule, size_t formula) {
  const zjtx_explanation *ex = s->rc->ex;
  size_t r = child(ex, rule, ZJTX_NODE_ROUNDING, rule);
  const char *raw = zex_node(ex, formula)->value;
  zdec a, b;
  if (r == (size_t)-1 || !raw || !zdec_parse(raw, strlen(raw), &a) ||
      !zdec_parse(zex_node(ex, r)->value, strlen(zex_node(ex, r)->value), &b) || zdec_cmp(a, b) == 0)
    return;
  g_string_append(s->out, s->zh ? "，取整为 " : ", rounded to ");
  say_value(s, "money", zex_node(ex, r)->value);
}

static bool below(const zjtx_explanation *ex, size_t i, size_t rule) {
  size_t up = zex_node(ex, i)->parent;
  while (up != (size_t)-1 && up != rule)
    up = zex_node(ex, up)->parent;
  return up == rule;
}

/* Each table look-up band by band: "（引才奖励标准：引进2人以上档：25,000.00）". */
static void say_tables(zsay *s, size_t rule) {
  const zjtx_explanation *ex = s->rc->ex;
  for (size_t i = rule + 1; i < ex->nodes->len; i++) {
    if (zex_node(ex, i)->kind != ZJTX_NODE_TABLE || !below(ex, i, rule))
      continue;
    const char *title = zex_attr_get(ex, i, s->zh ? "title" : "title_en");
    g_string_append_printf(s->out, s->zh ? "（%s：%s）" : " (%s: %s)", title, zex_node(ex, i)->reference);
  }
}

/* A claim the budget scaled: the note, and what is paid. */
static void say_budget(zsay *s, size_t rule) {
  const zjtx_explanation *ex = s->rc->ex;
  size_t b = child(ex, rule, ZJTX_NODE_BUDGET, rule);
  if (b == (size_t)-1)
    return;
  g_string_append(s->out, s->zh ? "；申报 " : "; claimed ");
  say_value(s, "money", zex_attr_get(ex, b, "claim"));
  const char *title = zex_attr_get(ex, b, s->zh ? "title" : "title_en");
  if (s->zh) {
    g_string_append_printf(s->out, "，%s（%s）", title, zex_node(ex, b)->reference);
  } else { /* the note is Chinese: told again from its parts */
    g_string_append_printf(s->out, ", %s (fund ", title);
    say_value(s, "money", zex_attr_get(ex, b, "cap"));
    g_string_append(s->out, ", claims ");
    say_value(s, "money", zex_attr_get(ex, b, "claims"));
    g_string_append(s->out, ", each claim scaled by fund / claims and shared to the fen)");
  }
  g_string_append(s->out, s->zh ? "，核定 " : ": paid ");
  say_value(s, "money", zex_node(ex, b)->value);
}

static void say_entitled(zsay *s, const zrule *r, size_t rule, const zframe *fr) {
  const zjtx_explanation *ex = s->rc->ex;
  size_t formula = child(ex, rule, ZJTX_NODE_FORMULA, rule);
  if (formula == (size_t)-1)
    return;
  say_term(s, fr, r->amount.ast, false, 0);
  if (r->amount.ast->kind == ZE_BINARY) {
    g_string_append(s->out, " = ");
    say_value(s, "money", zex_node(ex, formula)->value);
  }
  say_tables(s, rule);
  say_rounding(s, rule, formula);
  say_caps(s, rule);
  say_budget(s, rule);
  g_string_append(s->out, s->zh ? "。" : ".");
}

/* ---- failed conditions ---------------------------------------------------- */

static const char *op_words(const char *op, bool zh) {
  static const char *const ops[][3] = {{">=", "不低于", "at least"}, {">", "高于", "more than"},
                                       {"<=", "不高于", "at most"},  {"<", "低于", "less than"},
                                       {"==", "等于", "equal to"},   {"!=", "不等于", "other than"}};
  for (size_t i = 0; op && i < G_N_ELEMENTS(ops); i++)
    if (strcmp(op, ops[i][0]) == 0)
      return ops[i][zh ? 1 : 2];
  return op ? op : "";
}

static void say_side(zsay *s, size_t n, const char *side, const char *type) {
  const zjtx_explanation *ex = s->rc->ex;
  g_autofree char *tk = g_strdup_printf("%s_title%s", side, s->zh ? "" : "_en");
  g_autofree char *nk = g_strdup_printf("%s_name", side);
  g_autofree char *xk = g_strdup_printf("%s_expr", side);
  const char *title = zex_attr_get(ex, n, tk), *name = zex_attr_get(ex, n, nk), *expr = zex_attr_get(ex, n, xk);
  if (title && name && strcmp(title, name) != 0)
    g_string_append_printf(s->out, "%s %s ", title, name);
  else if (name)
    g_string_append_printf(s->out, "%s ", name);
  else if (expr)
    g_string_append_printf(s->out, "%s = ", expr);
  say_value(s, type, zex_attr_get(ex, n, side));
}

static void say_gap(zsay *s, size_t n) {
  const zjtx_explanation *ex = s->rc->ex;
  const char *gap = zex_attr_get(ex, n, "gap"), *unit = zex_attr_get(ex, n, "unit");
  if (!gap)
    return;
  bool up = g_strcmp0(zex_attr_get(ex, n, "direction"), "increase") == 0;
  bool strict = zex_attr_get(ex, n, "strict") != NULL;
  g_string_append(s->out, s->zh ? (up ? "，差 " : "，超出 ") : (up ? ", short by " : ", over by "));
  if (g_strcmp0(unit, "yuan") == 0)
    say_value(s, "money", gap);
  else if (g_strcmp0(unit, "percentage points") == 0)
    g_string_append_printf(s->out, "%s %s", gap, s->zh ? "个百分点" : "percentage points");
  else if (g_strcmp0(unit, "days") == 0)
    g_string_append_printf(s->out, "%s %s", gap, s->zh ? "天" : "days");
  else
    g_string_append(s->out, gap);
  if (strict)
    g_string_append(s->out, s->zh ? "以上" : " or more");
}

static void say_failed(zsay *s, size_t n, int depth);

static void say_records(zsay *s, size_t n, int depth) {
  const zjtx_explanation *ex = s->rc->ex;
  const char *count = zex_attr_get(ex, n, "record_count");
  if (count && strcmp(count, "0") == 0) {
    g_string_append(s->out, s->zh ? "（没有相关记录）" : " (no record to consider)");
    return;
  }
  for (size_t r = child(ex, n, ZJTX_NODE_RECORD, n); r != (size_t)-1; r = child(ex, n, ZJTX_NODE_RECORD, r)) {
    bool matched = g_strcmp0(zex_attr_get(ex, r, "matched"), "true") == 0;
    g_string_append_printf(s->out, s->zh ? "；%s %s " : "; %s %s ", zex_attr_get(ex, r, "entity"),
                           zex_attr_get(ex, r, "id"));
    if (matched) {
      g_string_append(s->out, s->zh ? "计入" : "counted");
      const char *c = zex_attr_get(ex, r, "contributes");
      if (c) {
        g_string_append_c(s->out, ' ');
        say_value(s, zex_node(ex, r)->money ? "money" : NULL, c);
      }
      continue;
    }
    g_string_append(s->out, s->zh ? "不计入：" : "skipped: ");
    bool first = true;
    for (size_t f = child(ex, r, ZJTX_NODE_FAILED, r); f != (size_t)-1; f = child(ex, r, ZJTX_NODE_FAILED, f)) {
      if (!first)
        g_string_append(s->out, s->zh ? "，且" : ", and ");
      first = false;
      say_failed(s, f, depth + 1);
    }
  }
}

/* One failed part: "本期研发费用 rd_expense 450,000.00 元 须不低于 ... 差 ..." */
static void say_failed(zsay *s, size_t n, int depth) {
  const zjtx_explanation *ex = s->rc->ex;
  const char *type = zex_attr_get(ex, n, "type"), *op = zex_attr_get(ex, n, "operator");
  const char *needed = zex_attr_get(ex, n, "needed");
  if (g_strcmp0(zex_attr_get(ex, n, "left_name"), "amount") == 0) {
    g_string_append(s->out, s->zh ? "金额为 " : "the amount is ");
    say_value(s, "money", zex_node(ex, n)->value);
    if (child(ex, n, ZJTX_NODE_RECORD, n) == (size_t)-1 && s->rc->rule && s->fr->block == &s->rc->rule->amount.block) {
      g_string_append(s->out, s->zh ? "：" : ": ");
      say_term(s, s->fr, s->rc->rule->amount.ast, false, 0);
    }
  } else if (op && zex_attr_get(ex, n, "right") && strcmp(op, "in") != 0 &&
             g_strcmp0(zex_node(ex, n)->value, "true") == 0) {
    /* a part of a violation that held */
    say_side(s, n, "left", type);
    g_string_append_printf(s->out, s->zh ? "，%s" : " is %s ", op_words(op, s->zh));
    say_side(s, n, "right", type);
  } else if (op && zex_attr_get(ex, n, "right") && strcmp(op, "in") != 0) {
    say_side(s, n, "left", type);
    g_string_append_printf(s->out, s->zh ? "，须%s" : " must be %s ", op_words(op, s->zh));
    say_side(s, n, "right", type);
    say_gap(s, n);
  } else if (op) {
    say_side(s, n, "left", type);
    g_string_append_printf(s->out, s->zh ? "，须为 %s 之一" : ", needed one of %s", zex_attr_get(ex, n, "right"));
  } else {
    const char *title = zex_attr_get(ex, n, s->zh ? "left_title" : "left_title_en");
    if (g_strcmp0(title, zex_attr_get(ex, n, "left_name")) == 0)
      title = NULL; /* no title of its own: the condition says it */
    g_string_append_printf(s->out, s->zh ? "%s%s%s%s 为" : "%s%s%s%s is ", title ? title : "",
                           title ? (s->zh ? "（" : " (") : "", zex_attr_get(ex, n, "condition"),
                           title ? (s->zh ? "）" : ")") : "");
    say_value(s, NULL, zex_node(ex, n)->value);
    if (needed) {
      g_string_append(s->out, s->zh ? "，须为" : ", needed ");
      say_value(s, NULL, needed);
    }
    if (depth < 6) {
      for (size_t f = child(ex, n, ZJTX_NODE_FAILED, n); f != (size_t)-1; f = child(ex, n, ZJTX_NODE_FAILED, f)) {
        g_string_append(s->out, s->zh ? "：" : ": ");
        say_failed(s, f, depth + 1);
      }
    }
  }
  if (depth < 6)
    say_records(s, n, depth);
}

static void say_not_entitled(zsay *s, size_t rule) {
  const zjtx_explanation *ex = s->rc->ex;
  bool first = true;
  for (size_t f = child(ex, rule, ZJTX_NODE_FAILED, rule); f != (size_t)-1; f = child(ex, rule, ZJTX_NODE_FAILED, f)) {
    g_string_append(s->out, first ? "" : (s->zh ? "；" : "; "));
    first = false;
    say_failed(s, f, 0);
  }
  g_string_append(s->out, s->zh ? "。" : ".");
}

/* The inputs an undecided rule lacks: "enterprise X 的 rd_expense_prev". */
static void say_missing(zsay *s, size_t rule) {
  const zjtx_explanation *ex = s->rc->ex;
  bool first = true;
  for (size_t m = child(ex, rule, ZJTX_NODE_MISSING, rule); m != (size_t)-1;
       m = child(ex, rule, ZJTX_NODE_MISSING, m), first = false) {
    const char *title = zex_attr_get(ex, m, s->zh ? "title" : "title_en"), *field = zex_attr_get(ex, m, "field");
    g_string_append_printf(s->out, s->zh ? "%s%s %s 的 " : "%s %s %s's ",
                           first ? (s->zh ? " " : "") : (s->zh ? "、" : ","), zex_attr_get(ex, m, "entity"),
                           zex_attr_get(ex, m, "id"));
    if (title && g_strcmp0(title, field) != 0)
      g_string_append_printf(s->out, "%s ", title);
    g_string_append(s->out, field);
  }
  if (zex_attr_get(ex, rule, "missing_more"))
    g_string_append(s->out, s->zh ? " 等" : " and more");
  g_string_append(s->out, s->zh ? "。" : ". ");
}

/* A claim its budget holds back while another claim on the fund is
 * undecided (6.8): its own amount is known, the share is not. */
static void say_budget_waits(zsay *s, size_t rule) {
  const zjtx_explanation *ex = s->rc->ex;
  if (!zex_attr_get(ex, rule, "budget_waits"))
    return;
  g_string_append(s->out, s->zh ? "本项申报 " : "This claim is ");
  say_value(s, "money", zex_attr_get(ex, rule, "claim"));
  g_string_append(s->out, s->zh ? "，同一预算资金内有申报缺数据，申报合计未定，暂不核定。"
                                : "; another claim on the same fund lacks data, so the claims' total is not known and "
                                  "none is paid yet.");
}

char *ztext_rule(zrecorder *rc, const zrule *r, size_t rule, const zframe *fr, const char *lang) {
  zsay s = {rc, g_strcmp0(lang, "en") != 0, g_string_new(NULL), fr};
  const zjtx_explanation *ex = rc->ex;
  const znode *n = zex_node(ex, rule);
  g_string_append_printf(s.out, s.zh ? "%s（%s）：" : "%s (%s): ", pick(&r->title, s.zh, r->id), r->id);
  switch (n->outcome) {
  case ZJTX_OUTCOME_ENTITLED:
    g_string_append(s.out, s.zh ? "应享 " : "entitled to ");
    say_value(&s, "money", n->value);
    g_string_append(s.out, s.zh ? "。" : ". ");
    say_entitled(&s, r, rule, fr);
    break;
  case ZJTX_OUTCOME_NOT_ENTITLED:
    g_string_append(s.out, s.zh ? "不予享受：" : "not entitled: ");
    say_not_entitled(&s, rule);
    break;
  case ZJTX_OUTCOME_VIOLATED:
    g_string_append(s.out, s.zh ? "违反：" : "violated: ");
    say_not_entitled(&s, rule);
    break;
  case ZJTX_OUTCOME_UNDECIDED:
    g_string_append(s.out, s.zh ? "待定：缺少" : "undecided: missing");
    say_missing(&s, rule);
    say_budget_waits(&s, rule);
    break;
  case ZJTX_OUTCOME_COMPLIED:
    g_string_append(s.out, s.zh ? "符合：" : "complied: ");
    say_not_entitled(&s, rule);
    break;
  default:
    break;
  }
  g_string_append_printf(s.out, s.zh ? "依据：条款 %s。" : " Basis: clause %s.", r->clause ? r->clause : "-");
  return g_string_free(s.out, FALSE);
}
