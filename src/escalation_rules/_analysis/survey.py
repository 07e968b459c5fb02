"""What a policy mentions, surveyed so that generated issues exercise its rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._conditions.compare import Compare, Contains, Exists, In
from .._conditions.condition import All, Any_, Condition, Not
from .._model.anchors import ANCHOR_EVENTS, Anchor
from .._model.clock_definitions import SlaClock
from .._model.events import EventKind, Status
from .._model.targets import Target
from .._rules.chain import EscalationChain
from .._rules.first_match import leaves
from .._rules.functional import FunctionalRule
from .._rules.hierarchical import HierarchicalRule
from .._rules.timed import After, SlaShare, TimeRule

if TYPE_CHECKING:
    from .._engine.policy import Policy

_MINUTE: Final = timedelta(minutes=1)
_BUILT_IN: Final = frozenset(s.value for s in Status)

# The events that move each anchor: its own kind, or a level change for the level entry.
_ANCHOR_KINDS: Final = {**ANCHOR_EVENTS, Anchor.LEVEL_ENTERED: EventKind.LEVEL_CHANGED}
_DERIVED_KINDS: Final = {
    "reopened": EventKind.STATUS_CHANGED,
    "resolved": EventKind.STATUS_CHANGED,
    "team_changed": EventKind.REASSIGNED,
}


def clock_kinds(clock: SlaClock) -> tuple[EventKind, ...]:
    """The event kinds that move *clock*: the kinds its conditions name."""
    out: list[EventKind] = []
    for triggers in (*clock.conditions().values(), clock.armed_by):
        for trigger in triggers:
            kind = _DERIVED_KINDS.get(trigger.kind)
            if kind is None and trigger.kind != "created":
                kind = EventKind(trigger.kind)
            if kind is not None and kind not in out:
                out.append(kind)
    return tuple(out)


_ORDERING: Final = ("<", "<=", ">", ">=")
_STRING_FIELDS: Final = frozenset(
    {
        "id",
        "priority",
        "category",
        "team",
        "assignee",
        "product",
        "language",
        "customer.id",
        "customer.tier",
        "customer.account",
    }
)


def add_once(seq: list[Any], value: Any) -> None:
    if not any(type(v) is type(value) and v == value for v in seq):
        seq.append(value)


@attrs.define
class Survey:
    """What issues should vary to exercise a policy (or a generic set of values)."""

    values: dict[str, list[Any]] = attrs.field(factory=dict)  # field path -> values
    exact: set[str] = attrs.field(factory=set)  # paths whose values are the only valid ones
    items: dict[str, list[str]] = attrs.field(factory=dict)  # set-valued path -> items
    priorities: list[str] = attrs.field(factory=list)
    levels: list[str] = attrs.field(factory=list)
    statuses: list[str] = attrs.field(factory=lambda: ["pending", "open", "resolved"])
    teams: list[str] = attrs.field(factory=list)
    kinds: list[EventKind] = attrs.field(factory=list)
    durations: list[timedelta] = attrs.field(factory=list)
    policy_clocks: dict[str, SlaClock] = attrs.field(factory=dict)  # clock name -> clock

    def kind(self, kind: EventKind) -> None:
        add_once(self.kinds, kind)

    def duration(self, value: object) -> None:
        if isinstance(value, timedelta) and value > timedelta(0):
            add_once(self.durations, value)

    def value(self, path: str, value: Any, op: str = "==") -> None:
        values = self.values.setdefault(path, [])
        add_once(values, value)
        if op in _ORDERING:  # both sides of the boundary
            if isinstance(value, int | float) and not isinstance(value, bool):
                add_once(values, value - 1)
                add_once(values, value + 1)
            elif isinstance(value, str):
                add_once(values, value + "~")
                if value:
                    add_once(values, value[:-1])
            elif isinstance(value, datetime | timedelta):
                add_once(values, value - _MINUTE)
                add_once(values, value + _MINUTE)

    def condition(self, condition: Condition) -> None:
        if isinstance(condition, All | Any_):
            for child in condition.conditions:
                self.condition(child)
        elif isinstance(condition, Not):
            self.condition(condition.condition)
        elif isinstance(condition, Compare):
            self.value(condition.path, condition.literal, condition.op)
        elif isinstance(condition, In):
            for value in condition.values:
                self.value(condition.path, value)
        elif isinstance(condition, Contains):
            add_once(self.items.setdefault(condition.path, []), condition.item)
        elif isinstance(condition, Exists):
            if condition.path in ("skills", "tags"):
                self.items.setdefault(condition.path, [])
            else:
                self.values.setdefault(condition.path, [])
        else:  # predicates, time functions, your own conditions: what they tell
            anchor = getattr(condition, "anchor", None)
            if isinstance(anchor, Anchor) and anchor in _ANCHOR_KINDS:
                self.kind(_ANCHOR_KINDS[anchor])
            self.duration(getattr(condition, "duration", None))
            clocks = getattr(condition, "clocks", None)
            self.clock_names(clocks() if callable(clocks) else ())
            for path in condition.fields():
                if path in ("skills", "tags"):
                    self.items.setdefault(path, [])
                else:
                    self.values.setdefault(path, [])

    def clock_names(self, names: Iterable[str]) -> None:
        for name in names:
            if name in self.policy_clocks:
                for kind in clock_kinds(self.policy_clocks[name]):
                    self.kind(kind)


def survey_of(policy: Policy) -> Survey:
    """Walk *policy*: its levels, targets, statuses, rules and their conditions."""
    survey = Survey(levels=[lvl.id for lvl in policy.levels])
    survey.policy_clocks = dict(policy.clocks)
    for host in policy.status_map:
        add_once(survey.statuses, host)
    add_once(survey.statuses, Status.CLOSED.value)
    for level in policy.levels:
        survey.duration(level.ack_timeout)
    for clock, table in _target_tables(policy):
        survey.clock_names([clock])
        for priority, target in table.items():
            if priority != "*":
                add_once(survey.priorities, priority)
            survey.duration(target.duration)
    for sla in policy.slas:
        if sla.when is not None:
            survey.condition(sla.when)
    for rule in leaves(policy.rules):
        when = getattr(rule, "when", None)
        if isinstance(when, Condition):
            survey.condition(when)
        if isinstance(rule, FunctionalRule):
            add_once(survey.teams, rule.team)
        elif isinstance(rule, HierarchicalRule) and rule.on is not None:
            survey.kind(rule.on)
        elif isinstance(rule, EscalationChain):
            survey.kind(EventKind.ACKNOWLEDGED)
            survey.kind(EventKind.LEVEL_CHANGED)
        elif isinstance(rule, TimeRule):
            _trigger(survey, policy, rule.at)
    single = () if policy.calendar_field is None else (policy.calendar_field,)
    for path in (*policy.calendar_fields, *single):
        survey.values[path] = sorted(policy.calendars)
        survey.exact.add(path)
    if policy.zone_field is not None:
        survey.values[policy.zone_field] = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"]
        survey.exact.add(policy.zone_field)
    # Literals of the special fields become what the story varies.
    for value in survey.values.pop("priority", []):
        add_once(survey.priorities, value)
    for value in survey.values.pop("team", []):
        add_once(survey.teams, value)
    for value in survey.values.pop("status", []):
        if isinstance(value, str) and (value in survey.statuses or value in _BUILT_IN):
            add_once(survey.statuses, value)
    survey.values.pop("level", None)  # levels come from the policy's own ids
    if survey.teams:
        survey.kind(EventKind.REASSIGNED)
    if len(survey.levels) < 2 and EventKind.LEVEL_CHANGED in survey.kinds:
        survey.kinds.remove(EventKind.LEVEL_CHANGED)
    return survey


def _trigger(survey: Survey, policy: Policy, at: object) -> None:
    if isinstance(at, After):
        survey.duration(at.duration)
        if at.since in _ANCHOR_KINDS:
            survey.kind(_ANCHOR_KINDS[at.since])
    elif isinstance(at, SlaShare):
        survey.clock_names([at.metric])
        for clock, table in _target_tables(policy):
            if clock == at.metric:
                for target in table.values():
                    survey.duration(at.threshold(target.duration))


def _target_tables(policy: Policy) -> Iterable[tuple[str, Mapping[str, Target]]]:
    """Every target table of *policy*: its levels', its SLA policies' and its own."""
    for level in policy.levels:
        yield from level.targets.items()
    for sla in policy.slas:
        yield from sla.targets.items()
    yield from policy.targets.items()
