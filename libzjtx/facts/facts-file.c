/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* facts-file.c - reading a facts file whole: regular files only, out of memory and changes while reading reported. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts-store.h"

/* Whether two stats of one file tell the same contents: a file written
 * while it was read changes its size or its modification time. */
static bool same_file_state(const struct stat *a, const struct stat *b) {
  return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Reads exactly `size` bytes (one more is asked for, to see a file that
 * grew); false with errno set on an I/O error. */
static bool read_all(int fd, char *data, size_t size, size_t *got) {
  *got = 0;
  for (;;) {
    ssize_t n = read(fd, data + *got, size + 1 - *got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return false;
    if (n == 0 || (*got += (size_t)n) > size)
      return true;
  }
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
