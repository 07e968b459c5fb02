"""Reference points in an issue's history, for time-based rules and fire-once scopes."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from .events import EventKind
from .names import to_enum


class Anchor(enum.StrEnum):
    """A reference point in an issue's history, for time-based rules and fire-once scopes.

    Each anchor is the *latest* event of its kind, except ``CREATED``.
    ``LEVEL_ENTERED`` is the last event that put the issue at its current level
    (an escalation recorded with `Issue.record`, or a ``LEVEL_CHANGED``), or the
    creation if there is none.
    """

    CREATED = "created"
    LEVEL_ENTERED = "level_entered"
    ACKNOWLEDGED = "acknowledged"
    LAST_AGENT_REPLY = "last_agent_reply"
    LAST_CUSTOMER_MESSAGE = "last_customer_message"
    MANAGER_REQUESTED = "manager_requested"

    # Hash as the plain string (consistent with str equality, and a C call
    # rather than Enum's Python-level __hash__ on the evaluation path).
    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


def to_anchor(value: object) -> Anchor:
    """*value* (an `Anchor` or its name) as an `Anchor`; `PolicyError` with a suggestion if not."""
    return to_enum(Anchor, value, "unknown reference point {value!r}; use one of {names}")


ANCHOR_SLOT: dict[str, int] = {anchor: i for i, anchor in enumerate(Anchor)}


ANCHOR_EVENTS: Final[Mapping[Anchor, EventKind]] = MappingProxyType(
    {
        Anchor.MANAGER_REQUESTED: EventKind.MANAGER_REQUESTED,
        Anchor.LAST_CUSTOMER_MESSAGE: EventKind.CUSTOMER_MESSAGE,
        Anchor.LAST_AGENT_REPLY: EventKind.AGENT_REPLY,
        Anchor.ACKNOWLEDGED: EventKind.ACKNOWLEDGED,
    }
)
"""The anchors that are the latest event of one kind, and that kind. ``CREATED`` and
``LEVEL_ENTERED`` are not (the creation; the last event that set the level)."""

EVENT_ANCHORS: Final[Mapping[EventKind, Anchor]] = MappingProxyType(
    {kind: anchor for anchor, kind in ANCHOR_EVENTS.items()}
)
"""`ANCHOR_EVENTS` the other way round: the anchor an event kind moves."""
