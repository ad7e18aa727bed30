/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ident.h - validators for identifier fields, chosen by name in a policy
 * (<field validator="uscc"/>).  Each returns NULL if the value is valid, or
 * a static English phrase saying what was expected. */
#ifndef ZJTX_IDENT_H
#define ZJTX_IDENT_H

#include <stdbool.h>
#include <stddef.h>

typedef const char *(*zident_validator)(const char *s, size_t len);

/* The validator named `name` ("uscc", "nonempty"), or NULL if unknown. */
zident_validator zident_lookup(const char *name);
/* Unified Social Credit Code, GB 32100-2015: 18 characters from
 * 0-9 A-H J-N P-R T-U W-Y, with the check character (position 18)
 * computed from the first 17 with weights 3^i mod 31. */
const char *zident_check_uscc(const char *s, size_t len);

#endif
