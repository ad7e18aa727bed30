/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile-scale.c - tier(table, x [, on]) and marginal(table, x [, on]):
 * a value looked up in a <table> in force at the period's end (or on `on`). */
#include "compile-internal.h"

#include <string.h>

/* The table named by the first argument, of the kind the function wants. */
static zscale *table_arg(zcompiler *c, zexpr *e, bool marginal) {
  zexpr *a = zexpr_kid(e, 0);
  zscale *t = a->kind == ZE_NAME ? zpolicy_find_scale(c->p, a->name) : NULL;
  if (!t)
    return zcomp_fail(c, a, "the first argument of %s() is the id of a <table kind=\"%s\">", e->name,
                      marginal ? "marginal" : "tier"),
           NULL;
  if ((t->kind == ZSCALE_MARGINAL) != marginal)
    return zcomp_fail(c, a, "table %s is a %s table: write %s(%s, ...)", t->id, marginal ? "tier" : "marginal",
                      marginal ? "tier" : "marginal", t->id),
           NULL;
  return t;
}

ztype zcomp_scale_call(zcompiler *c, zexpr *e) {
  bool marginal = strcmp(e->name, "marginal") == 0;
  if (e->kids->len < 2 || e->kids->len > 3)
    return zcomp_fail(c, e, "%s() takes a table, the value to look up and optionally the date of the bands: %s(t, x)",
                      e->name, e->name);
  zscale *t = table_arg(c, e, marginal);
  if (!t)
    return ZTYPE_VOID;
  zexpr *x = zexpr_kid(e, 1);
  ztype xt = zcomp_node(c, x, t->input);
  if (c->err)
    return ZTYPE_VOID;
  if (!zcomp_coerce(x, &xt, t->input)) {
    char b1[64], b2[64];
    return zcomp_fail(c, x, "table %s looks up %s, not %s", t->id, ztype_name(c->p, t->input, b1, sizeof b1),
                      ztype_name(c->p, xt, b2, sizeof b2));
  }
  bool missing = xt.may_be_missing, dated = e->kids->len == 3;
  if (dated) {
    ztype dt = zcomp_node(c, zexpr_kid(e, 2), ZTYPE_VOID);
    if (c->err)
      return ZTYPE_VOID;
    if (dt.kind != ZT_DATE)
      return zcomp_fail(c, zexpr_kid(e, 2), "the third argument of %s() is the date of the bands to use", e->name);
    missing = missing || dt.may_be_missing;
  }
  zcomp_emit(c, OP_SCALE, (missing ? ZMISS_OPERAND : 0) | (dated ? ZSCALE_DATED : 0), 0, t->index);
  c->depth -= dated;
  /* a marginal table's rates times parts of the input: of the input's type */
  return ztype_missing_if(marginal ? t->input : t->type, missing);
}
