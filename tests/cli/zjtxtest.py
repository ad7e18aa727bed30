# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the end-to-end CLI tests share: where the binary and the example policy are, running the
binary, counting checks and the closing "N passed, N failed" line."""
import os
import subprocess
import sys

ZJTX = os.path.abspath(sys.argv[1])
SRC = os.environ.get('ZJTX_SRCDIR') or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICY = os.path.join(SRC, 'rules', 'huaian-2025.xml')
FACTS = os.path.join(SRC, 'examples', 'huaian-2025', 'facts.json')

_counts = {'passed': 0, 'failed': 0}


def run(*args, timeout=120):
    """Runs zjtx with args; returns (exit code, stdout, stderr)."""
    p = subprocess.run([ZJTX, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=''):
    """Counts one check; a failure prints its name and (the start of) what was seen."""
    if cond:
        _counts['passed'] += 1
    else:
        _counts['failed'] += 1
        print('FAIL %s %s' % (name, str(detail)[:1500]))


def run_groups(groups, *args):
    """Runs each test group with args; a crash of one group is a failure, not the end, so it must
    not hide the others.  Prints the totals and returns the exit status."""
    for t in groups:
        try:
            t(*args)
        except Exception as e:
            check(t.__name__ + ' raised', False, repr(e))
    print('%d passed, %d failed' % (_counts['passed'], _counts['failed']))
    return 1 if _counts['failed'] else 0
