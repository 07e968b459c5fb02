"""Words for instants, durations, actions, events and issues."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from .._durations import words
from .._instants import local
from .._model.actions import Action, Decision, Escalate, Notify
from .._model.events import Event, EventKind

if TYPE_CHECKING:
    from .._engine.forecast import ForecastStep
    from .._model.issue import Issue


def action_text(action: Action) -> str:
    """``escalate to L2``, ``route to billing``, ``notify frontline``, ``set priority to P1``,
    ``set status to closed``."""
    verb = "notify" if type(action) is Notify else f"{action.kind.replace('_', ' ')} to"
    return f"{verb} {action.target}"


def describe_action(action: Action) -> str:
    """``escalate to L2 (rule 'breach')``, ``notify frontline (rule 'warn')``, ..."""
    return f"{action_text(action)} (rule {action.rule!r})"


def describe_next_evaluation(at: datetime | None, zone: tzinfo | None = None) -> str:
    """``next evaluation at Mon 2 Mar 2026 12:00 UTC`` in *zone* (default: its own), or
    that nothing changes."""
    if at is None:
        return "nothing changes without a new event"
    return f"next evaluation at {local(at, zone)}"


def describe_decision(decision: Decision, zone: tzinfo | None = None) -> str:
    """Its actions (``escalate to L2 (rule 'breach'); ...``), or ``no action (...)`` with
    the next evaluation in *zone* (default: its own)."""
    if not decision.actions:
        return f"no action ({describe_next_evaluation(decision.next_evaluation_at, zone)})"
    return "; ".join(describe_action(a) for a in decision.actions)


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
    if kind is EventKind.PRIORITY_CHANGED:
        return f"priority -> {event.priority}"
    if kind is EventKind.FIELD_CHANGED:
        value = event.data.get("value")
        return f"{event.name} -> {'(none)' if value is None else value}" + by
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


def history_lines(issue: Issue, zone: tzinfo | None = None) -> list[str]:
    """One line per event: wall time in *zone* (default: the zone the issue was opened in),
    offset, event."""
    zone = zone or issue.created_at.tzinfo
    if not issue.history:
        return [f"{local(issue.created_at, zone)}  +0 min        opened (no events)"]
    return [
        f"{local(e.at, zone)}  {format_offset(e.at, issue.created_at):<12} {describe_event(e)}"
        for e in issue.history
    ]


def format_offset(t: datetime, start: datetime) -> str:
    """How long after *start* *t* is: ``+1 d 2 h``, ``+0 min``, ``-30 min``."""
    d = t - start
    return ("+" if d >= timedelta(0) else "") + words(d)
