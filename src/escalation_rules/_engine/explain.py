"""Explain a decision rule by rule, and forecast what a policy will do if nothing happens."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import attrs

from .._conditions.compare import Compare, Contains, Exists, In, Predicate
from .._conditions.condition import All, Any_, Condition, Const, Not
from .._conditions.paths import MISSING, field_getter
from .._exceptions import EvaluationError
from .._instants import local, require_aware
from .._model.actions import Action, Decision, Escalate, action_dict
from .._model.anchors import ANCHOR_SLOT
from .._model.events import CLOSED
from .._rules.base import Outcome, Rule, condition_defaults
from .._rules.first_match import FirstMatch, walk
from .clock_text import clock_dict as _clock_dict
from .clock_text import clock_line as _clock_line
from .context import make_context
from .plan import fate, superseded_by

if TYPE_CHECKING:
    from .._model.issue import Issue
    from .._time.sla_clock import ClockState
    from .context import Context
    from .policy import Policy


@attrs.frozen
class Failure:
    """One part of a condition that decided it was false: the test and the value it met."""

    test: str
    field: str | None
    value: Any

    def __str__(self) -> str:
        if self.field is None:
            return f"{self.test} is false"
        shown = "missing" if self.value is MISSING else _stable_repr(self.value)
        return f"{self.test} is false ({self.field} is {shown})"

    def to_dict(self) -> dict[str, Any]:
        value = None if self.value is MISSING else _plain(self.value)
        return {
            "test": self.test,
            "field": self.field,
            "value": value,
            "missing": self.value is MISSING,
        }


ActionStatus = Literal["taken", "already done", "superseded", "no effect", "outranked", "due later"]


@attrs.frozen
class ActionTrace:
    """What became of one action a rule wanted, and why."""

    action: Action
    status: ActionStatus
    why: str
    at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.action.kind,
            "target": self.action.target,
            "key": self.action.key,
            "reason": self.action.reason,
            "status": self.status,
            "why": self.why,
            "at": None if self.at is None else self.at.isoformat(),
        }


RuleStatus = Literal["acts", "matched", "not matched", "not armed", "waiting", "not reached"]


@attrs.frozen
class RuleTrace:
    """One rule's part in a decision.

    Attributes:
        name: the rule's name; ``group`` the `first_match` group it sits in.
        status: ``"acts"`` (an action of it is in the decision), ``"matched"``
            (it applies, but its actions are done already, have no effect or
            are outranked), ``"waiting"`` (due later), ``"not matched"`` (its
            condition is false: see ``failures``), ``"not armed"`` (its
            trigger has nothing to count from: no anchor event yet, no target
            at this level, a paused clock), ``"not reached"`` (an earlier rule
            won under first-match).
        failures: for ``"not matched"``, the parts of the condition that failed.
        actions: each wanted action with what became of it.
        detail, data: what the rule says of itself (`rule_detail`): a line of text, and
            data merged into ``to_dict()`` (a matrix: its cell, ``{"cell": {...}}``).
    """

    name: str
    kind: str
    status: RuleStatus
    summary: str
    failures: tuple[Failure, ...] = ()
    actions: tuple[ActionTrace, ...] = ()
    group: str | None = None
    detail: str = ""
    data: Mapping[str, Any] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "kind": self.kind,
            "group": self.group,
            "status": self.status,
            "summary": self.summary,
            "failures": [f.to_dict() for f in self.failures],
            "actions": [a.to_dict() for a in self.actions],
        }
        out.update({k: _plain(v) for k, v in self.data.items() if k not in out})
        return out


@attrs.frozen
class Explanation:
    """A decision with the trace that led to it: every rule in order, every SLA clock."""

    decision: Decision
    now: datetime
    issue_id: str
    level: str
    status: str
    match: str
    rules: tuple[RuleTrace, ...]
    clocks: tuple[ClockState, ...]
    winner: str

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-serialisable form for a host's UI."""
        d = self.decision
        return {
            "issue": self.issue_id,
            "now": self.now.isoformat(),
            "level": self.level,
            "status": self.status,
            "match": self.match,
            "decision": {
                "actions": [action_dict(a) for a in d.actions],
                "reason": d.reason,
                "next_evaluation_at": None
                if d.next_evaluation_at is None
                else d.next_evaluation_at.isoformat(),
            },
            "winner": self.winner,
            "rules": [r.to_dict() for r in self.rules],
            "clocks": [_clock_dict(c) for c in self.clocks],
        }

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """The explanation as readable text: every instant in the zone of ``now``
        (`escalation_rules._instants.local`), every duration in words."""
        d, zone = self.decision, self.now.tzinfo
        lines = [
            f"Issue {self.issue_id} at {local(self.now)}: level {self.level}, "
            f"status {self.status}, match {self.match!r}",
            f"Decision: {d.reason}",
        ]
        lines.append(
            "Next evaluation: "
            + ("none" if d.next_evaluation_at is None else local(d.next_evaluation_at, zone))
        )
        if self.winner:
            lines.append(f"Why: {self.winner}")
        lines.append("Rules:")
        for r in self.rules:
            group = f" [{r.group}]" if r.group else ""
            lines.append(f"  {r.name}{group} ({r.kind}): {r.status}: {r.summary}")
            if r.detail:
                lines.append(f"      {r.detail}")
            lines.extend(f"      - {f}" for f in r.failures)
            for a in r.actions:
                when = f" at {local(a.at, zone)}" if a.at is not None else ""
                lines.append(
                    f"      -> {a.action.kind} {a.action.target}{when}: {a.status}, {a.why}"
                )
        if self.clocks:
            lines.append("SLA clocks:")
            for c in self.clocks:
                lines.append("  " + _clock_line(c, zone))
        return "\n".join(lines)


