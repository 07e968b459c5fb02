"""BusinessCalendar against an independent implementation: ``businesstimedelta``.

``businesstimedelta`` (a test-only dependency, on pytz) walks working periods one by one,
with rules of its own: nothing is shared with the calendar's block tables. The calendars
compared are the ones it can express: working weekdays with one or two daily windows, in a
DST zone, with whole-day holidays. Where the two libraries follow different conventions the
inputs are normalised, each for a stated reason:

* **Windows avoid the hours the clocks change** (04:00-22:00; these zones change between
  Saturday 23:00 and Sunday 03:00). pytz's ``localize`` reads an ambiguous wall time as its
  *second* occurrence (``is_dst=False``); we read it as the first (``fold=0``).
* **No night shifts.** businesstimedelta drops the part of an overnight window that falls
  after midnight when it starts looking from that part, and ``previous`` ignores
  overnight windows altogether.
* **Holidays close whole local days** there (midnight to midnight plus 24 h) and close
  the shifts starting that day here: the same thing for daytime windows.
* **A holiday every 1 January.** businesstimedelta looks at most five years ahead or back
  for a holiday and fails if it finds none.
* **Durations of at least one second, instants on whole seconds.** A zero duration there
  moves a closed start to the next opening (here ``add(t, 0)`` is *t*: no time passes),
  and its ``difference`` drops microseconds.
* **Instants go to businesstimedelta in UTC.** It compares datetimes with ``==``, which
  Python answers ``False`` across zones for an instant in a repeated hour.
* Its ``difference`` is never negative; we compare it with ``abs(between(a, b))``.

Both libraries agree on landing exactly on a closing: ``add`` returns the closing and
``subtract`` the opening.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules._time.calendar import BusinessCalendar

btd = pytest.importorskip("businesstimedelta")
pytz = pytest.importorskip("pytz")

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Pacific/Auckland"]
FIRST, LAST = datetime(2024, 1, 1), datetime(2027, 1, 1)
NEW_YEARS = [date(year, 1, 1) for year in range(2018, 2034)]


class Pair:
    """One calendar, built in both libraries from the same definition."""

    def __init__(
        self,
        tz: str,
        windows: list[tuple[list[int], time, time]],
        holidays: set[date],
    ) -> None:
        self.tz = tz
        hours: dict[int, list[tuple[time, time]]] = {}
        for days, start, end in windows:
            for day in days:
                hours.setdefault(day, []).append((start, end))
        self.ours = BusinessCalendar(tz, hours, holidays=holidays)
        zone = pytz.timezone(tz)
        rules: list[Any] = [
            btd.WorkDayRule(start_time=start, end_time=end, working_days=days, tz=zone)
            for days, start, end in windows
        ]
        rules.append(btd.HolidayRule(holidays, tz=zone))
        self.theirs = btd.Rules(rules)
        self.windows, self.holidays = windows, holidays

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        return f"Pair({self.tz!r}, {self.windows!r}, holidays={sorted(self.holidays)!r})"

    def add(self, t: datetime, d: timedelta) -> datetime:
        result: datetime = utc(t) + btd.BusinessTimeDelta(self.theirs, timedelta=d)
        return result

    def subtract(self, t: datetime, d: timedelta) -> datetime:
        result: datetime = utc(t) - btd.BusinessTimeDelta(self.theirs, timedelta=d)
        return result

    def between(self, a: datetime, b: datetime) -> timedelta:
        delta: timedelta = self.theirs.difference(utc(a), utc(b)).timedelta
        return delta

    def next_period(self, t: datetime) -> tuple[datetime, datetime]:
        """The current or next working period (its start is *t* when open at *t*)."""
        start, end = self.theirs.next(utc(t))
        return start, end

    def previous_period(self, t: datetime) -> tuple[datetime, datetime]:
        """The current or previous working period (its end is *t* when open at *t*)."""
        start, end = self.theirs.previous(utc(t))
        return start, end


def utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def quarter(n: int) -> time:
    return time(n // 4, n % 4 * 15)


@st.composite
def pairs(draw: st.DrawFn) -> Pair:
    """A calendar both libraries can express: one or two daytime windows, random holidays.

    The second window starts at or after the first one ends (touching is allowed) and may
    be on other weekdays. Shrinks towards one window on Mondays in Berlin.
    """
    tz = draw(st.sampled_from(ZONES))
    weekdays = st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True).map(sorted)
    a = draw(st.integers(4 * 4, 22 * 4 - 1))
    b = draw(st.integers(a + 1, 22 * 4))
    windows = [(draw(weekdays), quarter(a), quarter(b))]
    if b < 22 * 4 and draw(st.booleans()):
        c = draw(st.integers(b, 22 * 4 - 1))
        e = draw(st.integers(c + 1, 22 * 4))
        windows.append((draw(weekdays), quarter(c), quarter(e)))
    holidays = draw(st.sets(st.dates(FIRST.date(), LAST.date()), max_size=12))
    return Pair(tz, windows, holidays | set(NEW_YEARS))


def instants() -> st.SearchStrategy[datetime]:
    """Whole-second instants in 2024-2026 shown in any of the zones; many on quarter hours."""
    zones = st.sampled_from([UTC, *(ZoneInfo(z) for z in ZONES)])
    anywhere = st.datetimes(FIRST, LAST, timezones=zones, allow_imaginary=False).map(
        lambda t: t.replace(microsecond=0)
    )
    on_grid = anywhere.map(lambda t: t.replace(minute=t.minute // 15 * 15, second=0))
    return st.one_of(on_grid, anywhere)


@st.composite
def with_duration(draw: st.DrawFn) -> tuple[Pair, timedelta]:
    """A pair and a duration of up to 26 weeks of its hours (400 h at most).

    Half the durations are whole quarter hours, to land on openings and closings; the
    others are whole seconds. Shrinks towards 15 minutes.
    """
    pair = draw(pairs())
    weekly = sum(
        (
            (datetime.combine(date.min, end) - datetime.combine(date.min, start)) * len(days)
            for days, start, end in pair.windows
        ),
        timedelta(0),
    )
    limit = min(timedelta(hours=400), 26 * weekly)
    quarter_hours = st.integers(1, limit // timedelta(minutes=15))
    seconds = st.integers(1, limit // timedelta(seconds=1))
    d = draw(
        st.one_of(
            quarter_hours.map(lambda q: timedelta(minutes=15 * q)),
            seconds.map(lambda s: timedelta(seconds=s)),
        )
    )
    return pair, d


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(with_duration(), instants())
def test_add_agrees(case: tuple[Pair, timedelta], t: datetime) -> None:
    pair, d = case
    assert utc(pair.ours.add(t, d)) == utc(pair.add(t, d))


@SETTINGS
@given(with_duration(), instants())
def test_subtract_agrees(case: tuple[Pair, timedelta], t: datetime) -> None:
    pair, d = case
    assert utc(pair.ours.subtract(t, d)) == utc(pair.subtract(t, d))


# The second instant of a span: up to ten weeks either way (businesstimedelta walks
# every working period in between, so longer spans only cost time).
SPANS = st.integers(-70 * 86_400, 70 * 86_400).map(lambda s: timedelta(seconds=s))


@SETTINGS
@given(pairs(), instants(), SPANS)
def test_between_agrees(pair: Pair, a: datetime, span: timedelta) -> None:
    b = utc(a) + span
    assert abs(pair.ours.between(a, b)) == pair.between(a, b)


@SETTINGS
@given(pairs(), instants())
def test_is_open_next_opening_and_previous_closing_agree(pair: Pair, t: datetime) -> None:
    cal = pair.ours
    start, _ = pair.next_period(t)
    assert utc(cal.next_opening(t)) == utc(start)
    assert cal.is_open(t) == (utc(start) == utc(t))
    if not cal.is_open(t):
        # Open at t, businesstimedelta's previous period ends at t, not at a closing.
        _, end = pair.previous_period(t)
        closing = cal.previous_closing(t)
        assert closing is not None and utc(closing) == utc(end)


def test_the_two_libraries_differ_on_a_zero_duration() -> None:
    # The one convention difference on calendars both can express: documented, not hidden.
    pair = Pair("Europe/Berlin", [([0, 1, 2, 3, 4], time(9), time(17))], set(NEW_YEARS))
    saturday = datetime(2025, 3, 8, 12, tzinfo=ZoneInfo("Europe/Berlin"))
    assert pair.ours.add(saturday, timedelta(0)) == saturday
    assert utc(pair.add(saturday, timedelta(0))) == datetime(2025, 3, 10, 8, tzinfo=UTC)


def test_the_two_libraries_differ_on_a_window_starting_in_the_repeated_hour() -> None:
    # 02:30 on 2025-10-26 happens twice in Berlin: we open at the first (00:30 UTC),
    # pytz's localize() picks the second (01:30 UTC).
    windows = [([6], time(2, 30), time(5)), ([0], time(9), time(17))]
    pair = Pair("Europe/Berlin", windows, set(NEW_YEARS))
    midnight = datetime(2025, 10, 26, tzinfo=ZoneInfo("Europe/Berlin"))
    assert utc(pair.ours.next_opening(midnight)) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    assert utc(pair.next_period(midnight)[0]) == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
