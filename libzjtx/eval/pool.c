/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pool.c - the worker threads of one evaluation: started once, handed one
 * piece of work at a time (a rule's record ranges), joined at the end.
 *
 * The hand-off uses POSIX mutexes and condition variables, not GMutex and
 * GCond: on Linux those are bare futexes that ThreadSanitizer cannot see,
 * so every piece of work handed over would be reported as a race. */
#include <pthread.h>

#include "eval-internal.h"

typedef struct {
  zpool *pool;
  int index;
  zrun run; /* the worker's own: nothing in it is shared */
  GThread *thread;
} zslot;

struct zpool {
  pthread_mutex_t lock;
  pthread_cond_t work, done;
  guint generation; /* bumped for each piece of work */
  int pending;      /* workers not done with it yet */
  bool quit;
  zpool_fn fn;
  void *data;
  zrun *own; /* slot 0's run: the caller's */
  int n;     /* slots, the caller's included */
  zslot *slots;
};

static gpointer worker(gpointer data) {
  zslot *slot = data;
  zpool *pool = slot->pool;
  guint seen = 0;
  pthread_mutex_lock(&pool->lock);
  for (;;) {
    while (!pool->quit && pool->generation == seen)
      pthread_cond_wait(&pool->work, &pool->lock);
    if (pool->quit)
      break;
    seen = pool->generation;
    zpool_fn fn = pool->fn;
    void *work = pool->data;
    pthread_mutex_unlock(&pool->lock);
    fn(&slot->run, slot->index, pool->n, work);
    pthread_mutex_lock(&pool->lock);
    if (--pool->pending == 0)
      pthread_cond_signal(&pool->done);
  }
  pthread_mutex_unlock(&pool->lock);
  return NULL;
}

zpool *zpool_new(int threads, zrun *own, const zjtx_policy *p, const zjtx_facts *f, const zjtx_options *o,
                 zjtx_error **err) {
  zpool *pool = g_new0(zpool, 1);
  pthread_mutex_init(&pool->lock, NULL);
  pthread_cond_init(&pool->work, NULL);
  pthread_cond_init(&pool->done, NULL);
  pool->own = own;
  pool->slots = g_new0(zslot, (gsize)MAX(1, threads));
  pool->n = 1;
  for (int i = 1; i < threads; i++) {
    zslot *slot = &pool->slots[i];
    slot->pool = pool;
    slot->index = i;
    if (zrun_init(&slot->run, p, f, o, err) != ZJTX_OK) {
      zpool_free(pool);
      return NULL;
    }
    /* a thread that cannot start leaves fewer slots: the results do not
     * depend on how many there are */
    slot->thread = g_thread_try_new("zjtx-eval", worker, slot, NULL);
    if (!slot->thread) {
      zrun_clear(&slot->run);
      break;
    }
    pool->n++;
  }
  return pool;
}

int zpool_slots(const zpool *pool) {
  return pool->n;
}

void zpool_run(zpool *pool, zpool_fn fn, void *data) {
  pthread_mutex_lock(&pool->lock);
  pool->fn = fn;
  pool->data = data;
  pool->pending = pool->n - 1;
  pool->generation++;
  pthread_cond_broadcast(&pool->work);
  pthread_mutex_unlock(&pool->lock);
  fn(pool->own, 0, pool->n, data);
  pthread_mutex_lock(&pool->lock);
  while (pool->pending > 0)
    pthread_cond_wait(&pool->done, &pool->lock);
  pthread_mutex_unlock(&pool->lock);
}

void zpool_free(zpool *pool) {
  if (!pool)
    return;
  pthread_mutex_lock(&pool->lock);
  pool->quit = true;
  pthread_cond_broadcast(&pool->work);
  pthread_mutex_unlock(&pool->lock);
  for (int i = 1; i < pool->n; i++) {
    g_thread_join(pool->slots[i].thread);
    zrun_clear(&pool->slots[i].run);
  }
  g_free(pool->slots);
  pthread_cond_destroy(&pool->done);
  pthread_cond_destroy(&pool->work);
  pthread_mutex_destroy(&pool->lock);
  g_free(pool);
}
