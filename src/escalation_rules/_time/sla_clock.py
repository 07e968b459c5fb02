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

from bisect import bisect_left
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal, NamedTuple

import attrs

from .._model.events import CLOSED, Status
from .._model.issue import summary_of
from .._model.targets import Metric, SlaClock, Target
from .clocks import Measure

if TYPE_CHECKING:
    from .._engine.context import Context


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
    summary = summary_of(context.issue)
    now = context.now
    if now.tzinfo is not UTC:
        now = now.astimezone(UTC)
    metric = clock.metric
    start: datetime | None = summary.created
    stop: datetime | None = None
    index = -1
    if metric is Metric.TIME_AT_LEVEL:
        start, index = context.times[1], context.indices[1]
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
            if timeline[k - 1][1] in CLOSED and timeline[k][1] not in CLOSED:
                start, index = timeline[k][0], timeline[k][2]
    if start is None or start > now:
        return Core(target, calendar, "idle", None, _ZERO, (), (), (), measure, index)
    pause_on = clock.pause_on
    if stop is None and not summary.statuses:
        # The common case: no status change ever, no stop: one segment up to now.
        status = context.status
        if status in CLOSED:
            return Core(target, calendar, "stopped", start, _ZERO, (), (), (), measure, index)
        if status in pause_on or context.issue.status in pause_on:
            return Core(
                target, calendar, "paused", start, _ZERO, (), (), ((start, None),), measure, index
            )
        elapsed = measure.between(start, now)
        return Core(
            target, calendar, "running", start, elapsed, ((start, None),), (_ZERO,), (), measure,
            index,
        )  # fmt: skip
    return _walk(_timeline(context), pause_on, start, stop, now, target, calendar, measure, index)


def _walk(
    timeline: list[tuple[datetime, Status, int, str]],
    pause_on: frozenset[str],
    start: datetime,
    stop: datetime | None,
    now: datetime,
    target: Target | None,
    calendar: str | None,
    measure: Measure,
    index: int,
) -> Core:
    """The cycle from *start*: its running and paused segments along the status timeline."""
    stopped = stop is not None and stop <= now
    end = stop if stop is not None and stopped else now
    segments: list[tuple[datetime, datetime | None]] = []
    paused: list[tuple[datetime, datetime | None]] = []
    before: list[timedelta] = []
    elapsed = _ZERO
    current, current_host = Status.OPEN, ""
    last = len(timeline) - 1
    for k, (at, status, _i, host) in enumerate(timeline):
        nxt = timeline[k + 1][0] if k < last else None
        if nxt is not None and nxt <= start:
            continue  # over before the cycle started
        if at > end:
            break
        current, current_host = status, host
        if status in CLOSED:
            continue
        lo = at if at > start else start
        open_ended = nxt is None or nxt > end
        hi = end if open_ended else nxt
        assert hi is not None
        marker = hi if stopped or not open_ended else None
        if status in pause_on or host in pause_on:  # a Status, or the host's own status
            paused.append((lo, marker))
            continue
        before.append(elapsed)
        segments.append((lo, marker))
        elapsed += measure.between(lo, hi)
    state: Literal["running", "paused", "stopped", "idle"]
    if stopped or current in CLOSED:
        state = "stopped"
    elif current in pause_on or current_host in pause_on:
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


def _timeline(context: Context) -> list[tuple[datetime, Status, int, str]]:
    """The issue's statuses over time, mapped onto `Status`, from creation on.

    Entries are ``(instant, status, history index, host status)``; the first is the
    creation (index ``-1``, status open). The issue's status is the last entry's.
    """
    cached = context.cache.get("timeline")
    if cached is not None:
        return cached  # type: ignore[return-value]
    summary = summary_of(context.issue)
    policy = context.policy
    out: list[tuple[datetime, Status, int, str]] = [(summary.created, Status.OPEN, -1, "open")]
    for i, at, host in summary.statuses:
        status = policy.map_status(host, context.issue.id)
        if at == out[-1][0]:
            out[-1] = (at, status, i, host)
        else:
            out.append((at, status, i, host))
    if not summary.statuses:
        out[0] = (summary.created, context.status, -1, context.issue.status)
    context.cache["timeline"] = out
    return out
