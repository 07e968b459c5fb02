"""The policy linter: mistakes a policy can be built with, found before they bite.

`lint(policy)` returns findings; `lint_text`/`lint_file` also place them in the
policy file (line and column) and turn a policy that does not load into an
error finding. Each finding has a stable code:

========  ========  ================================================================
code      severity  what
========  ========  ================================================================
ER000     error     the policy does not load (syntax, reference or validation error)
ER101     warning   a level no rule can move an issue to
ER102     warning   a rule that can never fire (its condition is false for every issue)
ER103     warning   a rule always shadowed by an earlier rule of a first-match group
ER104     warning   an SLA target that shrinks as the levels rise
ER105     warning   an SLA threshold that never comes: an earlier escalation on the
                    same clock always moves the issue up first
ER106     warning   routing rules that send issues round in a loop
ER107     warning   an on-call chain with no terminal level
ER108     warning   a calendar no level, SLA policy, policy setting or clock uses
ER109     warning   a calendar that is open less than an hour a week
ER110     warning   an SLA target that disappears as the levels rise
ER111     warning   an escalation matrix without a default row ("*")
ER112     warning   a matrix row whose window shrinks from one level to the next
ER113     warning   a matrix cell without an owner, or a row that skips a level
ER114     warning   a matrix window at the top level (nowhere to move on to)
========  ========  ================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .._conditions.compare import Compare, In
from .._conditions.condition import ALWAYS, NEVER, All, Any_, Condition, Not
from .._exceptions import EscalationRulesError, PolicyError, PolicySyntaxError
from .._io.locator import Locator
from .._io.parameters import unused_parameters
from .._io.reader import loads, read_policy_text
from .._rules.base import NEXT, Rule
from .._rules.chain import EscalationChain
from .._rules.first_match import FirstMatch, walk
from .._rules.functional import FunctionalRule
from .._rules.hierarchical import HierarchicalRule
from .._rules.matrix import Matrix
from .._rules.timed import After, SlaShare, TimeRule
from .._time.clocks import BusinessClock
from .._time.conditions import named_calendars
from .findings import Finding, LintReport
from .lint_matrix import MATRIX_CHECKS
from .lint_targets import shrinking_targets, vanishing_targets

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._model.levels import Level
    from .._time.calendar import BusinessCalendar


def _walk(rules: Sequence[Rule]) -> Iterable[tuple[Rule, str]]:
    """Every rule and group with its place as text: ``rules[2].rules[0]``."""
    for rule, _group, place in walk(rules):
        yield rule, ".".join(f"rules[{i}]" for i in place)


def _escalations(rule: Rule, policy: Policy, level: int) -> set[int] | None:
    """Levels *rule* can move an issue at *level* to; None when it cannot be decided."""
    n = len(policy.levels)

    def target(to: object) -> set[int]:
        if to is NEXT:
            return {level + 1} if level + 1 < n else set()
        pos = policy.level_positions[str(to)]
        return {pos} if pos > level else set()

    if isinstance(rule, HierarchicalRule):
        return set() if rule.when == NEVER else target(rule.to)
    if isinstance(rule, TimeRule):
        if rule.action != "escalate" or rule.when == NEVER:
            return set()
        if isinstance(rule.at, SlaShare) and not _may_have_target(
            policy, policy.levels[level], rule.at.metric
        ):
            return set()
        return target(rule.to)
    if isinstance(rule, EscalationChain):
        return {level + 1} if policy.levels[level].ack_timeout and level + 1 < n else set()
    if isinstance(rule, FirstMatch):
        out: set[int] = set()
        for member in rule.rules:
            more = _escalations(member, policy, level)
            if more is None:
                return None
            out |= more
        return out
    if isinstance(rule, Matrix):
        here = policy.levels[level].id
        moves = any(
            (found := one.cells.get(here)) is not None and found.window is not None
            for one in rule.rows
        )
        return {level + 1} if moves and level + 1 < n else set()
    if isinstance(rule, FunctionalRule):
        return set()
    return None  # a custom rule: it may escalate anywhere


def _may_have_target(policy: Policy, level: Level, clock: str) -> bool:
    """Can an issue at *level* have a target on *clock* (its own, an SLA policy's, the
    policy-wide one)?"""
    return (
        clock in level.targets
        or clock in policy.targets
        or any(clock in sla.targets for sla in policy.slas)
    )


def _unreachable_levels(policy: Policy) -> list[Finding]:
    reached = {0}
    todo = [0]
    while todo:
        level = todo.pop()
        for rule in policy.rules:
            targets = _escalations(rule, policy, level)
            if targets is None:
                return []  # a custom rule could reach any level: undecidable
            for t in targets - reached:
                reached.add(t)
                todo.append(t)
    return [
        Finding(
            "ER101",
            "warning",
            f"no rule moves an issue to level {lvl.id!r} (only a host setting Issue.level can)",
            f"levels[{i}]",
        )
        for i, lvl in enumerate(policy.levels)
        if i not in reached
    ]


def _conjuncts(condition: Condition) -> frozenset[Condition]:
    if isinstance(condition, All):
        return frozenset(c for child in condition.conditions for c in _conjuncts(child))
    if condition == ALWAYS:
        return frozenset()
    return frozenset({condition})


def _never(condition: Condition) -> bool:
    """Is *condition* false for every issue? (Decided for plain contradictions only.)"""
    if condition == NEVER:
        return True
    if isinstance(condition, Any_):
        return all(_never(c) for c in condition.conditions)
    if not isinstance(condition, All):
        return False
    parts = _conjuncts(condition)
    if any(_never(p) for p in parts):
        return True
    allowed: dict[str, set[Any]] = {}
    for part in parts:
        if isinstance(part, Compare) and part.op == "==":
            values = {part.literal}
        elif isinstance(part, In):
            values = set(part.values)
        else:
            continue
        if part.path in allowed:
            allowed[part.path] &= values
        else:
            allowed[part.path] = values
        if not allowed[part.path]:
            return True
    return any(Not(p) in parts for p in parts)


def _when(rule: Rule) -> Condition | None:
    when = getattr(rule, "when", None)
    return when if isinstance(when, Condition) else None


def _never_fires(policy: Policy) -> list[Finding]:
    out = []
    for rule, where in _walk(policy.rules):
        when = _when(rule)
        if when is not None and _never(when):
            out.append(
                Finding(
                    "ER102",
                    "warning",
                    f"rule {rule.name!r} can never fire: its condition {when!r} is false for "
                    "every issue",
                    where,
                )
            )
        if (
            isinstance(rule, TimeRule)
            and isinstance(rule.at, SlaShare)
            and rule.action == "escalate"
        ):
            levels = [
                lvl for lvl in policy.levels[:-1] if _may_have_target(policy, lvl, rule.at.metric)
            ]
            if rule.to is NEXT and not levels:
                out.append(
                    Finding(
                        "ER102",
                        "warning",
                        f"rule {rule.name!r} escalates on the {rule.at.metric} SLA, which only "
                        "the top level has a target for: there is no next level",
                        where,
                    )
                )
    return out


def _always_matches_when(rule: Rule) -> Condition | None:
    """The condition under which *rule* surely matches (first-match wins), or None."""
    if isinstance(rule, FunctionalRule):
        return rule.when
    if isinstance(rule, HierarchicalRule) and rule.on is None:
        return rule.when
    return None


def _shadowed(policy: Policy) -> list[Finding]:
    out: list[Finding] = []

    def group(rules: Sequence[Rule], path: str) -> None:
        earlier: list[tuple[Rule, frozenset[Condition]]] = []
        for i, rule in enumerate(rules):
            when = _when(rule)
            if when is not None:
                mine = _conjuncts(when)
                for other, theirs in earlier:
                    if theirs <= mine:
                        out.append(
                            Finding(
                                "ER103",
                                "warning",
                                f"rule {rule.name!r} is always shadowed: the earlier rule "
                                f"{other.name!r} matches every issue it matches",
                                f"{path}[{i}]",
                            )
                        )
                        break
            sure = _always_matches_when(rule)
            if sure is not None:
                earlier.append((rule, _conjuncts(sure)))

    if policy.match == "first":
        group(policy.rules, "rules")
    for rule, where in _walk(policy.rules):
        if isinstance(rule, FirstMatch):
            group(rule.rules, f"{where}.rules")
    return out


def _late_thresholds(policy: Policy) -> list[Finding]:
    out = []
    walked = list(_walk(policy.rules))
    escalations = [
        (rule, where)
        for rule, where in walked
        if isinstance(rule, TimeRule)
        and isinstance(rule.at, SlaShare)
        and rule.action == "escalate"
        and rule.when == ALWAYS
    ]
    for esc, _ in escalations:
        assert isinstance(esc.at, SlaShare)
        for rule, where in walked:
            if rule is esc or not isinstance(rule, TimeRule) or not isinstance(rule.at, SlaShare):
                continue
            at = rule.at
            if at.metric != esc.at.metric:
                continue
            if at.share > esc.at.share or (at.share == esc.at.share and at.offset > esc.at.offset):
                out.append(
                    Finding(
                        "ER105",
                        "warning",
                        f"rule {rule.name!r} waits for {at.describe()}, but {esc.name!r} "
                        f"escalates at {esc.at.describe()} first; below the top level it "
                        "never comes",
                        where,
                    )
                )
    return out


def _team_sources(condition: Condition) -> set[str] | None:
    """The teams a route's condition requires the issue to be with (None: any team)."""
    for part in _conjuncts(condition):
        if isinstance(part, Compare) and part.path == "team" and part.op == "==":
            return {part.literal}
        if isinstance(part, In) and part.path == "team":
            return set(part.values)
    return None


