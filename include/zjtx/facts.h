/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zjtx/facts.h - facts about the entities a policy declares.
 *
 * A zjtx_facts holds records of the policy's entities (enterprises,
 * counties, their honors, loans, ...), checked against the declarations:
 * types, closed code lists, money with at most two decimals, real calendar
 * dates, identifier check characters, references and duplicate ids.
 *
 * Facts are built by one thread (load or add records, then finish); once
 * finished they are immutable and may be read by any number of threads
 * evaluating at once.
 */
#ifndef ZJTX_FACTS_H
#define ZJTX_FACTS_H

#include "common.h"
#include "policy.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zjtx_facts zjtx_facts;

/**
 * zjtx_facts_new: empty facts for @policy (a reference is taken).
 * @out: (out): owned by the caller, who holds one reference to it;
 *   zjtx_facts_unref() (or zjtx_facts_free()).
 */
ZJTX_API zjtx_status zjtx_facts_new(zjtx_policy *policy, zjtx_facts **out, zjtx_error **err);

/**
 * zjtx_facts_add_record:
 * @entity: an entity the policy declares ("enterprise", "honor", ...).
 * @names, @values: @n field names and values, values written as in the JSON
 *   carrier's strings ("1250000.50", "2025-06-30", "true", "gold").  A
 *   child record names its parent by the parent-key field ("enterprise").
 *   A NULL value means the field is absent.
 *
 * Checks every value at once; references to other records are resolved by
 * zjtx_facts_finish(), so records may come in any order.  On failure nothing
 * is added and the error names the entity, field, value and what was
 * expected.
 */
ZJTX_API zjtx_status zjtx_facts_add_record(zjtx_facts *facts, const char *entity, const char *const *names,
                                           const char *const *values, size_t n, zjtx_error **err);

/**
 * zjtx_facts_finish: resolves references (parents, `ref` fields), checks for
 * duplicate ids and builds the indexes evaluation needs.  Every problem is
 * reported (a chain: see zjtx_error_next).  After success the facts are
 * immutable; adding records fails with ZJTX_ERR_INVALID_ARG.
 */
ZJTX_API zjtx_status zjtx_facts_finish(zjtx_facts *facts, zjtx_error **err);

/**
 * zjtx_facts_load_json_file / _buffer: reads the JSON carrier (one
 * document: {"period": ..., "<plural>": [...]}, children nested under their
 * parent by plural name) and finishes the facts.  Every invalid record is
 * reported in the error chain, each with file, line, record and field.
 */
ZJTX_API zjtx_status zjtx_facts_load_json_file(zjtx_policy *policy, const char *path, zjtx_facts **out,
                                               zjtx_error **err);
ZJTX_API zjtx_status zjtx_facts_load_json_buffer(zjtx_policy *policy, const char *data, size_t len, const char *name,
                                                 zjtx_facts **out, zjtx_error **err);

/**
 * zjtx_facts_set_keep_going:
 * @keep_going: nonzero: an invalid record is refused and noted (see
 *   zjtx_facts_reject_count), and loading goes on with the rest; records
 *   whose parent or reference was refused are refused too.  Zero (the
 *   default): the first invalid record makes loading fail, and every
 *   problem is reported in the error chain.
 * Call before adding or reading records.
 */
ZJTX_API zjtx_status zjtx_facts_set_keep_going(zjtx_facts *facts, int keep_going, zjtx_error **err);

/**
 * zjtx_facts_set_max_field_bytes: the longest value a record may hold, in
 * bytes as written in the input (a JSON string between its quotes, a CSV
 * field with its quotes); longer is an error naming the record.  The
 * default is 1 MiB (1048576).  @bytes must be at least 1.
 * Call before reading records; zjtx_facts_load() uses the defaults.
 *
 * Since: 0.2
 */
ZJTX_API zjtx_status zjtx_facts_set_max_field_bytes(zjtx_facts *facts, size_t bytes, zjtx_error **err);

/**
 * zjtx_facts_set_max_line_bytes: the longest record of a CSV file, in bytes
 * (its line, or lines when a quoted field holds line breaks); a longer
 * record is refused like a malformed one.  The default is 4 MiB (4194304).
 * @bytes must be at least 1.  Call before reading records.
 *
 * Since: 0.2
 */
