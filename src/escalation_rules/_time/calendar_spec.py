"""Business calendar text: opening hours, zones and dated exceptions, checked and normalised."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, TypeAlias, cast

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

from .._exceptions import CalendarError
from .._instants import iana_zone
from .._suggest import did_you_mean

Pair: TypeAlias = tuple[time, time]

# An opening interval as microseconds after local midnight, plus the same two offsets as
# timedeltas, ready for the block builder's wall-clock arithmetic.
Span: TypeAlias = tuple[int, int, timedelta, timedelta]

US: Final = 1_000_000

DAY_US: Final = 86_400 * US

WEEK_US: Final = 7 * DAY_US


def _time_us(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * US + value.microsecond


def span(pair: Pair) -> tuple[int, int]:
    """The interval as microseconds after the local midnight of the day it starts on."""
    start, end = _time_us(pair[0]), _time_us(pair[1])
    return start, end + DAY_US if end <= start else end


def wall_span(pair: Pair) -> Span:
    start, end = span(pair)
    return start, end, timedelta(0, 0, start), timedelta(0, 0, end)


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

DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_FULL_NAMES: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_WEEKDAYS: Final = {
    **{name: i for i, name in enumerate(DAY_NAMES)},
    **{name: i for i, name in enumerate(_FULL_NAMES)},
}

# The weekday keys people write most, read without parsing.
_KEYS: Final = MappingProxyType(
    {
        **{name: (i,) for i, name in enumerate(DAY_NAMES)},
        "mon-fri": (0, 1, 2, 3, 4),
        "mon-sat": (0, 1, 2, 3, 4, 5),
        "mon-sun": (0, 1, 2, 3, 4, 5, 6),
        "sat-sun": (5, 6),
    }
)

_TIME_TEXT: Final = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{6}))?)?")

MIDNIGHT: Final = time(0, 0)

_LAST_ORDINAL: Final = date.max.toordinal()

MAX_INTERVALS_PER_DAY: Final = 96
"""Opening intervals one day may list: one every 15 minutes. A calendar's cost grows with it."""


def zone_info(name: object) -> ZoneInfo:
    """The IANA zone *name* (or a `ZoneInfo`), or `CalendarError` with a suggestion."""
    return iana_zone(name, what="a calendar's tz", where="tz", error=CalendarError)


def tz_name(value: str | ZoneInfo) -> str:
    return zone_info(value).key


def _parse_time(value: object, where: str, *, end: bool) -> time:
    if type(value) is str and len(value) == 5 and value[2] == ":":
        # The common "HH:MM", without the regular expression.
        hour_text, minute_text = value[:2], value[3:]
        if hour_text.isdigit() and minute_text.isdigit() and (hour_text + minute_text).isascii():
            hour, minute = int(hour_text), int(minute_text)
            if hour < 24 and minute < 60:
                return time(hour, minute)
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
            return MIDNIGHT
        if hh < 24 and mm < 60 and ss < 60:
            return time(hh, mm, ss, us)
    hint = " ('24:00' is only allowed as an end)" if value.strip().startswith("24") else ""
    raise CalendarError(
        f"{value!r} is not a time of day like '09:30'{hint}", where=where, value=value
    )


def show_time(value: time) -> str:
    text = f"{value.hour:02d}:{value.minute:02d}"
    if value.second or value.microsecond:
        text += f":{value.second:02d}"
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text


def _show(pair: Pair) -> str:
    return f"{show_time(pair[0])}-{show_time(pair[1])}"


def _intervals(
    value: object, where: str, day: str, noun: str = "opening interval"
) -> tuple[Pair, ...]:
    items: Sequence[object] | AbstractSet[object]
    if isinstance(value, list | tuple) or (
        isinstance(value, Sequence | frozenset | set) and not isinstance(value, str | bytes)
    ):
        items = value  # a list or tuple first: the isinstance checks of an ABC are slower
    else:
        what = "opening hours" if noun == "opening interval" else f"{noun}s"
        raise CalendarError(
            f"{what} must be a list of (start, end) pairs, got {value!r}",
            where=where,
            value=value,
        )
    if len(items) > MAX_INTERVALS_PER_DAY:
        raise CalendarError(
            f"{len(items)} {noun}s on {day}; a day takes at most "
            f"{MAX_INTERVALS_PER_DAY} (one every 15 minutes)",
            where=where,
            value=len(items),
        )
    pairs = []
    for i, item in enumerate(items):
        if isinstance(item, tuple | list):
            well_formed = len(item) == 2
        else:
            well_formed = (
                not isinstance(item, str | bytes) and isinstance(item, Sequence) and len(item) == 2
            )
        if not well_formed:
            raise CalendarError(
                f"{'an' if noun[0] in 'aeiou' else 'a'} {noun} must be a (start, end) pair, "
                f"got {item!r}",
                where=f"{where}[{i}]",
                value=item,
            )
        first, second = cast("Sequence[object]", item)
        if type(first) is time and type(second) is time and first.tzinfo is None is second.tzinfo:
            pairs.append(
                (
                    time(first.hour, first.minute, first.second, first.microsecond),
                    time(second.hour, second.minute, second.second, second.microsecond),
                )
            )
            continue
        here = f"{where}[{i}]"
        pairs.append((_parse_time(first, here, end=False), _parse_time(second, here, end=True)))
    if len(pairs) > 1:
        pairs.sort(key=span)
        check_overlaps([(*span(p), p, where, None) for p in pairs], noun=noun)
    return tuple(pairs)


