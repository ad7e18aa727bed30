/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-json-scan.c - grammar, strict lexing, UTF-8 and limits checked in one pass before any record is read. */
#include "facts-json-scan.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facts-store.h"

static const char bad_number[] =
    "not valid JSON: a number must be written in decimal as JSON writes it (no leading zero, hex or octal)";

/* A token: its bytes, and the position of its last byte (where json-glib
 * placed its messages). */
/* T_OPEN_STRING: a string the input ends in. */
typedef enum { T_EOF, T_CHAR, T_STRING, T_OPEN_STRING, T_NUMBER, T_WORD } ztoken_kind;
typedef struct {
  ztoken_kind kind;
  const char *from, *to;
  int line, column;
  int from_line; /* the cursor's line where the token starts */
  const char *from_line_start;
} ztoken;

/* Where the grammar stands: what the next token may be. */
typedef enum {
  S_VALUE,
  S_FIRST_ELEMENT,
  S_NEXT_ELEMENT,
  S_MEMBER_VALUE,
  S_FIRST_KEY,
  S_NEXT_KEY,
  S_COLON,
  S_AFTER
} zstate;

/* The scanner's cursor over the document. */
typedef struct {
  const char *data, *p, *end;
  const char *line_start;
  int line;
  const zjson_limits *lim;
  zjson_scan *scan;
  GString *open; /* the brackets open, innermost last */
  bool bad_utf8; /* json-glib refused such a document before parsing it */
  char *grammar; /* the first syntax error (json-glib's words), or NULL */
  int grammar_line, grammar_column;
  bool at_end;              /* the syntax error stands at the end of the input */
  int end_line, end_column; /* and where the input ends, 0 if not known */
  bool bom;                 /* the input starts with a byte order mark: json-glib's columns skip it */
  ztoken key;               /* the top object's member being read */
  size_t member_from;
  int member_line;
  bool fast; /* elements of arrays through the fast path */
  /* the array a watch streams (limits->watch) */
  enum { STREAM_NONE, STREAM_IN } stream;
  zjson_chunk run; /* its elements not yet reported */
  guint elements;  /* its elements so far */
} zcursor;

static bool G_GNUC_PRINTF(4, 5) problem(zcursor *c, const char *at, zjtx_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_free(c->scan->message);
  c->scan->message = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  c->scan->code = code;
  c->scan->line = c->line;
  c->scan->column = (int)MIN(at - c->line_start + 1, G_MAXINT);
  return false;
}

/* Notes the first syntax error, at line:column (json-glib's message, its
 * quoted tokens escaped for one line).  The scan goes on: the lexical
 * checks json-glib's pre-pass made over the whole document came first. */
static void G_GNUC_PRINTF(4, 5) syntax(zcursor *c, int line, int column, const char *fmt, ...) {
  if (c->grammar)
    return;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *m = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *shown = zfacts_escape_max(m, 240, true);
  c->grammar = g_strdup_printf("not valid JSON: %s", shown);
  c->grammar_line = line;
  c->grammar_column = line == 1 && c->bom ? column - 3 : column;
}

/* A scanner error of json-glib's, which it placed at the end of the input. */
static void syntax_at_end(zcursor *c, const char *what) {
  if (c->grammar)
    return;
  syntax(c, 0, 0, "scanner: %s", what);
  c->at_end = true;
  if (c->p == c->end) { /* counted here: the bytes behind may be given back (facts-json-par.c) */
    c->end_line = c->line;
    c->end_column = (int)MIN(c->end - c->line_start + 1, G_MAXINT);
  }
}

static bool is_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static void skip_space(zcursor *c) {
  for (; c->p < c->end && is_space(*c->p); c->p++)
    if (*c->p == '\n') {
      c->line++;
      c->line_start = c->p + 1;
    }
}

/* The length of the valid UTF-8 character at p (p[0] >= 0x80, `left`
 * bytes left), or 0 when it is not one. */
static size_t utf8_valid_length(const unsigned char *p, size_t left) {
  /* RFC 3629's table (GLib's rule: no surrogates, nothing above U+10FFFF,
   * no overlong form), inline: names are mostly Chinese */
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (p[0] >= 0xC2 && p[0] <= 0xDF)
    n = 2;
  else if (p[0] >= 0xE0 && p[0] <= 0xEF)
    n = 3, lo = p[0] == 0xE0 ? 0xA0 : 0x80, hi = p[0] == 0xED ? 0x9F : 0xBF;
  else if (p[0] >= 0xF0 && p[0] <= 0xF4)
    n = 4, lo = p[0] == 0xF0 ? 0x90 : 0x80, hi = p[0] == 0xF4 ? 0x8F : 0xBF;
  bool ok = n > 0 && left >= n && p[1] >= lo && p[1] <= hi;
  for (size_t i = 2; ok && i < n; i++)
    ok = p[i] >= 0x80 && p[i] <= 0xBF;
  return ok ? n : 0;
}

/* The byte at c->p (>= 0x80) starts valid UTF-8 or not: the length to skip. */
static size_t utf8_length(zcursor *c) {
  size_t n = utf8_valid_length((const unsigned char *)c->p, (size_t)(c->end - c->p));
  if (n == 0) {
    c->bad_utf8 = true;
    return 1;
  }
  return n;
}

