"""On-call schedules: worked examples, refused values, and laws checked against an oracle.

The oracle below answers "who is on call" from the definitions in `Layer`'s docstring with
`datetime` and `zoneinfo` alone: it lists each layer's windows day by day as naive local
datetimes, merges them, and attaches the zone (``fold=0``); it finds a wall-time turn by
trying the turns around an elapsed-time guess (turn 0 starting at the hand-off instant). It
shares no code with the plan's integer arithmetic, so agreement is evidence, not tautology.
"""

from __future__ import annotations

import pickle
import random
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from escalation_rules import (
    EscalationRulesError,
    IssueError,
    Layer,
    NaiveDatetimeError,
    Override,
    PolicyError,
    Restriction,
    Schedule,
    active_hours,
    next_change,
    on_call,
)
from escalation_rules._time.oncall import first_on_call

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)
ONE_US = timedelta(microseconds=1)


def timeline(schedule: Schedule, start: datetime, until: datetime) -> list[tuple[str, str]]:
    """Who is on call from *start*, and from when, following `next_change` up to *until*."""
    out = []
    t: datetime | None = start
    while t is not None and t < until:
        out.append((t.isoformat(timespec="minutes"), ",".join(on_call(schedule, t)) or "-"))
        t = next_change(schedule, t)
    return out


# -- worked examples -----------------------------------------------------------------------


def test_a_weekly_rotation_with_an_override() -> None:
    weekly = Layer(
        "primary",
        ("alice", "bob", "carol"),
        shift=WEEK,
        handoff=datetime(2026, 3, 2, 9, tzinfo=BERLIN),  # a Monday
    )
    holiday = Override(
        "dave", datetime(2026, 3, 11, 18, tzinfo=BERLIN), datetime(2026, 3, 12, 8, tzinfo=BERLIN)
    )
    schedule = Schedule("platform", "Europe/Berlin", [weekly], overrides=[holiday])
    start = datetime(2026, 3, 2, 8, tzinfo=BERLIN)
    assert timeline(schedule, start, datetime(2026, 4, 7, tzinfo=BERLIN)) == [
        ("2026-03-02T08:00+01:00", "carol"),  # turns go on before the hand-off instant
        ("2026-03-02T09:00+01:00", "alice"),
        ("2026-03-09T09:00+01:00", "bob"),
        ("2026-03-11T18:00+01:00", "dave"),
        ("2026-03-12T08:00+01:00", "bob"),
        ("2026-03-16T09:00+01:00", "carol"),
        ("2026-03-23T09:00+01:00", "alice"),
        # DST began on 29 March: the hand-off stays at 09:00 local, a turn of 167 hours.
        ("2026-03-30T09:00+02:00", "bob"),
        ("2026-04-06T09:00+02:00", "carol"),
    ]
    assert on_call(schedule, datetime(2026, 3, 11, 17, 0, tzinfo=UTC)) == ("dave",)
    assert on_call(schedule, datetime(2026, 3, 12, 7, 0, tzinfo=UTC)) == ("bob",)  # end excluded


def test_business_hours_over_a_round_the_clock_layer() -> None:
    ops = Layer("ops", ("ops",), shift=WEEK, handoff=datetime(2026, 3, 2, tzinfo=BERLIN))
    day = Layer(
        "day",
        ("ann", "ben"),
        shift=DAY,
        handoff=datetime(2026, 3, 2, tzinfo=BERLIN),
        restrictions=active_hours("mon-fri", start="09:00", end="17:00"),
    )
    schedule = Schedule("support", "Europe/Berlin", [ops, day])
    start = datetime(2026, 3, 6, 16, tzinfo=BERLIN)  # Friday, ann's turn (day 4)
    assert timeline(schedule, start, datetime(2026, 3, 10, 12, tzinfo=BERLIN)) == [
        ("2026-03-06T16:00+01:00", "ann"),
        ("2026-03-06T17:00+01:00", "ops"),  # the lower layer shows through
        ("2026-03-09T09:00+01:00", "ben"),  # Monday is day 7: ben's turn
        ("2026-03-09T17:00+01:00", "ops"),
        ("2026-03-10T09:00+01:00", "ann"),
    ]
    saturday = datetime(2026, 3, 7, 10, tzinfo=BERLIN)  # ben's turn, but outside the hours
    assert on_call(schedule, saturday) == ("ops",)
    assert on_call(Schedule("day only", "Europe/Berlin", [day]), saturday) == ()


def test_elapsed_turns_move_on_the_local_clock_across_dst_in_berlin() -> None:
    twelve = Layer(
        "12h",
        ("x", "y"),
        shift=timedelta(hours=12),
        handoff=datetime(2026, 3, 28, 8, tzinfo=BERLIN),
    )
    schedule = Schedule("s", "Europe/Berlin", [twelve])
    start = datetime(2026, 3, 28, 8, tzinfo=BERLIN)
    assert timeline(schedule, start, datetime(2026, 3, 30, tzinfo=BERLIN)) == [
        ("2026-03-28T08:00+01:00", "x"),
        ("2026-03-28T20:00+01:00", "y"),
        ("2026-03-29T09:00+02:00", "x"),  # twelve hours later: 09:00 summer time
        ("2026-03-29T21:00+02:00", "y"),
    ]


