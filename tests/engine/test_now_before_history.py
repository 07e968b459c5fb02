"""Issue 12, item 9: a `now` before the issue's history answers for the history as it stood then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import Event, EventKind, Issue, bundled_policy, forecast
from escalation_rules._io.examples import EXAMPLES

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICIES = {name: bundled_policy(name) for name in EXAMPLES if name != "bpi2013-mapping"}


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_before_creation_nothing_is_due_and_the_host_wakes_at_creation(name: str) -> None:
    policy = POLICIES[name]
    issue = Issue("early", T0, priority="P1", category="billing")
    for lag in (timedelta(seconds=1), timedelta(days=30)):
        decision = policy.evaluate(issue, T0 - lag)
        assert decision.actions == () and decision.next_evaluation_at == T0
        explanation = policy.explain(issue, T0 - lag)
        assert explanation.decision == decision
        assert {r.status for r in explanation.rules} <= {"not reached"}


def test_as_of_rebuilds_the_fields_the_later_events_changed() -> None:
    base = Issue("A-1", T0, priority="P2", team="desk")
    issue = base.with_events(
        [
            Event(EventKind.STATUS_CHANGED, T0 + timedelta(hours=1), status="pending"),
            Event(EventKind.LEVEL_CHANGED, T0 + timedelta(hours=2), level="L2"),
            Event(EventKind.REASSIGNED, T0 + timedelta(hours=3), team="billing", assignee="ann"),
        ]
    )
    then = issue.as_of(T0 + timedelta(hours=1, minutes=30))
    assert (then.status, then.level, then.team, then.assignee) == ("pending", None, None, None)
    assert len(then.history) == 1 and then.priority == "P2"
    assert issue.as_of(T0 + timedelta(hours=3)) is issue
    assert issue.as_of(T0 - timedelta(hours=1)).history == ()
    assert issue.latest_at == T0 + timedelta(hours=3)


_KINDS = st.sampled_from(
    [
        ("agent_reply", {}),
        ("customer_message", {}),
        ("acknowledged", {}),
        ("status_changed", {"status": "pending"}),
        ("status_changed", {"status": "open"}),
        ("level_changed", {"level": "1"}),  # the policy's second level
        ("level_changed", {"level": "2"}),
        ("reassigned", {"team": "billing"}),
        ("manager_requested", {}),
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(POLICIES)),
    steps=st.lists(st.tuples(st.integers(0, 600), _KINDS), min_size=1, max_size=8),
    cut=st.integers(0, 8),
    into=st.integers(0, 599),
    priority=st.sampled_from(["P1", "P2", "P3"]),
)
def test_evaluating_before_the_last_event_equals_evaluating_the_history_up_to_then(
    name: str,
    steps: list[tuple[int, tuple[str, dict[str, str]]]],
    cut: int,
    into: int,
    priority: str,
) -> None:
    policy = POLICIES[name]
    base = Issue("H-1", T0, priority=priority, category="billing")
    t, events = T0, []
    for gap, (kind, fields) in steps:
        t += timedelta(minutes=gap + 1)
        if "level" in fields:
            levels = policy.levels
            fields = {"level": levels[min(int(fields["level"]), len(levels) - 1)].id}
        events.append(Event(kind, t, **fields))  # type: ignore[arg-type]
    cut = min(cut, len(events) - 1)
    prefix = base.with_events(events[:cut])
    # an instant after the kept events and strictly before the next one
    start = events[cut - 1].at if cut else T0
    now = min(start + timedelta(minutes=into % 600), events[cut].at - timedelta(seconds=1))
    if now < start:
        return
    full = base.with_events(events)
    assert full.as_of(now) == prefix
    assert policy.evaluate(full, now) == policy.evaluate(prefix, now)
    assert policy.explain(full, now) == policy.explain(prefix, now)
    until = now + timedelta(days=3)
    assert forecast(policy, full, now, until) == forecast(policy, prefix, now, until)


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(sorted(POLICIES)),
    hours_in=st.integers(0, 200),
    priority=st.sampled_from(["P1", "P2", "P3", None]),
)
def test_no_next_evaluation_means_nothing_more_can_happen(
    name: str, hours_in: int, priority: str | None
) -> None:
    # next_evaluation_at is None only when no later instant, without a new event,
    # brings an action.
    policy = POLICIES[name]
    issue = Issue("N-1", T0, priority=priority, category="billing")
    now = T0 + timedelta(hours=hours_in)
    decision = policy.evaluate(issue, now)
    while decision.actions:  # the host carries out what is due now
        for action in decision.actions:
            issue = issue.record(action, now)
        decision = policy.evaluate(issue, now)
    if decision.next_evaluation_at is None:
        for later in (timedelta(hours=1), timedelta(days=3), timedelta(days=400)):
            assert policy.evaluate(issue, now + later).actions == ()


def test_before_creation_the_issue_has_no_events_even_ones_dated_earlier() -> None:
    # Review of issue 12: events dated before created_at were kept by as_of.
    issue = Issue("E", T0).with_events(
        [
            Event(EventKind.AGENT_REPLY, T0 - timedelta(hours=5)),
            Event(EventKind.STATUS_CHANGED, T0 - timedelta(hours=4), status="resolved"),
        ]
    )
    before = issue.as_of(T0 - timedelta(hours=1))
    assert before.history == () and before.status == "open"


def test_as_of_near_year_one_needs_no_conversion_to_utc() -> None:
    created = datetime(1, 1, 1, 2, 0, tzinfo=UTC)
    issue = Issue("Y1", created, history=[Event(EventKind.CREATED, created)])
    tiny = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))  # 23:30 in year 0 UTC
    assert issue.as_of(tiny).history == ()
    policy = POLICIES["seeds-matrix"]
    assert policy.evaluate(issue, tiny).next_evaluation_at == created


def test_a_host_predicate_overflowing_is_not_called_a_date_out_of_range() -> None:
    import math

    from escalation_rules import Level, Policy, hours, predicate, route

    big = predicate("big", lambda issue: math.exp(issue.attributes["score"]) > 10)
    policy = Policy(
        [Level("L1", "One", rank=1, owner="o", targets={"time_at_level": hours(2)})],
        [route("r", when=big, to="x")],
    )
    with pytest.raises(OverflowError, match="math range error"):
        policy.evaluate(Issue("P", T0, attributes={"score": 1000}), T0)
