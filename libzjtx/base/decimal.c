/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* decimal.c - exact decimal arithmetic on a 128-bit mantissa (see decimal.h).
 *
 * Invariant kept by every operation: |m| <= 2^127 - 1, i.e. a result never
 * has the mantissa -2^127.  The range is thus symmetric, so negation and
 * magnitudes are always representable.  Work that needs more than 128 bits
 * (a wide product before rounding, a long division) is done on magnitudes in
 * unsigned arithmetic and only the final value is range-checked.
 *
 * Operands are expected to be well-formed (0 <= scale <= ZDEC_MAX_SCALE);
 * the functions that can fail return false for malformed ones. */

#include "decimal.h"

#include <string.h>

__extension__ typedef unsigned __int128 zu128;

#define ZI128_MAX ((zi128)(((zu128)1 << 127) - 1))

static bool scale_ok(int32_t scale) {
  return scale >= 0 && scale <= ZDEC_MAX_SCALE;
}

static bool valid(zdec a) {
  return scale_ok(a.scale) && a.m >= -ZI128_MAX;
}

static bool mode_ok(zround_mode mode) {
  /* via int: the enum's underlying type may be unsigned */
  return (int)mode >= (int)ZROUND_HALF_UP && (int)mode <= (int)ZROUND_CEILING;
}

/* 10^k for 0 <= k <= 19: every power of ten that fits 64 bits. */
const uint64_t zdec_pow10_u64[20] = {1ull,
                                     10ull,
                                     100ull,
                                     1000ull,
                                     10000ull,
                                     100000ull,
                                     1000000ull,
                                     10000000ull,
                                     100000000ull,
                                     1000000000ull,
                                     10000000000ull,
                                     100000000000ull,
                                     1000000000000ull,
                                     10000000000000ull,
                                     100000000000000ull,
                                     1000000000000000ull,
                                     10000000000000000ull,
                                     100000000000000000ull,
                                     1000000000000000000ull,
                                     10000000000000000000ull};

/* 10^k for 0 <= k <= 38; 10^38 is the largest power of ten below 2^127.
 * A table look-up: the VM asks for one on nearly every comparison. */
static inline zu128 pow10u(int k) {
  return k <= 19 ? zdec_pow10_u64[k] : (zu128)zdec_pow10_u64[19] * zdec_pow10_u64[k - 19];
}

/* |m| without overflow, even for -2^127. */
static zu128 mag(zi128 m) {
  return m < 0 ? (zu128)0 - (zu128)m : (zu128)m;
}

/* The signed value of magnitude u and sign neg, if it is in range. */
static bool from_mag(zu128 u, bool neg, zi128 *out) {
  if (u > (zu128)ZI128_MAX)
    return false;
  *out = neg ? -(zi128)u : (zi128)u;
  return true;
}

/* m * 10^k (0 <= k <= ZDEC_MAX_SCALE), false when it leaves the range. */
static bool mul_pow10(zi128 m, int k, zi128 *out) {
  zi128 r;

  if (zdec_fits64(m)) { /* |m| < 2^63 and 10^k <= 10^18 < 2^63: |r| < 2^126, one 64-bit multiply */
    *out = (zi128)(int64_t)m * (int64_t)zdec_pow10_u64[k];
    return true;
  }
  if (__builtin_mul_overflow(m, (zi128)pow10u(k), &r) || r < -ZI128_MAX)
    return false;
  *out = r;
  return true;
}

/* Whether the magnitude q of a quotient truncated with remainder r
 * (0 <= r < d) must move one unit away from zero under `mode`.  The value's
 * sign is neg.  r is compared with d - r so that 2r is never formed. */
static bool round_away(zu128 q, zu128 r, zu128 d, bool neg, zround_mode mode) {
  zu128 rest = d - r;

  if (r == 0)
    return false;
  switch (mode) {
  case ZROUND_HALF_UP:
    return r >= rest;
  case ZROUND_HALF_EVEN:
    return r > rest || (r == rest && (q & 1) != 0);
  case ZROUND_DOWN:
    return false;
  case ZROUND_UP:
    return true;
  case ZROUND_FLOOR:
    return neg;
  case ZROUND_CEILING:
    return !neg;
  }
  return false;
}

