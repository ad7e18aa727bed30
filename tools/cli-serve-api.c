/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-serve-api.c - the endpoints of `zjtx serve`: which route a request
 * names and its answer.  The facts come only from the request body, read
 * from memory: nothing a client sends names a file.  The evaluate answer
 * is written by evaluate's own JSON writer, so that it is byte for byte
 * what `zjtx evaluate --format json` prints. */
#include <json-glib/json-glib.h>
#include <string.h>

#include "cli-report.h"
#include "cli-serve.h"
#include "format.h"

void serve_reply_clear(serve_reply *r) {
  if (r->body)
    g_string_free(r->body, TRUE);
  g_free(r->policy);
  *r = (serve_reply){0};
}

static void reply_start(serve_reply *r, unsigned status, const char *content_type) {
  r->status = status;
  r->content_type = content_type;
  if (!r->body)
    r->body = g_string_new(NULL);
  g_string_truncate(r->body, 0);
}

/* {"error": {"code": CODE, "message": MESSAGE, then the members in `more`}}. */
static void error_body(serve_reply *r, unsigned status, const char *code, const char *message, const char *more) {
  reply_start(r, status, "application/json");
  g_autofree char *valid = g_utf8_make_valid(message, -1); /* it may quote the request's bytes */
  g_string_append(r->body, "{\"error\": {\"code\": ");
  zfmt_json_string(r->body, code);
  g_string_append(r->body, ", \"message\": ");
  zfmt_json_string(r->body, valid);
  g_string_append(r->body, more ? more : "");
  g_string_append(r->body, "}}\n");
}

void serve_reply_error(serve_reply *r, unsigned status, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *message = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  error_body(r, status, code, message, NULL);
}

static void more_string(GString *more, const char *name, const char *value) {
  if (!value)
    return;
  g_autofree char *valid = g_utf8_make_valid(value, -1);
  g_string_append_printf(more, ", \"%s\": ", name);
  zfmt_json_string(more, valid);
}

static void more_int(GString *more, const char *name, int value) {
  if (value > 0)
    g_string_append_printf(more, ", \"%s\": %d", name, value);
}

/* A libzjtx error as the reply: its message, file, line, column and the
 * rule or parameter it names (as "field"); frees the chain. */
static void reply_zjtx_error(serve_reply *r, unsigned status, const char *code, zjtx_error *err) {
  g_autoptr(GString) more = g_string_new(NULL);
  more_string(more, "file", zjtx_error_file(err));
  more_int(more, "line", zjtx_error_line(err));
  more_int(more, "column", zjtx_error_column(err));
  more_string(more, "field", zjtx_error_rule(err));
  error_body(r, status, code, err ? zjtx_error_message(err) : "failed", more->str);
  zjtx_error_free(err);
}

/* ---- options: period, set, explain, receipt ------------------------------ */

/* The options of a run: from the query, else from the body's "_options"
 * member (which the facts reader skips, as every "_" member). */
typedef struct {
  const char *period;
  GPtrArray *sets; /* borrowed PARAM=VALUE strings */
  bool explain, receipt;
  JsonParser *parser; /* holds the body's option strings */
  GPtrArray *owned;   /* strings made from the body's "set" object */
} run_options;

static void run_options_clear(run_options *o) {
  g_clear_pointer(&o->sets, g_ptr_array_unref);
  g_clear_pointer(&o->owned, g_ptr_array_unref);
  g_clear_object(&o->parser);
}

static bool truthy(const char *v) {
  return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || !v[0]);
}

