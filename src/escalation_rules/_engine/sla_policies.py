"""SLA policies: which issues an SLA covers, its targets, and which one applied when.

A policy may list SLA policies (``Policy(slas=[...])``), as Zendesk, Zammad and Jira
Service Management define them: ordered, the first whose condition matches the issue
applies, one without a condition (the last) catches the rest. An SLA policy carries
targets by clock and priority, like a level, and may name the calendar they count on.

Which SLA policy applies is re-decided whenever the issue changes: the conditions are
decided on the issue as its history stood (`Issue.as_of`) after each event that changes
a field they read (every event, for a condition that reads the history). The result is
the issue's SLA timeline: ``(since, SLA policy)`` periods, memoised on the issue's
history summary so that an issue with one more event costs one event's work. Fields no
event records (the customer, the category, the attributes) are taken as they are now,
for the whole history; so is a field the host changed without recording an event, from
the last event that could have changed the match (or the creation) on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import attrs

from .._conditions.compare import Compare, Contains, Exists, In
from .._conditions.condition import ALWAYS, All, Any_, Condition, Const, Not
from .._conditions.paths import MISSING, field_getter, validate_path
from .._exceptions import EvaluationError, PolicyError
from .._frozendict import FrozenDict
from .._model.issue import field_changes, summary_of
from .._model.targets import Target, target_table
from .._rules.base import condition_defaults
from .._suggest import did_you_mean

if TYPE_CHECKING:
    from .._model.issue import Issue
    from .._time.calendar import BusinessCalendar
    from .._time.clocks import Measure
    from .policy import Policy

EVENT_FIELDS: Final = frozenset({"status", "level", "team", "assignee", "priority"})
"""The issue fields that events set (`field_changes`): the ones that change over a history."""

MAX_MEMO: Final = 64
"""Derived facts kept per history summary; more (a host trying many policies) starts over."""

MAX_ZONES: Final = 256
"""Calendars shifted to a zone kept per policy (one per calendar and zone met)."""


def target_tables(value: Mapping[str, Any] | None) -> FrozenDict[FrozenDict[Target]]:
    """Targets by clock name, each a duration, a `Target` or a table by priority (``"*"``
    for the rest), as clock -> priority -> `Target`."""
    if value is not None and not isinstance(value, Mapping):
        raise PolicyError(
            f"SLA targets are a mapping of clock names to targets, got {value!r}", value=value
        )
    out = {}
    for clock, target in (value or {}).items():
        if not isinstance(clock, str) or not clock:
            raise PolicyError(f"an SLA target needs a clock name, got {clock!r}", value=clock)
        out[clock] = target_table(clock, target)
    return FrozenDict(out)


def _targets_as_given(value: Mapping[str, Any] | None) -> Mapping[str, Mapping[str, Target]]:
    """The targets as given: a duration, a `Target` or a table by priority per clock.

    A converter only so that ``SlaPolicy(targets=...)`` is typed as a level's targets are;
    `target_tables` normalises them after init, naming the SLA policy in any error.
    """
    return {} if value is None else value


def _when(value: object) -> object:
    return None if value is ALWAYS else value


@attrs.frozen
class SlaPolicy:
    """One SLA policy: the issues it covers, its targets, and the calendar they count on.

    Attributes:
        name: a unique name, shown in clock states, explanations and backtests.
        when: the condition an issue must meet (``F.customer.tier == "enterprise"``);
            ``None`` (or `ALWAYS`) covers every issue: the fallback, which comes last.
            It is decided on the issue's fields and history, never on the instant, so
            ``since(...)``, ``clock(...)`` and ``is_open()`` are refused.
        targets: by clock name, as a level's: a duration, a `Target` or a table by
            priority (``by_priority(P1=hours(1), default=hours(4))``); stored as
            clock -> priority (``"*"`` for any) -> `Target`. A level's own target
            for a clock wins over these.
        calendar: the name of the policy calendar its targets count on, unless the issue
            names its own; ``None`` leaves it to the level and the policy.
    """

    name: str
    when: Condition | None = attrs.field(default=None, kw_only=True, converter=_when)
    targets: Mapping[str, Mapping[str, Target]] = attrs.field(
        factory=dict, kw_only=True, converter=_targets_as_given
    )
    calendar: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name:
            raise PolicyError(f"an SLA policy needs a non-empty name, got {name!r}", value=name)
        where = f"SLA policy {name!r}"
        subject = ("sla", name)
        when = self.when
        if when is not None and not isinstance(when, Condition):
            raise PolicyError(
                f"'when' must be a condition (built with F, or parse_condition), got {when!r}",
                where=where,
                value=when,
                subject=subject,
            )
        if when is not None and when.timed:
            raise PolicyError(
                f"its condition {when!r} reads the time (since, clock, breached, is_open); "
                "an SLA policy is chosen by the issue's fields and history alone",
                where=where,
                value=when,
                subject=subject,
            )
        calendar = self.calendar
        if calendar is not None and (not isinstance(calendar, str) or not calendar):
            raise PolicyError(
                f"calendar must be a calendar's name or None, got {calendar!r}",
                where=where,
                value=calendar,
                subject=subject,
            )
        try:
            object.__setattr__(self, "targets", target_tables(self.targets))
        except PolicyError as exc:
            exc.where = exc.where or where
            raise exc.about("sla", name) from None

    def target(self, clock: str, priority: str | None) -> Target | None:
        """Its target of *clock* for an issue of *priority*, or ``None``."""
        table = self.targets.get(clock)
        return None if table is None else _lookup(table, priority)


def _lookup(table: Mapping[str, Target], priority: str | None) -> Target | None:
    if priority is not None:
        found = table.get(priority)
        if found is not None:
            return found
    return table.get("*")


class SlaPeriod(NamedTuple):
    """A stretch of an issue's life under one SLA policy (``sla`` is ``None``: none applied)."""

    since: datetime
    sla: str | None


