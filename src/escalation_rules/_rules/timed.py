"""Time-based rules: act when a duration or a share of an SLA target has passed."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import attrs

from .._conditions.condition import ALWAYS, Condition, Test
from .._durations import require_duration
from .._exceptions import EvaluationError, PolicyError
from .._model.actions import Action, Escalate, Notify
from .._model.anchors import ANCHOR_SLOT, Anchor, to_anchor
from .._model.issue import summary_of
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

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._engine.policy import Policy
    from .._model.levels import Level
    from .._time.sla_clock import Core


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
        return f"{self.duration}{on} since {self.since.value}"


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
        text = f"{self.share:.0%} of the {self.metric} SLA"
        if self.offset:
            sign = "+" if self.offset > timedelta(0) else "-"
            text += f" {sign} {abs(self.offset)}"
        return text


def _trigger(value: object) -> After | SlaShare:
    if isinstance(value, (After, SlaShare)):
        return value
    raise PolicyError(f"'at' must be after(...) or sla(...), got {value!r}", value=value)


SUPERSEDED: Final = "superseded"
"""The `Context.cache` key of the warnings superseded in one evaluation: action key ->
``(rule, instant)``, the later threshold's rule and when it was crossed. A warning's check
writes it; `_engine.plan.fate` reads it (under the same key) and says "superseded"."""


_MAX_AMOUNTS: Final = 256
"""Thresholds kept per rule (by target duration; business-day targets vary per cycle)."""


class _Threshold(NamedTuple):
    """Another ``sla()`` rule of a warning's clock, as storm control looks at it."""

    name: str
    trigger: SlaShare
    #: per level position: the key of its action there, ``None`` where it does nothing
    #: (``NEXT`` at the top, an escalation that does not move the issue up)
    keys: tuple[str | None, ...]
    #: whether its condition holds now (``None``: always)
    holds: Callable[[Context], bool] | None
    #: a memo of target -> its threshold (it only saves the arithmetic)
    amounts: dict[timedelta, timedelta]


def _scope(context: Context, key: str, cycle: int, at: datetime) -> int:
    """The history index after which a recording of *key* answers the crossing at *at*."""
    if key not in context.recorded:  # only then does the scope matter
        return cycle
    times = summary_of(context.issue).times
    crossed = bisect_left(times, at if at.tzinfo is UTC else at.astimezone(UTC)) - 1
    return crossed if crossed > cycle else cycle


def _holds(when: Condition, defaults: Mapping[str, Any]) -> Callable[[Context], bool] | None:
    if when == ALWAYS:
        return None
    if when.timed:
        timed = when.compile_timed(defaults)
        return lambda context: timed(context)[0]
    test = when.compile(defaults)
    return lambda context: test(context.issue)


def _holds_now(other: _Threshold, context: Context) -> bool:
    """Does *other*'s condition hold now? One that cannot be decided does not supersede:
    its own rule reports the error, under its own name, when it runs."""
    assert other.holds is not None
    try:
        return other.holds(context)
    except EvaluationError:
        return False


def _key_where_it_acts(rule: TimeRule, policy: Policy, position: int) -> str | None:
    action = rule._action(policy, position)
    if action is None:
        return None
    if type(action) is Escalate:
        target = policy.level_positions.get(action.to)
        if target is None or target <= position:  # does not move the issue up
            return None
    return action.key


def _supersede(
    context: Context,
    key: str,
    later: tuple[_Threshold, ...],
    state: Core,
    target: timedelta,
    at: datetime,
) -> None:
    """Mark the warning *key*, crossed at *at* and not recorded, superseded if a later
    threshold of its clock (in this cycle) was crossed by now.

    That threshold's rule must act at this level, and either its action was recorded
    for that crossing or its condition holds now (so that it acts now instead).
    """
    position = context.level_position
    first: tuple[str, datetime] | None = None
    for other in later:
        other_key = other.keys[position]
        if other_key is None:
            continue
        amount = other.amounts.get(target)
        if amount is None:
            if len(other.amounts) >= _MAX_AMOUNTS:
                other.amounts.clear()
            amount = other.amounts[target] = other.trigger.threshold(target)
        crossed, instant = state.reaches(amount)
        if not crossed or instant is None or instant <= at:
            continue
        if first is not None and instant >= first[1]:
            continue
        done = context.recorded.get(other_key, -2) > _scope(
            context, other_key, state.cycle_index, instant
        )
        if done or other.holds is None or _holds_now(other, context):
            first = (other.name, instant if instant.tzinfo is UTC else instant.astimezone(UTC))
    if first is not None:
        marks: Any = context.cache.get(SUPERSEDED)
        if marks is None:
            marks = context.cache[SUPERSEDED] = {}
        marks[key] = first


