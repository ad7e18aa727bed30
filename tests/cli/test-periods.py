# SPDX-License-Identifier: LGPL-2.1-or-later
"""Periods other than the calendar year, as a user types them: the fictional fiscal-year talent
allowance (tests/policy/periods/talent-allowance.xml) evaluated for its default FY2025, for
--period FY2024, from the facts' "period", and as a half-year, quarter and month policy (the same
file with another <period>); every amount worked by hand (see the policy's tests), every wrong
form refused with the form expected."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zjtxtest import SRC, check, run, run_groups  # noqa: E402

POLICY = os.path.join(SRC, 'tests', 'policy', 'periods', 'talent-allowance.xml')
PEOPLE = [
    {'id': 'P1', 'name': '甲', 'degree': 'doctor', 'hired_on': '2024-09-01', 'left_on': '2027-12-31'},
    {'id': 'P2', 'name': '乙', 'degree': 'master', 'hired_on': '2025-08-20', 'left_on': '2026-03-10'},
    {'id': 'P3', 'name': '丙', 'degree': 'doctor', 'hired_on': '2025-11-30'},
    {'id': 'P4', 'name': '丁', 'degree': 'master', 'hired_on': '2019-05-01', 'left_on': '2025-12-15'},
    {'id': 'P5', 'name': '戊', 'degree': 'doctor', 'hired_on': '2024-01-15', 'left_on': '2025-09-15'},
]
FISCAL = '<period unit="fiscal-year" start-month="7" default="FY2025"/>'
FORMS = 'expected a year YYYY (e.g. 2025), YYYYH1/H2, YYYYQ1..Q4, YYYY-MM or a fiscal year FYYYYY'


def write(folder, name, text):
    path = os.path.join(folder, name)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


def facts(folder, period=None):
    doc = {'people': PEOPLE}
    if period:
        doc['period'] = period
    return write(folder, 'facts-%s.json' % (period or 'none'), json.dumps(doc, ensure_ascii=False))


def policy_as(folder, period_element):
    """The talent allowance with another <period>."""
    text = open(POLICY, encoding='utf-8').read()
    assert FISCAL in text
    return write(folder, 'policy-%d.xml' % abs(hash(period_element)), text.replace(FISCAL, period_element))


def evaluate(policy, facts_file, *extra):
    """(exit code, {(rule, id): amount}, [(rule, id) undecided], period, stderr)"""
    rc, out, err = run('evaluate', '--policy', policy, '--facts', facts_file, '--format', 'json', '--quiet', *extra)
    if rc != 0 or not out:
        return rc, {}, [], None, err
    doc = json.loads(out)
    amounts = {(e['rule'], e['id']): e['amount'] for e in doc['entitlements'] if not e.get('undecided')}
    undecided = [(e['rule'], e['id']) for e in doc['entitlements'] if e.get('undecided')]
    undecided += [(u['rule'], u['id']) for u in doc.get('undecided', [])]
    return rc, amounts, undecided, doc.get('period'), err


def test_fiscal_year(tmp):
    f = facts(tmp)
    rc, amounts, undecided, period, err = evaluate(POLICY, f)
    check('FY2025 runs', rc == 0, err)
    check('FY2025 printed as declared', period == 'FY2025', period)
    # worked in tests/policy/periods/tests/talent-allowance.xml
    want = {('monthly_living_allowance', 'P1'): '36000.00', ('monthly_living_allowance', 'P2'): '4500.00',
            ('monthly_living_allowance', 'P3'): '12000.00', ('monthly_living_allowance', 'P5'): '9000.00',
            ('leaving_settlement', 'P4'): '1500.00', ('leaving_settlement', 'P5'): '3000.00',
            ('doctor_settling_in_grant', 'P3'): '20000.00'}
    check('FY2025 amounts', amounts == want, amounts)
    check('FY2025 P3 undecided', ('leaving_settlement', 'P3') in undecided, undecided)
    rc, amounts, _, period, err = evaluate(POLICY, f, '--period', 'FY2024')
    check('--period FY2024', rc == 0 and period == 'FY2024', err)
    check('FY2024 amounts', amounts == {('monthly_living_allowance', 'P1'): '17500.00',
                                        ('monthly_living_allowance', 'P5'): '30000.00'}, amounts)
    # the facts' period when no --period is given
    rc, amounts, _, period, err = evaluate(POLICY, facts(tmp, 'FY2024'))
    check('facts period FY2024', rc == 0 and period == 'FY2024' and
          amounts.get(('monthly_living_allowance', 'P1')) == '17500.00', (period, amounts, err))
    # the table and the summary print the period as declared
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', f)
    check('table runs', rc == 0, err)
    check('table names FY2025', '期间 Period FY2025' in out, out[:300])
    check('summary names FY2025', 'summary: policy example-city-talent-allowance, period FY2025' in out, out)


def test_receipt_names_the_period_unit(tmp):
    """Two policies that differ only in the fiscal year's first month are
    two policies: their receipts' policy parts differ (and a fiscal year's
    canonical form says its unit)."""
    f = facts(tmp)
    april = policy_as(tmp, FISCAL.replace('start-month="7"', 'start-month="4"'))
    hashes = []
    for policy in (POLICY, april):
        rc, out, err = run('evaluate', '--policy', policy, '--facts', f, '--format', 'json', '--receipt', '--quiet')
        hashes.append(json.loads(out)['receipt']['policy']['sha256'] if rc == 0 else err)
    check('receipt: start-month="4" and "7" give different policy hashes', hashes[0] != hashes[1], hashes)
    forms = os.path.join(tmp, 'forms')
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', f, '--format', 'json', '--receipt', '--quiet')
    receipt = write(tmp, 'receipt.json', out)
    rc, out, err = run('verify-receipt', '--policy', POLICY, '--facts', f, '--forms', forms, receipt)
    text = open(os.path.join(forms, 'policy.txt'), encoding='utf-8').read() if rc == 0 else ''
    check('receipt: the policy form says the fiscal year starts in July', 'period-unit\tfiscal-year\t7' in text,
          (rc, err, text[:300]))


def test_wrong_forms(tmp):
    f = facts(tmp)
    rc, _, _, _, err = evaluate(POLICY, f, '--period', '2025')
    check('a year for a fiscal policy', rc != 0 and 'period "2025" does not fit this policy: expected a fiscal year '
          'FYYYYY, named by the year it starts in (e.g. FY2025)' in err, err)
    rc, _, _, _, err = evaluate(POLICY, facts(tmp, '2025Q3'))
    check('facts quarter for a fiscal policy', rc != 0 and 'period "2025Q3" (from the facts) does not fit this policy'
          in err, err)
    for bad in ('2025Q5', 'FY25', 'fy2025', '2025-7', '2025H3'):
        rc, _, _, _, err = evaluate(POLICY, f, '--period', bad)
        check('--period %s refused' % bad, rc != 0 and ('period "%s" is not a period: %s' % (bad, FORMS)) in err, err)


def test_other_units(tmp):
    f = facts(tmp)
    half = policy_as(tmp, '<period unit="half-year" default="2025H2"/>')
    # 2025H2: P1 and P5 paid from 2025-07-01; P1 6 whole months, P5 July, August and 15 days of September;
    # a doctor's allowance on 2025-12-31 is 2,500.00.  P4 left 2025-12-15 (1,500.00), P5 2025-09-15 (2,500.00).
    rc, amounts, _, period, err = evaluate(half, f)
    check('2025H2', rc == 0 and period == '2025H2', err)
    check('2025H2 amounts', amounts == {('monthly_living_allowance', 'P1'): '15000.00',
                                        ('monthly_living_allowance', 'P2'): '1500.00',
                                        ('monthly_living_allowance', 'P5'): '7500.00',
                                        ('leaving_settlement', 'P4'): '1500.00',
                                        ('leaving_settlement', 'P5'): '2500.00',
                                        ('doctor_settling_in_grant', 'P3'): '20000.00'}, amounts)
    quarter = policy_as(tmp, '<period unit="quarter" default="2025Q3"/>')
    # 2025Q3 = 2025-07-01 .. 2025-09-30: P1 3 months, P5 3 months (15 days of September count) at 2,500.00
    rc, amounts, _, period, err = evaluate(quarter, f)
    check('2025Q3', rc == 0 and period == '2025Q3', err)
    check('2025Q3 amounts', amounts == {('monthly_living_allowance', 'P1'): '7500.00',
                                        ('monthly_living_allowance', 'P5'): '7500.00',
                                        ('leaving_settlement', 'P5'): '2500.00'}, amounts)
    rc, _, _, _, err = evaluate(quarter, f, '--period', '2025-07')
    check('a month for a quarterly policy', rc != 0 and 'period "2025-07" does not fit this policy: expected a quarter '
          'YYYYQ1 to YYYYQ4 (e.g. 2025Q3)' in err, err)
    month = policy_as(tmp, '<period unit="month" default="2025-07"/>')
    # 2026-02: P1 the whole month at 3,000.00 (raised from 2026-01-01); P2 the whole month (left in March),
    # 1,500.00; P3 is paid from 2026-02-28 (2025-11-30 + 3 months, clamped): 1 day, fewer than 15: nothing
    rc, amounts, _, period, err = evaluate(month, f, '--period', '2026-02')
    check('2026-02', rc == 0 and period == '2026-02', err)
    check('2026-02 amounts', amounts == {('monthly_living_allowance', 'P1'): '3000.00',
                                         ('monthly_living_allowance', 'P2'): '1500.00'}, amounts)
    rc, out, err = run('dump', '--policy', month)
    check('dump shows the unit', rc == 0 and 'period month  default 2025-07  ; a month YYYY-MM (e.g. 2025-07)' in out,
          out[:300])


def test_bad_declarations(tmp):
    for element, words in (('<period unit="fiscal-year" default="FY2025"/>', 'a fiscal-year period needs start-month'),
                           ('<period unit="quarter" default="2025"/>',
                            '<period default="2025">: expected a quarter YYYYQ1 to YYYYQ4 (e.g. 2025Q3)')):
        rc, _, err = run('dump', '--policy', policy_as(tmp, element))
        check('refused: %s' % element, rc != 0 and words in err, err)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        return run_groups([test_fiscal_year, test_receipt_names_the_period_unit, test_wrong_forms, test_other_units, test_bad_declarations], tmp)


if __name__ == '__main__':
    sys.exit(main())
