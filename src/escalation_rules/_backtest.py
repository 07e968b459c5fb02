"""Replay and backtest: what a policy would have done to real issues, and how that compares.

`replay` feeds one issue's real events to a policy in time order. It evaluates after each
event and at each ``next_evaluation_at`` in between (jumping from one to the next, never
stepping through time), and collects the actions the policy decides as a timeline, side by
side with the real events. Events at the same instant (one row of a log) are applied
together and evaluated once; a ``next_evaluation_at`` that falls exactly on an event's
instant is evaluated before the event is applied.

The real history drives the issue: its level, status and team change as they really did. The
policy's actions are recorded in the issue's history as ``ACTION_TAKEN`` events *without* a
level or team, so the policy does not decide them again, but they do not move the issue
either. So the policy can only escalate an issue from the level where it really was.

To say how much *later* than the real escalation the policy would have escalated (it cannot
in the replay itself, as the real escalation comes first and the engine never escalates to
the level the issue is already at), `replay` asks a what-if question at each real escalation
the policy had not made yet: starting from the issue just before that event, with the
policy's own earlier escalations applied and no new event arriving, when would the policy
have escalated it that far? The answer is ``None`` when it never would have (for example
because the issue was waiting on the customer and the policy's clock was paused).

`backtest` streams many issues through `replay` and aggregates `Metrics`, overall and per
priority and per category, without keeping any issue once it is counted.
"""

from __future__ import annotations

import csv
import io
import math
from array import array
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final, Literal

import attrs

from ._actions import Action, Escalate, Route
from ._eventlog import LoggedIssue
from ._exceptions import IssueError, did_you_mean
from ._frozendict import FrozenDict
from ._issue import Event, EventKind, Issue, Status
from ._policy import Policy

__all__ = [
    "GroupMetrics",
    "LevelComparison",
    "LevelMetrics",
    "Metrics",
    "PolicyAction",
    "Replay",
    "TimelineEntry",
    "backtest",
    "replay",
]

_TAKEN: Final = EventKind.ACTION_TAKEN
_LEVEL_CHANGED: Final = EventKind.LEVEL_CHANGED
_STATUS_CHANGED: Final = EventKind.STATUS_CHANGED
_DONE: Final = (Status.RESOLVED, Status.CLOSED)
#: The what-if run stops after this many evaluations (it normally ends long before: with no
#: new event, each rule fires at most once per crossing or anchor event).
_WHAT_IF_STEPS: Final = 256
#: Each quantile accumulator keeps exact values up to this many, then folds them into
#: logarithmic buckets (see `_Quantiles`).
_EXACT_LIMIT: Final = 100_000


# ------------------------------------------------------------------------ one issue


@attrs.frozen
class PolicyAction:
    """An action the policy decided during a replay, and the instant it decided it."""

    at: datetime
    action: Action

    @property
    def reason(self) -> str:
        """Why the policy decided it."""
        return self.action.reason


@attrs.frozen
class TimelineEntry:
    """One line of a replay's timeline: a real event, or an action the policy decided.

    Attributes:
        at: the instant.
        source: ``"real"`` for an event of the log, ``"policy"`` for a decided action.
        event: the real `Event` (``source == "real"``).
        action: the policy's action (``source == "policy"``).
    """

    at: datetime
    source: Literal["real", "policy"]
    event: Event | None = attrs.field(default=None, kw_only=True)
    action: Action | None = attrs.field(default=None, kw_only=True)

    def describe(self) -> str:
        """A short human description, e.g. ``"level_changed L2"`` or ``"escalate L2: ..."``."""
        if self.action is not None:
            return f"{_action_text(self.action)}: {self.action.reason}"
        event = self.event
        assert event is not None
        detail = event.status or event.level or event.team or event.action or event.name or ""
        raw = event.data.get("raw")
        if raw is not None:
            detail = f"{detail} ({raw})"
        return f"{event.kind.value} {detail}".rstrip()


def _action_text(action: Action) -> str:
    if isinstance(action, Escalate):
        return f"escalate to {action.to}"
    if isinstance(action, Route):
        return f"route to {action.team}"
    return f"notify {action.target}"


