/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts.c - the facts store: typed columns, checked on entry, resolved and indexed at finish. */
#include "facts-store.h"

#include <string.h>

#include "ident.h"

/* Scales of the stored int64 mantissas (facts-store.h).  A rate is written
 * in percent with up to 6 decimals and kept as a fraction: percent at scale
 * 6 and fraction at scale 8 have the same mantissa, so no arithmetic. */
enum { MONEY_SCALE = 2, RATE_SCALE = 8, RATE_WRITTEN = 6, NUMBER_SCALE = 6 };

/* What an absent optional field reads as.  The store has no presence bit,
 * so these are the values the evaluator sees: zero numbers, false, "",
 * code/ref -1 and a date no calendar date can equal. */
#define ABSENT_DATE INT32_MIN
#define ABSENT_INDEX (-1)
static const char absent_text[] = "";

/* Records of up to this many fields are checked without heap allocation. */
#define SLOTS_ON_STACK 64
/* Longest stretch of a value quoted in a message, in bytes. */
#define QUOTE_MAX 120

/* ---- columns and tables -------------------------------------------------- */

static int32_t column_scale(zfield_type t) {
  switch (t) {
  case ZF_MONEY: return MONEY_SCALE;
  case ZF_RATE: return RATE_SCALE;
  case ZF_NUMBER: return NUMBER_SCALE;
  default: return 0;
  }
}

static void column_init(zcolumn *c, const zfield *fd) {
  c->type = fd->type;
  c->scale = column_scale(fd->type);
  switch (fd->type) {
  case ZF_MONEY: case ZF_RATE: case ZF_COUNT: case ZF_NUMBER:
    c->i64 = g_array_new(FALSE, FALSE, sizeof(int64_t));
    break;
  case ZF_DATE: case ZF_CODE:
    c->i32 = g_array_new(FALSE, FALSE, sizeof(int32_t));
    break;
  case ZF_REF: /* the id text now, the record index (i32) at finish */
    c->str = g_ptr_array_new();
    c->i32 = g_array_new(FALSE, FALSE, sizeof(int32_t));
    break;
  case ZF_BOOL:
    c->u8 = g_array_new(FALSE, FALSE, sizeof(uint8_t));
    break;
  case ZF_TEXT:
    c->str = g_ptr_array_new();
    break;
  }
}

static void column_clear(zcolumn *c) {
  g_clear_pointer(&c->i64, g_array_unref);
  g_clear_pointer(&c->i32, g_array_unref);
  g_clear_pointer(&c->u8, g_array_unref);
  g_clear_pointer(&c->str, g_ptr_array_unref);
}

static void table_init(ztable *t, const zentity *e) {
  t->entity = e->index;
  t->columns = g_new0(zcolumn, e->fields->len);
  for (guint i = 0; i < e->fields->len; i++)
    column_init(&t->columns[i], zentity_field(e, (int32_t)i));
  if (e->parent >= 0) {
    t->parent = g_array_new(FALSE, FALSE, sizeof(int32_t));
    t->parent_text = g_ptr_array_new();
  }
  t->where_line = g_array_new(FALSE, FALSE, sizeof(int32_t));
  t->where_file = g_ptr_array_new();
  t->strings = g_string_chunk_new(64 * 1024);
  t->rejects = g_array_new(FALSE, FALSE, sizeof(zreject));
  t->rejected_ids = g_hash_table_new(g_str_hash, g_str_equal);
}

static void table_clear(ztable *t, const zentity *e) {
  for (guint i = 0; t->columns && i < e->fields->len; i++)
    column_clear(&t->columns[i]);
  g_free(t->columns);
  g_clear_pointer(&t->parent, g_array_unref);
  g_clear_pointer(&t->parent_text, g_ptr_array_unref);
  g_clear_pointer(&t->where_line, g_array_unref);
  g_clear_pointer(&t->where_file, g_ptr_array_unref);
  g_clear_pointer(&t->by_key, g_hash_table_unref);
  g_clear_pointer(&t->rejects, g_array_unref);
  g_clear_pointer(&t->rejected_ids, g_hash_table_unref);
  g_clear_pointer(&t->strings, g_string_chunk_free);
  g_clear_pointer(&t->stop, zjtx_error_free);
}

/* ---- rejects -------------------------------------------------------------- */

static const char *table_text(ztable *t, const char *s) {
  return s ? g_string_chunk_insert_const(t->strings, s) : NULL;
}

static void add_reject(ztable *t, const char *file, int line, const char *id, const char *field, const char *value,
                       const char *reason) {
  zreject r = {table_text(t, file), line, table_text(t, id), table_text(t, field), table_text(t, value),
               table_text(t, reason)};
  g_array_append_val(t->rejects, r);
}

void zfacts_reject(struct zjtx_facts *f, int32_t entity, const char *file, int line, const char *id,
                   const char *field, const char *value, const char *reason) {
  add_reject(&f->tables[entity], file, line, id, field, value, reason);
}

void zfacts_refuse_record(struct zjtx_facts *f, int32_t entity, const char *id) {
  ztable *t = &f->tables[entity];
  t->read++;
  t->rejected++;
  if (id)
    g_hash_table_add(t->rejected_ids, (gpointer)table_text(t, id));
}

/* The column holding the record ids, or NULL when the entity has none.
 * Ids are text: the policy loader declares key fields as text. */
static GPtrArray *key_column(const struct zjtx_facts *f, int32_t entity) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  if (e->key_field < 0 || zentity_field(e, e->key_field)->type != ZF_TEXT)
    return NULL;
  return f->tables[entity].columns[e->key_field].str;
}

/* ---- messages ------------------------------------------------------------ */