/* u / 10^k for 1 <= k <= 19, the remainder into *rem: a division by a
 * constant per case, which the compiler turns into a multiplication (a
 * 64-bit division instruction takes tens of cycles; amounts are rounded
 * to the fen once per subject and rule). */
static inline uint64_t div_pow10_u64(uint64_t u, int k, uint64_t *rem) {
  uint64_t q;
  switch (k) {
#define ZDIV_CASE(K, P)                                                                                                \
  case K:                                                                                                              \
    q = u / UINT64_C(P);                                                                                               \
    break;
    ZDIV_CASE(1, 10)
    ZDIV_CASE(2, 100)
    ZDIV_CASE(3, 1000)
    ZDIV_CASE(4, 10000)
    ZDIV_CASE(5, 100000)
    ZDIV_CASE(6, 1000000)
    ZDIV_CASE(7, 10000000)
    ZDIV_CASE(8, 100000000)
#undef ZDIV_CASE
  default:
    q = u / zdec_pow10_u64[k];
  }
  *rem = u - q * zdec_pow10_u64[k];
  return q;
}

/* m / 10^k rounded in `mode`.  Cannot overflow: for k >= 1 the quotient is
 * at most a tenth of |m| before the one-unit adjustment. */
static zi128 div_pow10_round(zi128 m, int k, zround_mode mode) {
  zu128 u = mag(m), q;
  if (k <= 19 && (uint64_t)(u >> 64) == 0) { /* the usual case, in 64 bits: no 128-bit division */
    uint64_t d = zdec_pow10_u64[k], rem, q64 = div_pow10_u64((uint64_t)u, k, &rem);
    q = round_away(q64, rem, d, m < 0, mode) ? (zu128)q64 + 1 : q64;
  } else {
    zu128 d = pow10u(k);
    q = u / d;
    if (round_away(q, u % d, d, m < 0, mode))
      q++;
  }
  return m < 0 ? -(zi128)q : (zi128)q;
}

/* ---- parsing ---- */

bool zdec_parse(const char *s, size_t len, zdec *out) {
  size_t i = 0;
  bool neg = false, point = false;
  int scale = 0, ndigits = 0, sig = 0;
  zi128 m = 0;

  if (s == NULL)
    return false;
  if (len > 0 && s[0] == '-') {
    neg = true;
    i = 1;
  }
  for (; i < len; i++) {
    char c = s[i];

    /* a point needs integer digits before it ("no leading '.'") */
    if (c == '.' && !point && ndigits > 0) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9')
      return false;
    ndigits++;
    if (point && ++scale > ZDEC_MAX_SCALE)
      return false;
    if (m != 0 || c != '0') /* leading zeros are not significant */
      sig++;
    if (sig > 36)
      return false;
    m = m * 10 + (c - '0'); /* below 10^36 thanks to the check above */
  }
  if (ndigits == 0 || (point && scale == 0))
    return false;
  out->m = neg ? -m : m;
  out->scale = scale;
  return true;
}

int zdec_written_scale(const char *s, size_t len) {
  zdec d;

  /* zdec_parse keeps the written scale, trailing zeros included */
  return zdec_parse(s, len, &d) ? (int)d.scale : -1;
}

/* ---- addition and subtraction ---- */

/* Bring a and b to the larger of their scales, exactly.  This can report
 * overflow when an aligned operand alone exceeds the range even though the
 * exact sum would fit; that needs magnitudes beyond 10^20 at scale 18. */
static bool align(zdec *a, zdec *b) {
  if (a->scale < b->scale) {
    if (!mul_pow10(a->m, b->scale - a->scale, &a->m))
      return false;
    a->scale = b->scale;
  } else if (b->scale < a->scale) {
    if (!mul_pow10(b->m, a->scale - b->scale, &b->m))
      return false;
    b->scale = a->scale;
  }
  return true;
}

