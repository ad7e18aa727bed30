#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The HTML report of `zjtx simulate --report`, checked in a real browser.

    test-report.py ZJTX_BINARY        (env ZJTX_SRCDIR: the source tree)

Writes the report of the srdi-uplift-2 reform over
examples/huaian-2025/facts.json, renders it in headless Chromium (Debian's
chromium package; build-aux/setup.sh installs it) with --dump-dom,
--screenshot and --print-to-pdf, and checks what the browser shows: a bar
chart per rule and per county with one base and one reform bar each, the
Chinese headings, the hand-worked totals, the winners table, escaped hostile
text, and that the page holds no URL at all (so it can make no network
request); and what makes it a record to sign: counties and enterprises by
name with the id beside, the warning naming the draft document and the
assumed parameters (rules/rd-base.xml, rules/huaian-2025.xml), the reform's
changes before -> after, the data source and its record counts, the
versions and the date; printed, A4 pages and not too many.  Exits 77
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
from zjtxtest import FACTS, POLICY, SRC, ZJTX, check, run, run_groups  # noqa: E402

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


EPOCH = '1767225600'  # 2026-01-01 00:00:00 UTC
VERSION = re.search(r"version: '([^']+)'", open(os.path.join(SRC, 'meson.build'), encoding='utf-8').read()).group(1)


def write_report(path, reform_args, facts=FACTS):
    p = subprocess.run([ZJTX, 'simulate', '--policy', POLICY, *reform_args, '--facts', facts, '--quiet',
                        '--report', path, '--format', 'json'], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, SOURCE_DATE_EPOCH=EPOCH))
    check('simulate --report exit 0', p.returncode == 0, p.stderr)
    return p.stdout


class Dom(html.parser.HTMLParser):
    """The rendered DOM: the bars of each chart, text per element id, all text."""

    VOID = {'br', 'meta', 'rect', 'line', 'path', 'hr', 'img', 'input', 'link', 'col', 'wbr'}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.svg, self.bars, self.text = [], None, {}, []
        self.tables, self.table, self.tags = {}, None, []
        self.by_id = {}  # text of each element with an id

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag not in self.VOID:
            self.stack.append((tag, a.get('id')))
            if a.get('id'):
                self.by_id[a['id']] = ''
        if tag == 'text' and self.svg:
            self.bars.setdefault(self.svg + ':text', []).append('')
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
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        if tag == 'svg':
            self.svg = None
        if tag == 'table':
            self.table = None

    def handle_data(self, data):
        self.text.append(data)
        for _, ident in self.stack:
            if ident:
                self.by_id[ident] += data
        if self.svg and self.stack and self.stack[-1][0] == 'text':
            self.bars[self.svg + ':text'][-1] += data
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
    check_names(dom)
    check_warning(dom)
    check_uplift_changes(dom)
    check_source(dom)
    check('print CSS: A4', '@page{size:A4' in page and '@media print' in page)
    check_print(browser, path, tmp, 'uplift')
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


# ---- the record to sign -------------------------------------------------------

# examples/huaian-2025/facts.json: the names of the counties, and of the
# enterprise with the largest gain (91320812MA0GWJDM0C, 清江浦区)
COUNTY_NAMES = {'320803': '淮安区', '320804': '淮阴区', '320812': '清江浦区', '320831': '金湖县'}
HENGDA = '淮安恒达精密机械股份有限公司'

# rules/rd-base.xml and rules/huaian-2025.xml: the 6 parameters with status="assumed", in declaration order
# (base policy first), with their titles and values as a reader should see them
ASSUMED = [('rd_min_expense', '研发补贴研发费用门槛', ['1,000,000.00 元']),
           ('rd_base_rate', '研发费用基础补贴比例', ['2%']),
           ('rd_incremental_rate', '研发费用增量补贴比例', ['10%']),
           ('rd_base_cap', '基础补贴上限', ['1,000,000.00 元']),
           ('rd_incremental_cap', '增量补贴上限', ['1,000,000.00 元']),
           ('first_honor_reward_amount', '首次获评奖励金额',
            ['single_champion：1,000,000.00 元', 'little_giant：500,000.00 元', 'srdi_sme：200,000.00 元'])]