Overlap = tuple[int, int, Pair, str, "tuple[str, object] | None"]
"""An interval to check: start and end on one axis, the pair, where it was given, and what in
(the error's ``subject``)."""


def check_overlaps(items: Sequence[Overlap], *, noun: str = "opening interval") -> None:
    """Raise if two of the ``(start, end, pair, where, subject)`` intervals overlap."""
    items = sorted(items, key=lambda item: item[:2])
    for (_, end, pair, where, subject), (start, _, other, other_where, _s) in pairwise(items):
        if start < end:
            place = "" if where == other_where else f" (from {other_where})"
            raise CalendarError(
                f"the {noun}s {_show(pair)} and {_show(other)}{place} overlap",
                where=where,
                value=other,
                subject=subject,
            )


def _weekday_keys(key: object) -> list[int]:
    where = f"hours[{key!r}]"
    subject = ("hours", key)
    if isinstance(key, bool) or not isinstance(key, int | str):
        raise CalendarError(
            f"a weekday must be 0-6 or a name like 'mon', got {key!r}",
            where=where,
            value=key,
            subject=subject,
        )
    if isinstance(key, int):
        if 0 <= key <= 6:
            return [key]
        raise CalendarError(
            f"a weekday number runs from 0 (Monday) to 6 (Sunday), got {key}",
            where=where,
            value=key,
            subject=subject,
        )
    ends = [part.strip().casefold() for part in key.split("-")]
    if len(ends) > 2:
        raise CalendarError(
            f"{key!r} is not a weekday or a range like 'mon-fri'",
            where=where,
            value=key,
            subject=subject,
        )
    days = []
    for name in ends:
        if name not in _WEEKDAYS:
            # Suggest in the style the user wrote: 'fry' -> 'fri', 'mnday' -> 'monday'.
            same_style = DAY_NAMES if len(name) <= 4 else _FULL_NAMES
            suggestion = did_you_mean(name, same_style) or did_you_mean(
                name, [*DAY_NAMES, *_FULL_NAMES]
            )
            raise CalendarError(
                f"{name!r} is not a weekday",
                where=where,
                value=key,
                subject=subject,
                suggestion=suggestion,
            )
        days.append(_WEEKDAYS[name])
    first, last = days[0], days[-1]
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def weekly_hours(
    value: WeeklyHours,
) -> tuple[tuple[Pair, ...], ...]:
    if type(value) is not dict and (
        isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 7
    ):
        value = dict(enumerate(value))  # Monday to Sunday, as the calendar stores them
    if type(value) is not dict and not isinstance(value, Mapping):
        raise CalendarError(
            "hours must map weekdays to opening intervals, e.g. "
            f"{{'mon-fri': [('09:00', '17:00')]}}, or list seven days; got {value!r}",
            where="hours",
            value=value,
        )
    week: list[tuple[Pair, ...] | None] = [None] * 7
    given_as: dict[int, object] = {}
    for key, intervals in value.items():
        try:
            pairs = _intervals(intervals, f"hours[{key!r}]", repr(key))
        except CalendarError as exc:
            raise exc.about("hours", key) from None
        known_days = _KEYS.get(key) if type(key) is str else None
        for day in known_days or _weekday_keys(key):
            if week[day] is not None:
                raise CalendarError(
                    f"{DAY_NAMES[day]!r} is given twice, in {given_as[day]!r} and {key!r}",
                    where="hours",
                    value=key,
                )
            week[day] = pairs
            given_as[day] = key
    days = tuple([pairs or () for pairs in week])
    _check_week(days, given_as, value)
    return days


