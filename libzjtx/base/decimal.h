/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* decimal.h - exact decimal numbers: a 128-bit mantissa and a power-of-ten scale.
 *
 * value = m / 10^scale, 0 <= scale <= ZDEC_MAX_SCALE.  Addition, subtraction,
 * multiplication and comparison are exact; division is carried to
 * ZDEC_MAX_SCALE decimal places (rounded half-even there), which is far below
 * the fen so the final rounding is that of exact arithmetic.  Every operation
 * that would leave the 128-bit range reports overflow instead of wrapping.
 * No binary floating point anywhere. */
#ifndef ZJTX_DECIMAL_H
#define ZJTX_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

__extension__ typedef __int128 zi128;

#define ZDEC_MAX_SCALE 18

typedef struct {
  zi128 m;
  int32_t scale;
} zdec;

typedef enum {
  ZROUND_HALF_UP = 0,   /* ties away from zero (the usual 四舍五入) */
  ZROUND_HALF_EVEN = 1, /* ties to even (banker's) */
  ZROUND_DOWN = 2,      /* towards zero (truncate) */
  ZROUND_UP = 3,        /* away from zero */
  ZROUND_FLOOR = 4,     /* towards minus infinity */
  ZROUND_CEILING = 5    /* towards plus infinity */
} zround_mode;

static inline zdec zdec_from_int(int64_t v) {
  zdec d = {v, 0};
  return d;
}
/* fen (0.01) as a decimal with scale 2 */
static inline zdec zdec_from_fen(int64_t fen) {
  zdec d = {fen, 2};
  return d;
}

/* Parse a plain decimal: optional '-', digits, optional '.' and digits.  No
 * exponent, no spaces, no '+', no leading '.', at most ZDEC_MAX_SCALE
 * decimals and at most 36 significant digits.  Returns false if malformed. */
bool zdec_parse(const char *s, size_t len, zdec *out);
/* Number of digits after the point as written in s (for "at most 2 decimals"
 * checks); -1 if s is not a valid decimal. */
int zdec_written_scale(const char *s, size_t len);

/* Arithmetic: each returns false on overflow (out untouched) or, for
 * division, on division by zero. */
bool zdec_add(zdec a, zdec b, zdec *out);
bool zdec_sub(zdec a, zdec b, zdec *out);
bool zdec_mul(zdec a, zdec b, zdec *out);
bool zdec_div(zdec a, zdec b, zdec *out);
zdec zdec_neg(zdec a);
/* -1, 0, 1: exact comparison across scales (never overflows); inline for
 * the common case of one scale, zdec_cmp_scaled otherwise. */
int zdec_cmp_scaled(zdec a, zdec b);
extern const uint64_t zdec_pow10_u64[20]; /* 10^0 .. 10^19 */
/* Whether m fits 64 bits: then m * 10^k for k <= 18 fits 128 bits and
 * needs no overflow test (which costs a call to a 128-bit helper). */
static inline bool zdec_fits64(zi128 m) {
  return (zi128)(int64_t)m == m;
}
static inline int zdec_cmp(zdec a, zdec b) {
  if (a.scale == b.scale)
    return (a.m > b.m) - (a.m < b.m);
  /* mantissas of 64 bits, brought to one scale by a power of ten of at
   * most 10^18: the product stays below 2^123 */
  if (zdec_fits64(a.m) && zdec_fits64(b.m) && a.scale >= 0 && b.scale >= 0 && a.scale <= ZDEC_MAX_SCALE &&
      b.scale <= ZDEC_MAX_SCALE) {
    zi128 x = a.m, y = b.m;
    if (a.scale < b.scale)
      x = (zi128)(int64_t)a.m * (int64_t)zdec_pow10_u64[b.scale - a.scale];
    else
      y = (zi128)(int64_t)b.m * (int64_t)zdec_pow10_u64[a.scale - b.scale];
    return (x > y) - (x < y);
  }
  return zdec_cmp_scaled(a, b);
}
/* The commonest sums and products, inline: mantissas of 64 bits (brought
 * to one scale by at most 10^18, they stay below 2^123 and their sum below
 * 2^124; their product below 2^126), so nothing can overflow.  Anything
 * else goes to zdec_add, zdec_sub or zdec_mul. */
static inline bool zdec_small(zdec a, zdec b) {
  return zdec_fits64(a.m) && zdec_fits64(b.m) && (uint32_t)a.scale <= ZDEC_MAX_SCALE &&
         (uint32_t)b.scale <= ZDEC_MAX_SCALE;
}
static inline void zdec_same_scale(zdec a, zdec b, zi128 *x, zi128 *y, int32_t *scale) {
  *x = a.m;
  *y = b.m;
  *scale = a.scale > b.scale ? a.scale : b.scale;
  if (a.scale < b.scale)
    *x = (zi128)(int64_t)a.m * (int64_t)zdec_pow10_u64[b.scale - a.scale];
  else if (b.scale < a.scale)
    *y = (zi128)(int64_t)b.m * (int64_t)zdec_pow10_u64[a.scale - b.scale];
}
static inline bool zdec_add_inline(zdec a, zdec b, zdec *out) {
  zi128 x, y;
  if (!zdec_small(a, b))
    return zdec_add(a, b, out);
  zdec_same_scale(a, b, &x, &y, &out->scale);
  out->m = x + y;
  return true;
}
static inline bool zdec_sub_inline(zdec a, zdec b, zdec *out) {
  zi128 x, y;
  if (!zdec_small(a, b))
    return zdec_sub(a, b, out);
  zdec_same_scale(a, b, &x, &y, &out->scale);
  out->m = x - y;
  return true;
}
static inline bool zdec_mul_inline(zdec a, zdec b, zdec *out) {
  if (!zdec_small(a, b) || a.scale + b.scale > ZDEC_MAX_SCALE)
    return zdec_mul(a, b, out);
  out->m = (zi128)(int64_t)a.m * (int64_t)b.m;
  out->scale = a.scale + b.scale;
  return true;
}
bool zdec_is_zero(zdec a);
int zdec_sign(zdec a);

/* Round to `places` decimals (0..ZDEC_MAX_SCALE) in the given mode; false on
 * overflow.  Rounding to more places than the value has is exact. */
bool zdec_round(zdec a, int places, zround_mode mode, zdec *out);
/* Multiply by 10^k exactly (k may be negative: then the division must be
 * exact, else false). */
bool zdec_rescale(zdec a, int32_t new_scale, zdec *out); /* exact only */
/* Round to the fen (half-up unless mode says otherwise) and give an int64
 * fen count; false when it does not fit int64. */
bool zdec_to_fen(zdec a, zround_mode mode, int64_t *fen);
/* Integral value (a must have no fractional part and fit int64), else false. */
bool zdec_to_int64(zdec a, int64_t *out);

/* Format: minimal form ("12.5", "-3", "0.0345"), or exactly `places`
 * decimals (rounded half-up) when places >= 0.  buf must hold
 * ZDEC_BUFSZ bytes.  Returns buf. */
#define ZDEC_BUFSZ 64
char *zdec_format(zdec a, int places, char *buf);

#endif