def record_counts(path):
    """{plural: records} counted in a facts JSON file, children included: what was read."""
    with open(path, encoding='utf-8') as f:
        doc = json.load(f)
    counts = {}

    def walk(key, items):
        counts[key] = counts.get(key, 0) + len(items)
        for item in items:
            for k, v in item.items():
                if isinstance(v, list):
                    walk(k, v)
    for k, v in doc.items():
        if isinstance(v, list):
            walk(k, v)
    return counts


def rows(dom, table):
    """The body rows of a table (the header row left out), cells stripped."""
    return [[c.strip() for c in r] for r in dom.tables.get(table, [])[1:]]


def check_names(dom):
    groups = rows(dom, 'table-groups')
    shown = [r[0] for r in groups[:4]]
    check('counties by name, code beside', shown == ['%s (%s)' % (COUNTY_NAMES[c], c) for c in COUNTIES], shown)
    labels = dom.bars.get('chart-groups:text', [])
    check('county chart labelled by name, code below',
          all(COUNTY_NAMES[c] in labels and c in labels for c in COUNTIES), labels)
    first = rows(dom, 'table-winners')[0] if rows(dom, 'table-winners') else []
    check('winner by name with the USCC beside', len(first) == 7 and HENGDA in first[2] and
          '91320812MA0GWJDM0C' in first[2] and first[3] == '清江浦区 (320812)', first)


def check_assumed(dom, expected):
    got = rows(dom, 'table-assumed')
    check('assumed parameters: %d rows' % len(expected), len(got) == len(expected), got)
    for (ident, title, values), row in zip(expected, got):
        ok = len(row) == 2 and ident in row[0] and title in row[0] and all(v in row[1] for v in values)
        check('assumed %s = %s' % (ident, ' / '.join(values)), ok and '自 2025-01-01' in row[1], row)


def check_warning(dom):
    warning = dom.by_id.get('warning', '')
    check('warning box: the document is a draft for comments',
          '征求意见稿' in warning and 'draft for comments' in warning, warning[:200])
    check('warning box: names the document',
          '《2025年淮安市专精特新企业高质量发展行动方案》(征求意见稿)' in dom.by_id.get('warning-document', ''))
    check('warning box: says the values are assumed', '假设值' in warning and '6 项' in warning, warning[:300])
    check_assumed(dom, ASSUMED)


def check_uplift_changes(dom):
    params = rows(dom, 'table-param-changes')
    # srdi-uplift-2.xml: srdi_rd_rate_uplift 1 -> 2 (percentage points), nothing else
    check('reform changes one parameter: srdi_rd_rate_uplift 1% -> 2%',
          len(params) == 1 and 'srdi_rd_rate_uplift' in params[0][0] and '专精特新企业研发补贴上浮' in params[0][0] and
          params[0][1] == '修改 amended' and params[0][2].startswith('1%') and params[0][3] == '→' and
          params[0][4].startswith('2%'), params)
    rules = rows(dom, 'table-rule-changes')
    check('reform changes no rule', len(rules) == 1 and '无' in rules[0][0], rules)
    derived = rows(dom, 'table-derived-changes')
    check('reform overrides no derived value', len(derived) == 1 and '无' in derived[0][0], derived)