/* "set": ["PARAM=VALUE", ...] or {"PARAM": "VALUE", "PARAM[KEY]": "VALUE"}. */
static bool body_sets(run_options *o, JsonNode *set, serve_reply *r) {
  if (JSON_NODE_HOLDS_ARRAY(set)) {
    JsonArray *a = json_node_get_array(set);
    for (guint i = 0; i < json_array_get_length(a); i++) {
      const char *s = json_node_get_string(json_array_get_element(a, i));
      if (!s) {
        serve_reply_error(r, 400, "bad_option", "\"_options\".\"set\": every element must be a string PARAM=VALUE");
        return false;
      }
      g_ptr_array_add(o->sets, (char *)s);
    }
    return true;
  }
  if (!JSON_NODE_HOLDS_OBJECT(set)) {
    serve_reply_error(r, 400, "bad_option", "\"_options\".\"set\": expected an array or an object");
    return false;
  }
  JsonObjectIter it;
  const char *name;
  JsonNode *value;
  json_object_iter_init(&it, json_node_get_object(set));
  while (json_object_iter_next(&it, &name, &value)) {
    g_autofree char *text = JSON_NODE_HOLDS_VALUE(value)
                                ? json_node_get_string(value)
                                      ? g_strdup(json_node_get_string(value))
                                      : g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(value))
                                : NULL;
    if (!text) {
      serve_reply_error(r, 400, "bad_option", "\"_options\".\"set\".\"%s\": expected a string", name);
      return false;
    }
    char *s = g_strconcat(name, "=", text, NULL);
    g_ptr_array_add(o->owned, s);
    g_ptr_array_add(o->sets, s);
  }
  return true;
}

static bool body_options(run_options *o, const serve_request *req, serve_reply *r) {
  if (!req->body || !g_strstr_len(req->body, (gssize)req->body_len, "\"_options\""))
    return true;
  o->parser = json_parser_new_immutable();
  if (!json_parser_load_from_data(o->parser, req->body, (gssize)req->body_len, NULL))
    return true; /* the facts reader says where */
  JsonNode *root = json_parser_get_root(o->parser);
  JsonObject *top = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  JsonNode *opts = top ? json_object_get_member(top, "_options") : NULL;
  if (!opts)
    return true;
  if (!JSON_NODE_HOLDS_OBJECT(opts)) {
    serve_reply_error(r, 400, "bad_option", "\"_options\" must be an object");
    return false;
  }
  JsonObject *oo = json_node_get_object(opts);
  if (json_object_has_member(oo, "period"))
    o->period = json_object_get_string_member_with_default(oo, "period", NULL);
  o->explain = json_object_get_boolean_member_with_default(oo, "explain", false);
  o->receipt = json_object_get_boolean_member_with_default(oo, "receipt", false);
  JsonNode *set = json_object_get_member(oo, "set");
  return !set || body_sets(o, set, r);
}

static bool read_options(run_options *o, const serve_request *req, serve_reply *r) {
  o->sets = g_ptr_array_new();
  o->owned = g_ptr_array_new_with_free_func(g_free);
  if (!body_options(o, req, r))
    return false;
  const char *v;
  if ((v = g_hash_table_lookup(req->query, "period")))
    o->period = v;
  if ((v = g_hash_table_lookup(req->query, "explain")))
    o->explain = truthy(v);
  if ((v = g_hash_table_lookup(req->query, "receipt")))
    o->receipt = truthy(v);
  for (guint i = 0; req->sets && i < req->sets->len; i++)
    g_ptr_array_add(o->sets, g_ptr_array_index(req->sets, i));
  return true;
}

/* One PARAM=VALUE or PARAM[KEY]=VALUE into opts; an unknown parameter is
 * refused here, with its name, rather than by the evaluation. */
static bool apply_set(const zjtx_policy *p, zjtx_options *opts, const char *set, serve_reply *r) {
  const char *eq = strchr(set, '=');
  g_autofree char *name = eq ? g_strndup(set, (gsize)(eq - set)) : NULL;
  char *open = name ? strchr(name, '[') : NULL;
  g_autofree char *key = NULL;
  if (open && g_str_has_suffix(open, "]") && open[1] != ']') {
    key = g_strndup(open + 1, strlen(open) - 2);
    *open = '\0';
  }
  if (!name || !name[0] || (open && !key)) {
    serve_reply_error(r, 400, "bad_option", "set '%s': expected PARAM=VALUE or PARAM[KEY]=VALUE", set);
    return false;
  }
  if (zjtx_policy_param_find(p, name) == (size_t)-1) {
    g_autoptr(GString) more = g_string_new(NULL);
    more_string(more, "field", name);
    g_autofree char *msg = g_strdup_printf("policy %s has no parameter '%s'", zjtx_policy_id(p), name);
    error_body(r, 400, "unknown_parameter", msg, more->str);
    return false;
  }
  zjtx_error *err = NULL;
  if (zjtx_options_set_param(opts, name, key, eq + 1, &err) != ZJTX_OK) {
    reply_zjtx_error(r, 400, "bad_option", err);
    return false;
  }
  return true;
}

