"""The block index of a `BusinessCalendar`: its open intervals as integer microseconds.

Time is cut into fixed blocks of whole weeks in UTC, counted from the Unix epoch: one week
while a calendar is new, then 52 weeks, or fewer for a calendar with many intervals a week,
so that a block lists at most about `BLOCK_INTERVALS` of them (`BlockIndex.grown`).
`build_range` (`escalation_rules._time.calendar_zone`) lists the open intervals of any
stretch of time: mapped to UTC epoch microseconds through the zone, less the breaks, merged
and clipped, with a running sum of business time. A `BlockIndex` keeps the blocks a calendar
has listed, the business time of blocks it has only counted and of the stretches around
offset changes, in caches of bounded size (first in, first out).

Counting does not need a list. Away from the zone's offset changes
(`escalation_rules._time.calendar_zone`), from holidays, exceptions and breaks, and from the ends
of the supported years, the opening hours repeat every week, so the business time of such
a stretch comes from a table of one week (`WeekTable`), in one step however long it is;
only the few days around each change or special date are listed, and those around a
change that recurs (a yearly rule's: same weekday, time and offsets) only once. The
business time between two instants centuries apart thus costs a step per offset change or
special date in between (none before a zone's first transition, nor in a zone without
DST), and memory that does not grow with the span. `add` walks there in a few such counts
(`BlockIndex.skip_forward`).

See `escalation_rules._time.calendar` for the conventions.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime
from typing import TYPE_CHECKING, Final, TypeVar

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

from .calendar_spec import DAY_US, US, WEEK_US, Span
from .calendar_zone import (
    EPOCH_ORD,
    ONE_US,
    Block,
    Reach,
    ZoneChanges,
    load_changes,
    local_ordinal,
    merged,
    opens_on,
    reach_of,
)

# Defined with the zone's mapping, and read from here by the clocks and the tests.
from .calendar_zone import MAX_US as MAX_US
from .calendar_zone import MIN_US as MIN_US
from .calendar_zone import UNIX_EPOCH as UNIX_EPOCH
from .calendar_zone import build_range as build_range

MAX_BLOCK_WEEKS: Final = 52

BLOCK_INTERVALS: Final = 2048
"""A block is as many whole weeks (at most 52) as hold about this many weekly intervals."""

SMALL_BLOCK_WEEKS: Final = 1
"""The length of a new calendar's blocks: a week lists in a few microseconds."""

OUTGROW_AFTER: Final = 12
"""Work a calendar does on short blocks before it swaps in long ones: blocks listed, stretches
measured and walks across blocks (see `BlockIndex.grown`)."""

MAX_BLOCKS_KEPT: Final = 32
"""Listed blocks a calendar keeps; the oldest is dropped first."""

MAX_TOTALS_KEPT: Final = 1024
"""Block totals (one int each) a calendar keeps; the oldest is dropped first."""

BLOCK_US: Final = MAX_BLOCK_WEEKS * WEEK_US

# Where the weekly pattern cannot be trusted, so intervals are listed (see `BlockIndex`).
# An interval of the local day starting at wall time w lies within (w - 1 day, w + 3 days)
# in UTC (it ends before w + 2 days, and an offset is less than a day); an offset change
# at T moves only wall times within a day of T. So the intervals differ from the weekly
# pattern only within 4 days of a change, and from 1 day before to 3 days after the local
# midnight of a special date; and near the ends of the supported years, where days are cut.
_NEAR_CHANGE: Final = 5 * DAY_US
_SPECIAL_BEFORE: Final = 2 * DAY_US
_SPECIAL_AFTER: Final = 4 * DAY_US
_NEAR_END: Final = 6 * DAY_US

# Up to this many blocks are summed one by one (their totals are kept); more are counted
# in one go, or in a few spans.
_FEW_BLOCKS: Final = 8

# Monday 00:00 as an offset into the week of wall time counted from 1970-01-01 (a Thursday).
_MONDAY: Final = (EPOCH_ORD - 1) % 7 * DAY_US

