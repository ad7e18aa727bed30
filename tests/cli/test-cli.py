#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End-to-end tests of the zjtx command line.

    test-cli.py ZJTX_BINARY

Runs the CLI as a user would and checks exit codes, the JSON contract of
`evaluate --format json`, the table, explanations, --set overrides and the
messages for bad input; the jsonl and csv formats, --output/--summary/--rejects
files (written atomically, nothing left by a run that fails), the summary
totals, refused records with their reconciliation (printed unless --quiet), the
CSV directory carrier and the names of its files, the progress shown on a
terminal, and every command's --help and usage errors.  Expected amounts are worked out by hand from the
policy text (see the comments), never taken from the program's output.
Ends with the line "N passed, N failed"."""
import csv
import decimal
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zjtxtest import FACTS, POLICY, SRC, ZJTX, check, run, run_groups  # noqa: E402

EXPECTED = os.path.join(SRC, 'examples', 'huaian-2025', 'expected.json')


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
    # a money parameter declares no negative="allowed": -1 is refused, nothing is paid
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--set', 'rd_base_cap=-1', '--format', 'json')
    check('--set negative money refused', rc == 1 and out == '' and
          'value "-1" for rd_base_cap is negative (a money parameter is not, unless it is declared negative="allowed")'
          in err, err)
    # a number too: a day basis of -360 paid negative interest subsidies
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--set', 'interest_day_basis=-360')
    check('--set negative number refused', rc == 1 and out == '' and
          'value "-360" for interest_day_basis is negative (a number parameter is not' in err, err)


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

# ---- output formats, files, summary, rejects, the CSV carrier --------------

def run_facts(facts, *extra):
    return run('evaluate', '--policy', POLICY, '--facts', facts, *extra)


def result_sets(doc):
    """Entitlements and violations of a --format json document, as sets."""
    ents = {(e['rule'], e['beneficiary'], e['id'], e['amount'], e['fen']) for e in doc['entitlements']}
    viols = {(v['check'], v['entity'], v['id']) for v in doc['violations']}
    return ents, viols


def test_help_lists_options():
    rc, out, _ = run('--help')
    for opt in ['--format table|json|jsonl|csv', '--output FILE', '--summary FILE', '--summary-by ENTITY',
                '--quiet', '--rejects FILE.csv']:
        check('--help mentions ' + opt, opt in out)


def test_option_validation():
    rc, _, err = run_facts(FACTS, '--format', 'yaml')
    check('unknown format exit 2 naming the formats', rc == 2 and 'yaml' in err and 'jsonl' in err and 'csv' in err,
          err)
    rc, _, err = run_facts(FACTS, '--format', 'csv', '--explain')
    check('--explain with csv is a usage error', rc == 2 and '--explain' in err, err)
    rc, _, err = run_facts(FACTS, '--output', '')
    check('--output empty is a usage error', rc == 2 and '--output' in err, err)
    rc, _, err = run_facts(FACTS, '--output', 'same.txt', '--summary', 'same.txt')
    check('--output and --summary on one file is a usage error', rc == 2 and 'same.txt' in err, err)
    rc, _, err = run_facts(FACTS, '--output')
    check('--output without value', rc == 2 and '--output' in err, err)
    rc, _, err = run('check', '--policy', POLICY, '--output', 'x.txt')
    check('--output is for evaluate only', rc == 2 and '--output' in err, err)
    rc, _, err = run_facts(FACTS, '--summary-by', 'province')
    check('--summary-by unknown entity', rc == 1 and 'province' in err and 'county' in err, err)


def test_jsonl():
    doc = evaluate_json()
    rc, out, err = run_facts(FACTS, '--format', 'jsonl')
    check('jsonl exit 0', rc == 0, err)
    lines = out.splitlines()
    objs = [json.loads(line) for line in lines]  # raises (and fails the group) if one does not parse
    check('jsonl: one object per result', len(objs) == len(doc['entitlements']) + len(doc['violations']))
    types = [o.get('type') for o in objs]
    check('jsonl: entitlements first, then violations',
          types == ['entitlement'] * len(doc['entitlements']) + ['violation'] * len(doc['violations']), types)
    ents = [{k: v for k, v in o.items() if k != 'type'} for o in objs if o['type'] == 'entitlement']
    viols = [{k: v for k, v in o.items() if k != 'type'} for o in objs if o['type'] == 'violation']
    check('jsonl: same entitlements as json, same keys', ents == doc['entitlements'])
    check('jsonl: same violations as json, same keys', viols == doc['violations'])
    rc, out, err = run_facts(FACTS, '--format', 'jsonl', '--explain')
    objs = [json.loads(line) for line in out.splitlines()]
    check('jsonl --explain: one line each, every one explained',
          rc == 0 and len(objs) == len(lines) and all(o.get('explanation', {}).get('kind') == 'rule' for o in objs),
          err)


def with_awkward_guarantor(tmp):
    """facts.json with the over-charging guarantor renamed to need CSV
    quoting; its name is the id of the srdi_guarantee_fee_cap violation."""
    facts = json.load(open(FACTS, encoding='utf-8'))
    old = next(v['id'] for v in json.load(open(EXPECTED))['violations'] if v['check'] == 'srdi_guarantee_fee_cap')
    new = '清江浦区融资担保, "有限" 公司'
    for ent in facts['enterprises']:
        for g in ent.get('guarantees', []):
            if g['guarantor'] == old:
                g['guarantor'] = new
    path = os.path.join(tmp, 'facts.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(facts, f, ensure_ascii=False)
    return path, new


def test_csv_format():
    with tempfile.TemporaryDirectory() as tmp:
        facts, awkward = with_awkward_guarantor(tmp)
        doc = evaluate_json_facts(facts)
        rc, out, err = run_facts(facts, '--format', 'csv')
        check('csv exit 0', rc == 0, err)
        rows = list(csv.reader(io.StringIO(out, newline='')))
        check('csv header', rows and rows[0] == ['type', 'rule', 'beneficiary', 'id', 'amount', 'fen', 'missing'],
              rows[:1])
        check('csv: every row has 7 fields', all(len(r) == 7 for r in rows))
        ents = {(r[1], r[2], r[3], r[4], int(r[5])) for r in rows[1:] if r[0] == 'entitlement'}
        viols = {(r[1], r[2], r[3]) for r in rows[1:] if r[0] == 'violation'}
        want_ents, want_viols = result_sets(doc)
        check('csv: same entitlements as json', ents == want_ents, ents ^ want_ents)
        check('csv: same violations as json (check in rule)', viols == want_viols, viols ^ want_viols)
        check('csv: violations have empty amount and fen',
              all(r[4] == '' and r[5] == '' for r in rows[1:] if r[0] == 'violation'))
        check('csv: only entitlement and violation rows',
              len(rows) - 1 == len(doc['entitlements']) + len(doc['violations']))
        check('csv: an id with a comma and quotes survives quoting', ('srdi_guarantee_fee_cap', 'guarantor', awkward) in viols)
        # a large result is formatted in slices on several threads: the same bytes
        env = dict(os.environ, ZJTX_CSV_SLICE_MIN='1')
        p = subprocess.run([ZJTX, 'evaluate', '--policy', POLICY, '--facts', facts, '--format', 'csv'],
                           capture_output=True, text=True, env=env, timeout=120)
        check('csv in slices: the same bytes as on one thread', p.returncode == 0 and p.stdout == out,
              (p.returncode, p.stderr))


def evaluate_json_facts(facts, *extra):
    rc, out, err = run_facts(facts, '--format', 'json', *extra)
    check('evaluate %s exit 0' % os.path.basename(facts), rc == 0, err)
    return json.loads(out) if rc == 0 else {'entitlements': [], 'violations': []}


def test_output_file():
    doc = evaluate_json()
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, 'result.json')
        with open(target, 'w') as f:
            f.write('old content')
        rc, out, err = run_facts(FACTS, '--format', 'json', '--output', target)
        check('--output exit 0, nothing on stdout', rc == 0 and out == '', err)
        check('--output file is the complete result', json.load(open(target)) == doc)
        check('--output leaves no temporary', os.listdir(tmp) == ['result.json'], os.listdir(tmp))
        for fmt in ['table', 'jsonl', 'csv']:
            rc, stdout_text, _ = run_facts(FACTS, '--format', fmt)
            path = os.path.join(tmp, 'r.' + fmt)
            rc2, _, err = run_facts(FACTS, '--format', fmt, '--output', path)
            check('--output %s same as stdout' % fmt,
                  rc == 0 and rc2 == 0 and open(path, encoding='utf-8').read() == stdout_text, err)
        raw = open(os.path.join(tmp, 'r.csv'), 'rb').read()
        check('csv lines end in CRLF (RFC 4180)', raw.count(b'\r\n') == raw.count(b'\n') > 1)
        missing = os.path.join(tmp, 'no', 'such', 'dir', 'result.json')
        rc, out, err = run_facts(FACTS, '--format', 'json', '--output', missing)
        check('--output into a missing directory: exit 1', rc == 1, err)
        check('--output failure says which file', missing in err and 'cannot write' in err, err)
        check('--output failure leaves nothing', not os.path.exists(os.path.dirname(missing)) and out == '')
        # A failed run (facts missing) leaves an existing file as it was, and no temporary.
        rc, _, err = run('evaluate', '--policy', POLICY, '--facts', os.path.join(tmp, 'nope.json'),
                         '--format', 'json', '--output', target)
        check('failed run keeps the old --output file',
              rc == 1 and json.load(open(target)) == doc and sorted(os.listdir(tmp)) ==
              sorted(['result.json', 'r.table', 'r.jsonl', 'r.csv']), (err, os.listdir(tmp)))
        if hasattr(os, 'mkfifo'):
            # A FIFO as the facts path is refused at once (it used to hang
            # the run), and the temporary beside the output is removed.
            fifo, out_path = os.path.join(tmp, 'facts.json'), os.path.join(tmp, 'killed.json')
            os.mkfifo(fifo)
            p = subprocess.run([ZJTX, 'evaluate', '--policy', POLICY, '--facts', fifo, '--format', 'json',
                                '--output', out_path, '--quiet'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, timeout=20)
            check('a FIFO as facts is refused and leaves no temporary', p.returncode == 1 and
                  'not a regular file' in p.stderr and
                  not any(f.startswith('killed.json') for f in os.listdir(tmp)), (p.returncode, p.stderr, os.listdir(tmp)))
            os.unlink(fifo)
        if os.path.exists('/dev/full'):
            rc, _, err = run_facts(FACTS, '--format', 'json', '--output', '/dev/full')
            check('a full device is reported', rc == 1 and '/dev/full' in err and 'cannot write' in err, err)


SUMMARY_LINE = re.compile(r'^  (\S+)\s+(\d+)\s+(-?[\d,]+\.\d\d)$')


def parse_summary(text):
    """{section heading: {label: (count, Decimal yuan)}} from a summary."""
    sections, current = {}, None
    for line in text.splitlines():
        if re.match(r'^per \S+\s+count', line) or line.startswith('violations per check'):
            current = sections.setdefault(line.split('  ')[0].strip(), {})
        elif current is not None:
            m = SUMMARY_LINE.match(line)
            if m:
                current[m.group(1)] = (int(m.group(2)), decimal.Decimal(m.group(3).replace(',', '')))
    return sections


def hand_worked_totals():
    """Per rule and per county (count, yuan) from expected.json: an
    enterprise's county is taken from facts.json; a county is its own."""
    expected = json.load(open(EXPECTED))
    facts = json.load(open(FACTS, encoding='utf-8'))
    county_of = {e['id']: e['county'] for e in facts['enterprises']}
    rules, counties = {}, {}
    for e in expected['entitlements']:
        county = e['id'] if e['beneficiary'] == 'county' else county_of[e['id']]
        for totals, key in ((rules, e['rule']), (counties, county)):
            n, s = totals.get(key, (0, decimal.Decimal('0.00')))
            totals[key] = (n + 1, s + decimal.Decimal(e['amount']))
    return rules, counties


