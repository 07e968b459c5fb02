"""Holiday sources: the ``holidays`` package and iCalendar (.ics) files."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Final

from .._exceptions import CalendarError
from .._suggest import did_you_mean


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