@attrs.frozen
class LevelComparison:
    """The real and the policy's escalation of one issue to one level (or above).

    Attributes:
        level: a level above the one the issue started at.
        real_at: when the real history first put the issue at this level or above
            (``None``: never).
        policy_at: when the policy first escalated it to this level or above: in the replay,
            or, if the real escalation came first, in the what-if run from just before it
            (``None``: never).
        what_if: ``policy_at`` comes from the what-if run.
    """

    level: str
    real_at: datetime | None
    policy_at: datetime | None
    what_if: bool = False

    @property
    def delta(self) -> timedelta | None:
        """``policy_at - real_at``: negative when the policy was earlier; ``None`` unless both."""
        if self.real_at is None or self.policy_at is None:
            return None
        return self.policy_at - self.real_at


@attrs.frozen
class Replay:
    """What a policy would have done to one real issue.

    Attributes:
        logged: the `LoggedIssue` replayed.
        issue: the issue at the end: the real events, and the policy's actions recorded as
            ``ACTION_TAKEN`` events without a level.
        timeline: the real events and the policy's actions, in time order (at one instant,
            in the order they happened: an action decided at the instant of an event comes
            after it, one decided at a ``next_evaluation_at`` before an event at that same
            instant).
        actions: the policy's actions alone, in order.
        start_level: the level the issue started at (the policy's first when unset).
        levels: one `LevelComparison` per level above `start_level`.
        resolved_at: when the issue was finally resolved or closed (the last time it went
            from open or pending to resolved or closed, if it stayed so); ``None`` if not.
        resolved_level: the level at that instant.
        entries: how many times the real history moved the issue up into each level.
        sla_breached: by SLA clock (``policy.sla_clocks``), whether it was breached: checked
            just before each real level change (so each level stay of ``time_at_level``
            counts) and at the end of the replay. Only clocks that had a target for the
            issue at one of those instants appear.
    """

    logged: LoggedIssue
    issue: Issue
    timeline: tuple[TimelineEntry, ...]
    actions: tuple[PolicyAction, ...]
    start_level: str
    levels: tuple[LevelComparison, ...]
    resolved_at: datetime | None
    resolved_level: str | None
    entries: Mapping[str, int]
    sla_breached: Mapping[str, bool] = attrs.field(factory=FrozenDict, kw_only=True)

    @property
    def recurring(self) -> bool:
        """Did the real history move the issue up into the same level more than once?"""
        return any(n > 1 for n in self.entries.values())

    @property
    def resolution_time(self) -> timedelta | None:
        """From creation to the final resolution, or ``None`` if it was not resolved."""
        return None if self.resolved_at is None else self.resolved_at - self.logged.created_at

    def to_text(self) -> str:
        """The timeline as text, real events on the left and the policy's actions indented."""
        lines = [
            f"issue {self.logged.id} ({self.logged.priority or '-'}, {self.logged.category or '-'})"
        ]
        for entry in self.timeline:
            side = "real  " if entry.source == "real" else "  policy"
            lines.append(f"{entry.at.isoformat()}  {side}  {entry.describe()}")
        return "\n".join(lines)


def replay(policy: Policy, logged: LoggedIssue, *, until: datetime | None = None) -> Replay:
    """Replay one real issue under *policy*.

    Args:
        policy: the policy to try.
        logged: the issue and its real events, e.g. from `read_log`.
        until: keep evaluating after the last event up to this instant (by default the
            replay ends at the last event: the log says nothing about later).

    Raises:
        IssueError: an event moves the issue to a level the policy does not have, or the
            events are not in time order.
    """
    return _Replayer(policy).run(logged, until)


