"""Business calendars: opening hours, holidays and exact business-time arithmetic.

A `BusinessCalendar` says when a team is at work, in one IANA time zone:
weekly opening hours, closed holidays and dated exceptions. It adds and
subtracts business time, measures it between two instants, and finds the
next opening and the previous closing. `BusinessClock` plugs a calendar into
a `Policy` so that SLA targets count business time only.

Conventions (each one is what an SLA clock needs):

* **Half-open intervals.** An opening interval ``09:00-17:00`` is open from
  09:00 inclusive to 17:00 exclusive: ``is_open`` is true at 09:00 and false
  at 17:00.
* **Night shifts.** An interval whose end is at or before its start crosses
  midnight; it belongs to the day it starts on. ``time(0, 0)`` (or
  ``"24:00"``) as an end is midnight, and ``("00:00", "00:00")`` is the whole
  day.
* **Holidays and exceptions act on the shifts that start on that date.** A
  holiday closes the shifts starting on it; a night shift that started the
  evening before still runs into the holiday morning, because the people on
  it are already at work. An exception replaces the intervals starting on its
  date (an empty list closes it) and wins over a holiday on the same date.
* **Landing on a closing.** When added business time runs out exactly at a
  closing, `add` returns the closing instant (09:00 + 8 h on a 09:00-17:00
  day is 17:00 that day, not 09:00 the next day). A deadline at the close
  means "by the end of business today", and the breach is the first instant
  after the business time is used up; jumping to the next opening would grant
  a whole night for free. `subtract` mirrors this and returns an opening
  instant, not the previous closing.
* **Zero.** ``add(t, timedelta(0))`` is *t* (in the calendar's zone), even
  when the calendar is closed at *t*: no time passes.
* **Exactness.** Every computation is in integer microseconds, so
  ``between(t, add(t, d)) == d`` holds for every instant *t* (open or closed)
  and every duration *d*, and ``add`` is monotonic in *d*.
* **DST.** Opening hours are local wall-clock times, mapped to instants the
  way `zoneinfo` does with ``fold=0``: a wall time that does not exist (the
  spring-forward gap) moves forward by the length of the gap (02:30 becomes
  03:30 in Berlin), and a wall time that happens twice (the autumn fall-back)
  means its first occurrence. An interval spanning a change counts the real
  time that elapses, so 00:00-06:00 is 5 hours on the spring-forward day and
  7 on the fall-back day. If the mapping makes two intervals overlap, their
  union is counted once; an interval that maps to nothing is dropped.

Design: every open interval is turned into a pair of UTC epoch microseconds.
Time is cut into fixed blocks of 52 weeks (in UTC, so finding the block of an
instant costs one integer division); each block holds its open intervals,
merged and clipped to the block, with a running sum of business time. A block
is computed the first time it is needed and kept in a per-instance dict,
which is only a cache: a result never depends on what it already holds.
Positions are found by bisection, so `add` costs two bisections plus one step
per 52 weeks of business time crossed (10,000 business hours of a 40-hour
week cross five blocks), whatever the holidays, exceptions and DST changes
inside. Supported instants lie between the years 1 and 9999, with a few
days' margin at each end; beyond it an `OverflowError` is raised.

The cache is the only state: building a block asks the zone for the UTC offset
of each shift's two ends (about a millisecond for a year of office hours), and
costs three lists of ints per block in memory, kept for the calendar's life.
Two threads that build the same block at once store equal values, so no lock
is needed. Equality, hashing, pickling and ``repr`` ignore it.
"""

from __future__ import annotations

import importlib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Final, TypeAlias, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import attrs

from ._exceptions import CalendarError, did_you_mean
from ._time import require_aware

if TYPE_CHECKING:
    from ._context import Context

__all__ = [
    "BusinessCalendar",
    "BusinessClock",
    "DateLike",
    "DatedHours",
    "Interval",
    "TimeLike",
    "WeekdayKey",
    "WeeklyHours",
    "holidays_from_ics",
    "holidays_from_package",
]

TimeLike: TypeAlias = time | str
"""A local wall-clock time: a naive `time` object or ``"HH:MM"`` / ``"HH:MM:SS"``."""

Interval: TypeAlias = tuple[TimeLike, TimeLike]
"""An opening interval ``(start, end)`` in local time; ``end <= start`` crosses midnight."""

WeekdayKey: TypeAlias = int | str
"""A weekday: ``0`` (Monday) to ``6`` (Sunday), ``"mon"``..``"sun"``, or a range ``"mon-fri"``."""

DateLike: TypeAlias = date | str
"""A calendar date: a `datetime.date` or an ISO ``"YYYY-MM-DD"`` string."""

