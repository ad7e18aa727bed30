#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check-install.py - the Java example against an installed libzjtx, as a new user runs it.

    check-install.py MESON BUILD_DIR SOURCE_DIR DATADIR LIBDIR JAVAC JAVA [JNIDIR]

Installs into a scratch DESTDIR, compiles examples/java/Evaluate.java against the installed
share/java/zjtx.jar alone and runs it with nothing but CLASSPATH and LD_LIBRARY_PATH pointed
into that prefix (DATADIR, LIBDIR and JNIDIR, where the glue goes, default LIBDIR, are absolute,
prefix joined).
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    meson, build, src, datadir, libdir, javac, java = sys.argv[1:8]
    jnidir = sys.argv[8] if len(sys.argv) > 8 else libdir
    with tempfile.TemporaryDirectory(prefix='zjtx-java-install-') as dest:
        subprocess.check_call([meson, 'install', '-C', build, '--destdir', dest, '--no-rebuild', '--quiet'])
        jar = dest + datadir + '/java/zjtx.jar'
        lib = dest + libdir
        jni = dest + jnidir
        for f in (jar, os.path.join(jni, 'libzjtx-jni.so'), os.path.join(lib, 'libzjtx.so.0')):
            if not os.path.isfile(f):
                sys.exit('not installed: ' + f)
        classes = os.path.join(dest, 'classes')
        subprocess.check_call([javac, '-encoding', 'UTF-8', '-cp', jar, '-d', classes,
                               os.path.join(src, 'examples/java/Evaluate.java')])
        env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'CLASSPATH': jar + ':' + classes,
               'LD_LIBRARY_PATH': lib + ':' + jni, 'LANG': 'C.UTF-8'}
        out = subprocess.run([java, 'Evaluate', os.path.join(src, 'rules/huaian-2025.xml'),
                              os.path.join(src, 'examples/huaian-2025/facts.json')],
                             env=env, check=True, stdout=subprocess.PIPE).stdout.decode('utf-8')
    with open(os.path.join(src, 'examples/huaian-2025/expected.json'), encoding='utf-8') as f:
        expected = json.load(f)['entitlements']
    want = sorted('%s %s %s %s' % (e['rule'], e['beneficiary'], e['id'], e['amount']) for e in expected)
    got = sorted(l for l in out.splitlines() if not l.startswith('violation ') and len(l.split(' ')) == 4)
    if got != want:
        sys.exit('entitlements differ:\n  got  %s\n  want %s' % (got, want))
    print('installed jar and JNI glue: %d entitlements as worked by hand' % len(got))


if __name__ == '__main__':
    main()
