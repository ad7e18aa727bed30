/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-indicators.c - zjtx indicators (being written). */
#include "cli.h"

int cli_cmd_indicators(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "zjtx: indicators is not available yet\n");
  return 2;
}
