/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xml-position.c - lines and columns in XML text as written (see the header). */
#include "xml-position.h"

#include <glib.h>
#include <string.h>

bool zxml_starts(const char *q, const char *end, const char *prefix) {
  size_t n = strlen(prefix);
  return (size_t)(end - q) >= n && memcmp(q, prefix, n) == 0;
}

void zxml_skip_past(const char **q, const char *end, const char *close, int *line) {
  for (; *q < end; (*q)++) {
    if (zxml_starts(*q, end, close)) {
      *q += strlen(close);
      return;
    }
    if (**q == '\n')
      (*line)++;
  }
}

/* Skips a comment, CDATA section or processing instruction at *q, if there
 * is one there. */
static bool skip_non_element(const char **q, const char *end, int *line) {
  if (zxml_starts(*q, end, "<!--"))
    zxml_skip_past(q, end, "-->", line);
  else if (zxml_starts(*q, end, "<![CDATA["))
    zxml_skip_past(q, end, "]]>", line);
  else if (zxml_starts(*q, end, "<?"))
    zxml_skip_past(q, end, "?>", line);
  else
    return false;
  return true;
}

const char *zxml_content_end(const char *q, const char *end) {
  int lines = 0;
  while (q < end) {
    if (skip_non_element(&q, end, &lines))
      continue;
    if (*q == '<')
      return q;
    q++;
  }
  return end;
}

void zxml_advance_pos(const char *q, int *line, int *col) {
  if (*q == '\n') {
    (*line)++;
    *col = 1;
  } else if (((unsigned char)*q & 0xC0) != 0x80) {
    (*col)++;
  }
}

void zxml_cursor_init(zxml_cursor *c, const char *data, size_t len) {
  *c = (zxml_cursor){.data = data, .len = len, .known_line = 1, .known_col = 1};
}

static bool xml_name_char(char c) {
  return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
}

/* The next start tag <name after q, or NULL. */
static const char *find_start_tag(const char *q, const char *end, const char *name) {
  size_t nlen = strlen(name);
  int ignored = 0;
  while (q < end) {
    if (*q != '<')
      q++;
    else if (skip_non_element(&q, end, &ignored))
      continue;
    else if ((size_t)(end - q) > nlen + 1 && memcmp(q + 1, name, nlen) == 0 && !xml_name_char(q[1 + nlen]))
      return q;
    else
      q++;
  }
  return NULL;
}

/* The '>' that ends the start tag whose attributes start at q (quoted
 * attribute values may hold '>'), or NULL. */
static const char *tag_end(const char *q, const char *end) {
  char quote = 0;
  for (; q < end; q++) {
    if (quote)
      quote = *q == quote ? 0 : quote;
    else if (*q == '"' || *q == '\'')
      quote = *q;
    else if (*q == '>')
      return q;
  }
  return NULL;
}

/* Line and column of byte offset off >= the cursor's known offset. */
static void position_at(zxml_cursor *c, size_t off, int *line, int *col) {
  int l = c->known_line, k = c->known_col;
  for (const char *q = c->data + c->known_off; q < c->data + off; q++)
    zxml_advance_pos(q, &l, &k);
  c->known_off = off;
  c->known_line = *line = l;
  c->known_col = *col = k;
}

bool zxml_next_content(zxml_cursor *c, const char *name, int *line, int *col, const char **raw, size_t *raw_len) {
  const char *end = c->data + c->len;
  const char *t = find_start_tag(c->data + c->cursor, end, name);
  const char *gt = t ? tag_end(t + 1 + strlen(name), end) : NULL;
  if (!gt)
    return false;
  const char *start = gt + 1, *stop = gt[-1] == '/' ? start : zxml_content_end(start, end);
  position_at(c, (size_t)(start - c->data), line, col);
  c->cursor = (size_t)(stop - c->data);
  *raw = start;
  *raw_len = (size_t)(stop - start);
  return true;
}

