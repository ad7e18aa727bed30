/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-report-html.c - `zjtx simulate --report FILE.html`: one
 * self-contained page (inline CSS and SVG; no script, no font or image
 * files, no URL at all), printable on A4, with the budget by rule and by
 * county as bar charts, base beside reform, and the winners and losers,
 * between the parts that make it a record to sign (cli-report-record.c).  Every text from
 * a policy or the facts is escaped (cli-report-markup.c); the charts are
 * drawn by cli-report-svg.c. */
#include <inttypes.h>

#include "cli-report.h"

/* ---- cells ---------------------------------------------------------- */

static void yuan_cell(GString *s, int64_t fen) {
  char y[ZFMT_FEN_BUFSZ];
  g_string_append_printf(s, "<td class=\"num\">%s</td>", zfmt_fen_grouped(fen, y));
}

static void diff_cell(GString *s, int64_t fen) {
  char y[SIM_SIGNED_BUFSZ];
  g_string_append_printf(s, "<td class=\"num %s\">%s</td>",
                         fen > 0   ? "up"
                         : fen < 0 ? "down"
                                   : "same",
                         sim_signed_grouped(y, fen));
}

/* ---- tables --------------------------------------------------------- */

static void counts_cells(GString *s, const sim_totals *t) {
  g_string_append_printf(s, "<td class=\"num\">%zu</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>",
                         t->gainers, t->losers, t->unchanged);
}

static void totals_cells(GString *s, const sim_totals *t) {
  yuan_cell(s, t->base);
  yuan_cell(s, t->reform);
  diff_cell(s, t->diff);
  counts_cells(s, t);
}

static void table_head(GString *s, const char *id, const char *first) {
  g_string_append_printf(s, "<table id=\"%s\"><thead><tr><th>%s</th>", id, first);
  g_string_append(s, "<th class=\"num\">基准 Base（元）</th><th class=\"num\">改革 Reform（元）</th>"
                     "<th class=\"num\">差额 Change（元）</th><th class=\"num\">获益 Gain</th>"
                     "<th class=\"num\">受损 Lose</th><th class=\"num\">不变 Same</th></tr></thead>\n<tbody>\n");
}

static const char *presence_tag(int in) {
  return in == SIM_IN_REFORM ? " <span class=\"tag\">仅改革 reform only</span>"
         : in == SIM_IN_BASE ? " <span class=\"tag\">仅基准 base only</span>"
                             : "";
}

static void total_row(GString *s, const sim_totals *t, const char *label) {
  g_string_append_printf(s, "</tbody>\n<tfoot><tr><th>%s</th>", label);
  totals_cells(s, t);
  g_string_append(s, "</tr></tfoot></table>\n");
}

static void table_rules(GString *s, const sim_report *r) {
  table_head(s, "table-rules", "规则 Rule");
  for (guint i = 0; i < r->rules->len; i++) {
    const sim_rule *x = &g_array_index(r->rules, sim_rule, i);
    g_string_append(s, "<tr><td>");
    sim_html_escape(s, x->title ? x->title : x->id);
    g_string_append(s, "<br><code>");
    sim_html_escape(s, x->id);
    g_string_append(s, "</code>");
    if (x->clause) {
      g_string_append(s, " <span class=\"clause\">条款 ");
      sim_html_escape(s, x->clause);
      g_string_append(s, "</span>");
    }
    g_string_append_printf(s, "%s</td>", presence_tag(x->in));
    totals_cells(s, &x->t);
    g_string_append(s, "</tr>\n");
  }
  total_row(s, &r->total, "合计 Total");
}

static void table_groups(GString *s, const sim_report *r) {
  g_autofree char *first = g_strdup_printf("%s %s", sim_group_heading_zh(r->group_by), r->group_by);
  g_autofree char *first_esc = g_markup_escape_text(first, -1);
  table_head(s, "table-groups", first_esc);
  for (guint i = 0; i < r->groups->len; i++) {
    const sim_group *g = &g_array_index(r->groups, sim_group, i);
    g_string_append(s, "<tr><td>");
    if (g->id)
      sim_html_named(s, g->name, g->id);
    else
      g_string_append(s, "（无）(none)");
    g_string_append(s, "</td>");
    totals_cells(s, &g->t);
    g_string_append(s, "</tr>\n");
  }
  total_row(s, &r->total, "合计 Total");
}

