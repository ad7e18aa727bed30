/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-decimal.c - unit tests for libzjtx/base/decimal.c.
 *
 * Expected values are worked out by hand (the working is in the comments),
 * never copied from the program's output. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "format.h"
#include "test-util.h"

__extension__ typedef unsigned __int128 tu128;

/* 2^127 - 1 = 170141183460469231731687303715884105727 */
#define I128_MAX ((zi128)(((tu128)1 << 127) - 1))

static zi128 p10(int k) {
  zi128 p = 1;

  while (k-- > 0)
    p *= 10;
  return p;
}

static zdec mk(zi128 m, int32_t scale) {
  zdec d = {m, scale};

  return d;
}

/* Parse a literal that must be valid. */
static zdec D(const char *s) {
  zdec d;

  ck_assert_msg(zdec_parse(s, strlen(s), &d), "cannot parse \"%s\"", s);
  return d;
}

static bool parses(const char *s) {
  zdec d;

  return zdec_parse(s, strlen(s), &d);
}

/* minimal-form text of d */
static const char *txt(zdec d, char *buf) {
  return zdec_format(d, -1, buf);
}

#define ASSERT_TXT(d, want)                                                                                            \
  do {                                                                                                                 \
    char b_[ZDEC_BUFSZ];                                                                                               \
    ck_assert_str_eq(txt((d), b_), (want));                                                                            \
  } while (0)

/* exact mantissa and scale */
#define ASSERT_MS(d, mm, ss)                                                                                           \
  do {                                                                                                                 \
    zdec d_ = (d);                                                                                                     \
    ck_assert_msg(d_.m == (mm), "mantissa differs");                                                                   \
    ck_assert_int_eq(d_.scale, (ss));                                                                                  \
  } while (0)

/* ---- parsing ---- */

START_TEST(test_parse_valid) {
  zdec d;

  ASSERT_MS(D("0"), 0, 0);
  ASSERT_MS(D("12.50"), 1250, 2); /* trailing zero kept in the scale */
  ASSERT_MS(D("-3.000"), -3000, 3);
  ASSERT_MS(D("007"), 7, 0);
  ASSERT_MS(D("-0"), 0, 0);
  ASSERT_MS(D("-0.000000000000000001"), -1, 18);
  ASSERT_MS(D("1234567.89"), 123456789, 2);
  /* 36 nines: the most significant digits allowed, 10^36 - 1 */
  ASSERT_MS(D("999999999999999999999999999999999999"), p10(36) - 1, 0);
  /* 36 significant digits after leading zeros, 18 of them decimals */
  ASSERT_MS(D("000123456789012345678.901234567890123456"), p10(18) * 123456789012345678 + 901234567890123456, 18);
  /* only len characters are read */
  ck_assert(zdec_parse("12.345xyz", 6, &d));
  ASSERT_MS(d, 12345, 3);
}
END_TEST

START_TEST(test_parse_invalid) {
  static const char *bad[] = {
      "",
      "-",
      "+1",
      ".5",
      "-.5",
      "5.",
      "1e5",
      " 1",
      "1 ",
      "1.2.3",
      "--1",
      "1,000",
      "0x10",
      "1.-2",
      "-1-",
      "abc",
      "0.1234567890123456789",                  /* 19 decimals */
      "1234567890123456789012345678901234567",  /* 37 significant digits */
      "1234567890123456789.012345678901234567", /* 37 significant digits */
  };
  zdec d = {42, 1};

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(!parses(bad[i]), "accepted \"%s\"", bad[i]);
  ck_assert(!zdec_parse("1\0"
                        "2",
                        3, &d)); /* embedded NUL */
  ck_assert(!zdec_parse(NULL, 0, &d));
  ASSERT_MS(d, 42, 1); /* untouched on failure */
}
END_TEST

START_TEST(test_written_scale) {
  ck_assert_int_eq(zdec_written_scale("1.50", 4), 2);
  ck_assert_int_eq(zdec_written_scale("3", 1), 0);
  ck_assert_int_eq(zdec_written_scale("-0.001", 6), 3);
  ck_assert_int_eq(zdec_written_scale("1.234", 5), 3);
  ck_assert_int_eq(zdec_written_scale("abc", 3), -1);
  ck_assert_int_eq(zdec_written_scale("1.", 2), -1);
  ck_assert_int_eq(zdec_written_scale("", 0), -1);
}
END_TEST

/* ---- formatting ---- */

START_TEST(test_format_minimal) {
  /* canonical texts survive parse + minimal format unchanged */
  static const char *same[] = {
      "0",
      "12.5",
      "-3",
      "0.0345",
      "100",
      "-1234.5678",
      "0.000000000000000001",
      "-0.000000000000000001",
      "999999999999999999999999999999999999",
      "123456789012345678.901234567890123456",
  };

  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
    ASSERT_TXT(D(same[i]), same[i]);
  ASSERT_TXT(D("12.50"), "12.5");
  ASSERT_TXT(D("-3.000"), "-3");
  ASSERT_TXT(D("-0.00"), "0"); /* never a negative zero */
  ASSERT_TXT(D("007.10"), "7.1");
  ASSERT_TXT(mk(I128_MAX, 0), "170141183460469231731687303715884105727");
  ASSERT_TXT(mk(-I128_MAX, 18), "-170141183460469231731.687303715884105727");
}
END_TEST

