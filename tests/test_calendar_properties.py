"""Laws of business-time arithmetic, checked by Hypothesis against a plain day-by-day oracle.

The oracle below walks local dates one by one with ``datetime.combine`` (the
same ``fold=0`` convention the calendar documents) and shares no code with the
calendar's block tables, so agreement is evidence, not tautology.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from escalation_rules._calendar import BusinessCalendar

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "UTC",
    "Asia/Kolkata",
    "America/Santiago",
]
ONE_US = timedelta(microseconds=1)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

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


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """A random calendar: up to three intervals a day, maybe a night shift, holidays, exceptions.

    Shrinks towards a UTC calendar open for one interval on Mondays.
    """
    tz = draw(st.sampled_from(ZONES))
    hours: dict[int, list[tuple[time, time]]] = {}
    for day in range(7):
        cuts = sorted(draw(st.sets(st.integers(0, 24 * 4 - 1), max_size=6)))
        cuts = cuts[: len(cuts) // 2 * 2]
        pairs = [(quarter(a), quarter(b)) for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
        if pairs and draw(st.booleans()):
            # Let the last interval run past midnight, up to the next day's first use.
            start = pairs[-1][0]
            pairs[-1] = (start, quarter(draw(st.integers(0, 4 * 4))))
        hours[day] = pairs
    assume(any(hours.values()))
    try:
        days = draw(st.sets(st.dates(date(2024, 6, 1), date(2026, 6, 1)), max_size=8))
        exceptional = draw(
            st.dictionaries(
                st.dates(date(2024, 6, 1), date(2026, 6, 1)),
                st.lists(
                    st.tuples(st.integers(0, 95), st.integers(1, 96))
                    .filter(lambda p: p[0] < p[1])
                    .map(lambda p: (quarter(p[0]), quarter(p[1] % 96))),
                    max_size=1,
                ),
                max_size=4,
            )
        )
        return BusinessCalendar(tz, hours, holidays=days, exceptions=exceptional)
    except ValueError:
        assume(False)  # overlapping hours: not a calendar
        raise


def quarter(n: int) -> time:
    n %= 96
    return time(n // 4, n % 4 * 15)


any_calendar = st.one_of(st.sampled_from(list(FIXED.values())), calendars())

ZONE_OBJECTS: list[tzinfo] = [UTC, *(ZoneInfo(z) for z in ZONES)]


def instants(
    lo: datetime = datetime(2024, 9, 1), hi: datetime = datetime(2026, 3, 1)
) -> st.SearchStrategy[datetime]:
    """Aware instants in any of the zones; many fall on whole quarter hours (boundaries)."""
    on_grid = st.datetimes(
        lo, hi, timezones=st.sampled_from(ZONE_OBJECTS), allow_imaginary=False
    ).map(lambda t: t.replace(minute=t.minute // 15 * 15, second=0, microsecond=0))
    anywhere = st.datetimes(lo, hi, timezones=st.sampled_from(ZONE_OBJECTS), allow_imaginary=False)
    return st.one_of(on_grid, anywhere)


def durations(hours: int = 600) -> st.SearchStrategy[timedelta]:
    """Business durations, positive or negative; shrinks towards zero."""
    whole = st.integers(-hours * 4, hours * 4).map(lambda q: timedelta(minutes=15 * q))
    exact = st.integers(-hours * 3_600_000_000, hours * 3_600_000_000).map(
        lambda us: timedelta(microseconds=us)
    )
    return st.one_of(whole, exact)


# ------------------------------------------------------------------ laws


@SETTINGS
@given(any_calendar, instants(), durations())
def test_between_undoes_add(cal: BusinessCalendar, t: datetime, d: timedelta) -> None:
    # Holds for every start, open or closed: add returns the earliest instant
    # (latest, going back) at which exactly d of business time lies between.
    assert cal.between(t, cal.add(t, d)) == d


@SETTINGS
@given(any_calendar, instants(), durations())
def test_add_lands_in_opening_hours_or_on_a_closing(
    cal: BusinessCalendar, t: datetime, d: timedelta
) -> None:
    got, t = utc(cal.add(t, d)), utc(t)
    if d > timedelta(0):
        assert got > t
        assert cal.is_open(got - ONE_US)  # inside, or exactly on the closing after it
        assert oracle_is_open(cal, got - ONE_US)
    elif d < timedelta(0):
        assert got < t
        assert cal.is_open(got)  # inside, or exactly on an opening
        assert oracle_is_open(cal, got)
    else:
        assert got == t


@SETTINGS
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
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)


@SETTINGS
@given(any_calendar, instants(), durations(), durations())
def test_add_is_monotonic_in_the_duration(
    cal: BusinessCalendar, t: datetime, d1: timedelta, d2: timedelta
) -> None:
    lo, hi = sorted([d1, d2])
    assert utc(cal.add(t, lo)) <= utc(cal.add(t, hi))


@SETTINGS
@given(any_calendar, instants(), durations(), durations())
def test_adding_twice_in_one_direction_is_adding_the_sum(
    cal: BusinessCalendar, t: datetime, d1: timedelta, d2: timedelta
) -> None:
    assume((d1 > timedelta(0)) == (d2 > timedelta(0)) and d1 and d2)
    assert utc(cal.add(cal.add(t, d1), d2)) == utc(cal.add(t, d1 + d2))


@SETTINGS
@given(any_calendar, instants(), durations(20_000))
def test_subtract_undoes_add(cal: BusinessCalendar, t: datetime, d: timedelta) -> None:
    assume(d > timedelta(0))
    there = cal.add(t, d)
    back = utc(cal.subtract(there, d))
    # Back to t if t was open; else to the opening that t waited for.
    assert back == utc(t if cal.is_open(t) else cal.next_opening(t))


@SETTINGS
@given(
    any_calendar,
    st.lists(
        st.tuples(instants(datetime(2000, 1, 1), datetime(2040, 1, 1)), durations(30_000)),
        min_size=1,
        max_size=5,
    ),
)
def test_results_do_not_depend_on_what_the_cache_holds(
    cal: BusinessCalendar, queries: list[tuple[datetime, timedelta]]
) -> None:
    warm = [cal.add(t, d) for t, d in queries]
    for (t, d), got in zip(queries, warm, strict=True):
        fresh = BusinessCalendar(
            cal.tz, cal.hours, holidays=cal.holidays, exceptions=dict(cal.exceptions)
        )
        assert utc(fresh.add(t, d)) == utc(got)


@SETTINGS
@given(
    st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Santiago"]),
    st.dates(date(1990, 1, 1), date(2060, 1, 1)),
)
def test_weeks_have_the_same_business_time_when_hours_avoid_the_changes(tz: str, day: date) -> None:
    # Changes happen at night (00:00-03:00 local) in these zones, so hours from
    # 06:00 to 22:00 never touch them: every week, DST or not, has the same total.
    cal = BusinessCalendar(
        tz, {"mon-fri": [("08:00", "12:00"), ("13:00", "18:30")], "sat": [("10:00", "14:00")]}
    )
    zone = ZoneInfo(tz)
    monday = datetime.combine(day - timedelta(days=day.weekday()), time(0), tzinfo=zone)
    for week in range(-1, 2):
        a = monday + timedelta(weeks=week)  # wall-clock arithmetic: local Mondays
        b = monday + timedelta(weeks=week + 1)
        assert cal.between(a, b) == timedelta(hours=5 * 9.5 + 4)


@SETTINGS
@given(
    instants(datetime(1990, 1, 1), datetime(2060, 1, 1)),
    st.integers(1, 20_000).map(lambda h: timedelta(hours=h)),
)
def test_around_the_clock_is_elapsed_time(t: datetime, d: timedelta) -> None:
    cal = BusinessCalendar.always("Australia/Sydney")
    # utc(t) + d: aware local + timedelta would be wall-clock arithmetic.
    assert utc(cal.add(t, d)) == utc(t) + d
    assert utc(cal.subtract(t, d)) == utc(t) - d


# ------------------------------------------------------------------ against businesstimedelta


@pytest.fixture(scope="module")
def btd_add() -> object:
    businesstimedelta = pytest.importorskip("businesstimedelta")
    pytz = pytest.importorskip("pytz")
    rule = businesstimedelta.WorkDayRule(
        start_time=time(9),
        end_time=time(17),
        working_days=[0, 1, 2, 3, 4],
        tz=pytz.timezone("Europe/Berlin"),
    )
    rules = businesstimedelta.Rules([rule])

    def add(start: datetime, d: timedelta) -> datetime:
        delta = businesstimedelta.BusinessTimeDelta(rules, timedelta=abs(d))
        result: datetime = start + delta if d > timedelta(0) else start - delta
        return result

    return add


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.datetimes(datetime(2024, 1, 1), datetime(2027, 1, 1), timezones=st.just(UTC)).map(
        lambda t: t.replace(second=0, microsecond=0)
    ),
    st.integers(1, 2_000 * 60).map(lambda m: timedelta(minutes=m)),
    st.booleans(),
)
def test_add_agrees_with_businesstimedelta(
    btd_add: object, start: datetime, d: timedelta, backwards: bool
) -> None:
    cal = FIXED["office-berlin"]
    d = -d if backwards else d
    expected = btd_add(start, d)  # type: ignore[operator]
    assert utc(cal.add(start, d)) == utc(expected)
