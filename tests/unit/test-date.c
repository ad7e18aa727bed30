/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-date.c - unit tests for libzjtx/base/date.c.
 *
 * Day numbers are worked out by hand in the comments, e.g. 2025-01-01 is
 * 55 years after 1970 with 14 leap days (1972..2024): 55 * 365 + 14. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "test-util.h"

static zdate ymd(int y, int m, int d) {
  zdate z;

  ck_assert_msg(zdate_from_ymd(y, m, d, &z), "%04d-%02d-%02d invalid", y, m, d);
  return z;
}

static bool parses(const char *s) {
  zdate z;

  return zdate_parse(s, strlen(s), &z);
}

START_TEST(test_leap_years) {
  ck_assert(zdate_is_leap(2024));
  ck_assert(!zdate_is_leap(2025));
  ck_assert(!zdate_is_leap(1900)); /* divisible by 100, not by 400 */
  ck_assert(zdate_is_leap(2000));  /* divisible by 400 */
  ck_assert(!zdate_is_leap(2100));
  ck_assert(zdate_is_leap(2400));
  ck_assert(zdate_is_leap(4));
  ck_assert(!zdate_is_leap(1));
}
END_TEST

START_TEST(test_days_in_month) {
  static const int y2025[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  for (int m = 1; m <= 12; m++)
    ck_assert_int_eq(zdate_days_in_month(2025, m), y2025[m - 1]);
  ck_assert_int_eq(zdate_days_in_month(2024, 2), 29);
  ck_assert_int_eq(zdate_days_in_month(1900, 2), 28);
  ck_assert_int_eq(zdate_days_in_month(2000, 2), 29);
  ck_assert_int_eq(zdate_days_in_month(2025, 0), 0);
  ck_assert_int_eq(zdate_days_in_month(2025, 13), 0);
}
END_TEST

START_TEST(test_known_day_numbers) {
  ck_assert_int_eq(ymd(1970, 1, 1), 0);
  ck_assert_int_eq(ymd(1970, 1, 2), 1);
  ck_assert_int_eq(ymd(1969, 12, 31), -1);
  /* 30 years, 7 leap days (1972..1996): 10950 + 7 */
  ck_assert_int_eq(ymd(2000, 1, 1), 10957);
  /* 55 * 365 + 14 = 20075 + 14 */
  ck_assert_int_eq(ymd(2025, 1, 1), 20089);
  /* 2024-01-01 = 20089 - 366; + 31 (January) + 28 */
  ck_assert_int_eq(ymd(2024, 2, 29), 19782);
  ck_assert_int_eq(ymd(2024, 3, 1), 19783);
  /* 2025-01-01 + 31 + 28 + 31 + 30 + 31 + 30 = + 181 */
  ck_assert_int_eq(ymd(2025, 7, 1), 20270);
  /* 1969 years of 365 days and 492 - 19 + 4 = 477 leap days lie between
   * 0001-01-01 and 1970-01-01: 718685 + 477 */
  ck_assert_int_eq(ymd(1, 1, 1), -719162);
  /* 9998 years (9998 * 365 + 2499 - 99 + 24 days) plus 364 days after
   * 0001-01-01: 3649270 + 2424 + 364 - 719162 */
  ck_assert_int_eq(ymd(9999, 12, 31), 2932896);
}
END_TEST

START_TEST(test_days_between) {
  ck_assert_int_eq(ymd(2026, 1, 1) - ymd(2025, 1, 1), 365);
  ck_assert_int_eq(ymd(2025, 1, 1) - ymd(2024, 1, 1), 366);
  ck_assert_int_eq(ymd(2001, 1, 1) - ymd(2000, 1, 1), 366);
  ck_assert_int_eq(ymd(1901, 1, 1) - ymd(1900, 1, 1), 365);
  ck_assert_int_eq(ymd(2024, 3, 1) - ymd(2024, 2, 28), 2);
  ck_assert_int_eq(ymd(2025, 3, 1) - ymd(2025, 2, 28), 1);
  ck_assert_int_eq(ymd(2025, 12, 31) - ymd(2025, 1, 1), 364);
  /* 400 Gregorian years are 146097 days */
  ck_assert_int_eq(ymd(2400, 1, 1) - ymd(2000, 1, 1), 146097);
}
END_TEST

START_TEST(test_from_ymd_invalid) {
  zdate z = 42;

  ck_assert(!zdate_from_ymd(2025, 2, 29, &z));
  ck_assert(!zdate_from_ymd(1900, 2, 29, &z));
  ck_assert(!zdate_from_ymd(2100, 2, 29, &z));
  ck_assert(!zdate_from_ymd(2025, 4, 31, &z));
  ck_assert(!zdate_from_ymd(2025, 1, 32, &z));
  ck_assert(!zdate_from_ymd(2025, 1, 0, &z));
  ck_assert(!zdate_from_ymd(2025, 0, 1, &z));
  ck_assert(!zdate_from_ymd(2025, 13, 1, &z));
  ck_assert(!zdate_from_ymd(0, 1, 1, &z));
  ck_assert(!zdate_from_ymd(10000, 1, 1, &z));
  ck_assert(!zdate_from_ymd(-1, 1, 1, &z));
  ck_assert_int_eq(z, 42); /* untouched on failure */
  ck_assert(zdate_from_ymd(2000, 2, 29, &z));
  ck_assert(zdate_from_ymd(2024, 2, 29, &z));
}
END_TEST

START_TEST(test_to_ymd) {
  int y, m, d;

  zdate_to_ymd(0, &y, &m, &d);
  ck_assert_int_eq(y, 1970);
  ck_assert_int_eq(m, 1);
  ck_assert_int_eq(d, 1);
  zdate_to_ymd(-1, &y, &m, &d);
  ck_assert_int_eq(y, 1969);
  ck_assert_int_eq(m, 12);
  ck_assert_int_eq(d, 31);
  zdate_to_ymd(19782, &y, &m, &d);
  ck_assert_int_eq(y, 2024);
  ck_assert_int_eq(m, 2);
  ck_assert_int_eq(d, 29);
  zdate_to_ymd(-719162, &y, &m, &d);
  ck_assert_int_eq(y, 1);
  ck_assert_int_eq(m, 1);
  ck_assert_int_eq(d, 1);
  zdate_to_ymd(2932896, &y, &m, &d);
  ck_assert_int_eq(y, 9999);
  ck_assert_int_eq(m, 12);
  ck_assert_int_eq(d, 31);
  ck_assert_int_eq(zdate_year(20270), 2025);
  ck_assert_int_eq(zdate_month(20270), 7);
  ck_assert_int_eq(zdate_day(20270), 1);
  ck_assert_int_eq(zdate_year(10957), 2000);
  ck_assert_int_eq(zdate_month(10957 + 59), 2); /* 2000-02-29: 31 + 28 */
  ck_assert_int_eq(zdate_day(10957 + 59), 29);
  ck_assert_int_eq(zdate_month(10957 + 60), 3);
  ck_assert_int_eq(zdate_day(10957 + 60), 1);
}
END_TEST

START_TEST(test_parse_valid) {
  zdate z = 0;

  ck_assert(zdate_parse("2024-02-29", 10, &z));
  ck_assert_int_eq(z, 19782);
  ck_assert(zdate_parse("1970-01-01", 10, &z));
  ck_assert_int_eq(z, 0);
  ck_assert(zdate_parse("2000-02-29", 10, &z));
  ck_assert_int_eq(z, 10957 + 59);
  ck_assert(zdate_parse("0001-01-01", 10, &z));
  ck_assert_int_eq(z, -719162);
  ck_assert(zdate_parse("9999-12-31", 10, &z));
  ck_assert_int_eq(z, 2932896);
  /* only len characters are read */
  ck_assert(zdate_parse("2025-07-01junk", 10, &z));
  ck_assert_int_eq(z, 20270);
}
END_TEST

START_TEST(test_parse_invalid) {
  static const char *bad[] = {
      "2025-02-29",  "2024-13-01",  "2025-1-5",   "2025-01-5",  "2025-1-05",  "2025-01-05x",
      "2025-01-05 ", " 2025-01-05", "2025/01/05", "20250105",   "",           "0000-01-01",
      "2025-00-10",  "2025-01-00",  "2025-04-31", "1900-02-29", "+025-01-01", "-025-01-01",
      "2025--1-01",  "2025-0a-01",  "2025-01-0a", "2025-01-1 ", "2025-1--01", "99999-01-01",
      "2025-01-01T",
  };
  zdate z = 42;

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(!parses(bad[i]), "accepted \"%s\"", bad[i]);
  ck_assert(!zdate_parse("2025-01-05", 9, &z)); /* too short a length */
  ck_assert(!zdate_parse("2025-01\0"
                         "05",
                         10, &z));
  ck_assert(!zdate_parse(NULL, 10, &z));
  ck_assert_int_eq(z, 42);
}
END_TEST

START_TEST(test_format) {
  char b[11];

  ck_assert_str_eq(zdate_format(0, b), "1970-01-01");
  ck_assert_str_eq(zdate_format(-1, b), "1969-12-31");
  ck_assert_str_eq(zdate_format(19782, b), "2024-02-29");
  ck_assert_str_eq(zdate_format(20270, b), "2025-07-01");
  ck_assert_str_eq(zdate_format(-719162, b), "0001-01-01");
  ck_assert_str_eq(zdate_format(2932896, b), "9999-12-31");
  /* outside years 1..9999 there is no YYYY-MM-DD form */
  ck_assert_str_eq(zdate_format(2932897, b), "0000-00-00");
  ck_assert_str_eq(zdate_format(-719163, b), "0000-00-00");
}
END_TEST

/* Every day of years 1..9999: text round trip, and consecutive day numbers
 * are consecutive calendar days.  Plain checks in the loop (ck_assert is
 * costly per call); the first failing day number is reported. */
static bool day_follows(int y, int m, int d, int py, int pm, int pd) {
  if (d != 1)
    return y == py && m == pm && d == pd + 1;
  /* the first of a month follows the last of the previous month */
  return pd == zdate_days_in_month(py, pm) && ((y == py && m == pm + 1) || (y == py + 1 && m == 1 && pm == 12));
}

START_TEST(test_round_trip_all_days) {
  int py = 0, pm = 12, pd = 31; /* the day before 0001-01-01 */
  zdate bad = 0;
  bool ok = true;

  for (zdate z = -719162; ok && z <= 2932896; z++) {
    char b[11];
    zdate back = 0;
    int y, m, d;

    zdate_to_ymd(z, &y, &m, &d);
    ok = day_follows(y, m, d, py, pm, pd) && zdate_parse(zdate_format(z, b), 10, &back) && back == z;
    bad = z;
    py = y;
    pm = m;
    pd = d;
  }
  ck_assert_msg(ok, "day %d", (int)bad);
  ck_assert(py == 9999 && pm == 12 && pd == 31);
}
END_TEST

/* ---- periods ------------------------------------------------------------- */

static void ck_period(const char *text, zperiod_unit unit, int start_month, zdate start, zdate end, int year) {
  zperiod p;
  ck_assert_msg(zperiod_resolve(text, (zperiod_kind){unit, start_month}, &p), "%s refused", text);
  ck_assert_msg(p.start == start && p.end == end && p.year == year, "%s", text);
  int any_year;
  ck_assert(zperiod_parse(text, &any_year) && any_year == year);
}

START_TEST(test_period_forms) {
  ck_period("2025", ZPERIOD_YEAR, 1, ymd(2025, 1, 1), ymd(2025, 12, 31), 2025);
  ck_period("2025H1", ZPERIOD_HALF, 1, ymd(2025, 1, 1), ymd(2025, 6, 30), 2025);
  ck_period("2025H2", ZPERIOD_HALF, 1, ymd(2025, 7, 1), ymd(2025, 12, 31), 2025);
  ck_period("2025Q1", ZPERIOD_QUARTER, 1, ymd(2025, 1, 1), ymd(2025, 3, 31), 2025);
  ck_period("2024Q1", ZPERIOD_QUARTER, 1, ymd(2024, 1, 1), ymd(2024, 3, 31), 2024);
  ck_period("2025Q3", ZPERIOD_QUARTER, 1, ymd(2025, 7, 1), ymd(2025, 9, 30), 2025);
  ck_period("2025Q4", ZPERIOD_QUARTER, 1, ymd(2025, 10, 1), ymd(2025, 12, 31), 2025);
  ck_period("2024-02", ZPERIOD_MONTH, 1, ymd(2024, 2, 1), ymd(2024, 2, 29), 2024);
  ck_period("2025-02", ZPERIOD_MONTH, 1, ymd(2025, 2, 1), ymd(2025, 2, 28), 2025);
  ck_period("2025-12", ZPERIOD_MONTH, 1, ymd(2025, 12, 1), ymd(2025, 12, 31), 2025);
  /* a fiscal year is named by the year it starts in */
  ck_period("FY2025", ZPERIOD_FISCAL, 7, ymd(2025, 7, 1), ymd(2026, 6, 30), 2025);
  ck_period("FY2023", ZPERIOD_FISCAL, 3, ymd(2023, 3, 1), ymd(2024, 2, 29), 2023);
  ck_period("FY2025", ZPERIOD_FISCAL, 1, ymd(2025, 1, 1), ymd(2025, 12, 31), 2025);
  ck_period("FY9998", ZPERIOD_FISCAL, 12, ymd(9998, 12, 1), ymd(9999, 11, 30), 9998);
  ck_period("0001", ZPERIOD_YEAR, 1, ymd(1, 1, 1), ymd(1, 12, 31), 1);
  ck_period("9998", ZPERIOD_YEAR, 1, ymd(9998, 1, 1), ymd(9998, 12, 31), 9998);
}
END_TEST

START_TEST(test_period_refused) {
  static const struct {
    const char *text;
    zperiod_unit unit;
  } bad[] = {
      {"2025Q3", ZPERIOD_YEAR},    {"25", ZPERIOD_YEAR},        {"0000", ZPERIOD_YEAR},
      {"9999", ZPERIOD_YEAR},      {"2025H3", ZPERIOD_HALF},    {"2025h1", ZPERIOD_HALF},
      {"2025", ZPERIOD_HALF},      {"2025Q0", ZPERIOD_QUARTER}, {"2025Q5", ZPERIOD_QUARTER},
      {"2025-7", ZPERIOD_MONTH},   {"2025-13", ZPERIOD_MONTH},  {"2025-00", ZPERIOD_MONTH},
      {"2025", ZPERIOD_FISCAL},    {"FY25", ZPERIOD_FISCAL},    {"fy2025", ZPERIOD_FISCAL},
      {"FY2025 ", ZPERIOD_FISCAL}, {"", ZPERIOD_YEAR},          {"2025-07", ZPERIOD_QUARTER},
      {"FY9999", ZPERIOD_FISCAL},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    zperiod p;
    ck_assert_msg(!zperiod_resolve(bad[i].text, (zperiod_kind){bad[i].unit, 7}, &p), "%s accepted", bad[i].text);
  }
  zperiod p;
  int year;
  ck_assert(!zperiod_resolve(NULL, (zperiod_kind){ZPERIOD_YEAR, 1}, &p));
  ck_assert(!zperiod_parse(NULL, &year));
  ck_assert(!zperiod_parse("2025X1", &year));
}
END_TEST

START_TEST(test_period_units) {
  static const char *const names[] = {"year", "half-year", "quarter", "month", "fiscal-year"};
  for (int i = 0; i < 5; i++) {
    zperiod_unit u;
    ck_assert(zperiod_unit_parse(names[i], &u) && (int)u == i);
    ck_assert_str_eq(zperiod_unit_name(u), names[i]);
  }
  zperiod_unit u;
  ck_assert(!zperiod_unit_parse("semester", &u));
  ck_assert(!zperiod_unit_parse(NULL, &u));
  ck_assert_str_eq(zperiod_form((zperiod_kind){ZPERIOD_QUARTER, 1}), "a quarter YYYYQ1 to YYYYQ4 (e.g. 2025Q3)");
}
END_TEST

/* ---- months --------------------------------------------------------------- */

START_TEST(test_end_of_month) {
  ck_assert_int_eq(zdate_end_of_month(ymd(2025, 1, 1)), ymd(2025, 1, 31));
  ck_assert_int_eq(zdate_end_of_month(ymd(2024, 2, 10)), ymd(2024, 2, 29));
  ck_assert_int_eq(zdate_end_of_month(ymd(2025, 2, 28)), ymd(2025, 2, 28));
  ck_assert_int_eq(zdate_end_of_month(ymd(1900, 2, 1)), ymd(1900, 2, 28));
  ck_assert_int_eq(zdate_end_of_month(ymd(9999, 12, 5)), ymd(9999, 12, 31));
}
END_TEST

static zdate plus_months(zdate d, int64_t n) {
  zdate out;
  ck_assert(zdate_add_months(d, n, &out));
  return out;
}

START_TEST(test_add_months) {
  /* the day is kept when the month has it, else clamped to its last */
  ck_assert_int_eq(plus_months(ymd(2025, 1, 31), 1), ymd(2025, 2, 28));
  ck_assert_int_eq(plus_months(ymd(2024, 1, 31), 1), ymd(2024, 2, 29));
  ck_assert_int_eq(plus_months(ymd(2025, 3, 31), 1), ymd(2025, 4, 30));
  ck_assert_int_eq(plus_months(ymd(2025, 1, 15), 1), ymd(2025, 2, 15));
  ck_assert_int_eq(plus_months(ymd(2025, 11, 30), 3), ymd(2026, 2, 28));
  ck_assert_int_eq(plus_months(ymd(2024, 2, 29), 12), ymd(2025, 2, 28));
  ck_assert_int_eq(plus_months(ymd(2024, 2, 29), 48), ymd(2028, 2, 29));
  ck_assert_int_eq(plus_months(ymd(2025, 12, 31), 0), ymd(2025, 12, 31));
  ck_assert_int_eq(plus_months(ymd(2025, 3, 31), -1), ymd(2025, 2, 28));
  ck_assert_int_eq(plus_months(ymd(2025, 1, 31), -13), ymd(2023, 12, 31));
  ck_assert_int_eq(plus_months(ymd(2025, 7, 1), -60), ymd(2020, 7, 1));
  ck_assert_int_eq(plus_months(ymd(1, 1, 1), 119987), ymd(9999, 12, 1));
  zdate out;
  ck_assert(!zdate_add_months(ymd(9999, 12, 1), 1, &out));
  ck_assert(!zdate_add_months(ymd(1, 1, 1), -1, &out));
  ck_assert(!zdate_add_months(ymd(2025, 1, 1), INT64_MAX, &out));
  ck_assert(!zdate_add_months(ymd(2025, 1, 1), INT64_MIN, &out));
}
END_TEST

START_TEST(test_months_counted) {
  zdate jan15 = ymd(2025, 1, 15), jul1 = ymd(2025, 7, 1), jul15 = ymd(2025, 7, 15), dec31 = ymd(2025, 12, 31);
  /* 2025-07-15 .. 2025-12-31: 17 days of July, August to December whole (5) */
  ck_assert_int_eq(zdate_months_counted(jul15, dec31, ZMONTHS_FIRST_DAY), 5);
  ck_assert_int_eq(zdate_months_counted(jul15, dec31, ZMONTHS_ANY_DAY), 6);
  ck_assert_int_eq(zdate_months_counted(jul15, dec31, 17), 6);
  ck_assert_int_eq(zdate_months_counted(jul15, dec31, 18), 5);
  ck_assert_int_eq(zdate_months_counted(jul15, dec31, ZMONTHS_WHOLE), 5);
  /* 2025-01-15 .. 2025-07-01: 17 days of January, February to June (5), 1 day of July (its first) */
  ck_assert_int_eq(zdate_months_counted(jan15, jul1, ZMONTHS_FIRST_DAY), 6);
  ck_assert_int_eq(zdate_months_counted(jan15, jul1, ZMONTHS_ANY_DAY), 7);
  ck_assert_int_eq(zdate_months_counted(jan15, jul1, 15), 6);
  ck_assert_int_eq(zdate_months_counted(jan15, jul1, ZMONTHS_WHOLE), 5);
  /* within one month */
  ck_assert_int_eq(zdate_months_counted(jul1, jul15, ZMONTHS_FIRST_DAY), 1);
  ck_assert_int_eq(zdate_months_counted(jul15, jul15, ZMONTHS_ANY_DAY), 1);
  ck_assert_int_eq(zdate_months_counted(jul15, jul15, ZMONTHS_FIRST_DAY), 0);
  ck_assert_int_eq(zdate_months_counted(jul1, jul15, 15), 1);
  ck_assert_int_eq(zdate_months_counted(jul1, jul15, 16), 0);
  ck_assert_int_eq(zdate_months_counted(jul1, ymd(2025, 7, 31), ZMONTHS_WHOLE), 1);
  /* a whole February counts even when the rule asks for more days than it has */
  ck_assert_int_eq(zdate_months_counted(ymd(2025, 2, 1), ymd(2025, 2, 28), 31), 1);
  ck_assert_int_eq(zdate_months_counted(ymd(2024, 2, 1), ymd(2024, 2, 28), ZMONTHS_WHOLE), 0);
  /* to before from: none */
  ck_assert_int_eq(zdate_months_counted(dec31, jul1, ZMONTHS_ANY_DAY), 0);
  /* every month of the calendar */
  ck_assert_int_eq(zdate_months_counted(ymd(1, 1, 1), ymd(9999, 12, 31), ZMONTHS_WHOLE), 119988);
}
END_TEST

/* The same count, one day at a time: a cross-check of the closed form. */
static int64_t months_by_days(zdate from, zdate to, int rule) {
  int64_t n = 0;
  for (zdate d = from; d <= to;) {
    int y, m, dd;
    zdate_to_ymd(d, &y, &m, &dd);
    zdate last = zdate_end_of_month(d) < to ? zdate_end_of_month(d) : to;
    int days = (int)(last - d) + 1, length = zdate_days_in_month(y, m);
    bool whole = dd == 1 && days == length;
    if (whole || (rule == ZMONTHS_FIRST_DAY && dd == 1) ||
        (rule != ZMONTHS_FIRST_DAY && rule != ZMONTHS_WHOLE && days >= rule))
      n++;
    d = last + 1;
  }
  return n;
}

START_TEST(test_months_counted_by_days) {
  static const int rules[] = {ZMONTHS_WHOLE, ZMONTHS_ANY_DAY, 15, 28, 31, ZMONTHS_FIRST_DAY};
  zdate base = ymd(2023, 11, 1);
  for (int from = 0; from < 120; from += 3)
    for (int to = from - 5; to < 520; to += 7)
      for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
        ck_assert_msg(zdate_months_counted(base + from, base + to, rules[r]) ==
                          months_by_days(base + from, base + to, rules[r]),
                      "from +%d to +%d rule %d", from, to, rules[r]);
}
END_TEST

static Suite *date_suite(void) {
  Suite *s = suite_create("date");
  TCase *tc = tcase_create("calendar");

  tcase_add_test(tc, test_leap_years);
  tcase_add_test(tc, test_days_in_month);
  tcase_add_test(tc, test_known_day_numbers);
  tcase_add_test(tc, test_days_between);
  tcase_add_test(tc, test_from_ymd_invalid);
  tcase_add_test(tc, test_to_ymd);
  suite_add_tcase(s, tc);

  tc = tcase_create("text");
  tcase_add_test(tc, test_parse_valid);
  tcase_add_test(tc, test_parse_invalid);
  tcase_add_test(tc, test_format);
  tcase_add_test(tc, test_round_trip_all_days);
  suite_add_tcase(s, tc);

  tc = tcase_create("periods and months");
  tcase_add_test(tc, test_period_forms);
  tcase_add_test(tc, test_period_refused);
  tcase_add_test(tc, test_period_units);
  tcase_add_test(tc, test_end_of_month);
  tcase_add_test(tc, test_add_months);
  tcase_add_test(tc, test_months_counted);
  tcase_add_test(tc, test_months_counted_by_days);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return ztest_run_suite(date_suite());
}
