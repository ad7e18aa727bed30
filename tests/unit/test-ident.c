/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ident.c - unit tests for libzjtx/base/ident.c.
 *
 * Check characters were computed by hand: values 0-9 A=10 B=11 C=12 D=13
 * E=14 F=15 G=16 H=17 J=18 K=19 L=20 M=21 N=22 P=23 Q=24 R=25 T=26 U=27
 * W=28 X=29 Y=30, weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28,
 * check = 31 - (sum mod 31), 31 meaning 0. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "test-util.h"

static const char *uscc(const char *s) {
  return zident_check_uscc(s, strlen(s));
}

START_TEST(test_uscc_valid) {
  static const char *good[] = {
      /* 9*1 + 1*3 + 3*9 + 5*27 + 1*26 + M21*20 + 1*8 + Y30*30 + 4*28
       * = 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 = 1640;
       * 1640 = 52*31 + 28 -> 31 - 28 = 3 */
      "91350100M000100Y43",
      /* 9 + 1*3 + 1*9 + 1*27 = 48 = 31 + 17 -> 14 = E */
      "91110000000000000E",
      /* sum 0 -> 31, which stands for 0 */
      "000000000000000000",
      /* sum 1 -> 30 = Y;  sum 2 -> 29 = X */
      "10000000000000000Y",
      "20000000000000000X",
      /* 1 + 4*3 = 13 -> 18 = J;  7 -> 24 = Q */
      "14000000000000000J",
      "70000000000000000Q",
      /* 1 * 28 (last weight) -> 3 */
      "000000000000000013",
      /* 9 + 3 + 27 + 27 + 0 + 26 + 16 + 5*17 + M21*20 + A10*29 + 1*25
       * + H17*13 + 7*8 + G16*24 + P23*10 + L20*30 + 0
       * = 9+3+27+27+26+16+85+420+290+25+221+56+384+230+600 = 2419;
       * 2419 = 78*31 + 1 -> 30 = Y */
      "91310115MA1H7GPL0Y",
  };

  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    ck_assert_msg(uscc(good[i]) == NULL, "rejected %s: %s", good[i], uscc(good[i]));
  /* only len characters are read */
  ck_assert_ptr_null(zident_check_uscc("91350100M000100Y43XYZ", 18));
}
END_TEST

START_TEST(test_uscc_wrong_check) {
  static const char *bad[] = {
      "91350100M000100Y42", "91350100M000100Y40", "91350100M000100Y4A", "91110000000000000D", "000000000000000001",
      "10000000000000000X", "91310115MA1H7GPL0X", "19350100M000100Y43", /* first two swapped: sum changes by 16 */
      "91350100M000100Y34",                                             /* check and 17th swapped */
      "91350100N000100Y43",                                             /* M -> N changes the sum by 20 */
  };

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *msg = uscc(bad[i]);

    ck_assert_msg(msg != NULL, "accepted %s", bad[i]);
    ck_assert_msg(strstr(msg, "check character") != NULL, "%s: %s", bad[i], msg);
  }
}
END_TEST

START_TEST(test_uscc_wrong_length) {
  static const char *bad[] = {
      "", "9", "91350100M000100Y4", "91350100M000100Y433", "91350100M000100Y43 ", " 91350100M000100Y43",
  };

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *msg = uscc(bad[i]);

    ck_assert_msg(msg != NULL, "accepted \"%s\"", bad[i]);
    ck_assert_msg(strstr(msg, "18-character") != NULL, "%s", msg);
  }
  ck_assert_ptr_nonnull(zident_check_uscc(NULL, 18));
  ck_assert_ptr_nonnull(zident_check_uscc("91350100M000100Y43", 17));
}
END_TEST

START_TEST(test_uscc_forbidden_chars) {
  static const char *bad[] = {
      /* I, O, Z, S, V are not in the alphabet, wherever they appear */
      "91350100I000100Y43",
      "91350100O000100Y43",
      "91350100Z000100Y43",
      "91350100S000100Y43",
      "91350100V000100Y43",
      "I1350100M000100Y43",
      "91350100M000100Y4O",
      "91350100M000100Y4Z",
      "91350100M000100Y4I",
      /* lowercase letters are invalid, even if the value would match */
      "91350100m000100Y43",
      "91350100M000100y43",
      "10000000000000000y",
      "91110000000000000e",
      /* punctuation and spaces */
      "91350100-000100Y43",
      "91350100 000100Y43",
      "9135010.M000100Y43",
  };

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *msg = uscc(bad[i]);

    ck_assert_msg(msg != NULL, "accepted %s", bad[i]);
    ck_assert_msg(strstr(msg, "capital letters") != NULL, "%s: %s", bad[i], msg);
  }
  /* an embedded NUL is a bad character, not the end of the string */
  ck_assert_ptr_nonnull(zident_check_uscc("91350100M000100Y4\0", 18));
  ck_assert_ptr_nonnull(zident_check_uscc("000000000\0"
                                          "00000000",
                                          18));
}
END_TEST

START_TEST(test_lookup) {
  zident_validator v;

  ck_assert(zident_lookup("uscc") == zident_check_uscc);
  v = zident_lookup("nonempty");
  ck_assert(v != NULL);
  ck_assert(v != zident_check_uscc);
  ck_assert(zident_lookup("USCC") == NULL); /* names are case-sensitive */
  ck_assert(zident_lookup("") == NULL);
  ck_assert(zident_lookup("unknown") == NULL);
  ck_assert(zident_lookup("uscc ") == NULL);
  ck_assert(zident_lookup(NULL) == NULL);
  /* through the table, as a policy would use it */
  ck_assert_ptr_null(zident_lookup("uscc")("91350100M000100Y43", 18));
  ck_assert_ptr_nonnull(zident_lookup("uscc")("91350100M000100Y42", 18));
}
END_TEST

START_TEST(test_nonempty) {
  zident_validator v = zident_lookup("nonempty");

  ck_assert(v != NULL);
  ck_assert_ptr_null(v("a", 1));
  ck_assert_ptr_null(v(" x ", 3));
  ck_assert_ptr_null(v("\xe4\xb8\xad", 3)); /* UTF-8 text */
  ck_assert_ptr_null(v("0", 1));
  ck_assert_ptr_nonnull(v("", 0));
  ck_assert_ptr_nonnull(v("abc", 0)); /* only len characters count */
  ck_assert_ptr_nonnull(v(NULL, 0));
  /* white space only counts as empty */
  ck_assert_ptr_nonnull(v("   ", 3));
  ck_assert_ptr_nonnull(v(" \t\r\n", 4));
  ck_assert(strstr(v("", 0), "non-empty") != NULL);
}
END_TEST

static Suite *ident_suite(void) {
  Suite *s = suite_create("ident");
  TCase *tc = tcase_create("uscc");

  tcase_add_test(tc, test_uscc_valid);
  tcase_add_test(tc, test_uscc_wrong_check);
  tcase_add_test(tc, test_uscc_wrong_length);
  tcase_add_test(tc, test_uscc_forbidden_chars);
  suite_add_tcase(s, tc);

  tc = tcase_create("lookup");
  tcase_add_test(tc, test_lookup);
  tcase_add_test(tc, test_nonempty);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return ztest_run_suite(ident_suite());
}
