#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Batch benchmark: zjtx against the hand-written C reference, same files,
same run.  A benchmark, not a test: it prints numbers, checks that both
compute the same totals, and says which of issue 10's targets are met.

    bench.py ZJTX BENCH_EVAL POLICY [--shared DIR] [--sizes 100000,1000000]
             [--work DIR] [--runs N] [--no-json] [--reform FILE | --no-reform]
             [--before BENCH_EVAL POLICY]

DIR is the shared bench folder (genpop.py, params.json, ref/): the
population generator and the reference are used from there, never copied.

Each round runs, one after the other so that all see the same machine: the
reference, `zjtx evaluate` through CSV, through JSON (the same population
as one document), and `zjtx simulate` with the reform (by default the
example reform next to the policy's examples).  Medians of 5 rounds (3 at
1,000,000 enterprises and above; --runs N for any other number).  Eval-only
(bench-eval: the facts already in memory, best of 5 evaluations) runs on 1
and 2 threads once per round too.  --before times eval-only with another
build (its bench-eval and its policy file), interleaved with this one, and
prints the ratio: how a change moved evaluation speed.
"""
import argparse
import collections
import decimal
import os
import re
import subprocess
import sys
import time


def run_measured(cmd, stdout_path=None):
    """Runs cmd; returns (wall seconds, peak RSS in MiB, stderr text)."""
    out = open(stdout_path, 'wb') if stdout_path else subprocess.DEVNULL
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    if stdout_path:
        out.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit('bench: %s failed (%d): %s' % (' '.join(cmd), code, err.decode(errors='replace')[-2000:]))
    return wall, usage.ru_maxrss / 1024.0, err.decode(errors='replace')


def ref_totals(path):
    totals = {}
    for line in open(path, encoding='utf-8'):
        f = line.rstrip('\n').split('\t')
        if f[0] == 'total':
            totals[f[1]] = (int(f[2]), None if f[3] == '-' else decimal.Decimal(f[3]))
    return totals


def zjtx_totals(path):
    """Totals per rule from `zjtx evaluate --format csv` output."""
    import csv
    counts = collections.Counter()
    sums = collections.defaultdict(decimal.Decimal)
    with open(path, newline='', encoding='utf-8') as f:
        for row in csv.DictReader(f):
            counts[row['rule']] += 1
            if row['type'] == 'entitlement':
                sums[row['rule']] += decimal.Decimal(row['amount'])
    return {r: (counts[r], sums[r] if r in sums else None) for r in counts}


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def ensure_population(a, n, fmt):
    path = os.path.join(a.work, 'pop-%d' % n + ('.json' if fmt == 'json' else ''))
    if not os.path.exists(os.path.join(path, 'enterprises.csv') if fmt == 'csv' else path):
        print('bench: generating %d enterprises (%s)…' % (n, fmt), file=sys.stderr)
        subprocess.check_call([sys.executable, os.path.join(a.shared, 'genpop.py'), '--enterprises', str(n),
                               '--seed', a.seed, '--format', fmt, '--out', path])
    return path


def check_totals(what, ref_out, z_out):
    """Whether zjtx's output has the reference's totals (each difference printed)."""
    rt, zt = ref_totals(ref_out), zjtx_totals(z_out)
    same = all(zt.get(rule, (0, None)) == v for rule, v in rt.items())
    if not same:
        for rule, v in sorted(rt.items()):
            print('bench: %s %-32s ref %s zjtx %s' % (what, rule, v, zt.get(rule)), file=sys.stderr)
    return same


def one_size(a, n):
    """Every measure at one size, interleaved round by round."""
    pop = ensure_population(a, n, 'csv')
    doc = ensure_population(a, n, 'json') if a.json else None
    runs = a.runs or (3 if n >= 1000000 else 5)
    ref_out, z_out = os.path.join(a.work, 'ref-%d.txt' % n), os.path.join(a.work, 'zjtx-%d.csv' % n)
    j_out = os.path.join(a.work, 'zjtx-json-%d.csv' % n)
    m = collections.defaultdict(list)
    evaluate = [a.zjtx, 'evaluate', '--quiet', '--policy', a.policy, '--format', 'csv', '--facts']
    for _ in range(runs):
        wall, rss, err = run_measured([a.ref, '--params', os.path.join(a.shared, 'params.json'), '--period', '2025',
                                       '--csv', pop], ref_out)
        m['ref'].append((wall, rss, float(re.search(r'eval_s=([\d.]+)', err).group(1))))
        m['csv'].append(run_measured(evaluate + [pop], z_out))
        if doc:
            m['json'].append(run_measured(evaluate + [doc], j_out))
        if a.reform:
            m['sim'].append(run_measured([a.zjtx, 'simulate', '--quiet', '--policy', a.policy, '--reform', a.reform,
                                          '--facts', pop, '--format', 'json'], os.devnull))
        for threads in (1, 2):
            m['eval%d' % threads].append(eval_only(a.bench_eval, a.policy, pop, threads))
        if a.before:
            m['before'].append(eval_only(a.before[0], a.before[1], pop, 1))
    r = {'n': n, 'runs': runs, 'same': check_totals('csv', ref_out, z_out)}
    if doc:
        r['same'] = check_totals('json', ref_out, j_out) and r['same']
    r['ref_wall'], r['ref_rss'] = median([x[0] for x in m['ref']]), max(x[1] for x in m['ref'])
    r['ref_eval'] = median([x[2] for x in m['ref']])
    for k in ('csv', 'json', 'sim'):
        if m[k]:
            r[k + '_wall'], r[k + '_rss'] = median([x[0] for x in m[k]]), max(x[1] for x in m[k])
    for k in ('eval1', 'eval2', 'before'):
        if m[k]:
            r[k] = median(m[k])
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('zjtx')
    ap.add_argument('bench_eval')
    ap.add_argument('policy')
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.normpath(os.path.join(here, '..', '..'))
    ap.add_argument('--shared', default=os.path.normpath(os.path.join(top, '..', 'shared', 'bench')))
    ap.add_argument('--sizes', default='100000,1000000')
    ap.add_argument('--work', default=os.path.join(os.environ.get('TMPDIR', '/tmp'), 'zjtx-bench'))
    ap.add_argument('--runs', type=int, default=0, help='rounds per size (default 5, 3 at 1M and above)')
    ap.add_argument('--seed', default='20250301')
    ap.add_argument('--no-json', dest='json', action='store_false')
    ap.add_argument('--json', action='store_true', help=argparse.SUPPRESS)  # the default; kept for old commands
    ap.add_argument('--reform', default=os.path.join(top, 'examples', 'reforms', 'srdi-uplift-2.xml'))
    ap.add_argument('--no-reform', dest='reform', action='store_const', const=None)
    ap.add_argument('--before', nargs=2, metavar=('BENCH_EVAL', 'POLICY'))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    a.ref = os.path.join(a.work, 'ref')
    if not os.path.exists(a.ref):
        subprocess.check_call(['cc', '-std=c11', '-O2', '-o', a.ref, os.path.join(a.shared, 'ref', 'ref.c')])
    rows = [one_size(a, int(x)) for x in a.sizes.split(',')]
    print_main(rows)
    print_more(rows)
    print_targets(rows)
    return 0 if all(r['same'] for r in rows) else 1


def print_main(rows):
    print('| enterprises | same totals | zjtx wall s | ref wall s | wall ratio | zjtx ent/s e2e | '
          'eval-only ent/s 1 thread | 2 threads | ref eval ent/s | eval ratio (1 thread) | '
          'zjtx peak MiB | ref peak MiB | memory ratio |')
    print('|' + '---:|' * 13)
    for r in rows:
        n = r['n']
        print('| {:,} | {} | {:.3f} | {:.3f} | {:.2f} | {:,.0f} | {:,.0f} | {:,.0f} | {:,.0f} | {:.2f} | {:.0f} | {:.0f} | {:.2f} |'
              .format(n, 'yes' if r['same'] else 'NO', r['csv_wall'], r['ref_wall'], r['csv_wall'] / r['ref_wall'],
                      n / r['csv_wall'], n / r['eval1'], n / r['eval2'], n / r['ref_eval'],
                      r['eval1'] / r['ref_eval'], r['csv_rss'], r['ref_rss'], r['csv_rss'] / r['ref_rss']))


def eval_only(bench_eval, policy, pop, threads):
    """Best of 5 evaluations of the facts already in memory, in seconds."""
    out = subprocess.check_output([bench_eval, policy, pop, '5', str(threads)], text=True)
    return float(re.search(r'evaluate_s ([\d.]+)', out).group(1))


def print_against_csv(rows, key, header):
    """Wall time and peak memory of measure `key` against the CSV evaluate's."""
    if not any(key + '_wall' in m for m in rows):
        return
    print('\n' + header)
    print('|' + '---:|' * 7)
    for m in rows:
        print('| {:,} | {:.3f} | {:.3f} | {:.2f} | {:.0f} | {:.0f} | {:.2f} |'.format(
            m['n'], m['csv_wall'], m[key + '_wall'], m[key + '_wall'] / m['csv_wall'], m['csv_rss'],
            m[key + '_rss'], m[key + '_rss'] / m['csv_rss']))


