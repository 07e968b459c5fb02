"""SLA clocks (what they measure, when they pause) and targets (how long, on which calendar)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Final, Literal

import attrs

from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .._suggest import did_you_mean
from .events import CLOSED, Status
from .names import to_enum


class Metric(enum.StrEnum):
    """What an SLA clock measures; each fixes when a cycle starts and stops.

    * ``FIRST_RESPONSE``: from creation to the first agent reply.
    * ``NEXT_RESPONSE``: from the first customer message after the last agent
      reply to the next agent reply (no cycle before the first reply: that is
      the first response).
    * ``PERIODIC_UPDATE``: from the last agent reply (or creation) to the next
      one: "an update at least every N".
    * ``RESOLUTION``: from creation to resolution; a reopen resumes it (or
      restarts it, with ``on_reopen="restart"``).
    * ``TIME_AT_LEVEL``: from the moment the issue entered its current level.

    Every clock counts only while the issue is neither resolved nor closed,
    and pauses while its status is in the clock's ``pause_on`` (by default
    while pending on the customer).
    """

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    PERIODIC_UPDATE = "periodic_update"
    RESOLUTION = "resolution"
    TIME_AT_LEVEL = "time_at_level"

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


def _pause_on(value: Iterable[Status | str]) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    out: set[str] = set()
    for item in value:
        if not isinstance(item, str) or not item:
            raise PolicyError(
                f"pause_on lists {item!r}; list statuses by name (a `Status` value, or one "
                "of the host's statuses in the policy's status_map)",
                value=item,
            )
        status = Status(item) if item in _STATUS_VALUES else item  # a host status otherwise
        if status in CLOSED:
            raise PolicyError(
                f"pause_on cannot list {str(status)!r}: a clock already stops there",
                value=item,
            )
        out.add(status)
    return frozenset(out)


_STATUS_VALUES: Final = frozenset(s.value for s in Status)


def _metric(value: Metric | str) -> Metric:
    return to_enum(Metric, value, "unknown SLA metric {value!r}; metrics are {names}")


@attrs.frozen
class SlaClock:
    """The definition of one SLA clock: its name, what it measures, when it pauses.

    A policy has one clock per `Metric`, named after it, with these defaults;
    give `Policy(clocks=[...])` a clock of the same name to change them, or a
    new name to add a second clock on a metric (e.g. a resolution clock that
    never pauses).

    Attributes:
        name: how targets and ``sla(...)`` triggers refer to it.
        metric: what it measures (its name by default).
        pause_on: statuses during which it does not count (default: pending): `Status`
            values, or the host's own statuses named in the policy's ``status_map``
            (Zendesk's "hold" pauses agent work time but maps onto open).
        on_reopen: for ``RESOLUTION``: ``"resume"`` keeps the time counted
            before the resolution, ``"restart"`` starts from zero at the reopen.
    """

    name: str
    metric: Metric = attrs.field(converter=_metric)
    pause_on: frozenset[str] = attrs.field(
        default=frozenset({Status.PENDING}), converter=_pause_on, kw_only=True
    )
    on_reopen: Literal["resume", "restart"] = attrs.field(default="resume", kw_only=True)

    @metric.default
    def _default_metric(self) -> Metric:
        return _metric(self.name)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise PolicyError(f"a clock needs a name, got {self.name!r}", value=self.name)
        if self.on_reopen not in ("resume", "restart"):
            raise PolicyError(
                f"on_reopen must be 'resume' or 'restart', got {self.on_reopen!r}",
                where=f"clock {self.name!r}",
                value=self.on_reopen,
                suggestion=did_you_mean(str(self.on_reopen), ["resume", "restart"]),
            )


DEFAULT_CLOCKS: Final = tuple(SlaClock(m.value) for m in Metric)


def clock_table(value: Iterable[SlaClock]) -> FrozenDict[SlaClock]:
    """The policy's clocks by name: the defaults, overridden or extended by *value*."""
    table = {c.name: c for c in DEFAULT_CLOCKS}
    seen: set[str] = set()
    for i, clock in enumerate(value):
        if not isinstance(clock, SlaClock):
            raise PolicyError(f"clocks[{i}] is not an SlaClock: {clock!r}", value=clock)
        if clock.name in seen:
            raise PolicyError(f"duplicate clock name {clock.name!r}", value=clock.name)
        seen.add(clock.name)
        table[clock.name] = clock
    return FrozenDict(table)


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
    """

    duration: timedelta = attrs.field(validator=_positive)
    wall: bool = attrs.field(default=False, kw_only=True)

    def __str__(self) -> str:
        return f"{self.duration} wall-clock" if self.wall else str(self.duration)


def wall(duration: timedelta) -> Target:
    """A target counted in elapsed real time, whatever the calendars say."""
    return Target(duration, wall=True)


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
