"""What one issue's report shows, gathered from a forecast or a replay (`IssueView`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

import attrs

from .._exceptions import EscalationRulesError
from .._instants import local
from .._model.actions import Action, Escalate
from .._model.events import EventKind
from .._rules.first_match import leaves
from .._rules.timed import SlaShare, TimeRule
from .replay import TimelineEntry

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._model.issue import Issue
    from .._time.sla_clock import ClockState
    from .replay import Replay


@attrs.frozen
class Stay:
    """The issue at *level* from *start* to *end*."""

    level: str
    start: datetime
    end: datetime


@attrs.frozen
class ClockRow:
    """One SLA clock: its counted and paused segments, its thresholds and its deadline."""

    name: str
    segments: tuple[tuple[datetime, datetime, str], ...]
    thresholds: tuple[tuple[str, datetime], ...]
    deadline: datetime | None
    breached: bool
    target: str


@attrs.frozen
class IssueView:
    """All one issue's report shows, on one time axis from *start* to *end*."""

    title: str
    issue_id: str
    mode: str
    levels: tuple[str, ...]
    zone: tzinfo
    start: datetime
    end: datetime
    level_rows: tuple[tuple[str, tuple[Stay, ...]], ...]
    clocks: tuple[ClockRow, ...]
    actions: tuple[tuple[datetime, Action], ...]
    timeline: tuple[TimelineEntry, ...]
    notes: tuple[str, ...] = ()


def stays(
    changes: Iterable[tuple[datetime, str]], first: str, start: datetime, end: datetime
) -> tuple[Stay, ...]:
    """The level stays from *start* (at *first*) to *end*, moved at each ``(at, level)``."""
    out: list[Stay] = []
    level, since = first, start
    for at, to in sorted(changes, key=lambda change: change[0]):
        if to == level or at > end:
            continue
        at = max(at, start)
        if at > since:
            out.append(Stay(level, since, at))
        level, since = to, at
    out.append(Stay(level, since, max(since, end)))
    return tuple(out)


def level_position(levels: Sequence[str], level: str) -> int:
    """*level*'s position in *levels* (a level the policy lacks: after the last)."""
    return levels.index(level) if level in levels else len(levels)


def zone_of(policy: Policy, issue: Issue, states: Sequence[ClockState]) -> tzinfo:
    """The zone to show times in: the issue's zone field, else the calendar of its clocks
    (*states*), else the policy's default calendar, else the zone of its creation instant."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    getter = policy.sla_setup.zone_getter
    if getter is not None:
        value = getter(issue)
        if isinstance(value, str) and value:
            try:
                return ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):  # not a zone: the next choice
                pass
    names = [state.calendar for state in states]
    names.append(policy.calendar)
    for name in names:
        if name is not None and name in policy.calendars:
            return ZoneInfo(policy.calendars[name].tz)
    zone = issue.created_at.tzinfo
    return zone if zone is not None else UTC


def clock_states(policy: Policy, issue: Issue, now: datetime) -> tuple[ClockState, ...]:
    """The issue's SLA clocks at *now* (none, if they cannot be worked out)."""
    try:
        return tuple(policy.sla_clocks(issue, now))
    except EscalationRulesError:  # a report shows what it can: the clocks are one part
        return ()


def _shares(policy: Policy) -> dict[str, set[SlaShare]]:
    """The thresholds of each SLA clock the policy's rules act on (75 %: a warning)."""
    found: dict[str, set[SlaShare]] = {}
    for rule in leaves(policy.rules):
        if isinstance(rule, TimeRule) and isinstance(rule.at, SlaShare):
            found.setdefault(rule.at.metric, set()).add(rule.at)
    return found


def clock_rows(policy: Policy, states: Sequence[ClockState], end: datetime) -> tuple[ClockRow, ...]:
    """Each SLA clock (*states*, at *end*): its cycles, pauses and marks."""
    shares = _shares(policy)
    rows = []
    for state in states:
        # A finished cycle counted until it ended (its pauses are not kept).
        segments = [
            (c.started_at, c.stopped_at, "cancelled" if c.ended == "cancelled" else "running")
            for c in state.cycles
        ]
        if state.started_at is not None:
            stop = end
            if state.state == "stopped" and state.calendar is None:  # wall time: exact
                pauses = sum(((min(b or end, end) - a) for a, b in state.paused), start=end - end)
                stop = min(end, state.started_at + state.elapsed + pauses)
            segments.extend(_current(state.started_at, stop, state.paused))
        target = state.target
        marks = shares.get(state.name, set())
        thresholds = () if target is None else _thresholds(state, target.duration, marks)
        rows.append(
            ClockRow(
                state.name,
                tuple(segments),
                thresholds,
                state.deadline,
                state.breached,
                "" if target is None else str(target),
            )
        )
    return tuple(rows)


