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
CACHE = os.environ.get('ZJTX_NPM_CACHE') or os.path.join(
    os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache'), 'zjtx-test-npm')
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
    if os.path.isdir(mod):
        return CACHE
    os.makedirs(CACHE, exist_ok=True)
    try:
        p = subprocess.run(['npm', 'install', '--prefix', CACHE, '--no-audit', '--no-fund', '--silent', VALIDATOR],
                           capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        return None
    return CACHE if p.returncode == 0 and os.path.isdir(mod) else None


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
