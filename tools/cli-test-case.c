/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-test-case.c - what one test of `zjtx test` runs: its facts (inline
 * records, nested as the entities are, and a file or CSV directory its
 * href names), its period and <set> overrides, then the evaluation. */
#include <string.h>

#include "cli-test.h"

static char *entity_names(const zjtx_policy *p) {
  GString *s = g_string_new(NULL);
  for (size_t e = 0; e < zjtx_policy_entity_count(p); e++)
    g_string_append_printf(s, "%s%s", e ? ", " : "", zjtx_policy_entity_name(p, e));
  return g_string_free(s, FALSE);
}

static bool add_record_tree(test_run *t, zjtx_facts *f, const xmlNode *n, const xmlNode *parent);

/* Checks that @n names an entity that may stand where it is; its index or -1
 * (reported). */
static gssize record_entity(test_run *t, const xmlNode *n, const xmlNode *parent) {
  const zjtx_policy *p = t->tf->use->p;
  const char *name = (const char *)n->name;
  gssize e = test_find_entity(p, name);
  if (e < 0) {
    g_autofree char *list = entity_names(p);
    test_fail(t, n, "<%s>: the policy declares no entity %s (it declares: %s)", name, name, list);
    return -1;
  }
  const char *owner = zjtx_policy_entity_parent(p, (size_t)e);
  if (parent && (!owner || strcmp(owner, (const char *)parent->name) != 0)) {
    if (owner)
      test_fail(t, n, "<%s> cannot be nested in <%s>: a %s belongs to a %s", name, (const char *)parent->name, name,
                owner);
    else
      test_fail(t, n, "<%s> cannot be nested in <%s>: %s is a top-level entity", name, (const char *)parent->name,
                name);
    return -1;
  }
  return e;
}

/* The parent-key field and value a nested record gets from its parent
 * element; false (reported) when the parent has no id to give. */
static bool parent_link(test_run *t, size_t e, const xmlNode *n, const xmlNode *parent, const char **name,
                        const char **value) {
  const zjtx_policy *p = t->tf->use->p;
  *name = zjtx_policy_entity_parent_key(p, e);
  gssize pe = test_find_entity(p, (const char *)parent->name);
  const char *key = pe >= 0 ? zjtx_policy_entity_key(p, (size_t)pe) : NULL;
  *value = key ? test_prop(t->tf, parent, key) : NULL;
  if (!*value) {
    test_fail(t, n, "<%s> is nested in a <%s> without %s: it cannot name its parent", (const char *)n->name,
              (const char *)parent->name, key ? key : "an id");
    return false;
  }
  const char *given = test_prop(t->tf, n, *name);
  if (given && strcmp(given, *value) != 0) {
    test_fail(t, n, "<%s %s=\"%s\"> contradicts the <%s> it is nested in (%s)", (const char *)n->name, *name, given,
              (const char *)parent->name, *value);
    return false;
  }
  if (given)
    *name = NULL; /* given explicitly, and the same */
  return true;
}

/* Remembers the id of an inline record, so that expectations about a
 * record that does not exist are caught. */
static void note_id(test_run *t, size_t e, const xmlNode *n) {
  const zjtx_policy *p = t->tf->use->p;
  const char *key = zjtx_policy_entity_key(p, e);
  const char *id = key ? test_prop(t->tf, n, key) : NULL;
  if (id)
    g_hash_table_add(t->ids, g_strdup_printf("%s\037%s", zjtx_policy_entity_name(p, e), id));
}

/* Adds the record @n (a child of @parent, or top-level) and its children. */
static bool add_record_tree(test_run *t, zjtx_facts *f, const xmlNode *n, const xmlNode *parent) {
  gssize e = record_entity(t, n, parent);
  if (e < 0)
    return false;
  g_autoptr(GPtrArray) names = g_ptr_array_new(), values = g_ptr_array_new();
  for (const xmlAttr *a = n->properties; a; a = a->next) {
    g_ptr_array_add(names, (gpointer)a->name);
    g_ptr_array_add(values, (gpointer)test_prop(t->tf, n, (const char *)a->name));
  }
  const char *pk = NULL, *pv = NULL;
  if (parent && !parent_link(t, (size_t)e, n, parent, &pk, &pv))
    return false;
  if (pk) {
    g_ptr_array_add(names, (gpointer)pk);
    g_ptr_array_add(values, (gpointer)pv);
  }
  zjtx_error *err = NULL;
  if (zjtx_facts_add_record(f, (const char *)n->name, (const char *const *)names->pdata,
                            (const char *const *)values->pdata, names->len, &err) != ZJTX_OK) {
    test_fail_error(t, n, "invalid record", err);
    zjtx_error_free(err);
    return false;
  }
  note_id(t, (size_t)e, n);
  bool ok = true;
  for (const xmlNode *c = n->children; c; c = c->next)
    if (test_is_element(c, NULL))
      ok = add_record_tree(t, f, c, n) && ok;
  return ok;
}

