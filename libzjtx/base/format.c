/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* format.c - fen as yuan and JSON string literals (format.h). */
#include "format.h"

/* Writes |fen| as "<yuan>.<fen>" with a separator every three yuan digits
 * when `group` is set; at least "0.0x". */
static char *write_yuan(int64_t fen, char *buf, char group) {
  char digits[24];
  uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
  int n = 0;
  do {
    digits[n++] = (char)('0' + mag % 10);
    mag /= 10;
  } while (mag || n < 3);
  char *p = buf;
  if (fen < 0)
    *p++ = '-';
  for (int yuan_digits = n - 2; n > 2; n--) {
    /* a separator before each group of three digits counted from the point */
    if (group && n - 2 != yuan_digits && (n - 2) % 3 == 0)
      *p++ = group;
    *p++ = digits[n - 1];
  }
  *p++ = '.';
  *p++ = digits[1];
  *p++ = digits[0];
  *p = '\0';
  return buf;
}

char *zfmt_fen(int64_t fen, char *buf) {
  return write_yuan(fen, buf, 0);
}

char *zfmt_fen_grouped(int64_t fen, char *buf) {
  return write_yuan(fen, buf, ',');
}

void zfmt_json_string(GString *out, const char *s) {
  g_string_append_c(out, '"');
  for (const char *p = s ? s : ""; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\')
      g_string_append_printf(out, "\\%c", c);
    else if (c == '\n')
      g_string_append(out, "\\n");
    else if (c < 0x20)
      g_string_append_printf(out, "\\u%04x", c);
    else
      g_string_append_c(out, (char)c);
  }
  g_string_append_c(out, '"');
}

char *zfmt_grouped(const char *plain) {
  GString *out = g_string_new(NULL);
  const char *p = plain ? plain : "";
  if (*p == '-' || *p == '+')
    g_string_append_c(out, *p++);
  size_t digits = strspn(p, "0123456789");
  for (size_t i = 0; i < digits; i++) {
    if (i && (digits - i) % 3 == 0)
      g_string_append_c(out, ',');
    g_string_append_c(out, p[i]);
  }
  g_string_append(out, p + digits);
  return g_string_free(out, FALSE);
}
