"""SLA targets: how long a clock may run, on which calendar, for which priority."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

import attrs

from .._durations import words
from .._exceptions import PolicyError
from .._frozendict import FrozenDict


def _positive(_inst: object, _attr: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise PolicyError(f"an SLA target must be a positive timedelta, got {value!r}", value=value)


@attrs.frozen
class Target:
    """One SLA target: a duration, counted on the calendar in effect or on the wall clock.

    A plain `timedelta` given as a target means ``Target(duration)``: business
    time on the calendar that applies to the issue (issue, then level, then
    policy; elapsed real time when none is set). ``wall=True`` counts elapsed
    real time whatever the calendars (a P1 that runs around the clock).

    ``business_days(n)`` is a target of *n* business days: due at the same local
    time *n* business days after the cycle started, on the calendar in effect
    (`BusinessCalendar.add_business_days`), plus any time the clock was paused.
    Its ``duration`` is then the business time between the two for this cycle
    (``n`` days of 24 hours until a cycle gives it one, or without a calendar).
    """

    duration: timedelta = attrs.field(validator=_positive)
    wall: bool = attrs.field(default=False, kw_only=True)
    days: int | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        days = self.days
        if days is not None and (
            not isinstance(days, int) or isinstance(days, bool) or days <= 0 or self.wall
        ):
            raise PolicyError(
                "a target of business days needs a positive whole number of days and "
                f"counts on a calendar (not wall=True), got days={days!r}",
                value=days,
            )

    def __str__(self) -> str:
        return f"{self.amount()} wall-clock" if self.wall else self.amount()

    def amount(self) -> str:
        """``"3 business days"``, ``"4 h"``: the target in words, without ``wall-clock``."""
        if self.days is not None:
            return words(timedelta(days=self.days), business=True)
        return words(self.duration)


def wall(duration: timedelta) -> Target:
    """A target counted in elapsed real time, whatever the calendars say."""
    return Target(duration, wall=True)


def business_days(n: int) -> Target:
    """A target of *n* business days: the same local time *n* business days later.

    ``"2d business"`` would be 48 business hours (six 8-hour days: the next Monday at 17:00
    for an issue opened on Monday at 09:00); this is two business days (Wednesday 09:00).
    """
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise PolicyError(f"business_days takes a positive whole number, got {n!r}", value=n)
    return Target(timedelta(days=n), days=n)


ANY_PRIORITY: Final = "*"


def _target(value: object, where: str) -> Target:
    if isinstance(value, Target):
        return value
    if isinstance(value, timedelta):
        if value <= timedelta(0):
            raise PolicyError(
                f"the SLA target {where} must be positive, got {value!r}", value=value
            )
        return Target(value)
    raise PolicyError(
        f"the SLA target {where} must be a timedelta or a Target, got {value!r}", value=value
    )


def target_table(metric: str, value: object) -> FrozenDict[Target]:
    """Normalise a level's target for *metric*: priority (or ``"*"``) -> `Target`."""
    if isinstance(value, Mapping):
        if not value:
            raise PolicyError(f"the SLA targets for {metric!r} are empty", value=value)
        out = {}
        for priority, item in value.items():
            if not isinstance(priority, str) or not priority:
                raise PolicyError(
                    f"the SLA targets for {metric!r} are keyed by priority, got {priority!r}",
                    value=priority,
                )
            out[priority] = _target(item, f"{metric}[{priority!r}]")
        return FrozenDict(out)
    return FrozenDict({ANY_PRIORITY: _target(value, repr(metric))})


def by_priority(
    default: timedelta | Target | None = None, **targets: timedelta | Target
) -> dict[str, timedelta | Target]:
    """A target per priority, e.g. ``by_priority(P1=hours(1), P2=hours(4), default=hours(8))``.

    *default* applies to every priority not listed; without it, an issue of
    another priority (or none) has no target for this metric.
    """
    out: dict[str, timedelta | Target] = dict(targets)
    if default is not None:
        out[ANY_PRIORITY] = default
    return out


def lookup(table: Mapping[str, Target], priority: str | None) -> Target | None:
    """The target for *priority*, else the ``"*"`` default, else ``None``."""
    if priority is not None:
        found = table.get(priority)
        if found is not None:
            return found
    return table.get(ANY_PRIORITY)
