"""Properties every run of a policy should keep, and the built-in ones."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs

from .._conditions.condition import ALWAYS
from .._durations import format_duration, words
from .._exceptions import PolicyError
from .._instants import local
from .._model.actions import Escalate
from .._model.anchors import Anchor
from .._model.clock_definitions import Metric
from .._model.events import CLOSED, EventKind, Status
from .._rules.chain import EscalationChain
from .._rules.first_match import leaves
from .._rules.timed import After, SlaShare, TimeRule
from .simulate import Run

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._time.calendar import BusinessCalendar


class Invariant(Protocol):
    """A property of a `Run`: ``None``/``True`` when it holds, ``False`` or a sentence when not.

    Raising `AssertionError` also counts as broken (its message is the sentence).
    """

    def __call__(self, run: Run) -> str | bool | None:
        """Check *run*."""
        ...


def invariant_name(invariant: Callable[[Run], object]) -> str:
    """How reports name an invariant: a function's name, else its ``repr``."""
    name = getattr(invariant, "__name__", None)
    return name if isinstance(name, str) else repr(invariant)


def violation(invariant: Callable[[Run], object], run: Run) -> str | None:
    """Why *run* breaks *invariant*, or ``None`` if it holds."""
    if run.error is not None:
        return f"evaluating the policy raised {type(run.error).__name__}: {run.error}"
    try:
        result = invariant(run)
    except AssertionError as exc:
        return str(exc) or f"{invariant_name(invariant)} failed an assertion"
    if result is None or result is True:
        return None
    if result is False:
        return f"{invariant_name(invariant)} returned False"
    if isinstance(result, str):
        return result
    raise TypeError(
        f"the invariant {invariant_name(invariant)} returned {result!r}; return None or True "
        "when it holds, False or a message when it breaks"
    )


def _zone(run: Run) -> Any:
    return run.issue.created_at.tzinfo


def _code(duration: timedelta) -> str:
    """*duration* as in a call (``1h30m``); in words when it has no such form."""
    try:
        return format_duration(duration)
    except PolicyError:  # negative, a fraction of a second, or over 100 years
        return words(duration)


def _when(run: Run, t: datetime) -> str:
    return local(t, _zone(run))


def _position(policy: Policy, level: str | None) -> int:
    if level is None:
        return 0
    return policy.levels.index(policy.level(level))


def _positive(value: object, what: str) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise PolicyError(f"{what} must be a positive timedelta, got {value!r}", value=value)
    return value


@attrs.frozen(repr=False)
class NeverSkipsALevel:
    """Every escalation by the policy moves the issue exactly one level up."""

    def __call__(self, run: Run) -> str | None:
        policy = run.policy
        for step in run.escalations:
            assert isinstance(step.action, Escalate)
            here, there = _position(policy, step.level), _position(policy, step.action.to)
            if there > here + 1:
                skipped = ", ".join(lvl.id for lvl in policy.levels[here + 1 : there])
                return (
                    f"escalated from {step.level} to {step.action.to} at {_when(run, step.at)} "
                    f"(rule {step.action.rule!r}), skipping {skipped}"
                )
        return None

    def __repr__(self) -> str:
        return "never_skips_a_level()"


def never_skips_a_level() -> NeverSkipsALevel:
    """Invariant: every escalation the policy makes goes exactly one level up.

    Levels a person moves the issue to (``LEVEL_CHANGED`` events) are not checked.
    """
    return NeverSkipsALevel()


