/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-serve.c - zjtx serve: the policies of a folder as an HTTP/JSON
 * decision service.  Reads its options, starts the server, reloads on
 * SIGHUP and stops gracefully on SIGTERM or SIGINT. */
#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>

#include "cli-serve.h"

static const cli_command serve_command = {
    .name = "serve",
    .summary = "Serves every policy of DIR over HTTP/JSON: evaluate, explain, simulate, facts schemas\n"
               "(docs/serve.md; GET /v1/openapi.json describes every endpoint).",
    .description = "Endpoints:\n"
                   "  GET  /v1/policies                        the policies loaded\n"
                   "  GET  /v1/policies/ID                     rules, checks, parameters, entities\n"
                   "  GET  /v1/policies/ID/facts-schema        JSON Schema of the facts it accepts\n"
                   "  POST /v1/policies/ID/evaluate            body: facts; as zjtx evaluate --format json\n"
                   "  POST /v1/policies/ID/explain?entity=E&id=X[&rule=R]   why and why not, one record\n"
                   "  POST /v1/policies/ID/simulate?reform=R   base against a reform of DIR\n"
                   "  GET  /v1/openapi.json  /healthz  /readyz  /metrics\n"
                   "Options of evaluate, explain and simulate: ?period=YYYY&set=PARAM=VALUE&explain=true&receipt=true\n"
                   "(or a member \"_options\" of the body).\n"
                   "SIGHUP reloads DIR (a file that fails keeps its previous policy serving, /readyz\n"
                   "says so); SIGTERM finishes the requests in flight and stops.\n"
                   "\n"
                   "Example:\n"
                   "  zjtx serve --policies rules/ --listen 127.0.0.1:8080 --token-file /etc/zjtx/token\n"
                   "  curl -s --data-binary @facts.json http://127.0.0.1:8080/v1/policies/huaian-2025-srdi/evaluate\n"
                   "\n"
                   "Exit status: 0 after a graceful stop, 1 when the server cannot start, 2 usage error.\n",
};

typedef struct {
  char *policies, *listen, *threads, *token_file, *max_body, *timeout, *access_log;
} options;

static void options_clear(options *o) {
  char **strings[] = {&o->policies, &o->listen, &o->threads, &o->token_file, &o->max_body, &o->timeout, &o->access_log};
  for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
    g_clear_pointer(strings[i], g_free);
}

