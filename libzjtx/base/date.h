/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* date.h - proleptic Gregorian calendar dates as day numbers.
 *
 * A zdate is the number of days since 1970-01-01 (negative before).  Only
 * years 1..9999 are valid.  Arithmetic on day numbers is plain integer
 * arithmetic: days between a and b is b - a. */
#ifndef ZJTX_DATE_H
#define ZJTX_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int32_t zdate;

bool zdate_is_leap(int year);
int zdate_days_in_month(int year, int month);
/* false if (y, m, d) is not a real calendar date within years 1..9999 */
bool zdate_from_ymd(int y, int m, int d, zdate *out);
void zdate_to_ymd(zdate d, int *y, int *m, int *dd);
/* Exactly "YYYY-MM-DD" (10 characters, a real date), else false. */
bool zdate_parse(const char *s, size_t len, zdate *out);
/* Writes "YYYY-MM-DD" and a NUL: buf must hold 11 bytes. Returns buf. */
char *zdate_format(zdate d, char *buf);
int zdate_year(zdate d);
int zdate_month(zdate d);
int zdate_day(zdate d);
/* ---- months -------------------------------------------------------------- */

/* The last day of d's month. */
zdate zdate_end_of_month(zdate d);
/* d moved by n calendar months (n may be negative), its day clamped to the
 * new month's last: 2025-01-31 + 1 month = 2025-02-28.  False if the
 * result leaves years 1..9999. */
bool zdate_add_months(zdate d, int64_t n, zdate *out);

/* When a month partly inside a range counts (months(from, to, rule)): a
 * month the range covers whole always counts; one it covers in part counts
 * if the range covers its first day (ZMONTHS_FIRST_DAY), or at least
 * `rule` days of it (1..31; 1 is "any day"); ZMONTHS_WHOLE: only whole
 * months count. */
enum { ZMONTHS_WHOLE = 0, ZMONTHS_ANY_DAY = 1, ZMONTHS_MAX_DAYS = 31, ZMONTHS_FIRST_DAY = 32 };
/* The months of from..to (both days included) that count under `rule`;
 * 0 when to is before from. */
int64_t zdate_months_counted(zdate from, zdate to, int rule);

/* A period as the engine takes it, from the caller or the facts, in any of
 * the forms below (the policy's period unit is checked later, by
 * zperiod_resolve).  True with the year it names (period.year). */
bool zperiod_parse(const char *text, int *year);

/* ---- periods of a declared unit ------------------------------------------ */

/* What a policy's period is (<period unit=...>), and how it is written:
 *   YEAR     "2025"     2025-01-01 .. 2025-12-31 (the default)
 *   HALF     "2025H1"   2025-01-01 .. 2025-06-30; "2025H2" from July
 *   QUARTER  "2025Q3"   2025-07-01 .. 2025-09-30
 *   MONTH    "2025-07"  2025-07-01 .. 2025-07-31
 *   FISCAL   "FY2025"   twelve months from start_month of 2025: with
 *            start-month 7, 2025-07-01 .. 2026-06-30.  A fiscal year is
 *            named by the calendar year it starts in.
 * Years run from 1 to 9998, so that every period ends within 9999. */
typedef enum { ZPERIOD_YEAR, ZPERIOD_HALF, ZPERIOD_QUARTER, ZPERIOD_MONTH, ZPERIOD_FISCAL } zperiod_unit;

typedef struct {
  zperiod_unit unit;
  int start_month; /* FISCAL: the month it starts in, 1..12; else 1 */
} zperiod_kind;

/* One period: its first and last day and the year that names it. */
typedef struct {
  zdate start, end;
  int year;
} zperiod;

/* "year", "half-year", "quarter", "month", "fiscal-year": false otherwise. */
bool zperiod_unit_parse(const char *name, zperiod_unit *out);
const char *zperiod_unit_name(zperiod_unit unit);
/* How a period of this kind is written, for messages: "YYYYQ1 to YYYYQ4,
 * e.g. 2025Q3".  Static. */
const char *zperiod_form(zperiod_kind kind);
/* The period `text` is, written as `kind` says; false if it is not one. */
bool zperiod_resolve(const char *text, zperiod_kind kind, zperiod *out);

#endif
