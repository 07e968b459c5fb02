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

from .._exceptions import CalendarError, PolicyError
from .._frozendict import FrozenDict
from .._instants import MAX_ZONE_NAME
from .._model.events import Status
from .._suggest import did_you_mean
from .._time.calendar_spec import zone_info
from .log_times import NAMED_FORMATS, TimeFormat, check_pattern
from .log_unmapped import MAX_UNMAPPED as MAX_UNMAPPED
from .log_unmapped import Unmapped as Unmapped
from .log_unmapped import UnmappedValue as UnmappedValue
from .log_unmapped import shown_value as shown_value
from .logmapping_file import known_keys, mapping_arguments
from .value_map import ValueMap

LogFormat = Literal["csv", "jsonl", "xes", "parquet"]

LogSource: TypeAlias = "str | PathLike[str] | IO[str] | IO[bytes]"
"""A path to a log (``.gz`` is decompressed), or an open text or binary file."""

REQUIRED_COLUMNS: Final = ("issue", "timestamp", "status")

_OPTIONAL_COLUMNS: Final = ("sub_status", "level", "team", "priority", "category")

COLUMN_KEYS: Final = REQUIRED_COLUMNS + _OPTIONAL_COLUMNS
"""The columns every row of a reader has, in this order (absent ones read "")."""

#: Columns read after those: the customer's id and tier, and a satisfaction score (CSAT).
EXTRA_KEYS: Final = ("customer", "tier", "satisfaction")

ATTRIBUTES: Final = "attributes."

