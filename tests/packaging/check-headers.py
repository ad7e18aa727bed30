#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every public header on its own: self-contained, plain C99, no GLib.

usage: check-headers.py INCLUDE_DIR GENERATED_INCLUDE_DIR CC [CC_ARGS...]

For each include/zjtx/*.h, and zjtx/version.h which meson generates under
GENERATED_INCLUDE_DIR (the build tree's include/), compiles a translation
unit that includes only that header with -std=c99 -pedantic-errors -Wall
-Wextra -Werror and no include path but the two; also checks that the
headers include nothing but <stddef.h>, <stdint.h> and each other.
"""
import os
import re
import subprocess
import sys
import tempfile

ALLOWED_SYSTEM = {"stddef.h", "stdint.h"}
FLAGS = ["-std=c99", "-pedantic-errors", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    include_dir, generated_dir, cc = sys.argv[1], sys.argv[2], sys.argv[3:]
    dirs = {}
    for d in (include_dir, generated_dir):
        for h in os.listdir(os.path.join(d, "zjtx")):
            if h.endswith(".h"):
                dirs[h] = os.path.join(d, "zjtx")
    headers = sorted(dirs)
    failures = []
    if "zjtx.h" not in headers:
        failures.append("include/zjtx/zjtx.h (the umbrella header) is missing")

    for h in headers:
        with open(os.path.join(dirs[h], h), encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', text, re.M):
            name = m.group(2)
            local = m.group(1) == '"' and name in headers
            if not (local or name in ALLOWED_SYSTEM or name.startswith("zjtx/")):
                failures.append(f"{h}: includes {m.group(1)}{name}: only <stddef.h>, <stdint.h> and zjtx headers")

    with tempfile.TemporaryDirectory() as tmp:
        for h in headers:
            src = os.path.join(tmp, f"only-{h}.c")
            with open(src, "w", encoding="utf-8") as f:
                # Twice: the include guard must work too.
                f.write(f"#include <zjtx/{h}>\n#include <zjtx/{h}>\nint main(void) {{ return 0; }}\n")
            cmd = cc + FLAGS + ["-I", include_dir, "-I", generated_dir, src]
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if p.returncode != 0:
                failures.append(f"<zjtx/{h}> alone does not compile as pedantic C99:\n  $ {' '.join(cmd)}\n{p.stdout}")
            else:
                print(f"ok: <zjtx/{h}> alone, {' '.join(FLAGS[:-1])}")

    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
