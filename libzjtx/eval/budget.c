/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* budget.c - budgets (资金池): the entitlements of the rules a <budget>
 * covers, per group of beneficiaries, capped by a fund.  Claims over the
 * fund are scaled pro rata to the fen by largest remainder: the amounts
 * paid add up to the fund exactly, never a fen more. */
#include <stdlib.h>
#include <string.h>

#include "eval-internal.h"
#include "format.h"

/* The claims on one group's fund. */
typedef struct {
  const char *key; /* NULL: the budget has no group-by */
  int32_t code;    /* the group field's code, for a keyed fund */
  __int128 claims;
  GArray *paid; /* guint: entitlements (res->entitlements) */
  GArray *open; /* guint: undecided claims (res->undecided) */
} zclaims;

static void claims_free(gpointer p) {
  zclaims *c = p;
  g_array_free(c->paid, TRUE);
  g_array_free(c->open, TRUE);
  g_free(c);
}

/* The group of the beneficiary, record rec of the budget's subject. */
static const char *group_key(zjtx_result *res, const zbudget *b, int32_t rec, int32_t *code) {
  const zjtx_policy *p = res->policy;
  const zfield *fd = zentity_field(zpolicy_entity(p, b->subject), b->group_field);
  zval v = zfacts_get(res->facts, b->subject, b->group_field, rec);
  char buf[32];
  *code = -1;
  if (fd->type == ZF_TEXT)
    return v.s;
  if (fd->type == ZF_CODE) {
    *code = v.code;
    return g_ptr_array_index(((zcodeset *)g_ptr_array_index(p->codesets, fd->codeset))->values, v.code);
  }
  const char *id = zfacts_record_id(res->facts, fd->ref_entity, v.rec, buf);
  return id == buf ? g_string_chunk_insert(res->strings, buf) : id;
}

static zclaims *group_of(zjtx_result *res, const zbudget *b, GHashTable *by_key, GPtrArray *order, int32_t rec) {
  int32_t code = -1;
  const char *key = b->group_field >= 0 ? group_key(res, b, rec, &code) : NULL;
  zclaims *c = g_hash_table_lookup(by_key, key ? key : "");
  if (!c) {
    c = g_new0(zclaims, 1);
    c->key = key;
    c->code = code;
    c->paid = g_array_new(FALSE, FALSE, sizeof(guint));
    c->open = g_array_new(FALSE, FALSE, sizeof(guint));
    g_hash_table_insert(by_key, (gpointer)(key ? key : ""), c);
    g_ptr_array_add(order, c);
  }
  return c;
}

/* ---- scaling ------------------------------------------------------------------ */

typedef struct {
  guint item;   /* in res->entitlements */
  __int128 rem; /* of fen x fund / claims */
  const char *id;
  bool by_id;
} zshare;

/* Largest remainder first; on a tie, by beneficiary id (ties="id") or in
 * the order the results are listed. */
static int by_remainder(const void *a, const void *b) {
  const zshare *x = a, *y = b;
  if (x->rem != y->rem)
    return x->rem > y->rem ? -1 : 1;
  int c = x->by_id ? strcmp(x->id, y->id) : 0;
  return c ? c : (x->item > y->item) - (x->item < y->item);
}

/* Each claim scaled to fund / claims, rounded down to the fen, and the
 * fen left over given one each to the largest remainders. */
static void scale(zjtx_result *res, const zbudget *b, zclaims *c, int64_t fund, int32_t note) {
  guint n = c->paid->len;
  zshare *shares = g_new0(zshare, n + 1);
  int64_t given = 0;
  for (guint i = 0; i < n; i++) {
    guint at = g_array_index(c->paid, guint, i);
    zresult_item *it = &g_array_index(res->entitlements, zresult_item, at);
    __int128 num = (__int128)it->fen * fund;
    shares[i] = (zshare){at, num % c->claims, it->id, b->ties_by_id};
    it->fen = (int64_t)(num / c->claims);
    it->budget_at = note;
    given += it->fen;
  }
  qsort(shares, n, sizeof *shares, by_remainder);
  for (guint i = 0; i < n && given < fund; i++, given++) {
    zresult_item *it = &g_array_index(res->entitlements, zresult_item, shares[i].item);
    it->fen++;
  }
  g_free(shares);
}

/* ---- a group with an undecided claim ------------------------------------------- */

#define MAX_NAMED 8 /* inputs named per claim held back; more_missing says there were more */

/* The claims paid so far wait with the undecided ones: each becomes
 * undecided, lacking what they lack. */
