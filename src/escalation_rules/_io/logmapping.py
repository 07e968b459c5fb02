"""How the columns of an event log map onto issues and events."""

from __future__ import annotations

import codecs
import tomllib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from encodings.aliases import aliases
from os import PathLike, fspath
from typing import IO, Any, Final, Literal, TypeAlias
from zoneinfo import ZoneInfo

import attrs

from .._exceptions import CalendarError, IssueError, PolicyError
from .._frozendict import FrozenDict
from .._instants import MAX_ZONE_NAME
from .._model.events import Status
from .._suggest import did_you_mean
from .._time.calendar_spec import zone_info

LogFormat = Literal["csv", "jsonl", "xes"]

LogSource: TypeAlias = "str | PathLike[str] | IO[str] | IO[bytes]"
"""A path to a log (``.gz`` is decompressed), or an open text or binary file."""

_TOP_KEYS: Final = (
    "format",
    "delimiter",
    "encoding",
    "timezone",
    "columns",
    "statuses",
    "priorities",
    "levels",
)

REQUIRED_COLUMNS: Final = ("issue", "timestamp", "status")

_OPTIONAL_COLUMNS: Final = ("sub_status", "level", "team", "priority", "category")

COLUMN_KEYS: Final = REQUIRED_COLUMNS + _OPTIONAL_COLUMNS

_STATUS_KEYS: Final = ("open", "pending", "resolved", "closed")

