"""A policy compiled to a plan of checks, and the loop that runs it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, cast

from .._exceptions import EvaluationError, PolicyError
from .._model.actions import Action, Escalate, Route, SetPriority, SetStatus
from .._model.anchors import ANCHOR_SLOT
from .._rules.first_match import FirstMatch
from .._rules.functional import FunctionalRule
from .._rules.hierarchical import HierarchicalRule
from .._suggest import did_you_mean

if TYPE_CHECKING:
    from .._rules.base import Checker, Rule
    from .context import Context
    from .policy import Policy


def unknown_target(rule: str, level: str, policy: Policy) -> PolicyError:
    ids = [lvl.id for lvl in policy.levels]
    return PolicyError(
        f"asked to escalate to unknown level {level!r}; levels are {ids}",
        where=f"rule {rule!r}",
        subject=("rule", rule),
        value=level,
        suggestion=did_you_mean(level, ids),
    )


class Step(NamedTuple):
    name: str
    check: Checker | None
    group: tuple[Step, ...]
    #: its answer depends on the issue and its level only, never on the instant (a route or
    #: an escalation on an untimed condition): `run_plan` asks it once per issue and level
    static: bool = False


def compile_plan(rules: Iterable[Rule], policy: Policy) -> tuple[Step, ...]:
    steps = []
    for rule in rules:
        if isinstance(rule, FirstMatch):
            steps.append(Step(rule.name, None, compile_plan(rule.rules, policy)))
        else:
            compile_ = getattr(rule, "compile", None)
            try:
                check = compile_(policy) if callable(compile_) else rule.check
            except PolicyError as exc:
                raise exc.about("rule", rule.name) from None
            static = type(rule) in _STATIC and not rule.when.timed  # type: ignore[attr-defined]
            steps.append(Step(rule.name, check, (), static))
    return tuple(steps)


_STATIC: Final = (FunctionalRule, HierarchicalRule)
_UNSET: Final = object()


Fate = Literal["recorded", "superseded", "not up", "same team", "unchanged"]
"""Why an action a rule wants is not taken: recorded already in its scope, a warning
superseded by a later threshold of its SLA clock, an escalation that does not move the
issue up, a route to the team that already has the issue, a `SetPriority` or `SetStatus`
to the value the issue already has."""

SUPERSEDED: Final = "superseded"
"""The `Context.cache` key under which a rule's check marks the actions it wants that are
superseded (action key -> the superseding rule and the instant its threshold was crossed);
`TimeRule` writes it for stale SLA warnings (``_rules.storm.SUPERSEDED``, the same text)."""


class Supersession(NamedTuple):
    """What superseded a warning: the rule of the later threshold, and when it was crossed."""

    rule: str
    at: datetime


def superseded_by(action: Action, context: Context) -> Supersession | None:
    """The later threshold that supersedes *action* in this evaluation, if one does.

    Known once the check of the rule that wants *action* has run on *context*.
    """
    marks = context.cache.get(SUPERSEDED)
    if marks is None:
        return None
    found = cast("dict[str, tuple[str, datetime]]", marks).get(action.key)
    return None if found is None else Supersession(*found)


def fate(action: Action, scope: int, context: Context, rule: str) -> Fate | None:
    """What becomes of *action*, wanted by *rule*: ``None`` if it is new, else why not.

    *scope* is the history index after which a recording of the action's key counts
    (see `Outcome.once_per`). A warning is "superseded" when its rule's check marked it
    so (see `superseded_by`; asked after that check). An escalation to a level the policy
    lacks raises `PolicyError`. The engine loop and `explain` both decide through this
    function; which of several escalations wins ("outranked") is `merge_escalations`'s call.
    """
    if context.recorded.get(action.key, -2) > scope:
        return "recorded"
    marks = context.cache.get(SUPERSEDED)
    if marks is not None and action.key in marks:  # type: ignore[operator]
        return "superseded"
    if type(action) is Escalate:
        target = context.policy.level_positions.get(action.to)
        if target is None:
            raise unknown_target(rule, action.to, context.policy)
        if target <= context.level_position:
            return "not up"
    elif type(action) is Route and action.team == context.issue.team:
        return "same team"
    elif (type(action) is SetPriority and action.priority == context.issue.priority) or (
        type(action) is SetStatus and action.status == context.issue.status
    ):
        return "unchanged"
    return None


def run_plan(
    plan: tuple[Step, ...],
    first: bool,
    context: Context,
    actions: list[Action],
    upcoming: list[datetime],
    statics: dict[object, object] | None = None,
) -> bool:
    """Run the rules in order, collecting kept actions and upcoming instants.

    *statics* keeps the answers of the static steps (`Step.static`) for this issue at this
    level, by check: evaluating the same issue again asks them only once.

    *upcoming* only ever grows by an instant after now and sooner than its last, so its
    last is the soonest instant at which a kept action becomes due.

    Under *first* (first-match, and inside a group) it stops at the first rule that matches and
    returns ``True``; otherwise it runs every rule and returns ``False``.

    This is the hot loop of every evaluation; most checks return ``None``, so the
    `fate` of an action is asked only for the few actions rules want.
    """
    indices = context.indices
    now = context.now
    judge = fate  # a local name: this loop runs on every evaluation
    for name, check, group, static in plan:
        if check is None:
            matched = run_plan(group, True, context, actions, upcoming, statics)
        else:
            outcome: Any = _UNSET if statics is None or not static else statics.get(check, _UNSET)
            if outcome is _UNSET:
                try:
                    outcome = check(context)
                except EvaluationError as exc:
                    raise exc.in_rule(name) from None
                if static and statics is not None:
                    statics[check] = outcome
            if outcome is None:
                continue
            matched, due, once_per, later = outcome
            scope = once_per if isinstance(once_per, int) else indices[ANCHOR_SLOT[once_per]]
            for action in due:
                if judge(action, scope, context, name) is None:
                    actions.append(action)
            for at, action in later:
                # Only the soonest instant matters: one no sooner than the soonest so far
                # needs no judging. Under first-match an earlier rule that becomes due
                # changes the winner even if its own action is filtered out.
                if at <= now or (upcoming and at >= upcoming[-1]):
                    continue
                if first or judge(action, scope, context, name) is None:
                    upcoming.append(at)
        if matched and first:
            return True
    return False


def merge_escalations(actions: list[Action], policy: Policy) -> list[Action]:
    """Keep one escalation: the one to the highest level (the first on a tie)."""
    best: Escalate | None = None
    count = 0
    by_id = policy.level_positions
    for action in actions:
        if isinstance(action, Escalate):
            count += 1
            if best is None or by_id[action.to] > by_id[best.to]:
                best = action
    if count < 2:
        return actions
    return [a for a in actions if not isinstance(a, Escalate) or a is best]