START_TEST(test_format_places) {
  char b[ZDEC_BUFSZ];

  /* rounding half-up to the requested places */
  ck_assert_str_eq(zdec_format(D("1.005"), 2, b), "1.01");
  ck_assert_str_eq(zdec_format(D("1.004"), 2, b), "1.00");
  ck_assert_str_eq(zdec_format(D("2.5"), 0, b), "3");
  ck_assert_str_eq(zdec_format(D("-2.5"), 0, b), "-3");
  ck_assert_str_eq(zdec_format(D("0.5"), 0, b), "1");
  ck_assert_str_eq(zdec_format(D("0.125"), 2, b), "0.13");
  ck_assert_str_eq(zdec_format(D("-0.125"), 2, b), "-0.13");
  ck_assert_str_eq(zdec_format(D("9.999"), 2, b), "10.00");
  ck_assert_str_eq(zdec_format(D("-0.004"), 2, b), "0.00"); /* no "-0.00" */
  /* padding with zeros */
  ck_assert_str_eq(zdec_format(D("1.5"), 3, b), "1.500");
  ck_assert_str_eq(zdec_format(D("12"), 2, b), "12.00");
  ck_assert_str_eq(zdec_format(D("-0.05"), 2, b), "-0.05");
  ck_assert_str_eq(zdec_format(D("0"), 0, b), "0");
}
END_TEST

START_TEST(test_format_fen) {
  char b[ZFMT_FEN_BUFSZ];

  ck_assert_str_eq(zfmt_fen(123456, b), "1234.56");
  ck_assert_str_eq(zfmt_fen(-5, b), "-0.05");
  ck_assert_str_eq(zfmt_fen(0, b), "0.00");
  ck_assert_str_eq(zfmt_fen(7, b), "0.07");
  ck_assert_str_eq(zfmt_fen(100, b), "1.00");
  ck_assert_str_eq(zfmt_fen(-100, b), "-1.00");
  ck_assert_str_eq(zfmt_fen(INT64_MAX, b), "92233720368547758.07");
  ck_assert_str_eq(zfmt_fen(INT64_MIN, b), "-92233720368547758.08");
}
END_TEST

START_TEST(test_format_fen_grouped) {
  char b[ZFMT_FEN_BUFSZ];

  ck_assert_str_eq(zfmt_fen_grouped(123456789, b), "1,234,567.89");
  ck_assert_str_eq(zfmt_fen_grouped(-123456789, b), "-1,234,567.89");
  ck_assert_str_eq(zfmt_fen_grouped(0, b), "0.00");
  ck_assert_str_eq(zfmt_fen_grouped(-5, b), "-0.05");
  ck_assert_str_eq(zfmt_fen_grouped(12345, b), "123.45");
  ck_assert_str_eq(zfmt_fen_grouped(99999, b), "999.99");
  ck_assert_str_eq(zfmt_fen_grouped(100000, b), "1,000.00");
  ck_assert_str_eq(zfmt_fen_grouped(-100000, b), "-1,000.00");
  ck_assert_str_eq(zfmt_fen_grouped(1234567, b), "12,345.67");
  ck_assert_str_eq(zfmt_fen_grouped(100000000000, b), "1,000,000,000.00");
  ck_assert_str_eq(zfmt_fen_grouped(INT64_MAX, b), "92,233,720,368,547,758.07");
  ck_assert_str_eq(zfmt_fen_grouped(INT64_MIN, b), "-92,233,720,368,547,758.08");
}
END_TEST

/* ---- addition and subtraction ---- */

START_TEST(test_add_sub) {
  zdec r;

  ck_assert(zdec_add(D("1.5"), D("2.25"), &r));
  ASSERT_MS(r, 375, 2);
  ck_assert(zdec_add(D("0.1"), D("0.2"), &r));
  ck_assert_int_eq(zdec_cmp(r, D("0.3")), 0); /* exact, unlike binary */
  ck_assert(zdec_sub(D("1"), D("0.01"), &r));
  ASSERT_MS(r, 99, 2);
  ck_assert(zdec_add(D("-5.5"), D("5.50"), &r));
  ck_assert(zdec_is_zero(r));
  ck_assert(zdec_sub(D("10"), D("12.345"), &r));
  ASSERT_MS(r, -2345, 3);
  ck_assert(zdec_sub(D("-0.000000000000000001"), D("1"), &r));
  ASSERT_MS(r, -p10(18) - 1, 18);
}
END_TEST

/* The inline forms the VM uses: the same values as the functions, hand
 * checked where they are quick and on the edges of 64-bit mantissas and
 * of the scale; anything beyond goes to the functions (and overflows the
 * same way). */
