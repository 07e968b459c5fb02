"""The replay's shortcuts decide nothing the slow way would not: replayed with the SLA check
the replay had before (`Policy.sla_clocks` at every check, full `ClockState`s), generated
issues give the same `Replay`, breaches included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import (
    BusinessCalendar,
    Event,
    EventKind,
    Level,
    Policy,
    Rule,
    SlaClock,
    escalate,
    hours,
    notify,
    sla,
)
from escalation_rules._analysis import replay as replay_module
from escalation_rules._analysis.replay import replay
from escalation_rules._io.bpi2013 import bpi2013_policy
from escalation_rules._io.eventlog import LoggedIssue

START = datetime(2026, 3, 2, 8, tzinfo=UTC)


def _reference_check_sla(self: replay_module._Run, now: datetime) -> None:
    """The SLA check as it was: every clock's `ClockState`, at every check."""
    breached = self.breached
    for state in self.replayer.policy.sla_clocks(self.issue, now):
        breached[state.name] = breached.get(state.name, False) or state.breached


def _levels(**extra: object) -> list[Level]:
    return [
        Level(
            "L1",
            "Desk",
            rank=1,
            owner="desk",
            targets={"time_at_level": hours(2), "resolution": hours(3)},
            **extra,  # type: ignore[arg-type]
        ),
        Level(
            "L2",
            "Second",
            rank=2,
            owner="second",
            targets={"time_at_level": hours(8), "resolution": hours(30)},
        ),
        Level("L3", "Third", rank=3, owner="third", targets={"resolution": timedelta(minutes=1)}),
    ]


def _rules() -> list[Rule]:
    return [
        notify("warn", at=sla("time_at_level", 0.5)),
        escalate("limit", at=sla("time_at_level")),
    ]


POLICIES = [
    bpi2013_policy(),
    Policy(_levels(), _rules(), name="wall"),
    # A clock that a status change cancels: a cancelled clock has no target.
    Policy(
        _levels(),
        _rules(),
        name="cancel",
        clocks=[SlaClock("resolution", "resolution", cancel=["status:pending"])],
    ),
    # Business hours: counted time is not elapsed time.
    Policy(
        _levels(calendar="office"),
        _rules(),
        name="calendar",
        calendars={"office": BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})},
    ),
]

_STATUSES = ["open", "pending", "resolved", "closed"]


@st.composite
def logged_issues(draw: st.DrawFn) -> LoggedIssue:
    """An issue with status, level and priority changes, some at one instant."""
    at = START
    events = [Event(EventKind.CREATED, at)]
    for _ in range(draw(st.integers(0, 12))):
        at += timedelta(minutes=draw(st.sampled_from([0, 0, 5, 45, 90, 240, 600, 2000])))
        kind = draw(st.sampled_from(["status", "status", "level", "level", "priority"]))
        if kind == "status":
            events.append(
                Event(EventKind.STATUS_CHANGED, at, status=draw(st.sampled_from(_STATUSES)))
            )
        elif kind == "level":
            level = draw(st.sampled_from(["L1", "L2", "L3"]))
            events.append(Event(EventKind.LEVEL_CHANGED, at, level=level))
        else:
            priority = draw(st.sampled_from(["P1", "P2", "P3", "P4"]))
            events.append(Event(EventKind.PRIORITY_CHANGED, at, priority=priority))
    return LoggedIssue(
        "X",
        START,
        priority=draw(st.sampled_from(["P1", "P2", "P3", "P4", None])),
        level=draw(st.sampled_from(["L1", "L2"])),
        events=events,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    logged=logged_issues(),
    policy=st.sampled_from(POLICIES),
    until=st.sampled_from([None, timedelta(hours=5), timedelta(days=40)]),
)
def test_the_fast_sla_check_replays_as_the_reference(
    logged: LoggedIssue, policy: Policy, until: timedelta | None
) -> None:
    end = None if until is None else START + until
    fast = replay(policy, logged, until=end)
    with mock.patch.object(replay_module._Run, "check_sla", _reference_check_sla):
        slow = replay(policy, logged, until=end)
    assert fast.sla_breached == slow.sla_breached
    assert list(fast.sla_breached) == list(slow.sla_breached)  # in the same order too
    assert fast == slow


def test_a_replay_can_breach_and_skip_its_clocks() -> None:
    """The shortcuts are taken (a check before any target could be reached) and the
    breach is still seen (a check after it)."""
    events = [
        Event(EventKind.CREATED, START),
        Event(EventKind.LEVEL_CHANGED, START + timedelta(minutes=10), level="L2"),
        Event(EventKind.LEVEL_CHANGED, START + timedelta(hours=40), level="L3"),
    ]
    logged = LoggedIssue("X", START, priority="P2", level="L1", events=events)
    for policy in POLICIES[1:]:
        fast = replay(policy, logged)
        with mock.patch.object(replay_module._Run, "check_sla", _reference_check_sla):
            slow = replay(policy, logged)
        assert fast == slow
        assert fast.sla_breached["resolution"] is True
