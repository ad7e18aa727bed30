/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-report-record.c - the parts of the `zjtx simulate --report` page that
 * make it a record an official can sign: a warning box (a draft document,
 * assumed parameters), the reform's changes before -> after, and where the
 * numbers come from (facts and their counts, policies, engine, date), with
 * a place for the receipt and lines to sign.  Everything from a policy or
 * the facts is escaped (cli-report-markup.c). */
#include <inttypes.h>
#include <string.h>

#include "cli-report.h"

/* ---- parameter values ----------------------------------------------------- */

/* A plain amount in yuan ("1000000", "0.5", "12.34") in fen; false for
 * anything else (more decimals, a sign, an exponent: shown as written). */
static bool yuan_to_fen(const char *text, int64_t *fen) {
  int64_t v = 0;
  int decimals = -1;
  for (const char *c = text; *c; c++) {
    if (*c == '.' && decimals < 0 && c != text && c[1]) {
      decimals = 0;
      continue;
    }
    if (!g_ascii_isdigit(*c) || decimals == 2 || v > (INT64_MAX - 9) / 10 / 100)
      return false;
    v = v * 10 + (*c - '0');
    decimals += decimals >= 0;
  }
  for (int d = decimals < 0 ? 0 : decimals; d < 2; d++)
    v *= 10;
  *fen = v;
  return *text != '\0';
}

/* One value as a reader expects it: money in yuan with two decimals and
 * grouping, a rate in percent (the language writes rates in percent), any
 * other value with its unit. */
static void value_text(GString *s, const char *type, const char *unit, const char *text) {
  int64_t fen;
  if (g_strcmp0(type, "money") == 0 && text && yuan_to_fen(text, &fen)) {
    char y[ZFMT_FEN_BUFSZ];
    g_string_append_printf(s, "%s 元", zfmt_fen_grouped(fen, y));
  } else if (g_strcmp0(type, "rate") == 0) {
    sim_html_escape(s, text);
    g_string_append(s, "%");
  } else {
    sim_html_escape(s, text);
    if (unit) {
      g_string_append_c(s, ' ');
      sim_html_escape(s, unit);
    }
  }
}

/* Every value of parameter i, keyed ones by key, each with the date it is
 * in force from: "1,000,000.00 元（自 2025-01-01）". */
static void param_values(GString *s, const zjtx_policy *p, size_t i) {
  const char *type = zjtx_policy_param_type(p, i), *unit = zjtx_policy_param_unit(p, i);
  size_t n = zjtx_policy_param_value_count(p, i);
  for (size_t j = 0; j < n; j++) {
    const char *key = zjtx_policy_param_value_key(p, i, j);
    g_string_append(s, j ? "<br>" : "");
    if (key) {
      g_string_append(s, "<code>");
      sim_html_escape(s, key);
      g_string_append(s, "</code>：");
    }
    value_text(s, type, unit, zjtx_policy_param_value_text(p, i, j));
    g_string_append(s, " <span class=\"from\">（自 ");
    sim_html_escape(s, zjtx_policy_param_value_from(p, i, j));
    g_string_append(s, "）</span>");
  }
  if (n == 0)
    g_string_append(s, "—");
}

static bool same_values(const zjtx_policy *a, size_t i, const zjtx_policy *b, size_t k) {
  size_t n = zjtx_policy_param_value_count(a, i);
  if (n != zjtx_policy_param_value_count(b, k))
    return false;
  for (size_t j = 0; j < n; j++)
    if (g_strcmp0(zjtx_policy_param_value_from(a, i, j), zjtx_policy_param_value_from(b, k, j)) != 0 ||
        g_strcmp0(zjtx_policy_param_value_key(a, i, j), zjtx_policy_param_value_key(b, k, j)) != 0 ||
        g_strcmp0(zjtx_policy_param_value_text(a, i, j), zjtx_policy_param_value_text(b, k, j)) != 0)
      return false;
  return true;
}

