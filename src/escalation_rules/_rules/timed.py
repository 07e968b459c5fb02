"""Time-based rules: act when a duration or a share of an SLA target has passed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, overload

import attrs

from .._conditions.condition import ALWAYS, Condition, Test
from .._durations import require_duration, words
from .._exceptions import PolicyError
from .._model.actions import Action, Escalate, Notify
from .._model.anchors import ANCHOR_SLOT, Anchor, to_anchor
from .._model.levels import OnCall, Recipient, one_or_many, recipients
from .._suggest import did_you_mean
from .._time.clocks import BusinessClock, Clock, WallClock
from .._time.conditions import check_calendar, check_clocks
from .base import (
    NEXT,
    OWNER,
    Checker,
    CheckResult,
    Next,
    Outcome,
    Owner,
    as_outcome,
    check_level,
    condition_defaults,
    escalation_to,
    issue_test,
    rule_name,
    to_condition,
    with_timing,
)
from .recipients import Reach, check_schedules, notifications, recipient
from .repeat import RepeatingNotification
from .storm import MAX_AMOUNTS, Threshold, holds_test, scope_of, supersede

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._engine.context import Context
    from .._engine.policy import Policy
    from .._model.levels import Level


def _calendar_name(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value):
        return value
    raise PolicyError(
        f"after(calendar=) takes the name of one of the policy's calendars, got {value!r}",
        value=value,
    )


@attrs.frozen
class After:
    """Due once *duration* has passed since the *since* anchor.

    The duration counts on the policy's clock, or, with *calendar*, as business time
    on the policy's calendar of that name (checked when the policy is built).
    """

    duration: timedelta = attrs.field(
        validator=lambda _i, _a, v: require_duration(v, "after(duration)")
    )
    since: Anchor = attrs.field(default=Anchor.LEVEL_ENTERED, converter=to_anchor)
    calendar: str | None = attrs.field(default=None, converter=_calendar_name, kw_only=True)

    @property
    def once_per(self) -> Anchor:
        return self.since

    def amount(self, level: Level) -> timedelta | None:
        return self.duration

    def validate(self, policy: Policy, where: str) -> None:
        """Any anchor and duration are valid; a calendar must be one of the policy's."""
        if self.calendar is not None:
            check_calendar(self.calendar, policy, where, "counts on")

    def clock(self, policy: Policy) -> Clock:
        """What the duration counts on: the named calendar, else the policy's clock."""
        if self.calendar is None:
            return policy.clock
        return BusinessClock(policy.calendars[self.calendar])

    def describe(self) -> str:
        on = "" if self.calendar is None else f" on the {self.calendar} calendar"
        return f"{words(self.duration)}{on} since {self.since.value}"


def _offset(value: object) -> timedelta:
    if not isinstance(value, timedelta):
        raise PolicyError(f"an SLA offset must be a timedelta, got {value!r}", value=value)
    return value


