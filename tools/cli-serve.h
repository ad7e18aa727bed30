/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-serve.h - what `zjtx serve` shares between its files.  In layers,
 * each calling only files below it:
 *   cli-serve.c           the command: options, signals, start and stop
 *   cli-serve-http.c      HTTP on libmicrohttpd: bodies, limits, tokens,
 *                         the worker pool and its deadline, the access log
 *   cli-serve-api.c       the endpoints: a request in, a reply out
 *   cli-serve-describe.c  policies, their details and facts schemas as JSON
 *   cli-serve-openapi.c   the OpenAPI 3.1 description
 *   cli-serve-catalog.c   the policies of the folder, reloaded on SIGHUP
 *   cli-serve-metrics.c   the Prometheus counters
 *   cli-serve-pool.c      the fixed pool of evaluation workers */
#ifndef ZJTX_CLI_SERVE_H
#define ZJTX_CLI_SERVE_H

#include "cli.h"

/* ---- cli-serve-pool.c: the evaluation workers --------------------------- */

typedef struct serve_pool serve_pool;
typedef void (*serve_pool_fn)(void *job);
/* `n` threads running `run` on each job pushed, in order; NULL when no
 * thread could be started. */
serve_pool *serve_pool_new(size_t n, serve_pool_fn run);
void serve_pool_push(serve_pool *pool, void *job);
/* Runs the jobs still waiting, then joins the threads. */
void serve_pool_free(serve_pool *pool);

/* ---- cli-serve-catalog.c: the loaded policies ---------------------------- */

/* The policies of one load of the folder; never changed once made, shared
 * by the requests that started on it (a reload makes a new one). */
typedef struct serve_catalog serve_catalog;

/* Loads every *.xml file of `dir` (extends= may lead below `dir`).  A file
 * that fails keeps the policy `previous` (may be NULL) had from it; the
 * failure is kept (serve_catalog_problems) and logged on stderr. */
serve_catalog *serve_catalog_load(const char *dir, const serve_catalog *previous);
serve_catalog *serve_catalog_ref(serve_catalog *cat);
void serve_catalog_unref(serve_catalog *cat);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(serve_catalog, serve_catalog_unref)
size_t serve_catalog_count(const serve_catalog *cat);
/* The i-th policy in file-name order; the policy file's name. */
zjtx_policy *serve_catalog_policy(const serve_catalog *cat, size_t i);
const char *serve_catalog_file(const serve_catalog *cat, size_t i);
/* The policy with this id (or file name without .xml), or NULL. */
zjtx_policy *serve_catalog_find(const serve_catalog *cat, const char *name);
/* The files that failed at the last load: {"file", "message"} pairs, as a
 * JSON array ("[]" when none).  Borrowed. */
const char *serve_catalog_problems_json(const serve_catalog *cat);
size_t serve_catalog_problem_count(const serve_catalog *cat);

/* ---- cli-serve-metrics.c: Prometheus text -------------------------------- */

typedef struct serve_metrics serve_metrics;
serve_metrics *serve_metrics_new(void);
void serve_metrics_free(serve_metrics *m);
/* One finished request: its route template ("/v1/policies/{id}/evaluate"),
 * status and duration. */
void serve_metrics_request(serve_metrics *m, const char *route, unsigned status, double seconds);
void serve_metrics_evaluation(serve_metrics *m);
void serve_metrics_reload(serve_metrics *m, bool ok);
/* The whole exposition, with the policies loaded from `cat`. */
char *serve_metrics_text(serve_metrics *m, const serve_catalog *cat);

/* ---- cli-serve-describe.c, cli-serve-openapi.c --------------------------- */

/* GET /v1/policies: one summary per policy, as a JSON array. */
void serve_describe_list(GString *out, const serve_catalog *cat);
/* GET /v1/policies/{id}: rules, checks, parameters, entities. */
void serve_describe_policy(GString *out, const zjtx_policy *p, const char *file);
/* GET /v1/policies/{id}/facts-schema: JSON Schema (2020-12) of its facts. */
void serve_describe_facts_schema(GString *out, const zjtx_policy *p);
/* GET /v1/openapi.json.  Static. */
const char *serve_openapi_json(void);

/* ---- cli-serve-api.c: the endpoints -------------------------------------- */

/* One request as the endpoints see it. */
typedef struct {
  const char *method;
  const char *path;  /* without the query */
  GHashTable *query; /* name -> value (the first given); set values in `sets` */
  GPtrArray *sets;   /* every set=PARAM=VALUE of the query */
  const char *body;  /* NUL-terminated; NULL when empty */
  size_t body_len;
  serve_catalog *catalog; /* the policies when the request arrived */
  serve_metrics *metrics;
} serve_request;

/* What goes back. */
typedef struct {
  unsigned status;
  GString *body;
  const char *content_type; /* static */
  const char *route;        /* the route template, for metrics and the log (static) */
  char *policy;             /* the policy id concerned, or NULL */
} serve_reply;

void serve_reply_clear(serve_reply *r);
/* {"error": {"code", "message"}} with status. */
void serve_reply_error(serve_reply *r, unsigned status, const char *code, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* The route template of a request that computes (it runs on the worker
 * pool, under the deadline), or NULL for any other. */
const char *serve_api_heavy_route(const char *method, const char *path);
/* Answers the request; sets r->route to the route template. */
void serve_api_handle(const serve_request *req, serve_reply *r);

/* ---- cli-serve-http.c: the server ---------------------------------------- */

typedef struct {
  const char *dir;
  const char *listen; /* HOST:PORT */
  int threads;
  char *token; /* NULL: no token needed */
  guint64 max_body;
  gint64 timeout_us;
  FILE *access_log; /* NULL: none */
} serve_config;

typedef struct serve_server serve_server;
/* Loads the policies and starts listening; NULL after saying why on stderr. */
serve_server *serve_server_start(const serve_config *cfg);
/* SIGHUP: loads the folder again (a failing file keeps its old policy). */
void serve_server_reload(serve_server *s);
/* SIGTERM: refuses new connections, waits for the requests in flight (at
 * most `grace_us`), stops and frees. */
void serve_server_stop(serve_server *s, gint64 grace_us);
/* The port actually bound (for --listen HOST:0). */
unsigned serve_server_port(const serve_server *s);

#endif