static void hold_back(zjtx_result *res, zclaims *c, uint8_t *drop) {
  for (guint i = 0; i < c->paid->len; i++) {
    guint at = g_array_index(c->paid, guint, i);
    zresult_item it = g_array_index(res->entitlements, zresult_item, at);
    drop[at] = 1;
    it.fen = 0;
    it.missing_at = (int32_t)res->missing->len;
    it.n_missing = 0;
    it.more_missing = false;
    for (guint j = 0; j < c->open->len; j++) {
      const zresult_item *u = &g_array_index(res->undecided, zresult_item, g_array_index(c->open, guint, j));
      it.more_missing = it.more_missing || u->more_missing;
      for (int32_t k = 0; k < u->n_missing; k++) {
        if (it.n_missing == MAX_NAMED) {
          it.more_missing = true;
          break;
        }
        zresult_missing m = g_array_index(res->missing, zresult_missing, u->missing_at + k);
        g_array_append_val(res->missing, m);
        it.n_missing++;
      }
    }
    g_array_append_val(res->undecided, it);
  }
}

/* ---- one budget --------------------------------------------------------------- */

static zjtx_status fund_of(zjtx_result *res, const zbudget *b, const zclaims *c, int64_t *fund, zjtx_error **err) {
  zvm *vm = &res->run.vm;
  zval v;
  const zparam *cap = g_ptr_array_index(res->policy->params, b->cap);
  if (!zvm_param(vm, b->cap, cap->key_codeset >= 0 ? c->code : -1, vm->period_end, &v) ||
      !zdec_to_fen(v.d, ZROUND_HALF_UP, fund)) {
    zjtx_error *e = g_steal_pointer(&vm->error);
    zjtx_status st = zerr_set(err, ZJTX_ERR_EVAL, NULL, 0, 0, b->id, "budget %s%s%s: %s", b->id, c->key ? " for " : "",
                              c->key ? c->key : "", e ? e->message : "its fund does not fit the money range");
    zjtx_error_free(e);
    return st;
  }
  return ZJTX_OK;
}

static zjtx_status settle(zjtx_result *res, const zbudget *b, int32_t index, zclaims *c, uint8_t *drop,
                          zjtx_error **err) {
  int64_t fund;
  zjtx_status st = fund_of(res, b, c, &fund, err);
  if (st != ZJTX_OK)
    return st;
  if (c->claims > INT64_MAX)
    return zerr_set(err, ZJTX_ERR_OVERFLOW, NULL, 0, 0, b->id, "budget %s: the claims do not fit the money range",
                    b->id);
  zbudget_group g = {index, c->key, fund, (int64_t)c->claims, (int64_t)c->claims, false, c->open->len > 0};
  if (g.undecided) {
    g.paid = 0;
    hold_back(res, c, drop);
  } else if (g.claims > fund) {
    g.paid = fund;
    g.scaled = true;
    scale(res, b, c, fund, (int32_t)res->budget_groups->len + 1);
  }
  g_array_append_val(res->budget_groups, g);
  return ZJTX_OK;
}

static zjtx_status apply_budget(zjtx_result *res, const zbudget *b, int32_t index, uint8_t *drop, zjtx_error **err) {
  g_autoptr(GHashTable) by_key = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(claims_free);
  g_autofree uint8_t *covered = g_new0(uint8_t, res->policy->rules->len + 1);
  for (guint i = 0; i < b->rules->len; i++)
    covered[g_array_index(b->rules, int32_t, i)] = 1;
  for (guint i = 0; i < res->entitlements->len; i++) {
    const zresult_item *it = &g_array_index(res->entitlements, zresult_item, i);
    if (!covered[it->rule])
      continue;
    if (it->fen < 0)
      return zerr_set(err, ZJTX_ERR_EVAL, NULL, 0, 0, b->id, "budget %s: a negative claim (%s %s)", b->id,
                      ((const zrule *)g_ptr_array_index(res->policy->rules, it->rule))->id, it->id);
    zclaims *c = group_of(res, b, by_key, order, it->rec);
    g_array_append_val(c->paid, i);
    c->claims += it->fen;
  }
  for (guint i = 0; i < res->undecided->len; i++) {
    const zresult_item *it = &g_array_index(res->undecided, zresult_item, i);
    if (covered[it->rule])
      g_array_append_val(group_of(res, b, by_key, order, it->rec)->open, i);
  }
  zjtx_status st = ZJTX_OK;
  for (guint i = 0; i < order->len && st == ZJTX_OK; i++)
    st = settle(res, b, index, g_ptr_array_index(order, i), drop, err);
  return st;
}