bool zdec_add(zdec a, zdec b, zdec *out) {
  zi128 m;

  if (!valid(a) || !valid(b) || !align(&a, &b))
    return false;
  if (__builtin_add_overflow(a.m, b.m, &m) || m < -ZI128_MAX)
    return false;
  out->m = m;
  out->scale = a.scale;
  return true;
}

bool zdec_sub(zdec a, zdec b, zdec *out) {
  zi128 m;

  if (!valid(a) || !valid(b) || !align(&a, &b))
    return false;
  if (__builtin_sub_overflow(a.m, b.m, &m) || m < -ZI128_MAX)
    return false;
  out->m = m;
  out->scale = a.scale;
  return true;
}

/* ---- multiplication ---- */

/* x * y as four 64-bit limbs, least significant first (schoolbook). */
static void mul_wide(zu128 x, zu128 y, uint64_t limb[4]) {
  uint64_t xs[2] = {(uint64_t)x, (uint64_t)(x >> 64)};
  uint64_t ys[2] = {(uint64_t)y, (uint64_t)(y >> 64)};

  memset(limb, 0, 4 * sizeof *limb);
  for (int i = 0; i < 2; i++) {
    zu128 carry = 0;

    for (int j = 0; j < 2; j++) {
      /* at most (2^64-1)^2 + 2 (2^64-1) = 2^128 - 1: no overflow */
      zu128 t = (zu128)xs[i] * ys[j] + limb[i + j] + carry;

      limb[i + j] = (uint64_t)t;
      carry = t >> 64;
    }
    limb[i + 2] = (uint64_t)carry;
  }
}

/* limb /= d in place (d < 2^64); returns the remainder. */
static uint64_t div_wide(uint64_t limb[4], uint64_t d) {
  zu128 rem = 0;

  for (int i = 3; i >= 0; i--) {
    zu128 cur = (rem << 64) | limb[i]; /* rem < d < 2^64: fits */

    limb[i] = (uint64_t)(cur / d);
    rem = cur % d;
  }
  return (uint64_t)rem;
}

/* a * b / 10^k rounded half-even, through a 256-bit product: used when the
 * product itself does not fit 128 bits but the rounded result may. */
static bool wide_mul_round(zi128 a, zi128 b, int k, zi128 *out) {
  uint64_t limb[4], d = (uint64_t)pow10u(k), r;
  bool neg = (a < 0) != (b < 0);
  zu128 q;

  mul_wide(mag(a), mag(b), limb);
  r = div_wide(limb, d);
  if (limb[3] != 0 || limb[2] != 0)
    return false;
  q = ((zu128)limb[1] << 64) | limb[0];
  if (q > (zu128)ZI128_MAX)
    return false;
  if (round_away(q, r, d, neg, ZROUND_HALF_EVEN))
    q++;
  return from_mag(q, neg, out);
}

bool zdec_mul(zdec a, zdec b, zdec *out) {
  int32_t scale = a.scale + b.scale;
  int drop = scale > ZDEC_MAX_SCALE ? scale - ZDEC_MAX_SCALE : 0;
  zi128 m;

  if (!valid(a) || !valid(b))
    return false;
  if (zdec_fits64(a.m) && zdec_fits64(b.m)) { /* |m| < 2^126: no overflow test (a 128-bit helper call) */
    m = (zi128)(int64_t)a.m * (int64_t)b.m;
    if (drop)
      m = div_pow10_round(m, drop, ZROUND_HALF_EVEN);
  } else if (__builtin_mul_overflow(a.m, b.m, &m) || m < -ZI128_MAX) {
    if (!wide_mul_round(a.m, b.m, drop, &m))
      return false;
  } else {
    m = div_pow10_round(m, drop, ZROUND_HALF_EVEN);
  }
  out->m = m;
  out->scale = scale - drop;
  return true;
}

/* ---- division ---- */

/* The next decimal digit of r/d (r < d) by long division, leaving the new
 * remainder in *r.  10r may not fit even 128 unsigned bits when d is close
 * to 2^127, so 10r mod d is accumulated as ten additions of r modulo d. */