#: A log's timestamps must fall in these years (in UTC): a date near year 1 or 9999 is a
#: placeholder for "no date", and the engine needs room past an instant for SLA deadlines.
EARLIEST: Final = datetime(1000, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(9000, 1, 1, tzinfo=UTC)

_MAX_ENCODING_NAME: Final = 64

#: The reader reports up to this many different unmapped statuses; one more is an error
#: (the status column is likely the wrong one), which keeps its memory bounded.
MAX_UNMAPPED: Final = 1_000

_FORMATS: Final = ("csv", "jsonl", "xes")


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
        encoding: the text encoding of a log read from a path or a binary file (any
            codec Python knows, e.g. ``"latin-1"``, ``"utf-16"``, ``"cp1252"``);
            ``"utf-8"`` by default. A text stream is read as it is.
        timezone: the IANA zone of timestamps written without an offset; ``None`` refuses them.
        open, pending, resolved, closed: the log's statuses that mean open, waiting on the
            customer, resolved and closed. A status listed nowhere counts as open too, but
            the reader reports it (`EventLog.warnings`), or refuses it when strict: list the
            open statuses under ``open`` so that a misspelt one stands out.
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
    encoding: str = attrs.field(default="utf-8", kw_only=True)
    timezone: str | None = attrs.field(default=None, kw_only=True)
    open: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_strs, kw_only=True)
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
                f"format must be 'csv', 'jsonl' or 'xes', got {self.format!r}",
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
        _check_encoding(self.encoding, where)
        zone = None
        if self.timezone is not None:
            zone = _zone(self.timezone, where)
        object.__setattr__(self, "_zone", zone)
        statuses: dict[str, Status] = {}
        for key, status in (
            ("open", Status.OPEN),
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
            encoding=data.get("encoding", "utf-8"),
            timezone=data.get("timezone"),
            open=lists["open"],
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
        """The `Status` a log status (``"Status"`` or ``"Status/Sub Status"``) means: open
        when the mapping lists it nowhere (see `mapped_status`)."""
        found = self.mapped_status(raw)
        return Status.OPEN if found is None else found

    def mapped_status(self, raw: str) -> Status | None:
        """The `Status` the mapping gives a log status, or ``None`` when it lists it nowhere.

        ``"Status/Sub Status"`` is looked up whole, then as ``"Status"`` alone.
        """
        found = self._status_map.get(raw)
        if found is None and "/" in raw:
            found = self._status_map.get(raw.split("/", 1)[0])
        return found

    def listed_statuses(self) -> list[str]:
        """Every status the mapping lists, sorted (for "did you mean")."""
        return sorted(self._status_map)

    def columns(self) -> dict[str, str]:
        """The mapped columns, by mapping key (``{"issue": "SR Number", ...}``)."""
        return {key: getattr(self, key) for key in COLUMN_KEYS if getattr(self, key) is not None}

    def parse_timestamp(self, text: str) -> datetime:
        """Parse an ISO 8601 timestamp into an aware datetime in UTC.

        A timestamp without an offset is read in the mapping's `timezone`, with ``fold=0``:
        an ambiguous local time (clocks going back) is the first of the two (see
        `parse_second_pass` for the second), and a local time that does not exist (clocks
        going forward) takes the offset from before the change. Without a `timezone` it is
        refused.

        Raises:
            ValueError: the text is not ISO 8601, has no offset and there is no timezone,
                or falls outside the years 1 to 9999 once in UTC (the offset can push it
                out). The message says which. (`read_log` refuses more: a timestamp outside
                the years 1000 to 8999, `EARLIEST` and `LATEST`.)
        """
        # One argument, no keyword: the reader calls it for every row.
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("it is not an ISO 8601 timestamp") from None
        if parsed.tzinfo is None:
            if self._zone is None:
                raise ValueError("it has no UTC offset and the mapping sets no timezone")
            parsed = parsed.replace(tzinfo=self._zone)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValueError(OUT_OF_RANGE) from None

    def parse_second_pass(self, text: str) -> datetime:
        """As `parse_timestamp`, but an ambiguous local time (one the clocks went back over)
        is the second of the two (``fold=1``); any other timestamp reads the same.

        Raises:
            ValueError: as `parse_timestamp`.
        """
        parsed = self.parse_timestamp(text)  # every check
        local = datetime.fromisoformat(text)
        if local.tzinfo is not None or self._zone is None:
            return parsed
        try:
            return local.replace(tzinfo=self._zone, fold=1).astimezone(UTC)
        except OverflowError:
            raise ValueError(OUT_OF_RANGE) from None


OUT_OF_RANGE: Final = (
    "it lies outside the years 1000 to 8999 (in UTC) that a log's timestamps may have; "
    "a date near year 1 or 9999 is usually a placeholder for 'no date'"
)


def _check_encoding(name: object, where: str) -> None:
    """Refuse an encoding Python does not know, or one that does not decode bytes to text."""
    if not isinstance(name, str) or not name or len(name) > _MAX_ENCODING_NAME:
        shown = name[:_MAX_ENCODING_NAME] + "..." if isinstance(name, str) else name
        raise PolicyError(
            f"encoding must name a text encoding such as 'utf-8' or 'latin-1', got {shown!r}",
            where=where,
            value=name,
        )
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise PolicyError(
            f"unknown encoding {name!r}; use a name Python knows, such as 'utf-8', "
            "'latin-1', 'cp1252' or 'utf-16'",
            where=where,
            value=name,
            suggestion=did_you_mean(name, _ENCODING_NAMES),
        ) from None
    if not getattr(info, "_is_text_encoding", True):
        raise PolicyError(
            f"encoding {name!r} is not a text encoding (it turns bytes into bytes)",
            where=where,
            value=name,
        )


_ENCODING_NAMES: Final = tuple(
    sorted({*aliases, *aliases.values(), "utf-8", "utf-8-sig", "utf-16", "latin-1"})
)


def _zone(name: object, where: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise PolicyError(f"timezone must be an IANA zone name, got {name!r}", where=where)
    try:
        return zone_info(name)
    except CalendarError as exc:
        shown = name if len(name) <= MAX_ZONE_NAME else name[:MAX_ZONE_NAME] + "..."
        raise PolicyError(
            f"unknown time zone {shown!r}; use an IANA name such as 'Europe/Stockholm'",
            where=where,
            value=name,
            suggestion=exc.suggestion,
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


@attrs.frozen
class UnmappedValue:
    """A value of an event log that the mapping does not know, and what the reader did.

    Today that is a status listed under none of ``open``, ``pending``, ``resolved`` and
    ``closed``: it is counted as open. (A priority or level missing from its value map is
    an `IssueError`: there is no safe guess for it.)

    Attributes:
        field: the mapping key of the value, ``"status"``.
        column: the log's column, ``"Status"``, or ``"Status/Sub Status"`` with a sub-status.
        value: the log's value, e.g. ``"Done"`` or ``"Completed/Done"``.
        rows: how many rows hold it.
        source: the log's name.
        line: the first line that holds it.
        counted_as: what the reader took it for, ``"open"``.
        suggestion: the closest value the mapping lists, when one is close.
    """

    field: str
    column: str
    value: str
    rows: int
    source: str
    line: int
    counted_as: str
    suggestion: str | None = None

    @property
    def where(self) -> str:
        """``"FILE line N"``: the first row with the value."""
        return f"{self.source} line {self.line}"

    @property
    def message(self) -> str:
        """What happened, without the place and the suggestion."""
        rows = "1 row" if self.rows == 1 else f"{self.rows:,} rows"
        return (
            f"the {self.field} {shown_value(self.value)!r} ({rows}) is listed nowhere in the "
            f"mapping's [statuses] and was counted as {self.counted_as}; list it under "
            f"statuses.open, pending, resolved or closed"
        )

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return f"{self.where}, column {self.column!r}: {self.message}{hint}"

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data: the attributes, and the ``message``."""
        data: dict[str, object] = attrs.asdict(self)
        data["message"] = str(self)
        return data


class Unmapped:
    """The log statuses the mapping lists nowhere: how many rows hold each, and the first
    (the event log reader counts them)."""

    __slots__ = ("column", "mapping", "name", "rows", "strict")

    def __init__(self, mapping: LogMapping, strict: bool) -> None:
        self.mapping = mapping
        self.strict = strict
        self.name = "log"
        sub = mapping.sub_status
        self.column = mapping.status if sub is None else f"{mapping.status}/{sub}"
        self.rows: dict[str, list[int]] = {}  # value -> [rows, first line]

    def count(self, raw: str, line: int) -> None:
        """Count a row with the unmapped status *raw*; refuse it when strict."""
        seen = self.rows.get(raw)
        if seen is not None:
            seen[0] += 1
            return
        if self.strict:
            found = self.found(raw, 1, line)
            raise IssueError(
                f"the status {shown_value(raw)!r} is listed nowhere in the mapping's "
                "[statuses] (read strictly, it is refused rather than counted as open); "
                "list it under statuses.open, pending, resolved or closed",
                where=f"{found.where}, column {found.column!r}",
                value=raw,
                suggestion=found.suggestion,
            )
        if len(self.rows) >= MAX_UNMAPPED:
            raise IssueError(
                f"more than {MAX_UNMAPPED:,} different statuses are listed nowhere in the "
                f"mapping's [statuses]; is columns.status ({self.mapping.status!r}) the "
                "column of the status?",
                where=f"{self.name} line {line}, column {self.column!r}",
                value=raw,
            )
        self.rows[raw] = [1, line]

    def found(self, raw: str, rows: int, line: int) -> UnmappedValue:
        """The `UnmappedValue` of *raw*: its *rows*, from *line* on."""
        listed = self.mapping.listed_statuses()
        return UnmappedValue(
            field="status",
            column=self.column,
            value=raw,
            rows=rows,
            source=self.name,
            line=line,
            counted_as=Status.OPEN.value,
            suggestion=did_you_mean(raw, listed) if listed else None,
        )

    def warnings(self) -> tuple[UnmappedValue, ...]:
        """An `UnmappedValue` per status counted, in the order of their first rows."""
        return tuple(self.found(raw, rows, line) for raw, (rows, line) in self.rows.items())


def shown_value(value: object, limit: int = 80) -> object:
    """*value* for a message: a long text or list cut to *limit* characters or items."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "..."
    if isinstance(value, list) and len(value) > limit:
        return [*value[:limit], "..."]
    return value
