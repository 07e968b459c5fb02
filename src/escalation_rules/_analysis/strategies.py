"""Hypothesis strategies, behind the public `escalation_rules.strategies`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import attrs

try:
    from hypothesis import strategies as st
except ImportError as _exc:  # pragma: no cover - the test environment has Hypothesis
    raise ImportError(
        "escalation_rules.strategies needs Hypothesis, which is not installed; "
        "install it with: pip install 'escalation-rules[testing]'"
    ) from _exc

from .._conditions.compare import Compare, Contains, Exists, In
from .._conditions.condition import All, Any_, Condition, Not
from .._instants import EPOCH
from .._model.anchors import Anchor
from .._model.events import Event, EventKind, Status
from .._model.issue import Customer, Issue
from .._model.targets import Metric
from .._rules.chain import EscalationChain
from .._rules.first_match import FirstMatch
from .._rules.functional import FunctionalRule
from .._rules.hierarchical import HierarchicalRule
from .._rules.timed import After, SlaShare, TimeRule
from .._time.calendar import BusinessCalendar

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._rules.base import Rule


ZONES: Final = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
"""Zones instants are drawn in: both hemispheres' DST (Sydney's runs October to April),
and a half-hour offset (Kolkata). The first one is what strategies shrink towards."""

_MINUTE: Final = timedelta(minutes=1)
_BUILT_IN: Final = frozenset(s.value for s in Status)
_WEEKS_6: Final = timedelta(days=42)


def durations(
    *,
    min_value: timedelta = timedelta(0),
    max_value: timedelta = timedelta(days=2),
    resolution: timedelta = _MINUTE,
) -> st.SearchStrategy[timedelta]:
    """Durations from *min_value* to *max_value* in steps of *resolution*.

    Shrinks towards *min_value*.
    """
    if resolution <= timedelta(0):
        raise ValueError(f"resolution must be positive, got {resolution!r}")
    if max_value < min_value:
        raise ValueError(f"max_value {max_value} is below min_value {min_value}")
    steps = (max_value - min_value) // resolution
    return st.integers(0, steps).map(lambda n: min_value + n * resolution)


def zones(names: Sequence[str] = ZONES) -> st.SearchStrategy[ZoneInfo]:
    """IANA zones from *names* (default `ZONES`). Shrinks towards the first one (UTC)."""
    return st.sampled_from([ZoneInfo(name) for name in names])


def instants(
    *,
    start: datetime = EPOCH,
    within: timedelta = _WEEKS_6,
    zones: Sequence[str] = ZONES,
    resolution: timedelta = _MINUTE,
) -> st.SearchStrategy[datetime]:
    """Aware instants from *start* to *start* + *within*, each shown in one of *zones*.

    The default six weeks from Monday 2 March 2026 cross the spring DST change in
    New York (8 March) and Berlin (29 March) and the autumn one in Sydney (5 April).
    Shrinks towards *start* (`EPOCH` by default) in the first zone (UTC).
    """
    offsets = durations(max_value=within, resolution=resolution)
    return st.builds(
        lambda d, zone: (start + d).astimezone(zone),
        offsets,
        st.sampled_from([ZoneInfo(name) for name in zones]),
    )


# -- calendars -------------------------------------------------------------------------------

_WEEKS: Final[tuple[dict[str, list[tuple[str, str]]], ...]] = (
    {"mon-fri": [("09:00", "17:00")]},
    {"mon-fri": [("09:00", "12:30"), ("13:30", "17:00")]},
    {"mon-sun": [("08:00", "20:00")]},
    {"mon-sat": [("20:00", "06:00")]},  # a night shift, crossing midnight
    {"mon-sun": [("00:00", "00:00")]},  # around the clock
)


def _week_from(days: list[tuple[int, int] | None]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for weekday, shift in enumerate(days):
        if shift is not None:
            start, length = shift
            out[weekday] = [(f"{start:02d}:00", f"{min(start + length, 24):02d}:00")]
    return out


def calendars(
    *, zones: Sequence[str] = ZONES, holidays_from: date | None = None, max_holidays: int = 3
) -> st.SearchStrategy[BusinessCalendar]:
    """Business calendars: office hours, split days, night shifts, 24/7, or random hours.

    Random hours are one shift a day on some weekdays (at least one). Holidays fall in
    the six weeks from *holidays_from* (default: `EPOCH`'s date), where `instants` lie by default.
    Shrinks towards Monday to Friday, 09:00 to 17:00, in UTC, with no holidays.
    """
    first = EPOCH.date() if holidays_from is None else holidays_from
    shift = st.tuples(st.integers(0, 22), st.integers(1, 12))
    random_week = (
        st.lists(st.none() | shift, min_size=7, max_size=7)
        .filter(lambda days: any(d is not None for d in days))
        .map(_week_from)
    )
    weeks: st.SearchStrategy[Any] = st.sampled_from(_WEEKS) | random_week
    holidays = st.lists(
        st.integers(0, 41).map(lambda n: first + timedelta(days=n)),
        max_size=max_holidays,
        unique=True,
    )
    return st.builds(
        lambda tz, week, days: BusinessCalendar(tz, week, holidays=days),
        st.sampled_from(list(zones)),
        weeks,
        holidays,
    )


# -- what a policy mentions --------------------------------------------------------------------

_ANCHOR_KINDS: Final = {
    Anchor.ACKNOWLEDGED: EventKind.ACKNOWLEDGED,
    Anchor.LAST_AGENT_REPLY: EventKind.AGENT_REPLY,
    Anchor.LAST_CUSTOMER_MESSAGE: EventKind.CUSTOMER_MESSAGE,
    Anchor.MANAGER_REQUESTED: EventKind.MANAGER_REQUESTED,
    Anchor.LEVEL_ENTERED: EventKind.LEVEL_CHANGED,
}
_METRIC_KINDS: Final = {
    Metric.FIRST_RESPONSE: (EventKind.AGENT_REPLY,),
    Metric.NEXT_RESPONSE: (EventKind.CUSTOMER_MESSAGE, EventKind.AGENT_REPLY),
    Metric.PERIODIC_UPDATE: (EventKind.AGENT_REPLY,),
    Metric.RESOLUTION: (),
    Metric.TIME_AT_LEVEL: (EventKind.LEVEL_CHANGED,),
}
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


def _add(seq: list[Any], value: Any) -> None:
    if not any(type(v) is type(value) and v == value for v in seq):
        seq.append(value)


@attrs.define
class _Survey:
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
    policy_clocks: dict[str, Metric] = attrs.field(factory=dict)  # clock name -> metric

    def kind(self, kind: EventKind) -> None:
        _add(self.kinds, kind)

    def duration(self, value: object) -> None:
        if isinstance(value, timedelta) and value > timedelta(0):
            _add(self.durations, value)

    def value(self, path: str, value: Any, op: str = "==") -> None:
        values = self.values.setdefault(path, [])
        _add(values, value)
        if op in _ORDERING:  # both sides of the boundary
            if isinstance(value, int | float) and not isinstance(value, bool):
                _add(values, value - 1)
                _add(values, value + 1)
            elif isinstance(value, str):
                _add(values, value + "~")
                if value:
                    _add(values, value[:-1])
            elif isinstance(value, datetime | timedelta):
                _add(values, value - _MINUTE)
                _add(values, value + _MINUTE)

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
            _add(self.items.setdefault(condition.path, []), condition.item)
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
                for kind in _METRIC_KINDS[self.policy_clocks[name]]:
                    self.kind(kind)


def _rules(rules: Iterable[Rule]) -> Iterable[Rule]:
    for rule in rules:
        if isinstance(rule, FirstMatch):
            yield from _rules(rule.rules)
        else:
            yield rule


def _survey(policy: Policy) -> _Survey:
    """Walk *policy*: its levels, targets, statuses, rules and their conditions."""
    survey = _Survey(levels=[lvl.id for lvl in policy.levels])
    survey.policy_clocks = {name: clock.metric for name, clock in policy.clocks.items()}
    for host in policy.status_map:
        _add(survey.statuses, host)
    _add(survey.statuses, Status.CLOSED.value)
    for level in policy.levels:
        survey.duration(level.ack_timeout)
        for clock, table in level.targets.items():
            survey.clock_names([clock])
            for priority, target in table.items():
                if priority != "*":
                    _add(survey.priorities, priority)
                survey.duration(target.duration)
    for rule in _rules(policy.rules):
        when = getattr(rule, "when", None)
        if isinstance(when, Condition):
            survey.condition(when)
        if isinstance(rule, FunctionalRule):
            _add(survey.teams, rule.team)
        elif isinstance(rule, HierarchicalRule) and rule.on is not None:
            survey.kind(rule.on)
        elif isinstance(rule, EscalationChain):
            survey.kind(EventKind.ACKNOWLEDGED)
            survey.kind(EventKind.LEVEL_CHANGED)
        elif isinstance(rule, TimeRule):
            _trigger(survey, policy, rule.at)
    if policy.calendar_field is not None:
        survey.values[policy.calendar_field] = sorted(policy.calendars)
        survey.exact.add(policy.calendar_field)
    # Literals of the special fields become what the issue's story varies.
    for value in survey.values.pop("priority", []):
        _add(survey.priorities, value)
    for value in survey.values.pop("team", []):
        _add(survey.teams, value)
    for value in survey.values.pop("status", []):
        if isinstance(value, str) and (value in survey.statuses or value in _BUILT_IN):
            _add(survey.statuses, value)
    survey.values.pop("level", None)  # levels come from the policy's own ids
    if survey.teams:
        survey.kind(EventKind.REASSIGNED)
    if len(survey.levels) < 2 and EventKind.LEVEL_CHANGED in survey.kinds:
        survey.kinds.remove(EventKind.LEVEL_CHANGED)
    return survey


def _trigger(survey: _Survey, policy: Policy, at: object) -> None:
    if isinstance(at, After):
        survey.duration(at.duration)
        if at.since in _ANCHOR_KINDS:
            survey.kind(_ANCHOR_KINDS[at.since])
    elif isinstance(at, SlaShare):
        survey.clock_names([at.metric])
        for level in policy.levels:
            for target in level.targets.get(at.metric, {}).values():
                survey.duration(at.threshold(target.duration))


# -- histories and issues ----------------------------------------------------------------------


def _spec(kind: EventKind, survey: _Survey) -> st.SearchStrategy[tuple[EventKind, dict[str, Any]]]:
    if kind is EventKind.STATUS_CHANGED:
        return st.sampled_from(survey.statuses).map(lambda s: (kind, {"status": s}))
    if kind is EventKind.LEVEL_CHANGED:
        return st.sampled_from(survey.levels).map(lambda lvl: (kind, {"level": lvl}))
    if kind is EventKind.REASSIGNED:
        return st.sampled_from(survey.teams).map(lambda team: (kind, {"team": team}))
    if kind is EventKind.CUSTOM:
        return st.just((kind, {"name": "custom"}))
    return st.just((kind, {}))


def _gaps(survey: _Survey) -> st.SearchStrategy[timedelta]:
    """Gaps between events: short ones (events in quick succession), any up to one and a
    half times the policy's longest duration, or exactly one of its durations."""
    longest = max(survey.durations, default=timedelta(hours=8))
    cap = min(max(longest * 3 // 2, timedelta(hours=1)), timedelta(days=14))
    gaps = durations(max_value=timedelta(hours=1)) | durations(max_value=cap)
    if not survey.durations:
        return gaps
    return gaps | st.sampled_from(sorted(survey.durations))


_Steps = list[tuple[timedelta, tuple[EventKind, dict[str, Any]]]]


def _steps(
    survey: _Survey, max_events: int, gaps: st.SearchStrategy[timedelta] | None = None
) -> st.SearchStrategy[_Steps]:
    """The events after the creation, as (gap, (kind, fields)) pairs."""
    kinds = [
        k
        for k in dict.fromkeys([EventKind.STATUS_CHANGED, *survey.kinds])
        if not (k is EventKind.LEVEL_CHANGED and not survey.levels)
        and not (k is EventKind.REASSIGNED and not survey.teams)
        and not (k is EventKind.STATUS_CHANGED and not survey.statuses)
    ]
    if not kinds:
        return st.just([])
    spec = st.one_of([_spec(k, survey) for k in kinds])
    return st.lists(
        st.tuples(gaps if gaps is not None else _gaps(survey), spec), max_size=max_events
    )


def _events(start: datetime, steps: _Steps) -> tuple[Event, ...]:
    t, out = start, [Event(EventKind.CREATED, start)]
    for gap, (kind, fields) in steps:
        t = t + gap
        out.append(Event(kind, t, **fields))
    return tuple(out)


def _nested(target: dict[str, Any], keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        inner = target.get(key)
        if not isinstance(inner, dict):
            inner = target[key] = {}
        target = inner
    target[keys[-1]] = value


def _filler(path: str, values: list[Any]) -> Any:
    """A value the policy does not mention, of the kind it compares the field with."""
    first = values[0] if values else None
    if isinstance(first, bool):
        return not first
    if path == "customer.value" or isinstance(first, int | float):
        return 0
    if first is None or isinstance(first, str):
        return "other"
    return None  # datetimes, durations: only the values the policy mentions


def _field(survey: _Survey, path: str) -> st.SearchStrategy[Any]:
    """The values of one field path: none first, then those the policy mentions."""
    if path in survey.items:
        items = [*survey.items[path], "other"]
        sets = st.lists(st.sampled_from(items), unique=True, max_size=len(items))
        if path in ("skills", "tags"):
            return sets
        return sets.map(lambda values: tuple(values) or None)
    candidates = list(survey.values[path])
    if path not in survey.exact:
        filler = _filler(path, candidates)
        if filler is not None:
            _add(candidates, filler)
    return st.none() | st.sampled_from(candidates) if candidates else st.none()


def _maybe(values: list[str]) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(values) if values else st.none()


def _issues(
    survey: _Survey, opened: st.SearchStrategy[datetime], max_events: int, issue_id: str
) -> st.SearchStrategy[Issue]:
    # Every sub-strategy is built once, here: building strategies inside a draw costs
    # more than the draw itself.
    paths = sorted(set(survey.values) | set(survey.items))
    parts = st.tuples(
        opened,
        st.fixed_dictionaries({path: _field(survey, path) for path in paths}),
        _maybe(survey.priorities),
        _maybe(survey.levels if len(survey.levels) > 1 else []),
        _maybe(survey.teams),
        _steps(survey, max_events),
    )

    def assemble(
        part: tuple[datetime, dict[str, Any], str | None, str | None, str | None, _Steps],
    ) -> Issue:
        start, values, priority, level, team, steps = part
        fields: dict[str, Any] = {}
        customer: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        customer_attributes: dict[str, Any] = {}
        for path, value in values.items():
            if value is None:
                continue
            if path.startswith("customer.attributes."):
                _nested(customer_attributes, path.split(".")[2:], value)
            elif path.startswith("attributes."):
                _nested(attributes, path.split(".")[1:], value)
            elif path.startswith("customer."):
                customer[path.split(".", 1)[1]] = value
            else:
                fields[path] = value
        history = _events(start, steps)
        ident = fields.pop("id", issue_id)
        if team is not None:
            fields.setdefault("team", team)
        return Issue(
            str(ident),
            start,
            priority=priority,
            level=None if any(e.level for e in history) else level,
            customer=Customer(**customer, attributes=customer_attributes),
            attributes=attributes,
            history=history,
            **fields,
        )

    return parts.map(assemble)


def _opened(opened: st.SearchStrategy[datetime] | datetime | None) -> st.SearchStrategy[datetime]:
    if opened is None:
        return instants()
    if isinstance(opened, datetime):
        return st.just(opened)
    return opened


def issues_for(
    policy: Policy,
    *,
    opened: st.SearchStrategy[datetime] | datetime | None = None,
    max_events: int = 6,
    issue_id: str = "T-1",
    priorities: Sequence[str] = (),
) -> st.SearchStrategy[Issue]:
    """Issues relevant to *policy*, built from what it mentions.

    Fields its conditions read take the values they compare with (on both sides of an
    ordering test), a value they do not mention, or none; set fields (``tags``,
    ``skills``) hold items the policy tests for. The priority is one of those its
    conditions and targets name, the starting level one of its levels, the team one it
    routes to; the calendar field names one of its calendars. The history holds status
    changes (pending, open, resolved, and the host statuses of its ``status_map``) and
    the events its rules and clocks react to (manager requests, acknowledgements,
    replies, level changes), apart by gaps on the scale of its targets and timeouts.

    Args:
        policy: the policy to exercise.
        opened: when issues are opened: a strategy, a fixed instant, or `instants()`.
        max_events: at most this many events after the creation.
        issue_id: the id, unless the policy's conditions test ids.
        priorities: more priorities to draw from, besides those the policy names (say,
            the priority an invariant is about).

    Shrinks towards an issue opened at `EPOCH`, in UTC, with no fields set and only its
    ``CREATED`` event.
    """
    survey = _survey(policy)
    for priority in priorities:
        _add(survey.priorities, priority)
    return _issues(survey, _opened(opened), max_events, issue_id)


def evaluations_for(
    policy: Policy,
    *,
    opened: st.SearchStrategy[datetime] | datetime | None = None,
    max_events: int = 6,
    within: timedelta | None = None,
) -> st.SearchStrategy[tuple[Issue, datetime]]:
    """Pairs ``(issue, now)``: an issue from `issues_for`, and an instant to evaluate it at.

    *now* is at or after the issue's last event, by at most *within* (by default one
    and a half times the policy's longest target or timeout, at least an hour).
    Shrinks towards the `issues_for` minimum, evaluated at its last event.
    """
    survey = _survey(policy)
    longest = max(survey.durations, default=timedelta(hours=8))
    span = within if within is not None else max(longest * 3 // 2, timedelta(hours=1))
    return st.builds(
        lambda issue, d: (issue, issue.history[-1].at + d),
        _issues(survey, _opened(opened), max_events, "T-1"),
        durations(max_value=span),
    )


def histories(
    *,
    start: datetime = EPOCH,
    kinds: Sequence[EventKind | str] = (
        EventKind.CUSTOMER_MESSAGE,
        EventKind.AGENT_REPLY,
        EventKind.STATUS_CHANGED,
    ),
    levels: Sequence[str] = (),
    statuses: Sequence[str] = ("pending", "open", "resolved"),
    teams: Sequence[str] = (),
    max_events: int = 6,
    gaps: st.SearchStrategy[timedelta] | None = None,
) -> st.SearchStrategy[tuple[Event, ...]]:
    """Event histories in time order: a ``CREATED`` event at *start*, then up to *max_events*.

    Each later event is of one of *kinds*; a status change takes one of *statuses*, a
    level change one of *levels*, a reassignment one of *teams* (kinds that need them
    are left out without them). Gaps are *gaps*, or up to 8 hours in whole minutes.
    Shrinks towards the ``CREATED`` event alone.
    """
    survey = _Survey(levels=list(levels), statuses=list(statuses), teams=list(teams))
    for kind in kinds:
        survey.kind(EventKind(kind))
    if EventKind.STATUS_CHANGED not in survey.kinds:
        survey.statuses = []
    return _steps(survey, max_events, gaps).map(lambda steps: _events(start, steps))


def issues(
    *,
    opened: st.SearchStrategy[datetime] | datetime | None = None,
    priorities: Sequence[str] = ("P1", "P2", "P3"),
    categories: Sequence[str] = ("billing", "outage", "how-to"),
    tags: Sequence[str] = ("vip", "security"),
    tiers: Sequence[str] = ("enterprise", "gold", "free"),
    levels: Sequence[str] = (),
    statuses: Sequence[str] = ("pending", "open", "resolved"),
    kinds: Sequence[EventKind | str] = (
        EventKind.CUSTOMER_MESSAGE,
        EventKind.AGENT_REPLY,
        EventKind.MANAGER_REQUESTED,
        EventKind.ACKNOWLEDGED,
    ),
    max_events: int = 6,
) -> st.SearchStrategy[Issue]:
    """Issues for any policy: a priority, category, tags and customer tier from the lists.

    Levels are only set (at the start, or by level changes) when *levels* are given:
    pass your policy's level ids. For issues tailored to one policy, use `issues_for`.
    Shrinks towards an issue opened at `EPOCH`, in UTC, with no fields set and only its
    ``CREATED`` event.
    """
    survey = _Survey(
        levels=list(levels),
        statuses=list(statuses),
        priorities=list(priorities),
        values={"category": list(categories), "customer.tier": list(tiers)},
        exact={"category", "customer.tier"},
        items={"tags": list(tags)} if tags else {},
    )
    for kind in kinds:
        survey.kind(EventKind(kind))
    if len(survey.levels) > 1:
        survey.kind(EventKind.LEVEL_CHANGED)
    return _issues(survey, _opened(opened), max_events, "T-1")
