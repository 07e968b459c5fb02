"""Laws of the boundary conventions, breaks, business days, zones and short blocks.

Hypothesis checks each against the plain day-by-day oracle of ``test_calendar_properties``
(extended with breaks), or against the calendar's own exact arithmetic where a convention
is defined by it: a sum landing on a closing moves to the next opening, and so on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules._time.calendar import BOUNDARY_PRESETS, Boundaries, BusinessCalendar

from .test_calendar_properties import (
    ZONES,
    any_calendar,
    instants,
    oracle_spans,
    quarter,
    utc,
    with_durations,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(SETTINGS, max_examples=30)
ZERO = timedelta(0)
PRESETS = st.sampled_from(sorted(BOUNDARY_PRESETS))
CONVENTIONS = st.builds(
    Boundaries,
    st.sampled_from(["closing", "next_opening"]),
    st.sampled_from(["instant", "next_opening"]),
    st.sampled_from(["negative", "zero", "absolute"]),
)


def with_conventions(cal: BusinessCalendar, conventions: Boundaries | str) -> BusinessCalendar:
    return attrs.evolve(cal, boundaries=conventions)


# ------------------------------------------------------------------ boundary conventions


@SETTINGS
@given(with_durations(), instants(), CONVENTIONS)
def test_a_sum_differs_from_the_exact_one_only_at_its_edges(
    case: tuple[BusinessCalendar, list[timedelta]], t: datetime, conventions: Boundaries
) -> None:
    exact, [d] = case
    cal = with_conventions(exact, conventions)
    got, plain = utc(cal.add(t, d)), utc(exact.add(t, d))
    if d < ZERO:
        assert got == plain  # subtracting is never changed
    elif d == ZERO:
        assert got == (utc(exact.next_opening(t)) if conventions.zero == "next_opening" else plain)
    elif conventions.landing == "next_opening":
        assert got == utc(exact.next_opening(plain))
    else:
        assert got == plain


@SETTINGS
@given(with_durations(), instants(), CONVENTIONS)
def test_between_undoes_a_forward_sum_under_every_convention(
    case: tuple[BusinessCalendar, list[timedelta]], t: datetime, conventions: Boundaries
) -> None:
    exact, [d] = case
    d = abs(d)
    cal = with_conventions(exact, conventions)
    assert cal.between(t, cal.add(t, d)) == d


@SETTINGS
@given(any_calendar, instants(), instants(), CONVENTIONS)
def test_a_sum_of_the_time_between_ends_where_its_convention_says(
    exact: BusinessCalendar, start: datetime, x: datetime, conventions: Boundaries
) -> None:
    if utc(x) < utc(start):
        start, x = x, start
    cal = with_conventions(exact, conventions)
    spent = cal.between(start, x)
    got = utc(cal.add(start, spent))
    if spent == ZERO:
        nothing = exact.next_opening(start) if conventions.zero == "next_opening" else start
        assert got == utc(nothing)
    elif conventions.landing == "next_opening":
        assert got == utc(exact.next_opening(x))
    elif exact.is_open(x - timedelta(microseconds=1)):
        assert got == utc(x)  # business time ran until x
    else:
        assert got == utc(exact.previous_closing(x))  # type: ignore[arg-type]  # it stopped there


@SETTINGS
@given(any_calendar, instants(), instants(), CONVENTIONS)
def test_a_reversed_difference_follows_its_convention(
    exact: BusinessCalendar, a: datetime, b: datetime, conventions: Boundaries
) -> None:
    cal = with_conventions(exact, conventions)
    forward = exact.between(a, b)
    got = cal.between(a, b)
    if utc(b) >= utc(a):
        assert got == forward
    elif conventions.reversed == "zero":
        assert got == ZERO
    elif conventions.reversed == "absolute":
        assert got == -forward == cal.between(b, a)
    else:
        assert got == forward
    if conventions.reversed != "negative":
        assert got >= ZERO  # never negative


# ------------------------------------------------------------------ breaks


def oracle_spans_with_breaks(
    cal: BusinessCalendar, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    """The oracle's open intervals, less the calendar's breaks (mapped with fold=0)."""
    zone = ZoneInfo(cal.tz)
    cuts = []
    for day, pairs in cal.breaks:
        for start, end in pairs:
            end_day = day + timedelta(days=1) if end <= start else day
            a = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
            b = datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)
            if a < b:
                cuts.append((a, b))
    out = []
    for a, b in oracle_spans(cal, lo, hi):
        pieces = [(a, b)]
        for c, d in cuts:
            pieces = [
                piece
                for x, y in pieces
                for piece in ((x, min(y, c)), (max(x, d), y))
                if piece[0] < piece[1]
            ]
        out.extend(pieces)
    return sorted(out)


_BREAK_DAYS = st.dates(date(2025, 3, 1), date(2025, 4, 30))


def _paired(cuts: set[int]) -> list[tuple[time, time]]:
    ordered = sorted(cuts)
    return [(quarter(x), quarter(y)) for x, y in zip(ordered[::2], ordered[1::2], strict=False)]


# A date's breaks, never overlapping: within the day, the whole day, or across midnight.
_BREAKS_OF_A_DAY = st.one_of(
    st.sets(st.integers(0, 96), min_size=2, max_size=4).map(_paired),
    st.just([(time(0), time(0))]),
    st.integers(80, 95).map(lambda q: [(quarter(q), quarter(q + 16))]),
)


@st.composite
def calendars_with_breaks(draw: st.DrawFn) -> BusinessCalendar:
    """A random calendar with breaks on one to eight dates of March and April 2025."""
    cal = draw(any_calendar)
    breaks = draw(st.dictionaries(_BREAK_DAYS, _BREAKS_OF_A_DAY, min_size=1, max_size=8))
    return attrs.evolve(cal, breaks=breaks)


def instants_2025() -> st.SearchStrategy[datetime]:
    """Instants around the dates of the breaks, many on whole quarter hours."""
    zones = st.sampled_from([UTC, *(ZoneInfo(z) for z in ZONES)])
    anywhere = st.datetimes(
        datetime(2025, 2, 20), datetime(2025, 5, 10), timezones=zones, allow_imaginary=False
    )
    on_grid = anywhere.map(lambda t: t.replace(minute=t.minute // 15 * 15, second=0, microsecond=0))
    return st.one_of(on_grid, anywhere)


@FEWER
@given(calendars_with_breaks(), instants_2025(), instants_2025())
def test_breaks_agree_with_the_oracle(cal: BusinessCalendar, a: datetime, b: datetime) -> None:
    lo, hi = sorted((utc(a), utc(b)))
    expected = sum(
        (
            min(y, hi) - max(x, lo)
            for x, y in oracle_spans_with_breaks(cal, lo, hi)
            if y > lo and x < hi
        ),
        ZERO,
    )
    assert cal.between(lo, hi) == expected
    assert cal.is_open(a) == any(x <= utc(a) < y for x, y in oracle_spans_with_breaks(cal, a, a))


# ------------------------------------------------------------------ business days


def oracle_is_business_day(cal: BusinessCalendar, day: date) -> bool:
    """Do some of *day*'s own hours remain, mapped with fold=0, less the breaks?"""
    zone = ZoneInfo(cal.tz)
    exceptions = dict(cal.exceptions)
    if day in exceptions:
        pairs = exceptions[day]
    elif day in cal.holidays:
        pairs = ()
    else:
        pairs = cal.hours[day.weekday()]
    own = []
    for start, end in pairs:
        end_day = day + timedelta(days=1) if end <= start else day
        a = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
        b = datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)
        if a < b:
            own.append((a, b))
    if not own:
        return False
    lo, hi = min(a for a, _ in own), max(b for _, b in own)
    open_spans = oracle_spans_with_breaks(cal, lo, hi)
    return any(x < min(b, y) and max(a, x) < b and a < y for a, b in own for x, y in open_spans)


