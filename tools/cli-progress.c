/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-progress.c - which phase `zjtx evaluate` is in and for how long, on a
 * terminal.  Loading and evaluating are single library calls, so a thread
 * redraws the current phase's line with its elapsed time while it lasts.
 * The main thread writes to stderr only between phases; the lock keeps the
 * two from interleaving. */
#include <stdarg.h>

#include "cli.h"

#define TICK_US (100 * G_TIME_SPAN_MILLISECOND)

struct cli_progress {
  GMutex lock;
  GCond wake;
  GThread *thread;
  GTimer *total, *phase_timer;
  const char *phase;         /* NULL between phases */
  const zjtx_facts *reading; /* facts being read in this phase, or NULL */
  bool stop;
};

/* "loading facts… 1.2 s" and, while facts are read: a bar of the bytes
 * read, records/s and the time left. */
static void draw(cli_progress *pr, const char *end) {
  double t = g_timer_elapsed(pr->phase_timer, NULL);
  fprintf(stderr, "\r\033[Kzjtx: %s… %.1f s", pr->phase, t);
  uint64_t records = 0, bytes = 0, total = 0;
  if (pr->reading)
    zjtx_facts_progress(pr->reading, &records, &bytes, &total);
  if (total > 0 && t > 0) {
    char bar[21];
    size_t filled = (size_t)(20.0 * (double)bytes / (double)total);
    for (size_t i = 0; i < 20; i++)
      bar[i] = i < filled ? '#' : '.';
    bar[20] = '\0';
    double left = bytes > 0 ? t * (double)(total - MIN(bytes, total)) / (double)bytes : 0;
    fprintf(stderr, " [%s] %3.0f%%  %.0f records/s  ETA %.1f s", bar, 100.0 * (double)bytes / (double)total,
            (double)records / t, left);
  }
  fputs(end, stderr);
}

static gpointer ticker(gpointer data) {
  cli_progress *pr = data;
  g_mutex_lock(&pr->lock);
  while (!pr->stop) {
    if (pr->phase)
      draw(pr, "");
    g_cond_wait_until(&pr->wake, &pr->lock, g_get_monotonic_time() + TICK_US);
  }
  g_mutex_unlock(&pr->lock);
  return NULL;
}

cli_progress *cli_progress_new(bool enabled) {
  if (!enabled)
    return NULL;
  cli_progress *pr = g_new0(cli_progress, 1);
  g_mutex_init(&pr->lock);
  g_cond_init(&pr->wake);
  pr->total = g_timer_new();
  pr->phase_timer = g_timer_new();
  pr->thread = g_thread_new("zjtx-progress", ticker, pr);
  return pr;
}

void cli_progress_begin(cli_progress *pr, const char *phase) {
  if (!pr)
    return;
  g_mutex_lock(&pr->lock);
  pr->phase = phase;
  g_timer_start(pr->phase_timer);
  draw(pr, "");
  g_mutex_unlock(&pr->lock);
}

void cli_progress_reading(cli_progress *pr, const zjtx_facts *facts) {
  if (!pr)
    return;
  g_mutex_lock(&pr->lock);
  pr->reading = facts;
  g_mutex_unlock(&pr->lock);
}

void cli_progress_end(cli_progress *pr) {
  if (!pr)
    return;
  g_mutex_lock(&pr->lock);
  if (pr->phase)
    draw(pr, "\n");
  pr->phase = NULL;
  pr->reading = NULL;
  g_mutex_unlock(&pr->lock);
}

double cli_progress_elapsed(const cli_progress *pr) {
  return pr ? g_timer_elapsed(pr->total, NULL) : 0.0;
}

void cli_progress_note(cli_progress *pr, const char *fmt, ...) {
  if (!pr)
    return;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_mutex_lock(&pr->lock);
  fprintf(stderr, "zjtx: %s\n", msg);
  g_mutex_unlock(&pr->lock);
}

void cli_progress_free(cli_progress *pr) {
  if (!pr)
    return;
  cli_progress_end(pr);
  g_mutex_lock(&pr->lock);
  pr->stop = true;
  g_cond_signal(&pr->wake);
  g_mutex_unlock(&pr->lock);
  g_thread_join(pr->thread);
  g_timer_destroy(pr->total);
  g_timer_destroy(pr->phase_timer);
  g_cond_clear(&pr->wake);
  g_mutex_clear(&pr->lock);
  g_free(pr);
}
