/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-output.c - the formats `zjtx evaluate` writes: JSON, JSON lines, CSV
 * and a table. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "format.h"

/* "enterprise/9132.../rd_expense_prev; ...": the missing inputs on one line (CSV, table). */
static char *missing_text(const zjtx_result *res, size_t i) {
  GString *s = g_string_new(NULL);
  for (size_t j = 0; j < zjtx_result_undecided_missing_count(res, i); j++)
    g_string_append_printf(s, "%s%s/%s/%s", j ? "; " : "", zjtx_result_undecided_missing_entity(res, i, j),
                           zjtx_result_undecided_missing_id(res, i, j), zjtx_result_undecided_missing_field(res, i, j));
  if (zjtx_result_undecided_missing_more(res, i))
    g_string_append(s, "; ...");
  return g_string_free(s, FALSE);
}

/* The library's JSON of the result (zjtx_result_to_json: one writer for the
 * command and the bindings), with `members` added before its closing brace. */
static bool write_library_json(FILE *out, const zjtx_result *res, int flags, const char *members) {
  char *json = NULL;
  zjtx_error *err = NULL;
  if (zjtx_result_to_json(res, flags, &json, &err) != ZJTX_OK) {
    cli_report_error("cannot explain", err);
    return false;
  }
  size_t len = strlen(json);
  if (members && len >= 2) /* the object ends "}\n" */
    fprintf(out, "%.*s,\n %s}\n", (int)(len - 2), json, members);
  else
    fwrite(json, 1, len, out);
  zjtx_free(json);
  return true;
}

bool cli_write_json(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain) {
  return cli_write_json_with(out, policy, res, explain, NULL);
}

bool cli_write_json_with(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain,
                         const char *members) {
  (void)policy; /* the result names its policy */
  return write_library_json(out, res, explain ? ZJTX_JSON_EXPLAIN : 0, members);
}

bool cli_write_jsonl(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain) {
  (void)policy;
  return write_library_json(out, res, ZJTX_JSON_LINES | (explain ? ZJTX_JSON_EXPLAIN : 0), NULL);
}

void cli_csv_field(FILE *out, const char *s, bool last) {
  s = s ? s : "";
  if (strpbrk(s, ",\"\r\n")) {
    fputc('"', out);
    for (; *s; s++) {
      if (*s == '"')
        fputc('"', out);
      fputc(*s, out);
    }
    fputc('"', out);
  } else {
    fputs(s, out);
  }
  fputs(last ? "\r\n" : ",", out);
}

/* The CSV of a result is formatted into one buffer written out in large
 * pieces: a call to stdio per field cost a tenth of a batch run, and a
 * GString call per character most of the rest. */
typedef struct {
  FILE *out; /* NULL: the buffer grows instead (a slice formatted on its own thread) */
  char *buf;
  size_t len, cap;
} csv_writer;

static void csv_flush(csv_writer *w) {
  fwrite(w->buf, 1, w->len, w->out);
  w->len = 0;
}

/* Room for n more bytes. */
static char *csv_room(csv_writer *w, size_t n) {
  if (w->len + n > w->cap) {
    if (w->out)
      csv_flush(w);
    if (w->len + n > w->cap) {
      w->cap = MAX(w->len + n, 2 * w->cap);
      w->buf = g_realloc(w->buf, w->cap);
    }
  }
  return w->buf + w->len;
}

static void csv_bytes(csv_writer *w, const char *s, size_t n) {
  memcpy(csv_room(w, n), s, n);
  w->len += n;
}

/* Text written as it is (commas and all). */
static void csv_text(csv_writer *w, const char *s) {
  csv_bytes(w, s, strlen(s));
}

/* One field (RFC 4180: quoted when it holds a comma, quote or line break),
 * then a comma or, for the last, the end of the row. */
static void csv_put(csv_writer *w, const char *s, bool last) {
  s = s ? s : "";
  size_t n = strcspn(s, ",\"\r\n");
  if (s[n] == '\0') {
    csv_bytes(w, s, n);
  } else {
    n += strlen(s + n);
    char *p = csv_room(w, 2 * n + 2), *start = p; /* every byte a quote at worst */
    *p++ = '"';
    for (; *s; s++) {
      if (*s == '"')
        *p++ = '"';
      *p++ = *s;
    }
    *p++ = '"';
    w->len += (size_t)(p - start);
  }
  csv_bytes(w, last ? "\r\n" : ",", last ? 2 : 1);
}

static void csv_put_int(csv_writer *w, int64_t v) {
  char digits[24], *p = digits + sizeof digits;
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  *--p = ',';
  do {
    *--p = (char)('0' + mag % 10);
    mag /= 10;
  } while (mag);
  if (v < 0)
    *--p = '-';
  csv_bytes(w, p, (size_t)(digits + sizeof digits - p));
}