def test_a_night_window_across_the_spring_change_lasts_seven_hours() -> None:
    night = Layer(
        "night",
        ("n",),
        shift=WEEK,
        handoff=datetime(2026, 3, 2, tzinfo=BERLIN),
        restrictions=active_hours(start="22:00", end="06:00"),
    )
    schedule = Schedule("s", "Europe/Berlin", [night])
    opens = datetime(2026, 3, 28, 22, tzinfo=BERLIN)
    closes = next_change(schedule, opens)
    assert closes == datetime(2026, 3, 29, 6, tzinfo=BERLIN)
    # (Subtracting within one tzinfo would count wall-clock hours: compare in UTC.)
    assert closes is not None and closes.astimezone(UTC) - opens.astimezone(UTC) == 7 * HOUR
    assert next_change(schedule, closes) == datetime(2026, 3, 29, 22, tzinfo=BERLIN)


def test_new_york_hand_offs_in_the_gap_move_forward_and_repeated_ones_take_the_first() -> None:
    spring = Layer(
        "daily", ("p", "q"), shift=DAY, handoff=datetime(2026, 3, 1, 2, 30, tzinfo=NEW_YORK)
    )
    schedule = Schedule("s", "America/New_York", [spring])
    # 8 March 2026: 02:30 does not exist; the hand-off is at 03:30 EDT (07:30 UTC).
    assert timeline(
        schedule, datetime(2026, 3, 7, 12, tzinfo=NEW_YORK), datetime(2026, 3, 10, tzinfo=NEW_YORK)
    ) == [
        ("2026-03-07T12:00-05:00", "p"),  # turn 6, from 02:30 EST
        ("2026-03-08T03:30-04:00", "q"),  # 24 hours after 02:30 EST the day before
        ("2026-03-09T02:30-04:00", "p"),  # a 23-hour turn
    ]
    fall = Layer(
        "daily", ("p", "q"), shift=DAY, handoff=datetime(2026, 10, 1, 1, 30, tzinfo=NEW_YORK)
    )
    schedule = Schedule("s", "America/New_York", [fall])
    # 1 November 2026: 01:30 happens twice; the hand-off is the first (EDT, 05:30 UTC).
    first = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)
    assert next_change(schedule, datetime(2026, 10, 31, 12, tzinfo=NEW_YORK)) == first
    assert first.utcoffset() == timedelta(hours=-4)
    assert next_change(schedule, first) == datetime(2026, 11, 2, 1, 30, tzinfo=NEW_YORK)
    second = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)  # 06:30 UTC, still a turn
    assert on_call(schedule, second) == on_call(schedule, first) != on_call(schedule, first - HOUR)


def test_a_hand_off_at_the_second_occurrence_of_a_repeated_time_starts_turn_0_there() -> None:
    # 25 October 2026 in Berlin: 02:00-03:00 happens twice; the second 02:30 is 01:30 UTC.
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)
    daily = Layer("d", ("a", "b"), shift=DAY, handoff=second)
    schedule = Schedule("s", "Europe/Berlin", [daily])
    assert timeline(
        schedule, datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 27, tzinfo=UTC)
    ) == [
        ("2026-10-24T00:00+00:00", "a"),
        ("2026-10-24T00:30+00:00", "b"),  # 02:30 summer time: a turn of 25 hours
        ("2026-10-25T01:30+00:00", "a"),  # the instant given, not the first 02:30
        ("2026-10-26T01:30+00:00", "b"),  # 02:30 winter time, 24 hours later
    ]
    assert on_call(schedule, second - ONE_US) == ("b",)
    assert on_call(schedule, second) == ("a",)
    # The first 02:30 as the hand-off: unchanged. (Instants in a repeated hour never equal
    # one in another zone, PEP 495: compare them in UTC.)
    first = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN).astimezone(UTC)
    assert first == second.astimezone(UTC) - HOUR
    at_first = Schedule("s", "Europe/Berlin", [attrs.evolve(daily, handoff=first)])
    assert next_change(at_first, datetime(2026, 10, 25, tzinfo=UTC)) == first
    assert on_call(at_first, first) == ("a",)
    # Other hand-offs at a repeated time keep the first occurrence: a year on, 31 October.
    weekly = Schedule("s", "Europe/Berlin", [attrs.evolve(daily, shift=WEEK)])
    year_on = datetime(2027, 10, 31, 2, 30, tzinfo=BERLIN).astimezone(UTC)  # turn 53, "b"
    assert next_change(weekly, year_on - DAY) == year_on
    assert on_call(weekly, year_on) == ("b",)
    for v in (second - ONE_US, second, year_on - ONE_US, year_on):
        assert oracle(weekly, v) == on_call(weekly, v)


