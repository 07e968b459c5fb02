"""Conditions that depend on the instant: time since an event, and SLA clock state.

``since(Anchor.LAST_CUSTOMER_MESSAGE) >= hours(4)`` and
``clock("resolution").breached`` and ``is_open()`` read the evaluation's instant, so
they can only be decided inside a policy's rule. Each reports, besides its value, the first
instant after now at which the value changes if no new event arrives; rules
fold that into ``next_evaluation_at``, so a host still never polls.

Comparisons are on instants. With *T* the instant at which *duration* of the
relevant time has passed (the policy's `Clock` for ``since``, the SLA clock's
own calendar for ``clock(...).elapsed``): ``>= d`` holds from *T* on, ``> d``
from just after *T* (one microsecond), ``< d`` before *T*, ``<= d`` up to and
including *T*. ``since`` an event that has not happened is false whatever the
operator; test it with ``happened(...)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._conditions.condition import All, Any_, Condition, Not, Test, TimedTest
from .._durations import format_duration, quote, require_duration
from .._exceptions import PolicyError
from .._model.anchors import ANCHOR_EVENTS, Anchor, to_anchor
from .._model.issue import summary_of
from .._suggest import did_you_mean
from .calendar import BusinessCalendar

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._engine.policy import Policy


_ONE_US: Final = timedelta(microseconds=1)

_OPS: Final = ("<", "<=", ">", ">=")

_STATES: Final = ("running", "paused", "stopped", "idle")


def _literal(text: str) -> str:
    """*text* as the condition language writes a time function's argument: in single quotes."""
    return quote(text, "'")


def _op(value: object) -> str:
    if value not in _OPS:
        raise PolicyError(
            f"a time is compared with <, <=, > or >=, not {value!r}",
            value=value,
        )
    return str(value)


def _at_instant(op: str, now: datetime, t: datetime | None) -> tuple[bool, datetime | None]:
    """The value of ``elapsed OP d`` at *now*, with *t* the instant d is reached."""
    if t is None:  # never reached without a new event
        return op in ("<", "<="), None
    flip = t if op in (">=", "<") else t + _ONE_US
    holds_after = op in (">=", ">")
    if now >= flip:
        return holds_after, None
    return not holds_after, flip


class _Timed(Condition):
    __slots__ = ()

    @property
    def timed(self) -> bool:
        return True

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        def refuse(_issue: object) -> bool:
            raise TypeError(
                f"{self!r} depends on the instant; it can only be decided in a policy's rule"
            )

        return refuse

    def clocks(self) -> Iterable[str]:
        """SLA clock names this condition reads (checked when the policy is built)."""
        return ()

    def calendars(self) -> Iterable[str]:
        """Names of the policy's calendars this condition reads (checked when it is built)."""
        return ()


@attrs.frozen(repr=False)
class Since(_Timed):
    """``since(anchor) OP duration``: time since the anchor's event, on the policy's clock."""

    anchor: Anchor = attrs.field(converter=to_anchor)
    op: str = attrs.field(converter=_op)
    duration: timedelta = attrs.field(validator=lambda _i, _a, v: require_duration(v, "since()"))
    #: How the text form writes the duration (``4h business`` on a business clock);
    #: not part of equality: the policy's clock decides how time is measured.
    business: bool = attrs.field(default=False, eq=False, kw_only=True)

    def compile_timed(self, defaults: Mapping[str, Any] | None = None) -> TimedTest:
        anchor, op, duration = self.anchor, self.op, self.duration

        def test(context: Context) -> tuple[bool, datetime | None]:
            start = context.anchor(anchor)
            if start is None:
                return False, None
            t = context.clock.deadline(context, start, duration)
            return _at_instant(op, context.now, t)

        return test

    def __repr__(self) -> str:
        return f"since({self.anchor.value!r}) {self.op} {self.duration!r}"

    def expr_text(self) -> str:
        duration = format_duration(self.duration, business=self.business)
        return f"since({_literal(self.anchor.value)}) {self.op} {duration}"


