"""Business calendars: opening hours, holidays and exact business-time arithmetic.

A `BusinessCalendar` says when a team is at work, in one IANA time zone: weekly opening
hours, closed holidays, dated exceptions and dated breaks. It adds and subtracts business
time, measures it between two instants, counts business days, and finds the next opening
and the previous closing (the methods of `escalation_rules._time.calendar_arithmetic`).
`BusinessClock` plugs a calendar into a `Policy` so that SLA targets count business time.

Conventions (docs/calendars.md, "Conventions", shows each; `Boundaries` lets a host that
migrates from another system choose that system's at the edges of the opening hours):

* **Half-open intervals.** ``09:00-17:00`` is open from 09:00 inclusive to 17:00 exclusive.
* **Night shifts.** An interval whose end is at or before its start crosses midnight and
  belongs to the day it starts on; ``("00:00", "00:00")`` is the whole day.
* **Holidays and exceptions act on the shifts that start on that date** (a night shift
  from the evening before still runs into a holiday's morning); an exception wins over a
  holiday. A break closes the wall-clock times it names on its date, whatever is open.
* **Landing on a closing.** Business time that runs out exactly at a closing ends there:
  09:00 + 8 h on a 09:00-17:00 day is 17:00 that day ("by the end of business today");
  `subtract` mirrors this. ``add(t, timedelta(0))`` is *t*, even when closed.
* **Exactness.** Everything is integer microseconds: ``between(t, add(t, d)) == d`` for
  every instant *t* and duration *d* (every *d* >= 0 under any `Boundaries`), and ``add``
  is monotonic in *d*.
* **DST.** Opening hours are wall-clock times mapped as `zoneinfo` does with ``fold=0``: a
  time in the spring-forward gap moves forward by the gap, a repeated time is its first
  occurrence, and an interval across a change counts the real time that elapses.

Supported instants lie between the years 1 and 9999, with a few days' margin at each end;
beyond it an `OverflowError` is raised. The caches are the only state, and bounded: at most
32 listed blocks, 1,024 block totals and 8 calendars made by `in_zone`, the oldest dropped
first. A result never depends on what they hold, two threads that fill the same entry at
once store equal values, and equality, hashing, pickling and ``repr`` ignore them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

import attrs

from .._exceptions import CalendarError
from .._suggest import did_you_mean
from .calendar_arithmetic import CalendarArithmetic
from .calendar_arithmetic import duration_us as duration_us
from .calendar_arithmetic import instant_us as instant_us
from .calendar_index import BlockIndex, keep
from .calendar_spec import (
    DAY_US,
    MIDNIGHT,
    DatedHours,
    DateLike,
    Pair,
    Span,
    check_exception_neighbours,
    dated_breaks,
    dated_exceptions,
    group_week,
    holiday_dates,
    show_time,
    tz_name,
    wall_span,
    weekly_hours,
    zone_info,
)
from .calendar_zone import reach_of

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

MAX_ZONES_KEPT: Final = 8
"""Calendars made by `BusinessCalendar.in_zone` that a calendar keeps for the next call."""

# -- boundary conventions -----------------------------------------------------------------

Landing: TypeAlias = Literal["closing", "next_opening"]
Zero: TypeAlias = Literal["instant", "next_opening"]
Reversed: TypeAlias = Literal["negative", "zero", "absolute"]

_LANDINGS: Final = ("closing", "next_opening")
_ZEROS: Final = ("instant", "next_opening")
_REVERSED: Final = ("negative", "zero", "absolute")


def _choice(options: tuple[str, ...], what: str) -> Callable[[object, object, object], None]:
    def check(_instance: object, _attribute: object, value: object) -> None:
        if value not in options:
            shown = ", ".join(repr(o) for o in options)
            raise CalendarError(
                f"{value!r} is not a convention for {what}; choose one of {shown}",
                where=f"boundaries.{what}",
                value=value,
                suggestion=did_you_mean(value, options) if isinstance(value, str) else None,
            )

    return check


@attrs.frozen
class Boundaries:
    """How a calendar's sums and differences treat the edges of its opening hours.

    Each setting reproduces a choice other business-time systems make; the default of each
    is this library's own (the ``"exact"`` preset). See docs/calendars.md, "Boundary
    conventions".

    Args:
        landing: where `BusinessCalendar.add` of a positive duration ends when the business
            time runs out exactly at a closing: ``"closing"`` (that instant) or
            ``"next_opening"`` (the instant the calendar opens again).
        zero: what adding a zero duration returns when the calendar is closed at the start:
            ``"instant"`` (the start) or ``"next_opening"``.
        reversed: what `BusinessCalendar.between` returns when its second instant is before
            the first: ``"negative"`` (minus the business time from the second to the
            first), ``"zero"`` or ``"absolute"`` (the business time between them, positive).
    """

    landing: Landing = attrs.field(default="closing", validator=_choice(_LANDINGS, "landing"))
    zero: Zero = attrs.field(default="instant", validator=_choice(_ZEROS, "zero"))
    reversed: Reversed = attrs.field(default="negative", validator=_choice(_REVERSED, "reversed"))

    @classmethod
    def preset(cls, name: str) -> Boundaries:
        """The conventions named *name*: one of `BOUNDARY_PRESETS`.

        Raises:
            CalendarError: for an unknown name, with a suggestion.
        """
        try:
            return BOUNDARY_PRESETS[name]
        except (KeyError, TypeError):
            names = sorted(BOUNDARY_PRESETS)
            raise CalendarError(
                f"{name!r} is not a boundary preset; the presets are "
                f"{', '.join(repr(n) for n in names)}, or give Boundaries(...)",
                where="boundaries",
                value=name,
                suggestion=did_you_mean(name, names) if isinstance(name, str) else None,
            ) from None

    @property
    def preset_name(self) -> str | None:
        """The name of the preset these conventions are, if any (the first such name)."""
        for name, preset in BOUNDARY_PRESETS.items():
            if preset == self:
                return name
        return None


BOUNDARY_PRESETS: Final[Mapping[str, Boundaries]] = MappingProxyType(
    {
        # This library: a sum landing on a closing ends there, zero is no time, and a
        # reversed difference is negative, so between(a, b) + between(b, c) == between(a, c).
        "exact": Boundaries(),
        # The biz gem (by Zendesk; Zammad computes its escalations with it): zero rolls
        # forward to the next opening, and the time within a reversed pair of instants is 0.
        "biz": Boundaries(zero="next_opening", reversed="zero"),
        # The business_time gem: every sum starts from the next opening; differences are signed.
        "business_time": Boundaries(zero="next_opening"),
        # pandas' BusinessHour and CustomBusinessHour: a sum that lands on a closing moves to
        # the next opening, and so does a zero offset from a closed instant.
        "pandas": Boundaries(landing="next_opening", zero="next_opening"),
        # The businesstimedelta package: zero rolls forward, and a difference is never negative.
        "businesstimedelta": Boundaries(zero="next_opening", reversed="absolute"),
    }
)
"""The named sets of boundary conventions a calendar's ``boundaries=`` accepts."""


