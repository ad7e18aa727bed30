/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-receipt-verify.c - zjtx verify-receipt: evaluates again and compares
 * the receipt of the run with one kept from before, part by part. */
#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const cli_command verify_command = {
    .name = "verify-receipt",
    .args = "RECEIPT.json",
    .summary = "Evaluates the policy over the facts again and compares the run's receipt with\n"
               "RECEIPT.json (the output of zjtx evaluate --format json --receipt, or its \"receipt\"\n"
               "object alone): which of policy, facts and results differ.",
    .description = "The run is the one these options describe: give the --period and every --set the\n"
                   "receipt was made with (it lists them under \"period\" and \"overrides\"; when the\n"
                   "policy part differs, the differences from this run are shown).  Each part matches\n"
                   "when both its SHA-256 and its SM3 digest do.  The canonical forms hashed are\n"
                   "specified in docs/receipts.md; --forms DIR writes this run's forms there\n"
                   "(policy.txt, facts.txt, results.txt), to compare line by line with the forms of\n"
                   "another run or with forms written independently.\n"
                   "\n"
                   "Example:\n"
                   "  zjtx evaluate --policy policy.xml --facts facts.json --format json --receipt --output run.json\n"
                   "  zjtx verify-receipt --policy policy.xml --facts facts.json run.json\n"
                   "\n"
                   "Exit status: 0 every part identical, 1 a part differs or the input is invalid,\n"
                   "2 usage error.\n",
};

typedef struct {
  char *policy, *facts, *period, *threads, *forms;
  char **set;
  gboolean quiet;
  GPtrArray *sets; /* borrows `set` */
  const char *receipt_path;
} verify_options;

static void verify_options_clear(verify_options *o) {
  char **strings[] = {&o->policy, &o->facts, &o->period, &o->threads, &o->forms};
  for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
    g_clear_pointer(strings[i], g_free);
  g_clear_pointer(&o->set, g_strfreev);
  g_clear_pointer(&o->sets, g_ptr_array_unref);
}

static int verify_parse(int *argc, char ***argv, verify_options *o) {
  const GOptionEntry entries[] = {
      {"policy", 0, 0, G_OPTION_ARG_FILENAME, &o->policy, "The policy (required)", "FILE"},
      {"facts", 0, 0, G_OPTION_ARG_FILENAME, &o->facts, "The facts: JSON, or a CSV directory (required)",
       "FILE.json|DIR"},
      {"period", 0, 0, G_OPTION_ARG_FILENAME, &o->period,
       "The period evaluated (2025, 2025H1, 2025Q3, 2025-07, FY2025: as the policy declares)", "PERIOD"},
      {"set", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->set, "Replace a parameter (PARAM[KEY]=VALUE: one key); repeatable",
       "PARAM=VALUE"},
      {"threads", 0, 0, G_OPTION_ARG_FILENAME, &o->threads, "Evaluation threads (0: one per processor)", "N"},
      {"forms", 0, 0, G_OPTION_ARG_FILENAME, &o->forms,
       "Write this run's canonical forms into DIR (policy.txt, facts.txt, results.txt)", "DIR"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No notes on standard error; only the verdict", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  int rc = cli_parse_options(&verify_command, entries, argc, argv);
  o->sets = cli_strv_array(o->set);
  if (rc != 0)
    return rc;
  int n = 0;
  for (int i = 1; i < *argc; i++)
    if (strcmp((*argv)[i], "--") != 0) {
      o->receipt_path = (*argv)[i];
      n++;
    }
  if (n != 1)
    return cli_usage_error("verify-receipt", "%s", "expected one RECEIPT.json");
  if (!o->policy || !o->facts)
    return cli_usage_error("verify-receipt", "%s", "--policy and --facts are required");
  if (o->forms && !o->forms[0])
    return cli_usage_error("verify-receipt", "%s", "--forms needs a directory");
  return 0;
}

/* ---- the receipt kept -------------------------------------------------------- */

/* A receipt file is untrusted input: at most this large (a whole evaluate
 * output with explanations of a large population fits), and JSON nested
 * at most this deep (json-glib parses by recursion; evaluate's output,
 * explanations included, stays far below). */
#define RECEIPT_MAX_BYTES ((gsize)1 << 30)
#define RECEIPT_MAX_DEPTH 256

/* The deepest nesting of arrays and objects in `data` (strings skipped). */
static int json_depth(const char *data, gsize len) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (gsize i = 0; i < len; i++) {
    char ch = data[i];
    if (in_string) {
      if (ch == '\\')
        i++;
      else if (ch == '"')
        in_string = false;
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      deepest = MAX(deepest, ++depth);
    } else if (ch == ']' || ch == '}') {
      depth--;
    }
  }
  return deepest;
}

/* Reads all of `fd` (at most RECEIPT_MAX_BYTES) into a NUL-terminated
 * buffer; false on a read error or when larger. */
static bool read_all(int fd, GByteArray *buf) {
  guint8 chunk[65536];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return false;
    if (n == 0)
      break;
    if (buf->len + (gsize)n > RECEIPT_MAX_BYTES) {
      errno = EFBIG;
      return false;
    }
    g_byte_array_append(buf, chunk, (guint)n);
  }
  g_byte_array_append(buf, (const guint8 *)"", 1);
  return true;
}

