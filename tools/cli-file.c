/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-file.c - output files of `zjtx evaluate`, written atomically: a
 * temporary beside the file, synced, renamed over it only when complete. */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Temporaries not yet renamed or removed: an interrupted run (Ctrl-C,
 * kill) removes them too.  Only pointers are stored or read here, and the
 * handler calls only unlink(), which is async-signal-safe. */
#define MAX_PENDING 8
static const char *volatile pending[MAX_PENDING];

static void remove_pending(int sig) {
  for (int i = 0; i < MAX_PENDING; i++)
    if (pending[i])
      unlink(pending[i]);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* Catches the signals that end a run, except those the caller ignores;
 * SIGABRT and SIGTRAP too, which is how GLib ends a process that runs out
 * of memory (g_error), so that even then no temporary is left. */
static void install_handlers(void) {
  static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGTRAP};
  struct sigaction sa = {.sa_handler = remove_pending}, old;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < G_N_ELEMENTS(signals); i++)
    if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
      sigaction(signals[i], &sa, NULL);
}

static void track(const char *tmp) {
  static bool installed;
  if (!installed) {
    install_handlers();
    installed = true;
  }
  for (int i = 0; i < MAX_PENDING; i++)
    if (!pending[i]) {
      pending[i] = tmp;
      return;
    }
}

static void untrack(const char *tmp) {
  for (int i = 0; i < MAX_PENDING; i++)
    if (pending[i] == tmp)
      pending[i] = NULL;
}

static bool sink_fail(const cli_sink *sink, int errnum) {
  cli_message("%s: cannot write: %s", sink->path ? sink->path : "standard output",
              errnum ? g_strerror(errnum) : "input/output error");
  return false;
}

/* An existing file that is not a regular one (/dev/stdout, a pipe): write
 * into it, since renaming over it would replace the device or pipe. */
static bool open_in_place(cli_sink *sink) {
  sink->fp = fopen(sink->path, "w");
  return sink->fp ? true : sink_fail(sink, errno);
}

/* A temporary FILE.tmp.XXXXXX in the target's directory, with the mode the
 * target has (or would get from fopen: 0666 less the umask). */
static bool open_temporary(cli_sink *sink, const struct stat *existing) {
  sink->tmp = g_strconcat(sink->target, ".tmp.XXXXXX", NULL);
  int fd = g_mkstemp_full(sink->tmp, O_WRONLY, 0666);
  if (fd < 0) {
    int e = errno;
    g_clear_pointer(&sink->tmp, g_free);
    return sink_fail(sink, e);
  }
  if (existing)
    (void)fchmod(fd, existing->st_mode & 07777);
  sink->fp = fdopen(fd, "w");
  if (!sink->fp) {
    int e = errno;
    close(fd);
    (void)g_unlink(sink->tmp);
    g_clear_pointer(&sink->tmp, g_free);
    return sink_fail(sink, e);
  }
  track(sink->tmp);
  return true;
}

bool cli_sink_open(cli_sink *sink, const char *path) {
  memset(sink, 0, sizeof *sink);
  if (!path) {
    sink->fp = stdout;
    return true;
  }
  sink->path = g_strdup(path);
  struct stat st;
  if (stat(path, &st) != 0) {
    if (errno != ENOENT)
      return sink_fail(sink, errno);
    sink->target = g_strdup(path);
    return open_temporary(sink, NULL);
  }
  if (!S_ISREG(st.st_mode))
    return open_in_place(sink);
  char *real = realpath(path, NULL); /* replace what a symbolic link names */
  if (!real)
    return sink_fail(sink, errno);
  sink->target = g_strdup(real);
  free(real);
  return open_temporary(sink, &st);
}

/* Makes the rename durable; a failure here changes nothing already done. */
static void sync_directory(const char *file) {
  g_autofree char *dir = g_path_get_dirname(file);
  int fd = open(dir, O_RDONLY);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

static void sink_free(cli_sink *sink) {
  untrack(sink->tmp);
  g_clear_pointer(&sink->path, g_free);
  g_clear_pointer(&sink->target, g_free);
  g_clear_pointer(&sink->tmp, g_free);
  sink->fp = NULL;
}

bool cli_sink_commit(cli_sink *sink) {
  if (!sink->fp)
    return false;
  errno = 0;
  bool ok = fflush(sink->fp) == 0 && !ferror(sink->fp) && (!sink->tmp || fsync(fileno(sink->fp)) == 0);
  int e = ok ? 0 : errno;
  if (sink->fp != stdout && fclose(sink->fp) != 0 && ok) {
    ok = false;
    e = errno;
  }
  sink->fp = NULL;
  if (ok && sink->tmp && rename(sink->tmp, sink->target) != 0) {
    ok = false;
    e = errno;
  }
  if (ok && sink->tmp)
    sync_directory(sink->target);
  if (!ok) {
    if (sink->tmp)
      (void)g_unlink(sink->tmp);
    sink_fail(sink, e);
  }
  sink_free(sink);
  return ok;
}

void cli_sink_abort(cli_sink *sink) {
  if (sink->fp && sink->fp != stdout)
    fclose(sink->fp);
  else if (sink->fp)
    fflush(stdout);
  if (sink->tmp)
    (void)g_unlink(sink->tmp);
  sink_free(sink);
}
