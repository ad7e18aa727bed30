#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The built library against the committed ABI baseline (abidiff, Debian's
abigail-tools): removed or changed public functions fail, additions pass.

usage: check-abi.py ABIDIFF BASELINE LIBRARY INCLUDE_DIR GENERATED_INCLUDE_DIR

Only the types of the public headers count (INCLUDE_DIR/zjtx and the
generated zjtx/version.h): a change inside an opaque struct is not an ABI
change.  Exit 77 (skipped) when the library has no debug information.
How to update the baseline at a release: docs/abi.md.
"""
import re
import subprocess
import sys


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    abidiff, baseline, lib, include, generated = sys.argv[1:]
    sections = subprocess.run(["readelf", "-S", lib], stdout=subprocess.PIPE, text=True).stdout
    if ".debug_info" not in sections:
        print(f"skip: {lib} has no debug information (build with -g, e.g. buildtype debugoptimized)")
        sys.exit(77)
    cmd = [abidiff]
    for n in (1, 2):
        for d in (include, generated):
            cmd += [f"--headers-dir{n}", f"{d}/zjtx"]
    cmd += [baseline, lib]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(p.stdout)
    failures = []
    if p.returncode & (1 | 2):
        failures.append(f"abidiff failed (exit {p.returncode}): {' '.join(cmd)}")
    if p.returncode & 8:
        failures.append("abidiff reports an incompatible ABI change")
    for kind in ("Functions", "Variables"):
        m = re.search(rf"^{kind} changes summary: (\d+) Removed, (\d+) Changed", p.stdout, re.M)
        if m and (int(m.group(1)) or int(m.group(2))):
            failures.append(f"{kind.lower()}: {m.group(1)} removed, {m.group(2)} changed since the baseline")
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    if not failures:
        added = re.search(r"(\d+) Added function", p.stdout)
        print(f"ok: the ABI of {baseline.rsplit('/', 1)[-1]} holds ({added.group(1) if added else 0} functions added)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