# A Mapping is invariant in its key type, so each key type is listed: a variable typed
# dict[str, list[tuple[str, str]]] must be accepted, not only a literal.
WeeklyHours: TypeAlias = (
    Mapping[str, Sequence[Interval]]
    | Mapping[int, Sequence[Interval]]
    | Mapping[WeekdayKey, Sequence[Interval]]
    | Sequence[Sequence[Interval]]
)
"""Opening hours by weekday, e.g. ``{"mon-fri": [("09:00", "17:00")]}``, or seven lists."""

DatedHours: TypeAlias = (
    Mapping[date, Sequence[Interval]]
    | Mapping[str, Sequence[Interval]]
    | Mapping[DateLike, Sequence[Interval]]
)
"""Opening hours by date, e.g. ``{"2025-12-24": [("09:00", "12:00")]}``; ``[]`` closes."""

_Pair: TypeAlias = tuple[time, time]
_Block: TypeAlias = tuple[list[int], list[int], list[int], int]
# An opening interval as microseconds after local midnight, plus the same two offsets as
# timedeltas, ready for the block builder's wall-clock arithmetic.
_Span: TypeAlias = tuple[int, int, timedelta, timedelta]

_US: Final = 1_000_000
_DAY_US: Final = 86_400 * _US
_WEEK_US: Final = 7 * _DAY_US
_BLOCK_US: Final = 52 * _WEEK_US
_ONE_US: Final = timedelta(microseconds=1)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORD: Final = _EPOCH.toordinal()
# A few days' margin inside datetime's range, so local dates and offsets never overflow.
_FIRST_ORD: Final = date(1, 1, 4).toordinal()
_LAST_ORD: Final = date(9999, 12, 28).toordinal()
_MIN_US: Final = (_FIRST_ORD - _EPOCH_ORD) * _DAY_US
_MAX_US: Final = (_LAST_ORD - _EPOCH_ORD) * _DAY_US
_MIN_BLOCK: Final = _MIN_US // _BLOCK_US
_MAX_BLOCK: Final = _MAX_US // _BLOCK_US

_DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS: Final = {
    **{name: i for i, name in enumerate(_DAY_NAMES)},
    **{name: i for i, name in enumerate(_FULL_NAMES)},
}
_TIME_TEXT: Final = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{6}))?)?")
_MIDNIGHT: Final = time(0, 0)


# -- converting and checking the inputs ------------------------------------------------------


