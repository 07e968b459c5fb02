"""Event logs: read a CSV or JSON Lines log of status changes into issues and their events.

A `LogMapping`, usually written in TOML next to the policy, says which column holds what.
`read_log` streams the log: it yields one `LoggedIssue` at a time, built from that issue's
rows, and keeps nothing of the issues it has already yielded but their ids (to catch a log
that is not grouped), so memory stays flat however long the log.

A log must be **grouped by issue**, and each issue's rows must be **in time order**. A log in
time order only (rows of many issues interleaved) can be grouped with a stable sort on the
issue column, which keeps the time order within each issue, e.g. for a CSV whose issue id is
the first column and whose fields hold no quoted commas::

    (head -n 1 log.csv && tail -n +2 log.csv | LC_ALL=C sort -s -t, -k1,1) > grouped.csv

or for JSON Lines with ``jq -s -c 'sort_by(.issue) | .[]' log.jsonl > grouped.jsonl``
(``sort_by`` is stable too).

The mapping format (all tables but ``[columns]`` are optional)::

    format = "csv"                  # or "jsonl", "xes"; by default from the name (.csv, .xes)
    delimiter = ","                 # CSV only
    encoding = "utf-8"              # the default; e.g. "latin-1", "cp1252", "utf-16"
    timezone = "Europe/Stockholm"   # only needed when timestamps have no UTC offset

    [columns]                       # which column (or JSON key) holds what
    issue = "SR Number"             # required
    timestamp = "Change Date+Time"  # required: ISO 8601, with an offset or see `timezone`
    status = "Status"               # required
    sub_status = "Sub Status"       # optional: statuses then read "Status/Sub Status"
    level = "ST Level"              # optional: the support level (LEVEL_CHANGED events)
    team = "Involved ST"            # optional: the team (REASSIGNED events)
    priority = "SR Latest Impact"   # optional
    category = "Product"            # optional

    [statuses]                      # what the host's statuses mean
    open = ["Accepted", "Queued"]         # open: the default, listed to be checked
    pending = ["Accepted/Wait - User"]    # waiting on the customer
    resolved = ["Completed/Resolved"]
    closed = ["Completed/Closed"]

    [priorities]                    # optional value map; when given, it must cover every value
    Major = "P1"

    [levels]                        # optional value map, the same way
    "L2/L3" = "L2"

A status is looked up as ``"Status/Sub Status"`` first, then as ``"Status"`` alone, so
``resolved = ["Completed"]`` covers every sub-status of ``Completed``. A status listed
nowhere counts as open, and `EventLog.warnings` reports it (value, rows, first line), so
that a misspelt ``done`` for ``Done`` does not pass unseen; ``strict=True`` refuses it.
Events carry the mapped status, one of `Status`; the log's own status is kept in
``event.data["raw"]``.

Timestamps without an offset are read in the mapping's ``timezone``. In the hour the
clocks go back, a local time happens twice: it is read as the first unless that would put
the row before its issue's previous row, and then as the second. So a log in time order
across the change reads in order; an issue whose rows all lie in the second pass reads an
hour early, as nothing in the log tells the two apart.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import ExitStack
from datetime import datetime
from typing import Final

import attrs

from .._exceptions import IssueError
from .._model.events import Event, EventKind, Status
from .._model.issue import Issue
from .._suggest import did_you_mean
from .logmapping import (
    EARLIEST,
    LATEST,
    OUT_OF_RANGE,
    LogMapping,
    LogSource,
    Unmapped,
    UnmappedValue,
    shown_value,
)
from .logrows import Row, csv_rows, format_of, jsonl_rows, open_log
from .xes_rows import xes_rows


def _events(value: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(value)


def _lines(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


@attrs.frozen
class LoggedIssue:
    """One issue as read from an event log: its fields and the events built from its rows.

    Attributes:
        id: the issue id.
        created_at: the instant of its first row (in UTC).
        priority, category: from the first row that has one, after the value map.
        level, team: where the issue was at its first row (``level`` after the value map).
        events: ``CREATED`` for the first row, then ``STATUS_CHANGED`` (with the mapped
            `Status`) when the status changes, ``LEVEL_CHANGED`` when the level changes, and
            ``REASSIGNED`` when the team changes, in time order. An issue starts ``open``: a
            first row in another status adds a ``STATUS_CHANGED`` at the creation instant.
        lines: the log line of each event, for messages.
        source: the log's name, for messages.
    """

    id: str
    created_at: datetime
    priority: str | None = attrs.field(default=None, kw_only=True)
    category: str | None = attrs.field(default=None, kw_only=True)
    level: str | None = attrs.field(default=None, kw_only=True)
    team: str | None = attrs.field(default=None, kw_only=True)
    events: tuple[Event, ...] = attrs.field(default=(), converter=_events, kw_only=True)
    lines: tuple[int, ...] = attrs.field(default=(), converter=_lines, kw_only=True, eq=False)
    source: str | None = attrs.field(default=None, kw_only=True, eq=False)

    def issue(self) -> Issue:
        """The `Issue` at its creation, before any event: its fields and an empty history."""
        return Issue(
            self.id,
            self.created_at,
            priority=self.priority,
            category=self.category,
            level=self.level,
            team=self.team,
        )

    def where(self, index: int) -> str:
        """``"FILE line N"`` for ``events[index]``, or the issue id when lines are unknown."""
        if index < len(self.lines):
            return f"{self.source or 'log'} line {self.lines[index]}"
        return f"issue {self.id!r}"


class EventLog(Iterator[LoggedIssue]):
    """The issues of an event log, read one at a time: what `read_log` returns.

    Iterate over it (once) for the `LoggedIssue` of each issue. What the reader had to
    guess while reading is in `warnings`, which grows as rows are read: read it after the
    last issue for the whole log (`backtest` copies it into its `Metrics`).
    """

    __slots__ = ("_issues", "_unmapped")

    def __init__(
        self, source: LogSource, mapping: LogMapping, *, check_grouped: bool, strict: bool
    ) -> None:
        self._unmapped = Unmapped(mapping, strict)
        self._issues: Generator[LoggedIssue, None, None] = _read(
            source, mapping, check_grouped, self._unmapped
        )

    def __next__(self) -> LoggedIssue:
        return next(self._issues)

    def __iter__(self) -> Iterator[LoggedIssue]:
        # The reader itself, which shares this log's state: a for loop then pays nothing
        # per issue for the wrapper.
        return self._issues

    @property
    def warnings(self) -> tuple[UnmappedValue, ...]:
        """The log's statuses the mapping lists nowhere (each counted as open), in the
        order of their first row; empty when the mapping knows every status read so far."""
        return self._unmapped.warnings()

    def close(self) -> None:
        """Stop reading and close the file (a path the reader opened)."""
        self._issues.close()


def read_log(
    source: LogSource, mapping: LogMapping, *, check_grouped: bool = True, strict: bool = False
) -> EventLog:
    """Stream the issues of an event log, one `LoggedIssue` at a time.

    Rows are read lazily; only the current issue's events are held. The log must be grouped
    by issue and in time order within each issue (see the module docstring for how to sort
    one that is not).

    Args:
        source: a path (a ``.gz`` file is decompressed) or an open text or binary file.
        mapping: the `LogMapping`.
        check_grouped: remember the ids already read (about 100 bytes per issue) to refuse
            an issue whose rows reappear later; turn off for a log known to be grouped.
        strict: refuse a status the mapping lists nowhere (an `IssueError` at its first
            row) rather than count it as open and report it in `EventLog.warnings`.

    Returns:
        An `EventLog`: an iterator of `LoggedIssue` with the `warnings` of what it read.

    Raises:
        PolicyError: a mapped column is missing from the file, or the format is unknown.
        IssueError: a row cannot be read (a bad or empty timestamp, or one outside the
            years 1000 to 8999 in UTC, `EARLIEST` and `LATEST`; an empty issue id or status;
            a value the priority or level map lacks, a value the JSON cannot hold), the log
            is not grouped by issue, an issue's rows are not in time order, or (strict) a
            status is unmapped. The message names the file, the line and the column.
    """
    return EventLog(source, mapping, check_grouped=check_grouped, strict=strict)


def _read(
    source: LogSource, mapping: LogMapping, check_grouped: bool, unmapped: Unmapped
) -> Generator[LoggedIssue, None, None]:
    with ExitStack() as stack:
        name, text = open_log(source, stack, mapping.encoding)
        fmt = mapping.format or format_of(name)
        rows = {"csv": csv_rows, "jsonl": jsonl_rows, "xes": xes_rows}[fmt](text, name, mapping)
        unmapped.name = name
        yield from _group(rows, _Decoder(name, mapping, unmapped), check_grouped)


def _value_map(table: Mapping[str, str], column: str | None, name: str) -> dict[str, str | None]:
    """A dict from each log value to the mapped value ("" to None); it raises on unmapped ones."""

    class _Strict(dict[str, "str | None"]):
        def __missing__(self, value: str) -> str | None:
            if not table:
                self[value] = value
                return value
            raise _NotInValueMap(
                f"the value {shown_value(value)!r} is not in the mapping's value map "
                f"{sorted(table)}",
                value=value,
                suggestion=did_you_mean(value, table),
                column=column,
            )

    values = _Strict(table)
    values[""] = None
    return values


def _group(rows: Iterator[Row], decoder: _Decoder, check_grouped: bool) -> Iterator[LoggedIssue]:
    """Group rows into issues, an event for each status, level and team a row changes: the
    hot loop of reading a log (the rare paths, a new issue or status, a bad row, are calls)."""
    parse, statuses, level_of = decoder.parse, decoder.statuses, decoder.level_of
    unmapped = decoder.unmapped.rows  # a status listed nowhere: [rows, first line]
    seen: dict[str, int] = {}
    current: _IssueRows | None = None
    current_id = level = team = None
    last_at, last_line, last_stamp = EARLIEST, 0, ""  # the current issue's last row
    for row in rows:
        line, issue, stamp, raw_status, sub, raw_level, row_team, raw_priority, category = row
        try:
            at = parse(stamp)
        except ValueError as exc:
            raise decoder.bad_stamp(line, stamp, exc) from None
        if not raw_status:
            raise decoder.empty(line, "status")
        if sub:
            raw_status = f"{raw_status}/{sub}"
        row_status = statuses[raw_status]
        if row_status is None:  # listed nowhere: counted inline (it can be most rows)
            if raw_status in unmapped:
                unmapped[raw_status][0] += 1
                row_status = _OPEN
            else:
                row_status = decoder.unlisted(raw_status, line)
        try:
            row_level = level_of[raw_level]
        except _NotInValueMap as exc:
            raise _at_line(exc, decoder.name, line) from None
        if issue != current_id or current is None:
            if current is not None:
                yield current.finish(last_at, last_line, last_stamp)
            if check_grouped:
                _first_rows(seen, issue, line, decoder.name)
            current = _IssueRows(decoder, row, at, raw_status, row_status, row_level)
            current_id, status, level, team = issue, current.status, row_level, current.team
            events, lines, last_at = current.events, current.lines, at
            last_line, last_stamp = line, stamp
            filled = current.priority is not None and current.category is not None
            continue
        if at < last_at:
            at = decoder.earlier(line, stamp, at, last_at)
        last_at, last_line, last_stamp = at, line, stamp
        if not filled and (raw_priority or category):
            filled = current.fill(raw_priority, category, line)
        if row_status is not status:
            status = row_status
            events.append(Event(_STATUS_CHANGED, at, status=status, data={"raw": raw_status}))
            lines.append(line)
        if row_level is not None and row_level != level:
            level = row_level
            events.append(Event(_LEVEL_CHANGED, at, level=level))
            lines.append(line)
        if row_team and row_team != team:
            team = row_team
            events.append(Event(_REASSIGNED, at, team=team))
            lines.append(line)
    if current is not None:
        yield current.finish(last_at, last_line, last_stamp)


def _first_rows(seen: dict[str, int], issue: str, line: int, name: str) -> None:
    """Note that *issue*'s rows begin at *line*; refuse it if its rows began earlier."""
    first = seen.get(issue)
    if first is not None:
        raise IssueError(
            f"{name} line {line}: issue {shown_value(issue)!r} appears again after other "
            f"issues (its rows began at line {first}); an event log must list "
            "each issue's rows together, in time order: sort it by the issue "
            "column with a stable sort, which keeps the time order (for a CSV "
            "whose first column is the issue: LC_ALL=C sort -s -t, -k1,1 on the "
            "rows after the header)",
            value=issue,
        )
    seen[issue] = line


