#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""run-example.py - runs examples/java/Evaluate.java on the sample as a user would and checks
its lines against the hand-worked expected.json.

    run-example.py JAVA CLASSPATH JNI_DIR SRCDIR
"""
import json
import os
import subprocess
import sys


def main():
    java, classpath, jni_dir, srcdir = sys.argv[1:5]
    env = dict(os.environ, LD_LIBRARY_PATH=jni_dir, CLASSPATH=classpath)
    out = subprocess.run([java, '-Dfile.encoding=UTF-8', 'Evaluate', os.path.join(srcdir, 'rules/huaian-2025.xml'),
                          os.path.join(srcdir, 'examples/huaian-2025/facts.json')],
                         env=env, check=True, stdout=subprocess.PIPE).stdout.decode('utf-8')
    lines = out.splitlines()
    with open(os.path.join(srcdir, 'examples/huaian-2025/expected.json'), encoding='utf-8') as f:
        expected = json.load(f)
    want = sorted('%s %s %s %s' % (e['rule'], e['beneficiary'], e['id'], e['amount']) for e in expected['entitlements'])
    got = sorted(l for l in lines if not l.startswith('violation ') and len(l.split(' ')) == 4)
    if got != want:
        sys.exit('entitlements differ:\n  got  %s\n  want %s' % (got, want))
    violations = sorted(l.split(' ')[2] for l in lines if l.startswith('violation '))
    if violations != sorted(v['id'] for v in expected['violations']):
        sys.exit('violations differ: %s' % violations)
    if not any('500,000.00' in l for l in lines):  # the first one explained, yuan grouped
        sys.exit('no explanation of cluster_reward 320812 in:\n' + out)
    print('%d entitlements, %d violations, as worked by hand' % (len(got), len(violations)))


if __name__ == '__main__':
    main()
