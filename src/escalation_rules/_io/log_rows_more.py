"""What the reader does to a log's rows before it groups them, when the mapping asks: null
markers and default values, and a stable sort by time within each issue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Final

from .._exceptions import IssueError
from .logmapping import LogMapping
from .logrows import Row

if TYPE_CHECKING:
    from .log_decoder import Decoder

#: The most rows of one issue that a sort within the issue holds.
MAX_ISSUE_ROWS: Final = 1_000_000


def cleaned(rows: Iterator[Row], mapping: LogMapping) -> Iterator[Row]:
    """*rows* with each null marker (and the empty string) read as the column's default,
    or as no value (``""``) where the column has none."""
    keys = mapping.row_keys()
    nulls = {"", *mapping.null}
    fixes = [{marker: mapping.defaults.get(key, "") for marker in nulls} for key in keys]
    for row in rows:
        yield (row[0], *[fix.get(v, v) for fix, v in zip(fixes, row[1:], strict=True)])


def sorted_within(rows: Iterator[Row], decoder: Decoder) -> Iterator[Row]:
    """*rows* with each issue's rows (the run of rows with its id) sorted by time, stably:
    rows at the same instant keep their order in the log.

    A local time the clocks went back over is read as the reader reads it in a log in
    order: the first of the two, unless that puts it before the row above it in the file,
    and then the second. So a log already in order across the change keeps its order. The
    rows come out with their instants resolved, as ISO 8601 text in UTC (the reader then
    reads them with `resolved`).
    """
    return _sorted(rows, decoder, decoder.parse, decoder.mapping.parse_second_pass)


def _sorted(
    rows: Iterator[Row],
    decoder: Decoder,
    parse: Callable[[str], datetime],
    second_pass: Callable[[str], datetime],
) -> Iterator[Row]:
    batch: list[tuple[datetime, int, Row]] = []
    current = None
    for row in rows:
        if row[1] != current:
            yield from _in_order(batch)
            batch.clear()
            current = row[1]
        try:
            at = parse(row[2])
        except ValueError as exc:
            raise decoder.bad_stamp(row[0], row[2], exc) from None
        if batch and at < batch[-1][0]:
            try:
                second = second_pass(row[2])
            except ValueError:  # out of range with the other offset
                second = at
            if second >= batch[-1][0]:
                at = second
        if len(batch) >= MAX_ISSUE_ROWS:
            raise IssueError(
                f"{decoder.name} line {row[0]}: issue {row[1]!r} has more than "
                f"{MAX_ISSUE_ROWS:,} rows, more than a sort within an issue holds",
                value=row[1],
            )
        batch.append((at, len(batch), row))
    yield from _in_order(batch)


def _in_order(batch: list[tuple[datetime, int, Row]]) -> Iterator[Row]:
    batch.sort(key=lambda item: (item[0], item[1]))
    for at, _, row in batch:
        yield (row[0], row[1], at.isoformat(), *row[3:])


def resolved(text: str) -> datetime:
    """An instant `sorted_within` resolved, from its ISO 8601 text."""
    return datetime.fromisoformat(text)
