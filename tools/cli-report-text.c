/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-report-text.c - `zjtx simulate --format table|json|csv`: the
 * comparison of a base policy and a reform, for people and for programs. */
#include <inttypes.h>
#include <string.h>

#include "cli-report.h"
#include "format.h"

const char *sim_signed_grouped(char *buf, int64_t fen) {
  if (fen <= 0)
    return zfmt_fen_grouped(fen, buf);
  buf[0] = '+';
  zfmt_fen_grouped(fen, buf + 1);
  return buf;
}

/* ---- table ---------------------------------------------------------- */

/* Columns on a terminal: CJK characters take two. */
static int display_width(const char *s) {
  int w = 0;
  for (const char *p = s; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    w += g_unichar_iswide(c) ? 2 : g_unichar_iszerowidth(c) ? 0 : 1;
  }
  return w;
}

/* `s` padded with spaces to `width` columns, on the left when `right`. */
static void put_padded(FILE *out, const char *s, int width, bool right) {
  int pad = width - display_width(s);
  if (right && pad > 0)
    fprintf(out, "%*s", pad, "");
  fputs(s, out);
  if (!right && pad > 0)
    fprintf(out, "%*s", pad, "");
}

/* One row: label, base, reform, change and (when `counts`) who gains. */
static void put_row(FILE *out, const char *label, const sim_totals *t, bool counts, const char *note) {
  char base[ZFMT_FEN_BUFSZ], reform[ZFMT_FEN_BUFSZ], diff[SIM_SIGNED_BUFSZ];
  fputs("  ", out);
  put_padded(out, label, 34, false);
  fprintf(out, " %16s %16s %16s", zfmt_fen_grouped(t->base, base), zfmt_fen_grouped(t->reform, reform),
          sim_signed_grouped(diff, t->diff));
  if (counts)
    fprintf(out, " %7zu %7zu %7zu", t->gainers, t->losers, t->unchanged);
  fprintf(out, "%s%s\n", note ? "  " : "", note ? note : "");
}

/* The three amount headers, right-aligned over 16 columns each. */
static void put_amount_headers(FILE *out) {
  const char *cols[] = {"基准 Base", "改革 Reform", "差额 Change"};
  for (size_t i = 0; i < G_N_ELEMENTS(cols); i++) {
    fputc(' ', out);
    put_padded(out, cols[i], 16, true);
  }
}

static void put_header(FILE *out, const char *first) {
  fputs("  ", out);
  put_padded(out, first, 34, false);
  put_amount_headers(out);
  fputs("  获益 +  受损 -  不变 =\n", out);
}

static const char *presence_note(int in) {
  return in == SIM_IN_REFORM ? "仅改革 reform only" : in == SIM_IN_BASE ? "仅基准 base only" : NULL;
}

static void table_head(FILE *out, const sim_report *r, const sim_view *v) {
  fprintf(out, "政策模拟 Policy simulation   期间 Period %s\n", r->period);
  fprintf(out, "  基准 Base    %s  %s\n", zjtx_policy_id(r->base), zjtx_policy_title(r->base, "zh"));
  fprintf(out, "  改革 Reform  %s  %s\n", zjtx_policy_id(r->reform), zjtx_policy_title(r->reform, "zh"));
  for (guint i = 0; v->sets && i < v->sets->len; i++)
    fprintf(out, "  改革侧参数 Reform --set %s\n", (const char *)g_ptr_array_index(v->sets, i));
}

static void table_rules(FILE *out, const sim_report *r) {
  fprintf(out, "\n预算影响 Budget impact (元 yuan)\n\n");
  put_header(out, "按规则 By rule");
  for (guint i = 0; i < r->rules->len; i++) {
    const sim_rule *s = &g_array_index(r->rules, sim_rule, i);
    put_row(out, s->id, &s->t, true, presence_note(s->in));
  }
  put_row(out, "合计 Total (受益主体 beneficiaries)", &r->total, true, NULL);
}