@FEWER
@given(st.one_of(any_calendar, calendars_with_breaks()), instants_2025(), st.integers(0, 12))
def test_business_days_keep_the_local_time_or_roll_to_the_next_opening(
    cal: BusinessCalendar, t: datetime, n: int
) -> None:
    zone = ZoneInfo(cal.tz)
    got = cal.add_business_days(t, n)
    begin = cal.next_opening(t)
    assert utc(got) >= utc(begin) >= utc(t)
    assert cal.is_open(got)
    day = begin.date()
    for _ in range(n):
        day += timedelta(days=1)
        while not oracle_is_business_day(cal, day):
            day += timedelta(days=1)
    wall = time(begin.hour, begin.minute, begin.second, begin.microsecond)
    target = datetime.combine(day, wall, tzinfo=zone)
    assert utc(got) == utc(cal.next_opening(target))
    if n == 0:
        assert utc(got) == utc(begin)
    # The same local time, where that local time exists (in a DST gap, 02:30 on the spring
    # night, it is the instant the zone maps it to, shown an hour later).
    exists = target.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == target.replace(
        tzinfo=None
    )
    if cal.is_open(target) and exists:
        assert (got.date(), got.time()) == (day, wall)


@FEWER
@given(st.one_of(any_calendar, calendars_with_breaks()), instants_2025(), st.integers(0, 10))
def test_business_days_are_monotone_in_n(cal: BusinessCalendar, t: datetime, n: int) -> None:
    assert utc(cal.add_business_days(t, n)) <= utc(cal.add_business_days(t, n + 1))