static int hex4(const char *p, const char *end) {
  int v = 0;
  if (end - p < 4)
    return -1;
  for (int i = 0; i < 4; i++) {
    if (!g_ascii_isxdigit(p[i]))
      return -1;
    v = v * 16 + g_ascii_xdigit_value(p[i]);
  }
  return v;
}

/* A \u escape at c->p of value v: a character beyond U+FFFF is written as
 * a high and a low surrogate escaped one after the other; half of a pair
 * is no character (json-glib swallowed the byte after it, a closing quote
 * included).  Returns the bytes to skip, 0 when refused. */
static size_t surrogate_length(zcursor *c, int v) {
  if (v < 0xD800 || v > 0xDFFF)
    return 6;
  int low = v <= 0xDBFF && c->end - c->p >= 12 && c->p[6] == '\\' && c->p[7] == 'u' ? hex4(c->p + 8, c->end) : -1;
  if (low >= 0xDC00 && low <= 0xDFFF)
    return 12;
  syntax(c, c->line, (int)(c->p - c->line_start + 1),
         "\\u%.4s is half of a surrogate pair (a character beyond U+FFFF is written as two \\u escapes, high then "
         "low)",
         c->p + 2);
  return 6;
}

/* The escape at c->p (a backslash): one JSON has, \" \\ \/ \b \f \n \r \t
 * or \u and four hex digits, but not \u0000 (a NUL would cut the value).
 * Returns the bytes to skip, 0 when refused. */
static size_t escape_length(zcursor *c) {
  if (c->end - c->p < 2)
    return 1; /* unterminated: reported as such */
  char e = c->p[1];
  if (strchr("\"\\/bfnrt", e) && e != '\0')
    return 2;
  if (e == 'u') {
    int v = hex4(c->p + 2, c->end);
    if (v == 0)
      return problem(c, c->p, ZJTX_ERR_FACTS,
                     "\"\\u0000\" (a NUL character) inside a string (no value may contain one)");
    if (v > 0)
      return surrogate_length(c, v);
    return problem(c, c->p, ZJTX_ERR_FACTS, "not valid JSON: \\u takes four hexadecimal digits");
  }
  if ((unsigned char)e < 0x20 || (unsigned char)e >= 0x7f)
    return problem(c, c->p, ZJTX_ERR_FACTS, "not valid JSON: a backslash before a byte that is no escape");
  return problem(c, c->p, ZJTX_ERR_FACTS,
                 "not valid JSON: \\%c is no escape JSON has (\\\" \\\\ \\/ \\b \\f \\n \\r "
                 "\\t \\uXXXX)",
                 e);
}

/* One character of a string at c->p (not its closing quote): the bytes to
 * skip, 0 when refused.  A raw control character is not JSON, but
 * json-glib took it: noted for the second pass, which escapes it. */
static size_t string_char_length(zcursor *c) {
  unsigned char ch = (unsigned char)*c->p;
  if (ch == '\0')
    return problem(c, c->p, ZJTX_ERR_FACTS, "a NUL byte inside a string (no value may contain one)");
  if (ch < 0x20) {
    size_t at = (size_t)(c->p - c->data);
    g_array_append_val(c->scan->raw_controls, at);
    if (ch == '\n') { /* keep the lines right */
      c->line++;
      c->line_start = c->p + 1;
    }
    return 1;
  }
  if (ch == '\\')
    return escape_length(c);
  return ch < 0x80 ? 1 : utf8_length(c);
}

/* Whether the 8 bytes at p are all printable ASCII but '"' and '\\':
 * nothing to check (a word at a time: most of a document is in strings). */
static bool plain8(const char *p) {
  const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
  uint64_t v;
  memcpy(&v, p, sizeof v);
  uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
  uint64_t found = (v - ones * 0x20) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | v;
  return (found & highs) == 0;
}

/* Printable ASCII but '"' and '\\'. */
static bool is_plain(unsigned char ch) {
  return ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\';
}

/* A three-byte UTF-8 character at p (most Chinese text) needing none of
 * utf8_length's special ranges: its length, else 0. */
static size_t plain_utf8_3(const unsigned char *p, size_t left) {
  if (left < 3)
    return 0;
  bool lead = (p[0] >= 0xE1 && p[0] <= 0xEC) || p[0] == 0xEE || p[0] == 0xEF;
  return lead && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 ? 3 : 0;
}

/* A string from its opening quote; *open: the input ends in it. */
static bool scan_string(zcursor *c, bool *unterminated) {
  const char *open = c->p++, *open_line_start = c->line_start;
  int open_line = c->line;
  for (;;) {
    while (c->end - c->p >= 8 && plain8(c->p))
      c->p += 8;
    while (c->p < c->end && is_plain((unsigned char)*c->p)) /* most bytes: nothing to check */
      c->p++;
    for (size_t three; (three = plain_utf8_3((const unsigned char *)c->p, (size_t)(c->end - c->p)));)
      c->p += three;
    if (c->p == c->end || *c->p == '"')
      break;
    if (is_plain((unsigned char)*c->p))
      continue;
    size_t n = string_char_length(c);
    if (n == 0)
      return false;
    c->p += MIN(n, (size_t)(c->end - c->p));
  }
  if ((size_t)(c->p - open - 1) > c->lim->max_string) {
    c->line = open_line; /* reported where the string starts */
    c->line_start = open_line_start;
    return problem(c, open, ZJTX_ERR_LIMIT, "a string longer than %zu bytes (the limit for one value)",
                   c->lim->max_string);
  }
  *unterminated = c->p == c->end;
  if (c->p < c->end)
    c->p++;
  return true;
}

