/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-csv.c - the CSV directory carrier: one file per entity, named by
 * its plural, read in parallel (each file fills only its own table). */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "facts-store.h"

/* Reading of one file, on a worker thread. */
typedef struct {
  zjtx_facts *facts;
  int32_t entity;
  char *path;
  goffset size;
  zjtx_error *errs;  /* this file's errors, merged in entity order */
  zjtx_error **tail; /* where the next error goes */
} csv_job;

static void job_error(csv_job *job, zjtx_status code, int line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void job_error(csv_job *job, zjtx_status code, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  zfacts_append_error(&job->tail, zerr_newv(code, job->path, line, 0, NULL, fmt, ap));
  va_end(ap);
}

static bool is_field(const zentity *e, const char *name) {
  return zentity_field_index(e, name) >= 0 || (e->parent >= 0 && strcmp(name, e->parent_key) == 0);
}

/* The header must name known fields, once each, and every required one. */
static bool check_header(csv_job *job, const zentity *e, char **names, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!is_field(e, names[i])) {
      GString *known = g_string_new(e->parent >= 0 ? e->parent_key : "");
      for (guint f = 0; f < e->fields->len; f++)
        g_string_append_printf(known, "%s%s", known->len ? ", " : "", zentity_field(e, (int32_t)f)->name);
      g_autofree char *name = zfacts_escape(names[i]);
      job_error(job, ZJTX_ERR_FACTS, 1, "unknown column \"%s\" in the header (%s has: %s)", name, e->name, known->str);
      g_string_free(known, TRUE);
      return false;
    }
    for (size_t j = 0; j < i; j++)
      if (strcmp(names[i], names[j]) == 0) {
        g_autofree char *name = zfacts_escape(names[i]);
        job_error(job, ZJTX_ERR_FACTS, 1, "column \"%s\" appears twice in the header", name);
        return false;
      }
  }
  for (guint f = 0; f <= e->fields->len; f++) {
    const char *need = f < e->fields->len ? (zentity_field(e, (int32_t)f)->required || (int32_t)f == e->key_field
                                                 ? zentity_field(e, (int32_t)f)->name
                                                 : NULL)
                                          : (e->parent >= 0 ? e->parent_key : NULL);
    bool found = false;
    for (size_t i = 0; need && i < n && !found; i++)
      found = strcmp(names[i], need) == 0;
    if (need && !found) {
      job_error(job, ZJTX_ERR_FACTS, 1, "the header has no column \"%s\" (required)", need);
      return false;
    }
  }
  return true;
}

static void refuse_row(csv_job *job, long line, const char *reason) {
  zfacts_reject(job->facts, job->entity, job->path, (int)line, NULL, NULL, NULL, reason);
  zfacts_refuse_record(job->facts, job->entity, NULL);
  if (!job->facts->keep_going)
    job_error(job, ZJTX_ERR_FACTS, (int)line, "%s", reason);
}

/* Adds the rows and bytes read since the last report to the facts' progress. */
static void report_progress(zjtx_facts *f, const zcsv *r, size_t *reported, size_t *rows) {
  size_t bytes = zcsv_bytes_read(r);
  __atomic_add_fetch(&f->progress_bytes, (uint64_t)(bytes - *reported), __ATOMIC_RELAXED);
  __atomic_add_fetch(&f->progress_records, (uint64_t)*rows, __ATOMIC_RELAXED);
  *reported = bytes;
  *rows = 0;
}

/* An error that ends the reading of the file (I/O, out of memory, the file
 * changed): a file-level error, true.  False for a bad row. */
static bool stream_failed(csv_job *job, const zcsv *r, long line) {
  switch (zcsv_error_kind_of(r)) {
  case ZCSV_E_SYNTAX:
  case ZCSV_E_LIMIT:
    return false;
  case ZCSV_E_NOMEM:
    job_error(job, ZJTX_ERR_NOMEM, (int)line, "%s", zcsv_error(r));
    return true;
  case ZCSV_E_CHANGED:
    job_error(job, ZJTX_ERR_IO, 0, "the file changed while it was read; read it again once it is complete");
    return true;
  case ZCSV_E_IO:
    break;
  }
  job_error(job, ZJTX_ERR_IO, (int)line, "cannot read: %s", zcsv_error(r));
  return true;
}

