# SPDX-License-Identifier: LGPL-2.1-or-later
"""GET /v1/openapi.json of a running `zjtx serve`, validated by @apidevtools/swagger-parser (an
OpenAPI 3.1 validator, installed once with npm into a cache folder); then a client that knows only
the description finds evaluate, explain and the facts schema in it and calls them.  Exit 77 (skipped)
when npm or its registry cannot be reached."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'cli'))
import importlib  # noqa: E402
from zjtxtest import FACTS, check, run_groups  # noqa: E402

serve = importlib.import_module('test-serve')
VALIDATOR = '@apidevtools/swagger-parser@12'
AJV = 'ajv@8'  # a JSON Schema 2020-12 validator, for the facts schema
CACHE = os.environ.get('ZJTX_NPM_CACHE') or os.path.join(
    os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache'), 'zjtx-test-npm')
FACTS_SCRIPT = r'''
const Ajv2020 = require("ajv/dist/2020");
const fs = require("fs");
const validate = new Ajv2020({strict: false, allErrors: true}).compile(JSON.parse(fs.readFileSync(process.argv[2])));
for (const f of process.argv.slice(3)) {
  const ok = validate(JSON.parse(fs.readFileSync(f)));
  console.log((ok ? "valid " : "invalid ") + f + (ok ? "" : " " + JSON.stringify(validate.errors[0])));
}
'''
SCRIPT = r'''
const SwaggerParser = require("@apidevtools/swagger-parser");
SwaggerParser.validate(process.argv[2]).then(
  api => { console.log("valid " + api.openapi + " " + Object.keys(api.paths).length); },
  err => { console.error(err.message); process.exit(1); });
'''


def validator():
    """The folder holding the validator, installed on first use; None when it cannot be had."""
    if not shutil.which('npm') or not shutil.which('node'):
        return None
    mod = os.path.join(CACHE, 'node_modules', '@apidevtools', 'swagger-parser')
    if os.path.isdir(mod) and os.path.isdir(os.path.join(CACHE, 'node_modules', 'ajv')):
        return CACHE
    os.makedirs(CACHE, exist_ok=True)
    try:
        p = subprocess.run(['npm', 'install', '--prefix', CACHE, '--no-audit', '--no-fund', '--silent', VALIDATOR, AJV],
                           capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        return None
    return CACHE if p.returncode == 0 and os.path.isdir(mod) else None


def check_facts_schema(tmp, where, schema):
    """The facts schema, in a JSON Schema 2020-12 validator (ajv): the sample facts pass; a bad code, a
    missing required field and money as a binary float fail; an optional field may be null."""
    with open(FACTS, encoding='utf-8') as f:
        good = json.load(f)
    cases = {'good': good}
    bad = json.loads(json.dumps(good))
    bad['enterprises'][0]['honors'][0]['level'] = 'gold_medal'
    cases['bad-code'] = bad
    bad = json.loads(json.dumps(good))
    del bad['enterprises'][0]['id']
    cases['no-id'] = bad
    bad = json.loads(json.dumps(good))
    bad['enterprises'][0]['rd_expense'] = 12.5
    cases['float'] = bad
    ok = json.loads(json.dumps(good))
    ok['enterprises'][0]['revenue'] = None
    cases['null-optional'] = ok
    paths = []
    for name, doc in cases.items():
        paths.append(os.path.join(tmp, name + '.json'))
        with open(paths[-1], 'w', encoding='utf-8') as f:
            json.dump(doc, f, ensure_ascii=False)
    spath = os.path.join(tmp, 'schema.json')
    with open(spath, 'w', encoding='utf-8') as f:
        json.dump(schema, f, ensure_ascii=False)
    script = os.path.join(where, 'validate-facts.js')
    with open(script, 'w') as f:
        f.write(FACTS_SCRIPT)
    p = subprocess.run(['node', script, spath, *paths], capture_output=True, text=True, timeout=60, cwd=where)
    verdict = {os.path.basename(line.split()[1])[:-5]: line.split()[0] for line in p.stdout.splitlines()}
    check('facts schema: the sample facts are valid', verdict.get('good') == 'valid', p.stdout + p.stderr)
    check('facts schema: an optional field may be null', verdict.get('null-optional') == 'valid', p.stdout)
    for name in ('bad-code', 'no-id', 'float'):
        check('facts schema: %s is invalid' % name, verdict.get(name) == 'invalid', p.stdout)


def main():
    where = validator()
    if not where:
        print('npm or its registry is unreachable: skipped')
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        srv = serve.Server(serve.policies_dir(tmp))
        try:
            status, headers, data = srv.request('GET', '/v1/openapi.json')
            path = os.path.join(tmp, 'openapi.json')
            with open(path, 'wb') as f:
                f.write(data)
            script = os.path.join(where, 'validate.js')
            with open(script, 'w') as f:
                f.write(SCRIPT)
            p = subprocess.run(['node', script, path], capture_output=True, text=True, timeout=60, cwd=where)
            check('swagger-parser validates /v1/openapi.json', p.returncode == 0 and 'valid 3.1' in p.stdout,
                  p.stdout + p.stderr)
            api = json.loads(data)
            # a client that has only the description: the operations by their operationId
            ops = {op['operationId']: (method.upper(), path_)
                   for path_, item in api['paths'].items() for method, op in item.items()}
            status, d = srv.json('GET', '/v1/policies')
            pid = d['policies'][0]['id']
            method, p_ = ops['getFactsSchema']
            status, schema = srv.json(method, p_.replace('{id}', pid))
            check('client: facts schema via its operationId', status == 200 and 'enterprises' in schema['properties'],
                  status)
            check_facts_schema(tmp, where, schema)
            method, p_ = ops['evaluate']
            with open(FACTS, 'rb') as f:
                facts = f.read()
            status, res = srv.json(method, p_.replace('{id}', pid), facts)
            check('client: evaluate via its operationId', status == 200 and len(res['entitlements']) == 36, status)
            method, p_ = ops['explain']
            ent = res['entitlements'][-1]
            status, ex = srv.json(method, p_.replace('{id}', pid) + '?entity=%s&id=%s' % (ent['beneficiary'], ent['id']),
                                  facts)
            check('client: explain via its operationId', status == 200 and ex['rules'], status)
        finally:
            srv.stop()
    return run_groups([])


if __name__ == '__main__':
    sys.exit(main())
