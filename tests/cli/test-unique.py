#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""<unique fields="year"/> as a user meets it: one yearly report per year per enterprise, a
duplicate refused like any bad record through both carriers (a JSON file and a CSV directory),
listed in --rejects with file, line, id, field, value and reason; the rest evaluated.

    test-unique.py ZJTX_BINARY

Hand-worked: the bonus is 1 % of an enterprise's 2025 revenue.  E1 reports 2024 (R1, 100,000.00)
and 2025 twice (R2 200,000.00, then R3 900,000.00: refused, R2 came first); E2 reports 2025 once
(R4 300,000.00).  So E1 gets 200,000.00 x 1 % = 2,000.00 and E2 300,000.00 x 1 % = 3,000.00.
Ends with the line "N passed, N failed"."""
import csv
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zjtxtest import check, run, run_groups  # noqa: E402

POLICY = '''<?xml version="1.0" encoding="UTF-8"?>
<policy id="reports" version="1">
  <title lang="en">Yearly reports</title>
  <period unit="year" default="2025"/>
  <entity name="enterprise" plural="enterprises" key="id">
    <field name="id" type="text"/>
  </entity>
  <entity name="report" plural="reports" parent="enterprise" parent-key="enterprise" key="id">
    <unique fields="year"/>
    <field name="id" type="text"/>
    <field name="year" type="count"/>
    <field name="revenue" type="money"/>
  </entity>
  <rule id="bonus" subject="enterprise" clause="1">
    <amount>sum(r in reports where r.year == 2025: r.revenue) * 0.01</amount>
  </rule>
</policy>
'''

# R2 (the first with 2025) is on line 8, R3 on line 9
FACTS_JSON = '''{
  "period": "2025",
  "enterprises": [
    {
      "id": "E1",
      "reports": [
        {"id": "R1", "year": 2024, "revenue": "100000.00"},
        {"id": "R2", "year": 2025, "revenue": "200000.00"},
        {"id": "R3", "year": 2025, "revenue": "900000.00"}
      ]
    },
    {"id": "E2", "reports": [{"id": "R4", "year": 2025, "revenue": "300000.00"}]}
  ]
}
'''

WANT = {('E1', '2000.00'), ('E2', '3000.00')}


def evaluate(policy, facts, tmp):
    rejects = os.path.join(tmp, 'rejects.csv')
    rc, out, err = run('evaluate', '--policy', policy, '--facts', facts, '--format', 'json', '--rejects', rejects)
    doc = json.loads(out) if out.strip().startswith('{') else {'entitlements': []}
    got = {(e['id'], e['amount']) for e in doc['entitlements']}
    with open(rejects, encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    return rc, err, got, rows


def reason(first, again):
    return ('duplicate year=2025 within enterprise #1 (E1) (first at %s, again at %s): '
            'expected at most one report per enterprise and year' % (first, again))


def write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def test_json_carrier():
    with tempfile.TemporaryDirectory() as tmp:
        policy, facts = os.path.join(tmp, 'policy.xml'), os.path.join(tmp, 'facts.json')
        write(policy, POLICY)
        write(facts, FACTS_JSON)
        rc, err, got, rows = evaluate(policy, facts, tmp)
        check('json: a refused record makes exit 1', rc == 1, err)
        check('json: the rest evaluated', got == WANT, got)
        want = {'file': facts, 'line': '9', 'entity': 'report', 'id': 'R3', 'field': 'year', 'value': '2025',
                'reason': reason(facts + ':8', facts + ':9')}
        check('json: the duplicate in --rejects', rows == [want], rows)
        check('json: and on stderr', 'refused report: ' + reason(facts + ':8', facts + ':9') in err, err)
        rc, out, err = run('check', '--policy', policy)
        check('check: the policy with <unique> loads', rc == 0, err)


def test_csv_carrier():
    with tempfile.TemporaryDirectory() as tmp:
        policy, facts = os.path.join(tmp, 'policy.xml'), os.path.join(tmp, 'facts')
        write(policy, POLICY)
        os.mkdir(facts)
        write(os.path.join(facts, 'enterprises.csv'), 'id\nE1\nE2\n')
        # line 1 is the header: R2 on line 3, R3 on line 4
        write(os.path.join(facts, 'reports.csv'),
              'id,enterprise,year,revenue\nR1,E1,2024,100000.00\nR2,E1,2025,200000.00\n'
              'R3,E1,2025,900000.00\nR4,E2,2025,300000.00\n')
        rc, err, got, rows = evaluate(policy, facts, tmp)
        reports = os.path.join(facts, 'reports.csv')
        check('csv: a refused record makes exit 1', rc == 1, err)
        check('csv: the rest evaluated', got == WANT, got)
        want = {'file': reports, 'line': '4', 'entity': 'report', 'id': 'R3', 'field': 'year', 'value': '2025',
                'reason': reason(reports + ':3', reports + ':4')}
        check('csv: the duplicate in --rejects', rows == [want], rows)


if __name__ == '__main__':
    sys.exit(run_groups([test_json_carrier, test_csv_carrier]))
