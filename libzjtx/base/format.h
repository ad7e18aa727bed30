/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* format.h - text shared by the library and the zjtx command: fen as yuan,
 * JSON string literals.  Internal; built once as a static library that both
 * link (libzjtx/meson.build), so there is one formatter and one escaper. */
#ifndef ZJTX_FORMAT_H
#define ZJTX_FORMAT_H

#include <glib.h>
#include <stdint.h>

/* Enough for any int64 fen with sign, point, thousands separators and NUL. */
#define ZFMT_FEN_BUFSZ 40

/* fen as yuan with two decimals: 123456 -> "1234.56", -5 -> "-0.05".
 * Writes into buf (ZFMT_FEN_BUFSZ bytes) and returns it.  No 128-bit
 * arithmetic and no stdio: it runs once per result on the batch path. */
char *zfmt_fen(int64_t fen, char *buf);

/* fen as yuan with thousands separators: 123456789 -> "1,234,567.89". */
char *zfmt_fen_grouped(int64_t fen, char *buf);
/* "21500000.00" as "21,500,000.00": thousands separators in the whole
 * digits of a plain decimal; anything else ("missing") as it is.  g_free(). */
char *zfmt_grouped(const char *plain);

/* Appends `s` (NULL as "") as a JSON string literal: quotes, backslashes
 * and control characters escaped; UTF-8 passes through. */
void zfmt_json_string(GString *out, const char *s);

#endif