/* Why a row the reader could not split is refused. */
static char *row_reason(const zcsv *r) {
  if (zcsv_error_kind_of(r) == ZCSV_E_LIMIT)
    return g_strdup_printf("%s (the limit for one %s)", zcsv_error(r),
                           strncmp(zcsv_error(r), "field", 5) == 0 ? "value" : "line");
  return g_strdup_printf("not valid CSV at column %ld: %s", zcsv_error_column(r), zcsv_error(r));
}

static void read_rows(csv_job *job, zcsv *r, char **header, size_t n_header) {
  char **fields;
  size_t n;
  const char **values = g_new(const char *, n_header + 1);
  int32_t *map = g_new(int32_t, n_header + 1);
  zfacts_map_names(zpolicy_entity(job->facts->policy, job->entity), (const char *const *)header, n_header, map);
  zcsv_status st;
  size_t reported = 0, rows = 0;
  while ((st = zcsv_next(r, &fields, &n)) != ZCSV_EOF) {
    long line = zcsv_line(r);

    if (++rows % 4096 == 0) /* progress, now and then: atomics are not free */
      report_progress(job->facts, r, &reported, &rows);
    if (st == ZCSV_ERROR) {
      if (stream_failed(job, r, line))
        break;
      g_autofree char *reason = row_reason(r);
      refuse_row(job, line, reason);
      continue;
    }
    if (n != n_header) {
      char reason[96];
      g_snprintf(reason, sizeof reason, "the row has %zu fields but the header has %zu", n, n_header);
      refuse_row(job, line, reason);
      continue;
    }
    for (size_t i = 0; i < n; i++)
      values[i] = fields[i][0] ? fields[i] : NULL;        /* an empty field is an absent value */
    zrecord_origin origin = {job->path, (int)line, NULL}; /* "enterprises line 12" when a message needs it */
    zfacts_add_mapped(job->facts, job->entity, NULL, (const char *const *)header, map, values, n, &origin,
                      job->facts->keep_going ? NULL : job->tail);
    while (*job->tail)
      job->tail = &(*job->tail)->next;
    const zjtx_error *stop = zfacts_stopped(job->facts, job->entity);
    if (stop) { /* out of memory: in strict mode the error is in the chain already */
      if (job->facts->keep_going)
        job_error(job, stop->code, stop->line, "%s", stop->message);
      break;
    }
  }
  report_progress(job->facts, r, &reported, &rows);
  g_free(values);
  g_free(map);
}

static void read_file(csv_job *job) {
  const zentity *e = zpolicy_entity(job->facts->policy, job->entity);
  int errnum = 0;
  zcsv *r = zcsv_open(job->path, &errnum);
  if (!r) {
    job_error(job, errnum == ENOMEM ? ZJTX_ERR_NOMEM : ZJTX_ERR_IO, 0, "cannot read: %s",
              errnum == ZCSV_NOT_REGULAR ? "not a regular file" : g_strerror(errnum));
    return;
  }
  zcsv_set_limits(r, job->facts->max_field, job->facts->max_line);
  char **fields;
  size_t n;
  zcsv_status st = zcsv_next(r, &fields, &n);
  if (st == ZCSV_ERROR && stream_failed(job, r, 1)) {
    /* reported */
  } else if (st == ZCSV_ERROR && zcsv_error_kind_of(r) == ZCSV_E_LIMIT) {
    g_autofree char *reason = row_reason(r);
    job_error(job, ZJTX_ERR_LIMIT, 1, "the header row: %s", reason);
  } else if (st != ZCSV_RECORD) {
    job_error(job, ZJTX_ERR_FACTS, 1,
              st == ZCSV_EOF ? "the file is empty: expected a header row naming the fields"
                             : "the header row is not valid CSV");
  } else {
    char **header = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++)
      header[i] = g_strdup(fields[i]);
    if (check_header(job, e, header, n))
      read_rows(job, r, header, n);
    g_strfreev(header);
  }
  zcsv_close(r);
}

/* The files to read, biggest first, shared by the readers: each takes the
 * next one by an atomic counter.  Plain threads joined at the end, not a
 * GThreadPool: the join is a hand-off ThreadSanitizer sees, and nothing of
 * GLib's shared idle threads outlives the call. */
