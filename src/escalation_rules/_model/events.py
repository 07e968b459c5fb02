"""The statuses an issue moves through, the kinds of events, and an event."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from .._exceptions import IssueError
from .._frozendict import FrozenDict
from .._instants import require_aware
from .._suggest import did_you_mean
from .actions import Action, Escalate, Route, SetPriority, SetStatus
from .names import to_enum


class Status(enum.StrEnum):
    """The four statuses the engine understands; hosts map their own onto these."""

    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    RESOLVED = "resolved"
    CLOSED = "closed"

    # Hash as the plain string (consistent with str equality, and a C call
    # rather than Enum's Python-level __hash__ on the evaluation path).
    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


CLOSED: Final = frozenset({Status.RESOLVED, Status.CLOSED})
"""The statuses in which nothing escalates and SLA clocks stop."""


class EventKind(enum.StrEnum):
    """What happened to an issue."""

    CREATED = "created"
    ACKNOWLEDGED = "acknowledged"
    AGENT_REPLY = "agent_reply"
    CUSTOMER_MESSAGE = "customer_message"
    STATUS_CHANGED = "status_changed"
    LEVEL_CHANGED = "level_changed"
    REASSIGNED = "reassigned"
    MANAGER_REQUESTED = "manager_requested"
    #: The issue's priority changed; ``priority`` is the new one.
    PRIORITY_CHANGED = "priority_changed"
    #: Another field of the issue changed: ``name`` is ``"category"``, ``"product"``,
    #: ``"language"`` or ``"attributes.KEY"``, and ``data["value"]`` the new value
    #: (``None``: no value). What a ticket's audit trail or a log column records.
    FIELD_CHANGED = "field_changed"
    #: The host carried out an action the engine decided (escalation, routing
    #: or notification); its ``action`` key makes evaluation idempotent.
    ACTION_TAKEN = "action_taken"
    CUSTOM = "custom"

    # Hash as the plain string (consistent with str equality, and a C call
    # rather than Enum's Python-level __hash__ on the evaluation path).
    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


_EMPTY: FrozenDict[Any] = FrozenDict()

# Each event kind as a module name, for the hot loops that tell events apart (building an
# event, `field_changes`, the history summary, the clock fold): on Python 3.11 reading a
# module name costs about a tenth of reading an enum member.
KIND_CREATED: Final = EventKind.CREATED
KIND_STATUS_CHANGED: Final = EventKind.STATUS_CHANGED
KIND_LEVEL_CHANGED: Final = EventKind.LEVEL_CHANGED
KIND_ACTION_TAKEN: Final = EventKind.ACTION_TAKEN
KIND_REASSIGNED: Final = EventKind.REASSIGNED
KIND_PRIORITY_CHANGED: Final = EventKind.PRIORITY_CHANGED
KIND_FIELD_CHANGED: Final = EventKind.FIELD_CHANGED
KIND_ACKNOWLEDGED: Final = EventKind.ACKNOWLEDGED
KIND_AGENT_REPLY: Final = EventKind.AGENT_REPLY
KIND_CUSTOMER_MESSAGE: Final = EventKind.CUSTOMER_MESSAGE
KIND_MANAGER_REQUESTED: Final = EventKind.MANAGER_REQUESTED


def check_texts(owner: str, names: tuple[str, ...], values: tuple[object, ...]) -> None:
    """Refuse a field of *names* whose value is neither ``None`` nor a string, as built.

    The fast path is one class test per field: models are built for every event read.
    """
    for name, value in zip(names, values, strict=True):
        if value is not None and value.__class__ is not str and not isinstance(value, str):
            raise IssueError(f"{owner}.{name} must be a string or None, got {value!r}", value=value)


MAX_NESTING: Final = 64
"""How deep mappings and lists may nest inside ``attributes`` and ``data``."""

_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


def frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy of *value*, frozen all the way down.

    Nested mappings become read-only mappings, lists and tuples become tuples, sets
    become frozensets: nothing the caller keeps can change the model, and the model
    hashes. Any other value must be hashable (a mutable object is refused).
    """
    if not value:
        return _EMPTY  # read-only, so one shared empty mapping is safe
    if value.__class__ is not dict and not isinstance(value, Mapping):
        raise IssueError(f"expected a mapping of names to values, got {value!r}", value=value)
    scalars = _SCALARS
    for item in value.values():
        if item.__class__ not in scalars:
            return _freeze(value, (), 0)  # type: ignore[no-any-return]
    return FrozenDict(value)  # the common case: flat, scalar values


