"""Hierarchical escalation: move an issue up a level when a condition holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from .._conditions.condition import ALWAYS, Condition
from .._exceptions import PolicyError
from .._model.anchors import ANCHOR_SLOT, EVENT_ANCHORS, Anchor
from .._model.events import EventKind
from .._time.conditions import check_clocks
from .base import (
    NEXT,
    Checker,
    Next,
    Outcome,
    as_outcome,
    check_level,
    condition_defaults,
    escalation_to,
    issue_test,
    rule_name,
    to_condition,
    to_event_kind,
    to_target,
    with_timing,
)
from .timed import After, SlaShare, TimeRule

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._engine.policy import Policy


@attrs.frozen
class HierarchicalRule:
    """Move the issue up, to the next level or to a named one, when *when* holds.

    Without *on*, it fires once per issue. With ``on=EventKind.MANAGER_REQUESTED``
    (or another event kind) it fires once per occurrence of that event: a new
    request after the escalation escalates again.
    """

    name: str = attrs.field(converter=rule_name)
    when: Condition = attrs.field(converter=to_condition)
    to: str | Next = attrs.field(converter=to_target)
    on: EventKind | None = attrs.field(default=None, kw_only=True)
    _scope: Anchor = attrs.field(init=False, default=Anchor.CREATED, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        scope = Anchor.CREATED
        if self.on is not None:
            scopes = EVENT_ANCHORS
            if self.on not in scopes:
                raise PolicyError(
                    f"'on' must be one of {[k.value for k in scopes]}, got {self.on!r}",
                    where=f"rule {self.name!r}",
                    value=self.on,
                )
            scope = scopes[self.on]
        object.__setattr__(self, "_scope", scope)

    def validate(self, policy: Policy) -> None:
        check_clocks(self.when, policy, f"rule {self.name!r}")
        if isinstance(self.to, str):
            check_level(policy, self.to, f"rule {self.name!r}")

    def compile(self, policy: Policy) -> Checker:
        """Return the fast check used by *policy*, with one outcome built per level."""
        scope, name = self._scope, self.name
        test = issue_test(self.when, condition_defaults(policy))
        slot = ANCHOR_SLOT[scope]
        if self.on is None:
            why = f"{self.when!r} holds"
        elif self.when == ALWAYS:
            why = self.on.value.replace("_", " ")
        else:
            why = f"{self.on.value.replace('_', ' ')} and {self.when!r} holds"
        outcomes = tuple(
            Outcome(
                True,
                tuple(a for a in (escalation_to(name, self.to, policy, pos, why),) if a),
                scope,
            )
            for pos in range(len(policy.levels))
        )
        needs_anchor = scope is not Anchor.CREATED

        def check(context: Context) -> Outcome | None:
            if needs_anchor and context.times[slot] is None:
                return None
            if not test(context.issue):
                return None
            return outcomes[context.level_position]

        return with_timing(check, self.when, condition_defaults(policy))

    def check(self, context: Context) -> Outcome | None:
        return as_outcome(self.compile(context.policy)(context))


def escalate(
    name: str,
    *,
    to: str | Next = NEXT,
    when: Condition = ALWAYS,
    at: After | SlaShare | None = None,
    on: EventKind | str | None = None,
) -> HierarchicalRule | TimeRule:
    """Hierarchical (``when``/``on``) or time-based (``at``) escalation to *to*."""
    if at is not None:
        if on is not None:
            raise PolicyError("a rule takes 'at' or 'on', not both", where=f"rule {name!r}")
        return TimeRule(name, at, "escalate", to, when=when)
    return HierarchicalRule(name, when, to, on=None if on is None else to_event_kind(on))
