/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-load.c - loading a policy: the file or buffer, the chain of
 * `extends`, and the public entry points.  Each document is read safely
 * (xml-read.c), validated against the embedded RELAX NG schema, read into
 * the model (policy-read.c), and once all are read the policy is linked and
 * compiled (policy-link.c). */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "policy-load.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "policy-link.h"
#include "policy-read.h"
#include "xml-read.h"

static const zxml_limits policy_limits = {"policy", ZPOLICY_MAX_BYTES, ZPOLICY_MAX_DEPTH};

typedef struct {
  struct zjtx_policy *p;
  GPtrArray *pendings;  /* zpending* */
  GPtrArray *chain;     /* canonical paths being loaded, against cycles */
  GHashTable *raw_of;   /* zsource_expr* -> text as written (remap_error) */
  GHashTable *rule_ids; /* rule and check ids of all documents */
  GPtrArray *roots;     /* canonical folders extends= may lead into (char*) */
  bool from_buffer;     /* roots: the buffer's base folder (else the file's and the search path) */
} loader;

/* Where a policy's extends= led from: the file, the attribute's place and
 * its value as written. */
typedef struct {
  const char *file;
  int line, column;
  const char *value;
} from_pos;

static bool load_doc(loader *ld, const char *data, size_t len, const char *file, const char *base_dir,
                     zjtx_error **err);

/* The same file however it is named (./a.xml, dir/../a.xml, a symlink). */
static char *canonical_path(const char *path) {
  char *real = realpath(path, NULL);
  if (real) {
    char *copy = g_strdup(real);
    free(real);
    return copy;
  }
  return g_canonicalize_filename(path, NULL);
}

static bool is_below(const char *path, const char *folder) {
  size_t n = strlen(folder);
  return strncmp(path, folder, n) == 0 && (path[n] == '/' || (n > 0 && folder[n - 1] == '/'));
}

static bool below_a_root(const loader *ld, const char *canon) {
  for (guint i = 0; i < ld->roots->len; i++)
    if (is_below(canon, g_ptr_array_index(ld->roots, i)))
      return true;
  return false;
}

/* Adds the folders of a search path (DIR:DIR:...) as places extends= may
 * lead into.  An empty entry or a folder that does not exist adds nothing. */
static void add_roots(loader *ld, const char *search_path) {
  g_auto(GStrv) dirs = search_path ? g_strsplit(search_path, G_SEARCHPATH_SEPARATOR_S, -1) : NULL;
  for (char **d = dirs; d && *d; d++)
    if (**d && g_file_test(*d, G_FILE_TEST_IS_DIR))
      g_ptr_array_add(ld->roots, canonical_path(*d));
}

/* A base policy is a plain file (not /dev/zero) that lies below one of the
 * loader's roots once symlinks are resolved (the first policy's folder, the
 * search path, or a buffer's base folder), and is named *.xml there (not
 * /etc/passwd, nor a base.xml linked to it). */
static bool check_base_file(loader *ld, const char *path, const char *canon, const from_pos *from, zjtx_error **err) {
  GStatBuf st;
  if (g_stat(path, &st) == 0 && !S_ISREG(st.st_mode))
    return zerr_set(err, ZJTX_ERR_IO, from->file, from->line, 0, NULL, "%s is not a policy file (not a regular file)",
                    path),
           false;
  if (!below_a_root(ld, canon))
    return zerr_set(err, ZJTX_ERR_POLICY, from->file, from->line, from->column, NULL, "extends=\"%s\" %s", from->value,
                    ld->from_buffer ? "leads out of the base folder: a policy read from a buffer may only extend "
                                      "policies below it"
                                    : "leads out of the policy's folder: a policy file may only extend policies below "
                                      "its own folder or a folder of the search path"),
           false;
  if (!g_str_has_suffix(canon, ".xml"))
    return zerr_set(err, ZJTX_ERR_POLICY, from->file, from->line, from->column, NULL,
                    "extends=\"%s\" does not name a policy file (*.xml)", from->value),
           false;
  return true;
}

static bool read_policy_file(const char *path, const from_pos *from, char **data, gsize *len, zjtx_error **err) {
  g_autoptr(GError) gerr = NULL;
  if (g_file_get_contents(path, data, len, &gerr))
    return true;
  if (from)
    zerr_set(err, ZJTX_ERR_IO, from->file, from->line, 0, NULL, "cannot read the policy it extends: %s", gerr->message);
  else
    zerr_set(err, ZJTX_ERR_IO, path, 0, 0, NULL, "cannot read policy: %s", gerr->message);
  return false;
}