static void table_groups(FILE *out, const sim_report *r) {
  if (!r->group_by)
    return;
  g_autofree char *heading = g_strdup_printf("按 %s By %s", r->group_by, r->group_by);
  fputc('\n', out);
  put_header(out, heading);
  for (guint i = 0; i < r->groups->len; i++) {
    const sim_group *g = &g_array_index(r->groups, sim_group, i);
    put_row(out, g->id ? g->id : "(none)", &g->t, true, NULL);
  }
  if (r->groups->len == 0)
    fprintf(out, "  (none)\n");
}

static void table_checks(FILE *out, const sim_report *r) {
  fprintf(out, "\n合规检查 Violations per check\n\n");
  fputs("  ", out);
  put_padded(out, "检查 Check", 34, false);
  fputs("   基准 Base  改革 Reform  差额 Change\n", out);
  for (guint i = 0; i < r->checks->len; i++) {
    const sim_check *c = &g_array_index(r->checks, sim_check, i);
    int64_t d = (int64_t)c->reform - (int64_t)c->base;
    const char *note = presence_note(c->in);
    fprintf(out, "  %-34s %11zu %12zu %s%11" PRId64 "%s%s\n", c->id, c->base, c->reform, d > 0 ? "+" : " ", d,
            note ? "  " : "", note ? note : "");
  }
}

static void table_changes(FILE *out, const sim_report *r, const sim_view *v) {
  size_t n = MIN(v->top, r->changes->len);
  fprintf(out, "\n最大个体变化 Largest changes (%zu of %zu)\n\n", n, r->changed);
  if (n == 0)
    return;
  fprintf(out, "  %-32s %-11s %-24s", "rule", "beneficiary", "id");
  put_amount_headers(out);
  fputc('\n', out);
  for (size_t i = 0; i < n; i++) {
    const sim_change *c = &g_array_index(r->changes, sim_change, i);
    char base[ZFMT_FEN_BUFSZ], reform[ZFMT_FEN_BUFSZ], diff[SIM_SIGNED_BUFSZ];
    fprintf(out, "  %-32s %-11s %-24s %16s %16s %16s\n", c->rule, c->entity, c->id, zfmt_fen_grouped(c->base, base),
            zfmt_fen_grouped(c->reform, reform), sim_signed_grouped(diff, c->diff));
  }
}

/* Subjects left undecided (data missing) per rule: only when there are. */
static void table_undecided(FILE *out, const sim_report *r) {
  if (r->undecided->len == 0)
    return;
  fprintf(out, "\n待定（缺数据，未计入合计） Undecided: data missing, not in the totals\n\n");
  for (guint i = 0; i < r->undecided->len; i++) {
    const sim_check *c = &g_array_index(r->undecided, sim_check, i);
    int64_t d = (int64_t)c->reform - (int64_t)c->base;
    fprintf(out, "  %-34s %11zu %12zu %s%11" PRId64 "\n", c->id, c->base, c->reform, d > 0 ? "+" : " ", d);
  }
}

/* One side of a fund: "基准 Base    申报 225,000.00  额度 200,000.00  核定 200,000.00  按比例核定 scaled". */
static void put_fund(FILE *out, const sim_budget *b, int side) {
  char claims[ZFMT_FEN_BUFSZ], cap[ZFMT_FEN_BUFSZ], paid[ZFMT_FEN_BUFSZ];
  int in = side ? SIM_IN_REFORM : SIM_IN_BASE;
  fprintf(out, "    %s", side ? "改革 Reform" : "基准 Base  ");
  if (!(b->in & in)) {
    fputs("  (none)\n", out);
    return;
  }
  fprintf(out, "  申报 claims %16s  额度 cap %16s  核定 paid %16s%s\n", zfmt_fen_grouped(b->claims[side], claims),
          zfmt_fen_grouped(b->cap[side], cap), zfmt_fen_grouped(b->paid[side], paid),
          b->undecided[side] ? "  待定 undecided"
          : b->scaled[side]  ? "  按比例核定 scaled"
                             : "");
}

/* Each budget's fund: claims, cap and what is paid under each side; only
 * when the policies have budgets. */
