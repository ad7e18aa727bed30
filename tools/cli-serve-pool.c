/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-serve-pool.c - the fixed pool of evaluation workers of `zjtx serve`.
 * POSIX threads, mutexes and condition variables rather than GThreadPool
 * and GMutex (futexes ThreadSanitizer cannot see), as in the library's
 * eval/pool.c, so that a race in the server is one TSan reports. */
#include <pthread.h>

#include "cli-serve.h"

struct serve_pool {
  pthread_mutex_t lock;
  pthread_cond_t work;
  GQueue jobs; /* data of the jobs waiting, oldest first */
  bool closing;
  serve_pool_fn run;
  size_t n;
  pthread_t *threads;
};

static void *worker(void *data) {
  serve_pool *pool = data;
  pthread_mutex_lock(&pool->lock);
  for (;;) {
    while (g_queue_is_empty(&pool->jobs) && !pool->closing)
      pthread_cond_wait(&pool->work, &pool->lock);
    if (g_queue_is_empty(&pool->jobs))
      break; /* closing, and nothing left to do */
    void *job = g_queue_pop_head(&pool->jobs);
    pthread_mutex_unlock(&pool->lock);
    pool->run(job);
    pthread_mutex_lock(&pool->lock);
  }
  pthread_mutex_unlock(&pool->lock);
  return NULL;
}

serve_pool *serve_pool_new(size_t n, serve_pool_fn run) {
  serve_pool *pool = g_new0(serve_pool, 1);
  pthread_mutex_init(&pool->lock, NULL);
  pthread_cond_init(&pool->work, NULL);
  g_queue_init(&pool->jobs);
  pool->run = run;
  pool->threads = g_new0(pthread_t, n);
  for (; pool->n < n; pool->n++)
    if (pthread_create(&pool->threads[pool->n], NULL, worker, pool) != 0)
      break;
  if (pool->n == 0) {
    serve_pool_free(pool);
    return NULL;
  }
  return pool;
}

void serve_pool_push(serve_pool *pool, void *job) {
  pthread_mutex_lock(&pool->lock);
  g_queue_push_tail(&pool->jobs, job);
  pthread_cond_signal(&pool->work);
  pthread_mutex_unlock(&pool->lock);
}

void serve_pool_free(serve_pool *pool) {
  if (!pool)
    return;
  pthread_mutex_lock(&pool->lock);
  pool->closing = true;
  pthread_cond_broadcast(&pool->work);
  pthread_mutex_unlock(&pool->lock);
  for (size_t i = 0; i < pool->n; i++)
    pthread_join(pool->threads[i], NULL);
  g_free(pool->threads);
  pthread_cond_destroy(&pool->work);
  pthread_mutex_destroy(&pool->lock);
  g_free(pool);
}
