"""Who is on call, and ``evaluate`` with schedules, next to the same policy with plain owners.

Run:  .venv/bin/python benchmarks/bench_oncall.py [--number 20000] [--repeats 7]

The schedule has 3 layers (a weekly 24/7 rotation, a daily business-hours layer restricted to
weekdays 09:00-17:00, and a 12-hour follow-the-sun layer that ends in 2027) and 50 overrides,
in Europe/Berlin. The policy is a three-step on-call chain (two loops, an acknowledgement
timeout) plus a notify rule at 75 % of an SLA target; in the "schedule" policy each level's
owner is that schedule, in the "plain" policy a name. Both policies are
evaluated on the same issues, checked to give the same kinds of actions at the same instants,
then timed, two ways: "again" evaluates the same issue again (a host waking at the next
step's instant: the chain's steps, laid out once per issue and level, are reused), "first"
empties the issue's memo before each call (its first evaluation; who was on call at a step's
instant stays memoised per policy, as it does in a host that asks about many issues).
Aim (issue 14): evaluate with the schedule within 1.5x of the plain policy.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from escalation_rules import (
    Event,
    Issue,
    Layer,
    Level,
    OnCall,
    Override,
    Policy,
    Schedule,
    active_hours,
    chain,
    hours,
    minutes,
    next_change,
    notify,
    on_call,
    sla,
)
from escalation_rules import __version__ as version
from escalation_rules._model.issue import summary_of
from escalation_rules.testing import settle

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_schedule() -> Schedule:
    rng = random.Random(14)
    people = [f"person-{i}" for i in range(12)]
    overrides = []
    for _ in range(50):
        start = T0 + timedelta(hours=rng.randrange(-24 * 60, 24 * 300))
        overrides.append(
            Override(rng.choice(people), start, start + timedelta(hours=rng.randint(1, 48)))
        )
    return Schedule(
        "primary",
        "Europe/Berlin",
        [
            Layer("weekly", people[:4], shift=timedelta(days=7), handoff=T0),
            Layer(
                "office",
                people[4:8],
                shift=timedelta(days=1),
                handoff=T0,
                restrictions=active_hours("mon-fri", start="09:00", end="17:00"),
            ),
            Layer(
                "sun",
                people[8:],
                shift=timedelta(hours=12),
                handoff=T0,
                end=datetime(2027, 1, 1, tzinfo=UTC),
            ),
        ],
        overrides=overrides,
    )


def make_policy(schedule: Schedule | None) -> Policy:
    def owner(name: str) -> object:
        return name if schedule is None else OnCall("primary")

    levels = [
        Level(
            f"L{i}",
            f"Level {i}",
            rank=i,
            owner=owner(f"desk-{i}"),  # type: ignore[arg-type]
            ack_timeout=minutes(15 * i),
            targets={"time_at_level": hours(2 * i)},
        )
        for i in (1, 2, 3)
    ]
    return Policy(
        levels,
        [
            chain("page", repeat=2, retrigger_after=hours(4)),
            notify("warn", at=sla("time_at_level", 0.75)),
        ],
        schedules={} if schedule is None else {"primary": schedule},
    )


def host_states(policy: Policy) -> list[tuple[str, Issue, datetime]]:
    """What a host evaluates: the issue as its host loop left it (every action carried out
    and recorded), asked between two steps (nothing due) and at a step's instant (one due)."""
    out = []
    for day in (0, 2, 5):  # a Monday morning, a Wednesday afternoon, a Saturday evening
        opened = T0 + timedelta(days=day, hours=3 * day)
        issue = Issue(f"INC-{day}", opened, history=[Event("created", opened)])
        now: datetime | None = opened
        steps = 0
        while now is not None and steps < 4:  # settle four steps: up to the top level
            issue, _ = settle(policy, issue, now)
            decision = policy.evaluate(issue, now)
            now, steps = decision.next_evaluation_at, steps + 1
        assert now is not None
        out.append((f"{issue.id} waiting", issue, now - timedelta(minutes=1)))
        out.append((f"{issue.id} step due", issue, now))
    return out


def per_call(fn: Callable[[], object], number: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / number * 1e6


def timed(policy: Policy, issue: Issue, now: datetime, args: argparse.Namespace) -> float:
    """Evaluating the same issue again (what is kept on its history summary is reused)."""
    return per_call(lambda: policy.evaluate(issue, now), args.number, args.repeats)


def timed_cold(policy: Policy, issue: Issue, now: datetime, args: argparse.Namespace) -> float:
    """The first evaluation of an issue: its summary's memo emptied before each call."""
    memo = summary_of(issue).memo

    def once() -> object:
        memo.clear()
        return policy.evaluate(issue, now)

    return per_call(once, args.number, args.repeats)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    schedule = make_schedule()
    rng = random.Random(1)
    instants = [T0 + timedelta(minutes=rng.randrange(0, 60 * 24 * 365)) for _ in range(1000)]
    print(f"escalation_rules {version}, Python {platform.python_version()} ({sys.platform})")
    print(f"schedule: {len(schedule.layers)} layers, {len(schedule.overrides)} overrides\n")
    n = max(1, args.number // 10)
    it = iter(instants * (args.number // len(instants) + 2))
    print(f"on_call       {per_call(lambda: on_call(schedule, next(it)), n, args.repeats):7.2f} µs")
    it = iter(instants * (args.number // len(instants) + 2))
    t_next = per_call(lambda: next_change(schedule, next(it)), n, args.repeats)
    print(f"next_change  {t_next:7.2f} µs")
    plain, rota = make_policy(None), make_policy(schedule)
    print("\nevaluate (µs)        again: plain  schedule  ratio   first: plain  schedule  ratio")
    worst = 0.0
    for (label, a, at_a), (_, b, at_b) in zip(host_states(plain), host_states(rota), strict=True):
        da, db = plain.evaluate(a, at_a), rota.evaluate(b, at_b)
        assert (at_a, da.next_evaluation_at, [x.key for x in da.actions]) == (
            at_b,
            db.next_evaluation_at,
            [x.key for x in db.actions][: len(da.actions)],
        ), (da, db)
        t_plain, t_rota = timed(plain, a, at_a, args), timed(rota, b, at_b, args)
        c_plain, c_rota = timed_cold(plain, a, at_a, args), timed_cold(rota, b, at_b, args)
        worst = max(worst, t_rota / t_plain, c_rota / c_plain)
        print(
            f"{label:<18} {t_plain:13.2f} {t_rota:9.2f} {t_rota / t_plain:5.2f}x "
            f"{c_plain:14.2f} {c_rota:9.2f} {c_rota / c_plain:5.2f}x"
        )
    print(f"\nworst ratio {worst:.2f}x (aim <= 1.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
