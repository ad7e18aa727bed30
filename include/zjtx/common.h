/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zjtx/common.h - status codes, errors, versions and memory of libzjtx.
 *
 * Conventions used by every libzjtx header:
 *  - Every fallible function returns a zjtx_status (ZJTX_OK == 0, failures
 *    negative) and takes an optional last argument `zjtx_error **err`.
 *    Pass NULL to ignore details.  *err is set only on failure and the
 *    caller frees it with zjtx_error_free().  *err must be NULL on entry:
 *    a call never clears it, and one that fails appends its error to the
 *    chain already there (zjtx_error_next), so zjtx_error_message(*err)
 *    would still tell the old failure.  Reusing one variable, free it and
 *    set it to NULL after each failure (as the bindings do).
 *  - `_new`, `_load` and `_evaluate` hand the caller an owned object through
 *    an `**out` argument (NULL on failure); free/unref functions accept NULL.
 *    `_get_*`-style accessors return borrowed pointers that stay valid while
 *    the object they came from lives.
 *  - Strings are UTF-8 and NUL-terminated; strings the library allocates for
 *    the caller are released with zjtx_free().
 *  - Money never crosses the API as a binary float: it is an int64_t number
 *    of fen (0.01 yuan) or a decimal string in yuan.
 *  - The library never prints and keeps no global mutable state.
 */
#ifndef ZJTX_COMMON_H
#define ZJTX_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "zjtx/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ZJTX_API marks what the library exports.  The library's own build defines
 * ZJTX_BUILDING_LIBRARY (libzjtx/meson.build); a program using the library
 * defines nothing.  On ELF the library is built with hidden visibility, so
 * only ZJTX_API functions are exported (and libzjtx.map names them); on
 * Windows a user of a static libzjtx defines ZJTX_STATIC.
 */
#ifndef ZJTX_API
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(ZJTX_STATIC)
#define ZJTX_API
#elif defined(ZJTX_BUILDING_LIBRARY)
#define ZJTX_API __declspec(dllexport)
#else
#define ZJTX_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define ZJTX_API __attribute__((visibility("default")))
#else
#define ZJTX_API
#endif
#endif

/**
 * zjtx_status:
 * Result of every fallible call.  Values are fixed and only ever appended.
 */
typedef enum {
  ZJTX_OK = 0,
  ZJTX_ERR_INVALID_ARG = -1, /* a programming error: NULL handle, bad index */
  ZJTX_ERR_IO = -2,          /* a file could not be read or written */
  ZJTX_ERR_XML = -3,         /* the policy is not well-formed or unsafe XML */
  ZJTX_ERR_SCHEMA = -4,      /* the policy does not follow the policy schema */
  ZJTX_ERR_POLICY = -5,      /* a name, type or structure error in a policy */
  ZJTX_ERR_FACTS = -6,       /* invalid facts (bad value, missing field, ...) */
  ZJTX_ERR_EVAL = -7,        /* evaluation failed (no parameter value in force) */
  ZJTX_ERR_OVERFLOW = -8,    /* an amount does not fit the exact money range */
  ZJTX_ERR_NOT_FOUND = -9,   /* no rule, parameter or entity of that name */
  ZJTX_ERR_LIMIT = -10,      /* a safety limit (size, depth, entities) was hit */
  ZJTX_ERR_NOMEM = -11
} zjtx_status;

/** zjtx_error: an opaque error.  Owned by whoever received it. */
typedef struct zjtx_error zjtx_error;

/** zjtx_error_code: the status this error stands for. */
ZJTX_API zjtx_status zjtx_error_code(const zjtx_error *err);
/** zjtx_error_message: one line, without file position.  Borrowed. */
ZJTX_API const char *zjtx_error_message(const zjtx_error *err);
/** zjtx_error_file: the file (or buffer name) concerned, or NULL. Borrowed. */
ZJTX_API const char *zjtx_error_file(const zjtx_error *err);
/** zjtx_error_line / _column: 1-based position, 0 when unknown. */
ZJTX_API int zjtx_error_line(const zjtx_error *err);
ZJTX_API int zjtx_error_column(const zjtx_error *err);
/** zjtx_error_rule: the rule, check or parameter id concerned, or NULL. */
ZJTX_API const char *zjtx_error_rule(const zjtx_error *err);
/**
 * zjtx_error_next: the next error of the same failure, or NULL.
 * Loading facts reports every invalid record, not just the first: walk the
 * chain from the error the call returned.  Borrowed from @err.
 */
ZJTX_API const zjtx_error *zjtx_error_next(const zjtx_error *err);
/** zjtx_error_count: number of errors in the chain starting at @err. */
ZJTX_API size_t zjtx_error_count(const zjtx_error *err);
/**
 * zjtx_error_format: "file:line:column: message" (parts that are unknown are
 * left out).  Returns an owned string; free it with zjtx_free().
 */
ZJTX_API char *zjtx_error_format(const zjtx_error *err);
/** zjtx_error_free: frees the whole chain.  Accepts NULL. */
ZJTX_API void zjtx_error_free(zjtx_error *err);

/** zjtx_free: releases a string or buffer the library allocated. */
ZJTX_API void zjtx_free(void *ptr);

/** zjtx_version_string: the library's version at run time, e.g. "0.1.0". */
ZJTX_API const char *zjtx_version_string(void);
/** zjtx_version_number: ZJTX_VERSION_NUMBER of the library at run time. */
ZJTX_API int zjtx_version_number(void);
/**
 * zjtx_version:
 * @major: (out) (nullable): ZJTX_VERSION_MAJOR of the library at run time.
 * @minor: (out) (nullable): its ZJTX_VERSION_MINOR.
 * @micro: (out) (nullable): its ZJTX_VERSION_MICRO.
 *
 * The version of the library loaded, which may be newer than the headers
 * a program was built with (zjtx/version.h).
 * Thread-safety: may be called from any thread.
 * Since: 0.2
 */
ZJTX_API void zjtx_version(int *major, int *minor, int *micro);

#ifdef __cplusplus
}
#endif
#endif