def test_a_restriction_across_midnight_follows_the_turn_handed_off_at_midnight() -> None:
    ops = Layer("ops", ("ops",), shift=WEEK, handoff=datetime(2026, 5, 4, tzinfo=BERLIN))
    nights = Layer(
        "nights",
        ("n1", "n2"),
        shift=DAY,
        handoff=datetime(2026, 5, 4, tzinfo=BERLIN),
        restrictions=active_hours(start="22:00", end="06:00"),
    )
    schedule = Schedule("s", "Europe/Berlin", [ops, nights])
    assert timeline(
        schedule, datetime(2026, 5, 4, 21, tzinfo=BERLIN), datetime(2026, 5, 5, 12, tzinfo=BERLIN)
    ) == [
        ("2026-05-04T21:00+02:00", "ops"),
        ("2026-05-04T22:00+02:00", "n1"),
        ("2026-05-05T00:00+02:00", "n2"),  # the window goes on; the turn changes at midnight
        ("2026-05-05T06:00+02:00", "ops"),
    ]
    weekend = active_hours("fri", start="22:00", end="06:00")
    assert weekend == (Restriction(time(22), timedelta(hours=8), 5),)
    friday = Schedule(
        "s",
        "UTC",
        [
            Layer(
                "f",
                ("f",),
                shift=WEEK,
                handoff=datetime(2026, 5, 4, tzinfo=UTC),
                restrictions=weekend,
            )
        ],
    )
    assert on_call(friday, datetime(2026, 5, 9, 5, 59, tzinfo=UTC)) == ("f",)  # Saturday early
    assert on_call(friday, datetime(2026, 5, 9, 6, tzinfo=UTC)) == ()


def test_next_change_passes_over_hand_offs_to_the_same_member() -> None:
    repeated = Layer("r", ("a", "a", "b"), shift=HOUR, handoff=datetime(2026, 1, 1, tzinfo=UTC))
    schedule = Schedule("s", "UTC", [repeated])
    assert next_change(schedule, datetime(2026, 1, 1, tzinfo=UTC)) == datetime(
        2026, 1, 1, 2, tzinfo=UTC
    )
    assert next_change(schedule, datetime(2026, 1, 1, 2, tzinfo=UTC)) == datetime(
        2026, 1, 1, 3, tzinfo=UTC
    )


def test_next_change_passes_over_windows_where_the_layer_below_has_the_same_person() -> None:
    base = Layer("base", ("a",), shift=WEEK, handoff=datetime(2026, 1, 5, tzinfo=UTC))
    top = Layer(
        "top",
        ("a", "b"),
        shift=WEEK,
        handoff=datetime(2026, 1, 5, tzinfo=UTC),
        restrictions=active_hours("mon-fri", start="09:00", end="17:00"),
    )
    schedule = Schedule("s", "UTC", [base, top])
    # a's week: the windows open and close over a, so the first change is b's first window.
    assert next_change(schedule, datetime(2026, 1, 5, tzinfo=UTC)) == datetime(
        2026, 1, 12, 9, tzinfo=UTC
    )


def test_next_change_is_none_when_the_answer_never_changes() -> None:
    handoff = datetime(2026, 1, 5, tzinfo=UTC)
    one = Layer("one", ("a",), shift=HOUR, handoff=handoff)
    same_on_top = Layer(
        "top",
        ("a", "a"),
        shift=DAY,
        handoff=handoff,
        restrictions=active_hours(start="09:00", end="17:00"),
    )
    assert next_change(Schedule("s", "Europe/Berlin", [one]), handoff) is None
    assert next_change(Schedule("s", "Europe/Berlin", [one, same_on_top]), handoff) is None
    ended = Layer("x", ("a", "b"), shift=HOUR, handoff=handoff, end=handoff + DAY)
    assert next_change(Schedule("s", "UTC", [ended]), handoff + DAY) is None
    # b's turns are 21:00-09:00 and never meet the 09:00-12:00 windows: without DST the
    # answer repeats every week, so one week unchanged is for ever...
    hidden = Layer(
        "h",
        ("a", "b"),
        shift=timedelta(hours=12),
        handoff=datetime(2026, 1, 5, 9, tzinfo=UTC),
        restrictions=active_hours(start="09:00", end="12:00"),
    )
    assert next_change(Schedule("s", "UTC", [one, hidden]), handoff + HOUR) is None
    # ...but in Berlin, summer time moves the twelve-hour turns an hour against the windows:
    # b's turn runs to 10:00 summer time, into the window from 09:00 on 29 March.
    hidden = attrs.evolve(hidden, handoff=datetime(2026, 1, 5, 9, tzinfo=BERLIN))
    berlin = Schedule("s", "Europe/Berlin", [one, hidden])
    assert next_change(berlin, handoff + HOUR) == datetime(2026, 3, 29, 9, tzinfo=BERLIN)
    assert on_call(berlin, datetime(2026, 3, 29, 9, tzinfo=BERLIN)) == ("b",)


