/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* zjtx.c - the command-line tool: finds the command and hands it the rest
 * of the arguments (each command's file reads its own options). */
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: zjtx COMMAND [OPTIONS]\n"
    "\n"
    "Exact, explainable computation of subsidy and incentive policies.\n"
    "\n"
    "commands:\n"
    "  evaluate --policy FILE --facts FILE.json|DIR [--period PERIOD] [--set PARAM=VALUE]...\n"
    "           [--format table|json|jsonl|csv] [--explain] [--receipt] [--output FILE]\n"
    "           [--rejects FILE.csv] [--summary FILE] [--summary-by ENTITY] [--threads N] [--quiet]\n"
    "      compute every entitlement and violation the policy gives the facts: a JSON\n"
    "      document or a directory of CSV files (one per entity: enterprises.csv, ...).\n"
    "      Invalid records are reported (and listed in --rejects), the rest evaluated;\n"
    "      the exit status is then 1.  --threads N: evaluation threads (0: one per core).\n"
    "      --set PARAM=VALUE replaces a parameter (PARAM[KEY]=VALUE for one key of a\n"
    "      keyed parameter); rates are written in percent (--set base_rate=3 for 3 %).\n"
    "      --format   table: for people, with the summary at the end (the default);\n"
    "                 json: one document {\"policy\", \"period\", \"entitlements\": [...],\n"
    "                 \"violations\": [...]}; jsonl: one JSON object per line,\n"
    "                 entitlements then violations, each with \"type\"; csv: the columns\n"
    "                 type,rule,beneficiary,id,amount,fen,missing (a violation's check in rule).\n"
    "      --explain  add why each result is what it is (not with csv).\n"
    "      --receipt  add \"receipt\" (json only): SHA-256 and SM3 of the policy as\n"
    "                 evaluated, the facts as read and the results (docs/receipts.md).\n"
    "      --output FILE  write the result to FILE instead of standard output.\n"
    "      --rejects FILE.csv  list the refused records: file,line,entity,id,field,value,reason.\n"
    "      --summary FILE  write the summary (count and total per rule and per ENTITY\n"
    "                 record, violations per check) to FILE.  Without it, the summary\n"
    "                 ends the table, or follows the run on standard error.\n"
    "      --summary-by ENTITY  total per record of ENTITY (default: the first\n"
    "                 top-level entity that records refer to, e.g. county).\n"
    "      --quiet, -q  no progress, notes or summary on standard error; errors and\n"
    "                 refused records are always reported.  Progress (phases, time,\n"
    "                 records/s) is shown only when standard error is a terminal.\n"
    "      Files are replaced only once complete (written beside them, then renamed);\n"
    "      on failure nothing is left and the exit status is 1.\n"
    "  explain --policy FILE --facts FILE.json|DIR --entity ENTITY --id ID [--rule RULE]\n"
    "          [--format text|json] [--lang zh|en] [--period PERIOD] [--set PARAM=VALUE]...\n"
    "      why and why not, for one record: each rule entitled (facts, parameters,\n"
    "      arithmetic, caps) or not (each failed condition, both sides and the gap).\n"
    "  check --policy FILE\n"
    "      validate a policy and list its rules, parameters (with status) and entities.\n"
    "  test [--policy FILE] [--quiet] [--require-coverage] PATH...\n"
    "      run policy test files (docs/policy-tests.md); ends with \"N passed, N failed\".\n"
    "  simulate --policy BASE --reform REFORM --facts FILE.json|DIR [...]\n"
    "      the budget effect of a reform: totals, gainers and losers per rule and county\n"
    "      (zjtx simulate --help).\n"
    "  indicators --policy FILE --facts FILE.json|DIR [--format table|json]\n"
    "      the policy's population targets: value, target, met or not.\n"
    "  verify-receipt --policy FILE --facts FILE.json|DIR [--period PERIOD] [--set ...] [--forms DIR]\n"
    "           RECEIPT.json\n"
    "      evaluate again and compare with the receipt of evaluate --receipt: which of\n"
    "      policy, facts and results differ (exit 0 when none); --forms DIR writes the\n"
    "      canonical forms hashed (docs/receipts.md).\n"
    "  dump --policy FILE\n"
    "      print the compiled program.\n"
    "  serve --policies DIR [--listen 127.0.0.1:8080] [--threads N] [--token-file FILE]\n"
    "           [--max-body 16M] [--timeout 30s] [--access-log FILE]\n"
    "      serve every policy of DIR over HTTP/JSON: evaluate, explain, simulate, facts\n"
    "      schemas, OpenAPI at /v1/openapi.json (docs/serve.md).\n"
    "\n"
    "  zjtx COMMAND --help   the options of one command, with an example\n"
    "  zjtx --help | --version\n"
    "\n"
    "Exit status: 0 success, 1 invalid input (policy, facts, options) or a file that\n"
    "cannot be written, 2 usage error.\n";

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
} commands[] = {{"evaluate", cli_cmd_evaluate},
                {"check", cli_cmd_check},
                {"dump", cli_cmd_dump},
                {"test", cli_cmd_test},
                {"simulate", cli_cmd_simulate},
                {"indicators", cli_cmd_indicators},
                {"verify-receipt", cli_cmd_verify_receipt},
                {"explain", cli_cmd_explain},
                {"serve", cli_cmd_serve}};

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("zjtx %s\n", zjtx_version_string());
    return CLI_EXIT_OK;
  }
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
