"""Which SLA applies to an issue: the target of a clock and the calendar it counts on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from .._exceptions import EvaluationError
from .._model.targets import Target
from .._suggest import did_you_mean
from .._time.clocks import WALL, Measure

if TYPE_CHECKING:
    from .._time.calendar import BusinessCalendar
    from .context import Context


class Selection(NamedTuple):
    """What applies to one clock of an issue now.

    Attributes:
        target: the clock's target (``None``: no target for this issue here).
        measure: what its time counts on (a calendar, or the wall clock).
        calendar: the calendar's name (``None`` for elapsed real time).
        sla: the name of the SLA policy that applies (``None`` without SLA policies).
        since: when that SLA policy began to apply (``None`` without SLA policies).
    """

    target: Target | None
    measure: Measure
    calendar: str | None
    sla: str | None = None
    since: datetime | None = None


def select(context: Context, name: str) -> Selection:
    """The target of the clock *name* for the context's issue, and the calendar it counts on."""
    target = context.level.target(name, context.issue.priority)
    measure, calendar = calendar_for(context, target)
    return Selection(target, measure, calendar)


def unknown_calendar(name: object, where: str, known: Iterable[str]) -> EvaluationError:
    names = sorted(known)
    hint = did_you_mean(str(name), names)
    return EvaluationError(
        f"the issue's {where} names the calendar {name!r}, which the policy does not have; "
        f"calendars are {names}" + (f"; did you mean {hint!r}?" if hint else ""),
        field=where,
        value=name,
    )


def calendar_for(context: Context, target: Target | None) -> tuple[Measure, str | None]:
    """The measure a target counts on: the issue's calendar, the level's, the policy's."""
    policy = context.policy
    if (target is not None and target.wall) or not policy.calendars:
        return WALL, None
    name: str | None = None
    if policy.calendar_field is not None:
        value = policy.calendar_named_by(context.issue)
        if value is not None:
            if not isinstance(value, str) or value not in policy.calendars:
                raise unknown_calendar(value, str(policy.calendar_field), policy.calendars)
            name = value
    if name is None:
        name = context.level.calendar or policy.calendar
    if name is None:
        return WALL, None
    calendar: BusinessCalendar = policy.calendars[name]
    return calendar, name
