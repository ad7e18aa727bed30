/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* value.c - parameter values written as text (in a policy, or on the
 * command line) and the range a parameter allows.  Model layer. */
#include <string.h>

#include "model.h"

static const char too_many_places[] = "too many decimal places (at most " G_STRINGIFY(ZDEC_MAX_SCALE) ")";
static const char out_of_range[] = "out of range (at most 36 significant digits)";

const char *zvalue_decimal_problem(const char *s, size_t len) {
  size_t i = len && s[0] == '-' ? 1 : 0, digits = 0, decimals = 0;
  bool point = false;
  for (; i < len; i++) {
    if (s[i] == '.' && !point && digits) {
      point = true;
    } else if (g_ascii_isdigit(s[i])) {
      digits++;
      decimals += point;
    } else {
      return NULL;
    }
  }
  if (!digits || (point && !decimals))
    return NULL;
  return decimals > ZDEC_MAX_SCALE ? too_many_places : out_of_range;
}

/* A decimal with at most max_places written decimals; otherwise the phrase
 * `expected`, or one saying that it is too precise or too long. */
static const char *parse_decimal(const char *text, int max_places, const char *expected, const char *too_precise,
                                 zdec *out) {
  size_t len = text ? strlen(text) : 0;
  if (zdec_parse(text, len, out))
    return zdec_written_scale(text, len) <= max_places ? NULL : expected;
  const char *problem = zvalue_decimal_problem(text, len);
  if (!problem)
    return expected;
  return problem == too_many_places ? too_precise : "a number within range (at most 36 significant digits)";
}

const char *zpolicy_parse_value(ztype t, const char *text, zval *out) {
  size_t len = text ? strlen(text) : 0;
  memset(out, 0, sizeof *out); /* a value that is there: its missing tag is clear */
  switch (t.kind) {
  case ZT_MONEY:
    return parse_decimal(text, 2, "money in yuan with at most 2 decimals, e.g. 300000 or 1250.50",
                         "money in yuan with at most 2 decimals, e.g. 300000 or 1250.50", &out->d);
  case ZT_RATE: {
    zdec pct;
    const char *why = parse_decimal(text, 6, "a rate in percent with at most 6 decimals, e.g. 2 or 3.45",
                                    "a rate in percent with at most 6 decimals, e.g. 2 or 3.45", &pct);
    if (!why)
      out->d = (zdec){pct.m, pct.scale + 2}; /* percent -> fraction, exactly */
    return why;
  }
  case ZT_NUMBER:
    return parse_decimal(text, ZDEC_MAX_SCALE, "a number, e.g. 5 or 360",
                         "a number with at most " G_STRINGIFY(ZDEC_MAX_SCALE) " decimal places", &out->d);
  case ZT_BOOL:
    if (g_strcmp0(text, "true") == 0 || g_strcmp0(text, "false") == 0) {
      out->b = text[0] == 't';
      return NULL;
    }
    return "true or false";
  case ZT_DATE:
    return zdate_parse(text, len, &out->date) ? NULL : "a date YYYY-MM-DD";
  default:
    return "a value of a supported parameter type";
  }
}

bool zparam_check_value(const zparam *p, const zval *v, char **why) {
  /* a count, a day basis or a threshold below zero makes no policy sense
   * and would turn amounts negative without a word */
  bool signed_kind = p->type.kind == ZT_MONEY || p->type.kind == ZT_RATE || p->type.kind == ZT_NUMBER;
  if (!signed_kind || p->negative_ok || v->d.m >= 0)
    return true;
  if (why)
    *why = g_strdup_printf("is negative (a %s parameter is not, unless it is declared negative=\"allowed\")",
                           ztype_kind_name(p->type.kind));
  return false;
}
