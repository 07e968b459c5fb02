"""SLA clocks: targets per priority and level, and clock state derived from history.

A clock measures one metric of an issue (first response, next response,
periodic update, resolution, time at the current level). Its state is a pure
function of the issue's history, the policy and the instant: the running
segments of the current cycle, measured on the calendar in effect, give the
elapsed time; the target for the issue's priority at its level gives the
remaining time and the deadline. Nothing is stored between evaluations, so a
changed priority or policy recomputes the deadline from the same paused
segments: pause time is never lost.
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, Protocol

import attrs

from ._conditions import MISSING
from ._exceptions import EvaluationError, PolicyError, did_you_mean
from ._frozendict import FrozenDict
from ._issue import Status
from ._time import UTC

if TYPE_CHECKING:
    from ._calendar import BusinessCalendar
    from ._context import Context

__all__ = [
    "ClockState",
    "Metric",
    "SlaClock",
    "Target",
    "by_priority",
    "wall",
]


class Metric(enum.StrEnum):
    """What an SLA clock measures; each fixes when a cycle starts and stops.

    * ``FIRST_RESPONSE``: from creation to the first agent reply.
    * ``NEXT_RESPONSE``: from the first customer message after the last agent
      reply to the next agent reply (no cycle before the first reply: that is
      the first response).
    * ``PERIODIC_UPDATE``: from the last agent reply (or creation) to the next
      one: "an update at least every N".
    * ``RESOLUTION``: from creation to resolution; a reopen resumes it (or
      restarts it, with ``on_reopen="restart"``).
    * ``TIME_AT_LEVEL``: from the moment the issue entered its current level.

    Every clock counts only while the issue is neither resolved nor closed,
    and pauses while its status is in the clock's ``pause_on`` (by default
    while pending on the customer).
    """

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    PERIODIC_UPDATE = "periodic_update"
    RESOLUTION = "resolution"
    TIME_AT_LEVEL = "time_at_level"

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


_STOPPED: Final = frozenset({Status.RESOLVED, Status.CLOSED})


def _pause_on(value: Iterable[Status | str]) -> frozenset[Status]:
    if isinstance(value, str):
        value = [value]
    out = set()
    for item in value:
        try:
            status = Status(item)
        except ValueError:
            raise PolicyError(
                f"pause_on lists {item!r}, which is not a status; use {[s.value for s in Status]}",
                value=item,
                suggestion=did_you_mean(str(item), [s.value for s in Status]),
            ) from None
        if status in _STOPPED:
            raise PolicyError(
                f"pause_on cannot list {status.value!r}: a clock already stops there",
                value=item,
            )
        out.add(status)
    return frozenset(out)


def _metric(value: Metric | str) -> Metric:
    try:
        return Metric(value)
    except ValueError:
        names = [m.value for m in Metric]
        raise PolicyError(
            f"unknown SLA metric {value!r}; metrics are {names}",
            value=value,
            suggestion=did_you_mean(str(value), names),
        ) from None


@attrs.frozen
class SlaClock:
    """The definition of one SLA clock: its name, what it measures, when it pauses.

    A policy has one clock per `Metric`, named after it, with these defaults;
    give `Policy(clocks=[...])` a clock of the same name to change them, or a
    new name to add a second clock on a metric (e.g. a resolution clock that
    never pauses).

    Attributes:
        name: how targets and ``sla(...)`` triggers refer to it.
        metric: what it measures (its name by default).
        pause_on: statuses during which it does not count (default: pending).
        on_reopen: for ``RESOLUTION``: ``"resume"`` keeps the time counted
            before the resolution, ``"restart"`` starts from zero at the reopen.
    """

    name: str
    metric: Metric = attrs.field(converter=_metric)
    pause_on: frozenset[Status] = attrs.field(
        default=frozenset({Status.PENDING}), converter=_pause_on, kw_only=True
    )
    on_reopen: Literal["resume", "restart"] = attrs.field(default="resume", kw_only=True)

    @metric.default
    def _default_metric(self) -> Metric:
        return _metric(self.name)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise PolicyError(f"a clock needs a name, got {self.name!r}", value=self.name)
        if self.on_reopen not in ("resume", "restart"):
            raise PolicyError(
                f"on_reopen must be 'resume' or 'restart', got {self.on_reopen!r}",
                where=f"clock {self.name!r}",
                value=self.on_reopen,
                suggestion=did_you_mean(str(self.on_reopen), ["resume", "restart"]),
            )


DEFAULT_CLOCKS: Final = tuple(SlaClock(m.value) for m in Metric)


def clock_table(value: Iterable[SlaClock]) -> FrozenDict[SlaClock]:
    """The policy's clocks by name: the defaults, overridden or extended by *value*."""
    table = {c.name: c for c in DEFAULT_CLOCKS}
    seen: set[str] = set()
    for i, clock in enumerate(value):
        if not isinstance(clock, SlaClock):
            raise PolicyError(f"clocks[{i}] is not an SlaClock: {clock!r}", value=clock)
        if clock.name in seen:
            raise PolicyError(f"duplicate clock name {clock.name!r}", value=clock.name)
        seen.add(clock.name)
        table[clock.name] = clock
    return FrozenDict(table)


