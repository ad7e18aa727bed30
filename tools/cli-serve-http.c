/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-serve-http.c - `zjtx serve` on GNU libmicrohttpd: one thread per
 * connection (up to a limit) reads the request, under an idle timeout so
 * that a slow client holds only its own thread; evaluations run on a fixed
 * pool of workers, each request waiting for its answer until the deadline
 * (503 after).  Bodies past --max-body are refused (413) without being
 * kept; /v1 needs the bearer token when one is set; every answer is one
 * JSON line of the access log (never the facts). */
#include <gio/gio.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "cli-serve.h"
#include "format.h"

/* Connections served at once; more wait in the listen queue. */
#define MAX_CONNECTIONS 512

struct serve_server {
  serve_config cfg;
  pthread_mutex_t lock;   /* guards catalog (POSIX locks: cli-serve-pool.c says why) */
  serve_catalog *catalog; /* swapped whole by a reload */
  serve_metrics *metrics;
  serve_pool *pool; /* the evaluation workers */
  pthread_mutex_t log_lock;
  struct MHD_Daemon *daemon;
  gint in_flight; /* requests begun and not yet answered */
  gint stopping;
  unsigned port;
};

/* One request while its body arrives. */
typedef struct {
  gint64 start;
  GString *body;
  guint64 received;
  bool too_large;
  bool after_stop;   /* begun once the server was stopping: refused */
  bool unauthorized; /* refused from its headers, before its body is read */
  guint64 declared;  /* its Content-Length, or 0 */
  bool answered;     /* a response is queued: whatever still comes is dropped */
} conn_request;

/* A computing request handed to a worker: shared by the connection's
 * thread (which may give up at the deadline) and the worker. */
typedef struct {
  atomic_int rc; /* C11 atomics, which ThreadSanitizer sees (GLib's refcounts it does not) */
  pthread_mutex_t m;
  pthread_cond_t cond; /* on CLOCK_MONOTONIC */
  bool done;
  serve_request req;
  serve_reply reply;
  GString *body; /* req.body */
} job;

static serve_catalog *current_catalog(serve_server *s) {
  pthread_mutex_lock(&s->lock);
  serve_catalog *cat = serve_catalog_ref(s->catalog);
  pthread_mutex_unlock(&s->lock);
  return cat;
}

/* ---- requests as the endpoints see them ---------------------------------- */

static void request_clear(serve_request *req) {
  g_clear_pointer(&req->query, g_hash_table_unref);
  g_clear_pointer(&req->sets, g_ptr_array_unref);
  g_clear_pointer(&req->catalog, serve_catalog_unref);
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  (void)kind;
  serve_request *req = cls;
  if (strcmp(key, "set") == 0 && value)
    g_ptr_array_add(req->sets, g_strdup(value));
  else if (!g_hash_table_contains(req->query, key))
    g_hash_table_insert(req->query, g_strdup(key), g_strdup(value ? value : ""));
  return MHD_YES;
}

static void request_init(serve_request *req, serve_server *s, struct MHD_Connection *c, const char *method,
                         const char *path) {
  req->method = method;
  req->path = path;
  req->query = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  req->sets = g_ptr_array_new_with_free_func(g_free);
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_query, req);
  req->catalog = current_catalog(s);
  req->metrics = s->metrics;
}

/* ---- the worker pool and the deadline ------------------------------------ */

static void job_unref(job *j) {
  if (atomic_fetch_sub(&j->rc, 1) != 1)
    return;
  serve_reply_clear(&j->reply);
  request_clear(&j->req);
  if (j->body)
    g_string_free(j->body, TRUE);
  pthread_mutex_destroy(&j->m);
  pthread_cond_destroy(&j->cond);
  g_free(j);
}

static void run_job(void *data) {
  job *j = data;
  serve_api_handle(&j->req, &j->reply);
  pthread_mutex_lock(&j->m);
  j->done = true;
  pthread_cond_signal(&j->cond);
  pthread_mutex_unlock(&j->m);
  job_unref(j);
}

static job *job_new(void) {
  job *j = g_new0(job, 1);
  atomic_init(&j->rc, 1);
  pthread_mutex_init(&j->m, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&j->cond, &attr);
  pthread_condattr_destroy(&attr);
  return j;
}