def test_summary():
    rules, counties = hand_worked_totals()
    rc, out, err = run_facts(FACTS, '--format', 'json')
    s = parse_summary(err)
    got_rules = {k: v for k, v in s.get('per rule', {}).items() if k != 'total'}
    check('summary on stderr per rule = sums of expected.json', {k: v for k, v in got_rules.items() if v[0]} == rules,
          '%s != %s' % (got_rules, rules))
    check('summary lists every entitlement rule', set(got_rules) >= set(rules) and len(got_rules) == 6, got_rules)
    total = (sum(n for n, _ in rules.values()), sum(v for _, v in rules.values()))
    check('summary grand total', s.get('per rule', {}).get('total') == total, s.get('per rule'))
    check('summary per county by default (hand-worked)', s.get('per county') == counties,
          '%s != %s' % (s.get('per county'), counties))
    check('summary per county adds up to the total',
          sum(v for _, v in s.get('per county', {}).values()) == total[1])
    check('summary counts violations per check', 'srdi_loan_rate_cap' in err.split('violations per check')[-1])
    check('summary does not touch stdout', json.loads(out)['entitlements'])
    rc, out, err = run_facts(FACTS)
    check('table ends with the summary', rc == 0 and parse_summary(out.split('合计 Total')[-1]).get('per county') ==
          counties and 'per rule' not in err, err)
    rc, out, err = run_facts(FACTS, '--format', 'csv', '--quiet')
    check('--quiet: nothing on stderr (no note, no summary)', rc == 0 and err == '', err)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'summary.txt')
        rc, out, err = run_facts(FACTS, '--format', 'jsonl', '--summary', path, '--quiet')
        text = open(path, encoding='utf-8').read() if os.path.exists(path) else ''
        check('--summary FILE holds the summary, not stderr',
              rc == 0 and parse_summary(text).get('per county') == counties and 'per rule' not in err, err)
        check('--summary leaves no temporary', os.listdir(tmp) == ['summary.txt'], os.listdir(tmp))
        rc, _, err = run_facts(FACTS, '--format', 'json', '--summary', os.path.join(tmp, 'none', 's.txt'))
        check('--summary into a missing directory: exit 1', rc == 1 and 'cannot write' in err, err)
    rc, _, err = run_facts(FACTS, '--format', 'json', '--summary-by', 'enterprise')
    s = parse_summary(err)
    by_ent = s.get('per enterprise', {})
    check('--summary-by enterprise: county rewards under (none)',
          by_ent.get('(none)', (0,))[0] == rules['cluster_reward'][0] + rules['excess_project_reward'][0], by_ent)


