/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ident.c - identifier validators chosen by name in a policy (see ident.h).
 *
 * Messages are fixed static phrases (no expected check character is quoted)
 * so that validators need no buffer and stay thread-safe. */

#include "ident.h"

#include <string.h>

#define USCC_LEN 18

/* GB 32100-2015 code characters: digits and capitals without I, O, S, V, Z,
 * which are easily mistaken for 1, 0, 5, U and 2.  A character's value is
 * its index here. */
static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* Weight of position i (0-based) is 3^i mod 31. */
static const int uscc_weights[USCC_LEN - 1] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
};

/* Value of c in the code alphabet, or -1.  memchr over the 31 characters
 * only, so that '\0' is not found as the terminator. */
static int uscc_value(char c) {
  const char *p = memchr(uscc_alphabet, c, sizeof uscc_alphabet - 1);

  return p != NULL ? (int)(p - uscc_alphabet) : -1;
}

const char *zident_check_uscc(const char *s, size_t len) {
  int sum = 0, check;

  if (s == NULL || len != USCC_LEN)
    return "an 18-character Unified Social Credit Code";
  for (size_t i = 0; i < USCC_LEN; i++) {
    if (uscc_value(s[i]) < 0)
      return "a Unified Social Credit Code made of digits and capital letters "
             "other than I, O, S, V and Z";
  }
  for (size_t i = 0; i < USCC_LEN - 1; i++)
    sum += uscc_value(s[i]) * uscc_weights[i];
  check = (31 - sum % 31) % 31; /* a result of 31 stands for 0 */
  if (s[USCC_LEN - 1] != uscc_alphabet[check])
    return "a Unified Social Credit Code with a correct check character";
  return NULL;
}

/* Non-empty text: at least one character other than ASCII white space, so
 * that a field of blanks does not pass as filled in. */
static const char *check_nonempty(const char *s, size_t len) {
  for (size_t i = 0; s != NULL && i < len; i++) {
    /* space, \t \n \v \f \r */
    if (s[i] != ' ' && (s[i] < '\t' || s[i] > '\r'))
      return NULL;
  }
  return "a non-empty value";
}

zident_validator zident_lookup(const char *name) {
  if (name == NULL)
    return NULL;
  if (strcmp(name, "uscc") == 0)
    return zident_check_uscc;
  if (strcmp(name, "nonempty") == 0)
    return check_nonempty;
  return NULL;
}
