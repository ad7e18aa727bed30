/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-report-markup.c - what the HTML page of `zjtx simulate --report`
 * (cli-report-html.c) and its SVG charts (cli-report-svg.c) both write:
 * text escaped for markup, and the grouping entity's heading in Chinese.
 * Below both, so that neither calls the other back. */
#include <string.h>

#include "cli-report.h"

void sim_html_escape(GString *s, const char *text) {
  char *valid = g_utf8_make_valid(text ? text : "", -1);
  char *e = g_markup_escape_text(valid, -1);
  g_string_append(s, e);
  g_free(e);
  g_free(valid);
}

const char *sim_group_heading_zh(const char *by) {
  return strcmp(by, "county") == 0 ? "县区" : "分组";
}

void sim_html_named(GString *s, const char *name, const char *id) {
  if (name) {
    sim_html_escape(s, name);
    g_string_append(s, " <span class=\"key\">(");
    sim_html_escape(s, id);
    g_string_append(s, ")</span>");
  } else
    sim_html_escape(s, id);
}