def write_csv(path, header, rows):
    with open(path, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def test_rejects():
    good1, good2 = '91320812MA0GWJDM0C', '91320812MA1666644T'  # valid USCCs from the example
    bad_uscc, bad_money = '91320812MA0GWJDM0X', '91320812MA48G03J3Y'
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, 'facts')
        os.mkdir(data)
        write_csv(os.path.join(data, 'counties.csv'), ['id', 'name'],
                  [['320812', '清江浦区'], ['320803', '淮安区'], ['320804']])  # line 4: short row
        header = ['id', 'name', 'county', 'revenue', 'rd_expense', 'rd_expense_prev', 'invention_patents', 'cnc_rate']
        write_csv(os.path.join(data, 'enterprises.csv'), header, [
            [good1, '淮安恒达精密, "机械"', '320812', '200000000.00', '12000000.00', '10000000.00', '3', '85.5'],
            [bad_uscc, '校验码错误', '320812', '1000.00', '10.00', '10.00', '0', '1'],          # line 3
            [bad_money, '金额错误', '320812', '1000.00', '12.345', '10.00', '0', '1'],          # line 4
            [good2, '江苏鑫源新材料', '320803', '90000000.00', '6800000.00', '6000000.00', '1', '60'],
        ])
        write_csv(os.path.join(data, 'honors.csv'), ['enterprise', 'level', 'awarded_on', 'valid_until', 'first_time'], [
            [good1, 'little_giant', '2025-07-15', '2028-07-14', 'true'],
            [bad_money, 'srdi_sme', '2025-03-01', '2028-02-28', 'true'],                      # line 3
        ])
        rejects = os.path.join(tmp, 'rejects.csv')
        rc, out, err = run_facts(data, '--format', 'json', '--rejects', rejects)
        check('refused records: exit 1', rc == 1, err)
        doc = json.loads(out) if out else {'entitlements': []}
        check('refused records: valid ones still evaluated',
              {e['id'] for e in doc['entitlements']} >= {good1} and
              not {bad_uscc, bad_money} & {e['id'] for e in doc['entitlements']}, out)
        rows = list(csv.DictReader(open(rejects, newline='', encoding='utf-8'))) if os.path.exists(rejects) else []
        check('rejects file columns', rows and list(rows[0]) == ['file', 'line', 'entity', 'id', 'field', 'value',
                                                                'reason'], rows[:1])

        def reject(file, line):
            return next((r for r in rows if os.path.basename(r['file']) == file and r['line'] == str(line)), None)
        r = reject('enterprises.csv', 3)
        check('reject: bad USCC with file, line and value', r and r['value'] == bad_uscc and r['field'] == 'id', rows)
        r = reject('enterprises.csv', 4)
        check('reject: bad money with file, line and value', r and r['value'] == '12.345', rows)
        r = reject('counties.csv', 4)
        check('reject: short row with file and line', r is not None and r['reason'], rows)
        r = reject('honors.csv', 3)
        check('reject: honor of a refused enterprise', r and r['value'] == bad_money, rows)
        check('reject: one row per problem', len(rows) == 4, rows)
        check('refused records listed on stderr', all(
            ('%s:%d' % (f, n)) in err for f, n in [('enterprises.csv', 3), ('enterprises.csv', 4),
                                                  ('counties.csv', 4), ('honors.csv', 3)]), err)
        recon = {m.group(1): tuple(int(x) for x in m.group(2, 3, 4))
                 for m in re.finditer(r'zjtx:\s+(\w+)\s+(\d+) =\s+(\d+) \+ (\d+)', err)}
        check('reconciliation: enterprises 4 = 2 + 2', recon.get('enterprises') == (4, 2, 2), recon)
        check('reconciliation: counties 3 = 2 + 1, honors 2 = 1 + 1',
              recon.get('counties') == (3, 2, 1) and recon.get('honors') == (2, 1, 1), recon)
        check('reconciliation: read = accepted + refused everywhere',
              recon and all(r == a + f for r, a, f in recon.values()), recon)
        check('--rejects leaves no temporary', sorted(os.listdir(tmp)) == ['facts', 'rejects.csv'], os.listdir(tmp))
        missing = os.path.join(tmp, 'missing', 'rejects.csv')
        rc, out, err = run_facts(data, '--format', 'json', '--rejects', missing)
        check('--rejects into a missing directory: exit 1, nothing written',
              rc == 1 and 'cannot write' in err and not os.path.exists(os.path.dirname(missing)), err)