START_TEST(test_inline_add_sub_mul) {
  zdec r, s;

  ck_assert(zdec_add_inline(D("1.5"), D("2.25"), &r));
  ASSERT_MS(r, 375, 2);
  ck_assert(zdec_sub_inline(D("10"), D("12.345"), &r));
  ASSERT_MS(r, -2345, 3);
  ck_assert(zdec_mul_inline(D("1000000.00"), D("0.0510"), &r)); /* 1,000,000 x 5.10 % */
  ASSERT_MS(r, 51000000000, 6);                                 /* 51,000.000000 */
  /* INT64_MAX at scale 0 brought to scale 18, plus INT64_MIN at 18 */
  ck_assert(zdec_add_inline(mk(INT64_MAX, 0), mk(INT64_MIN, 18), &r));
  ASSERT_MS(r, (zi128)INT64_MAX * p10(18) + INT64_MIN, 18);
  ck_assert(zdec_sub_inline(mk(INT64_MIN, 0), mk(INT64_MAX, 18), &r));
  ASSERT_MS(r, (zi128)INT64_MIN * p10(18) - INT64_MAX, 18);
  ck_assert(zdec_mul_inline(mk(INT64_MIN, 9), mk(INT64_MIN, 9), &r));
  ASSERT_MS(r, (zi128)INT64_MIN * INT64_MIN, 18);
  /* a scale beyond 18 is rounded half-even, as zdec_mul does */
  ck_assert(zdec_mul_inline(D("0.0000000005"), D("0.0000000003"), &r));
  ck_assert(zdec_mul(D("0.0000000005"), D("0.0000000003"), &s));
  ck_assert_int_eq(r.scale, 18);
  ck_assert(r.m == s.m);
  /* a mantissa beyond 64 bits: the functions' answer, overflow included */
  zdec big = mk(I128_MAX, 0);
  ck_assert(!zdec_add_inline(big, mk(1, 0), &r));
  ck_assert(!zdec_mul_inline(big, mk(2, 0), &r));
  ck_assert(zdec_sub_inline(big, mk(1, 0), &r));
  ASSERT_MS(r, I128_MAX - 1, 0);
}
END_TEST

START_TEST(test_add_sub_overflow) {
  zdec r = {42, 1};

  /* 2^127 - 1 + 1 and -(2^127 - 1) - 1 leave the (symmetric) range */
  ck_assert(!zdec_add(mk(I128_MAX, 0), D("1"), &r));
  ck_assert(!zdec_sub(mk(-I128_MAX, 0), D("1"), &r));
  ck_assert(!zdec_add(mk(-I128_MAX, 0), D("-1"), &r));
  ck_assert(!zdec_sub(mk(I128_MAX, 0), D("-1"), &r));
  /* 10^38 + 10^38 = 2 * 10^38 > 1.7 * 10^38 */
  ck_assert(!zdec_add(mk(p10(38), 0), mk(p10(38), 0), &r));
  /* aligning 2 * 10^36 to scale 2 needs 2 * 10^38: overflow */
  ck_assert(!zdec_add(mk(2 * p10(36), 0), D("0.01"), &r));
  ASSERT_MS(r, 42, 1); /* untouched on failure */
  /* but 10^36 aligns to 10^38, which fits */
  ck_assert(zdec_add(mk(p10(36), 0), D("0.01"), &r));
  ASSERT_MS(r, p10(38) + 1, 2);
  /* the edges themselves are fine */
  ck_assert(zdec_add(mk(I128_MAX, 0), D("0"), &r));
  ck_assert(r.m == I128_MAX);
  ck_assert(zdec_sub(mk(I128_MAX - 1, 0), mk(-1, 0), &r));
  ck_assert(r.m == I128_MAX);
}
END_TEST

/* ---- multiplication ---- */

START_TEST(test_mul) {
  zdec r;

  /* 1234567.89 * 0.02: 123456789 * 2 = 246913578 at scale 2 + 2 */
  ck_assert(zdec_mul(D("1234567.89"), D("0.02"), &r));
  ASSERT_MS(r, 246913578, 4);
  ASSERT_TXT(r, "24691.3578");
  ck_assert(zdec_mul(D("1.5"), D("-2"), &r));
  ASSERT_MS(r, -30, 1);
  ck_assert(zdec_mul(D("0.1"), D("0.1"), &r));
  ASSERT_MS(r, 1, 2);
  ck_assert(zdec_mul(D("-0.5"), D("-0.5"), &r));
  ASSERT_MS(r, 25, 2);
  ck_assert(zdec_mul(D("123.45"), D("0"), &r));
  ck_assert(zdec_is_zero(r));
  /* scale 9 + 9 = 18: kept exactly */
  ck_assert(zdec_mul(D("0.000000001"), D("0.000000003"), &r));
  ASSERT_MS(r, 3, 18);
}
END_TEST

START_TEST(test_mul_scale_rounding) {
  zdec r;

  /* scale 9 + 10 = 19 > 18: rounded half-even to 18.
   * 10^-9 * 5 * 10^-10 = 0.5 * 10^-18: tie, 0 is even -> 0 */
  ck_assert(zdec_mul(D("0.000000001"), D("0.0000000005"), &r));
  ASSERT_MS(r, 0, 18);
  /* 1.5 * 10^-18: tie, 1 is odd -> 2 * 10^-18 */
  ck_assert(zdec_mul(D("0.000000001"), D("0.0000000015"), &r));
  ASSERT_MS(r, 2, 18);
  /* 2.5 * 10^-18: tie, 2 is even -> 2 * 10^-18 */
  ck_assert(zdec_mul(D("0.000000001"), D("0.0000000025"), &r));
  ASSERT_MS(r, 2, 18);
  /* 2.6 * 10^-18 -> 3 * 10^-18 */
  ck_assert(zdec_mul(D("0.000000001"), D("0.0000000026"), &r));
  ASSERT_MS(r, 3, 18);
  /* -1.5 * 10^-18 -> -2 * 10^-18 (ties to even, symmetric) */
  ck_assert(zdec_mul(D("-0.000000001"), D("0.0000000015"), &r));
  ASSERT_MS(r, -2, 18);
  /* 1/3 (18 places) * 3 = 0.999999999999999999, no rounding */
  ck_assert(zdec_mul(D("0.333333333333333333"), D("3"), &r));
  ASSERT_TXT(r, "0.999999999999999999");
}
END_TEST