_K = TypeVar("_K")
_V = TypeVar("_V")


def covers_week(days: tuple[tuple[Span, ...], ...]) -> bool:
    """Do the weekly hours, taken together, leave no gap in the wall-clock week?"""
    spans = sorted(
        (d * DAY_US + span[0], d * DAY_US + span[1]) for d, day in enumerate(days) for span in day
    )
    reach = spans[0][0]
    if reach != 0:
        return False
    for lo, hi in spans:
        if lo > reach:
            return False
        reach = max(reach, hi)
    return reach >= WEEK_US


class WeekTable:
    """The weekly hours as one periodic set of wall-clock time, Monday 00:00 first."""

    __slots__ = ("cum_end", "ends", "starts", "total")

    def __init__(self, days: tuple[tuple[Span, ...], ...]) -> None:
        raw: list[tuple[int, int]] = []
        for day, spans in enumerate(days):
            for s, e, _, _ in spans:
                a, b = day * DAY_US + s, day * DAY_US + e
                if b > WEEK_US:  # Sunday's night shift, into next Monday
                    raw.append((0, b - WEEK_US))
                    b = WEEK_US
                raw.append((a, b))
        self.starts, self.ends, self.cum_end, self.total = merged(raw)

    def upto(self, wall: int) -> int:
        """Business microseconds of the weekly hours before *wall*, from a fixed origin.

        *wall* is wall-clock time in microseconds since 1970-01-01 00:00; the difference
        of two values is the business time between two wall times.
        """
        weeks, p = divmod(wall + _MONDAY, WEEK_US)
        i = bisect_right(self.starts, p) - 1
        if i < 0:
            return weeks * self.total
        end = self.ends[i]
        return weeks * self.total + self.cum_end[i] - (end - p if p < end else 0)


def keep(cache: dict[_K, _V], key: _K, value: _V, limit: int) -> None:
    """Store *value* in *cache*, dropping the oldest entries beyond *limit*.

    A plain dict (its ``get`` is twice as fast as an OrderedDict's) keeps insertion order.
    """
    cache[key] = value
    while len(cache) > limit:
        try:
            del cache[next(iter(cache))]
        except (KeyError, RuntimeError, StopIteration):  # another thread changed it meanwhile
            break