ZJTX_API zjtx_status zjtx_facts_set_max_line_bytes(zjtx_facts *facts, size_t bytes, zjtx_error **err);

/**
 * zjtx_facts_read_json_file / _read_json_buffer / _read_csv_dir: add the
 * records of one carrier to unfinished facts (then call zjtx_facts_finish).
 * The CSV directory holds one file per entity, named by its plural
 * ("enterprises.csv"), with a header row naming fields in any order; child
 * rows carry their parent's id in the parent-key column; a missing file
 * means no records.  A file named by an entity's singular ("enterprise.csv")
 * or by no entity, and a directory holding none of the policy's files, are
 * errors naming the files expected: never a silent nothing.  An empty cell
 * (like a JSON null or an absent key) is a missing value: refused for a
 * required field, missing for an optional one.  Fails on what makes the
 * input unusable as a whole (an
 * unreadable file, JSON that does not parse, a CSV header that lacks a
 * required column): with keep-going, record-level problems are noted as
 * rejects instead.
 *
 * Untrusted input: only regular files are read (ZJTX_ERR_IO naming the
 * path for a FIFO or a device), and a file whose size or modification time
 * changes while it is read is refused (ZJTX_ERR_IO).  JSON must be JSON as
 * RFC 8259 writes it (no comments, single quotes, hex or octal numbers),
 * one document with nothing but white space after it, nested no deeper
 * than the policy's entities need (ZJTX_ERR_LIMIT), with no NUL character
 * in a string; an integer outside int64 is handed to its field's check as
 * written.  A value longer than zjtx_facts_set_max_field_bytes() or a CSV
 * record longer than zjtx_facts_set_max_line_bytes() is refused.  When
 * memory runs out the call fails with ZJTX_ERR_NOMEM.
 */
ZJTX_API zjtx_status zjtx_facts_read_json_file(zjtx_facts *facts, const char *path, zjtx_error **err);
ZJTX_API zjtx_status zjtx_facts_read_json_buffer(zjtx_facts *facts, const char *data, size_t len, const char *name,
                                                 zjtx_error **err);
ZJTX_API zjtx_status zjtx_facts_read_csv_dir(zjtx_facts *facts, const char *dir, zjtx_error **err);

/**
 * zjtx_facts_progress: how far reading has got, for a progress display:
 * records read so far, bytes of CSV files read and their total size (0 when
 * unknown, e.g. for JSON).  May be called from any thread while another
 * thread reads records into @facts; any out-pointer may be NULL.
 */
ZJTX_API void zjtx_facts_progress(const zjtx_facts *facts, uint64_t *records, uint64_t *bytes, uint64_t *total_bytes);

/** Flags of zjtx_facts_load(). */
typedef enum {
  ZJTX_FACTS_STRICT = 0,
  ZJTX_FACTS_KEEP_GOING = 1 /* see zjtx_facts_set_keep_going() */
} zjtx_facts_flags;

/**
 * zjtx_facts_load: new facts from @path, a JSON file or a CSV directory,
 * finished.  With ZJTX_FACTS_KEEP_GOING the facts hold every valid record
 * and the refused ones are listed by zjtx_facts_reject_*.
 */
ZJTX_API zjtx_status zjtx_facts_load(zjtx_policy *policy, const char *path, int flags, zjtx_facts **out,
                                     zjtx_error **err);

/*
 * Rejects: one entry per problem found in an input record, in input order
 * per entity.  Strings are borrowed from the facts (NULL when unknown).
 */
ZJTX_API size_t zjtx_facts_reject_count(const zjtx_facts *facts);
/** The entity of the @i-th reject ("loan"). */
ZJTX_API const char *zjtx_facts_reject_entity(const zjtx_facts *facts, size_t i);
ZJTX_API const char *zjtx_facts_reject_file(const zjtx_facts *facts, size_t i);
ZJTX_API int zjtx_facts_reject_line(const zjtx_facts *facts, size_t i);
/** The id of the record as written, when it has one. */
ZJTX_API const char *zjtx_facts_reject_id(const zjtx_facts *facts, size_t i);
ZJTX_API const char *zjtx_facts_reject_field(const zjtx_facts *facts, size_t i);
ZJTX_API const char *zjtx_facts_reject_value(const zjtx_facts *facts, size_t i);
/** What was wrong and what was expected, one line. */
ZJTX_API const char *zjtx_facts_reject_reason(const zjtx_facts *facts, size_t i);

