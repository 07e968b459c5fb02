"""The escalation matrix: per row (a value of one field, or a condition) and per level, who
owns the issue there and how long it may stay before it moves on.

A matrix is one rule that compiles to the rules it stands for. For the row and the level
that apply, the cell's ``owner`` is a route (as `route` gives: a `Route`, with no effect
once the issue is with that team) and its ``window`` an escalation to the next level once
the window has passed since the issue entered the level (as ``escalate(at=after(window))``
gives). Both happen once per entry into the level (``Anchor.LEVEL_ENTERED``): an issue the
host moves back down to a level is routed to that level's owner again.

Which row applies: the condition rows first, in order, then the row keyed by the value of
the field ``by`` (one dict lookup; a value that is missing, or of another type than the
string keys, matches no keyed row), else the default row ``"*"``. The first row that matches
applies, and only it: a level the row leaves out is a level where the matrix does nothing
for that row (no route, no move-on), whatever later rows say. A window at the policy's top
level has nowhere to go and does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import attrs

from .._conditions.condition import Condition
from .._conditions.paths import MISSING, field_getter, validate_path
from .._durations import require_duration, words
from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .._model.actions import Escalate, Route
from .._model.anchors import ANCHOR_SLOT, Anchor
from .._suggest import did_you_mean
from .._time.clocks import WallClock
from .._time.conditions import check_calendar
from .base import (
    NEXT,
    Checker,
    CheckResult,
    Outcome,
    as_outcome,
    condition_defaults,
    escalation_to,
    rule_name,
)
from .timed import After

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._engine.policy import Policy
    from .._model.issue import Issue

DEFAULT_ROW: Final = "*"
"""The key of the default row: it applies to every issue no earlier row matched (last)."""

_ONCE: Final = Anchor.LEVEL_ENTERED
_TIMES: Final = " \N{MULTIPLICATION SIGN} "  # between a row and a level: "billing by L1"
_SLOT: Final = ANCHOR_SLOT[_ONCE]


def _owner(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return value
    raise PolicyError(f"a cell's owner must be a team name or None, got {value!r}", value=value)


def _window(value: object) -> timedelta | None:
    return None if value is None else require_duration(value, "a cell's window")


@attrs.frozen
class Cell:
    """One cell of a matrix: who holds the issue at this level, and for how long.

    Attributes:
        owner: the team the issue is routed to at this level (``None``: no routing).
        window: how long the issue may stay at this level before it moves on to the next
            (``None``: it does not move on).
    """

    owner: str | None = attrs.field(default=None, converter=_owner)
    window: timedelta | None = attrs.field(default=None, converter=_window)

    def __attrs_post_init__(self) -> None:
        if self.owner is None and self.window is None:
            raise PolicyError(
                "a cell needs an owner, a window or both (leave the level out of the row "
                "for nothing at that level)"
            )


def cell(owner: str | None = None, window: timedelta | None = None) -> Cell:
    """A matrix cell: route to *owner* at this level; move on after *window* at it."""
    return Cell(owner, window)


def _cells(value: object) -> FrozenDict[Cell]:
    if not isinstance(value, Mapping):
        raise PolicyError(
            f"a row's cells are a mapping of level id -> cell(...), got {value!r}", value=value
        )
    for level, one in value.items():
        if not isinstance(level, str) or not level:
            raise PolicyError(f"a row's columns are level ids, got {level!r}", value=level)
        if not isinstance(one, Cell):
            raise PolicyError(
                f"the cell at {level!r} must be cell(owner, window), got {one!r}", value=one
            )
    if not value:
        raise PolicyError("a row needs at least one cell (leave the row out instead)")
    return FrozenDict(value)


def _key(value: object) -> str | Condition:
    if isinstance(value, Condition) or (isinstance(value, str) and value):
        return value
    raise PolicyError(
        "a row is keyed by a value of the matrix's field (a non-empty string), '*' or a "
        f"condition built from F, got {value!r}",
        value=value,
    )


@attrs.frozen
class Row:
    """One row of a matrix: the issues it is for, and its cells by level id.

    Attributes:
        key: a value of the matrix's field ``by`` (``"billing"``), ``"*"`` for the default
            row, or a `Condition` (``F.tags.contains("security")``).
        cells: level id -> `Cell`; a level left out is one where the row does nothing.
        name: what reasons and action keys call a condition row (default: its condition).
    """

    key: str | Condition = attrs.field(converter=_key)
    cells: Mapping[str, Cell] = attrs.field(converter=_cells)
    name: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.name is not None:
            if not isinstance(self.key, Condition):
                raise PolicyError(
                    f"only a condition row takes a name; row {self.key!r} is named by its key",
                    value=self.name,
                )
            if not isinstance(self.name, str) or not self.name:
                raise PolicyError(f"a row's name must be a non-empty string, got {self.name!r}")
        if isinstance(self.key, Condition) and self.key.timed:
            raise PolicyError(
                f"a row's condition cannot depend on time (since, clock, is_open...): "
                f"{self.key!r}; use a time-based rule for that",
                value=self.key,
            )

    @property
    def label(self) -> str:
        """The row as reasons and action keys name it: its key, name or condition."""
        if isinstance(self.key, str):
            return self.key
        return self.name if self.name is not None else repr(self.key)


def row(key: str | Condition, cells: Mapping[str, Cell], *, name: str | None = None) -> Row:
    """A matrix row: for issues whose field is *key* (``"*"``: the rest), or that meet the
    condition *key*; *cells* maps level ids to `cell`\\ s. *name* labels a condition row."""
    return Row(key, cells, name=name)


def _rows(value: object) -> tuple[Row, ...]:
    if isinstance(value, Mapping):
        return tuple(Row(key, cells) for key, cells in value.items())
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PolicyError(
            f"a matrix's rows are a mapping of key -> cells, or a list of row(...), got {value!r}",
            value=value,
        )
    rows = tuple(value)
    for i, one in enumerate(rows):
        if not isinstance(one, Row):
            raise PolicyError(f"rows[{i}] must be row(...), got {one!r}", value=one)
    return rows


def by_field(value: object) -> str:
    """*value* checked as the field a matrix's rows are keyed by (a single-valued path)."""
    if not isinstance(value, str) or not value:
        raise PolicyError(f"'by' names an issue field, got {value!r}", value=value)
    if validate_path(value) == "set":
        raise PolicyError(
            f"'by' names {value!r}, which holds a set; rows keyed by one value cannot match "
            f"it: use condition rows, row(F.{value}.contains(...), ...)",
            value=value,
        )
    return value


