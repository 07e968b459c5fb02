"""A level: one rung of the escalation hierarchy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal, Union

import attrs

from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .._suggest import did_you_mean
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


@attrs.frozen
class OnCall:
    """A recipient: whoever is on call in the policy's schedule *schedule* at the instant
    of the notification (see `Schedule`); ``OnCall("primary")``."""

    schedule: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.schedule, str) or not self.schedule:
            raise PolicyError(
                f"OnCall needs the name of a schedule, got {self.schedule!r}", value=self.schedule
            )

    def __str__(self) -> str:
        return f"on call in {self.schedule}"


Recipient = Union[str, OnCall]  # noqa: UP007 (a runtime alias, also used in isinstance)
"""Who a level or a notification reaches: a team or a person (the host's name), or
`OnCall` a schedule."""


def recipients(value: object, what: str) -> tuple[Recipient, ...]:
    """*value* (one recipient or a list of them) as a tuple; ``PolicyError`` otherwise."""
    items = [value] if isinstance(value, (str, OnCall)) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise PolicyError(
            f"{what} must be a name, an OnCall, or a non-empty list of them, got {value!r}",
            value=value,
        )
    out: list[Recipient] = []
    for item in items:
        if not isinstance(item, OnCall) and (not isinstance(item, str) or not item):
            raise PolicyError(
                f"{what}: each recipient must be a non-empty name or an OnCall, got {item!r}",
                value=item,
            )
        if item in out:
            raise PolicyError(f"{what} lists {item!r} twice", value=item)
        out.append(item)
    return tuple(out)


def one_or_many(value: tuple[Recipient, ...]) -> str | tuple[Recipient, ...]:
    """A list of one name is that name: ``["desk"]`` and ``"desk"`` are the same owner."""
    return value[0] if len(value) == 1 and isinstance(value[0], str) else value


def _owner(value: object) -> str | tuple[Recipient, ...]:
    if isinstance(value, str):
        if not value:
            raise PolicyError("a level's owner must be a non-empty string, got ''", value=value)
        return value
    return one_or_many(recipients(value, "a level's owner"))


TimeoutFrom = Literal["previous", "start"]
"""What a chain step's ``ack_timeout`` counts from: the step's own notification (PagerDuty)
or the start of the chain, the issue's creation (Opsgenie)."""

EscalateIf = Literal["not_acknowledged", "not_closed"]
"""When a chain step moves on: unless acknowledged at the level (PagerDuty, Opsgenie "if
not acknowledged"), or unless resolved or closed (Opsgenie "if not closed")."""


def _choice(*allowed: str) -> Any:
    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and value not in allowed:
            raise PolicyError(
                f"level {getattr(inst, 'id', '?')!r}: {attribute.name} must be one of "
                f"{list(allowed)} or None, got {value!r}",
                value=value,
                suggestion=did_you_mean(str(value), allowed),
            )

    return check


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
        owner: who holds issues at this level and is told when one arrives: a team or
            a person (the host's id), `OnCall` a schedule, or a list of them (all notified
            together, as PagerDuty does a rule's targets). `owners` reads it as a tuple.
        targets: SLA targets that apply while an issue sits here, by clock
            name: a duration (``{"time_at_level": hours(2)}``), a `Target`, or a
            table by priority (``{"resolution": by_priority(P1=hours(4),
            default=hours(24))}``); stored as clock -> priority (``"*"`` for
            any) -> `Target`.
        calendar: the name of the policy calendar its targets count on
            (unless the issue names its own); ``None`` uses the policy's.
        ack_timeout: for the on-call `chain`: how long to wait for an
            acknowledgement before moving to the next level.
        timeout_from: for the `chain`: ``"previous"`` (``ack_timeout`` counts from this
            level's notification, PagerDuty) or ``"start"`` (from the issue's creation,
            Opsgenie); ``None`` takes the chain's setting.
        escalate_if: for the `chain`: ``"not_acknowledged"`` or ``"not_closed"``
            (see `EscalateIf`); ``None`` takes the chain's setting.
        round_robin: a dotted issue field holding an integer (the host's ticket sequence
            number, or its count of earlier assignments): only one of the level's
            recipients is notified, the one at that number modulo their count (PagerDuty's
            and Opsgenie's round robin, from data the host owns). ``None``: notify all.
    """

    id: str = attrs.field(validator=_nonempty)
    name: str = attrs.field(validator=_nonempty)
    rank: int = attrs.field(kw_only=True)
    owner: str | tuple[Recipient, ...] = attrs.field(kw_only=True, converter=_owner)
    targets: Mapping[str, Mapping[str, Target]] = attrs.field(
        factory=dict, converter=_targets, kw_only=True
    )
    ack_timeout: timedelta | None = attrs.field(
        default=None, kw_only=True, validator=_positive_or_none
    )
    calendar: str | None = attrs.field(default=None, kw_only=True, validator=_optional_name)
    timeout_from: TimeoutFrom | None = attrs.field(
        default=None, kw_only=True, validator=_choice("previous", "start")
    )
    escalate_if: EscalateIf | None = attrs.field(
        default=None, kw_only=True, validator=_choice("not_acknowledged", "not_closed")
    )
    round_robin: str | None = attrs.field(default=None, kw_only=True, validator=_optional_name)

    @property
    def owners(self) -> tuple[Recipient, ...]:
        """The recipients of ``owner`` as a tuple."""
        owner = self.owner
        return (owner,) if isinstance(owner, str) else owner

    @property
    def owner_text(self) -> str:
        """``owner`` in words: ``frontline``, ``alice, on call in primary``."""
        return ", ".join(str(r) for r in self.owners)

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