def check_source(dom, facts=FACTS):
    check('date made (SOURCE_DATE_EPOCH)', dom.by_id.get('made') == '2026-01-01 00:00 UTC', dom.by_id.get('made'))
    check('facts path shown', dom.by_id.get('facts-path') == facts, dom.by_id.get('facts-path'))
    check('engine version', dom.by_id.get('engine') == 'zjtx ' + VERSION, dom.by_id.get('engine'))
    source = dom.by_id.get('table-source', '')
    check('policy ids and versions', 'huaian-2025-srdi' in source and '版本 version 2025.1' in source and
          'reform-srdi-uplift-2' in source, source)
    counts = record_counts(facts)
    got = {r[0]: tuple(int(x) for x in r[1:]) for r in rows(dom, 'table-records')}
    check('record counts read / accepted / refused',
          all(got.get(k) == (n, n, 0) for k, n in counts.items()) and got.get('enterprises') == (12, 12, 0) and
          got.get('honors') == (16, 16, 0), (got, counts))
    receipt = rows(dom, 'table-receipt')
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', facts, '--format', 'json', '--receipt', '--quiet')
    own = json.loads(out)['receipt'] if rc == 0 else {}
    base_facts = next((r for r in receipt if r[0].startswith('基线') and r[1].startswith('数据')), None)
    check('receipt: SHA-256 and SM3 of policy, facts and results for base and reform', len(receipt) == 6 and
          all(re.fullmatch(r'[0-9a-f]{64}', c) for r in receipt for c in r[2:]), receipt)
    check('receipt: the facts hash is the one `zjtx evaluate --receipt` gives for the same facts',
          base_facts and own and base_facts[2:] == [own['facts']['sha256'], own['facts']['sm3']], (base_facts, own))
    check('lines to sign', '审核人' in dom.by_id.get('signatures', ''))


def pdf_pages(path):
    """[(width, height)] of each page of a PDF written by Chromium (Skia writes the page dictionaries as text)."""
    with open(path, 'rb') as f:
        data = f.read()
    boxes = re.findall(rb'/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]', data)
    pages = len(re.findall(rb'/Type\s*/Page(?![s\w])', data))
    return pages, [(round(float(w)), round(float(h))) for w, h in boxes]


def check_print(browser, path, tmp, name):
    pdf = os.path.join(tmp, name + '.pdf')
    rc, _, err = chromium(browser, 'file://' + path, '--no-pdf-header-footer', '--print-to-pdf-no-header',
                          '--print-to-pdf=' + pdf)
    check('%s: printed to PDF' % name, rc == 0 and os.path.exists(pdf), err[-500:])
    if not os.path.exists(pdf):
        return
    pages, boxes = pdf_pages(pdf)
    check('%s: every page A4 (595 x 842 pt)' % name, boxes and all(b == (595, 842) for b in boxes), boxes)
    # measured 4 pages: warning, changes, charts, tables, data source and signatures
    check('%s: a reasonable page count (3-6)' % name, 3 <= pages <= 6 and pages == len(boxes), (pages, boxes))
    keep = os.environ.get('ZJTX_REPORT_KEEP')
    if keep:
        shutil.copy(pdf, keep)


HOSTILE = '32<0&"812\'</td><script>x()</script>'
HOSTILE_NAME = '<i>清江浦</i>&amp;"\'区<td>'


