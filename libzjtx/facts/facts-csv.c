/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-csv.c - the CSV directory carrier: one file per entity, named by
 * its plural, read in parallel (each file fills only its own table; a
 * large one is cut into pieces read in parallel too: facts-chunk.c). */
#include <errno.h>
#include <limits.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts-chunk.h"

/* How many threads read (ZJTX_CSV_THREADS overrides it, for tests: results
 * are the same for any number) and the size from which a file is cut into
 * as many pieces (ZJTX_CSV_CHUNK_BYTES, so that tests cut small files).
 * 4 MiB: a smaller file is parsed in about 15 ms, while the other files,
 * read whole on the same threads, balance the load well enough; a larger
 * one, above all the top entity's (60 % of the bytes), would keep one
 * thread busy long after the others are done. */
#define CHUNK_BYTES_DEFAULT ((size_t)4 << 20)
#define THREADS_MAX         64

static long env_number(const char *name, long min, long max, long fallback) {
  const char *s = g_getenv(name);
  char *end;
  long v = s ? strtol(s, &end, 10) : 0;
  return s && *s && !*end && v >= min && v <= max ? v : fallback;
}

static int load_threads(void) {
  return (int)env_number("ZJTX_CSV_THREADS", 1, THREADS_MAX, MIN((long)g_get_num_processors(), 8));
}

/* ---- the header -------------------------------------------------------------- */

static bool is_field(const zentity *e, const char *name) {
  return zentity_field_index(e, name) >= 0 || (e->parent >= 0 && strcmp(name, e->parent_key) == 0);
}

/* The header must name known fields, once each, and every required one. */
static bool check_header(zcsv_file *file, const zentity *e, char **names, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!is_field(e, names[i])) {
      GString *known = g_string_new(e->parent >= 0 ? e->parent_key : "");
      for (guint f = 0; f < e->fields->len; f++)
        g_string_append_printf(known, "%s%s", known->len ? ", " : "", zentity_field(e, (int32_t)f)->name);
      g_autofree char *name = zfacts_escape(names[i]);
      zcsv_error_at(&file->tail, file, ZJTX_ERR_FACTS, 1, "unknown column \"%s\" in the header (%s has: %s)", name,
                    e->name, known->str);
      g_string_free(known, TRUE);
      return false;
    }
    for (size_t j = 0; j < i; j++)
      if (strcmp(names[i], names[j]) == 0) {
        g_autofree char *name = zfacts_escape(names[i]);
        zcsv_error_at(&file->tail, file, ZJTX_ERR_FACTS, 1, "column \"%s\" appears twice in the header", name);
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
      zcsv_error_at(&file->tail, file, ZJTX_ERR_FACTS, 1, "the header has no column \"%s\" (required)", need);
      return false;
    }
  }
  return true;
}

/* Opens the file and reads its header row: the reader, after it, or NULL
 * with the error noted. */
static zcsv *open_at_rows(zcsv_file *file) {
  const zentity *e = zpolicy_entity(file->facts->policy, file->entity);
  int errnum = 0;
  zcsv *r = zcsv_open(file->path, &errnum);
  if (!r) {
    zcsv_error_at(&file->tail, file, errnum == ENOMEM ? ZJTX_ERR_NOMEM : ZJTX_ERR_IO, 0, "cannot read: %s",
                  errnum == ZCSV_NOT_REGULAR ? "not a regular file" : g_strerror(errnum));
    return NULL;
  }
  zcsv_set_limits(r, file->facts->max_field, file->facts->max_line);
  char **fields;
  size_t n;
  zcsv_status st = zcsv_next(r, &fields, &n);
  if (st == ZCSV_ERROR && zcsv_error_kind_of(r) != ZCSV_E_SYNTAX && zcsv_error_kind_of(r) != ZCSV_E_LIMIT) {
    if (zcsv_error_kind_of(r) == ZCSV_E_NOMEM)
      zcsv_error_at(&file->tail, file, ZJTX_ERR_NOMEM, 1, "%s", zcsv_error(r));
    else if (zcsv_error_kind_of(r) == ZCSV_E_CHANGED)
      zcsv_error_at(&file->tail, file, ZJTX_ERR_IO, 0,
                    "the file changed while it was read; read it again once it is complete");
    else
      zcsv_error_at(&file->tail, file, ZJTX_ERR_IO, 1, "cannot read: %s", zcsv_error(r));
  } else if (st == ZCSV_ERROR && zcsv_error_kind_of(r) == ZCSV_E_LIMIT) {
    zcsv_error_at(&file->tail, file, ZJTX_ERR_LIMIT, 1, "the header row: %s (the limit for one %s)", zcsv_error(r),
                  strncmp(zcsv_error(r), "field", 5) == 0 ? "value" : "line");
  } else if (st != ZCSV_RECORD) {
    zcsv_error_at(&file->tail, file, ZJTX_ERR_FACTS, 1, "%s",
                  st == ZCSV_EOF ? "the file is empty: expected a header row naming the fields"
                                 : "the header row is not valid CSV");
  } else {
    file->header = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++)
      file->header[i] = g_strdup(fields[i]);
    file->n_header = n;
    if (check_header(file, e, file->header, n)) {
      file->map = g_new(int32_t, n + 1);
      zfacts_map_names(e, (const char *const *)file->header, n, file->map);
      return r;
    }
  }
  zcsv_close(r);
  return NULL;
}

