/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-json.c - the JSON carrier of facts: one document, children nested under their parent, read as a stream.
 *
 * Two passes over the bytes, and never a tree of the document:
 *   1. facts-json-scan.c checks the whole document (grammar, lexing, UTF-8,
 *      limits) and notes where each member of the top object stands;
 *   2. YAJL reads each array of records as events.  One top-level record
 *      (with the children nested in it) is gathered into a small tree of
 *      its own, reused from record to record, and handed to the facts
 *      store when it ends: its id may come after its fields and its
 *      children, and its problems are reported in the order of its members. */
#define _DEFAULT_SOURCE /* madvise */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "facts-json-load.h"

/* The line of data[offset]: counted forward from the last one asked. */
static int line_of(zjson_load *ld, size_t offset) {
  if (offset < ld->line_at) {
    ld->line_at = 0;
    ld->line = 1;
  }
  const char *p = ld->data + ld->line_at, *end = ld->data + offset;
  while ((p = memchr(p, '\n', (size_t)(end - p)))) {
    ld->line++;
    p++;
  }
  ld->line_at = offset;
  return ld->line;
}

/* A file read whole gives back its pages once this much of it has become
 * records: the document and the columns it fills are then not held in
 * memory together (1,000,000 enterprises are ~360 MB of JSON). */
enum { RELEASE_STEP = 8 << 20 };

/* Gives the whole pages of data[released, upto) back to the system: read
 * and turned into records, they are never looked at again (the members of
 * the top object are read in the order they are written: releasable says
 * so).  Anonymous memory given back reads as zeros if touched. */
static void release_read(zjson_load *ld, size_t upto) {
#ifdef MADV_DONTNEED
  if (!ld->releasable || upto < ld->released + RELEASE_STEP)
    return;
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t from = ((uintptr_t)(ld->data + ld->released) + page - 1) & ~(page - 1);
  uintptr_t to = (uintptr_t)(ld->data + upto) & ~(page - 1);
  if (to <= from)
    return;
  /* the lines are counted first; if the cursor is past `to` already (at
   * the '{' of the next record), they were: counting again would start
   * from the beginning, through pages given back */
  if ((size_t)(to - (uintptr_t)ld->data) > ld->line_at)
    (void)line_of(ld, (size_t)(to - (uintptr_t)ld->data));
  if (madvise((void *)from, to - from, MADV_DONTNEED) == 0)
    ld->released = (size_t)(to - (uintptr_t)ld->data);
#else
  (void)ld;
  (void)upto;
#endif
}

/* ---- the stream: YAJL's events into the record's tree ------------------------ */

static zframe *innermost(zjson_load *ld) {
  return ld->frames->len ? &g_array_index(ld->frames, zframe, ld->frames->len - 1) : NULL;
}

/* A new value in the innermost container (or the record itself). */
static int32_t add_node(zjson_load *ld, znode_kind kind, const char *text) {
  zframe *f = innermost(ld);
  int32_t at;
  if (ld->replace >= 0) { /* json-glib kept the first place and the last value */
    at = ld->replace;
    znode *n = &g_array_index(ld->nodes, znode, at);
    n->kind = kind;
    n->text = text;
    n->first = -1;
    n->twice = NULL;
    ld->replace = -1;
    return at;
  }
  znode n = {kind, 0, ld->key, ld->key_len, text, -1, -1, NULL, ld->key ? ld->means : ZMAP_UNKNOWN};
  at = (int32_t)ld->nodes->len;
  g_array_append_val(ld->nodes, n);
  if (f && f->last >= 0)
    g_array_index(ld->nodes, znode, f->last).next = at;
  else if (f)
    g_array_index(ld->nodes, znode, f->node).first = at;
  if (f)
    f->last = at;
  ld->key = NULL;
  return at;
}

/* The entity of the records a new container (node `at`) holds or is:
 * the top-level record, an array of children, or a child record. */
static int32_t container_entity(zjson_load *ld, const zframe *parent, int32_t at) {
  const znode *n = zjson_node(ld, at);
  if (!parent)
    return ld->entity;
  if (n->kind == N_ARRAY && n->key && n->means <= CHILD_BASE)
    return CHILD_BASE - n->means;
  if (n->kind == N_OBJECT && !n->key && zjson_node(ld, parent->node)->kind == N_ARRAY)
    return parent->entity;
  return -1;
}