START_TEST(test_mul_wide) {
  zdec r = {42, 1};

  /* 100 * 100 at scale 18 each: the raw product 10^20 * 10^20 = 10^40
   * overflows 128 bits, the result 10000 (10^22 at scale 18) does not */
  ck_assert(zdec_mul(mk(p10(20), 18), mk(p10(20), 18), &r));
  ASSERT_MS(r, p10(22), 18);
  /* 200.000000000000000003 * 100.5 = 20100.0000000000000003015:
   * 0.000000000000000003 * 100.5 = 301.5 * 10^-18, a tie at 18 places,
   * 301 is odd -> 302 */
  ck_assert(zdec_mul(mk(2 * p10(20) + 3, 18), D("100.500000000000000000"), &r));
  ASSERT_MS(r, 201 * p10(20) + 302, 18);
  ASSERT_TXT(r, "20100.000000000000000302");
  /* with ...001: 100.5 * 10^-18 -> 100 (tie broken to even 100) */
  ck_assert(zdec_mul(mk(2 * p10(20) + 1, 18), mk(p10(20) + 5 * p10(17), 18), &r));
  ASSERT_MS(r, 201 * p10(20) + 100, 18);
  /* and negated */
  ck_assert(zdec_mul(mk(-(2 * p10(20) + 3), 18), D("100.500000000000000000"), &r));
  ASSERT_MS(r, -(201 * p10(20) + 302), 18);
  /* 100.000000000000000001^2 = 10000.000000000000000200 + 10^-36 */
  ck_assert(zdec_mul(mk(p10(20) + 1, 18), mk(p10(20) + 1, 18), &r));
  ASSERT_MS(r, p10(22) + 200, 18);
}
END_TEST

START_TEST(test_mul_overflow) {
  zdec r = {42, 1};

  /* 10^20 * 10^19 = 10^39 > 1.7 * 10^38 */
  ck_assert(!zdec_mul(mk(p10(20), 0), mk(p10(19), 0), &r));
  /* 2^127 - 1 times 2 */
  ck_assert(!zdec_mul(mk(I128_MAX, 0), D("2"), &r));
  ck_assert(!zdec_mul(mk(-I128_MAX, 0), D("2"), &r));
  /* 10^20 * 100 = 10^22, i.e. 10^40 at scale 18: too big even rounded */
  ck_assert(!zdec_mul(mk(p10(38), 18), mk(p10(20), 18), &r));
  ck_assert(!zdec_mul(mk(I128_MAX, 18), mk(I128_MAX, 18), &r));
  ASSERT_MS(r, 42, 1);
  /* the limits themselves */
  ck_assert(zdec_mul(mk(p10(19), 0), mk(p10(19), 0), &r));
  ASSERT_MS(r, p10(38), 0);
  ck_assert(zdec_mul(mk(I128_MAX, 0), D("-1"), &r));
  ck_assert(r.m == -I128_MAX);
}
END_TEST

/* ---- division ---- */

START_TEST(test_div) {
  zdec r;

  ck_assert(zdec_div(D("1"), D("3"), &r));
  ASSERT_TXT(r, "0.333333333333333333");
  ck_assert_int_eq(r.scale, 18);
  /* 0.666...6|66...: the 19th digit 6 rounds the 18th up */
  ck_assert(zdec_div(D("2"), D("3"), &r));
  ASSERT_TXT(r, "0.666666666666666667");
  ck_assert(zdec_div(D("-2"), D("3"), &r));
  ASSERT_TXT(r, "-0.666666666666666667");
  ck_assert(zdec_div(D("2"), D("-3"), &r));
  ASSERT_TXT(r, "-0.666666666666666667");
  ck_assert(zdec_div(D("1"), D("8"), &r));
  ASSERT_TXT(r, "0.125");
  ck_assert(zdec_div(D("10"), D("4"), &r));
  ASSERT_TXT(r, "2.5");
  ck_assert(zdec_div(D("1"), D("0.01"), &r));
  ASSERT_TXT(r, "100");
  ck_assert(zdec_div(D("7.5"), D("2.5"), &r));
  ASSERT_TXT(r, "3");
  ck_assert(zdec_div(D("1"), D("0.000000000000000001"), &r));
  ASSERT_TXT(r, "1000000000000000000");
  ck_assert(zdec_div(D("0"), D("-7"), &r));
  ck_assert(zdec_is_zero(r));
  /* 10^20 / 3 = 33333333333333333333.333... (38 digits at scale 18) */
  ck_assert(zdec_div(mk(p10(20), 0), D("3"), &r));
  ASSERT_TXT(r, "33333333333333333333.333333333333333333");
  /* exact quotients need not reach scale 18: 10^30 / 10 = 10^29 */
  ck_assert(zdec_div(mk(p10(30), 0), D("10"), &r));
  ASSERT_TXT(r, "100000000000000000000000000000");
  /* divisors near 2^127 */
  ck_assert(zdec_div(mk(I128_MAX, 0), mk(I128_MAX, 0), &r));
  ASSERT_TXT(r, "1");
  ck_assert(zdec_div(mk(I128_MAX - 1, 0), mk(I128_MAX, 0), &r));
  ASSERT_TXT(r, "1"); /* 1 - 5.9 * 10^-39 rounds to 1 at 18 places */
  ck_assert(zdec_div(D("1"), mk(I128_MAX, 0), &r));
  ck_assert(zdec_is_zero(r));
}
END_TEST