def long_block_weeks(days: tuple[tuple[Span, ...], ...]) -> int:
    """Weeks in a long block: as many as hold about `BLOCK_INTERVALS` weekly intervals."""
    weekly = sum(len(spans) for spans in days)
    return max(1, min(MAX_BLOCK_WEEKS, BLOCK_INTERVALS // weekly))


class BlockIndex:
    """The blocks of one calendar: listed on demand, counted without a list where possible.

    Its caches (listed blocks, block totals, the business time around an offset change)
    are bounded and first in, first out; they never change a result, since a block listed
    again, or counted instead of listed, gives the same numbers. Two threads that compute
    the same entry at once store equal values.

    A calendar starts with blocks of `SMALL_BLOCK_WEEKS` (cheap to list, so a new calendar
    answers its first call in microseconds), and once that index has done `OUTGROW_AFTER`
    units of work (a block listed, a stretch measured, a walk across blocks) swaps in an
    index of long blocks (`grown`), which share the zone's changes and the counted
    stretches. An index of short blocks lists a block to count it (`total`) unless
    it has read the zone's changes already, which costs more than a listing.
    """

    __slots__ = (
        "_changes",
        "_changes_read",
        "_last_near",
        "_special_ords",
        "_week",
        "arounds",
        "block_us",
        "blocks",
        "breaks",
        "days",
        "far",
        "max_block",
        "min_block",
        "outgrow_after",
        "reach",
        "regular_total",
        "special",
        "totals",
        "weekly_total",
        "weeks",
        "work",
        "zone",
    )

    def __init__(
        self,
        zone: ZoneInfo,
        days: tuple[tuple[Span, ...], ...],
        special: dict[int, tuple[Span, ...]],
        breaks: dict[int, tuple[Span, ...]] | None = None,
        *,
        weeks: int | None = None,
        reach: Reach | None = None,
    ) -> None:
        self.zone = zone
        self.days = days
        self.special = special
        self.breaks = breaks or {}
        self._special_ords: list[int] | None = None  # sorted on first use (see special_ords)
        # reach: the calendar's, if it knows it (it saves a look at every holiday).
        self.reach = reach or reach_of(days, special.values(), self.breaks.values())
        weekly = weekly_total = 0
        for spans in days:
            weekly += len(spans)
            for span in spans:
                weekly_total += span[1] - span[0]
        long_weeks = max(1, min(MAX_BLOCK_WEEKS, BLOCK_INTERVALS // weekly))
        if weeks is None:  # a new calendar's: short blocks first, if long ones are longer
            weeks = min(SMALL_BLOCK_WEEKS, long_weeks)
        self.weeks = weeks
        self.outgrow_after = OUTGROW_AFTER if weeks < long_weeks else None
        self.work = 0  # blocks listed, stretches measured and walks across blocks made
        self.block_us = weeks * WEEK_US
        self.min_block = MIN_US // self.block_us
        self.max_block = MAX_US // self.block_us
        self.blocks: dict[int, Block] = {}
        self.totals: dict[int, int] = {}
        # The business time around an offset change, by the change's phase in the week, the
        # offsets before and after it and where it comes from (see _around).
        self.arounds: dict[tuple[int, int, int, str], int] = {}
        # The weekly hours are disjoint (the calendar checks), so a week holds their sum.
        self.weekly_total = weekly_total
        self._week: WeekTable | None = None  # built on first use (see week)
        # The business time of a block where the weekly hours repeat: no change, no holiday.
        self.regular_total = weeks * self.weekly_total
        # Business time beyond which a walk counts spans of blocks (skip_forward) rather
        # than summing block totals one by one, which are kept for the next walk.
        self.far = _FEW_BLOCKS * self.regular_total
        self._changes: ZoneChanges | None = None
        self._changes_read = False
        self._last_near: tuple[int | None, tuple[int, int, int | None]] = (None, (0, 0, None))

    @property
    def special_ords(self) -> list[int]:
        """The ordinals of the holidays, exceptions and breaks, sorted."""
        ords = self._special_ords
        if ords is None:
            ords = self._special_ords = sorted(self.special.keys() | self.breaks.keys())
        return ords

    @property
    def week(self) -> WeekTable:
        """The weekly hours as one periodic table (built on first use)."""
        week = self._week
        if week is None:
            week = self._week = WeekTable(self.days)
        return week

    @property
    def outgrown(self) -> bool:
        """Has this index of short blocks done enough work to swap in long ones?"""
        limit = self.outgrow_after
        return limit is not None and self.work >= limit

    def grown(self) -> BlockIndex:
        """An index of long blocks for the same calendar, sharing what does not depend on
        the length of a block: the zone's changes and the counted stretches around them."""
        weeks = long_block_weeks(self.days)
        index = BlockIndex(
            self.zone, self.days, self.special, self.breaks, weeks=weeks, reach=self.reach
        )
        index._changes, index._changes_read = self._changes, self._changes_read
        index.arounds = self.arounds
        index._week = self._week
        return index

    def listing(self, lo: int, hi: int) -> Block:
        """The open intervals in [*lo*, *hi*) (see `build_range`)."""
        return build_range(lo, hi, self.zone, self.days, self.special, self.breaks, self.reach)

    def opens_on(self, ordinal: int) -> bool:
        """Is the date *ordinal* a business day (see `opens_on`)?"""
        return opens_on(ordinal, self.zone, self.days, self.special, self.breaks)

    # -- listing ---------------------------------------------------------------------

    def block(self, index: int) -> Block:
        """Block *index*, listed (from the cache if it is there)."""
        return self.blocks.get(index) or self.build(index)

    def build(self, index: int) -> Block:
        """List block *index* and keep it."""
        self._check(index)
        lo = index * self.block_us
        block = self.listing(lo, lo + self.block_us)
        keep(self.blocks, index, block, MAX_BLOCKS_KEPT)
        keep(self.totals, index, block[3], MAX_TOTALS_KEPT)
        self.work += 1
        return block

    def _check(self, index: int) -> None:
        if not self.min_block <= index <= self.max_block:
            raise OverflowError("business time runs outside the years a calendar supports (1-9999)")

    # -- counting --------------------------------------------------------------------

    def total(self, index: int) -> int:
        """The business time in block *index*, counted without listing it if need be."""
        block = self.blocks.get(index)
        if block is not None:
            return block[3]
        known = self.totals.get(index)
        if known is None:
            if self.outgrow_after is not None and not self._changes_read:
                return self.build(index)[3]  # a short block lists faster than the zone reads
            self._check(index)
            lo = index * self.block_us
            known = self.measure(lo, lo + self.block_us)
            keep(self.totals, index, known, MAX_TOTALS_KEPT)
        return known

    def sum_totals(self, first: int, stop: int) -> int:
        """The business time in blocks *first* to *stop* (excluded)."""
        if stop - first <= _FEW_BLOCKS:
            return sum(self.total(index) for index in range(first, stop))
        # Counted in one go, so that no stretch around a change is cut at a block's edge.
        return self.measure(first * self.block_us, stop * self.block_us)

    def skip_forward(self, index: int, target: int) -> tuple[int, int]:
        """Skip the blocks from *index* on while their business time stays below *target*.

        Returns the first block not skipped and what is left of *target*. Spans of blocks
        are counted, as many as the weekly hours say *target* needs (doubling while that
        is too few, halving when too many), so a few counts cover the distance, each a step
        per offset change or special date in it.
        """
        block_us, per_block = self.block_us, self.regular_total
        span = max(1, target // per_block)
        while span:
            stop = min(index + span, self.max_block)
            if stop <= index:
                break
            business = self.measure(index * block_us, stop * block_us)
            if business < target:
                target -= business
                index = stop
                span = max(1, min(2 * span, target // per_block))
            else:
                span //= 2
        return index, target

    def skip_backward(self, index: int, target: int) -> tuple[int, int]:
        """Skip the blocks before *index* while their business time stays below -*target*.

        Returns the earliest block skipped (or *index*) and *target* plus what was skipped.
        """
        block_us, per_block = self.block_us, self.regular_total
        span = max(1, -target // per_block)
        while span:
            start = max(index - span, self.min_block)
            if start >= index:
                break
            business = self.measure(start * block_us, index * block_us)
            if business < -target:
                target += business
                index = start
                span = max(1, min(2 * span, -target // per_block))
            else:
                span //= 2
        return index, target

    def measure(self, lo: int, hi: int) -> int:
        """The business time in [*lo*, *hi*): by weeks where they repeat, listed elsewhere."""
        self.work += 1
        total, x = 0, lo
        start, end, change = self._window(x)
        while x < hi:
            if end <= x:
                start, end, change = self._window(x)
            if start > x:
                y = min(start, hi)
                c = self._one_offset(x, y)
                if c is not None:
                    total += self.week.upto(y + c) - self.week.upto(x + c)
                else:  # the zone disagrees with the changes read: list, to be exact
                    total += self.listing(x, y)[3]
            else:
                y = min(end, hi)
                if change is not None and start == x and end == y:
                    total += self._around(change)
                else:
                    total += self.listing(x, y)[3]
            x = y
        return total

    def _around(self, change: int) -> int:
        """The business time within `_NEAR_CHANGE` of *change*, alone in its stretch.

        Alone, the stretch's intervals follow from the weekly hours, the change's phase in
        the week and the offsets before and after it: a change that recurs (the rule's,
        every year on the same weekday and time; the file's, often) shifts the stretch by
        whole weeks, so its business time is computed once per phase, offsets and kind.
        """
        lo, hi = change - _NEAR_CHANGE, change + _NEAR_CHANGE
        changes = self._changes
        kind = None if changes is None else changes.kind(change)
        if kind is None:
            return self.listing(lo, hi)[3]
        key = (change % WEEK_US, self._offset(lo), self._offset(hi - 1), kind)
        known = self.arounds.get(key)
        if known is None:
            known = self.listing(lo, hi)[3]
            keep(self.arounds, key, known, MAX_TOTALS_KEPT)
        return known

    def _offset(self, u: int) -> int:
        offset = datetime.fromtimestamp(u // US, self.zone).utcoffset()
        return 0 if offset is None else offset // ONE_US

    def _one_offset(self, lo: int, hi: int) -> int | None:
        """The zone's offset if it shows one at both ends and the middle of [*lo*, *hi*)."""
        c = self._offset(lo)
        return c if self._offset(hi - 1) == c and self._offset((lo + hi) // 2) == c else None

    def _window(self, x: int) -> tuple[int, int, int | None]:
        """The first stretch ending after *x* where intervals must be listed, merged.

        Also the offset change it is around, if it is around one change and nothing else.
        """
        stop = (self.max_block + 2) * self.block_us
        if self._zone_changes() is None:  # every block listed, one at a time
            return x, min(x + self.block_us, stop), None
        start, end, change = self._near(x)
        while end < stop:
            after, later, _ = self._near(end)
            if after > end:
                break
            end, change = max(end, later), None
        if change is not None:
            # A special date's stretch is shorter than a change's, so it may lie inside.
            ords = self.special_ords
            k = bisect_left(ords, (start - _NEAR_CHANGE) // DAY_US + EPOCH_ORD)
            if k < len(ords) and (ords[k] - EPOCH_ORD) * DAY_US < end + _NEAR_CHANGE:
                change = None
        return start, end, change

    def _near(self, x: int) -> tuple[int, int, int | None]:
        """The earliest-starting stretch to list (one change, date or end) ending after *x*,
        and the change it is around, if it is a change's."""
        last_x, last = self._last_near  # one pair, so that threads read a matching one
        if x == last_x:
            return last
        if x < MIN_US + _NEAR_END:
            return (self.min_block - 1) * self.block_us, MIN_US + _NEAR_END, None
        best: tuple[int, int, int | None] = (
            MAX_US - _NEAR_END,
            (self.max_block + 2) * self.block_us,
            None,
        )
        changes = self._changes
        assert changes is not None  # _window asked for them
        change = changes.next_after(x - _NEAR_CHANGE)
        if change is not None and change - _NEAR_CHANGE < best[0]:
            best = (change - _NEAR_CHANGE, change + _NEAR_CHANGE, change)
        ords = self.special_ords
        k = bisect_right(ords, (x - _SPECIAL_AFTER) // DAY_US + EPOCH_ORD)
        if k < len(ords):
            wall = (ords[k] - EPOCH_ORD) * DAY_US
            if wall - _SPECIAL_BEFORE < best[0]:
                best = (wall - _SPECIAL_BEFORE, wall + _SPECIAL_AFTER, None)
        self._last_near = (x, best)  # measure asks again for the end of the stretch it lists
        return best

    def _zone_changes(self) -> ZoneChanges | None:
        if not self._changes_read:
            self._changes = load_changes(self.zone)
            self._changes_read = True
        return self._changes

    # -- looking back ----------------------------------------------------------------

    def block_before_special(self, index: int) -> int | None:
        """The block where the effect of the last special date before block *index* ends.

        On a round-the-clock calendar only holidays and exceptions close it, and a
        special date acts on the shifts starting that day, so on at most two local days.
        """
        first_day = local_ordinal(max(index * self.block_us, MIN_US), self.zone)
        k = bisect_right(self.special_ords, first_day)
        if k == 0:
            return None
        ordinal = self.special_ords[k - 1]
        effect_end = (ordinal + 3 - EPOCH_ORD) * DAY_US  # two days on, plus any UTC offset
        before = min(effect_end // self.block_us, index - 1)
        return before if before >= self.min_block else None