/* Entitlements [from, to) as CSV rows. */
static void csv_entitlements(csv_writer *w, const zjtx_result *res, size_t from, size_t to) {
  char amount[ZFMT_FEN_BUFSZ];
  for (size_t i = from; i < to; i++) {
    csv_text(w, "entitlement,");
    csv_put(w, zjtx_result_entitlement_rule(res, i), false);
    csv_put(w, zjtx_result_entitlement_entity(res, i), false);
    csv_put(w, zjtx_result_entitlement_id(res, i), false);
    int64_t fen = zjtx_result_entitlement_fen(res, i);
    csv_put(w, zfmt_fen(fen, amount), false); /* zjtx_result_entitlement_amount's text, without keeping it */
    csv_put_int(w, fen);
    csv_put(w, "", true);
  }
}

/* Below this many entitlements the rows are formatted on one thread;
 * ZJTX_CSV_SLICE_MIN overrides it (tests: slices of a small result). */
static size_t csv_parallel_min(void) {
  const char *s = g_getenv("ZJTX_CSV_SLICE_MIN");
  return s && *s ? (size_t)g_ascii_strtoull(s, NULL, 10) : 32768;
}

typedef struct {
  const zjtx_result *res;
  size_t from, to;
  csv_writer w;
} csv_slice;

static gpointer csv_slice_run(gpointer data) {
  csv_slice *s = data;
  csv_entitlements(&s->w, s->res, s->from, s->to);
  return NULL;
}

/* Rows formatted at once, at most: the slices' buffers stay a few MB
 * whatever the size of the result. */
#define CSV_ROUND_ROWS 65536

/* The entitlements of a large result formatted in slices, each on its own
 * thread into its own buffer, and written in order, a round of rows at a
 * time: the same bytes as one thread writes.  One slice per processor,
 * at most 8. */
static void csv_entitlements_parallel(csv_writer *w, const zjtx_result *res) {
  size_t n = zjtx_result_entitlement_count(res);
  int k = (int)MIN(g_get_num_processors(), 8u);
  if (k < 2 || n < csv_parallel_min() || n < (size_t)k) {
    csv_entitlements(w, res, 0, n);
    return;
  }
  csv_slice *slices = g_new0(csv_slice, (gsize)k);
  GThread **running = g_new0(GThread *, (gsize)k);
  for (int j = 0; j < k; j++) {
    slices[j] = (csv_slice){res, 0, 0, {NULL, NULL, 0, 0}};
    slices[j].w.cap = 64 * (CSV_ROUND_ROWS / (size_t)k) + 64; /* rows are about 60 bytes */
    slices[j].w.buf = g_malloc(slices[j].w.cap);
  }
  for (size_t from = 0; from < n; from += CSV_ROUND_ROWS) {
    size_t rows = MIN((size_t)CSV_ROUND_ROWS, n - from);
    for (int j = 0; j < k; j++) {
      slices[j].from = from + rows * (size_t)j / (size_t)k;
      slices[j].to = from + rows * (size_t)(j + 1) / (size_t)k;
      slices[j].w.len = 0;
      running[j] = NULL;
      if (j > 0) /* a slice whose thread cannot start is formatted here, below */
        running[j] = g_thread_try_new("zjtx-csv-out", csv_slice_run, &slices[j], NULL);
    }
    csv_slice_run(&slices[0]); /* the first on this thread */
    for (int j = 0; j < k; j++) {
      if (running[j])
        g_thread_join(running[j]);
      else if (j > 0)
        csv_slice_run(&slices[j]);
      csv_bytes(w, slices[j].w.buf, slices[j].w.len);
    }
  }
  for (int j = 0; j < k; j++)
    g_free(slices[j].w.buf);
  g_free(running);
  g_free(slices);
}

/* Violations have no amount; their check goes in the `rule` column.  An
 * undecided item's missing inputs go in `missing`. */
bool cli_write_csv(FILE *out, const zjtx_policy *policy, const zjtx_result *res, bool explain) {
  (void)policy;  /* the same signature as the other formats */
  (void)explain; /* refused before evaluating: no place for it in CSV */
  csv_writer w = {out, g_malloc(1 << 17), 0, 1 << 17};
  csv_text(&w, "type,rule,beneficiary,id,amount,fen,missing\r\n");
  csv_entitlements_parallel(&w, res);
  for (size_t i = 0; i < zjtx_result_violation_count(res); i++) {
    csv_text(&w, "violation,");
    csv_put(&w, zjtx_result_violation_check(res, i), false);
    csv_put(&w, zjtx_result_violation_entity(res, i), false);
    csv_put(&w, zjtx_result_violation_id(res, i), false);
    csv_text(&w, ",,");
    csv_put(&w, "", true);
  }
  for (size_t i = 0; i < zjtx_result_undecided_count(res); i++) {
    g_autofree char *missing = missing_text(res, i);
    csv_text(&w, "undecided,");
    csv_put(&w, zjtx_result_undecided_rule(res, i), false);
    csv_put(&w, zjtx_result_undecided_entity(res, i), false);
    csv_put(&w, zjtx_result_undecided_id(res, i), false);
    csv_text(&w, ",,");
    csv_put(&w, missing, true);
  }
  csv_flush(&w);
  g_free(w.buf);
  return true;
}

