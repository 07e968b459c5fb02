"""Hypothesis strategies for plain values: durations, zones, instants and business calendars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from .._extras import needs

try:
    from hypothesis import strategies as st
except ImportError as _exc:  # pragma: no cover - the test environment has Hypothesis
    raise ImportError(needs("escalation_rules.strategies", "Hypothesis", "testing")) from _exc

from .._instants import EPOCH
from .._time.calendar import BusinessCalendar

ZONES: Final = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
"""Zones instants are drawn in: both hemispheres' DST (Sydney's runs October to April),
and a half-hour offset (Kolkata). The first one is what strategies shrink towards."""

_MINUTE: Final = timedelta(minutes=1)
_WEEKS_6: Final = timedelta(days=42)


def durations(
    *,
    min_value: timedelta = timedelta(0),
    max_value: timedelta = timedelta(days=2),
    resolution: timedelta = _MINUTE,
) -> st.SearchStrategy[timedelta]:
    """Durations from *min_value* to *max_value* in steps of *resolution*.

    Shrinks towards *min_value*.
    """
    if resolution <= timedelta(0):
        raise ValueError(f"resolution must be positive, got {resolution!r}")
    if max_value < min_value:
        raise ValueError(f"max_value {max_value} is below min_value {min_value}")
    steps = (max_value - min_value) // resolution
    return st.integers(0, steps).map(lambda n: min_value + n * resolution)


def zones(names: Sequence[str] = ZONES) -> st.SearchStrategy[ZoneInfo]:
    """IANA zones from *names* (default `ZONES`). Shrinks towards the first one (UTC)."""
    return st.sampled_from([ZoneInfo(name) for name in names])


def instants(
    *,
    start: datetime = EPOCH,
    within: timedelta = _WEEKS_6,
    zones: Sequence[str] = ZONES,
    resolution: timedelta = _MINUTE,
) -> st.SearchStrategy[datetime]:
    """Aware instants from *start* to *start* + *within*, each shown in one of *zones*.

    The default six weeks from Monday 2 March 2026 cross the spring DST change in
    New York (8 March) and Berlin (29 March) and the autumn one in Sydney (5 April).
    Shrinks towards *start* (`EPOCH` by default) in the first zone (UTC).
    """
    offsets = durations(max_value=within, resolution=resolution)
    return st.builds(
        lambda d, zone: (start + d).astimezone(zone),
        offsets,
        st.sampled_from([ZoneInfo(name) for name in zones]),
    )


# -- calendars -------------------------------------------------------------------------------

_WEEKS: Final[tuple[dict[str, list[tuple[str, str]]], ...]] = (
    {"mon-fri": [("09:00", "17:00")]},
    {"mon-fri": [("09:00", "12:30"), ("13:30", "17:00")]},
    {"mon-sun": [("08:00", "20:00")]},
    {"mon-sat": [("20:00", "06:00")]},  # a night shift, crossing midnight
    {"mon-sun": [("00:00", "00:00")]},  # around the clock
)


def _week_from(days: list[tuple[int, int] | None]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for weekday, shift in enumerate(days):
        if shift is not None:
            start, length = shift
            out[weekday] = [(f"{start:02d}:00", f"{min(start + length, 24):02d}:00")]
    return out


def calendars(
    *, zones: Sequence[str] = ZONES, holidays_from: date | None = None, max_holidays: int = 3
) -> st.SearchStrategy[BusinessCalendar]:
    """Business calendars: office hours, split days, night shifts, 24/7, or random hours.

    Random hours are one shift a day on some weekdays (at least one). Holidays fall in
    the six weeks from *holidays_from* (default: `EPOCH`'s date), where `instants` lie by default.
    Shrinks towards Monday to Friday, 09:00 to 17:00, in UTC, with no holidays.
    """
    first = EPOCH.date() if holidays_from is None else holidays_from
    shift = st.tuples(st.integers(0, 22), st.integers(1, 12))
    random_week = (
        st.lists(st.none() | shift, min_size=7, max_size=7)
        .filter(lambda days: any(d is not None for d in days))
        .map(_week_from)
    )
    weeks: st.SearchStrategy[Any] = st.sampled_from(_WEEKS) | random_week
    holidays = st.lists(
        st.integers(0, 41).map(lambda n: first + timedelta(days=n)),
        max_size=max_holidays,
        unique=True,
    )
    return st.builds(
        lambda tz, week, days: BusinessCalendar(tz, week, holidays=days),
        st.sampled_from(list(zones)),
        weeks,
        holidays,
    )
