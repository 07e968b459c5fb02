"""Business calendars: opening hours, holidays and exact business-time arithmetic.

A `BusinessCalendar` says when a team is at work, in one IANA time zone:
weekly opening hours, closed holidays and dated exceptions. It adds and
subtracts business time, measures it between two instants, and finds the
next opening and the previous closing. `BusinessClock` plugs a calendar into
a `Policy` so that SLA targets count business time only.

Conventions (each one is what an SLA clock needs):

* **Half-open intervals.** An opening interval ``09:00-17:00`` is open from
  09:00 inclusive to 17:00 exclusive: ``is_open`` is true at 09:00 and false
  at 17:00.
* **Night shifts.** An interval whose end is at or before its start crosses
  midnight; it belongs to the day it starts on. ``time(0, 0)`` (or
  ``"24:00"``) as an end is midnight, and ``("00:00", "00:00")`` is the whole
  day.
* **Holidays and exceptions act on the shifts that start on that date.** A
  holiday closes the shifts starting on it; a night shift that started the
  evening before still runs into the holiday morning, because the people on
  it are already at work. An exception replaces the intervals starting on its
  date (an empty list closes it) and wins over a holiday on the same date.
* **Landing on a closing.** When added business time runs out exactly at a
  closing, `add` returns the closing instant (09:00 + 8 h on a 09:00-17:00
  day is 17:00 that day, not 09:00 the next day). A deadline at the close
  means "by the end of business today", and the breach is the first instant
  after the business time is used up; jumping to the next opening would grant
  a whole night for free. `subtract` mirrors this and returns an opening
  instant, not the previous closing.
* **Zero.** ``add(t, timedelta(0))`` is *t* (in the calendar's zone), even
  when the calendar is closed at *t*: no time passes.
* **Exactness.** Every computation is in integer microseconds, so
  ``between(t, add(t, d)) == d`` holds for every instant *t* (open or closed)
  and every duration *d*, and ``add`` is monotonic in *d*.
* **DST.** Opening hours are local wall-clock times, mapped to instants the
  way `zoneinfo` does with ``fold=0``: a wall time that does not exist (the
  spring-forward gap) moves forward by the length of the gap (02:30 becomes
  03:30 in Berlin), and a wall time that happens twice (the autumn fall-back)
  means its first occurrence. An interval spanning a change counts the real
  time that elapses, so 00:00-06:00 is 5 hours on the spring-forward day and
  7 on the fall-back day. If the mapping makes two intervals overlap, their
  union is counted once; an interval that maps to nothing is dropped.

Design: every open interval is turned into a pair of UTC epoch microseconds.
Time is cut into fixed blocks of whole weeks (52, or fewer for a calendar with
many intervals a week; in UTC, so finding the block of an instant costs one
integer division); a block lists its open intervals, merged and clipped to
the block, with a running sum of business time. Positions are found by
bisection, so `add` costs two bisections plus one step per block of business
time crossed (10,000 business hours of a 40-hour week cross five blocks),
whatever the holidays, exceptions and DST changes inside.

The blocks in between are counted, not listed: away from the zone's UTC
offset changes, holidays and exceptions the hours repeat every week, so a run
of such blocks costs one step, and a block with a change lists only the days
around it (`escalation_rules._time.calendar_index`). A span of centuries thus
costs one step per offset change and special date in it. Supported instants
lie between the years 1 and 9999, with a few days' margin at each end; beyond
it an `OverflowError` is raised.

The caches are the only state, and bounded: at most 32 listed blocks (about a
millisecond to list a year of office hours, and 30 KB to keep it) and 1,024
block totals, the oldest dropped first. A result never depends on what they
hold. Two threads that fill the same entry at once store equal values, so no
lock is needed. Equality, hashing, pickling and ``repr`` ignore them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from .._exceptions import CalendarError
from .._instants import require_aware
from .calendar_index import (
    MAX_US,
    MIN_US,
    ONE_US,
    UNIX_EPOCH,
    Block,
    BlockIndex,
    covers_week,
)
from .calendar_spec import (
    DAY_US,
    MIDNIGHT,
    US,
    WEEK_US,
    DatedHours,
    DateLike,
    Pair,
    Span,
    check_exception_neighbours,
    dated_exceptions,
    group_week,
    holiday_dates,
    show_time,
    tz_name,
    wall_span,
    weekly_hours,
    zone_info,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


@attrs.frozen(repr=False)
class BusinessCalendar:
    """Opening hours in one time zone, with holidays and dated exceptions.

    Args:
        tz: an IANA zone name such as ``"Europe/Berlin"``; opening hours are
            wall-clock times there.
        hours: weekday -> opening intervals. Weekdays are ``0`` (Monday) to
            ``6``, names (``"mon"``, ``"monday"``) or ranges (``"mon-fri"``);
            intervals are ``(start, end)`` pairs of `time` objects (from `datetime`) or
            ``"HH:MM"``. An interval with ``end <= start`` crosses midnight
            and belongs to the day it starts on.
        holidays: dates on which no shift starts (a night shift from the
            evening before still runs into the morning).
        exceptions: date -> opening intervals that replace that date's
            weekday hours (``[]`` closes it); wins over a holiday.
        name: a label for messages and ``repr``.

    Raises:
        CalendarError: for an unknown zone or weekday, a malformed time or
            date, overlapping intervals, more than 96 intervals on one day, or
            a week with no opening hours.
    """

    tz: str = attrs.field(converter=tz_name)
    hours: tuple[tuple[Pair, ...], ...] = attrs.field(converter=weekly_hours)
    holidays: frozenset[date] = attrs.field(default=(), converter=holiday_dates, kw_only=True)
    exceptions: tuple[tuple[date, tuple[Pair, ...]], ...] = attrs.field(
        default=None, converter=dated_exceptions, kw_only=True
    )
    name: str = attrs.field(default="", kw_only=True)

    _zone: ZoneInfo = attrs.field(init=False, eq=False, repr=False)
    _index: BlockIndex = attrs.field(init=False, eq=False, repr=False)
    _blocks: dict[int, Block] = attrs.field(init=False, eq=False, repr=False)  # _index's cache
    _block_us: int = attrs.field(init=False, eq=False, repr=False)  # _index's block length
    _totals: dict[int, int] = attrs.field(init=False, eq=False, repr=False)  # _index's totals
    _round_the_clock: bool = attrs.field(init=False, eq=False, repr=False)
    _weekly_cap: int = attrs.field(init=False, eq=False, repr=False)
    _extra_cap: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise CalendarError(
                f"a calendar's name must be a string, got {self.name!r}",
                where="name",
                value=self.name,
            )
        setattr_ = object.__setattr__
        setattr_(self, "_zone", zone_info(self.tz))  # tz is a checked zone name by now
        days = tuple(tuple(wall_span(pair) for pair in pairs) for pairs in self.hours)
        special: dict[int, tuple[Span, ...]] = {d.toordinal(): () for d in self.holidays}
        for day, pairs in self.exceptions:
            special[day.toordinal()] = tuple(wall_span(pair) for pair in pairs)
        index = BlockIndex(self._zone, days, special)
        setattr_(self, "_index", index)
        setattr_(self, "_blocks", index.blocks)
        setattr_(self, "_block_us", index.block_us)
        setattr_(self, "_totals", index.totals)
        setattr_(self, "_round_the_clock", covers_week(days))
        # Upper bounds on business time, to refuse a hopeless walk up front: a week
        # holds its wall-clock hours plus at most a day of DST slack, and each
        # exception at most its own intervals.
        setattr_(
            self, "_weekly_cap", sum(span[1] - span[0] for day in days for span in day) + DAY_US
        )
        setattr_(
            self,
            "_extra_cap",
            sum(span[1] - span[0] for spans in special.values() for span in spans),
        )
        check_exception_neighbours(self.hours, self.holidays, self.exceptions)

    @classmethod
    def always(
        cls,
        tz: str = "UTC",
        *,
        holidays: Iterable[DateLike] = (),
        exceptions: DatedHours | None = None,
        name: str = "24/7",
    ) -> BusinessCalendar:
        """A calendar open around the clock, every day (less any holidays)."""
        return cls(
            tz,
            {"mon-sun": [(MIDNIGHT, MIDNIGHT)]},
            holidays=holidays,
            exceptions=exceptions,
            name=name,
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Pickle the definition only: the block cache is rebuilt on demand.
        return (
            _restore,
            (self.tz, self.hours, self.holidays, self.exceptions, self.name),
        )

    def __repr__(self) -> str:
        parts = [repr(self.tz), repr(group_week(self.hours))]
        if self.holidays:
            parts.append(f"holidays={sorted(d.isoformat() for d in self.holidays)!r}")
        if self.exceptions:
            shown = {
                d.isoformat(): [(show_time(a), show_time(b)) for a, b in pairs]
                for d, pairs in self.exceptions
            }
            parts.append(f"exceptions={shown!r}")
        if self.name:
            parts.append(f"name={self.name!r}")
        return f"BusinessCalendar({', '.join(parts)})"

    # -- the public arithmetic ---------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant at which *duration* of business time has passed since *start*.

        A negative *duration* subtracts. Business time that runs out exactly
        at a closing returns that closing instant; ``add(t, 0)`` returns *t*.

        Args:
            start: any timezone-aware datetime (pendulum's included).
            duration: business time to add, a `timedelta`.

        Returns:
            An aware stdlib datetime in the calendar's zone.

        Raises:
            NaiveDatetimeError: *start* has no time zone.
            TypeError: *duration* is not a timedelta.
            OverflowError: the result is beyond the year 9999 (or before year 1).
        """
        return self._to_datetime(self.shift_us(instant_us(start, "start"), duration_us(duration)))

    def subtract(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant *duration* of business time before *start*.

        Business time that runs out exactly at an opening returns that opening
        instant; the mirror image of `add`.

        Raises:
            NaiveDatetimeError: *start* has no time zone.
            TypeError: *duration* is not a timedelta.
            OverflowError: the result is before the year 1 (or beyond 9999).
        """
        return self._to_datetime(self.shift_us(instant_us(start, "start"), -duration_us(duration)))

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Return the business time from *a* to *b*; negative if *b* is before *a*.

        Raises:
            NaiveDatetimeError: *a* or *b* has no time zone.
        """
        ua, ub = instant_us(a, "a"), instant_us(b, "b")
        if ub < ua:
            return -self.between(b, a)
        block_us = self._block_us
        ba, bb = ua // block_us, ub // block_us
        total = self._position(ub) - self._position(ua)
        if bb > ba:
            total += self._index.sum_totals(ba, bb)
        return timedelta(microseconds=total)

    def is_open(self, instant: datetime) -> bool:
        """Is the calendar open at *instant* (opening instants count as open, closings not)?"""
        u = instant_us(instant, "instant")
        starts, ends, _, _ = self._index.block(u // self._block_us)
        i = bisect_right(starts, u) - 1
        return i >= 0 and u < ends[i]

    def next_opening(self, instant: datetime) -> datetime:
        """Return *instant* if the calendar is open then, else the instant it next opens.

        Raises:
            NaiveDatetimeError: *instant* has no time zone.
            OverflowError: it never opens again before the year 9999.
        """
        u = instant_us(instant, "instant")
        blocks = self._index
        index = u // blocks.block_us
        starts, ends, _, _ = blocks.block(index)
        i = bisect_right(starts, u)
        if i and u < ends[i - 1]:
            return self._to_datetime(u)
        while i == len(starts):
            index += 1
            starts = blocks.block(index)[0]
            i = 0
        return self._to_datetime(starts[i])

    def previous_closing(self, instant: datetime) -> datetime | None:
        """Return the last instant at or before *instant* at which the calendar closed.

        An instant that is itself a closing is returned unchanged; an open one
        gives the end of the previous opening period. ``None`` if the calendar
        never closed before (a 24/7 calendar, or nothing back to year 1).

        Raises:
            NaiveDatetimeError: *instant* has no time zone.
        """
        u = instant_us(instant, "instant")
        blocks = self._index
        block_us = blocks.block_us
        index = u // block_us
        ends = blocks.block(index)[1]
        j = bisect_right(ends, u) - 1
        if j >= 0:  # ends[j] <= u < the block's upper edge: a real closing
            return self._to_datetime(ends[j])
        while True:
            if index <= blocks.min_block:
                return None
            starts, ends, _, _ = blocks.block(index)
            if (
                self._round_the_clock
                and len(starts) == 1
                and starts[0] == index * block_us
                and ends[0] == starts[0] + block_us
            ):
                # A whole block open: skip to the last holiday or exception before it.
                before = blocks.block_before_special(index)
                if before is None:
                    return None
                index = before
            else:
                index -= 1
            ends = blocks.block(index)[1]
            if not ends:
                continue
            j = len(ends) - 1
            edge = (index + 1) * block_us
            if ends[j] == edge:
                # Cut by the block edge, not closed, if the next block opens right there.
                following = blocks.block(index + 1)[0]
                if following and following[0] == edge:
                    j -= 1
            if j >= 0:
                return self._to_datetime(ends[j])

    # -- the machinery -------------------------------------------------------------------

    def _position(self, u: int) -> int:
        """Business microseconds from the start of *u*'s block up to *u*."""
        index = u // self._block_us
        starts, ends, cum_end, _ = self._blocks.get(index) or self._index.build(index)
        i = bisect_right(starts, u) - 1
        if i < 0:
            return 0
        end = ends[i]
        return cum_end[i] - (end - u if u < end else 0)

    def shift_us(self, u: int, d: int) -> int:
        """The epoch microsecond at which *d* business microseconds have passed since *u*."""
        if d == 0:
            return u
        index = u // self._block_us
        starts, ends, cum_end, total = self._blocks.get(index) or self._index.build(index)
        i = bisect_right(starts, u) - 1
        if i < 0:
            target = d
        else:
            end = ends[i]
            target = cum_end[i] - (end - u if u < end else 0) + d
        if d > 0:
            if target > total:
                # Whole blocks at a time, reading only their totals.
                self._check_reachable(u, d)
                totals = self._totals
                while target > total:
                    target -= total
                    index += 1
                    known = totals.get(index)
                    if known is None:
                        blocks = self._index
                        if target > blocks.far:  # counted in spans; near blocks one by one
                            index, target = blocks.skip_forward(index, target)
                        known = blocks.total(index)
                    total = known
                try:
                    starts, ends, cum_end, total = self._blocks[index]
                except KeyError:
                    starts, ends, cum_end, total = self._index.build(index)
            j = bisect_left(cum_end, target)
            return ends[j] - (cum_end[j] - target)
        if target < 0:
            self._check_reachable(u, d)
            index, target = self._walk_back(index, target)
            starts, ends, cum_end, total = self._index.block(index)
        j = bisect_right(cum_end, target)
        return ends[j] - (cum_end[j] - target)

    def _walk_back(self, index: int, target: int) -> tuple[int, int]:
        """Step back whole blocks from block *index* until *target* (< 0) is reached."""
        blocks = self._index
        while target < 0:
            if -target > blocks.far and blocks.totals.get(index - 1) is None:
                index, target = blocks.skip_backward(index, target)
            index -= 1
            target += blocks.total(index)
        return index, target

    def _check_reachable(self, u: int, d: int) -> None:
        """Raise OverflowError at once if *d* certainly runs past the supported years."""
        room = (MAX_US - u) if d > 0 else (u - MIN_US)
        weeks = room // WEEK_US + 2
        if abs(d) > weeks * self._weekly_cap + self._extra_cap:
            raise OverflowError(
                f"adding {timedelta(microseconds=d)} of business time runs outside the years a "
                "calendar supports (1-9999)"
            )

    def _to_datetime(self, u: int) -> datetime:
        if not MIN_US <= u <= MAX_US:
            raise OverflowError("the instant is outside the years a calendar supports (1-9999)")
        seconds, micro = divmod(u, US)
        result = datetime.fromtimestamp(seconds, self._zone)
        # replace() keeps fold; "+ timedelta" would reset it in a repeated hour.
        return result.replace(microsecond=micro) if micro else result


def _restore(
    tz: str,
    hours: tuple[tuple[Pair, ...], ...],
    holidays: frozenset[date],
    exceptions: tuple[tuple[date, tuple[Pair, ...]], ...],
    name: str,
) -> BusinessCalendar:
    """Unpickle a `BusinessCalendar` from its definition (see ``__reduce__``)."""
    return BusinessCalendar(
        tz,
        hours,  # the stored form: seven days, Monday first
        holidays=holidays,
        exceptions=exceptions,  # type: ignore[arg-type]  # the stored form
        name=name,
    )


def instant_us(value: object, what: str) -> int:
    """*value* as integer microseconds since the Unix epoch; validates it on the slow path."""
    if type(value) is datetime:
        try:
            # Aware minus aware is exact and honours fold; a naive value raises TypeError.
            return (value - UNIX_EPOCH) // ONE_US
        except TypeError:
            pass
    instant = require_aware(value, what)  # raises the library's error for a bad value
    return (instant - UNIX_EPOCH) // ONE_US


def duration_us(value: object) -> int:
    if type(value) is timedelta:
        return value // ONE_US
    if not isinstance(value, timedelta):
        raise TypeError(f"a business duration must be a timedelta, got {value!r}")
    # timedelta's own floor division: exact, and immune to subclasses such as
    # pendulum.Duration that override the operator.
    return timedelta.__floordiv__(value, ONE_US)
