"""Reading iCalendar (.ics) text for `holidays_from_ics`: structure, events, repeat rules.

The parsing is ``icalendar``'s and the expansion ``recurring-ical-events``' (the optional
``holidays`` extra, imported by the caller on first use); this module checks what they are
given, since the text is untrusted. Its size, nesting and the work of expanding its repeat
rules are bounded, and each mistake is a `CalendarError` naming the line of the event
(``VEVENT at line N``).

Why repeat rules get a pre-flight walk: ``dateutil``, under ``recurring-ical-events``, walks a
rule period by period from its ``DTSTART`` and stops at the first occurrence after the window
asked for, or at the year 9999 when none comes. A rule that never matches again
(``BYMONTH=2;BYMONTHDAY=30``) so walks silently to 9999, whatever the window: seconds for a
daily rule. `preflight` walks each rule's pattern first, moved forward by a multiple of 400
years (the Gregorian calendar, weekdays included, repeats every 400 years) so that the year
9999 lies 100 to 500 years after the window: that walk is bounded, and a rule with no
occurrence in the 100 years after the window is refused, since the real walk could run on to
9999. The steps of all walks are counted against `MAX_EXPANSION_STEPS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, Final, NoReturn

from .._exceptions import CalendarError

MAX_ICS_CHARS: Final = 1024 * 1024
"""The longest iCalendar text read, in characters (1 MiB). Reading costs about a millisecond
per event (``icalendar`` parses, ``recurring-ical-events`` expands): some seconds at most."""

MAX_DATES: Final = 10_000
"""The default ``max_dates`` of `holidays_from_ics`: more dates are refused, not cut short."""

MAX_EXPANSION_STEPS: Final = 500_000
"""The work allowed to expand the repeat rules of one text; a step is about a microsecond."""

MAX_INTERVAL: Final = 1_000
"""The largest ``INTERVAL`` of a repeat rule."""

MAX_NESTING: Final = 8
"""How deeply components may nest (``VCALENDAR`` > ``VEVENT`` > ``VALARM`` is 3)."""

TEXT: Final = "iCalendar text"
"""The ``where`` of a mistake that belongs to no one event."""

LIBRARY_ERRORS: Final = (ValueError, TypeError, OverflowError, LookupError, AttributeError)
"""What the packages raise on bad input; each becomes a `CalendarError`."""

_CYCLE_YEARS: Final = 400

_LOOK_AHEAD_YEARS: Final = 100  # a rule must occur again within this many years of the window

_ONE_DAY: Final = timedelta(days=1)

_ONE_US: Final = timedelta(microseconds=1)

_NEWLINE: Final = re.compile(r"\r\n|\r|\n")

_QUOTED: Final = re.compile(r"'([^'\n]{1,200})'")

# Properties whose damage changes the dates read; damage elsewhere (a SUMMARY) is ignored.
_USED: Final = frozenset(
    ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "EXRULE", "RECURRENCE-ID")
) | frozenset(("STATUS", "UID", "SEQUENCE"))

# Days in one period of each frequency, and the cost of walking one period in steps
# (measured: a yearly period filters the 365 days of its year, a daily one its one day).
_PERIOD: Final = {"YEARLY": (365, 16), "MONTHLY": (30, 3), "WEEKLY": (7, 2), "DAILY": (1, 1)}

_TIME_PARTS: Final = ("BYHOUR", "BYMINUTE", "BYSECOND")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Each unfolded content line (RFC 5545 3.1) with the number of its first physical line."""
    current, start = None, 0
    for number, physical in enumerate(_NEWLINE.split(text), start=1):
        if physical[:1] in (" ", "\t") and current is not None:
            current += physical[1:]
            continue
        if current is not None:
            yield start, current
        current, start = physical, number
    if current is not None:
        yield start, current


