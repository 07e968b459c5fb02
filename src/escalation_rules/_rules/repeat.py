"""Notifications that repeat: ``notify(name, every=hours(4), while_=...)``.

One rule says "keep the customer informed every 4 hours" or "remind the owner every hour
until acknowledged": the repetitions fall due on a fixed grid from an anchor, each is
fire-once by its own key, and a host that wakes late gets the latest one, not a burst.
The semantics are stated in `RepeatingNotification`'s docstring and docs/oncall.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

import attrs

from .._conditions.condition import ALWAYS, Condition, all_of
from .._durations import format_duration, require_duration, words
from .._exceptions import PolicyError
from .._model.actions import Notify
from .._model.anchors import ANCHOR_SLOT, Anchor, to_anchor
from .._model.levels import OnCall, Recipient, one_or_many, recipients
from .._time.clocks import BusinessClock, Clock, WallClock
from .._time.conditions import check_calendar, check_clocks
from .base import (
    OWNER,
    Checker,
    CheckResult,
    Outcome,
    Owner,
    as_outcome,
    condition_defaults,
    issue_test,
    rule_name,
    to_condition,
    with_timing,
)
from .recipients import notifications, recipient

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._engine.policy import Policy
    from .._time.calendar import BusinessCalendar

MAX_REPETITIONS: Final = 10_000
"""The most repetitions a rule sends per anchor event, with or without ``limit``: past it the
rule has nothing more to send until its anchor's event happens again."""


def repeat_every(value: object) -> timedelta:
    """*value* as the interval between repetitions: a positive `timedelta`."""
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise PolicyError(f"'every' must be a positive timedelta, got {value!r}", value=value)
    return value


def repeat_limit(value: object) -> int | None:
    """*value* as the most repetitions to send: ``None`` or a whole number in 1..10,000."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_REPETITIONS:
        raise PolicyError(
            f"'limit' must be a whole number from 1 to {MAX_REPETITIONS:,}, got {value!r}",
            value=value,
        )
    return value


def _first(value: object) -> timedelta | None:
    return None if value is None else require_duration(value, "'first'")


def _target(value: object) -> str | Owner | tuple[Recipient, ...]:
    if isinstance(value, Owner) or (isinstance(value, str) and value):
        return value
    if isinstance(value, (OnCall, list, tuple)):
        return one_or_many(recipients(value, "notify(to=)"))
    raise PolicyError(f"notifies {value!r}; use OWNER or a target name", value=value)


def _while(value: object) -> Condition:
    if isinstance(value, Condition):
        return value
    raise PolicyError(f"'while_' must be a condition built from F, got {value!r}", value=value)


def _calendar_name(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return value
    raise PolicyError(
        f"'calendar' takes the name of one of the policy's calendars, got {value!r}", value=value
    )


def _duration_text(duration: timedelta) -> str:
    try:
        return format_duration(duration)
    except PolicyError:  # a fraction of a second, or over 100 years: no short form
        return words(duration)


@attrs.frozen
class RepeatingNotification:
    """Notify *to* every *every* since the *since* anchor, while *while_* (and *when*) hold.

    Repetition *k* (k = 1, 2, ...) is due at ``anchor + first + (k - 1) * every``, counted
    on the policy's clock, or with *calendar* as business time on that policy calendar (so
    repetitions fall only in its open hours); *first* defaults to *every*, and ``0`` sends
    the first repetition at the anchor. Its action is ``Notify(target, ...)`` with the key
    ``"NAME:notify:k"``; the target is *to*, or with `OWNER` the current level's owner.

    At an evaluation at ``now`` the rule wants only the **latest** due repetition: a host
    that wakes late sends one notification, not a burst, and the earlier ones it missed are
    never sent. Each repetition is fire-once by its key within the *since* anchor's scope:
    once recorded it is never wanted again, and when the anchor's event happens again
    (the issue enters a level again, a new customer message for
    ``since="last_customer_message"``) the repetitions start over from 1 on the new anchor.
    The next repetition's instant is the rule's upcoming instant, so ``next_evaluation_at``
    is at most that. Until the anchor's event exists the rule is not armed.

    Nothing is wanted while *when* or *while_* does not hold (they gate alike: *when* says
    which issues the rule is for, *while_* for how long it repeats, e.g.
    ``~acknowledged()``). A repetition that falls due while they do not hold is sent when
    they hold again, unless a later one has fallen due by then. A condition on the instant
    (``is_open()``, ``since(...)``) reports when it flips, which joins the upcoming instants.

    At most *limit* repetitions per anchor event, and never more than 10,000. Finding the
    latest due repetition costs the same however many have passed: arithmetic on a wall
    clock, one measure of business time (and at most one step back) on a calendar, and a
    bisection over 1..limit on another `Clock`.
    """

    name: str = attrs.field(converter=rule_name)
    every: timedelta = attrs.field(converter=repeat_every)
    to: str | Owner | tuple[Recipient, ...] = attrs.field(
        default=OWNER, converter=_target, kw_only=True
    )
    since: Anchor = attrs.field(default=Anchor.LEVEL_ENTERED, converter=to_anchor, kw_only=True)
    first: timedelta | None = attrs.field(default=None, converter=_first, kw_only=True)
    while_: Condition = attrs.field(default=ALWAYS, converter=_while, kw_only=True)
    when: Condition = attrs.field(default=ALWAYS, converter=to_condition, kw_only=True)
    calendar: str | None = attrs.field(default=None, converter=_calendar_name, kw_only=True)
    limit: int | None = attrs.field(default=None, converter=repeat_limit, kw_only=True)

    @property
    def first_delay(self) -> timedelta:
        """The delay of the first repetition after the anchor: *first*, else *every*."""
        return self.every if self.first is None else self.first

    @property
    def cap(self) -> int:
        """The most repetitions per anchor event: *limit*, else 10,000."""
        return MAX_REPETITIONS if self.limit is None else self.limit

    def validate(self, policy: Policy) -> None:
        """The conditions' clocks and calendars, and *calendar*, must be the policy's."""
        where = f"rule {self.name!r}"
        check_clocks(self.when, policy, where)
        check_clocks(self.while_, policy, where)
        if self.calendar is not None:
            check_calendar(self.calendar, policy, where, "counts on")

    def clock(self, policy: Policy) -> Clock:
        """What the repetitions count on: the named calendar, else the policy's clock."""
        if self.calendar is None:
            return policy.clock
        return BusinessClock(policy.calendars[self.calendar])

    def describe(self) -> str:
        on = "" if self.calendar is None else f" on the {self.calendar} calendar"
        return f"every {_duration_text(self.every)}{on} since {self.since.value}"

    def _notify(self, target: str, k: int, why: str) -> Notify:
        reason = f"{why}, repetition {k}: notify {target}"
        return Notify(target, self.name, reason, key=f"{self.name}:notify:{k}")

    def compile(self, policy: Policy) -> Checker:
        """Return the fast check used by *policy*."""
        defaults = condition_defaults(policy)
        parts = [c for c in (self.when, self.while_) if c != ALWAYS]
        gate = all_of(*parts) if parts else ALWAYS
        always = gate == ALWAYS
        test = issue_test(gate, defaults)
        slot, once = ANCHOR_SLOT[self.since], self.since
        repetitions = Repetitions(self.clock(policy), self.first_delay, self.every, self.cap)
        try:
            targets = tuple(
                recipient(self.to, policy, pos, self.name) for pos in range(len(policy.levels))
            )
        except PolicyError as exc:
            exc.where = exc.where or f"rule {self.name!r}"
            raise
        why, notify, name = self.describe(), self._notify, self.name

        def check(context: Context) -> CheckResult | None:
            start = context.times[slot]
            if start is None or not (always or test(context.issue)):
                return None
            k, next_at = repetitions.latest(context, start)
            target, reach = targets[context.level_position]
            later = () if next_at is None else ((next_at, notify(target, k + 1, why)),)
            if k == 0:
                return (False, (), once, later)
            action = notify(target, k, why)
            if reach is None or context.done(action.key, once):
                return (True, (action,), once, later)
            due = repetitions.due(context, start, k)
            assert due is not None  # repetition k is due by now
            sent, wait = notifications(
                name, f"{why}, repetition {k}", action.key, reach, context.issue, due, context.now
            )
            if sent:
                return (True, sent, once, later)
            if wait is not None and (next_at is None or wait < next_at):
                later = ((wait, action),)
            return (False, (), once, later)

        return with_timing(check, gate, defaults)

    def check(self, context: Context) -> Outcome | None:
        return as_outcome(self.compile(context.policy)(context))


