"""Where a time zone's UTC offset may change, so that a calendar knows where its weeks repeat.

Between two changes of its zone's UTC offset, and away from holidays and exceptions, a
calendar's opening hours repeat every week, so the business time of a long stretch is
arithmetic (`escalation_rules._time.calendar_index`). This module lists those changes as
UTC epoch microseconds: the transitions written in the zone's tz database file, then, for
the years after them, the two yearly changes of the file's rule (its POSIX TZ string).

The changes come from `zoneinfo`'s own reader of the same file
(``zoneinfo._zoneinfo.ZoneInfo.no_cache``, the pure-Python twin of the C class, which reads
the file through the same helpers). That reader is private to the standard library, so
`load_changes` trusts nothing it returns: any surprise gives ``None``, and the calendar then
treats every instant as near a change (it lists every interval, as it did before it knew
about weeks), slower but with the same answers. The calendar also reads the real zone's
offset at both ends and the middle of every stretch it counts by weeks, and lists the
intervals of a stretch where those disagree.

A list of changes may hold more than the real ones (a transition that changes only the
zone's abbreviation, the turn of a year in a rule whose change lies near it): an extra
change only costs a closer look, never a different answer.

The module also maps a calendar's wall-clock hours through its zone: `build_range` lists
the open intervals of a stretch of UTC time (opening hours less breaks), and `opens_on`
says whether a date's own hours open at all (a business day).
"""

from __future__ import annotations

import importlib
from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Final, TypeAlias, cast

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

from .calendar_spec import DAY_US, US, Span

Block: TypeAlias = tuple[list[int], list[int], list[int], int]
"""One block: the starts and ends of its open intervals, their running sums, its total."""

ONE_US: Final = timedelta(microseconds=1)

UNIX_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

EPOCH_ORD: Final = UNIX_EPOCH.toordinal()

# A few days' margin inside datetime's range, so local dates and offsets never overflow.
FIRST_ORD: Final = date(1, 1, 4).toordinal()

LAST_ORD: Final = date(9999, 12, 28).toordinal()

MIN_US: Final = (FIRST_ORD - EPOCH_ORD) * DAY_US

MAX_US: Final = (LAST_ORD - EPOCH_ORD) * DAY_US

# A rule's change closer than this to the turn of its year is one that zoneinfo, which reads
# a rule with the year of the wall time, may apply on one side of the turn only.
_NEAR_NEW_YEAR: Final = 8 * DAY_US

_LAST_YEAR: Final = 9999

_YEARS_KEPT: Final = 16


class ZoneChanges:
    """The instants (UTC epoch microseconds) at which a zone's UTC offset may change."""

    __slots__ = ("_explicit", "_rule", "_rule_dst", "_rule_std", "_years")

    def __init__(
        self,
        explicit: list[int],
        rule: Callable[[int], tuple[int, int]] | None = None,
        offsets: tuple[int, int] = (0, 0),
    ) -> None:
        # explicit: the file's transitions, sorted; rule: year -> the local-time seconds of
        # its two changes (the first in standard time, the second in daylight time), for
        # the years after the last explicit transition; offsets: those two UTC offsets.
        self._explicit = explicit
        self._rule = rule
        self._rule_std, self._rule_dst = offsets
        self._years: dict[int, list[int]] = {}  # the rule's changes by year, a small cache

    def kind(self, change: int) -> str | None:
        """Where *change* comes from: ``"file"`` or ``"rule"``; None for the turn of a year
        listed only because the rule changes near it (see `_rule_changes`).

        Around a change of either kind, alone within days, the zone's offset at each wall
        time follows from the change's instant and the offsets before and after it.
        """
        if self._rule is None or (self._explicit and change <= self._explicit[-1]):
            return "file"
        year = self._rule_changes(_year(change))
        return "rule" if len(year) == 2 and change in year else None

    def next_after(self, u: int) -> int | None:
        """The first instant after *u* at which the offset may change; None if it never does."""
        explicit = self._explicit
        i = bisect_right(explicit, u)
        if i < len(explicit):
            return explicit[i]
        if self._rule is None:
            return None
        year = _year(max(u, explicit[-1]) if explicit else u) - 1
        while year <= _LAST_YEAR:
            for change in self._rule_changes(max(year, 1)):
                if change > u:
                    return change
            year += 1
        return None

    def _rule_changes(self, year: int) -> list[int]:
        known = self._years.get(year)
        if known is None:
            if len(self._years) >= _YEARS_KEPT:
                self._years.clear()
            known = self._years[year] = self._compute_rule_changes(year)
        return known

    def _compute_rule_changes(self, year: int) -> list[int]:
        rule = self._rule
        assert rule is not None  # only called in the rule's years
        start, end = rule(year)
        changes = [start * US - self._rule_std, end * US - self._rule_dst]
        new_year = _new_year_us(year)
        next_new_year = _new_year_us(year + 1) if year < _LAST_YEAR else new_year + 366 * DAY_US
        local = (start * US, end * US)
        if min(local) < new_year + _NEAR_NEW_YEAR or max(local) > next_new_year - _NEAR_NEW_YEAR:
            changes += [new_year - self._rule_std, next_new_year - self._rule_std]
        return sorted(changes)


