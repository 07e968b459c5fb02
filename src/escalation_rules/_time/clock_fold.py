"""An SLA clock folded over an issue's history, one event at a time.

The fold reads each event once: it moves the clock through its cycles (start, stop,
reset, cancel), pauses and resumes it (by status or by event), and keeps the counted
segments of the current cycle with their running sums, measured as they close. The
result is memoised on the issue's history summary (`HistorySummary.derived`), so the
next evaluation of the same issue, or of the issue with one more event, extends it by
the new events only: the cost of an evaluation does not grow with the history.

Nothing here depends on the instant of evaluation: the open segment (the one still
counting, or still paused) is closed at *now* by `sla_clock.clock_core`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, TypeVar

from .._model.clock_definitions import CREATED, REOPENED, RESOLVED, TEAM_CHANGED, Trigger
from .._model.events import CLOSED, KIND_STATUS_CHANGED, Event, Status
from .._model.history import AppendOnly
from .._model.issue import field_changes, summary_of
from .overlay import Chained, append, commit

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._model.clock_definitions import SlaClock
    from .clocks import Measure

T = TypeVar("T")

_ZERO: Final = timedelta(0)
MAX_MEMO: Final = 64
"""Derived facts kept per history summary; more (a host trying many policies) starts over."""

Mode = Literal["counting", "paused", "still"]
Ending = Literal["stopped", "reset", "cancelled"]


class Cycle(NamedTuple):
    """One finished cycle of a clock, as the fold recorded it.

    Attributes:
        started_at: when it started; ended_at: when it ended.
        elapsed: the counted time of the cycle.
        ended: ``"stopped"`` (a stop condition: the metric was met), ``"reset"`` (a reset
            started the next cycle) or ``"cancelled"``.
        started_by: the history index of the event that started it (``-1``: the creation).
    """

    started_at: datetime
    ended_at: datetime
    elapsed: timedelta
    ended: Ending
    started_by: int


_EMPTY_SEGMENTS: Final[AppendOnly[tuple[datetime, datetime]]] = AppendOnly()
_EMPTY_SUMS: Final[AppendOnly[timedelta]] = AppendOnly()
_EMPTY_CYCLES: Final[AppendOnly[Cycle]] = AppendOnly()
_EMPTY_CHANGES: Final[AppendOnly[tuple[datetime, str | None, str]]] = AppendOnly()


class Fold:
    """A clock's state after some events of a history: what `clock_core` finishes at now.

    Attributes:
        active: a cycle is under way (started, not stopped or cancelled).
        ended: how the last cycle ended when none is active (``None``: none ever ran).
        started_at, index: the current (or last) cycle's start and its history index.
        mode: ``"counting"``, ``"paused"`` (by a status in ``pause_on`` or a pause
            event) or ``"still"`` (no cycle, or the issue is resolved or closed),
            since ``mode_from``.
        segments: the closed counted segments of the cycle; ``before[i]`` is the
            counted time before ``segments[i]``; ``total`` all of it.
        pauses: the closed paused segments of the cycle.
        cycles: the finished cycles, oldest first.
        status, host: the issue's status (mapped, and as the host wrote it).
        team: the issue's team as the history sets it.
        armed: has an ``armed_by`` event happened (always true without one)?
        held: paused by a pause event, until a resume event.
        priority_changes: every ``priority_changed`` as ``(instant, before, after)``.
    """

    __slots__ = (
        "active",
        "armed",
        "before",
        "cycles",
        "ended",
        "held",
        "host",
        "index",
        "mode",
        "mode_from",
        "pauses",
        "priority",
        "priority_changes",
        "segments",
        "started_at",
        "status",
        "team",
        "total",
    )

    active: bool
    armed: bool
    before: Sequence[timedelta]
    cycles: Sequence[Cycle]
    ended: Ending | None
    held: bool
    host: str
    index: int
    mode: Mode
    mode_from: datetime
    pauses: Sequence[tuple[datetime, datetime]]
    priority: str | None
    priority_changes: Sequence[tuple[datetime, str | None, str]]
    segments: Sequence[tuple[datetime, datetime]]
    started_at: datetime | None
    status: Status
    team: str | None
    total: timedelta

    def copy(self) -> Fold:
        other = Fold.__new__(Fold)
        other.active, other.armed, other.before = self.active, self.armed, self.before
        other.cycles, other.ended, other.held = self.cycles, self.ended, self.held
        other.host, other.index, other.mode = self.host, self.index, self.mode
        other.mode_from, other.pauses, other.priority = self.mode_from, self.pauses, self.priority
        other.priority_changes, other.segments = self.priority_changes, self.segments
        other.started_at, other.status, other.team = self.started_at, self.status, self.team
        other.total = self.total
        return other


class _Folder:
    """Runs a clock's conditions over events, appending to one `Fold`."""

    __slots__ = (
        "changes",
        "clock",
        "context",
        "cycles",
        "fold",
        "measure",
        "pauses",
        "segments",
        "sums",
    )

    def __init__(self, clock: SlaClock, measure: Measure, fold: Fold, context: Context) -> None:
        self.clock, self.measure, self.fold, self.context = clock, measure, fold, context
        self.segments: list[tuple[datetime, datetime]] = []
        self.sums: list[timedelta] = []
        self.pauses: list[tuple[datetime, datetime]] = []
        self.cycles: list[Cycle] = []
        self.changes: list[tuple[datetime, str | None, str]] = []

    # -- the segments of the current cycle ------------------------------------------

    def _close(self, at: datetime) -> None:
        """Close the open segment at *at*."""
        f = self.fold
        lo = f.mode_from
        if at > lo:
            if f.mode == "counting":
                self.sums.append(f.total)
                self.segments.append((lo, at))
                f.total += self.measure.between(lo, at)
            elif f.mode == "paused":
                self.pauses.append((lo, at))
        f.mode_from = at

    def _settle(self, at: datetime) -> None:
        """After an event: close the open segment if the mode changed."""
        f = self.fold
        mode: Mode
        if not f.active or f.status in CLOSED:
            mode = "still"
        elif f.held or f.status in self.clock.pause_on or f.host in self.clock.pause_on:
            mode = "paused"
        else:
            mode = "counting"
        if mode != f.mode:
            self._close(at)
            f.mode = mode

    def _end(self, at: datetime, ended: Ending) -> None:
        f = self.fold
        # A cycle that stood still since a resolution ended there, not at the reopen.
        end = f.mode_from if f.mode == "still" and f.status in CLOSED else at
        self._close(at)
        assert f.started_at is not None
        if end > f.started_at or ended != "reset":  # a reset at its start is no cycle
            self.cycles.append(Cycle(f.started_at, end, f.total, ended, f.index))
        f.active, f.ended = False, ended  # (a reset begins the next cycle at once)

    def _begin(self, at: datetime, index: int) -> None:
        f = self.fold
        self.segments, self.sums, self.pauses = [], [], []
        f.segments, f.before, f.pauses = _EMPTY_SEGMENTS, _EMPTY_SUMS, _EMPTY_SEGMENTS
        f.total, f.started_at, f.index, f.active, f.ended = _ZERO, at, index, True, None
        f.mode, f.mode_from, f.held = "still", at, False

    # -- events ---------------------------------------------------------------------

    def created(self, at: datetime) -> None:
        if self._fires(self.clock.start, None, None, None, None) and self.fold.armed:
            self._begin(at, -1)
        self._settle(at)

    def event(self, i: int, event: Event, at: datetime) -> None:
        changes = field_changes(event)
        if not changes and event.kind not in self.clock.kinds:
            return  # no trigger names it and it sets no field: the clock does not move
        f = self.fold
        new_host: str | None = None
        new_status: Status | None = None
        new_team: str | None = None
        for name, value in changes:
            if name == "status":
                new_status = self.context.policy.map_status(value, self.context.issue.id)
                new_host = value
            elif name == "team":
                new_team = value
            elif name == "priority":
                self.changes.append((at, f.priority, value))
                f.priority = value
        if new_host is not None and new_host == f.host:
            new_host = new_status = None  # not a change
        context = (event, new_status, new_host, new_team)
        clock = self.clock
        fires = self._fires  # (an empty condition is not asked: most of them are)
        if f.active:
            if clock.cancel and fires(clock.cancel, *context):
                self._end(at, "cancelled")
            elif clock.reset and fires(clock.reset, *context):
                self._end(at, "reset")
                self._begin(at, i)
            elif clock.stop and fires(clock.stop, *context):
                self._end(at, "stopped")
        elif f.armed and clock.start and fires(clock.start, *context):
            self._begin(at, i)
        if not f.armed and fires(clock.armed_by, *context):
            f.armed = True
        if f.active and clock.pause and fires(clock.pause, *context):  # the running cycle
            f.held = True
        elif f.held and fires(clock.resume, *context):
            f.held = False
        if new_status is not None:
            assert new_host is not None
            f.status, f.host = new_status, new_host
        if new_team is not None:
            f.team = new_team
        self._settle(at)

    def _fires(
        self,
        triggers: tuple[Trigger, ...],
        event: Event | None,
        status: Status | None,
        host: str | None,
        team: str | None,
    ) -> bool:
        for trigger in triggers:
            kind = trigger.kind
            if event is None:
                if kind == CREATED:
                    return True
                continue
            if kind == CREATED:  # the creation is not an event of the history: `created`
                continue
            if kind == event.kind:
                if trigger.statuses:
                    if status is not None and (
                        status in trigger.statuses or host in trigger.statuses
                    ):
                        return True
                elif trigger.name is None or trigger.name == event.name:
                    return True
            elif kind == "level_changed" or kind == "reassigned":
                fields = {name for name, _ in field_changes(event)}
                if (
                    ("level" in fields)
                    if kind == "level_changed"
                    else bool(fields & {"team", "assignee"})
                ):
                    return True
            elif kind == TEAM_CHANGED:
                if team is not None and team != self.fold.team:
                    return True
            elif kind in (RESOLVED, REOPENED) and status is not None:
                closing = status in CLOSED
                if closing != (self.fold.status in CLOSED) and closing == (kind == RESOLVED):
                    return True
        return False

    def group(self, items: Sequence[tuple[int, Event]], at: datetime) -> None:
        """The events of one instant: of their status changes, only the last counts."""
        if len(items) == 1:
            self.event(items[0][0], items[0][1], at)
            return
        last = None  # the position of the last status change
        for k, (_i, event) in enumerate(items):
            if event.kind is KIND_STATUS_CHANGED and event.status is not None:
                last = k
        for k, (i, event) in enumerate(items):
            if k != last and event.kind is KIND_STATUS_CHANGED and event.status is not None:
                continue
            self.event(i, event, at)

    def finish(self, *, overlay: bool = False) -> Fold:
        """The fold with what was appended; *overlay*: without touching shared storage."""
        f = self.fold
        if self.segments or self.pauses or self.cycles or self.changes:
            join = Chained if overlay else append
            f.segments = join(f.segments, self.segments)
            f.before = join(f.before, self.sums)
            f.pauses = join(f.pauses, self.pauses)
            f.cycles = join(f.cycles, self.cycles)
            f.priority_changes = join(f.priority_changes, self.changes)
        return f