def _routing_loops(policy: Policy) -> list[Finding]:
    routes = [(r, w) for r, w in _walk(policy.rules) if isinstance(r, FunctionalRule)]
    edges: dict[str, set[str]] = {}
    names: dict[tuple[str, str], str] = {}
    for rule, _ in routes:
        assert isinstance(rule, FunctionalRule)
        sources = _team_sources(rule.when)
        if sources is None:
            continue
        for team in sources:
            if team != rule.team:
                edges.setdefault(team, set()).add(rule.team)
                names[(team, rule.team)] = rule.name
    out = []
    seen: set[frozenset[str]] = set()
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges.get(node, ())):
                if nxt == start:
                    cycle = frozenset(path)
                    if cycle not in seen:
                        seen.add(cycle)
                        hops = [*path, start]
                        rules = [names[(a, b)] for a, b in pairwise(hops)]
                        out.append(
                            Finding(
                                "ER106",
                                "warning",
                                "routing loop: " + " -> ".join(hops) + f" (rules {rules})",
                                "rules",
                            )
                        )
                elif nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    return out


def _chains(policy: Policy) -> list[Finding]:
    out = []
    for rule, where in _walk(policy.rules):
        if not isinstance(rule, EscalationChain):
            continue
        timeouts = [lvl.ack_timeout for lvl in policy.levels]
        if timeouts[0] is None:
            out.append(
                Finding(
                    "ER107",
                    "warning",
                    f"chain {rule.name!r} pages {policy.levels[0].id!r} and stops there: the "
                    "first level has no ack_timeout",
                    where,
                )
            )
        elif all(timeouts) and rule.repeat == 0:
            out.append(
                Finding(
                    "ER107",
                    "warning",
                    f"chain {rule.name!r} has no terminal level: the top level "
                    f"{policy.levels[-1].id!r} has an ack_timeout but nothing follows it; "
                    "set repeat, or drop the top level's ack_timeout to make it terminal",
                    where,
                )
            )
    return out


