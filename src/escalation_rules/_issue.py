"""The issue model: an issue, its customer, and its event history."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from ._actions import Action, Escalate, Route
from ._exceptions import IssueError, did_you_mean
from ._frozendict import FrozenDict
from ._time import UTC, require_aware


class Status(enum.StrEnum):
    """The four statuses the engine understands; hosts map their own onto these."""

    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    RESOLVED = "resolved"
    CLOSED = "closed"

    # Hash as the plain string (consistent with str equality, and a C call
    # rather than Enum's Python-level __hash__ on the evaluation path).
    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


class EventKind(enum.StrEnum):
    """What happened to an issue."""

    CREATED = "created"
    ACKNOWLEDGED = "acknowledged"
    AGENT_REPLY = "agent_reply"
    CUSTOMER_MESSAGE = "customer_message"
    STATUS_CHANGED = "status_changed"
    LEVEL_CHANGED = "level_changed"
    REASSIGNED = "reassigned"
    MANAGER_REQUESTED = "manager_requested"
    #: The host carried out an action the engine decided (escalation, routing
    #: or notification); its ``action`` key makes evaluation idempotent.
    ACTION_TAKEN = "action_taken"
    CUSTOM = "custom"

    # Hash as the plain string (consistent with str equality, and a C call
    # rather than Enum's Python-level __hash__ on the evaluation path).
    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


_EMPTY: FrozenDict[Any] = FrozenDict()


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not value:
        return _EMPTY  # read-only, so one shared empty mapping is safe
    return FrozenDict(value)


def _frozen_set(value: Iterable[str] | None) -> frozenset[str]:
    if isinstance(value, str):
        raise IssueError(
            f"expected a collection of strings, got the string {value!r}; write [{value!r}]",
            value=value,
        )
    return frozenset(value or ())


def _status(value: object) -> str:
    if value == "":
        return ""  # not given: taken from the history in __attrs_post_init__
    if not isinstance(value, str):
        raise IssueError(
            f"an issue's status must be a non-empty string, got {value!r}", value=value
        )
    return str(value)


def _to_kind(value: EventKind | str) -> EventKind:
    if value.__class__ is EventKind:
        return value
    try:
        return EventKind(value)
    except ValueError:
        raise IssueError(
            f"unknown event kind {value!r}",
            value=value,
            suggestion=did_you_mean(str(value), [k.value for k in EventKind]),
        ) from None


def _event_at(value: object) -> datetime:
    return require_aware(value, "Event.at")


def _created_at(value: object) -> datetime:
    return require_aware(value, "Issue.created_at")


@attrs.frozen
class Event:
    """One entry of an issue's history.

    Only the attributes that make sense for the kind are set: ``level`` for
    ``LEVEL_CHANGED`` (the new level) and for an escalation in ``ACTION_TAKEN``,
    ``status`` for ``STATUS_CHANGED``, ``team``/``assignee`` for ``REASSIGNED``,
    ``action`` and ``rule`` for ``ACTION_TAKEN``, ``name`` for ``CUSTOM``.
    """

    kind: EventKind = attrs.field(converter=_to_kind)
    at: datetime = attrs.field(converter=_event_at)
    actor: str | None = attrs.field(default=None, kw_only=True)
    level: str | None = attrs.field(default=None, kw_only=True)
    status: str | None = attrs.field(default=None, kw_only=True)
    team: str | None = attrs.field(default=None, kw_only=True)
    assignee: str | None = attrs.field(default=None, kw_only=True)
    action: str | None = attrs.field(default=None, kw_only=True)
    rule: str | None = attrs.field(default=None, kw_only=True)
    name: str | None = attrs.field(default=None, kw_only=True)
    data: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_frozen_mapping, kw_only=True, eq=False
    )

    @classmethod
    def taken(cls, action: Action, at: datetime) -> Event:
        """The event recording that the host carried out *action* at *at*."""
        return cls(
            EventKind.ACTION_TAKEN,
            at,
            action=action.key,
            rule=action.rule,
            level=action.to if isinstance(action, Escalate) else None,
            team=action.team if isinstance(action, Route) else None,
        )


class HistorySummary:
    """Facts read off a history in one pass, for O(1) reads during evaluation.

    Instants are in UTC, so durations added to them are real elapsed time.

    Attributes:
        created: the issue's creation instant.
        last: the last ``(index, instant)`` of each event kind.
        anchors: the last ``(index, instant)`` of ACKNOWLEDGED, AGENT_REPLY,
            CUSTOMER_MESSAGE and MANAGER_REQUESTED, in that order (``(-1, None)``
            when there is none).
        level_entries: the last event that put the issue at each level.
        recorded: the last index at which each action key was recorded.
        statuses: every ``STATUS_CHANGED`` as ``(index, instant, host status)``.
        replies: every ``AGENT_REPLY`` as ``(index, instant)``.
        messages: every ``CUSTOMER_MESSAGE`` as ``(index, instant)``.
        times: the instant of every event, in history order (for bisection).
    """

    __slots__ = (
        "anchors",
        "created",
        "last",
        "level_entries",
        "messages",
        "recorded",
        "replies",
        "statuses",
        "times",
    )

    def __init__(
        self,
        last: dict[EventKind, tuple[int, datetime]],
        level_entries: dict[str, tuple[int, datetime]],
        recorded: dict[str, int],
        created: datetime,
        statuses: tuple[tuple[int, datetime, str], ...] = (),
        replies: tuple[tuple[int, datetime], ...] = (),
        messages: tuple[tuple[int, datetime], ...] = (),
        times: tuple[datetime, ...] = (),
    ) -> None:
        self.created = created
        self.last = last
        self.level_entries = level_entries
        self.recorded = recorded
        self.statuses = statuses
        self.replies = replies
        self.messages = messages
        self.times = times
        get = last.get
        self.anchors = (
            get(EventKind.ACKNOWLEDGED, _NONE),
            get(EventKind.AGENT_REPLY, _NONE),
            get(EventKind.CUSTOMER_MESSAGE, _NONE),
            get(EventKind.MANAGER_REQUESTED, _NONE),
        )

    @classmethod
    def of(cls, history: tuple[Event, ...], created_at: datetime) -> HistorySummary:
        """Summarise *history* (already validated and in time order)."""
        return cls({}, {}, {}, created_at.astimezone(UTC)).extended(history, 0)

    def extended(self, events: tuple[Event, ...], offset: int) -> HistorySummary:
        """This summary with *events* (history indices from *offset* on) added.

        Only what the new events touch is copied: a host appending one event to a
        long history pays for that event, not for the history.
        """
        last = dict(self.last)
        entries = self.level_entries
        recorded = self.recorded
        statuses: list[tuple[int, datetime, str]] = []
        replies: list[tuple[int, datetime]] = []
        messages: list[tuple[int, datetime]] = []
        times: list[datetime] = []
        taken, changed = EventKind.ACTION_TAKEN, EventKind.LEVEL_CHANGED
        for i, event in enumerate(events, start=offset):
            kind = event.kind
            at = event.at if event.at.tzinfo is UTC else event.at.astimezone(UTC)
            last[kind] = (i, at)
            times.append(at)
            if kind is taken:
                if event.action is not None:
                    if recorded is self.recorded:
                        recorded = dict(recorded)
                    recorded[event.action] = i
                if event.level is not None:
                    if entries is self.level_entries:
                        entries = dict(entries)
                    entries[event.level] = (i, at)
            elif kind is changed and event.level is not None:
                if entries is self.level_entries:
                    entries = dict(entries)
                entries[event.level] = (i, at)
            elif kind is EventKind.AGENT_REPLY:
                replies.append((i, at))
            elif kind is EventKind.CUSTOMER_MESSAGE:
                messages.append((i, at))
            elif kind is EventKind.STATUS_CHANGED and event.status is not None:
                statuses.append((i, at, event.status))
        return HistorySummary(
            last,
            entries,
            recorded,
            self.created,
            (*self.statuses, *statuses) if statuses else self.statuses,
            (*self.replies, *replies) if replies else self.replies,
            (*self.messages, *messages) if messages else self.messages,
            (*self.times, *times),
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (
            HistorySummary,
            (
                self.last,
                self.level_entries,
                self.recorded,
                self.created,
                self.statuses,
                self.replies,
                self.messages,
                self.times,
            ),
        )


_NONE: tuple[int, datetime | None] = (-1, None)


@attrs.frozen
class Customer:
    """Who raised the issue: their tier, their value to the business, their account."""

    id: str | None = attrs.field(default=None, kw_only=True)
    tier: str | None = attrs.field(default=None, kw_only=True)
    value: float | None = attrs.field(default=None, kw_only=True)
    account: str | None = attrs.field(default=None, kw_only=True)
    attributes: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_frozen_mapping, kw_only=True
    )


def _history(value: Iterable[Event]) -> tuple[Event, ...]:
    events = tuple(value)
    for i, event in enumerate(events):
        if not isinstance(event, Event):
            raise IssueError(f"history[{i}] must be an Event, got {event!r}", value=event)
    for i in range(1, len(events)):
        if events[i].at < events[i - 1].at:
            raise IssueError(
                f"history must be in time order: history[{i}] at {events[i].at.isoformat()} "
                f"comes before history[{i - 1}] at {events[i - 1].at.isoformat()}",
                value=events[i],
            )
    return events


@attrs.frozen
class Issue:
    """A support issue as the engine sees it: its fields and its event history.

    The history is the source of truth for time: SLA clocks, the instant the
    issue entered its current level, and which actions were already carried
    out are all derived from it, so evaluation needs no hidden state.

    Attributes:
        id: the host's identifier.
        created_at: when the issue was opened (timezone-aware).
        priority: e.g. ``"P1"``.
        category: e.g. ``"billing"``.
        status: one of `Status`, or a host status the policy maps onto one.
            Not given: the history's last ``STATUS_CHANGED``, or ``"open"``.
            Given, it must agree with that last change; with no status change
            in the history it is taken to hold since creation.
        level: the current level's id. ``None`` means the level the history last
            moved the issue to, or the policy's first level if it never moved;
            a level that contradicts the history is an `IssueError`.
        team, assignee: who holds the issue now.
        customer: the `Customer`.
        product, language: for functional routing.
        skills: skills the issue needs.
        tags: free-form labels.
        attributes: free-form host fields, reachable as ``attributes.NAME``.
        history: the `Event` history, in time order.
    """

    id: str
    created_at: datetime = attrs.field(converter=_created_at)
    priority: str | None = attrs.field(default=None, kw_only=True)
    category: str | None = attrs.field(default=None, kw_only=True)
    status: str = attrs.field(default="", kw_only=True, converter=_status)
    level: str | None = attrs.field(default=None, kw_only=True)
    team: str | None = attrs.field(default=None, kw_only=True)
    assignee: str | None = attrs.field(default=None, kw_only=True)
    customer: Customer = attrs.field(factory=Customer, kw_only=True)
    product: str | None = attrs.field(default=None, kw_only=True)
    language: str | None = attrs.field(default=None, kw_only=True)
    skills: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_set, kw_only=True)
    tags: frozenset[str] = attrs.field(factory=frozenset, converter=_frozen_set, kw_only=True)
    attributes: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_frozen_mapping, kw_only=True
    )
    history: tuple[Event, ...] = attrs.field(default=(), converter=_history, kw_only=True)
    _summary: HistorySummary = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        # Derived once from the (immutable) history, so that every evaluation of
        # this issue, at any instant, reads anchors in O(1) instead of rescanning.
        summary = HistorySummary.of(self.history, self.created_at)
        object.__setattr__(self, "_summary", summary)
        if not self.status:
            last = summary.statuses[-1][2] if summary.statuses else Status.OPEN.value
            object.__setattr__(self, "status", last)
        elif summary.statuses and summary.statuses[-1][2] != self.status:
            raise IssueError(
                f"issue {self.id!r} has status {self.status!r}, but its history last "
                f"changed it to {summary.statuses[-1][2]!r}; record status changes as "
                "events (Issue.with_event) so that both agree",
                value=self.status,
            )
        if summary.level_entries:
            last_level = max(summary.level_entries.items(), key=lambda kv: kv[1][0])[0]
            if self.level is None:
                object.__setattr__(self, "level", last_level)
            elif self.level != last_level:
                raise IssueError(
                    f"issue {self.id!r} has level {self.level!r}, but its history last "
                    f"moved it to {last_level!r}; record level changes as events "
                    "(Issue.with_event / Issue.record) so that both agree",
                    value=self.level,
                )

    def with_event(self, event: Event) -> Issue:
        """Return a copy of this issue with *event* appended to its history.

        A ``STATUS_CHANGED``, ``LEVEL_CHANGED`` or ``REASSIGNED`` event also
        updates the matching field, and so does an ``ACTION_TAKEN`` that carries
        a level or a team, so history and fields stay in step.
        """
        return self.with_events((event,))

    def with_events(self, events: Iterable[Event]) -> Issue:
        """Return a copy of this issue with *events* appended, as `with_event` does for each.

        The cost grows with the number of new events, not with the history's
        length: only the new events are checked (each an `Event`, in time order
        after the last one) and the history summary is extended, not rebuilt.
        This is what a host replaying a long event stream wants.

        Raises:
            IssueError: an item is not an `Event`, or the events go back in time.
        """
        new = tuple(events)
        if not new:
            return self
        previous = self.history[-1] if self.history else None
        for i, event in enumerate(new):
            if not isinstance(event, Event):
                raise IssueError(f"events[{i}] must be an Event, got {event!r}", value=event)
            if previous is not None and event.at < previous.at:
                raise IssueError(
                    f"history must be in time order: the event at {event.at.isoformat()} "
                    f"comes before the one at {previous.at.isoformat()}",
                    value=event,
                )
            previous = event
        values = {name: getattr(self, name) for name in _ISSUE_FIELDS}
        values["history"] = (*self.history, *new)
        for event in new:
            kind = event.kind
            if kind is EventKind.STATUS_CHANGED:
                if event.status is not None:
                    values["status"] = event.status
            elif kind is EventKind.LEVEL_CHANGED or kind is EventKind.ACTION_TAKEN:
                if event.level is not None:
                    values["level"] = event.level
                if kind is EventKind.ACTION_TAKEN and event.team is not None:
                    values["team"] = event.team
            elif kind is EventKind.REASSIGNED:
                if event.team is not None:
                    values["team"] = event.team
                if event.assignee is not None:
                    values["assignee"] = event.assignee
        issue: Issue = object.__new__(Issue)
        for name, value in values.items():
            object.__setattr__(issue, name, value)
        summary = self._summary.extended(new, len(self.history))
        object.__setattr__(issue, "_summary", summary)
        return issue

    def record(self, action: Action, at: datetime) -> Issue:
        """Return a copy of this issue after the host carried out *action* at *at*.

        Appends an ``ACTION_TAKEN`` event; an `Escalate` also sets ``level`` and a
        `Route` sets ``team``. Evaluating the result does not decide *action* again.
        """
        return self.with_events((Event.taken(action, at),))


_ISSUE_FIELDS = tuple(a.name for a in attrs.fields(Issue) if a.init)
