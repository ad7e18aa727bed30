/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* zjtx.c - the command-line tool: check a policy, evaluate it over facts,
 * dump its compiled program. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: zjtx COMMAND [OPTIONS]\n"
    "\n"
    "Exact, explainable computation of subsidy and incentive policies.\n"
    "\n"
    "commands:\n"
    "  evaluate --policy FILE --facts FILE.json|DIR [--period YYYY] [--set PARAM=VALUE]...\n"
    "           [--format table|json] [--explain] [--rejects FILE.csv]\n"
    "      compute every entitlement and violation the policy gives the facts: a JSON\n"
    "      document or a directory of CSV files (one per entity: enterprises.csv, ...).\n"
    "      Invalid records are reported (and listed in --rejects), the rest evaluated;\n"
    "      the exit status is then 1.\n"
    "      --set PARAM=VALUE replaces a parameter (PARAM[KEY]=VALUE for one key of a\n"
    "      keyed parameter); rates are written in percent (--set rd_base_rate=3).\n"
    "  check --policy FILE\n"
    "      validate a policy and list its rules, parameters (with status) and entities.\n"
    "  dump --policy FILE\n"
    "      print the compiled program.\n"
    "\n"
    "  zjtx --help | --version\n"
    "\n"
    "Exit status: 0 success, 1 invalid input (policy, facts, options), 2 usage error.\n";

typedef struct {
  const char *policy, *facts, *period, *format, *rejects;
  GPtrArray *sets;
  bool explain;
} options;

static int usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "zjtx: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'zjtx --help'.\n");
  return 2;
}

static int report(zjtx_error *err) {
  for (const zjtx_error *e = err; e; e = zjtx_error_next(e)) {
    char *msg = zjtx_error_format(e);
    fprintf(stderr, "zjtx: %s\n", msg);
    zjtx_free(msg);
  }
  size_t n = zjtx_error_count(err);
  if (n > 1)
    fprintf(stderr, "zjtx: %zu errors\n", n);
  zjtx_error_free(err);
  return 1;
}

static int parse_options(int argc, char **argv, options *o) {
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = strcmp(a, "--policy") == 0   ? &o->policy
                        : strcmp(a, "--facts") == 0  ? &o->facts
                        : strcmp(a, "--period") == 0 ? &o->period
                        : strcmp(a, "--format") == 0 ? &o->format
                        : strcmp(a, "--rejects") == 0 ? &o->rejects
                                                     : NULL;
    if (slot || strcmp(a, "--set") == 0) {
      if (i + 1 >= argc)
        return usage_error("%s needs a value", a);
      if (slot)
        *slot = argv[++i];
      else
        g_ptr_array_add(o->sets, argv[++i]);
    } else if (strcmp(a, "--explain") == 0) {
      o->explain = true;
    } else {
      return usage_error("unknown option '%s'", a);
    }
  }
  if (!o->policy)
    return usage_error("%s", "--policy FILE is required");
  return 0;
}

/* Is parameter `id` replaced by one of the --set arguments? */
static bool is_set(const GPtrArray *sets, const char *id) {
  size_t n = strlen(id);
  for (guint i = 0; sets && i < sets->len; i++) {
    const char *s = g_ptr_array_index(sets, i);
    if (strncmp(s, id, n) == 0 && (s[n] == '=' || s[n] == '['))
      return true;
  }
  return false;
}

static zjtx_policy *load_policy(const char *path, bool announce_assumed, const GPtrArray *sets) {
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  if (zjtx_policy_load_file(path, &p, &err) != ZJTX_OK) {
    report(err);
    return NULL;
  }
  if (announce_assumed) {
    GString *names = g_string_new(NULL);
    for (size_t i = 0; i < zjtx_policy_param_count(p); i++)
      if (zjtx_policy_param_status(p, i) == ZJTX_PARAM_ASSUMED && !is_set(sets, zjtx_policy_param_id(p, i)))
        g_string_append_printf(names, "%s%s", names->len ? ", " : "", zjtx_policy_param_id(p, i));
    if (names->len)
      fprintf(stderr, "zjtx: note: assumed parameter values (not published; replace with --set): %s\n", names->str);
    g_string_free(names, TRUE);
  }
  return p;
}

/* --set id=value or id[key]=value */
static int apply_set(zjtx_options *opts, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    return usage_error("--set '%s': expected PARAM=VALUE", arg);
  g_autofree char *name = g_strndup(arg, (gsize)(eq - arg));
  char *key = NULL, *open = strchr(name, '[');
  if (open) {
    char *close = strchr(open, ']');
    if (!close || close[1])
      return usage_error("--set '%s': expected PARAM[KEY]=VALUE", arg);
    *open = *close = '\0';
    key = open + 1;
  }
  zjtx_options_set_param(opts, name, key, eq + 1, NULL);
  return 0;
}

