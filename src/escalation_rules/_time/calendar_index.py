"""The block index of a `BusinessCalendar`: its open intervals as integer microseconds.

Time is cut into fixed blocks of 52 weeks in UTC, counted from the Unix epoch.
`build_block` computes one block from the calendar's weekly spans and its
special dates (holidays and exceptions): the open intervals mapped to UTC epoch
microseconds through the zone, merged and clipped to the block, with a running
sum of business time. The calendar keeps the blocks it has built in a cache;
see `escalation_rules._time.calendar` for the conventions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Final, TypeAlias, cast

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

from .calendar_spec import DAY_US, US, WEEK_US, Span

Block: TypeAlias = tuple[list[int], list[int], list[int], int]
"""One block: the starts and ends of its open intervals, their running sums, its total."""

BLOCK_US: Final = 52 * WEEK_US

ONE_US: Final = timedelta(microseconds=1)

UNIX_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

EPOCH_ORD: Final = UNIX_EPOCH.toordinal()

# A few days' margin inside datetime's range, so local dates and offsets never overflow.
FIRST_ORD: Final = date(1, 1, 4).toordinal()

LAST_ORD: Final = date(9999, 12, 28).toordinal()

MIN_US: Final = (FIRST_ORD - EPOCH_ORD) * DAY_US

MAX_US: Final = (LAST_ORD - EPOCH_ORD) * DAY_US

MIN_BLOCK: Final = MIN_US // BLOCK_US

MAX_BLOCK: Final = MAX_US // BLOCK_US


def build_block(
    index: int,
    zone: ZoneInfo,
    days: tuple[tuple[Span, ...], ...],
    special: dict[int, tuple[Span, ...]],
) -> Block:
    """Compute block *index*: its merged open intervals and their running sums.

    *days* are the wall-clock spans of each weekday (Monday first); *special*
    maps a date's ordinal to the spans that replace its weekday's (holidays: none).
    """
    if not MIN_BLOCK <= index <= MAX_BLOCK:
        raise OverflowError("business time runs outside the years a calendar supports (1-9999)")
    lo = index * BLOCK_US
    hi = lo + BLOCK_US
    # A shift ends less than two days after the midnight it starts from; a day more
    # on each side covers offsets that jump by a whole day (Samoa skipped 2011-12-30).
    first = max(local_ordinal(max(lo, MIN_US), zone) - 3, FIRST_ORD)
    last = min(local_ordinal(min(hi, MAX_US), zone) + 2, LAST_ORD)
    raw: list[tuple[int, int]] = []
    # A ZoneInfo always has an offset, never None.
    utcoffset = cast("Callable[[datetime], timedelta]", zone.utcoffset)
    fromordinal = datetime.fromordinal
    for ordinal in range(first, last + 1):
        spans = special.get(ordinal)
        if spans is None:
            spans = days[(ordinal - 1) % 7]  # date.fromordinal(1) is a Monday
        if not spans:
            continue
        # Naive wall-clock arithmetic, then the zone's offset for that wall time with
        # fold=0: a time in a DST gap moves forward, an ambiguous one is the first.
        midnight = fromordinal(ordinal)
        wall = (ordinal - EPOCH_ORD) * DAY_US
        for s, e, s_delta, e_delta in spans:
            a = wall + s - utcoffset(midnight + s_delta) // ONE_US
            b = wall + e - utcoffset(midnight + e_delta) // ONE_US
            if a < hi and b > lo and a < b:
                raw.append((max(a, lo), min(b, hi)))
    raw.sort()
    starts: list[int] = []
    ends: list[int] = []
    for a, b in raw:
        if ends and a <= ends[-1]:
            if b > ends[-1]:
                ends[-1] = b
        else:
            starts.append(a)
            ends.append(b)
    cum_end: list[int] = []
    running = 0
    for a, b in zip(starts, ends, strict=True):
        running += b - a
        cum_end.append(running)
    return (starts, ends, cum_end, running)


def local_ordinal(u: int, zone: ZoneInfo) -> int:
    """The ordinal of the local date in *zone* at epoch microsecond *u*."""
    return datetime.fromtimestamp(u // US, zone).toordinal()


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