class _Replayer:
    """Replays issues under one policy; holds only what the policy determines."""

    __slots__ = ("evaluate", "ids", "policy", "position")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.evaluate = policy.evaluate
        self.ids = tuple(level.id for level in policy.levels)
        self.position = {level_id: i for i, level_id in enumerate(self.ids)}

    def _position(self, level: str, logged: LoggedIssue, index: int) -> int:
        position = self.position.get(level)
        if position is None:
            raise IssueError(
                f"{logged.where(index)}: issue {logged.id!r} moves to level {level!r}, which "
                f"the policy {self.policy.name!r} does not have; its levels are "
                f"{list(self.ids)} (map the log's levels with [levels] in the log mapping)",
                value=level,
                suggestion=did_you_mean(level, self.ids),
            )
        return position

    def run(self, logged: LoggedIssue, until: datetime | None) -> Replay:
        evaluate, position_of = self.evaluate, self.position
        map_status = self.policy.map_status
        issue = logged.issue()
        start = 0 if issue.level is None else self._position(issue.level, logged, 0)
        current = start
        size = len(self.ids)
        policy_first: list[datetime | None] = [None] * size
        compared: dict[int, tuple[datetime | None, bool]] = {}
        real_first: list[datetime | None] = [None] * size
        entries = [0] * size
        escalations: dict[int, Escalate] = {}  # history index -> the escalation recorded there
        last_real_level = -1  # history index of the last real level change
        timeline: list[TimelineEntry] = []
        actions: list[PolicyAction] = []
        resolved_at: datetime | None = None
        resolved_level: str | None = None
        done = False
        breached: dict[str, bool] = {}
        sla_clocks = self.policy.sla_clocks

        def check_sla(issue: Issue, now: datetime) -> None:
            for state in sla_clocks(issue, now):
                breached[state.name] = breached.get(state.name, False) or state.breached

        def decide(issue: Issue, now: datetime) -> tuple[Issue, datetime | None]:
            decision = evaluate(issue, now)
            if not decision.actions:
                return issue, decision.next_evaluation_at
            taken: list[Event] = []
            for action in decision.actions:
                if isinstance(action, Escalate):
                    to = position_of[action.to]
                    for q in range(current + 1, to + 1):
                        if policy_first[q] is None:
                            policy_first[q] = now
                    escalations[len(issue.history) + len(taken)] = action
                # Recorded without a level or team: not decided again, but the real
                # history alone moves the issue.
                taken.append(Event(_TAKEN, now, action=action.key, rule=action.rule))
                timeline.append(TimelineEntry(now, "policy", action=action))
                actions.append(PolicyAction(now, action))
            return _append(issue, taken), decision.next_evaluation_at

        events = logged.events
        count = len(events)
        next_at: datetime | None = None
        previous = logged.created_at
        index = 0
        while index < count:
            at = events[index].at
            if at < previous:
                raise IssueError(
                    f"{logged.where(index)}: the events of issue {logged.id!r} are not in "
                    f"time order ({at.isoformat()} after {previous.isoformat()})",
                    value=events[index],
                )
            previous = at
            while next_at is not None and next_at <= at:
                issue, next_at = decide(issue, next_at)
            # The events of one instant (one row of the log) are applied together, and the
            # policy evaluated once after them.
            batch: list[Event] = []
            while index < count and events[index].at == at:
                event = events[index]
                if event.kind is _LEVEL_CHANGED and event.level is not None:
                    moved_to = self._position(event.level, logged, index)
                    # The level stay ends: did its clocks breach? (Events earlier at this
                    # same instant add no time to any clock, so they need not be applied.)
                    check_sla(issue, at)
                    if moved_to > current:
                        entries[moved_to] += 1
                        wanted = []
                        for q in range(start + 1, moved_to + 1):
                            if real_first[q] is not None:
                                continue
                            real_first[q] = at
                            if policy_first[q] is not None:
                                compared[q] = (policy_first[q], False)
                            else:
                                wanted.append(q)
                        if wanted:
                            issue, batch = _append(issue, batch), []
                            found = self._what_if(issue, at, escalations, last_real_level, wanted)
                            for q in wanted:
                                compared[q] = (found.get(q), True)
                    current = moved_to
                    last_real_level = len(issue.history) + len(batch)  # this event's index
                elif event.kind is _STATUS_CHANGED and event.status is not None:
                    now_done = map_status(event.status, logged.id) in _DONE
                    if now_done and not done:
                        resolved_at, resolved_level = at, self.ids[current]
                    elif done and not now_done:
                        resolved_at = resolved_level = None
                    done = now_done
                batch.append(event)
                timeline.append(TimelineEntry(at, "real", event=event))
                index += 1
            issue = _append(issue, batch)
            issue, next_at = decide(issue, at)
        if until is not None:
            while next_at is not None and next_at <= until:
                issue, next_at = decide(issue, next_at)
        check_sla(issue, previous if until is None else max(previous, until))

        levels = []
        for q in range(start + 1, size):
            if q in compared:
                policy_at, what_if = compared[q]
            else:
                policy_at, what_if = policy_first[q], False
            levels.append(LevelComparison(self.ids[q], real_first[q], policy_at, what_if))
        return Replay(
            logged=logged,
            issue=issue,
            timeline=tuple(timeline),
            actions=tuple(actions),
            start_level=self.ids[start],
            levels=tuple(levels),
            resolved_at=resolved_at,
            resolved_level=resolved_level,
            entries=FrozenDict({self.ids[q]: n for q, n in enumerate(entries) if n}),
            sla_breached=FrozenDict(breached),
        )

    def _what_if(
        self,
        issue: Issue,
        now: datetime,
        escalations: Mapping[int, Escalate],
        last_real_level: int,
        wanted: list[int],
    ) -> dict[int, datetime]:
        """When would the policy have escalated *issue* to each wanted level, from *now* on?

        The policy's escalations since the last real level change are applied (they were
        recorded without a level), then the policy runs alone: no new event, its own
        escalations applied, from one ``next_evaluation_at`` to the next.
        """
        position_of = self.position
        history = list(issue.history)
        level, changed = issue.level, False
        reached = 0 if level is None else position_of[level]
        for index, escalation in escalations.items():
            to = position_of[escalation.to]
            if index > last_real_level and to > reached:
                history[index] = Event.taken(escalation, history[index].at)
                level, reached, changed = escalation.to, to, True
        if changed:
            issue = attrs.evolve(issue, history=tuple(history), level=level)
        record = Event.taken
        found: dict[int, datetime] = {}
        at = now
        for _ in range(_WHAT_IF_STEPS):
            decision = self.evaluate(issue, at)
            if decision.actions:
                for action in decision.actions:
                    if isinstance(action, Escalate):
                        to = position_of[action.to]
                        for q in wanted:
                            if q <= to and q not in found:
                                found[q] = at
                # As Issue.record, for all the actions at once: an escalation moves the
                # issue, a routing reassigns it.
                issue = _append(issue, [record(action, at) for action in decision.actions])
                if len(found) == len(wanted):
                    break
                continue  # a new level can have actions due at once
            if decision.next_evaluation_at is None:
                break
            at = decision.next_evaluation_at
        return found