/* Its Chinese title (or id) and, beside, its id and unit. */
static void param_name(GString *s, const zjtx_policy *p, size_t i) {
  sim_html_escape(s, zjtx_policy_param_title(p, i, "zh"));
  g_string_append(s, "<br><code>");
  sim_html_escape(s, zjtx_policy_param_id(p, i));
  g_string_append(s, "</code>");
}

/* The PARAM of a "PARAM=VALUE" or "PARAM[KEY]=VALUE" argument (owned). */
static char *set_param_id(const char *arg) {
  size_t n = strcspn(arg, "[=");
  return g_strndup(arg, n);
}

static bool is_set(const sim_view *v, const char *id) {
  for (guint i = 0; v->sets && i < v->sets->len; i++) {
    g_autofree char *name = set_param_id(g_ptr_array_index(v->sets, i));
    if (strcmp(name, id) == 0)
      return true;
  }
  return false;
}

/* ---- the warning ------------------------------------------------------------ */

/* What a document status means to a reader who must sign; NULL when it is
 * in force (or the policy does not say) and needs no warning. */
static const char *status_warning(const char *status) {
  if (g_strcmp0(status, "draft") == 0)
    return "政策文件为<strong>征求意见稿</strong>，尚未正式发布，条款和数值可能变化。"
           " <span class=\"en\">The policy document is a draft for comments, not yet issued: its clauses and "
           "numbers may change.</span>";
  if (g_strcmp0(status, "repealed") == 0)
    return "政策文件<strong>已废止</strong>。 <span class=\"en\">The policy document has been repealed.</span>";
  return NULL;
}

static void warning_status(GString *s, const zjtx_policy *p) {
  const char *why = status_warning(zjtx_policy_document_status(p));
  if (!why)
    return;
  g_string_append_printf(s, "<p id=\"warning-document\">%s<br>", why);
  g_string_append(s, "<span class=\"doc\">");
  sim_html_escape(s, zjtx_policy_document(p) ? zjtx_policy_document(p) : zjtx_policy_title(p, "zh"));
  g_string_append(s, "</span></p>\n");
}

/* The reform's assumed parameters that --set does not replace: the values
 * the results rest on without a published source. */
static size_t warning_assumed(GString *s, const zjtx_policy *p, const sim_view *v) {
  size_t n = 0;
  GString *rows = g_string_new(NULL);
  for (size_t i = 0; i < zjtx_policy_param_count(p); i++) {
    if (zjtx_policy_param_status(p, i) != ZJTX_PARAM_ASSUMED || is_set(v, zjtx_policy_param_id(p, i)))
      continue;
    n++;
    g_string_append(rows, "<tr><td>");
    param_name(rows, p, i);
    g_string_append(rows, "</td><td class=\"value\">");
    param_values(rows, p, i);
    g_string_append(rows, "</td></tr>\n");
  }
  if (n > 0) {
    g_string_append_printf(s,
                           "<p>以下 %zu 项参数政策未公布，为<strong>假设值</strong>，测算结果依赖这些假设，"
                           "使用前须经核实。 <span class=\"en\">These %zu parameters are not published; their values "
                           "are assumed and the results depend on them: confirm them before use.</span></p>\n"
                           "<table id=\"table-assumed\"><thead><tr><th>参数 Parameter</th><th>假设值 Assumed "
                           "value</th></tr></thead>\n<tbody>\n%s</tbody></table>\n",
                           n, n, rows->str);
  }
  g_string_free(rows, TRUE);
  return n;
}

void sim_page_warning(GString *s, const sim_report *r, const sim_view *v) {
  GString *box = g_string_new(NULL);
  warning_status(box, r->base);
  if (g_strcmp0(zjtx_policy_document(r->reform), zjtx_policy_document(r->base)) != 0)
    warning_status(box, r->reform); /* a reform with a document of its own */
  warning_assumed(box, r->reform, v);
  if (box->len > 0)
    g_string_append_printf(s,
                           "<section id=\"warning\" class=\"warning\">\n<h2>⚠ 请注意 <span class=\"en\">Please "
                           "note</span></h2>\n%s</section>\n",
                           box->str);
  g_string_free(box, TRUE);
}