/* `s` escaped so that a message stays one line of valid UTF-8, and cut
 * short when long: values come from untrusted input. */
char *zfacts_escape(const char *s) {
  char keep[129];
  size_t len = strlen(s), cut = len;
  if (cut > QUOTE_MAX) {
    cut = QUOTE_MAX;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
      cut--; /* not in the middle of a UTF-8 sequence */
  }
  g_autofree char *head = g_strndup(s, cut);
  /* non-ASCII bytes pass through when the text is UTF-8 (Chinese names) */
  size_t k = 0;
  if (g_utf8_validate(head, -1, NULL))
    for (int b = 0x80; b <= 0xFF; b++)
      keep[k++] = (char)b;
  keep[k] = '\0';
  g_autofree char *esc = g_strescape(head, keep);
  return g_strdup_printf("%s%s", esc, cut < len ? "..." : "");
}

/* `s` escaped and in double quotes: how messages show a value. */
static char *quote(const char *s) {
  g_autofree char *esc = zfacts_escape(s);
  return g_strdup_printf("\"%s\"", esc);
}

/* "school #3" or "school #3 (S1)": how finish names a stored record. */
static char *record_label(const struct zjtx_facts *f, int32_t entity, int32_t rec) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  GPtrArray *keys = key_column(f, entity);
  if (!keys)
    return g_strdup_printf("%s #%d", e->name, rec + 1);
  g_autofree char *id = zfacts_escape(g_ptr_array_index(keys, rec));
  return g_strdup_printf("%s #%d (%s)", e->name, rec + 1, id);
}

/* "file.json:12" / "line 12" / "record #4": where a stored record came from. */
static char *record_where(const ztable *t, int32_t rec) {
  const char *file = g_ptr_array_index(t->where_file, rec);
  int line = g_array_index(t->where_line, int32_t, rec);
  if (file && line > 0)
    return g_strdup_printf("%s:%d", file, line);
  if (line > 0)
    return g_strdup_printf("line %d", line);
  return g_strdup_printf("record #%d", rec + 1);
}

/* An error about stored record `rec`, positioned where it came from. */
static void G_GNUC_PRINTF(7, 8) stored_error(const struct zjtx_facts *f, int32_t entity, int32_t rec,
                                            zjtx_error ***errs, const char *field, const char *value,
                                            const char *fmt, ...) {
  ztable *t = &f->tables[entity];
  g_autofree char *label = record_label(f, entity, rec);
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  GPtrArray *keys = key_column(f, entity);
  add_reject(t, g_ptr_array_index(t->where_file, rec), g_array_index(t->where_line, int32_t, rec),
             keys ? g_ptr_array_index(keys, rec) : NULL, field, value, msg);
  if (errs)
    zfacts_append_error(errs, zerr_new(ZJTX_ERR_FACTS, g_ptr_array_index(t->where_file, rec),
                                       g_array_index(t->where_line, int32_t, rec), 0, NULL, "%s: %s", label, msg));
}

/* ---- checking one record ------------------------------------------------- */

/* One declared field of the record being added. */
typedef struct {
  const char *raw; /* the value as written; NULL: absent */
  bool seen;       /* named in the input (even with a NULL value) */
  union {
    int64_t i64;
    int32_t i32;
    uint8_t b;
  } v;
} zslot;

/* The record being added, for the checks and their messages. */
typedef struct {
  struct zjtx_facts *f;
  const zentity *e;
  ztable *t;
  const zrecord_origin *origin;
  zslot *slots;
  const char *const *names, *const *values; /* as given */
  const int32_t *map;                       /* names resolved: zfacts_map_names */
  size_t n;
  const char *parent; /* the parent's key as written */
  bool parent_seen;   /* the parent-key field was named */
  bool ok;
  zjtx_error **errs;
} zrec;

/* The record's id as given, found only when a message needs it. */
static const char *given_id(const zrec *rc) {
  if (rc->e->key_field < 0)
    return NULL;
  for (size_t i = 0; i < rc->n; i++)
    if (rc->map[i] == rc->e->key_field)
      return rc->values[i];
  return NULL;
}

/* "enterprises[2] (91320800MA1ABCDE1X): <message>", at the record's origin. */
static void G_GNUC_PRINTF(4, 5) rec_error(zrec *rc, const char *field, const char *value, const char *fmt, ...) {
  const zrecord_origin *o = rc->origin;
  g_autofree char *what = o && o->what
                              ? g_strdup(o->what)
                              : g_strdup_printf("%s #%u", rc->e->name, (unsigned)rc->t->n + 1);
  const char *given = given_id(rc);
  g_autofree char *id = given ? zfacts_escape(given) : NULL;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  add_reject(rc->t, o ? o->file : NULL, o ? o->line : 0, given, field, value, msg);
  if (rc->errs)
    zfacts_append_error(&rc->errs, zerr_new(ZJTX_ERR_FACTS, o ? o->file : NULL, o ? o->line : 0, 0, NULL,
                                            "%s%s%s%s: %s", what, id ? " (" : "", id ? id : "", id ? ")" : "", msg));
  rc->ok = false;
}

/* `field "F": "V" <says>`: the one shape of every bad-value message. */
static bool bad_value(zrec *rc, const zfield *fd, const char *value, const char *says) {
  g_autofree char *q = quote(value);
  rec_error(rc, fd->name, value, "field \"%s\": %s %s", fd->name, q, says);
  return false;
}

/* How each decimal field type is written. */
typedef struct {
  const char *what;    /* "money" */
  const char *example; /* "1250000.50" */
  int max_written;     /* decimals allowed in the text */
  int parse_scale;     /* scale the text is brought to; the mantissa is stored */
} zdec_kind;