def _append(issue: Issue, events: list[Event]) -> Issue:
    """*issue* with *events* appended (`Issue.with_events`: no rebuild of the history)."""
    return issue.with_events(events) if events else issue


# ------------------------------------------------------------------------ many issues


class _Quantiles:
    """Quantiles of a stream of numbers, in bounded memory.

    The first `_EXACT_LIMIT` values are kept exactly (8 bytes each), so quantiles of up to
    that many values are exact. Beyond that, all values are folded into logarithmic buckets
    1 % wide, and a quantile is the middle of its bucket: within 1 % of the exact value,
    in memory that grows with the logarithm of the range (about 2,100 buckets from one
    second to ten years), not with the number of values.

    Quantiles are nearest-rank: the q-quantile is the smallest value with at least
    ``q * n`` values at or below it (so the median of an even count is the lower middle).
    """

    __slots__ = ("_buckets", "_exact", "count")
    _BASE: Final = math.log(1.01)

    def __init__(self) -> None:
        self._exact: array[float] | None = array("d")
        self._buckets: dict[int, int] = {}
        self.count = 0

    def add(self, value: float) -> None:
        self.count += 1
        exact = self._exact
        if exact is not None:
            exact.append(value)
            if len(exact) > _EXACT_LIMIT:
                for v in exact:
                    self._bucket(v)
                self._exact = None
        else:
            self._bucket(value)

    def _bucket(self, value: float) -> None:
        if value == 0:
            key = 0
        else:
            key = int(math.log(abs(value)) / self._BASE) + 10_000
            key = key if value > 0 else -key
        self._buckets[key] = self._buckets.get(key, 0) + 1

    @classmethod
    def _middle(cls, key: int) -> float:
        if key == 0:
            return 0.0
        magnitude = math.exp((abs(key) - 10_000 + 0.5) * cls._BASE)
        return magnitude if key > 0 else -magnitude

    def quantile(self, q: float) -> float | None:
        """The nearest-rank *q*-quantile (0 < q <= 1), or ``None`` when there is no value."""
        if not self.count:
            return None
        rank = max(1, math.ceil(q * self.count))
        if self._exact is not None:
            return sorted(self._exact)[rank - 1]
        seen = 0
        for key in sorted(self._buckets, key=self._middle):
            seen += self._buckets[key]
            if seen >= rank:
                return self._middle(key)
        raise AssertionError("unreachable: the ranks add up to the count")  # pragma: no cover


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


