/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-options.c - how every zjtx command reads its options: GOption with
 * --help, repeated options, --threads and --set.  Its usage errors are
 * printed by cli-message.c, the only file it calls. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* --policy-path, which every command takes: the process reads one command
 * line, so one value for the whole run. */
static char *policy_path;

const char *cli_policy_path(void) {
  return policy_path;
}

int cli_parse_options(const cli_command *cmd, const GOptionEntry *entries, int *argc, char ***argv) {
  gboolean help = FALSE;
  /* GOption's own --help would exit() from inside the parser, and name
   * help groups this tool does not have: this one prints and returns. */
  const GOptionEntry common_entries[] = {
      {"policy-path", 0, 0, G_OPTION_ARG_FILENAME, &policy_path,
       "Folders (':' between them) that a policy's extends= may lead into besides its own", "DIR[:DIR...]"},
      {"help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show this help and exit", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  g_autofree char *usage_name = g_strconcat("zjtx ", cmd->name, NULL);
  g_set_prgname(usage_name); /* the "Usage:" line shows it */
  g_autoptr(GOptionContext) ctx = g_option_context_new(cmd->args);
  g_option_context_set_help_enabled(ctx, FALSE);
  g_option_context_set_summary(ctx, cmd->summary);
  g_option_context_set_description(ctx, cmd->description);
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_main_entries(ctx, common_entries, NULL);
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

GPtrArray *cli_strv_array(char **values) {
  GPtrArray *a = g_ptr_array_new();
  for (char **v = values; v && *v; v++)
    g_ptr_array_add(a, *v);
  return a;
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

/* --set PARAM=VALUE or PARAM[KEY]=VALUE into opts; false when malformed. */
static bool apply_set(zjtx_options *opts, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    return false;
  g_autofree char *name = g_strndup(arg, (gsize)(eq - arg));
  char *key = NULL, *open = strchr(name, '[');
  if (open) {
    char *close = strchr(open, ']');
    if (!close || close[1] || close == open + 1)
      return false;
    *open = *close = '\0';
    key = open + 1;
  }
  /* the parameter and the value are checked by zjtx_evaluate */
  return zjtx_options_set_param(opts, name, key, eq + 1, NULL) == ZJTX_OK;
}

int cli_apply_sets(const char *command, zjtx_options *opts, const GPtrArray *sets) {
  for (guint i = 0; i < sets->len; i++)
    if (!apply_set(opts, g_ptr_array_index(sets, i)))
      return cli_usage_error(command, "--set '%s': expected PARAM=VALUE or PARAM[KEY]=VALUE",
                             (const char *)g_ptr_array_index(sets, i));
  return 0;
}
