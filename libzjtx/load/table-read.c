/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* table-read.c - <table>: a dated tier or marginal schedule, its bands
 * checked (typed values, thresholds strictly increasing) as it is read. */
#include <string.h>

#include "model-read.h"

/* A decimal of type t written as a band's threshold or value, not
 * negative; false (the error recorded at n) otherwise. */
static bool read_decimal(zwalker *w, xmlNode *n, const zscale *t, ztype type, const char *what, const char *text,
                         zval *out) {
  const char *why = text ? zpolicy_parse_value(type, text, out) : "given";
  if (why)
    return zread_fail(w, n, "%s \"%s\" of table %s is not %s", what, text ? text : "", t->id, why);
  if (zdec_sign(out->d) < 0)
    return zread_fail(w, n, "%s \"%s\" of table %s is negative", what, text, t->id);
  return true;
}

static bool read_band(zwalker *w, xmlNode *n, zscale *t, zscale_bands *b) {
  zscale_band band = {.label = zread_prop(n, "label"), .at_text = zread_prop(n, "at"), .value_text = zread_content(n)};
  g_array_append_val(b->bands, band);
  zval at;
  zscale_band *kept = &g_array_index(b->bands, zscale_band, b->bands->len - 1);
  if (!read_decimal(w, n, t, t->input, "threshold", kept->at_text, &at) ||
      !read_decimal(w, n, t, t->type, t->kind == ZSCALE_MARGINAL ? "rate" : "value", kept->value_text, &kept->value))
    return false;
  kept->at = at.d;
  if (b->bands->len > 1 && zdec_cmp(g_array_index(b->bands, zscale_band, b->bands->len - 2).at, at.d) >= 0)
    return zread_fail(w, n, "thresholds of table %s must increase: %s after %s (bands from %s)", t->id, kept->at_text,
                      g_array_index(b->bands, zscale_band, b->bands->len - 2).at_text, b->from_text);
  return true;
}

static bool read_bands(zwalker *w, xmlNode *n, zscale *t) {
  zscale_bands b = {.from_text = zread_prop(n, "from"), .bands = g_array_new(FALSE, TRUE, sizeof(zscale_band))};
  g_array_append_val(t->schedules, b);
  zscale_bands *kept = &g_array_index(t->schedules, zscale_bands, t->schedules->len - 1);
  if (!kept->from_text || !zdate_parse(kept->from_text, strlen(kept->from_text), &kept->from))
    return zread_fail(w, n, "from=\"%s\" of table %s is not a real date YYYY-MM-DD",
                      kept->from_text ? kept->from_text : "", t->id);
  for (xmlNode *c = n->children; c; c = c->next)
    if (zread_is(c, "band") && !read_band(w, c, t, kept))
      return false;
  if (!kept->bands->len)
    return zread_fail(w, n, "table %s has no <band> from %s", t->id, kept->from_text);
  return true;
}

static int compare_from(gconstpointer a, gconstpointer b) {
  const zscale_bands *x = a, *y = b;
  return (x->from > y->from) - (x->from < y->from);
}

/* kind=, input=, type= and thresholds=; false (recorded) when wrong. */
static bool read_kind(zwalker *w, xmlNode *n, zscale *t) {
  g_autofree char *kind = zread_prop(n, "kind"), *input = zread_prop(n, "input"), *type = zread_prop(n, "type");
  g_autofree char *thresholds = zread_prop(n, "thresholds");
  t->kind = kind && strcmp(kind, "marginal") == 0 ? ZSCALE_MARGINAL : ZSCALE_TIER;
  if (!zvalue_type_parse(input ? input : "", &t->input) || (t->input.kind != ZT_MONEY && t->input.kind != ZT_NUMBER))
    return zread_fail(w, n, "input= of table %s must be money or number, not '%s'", t->id, input ? input : "");
  if (t->kind == ZSCALE_MARGINAL) {
    t->type = (ztype){.kind = ZT_RATE, .ref = -1};
    if (type && strcmp(type, "rate") != 0)
      return zread_fail(w, n, "a marginal table's bands are rates: table %s cannot have type=\"%s\"", t->id, type);
    if (thresholds)
      return zread_fail(w, n, "thresholds= is for tier tables: a marginal table taxes each band's part of the input");
    return true;
  }
  if (!zvalue_type_parse(type ? type : "", &t->type) || !ztype_is_decimal(t->type))
    return zread_fail(w, n, "type= of tier table %s must be money, rate or number, not '%s'", t->id, type ? type : "");
  t->exclusive = thresholds && strcmp(thresholds, "exclusive") == 0;
  return true;
}

void zread_table(zwalker *w, xmlNode *n) {
  g_autoptr(zscale) t = zscale_new();
  t->id = zread_prop(n, "id");
  t->pos = zread_pos(w, n);
  t->origin = g_strdup(w->origin);
  t->unit = zread_prop(n, "unit");
  g_autofree char *status = zread_prop(n, "status");
  t->status = status && strcmp(status, "assumed") == 0 ? ZJTX_PARAM_ASSUMED : ZJTX_PARAM_PUBLISHED;
  zread_titles(n, &t->title);
  if (!t->id || !read_kind(w, n, t))
    return;
  if (zpolicy_find_scale(w->p, t->id) || zpolicy_param_index(w->p, t->id) >= 0) {
    zread_fail(
        w, n, zpolicy_find_scale(w->p, t->id) ? "table '%s' is declared twice" : "table '%s' has the id of a parameter",
        t->id);
    return;
  }
  for (xmlNode *c = n->children; c; c = c->next) {
    if (zread_is(c, "source"))
      zread_replace(&t->source, zread_content(c));
    else if (zread_is(c, "bands") && !read_bands(w, c, t))
      return;
  }
  g_array_sort(t->schedules, compare_from);
  for (guint i = 1; i < t->schedules->len; i++)
    if (g_array_index(t->schedules, zscale_bands, i).from == g_array_index(t->schedules, zscale_bands, i - 1).from) {
      zread_fail(w, n, "table %s has two sets of bands from %s", t->id,
                 g_array_index(t->schedules, zscale_bands, i).from_text);
      return;
    }
  t->index = (int32_t)w->p->scales->len;
  g_ptr_array_add(w->p->scales, g_steal_pointer(&t));
}