class _LevelTally:
    __slots__ = ("delta", "earlier", "eligible", "later", "only", "real")

    def __init__(self) -> None:
        self.eligible = self.real = self.only = 0
        self.delta, self.earlier, self.later = _Quantiles(), _Quantiles(), _Quantiles()

    def add(self, comparison: LevelComparison) -> None:
        self.eligible += 1
        if comparison.real_at is None:
            self.only += comparison.policy_at is not None
            return
        self.real += 1
        delta = comparison.delta
        if delta is not None:
            seconds = delta.total_seconds()
            self.delta.add(seconds)
            if comparison.what_if:
                self.later.add(seconds)
            else:
                self.earlier.add(-seconds)

    def freeze(self, level: str) -> LevelMetrics:
        return LevelMetrics(
            level=level,
            eligible=self.eligible,
            real=self.real,
            also_earlier=self.earlier.count,
            also_later=self.later.count,
            policy_only=self.only,
            median_delta=_seconds(self.delta.quantile(0.5)),
            median_earlier=_seconds(self.earlier.quantile(0.5)),
            median_later=_seconds(self.later.quantile(0.5)),
        )


class _Tally:
    """The running counts of one group of issues (all, one priority, one category)."""

    __slots__ = (
        "actions",
        "events",
        "first_level",
        "issues",
        "levels",
        "recurring",
        "resolution",
        "sla",
    )

    def __init__(self) -> None:
        self.issues = self.events = self.actions = 0
        self.first_level = self.recurring = 0
        self.resolution = _Quantiles()
        self.levels: dict[str, _LevelTally] = {}
        self.sla: dict[str, list[int]] = {}  # clock name -> [breached, measured]

    def add(self, result: Replay, first_level: str) -> None:
        self.issues += 1
        self.events += len(result.logged.events)
        self.actions += len(result.actions)
        for comparison in result.levels:
            tally = self.levels.get(comparison.level)
            if tally is None:
                tally = self.levels[comparison.level] = _LevelTally()
            tally.add(comparison)
        resolution = result.resolution_time
        if resolution is not None:
            self.resolution.add(resolution.total_seconds())
            if result.start_level == first_level and not result.entries:
                self.first_level += 1
        self.recurring += result.recurring
        for clock, breached in result.sla_breached.items():
            counts = self.sla.setdefault(clock, [0, 0])
            counts[0] += breached
            counts[1] += 1

    def freeze(self, ids: tuple[str, ...]) -> GroupMetrics:
        return GroupMetrics(
            issues=self.issues,
            events=self.events,
            policy_actions=self.actions,
            levels=tuple(
                (self.levels.get(level) or _LevelTally()).freeze(level) for level in ids[1:]
            ),
            resolved=self.resolution.count,
            median_resolution=_seconds(self.resolution.quantile(0.5)),
            p90_resolution=_seconds(self.resolution.quantile(0.9)),
            resolved_at_first_level=self.first_level,
            recurring=self.recurring,
            sla_breach_rate=FrozenDict(
                {clock: breached / measured for clock, (breached, measured) in self.sla.items()}
            ),
        )