/* Evaluation options: one thread (the server runs requests side by side). */
static zjtx_options *make_options(const zjtx_policy *p, const run_options *o, bool with_sets, serve_reply *r) {
  zjtx_options *opts = zjtx_options_new();
  zjtx_error *err = NULL;
  zjtx_options_set_threads(opts, 1, NULL);
  if (o->period && zjtx_options_set_period(opts, o->period, &err) != ZJTX_OK) {
    reply_zjtx_error(r, 400, "bad_option", err);
    zjtx_options_free(opts);
    return NULL;
  }
  for (guint i = 0; with_sets && i < o->sets->len; i++)
    if (!apply_set(p, opts, g_ptr_array_index(o->sets, i), r)) {
      zjtx_options_free(opts);
      return NULL;
    }
  return opts;
}

/* ---- facts and evaluation ------------------------------------------------ */

/* The first refused record as the error: its line, entity, id and field. */
static void reply_refused(serve_reply *r, const zjtx_facts *facts) {
  size_t n = zjtx_facts_reject_count(facts);
  g_autoptr(GString) more = g_string_new(NULL);
  more_int(more, "line", zjtx_facts_reject_line(facts, 0));
  more_string(more, "entity", zjtx_facts_reject_entity(facts, 0));
  more_string(more, "record", zjtx_facts_reject_id(facts, 0));
  more_string(more, "field", zjtx_facts_reject_field(facts, 0));
  g_string_append_printf(more, ", \"refused\": %zu", n);
  g_autofree char *msg =
      g_strdup_printf("refused %s: %s%s", zjtx_facts_reject_entity(facts, 0), zjtx_facts_reject_reason(facts, 0),
                      n > 1 ? " (and more records: see \"refused\")" : "");
  error_body(r, 400, "refused_record", msg, more->str);
}

/* The facts of the body for `p`; every record must be valid (a service
 * refuses the request rather than answer for part of it). */
static zjtx_facts *read_facts(const serve_request *req, zjtx_policy *p, serve_reply *r) {
  if (!req->body || req->body_len == 0) {
    serve_reply_error(r, 400, "missing_body", "the request body must be a facts document (JSON)");
    return NULL;
  }
  zjtx_facts *facts = NULL;
  zjtx_error *err = NULL;
  zjtx_status st = zjtx_facts_new(p, &facts, &err);
  if (st == ZJTX_OK)
    zjtx_facts_set_keep_going(facts, 1, NULL);
  if (st == ZJTX_OK)
    st = zjtx_facts_read_json_buffer(facts, req->body, req->body_len, "request", &err);
  if (st == ZJTX_OK)
    st = zjtx_facts_finish(facts, &err);
  if (st != ZJTX_OK) {
    reply_zjtx_error(r, 400, st == ZJTX_ERR_LIMIT ? "facts_limit" : "invalid_facts", err);
    zjtx_facts_free(facts);
    return NULL;
  }
  if (zjtx_facts_reject_count(facts) > 0) {
    reply_refused(r, facts);
    zjtx_facts_free(facts);
    return NULL;
  }
  return facts;
}

static zjtx_result *evaluate(const serve_request *req, const zjtx_policy *p, const zjtx_facts *facts,
                             const zjtx_options *opts, serve_reply *r) {
  zjtx_result *res = NULL;
  zjtx_error *err = NULL;
  serve_metrics_evaluation(req->metrics);
  zjtx_status st = zjtx_evaluate(p, facts, opts, &res, &err);
  if (st != ZJTX_OK) {
    bool ours = st == ZJTX_ERR_EVAL || st == ZJTX_ERR_OVERFLOW;
    reply_zjtx_error(r, ours ? 422 : 400, ours ? "evaluation_failed" : "bad_option", err);
    return NULL;
  }
  return res;
}

/* What a writer of FILE * wrote, as the reply body. */
typedef struct {
  char *buf;
  size_t len;
  FILE *fp;
} memout;

static bool memout_finish(memout *m, bool ok, serve_reply *r) {
  if (fclose(m->fp) != 0)
    ok = false;
  if (ok) {
    reply_start(r, 200, "application/json");
    g_string_append_len(r->body, m->buf, (gssize)m->len);
  } else {
    serve_reply_error(r, 500, "output_failed", "the answer could not be written");
  }
  free(m->buf);
  return ok;
}