static size_t skip_digits(zcursor *c) {
  const char *from = c->p;
  while (c->p < c->end && g_ascii_isdigit(*c->p))
    c->p++;
  return (size_t)(c->p - from);
}

/* A number token, as JSON writes it (no hex, octal, ".5" or "1."). */
static bool scan_number(zcursor *c) {
  const char *start = c->p;
  bool ok = true;
  if (*c->p == '-')
    c->p++;
  size_t whole = skip_digits(c);
  ok = whole == 1 || (whole > 1 && start[*start == '-'] != '0');
  if (ok && c->p < c->end && *c->p == '.') {
    c->p++;
    ok = skip_digits(c) > 0;
  }
  if (ok && c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
      c->p++;
    ok = skip_digits(c) > 0;
  }
  if (!ok || (c->p < c->end && (g_ascii_isalnum(*c->p) || *c->p == '.' || *c->p == '_')))
    return problem(c, start, ZJTX_ERR_FACTS, "%s", bad_number);
  return true;
}

static void skip_word(zcursor *c) {
  while (c->p < c->end && (g_ascii_isalnum(*c->p) || *c->p == '_'))
    c->p++;
}

/* What some JSON readers take but JSON does not have: refused. */
static bool not_json(zcursor *c) {
  char ch = *c->p;
  if (ch == '/' && c->end - c->p >= 2 && (c->p[1] == '*' || c->p[1] == '/'))
    return problem(c, c->p, ZJTX_ERR_FACTS, "not valid JSON: a comment (JSON has none)");
  if (ch == '\'')
    return problem(c, c->p, ZJTX_ERR_FACTS, "not valid JSON: a single-quoted string (JSON strings take double quotes)");
  if (ch == '.')
    return problem(c, c->p, ZJTX_ERR_FACTS, "%s", bad_number);
  if (ch == '\0')
    return problem(c, c->p, ZJTX_ERR_FACTS, "not valid JSON: a NUL byte");
  return true;
}

/* After the document's last bracket: nothing but white space. */
static bool check_trailing(zcursor *c) {
  skip_space(c);
  if (c->p < c->end)
    return problem(c, c->p, ZJTX_ERR_FACTS,
                   "content after the end of the JSON document (a facts file holds one document)");
  return true;
}

/* ---- tokens ---------------------------------------------------------------- */

/* The next token; false on a lexical problem (scan->code set). */
static bool next_token(zcursor *c, ztoken *t) {
  skip_space(c);
  t->from = c->p;
  t->from_line = c->line;
  t->from_line_start = c->line_start;
  if (c->p == c->end) {
    t->kind = T_EOF;
    t->to = c->p;
    return true;
  }
  char ch = *c->p;
  if (ch == '"') {
    bool open;
    if (!scan_string(c, &open))
      return false;
    t->kind = open ? T_OPEN_STRING : T_STRING;
  } else if (ch == '-' || g_ascii_isdigit(ch)) {
    t->kind = T_NUMBER;
    if (!scan_number(c))
      return false;
  } else if (g_ascii_isalpha(ch)) {
    t->kind = T_WORD;
    skip_word(c);
  } else if (!not_json(c)) {
    return false;
  } else {
    t->kind = T_CHAR;
    if ((unsigned char)ch >= 0x80)
      (void)utf8_length(c);
    c->p++;
  }
  t->to = c->p;
  t->line = c->line;
  t->column = (int)MIN(t->to - 1 - c->line_start + 1, G_MAXINT);
  return true;
}

static bool is_char(const ztoken *t, char ch) {
  return t->kind == T_CHAR && *t->from == ch;
}

static bool is_literal(const ztoken *t) {
  size_t n = (size_t)(t->to - t->from);
  return t->kind == T_WORD && ((n == 4 && (memcmp(t->from, "true", 4) == 0 || memcmp(t->from, "null", 4) == 0)) ||
                               (n == 5 && memcmp(t->from, "false", 5) == 0));
}

/* Whether the JSON integer s[0, n) fits int64. */
static bool fits_int64(const char *s, size_t n) {
  bool neg = n > 0 && s[0] == '-';
  size_t nd = n - neg;
  const char *top = neg ? "9223372036854775808" : "9223372036854775807";
  return nd < 19 || (nd == 19 && memcmp(s + neg, top, 19) <= 0);
}

/* json-glib read an integer beyond int64 as a string: the first pass used
 * to quote those for it. */
static bool big_integer(const ztoken *t) {
  return t->kind == T_NUMBER && !memchr(t->from, '.', (size_t)(t->to - t->from)) &&
         !memchr(t->from, 'e', (size_t)(t->to - t->from)) && !memchr(t->from, 'E', (size_t)(t->to - t->from)) &&
         !fits_int64(t->from, (size_t)(t->to - t->from));
}

/* json-glib named a token in a buffer of 56 bytes: a longer name is cut,
 * and a string's is made to end with a quote (one too many when the name
 * fills the buffer exactly). */
enum { TOKEN_NAME = 56 };

static char *cut_name(char *name, bool quoted) {
  if (quoted && strlen(name) >= TOKEN_NAME - 2) {
    char *cut = g_strdup_printf("%.*s\"", TOKEN_NAME - 2, name);
    g_free(name);
    return cut;
  }
  if (strlen(name) > TOKEN_NAME - 1)
    name[TOKEN_NAME - 1] = '\0';
  return name;
}