class _Statuses(dict[str, "Status | None"]):
    """The `Status` of each log status (``"Status/Sub Status"``) met so far, looked up
    once; ``None`` for one the mapping lists nowhere."""

    def __init__(self, mapping: LogMapping) -> None:
        super().__init__()
        self.mapped_status = mapping.mapped_status

    def __missing__(self, raw: str) -> Status | None:
        status = self[raw] = self.mapped_status(raw)
        return status


class _Decoder:
    """What the values of a row mean after the mapping, and the errors about a row."""

    __slots__ = (
        "level_of",
        "mapping",
        "name",
        "parse",
        "priority_of",
        "stamp_column",
        "statuses",
        "unmapped",
    )

    def __init__(self, name: str, mapping: LogMapping, unmapped: Unmapped) -> None:
        self.name = name
        self.mapping = mapping
        self.level_of = _value_map(mapping.levels, mapping.level, name)
        self.priority_of = _value_map(mapping.priorities, mapping.priority, name)
        self.statuses = _Statuses(mapping)
        self.unmapped = unmapped
        self.parse = mapping.parse_timestamp
        self.stamp_column = mapping.timestamp

    def unlisted(self, raw: str, line: int) -> Status:
        """The first row of a status the mapping lists nowhere: counted, and open (refused
        when strict)."""
        self.unmapped.count(raw, line)
        return _OPEN

    def bad_stamp(self, line: int, stamp: str, exc: ValueError) -> IssueError:
        """The error for a timestamp that does not parse (or is out of range)."""
        what = f"cannot read {shown_value(stamp)!r}" if stamp else "the timestamp is empty"
        reason = f": {exc}" if stamp else ""
        return IssueError(
            f"{self.name} line {line}, column {self.stamp_column!r}: {what}{reason}",
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
            f"({last_at.isoformat()}); each issue's rows must be in time order",
            value=stamp,
        )

    def in_range(self, line: int, stamp: str, at: datetime) -> None:
        """Refuse *at* (of *stamp* on *line*) unless it lies from `EARLIEST` to before
        `LATEST`. An issue's rows are in time order, so checking its first and its last
        row checks them all."""
        if not EARLIEST <= at < LATEST:
            raise self.bad_stamp(line, stamp, ValueError(OUT_OF_RANGE))

    def priority(self, raw_priority: str, line: int) -> str | None:
        """The mapped priority (``None`` for an empty value)."""
        try:
            return self.priority_of[raw_priority]
        except _NotInValueMap as exc:
            raise _at_line(exc, self.name, line) from None


