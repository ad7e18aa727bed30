/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compile-link.c - after every block is compiled: derived values must not
 * call each other in a cycle or too deep, and the evaluator is sized (stack,
 * locals, frames) from each block and everything it calls. */
#include "compile-internal.h"

/* Stack and locals a block needs including everything it calls; the totals
 * of the derived values it calls are known by then.  *depth: the longest
 * chain of derived values it calls (0: none). */
static void block_totals(struct zjtx_policy *p, const zblock *b, const int32_t *depths, int32_t *stack, int32_t *locals,
                         int32_t *depth) {
  int32_t extra_stack = 0, extra_locals = 0, extra_depth = 0;
  for (guint i = 0; b->calls && i < b->calls->len; i++) {
    int32_t k = g_array_index(b->calls, int32_t, i);
    zderived *d = g_ptr_array_index(p->derived, k);
    extra_stack = MAX(extra_stack, d->total_stack);
    extra_locals = MAX(extra_locals, d->total_locals);
    extra_depth = MAX(extra_depth, depths[k]);
  }
  *stack = b->max_stack + extra_stack + 1;
  *locals = b->n_locals + extra_locals + 1;
  *depth = extra_depth;
}

/* The totals of every derived value, callees first, with an explicit stack
 * rather than recursion: a hostile policy may chain thousands of derived
 * values.  depths[i]: 0 not yet, -1 in progress, else 1 + the longest chain
 * it calls.  Refuses chains deeper than the evaluator may recurse. */
static bool derived_totals(struct zjtx_policy *p, int32_t *depths, zjtx_error **err) {
  GArray *todo = g_array_new(FALSE, FALSE, sizeof(int32_t));
  bool ok = true;
  for (guint root = 0; ok && root < p->derived->len; root++) {
    if (depths[root])
      continue;
    int32_t r = (int32_t)root;
    g_array_append_val(todo, r);
    depths[root] = -1;
    while (ok && todo->len) {
      int32_t i = g_array_index(todo, int32_t, todo->len - 1);
      zderived *d = g_ptr_array_index(p->derived, i);
      const zblock *b = &d->expr.block;
      bool waiting = false;
      for (guint j = 0; b->calls && j < b->calls->len && !waiting; j++) {
        int32_t k = g_array_index(b->calls, int32_t, j);
        if (depths[k] == -1) { /* zcomp_call_derived refuses cycles; never trust that twice */
          zerr_give(err, zerr_new(ZJTX_ERR_POLICY, d->expr.pos.file, d->expr.pos.line, d->expr.pos.column, NULL,
                                  "'%s' depends on itself", d->name));
          ok = false;
        } else if (depths[k] == 0) {
          depths[k] = -1;
          g_array_append_val(todo, k);
          waiting = true;
        }
      }
      if (!ok || waiting)
        continue;
      int32_t depth;
      block_totals(p, b, depths, &d->total_stack, &d->total_locals, &depth);
      depths[i] = depth + 1;
      g_array_set_size(todo, todo->len - 1);
      if (depths[i] > ZDERIVED_MAX_DEPTH) {
        zerr_give(err, zerr_new(ZJTX_ERR_POLICY, d->expr.pos.file, d->expr.pos.line, d->expr.pos.column, NULL,
                                "derived values call each other more than %d deep", ZDERIVED_MAX_DEPTH));
        ok = false;
      }
    }
  }
  g_array_free(todo, TRUE);
  return ok;
}

static void size_for(struct zjtx_policy *p, const int32_t *depths, const zsource_expr *src) {
  if (!src->block.code)
    return;
  int32_t s, l, d;
  block_totals(p, &src->block, depths, &s, &l, &d);
  p->max_stack = MAX(p->max_stack, s);
  p->max_locals = MAX(p->max_locals, l);
  p->max_frames = MAX(p->max_frames, d + 1);
}

bool zcompile_link(struct zjtx_policy *p, zjtx_error **err) {
  int32_t *depths = g_new0(int32_t, p->derived->len + 1);
  bool ok = derived_totals(p, depths, err);
  for (guint i = 0; ok && i < p->rules->len; i++) {
    zrule *r = g_ptr_array_index(p->rules, i);
    size_for(p, depths, &r->filter);
    size_for(p, depths, &r->condition);
    size_for(p, depths, &r->amount);
    for (guint j = 0; j < r->caps->len; j++)
      size_for(p, depths, &((zcap *)g_ptr_array_index(r->caps, j))->expr);
  }
  for (guint i = 0; ok && i < p->derived->len; i++)
    size_for(p, depths, &((zderived *)g_ptr_array_index(p->derived, i))->expr);
  g_free(depths);
  return ok;
}