static char *string_name(const char *s, bool invalid) {
  return cut_name(g_strdup_printf("%s%sstring constant \"%s\"", invalid ? "invalid " : "", *s ? "" : "empty ", s),
                  true);
}

/* A number as json-glib named it: the sign was a token of its own, a
 * fraction was printed with three decimals, and an integer beyond int64
 * was a string (the first pass quoted those). */
static char *number_name(const char *from, const char *to) {
  g_autofree char *text = g_strndup(from, (size_t)(to - from));
  const char *digits = text + (*text == '-');
  if (strpbrk(text, ".eE")) {
    char buf[G_ASCII_DTOSTR_BUF_SIZE * 8];
    double d = g_ascii_strtod(digits, NULL);
    if (isinf(d))
      return g_strdup("number `inf'");
    return cut_name(g_strdup_printf("number `%s'", g_ascii_formatd(buf, sizeof buf, "%.3f", d)), false);
  }
  if (!fits_int64(text, strlen(text)))
    return string_name(text, false);
  return cut_name(g_strdup_printf("number `%s'", digits), false);
}

/* A token as json-glib named it in its messages. */
static char *describe(const ztoken *t) {
  switch (t->kind) {
  case T_EOF:
    return g_strdup("end of file");
  case T_STRING: {
    g_autofree char *s = zjson_decode_string(t->from, (size_t)(t->to - t->from));
    return string_name(s, false);
  }
  case T_NUMBER:
    return number_name(t->from, t->to);
  case T_WORD: {
    g_autofree char *w = g_strndup(t->from, (size_t)(t->to - t->from));
    return cut_name(g_strdup_printf("%s `%s'", is_literal(t) ? "value" : "identifier", w), false);
  }
  default: {
    unsigned char ch = (unsigned char)*t->from;
    return ch >= ' ' && ch <= '~' ? g_strdup_printf("character `%c'", ch) : g_strdup_printf("character `\\%o'", ch);
  }
  }
}

/* "unexpected <t>, expected <what>" at t. */
static bool unexpected(zcursor *c, const ztoken *t, const char *what) {
  g_autofree char *d = describe(t);
  syntax(c, t->line, t->column, "unexpected %s, expected %s", d, what);
  return false;
}

/* ---- the top object's members --------------------------------------------- */

static void add_member(zcursor *c, size_t to, int line) {
  zjson_scan *s = c->scan;
  g_autofree char *key = zjson_decode_string(c->key.from, (size_t)(c->key.to - c->key.from));
  zjson_member m = {NULL, c->member_from, to, line, c->member_line};
  gpointer slot = g_hash_table_lookup(s->key_slot, key);
  if (slot) { /* json-glib: the first place, the last value */
    zjson_member *first = &g_array_index(s->members, zjson_member, GPOINTER_TO_UINT(slot) - 1);
    first->from = m.from;
    first->to = m.to;
    first->line = m.line;
    first->from_line = m.from_line;
    if (!s->twice)
      s->twice = first->key;
    return;
  }
  m.key = g_string_chunk_insert(s->keys, key);
  g_array_append_val(s->members, m);
  g_hash_table_insert(s->key_slot, (char *)m.key, GUINT_TO_POINTER(s->members->len));
}

static bool in_top_object(const zcursor *c) {
  return c->open->len == 1 && c->open->str[0] == '{';
}

/* ---- the streamed array (zjson_watch) ---------------------------------------- */

/* The top member whose value starts at t ('['): offered to the watch. */
static void offer_array(zcursor *c, const ztoken *t) {
  const zjson_watch *w = c->lim->watch;
  g_autofree char *key = zjson_decode_string(c->key.from, (size_t)(c->key.to - c->key.from));
  if (w->array(w->ctx, key, (size_t)(t->from - c->data), t->from_line, c->scan->top_line)) {
    c->stream = STREAM_IN;
    c->elements = 0;
  }
}

static bool in_streamed_array(const zcursor *c) {
  return c->stream == STREAM_IN && c->open->len == 2;
}

/* An element of the streamed array starts at t. */
static void element_starts(zcursor *c, const ztoken *t) {
  if (c->run.count > 0)
    return;
  c->run.from = (size_t)(t->from - c->data);
  c->run.line = t->from_line;
  c->run.first = c->elements;
}

/* An element of the streamed array ended at `to`; `last`: the array too. */
static void element_ends(zcursor *c, size_t to, bool last) {
  const zjson_watch *w = c->lim->watch;
  c->run.to = to;
  c->run.count++;
  c->elements++;
  if (last || c->run.to - c->run.from >= w->chunk_bytes) {
    w->chunk(w->ctx, &c->run);
    c->run = (zjson_chunk){0};
  }
  if (last)
    c->stream = STREAM_NONE;
}

/* ---- the fast path: an element of an array, as records are written ---------- */

/* Most of a large document is the records of its arrays, all written
 * alike: objects of keys and plain strings, numbers, true, false, null
 * and arrays of such objects.  Such an element is checked here in one
 * tight loop that follows the brackets and counts lines, without tokens,
 * grammar states or columns.  Anything else (an error of any kind, a raw
 * control character, a \u escape, invalid UTF-8, the depth or string limit
 * reached) gives up having changed nothing, and the general path scans the
 * element from its start: every message and position stays its own.
 * ZJTX_JSON_SCAN_FAST=0 turns it off, so that tests compare both. */