def test_an_override_far_ahead_is_found_without_walking_the_years() -> None:
    handoff = datetime(2026, 1, 5, tzinfo=UTC)
    base = Layer("base", ("a",), shift=HOUR, handoff=handoff)
    top = Layer(
        "top",
        ("a",),
        shift=DAY,
        handoff=handoff,
        restrictions=active_hours("mon-fri", start="09:00", end="17:00"),
    )
    far = Override("b", datetime(2400, 1, 1, tzinfo=UTC), datetime(2400, 1, 2, tzinfo=UTC))
    schedule = Schedule("s", "Europe/Berlin", [base, top], overrides=[far])
    far_enough = timedelta(days=150_000)  # past the default ten years
    calls = _calls(lambda: next_change(schedule, handoff, horizon=far_enough))
    assert next_change(schedule, handoff, horizon=far_enough) == datetime(2400, 1, 1, tzinfo=UTC)
    assert calls < 2_000
    assert next_change(schedule, handoff) is None  # beyond the default horizon


def test_overlapping_overrides_the_later_listed_wins_and_equal_neighbours_join() -> None:
    t = datetime(2026, 6, 1, tzinfo=UTC)
    overrides = [
        Override("x", t, t + 10 * HOUR),
        Override("y", t + 2 * HOUR, t + 4 * HOUR),  # later: wins inside x
        Override("x", t + 10 * HOUR, t + 12 * HOUR),  # touches the first: no change at 10:00
    ]
    schedule = Schedule("s", "UTC", overrides=overrides)
    assert timeline(schedule, t - HOUR, t + DAY) == [
        ("2026-05-31T23:00+00:00", "-"),
        ("2026-06-01T00:00+00:00", "x"),
        ("2026-06-01T02:00+00:00", "y"),
        ("2026-06-01T04:00+00:00", "x"),
        ("2026-06-01T12:00+00:00", "-"),
    ]
    reordered = Schedule("s", "UTC", overrides=[overrides[1], overrides[0], overrides[2]])
    assert on_call(reordered, t + 3 * HOUR) == ("x",)


def test_a_layer_exists_only_between_its_start_and_end() -> None:
    handoff = datetime(2026, 1, 5, tzinfo=UTC)
    base = Layer("base", ("a",), shift=WEEK, handoff=handoff)
    cover = Layer(
        "cover", ("c",), shift=WEEK, handoff=handoff, start=handoff + DAY, end=handoff + 2 * DAY
    )
    schedule = Schedule("s", "UTC", [base, cover])
    assert [on_call(schedule, handoff + k * DAY - ONE_US) for k in (1, 2, 3)] == [
        ("a",),
        ("c",),
        ("a",),
    ]
    assert on_call(schedule, handoff + DAY) == ("c",)
    assert next_change(schedule, handoff) == handoff + DAY
    assert next_change(schedule, handoff + DAY) == handoff + 2 * DAY


def test_first_on_call_waits_for_someone_up_to_the_limit() -> None:
    weekend = Layer(
        "weekend",
        ("w",),
        shift=WEEK,
        handoff=datetime(2026, 1, 5, tzinfo=UTC),
        restrictions=active_hours("sat-sun", start="10:00", end="18:00"),
    )
    schedule = Schedule("s", "UTC", [weekend])
    monday = datetime(2026, 1, 5, 12, tzinfo=UTC)
    saturday = datetime(2026, 1, 10, 10, tzinfo=UTC)
    assert first_on_call(schedule, monday, monday + WEEK) == saturday
    assert first_on_call(schedule, monday, saturday) == saturday  # the limit is included
    assert first_on_call(schedule, monday, saturday - ONE_US) is None
    assert first_on_call(schedule, saturday, saturday) == saturday
    assert first_on_call(schedule, monday, monday - DAY) is None


def test_instants_come_back_in_the_zone_they_were_asked_in() -> None:
    layer = Layer("l", ("a", "b"), shift=DAY, handoff=datetime(2026, 1, 5, 9, tzinfo=BERLIN))
    schedule = Schedule("s", "Europe/Berlin", [layer])
    asked = pendulum.datetime(2026, 1, 5, 12, tz="America/New_York")
    found = next_change(schedule, asked)
    assert found == datetime(2026, 1, 6, 9, tzinfo=BERLIN)
    assert found is not None and found.tzinfo is asked.tzinfo and type(found) is datetime