static void open_node(zjson_load *ld, znode_kind kind) {
  if (ld->frames->len == 0)
    ld->root = (int32_t)ld->nodes->len;
  int32_t at = add_node(ld, kind, NULL);
  if (kind == N_OBJECT) /* the '{' was the last byte YAJL read */
    g_array_index(ld->nodes, znode, at).line =
        line_of(ld, ld->yajl ? ld->base + yajl_get_bytes_consumed(ld->yajl) - 1 : ld->token_at);
  zframe f = {at, -1, 0, NULL, container_entity(ld, innermost(ld), at), 0};
  g_array_append_val(ld->frames, f);
}

/* The element ld->index of the array is a whole record: load it, and
 * clear the tree for the next one. */
static void record_done(zjson_load *ld) {
  if (ld->entries) { /* read ahead: loaded later, in order */
    zjson_entry en = {ld->root, ld->index++};
    g_array_append_val(ld->entries, en);
    return;
  }
  char buf[256];
  g_autofree char *heap = NULL;
  const char *at = zjson_element_path(buf, sizeof buf, ld->array_key, ld->index++, &heap);
  zjson_load_record(ld, ld->entity, zjson_node(ld, 0), NULL, at);
  g_array_set_size(ld->nodes, 0);
  g_string_chunk_clear(ld->texts);
  release_read(ld, ld->base + yajl_get_bytes_consumed(ld->yajl));
}

static void close_node(zjson_load *ld) {
  zframe *f = innermost(ld);
  if (f->names)
    g_hash_table_unref(f->names);
  g_array_set_size(ld->frames, ld->frames->len - 1);
  if (ld->frames->len == 0)
    record_done(ld);
}

/* The array's own '[' and elements that are no record (skipped whole):
 * true when the event is not part of a record's tree. */
static bool outside_record(zjson_load *ld, bool opens, bool closes) {
  if (ld->frames->len > 0)
    return false;
  if (!ld->started) {
    ld->started = true;
    return true;
  }
  if (ld->skip > 0) {
    ld->skip += opens ? 1 : closes ? -1 : 0;
    if (ld->skip == 0)
      ld->index++;
    return true;
  }
  if (closes) /* the array's ']' */
    return true;
  if (!ld->entries && zfacts_stopped(ld->facts, ld->entity)) { /* read ahead: told when loaded */
    ld->skip = opens ? 1 : 0;
    ld->index += opens ? 0 : 1;
    return true;
  }
  return false;
}

/* An element that is not an object: refused where it stands. */
static bool element_not_object(zjson_load *ld, bool opens) {
  if (ld->frames->len > 0)
    return false;
  if (ld->entries) {
    zjson_entry en = {-1, ld->index};
    g_array_append_val(ld->entries, en);
  } else {
    g_autofree char *at = g_strdup_printf("%s[%u]", ld->array_key, ld->index);
    zjson_not_a_record(ld, ld->entity, at, ld->top_line);
  }
  if (opens)
    ld->skip = 1;
  else
    ld->index++;
  return true;
}

static int scalar_event(zjson_load *ld, znode_kind kind, const char *text, size_t len) {
  if (outside_record(ld, false, false) || element_not_object(ld, false))
    return 1;
  add_node(ld, kind, text ? g_string_chunk_insert_len(ld->texts, text, (gssize)len) : NULL);
  return 1;
}

static int on_null(void *ctx) {
  return scalar_event(ctx, N_NULL, NULL, 0);
}

static int on_boolean(void *ctx, int b) {
  return scalar_event(ctx, b ? N_TRUE : N_FALSE, NULL, 0);
}

/* Numbers keep the text they were written with: an amount never passes
 * through binary floating point.  "-0" is the one integer JSON writes in
 * two ways. */
static int on_number(void *ctx, const char *s, size_t len) {
  bool integer = !memchr(s, '.', len) && !memchr(s, 'e', len) && !memchr(s, 'E', len);
  if (integer && len == 2 && memcmp(s, "-0", 2) == 0)
    s++, len--;
  return scalar_event(ctx, integer ? N_INT : N_FLOAT, s, len);
}

static int on_string(void *ctx, const unsigned char *s, size_t len) {
  return scalar_event(ctx, N_STRING, (const char *)s, len);
}

