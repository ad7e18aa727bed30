/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-serve-metrics.c - GET /metrics in the Prometheus text format:
 * requests by route and status, their latency, evaluations, reloads and
 * the policies loaded.  Counted under one lock: a request takes it once. */
#include <pthread.h>

#include "cli-serve.h"

/* Upper bounds of the latency buckets, in seconds. */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS G_N_ELEMENTS(bounds)

struct serve_metrics {
  pthread_mutex_t lock; /* POSIX, as cli-serve-pool.c says why */
  GHashTable *requests; /* "route\tstatus" -> guint64 * count */
  guint64 buckets[NBOUNDS + 1];
  double latency_sum;
  guint64 latency_count;
  guint64 evaluations, reloads_ok, reloads_failed;
};

serve_metrics *serve_metrics_new(void) {
  serve_metrics *m = g_new0(serve_metrics, 1);
  pthread_mutex_init(&m->lock, NULL);
  m->requests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  return m;
}

void serve_metrics_free(serve_metrics *m) {
  if (!m)
    return;
  g_hash_table_unref(m->requests);
  pthread_mutex_destroy(&m->lock);
  g_free(m);
}

void serve_metrics_request(serve_metrics *m, const char *route, unsigned status, double seconds) {
  g_autofree char *key = g_strdup_printf("%s\t%u", route, status);
  pthread_mutex_lock(&m->lock);
  guint64 *n = g_hash_table_lookup(m->requests, key);
  if (!n) {
    n = g_new0(guint64, 1);
    g_hash_table_insert(m->requests, g_steal_pointer(&key), n);
  }
  (*n)++;
  size_t b = 0;
  while (b < NBOUNDS && seconds > bounds[b])
    b++;
  m->buckets[b]++;
  m->latency_sum += seconds;
  m->latency_count++;
  pthread_mutex_unlock(&m->lock);
}

void serve_metrics_evaluation(serve_metrics *m) {
  pthread_mutex_lock(&m->lock);
  m->evaluations++;
  pthread_mutex_unlock(&m->lock);
}

void serve_metrics_reload(serve_metrics *m, bool ok) {
  pthread_mutex_lock(&m->lock);
  (*(ok ? &m->reloads_ok : &m->reloads_failed))++;
  pthread_mutex_unlock(&m->lock);
}

static void write_requests(GString *out, GHashTable *requests) {
  g_string_append(out, "# HELP zjtx_http_requests_total HTTP requests answered, by route and status.\n"
                       "# TYPE zjtx_http_requests_total counter\n");
  g_autoptr(GList) keys = g_hash_table_get_keys(requests);
  keys = g_list_sort(keys, (GCompareFunc)g_strcmp0);
  for (GList *k = keys; k; k = k->next) {
    const char *key = k->data, *tab = strchr(key, '\t');
    const guint64 *n = g_hash_table_lookup(requests, key);
    g_string_append_printf(out, "zjtx_http_requests_total{route=\"%.*s\",status=\"%s\"} %" G_GUINT64_FORMAT "\n",
                           (int)(tab - key), key, tab + 1, *n);
  }
}

static void write_latency(GString *out, const serve_metrics *m) {
  g_string_append(out, "# HELP zjtx_http_request_duration_seconds Time from the request's arrival to its answer.\n"
                       "# TYPE zjtx_http_request_duration_seconds histogram\n");
  guint64 cumulative = 0;
  for (size_t b = 0; b <= NBOUNDS; b++) {
    cumulative += m->buckets[b];
    if (b < NBOUNDS)
      g_string_append_printf(out, "zjtx_http_request_duration_seconds_bucket{le=\"%g\"} %" G_GUINT64_FORMAT "\n",
                             bounds[b], cumulative);
    else
      g_string_append_printf(out, "zjtx_http_request_duration_seconds_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n",
                             cumulative);
  }
  g_string_append_printf(out, "zjtx_http_request_duration_seconds_sum %.6f\n", m->latency_sum);
  g_string_append_printf(out, "zjtx_http_request_duration_seconds_count %" G_GUINT64_FORMAT "\n", m->latency_count);
}

char *serve_metrics_text(serve_metrics *m, const serve_catalog *cat) {
  GString *out = g_string_new(NULL);
  pthread_mutex_lock(&m->lock);
  write_requests(out, m->requests);
  write_latency(out, m);
  g_string_append_printf(
      out,
      "# HELP zjtx_evaluations_total Evaluations run (evaluate, explain, and each side of simulate).\n"
      "# TYPE zjtx_evaluations_total counter\n"
      "zjtx_evaluations_total %" G_GUINT64_FORMAT "\n"
      "# HELP zjtx_reloads_total Reloads of the policy folder, by outcome.\n"
      "# TYPE zjtx_reloads_total counter\n"
      "zjtx_reloads_total{result=\"ok\"} %" G_GUINT64_FORMAT "\n"
      "zjtx_reloads_total{result=\"failed\"} %" G_GUINT64_FORMAT "\n",
      m->evaluations, m->reloads_ok, m->reloads_failed);
  pthread_mutex_unlock(&m->lock);
  g_string_append_printf(out,
                         "# HELP zjtx_policies_loaded Policies being served.\n"
                         "# TYPE zjtx_policies_loaded gauge\n"
                         "zjtx_policies_loaded %zu\n"
                         "# HELP zjtx_policy_load_failures Policy files that failed at the last load.\n"
                         "# TYPE zjtx_policy_load_failures gauge\n"
                         "zjtx_policy_load_failures %zu\n",
                         serve_catalog_count(cat), serve_catalog_problem_count(cat));
  return g_string_free(out, FALSE);
}
