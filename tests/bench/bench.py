#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Batch benchmark: zjtx against the hand-written C reference, same files,
same run.  A benchmark, not a test: it prints numbers and checks only that
both compute the same totals.

    bench.py ZJTX BENCH_EVAL POLICY [--shared DIR] [--sizes 100000,1000000]
             [--work DIR] [--runs N] [--json] [--reform FILE]
             [--before BENCH_EVAL POLICY]

DIR is the shared bench folder (genpop.py, params.json, ref/): the
population generator and the reference are used from there, never copied.

--json also times the JSON carrier on the same population (its wall time
and peak memory against the CSV carrier's); --reform times `zjtx simulate`
with that reform against one `evaluate`; --before times eval-only with
another build (its bench-eval and its policy file), interleaved with this
one, and prints the ratio: how a change moved evaluation speed.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('zjtx')
    ap.add_argument('bench_eval')
    ap.add_argument('policy')
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument('--shared', default=os.path.normpath(os.path.join(here, '..', '..', '..', 'shared', 'bench')))
    ap.add_argument('--sizes', default='100000,1000000')
    ap.add_argument('--work', default=os.path.join(os.environ.get('TMPDIR', '/tmp'), 'zjtx-bench'))
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--seed', default='20250301')
    ap.add_argument('--json', action='store_true')
    ap.add_argument('--reform')
    ap.add_argument('--before', nargs=2, metavar=('BENCH_EVAL', 'POLICY'))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    ref = os.path.join(a.work, 'ref')
    if not os.path.exists(ref):
        subprocess.check_call(['cc', '-std=c11', '-O2', '-o', ref, os.path.join(a.shared, 'ref', 'ref.c')])
    rows, extra = [], []
    for n in [int(x) for x in a.sizes.split(',')]:
        pop = os.path.join(a.work, 'pop-%d' % n)
        if not os.path.exists(os.path.join(pop, 'enterprises.csv')):
            print('bench: generating %d enterprises…' % n, file=sys.stderr)
            subprocess.check_call([sys.executable, os.path.join(a.shared, 'genpop.py'), '--enterprises', str(n),
                                   '--seed', a.seed, '--format', 'csv', '--out', pop])
        ref_out, z_out = os.path.join(a.work, 'ref-%d.txt' % n), os.path.join(a.work, 'zjtx-%d.csv' % n)
        ref_runs, z_runs = [], []
        for _ in range(a.runs):  # interleaved, so both see the same machine
            wall, rss, err = run_measured([ref, '--params', os.path.join(a.shared, 'params.json'), '--period', '2025',
                                           '--csv', pop], ref_out)
            m = re.search(r'load_s=([\d.]+) eval_s=([\d.]+) emit_s=([\d.]+)', err)
            ref_runs.append((wall, rss, float(m.group(2))))
            wall, rss, _ = run_measured([a.zjtx, 'evaluate', '--quiet', '--policy', a.policy, '--facts', pop,
                                         '--format', 'csv'], z_out)
            z_runs.append((wall, rss))
        rt, zt = ref_totals(ref_out), zjtx_totals(z_out)
        same = all(zt.get(rule, (0, None)) == v for rule, v in rt.items())
        if not same:
            for rule, v in sorted(rt.items()):
                print('bench: %-32s ref %s zjtx %s' % (rule, v, zt.get(rule)), file=sys.stderr)
        evals = {}
        for threads in (1, 2):
            evals[threads] = eval_only(a.bench_eval, a.policy, pop, threads)
        extra.append(more_measures(a, n, pop, z_runs))
        rows.append(dict(n=n, same=same,
                         ref_wall=median([r[0] for r in ref_runs]), ref_rss=max(r[1] for r in ref_runs),
                         ref_eval=median([r[2] for r in ref_runs]),
                         z_wall=median([r[0] for r in z_runs]), z_rss=max(r[1] for r in z_runs),
                         z_eval1=evals[1], z_eval2=evals[2]))
    print('| enterprises | same totals | zjtx wall s | ref wall s | wall ratio | zjtx ent/s e2e | '
          'eval-only ent/s 1 thread | 2 threads | ref eval ent/s | eval ratio (1 thread) | '
          'zjtx peak MiB | ref peak MiB | memory ratio |')
    print('|' + '---:|' * 13)
    for r in rows:
        n = r['n']
        print('| {:,} | {} | {:.3f} | {:.3f} | {:.2f} | {:,.0f} | {:,.0f} | {:,.0f} | {:,.0f} | {:.2f} | {:.0f} | {:.0f} | {:.2f} |'
              .format(n, 'yes' if r['same'] else 'NO', r['z_wall'], r['ref_wall'], r['z_wall'] / r['ref_wall'],
                      n / r['z_wall'], n / r['z_eval1'], n / r['z_eval2'], n / r['ref_eval'],
                      r['z_eval1'] / r['ref_eval'], r['z_rss'], r['ref_rss'], r['z_rss'] / r['ref_rss']))
    print_more(extra)
    return 0 if all(r['same'] for r in rows) else 1


def eval_only(bench_eval, policy, pop, threads):
    """Best of 5 evaluations of the facts already in memory, in seconds."""
    out = subprocess.check_output([bench_eval, policy, pop, '5', str(threads)], text=True)
    return float(re.search(r'evaluate_s ([\d.]+)', out).group(1))


def more_measures(a, n, pop, csv_runs):
    """The JSON carrier, simulate, and eval-only against another build, as asked."""
    m = {'n': n, 'csv_wall': median([r[0] for r in csv_runs]), 'csv_rss': max(r[1] for r in csv_runs)}
    if a.json:
        doc = os.path.join(a.work, 'pop-%d.json' % n)
        if not os.path.exists(doc):
            subprocess.check_call([sys.executable, os.path.join(a.shared, 'genpop.py'), '--enterprises', str(n),
                                   '--seed', a.seed, '--format', 'json', '--out', doc])
        runs = [run_measured([a.zjtx, 'evaluate', '--quiet', '--policy', a.policy, '--facts', doc, '--format',
                              'csv'], os.path.join(a.work, 'zjtx-json-%d.csv' % n)) for _ in range(a.runs)]
        m['json_wall'], m['json_rss'] = median([r[0] for r in runs]), max(r[1] for r in runs)
    if a.reform:
        runs = [run_measured([a.zjtx, 'simulate', '--quiet', '--policy', a.policy, '--reform', a.reform, '--facts',
                              pop, '--format', 'json'], os.devnull) for _ in range(a.runs)]
        m['sim_wall'], m['sim_rss'] = median([r[0] for r in runs]), max(r[1] for r in runs)
    if a.before:
        now, before = [], []
        for _ in range(a.runs):  # interleaved
            now.append(eval_only(a.bench_eval, a.policy, pop, 1))
            before.append(eval_only(a.before[0], a.before[1], pop, 1))
        m['eval_now'], m['eval_before'] = median(now), median(before)
    return m


def print_more(extra):
    if any('json_wall' in m for m in extra):
        print('\n| enterprises | CSV wall s | JSON wall s | JSON/CSV wall | CSV peak MiB | JSON peak MiB | JSON/CSV peak |')
        print('|' + '---:|' * 7)
        for m in extra:
            print('| {:,} | {:.3f} | {:.3f} | {:.2f} | {:.0f} | {:.0f} | {:.2f} |'.format(
                m['n'], m['csv_wall'], m['json_wall'], m['json_wall'] / m['csv_wall'], m['csv_rss'], m['json_rss'],
                m['json_rss'] / m['csv_rss']))
    if any('sim_wall' in m for m in extra):
        print('\n| enterprises | evaluate wall s | simulate wall s | ratio | evaluate peak MiB | simulate peak MiB | ratio |')
        print('|' + '---:|' * 7)
        for m in extra:
            print('| {:,} | {:.3f} | {:.3f} | {:.2f} | {:.0f} | {:.0f} | {:.2f} |'.format(
                m['n'], m['csv_wall'], m['sim_wall'], m['sim_wall'] / m['csv_wall'], m['csv_rss'], m['sim_rss'],
                m['sim_rss'] / m['csv_rss']))
    if any('eval_now' in m for m in extra):
        print('\n| enterprises | eval-only s, this build | eval-only s, --before | this / before |')
        print('|' + '---:|' * 4)
        for m in extra:
            print('| {:,} | {:.4f} | {:.4f} | {:.3f} |'.format(m['n'], m['eval_now'], m['eval_before'],
                                                                m['eval_now'] / m['eval_before']))


if __name__ == '__main__':
    sys.exit(main())