@attrs.frozen(repr=False)
class Happened(Condition):
    """``happened(anchor)``: the anchor's event is in the history (``created`` always is)."""

    anchor: Anchor = attrs.field(converter=to_anchor)

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        kind = ANCHOR_EVENTS.get(self.anchor)
        if kind is None:  # the creation and the level entry have always happened
            return lambda _issue: True
        return lambda issue: kind in summary_of(issue).last

    def __repr__(self) -> str:
        return f"happened({self.anchor.value!r})"

    def expr_text(self) -> str:
        return f"happened({_literal(self.anchor.value)})"


def _clock_name(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise PolicyError(f"clock() takes an SLA clock name, got {value!r}", value=value)
    return value


@attrs.frozen(repr=False)
class ClockElapsed(_Timed):
    """``clock(name).elapsed OP duration``: counted time of the current cycle."""

    clock: str = attrs.field(converter=_clock_name)
    op: str = attrs.field(converter=_op)
    duration: timedelta = attrs.field(
        validator=lambda _i, _a, v: require_duration(v, "clock().elapsed")
    )

    def clocks(self) -> Iterable[str]:
        return (self.clock,)

    def compile_timed(self, defaults: Mapping[str, Any] | None = None) -> TimedTest:
        name, op, duration = self.clock, self.op, self.duration

        def test(context: Context) -> tuple[bool, datetime | None]:
            state = context.sla_core(name, need_target=False)
            assert state is not None
            if state.started_at is None:
                return False, None
            return _at_instant(op, context.now, state.reaches(duration)[1])

        return test

    def __repr__(self) -> str:
        return f"clock({self.clock!r}).elapsed {self.op} {self.duration!r}"

    def expr_text(self) -> str:
        duration = format_duration(self.duration)
        return f"clock_elapsed({_literal(self.clock)}) {self.op} {duration}"


@attrs.frozen(repr=False)
class Breached(_Timed):
    """``clock(name).breached``: the clock has counted its target (for this priority and level)."""

    clock: str = attrs.field(converter=_clock_name)

    def clocks(self) -> Iterable[str]:
        return (self.clock,)

    def compile_timed(self, defaults: Mapping[str, Any] | None = None) -> TimedTest:
        name = self.clock

        def test(context: Context) -> tuple[bool, datetime | None]:
            core = context.sla_core(name, need_target=False)
            assert core is not None
            if core.target is None:
                return False, None
            reached, at = core.reaches(core.target.duration)
            return (True, None) if reached else (False, at)

        return test

    def __repr__(self) -> str:
        return f"clock({self.clock!r}).breached"

    def expr_text(self) -> str:
        return f"breached({_literal(self.clock)})"


def _state(value: object) -> str:
    if value not in _STATES:
        raise PolicyError(
            f"a clock's state is one of {list(_STATES)}, not {value!r}",
            value=value,
            suggestion=did_you_mean(str(value), _STATES),
        )
    return str(value)


@attrs.frozen(repr=False)
class ClockStateIs(_Timed):
    """``clock(name).state == "paused"``: running, paused, stopped or idle."""

    clock: str = attrs.field(converter=_clock_name)
    state: str = attrs.field(converter=_state)

    def clocks(self) -> Iterable[str]:
        return (self.clock,)

    def compile_timed(self, defaults: Mapping[str, Any] | None = None) -> TimedTest:
        name, wanted = self.clock, self.state

        def test(context: Context) -> tuple[bool, datetime | None]:
            state = context.sla_core(name, need_target=False)
            assert state is not None
            return state.state == wanted, None

        return test

    def __repr__(self) -> str:
        return f"clock({self.clock!r}).state == {self.state!r}"

    def expr_text(self) -> str:
        return f"clock_state({_literal(self.clock)}) == {_literal(self.state)}"


def _calendar_name(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return value
    raise PolicyError(
        f"is_open() takes the name of one of the policy's calendars, got {value!r}", value=value
    )


@attrs.frozen(repr=False)
class IsOpen(_Timed):
    """``is_open()``: the business calendar in effect for the issue is open at the instant.

    Without a name it is the calendar the issue's SLA time counts on now
    (`Context.calendar_in_effect`: the one the issue's calendar fields name, else the SLA
    policy's, else its level's, else the policy's default ``calendar``, in the issue's
    zone); with none, every instant counts and it is always true.
    ``is_open("support")`` reads the policy's calendar ``support`` (checked when the
    policy is built). Open means what `BusinessCalendar.is_open` says: an opening
    instant is open, a closing instant is not. The value next changes at the next
    closing while open, at the next opening while closed.
    """

    calendar: str | None = attrs.field(default=None, converter=_calendar_name)

    def calendars(self) -> Iterable[str]:
        return () if self.calendar is None else (self.calendar,)

    def compile_timed(self, defaults: Mapping[str, Any] | None = None) -> TimedTest:
        name = self.calendar

        def test(context: Context) -> tuple[bool, datetime | None]:
            if name is None:
                measure = context.calendar_in_effect()[0]
            else:
                measure = context.policy.calendars[name]
            if not isinstance(measure, BusinessCalendar):  # the wall clock: always open
                return True, None
            return open_at(measure, context.now)

        return test

    def __repr__(self) -> str:
        return "is_open()" if self.calendar is None else f"is_open({self.calendar!r})"

    def expr_text(self) -> str:
        return "is_open()" if self.calendar is None else f"is_open({_literal(self.calendar)})"


_FIRST_LOOK: Final = timedelta(hours=1)


def open_at(calendar: BusinessCalendar, now: datetime) -> tuple[bool, datetime | None]:
    """Is *calendar* open at *now*, and the next instant that changes (in UTC)?

    Closed: the next opening. Open: the next closing, ``None`` if it never closes
    again within the years a calendar supports (a round-the-clock calendar).
    """
    if not calendar.is_open(now):
        return False, calendar.next_opening(now).astimezone(UTC)
    return True, _next_closing(calendar, now.astimezone(UTC))


def _next_closing(calendar: BusinessCalendar, now: datetime) -> datetime | None:
    """The first closing after *now* (UTC, open then), found with `previous_closing`.

    Look ahead 1 h, 2 h, 4 h... until a closing lies after *now*; the span looked at
    last is at most twice the way to the first closing, so stepping back from the
    closing found over the few closings in between lands on the first.
    """
    step = _FIRST_LOOK
    try:
        while True:
            found = calendar.previous_closing(now + step)
            if found is not None and found > now:
                break
            step *= 2
        found = found.astimezone(UTC)  # UTC, so that one microsecond back is one microsecond
        while True:
            earlier = calendar.previous_closing(found - _ONE_US)
            if earlier is None or earlier <= now:
                return found
            found = earlier.astimezone(UTC)
    except OverflowError:  # no closing before the years a calendar supports end
        return None


@attrs.frozen(eq=False)
class SinceRef:
    """``since(anchor)``: compare it with a duration to get a condition."""

    anchor: Anchor = attrs.field(converter=to_anchor)

    def __lt__(self, d: timedelta) -> Since:
        return Since(self.anchor, "<", d)

    def __le__(self, d: timedelta) -> Since:
        return Since(self.anchor, "<=", d)

    def __gt__(self, d: timedelta) -> Since:
        return Since(self.anchor, ">", d)

    def __ge__(self, d: timedelta) -> Since:
        return Since(self.anchor, ">=", d)


@attrs.frozen(eq=False)
class _Elapsed:
    clock: str

    def __lt__(self, d: timedelta) -> ClockElapsed:
        return ClockElapsed(self.clock, "<", d)

    def __le__(self, d: timedelta) -> ClockElapsed:
        return ClockElapsed(self.clock, "<=", d)

    def __gt__(self, d: timedelta) -> ClockElapsed:
        return ClockElapsed(self.clock, ">", d)

    def __ge__(self, d: timedelta) -> ClockElapsed:
        return ClockElapsed(self.clock, ">=", d)


class _StateRef:
    __slots__ = ("clock",)

    def __init__(self, clock: str) -> None:
        self.clock = clock

    def __eq__(self, state: object) -> ClockStateIs:  # type: ignore[override]
        return ClockStateIs(self.clock, state)

    def __ne__(self, state: object) -> Condition:  # type: ignore[override]
        return ~ClockStateIs(self.clock, state)

    __hash__ = None  # type: ignore[assignment]


@attrs.frozen
class ClockRef:
    """``clock(name)``: ``.elapsed`` (compare with a duration), ``.breached``, ``.state``."""

    name: str = attrs.field(converter=_clock_name)

    @property
    def elapsed(self) -> _Elapsed:
        return _Elapsed(self.name)

    @property
    def breached(self) -> Breached:
        return Breached(self.name)

    @property
    def state(self) -> _StateRef:
        return _StateRef(self.name)


def since(anchor: Anchor | str) -> SinceRef:
    """Time since an event, for conditions: ``since("last_customer_message") >= hours(4)``."""
    return SinceRef(anchor)


def happened(anchor: Anchor | str) -> Condition:
    """The anchor's event is in the history: ``happened("acknowledged")``."""
    return Happened(anchor)


def clock(name: str) -> ClockRef:
    """An SLA clock's state, for conditions: ``clock("resolution").breached``."""
    return ClockRef(name)


def is_open(calendar: str | None = None) -> Condition:
    """The business calendar in effect (or the policy's calendar *calendar*) is open now.

    ``escalate("page", at=..., when=is_open())`` waits for support hours: while the
    calendar is closed the rule is held back, and ``next_evaluation_at`` is the next
    opening. See `IsOpen` for which calendar is in effect.
    """
    return IsOpen(calendar)


def check_clocks(condition: Condition, policy: Policy, where: str) -> None:
    """Raise `PolicyError` if *condition* reads an SLA clock or a calendar the policy lacks."""
    for leaf in _leaves(condition):
        if isinstance(leaf, _Timed):
            for name in leaf.clocks():
                if name not in policy.clocks:
                    raise PolicyError(
                        f"reads the SLA clock {name!r}, which the policy does not have; "
                        f"clocks are {sorted(policy.clocks)}",
                        where=where,
                        value=name,
                        suggestion=did_you_mean(name, policy.clocks),
                    )
            for name in leaf.calendars():
                check_calendar(name, policy, where, "reads")


def check_calendar(name: str, policy: Policy, where: str, verb: str) -> None:
    """Raise `PolicyError` if the policy has no calendar *name* (*where* *verb* it)."""
    if name not in policy.calendars:
        calendars = sorted(policy.calendars)
        raise PolicyError(
            f"{verb} the calendar {name!r}, which the policy does not have; "
            f"calendars are {calendars}",
            where=where,
            value=name,
            suggestion=did_you_mean(name, calendars),
        )


def named_calendars(condition: Condition) -> set[str]:
    """The policy calendars *condition* names (``is_open("support")``)."""
    return {
        leaf.calendar
        for leaf in _leaves(condition)
        if isinstance(leaf, IsOpen) and leaf.calendar is not None
    }


def _leaves(condition: Condition) -> Iterable[Condition]:
    if isinstance(condition, All | Any_):
        for child in condition.conditions:
            yield from _leaves(child)
    elif isinstance(condition, Not):
        yield from _leaves(condition.condition)
    else:
        yield condition


def with_business(condition: Condition, business: bool) -> Condition:
    """*condition* with every ``since()`` written for a business (or wall) policy clock."""
    if isinstance(condition, Since):
        return attrs.evolve(condition, business=business)
    if isinstance(condition, All | Any_):
        return type(condition)(tuple(with_business(c, business) for c in condition.conditions))
    if isinstance(condition, Not):
        return Not(with_business(condition.condition, business))
    return condition
