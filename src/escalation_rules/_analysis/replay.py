"""Replaying a logged issue under a policy: what the policy would have done, step by step."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

import attrs

from .._exceptions import IssueError
from .._frozendict import FrozenDict
from .._model.actions import Action, Escalate, Route
from .._model.events import Event, EventKind, Status
from .._suggest import did_you_mean

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._io.eventlog import LoggedIssue
    from .._model.issue import Issue

_TAKEN: Final = EventKind.ACTION_TAKEN

_LEVEL_CHANGED: Final = EventKind.LEVEL_CHANGED

_STATUS_CHANGED: Final = EventKind.STATUS_CHANGED

_DONE: Final = (Status.RESOLVED, Status.CLOSED)


#: The what-if run stops after this many evaluations (it normally ends long before: with no
#: new event, each rule fires at most once per crossing or anchor event).
_WHAT_IF_STEPS: Final = 256


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
