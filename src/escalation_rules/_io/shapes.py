"""Checking the shapes and values of a policy's dict form, each error placed in the text."""

from __future__ import annotations

import reprlib
import weakref
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from .._conditions.condition import Condition
from .._durations import parse_duration
from .._exceptions import PolicyError, PolicySyntaxError
from .._language.functions import functions
from .._language.parser import parse_condition
from .._model.levels import OnCall, Recipient
from .._suggest import did_you_mean
from .locator import Locator, Path_, dotted

_FUNCTIONS: Final = {clock: functions(business_clock=clock) for clock in (False, True)}

MAX_INTEGER: Final = 2**63 - 1
"""The largest integer a policy may hold (TOML's integers are 64-bit): ranks, repeats, years."""


class Shapes:
    """Reads values of the dict form: tables, strings, durations, conditions.

    Every mistake becomes a located error: a `PolicySyntaxError` with line and column
    when there is TOML text, else a `PolicyError` naming the source and the JSON path.
    """

    def __init__(self, source: str, locator: Locator | None) -> None:
        self.source = source
        self.locator = locator
        self.rule_count = 0
        self.business_clock = False
        # Whether a calendar can apply to an SLA target: "8h business" needs one.
        self.calendar_in_effect = True
        self.calendar_names: list[str] = []
        # Where each rule and level came from, to place policy-level errors.
        self._rule_paths: dict[str, tuple[Path_, object]] = {}
        self._level_ids: list[tuple[str, object]] = []
        self._sla_specs: list[object] = []
        self._targets_spec: object = {}
        # The errors made here: already placed, so never wrapped in a second place.
        self._placed: weakref.WeakSet[PolicyError] = weakref.WeakSet()

    # errors ----------------------------------------------------------------------------------

    def error(
        self,
        path: Path_,
        message: str,
        *,
        value: object = None,
        suggestion: str | None = None,
        expected: str | None = None,
        where: str | None = None,
    ) -> PolicyError:
        """The complaint *message* about *path*; *where* is the place the model named, if any
        (left out when *path* says it already, as ``calendars.o.tz`` says ``tz``)."""
        if where and where not in _tails(path):
            message = f"{where}: {message}"
        error: PolicyError
        if self.locator is None:
            error = PolicyError(
                message,
                where=f"{self.source}, {dotted(path)}",
                value=value,
                suggestion=suggestion,
            )
        else:
            line, column = self.locator.find(path)
            error = PolicySyntaxError(
                f"{dotted(path)}: {message}",
                source=self.source,
                line=line,
                column=column,
                line_text=self.locator.line(line),
                value=value,
                suggestion=suggestion,
                expected=expected,
            )
        self._placed.add(error)
        return error

    def wrap(self, path: Path_, exc: PolicyError) -> PolicyError:
        """*exc* placed at *path*, unless it has its place already."""
        if isinstance(exc, PolicySyntaxError) or exc in self._placed:
            return exc
        return self.error(
            path, exc.message, where=exc.where, value=exc.value, suggestion=exc.suggestion
        )

    # shapes ----------------------------------------------------------------------------------

    def table(self, value: object, path: Path_, keys: Mapping[str, bool]) -> dict[str, Any]:
        """Check *value* is a table whose keys are among *keys* (True: required)."""
        value = self.mapping(value, path)
        for key in value:
            if key not in keys:
                raise self.error(
                    (*path, key),
                    f"unknown key {key!r}; expected one of {sorted(keys)}",
                    value=key,
                    suggestion=did_you_mean(key, keys),
                )
        for key, required in keys.items():
            if required and key not in value:
                raise self.error(path, f"missing the key {key!r}", expected=repr(key))
        return dict(value)

    def mapping(self, value: object, path: Path_) -> dict[str, Any]:
        """Check *value* is a table with any keys (names chosen by the author)."""
        if not isinstance(value, Mapping):
            raise self.error(
                path,
                f"expected a table, got {kind_of_value(value)}",
                value=value,
                expected="a table",
            )
        for key in value:
            if not isinstance(key, str):
                raise self.error(
                    path,
                    f"the keys of a table are strings, got {kind_of_value(key)}",
                    value=key,
                    expected="a string key",
                )
        return dict(value)

    def string(self, value: object, path: Path_) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(
                path,
                f"expected a non-empty string, got {kind_of_value(value)}",
                value=value,
                expected="a string",
            )
        return value

    def integer(self, value: object, path: Path_) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(
                path,
                f"expected an integer, got {kind_of_value(value)}",
                value=value,
                expected="an integer",
            )
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            raise self.error(
                path,
                f"{kind_of_value(value)} is beyond a 64-bit integer (at most {MAX_INTEGER:,})",
                value=value,
                expected="an integer",
            )
        return value

    def optional_string(self, value: object, path: Path_) -> str | None:
        return None if value is None else self.string(value, path)

    def strings(self, value: object, path: Path_) -> list[str]:
        if not isinstance(value, list):
            raise self.error(
                path, f"expected a list, got {kind_of_value(value)}", value=value, expected="a list"
            )
        return [self.string(v, (*path, i)) for i, v in enumerate(value)]

    def recipients(self, value: object, path: Path_) -> str | tuple[Recipient, ...]:
        """Who a level or a notification reaches: ``"frontline"``, ``{ schedule = "primary" }``
        or a list of them (`OnCall` for a schedule)."""
        if isinstance(value, str):
            return self.string(value, path)
        items = value if isinstance(value, list) else [value]
        if not items:
            raise self.error(path, "expected a name or a non-empty list of names", value=value)
        out: list[Recipient] = []
        for i, item in enumerate(items):
            where = (*path, i) if isinstance(value, list) else path
            if isinstance(item, Mapping):
                t = self.table(item, where, {"schedule": True})
                out.append(OnCall(self.string(t["schedule"], (*where, "schedule"))))
            elif isinstance(item, str):
                out.append(self.string(item, where))
            else:
                raise self.error(
                    where,
                    f'expected a name or {{ schedule = "..." }}, got {kind_of_value(item)}',
                    value=item,
                    expected="a recipient",
                )
        twice = next((r for i, r in enumerate(out) if r in out[:i]), None)
        if twice is not None:
            raise self.error(path, f"lists the recipient {twice!r} twice", value=value)
        return tuple(out)

    # values ----------------------------------------------------------------------------------

    def duration(
        self, value: object, path: Path_, *, business: bool | None, sla_offset: bool = False
    ) -> timedelta:
        """A duration; *business* says whether it must (True) or must not (False) say so.

        *sla_offset*: it counts in an SLA clock's own time (which says nothing in text).
        """
        if not isinstance(value, str):
            raise self.error(
                path,
                f'expected a duration such as "8h", got {kind_of_value(value)}',
                value=value,
                expected="a duration",
            )
        try:
            amount, is_business = parse_duration(value)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
        if business is True and not is_business:
            raise self.error(
                path,
                f"the policy's clock counts business time, so write {value!r} as "
                f"'{value} business'",
                value=value,
            )
        if business is False and is_business:
            raise self.error(
                path,
                f"{value!r} says business time, but this is counted on "
                + (
                    "the SLA clock's own time; write it without 'business'"
                    if sla_offset
                    else "the wall clock (give the policy a business clock: [policy] clock = NAME)"
                ),
                value=value,
            )
        return amount

    def condition(self, value: object, path: Path_) -> Condition:
        if not isinstance(value, str):
            raise self.error(
                path,
                f"expected a condition in quotes, got {kind_of_value(value)}",
                value=value,
                expected="a condition",
            )
        names = _FUNCTIONS[self.business_clock]
        try:
            return parse_condition(value, source=self.source, functions=names)
        except PolicySyntaxError as exc:
            if self.locator is None:
                raise self.error(
                    path, exc.message, value=exc.value, suggestion=exc.suggestion
                ) from None
            first = exc
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
        # Placed in the file only now, parsing again: a policy that loads is never scanned.
        line, column, file_text = self._condition_place(value, path, self.locator)
        parse_condition(
            value,
            source=self.source,
            line=line,
            column=column,
            file_text=file_text,
            functions=names,
        )
        raise first  # pragma: no cover - the same text fails the same way

    @staticmethod
    def _condition_place(value: str, path: Path_, locator: Locator) -> tuple[int, int, str | None]:
        """Where the condition's text starts (inside its quotes), and the file text if found."""
        line, column = locator.find(path)
        raw = locator.line(line)[column - 1 :]
        for quote in ('"""', "'''", '"', "'"):
            if raw.startswith(quote):
                column += len(quote)
                if len(quote) == 3 and not raw[3:].strip():
                    line, column = line + 1, 1
                break
        body = locator.line(line)[column - 1 :]
        file_text = locator.text if body.startswith(value.split("\n", 1)[0]) else None
        return line, column, file_text


