"""A measure that changes at given instants: SLA time counted on one calendar, then another.

When an issue moves from one SLA policy to another whose calendar differs, the time its
clocks counted before the move stays counted on the calendar that applied then, and the
time after it counts on the new one. `SwitchedMeasure` is that piecewise `Measure`:
``between(a, b)`` and ``add(start, d)`` split at the instants of the switches.

It is a value: two built from the same pieces are equal and hash alike, and the hash is
computed once (SLA clock state is memoised per measure, so it is hashed often).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .clocks import Measure

_ZERO = timedelta(0)


def _measures(value: Iterable[Measure]) -> tuple[Measure, ...]:
    return tuple(value)


def _switches(value: Any) -> tuple[datetime, ...]:
    out = tuple(value)
    for i, instant in enumerate(out):
        if not isinstance(instant, datetime) or instant.tzinfo is None:
            raise TypeError(f"switches[{i}] must be an aware datetime, got {instant!r}")
    return tuple(t if t.tzinfo is UTC else t.astimezone(UTC) for t in out)


@attrs.frozen(cache_hash=True, repr=False)
class SwitchedMeasure:
    """``measures[0]`` until ``switches[0]``, then ``measures[1]`` until ``switches[1]``, ...

    A switch instant belongs to the measure that starts there (pieces are half-open,
    ``[switches[k - 1], switches[k])``). The laws of a `Measure` hold across switches:
    ``between(t, add(t, d)) == d``, and ``between(a, b) + between(b, c) == between(a, c)``.

    Attributes:
        measures: one more measure than there are switches.
        switches: the instants at which the next measure takes over, rising, in UTC.
    """

    measures: tuple[Measure, ...] = attrs.field(converter=_measures)
    switches: tuple[datetime, ...] = attrs.field(converter=_switches)

    def __attrs_post_init__(self) -> None:
        if len(self.measures) != len(self.switches) + 1:
            raise ValueError(
                f"a SwitchedMeasure needs one measure more than switches, got "
                f"{len(self.measures)} measures and {len(self.switches)} switches"
            )
        if any(b <= a for a, b in zip(self.switches, self.switches[1:], strict=False)):
            raise ValueError(f"the switches must rise strictly, got {self.switches!r}")

    def between(self, a: datetime, b: datetime) -> timedelta:
        """The counted time from *a* to *b*, each piece on its own measure."""
        if b < a:
            return -self.between(b, a)
        switches, measures = self.switches, self.measures
        k = bisect_right(switches, a)
        total = _ZERO
        lo = a
        last = len(switches)
        while k < last and switches[k] < b:
            total += measures[k].between(lo, switches[k])
            lo = switches[k]
            k += 1
        return total + measures[k].between(lo, b)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which *duration* of counted time has passed since *start*.

        Counted time that runs out exactly at a switch ends in the piece before it (on a
        business calendar, at its closing: the earlier calendar's convention).
        """
        if duration < _ZERO:
            return self._back(start, duration)
        switches, measures = self.switches, self.measures
        k = bisect_right(switches, start)
        last = len(switches)
        while k < last:
            available = measures[k].between(start, switches[k])
            if duration <= available:
                return measures[k].add(start, duration)
            duration -= available
            start = switches[k]
            k += 1
        return measures[k].add(start, duration)

    def _back(self, start: datetime, duration: timedelta) -> datetime:
        """`add` of a negative *duration*: the pieces walked backwards."""
        switches, measures = self.switches, self.measures
        k = bisect_left(switches, start)
        while k > 0:
            available = measures[k].between(switches[k - 1], start)
            if -duration <= available:
                return measures[k].add(start, duration)
            duration += available
            start = switches[k - 1]
            k -= 1
        return measures[0].add(start, duration)

    def __repr__(self) -> str:
        parts = [repr(self.measures[0])]
        for instant, measure in zip(self.switches, self.measures[1:], strict=True):
            parts.append(f"from {instant.isoformat()} {measure!r}")
        return f"SwitchedMeasure({', '.join(parts)})"
