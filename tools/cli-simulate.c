/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-simulate.c - zjtx simulate (being written). */
#include "cli.h"

int cli_cmd_simulate(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "zjtx: simulate is not available yet\n");
  return 2;
}
