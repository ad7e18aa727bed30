/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* value-format.c - a computed value as a person reads it, for results,
 * indicators and explanations alike. */
#include "eval-internal.h"
#include "format.h"

#include <string.h>

/* Money with 2 decimals (more only when it has more), rates in percent,
 * codes and records by their text. */
char *zformat_value(const zjtx_policy *p, const zjtx_facts *f, ztype t, const zval *v) {
  char buf[ZDEC_BUFSZ];
  if (zval_is_missing(v))
    return g_strdup("missing");
  switch (t.kind) {
  case ZT_MONEY: {
    zdec r;
    if (v->d.scale <= 2 && zdec_round(v->d, 2, ZROUND_HALF_UP, &r))
      return g_strdup(zdec_format(r, 2, buf));
    return g_strdup(zdec_format(v->d, -1, buf));
  }
  case ZT_RATE: {
    zdec pct = {v->d.m, v->d.scale - 2};
    if (pct.scale < 0) {
      zdec hundred = zdec_from_int(100);
      zdec_mul(v->d, hundred, &pct);
    }
    return g_strdup_printf("%s%%", zdec_format(pct, -1, buf));
  }
  case ZT_NUMBER:
    return g_strdup(zdec_format(v->d, -1, buf));
  case ZT_BOOL:
    return g_strdup(v->b ? "true" : "false");
  case ZT_DATE:
    return g_strdup(zdate_format(v->date, buf));
  case ZT_TEXT:
    return g_strdup(v->s);
  case ZT_CODE:
    return g_strdup(g_ptr_array_index(((zcodeset *)g_ptr_array_index(p->codesets, t.ref))->values, v->code));
  case ZT_RECORD:
    return g_strdup(zfacts_record_id(f, t.ref, v->rec, buf));
  default:
    return g_strdup("");
  }
}

char *zformat_grouped(const char *plain) {
  return zfmt_grouped(plain);
}

char *zformat_money_text(const char *plain) {
  zdec d, r;
  char buf[ZDEC_BUFSZ];
  if (zdec_parse(plain, strlen(plain), &d) && d.scale != 2 && zdec_round(d, 2, ZROUND_HALF_UP, &r) &&
      zdec_cmp(d, r) == 0)
    return zformat_grouped(zdec_format(r, 2, buf));
  return zformat_grouped(plain);
}
