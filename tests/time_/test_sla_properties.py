"""Laws of SLA clocks over generated policies, histories and instants."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import ClockState, Event, EventKind, Issue, Policy, SlaClock, Status

from ..conftest import T0
from ..strategies import CALENDARS, CLOCKS, durations, instants, issues, level_lists, policies

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


# -- laws over every clock definition (pause_on, on_reopen), with no rules to slow them down

QUICK = settings(max_examples=40, deadline=None)


@st.composite
def clock_policies(draw: st.DrawFn) -> Policy:
    """Levels with targets on the generated calendars, no rules, and each clock with a drawn
    ``pause_on`` and (for resolution) ``on_reopen``; shrinks towards the default clocks."""
    pause_on = st.sampled_from([("pending",), (), "pending", ("open",), ("open", "pending")])
    clocks = [
        SlaClock(name, pause_on=draw(pause_on), on_reopen=draw(st.sampled_from(REOPEN)))
        for name in CLOCKS
    ]
    return Policy(
        draw(level_lists()),
        [],
        clocks=clocks,
        calendars=CALENDARS,
        calendar=draw(st.none() | st.sampled_from(sorted(CALENDARS))),
        calendar_field=draw(st.none() | st.just("customer.attributes.region")),
    )


REOPEN = ["resume", "restart"]


def _settled(issue: Issue, now: datetime) -> datetime:
    """*now*, or the issue's last event if that is later: the engine's contract."""
    return max([now, *(e.at for e in issue.history)])


def _same_clocks(policy: Policy, one: Issue, other: Issue, when: datetime) -> list[ClockState]:
    """Assert every clock of *policy* says the same for both issues at *when*; *one*'s states.

    Inserted events shift later history indices, so cycles are compared by instant, not index.
    """
    states = []
    for name in policy.clocks:
        a = policy.sla_clock(one, when, name)
        b = policy.sla_clock(other, when, name)
        assert attrs.evolve(a, cycle_index=0) == attrs.evolve(b, cycle_index=0), name
        assert a.reaches(a.elapsed) == b.reaches(b.elapsed), name
        states.append(a)
    return states


@QUICK
@given(st.data(), clock_policies(), instants(0, 96), durations(0, 72 * 60))
def test_reaches_keeps_the_past_and_its_projections_come_true(
    data: st.DataObject, policy: Policy, now: datetime, step: timedelta
) -> None:
    issue = data.draw(issues(list(policy.levels)))
    when = _settled(issue, now)
    later = when + step
    amounts = data.draw(st.lists(durations(0, 48 * 60), min_size=1, max_size=3))
    for name in policy.clocks:
        early = policy.sla_clock(issue, when, name)
        late = policy.sla_clock(issue, later, name)
        # No new event: the same cycle in the same state, its past pauses unchanged.
        assert (late.state, late.started_at, late.cycle_index) == (
            early.state,
            early.started_at,
            early.cycle_index,
        ), name
        assert late.paused == early.paused, name
        assert late.running == (early.state == "running"), name
        if early.state != "running":
            assert late.elapsed == early.elapsed, name
        for amount in [timedelta(0), early.elapsed, *amounts]:
            reached, instant = early.reaches(amount)
            if amount <= timedelta(0):
                assert (reached, instant) == (early.started_at is not None, early.started_at)
                continue
            if reached:
                assert instant is not None and early.started_at <= instant <= when, name
                assert late.reaches(amount) == (True, instant), name
            elif instant is not None:
                assert early.state == "running" and instant > when, name
                assert late.reaches(amount) == (instant <= later, instant), name
                at_instant = policy.sla_clock(issue, instant, name)
                assert at_instant.elapsed == amount, name
                just_before = policy.sla_clock(issue, instant - timedelta(microseconds=1), name)
                assert just_before.elapsed < amount, name
            else:
                assert early.state != "running" and amount > early.elapsed, name
                assert late.reaches(amount) == (False, None), name


def _without_statuses(issue: Issue) -> list[Event]:
    return [e for e in issue.history if e.kind is not EventKind.STATUS_CHANGED]


@QUICK
@given(st.data(), clock_policies(), instants(0, 96), st.sampled_from(list(Status)))
def test_a_status_set_at_creation_is_the_status_an_issue_was_imported_with(
    data: st.DataObject, policy: Policy, now: datetime, status: Status
) -> None:
    issue = data.draw(issues(list(policy.levels)))
    plain = _without_statuses(issue)
    imported = attrs.evolve(issue, history=plain, status=status)
    set_at_creation = attrs.evolve(
        imported,
        history=[plain[0], Event(EventKind.STATUS_CHANGED, T0, status=status), *plain[1:]],
        status="",
    )
    when = _settled(imported, now)
    for a in _same_clocks(policy, imported, set_at_creation, when):
        if status in (Status.RESOLVED, Status.CLOSED) and a.started_at is not None:
            assert a.state == "stopped" and a.elapsed == timedelta(0), a.name


@QUICK
@given(
    st.data(),
    clock_policies(),
    instants(0, 96),
    st.sampled_from(list(Status)),
    st.sampled_from(list(Status)),
)
def test_of_status_changes_at_one_instant_only_the_last_counts(
    data: st.DataObject, policy: Policy, now: datetime, first: Status, last: Status
) -> None:
    issue = data.draw(issues(list(policy.levels)))
    history = list(issue.history)
    k = data.draw(st.integers(0, len(history) - 1))
    t = history[k].at
    cut = max(i for i, e in enumerate(history) if e.at <= t) + 1
    change = [Event(EventKind.STATUS_CHANGED, t, status=last)]
    flicker = [Event(EventKind.STATUS_CHANGED, t, status=first), *change]
    once = attrs.evolve(issue, history=[*history[:cut], *change, *history[cut:]], status="")
    twice = attrs.evolve(issue, history=[*history[:cut], *flicker, *history[cut:]], status="")
    _same_clocks(policy, once, twice, _settled(issue, now))