def _tails(path: Path_) -> set[str]:
    """The ways a model's ``where`` may name *path*: its end (``tz``, ``hours.mon``) or its
    start (``targets`` for ``targets.resolution``)."""
    return {dotted(path[i:]) for i in range(len(path))} | {dotted(path[:1]), dotted(path[:2])}


_KINDS: Final = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    list: "a list",
    dict: "a table",
    date: "a date",
    datetime: "a date and time",
    time: "a time",
}


def kind_of_value(value: object) -> str:
    """*value* as a message names it: ``a string 'x'``, ``a list``, ``a date 2026-01-01``."""
    if isinstance(value, date | time):
        return f"{_KINDS[type(value)]} {value.isoformat()}"
    return _KINDS.get(type(value), type(value).__name__) + (
        f" {shown(value)}" if isinstance(value, str | int | float) else ""
    )


class _Shown(reprlib.Repr):
    """`repr` cut to a message's size: bounded in depth, length and digits."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxdict, self.maxtuple = 2, 4, 4, 4
        self.maxstring, self.maxother, self.maxlong = 60, 60, 40

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:  # repr() of a huge int is slow, and refused past 4,300 digits
            return f"<an integer of about {int(x.bit_length() * 0.30103) + 1:,} digits>"
        return super().repr_int(x, level)


_SHOWN: Final = _Shown()


def shown(value: object) -> str:
    """*value* as an error message quotes it: its ``repr``, cut to about 60 characters, safe
    for any depth (a 100,000-deep list) and any size (an integer of a million digits)."""
    return _SHOWN.repr(value)