def scan(text: str) -> list[int]:
    """The line of each ``BEGIN:VEVENT``, in order; refuse a structure that does not nest."""
    stack: list[tuple[str, int]] = []
    events: list[int] = []
    for number, line in _logical_lines(text):
        if not line.strip():
            continue
        name, _, value = line.partition(":")
        key, value = name.split(";")[0].strip().upper(), value.strip().upper()
        if key == "BEGIN":
            if len(stack) == MAX_NESTING:
                raise CalendarError(
                    f"components nest more than {MAX_NESTING} deep", where=f"line {number}"
                )
            stack.append((value, number))
            if value == "VEVENT":
                events.append(number)
        elif key == "END":
            if not stack or stack[-1][0] != value:
                opened = f"; BEGIN:{stack[-1][0]} of line {stack[-1][1]} is open" if stack else ""
                raise CalendarError(
                    f"END:{value} has no matching BEGIN{opened}", where=f"line {number}", value=line
                )
            stack.pop()
        elif not stack:
            raise CalendarError(
                f"{line[:60]!r} lies outside any BEGIN/END component",
                where=f"line {number}",
                value=line,
            )
    if stack:
        value, number = stack[-1]
        raise CalendarError(
            f"BEGIN:{value} is never closed by END:{value}", where=f"line {number}", value=value
        )
    return events


def parse(icalendar: Any, text: str, lines: list[int]) -> tuple[list[Any], list[tuple[Any, str]]]:
    """The calendars in *text* (bare ``VEVENT`` s get one) and their events, each with its
    place; *lines* are the lines of all ``BEGIN:VEVENT``, in order, from `scan`."""
    try:
        parsed = icalendar.Calendar.from_ical(text, multiple=True)
    except LIBRARY_ERRORS as error:
        where = _where_in(text, str(error))
        raise CalendarError(f"the text cannot be read: {error}", where=where) from None
    found = [event for component in parsed for event in component.walk("VEVENT")]
    if len(found) == len(lines):  # as expected: the scan and the parser see the same BEGINs
        places = {id(e): f"VEVENT at line {n}" for e, n in zip(found, lines, strict=True)}
    else:
        places = {id(e): f"VEVENT number {i + 1}" for i, e in enumerate(found)}
    calendars = [c for c in parsed if c.name == "VCALENDAR"]
    loose = [c for c in parsed if c.name == "VEVENT"]
    if loose:
        calendars.append(icalendar.Calendar())
        for event in loose:
            calendars[-1].add_component(event)
    for calendar in calendars:
        for name, reason in calendar.errors:
            if name is None:
                where = _where_in(text, reason)
                raise CalendarError(f"a line cannot be read: {reason}", where=where)
    order = {id(e): i for i, e in enumerate(found)}
    kept = sorted((e for c in calendars for e in c.walk("VEVENT")), key=lambda e: order[id(e)])
    return calendars, [(e, places[id(e)]) for e in kept]


def read_events(
    events: list[tuple[Any, str]], repeats: bool, max_dates: int
) -> tuple[tuple[date, date], list[tuple[Any, Any, str]]]:
    """The first and last date the events can touch, and their repeat rules, each with its
    event and place. Repeat rules are refused unless *repeats* (years were given)."""
    first, last = date.max, date.min
    rules: list[tuple[Any, Any, str]] = []
    extra = 0
    for event, where in events:
        try:
            low, high, event_rules, rdates = check_event(event, where, max_dates)
        except OverflowError:
            raise CalendarError("the event reaches past the year 1 or 9999", where=where) from None
        if event_rules and not repeats:
            raise CalendarError(
                "the event repeats (RRULE); pass years=... to say which years to read",
                where=where,
                value=str(event_rules[0].to_ical(), "utf-8", "replace"),
            )
        extra += rdates
        if extra > max_dates:
            raise CalendarError(
                f"the events give more than max_dates ({max_dates:,}) RDATE values",
                where=where,
                value=extra,
            )
        rules += [(rule, event, where) for rule in event_rules]
        first, last = min(first, low), max(last, high)
    return (first, last), rules


def _where_in(text: str, message: str) -> str:
    """``line N`` of the first line holding a text *message* quotes, else the whole text."""
    quoted = [q for q in _QUOTED.findall(message) if q.strip()]
    for number, line in _logical_lines(text):
        if any(q in line for q in quoted):
            return f"line {number}"
    return TEXT


