#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/serve/bench-serve.sh - the benchmark of `zjtx serve` (a benchmark, not a test; docs/serve.md):
#   1. wrk, keep-alive, 64 connections, 2 threads, 10 s: one-enterprise evaluate requests of the sample policy;
#   2. a 100,000-enterprise facts document posted in one request, against `zjtx evaluate` on the same file.
# Usage: tests/serve/bench-serve.sh ZJTX [SHARED_BENCH_DIR] (default ../shared/bench, for genpop.py)
set -euo pipefail
zjtx=$(realpath "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
shared=${2:-$src/../shared/bench}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 "$shared/genpop.py" --enterprises 1 --seed 1 --format json --out "$work/one.json"
python3 "$shared/genpop.py" --enterprises 100000 --seed 1 --format json --out "$work/100k.json"
mkdir "$work/policies"
cp "$src/rules/huaian-2025.xml" "$src/rules/rd-base.xml" "$work/policies/"

"$zjtx" serve --policies "$work/policies" --listen 127.0.0.1:0 --threads 2 --max-body 1G --timeout 120s \
  2>"$work/serve.log" &
pid=$!
for _ in $(seq 100); do grep -q 'port' "$work/serve.log" && break; sleep 0.05; done
port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$work/serve.log")
url=http://127.0.0.1:$port/v1/policies/huaian-2025-srdi/evaluate

cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/one.json", "rb")
wrk.body = f:read("*a")
f:close()
EOF
curl -sf --data-binary @"$work/one.json" "$url" >/dev/null
echo "== wrk -t2 -c64 -d10s --latency -s post.lua $url"
wrk -t2 -c64 -d10s --latency -s "$work/post.lua" "$url"

echo "== 100,000 enterprises ($(du -h "$work/100k.json" | cut -f1)), one request against zjtx evaluate"
# seconds a command takes
timed() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
cli1=$(timed "$zjtx" evaluate --policy "$work/policies/huaian-2025.xml" --facts "$work/100k.json" --format json \
  --threads 1 -q --output "$work/cli.json")
cli2=$(timed "$zjtx" evaluate --policy "$work/policies/huaian-2025.xml" --facts "$work/100k.json" --format json -q)
served=$(timed curl -s -o "$work/serve.json" --data-binary @"$work/100k.json" "$url")
same=no
cmp -s "$work/cli.json" "$work/serve.json" && same=yes
echo "zjtx evaluate --threads 1: ${cli1} s; zjtx evaluate (2 threads): ${cli2} s; POST /evaluate: ${served} s;" \
  "same bytes: $same; ratio to --threads 1: $(echo "scale=2; $served / $cli1" | bc)"
