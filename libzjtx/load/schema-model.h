/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* schema-model.h - what a RELAX NG schema lets each element hold, read from
 * the schema document itself, for error messages (schema-explain.c).
 * Internal; part of the zjtx-xml static library. */
#ifndef ZJTX_SCHEMA_MODEL_H
#define ZJTX_SCHEMA_MODEL_H

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>

/* One attribute or child element an element definition names. */
typedef struct {
  char *name;
  bool required;   /* in every branch of every choice, outside optional/zeroOrMore */
  GPtrArray *defs; /* attribute: its value patterns; element: its <element> definitions (xmlNode*) */
  int order;       /* a child element: its place in the sequence; children of one interleave share one */
  bool many;       /* a child element: may come more than once */
} zschema_item;

/* A choice between groups of attributes (<field type="text" validator=...>
 * or <field type="money" negative=...>): what each branch takes. */
typedef struct {
  GPtrArray *branches; /* zschema_element*: the attributes of each branch */
  bool optional;       /* inside <optional>: no branch is needed */
} zschema_choice;

/* An <optional> that requires attributes of itself: they come all or
 * none (<entity parent= parent-key=>), and its elements only with them
 * (<filter> only with group-by=). */
typedef struct {
  GStrv attributes; /* required within the optional */
  GStrv elements;   /* any element within it */
} zschema_together;

/* What one <element> definition of the schema allows. */
typedef struct zschema_element {
  GPtrArray *attributes; /* zschema_item*, in schema order */
  GPtrArray *children;   /* zschema_item*, in schema order */
  GPtrArray *text;       /* data patterns of its text content (xmlNode*); empty: any text or none */
  bool any_attribute;    /* <attribute><anyName/>: no name is unknown */
  bool any_text;         /* <text/> or <mixed>: text of any kind */
  bool any_child;        /* <element><anyName/> among its children */
  xmlNode *any_child_def;
  GPtrArray *choices;  /* zschema_choice*: choices of attributes */
  GPtrArray *together; /* zschema_together*: what one <optional> holds */
  GPtrArray *one_of;   /* GStrv: a required choice of elements, one of which must be there */
  int next_order;      /* while reading: the place of the next child element */
  int interleaving;    /* while reading: inside an interleave */
  int repeating;       /* while reading: inside zeroOrMore or oneOrMore */
} zschema_element;

typedef struct zschema zschema;

/* Parses the schema text; NULL when it is not a RELAX NG grammar. */
zschema *zschema_new(const char *data, size_t len);
void zschema_free(zschema *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(zschema, zschema_free)

/* The <element> definition(s) the grammar starts with. */
const GPtrArray *zschema_start(zschema *s);
/* What the <element> definition def allows (computed once, kept in s). */
const zschema_element *zschema_element_of(zschema *s, xmlNode *def);
/* The name of an <element> definition, or NULL for a name class (anyName). */
const char *zschema_element_name(xmlNode *def);
/* Whether the text v matches the value pattern p (a <data>, <value>,
 * <choice>, <ref>, <text>...); patterns it cannot judge count as matching. */
bool zschema_value_ok(zschema *s, xmlNode *p, const char *v);
/* The values p allows when it is a finite list (<value>s in choices),
 * else NULL. */
GPtrArray *zschema_values(zschema *s, xmlNode *p);
/* What p expects, for people: `one of half-up, half-even` or
 * `year-data: [0-9]{4}`.  Newly allocated. */
char *zschema_describe(zschema *s, xmlNode *p);

#endif
