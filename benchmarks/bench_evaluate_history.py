"""Does `evaluate` cost the same at 10 and at 10,000 events? (issue 13)

Run:  .venv/bin/python benchmarks/bench_evaluate_history.py [--repeats 5]

For each history length (10, 100, 1,000, 10,000 events, a status change every fifth
event: open, pending, open...), the script times, in microseconds:

* ``evaluate``: `Policy.evaluate` of the same issue at a later instant (what a host does
  when it wakes at ``next_evaluation_at``);
* ``append+evaluate``: the next event appended with `Issue.with_event`, then `evaluate`
  at its instant, for 500 events in a row (what a host replaying a stream does for every
  event; the mean per event);

for the bundled example policy (wall-clock SLA targets) and for the same policy on a
business calendar (``--calendar``: both are printed). The baseline is the 10-event row of
the same run: the ``x10`` column is each figure over it (aim: at most 1.5).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs

from escalation_rules import BusinessCalendar, Event, EventKind, Issue, Policy, bundled_policy
from escalation_rules import __version__ as version

SIZES = (10, 100, 1_000, 10_000)
_START = datetime(2026, 3, 2, 8, tzinfo=UTC)
_STEPS = 500
STEP = timedelta(minutes=7)


def history(n: int, start: datetime) -> list[Event]:
    """*n* events: replies, customer messages and, every fifth, a status change."""
    out: list[Event] = []
    pending = False
    for i in range(1, n + 1):
        at = start + STEP * i
        if i % 5 == 0:
            pending = not pending
            out.append(Event(EventKind.STATUS_CHANGED, at, status="pending" if pending else "open"))
        elif i % 2:
            out.append(Event(EventKind.CUSTOMER_MESSAGE, at))
        else:
            out.append(Event(EventKind.AGENT_REPLY, at))
    return out


def best_us(fn: Callable[[], object], number: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best * 1e6


def on_calendar(policy: Policy) -> Policy:
    office = BusinessCalendar("Europe/Berlin", {"mon-fri": [("08:00", "18:00")]})
    clocks = list(policy.clocks.values())
    return attrs.evolve(policy, clocks=clocks, calendars={"office": office}, calendar="office")


def measure(policy: Policy, repeats: int) -> list[tuple[int, float, float]]:
    rows = []
    for n in SIZES:
        issue = Issue("H-1", _START, priority="P2", history=history(n, _START))
        now = issue.latest_at + timedelta(minutes=1)
        policy.evaluate(issue, now)  # the first evaluation folds the history once
        number = 2_000 if n <= 1_000 else 1_000
        evaluate_us = best_us(lambda: policy.evaluate(issue, now), number, repeats)  # noqa: B023
        # The stream goes on: each step appends the next event to the issue the last step
        # made and evaluates it at that event's instant (a host replaying a log).
        more = history(n + _STEPS, _START)[n:]
        best = float("inf")
        for _ in range(repeats):
            current = issue
            t = time.perf_counter()
            for event in more:
                current = current.with_event(event)
                policy.evaluate(current, event.at)
            best = min(best, (time.perf_counter() - t) / _STEPS)
        rows.append((n, evaluate_us, best * 1e6))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"escalation_rules {version}, Python {sys.version.split()[0]}, {platform.machine()}")
    base = bundled_policy("zendesk-sla")
    for label, policy in (("wall clock", base), ("business calendar", on_calendar(base))):
        rows = measure(policy, args.repeats)
        e0, a0 = rows[0][1], rows[0][2]
        print(f"\n{label}: the zendesk-sla example policy")
        print("| events | evaluate us | x10 | append+evaluate us | x10 |")
        print("|-------:|------------:|----:|-------------------:|----:|")
        for n, e, a in rows:
            print(f"| {n:>6,} | {e:11.1f} | {e / e0:3.1f} | {a:18.1f} | {a / a0:3.1f} |")


if __name__ == "__main__":
    main()
