/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-json-load.h - what the two files of the JSON carrier's second pass share: one record's tree, the load.
 * Internal.
 *
 * facts-json.c turns YAJL's events into the tree of one top-level record
 * (its children nested in it); facts-json-record.c turns that tree into
 * records of the facts store, in the order and with the messages the
 * carrier always had. */
#ifndef ZJTX_FACTS_JSON_LOAD_H
#define ZJTX_FACTS_JSON_LOAD_H

#include <yajl/yajl_parse.h>

#include "facts-json-par.h"
#include "facts-json-scan.h"
#include "facts-store.h"

/* A value of the record being gathered. */
typedef enum { N_NULL, N_TRUE, N_FALSE, N_INT, N_FLOAT, N_STRING, N_ARRAY, N_OBJECT } znode_kind;
typedef struct {
  znode_kind kind;
  int line;        /* objects: the line of their '{' */
  const char *key; /* a member's name; NULL for an array's element */
  size_t key_len;
  const char *text;    /* scalars: strings decoded, numbers as written */
  int32_t first, next; /* first child, next sibling (node indexes), -1 for none */
  const char *twice;   /* objects: the first member name given twice, or NULL */
  int32_t means;       /* a record's member: what its name means (zjson_meaning), else ZMAP_UNKNOWN */
} znode;

/* An array or object of the record being filled. */
typedef struct {
  int32_t node, last; /* the container and its last child */
  guint count;        /* members so far */
  GHashTable *names;  /* member name -> node index, once an object is wide */
  int32_t entity;     /* a record, or an array of records: their entity; else -1 */
  uint64_t fields;    /* a record: the fields (below 64) it was given */
} zframe;

/* Objects with more members than this find a repeated name by hash. */
enum { LINEAR_NAMES = 16 };

/* What a member name of a record means for its entity: a field index,
 * ZMAP_PARENT_KEY, ZMAP_UNKNOWN, or a child entity (CHILD_BASE - index). */
enum { CHILD_BASE = -16 };

/* The name a record of an entity had at one place, and its meaning. */
typedef struct {
  const char *name; /* the policy's own string */
  size_t len;
  int32_t means;
} zrecent;
enum { RECENT_NAMES = 64 };

/* A record of a run of elements read ahead (facts-json-par.c): its tree's
 * root node, or -1 for an element that is no object; its index. */
typedef struct {
  int32_t root;
  guint index;
} zjson_entry;

/* An array of records read while the document was being checked. */
typedef struct {
  size_t from;      /* its '[' */
  zjtx_error *errs; /* its errors, to take their place among the others */
  bool unusable;
} zjson_streamed;

/* One load: the stream's state, the record being gathered, the errors. */
typedef struct {
  zjtx_facts *facts;
  const char *name;      /* file or buffer name for messages */
  const char *data;      /* the whole document */
  zjson_scan scan;       /* what the first pass found */
  GHashTable **meanings; /* per entity: member name -> meaning (see CHILD_BASE) */
  zrecent *recent;       /* per entity, RECENT_NAMES places: the last name met there */
  /* reading one array of records */
  yajl_handle yajl;
  size_t base;           /* offset of the array in data */
  size_t token_at;       /* read without YAJL: the offset of the '{' just read */
  int32_t entity;        /* the records' entity */
  const char *array_key; /* the array's key: how paths start */
  int top_line;          /* the line of the top object */
  guint index;           /* the element being read */
  int skip;              /* > 0: inside an element that is skipped */
  bool started;          /* the array's '[' was read */
  GArray *entries;       /* reading ahead: zjson_entry, records kept (their trees in nodes) to be loaded later */
  int32_t root;          /* the node of the record being gathered */
  /* the record being gathered */
  GArray *nodes;       /* znode */
  GArray *frames;      /* zframe, innermost last */
  GStringChunk *texts; /* its names and values */
  const char *key;     /* the name of the member whose value comes next */
  size_t key_len;
  int32_t means;   /* and what that name means */
  int32_t replace; /* >= 0: that member was given before: its node */
  /* lines: a cursor moving forward through data */
  bool releasable; /* data is ours, read in order: pages read give back (facts-json.c) */
  size_t released; /* data[0, released) was given back */
  size_t line_at;
  int line;
  /* one record's conversion */
  GPtrArray *names, *values;
  GArray *map;
  zjtx_error *errs, **tail; /* the errors; appended at the tail */
  bool unusable;            /* the document as a whole cannot be read */
  /* the arrays read while the document was being checked (facts-json-par.c) */
  GArray *streamed; /* zjson_streamed, or NULL */
} zjson_load;

static inline const znode *zjson_node(const zjson_load *ld, int32_t i) {
  return &g_array_index(ld->nodes, znode, i);
}

/* An error of the document (not of one record), at `line`. */
void zjson_load_error(zjson_load *ld, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* What the member name member[0, len) of an `entity` record means: a
 * field index, ZMAP_PARENT_KEY, ZMAP_UNKNOWN or a child entity (CHILD_BASE
 * - index), resolved once per load and entity rather than once per record;
 * `pos`: where the member stands in its record, a hint.  *name: the
 * policy's own string for the name, NULL when unknown. */
int32_t zjson_meaning(zjson_load *ld, int32_t entity, const char *member, size_t len, guint pos, const char **name);
/* The record object `o` of `entity` and, recursively, the children nested
 * in it; `path` names it in messages ("schools[3]"). */
void zjson_load_record(zjson_load *ld, int32_t entity, const znode *o, const char *parent_key, const char *path);
/* "<path>[i]", the name of an element in messages: in buf (of `size`
 * bytes) when it fits, else in a new *heap for the caller to free. */
const char *zjson_element_path(char *buf, size_t size, const char *path, guint i, char **heap);
/* An element of an array of records that is no object, refused. */
void zjson_not_a_record(zjson_load *ld, int32_t entity, const char *at, int line);

/* A load's state for `facts` (`own`: data is ours to give back as it is
 * read), and its release. */
void zjson_load_init(zjson_load *ld, zjtx_facts *facts, const char *name, bool own);
void zjson_load_clear(zjson_load *ld);
/* The top-level entity whose plural is `key`, or -1. */
int32_t zjson_top_entity(const struct zjtx_policy *p, const char *key);
/* The run `c` of an array of `entity` records, read ahead: each record's
 * tree into nodes/texts and an entry for it into entries, nothing into the
 * facts.  The first pass checked its bytes: they are read without YAJL. */
void zjson_read_run(zjson_load *ld, int32_t entity, const zjson_chunk *c, GArray *nodes, GStringChunk *texts,
                    GArray *entries);
/* The members of the top object, in json-glib's order (after the scan). */
void zjson_load_document(zjson_load *ld);
/* Checks and reads the document data[0, len) at once on two threads when
 * `opt` allows and the facts are still empty (facts-json-par.c): false,
 * having done nothing, when it does not apply. */
bool zjson_load_parallel(zjson_load *ld, size_t len, const zjson_par_options *opt);
/* The first pass's limits for the facts' policy. */
zjson_limits zjson_limits_for(const zjtx_facts *facts);

#endif
