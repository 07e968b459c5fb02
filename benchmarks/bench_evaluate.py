"""Microseconds per ``Policy.evaluate`` next to a hand-written function making the same decision.

Run:  .venv/bin/python benchmarks/bench_evaluate.py [--number 20000] [--repeats 7]

The policy has 3 levels and 10 rules (routing, hierarchical, time-based); the issue
has 20 events. The baseline is a plain Python function written for this one policy,
returning the same actions. Both are checked to agree before they are timed.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from escalation_rules import (
    Customer,
    Event,
    EventKind,
    F,
    Issue,
    Level,
    Policy,
    after,
    escalate,
    hours,
    notify,
    route,
    sla,
)
from escalation_rules import __version__ as version

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_policy() -> Policy:
    return Policy(
        levels=[
            Level("L1", "Frontline", rank=1, owner="frontline", targets={"resolution": hours(2)}),
            Level(
                "L2", "Supervisor", rank=2, owner="supervisors", targets={"resolution": hours(8)}
            ),
            Level(
                "L3",
                "Senior management",
                rank=3,
                owner="management",
                targets={"resolution": hours(24)},
            ),
        ],
        rules=[
            route("billing", when=F.category == "billing", to="billing"),
            route("security", when=F.tags.contains("security"), to="security"),
            route("german", when=F.language == "de", to="dach-desk"),
            escalate(
                "enterprise-p1",
                to="L2",
                when=(F.customer.tier == "enterprise") & (F.priority == "P1"),
            ),
            escalate(
                "refund", to="L2", when=F.attributes.refund.exists() & (F.attributes.refund > 500)
            ),
            escalate("manager", on=EventKind.MANAGER_REQUESTED),
            notify(
                "no-reply",
                at=after(hours(4), since="last_customer_message"),
                when=F.priority.isin(["P1", "P2"]),
            ),
            escalate("stale", at=after(hours(6), since="last_customer_message")),
            notify("sla-warning", at=sla("resolution", 0.75)),
            escalate("sla-breach", at=sla("resolution", 1.0)),
        ],
    )


def make_issue() -> Issue:
    events = [Event(EventKind.CREATED, T0)]
    for i in range(1, 20):
        kind = EventKind.CUSTOMER_MESSAGE if i % 2 else EventKind.AGENT_REPLY
        events.append(Event(kind, T0 + timedelta(minutes=3 * i)))
    return Issue(
        "INC-42",
        T0,
        priority="P2",
        category="orders",
        language="en",
        customer=Customer(tier="gold", value=12_000.0),
        tags=["web"],
        attributes={"refund": 120},
        history=events,
    )


def hand_written(issue: Issue, now: datetime) -> list[tuple[str, str]]:
    """The same policy, written by hand for this one shape of issue (the baseline)."""
    actions: list[tuple[str, str]] = []
    if issue.status in ("resolved", "closed"):
        return actions
    levels = ["L1", "L2", "L3"]
    owners = {"L1": "frontline", "L2": "supervisors", "L3": "management"}
    targets = {"L1": hours(2), "L2": hours(8), "L3": hours(24)}
    level = issue.level or "L1"
    rank = levels.index(level)
    entered = issue.created_at
    last_msg = None
    manager_at = None
    done: dict[str, int] = {}
    entered_i = last_msg_i = manager_i = -1
    for i, e in enumerate(issue.history):
        if e.kind is EventKind.ACTION_TAKEN:
            done[e.action or ""] = i
            if e.level == level:
                entered, entered_i = e.at, i
        elif e.kind is EventKind.CUSTOMER_MESSAGE:
            last_msg, last_msg_i = e.at, i
        elif e.kind is EventKind.MANAGER_REQUESTED:
            manager_at, manager_i = e.at, i
    escalate_to = -1
    if issue.category == "billing" and issue.team != "billing" and "billing:route" not in done:
        actions.append(("route", "billing"))
    if "security" in issue.tags and issue.team != "security" and "security:route" not in done:
        actions.append(("route", "security"))
    if issue.language == "de" and issue.team != "dach-desk" and "german:route" not in done:
        actions.append(("route", "dach-desk"))
    if issue.customer.tier == "enterprise" and issue.priority == "P1" and rank < 1:
        escalate_to = max(escalate_to, 1)
    refund = issue.attributes.get("refund")
    if refund is not None and refund > 500 and rank < 1:
        escalate_to = max(escalate_to, 1)
    if manager_at is not None and done.get("manager:escalate", -2) <= manager_i and rank < 2:
        escalate_to = max(escalate_to, rank + 1)
    if last_msg is not None:
        if (
            issue.priority in ("P1", "P2")
            and now >= last_msg + hours(4)
            and done.get("no-reply:notify", -2) <= last_msg_i
        ):
            actions.append(("notify", owners[level]))
        if now >= last_msg + hours(6) and rank < 2 and done.get("stale:escalate", -2) <= last_msg_i:
            escalate_to = max(escalate_to, rank + 1)
    if now >= entered + targets[level] * 0.75 and done.get("sla-warning:notify", -2) <= entered_i:
        actions.append(("notify", owners[level]))
    if (
        now >= entered + targets[level]
        and rank < 2
        and done.get("sla-breach:escalate", -2) <= entered_i
    ):
        escalate_to = max(escalate_to, rank + 1)
    if escalate_to > rank:
        actions.append(("escalate", levels[escalate_to]))
    return actions


def _summary(policy: Policy, issue: Issue, now: datetime) -> list[tuple[str, str]]:
    out = []
    for a in policy.evaluate(issue, now).actions:
        target = getattr(a, "to", None) or getattr(a, "team", None) or getattr(a, "target", "")
        out.append((a.kind, target))
    return sorted(out)


def per_call_us(fn: Callable[[], object], number: int, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        timings.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    policy, issue = make_policy(), make_issue()
    instants = [T0 + timedelta(minutes=m) for m in range(0, 60 * 30, 7)]
    for now in instants:  # same decision before timing anything
        if _summary(policy, issue, now) != sorted(hand_written(issue, now)):
            print(
                f"disagreement at {now}: {_summary(policy, issue, now)} vs "
                f"{sorted(hand_written(issue, now))}",
                file=sys.stderr,
            )
            return 1
    quiet = T0 + timedelta(hours=1)  # nothing due: the common case
    busy = T0 + timedelta(hours=7)  # warning, breach and stale rules all due

    rows = []
    for label, now in (("nothing due (+1 h)", quiet), ("3 rules due (+7 h)", busy)):
        lib = per_call_us(lambda now=now: policy.evaluate(issue, now), args.number, args.repeats)
        base = per_call_us(lambda now=now: hand_written(issue, now), args.number, args.repeats)
        rows.append((label, lib, base))

    print(
        f"escalation_rules {version}, Python {platform.python_version()}, "
        f"{platform.machine()}; {len(policy.levels)} levels, {len(policy.rules)} rules, "
        f"{len(issue.history)} events; median of {args.repeats} x {args.number} calls"
    )
    print(f"agreement: identical actions at {len(instants)} instants over 30 h")
    print()
    print(f"| {'case':<20} | {'evaluate() us':>13} | {'hand-written us':>15} | {'ratio':>5} |")
    print(f"|{'-' * 22}|{'-' * 15}|{'-' * 17}|{'-' * 7}|")
    for label, lib, base in rows:
        print(f"| {label:<20} | {lib:>13.2f} | {base:>15.2f} | {lib / base:>5.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
