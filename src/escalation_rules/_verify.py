"""Policy verification: play a policy over an issue's history, check invariants, find a break.

A `Run` is what a host would see if it ran the policy on an issue: the issue's own events
(messages, replies, status and level changes) arrive at their instants, and in between
the host carries out every action the policy decides, when it decides it, as
`forecast` does. After the last event nothing else happens until the run's end.

An invariant is a function of a `Run` that returns ``None`` (or ``True``) when it holds,
and ``False`` or a sentence saying what went wrong when it does not; raising
`AssertionError` also counts as broken. Ready-made ones: `never_skips_a_level`,
`reaches_within`, `no_two_escalations_within`, `resolved_never_escalates`,
`ends_at_terminal_level`, `never_raises`. An evaluation that raises breaks every
invariant: nothing can be said of a policy that cannot decide.

`verify` searches generated issues (`escalation_rules.strategies.issues_for`) with
Hypothesis for one whose run breaks an invariant, and raises `VerificationFailed` with
the smallest such run, as a timeline. Hypothesis is imported only when `verify` runs,
so invariants and runs work without it.

This module never reads the clock; the search is derandomized and keeps no database,
so the same policy and invariant always give the same answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs

from ._actions import Action, Decision, Escalate, Notify, Route
from ._calendar import BusinessCalendar
from ._conditions import ALWAYS
from ._context import Anchor
from ._exceptions import EscalationRulesError, PolicyError
from ._explain import ForecastStep, forecast
from ._issue import Event, EventKind, Issue, Status
from ._policy import Policy
from ._rules import After, EscalationChain, FirstMatch, Rule, SlaShare, TimeRule
from ._sla import Metric
from ._time import require_aware

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "DEFAULT_HORIZON",
    "Invariant",
    "Moment",
    "Run",
    "Verdict",
    "VerificationFailed",
    "ends_at_terminal_level",
    "never_raises",
    "never_skips_a_level",
    "no_two_escalations_within",
    "reaches_within",
    "resolved_never_escalates",
    "run_verify_command",
    "simulate",
    "standard_invariants",
    "verify",
    "verify_all",
]

DEFAULT_HORIZON: Final = timedelta(days=60)
"""How long a run goes on after the issue's last event, unless told otherwise."""

_ONE_US: Final = timedelta(microseconds=1)
_CLOSED: Final = (Status.RESOLVED, Status.CLOSED)


# -- words for instants, durations, events and actions -------------------------------------


def format_duration(d: timedelta) -> str:
    """``timedelta(hours=26, minutes=30)`` -> ``"1d2h30m"``; ``0`` -> ``"0"``."""
    sign = "-" if d < timedelta(0) else ""
    d = abs(d)
    days, seconds = d.days, d.seconds
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    if seconds or d.microseconds:
        parts.append(f"{seconds + d.microseconds / 1e6:g}s")
    return sign + ("".join(parts) or "0")


def format_instant(t: datetime, zone: Any = None) -> str:
    """``Fri 2026-03-06 16:00 CET``: the instant as wall time in *zone* (default: its own)."""
    if zone is not None:
        t = t.astimezone(zone)
    text = f"{t:%a %Y-%m-%d %H:%M}"
    if t.second or t.microsecond:
        text += f":{t:%S}" + (f".{t:%f}" if t.microsecond else "")
    return f"{text} {t.tzname()}"


def describe_action(action: Action) -> str:
    """``escalate to L2 (rule 'breach')``, ``notify frontline (rule 'warn')``, ..."""
    if isinstance(action, Escalate):
        what = f"escalate to {action.to}"
    elif isinstance(action, Route):
        what = f"route to {action.team}"
    elif isinstance(action, Notify):
        what = f"notify {action.target}"
    else:  # pragma: no cover - the three kinds are exhaustive
        what = repr(action)
    return f"{what} (rule {action.rule!r})"


def describe_step(step: ForecastStep) -> str:
    """A policy action in a timeline: an escalation names the level it leaves."""
    action = step.action
    if isinstance(action, Escalate):
        return f"policy: escalate {step.level} -> {action.to} (rule {action.rule!r})"
    return f"policy: {describe_action(action)}"


