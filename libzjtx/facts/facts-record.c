/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-record.c - one record checked against its entity's declarations and stored in the columns. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS (POSIX only since 2024) */
#include "facts-internal.h"

#include <string.h>
#include <sys/mman.h>

#include "ident.h"

/* Records of up to this many fields are checked without heap allocation. */
#define SLOTS_ON_STACK 64

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
  g_autofree char *what = o && o->what   ? g_strdup(o->what)
                          : o && o->file ? g_strdup_printf("%s line %d", rc->e->plural, o->line)
                                         : g_strdup_printf("%s #%u", rc->e->name, (unsigned)rc->t->n + 1);
  const char *given = given_id(rc);
  g_autofree char *id = given ? zfacts_escape(given) : NULL;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  zfacts_add_reject(rc->t, o ? o->file : NULL, o ? o->line : 0, given, field, value, msg);
  if (rc->errs)
    zfacts_append_error(&rc->errs, zerr_new(ZJTX_ERR_FACTS, o ? o->file : NULL, o ? o->line : 0, 0, NULL,
                                            "%s%s%s%s: %s", what, id ? " (" : "", id ? id : "", id ? ")" : "", msg));
  rc->ok = false;
}

/* `field "F": "V" <says>`: the one shape of every bad-value message. */
static bool bad_value(zrec *rc, const zfield *fd, const char *value, const char *says) {
  g_autofree char *q = zfacts_quote(value);
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
  case ZF_MONEY:
    return &money;
  case ZF_RATE:
    return &rate;
  case ZF_COUNT:
    return &count;
  default:
    return &number;
  }
}

/* The common case in one pass, where the general path below parses twice
 * and rescales in 128 bits (measured: the largest cost of reading a CSV
 * file): [-]digits[.digits] with at most `max_written` decimals and 18
 * digits in all, brought to `scale` within +-INT64_MAX.  False when the
 * general path must decide, and word any error. */
static bool fast_decimal(const char *s, size_t len, int max_written, int scale, int64_t *out) {
  static const int64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  size_t i = len > 0 && s[0] == '-';
  int64_t m = 0;
  int digits = 0, decimals = -1; /* -1: no point yet */
  for (; i < len; i++) {
    char c = s[i];
    if (c == '.' && decimals < 0 && digits > 0) {
      decimals = 0;
      continue;
    }
    if (c < '0' || c > '9' || ++digits > 18)
      return false;
    m = m * 10 + (c - '0');
    decimals += decimals >= 0;
  }
  if (digits == 0 || decimals == 0 || decimals > max_written || scale > 8)
    return false;
  int64_t factor = pow10[scale - (decimals < 0 ? 0 : decimals)];
  if (m > INT64_MAX / factor)
    return false;
  *out = s[0] == '-' ? -(m * factor) : m * factor;
  return true;
}

