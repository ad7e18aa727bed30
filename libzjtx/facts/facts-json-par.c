/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-json-par.c - the JSON carrier on two threads: the records are read while the document is still checked.
 *
 * A second thread runs the first pass (facts-json-scan.c) over the whole
 * document.  As it passes the elements of the top-level array of records,
 * it hands them over in runs; the calling thread reads each run into
 * record trees (facts-json.c: the events YAJL would give, read without it
 * since the bytes are checked) and loads them into the facts, in order.  Once the check is over, the second thread
 * reads runs ahead too, a few at most, which the calling thread then only loads.
 *
 * Nothing visible changes: records go in in the order and with the
 * messages of one thread.  If the check finds the document invalid, the
 * facts (empty before: the only case taken) are emptied again and the
 * check's error is the one reported; if a streamed array is not the value
 * json-glib keeps (its key is given again later), the tables it filled are
 * emptied and the value kept (never streamed, never given back) is read in
 * turn.  The errors of each array take its place among the document's
 * other errors. */
#define _DEFAULT_SOURCE /* madvise */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "facts-internal.h"
#include "facts-json-load.h"

/* Runs read ahead and not yet loaded: memory stays a few megabytes. */
enum { AHEAD = 8 };

typedef enum { RUN_NEW, RUN_READING, RUN_READ } zrun_state;

/* A top-level array of records streamed: told by the checking thread
 * before its first run, then read only; its errors the calling thread's. */
typedef struct {
  char *key;
  int32_t entity;
  size_t from; /* its '[' */
  int top_line;
  zjtx_error *errs;
  bool unusable;
} zarray;

/* A run of elements, as the check handed it over, and once read its
 * records' trees. */
typedef struct {
  zjson_chunk c;
  const zarray *array;
  zrun_state state;
  GArray *nodes; /* znode */
  GStringChunk *texts;
  GArray *entries; /* zjson_entry */
} zrun;

/* What the two threads share: all under `lock` but the document. */
typedef struct {
  zjson_load *ld; /* the load; its scan is the checking thread's until joined */
  size_t len;
  size_t run_bytes;
  pthread_mutex_t lock; /* POSIX: ThreadSanitizer sees it (eval/pool.c) */
  pthread_cond_t changed;
  GPtrArray *runs; /* zrun*, in order */
  bool checked, valid;
  bool abandoned;    /* the calling thread stopped loading */
  guint loaded;      /* runs loaded */
  GPtrArray *arrays; /* zarray*, in order */
  GPtrArray *spare;  /* zrun*: the storage of runs loaded, for the next ones (no page faults) */
} zpar;

static void array_free(gpointer data) {
  zarray *a = data;
  g_free(a->key);
  zjtx_error_free(a->errs);
  g_free(a);
}

static void run_free(gpointer data) {
  zrun *r = data;
  if (!r)
    return;
  if (r->nodes)
    g_array_unref(r->nodes);
  if (r->texts)
    g_string_chunk_free(r->texts);
  if (r->entries)
    g_array_unref(r->entries);
  g_free(r);
}

/* ---- the checking thread -------------------------------------------------- */

static bool take_array(void *ctx, const char *key, size_t from, int line, int top_line) {
  zpar *p = ctx;
  (void)line;
  int32_t e = zjson_top_entity(p->ld->facts->policy, key);
  if (e < 0)
    return false;
  /* a key given again: its value is read after the check, never given back */
  for (guint i = 0; i < p->arrays->len; i++) /* the arrays are this thread's to add to */
    if (strcmp(((const zarray *)g_ptr_array_index(p->arrays, i))->key, key) == 0)
      return false;
  zarray *a = g_new0(zarray, 1);
  a->key = g_strdup(key);
  a->entity = e;
  a->from = from;
  a->top_line = top_line;
  pthread_mutex_lock(&p->lock);
  g_ptr_array_add(p->arrays, a);
  pthread_mutex_unlock(&p->lock);
  return true;
}