def _check_week(
    days: tuple[tuple[Pair, ...], ...], given_as: dict[int, object], value: object
) -> None:
    """Raise if the week has no hours, or two of its intervals overlap (across days too)."""
    # The week in order (days in order, each day's intervals sorted) is disjoint if each
    # interval starts at or after the end of the one before, and the last ends by the time
    # the first starts again, a week on.
    spans_of: dict[int, list[tuple[int, int]]] = {}
    first = reach = -1
    clash = False
    for d, pairs in enumerate(days):
        if not pairs:
            continue
        known = spans_of.get(id(pairs))
        if known is None:
            known = spans_of[id(pairs)] = [span(pair) for pair in pairs]
        base = d * DAY_US
        for lo, hi in known:
            if first < 0:
                first = base + lo
            elif base + lo < reach:
                clash = True
            reach = base + hi
    if first < 0:
        raise CalendarError(
            "a calendar must be open at some time of the week; give hours for at least one weekday",
            where="hours",
            value=value,
        )
    if clash or reach > first + WEEK_US:  # find the pair and say where each was given
        check_overlaps(
            [
                (
                    d * DAY_US + lo + shift,
                    d * DAY_US + hi + shift,
                    pair,
                    f"hours[{given_as[d]!r}]",
                    ("hours", given_as[d]),
                )
                for shift in (0, WEEK_US)
                for d, pairs in enumerate(days)
                for pair in pairs
                for lo, hi in [span(pair)]
            ]
        )


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


def holiday_dates(value: Iterable[DateLike]) -> frozenset[date]:
    if isinstance(value, str | bytes | date) or not isinstance(value, Iterable):
        raise CalendarError(
            f"holidays must be an iterable of dates, got {value!r}", where="holidays", value=value
        )
    return frozenset(item if type(item) is date else _date(item, "holidays") for item in value)


def dated_exceptions(
    value: DatedHours | None,
) -> tuple[tuple[date, tuple[Pair, ...]], ...]:
    """The ``exceptions`` input: date -> the opening intervals that replace its hours."""
    return _dated(value, "exceptions", "opening interval")


def dated_breaks(
    value: DatedHours | None,
) -> tuple[tuple[date, tuple[Pair, ...]], ...]:
    """The ``breaks`` input: date -> wall-clock intervals closed that date (none: dropped)."""
    return tuple(item for item in _dated(value, "breaks", "break") if item[1])


def _dated(
    value: DatedHours | None, where: str, noun: str
) -> tuple[tuple[date, tuple[Pair, ...]], ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, tuple) and all(isinstance(i, tuple) and len(i) == 2 for i in value):
        items = list(value)  # the calendar's own stored form
    else:
        raise CalendarError(
            f"{where} must map dates to {noun}s, got {value!r}",
            where=where,
            value=value,
        )
    out: dict[date, tuple[Pair, ...]] = {}
    for key, intervals in items:
        day = _date(key, where)
        if day in out:
            raise CalendarError(
                f"the date {day.isoformat()} is given twice", where=where, value=key
            )
        text = day.isoformat()
        try:
            out[day] = _intervals(intervals, f"{where}[{text!r}]", text, noun)
        except CalendarError as exc:
            raise exc.about(where, text) from None
    return tuple(sorted(out.items()))


def group_week(week: tuple[tuple[Pair, ...], ...]) -> dict[str, list[tuple[str, str]]]:
    """The weekly hours as input-shaped text, with runs of equal days as ranges."""
    out: dict[str, list[tuple[str, str]]] = {}
    day = 0
    while day < 7:
        last = day
        while last + 1 < 7 and week[last + 1] == week[day]:
            last += 1
        if week[day]:
            key = DAY_NAMES[day] if last == day else f"{DAY_NAMES[day]}-{DAY_NAMES[last]}"
            out[key] = [(show_time(a), show_time(b)) for a, b in week[day]]
        day = last + 1
    return out


def check_exception_neighbours(
    hours: tuple[tuple[Pair, ...], ...],
    holidays: frozenset[date],
    exceptions: tuple[tuple[date, tuple[Pair, ...]], ...],
) -> None:
    """Raise if a dated exception overlaps the shifts of the day before or after."""
    dated = {day.toordinal(): pairs for day, pairs in exceptions}
    for first in sorted({o + shift for o in dated for shift in (-1, 0)}):
        items = []
        for offset in (0, 1):
            ordinal = first + offset
            if not 1 <= ordinal <= _LAST_ORDINAL:  # the day before 0001-01-01, after 9999-12-31
                continue
            day = date.fromordinal(ordinal)
            subject: tuple[str, object]
            if ordinal in dated:
                pairs, where = dated[ordinal], f"exceptions[{day.isoformat()!r}]"
                subject = ("exceptions", day.isoformat())
            else:
                pairs = () if day in holidays else hours[day.weekday()]
                weekday = DAY_NAMES[day.weekday()]
                where = f"hours[{weekday!r}] on {day.isoformat()}"
                subject = ("hours", weekday)
            for pair in pairs:
                lo, hi = span(pair)
                items.append((lo + offset * DAY_US, hi + offset * DAY_US, pair, where, subject))
        check_overlaps(items)
