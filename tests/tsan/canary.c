/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/tsan/canary.c - checks that the TSan set-up of build-aux/test.sh (the
 * preloaded glib-pool.c and tests/tsan/tsan.supp) hides no real race and needs
 * nothing more than it has:
 *   canary handoff: three pools in turn (the later ones run on the threads
 *                   the first left idle): data written before
 *                   g_thread_pool_push(), read and written by the job, read
 *                   after g_thread_pool_free(): no race, must pass;
 *   canary race:    two jobs running at once add to one counter unlocked: a
 *                   real race, which TSan must report.
 */
#include <glib.h>
#include <string.h>

typedef struct {
  int input;
  int output;
} job;

static int shared_counter;
static gint started;

static void double_input(gpointer data, gpointer user_data) {
  job *j = data;
  (void)user_data;
  j->output = 2 * j->input;
}

/* Waits (up to 5 s) until both jobs run, so that the race is certain. */
static void add_unlocked(gpointer data, gpointer user_data) {
  (void)data;
  (void)user_data;
  g_atomic_int_inc(&started);
  for (int i = 0; i < 5000 && g_atomic_int_get(&started) < 2; i++)
    g_usleep(1000);
  shared_counter++;
}

static int run_pool(GFunc func, int n) {
  job jobs[8];
  GThreadPool *pool = g_thread_pool_new(func, NULL, 2, TRUE, NULL);
  for (int i = 0; i < n; i++) {
    jobs[i].input = i;
    g_thread_pool_push(pool, &jobs[i], NULL);
  }
  g_thread_pool_free(pool, FALSE, TRUE);
  int sum = 0;
  for (int i = 0; i < n; i++)
    sum += func == double_input ? jobs[i].output : 0;
  return sum;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "race") == 0) {
    run_pool(add_unlocked, 2);
    g_print("canary race: %d\n", shared_counter);
    return 0;
  }
  int sum = 0;
  for (int round = 0; round < 3; round++)
    sum += run_pool(double_input, 8);
  g_print("canary handoff: %d\n", sum);
  return sum == 3 * 56 ? 0 : 1;
}