# -- the policy's SLA setup, checked and compiled once --------------------------------------


def _reads(condition: Condition) -> frozenset[str] | None:
    """The event-set fields *condition* reads; ``None`` when it may read the history."""
    if isinstance(condition, All | Any_):
        out: frozenset[str] = frozenset()
        for part in condition.conditions:
            more = _reads(part)
            if more is None:
                return None
            out |= more
        return out
    if isinstance(condition, Not):
        return _reads(condition.condition)
    if isinstance(condition, Const):
        return frozenset()
    if isinstance(condition, Compare | In | Contains | Exists):
        return frozenset(condition.fields()) & EVENT_FIELDS
    return None  # happened(...), a predicate, a host's own condition


MAX_STATIC: Final = 4096


class SlaSetup:
    """What a policy derives from its SLA settings when built (identity-hashed: the key
    of its memoised timelines).

    Attributes:
        slas: the policy's SLA policies; tests: their compiled conditions (``None``: all).
        watch: the event-set fields their conditions read (``None``: every event counts,
            for a condition that reads the history; empty: the match never changes).
        calendar_fields: the dotted fields that name the issue's calendar, in order.
        zone_field: the dotted field that names the issue's zone, or ``None``.
        zones: calendars shifted to a zone, by ``(calendar name, zone)``.
        static: `select`'s answers by ``(clock, level position, priority)``, when they
            depend on nothing else (no SLA policies, no calendar or zone fields); else
            ``None``. At most `MAX_STATIC` (then it starts over).
    """

    __slots__ = (
        "calendar_fields",
        "calendar_getters",
        "slas",
        "static",
        "tests",
        "watch",
        "zone_field",
        "zone_getter",
        "zones",
    )

    def __init__(
        self,
        policy: Policy,
        calendar_fields: tuple[str, ...],
        zone_field: str | None,
    ) -> None:
        defaults = condition_defaults(policy)
        self.slas: tuple[SlaPolicy, ...] = policy.slas
        self.tests: tuple[Callable[[Issue], bool] | None, ...] = tuple(
            None if s.when is None else s.when.compile(defaults) for s in policy.slas
        )
        watch: frozenset[str] | None = frozenset()
        for sla in policy.slas:
            reads = frozenset() if sla.when is None else _reads(sla.when)
            watch = None if reads is None or watch is None else watch | reads
        self.watch = watch
        self.calendar_fields = calendar_fields
        self.calendar_getters = tuple(field_getter(path) for path in calendar_fields)
        self.zone_field = zone_field
        self.zone_getter = None if zone_field is None else field_getter(zone_field)
        self.zones: dict[tuple[str, str], BusinessCalendar] = {}
        # Without SLA policies or fields that name a calendar or a zone, what applies to a
        # clock depends only on the clock, the level and the priority: `select` keeps it.
        self.static: dict[tuple[str, int, str | None], object] | None = (
            {} if not policy.slas and not calendar_fields and zone_field is None else None
        )

    def first_match(self, issue: Issue) -> int:
        """The index of the first SLA policy whose condition *issue* meets (``-1``: none)."""
        for i, test in enumerate(self.tests):
            if test is None:
                return i
            try:
                if test(issue):
                    return i
            except EvaluationError as exc:
                raise type(exc)(
                    f"SLA policy {self.slas[i].name!r}: {exc.message}",
                    field=exc.field,
                    value=exc.value,
                    suggestion=exc.suggestion,
                ) from None
        return -1

    def calendar_named(self, issue: Issue) -> tuple[object, str] | None:
        """The first of the issue's calendar fields that is set: ``(value, field)``."""
        for getter, path in zip(self.calendar_getters, self.calendar_fields, strict=True):
            value = getter(issue)
            if value is not MISSING:
                return value, path
        return None


