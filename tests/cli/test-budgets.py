# SPDX-License-Identifier: LGPL-2.1-or-later
"""Budgets and tables, end to end: a claim a <budget> scaled and a tier()/marginal() look-up band by
band, in `zjtx explain` (text and JSON) and `zjtx evaluate --explain`; each fund's claims, cap and
scaling under base and reform in `zjtx simulate` (table and JSON).  Values
worked by hand on examples/tech-talent (its expected.json shows the working) and on the marginal
table of tests/policy/language/policies/tech-awards.xml (docs/policy-language.md 4.6)."""
import json
import os
import tempfile

from zjtxtest import SRC, check, run, run_groups

TALENT = os.path.join(SRC, 'examples', 'tech-talent')
POLICY = os.path.join(TALENT, 'policy.xml')
FACTS = os.path.join(TALENT, 'facts.json')
AWARDS = os.path.join(SRC, 'tests', 'policy', 'language', 'policies', 'tech-awards.xml')
# the fund 200,000.00 over the claims 225,000.00 = 88.888...%: cut after two decimals
NOTE = '预算 200,000.00 元，申报合计 225,000.00 元，按 88.88…% 核定'


def explain(entity, id_, *args):
    return run('explain', '--policy', POLICY, '--facts', FACTS, '--entity', entity, '--id', id_, *args)


def explain_json(entity, id_, *args):
    rc, out, err = explain(entity, id_, '--format', 'json', *args)
    check('json exit 0 %s %s' % (id_, args), rc == 0, err)
    return json.loads(out) if rc == 0 else {'rules': [{}]}


def test_scaled_claim_text():
    # T09 (B, hired 2025-05-20): June to March = 10 months x 3,000.00 = 30,000.00 claimed; x 8/9 =
    # 26,666.666...; its remainder 6/9 ties with T02, T05, T08 for the last 3 fen, and T09 comes last by id
    rc, out, err = explain('talent', 'T09')
    check('scaled: exit 0', rc == 0, err)
    check('scaled: the amount paid, not the claim', '应享 26,666.66 元' in out, out)
    check('scaled: the claim', '申报 30,000.00 元' in out, out)
    check('scaled: the note', NOTE in out, out)
    check('scaled: what is paid', '核定 26,666.66 元。依据：条款 第三条。' in out, out)
    check('scaled: the budget listed', '人才安居补贴资金 housing_budget: ' + NOTE + '；申报 30,000.00 元，核定 26,666.66 元'
          in out, out)
    rc, out, err = explain('talent', 'T09', '--lang', 'en')
    check('scaled, en: the parts of the note', 'fund 200,000.00 yuan, claims 225,000.00 yuan' in out
          and 'paid 26,666.66 yuan' in out and 'claimed 30,000.00 yuan' in out, out)


def test_scaled_claim_json():
    rule = explain_json('talent', 'T02')['rules'][0]
    # T02: the same claim as T09, 30,000.00, but first by id among the 6/9 remainders: 26,666.67
    check('json: amount paid', rule.get('outcome') == 'entitled' and rule.get('amount') == '26666.67', rule)
    budgets = rule.get('budgets', [])
    check('json: one budget', len(budgets) == 1, budgets)
    b = budgets[0] if budgets else {}
    check('json: budget fields', b.get('budget') == 'housing_budget' and b.get('cap') == '200000.00'
          and b.get('claims') == '225000.00' and b.get('claim') == '30000.00' and b.get('paid') == '26666.67'
          and b.get('note') == NOTE, b)
    tree = [c for c in rule.get('explanation', {}).get('children', []) if c.get('kind') == 'budget']
    check('json: a budget node in the tree', len(tree) == 1 and tree[0].get('value') == '26666.67'
          and tree[0].get('reference') == NOTE, tree)
    # T07: 2 months x 5,000.00 = 10,000.00 x 8/9 = 8,888.888... + 1 fen (the largest remainder, 8/9)
    rule = explain_json('talent', 'T07')['rules'][0]
    check('json: T07', rule.get('amount') == '8888.89' and rule.get('budgets', [{}])[0].get('claim') == '10000.00',
          rule.get('budgets'))


