"""Instants and durations at the API edge.

Inside the engine every instant is a stdlib aware ``datetime`` and every
duration a ``timedelta``; pendulum objects are accepted because
``pendulum.DateTime`` and ``pendulum.Duration`` subclass them.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Final

from ._exceptions import IssueError, NaiveDatetimeError, PolicyError
from ._suggest import did_you_mean

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    import pendulum

MAX_ZONE_NAME: Final = 64
"""The longest zone name looked up: IANA's longest is 32 characters; a longer one is
refused unread."""


def iana_zone(
    name: object, *, what: str, where: str, error: type[PolicyError] = PolicyError
) -> ZoneInfo:
    """The IANA zone *name* (or a `ZoneInfo`); else *error* naming *what* it is for, with a
    suggestion, or with a zone inside when *name* is a region ("Europe")."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones  # on first use

    if isinstance(name, ZoneInfo):
        return name
    if not isinstance(name, str) or not name:
        raise error(f"{what} must be an IANA zone name, got {name!r}", where=where, value=name)
    if len(name) <= MAX_ZONE_NAME:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a tzdata folder
            pass
    shown = name if len(name) <= MAX_ZONE_NAME else name[:MAX_ZONE_NAME] + "..."
    zones = sorted(available_timezones())
    inside = [zone for zone in zones if zone.startswith(name + "/")]
    if inside:  # a tzdata folder such as "Europe": a region, not a zone
        raise error(
            f"{name!r} is a region, not a time zone; name a zone in it, such as {inside[0]!r}",
            where=where,
            value=name,
        )
    raise error(
        f"{shown!r} is not a known time zone",
        where=where,
        value=name,
        suggestion=did_you_mean(name, zones),
    )


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


_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def short_day(instant: datetime) -> str:
    """``"Mon 02 Mar"``: the weekday, day and month of *instant* as it reads (its own zone),
    in English whatever the locale."""
    return f"{_DAYS[instant.weekday()]} {instant.day:02d} {_MONTHS[instant.month - 1]}"


def iana_name(zone: tzinfo | None) -> str | None:
    """The IANA name of *zone* (``"Europe/Berlin"``) when it has one, else None."""
    name = getattr(zone, "key", None)  # zoneinfo.ZoneInfo, and pendulum.Timezone
    return name if isinstance(name, str) and name else None


def local(instant: datetime, zone: tzinfo | None = None) -> str:
    """*instant* as wall time in *zone* (default: its own), the same in every report.

    ``"Mon 2 Mar 2026 09:00 CET (Europe/Berlin)"``: weekday, day, month, year, 24-hour
    time (``:SS`` and a fraction only when there are any), the zone's abbreviation, and its
    IANA name in brackets when it has one that is not the abbreviation (``"... 09:00 UTC"``;
    a fixed offset: ``"... 09:00 UTC-04:00"``). English whatever the locale. For machines,
    JSON carries ISO 8601 (``datetime.isoformat``).
    """
    t = instant if zone is None else instant.astimezone(zone)
    clock = f"{t.hour:02d}:{t.minute:02d}"
    if t.second or t.microsecond:
        clock += f":{t.second:02d}" + (f".{t.microsecond:06d}".rstrip("0") if t.microsecond else "")
    abbreviation = t.tzname() or ""
    name = iana_name(t.tzinfo)
    where = abbreviation if name in (None, abbreviation) else f"{abbreviation} ({name})"
    return f"{_DAYS[t.weekday()]} {t.day} {_MONTHS[t.month - 1]} {t.year} {clock} {where}".rstrip()