def frozen_value(value: Any) -> Any:
    """*value* frozen as `frozen_mapping` freezes an entry (lists as tuples, and so on)."""
    return _freeze(value, (), 0)


def _freeze(value: Any, path: tuple[object, ...], depth: int) -> Any:
    if value.__class__ in _SCALARS:
        return value
    if depth >= MAX_NESTING:
        raise IssueError(
            f"the entry under {_path_text(path[:1])} nests more than {MAX_NESTING} levels deep",
            value=None,
        )
    if isinstance(value, Mapping):
        return FrozenDict({k: _freeze(v, (*path, k), depth + 1) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v, (*path, i), depth + 1) for i, v in enumerate(value))
    if isinstance(value, set | frozenset):
        return frozenset(_freeze(v, (*path, "{}"), depth + 1) for v in value)
    try:
        hash(value)
    except TypeError:
        raise IssueError(
            f"the entry at {_path_text(path)} is a {type(value).__name__}, which could change "
            "after the issue is built; pass a mapping, list, tuple, set or a hashable value",
            value=value,
        ) from None
    return value


def _path_text(path: tuple[object, ...]) -> str:
    return "".join(f"[{part!r}]" if part != "{}" else "{...}" for part in path)


def frozen_set(value: Iterable[str] | None, name: str = "the value") -> frozenset[str]:
    """*value*, a collection of strings, as a frozenset; `IssueError` naming *name* if not."""
    if isinstance(value, str):
        raise IssueError(
            f"{name}: expected a collection of strings, got the string {value!r}; "
            f"write [{value!r}]",
            value=value,
        )
    try:
        items = frozenset(value or ())
    except TypeError:  # not iterable, or an unhashable member
        raise IssueError(
            f"{name}: expected a collection of strings, got {value!r}", value=value
        ) from None
    for item in items:
        if item.__class__ is not str and not isinstance(item, str):
            raise IssueError(
                f"{name}: expected a collection of strings, got the member {item!r}", value=item
            )
    return items


def frozen_tags(value: Iterable[str] | None) -> frozenset[str]:
    return frozen_set(value, "Issue.tags")


def frozen_skills(value: Iterable[str] | None) -> frozenset[str]:
    return frozen_set(value, "Issue.skills")


def check_status(value: object) -> str:
    if value == "":
        return ""  # not given: taken from the history in __attrs_post_init__
    if not isinstance(value, str):
        raise IssueError(
            f"an issue's status must be a non-empty string, got {value!r}", value=value
        )
    return str(value)


def _to_kind(value: EventKind | str) -> EventKind:
    if value.__class__ is EventKind:  # the common case, on every event built: no call
        return value
    return to_enum(EventKind, value, "unknown event kind {value!r}", IssueError)


def _event_at(value: object) -> datetime:
    return require_aware(value, "Event.at")


def check_created_at(value: object) -> datetime:
    return require_aware(value, "Issue.created_at")