@SETTINGS
@given(calendars_with_breaks(), st.data())
def test_is_business_day_agrees_with_the_oracle(cal: BusinessCalendar, data: st.DataObject) -> None:
    near = [day + timedelta(days=k) for day, _ in cal.breaks for k in (-1, 0, 1)]
    day = data.draw(st.one_of(st.sampled_from(near), _BREAK_DAYS))
    assert cal.is_business_day(day) == oracle_is_business_day(cal, day)


# ------------------------------------------------------------------ zones and blocks


@FEWER
@given(any_calendar, st.sampled_from(ZONES), instants(), instants())
def test_in_zone_is_the_same_definition_in_another_zone(
    cal: BusinessCalendar, tz: str, a: datetime, b: datetime
) -> None:
    moved = cal.in_zone(tz)
    built = attrs.evolve(cal, tz=tz)
    assert moved == built
    assert moved.between(a, b) == built.between(a, b)
    assert moved.is_open(a) == built.is_open(a)


def long_blocks_first(cal: BusinessCalendar) -> BusinessCalendar:
    twin = attrs.evolve(cal)
    object.__setattr__(twin, "_index", twin._index.grown())
    return twin


@SETTINGS
@given(with_durations(weeks=60), instants(), instants(), PRESETS)
def test_short_blocks_and_long_blocks_give_the_same_answers(
    case: tuple[BusinessCalendar, list[timedelta]], a: datetime, b: datetime, preset: str
) -> None:
    cal, [d] = case
    cal = with_conventions(cal, preset)
    twin = long_blocks_first(cal)
    assert twin._index.block_us > cal._index.block_us or twin._index.outgrow_after is None
    assert utc(cal.add(a, d)) == utc(twin.add(a, d))
    assert cal.between(a, b) == twin.between(a, b)
    assert cal.is_open(b) == twin.is_open(b)
    assert utc(cal.next_opening(a)) == utc(twin.next_opening(a))
    closing, twins = cal.previous_closing(b), twin.previous_closing(b)
    assert (closing is None) == (twins is None)
    if closing is not None and twins is not None:
        assert utc(closing) == utc(twins)
