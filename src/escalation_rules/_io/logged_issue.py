"""One issue as read from an event log: what `read_log` yields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from .._frozendict import FrozenDict
from .._model.events import Event, EventKind
from .._model.issue import Customer, Issue
from .logmapping import ATTRIBUTES


def _events(value: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(value)


def _lines(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


def _attributes(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return FrozenDict(value or {})


@attrs.frozen
class LoggedIssue:
    """One issue as read from an event log: its fields and the events built from its rows.

    A field's first value (on the first row that has one) is its value at creation; a later
    row with another value is an event.

    Attributes:
        id: the issue id.
        created_at: the instant of its first row (in UTC).
        priority, category: at creation, after the value map.
        level, team: where the issue was at its first row (after the value maps).
        customer, tier: the customer's id and tier (the first values).
        satisfaction: the last satisfaction score (CSAT) of its rows, a number.
        attributes: the mapped attribute columns at creation (an instant where the column
            has a format).
        events: ``CREATED`` for the first row, then in time order ``STATUS_CHANGED`` (with
            the mapped `Status`) when the status changes, ``LEVEL_CHANGED`` when the level
            changes, ``REASSIGNED`` when the team changes, ``PRIORITY_CHANGED`` when the
            priority changes, and ``FIELD_CHANGED`` when the category or an attribute
            changes. An issue starts ``open``: a first row in another status adds a
            ``STATUS_CHANGED`` at the creation instant.
        lines: the log line of each event, for messages.
        source: the log's name, for messages.
    """

    id: str
    created_at: datetime
    priority: str | None = attrs.field(default=None, kw_only=True)
    category: str | None = attrs.field(default=None, kw_only=True)
    level: str | None = attrs.field(default=None, kw_only=True)
    team: str | None = attrs.field(default=None, kw_only=True)
    customer: str | None = attrs.field(default=None, kw_only=True)
    tier: str | None = attrs.field(default=None, kw_only=True)
    satisfaction: float | None = attrs.field(default=None, kw_only=True)
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=_attributes, kw_only=True)
    events: tuple[Event, ...] = attrs.field(default=(), converter=_events, kw_only=True)
    lines: tuple[int, ...] = attrs.field(default=(), converter=_lines, kw_only=True, eq=False)
    source: str | None = attrs.field(default=None, kw_only=True, eq=False)

    def issue(self) -> Issue:
        """The `Issue` at its creation, before any event: its fields and an empty history.
        (The satisfaction is an outcome, not a field the policy reads: it is left out.)"""
        customer = Customer(id=self.customer, tier=self.tier)
        return Issue(
            self.id,
            self.created_at,
            priority=self.priority,
            category=self.category,
            level=self.level,
            team=self.team,
            customer=customer,
            attributes=self.attributes,
        )

    def value(self, key: str) -> Any:
        """The issue's last value of a mapped *key*: ``"priority"``, ``"category"``,
        ``"level"``, ``"team"``, ``"customer"``, ``"tier"``, ``"satisfaction"`` or
        ``"attributes.NAME"`` (``None`` when its rows had none): what `backtest` groups by.

        Raises:
            KeyError: *key* is none of those.
        """
        if key in ("customer", "tier", "satisfaction"):
            return getattr(self, key)
        field = _FIELDS.get(key)
        if field is None and not key.startswith(ATTRIBUTES):
            raise KeyError(key)
        for event in reversed(self.events):
            kind = event.kind
            if field is not None and kind is field[0]:
                return getattr(event, field[1])
            if kind is EventKind.FIELD_CHANGED and event.name == key:
                return event.data["value"]
        if key.startswith(ATTRIBUTES):
            return self.attributes.get(key[len(ATTRIBUTES) :])
        return getattr(self, key)

    def where(self, index: int) -> str:
        """``"FILE line N"`` for ``events[index]``, or the issue id when lines are unknown."""
        if index < len(self.lines):
            return f"{self.source or 'log'} line {self.lines[index]}"
        return f"issue {self.id!r}"


_FIELDS: Final = {
    "priority": (EventKind.PRIORITY_CHANGED, "priority"),
    "level": (EventKind.LEVEL_CHANGED, "level"),
    "team": (EventKind.REASSIGNED, "team"),
    "category": (None, "category"),
}

#: The keys `LoggedIssue.value` reads besides ``attributes.NAME``.
VALUE_KEYS: Final = ("priority", "category", "level", "team", "customer", "tier", "satisfaction")
