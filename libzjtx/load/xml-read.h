/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xml-read.h - reading untrusted XML safely: limits, no DTD, UTF-8 only, the
 * first error kept, optional RELAX NG validation (every schema error kept,
 * in words worked out from the schema: schema-explain.h).  Internal; built as a
 * static library of its own so that the zjtx command can read its test
 * files the same way (it depends on GLib and libxml2 only). */
#ifndef ZJTX_XML_READ_H
#define ZJTX_XML_READ_H

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "zjtx/common.h"

/* Limits and wording for one kind of document. */
typedef struct {
  const char *what; /* the noun in messages: "policy", "test file" */
  size_t max_bytes;
  int max_depth; /* element nesting */
} zxml_limits;

/* A RELAX NG schema as text (embedded at build time). */
typedef struct {
  const char *data;
  size_t len;
} zxml_schema;

/* A problem found: the first one, or, for schema errors, every one in
 * document order (chained through next). */
typedef struct zxml_error {
  zjtx_status code; /* ZJTX_ERR_LIMIT, _XML, _SCHEMA or _NOMEM */
  char *message;    /* one line */
  int line, column; /* 0 when unknown */
  char *element;    /* a schema error: the element it is about, or NULL */
  struct zxml_error *next;
} zxml_error;

/* Frees e and the errors chained after it. */
void zxml_error_free(zxml_error *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(zxml_error, zxml_error_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

/* Checks the raw text (size, encoding, DOCTYPE, nesting), parses it without
 * network, DTD or entity substitution and, when schema is not NULL,
 * validates it.  `file` names the document for libxml2.  On success *doc
 * is the caller's (xmlFreeDoc); on failure *doc is NULL and *err (if err is
 * not NULL) the first problem, or every schema error, each saying what the
 * schema expected (schema-explain.c). */
bool zxml_read(const char *data, size_t len, const char *file, const zxml_schema *schema, const zxml_limits *limits,
               xmlDoc **doc, zxml_error **err);

/* Validates doc against schema; on failure *err (if not NULL) is every
 * schema error, with the element it is about (no columns: the text is not
 * known). */
bool zxml_validate(xmlDoc *doc, const zxml_schema *schema, zxml_error **err);

/* Folds line breaks (and the spaces around them) into one space and strips
 * the ends, in place: libxml2's messages end with, and sometimes hold, a
 * newline. Returns s. */
char *zxml_one_line(char *s);

#endif