typedef struct {
  csv_job **files;
  gint n, next;
} csv_queue;

static int bigger_first(const void *a, const void *b) {
  const csv_job *x = *(csv_job *const *)a, *y = *(csv_job *const *)b;
  return (x->size < y->size) - (x->size > y->size);
}

static gpointer read_queue(gpointer data) {
  csv_queue *q = data;
  for (gint i; (i = g_atomic_int_add(&q->next, 1)) < q->n;)
    read_file(q->files[i]);
  return NULL;
}

/* Reads every queued file on the calling thread and at most one more: the
 * files are independent (one table each), so the order they are read in
 * changes nothing but the time. */
static void read_all(csv_queue *q) {
  qsort(q->files, (size_t)q->n, sizeof *q->files, bigger_first);
  GThread *helper = q->n > 1 && g_get_num_processors() > 1 ? g_thread_try_new("zjtx-csv", read_queue, q, NULL) : NULL;
  read_queue(q);
  if (helper)
    g_thread_join(helper);
}

/* ---- the directory's file names, checked before anything is read -------- */

/* A listing of the names found shows at most this many. */
#define FOUND_MAX 10

/* "schools.csv, grants.csv, ...": every file the policy reads, in the
 * order its entities are declared. */
static char *expected_files(const struct zjtx_policy *p) {
  GString *s = g_string_new(NULL);
  for (guint e = 0; e < p->entities->len; e++)
    g_string_append_printf(s, "%s%s.csv", e ? ", " : "", zpolicy_entity(p, (int32_t)e)->plural);
  return g_string_free(s, FALSE);
}

/* The entity whose plural is `stem`, exactly (how the file must be
 * named), or -1. */
static int32_t entity_of_plural(const struct zjtx_policy *p, const char *stem) {
  for (guint e = 0; e < p->entities->len; e++)
    if (strcmp(zpolicy_entity(p, (int32_t)e)->plural, stem) == 0)
      return (int32_t)e;
  return -1;
}

/* The entity `stem` seems meant for, or -1: its name (the singular) or its
 * plural in another case ("Enterprises"). */
static int32_t entity_meant(const struct zjtx_policy *p, const char *stem) {
  for (guint e = 0; e < p->entities->len; e++) {
    const zentity *ent = zpolicy_entity(p, (int32_t)e);
    if (g_ascii_strcasecmp(ent->plural, stem) == 0 || g_ascii_strcasecmp(ent->name, stem) == 0)
      return (int32_t)e;
  }
  return -1;
}

static bool has_csv_suffix(const char *name) {
  size_t len = strlen(name);
  return len > 4 && g_ascii_strcasecmp(name + len - 4, ".csv") == 0;
}

/* "it holds notes.txt, old" (at most FOUND_MAX names), "it is empty". */
static void describe_found(GString *msg, GPtrArray *names, guint hidden) {
  if (names->len == 0) {
    g_string_append(msg, hidden ? "it holds only hidden files" : "it is empty");
    return;
  }
  g_string_append(msg, "it holds ");
  for (guint i = 0; i < names->len && i < FOUND_MAX; i++) {
    g_autofree char *name = zfacts_escape(g_ptr_array_index(names, i));
    g_string_append_printf(msg, "%s%s", i ? ", " : "", name);
  }
  if (names->len > FOUND_MAX)
    g_string_append_printf(msg, " and %u more", names->len - FOUND_MAX);
}

/* What is wrong with one name of the directory, or NULL: a CSV file must
 * be named by an entity's plural, exactly.  The singular ("enterprise.csv")
 * or another case ("Enterprises.CSV") is refused rather than read, so that
 * there is one way to name a file and a directory holding two names for
 * one table cannot be read twice. */
static zjtx_error *check_name(const struct zjtx_policy *p, const char *dir, const char *name, const char *expected,
                              guint *recognised) {
  if (!has_csv_suffix(name))
    return NULL; /* not a CSV file: not ours */
  g_autofree char *stem = g_strndup(name, strlen(name) - 4);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  if (g_str_has_suffix(name, ".csv") && entity_of_plural(p, stem) >= 0) {
    (*recognised)++;
    return NULL;
  }
  int32_t e = entity_meant(p, stem);
  if (e >= 0)
    return zerr_new(ZJTX_ERR_FACTS, path, 0, 0, NULL, "CSV files are named by the entity's plural: expected %s.csv",
                    zpolicy_entity(p, e)->plural);
  return zerr_new(ZJTX_ERR_FACTS, path, 0, 0, NULL,
                  "not a file of this policy: CSV files are named by an entity's plural (%s)", expected);
}

