"""The ``escalation-rules`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta

from ._examples import START, example_issues, example_policy, oncall_policy
from ._issue import Event, EventKind, Issue
from ._policy import Policy
from ._time import UTC

_OFFSETS = (1.0, 1.5, 2.0, 8.0, 10.0)


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%a %H:%M UTC")


def _run_host(policy: Policy, issue: Issue, instants: Sequence[datetime]) -> Issue:
    """Evaluate at each instant like a host would, carrying out every action."""
    for now in instants:
        decision = policy.evaluate(issue, now)
        while decision.actions:
            for action in decision.actions:
                print(f"  {_iso(now)}  {action.kind:<8} {action.reason}")
                issue = issue.record(action, now)
            decision = policy.evaluate(issue, now)
        nxt = decision.next_evaluation_at
        later = f"next check {_iso(nxt)}" if nxt else "no further check"
        print(f"  {_iso(now)}  at level {issue.level or policy.levels[0].id}, {later}")
    return issue


def _demo() -> int:
    policy = example_policy()
    print(
        f"Policy {policy.name!r}: "
        + ", ".join(
            f"{lvl.id} {lvl.name} (time at level {lvl.target('time_at_level', None)})"
            for lvl in policy.levels
        )
    )
    print(
        f"Every issue opens {_iso(START)}; the host evaluates it at "
        + ", ".join(f"+{h:g}h" for h in _OFFSETS)
        + " and carries out each action it is given.\n"
    )
    for issue in example_issues():
        print(
            f"{issue.id}  priority={issue.priority} category={issue.category} "
            f"status={issue.status} customer tier={issue.customer.tier}"
        )
        _run_host(policy, issue, [START + timedelta(hours=h) for h in _OFFSETS])
        print()
    oncall = oncall_policy()
    print(
        f"Policy {oncall.name!r}: nobody acknowledges; the host wakes exactly at "
        "next_evaluation_at."
    )
    issue = Issue("PAGE-1", START, priority="P1", history=[Event(EventKind.CREATED, START)])
    print(f"{issue.id}  priority={issue.priority}")
    now: datetime | None = START
    while now is not None:
        issue = _run_host(oncall, issue, [now])
        now = oncall.evaluate(issue, now).next_evaluation_at
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="escalation-rules",
        description="Escalation rules engine: run the bundled demo.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("demo", help="evaluate the bundled example policy on the bundled issues")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo()
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
