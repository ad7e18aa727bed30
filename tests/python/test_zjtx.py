# SPDX-License-Identifier: LGPL-2.1-or-later
"""test_zjtx.py - the Python package zjtx against the built library.

Run by `meson test` (tests/python/meson.build) with PYTHONPATH at
bindings/python and ZJTX_LIBRARY at the built libzjtx.  Expected values
are the hand-worked ones of examples/huaian-2025/expected.json and
tests/policy/scenarios/missing-data.expected.json, or worked out in the
comments from the policy text (rules/huaian-2025.xml).
"""
from __future__ import annotations

import gc
import itertools
import json
import os
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest

import zjtx

SRC = Path(os.environ.get("ZJTX_SRCDIR", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ["ZJTX_BUILDDIR"]) if os.environ.get("ZJTX_BUILDDIR") else None
POLICY = SRC / "rules" / "huaian-2025.xml"
FACTS = SRC / "examples" / "huaian-2025" / "facts.json"
EXPECTED = json.loads((SRC / "examples" / "huaian-2025" / "expected.json").read_text(encoding="utf-8"))
E1 = "91320812MA0GWJDM0C"  # the sample's first enterprise


def cli_env():
    """The environment for the zjtx command: without the sanitizer runtime
    preloaded into Python under ASan (the command carries its own)."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


@pytest.fixture(scope="module")
def policy():
    with zjtx.Policy.load(POLICY) as p:
        yield p


@pytest.fixture(scope="module")
def facts(policy):
    with policy.load_facts(FACTS) as f:
        yield f


def rows(result):
    return sorted((e.rule, e.beneficiary, e.id, str(e.amount)) for e in result.entitlements)


# ---- the sample: 36 entitlements and 4 violations worked by hand ---------

def test_sample_entitlements(policy, facts):
    with policy.evaluate(facts) as result:
        expected = sorted((e["rule"], e["beneficiary"], e["id"], e["amount"]) for e in EXPECTED["entitlements"])
        assert len(result.entitlements) == 36
        assert rows(result) == expected
        assert result.period == "2025"
        assert result.policy_id == "huaian-2025-srdi"


def test_sample_violations(policy, facts):
    with policy.evaluate(facts) as result:
        assert sorted((v.check, v.id) for v in result.violations) == \
            sorted((v["check"], v["id"]) for v in EXPECTED["violations"])
        assert result.undecided == []


def test_amounts_are_exact(policy, facts):
    with policy.evaluate(facts) as result:
        first = result.entitlements[0]
        # rd_base_subsidy: 21,500,000.00 x (2% + 1% SRDI uplift) = 645,000.00
        assert (first.rule, first.beneficiary, first.id) == ("rd_base_subsidy", "enterprise", E1)
        assert first.amount == Decimal("645000.00") and isinstance(first.amount, Decimal)
        assert first.fen == 64500000 and isinstance(first.fen, int)
        for e in result.entitlements:
            assert e.amount * 100 == e.fen
        assert result.total() == sum(Decimal(e["amount"]) for e in EXPECTED["entitlements"])


def test_params_override_one_key(policy, facts):
    # cluster_reward_amount[provincial] 500,000 -> 600,000: county 320812's one
    # provincial first-time cluster of 2025 (CL-320812-01) gets 600,000.00;
    # the national ones (320803, 320831) keep 1,000,000.00.
    with policy.evaluate(facts, params={("cluster_reward_amount", "provincial"): "600000"}) as result:
        clusters = {e.id: e.amount for e in result.entitlements if e.rule == "cluster_reward"}
        assert clusters == {"320812": Decimal("600000.00"), "320803": Decimal("1000000.00"),
                            "320831": Decimal("1000000.00")}


def test_to_json_is_the_cli_json(policy, facts):
    if BUILD is None:
        pytest.skip("ZJTX_BUILDDIR not set")
    cli = subprocess.run([str(BUILD / "tools" / "zjtx"), "evaluate", "-q", f"--policy={POLICY}", f"--facts={FACTS}",
                          "--format=json"], stdout=subprocess.PIPE, check=True, env=cli_env()).stdout.decode("utf-8")
    with policy.evaluate(facts) as result:
        assert result.to_json() == cli


def test_to_json_with_undecided_is_the_cli_json(policy):
    if BUILD is None:
        pytest.skip("ZJTX_BUILDDIR not set")
    facts_path = SRC / "tests" / "policy" / "scenarios" / "missing-data.json"
    cli = subprocess.run([str(BUILD / "tools" / "zjtx"), "evaluate", "-q", f"--policy={POLICY}",
                          f"--facts={facts_path}", "--format=json"], stdout=subprocess.PIPE,
                         env=cli_env()).stdout.decode("utf-8")
    with policy.load_facts(facts_path) as f, policy.evaluate(f) as result:
        assert '"missing": [{"entity": ' in cli
        assert result.to_json() == cli


def test_explain(policy, facts):
    with policy.evaluate(facts) as result:
        why = result.explain(result.entitlements[0])
        assert why["kind"] == "rule" and why["value"] == "645000.00"
        assert "研发费用" in why["text_zh"]
        assert result.explain(0) == why
        violation = result.explain(result.violations[0])
        assert violation["label"].startswith("srdi_loan_rate_cap LN-E02-1")


def test_versions():
    assert zjtx.library_version() == zjtx.__version__  # the source tree's package: the library's version
    assert zjtx.__version__.count(".") == 2


def test_rules_and_titles_in_chinese(policy):
    assert policy.id == "huaian-2025-srdi"
    assert policy.title("zh") == "2025年淮安市专精特新企业高质量发展行动方案"
    rule = policy.rule("cluster_reward")
    assert (rule.kind, rule.title, rule.clause, rule.subject) == \
        ("entitlement", "中小企业特色产业集群奖励", "三(六)", "county")
    assert policy.rule("srdi_loan_rate_cap").kind == "check"
    assert "cluster_reward" in [r.id for r in policy.rules]
    with pytest.raises(zjtx.NotFoundError):
        policy.rule("no_such_rule")


def test_field_values(policy, facts):
    assert facts.field_value("enterprise", E1, "name") == "淮安恒达精密机械股份有限公司"
    assert facts.field_value("enterprise", E1, "revenue") == "386000000.00"
    assert facts.field_value("enterprise", E1, "cnc_rate") == "86.5"
    assert facts.field_value("loan", "LN-E01-1", "enterprise") == E1
    assert facts.count("enterprise") == 12 and facts.period == "2025"
    with pytest.raises(zjtx.NotFoundError):
        facts.field_value("enterprise", E1, "no_such_field")


# ---- missing data: undecided items ---------------------------------------

def test_undecided():
    scenario = SRC / "tests" / "policy" / "scenarios"
    expected = json.loads((scenario / "missing-data.expected.json").read_text(encoding="utf-8"))
    with zjtx.Policy.load(POLICY) as p, p.load_facts(scenario / "missing-data.json") as f, p.evaluate(f) as r:
        assert rows(r) == sorted((e["rule"], e["beneficiary"], e["id"], e["amount"]) for e in expected["entitlements"])
        got = [(u.rule, u.entity, u.id, [(m.entity, m.id, m.field) for m in u.missing]) for u in r.undecided]
        want = [(u["rule"], u["beneficiary"], u["id"], [(m["entity"], m["id"], m["field"]) for m in u["missing"]])
                for u in expected["undecided"]]
        assert sorted(got) == sorted(want) and len(got) == 5  # the expected file lists them sorted
        # 155's rd_expense_prev is null in the facts: read back as missing
        assert f.field_value("enterprise", "91320812MA1MQQQ155", "rd_expense_prev") is None


# ---- threads sharing one policy and one set of facts ---------------------

def test_threads_share_a_policy(policy, facts):
    expected = sorted((e["rule"], e["beneficiary"], e["id"], e["amount"]) for e in EXPECTED["entitlements"])
    got, errors = [], []

    def work(threads):
        try:
            for _ in range(3):
                with policy.evaluate(facts, threads=threads) as r:
                    got.append(rows(r))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    workers = [threading.Thread(target=work, args=(1 + i % 2,)) for i in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert len(got) == 24 and all(g == expected for g in got)


# ---- objects freed in any order ------------------------------------------

@pytest.mark.parametrize("order", list(itertools.permutations(["policy", "facts", "result"])))
def test_any_close_order(order):
    objs = {"policy": zjtx.Policy.load(POLICY)}
    objs["facts"] = objs["policy"].load_facts(FACTS)
    objs["result"] = objs["policy"].evaluate(objs["facts"])
    for name in order:
        if name == "result":
            continue
        objs[name].close()
    # the result still reads its ids (from the facts) and explains
    assert objs["result"].entitlements[0].id == E1
    assert objs["result"].explain(0)["value"] == "645000.00"
    for name in order:
        objs[name].close()
        objs[name].close()  # twice is harmless


def test_garbage_collected_first():
    def make():
        p = zjtx.Policy.load(POLICY)
        return p.evaluate(p.load_facts(FACTS))  # policy and facts unreachable at return

    result = make()
    gc.collect()
    assert len(result.entitlements) == 36 and result.entitlements[0].id == E1
    del result
    gc.collect()


def test_closed_object_raises(policy):
    f = policy.load_facts(FACTS)
    f.close()
    with pytest.raises(zjtx.InvalidArgumentError):
        policy.evaluate(f)


# ---- errors carry file, line, column and message -------------------------

def test_missing_policy_file():
    with pytest.raises(zjtx.FileError) as e:
        zjtx.Policy.load(SRC / "no-such-policy.xml")
    assert e.value.file.endswith("no-such-policy.xml") and e.value.code == -2


def test_policy_error_position():
    xml = POLICY.read_text(encoding="utf-8").replace(": cluster_reward_amount[c.level])",
                                                     ": cluster_reward_amont[c.level])")
    with pytest.raises(zjtx.PolicyError) as e:
        zjtx.Policy.from_string(xml, "huaian-typo.xml", base_dir=SRC / "rules")
    err = e.value
    assert err.file == "huaian-typo.xml" and err.line == 226 and err.column > 0
    assert "cluster_reward_amont" in err.message
    assert str(err).startswith(f"huaian-typo.xml:226:{err.column}: ")
    assert isinstance(err, zjtx.Error)


def test_schema_error_position():
    with pytest.raises(zjtx.SchemaError) as e:
        zjtx.Policy.from_string("<policy id='x'>\n  <nonsense/>\n</policy>\n", "tiny.xml")
    assert e.value.file == "tiny.xml" and e.value.line in (1, 2) and e.value.message


def test_facts_error_position(policy):
    text = ('{"period": "2025", "counties": [{"id": "320812", "name": "清江浦区"}],\n'
            '"enterprises": [\n'
            f'{{"id": "{E1}", "name": "恒达", "county": "320812", "revenue": "12.345"}}]}}\n')
    with pytest.raises(zjtx.FactsError) as e:
        policy.facts_from_json(text, "inline.json")
    err = e.value
    assert err.file == "inline.json" and err.line == 3
    assert 'field "revenue": "12.345" is not money with at most 2 decimals' in err.message
    assert len(err.problems) == 1


def test_keep_going(policy, tmp_path):
    # two enterprises, the second with money of three decimals: refused,
    # the first kept (rd_expense 2,000,000.00 x 2% = 40,000.00, not SRDI)
    path = tmp_path / "dirty.json"
    path.write_text('{"period": "2025", "counties": [{"id": "320812", "name": "清江浦区"}], "enterprises": ['
                    f'{{"id": "{E1}", "name": "恒达", "county": "320812", "rd_expense": "2000000.00",'
                    ' "rd_expense_prev": "2000000.00"},'
                    '{"id": "91320812MA1MQQQ155", "name": "坏", "county": "320812", "revenue": "1.005"}]}',
                    encoding="utf-8")
    with pytest.raises(zjtx.FactsError) as e:
        policy.load_facts(path)
    assert e.value.file == str(path) and '"1.005"' in e.value.message
    with policy.load_facts(path, keep_going=True) as f, policy.evaluate(f) as r:
        assert f.rejects == 1 and f.count("enterprise") == 1
        assert [(x.rule, x.id, x.amount) for x in r.entitlements] == [("rd_base_subsidy", E1, Decimal("40000.00"))]


def test_facts_from_json_in_chinese(policy):
    text = ('{"period": "2025", "counties": [{"id": "320812", "name": "清江浦区"}], "enterprises": '
            f'[{{"id": "{E1}", "name": "淮安恒达", "county": "320812"}}]}}')
    with policy.facts_from_json(text) as f:
        assert f.field_value("county", "320812", "name") == "清江浦区"
        assert f.field_value("enterprise", E1, "revenue") is None


def test_bad_options(policy, facts):
    with pytest.raises(zjtx.InvalidArgumentError):
        policy.evaluate(facts, period="twenty")
    with pytest.raises(zjtx.Error) as e:
        policy.evaluate(facts, params={"no_such_parameter": "1"})
    assert "no_such_parameter" in str(e.value)


# ---- the example a newcomer copies ---------------------------------------

def test_example_evaluate_py():
    out = subprocess.run([sys.executable, str(SRC / "examples" / "python" / "evaluate.py"), str(POLICY), str(FACTS)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout.decode("utf-8")
    lines = out.splitlines()
    assert lines[0] == "rd_base_subsidy enterprise 91320812MA0GWJDM0C 645000.00"
    assert len([line for line in lines if line.count(" ") == 3]) == 36
    total = sum(Decimal(e["amount"]) for e in EXPECTED["entitlements"])
    assert f"36 entitlements, total {total} yuan" in lines
    assert any(line.startswith("why: ") for line in lines)