enum { FAST_DEPTH = 32 }; /* brackets open inside one element */

/* The bytes the fast path passes without a second look: F_PLAIN inside a
 * string (is_plain), F_SPACE between tokens (is_space), F_LEAD3 the first
 * of three UTF-8 bytes with no special range (plain_utf8_3). */
enum { F_PLAIN = 1, F_SPACE = 2, F_LEAD3 = 4 };
/* clang-format off */
static const unsigned char fast_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 2, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    3, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x80 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x90 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xA0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xB0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xC0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xD0 */
    0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 4, 4, /* 0xE0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0xF0 */
};
/* clang-format on */

/* The fast path's own cursor: the zcursor takes it once the element passed. */
typedef struct {
  const char *p, *end, *line_start;
  int line;
} zfast;

static inline void fast_space(zfast *f) {
  for (; f->p < f->end && (fast_class[(unsigned char)*f->p] & F_SPACE); f->p++)
    if (*f->p == '\n') {
      f->line++;
      f->line_start = f->p + 1;
    }
}

/* The escapes of one character (\u is left to the general path). */
static inline bool simple_escape(char e) {
  return e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't';
}

/* The bytes up to the first that is not printable ASCII, a quote or a
 * backslash, 8 at a time: where it stands, or f->end when none is left. */
static inline void fast_plain_run(zfast *f) {
#if defined(__GNUC__) && G_BYTE_ORDER == G_LITTLE_ENDIAN
  const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
  while (f->end - f->p >= 8) {
    uint64_t v;
    memcpy(&v, f->p, sizeof v);
    uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
    /* plain8's test; the lowest byte flagged is exactly the first one (a
     * borrow only runs upward) */
    uint64_t found = ((v - ones * 0x20) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | v) & highs;
    if (found) {
      f->p += __builtin_ctzll(found) >> 3;
      return;
    }
    f->p += 8;
  }
#endif
  while (f->p < f->end && (fast_class[(unsigned char)*f->p] & F_PLAIN))
    f->p++;
}

/* The UTF-8 characters from f->p (a byte >= 0x80) to the next ASCII
 * byte, three-byte ones with no special range (most Chinese text) tested
 * inline: false at one that is not valid. */
static inline bool fast_utf8_run(zfast *f) {
  do {
    size_t left = (size_t)(f->end - f->p);
    if (left >= 3 && (fast_class[(unsigned char)f->p[0]] & F_LEAD3) && (f->p[1] & 0xC0) == 0x80 &&
        (f->p[2] & 0xC0) == 0x80) {
      f->p += 3;
      continue;
    }
    size_t n = utf8_valid_length((const unsigned char *)f->p, left);
    if (n == 0)
      return false;
    f->p += n;
  } while (f->p < f->end && (unsigned char)*f->p >= 0x80);
  return true;
}

/* A string at f->p (its opening quote) with nothing to note: false when
 * the general path must see it. */
static inline bool fast_string(zfast *f, size_t max_string) {
  const char *open = f->p++;
  for (;;) {
    fast_plain_run(f);
    if (f->p == f->end)
      return false;
    unsigned char ch = (unsigned char)*f->p;
    if (ch == '"')
      break;
    if (ch >= 0x80) {
      if (!fast_utf8_run(f))
        return false;
    } else if (ch == '\\' && f->end - f->p >= 2 && simple_escape(f->p[1])) {
      f->p += 2;
    } else {
      return false;
    }
  }
  if ((size_t)(f->p - open - 1) > max_string)
    return false;
  f->p++;
  return true;
}

static inline size_t fast_digits(zfast *f) {
  const char *from = f->p;
  while (f->p < f->end && g_ascii_isdigit(*f->p))
    f->p++;
  return (size_t)(f->p - from);
}

/* A number as scan_number takes it (what follows is checked by the caller). */
static inline bool fast_number(zfast *f) {
  const char *start = f->p;
  if (*f->p == '-')
    f->p++;
  size_t whole = fast_digits(f);
  if (!(whole == 1 || (whole > 1 && start[*start == '-'] != '0')))
    return false;
  if (f->p < f->end && *f->p == '.') {
    f->p++;
    if (fast_digits(f) == 0)
      return false;
  }
  if (f->p < f->end && (*f->p == 'e' || *f->p == 'E')) {
    f->p++;
    if (f->p < f->end && (*f->p == '+' || *f->p == '-'))
      f->p++;
    if (fast_digits(f) == 0)
      return false;
  }
  return true;
}

static inline bool fast_literal(zfast *f) {
  size_t left = (size_t)(f->end - f->p);
  if (left >= 4 && (memcmp(f->p, "true", 4) == 0 || memcmp(f->p, "null", 4) == 0)) {
    f->p += 4;
    return true;
  }
  if (left >= 5 && memcmp(f->p, "false", 5) == 0) {
    f->p += 5;
    return true;
  }
  return false;
}

/* A scalar value at f->p: false when it is none the fast path takes. */
static inline bool fast_scalar(zfast *f, size_t max_string) {
  char ch = *f->p;
  if (ch == '"')
    return fast_string(f, max_string);
  if (ch == '-' || g_ascii_isdigit(ch))
    return fast_number(f);
  return fast_literal(f);
}

/* The element at c->p, an object: true with the cursor past it and
 * *closing at its '}', false with the cursor untouched. */