def _zone(name: object) -> ZoneInfo:
    if isinstance(name, ZoneInfo):
        return name
    if not isinstance(name, str) or not name:
        raise CalendarError(
            f"a calendar's tz must be an IANA zone name, got {name!r}", where="tz", value=name
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise CalendarError(
        f"{name!r} is not a known time zone",
        where="tz",
        value=name,
        suggestion=did_you_mean(name, sorted(available_timezones())),
    )


def _tz_name(value: str | ZoneInfo) -> str:
    return _zone(value).key


def _parse_time(value: object, where: str, *, end: bool) -> time:
    if isinstance(value, datetime) or not isinstance(value, time | str):
        raise CalendarError(
            f"an opening time must be a time object (from datetime) or 'HH:MM', got {value!r}",
            where=where,
            value=value,
        )
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise CalendarError(
                f"opening times are local wall times in the calendar's zone; {value!r} carries "
                "its own tzinfo",
                where=where,
                value=value,
            )
        return time(value.hour, value.minute, value.second, value.microsecond)
    match = _TIME_TEXT.fullmatch(value.strip())
    if match:
        hh, mm, ss, us = int(match[1]), int(match[2]), int(match[3] or 0), int(match[4] or 0)
        if end and (hh, mm, ss, us) == (24, 0, 0, 0):
            return _MIDNIGHT
        if hh < 24 and mm < 60 and ss < 60:
            return time(hh, mm, ss, us)
    hint = " ('24:00' is only allowed as an end)" if value.strip().startswith("24") else ""
    raise CalendarError(
        f"{value!r} is not a time of day like '09:30'{hint}", where=where, value=value
    )


def _time_us(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * _US + value.microsecond


def _span(pair: _Pair) -> tuple[int, int]:
    """The interval as microseconds after the local midnight of the day it starts on."""
    start, end = _time_us(pair[0]), _time_us(pair[1])
    return start, end + _DAY_US if end <= start else end


def _wall_span(pair: _Pair) -> _Span:
    start, end = _span(pair)
    return start, end, timedelta(microseconds=start), timedelta(microseconds=end)


def _show_time(value: time) -> str:
    text = f"{value.hour:02d}:{value.minute:02d}"
    if value.second or value.microsecond:
        text += f":{value.second:02d}"
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text


def _show(pair: _Pair) -> str:
    return f"{_show_time(pair[0])}-{_show_time(pair[1])}"


def _intervals(value: object, where: str) -> tuple[_Pair, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | frozenset | set):
        raise CalendarError(
            f"opening hours must be a list of (start, end) pairs, got {value!r}",
            where=where,
            value=value,
        )
    pairs = []
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        if isinstance(item, str | bytes) or not isinstance(item, Sequence) or len(item) != 2:
            raise CalendarError(
                f"an opening interval must be a (start, end) pair, got {item!r}",
                where=here,
                value=item,
            )
        pairs.append((_parse_time(item[0], here, end=False), _parse_time(item[1], here, end=True)))
    pairs.sort(key=_span)
    _check_overlaps([(*_span(p), p, where) for p in pairs])
    return tuple(pairs)


def _check_overlaps(items: list[tuple[int, int, _Pair, str]]) -> None:
    """Raise if two of the ``(start, end, pair, where)`` intervals on one axis overlap."""
    items = sorted(items, key=lambda item: item[:2])
    for (_, end, pair, where), (start, _, other, other_where) in pairwise(items):
        if start < end:
            place = "" if where == other_where else f" (from {other_where})"
            raise CalendarError(
                f"the opening intervals {_show(pair)} and {_show(other)}{place} overlap",
                where=where,
                value=other,
            )


def _weekday_keys(key: object) -> list[int]:
    where = f"hours[{key!r}]"
    if isinstance(key, bool) or not isinstance(key, int | str):
        raise CalendarError(
            f"a weekday must be 0-6 or a name like 'mon', got {key!r}", where=where, value=key
        )
    if isinstance(key, int):
        if 0 <= key <= 6:
            return [key]
        raise CalendarError(
            f"a weekday number runs from 0 (Monday) to 6 (Sunday), got {key}",
            where=where,
            value=key,
        )
    ends = [part.strip().casefold() for part in key.split("-")]
    if len(ends) > 2:
        raise CalendarError(
            f"{key!r} is not a weekday or a range like 'mon-fri'", where=where, value=key
        )
    days = []
    for name in ends:
        if name not in _WEEKDAYS:
            # Suggest in the style the user wrote: 'fry' -> 'fri', 'mnday' -> 'monday'.
            same_style = _DAY_NAMES if len(name) <= 4 else _FULL_NAMES
            suggestion = did_you_mean(name, same_style) or did_you_mean(
                name, [*_DAY_NAMES, *_FULL_NAMES]
            )
            raise CalendarError(
                f"{name!r} is not a weekday", where=where, value=key, suggestion=suggestion
            )
        days.append(_WEEKDAYS[name])
    first, last = days[0], days[-1]
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def _week(
    value: WeeklyHours,
) -> tuple[tuple[_Pair, ...], ...]:
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 7:
        value = dict(enumerate(value))  # Monday to Sunday, as the calendar stores them
    if not isinstance(value, Mapping):
        raise CalendarError(
            "hours must map weekdays to opening intervals, e.g. "
            f"{{'mon-fri': [('09:00', '17:00')]}}, or list seven days; got {value!r}",
            where="hours",
            value=value,
        )
    week: list[tuple[_Pair, ...] | None] = [None] * 7
    given_as: dict[int, object] = {}
    for key, intervals in value.items():
        pairs = _intervals(intervals, f"hours[{key!r}]")
        for day in _weekday_keys(key):
            if week[day] is not None:
                raise CalendarError(
                    f"{_DAY_NAMES[day]!r} is given twice, in {given_as[day]!r} and {key!r}",
                    where="hours",
                    value=key,
                )
            week[day] = pairs
            given_as[day] = key
    days = tuple(pairs or () for pairs in week)
    items = [
        (d * _DAY_US + lo + shift, d * _DAY_US + hi + shift, pair, f"hours[{given_as[d]!r}]")
        for shift in (0, _WEEK_US)
        for d, pairs in enumerate(days)
        for pair in pairs
        for lo, hi in [_span(pair)]
    ]
    _check_overlaps(items)
    if not items:
        raise CalendarError(
            "a calendar must be open at some time of the week; give hours for at least one weekday",
            where="hours",
            value=value,
        )
    return days


def _date(value: object, where: str) -> date:
    if isinstance(value, datetime):
        raise CalendarError(
            f"{where} takes dates, got the datetime {value!r}; use .date()",
            where=where,
            value=value,
        )
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarError(
        f"{value!r} is not a date (a datetime.date or 'YYYY-MM-DD')", where=where, value=value
    )


def _holidays(value: Iterable[DateLike]) -> frozenset[date]:
    if isinstance(value, str | bytes | date) or not isinstance(value, Iterable):
        raise CalendarError(
            f"holidays must be an iterable of dates, got {value!r}", where="holidays", value=value
        )
    return frozenset(_date(item, "holidays") for item in value)


def _exceptions(
    value: DatedHours | None,
) -> tuple[tuple[date, tuple[_Pair, ...]], ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, tuple) and all(isinstance(i, tuple) and len(i) == 2 for i in value):
        items = list(value)  # the calendar's own stored form
    else:
        raise CalendarError(
            f"exceptions must map dates to opening intervals, got {value!r}",
            where="exceptions",
            value=value,
        )
    out: dict[date, tuple[_Pair, ...]] = {}
    for key, intervals in items:
        day = _date(key, "exceptions")
        if day in out:
            raise CalendarError(
                f"the date {day.isoformat()} is given twice", where="exceptions", value=key
            )
        out[day] = _intervals(intervals, f"exceptions[{day.isoformat()!r}]")
    return tuple(sorted(out.items()))


def _group_week(week: tuple[tuple[_Pair, ...], ...]) -> dict[str, list[tuple[str, str]]]:
    """The weekly hours as input-shaped text, with runs of equal days as ranges."""
    out: dict[str, list[tuple[str, str]]] = {}
    day = 0
    while day < 7:
        last = day
        while last + 1 < 7 and week[last + 1] == week[day]:
            last += 1
        if week[day]:
            key = _DAY_NAMES[day] if last == day else f"{_DAY_NAMES[day]}-{_DAY_NAMES[last]}"
            out[key] = [(_show_time(a), _show_time(b)) for a, b in week[day]]
        day = last + 1
    return out


# -- the calendar ---------------------------------------------------------------------------


@attrs.frozen(repr=False)
class BusinessCalendar:
    """Opening hours in one time zone, with holidays and dated exceptions.

    Args:
        tz: an IANA zone name such as ``"Europe/Berlin"``; opening hours are
            wall-clock times there.
        hours: weekday -> opening intervals. Weekdays are ``0`` (Monday) to
            ``6``, names (``"mon"``, ``"monday"``) or ranges (``"mon-fri"``);
            intervals are ``(start, end)`` pairs of `time` objects (from `datetime`) or
            ``"HH:MM"``. An interval with ``end <= start`` crosses midnight
            and belongs to the day it starts on.
        holidays: dates on which no shift starts (a night shift from the
            evening before still runs into the morning).
        exceptions: date -> opening intervals that replace that date's
            weekday hours (``[]`` closes it); wins over a holiday.
        name: a label for messages and ``repr``.

    Raises:
        CalendarError: for an unknown zone or weekday, a malformed time or
            date, overlapping intervals, or a week with no opening hours.
    """

    tz: str = attrs.field(converter=_tz_name)
    hours: tuple[tuple[_Pair, ...], ...] = attrs.field(converter=_week)
    holidays: frozenset[date] = attrs.field(default=(), converter=_holidays, kw_only=True)
    exceptions: tuple[tuple[date, tuple[_Pair, ...]], ...] = attrs.field(
        default=None, converter=_exceptions, kw_only=True
    )
    name: str = attrs.field(default="", kw_only=True)

    _zone: ZoneInfo = attrs.field(init=False, eq=False, repr=False)
    _days: tuple[tuple[_Span, ...], ...] = attrs.field(init=False, eq=False, repr=False)
    _special: dict[int, tuple[_Span, ...]] = attrs.field(init=False, eq=False, repr=False)
    _special_ords: list[int] = attrs.field(init=False, eq=False, repr=False)
    _round_the_clock: bool = attrs.field(init=False, eq=False, repr=False)
    _weekly_cap: int = attrs.field(init=False, eq=False, repr=False)
    _extra_cap: int = attrs.field(init=False, eq=False, repr=False)
    _blocks: dict[int, _Block] = attrs.field(init=False, eq=False, repr=False)
    _totals: dict[int, int] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise CalendarError(
                f"a calendar's name must be a string, got {self.name!r}",
                where="name",
                value=self.name,
            )
        setattr_ = object.__setattr__
        setattr_(self, "_zone", ZoneInfo(self.tz))
        days = tuple(tuple(_wall_span(pair) for pair in pairs) for pairs in self.hours)
        setattr_(self, "_days", days)
        special: dict[int, tuple[_Span, ...]] = {d.toordinal(): () for d in self.holidays}
        for day, pairs in self.exceptions:
            special[day.toordinal()] = tuple(_wall_span(pair) for pair in pairs)
        setattr_(self, "_special", special)
        setattr_(self, "_special_ords", sorted(special))
        setattr_(self, "_round_the_clock", _covers_week(days))
        # Upper bounds on business time, to refuse a hopeless walk up front: a week
        # holds its wall-clock hours plus at most a day of DST slack, and each
        # exception at most its own intervals.
        setattr_(
            self, "_weekly_cap", sum(span[1] - span[0] for day in days for span in day) + _DAY_US
        )
        setattr_(
            self,
            "_extra_cap",
            sum(span[1] - span[0] for spans in special.values() for span in spans),
        )
        setattr_(self, "_blocks", {})
        setattr_(self, "_totals", {})
        self._check_exceptions()

    @classmethod
    def always(
        cls,
        tz: str = "UTC",
        *,
        holidays: Iterable[DateLike] = (),
        exceptions: DatedHours | None = None,
        name: str = "24/7",
    ) -> BusinessCalendar:
        """A calendar open around the clock, every day (less any holidays)."""
        return cls(
            tz,
            {"mon-sun": [(_MIDNIGHT, _MIDNIGHT)]},
            holidays=holidays,
            exceptions=exceptions,
            name=name,
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Pickle the definition only: the block cache is rebuilt on demand.
        return (
            _restore,
            (self.tz, self.hours, self.holidays, self.exceptions, self.name),
        )

    def __repr__(self) -> str:
        parts = [repr(self.tz), repr(_group_week(self.hours))]
        if self.holidays:
            parts.append(f"holidays={sorted(d.isoformat() for d in self.holidays)!r}")
        if self.exceptions:
            shown = {
                d.isoformat(): [(_show_time(a), _show_time(b)) for a, b in pairs]
                for d, pairs in self.exceptions
            }
            parts.append(f"exceptions={shown!r}")
        if self.name:
            parts.append(f"name={self.name!r}")
        return f"BusinessCalendar({', '.join(parts)})"

    # -- the public arithmetic ---------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant at which *duration* of business time has passed since *start*.

        A negative *duration* subtracts. Business time that runs out exactly
        at a closing returns that closing instant; ``add(t, 0)`` returns *t*.

        Args:
            start: any timezone-aware datetime (pendulum's included).
            duration: business time to add, a `timedelta`.

        Returns:
            An aware stdlib datetime in the calendar's zone.

        Raises:
            NaiveDatetimeError: *start* has no time zone.
            TypeError: *duration* is not a timedelta.
            OverflowError: the result is beyond the year 9999 (or before year 1).
        """
        return self._to_datetime(self._shift(_instant_us(start, "start"), _duration_us(duration)))

    def subtract(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant *duration* of business time before *start*.

        Business time that runs out exactly at an opening returns that opening
        instant; the mirror image of `add`.

        Raises:
            NaiveDatetimeError: *start* has no time zone.
            TypeError: *duration* is not a timedelta.
            OverflowError: the result is before the year 1 (or beyond 9999).
        """
        return self._to_datetime(self._shift(_instant_us(start, "start"), -_duration_us(duration)))

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Return the business time from *a* to *b*; negative if *b* is before *a*.

        Raises:
            NaiveDatetimeError: *a* or *b* has no time zone.
        """
        ua, ub = _instant_us(a, "a"), _instant_us(b, "b")
        if ub < ua:
            return -self.between(b, a)
        ba, bb = ua // _BLOCK_US, ub // _BLOCK_US
        total = self._position(ub) - self._position(ua)
        blocks = self._blocks
        for index in range(ba, bb):
            total += (blocks.get(index) or self._build(index))[3]
        return timedelta(microseconds=total)

    def is_open(self, instant: datetime) -> bool:
        """Is the calendar open at *instant* (opening instants count as open, closings not)?"""
        u = _instant_us(instant, "instant")
        starts, ends, _, _ = self._block(u // _BLOCK_US)
        i = bisect_right(starts, u) - 1
        return i >= 0 and u < ends[i]

    def next_opening(self, instant: datetime) -> datetime:
        """Return *instant* if the calendar is open then, else the instant it next opens.

        Raises:
            NaiveDatetimeError: *instant* has no time zone.
            OverflowError: it never opens again before the year 9999.
        """
        u = _instant_us(instant, "instant")
        index = u // _BLOCK_US
        starts, ends, _, _ = self._block(index)
        i = bisect_right(starts, u)
        if i and u < ends[i - 1]:
            return self._to_datetime(u)
        while i == len(starts):
            index += 1
            starts = self._block(index)[0]
            i = 0
        return self._to_datetime(starts[i])

    def previous_closing(self, instant: datetime) -> datetime | None:
        """Return the last instant at or before *instant* at which the calendar closed.

        An instant that is itself a closing is returned unchanged; an open one
        gives the end of the previous opening period. ``None`` if the calendar
        never closed before (a 24/7 calendar, or nothing back to year 1).

        Raises:
            NaiveDatetimeError: *instant* has no time zone.
        """
        u = _instant_us(instant, "instant")
        index = u // _BLOCK_US
        ends = self._block(index)[1]
        j = bisect_right(ends, u) - 1
        if j >= 0:  # ends[j] <= u < the block's upper edge: a real closing
            return self._to_datetime(ends[j])
        while True:
            if index <= _MIN_BLOCK:
                return None
            starts, ends, _, _ = self._block(index)
            if (
                self._round_the_clock
                and len(starts) == 1
                and starts[0] == index * _BLOCK_US
                and ends[0] == starts[0] + _BLOCK_US
            ):
                # A whole block open: skip to the last holiday or exception before it.
                before = self._block_before_special(index)
                if before is None:
                    return None
                index = before
            else:
                index -= 1
            ends = self._block(index)[1]
            if not ends:
                continue
            j = len(ends) - 1
            edge = (index + 1) * _BLOCK_US
            if ends[j] == edge:
                # Cut by the block edge, not closed, if the next block opens right there.
                following = self._block(index + 1)[0]
                if following and following[0] == edge:
                    j -= 1
            if j >= 0:
                return self._to_datetime(ends[j])

    # -- the machinery -------------------------------------------------------------------

    def _position(self, u: int) -> int:
        """Business microseconds from the start of *u*'s block up to *u*."""
        index = u // _BLOCK_US
        starts, ends, cum_end, _ = self._blocks.get(index) or self._build(index)
        i = bisect_right(starts, u) - 1
        if i < 0:
            return 0
        end = ends[i]
        return cum_end[i] - (end - u if u < end else 0)

    def _shift(self, u: int, d: int) -> int:
        """The epoch microsecond at which *d* business microseconds have passed since *u*."""
        if d == 0:
            return u
        index = u // _BLOCK_US
        blocks = self._blocks
        starts, ends, cum_end, total = blocks.get(index) or self._build(index)
        i = bisect_right(starts, u) - 1
        if i < 0:
            target = d
        else:
            end = ends[i]
            target = cum_end[i] - (end - u if u < end else 0) + d
        if d > 0:
            if target > total:
                # Whole blocks at a time, reading only their totals.
                self._check_reachable(u, d)
                totals = self._totals
                while target > total:
                    target -= total
                    index += 1
                    known = totals.get(index)
                    total = self._build(index)[3] if known is None else known
                starts, ends, cum_end, total = blocks[index]
            j = bisect_left(cum_end, target)
            return ends[j] - (cum_end[j] - target)
        if target < 0:
            self._check_reachable(u, d)
        while target < 0:
            index -= 1
            starts, ends, cum_end, total = blocks.get(index) or self._build(index)
            target += total
        j = bisect_right(cum_end, target)
        return ends[j] - (cum_end[j] - target)

    def _check_reachable(self, u: int, d: int) -> None:
        """Raise OverflowError at once if *d* certainly runs past the supported years."""
        room = (_MAX_US - u) if d > 0 else (u - _MIN_US)
        weeks = room // _WEEK_US + 2
        if abs(d) > weeks * self._weekly_cap + self._extra_cap:
            raise OverflowError(
                f"adding {timedelta(microseconds=d)} of business time runs outside the years a "
                "calendar supports (1-9999)"
            )

    def _to_datetime(self, u: int) -> datetime:
        if not _MIN_US <= u <= _MAX_US:
            raise OverflowError("the instant is outside the years a calendar supports (1-9999)")
        seconds, micro = divmod(u, _US)
        result = datetime.fromtimestamp(seconds, self._zone)
        # replace() keeps fold; "+ timedelta" would reset it in a repeated hour.
        return result.replace(microsecond=micro) if micro else result

    def _block(self, index: int) -> _Block:
        return self._blocks.get(index) or self._build(index)

    def _build(self, index: int) -> _Block:
        """Compute block *index*: its merged open intervals and their running sums."""
        if not _MIN_BLOCK <= index <= _MAX_BLOCK:
            raise OverflowError("business time runs outside the years a calendar supports (1-9999)")
        lo = index * _BLOCK_US
        hi = lo + _BLOCK_US
        zone = self._zone
        # A shift ends less than two days after the midnight it starts from; a day more
        # on each side covers offsets that jump by a whole day (Samoa skipped 2011-12-30).
        first = max(_local_ordinal(max(lo, _MIN_US), zone) - 3, _FIRST_ORD)
        last = min(_local_ordinal(min(hi, _MAX_US), zone) + 2, _LAST_ORD)
        raw: list[tuple[int, int]] = []
        days, special = self._days, self._special
        # A ZoneInfo always has an offset, never None.
        utcoffset = cast("Callable[[datetime], timedelta]", zone.utcoffset)
        fromordinal = datetime.fromordinal
        for ordinal in range(first, last + 1):
            spans = special.get(ordinal)
            if spans is None:
                spans = days[(ordinal - 1) % 7]  # date.fromordinal(1) is a Monday
            if not spans:
                continue
            # Naive wall-clock arithmetic, then the zone's offset for that wall time with
            # fold=0: a time in a DST gap moves forward, an ambiguous one is the first.
            midnight = fromordinal(ordinal)
            wall = (ordinal - _EPOCH_ORD) * _DAY_US
            for s, e, s_delta, e_delta in spans:
                a = wall + s - utcoffset(midnight + s_delta) // _ONE_US
                b = wall + e - utcoffset(midnight + e_delta) // _ONE_US
                if a < hi and b > lo and a < b:
                    raw.append((max(a, lo), min(b, hi)))
        raw.sort()
        starts: list[int] = []
        ends: list[int] = []
        for a, b in raw:
            if ends and a <= ends[-1]:
                if b > ends[-1]:
                    ends[-1] = b
            else:
                starts.append(a)
                ends.append(b)
        cum_end: list[int] = []
        running = 0
        for a, b in zip(starts, ends, strict=True):
            running += b - a
            cum_end.append(running)
        block = (starts, ends, cum_end, running)
        self._blocks[index] = block
        self._totals[index] = block[3]
        return block

    def _block_before_special(self, index: int) -> int | None:
        """The block where the effect of the last special date before block *index* ends.

        On a round-the-clock calendar only holidays and exceptions close it, and a
        special date acts on the shifts starting that day, so on at most two local days.
        """
        first_day = _local_ordinal(max(index * _BLOCK_US, _MIN_US), self._zone)
        k = bisect_right(self._special_ords, first_day)
        if k == 0:
            return None
        ordinal = self._special_ords[k - 1]
        effect_end = (ordinal + 3 - _EPOCH_ORD) * _DAY_US  # two days on, plus any UTC offset
        before = min(effect_end // _BLOCK_US, index - 1)
        return before if before >= _MIN_BLOCK else None

    def _check_exceptions(self) -> None:
        """Raise if a dated exception overlaps the shifts of the day before or after."""
        dated = {day.toordinal(): pairs for day, pairs in self.exceptions}
        for first in sorted({o + shift for o in dated for shift in (-1, 0)}):
            items = []
            for offset in (0, 1):
                ordinal = first + offset
                day = date.fromordinal(ordinal)
                if ordinal in dated:
                    pairs, where = dated[ordinal], f"exceptions[{day.isoformat()!r}]"
                else:
                    pairs = () if day in self.holidays else self.hours[day.weekday()]
                    where = f"hours[{_DAY_NAMES[day.weekday()]!r}] on {day.isoformat()}"
                for pair in pairs:
                    lo, hi = _span(pair)
                    items.append((lo + offset * _DAY_US, hi + offset * _DAY_US, pair, where))
            _check_overlaps(items)


def _restore(
    tz: str,
    hours: tuple[tuple[_Pair, ...], ...],
    holidays: frozenset[date],
    exceptions: tuple[tuple[date, tuple[_Pair, ...]], ...],
    name: str,
) -> BusinessCalendar:
    """Unpickle a `BusinessCalendar` from its definition (see ``__reduce__``)."""
    return BusinessCalendar(
        tz,
        hours,  # the stored form: seven days, Monday first
        holidays=holidays,
        exceptions=exceptions,  # type: ignore[arg-type]  # the stored form
        name=name,
    )


@attrs.frozen
class BusinessClock:
    """A `Clock` that counts business time on a `BusinessCalendar`.

    Give it to a `Policy` so that SLA targets and time rules skip closed hours::

        Policy(levels, rules, clock=BusinessClock(calendar))
    """

    calendar: BusinessCalendar = attrs.field(
        validator=attrs.validators.instance_of(BusinessCalendar)
    )

    def deadline(self, context: Context, start: datetime, amount: timedelta) -> datetime | None:
        """Return the instant ``calendar.add(start, amount)``, in UTC like `WallClock`'s.

        UTC because the engine compares and collects deadlines from several clocks:
        an aware datetime in a zone's repeated autumn hour is never ``==`` to one in
        another zone, even for the same instant (Python's rule for inter-zone equality).
        """
        u = self.calendar._shift(_instant_us(start, "start"), _duration_us(amount))
        if not _MIN_US <= u <= _MAX_US:
            raise OverflowError("the deadline is outside the years a calendar supports (1-9999)")
        return _EPOCH + timedelta(microseconds=u)


# -- helpers for the hot path -----------------------------------------------------------------


def _instant_us(value: object, what: str) -> int:
    """*value* as integer microseconds since the Unix epoch; validates it on the slow path."""
    if type(value) is datetime:
        try:
            # Aware minus aware is exact and honours fold; a naive value raises TypeError.
            return (value - _EPOCH) // _ONE_US
        except TypeError:
            pass
    instant = require_aware(value, what)  # raises the library's error for a bad value
    return (instant - _EPOCH) // _ONE_US


def _duration_us(value: object) -> int:
    if type(value) is timedelta:
        return value // _ONE_US
    if not isinstance(value, timedelta):
        raise TypeError(f"a business duration must be a timedelta, got {value!r}")
    # timedelta's own floor division: exact, and immune to subclasses such as
    # pendulum.Duration that override the operator.
    return timedelta.__floordiv__(value, _ONE_US)


def _local_ordinal(u: int, zone: ZoneInfo) -> int:
    return datetime.fromtimestamp(u // _US, zone).toordinal()


def _covers_week(days: tuple[tuple[_Span, ...], ...]) -> bool:
    """Do the weekly hours, taken together, leave no gap in the wall-clock week?"""
    spans = sorted(
        (d * _DAY_US + span[0], d * _DAY_US + span[1]) for d, day in enumerate(days) for span in day
    )
    reach = spans[0][0]
    if reach != 0:
        return False
    for lo, hi in spans:
        if lo > reach:
            return False
        reach = max(reach, hi)
    return reach >= _WEEK_US


# -- holiday sources ----------------------------------------------------------------------------


def holidays_from_package(
    country: str, subdiv: str | None = None, *, years: int | Iterable[int]
) -> frozenset[date]:
    """Public holidays of *country* for *years*, from the optional ``holidays`` package.

    Args:
        country: an ISO 3166 code such as ``"DE"`` or ``"US"``.
        subdiv: a subdivision code such as ``"BY"`` (Bavaria), if any.
        years: one year or several, e.g. ``range(2025, 2030)``.

    Returns:
        The dates, ready for ``BusinessCalendar(..., holidays=...)``.

    Raises:
        ImportError: the ``holidays`` package is not installed.
        CalendarError: the country or subdivision is unknown.
    """
    try:
        package = importlib.import_module("holidays")
    except ImportError:
        raise ImportError(
            "holidays_from_package needs the optional 'holidays' package; install it with "
            "pip install 'escalation-rules[holidays]' (or pip install holidays)"
        ) from None
    year_list = [years] if isinstance(years, int) else list(years)
    supported: dict[str, list[str]] = package.list_supported_countries()
    if country not in supported:
        raise CalendarError(
            f"the holidays package does not know the country {country!r}",
            where="country",
            value=country,
            suggestion=did_you_mean(country, supported),
        )
    if subdiv is not None and subdiv not in supported[country]:
        raise CalendarError(
            f"the holidays package does not know the subdivision {subdiv!r} of {country}",
            where="subdiv",
            value=subdiv,
            suggestion=did_you_mean(subdiv, supported[country]),
        )
    table = package.country_holidays(country, subdiv=subdiv, years=year_list)
    return frozenset(date(d.year, d.month, d.day) for d in table)


_ICS_DATE: Final = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ICS_DAYS: Final = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?")


def holidays_from_ics(text: str) -> frozenset[date]:
    """The dates of the all-day events (``VEVENT``) in iCalendar *text*.

    Each event covers ``DTSTART;VALUE=DATE`` up to, not including, its
    ``DTEND`` (or for its ``DURATION`` in days or weeks; one day if neither
    is given). Parsed by hand: no dependency.

    Raises:
        CalendarError: an event is timed rather than all-day, repeats with an
            ``RRULE`` (expand it first), or has no readable ``DTSTART``.
    """
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    out: set[date] = set()
    event: dict[str, str] | None = None
    start_line = 0
    for number, line in enumerate(unfolded.splitlines(), start=1):
        name, _, value = line.partition(":")
        prop, *params = name.split(";")
        prop = prop.strip().upper()
        if prop == "BEGIN" and value.strip().upper() == "VEVENT":
            event, start_line = {}, number
        elif prop == "END" and value.strip().upper() == "VEVENT" and event is not None:
            out.update(_ics_event_days(event, start_line))
            event = None
        elif event is not None and prop in ("DTSTART", "DTEND", "DURATION", "RRULE"):
            kind = "DATE" if any(p.strip().upper() == "VALUE=DATE" for p in params) else ""
            event[prop] = value.strip()
            event[prop + ";TYPE"] = kind
    return frozenset(out)


def _ics_event_days(event: dict[str, str], line: int) -> list[date]:
    where = f"VEVENT at line {line}"
    if "RRULE" in event:
        raise CalendarError(
            "a recurring event (RRULE) cannot be read as holidays; list each date as its own event",
            where=where,
            value=event["RRULE"],
        )

    def day_of(prop: str) -> date:
        value = event[prop]
        match = _ICS_DATE.fullmatch(value)
        if match is None:
            timed = "T" in value or event.get(prop + ";TYPE") != "DATE"
            reason = "is timed; holidays must be all-day events" if timed else "is not a date"
            raise CalendarError(f"{prop} {value!r} {reason}", where=where, value=value)
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise CalendarError(
                f"{prop} {value!r} is not a date", where=where, value=value
            ) from None

    if "DTSTART" not in event:
        raise CalendarError("an event has no DTSTART", where=where)
    first = day_of("DTSTART")
    if "DTEND" in event:
        count = (day_of("DTEND") - first).days
    elif "DURATION" in event:
        match = _ICS_DAYS.fullmatch(event["DURATION"])
        if match is None or not (match[1] or match[2]):
            raise CalendarError(
                f"DURATION {event['DURATION']!r} is not a whole number of days",
                where=where,
                value=event["DURATION"],
            )
        count = int(match[1] or 0) * 7 + int(match[2] or 0)
    else:
        count = 1
    return [first + timedelta(days=i) for i in range(max(count, 1))]