def test_evaluate_explain():
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--explain')
    check('evaluate --explain: exit 0 (a scaled entitlement is explained, not refused)', rc == 0, err)
    # T01: 12 months x 5,000.00 = 60,000.00 x 8/9 = 53,333.333... -> 53,333.33 (remainder 3/9, no fen)
    check('evaluate --explain: the budget node', 'budget housing_budget = 53,333.33  [' + NOTE + ']' in out, out)
    check('evaluate --explain: the sentence', '申报 60,000.00 元，人才安居补贴资金（' + NOTE + '），核定 53,333.33 元' in out, out)
    check('evaluate --explain: no error', 'cannot explain' not in err, err)
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--explain', '--format', 'json')
    doc = json.loads(out) if rc == 0 else {'entitlements': []}
    t10 = [e for e in doc['entitlements'] if e['id'] == 'T10']
    # T10: April to July = 4 months x 5,000.00 = 20,000.00 x 8/9 = 17,777.777... + 1 fen (7/9)
    kids = t10[0].get('explanation', {}).get('children', []) if t10 else []
    budget = [k for k in kids if k.get('kind') == 'budget']
    check('evaluate json: T10 budget node', len(budget) == 1 and budget[0].get('paid') == '17777.78'
          and budget[0].get('claim') == '20000.00', budget)


def test_tier():
    # C2 hired T05, T07, T08, T09 in FY2025: 4 reaches 引进4人以上; bands read on 2026-03-31 are those
    # from 2026-01-01: 60,000.00
    rc, out, err = explain('company', 'C2')
    check('tier: exit 0', rc == 0, err)
    check('tier: the band in the sentence', '（引才奖励标准：引进4人以上档：60,000.00）' in out, out)
    check('tier: the table listed', 'tier(recruitment_tiers, 4) = 60,000.00  (引进4人以上档：60,000.00; 档位自 2026-01-01)'
          in out, out)
    check('tier: not a budget', '预算 Budget' not in out, out)
    rule = explain_json('company', 'C2')['rules'][0]
    tables = rule.get('tables', [])
    check('tier json', len(tables) == 1 and tables[0].get('table') == 'recruitment_tiers'
          and tables[0].get('table_kind') == 'tier' and tables[0].get('input') == '4'
          and tables[0].get('value') == '60000.00' and tables[0].get('bands_from') == '2026-01-01'
          and tables[0].get('bands') == '引进4人以上档：60,000.00', tables)
    check('tier json: no budgets key', 'budgets' not in rule, rule.keys())


def test_marginal():
    # 30,000,000.00 + 30,000,000.00 = 60,000,000.00: 10,000,000 x 1% = 100,000.00; 40,000,000 x 0.5% =
    # 200,000.00; 10,000,000 x 0.2% = 20,000.00; total 320,000.00
    facts = {'period': '2025', 'counties': [{'id': 'A', 'name': '甲区'}],
             'enterprises': [{'id': 'M2', 'name': '乙', 'county': 'A', 'rd_expense': '0.00',
                              'revenue': '30000000.00', 'new_hightech': False, 'relocated_hightech': False,
                              'contracts': [{'id': 'K2', 'turnover': '30000000.00'},
                                            {'id': 'K3', 'turnover': '30000000.00'}]}]}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'facts.json')
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(facts, f, ensure_ascii=False)
        rc, out, err = run('explain', '--policy', AWARDS, '--facts', path, '--entity', 'enterprise', '--id', 'M2',
                           '--rule', 'contract_award', '--format', 'json')
        check('marginal: exit 0', rc == 0, err)
        rule = json.loads(out)['rules'][0] if rc == 0 else {}
        tables = rule.get('tables', [])
        lines = tables[0].get('bands', '').split('\n') if tables else []
        check('marginal: amount', rule.get('amount') == '320000.00', rule.get('amount'))
        check('marginal: one line per band', lines == [
            '0.00 - 10,000,000.00：10,000,000.00 × 1% = 100,000.00',
            '10,000,000.00 - 50,000,000.00：40,000,000.00 × 0.5% = 200,000.00',
            '50,000,000.00 - 60,000,000.00：10,000,000.00 × 0.2% = 20,000.00'], lines)
        check('marginal: value and input', tables and tables[0].get('value') == '320000.00'
              and tables[0].get('input') == '60000000.00', tables)


FUND_POOL = os.path.join(SRC, 'tests', 'policy', 'language', 'policies', 'fund-pool.xml')
E1, E2, E3 = '91320812MA0GWJDM0C', '91320804MAWJ0QAU2A', '91320812MA48G03J3Y'


