/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rule-read.h - reading derived values, overrides, rules, checks and
 * indicators (rule-read.c).  Internal to the loader; called by the walk in
 * policy-read.c. */
#ifndef ZJTX_RULE_READ_H
#define ZJTX_RULE_READ_H

#include "model-read.h"

void zread_derived(zwalker *w, xmlNode *n);
void zread_override(zwalker *w, xmlNode *n);
void zread_rule(zwalker *w, xmlNode *n, zjtx_rule_kind kind);
void zread_indicator(zwalker *w, xmlNode *n);

#endif
