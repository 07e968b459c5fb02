"""The `Context` a rule sees, as docs/custom-rules.md promises it, and `to_anchor`.

A probe rule records the context the engine hands it, so each test reads the context of a real
`Policy.evaluate` call.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from escalation_rules import (
    Anchor,
    BusinessCalendar,
    Context,
    Event,
    EventKind,
    Issue,
    Level,
    Outcome,
    Policy,
    PolicyError,
    Status,
    by_priority,
    hours,
    wall,
)
from escalation_rules._model.anchors import to_anchor
from escalation_rules._time.clocks import WallClock

from ..conftest import T0, at, make_issue, three_levels


class Probe:
    """A rule that matches nothing and keeps every context it is shown."""

    name = "probe"

    def __init__(self) -> None:
        self.seen: list[Context] = []

    def validate(self, policy: Policy) -> None:
        pass

    def check(self, context: Context) -> Outcome | None:
        self.seen.append(context)
        return None


def context_of(
    issue: Issue, now: datetime, levels: list[Level] | None = None, **policy: object
) -> Context:
    probe = Probe()
    Policy(levels or three_levels(), [probe], **policy).evaluate(issue, now)  # type: ignore[arg-type]
    assert len(probe.seen) == 1
    return probe.seen[0]


def ev(kind: EventKind, hour: float, **fields: object) -> Event:
    return Event(kind, at(hour), **fields)  # type: ignore[arg-type]


# Each row: the history after CREATED (index 0), the issue's level, and the expected
# (instant, history index) of every anchor. -1 is "the creation, or not happened".
ANCHOR_CASES = [
    pytest.param(
        [],
        None,
        {
            Anchor.CREATED: (T0, -1),
            Anchor.LEVEL_ENTERED: (T0, -1),
            Anchor.ACKNOWLEDGED: (None, -1),
            Anchor.LAST_AGENT_REPLY: (None, -1),
            Anchor.LAST_CUSTOMER_MESSAGE: (None, -1),
            Anchor.MANAGER_REQUESTED: (None, -1),
        },
        id="only-created",
    ),
    pytest.param(
        [
            ev(EventKind.CUSTOMER_MESSAGE, 1),
            ev(EventKind.AGENT_REPLY, 2),
            ev(EventKind.LEVEL_CHANGED, 3, level="L2"),
            ev(EventKind.ACKNOWLEDGED, 4),
            ev(EventKind.CUSTOMER_MESSAGE, 5),
            ev(EventKind.MANAGER_REQUESTED, 6),
        ],
        "L2",
        {
            Anchor.CREATED: (T0, -1),
            Anchor.LEVEL_ENTERED: (at(3), 3),
            Anchor.ACKNOWLEDGED: (at(4), 4),
            Anchor.LAST_AGENT_REPLY: (at(2), 2),
            Anchor.LAST_CUSTOMER_MESSAGE: (at(5), 5),
            Anchor.MANAGER_REQUESTED: (at(6), 6),
        },
        id="each-anchor-its-latest-event",
    ),
]


@pytest.mark.parametrize(("events", "level", "expected"), ANCHOR_CASES)
def test_each_anchor_is_its_latest_event(
    events: list[Event], level: str | None, expected: dict[Anchor, tuple[datetime | None, int]]
) -> None:
    context = context_of(make_issue("T-1", *events, level=level), at(10))
    assert {a: (context.anchor(a), context.anchor_index(a)) for a in Anchor} == expected


def test_a_level_entered_by_the_first_event_has_index_zero() -> None:
    # A history may start with the event that put the issue at its level; its index is 0,
    # not the -1 of "never entered by an event".
    issue = Issue("T-1", T0, level="L2", history=[Event(EventKind.LEVEL_CHANGED, T0, level="L2")])
    context = context_of(issue, at(1))
    assert context.anchor_index(Anchor.LEVEL_ENTERED) == 0
    assert context.anchor(Anchor.LEVEL_ENTERED) == T0


def test_level_status_position_and_next_level() -> None:
    levels = three_levels()
    low = context_of(make_issue(), at(1), levels)
    assert (low.level.id, low.level_position, low.next_level) == ("L1", 0, levels[1])
    top = context_of(make_issue(level="L3"), at(1), levels)
    assert (top.level.id, top.level_position, top.next_level) == ("L3", 2, None)
    pending = context_of(make_issue(status="pending"), at(1), levels)
    assert pending.status is Status.PENDING
    assert low.status is Status.OPEN
    assert (low.issue.id, low.now, low.clock) == ("T-1", at(1), WallClock())


@pytest.mark.parametrize(
    ("events", "acknowledged"),
    [
        ([], False),
        ([ev(EventKind.ACKNOWLEDGED, 1)], True),
        # an acknowledgement before the issue entered its level does not count there
        ([ev(EventKind.ACKNOWLEDGED, 1), ev(EventKind.LEVEL_CHANGED, 2, level="L2")], False),
        ([ev(EventKind.LEVEL_CHANGED, 2, level="L2"), ev(EventKind.ACKNOWLEDGED, 3)], True),
    ],
)
def test_acknowledged_means_since_the_level_was_entered(
    events: list[Event], acknowledged: bool
) -> None:
    level = "L2" if any(e.kind is EventKind.LEVEL_CHANGED for e in events) else None
    assert context_of(make_issue("T-1", *events, level=level), at(5)).acknowledged is acknowledged


def test_done_is_scoped_by_the_anchor_or_a_history_index() -> None:
    recorded = Event(EventKind.ACTION_TAKEN, at(2), action="k")
    events = [
        ev(EventKind.CUSTOMER_MESSAGE, 1),  # index 1
        recorded,  # index 2
        ev(EventKind.LEVEL_CHANGED, 3, level="L2"),  # index 3
    ]
    context = context_of(make_issue("T-1", *events, level="L2"), at(5))
    # once per issue: recorded after the creation
    assert context.done("k", Anchor.CREATED) is True
    # once per customer message: recorded after the last one
    assert context.done("k", Anchor.LAST_CUSTOMER_MESSAGE) is True
    # once per level stay: the record is older than the level entry
    assert context.done("k", Anchor.LEVEL_ENTERED) is False
    # an index scope: done when recorded at a later index
    assert [context.done("k", i) for i in (-1, 0, 1, 2, 3)] == [True, True, True, False, False]
    # a key never recorded is never done
    assert context.done("other", Anchor.CREATED) is False
    assert context.done("other", -1) is False


def test_sla_state_uses_the_level_target_for_the_issue_priority() -> None:
    levels = [
        Level(
            "L1",
            "Frontline",
            rank=1,
            owner="frontline",
            targets={"time_at_level": by_priority(P1=hours(1), default=hours(4))},
        ),
        Level("L2", "Supervisor", rank=2, owner="supervisors"),
    ]
    p1 = context_of(make_issue(priority="P1"), at(0.5), levels)
    state = p1.sla("time_at_level")
    assert state is not None
    assert (state.target.duration if state.target else None, state.elapsed) == (
        hours(1),
        hours(0.5),
    )
    assert state.deadline == at(1)
    p3 = context_of(make_issue(priority="P3"), at(0.5), levels)
    state = p3.sla("time_at_level")
    assert state is not None and state.target is not None
    assert (state.target.duration, state.deadline) == (hours(4), at(4))
    core = p3.sla_core("time_at_level")
    assert core is not None and core.target == state.target


def test_sla_without_a_target_is_none_unless_asked_for_anyway() -> None:
    levels = [
        Level("L1", "Frontline", rank=1, owner="frontline"),
        Level("L2", "Supervisor", rank=2, owner="supervisors"),
    ]
    context = context_of(make_issue(), at(3), levels)
    assert context.sla("resolution") is None
    assert context.sla_core("resolution") is None
    state = context.sla("resolution", need_target=False)
    assert state is not None
    assert (state.name, state.target, state.elapsed, state.deadline) == (
        "resolution",
        None,
        hours(3),
        None,
    )
    # asked for without a target first, then with: still none
    assert context.sla_core("resolution", need_target=False) is not None
    assert context.sla_core("resolution") is None
    assert context.sla("resolution") is None


def test_sla_counts_on_the_policy_calendar() -> None:
    calendar = BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})
    levels = [
        Level("L1", "Frontline", rank=1, owner="frontline", targets={"resolution": hours(10)}),
        Level("L2", "Supervisor", rank=2, owner="supervisors"),
    ]
    # T0 is Monday 09:00 UTC: 10 business hours end Tuesday 11:00
    context = context_of(
        make_issue(), at(1), levels, calendars={"support": calendar}, calendar="support"
    )
    state = context.sla("resolution")
    assert state is not None
    assert (state.calendar, state.elapsed, state.deadline) == ("support", hours(1), at(26))
    # a wall target ignores the calendar
    levels[0] = Level(
        "L1", "Frontline", rank=1, owner="frontline", targets={"resolution": wall(hours(10))}
    )
    context = context_of(
        make_issue(), at(1), levels, calendars={"support": calendar}, calendar="support"
    )
    state = context.sla("resolution")
    assert state is not None
    assert (state.calendar, state.deadline) == (None, at(10))


def test_the_wall_clock_counts_real_time_across_dst_and_answers_in_utc() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # the night Berlin moves its clocks forward: 24 real hours are 25 on the wall
    start = datetime(2026, 3, 28, 12, 0, tzinfo=berlin)
    due = WallClock().deadline(None, start, hours(24))  # type: ignore[arg-type]
    assert due is not None
    assert due.tzinfo is UTC
    assert due == datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
    assert due.astimezone(berlin).hour == 13
    # a UTC start is used as it is
    assert WallClock().deadline(None, T0, hours(2)) == at(2)  # type: ignore[arg-type]


def test_wall_clocks_are_all_equal_and_print_as_written() -> None:
    assert WallClock() == WallClock()
    assert WallClock() != "WallClock()"
    assert len({WallClock(), WallClock()}) == 1
    assert hash(WallClock()) == hash(WallClock())
    assert repr(WallClock()) == "WallClock()"


@pytest.mark.parametrize("anchor", list(Anchor))
def test_to_anchor_takes_an_anchor_or_its_name(anchor: Anchor) -> None:
    assert to_anchor(anchor) is anchor
    assert to_anchor(anchor.value) is anchor
    assert str(anchor) == anchor.value


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [("level_enterd", "level_entered"), ("acknowleged", "acknowledged"), (7, None)],
)
def test_to_anchor_refuses_other_values_with_a_suggestion(
    value: object, suggestion: str | None
) -> None:
    with pytest.raises(PolicyError, match=r"unknown reference point .*; use one of \[") as info:
        to_anchor(value)
    assert info.value.value == value
    assert info.value.suggestion == suggestion
    assert "'created'" in str(info.value)
    if suggestion:
        assert f"did you mean {suggestion!r}" in str(info.value)


def test_anchors_hash_and_compare_as_their_names() -> None:
    table = {anchor.value: anchor for anchor in Anchor}
    assert all(table[anchor] is anchor for anchor in Anchor)
