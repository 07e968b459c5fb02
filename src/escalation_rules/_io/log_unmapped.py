"""What a log mapping does not know: the values of a log that no map takes, counted and
reported (or refused, when the log is read strictly)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs

from .._exceptions import IssueError
from .._model.events import Status
from .._suggest import did_you_mean

if TYPE_CHECKING:
    from .logmapping import LogMapping

#: The reader reports up to this many different unmapped values; one more is an error
#: (the column is likely the wrong one), which keeps its memory bounded.
MAX_UNMAPPED: Final = 1_000

NO_VALUE: Final = "no value"


@attrs.frozen
class UnmappedValue:
    """A value of an event log that the mapping does not know, and what the reader did.

    A status listed under none of ``open``, ``pending``, ``resolved`` and ``closed`` is
    counted as open; a value that a value map (``[priorities]``, ``[levels]``,
    ``[values.KEY]``) does not take, or a satisfaction that is not a number, is read as no
    value.

    Attributes:
        field: the mapping key of the value: ``"status"``, ``"priority"``, ``"level"``,
            ``"satisfaction"``, ``"attributes.made_sla"``, ...
        column: the log's column, ``"Status"``, or ``"Status/Sub Status"`` with a sub-status.
        value: the log's value, e.g. ``"Done"`` or ``"Completed/Done"``.
        rows: how many rows hold it.
        source: the log's name.
        line: the first line that holds it.
        counted_as: what the reader took it for, ``"open"`` or ``"no value"``.
        suggestion: the closest value the mapping lists, when one is close.
    """

    field: str
    column: str
    value: str
    rows: int
    source: str
    line: int
    counted_as: str
    suggestion: str | None = None

    @property
    def where(self) -> str:
        """``"FILE line N"``: the first row with the value."""
        return f"{self.source} line {self.line}"

    @property
    def message(self) -> str:
        """What happened, without the place and the suggestion."""
        rows = "1 row" if self.rows == 1 else f"{self.rows:,} rows"
        problem, remedy = _parts(self.field)
        guess = "counted" if self.field == "status" else "read"
        return (
            f"the {self.field} {shown_value(self.value)!r} ({rows}) {problem} and was "
            f"{guess} as {self.counted_as}{remedy}"
        )

    @property
    def refusal(self) -> str:
        """What a strict reader says of the value, without the place and the suggestion."""
        problem, remedy = _parts(self.field)
        guess = "counted" if self.field == "status" else "read"
        return (
            f"the {self.field} {shown_value(self.value)!r} {problem} (read strictly, it is "
            f"refused rather than {guess} as {self.counted_as}){remedy}"
        )

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return f"{self.where}, column {self.column!r}: {self.message}{hint}"

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data: the attributes, and the ``message``."""
        data: dict[str, object] = attrs.asdict(self)
        data["message"] = str(self)
        return data


def _parts(field: str) -> tuple[str, str]:
    """What is wrong with an unmapped value of *field*, and how to map it (after "; ")."""
    if field == "status":
        return (
            "is listed nowhere in the mapping's [statuses]",
            "; list it under statuses.open, pending, resolved or closed",
        )
    if field == "satisfaction":
        return "is not a number (after the value map)", ""
    table = {"priority": "[priorities]", "level": "[levels]"}.get(field, f"[values.{field}]")
    return f"is not in the mapping's {table}", "; add it (or a range, a pattern or '*')"


def _empty() -> dict[tuple[str, str], list[int]]:
    return {}


class Unmapped:
    """The log values the mapping does not know: how many rows hold each, and the first
    (the event log reader counts them). Refused at once when strict."""

    __slots__ = ("mapping", "name", "rows", "strict")

    def __init__(self, mapping: LogMapping, strict: bool) -> None:
        self.mapping = mapping
        self.strict = strict
        self.name = "log"
        # (field, value) -> [rows, first line]; the reader counts a status it has seen
        # before inline (a status listed nowhere can be most rows).
        self.rows = _empty()

    def column(self, field: str) -> str:
        """The log's column of *field* (``"Status/Sub Status"`` with a sub-status)."""
        if field == "status" and self.mapping.sub_status is not None:
            return f"{self.mapping.status}/{self.mapping.sub_status}"
        return self.mapping.columns().get(field, field)

    def count(self, raw: str, line: int, field: str = "status") -> None:
        """Count a row whose *field* has the unmapped value *raw*; refuse it when strict."""
        key = (field, raw)
        seen = self.rows.get(key)
        if seen is not None:
            seen[0] += 1
            return
        if self.strict:
            found = self.found(key, 1, line)
            raise IssueError(
                found.refusal,
                where=f"{found.where}, column {found.column!r}",
                value=raw,
                suggestion=found.suggestion,
            )
        if len(self.rows) >= MAX_UNMAPPED:
            raise IssueError(
                f"more than {MAX_UNMAPPED:,} different values are not in the mapping; is "
                f"columns.{field} ({self.column(field)!r}) the right column?",
                where=f"{self.name} line {line}, column {self.column(field)!r}",
                value=raw,
            )
        self.rows[key] = [1, line]

    def found(self, key: tuple[str, str], rows: int, line: int) -> UnmappedValue:
        """The `UnmappedValue` of (field, value) *key*: its *rows*, from *line* on."""
        field, raw = key
        listed = self.mapping.known_values(field)
        return UnmappedValue(
            field=field,
            column=self.column(field),
            value=raw,
            rows=rows,
            source=self.name,
            line=line,
            counted_as=Status.OPEN.value if field == "status" else NO_VALUE,
            suggestion=did_you_mean(raw, listed) if listed else None,
        )

    def warnings(self) -> tuple[UnmappedValue, ...]:
        """An `UnmappedValue` per value counted, in the order of their first rows."""
        found = [self.found(key, rows, line) for key, (rows, line) in self.rows.items()]
        return tuple(sorted(found, key=lambda value: value.line))


def shown_value(value: object, limit: int = 80) -> object:
    """*value* for a message: a long text or list cut to *limit* characters or items."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "..."
    if isinstance(value, list) and len(value) > limit:
        return [*value[:limit], "..."]
    return value
