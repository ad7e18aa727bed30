#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# build-aux/check-format.sh - fails when a C file of the library, its public
# headers or the zjtx command differs from what clang-format (with the
# repository's .clang-format) makes of it.  Prints the differences.
# Fix them with: clang-format -i libzjtx/*/*.[ch] include/zjtx/*.h tools/*.[ch]
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "check-format: $clang_format not found (Debian: apt-get install clang-format)" >&2
  exit 1
fi
shopt -s nullglob
files=(libzjtx/*/*.[ch] include/zjtx/*.h tools/*.[ch])
if "$clang_format" --dry-run -Werror "${files[@]}"; then
  echo "check-format: ${#files[@]} files formatted as .clang-format says ($("$clang_format" --version))"
else
  echo "check-format: the files above differ from clang-format's output" >&2
  exit 1
fi
