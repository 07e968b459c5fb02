"""Laws of business-time arithmetic, checked by Hypothesis against a plain day-by-day oracle.

The laws: add then between gives back the duration; between is additive over consecutive
spans; add is monotonic in the duration; results lie inside opening hours or on the
documented boundary; subtract undoes add; the cache never changes a result; a week with a
DST change holds the business time of its neighbours when the hours avoid the change.

The oracle below walks local dates one by one with ``datetime.combine`` (the
same ``fold=0`` convention the calendar documents) and shares no code with the
calendar's block tables, so agreement is evidence, not tautology. The comparison with
another library, businesstimedelta, is in ``test_calendar_differential.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from escalation_rules._time.calendar import BusinessCalendar

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "UTC",
    "Asia/Kolkata",
    "America/Santiago",
]
ONE_US = timedelta(microseconds=1)
QUARTER = timedelta(minutes=15)
DAY = timedelta(days=1)
# Examples per law: enough to meet DST changes, holidays and boundaries every run, while
# the whole file stays at a few seconds (each new calendar builds its blocks afresh).
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(SETTINGS, max_examples=40)

# ------------------------------------------------------------------ the oracle


def oracle_spans(
    cal: BusinessCalendar, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    """The calendar's open intervals that meet [lo, hi], merged, as UTC datetimes."""
    zone = ZoneInfo(cal.tz)
    exceptions = dict(cal.exceptions)
    day = lo.astimezone(zone).date() - timedelta(days=3)
    last = hi.astimezone(zone).date() + timedelta(days=1)
    spans = []
    while day <= last:
        if day in exceptions:
            pairs = exceptions[day]
        elif day in cal.holidays:
            pairs = ()
        else:
            pairs = cal.hours[day.weekday()]
        for start, end in pairs:
            end_day = day + timedelta(days=1) if end <= start else day
            a = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
            b = datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)
            if a < b:
                spans.append((a, b))
        day += timedelta(days=1)
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def utc(t: datetime) -> datetime:
    """*t* in UTC: compare instants this way, since == and < on two datetimes of one zone
    compare wall times and ignore ``fold``, and == across zones is False in a repeated hour."""
    return t.astimezone(UTC)


def oracle_between(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    a, b = utc(a), utc(b)
    if b < a:
        return -oracle_between(cal, b, a)
    total = timedelta(0)
    for lo, hi in oracle_spans(cal, a, b):
        if hi > a and lo < b:
            total += min(hi, b) - max(lo, a)
    return total


def oracle_is_open(cal: BusinessCalendar, t: datetime) -> bool:
    t = utc(t)
    return any(lo <= t < hi for lo, hi in oracle_spans(cal, t, t))


# ------------------------------------------------------------------ strategies

FIXED = {
    "office-berlin": BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]}),
    "nights-new-york": BusinessCalendar(
        "America/New_York",
        {"mon-fri": [("22:00", "06:00")], "sat": [("07:00", "03:00")]},
        holidays=[date(2025, 7, 4), date(2025, 11, 27)],
    ),
    "split-sydney": BusinessCalendar(
        "Australia/Sydney",
        {
            "mon-thu": [("08:30", "12:00"), ("13:00", "17:30")],
            "fri": [("08:30", "15:00")],
            "sun": [("01:30", "02:45")],
        },
        holidays=[date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 26)],
        exceptions={date(2025, 12, 24): [("09:00", "12:00")], date(2025, 12, 27): []},
    ),
    "around-the-clock-sydney": BusinessCalendar.always(
        "Australia/Sydney", holidays=[date(2025, 4, 6)]
    ),
    "dst-edges-berlin": BusinessCalendar(
        # A night shift ending in the spring gap (so overlapping Sunday's first
        # interval once mapped), hours inside the repeated autumn hour.
        "Europe/Berlin",
        {
            "sat": [("23:00", "02:30")],
            "sun": [("03:00", "05:00")],
            "mon": [("01:00", "02:30")],
            "wed": [("02:30", "03:30")],
        },
    ),
}