/* Reads a file whole, on a worker thread: one piece. */
static void read_file(zcsv_file *file) {
  zcsv *r = open_at_rows(file);
  if (!r)
    return;
  file->n_pieces = 1;
  file->pieces = g_new0(zcsv_piece, 1);
  zcsv_piece *p = &file->pieces[0];
  *p = (zcsv_piece){.file = file, .table = &file->facts->tables[file->entity], .r = r, .to = SIZE_MAX};
  p->tail = &p->errs;
  zcsv_piece_read(p);
}

/* What the readers share: the work, biggest first, each reader taking the
 * next item by an atomic counter.  An item is a whole file (piece NULL) or
 * a piece of a split one.  Plain threads joined at the end, not a
 * GThreadPool: the join is a hand-off ThreadSanitizer sees, and nothing of
 * GLib's shared idle threads outlives the call. */
typedef struct {
  zcsv_file *file;
  zcsv_piece *piece;
  size_t bytes;
} csv_work;

typedef struct {
  csv_work *items;
  gint n, next;
} csv_queue;

static int bigger_first(const void *a, const void *b) {
  const csv_work *x = a, *y = b;
  return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

static gpointer read_queue(gpointer data) {
  csv_queue *q = data;
  for (gint i; (i = g_atomic_int_add(&q->next, 1)) < q->n;) {
    if (q->items[i].piece)
      zcsv_piece_read(q->items[i].piece);
    else
      read_file(q->items[i].file);
  }
  return NULL;
}

/* Reads every queued item on the calling thread and `threads - 1` more:
 * files fill only their own tables, pieces their own tables, so the order
 * they are read in changes nothing but the time. */
static void read_all(csv_queue *q, int threads) {
  qsort(q->items, (size_t)q->n, sizeof *q->items, bigger_first);
  int helpers = MIN(threads, q->n) - 1;
  GThread **started = g_new0(GThread *, MAX(helpers, 1));
  for (int i = 0; i < helpers; i++)
    started[i] = g_thread_try_new("zjtx-csv", read_queue, q, NULL);
  read_queue(q);
  for (int i = 0; i < helpers; i++)
    if (started[i])
      g_thread_join(started[i]);
  g_free(started);
}

/* Queues `file`: whole, or cut into pieces once its header is read here. */
static void queue_file(csv_queue *q, zcsv_file *file, int threads, size_t chunk_bytes) {
  int n = zcsv_pieces_for(file->size, threads, chunk_bytes);
  if (n == 1) {
    q->items[q->n++] = (csv_work){file, NULL, (size_t)file->size};
    return;
  }
  zcsv *r = open_at_rows(file);
  if (!r)
    return;
  zcsv_file_split(file, r, zcsv_bytes_read(r), n);
  for (int k = 0; k < n; k++) {
    zcsv_piece *p = &file->pieces[k];
    size_t to = p->to < (size_t)file->size ? p->to : (size_t)file->size;
    q->items[q->n++] = (csv_work){file, p, to - MIN(p->from, to)};
  }
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
  int threads = load_threads();
  size_t chunk_bytes = (size_t)env_number("ZJTX_CSV_CHUNK_BYTES", 1, LONG_MAX, (long)CHUNK_BYTES_DEFAULT);
  zcsv_file *files = g_new0(zcsv_file, n);
  csv_queue queue = {g_new0(csv_work, (gsize)n * (gsize)threads), 0, 0};
  for (guint e = 0; e < n; e++) {
    zcsv_file *file = &files[e];
    file->facts = facts;
    file->entity = (int32_t)e;
    g_autofree char *name = g_strdup_printf("%s.csv", zpolicy_entity(facts->policy, (int32_t)e)->plural);
    file->path = g_build_filename(dir, name, NULL);
    file->tail = &file->errs;
    GStatBuf st;
    if (g_stat(file->path, &st) != 0) {
      /* no file: no records of this entity; but a file that is there and
       * cannot be reached (a dangling link, no permission) is an error */
      int errnum = errno;
      if (errnum != ENOENT)
        zcsv_error_at(&file->tail, file, ZJTX_ERR_IO, 0, "cannot read: %s", g_strerror(errnum));
      else if (g_lstat(file->path, &st) == 0)
        zcsv_error_at(&file->tail, file, ZJTX_ERR_IO, 0, "cannot read: a symbolic link to a file that does not exist");
      continue;
    }
    file->size = st.st_size;
    __atomic_add_fetch(&facts->progress_total, (uint64_t)st.st_size, __ATOMIC_RELAXED);
    queue_file(&queue, file, threads, chunk_bytes);
  }
  read_all(&queue, threads);
  g_free(queue.items);
  zjtx_error *errs = NULL;
  for (guint e = 0; e < n; e++) {
    zcsv_file *file = &files[e];
    if (file->pieces)
      zcsv_file_merge(file);
    if (file->errs)
      zerr_append(&errs, file->errs);
    g_free(file->path);
    g_strfreev(file->header);
    g_free(file->map);
  }
  g_free(files);
  return errs ? zerr_give(err, errs) : ZJTX_OK;
}