def facts_to_csv_dir(facts_path, out_dir):
    """The JSON carrier as a CSV directory (facts.md): one file per entity
    named by its plural, children carrying their parent's key."""
    facts = json.load(open(facts_path, encoding='utf-8'))
    parent_key = {'counties': 'county', 'enterprises': 'enterprise'}
    tables = {}

    def cell(v):
        return 'true' if v is True else 'false' if v is False else '' if v is None else str(v)

    def add(plural, record):
        tables.setdefault(plural, []).append(record)

    for plural, records in facts.items():
        if not isinstance(records, list):
            continue
        for rec in records:
            add(plural, {k: v for k, v in rec.items() if not isinstance(v, list)})
            for child_plural, children in ((k, v) for k, v in rec.items() if isinstance(v, list)):
                for child in children:
                    add(child_plural, {parent_key[plural]: rec['id'], **child})
    for plural, records in tables.items():
        header = list(dict.fromkeys(k for r in records for k in r))
        write_csv(os.path.join(out_dir, plural + '.csv'), header,
                  [[cell(r.get(k)) for k in header] for r in records])
    return facts.get('period')


def test_csv_carrier():
    doc = evaluate_json()
    with tempfile.TemporaryDirectory() as tmp:
        period = facts_to_csv_dir(FACTS, tmp)
        check('CSV carrier: files per plural', sorted(os.listdir(tmp)) == sorted(
            ['counties.csv', 'clusters.csv', 'enterprises.csv', 'honors.csv', 'loans.csv', 'guarantees.csv',
             'projects.csv']), os.listdir(tmp))
        rc, out, err = run_facts(tmp, '--format', 'json', '--period', period)
        check('CSV carrier exit 0', rc == 0, err)
        got = json.loads(out) if rc == 0 else {}
        check('CSV carrier: same entitlements as the JSON facts', got.get('entitlements') == doc['entitlements'],
              result_sets(got)[0] ^ result_sets(doc)[0] if got else err)
        check('CSV carrier: same violations as the JSON facts', got.get('violations') == doc['violations'])


MISSING_A, MISSING_B, MISSING_C = '91320812MA1MQQQ07A', '91320812MA1MQQQ155', '91320812MA1MQQQ4XJ'


