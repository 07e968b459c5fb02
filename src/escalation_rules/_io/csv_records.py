"""The records of a CSV text, a line at a time: a plain line split in C, any other by `csv`.

A log's lines are mostly plain: no quote, and no carriage return or newline but the line's
own end (a text stream that splits lines at each kind of line end never has another). Such
a line is one record, and the csv module's reader (the default dialect, with the log's
delimiter) gives exactly its text split at each delimiter. `str.split` does that in about
half the time; any other line (a quoted field, perhaps over several lines) goes through a
`csv.reader` over the same lines, which gives the records, the line count and the errors it
always did. A part of a log read by one worker of several reads only the issue id of the
other parts' rows (`logrows.csv_rows`).

`tests/io_/test_csv_records.py` checks the records, line numbers and errors against
`csv.reader` on any text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Final

#: Delimiters the plain-line path cannot split by (the csv module reads them its way).
_SPECIAL: Final = frozenset('"\r\n')


class CsvRecords:
    """The records of *text* as ``csv.reader(text, delimiter=delimiter)`` gives them
    (`lines`, and `plain_fields` for a plain line).

    Attributes:
        line_num: the physical lines read so far (as ``csv.reader``'s ``line_num``).
    """

    __slots__ = ("_held", "_lines", "_reader", "delimiter", "line_num", "whole_lines")

    def __init__(self, text: IO[str], delimiter: str, *, whole_lines: bool = False) -> None:
        """*whole_lines*: *text* splits lines at every kind of line end (it was opened with
        ``newline=""``), so no line has one inside it and none is looked for."""
        self._lines: Iterator[str] = iter(text)
        self.whole_lines = whole_lines
        self._held: str | None = None
        self.line_num = 0
        self.delimiter = delimiter
        self._reader = csv.reader(self._feed(), delimiter=delimiter)

    def _feed(self) -> Iterator[str]:
        """The csv reader's lines: the held line (read and counted already), or the next."""
        lines = self._lines
        while True:
            held = self._held
            if held is not None:
                self._held = None
                yield held
                continue
            line = next(lines, None)
            if line is None:
                return
            self.line_num += 1
            yield line

    def _parsed(self, line: str) -> list[str]:
        """The record that starts with *line* (read and counted), from the csv reader."""
        self._held = line
        return next(self._reader)

    def lines(self) -> Iterator[tuple[str, list[str] | None]]:
        """Each record as ``(line, None)`` when *line* is plain (the caller splits it with
        `plain_fields`), else ``(line, fields)`` from the csv reader (*line*: its first)."""
        limit = csv.field_size_limit()
        if self.delimiter in _SPECIAL:
            for line in self._lines:
                self.line_num += 1
                yield line, self._parsed(line)
            return
        whole = self.whole_lines
        for line in self._lines:
            self.line_num += 1
            if '"' in line or len(line) > limit or not (whole or _plain_end(line)):
                yield line, self._parsed(line)
            else:
                yield line, None


def _plain_end(line: str) -> bool:
    """Are *line*'s carriage returns and newlines all in its end (``\\n``, ``\\r\\n`` or
    ``\\r``)? A stream that splits lines at each kind of line end never gives another; one
    opened with ``newline="\\n"``, ``"\\r"`` or ``"\\r\\n"`` can, and the csv module
    refuses such a line."""
    last = len(line) - 1
    n = line.find("\n")
    if n != -1 and n != last:
        return False
    r = line.find("\r")
    return r == -1 or r == last or (r == last - 1 and n == last)


def plain_fields(line: str, delimiter: str) -> list[str]:
    """The fields of a plain line (no quote, no line end inside it), as csv reads it."""
    body = line.rstrip("\r\n")
    return body.split(delimiter) if body else []