/* Loads the policy file `path`; `from` is where the extends= that led here
 * is written (NULL for the file the caller asked for). */
static bool load_path(loader *ld, const char *path, const from_pos *from, zjtx_error **err) {
  const char *from_file = from ? from->file : NULL;
  int from_line = from ? from->line : 0;
  g_autofree char *canon = canonical_path(path);
  for (guint i = 0; i < ld->chain->len; i++)
    if (strcmp(g_ptr_array_index(ld->chain, i), canon) == 0)
      return zerr_set(err, ZJTX_ERR_POLICY, from_file, from_line, 0, NULL,
                      "policies extend each other in a cycle through %s", path),
             false;
  if (ld->chain->len >= ZPOLICY_MAX_EXTENDS)
    return zerr_set(err, ZJTX_ERR_LIMIT, from_file, from_line, 0, NULL, "more than %d policies extend each other",
                    ZPOLICY_MAX_EXTENDS),
           false;
  g_ptr_array_add(ld->chain, g_strdup(canon));
  /* refuse anything that is not a plain file before reading it
   * (extends="../../dev/zero" would never end), and an oversized file */
  GStatBuf st;
  if (from && !check_base_file(ld, path, canon, from, err))
    return false;
  if (!from && g_stat(path, &st) == 0 && !S_ISREG(st.st_mode))
    return zerr_set(err, ZJTX_ERR_IO, path, 0, 0, NULL, "%s is not a policy file (not a regular file)", path), false;
  if (g_stat(path, &st) == 0 && st.st_size > ZPOLICY_MAX_BYTES)
    return zerr_set(err, ZJTX_ERR_LIMIT, path, 0, 0, NULL, "policy is larger than %d bytes", ZPOLICY_MAX_BYTES), false;
  g_autofree char *data = NULL;
  gsize len = 0;
  /* a base is read by the name that was checked (symlinks resolved), so
   * that a link changed after the check cannot lead elsewhere */
  if (!read_policy_file(from ? canon : path, from, &data, &len, err))
    return false;
  g_autofree char *dir = g_path_get_dirname(path);
  return load_doc(ld, data, len, path, dir, err);
}

static bool read_xml(const char *data, size_t len, const char *file, xmlDoc **doc, zjtx_error **err) {
  const zxml_schema schema = {zjtx_policy_schema, zjtx_policy_schema_len};
  g_autoptr(zxml_error) xe = NULL;
  if (zxml_read(data, len, file, &schema, &policy_limits, doc, &xe))
    return true;
  /* a schema error comes with every other one of the file */
  zjtx_error *all = NULL;
  for (const zxml_error *e = xe; e; e = e->next)
    zerr_append(&all, zerr_new(e->code, file, e->line, e->column, NULL, "%s", e->message));
  zerr_give(err, all);
  return false;
}

/* Follows the extends= of the document (data, root) read from file. */
static bool load_base(loader *ld, xmlNode *root, const char *data, size_t len, const char *file, const char *base_dir,
                      zjtx_error **err) {
  g_autofree char *extends = zread_prop(root, "extends");
  if (!extends)
    return true;
  from_pos from = {file, (int)xmlGetLineNo(root), 0, extends};
  int line = 0, column = 0;
  if (zxml_attribute_position(data, len, "policy", "extends", &line, &column)) {
    from.line = line;
    from.column = column;
  }
  g_autofree char *base =
      g_path_is_absolute(extends) ? g_strdup(extends) : g_build_filename(base_dir ? base_dir : ".", extends, NULL);
  return load_path(ld, base, &from, err);
}

static bool load_doc(loader *ld, const char *data, size_t len, const char *file, const char *base_dir,
                     zjtx_error **err) {
  g_autoptr(xmlDoc) doc = NULL;
  if (!read_xml(data, len, file, &doc, err))
    return false;
  xmlNode *root = xmlDocGetRootElement(doc);
  if (!load_base(ld, root, data, len, file, base_dir, err))
    return false;
  g_autoptr(GPtrArray) param_decls = g_ptr_array_new_with_free_func((GDestroyNotify)zparam_decl_free);
  g_autofree char *id = zread_prop(root, "id");
  zwalker w = {.p = ld->p,
               .file = g_string_chunk_insert_const(ld->p->strings, file),
               .origin = g_string_chunk_insert_const(ld->p->strings, id ? id : ""),
               .raw_of = ld->raw_of,
               .rule_ids = ld->rule_ids,
               .pendings = ld->pendings,
               .param_decls = param_decls};
  zxml_cursor_init(&w.text, data, len);
  zread_document(&w, root);
  if (w.err)
    return zerr_give(err, w.err), false;
  return true;
}