def _year(u: int) -> int:
    ordinal = u // DAY_US + EPOCH_ORD
    return date.fromordinal(min(max(ordinal, 1), date.max.toordinal())).year


def _new_year_us(year: int) -> int:
    return (date(year, 1, 1).toordinal() - EPOCH_ORD) * DAY_US


def load_changes(zone: ZoneInfo) -> ZoneChanges | None:
    """The changes of *zone*, or None if they cannot be read with confidence."""
    try:
        # On first use, and private: see the module's docstring.
        pure_zoneinfo = importlib.import_module("zoneinfo._zoneinfo")
        pure = pure_zoneinfo.ZoneInfo.no_cache(zone.key)
        explicit = [int(t) * US for t in pure._trans_utc]
        if any(a >= b for a, b in pairwise(explicit)):
            return None
        # The offset after each transition, as the file says, for _agrees.
        said = [info.utcoff // ONE_US for info in pure._ttinfos]
        after = pure._tz_after
        if isinstance(after, pure_zoneinfo._ttinfo):
            changes = ZoneChanges(explicit)
        elif isinstance(after, pure_zoneinfo._TZStr):
            rule: Callable[[int], tuple[int, int]] = after.transitions
            offsets = (after.std.utcoff // ONE_US, after.dst.utcoff // ONE_US)
            changes = ZoneChanges(explicit, rule, offsets)
        else:
            return None
        return changes if _agrees(changes, said, zone) else None
    except Exception:  # a private reader: any failure means "unknown"
        return None


def _agrees(changes: ZoneChanges, said: list[int], zone: ZoneInfo) -> bool:
    """Does *zone* itself show the offsets read, a second before and at some changes read?

    Sixteen of the file's transitions, and the rule's changes in two of its years.
    """

    def shows(u: int, before: int, after: int) -> bool:
        offsets = [datetime.fromtimestamp(s, zone).utcoffset() for s in (u // US - 1, u // US)]
        return offsets == [timedelta(microseconds=before), timedelta(microseconds=after)]

    explicit = changes._explicit
    count = len(explicit)
    for i in sorted({*range(1, count, max(1, count // 16)), count - 1} if count > 1 else ()):
        if not shows(explicit[i], said[i - 1], said[i]):
            return False
    rule = changes._rule
    if rule is not None:
        std, dst = changes._rule_std, changes._rule_dst
        first = _year(explicit[-1]) + 2 if explicit else 1
        for year in (min(first, _LAST_YEAR - 1), _LAST_YEAR - 1):
            start, end = rule(year)
            if not (shows(start * US - std, std, dst) and shows(end * US - dst, dst, std)):
                return False
    return True


# -- a calendar's hours through its zone ----------------------------------------------


Reach: TypeAlias = tuple[int, int]
"""The earliest start and the latest end of a calendar's spans, after their local midnight."""

_ANY_REACH: Final = (0, 2 * DAY_US)


def reach_of(*groups: Iterable[tuple[Span, ...]]) -> Reach:
    """The `Reach` of the spans in *groups* (weekly hours, exceptions, breaks)."""
    lo, hi = 2 * DAY_US, 0
    for group in groups:
        for spans in group:
            for span in spans:
                if span[0] < lo:
                    lo = span[0]
                if span[1] > hi:
                    hi = span[1]
    return (lo, hi) if lo < hi else _ANY_REACH


def build_range(
    lo: int,
    hi: int,
    zone: ZoneInfo,
    days: tuple[tuple[Span, ...], ...],
    special: dict[int, tuple[Span, ...]],
    breaks: dict[int, tuple[Span, ...]] | None = None,
    reach: Reach = _ANY_REACH,
) -> Block:
    """The open intervals in [*lo*, *hi*), merged, with their running sums.

    *days* are the wall-clock spans of each weekday (Monday first); *special*
    maps a date's ordinal to the spans that replace its weekday's (holidays: none);
    *breaks* maps a date's ordinal to wall-clock spans closed that day, whatever is open
    then. *reach* bounds the spans (`reach_of`): the days listed are those whose spans can
    reach the range.
    """
    # A span of the day starting at wall time W lies within (W + first - 1 day,
    # W + last + 1 day) in UTC, since an offset is less than a day.
    first_s, last_e = reach
    first = max((lo - last_e) // DAY_US + EPOCH_ORD - 1, FIRST_ORD)
    last = min((hi - first_s) // DAY_US + EPOCH_ORD + 1, LAST_ORD)
    raw: list[tuple[int, int]] = []
    cuts: list[tuple[int, int]] = []
    # A ZoneInfo always has an offset, never None.
    utcoffset = cast("Callable[[datetime], timedelta]", zone.utcoffset)
    fromordinal = datetime.fromordinal
    get = special.get
    for ordinal in range(first, last + 1):
        spans = get(ordinal)
        if spans is None:
            spans = days[(ordinal - 1) % 7]  # date.fromordinal(1) is a Monday
        closed = breaks.get(ordinal) if breaks else None
        if not spans and not closed:
            continue
        # Naive wall-clock arithmetic, then the zone's offset for that wall time with
        # fold=0: a time in a DST gap moves forward, an ambiguous one is the first.
        midnight = fromordinal(ordinal)
        wall = (ordinal - EPOCH_ORD) * DAY_US
        for s, e, s_delta, e_delta in spans:
            if wall + e <= lo - DAY_US or wall + s >= hi + DAY_US:
                continue  # out of reach whatever the offset
            a = wall + s - utcoffset(midnight + s_delta) // ONE_US
            b = wall + e - utcoffset(midnight + e_delta) // ONE_US
            if a < hi and b > lo and a < b:
                raw.append((max(a, lo), min(b, hi)))
        if closed:
            for s, e, s_delta, e_delta in closed:
                a = wall + s - utcoffset(midnight + s_delta) // ONE_US
                b = wall + e - utcoffset(midnight + e_delta) // ONE_US
                if a < hi and b > lo and a < b:
                    cuts.append((a, b))
    return merged(raw, cuts)


def merged(raw: list[tuple[int, int]], cuts: list[tuple[int, int]] | None = None) -> Block:
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
    if cuts:
        starts, ends = _without(starts, ends, cuts)
    cum_end: list[int] = []
    running = 0
    for a, b in zip(starts, ends, strict=True):
        running += b - a
        cum_end.append(running)
    return (starts, ends, cum_end, running)


def _without(
    starts: list[int], ends: list[int], cuts: list[tuple[int, int]]
) -> tuple[list[int], list[int]]:
    """The sorted, disjoint intervals *starts*/*ends* less the *cuts* (in any order)."""
    cuts.sort()
    out_starts: list[int] = []
    out_ends: list[int] = []
    j, count = 0, len(cuts)
    for a, b in zip(starts, ends, strict=True):
        while j < count and cuts[j][1] <= a:
            j += 1
        x, k = a, j
        while k < count and cuts[k][0] < b:
            c, d = cuts[k]
            if c > x:
                out_starts.append(x)
                out_ends.append(c)
            x = max(x, d)
            k += 1
        if x < b:
            out_starts.append(x)
            out_ends.append(b)
    return out_starts, out_ends


def local_ordinal(u: int, zone: ZoneInfo) -> int:
    """The ordinal of the local date in *zone* at epoch microsecond *u*."""
    return datetime.fromtimestamp(u // US, zone).toordinal()


def opens_on(
    ordinal: int,
    zone: ZoneInfo,
    days: tuple[tuple[Span, ...], ...],
    special: dict[int, tuple[Span, ...]],
    breaks: dict[int, tuple[Span, ...]],
) -> bool:
    """Is the date *ordinal* a business day: do some of its own opening hours (*days*'
    of its weekday, or *special*'s) remain, mapped through *zone* and less the *breaks*
    around it?"""
    spans = special.get(ordinal)
    if spans is None:
        spans = days[(ordinal - 1) % 7]
    if not spans:
        return False
    utcoffset = cast("Callable[[datetime], timedelta]", zone.utcoffset)
    midnight = datetime.fromordinal(ordinal)
    wall = (ordinal - EPOCH_ORD) * DAY_US
    own: list[tuple[int, int]] = []
    for s, e, s_delta, e_delta in spans:
        a = wall + s - utcoffset(midnight + s_delta) // ONE_US
        b = wall + e - utcoffset(midnight + e_delta) // ONE_US
        if a < b:
            own.append((a, b))
            if not breaks:
                return True
    if not own:
        return False
    # A day's spans end before the second midnight after it; a break from the day
    # before may run into it, and the next day's may cut a night shift.
    cuts: list[tuple[int, int]] = []
    for near in range(max(ordinal - 1, FIRST_ORD), min(ordinal + 2, LAST_ORD) + 1):
        closed = breaks.get(near)
        if closed:
            day = datetime.fromordinal(near)
            near_wall = (near - EPOCH_ORD) * DAY_US
            for s, e, s_delta, e_delta in closed:
                a = near_wall + s - utcoffset(day + s_delta) // ONE_US
                b = near_wall + e - utcoffset(day + e_delta) // ONE_US
                if a < b:
                    cuts.append((a, b))
    if not cuts:
        return True
    return bool(merged(own, cuts)[0])
