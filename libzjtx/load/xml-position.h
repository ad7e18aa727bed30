/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xml-position.h - lines and columns in XML text as written.  libxml2 gives
 * an element the line of its start tag but no column, and its content with
 * references replaced, CDATA unwrapped and CR LF folded; errors found in
 * that content are moved back to where they are in the file.  Internal. */
#ifndef ZJTX_XML_POSITION_H
#define ZJTX_XML_POSITION_H

#include <stdbool.h>
#include <stddef.h>

/* ---- scanning raw XML text ------------------------------------------------ */

/* Whether [q, end) starts with prefix. */
bool zxml_starts(const char *q, const char *end, const char *prefix);
/* Moves *q past the next `close` (or to end), counting line ends in *line. */
void zxml_skip_past(const char **q, const char *end, const char *close, int *line);
/* Where the content that starts at q ends: at the next tag, past comments,
 * CDATA sections and processing instructions. */
const char *zxml_content_end(const char *q, const char *end);
/* Moves line/col over the byte at q: columns count characters, not UTF-8
 * continuation bytes (as the expression parser does). */
void zxml_advance_pos(const char *q, int *line, int *col);

/* ---- a forward cursor over a document -------------------------------------- */

/* Elements are looked for in document order, and line and column are
 * counted on from the last position found, so a whole document costs time
 * linear in its size. */
typedef struct {
  const char *data;
  size_t len;
  size_t cursor;             /* end of the last element content found */
  size_t known_off;          /* a byte offset whose line and column are known */
  int known_line, known_col; /* (1-based) */
} zxml_cursor;

void zxml_cursor_init(zxml_cursor *c, const char *data, size_t len);

/* Finds the next start tag <name ...> after the cursor (outside comments,
 * CDATA and processing instructions); gives the line and column where its
 * content starts and that content as written (*raw, *raw_len: empty for
 * <name/>).  False, with nothing changed, when there is none. */
bool zxml_next_content(zxml_cursor *c, const char *name, int *line, int *col, const char **raw, size_t *raw_len);

/* Where the value of attribute `attr` of the first <element ...> of data
 * starts (just inside its quote).  False when it is not found. */
bool zxml_attribute_position(const char *data, size_t len, const char *element, const char *attr, int *line, int *col);

/* ---- errors in content that differs from the file ------------------------- */

/* `text` is the content libxml2 gave for `raw`, the content as written,
 * which starts in the file at start_line:start_col.  If *line:*col is a
 * position inside text (counted from the same start), moves it to the same
 * place in the file and returns true; otherwise returns false. */
bool zxml_remap_position(const char *text, const char *raw, int start_line, int start_col, int *line, int *col);

#endif