/* Records from the file or CSV directory @href names, relative to the test
 * file. */
static bool read_href(test_run *t, zjtx_facts *f, const xmlNode *at, const char *href) {
  g_autofree char *path = test_resolve(t->tf->dir, href);
  zjtx_error *err = NULL;
  zjtx_status st = g_file_test(path, G_FILE_TEST_IS_DIR) ? zjtx_facts_read_csv_dir(f, path, &err)
                                                         : zjtx_facts_read_json_file(f, path, &err);
  if (st == ZJTX_OK)
    return true;
  test_fail_error(t, at, "facts", err);
  zjtx_error_free(err);
  return false;
}

/* The facts of <facts>: from href, then the inline records; finished. */
static zjtx_facts *build_facts(test_run *t, const xmlNode *node) {
  zjtx_facts *f = NULL;
  zjtx_error *err = NULL;
  if (zjtx_facts_new(t->tf->use->p, &f, &err) != ZJTX_OK) {
    test_fail_error(t, node, "facts", err);
    zjtx_error_free(err);
    return NULL;
  }
  const char *href = test_prop(t->tf, node, "href");
  t->ids_complete = href == NULL;
  bool ok = !href || read_href(t, f, node, href);
  for (const xmlNode *c = node->children; c; c = c->next) /* every bad record is reported */
    if (test_is_element(c, NULL))
      ok = add_record_tree(t, f, c, NULL) && ok;
  if (ok && zjtx_facts_finish(f, &err) != ZJTX_OK) {
    test_fail_error(t, node, "facts", err);
    zjtx_error_free(err);
    ok = false;
  }
  if (!ok) {
    zjtx_facts_free(f);
    return NULL;
  }
  return f;
}

/* ---- options and evaluation ---------------------------------------------- */

static bool apply_set(test_run *t, zjtx_options *o, const xmlNode *n) {
  const zjtx_policy *p = t->tf->use->p;
  const char *param = test_prop(t->tf, n, "param"), *key = test_prop(t->tf, n, "key");
  if (zjtx_policy_param_find(p, param) == (size_t)-1) {
    test_fail(t, n, "<set param=\"%s\">: the policy has no such parameter", param);
    return false;
  }
  zjtx_error *err = NULL;
  if (zjtx_options_set_param(o, param, key, test_text(t->tf, n), &err) != ZJTX_OK) {
    test_fail_error(t, n, "<set>", err);
    zjtx_error_free(err);
    return false;
  }
  return true;
}

static zjtx_options *build_options(test_run *t) {
  zjtx_options *o = zjtx_options_new();
  const char *period = test_prop(t->tf, t->node, "period");
  if (!period)
    period = t->tf->period;
  zjtx_error *err = NULL;
  zjtx_options_set_threads(o, 1, NULL);
  bool ok = true;
  if (period && zjtx_options_set_period(o, period, &err) != ZJTX_OK) {
    test_fail_error(t, t->node, "period", err);
    zjtx_error_free(err);
    ok = false;
  }
  for (const xmlNode *c = t->node->children; ok && c; c = c->next)
    if (test_is_element(c, "set"))
      ok = apply_set(t, o, c);
  if (!ok) {
    zjtx_options_free(o);
    return NULL;
  }
  return o;
}

/* Facts, options, evaluation: false (reported) when the test cannot run. */
bool test_run_evaluation(test_run *t) {
  const xmlNode *facts_node = t->node->children;
  while (facts_node && !test_is_element(facts_node, "facts"))
    facts_node = facts_node->next;
  t->facts = facts_node ? build_facts(t, facts_node) : NULL;
  zjtx_options *o = t->facts ? build_options(t) : NULL;
  zjtx_error *err = NULL;
  if (o && zjtx_evaluate(t->tf->use->p, t->facts, o, &t->res, &err) != ZJTX_OK) {
    test_fail_error(t, t->node, "evaluation failed", err);
    zjtx_error_free(err);
  }
  zjtx_options_free(o);
  return t->res != NULL;
}
