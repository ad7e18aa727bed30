#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/packaging/test-debian.sh - builds the Debian packages from a clean
# copy of the sources (dpkg-buildpackage -us -uc -b), checks what each holds
# (dpkg-deb -c) and what it depends on, runs lintian, unpacks them into a
# throw-away root (dpkg -x) and there builds examples/embed.c with pkg-config
# (seeing no .pc file but zjtx's: no GLib development files), runs it, runs
# zjtx on the shipped example and reads a page with man; with libzjtx-java,
# compiles and runs examples/java/Evaluate.java against the unpacked jar and
# JNI glue.
#
# A full package build is slow, so the test is skipped (77) unless
# ZJTX_TEST_DEB=1; build-aux/setup.sh with ZJTX_TEST_DEB=1 installs the
# tools.  usage: [ZJTX_TEST_DEB=1] test-debian.sh [SOURCE_DIR]
# ZJTX_TEST_DEB_KEEP=DIR keeps the packages and the build log in DIR;
# DEB_BUILD_OPTIONS is passed on (default: parallel=2; nocheck skips the
# suites run inside the package build).
set -euo pipefail

if [ "${ZJTX_TEST_DEB:-}" != 1 ]; then
  echo "SKIP: a full Debian package build is slow; run with ZJTX_TEST_DEB=1"
  exit 77
fi
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
for tool in dpkg-buildpackage dh dpkg-deb dpkg-architecture lintian pkg-config cc man javac java; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool not found (ZJTX_TEST_DEB=1 build-aux/setup.sh installs what this test needs)" >&2
    exit 1
  fi
done

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

work=$(mktemp -d "${TMPDIR:-/tmp}/zjtx-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
upstream=$(sed -n "s/^ *version: '\([^']*\)'.*/\1/p" "$src/meson.build" | head -1)
[ "${version%%-*}" = "$upstream" ] ||
  fail "debian/changelog says $version, meson.build $upstream: add a changelog entry (dch -v $upstream)"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

# 1. A clean copy: the files git knows (tracked, or new and not ignored), so
#    that no build directory of the checkout leaks into the package.
tree="$work/libzjtx-$version"
mkdir "$tree"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
  done | tar --null -T - -cf -) | tar -C "$tree" -xf -
else
  tar -C "$src" --exclude='./build*' --exclude=./build-aux --exclude='./obj-*' -cf - . | tar -C "$tree" -xf -
  cp -a "$src/build-aux" "$tree/"
fi

# 2. The source package (for lintian's checks of debian/), then the build
#    of the binary packages, as a packager types it.
(cd "$work" && dpkg-source -b "$(basename "$tree")") >"$work/source.log" 2>&1 || {
  cat "$work/source.log" >&2
  echo "FAIL: dpkg-source -b failed" >&2
  exit 1
}
echo "dpkg-buildpackage -us -uc -b in $tree (log: build.log)"
# (without ZJTX_TEST_DEB: the package build runs the test suites, this one too)
if ! (cd "$tree" && env -u ZJTX_TEST_DEB DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=2}" \
  dpkg-buildpackage -us -uc -b) \
  >"$work/build.log" 2>&1; then
  tail -60 "$work/build.log" >&2
  echo "FAIL: dpkg-buildpackage failed" >&2
  exit 1