/* A CSV field, quoted when it must be (RFC 4180). */
static void csv_field(FILE *out, const char *s, bool last) {
  s = s ? s : "";
  if (strpbrk(s, ",\"\r\n")) {
    fputc('"', out);
    for (; *s; s++) {
      if (*s == '"')
        fputc('"', out);
      fputc(*s, out);
    }
    fputc('"', out);
  } else {
    fputs(s, out);
  }
  fputc(last ? '\n' : ',', out);
}

static bool write_rejects_csv(const zjtx_facts *facts, const char *path) {
  FILE *out = fopen(path, "w");
  if (!out) {
    fprintf(stderr, "zjtx: %s: cannot write the rejects: %s\n", path, g_strerror(errno));
    return false;
  }
  fputs("file,line,entity,id,field,value,reason\n", out);
  for (size_t i = 0; i < zjtx_facts_reject_count(facts); i++) {
    char line[16];
    g_snprintf(line, sizeof line, "%d", zjtx_facts_reject_line(facts, i));
    csv_field(out, zjtx_facts_reject_file(facts, i), false);
    csv_field(out, line, false);
    csv_field(out, zjtx_facts_reject_entity(facts, i), false);
    csv_field(out, zjtx_facts_reject_id(facts, i), false);
    csv_field(out, zjtx_facts_reject_field(facts, i), false);
    csv_field(out, zjtx_facts_reject_value(facts, i), false);
    csv_field(out, zjtx_facts_reject_reason(facts, i), true);
  }
  return fclose(out) == 0;
}

/* Every refused record on stderr (and in a CSV file if asked), then the
 * reconciliation of each table.  Returns the number of problems. */
static size_t report_rejects(const zjtx_policy *p, const zjtx_facts *facts, const char *rejects_path) {
  size_t n = zjtx_facts_reject_count(facts);
  for (size_t i = 0; i < n; i++) {
    const char *file = zjtx_facts_reject_file(facts, i);
    int line = zjtx_facts_reject_line(facts, i);
    fprintf(stderr, "zjtx: %s%s", file ? file : "", file ? ":" : "");
    if (line > 0)
      fprintf(stderr, "%d:", line);
    fprintf(stderr, " refused %s: %s\n", zjtx_facts_reject_entity(facts, i), zjtx_facts_reject_reason(facts, i));
  }
  if (rejects_path && !write_rejects_csv(facts, rejects_path))
    n++;
  if (n == 0)
    return 0;
  fprintf(stderr, "zjtx: reconciliation (read = accepted + refused):\n");
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++) {
    int64_t read = 0, accepted = 0, refused = 0;
    zjtx_facts_reconcile(facts, zjtx_policy_entity_name(p, e), &read, &accepted, &refused);
    fprintf(stderr, "zjtx:   %-12s %10" G_GINT64_FORMAT " = %10" G_GINT64_FORMAT " + %" G_GINT64_FORMAT "\n",
            zjtx_policy_entity_plural(p, e), read, accepted, refused);
  }
  fprintf(stderr, "zjtx: %zu problem%s in the facts; every valid record was evaluated\n", n, n == 1 ? "" : "s");
  return n;
}

static int cmd_evaluate(options *o) {
  const char *format = o->format ? o->format : "table";
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
    return usage_error("--format '%s': expected table or json", format);
  if (!o->facts)
    return usage_error("%s", "evaluate needs --facts FILE.json");
  zjtx_options *opts = zjtx_options_new();
  zjtx_error *err = NULL;
  int rc = 0;
  for (guint i = 0; i < o->sets->len && rc == 0; i++)
    rc = apply_set(opts, g_ptr_array_index(o->sets, i));
  if (rc == 0 && o->period && zjtx_options_set_period(opts, o->period, &err) != ZJTX_OK)
    rc = report(err);
  zjtx_policy *p = rc == 0 ? load_policy(o->policy, true, o->sets) : NULL;
  zjtx_facts *facts = NULL;
  zjtx_result *res = NULL;
  if (rc == 0 && !p)
    rc = 1;
  if (rc == 0 && zjtx_facts_load(p, o->facts, ZJTX_FACTS_KEEP_GOING, &facts, &err) != ZJTX_OK)
    rc = report(err);
  bool refused = false;
  if (rc == 0)
    refused = report_rejects(p, facts, o->rejects) != 0;
  if (rc == 0 && zjtx_evaluate(p, facts, opts, &res, &err) != ZJTX_OK)
    rc = report(err);
  if (rc == 0) {
    bool ok = strcmp(format, "json") == 0 ? cli_write_json(stdout, p, res, o->explain)
                                          : cli_write_table(stdout, p, res, o->explain);
    if (!ok || fflush(stdout) != 0)
      rc = 1;
  }
  if (rc == 0 && refused)
    rc = 1; /* every valid record was evaluated, but not every record was valid */
  zjtx_result_free(res);
  zjtx_facts_free(facts);
  zjtx_policy_unref(p);
  zjtx_options_free(opts);
  return rc;
}

