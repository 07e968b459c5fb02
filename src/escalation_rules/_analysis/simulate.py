"""Simulating an issue's life under a policy, with a responder who follows its actions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._engine.forecast import ForecastStep, forecast
from .._exceptions import EscalationRulesError
from .._instants import local, require_aware
from .._model.actions import Decision, Escalate
from .._model.events import Event, EventKind, Status
from .describe import (
    describe_event,
    describe_issue,
    describe_step,
    format_offset,
)

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._model.issue import Issue

DEFAULT_HORIZON: Final = timedelta(days=60)
"""How long a run goes on after the issue's last event, unless told otherwise."""

_ONE_US: Final = timedelta(microseconds=1)


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
            lines.append(f"  {local(start, zone)}  {'+0 min':<12} opened")
        for m in self.moments:
            lines.append(f"  {local(m.at, zone)}  {format_offset(m.at, start):<12} {m.describe()}")
        if self.error is not None:
            lines.append(f"  then evaluating raised {type(self.error).__name__}: {self.error}")
        elif self.settled:
            lines.append("  then nothing more happens")
        else:
            lines.append(f"  (the run stops at {local(self.until, zone)})")
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