bool zxml_attribute_position(const char *data, size_t len, const char *element, const char *attr, int *line, int *col) {
  const char *end = data + len, *t = find_start_tag(data, end, element);
  const char *gt = t ? tag_end(t + 1 + strlen(element), end) : NULL;
  size_t alen = strlen(attr);
  char quote = 0;
  for (const char *q = t ? t + 1 + strlen(element) : end; q && q < gt; q++) {
    if (quote) {
      quote = *q == quote ? 0 : quote;
    } else if (*q == '"' || *q == '\'') {
      quote = *q;
    } else if (!xml_name_char(q[-1]) && (size_t)(gt - q) > alen && memcmp(q, attr, alen) == 0 &&
               !xml_name_char(q[alen])) {
      const char *v = q + alen;
      while (v < gt && *v != '"' && *v != '\'')
        v++;
      if (v >= gt)
        return false;
      zxml_cursor c;
      zxml_cursor_init(&c, data, len);
      position_at(&c, (size_t)(v + 1 - data), line, col);
      return true;
    }
  }
  return false;
}

/* ---- errors in content that differs from the file ------------------------- */

/* Moves *q (and the file position) past what is not content: comments,
 * processing instructions, CDATA markers. */
static void skip_markup(const char **q, const char *end, bool *cdata, int *line, int *col) {
  for (;;) {
    const char *before = *q;
    int ignored = 0;
    if (!*cdata && zxml_starts(*q, end, "<!--"))
      zxml_skip_past(q, end, "-->", &ignored);
    else if (!*cdata && zxml_starts(*q, end, "<?"))
      zxml_skip_past(q, end, "?>", &ignored);
    else if (!*cdata && zxml_starts(*q, end, "<![CDATA[")) {
      *q += 9;
      *cdata = true;
    } else if (*cdata && zxml_starts(*q, end, "]]>")) {
      *q += 3;
      *cdata = false;
    } else {
      return;
    }
    for (const char *p = before; p < *q; p++)
      zxml_advance_pos(p, line, col);
  }
}

/* Moves *q (and the file position) over one character of content as written:
 * a character, a reference (&lt; &#x27;) or a line end (CR LF, CR, LF).
 * Returns whether that character is a line end of the content. */
static bool content_char(const char **q, const char *end, bool cdata, int *line, int *col) {
  const char *c = *q, *semi = NULL;
  if (!cdata && *c == '&' && (semi = memchr(c, ';', (size_t)(end - c)))) {
    *q = semi + 1;
    for (const char *p = c; p < *q; p++)
      zxml_advance_pos(p, line, col);
    return zxml_starts(c, end, "&#10;") || zxml_starts(c, end, "&#xA;") || zxml_starts(c, end, "&#xa;");
  }
  if (*c == '\r' || *c == '\n') {
    *q += zxml_starts(c, end, "\r\n") ? 2 : 1;
    zxml_advance_pos("\n", line, col);
    return true;
  }
  *q = MIN(g_utf8_next_char(c), end);
  zxml_advance_pos(c, line, col);
  return false;
}

static int pos_cmp(int l1, int c1, int l2, int c2) {
  return l1 != l2 ? (l1 > l2) - (l1 < l2) : (c1 > c2) - (c1 < c2);
}

bool zxml_remap_position(const char *text, const char *raw, int start_line, int start_col, int *line, int *col) {
  if (pos_cmp(*line, *col, start_line, start_col) < 0)
    return false;
  int tl = start_line, tc = start_col; /* in the text */
  for (const char *q = text; *q; q++)
    zxml_advance_pos(q, &tl, &tc);
  if (pos_cmp(*line, *col, tl, tc) > 0)
    return false; /* after this text */
  const char *q = raw, *end = q + strlen(q);
  bool cdata = false;
  int rl = start_line, rc = start_col; /* in the file */
  tl = start_line;
  tc = start_col;
  for (;;) {
    skip_markup(&q, end, &cdata, &rl, &rc);
    if (tl == *line && tc == *col) {
      *line = rl;
      *col = rc;
      return true;
    }
    if (q >= end)
      return true; /* inside the text, though not at a character of it */
    if (content_char(&q, end, cdata, &rl, &rc)) {
      tl++;
      tc = 1;
    } else {
      tc++;
    }
  }
}