static unsigned next_digit(zu128 *r, zu128 d) {
  unsigned digit = 0;
  zu128 acc = 0;

  for (int i = 0; i < 10; i++) {
    if (acc >= d - *r) { /* acc + r >= d, tested without overflow */
      acc -= d - *r;
      digit++;
    } else {
      acc += *r;
    }
  }
  *r = acc;
  return digit;
}

/* The quotient after k digits of long division approximates
 * |a.m / b.m| * 10^k, so it holds the value at scale k + sa - sb.  Digits are
 * produced until that scale is ZDEC_MAX_SCALE, or earlier once the quotient
 * is exact (remainder 0) at a valid scale: exact results such as 10 / 4 keep
 * a small scale (2.5) and need not overflow at scale 18. */
bool zdec_div(zdec a, zdec b, zdec *out) {
  bool neg = (a.m < 0) != (b.m < 0);
  zu128 d, q, r;
  int k = 0, target;
  zi128 m;

  if (!valid(a) || !valid(b) || b.m == 0)
    return false;
  d = mag(b.m);
  q = mag(a.m) / d;
  r = mag(a.m) % d;
  target = ZDEC_MAX_SCALE + b.scale - a.scale;
  while (k < target && (r != 0 || k + a.scale - b.scale < 0)) {
    unsigned digit = next_digit(&r, d);

    if (__builtin_mul_overflow(q, (zu128)10, &q) || __builtin_add_overflow(q, (zu128)digit, &q) || q > (zu128)ZI128_MAX)
      return false;
    k++;
  }
  /* r == 0 unless all digits were produced, so this only rounds at 18 */
  if (round_away(q, r, d, neg, ZROUND_HALF_EVEN))
    q++;
  if (!from_mag(q, neg, &m))
    return false;
  out->m = m;
  out->scale = k + a.scale - b.scale;
  return true;
}

/* ---- sign and comparison ---- */

zdec zdec_neg(zdec a) {
  /* cannot overflow: mantissas never hold -2^127 (see top of file) */
  a.m = -a.m;
  return a;
}

bool zdec_is_zero(zdec a) {
  return a.m == 0;
}

int zdec_sign(zdec a) {
  return (a.m > 0) - (a.m < 0);
}

/* Integer parts first (truncated towards zero): if they differ, they order
 * the values.  Otherwise the fractions, both below 1, are compared at scale
 * 18, where they stay below 10^18.  Nothing is ever scaled past 128 bits. */
/* The general comparison: integer parts, then fractions at the largest
 * scale (neither can overflow). */
static int cmp_by_parts(zdec a, zdec b) {
  zi128 pa = (zi128)pow10u(a.scale), pb = (zi128)pow10u(b.scale);
  zi128 ia = a.m / pa, ib = b.m / pb;
  zi128 fa, fb;

  if (ia != ib)
    return ia < ib ? -1 : 1;
  fa = (a.m % pa) * (zi128)pow10u(ZDEC_MAX_SCALE - a.scale);
  fb = (b.m % pb) * (zi128)pow10u(ZDEC_MAX_SCALE - b.scale);
  return (fa > fb) - (fa < fb);
}

int zdec_cmp_scaled(zdec a, zdec b) {
  /* at one scale, or brought to one when that cannot overflow: the
   * mantissas compare; cmp_by_parts divides in 128 bits */
  if (a.scale < b.scale && !mul_pow10(a.m, b.scale - a.scale, &a.m))
    return cmp_by_parts(a, b);
  if (b.scale < a.scale && !mul_pow10(b.m, a.scale - b.scale, &b.m))
    return cmp_by_parts(a, b);
  return (a.m > b.m) - (a.m < b.m);
}

/* ---- rounding and conversions ---- */

bool zdec_rescale(zdec a, int32_t new_scale, zdec *out) {
  zi128 m, p;

  if (!valid(a) || !scale_ok(new_scale))
    return false;
  if (new_scale >= a.scale) {
    if (!mul_pow10(a.m, new_scale - a.scale, &m))
      return false;
  } else {
    p = (zi128)pow10u(a.scale - new_scale);
    if (a.m % p != 0) /* dropping nonzero digits would not be exact */
      return false;
    m = a.m / p;
  }
  out->m = m;
  out->scale = new_scale;
  return true;
}