def _refuse_damage(component: Any, where: str) -> None:
    """Refuse a line the parser skipped, or a used property it could not read."""
    for name, reason in component.errors:
        if name is None:
            raise CalendarError(f"a line cannot be read: {reason}", where=where)
        if name.upper() in _USED:
            raw = component.get(name)
            value = str(raw[0] if isinstance(raw, list) else raw)
            raise CalendarError(
                f"{name.upper()} {value!r} cannot be read: {reason}", where=where, value=value
            )


def _one(event: Any, name: str, where: str) -> object:
    """The value (``.dt``) of the property *name*, given at most once, or None."""
    prop = event.get(name)
    if prop is None:
        return None
    if isinstance(prop, list):
        raise CalendarError(f"the event gives {name} {len(prop)} times", where=where)
    value: object = prop.dt
    return value


def check_event(event: Any, where: str, max_dates: int) -> tuple[date, date, list[Any], int]:
    """The first and last date an event can touch, its repeat rules and its number of RDATE
    values; refuse what is wrong."""
    _refuse_damage(event, where)
    if "EXRULE" in event:
        raise CalendarError("EXRULE is not supported (RFC 5545 removed it)", where=where)
    start = _one(event, "DTSTART", where)
    if start is None:
        raise CalendarError("an event has no DTSTART", where=where)
    if not isinstance(start, date):
        raise CalendarError(
            f"DTSTART {start!r} is neither a date nor a date-time", where=where, value=start
        )
    length = _length(event, start, where)
    first, last = _span(start, start + length, where, max_dates)
    rdates = _dates(event, "RDATE", where)
    for value in rdates:
        if isinstance(value, tuple):  # a PERIOD: (start, end) or (start, duration)
            end = value[1] if isinstance(value[1], date) else value[0] + value[1]
            low, high = _span(value[0], end, where, max_dates)
        else:
            low, high = _span(value, value + length, where, max_dates)
        first, last = min(first, low), max(last, high)
    _dates(event, "EXDATE", where)
    rules = event.get("RRULE")
    rules = [] if rules is None else rules if isinstance(rules, list) else [rules]
    if rules and "RECURRENCE-ID" in event:
        raise CalendarError(
            "a changed instance (RECURRENCE-ID) cannot repeat on its own (RRULE)", where=where
        )
    for rule in rules:
        _check_rule(rule, where)
    return first, last, rules, len(rdates)


def _length(event: Any, start: date, where: str) -> timedelta:
    """How long the event lasts, from ``DTEND`` (which wins) or ``DURATION``."""
    end = _one(event, "DTEND", where)
    is_day = not isinstance(start, datetime)
    if end is not None:
        if not isinstance(end, date) or is_day != (not isinstance(end, datetime)):
            kinds = ("a date", "a date-time") if is_day else ("a date-time", "a date")
            raise CalendarError(
                f"DTEND {_ical(event, 'DTEND')!r} is not {kinds[0]} like DTSTART",
                where=where,
                value=_ical(event, "DTEND"),
            )
        if isinstance(end, datetime) and (_zoned(start) != _zoned(end)):
            raise CalendarError(
                "DTSTART and DTEND mix a floating time and a zoned one", where=where
            )
        if end < start:
            raise CalendarError(
                f"DTEND {_ical(event, 'DTEND')!r} is before DTSTART {_ical(event, 'DTSTART')!r}",
                where=where,
                value=_ical(event, "DTEND"),
            )
        return end - start
    duration = _one(event, "DURATION", where)
    if duration is None:
        return timedelta(0)
    if not isinstance(duration, timedelta) or duration < timedelta(0):
        raise CalendarError(
            f"DURATION {_ical(event, 'DURATION')!r} is not a length of time",
            where=where,
            value=_ical(event, "DURATION"),
        )
    if is_day and duration % _ONE_DAY:
        raise CalendarError(
            f"DURATION {_ical(event, 'DURATION')!r} is not a whole number of days",
            where=where,
            value=_ical(event, "DURATION"),
        )
    return duration


