/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-report-svg.c - the bar charts of `zjtx simulate --report`: base
 * beside reform per rule and per county, drawn as inline SVG in 万元
 * (10,000 yuan) on a round axis; every label escaped (cli-report-markup.c). */
#include <inttypes.h>

#include "cli-report.h"

/* ---- 万元 ------------------------------------------------------------ */

/* 10,000 yuan (万元), exactly: "1250", "0.5", "12.345678". */
static void wan_exact(GString *s, int64_t fen) {
  uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
  g_string_append_printf(s, "%s%" PRIu64, fen < 0 ? "-" : "", mag / 1000000);
  unsigned frac = (unsigned)(mag % 1000000);
  if (!frac)
    return;
  char digits[8];
  g_snprintf(digits, sizeof digits, "%06u", frac);
  for (int i = 5; i > 0 && digits[i] == '0'; i--)
    digits[i] = '\0';
  g_string_append_printf(s, ".%s", digits);
}

/* 万元 with two decimals, rounded half up (for bar labels only). */
static void wan_2(GString *s, int64_t fen) {
  uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
  uint64_t hundredths = mag / 10000 + (mag % 10000 >= 5000);
  g_string_append_printf(s, "%s%" PRIu64 ".%02u", fen < 0 && hundredths ? "-" : "", hundredths / 100,
                         (unsigned)(hundredths % 100));
}

/* ---- charts --------------------------------------------------------- */

typedef struct {
  const char *label, *sub, *key; /* title, a second line (or NULL), the id */
  int64_t base, reform, diff;
} bar_item;

enum { CHART_W = 920, LABEL_W = 270, VALUE_W = 160, TOP = 64, ROW_H = 48, BAR_H = 16 };
#define PLOT_W (CHART_W - LABEL_W - VALUE_W)

/* A round axis end and step: {1, 2, 5} x 10^k fen, at most 6 steps. */
static int64_t axis_step(const bar_item *items, size_t n, int64_t *axis_max) {
  int64_t max = 0;
  for (size_t i = 0; i < n; i++)
    max = MAX(max, MAX(items[i].base, items[i].reform));
  if (max == 0) {
    *axis_max = 1000000;
    return 1000000;
  }
  static const int64_t mult[] = {1, 2, 5};
  for (int64_t p = 1; p <= INT64_MAX / 50; p *= 10)
    for (size_t m = 0; m < G_N_ELEMENTS(mult); m++)
      if (max / (p * mult[m]) + (max % (p * mult[m]) != 0) <= 6) {
        int64_t step = p * mult[m];
        *axis_max = (max / step + (max % step != 0)) * step;
        return step;
      }
  *axis_max = max;
  return max;
}

static double bar_x(int64_t fen, int64_t axis_max) {
  return fen <= 0 ? 0.0 : (double)PLOT_W * ((double)fen / (double)axis_max);
}

static void svg_legend(GString *s) {
  g_string_append_printf(s,
                         "<rect x=\"%d\" y=\"12\" width=\"14\" height=\"14\" class=\"base\"/>"
                         "<text x=\"%d\" y=\"24\">基准 Base</text>"
                         "<rect x=\"%d\" y=\"12\" width=\"14\" height=\"14\" class=\"reform\"/>"
                         "<text x=\"%d\" y=\"24\">改革 Reform</text>"
                         "<text x=\"%d\" y=\"24\" class=\"unit\">单位：万元 (10,000 yuan)</text>"
                         "<text x=\"%d\" y=\"%d\" class=\"unit\">差额 Change</text>\n",
                         LABEL_W, LABEL_W + 20, LABEL_W + 110, LABEL_W + 130, CHART_W - 4, CHART_W - 4, TOP - 12);
}

/* Grid lines and tick labels in 万元, and the axis title below. */
static void svg_axis(GString *s, int64_t step, int64_t axis_max, int bottom) {
  for (int64_t v = 0; v <= axis_max; v += step) {
    double x = LABEL_W + bar_x(v, axis_max);
    g_string_append_printf(s, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>", x, TOP - 6, x,
                           bottom);
    g_string_append_printf(s, "<text x=\"%.1f\" y=\"%d\" class=\"tick\">", x, TOP - 12);
    wan_exact(s, v);
    g_string_append(s, "</text>");
    if (v > axis_max - step)
      break;
  }
  g_string_append_printf(s, "\n<text x=\"%d\" y=\"%d\" class=\"axis\">金额（万元） Amount (10,000 yuan)</text>\n",
                         LABEL_W + PLOT_W / 2, bottom + 20);
}