static bool fast_element(zcursor *c, const char **closing) {
  zfast f = {c->p, c->end, c->line_start, c->line};
  enum { F_VALUE, F_VALUE_OR_CLOSE, F_KEY, F_KEY_OR_CLOSE, F_AFTER } st = F_VALUE;
  char open[FAST_DEPTH];
  int depth = 0, room = MIN(c->lim->max_depth - (int)c->open->len, FAST_DEPTH); /* open_bracket's limit */
  size_t max_string = c->lim->max_string;
  for (;;) {
    fast_space(&f);
    if (f.p == f.end)
      return false;
    char ch = *f.p;
    if ((st == F_VALUE_OR_CLOSE && ch == ']') || (st == F_KEY_OR_CLOSE && ch == '}') ||
        (st == F_AFTER && ch == (open[depth - 1] == '{' ? '}' : ']'))) {
      *closing = f.p++;
      if (--depth == 0)
        break;
      st = F_AFTER;
    } else if (st == F_AFTER) {
      if (ch != ',')
        return false;
      f.p++;
      st = open[depth - 1] == '{' ? F_KEY : F_VALUE;
    } else if (st == F_KEY || st == F_KEY_OR_CLOSE) {
      if (ch != '"' || !fast_string(&f, max_string))
        return false;
      fast_space(&f);
      if (f.p == f.end || *f.p != ':')
        return false;
      f.p++;
      st = F_VALUE;
    } else if (ch == '{' || ch == '[') {
      if (depth >= room)
        return false;
      open[depth++] = ch;
      f.p++;
      st = ch == '{' ? F_KEY_OR_CLOSE : F_VALUE_OR_CLOSE;
    } else {
      if (!fast_scalar(&f, max_string))
        return false;
      st = F_AFTER;
    }
  }
  c->p = f.p;
  c->line = f.line;
  c->line_start = f.line_start;
  return true;
}

/* The element at c->p through the fast path if it can take it, leaving
 * the scan where the general path would: the element's '}' the last token
 * read, a value just ended, the streamed array's run told of its start. */
static bool fast_element_scanned(zcursor *c, ztoken *prev, zstate *state) {
  const char *from = c->p;
  int from_line = c->line;
  const char *closing;
  if (!fast_element(c, &closing))
    return false;
  if (in_streamed_array(c))
    element_starts(c, &(ztoken){.from = from, .from_line = from_line});
  *prev = (ztoken){.kind = T_CHAR,
                   .from = closing,
                   .to = closing + 1,
                   .line = c->line,
                   .column = (int)MIN(closing - c->line_start + 1, G_MAXINT),
                   .from_line = c->line,
                   .from_line_start = c->line_start};
  *state = S_AFTER;
  return true;
}

/* ---- the grammar ------------------------------------------------------------ */

static bool open_bracket(zcursor *c, const ztoken *t, zstate *state) {
  if ((int)c->open->len >= c->lim->max_depth)
    return problem(c, t->from, ZJTX_ERR_LIMIT,
                   "arrays and objects nested deeper than %d levels (the most these facts can use)", c->lim->max_depth);
  g_string_append_c(c->open, *t->from);
  *state = *t->from == '{' ? S_FIRST_KEY : S_FIRST_ELEMENT;
  return true;
}

/* A value was expected: t starts one, or json-glib's message. */
static bool value(zcursor *c, const ztoken *t, const ztoken *prev, zstate *state) {
  char closer = c->open->len > 0 && c->open->str[c->open->len - 1] == '{' ? '}' : ']';
  char what[] = "character `?'";
  what[11] = closer;
  if (*state == S_MEMBER_VALUE && in_top_object(c)) {
    c->member_from = (size_t)(t->from - c->data);
    c->member_line = t->from_line;
    if (c->lim->watch && c->stream == STREAM_NONE && is_char(t, '['))
      offer_array(c, t);
  }
  if (in_streamed_array(c) &&
      (is_char(t, '{') || is_char(t, '[') || t->kind == T_STRING || t->kind == T_NUMBER || is_literal(t)))
    element_starts(c, t);
  else if (in_streamed_array(c) && *state == S_FIRST_ELEMENT && is_char(t, ']'))
    c->stream = STREAM_NONE; /* empty */
  if (t->kind == T_OPEN_STRING) {
    syntax_at_end(c, "unterminated string constant");
    return false;
  }
  if (is_char(t, '{') || is_char(t, '['))
    return open_bracket(c, t, state);
  if (t->kind == T_STRING || t->kind == T_NUMBER || is_literal(t)) {
    *state = S_AFTER;
    return true;
  }
  if (t->kind == T_WORD)
    return unexpected(c, t, "value");
  if (*state == S_FIRST_ELEMENT && is_char(t, ']')) {
    g_string_truncate(c->open, c->open->len - 1);
    *state = S_AFTER;
    return true;
  }
  if (*state == S_NEXT_ELEMENT && is_char(t, ']'))
    return unexpected(c, prev, what);
  if (t->kind == T_EOF) { /* placed at the last token read */
    ztoken eof = *t;
    eof.line = prev->line;
    eof.column = prev->column;
    return unexpected(c, &eof, what);
  }
  return unexpected(c, t, what);
}

