/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/fuzz/standalone.c - replays fuzz inputs without libFuzzer (the shape
 * of libgit2's fuzzers/standalone_driver.c): calls LLVMFuzzerTestOneInput()
 * once per file given, or per file of each folder given, in name order.  This
 * is how `meson test` (gcc included) runs every corpus file and every past
 * crash as a regression test.  Files whose name starts with '.' or "README"
 * are skipped.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* The whole file in a buffer of exactly its size, so that a read past the
 * end of the input is caught by ASan. */
static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  if (fseek(f, 0, SEEK_END) == 0) {
    long end = ftell(f);
    if (end >= 0 && fseek(f, 0, SEEK_SET) == 0) {
      len = (size_t)end;
      buf = malloc(len ? len : 1);
      if (buf && fread(buf, 1, len, f) != len) {
        free(buf);
        buf = NULL;
      }
    }
  }
  fclose(f);
  *size = len;
  return buf;
}

static int run_file(const char *path) {
  if (getenv("ZJTX_FUZZ_VERBOSE"))
    fprintf(stderr, "%s\n", path);
  size_t size;
  uint8_t *data = read_file(path, &size);
  if (!data) {
    fprintf(stderr, "standalone: cannot read %s\n", path);
    return 1;
  }
  LLVMFuzzerTestOneInput(data, size);
  free(data);
  return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

static int replayed(const struct dirent *ent) {
  return ent->d_name[0] != '.' && strncmp(ent->d_name, "README", 6) != 0;
}

/* Runs every file of @dir; returns the number of failures, adds the runs. */
static int run_dir(const char *dir, size_t *runs) {
  struct dirent **names;
  int n = scandir(dir, &names, replayed, by_name);
  if (n < 0) {
    fprintf(stderr, "standalone: cannot list %s\n", dir);
    return 1;
  }
  int failures = 0;
  for (int i = 0; i < n; i++) {
    size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;
    char *path = malloc(len);
    snprintf(path, len, "%s/%s", dir, names[i]->d_name);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
      failures += run_file(path);
      (*runs)++;
    }
    free(path);
    free(names[i]);
  }
  free(names);
  return failures;
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  int failures = 0;
  size_t runs = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "standalone: no such file or folder: %s\n", argv[i]);
      failures++;
    } else if (S_ISDIR(st.st_mode)) {
      failures += run_dir(argv[i], &runs);
    } else {
      failures += run_file(argv[i]);
      runs++;
    }
  }
  printf("standalone: %zu inputs replayed, %d unreadable\n", runs, failures);
  return failures ? 1 : 0;
}
