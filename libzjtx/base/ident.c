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

/* 1 + the value of each byte in the code alphabet, 0 for bytes outside it:
 * a table, since every enterprise id of a large population is checked. */
static const unsigned char uscc_value_plus_1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    ['G'] = 17, ['H'] = 18, ['J'] = 19, ['K'] = 20, ['L'] = 21, ['M'] = 22, ['N'] = 23, ['P'] = 24,
    ['Q'] = 25, ['R'] = 26, ['T'] = 27, ['U'] = 28, ['W'] = 29, ['X'] = 30, ['Y'] = 31};

/* Value of c in the code alphabet, or -1. */
static int uscc_value(char c) {
  return (int)uscc_value_plus_1[(unsigned char)c] - 1;
}

const char *zident_check_uscc(const char *s, size_t len) {
  int sum = 0, check;

  if (s == NULL || len != USCC_LEN)
    return "an 18-character Unified Social Credit Code";
  for (size_t i = 0; i < USCC_LEN; i++) {
    int value = uscc_value(s[i]);
    if (value < 0)
      return "a Unified Social Credit Code made of digits and capital letters "
             "other than I, O, S, V and Z";
    if (i < USCC_LEN - 1)
      sum += value * uscc_weights[i];
  }
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
