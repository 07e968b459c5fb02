"""What the values of a log's rows mean after the mapping: value maps, the extra columns, and
the issue being read (its fields and the events its rows make)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Final

from .._exceptions import IssueError
from .._frozendict import FrozenDict
from .._model.events import KIND_PRIORITY_CHANGED, KIND_STATUS_CHANGED, Event, EventKind, Status
from .log_times import OUT_OF_RANGE
from .log_unmapped import Unmapped, shown_value
from .logged_issue import LoggedIssue
from .logmapping import ATTRIBUTES, COLUMN_KEYS, EARLIEST, LATEST, LogMapping
from .logrows import Row
from .value_map import ValueMap

_OPEN: Final = Status.OPEN


#: Distinct values of a column whose mapped value the reader remembers; beyond, a value map
#: is asked again (memory stays bounded on a column with a value per issue).
MAX_REMEMBERED: Final = 100_000


class Values(dict[str, "str | None"]):
    """The mapped value of each log value of one column met so far, looked up once: the
    value map's answer, or the value itself without a map; ``None`` for ``""`` and for a
    value the map does not take (the reader counts those, `Decoder.unmapped_value`)."""

    def __init__(self, table: Mapping[str, str] | None, where: str) -> None:
        super().__init__()
        self.map = ValueMap(table, where) if table else None
        self[""] = None

    def __missing__(self, raw: str) -> str | None:
        value = raw if self.map is None else self.map.get(raw)
        if len(self) < MAX_REMEMBERED:
            self[raw] = value
        return value


class _Statuses(dict[str, "Status | None"]):
    """The `Status` of each log status (``"Status/Sub Status"``) met so far, looked up
    once; ``None`` for one the mapping lists nowhere."""

    def __init__(self, mapping: LogMapping) -> None:
        super().__init__()
        self.mapped_status = mapping.mapped_status

    def __missing__(self, raw: str) -> Status | None:
        status = self[raw] = self.mapped_status(raw)
        return status


class Decoder:
    """What the values of a row mean after the mapping, and the errors about a row."""

    __slots__ = (
        "category_of",
        "extras",
        "level_of",
        "mapping",
        "name",
        "parse",
        "priority_of",
        "stamp_column",
        "statuses",
        "team_of",
        "unmapped",
    )

    def __init__(self, name: str, mapping: LogMapping, unmapped: Unmapped) -> None:
        self.name = name
        self.mapping = mapping
        where = mapping.source or "log mapping"
        maps = mapping.maps()
        self.level_of = Values(maps.get("level"), where)
        self.priority_of = Values(maps.get("priority"), where)
        self.category_of = Values(maps.get("category"), where)
        self.team_of = Values(maps.get("team"), where)
        self.statuses = _Statuses(mapping)
        self.unmapped = unmapped
        self.parse = mapping.parse_timestamp
        self.stamp_column = mapping.timestamp
        keys = mapping.row_keys()[len(COLUMN_KEYS) :]
        self.extras = tuple(
            (key, Values(maps.get(key), where), mapping.time_format(key)) for key in keys
        )

    def unlisted(self, raw: str, line: int) -> Status:
        """The first row of a status the mapping lists nowhere: counted, and open (refused
        when strict)."""
        self.unmapped.count(raw, line)
        return _OPEN

    def unmapped_value(self, key: str, raw: str, line: int) -> None:
        """Count a row whose *key* has a value its map does not take (refused when strict)."""
        self.unmapped.count(raw, line, key)

    def bad_stamp(
        self, line: int, stamp: str, exc: ValueError, column: str | None = None
    ) -> IssueError:
        """The error for a timestamp that does not parse (or is out of range)."""
        what = f"cannot read {shown_value(stamp)!r}" if stamp else "the timestamp is empty"
        reason = f": {exc}" if stamp else ""
        return IssueError(
            f"{self.name} line {line}, column {column or self.stamp_column!r}: {what}{reason}",
            value=stamp,
        )

    def empty(self, line: int, key: str) -> IssueError:
        """The error for an empty issue id or status."""
        column = getattr(self.mapping, key)
        return IssueError(
            f"{self.name} line {line}, column {column!r}: the {_WHAT[key]} is empty; every "
            f"row needs one",
            value="",
        )

    def earlier(self, line: int, stamp: str, at: datetime, last_at: datetime) -> datetime:
        """A row earlier than its issue's previous row: in order after all if it is a local
        time the clocks went back over (it is then the second of the two), else an error."""
        try:
            second = self.mapping.parse_second_pass(stamp)
        except ValueError:  # out of range with the other offset
            second = at
        if at < second and last_at <= second:
            return second
        raise IssueError(
            f"{self.name} line {line}, column {self.stamp_column!r}: "
            f"{shown_value(stamp)!r} is earlier than the issue's previous row "
            f"({last_at.isoformat()}); each issue's rows must be in time order (or set "
            "sort = true in the mapping to sort each issue's rows by time)",
            value=stamp,
        )

    def in_range(self, line: int, stamp: str, at: datetime) -> None:
        """Refuse *at* (of *stamp* on *line*) unless it lies from `EARLIEST` to before
        `LATEST`. An issue's rows are in time order, so checking its first and its last
        row checks them all."""
        if not EARLIEST <= at < LATEST:
            raise self.bad_stamp(line, stamp, ValueError(OUT_OF_RANGE))

    def mapped(self, values: Values, key: str, raw: str, line: int) -> str | None:
        """*raw* of *key* after its map; an unmapped value is counted and is no value."""
        value = values[raw]
        if value is None and raw:
            self.unmapped_value(key, raw, line)
        return value

    def extra(self, row: Row) -> Iterator[tuple[str, Any]]:
        """The extra columns of *row* (customer, tier, satisfaction, attributes), each as
        (key, value) after its map; ``None`` for no value."""
        line = row[0]
        for (key, values, times), raw in zip(self.extras, row[9:], strict=True):
            value: Any = self.mapped(values, key, raw, line)
            if value is not None and times is not None:
                try:  # ISO 8601 in UTC: plain data, which sorts as the instants do
                    value = times.parse(value).isoformat()
                except ValueError as exc:
                    column = self.mapping.columns()[key]
                    raise self.bad_stamp(line, raw, exc, column) from None
            elif value is not None and key == "satisfaction":
                value = _number(value)
                if value is None:
                    self.unmapped_value(key, raw, line)
            yield key, value


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


_WHAT: Final = {"issue": "issue id", "status": "status"}


class IssueRows:
    """The issue being read: its fields and the events built from its rows so far.

    A field's first value (on the first row that has one) is its value at creation; a
    later row with another value is an event at that row's instant.
    """

    __slots__ = (
        "attributes",
        "category",
        "created",
        "current",
        "customer",
        "decoder",
        "events",
        "first_level",
        "first_team",
        "id",
        "lines",
        "now_category",
        "now_priority",
        "priority",
        "raw_category",
        "raw_priority",
        "recorded",
        "satisfaction",
        "status",
        "team",
        "tier",
    )

    def __init__(
        self,
        decoder: Decoder,
        row: Row,
        at: datetime,
        raw_status: str,
        row_status: Status,
        row_level: str | None,
    ) -> None:
        """Start the issue at its first *row*."""
        line, issue, stamp, _, _, _, raw_team, raw_priority, raw_category = row[:9]
        if not issue:
            raise decoder.empty(line, "issue")
        decoder.in_range(line, stamp, at)
        self.decoder = decoder
        self.id = issue
        self.created = at
        self.lines = [line]
        self.first_level = row_level
        self.first_team = self.team = decoder.mapped(decoder.team_of, "team", raw_team, line)
        self.priority = decoder.mapped(decoder.priority_of, "priority", raw_priority, line)
        # The creation carries the priority and team (so `Issue.as_of` knows them before a
        # change); a category or attribute gets a FIELD_CHANGED at creation on its first
        # change (`_at_creation`).
        self.events = [Event(EventKind.CREATED, at, priority=self.priority, team=self.team)]
        self.recorded: set[str] = set()
        self.raw_priority: str | None = raw_priority if self.priority or not raw_priority else None
        self.now_priority = self.priority
        self.category = decoder.mapped(decoder.category_of, "category", raw_category, line)
        self.raw_category: str | None = raw_category if self.category or not raw_category else None
        self.now_category = self.category
        self.status = Status.OPEN
        self.customer: str | None = None
        self.tier: str | None = None
        self.satisfaction: float | None = None
        self.attributes: dict[str, Any] = {}  # at creation
        self.current: dict[str, Any] = {}  # as of the last row
        if row_status is not Status.OPEN:
            self.status = row_status
            self.events.append(
                Event(KIND_STATUS_CHANGED, at, status=row_status, data={"raw": raw_status})
            )
            self.lines.append(line)
        if decoder.extras:
            self.extra(row, at)

    def priority_or_category(
        self, raw_priority: str, raw_category: str, at: datetime, line: int
    ) -> None:
        """A later row at *at* (on *line*) whose priority or category is written otherwise
        than on the row before: an event if the mapped value changes. An unmapped value is
        counted (and, as its raw value is then not kept, so is each row that repeats it)."""
        decoder = self.decoder
        self.raw_priority, self.raw_category = raw_priority, raw_category
        if raw_priority:
            priority = decoder.priority_of[raw_priority]
            if priority is None:
                decoder.unmapped_value("priority", raw_priority, line)
                self.raw_priority = None
            elif priority != self.now_priority:
                self.priority_changed(priority, at, line)
        if raw_category:
            category = decoder.category_of[raw_category]
            if category is None:
                decoder.unmapped_value("category", raw_category, line)
                self.raw_category = None
            elif category != self.now_category:
                self.category_changed(category, at, line)

    def priority_changed(self, priority: str, at: datetime, line: int) -> None:
        """A later row at *at* with another *priority* (mapped): a ``PRIORITY_CHANGED``, or
        the priority at creation if the rows before had none."""
        self.now_priority = priority
        if self.priority is None:
            self.priority = priority
            self.events[0] = Event(
                EventKind.CREATED, self.created, priority=priority, team=self.first_team
            )
            return
        self.events.append(Event(KIND_PRIORITY_CHANGED, at, priority=priority))
        self.lines.append(line)

    def category_changed(self, category: str, at: datetime, line: int) -> None:
        """A later row at *at* with another *category* (mapped): a ``FIELD_CHANGED``, or
        the category at creation if the rows before had none."""
        self.now_category = category
        if self.category is None:
            self.category = category
            return
        self._at_creation("category", self.category)
        self.events.append(Event.field_changed(at, "category", category))
        self.lines.append(line)

    def extra(self, row: Row, at: datetime) -> None:
        """The extra columns of a *row* at *at*: the customer and tier keep their first
        value, the satisfaction takes the last, an attribute that changes is an event."""
        current = self.current
        for key, value in self.decoder.extra(row):
            if value is None:
                continue
            if key == "satisfaction":
                self.satisfaction = value
            elif key.startswith(ATTRIBUTES):
                name = key[len(ATTRIBUTES) :]
                if name not in current:
                    current[name] = self.attributes[name] = value
                elif current[name] != value:
                    current[name] = value
                    self._at_creation(key, self.attributes[name])
                    self.events.append(Event.field_changed(at, key, value))
                    self.lines.append(row[0])
            elif key == "customer":
                self.customer = self.customer or value
            else:
                self.tier = self.tier or value

    def _at_creation(self, field: str, value: Any) -> None:
        """Before *field*'s first change, record its *value* at creation (once)."""
        if field not in self.recorded:
            self.recorded.add(field)
            self.events.insert(1, Event.field_changed(self.created, field, value))
            self.lines.insert(1, self.lines[0])

    def finish(self, last_at: datetime, line: int, stamp: str) -> LoggedIssue:
        """The `LoggedIssue` of the rows read, the last of them at *last_at* (the instant of
        *stamp*, on *line*): refused if that is after `LATEST`."""
        self.decoder.in_range(line, stamp, last_at)
        return LoggedIssue(
            self.id,
            self.created,
            priority=self.priority,
            category=self.category,
            level=self.first_level,
            team=self.first_team,
            customer=self.customer,
            tier=self.tier,
            satisfaction=self.satisfaction,
            attributes=FrozenDict(self.attributes),
            events=self.events,
            lines=self.lines,
            source=self.decoder.name,
        )
