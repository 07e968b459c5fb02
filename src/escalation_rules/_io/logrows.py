"""The rows of an event log: opening, decompressing and decoding the file, CSV and JSON lines."""

from __future__ import annotations

import codecs
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
from .csv_records import CsvRecords, plain_fields
from .logmapping import (
    REQUIRED_COLUMNS,
    LogFormat,
    LogMapping,
    LogSource,
    shown_value,
)
from .partition import partition_of

_GZIP_MAGIC: Final = b"\x1f\x8b"

_PARQUET_MAGIC: Final = b"PAR1"


# A row reduced to what the reader needs: line, issue id, timestamp, status, sub-status,
# level, team, priority, category, then the extra columns the mapping maps (customer, tier,
# satisfaction, attributes); "" where the column is absent or the value empty.
# (In the order of `LogMapping.row_keys`.)
Row = tuple[Any, ...]


_UNREADABLE = (OSError, EOFError, csv.Error, UnicodeError, zlib.error)


"""What reading a damaged log raises: a truncated or corrupt gzip stream, bytes that are
not UTF-8, a CSV field over the csv module's limit, a directory."""


def unreadable(name: str, read: int, exc: BaseException, encoding: str = "utf-8") -> IssueError:
    """The error for a log that cannot be read after its first *read* lines.

    The csv module's own errors are about the record on the next line; a damaged stream
    (gzip, bytes) is noticed a block at a time, so the place is the last line read whole.
    """
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(exc, UnicodeError):
        reason = _not_text(exc, encoding, read)
    if isinstance(exc, csv.Error):
        return IssueError(f"{name} line {read + 1}: cannot read the log: {reason}", value=name)
    place = f"after line {read}" if read else "from its start"
    return IssueError(f"{name}: cannot read the log {place}: {reason}", value=name)


def _not_text(exc: UnicodeError, encoding: str, read: int) -> str:
    """Why the bytes are not text: a UTF-16 file read as UTF-8, or another encoding."""
    head = bytes(exc.object[:2]) if isinstance(exc, UnicodeDecodeError) else b""
    if codecs.lookup(encoding).name == "utf-8":
        if read == 0 and head in _UTF16_BOMS:
            return (
                "its bytes are not UTF-8: it starts with a UTF-16 byte-order mark "
                "(set encoding = 'utf-16' in the log mapping)"
            )
        return (
            "its bytes are not UTF-8 (set encoding in the log mapping, e.g. "
            "encoding = 'latin-1', or re-encode the file as UTF-8)"
        )
    if isinstance(exc, UnicodeDecodeError):
        return f"its bytes are not {encoding} ({exc.reason}; check encoding in the log mapping)"
    hint = ""
    if codecs.lookup(encoding).name == "utf-16":
        hint = "; 'utf-16-le' or 'utf-16-be' read a file without a byte-order mark"
    return f"its bytes are not {encoding} ({exc}; check encoding in the log mapping{hint})"


_UTF16_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def open_log(source: LogSource, stack: ExitStack, encoding: str = "utf-8") -> tuple[str, IO[str]]:
    """The log's name and its text (decompressed, decoded with *encoding*), closed by *stack*.

    A text stream the caller opened is read as it is; any other is decoded here with
    ``newline=""`` (`opened_here`), which splits lines at every kind of line end."""
    if isinstance(source, (str, PathLike)):
        name = fspath(source)
        try:
            raw = stack.enter_context(open(source, "rb"))  # noqa: SIM115 - the stack closes it
            return name, _text(raw, stack, encoding, name)
        except OSError as exc:
            raise IssueError(
                f"{name}: cannot open the log: {exc.strerror or exc}", value=name
            ) from None
    name = str(getattr(source, "name", "<stream>"))
    if isinstance(source, io.TextIOBase):
        return name, source
    return name, _text(source, stack, encoding, name)  # type: ignore[arg-type]


