"""The on-call chain: notify a level, and move on when nobody responds in time.

The rule, its settings and their checks; the steps it lays out in time at a level are in
`chain_steps`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .._model.levels import EscalateIf, OnCall, TimeoutFrom, recipients
from .._suggest import did_you_mean
from .base import Checker, CheckResult, Outcome, as_outcome, rule_name
from .chain_steps import ChainLevel, Finish, Steps
from .recipients import Reach

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._engine.policy import Policy

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
    if (
        not isinstance(rule.repeat, int)
        or isinstance(rule.repeat, bool)
        or not 0 <= rule.repeat <= MAX_REPEAT
    ):
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
    last loop's top level times out, *then* (if given) is done once: ``{"set_status": "closed"}``,
    ``{"set_status": "resolved"}``, ``{"set_priority": "P1"}`` or ``{"notify": "manager"}``.

    Each level says when its own step happens (Opsgenie's rule condition): with
    ``escalate_if="not_acknowledged"`` (the default) the chain does not escalate to it, nor
    notify it, once the issue is acknowledged at its current level; with ``"not_closed"`` it
    does, until the issue is resolved or closed. ``timeout_from="previous"`` counts a level's
    ``ack_timeout`` from its own notification (PagerDuty's escalation delay), ``"start"`` from
    the issue's creation (Opsgenie's delays; in a repeat loop, from the loop's start). A
    level may set both for itself; the chain's are the default. With *retrigger_after*
    (PagerDuty's acknowledgement timeout), an issue acknowledged and still open that long
    after its latest acknowledgement is triggered again at the same level: its owners, and
    whoever acknowledged (the event's ``actor``), are notified again, and its timeout runs
    again from then. A level without ``ack_timeout`` ends the chain there; ``repeat`` and
    ``then`` need every level to have one. Level ids may not contain ``":"``.
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

    @property
    def where(self) -> str:
        return f"rule {self.name!r}"

    def validate(self, policy: Policy) -> None:
        """The schedules the levels and ``then`` name exist; a status ``then`` is known; the
        loops and ``then`` can be reached; the keys of the steps cannot collide."""
        self._compile_levels(policy)
        for level in policy.levels:
            if ":" in level.id:
                raise PolicyError(
                    f"level id {level.id!r} has a ':', which the chain's fire-once keys use "
                    "to join a level id and a loop number; rename the level",
                    where=self.where,
                    value=level.id,
                )
        if self.repeat or self.then is not None:
            missing = [lvl.id for lvl in policy.levels if lvl.ack_timeout is None]
            if missing:
                what = "repeat" if self.repeat else "then"
                raise PolicyError(
                    f"{what} needs every level to have an ack_timeout (the chain goes round "
                    f"the levels, and ends only at the top's timeout); {missing} have none",
                    where=self.where,
                    value=missing[0],
                )
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

    def _compile_levels(self, policy: Policy) -> tuple[ChainLevel, ...]:
        return tuple(
            ChainLevel(
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
        finish = None
        if then is not None:
            reach = Reach(then["notify"], policy, self.where) if "notify" in then else None
            finish = Finish(self.name, then, reach)
        run = Steps(self, levels, finish)

        def check(context: Context) -> CheckResult | None:
            return run.check(context)

        return check

    def check(self, context: Context) -> Outcome | None:
        return as_outcome(self.compile(context.policy)(context))


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
