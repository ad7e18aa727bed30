/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-read.c - one policy document read into the model: its metadata, then
 * each child element handed to its reader (model-read.c, rule-read.c,
 * reform.c).  The top of the policy reader; policy-load.c calls it. */
#include "policy-read.h"

#include "reform.h"
#include "rule-read.h"

/* <period unit= [start-month=] default=>: the kind of period the policy
 * is about, and the one evaluated when no one names another; the default
 * must be written as the unit says. */
static void read_period(zwalker *w, xmlNode *n) {
  struct zjtx_policy *p = w->p;
  g_autofree char *unit = zread_prop(n, "unit");
  g_autofree char *start = zread_prop(n, "start-month");
  zperiod_kind kind = {ZPERIOD_YEAR, 1};
  if (!zperiod_unit_parse(unit ? unit : "year", &kind.unit)) {
    zread_fail(w, n, "<period unit=\"%s\">: expected year, half-year, quarter, month or fiscal-year", unit);
    return;
  }
  if (kind.unit == ZPERIOD_FISCAL) {
    int64_t m = start ? g_ascii_strtoll(start, NULL, 10) : 0;
    if (!start || m < 1 || m > 12) {
      zread_fail(w, n, "a fiscal-year period needs start-month=\"1\" to \"12\" (the month it starts in)");
      return;
    }
    kind.start_month = (int)m;
  } else if (start) {
    zread_fail(w, n, "start-month= is for unit=\"fiscal-year\" only");
    return;
  }
  g_autofree char *def = zread_prop(n, "default");
  zperiod check;
  if (def && !zperiod_resolve(def, kind, &check)) {
    zread_fail(w, n, "<period default=\"%s\">: expected %s", def, zperiod_form(kind));
    return;
  }
  p->period_kind = kind;
  zread_replace(&p->default_period, g_steal_pointer(&def));
}

static void read_metadata(zwalker *w, xmlNode *root) {
  struct zjtx_policy *p = w->p;
  zread_replace(&p->id, zread_prop(root, "id"));
  zread_replace(&p->version, zread_prop(root, "version"));
  /* the titles of the last policy read (the extending one), as a pair: not
   * its Chinese title beside its base's English one */
  ztext2 t = {NULL, NULL};
  zread_titles(root, &t);
  if (t.zh || t.en) {
    g_free(p->title.zh);
    g_free(p->title.en);
    p->title = t;
  }
  for (xmlNode *c = root->children; c; c = c->next) {
    if (zread_is(c, "jurisdiction"))
      zread_replace(&p->jurisdiction, zread_content(c));
    else if (zread_is(c, "document")) {
      zread_replace(&p->document, zread_content(c));
      /* the status is the document's: a newer document without one has none */
      g_free(p->document_status);
      p->document_status = zread_prop(c, "status");
    } else if (zread_is(c, "period"))
      read_period(w, c);
  }
}

void zread_document(zwalker *w, xmlNode *root) {
  read_metadata(w, root);
  g_ptr_array_add(w->p->origins, g_strdup(w->origin));
  /* entities first: everything else refers to them */
  for (xmlNode *c = root->children; c; c = c->next)
    if (zread_is(c, "entity"))
      zread_entity(w, c);
  for (xmlNode *c = root->children; c && !w->err; c = c->next) {
    if (zread_is(c, "parameter"))
      zread_parameter(w, c);
    else if (zread_is(c, "table"))
      zread_table(w, c);
    else if (zread_is(c, "budget"))
      zread_budget(w, c);
    else if (zread_is(c, "derived"))
      zread_derived(w, c);
    else if (zread_is(c, "override"))
      zread_override(w, c);
    else if (zread_is(c, "rule"))
      zread_rule(w, c, ZJTX_RULE_ENTITLEMENT);
    else if (zread_is(c, "check"))
      zread_rule(w, c, ZJTX_RULE_CHECK);
    else if (zread_is(c, "amend-parameter"))
      zread_amend_parameter(w, c);
    else if (zread_is(c, "amend-rule"))
      zread_amend_rule(w, c);
    else if (zread_is(c, "remove-rule"))
      zread_remove_rule(w, c);
    else if (zread_is(c, "indicator"))
      zread_indicator(w, c);
  }
  /* parameter values last: a keyed parameter names a code field */
  for (guint i = 0; i < w->param_decls->len && !w->err; i++)
    zread_param_values(w, g_ptr_array_index(w->param_decls, i));
}
