/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-read.h - one policy document read into the model (policy-read.c),
 * the top of the policy reader.  Internal to the loader; called by
 * policy-load.c. */
#ifndef ZJTX_POLICY_READ_H
#define ZJTX_POLICY_READ_H

#include "model-read.h"

/* Reads the document rooted at root into w->p; the first error in w->err. */
void zread_document(zwalker *w, xmlNode *root);

#endif