def test_a_naive_instant_is_refused() -> None:
    schedule = Schedule(
        "s",
        "UTC",
        overrides=[
            Override("a", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
        ],
    )
    with pytest.raises(NaiveDatetimeError, match="timezone-aware"):
        on_call(schedule, datetime(2026, 1, 1, 12))
    with pytest.raises(IssueError, match="timezone-aware datetime"):
        next_change(schedule, "2026-01-01")  # type: ignore[arg-type]


def _calls(action: Callable[[], object]) -> int:
    """How many functions (Python and built-in) *action* calls: work, not time."""
    count = 0

    def profile(_frame: object, event: str, _arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


def test_the_work_of_an_answer_does_not_grow_with_the_years_from_the_hand_off() -> None:
    base = Layer(
        "base", ("a", "b", "c", "d"), shift=WEEK, handoff=datetime(2026, 3, 2, 9, tzinfo=BERLIN)
    )
    night = Layer(
        "night",
        ("e", "f"),
        shift=DAY,
        handoff=datetime(2026, 3, 2, tzinfo=BERLIN),
        restrictions=active_hours(start="22:00", end="06:00"),
    )
    biz = Layer(
        "biz",
        ("g", "h", "i"),
        shift=timedelta(hours=12),
        handoff=datetime(2026, 3, 2, tzinfo=BERLIN),
        restrictions=active_hours("mon-fri", start="09:00", end="17:00"),
    )
    overrides = [
        Override(
            f"o{i}",
            datetime(2026, 1, 1, tzinfo=UTC) + i * WEEK,
            datetime(2026, 1, 1, 5, tzinfo=UTC) + i * WEEK,
        )
        for i in range(50)
    ]
    schedule = Schedule("s", "Europe/Berlin", [base, night, biz], overrides=overrides)
    # The same local time of the same weekday, 374 and 6,974 years apart.
    wednesdays = [
        datetime(y, m, d, 19, tzinfo=BERLIN)
        for y, m, d in ((2026, 6, 3), (2400, 6, 7), (9000, 6, 4))
    ]
    assert {w.isoweekday() for w in wednesdays} == {3}
    answers, changes = [], []
    for w in wednesdays:
        next_change(schedule, w)  # builds the zone's frame around w (the plan keeps two)
        answers.append(_calls(lambda w=w: on_call(schedule, w)))  # type: ignore[misc]
        changes.append(_calls(lambda w=w: next_change(schedule, w)))  # type: ignore[misc]
    assert answers[0] == answers[1] == answers[2]
    assert changes[0] == changes[1] == changes[2]
    assert [next_change(schedule, w) for w in wednesdays] == [w + 3 * HOUR for w in wednesdays]


def test_a_schedule_pickles_and_compares_by_its_definition() -> None:
    layer = Layer(
        "l",
        ["a", "b"],
        shift=DAY,
        handoff=datetime(2026, 1, 5, 9, tzinfo=BERLIN),
        restrictions=active_hours("mon", start="09:00", end="10:00"),
    )
    schedule = Schedule("s", "Europe/Berlin", [layer])
    on_call(schedule, datetime(2026, 1, 5, 9, 30, tzinfo=UTC))  # builds the plan
    copy = pickle.loads(pickle.dumps(schedule))
    assert copy == schedule and hash(copy) == hash(schedule)
    assert copy.layers[0].members == ("a", "b")  # lists become tuples
    assert layer.handoff == datetime(2026, 1, 5, 8, tzinfo=UTC) and layer.handoff.tzinfo is UTC
    assert repr(schedule).startswith("Schedule(name='s', zone='Europe/Berlin', layers=(Layer(")


# -- refused values ------------------------------------------------------------------------

T = datetime(2026, 1, 5, tzinfo=UTC)


def _layer(**kw: object) -> Layer:
    args: dict[str, object] = {"shift": DAY, "handoff": T, **kw}
    members = args.pop("members", ("a",))
    return Layer("l", members, **args)  # type: ignore[arg-type]


BAD = [
    (
        "zero window",
        lambda: Restriction(time(9), timedelta(0)),
        "duration",
        "positive timedelta of at most a day",
    ),
    (
        "daily over a day",
        lambda: Restriction(time(9), timedelta(hours=25)),
        "duration",
        "at most a day",
    ),
    (
        "weekly over a week",
        lambda: Restriction(time(9), timedelta(days=8), 1),
        "duration",
        "at most a week",
    ),
    (
        "start with tzinfo",
        lambda: Restriction(time(9, tzinfo=UTC), HOUR),
        "start",
        "without tzinfo",
    ),
    (
        "weekday zero",
        lambda: Restriction(time(9), HOUR, 0),
        "day",
        r"ISO weekday from 1 \(Monday\)",
    ),
    ("no members", lambda: _layer(members=()), "members", "at least one member"),
    ("members as a string", lambda: _layer(members="alice"), "members", "must be a list"),
    (
        "members as a dict",
        lambda: _layer(members={"a": 1, "b": 2}),
        "members",
        r"members must be a list or tuple of names, in rotation order, got \{'a': 1, 'b': 2\}",
    ),
    (
        "members as a set",
        lambda: _layer(members={"a", "b"}),
        "members",
        "must be a list or tuple of names",
    ),
    (
        "members as a generator",
        lambda: _layer(members=(m for m in "ab")),
        "members",
        "must be a list or tuple of names",
    ),
    (
        "an empty member",
        lambda: _layer(members=("a", "")),
        "members[1]",
        "a member must be a non-empty",
    ),
    ("zero shift", lambda: _layer(shift=timedelta(0)), "shift", "positive timedelta"),
    (
        "shift with microseconds",
        lambda: _layer(shift=timedelta(hours=1, microseconds=5)),
        "shift",
        r"shift must be a whole number of seconds, got datetime.timedelta\(seconds=3600, "
        r"microseconds=5\) \(1:00:00.000005\)",
    ),
    (
        "shift of half a second",
        lambda: _layer(shift=timedelta(milliseconds=500)),
        "shift",
        "whole number of seconds",
    ),
    (
        "weekly window over a day with microseconds",
        lambda: Restriction(time(18), timedelta(days=2, microseconds=1), 5),
        "duration",
        "duration over a day must be a whole number of seconds",
    ),
    (
        "naive handoff",
        lambda: _layer(handoff=datetime(2026, 1, 5)),
        "handoff",
        "must be timezone-aware",
    ),
    ("end before start", lambda: _layer(start=T, end=T - HOUR), "end", "not after its start"),
    (
        "restriction pairs",
        lambda: _layer(restrictions=[("09:00", "17:00")]),
        "restrictions[0]",
        "must hold Restriction",
    ),
    ("override backwards", lambda: Override("a", T, T), "end", "not after its start"),
    ("override naive", lambda: Override("a", datetime(2026, 1, 5), T), "start", "timezone-aware"),
    (
        "misspelt zone",
        lambda: Schedule("s", "Europe/Berln", [_layer()]),
        "zone",
        r"'Europe/Berln' is not a known time zone \(did you mean 'Europe/Berlin'\?\)",
    ),
    (
        "a region",
        lambda: Schedule("s", "Europe", [_layer()]),
        "zone",
        "is a region, not a time zone",
    ),
    ("nothing at all", lambda: Schedule("s", "UTC"), "layers", "no layer and no override"),
    (
        "layers as a set",
        lambda: Schedule("s", "UTC", {_layer()}),
        "layers",
        r"layers must be a list, in order \(a set has no order of its own\)",
    ),
    (
        "overrides as a dict",
        lambda: Schedule("s", "UTC", overrides={Override("a", T, T + HOUR): 1}),
        "overrides",
        "overrides must be a list, got",
    ),
    (
        "layers of tuples",
        lambda: Schedule("s", "UTC", [("a",)]),
        "layers[0]",
        "must hold Layer objects",
    ),
    (
        "misspelt day",
        lambda: active_hours("mon-fry", start="09:00", end="17:00"),
        "days",
        r"'fry' is not a weekday \(did you mean 'fri'\?\)",
    ),
    (
        "bad time",
        lambda: active_hours(start="25:00", end="17:00"),
        "start",
        "time of day like '09:00'",
    ),
]


@pytest.mark.parametrize(("case", "build", "where", "message"), BAD, ids=[r[0] for r in BAD])
def test_a_bad_value_is_refused_when_built(
    case: str, build: Callable[[], object], where: str, message: str
) -> None:
    with pytest.raises(PolicyError, match=message) as info:
        build()
    assert isinstance(info.value, EscalationRulesError) and isinstance(info.value, ValueError)
    assert info.value.where == where
    assert str(info.value).startswith(f"{where}: ")


def test_a_refused_value_is_kept_with_its_suggestion() -> None:
    with pytest.raises(PolicyError) as info:
        Schedule("s", "America/New_Yrok", [_layer()])
    assert (info.value.value, info.value.suggestion) == ("America/New_Yrok", "America/New_York")
    with pytest.raises(PolicyError) as info:
        active_hours("sat-sunday,tusday", start="09:00", end="10:00")
    assert info.value.suggestion == "tuesday"


def test_active_hours_reads_the_words_people_write() -> None:
    nine_to_five = timedelta(hours=8)
    assert [r.day for r in active_hours("mon-fri", start="09:00", end="17:00")] == [1, 2, 3, 4, 5]
    assert [r.day for r in active_hours("sat-mon", start="9:00", end="17:00")] == [1, 6, 7]
    assert [r.day for r in active_hours("Monday, wed-thu", start="09:00", end="17:00")] == [1, 3, 4]
    assert active_hours(start=time(9), end="17:00") == (Restriction(time(9), nine_to_five),)
    assert active_hours(start="22:00", end="06:00")[0].duration == timedelta(hours=8)
    assert active_hours(start="08:00", end="08:00")[0].duration == DAY
    assert active_hours(start="08:00", end="24:00")[0].duration == timedelta(hours=16)
    layer = _layer(
        restrictions=[
            *active_hours("tue", start="09:00", end="10:00"),
            *active_hours(start="01:00", end="02:00"),
        ]
        * 2
    )
    assert [r.day for r in layer.restrictions] == [None, 2]  # sorted, without repeats


# -- laws, against the oracle --------------------------------------------------------------


def oracle(schedule: Schedule, v: datetime) -> tuple[str, ...]:
    """Who is on call at *v*, from the definitions, with datetime and zoneinfo alone."""
    v = v.astimezone(UTC)  # compared with local datetimes: across tzinfos, so as instants
    for override in reversed(schedule.overrides):
        if override.start <= v < override.end:
            return (override.member,)
    zone = ZoneInfo(schedule.zone)
    for layer in reversed(schedule.layers):
        if (layer.start is not None and v < layer.start) or (
            layer.end is not None and v >= layer.end
        ):
            continue
        if layer.restrictions and not _oracle_inside(layer, zone, v):
            continue
        return (layer.members[_oracle_turn(layer, zone, v) % len(layer.members)],)
    return ()


def _oracle_turn(layer: Layer, zone: ZoneInfo, v: datetime) -> int:
    guess = (v - layer.handoff) // layer.shift
    if layer.shift % DAY:
        return guess
    local = layer.handoff.astimezone(zone).replace(tzinfo=None, fold=0)

    def handoff(k: int) -> datetime:
        if k == 0:  # the instant given, even the second occurrence of a repeated time
            return layer.handoff
        return (local + k * layer.shift).replace(tzinfo=zone, fold=0)

    return next(k for k in range(guess - 2, guess + 3) if handoff(k) <= v < handoff(k + 1))


def _oracle_inside(layer: Layer, zone: ZoneInfo, v: datetime) -> bool:
    today = v.astimezone(zone).date()
    raw = []
    for back in range(-10, 3):
        day = today + timedelta(days=back)
        for r in layer.restrictions:
            if r.day in (None, day.isoweekday()):
                opens = datetime.combine(day, r.start)
                raw.append([opens, opens + r.duration])
    raw.sort()
    merged = [raw[0]]
    for opens, closes in raw[1:]:
        if opens <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], closes)
        else:
            merged.append([opens, closes])
    for opens, closes in merged:
        if closes - opens >= WEEK:  # windows all week long: no restriction
            return True
        if opens.replace(tzinfo=zone) <= v < closes.replace(tzinfo=zone):
            return True
    return False


