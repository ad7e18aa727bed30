#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End-to-end tests of `zjtx simulate`.

    test-simulate.py ZJTX_BINARY        (env ZJTX_SRCDIR: the source tree)

Compares the Huai'an 2025 policy with reforms of it over
examples/huaian-2025/facts.json.  Every expected amount is worked out by hand
(examples/reforms/README.md has the working), never taken from the program.
The reforms of examples/reforms/ use <amend-parameter>; the same reforms are
also run as `--set` on the reform side, and reforms with <remove-rule>,
<amend-rule>, an <override> or a new rule are written on the fly.  Ends with "N passed, N failed"."""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zjtxtest import FACTS, POLICY, SRC, ZJTX, check, run, run_groups  # noqa: E402

REFORMS = os.path.join(SRC, 'examples', 'reforms')
UPLIFT = os.path.join(REFORMS, 'srdi-uplift-2.xml')
FROM4TH = os.path.join(REFORMS, 'projects-from-4th.xml')

RULES = ['rd_base_subsidy', 'rd_incremental_subsidy', 'first_honor_reward', 'cluster_reward',
         'excess_project_reward', 'equipment_loan_interest_subsidy']
BASE_RULE_TOTALS = {'rd_base_subsidy': '3724209.88', 'rd_incremental_subsidy': '2709990.11',
                    'first_honor_reward': '1900000.00', 'cluster_reward': '2500000.00',
                    'excess_project_reward': '600000.00', 'equipment_loan_interest_subsidy': '21409333.34'}
BASE_TOTAL = '32843533.33'
BASE_COUNTIES = {'320803': '1636518.52', '320804': '2620666.67', '320812': '26379314.81', '320831': '2207033.33'}

# srdi-uplift-2 (README): SRDI on 2025-12-31 and rd_expense >= 1,000,000: base 3% -> 4%, incremental
# 11% -> 12%, caps 1,000,000.  (rule, enterprise): (base, reform)
UPLIFT_CHANGES = {
    ('rd_base_subsidy', '91320812MA0GWJDM0C'): ('645000.00', '860000.00'),    # 21,500,000.00 x 4%
    ('rd_base_subsidy', '91320812MA1666644T'): ('204000.00', '272000.00'),    # 6,800,000.00 x 4%
    ('rd_base_subsidy', '91320804MAWJ0QAU2A'): ('126000.00', '168000.00'),    # 4,200,000.00 x 4%
    ('rd_base_subsidy', '91320804MAKT7B7H11'): ('810000.00', '1000000.00'),   # 1,080,000.00 capped
    ('rd_base_subsidy', '91320803MA5G0BCJ2C'): ('296296.30', '395061.73'),    # 395,061.7284
    ('rd_base_subsidy', '91320803MA72CC317K'): ('78000.00', '104000.00'),     # 2,600,000.00 x 4%
    ('rd_base_subsidy', '91320831MA7KR3DP0E'): ('405000.00', '540000.00'),    # 13,500,000.00 x 4%
    ('rd_base_subsidy', '91320831MAX843M8XF'): ('93000.00', '124000.00'),     # 3,100,000.00 x 4%
    ('rd_incremental_subsidy', '91320812MA0GWJDM0C'): ('363000.00', '396000.00'),  # 3,300,000.00 x 12%
    ('rd_incremental_subsidy', '91320804MAWJ0QAU2A'): ('132000.00', '144000.00'),  # 1,200,000.00 x 12%
    ('rd_incremental_subsidy', '91320803MA5G0BCJ2C'): ('122222.22', '133333.33'),  # 1,111,111.11 x 12%
    ('rd_incremental_subsidy', '91320831MA7KR3DP0E'): ('275000.00', '300000.00'),  # 2,500,000.00 x 12%
    ('rd_incremental_subsidy', '91320831MAX843M8XF'): ('68200.00', '74400.00'),    # 620,000.00 x 12%
}


def simulate(reform, *extra, facts=FACTS):
    return run('simulate', '--policy', POLICY, '--reform', reform, '--facts', facts, '--quiet', *extra)


def simulate_json(name, reform, *extra):
    rc, out, err = simulate(reform, '--format', 'json', *extra)
    check('%s: exit 0' % name, rc == 0, err)
    try:
        return json.loads(out)
    except ValueError:
        check('%s: JSON parses' % name, False, out[:300])
        return None


def fen(yuan):
    """'1234.56' -> 123456, exactly."""
    neg = yuan.startswith('-')
    whole, frac = yuan.lstrip('-+').split('.')
    v = int(whole) * 100 + int(frac)
    return -v if neg else v


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


def reform_xml(tmp, ident, body):
    """A reform of rules/huaian-2025.xml in tmp (extends is relative)."""
    rel = os.path.relpath(POLICY, tmp)
    return write(tmp, ident + '.xml', '<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<policy id="%s" version="1" extends="%s">\n'
                 '  <title lang="zh">测试改革 %s</title>\n  <jurisdiction>淮安市</jurisdiction>\n'
                 '  <document>test</document>\n  <period unit="year" default="2025"/>\n%s</policy>\n'
                 % (ident, rel, ident, body))


def rule_of(doc, rule):
    return next((r for r in doc['rules'] if r['rule'] == rule), None)


def group_of(doc, ident):
    return next((g for g in doc['groups'] if g['id'] == ident), None)


def counts(obj):
    return (obj['gainers'], obj['losers'], obj['unchanged'])


# ---- the hand-worked reforms ----------------------------------------------

def check_uplift(name, doc):
    """srdi-uplift-2: +805,765.43 base, +87,311.11 incremental, +893,076.54 in all."""
    if not doc:
        return
    r = rule_of(doc, 'rd_base_subsidy')
    check(name + ': base subsidy totals', (r['base'], r['reform'], r['difference']) ==
          ('3724209.88', '4529975.31', '805765.43'), r)
    check(name + ': base subsidy 8 gain, 3 unchanged', counts(r) == (8, 0, 3), r)
    r = rule_of(doc, 'rd_incremental_subsidy')
    check(name + ': incremental totals', (r['base'], r['reform'], r['difference']) ==
          ('2709990.11', '2797301.22', '87311.11'), r)
    check(name + ': incremental 5 gain, 4 unchanged (淮阴天工 capped both ways)', counts(r) == (5, 0, 4), r)
    for rule in RULES[2:]:
        r = rule_of(doc, rule)
        check(name + ': %s unchanged' % rule, r['difference'] == '0.00' and r['gainers'] == r['losers'] == 0, r)
    t = doc['total']
    check(name + ': total', (t['base'], t['reform'], t['difference']) == (BASE_TOTAL, '33736609.87', '893076.54'), t)
    check(name + ': 8 beneficiaries gain, 6 unchanged', counts(t) == (8, 0, 6), t)
    want = {'320812': '316000.00', '320804': '244000.00', '320803': '135876.54', '320831': '197200.00'}
    got = {g['id']: g['difference'] for g in doc['groups']}
    check(name + ': per county differences', got == want, got)
    check(name + ': county base totals', {g['id']: g['base'] for g in doc['groups']} == BASE_COUNTIES)
    check(name + ': 13 amounts change', doc['changed'] == 13, doc['changed'])
    got = {(c['rule'], c['id']): (c['base'], c['reform']) for c in doc['changes']}
    check(name + ': every individual change (--top 20)', got == UPLIFT_CHANGES,
          set(got.items()) ^ set(UPLIFT_CHANGES.items()))
    check(name + ': largest change first: 恒达 +215,000.00',
          (doc['changes'][0]['id'], doc['changes'][0]['difference']) == ('91320812MA0GWJDM0C', '215000.00'))
    v = {c['check']: (c['base'], c['reform']) for c in doc['violations']}
    check(name + ': violations unchanged', v == {'srdi_loan_rate_cap': (3, 3), 'srdi_guarantee_fee_cap': (1, 1)}, v)


def check_from_4th(name, doc):
    """projects-from-4th: 320812 has 7 qualifying projects: (7-5) -> (7-3) x 300,000."""
    if not doc:
        return
    r = rule_of(doc, 'excess_project_reward')
    check(name + ': project reward totals', (r['base'], r['reform'], r['difference']) ==
          ('600000.00', '1200000.00', '600000.00'), r)
    check(name + ': one county gains', counts(r) == (1, 0, 0), r)
    t = doc['total']
    check(name + ': total', (t['reform'], t['difference']) == ('33443533.33', '600000.00'), t)
    check(name + ': 1 gains, 13 unchanged', counts(t) == (1, 0, 13), t)
    got = {g['id']: g['difference'] for g in doc['groups']}
    check(name + ': only 320812 changes', got == {'320812': '600000.00', '320803': '0.00', '320804': '0.00',
                                                  '320831': '0.00'}, got)
    check(name + ': the one change', [(c['rule'], c['beneficiary'], c['id'], c['base'], c['reform'])
                                      for c in doc['changes']] ==
          [('excess_project_reward', 'county', '320812', '600000.00', '1200000.00')], doc['changes'])


def test_example_reforms():
    for path in (UPLIFT, FROM4TH):
        # a reform file extends ../../rules/: outside its folder, so only
        # with that folder on the search path (simulate adds --policy's)
        rc, _, err = run('check', '--policy', path, '--policy-path', os.path.join(SRC, 'rules'))
        check('%s loads' % os.path.basename(path), rc == 0, err)
        rc, _, err = run('check', '--policy', path)
        check('%s alone: extends out of its folder refused' % os.path.basename(path),
              rc == 1 and 'extends="../../rules/huaian-2025.xml" leads out of the policy\'s folder: a policy file may '
              'only extend policies below its own folder or a folder of the search path' in err, err)
    check_uplift('srdi-uplift-2.xml', simulate_json('uplift file', UPLIFT, '--top', '20'))
    check_from_4th('projects-from-4th.xml', simulate_json('from-4th file', FROM4TH))
    doc = simulate_json('uplift file', UPLIFT)
    check('reform id and title', doc and doc['reform']['policy'] == 'reform-srdi-uplift-2' and
          '2个百分点' in doc['reform']['title'], doc and doc['reform'])
    # The same reforms as parameter changes on the reform side.
    check_uplift('--set uplift', simulate_json('--set uplift', POLICY, '--set', 'srdi_rd_rate_uplift=2', '--top', '20'))
    check_from_4th('--set threshold', simulate_json('--set threshold', POLICY, '--set', 'project_threshold_count=3'))


def test_remove_and_amend_rule():
    """<remove-rule> cluster_reward: 320812 (500,000.00), 320803 and 320831 (1,000,000.00 each) lose it;
    <amend-rule> gives first_honor_reward a new title and changes no amount."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write(tmp, 'reform-remove.xml', '<policy id="reform-remove" extends="%s">\n'
                     '  <remove-rule id="cluster_reward"/>\n'
                     '  <amend-rule id="first_honor_reward"><title lang="zh">首次获评奖励（修订）</title></amend-rule>\n'
                     '</policy>\n' % os.path.relpath(POLICY, tmp))
        doc = simulate_json('remove-rule', path)
        if not doc:
            return
        r = rule_of(doc, 'cluster_reward')
        check('removed rule: base only', r and r['in'] == 'base', r)
        check('removed rule: totals and 3 losers', r and (r['base'], r['reform'], r['difference']) ==
              ('2500000.00', '0.00', '-2500000.00') and counts(r) == (0, 3, 0), r)
        check('removed rule: 3 counties lose in all (320812 keeps its project reward)',
              counts(doc['total']) == (0, 3, 11), doc['total'])
        check('removed rule: per county', {g['id']: g['difference'] for g in doc['groups']} ==
              {'320803': '-1000000.00', '320804': '0.00', '320812': '-500000.00', '320831': '-1000000.00'},
              doc['groups'])
        r = rule_of(doc, 'first_honor_reward')
        check('amended rule: the reform\'s title, same amounts', r['title'] == '首次获评奖励（修订）' and
              r['in'] == 'both' and r['difference'] == '0.00', r)


