#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""update-symbols.py - writes debian/libzjtx0.symbols from libzjtx/libzjtx.map.

    debian/update-symbols.py BUILD_DIR/libzjtx/libzjtx.so.0 > debian/libzjtx0.symbols

The version script decides which version node each exported symbol gets;
the built library (nm -D) says which symbols there are.  A symbol of node
ZJTX_X.Y needs at least version X.Y~ of libzjtx0, or the version packaged
now (debian/changelog) when that is older, since a package must satisfy the
dependencies its own symbols produce.  debian/rules builds with
dpkg-gensymbols -c4, so the package build fails when this file and the
library disagree: run this again after adding a symbol to the map.
"""
import os
import re
import subprocess
import sys


def packaged_version():
    changelog = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'changelog')
    with open(changelog, encoding='utf-8') as f:
        return re.match(r'^\S+ \(([^)]+)\)', f.readline()).group(1).split('-')[0]


def older(a, b):
    return subprocess.run(['dpkg', '--compare-versions', a, 'lt', b]).returncode == 0


def main():
    library = sys.argv[1]
    nm = subprocess.run(['nm', '-D', '--defined-only', library], stdout=subprocess.PIPE, text=True, check=True)
    current = packaged_version()
    symbols = []
    for line in nm.stdout.splitlines():
        fields = line.split()
        m = re.fullmatch(r'([A-Za-z_]\w*)@@(ZJTX_(\d+)\.(\d+))', fields[-1])
        node = re.fullmatch(r'ZJTX_(\d+)\.(\d+)', fields[-1])
        if m:
            name, node_name, major, minor = m.groups()
        elif node:
            name, node_name, major, minor = fields[-1], fields[-1], node.group(1), node.group(2)
        else:
            continue
        since = '%s.%s~' % (major, minor)
        if older(current, since):
            since = current
        symbols.append(' %s@%s %s' % (name, node_name, since))
    print('libzjtx.so.0 libzjtx0 #MINVER#')
    print('* Build-Depends-Package: libzjtx-dev')
    print('\n'.join(sorted(symbols)))


if __name__ == '__main__':
    main()