ZONES = ["UTC", "Europe/Berlin", "America/New_York"]
# Days around the 2026 changes of offset in Berlin and New York, and one without.
ANCHORS = [
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
    datetime(2026, 6, 15, tzinfo=UTC),
]
SHIFTS = [timedelta(minutes=m) for m in (45, 90, 60, 180, 315, 480, 720)] + [DAY, 2 * DAY, WEEK]
MEMBERS = ["a", "b", "c"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def restrictions(draw: st.DrawFn) -> Restriction:
    start = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45])))
    day = draw(st.none() | st.integers(1, 7))
    quarters = draw(st.integers(1, 96 if day is None else 7 * 96))
    return Restriction(start, quarters * QUARTER, day)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Schedule, datetime]:
    """A small schedule on whole quarter hours near a change of offset, and that instant.

    Shrinks towards one unrestricted layer of one member in UTC."""
    zone = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(ANCHORS))

    def instant(days: int) -> datetime:
        return anchor + draw(st.integers(-days * 96, days * 96)) * QUARTER

    layers = []
    for i in range(draw(st.integers(0, 3))):
        start = instant(12) if draw(st.booleans()) else None
        end = (
            None
            if not draw(st.booleans())
            else (start or instant(12)) + draw(st.integers(1, 800)) * QUARTER
        )
        layers.append(
            Layer(
                f"l{i}",
                draw(st.lists(st.sampled_from(MEMBERS), min_size=1, max_size=4)),
                shift=draw(st.sampled_from(SHIFTS)),
                handoff=instant(60),
                start=start,
                end=end,
                restrictions=draw(st.lists(restrictions(), max_size=3)),
            )
        )
    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        start = instant(5)
        overrides.append(
            Override(
                draw(st.sampled_from(MEMBERS)), start, start + draw(st.integers(1, 200)) * QUARTER
            )
        )
    assume(layers or overrides)
    return Schedule("s", zone, layers, overrides=overrides), instant(4)


