/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* error.c - the opaque error object and its chain. */
#include "error.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "zjtx/zjtx.h"

/* Whether a quote at q opens a quoted value: at the start or after a space,
 * '(' or '=' (not the apostrophe of "policy's"). */
static bool opens_quote(const char *start, const char *q) {
  return (*q == '"' || *q == '\'') && (q == start || strchr(" (=:[", q[-1]));
}

/* Where a quoted value that opens at q closes: the same quote followed by
 * the end, a space or punctuation; NULL if it does not close. */
static const char *closing_quote(const char *q) {
  for (const char *c = strchr(q + 1, *q); c; c = strchr(c + 1, *q))
    if (!c[1] || !g_ascii_isalnum(c[1]))
      return c;
  return NULL;
}

char *zerr_tidy(const char *message) {
  GString *s = g_string_sized_new(strlen(message));
  bool unclosed[2] = {false, false}; /* no closing " or ' after here: linear time */
  for (const char *q = message; *q;) {
    const char *close = NULL;
    if (opens_quote(message, q) && !unclosed[*q == '\''] && !(close = closing_quote(q)))
      unclosed[*q == '\''] = true;
    if (close && (size_t)(close - q - 1) > ZERR_MAX_QUOTED) {
      /* cut at a character boundary, and say so */
      const char *cut = q + 1 + ZERR_MAX_QUOTED;
      while (cut > q + 1 && ((unsigned char)*cut & 0xC0) == 0x80)
        cut--;
      g_string_append_len(s, q, cut - q);
      g_string_append(s, "\xE2\x80\xA6"); /* … */
      q = close;
      continue;
    }
    g_string_append_c(s, *q++);
  }
  return g_string_free(s, FALSE);
}

zjtx_error *zerr_newv(zjtx_status code, const char *file, int line, int column, const char *rule, const char *fmt,
                      va_list ap) {
  zjtx_error *e = g_new0(zjtx_error, 1);
  g_autofree char *message = g_strdup_vprintf(fmt, ap);
  e->code = code;
  e->message = zerr_tidy(message);
  e->file = g_strdup(file);
  e->rule = g_strdup(rule);
  e->line = line;
  e->column = column;
  return e;
}

zjtx_error *zerr_new(zjtx_status code, const char *file, int line, int column, const char *rule, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  zjtx_error *e = zerr_newv(code, file, line, column, rule, fmt, ap);
  va_end(ap);
  return e;
}

void zerr_append(zjtx_error **head, zjtx_error *e) {
  while (*head)
    head = &(*head)->next;
  *head = e;
}

zjtx_status zerr_give(zjtx_error **err, zjtx_error *e) {
  zjtx_status code = e->code;
  if (err && !*err)
    *err = e;
  else if (err)
    zerr_append(err, e);
  else
    zjtx_error_free(e);
  return code;
}

zjtx_status zerr_set(zjtx_error **err, zjtx_status code, const char *file, int line, int column, const char *rule,
                     const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  zjtx_error *e = zerr_newv(code, file, line, column, rule, fmt, ap);
  va_end(ap);
  return zerr_give(err, e);
}

zjtx_status zjtx_error_code(const zjtx_error *err) {
  return err ? err->code : ZJTX_ERR_INVALID_ARG;
}
const char *zjtx_error_message(const zjtx_error *err) {
  return err ? err->message : NULL;
}
const char *zjtx_error_file(const zjtx_error *err) {
  return err ? err->file : NULL;
}
int zjtx_error_line(const zjtx_error *err) {
  return err ? err->line : 0;
}
int zjtx_error_column(const zjtx_error *err) {
  return err ? err->column : 0;
}
const char *zjtx_error_rule(const zjtx_error *err) {
  return err ? err->rule : NULL;
}
const zjtx_error *zjtx_error_next(const zjtx_error *err) {
  return err ? err->next : NULL;
}

size_t zjtx_error_count(const zjtx_error *err) {
  size_t n = 0;
  for (; err; err = err->next)
    n++;
  return n;
}

char *zjtx_error_format(const zjtx_error *err) {
  if (!err)
    return NULL;
  GString *s = g_string_new(NULL);
  if (err->file) {
    g_string_append(s, err->file);
    if (err->line > 0)
      g_string_append_printf(s, ":%d", err->line);
    if (err->line > 0 && err->column > 0)
      g_string_append_printf(s, ":%d", err->column);
    g_string_append(s, ": ");
  }
  if (err->rule)
    g_string_append_printf(s, "[%s] ", err->rule);
  g_string_append(s, err->message);
  /* malloc-compatible for zjtx_free(): GLib uses the system allocator */
  return g_string_free(s, FALSE);
}

void zjtx_error_free(zjtx_error *err) {
  while (err) {
    zjtx_error *next = err->next;
    g_free(err->message);
    g_free(err->file);
    g_free(err->rule);
    g_free(err);
    err = next;
  }
}

void zjtx_free(void *ptr) {
  g_free(ptr);
}

const char *zjtx_version_string(void) {
  return ZJTX_VERSION_STRING;
}
int zjtx_version_number(void) {
  return ZJTX_VERSION_NUMBER;
}
void zjtx_version(int *major, int *minor, int *micro) {
  if (major)
    *major = ZJTX_VERSION_MAJOR;
  if (minor)
    *minor = ZJTX_VERSION_MINOR;
  if (micro)
    *micro = ZJTX_VERSION_MICRO;
}
