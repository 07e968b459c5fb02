"""The on-call chain: notify a level, and move on when nobody responds in time.

The steps are laid out in time from the instant the issue entered its level (or was
re-triggered there), once per issue and level (kept on the history summary), and cut at
``now``: the steps due are wanted now (those recorded already are dropped by the engine), the
first later one is the next evaluation. Who is notified is decided at each step's own
instant, so an answer does not change with the instant of the evaluation; a step to nobody
on call waits for the first instant someone is (`Reach.first_reached`), and that instant is
the next evaluation.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import attrs

from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .._model.actions import Action, Escalate, Notify, SetPriority, SetStatus
from .._model.anchors import Anchor
from .._model.issue import summary_of
from .._model.levels import EscalateIf, OnCall, TimeoutFrom, recipients
from .._suggest import did_you_mean
from .base import Checker, CheckResult, Outcome, as_outcome, rule_name
from .recipients import Reach

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._engine.policy import Policy
    from .._model.levels import Level

MAX_REPEAT: Final = 20
"""The most loops a chain may repeat (Opsgenie's limit)."""

THEN_KINDS: Final = ("notify", "set_priority", "set_status")
"""What a chain may do once its loops are exhausted (``then``)."""


def _then(value: object) -> FrozenDict[Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or len(value) != 1:
        raise PolicyError(
            f"then= takes one of {list(THEN_KINDS)} with its value, e.g. "
            f"{{'set_status': 'closed'}}, got {value!r}",
            value=value,
        )
    ((kind, arg),) = value.items()
    if kind not in THEN_KINDS:
        raise PolicyError(
            f"then= names {kind!r}; it may be one of {list(THEN_KINDS)}",
            value=kind,
            suggestion=did_you_mean(str(kind), THEN_KINDS),
        )
    if kind == "notify":
        arg = recipients(arg, "then={'notify': ...}")
    elif not isinstance(arg, str) or not arg:
        raise PolicyError(f"then={{{kind!r}: ...}} takes a non-empty name, got {arg!r}", value=arg)
    return FrozenDict({kind: arg})


def _validated(rule: EscalationChain) -> None:
    where = f"rule {rule.name!r}"
    if not isinstance(rule.repeat, int) or not 0 <= rule.repeat <= MAX_REPEAT:
        raise PolicyError(
            f"repeat must be an integer from 0 to {MAX_REPEAT}, got {rule.repeat!r}",
            where=where,
            value=rule.repeat,
        )
    if not isinstance(rule.wait, timedelta) or rule.wait < timedelta(0):
        raise PolicyError(f"wait must be a timedelta >= 0, got {rule.wait!r}", where=where)
    backoff = rule.backoff
    if not isinstance(backoff, (int, float)) or isinstance(backoff, bool) or not 1 <= backoff <= 10:
        raise PolicyError(f"backoff must be a number from 1 to 10, got {backoff!r}", where=where)
    after = rule.retrigger_after
    if after is not None and (not isinstance(after, timedelta) or after <= timedelta(0)):
        raise PolicyError(
            f"retrigger_after must be a positive timedelta or None, got {after!r}", where=where
        )
    for name, value, allowed in (
        ("timeout_from", rule.timeout_from, ("previous", "start")),
        ("escalate_if", rule.escalate_if, ("not_acknowledged", "not_closed")),
    ):
        if value not in allowed:
            raise PolicyError(
                f"{name} must be one of {list(allowed)}, got {value!r}",
                where=where,
                value=value,
                suggestion=did_you_mean(str(value), allowed),
            )


class _Level(NamedTuple):
    """A level as the chain uses it, compiled once per policy."""

    level: Level
    reach: Reach
    timeout_from: TimeoutFrom
    escalate_if: EscalateIf


@attrs.frozen
class EscalationChain:
    """The PagerDuty/Opsgenie on-call chain over the policy's levels.

    When the issue enters a level, notify the level's owners (every recipient together, or
    one by round robin; see `Level`). If the step is not answered within the level's
    ``ack_timeout``, escalate to the next level. A level with nobody on call at that instant
    is skipped: the issue moves on at once, and the decision's reason says so (PagerDuty). At
    the top level, after its timeout, the chain goes round again *repeat* times (at most 20),
    notifying every level's owners in order with the same delays, after *wait* (multiplied
    by *backoff* each loop); the issue stays at the top (it never de-escalates). When the
    loops are exhausted, *then* (if given) is done once: ``{"set_status": "closed"}``,
    ``{"set_status": "resolved"}``, ``{"set_priority": "P1"}`` or ``{"notify": "manager"}``.

    A step is answered (the chain stops at its level) when the issue is acknowledged there
    (``escalate_if="not_acknowledged"``, the default) or only when it is resolved or closed
    (``"not_closed"``); ``timeout_from="previous"`` counts a level's ``ack_timeout`` from
    its own notification (PagerDuty), ``"start"`` from the issue's creation (Opsgenie). A
    level may set both for itself. With *retrigger_after* (PagerDuty's acknowledgement
    timeout), an issue acknowledged and still open that long after its latest
    acknowledgement is triggered again at the same level: its owners are notified again and
    its timeout runs again from then. A level without ``ack_timeout`` ends the chain there.
    """

    name: str = attrs.field(converter=rule_name)
    repeat: int = attrs.field(default=0, kw_only=True)
    wait: timedelta = attrs.field(default=timedelta(0), kw_only=True)
    backoff: float = attrs.field(default=1.0, kw_only=True)
    retrigger_after: timedelta | None = attrs.field(default=None, kw_only=True)
    timeout_from: TimeoutFrom = attrs.field(default="previous", kw_only=True)
    escalate_if: EscalateIf = attrs.field(default="not_acknowledged", kw_only=True)
    then: Mapping[str, Any] | None = attrs.field(default=None, converter=_then, kw_only=True)

    def __attrs_post_init__(self) -> None:
        _validated(self)

    def validate(self, policy: Policy) -> None:
        """The schedules the levels and ``then`` name exist; a status ``then`` is known."""
        self._compile_levels(policy)
        then = self.then or {}
        status = then.get("set_status")
        if status is not None and status not in policy.statuses:
            known = sorted(policy.statuses)
            raise PolicyError(
                f"then sets the status {status!r}, which the policy does not know; known: {known}",
                where=f"rule {self.name!r}",
                value=status,
                suggestion=did_you_mean(status, known),
            )
        if "notify" in then:
            Reach(then["notify"], policy, f"rule {self.name!r}")

    def _compile_levels(self, policy: Policy) -> tuple[_Level, ...]:
        return tuple(
            _Level(
                level,
                Reach(level.owners, policy, f"level {level.id!r}", level.round_robin),
                level.timeout_from or self.timeout_from,
                level.escalate_if or self.escalate_if,
            )
            for level in policy.levels
        )

    def compile(self, policy: Policy) -> Checker:
        """The check *policy* runs: the levels' recipients compiled once."""
        levels = self._compile_levels(policy)
        then = self.then
        finish = None if then is None else _Finish(self.name, then, policy)
        run = _Steps(self, levels, finish)

        def check(context: Context) -> CheckResult | None:
            return run.check(context)

        return check

    def check(self, context: Context) -> Outcome | None:
        return as_outcome(self.compile(context.policy)(context))


class _Finish:
    """The terminal action, built once: ``then`` as an action (a notify reaches its names)."""

    __slots__ = ("kind", "reach", "rule", "value")

    def __init__(self, rule: str, then: Mapping[str, Any], policy: Policy) -> None:
        ((self.kind, self.value),) = then.items()
        self.rule = rule
        self.reach = Reach(self.value, policy, f"rule {rule!r}") if self.kind == "notify" else None

    def actions(self, context: Context, at: datetime, tag: str) -> tuple[Action, ...]:
        why = "the chain's loops are exhausted and nobody responded"
        key = f"{self.rule}:then{tag}"
        if self.kind == "set_status":
            return (
                SetStatus(self.value, self.rule, f"{why}: set the status to {self.value}", key=key),
            )
        if self.kind == "set_priority":
            return (
                SetPriority(
                    self.value, self.rule, f"{why}: set the priority to {self.value}", key=key
                ),
            )
        assert self.reach is not None
        return tuple(
            Notify(name, self.rule, f"{why}: notify {name}", key=key)
            for name in self.reach.at(context.issue, at)
        )


_Step = tuple[datetime, Action]


class _Steps:
    """One policy's chain: lays out the steps of an evaluation (see the module docstring)."""

    __slots__ = ("finish", "levels", "rule")

    def __init__(self, rule: EscalationChain, levels: tuple[_Level, ...], finish: _Finish | None):
        self.rule = rule
        self.levels = levels
        self.finish = finish

    def check(self, context: Context) -> CheckResult | None:
        here = self.levels[context.level_position]
        times, indices = context.times, context.indices
        start = times[1] if times[1] is not None else times[0]
        assert start is not None
        tag = ""
        if here.escalate_if == "not_acknowledged" and indices[2] > indices[1]:
            after = self.rule.retrigger_after
            acked = times[2]
            assert acked is not None
            again = None if after is None else context.clock.deadline(context, acked, after)
            if again is None:
                return None
            tag = f":retrigger:{indices[2]}"
            if again > context.now:  # the next evaluation: the level is notified again then
                key = f"{self.rule.name}:notify:{here.level.id}{tag}"
                wake = Notify(here.level.owner_text, self.rule.name, "re-trigger", key=key)
                return (False, (), Anchor.LEVEL_ENTERED, ((again, wake),))
            start = again
        instants, actions = self._laid_out(context, here, start, tag)
        cut = bisect_right(instants, context.now)
        due = actions[:cut]
        later = ((instants[cut], actions[cut]),) if cut < len(actions) else ()
        return (bool(due), due, Anchor.LEVEL_ENTERED, later)

    def _laid_out(
        self, context: Context, here: _Level, start: datetime, tag: str
    ) -> tuple[list[datetime], tuple[Action, ...]]:
        """Every step from *start* on: their instants (in order) and actions. They depend on
        the issue and its level, not on now, so they are kept on the issue's history
        summary: a host asking again at the next step's instant lays them out once."""
        memo = summary_of(context.issue).memo
        key = (self, context.level_position, start, tag)
        found: Any = memo.get(key)
        if found is None:
            steps = list(self._walk(context, here, start, tag))
            found = memo[key] = ([at for at, _ in steps], tuple(a for _, a in steps))
        return found  # type: ignore[no-any-return]

    def _notify(self, context: Context, step: _Level, at: datetime, tag: str) -> list[_Step]:
        """The notifications of *step*'s level at *at* (none: nobody is on call then)."""
        level, name = step.level, self.rule.name
        who = step.reach.at(context.issue, at)
        key = f"{name}:notify:{level.id}{tag}"
        if tag:
            why = (
                f"acknowledged at {level.id} and still open {self.rule.retrigger_after} later: "
                "triggered again, notify"
            )
        else:
            why = f"{level.id} entered: page its owner"
        return [(at, Notify(person, name, f"{why} {person}", key=key)) for person in who]

    def _walk(self, context: Context, here: _Level, start: datetime, tag: str) -> Iterator[_Step]:
        """The steps from the level's notification at *start* on, in time order (a generator:
        `check` stops at the first one after now)."""
        name, clock = self.rule.name, context.clock
        nxt = context.next_level
        notified = self._notify(context, here, start, tag)
        if not notified:
            if nxt is not None:  # PagerDuty skips a level with nobody on call
                yield (
                    start,
                    Escalate(
                        nxt.id,
                        name,
                        f"nobody is on call at {here.level.id} at {start.isoformat()}: skip to "
                        f"{nxt.id}",
                        key=f"{name}:escalate",
                    ),
                )
                return
            waited = here.reach.first_reached(start)
            if waited is None:
                return
            start = waited
            notified = self._notify(context, here, start, tag)
        yield from notified
        timeout = here.level.ack_timeout
        if timeout is None:
            return
        since = start
        if here.timeout_from == "start" and not tag:
            created = context.times[0]
            assert created is not None
            since = created
        deadline = clock.deadline(context, since, timeout)
        if deadline is None:
            return
        deadline = max(deadline, start)
        if nxt is not None:
            why = "not acknowledged" if here.escalate_if == "not_acknowledged" else "not closed"
            yield (
                deadline,
                Escalate(
                    nxt.id,
                    name,
                    f"{why} within {timeout} at {here.level.id}: escalate to {nxt.id}",
                    key=f"{name}:escalate",
                ),
            )
            return
        yield from self._loops(context, deadline, tag)

    def _loops(self, context: Context, at: datetime | None, tag: str) -> Iterator[_Step]:
        """At the top level after its timeout: the repeat loops, then the terminal action."""
        rule, clock, levels = self.rule, context.clock, self.levels
        waits = [step.level.ack_timeout for step in levels]
        loops = rule.repeat if all(w is not None for w in waits) else 0
        top = levels[-1].escalate_if
        still = "still not acknowledged" if top == "not_acknowledged" else "still not closed"
        for loop in range(1, loops + 1):
            pause = rule.wait * rule.backoff ** (loop - 1)
            if pause and at is not None:
                at = clock.deadline(context, at, pause)
            for step, wait in zip(levels, waits, strict=True):
                if at is None:
                    return
                who = step.reach.at(context.issue, at)
                for person in who:
                    yield (
                        at,
                        Notify(
                            person,
                            rule.name,
                            f"{still}: repeat {loop} of {rule.repeat}, page {person} "
                            f"({step.level.id})",
                            key=f"{rule.name}:notify:{step.level.id}:{loop}{tag}",
                        ),
                    )
                if who:  # an empty level is skipped without waiting
                    assert wait is not None
                    at = clock.deadline(context, at, wait)
        if self.finish is not None and at is not None:
            for action in self.finish.actions(context, at, tag):
                yield at, action


def chain(
    name: str,
    *,
    repeat: int = 0,
    wait: timedelta = timedelta(0),
    backoff: float = 1.0,
    retrigger_after: timedelta | None = None,
    timeout_from: TimeoutFrom = "previous",
    escalate_if: EscalateIf = "not_acknowledged",
    then: Mapping[str, str | OnCall | list[str | OnCall]] | None = None,
) -> EscalationChain:
    """The PagerDuty/Opsgenie notify-then-escalate chain over the policy's levels
    (see `EscalationChain`)."""
    return EscalationChain(
        name,
        repeat=repeat,
        wait=wait,
        backoff=backoff,
        retrigger_after=retrigger_after,
        timeout_from=timeout_from,
        escalate_if=escalate_if,
        then=then,
    )