/* An error found in expression text points into the text libxml2 gave; where
 * that differs from the file (&lt; is one character of the text, four of the
 * file), move it to the same place in the file. */
static void remap_error(GHashTable *raw_of, zjtx_error *e) {
  if (!e || !raw_of || !e->file || e->line <= 0 || e->column <= 0)
    return;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, raw_of);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    const zsource_expr *src = key;
    if (src->pos.file && strcmp(src->pos.file, e->file) == 0 && src->text &&
        zxml_remap_position(src->text, value, src->pos.line, src->pos.column, &e->line, &e->column))
      return;
  }
}

static bool link_policy(loader *ld, zjtx_error **e) {
  for (guint i = 0; i < ld->pendings->len; i++)
    if (!zpolicy_resolve_pending(ld->p, g_ptr_array_index(ld->pendings, i), e))
      return false;
  return zpolicy_add_child_relations(ld->p, e) && zpolicy_check_ref_fields(ld->p, e) && zpolicy_compile_all(ld->p, e);
}

/* Finishes a load; `e` is the error of reading the documents, if any.  The
 * status returned is that of the first error even when the caller passes no
 * `err`. */
static zjtx_status finish_load(loader *ld, bool ok, zjtx_error *e, zjtx_policy **out, zjtx_error **err) {
  ok = ok && link_policy(ld, &e);
  remap_error(ld->raw_of, e);
  g_ptr_array_free(ld->pendings, TRUE);
  g_ptr_array_free(ld->chain, TRUE);
  g_hash_table_destroy(ld->raw_of); /* before the policy: its keys point into it */
  g_hash_table_destroy(ld->rule_ids);
  g_ptr_array_free(ld->roots, TRUE);
  if (!ok) {
    zjtx_policy_unref(ld->p);
    if (!e)
      e = zerr_new(ZJTX_ERR_POLICY, NULL, 0, 0, NULL, "the policy could not be loaded");
    return zerr_give(err, e);
  }
  zjtx_error_free(e);
  *out = ld->p;
  return ZJTX_OK;
}

static void loader_init(loader *ld) {
  ld->p = zpolicy_new();
  ld->pendings = g_ptr_array_new_with_free_func((GDestroyNotify)zpending_free);
  ld->chain = g_ptr_array_new_with_free_func(g_free);
  ld->raw_of = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  ld->rule_ids = g_hash_table_new(g_str_hash, g_str_equal);
  ld->roots = g_ptr_array_new_with_free_func(g_free);
  ld->from_buffer = false;
}

zjtx_status zjtx_policy_load_file(const char *path, zjtx_policy **out, zjtx_error **err) {
  return zjtx_policy_load_file_full(path, NULL, out, err);
}

zjtx_status zjtx_policy_load_file_full(const char *path, const char *search_path, zjtx_policy **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!path || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "path and out must not be NULL");
  loader ld;
  loader_init(&ld);
  /* extends= stays below the policy's own folder, or the search path */
  g_autofree char *canon = canonical_path(path);
  g_ptr_array_add(ld.roots, g_path_get_dirname(canon));
  add_roots(&ld, search_path);
  zjtx_error *e = NULL;
  bool ok = load_path(&ld, path, NULL, &e);
  return finish_load(&ld, ok, e, out, err);
}

zjtx_status zjtx_policy_load_buffer(const char *data, size_t len, const char *name, const char *base_dir,
                                    zjtx_policy **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!data || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "data and out must not be NULL");
  /* a buffer comes from anywhere (a request to a server): what it extends
   * stays below base_dir */
  loader ld;
  loader_init(&ld);
  ld.from_buffer = true;
  g_ptr_array_add(ld.roots, canonical_path(base_dir ? base_dir : "."));
  zjtx_error *e = NULL;
  bool ok = load_doc(&ld, data, len, name ? name : "<buffer>", base_dir, &e);
  return finish_load(&ld, ok, e, out, err);
}