static void change_row(GString *s, const sim_report *r, const sim_change *c, size_t rank) {
  const sim_rule *x = &g_array_index(r->rules, sim_rule, c->rule_index);
  g_string_append_printf(s, "<tr><td class=\"num\">%zu</td><td>", rank);
  sim_html_escape(s, x->title ? x->title : c->rule);
  g_string_append(s, "<br><code>");
  sim_html_escape(s, c->rule);
  g_string_append(s, "</code></td><td>");
  if (c->name) {
    sim_html_escape(s, c->name);
    g_string_append(s, "<br>");
  } else {
    sim_html_escape(s, c->entity);
    g_string_append(s, " ");
  }
  g_string_append(s, "<code class=\"id\">");
  sim_html_escape(s, c->id);
  g_string_append(s, "</code></td><td>");
  if (c->group)
    sim_html_named(s, c->group_name, c->group);
  else
    g_string_append(s, "—");
  g_string_append(s, "</td>");
  yuan_cell(s, c->base);
  yuan_cell(s, c->reform);
  diff_cell(s, c->diff);
  g_string_append(s, "</tr>\n");
}

/* The largest gains (sign > 0) or losses (sign < 0), at most v->top. */
static void table_changes(GString *s, const sim_report *r, const sim_view *v, int sign, const char *id) {
  g_string_append_printf(s,
                         "<table id=\"%s\"><thead><tr><th class=\"num\">#</th><th>规则 Rule</th>"
                         "<th>受益主体 Beneficiary</th><th>%s</th><th class=\"num\">基准 Base（元）</th>"
                         "<th class=\"num\">改革 Reform（元）</th><th class=\"num\">差额 Change（元）</th>"
                         "</tr></thead>\n<tbody>\n",
                         id, r->group_by ? sim_group_heading_zh(r->group_by) : "—");
  size_t shown = 0;
  for (guint i = 0; i < r->changes->len && shown < v->top; i++) {
    const sim_change *c = &g_array_index(r->changes, sim_change, i);
    if ((sign > 0 && c->diff > 0) || (sign < 0 && c->diff < 0))
      change_row(s, r, c, ++shown);
  }
  if (shown == 0)
    g_string_append(s, "<tr><td colspan=\"7\" class=\"none\">无 None</td></tr>\n");
  g_string_append(s, "</tbody></table>\n");
}

/* What the totals leave out: subjects a rule could not decide for lack of
 * data, under each policy.  Said explicitly, also when there are none. */
static void page_undecided(GString *s, const sim_report *r) {
  g_string_append(s, "<section id=\"undecided\">\n<h2>待定（缺数据） <span class=\"en\">Undecided: data "
                     "missing</span></h2>\n<p>以下主体因数据缺失无法判定，金额未计入上述合计。 <span class=\"en\">"
                     "These subjects could not be decided for lack of data; the totals above leave them out."
                     "</span></p>\n<table id=\"table-undecided\"><thead><tr><th>规则 Rule</th><th class=\"num\">"
                     "基准 Base</th><th class=\"num\">改革 Reform</th></tr></thead>\n<tbody>\n");
  for (guint i = 0; i < r->undecided->len; i++) {
    const sim_check *c = &g_array_index(r->undecided, sim_check, i);
    g_string_append(s, "<tr><td><code>");
    sim_html_escape(s, c->id);
    g_string_append_printf(s, "</code></td><td class=\"num\">%zu</td><td class=\"num\">%zu</td></tr>\n", c->base,
                           c->reform);
  }
  if (r->undecided->len == 0)
    g_string_append(s, "<tr><td colspan=\"3\" class=\"none\">无：数据完整 None: no data missing</td></tr>\n");
  g_string_append(s, "</tbody></table>\n</section>\n");
}

