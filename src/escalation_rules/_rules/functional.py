"""Functional escalation: route an issue to a specialist team when a condition holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from .._exceptions import PolicyError
from .._model.actions import Route
from .._time.conditions import check_clocks
from .base import (
    Checker,
    Outcome,
    as_outcome,
    condition_defaults,
    issue_test,
    rule_name,
    to_condition,
    with_timing,
)

if TYPE_CHECKING:
    from .._conditions.condition import Condition
    from .._engine.context import Context
    from .._engine.policy import Policy


@attrs.frozen
class FunctionalRule:
    """Route the issue to a specialist *team* when *when* holds; the level stays.

    Fires once per issue: after the routing is recorded, or while the issue
    already sits with *team*, it does nothing.
    """

    name: str = attrs.field(converter=rule_name)
    when: Condition = attrs.field(converter=to_condition)
    team: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.team, str) or not self.team:
            raise PolicyError(
                f"routes to an invalid team {self.team!r}", where=self.where, value=self.team
            )

    @property
    def where(self) -> str:
        return f"rule {self.name!r}"

    def validate(self, policy: Policy) -> None:
        """Check the SLA clocks its condition reads."""
        check_clocks(self.when, policy, self.where)

    def compile(self, policy: Policy) -> Checker:
        """Return the fast check used by *policy* (conditions compiled, action built once)."""
        test = issue_test(self.when, condition_defaults(policy))
        outcome = Outcome(
            True,
            (
                Route(
                    self.team,
                    self.name,
                    f"{self.when!r} holds: route to {self.team}",
                    key=f"{self.name}:route",
                ),
            ),
        )

        def check(context: Context) -> Outcome | None:
            return outcome if test(context.issue) else None

        return with_timing(check, self.when, condition_defaults(policy))

    def check(self, context: Context) -> Outcome | None:
        return as_outcome(self.compile(context.policy)(context))


def route(name: str, *, when: Condition, to: str) -> FunctionalRule:
    """Functional escalation: route issues matching *when* to the team *to*."""
    return FunctionalRule(name, when, to)