@attrs.frozen(repr=False)
class ReachesWithin:
    """An issue (of one priority) reaches a level, or is resolved, within a duration."""

    level: str
    within: timedelta = attrs.field(
        validator=lambda _i, _a, v: _positive(v, "reaches_within(within=)")
    )
    priority: str | None = None
    calendar: BusinessCalendar | None = None
    pause_while_pending: bool = False

    def _deadline(self, run: Run) -> datetime | None:
        """When the allowed time runs out (``None``: paused for good before it does)."""
        start = run.issue.created_at
        cal = self.calendar

        def measure(a: datetime, b: datetime) -> timedelta:
            return cal.between(a, b) if cal is not None else b - a

        def add(a: datetime, d: timedelta) -> datetime:
            return cal.add(a, d) if cal is not None else a + d

        if not self.pause_while_pending:
            return add(start, self.within)
        left, cursor = self.within, start
        status = run.policy.status_of(run.opening)
        for m in run.moments:
            event = m.event
            if event is None or event.kind is not EventKind.STATUS_CHANGED or event.status is None:
                continue
            if status is not Status.PENDING:
                counted = measure(cursor, m.at)
                if counted >= left:
                    return add(cursor, left)
                left -= counted
            cursor, status = m.at, run.policy.map_status(event.status, run.issue.id)
        return None if status is Status.PENDING else add(cursor, left)

    def __call__(self, run: Run) -> str | None:
        policy = run.policy
        issue = run.issue
        if self.priority is not None and issue.priority != self.priority:
            return None
        target = _position(policy, self.level)
        deadline = self._deadline(run)
        if deadline is None or deadline > run.until:
            return None
        level, status = run.opening.level, policy.status_of(run.opening)

        def there() -> bool:
            return _position(policy, level) >= target or status in CLOSED

        reached = issue.created_at if there() else None
        for m in run.moments:
            if reached is not None:
                break
            if m.step is not None and isinstance(m.step.action, Escalate):
                level = m.step.action.to
            elif m.event is not None and m.event.level is not None:
                level = m.event.level
            elif m.event is not None and m.event.kind is EventKind.STATUS_CHANGED:
                status = policy.map_status(m.event.status or "", issue.id)
            if there():
                reached = m.at
        if reached is not None and reached <= deadline:
            return None
        whose = "an issue" if self.priority is None else f"a {self.priority} issue"
        later = (
            f"it never reached {self.level}"
            if reached is None
            else f"it reached {self.level} only at {_when(run, reached)}"
        )
        return (
            f"{whose} must reach {self.level} or be resolved within {self._measured()}, "
            f"by {_when(run, deadline)}; it was then at "
            f"{run.level_at(deadline)} and {run.status_at(deadline).value}, and {later}"
        )

    def _measured(self) -> str:
        text = words(self.within)
        text += " of business time" if self.calendar is not None else ""
        text += " of being opened"
        return text + (" (pending time excluded)" if self.pause_while_pending else "")

    def __repr__(self) -> str:
        args = [repr(self.level), _code(self.within)]
        if self.priority is not None:
            args.append(f"priority={self.priority!r}")
        if self.calendar is not None:
            args.append(f"calendar={self.calendar!r}")
        if self.pause_while_pending:
            args.append("pause_while_pending=True")
        return f"reaches_within({', '.join(args)})"


def reaches_within(
    level: str,
    within: timedelta,
    *,
    priority: str | None = None,
    calendar: BusinessCalendar | None = None,
    pause_while_pending: bool = False,
) -> ReachesWithin:
    """Invariant: every issue (of *priority*) reaches *level* or is resolved within *within*.

    Reaching a level means being there or higher, moved by the policy or by a person.
    Time counts from the opening: elapsed real time, or business time on *calendar*;
    with *pause_while_pending*, time spent pending on the customer does not count
    (as the SLA clocks do by default). A run that ends before the time is up says
    nothing.
    """
    return ReachesWithin(level, within, priority, calendar, pause_while_pending)


@attrs.frozen(repr=False)
class NoTwoEscalationsWithin:
    """Two escalations of one issue by the policy are at least *gap* apart."""

    gap: timedelta = attrs.field(
        validator=lambda _i, _a, v: _positive(v, "no_two_escalations_within(gap)")
    )

    def __call__(self, run: Run) -> str | None:
        escalations = run.escalations
        for a, b in pairwise(escalations):
            if b.at - a.at < self.gap:
                assert isinstance(a.action, Escalate) and isinstance(b.action, Escalate)
                return (
                    f"escalated twice within {words(self.gap)}: to {a.action.to} at "
                    f"{_when(run, a.at)} (rule {a.action.rule!r}) and to {b.action.to} at "
                    f"{_when(run, b.at)} (rule {b.action.rule!r}), "
                    f"{words(b.at - a.at)} apart"
                )
        return None

    def __repr__(self) -> str:
        return f"no_two_escalations_within({_code(self.gap)})"


def no_two_escalations_within(gap: timedelta) -> NoTwoEscalationsWithin:
    """Invariant: the policy never escalates one issue twice within *gap*."""
    return NoTwoEscalationsWithin(gap)


_RESOLVED_WORDS: Final = re.compile(r"resolv|clos|done|solved|complet|cancel|fixed", re.I)


def resolved_statuses(policy: Policy) -> frozenset[str]:
    """Host statuses that mean "resolved": the built-in ``resolved`` and ``closed``, those
    the policy maps onto them, and those whose name says so (``done``, ``solved``, ...)."""
    out = {Status.RESOLVED.value, Status.CLOSED.value}
    for host, status in policy.status_map.items():
        if status in CLOSED or _RESOLVED_WORDS.search(host):
            out.add(host)
    return frozenset(out)


@attrs.frozen(repr=False)
class ResolvedNeverEscalates:
    """The policy never escalates an issue while its status says it is resolved."""

    statuses: frozenset[str] | None = None

    def __call__(self, run: Run) -> str | None:
        done = self.statuses if self.statuses is not None else resolved_statuses(run.policy)
        status = run.opening.status
        for m in run.moments:
            if m.event is not None and m.event.kind is EventKind.STATUS_CHANGED:
                status = m.event.status or status
            elif m.step is not None and isinstance(m.step.action, Escalate) and status in done:
                return (
                    f"escalated to {m.step.action.to} at {_when(run, m.at)} "
                    f"(rule {m.step.action.rule!r}) while its status was {status!r}, which "
                    f"means resolved (the policy maps it to {run.policy.map_status(status).value})"
                )
        return None

    def __repr__(self) -> str:
        if self.statuses is None:
            return "resolved_never_escalates()"
        return f"resolved_never_escalates({sorted(self.statuses)!r})"