static void table_checks(GString *s, const sim_report *r) {
  g_string_append(s, "<table id=\"table-violations\"><thead><tr><th>检查 Check</th><th class=\"num\">基准 Base</th>"
                     "<th class=\"num\">改革 Reform</th><th class=\"num\">差额 Change</th></tr></thead>\n<tbody>\n");
  for (guint i = 0; i < r->checks->len; i++) {
    const sim_check *c = &g_array_index(r->checks, sim_check, i);
    int64_t d = (int64_t)c->reform - (int64_t)c->base;
    g_string_append(s, "<tr><td>");
    sim_html_escape(s, c->title ? c->title : c->id);
    g_string_append(s, "<br><code>");
    sim_html_escape(s, c->id);
    g_string_append_printf(s,
                           "</code>%s</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
                           "<td class=\"num %s\">%s%" PRId64 "</td></tr>\n",
                           presence_tag(c->in), c->base, c->reform,
                           d > 0   ? "down"
                           : d < 0 ? "up"
                                   : "same",
                           d > 0 ? "+" : "", d);
  }
  if (r->checks->len == 0)
    g_string_append(s, "<tr><td colspan=\"4\" class=\"none\">无 None</td></tr>\n");
  g_string_append(s, "</tbody></table>\n");
}

/* ---- the page ------------------------------------------------------- */

static const char css[] =
    "body{font-family:\"Noto Sans CJK SC\",\"WenQuanYi Micro Hei\",\"Microsoft YaHei\",\"PingFang SC\","
    "\"Source Han Sans SC\",sans-serif;color:#1f2933;margin:0;background:#f5f7fa}\n"
    "main{max-width:980px;margin:0 auto;padding:24px 28px 40px;background:#fff}\n"
    "h1{font-size:26px;margin:0 0 12px}h2{font-size:21px;margin:32px 0 8px;border-bottom:2px solid #d9e2ec;"
    "padding-bottom:4px}h3{font-size:16px;margin:20px 0 6px;color:#334e68}\n"
    ".en{color:#627d98;font-weight:normal;font-size:.8em}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 12px}\n"
    "th,td{padding:5px 8px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}\n"
    "thead th{background:#f0f4f8;border-bottom:2px solid #bcccdc}tfoot th,tfoot td{font-weight:bold;"
    "border-top:2px solid #bcccdc}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    ".up{color:#1b7a3a}.down{color:#b42318}.same{color:#7b8794}\n"
    "code{font-family:\"DejaVu Sans Mono\",monospace;font-size:12px;color:#486581}\n"
    ".clause{color:#7b8794;font-size:12px}.tag{background:#fff3c4;color:#8d2b0b;font-size:11px;padding:1px 4px;"
    "border-radius:3px}\n"
    "table.meta{width:auto}table.meta th{background:none;border:none;color:#627d98;font-weight:normal;"
    "padding-left:0}table.meta td{border:none}\n"
    ".cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}.card{flex:1;min-width:190px;border:1px solid "
    "#d9e2ec;border-radius:6px;padding:10px 14px}.card .k{color:#627d98;font-size:13px}.card .v{font-size:20px;"
    "font-weight:bold;margin-top:4px;font-variant-numeric:tabular-nums}\n"
    "figure{margin:8px 0}figcaption{font-size:12px;color:#627d98;text-align:center}\n"
    "svg.chart{max-width:100%;height:auto;font-size:12px}svg .base{fill:#4a6fa5}svg .reform{fill:#e07b39}\n"
    "svg .grid{stroke:#e4e7eb}svg .axisline{stroke:#7b8794}svg .tick{text-anchor:middle;fill:#627d98;font-size:11px}\n"
    "svg .axis{text-anchor:middle;fill:#486581}svg .unit{text-anchor:end;fill:#627d98}\n"
    "svg .label{text-anchor:end;font-size:13px;fill:#1f2933}svg .sub{text-anchor:end;font-size:11px;fill:#7b8794;"
    "font-family:\"DejaVu Sans Mono\",monospace}svg .value{font-size:11px;fill:#334e68}\n"
    "svg .diff{text-anchor:end;font-size:12px;font-weight:bold}svg .diff.up{fill:#1b7a3a}svg .diff.down{fill:#b42318}"
    "svg .diff.same{fill:#9aa5b1;font-weight:normal}\n"
    ".none{color:#7b8794;text-align:center}footer{font-size:12px;color:#627d98;margin-top:28px}\n"
    ".key{color:#627d98;font-size:12px;white-space:nowrap}.from{color:#7b8794;font-size:11px;white-space:nowrap}\n"
    ".origin{color:#7b8794;font-size:11px}.arrow{text-align:center;color:#627d98;width:1.5em}\n"
    ".warning{border:2px solid #d64545;background:#fff5f5;border-radius:6px;padding:4px 16px 8px;margin:16px 0}\n"
    ".warning h2{color:#b42318;border-bottom-color:#f5c2c2;margin-top:10px}.warning .doc{color:#334e68}\n"
    ".warning table{background:#fff}\n"
    "table.sign{margin-top:12px}table.sign th{background:none;border:none;white-space:nowrap;width:1%;"
    "padding:22px 8px 4px 0;font-weight:normal}table.sign td.line{border-bottom:1px solid #1f2933;"
    "padding-top:22px}table.sign td.date{width:22%}\n"
    "code{overflow-wrap:anywhere}code.id{white-space:nowrap}\n"
    /* A4, printed: no page background, no element cut across pages where it
     * can be avoided, table headers repeated, tables within the width */
    "@page{size:A4;margin:16mm 14mm 16mm 14mm}\n"
    "@media print{body{background:#fff;font-size:12px}main{max-width:none;padding:0}"
    "h2{margin-top:18px}h2,h3{break-after:avoid;page-break-after:avoid}"
    "table{font-size:11px}th,td{padding:3px 5px}code{font-size:9.5px}thead{display:table-header-group}"
    "tr,figure,.card,.warning,#signatures,table.meta{break-inside:avoid;page-break-inside:avoid}"
    "svg.chart{width:100%}.cards{gap:8px}.card{min-width:0;padding:6px 10px}.card .v{font-size:16px}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void page_policy_row(GString *s, const char *label, const zjtx_policy *p) {
  g_string_append_printf(s, "<tr><th>%s</th><td>", label);
  sim_html_escape(s, zjtx_policy_title(p, "zh"));
  g_string_append(s, " <code>");
  sim_html_escape(s, zjtx_policy_id(p));
  if (zjtx_policy_version(p)) {
    g_string_append(s, " ");
    sim_html_escape(s, zjtx_policy_version(p));
  }
  g_string_append(s, "</code></td></tr>\n");
}