def _zoned(moment: date) -> bool:
    return isinstance(moment, datetime) and moment.tzinfo is not None


def _ical(event: Any, name: str) -> str:
    return str(event[name].to_ical(), "utf-8", "replace")


def _dates(event: Any, name: str, where: str) -> list[Any]:
    """The values of every *name* property (``RDATE``, ``EXDATE``) of the event."""
    props = event.get(name)
    props = [] if props is None else props if isinstance(props, list) else [props]
    values = [item.dt for prop in props for item in prop.dts]
    for value in values:
        if not isinstance(value, date | tuple):
            raise CalendarError(
                f"{name} {value!r} is neither a date nor a date-time", where=where, value=value
            )
    return values


def _span(start: date, end: date, where: str, max_dates: int) -> tuple[date, date]:
    """The first and last date from *start* to *end*; refuse one longer than *max_dates*."""
    first, last = touched(start, end)
    days = (last - first).days + 1
    if days > max_dates:
        raise CalendarError(
            f"the event lasts {days:,} days, more than max_dates ({max_dates:,})",
            where=where,
            value=days,
        )
    return first, last


def touched(start: date, end: object) -> tuple[date, date]:
    """The first and last date of ``[start, end)``, in the zone of *start*; one date if empty."""
    if isinstance(start, datetime):
        if isinstance(end, datetime):
            if start.tzinfo is not None and end.tzinfo is not None:
                end = end.astimezone(start.tzinfo)
            begin, finish = start.replace(tzinfo=None), end.replace(tzinfo=None)
            if finish > begin:
                return begin.date(), (finish - _ONE_US).date()
        return start.date(), start.date()
    if isinstance(end, date) and not isinstance(end, datetime) and end > start:
        return start, end - _ONE_DAY
    return start, start


def _part(rule: Any, name: str) -> object:
    values = rule.get(name)
    return values[0] if values else None


def _check_rule(rule: Any, where: str) -> None:
    """Refuse a rule that cannot name whole days in bounded work."""
    text = str(rule.to_ical(), "utf-8", "replace")
    freq, count, interval = _part(rule, "FREQ"), _part(rule, "COUNT"), _part(rule, "INTERVAL")
    problem = None
    if freq is None:
        problem = "has no FREQ"
    elif str(freq).upper() not in _PERIOD:
        problem = "repeats within a day; holidays repeat DAILY, WEEKLY, MONTHLY or YEARLY"
    elif any(name in rule for name in _TIME_PARTS):
        problem = "picks times of day (BYHOUR, BYMINUTE, BYSECOND); holidays are whole days"
    elif count is not None and "UNTIL" in rule:
        problem = "gives both COUNT and UNTIL; RFC 5545 allows one"
    elif count is not None and (not isinstance(count, int) or count < 1):
        problem = "has a COUNT below 1"
    elif interval is not None and (not isinstance(interval, int) or not 1 <= interval <= 1000):
        problem = f"has an INTERVAL outside 1 to {MAX_INTERVAL:,}"
    if problem is not None:
        raise CalendarError(f"RRULE {text!r} {problem}", where=where, value=text)


