"""How time is measured: the clock protocol, wall time and business time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, Protocol

import attrs

from .calendar import BusinessCalendar, duration_us, instant_us
from .calendar_index import MAX_US, MIN_US, UNIX_EPOCH

if TYPE_CHECKING:
    from .._engine.context import Context


class Clock(Protocol):
    """The seam through which time-based rules measure time.

    ``deadline(context, start, amount)`` returns the instant at which *amount*
    of this clock's time has passed since *start*, assuming no new event
    arrives, or ``None`` if it never will. The wall clock adds; a business
    calendar skips closed hours.
    """

    def deadline(self, context: Context, start: datetime, amount: timedelta) -> datetime | None:
        """The instant at which *amount* has elapsed on this clock since *start*."""
        ...


class Measure(Protocol):
    """How much counted time lies between two instants, and where a counted duration ends.

    The SLA clocks count on a `Measure`: `WallClock` (every instant counts) or a
    `BusinessCalendar` (open hours count); `BusinessClock` is one too.
    """

    def between(self, a: datetime, b: datetime) -> timedelta:
        """The counted time from *a* to *b*."""
        ...

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which *duration* of counted time has passed since *start*."""
        ...


class WallClock:
    """Elapsed real time: the deadline is ``start + amount``; a `Clock` and a `Measure`."""

    __slots__ = ()

    def between(self, a: datetime, b: datetime) -> timedelta:
        """``b - a``: aware instants subtract as real elapsed time."""
        return b - a

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """``start + duration``, in *start*'s zone."""
        return start + duration

    def deadline(self, context: Context, start: datetime, amount: timedelta) -> datetime | None:
        """Return ``start + amount``, computed in UTC (real elapsed time across DST)."""
        if start.tzinfo is not UTC:
            start = start.astimezone(UTC)
        return self.add(start, amount)

    def __repr__(self) -> str:
        return "WallClock()"

    def __eq__(self, other: object) -> bool:
        return type(other) is WallClock

    def __hash__(self) -> int:
        return hash(WallClock)


WALL: Final = WallClock()
"""The wall clock: every instant counts."""


@attrs.frozen
class BusinessClock:
    """A `Clock` that counts business time on a `BusinessCalendar`.

    Give it to a `Policy` so that SLA targets and time rules skip closed hours::

        Policy(levels, rules, clock=BusinessClock(calendar))
    """

    calendar: BusinessCalendar = attrs.field(
        validator=attrs.validators.instance_of(BusinessCalendar)
    )

    def deadline(self, context: Context, start: datetime, amount: timedelta) -> datetime | None:
        """Return the instant ``calendar.add(start, amount)``, in UTC like `WallClock`'s.

        UTC because the engine compares and collects deadlines from several clocks:
        an aware datetime in a zone's repeated autumn hour is never ``==`` to one in
        another zone, even for the same instant (Python's rule for inter-zone equality).
        """
        u = self.calendar.shift_us(instant_us(start, "start"), duration_us(amount))
        if not MIN_US <= u <= MAX_US:
            raise OverflowError("the deadline is outside the years a calendar supports (1-9999)")
        return UNIX_EPOCH + timedelta(microseconds=u)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """The business time from *a* to *b* on the calendar."""
        return self.calendar.between(a, b)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant *duration* of business time after *start* on the calendar."""
        return self.calendar.add(start, duration)
