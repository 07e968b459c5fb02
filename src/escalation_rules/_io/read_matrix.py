"""The escalation matrix in a policy file: reading it, writing it, and its JSON Schema.

A matrix is a ``[[rules]]`` table of ``type = "matrix"``::

    [[rules]]
    name = "support"
    type = "matrix"
    by = "category"            # optional, default "category"
    calendar = "office"        # optional: the windows count business time on it

    [[rules.rows_when]]        # optional: condition rows, tried first, in order
    name = "security"          # optional: what reasons and keys call the row
    when = 'tags contains "security"'
    cells = { L1 = { owner = "security", window = "1h" } }

    [rules.rows.billing]       # rows keyed by the value of `by`, in order
    L1 = { owner = "billing-desk", window = "2h" }
    L2 = { owner = "billing-leads", window = "8h" }
    L3 = { owner = "finance-director" }

    [rules.rows."*"]           # the default row, last
    L1 = { owner = "frontline", window = "2h" }

A cell has an ``owner``, a ``window`` or both. A window is a duration on the policy's clock
(``"2h business"`` under a business clock), or business time on ``calendar`` when the
matrix names one (written ``"2h business"`` then too).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

from .._durations import format_duration, parse_duration
from .._exceptions import PolicyError
from .._language.formatter import format_condition
from .._rules.matrix import DEFAULT_ROW, Cell, Matrix, Row, by_field
from .._suggest import did_you_mean
from .._time.conditions import with_business
from .locator import Path_
from .shapes import Shapes

MATRIX_KEYS: Final[dict[str, bool]] = {
    "name": True,
    "type": True,
    "by": False,
    "calendar": False,
    "rows": False,
    "rows_when": False,
}
"""The keys of a ``type = "matrix"`` rule table (True: required)."""

_CELL_KEYS: Final = {"owner": False, "window": False}
_ROW_WHEN_KEYS: Final = {"when": True, "name": False, "cells": True}

_DURATION: Final = r"^([0-9]+[wdhms])+( business)?$"


def _cells_schema() -> dict[str, Any]:
    cell = {
        "type": "object",
        "properties": {
            "owner": {"type": "string", "minLength": 1, "description": "the team at this level"},
            "window": {
                "type": "string",
                "pattern": _DURATION,
                "description": "how long the issue may stay at this level before it moves on",
            },
        },
        "additionalProperties": False,
        "minProperties": 1,
    }
    return {
        "type": "object",
        "description": "level id -> cell",
        "additionalProperties": cell,
        "minProperties": 1,
    }


MATRIX_RULE_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "type": {"const": "matrix"},
        "by": {"type": "string", "minLength": 1, "description": "the issue field rows key on"},
        "calendar": {
            "type": "string",
            "minLength": 1,
            "description": "a calendar of the policy: the windows count its business time",
        },
        "rows": {
            "type": "object",
            "description": 'value of "by" -> its row, in order; "*" (the default row) last',
            "additionalProperties": _cells_schema(),
        },
        "rows_when": {
            "type": "array",
            "description": "condition rows, tried before the rows of 'rows'",
            "items": {
                "type": "object",
                "properties": {
                    "when": {"type": "string", "minLength": 1},
                    "name": {"type": "string", "minLength": 1},
                    "cells": _cells_schema(),
                },
                "required": ["when", "cells"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["name", "type"],
    "anyOf": [{"required": ["rows"]}, {"required": ["rows_when"]}],
    "additionalProperties": False,
}
"""The JSON Schema of a ``type = "matrix"`` rule table."""


class MatrixReader(Shapes):
    """Reads a ``type = "matrix"`` rule table, each mistake placed in the text."""

    def matrix(self, name: str, t: dict[str, Any], path: Path_) -> Matrix:
        """The matrix rule *name* from its table *t* (keys already checked)."""
        by = self.string(t.get("by", "category"), (*path, "by"))
        try:
            by_field(by)
        except PolicyError as exc:
            raise self.wrap((*path, "by"), exc) from None
        calendar = None
        if "calendar" in t:
            calendar = self.matrix_calendar(t["calendar"], (*path, "calendar"))
        if "rows" not in t and "rows_when" not in t:
            raise self.error(path, "a matrix needs rows ('rows' or 'rows_when')", expected="rows")
        rows: list[Row] = []
        if "rows_when" in t:
            items = t["rows_when"]
            if not isinstance(items, list):
                raise self.error((*path, "rows_when"), "expected a list of [[rules.rows_when]]")
            for i, spec in enumerate(items):
                rows.append(self.condition_row(spec, (*path, "rows_when", i), calendar))
        keyed = self.mapping(t.get("rows", {}), (*path, "rows"))
        for key, cells in keyed.items():
            where = (*path, "rows", key)
            if key == DEFAULT_ROW and key != list(keyed)[-1]:
                raise self.error(where, "the default row '*' must be the last row", value=key)
            rows.append(self.matrix_row(key, self.cells(cells, where, calendar), where))
        try:
            return Matrix(name, rows, by=by, calendar=calendar)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    def matrix_calendar(self, value: object, path: Path_) -> str:
        name = self.string(value, path)
        if name not in self.calendar_names:
            raise self.error(
                path,
                f"the calendar {name!r} is not one of the policy's calendars "
                f"{sorted(self.calendar_names)}",
                value=name,
                suggestion=did_you_mean(name, self.calendar_names),
            )
        return name

    def matrix_row(self, key: str, cells: dict[str, Cell], path: Path_) -> Row:
        try:
            return Row(key, cells)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    def condition_row(self, spec: object, path: Path_, calendar: str | None) -> Row:
        """One ``[[rules.rows_when]]`` table: ``when``, an optional ``name``, ``cells``."""
        t = self.table(spec, path, _ROW_WHEN_KEYS)
        when = self.condition(t["when"], (*path, "when"))
        name = self.string(t["name"], (*path, "name")) if "name" in t else None
        cells = self.cells(t["cells"], (*path, "cells"), calendar)
        try:
            return Row(when, cells, name=name)
        except PolicyError as exc:
            raise self.wrap((*path, "when"), exc) from None

    def cells(self, value: object, path: Path_, calendar: str | None) -> dict[str, Cell]:
        """A row's cells: level id -> ``{owner = ..., window = ...}``."""
        spec = self.mapping(value, path)
        if not spec:
            raise self.error(path, "a row needs at least one cell (leave the row out instead)")
        ids = [lvl_id for lvl_id, _spec in self._level_ids]
        out = {}
        for level, one in spec.items():
            where = (*path, level)
            if ids and level not in ids:
                raise self.error(
                    where,
                    f"{level!r} is not a level of the policy; levels are {ids}",
                    value=level,
                    suggestion=did_you_mean(level, ids),
                )
            out[level] = self.cell(one, where, calendar)
        return out

    def cell(self, value: object, path: Path_, calendar: str | None) -> Cell:
        t = self.table(value, path, _CELL_KEYS)
        owner = self.string(t["owner"], (*path, "owner")) if "owner" in t else None
        window = None
        if "window" in t:
            window = self.window(t["window"], (*path, "window"), calendar)
        try:
            return Cell(owner, window)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    def window(self, value: object, path: Path_, calendar: str | None) -> timedelta:
        """A cell's window: on the policy's clock, or business time on the matrix's calendar."""
        if calendar is None:
            return self.duration(value, path, business=self.business_clock)
        amount = self.duration(value, path, business=None)
        if not parse_duration(str(value))[1]:
            raise self.error(
                path,
                f"the matrix counts its windows on the calendar {calendar!r}, business time, "
                f"so write {value!r} as '{value} business'",
                value=value,
            )
        return amount


def _cells_dict(cells: Mapping[str, Cell], business: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for level, one in cells.items():
        spec: dict[str, Any] = {}
        if one.owner is not None:
            spec["owner"] = one.owner
        if one.window is not None:
            spec["window"] = format_duration(one.window, business=business)
        out[level] = spec
    return out


def matrix_dict(rule: Matrix, business: bool = False) -> dict[str, Any]:
    """*rule*'s table in the dict form, without its name (``type``, ``by``, ``rows``...).

    *business*: the policy's clock counts business time (windows say so).
    """
    out: dict[str, Any] = {"type": "matrix"}
    if rule.by != "category":
        out["by"] = rule.by
    if rule.calendar is not None:
        out["calendar"] = rule.calendar
    in_business = business or rule.calendar is not None
    conditions = []
    keyed = {}
    for one in rule.rows:
        cells = _cells_dict(one.cells, in_business)
        if isinstance(one.key, str):
            keyed[one.key] = cells
            continue
        spec: dict[str, Any] = {} if one.name is None else {"name": one.name}
        spec["when"] = format_condition(with_business(one.key, business))
        spec["cells"] = cells
        conditions.append(spec)
    if conditions:
        out["rows_when"] = conditions
    if keyed:
        out["rows"] = keyed
    return out