def _calendar(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return value
    raise PolicyError(
        f"a matrix's calendar is the name of one of the policy's calendars, got {value!r}",
        value=value,
    )


class _Step(NamedTuple):
    """One cell compiled for one level: what it wants before and after its window."""

    #: the outcome while the window runs, or always when there is none
    waiting: CheckResult
    #: the escalation at the end of the window (``None``: it does not move on)
    escalate: Escalate | None
    window: timedelta
    #: the outcome once the window has passed
    due: CheckResult


Picker = Callable[["Issue"], int]
"""A compiled row choice: the index of the row that applies to an issue, ``-1`` for none."""


@attrs.frozen
class Matrix:
    """An escalation matrix: who owns each level per row, and when the issue moves on.

    Attributes:
        name: the rule's name.
        rows: the rows in order: condition rows first, then the rows keyed by values of
            ``by``, then the default row ``"*"``; the first that matches applies.
        by: the issue field whose value picks a keyed row (default ``"category"``).
        calendar: the policy calendar the windows count business time on (``None``: the
            policy's clock).
    """

    name: str = attrs.field(converter=rule_name)
    rows: tuple[Row, ...] = attrs.field(converter=_rows)
    by: str = attrs.field(default="category", converter=by_field, kw_only=True)
    calendar: str | None = attrs.field(default=None, converter=_calendar, kw_only=True)

    def __attrs_post_init__(self) -> None:
        where = self.where
        if not self.rows:
            raise PolicyError("a matrix needs at least one row", where=where)
        seen: set[str] = set()
        keyed = False
        for i, one in enumerate(self.rows):
            label = one.label
            if label in seen:
                raise PolicyError(f"two rows are called {label!r}", where=where, value=label)
            seen.add(label)
            if one.key == DEFAULT_ROW and i != len(self.rows) - 1:
                raise PolicyError(
                    "the default row '*' must be the last row", where=where, value=DEFAULT_ROW
                )
            if isinstance(one.key, str):
                keyed = True
            elif keyed:
                raise PolicyError(
                    f"the condition row {label!r} comes after a row keyed by {self.by}: "
                    "condition rows come first",
                    where=where,
                    value=label,
                )

    @property
    def where(self) -> str:
        return f"rule {self.name!r}"

    @property
    def default(self) -> Row | None:
        """The default row ``"*"``, if the matrix has one."""
        last = self.rows[-1]
        return last if last.key == DEFAULT_ROW else None

    def validate(self, policy: Policy) -> None:
        """Every column is a level of *policy*, and the calendar is one of its calendars.

        A row may leave levels out (it does nothing there); the linter says so (ER113).
        """
        ids = list(policy.level_positions)
        for one in self.rows:
            for level in one.cells:
                if level not in policy.level_positions:
                    raise PolicyError(
                        f"row {one.label!r} has a column {level!r}, which is not a level of "
                        f"the policy; levels are {ids}",
                        where=self.where,
                        value=level,
                        suggestion=did_you_mean(level, ids),
                    )
        if self.calendar is not None:
            check_calendar(self.calendar, policy, self.where, "counts its windows on")

    def trigger(self, window: timedelta) -> After:
        """A window as the time trigger it stands for: *window* after entering the level."""
        return After(window, _ONCE, calendar=self.calendar)

    def applies(self, issue: Issue, policy: Policy) -> Row | None:
        """The row that applies to *issue* (``None``: none does)."""
        index = self._picker(policy)(issue)
        return None if index < 0 else self.rows[index]

    def _picker(self, policy: Policy) -> Picker:
        defaults = condition_defaults(policy)
        tests = tuple(
            (i, one.key.compile(defaults))
            for i, one in enumerate(self.rows)
            if isinstance(one.key, Condition)
        )
        table = {
            one.key: i
            for i, one in enumerate(self.rows)
            if isinstance(one.key, str) and one.key != DEFAULT_ROW
        }
        default = len(self.rows) - 1 if self.default is not None else -1
        value_of = field_getter(self.by, defaults)

        def pick(issue: Issue) -> int:
            for i, test in tests:
                if test(issue):
                    return i
            value = value_of(issue)
            if value is MISSING:
                return default
            try:
                return table.get(value, default)
            except TypeError:  # an unhashable attribute value matches no key
                return default

        return pick

    def _step(self, one: Row, policy: Policy, position: int) -> _Step | None:
        """The cell of *one* at level *position*, compiled (``None``: it does nothing)."""
        level = policy.levels[position].id
        found = one.cells.get(level)
        if found is None:
            return None
        where = f"{self.name}:{one.label}:{level}"
        why = f"matrix {self.name}, {one.label}{_TIMES}{level}"
        routes: tuple[Route, ...] = ()
        if found.owner is not None:
            routes = (
                Route(
                    found.owner,
                    self.name,
                    f"{why}: route to {found.owner}",
                    key=f"{where}:route",
                ),
            )
        escalate = None
        if found.window is not None:
            trigger = self.trigger(found.window)
            moved = escalation_to(
                where, NEXT, policy, position, f"{why}: {trigger.describe()} passed"
            )
            if moved is not None:
                escalate = attrs.evolve(moved, rule=self.name)
        if not routes and escalate is None:  # a window at the top level, and no owner
            return None
        waiting: CheckResult = (bool(routes), routes, _ONCE, ())
        due: CheckResult = waiting
        if escalate is not None:
            due = (True, (*routes, escalate), _ONCE, ())
        return _Step(waiting, escalate, found.window or timedelta(0), due)

    def compile(self, policy: Policy) -> Checker:
        """The fast check: the row picked once, each cell (row by level) compiled in advance."""
        pick = self._picker(policy)
        plan = tuple(
            tuple(self._step(one, policy, pos) for pos in range(len(policy.levels)))
            for one in self.rows
        )
        clock = self.trigger(timedelta(0)).clock(policy)
        wall = type(clock) is WallClock

        def check(context: Context) -> CheckResult | None:
            index = pick(context.issue)
            if index < 0:
                return None
            step = plan[index][context.level_position]
            if step is None:
                return None
            waiting, escalate, window, due_now = step
            if escalate is None:
                return waiting
            start = context.times[_SLOT]
            if start is None:
                return waiting
            due = start + window if wall else clock.deadline(context, start, window)
            if due is None:
                return waiting
            if context.now >= due:
                return due_now
            return (waiting[0], waiting[1], _ONCE, ((due, escalate),))

        return check

    def check(self, context: Context) -> Outcome | None:
        return as_outcome(self.compile(context.policy)(context))

    def explain_detail(self, context: Context) -> tuple[str, dict[str, Any]]:
        """The cell that applies to the context's issue, as a line of text and as data
        (``{"cell": {...}}``, or ``{"cell": None}`` when no cell applies)."""
        policy, level = context.policy, context.level.id
        one = self.applies(context.issue, policy)
        head = f"matrix {self.name}"
        if one is None:
            rows = [r.label for r in self.rows]
            return (
                f"{head}: no row applies (rows {rows}, no default row '*'): nothing happens",
                {"cell": None},
            )
        found = one.cells.get(level)
        if found is None:
            return (
                f"{head}: row {one.label} has no cell at {level}: nothing happens at this level",
                {"cell": None},
            )
        text = f"{head}: row {one.label}{_TIMES}{level} \N{EM DASH} " + self.describe_cell(
            found, policy, level
        )
        data = {
            "row": one.label,
            "level": level,
            "owner": found.owner,
            "window": None if found.window is None else words(found.window),
            "window_s": None if found.window is None else found.window.total_seconds(),
            "calendar": self.calendar,
        }
        return text, {"cell": data}

    def describe_cell(self, found: Cell, policy: Policy, level: str) -> str:
        """A cell in words: ``owner billing-leads, moves on after 8 h (since ...)``."""
        owner = "no owner" if found.owner is None else f"owner {found.owner}"
        if found.window is None:
            return f"{owner}, does not move on"
        on = "" if self.calendar is None else f" on the {self.calendar} calendar"
        window = words(found.window)
        if policy.level_positions[level] == len(policy.levels) - 1:
            return f"{owner}; its window {window}{on} has nowhere to go (the top level)"
        return f"{owner}, moves on after {window}{on} (since {_ONCE.value})"


def matrix(
    name: str,
    rows: Mapping[str, Mapping[str, Cell]] | Iterable[Row],
    *,
    by: str = "category",
    calendar: str | None = None,
) -> Matrix:
    """An escalation matrix: for each row (a value of the field *by*, ``"*"`` for the rest,
    or a condition given with `row`) and level, the `cell` that says who owns the issue
    there and after how long it moves on. *calendar* counts the windows as business time
    on that policy calendar.
    """
    return Matrix(name, rows, by=by, calendar=calendar)
