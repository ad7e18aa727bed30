/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-message.c - the one place that prints usage errors, errors and notes
 * on stderr for every zjtx command, with control characters escaped.  The
 * bottom of tools/: it calls no other file of the command. */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

/* `msg` safe to show on a terminal: control characters (C0, DEL, and C1
 * as UTF-8) written as \xNN or \uNNNN, so that a field name or value from
 * a hostile file cannot move the cursor, recolour or retitle the terminal
 * or forge a line.  Tabs pass. */
char *cli_printable(const char *msg) {
  GString *out = g_string_sized_new(strlen(msg));
  for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
    if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
      g_string_append_printf(out, "\\x%02x", *p);
    else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
      g_string_append_printf(out, "\\u%04x", *++p);
    else
      g_string_append_c(out, (char)*p);
  }
  return g_string_free(out, FALSE);
}

/* "zjtx evaluate: MESSAGE" and where to read more, on stderr. */
static int vusage_error(const char *command, const char *fmt, va_list ap) G_GNUC_PRINTF(2, 0);
static int vusage_error(const char *command, const char *fmt, va_list ap) {
  g_autofree char *raw = g_strdup_vprintf(fmt, ap);
  g_autofree char *msg = cli_printable(raw);
  fprintf(stderr, "zjtx%s%s: %s\nTry 'zjtx%s%s --help'.\n", command ? " " : "", command ? command : "", msg,
          command ? " " : "", command ? command : "");
  return CLI_EXIT_USAGE;
}

int cli_usage_error(const char *command, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vusage_error(command, fmt, ap);
  va_end(ap);
  return rc;
}

void cli_message(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *raw = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *msg = cli_printable(raw);
  fprintf(stderr, "zjtx: %s\n", msg);
}

int cli_report_error(const char *context, zjtx_error *err) {
  for (const zjtx_error *e = err; e; e = zjtx_error_next(e)) {
    char *msg = zjtx_error_format(e);
    cli_message("%s%s%s", context ? context : "", context ? ": " : "", msg);
    zjtx_free(msg);
  }
  size_t n = zjtx_error_count(err);
  if (n > 1)
    cli_message("%zu errors", n);
  if (!err)
    cli_message("%s%sfailed", context ? context : "", context ? ": " : "");
  zjtx_error_free(err);
  return CLI_EXIT_FAILURE;
}
