# SPDX-License-Identifier: LGPL-2.1-or-later
"""zjtx serve, driven from outside as a client would: every endpoint, evaluate's answer equal to
`zjtx evaluate --format json`, each error status with its body, the bearer token, SIGHUP with a good
and a broken policy, SIGTERM with requests in flight, 16 concurrent clients."""
import copy
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'cli'))
from zjtxtest import FACTS, POLICY, SRC, ZJTX, check, run, run_groups  # noqa: E402

EXPECTED = os.path.join(SRC, 'examples', 'huaian-2025', 'expected.json')
REFORM = os.path.join(SRC, 'examples', 'reforms', 'srdi-uplift-2.xml')
BASE_ID = 'huaian-2025-srdi'
REFORM_ID = 'reform-srdi-uplift-2'


def policies_dir(tmp):
    """A folder as a deployment would have it: the policy, the file it extends, a reform of it."""
    d = os.path.join(tmp, 'policies')
    os.makedirs(d)
    for name in ('huaian-2025.xml', 'rd-base.xml'):
        shutil.copy(os.path.join(SRC, 'rules', name), d)
    with open(REFORM, encoding='utf-8') as f:
        text = f.read().replace('extends="../../rules/huaian-2025.xml"', 'extends="huaian-2025.xml"')
    with open(os.path.join(d, 'srdi-uplift-2.xml'), 'w', encoding='utf-8') as f:
        f.write(text)
    return d


