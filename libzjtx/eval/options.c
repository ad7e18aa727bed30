/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* options.c - what an evaluation may be told besides policy and facts:
 * the period, parameter overrides, threads, indicators. */
#include "eval-internal.h"

zjtx_options *zjtx_options_new(void) {
  zjtx_options *o = g_new0(zjtx_options, 1);
  o->threads = 1; /* a server calls from many threads already: never more unless asked */
  o->sets = g_ptr_array_new();
  return o;
}

zjtx_status zjtx_options_create(zjtx_options **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "zjtx_options_create: out must not be NULL");
  *out = zjtx_options_new();
  return ZJTX_OK;
}

void zjtx_options_free(zjtx_options *o) {
  if (!o)
    return;
  for (guint i = 0; i < o->sets->len; i++) {
    zparam_set *s = g_ptr_array_index(o->sets, i);
    g_free(s->id);
    g_free(s->key);
    g_free(s->value);
    g_free(s);
  }
  g_ptr_array_free(o->sets, TRUE);
  g_free(o->period);
  g_free(o);
}

zjtx_status zjtx_options_set_period(zjtx_options *o, const char *period, zjtx_error **err) {
  int year;
  if (!o)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "options must not be NULL");
  if (!zperiod_parse(period, &year))
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "period \"%s\" is not a year YYYY (e.g. 2025)",
                    period ? period : "");
  g_free(o->period);
  o->period = g_strdup(period);
  return ZJTX_OK;
}

zjtx_status zjtx_options_set_threads(zjtx_options *o, int threads, zjtx_error **err) {
  if (!o || threads < 0 || threads > 1024)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "threads must be from 0 (automatic) to 1024");
  o->threads = threads;
  return ZJTX_OK;
}

zjtx_status zjtx_options_set_indicators(zjtx_options *o, int on, zjtx_error **err) {
  if (!o)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "options must not be NULL");
  o->indicators = on != 0;
  return ZJTX_OK;
}

zjtx_status zjtx_options_set_param(zjtx_options *o, const char *id, const char *key, const char *value,
                                   zjtx_error **err) {
  if (!o || !id || !value)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "options, id and value must not be NULL");
  zparam_set *s = g_new0(zparam_set, 1);
  s->id = g_strdup(id);
  s->key = g_strdup(key);
  s->value = g_strdup(value);
  g_ptr_array_add(o->sets, s);
  return ZJTX_OK;
}