def describe_event(event: Event) -> str:
    """An event of an issue's history, in words."""
    kind = event.kind
    by = f" by {event.actor}" if event.actor else ""
    if kind is EventKind.CREATED:
        return "opened" + by
    if kind is EventKind.CUSTOMER_MESSAGE:
        return "customer wrote"
    if kind is EventKind.AGENT_REPLY:
        return "agent replied" + by
    if kind is EventKind.ACKNOWLEDGED:
        return "acknowledged" + by
    if kind is EventKind.MANAGER_REQUESTED:
        return "customer asked for a manager"
    if kind is EventKind.STATUS_CHANGED:
        return f"status -> {event.status}"
    if kind is EventKind.LEVEL_CHANGED:
        return f"moved to {event.level}" + by
    if kind is EventKind.REASSIGNED:
        parts = [f"team {event.team}"] if event.team else []
        parts += [f"assignee {event.assignee}"] if event.assignee else []
        return "reassigned to " + (" and ".join(parts) or "nobody")
    if kind is EventKind.ACTION_TAKEN:
        return f"action {event.action} carried out"
    return f"{event.name or 'custom'} (custom event)"


def describe_issue(issue: Issue) -> str:
    """``issue 'T-1' (priority P1, tags vip, customer tier enterprise)``: its set fields."""
    parts: list[str] = []
    for name in ("priority", "category", "level", "team", "assignee", "product", "language"):
        value = getattr(issue, name)
        if value is not None and not (name == "level" and _moved(issue)):
            parts.append(f"{name} {value}")
    for name in ("skills", "tags"):
        values: frozenset[str] = getattr(issue, name)
        if values:
            parts.append(f"{name} {', '.join(sorted(values))}")
    customer = issue.customer
    for name in ("id", "tier", "value", "account"):
        value = getattr(customer, name)
        if value is not None:
            parts.append(f"customer {name} {value}")
    if customer.attributes:
        parts.append(f"customer attributes {dict(customer.attributes)!r}")
    if issue.attributes:
        parts.append(f"attributes {dict(issue.attributes)!r}")
    return f"issue {issue.id!r}" + (f" ({', '.join(parts)})" if parts else "")


def _moved(issue: Issue) -> bool:
    """Does the history set the level (so that ``issue.level`` is not where it started)?"""
    return any(e.level is not None for e in issue.history)


def history_lines(issue: Issue) -> list[str]:
    """One line per event: wall time in the zone the issue was opened in, offset, event."""
    zone = issue.created_at.tzinfo
    if not issue.history:
        return [f"{format_instant(issue.created_at, zone)}  +0  opened (no events)"]
    return [
        f"{format_instant(e.at, zone)}  {_offset(e.at, issue.created_at):<9} {describe_event(e)}"
        for e in issue.history
    ]


def _offset(t: datetime, start: datetime) -> str:
    d = t - start
    return ("+" if d >= timedelta(0) else "") + format_duration(d)


# -- a run: the policy at work on one issue -------------------------------------------------


@attrs.frozen
class Moment:
    """One line of a run's timeline: an event of the issue, or an action of the policy.

    Attributes:
        at: when it happened.
        event: the issue's event, or ``None``.
        step: the policy's action (as a `ForecastStep`), or ``None``.
    """

    at: datetime
    event: Event | None = None
    step: ForecastStep | None = None

    def describe(self) -> str:
        """The moment in words."""
        if self.step is not None:
            return describe_step(self.step)
        assert self.event is not None
        return describe_event(self.event)


def _append(issue: Issue, event: Event) -> Issue:
    """*issue* with *event* appended, fields kept in step (recorded actions included)."""
    if event.kind is EventKind.ACTION_TAKEN:
        changes: dict[str, Any] = {"history": (*issue.history, event)}
        if event.level is not None:
            changes["level"] = event.level
        if event.team is not None:
            changes["team"] = event.team
        return attrs.evolve(issue, **changes)
    return issue.with_event(event)


def _opening(issue: Issue) -> Issue:
    """*issue* as it was when opened: no events, and the fields its history changes unset."""
    history = issue.history
    changes: dict[str, Any] = {"history": ()}
    if any(e.kind is EventKind.STATUS_CHANGED and e.status is not None for e in history):
        changes["status"] = ""  # derived again: open until the first change
    if any(e.level is not None for e in history):
        changes["level"] = None
    if any(e.kind is EventKind.REASSIGNED for e in history):
        changes["team"] = None
        changes["assignee"] = None
    if any(e.kind is EventKind.ACTION_TAKEN and e.team is not None for e in history):
        changes["team"] = None
    return attrs.evolve(issue, **changes)