@attrs.frozen
class TimeRule:
    """Escalate or notify when a trigger's instant passes and *when* holds.

    *action* is ``"escalate"`` (with *to*: NEXT or a level id) or ``"notify"``
    (with *to*: OWNER or a target name). Fires once per trigger scope: once
    per crossing of the threshold for `sla`, once per anchor event for `after`.
    """

    name: str = attrs.field(converter=rule_name)
    at: After | SlaShare = attrs.field(converter=_trigger)
    action: str = attrs.field()
    to: str | Next | Owner = attrs.field()
    when: Condition = attrs.field(default=ALWAYS, converter=to_condition, kw_only=True)

    def __attrs_post_init__(self) -> None:
        where = f"rule {self.name!r}"
        if self.action == "escalate":
            if not (self.to is NEXT or (isinstance(self.to, str) and self.to)):
                raise PolicyError(
                    f"escalates to {self.to!r}; use NEXT or a level id", where=where, value=self.to
                )
        elif self.action == "notify":
            if not (self.to is OWNER or (isinstance(self.to, str) and self.to)):
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

    def _action(self, policy: Policy, position: int) -> Action | None:
        why = self.at.describe() + " passed"
        if self.action == "escalate":
            assert not isinstance(self.to, Owner)  # refused when the rule is built
            return escalation_to(self.name, self.to, policy, position, why)
        target = policy.levels[position].owner if self.to is OWNER else self.to
        assert isinstance(target, str)
        return Notify(target, self.name, f"{why}: notify {target}", key=f"{self.name}:notify")

    def compile(self, policy: Policy) -> Checker:
        """Return the fast check used by *policy*, with actions and amounts built per level."""
        once = self.at.once_per
        test = issue_test(self.when, condition_defaults(policy))
        if isinstance(self.at, SlaShare):
            return self._compile_sla(policy, self.at, test)
        slot = ANCHOR_SLOT[once]
        plan = tuple(
            (action, amount) if action is not None and amount is not None else None
            for action, amount in (
                (self._action(policy, pos), self.at.amount(level))
                for pos, level in enumerate(policy.levels)
            )
        )
        clock = self.at.clock(policy)
        wall = type(clock) is WallClock
        always = self.when == ALWAYS

        def check(context: Context) -> CheckResult | None:
            step = plan[context.level_position]
            if step is None:
                return None
            start = context.times[slot]
            if start is None or not (always or test(context.issue)):
                return None
            action, amount = step
            due = start + amount if wall else clock.deadline(context, start, amount)
            if due is None:
                return None
            if context.now >= due:
                return (True, (action,), once, ())
            return (False, (), once, ((due, action),))

        return with_timing(check, self.when, condition_defaults(policy))

    def _compile_sla(self, policy: Policy, trigger: SlaShare, test: Test) -> Checker:
        actions = tuple(self._action(policy, pos) for pos in range(len(policy.levels)))
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
                if len(thresholds) >= _MAX_AMOUNTS:  # business days: a target per cycle start
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
                if key not in context.recorded  # the common case: _scope's first answer
                else _scope(context, key, state.cycle_index, at)
            )
            if reached:
                if later and context.recorded.get(action.key, -2) <= scope:
                    _supersede(context, action.key, later, state, duration, at)
                return (True, (action,), scope, ())
            return (False, (), scope, ((at, action),))

        return with_timing(check, self.when, condition_defaults(policy))

    def _later_thresholds(self, policy: Policy, trigger: SlaShare) -> tuple[_Threshold, ...]:
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
                holds = _holds(rule.when, defaults)
                out.append(_Threshold(rule.name, rule.at, keys, holds, {}))
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


def notify(
    name: str, *, at: After | SlaShare, to: str | Owner = OWNER, when: Condition = ALWAYS
) -> TimeRule:
    """Time-based notification of *to* (default: the current level's owner)."""
    return TimeRule(name, at, "notify", to, when=when)
