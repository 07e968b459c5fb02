"""Hypothesis strategies for event histories and issues, generic or tailored to a policy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .._extras import needs

try:
    from hypothesis import strategies as st
except ImportError as _exc:  # pragma: no cover - the test environment has Hypothesis
    raise ImportError(needs("escalation_rules.strategies", "Hypothesis", "testing")) from _exc

from .._instants import EPOCH
from .._model.events import Event, EventKind
from .._model.issue import Customer, Issue
from .survey import Survey, add_once, survey_of
from .value_strategies import durations, instants

if TYPE_CHECKING:
    from .._engine.policy import Policy


def _spec(kind: EventKind, survey: Survey) -> st.SearchStrategy[tuple[EventKind, dict[str, Any]]]:
    if kind is EventKind.STATUS_CHANGED:
        return st.sampled_from(survey.statuses).map(lambda s: (kind, {"status": s}))
    if kind is EventKind.LEVEL_CHANGED:
        return st.sampled_from(survey.levels).map(lambda lvl: (kind, {"level": lvl}))
    if kind is EventKind.REASSIGNED:
        return st.sampled_from(survey.teams).map(lambda team: (kind, {"team": team}))
    if kind is EventKind.CUSTOM:
        return st.just((kind, {"name": "custom"}))
    if kind is EventKind.FIELD_CHANGED:
        categories = survey.values.get("category") or ["billing", "outage"]
        return st.sampled_from([*categories, None]).map(
            lambda c: (kind, {"name": "category", "data": {"value": c}})
        )
    return st.just((kind, {}))


def _gaps(survey: Survey) -> st.SearchStrategy[timedelta]:
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
    survey: Survey, max_events: int, gaps: st.SearchStrategy[timedelta] | None = None
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


def _field(survey: Survey, path: str) -> st.SearchStrategy[Any]:
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
            add_once(candidates, filler)
    return st.none() | st.sampled_from(candidates) if candidates else st.none()


def _maybe(values: list[str]) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(values) if values else st.none()


def _issues(
    survey: Survey, opened: st.SearchStrategy[datetime], max_events: int, issue_id: str
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
    survey = survey_of(policy)
    for priority in priorities:
        add_once(survey.priorities, priority)
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
    survey = survey_of(policy)
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
    survey = Survey(levels=list(levels), statuses=list(statuses), teams=list(teams))
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
    survey = Survey(
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
