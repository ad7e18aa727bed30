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

/* ---- months -------------------------------------------------------------- */

zdate zdate_end_of_month(zdate d) {
  int y, m, dd;
  zdate_to_ymd(d, &y, &m, &dd);
  return d + (zdate_days_in_month(y, m) - dd);
}

bool zdate_add_months(zdate d, int64_t n, zdate *out) {
  int y, m, dd;
  zdate_to_ymd(d, &y, &m, &dd);
  /* months since January of year 0; the bound keeps it far from overflow */
  if (n > 12 * ZDATE_MAX_YEAR || n < -12 * ZDATE_MAX_YEAR)
    return false;
  int64_t index = (int64_t)y * 12 + (m - 1) + n;
  if (index < 12 * ZDATE_MIN_YEAR || index >= 12 * (ZDATE_MAX_YEAR + 1))
    return false;
  int ny = (int)(index / 12), nm = (int)(index % 12) + 1;
  int last = zdate_days_in_month(ny, nm);
  return zdate_from_ymd(ny, nm, dd < last ? dd : last, out);
}

/* Whether days first..last of a month of `length` days count. */
static bool month_counts(int first, int last, int length, int rule) {
  if (first == 1 && last == length)
    return true;
  if (rule == ZMONTHS_FIRST_DAY)
    return first == 1;
  if (rule == ZMONTHS_WHOLE)
    return false;
  return last - first + 1 >= rule;
}

int64_t zdate_months_counted(zdate from, zdate to, int rule) {
  int y1, m1, d1, y2, m2, d2;
  if (to < from)
    return 0;
  zdate_to_ymd(from, &y1, &m1, &d1);
  zdate_to_ymd(to, &y2, &m2, &d2);
  int64_t first = (int64_t)y1 * 12 + m1, last = (int64_t)y2 * 12 + m2;
  if (first == last)
    return month_counts(d1, d2, zdate_days_in_month(y1, m1), rule);
  /* the months between the first and the last are covered whole */
  return (last - first - 1) + month_counts(d1, zdate_days_in_month(y1, m1), zdate_days_in_month(y1, m1), rule) +
         month_counts(1, d2, zdate_days_in_month(y2, m2), rule);
}

/* ---- periods ------------------------------------------------------------ */

/* A year from 1 to 9998 as exactly four digits at s, else -1. */
static int period_year(const char *s) {
  int y = parse_digits(s, 4);
  return y >= ZDATE_MIN_YEAR && y < ZDATE_MAX_YEAR ? y : -1;
}

/* The last day of the month `months` months after the start of (y, m). */
static zdate end_after_months(int y, int m, int months) {
  int index = y * 12 + (m - 1) + months - 1;
  int ey = index / 12, em = index % 12 + 1;
  zdate d;
  zdate_from_ymd(ey, em, zdate_days_in_month(ey, em), &d);
  return d;
}

/* `months` months from the first of (y, m); year is the period's name. */
static bool span(int y, int m, int months, zperiod *out) {
  if (y < 0 || m < 1 || m > 12)
    return false;
  zdate_from_ymd(y, m, 1, &out->start);
  out->end = end_after_months(y, m, months);
  out->year = y;
  return true;
}

/* The forms, each recognised by its length and its letters. */
static bool parse_as(const char *t, size_t n, zperiod_kind kind, zperiod *out) {
  switch (kind.unit) {
  case ZPERIOD_YEAR:
    return n == 4 && span(period_year(t), 1, 12, out);
  case ZPERIOD_HALF:
    return n == 6 && t[4] == 'H' && (t[5] == '1' || t[5] == '2') && span(period_year(t), t[5] == '1' ? 1 : 7, 6, out);
  case ZPERIOD_QUARTER:
    return n == 6 && t[4] == 'Q' && t[5] >= '1' && t[5] <= '4' && span(period_year(t), (t[5] - '1') * 3 + 1, 3, out);
  case ZPERIOD_MONTH:
    return n == 7 && t[4] == '-' && span(period_year(t), parse_digits(t + 5, 2), 1, out);
  case ZPERIOD_FISCAL:
    return n == 6 && t[0] == 'F' && t[1] == 'Y' && span(period_year(t + 2), kind.start_month, 12, out);
  }
  return false;
}

bool zperiod_resolve(const char *text, zperiod_kind kind, zperiod *out) {
  return text && parse_as(text, strlen(text), kind, out);
}

bool zperiod_parse(const char *text, int *year) {
  static const zperiod_kind kinds[] = {
      {ZPERIOD_YEAR, 1}, {ZPERIOD_HALF, 1}, {ZPERIOD_QUARTER, 1}, {ZPERIOD_MONTH, 1}, {ZPERIOD_FISCAL, 1}};
  zperiod p;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (zperiod_resolve(text, kinds[i], &p)) {
      *year = p.year;
      return true;
    }
  return false;
}

static const char *const unit_names[] = {"year", "half-year", "quarter", "month", "fiscal-year"};

bool zperiod_unit_parse(const char *name, zperiod_unit *out) {
  for (size_t i = 0; name && i < sizeof unit_names / sizeof unit_names[0]; i++)
    if (strcmp(name, unit_names[i]) == 0) {
      *out = (zperiod_unit)i;
      return true;
    }
  return false;
}

const char *zperiod_unit_name(zperiod_unit unit) {
  return (unsigned)unit < sizeof unit_names / sizeof unit_names[0] ? unit_names[unit] : "?";
}

const char *zperiod_form(zperiod_kind kind) {
  switch (kind.unit) {
  case ZPERIOD_YEAR:
    return "a year YYYY (e.g. 2025)";
  case ZPERIOD_HALF:
    return "a half-year YYYYH1 or YYYYH2 (e.g. 2025H1)";
  case ZPERIOD_QUARTER:
    return "a quarter YYYYQ1 to YYYYQ4 (e.g. 2025Q3)";
  case ZPERIOD_MONTH:
    return "a month YYYY-MM (e.g. 2025-07)";
  case ZPERIOD_FISCAL:
    return "a fiscal year FYYYYY, named by the year it starts in (e.g. FY2025)";
  }
  return "a period";
}
