"""Calendars across centuries: bounded caches, counted blocks and the limit on intervals a day.

Between two far instants a calendar counts the business time of the blocks in between
without listing their intervals (away from the zone's offset changes and from holidays and
exceptions its hours repeat every week), and it keeps at most `MAX_BLOCKS_KEPT` listed
blocks. These tests check that the caches stay small whatever the span, that counting
agrees with listing anywhere in the years 1-9999 (against a twin calendar that lists every
block, as the calendar did before it counted), that answers do not depend on what the
caches hold, and that a day with too many intervals is refused where it is written.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from escalation_rules._exceptions import CalendarError
from escalation_rules._time.calendar import BusinessCalendar
from escalation_rules._time.calendar_index import (
    BLOCK_INTERVALS,
    MAX_BLOCK_WEEKS,
    MAX_BLOCKS_KEPT,
    MAX_TOTALS_KEPT,
    build_range,
)
from escalation_rules._time.calendar_spec import MAX_INTERVALS_PER_DAY, WEEK_US
from escalation_rules._time.calendar_zone import ZoneChanges, _agrees, load_changes

from .test_calendar_properties import calendars, dst_changes, utc, wall_week

OFFICE = {"mon-fri": [("09:00", "17:00")]}
YEAR_ONE = datetime(1, 1, 10, 10, 30, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIRST, LAST = datetime(1, 1, 5), datetime(9999, 12, 26)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Zones with rules of every kind: northern and southern DST, half-hour DST (Lord Howe), two
# hours (Troll), negative DST in the tz database (Dublin), none since 1945 (Kolkata), a
# zone that skipped a day (Apia), none at all (UTC).
ZONES = [
    "Europe/Berlin",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Antarctica/Troll",
    "Europe/Dublin",
    "America/St_Johns",
    "Asia/Kolkata",
    "Pacific/Apia",
    "UTC",
]


def listing(cal: BusinessCalendar) -> BusinessCalendar:
    """An equal calendar that lists every block it needs: it never reads its zone's changes,
    so it cannot count a block by weeks (what every calendar did before it could)."""
    twin = BusinessCalendar(
        cal.tz, cal.hours, holidays=cal.holidays, exceptions=dict(cal.exceptions)
    )
    twin._index._changes_read = True  # and _changes stays None: "unknown"
    assert twin == cal
    return twin


def fresh(cal: BusinessCalendar) -> BusinessCalendar:
    return BusinessCalendar(
        cal.tz, cal.hours, holidays=cal.holidays, exceptions=dict(cal.exceptions)
    )


@st.composite
def far_calendars_with_a_year(draw: st.DrawFn) -> tuple[BusinessCalendar, int]:
    """A random calendar in one of ZONES, with holidays and exceptions in far years too, and
    one of those years, in which some of them fall within a week of a change of the zone's
    offset (if it has one then). Shrinks towards Berlin, one interval on Mondays, year 1."""
    cal = draw(calendars())
    tz = draw(st.sampled_from(ZONES))
    years = draw(st.lists(st.integers(1, 9999), min_size=1, max_size=3))
    dates = st.builds(date, st.sampled_from(years), st.integers(1, 12), st.integers(1, 28))
    changes = dst_changes(tz, years[0]) if years[0] < 9999 else []
    if changes:
        near_a_change = st.builds(
            lambda day, days: day + timedelta(days=days),
            st.sampled_from(changes),
            st.integers(-6, 6),
        )
        dates = st.one_of(near_a_change, dates)
    holidays = draw(st.sets(dates, max_size=6))
    closed = draw(st.sets(dates, max_size=2)) - holidays
    exceptions = {**dict(cal.exceptions), **dict.fromkeys(closed, ())}
    far = attrs.evolve(cal, tz=tz, holidays=cal.holidays | holidays, exceptions=exceptions)
    return far, years[0]


def far_calendars() -> st.SearchStrategy[BusinessCalendar]:
    return far_calendars_with_a_year().map(lambda pair: pair[0])


def far_instants(first: datetime = FIRST, last: datetime = LAST) -> st.SearchStrategy[datetime]:
    """UTC instants from *first* to *last*, many on whole quarter hours, some within 30 days
    of either end (the ends of the supported years by default)."""
    anywhere = st.datetimes(first, last, timezones=st.just(UTC))
    on_grid = anywhere.map(lambda t: t.replace(minute=t.minute // 15 * 15, second=0, microsecond=0))
    quarters = st.integers(0, 30 * 96).map(lambda q: q * timedelta(minutes=15))
    near_ends = st.one_of(
        quarters.map(lambda d: (first + d).replace(tzinfo=UTC)),
        quarters.map(lambda d: (last - d).replace(tzinfo=UTC)),
    )
    return st.one_of(on_grid, anywhere, near_ends)


# ------------------------------------------------------------------ the caches


def test_a_year_one_issue_lists_a_few_blocks_only() -> None:
    cal = BusinessCalendar("Europe/Berlin", OFFICE)
    spent = cal.between(YEAR_ONE, NOW)
    assert utc(cal.add(YEAR_ONE, spent)) == NOW
    # Listed and kept: the blocks of the two ends. Counted: the 2,023 years between, with
    # the business time around a few kinds of DST change kept (one int each).
    assert len(cal._index.blocks) == len(cal._index.totals) == 2
    assert len(cal._index.arounds) < 20


def test_the_caches_stay_bounded_however_many_blocks_are_visited() -> None:
    cal = BusinessCalendar("Europe/Berlin", OFFICE, holidays=["1800-12-25", "2025-12-25"])
    for year in range(1, 9999, 37):
        cal.is_open(datetime(year, 6, 1, 12, tzinfo=UTC))
        cal.between(datetime(year, 1, 10, tzinfo=UTC), datetime(year + 1, 3, 1, tzinfo=UTC))
    assert len(cal._index.blocks) == MAX_BLOCKS_KEPT
    assert len(cal._index.totals) <= MAX_TOTALS_KEPT
    assert len(cal._index.arounds) <= MAX_TOTALS_KEPT


def test_a_calendar_with_many_intervals_a_day_lists_short_blocks() -> None:
    dense = [(time(h, m), time(h, m + 5)) for h in range(24) for m in (0, 15, 30, 45)]
    assert len(dense) == MAX_INTERVALS_PER_DAY
    cal = BusinessCalendar("Europe/Berlin", {"mon-sun": dense})
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    # Four years of 5 minutes in 15, less the intervals the spring gap moves onto others.
    assert (
        cal.between(start, end)
        == listing(cal).between(start, end)
        == timedelta(minutes=5 * 96 * (4 * 365 + 1) - 4 * 5 * 4)
    )
    assert cal._index.block_us < MAX_BLOCK_WEEKS * WEEK_US
    assert 0 < max(len(block[0]) for block in cal._index.blocks.values()) <= BLOCK_INTERVALS
    assert len(cal._index.blocks) <= 4  # the two ends; the years between are counted


def test_the_caches_are_not_part_of_the_value() -> None:
    a, b = BusinessCalendar("Europe/Berlin", OFFICE), BusinessCalendar("Europe/Berlin", OFFICE)
    a.between(YEAR_ONE, NOW)
    assert a._index.blocks and not b._index.blocks
    assert a == b and hash(a) == hash(b) and repr(a) == repr(b)
    clone = pickle.loads(pickle.dumps(a))
    assert clone == a and not clone._index.blocks and not clone._index.totals
    assert clone.between(YEAR_ONE, NOW) == a.between(YEAR_ONE, NOW)


def test_threads_sharing_a_calendar_get_the_answers_of_a_fresh_one() -> None:
    # Four threads fill and empty the shared caches at once (far years, more blocks than
    # are kept); every answer must be what a calendar of its own gives.
    shared = BusinessCalendar("America/Santiago", OFFICE, holidays=["2300-09-07", "0040-01-01"])
    starts = [datetime(year, 9, 1, 12, tzinfo=UTC) for year in range(1, 9900, 99)]
    span = timedelta(hours=3000)

    def work(offset: int) -> list[tuple[timedelta, datetime]]:
        rotated = starts[offset:] + starts[:offset]
        return [(shared.between(t, t + span * 3), utc(shared.add(t, span))) for t in rotated]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, [0, 30, 60, 90]))
    own = {
        t: (fresh(shared).between(t, t + span * 3), utc(fresh(shared).add(t, span))) for t in starts
    }
    for offset, got in zip([0, 30, 60, 90], results, strict=True):
        assert got == [own[t] for t in starts[offset:] + starts[:offset]]


# ------------------------------------------------------------------ the limit on intervals


def _every_ten_minutes(count: int) -> list[tuple[str, str]]:
    return [
        (f"{m // 60:02d}:{m % 60:02d}", f"{m // 60:02d}:{m % 60 + 5:02d}")
        for m in range(0, 10 * count, 10)
    ]


def test_a_weekday_with_too_many_intervals_is_refused_where_it_is_written() -> None:
    assert BusinessCalendar("UTC", {"tue": _every_ten_minutes(MAX_INTERVALS_PER_DAY)})
    with pytest.raises(CalendarError) as info:
        BusinessCalendar("UTC", {"mon": [("09:00", "17:00")], "tue": _every_ten_minutes(97)})
    err = info.value
    assert str(err) == (
        "hours['tue']: 97 opening intervals on 'tue'; a day takes at most 96 (one every 15 minutes)"
    )
    assert (err.where, err.value, err.subject) == ("hours['tue']", 97, ("hours", "tue"))


def test_a_dated_exception_with_too_many_intervals_is_refused_where_it_is_written() -> None:
    with pytest.raises(CalendarError) as info:
        BusinessCalendar("UTC", OFFICE, exceptions={"2025-12-24": _every_ten_minutes(100)})
    err = info.value
    assert str(err) == (
        "exceptions['2025-12-24']: 100 opening intervals on 2025-12-24; a day takes at most 96 "
        "(one every 15 minutes)"
    )
    assert (err.value, err.subject) == (100, ("exceptions", "2025-12-24"))


def test_a_huge_list_of_intervals_is_refused_by_its_length_before_it_is_read() -> None:
    with pytest.raises(CalendarError, match="1000000 opening intervals on 'mon-fri'"):
        BusinessCalendar("UTC", {"mon-fri": [object()] * 1_000_000})  # type: ignore[arg-type]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_exception_on_the_first_or_last_date_is_accepted(day: str) -> None:
    # Checking it against its neighbours once asked for the day before 0001-01-01.
    cal = BusinessCalendar("UTC", OFFICE, exceptions={day: [("22:00", "02:00")]})
    assert cal.exceptions[0][0] == date.fromisoformat(day)


# ------------------------------------------------------------------ the zone's changes


def test_the_changes_of_a_zone_continue_with_its_yearly_rule() -> None:
    changes = load_changes(ZoneInfo("Europe/Berlin"))
    assert changes is not None
    after = changes.next_after((datetime(2100, 1, 1, tzinfo=UTC) - EPOCH) // ONE_US)
    assert after is not None
    later = changes.next_after(after)
    assert later is not None
    # Clocks change at 01:00 UTC on the last Sundays of March and October.
    assert EPOCH + after * ONE_US == datetime(2100, 3, 28, 1, tzinfo=UTC)
    assert EPOCH + later * ONE_US == datetime(2100, 10, 31, 1, tzinfo=UTC)
    assert changes.kind(after) == "rule" and changes.kind((NOW - EPOCH) // ONE_US) == "file"
    assert (fixed := load_changes(ZoneInfo("UTC"))) is not None and fixed.next_after(0) is None


def test_changes_the_zone_itself_does_not_show_are_not_trusted() -> None:
    # What zoneinfo's private reader returns is checked against the zone: read a day late,
    # or with the rule's offsets swapped, the changes are refused (the calendar then lists).
    berlin = ZoneInfo("Europe/Berlin")
    changes = load_changes(berlin)
    assert changes is not None
    # The offsets from each transition on, as the zone shows them.
    shown = [(EPOCH + t * ONE_US).astimezone(berlin).utcoffset() for t in changes._explicit]
    offsets = [o // ONE_US for o in shown if o is not None]
    day_late = ZoneChanges([t + 86_400_000_000 for t in changes._explicit])
    assert _agrees(changes, offsets, berlin) and not _agrees(day_late, offsets, berlin)
    swapped = ZoneChanges(changes._explicit, changes._rule, (3_600_000_000, 7_200_000_000)[::-1])
    assert not _agrees(swapped, offsets, berlin)


def test_a_rule_that_changes_near_new_year_adds_the_turn_of_the_year() -> None:
    # A rule read with the wall time's year may act on one side of the turn only: the turn
    # counts as a change, and the changes near it are not taken as repeating.
    day = 86_400

    def rule(year: int) -> tuple[int, int]:
        new_year = (datetime(year, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(seconds=1)
        return new_year + day, new_year + 180 * day

    changes = ZoneChanges([], rule, (0, 3_600_000_000))
    jan_2 = changes.next_after((datetime(2200, 1, 1, 12, tzinfo=UTC) - EPOCH) // ONE_US)
    new_year = changes.next_after((datetime(2200, 12, 31, tzinfo=UTC) - EPOCH) // ONE_US)
    assert jan_2 is not None and EPOCH + jan_2 * ONE_US == datetime(2200, 1, 2, tzinfo=UTC)
    assert new_year is not None and EPOCH + new_year * ONE_US == datetime(2201, 1, 1, tzinfo=UTC)
    assert changes.kind(jan_2) is None


# ------------------------------------------------------------------ laws across centuries


def test_a_holiday_next_to_a_change_of_the_rule_is_counted_in_its_year_only() -> None:
    # The stretch around a change of the zone's yearly rule repeats from year to year and
    # is counted once; a holiday inside it (Monday after the last Sunday of March) must not
    # be taken from, or given to, another year's.
    cal = BusinessCalendar("Europe/Berlin", OFFICE, holidays=["2100-03-29"])
    twin = listing(cal)
    first = (datetime(2098, 1, 1, tzinfo=UTC) - EPOCH) // ONE_US // cal._index.block_us
    for block in [*range(first, first + 5), *range(first + 4, first - 1, -1)]:
        assert cal._index.total(block) == twin._index.block(block)[3]
        cal._index.totals.clear()
    start, end = datetime(2098, 1, 1, tzinfo=UTC), datetime(2103, 1, 1, tzinfo=UTC)
    assert cal.between(start, end) == twin.between(start, end)


# Days skipped (Apia 2011-12-30, -10 h to +14 h; Kwajalein 1993; Kiritimati 1994), half-hour
# DST (Lord Howe), the rule's years (2100 on), and a zone without changes since 1945.
EDGE_CASES = [
    ("Pacific/Apia", date(2011, 12, 30)),
    ("Pacific/Kwajalein", date(1993, 8, 20)),
    ("Pacific/Kiritimati", date(1994, 12, 31)),
    ("Australia/Lord_Howe", date(2100, 4, 4)),
    ("America/St_Johns", date(2100, 3, 14)),
    ("Europe/Berlin", date(5000, 3, 30)),
    ("Asia/Kolkata", date(3000, 1, 1)),
]


@pytest.mark.parametrize(("tz", "day"), EDGE_CASES, ids=[tz for tz, _ in EDGE_CASES])
def test_counting_agrees_with_listing_next_to_changes_and_special_dates(tz: str, day: date) -> None:
    # Early and late shifts, one past midnight; a holiday, a closed day and a changed day
    # next to the change (or the date) in question; stretches sliding across all of them.
    cal = BusinessCalendar(
        tz,
        {"mon-sun": [("03:30", "05:00"), ("11:00", "12:00"), ("22:30", "03:00")]},
        holidays=[day + timedelta(days=3)],
        exceptions={day - timedelta(days=2): [], day + timedelta(days=6): [("19:00", "23:45")]},
    )
    index = cal._index
    middle = (day.toordinal() - date(1970, 1, 1).toordinal()) * 86_400_000_000
    hour = 3_600_000_000
    for lo in range(middle - 240 * hour, middle + 240 * hour, 5 * hour):
        for length in (30 * hour, 100 * hour, 300 * hour):
            listed = build_range(lo, lo + length, index.zone, index.days, index.special)[3]
            assert index.measure(lo, lo + length) == listed


@SETTINGS
@given(
    far_calendars_with_a_year(),
    st.one_of(st.none(), far_instants()),
    st.floats(0, 1),
    st.integers(1, 5 * 366 * 96),
)
def test_counting_agrees_with_listing_anywhere_in_the_years(
    case: tuple[BusinessCalendar, int], anywhere: datetime | None, share: float, quarters: int
) -> None:
    cal, year = case
    a = anywhere or datetime(max(year - 1, 1), 1, 5, tzinfo=UTC) + share * timedelta(days=700)
    b = a + quarters * timedelta(minutes=15) if a.year < 9990 else a - timedelta(days=3 * 365)
    assume(b <= LAST.replace(tzinfo=UTC))
    twin = listing(cal)
    assert cal.between(a, b) == twin.between(a, b)
    # The span counted at once, then each of its blocks (in order: a count may reuse an
    # earlier one's), against the intervals listed.
    index = cal._index
    lo, hi = sorted((utc(t) - EPOCH) // ONE_US for t in (a, b))
    assert index.measure(lo, hi) == build_range(lo, hi, index.zone, index.days, index.special)[3]
    block_us = index.block_us
    for block in range(lo // block_us, min(hi // block_us, lo // block_us + 6) + 1):
        assert (
            index.measure(block * block_us, (block + 1) * block_us) == (twin._index.block(block)[3])
        )


@SETTINGS
@given(far_calendars(), far_instants(), st.floats(-1, 1), st.sampled_from([2, 60, 500]))
def test_adding_agrees_with_listing_anywhere_in_the_years(
    cal: BusinessCalendar, start: datetime, share: float, weeks: int
) -> None:
    d = timedelta(microseconds=int(wall_week(cal) * weeks * share / ONE_US))
    try:
        expected = listing(cal).add(start, d)
    except OverflowError:
        with pytest.raises(OverflowError):
            cal.add(start, d)
        return
    assert utc(cal.add(start, d)) == utc(expected)


@settings(SETTINGS, max_examples=15)
@given(far_calendars(), st.lists(far_instants(), min_size=2, max_size=5))
def test_a_span_of_centuries_is_the_sum_of_its_parts(
    cal: BusinessCalendar, points: list[datetime]
) -> None:
    points.sort()
    whole = fresh(cal).between(points[0], points[-1])
    parts = fresh(cal)
    assert whole == sum((parts.between(a, b) for a, b in pairwise(points)), timedelta(0))


@settings(SETTINGS, max_examples=20)
@given(far_calendars(), far_instants(last=datetime(8000, 1, 1)), st.floats(0, 1))
def test_adding_centuries_of_business_time_is_undone_by_between(
    cal: BusinessCalendar, start: datetime, share: float
) -> None:
    d = timedelta(microseconds=int(wall_week(cal) * 52 * 1000 * share / ONE_US))
    assume(d > timedelta(0))  # add(t, 0) is t even when closed; subtract would not move it
    try:
        end = cal.add(start, d)
    except OverflowError:
        assume(False)
        raise
    assert fresh(cal).between(start, end) == d
    back = fresh(cal).subtract(end, d)
    assert utc(back) == utc(start if cal.is_open(start) else cal.next_opening(start))


@settings(SETTINGS, max_examples=15)
@given(
    far_calendars(),
    st.lists(
        st.tuples(
            far_instants(datetime(201, 1, 1), datetime(9799, 1, 1)),
            st.integers(-200 * 365, 200 * 365),
            st.floats(-1, 1),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_answers_do_not_depend_on_what_the_caches_hold(
    cal: BusinessCalendar, queries: list[tuple[datetime, int, float]]
) -> None:
    def answers(c: BusinessCalendar, a: datetime, days: int, share: float) -> list[object]:
        b = a + timedelta(days=days)  # within the years: a is at least 200 years from an end
        closing = c.previous_closing(b)
        out: list[object] = [c.between(a, b), c.is_open(a), closing and utc(closing)]
        calls: list[Callable[[], datetime]] = [
            lambda: c.next_opening(a),
            lambda: c.add(a, wall_week(c) * 300 * share),
        ]
        for call in calls:
            try:
                out.append(utc(call()))
            except OverflowError:
                out.append(OverflowError)
        return out

    warm = fresh(cal)
    warm.between(FIRST.replace(tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    for year in range(1, 9999, 97):  # more blocks than the cache keeps: some are dropped
        warm.is_open(datetime(year, 7, 1, tzinfo=UTC))
    for a, days, share in queries:
        assert answers(warm, a, days, share) == answers(fresh(cal), a, days, share)