@attrs.frozen
class SlaShare:
    """Due when an SLA clock reaches *share* of its target, moved by *offset*.

    The clock is the policy's SLA clock *metric* (see `SlaClock`); the target
    is the current level's for the issue's priority. ``share=1.0`` is the
    breach, ``0.75`` a warning at 75 %, ``1.5`` well past it; *offset* moves
    the threshold in the clock's own time (``-minutes(30)``: half an hour of
    counted time before the share). The trigger fires once per crossing: an
    action recorded at or after the instant the threshold was crossed answers
    it; a later crossing (a new level's target, a new cycle) fires again. A warning
    (a ``notify`` rule on it) not recorded before a later threshold of the same clock was
    crossed is superseded by it and never fires (storm control; docs/sla.md, "Thresholds").
    """

    metric: str
    share: float = 1.0
    offset: timedelta = attrs.field(default=timedelta(0), converter=_offset, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if (
            not isinstance(self.share, (int, float))
            or isinstance(self.share, bool)
            or not 0 <= self.share <= 100
            or (self.share == 0 and self.offset <= timedelta(0))
        ):
            raise PolicyError(
                f"an SLA share must be a number in (0, 100] (0 only with a positive "
                f"offset), got {self.share!r}",
                value=self.share,
            )

    @property
    def once_per(self) -> Anchor:
        return Anchor.LEVEL_ENTERED

    def threshold(self, target: timedelta) -> timedelta:
        """The counted time at which the trigger fires for *target*."""
        return target * self.share + self.offset

    def validate(self, policy: Policy, where: str) -> None:
        clocks = sorted(policy.clocks)
        if self.metric not in policy.clocks:
            raise PolicyError(
                f"uses the SLA clock {self.metric!r}, which the policy does not have; "
                f"clocks are {clocks}",
                where=where,
                value=self.metric,
                suggestion=did_you_mean(self.metric, clocks),
            )
        if self.metric not in policy.target_clocks:
            with_targets = sorted(policy.target_clocks)
            raise PolicyError(
                f"uses the SLA clock {self.metric!r}, but no level, SLA policy or policy-wide "
                f"target has one for it; targets are set for {with_targets}",
                where=where,
                value=self.metric,
                suggestion=did_you_mean(self.metric, with_targets),
            )

    def describe(self) -> str:
        return f"{self.share:.0%} of the {self.metric} SLA{self.offset_text()}"

    def offset_text(self) -> str:
        """The offset in words with its sign (``" - 30 min"``); ``""`` without one."""
        if not self.offset:
            return ""
        sign = "+" if self.offset > timedelta(0) else "-"
        return f" {sign} {words(abs(self.offset))}"


def _trigger(value: object) -> After | SlaShare:
    if isinstance(value, (After, SlaShare)):
        return value
    raise PolicyError(f"'at' must be after(...) or sla(...), got {value!r}", value=value)


def _key_where_it_acts(rule: TimeRule, policy: Policy, position: int) -> str | None:
    action = rule._action(policy, position)
    if action is None:
        return None
    if type(action) is Escalate:
        target = policy.level_positions.get(action.to)
        if target is None or target <= position:  # does not move the issue up
            return None
    return action.key


def _to(value: object) -> object:
    """A notification's recipients: OWNER, NEXT and one name stay; an `OnCall` or a list
    becomes a tuple (checked); the rest is refused in ``__attrs_post_init__``."""
    if isinstance(value, (OnCall, list, tuple)):
        return one_or_many(recipients(value, "notify(to=)"))
    return value


@attrs.frozen
class TimeRule:
    """Escalate or notify when a trigger's instant passes and *when* holds.

    *action* is ``"escalate"`` (with *to*: NEXT or a level id) or ``"notify"``
    (with *to*: OWNER, a name, `OnCall` a schedule, or a list of them: one `Notify` per
    recipient, sharing the rule's key; OWNER reaches the level's owners, by round robin if
    the level says so). Fires once per trigger scope: once per crossing of the threshold for
    `sla`, once per anchor event for `after`. Who is notified is decided at the trigger's
    instant; with nobody on call then, the notification waits for the first instant someone
    is.
    """

    name: str = attrs.field(converter=rule_name)
    at: After | SlaShare = attrs.field(converter=_trigger)
    action: str = attrs.field()
    to: str | Next | Owner | tuple[Recipient, ...] = attrs.field(converter=_to)
    when: Condition = attrs.field(default=ALWAYS, converter=to_condition, kw_only=True)

    def __attrs_post_init__(self) -> None:
        where = f"rule {self.name!r}"
        if self.action == "escalate":
            if not (self.to is NEXT or (isinstance(self.to, str) and self.to)):
                raise PolicyError(
                    f"escalates to {self.to!r}; use NEXT or a level id", where=where, value=self.to
                )
        elif self.action == "notify":
            if not (
                self.to is OWNER
                or isinstance(self.to, tuple)
                or (isinstance(self.to, str) and self.to)
            ):
                raise PolicyError(
                    f"notifies {self.to!r}; use OWNER or a target name", where=where, value=self.to
                )
        else:
            raise PolicyError(
                f"unknown action {self.action!r}; use 'escalate' or 'notify'",
                where=where,
                value=self.action,
                suggestion=did_you_mean(self.action, ["escalate", "notify"]),
            )

    def validate(self, policy: Policy) -> None:
        where = f"rule {self.name!r}"
        check_clocks(self.when, policy, where)
        self.at.validate(policy, where)
        if self.action == "escalate" and isinstance(self.to, str):
            check_level(policy, self.to, where)
        if isinstance(self.to, tuple):
            check_schedules(self.to, policy, where)

    def _action(self, policy: Policy, position: int) -> Action | None:
        """The action at level *position*; for a notification to several recipients (or a
        schedule) the one to the first, which stands for them in `upcoming` and storm
        control (its key is theirs)."""
        why = self.at.describe() + " passed"
        if self.action == "escalate":
            assert not isinstance(self.to, (Owner, tuple))  # refused when the rule is built
            return escalation_to(self.name, self.to, policy, position, why)
        level = policy.levels[position]
        targets = level.owners if self.to is OWNER else self.to
        assert isinstance(targets, (str, tuple))  # NEXT is refused when the rule is built
        first = targets if isinstance(targets, str) else str(targets[0])
        return Notify(first, self.name, f"{why}: notify {first}", key=f"{self.name}:notify")

    def _reach(self, policy: Policy, position: int) -> Reach | None:
        """Who a notification reaches at level *position*; ``None`` when that is the one
        name of `_action` whatever the instant (the fast path)."""
        if self.action != "notify":
            return None
        assert not isinstance(self.to, Next)  # refused when the rule is built
        return recipient(self.to, policy, position, self.name)[1]

    def _sent(
        self, action: Action, reach: Reach | None, context: Context, due: datetime, once: Any
    ) -> CheckResult | None:
        """What the check returns once the trigger's instant *due* has passed."""
        if reach is None or context.done(action.key, once):
            return (True, (action,), once, ())  # recorded: the engine drops it unresolved
        why = self.at.describe() + " passed"
        sent, wait = notifications(
            self.name, why, action.key, reach, context.issue, due, context.now
        )
        if sent:
            return (True, sent, once, ())
        return None if wait is None else (False, (), once, ((wait, action),))

    def compile(self, policy: Policy) -> Checker:
        """Return the fast check used by *policy*, with actions and amounts built per level."""
        once = self.at.once_per
        test = issue_test(self.when, condition_defaults(policy))
        if isinstance(self.at, SlaShare):
            return self._compile_sla(policy, self.at, test)
        slot = ANCHOR_SLOT[once]
        plan = tuple(
            (action, amount, self._reach(policy, pos))
            if action is not None and amount is not None
            else None
            for pos, action, amount in (
                (pos, self._action(policy, pos), self.at.amount(level))
                for pos, level in enumerate(policy.levels)
            )
        )
        clock = self.at.clock(policy)
        wall = type(clock) is WallClock
        always = self.when == ALWAYS
        sent = self._sent

        def check(context: Context) -> CheckResult | None:
            step = plan[context.level_position]
            if step is None:
                return None
            start = context.times[slot]
            if start is None or not (always or test(context.issue)):
                return None
            action, amount, reach = step
            due = start + amount if wall else clock.deadline(context, start, amount)
            if due is None:
                return None
            if context.now >= due:
                return (
                    (True, (action,), once, ())
                    if reach is None
                    else sent(action, reach, context, due, once)
                )
            return (False, (), once, ((due, action),))

        return with_timing(check, self.when, condition_defaults(policy))

    def _compile_sla(self, policy: Policy, trigger: SlaShare, test: Test) -> Checker:
        actions = tuple(self._action(policy, pos) for pos in range(len(policy.levels)))
        reaches = tuple(self._reach(policy, pos) for pos in range(len(policy.levels)))
        sent = self._sent
        metric = trigger.metric
        always = self.when == ALWAYS
        later = self._later_thresholds(policy, trigger)
        # A memo of target -> threshold; it only saves the arithmetic.
        thresholds: dict[timedelta, timedelta] = {}

        def check(context: Context) -> CheckResult | None:
            action = actions[context.level_position]
            if action is None or not (always or test(context.issue)):
                return None
            state = context.sla_core(metric)
            if state is None or state.target is None:
                return None
            duration = state.target.duration
            amount = thresholds.get(duration)
            if amount is None:
                if len(thresholds) >= MAX_AMOUNTS:  # business days: a target per cycle start
                    thresholds.clear()
                amount = thresholds[duration] = trigger.threshold(duration)
            reached, at = state.reaches(amount)
            if at is None:
                return None
            # Once per crossing: an action recorded at or after the instant the threshold
            # is crossed (in this cycle) answers it. A new level whose target is crossed
            # later, or a new cycle, fires again; the same crossing never does.
            key = action.key
            scope = (
                state.cycle_index
                if key not in context.recorded  # the common case: scope_of's first answer
                else scope_of(context, key, state.cycle_index, at)
            )
            if reached:
                if later and context.recorded.get(action.key, -2) <= scope:
                    supersede(context, action.key, later, state, duration, at)
                reach = reaches[context.level_position]
                if reach is None:
                    return (True, (action,), scope, ())
                return sent(action, reach, context, at, scope)
            return (False, (), scope, ((at, action),))

        return with_timing(check, self.when, condition_defaults(policy))

    def _later_thresholds(self, policy: Policy, trigger: SlaShare) -> tuple[Threshold, ...]:
        """The other thresholds of *trigger*'s clock that may supersede this rule's warning.

        Only a ``notify`` rule's action is ever superseded (an escalation never is); any
        other ``sla()`` rule of the same clock may supersede it, notify or escalate.
        """
        # Only among the policy's own rules under match="all": in a first-match scope the
        # warning's rule would still stop the run, and the later one might never run.
        top = policy.rules
        if (
            self.action != "notify"
            or not policy.supersede_warnings
            or policy.match != "all"
            or not any(rule is self for rule in top)
        ):
            return ()
        defaults = condition_defaults(policy)
        out = []
        for rule in top:
            if (
                isinstance(rule, TimeRule)
                and isinstance(rule.at, SlaShare)
                and rule.at.metric == trigger.metric
                and rule.name != self.name
            ):
                keys = tuple(
                    _key_where_it_acts(rule, policy, pos) for pos in range(len(policy.levels))
                )
                holds = holds_test(rule.when, defaults)
                out.append(Threshold(rule.name, rule.at, keys, holds, {}))
        return tuple(out)

    def check(self, context: Context) -> Outcome | None:
        return as_outcome(self.compile(context.policy)(context))


def after(
    duration: timedelta, *, since: Anchor | str = Anchor.LEVEL_ENTERED, calendar: str | None = None
) -> After:
    """A time trigger: *duration* after the *since* anchor (default: entering the level).

    The duration counts on the policy's clock; ``calendar="support"`` counts it as
    business time on the policy's calendar ``support`` instead.
    """
    return After(duration, to_anchor(since), calendar=calendar)


def sla(
    metric: str,
    share: float = 1.0,
    *,
    before: timedelta | None = None,
    after: timedelta | None = None,
) -> SlaShare:
    """A time trigger on the SLA clock *metric*: *share* of its target has been counted.

    ``sla("resolution", 0.75)`` is a warning at 75 %; ``sla("resolution")``
    the breach; ``sla("resolution", before=minutes(30))`` half an hour of
    counted time before the breach, ``after=hours(1)`` an hour past it.
    """
    if before is not None and after is not None:
        raise PolicyError("sla() takes before= or after=, not both")
    offset = timedelta(0)
    if before is not None:
        offset = -require_duration(before, "sla(before=)")
    elif after is not None:
        offset = require_duration(after, "sla(after=)")
    return SlaShare(metric, share, offset=offset)


@overload
def notify(
    name: str,
    *,
    at: After | SlaShare,
    to: Recipient | Owner | Sequence[Recipient] = ...,
    when: Condition = ...,
) -> TimeRule: ...


@overload
def notify(
    name: str,
    *,
    every: timedelta,
    to: Recipient | Owner | Sequence[Recipient] = ...,
    when: Condition = ...,
    while_: Condition = ...,
    since: Anchor | str = ...,
    first: timedelta | None = ...,
    calendar: str | None = ...,
    limit: int | None = ...,
) -> RepeatingNotification: ...


def notify(
    name: str, *, at: After | SlaShare | None = None, every: timedelta | None = None, **kw: Any
) -> TimeRule | RepeatingNotification:
    """Notify *to* (default `OWNER`: the current level's owner) once *at* a trigger (a
    `TimeRule`), or *every* so long (a `RepeatingNotification`, with ``while_``, ``since``,
    ``first``, ``calendar`` and ``limit``; ``first``, not ``at``, delays the first one)."""
    if every is not None:
        if at is not None:
            raise PolicyError(
                "notify() takes at= or every=, not both (first= delays the first repetition)",
                where=f"rule {name!r}",
            )
        return RepeatingNotification(name, every, **kw)
    if at is None:
        raise TypeError("notify() needs at= (after or sla) or every=")
    if set(kw) - {"to", "when"}:
        raise TypeError(f"notify() takes {sorted(set(kw) - {'to', 'when'})} only with every=")
    return TimeRule(name, at, "notify", kw.get("to", OWNER), when=kw.get("when", ALWAYS))