static void table_budgets(FILE *out, const sim_report *r) {
  if (r->budgets->len == 0)
    return;
  fprintf(out, "\n预算资金 Budgets (元 yuan)\n\n");
  for (guint i = 0; i < r->budgets->len; i++) {
    const sim_budget *b = &g_array_index(r->budgets, sim_budget, i);
    fprintf(out, "  %s%s%s%s\n", b->id, b->group ? " [" : "", b->group ? b->group : "", b->group ? "]" : "");
    put_fund(out, b, 0);
    put_fund(out, b, 1);
  }
}

bool sim_write_table(FILE *out, const sim_report *r, const sim_view *v) {
  table_head(out, r, v);
  table_rules(out, r);
  table_groups(out, r);
  table_checks(out, r);
  table_undecided(out, r);
  table_budgets(out, r);
  table_changes(out, r, v);
  return true;
}

/* ---- JSON ----------------------------------------------------------- */

/* `"NAME": "yuan", "NAME_fen": fen` */
static void json_money(GString *s, const char *name, int64_t fen) {
  char buf[ZFMT_FEN_BUFSZ];
  g_string_append_printf(s, "\"%s\": \"%s\", \"%s_fen\": %" PRId64, name, zfmt_fen(fen, buf), name, fen);
}

static void json_totals(GString *s, const sim_totals *t) {
  json_money(s, "base", t->base);
  g_string_append(s, ", ");
  json_money(s, "reform", t->reform);
  g_string_append(s, ", ");
  json_money(s, "difference", t->diff);
  g_string_append_printf(s, ", \"gainers\": %zu, \"losers\": %zu, \"unchanged\": %zu", t->gainers, t->losers,
                         t->unchanged);
}

static const char *presence(int in) {
  return in == SIM_IN_BOTH ? "both" : in == SIM_IN_BASE ? "base" : "reform";
}

static void json_policy(GString *s, const char *name, const zjtx_policy *p) {
  g_string_append_printf(s, "\"%s\": {\"policy\": ", name);
  zfmt_json_string(s, zjtx_policy_id(p));
  g_string_append(s, ", \"title\": ");
  zfmt_json_string(s, zjtx_policy_title(p, "zh"));
  g_string_append(s, "}, ");
}

static void json_head(GString *s, const sim_report *r, const sim_view *v) {
  g_string_append(s, "{");
  json_policy(s, "base", r->base);
  json_policy(s, "reform", r->reform);
  g_string_append(s, "\"period\": ");
  zfmt_json_string(s, r->period);
  g_string_append(s, ", \"reform_set\": [");
  for (guint i = 0; v->sets && i < v->sets->len; i++) {
    g_string_append(s, i ? ", " : "");
    zfmt_json_string(s, g_ptr_array_index(v->sets, i));
  }
  g_string_append(s, "],\n \"total\": {");
  json_totals(s, &r->total);
  g_string_append(s, "},\n \"rules\": [");
}

static void json_rules(GString *s, const sim_report *r) {
  for (guint i = 0; i < r->rules->len; i++) {
    const sim_rule *x = &g_array_index(r->rules, sim_rule, i);
    g_string_append(s, i ? ",\n  {\"rule\": " : "\n  {\"rule\": ");
    zfmt_json_string(s, x->id);
    g_string_append(s, ", \"title\": ");
    zfmt_json_string(s, x->title);
    g_string_append_printf(s, ", \"in\": \"%s\", ", presence(x->in));
    json_totals(s, &x->t);
    g_string_append(s, "}");
  }
}

static void json_groups(GString *s, const sim_report *r) {
  g_string_append(s, "],\n \"group_by\": ");
  if (r->group_by)
    zfmt_json_string(s, r->group_by);
  else
    g_string_append(s, "null");
  g_string_append(s, ", \"groups\": [");
  for (guint i = 0; i < r->groups->len; i++) {
    const sim_group *g = &g_array_index(r->groups, sim_group, i);
    g_string_append(s, i ? ",\n  {\"id\": " : "\n  {\"id\": ");
    if (g->id)
      zfmt_json_string(s, g->id);
    else
      g_string_append(s, "null");
    g_string_append(s, ", ");
    json_totals(s, &g->t);
    g_string_append(s, "}");
  }
}