def _thresholds(
    state: ClockState, target: timedelta, marks: set[SlaShare]
) -> tuple[tuple[str, datetime], ...]:
    """Where the clock reaches each of *marks* short of its *target*, labelled."""
    out = []
    for share in sorted(marks, key=lambda s: (s.share, s.offset)):
        counted = share.threshold(target)
        if counted >= target:  # the deadline, or past it
            continue
        reached = state.reaches(counted)[1]
        if reached is not None:
            out.append((f"{share.share:.0%}{share.offset_text()}", reached))
    return tuple(out)


def _current(
    started: datetime,
    end: datetime,
    paused: Sequence[tuple[datetime, datetime | None]],
) -> list[tuple[datetime, datetime, str]]:
    """The current cycle from *started* to *end*: its counted and its paused segments."""
    out = []
    at = started
    for pause_start, pause_end in paused:
        stop = end if pause_end is None else min(pause_end, end)
        if pause_start > at:
            out.append((at, min(pause_start, end), "running"))
        if stop > pause_start:
            out.append((pause_start, stop, "paused"))
        at = max(at, stop)
    if end > at:
        out.append((at, end, "running"))
    return out


def forecast_view(policy: Policy, issue: Issue, now: datetime, until: datetime) -> IssueView:
    """What *policy* will do to *issue* from *now* to *until* if nothing else happens."""
    from .._engine.forecast import forecast

    steps = forecast(policy, issue, now, until)
    so_far = issue.as_of(now)
    final = so_far
    for step in steps:
        final = final.record(step.action, step.at)
    ids = tuple(level.id for level in policy.levels)
    start = min(issue.created_at, now)
    changes = _level_changes(so_far)
    # The level it was created at: unknown (the policy's first, as `Issue.as_of` has it)
    # once the history moved it, else the issue's own.
    first = ids[0] if changes else (so_far.level or ids[0])
    changes += _level_changes(final)[len(changes) :]
    timeline = [TimelineEntry(e.at, "real", event=e) for e in so_far.history]
    timeline += [TimelineEntry(s.at, "policy", action=s.action) for s in steps]
    states = clock_states(policy, final, until)
    zone = zone_of(policy, final, states)
    return IssueView(
        title=f"Forecast of issue {issue.id} under policy {policy.name}",
        issue_id=issue.id,
        mode="forecast",
        levels=ids,
        zone=zone,
        start=start,
        end=until,
        level_rows=(("level", stays(changes, first, start, until)),),
        clocks=clock_rows(policy, states, until),
        actions=tuple((s.at, s.action) for s in steps),
        timeline=tuple(timeline),
        notes=(
            f"From {local(now, zone)} on, nothing happens but the policy's "
            "own actions (no reply, no status change).",
        ),
    )


def _level_changes(issue: Issue) -> list[tuple[datetime, str]]:
    """Each move of *issue*'s history to a level: a level change or an escalation taken."""
    kinds = (EventKind.LEVEL_CHANGED, EventKind.ACTION_TAKEN)
    return [(e.at, e.level) for e in issue.history if e.level is not None and e.kind in kinds]


def replay_view(policy: Policy, result: Replay) -> IssueView:
    """What *policy* would have done to the logged issue of *result*, next to what was done."""
    ids = tuple(level.id for level in policy.levels)
    logged = result.logged
    start = logged.created_at
    end = max([start, *(e.at for e in result.timeline)])
    real = [
        (e.at, e.level)
        for e in logged.events
        if e.kind is EventKind.LEVEL_CHANGED and e.level is not None
    ]
    by_policy = [(a.at, a.action.to) for a in result.actions if isinstance(a.action, Escalate)]
    rows = (
        ("level (real)", stays(real, result.start_level, start, end)),
        ("level (policy)", stays(by_policy, result.start_level, start, end)),
    )
    states = clock_states(policy, result.issue, end)
    return IssueView(
        title=f"Replay of issue {logged.id} under policy {policy.name}",
        issue_id=logged.id,
        mode="replay",
        levels=ids,
        zone=zone_of(policy, result.issue, states),
        start=start,
        end=end,
        level_rows=rows,
        clocks=clock_rows(policy, states, end),
        actions=tuple((a.at, a.action) for a in result.actions),
        timeline=result.timeline,
        notes=(
            "The real level is the log's; the policy's level is where its own escalations "
            "would have put the issue.",
        ),
    )
