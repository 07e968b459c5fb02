"""Which SLA applies to an issue: the target of a clock and the calendar it counts on.

The one place where both are chosen (`select`, called by `Context.sla_core`):

* **Target** of a clock, for the issue's priority: the current level's own target, else
  the target of the SLA policy that applies (`sla_policies`), else the policy-wide one.
* **Calendar**: the first of the policy's ``calendar_fields`` set on the issue (it must
  name a policy calendar), else the SLA policy's calendar, else the level's, else the
  policy's; shifted to the issue's zone when ``zone_field`` names one. A ``wall`` target,
  or a policy without calendars, counts elapsed real time.

When the issue moved from one SLA policy to another whose calendar differs, the clock's
measure is piecewise (`SwitchedMeasure`): time counted before the switch stays counted on
the calendar that applied then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from .._conditions.paths import MISSING
from .._exceptions import CalendarError, EvaluationError
from .._model.targets import Target, lookup
from .._suggest import did_you_mean
from .._time.clocks import WALL, Measure
from .._time.switched_measure import SwitchedMeasure
from .sla_policies import MAX_STATIC, MAX_ZONES, SlaSetup, current_points, timeline_of

if TYPE_CHECKING:
    from .._time.calendar import BusinessCalendar
    from .context import Context
    from .policy import Policy
    from .sla_policies import Timeline


class Selection(NamedTuple):
    """What applies to one clock of an issue now.

    Attributes:
        target: the clock's target (``None``: no target for this issue here).
        measure: what its time counts on (a calendar, the wall clock, or a
            `SwitchedMeasure` when the issue changed SLA policy across calendars).
        calendar: the name of the calendar in effect now (``None`` for elapsed real time).
        sla: the name of the SLA policy that applies (``None`` without SLA policies, or
            when none matches).
        since: when that SLA policy began to apply (``None`` when ``sla`` is).
    """

    target: Target | None
    measure: Measure
    calendar: str | None
    sla: str | None = None
    since: datetime | None = None


class _Now(NamedTuple):
    """The SLA policy of one evaluation: its index (``-1``: none), since when, the points."""

    current: int
    since: datetime | None
    points: tuple[tuple[datetime, int], ...]
    timeline: Timeline | None


_NONE: _Now = _Now(-1, None, (), None)

_SLA_KEY = "sla_policy"
_CALENDAR_KEY = "sla_calendar"


def _sla_now(context: Context) -> _Now:
    """The SLA policy applying to the context's issue, computed once per evaluation."""
    cache = context.cache
    found = cache.get(_SLA_KEY)
    if found is not None:
        return found  # type: ignore[return-value]
    setup: SlaSetup = context.policy.sla_setup
    if not setup.slas:
        now = _NONE
    else:
        timeline = timeline_of(setup, context.issue)
        points = current_points(setup, context.issue, timeline)
        index = points[-1][1]
        now = _Now(index, None if index < 0 else points[-1][0], points, timeline)
    cache[_SLA_KEY] = now
    return now


def select(context: Context, name: str) -> Selection:
    """The target of the clock *name* for the context's issue, and the calendar it counts on.

    The level's own target wins, then the applying SLA policy's, then the policy-wide one.
    """
    priority = context.issue.priority
    policy = context.policy
    static = policy._sla_setup.static
    if static is not None:
        key = (name, context.level_position, priority)
        found = static.get(key)
        if found is None:
            found = _select(context, name, priority, policy)
            if len(static) >= MAX_STATIC:
                static.clear()
            static[key] = found
        return found  # type: ignore[return-value]
    return _select(context, name, priority, policy)


def target_for(context: Context, name: str, priority: str | None) -> Target | None:
    """The target of the clock *name* for an issue of *priority* at the context's level,
    under the SLA policy that applies now: the level's own, the SLA policy's, the
    policy-wide one (the one definition of that order)."""
    policy = context.policy
    target = context.level.target(name, priority)
    if target is None and policy.slas:
        sla = _sla_now(context)
        if sla.current >= 0:
            target = policy.slas[sla.current].target(name, priority)
    if target is None:
        table = policy.targets.get(name)
        if table is not None:
            target = lookup(table, priority)
    return target