def _clock_error(name: str, clocks: list[str], where: str, subject: tuple[str, object]) -> None:
    raise PolicyError(
        f"has a target for the SLA clock {name!r}, which the policy does not have; "
        f"clocks are {clocks}",
        where=where,
        value=name,
        suggestion=did_you_mean(name, clocks),
        subject=subject,
    )


def _field_path(value: object, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise PolicyError(
            f"{key} must be a dotted field path, got {value!r}",
            value=value,
            subject=("policy", key),
        )
    try:
        validate_path(value)
    except PolicyError as exc:
        exc.where = exc.where or key
        raise exc.about("policy", key) from None
    return value


def calendar_chain(policy: Policy) -> tuple[str, ...]:
    """The policy's calendar fields, checked: ``calendar_fields``, or ``calendar_field``."""
    fields, single = policy.calendar_fields, policy.calendar_field
    if single is not None and fields:
        raise PolicyError(
            "give calendar_fields (a list) or calendar_field (one field), not both; "
            f"calendar_field = {single!r} is calendar_fields = [{single!r}]",
            where="calendar_field",
            value=single,
            subject=("policy", "calendar_field"),
        )
    if single is not None:
        return (_field_path(single, "calendar_field"),)
    return tuple(_field_path(path, "calendar_fields") for path in fields)


def check_slas(policy: Policy) -> SlaSetup:
    """Check the policy's SLA policies, policy-wide targets and calendar fields; compile them.

    Raises:
        PolicyError: a duplicate SLA name, a fallback that is not last (or two), a target
            for a clock the policy lacks, a calendar it lacks, a bad field path.
    """
    clocks = sorted(policy.clocks)
    calendars = sorted(policy.calendars)
    for name in policy.targets:
        if name not in policy.clocks:
            _clock_error(name, clocks, "targets", ("policy", "targets"))
    seen: set[str] = set()
    fallback: str | None = None
    for i, sla in enumerate(policy.slas):
        if not isinstance(sla, SlaPolicy):
            raise PolicyError(f"slas[{i}] is not an SlaPolicy: {sla!r}", value=sla)
        where, subject = f"SLA policy {sla.name!r}", ("sla", sla.name)
        if sla.name in seen:
            raise PolicyError(
                "duplicate SLA policy name", where=where, value=sla.name, subject=subject
            )
        seen.add(sla.name)
        if fallback is not None:
            raise PolicyError(
                f"comes after {fallback!r}, which has no condition and so covers every "
                "issue: it can never apply; put the SLA policy without a condition last",
                where=where,
                value=sla.name,
                subject=subject,
            )
        if sla.when is None:
            fallback = sla.name
        for name in sla.targets:
            if name not in policy.clocks:
                _clock_error(name, clocks, where, subject)
        if sla.calendar is not None and sla.calendar not in policy.calendars:
            raise PolicyError(
                f"names the calendar {sla.calendar!r}, which the policy does not have; "
                f"calendars are {calendars}",
                where=where,
                value=sla.calendar,
                suggestion=did_you_mean(sla.calendar, calendars),
                subject=subject,
            )
    zone = policy.zone_field
    return SlaSetup(
        policy, calendar_chain(policy), None if zone is None else _field_path(zone, "zone_field")
    )


def slas_tuple(value: Iterable[SlaPolicy] | None) -> tuple[SlaPolicy, ...]:
    """``Policy.slas`` as a tuple (checked by the policy)."""
    if isinstance(value, SlaPolicy):
        raise PolicyError(f"slas must be a list of SlaPolicy, got one: {value!r}", value=value)
    return tuple(value or ())


def field_tuple(value: Iterable[str] | str | None) -> tuple[str, ...]:
    """``Policy.calendar_fields`` as a tuple; one string is refused (a list is meant)."""
    if isinstance(value, str):
        raise PolicyError(
            f"expected a list of field paths, got the string {value!r}; write [{value!r}]",
            where="calendar_fields",
            value=value,
            subject=("policy", "calendar_fields"),
        )
    return tuple(value or ())


# -- the SLA timeline of an issue ------------------------------------------------------------


class Timeline:
    """Which SLA policy applied to an issue over its history (a memoised fact).

    Attributes:
        points: ``(since, index)`` at each change of the SLA policy (``-1``: none), the
            first at the creation.
        decided: the instant of the last decision (the creation, or the last event that
            could change the match).
        walker: the issue as its history stood after the events covered (``None`` when
            the match cannot change over a history).
        fresh: the event-set fields the conditions read that no covered event changed
            (taken from the issue as it is; the first event that changes one rebuilds).
        measures: piecewise measures built for this issue, by their pieces (shared by
            the timelines of one issue as it grows, so an unchanged one is the same object).
    """

    __slots__ = ("decided", "fresh", "measures", "points", "walker")

    def __init__(
        self,
        points: tuple[tuple[datetime, int], ...],
        decided: datetime,
        walker: Issue | None,
        fresh: frozenset[str],
        measures: dict[object, Measure],
    ) -> None:
        self.points = points
        self.decided = decided
        self.walker = walker
        self.fresh = fresh
        self.measures = measures


def _start(setup: SlaSetup, issue: Issue) -> Timeline:
    """The timeline before any event: the issue as created (`Issue.as_of` before events)."""
    watch = setup.watch
    watched = EVENT_FIELDS if watch is None else watch
    changed = {name for event in issue.history for name, _ in field_changes(event)}
    unknown: dict[str, Any] = {name: None for name in changed & watched}
    if "status" in unknown:
        unknown["status"] = ""  # the default: open
    walker = attrs.evolve(issue, history=(), **unknown)
    created = summary_of(issue).created
    return Timeline(((created, setup.first_match(walker)),), created, walker, watched - changed, {})


def timeline_of(setup: SlaSetup, issue: Issue) -> Timeline:
    """The SLA timeline of *issue*'s history, extended from the memo by the new events."""
    summary = summary_of(issue)
    created = summary.created
    if setup.watch is not None and not setup.watch:  # no event can change the match
        return Timeline(((created, setup.first_match(issue)),), created, None, frozenset(), {})
    fact, covered = summary.derived(setup)
    history = issue.history
    n = len(history)
    if fact is not None and covered == n:
        return fact  # type: ignore[no-any-return]
    if fact is not None and fact.fresh:
        fresh = fact.fresh
        for i in range(covered, n):
            if any(name in fresh for name, _ in field_changes(history[i])):
                fact = None  # an earlier instant's view of that field was the issue's own
                break
    if fact is None:
        fact, covered = _start(setup, issue), 0
    result = _extend(setup, fact, issue, covered)
    memo = summary.memo
    if len(memo) >= MAX_MEMO:
        memo.clear()
    memo[setup] = result
    return result


def _extend(setup: SlaSetup, fact: Timeline, issue: Issue, covered: int) -> Timeline:
    """*fact* with the events from *covered* on: decided again after each instant's events
    that could change the match."""
    history, times = issue.history, summary_of(issue).times
    created = summary_of(issue).created
    watch = setup.watch
    points = list(fact.points)
    walker, decided = fact.walker, fact.decided
    assert walker is not None
    pending: list[Any] = []
    n = len(history)
    for i in range(covered, n):
        event = history[i]
        if watch is None or any(name in watch for name, _ in field_changes(event)):
            pending.append(event)
        if pending and (i + 1 == n or times[i + 1] != times[i]):
            walker = walker.with_events(pending)
            pending = []
            at = times[i] if times[i] > created else created
            _record(points, at, setup.first_match(walker))
            decided = at
    return Timeline(tuple(points), decided, walker, fact.fresh, fact.measures)


def _record(points: list[tuple[datetime, int]], at: datetime, index: int) -> None:
    """The SLA policy *index* decided at *at* (replacing a decision at the same instant)."""
    if points and points[-1][0] == at:
        points.pop()
    if not points or points[-1][1] != index:
        points.append((at, index))


def current_points(
    setup: SlaSetup, issue: Issue, timeline: Timeline
) -> tuple[tuple[datetime, int], ...]:
    """The timeline's points, with the SLA policy the issue as it is now meets last.

    They differ only when the host changed a field without an event: that SLA policy
    then applies since the last decision (the last event that could change the match).
    """
    points = timeline.points
    now = setup.first_match(issue) if timeline.walker is not None else points[-1][1]
    if now == points[-1][1]:
        return points
    changed = list(points)
    _record(changed, timeline.decided, now)
    return tuple(changed)


def periods(setup: SlaSetup, points: Sequence[tuple[datetime, int]]) -> tuple[SlaPeriod, ...]:
    """The points as `SlaPeriod` values (names instead of indices)."""
    slas = setup.slas
    return tuple(SlaPeriod(at, None if i < 0 else slas[i].name) for at, i in points)
