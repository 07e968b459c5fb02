"""Storm control: an SLA warning not yet sent is superseded by a later threshold crossed.

docs/sla.md, "Thresholds": a ``notify`` rule on ``sla(clock, share)`` whose action was not
recorded before a later threshold of the same clock was crossed does not fire; the later
threshold's rule speaks instead. `TimeRule` marks such warnings in the evaluation's cache;
`_engine.plan.fate` reads the marks.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from .._conditions.condition import ALWAYS, Condition
from .._exceptions import EvaluationError
from .._model.issue import summary_of

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._time.sla_clock import Core
    from .timed import SlaShare


SUPERSEDED: Final = "superseded"
"""The `Context.cache` key of the warnings superseded in one evaluation: action key ->
``(rule, instant)``, the later threshold's rule and when it was crossed. A warning's check
writes it; `_engine.plan.fate` reads it (under the same key) and says "superseded"."""


MAX_AMOUNTS: Final = 256
"""Thresholds kept per rule (by target duration; business-day targets vary per cycle)."""


class Threshold(NamedTuple):
    """Another ``sla()`` rule of a warning's clock, as storm control looks at it."""

    name: str
    trigger: SlaShare
    #: per level position: the key of its action there, ``None`` where it does nothing
    #: (``NEXT`` at the top, an escalation that does not move the issue up)
    keys: tuple[str | None, ...]
    #: whether its condition holds now (``None``: always)
    holds: Callable[[Context], bool] | None
    #: a memo of target -> its threshold (it only saves the arithmetic)
    amounts: dict[timedelta, timedelta]


def scope_of(context: Context, key: str, cycle: int, at: datetime) -> int:
    """The history index after which a recording of *key* answers the crossing at *at*."""
    if key not in context.recorded:  # only then does the scope matter
        return cycle
    times = summary_of(context.issue).times
    crossed = bisect_left(times, at if at.tzinfo is UTC else at.astimezone(UTC)) - 1
    return crossed if crossed > cycle else cycle


def holds_test(when: Condition, defaults: Mapping[str, Any]) -> Callable[[Context], bool] | None:
    if when == ALWAYS:
        return None
    if when.timed:
        timed = when.compile_timed(defaults)
        return lambda context: timed(context)[0]
    test = when.compile(defaults)
    return lambda context: test(context.issue)


def _holds_now(other: Threshold, context: Context) -> bool:
    """Does *other*'s condition hold now? One that cannot be decided does not supersede:
    its own rule reports the error, under its own name, when it runs."""
    assert other.holds is not None
    try:
        return other.holds(context)
    except EvaluationError:
        return False


def supersede(
    context: Context,
    key: str,
    later: tuple[Threshold, ...],
    state: Core,
    target: timedelta,
    at: datetime,
) -> None:
    """Mark the warning *key*, crossed at *at* and not recorded, superseded if a later
    threshold of its clock (in this cycle) was crossed by now.

    That threshold's rule must act at this level, and either its action was recorded
    for that crossing or its condition holds now (so that it acts now instead).
    """
    position = context.level_position
    first: tuple[str, datetime] | None = None
    for other in later:
        other_key = other.keys[position]
        if other_key is None:
            continue
        amount = other.amounts.get(target)
        if amount is None:
            if len(other.amounts) >= MAX_AMOUNTS:
                other.amounts.clear()
            amount = other.amounts[target] = other.trigger.threshold(target)
        crossed, instant = state.reaches(amount)
        if not crossed or instant is None or instant <= at:
            continue
        if first is not None and instant >= first[1]:
            continue
        done = context.recorded.get(other_key, -2) > scope_of(
            context, other_key, state.cycle_index, instant
        )
        if done or other.holds is None or _holds_now(other, context):
            first = (other.name, instant if instant.tzinfo is UTC else instant.astimezone(UTC))
    if first is not None:
        marks: Any = context.cache.get(SUPERSEDED)
        if marks is None:
            marks = context.cache[SUPERSEDED] = {}
        marks[key] = first