static int on_start_map(void *ctx) {
  zjson_load *ld = ctx;
  if (outside_record(ld, true, false))
    return 1;
  open_node(ld, N_OBJECT);
  return 1;
}

/* The member of f named key[0, len) given before, or -1: a record's
 * fields are told by a bit, a wide object's names by hash. */
static int32_t given_before(zjson_load *ld, zframe *f, const char *key, size_t len, int32_t means) {
  bool field = means >= 0 && means < 64;
  if (f->names) {
    gpointer v;
    return g_hash_table_lookup_extended(f->names, key, NULL, &v) ? GPOINTER_TO_INT(v) : -1;
  }
  if (field && !(f->fields & (UINT64_C(1) << means))) {
    f->fields |= UINT64_C(1) << means;
    return -1;
  }
  for (int32_t i = zjson_node(ld, f->node)->first; i >= 0; i = zjson_node(ld, i)->next) {
    const znode *n = zjson_node(ld, i);
    if (field ? n->means == means : n->key_len == len && memcmp(n->key, key, len) == 0)
      return i;
  }
  return -1;
}

/* A member name: a repeated one makes its record refused, and its value
 * replaces the first one's (json-glib's rule, kept for the messages). */
static int on_map_key(void *ctx, const unsigned char *s, size_t len) {
  zjson_load *ld = ctx;
  if (ld->frames->len == 0)
    return 1; /* inside a skipped element */
  zframe *f = innermost(ld);
  const char *known = NULL; /* the policy's own string for a name it knows: not copied */
  int32_t means = f->entity >= 0 ? zjson_meaning(ld, f->entity, (const char *)s, len, f->count, &known) : ZMAP_UNKNOWN;
  const char *key = known ? known : g_string_chunk_insert_len(ld->texts, (const char *)s, (gssize)len);
  int32_t seen = given_before(ld, f, key, len, means);
  if (seen >= 0) {
    znode *o = &g_array_index(ld->nodes, znode, f->node);
    if (!o->twice)
      o->twice = key;
    ld->replace = seen;
    return 1;
  }
  ld->key = key;
  ld->key_len = len;
  ld->means = means;
  if (++f->count == LINEAR_NAMES) {
    f->names = g_hash_table_new(g_str_hash, g_str_equal);
    for (int32_t i = zjson_node(ld, f->node)->first; i >= 0; i = zjson_node(ld, i)->next)
      g_hash_table_insert(f->names, (char *)zjson_node(ld, i)->key, GINT_TO_POINTER(i));
  }
  if (f->names) /* the member's node is the next one made */
    g_hash_table_insert(f->names, (char *)key, GINT_TO_POINTER((int32_t)ld->nodes->len));
  return 1;
}

static int on_end_map(void *ctx) {
  zjson_load *ld = ctx;
  if (outside_record(ld, false, true))
    return 1;
  close_node(ld);
  return 1;
}

static int on_start_array(void *ctx) {
  zjson_load *ld = ctx;
  if (outside_record(ld, true, false) || element_not_object(ld, true))
    return 1;
  open_node(ld, N_ARRAY);
  return 1;
}

static int on_end_array(void *ctx) {
  zjson_load *ld = ctx;
  if (outside_record(ld, false, true))
    return 1;
  close_node(ld);
  return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_end_map,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end_array,
};

/* data[from, to) to YAJL; ld->base tells callbacks where the piece starts. */
static yajl_status feed_piece(zjson_load *ld, const char *bytes, size_t len, size_t base) {
  ld->base = base;
  return yajl_parse(ld->yajl, (const unsigned char *)bytes, len);
}

