"""Checking the shapes and values of a policy's dict form, each error placed in the text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from .._conditions.condition import Condition
from .._durations import parse_duration
from .._exceptions import PolicyError, PolicySyntaxError
from .._language.functions import functions
from .._language.parser import parse_condition
from .._suggest import did_you_mean
from .locator import Locator, Path_, dotted


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
        # Where each rule and level came from, to place policy-level errors.
        self._rule_paths: dict[str, tuple[Path_, object]] = {}
        self._level_ids: list[tuple[str, object]] = []

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
        """The complaint *message* about *path*; *where* is the place the model named, if any."""
        if where and where not in (dotted(path), dotted(path[:2])):
            message = f"{where}: {message}"
        if self.locator is None:
            return PolicyError(
                message,
                where=f"{self.source}, {dotted(path)}",
                value=value,
                suggestion=suggestion,
            )
        line, column = self.locator.find(path)
        return PolicySyntaxError(
            f"{dotted(path)}: {message}",
            source=self.source,
            line=line,
            column=column,
            line_text=self.locator.line(line),
            value=value,
            suggestion=suggestion,
            expected=expected,
        )

    def wrap(self, path: Path_, exc: PolicyError) -> PolicyError:
        if isinstance(exc, PolicySyntaxError):
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
                    suggestion=did_you_mean(str(key), keys),
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
        return value

    def strings(self, value: object, path: Path_) -> list[str]:
        if not isinstance(value, list):
            raise self.error(
                path, f"expected a list, got {kind_of_value(value)}", value=value, expected="a list"
            )
        return [self.string(v, (*path, i)) for i, v in enumerate(value)]

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
        line, column, file_text = 1, 1, None
        if self.locator is not None:
            line, column, file_text = self._condition_place(value, path, self.locator)
        try:
            return parse_condition(
                value,
                source=self.source,
                line=line if self.locator else 1,
                column=column if self.locator else 1,
                file_text=file_text,
                functions=functions(business_clock=self.business_clock),
            )
        except PolicySyntaxError as exc:
            if self.locator is None:
                raise self.error(
                    path, exc.message, value=exc.value, suggestion=exc.suggestion
                ) from None
            raise
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

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


def kind_of_value(value: object) -> str:
    names = {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__) + (
        f" {value!r}" if isinstance(value, str | int | float) else ""
    )
