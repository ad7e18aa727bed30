# SPDX-License-Identifier: LGPL-2.1-or-later
"""Receipts end to end: `zjtx evaluate --format json --receipt` and `zjtx verify-receipt`, as a user
types them.  The same receipt for any --threads; the same facts hash for the sample as JSON and as a
directory of CSV files; a changed fact, a changed --set and a tampered receipt found and named; the
results part recomputed here from the JSON output by the rules of docs/receipts.md, as an auditor
would."""
import copy
import csv
import hashlib
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zjtxtest import FACTS, POLICY, check, run, run_groups  # noqa: E402

HEX64 = re.compile(r'^[0-9a-f]{64}$')
PARTS = ('policy', 'facts', 'results')


def evaluate(facts, *extra):
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', facts, '--format', 'json', '--receipt', '--quiet',
                       *extra)
    doc = json.loads(out) if rc == 0 and out else {}
    return rc, doc, err


def digests(receipt, part):
    p = receipt.get(part, {})
    return p.get('sha256'), p.get('sm3')


def write_csv_dir(facts_json, folder):
    """The sample facts as CSV files, one per entity plural, children with their parent's key in a
    column named after the parent entity (the policy's parent-key), rows in the order of the JSON."""
    doc = json.load(open(facts_json, encoding='utf-8'))
    singular = {'counties': 'county', 'enterprises': 'enterprise'}
    tables = {}

    def cell(v):
        return 'true' if v is True else 'false' if v is False else '' if v is None else str(v)

    def add(plural, record, parent_col=None, parent_id=None):
        row = {k: v for k, v in record.items() if not isinstance(v, list)}
        if parent_col:
            row[parent_col] = parent_id
        tables.setdefault(plural, []).append(row)
        for k, v in record.items():
            if isinstance(v, list):
                for child in v:
                    add(k, child, singular[plural], record['id'])

    for plural, records in doc.items():
        if isinstance(records, list):
            for r in records:
                add(plural, r)
    for plural, rows in tables.items():
        header = []
        for r in rows:
            header += [k for k in r if k not in header]
        with open(os.path.join(folder, plural + '.csv'), 'w', newline='', encoding='utf-8') as f:
            w = csv.writer(f)
            w.writerow(header)
            for r in rows:
                w.writerow([cell(r.get(k)) for k in header])
    return sorted(tables)


def test_receipt_shape():
    rc, doc, err = evaluate(FACTS)
    check('evaluate --receipt: exit 0', rc == 0, err)
    r = doc.get('receipt', {})
    check('receipt: engine is "zjtx VERSION"', re.match(r'^zjtx \d+\.\d+\.\d+$', r.get('engine', '')), r)
    check('receipt: format zjtx-receipt/1', r.get('format') == 'zjtx-receipt/1', r)
    check('receipt: policy id and version', r.get('policy', {}).get('id') == 'huaian-2025-srdi' and
          r.get('policy', {}).get('version') == '2025.1', r)
    check('receipt: period and no overrides', r.get('period') == '2025' and r.get('overrides') == [], r)
    check('receipt: every part has a sha256 and an sm3 of 64 hex digits',
          all(HEX64.match(d or '') for part in PARTS for d in digests(r, part)), r)
    check('receipt: the entitlements are still there', len(doc.get('entitlements', [])) > 0, doc.keys())
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--receipt')
    check('--receipt with the table format: usage error naming json', rc == 2 and '--format json' in err, err)
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--format', 'csv', '--receipt')
    check('--receipt with csv: usage error', rc == 2 and '--receipt' in err, err)


def canonical_results(doc):
    """docs/receipts.md, the results: one line per entitlement, then per violation, tab-separated."""
    def esc(s):
        return s.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')
    lines = ['zjtx-results/1']
    for e in doc['entitlements']:
        lines.append('\t'.join(['entitlement'] + [esc(e[k]) for k in ('rule', 'beneficiary', 'id', 'amount')]))
    for v in doc['violations']:
        lines.append('\t'.join(['violation'] + [esc(v[k]) for k in ('check', 'entity', 'id')]))
    for u in doc.get('undecided', []):
        kind = 'check' if 'check' in u else 'rule'
        lines.append('\t'.join(['undecided', kind] + [esc(u[k]) for k in (kind, 'entity' if kind == 'check' else
                                                                        'beneficiary', 'id')]))
        for m in u['missing']:
            lines.append('\t'.join(['missing'] + [esc(m[k]) for k in ('entity', 'id', 'field')]))
        if u.get('missing_more'):
            lines.append('missing-more')
    return ''.join(line + '\n' for line in lines).encode('utf-8')


