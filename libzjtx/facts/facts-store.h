/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-store.h - the in-memory facts: one column per declared field, one
 * table per entity, and CSR indexes for relations.  Carriers (JSON, CSV, the
 * record API) all go through zfacts_add_record(), so validation lives in one
 * place.  Internal. */
#ifndef ZJTX_FACTS_STORE_H
#define ZJTX_FACTS_STORE_H

#include "error.h"
#include "model.h"

/* One column of a table.  Numbers are stored as int64 mantissas with a fixed
 * scale per field type (money 2, rate 8 as a fraction, count/number as
 * written up to 6): compact, and loaded into a zdec without work. */
typedef struct {
  zfield_type type;
  int32_t scale;  /* decimals of i64 values */
  GArray *i64;    /* money, rate, count, number */
  GArray *i32;    /* date, code, ref (record index after finish) */
  GArray *u8;     /* bool */
  GPtrArray *str; /* text; ref (the id as written) */
} zcolumn;

/* CSR: the records related to owner i are items[offsets[i] .. offsets[i+1]). */
typedef struct {
  int32_t *offsets; /* n_owner + 1 */
  int32_t *items;
} zcsr;

/* One problem with one input record: what a rejects file lists. */
typedef struct {
  const char *file; /* NULL: the record API */
  int32_t line;
  const char *id;     /* the record's id as written, or NULL */
  const char *field;  /* the field concerned, or NULL */
  const char *value;  /* the offending value, or NULL */
  const char *reason; /* what was expected */
} zreject;

typedef struct {
  int32_t entity;
  int32_t n;
  GStringChunk *strings;        /* texts of this table: tables fill in parallel */
  GPtrArray *more_strings;      /* GStringChunk: texts of the chunks merged in (facts-chunk.c), or NULL */
  int64_t read, rejected;       /* records offered and records refused */
  GArray *rejects;              /* zreject: problems, in input order */
  GHashTable *rejected_ids;     /* ids of refused records (keep-going mode) */
  zcolumn *columns;             /* one per field */
  GArray *parent;               /* int32 parent record index (children only) */
  GPtrArray *parent_text;       /* the parent key as written (until finish) */
  GStringChunk *parent_strings; /* their texts (until finish: a tenth of a large population's memory) */
  GArray *where_line;           /* int32 source line of each record (0 unknown) */
  GPtrArray *where_file;        /* const char* source file of each record (until finish) */
  struct zkeys *by_key;         /* id text -> record (facts-keys.h): while finishing, then on first lookup */
  struct zjtx_error *stop;      /* why no record can be added any more (no memory, full), or NULL */
} ztable;

struct zjtx_facts {
  gint refcount; /* atomic: a result holds a reference to its facts */
  struct zjtx_policy *policy;
  ztable *tables;    /* one per entity */
  zcsr *relations;   /* one per policy relation (after finish) */
  int32_t *identity; /* 0, 1, 2, ...: walking every record of a table */
  GStringChunk *strings;
  char *period;
  bool finished;
  bool resolved;    /* references resolved and the texts for it given back (finish) */
  bool keep_going;  /* refuse bad records, keep the rest */
  size_t max_field; /* longest value, in bytes as written */
  size_t max_line;  /* longest CSV record (line), in bytes */
  /* progress while reading, updated and read with atomic operations */
  uint64_t progress_records, progress_bytes, progress_total;
};

/* Where a record came from, for error messages. */
typedef struct {
  const char *file; /* NULL: the record API */
  int line;
  /* e.g. "enterprises[3]"; NULL: "enterprises line 12" for a record of a
   * file (a CSV row: made only for a message, not for every row), else
   * "enterprise #3" */
  const char *what;
} zrecord_origin;

/* Defaults of the limits on untrusted input (include/zjtx/facts.h). */
#define ZFACTS_MAX_FIELD_DEFAULT ((size_t)1 << 20)
#define ZFACTS_MAX_LINE_DEFAULT  ((size_t)4 << 20)

/* Appends `e` (a chain) at *tail and moves *tail to the new end.  A chain
 * grown through one tail pointer costs O(1) per error, where zerr_append
 * walks from the head every time (quadratic over thousands of records). */
static inline void zfacts_append_error(zjtx_error ***tail, zjtx_error *e) {
  **tail = e;
  while (**tail)
    *tail = &(**tail)->next;
}

/* How a carrier's field names map to an entity's fields, resolved once per
 * file (a CSV header) rather than once per record: for each name, the
 * field index, or one of these. */
enum { ZMAP_PARENT_KEY = -2, ZMAP_UNKNOWN = -3, ZMAP_NULL_NAME = -4 };
void zfacts_map_names(const zentity *e, const char *const *names, size_t n, int32_t *map);

/* Adds one record given as field name/value strings (the textual forms of
 * facts.md).  `parent_key` is the parent's id for child entities (NULL when
 * the record is top-level or names its parent among `names`).  Every bad
 * value is appended to *errs (a chain, walked from *errs: pass the chain's
 * tail slot, see zfacts_append_error, to keep appending O(1)); NULL errs
 * collects none.  Returns false if any. */
bool zfacts_add_record(struct zjtx_facts *f, int32_t entity, const char *parent_key, const char *const *names,
                       const char *const *values, size_t n, const zrecord_origin *origin, zjtx_error **errs);
