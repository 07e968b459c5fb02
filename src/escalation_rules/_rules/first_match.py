"""A group of rules in which only the first matching rule applies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

import attrs

from .._exceptions import PolicyError
from .._model.actions import Action
from .._model.anchors import Anchor
from .base import Outcome, Rule, rule_name

if TYPE_CHECKING:
    from datetime import datetime

    from .._engine.context import Context
    from .._engine.policy import Policy


def rule_tuple(value: Iterable[Rule]) -> tuple[Rule, ...]:
    """Convert a sequence of rules and groups into the tuple a policy or group stores."""
    return tuple(value)


@attrs.frozen
class FirstMatch:
    """A group of rules of which only the first that matches applies (a routing table)."""

    name: str = attrs.field(converter=rule_name)
    rules: tuple[Rule, ...] = attrs.field(converter=rule_tuple)

    def __attrs_post_init__(self) -> None:
        for i, rule in enumerate(self.rules):
            if not isinstance(rule, Rule):
                raise PolicyError(
                    f"rules[{i}] is not a rule: {rule!r}", where=f"group {self.name!r}", value=rule
                )

    def validate(self, policy: Policy) -> None:
        for rule in self.rules:
            try:
                rule.validate(policy)
            except PolicyError as exc:
                raise exc.about("rule", rule.name) from None

    def check(self, context: Context) -> Outcome | None:
        """The outcome of the first member that matches, with the upcoming instants of
        the members before it (when one of them becomes due, the winner may change).

        A policy runs a group from its compiled plan, not through this method; this
        is the same decision for a caller that holds the group on its own.
        """
        upcoming: list[tuple[datetime, Action]] = []
        for rule in self.rules:
            outcome = rule.check(context)
            if outcome is None:
                continue
            upcoming.extend(outcome.upcoming)
            if outcome.matched:
                return outcome._replace(upcoming=tuple(upcoming))
        return Outcome(False, (), Anchor.CREATED, tuple(upcoming)) if upcoming else None


class Walked(NamedTuple):
    """One rule met by `walk`: the rule, the name of the group it sits in (``None`` at the
    top), and its place as indices from the top (``(2, 0)``: ``rules[2].rules[0]``)."""

    rule: Rule
    group: str | None
    place: tuple[int, ...]


def walk(
    rules: Iterable[Rule], group: str | None = None, place: tuple[int, ...] = ()
) -> Iterator[Walked]:
    """Every rule and group in *rules*, depth first: the one walker of a rule tree."""
    for i, rule in enumerate(rules):
        here = (*place, i)
        yield Walked(rule, group, here)
        if isinstance(rule, FirstMatch):
            yield from walk(rule.rules, rule.name, here)


def leaves(rules: Iterable[Rule]) -> Iterator[Rule]:
    """The rules of a rule tree that are not groups, in order."""
    for rule, _group, _place in walk(rules):
        if not isinstance(rule, FirstMatch):
            yield rule


def first_match(name: str, rules: Sequence[Rule]) -> FirstMatch:
    """A group of rules in which only the first matching rule applies."""
    return FirstMatch(name, tuple(rules))