static bool memout_open(memout *m, serve_reply *r) {
  *m = (memout){0};
  m->fp = open_memstream(&m->buf, &m->len);
  if (!m->fp)
    serve_reply_error(r, 500, "out_of_memory", "no memory for the answer");
  return m->fp != NULL;
}

/* ---- the computing endpoints --------------------------------------------- */

static void do_evaluate(const serve_request *req, zjtx_policy *p, serve_reply *r) {
  run_options o = {0};
  zjtx_options *opts = NULL;
  zjtx_facts *facts = NULL;
  zjtx_result *res = NULL;
  memout m;
  if (read_options(&o, req, r) && (opts = make_options(p, &o, true, r)) && (facts = read_facts(req, p, r)) &&
      (res = evaluate(req, p, facts, opts, r)) && memout_open(&m, r)) {
    g_autofree char *receipt = o.receipt ? cli_receipt_member(res) : NULL;
    bool ok = (!o.receipt || receipt) && cli_write_json_with(m.fp, p, res, o.explain, receipt);
    memout_finish(&m, ok, r);
  }
  zjtx_result_free(res);
  zjtx_facts_free(facts);
  zjtx_options_free(opts);
  run_options_clear(&o);
}

/* The explanation of one record as `zjtx explain --format json` prints it. */
static void write_explain(serve_reply *r, const zjtx_result *res, const char *entity, const char *id,
                          const char *rule) {
  zjtx_explanation *ex = NULL;
  zjtx_error *err = NULL;
  zjtx_status st = zjtx_result_explain_subject(res, entity, id, rule, &ex, &err);
  if (st != ZJTX_OK) {
    bool unknown = st == ZJTX_ERR_NOT_FOUND;
    reply_zjtx_error(r, unknown ? 404 : 422, unknown ? "unknown_record" : "explain_failed", err);
    return;
  }
  char *json = zjtx_explanation_to_json(ex);
  reply_start(r, 200, "application/json");
  g_string_append(r->body, json);
  g_string_append_c(r->body, '\n');
  zjtx_free(json);
  zjtx_explanation_free(ex);
}

static const char *required_query(const serve_request *req, const char *name, serve_reply *r) {
  const char *v = g_hash_table_lookup(req->query, name);
  if (!v || !v[0])
    serve_reply_error(r, 400, "missing_parameter", "the query parameter '%s' is required", name);
  return v && v[0] ? v : NULL;
}

static bool rule_declared(const zjtx_policy *p, const char *rule) {
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++)
    if (strcmp(zjtx_policy_rule_id(p, i), rule) == 0)
      return true;
  return false;
}

/* Why and why not for one record, as `zjtx explain --format json`: every
 * rule and check of its entity (or `rule`) with its outcome, the failed
 * conditions and their gaps, the facts and parameters used. */
static void do_explain(const serve_request *req, zjtx_policy *p, serve_reply *r) {
  const char *entity = required_query(req, "entity", r), *id = entity ? required_query(req, "id", r) : NULL;
  const char *rule = g_hash_table_lookup(req->query, "rule");
  if (!id)
    return;
  if (!cli_policy_has_entity(p, entity)) {
    serve_reply_error(r, 404, "unknown_entity", "policy %s declares no entity '%s'", zjtx_policy_id(p), entity);
    return;
  }
  if (rule && !rule_declared(p, rule)) {
    serve_reply_error(r, 404, "unknown_rule", "policy %s has no rule or check '%s'", zjtx_policy_id(p), rule);
    return;
  }
  run_options o = {0};
  zjtx_options *opts = NULL;
  zjtx_facts *facts = NULL;
  zjtx_result *res = NULL;
  if (read_options(&o, req, r) && (opts = make_options(p, &o, true, r)) && (facts = read_facts(req, p, r)) &&
      (res = evaluate(req, p, facts, opts, r)))
    write_explain(r, res, entity, id, rule);
  zjtx_result_free(res);
  zjtx_facts_free(facts);
  zjtx_options_free(opts);
  run_options_clear(&o);
}

