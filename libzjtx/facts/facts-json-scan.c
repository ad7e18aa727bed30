/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-json-scan.c - depth, string, NUL, integer-range and trailing-content checks before json-glib parses. */
#include "facts-json-scan.h"

#include <string.h>

static const char bad_number[] =
    "not valid JSON: a number must be written in decimal as JSON writes it (no leading zero, hex or octal)";

/* The scanner's cursor over the document. */
typedef struct {
  const char *data, *p, *end;
  const char *line_start;
  int line;
  const zjson_limits *lim;
  zjson_scan *scan;
} zcursor;

static bool G_GNUC_PRINTF(4, 5) problem(zcursor *c, const char *at, zjtx_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_vsnprintf(c->scan->message, sizeof c->scan->message, fmt, ap);
  va_end(ap);
  c->scan->code = code;
  c->scan->line = c->line;
  c->scan->column = (int)MIN(at - c->line_start + 1, G_MAXINT);
  return false;
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

/* The escape at c->p (a backslash) is one JSON has: \" \\ \/ \b \f \n \r
 * \t or \u and four hex digits.  json-glib also takes GScanner's octal
 * ("\0" is a NUL, cutting the value) and reads other letters as
 * themselves, so anything else is refused here; so is \u0000. */
static bool check_escape(zcursor *c) {
  if (c->end - c->p < 2)
    return true; /* unterminated: json-glib reports it */
  char e = c->p[1];
  if (strchr("\"\\/bfnrt", e) && e != '\0')
    return true;
  if (e == 'u') {
    bool hex4 = c->end - c->p >= 6;
    for (int i = 2; hex4 && i < 6; i++)
      hex4 = g_ascii_isxdigit(c->p[i]);
    if (hex4 && memcmp(c->p + 2, "0000", 4) == 0)
      return problem(c, c->p, ZJTX_ERR_FACTS,
                     "\"\\u0000\" (a NUL character) inside a string (no value may contain one)");
    if (hex4)
      return true;
    return problem(c, c->p, ZJTX_ERR_FACTS, "not valid JSON: \\u takes four hexadecimal digits");
  }
  if ((unsigned char)e < 0x20 || (unsigned char)e >= 0x7f)
    return problem(c, c->p, ZJTX_ERR_FACTS, "not valid JSON: a backslash before a byte that is no escape");
  return problem(c, c->p, ZJTX_ERR_FACTS,
                 "not valid JSON: \\%c is no escape JSON has (\\\" \\\\ \\/ \\b \\f \\n \\r "
                 "\\t \\uXXXX)",
                 e);
}

/* A string from its opening quote.  An unterminated one ends the scan
 * quietly (c->p = end): json-glib reports it better. */
static bool scan_string(zcursor *c) {
  const char *open = c->p++, *open_line_start = c->line_start;
  int open_line = c->line;
  while (c->p < c->end && *c->p != '"') {
    if (*c->p == '\0')
      return problem(c, c->p, ZJTX_ERR_FACTS, "a NUL byte inside a string (no value may contain one)");
    if (*c->p == '\\' && !check_escape(c))
      return false;
    if (*c->p == '\n') { /* not valid JSON, but keep the lines right */
      c->line++;
      c->line_start = c->p + 1;
    }
    c->p += *c->p == '\\' && c->end - c->p >= 2 ? 2 : 1;
  }
  if ((size_t)(c->p - open - 1) > c->lim->max_string) {
    c->line = open_line; /* reported where the string starts */
    c->line_start = open_line_start;
    return problem(c, open, ZJTX_ERR_LIMIT, "a string longer than %zu bytes (the limit for one value)",
                   c->lim->max_string);
  }
  if (c->p < c->end)
    c->p++;
  return true;
}

/* Whether the JSON integer s[0, n) (no leading zero) fits int64. */
static bool fits_int64(const char *s, size_t n) {
  bool neg = n > 0 && s[0] == '-';
  size_t nd = n - neg;
  const char *top = neg ? "9223372036854775808" : "9223372036854775807";
  return nd < 19 || (nd == 19 && memcmp(s + neg, top, 19) <= 0);
}

static size_t skip_digits(zcursor *c) {
  const char *from = c->p;
  while (c->p < c->end && g_ascii_isdigit(*c->p))
    c->p++;
  return (size_t)(c->p - from);
}

/* A number token, as JSON writes it: json-glib's scanner also takes hex,
 * octal ("010" is 8), binary and ".5", and wraps integers beyond 64 bits
 * silently, so anything else is refused here.  Integers outside int64 are
 * noted for quoting. */
static bool scan_number(zcursor *c) {
  const char *start = c->p;
  bool integer = true, ok = true;
  if (*c->p == '-')
    c->p++;
  size_t whole = skip_digits(c);
  ok = whole == 1 || (whole > 1 && start[*start == '-'] != '0');
  if (ok && c->p < c->end && *c->p == '.') {
    c->p++;
    integer = false;
    ok = skip_digits(c) > 0;
  }
  if (ok && c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
      c->p++;
    integer = false;
    ok = skip_digits(c) > 0;
  }
  if (!ok || (c->p < c->end && (g_ascii_isalnum(*c->p) || *c->p == '.' || *c->p == '_')))
    return problem(c, start, ZJTX_ERR_FACTS, "%s", bad_number);
  size_t at[2] = {(size_t)(start - c->data), (size_t)(c->p - start)};
  if (integer && !fits_int64(start, at[1]))
    g_array_append_vals(c->scan->big_ints, at, 2);
  return true;
}

static void skip_word(zcursor *c) {
  while (c->p < c->end && (g_ascii_isalnum(*c->p) || *c->p == '_'))
    c->p++;
}

/* What json-glib's scanner reads but JSON does not have: refused, since
 * the scan could not see through it (a bracket inside a comment). */
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

/* The bracket `ch` closes the innermost open one: false when it does not
 * match (a syntax error for json-glib to report). */
static bool close_bracket(GString *open, char ch) {
  if (open->len == 0 || open->str[open->len - 1] != (ch == '}' ? '{' : '['))
    return false;
  g_string_truncate(open, open->len - 1);
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

/* A document that is a single value (the loader refuses it, but json-glib
 * parses whatever follows it too, recursing as deep as it goes). */
static bool scan_scalar_document(zcursor *c) {
  if (*c->p == '"') {
    if (!scan_string(c))
      return false;
  } else if (*c->p == '-' || g_ascii_isdigit(*c->p)) {
    if (!scan_number(c))
      return false;
  } else if (g_ascii_isalpha(*c->p)) {
    skip_word(c);
  } else if (!not_json(c)) {
    return false;
  } else {
    /* no value can start here: refused, never skipped past unscanned */
    return problem(c, c->p, ZJTX_ERR_FACTS, "not valid JSON: a facts document is an object ({...})");
  }
  return check_trailing(c);
}

static bool scan_document(zcursor *c, GString *open) {
  skip_space(c);
  if (c->p == c->end)
    return true;
  if (*c->p != '{' && *c->p != '[')
    return scan_scalar_document(c);
  while (c->p < c->end) {
    char ch = *c->p;
    if (is_space(ch)) {
      skip_space(c);
    } else if (ch == '"') {
      if (!scan_string(c))
        return false;
    } else if (ch == '{' || ch == '[') {
      if ((int)open->len >= c->lim->max_depth)
        return problem(c, c->p, ZJTX_ERR_LIMIT,
                       "arrays and objects nested deeper than %d levels (the most these facts can use)",
                       c->lim->max_depth);
      g_string_append_c(open, ch);
      c->p++;
    } else if (ch == '}' || ch == ']') {
      if (!close_bracket(open, ch))
        return true;
      c->p++;
      if (open->len == 0)
        return check_trailing(c);
    } else if (ch == '-' || g_ascii_isdigit(ch)) {
      if (!scan_number(c))
        return false;
    } else if (g_ascii_isalpha(ch)) {
      skip_word(c); /* true, false, null; json-glib refuses other words */
    } else if (!not_json(c)) {
      return false;
    } else {
      c->p++;
    }
  }
  return true;
}

bool zjson_prescan(const char *data, size_t len, const zjson_limits *lim, zjson_scan *scan) {
  memset(scan, 0, sizeof *scan);
  scan->big_ints = g_array_new(FALSE, FALSE, sizeof(size_t));
  zcursor c = {data, data, data + len, data, 1, lim, scan};
  /* json-glib skips a UTF-8 byte order mark: so does the scan, which must
   * see the same document (columns still count the mark) */
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
    c.p += 3;
  g_autoptr(GString) open = g_string_sized_new(64);
  return scan_document(&c, open);
}

void zjson_scan_clear(zjson_scan *scan) {
  g_clear_pointer(&scan->big_ints, g_array_unref);
}

char *zjson_quote_big_ints(const char *data, size_t len, const zjson_scan *scan, size_t *out_len) {
  const size_t *at = (const size_t *)(const void *)scan->big_ints->data;
  size_t n = scan->big_ints->len / 2, from = 0;
  char *copy = g_try_malloc(len + 2 * n + 1), *o = copy;
  if (!copy)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    memcpy(o, data + from, at[2 * i] - from);
    o += at[2 * i] - from;
    *o++ = '"';
    memcpy(o, data + at[2 * i], at[2 * i + 1]);
    o += at[2 * i + 1];
    *o++ = '"';
    from = at[2 * i] + at[2 * i + 1];
  }
  memcpy(o, data + from, len - from);
  o += len - from;
  *o = '\0';
  *out_len = (size_t)(o - copy);
  return copy;
}