static const zdec_kind *dec_kind(zfield_type t) {
  static const zdec_kind money = {"money", "1250000.50", 2, MONEY_SCALE};
  static const zdec_kind rate = {"a percentage", "3.45", RATE_WRITTEN, RATE_WRITTEN};
  static const zdec_kind count = {"a count", "12", 0, 0};
  static const zdec_kind number = {"a number", "2.5", NUMBER_SCALE, NUMBER_SCALE};
  switch (t) {
  case ZF_MONEY: return &money;
  case ZF_RATE: return &rate;
  case ZF_COUNT: return &count;
  default: return &number;
  }
}

static bool parse_decimal(zrec *rc, const zfield *fd, const char *s, size_t len, int64_t *out) {
  const zdec_kind *k = dec_kind(fd->type);
  int written = zdec_written_scale(s, len);
  char says[160];
  zdec d;
  if (written < 0 || written > k->max_written) {
    if (written < 0 || k->max_written == 0)
      g_snprintf(says, sizeof says, "is not %s (expected %s, e.g. \"%s\")", k->what,
                 k->max_written ? "a plain decimal" : "a whole number", k->example);
    else
      g_snprintf(says, sizeof says, "is not %s with at most %d decimals (expected e.g. \"%s\")",
                 k->what, k->max_written, k->example);
    return bad_value(rc, fd, s, says);
  }
  zdec_parse(s, len, &d);
  /* money is negative only where the policy says so; counts never are */
  if (d.m < 0 && (fd->type == ZF_COUNT || (fd->type == ZF_MONEY && !fd->negative_ok))) {
    g_snprintf(says, sizeof says, "is negative (expected %s of 0 or more)", k->what);
    return bad_value(rc, fd, s, says);
  }
  if (!zdec_rescale(d, k->parse_scale, &d) || d.m > INT64_MAX || d.m < -INT64_MAX) {
    char max[ZDEC_BUFSZ];
    zdec top = {INT64_MAX, k->parse_scale};
    g_snprintf(says, sizeof says, "is out of range (expected %s of at most %s)", k->what,
               zdec_format(top, -1, max));
    return bad_value(rc, fd, s, says);
  }
  *out = (int64_t)d.m;
  return true;
}

static bool parse_bool(zrec *rc, const zfield *fd, const char *s, uint8_t *out) {
  if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
    *out = 1;
  else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
    *out = 0;
  else
    return bad_value(rc, fd, s, "is not a bool (expected true, false, 1 or 0)");
  return true;
}

static bool parse_code(zrec *rc, const zfield *fd, const char *s, size_t len, int32_t *out) {
  const zcodeset *cs = g_ptr_array_index(rc->f->policy->codesets, fd->codeset);
  *out = zcodeset_find(cs, s, len);
  if (*out >= 0)
    return true;
  g_autoptr(GString) says = g_string_new(NULL);
  g_string_printf(says, "is not a code of %s (expected one of: ", cs->name);
  for (guint i = 0; i < cs->values->len; i++)
    g_string_append_printf(says, "%s%s", i ? ", " : "", (char *)g_ptr_array_index(cs->values, i));
  g_string_append_c(says, ')');
  return bad_value(rc, fd, s, says->str);
}

/* Checks one present value and leaves its stored form in the slot. */
static bool parse_value(zrec *rc, const zfield *fd, zslot *sl) {
  const char *s = sl->raw;
  size_t len = strlen(s);
  switch (fd->type) {
  case ZF_MONEY: case ZF_RATE: case ZF_COUNT: case ZF_NUMBER:
    return parse_decimal(rc, fd, s, len, &sl->v.i64);
  case ZF_DATE:
    if (!zdate_parse(s, len, &sl->v.i32))
      return bad_value(rc, fd, s, "is not a date (expected a real calendar date YYYY-MM-DD, "
                                  "e.g. \"2025-06-30\")");
    return true;
  case ZF_BOOL:
    return parse_bool(rc, fd, s, &sl->v.b);
  case ZF_CODE:
    return parse_code(rc, fd, s, len, &sl->v.i32);
  case ZF_TEXT: case ZF_REF:
    if (!g_utf8_validate(s, (gssize)len, NULL))
      return bad_value(rc, fd, s, "is not valid UTF-8 text");
    return true;
  }
  return bad_value(rc, fd, s, "has a field type this library does not know");
}

static void check_validator(zrec *rc, const zfield *fd, const char *s) {
  zident_validator check;
  if (!fd->validator)
    return;
  /* model.h keeps the function as void*: copy the representation (the same
   * on POSIX) rather than cast, which ISO C leaves undefined */
  memcpy(&check, &fd->validator, sizeof check);
  const char *expected = check(s, strlen(s));
  if (expected) {
    g_autofree char *says = g_strdup_printf("is invalid (expected %s)", expected);
    bad_value(rc, fd, s, says);
  }
}