def test_override_reform():
    """An <override> reform (works without <amend-*>): uplift 2 points on both rates = srdi-uplift-2."""
    with tempfile.TemporaryDirectory() as tmp:
        body = ''.join('  <override derived="%s" entity="enterprise">\n'
                       '    <expr>inherited + (if srdi_on(period.end) then 1%% else 0%%)</expr>\n'
                       '  </override>\n' % d for d in ('rd_base_rate_applied', 'rd_incremental_rate_applied'))
        path = reform_xml(tmp, 'reform-override', body)
        check_uplift('override', simulate_json('override', path, '--top', '20'))


def test_losers():
    """Base rate without the SRDI uplift: the 8 SRDI enterprises lose 1 % of R&D (淮阴天工 810,000 -> 540,000)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = reform_xml(tmp, 'reform-no-uplift', '  <override derived="rd_base_rate_applied" entity="enterprise">\n'
                          '    <expr>rd_base_rate</expr>\n  </override>\n')
        doc = simulate_json('losers', path, '--top', '3')
        if not doc:
            return
        r = rule_of(doc, 'rd_base_subsidy')
        # 中天: 9,876,543.21 x 2% = 197,530.8642 -> 197,530.86; 296,296.30 - 197,530.86 = 98,765.44
        check('losers: base subsidy', (r['reform'], r['difference']) == ('2838444.44', '-885765.44'), r)
        check('losers: 8 lose, 3 unchanged', counts(r) == (0, 8, 3), r)
        check('losers: total counts', counts(doc['total']) == (0, 8, 6), doc['total'])
        check('losers: --top 3', len(doc['changes']) == 3 and doc['changed'] == 8, doc['changes'])
        c = doc['changes'][0]
        check('losers: largest loss first (淮阴天工 -270,000.00)',
              (c['id'], c['base'], c['reform'], c['difference'], c['difference_fen']) ==
              ('91320804MAKT7B7H11', '810000.00', '540000.00', '-270000.00', -27000000), c)
        check('losers: county of the change', c['group'] == '320804', c)
        rc, out, err = simulate(path, '--top', '3')
        check('losers: table shows the loss signed', rc == 0 and '-270,000.00' in out and '-885,765.44' in out, out)


def test_new_rule():
    """A rule only in the reform: 100,000 per county, 4 counties."""
    with tempfile.TemporaryDirectory() as tmp:
        body = ('  <parameter id="county_bonus_amount" type="money" unit="yuan" status="assumed">\n'
                '    <source>test</source><value from="2025-01-01">100000</value>\n  </parameter>\n'
                '  <rule id="county_bonus" subject="county" clause="新">\n'
                '    <title lang="zh">县区新增奖励</title>\n    <amount>county_bonus_amount</amount>\n  </rule>\n')
        doc = simulate_json('new rule', reform_xml(tmp, 'reform-new-rule', body))
        if not doc:
            return
        r = rule_of(doc, 'county_bonus')
        check('new rule listed, reform only', r is not None and r['in'] == 'reform' and r['title'] == '县区新增奖励', r)
        if r:
            check('new rule totals', (r['base'], r['reform'], r['difference']) == ('0.00', '400000.00', '400000.00'), r)
            check('new rule: 4 counties gain', counts(r) == (4, 0, 0), r)
        check('new rule comes after the base rules', [x['rule'] for x in doc['rules']] == RULES + ['county_bonus'])
        check('base rules present in both', all(x['in'] == 'both' for x in doc['rules'][:6]))
        # county 320804 had no county-level amount: it is a new beneficiary
        check('new rule: 4 gain, 11 unchanged in all', counts(doc['total']) == (4, 0, 11), doc['total'])
        check('new rule: 320804', counts(group_of(doc, '320804')) == (1, 0, 2), group_of(doc, '320804'))


def test_set_reform_only():
    """--set applies to the reform only: rd_base_rate 2 -> 3 on the reform side.
    SRDI (8, as for the uplift): +805,765.43; 华瑞 1,000,000.00 x 3% = 30,000.00 (+10,000.00);
    亿诚 2,345,678.90 x 3% = 70,370.367 -> 70,370.37 (+23,456.79); 博远 capped both ways."""
    doc = simulate_json('--set base rate', POLICY, '--set', 'rd_base_rate=3')
    if not doc:
        return
    r = rule_of(doc, 'rd_base_subsidy')
    check('--set: base side as published', r['base'] == '3724209.88', r)
    check('--set: reform side changed', r['difference'] == '839222.22', r)
    check('--set: 10 gain, 1 unchanged', counts(r) == (10, 0, 1), r)
    check('--set listed in the output', doc['reform_set'] == ['rd_base_rate=3'], doc['reform_set'])
    doc = simulate_json('same policy', POLICY)
    check('same policy both sides: no change', doc and doc['total']['difference'] == '0.00' and doc['changed'] == 0
          and counts(doc['total']) == (0, 0, 14), doc and doc['total'])


# ---- shapes -------------------------------------------------------------------

def test_json_shape():
    doc = simulate_json('shape', POLICY, '--set', 'srdi_rd_rate_uplift=2')
    if not doc:
        return
    check('json keys', set(doc) == {'base', 'reform', 'period', 'reform_set', 'total', 'rules', 'group_by', 'groups',
                                    'violations', 'undecided', 'changed', 'changes'}, sorted(doc))
    check('json base policy', doc['base'] == {'policy': 'huaian-2025-srdi',
                                              'title': '2025年淮安市专精特新企业高质量发展行动方案'}, doc['base'])
    check('json period', doc['period'] == '2025')
    check('json group_by county', doc['group_by'] == 'county')
    check('json rules in policy order', [r['rule'] for r in doc['rules']] == RULES)
    check('json base totals per rule', {r['rule']: r['base'] for r in doc['rules']} == BASE_RULE_TOTALS)
    money = [doc['total']] + doc['rules'] + doc['groups'] + doc['changes']
    ok = True
    for m in money:
        for k in ('base', 'reform', 'difference'):
            ok = ok and isinstance(m[k], str) and re.fullmatch(r'-?\d+\.\d\d', m[k]) is not None
            ok = ok and isinstance(m[k + '_fen'], int) and fen(m[k]) == m[k + '_fen']
        ok = ok and m['reform_fen'] - m['base_fen'] == m['difference_fen']
    check('json money: two-decimal strings, exact fen, difference = reform - base', ok)
    for part in ('rules', 'groups'):
        for k in ('base_fen', 'reform_fen', 'difference_fen'):
            check('json %s sum to the total (%s)' % (part, k), sum(x[k] for x in doc[part]) == doc['total'][k])
    check('json rule counts', all(r['gainers'] + r['losers'] + r['unchanged'] > 0 for r in doc['rules']))
    check('json group counts add up to the total',
          sum(g['gainers'] + g['losers'] + g['unchanged'] for g in doc['groups']) == sum(counts(doc['total'])))
    mags = [abs(c['difference_fen']) for c in doc['changes']]
    check('json changes: default top 10, largest first', len(mags) == 10 and mags == sorted(mags, reverse=True), mags)
    check('json change keys', set(doc['changes'][0]) == {'rule', 'beneficiary', 'id', 'group', 'base', 'base_fen',
                                                         'reform', 'reform_fen', 'difference', 'difference_fen'})
    check('json violation keys', set(doc['violations'][0]) == {'check', 'in', 'base', 'reform', 'difference'})


def test_csv_shape():
    p = subprocess.run([ZJTX, 'simulate', '--policy', POLICY, '--reform', POLICY, '--facts', FACTS, '--quiet',
                        '--set', 'srdi_rd_rate_uplift=2', '--format', 'csv', '--top', '5'],
                       capture_output=True, timeout=120)
    rc, out, err = p.returncode, p.stdout.decode('utf-8'), p.stderr.decode('utf-8')
    check('csv exit 0', rc == 0, err)
    check('csv lines end in CRLF (RFC 4180)', out.endswith('\r\n') and out.count('\r\n') == out.count('\n'))
    rows = list(csv.reader(io.StringIO(out, newline='')))
    header = ['section', 'rule', 'beneficiary', 'id', 'in', 'base', 'reform', 'difference', 'base_fen',
              'reform_fen', 'difference_fen', 'gainers', 'losers', 'unchanged']
    check('csv header', rows and rows[0] == header, rows[:1])
    body = [dict(zip(header, r)) for r in rows[1:]]
    sections = [r['section'] for r in body]
    check('csv sections in order', sections == ['rule'] * 6 + ['group'] * 4 + ['total'] + ['violations'] * 2 +
          ['change'] * 5, sections)
    check('csv every row has 14 fields', all(len(r) == 14 for r in rows))
    total = next(r for r in body if r['section'] == 'total')
    check('csv total', (total['base'], total['reform'], total['difference'], total['difference_fen'],
                        total['gainers'], total['losers'], total['unchanged']) ==
          (BASE_TOTAL, '33736609.87', '893076.54', '89307654', '8', '0', '6'), total)
    g = next(r for r in body if r['section'] == 'group' and r['id'] == '320803')
    check('csv group row', (g['beneficiary'], g['difference']) == ('county', '135876.54'), g)
    v = next(r for r in body if r['section'] == 'violations')
    check('csv violations row: counts, no fen', (v['rule'], v['base'], v['reform'], v['difference'], v['base_fen'])
          == ('srdi_loan_rate_cap', '3', '3', '0', ''), v)
    c = next(r for r in body if r['section'] == 'change')
    check('csv first change', (c['rule'], c['beneficiary'], c['id'], c['difference']) ==
          ('rd_base_subsidy', 'enterprise', '91320812MA0GWJDM0C', '215000.00'), c)


def test_table():
    rc, out, err = simulate(POLICY, '--set', 'srdi_rd_rate_uplift=2')
    check('table exit 0', rc == 0, err)
    for s in ('预算影响 Budget impact', '合规检查', '最大个体变化', '+893,076.54', '32,843,533.33', '33,736,609.87',
              '+316,000.00', 'rd_base_subsidy', '改革侧参数 Reform --set srdi_rd_rate_uplift=2'):
        check('table shows %s' % s, s in out, out[:400])
    line = next((l for l in out.splitlines() if l.strip().startswith('rd_base_subsidy')), '')
    check('table rule line', re.search(r'3,724,209\.88\s+4,529,975\.31\s+\+805,765\.43\s+8\s+0\s+3$', line), line)


# ---- options and bad input ---------------------------------------------------

def test_options():
    rc, out, _ = run('simulate', '--help')
    check('simulate --help', rc == 0 and '--reform' in out and '--report' in out and 'REFORM only' in out, out)
    rc, out, _ = simulate(POLICY, '--set', 'srdi_rd_rate_uplift=2', '--format', 'json', '--top', '0')
    check('--top 0: no changes listed', rc == 0 and json.loads(out)['changes'] == [] and json.loads(out)['changed'] == 13)
    rc, _, err = simulate(POLICY, '--top', 'many')
    check('--top not a number: usage error', rc == 2 and '--top' in err, err)
    rc, out1, _ = simulate(POLICY, '--set', 'srdi_rd_rate_uplift=2', '--format', 'json', '--threads', '1')
    rc2, out2, _ = simulate(POLICY, '--set', 'srdi_rd_rate_uplift=2', '--format', 'json', '--threads', '4')
    check('--threads 1 and 4 agree', rc == rc2 == 0 and out1 == out2)
    rc, _, err = simulate(POLICY, '--threads', 'x')
    check('--threads bad', rc == 2 and '--threads' in err, err)
    rc, out, _ = simulate(POLICY, '--format', 'json', '--period', '2025')
    check('--period 2025', rc == 0 and json.loads(out)['period'] == '2025')
    rc, _, err = simulate(POLICY, '--period', '20x5')
    check('--period bad', rc == 1 and '20x5' in err, err)
    rc, _, err = run('simulate', '--policy', POLICY, '--reform', POLICY, '--facts', FACTS)
    check('assumed parameters noted without --quiet', rc == 0 and 'assumed' in err, err)
    rc, _, err = run('simulate', '--policy', POLICY, '--reform', POLICY, '--facts', FACTS, '--set',
                     'rd_base_rate=3')
    check('note leaves out what --set replaces', rc == 0 and 'rd_base_rate,' not in err and 'rd_min_expense' in err,
          err)


def test_output_file():
    with tempfile.TemporaryDirectory() as tmp:
        out_path = os.path.join(tmp, 'sim.json')
        rc, out, err = simulate(POLICY, '--format', 'json', '--output', out_path)
        check('--output: exit 0, nothing on stdout', rc == 0 and out == '', err)
        with open(out_path, encoding='utf-8') as f:
            check('--output: the JSON document', json.load(f)['total']['base'] == BASE_TOTAL)
        check('--output: no temporary left', os.listdir(tmp) == ['sim.json'], os.listdir(tmp))
        rc, _, err = simulate(POLICY, '--output', os.path.join(tmp, 'no', 'such', 'dir', 'x'))
        check('--output unwritable: exit 1', rc == 1 and 'cannot write' in err, err)


def test_bad_input():
    rc, _, err = run('simulate', '--policy', POLICY, '--facts', FACTS)
    check('missing --reform: usage error naming it', rc == 2 and '--reform' in err, err)
    rc, _, err = run('simulate', '--reform', POLICY, '--facts', FACTS)
    check('missing --policy', rc == 2 and '--policy' in err, err)
    rc, _, err = run('simulate', '--policy', POLICY, '--reform', POLICY)
    check('missing --facts', rc == 2 and '--facts' in err, err)
    rc, _, err = simulate(POLICY, '--format', 'xml')
    check('bad format', rc == 2 and 'xml' in err and 'csv' in err, err)
    rc, _, err = simulate(POLICY, '--frobnicate')
    check('unknown option', rc == 2 and '--frobnicate' in err, err)
    rc, _, err = simulate(POLICY, '--output', 'same.html', '--report', 'same.html')
    check('--output and --report the same file', rc == 2 and 'same.html' in err, err)
    rc, _, err = simulate(POLICY, '--set', 'rd_base_rate')
    check('--set without =', rc == 2 and 'rd_base_rate' in err, err)
    rc, _, err = simulate(POLICY, '--set', 'no_such_param=1')
    check('--set unknown parameter: exit 1', rc == 1 and 'no_such_param' in err, err)
    rc, _, err = simulate('/nonexistent/reform.xml')
    check('reform file missing', rc == 1 and '/nonexistent/reform.xml' in err, err)
    rc, _, err = simulate(POLICY, facts='/nonexistent/facts.json')
    check('facts file missing', rc == 1 and '/nonexistent/facts.json' in err, err)
    with tempfile.TemporaryDirectory() as tmp:
        bad = write(tmp, 'bad-reform.xml', '<policy id="r" version="1" extends="x.xml">\n  <title lang="zh">x\n'
                    '</policy>\n')
        rc, out, err = simulate(bad)
        check('malformed reform: exit 1 with file:line', rc == 1 and re.search(r'bad-reform\.xml:\d+', err) and
              out == '', err)
        typo = reform_xml(tmp, 'typo-reform', '  <override derived="rd_base_rate_applied" entity="enterprise">\n'
                          '    <expr>rd_base_rate + no_such_name</expr>\n  </override>\n')
        rc, _, err = simulate(typo)
        check('reform with an unknown name: exit 1 with file:line:column',
              rc == 1 and re.search(r'typo-reform\.xml:\d+:\d+', err) and 'no_such_name' in err, err)
        report = os.path.join(tmp, 'r.html')
        rc, _, _ = simulate(typo, '--report', report)
        check('failed run leaves no report', rc == 1 and not os.path.exists(report), os.listdir(tmp))


def test_rejects():
    """An invalid record is reported (stderr), the rest compared, exit 1."""
    with open(FACTS, encoding='utf-8') as f:
        doc = json.load(f)
    doc['enterprises'][11]['rd_expense'] = 'lots'  # 亿诚 91320812MAUM7PA879: base 46,913.58 + 34,567.89
    with tempfile.TemporaryDirectory() as tmp:
        path = write(tmp, 'facts.json', json.dumps(doc, ensure_ascii=False, indent=1))
        report = os.path.join(tmp, 'report.html')
        rc, out, err = simulate(POLICY, '--format', 'json', '--report', report, facts=path)
        check('refused record: exit 1', rc == 1, err)
        page = open(report, encoding='utf-8').read() if os.path.exists(report) else ''
        counts = re.findall(r'<tr><td><code>(\w+)</code></td><td class="num">(\d+)</td><td class="num">(\d+)</td>'
                            r'<td class="num[^"]*">(\d+)</td></tr>', page)
        check('refused record: the report counts 12 enterprises read, 11 accepted, 1 refused',
              ('enterprises', '12', '11', '1') in counts, counts)
        check('refused record: read = accepted + refused in every row of the report',
              counts and all(int(r) == int(a) + int(x) for _, r, a, x in counts), counts)
        check('refused record reported once', err.count('refused enterprise') == 1 and 'facts.json:' in err, err)
        try:
            res = json.loads(out)
            check('the rest is compared', res['total']['base'] == '32762051.86' and res['total']['difference'] ==
                  '0.00', res['total'])  # 32,843,533.33 - (46,913.58 + 34,567.89): 亿诚 had nothing else
        except ValueError:
            check('refused record: output still written', False, out[:200])


def test_undecided():
    """What neither total counts: subjects left undecided for lack of data,
    per rule, under base and reform (JSON, table and the page).  Enterprise
    A lacks rd_expense_prev (2,000,000.00 of R&D: base subsidy decided,
    incremental undecided); B lacks both R&D figures (both undecided)."""
    a, b = '91320812MA1MQQQ155', '91320812MA1MQQQ4XJ'
    facts = {'period': '2025', 'counties': [{'id': '320812', 'name': '清江浦区'}], 'enterprises': [
        {'id': a, 'name': '乙', 'county': '320812', 'rd_expense': '2000000.00'},
        {'id': b, 'name': '丙', 'county': '320812'}]}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'facts.json')
        json.dump(facts, open(path, 'w', encoding='utf-8'), ensure_ascii=False)
        uplift = os.path.join(SRC, 'examples', 'reforms', 'srdi-uplift-2.xml')
        rc, out, err = simulate(uplift, '--format', 'json', facts=path)
        doc = json.loads(out) if rc == 0 else {}
        got = {u['rule']: (u['base'], u['reform']) for u in doc.get('undecided', [])}
        check('simulate: undecided per rule under base and reform',
              got == {'rd_base_subsidy': (1, 1), 'rd_incremental_subsidy': (2, 2)}, (got, err))
        check('simulate: undecided amounts are not in the totals (40,000.00 = 2,000,000.00 x 2%)',
              doc.get('total', {}).get('base') == '40000.00', doc.get('total'))
        rc, out, err = simulate(uplift, facts=path)
        check('simulate table: the undecided section', rc == 0 and 'Undecided' in out and
              re.search(r'rd_incremental_subsidy\s+2\s+2', out) is not None, out[-600:])


def main():
    return run_groups((test_example_reforms, test_undecided, test_remove_and_amend_rule, test_override_reform, test_losers, test_new_rule, test_set_reform_only,
                      test_json_shape, test_csv_shape, test_table, test_options, test_output_file, test_bad_input,
                      test_rejects))


if __name__ == '__main__':
    sys.exit(main())
