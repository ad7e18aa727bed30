/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-vm-fast.c - the batch form of a block (vm-fast.c): what is dropped,
 * what is joined, where the jumps land.  Each expected form is written out
 * by hand from the rules in vm-fast.c's header. */
#include <check.h>
#include <glib.h>

#include "test-util.h"
#include "vm.h"

/* A block holding `n` instructions, its batch form made. */
static zblock *block_of(const zinstr *code, guint n) {
  zblock *b = g_new0(zblock, 1);
  b->code = g_array_new(FALSE, FALSE, sizeof(zinstr));
  g_array_append_vals(b->code, code, n);
  zvm_make_fast(b);
  return b;
}

static void block_free(zblock *b) {
  g_array_free(b->code, TRUE);
  if (b->fast)
    g_array_free(b->fast, TRUE);
  g_free(b);
}

static void ck_form(const zblock *b, const zinstr *want, guint n) {
  ck_assert_ptr_nonnull(b->fast);
  ck_assert_uint_eq(b->fast->len, n);
  for (guint i = 0; i < n; i++) {
    const zinstr *got = &g_array_index(b->fast, zinstr, i);
    ck_assert_msg(got->op == want[i].op && got->a == want[i].a && got->b == want[i].b && got->c == want[i].c,
                  "instruction %u: got %s %d %d %d, want %s %d %d %d", i, zop_name((zopcode)got->op), got->a, got->b,
                  got->c, zop_name((zopcode)want[i].op), want[i].a, want[i].b, want[i].c);
  }
}

/* any(h in honors where h.level == 'x'): the loop's exit lands on the
 * TRACE_AGG, which goes; LOCAL; FIELD becomes one. */
START_TEST(loop_exit_moves_past_the_trace) {
  static const zinstr code[] = {
      {OP_SELF, 0, 0, 0},       /* 0 */
      {OP_ITER, 0, 1, 4},       /* 1 */
      {OP_CONST, 0, 0, 1},      /* 2 */
      {OP_NEXT, 0, 1, 8},       /* 3: done -> 8 */
      {OP_LOCAL, 0, 1, 0},      /* 4 */
      {OP_FIELD, 0, 3, 2},      /* 5: field 3 of entity 2 */
      {OP_JUMP_FALSE, 0, 0, 3}, /* 6 */
      {OP_JUMP, 0, 0, 3},       /* 7 */
      {OP_TRACE_AGG, 0, 0, 0},  /* 8 */
      {OP_RET, 0, 0, 0},        /* 9 */
  };
  static const zinstr want[] = {
      {OP_SELF, 0, 0, 0},
      {OP_ITER, 0, 1, 4},
      {OP_CONST, 0, 0, 1},
      {OP_NEXT, 0, 1, 7}, /* old 8, the TRACE_AGG, is now the RET at 7 */
      {OP_LOCAL_FIELD, 0, 3, 2 | (1 << 16)},
      {OP_JUMP_FALSE, 0, 0, 3},
      {OP_JUMP, 0, 0, 3},
      {OP_RET, 0, 0, 0},
  };
  zblock *b = block_of(code, G_N_ELEMENTS(code));
  ck_form(b, want, G_N_ELEMENTS(want));
  block_free(b);
}
END_TEST

/* SELF; CALL without arguments becomes CALL_SELF (its missing flag kept),
 * but not when a jump lands on the CALL, nor for a call with arguments. */
START_TEST(self_and_call_join_unless_jumped_to) {
  static const zinstr code[] = {
      {OP_CONST, 0, 0, 0},      /* 0 */
      {OP_JUMP_FALSE, 0, 0, 3}, /* 1: -> the CALL at 3 */
      {OP_SELF, 0, 0, 0},       /* 2 */
      {OP_CALL, 0, 0, 5},       /* 3 */
      {OP_SELF, 0, 0, 0},       /* 4 */
      {OP_CALL, 0, 1, 6},       /* 5 */
      {OP_SELF, 0, 0, 0},       /* 6 */
      {OP_PERIOD, 1, 0, 0},     /* 7 */
      {OP_CALL, 1, 0, 7},       /* 8: one argument */
      {OP_RET, 0, 0, 0},        /* 9 */
  };
  static const zinstr want[] = {
      {OP_CONST, 0, 0, 0}, {OP_JUMP_FALSE, 0, 0, 3}, {OP_SELF, 0, 0, 0}, {OP_CALL, 0, 0, 5}, {OP_CALL_SELF, 0, 1, 6},
      {OP_SELF, 0, 0, 0},  {OP_PERIOD, 1, 0, 0},     {OP_CALL, 1, 0, 7}, {OP_RET, 0, 0, 0},
  };
  zblock *b = block_of(code, G_N_ELEMENTS(code));
  ck_form(b, want, G_N_ELEMENTS(want));
  block_free(b);
}
END_TEST

/* Nothing to drop or join: no batch form, the code is run as it is. */
START_TEST(nothing_to_gain_keeps_the_code) {
  static const zinstr code[] = {{OP_SELF_FIELD, 0, 1, 0}, {OP_PARAM, 0, 0, 2}, {OP_CMP, 5, 0, 0}, {OP_RET, 0, 0, 0}};
  zblock *b = block_of(code, G_N_ELEMENTS(code));
  ck_assert_ptr_null(b->fast);
  block_free(b);
}
END_TEST

static Suite *vm_fast_suite(void) {
  Suite *s = suite_create("vm-fast");
  TCase *tc = tcase_create("batch form");
  tcase_add_test(tc, loop_exit_moves_past_the_trace);
  tcase_add_test(tc, self_and_call_join_unless_jumped_to);
  tcase_add_test(tc, nothing_to_gain_keeps_the_code);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return ztest_run_suite(vm_fast_suite());
}
