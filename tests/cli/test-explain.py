# SPDX-License-Identifier: LGPL-2.1-or-later
"""zjtx explain, end to end, on the Huai'an sample (examples/huaian-2025/facts.json): why and why
not for one enterprise, values worked by hand from rules/rd-base.xml, rules/huaian-2025.xml and the
spec (policy-huaian-2025.md), period 2025."""
import json
import os
import tempfile

from zjtxtest import FACTS, POLICY, check, run, run_groups

HENGDA = '91320812MA0GWJDM0C'   # little_giant from 2025-07-15, R&D 21,500,000.00
YUNHE = '91320812MALEUJYQ25'    # srdi_sme, R&D 450,000.00, one working-capital loan
BOYUAN = '91320812MA48G03J3Y'   # four equipment loans, capped per enterprise


def explain(*args):
    return run('explain', '--policy', POLICY, '--facts', FACTS, '--entity', 'enterprise', *args)


def explain_json(*args):
    rc, out, err = explain('--format', 'json', *args)
    check('json exit 0 %s' % (args,), rc == 0, err)
    return json.loads(out) if rc == 0 else {'rules': []}


def rule_of(doc, rule):
    return next((r for r in doc['rules'] if r['rule'] == rule), {})


def test_entitled():
    # 21,500,000.00 x (2 % base + 1 % SRDI uplift) = 645,000.00, under the 1,000,000.00 cap
    rc, out, err = explain('--id', HENGDA, '--rule', 'rd_base_subsidy')
    check('entitled: exit 0', rc == 0, err)
    check('entitled: the amount in words', '应享 645,000.00 元' in out, out)
    check('entitled: the arithmetic with the facts', '本期研发费用 21,500,000.00 元 × ' in out, out)
    check('entitled: the rate from its parts', '研发费用基础补贴比例 2% + 专精特新企业研发补贴上浮 1 个百分点' in out, out)
    check('entitled: the cap', '= 645,000.00 元；未超过上限' in out and '1,000,000.00 元。依据：条款 三(六)。' in out, out)
    check('entitled: facts read', '本期研发费用 rd_expense = 21,500,000.00' in out, out)
    check('entitled: parameters with status and date', 'rd_base_rate = 2%  (assumed，自 2025-01-01' in out, out)
    doc = explain_json('--id', HENGDA, '--rule', 'rd_base_subsidy')
    r = rule_of(doc, 'rd_base_subsidy')
    check('json: entitled', r.get('outcome') == 'entitled' and r.get('amount') == '645000.00', r)
    check('json: nothing failed', r.get('failed') == [], r)
    facts = {f['field']: f for f in r.get('facts', [])}
    check('json: the fact read', facts.get('rd_expense', {}).get('value') == '21500000.00'
          and facts['rd_expense'].get('title') == '本期研发费用', facts)
    params = {p['id']: p for p in r.get('params', [])}
    check('json: parameters as fields', params.get('rd_base_rate', {}).get('from') == '2025-01-01'
          and params['rd_base_rate'].get('status') == 'assumed' and params['rd_base_rate'].get('value') == '2%'
          and params.get('srdi_rd_rate_uplift', {}).get('status') == 'published', params)


def test_not_entitled_gap():
    # 450,000.00 < 1,000,000.00: short by 550,000.00
    doc = explain_json('--id', YUNHE)
    check('json: subject', doc.get('entity') == 'enterprise' and doc.get('id') == YUNHE, doc.get('id'))
    check('json: every enterprise rule, in order', [r['rule'] for r in doc['rules']] ==
          ['rd_base_subsidy', 'rd_incremental_subsidy', 'first_honor_reward', 'equipment_loan_interest_subsidy'],
          [r['rule'] for r in doc['rules']])
    r = rule_of(doc, 'rd_base_subsidy')
    check('json: not entitled', r.get('outcome') == 'not_entitled' and 'amount' not in r, r.get('outcome'))
    f = (r.get('failed') or [{}])[0]
    check('json: the failed condition', f.get('condition') == 'rd_expense >= rd_min_expense', f)
    check('json: its sides and gap', (f.get('left'), f.get('right'), f.get('gap'), f.get('unit')) ==
          ('450000.00', '1000000.00', '550000.00', 'yuan'), f)
    rc, out, err = explain('--id', YUNHE, '--rule', 'rd_base_subsidy')
    check('text: gap', '本期研发费用 rd_expense 450,000.00 元，须不低于研发补贴研发费用门槛 rd_min_expense '
          '1,000,000.00 元，差 550,000.00 元' in out, out)
    rc, out, err = explain('--id', YUNHE, '--rule', 'rd_base_subsidy', '--lang', 'en')
    check('english: gap', 'must be at least' in out and 'short by 550,000.00 yuan' in out, out)


