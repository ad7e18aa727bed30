/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* value.c - parameter values written as text (in a policy, or on the
 * command line).  Model layer. */
#include <string.h>

#include "model.h"

const char *zpolicy_parse_value(ztype t, const char *text, zval *out) {
  size_t len = text ? strlen(text) : 0;
  switch (t.kind) {
  case ZT_MONEY: {
    int places = zdec_written_scale(text, len);
    if (places < 0 || places > 2 || !zdec_parse(text, len, &out->d))
      return "money in yuan with at most 2 decimals, e.g. 300000 or 1250.50";
    return NULL;
  }
  case ZT_RATE: {
    zdec pct;
    int places = zdec_written_scale(text, len);
    if (places < 0 || places > 6 || !zdec_parse(text, len, &pct))
      return "a rate in percent with at most 6 decimals, e.g. 2 or 3.45";
    out->d = (zdec){pct.m, pct.scale + 2}; /* percent -> fraction, exactly */
    return NULL;
  }
  case ZT_NUMBER:
    return zdec_parse(text, len, &out->d) ? NULL : "a number, e.g. 5 or 360";
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
