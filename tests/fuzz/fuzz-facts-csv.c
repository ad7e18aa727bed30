/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tests/fuzz/fuzz-facts-csv.c - fuzzes the CSV facts reader against
 * rules/huaian-2025.xml (loaded once).  The public API reads CSV only from a
 * folder (zjtx_facts_read_csv_dir), so each input is written to a private
 * temporary folder first:
 *
 *   - an input is the content of enterprises.csv, unless
 *   - it holds lines "==> NAME.csv <==" (the shape `head a b` prints): each
 *     starts the file NAME.csv (NAME: 1-32 of [a-z_]), so one input can
 *     carry enterprises.csv, loans.csv, honors.csv...
 *
 * Each folder is read strictly and with keep-going, whole and in pieces on
 * several threads; facts that load are evaluated.
 */
#include "fuzz-common.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static zjtx_policy *policy;
static char dir[1024];

static void remove_dir(void) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *ent;
  char path[sizeof dir + 300];
  while ((ent = readdir(d))) {
    if (ent->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

static void make_dir_once(void) {
  if (dir[0])
    return;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/zjtx-fuzz-csv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("fuzz: mkdtemp");
    abort();
  }
  atexit(remove_dir);
}

static void empty_dir(void) {
  char keep[sizeof dir];
  memcpy(keep, dir, sizeof dir);
  remove_dir();
  if (mkdir(keep, 0700) != 0) {
    perror("fuzz: mkdir");
    abort();
  }
}

static void write_file(const char *name, size_t name_len, const uint8_t *data, size_t size) {
  char path[sizeof dir + 300];
  snprintf(path, sizeof path, "%s/%.*s.csv", dir, (int)name_len, name);
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
    perror("fuzz: writing a CSV file");
    abort();
  }
}

/* The length of NAME when @line (up to @end) is "==> NAME.csv <==\n", else 0. */
static size_t marker_name(const uint8_t *line, const uint8_t *end) {
  static const char open[] = "==> ", close[] = ".csv <==\n";
  size_t len = (size_t)(end - line);
  if (len < sizeof open - 1 || memcmp(line, open, sizeof open - 1) != 0)
    return 0;
  size_t n = 0;
  const uint8_t *p = line + sizeof open - 1;
  while (p + n < end && n < 33 && ((p[n] >= 'a' && p[n] <= 'z') || p[n] == '_'))
    n++;
  if (n == 0 || n > 32 || (size_t)(end - (p + n)) < sizeof close - 1 || memcmp(p + n, close, sizeof close - 1) != 0)
    return 0;
  return n;
}

/* Splits the input at its marker lines into the files of the folder. */
static void write_files(const uint8_t *data, size_t size) {
  const uint8_t *end = data + size;
  const char *name = "enterprises";
  size_t name_len = strlen(name);
  const uint8_t *start = data;
  for (const uint8_t *line = data; line < end;) {
    const uint8_t *nl = memchr(line, '\n', (size_t)(end - line));
    const uint8_t *next = nl ? nl + 1 : end;
    size_t n = marker_name(line, next);
    if (n) {
      if (line > start || start != data)
        write_file(name, name_len, start, (size_t)(line - start));
      name = (const char *)line + 4;
      name_len = n;
      start = next;
    }
    line = next;
  }
  write_file(name, name_len, start, (size_t)(end - start));
}

static void read_dir(int keep_going) {
  zjtx_facts *facts = zfuzz_facts_new(policy, keep_going);
  zjtx_error *err = NULL;
  zjtx_status read = zjtx_facts_read_csv_dir(facts, dir, &err);
  zfuzz_finish_and_use(policy, facts, read, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  zfuzz_policy_once(&policy, "rules/huaian-2025.xml");
  make_dir_once();
  empty_dir();
  write_files(data, size);
  read_dir(0);
  read_dir(1);
  /* again with each file cut into pieces of a few bytes read on three
   * threads (facts-chunk.c): the cuts fall inside quotes, lines and
   * characters */
  setenv("ZJTX_CSV_CHUNK_BYTES", "7", 1);
  setenv("ZJTX_CSV_THREADS", "3", 1);
  read_dir(0);
  read_dir(1);
  unsetenv("ZJTX_CSV_CHUNK_BYTES");
  unsetenv("ZJTX_CSV_THREADS");
  return 0;
}