/* ---- the reform's changes ------------------------------------------------------ */

static void changes_head(GString *s, const char *id, const char *first) {
  g_string_append_printf(s,
                         "<table id=\"%s\"><thead><tr><th>%s</th><th>变化 Change</th><th>基准 Before</th>"
                         "<th class=\"arrow\"></th><th>改革 After</th></tr></thead>\n<tbody>\n",
                         id, first);
}

static void changes_foot(GString *s, size_t rows) {
  if (rows == 0)
    g_string_append(s, "<tr><td colspan=\"5\" class=\"none\">无 None</td></tr>\n");
  g_string_append(s, "</tbody></table>\n");
}

static void param_change_row(GString *s, const zjtx_policy *base, size_t bi, const zjtx_policy *reform, size_t ri) {
  g_string_append(s, "<tr><td>");
  param_name(s, reform, ri);
  g_string_append_printf(s, "</td><td>%s</td><td class=\"value\">", bi == (size_t)-1 ? "新增 added" : "修改 amended");
  if (bi == (size_t)-1)
    g_string_append(s, "—");
  else
    param_values(s, base, bi);
  g_string_append(s, "</td><td class=\"arrow\">→</td><td class=\"value\">");
  param_values(s, reform, ri);
  g_string_append(s, "</td></tr>\n");
}

/* A --set argument: the base's values -> the value given, with its key. */
static void set_row(GString *s, const zjtx_policy *base, const char *arg) {
  g_autofree char *id = set_param_id(arg);
  size_t bi = zjtx_policy_param_find(base, id);
  const char *eq = strchr(arg, '='), *rest = arg + strlen(id);
  g_string_append(s, "<tr><td>");
  if (bi != (size_t)-1)
    param_name(s, base, bi);
  else
    sim_html_escape(s, id);
  g_string_append(s, "</td><td><code>--set</code></td><td class=\"value\">");
  if (bi != (size_t)-1)
    param_values(s, base, bi);
  else
    g_string_append(s, "—");
  g_string_append(s, "</td><td class=\"arrow\">→</td><td class=\"value\">");
  if (*rest == '[' && eq) { /* PARAM[KEY]=VALUE */
    g_autofree char *key = g_strndup(rest + 1, (gsize)(eq - rest - 2));
    g_string_append(s, "<code>");
    sim_html_escape(s, key);
    g_string_append(s, "</code>：");
  }
  value_text(s, bi != (size_t)-1 ? zjtx_policy_param_type(base, bi) : NULL,
             bi != (size_t)-1 ? zjtx_policy_param_unit(base, bi) : NULL, eq ? eq + 1 : "");
  g_string_append(s, "</td></tr>\n");
}

static void table_param_changes(GString *s, const sim_report *r, const sim_view *v) {
  changes_head(s, "table-param-changes", "参数 Parameter");
  size_t rows = 0;
  for (size_t i = 0; i < zjtx_policy_param_count(r->reform); i++) {
    size_t bi = zjtx_policy_param_find(r->base, zjtx_policy_param_id(r->reform, i));
    if (bi != (size_t)-1 && same_values(r->base, bi, r->reform, i))
      continue;
    param_change_row(s, r->base, bi, r->reform, i);
    rows++;
  }
  for (guint i = 0; v->sets && i < v->sets->len; i++, rows++)
    set_row(s, r->base, g_ptr_array_index(v->sets, i));
  changes_foot(s, rows);
}

static size_t rule_index(const zjtx_policy *p, const char *id) {
  for (size_t i = 0; i < zjtx_policy_rule_count(p); i++)
    if (strcmp(zjtx_policy_rule_id(p, i), id) == 0)
      return i;
  return (size_t)-1;
}

/* A rule as the table shows it: title, id, clause and the policy that
 * declared (or amended) it; "—" when absent. */
