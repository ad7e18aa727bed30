/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* model-read.h - the bottom of the policy reader (model-read.c): the state of
 * one document being read, the helpers every element reader uses, and the
 * readers of entities, fields and parameters.  Internal to the loader.
 *
 * The reader's files in layers, each calling only those below it:
 *   policy-read.c  top: one document, each child element to its reader
 *   rule-read.c    derived values, overrides, rules, checks, indicators
 *   reform.c       amendments: <amend-parameter>, <amend-rule>, <remove-rule>
 *   model-read.c   bottom: helpers, entities, fields, code lists, parameters */
#ifndef ZJTX_MODEL_READ_H
#define ZJTX_MODEL_READ_H

#include <libxml/tree.h>

#include "error.h"
#include "model.h"
#include "xml-position.h"

/* One document being read into the policy p. */
typedef struct {
  struct zjtx_policy *p;
  const char *file;       /* interned */
  const char *origin;     /* this document's policy id; interned */
  zjtx_error *err;        /* the first error */
  zxml_cursor text;       /* the XML text, for expression positions */
  GHashTable *raw_of;     /* zsource_expr* -> its text as written, where that differs */
  GHashTable *rule_ids;   /* rule and check ids (all documents) */
  GPtrArray *pendings;    /* zpending* (all documents) */
  GPtrArray *param_decls; /* zparam_decl* of this document */
} zwalker;

/* Names that can only be resolved once every document is read: a ref
 * field's entity, an inverse relation's entity and field, an entity's
 * parent and key. */
typedef struct {
  zfield *field;       /* a ref field, or NULL */
  zrelation *relation; /* an inverse relation, or NULL */
  zentity *entity;     /* an entity declaration's parent/key, or NULL */
  char *entity_name, *via_name, *key_name;
  zpos pos;
} zpending;

void zpending_free(zpending *pd);

/* A parameter whose values are read once all its document's entities are. */
typedef struct {
  zparam *param;
  xmlNode *node;
  char *key_ref; /* "entity.field" */
} zparam_decl;

void zparam_decl_free(zparam_decl *d);

/* ---- helpers for reading elements ------------------------------------------ */

char *zread_prop(xmlNode *n, const char *name);
bool zread_is(xmlNode *n, const char *name);
char *zread_content(xmlNode *n);
zpos zread_pos(zwalker *w, xmlNode *n);
/* Records the first error (at n's line); returns false. */
bool zread_fail(zwalker *w, xmlNode *n, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void zread_titles(xmlNode *n, ztext2 *t);
/* Replaces *slot by v when v is not NULL. */
void zread_replace(char **slot, char *v);
/* The text of expression element n, with the position it starts at. */
void zread_source_expr(zwalker *w, xmlNode *n, zsource_expr *out);
/* The first child element `child` of n as an expression, if there is one. */
void zread_expr_child(zwalker *w, xmlNode *n, const char *child, zsource_expr *out, bool *found);
/* The <cap> children of n, appended to caps. */
void zread_caps(zwalker *w, xmlNode *n, GPtrArray *caps);
/* The entity named by attribute attr of n, or -1 (an error). */
int32_t zread_entity_attr(zwalker *w, xmlNode *n, const char *attr);

/* ---- entities, fields and parameters ----------------------------------------- */

void zread_entity(zwalker *w, xmlNode *n);
void zread_parameter(zwalker *w, xmlNode *n);
/* The values of a parameter: after the document's entities are read. */
void zread_param_values(zwalker *w, zparam_decl *d);
/* One <value> of parameter p (keyed by cs, or NULL). */
void zread_param_value(zwalker *w, zparam *p, const zcodeset *cs, xmlNode *c, zparam_value *v);
/* <budget> (budget-read.c); linked by zpolicy_link_budgets. */
void zread_budget(zwalker *w, xmlNode *n);
/* <table> (table-read.c). */
void zread_table(zwalker *w, xmlNode *n);
/* Sorts a parameter's values by (key, from). */
void zparam_sort_values(zparam *p);

#endif