class Server:
    """One `zjtx serve` on a free port, its stderr collected."""

    def __init__(self, pdir, *args):
        self.proc = subprocess.Popen([ZJTX, 'serve', '--policies', pdir, '--listen', '127.0.0.1:0', *args],
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.port = None
        got = threading.Event()

        def read():
            for line in self.proc.stderr:
                self.lines.append(line)
                m = re.search(r'\(port (\d+)\)', line)
                if m and not self.port:
                    self.port = int(m.group(1))
                    got.set()
            got.set()
        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        got.wait(30)

    def request(self, method, path, body=None, headers=None, timeout=60):
        c = http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def json(self, method, path, body=None, headers=None):
        status, _, data = self.request(method, path, body, headers)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, data

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.reader.join(5)
        return rc

    def log(self):
        return ''.join(self.lines)


def read_bytes(path):
    with open(path, 'rb') as f:
        return f.read()


def cli_json(*extra, facts=FACTS):
    rc, out, err = run('evaluate', '--policy', POLICY, '--facts', facts, '--format', 'json', '-q', *extra)
    return out.encode('utf-8')


def one_enterprise_docs():
    """A facts document per enterprise of the example (with the counties it refers to)."""
    with open(FACTS, encoding='utf-8') as f:
        doc = json.load(f)
    docs = []
    for e in doc['enterprises']:
        one = {'period': doc['period'], 'counties': copy.deepcopy(doc['counties']), 'enterprises': [e]}
        docs.append(json.dumps(one, ensure_ascii=False).encode('utf-8'))
    return docs


def big_doc(n):
    """n enterprises: the example's first enterprise, with new valid credit codes."""
    with open(FACTS, encoding='utf-8') as f:
        doc = json.load(f)
    e0 = doc['enterprises'][0]
    alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    out = []
    for i in range(n):
        body = '91320812MA%07d' % i
        s = sum(alphabet.index(c) * w for c, w in zip(body, weights))
        code = body + alphabet[(31 - s % 31) % 31]
        e = copy.deepcopy(e0)
        e['id'] = code
        for k in ('honors', 'loans', 'guarantees', 'projects'):
            for j, child in enumerate(e.get(k, [])):
                if 'id' in child:
                    child['id'] = '%s-%d-%d' % (k, i, j)
        out.append(e)
    doc['enterprises'] = out
    return json.dumps(doc, ensure_ascii=False).encode('utf-8')


# ---- the endpoints ---------------------------------------------------------

def test_endpoints(srv, tmp):
    status, body = srv.json('GET', '/healthz')
    check('healthz', status == 200 and body == {'status': 'ok'}, body)
    status, body = srv.json('GET', '/readyz')
    check('readyz: ready with 3 policies', status == 200 and body['status'] == 'ready' and body['policies'] == 3,
          body)
    status, body = srv.json('GET', '/v1/policies')
    ids = [p['id'] for p in body['policies']]
    check('policies: the three files, by file name', ids == [BASE_ID, 'huaian-rd-base', REFORM_ID], ids)
    p = body['policies'][0]
    check('policies: version, titles, default period', p['version'] == '2025.1' and
          p['title']['zh'] == '2025年淮安市专精特新企业高质量发展行动方案' and p['default_period'] == '2025', p)
    check('policies: assumed parameters listed', 'rd_base_rate' in p['assumed_parameters'], p)
    status, d = srv.json('GET', '/v1/policies/' + BASE_ID)
    rules = [r['id'] for r in d['rules']]
    check('policy: rules', status == 200 and {'rd_base_subsidy', 'rd_incremental_subsidy', 'cluster_reward'} <=
          set(rules), rules)
    r = next(r for r in d['rules'] if r['id'] == 'rd_base_subsidy')
    check('policy: rule clause 三(六)', r['clause'] == '三(六)', r)
    params = {x['id']: x for x in d['parameters']}
    check('policy: rd_base_rate assumed, with its values', params['rd_base_rate']['status'] == 'assumed' and
          params['rd_base_rate']['values'], params.get('rd_base_rate'))
    ents = {e['name']: e for e in d['entities']}
    check('policy: entities', {'county', 'cluster', 'enterprise', 'honor', 'loan', 'guarantee', 'project'} <=
          set(ents), list(ents))
    fields = {f['name']: f for f in ents['loan']['fields']}
    check('policy: loan.purpose codes (facts.md)', fields['purpose'].get('codes') ==
          ['equipment', 'working_capital', 'other'], fields.get('purpose'))
    check('policy: optional and required fields', fields['interest_paid']['required'] is False and
          fields['principal']['required'] is True, fields)
    status, d = srv.json('GET', '/v1/policies/huaian-2025')
    check('policy by file name', status == 200 and d['id'] == BASE_ID, status)
    check_schema(srv)
    status, headers, data = srv.request('GET', '/v1/openapi.json')
    doc = json.loads(data)
    check('openapi 3.1', status == 200 and doc['openapi'].startswith('3.1'), doc.get('openapi'))
    for path in ('/v1/policies', '/v1/policies/{id}', '/v1/policies/{id}/facts-schema', '/v1/policies/{id}/evaluate',
                 '/v1/policies/{id}/explain', '/v1/policies/{id}/simulate', '/healthz', '/readyz', '/metrics'):
        check('openapi describes ' + path, path in doc['paths'], list(doc['paths']))
    status, headers, data = srv.request('GET', '/metrics')
    text = data.decode()
    check('metrics: Prometheus text', status == 200 and headers.get('Content-Type', '').startswith('text/plain') and
          '# TYPE zjtx_http_requests_total counter' in text and 'zjtx_policies_loaded 3' in text, text[:300])
    check('metrics: requests by route and status',
          'zjtx_http_requests_total{route="/v1/policies/{id}",status="200"}' in text, text[:800])
    check('metrics: latency histogram', 'zjtx_http_request_duration_seconds_bucket{le="+Inf"}' in text, text[:300])


def check_schema(srv):
    status, headers, data = srv.request('GET', '/v1/policies/%s/facts-schema' % BASE_ID)
    s = json.loads(data)
    check('facts-schema: a 2020-12 JSON Schema', status == 200 and s['$schema'].endswith('2020-12/schema'), s.get('$schema'))
    top = s['properties']
    check('facts-schema: top-level arrays counties, enterprises', {'period', 'counties', 'enterprises'} == set(top),
          list(top))
    honor = s['$defs']['honor']['properties']
    check('facts-schema: honor levels of facts.md', honor['level']['enum'] ==
          ['innovative_sme', 'srdi_sme', 'little_giant', 'single_champion'], honor.get('level'))
    check('facts-schema: a child leaves out its parent key', 'enterprise' not in honor, list(honor))
    ent = s['$defs']['enterprise']
    check('facts-schema: enterprise nests honors', ent['properties']['honors']['items'] == {'$ref': '#/$defs/honor'},
          ent['properties'].get('honors'))
    check('facts-schema: required fields', 'id' in ent['required'] and 'revenue' not in ent['required'], ent['required'])
    rev = ent['properties']['revenue']
    check('facts-schema: an optional field accepts null', {'type': 'null'} in rev['anyOf'], rev)
    check('facts-schema: count is a non-negative integer', ent['properties']['invention_patents']['anyOf'][1] ==
          {'type': 'integer', 'minimum': 0, 'x-zjtx-type': 'count'} or
          ent['properties']['invention_patents']['anyOf'][1].get('minimum') == 0, ent['properties']['invention_patents'])


def test_evaluate(srv, tmp):
    facts = read_bytes(FACTS)
    path = '/v1/policies/%s/evaluate' % BASE_ID
    status, headers, data = srv.request('POST', path, facts, {'Content-Type': 'application/json'})
    check('evaluate: 200', status == 200, data[:300])
    check('evaluate: the same bytes as zjtx evaluate --format json', data == cli_json(), data[:300])
    with open(EXPECTED, encoding='utf-8') as f:
        expected = json.load(f)
    got = json.loads(data)
    want = sorted((e['rule'], e['id'], e['amount']) for e in expected['entitlements'])
    check('evaluate: the hand-worked entitlements of examples/huaian-2025', sorted(
        (e['rule'], e['id'], e['amount']) for e in got['entitlements']) == want, got['entitlements'][:3])
    check('evaluate: "undecided" present', 'undecided' in got, list(got))
    status, headers, data = srv.request('POST', path + '?explain=true&receipt=true', facts)
    check('evaluate --explain --receipt: same bytes', data == cli_json('--explain', '--receipt'), data[:200])
    status, headers, data = srv.request('POST', path + '?set=rd_base_rate=3&period=2025', facts)
    check('evaluate --set rd_base_rate=3: same bytes', status == 200 and
          data == cli_json('--set', 'rd_base_rate=3', '--period', '2025'), data[:200])
    doc = json.loads(facts)
    doc['_options'] = {'set': {'rd_base_rate': '3'}, 'receipt': True}
    status, headers, data = srv.request('POST', path, json.dumps(doc, ensure_ascii=False).encode())
    got = json.loads(data)
    ref = json.loads(cli_json('--set', 'rd_base_rate=3', '--receipt'))
    check('evaluate: options in the body', status == 200 and got['entitlements'] == ref['entitlements'] and
          got['receipt']['policy'] == ref['receipt']['policy'], data[:200])
    # rd_base_subsidy of 91320812MA0GWJDM0C at 3 % instead of 2 % (+1 point SRDI): 21,500,000 x 4 % = 860,000
    e = next((x for x in got['entitlements'] if x['rule'] == 'rd_base_subsidy' and x['id'] == '91320812MA0GWJDM0C'),
             None)
    check('evaluate --set: 21,500,000.00 x (3 % + 1 %) = 860,000.00', e and e['amount'] == '860000.00', e)


def test_explain_simulate(srv, tmp):
    facts = read_bytes(FACTS)
    ent = '91320812MA0GWJDM0C'
    status, headers, data = srv.request('POST', '/v1/policies/%s/explain?entity=enterprise&id=%s' % (BASE_ID, ent),
                                        facts)
    rc, out, err = run('explain', '--policy', POLICY, '--facts', FACTS, '--entity', 'enterprise', '--id', ent,
                       '--format', 'json')
    check('explain: the same bytes as zjtx explain --format json', status == 200 and data == out.encode(), data[:300])
    d = json.loads(data)
    rules = {r['rule']: r for r in d['rules']}
    # clause 三(六): 21,500,000.00 x (2 % + 1 % SRDI uplift) = 645,000.00
    r = rules.get('rd_base_subsidy')
    check('explain: rd_base_subsidy entitled, 645,000.00', r and r['outcome'] == 'entitled' and
          r['amount'] == '645000.00', r)
    status, d = srv.json('POST', '/v1/policies/%s/explain?entity=enterprise&id=91320812MALEUJYQ25&rule=rd_base_subsidy'
                         % BASE_ID, facts)
    r = d['rules'][0] if status == 200 and len(d['rules']) == 1 else {}
    # rd_expense 450,000.00 against the 1,000,000.00 threshold: 550,000.00 short
    check('explain ?rule=: why not, with the gap', r.get('outcome') == 'not_entitled' and
          r['failed'][0]['gap'] == '550000.00', d)
    status, d = srv.json('POST', '/v1/policies/%s/explain?entity=enterprise&id=91320812MA0000000X' % BASE_ID, facts)
    check('explain of an unknown record: 404', status == 404 and d['error']['code'] == 'unknown_record', d)
    status, d = srv.json('POST', '/v1/policies/%s/explain?entity=enterprise' % BASE_ID, facts)
    check('explain without id: 400 missing_parameter', status == 400 and d['error']['code'] == 'missing_parameter', d)
    status, d = srv.json('POST', '/v1/policies/%s/explain?entity=firm&id=1' % BASE_ID, facts)
    check('explain of an unknown entity: 404', status == 404 and d['error']['code'] == 'unknown_entity', d)
    status, d = srv.json('POST', '/v1/policies/%s/simulate?reform=%s' % (BASE_ID, REFORM_ID), facts)
    t = d.get('total', {}) if isinstance(d, dict) else {}
    # tests/cli/test-simulate.py: srdi-uplift-2 adds 805,765.43 + 87,311.11 = 893,076.54
    check('simulate: the hand-worked totals of srdi-uplift-2', status == 200 and
          (t.get('base'), t.get('reform'), t.get('difference')) == ('32843533.33', '33736609.87', '893076.54'), t)
    rc, out, err = run('simulate', '--policy', POLICY, '--reform', REFORM, '--facts', FACTS, '--format', 'json', '-q')
    check('simulate: as zjtx simulate --format json', json.loads(out)['rules'] == d.get('rules'), out[:200])
    status, d = srv.json('POST', '/v1/policies/%s/simulate?reform=nope' % BASE_ID, facts)
    check('simulate: unknown reform 404', status == 404 and d['error']['code'] == 'unknown_reform', d)


def test_errors(srv, tmp):
    path = '/v1/policies/%s/evaluate' % BASE_ID
    status, d = srv.json('POST', path, b'{"enterprises": [\n  {"id": }\n]}')
    e = d['error']
    check('malformed JSON: 400 with line and column', status == 400 and e['code'] == 'invalid_facts' and
          e['line'] == 2 and e.get('column', 0) > 0, d)
    doc = json.loads(read_bytes(FACTS))
    doc['enterprises'][1]['revenue'] = '12.345'
    status, d = srv.json('POST', path, json.dumps(doc).encode())
    e = d['error']
    check('refused record: 400 naming record and field', status == 400 and e['code'] == 'refused_record' and
          e['record'] == doc['enterprises'][1]['id'] and e['field'] == 'revenue' and e['line'] > 0, d)
    status, d = srv.json('POST', '/v1/policies/nope/evaluate', read_bytes(FACTS))
    check('unknown policy: 404', status == 404 and d['error']['code'] == 'unknown_policy' and 'nope' in
          d['error']['message'], d)
    status, d = srv.json('POST', path + '?set=no_such_param=1', read_bytes(FACTS))
    check('unknown parameter: 400', status == 400 and d['error']['code'] == 'unknown_parameter' and
          d['error']['field'] == 'no_such_param', d)
    status, d = srv.json('POST', path + '?period=20x5', read_bytes(FACTS))
    check('bad period: 400', status == 400 and d['error']['code'] == 'bad_option', d)
    status, d = srv.json('POST', path, b'')
    check('empty body: 400', status == 400 and d['error']['code'] == 'missing_body', d)
    status, d = srv.json('GET', path)
    check('GET on evaluate: 405', status == 405 and d['error']['code'] == 'method_not_allowed', d)
    status, d = srv.json('GET', '/v2/nothing')
    check('unknown endpoint: 404', status == 404 and d['error']['code'] == 'not_found', d)
    # a declared length over the limit is refused before any of the body is read
    with socket.create_connection(('127.0.0.1', srv.port), timeout=30) as s:
        s.sendall(b'POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                  b'Content-Length: %d\r\n\r\n' % (path.encode(), 1024 * 1024 + 1))
        reply = read_error_reply(s)
    head, _, body = reply.partition(b'\r\n\r\n')
    check('body over --max-body 1M: 413 at once', head.startswith(b'HTTP/1.1 413') and
          json.loads(body)['error']['code'] == 'body_too_large', reply[:300])

    # a chunked body past the limit: read and dropped, then 413
    chunk = b'%x\r\n%s\r\n' % (65536, b' ' * 65536)
    with socket.create_connection(('127.0.0.1', srv.port), timeout=30) as s:
        s.sendall(b'POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' % path.encode())
        s.sendall(chunk * 24 + b'0\r\n\r\n')  # 1.5 MiB
        reply = read_error_reply(s)
    head, _, body = reply.partition(b'\r\n\r\n')
    check('chunked body over --max-body: 413', head.startswith(b'HTTP/1.1 413') and
          json.loads(body)['error']['code'] == 'body_too_large', reply[:300])
    # one that goes on past twice the limit is cut off
    with socket.create_connection(('127.0.0.1', srv.port), timeout=30) as s:
        s.sendall(b'POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' % path.encode())
        cut = False
        try:
            for _ in range(400):  # 25 MiB
                s.sendall(chunk)
        except OSError:
            cut = True
    check('an endless chunked body is cut off', cut)
    status, d = srv.json('GET', '/healthz')
    check('after the errors the server still serves', status == 200, d)


def read_error_reply(s):
    """What comes back on socket s until the end of a JSON error body ('}}') or the server closes."""
    reply = b''
    while b'}}' not in reply:
        more = s.recv(65536)
        if not more:
            break
        reply += more
    return reply


def raw(srv, data, timeout=30):
    """Sends bytes as they are; returns what comes back until the server closes or answers."""
    with socket.create_connection(('127.0.0.1', srv.port), timeout=timeout) as s:
        try:
            s.sendall(data)
            return s.recv(65536)
        except OSError:
            return b''


def test_hostile(srv, tmp):
    status, headers, data = srv.request('GET', '/v1/policies/%ff%fe%22x%0a')
    try:
        d = json.loads(data.decode('utf-8'))
    except ValueError:
        d = None
    check('bytes that are not UTF-8 in the path: 404 in valid JSON', status == 404 and d and
          d['error']['code'] == 'unknown_policy', data)
    check('a 100 KB URL: 414', raw(srv, b'GET /' + b'a' * 100000 + b' HTTP/1.1\r\nHost: x\r\n\r\n').startswith(
        b'HTTP/1.1 414'))
    big = b''.join(b'X-%d: %s\r\n' % (i, b'v' * 1000) for i in range(200))
    check('200 KB of headers: 431', raw(srv, b'GET /healthz HTTP/1.1\r\n' + big + b'\r\n').startswith(b'HTTP/1.1 431'))
    raw(srv, b'GARBAGE\r\n\r\n')
    raw(srv, b'\x00\xff' * 5000, timeout=1)  # no line end: the server waits for more, the client goes
    raw(srv, b'POST /v1/policies/%s/evaluate HTTP/1.1\r\nContent-Length: -1\r\n\r\n' % BASE_ID.encode())
    status, d = srv.json('POST', '/v1/policies/%s/evaluate' % BASE_ID, b'\xff\xfe{"enterprises": []}')
    check('a body that is not UTF-8: 400', status == 400 and d['error']['code'] == 'invalid_facts', d)
    status, d = srv.json('POST', '/v1/policies/%s/evaluate' % BASE_ID, b'[' * 100000)
    check('100,000 nested arrays: 400', status == 400 and d['error']['code'] == 'facts_limit', d)
    status, d = srv.json('POST', '/v1/policies/%s/evaluate?set=%%ff=1' % BASE_ID, read_bytes(FACTS))
    check('set= of bytes that are not UTF-8: 400', status == 400, d)
    status, d = srv.json('GET', '/healthz')
    check('after hostile requests the server still serves', status == 200, d)


def test_timeout(tmp):
    pdir = os.path.join(tmp, 'policies')
    srv = Server(pdir, '--timeout', '20ms', '--threads', '1')
    try:
        status, d = srv.json('POST', '/v1/policies/%s/evaluate' % BASE_ID, big_doc(3000))
        check('past --timeout: 503', status == 503 and d['error']['code'] == 'timeout', d)
        status, d = srv.json('GET', '/healthz')
        check('after a timeout the server still serves', status == 200, d)
        # a client that sends half its headers and stops is cut off after the idle timeout (1 s at least)
        with socket.create_connection(('127.0.0.1', srv.port), timeout=10) as s:
            s.sendall(b'POST /v1/policies/%s/evaluate HTTP/1.1\r\nHost: x\r\n' % BASE_ID.encode())
            start = time.time()
            try:
                closed = s.recv(100) is not None
            except OSError:
                closed = True
            waited = time.time() - start
        check('a slow client is cut off after the idle timeout', closed and waited < 5, waited)
    finally:
        check('timeout server stops with 0', srv.stop() == 0, srv.log())


def test_token(tmp):
    token = 'an-example-token-0123456789'
    tf = os.path.join(tmp, 'token')
    with open(tf, 'w') as f:
        f.write(token + '\n')
    srv = Server(os.path.join(tmp, 'policies'), '--token-file', tf)
    try:
        status, d = srv.json('GET', '/v1/policies')
        check('token: none given, 401', status == 401 and d['error']['code'] == 'unauthorized', d)
        status, headers, data = srv.request('GET', '/v1/policies', headers={'Authorization': 'Bearer wrong'})
        check('token: wrong, 401 with WWW-Authenticate', status == 401 and 'Bearer' in headers.get(
            'WWW-Authenticate', ''), headers)
        status, d = srv.json('GET', '/v1/policies', headers={'Authorization': 'Bearer ' + token[:-1]})
        check('token: a prefix of it, 401', status == 401, d)
        status, d = srv.json('GET', '/v1/policies', headers={'Authorization': 'Bearer ' + token})
        check('token: right, 200', status == 200 and len(d['policies']) == 3, d)
        status, d = srv.json('GET', '/healthz')
        check('token: health stays open', status == 200, d)
        status, d = srv.json('GET', '/readyz')
        check('token: readiness stays open', status == 200, d)
    finally:
        srv.stop()


def test_reload(tmp):
    pdir = os.path.join(tmp, 'reload')
    shutil.copytree(os.path.join(tmp, 'policies'), pdir)
    srv = Server(pdir, '--access-log', os.path.join(tmp, 'access.log'))
    target = os.path.join(pdir, 'huaian-2025.xml')
    try:
        with open(target, encoding='utf-8') as f:
            good = f.read()

        def version():
            status, d = srv.json('GET', '/v1/policies/' + BASE_ID)
            return d.get('version') if isinstance(d, dict) else None

        def reload_and_wait(n):
            srv.proc.send_signal(signal.SIGHUP)
            for _ in range(300):
                if sum('reloaded' in line for line in srv.lines) >= n:
                    return
                time.sleep(0.02)
        with open(target, 'w', encoding='utf-8') as f:
            f.write(good.replace('version="2025.1"', 'version="2025.2"', 1))
        reload_and_wait(1)
        check('SIGHUP: the new version serves', version() == '2025.2', version())
        status, d = srv.json('GET', '/readyz')
        check('SIGHUP good: ready', d['status'] == 'ready' and d['problems'] == [], d)
        with open(target, 'w', encoding='utf-8') as f:
            f.write(good.replace('<rule ', '<rule bad-attribute="x" ', 1))
        reload_and_wait(2)
        check('SIGHUP broken: the previous version keeps serving', version() == '2025.2', version())
        status, d = srv.json('GET', '/readyz')
        check('SIGHUP broken: /readyz degraded, naming the file', status == 200 and d['status'] == 'degraded' and
              d['problems'][0]['file'] == 'huaian-2025.xml' and d['problems'][0]['previous_kept'], d)
        check('SIGHUP broken: in the log', 'huaian-2025.xml' in srv.log() and 'previous version keeps serving' in
              srv.log(), srv.log())
        status, headers, data = srv.request('POST', '/v1/policies/%s/evaluate' % BASE_ID, read_bytes(FACTS))
        check('SIGHUP broken: evaluate still answers as before', status == 200 and data == cli_json(), data[:200])
    finally:
        srv.stop()
    with open(os.path.join(tmp, 'access.log'), encoding='utf-8') as f:
        lines = [json.loads(line) for line in f]
    check('access log: one JSON line per request', len(lines) >= 5 and all(
        {'time', 'method', 'route', 'status', 'duration_ms', 'policy', 'bytes_in', 'bytes_out'} <= set(x)
        for x in lines), lines[:2])
    check('access log: never the facts', not any('91320812MA0GWJDM0C' in json.dumps(x) for x in lines), lines[-1])


def test_sigterm_in_flight(tmp):
    srv = Server(os.path.join(tmp, 'policies'), '--threads', '1')
    body = big_doc(3000)
    results = []
    first = threading.Event()

    def client():
        status, headers, data = srv.request('POST', '/v1/policies/%s/evaluate' % BASE_ID, body, timeout=120)
        results.append((status, time.time(), data))
        first.set()
    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    first.wait(120)  # one worker: the three others are still in flight
    signalled = time.time()
    rc = srv.stop()
    for t in threads:
        t.join(120)
    check('SIGTERM: exit status 0', rc == 0, srv.log())
    check('SIGTERM: every request in flight answered 200', len(results) == 4 and all(r[0] == 200 for r in results),
          [r[0] for r in results])
    check('SIGTERM: some answered after the signal (they were in flight)', any(r[1] > signalled for r in results),
          [round(r[1] - signalled, 3) for r in results])
    check('SIGTERM: the answers are complete', all(len(json.loads(r[2])['entitlements']) >= 3000 for r in results
                                                   if r[0] == 200), '')
    try:
        c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=5)
        c.request('GET', '/healthz')
        c.getresponse()
        refused = False
    except OSError:
        refused = True
    check('SIGTERM: new connections refused once stopped', refused)


def test_concurrency(srv, tmp):
    docs = one_enterprise_docs()
    answers = []
    for i, doc in enumerate(docs):
        path = os.path.join(tmp, 'one-%d.json' % i)
        with open(path, 'wb') as f:
            f.write(doc)
        answers.append(cli_json(facts=path))
    failures = []

    def client(k):
        c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=60)
        for j in range(200):
            i = (k + j) % len(docs)
            c.request('POST', '/v1/policies/%s/evaluate' % BASE_ID, body=docs[i])
            r = c.getresponse()
            data = r.read()
            if r.status != 200 or data != answers[i]:
                failures.append((k, j, r.status, data[:200]))
        c.close()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(16)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    check('16 clients x 200 requests: every answer as the CLI gives it', not failures, failures[:3])
    print('16 x 200 evaluate requests in %.1f s' % (time.time() - start))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        pdir = policies_dir(tmp)
        rc, out, err = run('serve', '--policies', pdir, '--max-body', 'lots')
        check('serve: a bad --max-body is a usage error', rc == 2 and 'max-body' in err, err)
        rc, out, err = run('serve')
        check('serve: --policies is required', rc == 2, err)
        srv = Server(pdir, '--threads', '2', '--max-body', '1M')
        if not srv.port:
            check('server started', False, srv.log())
            srv.stop()
            return run_groups([])
        try:
            for t in (test_endpoints, test_evaluate, test_explain_simulate, test_errors, test_hostile, test_concurrency):
                try:
                    t(srv, tmp)
                except Exception as e:
                    check(t.__name__ + ' raised', False, repr(e))
        finally:
            check('server stops with 0 on SIGTERM', srv.stop() == 0, srv.log())
        return run_groups([test_timeout, test_token, test_reload, test_sigterm_in_flight], tmp)


if __name__ == '__main__':
    sys.exit(main())