class Repetitions:
    """When the repetitions of one rule fall due: repetition *k* (k >= 1) at *first* +
    (k - 1) * *every* of *clock*'s time after the anchor, for k up to *cap*."""

    __slots__ = ("calendar", "cap", "clock", "every", "first", "wall")

    def __init__(self, clock: Clock, first: timedelta, every: timedelta, cap: int) -> None:
        self.clock, self.first, self.every, self.cap = clock, first, every, cap
        self.wall = type(clock) is WallClock
        self.calendar: BusinessCalendar | None = (
            clock.calendar if isinstance(clock, BusinessClock) else None
        )

    def due(self, context: Context, start: datetime, k: int) -> datetime | None:
        """The instant repetition *k* is due (``None``: never, or beyond the year 9999)."""
        try:
            amount = self.first + self.every * (k - 1)
            if self.wall:
                return start.astimezone(UTC) + amount
            return self.clock.deadline(context, start, amount)
        except OverflowError:
            return None

    def latest(self, context: Context, start: datetime) -> tuple[int, datetime | None]:
        """The latest repetition due at ``context.now`` (0: none yet), and when the next one
        is due (``None``: none will be)."""
        now = context.now
        if now < start:
            k = 0
        elif self.wall or self.calendar is not None:
            calendar = self.calendar
            elapsed = now - start if calendar is None else calendar.between(start, now)
            first = self.first
            k = 0 if elapsed < first else min((elapsed - first) // self.every + 1, self.cap)
            # The wall clock's arithmetic is exact. On a calendar a repetition whose business
            # time ran out at a closing may land on the next opening (the calendar's
            # boundaries), after now: the one before it then lies before now, so this steps
            # back at most once.
            if self.calendar is not None:
                while k and not _by(self.due(context, start, k), now):
                    k -= 1
        else:
            k = self._search(context, start, now)
        return k, (self.due(context, start, k + 1) if k < self.cap else None)

    def _search(self, context: Context, start: datetime, now: datetime) -> int:
        """The latest repetition due at *now* on a clock that only has ``deadline``:
        a bisection over 1..cap, so about 14 deadlines whatever the answer."""
        low, high = 0, self.cap
        while low < high:
            middle = (low + high + 1) // 2
            if _by(self.due(context, start, middle), now):
                low = middle
            else:
                high = middle - 1
        return low


def _by(instant: datetime | None, now: datetime) -> bool:
    return instant is not None and instant <= now