/* The whole regular file `path` (never a FIFO or a device: they would be
 * waited on), checked and read through one descriptor, or NULL after
 * saying why. */
static char *read_receipt_file(const char *path, gsize *len) {
  g_autofree char *shown = cli_printable(path);
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    cli_message("%s: %s", shown, g_strerror(errno));
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    cli_message("%s: not a regular file", shown);
    close(fd);
    return NULL;
  }
  GByteArray *buf = g_byte_array_new();
  bool ok = read_all(fd, buf);
  int saved = errno;
  close(fd);
  if (!ok) {
    cli_message("%s: %s", shown, saved == EFBIG ? "larger than 1 GiB: not a receipt" : g_strerror(saved));
    g_byte_array_unref(buf);
    return NULL;
  }
  *len = buf->len - 1;
  char *data = (char *)g_byte_array_free(buf, FALSE);
  if (json_depth(data, *len) > RECEIPT_MAX_DEPTH) {
    cli_message("%s: JSON nested deeper than %d levels: not a receipt", shown, RECEIPT_MAX_DEPTH);
    g_free(data);
    return NULL;
  }
  return data;
}

static const struct {
  const char *name;
  zjtx_receipt_part part;
} parts[] = {{"policy", ZJTX_RECEIPT_POLICY}, {"facts", ZJTX_RECEIPT_FACTS}, {"results", ZJTX_RECEIPT_RESULTS}};

/* The member `name` of `o` when it is a string, else NULL. */
static const char *string_member(JsonObject *o, const char *name) {
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n) : NULL;
}

