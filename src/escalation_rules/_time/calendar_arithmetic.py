"""The arithmetic of a `BusinessCalendar`, on its block index.

`CalendarArithmetic` holds the methods that compute: add and subtract business time,
measure it, count business days, find openings and closings. `BusinessCalendar` (the value:
its definition, checks, ``repr`` and pickling) inherits them and sets up the state they
read: the zone, the block index and the conventions.

Every open interval is a pair of UTC epoch microseconds. Time is cut into fixed blocks of
whole weeks (in UTC, so finding the block of an instant costs one integer division); a
block lists its open intervals, merged and clipped to the block, with a running sum of
business time. Positions are found by bisection, so `add` costs two bisections plus one
step per block of business time crossed, whatever the holidays, exceptions and DST changes
inside; blocks in between are counted, not listed (`escalation_rules._time.calendar_index`).
A new calendar lists blocks of one week, a few microseconds each, and once it has done a
dozen units of work swaps in blocks of 52 weeks (fewer for a calendar with many intervals
a week), so that a calendar made for one call stays cheap and a long-lived one crosses few
blocks. The swap replaces one reference, and every call reads it once, so a call under way
finishes on the index it started with and no lock is needed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Final

from .._durations import MAX_BUSINESS_DAYS
from .._exceptions import CalendarError
from .._instants import require_aware
from .calendar_index import covers_week
from .calendar_spec import US, WEEK_US
from .calendar_zone import FIRST_ORD, LAST_ORD, MAX_US, MIN_US, ONE_US, UNIX_EPOCH

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from .calendar_index import BlockIndex
    from .calendar_zone import Block

_ZERO: Final = timedelta(0)


class CalendarArithmetic:
    """The computing methods of `BusinessCalendar`, which sets up the state they read."""

    __slots__ = ()

    _zone: ZoneInfo
    # The block index; replaced once by one of long blocks (see BlockIndex.grown). Every
    # call reads it once, so that it works on one index throughout.
    _index: BlockIndex
    _round_the_clock: bool | None  # computed on first use
    _weekly_cap: int
    _extra_cap: int  # -1 until computed
    _lands_on_opening: bool
    _zero_rolls: bool
    _reversed: str

    # -- the public arithmetic ---------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant at which *duration* of business time has passed since *start*.

        A negative *duration* subtracts. Business time that runs out exactly
        at a closing returns that closing instant; ``add(t, 0)`` returns *t*
        (unless `boundaries` says otherwise: ``landing``, ``zero``).

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
        instant; the mirror image of `add`. (Subtracting zero is adding zero.)

        Raises:
            NaiveDatetimeError: *start* has no time zone.
            TypeError: *duration* is not a timedelta.
            OverflowError: the result is before the year 1 (or beyond 9999).
        """
        return self._to_datetime(self.shift_us(instant_us(start, "start"), -duration_us(duration)))

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Return the business time from *a* to *b*.

        When *b* is before *a* it is negative (minus the business time from *b* to *a*),
        unless `boundaries` says ``reversed="zero"`` (zero) or ``"absolute"``.

        Raises:
            NaiveDatetimeError: *a* or *b* has no time zone.
        """
        ua, ub = instant_us(a, "a"), instant_us(b, "b")
        negative = False
        if ub < ua:
            mode = self._reversed
            if mode == "zero":
                return _ZERO
            ua, ub = ub, ua
            negative = mode == "negative"
        ix = self._index
        block_us = ix.block_us
        ba, bb = ua // block_us, ub // block_us
        total = self._position(ix, ub) - self._position(ix, ua)
        if bb > ba:
            total += ix.sum_totals(ba, bb)
            if ix.outgrow_after is not None:
                ix.work += 1
                self._grow(ix)
        return timedelta(microseconds=-total if negative else total)

    def is_open(self, instant: datetime) -> bool:
        """Is the calendar open at *instant* (opening instants count as open, closings not)?"""
        u = instant_us(instant, "instant")
        ix = self._index
        index = u // ix.block_us
        starts, ends, _, _ = ix.blocks.get(index) or self._list(ix, index)
        i = bisect_right(starts, u) - 1
        return i >= 0 and u < ends[i]

    def next_opening(self, instant: datetime) -> datetime:
        """Return *instant* if the calendar is open then, else the instant it next opens.

        Raises:
            NaiveDatetimeError: *instant* has no time zone.
            OverflowError: it never opens again before the year 9999.
        """
        return self._to_datetime(self._opening_us(instant_us(instant, "instant")))

    def previous_closing(self, instant: datetime) -> datetime | None:
        """Return the last instant at or before *instant* at which the calendar closed.

        An instant that is itself a closing is returned unchanged; an open one
        gives the end of the previous opening period. ``None`` if the calendar
        never closed before (a 24/7 calendar, or nothing back to year 1).

        Raises:
            NaiveDatetimeError: *instant* has no time zone.
        """
        u = instant_us(instant, "instant")
        ix = self._index
        block_us = ix.block_us
        index = u // block_us
        ends = (ix.blocks.get(index) or self._list(ix, index))[1]
        j = bisect_right(ends, u) - 1
        if j >= 0:  # ends[j] <= u < the block's upper edge: a real closing
            return self._to_datetime(ends[j])
        round_the_clock = self._round_the_clock
        if round_the_clock is None:
            round_the_clock = covers_week(ix.days)
            object.__setattr__(self, "_round_the_clock", round_the_clock)
        while True:
            if index <= ix.min_block:
                return None
            starts, ends, _, _ = ix.blocks.get(index) or self._list(ix, index)
            if (
                round_the_clock
                and len(starts) == 1
                and starts[0] == index * block_us
                and ends[0] == starts[0] + block_us
            ):
                # A whole block open: skip to the last holiday, exception or break before it.
                before = ix.block_before_special(index)
                if before is None:
                    return None
                index = before
            else:
                index -= 1
            ends = (ix.blocks.get(index) or self._list(ix, index))[1]
            if not ends:
                continue
            j = len(ends) - 1
            edge = (index + 1) * block_us
            if ends[j] == edge:
                # Cut by the block edge, not closed, if the next block opens right there.
                following = (ix.blocks.get(index + 1) or self._list(ix, index + 1))[0]
                if following and following[0] == edge:
                    j -= 1
            if j >= 0:
                return self._to_datetime(ends[j])

    def add_business_days(self, start: datetime, n: int) -> datetime:
        """The same local time *n* business days after *start*.

        A business day is a date on which some of the calendar's own opening
        hours remain: the weekly hours of its weekday or its exception (none on
        a holiday), less its breaks. In order:

        1. if the calendar is closed at *start*, *start* moves to the next
           opening (Saturday 12:00 becomes Monday 09:00);
        2. the date moves on by *n* business days, skipping holidays, closed
           days and weekends (``n == 0`` stays on the same date and returns the
           instant of step 1);
        3. the result is the wall-clock time of step 1 on that date, in the
           calendar's zone (``fold=0`` as for opening hours, so a time in the
           spring-forward gap moves forward by the gap), or the next opening
           after it if the calendar is closed then.

        On Monday to Friday 09:00-17:00, Monday 09:00 plus 2 is Wednesday 09:00,
        and Friday 16:00 plus 2 is Tuesday 16:00.

        Args:
            start: any timezone-aware datetime.
            n: a whole number of business days, 0 to `MAX_BUSINESS_DAYS`.

        Returns:
            An aware stdlib datetime in the calendar's zone, at or after *start*.

        Raises:
            CalendarError: *n* is not a whole number from 0 to `MAX_BUSINESS_DAYS`.
            NaiveDatetimeError: *start* has no time zone.
            OverflowError: the result is beyond the year 9999.
        """
        count = business_day_count(n)
        u = self._opening_us(instant_us(start, "start"))
        if count == 0:
            return self._to_datetime(u)
        local = self._to_datetime(u)
        ordinal = business_day_after(self._index, local.toordinal(), count)
        wall = time(local.hour, local.minute, local.second, local.microsecond)
        target = datetime.combine(date.fromordinal(ordinal), wall, tzinfo=self._zone)
        return self._to_datetime(self._opening_us((target - UNIX_EPOCH) // ONE_US))

    def is_business_day(self, day: date) -> bool:
        """Does *day* count as a business day for `add_business_days`?

        True when some of the date's own opening hours remain open: the weekly hours of
        its weekday or its exception (none on a holiday), less its breaks.

        Raises:
            CalendarError: *day* is not a date.
            OverflowError: *day* is within a few days of the years 1 or 9999, or beyond.
        """
        if isinstance(day, datetime) or not isinstance(day, date):
            raise CalendarError(
                f"is_business_day takes a date, got {day!r}", where="day", value=day
            )
        ordinal = day.toordinal()
        if not FIRST_ORD <= ordinal <= LAST_ORD:
            raise OverflowError("the date is outside the years a calendar supports (1-9999)")
        return self._index.opens_on(ordinal)

    # -- the machinery -------------------------------------------------------------------

    def _list(self, ix: BlockIndex, index: int) -> Block:
        """List block *index* of *ix*, and swap in long blocks if *ix* has outgrown its own."""
        block = ix.build(index)
        if ix.outgrow_after is not None:
            self._grow(ix)
        return block

    def _grow(self, ix: BlockIndex) -> None:
        """Swap in an index of long blocks once *ix*, of short ones, has done enough work.

        One reference is replaced: a call under way finishes on the index it started with.
        """
        if ix.outgrown and self._index is ix:
            object.__setattr__(self, "_index", ix.grown())

    def _position(self, ix: BlockIndex, u: int) -> int:
        """Business microseconds from the start of *u*'s block up to *u*."""
        index = u // ix.block_us
        starts, ends, cum_end, _ = ix.blocks.get(index) or self._list(ix, index)
        i = bisect_right(starts, u) - 1
        if i < 0:
            return 0
        end = ends[i]
        return cum_end[i] - (end - u if u < end else 0)

    def _opening_us(self, u: int) -> int:
        """*u* if the calendar is open then, else the epoch microsecond it next opens."""
        ix = self._index
        index = u // ix.block_us
        starts, ends, _, _ = ix.blocks.get(index) or self._list(ix, index)
        i = bisect_right(starts, u)
        if i and u < ends[i - 1]:
            return u
        while i == len(starts):
            index += 1
            starts = (ix.blocks.get(index) or self._list(ix, index))[0]
            i = 0
        return starts[i]

    def shift_us(self, u: int, d: int) -> int:
        """The epoch microsecond at which *d* business microseconds have passed since *u*."""
        if d == 0:
            return self._opening_us(u) if self._zero_rolls else u
        ix = self._index
        blocks = ix.blocks
        index = u // ix.block_us
        starts, ends, cum_end, total = blocks.get(index) or self._list(ix, index)
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
                totals = ix.totals
                while target > total:
                    target -= total
                    index += 1
                    known = totals.get(index)
                    if known is None:
                        if target > ix.far:  # counted in spans; near blocks one by one
                            index, target = ix.skip_forward(index, target)
                        known = ix.total(index)
                    total = known
                starts, ends, cum_end, total = blocks.get(index) or self._list(ix, index)
                if ix.outgrow_after is not None:
                    ix.work += 1
                    self._grow(ix)
            j = bisect_left(cum_end, target)
            if self._lands_on_opening and cum_end[j] == target:
                return self._opening_us(ends[j])
            return ends[j] - (cum_end[j] - target)
        if target < 0:
            self._check_reachable(u, d)
            index, target = self._walk_back(ix, index, target)
            starts, ends, cum_end, total = blocks.get(index) or self._list(ix, index)
            if ix.outgrow_after is not None:
                ix.work += 1
                self._grow(ix)
        j = bisect_right(cum_end, target)
        return ends[j] - (cum_end[j] - target)

    def _walk_back(self, ix: BlockIndex, index: int, target: int) -> tuple[int, int]:
        """Step back whole blocks from block *index* until *target* (< 0) is reached."""
        while target < 0:
            if -target > ix.far and ix.totals.get(index - 1) is None:
                index, target = ix.skip_backward(index, target)
            index -= 1
            target += ix.total(index)
        return index, target

    def _check_reachable(self, u: int, d: int) -> None:
        """Raise OverflowError at once if *d* certainly runs past the supported years."""
        room = (MAX_US - u) if d > 0 else (u - MIN_US)
        weeks = room // WEEK_US + 2
        extra = self._extra_cap
        if extra < 0:
            special = self._index.special
            extra = sum(span[1] - span[0] for spans in special.values() for span in spans)
            object.__setattr__(self, "_extra_cap", extra)
        if abs(d) > weeks * self._weekly_cap + extra:
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


