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