# Built once: a strategy made inside a composite is validated again on every draw.
_ZONE_NAMES = st.sampled_from(ZONES)
_CUTS = st.sets(st.integers(0, 24 * 4 - 1), max_size=6)
_NIGHT: st.SearchStrategy[bool] = st.booleans()
_NIGHT_END = st.integers(0, 4 * 4)
_DATES = st.dates(date(2024, 6, 1), date(2026, 6, 1))
_HOLIDAYS = st.sets(_DATES, max_size=8)
_EXCEPTIONS = st.dictionaries(
    _DATES,
    st.lists(
        st.tuples(st.integers(0, 95), st.integers(1, 96))
        .filter(lambda p: p[0] < p[1])
        .map(lambda p: (quarter(p[0]), quarter(p[1] % 96))),
        max_size=1,
    ),
    max_size=4,
)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """A random calendar: up to three intervals a day, maybe a night shift, holidays, exceptions.

    Shrinks towards a Berlin calendar open for one interval on Mondays.
    """
    tz = draw(_ZONE_NAMES)
    hours: dict[int, list[tuple[time, time]]] = {}
    for day in range(7):
        cuts = sorted(draw(_CUTS))
        cuts = cuts[: len(cuts) // 2 * 2]
        pairs = [(quarter(a), quarter(b)) for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
        night_shift = bool(pairs) and draw(_NIGHT)
        if night_shift:
            # Let the last interval run past midnight, up to 04:00 the next day.
            pairs[-1] = (pairs[-1][0], quarter(draw(_NIGHT_END)))
        hours[day] = pairs
    assume(any(hours.values()))
    try:
        return BusinessCalendar(tz, hours, holidays=draw(_HOLIDAYS), exceptions=draw(_EXCEPTIONS))
    except ValueError:
        assume(False)  # overlapping hours: not a calendar
        raise


def quarter(n: int) -> time:
    n %= 96
    return time(n // 4, n % 4 * 15)


any_calendar = st.one_of(st.sampled_from(list(FIXED.values())), calendars())

ZONE_OBJECTS: list[tzinfo] = [UTC, *(ZoneInfo(z) for z in ZONES)]


# The calendar caches its open intervals in blocks of 52 weeks from 1970-01-01 UTC. The
# block edges are invisible in results, so instants near them get extra attention: a
# night shift running across an edge, a holiday next to one.
BLOCK = timedelta(weeks=52)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instants(
    lo: datetime = datetime(2024, 9, 1), hi: datetime = datetime(2026, 3, 1)
) -> st.SearchStrategy[datetime]:
    """Aware instants in any of the zones: many on whole quarter hours (boundaries), some
    within three days of a block edge. Shrinks towards *lo*."""
    zones = st.sampled_from(ZONE_OBJECTS)
    anywhere = st.datetimes(lo, hi, timezones=zones, allow_imaginary=False)
    on_grid = anywhere.map(lambda t: t.replace(minute=t.minute // 15 * 15, second=0, microsecond=0))
    first = (lo.replace(tzinfo=UTC) - EPOCH) // BLOCK + 1
    edges = [EPOCH + k * BLOCK for k in range(first, (hi.replace(tzinfo=UTC) - EPOCH) // BLOCK + 1)]
    near_edge = st.builds(
        lambda edge, quarters, zone: (edge + quarters * QUARTER).astimezone(zone),
        st.sampled_from(edges),
        st.integers(-3 * 96, 3 * 96),
        zones,
    )
    return st.one_of(on_grid, anywhere, near_edge)


def wall_week(cal: BusinessCalendar) -> timedelta:
    """The calendar's weekly opening hours in wall-clock time (without holidays or DST)."""
    total = timedelta(0)
    for pairs in cal.hours:
        for start, end in pairs:
            length = (datetime.combine(date.min, end) - datetime.combine(date.min, start)) % DAY
            total += length or DAY
    return total


@st.composite
def with_durations(
    draw: st.DrawFn, count: int = 1, weeks: int = 15
) -> tuple[BusinessCalendar, list[timedelta]]:
    """A calendar and *count* business durations of either sign, up to *weeks* of its hours.

    Durations scale with the calendar's weekly hours, so that a calendar open 15 minutes a
    week is not walked for years; half of them are whole quarter hours, which land on
    openings and closings. Shrinks towards the first fixed calendar and zero.
    """
    cal = draw(any_calendar)
    limit = wall_week(cal) * weeks
    quarters, micros = limit // QUARTER, limit // ONE_US
    one = st.one_of(
        st.integers(-quarters, quarters).map(lambda q: q * QUARTER),
        st.integers(-micros, micros).map(lambda us: timedelta(microseconds=us)),
    )
    return cal, [draw(one) for _ in range(count)]


# ------------------------------------------------------------------ laws


@SETTINGS
@given(with_durations(), instants())
def test_between_undoes_add(case: tuple[BusinessCalendar, list[timedelta]], t: datetime) -> None:
    # Holds for every start, open or closed: add returns the earliest instant
    # (latest, going back) at which exactly d of business time lies between.
    cal, [d] = case
    assert cal.between(t, cal.add(t, d)) == d


@SETTINGS
@given(with_durations(), instants())
def test_add_lands_in_opening_hours_or_on_a_closing(
    case: tuple[BusinessCalendar, list[timedelta]], t: datetime
) -> None:
    cal, [d] = case
    got, t = utc(cal.add(t, d)), utc(t)
    if d > timedelta(0):
        # Inside opening hours, or exactly on the closing that ends them: the documented
        # boundary. Never on an opening reached after a closed stretch.
        assert got > t
        assert cal.is_open(got) or utc(cal.previous_closing(got) or t) == got
        assert cal.is_open(got - ONE_US) and oracle_is_open(cal, got - ONE_US)
    elif d < timedelta(0):
        # Going back, inside opening hours or exactly on an opening (which is open).
        assert got < t
        assert cal.is_open(got) and oracle_is_open(cal, got)
    else:
        assert got == t


@FEWER
@given(any_calendar, instants(), instants())
def test_between_agrees_with_the_oracle(cal: BusinessCalendar, a: datetime, b: datetime) -> None:
    assert cal.between(a, b) == oracle_between(cal, a, b)


@SETTINGS
@given(any_calendar, instants())
def test_is_open_and_the_neighbouring_boundaries_agree_with_the_oracle(
    cal: BusinessCalendar, t: datetime
) -> None:
    assert cal.is_open(t) == oracle_is_open(cal, t)
    t = utc(t)
    opening = utc(cal.next_opening(t))
    assert opening >= t and cal.is_open(opening) and cal.between(t, opening) == timedelta(0)
    assert opening == t or not cal.is_open(opening - ONE_US)
    closing = cal.previous_closing(t)
    if closing is not None:
        closing = utc(closing)
        assert closing <= t and not cal.is_open(closing) and cal.is_open(closing - ONE_US)
        assert oracle_is_open(cal, closing - ONE_US) and not oracle_is_open(cal, closing)
        if not cal.is_open(t):
            assert cal.between(closing, t) == timedelta(0)


@SETTINGS
@given(any_calendar, instants(), instants(), instants())
def test_between_is_additive(cal: BusinessCalendar, a: datetime, b: datetime, c: datetime) -> None:
    # In any order of a, b and c, so spans that run backwards are covered too.
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)


@SETTINGS
@given(any_calendar, instants(), st.lists(instants(), min_size=1, max_size=6))
def test_between_sums_over_consecutive_spans(
    cal: BusinessCalendar, a: datetime, cuts: list[datetime]
) -> None:
    points = [a, *sorted(cuts, key=utc)]
    pieces = [cal.between(x, y) for x, y in pairwise(points)]
    assert sum(pieces, timedelta(0)) == cal.between(points[0], points[-1])
    assert all(piece >= timedelta(0) for piece in pieces[1:])


@SETTINGS
@given(with_durations(count=2), instants())
def test_add_is_monotonic_in_the_duration(
    case: tuple[BusinessCalendar, list[timedelta]], t: datetime
) -> None:
    cal, [d1, d2] = case
    lo, hi = sorted([d1, d2])
    if lo == hi:
        assert utc(cal.add(t, lo)) == utc(cal.add(t, hi))
    else:  # strictly: two sums with different business time in between are two instants
        assert utc(cal.add(t, lo)) < utc(cal.add(t, hi))


@FEWER
@given(with_durations(count=2), instants())
def test_adding_twice_in_one_direction_is_adding_the_sum(
    case: tuple[BusinessCalendar, list[timedelta]], t: datetime
) -> None:
    cal, [d1, d2] = case
    assume((d1 > timedelta(0)) == (d2 > timedelta(0)) and d1 and d2)
    assert utc(cal.add(cal.add(t, d1), d2)) == utc(cal.add(t, d1 + d2))


@FEWER
@given(with_durations(weeks=150), instants())
def test_subtract_undoes_add(case: tuple[BusinessCalendar, list[timedelta]], t: datetime) -> None:
    # Up to 150 weeks of business time: several 52-week blocks are crossed.
    cal, [d] = case
    assume(d > timedelta(0))
    there = cal.add(t, d)
    back = utc(cal.subtract(there, d))
    # Back to t if t was open; else to the opening that t waited for.
    assert back == utc(t if cal.is_open(t) else cal.next_opening(t))


@settings(SETTINGS, max_examples=20)
@given(
    with_durations(count=4, weeks=400),
    st.lists(instants(datetime(2000, 1, 1), datetime(2040, 1, 1)), min_size=4, max_size=4),
)
def test_results_do_not_depend_on_what_the_cache_holds(
    case: tuple[BusinessCalendar, list[timedelta]], starts: list[datetime]
) -> None:
    cal, ds = case
    warm = [cal.add(t, d) for t, d in zip(starts, ds, strict=True)]
    for t, d, got in zip(starts, ds, warm, strict=True):
        fresh = BusinessCalendar(
            cal.tz, cal.hours, holidays=cal.holidays, exceptions=dict(cal.exceptions)
        )
        assert utc(fresh.add(t, d)) == utc(got)


# ------------------------------------------------------------------ DST weeks

DST_ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Santiago",
]


def dst_changes(tz: str, year: int) -> list[date]:
    """The local dates in *year* on whose night (before noon) the zone's UTC offset changes."""
    zone = ZoneInfo(tz)
    changes = []
    day = date(year, 1, 1)
    offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
    while day.year == year:
        day += DAY
        now = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        if now != offset:
            changes.append(day)
        offset = now
    return changes


@st.composite
def dst_weeks(draw: st.DrawFn) -> tuple[str, date]:
    """A zone and the local Monday of a week in which its clocks change; shrinks to Berlin."""
    tz = draw(st.sampled_from(DST_ZONES))
    changes = dst_changes(tz, draw(st.integers(1996, 2045)))
    assume(changes)
    change = draw(st.sampled_from(changes))
    return tz, change - timedelta(days=change.weekday())


@st.composite
def daytime_hours(draw: st.DrawFn) -> dict[int, list[tuple[time, time]]]:
    """Weekly hours between 04:00 and 22:00, up to two intervals a day, no holidays.

    These zones change their clocks between Saturday 23:00 and Sunday 03:00 local time,
    so such hours never touch a change. Shrinks towards Monday only.
    """
    hours: dict[int, list[tuple[time, time]]] = {}
    for day in range(7):
        cuts = sorted(draw(st.sets(st.integers(4 * 4, 22 * 4), max_size=4)))
        cuts = cuts[: len(cuts) // 2 * 2]
        hours[day] = [(quarter(a), quarter(b)) for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
    assume(any(hours.values()))
    return hours


@SETTINGS
@given(dst_weeks(), daytime_hours())
def test_a_week_with_a_dst_change_has_the_business_time_of_its_neighbours(
    week: tuple[str, date], hours: dict[int, list[tuple[time, time]]]
) -> None:
    tz, monday = week
    zone = ZoneInfo(tz)
    cal = BusinessCalendar(tz, hours)
    totals = []
    for offset in (-1, 0, 1):
        a = datetime.combine(monday + timedelta(weeks=offset), time(0), tzinfo=zone)
        b = datetime.combine(monday + timedelta(weeks=offset + 1), time(0), tzinfo=zone)
        totals.append(cal.between(a, b))
    # The middle week is 167 or 169 real hours long, yet holds the same business time.
    changed = datetime.combine(monday + timedelta(weeks=1), time(0), tzinfo=zone)
    middle = utc(changed) - utc(datetime.combine(monday, time(0), tzinfo=zone))
    assert middle != timedelta(weeks=1)
    assert totals == [wall_week(cal)] * 3


@FEWER
@given(
    instants(datetime(1990, 1, 1), datetime(2060, 1, 1)),
    st.integers(1, 20_000).map(lambda h: timedelta(hours=h)),
)
def test_around_the_clock_is_elapsed_time(t: datetime, d: timedelta) -> None:
    cal = BusinessCalendar.always("Australia/Sydney")
    # utc(t) + d: aware local + timedelta would be wall-clock arithmetic.
    assert utc(cal.add(t, d)) == utc(t) + d
    assert utc(cal.subtract(t, d)) == utc(t) - d


# ------------------------------------------------------------------ exact neighbours

LOOK_BACK = timedelta(days=40)


@FEWER
@given(any_calendar, instants())
def test_next_opening_and_previous_closing_are_the_oracles_nearest_boundaries(
    cal: BusinessCalendar, t: datetime
) -> None:
    # next_opening: t when open, else the start of the first span after t. previous_closing:
    # the latest end of a span at or before t (not just any earlier closing).
    t = utc(t)
    spans = oracle_spans(cal, t - LOOK_BACK, t + LOOK_BACK)
    inside = [lo for lo, hi in spans if lo <= t < hi]
    later = [lo for lo, _ in spans if lo > t]
    expected_opening = t if inside else min(later, default=None)
    assume(expected_opening is not None)
    assert utc(cal.next_opening(t)) == expected_opening
    ends = [hi for _, hi in spans if hi <= t and hi < t + LOOK_BACK]
    # A span cut by the oracle's own window is not a closing: keep ends well inside it.
    ends = [hi for hi in ends if hi > t - LOOK_BACK + timedelta(days=4)]
    closing = cal.previous_closing(t)
    if ends:
        assert closing is not None and utc(closing) == max(ends)
    else:
        assert closing is None or utc(closing) <= t - LOOK_BACK + timedelta(days=4)
