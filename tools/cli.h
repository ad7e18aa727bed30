/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli.h - what the zjtx command's files share. */
#ifndef ZJTX_CLI_H
#define ZJTX_CLI_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <zjtx/zjtx.h>

/* Writes the result in the JSON contract of `zjtx evaluate --format json`. */
bool cli_write_json(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain);
/* Writes the result as a table for people (Chinese titles, totals). */
bool cli_write_table(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain);
/* JSON string literal of s appended to out. */
void cli_json_string(GString *out, const char *s);
/* 1234567.5 as "1,234,567.50" from fen. */
char *cli_grouped_yuan(int64_t fen);

#endif
