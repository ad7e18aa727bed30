/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-keys.c - the index of a table's ids: linear probing over a power-of-two array of record numbers.
 *
 * A slot holds record + 1 in its low bits (0: empty) and, in the bits the
 * table's size leaves free, a tag of the id's hash: a probe that meets
 * another id's slot rarely reads that id's text, so a lookup touches the
 * slot array and, almost always, only the text it finds. */
#include "facts-keys.h"

#include <string.h>

#include "facts-internal.h"

struct zkeys {
  const GPtrArray *ids; /* the key column: record -> id text */
  uint32_t *slots;
  uint32_t mask;     /* slots - 1 */
  unsigned rec_bits; /* low bits of a slot: record + 1 */
};

/* FNV-1a over the bytes, then a 64-bit finalizer (MurmurHash3's fmix64)
 * so that the low bits (the slot) and the high bits (the tag) both
 * depend on every byte. */
static uint64_t id_hash(const char *s) {
  uint64_t h = 0xcbf29ce484222325u;
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 0x100000001b3u;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53u;
  h ^= h >> 33;
  return h;
}

/* Bits to write 0 .. n: at most 31 for an int32_t count. */
static unsigned bit_length(int32_t n) {
  unsigned b = 1;
  while (b < 31 && (n >> b) != 0)
    b++;
  return b;
}

zkeys *zkeys_new(const GPtrArray *ids, int32_t n) {
  zkeys *k = g_new0(zkeys, 1);
  k->ids = ids;
  /* at most half full: short probe runs */
  gsize cap = 8;
  while (cap < (gsize)MAX(n, 0) * 2)
    cap *= 2;
  k->slots = g_new0(uint32_t, cap);
  k->mask = (uint32_t)(cap - 1);
  k->rec_bits = bit_length(n);
  return k;
}

void zkeys_free(zkeys *k) {
  if (!k)
    return;
  g_free(k->slots);
  g_free(k);
}

static uint32_t tag_of(const zkeys *k, uint64_t h) {
  return (uint32_t)(h >> 32) & ((1u << (32 - k->rec_bits)) - 1);
}

static int32_t slot_record(const zkeys *k, uint32_t s) {
  return s ? (int32_t)((s & ((1u << k->rec_bits) - 1)) - 1) : -1;
}

/* The slot holding `id`, or the empty slot where it belongs. */
static uint32_t probe(const zkeys *k, const char *id, uint64_t h, uint32_t tag) {
  for (uint32_t i = (uint32_t)h & k->mask;; i = (i + 1) & k->mask) {
    uint32_t s = k->slots[i];
    if (s == 0 || (s >> k->rec_bits == tag && strcmp(g_ptr_array_index(k->ids, slot_record(k, s)), id) == 0))
      return i;
  }
}

/* zkeys_add with the id's hash already made. */
static int32_t add_hashed(zkeys *k, int32_t rec, uint64_t h) {
  const char *id = g_ptr_array_index(k->ids, rec);
  if (!id)
    return -1; /* no id: nothing to find it by */
  uint32_t tag = tag_of(k, h);
  uint32_t i = probe(k, id, h, tag);
  if (k->slots[i])
    return slot_record(k, k->slots[i]);
  k->slots[i] = tag << k->rec_bits | ((uint32_t)rec + 1);
  return -1;
}

int32_t zkeys_add(zkeys *k, int32_t rec) {
  const char *id = g_ptr_array_index(k->ids, rec);
  return id ? add_hashed(k, rec, id_hash(id)) : -1;
}

int32_t zkeys_find(const zkeys *k, const char *id) {
  if (!k || !id)
    return -1;
  uint64_t h = id_hash(id);
  return slot_record(k, k->slots[probe(k, id, h, tag_of(k, h))]);
}

/* Finishing builds every table's index to find duplicates and resolve
 * references, then gives them back: evaluation never looks a record up by
 * its id.  A lookup afterwards (a label, an explanation) builds the index
 * of its table once, whichever thread asks first. */
/* Stages of zkeys_find_many, in ids ahead of the lookup: the slot, the key
 * column's entry the slot names, the text that entry points to. */
enum { AHEAD = 16, COLUMN_AHEAD = 8, TEXT_AHEAD = 4 };

/* The slot item `j` hashes to (its hash in hs), for the prefetches: its
 * first slot only (the lookup probes on when needed). */
static uint32_t first_slot(const zkeys *k, const uint64_t *hs, size_t j) {
  return k->slots[(uint32_t)hs[j % AHEAD] & k->mask];
}

void zkeys_find_many(const zkeys *k, const char *const *ids, size_t n, int32_t *out) {
  uint64_t hs[AHEAD];
  for (size_t i = 0; k && i < n + AHEAD; i++) {
    if (i >= AHEAD && ids[i - AHEAD]) { /* the lookup, its memory (likely) fetched */
      size_t m = i - AHEAD;
      out[m] = slot_record(k, k->slots[probe(k, ids[m], hs[m % AHEAD], tag_of(k, hs[m % AHEAD]))]);
    } else if (i >= AHEAD) {
      out[i - AHEAD] = -1;
    }
    size_t t = i - (AHEAD - TEXT_AHEAD), c = i - (AHEAD - COLUMN_AHEAD);
    uint32_t s;
    if (i >= AHEAD - TEXT_AHEAD && t < n && ids[t] && (s = first_slot(k, hs, t)) != 0)
      __builtin_prefetch(g_ptr_array_index(k->ids, slot_record(k, s)));
    if (i >= AHEAD - COLUMN_AHEAD && c < n && ids[c] && (s = first_slot(k, hs, c)) != 0)
      __builtin_prefetch(&k->ids->pdata[slot_record(k, s)]);
    if (i < n && ids[i]) {
      hs[i % AHEAD] = id_hash(ids[i]);
      __builtin_prefetch(&k->slots[(uint32_t)hs[i % AHEAD] & k->mask]);
    }
  }
  for (size_t i = 0; !k && i < n; i++)
    out[i] = -1;
}

void zkeys_add_many(zkeys *k, int32_t from, int32_t n, int32_t *first) {
  uint64_t hs[AHEAD];
  for (int32_t i = 0; i < n + AHEAD; i++) {
    if (i >= AHEAD) {
      int32_t m = i - AHEAD;
      first[m] = add_hashed(k, from + m, hs[m % AHEAD]);
    }
    const char *id = i < n ? g_ptr_array_index(k->ids, from + i) : NULL;
    if (id) {
      hs[i % AHEAD] = id_hash(id);
      __builtin_prefetch(&k->slots[(uint32_t)hs[i % AHEAD] & k->mask]);
    }
  }
}

int32_t zfacts_find_id(const struct zjtx_facts *f, int32_t entity, const char *id) {
  const GPtrArray *keys = zfacts_key_column(f, entity);
  if (!keys || !id)
    return -1;
  ztable *t = &f->tables[entity];
  if (g_once_init_enter(&t->by_key)) {
    zkeys *k = zkeys_new(keys, t->n);
    for (int32_t r = 0; r < t->n; r++)
      zkeys_add(k, r);
    g_once_init_leave(&t->by_key, k);
  }
  return zkeys_find(t->by_key, id);
}
