"""Raising urgency: set the issue's priority when a condition holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from .._exceptions import PolicyError
from .._model.actions import SetPriority
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
class PriorityRule:
    """Set the issue's priority to *priority* when *when* holds (raise its urgency).

    Fires once per issue: after the change is recorded (`Issue.record` appends the
    ``PRIORITY_CHANGED`` event), or while the issue already has *priority*, it does
    nothing. A time condition (``is_open("support")``: when support hours begin) makes
    the instant it turns true join ``next_evaluation_at``.
    """

    name: str = attrs.field(converter=rule_name)
    when: Condition = attrs.field(converter=to_condition)
    priority: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.priority, str) or not self.priority:
            raise PolicyError(
                f"sets an invalid priority {self.priority!r}",
                where=f"rule {self.name!r}",
                value=self.priority,
            )

    def validate(self, policy: Policy) -> None:
        """Check the SLA clocks and calendars its condition reads."""
        check_clocks(self.when, policy, f"rule {self.name!r}")

    def compile(self, policy: Policy) -> Checker:
        """Return the fast check used by *policy* (condition compiled, action built once)."""
        defaults = condition_defaults(policy)
        test = issue_test(self.when, defaults)
        action = SetPriority(
            self.priority,
            self.name,
            f"{self.when!r} holds: set the priority to {self.priority}",
            key=f"{self.name}:set_priority",
        )
        outcome = Outcome(True, (action,))

        def check(context: Context) -> Outcome | None:
            return outcome if test(context.issue) else None

        return with_timing(check, self.when, defaults)

    def check(self, context: Context) -> Outcome | None:
        return as_outcome(self.compile(context.policy)(context))


def set_priority(name: str, *, to: str, when: Condition) -> PriorityRule:
    """Raise (or set) the issue's priority to *to* when *when* holds, once per issue."""
    return PriorityRule(name, when, to)