static bool key(zcursor *c, const ztoken *t, const ztoken *prev, zstate *state) {
  if (t->kind == T_STRING) {
    if (in_top_object(c))
      c->key = *t;
    *state = S_COLON;
    return true;
  }
  if (is_char(t, '}') && *state == S_FIRST_KEY) {
    g_string_truncate(c->open, c->open->len - 1);
    *state = S_AFTER;
    return true;
  }
  return unexpected(c, prev, is_char(t, '}') ? "character `]'" : "string constant");
}

/* After a value: a comma, or the end of its array or object. */
static bool after_value(zcursor *c, const ztoken *t, const ztoken *prev, zstate *state) {
  bool object = c->open->str[c->open->len - 1] == '{';
  if (in_streamed_array(c) && (is_char(t, ',') || is_char(t, ']')))
    element_ends(c, (size_t)(prev->to - c->data), is_char(t, ']'));
  if (in_top_object(c) && (is_char(t, ',') || is_char(t, '}')))
    add_member(c, (size_t)(prev->to - c->data), is_char(t, ',') ? t->line : prev->line);
  if (is_char(t, ',')) {
    *state = object ? S_NEXT_KEY : S_NEXT_ELEMENT;
    return true;
  }
  if (is_char(t, object ? '}' : ']')) {
    g_string_truncate(c->open, c->open->len - 1);
    return true;
  }
  if (!object || t->kind == T_STRING || big_integer(t))
    return unexpected(c, prev, "character `,'");
  if (prev->kind == T_STRING || big_integer(prev)) {
    g_autofree char *s = prev->kind == T_STRING ? zjson_decode_string(prev->from, (size_t)(prev->to - prev->from))
                                                : g_strndup(prev->from, (size_t)(prev->to - prev->from));
    g_autofree char *name = string_name(s, true);
    syntax(c, prev->line, prev->column, "%s, expected valid string constant", name);
    return false;
  }
  return unexpected(c, prev, "string constant");
}

/* One token through the grammar: false on a syntax error (noted) or a
 * lexical problem (scan->code set). */
static bool grammar_step(zcursor *c, const ztoken *t, const ztoken *prev, zstate *state) {
  switch (*state) {
  case S_VALUE:
  case S_FIRST_ELEMENT:
  case S_NEXT_ELEMENT:
  case S_MEMBER_VALUE:
    return value(c, t, prev, state);
  case S_FIRST_KEY:
  case S_NEXT_KEY:
    return key(c, t, prev, state);
  case S_COLON:
    if (is_char(t, ':')) {
      *state = S_MEMBER_VALUE;
      return true;
    }
    return unexpected(c, prev, "character `:'");
  default:
    return after_value(c, t, prev, state);
  }
}

/* ---- after a syntax error: the lexical checks over the rest ------------------ */

/* The bracket `ch` closes the innermost open one: false when it does not
 * match (json-glib stopped there). */
static bool close_bracket(GString *open, char ch) {
  if (open->len == 0 || open->str[open->len - 1] != (ch == '}' ? '{' : '['))
    return false;
  g_string_truncate(open, open->len - 1);
  return true;
}

/* The rest of the document, from c->p, for what json-glib's pre-pass and
 * its UTF-8 check refused before any syntax error was reported. */
static bool lexical_rest(zcursor *c) {
  while (c->p < c->end) {
    char ch = *c->p;
    if (is_space(ch)) {
      skip_space(c);
    } else if (ch == '"') {
      bool open;
      if (!scan_string(c, &open))
        return false;
    } else if (ch == '{' || ch == '[') {
      if ((int)c->open->len >= c->lim->max_depth)
        return problem(c, c->p, ZJTX_ERR_LIMIT,
                       "arrays and objects nested deeper than %d levels (the most these facts can use)",
                       c->lim->max_depth);
      g_string_append_c(c->open, ch);
      c->p++;
    } else if (ch == '}' || ch == ']') {
      if (!close_bracket(c->open, ch))
        break;
      c->p++;
      if (c->open->len == 0)
        return check_trailing(c);
    } else if (ch == '-' || g_ascii_isdigit(ch)) {
      if (!scan_number(c))
        return false;
    } else if (g_ascii_isalpha(ch)) {
      skip_word(c);
    } else if (!not_json(c)) {
      return false;
    } else {
      c->p += (unsigned char)ch >= 0x80 ? utf8_length(c) : 1;
    }
  }
  if (c->p < c->end && !g_utf8_validate_len(c->p, (gsize)(c->end - c->p), NULL))
    c->bad_utf8 = true;
  return true;
}

/* The document from its first bracket. */
static bool scan_structure(zcursor *c) {
  ztoken t = {0}, prev = {0};
  zstate state = S_VALUE;
  do {
    if (c->fast && (state == S_FIRST_ELEMENT || state == S_NEXT_ELEMENT)) {
      skip_space(c); /* as next_token would */
      if (c->p < c->end && *c->p == '{' && fast_element_scanned(c, &prev, &state))
        continue;
    }
    if (!next_token(c, &t))
      return false;
    if (!grammar_step(c, &t, &prev, &state) || c->grammar) {
      if (c->scan->code != ZJTX_OK)
        return false;
      c->p = t.from; /* scanned again: the lines it counted too */
      c->line = t.from_line;
      c->line_start = t.from_line_start;
      return lexical_rest(c);
    }
    prev = t;
  } while (c->open->len > 0);
  return check_trailing(c);
}

