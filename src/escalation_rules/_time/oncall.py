"""Who is on call: a schedule's answer at an instant, when it next changes, when someone is.

The answer at an instant is the member of the override in force (the flattened overrides are
bisected), else the member of the highest layer that has someone on call there (its turn by
arithmetic, its restriction windows by bisection; `escalation_rules._time.oncall_plan`), else
nobody. It depends on the instant alone: the plan kept on a schedule only saves work.

`next_change` is exact: it returns the first instant after the one asked about at which the
answer differs, passing over hand-offs to the same member (``members=("a", "a")``) and the
edges of windows where a lower layer has the same person on call. It steps from one instant
at which the answer may change to the next, and only through the events that can change it
(while an override is in force, only its end; while a layer answers, that layer's events and
those of the layers above it), and it leaps over stretches where the answer cannot change:

* between two events of the schedule's structure (an override's or a layer's start or end),
  if every layer that can show through has a single member, the same one, and one of them
  is never restricted, the answer is that member throughout;
* while the zone's offset holds, every layer repeats itself (its member cycle and its week
  of windows); once a whole common period has passed without a change, none comes until
  the offset changes or the structure does.

So a search costs steps per change of the answer, not per year spanned, except in a schedule
built to hide a rotation for ever (a member whose turns never meet the windows) in a zone with
DST, where finding that nothing changes walks the years to 9999, a few thousand steps each.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import datetime, timedelta, tzinfo
from typing import Final, NamedTuple

from .._exceptions import PolicyError
from .._instants import require_aware
from .._model.schedules import Schedule, instant_us
from .calendar_zone import MAX_US, UNIX_EPOCH
from .oncall_plan import (
    NEVER,
    NO_FRAME,
    Plan,
    frame_at,
    member_change,
    plan_of,
    turn,
    window_state,
)

_NOBODY: Final = -2
_OVERRIDE: Final = -1


class _State(NamedTuple):
    member: str | None  # None: nobody
    layer: int  # the index of the layer on call, _OVERRIDE or _NOBODY
    next: int  # the first instant after this one at which the answer may change


def on_call(schedule: Schedule, at: datetime) -> tuple[str, ...]:
    """Who is on call in *schedule* at the aware instant *at*: ``()`` for nobody, else one
    member (a tuple, so that several schedules' answers compose).

    Raises:
        IssueError: if *at* is not an aware datetime (`NaiveDatetimeError` if naive).
    """
    member = _evaluate(plan_of(schedule), _instant(at), want_next=False).member
    return () if member is None else (member,)


HORIZON: Final = timedelta(days=3653)
"""How far `next_change` looks by default: ten years."""


def next_change(
    schedule: Schedule, at: datetime, *, horizon: timedelta = HORIZON
) -> datetime | None:
    """The first instant after *at* at which `on_call` gives another answer, in *at*'s zone;
    ``None`` if the answer does not change within *horizon* (ten years by default).

    A schedule whose answer is fixed (one member in every layer down to an unrestricted one)
    says ``None`` at once; the horizon bounds the search for the rest, such as a member whose
    turns never meet the layer's windows in a zone with DST.

    Raises:
        IssueError: if *at* is not an aware datetime (`NaiveDatetimeError` if naive).
        PolicyError: if *horizon* is not a positive timedelta.
    """
    aware = require_aware(at, "at")
    if not isinstance(horizon, timedelta) or horizon <= timedelta(0):
        raise PolicyError(f"horizon must be a positive timedelta, got {horizon!r}", value=horizon)
    t = _instant(aware)
    until = min(NEVER, t + horizon // timedelta(microseconds=1))
    found = _next_change(plan_of(schedule), t, until)
    return None if found is None else _datetime(found, aware.tzinfo)


def first_on_call(schedule: Schedule, at: datetime, limit: datetime) -> datetime | None:
    """The first instant from *at* on at which someone is on call, if it is no later than
    *limit*: *at* itself if someone is on call then; else ``None``. The search stops at
    *limit*, so it costs no more for a schedule where nobody is on call for years.

    Raises:
        IssueError: if *at* or *limit* is not an aware datetime.
    """
    aware = require_aware(at, "at")
    t, until = _instant(aware), _instant(limit)
    if until < t:
        return None
    plan = plan_of(schedule)
    if _evaluate(plan, t, want_next=False).member is not None:
        return aware
    found = _next_change(plan, t, until)
    return None if found is None else _datetime(found, aware.tzinfo)


def _instant(value: object) -> int:
    if type(value) is datetime:
        try:
            return instant_us(value)  # aware minus aware: exact, and honours fold
        except TypeError:  # naive: refused below
            pass
    return instant_us(require_aware(value, "at"))


def _datetime(u: int, zone: tzinfo | None) -> datetime:
    return (UNIX_EPOCH + timedelta(microseconds=u)).astimezone(zone)


def _evaluate(plan: Plan, t: int, *, want_next: bool) -> _State:
    """The answer at *t*; with *want_next*, also the next instant it may change at."""
    starts, ends, members = plan.overrides
    i = bisect_right(starts, t) - 1
    if i >= 0 and t < ends[i]:
        return _State(members[i], _OVERRIDE, ends[i])
    soon = starts[i + 1] if i + 1 < len(starts) else NEVER
    zone = plan.zone
    layers = plan.layers
    frame = frame_at(plan, t) if layers else NO_FRAME
    for j in range(len(layers) - 1, -1, -1):
        lp = layers[j]
        if t < lp.start:
            soon = min(soon, lp.start)
            continue
        if t >= lp.end:
            continue
        soon = min(soon, lp.end)
        windows = lp.starts
        if windows is not None:
            inside, flip = window_state(lp, windows, t, frame, plan, want_next)
            soon = min(soon, flip)
            if not inside:
                continue
        k, following = turn(lp, t, frame, zone)
        if want_next:
            soon = min(soon, member_change(lp, k, following, frame, zone))
        return _State(lp.members[k % len(lp.members)], j, soon)
    return _State(None, _NOBODY, soon)


def _next_change(plan: Plan, t: int, until: int) -> int | None:
    """The first instant after *t*, up to *until*, at which the answer changes."""
    state = _evaluate(plan, t, want_next=True)
    first = state.member
    region_end = t  # the next event of the structure: recomputed on reaching it
    anchor = period = seg_end = retry = 0
    while True:
        if t >= region_end:
            region_end = _region_end(plan, t)
            anchor = period = 0
            retry = t
            if state.layer != _OVERRIDE and _steady(plan, t):
                t = region_end  # nothing changes before the structure does
                if t > until or t >= MAX_US:
                    return None
                state = _evaluate(plan, t, want_next=True)
                if state.member != first:
                    return t
                continue
        if state.layer != _OVERRIDE and not period and t >= retry:
            anchor, period, seg_end, retry = _repetition(plan, t, region_end)
        if period and state.next >= anchor + period:
            t = seg_end  # one whole period unchanged: so is the rest of the stretch
            anchor = period = 0
            retry = t
        else:
            t = state.next
        if t > until or t >= MAX_US:
            return None
        state = _evaluate(plan, t, want_next=True)
        if state.member != first:
            return t


def _region_end(plan: Plan, t: int) -> int:
    """The next instant after *t* at which an override or a layer starts or ends."""
    starts, ends, _ = plan.overrides
    i = bisect_right(starts, t) - 1
    end = ends[i] if i >= 0 and t < ends[i] else starts[i + 1] if i + 1 < len(starts) else NEVER
    for lp in plan.layers:
        if t < lp.start < end:
            end = lp.start
        if t < lp.end < end:
            end = lp.end
    return end


def _present(plan: Plan, t: int) -> list[int]:
    return [j for j, lp in enumerate(plan.layers) if lp.start <= t < lp.end]


def _steady(plan: Plan, t: int) -> bool:
    """Is the answer fixed by the layers present at *t*, whatever the instant: no layer at
    all, or one member in every layer down to and including an unrestricted one?"""
    member = None
    for j in reversed(_present(plan, t)):
        lp = plan.layers[j]
        if not lp.constant or (member is not None and lp.members[0] != member):
            return False
        member = lp.members[0]
        if lp.starts is None:
            return True
    return member is None


def _repetition(plan: Plan, t: int, region_end: int) -> tuple[int, int, int, int]:
    """``(anchor, period, end, retry)``: from *anchor* (= *t*) to *end* the answer repeats
    every *period* (0: no such stretch here; look again from *retry*)."""
    period = 1
    for j in _present(plan, t):
        period = math.lcm(period, plan.layers[j].period)
    frame = frame_at(plan, t)
    if not period or frame.change != NEVER or not frame.lo <= t < frame.hi:
        return 0, 0, 0, region_end if not period else frame.home_hi
    end = min(region_end, frame.hi)  # while the offset holds, every layer repeats
    if end - t <= period:  # too near a change of offset (or of structure) to gain anything
        return 0, 0, 0, end
    return t, period, end, 0
