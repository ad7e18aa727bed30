/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-escape.c - untrusted values quoted in messages: escaped, one line, cut short when long.
 *
 * At the bottom of the facts store: it uses no other file of the library. */
#include "facts-store.h"

#include <string.h>

/* Longest stretch of a value quoted in a message, in bytes. */
#define QUOTE_MAX 120

/* The named escapes a message writes (as C does). */
static char named_escape(unsigned char c) {
  switch (c) {
  case '\b':
    return 'b';
  case '\f':
    return 'f';
  case '\n':
    return 'n';
  case '\r':
    return 'r';
  case '\t':
    return 't';
  case '\v':
    return 'v';
  case '"':
    return '"';
  case '\\':
    return '\\';
  default:
    return 0;
  }
}

/* Appends `s` escaped: control characters (C0, DEL and, in UTF-8 text, C1:
 * what moves or recolours a terminal) as \u00XX, the bytes of text that is
 * not UTF-8 as octal, quotes and backslashes (unless kept) as \" and \\. */
static void append_escaped(GString *out, const char *s, bool utf8, bool keep_quotes) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char named = named_escape(*p);
    if (named && !(keep_quotes && (*p == '"' || *p == '\\')))
      g_string_append_printf(out, "\\%c", named);
    else if (*p < 0x20 || *p == 0x7F)
      g_string_append_printf(out, "\\u%04x", *p);
    else if (utf8 && *p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
      g_string_append_printf(out, "\\u%04x", *++p); /* U+0080..U+009F */
    else if (!utf8 && *p >= 0x80)
      g_string_append_printf(out, "\\%03o", *p);
    else
      g_string_append_c(out, (char)*p);
  }
}

char *zfacts_escape_max(const char *s, size_t max, bool keep_quotes) {
  size_t len = strlen(s), cut = len;
  if (cut > max) {
    cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
      cut--; /* not in the middle of a UTF-8 sequence */
  }
  g_autofree char *head = g_strndup(s, cut);
  GString *out = g_string_sized_new(cut + 8);
  /* non-ASCII passes through when the text is UTF-8 (Chinese names) */
  append_escaped(out, head, g_utf8_validate(head, -1, NULL), keep_quotes);
  if (cut < len)
    g_string_append(out, "...");
  return g_string_free(out, FALSE);
}

/* `s` escaped so that a message stays one line of valid UTF-8 that no
 * terminal acts on, and cut short when long: values come from untrusted
 * input. */
char *zfacts_escape(const char *s) {
  return zfacts_escape_max(s, QUOTE_MAX, false);
}

/* `s` escaped and in double quotes: how messages show a value. */
char *zfacts_quote(const char *s) {
  g_autofree char *esc = zfacts_escape(s);
  return g_strdup_printf("\"%s\"", esc);
}
