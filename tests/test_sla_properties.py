"""Laws of SLA clocks over generated policies, histories and instants."""

from __future__ import annotations

from datetime import timedelta

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import Event, EventKind, Issue, Policy

from .conftest import T0
from .strategies import durations, instants, issues, policies

SETTINGS = settings(max_examples=150, deadline=None)


def _with_pause(issue: Issue, start: timedelta, length: timedelta) -> tuple[Issue, Issue]:
    """*issue* without status changes, and the same with one pending spell at T0 + start."""
    plain = [e for e in issue.history if e.kind is not EventKind.STATUS_CHANGED]
    spell = [
        Event(EventKind.STATUS_CHANGED, T0 + start, status="pending"),
        Event(EventKind.STATUS_CHANGED, T0 + start + length, status="open"),
    ]
    paused = sorted(plain + spell, key=lambda e: e.at)  # stable: ties keep the spell last
    return (
        attrs.evolve(issue, history=plain, status=""),
        attrs.evolve(issue, history=paused, status=""),
    )


@SETTINGS
@given(
    st.data(),
    policies(),
    durations(0, 24 * 60),
    durations(1, 24 * 60),
    instants(0, 96),
)
def test_pausing_never_shortens_the_remaining_time(
    data: st.DataObject, policy: Policy, start: timedelta, length: timedelta, now: object
) -> None:
    issue = data.draw(issues(list(policy.levels)))
    plain, paused = _with_pause(issue, start, length)
    for name in policy.clocks:
        a = policy.sla_clock(plain, now, name)  # type: ignore[arg-type]
        b = policy.sla_clock(paused, now, name)  # type: ignore[arg-type]
        assert b.elapsed <= a.elapsed, name
        if a.remaining is not None and b.remaining is not None:
            assert b.remaining >= a.remaining, name


@SETTINGS
@given(st.data(), policies(), instants(0, 96), durations(0, 48 * 60))
def test_elapsed_time_never_decreases_without_new_events(
    data: st.DataObject, policy: Policy, now: object, step: timedelta
) -> None:
    issue = data.draw(issues(list(policy.levels)))
    last = max([issue.created_at, *(e.at for e in issue.history)])
    early = max(now, last)  # type: ignore[type-var]
    for name in policy.clocks:
        a = policy.sla_clock(issue, early, name)
        b = policy.sla_clock(issue, early + step, name)
        assert b.elapsed >= a.elapsed, name
        if a.state == "running" and a.target is not None:
            assert a.deadline is not None
            assert b.breached == (early + step >= a.deadline), name


@SETTINGS
@given(st.data(), policies(), instants(0, 96))
def test_a_projected_deadline_is_exactly_where_the_target_is_reached(
    data: st.DataObject, policy: Policy, now: object
) -> None:
    issue = data.draw(issues(list(policy.levels)))
    last = max([issue.created_at, *(e.at for e in issue.history)])
    when = max(now, last)  # type: ignore[type-var]
    for state in policy.sla_clocks(issue, when):
        if state.state != "running" or state.breached:
            continue
        assert state.target is not None and state.deadline is not None
        assert state.deadline > when
        at_deadline = policy.sla_clock(issue, state.deadline, state.name)
        assert at_deadline.elapsed == state.target.duration and at_deadline.breached
        just_before = policy.sla_clock(
            issue, state.deadline - timedelta(microseconds=1), state.name
        )
        assert not just_before.breached
