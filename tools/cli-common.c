/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-common.c - what every zjtx command parses the same way. */
#include <string.h>

#include "cli.h"

bool cli_apply_set(zjtx_options *opts, const char *arg) {
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

zjtx_status cli_load_facts(zjtx_policy *policy, const char *path, cli_progress *pr, const char *phase,
                           zjtx_facts **out, zjtx_error **err) {
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
