"""The rows of an event log: opening, decompressing and decoding the file, CSV and JSON lines."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import ExitStack
from operator import itemgetter
from os import PathLike, fspath
from pathlib import Path
from typing import IO, Any, Final

from .._exceptions import IssueError, PolicyError
from .._suggest import did_you_mean
from .logmapping import COLUMN_KEYS, REQUIRED_COLUMNS, LogFormat, LogMapping, LogSource

_GZIP_MAGIC: Final = b"\x1f\x8b"


# A row reduced to what the reader needs: line, issue id, timestamp, status, sub-status,
# level, team, priority, category; "" where the column is absent or the value empty.
# (In the order of COLUMN_KEYS.)
Row = tuple[int, str, str, str, str, str, str, str, str]


_UNREADABLE = (OSError, EOFError, csv.Error, UnicodeDecodeError, zlib.error)


"""What reading a damaged log raises: a truncated or corrupt gzip stream, bytes that are
not UTF-8, a CSV field over the csv module's limit, a directory."""


def unreadable(name: str, read: int, exc: BaseException) -> IssueError:
    """The error for a log that cannot be read after its first *read* lines.

    The csv module's own errors are about the record on the next line; a damaged stream
    (gzip, bytes) is noticed a block at a time, so the place is the last line read whole.
    """
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(exc, UnicodeDecodeError):
        reason = "its bytes are not UTF-8 (re-encode the file as UTF-8)"
    if isinstance(exc, csv.Error):
        return IssueError(f"{name} line {read + 1}: cannot read the log: {reason}", value=name)
    place = f"after line {read}" if read else "from its start"
    return IssueError(f"{name}: cannot read the log {place}: {reason}", value=name)


def open_log(source: LogSource, stack: ExitStack) -> tuple[str, IO[str]]:
    if isinstance(source, (str, PathLike)):
        name = fspath(source)
        try:
            raw = stack.enter_context(open(source, "rb"))  # noqa: SIM115 - the stack closes it
            return name, _text(raw, stack)
        except OSError as exc:
            raise IssueError(
                f"{name}: cannot open the log: {exc.strerror or exc}", value=name
            ) from None
    name = str(getattr(source, "name", "<stream>"))
    if isinstance(source, io.TextIOBase):
        return name, source
    return name, _text(source, stack)  # type: ignore[arg-type]


def _text(raw: IO[bytes], stack: ExitStack) -> IO[str]:
    """Decode *raw* as UTF-8, decompressing it first if it starts like a gzip file."""
    peek = getattr(raw, "peek", None)
    if peek is not None:
        head = peek(2)[:2]
    elif raw.seekable():
        position = raw.tell()
        head = raw.read(2)
        raw.seek(position)
    else:
        head = b""  # cannot look ahead: read it as plain text
    stream: Any = raw
    if head == _GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=raw, mode="rb")
        stack.callback(stream.close)
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    # Detach rather than close: a file the caller passed in stays theirs to close.
    stack.callback(text.detach)
    return text


def format_of(name: str) -> LogFormat:
    base = name[:-3] if name.endswith(".gz") else name
    suffix = Path(base).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise PolicyError(
        f"cannot tell the format of {name!r} from its name; set format = 'csv' or "
        "format = 'jsonl' in the mapping",
        where=name,
        value=name,
    )


def csv_rows(text: IO[str], name: str, mapping: LogMapping) -> Iterator[Row]:
    reader = csv.reader(text, delimiter=mapping.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except _UNREADABLE as exc:
        raise unreadable(name, 0, exc) from None
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    width = len(header)
    index: dict[str, int] = {}
    for key, column in mapping.columns().items():
        if column not in header:
            raise PolicyError(
                f"column {column!r} (columns.{key} in {mapping.source or 'the mapping'}) is "
                f"not in the header; the columns are {header}",
                where=f"{name} line 1",
                value=column,
                suggestion=did_you_mean(column, header),
            )
        index[key] = header.index(column)
    # An absent column reads the empty string appended to each row, at index `width`.
    pick = itemgetter(*(index.get(key, width) for key in COLUMN_KEYS))
    try:
        for fields in reader:
            if len(fields) != width:
                if not fields:
                    continue  # a blank line
                raise IssueError(
                    f"{name} line {reader.line_num}: the row has {len(fields)} fields, "
                    f"the header has {width}",
                    value=fields,
                )
            fields.append("")
            yield (reader.line_num, *pick(fields))
    except _UNREADABLE as exc:
        read = reader.line_num - 1 if isinstance(exc, csv.Error) else reader.line_num
        raise unreadable(name, read, exc) from None


def jsonl_rows(text: IO[str], name: str, mapping: LogMapping) -> Iterator[Row]:
    columns = mapping.columns()
    keys = [(key, columns.get(key)) for key in COLUMN_KEYS]
    line = 0
    lines = iter(text)
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except _UNREADABLE as exc:
            raise unreadable(name, line, exc) from None
        line += 1
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise IssueError(f"{name} line {line}: not valid JSON ({exc.msg})", value=raw) from None
        if not isinstance(obj, dict):
            raise IssueError(f"{name} line {line}: expected a JSON object, got {raw.strip()!r}")
        values: list[str] = []
        for key, column in keys:
            value = None if column is None else obj.get(column)
            if value is None or value == "":
                if key in REQUIRED_COLUMNS:
                    raise PolicyError(
                        f"the key {column!r} (columns.{key}) is missing or empty; "
                        f"the keys are {list(obj)}",
                        where=f"{name} line {line}",
                        value=column,
                        suggestion=did_you_mean(str(column), obj),
                    )
                value = ""
            values.append(str(value))
        yield (line, *values)  # type: ignore[misc]
