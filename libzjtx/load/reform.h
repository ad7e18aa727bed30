/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* reform.h - amendments an extending policy makes to its bases (reform.c).
 * Internal to the loader; called by the walk in policy-read.c. */
#ifndef ZJTX_REFORM_H
#define ZJTX_REFORM_H

#include "model-read.h"

void zread_amend_parameter(zwalker *w, xmlNode *n);
void zread_amend_rule(zwalker *w, xmlNode *n);
void zread_remove_rule(zwalker *w, xmlNode *n);

#endif