@attrs.frozen(eq=False)
class Run:
    """The policy at work on one issue, from its opening to *until*.

    The issue's events arrive at their instants; in between, every action the policy
    decides is carried out and recorded when it is decided. After the last event
    nothing else happens. Build one with `simulate`.

    Attributes:
        policy: the `Policy`.
        issue: the issue whose history was played.
        opening: the issue as it was opened, before any event.
        until: when the run stops.
        moments: the timeline: events and actions in the order they happened.
        final: the issue at *until*, every event and action in its history.
        settled: at *until* the policy had nothing more to do, now or later.
        error: the error an evaluation raised (the run stops there), or ``None``.
    """

    policy: Policy
    issue: Issue
    opening: Issue
    until: datetime
    moments: tuple[Moment, ...]
    final: Issue
    settled: bool
    error: EscalationRulesError | None = None

    @property
    def steps(self) -> tuple[ForecastStep, ...]:
        """Every action the policy took, in order."""
        return tuple(m.step for m in self.moments if m.step is not None)

    @property
    def escalations(self) -> tuple[ForecastStep, ...]:
        """The policy's escalations, in order (``step.level`` is the level it left)."""
        return tuple(s for s in self.steps if isinstance(s.action, Escalate))

    def issue_at(self, t: datetime) -> Issue:
        """The issue as it stood at *t*: every event and action up to *t* included."""
        t = require_aware(t, "t")
        issue = self.opening
        for moment in self.moments:
            if moment.at > t:
                break
            if moment.step is not None:
                issue = issue.record(moment.step.action, moment.at)
            elif moment.event is not None:
                issue = _append(issue, moment.event)
        return issue

    def decision_at(self, t: datetime) -> Decision:
        """What the policy decides at *t* for the issue as it then stood."""
        return self.policy.evaluate(self.issue_at(t), t)

    def level_at(self, t: datetime) -> str:
        """The id of the issue's level at *t*."""
        return self.issue_at(t).level or self.policy.levels[0].id

    def status_at(self, t: datetime) -> Status:
        """The issue's status at *t*, mapped onto `Status` by the policy."""
        return self.policy.status_of(self.issue_at(t))

    def timeline(self) -> str:
        """The run as text: the issue, then one line per event or action."""
        zone = self.issue.created_at.tzinfo
        start = self.issue.created_at
        lines = [f"{describe_issue(self.opening)}, policy {self.policy.name!r}:"]
        if not self.moments or self.moments[0].event is None:
            lines.append(f"  {format_instant(start, zone)}  +0        opened")
        for m in self.moments:
            lines.append(
                f"  {format_instant(m.at, zone)}  {_offset(m.at, start):<9} {m.describe()}"
            )
        if self.error is not None:
            lines.append(f"  then evaluating raised {type(self.error).__name__}: {self.error}")
        elif self.settled:
            lines.append("  then nothing more happens")
        else:
            lines.append(f"  (the run stops at {format_instant(self.until, zone)})")
        return "\n".join(lines)


def simulate(policy: Policy, issue: Issue, *, horizon: timedelta = DEFAULT_HORIZON) -> Run:
    """Play *policy* over *issue*'s history and *horizon* beyond its last event.

    The issue's events arrive at their instants; before each one, and after the last,
    the policy's actions are carried out as `forecast` would. An action due at the very
    instant of an event comes after that event.

    Args:
        policy: the policy.
        issue: the issue; its history (in time order) is what happens from outside.
        horizon: how long the run goes on after the last event.

    Returns:
        The `Run`. An evaluation that raises ends it early, with the error in ``error``.
    """
    opening = _opening(issue)
    current = opening
    t = issue.created_at
    moments: list[Moment] = []
    error: EscalationRulesError | None = None
    last = max([t, *(e.at for e in issue.history)])
    until = last + horizon
    settled = False
    try:
        for event in issue.history:
            if event.at > t:
                for step in forecast(policy, current, t, event.at - _ONE_US):
                    current = current.record(step.action, step.at)
                    moments.append(Moment(step.at, step=step))
                t = event.at
            current = _append(current, event)
            moments.append(Moment(event.at, event=event))
        for step in forecast(policy, current, t, until):
            current = current.record(step.action, step.at)
            moments.append(Moment(step.at, step=step))
        decision = policy.evaluate(current, until)
        settled = not decision.actions and decision.next_evaluation_at is None
    except EscalationRulesError as exc:
        error = exc
    return Run(policy, issue, opening, until, tuple(moments), current, settled, error)