/* The first raw control character at or after `from` (facts-json-scan.h). */
static guint first_control(const GArray *raw, size_t from) {
  guint lo = 0, hi = raw->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (g_array_index(raw, size_t, mid) < from)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* data[from, to) to YAJL, each control character written raw inside a
 * string (json-glib took them, YAJL does not) given as its \\u escape. */
static yajl_status feed(zjson_load *ld, const GArray *raw, size_t from, size_t to) {
  yajl_status st = yajl_status_ok;
  size_t pos = from;
  for (guint i = raw ? first_control(raw, from) : 0; raw && i < raw->len && st == yajl_status_ok; i++) {
    size_t at = g_array_index(raw, size_t, i);
    if (at >= to)
      break;
    char esc[8];
    g_snprintf(esc, sizeof esc, "\\u%04x", (unsigned)(unsigned char)ld->data[at]);
    st = feed_piece(ld, ld->data + pos, at - pos, pos);
    if (st == yajl_status_ok)
      st = feed_piece(ld, esc, 6, at);
    pos = at + 1;
  }
  return st == yajl_status_ok ? feed_piece(ld, ld->data + pos, to - pos, pos) : st;
}

/* A new YAJL stream of `entity` records, the element `first` next, at the
 * line `line` of data[from]; false when there is no memory for it. */
static bool stream_begin(zjson_load *ld, int32_t entity, size_t from, int line, guint first) {
  ld->yajl = yajl_alloc(&callbacks, NULL, ld);
  if (!ld->yajl)
    return false;
  /* the first pass checked the strings' UTF-8 */
  yajl_config(ld->yajl, yajl_dont_validate_strings, 1);
  ld->entity = entity;
  ld->index = first;
  ld->skip = 0;
  ld->started = false;
  ld->key = NULL;
  ld->replace = -1;
  /* lines are counted from here: what came before may be given back */
  ld->line_at = from;
  ld->line = line;
  return true;
}

/* YAJL's complaint, and the stream's end. */
static char *stream_end(zjson_load *ld, yajl_status st) {
  char *complaint = NULL;
  if (st == yajl_status_ok)
    st = yajl_complete_parse(ld->yajl);
  if (st != yajl_status_ok) {
    unsigned char *why = yajl_get_error(ld->yajl, 0, NULL, 0);
    complaint = g_strdup((const char *)why);
    yajl_free_error(ld->yajl, why);
  }
  for (guint i = 0; i < ld->frames->len; i++)
    g_clear_pointer(&g_array_index(ld->frames, zframe, i).names, g_hash_table_unref);
  g_array_set_size(ld->frames, 0);
  g_clear_pointer(&ld->yajl, yajl_free);
  return complaint;
}

/* The top-level array of `entity` records at data[from, to) (data[from]
 * on `line`), as a stream. */
static void stream_records(zjson_load *ld, int32_t entity, const char *key, size_t from, size_t to, int line) {
  if (!stream_begin(ld, entity, from, line, 0)) {
    zfacts_append_error(&ld->tail, zerr_new(ZJTX_ERR_NOMEM, ld->name, 0, 0, NULL, "out of memory reading the facts"));
    ld->unusable = true;
    return;
  }
  ld->array_key = key;
  g_autofree char *why = stream_end(ld, feed(ld, ld->scan.raw_controls, from, to));
  if (why) { /* cannot happen after the first pass: say so if it does */
    zjson_load_error(ld, line_of(ld, MAX(from, ld->line_at)), "not valid JSON: %s", why);
    ld->unusable = true;
  }
  g_array_set_size(ld->nodes, 0);
  g_string_chunk_clear(ld->texts);
}

/* ---- checked JSON as events, without YAJL ------------------------------------- */

/* The closing quote of the string whose opening quote is at p (checked:
 * there is one); *escaped: it holds a backslash. */
static const char *string_end(const char *p, bool *escaped) {
  const char *q = p + 1;
  while (*q != '"' && *q != '\\') /* values are short: a loop beats memchr */
    q++;
  *escaped = *q == '\\';
  for (; *q != '"'; q++)
    q += *q == '\\';
  return q;
}

static bool is_json_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* The string token at p: a member name (a ':' follows) or a value. */
static const char *checked_string(zjson_load *ld, const char *p, const char *end) {
  bool escaped;
  const char *q = string_end(p, &escaped);
  g_autofree char *decoded = escaped ? zjson_decode_string(p, (size_t)(q - p + 1)) : NULL;
  const char *s = decoded ? decoded : p + 1;
  size_t len = decoded ? strlen(decoded) : (size_t)(q - p - 1);
  const char *after = q + 1;
  while (after < end && is_json_space(*after))
    after++;
  if (after < end && *after == ':')
    on_map_key(ld, (const unsigned char *)s, len);
  else
    on_string(ld, (const unsigned char *)s, len);
  return q + 1;
}

static bool in_number(char ch) {
  return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' || ch == 'E';
}

/* data[from, to), which the first pass checked, as the events YAJL would
 * give: no error can be met, so no check is made again (a third of the
 * time YAJL took).  A control character written raw inside a string is
 * its own byte, as YAJL decodes its \u escape. */
static void read_checked(zjson_load *ld, size_t from, size_t to) {
  const char *p = ld->data + from, *end = ld->data + to;
  while (p < end) {
    switch (*p) {
    case '{':
      ld->token_at = (size_t)(p - ld->data);
      on_start_map(ld);
      p++;
      break;
    case '}':
      on_end_map(ld);
      p++;
      break;
    case '[':
      on_start_array(ld);
      p++;
      break;
    case ']':
      on_end_array(ld);
      p++;
      break;
    case '"':
      p = checked_string(ld, p, end);
      break;
    case 't':
      on_boolean(ld, 1);
      p += 4;
      break;
    case 'f':
      on_boolean(ld, 0);
      p += 5;
      break;
    case 'n':
      on_null(ld);
      p += 4;
      break;
    default:
      if (in_number(*p)) {
        const char *q = p;
        while (q < end && in_number(*q))
          q++;
        on_number(ld, p, (size_t)(q - p));
        p = q;
      } else {
        p++; /* white space, ',' and ':' */
      }
    }
  }
}

void zjson_read_run(zjson_load *ld, int32_t entity, const zjson_chunk *c, GArray *nodes, GStringChunk *texts,
                    GArray *entries) {
  GArray *own_nodes = ld->nodes;
  GStringChunk *own_texts = ld->texts;
  ld->entity = entity;
  ld->index = c->first;
  ld->skip = 0;
  ld->key = NULL;
  ld->replace = -1;
  ld->line_at = c->from;
  ld->line = c->line;
  ld->nodes = nodes;
  ld->texts = texts;
  ld->entries = entries;
  /* the elements and commas between them, in brackets of their own */
  ld->started = false;
  on_start_array(ld);
  read_checked(ld, c->from, c->to);
  on_end_array(ld);
  for (guint i = 0; i < ld->frames->len; i++) /* none: the run is whole elements */
    g_clear_pointer(&g_array_index(ld->frames, zframe, i).names, g_hash_table_unref);
  g_array_set_size(ld->frames, 0);
  ld->nodes = own_nodes;
  ld->texts = own_texts;
  ld->entries = NULL;
}

/* ---- the document ------------------------------------------------------------ */

/* The entity whose plural is `key`, top-level or not, or -1. */
static int32_t entity_by_plural(const struct zjtx_policy *p, const char *key);

int32_t zjson_top_entity(const struct zjtx_policy *p, const char *key) {
  int32_t e = key[0] == '_' || strcmp(key, "period") == 0 ? -1 : entity_by_plural(p, key);
  return e >= 0 && zpolicy_entity(p, e)->parent < 0 ? e : -1;
}

static int32_t entity_by_plural(const struct zjtx_policy *p, const char *key) {
  for (guint i = 0; i < p->entities->len; i++)
    if (strcmp(zpolicy_entity(p, (int32_t)i)->plural, key) == 0)
      return (int32_t)i;
  return -1;
}

static void unknown_key(zjson_load *ld, const char *key, int line) {
  const struct zjtx_policy *p = ld->facts->policy;
  int32_t e = entity_by_plural(p, key);
  if (e >= 0) {
    const zentity *child = zpolicy_entity(p, e);
    zjson_load_error(ld, line, "\"%s\" cannot stand at the top level: %s records nest in their %s's \"%s\"", key,
                     child->name, zpolicy_entity(p, child->parent)->name, key);
    return;
  }
  g_autoptr(GString) keys = g_string_new("period");
  for (guint i = 0; i < p->entities->len; i++)
    if (zpolicy_entity(p, (int32_t)i)->parent < 0)
      g_string_append_printf(keys, ", %s", zpolicy_entity(p, (int32_t)i)->plural);
  g_autofree char *name = zfacts_escape(key);
  zjson_load_error(ld, line, "unknown key \"%s\" (expected: %s)", name, keys->str);
}

/* Whether the JSON integer s[0, n) fits int64. */
static bool fits_int64(const char *s, size_t n) {
  bool neg = n > 0 && s[0] == '-';
  size_t nd = n - neg;
  const char *top = neg ? "9223372036854775808" : "9223372036854775807";
  return nd < 19 || (nd == 19 && memcmp(s + neg, top, 19) <= 0);
}

/* The period's text: a string decoded, or an integer too large for json-glib
 * (it read those as their text); NULL for anything else. */
static char *period_text(const char *v, size_t n) {
  if (*v == '"')
    return zjson_decode_string(v, n);
  if ((*v == '-' || g_ascii_isdigit(*v)) && !memchr(v, '.', n) && !memchr(v, 'e', n) && !memchr(v, 'E', n) &&
      !fits_int64(v, n))
    return g_strndup(v, n);
  return NULL;
}

/* The period the facts are about, by the rule a caller's period follows
 * (zperiod_parse): a bad one is the facts' error, not a later "no period"
 * blamed on the policy, nor silently passed over when a caller gives one. */
static void load_period(zjson_load *ld, const zjson_member *m) {
  g_autofree char *period = period_text(ld->data + m->from, m->to - m->from);
  if (!period || !*period) {
    zjson_load_error(ld, m->line, "\"period\" must be a string, e.g. \"2025\"");
    return;
  }
  int year;
  if (!zperiod_parse(period, &year)) {
    g_autofree char *shown = zfacts_escape(period);
    zjson_load_error(ld, m->line,
                     "\"period\": \"%s\" is not a period (expected 2025, 2025H1, 2025Q3, 2025-07 or FY2025)", shown);
    return;
  }
  g_free(ld->facts->period);
  ld->facts->period = g_steal_pointer(&period);
}

/* The array at data[from] if it was read while the document was checked. */
static zjson_streamed *streamed_at(zjson_load *ld, size_t from) {
  for (guint i = 0; ld->streamed && i < ld->streamed->len; i++)
    if (g_array_index(ld->streamed, zjson_streamed, i).from == from)
      return &g_array_index(ld->streamed, zjson_streamed, i);
  return NULL;
}

/* A streamed array's place among the members: its errors there. */
static void take_streamed(zjson_load *ld, zjson_streamed *s) {
  zfacts_append_error(&ld->tail, g_steal_pointer(&s->errs));
  ld->unusable = ld->unusable || s->unusable;
}

/* The members of the top object, in json-glib's order. */
void zjson_load_document(zjson_load *ld) {
  const zjson_scan *scan = &ld->scan;
  if (scan->top != '{') {
    zjson_load_error(ld, scan->top ? 1 : 0, "expected a JSON object {\"period\": ..., \"<records>\": [...]}");
    return;
  }
  int line = scan->top_line;
  ld->top_line = line;
  if (scan->twice) { /* read out of order: json-glib's order */
    ld->releasable = false;
    g_autofree char *name = zfacts_escape(scan->twice);
    zjson_load_error(ld, line, "key \"%s\" is given twice", name);
  }
  for (guint i = 0; i < scan->members->len; i++) {
    const zjson_member *m = &g_array_index(scan->members, zjson_member, i);
    int32_t e = entity_by_plural(ld->facts->policy, m->key);
    if (m->key[0] == '_')
      continue;
    if (strcmp(m->key, "period") == 0)
      load_period(ld, m);
    else if (e >= 0 && zpolicy_entity(ld->facts->policy, e)->parent < 0 && ld->data[m->from] == '[' &&
             streamed_at(ld, m->from))
      take_streamed(ld, streamed_at(ld, m->from));
    else if (e >= 0 && zpolicy_entity(ld->facts->policy, e)->parent < 0 && ld->data[m->from] == '[')
      stream_records(ld, e, m->key, m->from, m->to, m->from_line);
    else if (e >= 0 && zpolicy_entity(ld->facts->policy, e)->parent < 0)
      zjson_load_error(ld, line, "%s: expected an array of %s records", m->key,
                       zpolicy_entity(ld->facts->policy, e)->name);
    else
      unknown_key(ld, m->key, line);
  }
}

void zjson_load_clear(zjson_load *ld) {
  for (guint i = 0; i < ld->facts->policy->entities->len; i++)
    if (ld->meanings[i])
      g_hash_table_unref(ld->meanings[i]);
  g_free(ld->meanings);
  g_free(ld->recent);
  zjson_scan_clear(&ld->scan);
  g_array_unref(ld->nodes);
  g_array_unref(ld->frames);
  g_string_chunk_free(ld->texts);
  g_ptr_array_unref(ld->names);
  g_ptr_array_unref(ld->values);
  g_array_unref(ld->map);
  for (guint i = 0; ld->streamed && i < ld->streamed->len; i++)
    zjtx_error_free(g_array_index(ld->streamed, zjson_streamed, i).errs);
  if (ld->streamed)
    g_array_unref(ld->streamed);
}

/* How deep the facts of this policy nest: the top object, then for each
 * generation of entities an array and its record objects, and one more
 * level so that an array given as a value is reported as such. */
static int deepest_use(const struct zjtx_policy *p) {
  int deepest = 0;
  for (guint i = 0; i < p->entities->len; i++) {
    int generations = 1;
    for (const zentity *e = zpolicy_entity(p, (int32_t)i); e->parent >= 0 && generations <= (int)p->entities->len;
         e = zpolicy_entity(p, e->parent))
      generations++;
    deepest = MAX(deepest, generations);
  }
  return 1 + 2 * deepest + 1;
}

zjson_limits zjson_limits_for(const zjtx_facts *facts) {
  return (zjson_limits){deepest_use(facts->policy), facts->max_field, NULL};
}

/* The first pass (facts-json-scan.h): false when the document is refused. */
static bool prescan(zjson_load *ld, const char *data, size_t len) {
  zjson_limits lim = zjson_limits_for(ld->facts);
  bool ok = zjson_prescan(data, len, &lim, &ld->scan);
  if (!ok)
    zfacts_append_error(
        &ld->tail, zerr_new(ld->scan.code, ld->name, ld->scan.line, ld->scan.column, NULL, "%s", ld->scan.message));
  ld->unusable = !ok;
  return ok;
}

static void parse_and_load(zjson_load *ld, const char *data, size_t len, const zjson_par_options *opt) {
  if (len > G_MAXSSIZE) {
    zjson_load_error(ld, 0, "the document is too large");
    ld->unusable = true;
    return;
  }
  ld->data = data;
  if (zjson_load_parallel(ld, len, opt))
    return;
  if (prescan(ld, data, len))
    zjson_load_document(ld);
}

/* Out of memory or a full table stopped the reading: unusable.  In
 * keep-going mode no error was collected, so report it here. */
static void report_stop(zjson_load *ld) {
  for (guint e = 0; e < ld->facts->policy->entities->len; e++) {
    const zjtx_error *stop = zfacts_stopped(ld->facts, (int32_t)e);
    if (!stop)
      continue;
    ld->unusable = true;
    if (ld->facts->keep_going)
      zfacts_append_error(&ld->tail, zerr_new(stop->code, stop->file, stop->line, 0, NULL, "%s", stop->message));
  }
}

/* Reads one JSON document into unfinished facts; *unusable tells whether
 * the document as a whole was refused (no record was looked at). */
void zjson_load_init(zjson_load *ld, zjtx_facts *facts, const char *name, bool own) {
  *ld = (zjson_load){.facts = facts,
                     .name = name ? name : "<buffer>",
                     .meanings = g_new0(GHashTable *, facts->policy->entities->len),
                     .recent = g_new0(zrecent, (size_t)facts->policy->entities->len * RECENT_NAMES),
                     .nodes = g_array_new(FALSE, FALSE, sizeof(znode)),
                     .frames = g_array_new(FALSE, FALSE, sizeof(zframe)),
                     .texts = g_string_chunk_new(4096),
                     .line = 1,
                     .replace = -1,
                     .releasable = own,
                     .names = g_ptr_array_new(),
                     .values = g_ptr_array_new(),
                     .map = g_array_new(FALSE, FALSE, sizeof(int32_t))};
  ld->tail = &ld->errs;
}

/* Reads one JSON document into unfinished facts; *unusable tells whether
 * the document as a whole was refused (no record was looked at). */
static zjtx_status read_json(zjtx_facts *facts, const char *data, size_t len, const char *name, bool own,
                             const zjson_par_options *opt, zjtx_error **err, bool *unusable) {
  *unusable = true;
  if (!facts || (!data && len > 0))
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "facts and data must not be NULL");
  if (facts->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the facts are already finished");
  zjson_load ld;
  zjson_load_init(&ld, facts, name, own);
  parse_and_load(&ld, data ? data : "", len, opt);
  zjson_load_clear(&ld);
  report_stop(&ld);
  *unusable = ld.unusable;
  return ld.errs ? zerr_give(err, ld.errs) : ZJTX_OK;
}

zjtx_status zjtx_facts_read_json_buffer(zjtx_facts *facts, const char *data, size_t len, const char *name,
                                        zjtx_error **err) {
  bool unusable;
  zjson_par_options opt = zjson_par_defaults();
  return read_json(facts, data, len, name, false, &opt, err, &unusable);
}

zjtx_status zfacts_read_json_buffer_with(zjtx_facts *facts, const char *data, size_t len, const char *name,
                                         const zjson_par_options *opt, zjtx_error **err) {
  bool unusable;
  return read_json(facts, data, len, name, false, opt, err, &unusable);
}

static zjtx_status read_json_file(zjtx_facts *facts, const char *path, const zjson_par_options *opt, zjtx_error **err,
                                  bool *unusable) {
  *unusable = true;
  if (!facts || !path)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "facts and path must not be NULL");
  size_t len = 0;
  zjtx_error *read_err = NULL;
  g_autofree char *data = zfacts_read_regular_file(path, &len, &read_err);
  if (!data)
    return zerr_give(err, read_err);
  return read_json(facts, data, len, path, true, opt, err, unusable);
}