/* One side of a simulation: its policy, facts (read for it) and result. */
typedef struct {
  zjtx_policy *p;
  zjtx_options *opts;
  zjtx_facts *facts;
  zjtx_result *res;
} side;

static void side_clear(side *x) {
  zjtx_result_free(x->res);
  zjtx_facts_free(x->facts);
  zjtx_options_free(x->opts);
}

static bool run_side(const serve_request *req, side *x, serve_reply *r) {
  return (x->facts = read_facts(req, x->p, r)) && (x->res = evaluate(req, x->p, x->facts, x->opts, r));
}

static bool parse_top(const serve_request *req, size_t *top, serve_reply *r) {
  const char *v = g_hash_table_lookup(req->query, "top");
  guint64 n = 10;
  if (v && !g_ascii_string_to_unsigned(v, 10, 0, 100000, &n, NULL)) {
    serve_reply_error(r, 400, "bad_option", "top '%s': expected a whole number from 0 to 100000", v);
    return false;
  }
  *top = (size_t)n;
  return true;
}

static void write_simulation(const serve_request *req, side *base, side *reform, const run_options *o, size_t top,
                             serve_reply *r) {
  sim_report rep;
  sim_view v = {.sets = o->sets, .top = top, .base_res = base->res, .reform_res = reform->res};
  memout m;
  if (!sim_report_build(&rep, base->p, base->res, reform->p, reform->res)) {
    serve_reply_error(r, 422, "evaluation_failed", "a total exceeds the exact money range");
    return;
  }
  (void)req;
  if (memout_open(&m, r))
    memout_finish(&m, sim_write_json(m.fp, &rep, &v), r);
  sim_report_clear(&rep);
}

/* Base and reform on the same facts, as `zjtx simulate --format json`;
 * set= applies to the reform. */
static void do_simulate(const serve_request *req, zjtx_policy *p, serve_reply *r) {
  const char *name = required_query(req, "reform", r);
  zjtx_policy *reform = name ? serve_catalog_find(req->catalog, name) : NULL;
  size_t top = 10;
  if (name && !reform)
    serve_reply_error(r, 404, "unknown_reform", "no policy or reform '%s' is loaded (GET /v1/policies lists them)",
                      name);
  if (!reform || !parse_top(req, &top, r))
    return;
  run_options o = {0};
  side base = {.p = p}, ref = {.p = reform};
  if (read_options(&o, req, r) && (base.opts = make_options(p, &o, false, r)) &&
      (ref.opts = make_options(reform, &o, true, r)) && run_side(req, &base, r)) {
    if (!o.period)
      zjtx_options_set_period(ref.opts, zjtx_result_period(base.res), NULL);
    if (run_side(req, &ref, r))
      write_simulation(req, &base, &ref, &o, top, r);
  }
  side_clear(&ref);
  side_clear(&base);
  run_options_clear(&o);
}

/* ---- routing ------------------------------------------------------------- */

typedef void (*policy_handler)(const serve_request *req, zjtx_policy *p, serve_reply *r);

static void do_describe(const serve_request *req, zjtx_policy *p, serve_reply *r) {
  reply_start(r, 200, "application/json");
  const char *file = NULL;
  for (size_t i = 0; i < serve_catalog_count(req->catalog); i++)
    if (serve_catalog_policy(req->catalog, i) == p)
      file = serve_catalog_file(req->catalog, i);
  serve_describe_policy(r->body, p, file);
}

static void do_schema(const serve_request *req, zjtx_policy *p, serve_reply *r) {
  (void)req;
  reply_start(r, 200, "application/schema+json");
  serve_describe_facts_schema(r->body, p);
}

static const struct {
  const char *method, *action, *route; /* action: what follows /v1/policies/{id}; "" for none */
  policy_handler run;
  bool heavy;
} policy_routes[] = {
    {"GET", "", "/v1/policies/{id}", do_describe, false},
    {"GET", "facts-schema", "/v1/policies/{id}/facts-schema", do_schema, false},
    {"POST", "evaluate", "/v1/policies/{id}/evaluate", do_evaluate, true},
    {"POST", "explain", "/v1/policies/{id}/explain", do_explain, true},
    {"POST", "simulate", "/v1/policies/{id}/simulate", do_simulate, true},
};