def missing_facts():
    """The spec's "Missing data" examples: A (800,000.00, no previous year),
    B (2,000,000.00, no previous year), C (neither figure, JSON null); an
    SRDI enterprise D whose equipment loan L1 lacks interest_paid and whose
    working-capital loan L2 (never read) lacks it too."""
    srdi = {'level': 'srdi_sme', 'awarded_on': '2024-03-01', 'valid_until': '2027-02-28', 'first_time': True}
    base = {'county': '320812', 'revenue': '50000000.00', 'invention_patents': '2', 'cnc_rate': '70'}
    return {'period': '2025', 'counties': [{'id': '320812', 'name': '清江浦区'}], 'enterprises': [
        dict(base, id=MISSING_A, name='甲', rd_expense='800000.00'),
        dict(base, id=MISSING_B, name='乙', rd_expense='2000000.00'),
        dict(base, id=MISSING_C, name='丙', rd_expense=None, rd_expense_prev=None),
        dict(base, id='91320812MA1MQQQ58J', name='丁', rd_expense='500000.00', rd_expense_prev='400000.00',
             honors=[srdi], loans=[
                 {'id': 'L1', 'purpose': 'equipment', 'product': 'other', 'principal': '10000000.00',
                  'annual_rate': '3.10', 'signed_on': '2025-01-01', 'matures_on': '2027-01-01'},
                 {'id': 'L2', 'purpose': 'working_capital', 'product': 'other', 'principal': '3000000.00',
                  'annual_rate': '3.10', 'interest_paid': None, 'signed_on': '2025-01-01',
                  'matures_on': '2026-01-01'}])]}


def undecided_set(doc):
    return {(u.get('rule', u.get('check')), u['id'], frozenset((m['entity'], m['id'], m['field']) for m in u['missing']))
            for u in doc.get('undecided', [])}


def test_missing_data():
    """Missing is not zero, through both carriers: exactly the hand-worked
    entitlements and undecided lists, exit 0, and the summary counts them."""
    want_ents = {('rd_base_subsidy', 'enterprise', MISSING_B, '40000.00', 4000000)}  # 2,000,000.00 x 2%
    want_und = {
        ('rd_incremental_subsidy', MISSING_B, frozenset({('enterprise', MISSING_B, 'rd_expense_prev')})),
        ('rd_base_subsidy', MISSING_C, frozenset({('enterprise', MISSING_C, 'rd_expense')})),
        ('rd_incremental_subsidy', MISSING_C,
         frozenset({('enterprise', MISSING_C, 'rd_expense'), ('enterprise', MISSING_C, 'rd_expense_prev')})),
        ('equipment_loan_interest_subsidy', '91320812MA1MQQQ58J', frozenset({('loan', 'L1', 'interest_paid')})),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'facts.json')
        json.dump(missing_facts(), open(path, 'w', encoding='utf-8'), ensure_ascii=False)
        rc, out, err = run_facts(path, '--format', 'json')
        doc = json.loads(out) if rc == 0 else {'entitlements': [], 'violations': []}
        check('missing data (JSON): exit 0', rc == 0, err)
        check('missing data (JSON): entitlements worked by hand', result_sets(doc)[0] == want_ents, doc)
        check('missing data (JSON): undecided with exactly the missing inputs', undecided_set(doc) == want_und,
              undecided_set(doc) ^ want_und)
        check('missing data: summary counts undecided per rule',
              re.search(r'rd_incremental_subsidy\s+2\n', err.split('undecided')[-1]) is not None, err)
        csv_dir = os.path.join(tmp, 'csv')
        os.mkdir(csv_dir)
        facts_to_csv_dir(path, csv_dir)
        rc, out, err = run_facts(csv_dir, '--format', 'json', '--period', '2025')
        got = json.loads(out) if rc == 0 else {'entitlements': []}
        check('missing data (CSV, empty cells): same entitlements and undecided',
              rc == 0 and result_sets(got)[0] == want_ents and undecided_set(got) == want_und, (err, out[:400]))
        rc, out, err = run_facts(path, '--format', 'csv', '--quiet')
        rows = [r for r in csv.DictReader(io.StringIO(out, newline='')) if r['type'] == 'undecided']
        check('missing data (CSV output): undecided rows with their missing column',
              {(r['rule'], r['id'], r['missing']) for r in rows} >=
              {('equipment_loan_interest_subsidy', '91320812MA1MQQQ58J', 'loan/L1/interest_paid')}, rows)


# The files rules/huaian-2025.xml reads, in the order it declares its entities
# (rd-base.xml, which it extends, declares enterprise first).
HUAIAN_FILES = 'enterprises.csv, counties.csv, clusters.csv, honors.csv, loans.csv, guarantees.csv, projects.csv'


