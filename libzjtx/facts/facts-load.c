/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-load.c - new facts from a path: a JSON file or a folder of CSV files.
 *
 * Above both carriers, so that neither calls the other: JSON in
 * facts-json.c, CSV in facts-csv.c. */
#include "facts-store.h"

zjtx_status zjtx_facts_load(zjtx_policy *policy, const char *path, int flags, zjtx_facts **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!policy || !path || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "policy, path and out must not be NULL");
  if (!g_file_test(path, G_FILE_TEST_IS_DIR))
    return zfacts_load_json_file(policy, path, flags, out, err);
  zjtx_facts *facts = NULL;
  zjtx_status st = zjtx_facts_new(policy, &facts, err);
  if (st != ZJTX_OK)
    return st;
  zjtx_facts_set_keep_going(facts, flags & ZJTX_FACTS_KEEP_GOING, NULL);
  zjtx_error *errs = NULL;
  st = zjtx_facts_read_csv_dir(facts, path, &errs);
  if (st == ZJTX_OK || (!facts->keep_going && errs && errs->code == ZJTX_ERR_FACTS))
    zjtx_facts_finish(facts, &errs);
  if (errs) {
    zjtx_facts_free(facts);
    return zerr_give(err, errs);
  }
  *out = facts;
  return ZJTX_OK;
}
