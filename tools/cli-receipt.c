/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-receipt.c - the receipt of a run as a member of evaluate's JSON. */
#include "cli.h"

char *cli_receipt_member(const zjtx_result *res) {
  zjtx_receipt *receipt = NULL;
  zjtx_error *err = NULL;
  if (zjtx_result_receipt(res, &receipt, &err) != ZJTX_OK) {
    cli_report_error("receipt", err);
    return NULL;
  }
  char *json = zjtx_receipt_to_json(receipt);
  char *member = g_strconcat("\"receipt\": ", json, NULL);
  zjtx_free(json);
  zjtx_receipt_free(receipt);
  return member;
}