static void json_checks(GString *s, const sim_report *r) {
  g_string_append(s, "],\n \"violations\": [");
  for (guint i = 0; i < r->checks->len; i++) {
    const sim_check *c = &g_array_index(r->checks, sim_check, i);
    g_string_append(s, i ? ",\n  {\"check\": " : "\n  {\"check\": ");
    zfmt_json_string(s, c->id);
    g_string_append_printf(s, ", \"in\": \"%s\", \"base\": %zu, \"reform\": %zu, \"difference\": %" PRId64 "}",
                           presence(c->in), c->base, c->reform, (int64_t)c->reform - (int64_t)c->base);
  }
}

static void json_undecided(GString *s, const sim_report *r) {
  g_string_append(s, "],\n \"undecided\": [");
  for (guint i = 0; i < r->undecided->len; i++) {
    const sim_check *c = &g_array_index(r->undecided, sim_check, i);
    g_string_append(s, i ? ",\n  {\"rule\": " : "\n  {\"rule\": ");
    zfmt_json_string(s, c->id);
    g_string_append_printf(s, ", \"base\": %zu, \"reform\": %zu, \"difference\": %" PRId64 "}", c->base, c->reform,
                           (int64_t)c->reform - (int64_t)c->base);
  }
}

static void json_fund(GString *s, const sim_budget *b, int side) {
  if (!(b->in & (side ? SIM_IN_REFORM : SIM_IN_BASE))) {
    g_string_append(s, "null");
    return;
  }
  g_string_append_c(s, '{');
  json_money(s, "cap", b->cap[side]);
  g_string_append(s, ", ");
  json_money(s, "claims", b->claims[side]);
  g_string_append(s, ", ");
  json_money(s, "paid", b->paid[side]);
  g_string_append_printf(s, ", \"scaled\": %s, \"undecided\": %s}", b->scaled[side] ? "true" : "false",
                         b->undecided[side] ? "true" : "false");
}

/* Only when the policies have budgets: the keys of a report without stay
 * as they were. */
static void json_budgets(GString *s, const sim_report *r) {
  if (r->budgets->len == 0)
    return;
  g_string_append(s, "],\n \"budgets\": [");
  for (guint i = 0; i < r->budgets->len; i++) {
    const sim_budget *b = &g_array_index(r->budgets, sim_budget, i);
    g_string_append(s, i ? ",\n  {\"budget\": " : "\n  {\"budget\": ");
    zfmt_json_string(s, b->id);
    g_string_append(s, ", \"group\": ");
    if (b->group)
      zfmt_json_string(s, b->group);
    else
      g_string_append(s, "null");
    g_string_append_printf(s, ", \"in\": \"%s\", \"base\": ", presence(b->in));
    json_fund(s, b, 0);
    g_string_append(s, ", \"reform\": ");
    json_fund(s, b, 1);
    g_string_append_c(s, '}');
  }
}

static void json_changes(GString *s, const sim_report *r, const sim_view *v) {
  g_string_append_printf(s, "],\n \"changed\": %zu, \"changes\": [", r->changed);
  for (size_t i = 0; i < MIN(v->top, r->changes->len); i++) {
    const sim_change *c = &g_array_index(r->changes, sim_change, i);
    g_string_append(s, i ? ",\n  {\"rule\": " : "\n  {\"rule\": ");
    zfmt_json_string(s, c->rule);
    g_string_append(s, ", \"beneficiary\": ");
    zfmt_json_string(s, c->entity);
    g_string_append(s, ", \"id\": ");
    zfmt_json_string(s, c->id);
    g_string_append(s, ", \"group\": ");
    if (c->group)
      zfmt_json_string(s, c->group);
    else
      g_string_append(s, "null");
    sim_totals t = {.base = c->base, .reform = c->reform, .diff = c->diff};
    g_string_append(s, ", ");
    json_money(s, "base", t.base);
    g_string_append(s, ", ");
    json_money(s, "reform", t.reform);
    g_string_append(s, ", ");
    json_money(s, "difference", t.diff);
    g_string_append(s, "}");
  }
  g_string_append(s, "]}\n");
}

