/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-file.c - reading a facts file whole: regular files only, out of memory and changes while reading reported. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts-store.h"

/* From this size the file is read in two halves on two threads
 * (ZJTX_FACTS_SPLIT_BYTES overrides it, so that tests split small files):
 * most of a read is the kernel faulting in and filling the fresh pages,
 * which two threads do in about half the time (360 MB: 0.10 s instead of
 * 0.18 s), while below a few megabytes a thread costs more than it saves. */
#define SPLIT_BYTES_DEFAULT ((size_t)16 << 20)

static size_t split_bytes(void) {
  const char *s = g_getenv("ZJTX_FACTS_SPLIT_BYTES");
  char *end;
  long long v = s ? strtoll(s, &end, 10) : 0;
  return s && *s && !*end && v >= 1 ? (size_t)v : SPLIT_BYTES_DEFAULT;
}

/* Whether two stats of one file tell the same contents: a file written
 * while it was read changes its size or its modification time. */
static bool same_file_state(const struct stat *a, const struct stat *b) {
  return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Bytes [offset, offset + size) of the file into data; `past`: one byte
 * more is asked for (the last part only: the byte after a middle part is
 * the next part's), to see a file that grew. */
typedef struct {
  int fd;
  char *data;
  size_t offset, size;
  bool past;
  size_t got; /* bytes read: fewer than size when the file ended before */
  int error;  /* the errno of a read that failed, else 0 */
} zpart;

static void read_part(zpart *part) {
  size_t want = part->size + (part->past ? 1 : 0);
  part->got = 0;
  part->error = 0;
  while (part->got < want) {
    ssize_t n = pread(part->fd, part->data + part->got, want - part->got, (off_t)(part->offset + part->got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      part->error = errno;
      return;
    }
    if (n == 0)
      return;
    part->got += (size_t)n;
  }
}

static gpointer read_part_thread(gpointer data) {
  read_part(data);
  return NULL;
}

/* Reads the file's `size` bytes (and sees whether there are more): in two
 * halves at once from split_bytes() on, the second on a thread of its own
 * (on this one if no thread can start).  *got: the bytes read; false
 * with errno set on an I/O error. */
static bool read_all(int fd, char *data, size_t size, size_t *got) {
  size_t half = size >= split_bytes() ? size / 2 : 0;
  zpart first = {fd, data, 0, half, false, 0, 0};
  zpart second = {fd, data + half, half, size - half, true, 0, 0};
  GThread *helper = half > 0 ? g_thread_try_new("zjtx-read", read_part_thread, &second, NULL) : NULL;
  if (half > 0)
    read_part(&first);
  if (helper)
    g_thread_join(helper);
  else
    read_part(&second);
  int error = first.error ? first.error : second.error;
  if (error) {
    errno = error;
    return false;
  }
  *got = first.got < half ? first.got : half + second.got; /* a first half cut short: the file shrank */
  return true;
}

char *zfacts_read_regular_file(const char *path, size_t *len, zjtx_error **err) {
  struct stat before, after;
  int fd;
  do
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO would block in open(2) */
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    zerr_set(err, ZJTX_ERR_IO, path, 0, 0, NULL, "cannot read the facts: %s", g_strerror(errno));
    return NULL;
  }
  char *data = NULL;
  size_t got = 0;
  if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
    zerr_set(err, ZJTX_ERR_IO, path, 0, 0, NULL, "cannot read the facts: not a regular file");
  } else if ((uintmax_t)before.st_size >= SIZE_MAX || !(data = g_try_malloc((size_t)before.st_size + 1))) {
    zerr_set(err, ZJTX_ERR_NOMEM, path, 0, 0, NULL, "out of memory reading the facts (%jd bytes)",
             (intmax_t)before.st_size);
  } else if (!read_all(fd, data, (size_t)before.st_size, &got)) {
    zerr_set(err, ZJTX_ERR_IO, path, 0, 0, NULL, "cannot read the facts: %s", g_strerror(errno));
    g_clear_pointer(&data, g_free);
  } else if (got != (size_t)before.st_size || fstat(fd, &after) != 0 || !same_file_state(&before, &after)) {
    zerr_set(err, ZJTX_ERR_IO, path, 0, 0, NULL,
             "the file changed while it was read; read it again once it is "
             "complete");
    g_clear_pointer(&data, g_free);
  } else {
    data[got] = '\0';
    *len = got;
  }
  close(fd);
  return data;
}
