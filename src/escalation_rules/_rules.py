"""Rule types: functional routing, hierarchical escalation, time-based rules, and the on-call chain.

A rule looks at a `Context` and returns an `Outcome`: the actions it wants
now, the anchor that scopes "already done", and the actions it will want
later, each with its instant. The engine (see ``_policy``) removes actions
already recorded in the history, escalations that would not move the issue
up, and routings to the team that already holds the issue.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol, runtime_checkable

import attrs

from ._actions import Action, Escalate, Notify, Route
from ._conditions import ALWAYS, Condition, Test
from ._context import ANCHOR_SLOT, Anchor, Context, WallClock, to_anchor
from ._exceptions import PolicyError, did_you_mean
from ._issue import EventKind, Issue
from ._time import UTC, require_duration
from ._timed import check_clocks

if TYPE_CHECKING:
    from ._policy import Level, Policy


class Outcome(NamedTuple):
    """What one rule wants, returned by `Rule.check`.

    Attributes:
        matched: the rule applies now (under first-match, it wins even when
            all its actions turn out to be done already).
        actions: the actions it wants now.
        once_per: what scopes "already done": an `Anchor` (an action whose key
            was recorded after that anchor's event is not repeated) or, for a
            finer scope, the history index of the event that opened it.
        upcoming: ``(instant, action)`` pairs the rule will want later if no
            new event arrives; the engine turns the earliest into
            ``next_evaluation_at``.
    """

    matched: bool
    actions: tuple[Action, ...] = ()
    once_per: Anchor | int = Anchor.CREATED
    upcoming: tuple[tuple[datetime, Action], ...] = ()


Checker = Callable[[Context], "Outcome | None"]
"""A compiled rule: the function a policy calls on every evaluation."""


@runtime_checkable
class Rule(Protocol):
    """What a rule type implements; subclass nothing, just provide these.

    ``check`` must be pure: read only the context (which carries ``now``),
    never the clock, and return the same outcome for the same context.
    ``validate`` is called once when the `Policy` is built and raises
    `PolicyError` for anything the rule refers to that the policy lacks.
    """

    @property
    def name(self) -> str:
        """The rule's unique name within its policy."""
        ...

    def check(self, context: Context) -> Outcome | None:
        """Return what the rule wants for this context, or ``None`` for nothing."""
        ...

    def validate(self, policy: Policy) -> None:
        """Raise `PolicyError` if the rule refers to something *policy* lacks."""
        ...


class _Next:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NEXT"

    def __reduce__(self) -> str:
        return "NEXT"


class _Owner:
    __slots__ = ()

    def __repr__(self) -> str:
        return "OWNER"

    def __reduce__(self) -> str:
        return "OWNER"


NEXT: Final = _Next()
"""Escalation target: the level above the current one."""
OWNER: Final = _Owner()
"""Notification target: the owner of the issue's current level."""


def condition_defaults(policy: Policy) -> dict[str, str]:
    """Field values a policy supplies when the issue leaves them unset.

    An issue whose ``level`` is ``None`` sits at the policy's first level, so a
    condition on ``level`` sees that level's id.
    """
    return {"level": policy.levels[0].id}


def _check_level(policy: Policy, level: str, where: str) -> None:
    ids = [lvl.id for lvl in policy.levels]
    if level not in ids:
        raise PolicyError(
            f"escalates to unknown level {level!r}; levels are {ids}",
            where=where,
            value=level,
            suggestion=did_you_mean(level, ids),
        )


def _event_kind(value: EventKind | str) -> EventKind:
    try:
        return EventKind(value)
    except ValueError:
        names = [k.value for k in EventKind]
        raise PolicyError(
            f"unknown event kind {value!r}",
            value=value,
            suggestion=did_you_mean(str(value), names),
        ) from None


def _name(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise PolicyError(f"a rule needs a non-empty string name, got {value!r}", value=value)
    return value


def _condition(value: object) -> Condition:
    if not isinstance(value, Condition):
        raise PolicyError(
            f"'when' must be a condition built from F, got {value!r}"
            + (
                " (a Python bool: did you write 'and'/'or' instead of &/|?)"
                if isinstance(value, bool)
                else ""
            ),
            value=value,
        )
    return value


@attrs.frozen
class FunctionalRule:
    """Route the issue to a specialist *team* when *when* holds; the level stays.

    Fires once per issue: after the routing is recorded, or while the issue
    already sits with *team*, it does nothing.
    """

    name: str = attrs.field(converter=_name)
    when: Condition = attrs.field(converter=_condition)
    team: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.team, str) or not self.team:
            raise PolicyError(
                f"routes to an invalid team {self.team!r}", where=self.where, value=self.team
            )

    @property
    def where(self) -> str:
        return f"rule {self.name!r}"

    def validate(self, policy: Policy) -> None:
        """Check the SLA clocks its condition reads."""
        check_clocks(self.when, policy, self.where)

    def compile(self, policy: Policy) -> Checker:
        """Return the fast check used by *policy* (conditions compiled, action built once)."""
        test = _issue_test(self.when, condition_defaults(policy))
        outcome = Outcome(
            True,
            (
                Route(
                    self.team,
                    self.name,
                    f"{self.when!r} holds: route to {self.team}",
                    key=f"{self.name}:route",
                ),
            ),
        )

        def check(context: Context) -> Outcome | None:
            return outcome if test(context.issue) else None

        return _timed(check, self.when, condition_defaults(policy))

    def check(self, context: Context) -> Outcome | None:
        return self.compile(context.policy)(context)


def _true(_issue: Issue) -> bool:
    return True


def _issue_test(when: Condition, defaults: Mapping[str, Any]) -> Test:
    """The issue-only test of *when*; a timed condition is decided by `_timed` instead."""
    return _true if when.timed else when.compile(defaults)


def _timed(check: Checker, when: Condition, defaults: Mapping[str, Any]) -> Checker:
    """Wrap a rule's *check* (compiled as if *when* held) with a time-dependent *when*.

    The rule acts only while *when* holds, and the instant at which *when* flips
    joins the rule's upcoming instants, so ``next_evaluation_at`` stays sound.
    """
    if not when.timed:
        return check
    timed = when.compile_timed(defaults)

    def timed_check(context: Context) -> Outcome | None:
        holds, change = timed(context)
        base = check(context)
        if base is None:
            return None
        matched, actions, once_per, upcoming = base
        if change is not None and change <= context.now:
            change = None
        if holds:
            if change is None:
                return base
            return Outcome(matched, actions, once_per, (*upcoming, *((change, a) for a in actions)))
        if change is None:
            return None
        later = (
            *((change, a) for a in actions),
            *((at if at > change else change, a) for at, a in upcoming),
        )
        return Outcome(False, (), once_per, later)

    return timed_check


def rule_tuple(value: Iterable[Rule]) -> tuple[Rule, ...]:
    """Convert a sequence of rules into the tuple a policy or group stores."""
    return tuple(value)


def _target(value: object) -> str | _Next:
    if value is NEXT or (isinstance(value, str) and value):
        return value
    raise PolicyError(
        f"an escalation target must be NEXT or a level id, got {value!r}", value=value
    )


def _escalation(
    rule: str, to: str | _Next, policy: Policy, position: int, why: str
) -> Escalate | None:
    """The escalation *rule* asks for at level *position* (None: nowhere to go)."""
    if to is NEXT:
        if position + 1 >= len(policy.levels):
            return None
        nxt = policy.levels[position + 1].id
        return Escalate(
            nxt, rule, f"{why}: escalate to the next level, {nxt}", key=f"{rule}:escalate"
        )
    assert isinstance(to, str)
    return Escalate(to, rule, f"{why}: escalate to {to}", key=f"{rule}:escalate")


@attrs.frozen
class HierarchicalRule:
    """Move the issue up, to the next level or to a named one, when *when* holds.

    Without *on*, it fires once per issue. With ``on=EventKind.MANAGER_REQUESTED``
    (or another event kind) it fires once per occurrence of that event: a new
    request after the escalation escalates again.
    """

    name: str = attrs.field(converter=_name)
    when: Condition = attrs.field(converter=_condition)
    to: str | _Next = attrs.field(converter=_target)
    on: EventKind | None = attrs.field(default=None, kw_only=True)
    _scope: Anchor = attrs.field(init=False, default=Anchor.CREATED, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        scope = Anchor.CREATED
        if self.on is not None:
            scopes = {
                EventKind.MANAGER_REQUESTED: Anchor.MANAGER_REQUESTED,
                EventKind.CUSTOMER_MESSAGE: Anchor.LAST_CUSTOMER_MESSAGE,
                EventKind.AGENT_REPLY: Anchor.LAST_AGENT_REPLY,
                EventKind.ACKNOWLEDGED: Anchor.ACKNOWLEDGED,
            }
            if self.on not in scopes:
                raise PolicyError(
                    f"'on' must be one of {[k.value for k in scopes]}, got {self.on!r}",
                    where=f"rule {self.name!r}",
                    value=self.on,
                )
            scope = scopes[self.on]
        object.__setattr__(self, "_scope", scope)

    def validate(self, policy: Policy) -> None:
        check_clocks(self.when, policy, f"rule {self.name!r}")
        if isinstance(self.to, str):
            _check_level(policy, self.to, f"rule {self.name!r}")

    def compile(self, policy: Policy) -> Checker:
        """Return the fast check used by *policy*, with one outcome built per level."""
        scope, name = self._scope, self.name
        test = _issue_test(self.when, condition_defaults(policy))
        slot = ANCHOR_SLOT[scope]
        if self.on is None:
            why = f"{self.when!r} holds"
        elif self.when == ALWAYS:
            why = self.on.value.replace("_", " ")
        else:
            why = f"{self.on.value.replace('_', ' ')} and {self.when!r} holds"
        outcomes = tuple(
            Outcome(
                True, tuple(a for a in (_escalation(name, self.to, policy, pos, why),) if a), scope
            )
            for pos in range(len(policy.levels))
        )
        needs_anchor = scope is not Anchor.CREATED

        def check(context: Context) -> Outcome | None:
            if needs_anchor and context._times[slot] is None:
                return None
            if not test(context.issue):
                return None
            return outcomes[context.level_position]

        return _timed(check, self.when, condition_defaults(policy))

    def check(self, context: Context) -> Outcome | None:
        return self.compile(context.policy)(context)


class Trigger(Protocol):
    """When a time-based rule becomes due: `after` or `sla`."""

    @property
    def once_per(self) -> Anchor:
        """The anchor whose event restarts the trigger."""
        ...

    def amount(self, level: Level) -> timedelta | None:
        """How much clock time after the anchor the trigger fires at *level* (None: never)."""
        ...

    def validate(self, policy: Policy, where: str) -> None:
        """Raise `PolicyError` for references the policy lacks."""
        ...


@attrs.frozen
class After:
    """Due once *duration* of the policy's clock has passed since the *since* anchor."""

    duration: timedelta = attrs.field(
        validator=lambda _i, _a, v: require_duration(v, "after(duration)")
    )
    since: Anchor = attrs.field(default=Anchor.LEVEL_ENTERED, converter=to_anchor)

    @property
    def once_per(self) -> Anchor:
        return self.since

    def amount(self, level: Level) -> timedelta | None:
        return self.duration

    def validate(self, policy: Policy, where: str) -> None:
        """Any anchor and duration are valid."""

    def describe(self) -> str:
        return f"{self.duration} since {self.since.value}"


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
    it; a later crossing (a new level's target, a new cycle) fires again.
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

    def amount(self, level: Level) -> timedelta | None:
        """Unused for SLA triggers: the threshold depends on the issue's priority."""
        return None

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
        if not any(self.metric in lvl.targets for lvl in policy.levels):
            with_targets = sorted({m for lvl in policy.levels for m in lvl.targets})
            raise PolicyError(
                f"uses the SLA clock {self.metric!r}, but no level has a target for it; "
                f"levels have targets for {with_targets}",
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


@attrs.frozen
class TimeRule:
    """Escalate or notify when a trigger's instant passes and *when* holds.

    *action* is ``"escalate"`` (with *to*: NEXT or a level id) or ``"notify"``
    (with *to*: OWNER or a target name). Fires once per trigger scope: once
    per crossing of the threshold for `sla`, once per anchor event for `after`.
    """

    name: str = attrs.field(converter=_name)
    at: After | SlaShare = attrs.field(converter=_trigger)
    action: str = attrs.field()
    to: str | _Next | _Owner = attrs.field()
    when: Condition = attrs.field(default=ALWAYS, converter=_condition, kw_only=True)

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
            _check_level(policy, self.to, where)

    def _action(self, policy: Policy, position: int) -> Action | None:
        why = self.at.describe() + " passed"
        if self.action == "escalate":
            return _escalation(self.name, self.to, policy, position, why)  # type: ignore[arg-type]
        target = policy.levels[position].owner if self.to is OWNER else self.to
        assert isinstance(target, str)
        return Notify(target, self.name, f"{why}: notify {target}", key=f"{self.name}:notify")

    def compile(self, policy: Policy) -> Checker:
        """Return the fast check used by *policy*, with actions and amounts built per level."""
        once = self.at.once_per
        test = _issue_test(self.when, condition_defaults(policy))
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
        clock = policy.clock
        wall = type(clock) is WallClock
        always = self.when == ALWAYS

        def check(context: Context) -> Outcome | None:
            step = plan[context.level_position]
            if step is None:
                return None
            start = context._times[slot]
            if start is None or not (always or test(context.issue)):
                return None
            action, amount = step
            due = start + amount if wall else clock.deadline(context, start, amount)
            if due is None:
                return None
            if context.now >= due:
                return (True, (action,), once, ())  # type: ignore[return-value]
            return (False, (), once, ((due, action),))  # type: ignore[return-value]

        return _timed(check, self.when, condition_defaults(policy))

    def _compile_sla(self, policy: Policy, trigger: SlaShare, test: Test) -> Checker:
        actions = tuple(self._action(policy, pos) for pos in range(len(policy.levels)))
        metric = trigger.metric
        always = self.when == ALWAYS
        # A memo of target -> threshold; it only saves the arithmetic.
        thresholds: dict[timedelta, timedelta] = {}

        def check(context: Context) -> Outcome | None:
            action = actions[context.level_position]
            if action is None or not (always or test(context.issue)):
                return None
            state = context.sla_core(metric)
            if state is None or state.target is None:
                return None
            duration = state.target.duration
            amount = thresholds.get(duration)
            if amount is None:
                amount = thresholds[duration] = trigger.threshold(duration)
            reached, at = state.reaches(amount)
            if at is None:
                return None
            # Once per crossing: an action recorded at or after the instant the threshold
            # is crossed (in this cycle) answers it. A new level whose target is crossed
            # later, or a new cycle, fires again; the same crossing never does.
            scope = state.cycle_index
            if action.key in context._recorded:  # only then does the scope matter
                times = context.issue._summary.times
                crossed = bisect_left(times, at if at.tzinfo is UTC else at.astimezone(UTC)) - 1
                if crossed > scope:
                    scope = crossed
            if reached:
                return (True, (action,), scope, ())  # type: ignore[return-value]
            return (False, (), scope, ((at, action),))  # type: ignore[return-value]

        return _timed(check, self.when, condition_defaults(policy))

    def check(self, context: Context) -> Outcome | None:
        return self.compile(context.policy)(context)


@attrs.frozen
class EscalationChain:
    """The PagerDuty-style loop over the policy's levels.

    When the issue enters a level, notify that level's owner. If nobody
    acknowledges within the level's ``ack_timeout``, escalate to the next
    level. At the top level, after its timeout, notify every level's owner
    again in order, *repeat* times, with the same delays; the issue stays at
    the top (it never de-escalates). An acknowledgement at the current level,
    or resolution, stops the chain. A level without ``ack_timeout`` ends it.
    """

    name: str = attrs.field(converter=_name)
    repeat: int = attrs.field(default=0, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.repeat, int) or not 0 <= self.repeat <= 9:
            raise PolicyError(
                f"repeat must be an integer from 0 to 9, got {self.repeat!r}",
                where=f"rule {self.name!r}",
                value=self.repeat,
            )

    def validate(self, policy: Policy) -> None:
        """Every level can take part; levels without ``ack_timeout`` end the chain."""

    def _steps(self, context: Context, entered: datetime) -> list[tuple[datetime, Action]]:
        level, name = context.level, self.name
        steps: list[tuple[datetime, Action]] = [
            (
                entered,
                Notify(
                    level.owner,
                    name,
                    f"{level.id} entered: page its owner {level.owner}",
                    key=f"{name}:notify:{level.id}",
                ),
            )
        ]
        timeout = level.ack_timeout
        if timeout is None:
            return steps
        deadline = context.clock.deadline(context, entered, timeout)
        if deadline is None:
            return steps
        nxt = context.next_level
        if nxt is not None:
            steps.append(
                (
                    deadline,
                    Escalate(
                        nxt.id,
                        name,
                        f"not acknowledged within {timeout} at {level.id}: escalate to {nxt.id}",
                        key=f"{name}:escalate",
                    ),
                )
            )
            return steps
        levels = context.policy.levels
        if any(lvl.ack_timeout is None for lvl in levels):
            return steps
        at = deadline
        for loop in range(1, self.repeat + 1):
            for lvl in levels:
                steps.append(
                    (
                        at,
                        Notify(
                            lvl.owner,
                            name,
                            f"still not acknowledged: repeat {loop} of {self.repeat}, "
                            f"page {lvl.owner} ({lvl.id})",
                            key=f"{name}:notify:{lvl.id}:{loop}",
                        ),
                    )
                )
                nxt_at = context.clock.deadline(context, at, lvl.ack_timeout)  # type: ignore[arg-type]
                if nxt_at is None:
                    return steps
                at = nxt_at
        return steps

    def check(self, context: Context) -> Outcome | None:
        if context.acknowledged:
            return None
        entered = context.anchor(Anchor.LEVEL_ENTERED)
        assert entered is not None
        now = context.now
        due: list[Action] = []
        upcoming: list[tuple[datetime, Action]] = []
        for at, action in self._steps(context, entered):
            if at <= now:
                due.append(action)
            else:
                upcoming.append((at, action))
        return Outcome(bool(due), tuple(due), Anchor.LEVEL_ENTERED, tuple(upcoming))


@attrs.frozen
class FirstMatch:
    """A group of rules of which only the first that matches applies (a routing table)."""

    name: str = attrs.field(converter=_name)
    rules: tuple[Rule, ...] = attrs.field(converter=rule_tuple)

    def __attrs_post_init__(self) -> None:
        for i, rule in enumerate(self.rules):
            if not isinstance(rule, Rule):
                raise PolicyError(
                    f"rules[{i}] is not a rule: {rule!r}", where=f"group {self.name!r}", value=rule
                )

    def validate(self, policy: Policy) -> None:
        for rule in self.rules:
            rule.validate(policy)

    def check(self, context: Context) -> Outcome | None:  # pragma: no cover - engine inlines
        raise NotImplementedError("FirstMatch groups are run by the policy engine")


# ---------------------------------------------------------------- the DSL


def after(duration: timedelta, *, since: Anchor | str = Anchor.LEVEL_ENTERED) -> After:
    """A time trigger: *duration* after the *since* anchor (default: entering the level)."""
    return After(duration, to_anchor(since))


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


def route(name: str, *, when: Condition, to: str) -> FunctionalRule:
    """Functional escalation: route issues matching *when* to the team *to*."""
    return FunctionalRule(name, when, to)


def escalate(
    name: str,
    *,
    to: str | _Next = NEXT,
    when: Condition = ALWAYS,
    at: After | SlaShare | None = None,
    on: EventKind | str | None = None,
) -> HierarchicalRule | TimeRule:
    """Hierarchical (``when``/``on``) or time-based (``at``) escalation to *to*."""
    if at is not None:
        if on is not None:
            raise PolicyError("a rule takes 'at' or 'on', not both", where=f"rule {name!r}")
        return TimeRule(name, at, "escalate", to, when=when)
    return HierarchicalRule(name, when, to, on=None if on is None else _event_kind(on))


def notify(
    name: str, *, at: After | SlaShare, to: str | _Owner = OWNER, when: Condition = ALWAYS
) -> TimeRule:
    """Time-based notification of *to* (default: the current level's owner)."""
    return TimeRule(name, at, "notify", to, when=when)


def chain(name: str, *, repeat: int = 0) -> EscalationChain:
    """The PagerDuty-style notify-then-escalate loop over the policy's levels."""
    return EscalationChain(name, repeat=repeat)


def first_match(name: str, rules: Sequence[Rule]) -> FirstMatch:
    """A group of rules in which only the first matching rule applies."""
    return FirstMatch(name, tuple(rules))