# -- invariants ------------------------------------------------------------------------------


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


def _when(run: Run, t: datetime) -> str:
    return format_instant(t, _zone(run))


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
            return _position(policy, level) >= target or status in _CLOSED

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
        text = format_duration(self.within)
        text += " of business time" if self.calendar is not None else ""
        text += " of being opened"
        return text + (" (pending time excluded)" if self.pause_while_pending else "")

    def __repr__(self) -> str:
        args = [repr(self.level), format_duration(self.within)]
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
                    f"escalated twice within {format_duration(self.gap)}: to {a.action.to} at "
                    f"{_when(run, a.at)} (rule {a.action.rule!r}) and to {b.action.to} at "
                    f"{_when(run, b.at)} (rule {b.action.rule!r}), "
                    f"{format_duration(b.at - a.at)} apart"
                )
        return None

    def __repr__(self) -> str:
        return f"no_two_escalations_within({format_duration(self.gap)})"


def no_two_escalations_within(gap: timedelta) -> NoTwoEscalationsWithin:
    """Invariant: the policy never escalates one issue twice within *gap*."""
    return NoTwoEscalationsWithin(gap)


_RESOLVED_WORDS: Final = re.compile(r"resolv|clos|done|solved|complet|cancel|fixed", re.I)


def resolved_statuses(policy: Policy) -> frozenset[str]:
    """Host statuses that mean "resolved": the built-in ``resolved`` and ``closed``, those
    the policy maps onto them, and those whose name says so (``done``, ``solved``, ...)."""
    out = {Status.RESOLVED.value, Status.CLOSED.value}
    for host, status in policy.status_map.items():
        if status in _CLOSED or _RESOLVED_WORDS.search(host):
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


def _walk(rules: Iterable[Rule]) -> Iterable[Rule]:
    for rule in rules:
        if isinstance(rule, FirstMatch):
            yield from _walk(rule.rules)
        else:
            yield rule


def climbs(policy: Policy) -> bool:
    """Does *policy* promise to move every open issue up by time: an on-call chain, or an
    unconditional escalation on the time at level (``sla("time_at_level")``, or
    ``after(..., since="level_entered")``)?"""
    for rule in _walk(policy.rules):
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


# -- the search ------------------------------------------------------------------------------


def restore_error(
    cls: type[BaseException], args: tuple[object, ...], state: dict[str, object]
) -> BaseException:
    """Rebuild a pickled error from its args and attributes, without calling ``__init__``."""
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class VerificationFailed(EscalationRulesError, AssertionError):
    """A policy breaks an invariant; the smallest counterexample found is attached.

    ``str(exc)`` names the policy and the invariant, says what went wrong, and shows
    the counterexample's run as a timeline.

    Attributes:
        invariant: the invariant that broke.
        reason: what went wrong, in one sentence.
        run: the counterexample's `Run` (``run.issue`` is the issue).
    """

    def __init__(self, invariant: Callable[[Run], object], reason: str, run: Run) -> None:
        self.invariant = invariant
        self.reason = reason
        self.run = run
        super().__init__(
            f"policy {run.policy.name!r} breaks {invariant_name(invariant)}: {reason}\n"
            f"smallest counterexample found:\n{run.timeline()}"
        )

    @property
    def issue(self) -> Issue:
        """The counterexample issue."""
        return self.run.issue

    def __reduce__(self) -> tuple[object, ...]:
        return (restore_error, (type(self), self.args, self.__dict__))


@attrs.frozen(eq=False)
class Verdict:
    """The outcome of verifying one invariant: it held, or the failure.

    Attributes:
        invariant: the invariant.
        failure: the `VerificationFailed`, or ``None`` when no counterexample was found.
    """

    invariant: Callable[[Run], object]
    failure: VerificationFailed | None

    @property
    def holds(self) -> bool:
        """No counterexample was found."""
        return self.failure is None

    @property
    def name(self) -> str:
        """The invariant's name."""
        return invariant_name(self.invariant)