/* A document that is a single value (the loader refuses it). */
static bool scan_scalar_document(zcursor *c) {
  ztoken t;
  if (*c->p != '"' && *c->p != '-' && !g_ascii_isdigit(*c->p) && !g_ascii_isalpha(*c->p)) {
    if (!not_json(c))
      return false;
    /* no value can start here: refused, never skipped past unscanned */
    return problem(c, c->p, ZJTX_ERR_FACTS, "not valid JSON: a facts document is an object ({...})");
  }
  if (!next_token(c, &t))
    return false;
  if (t.kind == T_WORD && !is_literal(&t))
    unexpected(c, &t, "value");
  if (t.kind == T_OPEN_STRING)
    syntax_at_end(c, "unterminated string constant");
  return check_trailing(c);
}

static bool scan_document(zcursor *c) {
  skip_space(c);
  if (c->p == c->end)
    return true;
  c->scan->top = *c->p;
  c->scan->top_line = c->line;
  if (*c->p != '{' && *c->p != '[')
    return scan_scalar_document(c);
  return scan_structure(c);
}

/* The line and column just past the end of the input. */
static void end_position(const zcursor *c, int *line, int *column) {
  const char *p = c->data, *line_start = c->data;
  int n = 1;
  while ((p = memchr(p, '\n', (size_t)(c->end - p)))) {
    n++;
    line_start = ++p;
  }
  *line = n;
  *column = (int)MIN(c->end - line_start + 1, G_MAXINT);
}

/* What json-glib reported after the pre-pass: invalid UTF-8 first, then
 * the first syntax error. */
static bool json_glib_verdict(zcursor *c) {
  zjson_scan *s = c->scan;
  if (c->bad_utf8) {
    s->line = s->column = 0;
    s->message = g_strdup("not valid JSON: JSON data must be UTF-8 encoded");
  } else if (c->grammar) {
    s->message = g_steal_pointer(&c->grammar);
    s->line = c->grammar_line;
    s->column = c->grammar_column;
    if (c->at_end && c->end_line > 0) {
      s->line = c->end_line;
      s->column = c->end_column;
    } else if (c->at_end) {
      end_position(c, &s->line, &s->column);
    }
    if (c->at_end && s->line == 1 && c->bom)
      s->column -= 3;
  } else {
    return true;
  }
  s->code = ZJTX_ERR_FACTS;
  return false;
}

/* Whether the elements of arrays may take the fast path: ZJTX_JSON_SCAN_FAST=0 says no. */
static bool fast_path_wanted(void) {
  const char *s = g_getenv("ZJTX_JSON_SCAN_FAST");
  return !s || strcmp(s, "0") != 0;
}

bool zjson_prescan(const char *data, size_t len, const zjson_limits *lim, zjson_scan *scan) {
  memset(scan, 0, sizeof *scan);
  scan->members = g_array_new(FALSE, FALSE, sizeof(zjson_member));
  scan->keys = g_string_chunk_new(256);
  scan->key_slot = g_hash_table_new(g_str_hash, g_str_equal);
  scan->raw_controls = g_array_new(FALSE, FALSE, sizeof(size_t));
  g_autoptr(GString) open = g_string_sized_new(64);
  zcursor c = {.data = data,
               .p = data,
               .end = data + len,
               .line_start = data,
               .line = 1,
               .lim = lim,
               .scan = scan,
               .open = open,
               .fast = fast_path_wanted()};
  /* json-glib skipped a UTF-8 byte order mark (columns still count it) */
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
    c.p += 3;
    c.bom = true;
  }
  bool ok = scan_document(&c) && json_glib_verdict(&c);
  g_free(c.grammar);
  g_clear_pointer(&scan->key_slot, g_hash_table_unref);
  return ok;
}

void zjson_scan_clear(zjson_scan *scan) {
  g_clear_pointer(&scan->message, g_free);
  g_clear_pointer(&scan->members, g_array_unref);
  g_clear_pointer(&scan->raw_controls, g_array_unref);
  g_clear_pointer(&scan->keys, g_string_chunk_free);
  g_clear_pointer(&scan->key_slot, g_hash_table_unref);
}

/* ---- strings ----------------------------------------------------------------- */

static void append_escape(GString *out, const char **pp, const char *end) {
  const char *p = *pp;
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  const char *e = strchr(from, p[1]);
  if (p[1] != 'u' && e && p[1]) {
    g_string_append_c(out, to[e - from]);
    *pp = p + 2;
    return;
  }
  int v = hex4(p + 2, end);
  *pp = p + 6;
  if (v >= 0xD800 && v <= 0xDBFF && end - *pp >= 6 && (*pp)[0] == '\\' && (*pp)[1] == 'u') {
    int low = hex4(*pp + 2, end);
    if (low >= 0xDC00 && low <= 0xDFFF) {
      v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
      *pp += 6;
    }
  }
  g_string_append_unichar(out, (gunichar)MAX(v, 0));
}

char *zjson_decode_string(const char *data, size_t len) {
  const char *p = data + 1, *end = data + len;
  if (len >= 2 && end[-1] == '"')
    end--;
  GString *out = g_string_sized_new(len);
  while (p < end) {
    const char *bs = memchr(p, '\\', (size_t)(end - p));
    bool whole = bs && end - bs >= (bs + 1 < end && bs[1] == 'u' ? 6 : 2);
    g_string_append_len(out, p, (whole ? bs : end) - p);
    if (!whole)
      break;
    p = bs;
    append_escape(out, &p, end);
  }
  return g_string_free(out, FALSE);
}