START_TEST(test_div_ties) {
  zdec r;
  zdec two_e18 = D("2000000000000000000");

  /* n / (2 * 10^18) = n/2 * 10^-18: half-even at the 18th place */
  ck_assert(zdec_div(D("1"), two_e18, &r));
  ck_assert(zdec_is_zero(r)); /* 0.5 -> 0 */
  ck_assert(zdec_div(D("3"), two_e18, &r));
  ASSERT_TXT(r, "0.000000000000000002"); /* 1.5 -> 2 */
  ck_assert(zdec_div(D("5"), two_e18, &r));
  ASSERT_TXT(r, "0.000000000000000002"); /* 2.5 -> 2 */
  ck_assert(zdec_div(D("7"), two_e18, &r));
  ASSERT_TXT(r, "0.000000000000000004"); /* 3.5 -> 4 */
  ck_assert(zdec_div(D("-3"), two_e18, &r));
  ASSERT_TXT(r, "-0.000000000000000002");
}
END_TEST

START_TEST(test_div_errors) {
  zdec r = {42, 1};

  ck_assert(!zdec_div(D("1"), D("0"), &r));
  ck_assert(!zdec_div(D("0"), D("0"), &r));
  ck_assert(!zdec_div(D("1"), D("0.00"), &r));
  /* 10^21 / 3 = 3.3 * 10^20, i.e. 3.3 * 10^38 at scale 18: overflow */
  ck_assert(!zdec_div(mk(p10(21), 0), D("3"), &r));
  /* 10^37 / 0.01 = 10^39 */
  ck_assert(!zdec_div(mk(p10(37), 0), D("0.01"), &r));
  ASSERT_MS(r, 42, 1);
}
END_TEST

/* ---- money x rate x days / basis ---- */