def print_more(rows):
    print_against_csv(rows, 'json', '| enterprises | CSV wall s | JSON wall s | JSON/CSV wall | CSV peak MiB | '
                      'JSON peak MiB | JSON/CSV peak |')
    print_against_csv(rows, 'sim', '| enterprises | evaluate wall s | simulate wall s | ratio | evaluate peak MiB | '
                      'simulate peak MiB | ratio |')
    if any('before' in m for m in rows):
        print('\n| enterprises | eval-only s, this build | eval-only s, --before | this / before |')
        print('|' + '---:|' * 4)
        for m in rows:
            print('| {:,} | {:.4f} | {:.4f} | {:.3f} |'.format(m['n'], m['eval1'], m['before'],
                                                                m['eval1'] / m['before']))


def print_targets(rows):
    """Issue 10's targets, each with what was measured and whether it is met."""
    checks = []
    for r in rows:
        n = '{:,}'.format(r['n'])
        checks.append(('end to end through CSV, %s' % n, r['csv_wall'] / r['ref_wall'], '<=', 1.0, 'x reference'))
        checks.append(('eval-only on 1 thread, %s' % n, r['eval1'] / r['ref_eval'], '<=', 1.25, 'x reference'))
        if r['n'] >= 1000000:
            checks.append(('peak memory, %s' % n, r['csv_rss'], '<=', r['ref_rss'], 'MiB (the reference\'s)'))
            if 'json_wall' in r:
                checks.append(('JSON wall time, %s' % n, r['json_wall'] / r['csv_wall'], '<=', 2.0, 'x CSV'))
                checks.append(('JSON peak memory, %s' % n, r['json_rss'] / r['csv_rss'], '<=', 1.5, 'x CSV'))
            if 'sim_wall' in r:
                checks.append(('simulate time, %s' % n, r['sim_wall'] / r['csv_wall'], '<=', 1.6, 'x evaluate'))
                checks.append(('simulate memory, %s' % n, r['sim_rss'] / r['csv_rss'], '<=', 1.2, 'x evaluate'))
        checks.append(('same totals as the reference, %s' % n, 1.0 if r['same'] else 0.0, '>=', 1.0, ''))
    print('\n| target | measured | limit | met |')
    print('|---|---:|---:|:---:|')
    for what, value, op, limit, unit in checks:
        met = value <= limit if op == '<=' else value >= limit
        if unit:
            print('| {} | {:.2f} | {} {:.2f} {} | {} |'.format(what, value, op, limit, unit, 'yes' if met else 'NO'))
        else:
            print('| {} | {} | | {} |'.format(what, 'yes' if value else 'NO', 'yes' if met else 'NO'))


if __name__ == '__main__':
    sys.exit(main())