def _initial(clock: SlaClock, host: str, status: Status, created: datetime) -> Fold:
    f = Fold.__new__(Fold)
    f.active, f.armed, f.ended, f.held = False, not clock.armed_by, None, False
    f.before, f.cycles, f.pauses = _EMPTY_SUMS, _EMPTY_CYCLES, _EMPTY_SEGMENTS
    f.segments, f.priority_changes = _EMPTY_SEGMENTS, _EMPTY_CHANGES
    f.host, f.status, f.team, f.priority = host, status, None, None
    f.index, f.mode, f.mode_from = -1, "still", created
    f.started_at, f.total = None, _ZERO
    return f


def fold_clock(context: Context, clock: SlaClock, measure: Measure) -> Fold:
    """*clock*'s fold over the context's issue history, measured on *measure*.

    Memoised on the issue's history summary, keyed by the clock and the measure (by
    identity, checked with the policy's status map), and the status the issue starts in.
    The memo holds the fold of every instant but the last (whose events may still
    grow: of several status changes at one instant only the last counts), the index
    where the last instant's events begin, and the answer (those folded onto a copy,
    their new segments overlaid): once an event at a later instant comes, the answer
    with its overlays appended is where folding goes on, so no event is folded twice.
    """
    issue = context.issue
    summary = summary_of(issue)
    status_map = context.policy.status_map
    # Without status changes, the issue has been in its status since creation.
    host = "open" if summary.statuses else issue.status
    key = (id(clock), id(measure), host)
    hit: Any = summary.memo.get(key)  # the fast path: this very history, evaluated again
    if hit is not None and hit[0] is clock and hit[1] is status_map and hit[2] is measure:
        return hit[5]  # type: ignore[no-any-return]
    stored, covered = summary.derived(key)
    history = issue.history
    times = summary.times
    n = len(history)
    if stored is None or (stored[0], stored[1], stored[2]) != (clock, status_map, measure):
        # (or an SLA switch to another calendar: go on from the fold before it)
        stored, covered = _before_switch(summary, clock, status_map, measure, host)
    if stored is not None:
        if covered == n:
            return stored[5]  # type: ignore[no-any-return]
        if covered and times[covered] != times[covered - 1]:
            # The last instant is over: its answer, with what it appended made permanent,
            # is where the new instant goes on from.
            complete, start = _committed(stored[5]), covered
        else:
            complete, start = stored[3].copy(), stored[4]
        folder = None  # (made when an instant before the last is to be folded)
    else:
        status = Status.OPEN if summary.statuses else context.status
        complete, start = _initial(clock, host, status, summary.created), 0
        folder = _Folder(clock, measure, complete, context)
        folder.created(summary.created)
    # The new events and their instants, read once (slices: one call each, not one per item).
    events, instants = history[start:n], _from(times[start:n], summary.created)
    complete, final, last = _fold_new(
        context, clock, measure, complete, folder, events, instants, start
    )
    memo = summary.memo
    if len(memo) >= MAX_MEMO:
        memo.clear()
    memo[key] = (clock, status_map, measure, complete, start + last, final)
    return final