static gint by_rule(gconstpointer a, gconstpointer b) {
  const zresult_item *x = a, *y = b;
  if (x->rule != y->rule)
    return x->rule < y->rule ? -1 : 1;
  return (x->rec > y->rec) - (x->rec < y->rec);
}

zjtx_status zapply_budgets(zjtx_result *res, zjtx_error **err) {
  const zjtx_policy *p = res->policy;
  res->budget_groups = g_array_new(FALSE, FALSE, sizeof(zbudget_group));
  if (p->budgets->len == 0)
    return ZJTX_OK; /* nothing held back or scaled: the items stay as they are */
  g_autofree uint8_t *drop = g_new0(uint8_t, res->entitlements->len + 1);
  zjtx_status st = ZJTX_OK;
  for (guint i = 0; i < p->budgets->len && st == ZJTX_OK; i++)
    st = apply_budget(res, g_ptr_array_index(p->budgets, i), (int32_t)i, drop, err);
  /* held back, or scaled down to nothing: not results */
  guint kept = 0;
  for (guint i = 0; i < res->entitlements->len; i++) {
    zresult_item *it = &g_array_index(res->entitlements, zresult_item, i);
    if (!drop[i] && it->fen != 0)
      g_array_index(res->entitlements, zresult_item, kept++) = *it;
  }
  g_array_set_size(res->entitlements, kept);
  g_array_sort(res->undecided, by_rule); /* those held back join their rule's */
  return st;
}

/* ---- explanation ---------------------------------------------------------------- */

/* fund / claims in percent: "83.33…" (truncated to two decimals, … when
 * there are more), "50", "62.5". */
static char *percent(int64_t fund, int64_t claims) {
  __int128 num = (__int128)fund * 10000;
  int64_t hundredths = (int64_t)(num / claims);
  bool exact = num % claims == 0;
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "%" G_GINT64_FORMAT ".%02d", hundredths / 100, (int)(hundredths % 100));
  if (exact) {
    while (s->str[s->len - 1] == '0')
      g_string_truncate(s, s->len - 1);
    if (s->str[s->len - 1] == '.')
      g_string_truncate(s, s->len - 1);
  } else {
    g_string_append(s, "…");
  }
  return g_string_free(s, FALSE);
}

char *zresult_budget_note(const zjtx_result *res, const zresult_item *it) {
  if (!it->budget_at || !res->budget_groups || (guint)it->budget_at > res->budget_groups->len)
    return NULL;
  const zbudget_group *g = &g_array_index(res->budget_groups, zbudget_group, it->budget_at - 1);
  char cap[ZDEC_BUFSZ], claims[ZDEC_BUFSZ];
  g_autofree char *pct = percent(g->cap, g->claims);
  return g_strdup_printf("预算 %s 元，申报合计 %s 元，按 %s%% 核定", zfmt_fen_grouped(g->cap, cap),
                         zfmt_fen_grouped(g->claims, claims), pct);
}

/* ---- the public accessors -------------------------------------------------- */

static const zbudget_group *group_at(const zjtx_result *res, size_t i) {
  return res && res->budget_groups && i < res->budget_groups->len ? &g_array_index(res->budget_groups, zbudget_group, i)
                                                                  : NULL;
}

size_t zjtx_result_budget_count(const zjtx_result *res) {
  return res && res->budget_groups ? res->budget_groups->len : 0;
}

const char *zjtx_result_budget_id(const zjtx_result *res, size_t i) {
  const zbudget_group *g = group_at(res, i);
  return g ? ((const zbudget *)g_ptr_array_index(res->policy->budgets, g->budget))->id : NULL;
}

const char *zjtx_result_budget_group(const zjtx_result *res, size_t i) {
  const zbudget_group *g = group_at(res, i);
  return g ? g->key : NULL;
}

int zjtx_result_budget_amounts(const zjtx_result *res, size_t i, int64_t *cap_fen, int64_t *claims_fen,
                               int64_t *paid_fen, int *scaled, int *undecided) {
  const zbudget_group *g = group_at(res, i);
  if (!g)
    return 0;
  if (cap_fen)
    *cap_fen = g->cap;
  if (claims_fen)
    *claims_fen = g->claims;
  if (paid_fen)
    *paid_fen = g->paid;
  if (scaled)
    *scaled = g->scaled;
  if (undecided)
    *undecided = g->undecided;
  return 1;
}
