"""The rows of an event log in XES (IEEE 1849), the process-mining standard of the BPI logs.

Each ``<trace>`` is one issue and each ``<event>`` in it one row. The row's values are the
event's attributes, its child elements ``<string key="..." value="..."/>`` (and ``<date>``,
``<int>``, ``<float>``, ``<boolean>``, ``<id>``) by their keys, e.g. ``time:timestamp``; the
trace's own attributes are there too, by their keys prefixed ``case:``, e.g.
``case:concept:name`` for the case id. So a `LogMapping` names XES keys as it names CSV
columns, and the rows are the ones the CSV reader makes of the same data.

The document is streamed with `xml.etree.ElementTree.iterparse`: each trace is dropped
once its rows are made, so memory holds one trace however long the log. It is untrusted
input: a document type declaration (``<!DOCTYPE``, which is where entities are declared)
is refused, and a malformed document is an `IssueError` at its line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Final
from xml.etree.ElementTree import Element, ParseError, iterparse

from .._exceptions import IssueError, PolicyError
from .._suggest import did_you_mean
from .logmapping import REQUIRED_COLUMNS, LogMapping, shown_value
from .logrows import _UNREADABLE, Row, unreadable

#: The prefix of a trace's attributes among an event's keys: ``case:concept:name``.
CASE_PREFIX: Final = "case:"

#: The most characters read and parsed at a time (a line, unless it is longer).
_CHUNK: Final = 1 << 16

#: The XES attribute elements whose ``value`` a row can hold.
_VALUE_TAGS: Final = frozenset({"string", "date", "int", "float", "boolean", "id"})

_MARKERS: Final = ("<!DOCTYPE", "<!ENTITY")


class _Lines:
    """The text of a log, read a line at a time so that the parser's events know their
    line; it refuses a document type declaration before the root element."""

    __slots__ = ("encoding", "line", "name", "prolog", "tail", "text")

    def __init__(self, text: IO[str], name: str, encoding: str) -> None:
        self.text = text
        self.name = name
        self.encoding = encoding
        self.line = 0  # the line the last chunk read starts on
        self.prolog = True  # before the root element: where a DOCTYPE would be
        self.tail = "\n"  # the end of the text before the last chunk

    def read(self, size: int = -1) -> str:
        self.line += self.tail.endswith("\n")
        try:
            chunk = self.text.readline(_CHUNK)
        except _UNREADABLE as exc:
            raise unreadable(self.name, self.line - 1, exc, self.encoding) from None
        if self.prolog:
            seen = self.tail[-16:] + chunk
            if any(marker in seen for marker in _MARKERS):
                raise IssueError(
                    f"{self.name} line {self.line}: the XES document has a document type "
                    "declaration (<!DOCTYPE or <!ENTITY); an event log is read without one, "
                    "as it could declare entities that expand without bound",
                    value=self.name,
                )
        self.tail = chunk or self.tail
        return chunk


def _local(tag: str) -> str:
    """The tag without its namespace: ``{http://www.xes-standard.org/}event`` is ``event``."""
    return tag.rsplit("}", 1)[-1]


def _attributes(element: Element, prefix: str = "") -> dict[str, str]:
    """The values of *element*'s attribute children by key (with *prefix*)."""
    values: dict[str, str] = {}
    for child in element:
        key = child.get("key")
        value = child.get("value")
        if key is not None and value is not None and _local(child.tag) in _VALUE_TAGS:
            values[prefix + key] = value
    return values


def xes_rows(text: IO[str], name: str, mapping: LogMapping) -> Iterator[Row]:
    """The rows of the XES log *text* (named *name*), one per event, trace by trace."""
    keys = [(key, mapping.columns().get(key)) for key in mapping.row_keys()]
    lines = _Lines(text, name, mapping.encoding)
    parents: list[Element] = []
    events: list[tuple[int, Element]] = []  # the current trace's events, with their lines
    try:
        for kind, element in iterparse(lines, events=("start", "end")):
            tag = _local(element.tag)
            if kind == "start":
                lines.prolog = False
                if tag == "event" and parents and _local(parents[-1].tag) == "trace":
                    events.append((lines.line, element))
                parents.append(element)
                continue
            parents.pop()
            if tag == "trace":
                case = _attributes(element, CASE_PREFIX)
                for line, event in events:
                    yield _row(line, {**case, **_attributes(event)}, keys, name)
                events.clear()
                element.clear()
                if parents:
                    parents[-1].remove(element)
            elif tag == "event" and parents and _local(parents[-1].tag) == "log":
                element.clear()  # an event outside any trace belongs to no issue
                parents[-1].remove(element)
    except ParseError as exc:
        line = exc.position[0] if exc.position else lines.line
        reason = str(exc).split(":", 1)[0]
        raise IssueError(
            f"{name} line {line}: not a well-formed XES (XML) document ({reason})",
            value=name,
        ) from None


def _row(line: int, values: dict[str, str], keys: list[tuple[str, str | None]], name: str) -> Row:
    """The row of an event's *values*: "" for a key the mapping or the event lacks."""
    row: list[str] = []
    for key, column in keys:
        if column is None:
            row.append("")
            continue
        value = values.get(column)
        if value is None:
            if key in REQUIRED_COLUMNS:
                raise PolicyError(
                    f"the key {column!r} (columns.{key}) is missing from the event; its keys "
                    f"are {shown_value(sorted(values))} (a trace's own keys start with "
                    f"{CASE_PREFIX!r})",
                    where=f"{name} line {line}",
                    value=column,
                    suggestion=did_you_mean(column, sorted(values)[:1000]),
                )
            value = ""
        row.append(value)
    return (line, *row)
