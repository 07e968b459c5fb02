"""The steps of the on-call chain at one level, laid out in time.

From the instant the issue entered its level (or was triggered again there) the steps follow
in time order: the level's notification, its escalation when its timeout passes (or at once,
when nobody is on call there), and at the top the repeat loops and the terminal action. They
depend on the issue and its level, never on ``now``, so they are laid out once per issue and
level (kept on the history summary) and cut at ``now``: the steps due are wanted now (those
recorded already are dropped by the engine), the first later one is the next evaluation.

Each step carries the condition of the level it is for (`EscalateIf`, Opsgenie's rule
condition): once the issue is acknowledged at its level, the steps for levels that escalate
only "if not acknowledged" are dropped, those "if not closed" go on. Who is notified is
decided at each step's own instant; a step to nobody on call at the top waits for the first
instant someone is (`Reach.first_reached`).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from .._instants import local
from .._model.actions import Action, Escalate, Notify, SetPriority, SetStatus
from .._model.anchors import Anchor
from .._model.issue import summary_of
from .base import CheckResult
from .recipients import Reach, notifications

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._model.levels import EscalateIf, Level, TimeoutFrom
    from .chain import EscalationChain


class ChainLevel(NamedTuple):
    """A level as the chain uses it, compiled once per policy."""

    level: Level
    reach: Reach
    timeout_from: TimeoutFrom
    escalate_if: EscalateIf


class _Step(NamedTuple):
    at: datetime
    action: Action
    #: an acknowledgement at the level drops it (its level escalates "if not acknowledged")
    unless_acked: bool


def _after(context: Context, at: datetime, amount: timedelta) -> datetime | None:
    """*amount* after *at* on the policy's clock; ``None`` past the year 9999 (never)."""
    try:
        return context.clock.deadline(context, at, amount)
    except OverflowError:
        return None


class Finish:
    """The terminal action, built once: ``then`` as an action (a notify reaches its names)."""

    __slots__ = ("kind", "reach", "rule", "value")

    def __init__(self, rule: str, then: Mapping[str, Any], reach: Reach | None) -> None:
        ((self.kind, self.value),) = then.items()
        self.rule = rule
        self.reach = reach

    def steps(self, context: Context, at: datetime, tag: str, unless_acked: bool) -> list[_Step]:
        why = "the chain's loops are exhausted and nobody responded"
        key = f"{self.rule}:then{tag}"
        if self.kind == "set_status":
            text = f"{why}: set the status to {self.value}"
            return [_Step(at, SetStatus(self.value, self.rule, text, key=key), unless_acked)]
        if self.kind == "set_priority":
            text = f"{why}: set the priority to {self.value}"
            return [_Step(at, SetPriority(self.value, self.rule, text, key=key), unless_acked)]
        assert self.reach is not None
        sent, wait = notifications(self.rule, why, key, self.reach, context.issue, at, at)
        if not sent and wait is not None:  # nobody on call: the first instant someone is
            sent, _ = notifications(self.rule, why, key, self.reach, context.issue, wait, wait)
            at = wait
        return [_Step(at, action, unless_acked) for action in sent]