static void rule_cell(GString *s, const zjtx_policy *p, size_t i) {
  g_string_append(s, "<td>");
  if (i == (size_t)-1) {
    g_string_append(s, "—</td>");
    return;
  }
  sim_html_escape(s, zjtx_policy_rule_title(p, i, "zh"));
  if (zjtx_policy_rule_clause(p, i)) {
    g_string_append(s, " <span class=\"clause\">条款 ");
    sim_html_escape(s, zjtx_policy_rule_clause(p, i));
    g_string_append(s, "</span>");
  }
  g_string_append(s, "<br><span class=\"origin\">");
  sim_html_escape(s, zjtx_policy_rule_origin(p, i));
  g_string_append(s, "</span></td>");
}

/* How a rule of the base (bi) and of the reform (ri) differ, or NULL: an
 * amended rule keeps its origin and says by whom; a rule removed and
 * declared anew has another origin. */
static const char *rule_change(const zjtx_policy *base, size_t bi, const zjtx_policy *reform, size_t ri) {
  if (bi == (size_t)-1)
    return "新增 added";
  if (ri == (size_t)-1)
    return "删除 removed";
  const char *was = zjtx_policy_rule_origin(base, bi), *is = zjtx_policy_rule_origin(reform, ri);
  if (g_strcmp0(was, is) == 0)
    return NULL;
  return g_str_has_prefix(is, was) ? "修改 amended" : "替换 replaced";
}

static void rule_change_row(GString *s, const sim_report *r, const char *id, size_t bi, size_t ri, const char *what) {
  g_string_append(s, "<tr><td><code>");
  sim_html_escape(s, id);
  g_string_append_printf(s, "</code></td><td>%s</td>", what);
  rule_cell(s, r->base, bi);
  g_string_append(s, "<td class=\"arrow\">→</td>");
  rule_cell(s, r->reform, ri);
  g_string_append(s, "</tr>\n");
}

/* Rules and checks of the reform in its order, then those it removed. */
static void table_rule_changes(GString *s, const sim_report *r) {
  changes_head(s, "table-rule-changes", "规则 Rule");
  size_t rows = 0;
  for (size_t i = 0; i < zjtx_policy_rule_count(r->reform); i++) {
    const char *id = zjtx_policy_rule_id(r->reform, i);
    size_t bi = rule_index(r->base, id);
    const char *what = rule_change(r->base, bi, r->reform, i);
    if (what && ++rows)
      rule_change_row(s, r, id, bi, i, what);
  }
  for (size_t i = 0; i < zjtx_policy_rule_count(r->base); i++) {
    const char *id = zjtx_policy_rule_id(r->base, i);
    if (rule_index(r->reform, id) == (size_t)-1 && ++rows)
      rule_change_row(s, r, id, i, (size_t)-1, rule_change(r->base, i, r->reform, (size_t)-1));
  }
  changes_foot(s, rows);
}

/* The derived value in use (not overridden) named `name` of `entity`. */
static size_t derived_in_use(const zjtx_policy *p, const char *entity, const char *name) {
  for (size_t i = 0; i < zjtx_policy_derived_count(p); i++)
    if (!zjtx_policy_derived_overridden_by(p, i) && g_strcmp0(zjtx_policy_derived_entity(p, i), entity) == 0 &&
        g_strcmp0(zjtx_policy_derived_name(p, i), name) == 0)
      return i;
  return (size_t)-1;
}

/* A derived value's expression as written, and the policy that wrote it. */
static void derived_cell(GString *s, const zjtx_policy *p, size_t i) {
  g_string_append(s, "<td>");
  if (i == (size_t)-1) {
    g_string_append(s, "—</td>");
    return;
  }
  g_string_append(s, "<code class=\"expr\">");
  sim_html_escape(s, zjtx_policy_derived_expr(p, i));
  g_string_append(s, "</code><br><span class=\"origin\">");
  sim_html_escape(s, zjtx_policy_derived_origin(p, i));
  g_string_append(s, "</span></td>");
}

/* Derived values the reform overrides or adds: what its rules compute
 * with, changed without a rule being touched. */
