"""Time to load a 1,000-rule policy file, and per-expression parse time.

Run:  .venv/bin/python benchmarks/bench_policyfile.py [--rules 1000] [--repeats 5]

Baselines in the same run: ``tomllib.loads`` of the same text (the TOML parse
alone), and building the same `Policy` from Python objects (validation and
compilation without any text).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import tomllib
from collections.abc import Callable

from escalation_rules import Policy, dump, loads, parse_condition
from escalation_rules import __version__ as version

EXPRESSIONS = [
    'priority == "P1"',
    'priority in ["P1", "P2"] and customer.tier == "enterprise"',
    'category == "billing" and (tags contains "vip" or customer.value > 10000) and not '
    "exists(attributes.refund)",
    'since("last_customer_message") >= 4h and not breached("first_response")',
]


def make_text(n: int) -> str:
    """A policy with three levels and *n* rules of every kind, as TOML."""
    lines = [
        '[policy]\nname = "big"\n',
        '[[levels]]\nid = "L1"\nname = "One"\nrank = 1\nowner = "a"\n'
        'targets = { time_at_level = "2h", resolution = { P1 = "4h", "*" = "1d" } }\n',
        '[[levels]]\nid = "L2"\nname = "Two"\nrank = 2\nowner = "b"\n'
        'targets = { time_at_level = "8h", resolution = { P1 = "8h", "*" = "2d" } }\n',
        '[[levels]]\nid = "L3"\nname = "Three"\nrank = 3\nowner = "c"\n',
    ]
    for i in range(n):
        kind = i % 5
        if kind == 0:
            body = (
                f'type = "route"\nwhen = \'category == "cat-{i}" and priority in ["P1", "P2"]\'\n'
                f'to = "team-{i}"'
            )
        elif kind == 1:
            body = (
                f'type = "escalate"\nwhen = \'customer.tier == "tier-{i}" and '
                f'customer.value > {i}\'\nto = "L2"'
            )
        elif kind == 2:
            body = (
                f'type = "notify"\nwhen = \'tags contains "t{i}"\'\n'
                f'at = {{ sla = "resolution", share = "{50 + i % 50}%" }}'
            )
        elif kind == 3:
            body = f'type = "escalate"\nat = {{ after = "{1 + i % 12}h", since = "created" }}\n' + (
                f'when = \'product == "p{i}" or language == "de"\''
            )
        else:
            body = f'type = "escalate"\non = "manager_requested"\nwhen = \'team == "team-{i}"\''
        lines.append(f'[[rules]]\nname = "r{i}"\n{body}\n')
    return "\n".join(lines)


def best(fn: Callable[[], object], repeats: int, number: int = 1) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    text = make_text(args.rules)
    policy = loads(text)
    assert len(policy.rules) == args.rules
    assert loads(dump(policy)) == policy, "round trip"
    levels, rules = policy.levels, policy.rules
    print(
        f"escalation_rules {version}, Python {platform.python_version()}, {platform.machine()}; "
        f"{args.rules} rules, {len(text):,} bytes of TOML; median of {args.repeats}"
    )
    print()
    rows = [
        ("loads(): TOML text to a checked Policy", best(lambda: loads(text), args.repeats)),
        ("baseline: tomllib.loads alone", best(lambda: tomllib.loads(text), args.repeats)),
        (
            "baseline: Policy(...) from Python objects",
            best(lambda: Policy(levels, rules, name="big"), args.repeats),
        ),
        ("dump(): Policy to TOML text", best(lambda: dump(policy), args.repeats)),
    ]
    print("| step                                          | seconds |")
    print("|-----------------------------------------------|---------|")
    for label, seconds in rows:
        print(f"| {label:<45} | {seconds:7.3f} |")
    print()
    print("| expression (parse_condition)                                   |   us |")
    print("|----------------------------------------------------------------|------|")
    for expr in EXPRESSIONS:
        us = best(lambda e=expr: parse_condition(e), args.repeats, 2000) * 1e6
        shown = expr if len(expr) <= 62 else expr[:59] + "..."
        print(f"| {shown:<62} | {us:4.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