def _fold_new(
    context: Context,
    clock: SlaClock,
    measure: Measure,
    complete: Fold,
    folder: _Folder | None,
    events: Sequence[Event],
    instants: Sequence[datetime],
    start: int,
) -> tuple[Fold, Fold, int]:
    """Fold the new *events* (at *instants*, from history index *start*) onto *complete*:
    the fold of every instant but the last, the answer (the last instant's events folded
    onto a copy, overlaid), and where the last instant's events begin in *events*."""
    last = len(events)
    while last > 0 and instants[last - 1] == instants[-1]:
        last -= 1
    if last and folder is None:
        folder = _Folder(clock, measure, complete, context)
    if folder is not None:
        _fold_instants(folder, events, instants, start, last)
        complete = folder.finish()
    final = complete
    if last < len(events):
        folder = _Folder(clock, measure, complete.copy(), context)
        folder.group([(start + k, events[k]) for k in range(last, len(events))], instants[last])
        final = folder.finish(overlay=True)
    return complete, final, last


def _before_switch(
    summary: Any, clock: SlaClock, status_map: object, measure: Measure, host: str
) -> tuple[Any, int]:
    """A memoised fold of *clock* on *measure* as it was before its last switch, when
    everything that fold measured lies before that switch: ``(entry, events covered)``.

    A switched measure (`SwitchedMeasure`) gains a switch when an SLA policy with another
    calendar takes over at an event; the segments closed before it were measured on the
    calendar that applied then, so the fold goes on from there instead of starting over.
    """
    pieces = getattr(measure, "measures", None)
    switches = getattr(measure, "switches", None)
    if not pieces or not switches:
        return None, 0
    last = switches[-1]

    def earlier(other: object) -> bool:
        if len(switches) == 1:
            return bool(other == pieces[0])
        return bool(
            getattr(other, "switches", None) == switches[:-1]
            and getattr(other, "measures", None) == pieces[:-1]
        )

    tiers = [(summary.memo, len(summary.times))]
    if summary.base is not None:
        tiers.append(summary.base)
    for memo, covered in tiers:
        for key, entry in list(memo.items()):
            if (
                isinstance(key, tuple)
                and len(key) == 3
                and key[0] == id(clock)
                and key[2] == host
                and entry[0] is clock
                and entry[1] is status_map
                and entry[5].mode_from <= last
                and earlier(entry[2])
            ):
                return entry, covered
    return None, 0