/* Now plus `us` microseconds on CLOCK_MONOTONIC. */
static struct timespec deadline_after(gint64 us) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  gint64 ns = (gint64)t.tv_nsec + (us % G_USEC_PER_SEC) * 1000;
  t.tv_sec += (time_t)(us / G_USEC_PER_SEC + ns / 1000000000);
  t.tv_nsec = (long)(ns % 1000000000);
  return t;
}

/* Runs the request on the pool; at the deadline answers 503 and lets the
 * worker finish alone (libzjtx has no way to stop an evaluation midway),
 * so that this connection is free again. */
static void run_on_pool(serve_server *s, serve_request *req, GString *body, serve_reply *r) {
  job *j = job_new();
  atomic_fetch_add(&j->rc, 1); /* one for the worker */
  j->req = *req;
  *req = (serve_request){0};
  j->body = body;
  j->reply.route = r->route;
  struct timespec deadline = deadline_after(s->cfg.timeout_us);
  serve_pool_push(s->pool, j);
  pthread_mutex_lock(&j->m);
  while (!j->done && pthread_cond_timedwait(&j->cond, &j->m, &deadline) == 0)
    ;
  if (j->done) {
    *r = j->reply;
    j->reply = (serve_reply){0};
  } else {
    serve_reply_error(r, 503, "timeout",
                      "the request took longer than the server's --timeout; try a smaller facts "
                      "document or ask for a longer timeout");
  }
  pthread_mutex_unlock(&j->m);
  job_unref(j);
}

/* ---- access log ----------------------------------------------------------- */

static void log_string(GString *line, const char *name, const char *value) {
  g_string_append_printf(line, ", \"%s\": ", name);
  if (!value) {
    g_string_append(line, "null");
    return;
  }
  g_autofree char *valid = g_utf8_make_valid(value, -1);
  zfmt_json_string(line, valid);
}

/* One JSON line: when, what, how it went; never the body. */
static void access_log(serve_server *s, const char *method, const char *path, const serve_reply *r, double seconds,
                       guint64 bytes_in) {
  if (!s->cfg.access_log)
    return;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *when = g_date_time_format_iso8601(now);
  g_autoptr(GString) line = g_string_new("{\"time\": ");
  zfmt_json_string(line, when);
  log_string(line, "method", method);
  log_string(line, "path", path);
  log_string(line, "route", r->route);
  g_string_append_printf(line, ", \"status\": %u, \"duration_ms\": %.3f", r->status, seconds * 1000);
  log_string(line, "policy", r->policy);
  g_string_append_printf(line, ", \"bytes_in\": %" G_GUINT64_FORMAT ", \"bytes_out\": %zu}\n", bytes_in,
                         r->body ? r->body->len : 0);
  pthread_mutex_lock(&s->log_lock);
  fwrite(line->str, 1, line->len, s->cfg.access_log);
  fflush(s->cfg.access_log);
  pthread_mutex_unlock(&s->log_lock);
}

/* ---- answering ------------------------------------------------------------ */

static void free_body(void *cls) {
  g_free(cls);
}