static int cmd_check(options *o) {
  zjtx_policy *p = load_policy(o->policy, false, NULL);
  if (!p)
    return 1;
  printf("%s — %s\n", zjtx_policy_id(p), zjtx_policy_title(p, "zh"));
  printf("%s\n", zjtx_policy_title(p, "en"));
  if (zjtx_policy_document(p))
    printf("document: %s\n", zjtx_policy_document(p));
  printf("\nrules and checks (%zu):\n", zjtx_policy_rule_count(p));
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++)
    printf("  %-5s %-34s %-11s clause %-6s %s [%s]\n",
           zjtx_policy_rule_kind(p, i) == ZJTX_RULE_CHECK ? "check" : "rule", zjtx_policy_rule_id(p, i),
           zjtx_policy_rule_subject(p, i), zjtx_policy_rule_clause(p, i) ? zjtx_policy_rule_clause(p, i) : "-",
           zjtx_policy_rule_title(p, i, "zh"), zjtx_policy_rule_origin(p, i));
  size_t assumed = 0;
  printf("\nparameters (%zu):\n", zjtx_policy_param_count(p));
  for (size_t i = 0; i < zjtx_policy_param_count(p); i++) {
    bool a = zjtx_policy_param_status(p, i) == ZJTX_PARAM_ASSUMED;
    assumed += a;
    printf("  %-36s %-7s %-9s", zjtx_policy_param_id(p, i), zjtx_policy_param_type(p, i), a ? "ASSUMED" : "published");
    for (size_t j = 0; j < zjtx_policy_param_value_count(p, i); j++) {
      const char *key = zjtx_policy_param_value_key(p, i, j);
      printf(" %s%s%s=%s@%s", j ? "" : "", key ? key : "", key ? ":" : "", zjtx_policy_param_value_text(p, i, j),
             zjtx_policy_param_value_from(p, i, j));
    }
    printf("\n");
  }
  printf("\nentities (%zu):\n", zjtx_policy_entity_count(p));
  for (size_t i = 0; i < zjtx_policy_entity_count(p); i++) {
    printf("  %-12s (%s%s%s):", zjtx_policy_entity_name(p, i), zjtx_policy_entity_plural(p, i),
           zjtx_policy_entity_parent(p, i) ? ", child of " : "",
           zjtx_policy_entity_parent(p, i) ? zjtx_policy_entity_parent(p, i) : "");
    for (size_t f = 0; f < zjtx_policy_entity_field_count(p, i); f++)
      printf(" %s:%s", zjtx_policy_entity_field_name(p, i, f), zjtx_policy_entity_field_type(p, i, f));
    printf("\n");
  }
  printf("\n%zu parameter%s assumed (not published)\n", assumed, assumed == 1 ? " is" : "s are");
  zjtx_policy_unref(p);
  return 0;
}

static int cmd_dump(options *o) {
  zjtx_policy *p = load_policy(o->policy, false, NULL);
  if (!p)
    return 1;
  char *text = zjtx_policy_dump(p);
  fputs(text, stdout);
  zjtx_free(text);
  zjtx_policy_unref(p);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("zjtx %s\n", zjtx_version_string());
    return 0;
  }
  options o = {.sets = g_ptr_array_new()};
  int rc = parse_options(argc, argv, &o);
  if (rc == 0) {
    if (strcmp(argv[1], "evaluate") == 0)
      rc = cmd_evaluate(&o);
    else if (strcmp(argv[1], "check") == 0)
      rc = cmd_check(&o);
    else if (strcmp(argv[1], "dump") == 0)
      rc = cmd_dump(&o);
    else
      rc = usage_error("unknown command '%s'", argv[1]);
  }
  g_ptr_array_free(o.sets, TRUE);
  return rc;
}