static size_t rule_index(const zjtx_policy *p, const char *id) {
  for (size_t r = 0; r < zjtx_policy_rule_count(p); r++)
    if (strcmp(zjtx_policy_rule_id(p, r), id) == 0)
      return r;
  return 0;
}

static void print_explanation(FILE *out, const zjtx_result *res, size_t i, bool violation) {
  zjtx_explanation *ex = NULL;
  zjtx_status st =
      violation ? zjtx_result_explain_violation(res, i, &ex, NULL) : zjtx_result_explain_entitlement(res, i, &ex, NULL);
  if (st != ZJTX_OK)
    return;
  char *said = zjtx_explanation_to_sentences(ex, "zh");
  char *tree = zjtx_explanation_to_text(ex);
  char *text = g_strconcat(said ? said : "", tree, NULL);
  zjtx_free(said);
  zjtx_free(tree);
  gchar **lines = g_strsplit(text, "\n", -1);
  for (gchar **l = lines; *l && **l; l++) {
    g_autofree char *line = cli_printable(*l);
    fprintf(out, "      | %s\n", line);
  }
  g_strfreev(lines);
  g_free(text);
  zjtx_explanation_free(ex);
}

bool cli_write_table(FILE *out, const zjtx_policy *p, const zjtx_result *res, bool explain) {
  fprintf(out, "%s\n", zjtx_policy_title(p, "zh"));
  fprintf(out, "期间 Period %s   政策 Policy %s\n\n", zjtx_result_period(res), zjtx_policy_id(p));
  size_t n = zjtx_result_entitlement_count(res);
  int64_t grand = 0;
  size_t i = 0;
  fprintf(out, "奖补 Entitlements\n");
  while (i < n) {
    const char *rule = zjtx_result_entitlement_rule(res, i);
    size_t r = rule_index(p, rule);
    fprintf(out, "\n  %s  (%s, 条款 %s)\n", zjtx_policy_rule_title(p, r, "zh"), rule,
            zjtx_policy_rule_clause(p, r) ? zjtx_policy_rule_clause(p, r) : "-");
    int64_t subtotal = 0;
    size_t count = 0;
    for (; i < n && strcmp(zjtx_result_entitlement_rule(res, i), rule) == 0; i++, count++) {
      int64_t fen = zjtx_result_entitlement_fen(res, i);
      char amount[ZFMT_FEN_BUFSZ];
      g_autofree char *id = cli_printable(zjtx_result_entitlement_id(res, i));
      fprintf(out, "    %-10s %-24s %20s\n", zjtx_result_entitlement_entity(res, i), id, zfmt_fen_grouped(fen, amount));
      if (explain)
        print_explanation(out, res, i, false);
      subtotal += fen;
    }
    char total[ZFMT_FEN_BUFSZ], label[64];
    g_snprintf(label, sizeof label, "小计 Subtotal (%zu)", count);
    fprintf(out, "    %-35s %20s\n", label, zfmt_fen_grouped(subtotal, total));
    grand += subtotal;
  }
  if (n == 0)
    fprintf(out, "  (none)\n");
  char total[ZFMT_FEN_BUFSZ];
  fprintf(out, "\n  合计 Total (%zu entitlements)%*s%20s\n", n, 7, "", zfmt_fen_grouped(grand, total));
  size_t v = zjtx_result_violation_count(res);
  fprintf(out, "\n合规检查 Violations (%zu)\n", v);
  for (size_t k = 0; k < v; k++) {
    const char *check = zjtx_result_violation_check(res, k);
    size_t r = rule_index(p, check);
    g_autofree char *id = cli_printable(zjtx_result_violation_id(res, k));
    fprintf(out, "  %-26s %-10s %-24s %s\n", check, zjtx_result_violation_entity(res, k), id,
            zjtx_policy_rule_title(p, r, "zh"));
    if (explain)
      print_explanation(out, res, k, true);
  }
  size_t u = zjtx_result_undecided_count(res);
  fprintf(out, "\n待定 Undecided: data missing (%zu)\n", u);
  for (size_t k = 0; k < u; k++) {
    g_autofree char *id = cli_printable(zjtx_result_undecided_id(res, k));
    g_autofree char *missing = missing_text(res, k);
    g_autofree char *shown = cli_printable(missing);
    fprintf(out, "  %-26s %-10s %-24s 缺 missing: %s\n", zjtx_result_undecided_rule(res, k),
            zjtx_result_undecided_entity(res, k), id, shown);
  }
  return true;
}