/* "id, name, budget": the fields an entity declares, for messages. */
static char *field_list(const zentity *e) {
  g_autoptr(GString) s = g_string_new(NULL);
  for (guint i = 0; i < e->fields->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", zentity_field(e, (int32_t)i)->name);
  if (e->parent >= 0 && zentity_field_index(e, e->parent_key) < 0)
    g_string_append_printf(s, "%s%s", s->len ? ", " : "", e->parent_key);
  return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Field `name` of the entity: tries the field at the position the caller
 * named it first, since carriers usually keep the declared order. */
static int32_t find_field(const zentity *e, const char *name, size_t pos) {
  if (pos < e->fields->len && strcmp(zentity_field(e, (int32_t)pos)->name, name) == 0)
    return (int32_t)pos;
  return zentity_field_index(e, name);
}

void zfacts_map_names(const zentity *e, const char *const *names, size_t n, int32_t *map) {
  for (size_t i = 0; i < n; i++) {
    int32_t fi = names[i] ? find_field(e, names[i], i) : ZMAP_NULL_NAME;
    if (fi == -1)
      fi = e->parent >= 0 && strcmp(names[i], e->parent_key) == 0 ? ZMAP_PARENT_KEY : ZMAP_UNKNOWN;
    map[i] = fi;
  }
}

/* The parent-key field of a child entity.  It is not among the declared
 * fields (the policy loader sees to that): its value goes to the parent
 * index, which nesting may already have given. */
static void map_parent_key(zrec *rc, const char *value) {
  if (rc->parent_seen) {
    rec_error(rc, rc->e->parent_key, value, "field \"%s\" is given twice", rc->e->parent_key);
    return;
  }
  rc->parent_seen = true;
  if (!value)
    return;
  if (rc->parent && strcmp(rc->parent, value) != 0) {
    g_autofree char *q = quote(value), *p = quote(rc->parent);
    rec_error(rc, rc->e->parent_key, value, "field \"%s\": %s contradicts the %s it is nested under (%s)",
              rc->e->parent_key, q, zpolicy_entity(rc->f->policy, rc->e->parent)->name, p);
    return;
  }
  rc->parent = value;
}

/* Puts each given value into the slot of its mapped field. */
static void fill_slots(zrec *rc) {
  const zentity *e = rc->e;
  const char *const *names = rc->names, *const *values = rc->values;
  for (size_t i = 0; i < rc->n; i++) {
    int32_t fi = rc->map[i];
    if (fi == ZMAP_NULL_NAME) {
      rec_error(rc, NULL, values[i], "field name #%zu is NULL", i + 1);
    } else if (fi == ZMAP_PARENT_KEY) {
      map_parent_key(rc, values[i]);
    } else if (fi < 0) {
      g_autofree char *q = values[i] ? quote(values[i]) : g_strdup("absent");
      g_autofree char *list = field_list(e);
      g_autofree char *name = zfacts_escape(names[i]);
      rec_error(rc, names[i], values[i], "unknown field \"%s\" (value %s); %s has the fields: %s", name, q, e->name,
                list);
    } else if (rc->slots[fi].seen) {
      rec_error(rc, names[i], values[i], "field \"%s\" is given twice", names[i]);
    } else {
      rc->slots[fi].seen = true;
      rc->slots[fi].raw = values[i];
    }
  }
}

static void check_parent(zrec *rc) {
  const zentity *e = rc->e;
  if (e->parent >= 0 && !rc->parent)
    rec_error(rc, e->parent_key, NULL, "field \"%s\" is missing (the %s this %s belongs to)", e->parent_key,
              zpolicy_entity(rc->f->policy, e->parent)->name, e->name);
}

static void check_fields(zrec *rc) {
  const zentity *e = rc->e;
  for (guint i = 0; i < e->fields->len; i++) {
    const zfield *fd = zentity_field(e, (int32_t)i);
    zslot *sl = &rc->slots[i];
    if (!sl->raw) {
      /* the id is always required: duplicates and references need it */
      if (fd->required || (int32_t)i == e->key_field)
        rec_error(rc, fd->name, NULL, "field \"%s\" is missing (required)", fd->name);
      continue;
    }
    if (parse_value(rc, fd, sl))
      check_validator(rc, fd, sl->raw);
  }
}

/* ---- storing one record -------------------------------------------------- */

static char *keep_text(ztable *t, const char *s) {
  return g_string_chunk_insert(t->strings, s);
}

static void store_value(ztable *t, zcolumn *c, const zslot *sl) {
  switch (c->type) {
  case ZF_MONEY: case ZF_RATE: case ZF_COUNT: case ZF_NUMBER: {
    int64_t v = sl->raw ? sl->v.i64 : 0;
    g_array_append_val(c->i64, v);
    break;
  }
  case ZF_DATE: case ZF_CODE: {
    int32_t v = sl->raw ? sl->v.i32 : c->type == ZF_DATE ? ABSENT_DATE : ABSENT_INDEX;
    g_array_append_val(c->i32, v);
    break;
  }
  case ZF_BOOL: {
    uint8_t v = sl->raw ? sl->v.b : 0;
    g_array_append_val(c->u8, v);
    break;
  }
  case ZF_TEXT:
    g_ptr_array_add(c->str, (char *)(sl->raw ? keep_text(t, sl->raw) : absent_text));
    break;
  case ZF_REF: /* NULL: no reference; resolved to -1 */
    g_ptr_array_add(c->str, sl->raw ? keep_text(t, sl->raw) : NULL);
    break;
  }
}

/* Records of one file come in runs: compare with the previous record's file
 * before interning, so that most records cost a strcmp. */
static const char *keep_file(ztable *t, const char *file) {
  if (!file)
    return NULL;
  const char *last = t->n ? g_ptr_array_index(t->where_file, t->n - 1) : NULL;
  if (last && strcmp(last, file) == 0)
    return last;
  return g_string_chunk_insert_const(t->strings, file);
}

static void store_record(zrec *rc) {
  ztable *t = rc->t;
  for (guint i = 0; i < rc->e->fields->len; i++)
    store_value(t, &t->columns[i], &rc->slots[i]);
  if (t->parent_text)
    g_ptr_array_add(t->parent_text, keep_text(t, rc->parent));
  int32_t line = rc->origin ? rc->origin->line : 0;
  g_array_append_val(t->where_line, line);
  g_ptr_array_add(t->where_file, (char *)keep_file(t, rc->origin ? rc->origin->file : NULL));
  t->n++;
}

/* Bytes one record takes in the table's per-record arrays. */
static gsize record_bytes(const ztable *t, const zentity *e) {
  gsize bytes = sizeof(int32_t) + sizeof(char *); /* where_line, where_file */
  for (guint i = 0; i < e->fields->len; i++) {
    const zcolumn *c = &t->columns[i];
    bytes += (c->i64 ? sizeof(int64_t) : 0) + (c->i32 ? sizeof(int32_t) : 0) + (c->u8 ? 1 : 0) +
             (c->str ? sizeof(char *) : 0);
  }
  return bytes + (t->parent ? sizeof(int32_t) : 0) + (t->parent_text ? sizeof(char *) : 0);
}

/* GLib's arrays double when full and abort when memory runs out.  Every
 * per-record array of a table doubles at the same record count (a power of
 * two), so there, try to allocate what they are about to take at once: a
 * failure is a clean ZJTX_ERR_NOMEM instead of an abort in g_array_append. */
static bool room_to_grow(const ztable *t, const zentity *e) {
  guint n = (guint)t->n;
  if (n < (1u << 16) || (n & (n - 1)) != 0)
    return true;
  gsize per = record_bytes(t, e);
  if (per > G_MAXSIZE / 2 / n)
    return false;
  void *probe = g_try_malloc(per * 2 * n);
  g_free(probe);
  return probe != NULL;
}

/* Adding is refused outright (finished facts, a full table, no memory),
 * before any value is looked at.  What stops reading altogether is kept in
 * the table's `stop`, for carriers that collect no errors (keep-going). */
static bool refused(struct zjtx_facts *f, int32_t entity, const zrecord_origin *origin, zjtx_error **errs) {
  const char *file = origin ? origin->file : NULL;
  int line = origin ? origin->line : 0;
  const zentity *e = zpolicy_entity(f->policy, entity);
  zjtx_error *why;
  if (f->finished)
    why = zerr_new(ZJTX_ERR_INVALID_ARG, file, line, 0, NULL, "the facts are finished; no record can be added");
  else if (f->tables[entity].stop)
    return true; /* already reported */
  else if (f->tables[entity].n >= INT32_MAX - 1) /* record indexes are int32 */
    why = zerr_new(ZJTX_ERR_LIMIT, file, line, 0, NULL, "too many %s records", e->name);
  else if (!room_to_grow(&f->tables[entity], e))
    why = zerr_new(ZJTX_ERR_NOMEM, file, line, 0, NULL, "out of memory: no room for more than %d %s records",
                   f->tables[entity].n, e->name);
  else
    return false;
  if (why->code != ZJTX_ERR_INVALID_ARG)
    f->tables[entity].stop =
        errs ? zerr_new(why->code, why->file, why->line, 0, NULL, "%s", why->message) : g_steal_pointer(&why);
  if (errs && why)
    zerr_append(errs, why);
  else
    zjtx_error_free(why);
  return true;
}

bool zfacts_add_mapped(struct zjtx_facts *f, int32_t entity, const char *parent_key, const char *const *names,
                       const int32_t *map, const char *const *values, size_t n, const zrecord_origin *origin,
                       zjtx_error **errs) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  zslot on_stack[SLOTS_ON_STACK];
  g_autofree zslot *on_heap = NULL;
  if (refused(f, entity, origin, errs))
    return false;
  zrec rc = {.f = f, .e = e, .t = &f->tables[entity], .origin = origin, .slots = on_stack,
             .names = names, .values = values, .map = map, .n = n, .parent = parent_key,
             .ok = true, .errs = errs};
  if (e->fields->len > SLOTS_ON_STACK)
    rc.slots = on_heap = g_new0(zslot, e->fields->len);
  else
    memset(on_stack, 0, sizeof on_stack[0] * e->fields->len);
  fill_slots(&rc);
  check_parent(&rc);
  check_fields(&rc);
  rc.t->read++;
  if (rc.ok) {
    store_record(&rc);
  } else {
    const char *id = given_id(&rc);
    rc.t->rejected++;
    if (id) /* its children will be refused too, naming it */
      g_hash_table_add(rc.t->rejected_ids, keep_text(rc.t, id));
  }
  return rc.ok;
}

bool zfacts_add_record(struct zjtx_facts *f, int32_t entity, const char *parent_key,
                       const char *const *names, const char *const *values, size_t n,
                       const zrecord_origin *origin, zjtx_error **errs) {
  int32_t on_stack[SLOTS_ON_STACK];
  g_autofree int32_t *on_heap = NULL;
  int32_t *map = n > SLOTS_ON_STACK ? (on_heap = g_new(int32_t, n)) : on_stack;
  zfacts_map_names(zpolicy_entity(f->policy, entity), names, n, map);
  return zfacts_add_mapped(f, entity, parent_key, names, map, values, n, origin, errs);
}

/* ---- finishing ----------------------------------------------------------- */

/* Records to refuse while finishing in keep-going mode: 1 for a duplicate
 * id (the first record keeps it), 2 for anything else (its id is refused). */
enum { KEEP = 0, DROP_DUPLICATE = 1, DROP = 2 };

/* Ids are unique per entity; the first of two records keeps the id. */
static void build_keys(struct zjtx_facts *f, int32_t entity, zjtx_error ***errs, uint8_t *drop) {
  ztable *t = &f->tables[entity];
  GPtrArray *keys = key_column(f, entity);
  g_clear_pointer(&t->by_key, g_hash_table_unref);
  if (!keys)
    return;
  t->by_key = g_hash_table_new(g_str_hash, g_str_equal);
  for (int32_t r = 0; r < t->n; r++) {
    char *id = g_ptr_array_index(keys, r);
    int32_t first = GPOINTER_TO_INT(g_hash_table_lookup(t->by_key, id)) - 1;
    if (first < 0) {
      g_hash_table_insert(t->by_key, id, GINT_TO_POINTER(r + 1));
      continue;
    }
    g_autofree char *q = quote(id);
    g_autofree char *w1 = record_where(t, first), *w2 = record_where(t, r);
    stored_error(f, entity, r, errs, zentity_field(zpolicy_entity(f->policy, entity), zpolicy_entity(f->policy, entity)->key_field)->name,
                 id, "duplicate id %s (first at %s, again at %s)", q, w1, w2);
    if (drop)
      drop[r] = DROP_DUPLICATE;
  }
}

/* Record index of the `target` record with id `key`, or -1. */
static int32_t lookup_key(const struct zjtx_facts *f, int32_t target, const char *key) {
  GHashTable *by_key = f->tables[target].by_key;
  if (!by_key)
    return -1;
  return GPOINTER_TO_INT(g_hash_table_lookup(by_key, key)) - 1;
}

/* Resolves the id texts `texts` to records of `target` into `out`. */
static void resolve(struct zjtx_facts *f, int32_t entity, const char *field, GPtrArray *texts,
                    int32_t target, GArray *out, zjtx_error ***errs, uint8_t *drop) {
  const ztable *t = &f->tables[entity];
  const zentity *te = zpolicy_entity(f->policy, target);
  g_array_set_size(out, (guint)t->n);
  for (int32_t r = 0; r < t->n; r++) {
    const char *key = g_ptr_array_index(texts, r);
    int32_t idx = key ? lookup_key(f, target, key) : ABSENT_INDEX;
    g_array_index(out, int32_t, r) = idx;
    if (!key || idx >= 0 || (drop && drop[r]))
      continue;
    g_autofree char *q = quote(key);
    if (g_hash_table_contains(f->tables[target].rejected_ids, key))
      stored_error(f, entity, r, errs, field, key, "field \"%s\": %s names a %s that was refused (see its own problem)",
                   field, q, te->name);
    else
      stored_error(f, entity, r, errs, field, key, "field \"%s\": %s is not the id of any %s%s", field, q, te->name,
                   f->tables[target].by_key ? "" : " (it has no id field)");
    if (drop)
      drop[r] = DROP;
  }
}

static void resolve_entity(struct zjtx_facts *f, int32_t entity, zjtx_error ***errs, uint8_t *drop) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  ztable *t = &f->tables[entity];
  if (e->parent >= 0)
    resolve(f, entity, e->parent_key, t->parent_text, e->parent, t->parent, errs, drop);
  for (guint i = 0; i < e->fields->len; i++) {
    const zfield *fd = zentity_field(e, (int32_t)i);
    if (fd->type == ZF_REF)
      resolve(f, entity, fd->name, t->columns[i].str, fd->ref_entity, t->columns[i].i32, errs, drop);
  }
}

