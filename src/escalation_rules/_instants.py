"""Instants and durations at the API edge.

Inside the engine every instant is a stdlib aware ``datetime`` and every
duration a ``timedelta``; pendulum objects are accepted because
``pendulum.DateTime`` and ``pendulum.Duration`` subclass them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from ._exceptions import IssueError, NaiveDatetimeError

if TYPE_CHECKING:
    import pendulum


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


def parse_instant(text: str) -> pendulum.DateTime:
    """Parse an ISO 8601 instant into a pendulum DateTime; one without an offset is refused."""
    import pendulum  # on first use: `import escalation_rules` does not need it

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


EPOCH: Final = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""A fixed instant to start tests from: Monday 2 March 2026, 09:00 UTC.

`FixedClock` fixtures and the strategies of `escalation_rules.strategies` start here.
"""
