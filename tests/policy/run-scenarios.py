#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run the hand-worked policy scenarios against the zjtx command line.

    run-scenarios.py ZJTX_BINARY POLICY_FILE SCENARIO_DIR
    run-scenarios.py --uscc CODE [CODE ...]

The second form prints complete credit codes for test data: CODE is the
first 17 characters (the check character is appended) or the first 16 (the
organisation-code check character, GB 11714, is appended first).


SCENARIO_DIR holds, for each scenario NAME:
  NAME.json           facts (the JSON carrier of facts.md)
  NAME.expected.json  {"entitlements": [...], "violations": [...],
                       "_working": [...], optional "args": [...]}
and SCENARIO_DIR/bad/ holds invalid facts:
  NAME.json           facts with exactly one problem
  NAME.expect.txt     one substring per non-empty line; each must appear on
                      stderr (the offending value), and the exit status must
                      be non-zero.

A directory holding facts.json and expected.json (an example) is one more
scenario.  Each scenario runs
  ZJTX_BINARY evaluate --policy POLICY_FILE --facts NAME.json --format json [args]
and its entitlements (rule, beneficiary, id, amount), violations (check,
id) and undecided results (rule or check, id, and the set of missing inputs
entity/id/field; none when the expectation lists none) must equal the
expected ones as multisets: order is irrelevant, amount strings are compared
exactly.  Each scenario runs twice: through the JSON carrier and through the
same facts written as a CSV directory (one file per plural, children with
their parent's id, null or an absent key as an empty cell), which must give
the same results.  Keys starting with "_" are comments.  Every
enterprise id of a scenario must be a valid credit code (a check on the test
data itself).

Prints one line per failure (expected vs actual), then "N passed, N failed";
the exit status is 1 when anything failed.  Python 3 standard library only.
"""
import collections
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

TIMEOUT_S = 60

# GB 32100-2015 unified social credit code: 18 characters, the last a check
# character over the first 17 with weights 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714-1997 organization code (positions 9..17): 8 characters + check.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(code17):
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_check_char(body8):
    total = 0
    for c, w in zip(body8, ORG_WEIGHTS):
        total += (int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w
    r = 11 - total % 11
    return "X" if r == 10 else ("0" if r == 11 else str(r))


def uscc_is_valid(code):
    return (isinstance(code, str) and len(code) == 18
            and all(c in USCC_ALPHABET for c in code)
            and uscc_check_char(code[:17]) == code[17])


def uscc_complete(code):
    """17 characters -> 18 with the check character.  Given 16 characters
    (registration authority, type, division, 8-character organisation body),
    the organisation-code check character is added first."""
    code = code.upper()
    if len(code) == 16:
        code += org_check_char(code[8:16])
    if len(code) != 17 or any(c not in USCC_ALPHABET for c in code):
        raise ValueError("need 16 or 17 characters of %s: %r" % (USCC_ALPHABET, code))
    return code + uscc_check_char(code)


# --------------------------------------------------------------------------

def run(binary, policy, facts, extra):
    cmd = [binary, "evaluate", "--policy", policy, "--facts", facts, "--format", "json"] + extra
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, b"", ("timed out after %d s" % TIMEOUT_S).encode()
    except OSError as e:
        return None, b"", str(e).encode()
    return p.returncode, p.stdout, p.stderr


def short(b, limit=300):
    s = b.decode("utf-8", "replace").strip().replace("\n", " | ")
    return s if len(s) <= limit else s[:limit] + "..."


def ent_key(e):
    return (e.get("rule"), e.get("beneficiary"), e.get("id"))


def fmt_ent(e):
    return "%s %s %s" % ent_key(e)


def compare_entitlements(name, expected, actual, fail):
    """One failure line per (rule, beneficiary, id) whose amounts differ."""
    exp = collections.defaultdict(list)
    act = collections.defaultdict(list)
    for e in expected:
        exp[ent_key(e)].append(e.get("amount"))
    for e in actual:
        if not isinstance(e, dict):
            fail("%s: entitlement is not an object: %r" % (name, e))
            continue
        act[ent_key(e)].append(e.get("amount"))
    ok = True
    for key in sorted(set(exp) | set(act), key=lambda k: tuple(str(x) for x in k)):
        a = sorted(str(x) for x in exp.get(key, []))
        b = sorted(str(x) for x in act.get(key, []))
        if a != b:
            ok = False
            fail("%s: entitlement %s %s %s: expected %s, actual %s"
                 % ((name,) + tuple(key) + (", ".join(a) or "(none)", ", ".join(b) or "(none)")))
    for e in actual:
        if isinstance(e, dict) and not isinstance(e.get("amount"), str):
            ok = False
            fail("%s: entitlement %s: amount is not a string: %r"
                 % (name, fmt_ent(e), e.get("amount")))
    return ok


def compare_violations(name, expected, actual, fail):
    exp = collections.Counter((v.get("check"), v.get("id")) for v in expected)
    act = collections.Counter()
    for v in actual:
        if not isinstance(v, dict):
            fail("%s: violation is not an object: %r" % (name, v))
            continue
        act[(v.get("check"), v.get("id"))] += 1
    ok = True
    for key in sorted(set(exp) | set(act), key=lambda k: tuple(str(x) for x in k)):
        if exp[key] != act[key]:
            ok = False
            fail("%s: violation %s %s: expected %s, actual %s"
                 % (name, key[0], key[1],
                    "%d time(s)" % exp[key] if exp[key] else "(none)",
                    "%d time(s)" % act[key] if act[key] else "(none)"))
    return ok


def undecided_key(u):
    missing = frozenset((m.get("entity"), m.get("id"), m.get("field")) for m in u.get("missing", []))
    return (u.get("rule", u.get("check")), u.get("id"), missing)


def compare_undecided(name, expected, actual, fail):
    exp = collections.Counter(undecided_key(u) for u in expected)
    act = collections.Counter(undecided_key(u) for u in actual if isinstance(u, dict))
    ok = True
    for key in sorted(set(exp) | set(act), key=lambda k: (str(k[0]), str(k[1]), sorted(map(str, k[2])))):
        if exp[key] != act[key]:
            ok = False
            fail("%s: undecided %s %s missing %s: expected %s, actual %s"
                 % (name, key[0], key[1], sorted("/".join(map(str, m)) for m in key[2]),
                    "%d time(s)" % exp[key] if exp[key] else "(none)",
                    "%d time(s)" % act[key] if act[key] else "(none)"))
    return ok


def policy_layout(binary, policy):
    """{plural: parent entity name or None} from `zjtx check` (a child's
    parent key is named after its parent in the policies tested here)."""
    p = subprocess.run([binary, "check", "--policy", policy], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT_S)
    layout = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        m = re.match(r"^\s+(\w+)\s+\((\w+)(?:, child of (\w+))?\):", line)
        if m:
            layout[m.group(2)] = m.group(3)
    return layout


def write_csv_dir(facts, layout, out_dir):
    """The JSON carrier's facts as a CSV directory; the period is dropped
    (CSV has no place for it: it goes on the command line)."""
    tables = {}

    def cell(v):
        return "true" if v is True else "false" if v is False else "" if v is None else str(v)

    def add(plural, record, parent_name, parent_id):
        row = {k: v for k, v in record.items() if not isinstance(v, list)}
        if parent_name:
            row = dict({parent_name: parent_id}, **row)
        tables.setdefault(plural, []).append(row)
        for child_plural, children in ((k, v) for k, v in record.items() if isinstance(v, list)):
            for child in children:
                add(child_plural, child, layout.get(child_plural), record.get("id"))

    for plural, records in facts.items():
        if isinstance(records, list):
            for rec in records:
                add(plural, rec, None, None)
    for plural, rows in tables.items():
        header = list(dict.fromkeys(k for r in rows for k in r))
        with open(os.path.join(out_dir, plural + ".csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows([[cell(r.get(k)) for k in header] for r in rows])


def lint_facts(name, facts, fail):
    """The test data itself: every enterprise id a valid credit code."""
    ok = True
    for e in facts.get("enterprises", []):
        if not uscc_is_valid(e.get("id")):
            fail("%s: scenario data error: enterprise id %r is not a valid credit code"
                 % (name, e.get("id")))
            ok = False
    return ok


def run_scenario(binary, policy, facts_path, exp_path, name, fail):
    try:
        with open(exp_path, encoding="utf-8") as f:
            expected = json.load(f)
        with open(facts_path, encoding="utf-8") as f:
            facts = json.load(f)
    except (OSError, ValueError) as e:
        fail("%s: cannot read scenario: %s" % (name, e))
        return False
    if not lint_facts(name, facts, fail):
        return False
    ok = check_run(binary, policy, facts_path, expected, facts, name, fail)
    with tempfile.TemporaryDirectory() as tmp:
        write_csv_dir(facts, policy_layout(binary, policy), tmp)
        period = ["--period", str(facts["period"])] if "period" in facts else []
        ok &= check_run(binary, policy, tmp, expected, facts, name + " (CSV)", fail, period)
    return ok


def check_run(binary, policy, facts_path, expected, facts, name, fail, extra=()):
    rc, out, err = run(binary, policy, facts_path, list(expected.get("args", [])) + list(extra))
    if rc != 0:
        fail("%s: expected exit status 0, actual %s; stderr: %s" % (name, rc, short(err)))
        return False
    try:
        result = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        fail("%s: output is not JSON (%s): %s" % (name, e, short(out)))
        return False
    if not isinstance(result, dict):
        fail("%s: output is not a JSON object: %s" % (name, short(out)))
        return False
    ok = True
    want_period = str(facts.get("period", "2025"))
    if "period" in result and str(result["period"]) != want_period:
        fail("%s: period: expected %s, actual %s" % (name, want_period, result["period"]))
        ok = False
    ents = result.get("entitlements")
    viols = result.get("violations")
    if not isinstance(ents, list) or not isinstance(viols, list):
        fail("%s: output lacks the entitlements and violations arrays: %s" % (name, short(out)))
        return False
    ok &= compare_entitlements(name, expected.get("entitlements", []), ents, fail)
    ok &= compare_violations(name, expected.get("violations", []), viols, fail)
    ok &= compare_undecided(name, expected.get("undecided", []), result.get("undecided", []), fail)
    return ok


def run_bad(binary, policy, d, name, fail):
    facts_path = os.path.join(d, name + ".json")
    try:
        with open(os.path.join(d, name + ".expect.txt"), encoding="utf-8") as f:
            needles = [line.strip() for line in f if line.strip()]
    except OSError as e:
        fail("bad/%s: cannot read expectation: %s" % (name, e))
        return False
    rc, out, err = run(binary, policy, facts_path, [])
    stderr = err.decode("utf-8", "replace")
    if rc is None or rc == 0:
        fail("bad/%s: expected a non-zero exit status, actual %s; stderr: %s"
             % (name, rc, short(err)))
        return False
    if rc < 0:
        fail("bad/%s: expected an error exit, actual death by signal %d; stderr: %s"
             % (name, -rc, short(err)))
        return False
    ok = True
    for needle in needles:
        if needle not in stderr:
            fail("bad/%s: expected stderr to contain %r, actual: %s" % (name, needle, short(err)))
            ok = False
    return ok


def names_in(d, suffix):
    if not os.path.isdir(d):
        return []
    return sorted(f[:-len(suffix)] for f in os.listdir(d) if f.endswith(suffix))


def main(argv):
    if len(argv) >= 2 and argv[1] == "--uscc":
        for code in argv[2:]:
            print(uscc_complete(code))
        return 0
    if len(argv) != 4:
        sys.stderr.write("usage: %s ZJTX_BINARY POLICY_FILE SCENARIO_DIR\n"
                         "       %s --uscc CODE ...\n" % (argv[0], argv[0]))
        return 2
    binary, policy, d = argv[1], argv[2], argv[3]
    failures = []

    def fail(msg):
        failures.append(msg)
        print("FAIL " + msg, flush=True)

    passed = failed = 0
    good = names_in(d, ".expected.json")
    pairs = [(name, os.path.join(d, name + ".json"), os.path.join(d, name + ".expected.json"))
             for name in good]
    # An example directory: facts.json with expected.json.
    if os.path.isfile(os.path.join(d, "facts.json")) and os.path.isfile(os.path.join(d, "expected.json")):
        pairs.append(("facts", os.path.join(d, "facts.json"), os.path.join(d, "expected.json")))
    for name in names_in(d, ".json"):
        if name.endswith(".expected") or name in good or name in ("facts", "expected"):
            continue
        fail("%s: no %s.expected.json" % (name, name))
        failed += 1
    for name, facts_path, exp_path in pairs:
        if run_scenario(binary, policy, facts_path, exp_path, name, fail):
            passed += 1
        else:
            failed += 1
    bad_dir = os.path.join(d, "bad")
    for name in names_in(bad_dir, ".expect.txt"):
        if run_bad(binary, policy, bad_dir, name, fail):
            passed += 1
        else:
            failed += 1
    if passed + failed == 0:
        fail("no scenarios in %s" % d)
        failed = 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