def _text(raw: IO[bytes], stack: ExitStack, encoding: str, name: str) -> IO[str]:
    """Decode *raw* with *encoding*, decompressing it first if it starts like a gzip file."""
    peek = getattr(raw, "peek", None)
    if peek is not None:
        head = peek(4)[:4]
    elif raw.seekable():
        position = raw.tell()
        head = raw.read(4)
        raw.seek(position)
    else:
        head = b""  # cannot look ahead: read it as plain text
    stream: Any = raw
    if head == _PARQUET_MAGIC:
        raise IssueError(
            f"{name}: this is a Parquet file; set format = 'parquet' in the log mapping "
            "(or leave format out and name the file .parquet)",
            value=name,
        )
    if head[:2] == _GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=raw, mode="rb")
        stack.callback(stream.close)
    text = _OpenedHere(stream, encoding=encoding, newline="")
    # Detach rather than close: a file the caller passed in stays theirs to close.
    stack.callback(text.detach)
    return text


class _OpenedHere(io.TextIOWrapper):
    """A text stream `open_log` decoded, with ``newline=""``."""


def opened_here(text: IO[str]) -> bool:
    """Did `open_log` decode *text* (so it splits lines at every kind of line end)?"""
    return type(text) is _OpenedHere


def format_of(name: str) -> LogFormat:
    base = name[:-3] if name.endswith(".gz") else name
    suffix = Path(base).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".xes":
        return "xes"
    if suffix == ".parquet":
        return "parquet"
    raise PolicyError(
        f"cannot tell the format of {name!r} from its name; set format = 'csv', "
        "'jsonl', 'xes' or 'parquet' in the mapping",
        where=name,
        value=name,
    )


def csv_rows(
    text: IO[str], name: str, mapping: LogMapping, part: tuple[int, int] | None = None
) -> Iterator[Row]:
    """The rows of a CSV log (`Row`).

    With *part* ``(k, n)``, a row of an issue of another part is given as ``(line, issue)``
    alone, and only where the issue id changes: what the grouping check reads
    (`eventlog._grouped`) before `rows_of_part` drops them. Its other fields are not
    split, but the row is still checked to have as many fields as the header.
    """
    records = CsvRecords(text, mapping.delimiter, whole_lines=opened_here(text))
    lines = records.lines()
    delimiter = mapping.delimiter
    header = _csv_header(lines, name, mapping)
    if header is None:
        return
    width, index = header
    # An absent column reads the empty string appended to each row, at index `width`.
    pick = itemgetter(*(index.get(key, width) for key in mapping.row_keys()))
    at_issue = index["issue"]
    mine, parts = part if part is not None else (0, 1)
    last_issue: str | None = None
    kept = True
    try:
        for line, fields in lines:
            if fields is None:
                if parts > 1 and not kept and line.count(delimiter) + 1 == width:
                    # Another part's issue, so far: only its id is read.
                    issue = line.rstrip("\r\n").split(delimiter, at_issue + 1)[at_issue]
                    if issue == last_issue:
                        continue
                fields = plain_fields(line, delimiter)
            if len(fields) != width:
                if not fields:
                    continue  # a blank line
                raise IssueError(
                    f"{name} line {records.line_num}: the row has {len(fields)} fields, "
                    f"the header has {width}",
                    value=fields,
                )
            if parts > 1:
                issue = fields[at_issue]
                if issue != last_issue:
                    last_issue, kept = issue, partition_of(issue, parts) == mine
                if not kept:
                    yield (records.line_num, issue)
                    continue
            fields.append("")
            yield (records.line_num, *pick(fields))
    except _UNREADABLE as exc:
        read = records.line_num - 1 if isinstance(exc, csv.Error) else records.line_num
        raise unreadable(name, read, exc, mapping.encoding) from None


def _csv_header(
    lines: Iterator[tuple[str, list[str] | None]], name: str, mapping: LogMapping
) -> tuple[int, dict[str, int]] | None:
    """The header's width and the index of each mapped column (``None``: an empty log)."""
    try:
        line, header = next(lines)
    except StopIteration:
        return None
    except _UNREADABLE as exc:
        raise unreadable(name, 0, exc, mapping.encoding) from None
    if header is None:
        header = plain_fields(line, mapping.delimiter)
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
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
    return len(header), index


#: The longest line of a JSON Lines log, in characters (its newline included): one row.
MAX_JSON_LINE: Final = 1 << 20


