"""SLA clock state: what a clock says at an instant, from its fold over the history.

A clock's state is a pure function of the issue's history, the policy and the
instant: the fold (`clock_fold`) gives the cycles and the counted segments of the
current one, with running sums; this module closes the open segment at *now* and
applies the target that holds now. The fold is memoised on the issue's history, so a
changed priority or policy recomputes the deadline from the same paused segments
(pause time is never lost), and a longer history costs no more to evaluate.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal, NamedTuple

import attrs

from .._model.clock_definitions import Metric, SlaClock
from .._model.targets import Target
from .clock_fold import Cycle, Fold, fold_clock
from .clocks import WALL

if TYPE_CHECKING:
    from .._engine.context import Context
    from .clocks import Measure


_ZERO: Final = timedelta(0)
_core: Final = tuple.__new__  # Core without its Python-level __new__: the hot path

State = Literal["running", "paused", "stopped", "idle", "cancelled"]


@attrs.frozen
class CycleState:
    """One finished cycle of an SLA clock (JSM's completed cycles).

    Attributes:
        started_at: when it started; stopped_at: when it ended.
        elapsed: its counted time.
        ended: ``"stopped"`` (its stop condition: answered, owned, solved), ``"reset"``
            (a reset began the next cycle) or ``"cancelled"`` (no verdict).
        target: the target it is judged against (the clock's target now; a business-days
            target counted from this cycle's own start), or ``None``.
        breached: did its elapsed time reach the target? (``False`` when cancelled or
            without a target.)
    """

    started_at: datetime
    stopped_at: datetime
    elapsed: timedelta
    ended: Literal["stopped", "reset", "cancelled"]
    target: Target | None
    breached: bool

    @property
    def met(self) -> bool:
        """Ended within its target (not cancelled, and a target to meet)."""
        return self.target is not None and self.ended != "cancelled" and not self.breached


@attrs.frozen
class ClockState:
    """One SLA clock of one issue at one instant: what the clock says now.

    Attributes:
        name: the clock's name; metric: what it measures.
        target: the target that applies (priority x level, or the SLA policy), or ``None``.
        calendar: the name of the calendar it counts on, or ``None`` for
            elapsed real time.
        state: ``"running"``, ``"paused"``, ``"stopped"`` (resolved or closed, or
            the cycle met its stop condition), ``"idle"`` (no cycle under way, e.g.
            next response before anything awaits a reply) or ``"cancelled"`` (its
            cancel condition ended the cycle: no target applies).
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
        cycles: the clock's finished cycles, oldest first (`CycleState`).
        sla: the name of the SLA policy whose target applies (``None`` without one).
        sla_since: when that SLA policy began to apply.
    """

    name: str
    metric: Metric
    target: Target | None
    calendar: str | None
    state: State
    started_at: datetime | None
    elapsed: timedelta
    remaining: timedelta | None
    deadline: datetime | None
    breached: bool
    paused: tuple[tuple[datetime, datetime | None], ...]
    cycles: tuple[CycleState, ...] = attrs.field(default=())
    sla: str | None = None
    sla_since: datetime | None = None
    cycle_index: int = attrs.field(default=-1, repr=False)
    _core: Core | None = attrs.field(default=None, repr=False, eq=False)

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
        if self._core is None:
            return (False, None)
        return self._core.reaches(amount)


class Core(NamedTuple):
    """A clock's state reduced to what thresholds need (the fast path of rules).

    ``segments``/``before``/``total`` are the closed counted segments of the cycle and
    their running sums; ``open_from`` the start of the segment still counting
    (``None`` unless running). ``offset`` is counted time left out before the
    instant a target began to apply (``retroactive=False``).
    """

    target: Target | None
    calendar: str | None
    state: State
    started_at: datetime | None
    elapsed: timedelta
    segments: Sequence[tuple[datetime, datetime]]
    before: Sequence[timedelta]
    total: timedelta
    open_from: datetime | None
    measure: Measure
    cycle_index: int
    offset: timedelta
    fold: Fold
    sla: str | None
    sla_since: datetime | None
    now: datetime
    spec: Target | None

    def reaches(self, amount: timedelta) -> tuple[bool, datetime | None]:
        """See `ClockState.reaches`."""
        if amount <= _ZERO:
            return (self.started_at is not None, self.started_at)
        elapsed = self.elapsed
        if self.offset:
            amount += self.offset
            elapsed += self.offset
        total = self.total
        if elapsed >= amount:
            if total >= amount:
                i = bisect_left(self.before, amount) - 1
                found = self.measure.add(self.segments[i][0], amount - self.before[i])
            else:
                assert self.open_from is not None
                found = self.measure.add(self.open_from, amount - total)
            if self.target is not None and self.target.days is not None:
                found = self._opening(found)
            # Counted in full, but due at an instant still to come (the next opening, for
            # business days or a calendar that lands there): not reached before it.
            return found <= self.now, found
        if self.state != "running" or self.open_from is None:
            return False, None
        measure = self.measure
        # (the wall clock's add, without the call: this runs for every threshold)
        if measure is WALL:
            found = self.open_from + (amount - total)
        else:
            found = measure.add(self.open_from, amount - total)
        return False, (found if self.target is None or self.target.days is None else
                       self._opening(found))  # fmt: skip

    def _opening(self, instant: datetime) -> datetime:
        """Business days fall due at an opening, not at the closing before it."""
        next_opening = getattr(self.measure, "next_opening", None)
        return instant if next_opening is None else next_opening(instant)


def state_of(clock: SlaClock, core: Core) -> ClockState:
    """The inspectable `ClockState` of a computed *core*."""
    target = core.target
    remaining = deadline = None
    breached = False
    if target is not None:
        remaining = target.duration - core.elapsed
        breached, deadline = core.reaches(target.duration)
    fold = core.fold
    paused: list[tuple[datetime, datetime | None]] = []
    start = core.started_at
    if core.state != "idle":
        kept = (
            fold.pauses
            if not core.offset or start is None
            else [p for p in fold.pauses if p[1] > start]
        )
        paused.extend(kept)
        if core.state == "paused":
            paused.append((fold.mode_from, None))
    cycles = tuple(_cycle_state(c, core) for c in fold.cycles)
    return ClockState(
        clock.name, clock.metric, target, core.calendar, core.state, core.started_at,
        core.elapsed, remaining, deadline, breached,
        tuple(paused), cycles, core.sla, core.sla_since, core.cycle_index, core,
    )  # fmt: skip


def _cycle_state(cycle: Cycle, core: Core) -> CycleState:
    """A finished cycle judged against the target now (business days: from its own start;
    with ``retroactive=False``, the current cycle less the time before its target applied)."""
    spec = core.spec
    target = spec
    if spec is not None and spec.days is not None:
        target = in_days(spec, core.measure, cycle.started_at)
    elapsed = cycle.elapsed
    if core.offset and cycle.started_at == core.fold.started_at:
        elapsed -= core.offset
    if cycle.ended == "cancelled":
        return CycleState(cycle.started_at, cycle.ended_at, elapsed, cycle.ended, None, False)
    breached = target is not None and elapsed >= target.duration
    return CycleState(cycle.started_at, cycle.ended_at, elapsed, cycle.ended, target, breached)


def clock_core(
    context: Context,
    clock: SlaClock,
    target: Target | None,
    measure: Measure,
    calendar: str | None,
    sla: str | None = None,
    sla_since: datetime | None = None,
    has_target: Callable[[str | None], bool] | None = None,
) -> Core:
    """*clock*'s state at the context's instant, on *measure*, against *target*.

    *has_target* (for a clock with ``retroactive=False``) says whether an issue of a
    priority would have a target on this clock; the cycle then counts from the last
    priority change that made the target apply.
    """
    fold = fold_clock(context, clock, measure)
    spec = target  # as configured: business days resolve per cycle
    if target is not None and target.days is not None and fold.started_at is not None:
        target = in_days(target, measure, fold.started_at)
    now = context.now
    if now.tzinfo is not UTC:  # (an instant of year 10000 in UTC is an error, not an answer)
        now = now.astimezone(UTC)
    if now < context.times[0]:  # before the issue existed (times[0]: its creation)
        return _core(Core, (
            target, calendar, "idle", None, _ZERO, (), (), _ZERO, None, measure, -1, _ZERO,
            fold, sla, sla_since, now, spec,
        ))  # fmt: skip
    if not fold.active:
        ended = fold.ended
        if ended is None or (ended == "stopped" and clock.restarts):
            return _core(Core, (
                target, calendar, "idle", None, _ZERO, (), (), _ZERO, None, measure,
                fold.index, _ZERO, fold, sla, sla_since, now, spec,
            ))  # fmt: skip
        if ended == "cancelled":
            return _core(Core, (
                None, calendar, "cancelled", fold.started_at, fold.total, fold.segments,
                fold.before, fold.total, None, measure, fold.index, _ZERO, fold, sla, sla_since,
                now, spec,
            ))  # fmt: skip
    total = fold.total
    state: State
    if fold.active:
        mode = fold.mode
        open_from = fold.mode_from if mode == "counting" else None
        elapsed = total if open_from is None else total + measure.between(open_from, now)
        state = "running" if mode == "counting" else "paused" if mode == "paused" else "stopped"
    else:  # stopped, for good (a clock that starts again is idle: above)
        open_from, elapsed, state = None, total, "stopped"
    started_at, offset = fold.started_at, _ZERO
    if not clock.retroactive and has_target is not None and fold.priority_changes:
        started_at, offset = _retroactive(fold, has_target, measure)
        elapsed -= offset
    return _core(Core, (
        target, calendar, state, started_at, elapsed, fold.segments, fold.before, total,
        open_from, measure, fold.index, offset, fold, sla, sla_since, now, spec,
    ))  # fmt: skip


def in_days(target: Target, measure: Measure, start: datetime) -> Target:
    """A business-days *target* for a cycle that started at *start*: its ``duration`` is the
    business time from *start* to the same local time that many business days later."""
    # On a measure switched between calendars, the days are those of the calendar now.
    pieces = getattr(measure, "measures", None)
    calendar = pieces[-1] if pieces else measure
    add_days = getattr(calendar, "add_business_days", None)
    if add_days is None:  # elapsed real time: days of 24 hours
        return target
    assert target.days is not None
    due = add_days(start, target.days)
    return attrs.evolve(target, duration=max(measure.between(start, due), _ONE_US))


_ONE_US: Final = timedelta(microseconds=1)


def _retroactive(
    fold: Fold, has_target: Callable[[str | None], bool], measure: Measure
) -> tuple[datetime | None, timedelta]:
    """With ``retroactive=False``: when the cycle's counting starts, and the counted time
    before it (the cycle's start and zero when the target applied all along)."""
    since = _applies_since(fold, has_target)
    started_at = fold.started_at
    if since is None or started_at is None or since <= started_at:
        return started_at, _ZERO
    return since, _counted_before(fold, since, measure)


def _applies_since(fold: Fold, has_target: Callable[[str | None], bool]) -> datetime | None:
    """The last priority change from a priority without a target (``None``: none)."""
    for at, before, _after in reversed(fold.priority_changes):
        if not has_target(before):
            return at
    return None


def _counted_before(fold: Fold, instant: datetime, measure: Measure) -> timedelta:
    """The cycle's counted time before *instant*."""
    if fold.mode == "counting" and fold.mode_from <= instant:
        return fold.total + measure.between(fold.mode_from, instant)
    k = bisect_right(fold.segments, instant, key=lambda s: s[0])
    if k == 0:
        return _ZERO
    lo, hi = fold.segments[k - 1]
    return fold.before[k - 1] + measure.between(lo, min(hi, instant))