bool zdec_round(zdec a, int places, zround_mode mode, zdec *out) {
  if (!valid(a) || !mode_ok(mode) || !scale_ok(places))
    return false;
  /* the result always has scale `places`: padding with zeros is exact */
  if (places >= a.scale)
    return zdec_rescale(a, places, out);
  out->m = div_pow10_round(a.m, a.scale - places, mode);
  out->scale = places;
  return true;
}

bool zdec_to_fen(zdec a, zround_mode mode, int64_t *fen) {
  zi128 m;

  /* the usual case, a product of money and a rate: more than two
   * decimals on a 64-bit mantissa, whose quotient always fits int64 */
  if (a.scale > 2 && a.scale <= ZDEC_MAX_SCALE && zdec_fits64(a.m) && mode_ok(mode)) {
    int64_t v = (int64_t)a.m;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v, rem, q = div_pow10_u64(u, a.scale - 2, &rem);
    if (round_away(q, rem, zdec_pow10_u64[a.scale - 2], v < 0, mode))
      q++;
    *fen = v < 0 ? -(int64_t)q : (int64_t)q;
    return true;
  }
  if (!valid(a) || !mode_ok(mode))
    return false;
  if (a.scale > 2) /* what zdec_round(a, 2) gives, without a zdec between */
    m = div_pow10_round(a.m, a.scale - 2, mode);
  else if (!mul_pow10(a.m, 2 - a.scale, &m))
    return false;
  if (m > INT64_MAX || m < INT64_MIN)
    return false;
  *fen = (int64_t)m;
  return true;
}

bool zdec_to_int64(zdec a, int64_t *out) {
  zdec r;

  /* an exact rescale to 0 fails exactly when there is a fractional part */
  if (!zdec_rescale(a, 0, &r) || r.m > INT64_MAX || r.m < INT64_MIN)
    return false;
  *out = (int64_t)r.m;
  return true;
}

/* ---- formatting ---- */

/* Decimal digits of u, most significant first (no NUL); returns the count,
 * at most 39. */
static int u128_digits(zu128 u, char *buf) {
  char tmp[40];
  int n = 0;

  do {
    tmp[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u != 0);
  for (int i = 0; i < n; i++)
    buf[i] = tmp[n - 1 - i];
  return n;
}

/* Write m / 10^scale with exactly `places` (>= scale) decimals.  At most
 * 1 + 39 + 1 + 18 + 1 bytes, within ZDEC_BUFSZ.  A zero is never signed. */
static char *write_fixed(zi128 m, int scale, int places, char *buf) {
  char digits[40];
  int n = u128_digits(mag(m), digits), intlen = n - scale;
  char *p = buf;

  if (m < 0)
    *p++ = '-';
  if (intlen <= 0) {
    *p++ = '0';
  } else {
    memcpy(p, digits, (size_t)intlen);
    p += intlen;
  }
  if (places > 0) {
    *p++ = '.';
    for (int j = intlen; j < n; j++) /* leading zeros when intlen < 0 */
      *p++ = j >= 0 ? digits[j] : '0';
    for (int i = scale; i < places; i++)
      *p++ = '0';
  }
  *p = '\0';
  return buf;
}

/* places above ZDEC_MAX_SCALE are treated as ZDEC_MAX_SCALE so that the
 * text always fits ZDEC_BUFSZ. */
char *zdec_format(zdec a, int places, char *buf) {
  if (!scale_ok(a.scale)) {
    strcpy(buf, "(invalid)");
    return buf;
  }
  if (places < 0) {
    while (a.scale > 0 && a.m % 10 == 0) {
      a.m /= 10;
      a.scale--;
    }
    return write_fixed(a.m, a.scale, a.scale, buf);
  }
  if (places > ZDEC_MAX_SCALE)
    places = ZDEC_MAX_SCALE;
  if (places < a.scale) {
    a.m = div_pow10_round(a.m, a.scale - places, ZROUND_HALF_UP);
    a.scale = places;
  }
  return write_fixed(a.m, a.scale, places, buf);
}