def test_csv_dir_names():
    """A directory the policy reads nothing of is an error naming the files
    expected, never 0 records and exit 0; a file named by the singular is
    refused, naming the plural."""
    with tempfile.TemporaryDirectory() as tmp:
        singular = os.path.join(tmp, 'singular')
        os.mkdir(singular)
        write_csv(os.path.join(singular, 'county.csv'), ['id', 'name'], [['320812', '清江浦区']])
        write_csv(os.path.join(singular, 'enterprise.csv'), ['id', 'name', 'county'],
                  [['91320812MA0GWJDM0C', '淮安恒达精密', '320812']])
        rc, out, err = run_facts(singular, '--quiet')
        want = ("zjtx: %s/county.csv: CSV files are named by the entity's plural: expected counties.csv\n"
                "zjtx: %s/enterprise.csv: CSV files are named by the entity's plural: expected enterprises.csv\n"
                "zjtx: 2 errors\n" % (singular, singular))
        check('singular file names: exit 1, each named with the plural expected',
              rc == 1 and out == '' and err == want, (rc, out[:200], err))
        rc, out, err = run_facts(singular)
        check('singular file names: no reconciliation, no summary', rc == 1 and 'reconciliation' not in err and
              'per rule' not in err and 'counties.csv' in err, err)

        unknown = os.path.join(tmp, 'unknown')
        os.mkdir(unknown)
        write_csv(os.path.join(unknown, 'counties.csv'), ['id', 'name'], [['320812', '清江浦区']])
        write_csv(os.path.join(unknown, 'firms.csv'), ['id'], [['x']])
        rc, out, err = run_facts(unknown, '--quiet', '--format', 'json')
        want = ("zjtx: %s/firms.csv: not a file of this policy: CSV files are named by an entity's plural (%s)\n"
                % (unknown, HUAIAN_FILES))
        check('a CSV file the policy does not know: exit 1, the files expected', rc == 1 and out == '' and err == want,
              (rc, out[:200], err))

        empty = os.path.join(tmp, 'empty')
        os.mkdir(empty)
        rc, out, err = run_facts(empty, '--quiet')
        want = ('zjtx: %s: no facts: the directory holds none of the files this policy reads (%s); it is empty\n'
                % (empty, HUAIAN_FILES))
        check('an empty directory: exit 1, the files expected', rc == 1 and out == '' and err == want, (rc, err))

        other = os.path.join(tmp, 'other')
        os.mkdir(other)
        for name in ('notes.txt', 'facts.json'):
            open(os.path.join(other, name), 'w').close()
        rc, out, err = run_facts(other, '--quiet')
        want = ('zjtx: %s: no facts: the directory holds none of the files this policy reads (%s); '
                'it holds facts.json, notes.txt\n' % (other, HUAIAN_FILES))
        check('no file of the policy: exit 1, the files found and expected', rc == 1 and out == '' and err == want,
              (rc, err))


def test_reconciliation_always():
    """With nothing refused the reconciliation still ends the reading of the
    facts (unless --quiet), in both carriers: every table read = accepted + 0,
    the counts of facts.json."""
    facts = json.load(open(FACTS, encoding='utf-8'))
    want = {'enterprises': len(facts['enterprises']), 'counties': len(facts['counties'])}
    for plural in ('clusters',):
        want[plural] = sum(len(c.get(plural, [])) for c in facts['counties'])
    for plural in ('honors', 'loans', 'guarantees', 'projects'):
        want[plural] = sum(len(e.get(plural, [])) for e in facts['enterprises'])
    check('facts.json: 12 enterprises, 4 counties', (want['enterprises'], want['counties']) == (12, 4), want)
    with tempfile.TemporaryDirectory() as tmp:
        period = facts_to_csv_dir(FACTS, tmp)
        for name, args in (('JSON', (FACTS,)), ('CSV', (tmp, '--period', period))):
            rc, out, err = run_facts(*args, '--format', 'json')
            recon = {m.group(1): tuple(int(x) for x in m.group(2, 3, 4))
                     for m in re.finditer(r'zjtx:\s+(\w+)\s+(\d+) =\s+(\d+) \+ (\d+)', err)}
            check('%s: reconciliation printed with nothing refused' % name,
                  rc == 0 and 'reconciliation (read = accepted + refused):' in err and
                  recon == {k: (n, n, 0) for k, n in want.items()}, (rc, recon, want, err[:800]))
            rc, out, err = run_facts(*args, '--format', 'json', '--quiet')
            check('%s: --quiet: no reconciliation' % name, rc == 0 and err == '', err)


def test_progress():
    try:
        import pty
    except ImportError:
        return
    rc, _, err = run_facts(FACTS, '--format', 'json')
    check('no progress when stderr is not a terminal', 'loading facts' not in err and 'records/s' not in err, err)
    for quiet in (False, True):
        master, slave = pty.openpty()
        extra = ['--quiet'] if quiet else []
        p = subprocess.run([ZJTX, 'evaluate', '--policy', POLICY, '--facts', FACTS, '--format', 'json', *extra],
                           stdout=subprocess.DEVNULL, stderr=slave, timeout=60)
        os.close(slave)
        text = b''
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            text += chunk
        os.close(master)
        text = text.decode('utf-8', 'replace')
        if quiet:
            check('--quiet on a terminal: no progress, no note, no summary', p.returncode == 0 and text == '', text)
        else:
            check('progress on a terminal: phases, time and records/s',
                  p.returncode == 0 and 'loading facts' in text and 'evaluating' in text and
                  re.search(r'done: 12 enterprises, 4 counties; 80 records read in [\d.]+ s, \d+ records/s', text),
                  text)



