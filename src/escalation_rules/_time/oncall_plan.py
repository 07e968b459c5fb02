"""The arithmetic form of a schedule: each layer's turns and windows in integer microseconds.

A `Plan` is built once per `Schedule` (and kept on it). Its instants are microseconds since
the Unix epoch; a wall time is the same count read on the schedule's local clock. A layer's
turn at an instant is one division (elapsed turns) or one division checked against the two
hand-offs around it (wall-time turns); its restriction windows are merged into one weekly list
of wall-clock intervals and looked up by bisection. (A wall-time turn 0 starts at the
hand-off instant itself, even where its wall time repeats and that instant is the second
occurrence: see `turn_start`.) Nothing iterates from the hand-off, so the
cost does not grow with the years between it and the instant asked about.

Wall times become instants through a `Frame`, the zone's offsets over a stretch of time
between its changes (`escalation_rules._time.calendar_zone` lists them). Away from a change
the offset is one number and the weekly windows are bisected in wall time; within
`MARGIN` of a change the frame holds the offsets before and after it, maps each wall time as
`zoneinfo` does with ``fold=0`` (before the change, or in its gap or repeated hour: the
earlier offset; after it: the later one), and the windows nearby are listed one by one. A
wall time beyond the frame, or in a zone whose changes cannot be read, goes through
`zoneinfo` itself: slower, and the same by definition.

A frame serves every instant of its stretch; the plan keeps the last two it built (the only
state, per schedule, and a result never depends on it).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, NamedTuple

from .._model.schedules import OverrideIndex, Schedule, instant_us
from .calendar_spec import DAY_US, US, WEEK_US
from .calendar_zone import MAX_US, MIN_US, ZoneChanges, load_changes

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from .._model.restrictions import Restriction
    from .._model.schedules import Layer

NEVER: Final = 1 << 62
"""An instant after every other: no end, no further change."""

MAX_PERIOD: Final = 400 * DAY_US
"""A layer that repeats less often than this is not searched for a repetition."""

MARGIN: Final = 2 * DAY_US
"""Instants this far from every change of offset see all wall times in order: offsets move
by at most a day at a change (and lie within 26 hours of each other), so comparing a wall
time with an instant's wall time compares their instants."""

SKEW: Final = 26 * 3_600 * US
"""The most two offsets of one zone differ by (UTC-12 and UTC+14): a wall time this far
from another is on the same side of it as an instant."""

_NEAR_SPAN: Final = 366 * DAY_US  # how far back a frame looks for the previous change
_MAX_CHANGES: Final = 32  # changes listed around an instant; more: the frame is cut short
_WALL_EPOCH: Final = datetime(1970, 1, 1)
_MONDAY: Final = 4 * DAY_US  # Monday 00:00, counted from 1970-01-01 (a Thursday)


class Frame(NamedTuple):
    """The zone's offsets for the instants [home_lo, home_hi): mapping a wall time to an
    instant is exact where the result lies in [lo, hi). With ``change == NEVER`` the offset
    is ``before`` throughout; else ``after`` from ``change`` on."""

    home_lo: int
    home_hi: int
    lo: int
    hi: int
    change: int
    split: int  # wall times from here on take ``after``: change + max(before, after)
    before: int
    after: int
    # Around a change: each layer's windows near it, as the starts and ends of merged
    # instant intervals, listed on first use (by the layer plan's id).
    listed: dict[int, tuple[list[int], list[int]]]


NO_FRAME: Final = Frame(0, 0, 0, 0, NEVER, NEVER, 0, 0, {})
"""A frame for no instant."""


class LayerPlan(NamedTuple):
    """A layer in microseconds. ``starts``/``ends``: its merged windows by phase in the
    wall-clock week (from Monday 00:00), repeated a week before and after; ``None`` when
    it has no restriction (or they cover the week)."""

    start: int
    end: int
    wall: bool
    origin: int  # the hand-off: an instant (elapsed turns) or a wall time (wall turns)
    handoff: int  # the hand-off as an instant: turn 0 starts here (fold=1 honoured)
    step: int
    members: tuple[str, ...]
    runs: tuple[int, ...]  # turns until the member changes, from each position (0: never)
    windows: tuple[tuple[int, int], ...]  # merged, by phase in the week
    starts: tuple[int, ...] | None
    ends: tuple[int, ...]
    period: int  # a period of the layer while the offset holds; 0 if over MAX_PERIOD

    @property
    def constant(self) -> bool:
        """Is the same member on call in every turn?"""
        return not self.runs[0]