/* Keeps the elements of `a` (of `size` bytes each) whose drop flag is 0. */
static void compact_array(GArray *a, const uint8_t *drop, int32_t n) {
  if (!a || a->len == 0)
    return;
  guint size = g_array_get_element_size(a), kept = 0;
  for (int32_t r = 0; r < n; r++)
    if (!drop[r])
      memmove(a->data + (gsize)kept++ * size, a->data + (gsize)r * size, size);
  g_array_set_size(a, kept);
}

static void compact_ptrs(GPtrArray *a, const uint8_t *drop, int32_t n) {
  if (!a || a->len == 0)
    return;
  guint kept = 0;
  for (int32_t r = 0; r < n; r++)
    if (!drop[r])
      a->pdata[kept++] = a->pdata[r];
  g_ptr_array_set_size(a, (gint)kept);
}

/* Removes the dropped records of a table; returns how many. */
static int32_t table_compact(struct zjtx_facts *f, int32_t entity, const uint8_t *drop) {
  ztable *t = &f->tables[entity];
  const zentity *e = zpolicy_entity(f->policy, entity);
  GPtrArray *keys = key_column(f, entity);
  int32_t dropped = 0;
  for (int32_t r = 0; r < t->n; r++) {
    if (!drop[r])
      continue;
    dropped++;
    if (keys && drop[r] == DROP)
      g_hash_table_add(t->rejected_ids, g_ptr_array_index(keys, r));
  }
  if (!dropped)
    return 0;
  for (guint i = 0; i < e->fields->len; i++) {
    zcolumn *c = &t->columns[i];
    compact_array(c->i64, drop, t->n);
    compact_array(c->i32, drop, t->n);
    compact_array(c->u8, drop, t->n);
    compact_ptrs(c->str, drop, t->n);
  }
  compact_array(t->parent, drop, t->n);
  compact_ptrs(t->parent_text, drop, t->n);
  compact_array(t->where_line, drop, t->n);
  compact_ptrs(t->where_file, drop, t->n);
  t->n -= dropped;
  t->rejected += dropped;
  return dropped;
}