/* For /v1/policies/ID[/ACTION]: ID and ACTION ("" when none); else false. */
static bool split_policy_path(const char *path, char **id, const char **action) {
  const char *prefix = "/v1/policies/";
  if (!g_str_has_prefix(path, prefix) || !path[strlen(prefix)])
    return false;
  const char *start = path + strlen(prefix), *slash = strchr(start, '/');
  if (slash && strchr(slash + 1, '/'))
    return false;
  *id = slash ? g_strndup(start, (gsize)(slash - start)) : g_strdup(start);
  *action = slash ? slash + 1 : "";
  return true;
}

static int find_policy_route(const char *path, const char **action_out) {
  g_autofree char *id = NULL;
  const char *action;
  if (!split_policy_path(path, &id, &action))
    return -1;
  *action_out = action;
  for (size_t i = 0; i < G_N_ELEMENTS(policy_routes); i++)
    if (strcmp(policy_routes[i].action, action) == 0)
      return (int)i;
  return -1;
}

const char *serve_api_heavy_route(const char *method, const char *path) {
  const char *action;
  int i = find_policy_route(path, &action);
  return i >= 0 && strcmp(method, policy_routes[i].method) == 0 && policy_routes[i].heavy ? policy_routes[i].route
                                                                                          : NULL;
}

static void method_not_allowed(serve_reply *r, const char *method, const char *allowed) {
  serve_reply_error(r, 405, "method_not_allowed", "%s is not allowed here (use %s)", method, allowed);
}

static void handle_policy_route(const serve_request *req, serve_reply *r) {
  g_autofree char *id = NULL;
  const char *action;
  int i = find_policy_route(req->path, &action);
  if (i < 0 || !split_policy_path(req->path, &id, &action)) {
    r->route = "other";
    serve_reply_error(r, 404, "not_found", "no such endpoint: %s (GET /v1/openapi.json lists them)", req->path);
    return;
  }
  r->route = policy_routes[i].route;
  r->policy = g_strdup(id);
  zjtx_policy *p = serve_catalog_find(req->catalog, id);
  if (strcmp(req->method, policy_routes[i].method) != 0)
    method_not_allowed(r, req->method, policy_routes[i].method);
  else if (!p)
    serve_reply_error(r, 404, "unknown_policy", "no policy '%s' is loaded (GET /v1/policies lists them)", id);
  else
    policy_routes[i].run(req, p, r);
}

static void do_ready(const serve_request *req, serve_reply *r) {
  size_t n = serve_catalog_count(req->catalog), problems = serve_catalog_problem_count(req->catalog);
  reply_start(r, n > 0 ? 200 : 503, "application/json");
  g_string_append_printf(r->body, "{\"status\": \"%s\", \"policies\": %zu, \"problems\": %s}\n",
                         n == 0     ? "not_ready"
                         : problems ? "degraded"
                                    : "ready",
                         n, serve_catalog_problems_json(req->catalog));
}

/* The endpoints that take no policy. */
static bool handle_fixed_route(const serve_request *req, serve_reply *r) {
  static const char *const paths[] = {"/healthz", "/readyz", "/metrics", "/v1/openapi.json", "/v1/policies"};
  size_t i = 0;
  while (i < G_N_ELEMENTS(paths) && strcmp(req->path, paths[i]) != 0)
    i++;
  if (i == G_N_ELEMENTS(paths))
    return false;
  r->route = paths[i];
  if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
    method_not_allowed(r, req->method, "GET");
    return true;
  }
  if (i == 0) {
    reply_start(r, 200, "application/json");
    g_string_append(r->body, "{\"status\": \"ok\"}\n");
  } else if (i == 1) {
    do_ready(req, r);
  } else if (i == 2) {
    reply_start(r, 200, "text/plain; version=0.0.4; charset=utf-8");
    g_autofree char *text = serve_metrics_text(req->metrics, req->catalog);
    g_string_append(r->body, text);
  } else if (i == 3) {
    reply_start(r, 200, "application/json");
    g_string_append(r->body, serve_openapi_json());
  } else {
    reply_start(r, 200, "application/json");
    serve_describe_list(r->body, req->catalog);
  }
  return true;
}

void serve_api_handle(const serve_request *req, serve_reply *r) {
  if (!handle_fixed_route(req, r))
    handle_policy_route(req, r);
}