def _rebuilt(schedule: Schedule) -> Schedule:
    return Schedule(
        schedule.name, schedule.zone, list(schedule.layers), overrides=list(schedule.overrides)
    )


@SETTINGS
@given(schedules(), st.lists(st.integers(-4 * 96, 4 * 96), min_size=1, max_size=12), st.randoms())
def test_who_is_on_call_is_a_function_of_the_instant_alone(
    case: tuple[Schedule, datetime], offsets: list[int], rnd: random.Random
) -> None:
    schedule, t = case
    instants = [t + k * QUARTER + k * ONE_US for k in offsets]
    first = [on_call(schedule, v) for v in instants]
    fresh, copy = _rebuilt(schedule), pickle.loads(pickle.dumps(schedule))
    order = list(range(len(instants)))
    rnd.shuffle(order)
    assert fresh == schedule
    assert {i: on_call(fresh, instants[i]) for i in order} == dict(enumerate(first))
    assert [on_call(copy, v) for v in reversed(instants)] == first[::-1]
    assert [on_call(schedule, v) for v in instants] == first


@SETTINGS
@given(schedules(), st.integers(0, 10**6))
def test_the_answer_holds_until_next_change_and_differs_there(
    case: tuple[Schedule, datetime], micro: int
) -> None:
    schedule, t = case
    t += timedelta(microseconds=micro)
    now = on_call(schedule, t)
    change = next_change(schedule, t)
    if change is None:
        for later in (HOUR, DAY, 9 * DAY, 400 * DAY):
            assert on_call(schedule, t + later) == now
        return
    assert change > t
    assert on_call(schedule, change) != now
    assert on_call(schedule, change - ONE_US) == now
    for share in (0.1, 0.5, 0.9):
        assert on_call(schedule, t + (change - t) * share) == now
    assert oracle(schedule, change) != oracle(schedule, change - ONE_US)