zjtx_status zfacts_read_json_file_with(zjtx_facts *facts, const char *path, const zjson_par_options *opt,
                                       zjtx_error **err) {
  bool unusable;
  return read_json_file(facts, path, opt, err, &unusable);
}

zjtx_status zjtx_facts_read_json_file(zjtx_facts *facts, const char *path, zjtx_error **err) {
  bool unusable;
  zjson_par_options opt = zjson_par_defaults();
  return read_json_file(facts, path, &opt, err, &unusable);
}

/* New facts from one JSON document, finished; in strict mode every problem
 * of every record (and of finishing) comes back in one error chain. */
static zjtx_status load_json(zjtx_policy *policy, const char *data, size_t len, const char *path, const char *name,
                             int flags, zjtx_facts **out, zjtx_error **err) {
  zjtx_facts *facts = NULL;
  zjtx_error *errs = NULL;
  bool unusable;
  if (out)
    *out = NULL;
  if (!policy || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "policy and out must not be NULL");
  zjtx_status st = zjtx_facts_new(policy, &facts, err);
  if (st != ZJTX_OK)
    return st;
  zjtx_facts_set_keep_going(facts, flags & ZJTX_FACTS_KEEP_GOING, NULL);
  zjson_par_options opt = zjson_par_defaults();
  st = path ? read_json_file(facts, path, &opt, &errs, &unusable)
            : read_json(facts, data, len, name, false, &opt, &errs, &unusable);
  /* a document that parsed: finish even after bad records, so that
   * duplicate ids and dangling references are reported in the same run */
  if (st == ZJTX_OK || (!facts->keep_going && !unusable))
    zjtx_facts_finish(facts, &errs);
  if (errs) {
    zjtx_facts_free(facts);
    return zerr_give(err, errs);
  }
  *out = facts;
  return ZJTX_OK;
}

zjtx_status zjtx_facts_load_json_buffer(zjtx_policy *policy, const char *data, size_t len, const char *name,
                                        zjtx_facts **out, zjtx_error **err) {
  if (!data && len > 0)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "data is NULL");
  return load_json(policy, data ? data : "", len, NULL, name, ZJTX_FACTS_STRICT, out, err);
}

zjtx_status zjtx_facts_load_json_file(zjtx_policy *policy, const char *path, zjtx_facts **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!policy || !path || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "zjtx_facts_load_json_file: policy, path and out must not be NULL");
  return load_json(policy, NULL, 0, path, NULL, ZJTX_FACTS_STRICT, out, err);
}

zjtx_status zfacts_load_json_file(zjtx_policy *policy, const char *path, int flags, zjtx_facts **out,
                                  zjtx_error **err) {
  return load_json(policy, NULL, 0, path, NULL, flags, out, err);
}
