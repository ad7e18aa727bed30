/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-check.c - zjtx check and zjtx dump: a policy validated and listed,
 * or its compiled program printed. */
#include "cli.h"

static const cli_command check_command = {
    .name = "check",
    .summary = "Validates a policy (schema, names, types) and lists its rules and checks, its\n"
               "parameters (with their status: published or assumed) and its entities.",
    .description = "Example:\n"
                   "  zjtx check --policy rules/policy.xml\n"
                   "\n"
                   "Exit status: 0 a valid policy, 1 an invalid one (every error is printed with\n"
                   "file:line:column), 2 usage error.\n",
};

static const cli_command dump_command = {
    .name = "dump",
    .summary = "Prints the compiled program of a policy: its derived values, rules and checks as\n"
               "the bytecode the evaluation runs.",
    .description = "Example:\n"
                   "  zjtx dump --policy rules/policy.xml\n"
                   "\n"
                   "Exit status: 0 success, 1 an invalid policy, 2 usage error.\n",
};

/* --policy FILE, the only option of check and dump, loaded; NULL after a
 * usage error or a policy that does not load (*rc says which), or --help. */
static zjtx_policy *policy_option(const cli_command *cmd, int argc, char **argv, int *rc) {
  g_autofree char *policy = NULL;
  const GOptionEntry entries[] = {{"policy", 0, 0, G_OPTION_ARG_FILENAME, &policy, "The policy (required)", "FILE"},
                                  {NULL, 0, 0, 0, NULL, NULL, NULL}};
  *rc = cli_parse_options(cmd, entries, &argc, &argv);
  if (*rc == 0)
    *rc = cli_no_arguments(cmd, argc, argv);
  if (*rc == 0 && !policy)
    *rc = cli_usage_error(cmd->name, "%s", "--policy FILE is required");
  if (*rc != 0)
    return NULL;
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  if (cli_load_policy(policy, NULL, &p, &err) != ZJTX_OK)
    *rc = cli_report_error(NULL, err);
  return p;
}

static void print_rules(const zjtx_policy *p) {
  printf("\nrules and checks (%zu):\n", zjtx_policy_rule_count(p));
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++)
    printf("  %-5s %-34s %-11s clause %-6s %s [%s]\n",
           zjtx_policy_rule_kind(p, i) == ZJTX_RULE_CHECK ? "check" : "rule", zjtx_policy_rule_id(p, i),
           zjtx_policy_rule_subject(p, i), zjtx_policy_rule_clause(p, i) ? zjtx_policy_rule_clause(p, i) : "-",
           zjtx_policy_rule_title(p, i, "zh"), zjtx_policy_rule_origin(p, i));
}

/* Each parameter with its status and values; returns how many are assumed. */
static size_t print_params(const zjtx_policy *p) {
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
  return assumed;
}

static void print_entities(const zjtx_policy *p) {
  printf("\nentities (%zu):\n", zjtx_policy_entity_count(p));
  for (size_t i = 0; i < zjtx_policy_entity_count(p); i++) {
    printf("  %-12s (%s%s%s):", zjtx_policy_entity_name(p, i), zjtx_policy_entity_plural(p, i),
           zjtx_policy_entity_parent(p, i) ? ", child of " : "",
           zjtx_policy_entity_parent(p, i) ? zjtx_policy_entity_parent(p, i) : "");
    for (size_t f = 0; f < zjtx_policy_entity_field_count(p, i); f++)
      printf(" %s:%s", zjtx_policy_entity_field_name(p, i, f), zjtx_policy_entity_field_type(p, i, f));
    printf("\n");
  }
}

static int show_policy(const zjtx_policy *p) {
  printf("%s — %s\n", zjtx_policy_id(p), zjtx_policy_title(p, "zh"));
  printf("%s\n", zjtx_policy_title(p, "en"));
  if (zjtx_policy_document(p))
    printf("document: %s\n", zjtx_policy_document(p));
  print_rules(p);
  size_t assumed = print_params(p);
  print_entities(p);
  printf("\n%zu parameter%s assumed (not published)\n", assumed, assumed == 1 ? " is" : "s are");
  return 0;
}

int cli_cmd_check(int argc, char **argv) {
  int rc;
  zjtx_policy *p = policy_option(&check_command, argc, argv, &rc);
  if (p)
    rc = show_policy(p);
  zjtx_policy_unref(p);
  return rc == CLI_EXIT_HELP ? CLI_EXIT_OK : rc;
}

int cli_cmd_dump(int argc, char **argv) {
  int rc;
  zjtx_policy *p = policy_option(&dump_command, argc, argv, &rc);
  if (p) {
    char *text = zjtx_policy_dump(p);
    fputs(text, stdout);
    zjtx_free(text);
  }
  zjtx_policy_unref(p);
  return rc == CLI_EXIT_HELP ? CLI_EXIT_OK : rc;
}