def _wall(value: object) -> datetime:
    """A date or date-time as a naive wall-clock date-time."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    assert isinstance(value, date)
    return datetime.combine(value, time())


def _steps(since: date, until: date, freq: str, interval: int) -> int:
    """Steps to walk a rule of *freq* from *since* to *until* (see `_PERIOD`)."""
    days, cost = _PERIOD[freq]
    return (max(0, (until - since).days) // (days * interval) + 1) * cost


def preflight(
    packages: tuple[Any, Any],
    rule: Any,
    event: Any,
    where: str,
    window: tuple[date, date],
    spent: int,
    max_dates: int,
) -> int:
    """Walk *rule*'s pattern as ``dateutil`` will for *window*, moved towards the year 9999.

    *packages* are ``dateutil.rrule`` and ``icalendar.vRecur``; *spent* is the steps of the
    rules walked before. Returns *spent* plus this walk's steps. Refuses the rule if the walks
    pass `MAX_EXPANSION_STEPS`, if it has more than *max_dates* occurrences in the window, or
    if it does not occur again after the window.
    """
    rrule, vrecur = packages
    text = str(rule.to_ical(), "utf-8", "replace")
    freq, interval = str(_part(rule, "FREQ")).upper(), _part(rule, "INTERVAL") or 1
    assert isinstance(interval, int)
    start = _wall(event["DTSTART"].dt)
    # The real walk's window is a day wider on each side and longer by the event's length;
    # it stops at the first occurrence after that: walk at least as far.
    length = _length(event, event["DTSTART"].dt, where)
    beyond = max(datetime.combine(plus(window[1], 5 + length.days), time()), start)
    shift = _CYCLE_YEARS * max(0, (9999 - _LOOK_AHEAD_YEARS - beyond.year) // _CYCLE_YEARS)
    steps = _refuse_steps(spent + _steps(start.date(), beyond.date(), freq, interval), text, where)
    until, count = _part(rule, "UNTIL"), _part(rule, "COUNT")
    high = _moved(
        beyond if until is None else min(beyond, _until(until, event["DTSTART"].dt)), shift
    )
    low = _moved(_wall(window[0]), shift)
    assert count is None or isinstance(count, int)  # checked by _check_rule
    pattern = vrecur({k: v for k, v in rule.items() if k not in ("COUNT", "UNTIL")})
    try:
        walk = iter(rrule.rrulestr(str(pattern.to_ical(), "utf-8"), dtstart=_moved(start, shift)))
        seen = inside = 0
        for when in walk:
            if when > high or (count is not None and seen >= count):
                steps += seen + _steps(high.date(), when.date(), freq, interval)
                return _refuse_steps(steps, text, where)
            seen, inside = seen + 1, inside + (when >= low)
            _refuse_steps(steps + seen, text, where)
            if inside > max_dates:
                _refuse_many(max_dates, text, where, window)
    except LIBRARY_ERRORS as error:
        if isinstance(error, CalendarError):
            raise
        message = f"RRULE {text!r} cannot be read: {error}"
        raise CalendarError(message, where=where, value=text) from None
    if shift:
        raise CalendarError(
            f"RRULE {text!r} has no occurrence in the {_LOOK_AHEAD_YEARS} years after "
            f"{window[1]}; expanding it would walk on to the year 9999",
            where=where,
            value=text,
        )
    return steps + seen + _steps(window[1], date(9999, 12, 31), freq, interval)


def plus(day: date, days: int) -> date:
    """*day* moved by *days*, held within the years 1 to 9999."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _moved(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year + years)  # a multiple of 400: February 29 stays


def _until(until: object, start: object) -> datetime:
    """UNTIL as a naive wall-clock date-time in the zone of DTSTART."""
    if isinstance(until, datetime) and until.tzinfo is not None:
        if isinstance(start, datetime) and start.tzinfo is not None:
            return until.astimezone(start.tzinfo).replace(tzinfo=None)
        return until.replace(tzinfo=None)
    if isinstance(until, datetime):
        return until
    return datetime.combine(_wall(until).date(), time.max)


def _refuse_many(max_dates: int, text: str, where: str, window: tuple[date, date]) -> NoReturn:
    raise CalendarError(
        f"RRULE {text!r} occurs more than max_dates ({max_dates:,}) times in "
        f"{window[0].year}-{window[1].year}",
        where=where,
        value=text,
    )


def _refuse_steps(steps: int, text: str, where: str) -> int:
    if steps > MAX_EXPANSION_STEPS:
        raise CalendarError(
            f"expanding RRULE {text!r} takes more than {MAX_EXPANSION_STEPS:,} steps, with the "
            "rules before it; move its DTSTART closer to the years asked for, or ask for fewer",
            where=where,
            value=text,
        )
    return steps
