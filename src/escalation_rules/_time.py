"""Instants and durations at the API edge.

Inside the engine every instant is a stdlib aware ``datetime`` and every
duration a ``timedelta``; pendulum objects are accepted because
``pendulum.DateTime`` and ``pendulum.Duration`` subclass them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pendulum

from ._exceptions import IssueError, NaiveDatetimeError, PolicyError

__all__ = ["UTC"]


def require_aware(value: object, what: str) -> datetime:
    """Return *value* as a stdlib aware datetime, or raise a clear error if it is not one."""
    if value.__class__ is datetime and value.tzinfo is not None and value.utcoffset() is not None:
        return value
    if not isinstance(value, datetime):
        raise IssueError(
            f"{what} must be a timezone-aware datetime, got {value!r} ({type(value).__name__})",
            value=value,
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{what} must be timezone-aware, got the naive datetime {value.isoformat()!r}; "
            "attach a zone, e.g. pendulum.instance(dt, tz='UTC') or dt.replace(tzinfo=...)",
            value=value,
        )
    if type(value) is not datetime:
        # pendulum.DateTime (or another subclass): keep the instant and its zone,
        # but compute with the stdlib type. pendulum drops a stdlib tzinfo on
        # ``+ timedelta``, and it is 10-20x slower in the hot loop.
        value = datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            tzinfo=value.tzinfo,
            fold=value.fold,
        )
    return value


def require_duration(value: object, what: str) -> timedelta:
    """Return *value* if it is a non-negative timedelta, else raise a clear error."""
    if not isinstance(value, timedelta):
        raise PolicyError(f"{what} must be a timedelta, got {value!r}", value=value)
    if value < timedelta(0):
        raise PolicyError(f"{what} must not be negative, got {value!r}", value=value)
    return value


def minutes(n: float) -> timedelta:
    """A wall-clock duration of *n* minutes."""
    return timedelta(minutes=n)


def hours(n: float) -> timedelta:
    """A wall-clock duration of *n* hours."""
    return timedelta(hours=n)


def days(n: float) -> timedelta:
    """A wall-clock duration of *n* days (24-hour days)."""
    return timedelta(days=n)


def parse_instant(text: str) -> pendulum.DateTime:
    """Parse an ISO 8601 instant into a pendulum DateTime; one without an offset is refused."""
    try:
        parsed = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise IssueError(f"{text!r} is not an ISO 8601 instant", value=text) from None
    if parsed.tzinfo is None:
        raise NaiveDatetimeError(
            f"{text!r} has no UTC offset; write e.g. '{text}Z' or '{text}+02:00'",
            value=text,
        )
    return pendulum.instance(parsed)
