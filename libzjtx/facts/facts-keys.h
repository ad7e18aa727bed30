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
/* The record with id `id`, or -1. */
int32_t zkeys_find(const zkeys *k, const char *id);

/* The record of `entity` with id `id` in finished facts, or -1 when none
 * has it or the entity has no id field.  Thread-safe: the first lookup in
 * a table builds its index (finish gives them back). */
int32_t zfacts_find_id(const struct zjtx_facts *f, int32_t entity, const char *id);

#endif