def test_aggregate_records():
    # its only loan, LN-E08-1, is working capital: no loan is summed
    doc = explain_json('--id', YUNHE, '--rule', 'equipment_loan_interest_subsidy')
    r = rule_of(doc, 'equipment_loan_interest_subsidy')
    check('aggregate: not entitled, amount 0.00', r.get('outcome') == 'not_entitled' and r.get('amount') == '0.00', r)
    records = (r.get('failed') or [{}])[0].get('records', [])
    check('aggregate: the loan considered', [x.get('id') for x in records] == ['LN-E08-1'], records)
    why = (records or [{}])[0].get('failed', [{}])[0]
    check('aggregate: the part it failed', why.get('condition') == "l.purpose == 'equipment'"
          and why.get('left') == 'working_capital' and why.get('needed') == 'equipment', why)
    rc, out, err = explain('--id', YUNHE, '--rule', 'equipment_loan_interest_subsidy')
    check('aggregate: in words', 'loan LN-E08-1 不计入：purpose working_capital，须等于equipment' in out, out)


def test_cap_binding():
    # four equipment loans of an SRDI enterprise: more than the 20,000,000.00 a year per enterprise
    doc = explain_json('--id', BOYUAN, '--rule', 'equipment_loan_interest_subsidy')
    r = rule_of(doc, 'equipment_loan_interest_subsidy')
    check('cap: paid the cap', r.get('amount') == '20000000.00', r.get('amount'))
    caps = [c for c in r.get('explanation', {}).get('children', []) if c.get('kind') == 'cap']
    check('cap: binding', caps and caps[0].get('binding') == 'true' and caps[0].get('value') == '20000000.00', caps)
    check('cap: in words', '超过上限（单个企业年度贴息上限） 20,000,000.00 元，按上限计' in r.get('text', {}).get('zh', ''),
          r.get('text'))


def nodes(tree, kind):
    found = [tree] if tree.get('kind') == kind else []
    for c in tree.get('children', []):
        found += nodes(c, kind)
    return found


def test_bounds_and_records():
    # LN-E01-1, signed 2025-03-18: 2025-03-18 .. 2025-12-31 is 289 days;
    # 30,000,000.00 x 2 % x 289 / 360 = 481,666.67 < 854,958.33 paid < 10,000,000.00 per loan
    doc = explain_json('--id', HENGDA, '--rule', 'equipment_loan_interest_subsidy')
    r = rule_of(doc, 'equipment_loan_interest_subsidy')
    check('bounds: amount', r.get('amount') == '481666.67', r.get('amount'))
    tree = r.get('explanation', {})
    days = [d for d in nodes(tree, 'derived') if d.get('name') == 'accrued_days']
    check('bounds: 289 days', days and days[0].get('value') == '289', days)
    mins = [b for b in nodes(tree, 'bound') if b.get('label', '').startswith('min(round(')]
    check('bounds: the computed subsidy bound, not interest_paid', mins and mins[0].get('index') == '1'
          and mins[0].get('argument', '').startswith('round(principal'), mins)
    loans = [x for x in nodes(tree, 'record') if x.get('entity') == 'loan']
    check('bounds: the loan summed', [(x.get('id'), x.get('matched'), x.get('contributes')) for x in loans] ==
          [('LN-E01-1', 'true', '481666.67')], loans)
    honors = [x for x in nodes(tree, 'record') if x.get('entity') == 'honor']
    check('bounds: the honor that made it SRDI on 2025-03-18', [x.get('matched') for x in honors] ==
          ['true', 'false'], honors)


