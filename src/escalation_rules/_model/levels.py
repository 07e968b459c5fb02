"""A level: one rung of the escalation hierarchy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .targets import Target, lookup, target_table


def _targets(value: Mapping[str, Any] | None) -> FrozenDict[FrozenDict[Target]]:
    out = {}
    for metric, target in (value or {}).items():
        if not isinstance(metric, str) or not metric:
            raise PolicyError(f"an SLA target needs a metric name, got {metric!r}", value=metric)
        out[metric] = target_table(metric, target)
    return FrozenDict(out)


def _optional_name(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise PolicyError(
            f"{attribute.name} must be a non-empty string or None, got {value!r}", value=value
        )


def _positive_or_none(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, timedelta) or value <= timedelta(0)):
        raise PolicyError(
            f"{attribute.name} must be a positive timedelta or None, got {value!r}", value=value
        )


def _nonempty(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise PolicyError(
            f"a level's {attribute.name} must be a non-empty string, got {value!r}", value=value
        )


@attrs.frozen
class Level:
    """One rung of the escalation hierarchy.

    Attributes:
        id: a short unique id, e.g. ``"L1"``.
        name: a human name, e.g. ``"Frontline"``.
        rank: its height; ranks rise strictly along the policy's levels.
        owner: the team or person who holds issues at this level (the host's id).
        targets: SLA targets that apply while an issue sits here, by clock
            name: a duration (``{"time_at_level": hours(2)}``), a `Target`, or a
            table by priority (``{"resolution": by_priority(P1=hours(4),
            default=hours(24))}``); stored as clock -> priority (``"*"`` for
            any) -> `Target`.
        calendar: the name of the policy calendar its targets count on
            (unless the issue names its own); ``None`` uses the policy's.
        ack_timeout: for the on-call `chain`: how long to wait for an
            acknowledgement before moving to the next level.
    """

    id: str = attrs.field(validator=_nonempty)
    name: str = attrs.field(validator=_nonempty)
    rank: int = attrs.field(kw_only=True)
    owner: str = attrs.field(kw_only=True, validator=_nonempty)
    targets: Mapping[str, Mapping[str, Target]] = attrs.field(
        factory=dict, converter=_targets, kw_only=True
    )
    ack_timeout: timedelta | None = attrs.field(
        default=None, kw_only=True, validator=_positive_or_none
    )
    calendar: str | None = attrs.field(default=None, kw_only=True, validator=_optional_name)

    def target(self, clock: str, priority: str | None) -> Target | None:
        """The target of *clock* here for an issue of *priority*, or ``None``."""
        table = self.targets.get(clock)
        return None if table is None else lookup(table, priority)

    @rank.validator
    def _rank(self, _attribute: attrs.Attribute[int], value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise PolicyError(
                f"level {self.id!r}: rank must be an integer, got {value!r}", value=value
            )
