"""A policy compiled to a plan of checks, and the loop that runs it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from .._exceptions import EvaluationError, PolicyError
from .._model.actions import Action, Escalate
from .._model.anchors import ANCHOR_SLOT
from .._rules.first_match import FirstMatch
from .._suggest import did_you_mean

if TYPE_CHECKING:
    from .._rules.base import Checker, Rule
    from .context import Context
    from .policy import Policy

    pass


def _unknown_target(rule: str, level: str, policy: Policy) -> PolicyError:
    ids = [lvl.id for lvl in policy.levels]
    return PolicyError(
        f"asked to escalate to unknown level {level!r}; levels are {ids}",
        where=f"rule {rule!r}",
        value=level,
        suggestion=did_you_mean(level, ids),
    )


class _Step(NamedTuple):
    name: str
    check: Checker | None
    group: tuple[_Step, ...]


def _compile(rules: Iterable[Rule], policy: Policy) -> tuple[_Step, ...]:
    steps = []
    for rule in rules:
        if isinstance(rule, FirstMatch):
            steps.append(_Step(rule.name, None, _compile(rule.rules, policy)))
        else:
            compile_ = getattr(rule, "compile", None)
            check = compile_(policy) if callable(compile_) else rule.check
            steps.append(_Step(rule.name, check, ()))
    return tuple(steps)


def _run(
    plan: tuple[_Step, ...],
    first: bool,
    context: Context,
    actions: list[Action],
    upcoming: list[datetime],
) -> bool:
    """Run the rules in order, collecting kept actions and upcoming instants.

    Under *first* (first-match, and inside a group) it stops at the first rule that matches and
    returns ``True``; otherwise it runs every rule and returns ``False``.

    This is the hot loop of every evaluation: the checks of what an action would change
    (already recorded, no higher level, the same team) are inlined by hand.
    """
    recorded = context._recorded
    indices = context._indices
    by_id = context.policy._by_id
    position = context.level_position
    team = context.issue.team
    for name, check, group in plan:
        if check is None:
            matched = _run(group, True, context, actions, upcoming)
        else:
            try:
                outcome = check(context)
            except EvaluationError as exc:
                raise exc.in_rule(name) from None
            if outcome is None:
                continue
            matched, due, once_per, later = outcome
            scope = (
                once_per if once_per.__class__ is int else indices[ANCHOR_SLOT[once_per]]  # type: ignore[index]
            )
            for action in due:
                if recorded.get(action.key, -2) > scope:
                    continue
                kind = action.kind
                if kind == "escalate" and action.to not in by_id:  # type: ignore[union-attr]
                    raise _unknown_target(name, action.to, context.policy)  # type: ignore[union-attr]
                if (kind == "escalate" and by_id[action.to] <= position) or (  # type: ignore[union-attr]
                    kind == "route" and team == action.team  # type: ignore[union-attr]
                ):
                    continue
                actions.append(action)
            for at, action in later:
                # Under first-match an earlier rule that becomes due changes the
                # winner even if its own action is filtered out.
                if first:
                    upcoming.append(at)
                    continue
                if recorded.get(action.key, -2) > scope:
                    continue
                kind = action.kind
                if kind == "notify" or (
                    kind == "route" and team != action.team  # type: ignore[union-attr]
                ):
                    upcoming.append(at)
                elif kind == "escalate":
                    target = by_id.get(action.to)  # type: ignore[union-attr]
                    if target is None:
                        raise _unknown_target(name, action.to, context.policy)  # type: ignore[union-attr]
                    if target > position:
                        upcoming.append(at)
        if matched and first:
            return True
    return False


def _merge_escalations(actions: list[Action], policy: Policy) -> list[Action]:
    """Keep one escalation: the one to the highest level (the first on a tie)."""
    escalations = [a for a in actions if isinstance(a, Escalate)]
    if len(escalations) < 2:
        return actions
    by_id = policy._by_id
    best = escalations[0]
    for esc in escalations[1:]:
        if by_id[esc.to] > by_id[best.to]:
            best = esc
    return [a for a in actions if not isinstance(a, Escalate) or a is best]
