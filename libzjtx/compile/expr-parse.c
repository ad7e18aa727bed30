/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* expr-parse.c - lexer and recursive-descent parser of the expression
 * language (grammar in expr.h).  Positions are absolute in the policy file
 * so that every error points at the offending token. */
#include <stdarg.h>
#include <string.h>

#include "expr.h"

typedef enum { T_EOF, T_NUM, T_STR, T_NAME, T_OP, T_ERR } ttype;

typedef struct {
  ttype type;
  const char *start;
  size_t len;
  int line, column;
} token;

typedef struct {
  const char *src, *p;
  const char *file;
  int line, column; /* of *p */
  token tok;        /* current token */
  int depth;
  zjtx_error *err;
} parser;

static void fail(parser *ps, const token *t, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void fail(parser *ps, const token *t, const char *fmt, ...) {
  if (ps->err)
    return; /* keep the first error */
  va_list ap;
  va_start(ap, fmt);
  ps->err = zerr_newv(ZJTX_ERR_POLICY, ps->file, t->line, t->column, NULL, fmt, ap);
  va_end(ap);
}

static void advance_char(parser *ps) {
  if (*ps->p == '\n') {
    ps->line++;
    ps->column = 1;
  } else if (((unsigned char)*ps->p & 0xC0) != 0x80) {
    ps->column++; /* count characters, not UTF-8 continuation bytes */
  }
  ps->p++;
}

/* An unexpected character: named whole (a UTF-8 sequence, not its first
 * byte), with a hint for what was probably meant. */
static void bad_character(parser *ps, const token *t) {
  const char *p = ps->p;
  gunichar u = g_utf8_get_char_validated(p, -1);
  char *ch = (u == (gunichar)-1 || u == (gunichar)-2) ? g_strdup_printf("\\x%02X", (unsigned char)*p)
                                                      : g_strndup(p, (gsize)(g_utf8_next_char(p) - p));
  const char *hint = *p == '='                ? " (write == to compare)"
                     : *p == '!'              ? " (write 'not' to negate, != to compare)"
                     : *p == '&' || *p == '|' ? " (write 'and', 'or')"
                                              : "";
  fail(ps, t, "unexpected character '%s'%s", ch, hint);
  g_free(ch);
}

static bool is_name_start(char c) {
  return g_ascii_isalpha(c) || c == '_';
}
static bool is_name_char(char c) {
  return g_ascii_isalnum(c) || c == '_';
}

static void lex_string(parser *ps) {
  char quote = *ps->p;
  advance_char(ps);
  ps->tok.start = ps->p;
  while (*ps->p && *ps->p != quote && *ps->p != '\n')
    advance_char(ps);
  if (*ps->p != quote) {
    ps->tok.type = T_ERR;
    fail(ps, &ps->tok, "%s", "unterminated string literal");
    return;
  }
  ps->tok.len = (size_t)(ps->p - ps->tok.start);
  ps->tok.type = T_STR;
  advance_char(ps);
}

static void next(parser *ps) {
  while (g_ascii_isspace(*ps->p))
    advance_char(ps);
  token *t = &ps->tok;
  t->start = ps->p;
  t->line = ps->line;
  t->column = ps->column;
  t->len = 0;
  char c = *ps->p;
  if (!c) {
    t->type = T_EOF;
  } else if (g_ascii_isdigit(c)) {
    t->type = T_NUM;
    while (g_ascii_isdigit(*ps->p) || *ps->p == '.')
      advance_char(ps);
  } else if (is_name_start(c)) {
    t->type = T_NAME;
    while (is_name_char(*ps->p))
      advance_char(ps);
  } else if (c == '\'' || c == '"') {
    lex_string(ps);
    return;
  } else {
    t->type = T_OP;
    static const char *const two[] = {"==", "!=", "<=", ">=", NULL};
    for (int i = 0; two[i]; i++)
      if (strncmp(ps->p, two[i], 2) == 0) {
        advance_char(ps);
        break;
      }
    if (!strchr("+-*/()<>[],.:@%", c) && t->start == ps->p) {
      t->type = T_ERR;
      bad_character(ps, t);
    }
    advance_char(ps);
  }
  t->len = (size_t)(ps->p - t->start);
}

static bool is_op(const parser *ps, const char *op) {
  return ps->tok.type == T_OP && ps->tok.len == strlen(op) && strncmp(ps->tok.start, op, ps->tok.len) == 0;
}
static bool is_word(const parser *ps, const char *w) {
  return ps->tok.type == T_NAME && ps->tok.len == strlen(w) && strncmp(ps->tok.start, w, ps->tok.len) == 0;
}

static bool expect_op(parser *ps, const char *op) {
  if (is_op(ps, op)) {
    next(ps);
    return true;
  }
  char *got = ps->tok.type == T_EOF ? g_strdup("end of expression")
                                    : g_strdup_printf("'%.*s'", (int)ps->tok.len, ps->tok.start);
  char *msg = g_strdup_printf("expected '%s' but found %s", op, got);
  fail(ps, &ps->tok, "%s", msg);
  g_free(msg);
  g_free(got);
  return false;
}

static zexpr *node(zexpr_kind kind, const token *at) {
  return zexpr_new(kind, at->line, at->column);
}

static const char *const reserved[] = {"if", "then", "else", "and", "or", "not", "in", "where", "true", "false", NULL};
static bool is_reserved(const token *t) {
  for (int i = 0; reserved[i]; i++)
    if (t->len == strlen(reserved[i]) && strncmp(t->start, reserved[i], t->len) == 0)
      return true;
  return false;
}

static zexpr *parse_expr(parser *ps);
static zexpr *parse_postfix(parser *ps, bool allow_at);

/* Nesting: every parenthesis, argument list, index, member step, '@',
 * prefix operator and 'if' is one level; at most ZEXPR_MAX_DEPTH.  The
 * caller of enter() always calls leave(), whether enter() succeeded or not. */
static bool enter(parser *ps) {
  if (++ps->depth > ZEXPR_MAX_DEPTH) {
    fail(ps, &ps->tok, "expression nested deeper than %d levels", ZEXPR_MAX_DEPTH);
    return false;
  }
  return true;
}
static void leave(parser *ps) {
  ps->depth--;
}

/* args := expr (',' expr)*   (after '(' ; consumes ')') */
static bool parse_args(parser *ps, zexpr *call) {
  if (is_op(ps, ")")) {
    next(ps);
    return true;
  }
  for (;;) {
    zexpr *a = parse_expr(ps);
    if (!a)
      return false;
    g_ptr_array_add(call->kids, a);
    if (is_op(ps, ",")) {
      next(ps);
      continue;
    }
    return expect_op(ps, ")");
  }
}

static bool is_aggregate_name(const token *t) {
  static const char *const aggs[] = {"count", "sum", "any", "all", "max", "min", NULL};
  for (int i = 0; aggs[i]; i++)
    if (t->len == strlen(aggs[i]) && strncmp(t->start, aggs[i], t->len) == 0)
      return true;
  return false;
}

/* AGG '(' NAME 'in' expr ['where' expr] [':' expr] ['else' expr] ')'  (after '(') */
static zexpr *parse_aggregate(parser *ps, zexpr *e) {
  e->kind = ZE_AGG;
  if (is_reserved(&ps->tok)) {
    fail(ps, &ps->tok, "'%.*s' is a reserved word, not a variable name", (int)ps->tok.len, ps->tok.start);
    zexpr_free(e);
    return NULL;
  }
  e->agg_var = g_strndup(ps->tok.start, ps->tok.len);
  next(ps); /* the variable */
  next(ps); /* 'in' */
  zexpr *parts[4] = {NULL, NULL, NULL, NULL};
  parts[0] = parse_expr(ps);
  if (parts[0] && is_word(ps, "where")) {
    next(ps);
    parts[1] = parse_expr(ps);
  }
  if (!ps->err && is_op(ps, ":")) {
    next(ps);
    parts[2] = parse_expr(ps);
  }
  if (!ps->err && is_word(ps, "else")) {
    next(ps);
    parts[3] = parse_expr(ps);
  }
  for (int i = 0; i < 4; i++)
    g_ptr_array_add(e->kids, parts[i]);
  if (ps->err || !expect_op(ps, ")")) {
    zexpr_free(e);
    return NULL;
  }
  return e;
}

static bool lookahead_is_in(parser *ps) {
  /* NAME followed by the word 'in': an aggregate's variable binding */
  if (ps->tok.type != T_NAME)
    return false;
  const char *q = ps->tok.start + ps->tok.len;
  while (g_ascii_isspace(*q))
    q++;
  return q[0] == 'i' && q[1] == 'n' && !is_name_char(q[2]);
}

static zexpr *parse_number(parser *ps) {
  zexpr *e = node(ZE_NUMBER, &ps->tok);
  if (!zdec_parse(ps->tok.start, ps->tok.len, &e->num)) {
    g_autofree char *s = g_strndup(ps->tok.start, ps->tok.len);
    const char *problem = zvalue_decimal_problem(ps->tok.start, ps->tok.len);
    if (problem) /* the syntax is right: say what is wrong with the value */
      fail(ps, &ps->tok, "'%s' cannot be held exactly: %s", s, problem);
    else
      fail(ps, &ps->tok, "'%s' is not a number (expected digits with an optional decimal point)", s);
    zexpr_free(e);
    return NULL;
  }
  next(ps);
  if (is_op(ps, "%")) {
    e->kind = ZE_PERCENT;
    zdec hundred = zdec_from_int(100);
    zdec_div(e->num, hundred, &e->num);
    next(ps);
  }
  return e;
}

static zexpr *parse_primary(parser *ps) {
  token t = ps->tok;
  if (t.type == T_NUM)
    return parse_number(ps);
  if (t.type == T_STR) {
    zexpr *e = node(ZE_STRING, &t);
    e->str = g_strndup(t.start, t.len);
    next(ps);
    return e;
  }
  if (is_op(ps, "(")) {
    zexpr *e = NULL;
    if (enter(ps)) {
      next(ps);
      e = parse_expr(ps);
      if (e && !expect_op(ps, ")")) {
        zexpr_free(e);
        e = NULL;
      }
    }
    leave(ps);
    return e;
  }
  if (is_word(ps, "true") || is_word(ps, "false")) {
    zexpr *e = node(ZE_BOOL, &t);
    e->b = is_word(ps, "true");
    next(ps);
    return e;
  }
  if (t.type == T_NAME && !is_reserved(&t)) {
    zexpr *e = node(ZE_NAME, &t);
    e->name = g_strndup(t.start, t.len);
    next(ps);
    if (!is_op(ps, "("))
      return e;
    bool ok = enter(ps);
    next(ps);
    e->kind = ZE_CALL;
    if (ok && is_aggregate_name(&t) && lookahead_is_in(ps)) {
      e = parse_aggregate(ps, e);
    } else if (!ok || !parse_args(ps, e)) {
      zexpr_free(e);
      e = NULL;
    }
    leave(ps);
    return e;
  }
  char *what = t.type == T_EOF ? g_strdup("end of expression") : g_strdup_printf("'%.*s'", (int)t.len, t.start);
  fail(ps, &t, "expected a value, a name or '(' but found %s", what);
  g_free(what);
  return NULL;
}

/* postfix := primary ('.' NAME ['(' args ')'] | '[' expr ']' | '@' postfix)* */
static zexpr *parse_postfix(parser *ps, bool allow_at) {
  zexpr *e = parse_primary(ps);
  int levels = 0;
  while (e && !ps->err) {
    token t = ps->tok;
    if (!is_op(ps, ".") && !is_op(ps, "[") && !(allow_at && is_op(ps, "@"))) {
      ps->depth -= levels;
      return e;
    }
    levels++;
    if (!enter(ps))
      break;
    if (is_op(ps, ".")) {
      next(ps);
      if (ps->tok.type != T_NAME || is_reserved(&ps->tok)) {
        fail(ps, &ps->tok, "%s", "expected a field or derived name after '.'");
        break;
      }
      zexpr *m = node(ZE_MEMBER, &ps->tok);
      m->name = g_strndup(ps->tok.start, ps->tok.len);
      g_ptr_array_add(m->kids, e);
      e = m;
      next(ps);
      if (is_op(ps, "(")) {
        next(ps);
        m->kind = ZE_CALL;
        m->method = true;
        if (!parse_args(ps, m))
          break;
      }
    } else if (is_op(ps, "[")) {
      next(ps);
      zexpr *ix = node(ZE_INDEX, &t);
      g_ptr_array_add(ix->kids, e);
      e = ix;
      zexpr *k = parse_expr(ps);
      if (!k)
        break;
      g_ptr_array_add(ix->kids, k);
      if (!expect_op(ps, "]"))
        break;
    } else {
      next(ps);
      zexpr *at = node(ZE_AT, &t);
      g_ptr_array_add(at->kids, e);
      e = at;
      zexpr *d = parse_postfix(ps, false);
      if (!d)
        break;
      g_ptr_array_add(at->kids, d);
    }
  }
  ps->depth -= levels;
  zexpr_free(e);
  return NULL;
}

static zexpr *parse_unary(parser *ps) {
  if (!is_op(ps, "-"))
    return parse_postfix(ps, true);
  token t = ps->tok;
  zexpr *e = NULL;
  if (enter(ps)) {
    next(ps);
    zexpr *k = parse_unary(ps);
    if (k) {
      e = node(ZE_UNARY, &t);
      e->op = '-';
      g_ptr_array_add(e->kids, k);
    }
  }
  leave(ps);
  return e;
}

static zexpr *binary(int op, const token *at, zexpr *l, zexpr *r) {
  zexpr *e = node(ZE_BINARY, at);
  e->op = op;
  g_ptr_array_add(e->kids, l);
  g_ptr_array_add(e->kids, r);
  return e;
}

static zexpr *parse_mul(parser *ps) {
  zexpr *e = parse_unary(ps);
  while (e && (is_op(ps, "*") || is_op(ps, "/"))) {
    token t = ps->tok;
    next(ps);
    zexpr *r = parse_unary(ps);
    if (!r) {
      zexpr_free(e);
      return NULL;
    }
    e = binary(*t.start, &t, e, r);
  }
  return e;
}

static zexpr *parse_add(parser *ps) {
  zexpr *e = parse_mul(ps);
  while (e && (is_op(ps, "+") || is_op(ps, "-"))) {
    token t = ps->tok;
    next(ps);
    zexpr *r = parse_mul(ps);
    if (!r) {
      zexpr_free(e);
      return NULL;
    }
    e = binary(*t.start, &t, e, r);
  }
  return e;
}

static int comparison_op(const parser *ps) {
  static const struct {
    const char *text;
    int op;
  } ops[] = {{"==", ZOP_EQ}, {"!=", ZOP_NE}, {"<=", ZOP_LE}, {">=", ZOP_GE}, {"<", ZOP_LT}, {">", ZOP_GT}};
  for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
    if (is_op(ps, ops[i].text))
      return ops[i].op;
  return 0;
}

static zexpr *parse_in_list(parser *ps, zexpr *l, const token *at) {
  zexpr *e = node(ZE_IN, at);
  g_ptr_array_add(e->kids, l);
  bool ok = false;
  if (is_op(ps, "(")) {
    ok = enter(ps);
    next(ps);
    ok = ok && parse_args(ps, e);
    leave(ps);
  } else {
    expect_op(ps, "(");
  }
  if (!ok) {
    zexpr_free(e);
    return NULL;
  }
  if (e->kids->len < 2) {
    fail(ps, at, "%s", "'in' needs at least one value: x in ('a', 'b')");
    zexpr_free(e);
    return NULL;
  }
  return e;
}

static zexpr *parse_cmp(parser *ps) {
  zexpr *e = parse_add(ps);
  if (!e)
    return NULL;
  token t = ps->tok;
  int op = comparison_op(ps);
  if (op) {
    next(ps);
    zexpr *r = parse_add(ps);
    if (!r) {
      zexpr_free(e);
      return NULL;
    }
    e = binary(op, &t, e, r);
  } else if (is_word(ps, "in")) {
    next(ps);
    e = parse_in_list(ps, e, &t);
    if (!e)
      return NULL;
  } else {
    return e;
  }
  /* a < b < c would compare a bool with c */
  if (comparison_op(ps) || is_word(ps, "in")) {
    fail(ps, &ps->tok, "%s", "comparisons do not chain: write within(x, low, high) or join them with 'and'");
    zexpr_free(e);
    return NULL;
  }
  return e;
}

static zexpr *parse_not(parser *ps) {
  if (!is_word(ps, "not"))
    return parse_cmp(ps);
  token t = ps->tok;
  zexpr *e = NULL;
  if (enter(ps)) {
    next(ps);
    zexpr *k = parse_not(ps);
    if (k) {
      e = node(ZE_UNARY, &t);
      e->op = 'n';
      g_ptr_array_add(e->kids, k);
    }
  }
  leave(ps);
  return e;
}

static zexpr *parse_logic(parser *ps, const char *word, zexpr_kind kind, zexpr *(*sub)(parser *)) {
  zexpr *e = sub(ps);
  while (e && is_word(ps, word)) {
    token t = ps->tok;
    next(ps);
    zexpr *r = sub(ps);
    if (!r) {
      zexpr_free(e);
      return NULL;
    }
    zexpr *n = node(kind, &t);
    g_ptr_array_add(n->kids, e);
    g_ptr_array_add(n->kids, r);
    e = n;
  }
  return e;
}
static zexpr *parse_and(parser *ps) {
  return parse_logic(ps, "and", ZE_AND, parse_not);
}
static zexpr *parse_or(parser *ps) {
  return parse_logic(ps, "or", ZE_OR, parse_and);
}

static zexpr *parse_expr(parser *ps) {
  if (ps->err)
    return NULL;
  if (!is_word(ps, "if"))
    return parse_or(ps);
  zexpr *e = NULL;
  if (enter(ps)) {
    e = node(ZE_IF, &ps->tok);
    next(ps);
    zexpr *c = parse_expr(ps), *a = NULL, *b = NULL;
    if (c && (is_word(ps, "then") ? (next(ps), true) : (fail(ps, &ps->tok, "%s", "expected 'then'"), false)))
      a = parse_expr(ps);
    if (a && (is_word(ps, "else") ? (next(ps), true) : (fail(ps, &ps->tok, "%s", "expected 'else'"), false)))
      b = parse_expr(ps);
    g_ptr_array_add(e->kids, c);
    g_ptr_array_add(e->kids, a);
    g_ptr_array_add(e->kids, b);
    if (!b) {
      zexpr_free(e);
      e = NULL;
    }
  }
  leave(ps);
  return e;
}

zexpr *zexpr_parse(const char *text, const char *file, int line, int column, zjtx_error **err) {
  parser ps = {.src = text, .p = text, .file = file, .line = line, .column = column};
  if (strlen(text) > ZEXPR_MAX_LENGTH)
    return zerr_set(err, ZJTX_ERR_LIMIT, file, line, column, NULL, "expression longer than %d bytes", ZEXPR_MAX_LENGTH),
           NULL;
  next(&ps);
  zexpr *e = ps.err ? NULL : parse_expr(&ps);
  if (e && !ps.err && ps.tok.type != T_EOF) {
    char *s = g_strndup(ps.tok.start, ps.tok.len);
    fail(&ps, &ps.tok, "unexpected '%s' after the end of the expression", s);
    g_free(s);
  }
  if (ps.err) {
    zexpr_free(e);
    zerr_give(err, ps.err);
    return NULL;
  }
  return e;
}
