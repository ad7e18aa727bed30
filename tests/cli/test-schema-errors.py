#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Schema errors as a user sees them: `zjtx check` on a policy and `zjtx test` on a test file
with several mistakes print every one, each at FILE:LINE:COLUMN with what the schema expected and
the nearest allowed name.  The mistakes are those of issue 9; the lines and columns are counted in
the files written below (comments give the count), the messages read from rules/policy.rng and
rules/test.rng by hand.

    test-schema-errors.py ZJTX_BINARY

Ends with the line "N passed, N failed"."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zjtxtest import check, run, run_groups  # noqa: E402

# line 1..7: a valid start, then one mistake per line from line 8
POLICY = '''<?xml version="1.0" encoding="UTF-8"?>
<policy id="p" version="1">
  <title lang="en">P</title>
  <entity name="shop" plural="shops" key="id">
    <field name="id" type="text"/>
  </entity>
  <!-- mistakes follow -->
  <period unit="year" default="25"/>
  <rule id="a" subject="shop"><amount>1</amount></rule>
  <rule subject="shop" clause="c"><amount>1</amount></rule>
  <rule id="b" subjet="shop" clause="c"><amount>1</amount></rule>
  <rule id="d" subject="shop" clause="c" rounding="half_up"><condition>true</condition><amount>1</amount></rule>
  <rule id="e" subject="shop" clause="c"><amout>1</amout></rule>
</policy>
'''

# each: line, column (characters from 1), message
POLICY_ERRORS = [
    # '  <period unit="year" ' is 22 characters: default= starts at 23
    (8, 23, 'default="25" is not allowed on <period>: expected period-form: text matching (FY)?[0-9]{4}((H[12])|(Q[1-4])|(-[0-9]{2}))?'),
    # a missing attribute is said at the element's '<', after two spaces
    (9, 3, '<rule> needs clause='),
    (10, 3, '<rule> needs id='),
    # '  <rule id="b" ' is 15 characters
    (11, 16, '<rule> takes no attribute subjet= (did you mean subject=?)'),
    # '  <rule id="d" subject="shop" clause="c" ' is 41 characters
    (12, 42, 'rounding="half_up" is not allowed on <rule> (did you mean "half-up"?): '
             'expected one of half-up, half-even, down, up, floor, ceiling'),
    # '  <rule id="e" subject="shop" clause="c">' is 41 characters
    (13, 42, '<amout> is not allowed in <rule> (did you mean <amount>?); '
             '<rule> holds title, filter, condition, amount, cap'),
]

TESTS = '''<?xml version="1.0" encoding="UTF-8"?>
<tests policy="p.xml">
  <test nme="one">
    <facts/>
    <expect rule="r" id="1" amount="1"/>
    <expct rule="r" id="2" amount="1.00"/>
  </test>
</tests>
'''

TEST_ERRORS = [
    # '  <test ' is 8 characters
    (3, 9, '<test> takes no attribute nme= (did you mean name=?)'),
    # '    <expect rule="r" id="1" ' is 28 characters
    (5, 29, 'amount="1" is not allowed on <expect>: expected text matching -?[0-9]+\\.[0-9]{2}'),
    (6, 5, '<expct> is not allowed in <test> (did you mean <expect>?); <test> holds about, facts, set, '
           'expect, expect-violation, expect-no-violation, expect-derived, expect-undecided'),
]


def test_policy_errors():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'p.xml')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(POLICY)
        rc, out, err = run('check', '--policy', path)
        check('check: a policy with schema errors fails', rc != 0, (rc, out, err))
        lines = [ln for ln in err.splitlines() if ln.startswith('zjtx: ' + path + ':')]
        want = ['zjtx: %s:%d:%d: %s' % (path, line, col, msg) for line, col, msg in POLICY_ERRORS]
        check('check: every schema error, in order, with line and column', lines == want,
              '\n'.join(lines) + '\n---- want\n' + '\n'.join(want))
        check('check: counts them', ('%d errors' % len(POLICY_ERRORS)) in err, err)
        rc, out, err = run('evaluate', '--policy', path, '--facts', path)
        check('evaluate: the same errors', rc != 0 and want[0] in err and want[-1] in err, err)


def test_test_file_errors():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 't.xml')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(TESTS)
        rc, out, err = run('test', path)
        check('test: a test file with schema errors fails', rc == 1, (rc, out, err))
        lines = [ln for ln in out.splitlines() if ln.startswith('ERROR ')]
        want = ['ERROR %s:%d:%d: not a valid test file: %s' % (path, line, col, msg) for line, col, msg in TEST_ERRORS]
        check('test: every schema error, in order, with line and column', lines == want,
              '\n'.join(lines) + '\n---- want\n' + '\n'.join(want))
        check('test: the file counts as one failure', '0 passed, 1 failed' in out, out)


if __name__ == '__main__':
    sys.exit(run_groups([test_policy_errors, test_test_file_errors]))
