"""On-call schedules: rotations of people in layers, restricted to hours, with overrides.

A `Schedule` says who is on call at any instant, the way PagerDuty's schedules do. Each
`Layer` rotates a list of members in turns of a fixed length (``shift``), counted from a
hand-off instant (``handoff``, PagerDuty's ``rotation_virtual_start``) in both directions; a
layer may exist only between ``start`` and ``end``, and its `Restriction` windows may limit it
to some hours of the day or week. Layers are listed lowest first: where a higher layer has
someone on call that person is on call, and where it has nobody the layer below shows
through (PagerDuty's "final schedule"). An `Override` puts one member on call for a stretch
of time, over every layer; where overrides overlap, the one listed later wins.

Conventions, in the schedule's IANA zone:

* **Whole-day shifts hand off at a wall time.** When ``shift`` is a whole number of days,
  every hand-off happens at the local wall time of ``handoff`` (a weekly rotation handing
  off on Monday at 09:00 in Europe/Berlin stays at 09:00 across DST), on local dates
  ``shift`` apart. Any other shift is elapsed time from ``handoff``.
* **Restrictions are wall-clock windows.** A layer's restriction windows are merged into
  weekly wall-clock windows (overlapping or touching windows join; windows that cover the
  whole week restrict nothing), and each merged window's start and end become instants.
  The member whose turn it is is on call only inside the windows; a turn is never moved or
  stretched by them (PagerDuty's semantics for restricted layers).
* **DST.** Wall times become instants as `zoneinfo` does with ``fold=0``: a time in the
  spring-forward gap moves forward by the gap, a repeated time is its first occurrence (as
  for business calendars). The one exception is ``handoff`` itself: it is an instant, and
  member 0's turn starts exactly there, even at the second occurrence of a repeated time.
* **Half-open.** A turn, a window, a layer's ``[start, end)`` and an override's
  ``[start, end)`` include their start and exclude their end.

Instants are stored in UTC (aware datetimes in any zone are accepted); the arithmetic lives
in `escalation_rules._time.oncall`. Everything here is data and its validation: a bad value
is a `PolicyError` naming the field (``where``) and quoting the value.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, Final, TypeAlias

import attrs

from .._exceptions import PolicyError
from .._instants import iana_zone, local
from .restrictions import DAY, Restriction, restriction_key

MAX_SHIFT: Final = timedelta(days=36_525)
"""The longest turn a layer may have (100 years)."""

UNIX_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


# -- small checks ----------------------------------------------------------------------------


def _name(value: object, what: str, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise PolicyError(
            f"{what} must be a non-empty string, got {value!r}", where=where, value=value
        )
    return value


def _instant(value: object, what: str, where: str) -> datetime:
    """*value* as a stdlib datetime in UTC: the same instant (pendulum's DateTime too)."""
    if not isinstance(value, datetime):
        raise PolicyError(
            f"{what} must be a timezone-aware datetime, got {value!r}", where=where, value=value
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise PolicyError(
            f"{what} must be timezone-aware, got the naive datetime {value.isoformat()!r}",
            where=where,
            value=value,
        )
    return UNIX_EPOCH + datetime.__sub__(value, UNIX_EPOCH)  # exact, and honours fold


def instant_us(value: datetime) -> int:
    """The aware *value* as integer microseconds since the Unix epoch."""
    delta = datetime.__sub__(value, UNIX_EPOCH)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _items(value: object, kind: type, what: str, *, any_order: bool = False) -> tuple[Any, ...]:
    """*value*'s items, each a *kind*; a set too if *any_order* (the order does not matter),
    never a mapping (its keys would be taken) nor a string."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise PolicyError(f"{what} must be a list, got {value!r}", where=what, value=value)
    if not any_order and isinstance(value, AbstractSet):
        raise PolicyError(
            f"{what} must be a list, in order (a set has no order of its own), got {value!r}",
            where=what,
            value=value,
        )
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, kind):
            raise PolicyError(
                f"{what} must hold {kind.__name__} objects, got {item!r}",
                where=f"{what}[{i}]",
                value=item,
            )
    return items


# -- layers --------------------------------------------------------------------------------


def _layer_name(value: object) -> str:
    return _name(value, "a layer's name", "name")


def _members(value: object) -> tuple[str, ...]:
    # The rotation order: a list or tuple only (a dict would give its keys, a set an order
    # that depends on hashing).
    if not isinstance(value, list | tuple):
        raise PolicyError(
            f"members must be a list or tuple of names, in rotation order, got {value!r}",
            where="members",
            value=value,
        )
    items = tuple(value)
    if not items:
        raise PolicyError(
            "a layer needs at least one member to rotate, got none", where="members", value=value
        )
    return tuple(_name(item, "a member", f"members[{i}]") for i, item in enumerate(items))


def _handoff(value: object) -> datetime:
    return _instant(value, "a layer's handoff", "handoff")


def _layer_start(value: object) -> datetime | None:
    return None if value is None else _instant(value, "a layer's start", "start")


def _layer_end(value: object) -> datetime | None:
    return None if value is None else _instant(value, "a layer's end", "end")


def _restrictions(value: object) -> tuple[Restriction, ...]:
    items: tuple[Restriction, ...] = _items(value, Restriction, "restrictions", any_order=True)
    return tuple(sorted(set(items), key=restriction_key))


def _check_shift(_inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or not timedelta(0) < value <= MAX_SHIFT:
        raise PolicyError(
            f"a layer's shift must be a positive timedelta of at most 100 years, got {value!r}",
            where="shift",
            value=value,
        )
    if value.microseconds:  # policy files (and PagerDuty) hold whole seconds only
        raise PolicyError(
            f"a layer's shift must be a whole number of seconds, got {value!r} ({value})",
            where="shift",
            value=value,
        )


@attrs.frozen
class Layer:
    """One rotation of a schedule (PagerDuty's schedule layer).

    Members take turns of ``shift`` in the order listed, member 0's turn starting at
    ``handoff``; turns go on before and after it. When ``shift`` is a whole number of days,
    each hand-off is at the local wall time of ``handoff`` in the schedule's zone (a weekly
    rotation handing off Monday 09:00 in Europe/Berlin stays at 09:00 across DST; a local
    time in a DST gap moves forward by the gap, a repeated one is its first occurrence,
    ``fold=0``); otherwise the turns are elapsed time from ``handoff``.

    The hand-off at ``handoff`` itself is always that instant: given the second occurrence
    of a repeated local time (``fold=1``, such as 02:30 on the autumn night in
    Europe/Berlin, 01:30 UTC), member 0's turn starts then, not an hour earlier at the first
    02:30; the turn before it is an hour longer. The other hand-offs keep the wall time,
    with ``fold=0`` where it repeats.

    With ``restrictions``, the member whose turn it is is on call only inside those windows
    (local time in the schedule's zone, merged); elsewhere the layer has nobody on call.

    Attributes:
        name: a label, e.g. ``"primary"``.
        members: who rotates, in rotation order, as a list or tuple of names (not a set
            or a dict, which have no rotation order of their own); a name may repeat.
        shift: the length of one turn (PagerDuty's ``rotation_turn_length_seconds``): a
            whole number of seconds, positive, at most 100 years.
        handoff: an aware instant at which member 0's turn starts
            (``rotation_virtual_start``); stored in UTC.
        start: the layer exists from this aware instant on (``None``: always did).
        end: ...until this one, excluded (``None``: for ever).
        restrictions: the windows it is on call in; none (the default) is always. Their
            order does not matter: they are stored sorted, without repeats.
    """

    name: str = attrs.field(converter=_layer_name)
    members: tuple[str, ...] = attrs.field(converter=_members)
    shift: timedelta = attrs.field(kw_only=True, validator=_check_shift)
    handoff: datetime = attrs.field(kw_only=True, converter=_handoff)
    start: datetime | None = attrs.field(default=None, kw_only=True, converter=_layer_start)
    end: datetime | None = attrs.field(default=None, kw_only=True, converter=_layer_end)
    restrictions: tuple[Restriction, ...] = attrs.field(
        default=(), kw_only=True, converter=_restrictions
    )

    def __attrs_post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise PolicyError(
                f"layer {self.name!r} ends at {local(self.end)}, not after its start "
                f"{local(self.start)}",
                where="end",
                value=self.end,
            )

    @property
    def wall_turns(self) -> bool:
        """Do hand-offs keep the local wall time (``shift`` a whole number of days)?"""
        return not self.shift % DAY


# -- overrides -----------------------------------------------------------------------------


def _override_member(value: object) -> str:
    return _name(value, "an override's member", "member")


def _override_start(value: object) -> datetime:
    return _instant(value, "an override's start", "start")


def _override_end(value: object) -> datetime:
    return _instant(value, "an override's end", "end")


@attrs.frozen
class Override:
    """One member on call from ``start`` to ``end`` (excluded), over every layer.

    Attributes:
        member: who is on call.
        start: an aware instant (stored in UTC).
        end: an aware instant after ``start``.
    """

    member: str = attrs.field(converter=_override_member)
    start: datetime = attrs.field(converter=_override_start)
    end: datetime = attrs.field(converter=_override_end)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise PolicyError(
                f"the override for {self.member!r} ends at {local(self.end)}, not after "
                f"its start {local(self.start)}",
                where="end",
                value=self.end,
            )


OverrideIndex: TypeAlias = tuple[tuple[int, ...], tuple[int, ...], tuple[str, ...]]
"""Overrides flattened: the starts and ends (epoch microseconds) of disjoint, sorted
stretches, and who is on call in each."""


def override_index(overrides: tuple[Override, ...]) -> OverrideIndex:
    """The overrides as disjoint stretches, the later-listed one winning where they overlap,
    and touching stretches of one member joined. O(n log n)."""
    spans = sorted((instant_us(o.start), instant_us(o.end), i) for i, o in enumerate(overrides))
    points = sorted({p for s, e, _ in spans for p in (s, e)})
    starts: list[int] = []
    ends: list[int] = []
    members: list[str] = []
    live: list[tuple[int, int]] = []  # (-index, end): the latest-listed override on top
    k = 0
    for lo, hi in pairwise(points):
        while k < len(spans) and spans[k][0] <= lo:
            heapq.heappush(live, (-spans[k][2], spans[k][1]))
            k += 1
        while live and live[0][1] <= lo:  # ended: dropped once it reaches the top
            heapq.heappop(live)
        if not live:
            continue
        member = overrides[-live[0][0]].member
        if ends and ends[-1] == lo and members[-1] == member:
            ends[-1] = hi
        else:
            starts.append(lo)
            ends.append(hi)
            members.append(member)
    return tuple(starts), tuple(ends), tuple(members)


# -- the schedule --------------------------------------------------------------------------


def zone_name(value: object) -> str:
    """The IANA zone *value* names (a name or a `ZoneInfo`), or `PolicyError` with a
    suggestion (`iana_zone`, the check a calendar's ``tz`` has too)."""
    return iana_zone(value, what="a schedule's zone", where="zone").key


def _schedule_name(value: object) -> str:
    return _name(value, "a schedule's name", "name")


def _layers(value: object) -> tuple[Layer, ...]:
    return _items(value, Layer, "layers")


def _overrides(value: object) -> tuple[Override, ...]:
    return _items(value, Override, "overrides")


@attrs.frozen
class Schedule:
    """Who is on call when: layers of rotations and overrides, in one IANA zone.

    Ask it with `on_call` and `next_change`. The conventions (wall-time hand-offs for
    whole-day shifts, restrictions in local time, DST) are those of `Layer`.

    Attributes:
        name: a label, e.g. ``"platform-primary"``.
        zone: the IANA zone of the hand-off wall times and the restrictions.
        layers: the rotations, lowest first: a higher layer wins where it has someone on
            call, a lower one shows through where it has nobody.
        overrides: one member on call for a stretch, over every layer; where two overlap,
            the one listed later wins.

    Raises:
        PolicyError: for an unknown zone (with a suggestion), a value of the wrong kind, or
            a schedule with neither a layer nor an override.
    """

    name: str = attrs.field(converter=_schedule_name)
    zone: str = attrs.field(converter=zone_name)
    layers: tuple[Layer, ...] = attrs.field(default=(), converter=_layers)
    overrides: tuple[Override, ...] = attrs.field(default=(), kw_only=True, converter=_overrides)
    # The overrides flattened for bisection, built once.
    _index: OverrideIndex = attrs.field(init=False, eq=False, repr=False)
    # What the time layer derives from the schedule (escalation_rules._time.oncall), kept
    # on first use: a result never depends on it; equality, hashing and pickling ignore it.
    _derived: object = attrs.field(init=False, default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not self.layers and not self.overrides:
            raise PolicyError(
                f"schedule {self.name!r} has no layer and no override: nobody is ever on call",
                where="layers",
                value=self.layers,
            )
        object.__setattr__(self, "_index", override_index(self.overrides))

    def __reduce__(self) -> tuple[object, ...]:
        # The definition only: the derived state is rebuilt on first use.
        return (_restore, (self.name, self.zone, self.layers, self.overrides))


def _restore(
    name: str, zone: str, layers: tuple[Layer, ...], overrides: tuple[Override, ...]
) -> Schedule:
    return Schedule(name, zone, layers, overrides=overrides)