static void table_derived_changes(GString *s, const sim_report *r) {
  changes_head(s, "table-derived-changes", "派生值 Derived value");
  size_t rows = 0;
  for (size_t i = 0; i < zjtx_policy_derived_count(r->reform); i++) {
    const char *entity = zjtx_policy_derived_entity(r->reform, i), *name = zjtx_policy_derived_name(r->reform, i);
    size_t bi = derived_in_use(r->base, entity, name);
    if (zjtx_policy_derived_overridden_by(r->reform, i) ||
        (bi != (size_t)-1 &&
         g_strcmp0(zjtx_policy_derived_origin(r->base, bi), zjtx_policy_derived_origin(r->reform, i)) == 0))
      continue;
    rows++;
    g_string_append(s, "<tr><td>");
    sim_html_escape(s, zjtx_policy_derived_title(r->reform, i, "zh"));
    g_string_append(s, "<br><code>");
    if (entity) {
      sim_html_escape(s, entity);
      g_string_append_c(s, '.');
    }
    sim_html_escape(s, name);
    g_string_append_printf(s, "</code></td><td>%s</td>", bi == (size_t)-1 ? "新增 added" : "覆盖 overridden");
    derived_cell(s, r->base, bi);
    g_string_append(s, "<td class=\"arrow\">→</td>");
    derived_cell(s, r->reform, i);
    g_string_append(s, "</tr>\n");
  }
  changes_foot(s, rows);
}

void sim_page_reform_changes(GString *s, const sim_report *r, const sim_view *v) {
  g_string_append(s, "<section id=\"reform-changes\">\n<h2>改革内容 <span class=\"en\">What the reform "
                     "changes</span></h2>\n<h3>参数 <span class=\"en\">Parameters</span></h3>\n");
  table_param_changes(s, r, v);
  g_string_append(s, "<h3>规则与检查 <span class=\"en\">Rules and checks</span></h3>\n");
  table_rule_changes(s, r);
  g_string_append(s, "<h3>派生值 <span class=\"en\">Derived values</span></h3>\n");
  table_derived_changes(s, r);
  g_string_append(s, "</section>\n");
}

/* ---- the data source, the receipt, the signatures ----------------------------- */

static void policy_row(GString *s, const char *label, const zjtx_policy *p) {
  g_string_append_printf(s, "<tr><th>%s</th><td>", label);
  sim_html_escape(s, zjtx_policy_title(p, "zh"));
  g_string_append(s, "<br><code>");
  sim_html_escape(s, zjtx_policy_id(p));
  g_string_append(s, "</code> 版本 version <code>");
  sim_html_escape(s, zjtx_policy_version(p) ? zjtx_policy_version(p) : "—");
  g_string_append(s, "</code></td></tr>\n");
}

/* Read, accepted and refused records of every entity of the base. */
static void table_counts(GString *s, const sim_report *r, const zjtx_facts *facts) {
  g_string_append(s, "<table id=\"table-records\"><thead><tr><th>实体 Entity</th><th class=\"num\">读取 Read</th>"
                     "<th class=\"num\">接受 Accepted</th><th class=\"num\">拒绝 Refused</th></tr></thead>\n"
                     "<tbody>\n");
  for (size_t i = 0; i < zjtx_policy_entity_count(r->base); i++) {
    int64_t read = 0, accepted = 0, refused = 0;
    const char *name = zjtx_policy_entity_name(r->base, i);
    zjtx_facts_reconcile(facts, name, &read, &accepted, &refused);
    g_string_append(s, "<tr><td><code>");
    sim_html_escape(s, zjtx_policy_entity_plural(r->base, i));
    g_string_append_printf(s,
                           "</code></td><td class=\"num\">%" PRId64 "</td><td class=\"num\">%" PRId64
                           "</td><td class=\"num%s\">%" PRId64 "</td></tr>\n",
                           read, accepted, refused > 0 ? " down" : "", refused);
  }
  g_string_append(s, "</tbody></table>\n");
}