def test_budget_waits():
    # fund-pool.xml, county_grant = rd_expense x 20% under a fund of 500,000.00 per county.  County X:
    # E1 3,000,000.00 x 20% = 600,000.00 claimed, E2's rd_expense missing: the group's total is not
    # known, so E1 is undecided too, lacking E2's rd_expense.  County Y: E3 1,000,000.00 x 20% =
    # 200,000.00 within its fund: paid as computed, no budget node.
    facts = {'period': '2025', 'counties': [{'id': 'X', 'name': '甲街道'}, {'id': 'Y', 'name': '乙街道'}],
             'enterprises': [{'id': E1, 'name': '一', 'county': 'X', 'rd_expense': '3000000.00'},
                             {'id': E2, 'name': '二', 'county': 'X'},
                             {'id': E3, 'name': '三', 'county': 'Y', 'rd_expense': '1000000.00'}]}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'facts.json')
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(facts, f, ensure_ascii=False)

        def one(id_, *args):
            return run('explain', '--policy', FUND_POOL, '--facts', path, '--entity', 'enterprise', '--id', id_,
                       '--rule', 'county_grant', *args)
        rc, out, err = one(E1, '--format', 'json')
        check('waits: exit 0', rc == 0, err)
        rule = json.loads(out)['rules'][0] if rc == 0 else {}
        check('waits: undecided like the result, not entitled to its claim', rule.get('outcome') == 'undecided'
              and 'amount' not in rule and rule.get('claim') == '600000.00', rule)
        check('waits: lacks the other claim\'s input', [(m.get('id'), m.get('field')) for m in rule.get('missing', [])]
              == [(E2, 'rd_expense')], rule.get('missing'))
        rc, out, err = one(E1)
        check('waits: in words', '待定：缺少 enterprise %s 的 年度研发投入 rd_expense。本项申报 600,000.00 元，' % E2 in out
              and '暂不核定' in out, out)
        rc, out, err = one(E3, '--format', 'json')
        rule = json.loads(out)['rules'][0] if rc == 0 else {}
        check('within the fund: paid as computed', rule.get('outcome') == 'entitled'
              and rule.get('amount') == '200000.00' and 'budgets' not in rule, rule)


def simulate(*args):
    return run('simulate', '--policy', POLICY, '--reform', POLICY, '--facts', FACTS, '--set', 'housing_fund=250000',
               *args)


def test_simulate():
    # base: claims 225,000.00 over the fund 200,000.00: scaled, 200,000.00 paid.  Reform, the fund raised
    # to 250,000.00: 225,000.00 is within it: each claim paid as computed, 225,000.00.  Totals with the
    # recruitment rewards 25,000.00 + 60,000.00 = 85,000.00: 285,000.00 -> 310,000.00, +25,000.00; the
    # 9 talents gain, the 2 companies are unchanged.
    rc, out, err = simulate('--format', 'json')
    check('simulate json: exit 0', rc == 0, err)
    doc = json.loads(out) if rc == 0 else {}
    budgets = doc.get('budgets', [])
    check('simulate json: one fund', len(budgets) == 1 and budgets[0].get('budget') == 'housing_budget'
          and budgets[0].get('group') is None and budgets[0].get('in') == 'both', budgets)
    b = budgets[0] if budgets else {}
    base, reform = b.get('base') or {}, b.get('reform') or {}
    check('simulate json: base scaled', base.get('claims') == '225000.00' and base.get('cap') == '200000.00'
          and base.get('paid') == '200000.00' and base.get('paid_fen') == 20000000 and base.get('scaled') is True
          and base.get('undecided') is False, base)
    check('simulate json: reform within the fund', reform.get('claims') == '225000.00'
          and reform.get('cap') == '250000.00' and reform.get('paid') == '225000.00'
          and reform.get('scaled') is False, reform)
    total = doc.get('total', {})
    check('simulate json: totals', total.get('base') == '285000.00' and total.get('reform') == '310000.00'
          and total.get('difference') == '25000.00' and total.get('gainers') == 9 and total.get('unchanged') == 2,
          total)
    rc, out, err = simulate()
    check('simulate table: exit 0', rc == 0, err)
    section = out.split('预算资金 Budgets', 1)[1].split('最大个体变化', 1)[0] if '预算资金 Budgets' in out else ''
    lines = [' '.join(line.split()) for line in section.splitlines() if line.strip()]
    check('simulate table: the fund, base then reform', lines == [
        '(元 yuan)', 'housing_budget',
        '基准 Base 申报 claims 225,000.00 额度 cap 200,000.00 核定 paid 200,000.00 按比例核定 scaled',
        '改革 Reform 申报 claims 225,000.00 额度 cap 250,000.00 核定 paid 225,000.00'], lines)


if __name__ == '__main__':
    raise SystemExit(run_groups([test_scaled_claim_text, test_scaled_claim_json, test_evaluate_explain, test_tier,
                                 test_marginal, test_budget_waits, test_simulate]))
