"""What a rule sees while it is evaluated: the issue, the instant, facts from history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from .._instants import require_aware
from .._model.anchors import ANCHOR_SLOT, Anchor
from .._model.issue import summary_of
from .._time.sla_clock import ClockState, Core, clock_core, state_of
from .sla_select import calendar_for, select, target_for

if TYPE_CHECKING:
    from .._model.events import Status
    from .._model.issue import Issue
    from .._model.levels import Level
    from .._time.clocks import Measure
    from .policy import Policy

_NOT_YET: tuple[int, datetime | None] = (-1, None)


class Context:
    """One evaluation's view of an issue, built once per `Policy.evaluate` call.

    Rules (the built-in ones and yours) read from it; it is never changed
    after it is built.

    Attributes:
        issue: the `Issue` being evaluated.
        now: the instant of the evaluation (timezone-aware).
        policy: the `Policy`.
        level: the issue's current `Level`.
        status: the issue's status mapped onto `Status`.
        clock: the policy's `Clock`.
        level_position: the index of ``level`` in ``policy.levels``.
        times: each `Anchor`'s instant (``None`` if its event has not happened),
            by ``ANCHOR_SLOT``; `anchor` reads one.
        indices: each `Anchor`'s history index (``-1`` for the creation or none),
            by ``ANCHOR_SLOT``; `anchor_index` reads one.
        recorded: fire-once key -> history index of the latest event recording it.
        cache: facts derived once per evaluation and shared by the rules
            (the status timeline); rule types may add their own keys.
    """

    __slots__ = (
        "_sla",
        "cache",
        "clock",
        "indices",
        "issue",
        "level",
        "level_position",
        "now",
        "policy",
        "recorded",
        "status",
        "times",
    )

    def __init__(
        self,
        policy: Policy,
        issue: Issue,
        now: datetime,
        level: Level,
        position: int,
        status: Status,
    ) -> None:
        self.issue = issue
        self.now = now
        self.policy = policy
        self.level = level
        self.level_position = position
        self.status = status
        self.clock = policy.clock
        summary = summary_of(issue)
        created = summary.created
        entered = summary.level_entries.get(level.id, _NOT_YET)
        if entered[0] < 0:
            entered = (-1, created)
        ack, reply, message, manager = summary.anchors
        self.times = (created, entered[1], ack[1], reply[1], message[1], manager[1])
        self.indices = (-1, entered[0], ack[0], reply[0], message[0], manager[0])
        self.recorded = summary.recorded
        self.cache: dict[str, object] = {}
        self._sla: dict[str, Core] = {}

    def anchor(self, anchor: Anchor) -> datetime | None:
        """The instant of *anchor*, or ``None`` if that event has not happened."""
        return self.times[ANCHOR_SLOT[anchor]]

    def anchor_index(self, anchor: Anchor) -> int:
        """The history index of *anchor*'s event (``-1`` for the creation or none)."""
        return self.indices[ANCHOR_SLOT[anchor]]

    def done(self, key: str, once_per: Anchor | int) -> bool:
        """Was an action with *key* recorded after the *once_per* anchor's event?

        *once_per* may also be a history index, as in `Outcome.once_per`.
        """
        scope = once_per if isinstance(once_per, int) else self.indices[ANCHOR_SLOT[once_per]]
        return self.recorded.get(key, -2) > scope

    @property
    def acknowledged(self) -> bool:
        """Was the issue acknowledged since it entered its current level?"""
        return self.indices[2] > self.indices[1]

    @property
    def next_level(self) -> Level | None:
        """The level above the current one, or ``None`` at the top."""
        levels = self.policy.levels
        nxt = self.level_position + 1
        return levels[nxt] if nxt < len(levels) else None

    def sla(self, name: str, *, need_target: bool = True) -> ClockState | None:
        """The state of the SLA clock *name* now, computed once per evaluation.

        ``None`` when the current level has no target for the issue's priority
        (unless *need_target* is false).
        """
        core = self.sla_core(name, need_target=need_target)
        return None if core is None else state_of(self.policy.clocks[name], core)

    def sla_core(self, name: str, *, need_target: bool = True) -> Core | None:
        """`sla` without building the inspectable `ClockState`: the rules' fast path."""
        cache = self._sla
        core = cache.get(name)
        if core is None:
            target, measure, calendar, sla, since = select(self, name)
            if target is None and need_target:
                return None
            clock = self.policy.clocks[name]
            has_target = None if clock.retroactive else self._has_target(name)
            core = clock_core(self, clock, target, measure, calendar, sla, since, has_target)
            cache[name] = core
        elif core.target is None and need_target:
            return None
        return core

    def _has_target(self, name: str) -> Callable[[str | None], bool]:
        """Would an issue of another priority have a target on the clock *name* here?"""
        return lambda priority: target_for(self, name, priority) is not None

    def calendar_in_effect(self) -> tuple[Measure, str | None]:
        """The calendar the issue's SLA time counts on now, and its name.

        The issue's calendar (its calendar fields), else the SLA policy's, else the level's,
        else the policy's, in the issue's zone when the policy has a zone field; `WALL` and ``None``
        when none applies (every instant counts).
        """
        return calendar_for(self, None)


def make_context(policy: Policy, issue: Issue, now: datetime) -> Context:
    """What *policy*'s rules see for *issue* at *now* (checked to be aware)."""
    now = require_aware(now, "now")
    position = policy.position_of(issue)
    return Context(policy, issue, now, policy.levels[position], position, policy.status_of(issue))