def _select(context: Context, name: str, priority: str | None, policy: Policy) -> Selection:
    target = target_for(context, name, priority)
    sla = _sla_now(context) if policy.slas else _NONE
    if (target is not None and target.wall) or not policy.calendars:
        measure: Measure = WALL
        calendar: str | None = None
    else:
        measure, calendar = _measure(context, sla)
    if sla.current < 0:
        return Selection(target, measure, calendar)
    return Selection(target, measure, calendar, policy.slas[sla.current].name, sla.since)


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
    """The calendar a target counts on now, and its name: the issue's, the SLA policy's,
    the level's, the policy's (`WALL` and ``None`` for elapsed real time).

    Only the calendar in effect now: the clocks of an issue that changed SLA policy count
    on `select`'s measure, which keeps the earlier calendars for the earlier time.
    """
    policy = context.policy
    if (target is not None and target.wall) or not policy.calendars:
        return WALL, None
    sla = _sla_now(context) if policy.slas else _NONE
    name = _issue_calendar(context)
    if name is None:
        name = _chain(context, sla.current)
    if name is None:
        return WALL, None
    return _shifted(context, name, _zone(context)), name


def _issue_calendar(context: Context) -> str | None:
    """The calendar the issue names in the first of its calendar fields that is set."""
    policy = context.policy
    found = policy.sla_setup.calendar_named(context.issue)
    if found is None:
        return None
    value, path = found
    if not isinstance(value, str) or value not in policy.calendars:
        raise unknown_calendar(value, path, policy.calendars)
    return value


def _chain(context: Context, index: int) -> str | None:
    """The calendar the SLA policy *index* names, else the level's, else the policy's."""
    if index >= 0:
        named = context.policy.slas[index].calendar
        if named is not None:
            return named
    return context.level.calendar or context.policy.calendar


def _measure(context: Context, sla: _Now) -> tuple[Measure, str | None]:
    """The measure of a non-wall target and the current calendar's name, once per evaluation.

    Piecewise over the SLA periods when their calendars differ (and the issue names none).
    """
    cache = context.cache
    found = cache.get(_CALENDAR_KEY)
    if found is not None:
        return found  # type: ignore[return-value]
    name = _issue_calendar(context)
    zone = _zone(context)
    result: tuple[Measure, str | None]
    if name is not None or len(sla.points) < 2:
        if name is None:
            name = _chain(context, sla.current)
        result = (WALL, None) if name is None else (_shifted(context, name, zone), name)
    else:
        result = _switched(context, sla, zone)
    cache[_CALENDAR_KEY] = result
    return result


def _switched(context: Context, sla: _Now, zone: str | None) -> tuple[Measure, str | None]:
    """The measure over the SLA periods: each on its SLA policy's calendar (merged when the
    same), the same object for the same periods of the same issue."""
    pieces: list[tuple[datetime, str | None]] = []
    for at, index in sla.points:
        name = _chain(context, index)
        if not pieces or pieces[-1][1] != name:
            pieces.append((at, name))
    current = pieces[-1][1]
    if len(pieces) == 1:
        return (WALL if current is None else _shifted(context, current, zone)), current
    assert sla.timeline is not None
    cache = sla.timeline.measures
    key = (tuple(pieces), zone)
    measure = cache.get(key)
    if measure is None:
        measures: list[Measure] = [
            WALL if n is None else _shifted(context, n, zone) for _, n in pieces
        ]
        measure = SwitchedMeasure(measures, [at for at, _ in pieces[1:]])
        cache[key] = measure
    return measure, current


def _zone(context: Context) -> str | None:
    """The zone the issue's ``zone_field`` names (``None``: unset, or no zone field)."""
    setup = context.policy.sla_setup
    getter = setup.zone_getter
    if getter is None:
        return None
    value = getter(context.issue)
    if value is MISSING or value == "":
        return None
    if not isinstance(value, str):
        raise _bad_zone(setup, value, None)
    return value


def _bad_zone(setup: SlaSetup, value: object, error: CalendarError | None) -> EvaluationError:
    field = setup.zone_field or "zone_field"
    detail = "" if error is None else f": {error.message}"
    return EvaluationError(
        f"the issue's {field} names the time zone {value!r}, which is not an IANA time zone "
        f"such as 'Europe/Berlin'{detail}",
        field=field,
        value=value,
        suggestion=None if error is None else error.suggestion,
    )


def _shifted(context: Context, name: str, zone: str | None) -> BusinessCalendar:
    """The policy's calendar *name*, shifted to *zone*: memoised per policy, so an issue's
    clocks count on the same calendar object from one evaluation to the next."""
    calendar = context.policy.calendars[name]
    if zone is None or zone == calendar.tz:
        return calendar
    setup = context.policy.sla_setup
    zones = setup.zones
    key = (name, zone)
    found = zones.get(key)
    if found is not None:
        return found
    try:
        shifted = calendar.in_zone(zone)
    except CalendarError as exc:
        raise _bad_zone(setup, zone, exc) from None
    if len(zones) >= MAX_ZONES:
        zones.clear()
    zones[key] = shifted
    return shifted