bool sim_write_json(FILE *out, const sim_report *r, const sim_view *v) {
  GString *s = g_string_new(NULL);
  json_head(s, r, v);
  json_rules(s, r);
  json_groups(s, r);
  json_checks(s, r);
  json_undecided(s, r);
  json_budgets(s, r);
  json_changes(s, r, v);
  fwrite(s->str, 1, s->len, out);
  g_string_free(s, TRUE);
  return true;
}

/* ---- CSV ------------------------------------------------------------ */

/* section,rule,beneficiary,id,in,base,reform,difference,base_fen,reform_fen,
 * difference_fen,gainers,losers,unchanged */
static const char *int_text(char *buf, int64_t v) {
  g_snprintf(buf, ZFMT_FEN_BUFSZ, "%" PRId64, v);
  return buf;
}

/* The money columns hold yuan and fen; a row of counts (violations) has
 * them in base, reform and difference, and no fen. */
static void csv_row(FILE *out, const char *const text[5], const sim_totals *t, bool money, bool counts) {
  char buf[ZFMT_FEN_BUFSZ];
  int64_t v[3] = {t->base, t->reform, t->diff};
  int64_t n[3] = {(int64_t)t->gainers, (int64_t)t->losers, (int64_t)t->unchanged};
  for (size_t i = 0; i < 5; i++)
    cli_csv_field(out, text[i], false);
  for (size_t i = 0; i < 3; i++)
    cli_csv_field(out, money ? zfmt_fen(v[i], buf) : int_text(buf, v[i]), false);
  for (size_t i = 0; i < 3; i++)
    cli_csv_field(out, money ? int_text(buf, v[i]) : "", false);
  for (size_t i = 0; i < 3; i++)
    cli_csv_field(out, counts ? int_text(buf, n[i]) : "", i == 2);
}

static void csv_rules_groups(FILE *out, const sim_report *r) {
  for (guint i = 0; i < r->rules->len; i++) {
    const sim_rule *x = &g_array_index(r->rules, sim_rule, i);
    const char *text[5] = {"rule", x->id, "", "", presence(x->in)};
    csv_row(out, text, &x->t, true, true);
  }
  for (guint i = 0; i < r->groups->len; i++) {
    const sim_group *g = &g_array_index(r->groups, sim_group, i);
    const char *text[5] = {"group", "", r->group_by, g->id ? g->id : "", "both"};
    csv_row(out, text, &g->t, true, true);
  }
  const char *text[5] = {"total", "", "", "", "both"};
  csv_row(out, text, &r->total, true, true);
}

static void csv_checks_changes(FILE *out, const sim_report *r, const sim_view *v) {
  for (guint i = 0; i < r->checks->len; i++) {
    const sim_check *c = &g_array_index(r->checks, sim_check, i);
    const char *text[5] = {"violations", c->id, "", "", presence(c->in)};
    sim_totals t = {.base = (int64_t)c->base, .reform = (int64_t)c->reform};
    t.diff = t.reform - t.base;
    csv_row(out, text, &t, false, false);
  }
  for (size_t i = 0; i < MIN(v->top, r->changes->len); i++) {
    const sim_change *c = &g_array_index(r->changes, sim_change, i);
    const char *text[5] = {"change", c->rule, c->entity, c->id,
                           presence(g_array_index(r->rules, sim_rule, c->rule_index).in)};
    sim_totals t = {.base = c->base, .reform = c->reform, .diff = c->diff};
    csv_row(out, text, &t, true, false);
  }
}

bool sim_write_csv(FILE *out, const sim_report *r, const sim_view *v) {
  fputs("section,rule,beneficiary,id,in,base,reform,difference,base_fen,reform_fen,difference_fen,"
        "gainers,losers,unchanged\r\n",
        out);
  csv_rules_groups(out, r);
  csv_checks_changes(out, r, v);
  return true;
}