/**
 * zjtx_facts_reconcile: for @entity, how many records were read, accepted
 * and refused; read == accepted + refused always holds.  Any out-pointer
 * may be NULL.  Returns ZJTX_ERR_NOT_FOUND for an unknown entity.
 */
ZJTX_API zjtx_status zjtx_facts_reconcile(const zjtx_facts *facts, const char *entity, int64_t *read, int64_t *accepted,
                                          int64_t *refused);

/** The period the facts declare ("2025"), or NULL.  Borrowed. */
ZJTX_API const char *zjtx_facts_period(const zjtx_facts *facts);
/** Number of records of @entity, or 0 if the policy has no such entity. */
ZJTX_API size_t zjtx_facts_record_count(const zjtx_facts *facts, const char *entity);
/**
 * zjtx_facts_record_label: the label (zjtx_policy_entity_label) of the
 * record of @entity whose key is @id, e.g. a company's name; NULL when the
 * entity declares no label or no key, no accepted record has that key, or
 * its label is empty.  Borrowed from the facts.
 *
 * Since: 0.2
 */
ZJTX_API const char *zjtx_facts_record_label(const zjtx_facts *facts, const char *entity, const char *id);
/**
 * zjtx_facts_field_value:
 * @facts: finished facts.
 * @entity: an entity the policy declares ("enterprise").
 * @id: the record's id (its key field), or "#N" (1-based, as results name
 *   them) for a record of an entity without a key.
 * @field: a field the entity declares, or its parent-key field (then the
 *   parent's id).
 * @out: (out): the value as the facts hold it, written as the carriers
 *   write it: money with two decimals ("1250000.50"), a rate in percent
 *   ("3.45"), a count or number in its shortest form, a date YYYY-MM-DD,
 *   a bool "true" or "false", a code, a text or a reference's id as is.
 *   NULL (with ZJTX_OK) when the record has no value for that optional
 *   field: a missing value, not an empty text.  Owned; zjtx_free().
 * @err: (nullable): set on failure; free with zjtx_error_free().
 *
 * Reads back what was loaded, e.g. for an exporter checking its output.
 * Returns: ZJTX_OK; ZJTX_ERR_NOT_FOUND for an unknown entity, record or
 *   field; ZJTX_ERR_INVALID_ARG for a NULL argument or unfinished facts.
 * Thread-safety: any number of threads may read finished facts at once.
 * Since: 0.2
 */
ZJTX_API zjtx_status zjtx_facts_field_value(const zjtx_facts *facts, const char *entity, const char *id,
                                            const char *field, char **out, zjtx_error **err);

/**
 * zjtx_facts_ref: takes a reference to @facts; returns @facts.  Accepts NULL.
 *
 * Facts are freed when their last reference is dropped.  A result holds a
 * reference to the facts it was computed from (zjtx_evaluate), so a caller
 * may drop its own before or after freeing the result: any order is safe,
 * which is what a garbage-collected binding needs.
 * Thread-safety: atomic; any thread may take or drop a reference.
 * Since: 0.2
 */
ZJTX_API zjtx_facts *zjtx_facts_ref(zjtx_facts *facts);
/**
 * zjtx_facts_unref: drops a reference; frees the facts at zero.  Accepts NULL.
 * Thread-safety: atomic.
 * Since: 0.2
 */
ZJTX_API void zjtx_facts_unref(zjtx_facts *facts);
/**
 * zjtx_facts_free: the same as zjtx_facts_unref() (its name from 0.1, when
 * facts had one owner).  Accepts NULL.
 */
ZJTX_API void zjtx_facts_free(zjtx_facts *facts);

#ifdef __cplusplus
}
#endif
#endif