static int parse_options(int argc, char **argv, options *o) {
  const GOptionEntry entries[] = {
      {"policies", 0, 0, G_OPTION_ARG_FILENAME, &o->policies, "The folder of policy files to serve (required)", "DIR"},
      {"listen", 0, 0, G_OPTION_ARG_FILENAME, &o->listen, "Address and port (default 127.0.0.1:8080)", "HOST:PORT"},
      {"threads", 0, 0, G_OPTION_ARG_FILENAME, &o->threads, "Evaluation workers (default: one per processor)", "N"},
      {"token-file", 0, 0, G_OPTION_ARG_FILENAME, &o->token_file,
       "Require Authorization: Bearer with this token on /v1", "FILE"},
      {"max-body", 0, 0, G_OPTION_ARG_FILENAME, &o->max_body, "Largest request body (default 16M)", "SIZE"},
      {"timeout", 0, 0, G_OPTION_ARG_FILENAME, &o->timeout, "Longest request, and idle connection (default 30s)",
       "DURATION"},
      {"access-log", 0, 0, G_OPTION_ARG_FILENAME, &o->access_log,
       "Append one JSON line per request to FILE ('-': stdout)", "FILE"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  int rc = cli_parse_options(&serve_command, entries, &argc, &argv);
  if (rc == 0)
    rc = cli_no_arguments(&serve_command, argc, argv);
  if (rc == 0 && !o->policies)
    rc = cli_usage_error("serve", "%s", "--policies DIR is required");
  return rc;
}

/* "16M", "512K", "1G", "1000": bytes. */
static bool parse_size(const char *text, guint64 *out) {
  char *end = NULL;
  guint64 n = g_ascii_strtoull(text, &end, 10);
  guint64 unit = 1;
  if (end == text)
    return false;
  if (*end && strchr("kK", *end))
    unit = 1024;
  else if (*end && strchr("mM", *end))
    unit = 1024 * 1024;
  else if (*end && strchr("gG", *end))
    unit = 1024 * 1024 * 1024;
  else if (*end)
    return false;
  if (*end && end[1] && strcmp(end + 1, "B") != 0 && strcmp(end + 1, "iB") != 0)
    return false;
  *out = n * unit;
  return n > 0 && *out / unit == n;
}

/* "30s", "500ms", "2m", "30": microseconds. */
static bool parse_duration(const char *text, gint64 *out) {
  char *end = NULL;
  guint64 n = g_ascii_strtoull(text, &end, 10);
  gint64 unit = G_USEC_PER_SEC;
  if (end == text || n == 0 || n > 86400000)
    return false;
  if (strcmp(end, "ms") == 0)
    unit = 1000;
  else if (strcmp(end, "m") == 0)
    unit = 60 * G_USEC_PER_SEC;
  else if (*end && strcmp(end, "s") != 0)
    return false;
  *out = (gint64)n * unit;
  return true;
}

/* The token: the file's first line, without surrounding white space. */
static char *read_token(const char *path) {
  g_autofree char *text = NULL;
  g_autoptr(GError) gerr = NULL;
  if (!g_file_get_contents(path, &text, NULL, &gerr)) {
    cli_message("serve: --token-file: %s", gerr->message);
    return NULL;
  }
  char *nl = strchr(text, '\n');
  if (nl)
    *nl = '\0';
  g_strstrip(text);
  if (strlen(text) < 16) {
    cli_message("serve: --token-file %s: the token must have at least 16 characters", path);
    return NULL;
  }
  return g_steal_pointer(&text);
}

static int make_config(const options *o, serve_config *cfg) {
  *cfg = (serve_config){.dir = o->policies,
                        .listen = o->listen ? o->listen : "127.0.0.1:8080",
                        .threads = (int)g_get_num_processors(),
                        .max_body = 16 * 1024 * 1024,
                        .timeout_us = 30 * G_USEC_PER_SEC};
  guint64 n = 0;
  if (o->threads && (!g_ascii_string_to_unsigned(o->threads, 10, 1, 1024, &n, NULL)))
    return cli_usage_error("serve", "--threads '%s': expected a whole number from 1 to 1024", o->threads);
  if (o->threads)
    cfg->threads = (int)n;
  if (o->max_body && !parse_size(o->max_body, &cfg->max_body))
    return cli_usage_error("serve", "--max-body '%s': expected a size such as 16M, 512K or 1000000", o->max_body);
  if (o->timeout && !parse_duration(o->timeout, &cfg->timeout_us))
    return cli_usage_error("serve", "--timeout '%s': expected a duration such as 30s, 500ms or 2m", o->timeout);
  if (!g_file_test(o->policies, G_FILE_TEST_IS_DIR)) {
    cli_message("serve: --policies %s: not a folder", o->policies);
    return CLI_EXIT_FAILURE;
  }
  if (o->token_file && !(cfg->token = read_token(o->token_file)))
    return CLI_EXIT_FAILURE;
  if (o->access_log && strcmp(o->access_log, "-") == 0)
    cfg->access_log = stdout;
  else if (o->access_log && !(cfg->access_log = fopen(o->access_log, "ae"))) {
    cli_message("serve: --access-log %s: %s", o->access_log, g_strerror(errno));
    return CLI_EXIT_FAILURE;
  }
  return 0;
}

typedef struct {
  GMainLoop *loop;
  serve_server *server;
} running;

static gboolean on_hup(gpointer data) {
  running *r = data;
  serve_server_reload(r->server);
  return G_SOURCE_CONTINUE;
}

static gboolean on_term(gpointer data) {
  running *r = data;
  g_main_loop_quit(r->loop);
  return G_SOURCE_CONTINUE;
}

static int serve(const serve_config *cfg) {
  signal(SIGPIPE, SIG_IGN);
  running r = {.loop = g_main_loop_new(NULL, FALSE)};
  guint sources[] = {g_unix_signal_add(SIGHUP, on_hup, &r), g_unix_signal_add(SIGTERM, on_term, &r),
                     g_unix_signal_add(SIGINT, on_term, &r)};
  r.server = serve_server_start(cfg);
  int rc = r.server ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
  if (r.server) {
    const char *colon = strrchr(cfg->listen, ':');
    cli_message("serve: listening on http://%.*s:%u/ (port %u), %d workers, policies from %s",
                (int)(colon - cfg->listen), cfg->listen, serve_server_port(r.server), serve_server_port(r.server),
                cfg->threads, cfg->dir);
    g_main_loop_run(r.loop);
    cli_message("serve: stopping: finishing the requests in flight");
    serve_server_stop(r.server, cfg->timeout_us + G_USEC_PER_SEC);
    cli_message("serve: stopped");
  }
  for (size_t i = 0; i < G_N_ELEMENTS(sources); i++)
    g_source_remove(sources[i]);
  g_main_loop_unref(r.loop);
  return rc;
}

int cli_cmd_serve(int argc, char **argv) {
  options o = {0};
  serve_config cfg = {0};
  int rc = parse_options(argc, argv, &o);
  if (rc == 0)
    rc = make_config(&o, &cfg);
  if (rc == 0)
    rc = serve(&cfg);
  if (cfg.access_log && cfg.access_log != stdout)
    fclose(cfg.access_log);
  g_free(cfg.token);
  options_clear(&o);
  return rc == CLI_EXIT_HELP ? CLI_EXIT_OK : rc;
}