def test_escaping(browser, tmp):
    """Ids and titles with <, &, quotes reach the page as text, not markup."""
    with open(FACTS, encoding='utf-8') as f:
        facts = f.read()
    facts = facts.replace('"320812"', json.dumps(HOSTILE))
    facts = facts.replace('"清江浦区"', json.dumps(HOSTILE_NAME)).replace('"%s"' % HENGDA, json.dumps(HOSTILE_NAME))
    fpath = os.path.join(tmp, 'hostile<i>&"\'.json')  # a file name is text from outside too
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
    check('hostile: the browser made no element of it',
          rc == 0 and not any(t in ('script', 'b', 'i') for t, _ in dom.tags),
          [t for t, _ in dom.tags if t in ('script', 'b', 'i')])
    check('hostile: no raw markup from names or the file name', '<i>' not in page)
    check('hostile: county name shown as text, id beside', '%s (%s)' % (HOSTILE_NAME, HOSTILE) in ''.join(dom.text))
    check('hostile: enterprise name shown as text', HOSTILE_NAME in ''.join(rows(dom, 'table-winners')[0]),
          rows(dom, 'table-winners')[:1])
    check('hostile: facts file name shown as text', dom.by_id.get('facts-path') == fpath, dom.by_id.get('facts-path'))
    text = ''.join(dom.text)
    check('hostile: county id shown as text', HOSTILE in text)
    check('hostile: reform title shown as text', '改革 <b>粗体</b> & "引号"' in text)
    derived = rows(dom, 'table-derived-changes')
    # the reform's <override> of rd_base_rate_applied replaces the one huaian-2025.xml writes
    check('override shown: enterprise.rd_base_rate_applied, before -> after',
          len(derived) == 1 and len(derived[0]) == 5 and 'enterprise.rd_base_rate_applied' in derived[0][0] and
          derived[0][1] == '覆盖 overridden' and
          'inherited + (if srdi_on(period.end) then srdi_rd_rate_uplift else 0%)' in derived[0][2] and
          'huaian-2025-srdi' in derived[0][2] and
          'inherited + (if srdi_on(period.end) then 1% else 0%)' in derived[0][4] and
          'reform-hostile' in derived[0][4], derived)
    groups = dom.tables.get('table-groups', [])
    check('hostile: the county table keeps its shape', all(len(r) == 7 for r in groups), groups)
    keys = [k for c, k, _ in dom.bars.get('chart-groups', []) if c == 'bar base']
    check('hostile: chart bar keyed by the id', HOSTILE in keys, keys)


def test_reform_changes(browser, tmp):
    """A reform that amends a parameter and a rule, removes a rule and adds one with its parameter, run
    with two --set: each shows before -> after; what --set replaces is no longer listed as assumed."""
    rel = os.path.relpath(POLICY, tmp)
    rpath = os.path.join(tmp, 'changes.xml')
    with open(rpath, 'w', encoding='utf-8') as f:
        f.write('<policy id="reform-changes" version="7" extends="%s">\n'
                '  <title lang="zh">改革 多项变化</title>\n'
                '  <amend-parameter id="rd_base_cap"><value from="2025-01-01">1500000</value></amend-parameter>\n'
                '  <remove-rule id="cluster_reward"/>\n'
                '  <amend-rule id="first_honor_reward"><title lang="zh">首次获评奖励（修订）</title></amend-rule>\n'
                '  <parameter id="county_bonus_amount" type="money" unit="yuan" status="assumed">\n'
                '    <title lang="zh">县区新增奖励金额</title>\n'
                '    <source>test</source><value from="2025-01-01">100000</value>\n  </parameter>\n'
                '  <rule id="county_bonus" subject="county" clause="新">\n'
                '    <title lang="zh">县区新增奖励</title>\n    <amount>county_bonus_amount</amount>\n  </rule>\n'
                '</policy>\n' % rel)
    path = os.path.join(tmp, 'changes.html')
    write_report(path, ['--reform', rpath, '--set', 'rd_min_expense=800000',
                        '--set', 'first_honor_reward_amount[srdi_sme]=300000'])
    rc, out, err = chromium(browser, 'file://' + path, '--dump-dom')
    dom = Dom()
    dom.feed(out)
    params = rows(dom, 'table-param-changes')
    want = [('rd_base_cap', '修改 amended', '1,000,000.00 元', '1,500,000.00 元'),
            ('county_bonus_amount', '新增 added', '—', '100,000.00 元'),
            ('rd_min_expense', '--set', '1,000,000.00 元', '800,000.00 元'),
            ('first_honor_reward_amount', '--set', 'srdi_sme：200,000.00 元', 'srdi_sme：300,000.00 元')]
    check('changes: 4 parameter rows', len(params) == 4, params)
    for (ident, what, before, after), row in zip(want, params):
        check('changes: %s %s -> %s' % (ident, before, after),
              len(row) == 5 and ident in row[0] and row[1] == what and before in row[2] and after in row[4], row)
    rules = rows(dom, 'table-rule-changes')
    want = [('first_honor_reward', '修改 amended', '首次获评专精特新梯度称号奖励', '首次获评奖励（修订）'),
            ('county_bonus', '新增 added', '—', '县区新增奖励'),
            ('cluster_reward', '删除 removed', '中小企业特色产业集群奖励', '—')]
    check('changes: 3 rule rows', len(rules) == 3, rules)
    for (ident, what, before, after), row in zip(want, rules):
        check('changes: rule %s %s' % (ident, what),
              len(row) == 5 and row[0] == ident and row[1] == what and before in row[2] and after in row[4], row)
    check('changes: the amended rule says by whom', len(rules) == 3 and 'amended by reform-changes' in rules[0][4],
          rules[:1])
    # rd_min_expense and first_honor_reward_amount are --set; rd_base_cap keeps its status under its new value
    check_assumed(dom, [('rd_base_rate', '研发费用基础补贴比例', ['2%']),
                        ('rd_incremental_rate', '研发费用增量补贴比例', ['10%']),
                        ('rd_base_cap', '基础补贴上限', ['1,500,000.00 元']),
                        ('rd_incremental_cap', '增量补贴上限', ['1,000,000.00 元']),
                        ('county_bonus_amount', '县区新增奖励金额', ['100,000.00 元'])])
    check('changes: the reform\'s version', '版本 version 7' in dom.by_id.get('table-source', ''))


