/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-common.c - what the commands that evaluate facts share: loading
 * the facts, the records refused, the assumed parameters left unset. */
#include <string.h>

#include "cli.h"

/* Is parameter `id` replaced by one of the --set arguments? */
static bool is_set(const GPtrArray *sets, const char *id) {
  size_t n = strlen(id);
  for (guint i = 0; sets && i < sets->len; i++) {
    const char *s = g_ptr_array_index(sets, i);
    if (strncmp(s, id, n) == 0 && (s[n] == '=' || s[n] == '['))
      return true;
  }
  return false;
}

char *cli_assumed_params(const zjtx_policy *policy, const GPtrArray *sets) {
  GString *names = g_string_new(NULL);
  for (size_t i = 0; i < zjtx_policy_param_count(policy); i++)
    if (zjtx_policy_param_status(policy, i) == ZJTX_PARAM_ASSUMED && !is_set(sets, zjtx_policy_param_id(policy, i)))
      g_string_append_printf(names, "%s%s", names->len ? ", " : "", zjtx_policy_param_id(policy, i));
  return g_string_free(names, names->len == 0);
}

void cli_print_rejects(const zjtx_facts *facts, const char *prefix) {
  for (size_t i = 0; i < zjtx_facts_reject_count(facts); i++) {
    const char *file = zjtx_facts_reject_file(facts, i);
    int line = zjtx_facts_reject_line(facts, i);
    g_autofree char *where = line > 0 ? g_strdup_printf("%d:", line) : g_strdup("");
    cli_message("%s%s%s%s refused %s: %s", prefix, file ? file : "", file ? ":" : "", where,
                zjtx_facts_reject_entity(facts, i), zjtx_facts_reject_reason(facts, i));
  }
}

int cli_load_inputs(const char *policy_path, const char *facts_path, zjtx_policy **policy, zjtx_facts **facts) {
  zjtx_error *err = NULL;
  if (cli_load_policy(policy_path, NULL, policy, &err) != ZJTX_OK)
    return cli_report_error(NULL, err);
  if (cli_load_facts(*policy, facts_path, NULL, "loading facts", facts, &err) != ZJTX_OK)
    return cli_report_error(NULL, err);
  if (zjtx_facts_reject_count(*facts) > 0)
    cli_print_rejects(*facts, "");
  return 0;
}

zjtx_options *cli_options_new(void) {
  zjtx_options *o = zjtx_options_new();
  zjtx_options_set_threads(o, 0, NULL);
  return o;
}

zjtx_status cli_load_policy(const char *path, const char *also_dir, zjtx_policy **out, zjtx_error **err) {
  g_autofree char *search =
      g_strjoin(G_SEARCHPATH_SEPARATOR_S, cli_policy_path() ? cli_policy_path() : "", also_dir ? also_dir : "", NULL);
  return zjtx_policy_load_file_full(path, search, out, err);
}

zjtx_status cli_load_facts(zjtx_policy *policy, const char *path, cli_progress *pr, const char *phase, zjtx_facts **out,
                           zjtx_error **err) {
  zjtx_facts *facts = NULL;
  *out = NULL;
  zjtx_status st = zjtx_facts_new(policy, &facts, err);
  if (st != ZJTX_OK)
    return st;
  zjtx_facts_set_keep_going(facts, 1, NULL);
  cli_progress_begin(pr, phase);
  cli_progress_reading(pr, facts);
  st = g_file_test(path, G_FILE_TEST_IS_DIR) ? zjtx_facts_read_csv_dir(facts, path, err)
                                             : zjtx_facts_read_json_file(facts, path, err);
  if (st == ZJTX_OK)
    st = zjtx_facts_finish(facts, err);
  cli_progress_end(pr);
  if (st != ZJTX_OK) {
    zjtx_facts_free(facts);
    return st;
  }
  *out = facts;
  return ZJTX_OK;
}