/* CSR of `owner_of` (the owner of each of n_items records, -1: none), by a
 * counting sort that keeps each owner's items in record order. */
static void csr_build(zcsr *c, int32_t n_owner, const int32_t *owner_of, int32_t n_items) {
  c->offsets = g_new0(int32_t, (gsize)n_owner + 1);
  for (int32_t i = 0; i < n_items; i++)
    if (owner_of[i] >= 0)
      c->offsets[owner_of[i] + 1]++;
  for (int32_t o = 0; o < n_owner; o++)
    c->offsets[o + 1] += c->offsets[o];
  c->items = g_new(int32_t, (gsize)c->offsets[n_owner] + 1);
  g_autofree int32_t *next = g_memdup2(c->offsets, sizeof(int32_t) * ((gsize)n_owner + 1));
  for (int32_t i = 0; i < n_items; i++)
    if (owner_of[i] >= 0)
      c->items[next[owner_of[i]]++] = i;
}

/* The owner of each target record: its parent, or what its `via` field
 * names.  NULL when the relation does not fit the entities. */
static const GArray *relation_owners(const struct zjtx_facts *f, const zrelation *rel) {
  const zentity *te = zpolicy_entity(f->policy, rel->target);
  const ztable *t = &f->tables[rel->target];
  if (rel->kind == ZREL_CHILDREN)
    return te->parent == rel->owner ? t->parent : NULL;
  if (rel->via_field < 0 || (guint)rel->via_field >= te->fields->len)
    return NULL;
  const zfield *via = zentity_field(te, rel->via_field);
  if (via->type != ZF_REF || via->ref_entity != rel->owner)
    return NULL;
  return t->columns[rel->via_field].i32;
}

