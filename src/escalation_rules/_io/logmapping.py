"""How the columns of an event log map onto issues and events."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from os import PathLike, fspath
from typing import IO, Any, Final, Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import attrs

from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .._model.events import Status
from .._suggest import did_you_mean

LogFormat = Literal["csv", "jsonl"]

LogSource: TypeAlias = "str | PathLike[str] | IO[str] | IO[bytes]"
"""A path to a log (``.gz`` is decompressed), or an open text or binary file."""

_TOP_KEYS: Final = (
    "format",
    "delimiter",
    "timezone",
    "columns",
    "statuses",
    "priorities",
    "levels",
)

REQUIRED_COLUMNS: Final = ("issue", "timestamp", "status")

_OPTIONAL_COLUMNS: Final = ("sub_status", "level", "team", "priority", "category")

COLUMN_KEYS: Final = REQUIRED_COLUMNS + _OPTIONAL_COLUMNS

_STATUS_KEYS: Final = ("pending", "resolved", "closed")

_FORMATS: Final = ("csv", "jsonl")


def _frozen_strs(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _frozen_map(value: Mapping[str, str] | None) -> FrozenDict[str]:
    return FrozenDict(value or {})


@attrs.frozen
class LogMapping:
    """How to read an event log: which column holds what, and what the statuses mean.

    Build it with `LogMapping.load` from a TOML file, `LogMapping.from_dict` from the
    same structure, or directly. Every check happens when it is built.

    Attributes:
        issue, timestamp, status: the columns (CSV) or keys (JSON Lines) of the issue id,
            the instant of the row, and the status.
        sub_status: an optional second status column; the status then reads
            ``"Status/Sub Status"``.
        level, team, priority, category: optional columns.
        format: ``"csv"`` or ``"jsonl"``; ``None`` to tell from the file name.
        delimiter: the CSV field separator.
        timezone: the IANA zone of timestamps written without an offset; ``None`` refuses them.
        pending, resolved, closed: the log's statuses that mean waiting on the customer,
            resolved and closed. Any other status is open.
        priorities, levels: value maps (log value to the value the policy uses); when one
            is given, every value of that column must be in it.
        source: where the mapping was read from, for messages.
    """

    issue: str = attrs.field(kw_only=True)
    timestamp: str = attrs.field(kw_only=True)
    status: str = attrs.field(kw_only=True)
    sub_status: str | None = attrs.field(default=None, kw_only=True)
    level: str | None = attrs.field(default=None, kw_only=True)
    team: str | None = attrs.field(default=None, kw_only=True)
    priority: str | None = attrs.field(default=None, kw_only=True)
    category: str | None = attrs.field(default=None, kw_only=True)
    format: LogFormat | None = attrs.field(default=None, kw_only=True)
    delimiter: str = attrs.field(default=",", kw_only=True)
    timezone: str | None = attrs.field(default=None, kw_only=True)
    pending: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_strs, kw_only=True)
    resolved: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_strs, kw_only=True)
    closed: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_strs, kw_only=True)
    priorities: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map, kw_only=True)
    levels: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map, kw_only=True)
    source: str | None = attrs.field(default=None, kw_only=True, eq=False)
    _zone: ZoneInfo | None = attrs.field(init=False, eq=False, repr=False)
    _status_map: Mapping[str, Status] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        where = self.source or "log mapping"
        for key in COLUMN_KEYS:
            value = getattr(self, key)
            if value is None and key not in REQUIRED_COLUMNS:
                continue
            if not isinstance(value, str) or not value:
                raise PolicyError(
                    f"columns.{key} must name a column, got {value!r}", where=where, value=value
                )
        if self.format is not None and self.format not in _FORMATS:
            raise PolicyError(
                f"format must be 'csv' or 'jsonl', got {self.format!r}",
                where=where,
                value=self.format,
                suggestion=did_you_mean(str(self.format), _FORMATS),
            )
        if not isinstance(self.delimiter, str) or len(self.delimiter) != 1:
            raise PolicyError(
                f"delimiter must be one character, got {self.delimiter!r}",
                where=where,
                value=self.delimiter,
            )
        zone = None
        if self.timezone is not None:
            zone = _zone(self.timezone, where)
        object.__setattr__(self, "_zone", zone)
        statuses: dict[str, Status] = {}
        for key, status in (
            ("pending", Status.PENDING),
            ("resolved", Status.RESOLVED),
            ("closed", Status.CLOSED),
        ):
            for name in getattr(self, key):
                if not isinstance(name, str) or not name:
                    raise PolicyError(
                        f"statuses.{key} must list status names, got {name!r}",
                        where=where,
                        value=name,
                    )
                if name in statuses:
                    raise PolicyError(
                        f"the status {name!r} is listed both as {statuses[name].value} "
                        f"and as {status.value}",
                        where=where,
                        value=name,
                    )
                statuses[name] = status
        object.__setattr__(self, "_status_map", FrozenDict(statuses))
        for table in ("priorities", "levels"):
            for log_value, value in getattr(self, table).items():
                if not isinstance(value, str) or not value:
                    raise PolicyError(
                        f"{table}[{log_value!r}] must be a non-empty string, got {value!r}",
                        where=where,
                        value=value,
                    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> LogMapping:
        """Build a mapping from the structure of the TOML file (see the module docstring).

        Raises:
            PolicyError: an unknown key (with a "did you mean"), a missing required column,
                or a value of the wrong type.
        """
        where = source or "log mapping"
        _known_keys(data, _TOP_KEYS, where, "")
        columns = _table(data, "columns", where)
        if not columns and "columns" not in data:
            raise PolicyError(
                "the [columns] table is missing; it names at least the issue, timestamp and "
                "status columns",
                where=where,
            )
        _known_keys(columns, COLUMN_KEYS, where, "columns.")
        for key in REQUIRED_COLUMNS:
            if key not in columns:
                raise PolicyError(f"columns.{key} is required", where=where)
        statuses = _table(data, "statuses", where)
        _known_keys(statuses, _STATUS_KEYS, where, "statuses.")
        lists: dict[str, list[str]] = {}
        for key in _STATUS_KEYS:
            value = statuses.get(key, [])
            if isinstance(value, str) or not isinstance(value, list):
                raise PolicyError(
                    f"statuses.{key} must be a list of status names, got {value!r}",
                    where=where,
                    value=value,
                )
            lists[key] = value
        return cls(
            issue=columns["issue"],
            timestamp=columns["timestamp"],
            status=columns["status"],
            sub_status=columns.get("sub_status"),
            level=columns.get("level"),
            team=columns.get("team"),
            priority=columns.get("priority"),
            category=columns.get("category"),
            format=data.get("format"),
            delimiter=data.get("delimiter", ","),
            timezone=data.get("timezone"),
            pending=lists["pending"],
            resolved=lists["resolved"],
            closed=lists["closed"],
            priorities=_table(data, "priorities", where),
            levels=_table(data, "levels", where),
            source=source,
        )

    @classmethod
    def load(cls, path: str | PathLike[str]) -> LogMapping:
        """Read a mapping from a TOML file.

        Raises:
            PolicyError: the file is not valid TOML, or `from_dict` refuses its content.
            OSError: the file cannot be read.
        """
        name = fspath(path)
        with open(path, "rb") as file:
            try:
                data = tomllib.load(file)
            except tomllib.TOMLDecodeError as exc:
                raise PolicyError(f"not valid TOML: {exc}", where=name) from None
        return cls.from_dict(data, source=name)

    def status_of(self, raw: str) -> Status:
        """The `Status` a log status (``"Status"`` or ``"Status/Sub Status"``) means."""
        found = self._status_map.get(raw)
        if found is None and "/" in raw:
            found = self._status_map.get(raw.split("/", 1)[0])
        return Status.OPEN if found is None else found

    def columns(self) -> dict[str, str]:
        """The mapped columns, by mapping key (``{"issue": "SR Number", ...}``)."""
        return {key: getattr(self, key) for key in COLUMN_KEYS if getattr(self, key) is not None}

    def parse_timestamp(self, text: str) -> datetime:
        """Parse an ISO 8601 timestamp into an aware datetime in UTC.

        A timestamp without an offset is read in the mapping's `timezone`, with ``fold=0``:
        an ambiguous local time (clocks going back) is the first of the two, and a local
        time that does not exist (clocks going forward) takes the offset from before the
        change. Without a `timezone` it is refused.

        Raises:
            ValueError: the text is not ISO 8601, or has no offset and there is no timezone.
        """
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            if self._zone is None:
                raise ValueError("it has no UTC offset and the mapping sets no timezone")
            parsed = parsed.replace(tzinfo=self._zone)
        return parsed.astimezone(UTC)


def _zone(name: str, where: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise PolicyError(f"timezone must be an IANA zone name, got {name!r}", where=where)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Stockholm'",
            where=where,
            value=name,
            suggestion=did_you_mean(name, sorted(available_timezones())),
        ) from None


def _known_keys(data: Mapping[str, Any], known: tuple[str, ...], where: str, prefix: str) -> None:
    for key in data:
        if key not in known:
            raise PolicyError(
                f"unknown key {prefix}{key!r}; known keys are {list(known)}",
                where=where,
                value=key,
                suggestion=did_you_mean(str(key), known),
            )


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise PolicyError(f"{key} must be a table, got {value!r}", where=where, value=value)
    return dict(value)
