"""The CSV record reader gives exactly what `csv.reader` gives, on any text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules._io.csv_records import CsvRecords, plain_fields

# Fields and lines made of the characters that matter to a CSV reader.
_TEXT = st.text(alphabet=["a", "b", " ", ",", ";", '"', "\r", "\n", "\0", "é"], max_size=60)


def _stream(text: str, newline: str) -> io.TextIOWrapper:
    """*text* read back as from a file opened with *newline* (a `StringIO` would translate
    the line ends it is given, and never hold a newline inside a line split at ``\\r``)."""
    return io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8", newline=newline)


def _records(records: Iterator[list[str]], reader: Any) -> list[object]:
    """The records, each with the reader's line count, then its error (if any)."""
    out: list[object] = []
    try:
        for fields in records:
            out.append((fields, reader.line_num))
    except csv.Error as exc:
        out.append((str(exc), reader.line_num))
    return out


def _expected(text: str, delimiter: str, newline: str = "") -> list[object]:
    reader = csv.reader(_stream(text, newline), delimiter=delimiter)
    return _records(reader, reader)


def _actual(text: str, delimiter: str, newline: str = "") -> list[object]:
    """What `csv_rows` reads: each line, split here when the reader says it is plain."""
    # A stream opened with newline="" has no line end inside a line: none is looked for.
    reader = CsvRecords(_stream(text, newline), delimiter, whole_lines=newline == "")
    records = (
        plain_fields(line, delimiter) if fields is None else fields
        for line, fields in reader.lines()
    )
    return _records(records, reader)


@given(
    _TEXT,
    st.sampled_from([",", ";", " ", '"', "\0", "\t", "\r", "\n"]),
    st.sampled_from(["", "\n", "\r", "\r\n"]),
)
@settings(max_examples=600)
def test_same_records_lines_and_errors_as_csv_reader(
    text: str, delimiter: str, newline: str
) -> None:
    """On a stream that splits lines at every kind of line end, and on those that split
    them at one kind only (another inside a line is the csv module's error)."""
    assert _actual(text, delimiter, newline) == _expected(text, delimiter, newline)


@given(st.lists(st.lists(st.text(max_size=8), max_size=5), max_size=8))
def test_written_rows_read_back(rows: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    text = out.getvalue()
    assert _actual(text, ",") == _expected(text, ",")


@pytest.mark.parametrize(
    "text",
    [
        "a,b\r\nc,d\r\n",
        "a,b\rc,d\r",
        'a,"b\nc",d\ne,f\n',
        '"a\r\n\r\nb",c\nx,y',
        "a,b\n\n\r\nc\n",
        'a,"b',
        "a\0b,c\n",
        'a,b"c,d\n',
        "a\rb,c\nd,e\r\n",
        "a,x\ny\r\nb,c\r\n",
        "a,x\ny\rb,c\r",
    ],
)
def test_line_endings_quotes_and_blank_lines(text: str) -> None:
    for newline in ("", "\n", "\r", "\r\n"):
        assert _actual(text, ",", newline) == _expected(text, ",", newline)


@pytest.mark.parametrize("size", [9, 10, 11, 12])
def test_a_field_at_the_csv_limit_and_just_over(size: int) -> None:
    limit = csv.field_size_limit(10)
    try:
        for text in ("x" * size + "\n", "a," + "x" * size + "\r\nb,c\n", "x" * size):
            assert _actual(text, ",") == _expected(text, ",")
    finally:
        csv.field_size_limit(limit)


def test_a_field_over_the_csv_limit_is_the_csv_modules_error() -> None:
    limit = csv.field_size_limit()
    text = "a,b\n" + "x" * (limit + 1) + ",c\nd,e\n"
    assert _actual(text, ",") == _expected(text, ",")
    assert "field larger than field limit" in str(_actual(text, ",")[1])


def test_a_callers_stream_with_a_newline_inside_a_line_is_refused_as_csv_refuses_it() -> None:
    from escalation_rules import IssueError, LogMapping, read_log

    mapping = LogMapping.from_dict(
        {"format": "csv", "columns": {"issue": "id", "timestamp": "when", "status": "state"}}
    )
    data = b"id,when,state\r\nA,2026-03-02T09:00:00Z,Open\nB\r\n"
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="\r\n")
    with pytest.raises(IssueError, match="line 2: cannot read the log: new-line character"):
        list(read_log(text, mapping))