fi
grep -E '^dpkg-gensymbols: warning' "$work/build.log" && fail "dpkg-gensymbols warns (debian/update-symbols.py)"
if [ -n "${ZJTX_TEST_DEB_KEEP:-}" ]; then
  mkdir -p "$ZJTX_TEST_DEB_KEEP"
  cp "$work"/*.deb "$work"/*.changes "$work/build.log" "$ZJTX_TEST_DEB_KEEP/"
fi

deb() { # the one package file of binary package $1
  local files=("$work/$1_${version}_"*.deb)
  [ -f "${files[0]}" ] || { echo "FAIL: no package $1" >&2; exit 1; }
  echo "${files[0]}"
}
lib=$(deb libzjtx0)
dev=$(deb libzjtx-dev)
cli=$(deb zjtx)
echo "packages:"
for f in "$work"/*.deb; do
  printf '  %-40s %8s bytes, installed %5s KiB\n' "$(basename "$f")" "$(stat -c %s "$f")" \
    "$(dpkg-deb -f "$f" Installed-Size)"
done

# 3. What each package holds (dpkg-deb -c; listed once into a file, since
#    grep -q in a pipe under pipefail would fail by the writer's SIGPIPE) ...
for f in "$lib" "$dev" "$cli"; do
  dpkg-deb -c "$f" | awk '{print $6}' | sed 's,^\./,/,' >"$f.list"
done
has() { # package file, path (a grep -x pattern)
  grep -qx -- "$2" "$1.list" || fail "$(basename "$1") lacks $2"
}
lacks() {
  if grep -qx -- "$2" "$1.list"; then fail "$(basename "$1") holds $2"; fi
}
has "$lib" "/usr/lib/$multiarch/libzjtx\.so\.0\.[0-9.]*"
has "$lib" "/usr/lib/$multiarch/libzjtx\.so\.0"
lacks "$lib" "/usr/lib/$multiarch/libzjtx\.so"
lacks "$lib" "/usr/include/.*"
for h in "$src"/include/zjtx/*.h "$src"/include/zjtx/*.h.in; do # *.h.in: generated headers
  [ -e "$h" ] && has "$dev" "/usr/include/zjtx/$(basename "$h" .in)"
done
has "$dev" "/usr/lib/$multiarch/libzjtx\.so"
has "$dev" "/usr/lib/$multiarch/pkgconfig/zjtx\.pc"
has "$dev" "/usr/share/doc/libzjtx-dev/examples/embed\.c"
lacks "$dev" "/usr/lib/$multiarch/libzjtx\.so\.0.*"
has "$cli" "/usr/bin/zjtx"
has "$cli" "/usr/share/man/man1/zjtx\.1\.gz"
has "$cli" "/usr/share/man/man5/zjtx-policy\.5\.gz"
has "$cli" "/usr/share/doc/zjtx/policy-language\.md\.gz"
has "$cli" "/usr/share/doc/zjtx/examples/rules/huaian-2025\.xml"
lacks "$cli" "/usr/lib/.*\.so.*"

# ... and what each depends on: -dev on exactly this libzjtx0 and on no
# -dev package (zjtx.pc names none, see libzjtx/meson.build); the library's
# symbols file, so that programs depend on the version they need.
dev_depends=$(dpkg-deb -f "$dev" Depends)
case "$dev_depends" in *"libzjtx0 (= $version)"*) ;; *) fail "libzjtx-dev Depends: $dev_depends" ;; esac
case "$dev_depends" in *-dev*) fail "libzjtx-dev depends on development packages: $dev_depends" ;; esac
control_files=$(dpkg-deb --ctrl-tarfile "$lib" | tar -tf -)
grep -qx './symbols' <<<"$control_files" || fail "libzjtx0 has no symbols file"
case "$(dpkg-deb -f "$cli" Depends)" in *"libzjtx0 (>="*) ;; *) fail "zjtx does not depend on libzjtx0" ;; esac

# 4. lintian, every tag down to the pedantic and experimental ones, on the
#    source and binary packages: each tag left is overridden, with the reason
#    beside the override (debian/*lintian-overrides).  The overridden tags
#    are shown ("O:"); any other tag fails (--fail-on would count the shown
#    overrides too).
lintian --display-experimental --pedantic --display-info --show-overrides \
  "$work"/*.dsc "$work"/*.changes >"$work/lintian.log" 2>&1 || true
grep -E '^O: ' "$work/lintian.log" | sed 's/^/  lintian: /'
if grep -qE '^[EWIPX]: ' "$work/lintian.log"; then
  grep -E '^[EWIPX]: ' "$work/lintian.log" >&2
  fail "lintian reports tags that are neither fixed nor overridden with a reason"
fi
grep -q '^O: ' "$work/lintian.log" || fail "lintian did not run: $(tail -3 "$work/lintian.log")"

# 5. A throw-away root with the three packages unpacked.
root="$work/root"
for f in "$lib" "$dev" "$cli"; do dpkg -x "$f" "$root"; done
libdir="$root/usr/lib/$multiarch"

# zjtx.pc with nothing else on pkg-config's path: no Requires.private, so a
# consumer needs no GLib, libxml2, json-glib or Nettle development files.
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
if ! flags=$(pkg-config --cflags --libs zjtx 2>&1); then
  fail "pkg-config zjtx needs more than zjtx.pc: $flags"
  flags="-I$root/usr/include -L$libdir -lzjtx"
fi
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR

# examples/embed.c as libzjtx-dev ships it, on the policy zjtx ships;
# the amounts are the hand-worked ones of embed.c's comment.
examples="$root/usr/share/doc/zjtx/examples"
# shellcheck disable=SC2086 # the flags are words
cc -std=c99 -Wall -Wextra -Werror "$root/usr/share/doc/libzjtx-dev/examples/embed.c" $flags -o "$work/embed" ||
  fail "examples/embed.c does not build against the packages"
if [ -x "$work/embed" ]; then
  loaded=$(LD_LIBRARY_PATH="$libdir" ldd "$work/embed" | sed -n 's/.*libzjtx\.so\.0 => \([^ ]*\).*/\1/p')
  [ "$(realpath "$loaded")" = "$(realpath "$libdir/libzjtx.so.0")" ] || fail "embed loads $loaded, not the package's"
  out=$(LD_LIBRARY_PATH="$libdir" "$work/embed" "$examples/rules/huaian-2025.xml") || fail "embed exited $?"
  sed 's/^/  embed: /' <<<"$out"
  for want in 'rd_base_subsidy .* 360000\.00' 'rd_incremental_subsidy .* 220000\.00' \
    'first_honor_reward .* 500000\.00' '^ *total *1080000\.00$'; do
    grep -q -- "$want" <<<"$out" || fail "embed output lacks /$want/"
  done