static bool build_relations(struct zjtx_facts *f, zjtx_error **errs) {
  GPtrArray *rels = f->policy->relations;
  f->relations = g_new0(zcsr, rels->len);
  for (guint i = 0; i < rels->len; i++) {
    const zrelation *rel = g_ptr_array_index(rels, i);
    const GArray *owners = relation_owners(f, rel);
    if (!owners) {
      zerr_append(errs, zerr_new(ZJTX_ERR_POLICY, NULL, 0, 0, NULL,
                                 "relation \"%s\" does not match its entities' declarations",
                                 rel->name));
      return false;
    }
    csr_build(&f->relations[i], f->tables[rel->owner].n, (const int32_t *)(void *)owners->data,
              f->tables[rel->target].n);
  }
  return true;
}

static void free_relations(struct zjtx_facts *f) {
  for (guint i = 0; f->relations && i < f->policy->relations->len; i++) {
    g_free(f->relations[i].offsets);
    g_free(f->relations[i].items);
  }
  g_clear_pointer(&f->relations, g_free);
}

/* Keep-going mode: refuse duplicates and records whose parent or reference
 * does not resolve, then again for records that pointed at those, until
 * every remaining record resolves. */
static void finish_keep_going(struct zjtx_facts *f) {
  guint n = f->policy->entities->len;
  for (;;) {
    uint8_t **drop = g_new0(uint8_t *, n);
    for (guint e = 0; e < n; e++)
      drop[e] = g_new0(uint8_t, (gsize)f->tables[e].n + 1);
    for (guint e = 0; e < n; e++)
      build_keys(f, (int32_t)e, NULL, drop[e]);
    for (guint e = 0; e < n; e++)
      resolve_entity(f, (int32_t)e, NULL, drop[e]);
    int32_t dropped = 0;
    for (guint e = 0; e < n; e++) {
      dropped += table_compact(f, (int32_t)e, drop[e]);
      g_free(drop[e]);
    }
    g_free(drop);
    if (!dropped)
      return;
  }
}

zjtx_status zjtx_facts_finish(zjtx_facts *facts, zjtx_error **err) {
  if (!facts)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "zjtx_facts_finish: facts is NULL");
  if (facts->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the facts are already finished");
  guint n = facts->policy->entities->len;
  zjtx_error *errs = NULL, **tail = &errs;
  if (facts->keep_going) {
    finish_keep_going(facts);
  } else {
    /* all ids first: any record may refer to any other */
    for (guint e = 0; e < n; e++)
      build_keys(facts, (int32_t)e, &tail, NULL);
    for (guint e = 0; e < n; e++)
      resolve_entity(facts, (int32_t)e, &tail, NULL);
  }
  if (!errs && build_relations(facts, &errs)) {
    int32_t most = 0;
    for (guint e = 0; e < n; e++)
      most = MAX(most, facts->tables[e].n);
    facts->identity = g_new(int32_t, (gsize)most + 1);
    for (int32_t i = 0; i < most; i++)
      facts->identity[i] = i;
    facts->finished = true;
  }
  if (!errs) {
    /* resolved into the parent indexes (the texts stay in the chunk) */
    for (guint e = 0; e < n; e++)
      g_clear_pointer(&facts->tables[e].parent_text, g_ptr_array_unref);
    return ZJTX_OK;
  }
  free_relations(facts);
  return zerr_give(err, errs);
}

/* ---- the public record API ----------------------------------------------- */

zjtx_status zjtx_facts_new(zjtx_policy *policy, zjtx_facts **out, zjtx_error **err) {
  if (out)
    *out = NULL;
  if (!policy || !out)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "zjtx_facts_new: policy and out must not be NULL");
  zjtx_facts *f = g_new0(zjtx_facts, 1);
  f->policy = zjtx_policy_ref(policy);
  f->strings = g_string_chunk_new(4096);
  f->max_field = ZFACTS_MAX_FIELD_DEFAULT;
  f->max_line = ZFACTS_MAX_LINE_DEFAULT;
  f->tables = g_new0(ztable, policy->entities->len);
  for (guint i = 0; i < policy->entities->len; i++)
    table_init(&f->tables[i], zpolicy_entity(policy, (int32_t)i));
  *out = f;
  return ZJTX_OK;
}

void zjtx_facts_free(zjtx_facts *facts) {
  if (!facts)
    return;
  free_relations(facts);
  g_free(facts->identity);
  for (guint i = 0; i < facts->policy->entities->len; i++)
    table_clear(&facts->tables[i], zpolicy_entity(facts->policy, (int32_t)i));
  g_free(facts->tables);
  g_string_chunk_free(facts->strings);
  g_free(facts->period);
  zjtx_policy_unref(facts->policy);
  g_free(facts);
}

const char *zjtx_facts_period(const zjtx_facts *facts) { return facts ? facts->period : NULL; }