@settings(SETTINGS, max_examples=25)
@given(schedules())
def test_quarter_by_quarter_the_oracle_agrees_and_each_change_is_found(
    case: tuple[Schedule, datetime],
) -> None:
    schedule, t = case
    grid = [t + k * QUARTER for k in range(3 * 96)]  # three days, around a change of offset
    expected = [oracle(schedule, v) for v in grid]
    assert [on_call(schedule, v) for v in grid] == expected
    for i in range(0, len(grid), 7):
        later = next((j for j in range(i + 1, len(grid)) if expected[j] != expected[i]), None)
        found = next_change(schedule, grid[i])
        if later is not None:
            assert found == grid[later]
        else:
            assert found is None or found > grid[-1]


def test_the_oracle_itself_knows_the_conventions() -> None:
    # The oracle is only evidence if it is right on the cases worked by hand above.
    night = Layer(
        "night",
        ("n",),
        shift=WEEK,
        handoff=datetime(2026, 3, 2, tzinfo=BERLIN),
        restrictions=active_hours(start="22:00", end="06:00"),
    )
    schedule = Schedule("s", "Europe/Berlin", [night])
    assert oracle(schedule, datetime(2026, 3, 29, 5, 59, tzinfo=BERLIN)) == ("n",)
    assert oracle(schedule, datetime(2026, 3, 29, 6, tzinfo=BERLIN)) == ()
    spring = Layer(
        "daily", ("p", "q"), shift=DAY, handoff=datetime(2026, 3, 1, 2, 30, tzinfo=NEW_YORK)
    )
    ny = Schedule("s", "America/New_York", [spring])
    assert oracle(ny, datetime(2026, 3, 8, 3, 29, tzinfo=NEW_YORK)) == ("p",)
    assert oracle(ny, datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK)) == ("q",)
    assert date(2026, 3, 8).isoweekday() == 7


def test_next_change_looks_ten_years_ahead_at_most_and_says_none_for_a_constant_answer() -> None:
    # The rotating top layer shows its Monday member only, "a", over a base layer of "a":
    # the answer is "a" for ever, though the structure changes every day (and with DST).
    from zoneinfo import ZoneInfo

    from escalation_rules import PolicyError

    monday = datetime(2026, 3, 2, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    schedule = Schedule(
        "s",
        "Europe/Berlin",
        [
            Layer("base", ["a"], shift=timedelta(days=7), handoff=monday),
            Layer(
                "top",
                ["a", "b", "c", "d", "e", "f", "g"],
                shift=timedelta(days=1),
                handoff=monday,
                restrictions=active_hours("mon", start="09:00", end="17:00"),
            ),
        ],
    )
    assert next_change(schedule, monday) is None
    assert next_change(schedule, monday, horizon=timedelta(days=30)) is None
    with pytest.raises(PolicyError, match="horizon must be a positive timedelta"):
        next_change(schedule, monday, horizon=timedelta(0))
    # a schedule that does change is found within the horizon, and not beyond it
    weekly = Schedule("w", "UTC", [Layer("w", ["a", "b"], shift=timedelta(days=7), handoff=monday)])
    assert next_change(weekly, monday) == monday + timedelta(days=7)
    assert next_change(weekly, monday, horizon=timedelta(days=6)) is None
