/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-keys.h - the index of a table's ids (facts-keys.c): id text -> record, built at finish.  Internal. */
#ifndef ZJTX_FACTS_KEYS_H
#define ZJTX_FACTS_KEYS_H

#include <glib.h>
#include <stdint.h>

struct zjtx_facts;

/* An open-addressing table of record numbers, 4 bytes a slot, that hashes
 * the id texts where the key column keeps them: a tenth of a GHashTable's
 * memory for a million ids (no key pointer, no value, no stored hash). */
typedef struct zkeys zkeys;

/* An empty index for the `n` records whose ids are the texts of `ids` (the
 * key column, borrowed: it must outlive the index and not change while
 * the index is in use). */
zkeys *zkeys_new(const GPtrArray *ids, int32_t n);
void zkeys_free(zkeys *k);
/* Adds record `rec` (< n) under its id; returns -1, or the record that
 * already has that id (then `rec` is not added: the first keeps it). */
int32_t zkeys_add(zkeys *k, int32_t rec);
/* zkeys_add of the `n` records from `from`, each one's answer in first[i]:
 * the slots fetched some records ahead, so that their cache misses overlap. */
void zkeys_add_many(zkeys *k, int32_t from, int32_t n, int32_t *first);
/* The record with id `id`, or -1. */
int32_t zkeys_find(const zkeys *k, const char *id);

/* The records of the `n` ids `ids` into `out` (-1: none, or a NULL id):
 * what zkeys_find says of each, with the memory each lookup reads fetched
 * some ids ahead, so that the cache misses of a large table overlap. */
void zkeys_find_many(const zkeys *k, const char *const *ids, size_t n, int32_t *out);

/* The record of `entity` with id `id` in finished facts, or -1 when none
 * has it or the entity has no id field.  Thread-safe: the first lookup in
 * a table builds its index (finish gives them back). */
int32_t zfacts_find_id(const struct zjtx_facts *f, int32_t entity, const char *id);

#endif