/* One bar with its tooltip and its amount after it. */
static void svg_bar(GString *s, const bar_item *it, bool reform, double y, int64_t axis_max) {
  int64_t fen = reform ? it->reform : it->base;
  double w = bar_x(fen, axis_max);
  char yuan[ZFMT_FEN_BUFSZ];
  zfmt_fen_grouped(fen, yuan);
  g_string_append_printf(s, "<rect class=\"bar %s\" data-key=\"", reform ? "reform" : "base");
  sim_html_escape(s, it->key);
  g_string_append_printf(s, "\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\"><title>", LABEL_W, y, w, BAR_H);
  sim_html_escape(s, it->label);
  g_string_append_printf(s, " %s: %s 元</title></rect>", reform ? "改革 Reform" : "基准 Base", yuan);
  g_string_append_printf(s, "<text x=\"%.1f\" y=\"%.1f\" class=\"value\">", LABEL_W + w + 4, y + BAR_H - 3);
  wan_2(s, fen);
  g_string_append(s, "</text>");
}

/* A title longer than the label column is cut, with an ellipsis. */
static void svg_label(GString *s, const bar_item *it, double y) {
  const char *t = it->label ? it->label : "";
  g_autofree char *cut = g_utf8_strlen(t, -1) > 19 ? g_utf8_substring(t, 0, 18) : NULL;
  g_string_append_printf(s, "<text x=\"%d\" y=\"%.1f\" class=\"label\">", LABEL_W - 10, y + (it->sub ? 14 : 22));
  sim_html_escape(s, cut ? cut : t);
  g_string_append_printf(s, "%s</text>", cut ? "…" : "");
  if (it->sub) {
    g_string_append_printf(s, "<text x=\"%d\" y=\"%.1f\" class=\"sub\">", LABEL_W - 10, y + 31);
    sim_html_escape(s, it->sub);
    g_string_append(s, "</text>");
  }
  g_string_append_c(s, '\n');
}

/* The change, in its own column at the right end, in 万元. */
static void svg_diff(GString *s, const bar_item *it, double y) {
  int64_t d = it->diff;
  g_string_append_printf(s, "<text x=\"%d\" y=\"%.1f\" class=\"diff %s\">%s", CHART_W - 4, y + BAR_H + 9,
                         d > 0   ? "up"
                         : d < 0 ? "down"
                                 : "same",
                         d > 0 ? "+" : "");
  wan_2(s, d);
  g_string_append(s, "</text>");
}

static void svg_chart(GString *s, const char *id, const char *caption, const bar_item *items, size_t n) {
  int64_t axis_max;
  int64_t step = axis_step(items, n, &axis_max);
  int bottom = TOP + (int)n * ROW_H;
  g_string_append_printf(s,
                         "<figure><svg id=\"%s\" class=\"chart\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                         "height=\"%d\" aria-label=\"",
                         id, CHART_W, bottom + 32, CHART_W, bottom + 32);
  sim_html_escape(s, caption);
  g_string_append(s, "\">\n");
  svg_legend(s);
  svg_axis(s, step, axis_max, bottom);
  for (size_t i = 0; i < n; i++) {
    double y = TOP + (double)i * ROW_H + 6;
    svg_label(s, &items[i], y);
    svg_bar(s, &items[i], false, y, axis_max);
    svg_bar(s, &items[i], true, y + BAR_H + 2, axis_max);
    svg_diff(s, &items[i], y);
    g_string_append_c(s, '\n');
  }
  g_string_append_printf(s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axisline\"/></svg><figcaption>",
                         LABEL_W, TOP - 6, LABEL_W, bottom);
  sim_html_escape(s, caption);
  g_string_append(s, "</figcaption></figure>\n");
}

void sim_svg_chart_rules(GString *s, const sim_report *r) {
  guint n = r->rules->len;
  bar_item *items = g_new0(bar_item, MAX(n, 1));
  for (guint i = 0; i < n; i++) {
    const sim_rule *x = &g_array_index(r->rules, sim_rule, i);
    items[i] = (bar_item){x->title ? x->title : x->id, x->id, x->id, x->t.base, x->t.reform, x->t.diff};
  }
  svg_chart(s, "chart-rules", "各规则预算：基准与改革 Budget by rule, base and reform", items, n);
  g_free(items);
}

void sim_svg_chart_groups(GString *s, const sim_report *r) {
  guint n = r->groups->len;
  bar_item *items = g_new0(bar_item, MAX(n, 1));
  for (guint i = 0; i < n; i++) {
    const sim_group *g = &g_array_index(r->groups, sim_group, i);
    /* by name with the id below, as the rule chart shows its rules */
    const char *label = g->name ? g->name : g->id ? g->id : "（无）(none)";
    items[i] = (bar_item){label, g->name ? g->id : NULL, g->id ? g->id : "", g->t.base, g->t.reform, g->t.diff};
  }
  g_autofree char *caption = g_strdup_printf("各%s预算：基准与改革 Budget by %s, base and reform",
                                             sim_group_heading_zh(r->group_by), r->group_by);
  svg_chart(s, "chart-groups", caption, items, n);
  g_free(items);
}