BoundariesLike: TypeAlias = "Boundaries | str | Mapping[str, str]"
"""A preset name, a `Boundaries`, or its settings by name (``{"landing": "next_opening"}``)."""


def boundaries(value: BoundariesLike) -> Boundaries:
    """The ``boundaries`` input: a preset name, a `Boundaries`, or a mapping of its settings."""
    if isinstance(value, Boundaries):
        return value
    if isinstance(value, Mapping):
        settings: dict[str, Any] = dict(value)  # each setting checked by its validator
        names = [field.name for field in attrs.fields(Boundaries)]
        for key in settings:
            if key not in names:
                raise CalendarError(
                    f"{key!r} is not a boundary setting; the settings are "
                    f"{', '.join(repr(n) for n in names)}",
                    where="boundaries",
                    value=key,
                    suggestion=did_you_mean(key, names) if isinstance(key, str) else None,
                )
        return Boundaries(**settings)
    return Boundaries.preset(value)  # refused there if not a str


_EXACT: Final = Boundaries()


@attrs.frozen(repr=False)
class BusinessCalendar(CalendarArithmetic):
    """Opening hours in one time zone, with holidays, dated exceptions and dated breaks.

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
        breaks: date -> intervals closed that date (a lunch closed on
            24 December): they are taken out of whatever is open then, the
            weekly hours, an exception or a night shift from the day before.
            An interval with ``end <= start`` runs into the next day.
        boundaries: the conventions at the edges of the opening hours: the
            name of a preset (`BOUNDARY_PRESETS`: ``"exact"``, the default,
            ``"biz"``, ``"business_time"``, ``"pandas"`` or
            ``"businesstimedelta"``), a `Boundaries`, or a mapping of the
            settings that differ from ``"exact"`` (``{"landing": "next_opening"}``).
        name: a label for messages and ``repr``.

    Raises:
        CalendarError: for an unknown zone, weekday, preset or setting, a
            malformed time or date, overlapping intervals or breaks, more than
            96 intervals or breaks on one day, or a week with no opening hours.
    """

    tz: str = attrs.field(converter=tz_name)
    hours: tuple[tuple[Pair, ...], ...] = attrs.field(converter=weekly_hours)
    holidays: frozenset[date] = attrs.field(default=(), converter=holiday_dates, kw_only=True)
    exceptions: tuple[tuple[date, tuple[Pair, ...]], ...] = attrs.field(
        default=None, converter=dated_exceptions, kw_only=True
    )
    name: str = attrs.field(default="", kw_only=True)
    breaks: tuple[tuple[date, tuple[Pair, ...]], ...] = attrs.field(
        default=None, converter=dated_breaks, kw_only=True
    )
    boundaries: Boundaries = attrs.field(default=_EXACT, converter=boundaries, kw_only=True)

    _zone: ZoneInfo = attrs.field(init=False, eq=False, repr=False)
    # The block index; replaced once by one of long blocks (see BlockIndex.grown). Every
    # call reads it once, so that it works on one index throughout.
    _index: BlockIndex = attrs.field(init=False, eq=False, repr=False)
    _round_the_clock: bool | None = attrs.field(init=False, eq=False, repr=False)
    _weekly_cap: int = attrs.field(init=False, eq=False, repr=False)
    _extra_cap: int = attrs.field(init=False, eq=False, repr=False)  # -1 until computed
    _lands_on_opening: bool = attrs.field(init=False, eq=False, repr=False)
    _zero_rolls: bool = attrs.field(init=False, eq=False, repr=False)
    _reversed: str = attrs.field(init=False, eq=False, repr=False)
    _zones: dict[str, BusinessCalendar] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise CalendarError(
                f"a calendar's name must be a string, got {self.name!r}",
                where="name",
                value=self.name,
            )
        self._prepare()
        if self.exceptions:
            check_exception_neighbours(self.hours, self.holidays, self.exceptions)

    def _prepare(self) -> None:
        """Set up the derived state from the (checked) definition."""
        setattr_ = object.__setattr__
        setattr_(self, "_zone", zone_info(self.tz))  # tz is a checked zone name by now
        spans: dict[int, tuple[Span, ...]] = {}  # days with equal hours share their spans
        days = []
        for pairs in self.hours:
            known = spans.get(id(pairs))
            if known is None:
                known = spans[id(pairs)] = tuple(wall_span(pair) for pair in pairs)
            days.append(known)
        week = tuple(days)
        special: dict[int, tuple[Span, ...]] = dict.fromkeys(
            [d.toordinal() for d in self.holidays], ()
        )
        dated = []
        for day, pairs in self.exceptions:
            dated.append(tuple(wall_span(pair) for pair in pairs))
            special[day.toordinal()] = dated[-1]
        cuts = {}
        for day, pairs in self.breaks:
            dated.append(tuple(wall_span(pair) for pair in pairs))
            cuts[day.toordinal()] = dated[-1]
        reach = reach_of(spans.values(), dated)
        index = BlockIndex(self._zone, week, special, cuts, reach=reach)
        setattr_(self, "_index", index)
        setattr_(self, "_round_the_clock", None)  # computed on first use
        # Upper bounds on business time, to refuse a hopeless walk up front: a week
        # holds its wall-clock hours plus at most a day of DST slack, and each
        # exception at most its own intervals.
        setattr_(self, "_weekly_cap", index.weekly_total + DAY_US)
        setattr_(self, "_extra_cap", -1)  # computed on first use (see _check_reachable)
        conventions = self.boundaries
        setattr_(self, "_lands_on_opening", conventions.landing == "next_opening")
        setattr_(self, "_zero_rolls", conventions.zero == "next_opening")
        setattr_(self, "_reversed", conventions.reversed)
        setattr_(self, "_zones", {})

    @classmethod
    def always(
        cls,
        tz: str = "UTC",
        *,
        holidays: Iterable[DateLike] = (),
        exceptions: DatedHours | None = None,
        breaks: DatedHours | None = None,
        boundaries: BoundariesLike = _EXACT,
        name: str = "24/7",
    ) -> BusinessCalendar:
        """A calendar open around the clock, every day (less any holidays and breaks)."""
        return cls(
            tz,
            {"mon-sun": [(MIDNIGHT, MIDNIGHT)]},
            holidays=holidays,
            exceptions=exceptions,
            breaks=breaks,
            boundaries=boundaries,
            name=name,
        )

    def in_zone(self, tz: str | ZoneInfo) -> BusinessCalendar:
        """This calendar read in the zone *tz*: the same weekly hours, holidays, exceptions,
        breaks and conventions, as wall-clock times there.

        Cheap to call again: a calendar keeps the last `MAX_ZONES_KEPT` it made, with their
        caches, and returns itself for its own zone.

        Raises:
            CalendarError: *tz* is not a known zone (with a suggestion).
        """
        key = tz if isinstance(tz, str) else getattr(tz, "key", None)
        if key == self.tz:
            return self
        zones = self._zones
        found = zones.get(key) if isinstance(key, str) else None
        if found is not None:
            return found
        name = tz_name(tz)
        if name == self.tz:  # another name of this zone (a link such as "US/Eastern")
            return self
        made = object.__new__(BusinessCalendar)
        setattr_ = object.__setattr__
        setattr_(made, "tz", name)
        for field in ("hours", "holidays", "exceptions", "name", "breaks", "boundaries"):
            setattr_(made, field, getattr(self, field))
        made._prepare()  # the definition was checked when this calendar was built
        if isinstance(key, str):
            keep(zones, key, made, MAX_ZONES_KEPT)
        return made

    def __reduce__(self) -> tuple[object, ...]:
        # Pickle the definition only: the block cache is rebuilt on demand.
        return (
            _restore,
            (
                self.tz,
                self.hours,
                self.holidays,
                self.exceptions,
                self.name,
                self.breaks,
                self.boundaries,
            ),
        )

    def __repr__(self) -> str:
        parts = [repr(self.tz), repr(group_week(self.hours))]
        if self.holidays:
            parts.append(f"holidays={sorted(d.isoformat() for d in self.holidays)!r}")
        if self.exceptions:
            parts.append(f"exceptions={_show_dated(self.exceptions)!r}")
        if self.breaks:
            parts.append(f"breaks={_show_dated(self.breaks)!r}")
        if self.boundaries != _EXACT:
            preset = self.boundaries.preset_name
            changed = {
                key: value
                for key, value in attrs.asdict(self.boundaries).items()
                if value != getattr(_EXACT, key)
            }
            parts.append(f"boundaries={preset or changed!r}")
        if self.name:
            parts.append(f"name={self.name!r}")
        return f"BusinessCalendar({', '.join(parts)})"


def _show_dated(
    dated: tuple[tuple[date, tuple[Pair, ...]], ...],
) -> dict[str, list[tuple[str, str]]]:
    return {d.isoformat(): [(show_time(a), show_time(b)) for a, b in pairs] for d, pairs in dated}


def _restore(
    tz: str,
    hours: tuple[tuple[Pair, ...], ...],
    holidays: frozenset[date],
    exceptions: tuple[tuple[date, tuple[Pair, ...]], ...],
    name: str,
    breaks: tuple[tuple[date, tuple[Pair, ...]], ...] = (),
    conventions: Boundaries = _EXACT,
) -> BusinessCalendar:
    """Unpickle a `BusinessCalendar` from its definition (see ``__reduce__``)."""
    return BusinessCalendar(
        tz,
        hours,  # the stored form: seven days, Monday first
        holidays=holidays,
        exceptions=exceptions,  # type: ignore[arg-type]  # the stored form
        breaks=breaks,  # type: ignore[arg-type]  # the stored form
        boundaries=conventions,
        name=name,
    )
