/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-internal.h - what the files of the facts store share among themselves.  Internal to facts*.c.
 *
 * facts-store.h is what the evaluator and the carriers see; this header is
 * for the store's own files, in layers, each calling only those below it:
 *   facts.c          the public API
 *   facts-record.c   one record checked and stored
 *   facts-finish.c   ids, references, relations
 *   facts-keys.c     the index of ids (facts-keys.h)
 *   facts-table.c    tables, columns, rejects, the key column
 *   facts-escape.c   values quoted in messages (declared in facts-store.h) */
#ifndef ZJTX_FACTS_INTERNAL_H
#define ZJTX_FACTS_INTERNAL_H

#include "facts-keys.h"
#include "facts-store.h"

/* Scales of the stored int64 mantissas (facts-store.h).  A rate is written
 * in percent with up to 6 decimals and kept as a fraction: percent at scale
 * 6 and fraction at scale 8 have the same mantissa, so no arithmetic. */
enum { MONEY_SCALE = 2, RATE_SCALE = 8, RATE_WRITTEN = 6, NUMBER_SCALE = 6 };

/* What an absent code or reference reads as (facts-store.h). */
#define ABSENT_INDEX ZFACTS_ABSENT_I32

/* Makes the empty table of entity `e`, one column per field; clears it (facts-table.c). */
void zfacts_table_init(ztable *t, const zentity *e);
void zfacts_table_clear(ztable *t, const zentity *e);
/* Notes a problem with a record in its table's rejects (strings copied). */
void zfacts_add_reject(ztable *t, const char *file, int line, const char *id, const char *field, const char *value,
                       const char *reason);
/* Moves the records of `part`, a table of the same entity filled apart
 * (a chunk of a CSV file read on another thread), to the end of `t`, their
 * source lines moved by `line_shift`; `part` is left cleared
 * (facts-table.c).  False when `t` would hold too many records: then
 * nothing moves. */
bool zfacts_table_append(ztable *t, ztable *part, const zentity *e, int32_t line_shift);
/* Counts one record read and refused in table `t` (zfacts_refuse_record). */
void zfacts_table_refuse(ztable *t, const char *id);
/* zfacts_add_mapped() into table `t` of `entity`: the entity's own table
 * or one filled apart and merged later (facts-record.c). */
bool zfacts_add_to_table(struct zjtx_facts *f, ztable *t, int32_t entity, const char *parent_key,
                         const char *const *names, const int32_t *map, const char *const *values, size_t n,
                         const zrecord_origin *origin, zjtx_error **errs);
/* Frees the relation indexes built at finish (facts-finish.c). */
void zfacts_free_relations(struct zjtx_facts *f);

#endif
