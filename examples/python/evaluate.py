#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""evaluate.py - evaluate a policy over facts with the zjtx package and say why.

usage: evaluate.py POLICY.xml FACTS.json|FACTS_DIR
e.g.   evaluate.py rules/huaian-2025.xml examples/huaian-2025/facts.json
"""
import sys

import zjtx

try:
    with zjtx.Policy.load(sys.argv[1]) as policy, policy.load_facts(sys.argv[2]) as facts:
        with policy.evaluate(facts) as result:
            for e in result.entitlements:
                print(e.rule, e.beneficiary, e.id, e.amount)  # e.amount: a decimal.Decimal
            print(f"{len(result.entitlements)} entitlements, total {result.total()} yuan")
            print("why:", result.explain(result.entitlements[0])["text_zh"])
except zjtx.Error as err:  # file, line, column and message of what was wrong
    sys.exit(f"{err.file}:{err.line}:{err.column}: {err.message}")