def test_auditor_recomputes_results():
    with tempfile.TemporaryDirectory() as tmp:
        auditor_recomputes(FACTS, 'the sample')
        auditor_recomputes(missing_facts(tmp), 'the sample with R&D figures missing (undecided results)')


def auditor_recomputes(facts, what):
    rc, doc, err = evaluate(facts)
    if not doc:
        return check('auditor: evaluate ran', False, err)
    keys = set(doc['violations'][0]) if doc['violations'] else set()
    check('auditor: violations carry check, entity and id', {'check', 'entity', 'id'} <= keys, keys)
    form = canonical_results(doc)
    r = doc['receipt']['results']
    check('auditor, %s: SHA-256 of the results form built from the JSON output' % what,
          hashlib.sha256(form).hexdigest() == r['sha256'], (hashlib.sha256(form).hexdigest(), r))
    if 'sm3' in hashlib.algorithms_available:
        check('auditor, %s: SM3 likewise' % what, hashlib.new('sm3', form).hexdigest() == r['sm3'], r)
    return doc


def missing_facts(tmp):
    """The sample with the first enterprise's R&D spend of the year before left out (an optional
    field) and the second's given as null: both are missing, never 0."""
    doc = json.load(open(FACTS, encoding='utf-8'))
    del doc['enterprises'][0]['rd_expense_prev']
    doc['enterprises'][1]['rd_expense_prev'] = None
    path = os.path.join(tmp, 'missing.json')
    json.dump(doc, open(path, 'w', encoding='utf-8'), ensure_ascii=False)
    return path


def test_threads():
    receipts = []
    for threads in ('1', '2'):
        rc, doc, err = evaluate(FACTS, '--threads', threads)
        check('--threads %s: exit 0' % threads, rc == 0, err)
        receipts.append(doc.get('receipt'))
    check('the same receipt with --threads 1 and 2', receipts[0] and receipts[0] == receipts[1], receipts)


def test_carriers():
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, 'facts')
        os.mkdir(folder)
        files = write_csv_dir(FACTS, folder)
        check('the CSV directory has a file per entity', 'honors' in files and 'clusters' in files, files)
        rc, from_json, err = evaluate(FACTS)
        rc2, from_csv, err2 = evaluate(folder)
        check('CSV directory: exit 0', rc2 == 0, err2)
        a, b = from_json.get('receipt', {}), from_csv.get('receipt', {})
        check('the same facts hash through JSON and through CSV', digests(a, 'facts') == digests(b, 'facts') and
              a.get('facts'), (a.get('facts'), b.get('facts')))
        check('and the same policy and results hashes', digests(a, 'policy') == digests(b, 'policy') and
              digests(a, 'results') == digests(b, 'results'), (a, b))
        # missing values: an absent key, a null and an empty CSV cell are one and the same
        missing = missing_facts(tmp)
        folder2 = os.path.join(tmp, 'missing')
        os.mkdir(folder2)
        write_csv_dir(missing, folder2)
        rc, m_json, err = evaluate(missing)
        rc2, m_csv, err2 = evaluate(folder2)
        check('missing values, JSON and CSV: exit 0', rc == 0 and rc2 == 0, err + err2)
        c, d = m_json.get('receipt', {}), m_csv.get('receipt', {})
        check('missing values: the same facts hash through JSON (absent key, null) and CSV (empty cell)',
              c.get('facts') and digests(c, 'facts') == digests(d, 'facts'), (c.get('facts'), d.get('facts')))
        check('missing values: another facts hash than with the values present',
              digests(c, 'facts') != digests(a, 'facts'))
        check('missing values: the same results both ways, undecided ones included',
              digests(c, 'results') == digests(d, 'results') and len(m_json.get('undecided', [])) > 0,
              m_json.get('undecided'))
        receipt = os.path.join(tmp, 'receipt.json')
        json.dump(a, open(receipt, 'w'))
        rc, out, err = run('verify-receipt', '--policy', POLICY, '--facts', folder, receipt)
        check('verify-receipt: a JSON run verified over the CSV directory', rc == 0 and 'matches' in out, out + err)
        # --forms: the canonical forms, the same bytes through both carriers, hashing to the receipt
        forms_json, forms_csv = os.path.join(tmp, 'forms-json'), os.path.join(tmp, 'forms-csv')
        rc, out, err = run('verify-receipt', '--policy', POLICY, '--facts', FACTS, '--forms', forms_json, receipt)
        rc2, out2, err2 = run('verify-receipt', '--policy', POLICY, '--facts', folder, '--forms', forms_csv, receipt)
        check('verify-receipt --forms: exit 0 both ways', rc == 0 and rc2 == 0, err + err2)
        for part in PARTS:
            path = os.path.join(forms_json, part + '.txt')
            data = open(path, 'rb').read() if os.path.exists(path) else b''
            check('--forms: %s.txt hashes to the receipt (SHA-256)' % part,
                  hashlib.sha256(data).hexdigest() == a[part]['sha256'], part)
            other = os.path.join(forms_csv, part + '.txt')
            check('--forms: %s.txt is the same bytes from JSON and CSV' % part,
                  os.path.exists(other) and open(other, 'rb').read() == data, part)
        facts_txt = open(os.path.join(forms_json, 'facts.txt'), encoding='utf-8').read().splitlines()
        check('--forms: facts.txt begins as docs/receipts.md says',
              facts_txt[:3] == ['zjtx-facts/1', 'entity\tenterprise\t12',
                                'columns\tid\tname\trd_expense\trd_expense_prev\tcounty\trevenue\t'
                                'invention_patents\tcnc_rate'], facts_txt[:3])
        check('--forms: the first enterprise as read (money 2 decimals, rate in percent 6 decimals)',
              facts_txt[3] == 'record\t91320812MA0GWJDM0C\t淮安恒达精密机械股份有限公司\t21500000.00\t18200000.00\t320812'
              '\t386000000.00\t14\t86.500000', facts_txt[3:4])