static void page_text_row(GString *s, const char *label, const char *text) {
  if (!text)
    return;
  g_string_append_printf(s, "<tr><th>%s</th><td>", label);
  sim_html_escape(s, text);
  g_string_append(s, "</td></tr>\n");
}

static void page_head(GString *s, const sim_report *r, const sim_view *v) {
  g_string_append(s, "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>政策模拟 ");
  sim_html_escape(s, zjtx_policy_id(r->reform));
  g_string_append(s, " — Policy simulation</title>\n<style>\n");
  g_string_append(s, css);
  g_string_append(s, "</style>\n</head>\n<body>\n<main>\n<h1>政策模拟报告 <span class=\"en\">Policy simulation "
                     "report</span></h1>\n<table class=\"meta\">\n");
  page_policy_row(s, "基准政策 Base", r->base);
  page_policy_row(s, "改革方案 Reform", r->reform);
  page_text_row(s, "政策文件 Document", zjtx_policy_document(r->base));
  page_text_row(s, "发布机关 Jurisdiction", zjtx_policy_jurisdiction(r->base));
  page_text_row(s, "期间 Period", r->period);
  page_text_row(s, "报告生成时间 Made", v->made);
  for (guint i = 0; v->sets && i < v->sets->len; i++) {
    g_string_append(s, "<tr><th>改革侧参数 Reform --set</th><td><code>");
    sim_html_escape(s, g_ptr_array_index(v->sets, i));
    g_string_append(s, "</code></td></tr>\n");
  }
  g_string_append(s, "</table>\n");
}