def resolved_never_escalates(statuses: Iterable[str] | None = None) -> ResolvedNeverEscalates:
    """Invariant: no escalation while the issue's status is one of *statuses*.

    *statuses* are host status names that mean "resolved". By default: ``resolved``,
    ``closed``, every status the policy's ``status_map`` maps onto them, and every
    mapped status whose name says so (``done``, ``solved``, ``completed``, ``cancelled``,
    ``fixed``, ...): a map that sends ``"done"`` to ``pending`` is then caught.
    """
    if isinstance(statuses, str):
        raise TypeError(f"resolved_never_escalates() takes a list of statuses, not {statuses!r}")
    return ResolvedNeverEscalates(None if statuses is None else frozenset(statuses))


@attrs.frozen(repr=False)
class EndsAtTerminalLevel:
    """An issue left open and unacknowledged ends at a terminal level."""

    terminal: tuple[str, ...] | None = None

    def __call__(self, run: Run) -> str | None:
        if not run.settled:
            return None
        policy, final = run.policy, run.final
        if policy.status_of(final) is not Status.OPEN:
            return None
        entered = acknowledged = -1
        for i, event in enumerate(final.history):
            if event.level is not None:
                entered = i
            elif event.kind is EventKind.ACKNOWLEDGED:
                acknowledged = i
        if acknowledged > entered:
            return None
        for level in self.terminal or ():
            policy.level(level)  # an unknown level id fails loudly, with a suggestion
        terminal = self.terminal or (policy.levels[-1].id,)
        level = final.level or policy.levels[0].id
        if level in terminal:
            return None
        last = run.moments[-1].at if run.moments else run.issue.created_at
        return (
            f"left open and unacknowledged, the issue stays at {level} for good: nothing "
            f"moves it after {_when(run, last)}; terminal: {', '.join(terminal)}"
        )

    def __repr__(self) -> str:
        if self.terminal is None:
            return "ends_at_terminal_level()"
        return f"ends_at_terminal_level({list(self.terminal)!r})"


def ends_at_terminal_level(terminal: Sequence[str] | None = None) -> EndsAtTerminalLevel:
    """Invariant: an issue nobody resolves or acknowledges ends at a terminal level.

    When the run has settled with the issue open (not pending: paused clocks wait for
    the customer) and not acknowledged since it entered its level, that level must be
    one of *terminal* (by default the top level). It catches an escalation chain that
    stops half-way: a level with no target or no ``ack_timeout``.
    """
    if isinstance(terminal, str):
        raise TypeError(f"ends_at_terminal_level() takes a list of level ids, not {terminal!r}")
    return EndsAtTerminalLevel(None if terminal is None else tuple(terminal))


@attrs.frozen(repr=False)
class NeverRaises:
    """Evaluating the policy never raises (a missing value, a value of the wrong kind)."""

    def __call__(self, run: Run) -> None:
        return None  # `violation` reports an error before any invariant runs

    def __repr__(self) -> str:
        return "never_raises()"


def never_raises() -> NeverRaises:
    """Invariant: the policy decides every issue without raising.

    For example an ordering test on an attribute that some issues lack, not guarded by
    ``exists()``, raises `MissingFieldError`. (An evaluation that raises breaks every
    invariant; this one checks nothing else.)
    """
    return NeverRaises()


def climbs(policy: Policy) -> bool:
    """Does *policy* promise to move every open issue up by time: an on-call chain, or an
    unconditional escalation on the time at level (``sla("time_at_level")``, or
    ``after(..., since="level_entered")``)?"""
    for rule in leaves(policy.rules):
        if isinstance(rule, EscalationChain):
            return True
        if isinstance(rule, TimeRule) and rule.action == "escalate" and rule.when == ALWAYS:
            at = rule.at
            if isinstance(at, After) and at.since is Anchor.LEVEL_ENTERED:
                return True
            if isinstance(at, SlaShare):
                clock = policy.clocks.get(at.metric)
                if clock is not None and clock.metric is Metric.TIME_AT_LEVEL:
                    return True
    return False


def standard_invariants(policy: Policy) -> tuple[Callable[[Run], object], ...]:
    """The ready-made invariants that make sense for *policy* without knowing its intent.

    `never_raises` and `resolved_never_escalates` always; `ends_at_terminal_level` when
    the policy promises to climb by time (see `climbs`). The others need numbers only
    the policy's authors know (which level, within how long).
    """
    out: list[Callable[[Run], object]] = [never_raises(), resolved_never_escalates()]
    if climbs(policy):
        out.append(ends_at_terminal_level())
    return tuple(out)