static gint by_name(gconstpointer a, gconstpointer b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every CSV file in `dir` is named by an entity's plural, and at least
 * one is: a directory whose files the policy does not know would
 * otherwise read as no records at all, and a run over it succeed with
 * nothing.  Other files are ignored, hidden ones (".name") unlisted. */
static zjtx_status check_dir_names(const struct zjtx_policy *p, const char *dir, zjtx_error **err) {
  GError *gerr = NULL;
  GDir *d = g_dir_open(dir, 0, &gerr);
  if (!d) {
    zjtx_status st = zerr_set(err, ZJTX_ERR_IO, dir, 0, 0, NULL, "cannot list the directory: %s", gerr->message);
    g_error_free(gerr);
    return st;
  }
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  guint hidden = 0, recognised = 0;
  for (const char *name; (name = g_dir_read_name(d));)
    if (name[0] == '.')
      hidden++;
    else
      g_ptr_array_add(names, g_strdup(name));
  g_dir_close(d);
  g_ptr_array_sort(names, by_name); /* errors in a stable order, whatever the file system's */
  g_autofree char *expected = expected_files(p);
  zjtx_error *errs = NULL, **tail = &errs;
  for (guint i = 0; i < names->len; i++) {
    zjtx_error *e = check_name(p, dir, g_ptr_array_index(names, i), expected, &recognised);
    if (e)
      zfacts_append_error(&tail, e);
  }
  if (!errs && recognised == 0) {
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "no facts: the directory holds none of the files this policy reads (%s); ", expected);
    describe_found(msg, names, hidden);
    errs = zerr_new(ZJTX_ERR_FACTS, dir, 0, 0, NULL, "%s", msg->str);
    g_string_free(msg, TRUE);
  }
  return errs ? zerr_give(err, errs) : ZJTX_OK;
}

zjtx_status zjtx_facts_read_csv_dir(zjtx_facts *facts, const char *dir, zjtx_error **err) {
  if (!facts || !dir)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "facts and dir must not be NULL");
  if (facts->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the facts are already finished");
  if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
    return zerr_set(err, ZJTX_ERR_IO, dir, 0, 0, NULL, "not a directory of CSV files");
  zjtx_status named = check_dir_names(facts->policy, dir, err);
  if (named != ZJTX_OK)
    return named;
  guint n = facts->policy->entities->len;
  csv_job *jobs = g_new0(csv_job, n);
  csv_queue queue = {g_new0(csv_job *, n), 0, 0};
  for (guint e = 0; e < n; e++) {
    csv_job *job = &jobs[e];
    job->facts = facts;
    job->entity = (int32_t)e;
    g_autofree char *file = g_strdup_printf("%s.csv", zpolicy_entity(facts->policy, (int32_t)e)->plural);
    job->path = g_build_filename(dir, file, NULL);
    job->tail = &job->errs;
    GStatBuf st;
    if (g_stat(job->path, &st) != 0) {
      /* no file: no records of this entity; but a file that is there and
       * cannot be reached (a dangling link, no permission) is an error */
      int errnum = errno;
      if (errnum != ENOENT)
        job_error(job, ZJTX_ERR_IO, 0, "cannot read: %s", g_strerror(errnum));
      else if (g_lstat(job->path, &st) == 0)
        job_error(job, ZJTX_ERR_IO, 0, "cannot read: a symbolic link to a file that does not exist");
      continue;
    }
    job->size = st.st_size;
    __atomic_add_fetch(&facts->progress_total, (uint64_t)st.st_size, __ATOMIC_RELAXED);
    queue.files[queue.n++] = job;
  }
  read_all(&queue);
  g_free(queue.files);
  zjtx_error *errs = NULL;
  for (guint e = 0; e < n; e++) {
    if (jobs[e].errs)
      zerr_append(&errs, jobs[e].errs);
    g_free(jobs[e].path);
  }
  g_free(jobs);
  return errs ? zerr_give(err, errs) : ZJTX_OK;
}
