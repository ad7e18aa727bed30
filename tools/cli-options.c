/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-options.c - how every zjtx command reads its options (GOption, with
 * --help), and the one place that prints usage errors, errors and notes. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* `msg` safe to show on a terminal: control characters (C0, DEL, and C1
 * as UTF-8) written as \xNN or \uNNNN, so that a field name or value from
 * a hostile file cannot move the cursor, recolour or retitle the terminal
 * or forge a line.  Tabs pass. */
static char *printable(const char *msg) {
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
  g_autofree char *msg = printable(raw);
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

int cli_parse_options(const cli_command *cmd, const GOptionEntry *entries, int *argc, char ***argv) {
  gboolean help = FALSE;
  /* GOption's own --help would exit() from inside the parser, and name
   * help groups this tool does not have: this one prints and returns. */
  const GOptionEntry help_entry[] = {{"help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show this help and exit", NULL},
                                     {NULL, 0, 0, 0, NULL, NULL, NULL}};
  g_autofree char *usage_name = g_strconcat("zjtx ", cmd->name, NULL);
  g_set_prgname(usage_name); /* the "Usage:" line shows it */
  g_autoptr(GOptionContext) ctx = g_option_context_new(cmd->args);
  g_option_context_set_help_enabled(ctx, FALSE);
  g_option_context_set_summary(ctx, cmd->summary);
  g_option_context_set_description(ctx, cmd->description);
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_main_entries(ctx, help_entry, NULL);
  g_autoptr(GError) gerr = NULL;
  if (!g_option_context_parse(ctx, argc, argv, &gerr))
    return cli_usage_error(cmd->name, "%s", gerr->message);
  if (help) {
    g_autofree char *text = g_option_context_get_help(ctx, TRUE, NULL);
    fputs(text, stdout);
    return CLI_EXIT_HELP;
  }
  return 0;
}

int cli_no_arguments(const cli_command *cmd, int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--") != 0)
      return cli_usage_error(cmd->name, "unexpected argument '%s'", argv[i]);
  return 0;
}

void cli_message(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *raw = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *msg = printable(raw);
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

int cli_parse_threads(const char *command, const char *arg, zjtx_options *const *opts, size_t n) {
  char *end;
  long v = strtol(arg, &end, 10);
  int threads = *end || end == arg ? -1 : (int)MIN(MAX(v, -1), 100000);
  for (size_t i = 0; i < n; i++)
    if (zjtx_options_set_threads(opts[i], threads, NULL) != ZJTX_OK)
      return cli_usage_error(command, "--threads '%s': expected a whole number from 0 (one per processor) to 1024",
                             arg);
  return 0;
}

int cli_apply_sets(const char *command, zjtx_options *opts, const GPtrArray *sets) {
  for (guint i = 0; i < sets->len; i++)
    if (!cli_apply_set(opts, g_ptr_array_index(sets, i)))
      return cli_usage_error(command, "--set '%s': expected PARAM=VALUE or PARAM[KEY]=VALUE",
                             (const char *)g_ptr_array_index(sets, i));
  return 0;
}