def test_county_and_check():
    # county 320804: CL-320804-01 was awarded 2024-12-16, 16 days before the period; CL-320804-02
    # is not a first-time award
    rc, out, err = run('explain', '--policy', POLICY, '--facts', FACTS, '--entity', 'county', '--id', '320804',
                       '--rule', 'cluster_reward', '--format', 'json')
    doc = json.loads(out) if rc == 0 else {'rules': []}
    r = rule_of(doc, 'cluster_reward')
    records = {x['id']: x for x in (r.get('failed') or [{}])[0].get('records', [])}
    c1 = (records.get('CL-320804-01', {}).get('failed') or [{}])[0]
    check('county: 16 days early', (c1.get('left'), c1.get('right'), c1.get('gap'), c1.get('unit')) ==
          ('2024-12-16', '2025-01-01', '16', 'days'), records)
    c2 = (records.get('CL-320804-02', {}).get('failed') or [{}])[0]
    check('county: not first time', c2.get('condition') == 'c.first_time' and c2.get('needed') == 'true', records)
    # loan LN-E02-1: an srdi_loan of 2025-02-14 at 3.65 %, above LPR 3.10 % + 0.50 = 3.60 %
    rc, out, err = run('explain', '--policy', POLICY, '--facts', FACTS, '--entity', 'loan', '--id', 'LN-E02-1',
                       '--format', 'json')
    doc = json.loads(out) if rc == 0 else {'rules': []}
    r = rule_of(doc, 'srdi_loan_rate_cap')
    held = [f for f in r.get('failed', []) if f.get('operator') == '>']
    check('check: violated', r.get('outcome') == 'violated', r.get('outcome'))
    check('check: the part that held', held and (held[0].get('left'), held[0].get('right')) == ('3.65%', '3.6%'), held)


def test_undecided():
    # 鑫源 without its R&D figure: both R&D subsidies are undecided, lacking exactly rd_expense;
    # its loan LN-E02-2 without interest_paid leaves the interest subsidy undecided too
    with open(FACTS, encoding='utf-8') as f:
        doc = json.load(f)
    for e in doc['enterprises']:
        if e['id'] == '91320812MA1666644T':
            del e['rd_expense']
            for loan in e['loans']:
                if loan['id'] == 'LN-E02-2':
                    del loan['interest_paid']
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'facts.json')
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(doc, f, ensure_ascii=False)
        rc, out, err = run('explain', '--policy', POLICY, '--facts', path, '--entity', 'enterprise',
                           '--id', '91320812MA1666644T', '--format', 'json')
        got = json.loads(out) if rc == 0 else {'rules': []}
        rc2, text, err2 = run('explain', '--policy', POLICY, '--facts', path, '--entity', 'enterprise',
                              '--id', '91320812MA1666644T', '--rule', 'rd_base_subsidy')
    base = rule_of(got, 'rd_base_subsidy')
    check('undecided: outcome', base.get('outcome') == 'undecided' and 'amount' not in base, base)
    check('undecided: the missing input', [(m.get('entity'), m.get('id'), m.get('field'))
                                           for m in base.get('missing', [])] ==
          [('enterprise', '91320812MA1666644T', 'rd_expense')], base.get('missing'))
    loan = rule_of(got, 'equipment_loan_interest_subsidy')
    check('undecided: the loan input', [(m.get('entity'), m.get('id'), m.get('field'))
                                        for m in loan.get('missing', [])] == [('loan', 'LN-E02-2', 'interest_paid')],
          loan)
    check('undecided: in words', '待定：缺少 enterprise 91320812MA1666644T 的 本期研发费用 rd_expense' in text, text)
    check('undecided: the missing fact read shows as missing, not as a number',
          'rd_expense = missing' in text and 'm,iss' not in text, text)


def test_set_and_errors():
    # with the threshold at 400,000.00: 450,000.00 x 3 % (srdi_sme on 2025-12-31) = 13,500.00
    doc = explain_json('--id', YUNHE, '--rule', 'rd_base_subsidy', '--set', 'rd_min_expense=400000')
    check('--set: entitled', rule_of(doc, 'rd_base_subsidy').get('amount') == '13500.00', doc)
    rc, out, err = explain('--rule', 'rd_base_subsidy')
    check('no --id: usage error', rc == 2 and '--id' in err, (rc, err))
    rc, out, err = explain('--id', YUNHE, '--format', 'xml')
    check('bad --format: usage error', rc == 2, (rc, err))
    rc, out, err = explain('--id', YUNHE, '--lang', 'fr')
    check('bad --lang: usage error', rc == 2, (rc, err))
    rc, out, err = explain('--id', 'NO-SUCH-ID')
    check('unknown id: exit 1, named', rc == 1 and 'NO-SUCH-ID' in err, (rc, err))
    rc, out, err = explain('--id', YUNHE, '--rule', 'cluster_reward')
    check('a county rule: exit 1', rc == 1 and 'county' in err, (rc, err))
    rc, out, err = run('explain', '--help')
    check('--help', rc == 0 and '--entity' in out and 'Example' in out, out)
    rc, out, err = run('--help')
    check('zjtx --help lists explain', 'explain --policy' in out, out)


if __name__ == '__main__':
    raise SystemExit(run_groups([test_entitled, test_not_entitled_gap, test_aggregate_records, test_cap_binding,
                                 test_bounds_and_records, test_county_and_check, test_undecided,
                                 test_set_and_errors]))