START_TEST(test_money_rate_days) {
  zdec a, b, c, r;
  int64_t fen;
  char buf[ZDEC_BUFSZ];

  /* 10,000,000.00 * 0.02 = 200,000; * 365 = 73,000,000;
   * / 360 = 202,777.777... -> 202,777.78 */
  ck_assert(zdec_mul(D("10000000.00"), D("0.02"), &a));
  ck_assert(zdec_mul(a, D("365"), &b));
  ck_assert_int_eq(zdec_cmp(b, D("73000000")), 0);
  ck_assert(zdec_div(b, D("360"), &c));
  ASSERT_TXT(c, "202777.777777777777777778");
  ck_assert(zdec_to_fen(c, ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 20277778);
  ck_assert_str_eq(zfmt_fen_grouped(fen, buf), "202,777.78");

  /* dividing first: 200,000 / 360 = 555.555...556 (18 places); * 365 is
   * 202,777.7777...78 + a few 10^-16: still 202,777.78 */
  ck_assert(zdec_div(a, D("360"), &b));
  ck_assert(zdec_mul(b, D("365"), &c));
  ck_assert(zdec_to_fen(c, ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 20277778);

  /* 1,234,567.89 * 0.0435 = 53,703.703215 (123456789 * 435 = 53703703215);
   * * 90 = 4,833,333.28935; / 360 = 13,425.92580375 exactly
   * (360 * 13425 = 4833000, 333.28935 / 360 = 0.92580375) */
  ck_assert(zdec_mul(D("1234567.89"), D("0.0435"), &a));
  ck_assert_int_eq(zdec_cmp(a, D("53703.703215")), 0);
  ck_assert(zdec_mul(a, D("90"), &b));
  ck_assert(zdec_div(b, D("360"), &r));
  ck_assert_int_eq(zdec_cmp(r, D("13425.92580375")), 0);
  ck_assert(zdec_to_fen(r, ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 1342593);

  /* 50,000.00 * 0.035 * 181 / 365: 1750 * 181 = 316,750;
   * 316750 / 365 = 867 remainder 295, 295/365 = 0.808... -> 867.81 */
  ck_assert(zdec_mul(D("50000.00"), D("0.035"), &a));
  ck_assert(zdec_mul(a, D("181"), &b));
  ck_assert(zdec_div(b, D("365"), &r));
  ck_assert(zdec_to_fen(r, ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 86781);

  /* 36.00 * 0.05 * 1 / 360 = 0.005 exactly: the tie decides */
  ck_assert(zdec_mul(D("36.00"), D("0.05"), &a));
  ck_assert(zdec_div(a, D("360"), &r));
  ck_assert_int_eq(zdec_cmp(r, D("0.005")), 0);
  ck_assert(zdec_to_fen(r, ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 1);
  ck_assert(zdec_to_fen(r, ZROUND_HALF_EVEN, &fen));
  ck_assert_int_eq(fen, 0);
  ck_assert(zdec_to_fen(r, ZROUND_DOWN, &fen));
  ck_assert_int_eq(fen, 0);
}
END_TEST

/* ---- rounding ---- */

struct round_case {
  const char *in;
  int places;
  const char *want[6]; /* indexed by zround_mode */
};

START_TEST(test_round_modes) {
  /* HALF_UP, HALF_EVEN, DOWN, UP, FLOOR, CEILING */
  static const struct round_case cases[] = {
      {"1.234", 2, {"1.23", "1.23", "1.23", "1.24", "1.23", "1.24"}},
      {"-1.234", 2, {"-1.23", "-1.23", "-1.23", "-1.24", "-1.24", "-1.23"}},
      {"1.235", 2, {"1.24", "1.24", "1.23", "1.24", "1.23", "1.24"}},
      {"1.245", 2, {"1.25", "1.24", "1.24", "1.25", "1.24", "1.25"}},
      {"-1.245", 2, {"-1.25", "-1.24", "-1.24", "-1.25", "-1.25", "-1.24"}},
      {"2.5", 0, {"3", "2", "2", "3", "2", "3"}},
      {"-2.5", 0, {"-3", "-2", "-2", "-3", "-3", "-2"}},
      {"3.5", 0, {"4", "4", "3", "4", "3", "4"}},
      {"1.20", 1, {"1.2", "1.2", "1.2", "1.2", "1.2", "1.2"}},
      {"0.001", 2, {"0.00", "0.00", "0.00", "0.01", "0.00", "0.01"}},
      {"-0.001", 2, {"0.00", "0.00", "0.00", "-0.01", "-0.01", "0.00"}},
      {"24691.3578", 2, {"24691.36", "24691.36", "24691.35", "24691.36", "24691.35", "24691.36"}},
  };
  char b[ZDEC_BUFSZ];
  zdec r;

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (int mode = ZROUND_HALF_UP; mode <= ZROUND_CEILING; mode++) {
      ck_assert(zdec_round(D(cases[i].in), cases[i].places, mode, &r));
      ck_assert_int_eq(r.scale, cases[i].places);
      ck_assert_msg(strcmp(zdec_format(r, cases[i].places, b), cases[i].want[mode]) == 0, "%s mode %d: got %s, want %s",
                    cases[i].in, mode, b, cases[i].want[mode]);
    }
  }
}
END_TEST

START_TEST(test_round_ties) {
  zdec r;

  ck_assert(zdec_round(D("0.005"), 2, ZROUND_HALF_UP, &r));
  ASSERT_MS(r, 1, 2);
  ck_assert(zdec_round(D("0.015"), 2, ZROUND_HALF_UP, &r));
  ASSERT_MS(r, 2, 2);
  ck_assert(zdec_round(D("-0.005"), 2, ZROUND_HALF_UP, &r));
  ASSERT_MS(r, -1, 2);
  ck_assert(zdec_round(D("0.0049999"), 2, ZROUND_HALF_UP, &r));
  ASSERT_MS(r, 0, 2);
  ck_assert(zdec_round(D("0.025"), 2, ZROUND_HALF_EVEN, &r));
  ASSERT_MS(r, 2, 2);
  ck_assert(zdec_round(D("0.015"), 2, ZROUND_HALF_EVEN, &r));
  ASSERT_MS(r, 2, 2);
  ck_assert(zdec_round(D("0.035"), 2, ZROUND_HALF_EVEN, &r));
  ASSERT_MS(r, 4, 2);
  ck_assert(zdec_round(D("-0.025"), 2, ZROUND_HALF_EVEN, &r));
  ASSERT_MS(r, -2, 2);
  ck_assert(zdec_round(D("0.0250001"), 2, ZROUND_HALF_EVEN, &r));
  ASSERT_MS(r, 3, 2);
  /* 2 % of 1,234,567.89 = 24,691.3578 -> 24,691.36 */
  {
    zdec p;

    ck_assert(zdec_mul(D("0.02"), D("1234567.89"), &p));
    ck_assert(zdec_round(p, 2, ZROUND_HALF_UP, &r));
    ASSERT_MS(r, 2469136, 2);
  }
}
END_TEST

START_TEST(test_round_edges) {
  zdec r = {42, 1};

  /* to more places than written: exact, scale raised */
  ck_assert(zdec_round(D("1.2"), 4, ZROUND_DOWN, &r));
  ASSERT_MS(r, 12000, 4);
  ck_assert(zdec_round(D("7"), 0, ZROUND_UP, &r));
  ASSERT_MS(r, 7, 0);
  /* 9.5 -> 10: the carry lengthens the integer part */
  ck_assert(zdec_round(D("9.5"), 0, ZROUND_HALF_UP, &r));
  ASSERT_MS(r, 10, 0);
  r = mk(42, 1);
  ck_assert(!zdec_round(D("1.5"), -1, ZROUND_HALF_UP, &r));
  ck_assert(!zdec_round(D("1.5"), 19, ZROUND_HALF_UP, &r));
  ck_assert(!zdec_round(D("1.5"), 0, (zround_mode)6, &r));
  /* raising the scale of 2^127 - 1 overflows */
  ck_assert(!zdec_round(mk(I128_MAX, 0), 1, ZROUND_HALF_UP, &r));
  ASSERT_MS(r, 42, 1);
  /* rounding the extreme value down in scale cannot overflow */
  ck_assert(zdec_round(mk(I128_MAX, 18), 0, ZROUND_UP, &r));
  ASSERT_TXT(r, "170141183460469231732");
}
END_TEST

/* ---- conversions ---- */

START_TEST(test_to_fen) {
  int64_t fen = 42;

  ck_assert(zdec_to_fen(D("1234.56"), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 123456);
  ck_assert(zdec_to_fen(D("1.5"), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 150);
  ck_assert(zdec_to_fen(D("-3"), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, -300);
  ck_assert(zdec_to_fen(D("0.005"), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 1);
  ck_assert(zdec_to_fen(D("-0.005"), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, -1);
  ck_assert(zdec_to_fen(D("0.019"), ZROUND_DOWN, &fen));
  ck_assert_int_eq(fen, 1);
  ck_assert(zdec_to_fen(D("-0.011"), ZROUND_FLOOR, &fen));
  ck_assert_int_eq(fen, -2);
}
END_TEST

START_TEST(test_to_fen_limits) {
  int64_t fen = 42;

  /* INT64_MAX = 9223372036854775807 fen = 92233720368547758.07 yuan */
  ck_assert(zdec_to_fen(D("92233720368547758.07"), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, INT64_MAX);
  ck_assert(zdec_to_fen(D("-92233720368547758.08"), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, INT64_MIN);
  fen = 42;
  ck_assert(!zdec_to_fen(D("92233720368547758.08"), ZROUND_HALF_UP, &fen));
  ck_assert(!zdec_to_fen(D("-92233720368547758.09"), ZROUND_HALF_UP, &fen));
  /* the rounding itself pushes past the limit, or not, by mode */
  ck_assert(!zdec_to_fen(D("92233720368547758.075"), ZROUND_HALF_UP, &fen));
  ck_assert(!zdec_to_fen(D("92233720368547758.071"), ZROUND_UP, &fen));
  ck_assert(!zdec_to_fen(D("-92233720368547758.085"), ZROUND_HALF_UP, &fen));
  ck_assert(!zdec_to_fen(mk(p10(36), 0), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 42); /* untouched on failure */
  ck_assert(zdec_to_fen(D("92233720368547758.075"), ZROUND_DOWN, &fen));
  ck_assert_int_eq(fen, INT64_MAX);
  /* tie, 8 is even: stays at ...58.08 */
  ck_assert(zdec_to_fen(D("-92233720368547758.085"), ZROUND_HALF_EVEN, &fen));
  ck_assert_int_eq(fen, INT64_MIN);
  /* 64-bit mantissas with more than two decimals (the quick path):
   * INT64_MAX thousandths are 922337203685477580.7 fen, INT64_MIN ones
   * -922337203685477580.8 */
  ck_assert(zdec_to_fen(mk(INT64_MAX, 3), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 922337203685477581);
  ck_assert(zdec_to_fen(mk(INT64_MAX, 3), ZROUND_DOWN, &fen));
  ck_assert_int_eq(fen, 922337203685477580);
  ck_assert(zdec_to_fen(mk(INT64_MIN, 3), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, -922337203685477581);
  ck_assert(zdec_to_fen(mk(INT64_MIN, 3), ZROUND_CEILING, &fen));
  ck_assert_int_eq(fen, -922337203685477580);
  ck_assert(zdec_to_fen(mk(INT64_MIN, 3), ZROUND_FLOOR, &fen));
  ck_assert_int_eq(fen, -922337203685477581);
  /* -0.025 yuan is -2.5 fen: a tie in every mode */
  static const struct {
    zround_mode mode;
    int64_t fen;
  } tie[] = {{ZROUND_HALF_UP, -3}, {ZROUND_HALF_EVEN, -2}, {ZROUND_DOWN, -2},
             {ZROUND_UP, -3},      {ZROUND_FLOOR, -3},     {ZROUND_CEILING, -2}};
  for (size_t i = 0; i < G_N_ELEMENTS(tie); i++) {
    ck_assert(zdec_to_fen(mk(-25, 3), tie[i].mode, &fen));
    ck_assert_int_eq(fen, tie[i].fen);
  }
  /* 1.23456789 yuan at 18 decimals: 123.456789 fen, rounded half up */
  ck_assert(zdec_to_fen(mk(1234567890000000000, 18), ZROUND_HALF_UP, &fen));
  ck_assert_int_eq(fen, 123);
}
END_TEST

START_TEST(test_to_int64) {
  int64_t v = 42;

  ck_assert(zdec_to_int64(D("5.00"), &v));
  ck_assert_int_eq(v, 5);
  ck_assert(zdec_to_int64(D("-0.0"), &v));
  ck_assert_int_eq(v, 0);
  ck_assert(zdec_to_int64(D("9223372036854775807"), &v));
  ck_assert_int_eq(v, INT64_MAX);
  ck_assert(zdec_to_int64(D("-9223372036854775808.000"), &v));
  ck_assert_int_eq(v, INT64_MIN);
  v = 42;
  ck_assert(!zdec_to_int64(D("5.01"), &v));
  ck_assert(!zdec_to_int64(D("-0.000000000000000001"), &v));
  ck_assert(!zdec_to_int64(D("9223372036854775808"), &v));
  ck_assert(!zdec_to_int64(D("-9223372036854775809"), &v));
  ck_assert_int_eq(v, 42);
}
END_TEST

START_TEST(test_rescale) {
  zdec r = {42, 1};

  ck_assert(zdec_rescale(D("1.5"), 3, &r));
  ASSERT_MS(r, 1500, 3);
  ck_assert(zdec_rescale(D("1.500"), 1, &r));
  ASSERT_MS(r, 15, 1);
  ck_assert(zdec_rescale(D("-2.00"), 0, &r));
  ASSERT_MS(r, -2, 0);
  r = mk(42, 1);
  ck_assert(!zdec_rescale(D("1.55"), 1, &r)); /* would drop a 5 */
  ck_assert(!zdec_rescale(D("1.5"), 19, &r));
  ck_assert(!zdec_rescale(D("1.5"), -1, &r));
  ck_assert(!zdec_rescale(mk(I128_MAX, 0), 1, &r));
  ASSERT_MS(r, 42, 1);
}
END_TEST

/* ---- comparison and sign ---- */

START_TEST(test_cmp) {
  ck_assert_int_eq(zdec_cmp(D("1.50"), D("1.5")), 0);
  ck_assert_int_eq(zdec_cmp(D("1.5"), D("1.49")), 1);
  ck_assert_int_eq(zdec_cmp(D("1.49"), D("1.5")), -1);
  ck_assert_int_eq(zdec_cmp(D("-0.5"), D("0.3")), -1);
  ck_assert_int_eq(zdec_cmp(D("0.3"), D("-0.5")), 1);
  ck_assert_int_eq(zdec_cmp(D("-1.5"), D("-1.49")), -1);
  ck_assert_int_eq(zdec_cmp(D("-0.9"), D("-1")), 1);
  ck_assert_int_eq(zdec_cmp(D("0"), D("-0.000")), 0);
  ck_assert_int_eq(zdec_cmp(D("2"), D("1.999999999999999999")), 1);
  ck_assert_int_eq(zdec_cmp(D("-2"), D("-1.999999999999999999")), -1);
  ck_assert_int_eq(zdec_cmp(D("100"), D("99.99")), 1);
}
END_TEST

START_TEST(test_cmp_no_overflow) {
  /* aligning 10^38 to scale 18 would need 10^56 */
  ck_assert_int_eq(zdec_cmp(mk(p10(38), 0), D("0.000000000000000001")), 1);
  ck_assert_int_eq(zdec_cmp(D("0.000000000000000001"), mk(p10(38), 0)), -1);
  ck_assert_int_eq(zdec_cmp(mk(I128_MAX, 0), mk(I128_MAX, 18)), 1);
  ck_assert_int_eq(zdec_cmp(mk(-I128_MAX, 0), mk(-I128_MAX, 18)), -1);
  ck_assert_int_eq(zdec_cmp(mk(-I128_MAX, 0), mk(I128_MAX, 18)), -1);
  ck_assert_int_eq(zdec_cmp(mk(I128_MAX, 18), mk(I128_MAX - 1, 18)), 1);
  /* same integer part 170141183460469231731; fractions
   * .687303715884105727 vs .68730371588410573(0); the latter is
   * (2^127 - 1) / 10 + 1 = ...410572 + 1 at scale 17 */
  ck_assert_int_eq(zdec_cmp(mk(I128_MAX, 18), mk(I128_MAX / 10 + 1, 17)), -1);
  ck_assert_int_eq(zdec_cmp(mk(I128_MAX / 10 + 1, 17), mk(I128_MAX, 18)), 1);
  ck_assert_int_eq(zdec_cmp(mk(I128_MAX / 10, 17), mk(I128_MAX, 18)), -1);
  ck_assert_int_eq(zdec_cmp(mk(p10(37) * 10, 0), mk(p10(38), 0)), 0);
  ck_assert_int_eq(zdec_cmp(mk(p10(20), 0), mk(p10(38), 18)), 0);
}
END_TEST

START_TEST(test_neg_sign) {
  ASSERT_MS(zdec_neg(D("1.5")), -15, 1);
  ASSERT_MS(zdec_neg(D("-0.01")), 1, 2);
  ck_assert(zdec_is_zero(zdec_neg(D("0"))));
  ck_assert(zdec_neg(mk(-I128_MAX, 3)).m == I128_MAX);
  ck_assert_int_eq(zdec_sign(D("0.001")), 1);
  ck_assert_int_eq(zdec_sign(D("-0.001")), -1);
  ck_assert_int_eq(zdec_sign(D("-0.000")), 0);
  ck_assert(zdec_is_zero(D("0.000")));
  ck_assert(!zdec_is_zero(D("0.000000000000000001")));
  ASSERT_MS(zdec_from_int(-7), -7, 0);
  ASSERT_MS(zdec_from_fen(12345), 12345, 2);
  ASSERT_TXT(zdec_from_fen(12345), "123.45");
}
END_TEST

static Suite *decimal_suite(void) {
  Suite *s = suite_create("decimal");
  TCase *tc;

  tc = tcase_create("parse-format");
  tcase_add_test(tc, test_parse_valid);
  tcase_add_test(tc, test_parse_invalid);
  tcase_add_test(tc, test_written_scale);
  tcase_add_test(tc, test_format_minimal);
  tcase_add_test(tc, test_format_places);
  tcase_add_test(tc, test_format_fen);
  tcase_add_test(tc, test_format_fen_grouped);
  suite_add_tcase(s, tc);

  tc = tcase_create("arithmetic");
  tcase_add_test(tc, test_add_sub);
  tcase_add_test(tc, test_inline_add_sub_mul);
  tcase_add_test(tc, test_add_sub_overflow);
  tcase_add_test(tc, test_mul);
  tcase_add_test(tc, test_mul_scale_rounding);
  tcase_add_test(tc, test_mul_wide);
  tcase_add_test(tc, test_mul_overflow);
  tcase_add_test(tc, test_div);
  tcase_add_test(tc, test_div_ties);
  tcase_add_test(tc, test_div_errors);
  tcase_add_test(tc, test_money_rate_days);
  suite_add_tcase(s, tc);

  tc = tcase_create("rounding-conversion");
  tcase_add_test(tc, test_round_modes);
  tcase_add_test(tc, test_round_ties);
  tcase_add_test(tc, test_round_edges);
  tcase_add_test(tc, test_to_fen);
  tcase_add_test(tc, test_to_fen_limits);
  tcase_add_test(tc, test_to_int64);
  tcase_add_test(tc, test_rescale);
  suite_add_tcase(s, tc);

  tc = tcase_create("compare");
  tcase_add_test(tc, test_cmp);
  tcase_add_test(tc, test_cmp_no_overflow);
  tcase_add_test(tc, test_neg_sign);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return ztest_run_suite(decimal_suite());
}
