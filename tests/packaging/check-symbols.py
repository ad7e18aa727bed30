#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The shared library exports exactly the public API, under one SONAME.

usage: check-symbols.py LIBZJTX_SO INCLUDE_DIR MAP_FILE

Headers, version script and `nm -D` must agree:
 - every defined dynamic symbol starts with zjtx_ and carries a version
   node of the map file (ZJTX_x.y);
 - every function a header declares with ZJTX_API is exported, and nothing
   is exported that no header declares;
 - every function the map names in a node after ZJTX_0.1 (ZJTX_0.2: ...)
   says "Since: 0.2" in the doc comment above its declaration (the
   comment that ends just before it, or before the declarations grouped
   under it);
 - the SONAME is libzjtx.so.0.
"""
import os
import re
import subprocess
import sys

SONAME = "libzjtx.so.0"


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def declared_api(include_dir):
    names = {}
    header_dir = os.path.join(include_dir, "zjtx")
    for h in sorted(os.listdir(header_dir)):
        if not h.endswith(".h"):
            continue
        with open(os.path.join(header_dir, h), encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)  # the ZJTX_API definition itself
        for decl in re.findall(r"\bZJTX_API\b[^;{]*", text):
            m = re.search(r"\b([A-Za-z_]\w*)\s*\(", decl)
            if m:
                names[m.group(1)] = h
    return names


def since_notes(include_dir):
    """{function: the text from the doc comment above its declaration to the declaration}."""
    notes = {}
    header_dir = os.path.join(include_dir, "zjtx")
    for h in sorted(os.listdir(header_dir)):
        if not h.endswith(".h"):
            continue
        with open(os.path.join(header_dir, h), encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"\bZJTX_API\b[^;{]*?\b([A-Za-z_]\w*)\s*\(", text):
            start = text.rfind("/*", 0, m.start())
            notes[m.group(1)] = text[start:m.start()] if start >= 0 else ""
    return notes


def named_in_nodes(map_file):
    """{symbol: node} for the symbols a node names one by one (not by wildcard)."""
    named = {}
    with open(map_file, encoding="utf-8") as f:
        for node, body in re.findall(r"^(ZJTX_[0-9.]+)\s*\{(.*?)\}", f.read(), re.M | re.S):
            for sym in re.findall(r"^\s*(zjtx_\w+);", body, re.M):
                named[sym] = node
    return named


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    lib, include_dir, map_file = sys.argv[1:]
    failures = []

    with open(map_file, encoding="utf-8") as f:
        nodes = set(re.findall(r"^\s*(ZJTX_[0-9.]+)\s*\{", f.read(), re.M))
    if not nodes:
        failures.append(f"{map_file}: no ZJTX_x.y version node")

    exported = {}
    for line in run(["nm", "-D", "--defined-only", lib]).splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, sym = parts[1], parts[2]
        name, _, version = sym.partition("@")
        version = version.lstrip("@")
        if kind == "A" and name in nodes:  # the version node itself
            continue
        exported[name] = (kind, version)

    declared = declared_api(include_dir)
    if not declared:
        failures.append(f"no ZJTX_API declarations found under {include_dir}/zjtx")

    for name, (kind, version) in sorted(exported.items()):
        if not name.startswith("zjtx_"):
            failures.append(f"exported symbol without the zjtx_ prefix: {name} ({kind})")
        elif name not in declared:
            failures.append(f"exported but declared in no public header: {name}")
        if version not in nodes:
            failures.append(f"{name}: version '{version}' is not a node of {os.path.basename(map_file)} {sorted(nodes)}")
    for name, header in sorted(declared.items()):
        if not name.startswith("zjtx_"):
            failures.append(f"{header}: ZJTX_API {name} lacks the zjtx_ prefix")
        if name not in exported:
            failures.append(f"{header}: ZJTX_API {name} is not exported by {os.path.basename(lib)}")
        elif exported[name][0] not in "TW":
            failures.append(f"{name}: exported as '{exported[name][0]}', not as a function")

    notes = since_notes(include_dir)
    for name, node in sorted(named_in_nodes(map_file).items()):
        release = node[len("ZJTX_"):]
        if not re.search(rf"Since:\s*{re.escape(release)}\b", notes.get(name, "")):
            failures.append(f"{name} is exported in {node} but its doc comment does not say Since: {release}")

    dyn = run(["readelf", "-d", lib])
    m = re.search(r"\(SONAME\).*\[([^\]]+)\]", dyn)
    soname = m.group(1) if m else None
    if soname != SONAME:
        failures.append(f"SONAME is {soname!r}, expected {SONAME!r}")

    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    if not failures:
        print(f"ok: {len(exported)} exported symbols = {len(declared)} ZJTX_API declarations, "
              f"all zjtx_*, versions {sorted(nodes)}, SONAME {soname}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