def jsonl_rows(text: IO[str], name: str, mapping: LogMapping) -> Iterator[Row]:
    columns = mapping.columns()
    keys = [(key, columns.get(key)) for key in mapping.row_keys()]
    readline = text.readline
    values = _JsonValues(name)
    line = 0
    while True:
        try:
            raw = readline(MAX_JSON_LINE + 1)
        except _UNREADABLE as exc:
            raise unreadable(name, line, exc, mapping.encoding) from None
        if not raw:
            return
        line += 1
        if len(raw) > MAX_JSON_LINE:
            raise IssueError(
                f"{name} line {line}: the line is longer than {MAX_JSON_LINE:,} characters; "
                "a JSON Lines log holds one row, a flat JSON object, per line",
                value=name,
            )
        if line == 1 and raw.startswith("\ufeff"):
            raw = raw[1:]  # a UTF-8 byte-order mark
        if not raw.strip():
            continue
        obj = _json_object(raw, name, line)
        yield (line, *(values.of(obj, key, column, line) for key, column in keys))


def _json_object(raw: str, name: str, line: int) -> dict[str, Any]:
    """The JSON object on *line*, or a located error (bad JSON, too deep, a huge number)."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise IssueError(
            f"{name} line {line}: not valid JSON ({exc.msg})", value=shown_value(raw)
        ) from None
    except RecursionError:
        raise IssueError(
            f"{name} line {line}: the JSON is nested too deeply to read; a row is a flat "
            "JSON object",
            value=shown_value(raw),
        ) from None
    except ValueError:  # int(): a number over sys.get_int_max_str_digits() digits
        raise IssueError(
            f"{name} line {line}: not valid JSON (a number has more digits than Python "
            "reads, 4,300)",
            value=shown_value(raw),
        ) from None
    if not isinstance(obj, dict):
        raise IssueError(
            f"{name} line {line}: expected a JSON object, got {shown_value(raw.strip())!r}",
            value=shown_value(raw),
        )
    return obj


class _JsonValues:
    """The text of each mapped value of a JSON row; the JSON type of the issue ids."""

    __slots__ = ("id_line", "id_type", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.id_type: type | None = None
        self.id_line = 0

    def of(self, obj: dict[str, Any], key: str, column: str | None, line: int) -> str:
        """The value of *column* in *obj* as text ("" when absent, empty or null)."""
        if column is None:
            return ""
        value = obj.get(column, _ABSENT)
        if value.__class__ is str:
            if key == "issue":
                self.issue_type(str, value, column, line)
            return value
        if value is _ABSENT or value is None:
            if value is _ABSENT and key in REQUIRED_COLUMNS:
                raise PolicyError(
                    f"the key {column!r} (columns.{key}) is missing; the keys are "
                    f"{shown_value(list(obj))}",
                    where=f"{self.name} line {line}",
                    value=column,
                    suggestion=did_you_mean(column, list(obj)[:1000]),
                )
            return ""
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int | float):
            text = str(value)
        else:
            kind = "an array" if isinstance(value, list) else "an object"
            raise IssueError(
                f"{self.name} line {line}, key {column!r}: expected a string or a number, "
                f"got {kind}",
                value=column,
            )
        if key == "issue":
            self.issue_type(value.__class__, value, column, line)
        return text

    def issue_type(self, kind: type, value: object, column: str, line: int) -> None:
        """Refuse an id of another JSON type than the first id's (``1`` and ``"1"`` would
        be read as one issue), and an id that is not a string or a whole number."""
        if kind is self.id_type:
            return
        where = f"{self.name} line {line}, key {column!r}"
        if kind is not str and kind is not int:
            raise IssueError(
                f"{where}: an issue id must be a string or a whole number, got {json.dumps(value)}",
                value=shown_value(value),
            )
        if self.id_type is None:
            self.id_type, self.id_line = kind, line
            return
        raise IssueError(
            f"{where}: the issue id {value!r} is a JSON {_JSON_TYPE[kind]}, but the ids "
            f"before it are {_JSON_TYPE[self.id_type]}s (from line {self.id_line}); write "
            'every id the same way, as "1" or as 1 (they would be read as the same issue)',
            value=value,
        )


_ABSENT: Final = object()

_JSON_TYPE: Final = {str: "string", int: "number"}