_MISSING_HYPOTHESIS: Final = (
    "policy verification searches with Hypothesis, which is not installed; "
    "install it with: pip install 'escalation-rules[testing]'"
)


def verify(
    policy: Policy,
    invariant: Callable[[Run], object],
    *,
    max_examples: int = 200,
    issues: SearchStrategy[Issue] | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> None:
    """Search for an issue on which *policy* breaks *invariant*; raise if one is found.

    Hypothesis generates issues relevant to the policy (`issues_for`, or the strategy
    *issues*), plays each with `simulate`, and checks the invariant. When one breaks
    it, Hypothesis shrinks it to the smallest it can find, which is reported. The search
    is deterministic: derandomized, with no example database.

    Args:
        policy: the policy under test.
        invariant: a function of a `Run`; see `Invariant`.
        max_examples: how many issues to try at most (shrinking comes on top).
        issues: a Hypothesis strategy of issues to search instead of ``issues_for(policy)``.
        horizon: how long each run goes on after the issue's last event.

    Raises:
        VerificationFailed: the smallest counterexample found (an `AssertionError`).
        ImportError: Hypothesis is not installed.
    """
    try:
        from hypothesis import HealthCheck, Phase, find, settings
        from hypothesis.errors import NoSuchExample
    except ImportError as exc:  # pragma: no cover - the test environment has Hypothesis
        raise ImportError(_MISSING_HYPOTHESIS) from exc
    from .strategies import issues_for

    if issues is not None:
        strategy = issues
    else:  # an invariant about one priority needs issues of that priority
        priority = getattr(invariant, "priority", None)
        strategy = issues_for(policy, priorities=[priority] if isinstance(priority, str) else [])

    def breaks(issue: Issue) -> bool:
        return violation(invariant, simulate(policy, issue, horizon=horizon)) is not None

    config = settings(
        max_examples=max_examples,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    try:
        smallest = find(strategy, breaks, settings=config)
    except NoSuchExample:
        return None
    run = simulate(policy, smallest, horizon=horizon)
    reason = violation(invariant, run)
    assert reason is not None  # simulation is deterministic
    raise VerificationFailed(invariant, reason, run)


def verify_all(
    policy: Policy,
    invariants: Iterable[Callable[[Run], object]] | None = None,
    *,
    max_examples: int = 200,
    issues: SearchStrategy[Issue] | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> tuple[Verdict, ...]:
    """`verify` each invariant (by default `standard_invariants`); one `Verdict` each.

    Never raises for a broken invariant: each verdict holds its failure.
    """
    chosen = standard_invariants(policy) if invariants is None else tuple(invariants)
    verdicts = []
    for invariant in chosen:
        try:
            verify(policy, invariant, max_examples=max_examples, issues=issues, horizon=horizon)
        except VerificationFailed as failure:
            verdicts.append(Verdict(invariant, failure))
        else:
            verdicts.append(Verdict(invariant, None))
    return tuple(verdicts)


def run_verify_command(policy: Policy, *, max_examples: int = 200) -> tuple[int, str]:
    """What ``escalation-rules verify POLICY`` does: `verify_all`, as an exit code and a report.

    Returns:
        ``(0, report)`` when every standard invariant holds, ``(1, report)`` when one
        breaks (the report shows each counterexample's timeline), ``(2, message)`` when
        Hypothesis is not installed.
    """
    try:
        import hypothesis  # noqa: F401
    except ImportError:  # pragma: no cover - the test environment has Hypothesis
        return 2, _MISSING_HYPOTHESIS
    verdicts = verify_all(policy, max_examples=max_examples)
    lines = [
        f"verifying policy {policy.name!r}: {len(verdicts)} invariants, "
        f"up to {max_examples} generated issues each"
    ]
    for verdict in verdicts:
        lines.append(f"  {'ok' if verdict.holds else 'BROKEN':<7}{verdict.name}")
    broken = [v.failure for v in verdicts if v.failure is not None]
    for failure in broken:
        lines += ["", str(failure)]
    lines.append("")
    if broken:
        lines.append(f"{len(broken)} of {len(verdicts)} invariants broken")
    else:
        lines.append(f"all {len(verdicts)} invariants hold")
    return (1 if broken else 0), "\n".join(lines)
