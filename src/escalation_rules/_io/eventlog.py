"""Event logs: read a CSV, JSON Lines, XES or Parquet log of an issue's rows into issues
and their events.

A `LogMapping`, usually written in TOML next to the policy, says which column holds what.
`read_log` streams the log: it yields one `LoggedIssue` at a time, built from that issue's
rows, and keeps nothing of the issues it has already yielded but the ids of the last 10,000
(to catch a log that is not grouped), so memory stays flat however long the log.

A log must be **grouped by issue**. Each issue's rows must be **in time order**, or the
mapping says ``sort = true`` and each issue's rows are sorted by time (a stable sort: rows
at the same instant keep their order). A log in time order only (rows of many issues
interleaved) can be grouped with a stable sort on the issue column, e.g. for a CSV whose
issue id is the first column and whose fields hold no quoted commas::

    (head -n 1 log.csv && tail -n +2 log.csv | LC_ALL=C sort -s -t, -k1,1) > grouped.csv

or for JSON Lines with ``jq -s -c 'sort_by(.issue) | .[]' log.jsonl > grouped.jsonl``.

The mapping format (all tables but ``[columns]`` are optional)::

    format = "csv"                  # "jsonl", "xes", "parquet"; by default from the name
    delimiter = ","                 # CSV only
    encoding = "utf-8"              # the default; e.g. "latin-1", "cp1252", "utf-16"
    timezone = "Europe/Stockholm"   # the zone of timestamps written without an offset
    null = ["?", "NULL"]            # values that mean "no value" ("" always does)
    sort = true                     # sort each issue's rows by time

    [columns]                       # which column (or JSON or XES key) holds what
    issue = "SR Number"             # required
    timestamp = "Change Date+Time"  # required: ISO 8601 by default, or a table:
    # timestamp = { column = "sys_updated_on", format = "DD-MM-YYYY HH:mm", timezone = "UTC" }
    # (format: "iso", "epoch_s", "epoch_ms" or a pattern in pendulum's tokens)
    status = "Status"               # required
    sub_status = "Sub Status"       # optional: statuses then read "Status/Sub Status"
    level = "ST Level"              # optional: the support level (LEVEL_CHANGED events)
    team = "Involved ST"            # optional: the team (REASSIGNED events)
    priority = "SR Latest Impact"   # optional (PRIORITY_CHANGED events)
    category = "Product"            # optional (FIELD_CHANGED events)
    customer = "Caller"             # optional: the customer's id (the first value)
    tier = "Tier"                   # optional: the customer's tier (the first value)
    satisfaction = "CSAT"           # optional: a satisfaction score (the last value)

    [columns.attributes]            # optional: more columns, as issue.attributes
    made_sla = "made_sla"           # (FIELD_CHANGED events when they change)

    [defaults]                      # optional: the log value of a row without one
    priority = "3 - Moderate"

    [statuses]                      # what the host's statuses mean
    open = ["Accepted", "Queued"]         # open: the default, listed to be checked
    pending = ["Accepted/Wait - User"]    # waiting on the customer
    resolved = ["Completed/Resolved"]
    closed = ["Completed/Closed"]

    [priorities]                    # optional value map (exact values, ranges, patterns)
    Major = "P1"
    "re:^(Low|Minor)$" = "P3"

    [levels]                        # optional value map, the same way
    "0" = "L1"
    "1" = "L2"
    "2.." = "L3"                    # 2 or more

    [values.satisfaction]           # value maps of any other key: [values.KEY]
    good = "1"
    bad = "0"

A field's first value (on the first row that has one) is its value at creation; a later row
with another value is an event (a priority, category, team, level or attribute that changes
over the issue's life). A status is looked up as ``"Status/Sub Status"`` first, then as
``"Status"`` alone, so ``resolved = ["Completed"]`` covers every sub-status of
``Completed``. A status listed nowhere counts as open, and a value a value map does not
take is read as no value; `EventLog.warnings` reports each (value, rows, first line), so
that a misspelt ``done`` for ``Done`` does not pass unseen; ``strict=True`` refuses it.
Events carry the mapped status, one of `Status`; the log's own status is kept in
``event.data["raw"]``.

Timestamps without an offset are read in the column's zone. In the hour the clocks go back,
a local time happens twice: it is read as the first unless that would put the row before
its issue's previous row, and then as the second. So a log in time order across the change
reads in order; an issue whose rows all lie in the second pass reads an hour early, as
nothing in the log tells the two apart.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Generator, Iterable, Iterator
from contextlib import ExitStack
from os import PathLike, fspath
from typing import Final

from .._exceptions import IssueError, PolicyError
from .._model.events import (
    KIND_LEVEL_CHANGED,
    KIND_REASSIGNED,
    KIND_STATUS_CHANGED,
    Event,
    Status,
)
from .log_decoder import Decoder, IssueRows
from .log_rows_more import cleaned, resolved, sorted_within
from .logged_issue import LoggedIssue as LoggedIssue
from .logmapping import (
    EARLIEST,
    LogMapping,
    LogSource,
    Unmapped,
    UnmappedValue,
    shown_value,
)
from .logrows import Row, csv_rows, format_of, jsonl_rows, open_log
from .partition import rows_of_part
from .xes_rows import xes_rows


class EventLog(Iterator[LoggedIssue]):
    """The issues of an event log, read one at a time: what `read_log` returns.

    Iterate over it (once) for the `LoggedIssue` of each issue. What the reader had to
    guess while reading is in `warnings`, which grows as rows are read: read it after the
    last issue for the whole log (`backtest` copies it into its `Metrics`).

    Attributes:
        mapping: the `LogMapping` it reads with.
        source, strict, check_grouped: what `read_log` was given (a parallel backtest
            reads a log given by path again, a part in each worker).
    """

    __slots__ = (
        "_issues",
        "_rereadable",
        "_unmapped",
        "check_grouped",
        "mapping",
        "source",
        "strict",
    )

    def __init__(
        self,
        source: LogSource,
        mapping: LogMapping,
        *,
        check_grouped: bool,
        strict: bool,
        rows: Iterable[Row] | None = None,
        part: tuple[int, int] | None = None,
    ) -> None:
        if not isinstance(mapping, LogMapping):
            hint = " (LogMapping.from_dict(...) reads a dict)" if isinstance(mapping, dict) else ""
            raise PolicyError(
                f"the log mapping must be a LogMapping, got {type(mapping).__name__}{hint}",
                value=type(mapping).__name__,
            )
        self.mapping = mapping
        self.source, self.strict, self.check_grouped = source, strict, check_grouped
        # A whole log this reader opens from a path: a worker can open it again.
        self._rereadable = rows is None and part is None and isinstance(source, str | PathLike)
        self._unmapped = Unmapped(mapping, strict)
        self._issues: Generator[LoggedIssue, None, None] = (
            _read(source, mapping, check_grouped, self._unmapped, part)
            if rows is None
            else _from_rows(str(source), iter(rows), mapping, check_grouped, self._unmapped)
        )

    def __next__(self) -> LoggedIssue:
        return next(self._issues)

    def __iter__(self) -> Iterator[LoggedIssue]:
        # The reader itself, which shares this log's state: a for loop then pays nothing
        # per issue for the wrapper.
        return self._issues

    @property
    def warnings(self) -> tuple[UnmappedValue, ...]:
        """The log's values the mapping does not know (a status counted as open, a value
        a value map does not take read as no value), in the order of their first row;
        empty when the mapping knows every value read so far."""
        return self._unmapped.warnings()

    @property
    def fresh(self) -> bool:
        """Whether no issue has been read yet."""
        return inspect.getgeneratorstate(self._issues) == inspect.GEN_CREATED

    def reread(self) -> tuple[str | PathLike[str], LogMapping, bool, bool] | None:
        """What a worker needs to read a part of this log itself (path, mapping, strict,
        check_grouped): for a whole log read from a path, before its first issue is read;
        else ``None`` (rows, a file object, a part of a log, or a log under way)."""
        if not self._rereadable or not self.fresh:
            return None
        assert isinstance(self.source, str | PathLike)
        return (self.source, self.mapping, self.strict, self.check_grouped)

    def close(self) -> None:
        """Stop reading and close the file (a path the reader opened)."""
        self._issues.close()


def read_log(
    source: LogSource,
    mapping: LogMapping,
    *,
    check_grouped: bool = True,
    strict: bool = False,
    part: tuple[int, int] | None = None,
) -> EventLog:
    """Stream the issues of an event log, one `LoggedIssue` at a time.

    Rows are read lazily; only the current issue's events are held. The log must be grouped
    by issue and in time order within each issue (see the module docstring for how to sort
    one that is not).

    Args:
        source: a path (a ``.gz`` file is decompressed) or an open text or binary file.
        mapping: the `LogMapping`.
        check_grouped: refuse an issue whose rows reappear after other issues' rows,
            among the last `RECENT_ISSUES` issues read (10,000; about 1.5 MB, however long
            the log). A log in time order that is not grouped interleaves the issues open
            at the same time, so this catches it unless more than 10,000 are open at once.
            Turn it off for a log known to be grouped.
        part: ``(k, n)``: read only the issues whose id hashes to part *k* of *n* (CRC-32,
            `partition_of`), skipping the others' rows before they are decoded: what each
            worker of ``backtest(..., workers=n)`` reads of a log it is given by path. The
            grouping check (*check_grouped*) still sees every row, so each part refuses a
            log that the whole would.
        strict: refuse a status the mapping lists nowhere, or a value a value map does not
            take (an `IssueError` at its first row), rather than count it (as open, or as no
            value) and report it in `EventLog.warnings`.

    Returns:
        An `EventLog`: an iterator of `LoggedIssue` with the `warnings` of what it read.

    Raises:
        PolicyError: a mapped column is missing from the file, or the format is unknown.
        IssueError: a row cannot be read (a bad or empty timestamp, or one outside the
            years 1000 to 8999 in UTC, `EARLIEST` and `LATEST`; an empty issue id or status;
            a value the JSON cannot hold), the log is not grouped by issue, an issue's rows
            are not in time order (without ``sort``), or (strict) a value is unmapped.
            The message names the file, the line and the column.
    """
    return EventLog(source, mapping, check_grouped=check_grouped, strict=strict, part=part)


def read_rows(
    rows: Iterable[Row], mapping: LogMapping, *, name: str = "<rows>", strict: bool = False
) -> EventLog:
    """The issues of rows already split into the mapping's columns (what a Dask dataframe
    partition gives): each row ``(line, issue, timestamp, status, ...)`` in the order of
    `LogMapping.row_keys`, every value text (``""`` for none), read as `read_log` reads a
    file named *name*."""
    return EventLog(name, mapping, check_grouped=True, strict=strict, rows=rows)


def _from_rows(
    name: str, rows: Iterator[Row], mapping: LogMapping, check_grouped: bool, unmapped: Unmapped
) -> Generator[LoggedIssue, None, None]:
    unmapped.name = name
    yield from _issues(name, _grouped(rows, name) if check_grouped else rows, mapping, unmapped)


def _issues(
    name: str, rows: Iterator[Row], mapping: LogMapping, unmapped: Unmapped
) -> Iterator[LoggedIssue]:
    decoder = Decoder(name, mapping, unmapped)
    if mapping.null or mapping.defaults:
        rows = cleaned(rows, mapping)
    if mapping.sort:
        rows = sorted_within(rows, decoder)
        decoder.parse = resolved
    return _group(rows, decoder)


def _read(
    source: LogSource,
    mapping: LogMapping,
    check_grouped: bool,
    unmapped: Unmapped,
    part: tuple[int, int] | None = None,
) -> Generator[LoggedIssue, None, None]:
    with ExitStack() as stack:
        fmt = mapping.format
        if fmt == "parquet" or (fmt is None and _is_parquet(source)):
            from .parquet_rows import parquet_rows

            name, rows = parquet_rows(source, mapping)
        else:
            name, text = open_log(source, stack, mapping.encoding)
            fmt = fmt or format_of(name)
            if fmt == "csv":
                rows = csv_rows(text, name, mapping, part)
            else:
                rows = {"jsonl": jsonl_rows, "xes": xes_rows}[fmt](text, name, mapping)
        unmapped.name = name
        if check_grouped:  # on every row (before another part's rows are skipped)
            rows = _grouped(rows, name)
        if part is not None:
            rows = rows_of_part(rows, *part)
        yield from _issues(name, rows, mapping, unmapped)


def _grouped(rows: Iterator[Row], name: str) -> Iterator[Row]:
    """*rows*, refused where an issue's rows are not together (among the last
    `RECENT_ISSUES` issues); checked on the raw rows, so a part of a log refuses a log that
    is not grouped by issue just as the whole log does."""
    seen: OrderedDict[str, int] = OrderedDict()
    last: object = None
    for row in rows:
        if row[1] != last:
            last = row[1]
            _first_rows(seen, row[1], row[0], name)
        yield row


def _is_parquet(source: LogSource) -> bool:
    return isinstance(source, str | PathLike) and fspath(source).lower().endswith(".parquet")


def _group(rows: Iterator[Row], decoder: Decoder) -> Iterator[LoggedIssue]:
    """Group rows into issues, an event for each field a row changes: the hot loop of
    reading a log (the rare paths, a new issue or status, a bad row, are calls)."""
    parse, statuses, level_of = decoder.parse, decoder.statuses, decoder.level_of
    team_of, extras = decoder.team_of, bool(decoder.extras)
    current: IssueRows | None = None
    current_id = level = team = None
    last_at, last_line, last_stamp = EARLIEST, 0, ""  # the current issue's last row
    for row in rows:
        line, issue, stamp, raw_status, sub, raw_level, raw_team, raw_priority, category = row[:9]
        try:
            at = parse(stamp)
        except ValueError as exc:
            raise decoder.bad_stamp(line, stamp, exc) from None
        if not raw_status:
            raise decoder.empty(line, "status")
        if sub:
            raw_status = f"{raw_status}/{sub}"
        row_status = statuses[raw_status]
        if row_status is None:  # listed nowhere: counted, and open
            row_status = decoder.unlisted(raw_status, line)
        row_level = level_of[raw_level]
        if row_level is None and raw_level:
            decoder.unmapped_value("level", raw_level, line)
        if issue != current_id or current is None:
            if current is not None:
                yield current.finish(last_at, last_line, last_stamp)
            current = IssueRows(decoder, row, at, raw_status, row_status, row_level)
            current_id, status, level, team = issue, current.status, row_level, current.team
            events, lines, last_at = current.events, current.lines, at
            last_line, last_stamp = line, stamp
            continue
        if at < last_at:
            at = decoder.earlier(line, stamp, at, last_at)
        last_at, last_line, last_stamp = at, line, stamp
        if raw_priority != current.raw_priority or category != current.raw_category:
            current.priority_or_category(raw_priority, category, at, line)
        if row_status is not status:
            status = row_status
            events.append(Event(KIND_STATUS_CHANGED, at, status=status, data={"raw": raw_status}))
            lines.append(line)
        if row_level is not None and row_level != level:
            level = row_level
            events.append(Event(KIND_LEVEL_CHANGED, at, level=level))
            lines.append(line)
        if raw_team:
            row_team = team_of[raw_team]
            if row_team is None:
                decoder.unmapped_value("team", raw_team, line)
            elif row_team != team:
                team = row_team
                events.append(Event(KIND_REASSIGNED, at, team=team))
                lines.append(line)
        if extras:
            current.extra(row, at)
    if current is not None:
        yield current.finish(last_at, last_line, last_stamp)


#: How many of the last issues read `read_log` remembers to refuse a log that is not
#: grouped by issue: memory stays flat however many issues the log has.
RECENT_ISSUES: Final = 10_000


def _first_rows(seen: OrderedDict[str, int], issue: str, line: int, name: str) -> None:
    """Note that *issue*'s rows begin at *line*; refuse it if its rows began earlier, among
    the last `RECENT_ISSUES` issues (the oldest is forgotten as a new one comes)."""
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
    if len(seen) > RECENT_ISSUES:
        seen.popitem(last=False)  # the oldest


_OPEN: Final = Status.OPEN