static void take_run(void *ctx, const zjson_chunk *c) {
  zpar *p = ctx;
  zrun *r = g_new0(zrun, 1);
  r->c = *c;
  pthread_mutex_lock(&p->lock);
  r->array = g_ptr_array_index(p->arrays, p->arrays->len - 1);
  g_ptr_array_add(p->runs, r);
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
}

/* Reads the run r into its trees, on either thread (`ld`: that thread's). */
static void read_run(zpar *p, zjson_load *ld, zrun *r) {
  pthread_mutex_lock(&p->lock);
  zrun *spare = p->spare->len ? g_ptr_array_steal_index_fast(p->spare, p->spare->len - 1) : NULL;
  pthread_mutex_unlock(&p->lock);
  if (spare) {
    r->nodes = g_steal_pointer(&spare->nodes);
    r->texts = g_steal_pointer(&spare->texts);
    r->entries = g_steal_pointer(&spare->entries);
    run_free(spare);
  }
  if (!r->nodes)
    r->nodes = g_array_new(FALSE, FALSE, sizeof(znode));
  if (!r->texts)
    r->texts = g_string_chunk_new(64 * 1024);
  if (!r->entries)
    r->entries = g_array_new(FALSE, FALSE, sizeof(zjson_entry));
  zjson_read_run(ld, r->array->entity, &r->c, r->nodes, r->texts, r->entries);
}

/* The next run to read ahead, at most AHEAD past the last loaded, or NULL
 * when there is none left: waits while the calling thread catches up. */
static zrun *next_to_read_ahead(zpar *p) {
  for (;;) {
    bool left = false;
    for (guint i = p->loaded; i < p->runs->len && !p->abandoned; i++) {
      zrun *r = g_ptr_array_index(p->runs, i);
      if (r->state != RUN_NEW)
        continue;
      if (i >= p->loaded + AHEAD) {
        left = true;
        break;
      }
      r->state = RUN_READING;
      return r;
    }
    if (!left)
      return NULL;
    pthread_cond_wait(&p->changed, &p->lock);
  }
}

static void read_ahead(zpar *p) {
  zjson_load ld;
  zjson_load_init(&ld, p->ld->facts, p->ld->name, false);
  ld.data = p->ld->data;
  pthread_mutex_lock(&p->lock);
  for (zrun *r; (r = next_to_read_ahead(p));) {
    pthread_mutex_unlock(&p->lock);
    read_run(p, &ld, r);
    pthread_mutex_lock(&p->lock);
    r->state = RUN_READ;
    pthread_cond_broadcast(&p->changed);
  }
  pthread_mutex_unlock(&p->lock);
  zjson_load_clear(&ld);
}

static gpointer check_then_read(gpointer data) {
  zpar *p = data;
  zjson_watch watch = {take_array, take_run, p, p->run_bytes};
  zjson_limits lim = zjson_limits_for(p->ld->facts);
  lim.watch = &watch;
  bool valid = zjson_prescan(p->ld->data, p->len, &lim, &p->ld->scan);
  pthread_mutex_lock(&p->lock);
  p->checked = true;
  p->valid = valid;
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
  if (valid)
    read_ahead(p);
  return NULL;
}

/* ---- the calling thread ------------------------------------------------------ */

/* The run i once it can be loaded (read here if no one has begun it), or
 * NULL when there is none (the array ended, or the check failed). */
static zrun *run_to_load(zpar *p, zjson_load *ld, guint i) {
  pthread_mutex_lock(&p->lock);
  while (i >= p->runs->len && !p->checked)
    pthread_cond_wait(&p->changed, &p->lock);
  zrun *r = i < p->runs->len && (!p->checked || p->valid) ? g_ptr_array_index(p->runs, i) : NULL;
  bool mine = r && r->state == RUN_NEW;
  if (mine)
    r->state = RUN_READING;
  while (r && !mine && r->state != RUN_READ)
    pthread_cond_wait(&p->changed, &p->lock);
  pthread_mutex_unlock(&p->lock);
  if (mine)
    read_run(p, ld, r);
  return r;
}