@attrs.frozen
class LevelMetrics:
    """Real and policy escalations to one level (or above), over a group of issues.

    Attributes:
        level: the level.
        eligible: issues that started below it (the others cannot be escalated to it).
        real: of those, how many the real history escalated to it or above.
        also_earlier: real escalations the policy made itself, at or before the real one.
        also_later: real escalations the policy would have made later, in the what-if run
            from just before the real one (see `replay`).
        policy_only: issues the policy escalated to it or above, the real history never.
        median_delta: median of ``policy - real`` over ``also_earlier`` and ``also_later``
            (negative: the policy was earlier).
        median_earlier: median of how much earlier, over ``also_earlier``.
        median_later: median of how much later, over ``also_later``.
    """

    level: str
    eligible: int
    real: int
    also_earlier: int
    also_later: int
    policy_only: int
    median_delta: timedelta | None
    median_earlier: timedelta | None
    median_later: timedelta | None

    @property
    def policy(self) -> int:
        """Issues the policy itself escalated to this level or above in the replay:
        ``also_earlier + policy_only``."""
        return self.also_earlier + self.policy_only

    @property
    def never(self) -> int:
        """Real escalations the policy would not have made even later (what-if)."""
        return self.real - self.also_earlier - self.also_later

    @property
    def real_rate(self) -> float | None:
        """``real / eligible``."""
        return self.real / self.eligible if self.eligible else None

    @property
    def policy_rate(self) -> float | None:
        """``policy / eligible``."""
        return self.policy / self.eligible if self.eligible else None


