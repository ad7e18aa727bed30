#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Install into a scratch DESTDIR, then build and run examples/embed.c
against the installed headers, library and zjtx.pc, and run
examples/python/evaluate.py with the installed Python package, as a user
would.

usage: check-install.py MESON BUILD_DIR SOURCE_DIR PREFIX LIBDIR INCLUDEDIR BINDIR SANITIZE CC [CC_ARGS...]

PREFIX is the build's prefix; LIBDIR, INCLUDEDIR and BINDIR are absolute
(prefix already joined).  SANITIZE is the build's b_sanitize ('none' or
e.g. 'address,undefined'): an instrumented libzjtx needs the program linked
with the same sanitizers.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

# Hand-computed from rules/rd-base.xml and rules/huaian-2025.xml for the
# facts examples/embed.c builds (see the comment at its top).
EXPECTED = [
    ("rd_base_subsidy", "91320812MA1ABCDE10", "360000.00"),  # 12,000,000 x (2% + 1%)
    ("rd_incremental_subsidy", "91320812MA1ABCDE10", "220000.00"),  # 2,000,000 x (10% + 1%)
    ("first_honor_reward", "91320812MA1ABCDE10", "500000.00"),  # first-time little_giant
]

failures = []


def run(cmd, env=None, what=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        sys.exit(f"FAIL: {what or ' '.join(cmd)} exited {p.returncode}\n  $ {' '.join(shlex.quote(c) for c in cmd)}")
    return p.stdout


def expect(ok, what):
    if not ok:
        failures.append(what)


def check_python(src, dest, libdir, sanitize):
    """The installed Python package runs examples/python/evaluate.py with
    nothing but PYTHONPATH and LD_LIBRARY_PATH pointing into the install."""
    inits = [os.path.join(d, "__init__.py") for d, _, files in os.walk(dest)
             if os.path.basename(d) == "zjtx" and "__init__.py" in files and "_config.py" in files]
    expect(len(inits) == 1, f"the Python package zjtx (with _config.py) is not installed once under DESTDIR: {inits}")
    if len(inits) != 1 or sanitize not in ("", "none"):
        return  # an instrumented library does not load into an uninstrumented interpreter
    site = os.path.dirname(os.path.dirname(inits[0]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZJTX_") and k != "PYTHONPATH"}
    env.update(PYTHONPATH=site, LD_LIBRARY_PATH=libdir, PYTHONDONTWRITEBYTECODE="1")
    policy = os.path.join(src, "rules", "huaian-2025.xml")
    out = run([sys.executable, os.path.join(src, "examples", "python", "evaluate.py"), policy,
               os.path.join(src, "examples", "huaian-2025", "facts.json")], env=env, what="examples/python/evaluate.py")
    # rd_base_subsidy: 21,500,000.00 x (2% + 1%) = 645,000.00 (examples/huaian-2025/expected.json)
    expect(out.startswith("rd_base_subsidy enterprise 91320812MA0GWJDM0C 645000.00\n"),
           f"the installed Python example printed {out[:200]!r}")
    expect("\n36 entitlements, total " in out, "the installed Python example does not find 36 entitlements")
    # the package loaded the installed library, not another one
    maps = run([sys.executable, "-c", "import zjtx; print(open('/proc/self/maps').read())"], env=env)
    loaded = {line.split()[-1] for line in maps.splitlines() if "libzjtx.so" in line}
    expect(len(loaded) == 1 and os.path.realpath(loaded.pop()).startswith(os.path.realpath(dest)),
           f"import zjtx did not load the installed libzjtx: {maps.count('libzjtx')} mappings")


def main():
    if len(sys.argv) < 10:
        sys.exit(__doc__)
    meson, build, src, prefix, libdir, includedir, bindir, sanitize = sys.argv[1:9]
    cc = sys.argv[9:]

    with tempfile.TemporaryDirectory(prefix="zjtx-install-") as dest:
        run([meson, "install", "-C", build, "--destdir", dest, "--no-rebuild", "--quiet"], what="meson install")
        root = lambda p: dest + p  # noqa: E731 - a path under DESTDIR

        # What was installed: every public header, the library with its
        # SONAME link, zjtx.pc, the CLI; and no private header.
        public = sorted([h for h in os.listdir(os.path.join(src, "include", "zjtx")) if h.endswith(".h")]
                        + ["version.h"])  # generated from version.h.in
        inst_hdr = os.path.join(root(includedir), "zjtx")
        installed = sorted(os.listdir(inst_hdr)) if os.path.isdir(inst_hdr) else []
        expect(installed == public, f"installed headers {installed} != include/zjtx/*.h and version.h {public}")
        for f in ["libzjtx.so", "libzjtx.so.0", "pkgconfig/zjtx.pc"]:
            expect(os.path.exists(os.path.join(root(libdir), f)), f"{libdir}/{f} not installed")
        cli = os.path.join(root(bindir), "zjtx")
        expect(os.access(cli, os.X_OK), f"{bindir}/zjtx not installed")

        # pkg-config, as a user with the library under DESTDIR would call it:
        # the sysroot is prefixed to the -I and -L paths of zjtx.pc.
        env = dict(os.environ)
        env["PKG_CONFIG_PATH"] = os.path.join(root(libdir), "pkgconfig")
        env["PKG_CONFIG_SYSROOT_DIR"] = dest
        flags = shlex.split(run(["pkg-config", "--cflags", "--libs", "zjtx"], env=env, what="pkg-config zjtx"))
        expect(f"-I{root(includedir)}" in flags, f"pkg-config --cflags lacks -I{root(includedir)}: {flags}")
        expect(f"-L{root(libdir)}" in flags, f"pkg-config --libs lacks -L{root(libdir)}: {flags}")
        expect("-lzjtx" in flags, f"pkg-config --libs lacks -lzjtx: {flags}")
        version = run(["pkg-config", "--modversion", "zjtx"], env=env).strip()

        # Build examples/embed.c the way its comment says.
        exe = os.path.join(dest, "embed")
        san = [f"-fsanitize={sanitize}"] if sanitize not in ("", "none") else []
        run(cc + ["-std=c99", "-Wall", "-Wextra", "-Werror", os.path.join(src, "examples", "embed.c")]
            + flags + san + ["-o", exe], what="compiling examples/embed.c")

        run_env = dict(os.environ)
        run_env["LD_LIBRARY_PATH"] = root(libdir)
        # The program must use the freshly installed library, not another.
        ldd = run(["ldd", exe], env=run_env)
        m = re.search(r"libzjtx\.so\.0 => (\S+)", ldd)
        expect(m is not None and os.path.realpath(m.group(1)).startswith(os.path.realpath(dest)),
               f"embed does not load the installed libzjtx: {m.group(0) if m else ldd}")

        out = run([exe, os.path.join(src, "rules", "huaian-2025.xml")], env=run_env, what="embed")
        sys.stdout.write(out)
        rows = set()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 4:
                rows.add((parts[0], parts[2], parts[3]))
        for rule, ident, amount in EXPECTED:
            expect((rule, ident, amount) in rows, f"embed output lacks {rule} {ident} {amount}")
        expect(re.search(r"^period 2025: 3 entitlement\(s\)$", out, re.M) is not None,
               "embed does not report exactly 3 entitlements for 2025")
        expect(re.search(r"^\s+total\s+1080000\.00$", out, re.M) is not None, "embed total is not 1080000.00")
        expect(re.search(r"^why rd_base_subsidy for 91320812MA1ABCDE10:\nrule rd_base_subsidy ", out, re.M)
               is not None, "embed does not explain rd_base_subsidy")

        # The installed CLI runs and reports the library's version.
        cli_version = run([cli, "--version"], env=run_env).strip()
        expect(cli_version == f"zjtx {version}", f"installed zjtx --version says {cli_version!r}, zjtx.pc {version!r}")

        check_python(src, dest, root(libdir), sanitize)

        # An error path: a missing policy is reported, exit status 1.
        p = subprocess.run([exe, os.path.join(dest, "no-such-policy.xml")], env=run_env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        expect(p.returncode == 1 and "no-such-policy.xml" in p.stderr,
               f"embed with a missing policy: exit {p.returncode}, stderr {p.stderr!r}")

    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    if not failures:
        print(f"ok: installed zjtx {version} under DESTDIR; embed.c built with pkg-config and computed the expected amounts")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
