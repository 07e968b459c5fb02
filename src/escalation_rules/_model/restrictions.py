"""Restrictions: the daily or weekly windows of local time in which a schedule layer is on call.

They mirror PagerDuty's ``daily_restriction`` and ``weekly_restriction`` (``start_time_of_day``,
``duration_seconds``, ``start_day_of_week``). `active_hours` builds them from the words people
use ("mon-fri", "09:00" to "17:00"); `weekdays` and `time_of_day` read those words, for the
builder and for policy files.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any, Final

import attrs

from .._exceptions import PolicyError
from .._suggest import did_you_mean

DAY: Final = timedelta(days=1)
WEEK: Final = timedelta(days=7)

DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NUMBERS: Final = {
    **{name: i + 1 for i, name in enumerate(DAY_NAMES)},
    **{name: i + 1 for i, name in enumerate(_FULL_NAMES)},
}
_TIME_TEXT: Final = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{6}))?)?")


def _check_start(_inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, time) or value.tzinfo is not None:
        raise PolicyError(
            "a restriction's start must be a local time of day without tzinfo (the "
            f"schedule's zone applies), got {value!r}",
            where="start",
            value=value,
        )


def _check_day(_inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 7:
        raise PolicyError(
            "a restriction's day is an ISO weekday from 1 (Monday) to 7 (Sunday), or None "
            f"for every day; got {value!r}",
            where="day",
            value=value,
        )


@attrs.frozen
class Restriction:
    """A window of local time in which a layer is on call (PagerDuty's restrictions).

    Attributes:
        start: the local time of day the window opens, in the schedule's zone
            (PagerDuty's ``start_time_of_day``).
        duration: how long it stays open, in wall-clock time: positive, at most a day for
            a daily window and a week for a weekly one (``duration_seconds``). The window
            closes at the wall time ``start + duration``, whatever DST does meanwhile. A
            weekly window over a day long is a whole number of seconds (a policy file
            writes it as a duration, ``for = "63h"``; a shorter one as its closing time).
        day: the ISO weekday it opens on, 1 (Monday) to 7 (Sunday), for a weekly window
            (``start_day_of_week``); ``None`` (the default) opens it every day.

    `active_hours` builds the usual ones ("weekdays 09:00-17:00").
    """

    start: time = attrs.field(validator=_check_start)
    duration: timedelta = attrs.field()
    day: int | None = attrs.field(default=None, validator=_check_day)

    @duration.validator
    def _duration(self, _attribute: attrs.Attribute[Any], value: object) -> None:
        longest = DAY if self.day is None else WEEK
        if not isinstance(value, timedelta) or not timedelta(0) < value <= longest:
            span = "a day for a daily window" if self.day is None else "a week"
            raise PolicyError(
                f"a restriction's duration must be a positive timedelta of at most {span}, "
                f"got {value!r}",
                where="duration",
                value=value,
            )
        if value > DAY and value.microseconds:
            raise PolicyError(
                "a restriction's duration over a day must be a whole number of seconds, "
                f"got {value!r} ({value})",
                where="duration",
                value=value,
            )


def restriction_key(restriction: Restriction) -> tuple[int, time, timedelta]:
    """The canonical order: daily windows first, then by weekday, start and duration."""
    return (restriction.day or 0, restriction.start, restriction.duration)


def weekdays(text: object, where: str = "days") -> tuple[int, ...]:
    """The ISO weekdays (1-7), sorted, that *text* names: ``"mon"``, ``"mon-fri"``,
    ``"sat-mon"`` (a range wraps past Sunday), full names, or such parts joined by commas
    (``"mon-wed,fri"``). Case does not matter.

    Raises:
        PolicyError: naming the part that is not a weekday, with a suggestion.
    """
    if not isinstance(text, str) or not text.strip():
        raise PolicyError(
            f"days must be a weekday or a range like 'mon-fri', got {text!r}",
            where=where,
            value=text,
        )
    days: set[int] = set()
    for part in text.split(","):
        ends = [end.strip().casefold() for end in part.split("-")]
        if len(ends) > 2 or not all(ends):
            raise PolicyError(
                f"{part.strip()!r} is not a weekday or a range like 'mon-fri'",
                where=where,
                value=text,
            )
        numbers = []
        for end in ends:
            if end not in _DAY_NUMBERS:
                # Suggest in the style written: 'fry' -> 'fri', 'mondy' -> 'monday'.
                style = DAY_NAMES if len(end) <= 4 else _FULL_NAMES
                raise PolicyError(
                    f"{end!r} is not a weekday",
                    where=where,
                    value=text,
                    suggestion=did_you_mean(end, style) or did_you_mean(end, _DAY_NUMBERS),
                )
            numbers.append(_DAY_NUMBERS[end])
        first, last = numbers[0], numbers[-1]
        days.update((first - 1 + i) % 7 + 1 for i in range((last - first) % 7 + 1))
    return tuple(sorted(days))


def day_runs(days: tuple[int, ...]) -> str:
    """*days* (ISO weekdays) as `weekdays` reads them, in runs: ``"mon-wed,fri"``."""
    chosen = set(days)
    if len(chosen) == 7:
        return "mon-sun"
    gap = next(day for day in range(1, 8) if day not in chosen)
    runs: list[list[int]] = [[]]
    for i in range(1, 8):  # a week from the day after a gap: no run is cut in two
        day = (gap - 1 + i) % 7 + 1
        if day in chosen:
            runs[-1].append(day)
        elif runs[-1]:
            runs.append([])
    return ",".join(
        DAY_NAMES[run[0] - 1] + ("" if len(run) == 1 else f"-{DAY_NAMES[run[-1] - 1]}")
        for run in sorted(run for run in runs if run)
    )


def time_of_day(value: object, where: str, *, end: bool = False) -> time:
    """A local time: a `time` (from `datetime`) without tzinfo, or ``"HH:MM"``, ``"HH:MM:SS"`` or
    ``"HH:MM:SS.ffffff"`` (``"24:00"`` too, as an *end*: midnight)."""
    if isinstance(value, time) and value.tzinfo is None:
        return value
    match = _TIME_TEXT.fullmatch(value.strip()) if isinstance(value, str) else None
    if match:
        hh, mm, ss, us = int(match[1]), int(match[2]), int(match[3] or 0), int(match[4] or 0)
        if end and (hh, mm, ss, us) == (24, 0, 0, 0):
            return time(0, 0)
        if hh < 24 and mm < 60 and ss < 60:
            return time(hh, mm, ss, us)
    raise PolicyError(
        f"expected a local time of day like '09:00', got {value!r}", where=where, value=value
    )


def clock_span(opens: time, closes: time) -> timedelta:
    """From the wall time *opens* to *closes*: across midnight if *closes* is not later,
    a whole day if they are equal."""

    def of(value: time) -> timedelta:
        return timedelta(
            hours=value.hour, minutes=value.minute, seconds=value.second,
            microseconds=value.microsecond,
        )  # fmt: skip

    span = of(closes) - of(opens)
    return span if span > timedelta(0) else span + DAY


def active_hours(
    days: str | None = None, *, start: time | str, end: time | str
) -> tuple[Restriction, ...]:
    """The restrictions for "on *days* from *start* to *end*", local time in the schedule's zone.

    ``active_hours("mon-fri", start="09:00", end="17:00")`` is five weekly windows;
    ``active_hours(start="22:00", end="06:00")`` (no *days*) is one daily window. An *end*
    at or before *start* crosses midnight (``"22:00"`` to ``"06:00"`` is eight hours, ending
    on the next day); an *end* equal to *start* is a whole day. *days* takes ``"mon"``,
    ranges such as ``"mon-fri"`` or ``"sat-sun"``, full names, and parts joined by commas.

    Raises:
        PolicyError: for an unknown weekday (with a suggestion) or a malformed time.
    """
    opens = time_of_day(start, "start")
    duration = clock_span(opens, time_of_day(end, "end", end=True))
    if days is None:
        return (Restriction(opens, duration),)
    return tuple(Restriction(opens, duration, day) for day in weekdays(days))
