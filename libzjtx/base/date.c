/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* date.c - proleptic Gregorian dates as days since 1970-01-01 (see date.h).
 *
 * Conversions use Howard Hinnant's days_from_civil / civil_from_days, which
 * count in 400-year eras (146097 days) of a calendar whose year starts on
 * March 1st, so that the leap day is the last day of the year and month
 * lengths follow a closed formula. */

#include "date.h"

#include <string.h>

#define ZDATE_MIN_YEAR 1
#define ZDATE_MAX_YEAR 9999
/* days from 0000-03-01 (start of era 0 in the shifted calendar) to 1970-01-01 */
#define EPOCH_SHIFT 719468

bool zdate_is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int zdate_days_in_month(int year, int month) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  if (month < 1 || month > 12)
    return 0;
  return month == 2 && zdate_is_leap(year) ? 29 : days[month - 1];
}

/* Valid only for a real date; y >= 1 keeps every quantity non-negative. */
static zdate days_from_civil(int y, int m, int d) {
  int era, yoe, doy, doe;

  y -= m <= 2; /* January and February belong to the previous March-year */
  era = y / 400;
  yoe = y - era * 400;                                   /* [0, 399] */
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
  return era * 146097 + doe - EPOCH_SHIFT;
}

bool zdate_from_ymd(int y, int m, int d, zdate *out) {
  if (y < ZDATE_MIN_YEAR || y > ZDATE_MAX_YEAR || d < 1 || d > zdate_days_in_month(y, m))
    return false;
  *out = days_from_civil(y, m, d);
  return true;
}

void zdate_to_ymd(zdate d, int *y, int *m, int *dd) {
  /* int64 so that any int32 day number shifts without overflow */
  int64_t z = (int64_t)d + EPOCH_SHIFT;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097; /* floor division */
  int64_t doe = z - era * 146097;                   /* [0, 146096] */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365] */
  int64_t mp = (5 * doy + 2) / 153;                      /* 0 = March */
  int month = (int)(mp < 10 ? mp + 3 : mp - 9);

  *dd = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = month;
  *y = (int)(yoe + era * 400 + (month <= 2));
}

/* n decimal digits of s as a number, or -1 if one is not a digit. */
static int parse_digits(const char *s, int n) {
  int v = 0;

  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool zdate_parse(const char *s, size_t len, zdate *out) {
  if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-')
    return false;
  /* a bad field gives -1, which zdate_from_ymd rejects */
  return zdate_from_ymd(parse_digits(s, 4), parse_digits(s + 5, 2), parse_digits(s + 8, 2), out);
}

/* Write v as exactly n digits (v >= 0 and below 10^n). */
static void put_digits(char *p, int v, int n) {
  for (int i = n - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
}

/* A day outside years 1..9999 has no YYYY-MM-DD form: "0000-00-00". */
char *zdate_format(zdate d, char *buf) {
  int y, m, dd;

  zdate_to_ymd(d, &y, &m, &dd);
  if (y < ZDATE_MIN_YEAR || y > ZDATE_MAX_YEAR)
    y = m = dd = 0;
  put_digits(buf, y, 4);
  buf[4] = '-';
  put_digits(buf + 5, m, 2);
  buf[7] = '-';
  put_digits(buf + 8, dd, 2);
  buf[10] = '\0';
  return buf;
}

int zdate_year(zdate d) {
  int y, m, dd;

  zdate_to_ymd(d, &y, &m, &dd);
  return y;
}

int zdate_month(zdate d) {
  int y, m, dd;

  zdate_to_ymd(d, &y, &m, &dd);
  return m;
}

int zdate_day(zdate d) {
  int y, m, dd;

  zdate_to_ymd(d, &y, &m, &dd);
  return dd;
}

bool zperiod_parse(const char *text, int *year) {
  zdate d;
  char buf[11];
  if (!text || strlen(text) != 4)
    return false;
  memcpy(buf, text, 4);
  memcpy(buf + 4, "-01-01", 7);
  if (!zdate_parse(buf, 10, &d))
    return false;
  *year = zdate_year(d);
  return *year < 9999;
}
