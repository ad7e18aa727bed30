/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vm-fast.c - the batch form of a block: what zvm_exec runs when it is not
 * explaining.
 *
 * A block's code is what `zjtx dump` shows and what an explanation follows
 * instruction by instruction (its positions name the parts of an
 * expression).  The batch form is a copy without what only explaining
 * needs, and with the commonest pairs of instructions made one:
 *   TRACE_AGG           dropped (it only reports to the trace)
 *   SELF; CALL (no args) CALL_SELF
 *   LOCAL; FIELD        LOCAL_FIELD (c: the entity, and the slot << 16)
 * Jumps are moved to the new positions; a pair is joined only when nothing
 * jumps to its second instruction. */
#include "vm.h"

/* Whether some jump of the block lands on each instruction. */
static uint8_t *jump_targets(const zinstr *code, guint n) {
  uint8_t *target = g_new0(uint8_t, n + 1);
  for (guint i = 0; i < n; i++)
    if (zop_info((zopcode)code[i].op)->c == ZOPND_TARGET && code[i].c >= 0 && (guint)code[i].c <= n)
      target[code[i].c] = 1;
  return target;
}

/* The instruction that replaces code[i] and code[i + 1] in the batch form,
 * in *joined; false when they stay apart. */
static bool join_pair(const zinstr *code, guint i, guint n, const uint8_t *target, zinstr *joined) {
  if (i + 1 >= n || target[i + 1])
    return false;
  const zinstr *x = &code[i], *y = &code[i + 1];
  if (x->op == OP_SELF && y->op == OP_CALL && y->a == 0) {
    *joined = (zinstr){OP_CALL_SELF, 0, y->b, y->c};
    return true;
  }
  if (x->op == OP_LOCAL && y->op == OP_FIELD && y->c >= 0 && y->c <= 0xFFFF && x->b <= 0x7FFF) {
    *joined = (zinstr){OP_LOCAL_FIELD, y->a, y->b, y->c | ((int32_t)x->b << 16)};
    return true;
  }
  return false;
}

void zvm_make_fast(zblock *b) {
  if (b->fast) {
    g_array_free(b->fast, TRUE);
    b->fast = NULL;
  }
  const zinstr *code = (const zinstr *)(void *)b->code->data;
  guint n = b->code->len;
  g_autofree uint8_t *target = jump_targets(code, n);
  g_autofree int32_t *moved = g_new(int32_t, n + 1); /* old position -> new */
  GArray *fast = g_array_sized_new(FALSE, FALSE, sizeof(zinstr), n);
  for (guint i = 0; i < n; i++) {
    zinstr joined;
    moved[i] = (int32_t)fast->len;
    if (code[i].op == OP_TRACE_AGG)
      continue;
    if (join_pair(code, i, n, target, &joined)) {
      g_array_append_val(fast, joined);
      moved[++i] = (int32_t)fast->len; /* never jumped to */
      continue;
    }
    g_array_append_val(fast, code[i]);
  }
  moved[n] = (int32_t)fast->len;
  zinstr *out = (zinstr *)(void *)fast->data;
  for (guint i = 0; i < fast->len; i++)
    if (zop_info((zopcode)out[i].op)->c == ZOPND_TARGET && out[i].c >= 0 && (guint)out[i].c <= n)
      out[i].c = moved[out[i].c];
  if (fast->len == n) { /* nothing to gain */
    g_array_free(fast, TRUE);
    return;
  }
  b->fast = fast;
}