def changed_facts(tmp):
    """The sample with the first enterprise's R&D spend up by one fen."""
    doc = json.load(open(FACTS, encoding='utf-8'))
    changed = copy.deepcopy(doc)
    e = changed['enterprises'][0]
    check('the first enterprise spends 21,500,000.00 on R&D', e['rd_expense'] == '21500000.00', e['rd_expense'])
    e['rd_expense'] = '21500000.01'
    path = os.path.join(tmp, 'changed.json')
    json.dump(changed, open(path, 'w', encoding='utf-8'), ensure_ascii=False)
    return path


def verify(receipt, facts=FACTS, *extra):
    return run('verify-receipt', '--policy', POLICY, '--facts', facts, *extra, receipt)


def part_line(out, part):
    m = re.search(r'^%s\s+(identical|DIFFERENT)' % part, out, re.M)
    return m.group(1) if m else None


def test_verify():
    with tempfile.TemporaryDirectory() as tmp:
        whole = os.path.join(tmp, 'run.json')
        rc, out, err = run('evaluate', '--policy', POLICY, '--facts', FACTS, '--format', 'json', '--receipt',
                           '--quiet', '--output', whole)
        check('evaluate --receipt --output: exit 0', rc == 0, err)
        rc, out, err = verify(whole)
        check('verify-receipt on the whole output: exit 0, every part identical',
              rc == 0 and all(part_line(out, p) == 'identical' for p in PARTS) and 'matches' in out, out + err)
        only = os.path.join(tmp, 'receipt.json')
        json.dump(json.load(open(whole))['receipt'], open(only, 'w'))
        rc, out, err = verify(only, FACTS, '--threads', '2')
        check('verify-receipt on the receipt object alone, --threads 2: exit 0', rc == 0, out + err)

        # one fact changed by one fen: the facts differ; 21,500,000.01 x 3 % still pays 645,000.00
        changed = changed_facts(tmp)
        changed_doc = evaluate(changed)[1]
        same_results = changed_doc.get('entitlements') == json.load(open(whole))['entitlements']
        check('one fen more R&D spend pays the same (645,000.0003 rounds to 645,000.00)', same_results)
        check('one fact changed: another facts hash',
              digests(changed_doc.get('receipt', {}), 'facts') != digests(json.load(open(whole))['receipt'], 'facts'))
        rc, out, err = verify(whole, changed)
        check('verify-receipt, a changed fact: exit 1, facts DIFFERENT, policy and results identical',
              rc == 1 and part_line(out, 'facts') == 'DIFFERENT' and part_line(out, 'policy') == 'identical' and
              part_line(out, 'results') == 'identical' and 'does not match: facts differs' in out, out + err)

        # a --set the receipt was not made with: the policy part differs, and the note says why
        rc, out, err = verify(whole, FACTS, '--set', 'rd_base_rate=3')
        check('verify-receipt, another --set: exit 1, policy DIFFERENT, the override named',
              rc == 1 and part_line(out, 'policy') == 'DIFFERENT' and part_line(out, 'facts') == 'identical' and
              'rd_base_rate=3' in err, out + err)
        rc, out, err = verify(whole, FACTS, '--period', '2026')
        check('verify-receipt, another --period: policy DIFFERENT, the periods named',
              rc == 1 and part_line(out, 'policy') == 'DIFFERENT' and '2026' in err and '2025' in err, out + err)

        # tampered: one hex digit of the results' SM3
        doc = json.load(open(whole))
        sm3 = doc['receipt']['results']['sm3']
        doc['receipt']['results']['sm3'] = ('0' if sm3[0] != '0' else '1') + sm3[1:]
        tampered = os.path.join(tmp, 'tampered.json')
        json.dump(doc, open(tampered, 'w'))
        rc, out, err = verify(tampered)
        check('verify-receipt, a tampered digit: exit 1, results DIFFERENT only',
              rc == 1 and part_line(out, 'results') == 'DIFFERENT' and part_line(out, 'facts') == 'identical' and
              part_line(out, 'policy') == 'identical', out + err)


