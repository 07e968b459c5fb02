"""A group of rules in which only the first matching rule applies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from .._exceptions import PolicyError

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._engine.policy import Policy
from .base import Outcome, Rule, _name, rule_tuple


@attrs.frozen
class FirstMatch:
    """A group of rules of which only the first that matches applies (a routing table)."""

    name: str = attrs.field(converter=_name)
    rules: tuple[Rule, ...] = attrs.field(converter=rule_tuple)

    def __attrs_post_init__(self) -> None:
        for i, rule in enumerate(self.rules):
            if not isinstance(rule, Rule):
                raise PolicyError(
                    f"rules[{i}] is not a rule: {rule!r}", where=f"group {self.name!r}", value=rule
                )

    def validate(self, policy: Policy) -> None:
        for rule in self.rules:
            rule.validate(policy)

    def check(self, context: Context) -> Outcome | None:  # pragma: no cover - engine inlines
        raise NotImplementedError("FirstMatch groups are run by the policy engine")


def first_match(name: str, rules: Sequence[Rule]) -> FirstMatch:
    """A group of rules in which only the first matching rule applies."""
    return FirstMatch(name, tuple(rules))