_WEEK = (
    datetime(2030, 1, 7, tzinfo=UTC),
    datetime(2030, 1, 14, tzinfo=UTC),
)


def _calendars(policy: Policy) -> list[Finding]:
    used = {
        policy.calendar,
        *(lvl.calendar for lvl in policy.levels),
        *(sla.calendar for sla in policy.slas),
    }
    for rule, _group, _place in walk(policy.rules):  # after(calendar=...), is_open("...")
        when = getattr(rule, "when", None)
        if isinstance(when, Condition):
            used |= named_calendars(when)
        if isinstance(rule, TimeRule) and isinstance(rule.at, After):
            used.add(rule.at.calendar)
        if isinstance(rule, Matrix):
            used.add(rule.calendar)
    out = []
    clock = policy.clock
    for name, calendar in policy.calendars.items():
        if (
            name not in used
            and policy.calendar_field is None
            and not policy.calendar_fields
            and not (isinstance(clock, BusinessClock) and clock.calendar == calendar)
        ):
            out.append(
                Finding(
                    "ER108",
                    "warning",
                    f"calendar {name!r} is not used by the policy, a level, an SLA policy or "
                    "the clock",
                    f"calendars.{name}",
                )
            )
        if _open_per_week(calendar) < timedelta(hours=1):
            out.append(
                Finding(
                    "ER109",
                    "warning",
                    f"calendar {name!r} is open less than an hour a week",
                    f"calendars.{name}",
                )
            )
    return out


def _open_per_week(calendar: BusinessCalendar) -> timedelta:
    return calendar.between(*_WEEK)


CHECKS = (
    _unreachable_levels,
    _never_fires,
    _shadowed,
    shrinking_targets,
    vanishing_targets,
    _late_thresholds,
    _routing_loops,
    _chains,
    _calendars,
    *MATRIX_CHECKS,
)


def lint(policy: Policy) -> tuple[Finding, ...]:
    """Every warning the linter has for *policy*, in check order."""
    return tuple(f for check in CHECKS for f in check(policy))


def _place(finding: Finding, locator: Locator) -> Finding:
    path: list[str | int] = []
    for part in finding.where.replace("]", "").replace("[", ".").split("."):
        if part:
            path.append(int(part) if part.isdigit() else part)
    line, column = locator.find(tuple(path))
    return attrs.evolve(finding, line=line, column=column)


def lint_text(text: str, *, source: str = "<string>") -> LintReport:
    """Load and lint policy *text*; a policy that does not load is one error finding."""
    try:
        policy = loads(text, source=source)
    except PolicySyntaxError as exc:
        message = str(PolicyError(exc.message, suggestion=exc.suggestion))  # no place
        snippet = f"{exc.line_text}\n    {exc.caret_line}" if exc.line_text else ""
        finding = Finding("ER000", "error", message, "", exc.line, exc.column, snippet)
        return LintReport(source, (finding,))
    except PolicyError as exc:
        return LintReport(source, (Finding("ER000", "error", str(exc), ""),))
    locator = Locator(text, source)
    unused = [  # a file feature: only the text knows its [parameters]
        Finding("ER115", "warning", f"the parameter {name!r} is never used", f"parameters.{name}")
        for name in unused_parameters(text)
    ]
    return LintReport(source, tuple(_place(f, locator) for f in (*lint(policy), *unused)))


def lint_file(path: str | Path) -> LintReport:
    """Read, load and lint the policy file *path*."""
    source = str(path)
    try:
        text = read_policy_text(path)
    except EscalationRulesError as exc:
        return LintReport(source, (Finding("ER000", "error", exc.message, ""),))
    return lint_text(text, source=source)