static JsonObject *object_member(JsonObject *o, const char *name) {
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

/* The receipt object of the document: its "receipt" member, or itself. */
static JsonObject *find_receipt(JsonParser *parser, const char *path) {
  JsonNode *root = json_parser_get_root(parser);
  JsonObject *doc = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  JsonObject *receipt = object_member(doc, "receipt");
  if (!receipt && object_member(doc, "policy"))
    receipt = doc;
  for (size_t i = 0; receipt && i < G_N_ELEMENTS(parts); i++) {
    JsonObject *part = object_member(receipt, parts[i].name);
    if (!string_member(part, "sha256") || !string_member(part, "sm3"))
      receipt = NULL;
  }
  if (!receipt) {
    g_autofree char *shown = cli_printable(path);
    cli_message("%s: no receipt: expected {\"receipt\": {\"policy\", \"facts\", \"results\"}} or that object, "
                "each part with \"sha256\" and \"sm3\" (zjtx evaluate --format json --receipt)",
                shown);
    return NULL;
  }
  const char *format = string_member(receipt, "format");
  if (format && strcmp(format, "zjtx-receipt/1") != 0) {
    g_autofree char *shown = cli_printable(format);
    cli_message("receipt format '%s' is not one this zjtx knows (zjtx-receipt/1)", shown);
    return NULL;
  }
  return receipt;
}

/* ---- comparing --------------------------------------------------------------- */

/* "a=1, b[k]=2" or "none": the "overrides" array of a receipt. */
static char *overrides_text(JsonObject *receipt) {
  JsonNode *n = json_object_get_member(receipt, "overrides");
  JsonArray *a = n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
  g_autoptr(GString) s = g_string_new(NULL);
  for (guint i = 0; a && i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
    const char *key = string_member(o, "key"), *param = string_member(o, "param"), *value = string_member(o, "value");
    g_string_append_printf(s, "%s%s%s%s%s=%s", s->len ? ", " : "", param ? param : "?", key ? "[" : "", key ? key : "",
                           key ? "]" : "", value ? value : "?");
  }
  return cli_printable(s->len ? s->str : "none");
}

/* A string member as shown in a message ("?" when there is none). */
static char *shown_member(JsonObject *o, const char *name) {
  const char *s = string_member(o, name);
  return cli_printable(s ? s : "?");
}

/* When the policy part differs: what the kept receipt records that this
 * run does otherwise (the period, the overrides, the policy's id and
 * version), read from this run's receipt in the same JSON. */
static void explain_policy_difference(JsonObject *kept, const zjtx_receipt *now) {
  g_autofree char *json = zjtx_receipt_to_json(now);
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, json, -1, NULL))
    return;
  JsonObject *mine = json_node_get_object(json_parser_get_root(parser));
  g_autofree char *period = shown_member(kept, "period"), *my_period = shown_member(mine, "period");
  if (strcmp(period, my_period) != 0)
    cli_message("the receipt was made for period %s; this run evaluates %s (--period)", period, my_period);
  g_autofree char *was = overrides_text(kept), *now_sets = overrides_text(mine);
  if (strcmp(was, now_sets) != 0)
    cli_message("the receipt records the overrides %s; this run has %s (--set)", was, now_sets);
  JsonObject *p = object_member(kept, "policy"), *my_p = object_member(mine, "policy");
  g_autofree char *id = shown_member(p, "id"), *my_id = shown_member(my_p, "id");
  g_autofree char *version = shown_member(p, "version"), *my_version = shown_member(my_p, "version");
  bool same_policy = strcmp(id, my_id) == 0 && strcmp(version, my_version) == 0;
  if (!same_policy)
    cli_message("the receipt is for policy %s version %s; this is %s version %s", id, version, my_id, my_version);
  else if (strcmp(period, my_period) == 0 && strcmp(was, now_sets) == 0)
    cli_message("the policy files differ from those the receipt was made with (same id, version, period and "
                "overrides: a rule, parameter, field or base policy changed; --forms DIR shows this one)");
}

/* Prints one part's verdict; true when both digests are the same. */
static bool compare_part(JsonObject *receipt, const zjtx_receipt *now, size_t i) {
  JsonObject *part = object_member(receipt, parts[i].name);
  const char *sha = string_member(part, "sha256"), *sm3 = string_member(part, "sm3");
  const char *my_sha = zjtx_receipt_sha256(now, parts[i].part), *my_sm3 = zjtx_receipt_sm3(now, parts[i].part);
  bool same = g_ascii_strcasecmp(sha, my_sha) == 0 && g_ascii_strcasecmp(sm3, my_sm3) == 0;
  if (same) {
    printf("%-8s identical  sha256 %s  sm3 %s\n", parts[i].name, my_sha, my_sm3);
    return true;
  }
  g_autofree char *shown_sha = cli_printable(sha);
  g_autofree char *shown_sm3 = cli_printable(sm3);
  printf("%-8s DIFFERENT  receipt:    sha256 %s  sm3 %s\n", parts[i].name, shown_sha, shown_sm3);
  printf("%-8s            recomputed: sha256 %s  sm3 %s\n", "", my_sha, my_sm3);
  return false;
}

static int compare(JsonObject *receipt, const zjtx_result *res, const verify_options *o) {
  zjtx_receipt *now = NULL;
  zjtx_error *err = NULL;
  if (zjtx_result_receipt(res, &now, &err) != ZJTX_OK)
    return cli_report_error("receipt", err);
  g_autoptr(GString) differ = g_string_new(NULL);
  for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
    if (!compare_part(receipt, now, i))
      g_string_append_printf(differ, "%s%s", differ->len ? ", " : "", parts[i].name);
  if (strstr(differ->str, "policy"))
    explain_policy_difference(receipt, now);
  zjtx_receipt_free(now);
  const char *engine = string_member(receipt, "engine");
  g_autofree char *my_engine = g_strdup_printf("zjtx %s", zjtx_version_string());
  if (!o->quiet && engine && strcmp(engine, my_engine) != 0) {
    g_autofree char *shown = cli_printable(engine);
    cli_message("note: the receipt was made by %s; this is %s", shown, my_engine);
  }
  if (differ->len == 0) {
    printf("the receipt matches: policy, facts and results are identical\n");
    return CLI_EXIT_OK;
  }
  printf("the receipt does not match: %s differ%s\n", differ->str, strchr(differ->str, ',') ? "" : "s");
  return CLI_EXIT_FAILURE;
}