/* One run's receipt as table rows: the SHA-256 and SM3 of the policy as
 * evaluated, the facts as read and the results (docs/receipts.md); a
 * signer can have them recomputed with `zjtx verify-receipt`. */
static bool receipt_rows(GString *s, const char *run, const zjtx_result *res) {
  static const struct {
    zjtx_receipt_part part;
    const char *label;
  } parts[] = {
      {ZJTX_RECEIPT_POLICY, "政策 Policy"}, {ZJTX_RECEIPT_FACTS, "数据 Facts"}, {ZJTX_RECEIPT_RESULTS, "结果 Results"}};
  zjtx_receipt *rc = NULL;
  if (!res || zjtx_result_receipt(res, &rc, NULL) != ZJTX_OK)
    return false;
  for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
    g_string_append_printf(s, "<tr><th>%s</th><th>%s</th><td><code>%s</code></td><td><code>%s</code></td></tr>\n", run,
                           parts[i].label, zjtx_receipt_sha256(rc, parts[i].part), zjtx_receipt_sm3(rc, parts[i].part));
  zjtx_receipt_free(rc);
  return true;
}

static void page_receipt(GString *s, const sim_report *r, const sim_view *v) {
  (void)r;
  GString *rows = g_string_new(NULL);
  bool ok = receipt_rows(rows, "基线 Base", v->base_res) && receipt_rows(rows, "改革 Reform", v->reform_res);
  if (ok)
    g_string_append_printf(s,
                           "<table class=\"meta receipt\" id=\"table-receipt\"><caption>回执（哈希） Receipt "
                           "(hashes)</caption>\n<thead><tr><th>运行 Run</th><th>部分 Part</th><th>SHA-256</th>"
                           "<th>SM3</th></tr></thead><tbody>\n%s</tbody></table>\n",
                           rows->str);
  else
    g_string_append(s, "<p id=\"receipt\" class=\"none\">本次运行未生成回执（哈希）。 <span class=\"en\">No receipt "
                       "(hashes) was made for this run.</span></p>\n");
  g_string_free(rows, TRUE);
}

static void page_signatures(GString *s) {
  g_string_append(s, "<section id=\"signatures\">\n<h2>审核签字 <span class=\"en\">Review and signature</span>"
                     "</h2>\n<table class=\"sign\"><tbody>\n");
  static const char *const roles[] = {"经办人 Prepared by", "审核人 Reviewed by", "批准人 Approved by"};
  for (size_t i = 0; i < G_N_ELEMENTS(roles); i++)
    g_string_append_printf(s,
                           "<tr><th>%s</th><td class=\"line\"></td><th>日期 Date</th><td class=\"line date\"></td>"
                           "</tr>\n",
                           roles[i]);
  g_string_append(s, "</tbody></table>\n</section>\n");
}

void sim_page_source(GString *s, const sim_report *r, const sim_view *v) {
  g_string_append(s, "<section id=\"data-source\">\n<h2>数据来源与版本 <span class=\"en\">Data source and "
                     "versions</span></h2>\n<table class=\"meta\" id=\"table-source\">\n");
  g_string_append(s, "<tr><th>报告生成时间 Made</th><td id=\"made\">");
  sim_html_escape(s, v->made ? v->made : "—");
  g_string_append(s, "</td></tr>\n<tr><th>数据文件 Facts</th><td id=\"facts-path\"><code>");
  sim_html_escape(s, v->facts_path ? v->facts_path : "—");
  g_string_append(s, "</code></td></tr>\n");
  policy_row(s, "基准政策 Base", r->base);
  policy_row(s, "改革方案 Reform", r->reform);
  g_string_append_printf(s, "<tr><th>计算引擎 Engine</th><td id=\"engine\">zjtx %s</td></tr>\n</table>\n",
                         zjtx_version_string());
  if (v->facts) {
    g_string_append(s, "<h3>记录数 <span class=\"en\">Records</span></h3>\n");
    table_counts(s, r, v->facts);
  }
  page_receipt(s, r, v);
  g_string_append(s, "</section>\n");
  page_signatures(s);
}