class Plan(NamedTuple):
    zone: ZoneInfo
    changes: ZoneChanges | None
    overrides: OverrideIndex
    layers: tuple[LayerPlan, ...]
    frames: list[Frame]  # the last two built


def plan_of(schedule: Schedule) -> Plan:
    """The schedule's plan, built on first use and kept on the schedule."""
    plan = schedule._derived
    if type(plan) is Plan:
        return plan
    from zoneinfo import ZoneInfo  # the zone name was checked when the schedule was built

    zone = ZoneInfo(schedule.zone)
    layers = tuple(_layer_plan(layer, zone) for layer in schedule.layers)
    built = Plan(zone, load_changes(zone), schedule._index, layers, [NO_FRAME, NO_FRAME])
    object.__setattr__(schedule, "_derived", built)  # equal values if two threads race
    return built


def _layer_plan(layer: Layer, zone: ZoneInfo) -> LayerPlan:
    step = _us(layer.shift)
    handoff = instant_us(layer.handoff)
    wall = layer.wall_turns
    members = layer.members
    n = len(members)
    runs = [0] * n  # turns to the next other member: counted backwards around the cycle
    if len(set(members)) > 1:
        last = max(i for i in range(n) if members[i] != members[(i + 1) % n])
        for back in range(n):
            i = (last - back) % n
            runs[i] = 1 if members[i] != members[(i + 1) % n] else runs[(i + 1) % n] + 1
    cycle = next(p for p in range(1, n + 1) if not n % p and members[p:] == members[: n - p])
    windows = merged_week(layer.restrictions)
    period = cycle * step if runs[0] else 1
    if windows is not None:
        period = math.lcm(period, WEEK_US)
    shifts = (-WEEK_US, 0, WEEK_US)
    unrolled = [(s + shift, e + shift) for shift in shifts for s, e in windows or ()]
    return LayerPlan(
        start=-NEVER if layer.start is None else instant_us(layer.start),
        end=NEVER if layer.end is None else instant_us(layer.end),
        wall=wall,
        origin=handoff + offset_at(zone, handoff) if wall else handoff,
        handoff=handoff,
        step=step,
        members=members,
        runs=tuple(runs),
        windows=windows or (),
        starts=None if windows is None else tuple(s for s, _ in unrolled),
        ends=tuple(e for _, e in unrolled),
        period=period if period <= MAX_PERIOD else 0,
    )


def merged_week(restrictions: tuple[Restriction, ...]) -> tuple[tuple[int, int], ...] | None:
    """The restrictions as merged wall-clock intervals of the week, by their start's phase
    (from Monday 00:00; an interval may run past the week's end); ``None`` if there are
    none, or they cover the whole week."""
    if not restrictions:
        return None
    raw = []
    for r in restrictions:
        begin = ((r.start.hour * 60 + r.start.minute) * 60 + r.start.second) * US
        begin += r.start.microsecond
        length = _us(r.duration)
        for day in range(7) if r.day is None else (r.day - 1,):
            raw.append((day * DAY_US + begin, day * DAY_US + begin + length))
    # Five copies of the week, merged; the middle copy's intervals are the week's own.
    copies = sorted((s + k * WEEK_US, e + k * WEEK_US) for k in range(-2, 3) for s, e in raw)
    merged = [list(copies[0])]
    for s, e in copies[1:]:
        if s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    if any(e - s >= WEEK_US for s, e in merged):
        return None  # a merged window as long as the week: always on call
    return tuple((s, e) for s, e in merged if 0 <= s < WEEK_US)


# -- instants and wall times ---------------------------------------------------------------