/* The same with the names already mapped by zfacts_map_names(). */
bool zfacts_add_mapped(struct zjtx_facts *f, int32_t entity, const char *parent_key, const char *const *names,
                       const int32_t *map, const char *const *values, size_t n, const zrecord_origin *origin,
                       zjtx_error **errs);

/* New facts from the JSON file `path`, finished (zjtx_facts_load's flags):
 * what zjtx_facts_load (facts-load.c) does for a file (facts-json.c). */
zjtx_status zfacts_load_json_file(struct zjtx_policy *policy, const char *path, int flags, struct zjtx_facts **out,
                                  zjtx_error **err);

/* The whole of the regular file `path`, NUL-terminated, its length in
 * *len; NULL with an error naming the path for anything else (a FIFO, a
 * device), when memory runs out, or when the file changed while read. */
char *zfacts_read_regular_file(const char *path, size_t *len, zjtx_error **err);

/* `s` escaped for a one-line message (control characters as \u00XX,
 * quotes, the bytes of invalid UTF-8 as octal) and cut short when long:
 * how messages quote untrusted text. */
char *zfacts_escape(const char *s);
/* The same, cut after `max` bytes; `keep_quotes`: quotes and backslashes
 * as they are (for text that quotes things itself). */
char *zfacts_escape_max(const char *s, size_t max, bool keep_quotes);
/* `s` escaped (zfacts_escape) and in double quotes: how messages show a
 * value.  All three in facts-escape.c. */
char *zfacts_quote(const char *s);

/* After a record of `entity` could not be added because reading cannot go
 * on (out of memory, a full table): the error, for a carrier to report
 * once (owned by the facts).  NULL while records can be added.  Per table:
 * CSV files fill their tables on parallel threads. */
static inline const struct zjtx_error *zfacts_stopped(const struct zjtx_facts *f, int32_t entity) {
  return f->tables[entity].stop;
}

/* Notes a problem with a record that a carrier could not even hand to
 * zfacts_add_record (a JSON array where a value belongs, a CSV row with the
 * wrong number of fields): counts it read and refused.  Strings are copied. */
void zfacts_reject(struct zjtx_facts *f, int32_t entity, const char *file, int line, const char *id, const char *field,
                   const char *value, const char *reason);
/* Counts one record read and refused by a carrier (after its zfacts_reject
 * calls: a record with three problems is still one record). */
void zfacts_refuse_record(struct zjtx_facts *f, int32_t entity, const char *id);

/* How an absent optional field is stored: a value no input can give (an
 * int64 is parsed within +-INT64_MAX, a date or code index is never
 * negative, a bool is 0 or 1).  A text or a reference is NULL until
 * finish; then a reference's index is ZFACTS_ABSENT_I32. */
#define ZFACTS_ABSENT_I64 INT64_MIN
#define ZFACTS_ABSENT_I32 INT32_MIN
#define ZFACTS_ABSENT_U8  2

/* Value of field `field` of record `rec` of `entity`, as a VM value (never
 * missing: zfacts_is_absent says whether an optional field has one).
 * Inline: the VM reads a field for nearly every instruction it runs. */
static inline zval zfacts_get(const struct zjtx_facts *f, int32_t entity, int32_t field, int32_t rec) {
  const zcolumn *c = &f->tables[entity].columns[field];
  zval v;
  zval_set_present(&v); /* a decimal's scale below overwrites it */
  switch (c->type) {
  case ZF_MONEY:
  case ZF_RATE:
  case ZF_COUNT:
  case ZF_NUMBER:
    v.d.m = ((const int64_t *)(const void *)c->i64->data)[rec];
    v.d.scale = c->scale;
    break;
  case ZF_DATE:
  case ZF_CODE:
  case ZF_REF:
    v.rec = (guint)rec < c->i32->len ? ((const int32_t *)(const void *)c->i32->data)[rec] : -1;
    break;
  case ZF_BOOL:
    v.b = c->u8->data[rec] != 0;
    break;
  default:
    v.s = g_ptr_array_index(c->str, rec);
    break;
  }
  return v;
}

/* Whether record `rec` has no value for (optional) field `field`. */
static inline bool zfacts_is_absent(const struct zjtx_facts *f, int32_t entity, int32_t field, int32_t rec) {
  const zcolumn *c = &f->tables[entity].columns[field];
  switch (c->type) {
  case ZF_MONEY:
  case ZF_RATE:
  case ZF_COUNT:
  case ZF_NUMBER:
    return ((const int64_t *)(const void *)c->i64->data)[rec] == ZFACTS_ABSENT_I64;
  case ZF_DATE:
  case ZF_CODE:
  case ZF_REF:
    return (guint)rec >= c->i32->len || ((const int32_t *)(const void *)c->i32->data)[rec] == ZFACTS_ABSENT_I32;
  case ZF_BOOL:
    return c->u8->data[rec] == ZFACTS_ABSENT_U8;
  default:
    return g_ptr_array_index(c->str, rec) == NULL;
  }
}
/* The column holding the record ids (char*), or NULL when the entity has none. */
GPtrArray *zfacts_key_column(const struct zjtx_facts *f, int32_t entity);
/* The id (key field text) of a record, or a synthetic "#N". buf >= 32 bytes. */
const char *zfacts_record_id(const struct zjtx_facts *f, int32_t entity, int32_t rec, char *buf);

#endif