static bool parse_decimal(zrec *rc, const zfield *fd, const char *s, size_t len, int64_t *out) {
  const zdec_kind *k = dec_kind(fd->type);
  if (fast_decimal(s, len, k->max_written, k->parse_scale, out) &&
      (*out >= 0 || fd->type == ZF_RATE || fd->type == ZF_NUMBER || (fd->type == ZF_MONEY && fd->negative_ok)))
    return true; /* anything else (a negative where none is allowed) is worded below */
  int written = zdec_written_scale(s, len);
  char says[160];
  zdec d;
  if (written < 0 || written > k->max_written) {
    if (written < 0 || k->max_written == 0)
      g_snprintf(says, sizeof says, "is not %s (expected %s, e.g. \"%s\")", k->what,
                 k->max_written ? "a plain decimal" : "a whole number", k->example);
    else
      g_snprintf(says, sizeof says, "is not %s with at most %d decimals (expected e.g. \"%s\")", k->what,
                 k->max_written, k->example);
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
    g_snprintf(says, sizeof says, "is out of range (expected %s of at most %s)", k->what, zdec_format(top, -1, max));
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

/* g_utf8_validate, after a quick look at the ASCII bytes it starts with,
 * eight at a time: ids, codes and most texts are ASCII, and every text
 * value of every record is checked. */
static bool valid_utf8(const char *s, size_t len) {
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    /* a byte >= 0x80, or a zero byte (which g_utf8_validate refuses) */
    if ((w | ((w - 0x0101010101010101u) & ~w)) & 0x8080808080808080u)
      break;
  }
  while (i < len && (unsigned char)s[i] < 0x80 && s[i] != '\0')
    i++;
  return i == len || g_utf8_validate(s + i, (gssize)(len - i), NULL);
}

/* Checks one present value and leaves its stored form in the slot. */
static bool parse_value(zrec *rc, const zfield *fd, zslot *sl) {
  const char *s = sl->raw;
  size_t len = strlen(s);
  switch (fd->type) {
  case ZF_MONEY:
  case ZF_RATE:
  case ZF_COUNT:
  case ZF_NUMBER:
    return parse_decimal(rc, fd, s, len, &sl->v.i64);
  case ZF_DATE:
    if (!zdate_parse(s, len, &sl->v.i32))
      return bad_value(rc, fd, s,
                       "is not a date (expected a real calendar date YYYY-MM-DD, "
                       "e.g. \"2025-06-30\")");
    return true;
  case ZF_BOOL:
    return parse_bool(rc, fd, s, &sl->v.b);
  case ZF_CODE:
    return parse_code(rc, fd, s, len, &sl->v.i32);
  case ZF_TEXT:
  case ZF_REF:
    if (!valid_utf8(s, len))
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
    g_autofree char *q = zfacts_quote(value), *p = zfacts_quote(rc->parent);
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
      g_autofree char *q = values[i] ? zfacts_quote(values[i]) : g_strdup("absent");
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

/* One more element at the end of a column: g_array_set_size grows the
 * array as g_array_append_val does, without its memcpy call for a few
 * bytes (a tenth of adding a record, measured with callgrind). */
#define COLUMN_PUSH(array, type, value)                                                                                \
  do {                                                                                                                 \
    GArray *a_ = (array);                                                                                              \
    g_array_set_size(a_, a_->len + 1);                                                                                 \
    ((type *)(void *)a_->data)[a_->len - 1] = (value);                                                                 \
  } while (0)

static void store_value(ztable *t, zcolumn *c, const zslot *sl) {
  switch (c->type) {
  case ZF_MONEY:
  case ZF_RATE:
  case ZF_COUNT:
  case ZF_NUMBER: {
    int64_t v = sl->raw ? sl->v.i64 : ZFACTS_ABSENT_I64;
    COLUMN_PUSH(c->i64, int64_t, v);
    break;
  }
  case ZF_DATE:
  case ZF_CODE: {
    int32_t v = sl->raw ? sl->v.i32 : ZFACTS_ABSENT_I32;
    COLUMN_PUSH(c->i32, int32_t, v);
    break;
  }
  case ZF_BOOL: {
    uint8_t v = sl->raw ? sl->v.b : ZFACTS_ABSENT_U8;
    COLUMN_PUSH(c->u8, uint8_t, v);
    break;
  }
  case ZF_TEXT:
  case ZF_REF: /* NULL: absent (a reference resolves to ZFACTS_ABSENT_I32) */
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
  if (last && (last == file || strcmp(last, file) == 0)) /* the CSV carrier passes the kept text itself */
    return last;
  return g_string_chunk_insert_const(t->strings, file);
}

static void store_record(zrec *rc) {
  ztable *t = rc->t;
  for (guint i = 0; i < rc->e->fields->len; i++)
    store_value(t, &t->columns[i], &rc->slots[i]);
  if (t->parent_text)
    g_ptr_array_add(t->parent_text, g_string_chunk_insert(t->parent_strings, rc->parent));
  int32_t line = rc->origin ? rc->origin->line : 0;
  COLUMN_PUSH(t->where_line, int32_t, line);
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
 * two), so there, try to map what they are about to take at once: a
 * failure is a clean ZJTX_ERR_NOMEM instead of an abort in g_array_append.
 * mmap, not malloc: freeing a large malloc'd block raises glibc's dynamic
 * mmap threshold, and the arrays' later reallocations then copy on the
 * heap (measured: +20 MiB peak at a million records). */
static bool room_to_grow(const ztable *t, const zentity *e) {
  guint n = (guint)t->n;
  if (n < (1u << 16) || (n & (n - 1)) != 0)
    return true;
  gsize per = record_bytes(t, e);
  if (per > G_MAXSIZE / 2 / n)
    return false;
  size_t bytes = per * 2 * n;
  void *probe = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED)
    return false;
  munmap(probe, bytes);
  return true;
}

/* Adding is refused outright (finished facts, a full table, no memory),
 * before any value is looked at.  What stops reading altogether is kept in
 * the table's `stop`, for carriers that collect no errors (keep-going). */
static bool refused(struct zjtx_facts *f, ztable *t, int32_t entity, const zrecord_origin *origin, zjtx_error **errs) {
  const char *file = origin ? origin->file : NULL;
  int line = origin ? origin->line : 0;
  const zentity *e = zpolicy_entity(f->policy, entity);
  zjtx_error *why;
  if (f->finished)
    why = zerr_new(ZJTX_ERR_INVALID_ARG, file, line, 0, NULL, "the facts are finished; no record can be added");
  else if (t->stop)
    return true;                  /* already reported */
  else if (t->n >= INT32_MAX - 1) /* record indexes are int32 */
    why = zerr_new(ZJTX_ERR_LIMIT, file, line, 0, NULL, "too many %s records", e->name);
  else if (!room_to_grow(t, e))
    why = zerr_new(ZJTX_ERR_NOMEM, file, line, 0, NULL, "out of memory: no room for more than %d %s records", t->n,
                   e->name);
  else
    return false;
  if (why->code != ZJTX_ERR_INVALID_ARG)
    t->stop = errs ? zerr_new(why->code, why->file, why->line, 0, NULL, "%s", why->message) : g_steal_pointer(&why);
  if (errs && why)
    zerr_append(errs, why);
  else
    zjtx_error_free(why);
  return true;
}

bool zfacts_add_to_table(struct zjtx_facts *f, ztable *t, int32_t entity, const char *parent_key,
                         const char *const *names, const int32_t *map, const char *const *values, size_t n,
                         const zrecord_origin *origin, zjtx_error **errs) {
  const zentity *e = zpolicy_entity(f->policy, entity);
  zslot on_stack[SLOTS_ON_STACK];
  g_autofree zslot *on_heap = NULL;
  if (refused(f, t, entity, origin, errs))
    return false;
  zrec rc = {.f = f,
             .e = e,
             .t = t,
             .origin = origin,
             .slots = on_stack,
             .names = names,
             .values = values,
             .map = map,
             .n = n,
             .parent = parent_key,
             .ok = true,
             .errs = errs};
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

bool zfacts_add_mapped(struct zjtx_facts *f, int32_t entity, const char *parent_key, const char *const *names,
                       const int32_t *map, const char *const *values, size_t n, const zrecord_origin *origin,
                       zjtx_error **errs) {
  return zfacts_add_to_table(f, &f->tables[entity], entity, parent_key, names, map, values, n, origin, errs);
}

bool zfacts_add_record(struct zjtx_facts *f, int32_t entity, const char *parent_key, const char *const *names,
                       const char *const *values, size_t n, const zrecord_origin *origin, zjtx_error **errs) {
  int32_t on_stack[SLOTS_ON_STACK];
  g_autofree int32_t *on_heap = NULL;
  int32_t *map = n > SLOTS_ON_STACK ? (on_heap = g_new(int32_t, n)) : on_stack;
  zfacts_map_names(zpolicy_entity(f->policy, entity), names, n, map);
  return zfacts_add_mapped(f, entity, parent_key, names, map, values, n, origin, errs);
}