def test_indicators():
    # examples/huaian-2025/facts.json, counted by hand: 12 enterprises; titles ever
    # awarded by 2025-12-31: single_champion 1 (博远新能源), little_giant 3, srdi_sme 8,
    # innovative_sme 3.  SRDI on 2025-12-31 (srdi_sme or little_giant valid that day):
    # 9 enterprises; of them 2 spend more than 5 % of revenue on R&D (2/9 = 22.22 %),
    # they hold 89 invention patents (89/9 = 9.89), their CNC rates add up to 738
    # (738/9 = 82 %); 11 industrial projects of 100 million or more were registered
    # in 2025 by enterprises SRDI on that day.
    rc, out, err = run('indicators', '--policy', POLICY, '--facts', FACTS, '--format', 'json')
    check('indicators exit 0', rc == 0, err)
    doc = json.loads(out) if rc == 0 else {'indicators': []}
    got = {i['id']: (i['value'], i['target'], i['met']) for i in doc['indicators']}
    want = {'single_champion_count': ('1', '>= 2', False), 'little_giant_count': ('3', '>= 40', False),
            'srdi_sme_count': ('8', '>= 400', False), 'innovative_sme_count': ('3', '>= 1500', False),
            'srdi_rd_intensity_share': ('22.22%', '>= 50%', False),
            'srdi_patents_per_enterprise': ('9.89', '>= 10', False),
            'srdi_average_cnc_rate': ('82%', '>= 80%', True), 'srdi_billion_projects': ('11', '>= 50', False)}
    check('indicators as counted by hand', got == want, 'got %s' % got)
    rc, out, err = run('indicators', '--policy', POLICY, '--facts', FACTS)
    check('indicators table', rc == 0 and '1 of 8 targets met' in out and '累计培育' in out, out[-300:])
    rc, _, err = run('indicators', '--policy', POLICY)
    check('indicators needs --facts', rc == 2 and '--facts' in err, err)


# ---- every command's --help, and usage errors ----------------------------------

# The options each command's --help must list (a few per command, by name).
COMMAND_OPTIONS = {
    'evaluate': ['--policy', '--facts', '--period', '--set', '--format', '--explain', '--output', '--rejects',
                 '--summary', '--summary-by', '--threads', '--quiet', '-q'],
    'check': ['--policy'],
    'dump': ['--policy'],
    'test': ['--policy', '--quiet', '--require-coverage'],
    'simulate': ['--policy', '--reform', '--facts', '--set', '--format', '--top', '--output', '--report'],
    'indicators': ['--policy', '--facts', '--format', '--set'],
    'explain': ['--policy', '--facts', '--entity', '--id', '--rule', '--format', '--lang', '--period', '--set'],
}


def test_command_help():
    rc, out, _ = run('--help')
    check('zjtx --help points to COMMAND --help', rc == 0 and 'zjtx COMMAND --help' in out, out[-400:])
    for command, options in COMMAND_OPTIONS.items():
        for flag in ('--help', '-h'):
            rc, out, err = run(command, flag)
            check('%s %s: exit 0, nothing on stderr' % (command, flag), rc == 0 and err == '', (rc, err))
            check('%s %s: usage line' % (command, flag), 'Usage:' in out and 'zjtx %s' % command in out, out[:200])
            check('%s %s: an example' % (command, flag), re.search(r'\n  zjtx %s --' % command, out), out[-600:])
            listed = set(re.findall(r'^\s+(?:(-\w), )?(--[\w-]+)', out, re.M))
            names = {n for pair in listed for n in pair if n}
            missing = [o for o in options + ['--help', '-h'] if o not in names]
            check('%s --help lists its options' % command, not missing, missing)


def test_usage_errors():
    """An unknown option, a missing value or a stray argument: exit 2, two
    lines on stderr naming the command, nothing on stdout."""
    cases = [(c, [c, '--frobnicate'], '--frobnicate') for c in COMMAND_OPTIONS]
    cases += [('evaluate', ['evaluate', '--policy'], '--policy'),
              ('simulate', ['simulate', '--top'], '--top'),
              ('check', ['check', '--policy', POLICY, 'stray'], 'stray'),
              ('test', ['test', '--quiet'], 'test file'),
              ('check', ['check', '--policy', POLICY, '--output', 'x.txt'], '--output'),
              ('evaluate', ['evaluate', '--policy', POLICY, '--facts', FACTS, '--format', 'yaml'], 'yaml')]
    for command, args, named in cases:
        rc, out, err = run(*args)
        lines = err.splitlines()
        check('%s: exit 2' % ' '.join(args[:1] + args[-1:]), rc == 2 and out == '', (rc, out[:100]))
        check('%s: one line naming the command and %s' % (' '.join(args[:1] + args[-1:]), named),
              len(lines) == 2 and lines[0].startswith('zjtx %s: ' % command) and named in lines[0], lines)
        check('%s: points to --help' % ' '.join(args[:1] + args[-1:]),
              len(lines) == 2 and lines[1] == "Try 'zjtx %s --help'." % command, lines)


# ---- a run that fails after its output files are open leaves nothing ----------

