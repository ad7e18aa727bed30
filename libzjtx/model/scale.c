/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* scale.c - tier and marginal schedules: the bands in force on a date, a
 * value looked up in them exactly, and the computation band by band for
 * explanations. */
#include <string.h>

#include "format.h"
#include "model.h"

zscale *zscale_new(void) {
  zscale *t = g_new0(zscale, 1);
  t->schedules = g_array_new(FALSE, TRUE, sizeof(zscale_bands));
  t->input = t->type = (ztype){.kind = ZT_MONEY, .ref = -1};
  return t;
}

static void bands_clear(zscale_bands *b) {
  for (guint i = 0; b->bands && i < b->bands->len; i++) {
    zscale_band *band = &g_array_index(b->bands, zscale_band, i);
    g_free(band->label);
    g_free(band->at_text);
    g_free(band->value_text);
  }
  if (b->bands)
    g_array_free(b->bands, TRUE);
  g_free(b->from_text);
}

void zscale_free(zscale *t) {
  if (!t)
    return;
  for (guint i = 0; i < t->schedules->len; i++)
    bands_clear(&g_array_index(t->schedules, zscale_bands, i));
  g_array_free(t->schedules, TRUE);
  g_free(t->id);
  g_free(t->unit);
  g_free(t->source);
  g_free(t->origin);
  g_free(t->title.zh);
  g_free(t->title.en);
  g_free(t);
}

zscale *zpolicy_find_scale(const struct zjtx_policy *p, const char *id) {
  for (guint i = 0; p->scales && i < p->scales->len; i++) {
    zscale *t = g_ptr_array_index(p->scales, i);
    if (strcmp(t->id, id) == 0)
      return t;
  }
  return NULL;
}

const zscale_bands *zscale_bands_on(const zscale *t, zdate on) {
  const zscale_bands *best = NULL;
  for (guint i = 0; i < t->schedules->len; i++) {
    const zscale_bands *b = &g_array_index(t->schedules, zscale_bands, i);
    if (b->from <= on)
      best = b; /* sorted by from */
  }
  return best;
}

static const zscale_band *band_at(const zscale_bands *b, guint i) {
  return &g_array_index(b->bands, zscale_band, i);
}

/* Whether x reaches threshold `at`: met (以上) or, for an exclusive table,
 * exceeded (超过). */
static bool reaches(const zscale *t, zdec x, zdec at) {
  int c = zdec_cmp(x, at);
  return t->exclusive ? c > 0 : c >= 0;
}

static int tier_band(const zscale *t, const zscale_bands *b, zdec x) {
  int found = -1;
  for (guint i = 0; i < b->bands->len && reaches(t, x, band_at(b, i)->at); i++)
    found = (int)i;
  return found;
}

/* The part of x in band i: from its threshold up to the next one (or x). */
static bool band_part(const zscale_bands *b, guint i, zdec x, zdec *part) {
  zdec top = x;
  if (i + 1 < b->bands->len && zdec_cmp(band_at(b, i + 1)->at, x) < 0)
    top = band_at(b, i + 1)->at;
  return zdec_sub(top, band_at(b, i)->at, part);
}

bool zscale_apply(const zscale *t, const zscale_bands *b, zdec x, zdec *out, int *band) {
  *band = -1;
  if (t->kind == ZSCALE_TIER) {
    *band = tier_band(t, b, x);
    *out = *band >= 0 ? band_at(b, (guint)*band)->value.d : zdec_from_int(0);
    return true;
  }
  zdec sum = zdec_from_int(0);
  for (guint i = 0; i < b->bands->len && zdec_cmp(x, band_at(b, i)->at) > 0; i++) {
    zdec part, paid;
    if (!band_part(b, i, x, &part) || !zdec_mul(part, band_at(b, i)->value.d, &paid) || !zdec_add(sum, paid, &sum))
      return false;
    *band = (int)i;
  }
  *out = sum;
  return true;
}

/* ---- explanations ------------------------------------------------------------ */

/* A decimal of type k as a person reads it: money with thousands
 * separators and two decimals, a rate in percent, a number as it is. */
static void append_value(GString *out, ztype_kind k, zdec d) {
  char buf[ZDEC_BUFSZ];
  int64_t fen;
  zdec r;
  if (k == ZT_MONEY && zdec_round(d, 2, ZROUND_HALF_UP, &r) && zdec_to_fen(r, ZROUND_HALF_UP, &fen)) {
    g_string_append(out, zfmt_fen_grouped(fen, buf));
  } else if (k == ZT_RATE && zdec_mul(d, zdec_from_int(100), &r)) {
    g_string_append_printf(out, "%s%%", zdec_format(r, -1, buf));
  } else {
    g_string_append(out, zdec_format(d, -1, buf));
  }
}

static void append_band_name(GString *out, const zscale *t, const zscale_band *band) {
  if (band->label) {
    g_string_append(out, band->label);
    return;
  }
  append_value(out, t->input.kind, band->at);
  g_string_append(out, t->exclusive ? " 以上（不含）" : " 以上");
}

char *zscale_explain(const zscale *t, const zscale_bands *b, zdec x) {
  GString *out = g_string_new(NULL);
  if (t->kind == ZSCALE_TIER) {
    int i = tier_band(t, b, x);
    if (i < 0) {
      g_string_append(out, "未达到最低档 below the first band: ");
      append_value(out, t->type.kind, zdec_from_int(0));
    } else {
      append_band_name(out, t, band_at(b, (guint)i));
      g_string_append(out, "档：");
      append_value(out, t->type.kind, band_at(b, (guint)i)->value.d);
    }
    return g_string_free(out, FALSE);
  }
  for (guint i = 0; i < b->bands->len && zdec_cmp(x, band_at(b, i)->at) > 0; i++) {
    zdec part, paid;
    if (!band_part(b, i, x, &part) || !zdec_mul(part, band_at(b, i)->value.d, &paid))
      break;
    if (out->len)
      g_string_append_c(out, '\n');
    append_value(out, t->input.kind, band_at(b, i)->at);
    g_string_append(out, " - ");
    zdec top;
    if (zdec_add(band_at(b, i)->at, part, &top))
      append_value(out, t->input.kind, top);
    g_string_append(out, "：");
    append_value(out, t->input.kind, part);
    g_string_append(out, " × ");
    append_value(out, ZT_RATE, band_at(b, i)->value.d);
    g_string_append(out, " = ");
    append_value(out, t->input.kind, paid);
  }
  if (!out->len)
    g_string_append(out, "未达到最低档 below the first band: 0");
  return g_string_free(out, FALSE);
}