def _us(delta: timedelta | None) -> int:
    if delta is None:
        return 0
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def offset_at(zone: ZoneInfo, u: int) -> int:
    """The zone's UTC offset at the instant *u*, in microseconds (offsets change on whole
    seconds)."""
    u = min(max(u, MIN_US), MAX_US)  # beyond the supported years: the offset at the edge
    return _us(datetime.fromtimestamp(u // US, zone).utcoffset())


def wall_instant(zone: ZoneInfo, x: int) -> int:
    """The instant of the wall time *x* in *zone*, as `zoneinfo` maps it with ``fold=0``."""
    x_s = min(max(x, MIN_US), MAX_US) // US
    return x - _us(zone.utcoffset(_WALL_EPOCH + timedelta(0, x_s)))


def to_instant(x: int, frame: Frame, zone: ZoneInfo) -> int:
    """The instant of the wall time *x* (``fold=0``)."""
    u = x - (frame.before if x < frame.split else frame.after)
    return u if frame.lo <= u < frame.hi else wall_instant(zone, x)


def wall_of(t: int, frame: Frame) -> int:
    return t + (frame.before if t < frame.change else frame.after)


def frame_at(plan: Plan, t: int) -> Frame:
    """A frame whose home holds the instant *t* (the plan keeps the last two)."""
    frames = plan.frames
    for frame in frames:
        if frame.home_lo <= t < frame.home_hi:
            return frame
    frame = _frame(plan, t)
    frames[0], frames[1] = frames[1], frame
    return frame


def _frame(plan: Plan, t: int) -> Frame:
    zone, changes = plan.zone, plan.changes
    off = offset_at(zone, t)
    alone = Frame(t, t + 1, t, t, NEVER, NEVER, off, off, {})  # every wall time via zoneinfo
    if changes is None:
        return alone
    before: list[int] = []  # the changes in (t - _NEAR_SPAN, t]...
    after: list[int] = []  # ...and the first two after t
    change = changes.next_after(t - _NEAR_SPAN)
    while change is not None and len(after) < 2:
        if len(before) == _MAX_CHANGES:
            return alone
        (before if change <= t else after).append(change)
        change = changes.next_after(change)
    after.append(NEVER)  # no change after those listed
    prev = before[-1] if before else t - _NEAR_SPAN  # no change from here to t
    if t - prev >= MARGIN and after[0] - t > MARGIN:
        lo, hi = prev + MARGIN, after[0] - MARGIN
        return Frame(lo, hi, lo, hi, NEVER, NEVER, off, off, {})
    # Within MARGIN of one change: the offsets on both sides, if no other change is near.
    if t - prev < MARGIN and before:
        c, lo, hi = prev, before[-2] if len(before) > 1 else t - _NEAR_SPAN, after[0]
    else:
        c, lo, hi = after[0], prev, after[1]
    if c - lo < 2 * MARGIN or hi - c < 2 * MARGIN:
        return alone
    early, late = offset_at(zone, c - 1), offset_at(zone, c)
    split = c + max(early, late)
    return Frame(c - MARGIN, c + MARGIN, lo + MARGIN, hi - MARGIN, c, split, early, late, {})


# -- turns ---------------------------------------------------------------------------------


def turn_start(lp: LayerPlan, k: int, frame: Frame, zone: ZoneInfo) -> int:
    """The instant turn *k* starts. For wall turns, turn 0 starts at the hand-off instant
    itself (the second occurrence of a repeated wall time, if that is what was given);
    the others at their wall time, ``fold=0``."""
    if not lp.wall:
        return lp.origin + k * lp.step
    return lp.handoff if k == 0 else to_instant(lp.origin + k * lp.step, frame, zone)


def turn(lp: LayerPlan, t: int, frame: Frame, zone: ZoneInfo) -> tuple[int, int]:
    """The index of the turn at *t*, and the instant the next turn starts."""
    origin, step = lp.origin, lp.step
    if not lp.wall:
        k = (t - origin) // step
        return k, origin + (k + 1) * step
    k = (wall_of(t, frame) - origin) // step
    # The wall-clock guess is off by one turn at most, near a change of offset.
    while turn_start(lp, k, frame, zone) > t:
        k -= 1
    following = turn_start(lp, k + 1, frame, zone)
    while following <= t:
        k += 1
        following = turn_start(lp, k + 1, frame, zone)
    return k, following


def member_change(lp: LayerPlan, k: int, following: int, frame: Frame, zone: ZoneInfo) -> int:
    """The first hand-off after turn *k* to another member (`NEVER` if all are the same)."""
    run = lp.runs[k % len(lp.members)]
    if run <= 1:
        return following if run else NEVER
    return turn_start(lp, k + run, frame, zone)


# -- windows -------------------------------------------------------------------------------


def window_state(
    lp: LayerPlan, starts: tuple[int, ...], t: int, frame: Frame, plan: Plan, want_next: bool
) -> tuple[bool, int]:
    """Is the layer inside one of its windows at *t*, and (with *want_next*) when does that
    next change (`NEVER` without)?"""
    if frame.change == NEVER and frame.lo <= t < frame.hi:
        w = t + frame.before
        phase = (w - _MONDAY) % WEEK_US
        i = bisect_right(starts, phase) - 1
        end = lp.ends[i]
        inside = phase < end
        if not want_next:
            return inside, NEVER
        flip = w - phase + (end if inside else starts[i + 1]) - frame.before
        if flip < frame.hi:
            return inside, flip
        # No change before the frame ends (nor at its end, excluded): list the windows there.
        return inside, _listed_state(lp, frame.hi - 1, plan, True)[1]
    return _listed_state(lp, t, plan, want_next)


def _listed_state(lp: LayerPlan, t: int, plan: Plan, want_next: bool) -> tuple[bool, int]:
    """`window_state` with the windows near *t* listed one by one: near a change of offset,
    once for the frame around it; else those within two days of *t*, then (for a change
    further off) those within a week and two days."""
    frame = frame_at(plan, t)
    if frame.change != NEVER:
        listed = frame.listed.get(id(lp))
        if listed is None:
            listed = frame.listed[id(lp)] = _listing(lp, frame, plan.zone)
        starts, ends = listed
        i = bisect_right(starts, t) - 1
        within = i >= 0 and t < ends[i]
        flip = ends[i] if within else starts[i + 1] if i + 1 < len(starts) else NEVER
        # Listed up to two weeks after the frame: a change within a week of it is known.
        if not want_next or flip < frame.home_hi + WEEK_US:
            return within, flip if want_next else NEVER
        return within, _listed_state(lp, frame.home_hi + WEEK_US - 1, plan, True)[1]
    inside: bool | None = None
    reach = 2 * DAY_US
    while True:
        w = t + offset_at(plan.zone, t)
        spans = mapped_windows(lp, frame, plan.zone, w - reach, w + reach)
        here = next(((s, e) for s, e in spans if s <= t < e), None)
        if inside is None:
            inside = here is not None
        if not want_next:
            return inside, NEVER
        flip = here[1] if here else next((s for s, _ in spans if s > t), NEVER)
        # A window not listed lies beyond the wall times listed, so its instants lie at
        # least reach - SKEW away from t: a change found within that is the next one.
        if flip <= t + reach - SKEW or t >= MAX_US:
            return inside, flip
        if reach < WEEK_US:
            reach = WEEK_US + 2 * DAY_US
        else:
            t += reach - SKEW
        frame = frame_at(plan, t)


def _listing(lp: LayerPlan, frame: Frame, zone: ZoneInfo) -> tuple[list[int], list[int]]:
    """The layer's windows for the instants from a day before the frame's home to two weeks
    after it (those a wall time in reach of them can map to), merged."""
    reach = 2 * WEEK_US
    lo, hi = frame.home_lo + frame.before - SKEW - DAY_US, frame.home_hi + frame.after + reach
    spans = mapped_windows(lp, frame, zone, lo, hi)
    return [s for s, _ in spans], [e for _, e in spans]


def mapped_windows(
    lp: LayerPlan, frame: Frame, zone: ZoneInfo, lo: int, hi: int
) -> list[tuple[int, int]]:
    """The layer's windows that meet the wall times [lo, hi], as merged instant intervals."""
    spans = []
    # A window starts in its week and lasts less than a week: one from the week before
    # may reach into the wall times asked about.
    for week in range((lo - _MONDAY) // WEEK_US - 1, (hi - _MONDAY) // WEEK_US + 1):
        base = _MONDAY + week * WEEK_US
        for s, e in lp.windows:
            if base + e >= lo and base + s <= hi:
                a, b = to_instant(base + s, frame, zone), to_instant(base + e, frame, zone)
                if a < b:
                    spans.append((a, b))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged
