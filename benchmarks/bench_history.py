"""Appending to an issue's history, one event at a time, at history lengths from 10 to 400,000.

Run:  .venv/bin/python benchmarks/bench_history.py [--repeats 3]

For each length the script builds an issue with that many events, then times
`Issue.with_event` (append one event), `Policy.evaluate` on the result, and, as the
baseline in the same run, the same calls on a 10-event issue. The cost of an append must
not grow with the history: each ratio to the 10-event baseline stays flat (a history copied
on every append makes the ratio grow with the length, 40,000x at 400,000 events).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime, timedelta

from escalation_rules import Event, EventKind, Issue, bundled_policy
from escalation_rules import __version__ as version

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LENGTHS = (10, 1_000, 10_000, 100_000, 400_000)
APPENDS = 2_000


def issue_with(n: int) -> Issue:
    kinds = (EventKind.CUSTOMER_MESSAGE, EventKind.AGENT_REPLY)
    events = [Event(EventKind.CREATED, T0)]
    events += [Event(kinds[i % 2], T0 + timedelta(seconds=i)) for i in range(1, n)]
    return Issue("bench", T0, priority="P2", category="billing", history=events)


def per_append(issue: Issue, repeats: int) -> tuple[float, float]:
    """Best-of-*repeats* microseconds per `with_event`, and per `evaluate` after it."""
    policy = bundled_policy("seeds-matrix")
    start = issue.history[-1].at
    best_append = best_eval = float("inf")
    for _ in range(repeats):
        current = issue
        t0 = time.perf_counter()
        for i in range(1, APPENDS + 1):
            current = current.with_event(
                Event(EventKind.CUSTOMER_MESSAGE, start + timedelta(seconds=i))
            )
        best_append = min(best_append, (time.perf_counter() - t0) / APPENDS * 1e6)
        now = current.history[-1].at + timedelta(minutes=1)
        t0 = time.perf_counter()
        for _ in range(APPENDS):
            policy.evaluate(current, now)
        best_eval = min(best_eval, (time.perf_counter() - t0) / APPENDS * 1e6)
    return best_append, best_eval


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"escalation_rules {version}, Python {sys.version.split()[0]}, {platform.machine()}")
    print(f"{APPENDS:,} appends of one event each, best of {args.repeats}")
    base_append, base_eval = per_append(issue_with(LENGTHS[0]), args.repeats)
    print(
        f"{'history length':>15} {'append µs':>10} {'x base':>7} {'evaluate µs':>12} {'x base':>7}"
    )
    for n in LENGTHS:
        append, evaluate = per_append(issue_with(n), args.repeats)
        print(
            f"{n:>15,} {append:>10.2f} {append / base_append:>7.2f}"
            f" {evaluate:>12.2f} {evaluate / base_eval:>7.2f}"
        )


if __name__ == "__main__":
    main()
