"""The on-call chain: notify a level, and move on when nobody acknowledges in time."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from .._exceptions import PolicyError
from .._model.actions import Action, Escalate, Notify
from .._model.anchors import Anchor
from .base import Outcome, rule_name

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._engine.policy import Policy


@attrs.frozen
class EscalationChain:
    """The PagerDuty-style loop over the policy's levels.

    When the issue enters a level, notify that level's owner. If nobody
    acknowledges within the level's ``ack_timeout``, escalate to the next
    level. At the top level, after its timeout, notify every level's owner
    again in order, *repeat* times, with the same delays; the issue stays at
    the top (it never de-escalates). An acknowledgement at the current level,
    or resolution, stops the chain. A level without ``ack_timeout`` ends it.
    """

    name: str = attrs.field(converter=rule_name)
    repeat: int = attrs.field(default=0, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.repeat, int) or not 0 <= self.repeat <= 9:
            raise PolicyError(
                f"repeat must be an integer from 0 to 9, got {self.repeat!r}",
                where=f"rule {self.name!r}",
                value=self.repeat,
            )

    def validate(self, policy: Policy) -> None:
        """Every level can take part; levels without ``ack_timeout`` end the chain."""

    def _steps(self, context: Context, entered: datetime) -> list[tuple[datetime, Action]]:
        level, name = context.level, self.name
        steps: list[tuple[datetime, Action]] = [
            (
                entered,
                Notify(
                    level.owner,
                    name,
                    f"{level.id} entered: page its owner {level.owner}",
                    key=f"{name}:notify:{level.id}",
                ),
            )
        ]
        timeout = level.ack_timeout
        if timeout is None:
            return steps
        deadline = context.clock.deadline(context, entered, timeout)
        if deadline is None:
            return steps
        nxt = context.next_level
        if nxt is not None:
            steps.append(
                (
                    deadline,
                    Escalate(
                        nxt.id,
                        name,
                        f"not acknowledged within {timeout} at {level.id}: escalate to {nxt.id}",
                        key=f"{name}:escalate",
                    ),
                )
            )
            return steps
        levels = context.policy.levels
        waits = [lvl.ack_timeout for lvl in levels if lvl.ack_timeout is not None]
        if len(waits) < len(levels):
            return steps
        at = deadline
        for loop in range(1, self.repeat + 1):
            for lvl, wait in zip(levels, waits, strict=True):
                steps.append(
                    (
                        at,
                        Notify(
                            lvl.owner,
                            name,
                            f"still not acknowledged: repeat {loop} of {self.repeat}, "
                            f"page {lvl.owner} ({lvl.id})",
                            key=f"{name}:notify:{lvl.id}:{loop}",
                        ),
                    )
                )
                nxt_at = context.clock.deadline(context, at, wait)
                if nxt_at is None:
                    return steps
                at = nxt_at
        return steps

    def check(self, context: Context) -> Outcome | None:
        if context.acknowledged:
            return None
        entered = context.anchor(Anchor.LEVEL_ENTERED)
        assert entered is not None
        now = context.now
        due: list[Action] = []
        upcoming: list[tuple[datetime, Action]] = []
        for at, action in self._steps(context, entered):
            if at <= now:
                due.append(action)
            else:
                upcoming.append((at, action))
        return Outcome(bool(due), tuple(due), Anchor.LEVEL_ENTERED, tuple(upcoming))


def chain(name: str, *, repeat: int = 0) -> EscalationChain:
    """The PagerDuty-style notify-then-escalate loop over the policy's levels."""
    return EscalationChain(name, repeat=repeat)
