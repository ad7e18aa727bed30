/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test.c - zjtx test (being written). */
#include "cli.h"

int cli_cmd_test(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "zjtx: test is not available yet\n");
  return 2;
}