static enum MHD_Result send_reply(serve_server *s, struct MHD_Connection *c, const char *method, const char *path,
                                  serve_reply *r, const conn_request *cr) {
  double seconds = (double)(g_get_monotonic_time() - cr->start) / G_USEC_PER_SEC;
  serve_metrics_request(s->metrics, r->route ? r->route : "other", r->status, seconds);
  access_log(s, method, path, r, seconds, cr->received);
  size_t len = r->body ? r->body->len : 0;
  char *data = r->body ? g_string_free(g_steal_pointer(&r->body), FALSE) : g_strdup("");
  struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(len, data, free_body);
  if (!resp) {
    g_free(data);
    return MHD_NO;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type ? r->content_type : "application/json");
  if (r->status == 401)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"zjtx\"");
  if (r->status == 413 || g_atomic_int_get(&s->stopping))
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
  enum MHD_Result ret = MHD_queue_response(c, r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* Compares in time that depends only on the token's length. */
static bool token_matches(const char *given, const char *token) {
  size_t n = strlen(token), m = given ? strlen(given) : 0;
  unsigned diff = n != m;
  for (size_t i = 0; i < n; i++)
    diff |= (unsigned char)token[i] ^ (unsigned char)(i < m ? given[i] : 0);
  return diff == 0;
}

static bool authorized(const serve_server *s, struct MHD_Connection *c, const char *path) {
  if (!s->cfg.token || !g_str_has_prefix(path, "/v1/"))
    return true;
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  if (!auth || g_ascii_strncasecmp(auth, "Bearer ", 7) != 0)
    return false;
  return token_matches(auth + 7, s->cfg.token);
}

/* The request is in, or refused from its headers: check, route, run, answer. */
static enum MHD_Result answer(serve_server *s, struct MHD_Connection *c, const char *method, const char *path,
                              conn_request *cr) {
  serve_reply r = {0};
  serve_request req = {0};
  cr->answered = true;
  if (cr->after_stop) {
    serve_reply_error(&r, 503, "shutting_down", "the server is stopping");
  } else if (cr->unauthorized) {
    serve_reply_error(&r, 401, "unauthorized", "this endpoint needs the header Authorization: Bearer TOKEN");
  } else if (cr->too_large) {
    serve_reply_error(&r, 413, "body_too_large",
                      "the request body exceeds the server's --max-body of %" G_GUINT64_FORMAT " bytes",
                      s->cfg.max_body);
  } else {
    request_init(&req, s, c, method, path);
    req.body = cr->body ? cr->body->str : NULL;
    req.body_len = cr->body ? cr->body->len : 0;
    if ((r.route = serve_api_heavy_route(method, path))) {
      run_on_pool(s, &req, g_steal_pointer(&cr->body), &r);
    } else {
      serve_api_handle(&req, &r);
    }
  }
  enum MHD_Result ret = send_reply(s, c, method, path, &r, cr);
  request_clear(&req);
  serve_reply_clear(&r);
  return ret;
}

/* The declared Content-Length, or 0. */
static guint64 declared_length(struct MHD_Connection *c) {
  const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  guint64 n = 0;
  return len && g_ascii_string_to_unsigned(len, 10, 0, G_MAXUINT64, &n, NULL) ? n : 0;
}

/* libmicrohttpd calls this first when the headers are in, then with each
 * piece of the body, then with none: the time to answer. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **state) {
  (void)version;
  serve_server *s = cls;
  conn_request *cr = *state;
  if (!cr) {
    cr = g_new0(conn_request, 1);
    cr->start = g_get_monotonic_time();
    cr->after_stop = g_atomic_int_get(&s->stopping) != 0; /* one begun before the stop is finished */
    cr->unauthorized = !authorized(s, c, url);
    cr->declared = declared_length(c);
    cr->too_large = cr->declared > s->cfg.max_body;
    *state = cr;
    g_atomic_int_inc(&s->in_flight);
    /* refused from the headers alone: answered at once, the body never read */
    return cr->unauthorized || cr->too_large ? answer(s, c, method, url, cr) : MHD_YES;
  }
  if (cr->answered) {
    *upload_size = 0;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    size_t n = *upload_size;
    *upload_size = 0;
    cr->received += n;
    if (cr->received > s->cfg.max_body && !cr->too_large) { /* a body of undeclared length, too long */
      cr->too_large = true;
      if (cr->body)
        g_string_free(g_steal_pointer(&cr->body), TRUE);
    }
    /* What comes past the limit is read and dropped, so that the 413 is
     * not lost to a reset; past twice the limit the connection is cut. */
    if (cr->too_large)
      return cr->received / 2 > s->cfg.max_body ? MHD_NO : MHD_YES;
    if (!cr->body) /* the whole body at once when its length is declared (and allowed): no regrowing */
      cr->body = g_string_sized_new(cr->declared > n ? (gsize)cr->declared : n);
    g_string_append_len(cr->body, upload_data, (gssize)n);
    return MHD_YES;
  }
  return answer(s, c, method, url, cr);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode toe) {
  (void)c;
  (void)toe;
  serve_server *s = cls;
  conn_request *cr = *state;
  if (!cr)
    return;
  if (cr->body)
    g_string_free(cr->body, TRUE);
  g_free(cr);
  *state = NULL;
  g_atomic_int_dec_and_test(&s->in_flight);
}

/* ---- start, reload, stop -------------------------------------------------- */

/* HOST:PORT ([HOST]:PORT for IPv6; "localhost" is 127.0.0.1) as a socket
 * address; false after saying why. */