def _from(instants: tuple[datetime, ...], created: datetime) -> tuple[datetime, ...]:
    """*instants*, those before the creation moved to it (events dated before it count there)."""
    if instants and instants[0] < created:
        return tuple(at if at >= created else created for at in instants)
    return instants


def _fold_instants(
    folder: _Folder,
    events: Sequence[Event],
    instants: Sequence[datetime],
    start: int,
    last: int,
) -> None:
    """Fold ``events[:last]`` (history indices from *start*), one instant at a time."""
    i = 0
    while i < last:
        at, j = instants[i], i + 1
        while j < last and instants[j] == at:
            j += 1
        if j == i + 1:  # one event at this instant: the common case
            folder.event(start + i, events[i], at)
        else:
            folder.group([(start + k, events[k]) for k in range(i, j)], at)
        i = j


def _committed(fold: Fold) -> Fold:
    """A copy of *fold* whose overlaid sequences are appended to their shared storage."""
    out = fold.copy()
    if not (
        fold.segments.__class__ is Chained
        or fold.before.__class__ is Chained
        or fold.pauses.__class__ is Chained
        or fold.cycles.__class__ is Chained
        or fold.priority_changes.__class__ is Chained
    ):
        return out  # nothing overlaid (`commit` would give each back as it is)
    out.segments = commit(fold.segments)
    out.before = commit(fold.before)
    out.pauses = commit(fold.pauses)
    out.cycles = commit(fold.cycles)
    out.priority_changes = commit(fold.priority_changes)
    return out
