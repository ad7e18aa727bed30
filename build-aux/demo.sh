#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# build-aux/demo.sh - installs the build dependencies, builds libzjtx and the
# zjtx command into build/, and evaluates the Huai'an 2025 policy over the
# bundled example facts.  Extra arguments go to `zjtx evaluate`, e.g.
#   bash build-aux/demo.sh --format json
#   bash build-aux/demo.sh --explain
set -euo pipefail
cd "$(dirname "$0")/.."

bash build-aux/setup.sh
if [ ! -f build/meson-private/coredata.dat ]; then
  meson setup build
fi
ninja -C build
echo
build/tools/zjtx evaluate --policy rules/huaian-2025.xml --facts examples/huaian-2025/facts.json "$@"