def test_unlabelled(browser, tmp):
    """examples/school-meals: no entity with a label, no document status.  Records are shown by their id
    alone, the warning lists only the 2 assumed parameters of its policy.xml, --set shows before -> after."""
    meals = os.path.join(SRC, 'examples', 'school-meals')
    policy = os.path.join(meals, 'policy.xml')
    path = os.path.join(tmp, 'meals.html')
    p = subprocess.run([ZJTX, 'simulate', '--policy', policy, '--reform', policy, '--set', 'meal_rate_per_day=6',
                        '--facts', os.path.join(meals, 'facts.json'), '--quiet', '--report', path],
                       capture_output=True, text=True, timeout=120)
    check('meals: simulate --report exit 0', p.returncode == 0, p.stderr)
    rc, out, err = chromium(browser, 'file://' + path, '--dump-dom')
    dom = Dom()
    dom.feed(out)
    winners = rows(dom, 'table-winners')
    with open(os.path.join(meals, 'facts.json'), encoding='utf-8') as f:
        facts = json.load(f)
    schools = {x['id'] for x in facts['schools']}
    districts = {x['id'] for x in facts['districts']}
    check('meals: a record without a label is shown by its id (entity and id, district id)',
          winners and all(len(r) == 7 and r[2].startswith('school ') and r[2][7:] in schools and r[3] in districts
                          for r in winners), winners)
    check('meals: no document warning without a status', 'warning-document' not in dom.by_id)
    check_assumed(dom, [('meal_subsidy_cap_per_school', '单校年度营养膳食补助上限', ['400,000.00 元']),
                        ('canteen_operation_grant', '偏远学区食堂运营补助',
                         ['hill：20,000.00 元', 'mountain：30,000.00 元'])])
    params = rows(dom, 'table-param-changes')
    check('meals: --set meal_rate_per_day 5.00 (then 6.00 from 2025-09-01) -> 6.00',
          len(params) == 1 and params[0][1] == '--set' and '5.00 元' in params[0][2] and
          '自 2025-09-01' in params[0][2] and params[0][4] == '6.00 元', params)


def main():
    browser = find_chromium()
    if not browser:
        print('SKIP: chromium is not installed (build-aux/setup.sh installs it)')
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        return run_groups((test_uplift, test_escaping, test_reform_changes, test_unlabelled), browser, tmp)


if __name__ == '__main__':
    sys.exit(main())
