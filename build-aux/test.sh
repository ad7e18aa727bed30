#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# build-aux/test.sh - builds libzjtx four ways and runs the tests of each:
#   1. gcc with -Dwerror=true: every suite, fuzz corpus replay included   (build-ci/)
#   2. clang with AddressSanitizer, LeakSanitizer and UndefinedBehavior-
#      Sanitizer (gcc if no clang): every suite again                    (build-asan/)
#   3. clang with ThreadSanitizer: the threading tests (api, batch, serve,
#      csv-chunk, facts-json-par)                                     (build-tsan/)
#   4. clang with libFuzzer: each fuzz target for FUZZ_SECONDS (20)      (build-fuzz/)
# It first runs build-aux/check-format.sh (clang-format; ZJTX_CHECK_FORMAT=0 skips it).
# Exits non-zero on the first failure; ends with one line counting the
# tests of every build.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

bash build-aux/setup.sh

# meson setup DIR, or reconfigure DIR when it already exists.
setup() {
  local dir=$1
  shift
  if [ -f "$dir/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$dir" "$@"
  else
    meson setup "$dir" "$@"
  fi
}

if [ "${ZJTX_CHECK_FORMAT:-1}" = 1 ]; then
  echo "=== clang-format (build-aux/check-format.sh)"
  bash build-aux/check-format.sh
  echo
fi

echo "=== gcc, -Dwerror=true (build-ci/)"
CC=gcc setup build-ci -Dwerror=true
ninja -C build-ci
meson test -C build-ci --print-errorlogs

san_cc=clang
command -v clang >/dev/null 2>&1 || san_cc=gcc
echo
echo "=== $san_cc, -Db_sanitize=address,undefined (build-asan/)"
CC=$san_cc setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
  -Dbuildtype=debug -Dc_args=-fno-omit-frame-pointer
ninja -C build-asan
# Leaks fail the run (LeakSanitizer, no suppressions: GLib's and libxml2's
# one-time allocations stay reachable and are not reported).
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs

# ThreadSanitizer on the tests that run threads: test-api (8 threads share a
# policy), test-batch (1 to 4 evaluation threads, CSV files read on two),
# test-facts-json-par (a JSON document checked and read at once) and
# the HTTP server under 16 concurrent clients (zjtx serve).
# The library's threads are plain GThreads joined at the end and POSIX
# locks (eval/pool.c), which TSan sees: no suppression and no shim, so any
# race fails.  G_SLICE=always-malloc keeps GLib's slice magazines, which
# TSan cannot follow, out of the way.
echo
echo "=== $san_cc, -Db_sanitize=thread: the threading tests (build-tsan/)"
CC=$san_cc setup build-tsan -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug
meson compile -C build-tsan test-api test-batch test-csv-chunk test-facts-json-par tools/zjtx
G_SLICE=always-malloc TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
  meson test -C build-tsan --no-rebuild --print-errorlogs api batch serve csv-chunk facts-json-par

logs=(build-ci/meson-logs/testlog.json build-asan/meson-logs/testlog.json build-tsan/meson-logs/testlog.json)
echo
if [ "$san_cc" = clang ]; then
  fuzz_seconds=${FUZZ_SECONDS:-20}
  echo "=== clang, -Dfuzzing=true: each fuzz target for ${fuzz_seconds}s (build-fuzz/)"
  CC=clang setup build-fuzz -Dfuzzing=true -Db_lundef=false -Dfuzz_seconds="$fuzz_seconds"
  meson compile -C build-fuzz fuzz-policy fuzz-facts-json fuzz-facts-csv fuzz-expr
  meson test -C build-fuzz --no-rebuild --print-errorlogs --num-processes 2 --suite fuzz-smoke
  logs+=(build-fuzz/meson-logs/testlog.json)
else
  echo "=== no clang: the libFuzzer smoke run is skipped"
fi

echo
echo "build-aux/test.sh: all tests passed (gcc -Werror; $san_cc ASan+LSan+UBSan; TSan; fuzzing) in $((SECONDS - start))s"
# One plain closing line over every build (meson's testlog.json: one JSON
# object per test; an expected failure that failed counts as passed).
python3 - "${logs[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    for line in open(path, encoding='utf-8'):
        r = json.loads(line)['result']
        if r in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif r == 'SKIP':
            skipped += 1
        else:
            failed += 1
print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
PY