static void card(GString *s, const char *id, const char *key, const char *value, const char *cls) {
  g_string_append_printf(s,
                         "<div class=\"card\" id=\"%s\"><div class=\"k\">%s</div><div class=\"v %s\">%s</div>"
                         "</div>\n",
                         id, key, cls, value);
}

static void page_cards(GString *s, const sim_report *r) {
  const sim_totals *t = &r->total;
  char base[ZFMT_FEN_BUFSZ], reform[ZFMT_FEN_BUFSZ], diff[SIM_SIGNED_BUFSZ], who[96];
  g_snprintf(who, sizeof who, "%zu / %zu / %zu", t->gainers, t->losers, t->unchanged);
  g_string_append(s, "<div class=\"cards\">\n");
  card(s, "total-base", "基准总额 Base total（元）", zfmt_fen_grouped(t->base, base), "");
  card(s, "total-reform", "改革总额 Reform total（元）", zfmt_fen_grouped(t->reform, reform), "");
  card(s, "total-diff", "预算变化 Change（元）", sim_signed_grouped(diff, t->diff),
       t->diff > 0   ? "up"
       : t->diff < 0 ? "down"
                     : "same");
  card(s, "total-who", "获益 / 受损 / 不变 Gain / lose / same", who, "");
  g_string_append(s, "</div>\n");
}

static void page_budget(GString *s, const sim_report *r) {
  g_string_append(s, "<section id=\"budget\">\n<h2>预算影响 <span class=\"en\">Budget impact</span></h2>\n");
  page_cards(s, r);
  g_string_append(s, "<h3>按规则 <span class=\"en\">By rule</span></h3>\n");
  sim_svg_chart_rules(s, r);
  table_rules(s, r);
  if (r->group_by) {
    g_string_append_printf(s, "<h3>按%s <span class=\"en\">By ", sim_group_heading_zh(r->group_by));
    sim_html_escape(s, r->group_by);
    g_string_append(s, "</span></h3>\n");
    sim_svg_chart_groups(s, r);
    table_groups(s, r);
  }
  g_string_append(s, "</section>\n");
}

static void page_changes(GString *s, const sim_report *r, const sim_view *v) {
  g_string_append(s, "<section id=\"winners-losers\">\n<h2>获益与受损 <span class=\"en\">Winners and losers</span>"
                     "</h2>\n");
  g_string_append_printf(s,
                         "<p>按规则和受益主体计，共 %zu 项金额变化；下表各列出变化最大的至多 %zu 项。"
                         " <span class=\"en\">%zu amounts change (per rule and beneficiary); each table lists "
                         "at most the %zu largest.</span></p>\n",
                         r->changed, v->top, r->changed, v->top);
  g_string_append(s, "<h3>获益最多 <span class=\"en\">Largest gains</span></h3>\n");
  table_changes(s, r, v, 1, "table-winners");
  g_string_append(s, "<h3>受损最多 <span class=\"en\">Largest losses</span></h3>\n");
  table_changes(s, r, v, -1, "table-losers");
  g_string_append(s, "</section>\n<section id=\"violations\">\n<h2>合规检查 <span class=\"en\">Violations</span>"
                     "</h2>\n");
  table_checks(s, r);
  g_string_append(s, "</section>\n");
  page_undecided(s, r);
}

bool sim_write_html(FILE *out, const sim_report *r, const sim_view *v) {
  GString *s = g_string_new(NULL);
  page_head(s, r, v);
  sim_page_warning(s, r, v);
  sim_page_reform_changes(s, r, v);
  page_budget(s, r);
  page_changes(s, r, v);
  sim_page_source(s, r, v);
  g_string_append_printf(
      s,
      "<footer>金额单位为元，精确到分；图表单位为万元。获益、受损、不变按受益主体计（合计与分组行按其各规则金额之和）。"
      "<br>Amounts in yuan, exact to the fen; charts in 万元 (10,000 yuan). Gain, lose, same "
      "count beneficiaries (in the total and group rows, by their amount over all rules). "
      "zjtx %s</footer>\n</main>\n</body>\n</html>\n",
      zjtx_version_string());
  fwrite(s->str, 1, s->len, out);
  g_string_free(s, TRUE);
  return true;
}
