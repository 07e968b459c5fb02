"""Holiday sources: the ``holidays`` package and iCalendar (.ics) files (see `.ical`)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from .._exceptions import CalendarError
from .._extras import needs
from .._suggest import did_you_mean
from . import ical
from .ical import MAX_DATES, MAX_EXPANSION_STEPS, MAX_ICS_CHARS


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
            needs("holidays_from_package", "the holidays package", "holidays")
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


def holidays_from_ics(
    text: str, *, years: int | Iterable[int] | None = None, max_dates: int = MAX_DATES
) -> frozenset[date]:
    """The dates of the events (``VEVENT``) in iCalendar *text*.

    Needs the optional packages ``icalendar`` and ``recurring-ical-events``
    (``pip install 'escalation-rules[holidays]'``), imported on first call.

    An all-day event covers ``DTSTART`` up to, not including, ``DTEND`` (or for its
    ``DURATION`` in days), one day if it gives neither. A timed event covers each date it
    touches in the time zone of its ``DTSTART`` (UTC for a time ending in ``Z``, the
    calendar's ``X-WR-TIMEZONE`` if it names one; a floating time as written).
    ``RRULE``, ``RDATE``, ``EXDATE`` and changed or cancelled instances (``RECURRENCE-ID``)
    are honoured; events with ``STATUS:CANCELLED`` are skipped; alarms never add days.

    Args:
        text: the iCalendar text, at most 1 MiB (`MAX_ICS_CHARS` characters).
        years: one year or several, e.g. ``range(2025, 2030)``: only dates in these years are
            returned. Needed when an event repeats (``RRULE``), since a rule may never end.
        max_dates: the most dates returned, and the most occurrences one rule may have in
            *years*; more is refused, never cut short.

    Raises:
        CalendarError: the packages are missing; the text is too long or cannot be read (the
            error names the line); an event has no ``DTSTART``, ends before it starts, has a
            part-day ``DURATION`` on a date, or repeats more often than daily, by the hour, or
            without *years*; the dates exceed *max_dates*; the repeat rules would take more
            than `MAX_EXPANSION_STEPS` steps to expand, or never occur again; the occurrences
            overlap on more than `MAX_EXPANSION_STEPS` days. See docs/calendars.md.
    """
    year_set = _check_arguments(text, years, max_dates)
    icalendar, expand, rrule = _packages()
    calendars, events = ical.parse(icalendar, text, ical.scan(text))
    if not events:
        return frozenset()
    window, rules = ical.read_events(events, year_set is not None, max_dates)
    if year_set is not None:
        window = (date(min(year_set), 1, 1), date(max(year_set), 12, 31))
        steps = 0
        for rule, event, where in rules:
            packages = (rrule, icalendar.vRecur)
            steps = ical.preflight(packages, rule, event, where, window, steps, max_dates)
    out: set[date] = set()
    counted = 0  # days of all occurrences, overlaps included: bounded like the rules' steps
    for calendar in calendars:
        for start, end in _occurrences(expand, calendar, window):
            counted += _add_days(out, (start, end), year_set, window, max_dates)
            if counted > MAX_EXPANSION_STEPS:
                raise CalendarError(
                    f"the events overlap on more than {MAX_EXPANSION_STEPS:,} days",
                    where=ical.TEXT,
                    value=counted,
                )
    return frozenset(out)


def _check_arguments(text: object, years: object, max_dates: object) -> frozenset[int] | None:
    """The set of *years* (None for all), after checking the three arguments."""
    if not isinstance(text, str):
        raise CalendarError(
            f"the iCalendar text must be a str, not {type(text).__name__}; decode it first",
            where=ical.TEXT,
            value=type(text).__name__,
        )
    if len(text) > MAX_ICS_CHARS:
        raise CalendarError(
            f"the iCalendar text is {len(text):,} characters long, over the limit of "
            f"{MAX_ICS_CHARS:,}",
            where=ical.TEXT,
            value=len(text),
        )
    if isinstance(max_dates, bool) or not isinstance(max_dates, int) or max_dates < 1:
        raise CalendarError(
            f"max_dates must be a whole number of at least 1, not {max_dates!r}",
            where="max_dates",
            value=max_dates,
        )
    if years is None:
        return None
    found: set[int] = set()
    for count, year in enumerate([years] if isinstance(years, int) else _iterable(years)):
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
            raise CalendarError(
                f"years holds {year!r}; a year is a whole number from 1 to 9999",
                where="years",
                value=year,
            )
        if count == 9999:
            raise CalendarError("years holds more than 9,999 values", where="years")
        found.add(year)
    if not found:
        raise CalendarError("years is empty; give at least one year", where="years")
    return frozenset(found)


def _iterable(years: object) -> Iterable[object]:
    if isinstance(years, str | bytes) or not isinstance(years, Iterable):
        raise CalendarError(
            f"years must be a year or an iterable of years, not {years!r}",
            where="years",
            value=years,
        )
    return years


def _packages() -> tuple[Any, Any, Any]:
    """``icalendar``, ``recurring_ical_events`` and ``dateutil.rrule``."""
    try:
        return (
            importlib.import_module("icalendar"),
            importlib.import_module("recurring_ical_events"),
            importlib.import_module("dateutil.rrule"),
        )
    except ImportError as error:
        raise CalendarError(
            needs("holidays_from_ics", "icalendar and recurring-ical-events", "holidays"),
            value=error.name,
        ) from None


def _occurrences(expand: Any, calendar: Any, window: tuple[date, date]) -> list[tuple[Any, Any]]:
    """The start and end of each occurrence around the window that is not cancelled."""
    try:
        found = expand.of(calendar).between(ical.plus(window[0], -1), ical.plus(window[1], 2))
        pairs = []
        for component in found:
            if str(component.get("STATUS", "")).upper() != "CANCELLED":
                end = component.get("DTEND")
                pairs.append((component["DTSTART"].dt, None if end is None else end.dt))
    except OverflowError:
        raise CalendarError("an event reaches past the year 1 or 9999", where=ical.TEXT) from None
    except ical.LIBRARY_ERRORS as error:
        message = f"the events cannot be expanded: {error}"
        raise CalendarError(message, where=ical.TEXT) from None
    return pairs


def _add_days(
    out: set[date],
    occurrence: tuple[date, object],
    years: frozenset[int] | None,
    window: tuple[date, date],
    max_dates: int,
) -> int:
    """Add each date of the *occurrence* (start, end) in *years*, which lie in *window*, to
    *out*; return how many dates were looked at. Refuse more than *max_dates* in *out*."""
    first, last = ical.touched(*occurrence)
    if years is not None:
        first, last = max(first, window[0]), min(last, window[1])
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        if years is None or day.year in years:
            out.add(day)
    if len(out) > max_dates:
        raise CalendarError(
            f"the events cover more than max_dates ({max_dates:,}) dates; ask for fewer years "
            "or a larger max_dates",
            where=ical.TEXT,
            value=max_dates,
        )
    return max(0, (last - first).days + 1)
