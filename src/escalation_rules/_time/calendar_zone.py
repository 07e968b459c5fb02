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
"""

from __future__ import annotations

import importlib
from bisect import bisect_right
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

from .calendar_spec import DAY_US, US

_EPOCH_ORD: Final = date(1970, 1, 1).toordinal()

# A rule's change closer than this to the turn of its year is one that zoneinfo, which reads
# a rule with the year of the wall time, may apply on one side of the turn only.
_NEAR_NEW_YEAR: Final = 8 * DAY_US

_LAST_YEAR: Final = 9999

_YEARS_KEPT: Final = 16

_ONE_US: Final = timedelta(microseconds=1)


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
    ordinal = u // DAY_US + _EPOCH_ORD
    return date.fromordinal(min(max(ordinal, 1), date.max.toordinal())).year


def _new_year_us(year: int) -> int:
    return (date(year, 1, 1).toordinal() - _EPOCH_ORD) * DAY_US


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
        said = [info.utcoff // _ONE_US for info in pure._ttinfos]
        after = pure._tz_after
        if isinstance(after, pure_zoneinfo._ttinfo):
            changes = ZoneChanges(explicit)
        elif isinstance(after, pure_zoneinfo._TZStr):
            rule: Callable[[int], tuple[int, int]] = after.transitions
            offsets = (after.std.utcoff // _ONE_US, after.dst.utcoff // _ONE_US)
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
