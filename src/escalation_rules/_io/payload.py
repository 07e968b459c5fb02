"""Reading a ticket payload (parsed JSON from a product's API) by path, for the adapters.

Each accessor names the path of a bad value in the payload (``ticket.custom_fields[2].id``)
and raises `IssueError`: a ticket is the host's data, not a policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, TypeAlias
from zoneinfo import ZoneInfo

from .._exceptions import IssueError
from .shapes import shown

Doc: TypeAlias = Mapping[str, Any]

#: The longest text the adapters read as a name, status, priority or id.
MAX_NAME: Final = 1_000


def bad(path: str, expected: str, value: object) -> IssueError:
    """The error for *value* at *path*, which should have been *expected*."""
    return IssueError(f"{path}: expected {expected}, got {shown(value)}", value=value)


def obj(value: object, path: str) -> Doc:
    """*value* as a JSON object, or an error at *path*."""
    if not isinstance(value, Mapping):
        raise bad(path, "a JSON object", value)
    return value


def items(doc: Doc, key: str, path: str) -> list[Any]:
    """``doc[key]`` as a list; ``[]`` when it is absent or null."""
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"{path}.{key}", "a list", value)
    return value


def text(doc: Doc, key: str, path: str, *, required: bool = False) -> str | None:
    """``doc[key]`` as text: a string, or a whole number written as text (ids); ``None``
    when absent, null or empty (an error at the path when *required*)."""
    value = doc.get(key)
    if value is None or value == "":
        if required:
            raise IssueError(f"{path}.{key}: the required field {key!r} is missing", value=None)
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad(f"{path}.{key}", "a string", value)
    out = str(value)
    if len(out) > MAX_NAME:
        raise IssueError(
            f"{path}.{key}: the value is longer than {MAX_NAME:,} characters", value=out[:80]
        )
    return out


def instant(value: object, path: str, zone: ZoneInfo | None = None) -> datetime:
    """An ISO 8601 instant from a payload, in UTC: ``2026-01-05T10:15:30Z``,
    ``2026-01-05T10:15:30.000+0000`` (Jira), or ``2016-02-29 01:23:00`` without an offset,
    read in *zone* (ServiceNow's API writes UTC; ``None`` refuses it)."""
    if not isinstance(value, str):
        raise bad(path, "an ISO 8601 timestamp", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise bad(path, "an ISO 8601 timestamp", value) from None
    if parsed.tzinfo is None:
        if zone is None:
            raise IssueError(f"{path}: the timestamp {value!r} has no UTC offset", value=value)
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise bad(path, "a timestamp between the years 1 and 9999", value) from None