_WHAT: Final = {"issue": "issue id", "status": "status"}


class _IssueRows:
    """The issue being read: its fields and the events built from its rows so far."""

    __slots__ = (
        "category",
        "created",
        "decoder",
        "events",
        "first_level",
        "first_team",
        "id",
        "lines",
        "priority",
        "status",
        "team",
    )

    def __init__(
        self,
        decoder: _Decoder,
        row: Row,
        at: datetime,
        raw_status: str,
        row_status: Status,
        row_level: str | None,
    ) -> None:
        """Start the issue at its first *row*."""
        line, issue, stamp, _, _, _, row_team, raw_priority, row_category = row
        if not issue:
            raise decoder.empty(line, "issue")
        decoder.in_range(line, stamp, at)
        self.decoder = decoder
        self.id = issue
        self.created = at
        self.events = [Event(EventKind.CREATED, at)]
        self.lines = [line]
        self.first_level = row_level
        self.first_team = self.team = row_team or None
        self.priority = decoder.priority(raw_priority, line)
        self.category = row_category or None
        self.status = Status.OPEN
        if row_status is not Status.OPEN:
            self.status = row_status
            self.events.append(
                Event(_STATUS_CHANGED, at, status=row_status, data={"raw": raw_status})
            )
            self.lines.append(line)

    def fill(self, raw_priority: str, category: str, line: int) -> bool:
        """Take the priority and category from a later row if the first rows lacked them;
        whether both are known now."""
        if self.priority is None and raw_priority:
            self.priority = self.decoder.priority(raw_priority, line)
        if self.category is None and category:
            self.category = category
        return self.priority is not None and self.category is not None

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
            events=self.events,
            lines=self.lines,
            source=self.decoder.name,
        )


_STATUS_CHANGED: Final = EventKind.STATUS_CHANGED


_OPEN: Final = Status.OPEN


_LEVEL_CHANGED: Final = EventKind.LEVEL_CHANGED


_REASSIGNED: Final = EventKind.REASSIGNED


class _NotInValueMap(IssueError):
    """A log value the mapping's value map lacks; `_at_line` places it in the file."""

    def __init__(
        self, message: str, *, value: object, suggestion: str | None, column: str | None
    ) -> None:
        super().__init__(message, value=value, suggestion=suggestion)
        self.column = column


def _at_line(exc: _NotInValueMap, name: str, line: int) -> IssueError:
    """The same complaint, placed at *line* of the log *name*."""
    where = f"{name} line {line}, column {exc.column!r}"
    return IssueError(exc.message, where=where, value=exc.value, suggestion=exc.suggestion)
