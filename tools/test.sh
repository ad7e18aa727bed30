#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tools/test.sh - builds libzjtx and runs every test suite twice:
#   1. gcc with -Dwerror=true                         (build-ci/)
#   2. clang with AddressSanitizer, LeakSanitizer and
#      UndefinedBehaviorSanitizer (gcc if no clang)   (build-asan/)
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh

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

echo
echo "tools/test.sh: all tests passed (gcc -Werror; $san_cc ASan+LSan+UBSan)"
# One plain closing line over both builds (meson's testlog.json: one JSON
# object per test; an expected failure that failed counts as passed).
python3 - build-ci/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
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