fi

# The packaged zjtx, on the packaged example: the count of entitlements
# that examples/huaian-2025/expected.json (worked by hand) lists.
zjtx() { LD_LIBRARY_PATH="$libdir" "$root/usr/bin/zjtx" "$@"; }
[ "$(zjtx --version)" = "zjtx ${version%%-*}" ] || fail "zjtx --version says $(zjtx --version)"
want=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["entitlements"]))' \
  "$examples/huaian-2025/expected.json")
got=$(zjtx evaluate --quiet --format json --policy "$examples/rules/huaian-2025.xml" \
  --facts "$examples/huaian-2025/facts.json" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entitlements"]))') || fail "zjtx evaluate failed"
[ "$got" = "$want" ] || fail "the packaged zjtx gives $got entitlements on the example, expected.json $want"

# python3-zjtx, when debian/control builds it (bindings/python): the
# module and its example, run against the unpacked library.
if grep -qx 'Package: python3-zjtx' "$src/debian/control"; then
  py=$(deb python3-zjtx)
  dpkg-deb -c "$py" | awk '{print $6}' | sed 's,^\./,/,' >"$py.list"
  has "$py" "/usr/lib/python3/dist-packages/zjtx/__init__\.py"
  has "$py" "/usr/lib/python3/dist-packages/zjtx/_config\.py"
  has "$py" "/usr/share/doc/python3-zjtx/examples/evaluate\.py"
  lacks "$py" "/usr/lib/.*\.so.*"
  dpkg -x "$py" "$root"
  export PYTHONPATH="$root/usr/lib/python3/dist-packages" LD_LIBRARY_PATH="$libdir"
  loaded=$(python3 -c 'import zjtx; print([l.split()[-1] for l in open("/proc/self/maps") if "libzjtx.so" in l][0])') ||
    fail "python3 -c 'import zjtx' fails"
  [ "$(realpath "$loaded")" = "$(realpath "$libdir/libzjtx.so.0")" ] || fail "zjtx (Python) loads $loaded, not the package's"
  out=$(python3 "$root/usr/share/doc/python3-zjtx/examples/evaluate.py" "$examples/rules/huaian-2025.xml" \
    "$examples/huaian-2025/facts.json") || fail "examples/python/evaluate.py exited $?"
  grep -q "^$want entitlements, total " <<<"$out" ||
    fail "examples/python/evaluate.py does not report the $want entitlements of expected.json: $(tail -2 <<<"$out")"
  unset PYTHONPATH LD_LIBRARY_PATH
fi

# libzjtx-java, when debian/control builds it (bindings/java): the jar
# under its versioned name with zjtx.jar linked to it, the JNI glue in
# Debian's JNI directory (on the java.library.path of Debian's JVMs), and
# examples/java/Evaluate.java compiled against the jar alone and run with
# CLASSPATH and java.library.path pointed into the unpacked root.
if grep -qx 'Package: libzjtx-java' "$src/debian/control"; then
  jv=$(deb libzjtx-java)
  dpkg-deb -c "$jv" | awk '{print $6}' | sed 's,^\./,/,' >"$jv.list"
  has "$jv" "/usr/share/java/zjtx-${version%%-*}\.jar"
  has "$jv" "/usr/share/java/zjtx\.jar"
  has "$jv" "/usr/lib/$multiarch/jni/libzjtx-jni\.so"
  has "$jv" "/usr/share/doc/libzjtx-java/examples/Evaluate\.java"
  lacks "$jv" "/usr/lib/$multiarch/libzjtx.*"
  jv_depends=$(dpkg-deb -f "$jv" Depends)
  case "$jv_depends" in *"libzjtx0 (= $version)"*) ;; *) fail "libzjtx-java Depends: $jv_depends" ;; esac
  case "$jv_depends" in *"default-jre-headless | java17-runtime-headless"*) ;; *) fail "libzjtx-java needs no JVM: $jv_depends" ;; esac
  dpkg -x "$jv" "$root"
  jarfile="$root/usr/share/java/zjtx.jar"
  [ "$(readlink "$jarfile")" = "zjtx-${version%%-*}.jar" ] || fail "zjtx.jar links to $(readlink "$jarfile")"
  # the fallback the jar records, for a JVM whose java.library.path lacks Debian's JNI directory
  python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("cn/zjtx/BuildConfig.class"))' \
    "$jarfile" >"$work/BuildConfig.class"
  grep -qa "/usr/lib/$multiarch/jni" "$work/BuildConfig.class" || fail "zjtx.jar does not record /usr/lib/$multiarch/jni"
  mkdir "$work/classes"
  javac -encoding UTF-8 -cp "$jarfile" -d "$work/classes" "$root/usr/share/doc/libzjtx-java/examples/Evaluate.java" ||
    fail "examples/java/Evaluate.java does not build against the package's jar"
  # the packaged glue through java.library.path, libzjtx.so.0 through LD_LIBRARY_PATH
  out=$(CLASSPATH="$jarfile:$work/classes" LD_LIBRARY_PATH="$libdir" LANG=C.UTF-8 \
    java -Djava.library.path="$libdir/jni" -Xlog:library=info Evaluate \
    "$examples/rules/huaian-2025.xml" "$examples/huaian-2025/facts.json") || fail "examples/java/Evaluate.java exited $?"
  grep -q "$(realpath "$libdir/jni/libzjtx-jni.so")\|$libdir/jni/libzjtx-jni.so" <<<"$out" ||
    fail "Evaluate does not load the package's libzjtx-jni.so: $(grep -i zjtx-jni <<<"$out")"
  got=$(grep -Ec '^[^ []+ [^ ]+ [^ ]+ [0-9]+\.[0-9]{2}$' <<<"$out" || true) # rule beneficiary id amount
  [ "$got" = "$want" ] || fail "examples/java/Evaluate.java gives $got entitlements, expected.json $want"
  echo "  java: $got entitlements, as expected.json"
fi

# Every command zjtx --help lists has its page, and `man zjtx-evaluate`
# finds and renders it.
for command in $(zjtx --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
  has "$cli" "/usr/share/man/man1/zjtx-$command\.1\.gz"
done
page=$(MANPATH="$root/usr/share/man" MANWIDTH=80 LC_ALL=C.UTF-8 man zjtx-evaluate 2>&1) || fail "man zjtx-evaluate: $page"
grep -q -- '--policy=FILE' <<<"$page" || fail "man zjtx-evaluate does not show --policy"

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
built=()
for f in "$work"/*.deb; do
  case "$f" in *-dbgsym_*) ;; *) built+=("$(basename "$f")") ;; esac
done
echo "ok: ${built[*]} built, checked, unpacked, embed.c (and Evaluate.java) built and run"