/* The records of run r into the facts, in order, as facts-json.c's
 * stream loads them; ld->nodes are the run's while it lasts. */
static void load_run(zjson_load *ld, zrun *r) {
  const zarray *a = r->array;
  GArray *own = ld->nodes;
  ld->nodes = r->nodes;
  for (guint i = 0; r->entries && i < r->entries->len; i++) {
    const zjson_entry *en = &g_array_index(r->entries, zjson_entry, i);
    if (zfacts_stopped(ld->facts, a->entity))
      continue;
    char buf[256];
    g_autofree char *heap = NULL;
    const char *at = zjson_element_path(buf, sizeof buf, a->key, en->index, &heap);
    if (en->root < 0)
      zjson_not_a_record(ld, a->entity, at, a->top_line);
    else
      zjson_load_record(ld, a->entity, zjson_node(ld, en->root), NULL, at);
  }
  ld->nodes = own;
}

/* Gives back the whole pages of data[*released, upto) (facts-json.c's
 * reason): the check is past them, and so is every run before. */
static void give_back(zjson_load *ld, size_t *released, size_t upto) {
#ifdef MADV_DONTNEED
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t from = ((uintptr_t)(ld->data + *released) + page - 1) & ~(page - 1);
  uintptr_t to = (uintptr_t)(ld->data + upto) & ~(page - 1);
  if (!ld->releasable || upto < *released + (8 << 20) || to <= from)
    return;
  if (madvise((void *)from, to - from, MADV_DONTNEED) == 0)
    *released = (size_t)(to - (uintptr_t)ld->data);
#else
  (void)ld;
  (void)released;
  (void)upto;
#endif
}

/* Run r loaded: its storage, emptied, for a run to come (under the lock). */
static void keep_storage(zpar *p, zrun *r) {
  if (r->nodes)
    g_array_set_size(r->nodes, 0);
  if (r->texts)
    g_string_chunk_clear(r->texts);
  if (r->entries)
    g_array_set_size(r->entries, 0);
  g_ptr_array_add(p->spare, r);
}

/* The errors collected so far are the array's (the calling thread's). */
static void array_done(zjson_load *ld, zarray *a) {
  if (!a)
    return;
  a->errs = ld->errs;
  a->unusable = ld->unusable;
  ld->errs = NULL;
  ld->tail = &ld->errs;
  ld->unusable = false;
}

/* Loads the runs in order as the check hands them over; `ld` collects
 * the errors of each array in turn. */
static void load_runs(zpar *p, zjson_load *ld) {
  size_t released = 0;
  zarray *current = NULL;
  for (guint i = 0;; i++) {
    zrun *r = run_to_load(p, ld, i);
    if (!r)
      break;
    if (r->array != current) { /* pages are given back within an array only */
      array_done(ld, current);
      current = (zarray *)r->array;
      released = current->from;
    }
    load_run(ld, r);
    size_t upto = r->c.to;
    pthread_mutex_lock(&p->lock);
    g_ptr_array_index(p->runs, i) = NULL;
    keep_storage(p, r);
    p->loaded = i + 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    give_back(ld, &released, upto);
  }
  array_done(ld, current);
  pthread_mutex_lock(&p->lock);
  p->abandoned = true;
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
}

/* Whether no record was offered to the facts yet: then they can be
 * emptied again as if nothing happened. */
static bool facts_empty(const zjtx_facts *f) {
  for (guint i = 0; i < f->policy->entities->len; i++) {
    const ztable *t = &f->tables[i];
    if (t->n || t->read || t->rejected || t->rejects->len || t->stop)
      return false;
  }
  return true;
}

/* Whether `entity` is `top` or nests in it, however deep. */
static bool within(const struct zjtx_policy *p, int32_t entity, int32_t top) {
  for (guint depth = 0; entity >= 0 && depth <= p->entities->len; depth++, entity = zpolicy_entity(p, entity)->parent)
    if (entity == top)
      return true;
  return false;
}

