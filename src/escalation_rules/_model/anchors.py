"""Reference points in an issue's history, for time-based rules and fire-once scopes."""

from __future__ import annotations

import enum

from .._exceptions import PolicyError
from .._suggest import did_you_mean


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
    if isinstance(value, Anchor):
        return value
    names = [a.value for a in Anchor]
    if isinstance(value, str) and value in names:
        return Anchor(value)
    raise PolicyError(
        f"unknown reference point {value!r}; use one of {names}",
        value=value,
        suggestion=did_you_mean(str(value), names),
    )


ANCHOR_SLOT: dict[str, int] = {anchor: i for i, anchor in enumerate(Anchor)}