#: A log's timestamps must fall in these years (in UTC): a date near year 1 or 9999 is a
#: placeholder for "no date", and the engine needs room past an instant for SLA deadlines.
EARLIEST: Final = datetime(1000, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(9000, 1, 1, tzinfo=UTC)

_MAX_ENCODING_NAME: Final = 64

_FORMATS: Final = ("csv", "jsonl", "xes", "parquet")

#: The most null markers and attribute columns a mapping may list.
MAX_LISTED: Final = 100


def _frozen_strs(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _frozen_map(value: Mapping[str, str] | None) -> FrozenDict[str]:
    return FrozenDict(value or {})


def _frozen_maps(value: Mapping[str, Mapping[str, str]] | None) -> FrozenDict[FrozenDict[str]]:
    return FrozenDict({k: FrozenDict(v) for k, v in (value or {}).items()})


@attrs.frozen
class LogMapping:
    """How to read an event log: which column holds what, and what its values mean.

    Build it with `LogMapping.load` from a TOML file, `LogMapping.from_dict` from the
    same structure, or directly. Every check happens when it is built. (The TOML form is in
    the docstring of `escalation_rules._io.eventlog` and in docs/backtest.md.)

    Attributes:
        issue, timestamp, status: the columns (CSV, Parquet), keys (JSON Lines) or XES keys
            of the issue id, the instant of the row, and the status.
        sub_status: an optional second status column; the status then reads
            ``"Status/Sub Status"``.
        level, team, priority, category: optional columns; a change of one over an issue's
            rows is an event (``LEVEL_CHANGED``, ``REASSIGNED``, ``PRIORITY_CHANGED``,
            ``FIELD_CHANGED``).
        customer, tier: optional columns of the customer's id and tier (the first value).
        satisfaction: an optional column of a satisfaction score (CSAT): a number after its
            value map (``[values.satisfaction]``, e.g. ``good = "1"``); the last one counts.
        attributes: more columns, by the attribute name they fill (``issue.attributes``); a
            change is a ``FIELD_CHANGED`` event. `backtest` can group by any of them.
        format: ``"csv"``, ``"jsonl"``, ``"xes"`` or ``"parquet"``; ``None`` to tell from
            the file name.
        delimiter: the CSV field separator.
        encoding: the text encoding of a log read from a path or a binary file (any
            codec Python knows, e.g. ``"latin-1"``, ``"utf-16"``, ``"cp1252"``);
            ``"utf-8"`` by default. A text stream is read as it is.
        timezone: the IANA zone of timestamps written without an offset; ``None`` refuses them.
        formats: by mapping key (``"timestamp"``, ``"attributes.opened"``), how the column
            writes instants: ``"iso"`` (ISO 8601, the default for the timestamp),
            ``"epoch_s"``, ``"epoch_ms"``, or a pattern in pendulum's tokens such as
            ``"DD-MM-YYYY HH:mm"``. An attribute with a format is read as an instant,
            written as ISO 8601 text in UTC (which sorts as the instants do).
        zones: by mapping key, the IANA zone of that column's local times (else `timezone`).
        null: values that mean "no value" in any column (``["?", "NULL"]``); the empty
            string always does.
        defaults: by mapping key, the log value to read where a row has no value.
        sort: sort each issue's rows by time (a stable sort) rather than refuse rows out
            of order; the log must still be grouped by issue.
        open, pending, resolved, closed: the log's statuses that mean open, waiting on the
            customer, resolved and closed. A status listed nowhere counts as open too, but
            the reader reports it (`EventLog.warnings`), or refuses it when strict: list the
            open statuses under ``open`` so that a misspelt one stands out.
        priorities, levels: value maps (log value to the value the policy uses), with exact
            values, numeric ranges (``"2.."``), patterns (``"re:^P1"``) and ``"*"`` (see
            `escalation_rules._io.value_map`). A value a map does not take is reported
            and read as no value (refused when strict).
        values: value maps of the other keys (``category``, ``team``, ``satisfaction``,
            ``attributes.NAME``, ...), the same way.
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
    customer: str | None = attrs.field(default=None, kw_only=True)
    tier: str | None = attrs.field(default=None, kw_only=True)
    satisfaction: str | None = attrs.field(default=None, kw_only=True)
    attributes: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map, kw_only=True)
    format: LogFormat | None = attrs.field(default=None, kw_only=True)
    delimiter: str = attrs.field(default=",", kw_only=True)
    encoding: str = attrs.field(default="utf-8", kw_only=True)
    timezone: str | None = attrs.field(default=None, kw_only=True)
    formats: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map, kw_only=True)
    zones: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map, kw_only=True)
    null: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_strs, kw_only=True)
    defaults: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map, kw_only=True)
    sort: bool = attrs.field(default=False, kw_only=True)
    open: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_strs, kw_only=True)
    pending: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_strs, kw_only=True)
    resolved: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_strs, kw_only=True)
    closed: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_strs, kw_only=True)
    priorities: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map, kw_only=True)
    levels: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map, kw_only=True)
    values: Mapping[str, Mapping[str, str]] = attrs.field(
        factory=dict, converter=_frozen_maps, kw_only=True
    )
    source: str | None = attrs.field(default=None, kw_only=True, eq=False)
    _status_map: Mapping[str, Status] = attrs.field(init=False, eq=False, repr=False)
    _times: Mapping[str, TimeFormat] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        where = self.source or "log mapping"
        for key in (*COLUMN_KEYS, *EXTRA_KEYS):
            value = getattr(self, key)
            if value is None and key not in REQUIRED_COLUMNS:
                continue
            _column_name(value, f"columns.{key}", where)
        if len(self.attributes) > MAX_LISTED or len(self.null) > MAX_LISTED:
            raise PolicyError(
                f"a mapping lists at most {MAX_LISTED} attribute columns and null markers",
                where=where,
            )
        for name, column in self.attributes.items():
            if not isinstance(name, str) or not name or "." in name:
                raise PolicyError(
                    f"columns.attributes: an attribute name is a non-empty name without "
                    f"dots, got {name!r}",
                    where=where,
                    value=name,
                )
            _column_name(column, f"columns.attributes.{name}", where)
        self._check_options(where)
        object.__setattr__(self, "_times", self._time_formats(where))
        object.__setattr__(self, "_status_map", FrozenDict(self._statuses(where)))
        for key, table in self.maps().items():
            for log_value, value in table.items():
                if not isinstance(value, str) or not value or not isinstance(log_value, str):
                    raise PolicyError(
                        f"{_map_name(key)}[{log_value!r}] must be a non-empty string, got "
                        f"{value!r}",
                        where=where,
                        value=value,
                    )
            ValueMap(table, where)  # checks the ranges and patterns
        for key in self.values:
            self._known_key(key, "values", where)
        for key, value in self.defaults.items():
            self._known_key(key, "defaults", where)
            if not isinstance(value, str) or not value:
                raise PolicyError(
                    f"defaults.{key} must be a non-empty string, got {value!r}",
                    where=where,
                    value=value,
                )

    def _check_options(self, where: str) -> None:
        if self.format is not None and self.format not in _FORMATS:
            raise PolicyError(
                f"format must be one of {list(_FORMATS)}, got {self.format!r}",
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
        if not isinstance(self.sort, bool):
            raise PolicyError(f"sort must be true or false, got {self.sort!r}", where=where)
        for marker in self.null:
            if not isinstance(marker, str):
                raise PolicyError(
                    f"null must list strings, got {marker!r}", where=where, value=marker
                )
        _check_encoding(self.encoding, where)

    def _time_formats(self, where: str) -> dict[str, TimeFormat]:
        default_zone = None if self.timezone is None else _zone(self.timezone, where)
        for table in ("formats", "zones"):
            for key in getattr(self, table):
                self._known_key(key, table, where)
                if key != "timestamp" and not key.startswith(ATTRIBUTES):
                    raise PolicyError(
                        f"{table}.{key}: only the timestamp and attributes are instants",
                        where=where,
                        value=key,
                    )
        times: dict[str, TimeFormat] = {}
        for key in {"timestamp", *self.formats, *self.zones}:
            fmt = self.formats.get(key)
            if fmt is not None and fmt not in NAMED_FORMATS:
                check_pattern(fmt, f"{where}: formats.{key}")
            zone = self.zones.get(key)
            times[key] = TimeFormat(
                fmt, default_zone if zone is None else _zone(zone, where), where
            )
        return times

    def _statuses(self, where: str) -> dict[str, Status]:
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
        return statuses

    def _known_key(self, key: str, table: str, where: str) -> None:
        """Refuse *key* of *table* unless it is a mapped column's key."""
        known_keys({key: None}, tuple(self.columns()), where, f"{table}.", "mapped column")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> LogMapping:
        """Build a mapping from the structure of the TOML file (see the module docstring
        of `escalation_rules._io.eventlog`).

        Raises:
            PolicyError: an unknown key (with a "did you mean"), a missing required column,
                or a value of the wrong type.
        """
        return cls(**mapping_arguments(data, source or "log mapping"), source=source)

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

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields (its time formats hold parsers made for it), so that a
        # mapping travels to the worker processes of a parallel backtest.
        fields = {f.name: getattr(self, f.name) for f in attrs.fields(LogMapping) if f.init}
        return (_rebuilt, (fields,))

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

    def known_values(self, key: str) -> list[str]:
        """What the mapping lists for *key*: its statuses, or its value map's keys."""
        if key == "status":
            return self.listed_statuses()
        return sorted(self.maps().get(key, {}))

    def columns(self) -> dict[str, str]:
        """The mapped columns, by mapping key (``{"issue": "SR Number", ...,
        "attributes.region": "Region"}``), in the order of a reader's row."""
        out = {key: getattr(self, key) for key in COLUMN_KEYS if getattr(self, key) is not None}
        out.update((key, getattr(self, key)) for key in EXTRA_KEYS if getattr(self, key))
        out.update((ATTRIBUTES + name, column) for name, column in self.attributes.items())
        return out

    def row_keys(self) -> tuple[str, ...]:
        """The keys of a reader's row after the line: `COLUMN_KEYS`, then the mapped
        extra keys (customer, tier, satisfaction, ``attributes.NAME``), in that order."""
        return COLUMN_KEYS + tuple(k for k in self.columns() if k not in COLUMN_KEYS)

    def maps(self) -> dict[str, Mapping[str, str]]:
        """Every value map, by mapping key (``priority``, ``level`` and `values`')."""
        out: dict[str, Mapping[str, str]] = dict(self.values)
        if self.priorities:
            out["priority"] = self.priorities
        if self.levels:
            out["level"] = self.levels
        return out

    def time_format(self, key: str) -> TimeFormat | None:
        """How the column of *key* writes instants, if it holds instants."""
        return self._times.get(key)

    def parse_timestamp(self, text: str) -> datetime:
        """Parse a timestamp, as the timestamp column writes it, into an aware datetime in UTC.

        A timestamp without an offset is read in the column's zone (`zones`, else
        `timezone`), with ``fold=0``: an ambiguous local time (clocks going back) is the
        first of the two (see `parse_second_pass` for the second), and a local time that
        does not exist (clocks going forward) takes the offset from before the change.
        Without a zone it is refused.

        Raises:
            ValueError: the text does not match the format, has no offset and there is
                no zone, or falls outside the years 1 to 9999 once in UTC. The message says
                which. (`read_log` refuses more: a timestamp outside the years 1000 to
                8999, `EARLIEST` and `LATEST`.)
        """
        return self._times["timestamp"].parse(text)

    def parse_second_pass(self, text: str) -> datetime:
        """As `parse_timestamp`, but an ambiguous local time (one the clocks went back over)
        is the second of the two (``fold=1``); any other timestamp reads the same.

        Raises:
            ValueError: as `parse_timestamp`.
        """
        return self._times["timestamp"].second_pass(text)


def _rebuilt(fields: dict[str, Any]) -> LogMapping:
    return LogMapping(**fields)


def _column_name(value: object, key: str, where: str) -> None:
    if not isinstance(value, str) or not value:
        raise PolicyError(f"{key} must name a column, got {value!r}", where=where, value=value)


def _map_name(key: str) -> str:
    return {"priority": "priorities", "level": "levels"}.get(key, f"values.{key}")


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