def _stable_repr(value: Any) -> str:
    """``repr`` with a set's members sorted: the same text in every process (a set's own
    order follows the string hash, which changes with ``PYTHONHASHSEED``)."""
    if isinstance(value, frozenset | set):
        inner = ", ".join(sorted(_stable_repr(v) for v in value))
        if isinstance(value, frozenset):
            return f"frozenset({{{inner}}})" if value else "frozenset()"
        return f"{{{inner}}}" if value else "set()"
    return repr(value)


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, frozenset | set | tuple | list):
        return (
            sorted(_plain(v) for v in value)
            if isinstance(value, frozenset | set)
            else [_plain(v) for v in value]
        )
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)


def failures(condition: Condition, context: Context, defaults: Mapping[str, Any]) -> list[Failure]:
    """The parts of *condition* that make it false for the context's issue and instant."""
    if _holds(condition, context, defaults):
        return []
    return _why_false(condition, context, defaults)


def _holds(condition: Condition, context: Context, defaults: Mapping[str, Any]) -> bool:
    return condition.compile_timed(defaults)(context)[0]


def _why_false(
    condition: Condition, context: Context, defaults: Mapping[str, Any]
) -> list[Failure]:
    if isinstance(condition, All):
        for child in condition.conditions:
            if not _holds(child, context, defaults):
                return _why_false(child, context, defaults)
        return []  # pragma: no cover - the caller only asks when it is false
    if isinstance(condition, Any_):
        out: list[Failure] = []
        for child in condition.conditions:
            out.extend(_why_false(child, context, defaults))
        return out
    if isinstance(condition, Not):
        return [Failure(repr(condition), None, None)]
    if isinstance(condition, Compare | In | Contains | Exists):
        value = field_getter(condition.path, defaults)(context.issue)
        return [Failure(repr(condition), condition.path, value)]
    if isinstance(condition, Const):
        return [Failure("NEVER", None, None)]
    if isinstance(condition, Predicate):
        return [Failure(f"predicate {condition.name!r}", None, None)]
    return [Failure(repr(condition), None, None)]


def explain(policy: Policy, issue: Issue, now: datetime) -> Explanation:
    """Evaluate *issue* at *now* and say why, rule by rule. See `Policy.explain`."""
    decision = policy.evaluate(issue, now)
    now = require_aware(now, "now")
    issue = issue.as_of(now)  # as evaluate read it: the history up to *now*
    status = policy.status_of(issue)
    context = make_context(policy, issue, now)
    closed = status in CLOSED or now < issue.created_at  # closed, or not yet created
    first = policy.match == "first"
    defaults = condition_defaults(policy)
    in_decision = {(a.rule, a.key) for a in decision.actions}
    traces: list[RuleTrace] = []
    # Under first-match, the rules after the first matching one (top level, and
    # inside each group) are not reached.
    won_top = False
    won_group: set[str] = set()
    for rule, group, _place in walk(policy.rules):
        if isinstance(rule, FirstMatch):
            continue
        kind = _KINDS.get(type(rule).__name__, type(rule).__name__)
        if closed:
            traces.append(RuleTrace(rule.name, kind, "not reached", decision.reason, group=group))
            continue
        if (first and won_top) or (group is not None and group in won_group):
            traces.append(
                RuleTrace(
                    rule.name, kind, "not reached", "an earlier rule matched first", group=group
                )
            )
            continue
        try:
            outcome = rule.check(context)
        except EvaluationError as exc:  # pragma: no cover - evaluate() raised it already
            raise exc.in_rule(rule.name) from None
        if outcome is None:
            trace = _unmatched(rule, kind, group, context, defaults)
        else:
            trace = _trace(rule.name, kind, group, outcome, context, decision, in_decision)
        traces.append(rule_detail(rule, context, trace))
        if outcome is not None and outcome.matched:
            if group is not None:
                won_group.add(group)
            if first:
                won_top = True
    return Explanation(
        decision,
        now,
        issue.id,
        context.level.id,
        status.value,
        policy.match,
        tuple(traces),
        policy.sla_clocks(issue, now) if not closed else (),
        _winner(decision, traces),
    )


