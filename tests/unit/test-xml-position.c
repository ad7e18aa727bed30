/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-xml-position.c - lines and columns in XML text as written
 * (libzjtx/load/xml-position.c): where an element's content starts, where an
 * attribute's value starts, and errors in content that libxml2 rewrote
 * (&lt;, CDATA) moved back to the file.  Columns count characters from 1;
 * each expected position is counted by hand in the comment beside it. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "xml-position.h"
#include "test-util.h"

typedef struct {
  int line, col;
  char *raw;
} found;

static bool next(zxml_cursor *c, const char *name, found *f) {
  const char *raw = NULL;
  size_t len = 0;
  g_free(f->raw);
  f->raw = NULL;
  if (!zxml_next_content(c, name, &f->line, &f->col, &raw, &len))
    return false;
  f->raw = g_strndup(raw, len);
  return true;
}

START_TEST(content_positions_in_order) {
  const char *xml = "<a>\n  <expr>x + 1</expr><expr>y</expr>\n</a>\n";
  zxml_cursor c;
  zxml_cursor_init(&c, xml, strlen(xml));
  found f = {0};
  /* line 2: two spaces and <expr> are 8 characters: x is at column 9 */
  ck_assert(next(&c, "expr", &f));
  ck_assert_int_eq(f.line, 2);
  ck_assert_int_eq(f.col, 9);
  ck_assert_str_eq(f.raw, "x + 1");
  /* "  <expr>x + 1</expr><expr>" is 2 + 6 + 5 + 7 + 6 = 26 characters */
  ck_assert(next(&c, "expr", &f));
  ck_assert_int_eq(f.line, 2);
  ck_assert_int_eq(f.col, 27);
  ck_assert_str_eq(f.raw, "y");
  ck_assert(!next(&c, "expr", &f));
  g_free(f.raw);
}
END_TEST

START_TEST(content_skips_markup) {
  static const struct {
    const char *xml;
    int col;         /* of the content, 0: not checked */
    const char *raw; /* the content, NULL: not checked */
  } cases[] = {
      /* a start tag inside a comment is no start tag: "<a>" 3 + the comment 24
       * + "<expr>" 6 = 33 characters before z */
      {"<a><!-- <expr>no</expr> --><expr>z</expr></a>", 34, "z"},
      /* a '>' inside a quoted attribute value does not end the tag:
       * <expr a="x>y"> is 14 characters */
      {"<expr a=\"x>y\">v</expr>", 15, "v"},
      /* <exprs> is another element; <expr/> has empty content */
      {"<exprs>q</exprs><expr/>", 24, ""},
      /* columns count characters, not bytes: <a> 3 + 中 1 + <expr> 6 = 10 */
      {"<a>\xE4\xB8\xAD<expr>v</expr></a>", 11, NULL},
      /* content that holds a CDATA section runs to the next tag past it */
      {"<expr><![CDATA[a<b]]> + c</expr>", 0, "<![CDATA[a<b]]> + c"},
  };
  zxml_cursor c;
  found f = {0};
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    zxml_cursor_init(&c, cases[i].xml, strlen(cases[i].xml));
    ck_assert(next(&c, "expr", &f));
    if (cases[i].col)
      ck_assert_int_eq(f.col, cases[i].col);
    if (cases[i].raw)
      ck_assert_str_eq(f.raw, cases[i].raw);
  }
  g_free(f.raw);
}
END_TEST

START_TEST(attribute_positions) {
  int line = 0, col = 0;
  /* line 3: three spaces and extends=" are 12 characters */
  const char *xml = "<?xml version=\"1.0\"?>\n<policy id=\"p\"\n   extends=\"../x.xml\">";
  ck_assert(zxml_attribute_position(xml, strlen(xml), "policy", "extends", &line, &col));
  ck_assert_int_eq(line, 3);
  ck_assert_int_eq(col, 13);
  /* neither xextends= nor a quoted "extends=" is the attribute:
   * <policy (8) xextends="a" (12) space (1) extends=" (9): b at 31 */
  xml = "<policy xextends=\"a\" extends=\"b\">";
  ck_assert(zxml_attribute_position(xml, strlen(xml), "policy", "extends", &line, &col));
  ck_assert_int_eq(line, 1);
  ck_assert_int_eq(col, 31);
  xml = "<policy id=\"extends=\">";
  ck_assert(!zxml_attribute_position(xml, strlen(xml), "policy", "extends", &line, &col));
  ck_assert(!zxml_attribute_position("", 0, "policy", "extends", &line, &col));
}
END_TEST

START_TEST(remap_references_and_cdata) {
  /* text "a < b" from "a &lt; b" at 1:1: b is column 5 of the text and
   * column 8 of the file (a, space, &lt; is 4, space) */
  int line = 1, col = 5;
  ck_assert(zxml_remap_position("a < b", "a &lt; b", 1, 1, &line, &col));
  ck_assert_int_eq(line, 1);
  ck_assert_int_eq(col, 8);
  /* text "x<y" from a CDATA section starting at 4:10: y is column 12 of the
   * text and 9 + 2 columns further in the file (<![CDATA[ is 9) */
  line = 4;
  col = 12;
  ck_assert(zxml_remap_position("x<y", "<![CDATA[x<y]]>", 4, 10, &line, &col));
  ck_assert_int_eq(line, 4);
  ck_assert_int_eq(col, 21);
  /* CR LF is one line end of the text: z on text line 3 column 1 is on
   * file line 3 column 1; after "&amp;" on the line before */
  line = 3;
  col = 2;
  ck_assert(zxml_remap_position("&\nzz", "&amp;\r\nzz", 2, 5, &line, &col));
  ck_assert_int_eq(line, 3);
  ck_assert_int_eq(col, 2);
  line = 2;
  col = 6;
  ck_assert(zxml_remap_position("&\nzz", "&amp;\r\nzz", 2, 5, &line, &col));
  ck_assert_int_eq(line, 2);
  ck_assert_int_eq(col, 10); /* the line end after &amp; (5 characters from 5) */
  /* before the text or after it: not this text's, left alone */
  line = 1;
  col = 4;
  ck_assert(!zxml_remap_position("a < b", "a &lt; b", 1, 5, &line, &col));
  ck_assert_int_eq(col, 4);
  line = 1;
  col = 11;
  ck_assert(!zxml_remap_position("a < b", "a &lt; b", 1, 5, &line, &col));
  ck_assert_int_eq(col, 11);
}
END_TEST

int main(void) {
  Suite *s = suite_create("xml-position");
  TCase *tc = tcase_create("positions");
  tcase_add_test(tc, content_positions_in_order);
  tcase_add_test(tc, content_skips_markup);
  tcase_add_test(tc, attribute_positions);
  tcase_add_test(tc, remap_references_and_cdata);
  suite_add_tcase(s, tc);
  return ztest_run_suite(s);
}
