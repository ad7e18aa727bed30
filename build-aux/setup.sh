#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# build-aux/setup.sh - installs what building and testing libzjtx needs, on
# Debian 12 (bookworm).  Does nothing when everything is already installed;
# otherwise needs root (or sudo) for apt-get.
set -euo pipefail

packages=(
  meson ninja-build pkg-config gcc libc6-dev binutils python3
  libglib2.0-dev libxml2-dev libxml2-utils libyajl-dev libjson-glib-dev check # YAJL: the JSON facts; json-glib: JSON outside the library
  libmicrohttpd-dev # zjtx serve: HTTP (docs/serve.md says why this library)
  nettle-dev # SHA-256 and SM3 for receipts (Nettle 3.8 or later)
  man-db groff-base # tests/packaging/test-man-pages.py renders the manual pages (building them needs neither)
  clang libclang-rt-dev # the ASan, TSan and fuzzing builds of build-aux/test.sh (libFuzzer is in libclang-rt)
  clang-format # build-aux/check-format.sh
  chromium fonts-wqy-microhei # tests/cli/test-report.py: the HTML report rendered headless, with Chinese glyphs
  python3-pytest # tests/python: the Python package
  abigail-tools # tests/packaging/check-abi.py: abidiff against the committed ABI baseline
  openjdk-17-jdk-headless junit4 # the Java binding (bindings/java: javac, jar, jni.h) and its JUnit tests
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup: not a Debian system; install the equivalents of: ${packages[*]}" >&2
  exit 0
fi

# tests/packaging/test-debian.sh (run only with ZJTX_TEST_DEB=1): dpkg-buildpackage, debhelper, lintian
if [ "${ZJTX_TEST_DEB:-}" = 1 ]; then
  packages+=(dpkg-dev debhelper fakeroot lintian)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all build dependencies are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "setup: missing packages (${missing[*]}); run as root or install sudo" >&2
    exit 1
  fi
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
