#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The HTML report of `zjtx simulate --report`, checked in a real browser.

    test-report.py ZJTX_BINARY        (env ZJTX_SRCDIR: the source tree)

Writes the report of the srdi-uplift-2 reform over
examples/huaian-2025/facts.json, renders it in headless Chromium (Debian's
chromium package; build-aux/setup.sh installs it) with --dump-dom and
--screenshot, and checks what the browser shows: a bar chart per rule and
per county with one base and one reform bar each, the Chinese headings, the
hand-worked totals, the winners table, escaped hostile text, and that the
page holds no URL at all (so it can make no network request).  Exits 77
(skipped) when Chromium is not installed.  Ends with "N passed, N failed"."""
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zjtxtest import FACTS, POLICY, SRC, ZJTX, check, run_groups  # noqa: E402

UPLIFT = os.path.join(SRC, 'examples', 'reforms', 'srdi-uplift-2.xml')
RULES = ['rd_base_subsidy', 'rd_incremental_subsidy', 'first_honor_reward', 'cluster_reward',
         'excess_project_reward', 'equipment_loan_interest_subsidy']
COUNTIES = ['320803', '320804', '320812', '320831']


def find_chromium():
    for name in ('chromium', 'chromium-browser'):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium(browser, url, *extra):
    """Runs headless Chromium on url with a fresh profile; returns (rc, stdout)."""
    with tempfile.TemporaryDirectory() as profile:
        cmd = [browser, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync',
               '--user-data-dir=' + profile, *extra, url]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=180,
                           env=dict(os.environ, HOME=profile))
        return p.returncode, p.stdout, p.stderr


def write_report(path, reform_args, facts=FACTS):
    p = subprocess.run([ZJTX, 'simulate', '--policy', POLICY, *reform_args, '--facts', facts, '--quiet',
                        '--report', path, '--format', 'json'], capture_output=True, text=True, timeout=120)
    check('simulate --report exit 0', p.returncode == 0, p.stderr)
    return p.stdout


class Dom(html.parser.HTMLParser):
    """The rendered DOM: the bars of each chart, text per element id, all text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.svg, self.bars, self.text = [], None, {}, []
        self.tables, self.table, self.tags = {}, None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == 'svg':
            self.svg = a.get('id')
            self.bars.setdefault(self.svg, [])
        if tag == 'rect' and self.svg and 'bar' in (a.get('class') or '').split():
            self.bars[self.svg].append((a.get('class'), a.get('data-key'), float(a.get('width', '0'))))
        if tag == 'table' and a.get('id'):
            self.table = a['id']
            self.tables[self.table] = []
        if tag == 'tr' and self.table:
            self.tables[self.table].append([])
        if tag in ('td', 'th') and self.table and self.tables[self.table]:
            self.tables[self.table][-1].append('')

    def handle_endtag(self, tag):
        if tag == 'svg':
            self.svg = None
        if tag == 'table':
            self.table = None

    def handle_data(self, data):
        self.text.append(data)
        if self.table and self.tables[self.table] and self.tables[self.table][-1]:
            self.tables[self.table][-1][-1] += data


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n':
        return None
    return struct.unpack('>II', head[16:24])


def check_file(page):
    check('no http(s) URL anywhere', re.search(r'https?:', page, re.I) is None)
    check('no external resource or script',
          re.search(r'<script|<link|<img|<iframe|@import|url\(|\bsrc=|\bhref=', page, re.I) is None)
    check('UTF-8 declared, lang zh', '<meta charset="utf-8">' in page and '<html lang="zh">' in page)
    check('inline CSS and SVG', '<style>' in page and '<svg id="chart-rules"' in page)


def check_dom(dom, summary):
    text = ''.join(dom.text)
    for h in ('政策模拟报告', '预算影响', 'Budget impact', '按规则', '按县区', '获益与受损', 'Winners and losers',
              '获益最多', '受损最多', '合规检查'):
        check('heading %s shown' % h, h in text)
    for amount in ('32,843,533.33', '33,736,609.87', '+893,076.54', '3,724,209.88', '4,529,975.31', '+805,765.43',
                   '+87,311.11', '+316,000.00'):
        check('amount %s shown' % amount, amount in text)
    check('rule titles in Chinese', '研发费用基础补贴' in text and '设备购置贷款贴息' in text)
    rules = dom.bars.get('chart-rules', [])
    for side in ('base', 'reform'):
        keys = [k for c, k, _ in rules if c == 'bar ' + side]
        check('chart-rules: one %s bar per rule' % side, keys == RULES, keys)
        keys = [k for c, k, _ in dom.bars.get('chart-groups', []) if c == 'bar ' + side]
        check('chart-groups: one %s bar per county' % side, keys == COUNTIES, keys)
    width = {(c, k): w for c, k, w in rules}
    check('bars scale with amounts: reform R&D base bar longer',
          width[('bar reform', 'rd_base_subsidy')] > width[('bar base', 'rd_base_subsidy')] > 0, width)
    check('bars scale with amounts: equipment loans longest',
          max(width.values()) == width[('bar base', 'equipment_loan_interest_subsidy')], width)
    # 3,724,209.88 -> 372.42 万元; 4,529,975.31 -> 452.997531 -> 453.00 万元 (half up, labels only)
    check('chart amounts in 万元', '372.42' in text and '453.00' in text)
    winners = dom.tables.get('table-winners', [])
    check('winners: 10 rows, largest first (恒达 +215,000.00)',
          len(winners) == 11 and '91320812MA0GWJDM0C' in ''.join(winners[1]) and '+215,000.00' in winners[1][-1],
          winners[:2])
    losers = dom.tables.get('table-losers', [])
    check('losers: none', len(losers) == 2 and '无' in ''.join(losers[1]), losers)
    total = json.loads(summary)['total'] if summary else {}
    check('json on stdout alongside the report', total.get('difference') == '893076.54', total)


