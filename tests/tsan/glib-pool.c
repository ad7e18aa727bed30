/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/tsan/glib-pool.c - tells ThreadSanitizer about GThreadPool's hand-offs.
 *
 * GLib's mutexes and conditions are built on futexes, which TSan does not
 * see, so every job a GThreadPool runs looks like a race with the thread that
 * pushed it, and every result read after g_thread_pool_free(..., TRUE) like a
 * race with the worker that wrote it.  No suppression can name those reports:
 * their stacks hold only libzjtx frames and unsymbolized GLib ones.
 *
 * Preloaded into the TSan run of the threading tests (build-aux/test.sh), this
 * file wraps the three pool calls and states the edges GLib guarantees:
 *   push(data)          happens before  the job's function starts on data;
 *   every job's end     happens before  g_thread_pool_free(pool, _, TRUE) returns.
 * Everything else stays visible to TSan, so a real race in libzjtx still fails.
 * Build: cc -shared -fPIC $(pkg-config --cflags --libs glib-2.0) -ldl (not itself
 * instrumented: it only states edges).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <glib.h>

/* Weak: the preload also reaches processes without TSan (llvm-symbolizer,
 * which TSan starts to print stacks), where these stay NULL. */
extern void __tsan_acquire(void *addr) __attribute__((weak));
extern void __tsan_release(void *addr) __attribute__((weak));

static void happens_after(void *addr) {
  if (__tsan_acquire)
    __tsan_acquire(addr);
}

static void happens_before(void *addr) {
  if (__tsan_release)
    __tsan_release(addr);
}

/* The caller's function and data; becomes the real pool's user_data. */
typedef struct {
  GFunc func;
  gpointer user_data;
} pool_job_fn;

static void *real_symbol(const char *name) {
  void *sym = dlsym(RTLD_NEXT, name);
  if (!sym)
    g_error("tsan-glib-pool: no %s after this library", name);
  return sym;
}

static void run_job(gpointer data, gpointer user_data) {
  pool_job_fn *fn = user_data;
  happens_after(data);
  fn->func(data, fn->user_data);
  happens_before(fn);
}

GThreadPool *g_thread_pool_new(GFunc func, gpointer user_data, gint max_threads, gboolean exclusive, GError **error) {
  GThreadPool *(*real_new)(GFunc, gpointer, gint, gboolean, GError **) = real_symbol("g_thread_pool_new");
  pool_job_fn *fn = g_new(pool_job_fn, 1);
  fn->func = func;
  fn->user_data = user_data;
  GThreadPool *pool = real_new(run_job, fn, max_threads, exclusive, error);
  if (!pool)
    g_free(fn);
  return pool;
}

gboolean g_thread_pool_push(GThreadPool *pool, gpointer data, GError **error) {
  gboolean (*real_push)(GThreadPool *, gpointer, GError **) = real_symbol("g_thread_pool_push");
  happens_before(data);
  return real_push(pool, data, error);
}

void g_thread_pool_free(GThreadPool *pool, gboolean immediate, gboolean wait_) {
  void (*real_free)(GThreadPool *, gboolean, gboolean) = real_symbol("g_thread_pool_free");
  pool_job_fn *fn = pool->user_data; /* read before the pool is gone */
  real_free(pool, immediate, wait_);
  if (wait_) {
    happens_after(fn);
    g_free(fn);
  } /* else jobs may still run: fn stays allocated */
}