# -- targets -------------------------------------------------------------------------------


def _positive(_inst: object, _attr: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise PolicyError(f"an SLA target must be a positive timedelta, got {value!r}", value=value)


@attrs.frozen
class Target:
    """One SLA target: a duration, counted on the calendar in effect or on the wall clock.

    A plain `timedelta` given as a target means ``Target(duration)``: business
    time on the calendar that applies to the issue (issue, then level, then
    policy; elapsed real time when none is set). ``wall=True`` counts elapsed
    real time whatever the calendars (a P1 that runs around the clock).
    """

    duration: timedelta = attrs.field(validator=_positive)
    wall: bool = attrs.field(default=False, kw_only=True)

    def __str__(self) -> str:
        return f"{self.duration} wall-clock" if self.wall else str(self.duration)


def wall(duration: timedelta) -> Target:
    """A target counted in elapsed real time, whatever the calendars say."""
    return Target(duration, wall=True)


ANY_PRIORITY: Final = "*"


def _target(value: object, where: str) -> Target:
    if isinstance(value, Target):
        return value
    if isinstance(value, timedelta):
        if value <= timedelta(0):
            raise PolicyError(
                f"the SLA target {where} must be positive, got {value!r}", value=value
            )
        return Target(value)
    raise PolicyError(
        f"the SLA target {where} must be a timedelta or a Target, got {value!r}", value=value
    )


def target_table(metric: str, value: object) -> FrozenDict[Target]:
    """Normalise a level's target for *metric*: priority (or ``"*"``) -> `Target`."""
    if isinstance(value, Mapping):
        if not value:
            raise PolicyError(f"the SLA targets for {metric!r} are empty", value=value)
        out = {}
        for priority, item in value.items():
            if not isinstance(priority, str) or not priority:
                raise PolicyError(
                    f"the SLA targets for {metric!r} are keyed by priority, got {priority!r}",
                    value=priority,
                )
            out[priority] = _target(item, f"{metric}[{priority!r}]")
        return FrozenDict(out)
    return FrozenDict({ANY_PRIORITY: _target(value, repr(metric))})


def by_priority(
    default: timedelta | Target | None = None, **targets: timedelta | Target
) -> dict[str, timedelta | Target]:
    """A target per priority, e.g. ``by_priority(P1=hours(1), P2=hours(4), default=hours(8))``.

    *default* applies to every priority not listed; without it, an issue of
    another priority (or none) has no target for this metric.
    """
    out: dict[str, timedelta | Target] = dict(targets)
    if default is not None:
        out[ANY_PRIORITY] = default
    return out


def lookup(table: Mapping[str, Target], priority: str | None) -> Target | None:
    """The target for *priority*, else the ``"*"`` default, else ``None``."""
    if priority is not None:
        found = table.get(priority)
        if found is not None:
            return found
    return table.get(ANY_PRIORITY)


# -- measuring time ------------------------------------------------------------------------


class Measure(Protocol):
    """Business time between instants, and the instant a business duration ends."""

    def between(self, a: datetime, b: datetime) -> timedelta: ...

    def add(self, start: datetime, duration: timedelta) -> datetime: ...


class _Wall:
    __slots__ = ()

    def between(self, a: datetime, b: datetime) -> timedelta:
        return b - a

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration


WALL: Final = _Wall()
_ZERO: Final = timedelta(0)


@attrs.frozen
class ClockState:
    """One SLA clock of one issue at one instant: what the clock says now.

    Attributes:
        name: the clock's name; metric: what it measures.
        target: the target that applies (priority x level), or ``None``.
        calendar: the name of the calendar it counts on, or ``None`` for
            elapsed real time.
        state: ``"running"``, ``"paused"``, ``"stopped"`` (resolved or
            closed, or the cycle ended) or ``"idle"`` (no cycle has started,
            e.g. next response before anything awaits a reply).
        started_at: when the current cycle started (``None`` when idle).
        elapsed: counted time of the current cycle up to now.
        remaining: ``target - elapsed``, negative once breached (``None``
            without a target).
        deadline: when elapsed reaches the target: the instant it did if
            breached, the projected instant if running, ``None`` while paused
            or stopped before reaching it.
        breached: has elapsed reached the target?
        paused: the paused segments ``(start, end)`` of the cycle, *end*
            ``None`` for a pause still going on.
    """

    name: str
    metric: Metric
    target: Target | None
    calendar: str | None
    state: Literal["running", "paused", "stopped", "idle"]
    started_at: datetime | None
    elapsed: timedelta
    remaining: timedelta | None
    deadline: datetime | None
    breached: bool
    paused: tuple[tuple[datetime, datetime | None], ...]
    cycle_index: int = attrs.field(repr=False)
    _segments: tuple[tuple[datetime, datetime | None], ...] = attrs.field(repr=False, eq=False)
    _before: tuple[timedelta, ...] = attrs.field(repr=False, eq=False)
    _measure: Measure = attrs.field(repr=False, eq=False)

    @property
    def running(self) -> bool:
        """Is the clock counting at this instant?"""
        return self.state == "running"

    def reaches(self, amount: timedelta) -> tuple[bool, datetime | None]:
        """When does elapsed time reach *amount*?

        Returns ``(True, instant)`` if it already has (the instant it did),
        ``(False, instant)`` for the projected instant while running, and
        ``(False, None)`` when it will not without a new event.
        """
        return _reaches(
            amount, self.started_at, self.elapsed, self.state, self._segments, self._before,
            self._measure,
        )  # fmt: skip


class Core(NamedTuple):
    """A clock's state reduced to what thresholds need (the fast path of rules)."""

    target: Target | None
    calendar: str | None
    state: Literal["running", "paused", "stopped", "idle"]
    started_at: datetime | None
    elapsed: timedelta
    segments: Sequence[tuple[datetime, datetime | None]]
    before: Sequence[timedelta]
    paused: Sequence[tuple[datetime, datetime | None]]
    measure: Measure
    cycle_index: int

    def reaches(self, amount: timedelta) -> tuple[bool, datetime | None]:
        """See `ClockState.reaches`."""
        return _reaches(
            amount, self.started_at, self.elapsed, self.state, self.segments, self.before,
            self.measure,
        )  # fmt: skip


def state_of(clock: SlaClock, core: Core) -> ClockState:
    """The inspectable `ClockState` of a computed *core*."""
    target = core.target
    remaining = deadline = None
    if target is not None:
        remaining = target.duration - core.elapsed
        deadline = core.reaches(target.duration)[1]
    return ClockState(
        clock.name, clock.metric, target, core.calendar, core.state, core.started_at,
        core.elapsed, remaining, deadline, remaining is not None and remaining <= _ZERO,
        tuple(core.paused), core.cycle_index, tuple(core.segments), tuple(core.before),
        core.measure,
    )  # fmt: skip


def clock_core(
    context: Context, clock: SlaClock, target: Target | None, measure: Measure, calendar: str | None
) -> Core:
    """The running segments of *clock*'s current cycle up to the context's instant."""
    summary = context.issue._summary
    now = context.now
    if now.tzinfo is not UTC:
        now = now.astimezone(UTC)
    metric = clock.metric
    start: datetime | None = summary.created
    stop: datetime | None = None
    index = -1
    if metric is Metric.TIME_AT_LEVEL:
        start, index = context._times[1], context._indices[1]
    elif metric is Metric.FIRST_RESPONSE:
        if summary.replies:
            stop = summary.replies[0][1]
    elif metric is Metric.NEXT_RESPONSE:
        start = None
        if summary.replies:
            last_reply = summary.replies[-1][0]
            for i, at in summary.messages:
                if i > last_reply:
                    start, index = at, i
                    break
    elif metric is Metric.PERIODIC_UPDATE:
        if summary.replies:
            index, start = summary.replies[-1]
    elif clock.on_reopen == "restart" and summary.statuses:
        timeline = _timeline(context)
        for k in range(1, len(timeline)):
            if timeline[k - 1][1] in _STOPPED and timeline[k][1] not in _STOPPED:
                start, index = timeline[k][0], timeline[k][2]
    if start is None or start > now:
        return Core(target, calendar, "idle", None, _ZERO, (), (), (), measure, index)
    pause_on = clock.pause_on
    if stop is None and not summary.statuses:
        # The common case: no status change ever, no stop: one segment up to now.
        status = context.status
        if status in _STOPPED:
            return Core(target, calendar, "stopped", start, _ZERO, (), (), (), measure, index)
        if status in pause_on:
            return Core(
                target, calendar, "paused", start, _ZERO, (), (), ((start, None),), measure, index
            )
        elapsed = measure.between(start, now)
        return Core(
            target, calendar, "running", start, elapsed, ((start, None),), (_ZERO,), (), measure,
            index,
        )  # fmt: skip
    timeline = _timeline(context)
    stopped = stop is not None and stop <= now
    end = stop if stop is not None and stopped else now
    segments: list[tuple[datetime, datetime | None]] = []
    paused: list[tuple[datetime, datetime | None]] = []
    before: list[timedelta] = []
    elapsed = _ZERO
    current = Status.OPEN
    last = len(timeline) - 1
    for k, (at, status, _i) in enumerate(timeline):
        nxt = timeline[k + 1][0] if k < last else None
        if nxt is not None and nxt <= start:
            continue  # over before the cycle started
        if at > end:
            break
        current = status
        if status in _STOPPED:
            continue
        lo = at if at > start else start
        open_ended = nxt is None or nxt > end
        hi = end if open_ended else nxt
        assert hi is not None
        marker = hi if stopped or not open_ended else None
        if status in pause_on:
            paused.append((lo, marker))
            continue
        before.append(elapsed)
        segments.append((lo, marker))
        elapsed += measure.between(lo, hi)
    state: Literal["running", "paused", "stopped", "idle"]
    if stopped or current in _STOPPED:
        state = "stopped"
    elif current in pause_on:
        state = "paused"
    else:
        state = "running"
    return Core(target, calendar, state, start, elapsed, segments, before, paused, measure, index)


def _reaches(
    amount: timedelta,
    started_at: datetime | None,
    elapsed: timedelta,
    state: str,
    segments: Sequence[tuple[datetime, datetime | None]],
    before: Sequence[timedelta],
    measure: Measure,
) -> tuple[bool, datetime | None]:
    if amount <= _ZERO:
        return (started_at is not None, started_at)
    if elapsed >= amount:
        i = bisect_left(before, amount) - 1
        return True, measure.add(segments[i][0], amount - before[i])
    if state != "running":
        return False, None
    return False, measure.add(segments[-1][0], amount - before[-1])


def _timeline(context: Context) -> list[tuple[datetime, Status, int]]:
    """The issue's statuses over time, mapped onto `Status`, from creation on.

    Entries are ``(instant, status, history index)``; the first is the creation
    (index ``-1``, status open). The issue's status is the last entry's.
    """
    cached = context._cache.get("timeline")
    if cached is not None:
        return cached  # type: ignore[return-value]
    summary = context.issue._summary
    policy = context.policy
    out: list[tuple[datetime, Status, int]] = [(summary.created, Status.OPEN, -1)]
    for i, at, host in summary.statuses:
        status = policy.map_status(host, context.issue.id)
        if at == out[-1][0]:
            out[-1] = (at, status, i)
        else:
            out.append((at, status, i))
    if not summary.statuses:
        out[0] = (summary.created, context.status, -1)
    context._cache["timeline"] = out
    return out


def unknown_calendar(name: object, where: str, known: Iterable[str]) -> EvaluationError:
    names = sorted(known)
    hint = did_you_mean(str(name), names)
    return EvaluationError(
        f"the issue's {where} names the calendar {name!r}, which the policy does not have; "
        f"calendars are {names}" + (f"; did you mean {hint!r}?" if hint else ""),
        field=where,
        value=name,
    )


def calendar_for(context: Context, target: Target | None) -> tuple[Measure, str | None]:
    """The measure a target counts on: the issue's calendar, the level's, the policy's."""
    policy = context.policy
    if (target is not None and target.wall) or not policy.calendars:
        return WALL, None
    name: str | None = None
    if policy._calendar_getter is not None:
        value = policy._calendar_getter(context.issue)
        if value is not None and value is not MISSING:
            if not isinstance(value, str) or value not in policy.calendars:
                raise unknown_calendar(value, str(policy.calendar_field), policy.calendars)
            name = value
    if name is None:
        name = context.level.calendar or policy.calendar
    if name is None:
        return WALL, None
    calendar: BusinessCalendar = policy.calendars[name]
    return calendar, name