def test_uplift(browser, tmp):
    path = os.path.join(tmp, 'uplift.html')
    summary = write_report(path, ['--reform', UPLIFT])
    with open(path, encoding='utf-8') as f:
        page = f.read()
    check_file(page)
    rc, out, err = chromium(browser, 'file://' + path, '--dump-dom')
    check('chromium --dump-dom exit 0', rc == 0 and '<svg' in out, err[-500:])
    check('the DOM has no URL either', re.search(r'https?:', out, re.I) is None)
    dom = Dom()
    dom.feed(out)
    check_dom(dom, summary)
    shot = os.path.join(tmp, 'uplift.png')
    rc, _, err = chromium(browser, 'file://' + path, '--screenshot=' + shot, '--window-size=1280,2000',
                          '--hide-scrollbars')
    size = os.path.getsize(shot) if os.path.exists(shot) else 0
    check('screenshot written', rc == 0 and size > 0, err[-500:])
    check('screenshot is a 1280x2000 PNG', png_size(shot) == (1280, 2000), png_size(shot))
    check('screenshot is not blank (> 60 kB)', size > 60000, size)
    keep = os.environ.get('ZJTX_REPORT_KEEP')
    if keep:  # for looking at it: ZJTX_REPORT_KEEP=/tmp/dir
        shutil.copy(path, keep)
        shutil.copy(shot, keep)


HOSTILE = '32<0&"812\'</td><script>x()</script>'


def test_escaping(browser, tmp):
    """Ids and titles with <, &, quotes reach the page as text, not markup."""
    with open(FACTS, encoding='utf-8') as f:
        facts = f.read()
    facts = facts.replace('"320812"', json.dumps(HOSTILE))
    fpath = os.path.join(tmp, 'hostile.json')
    with open(fpath, 'w', encoding='utf-8') as f:
        f.write(facts)
    rel = os.path.relpath(POLICY, tmp)
    rpath = os.path.join(tmp, 'hostile-reform.xml')
    with open(rpath, 'w', encoding='utf-8') as f:
        f.write('<policy id="reform-hostile" version="1" extends="%s">\n'
                '  <title lang="zh">改革 &lt;b&gt;粗体&lt;/b&gt; &amp; "引号"</title>\n'
                '  <jurisdiction>淮安市</jurisdiction><document>test</document>\n'
                '  <period unit="year" default="2025"/>\n'
                '  <override derived="rd_base_rate_applied" entity="enterprise">\n'
                '    <expr>inherited + (if srdi_on(period.end) then 1%% else 0%%)</expr>\n'
                '  </override>\n</policy>\n' % rel)
    path = os.path.join(tmp, 'hostile.html')
    write_report(path, ['--reform', rpath], facts=fpath)
    with open(path, encoding='utf-8') as f:
        page = f.read()
    check('hostile: no raw markup from the data', '<script' not in page and '<b>' not in page)
    check('hostile: escaped in the file',
          re.search(r'32&lt;0&amp;&quot;812(&#39;|&apos;)&lt;/td&gt;&lt;script&gt;', page) is not None)
    rc, out, err = chromium(browser, 'file://' + path, '--dump-dom')
    dom = Dom()
    dom.feed(out)
    check('hostile: the browser made no element of it', rc == 0 and not any(t in ('script', 'b') for t, _ in dom.tags),
          [t for t, _ in dom.tags if t in ('script', 'b')])
    text = ''.join(dom.text)
    check('hostile: county id shown as text', HOSTILE in text)
    check('hostile: reform title shown as text', '改革 <b>粗体</b> & "引号"' in text)
    groups = dom.tables.get('table-groups', [])
    check('hostile: the county table keeps its shape', all(len(r) == 7 for r in groups), groups)
    keys = [k for c, k, _ in dom.bars.get('chart-groups', []) if c == 'bar base']
    check('hostile: chart bar keyed by the id', HOSTILE in keys, keys)


def main():
    browser = find_chromium()
    if not browser:
        print('SKIP: chromium is not installed (build-aux/setup.sh installs it)')
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        return run_groups((test_uplift, test_escaping), browser, tmp)


if __name__ == '__main__':
    sys.exit(main())
