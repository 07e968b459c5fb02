"""What the engine tells the host to do: actions and the decision that carries them."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

import attrs


@attrs.frozen
class Escalate:
    """Move the issue up to level *to* (hierarchical or time-based escalation).

    Attributes:
        to: the target level's id.
        rule: the name of the rule that produced the action.
        reason: a human-readable sentence saying why.
        key: the fire-once key; recording the action in the issue's history
            (see `Issue.record`) stops the rule from producing it again.
    """

    to: str
    rule: str
    reason: str
    key: str = attrs.field(kw_only=True)

    kind = "escalate"

    @property
    def target(self) -> str:
        """Where the action is for, as every action says it: here the level's id (``to``)."""
        return self.to


@attrs.frozen
class Route:
    """Reassign the issue to the specialist team *team* without changing its level."""

    team: str
    rule: str
    reason: str
    key: str = attrs.field(kw_only=True)

    kind = "route"

    @property
    def target(self) -> str:
        """Where the action is for, as every action says it: here the ``team``."""
        return self.team


@attrs.frozen
class Notify:
    """Tell *target* (a team or a person, as the host names them) about the issue.

    Every action has a ``target``: the level of an `Escalate`, the team of a `Route`,
    the one a `Notify` tells, the new priority of a `SetPriority`, the new status of a
    `SetStatus`. Several people paged together are several `Notify` actions, one each.
    """

    target: str
    rule: str
    reason: str
    key: str = attrs.field(kw_only=True)

    kind = "notify"


@attrs.frozen
class SetPriority:
    """Set the issue's priority to *priority* (raise its urgency).

    `Issue.record` appends the ``ACTION_TAKEN`` event and a ``PRIORITY_CHANGED`` event, so
    the SLA clocks and the conditions see the new priority from then on.
    """

    priority: str
    rule: str
    reason: str
    key: str = attrs.field(kw_only=True)

    kind = "set_priority"

    @property
    def target(self) -> str:
        """Where the action is for, as every action says it: here the new ``priority``."""
        return self.priority


@attrs.frozen
class SetStatus:
    """Set the issue's status to *status* (``"resolved"``, ``"closed"``, or a host status).

    The on-call chain's terminal action (close or resolve once its loops are exhausted).
    `Issue.record` appends the ``ACTION_TAKEN`` event and a ``STATUS_CHANGED`` event.
    """

    status: str
    rule: str
    reason: str
    key: str = attrs.field(kw_only=True)

    kind = "set_status"

    @property
    def target(self) -> str:
        """Where the action is for, as every action says it: here the new ``status``."""
        return self.status


Action = Escalate | Route | Notify | SetPriority | SetStatus
"""Any action the engine can decide: `Escalate`, `Route`, `Notify`, `SetPriority` or
`SetStatus`."""

_Kind = TypeVar("_Kind", Escalate, Route, Notify, SetPriority, SetStatus)
"""One kind of action, for `Decision.actions_of`."""


def action_dict(action: Action) -> dict[str, str]:
    """*action* as plain data: ``kind``, ``target``, ``rule``, ``reason``, ``key``."""
    return {
        "kind": action.kind,
        "target": action.target,
        "rule": action.rule,
        "reason": action.reason,
        "key": action.key,
    }


@attrs.frozen
class Decision:
    """The answer of `evaluate`: what to do now, and when to ask again.

    Attributes:
        actions: the actions to carry out now, in rule order (empty: do nothing).
        next_evaluation_at: the earliest instant at which the answer could change
            if no new event arrives, in UTC; ``None`` if it never will.
        reason: a human-readable summary of why.
    """

    actions: tuple[Action, ...]
    next_evaluation_at: datetime | None
    reason: str

    @property
    def escalation(self) -> Escalate | None:
        """The escalation in this decision, if any (there is at most one)."""
        for action in self.actions:
            if isinstance(action, Escalate):
                return action
        return None

    def expect_escalation(self) -> Escalate:
        """The escalation in this decision, which must be there (`escalation` may be ``None``).

        Raises:
            LookupError: the decision does not escalate; the message gives its reason.
        """
        escalation = self.escalation
        if escalation is None:
            raise LookupError(f"the decision does not escalate: {self.reason}")
        return escalation

    @property
    def routes(self) -> tuple[Route, ...]:
        """The `Route` actions of this decision, in rule order (with ``match="all"``
        there can be several)."""
        return self.actions_of(Route)

    @property
    def notifications(self) -> tuple[Notify, ...]:
        """The `Notify` actions of this decision, in rule order."""
        return self.actions_of(Notify)

    def actions_of(self, kind: type[_Kind]) -> tuple[_Kind, ...]:
        """The actions of one *kind* (``decision.actions_of(SetStatus)``), in rule order,
        typed as that kind."""
        return tuple(action for action in self.actions if isinstance(action, kind))

    def __bool__(self) -> bool:
        """A decision is true when it asks the host to do something."""
        return bool(self.actions)