@attrs.frozen
class GroupMetrics:
    """The backtest's figures for one group of issues (all of them, a priority, a category).

    Attributes:
        issues, events: how many issues and real events were replayed.
        policy_actions: how many actions the policy decided.
        levels: one `LevelMetrics` per level above the policy's first.
        resolved: issues finally resolved or closed.
        median_resolution, p90_resolution: time from creation to the final resolution,
            over the resolved issues (nearest-rank; exact up to 100,000 issues per group,
            then within 1 %).
        resolved_at_first_level: resolved issues that started at the policy's first level
            and never left it.
        recurring: issues the real history moved up into the same level more than once.
        sla_breach_rate: by SLA clock, the share of the issues it had a target for that
            breached it (see `Replay.sla_breached`).
    """

    issues: int
    events: int
    policy_actions: int
    levels: tuple[LevelMetrics, ...]
    resolved: int
    median_resolution: timedelta | None
    p90_resolution: timedelta | None
    resolved_at_first_level: int
    recurring: int
    sla_breach_rate: Mapping[str, float]

    def level(self, level_id: str) -> LevelMetrics:
        """The `LevelMetrics` of *level_id*."""
        for metrics in self.levels:
            if metrics.level == level_id:
                return metrics
        raise KeyError(level_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; durations in seconds."""
        return {
            "issues": self.issues,
            "events": self.events,
            "policy_actions": self.policy_actions,
            "levels": {
                m.level: {
                    "eligible": m.eligible,
                    "real": m.real,
                    "policy": m.policy,
                    "real_rate": m.real_rate,
                    "policy_rate": m.policy_rate,
                    "also_earlier": m.also_earlier,
                    "also_later": m.also_later,
                    "never": m.never,
                    "policy_only": m.policy_only,
                    "median_delta_s": _s(m.median_delta),
                    "median_earlier_s": _s(m.median_earlier),
                    "median_later_s": _s(m.median_later),
                }
                for m in self.levels
            },
            "resolved": self.resolved,
            "median_resolution_s": _s(self.median_resolution),
            "p90_resolution_s": _s(self.p90_resolution),
            "resolved_at_first_level": self.resolved_at_first_level,
            "recurring": self.recurring,
            "sla_breach_rate": dict(self.sla_breach_rate),
        }


def _s(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


@attrs.frozen
class Metrics:
    """The result of `backtest`: figures overall, per priority and per category.

    Attributes:
        policy: the policy's name.
        level_ids: the policy's levels, lowest first.
        overall: all issues.
        by_priority, by_category: per value (issues without one are under ``"-"``).
    """

    policy: str
    level_ids: tuple[str, ...]
    overall: GroupMetrics
    by_priority: Mapping[str, GroupMetrics]
    by_category: Mapping[str, GroupMetrics]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (``json.dumps(metrics.to_dict())``); durations in seconds."""
        return {
            "policy": self.policy,
            "levels": list(self.level_ids),
            "overall": self.overall.to_dict(),
            "by_priority": {k: v.to_dict() for k, v in self.by_priority.items()},
            "by_category": {k: v.to_dict() for k, v in self.by_category.items()},
        }

    def csv_rows(self) -> list[list[str]]:
        """Rows for `csv.writer`: a header, then one row per group (all, priorities,
        categories); durations in seconds, empty where there is no value."""
        clocks = sorted({c for _, _, g in self._groups() for c in g.sla_breach_rate})
        header = [
            "scope",
            "group",
            "issues",
            "events",
            "policy_actions",
            "resolved",
            "median_resolution_s",
            "p90_resolution_s",
            "resolved_at_first_level",
            "recurring",
        ]
        for level in self.level_ids[1:]:
            header += [
                f"{level}_eligible",
                f"{level}_real",
                f"{level}_policy",
                f"{level}_also_earlier",
                f"{level}_also_later",
                f"{level}_never",
                f"{level}_policy_only",
                f"{level}_median_delta_s",
                f"{level}_median_earlier_s",
                f"{level}_median_later_s",
            ]
        header += [f"sla_{clock}_breach_rate" for clock in clocks]
        rows = [header]
        for scope, name, group in self._groups():
            row: list[object] = [
                scope,
                name,
                group.issues,
                group.events,
                group.policy_actions,
                group.resolved,
                _s(group.median_resolution),
                _s(group.p90_resolution),
                group.resolved_at_first_level,
                group.recurring,
            ]
            for m in group.levels:
                row += [
                    m.eligible,
                    m.real,
                    m.policy,
                    m.also_earlier,
                    m.also_later,
                    m.never,
                    m.policy_only,
                    _s(m.median_delta),
                    _s(m.median_earlier),
                    _s(m.median_later),
                ]
            row += [group.sla_breach_rate.get(clock) for clock in clocks]
            rows.append(["" if v is None else str(v) for v in row])
        return rows

    def to_csv(self) -> str:
        """`csv_rows` as CSV text."""
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(self.csv_rows())
        return out.getvalue()

    def _groups(self) -> list[tuple[str, str, GroupMetrics]]:
        return [
            ("all", "all", self.overall),
            *(("priority", k, v) for k, v in self.by_priority.items()),
            *(("category", k, v) for k, v in self.by_category.items()),
        ]

    def to_table(self, *, categories: int = 10) -> str:
        """A readable text table: the figures overall and per priority, then per category
        (the *categories* largest by number of issues; all of them are in `to_dict`)."""
        intro = (
            f"Backtest of policy {self.policy!r} on {self.overall.issues:,} issues "
            f"({self.overall.events:,} real events); the policy decided "
            f"{self.overall.policy_actions:,} actions."
        )
        groups = [("all", self.overall), *self.by_priority.items()]
        parts = [intro, "", _table(groups, self.level_ids)]
        if self.by_category:
            largest = sorted(self.by_category.items(), key=lambda kv: (-kv[1].issues, kv[0]))
            shown = largest[:categories]
            parts += [
                "",
                f"By category ({len(shown)} largest of {len(largest)}):",
                _table(shown, self.level_ids),
            ]
        notes = [
            "",
            "Escalated to a level: the issue reached it or a level above; the share is of the",
            "issues that started below it. The policy 'made it first' when it escalated at or",
            "before the real escalation; otherwise 'later (what-if)' says when it would have,",
            "running alone from just before the real escalation with no new event. 'Policy",
            "only': escalations the real history never made. Policy minus real: negative",
            "means the policy was earlier.",
        ]
        if any(g.sla_breach_rate for _, _, g in self._groups()):
            notes += [
                "SLA breached: the share of the issues a clock had a target for that breached",
                "it (time_at_level: in any level stay).",
            ]
        return "\n".join(parts + notes)


def _pct(part: int, whole: int) -> str:
    return f"{part:,} ({part / whole:.0%})" if whole else f"{part:,}"


def _duration(value: timedelta | None, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    seconds = value.total_seconds()
    sign = ("+" if seconds > 0 else "-" if seconds < 0 else "") if signed else ""
    size = abs(seconds)
    if size < 3600:
        text = f"{size / 60:.0f} min"
    elif size < 48 * 3600:
        text = f"{size / 3600:.1f} h"
    else:
        text = f"{size / 86400:.1f} d"
    return sign + text


def _table(groups: list[tuple[str, GroupMetrics]], level_ids: tuple[str, ...]) -> str:
    metrics = [g for _, g in groups]
    rows: list[list[str]] = [["", *(name for name, _ in groups)]]

    def add(label: str, cells: Iterable[str]) -> None:
        rows.append([label, *cells])

    add("issues", (f"{g.issues:,}" for g in metrics))
    for i, level in enumerate(level_ids[1:]):
        ms = [g.levels[i] for g in metrics]
        add(f"escalated to {level}: real", (_pct(m.real, m.eligible) for m in ms))
        add(f"escalated to {level}: policy", (_pct(m.policy, m.eligible) for m in ms))
        add(f"  real {level}: policy made it first", (_pct(m.also_earlier, m.real) for m in ms))
        add("    median how much earlier", (_duration(m.median_earlier) for m in ms))
        add(f"  real {level}: policy later (what-if)", (_pct(m.also_later, m.real) for m in ms))
        add("    median how much later", (_duration(m.median_later) for m in ms))
        add(f"  real {level}: policy never", (_pct(m.never, m.real) for m in ms))
        add("  median policy - real", (_duration(m.median_delta, signed=True) for m in ms))
        add(f"  {level} by the policy only", (f"{m.policy_only:,}" for m in ms))
    add("resolved", (_pct(g.resolved, g.issues) for g in metrics))
    add("time to resolution: median", (_duration(g.median_resolution) for g in metrics))
    add("time to resolution: p90", (_duration(g.p90_resolution) for g in metrics))
    add(
        f"resolved at {level_ids[0]} (never moved up)",
        (_pct(g.resolved_at_first_level, g.resolved) for g in metrics),
    )
    add("recurring escalations", (_pct(g.recurring, g.issues) for g in metrics))
    for clock in sorted({c for g in metrics for c in g.sla_breach_rate}):
        add(
            f"SLA breached: {clock}",
            (
                f"{g.sla_breach_rate[clock]:.0%}" if clock in g.sla_breach_rate else "-"
                for g in metrics
            ),
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    )


def backtest(
    policy: Policy,
    issues: Iterable[LoggedIssue],
    *,
    on_replay: Callable[[Replay], None] | None = None,
) -> Metrics:
    """Replay every issue under *policy* and aggregate the `Metrics`, streaming.

    Each issue is replayed, counted into the overall, priority and category tallies, and
    dropped: memory holds one issue at a time plus the tallies (whose quantiles are bounded,
    see `GroupMetrics`), however many issues there are.

    Args:
        policy: the policy to try.
        issues: the issues, e.g. ``read_log(path, mapping)``.
        on_replay: called with each issue's `Replay` as it is done (for a progress bar, or
            to keep the timelines of some issues).

    Raises:
        IssueError: as `replay`, and as the reader for a bad log.
    """
    replayer = _Replayer(policy)
    first = replayer.ids[0]
    overall = _Tally()
    by_priority: dict[str, _Tally] = {}
    by_category: dict[str, _Tally] = {}
    for logged in issues:
        result = replayer.run(logged, None)
        overall.add(result, first)
        for key, groups in ((logged.priority, by_priority), (logged.category, by_category)):
            name = key if key is not None else "-"
            tally = groups.get(name)
            if tally is None:
                tally = groups[name] = _Tally()
            tally.add(result, first)
        if on_replay is not None:
            on_replay(result)
    ids = replayer.ids
    return Metrics(
        policy=policy.name,
        level_ids=ids,
        overall=overall.freeze(ids),
        by_priority=FrozenDict({k: by_priority[k].freeze(ids) for k in sorted(by_priority)}),
        by_category=FrozenDict({k: by_category[k].freeze(ids) for k in sorted(by_category)}),
    )
