/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* error.h - building zjtx_error values inside the library.  Internal. */
#ifndef ZJTX_ERROR_H
#define ZJTX_ERROR_H

#include <stdarg.h>

#include "zjtx/common.h"

struct zjtx_error {
  zjtx_status code;
  char *message, *file, *rule;
  int line, column;
  struct zjtx_error *next;
};

/* Quoted values longer than this are cut in messages (a 60 KB literal is
 * not echoed whole). */
#define ZERR_MAX_QUOTED 80

/* A new error; file and rule may be NULL.  The message is tidied
 * (zerr_tidy): long quoted values cut. */
zjtx_error *zerr_new(zjtx_status code, const char *file, int line, int column, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
zjtx_error *zerr_newv(zjtx_status code, const char *file, int line, int column, const char *rule, const char *fmt,
                      va_list ap) __attribute__((format(printf, 6, 0)));
/* The message with each quoted value ("..." or '...') of more than
 * ZERR_MAX_QUOTED bytes cut at a character boundary and marked with an
 * ellipsis.  Newly allocated. */
char *zerr_tidy(const char *message);
/* Appends `e` at the end of the chain *head (which may be NULL). */
void zerr_append(zjtx_error **head, zjtx_error *e);
/* Hands `e` to the caller's err (if non-NULL) or frees it; returns e's code. */
zjtx_status zerr_give(zjtx_error **err, zjtx_error *e);
/* Shorthand: zerr_give(err, zerr_new(...)). */
zjtx_status zerr_set(zjtx_error **err, zjtx_status code, const char *file, int line, int column, const char *rule,
                     const char *fmt, ...) __attribute__((format(printf, 7, 8)));

#endif
