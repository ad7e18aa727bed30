/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-serve-catalog.c - the policies `zjtx serve` answers for: every
 * policy file of its folder, loaded at start and again on SIGHUP.  A
 * catalog is never changed once made: a request keeps the one it started
 * on, so a reload never changes a policy under a running evaluation. */
#include <stdatomic.h>
#include <string.h>

#include "cli-serve.h"
#include "format.h"

typedef struct {
  char *file; /* base name, "huaian-2025.xml" */
  zjtx_policy *policy;
} entry;

struct serve_catalog {
  atomic_int rc;     /* C11 atomics, which ThreadSanitizer sees */
  GArray *entries;   /* entry, by file name */
  GString *problems; /* JSON array of the files that failed */
  size_t problem_count;
};

static void entry_clear(entry *e) {
  g_free(e->file);
  zjtx_policy_unref(e->policy);
}

static int compare_names(gconstpointer a, gconstpointer b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The *.xml files of `dir`, sorted; NULL (said on stderr) when it cannot be read. */
static GPtrArray *policy_files(const char *dir) {
  g_autoptr(GError) gerr = NULL;
  g_autoptr(GDir) d = g_dir_open(dir, 0, &gerr);
  if (!d) {
    cli_message("serve: %s", gerr->message);
    return NULL;
  }
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(d)))
    if (g_str_has_suffix(name, ".xml"))
      g_ptr_array_add(files, g_strdup(name));
  g_ptr_array_sort(files, compare_names);
  return files;
}

static const entry *find_file(const serve_catalog *cat, const char *file) {
  for (guint i = 0; cat && i < cat->entries->len; i++) {
    const entry *e = &g_array_index(cat->entries, entry, i);
    if (strcmp(e->file, file) == 0)
      return e;
  }
  return NULL;
}

static void add_problem(serve_catalog *cat, const char *file, const char *message, bool kept) {
  cli_message("serve: %s: %s%s", file, message, kept ? " (the previous version keeps serving)" : "");
  g_string_append(cat->problems, cat->problem_count ? ", {\"file\": " : "{\"file\": ");
  zfmt_json_string(cat->problems, file);
  g_string_append(cat->problems, ", \"message\": ");
  zfmt_json_string(cat->problems, message);
  g_string_append_printf(cat->problems, ", \"previous_kept\": %s}", kept ? "true" : "false");
  cat->problem_count++;
}

/* Loads one file into the catalog, or keeps what `previous` had from it. */
static void load_one(serve_catalog *cat, const char *dir, const char *file, const serve_catalog *previous) {
  g_autofree char *path = g_build_filename(dir, file, NULL);
  zjtx_policy *p = NULL;
  zjtx_error *err = NULL;
  if (cli_load_policy(path, dir, &p, &err) != ZJTX_OK) {
    g_autofree char *text = zjtx_error_format(err);
    zjtx_error_free(err);
    const entry *old = find_file(previous, file);
    add_problem(cat, file, text ? text : "cannot load", old != NULL);
    if (!old)
      return;
    p = zjtx_policy_ref(old->policy);
  }
  entry e = {.file = g_strdup(file), .policy = p};
  g_array_append_val(cat->entries, e);
}

serve_catalog *serve_catalog_load(const char *dir, const serve_catalog *previous) {
  serve_catalog *cat = g_new0(serve_catalog, 1);
  atomic_init(&cat->rc, 1);
  cat->entries = g_array_new(FALSE, TRUE, sizeof(entry));
  g_array_set_clear_func(cat->entries, (GDestroyNotify)entry_clear);
  cat->problems = g_string_new("[");
  g_autoptr(GPtrArray) files = policy_files(dir);
  for (guint i = 0; files && i < files->len; i++)
    load_one(cat, dir, g_ptr_array_index(files, i), previous);
  if (!files)
    add_problem(cat, dir, "cannot read the folder", false);
  g_string_append_c(cat->problems, ']');
  return cat;
}

serve_catalog *serve_catalog_ref(serve_catalog *cat) {
  atomic_fetch_add(&cat->rc, 1);
  return cat;
}

void serve_catalog_unref(serve_catalog *cat) {
  if (!cat || atomic_fetch_sub(&cat->rc, 1) != 1)
    return;
  g_array_unref(cat->entries);
  g_string_free(cat->problems, TRUE);
  g_free(cat);
}

size_t serve_catalog_count(const serve_catalog *cat) {
  return cat->entries->len;
}

zjtx_policy *serve_catalog_policy(const serve_catalog *cat, size_t i) {
  return g_array_index(cat->entries, entry, i).policy;
}

const char *serve_catalog_file(const serve_catalog *cat, size_t i) {
  return g_array_index(cat->entries, entry, i).file;
}

zjtx_policy *serve_catalog_find(const serve_catalog *cat, const char *name) {
  for (guint i = 0; i < cat->entries->len; i++) {
    const entry *e = &g_array_index(cat->entries, entry, i);
    if (strcmp(zjtx_policy_id(e->policy), name) == 0)
      return e->policy;
  }
  for (guint i = 0; i < cat->entries->len; i++) {
    const entry *e = &g_array_index(cat->entries, entry, i);
    size_t n = strlen(name);
    if (strncmp(e->file, name, n) == 0 && strcmp(e->file + n, ".xml") == 0)
      return e->policy;
  }
  return NULL;
}

const char *serve_catalog_problems_json(const serve_catalog *cat) {
  return cat->problems->str;
}

size_t serve_catalog_problem_count(const serve_catalog *cat) {
  return cat->problem_count;
}