static bool parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *len, bool *v6) {
  const char *colon = strrchr(listen, ':');
  guint64 port = 0;
  if (!colon || !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &port, NULL)) {
    cli_message("serve: --listen '%s': expected HOST:PORT (127.0.0.1:8080, [::1]:8080)", listen);
    return false;
  }
  g_autofree char *host = g_strndup(listen, (gsize)(colon - listen));
  if (host[0] == '[' && g_str_has_suffix(host, "]")) {
    memmove(host, host + 1, strlen(host));
    host[strlen(host) - 1] = '\0';
  }
  g_autoptr(GInetAddress) ia =
      g_inet_address_new_from_string(strcmp(host, "localhost") == 0 || !host[0] ? "127.0.0.1" : host);
  if (!ia) {
    cli_message("serve: --listen '%s': '%s' is not an IP address", listen, host);
    return false;
  }
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(ia, (guint16)port);
  *len = (socklen_t)g_socket_address_get_native_size(sa);
  *v6 = g_inet_address_get_family(ia) == G_SOCKET_FAMILY_IPV6;
  return g_socket_address_to_native(sa, addr, sizeof *addr, NULL);
}

static struct MHD_Daemon *start_daemon(serve_server *s) {
  struct sockaddr_storage addr;
  socklen_t len = 0;
  bool v6 = false;
  if (!parse_listen(s->cfg.listen, &addr, &len, &v6))
    return NULL;
  unsigned idle = (unsigned)MAX(1, (s->cfg.timeout_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_POLL |
                   (v6 ? MHD_USE_IPv6 : 0);
  struct MHD_Daemon *d =
      MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                       MHD_OPTION_CONNECTION_TIMEOUT, idle, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
                       MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
  if (!d)
    cli_message("serve: cannot listen on %s (in use, or not an address of this machine?)", s->cfg.listen);
  return d;
}

serve_server *serve_server_start(const serve_config *cfg) {
  serve_server *s = g_new0(serve_server, 1);
  s->cfg = *cfg;
  pthread_mutex_init(&s->lock, NULL);
  pthread_mutex_init(&s->log_lock, NULL);
  s->metrics = serve_metrics_new();
  s->catalog = serve_catalog_load(cfg->dir, NULL);
  if (serve_catalog_count(s->catalog) == 0)
    cli_message("serve: no policy could be loaded from %s; /readyz says so until a reload finds one", cfg->dir);
  s->pool = serve_pool_new((size_t)cfg->threads, run_job);
  s->daemon = s->pool ? start_daemon(s) : NULL;
  if (!s->daemon) {
    serve_server_stop(s, 0);
    return NULL;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  s->port = info ? info->port : 0;
  return s;
}

unsigned serve_server_port(const serve_server *s) {
  return s->port;
}

void serve_server_reload(serve_server *s) {
  serve_catalog *old = current_catalog(s);
  serve_catalog *cat = serve_catalog_load(s->cfg.dir, old);
  serve_metrics_reload(s->metrics, serve_catalog_problem_count(cat) == 0);
  cli_message("serve: reloaded %s: %zu policies, %zu files failed", s->cfg.dir, serve_catalog_count(cat),
              serve_catalog_problem_count(cat));
  pthread_mutex_lock(&s->lock);
  serve_catalog *replaced = s->catalog;
  s->catalog = cat;
  pthread_mutex_unlock(&s->lock);
  serve_catalog_unref(replaced); /* requests still on it keep their reference */
  serve_catalog_unref(old);
}

void serve_server_stop(serve_server *s, gint64 grace_us) {
  if (!s)
    return;
  g_atomic_int_set(&s->stopping, 1);
  if (s->daemon) {
    MHD_socket listener = MHD_quiesce_daemon(s->daemon);
    gint64 until = g_get_monotonic_time() + grace_us;
    while (g_atomic_int_get(&s->in_flight) > 0 && g_get_monotonic_time() < until)
      g_usleep(10000);
    MHD_stop_daemon(s->daemon);
    if (listener != MHD_INVALID_SOCKET)
      close(listener);
  }
  if (s->pool)
    serve_pool_free(s->pool); /* abandoned jobs finish and free themselves */
  serve_catalog_unref(s->catalog);
  serve_metrics_free(s->metrics);
  pthread_mutex_destroy(&s->lock);
  pthread_mutex_destroy(&s->log_lock);
  g_free(s);
}