size_t zjtx_facts_record_count(const zjtx_facts *facts, const char *entity) {
  int32_t e = facts && entity ? zpolicy_entity_index(facts->policy, entity) : -1;
  return e < 0 ? 0 : (size_t)facts->tables[e].n;
}

static char *entity_list(const struct zjtx_policy *p) {
  g_autoptr(GString) s = g_string_new(NULL);
  for (guint i = 0; i < p->entities->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", zpolicy_entity(p, (int32_t)i)->name);
  return g_string_free(g_steal_pointer(&s), FALSE);
}

zjtx_status zjtx_facts_add_record(zjtx_facts *facts, const char *entity, const char *const *names,
                                  const char *const *values, size_t n, zjtx_error **err) {
  if (!facts || !entity || (n > 0 && (!names || !values)))
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL,
                    "zjtx_facts_add_record: facts, entity, names and values must not be NULL");
  int32_t e = zpolicy_entity_index(facts->policy, entity);
  if (e < 0) {
    g_autofree char *list = entity_list(facts->policy);
    return zerr_set(err, ZJTX_ERR_NOT_FOUND, NULL, 0, 0, NULL,
                    "the policy declares no entity \"%s\" (it declares: %s)", entity, list);
  }
  zjtx_error *errs = NULL;
  if (zfacts_add_record(facts, e, NULL, names, values, n, NULL, &errs))
    return ZJTX_OK;
  return zerr_give(err, errs);
}

/* ---- reading ------------------------------------------------------------- */

const char *zfacts_record_id(const struct zjtx_facts *f, int32_t entity, int32_t rec, char *buf) {
  GPtrArray *keys = key_column(f, entity);
  if (keys)
    return g_ptr_array_index(keys, rec);
  g_snprintf(buf, 32, "#%d", rec + 1);
  return buf;
}

/* ---- keep-going, rejects, reconciliation --------------------------------- */

zjtx_status zjtx_facts_set_keep_going(zjtx_facts *facts, int keep_going, zjtx_error **err) {
  if (!facts)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "facts is NULL");
  if (facts->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the facts are already finished");
  facts->keep_going = keep_going != 0;
  return ZJTX_OK;
}

/* A limit set on unfinished facts: at least one byte. */
static zjtx_status set_limit(zjtx_facts *facts, size_t *limit, size_t bytes, const char *what, zjtx_error **err) {
  if (!facts)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "facts is NULL");
  if (facts->finished)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the facts are already finished");
  if (bytes == 0)
    return zerr_set(err, ZJTX_ERR_INVALID_ARG, NULL, 0, 0, NULL, "the %s limit must be at least 1 byte", what);
  *limit = bytes;
  return ZJTX_OK;
}

zjtx_status zjtx_facts_set_max_field_bytes(zjtx_facts *facts, size_t bytes, zjtx_error **err) {
  return set_limit(facts, facts ? &facts->max_field : NULL, bytes, "field", err);
}

zjtx_status zjtx_facts_set_max_line_bytes(zjtx_facts *facts, size_t bytes, zjtx_error **err) {
  return set_limit(facts, facts ? &facts->max_line : NULL, bytes, "line", err);
}

/* The i-th reject over all tables, in entity order; its entity in *entity. */
static const zreject *reject_at(const zjtx_facts *f, size_t i, int32_t *entity) {
  for (guint e = 0; f && e < f->policy->entities->len; e++) {
    GArray *r = f->tables[e].rejects;
    if (i < r->len) {
      if (entity)
        *entity = (int32_t)e;
      return &g_array_index(r, zreject, i);
    }
    i -= r->len;
  }
  return NULL;
}

size_t zjtx_facts_reject_count(const zjtx_facts *f) {
  size_t n = 0;
  for (guint e = 0; f && e < f->policy->entities->len; e++)
    n += f->tables[e].rejects->len;
  return n;
}

const char *zjtx_facts_reject_entity(const zjtx_facts *f, size_t i) {
  int32_t e;
  return reject_at(f, i, &e) ? zpolicy_entity(f->policy, e)->name : NULL;
}
const char *zjtx_facts_reject_file(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->file : NULL;
}
int zjtx_facts_reject_line(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->line : 0;
}
const char *zjtx_facts_reject_id(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->id : NULL;
}
const char *zjtx_facts_reject_field(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->field : NULL;
}
const char *zjtx_facts_reject_value(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->value : NULL;
}
const char *zjtx_facts_reject_reason(const zjtx_facts *f, size_t i) {
  const zreject *r = reject_at(f, i, NULL);
  return r ? r->reason : NULL;
}

zjtx_status zjtx_facts_reconcile(const zjtx_facts *f, const char *entity, int64_t *read, int64_t *accepted,
                                 int64_t *refused) {
  int32_t e = f && entity ? zpolicy_entity_index(f->policy, entity) : -1;
  if (e < 0)
    return ZJTX_ERR_NOT_FOUND;
  const ztable *t = &f->tables[e];
  if (read)
    *read = t->read;
  if (accepted)
    *accepted = t->n;
  if (refused)
    *refused = t->rejected;
  return ZJTX_OK;
}

void zjtx_facts_progress(const zjtx_facts *f, uint64_t *records, uint64_t *bytes, uint64_t *total_bytes) {
  if (records)
    *records = f ? __atomic_load_n(&f->progress_records, __ATOMIC_RELAXED) : 0;
  if (bytes)
    *bytes = f ? __atomic_load_n(&f->progress_bytes, __ATOMIC_RELAXED) : 0;
  if (total_bytes)
    *total_bytes = f ? __atomic_load_n(&f->progress_total, __ATOMIC_RELAXED) : 0;
}
