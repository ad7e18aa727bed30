/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* schema-explain.h - schema errors in our words: every element of a document
 * checked against what the RELAX NG schema itself allows (schema-model.h),
 * each problem said with its position, what was expected and a
 * did-you-mean.  Internal; part of the zjtx-xml static library. */
#ifndef ZJTX_SCHEMA_EXPLAIN_H
#define ZJTX_SCHEMA_EXPLAIN_H

#include <glib.h>
#include <libxml/tree.h>

#include "schema-model.h"
#include "xml-read.h"

/* One problem and the element it is about. */
typedef struct {
  zxml_error *error;
  const xmlNode *node;
} zschema_problem;

void zschema_problem_free(zschema_problem *p);

/* Appends to problems (zschema_problem*) every problem of doc the schema's
 * definitions show, in document order, at most max of them.  data, len:
 * the text doc was read from, for columns (NULL: no columns). */
void zschema_explain(zschema *s, xmlDoc *doc, const char *data, size_t len, guint max, GPtrArray *problems);

/* The edit distance between a and b (bytes), at most limit + 1. */
guint zschema_distance(const char *a, const char *b, guint limit);

/* The candidate closest to a misspelt word, or NULL when none is close. */
const char *zschema_did_you_mean(const char *word, const char *const *candidates, guint n);

#endif
