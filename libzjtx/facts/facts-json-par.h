/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-json-par.h - how a JSON facts document may be checked and read at once, on two threads.  Internal. */
#ifndef ZJTX_FACTS_JSON_PAR_H
#define ZJTX_FACTS_JSON_PAR_H

#include <stddef.h>

#include "facts-store.h"

typedef struct {
  int threads;      /* 2 or more: records are read while the document is checked */
  size_t min_bytes; /* smaller documents are checked, then read */
  size_t run_bytes; /* the checking thread hands elements over in runs of about this size */
} zjson_par_options;

/* Two threads when there are two processors (as the CSV carrier reads two
 * files at once), for documents of a few megabytes and more. */
zjson_par_options zjson_par_defaults(void);

/* zjtx_facts_read_json_buffer with options (tests: small runs of small
 * documents on two threads). */
zjtx_status zfacts_read_json_buffer_with(zjtx_facts *facts, const char *data, size_t len, const char *name,
                                         const zjson_par_options *opt, zjtx_error **err);
/* zjtx_facts_read_json_file with options: a file read whole gives back its
 * pages as it is read, on one thread or two. */
zjtx_status zfacts_read_json_file_with(zjtx_facts *facts, const char *path, const zjson_par_options *opt,
                                       zjtx_error **err);

#endif