def rule_detail(rule: Rule, context: Context, trace: RuleTrace) -> RuleTrace:
    """*trace* with what *rule* says of itself: a rule type may define
    ``explain_detail(context)``, returning ``None`` or ``(text, data)``, a line of text and
    a mapping merged into the trace's ``to_dict()`` (the matrix: the cell that applied)."""
    hook = getattr(rule, "explain_detail", None)
    found = hook(context) if callable(hook) else None
    if found is None:
        return trace
    return attrs.evolve(trace, detail=str(found[0]), data=dict(found[1]))


def _unmatched(
    rule: Rule, kind: str, group: str | None, context: Context, defaults: Mapping[str, Any]
) -> RuleTrace:
    """The trace of a rule that wants nothing: its condition is false, or it is not armed."""
    when = getattr(rule, "when", None)
    fails = failures(when, context, defaults) if isinstance(when, Condition) else []
    if fails:
        return RuleTrace(
            rule.name, kind, "not matched", "its condition is false", tuple(fails), group=group
        )
    return RuleTrace(rule.name, kind, "not armed", _not_armed(rule, context), group=group)


def _trace(
    name: str,
    kind: str,
    group: str | None,
    outcome: Outcome,
    context: Context,
    decision: Decision,
    in_decision: set[tuple[str, str]],
) -> RuleTrace:
    """The trace of a rule that wants something: what became of each of its actions."""
    matched, due, once_per, later = outcome
    scope = once_per if isinstance(once_per, int) else context.indices[ANCHOR_SLOT[once_per]]
    actions = [_fate(action, scope, context, in_decision, decision) for action in due]
    for at, action in later:
        if at > context.now:
            actions.append(ActionTrace(action, "due later", "not yet", at.astimezone(UTC)))
    status: RuleStatus
    if any(a.status == "taken" for a in actions):
        status = "acts"
        summary = "; ".join(a.action.reason for a in actions if a.status == "taken")
    elif matched or due:
        status, summary = "matched", "it applies, but nothing of it is new"
    elif actions:
        status, summary = "waiting", "due later"
    else:
        status, summary = "not armed", "nothing to do now or later"
    return RuleTrace(name, kind, status, summary, (), tuple(actions), group)


_KINDS = {
    "FunctionalRule": "functional",
    "HierarchicalRule": "hierarchical",
    "TimeRule": "time-based",
    "EscalationChain": "chain",
    "Matrix": "matrix",
}


def _not_armed(rule: Rule, context: Any) -> str:
    at = getattr(rule, "at", None)
    metric = getattr(at, "metric", None)
    if metric is not None:
        state = context.sla(metric, need_target=False)
        if state is None or state.target is None:
            return f"no {metric} target at {context.level.id} for priority {context.issue.priority}"
        return f"the {metric} clock is {state.state}"
    since = getattr(at, "since", None)
    if since is not None:
        return f"no {since.value} event yet"
    return "it does not apply at this level or instant"


def _fate(
    action: Action,
    scope: int,
    context: Context,
    in_decision: set[tuple[str, str]],
    decision: Decision,
) -> ActionTrace:
    why_not = fate(action, scope, context, action.rule)
    if why_not == "recorded":
        return ActionTrace(action, "already done", "recorded in the history (Issue.record)")
    if why_not == "superseded":
        later = superseded_by(action, context)
        assert later is not None  # fate found it
        return ActionTrace(
            action,
            "superseded",
            f"a later threshold of the same SLA clock, {later.rule!r}, was crossed at "
            f"{local(later.at)} before this was recorded",
        )
    if why_not == "not up":
        return ActionTrace(
            action, "no effect", f"the issue is already at {context.level.id}, not below it"
        )
    if why_not == "same team":
        return ActionTrace(action, "no effect", f"the issue is already with {context.issue.team}")
    if why_not == "unchanged":
        return ActionTrace(
            action, "no effect", f"the issue's {action.kind[4:]} is already {action.target}"
        )
    if (action.rule, action.key) in in_decision:
        return ActionTrace(action, "taken", "in the decision")
    winner = decision.escalation
    if type(action) is Escalate and winner is not None:
        return ActionTrace(
            action,
            "outranked",
            f"at most one escalation: {winner.rule!r} goes to {winner.to}",
        )
    return ActionTrace(action, "outranked", "an earlier rule matched first")


def _winner(decision: Decision, traces: list[RuleTrace]) -> str:
    if not decision.actions:
        return ""
    parts = []
    esc = decision.escalation
    competing = [
        a
        for t in traces
        for a in t.actions
        if isinstance(a.action, Escalate) and a.status in ("taken", "outranked")
    ]
    if esc is not None:
        if len(competing) > 1:
            parts.append(
                f"{len(competing)} rules wanted to escalate; the highest target wins, the "
                f"earliest rule on a tie: {esc.rule!r} to {esc.to}"
            )
        else:
            parts.append(f"{esc.rule!r} escalates to {esc.to}")
    others = [a for a in decision.actions if not isinstance(a, Escalate)]
    if others:
        parts.append(
            "every matching rule acts: " + ", ".join(f"{a.rule!r} ({a.kind})" for a in others)
        )
    return "; ".join(parts)