def business_day_count(n: object) -> int:
    """*n* if it is a whole number of business days that a calendar counts.

    Raises:
        CalendarError: *n* is not an int (a bool is not), is negative or is more than
            `MAX_BUSINESS_DAYS`.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        whole = isinstance(n, float) and n.is_integer()
        raise CalendarError(
            f"a number of business days must be a whole number (an int), got {n!r}",
            where="n",
            value=n,
            suggestion=str(int(n)) if whole and isinstance(n, float) else None,
        )
    if n < 0:
        raise CalendarError(
            f"a number of business days cannot be negative, got {n}",
            where="n",
            value=n,
        )
    if n > MAX_BUSINESS_DAYS:
        raise CalendarError(
            f"{n:,} business days is more than a calendar counts (at most "
            f"{MAX_BUSINESS_DAYS:,}, about 40 years)",
            where="n",
            value=n,
        )
    return n


def business_day_after(index: BlockIndex, ordinal: int, count: int) -> int:
    """The date (an ordinal) *count* business days after the date *ordinal*.

    A business day is a date whose own opening hours open at all (`BlockIndex.opens_on`).

    Raises:
        OverflowError: the count runs past the supported years.
    """
    while count:
        ordinal += 1
        if ordinal > LAST_ORD:
            raise OverflowError(
                "the business days run outside the years a calendar supports (1-9999)"
            )
        if index.opens_on(ordinal):
            count -= 1
    return ordinal


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