/* ---- the forms ---------------------------------------------------------------- */

/* Writes the canonical form of each part into DIR/PART.txt (each file
 * replaced atomically); false after saying why. */
static bool write_forms(const zjtx_result *res, const char *dir) {
  if (g_mkdir_with_parents(dir, 0777) != 0) {
    g_autofree char *shown = cli_printable(dir);
    cli_message("--forms %s: %s", shown, g_strerror(errno));
    return false;
  }
  for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
    char *form = NULL;
    size_t len = 0;
    zjtx_error *err = NULL;
    if (zjtx_result_canonical_form(res, parts[i].part, &form, &len, &err) != ZJTX_OK) {
      cli_report_error("--forms", err);
      return false;
    }
    g_autofree char *name = g_strconcat(parts[i].name, ".txt", NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    cli_sink sink = {0};
    bool ok = cli_sink_open(&sink, path);
    if (ok)
      ok = fwrite(form, 1, len, sink.fp) == len && cli_sink_commit(&sink);
    cli_sink_abort(&sink);
    zjtx_free(form);
    if (!ok)
      return false;
  }
  return true;
}

/* ---- the run ------------------------------------------------------------------ */

static int verify_options_apply(const verify_options *o, zjtx_options *opts) {
  zjtx_error *err = NULL;
  int rc = cli_apply_sets("verify-receipt", opts, o->sets);
  if (rc == 0 && o->period && zjtx_options_set_period(opts, o->period, &err) != ZJTX_OK)
    rc = cli_report_error(NULL, err);
  if (rc == 0 && o->threads)
    rc = cli_parse_threads("verify-receipt", o->threads, &opts, 1);
  return rc;
}

static int verify_run(const verify_options *o, zjtx_options *opts, JsonObject *receipt) {
  zjtx_policy *p = NULL;
  zjtx_facts *facts = NULL;
  zjtx_result *res = NULL;
  zjtx_error *err = NULL;
  int rc = 0;
  rc = cli_load_inputs(o->policy, o->facts, &p, &facts);
  if (rc == 0 && zjtx_facts_reject_count(facts) > 0) {
    /* the run that made the receipt left them out as well */
    cli_message("%zu problem%s in the facts; the receipt covers the records accepted", zjtx_facts_reject_count(facts),
                zjtx_facts_reject_count(facts) == 1 ? "" : "s");
  }
  if (rc == 0 && zjtx_evaluate(p, facts, opts, &res, &err) != ZJTX_OK)
    rc = cli_report_error(NULL, err);
  if (rc == 0 && o->forms && !write_forms(res, o->forms))
    rc = CLI_EXIT_FAILURE;
  if (rc == 0)
    rc = compare(receipt, res, o);
  zjtx_result_free(res);
  zjtx_facts_free(facts);
  zjtx_policy_unref(p);
  return rc;
}

int cli_cmd_verify_receipt(int argc, char **argv) {
  verify_options o = {0};
  zjtx_options *opts = cli_options_new();
  g_autoptr(JsonParser) parser = json_parser_new();
  int rc = verify_parse(&argc, &argv, &o);
  if (rc == 0)
    rc = verify_options_apply(&o, opts);
  JsonObject *receipt = NULL;
  if (rc == 0) {
    g_autoptr(GError) gerr = NULL;
    gsize len = 0;
    g_autofree char *data = read_receipt_file(o.receipt_path, &len);
    if (!data) {
      rc = CLI_EXIT_FAILURE;
    } else if (len > G_MAXSSIZE || !json_parser_load_from_data(parser, data, (gssize)len, &gerr)) {
      g_autofree char *shown = cli_printable(o.receipt_path);
      cli_message("%s: %s", shown, gerr ? gerr->message : "too large");
      rc = CLI_EXIT_FAILURE;
    } else if (!(receipt = find_receipt(parser, o.receipt_path))) {
      rc = CLI_EXIT_FAILURE;
    }
  }
  if (rc == 0)
    rc = verify_run(&o, opts, receipt);
  zjtx_options_free(opts);
  verify_options_clear(&o);
  return rc == CLI_EXIT_HELP ? CLI_EXIT_OK : rc;
}
