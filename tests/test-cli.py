#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End-to-end tests of the zjtx command line.

    test-cli.py ZJTX_BINARY

Runs the CLI as a user would and checks exit codes, the JSON contract of
`evaluate --format json`, the table, explanations, --set overrides and the
messages for bad input.  Expected amounts are worked out by hand from the
policy text (see the comments), never taken from the program's output.
Ends with the line "N passed, N failed"."""
import json
import os
import re
import subprocess
import sys
import tempfile

ZJTX = os.path.abspath(sys.argv[1])
SRC = os.environ.get('ZJTX_SRCDIR') or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLICY = os.path.join(SRC, 'rules', 'huaian-2025.xml')
FACTS = os.path.join(SRC, 'examples', 'huaian-2025', 'facts.json')
EXPECTED = os.path.join(SRC, 'examples', 'huaian-2025', 'expected.json')

passed = failed = 0


def run(*args):
    p = subprocess.run([ZJTX, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print('FAIL %s %s' % (name, detail))


def evaluate_json(*extra):
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--format', 'json', *extra)
    check('evaluate exit 0 %s' % (extra,), rc == 0, err)
    return json.loads(out) if rc == 0 else {'entitlements': [], 'violations': []}


def amount_of(doc, rule, ident):
    for e in doc['entitlements']:
        if e['rule'] == rule and e['id'] == ident:
            return e['amount']
    return None


def test_basics():
    rc, out, _ = run('--version')
    check('--version', rc == 0 and re.match(r'zjtx \d+\.\d+\.\d+', out), out)
    rc, out, _ = run('--help')
    check('--help', rc == 0 and 'evaluate' in out and 'check' in out)
    rc, _, err = run()
    check('no args is a usage error', rc == 2 and 'usage' in err)
    rc, _, err = run('frobnicate', '--policy', POLICY)
    check('unknown command', rc == 2 and 'frobnicate' in err)
    rc, _, err = run('evaluate', '--facts', FACTS)
    check('--policy required', rc == 2 and '--policy' in err)


def test_check():
    rc, out, err = run('check', '--policy', POLICY)
    check('check exit 0', rc == 0, err)
    for rule in ['first_honor_reward', 'cluster_reward', 'excess_project_reward', 'rd_base_subsidy',
                 'rd_incremental_subsidy', 'equipment_loan_interest_subsidy', 'srdi_loan_rate_cap',
                 'srdi_guarantee_fee_cap']:
        check('check lists ' + rule, rule in out)
    check('check counts assumed parameters', '6 parameters are assumed' in out, out[-200:])
    check('check marks lpr_1y published', re.search(r'lpr_1y\s+rate\s+published', out) is not None)


def test_json_contract():
    doc = evaluate_json()
    check('policy id', doc.get('policy') == 'huaian-2025-srdi')
    check('period', doc.get('period') == '2025')
    pairs = [(e['rule'], e['id']) for e in doc['entitlements']]
    check('one entitlement per (rule, beneficiary)', len(pairs) == len(set(pairs)))
    check('amounts are strings with 2 decimals',
          all(isinstance(e['amount'], str) and re.fullmatch(r'\d+\.\d\d', e['amount']) for e in doc['entitlements']))
    check('no zero amounts', all(e['amount'] != '0.00' for e in doc['entitlements']))
    check('beneficiaries', {e['beneficiary'] for e in doc['entitlements']} == {'enterprise', 'county'})
    expected = json.load(open(EXPECTED))
    want = {(e['rule'], e['id'], e['amount']) for e in expected['entitlements']}
    got = {(e['rule'], e['id'], e['amount']) for e in doc['entitlements']}
    check('entitlements as worked by hand', want == got, 'missing %s extra %s' % (want - got, got - want))
    wantv = {(v['check'], v['id']) for v in expected['violations']}
    gotv = {(v['check'], v['id']) for v in doc['violations']}
    check('violations as worked by hand', wantv == gotv, 'missing %s extra %s' % (wantv - gotv, gotv - wantv))
    check('every rule fires', {e['rule'] for e in doc['entitlements']} >= {
        'first_honor_reward', 'cluster_reward', 'excess_project_reward', 'rd_base_subsidy',
        'rd_incremental_subsidy', 'equipment_loan_interest_subsidy'})


def test_table():
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', FACTS)
    check('table exit 0', rc == 0, err)
    check('table has Chinese rule titles', '设备购置贷款贴息' in out and '首次获评' in out)
    # 江苏博远新能源 borrows enough to hit the 20,000,000 per-enterprise cap
    check('table groups thousands', '20,000,000.00' in out)
    check('table has totals', '小计' in out and '合计' in out)
    check('assumed parameters announced on stderr', 'assumed' in err and 'rd_base_rate' in err)


def test_explain():
    doc = evaluate_json('--explain')
    ok = all(e.get('explanation', {}).get('kind') == 'rule' for e in doc['entitlements'])
    check('every entitlement explained', ok and doc['entitlements'])
    ex = next(e['explanation'] for e in doc['entitlements']
              if e['rule'] == 'rd_base_subsidy' and e['id'] == '91320812MA1666644T')
    text = json.dumps(ex, ensure_ascii=False)
    check('explanation cites the clause', '三(六)' in ex.get('reference', ''))
    check('explanation shows the uplifted rate 3%', '"value": "3%"' in text, text[:300])
    check('explanation shows assumed parameter', 'rd_base_rate' in text and 'assumed' in text)
    check('violations explained', all('explanation' in v for v in doc['violations']))


def test_set():
    # 江苏鑫源新材料 91320812MA1666644T: R&D 6,800,000.00, SRDI on 2025-12-31.
    # Default: (2% + 1%) x 6,800,000 = 204,000.00; with rd_base_rate=3: 4% -> 272,000.00.
    doc = evaluate_json()
    check('base before --set', amount_of(doc, 'rd_base_subsidy', '91320812MA1666644T') == '204000.00')
    doc = evaluate_json('--set', 'rd_base_rate=3')
    check('--set rate', amount_of(doc, 'rd_base_subsidy', '91320812MA1666644T') == '272000.00')
    # 淮安恒达精密 91320812MA0GWJDM0C: first little_giant 2025-07-15 -> 500,000; keyed override 600,000.
    doc = evaluate_json('--set', 'first_honor_reward_amount[little_giant]=600000')
    check('--set keyed', amount_of(doc, 'first_honor_reward', '91320812MA0GWJDM0C') == '600000.00')
    rc, _, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--set', 'no_such_param=1')
    check('--set unknown parameter', rc == 1 and 'no_such_param' in err, err)
    rc, _, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--set', 'rd_base_rate=2.5x')
    check('--set bad value', rc == 1 and '2.5x' in err, err)
    rc, _, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--set', 'rd_base_rate')
    check('--set without =', rc == 2, err)


def test_bad_input():
    rc, _, err = run('evaluate', '--policy', '/nonexistent/policy.xml', '--facts', FACTS)
    check('missing policy file', rc == 1 and '/nonexistent/policy.xml' in err, err)
    rc, _, err = run('evaluate', '--policy', POLICY, '--facts', '/nonexistent/facts.json')
    check('missing facts file', rc == 1 and '/nonexistent/facts.json' in err, err)
    rc, _, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--period', '20x5')
    check('bad period', rc == 1 and '20x5' in err, err)
    rc, _, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--format', 'xml')
    check('bad format', rc == 2 and 'xml' in err, err)
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, 'bad.xml')
        with open(bad, 'w') as f:
            f.write('<policy id="x">\n  <title lang="zh">x</title>\n  <rule id="r" subject="e"\n</policy>\n')
        rc, _, err = run('check', '--policy', bad)
        check('malformed policy names file and line', rc == 1 and re.search(r'bad\.xml:\d+', err), err)


def main():
    for t in [test_basics, test_check, test_json_contract, test_table, test_explain, test_set, test_bad_input]:
        try:
            t()
        except Exception as e:  # a crash of one group must not hide the others
            check(t.__name__, False, repr(e))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
