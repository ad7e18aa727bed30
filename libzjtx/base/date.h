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
/* A period as the engine takes it, from the caller or the facts: exactly
 * "YYYY", a calendar year from 1 to 9998.  True with its year. */
bool zperiod_parse(const char *text, int *year);

#endif
