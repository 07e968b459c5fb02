"""Which part of a partitioned backtest an issue belongs to: a stable hash of its id."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .logrows import Row


def partition_of(issue_id: str, parts: int) -> int:
    """The part (0 to *parts* - 1) an issue goes to: CRC-32 of its id, the same in every
    process and every run (unlike Python's `hash`, which is salted per process)."""
    return zlib.crc32(issue_id.encode("utf-8", "surrogatepass")) % parts


def rows_of_part(rows: Iterator[Row], part: int, parts: int) -> Iterator[Row]:
    """The *rows* of the issues in *part* of *parts* (an issue's rows are together, so the
    hash is computed once per issue)."""
    last: object = None
    kept = False
    for row in rows:
        if row[1] != last:
            last = row[1]
            kept = partition_of(row[1], parts) == part
        if kept:
            yield row