def test_failure_leaves_no_files():
    with tempfile.TemporaryDirectory() as tmp:
        old = os.path.join(tmp, 'result.json')
        with open(old, 'w') as f:
            f.write('old content')
        out_files = ['--output', old, '--summary', os.path.join(tmp, 'summary.txt'),
                     '--rejects', os.path.join(tmp, 'rejects.csv')]
        # Facts that are not JSON: loading fails once every output is open.
        broken = os.path.join(tmp, 'broken.json')
        with open(broken, 'w') as f:
            f.write('{"enterprises": [')
        # One refused record (its R&D expense is not an amount), and a period for
        # which rd_min_expense has no value (published from 2025): the facts load,
        # the rejects are written, then the evaluation fails.
        doc = json.load(open(FACTS, encoding='utf-8'))
        doc['enterprises'][0]['rd_expense'] = 'lots'
        refused = os.path.join(tmp, 'refused.json')
        with open(refused, 'w', encoding='utf-8') as f:
            json.dump(doc, f, ensure_ascii=False)
        before = sorted(os.listdir(tmp))
        for name, facts, extra in [('facts that do not load', broken, []),
                                   ('evaluation that fails', FACTS, ['--period', '2000']),
                                   ('refused records, then a failed evaluation', refused, ['--period', '2000'])]:
            for fmt in ('json', 'table'):
                rc, out, err = run_facts(facts, '--format', fmt, *out_files, *extra)
                check('%s (%s): exit 1' % (name, fmt), rc == 1 and out == '', err)
                check('%s (%s): no temporary, no new file' % (name, fmt), sorted(os.listdir(tmp)) == before,
                      sorted(os.listdir(tmp)))
                check('%s (%s): the old output is kept' % (name, fmt), open(old).read() == 'old content')
        rc, _, err = run_facts(refused, '--format', 'json', '--period', '2000', '--quiet')
        check('the failed evaluation is reported with the parameter it lacks', rc == 1 and 'rd_min_expense' in err, err)
        if hasattr(os, 'mkfifo'):
            # Aborted while the facts are read (GLib ends a process that runs out of
            # memory with SIGTRAP or SIGABRT): the temporary is removed all the same.
            import resource
            fifo, out_path = os.path.join(tmp, 'fifo.json'), os.path.join(tmp, 'aborted.json')
            os.mkfifo(fifo)
            for sig in (signal.SIGABRT, signal.SIGTRAP):
                p = subprocess.Popen([ZJTX, 'evaluate', '--policy', POLICY, '--facts', fifo, '--format', 'json',
                                      '--output', out_path, '--quiet'], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
                deadline = time.monotonic() + 20
                while (time.monotonic() < deadline and p.poll() is None and
                       not any(f.startswith('aborted.json.tmp.') for f in os.listdir(tmp))):
                    time.sleep(0.02)
                if p.poll() is None:
                    p.send_signal(sig)
                    p.wait(timeout=20)
                    ended = p.returncode == -sig
                else:  # a library that refuses a FIFO as facts: a plain failure, which must leave nothing too
                    ended = p.returncode == 1
                check('%s removes the temporary' % sig.name, ended and
                      not any(f.startswith('aborted.json') for f in os.listdir(tmp)), (p.returncode, os.listdir(tmp)))
            os.unlink(fifo)


def test_control_characters_escaped():
    """A field name from a hostile file reaches stderr escaped: an ESC
    sequence (or a C1 CSI) would recolour or move the user's terminal."""
    with tempfile.TemporaryDirectory() as tmp:
        doc = json.load(open(FACTS, encoding='utf-8'))
        doc['enterprises'][0]['bad\u001b[31mkey'] = 1
        doc['enterprises'][1]['csi\u009b2Jkey'] = 1
        path = os.path.join(tmp, 'facts.json')
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(doc, f, ensure_ascii=False)
        rc, _, err = run_facts(path, '--format', 'json', '--quiet')
        # escaped by the CLI (\\x1b) or already by the library (\\u001b): either way, never raw
        check('JSON key with ESC: refused, shown escaped',
              rc == 1 and re.search(r'bad\\(x1b|u001b)\[31mkey', err) and '\x1b' not in err, err)
        check('JSON key with a C1 CSI: shown escaped', re.search(r'csi\\(u009b|x9b)2Jkey', err) and '\x9b' not in err,
              err)
        data = os.path.join(tmp, 'csv')
        os.mkdir(data)
        with open(os.path.join(data, 'counties.csv'), 'w', encoding='utf-8') as f:
            f.write('id,name,bad\x1b]0;title\x07col\n320812,x,1\n')
        rc, _, err = run_facts(data, '--format', 'json', '--quiet')
        check('CSV header with OSC: shown escaped', rc == 1 and re.search(r'bad\\(x1b|u001b)\]0;title\\(x07|u0007)col', err)
              and '\x1b' not in err and '\x07' not in err, err)
        # a record id reaches stdout too: the table, explanations and the
        # summary show it escaped (JSON and CSV quote it their own way)
        doc = json.load(open(FACTS, encoding='utf-8'))
        old_id = doc['counties'][0]['id']
        doc['counties'][0]['id'] = old_id + '\u001b]0;PWNED\u0007'
        def rename(node):  # every record naming the county, children too
            if isinstance(node, list):
                for x in node:
                    rename(x)
            elif isinstance(node, dict):
                if node.get('county') == old_id:
                    node['county'] = doc['counties'][0]['id']
                for x in node.values():
                    rename(x)
        rename(doc)
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(doc, f, ensure_ascii=False)
        rc, out, err = run_facts(path, '--explain', '--quiet')
        check('record id with OSC: table shows it escaped', rc == 0 and
              (old_id + '\\x1b]0;PWNED\\x07') in out and '\x1b' not in out and '\x07' not in out, out[-2000:] + err)


def main():
    return run_groups([test_indicators, test_basics, test_check, test_json_contract, test_table, test_explain, test_missing_data, test_set, test_bad_input,
                      test_help_lists_options, test_option_validation, test_jsonl, test_csv_format, test_output_file,
                      test_summary, test_rejects, test_csv_carrier, test_csv_dir_names, test_reconciliation_always, test_progress, test_command_help, test_usage_errors,
                      test_failure_leaves_no_files, test_control_characters_escaped])


if __name__ == '__main__':
    sys.exit(main())