@attrs.frozen
class Event:
    """One entry of an issue's history.

    Only the attributes that make sense for the kind are set: ``level`` for
    ``LEVEL_CHANGED`` (the new level) and for an escalation in ``ACTION_TAKEN``,
    ``status`` for ``STATUS_CHANGED``, ``team``/``assignee`` for ``REASSIGNED``,
    ``priority`` for ``PRIORITY_CHANGED`` (and for ``CREATED``: the priority it was created with),
    ``action`` and ``rule`` for ``ACTION_TAKEN``, ``name`` for ``CUSTOM``, ``name`` and
    ``data["value"]`` for ``FIELD_CHANGED`` (see `EventKind.FIELD_CHANGED`, or build one
    with `Event.field_changed`).
    """

    kind: EventKind = attrs.field(converter=_to_kind)
    at: datetime = attrs.field(converter=_event_at)
    actor: str | None = attrs.field(default=None, kw_only=True)
    level: str | None = attrs.field(default=None, kw_only=True)
    status: str | None = attrs.field(default=None, kw_only=True)
    team: str | None = attrs.field(default=None, kw_only=True)
    assignee: str | None = attrs.field(default=None, kw_only=True)
    action: str | None = attrs.field(default=None, kw_only=True)
    rule: str | None = attrs.field(default=None, kw_only=True)
    name: str | None = attrs.field(default=None, kw_only=True)
    priority: str | None = attrs.field(default=None, kw_only=True)
    data: Mapping[str, Any] = attrs.field(
        factory=dict, converter=frozen_mapping, kw_only=True, eq=False
    )

    def __attrs_post_init__(self) -> None:
        # Every event read from a log passes here: one test per field, and the
        # search for the culprit only when one is not a plain string.
        if (
            (self.actor is not None and not isinstance(self.actor, str))
            or (self.level is not None and not isinstance(self.level, str))
            or (self.status is not None and not isinstance(self.status, str))
            or (self.team is not None and not isinstance(self.team, str))
            or (self.assignee is not None and not isinstance(self.assignee, str))
            or (self.action is not None and not isinstance(self.action, str))
            or (self.rule is not None and not isinstance(self.rule, str))
            or (self.name is not None and not isinstance(self.name, str))
            or (self.priority is not None and not isinstance(self.priority, str))
        ):
            check_texts("Event", _EVENT_TEXTS, tuple(getattr(self, f) for f in _EVENT_TEXTS))
        if self.kind is KIND_FIELD_CHANGED:
            _check_field_change(self.name, self.data)

    @classmethod
    def field_changed(cls, at: datetime, field: str, value: Any) -> Event:
        """The event of *field* (``"category"``, ``"product"``, ``"language"`` or
        ``"attributes.KEY"``) changing to *value* at *at* (``None``: no value)."""
        return cls(EventKind.FIELD_CHANGED, at, name=field, data={"value": value})

    @classmethod
    def taken(cls, action: Action, at: datetime) -> Event:
        """The event recording that the host carried out *action* at *at*."""
        return cls(
            EventKind.ACTION_TAKEN,
            at,
            action=action.key,
            rule=action.rule,
            level=action.to if isinstance(action, Escalate) else None,
            team=action.team if isinstance(action, Route) else None,
        )

    @classmethod
    def carried_out(cls, action: Action, at: datetime) -> tuple[Event, ...]:
        """The events `Issue.record` appends for *action* at *at*: `taken`, and for a
        `SetPriority` a ``PRIORITY_CHANGED``, for a `SetStatus` a ``STATUS_CHANGED``
        (so the clocks and conditions see the change as they see the host's own)."""
        taken = cls.taken(action, at)
        if type(action) is SetPriority:
            return (taken, cls(EventKind.PRIORITY_CHANGED, at, priority=action.priority))
        if type(action) is SetStatus:
            return (taken, cls(EventKind.STATUS_CHANGED, at, status=action.status))
        return (taken,)


#: The issue fields a ``FIELD_CHANGED`` event can set (besides ``attributes.KEY``).
CHANGEABLE_FIELDS: Final = ("category", "product", "language")

ATTRIBUTE_PREFIX: Final = "attributes."


def _check_field_change(name: str | None, data: Mapping[str, Any]) -> None:
    """Refuse a ``FIELD_CHANGED`` event without a field it can set, or without a value."""
    if name is None or (
        name not in CHANGEABLE_FIELDS
        and not (name.startswith(ATTRIBUTE_PREFIX) and len(name) > len(ATTRIBUTE_PREFIX))
    ):
        raise IssueError(
            f"a field_changed event names the field it sets: one of {list(CHANGEABLE_FIELDS)} "
            f"or 'attributes.KEY', got name={name!r}",
            value=name,
            suggestion=did_you_mean(name, CHANGEABLE_FIELDS) if name else None,
        )
    if "value" not in data:
        raise IssueError(
            f"a field_changed event of {name!r} carries the new value as data['value'] "
            "(None for no value)",
            value=dict(data),
        )
    value = data["value"]
    if name in CHANGEABLE_FIELDS and value is not None and not isinstance(value, str):
        raise IssueError(
            f"a field_changed event sets {name!r} to a string or None, got {value!r}",
            value=value,
        )
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if (
            item is None
            or isinstance(item, str | bool | int)
            or (isinstance(item, float) and math.isfinite(item))
        ):
            continue
        raise IssueError(
            f"a field_changed event of {name!r} sets plain data (a string, number, true, "
            f"false or None, or a list of them), got {item!r}",
            value=item,
        )


_EVENT_TEXTS: Final = (
    "actor", "level", "status", "team", "assignee", "action", "rule", "name", "priority",
)  # fmt: skip