class Steps:
    """One policy's chain: lays out the steps at a level and cuts them at now."""

    __slots__ = ("finish", "levels", "rule")

    def __init__(
        self, rule: EscalationChain, levels: tuple[ChainLevel, ...], finish: Finish | None
    ) -> None:
        self.rule = rule
        self.levels = levels
        self.finish = finish

    def check(self, context: Context) -> CheckResult | None:
        here = self.levels[context.level_position]
        times, indices = context.times, context.indices
        start = times[1]  # the level's entry (the creation if it never moved)
        assert start is not None
        tag, acker = "", None
        acked = indices[2] > indices[1]
        after = self.rule.retrigger_after
        if acked and after is not None:
            acked_at = times[2]
            assert acked_at is not None
            again = _after(context, acked_at, after)
            if again is None:
                return None
            # Triggered again: a new round at this level, notifying whoever acknowledged too.
            start, tag, acked = again, f":retrigger:{indices[2]}", False
            acker = context.issue.history[indices[2]].actor
        steps = self._laid_out(context, here, start, tag, acker)
        now = context.now
        due: list[Action] = []
        for at, action, unless_acked in steps:
            if acked and unless_acked:
                continue
            if at > now:
                return (bool(due), tuple(due), Anchor.LEVEL_ENTERED, ((at, action),))
            due.append(action)
        return (True, tuple(due), Anchor.LEVEL_ENTERED, ()) if due else None

    def _laid_out(
        self, context: Context, here: ChainLevel, start: datetime, tag: str, acker: str | None
    ) -> tuple[_Step, ...]:
        """Every step from *start* on, in time order, kept on the issue's history summary."""
        memo = summary_of(context.issue).memo
        key = (self, context.level_position, start, tag)
        found: Any = memo.get(key)
        if found is None:
            found = memo[key] = tuple(self._walk(context, here, start, tag, acker))
        return found  # type: ignore[no-any-return]

    def _notify(
        self, context: Context, step: ChainLevel, at: datetime, tag: str, acker: str | None
    ) -> list[_Step]:
        """The notifications of *step*'s level at *at* (none: nobody is on call then)."""
        level, name = step.level, self.rule.name
        who = step.reach.at(context.issue, at)
        if acker is not None and acker not in who:
            who = (*who, acker)  # PagerDuty re-notifies the one who acknowledged
        key = f"{name}:notify:{level.id}{tag}"
        if tag:
            why = (
                f"acknowledged at {level.id} and still open {self.rule.retrigger_after} later: "
                "triggered again, page"
            )
        else:
            why = f"{level.id} entered: page its owner"
        unless = step.escalate_if == "not_acknowledged"
        return [_Step(at, Notify(p, name, f"{why} {p}", key=key), unless) for p in who]

    def _walk(
        self, context: Context, here: ChainLevel, start: datetime, tag: str, acker: str | None
    ) -> Iterator[_Step]:
        """The steps from the level's notification at *start* on, in time order."""
        name, position = self.rule.name, context.level_position
        nxt = self.levels[position + 1] if position + 1 < len(self.levels) else None
        notified = self._notify(context, here, start, tag, acker)
        if not notified:
            if nxt is not None:  # PagerDuty skips a level with nobody on call
                why = f"nobody is on call at {here.level.id} at {local(start)}: skip to"
                yield _Step(
                    start,
                    Escalate(nxt.level.id, name, f"{why} {nxt.level.id}", key=f"{name}:escalate"),
                    nxt.escalate_if == "not_acknowledged",
                )
                return
            waited = here.reach.first_reached(start)
            if waited is None:
                return
            start = waited
            notified = self._notify(context, here, start, tag, acker)
        yield from notified
        timeout = here.level.ack_timeout
        if timeout is None:
            return
        since = start
        if here.timeout_from == "start" and not tag:
            created = context.times[0]
            assert created is not None
            since = created
        deadline = _after(context, since, timeout)
        if deadline is None:
            return
        deadline = max(deadline, start)
        if nxt is None:
            yield from self._loops(context, deadline, tag)
            return
        unless = nxt.escalate_if == "not_acknowledged"
        why = "not acknowledged" if unless else "not closed"
        text = f"{why} within {timeout} at {here.level.id}: escalate to {nxt.level.id}"
        yield _Step(deadline, Escalate(nxt.level.id, name, text, key=f"{name}:escalate"), unless)

    def _loops(self, context: Context, at: datetime, tag: str) -> Iterator[_Step]:
        """At the top level after its timeout: the repeat loops, then the terminal action.

        A loop notifies every level in order with the same delays as the first pass: a
        level's ``ack_timeout`` counts from its own notification (``"previous"``) or from
        the loop's start (``"start"``); a level with nobody on call is skipped without
        waiting. The terminal action comes when the last loop's top level times out.
        """
        rule = self.rule
        if rule.repeat and not all(step.level.ack_timeout for step in self.levels):
            return  # refused when the policy is built; kept for a custom Policy
        for loop in range(1, rule.repeat + 1):
            try:
                pause = rule.wait * rule.backoff ** (loop - 1)
            except OverflowError:
                return
            begun = _after(context, at, pause) if pause else at
            if begun is None:
                return
            ended = yield from self._loop(context, begun, loop, tag)
            if ended is None:
                return
            at = ended
        if self.finish is not None:
            top = self.rule.escalate_if == "not_acknowledged"
            yield from self.finish.steps(context, at, tag, top)

    def _loop(
        self, context: Context, begun: datetime, loop: int, tag: str
    ) -> Generator[_Step, None, datetime | None]:
        """One loop from *begun*; returns the instant it ends (``None``: never)."""
        rule, at = self.rule, begun
        still = {
            "not_acknowledged": "still not acknowledged",
            "not_closed": "still not closed",
        }
        for step in self.levels:
            who = step.reach.at(context.issue, at)
            unless = step.escalate_if == "not_acknowledged"
            for person in who:
                text = (
                    f"{still[step.escalate_if]}: repeat {loop} of {rule.repeat}, page {person} "
                    f"({step.level.id})"
                )
                key = f"{rule.name}:notify:{step.level.id}:{loop}{tag}"
                yield _Step(at, Notify(person, rule.name, text, key=key), unless)
            wait = step.level.ack_timeout
            assert wait is not None
            if step.timeout_from == "start":
                ends = _after(context, begun, wait)
                nxt = None if ends is None else max(ends, at)
            else:
                nxt = _after(context, at, wait) if who else at  # empty: skipped, no wait
            if nxt is None:
                return None
            at = nxt
        return at