/* Empties the tables of `top` (all of them if -1) and of the entities
 * nested in it: only its arrays fill them. */
static void empty_facts(zjtx_facts *f, int32_t top) {
  for (guint i = 0; i < f->policy->entities->len; i++) {
    const zentity *e = zpolicy_entity(f->policy, (int32_t)i);
    if (top >= 0 && !within(f->policy, (int32_t)i, top))
      continue;
    zfacts_table_clear(&f->tables[i], e);
    memset(&f->tables[i], 0, sizeof f->tables[i]);
    zfacts_table_init(&f->tables[i], e);
  }
}

/* Whether the value json-glib kept for the array's key is the array. */
static bool kept(const zarray *arr, const zjson_scan *scan) {
  for (guint i = 0; i < scan->members->len; i++) {
    const zjson_member *m = &g_array_index(scan->members, zjson_member, i);
    if (strcmp(m->key, arr->key) == 0)
      return m->from == arr->from;
  }
  return false;
}

/* The arrays read, for zjson_load_document to put their errors in place.
 * An array whose key was given again later is not the value json-glib
 * kept: its records are taken back, and the value kept is read in turn. */
static GArray *streamed_arrays(zpar *p, const zjson_scan *scan) {
  GArray *out = g_array_new(FALSE, FALSE, sizeof(zjson_streamed));
  for (guint a = 0; a < p->arrays->len; a++) {
    zarray *arr = g_ptr_array_index(p->arrays, a);
    if (!kept(arr, scan)) {
      empty_facts(p->ld->facts, arr->entity);
      continue;
    }
    zjson_streamed s = {arr->from, g_steal_pointer(&arr->errs), arr->unusable};
    g_array_append_val(out, s);
  }
  return out;
}

zjson_par_options zjson_par_defaults(void) {
  return (zjson_par_options){g_get_num_processors() > 1 ? 2 : 1, 4 << 20, 64 << 10};
}

bool zjson_load_parallel(zjson_load *ld, size_t len, const zjson_par_options *opt) {
  if (!opt || opt->threads < 2 || len < opt->min_bytes || !facts_empty(ld->facts))
    return false;
  zpar p = {.ld = ld,
            .len = len,
            .run_bytes = MAX(opt->run_bytes, 1),
            .runs = g_ptr_array_new_with_free_func(run_free),
            .arrays = g_ptr_array_new_with_free_func(array_free),
            .spare = g_ptr_array_new_with_free_func(run_free)};
  pthread_mutex_init(&p.lock, NULL);
  pthread_cond_init(&p.changed, NULL);
  GThread *checker = g_thread_try_new("zjtx-json", check_then_read, &p, NULL);
  if (!checker) {
    g_ptr_array_unref(p.spare);
    g_ptr_array_unref(p.runs);
    g_ptr_array_unref(p.arrays);
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.changed);
    return false;
  }
  zjson_load mine;
  zjson_load_init(&mine, ld->facts, ld->name, ld->releasable);
  mine.data = ld->data;
  load_runs(&p, &mine);
  g_thread_join(checker);
  if (!p.valid) { /* the check's error alone, and no record */
    empty_facts(ld->facts, -1);
    zfacts_append_error(
        &ld->tail, zerr_new(ld->scan.code, ld->name, ld->scan.line, ld->scan.column, NULL, "%s", ld->scan.message));
    ld->unusable = true;
  } else {
    ld->streamed = streamed_arrays(&p, &ld->scan);
    zjson_load_document(ld);
  }
  zjson_load_clear(&mine);
  g_ptr_array_unref(p.arrays);
  g_ptr_array_unref(p.runs);
  g_ptr_array_unref(p.spare);
  pthread_mutex_destroy(&p.lock);
  pthread_cond_destroy(&p.changed);
  return true;
}