def test_verify_usage():
    rc, out, err = run('verify-receipt', '--help')
    check('verify-receipt --help: exit 0 with usage, options and an example',
          rc == 0 and 'RECEIPT.json' in out and '--policy' in out and '--set' in out and 'Example' in out, out)
    rc, out, err = run('--help')
    check('zjtx --help lists verify-receipt and --receipt', 'verify-receipt' in out and '--receipt' in out, out)
    rc, out, err = run('verify-receipt', '--policy', POLICY, '--facts', FACTS)
    check('verify-receipt without RECEIPT.json: usage error', rc == 2 and 'RECEIPT.json' in err, err)
    rc, out, err = run('verify-receipt', '--facts', FACTS, 'r.json')
    check('verify-receipt without --policy: usage error', rc == 2 and '--policy' in err, err)
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, 'bad.json')
        open(bad, 'w').write('{"receipt": ')
        rc, out, err = verify(bad)
        check('verify-receipt, not JSON: exit 1 naming the file', rc == 1 and 'bad.json' in err, err)
        open(bad, 'w').write('{"policy": "huaian", "entitlements": []}')
        rc, out, err = verify(bad)
        check('verify-receipt, JSON without a receipt: exit 1 saying what is expected',
              rc == 1 and 'no receipt' in err and 'sha256' in err, err)
        open(bad, 'w').write('{"receipt": {"format": "zjtx-receipt/9", "policy": {"sha256": "a", "sm3": "b"},'
                             ' "facts": {"sha256": "a", "sm3": "b"}, "results": {"sha256": "a", "sm3": "b"}}}')
        rc, out, err = verify(bad)
        check('verify-receipt, an unknown format: exit 1 naming it', rc == 1 and 'zjtx-receipt/9' in err, err)
        rc, out, err = verify(os.path.join(tmp, 'absent.json'))
        check('verify-receipt, no such file: exit 1', rc == 1 and 'absent.json' in err, err)
        open(bad, 'w').write('{"receipt": {"policy": {"sha256": 1, "sm3": []}, "facts": {}, "results": {}}}')
        rc, out, err = verify(bad)
        check('verify-receipt, digests that are not strings: exit 1, no receipt', rc == 1 and 'no receipt' in err, err)


def test_verify_hostile_files():
    """A receipt file is untrusted: deep nesting, a FIFO, a directory are refused, never a crash or a hang."""
    with tempfile.TemporaryDirectory() as tmp:
        deep = os.path.join(tmp, 'deep.json')
        open(deep, 'w').write('[' * 200000)
        rc, out, err = verify(deep)
        check('verify-receipt, JSON nested 200,000 deep: exit 1 saying so (json-glib would recurse)',
              rc == 1 and 'nested deeper' in err, (rc, err))
        rc, out, err = verify(tmp)
        check('verify-receipt, a directory: exit 1, not a regular file', rc == 1 and 'not a regular file' in err, err)
        if hasattr(os, 'mkfifo'):
            fifo = os.path.join(tmp, 'fifo.json')
            os.mkfifo(fifo)
            rc, out, err = run('verify-receipt', '--policy', POLICY, '--facts', FACTS, fifo, timeout=30)
            check('verify-receipt, a FIFO: exit 1 at once, not waited on', rc == 1 and 'not a regular file' in err,
                  err)


if __name__ == '__main__':
    sys.exit(run_groups([test_receipt_shape, test_auditor_recomputes_results, test_threads, test_carriers,
                         test_verify, test_verify_usage, test_verify_hostile_files]))
