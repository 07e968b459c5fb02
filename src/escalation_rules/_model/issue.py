"""The issue model: an issue, its customer, and its event history."""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._exceptions import IssueError
from .._instants import local, require_aware
from .events import (
    ATTRIBUTE_PREFIX,
    KIND_ACTION_TAKEN,
    KIND_CREATED,
    KIND_FIELD_CHANGED,
    KIND_LEVEL_CHANGED,
    KIND_PRIORITY_CHANGED,
    KIND_REASSIGNED,
    KIND_STATUS_CHANGED,
    Event,
    EventKind,
    Status,
    check_created_at,
    check_status,
    check_texts,
    frozen_mapping,
    frozen_skills,
    frozen_tags,
)
from .history import AppendOnly
from .summary import HistorySummary

if TYPE_CHECKING:
    from .actions import Action


@attrs.frozen
class Customer:
    """Who raised the issue: their tier, their value to the business, their account."""

    id: str | None = attrs.field(default=None, kw_only=True)
    tier: str | None = attrs.field(default=None, kw_only=True)
    value: float | None = attrs.field(default=None, kw_only=True)
    account: str | None = attrs.field(default=None, kw_only=True)
    attributes: Mapping[str, Any] = attrs.field(
        factory=dict, converter=frozen_mapping, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        check_texts("Customer", ("id", "tier", "account"), (self.id, self.tier, self.account))
        value = self.value
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise IssueError(f"Customer.value must be a number or None, got {value!r}", value=value)


def _history(value: Iterable[Event]) -> AppendOnly[Event]:
    if isinstance(value, AppendOnly):
        return value  # an issue's own history: checked when it was built
    events = tuple(value)
    for i, event in enumerate(events):
        if not isinstance(event, Event):
            raise IssueError(f"history[{i}] must be an Event, got {event!r}", value=event)
    for i in range(1, len(events)):
        if events[i].at < events[i - 1].at:
            raise IssueError(
                f"history must be in time order: history[{i}] at {local(events[i].at)} "
                f"comes before history[{i - 1}] at {local(events[i - 1].at)}",
                value=events[i],
            )
    return AppendOnly(events)


_ISSUE_TEXTS = (
    "priority", "category", "level", "team", "assignee", "product", "language", "policy_version",
)  # fmt: skip


def _out_of_range(issue_id: str) -> IssueError:
    return IssueError(
        f"issue {issue_id!r} has an instant that is out of range in UTC: instants must "
        "fall within the years 1 to 9999 once converted to UTC",
        value=issue_id,
    )


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
        history: the `Event` history, in time order: an immutable sequence that
            equals the tuple of its events, and that `with_event` extends in
            O(1) however long it is.
        policy_version: the policy version pinned for the issue (`Policy.version`), so
            that a policy edited while it is open does not change it; see `PolicySet`.
    """

    id: str
    created_at: datetime = attrs.field(converter=check_created_at)
    priority: str | None = attrs.field(default=None, kw_only=True)
    category: str | None = attrs.field(default=None, kw_only=True)
    status: str = attrs.field(default="", kw_only=True, converter=check_status)
    level: str | None = attrs.field(default=None, kw_only=True)
    team: str | None = attrs.field(default=None, kw_only=True)
    assignee: str | None = attrs.field(default=None, kw_only=True)
    customer: Customer = attrs.field(factory=Customer, kw_only=True)
    product: str | None = attrs.field(default=None, kw_only=True)
    language: str | None = attrs.field(default=None, kw_only=True)
    skills: frozenset[str] = attrs.field(factory=frozenset, converter=frozen_skills, kw_only=True)
    tags: frozenset[str] = attrs.field(factory=frozenset, converter=frozen_tags, kw_only=True)
    attributes: Mapping[str, Any] = attrs.field(
        factory=dict, converter=frozen_mapping, kw_only=True
    )
    history: Sequence[Event] = attrs.field(default=(), converter=_history, kw_only=True)
    policy_version: str | None = attrs.field(default=None, kw_only=True)
    _summary: HistorySummary = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if (self.id.__class__ is not str and not isinstance(self.id, str)) or not self.id:
            raise IssueError(f"Issue.id must be a non-empty string, got {self.id!r}", value=self.id)
        if (
            (self.priority is not None and not isinstance(self.priority, str))
            or (self.category is not None and not isinstance(self.category, str))
            or (self.level is not None and not isinstance(self.level, str))
            or (self.team is not None and not isinstance(self.team, str))
            or (self.assignee is not None and not isinstance(self.assignee, str))
            or (self.product is not None and not isinstance(self.product, str))
            or (self.language is not None and not isinstance(self.language, str))
            or (self.policy_version is not None and not isinstance(self.policy_version, str))
        ):
            check_texts("Issue", _ISSUE_TEXTS, tuple(getattr(self, f) for f in _ISSUE_TEXTS))
        if self.customer.__class__ is not Customer and not isinstance(self.customer, Customer):
            raise IssueError(
                f"Issue.customer must be a Customer, got {self.customer!r}", value=self.customer
            )
        # Derived once from the (immutable) history, so that every evaluation of
        # this issue, at any instant, reads anchors in O(1) instead of rescanning.
        try:
            summary = HistorySummary.of(self.history, self.created_at)
        except OverflowError:
            raise _out_of_range(self.id) from None
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
        changed = summary.last.get(EventKind.PRIORITY_CHANGED) or summary.last.get(
            EventKind.CREATED
        )
        if changed is not None and self.priority is None:
            # Built from a history: the priority is the last one it records. (A priority
            # the host sets without an event wins: it is known only as it is now.)
            object.__setattr__(self, "priority", self.history[changed[0]].priority)
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

    @property
    def latest_at(self) -> datetime:
        """The later of `created_at` and the last event's instant, in UTC.

        At or after it, the whole history has happened; before it, `evaluate`,
        `explain` and `forecast` answer for `as_of` that instant.
        """
        return self._summary.latest

    def as_of(self, now: datetime) -> Issue:
        """This issue as its history stood at *now*: the events after *now* left out.

        Status, level, team, assignee and priority are what the remaining history makes
        them: the last status change, level change, reassignment or priority change at or
        before *now*. Where the history before *now* has none, but a later event changed
        that field, the value it had before is unknown: the status is ``"open"``, the level
        the policy's first, the team, assignee and priority ``None``. Fields that no event
        records (category, customer, attributes) are taken as they are. At or after
        `latest_at`, the issue itself. Before `created_at`, the issue as created, with
        no events.
        """
        now = require_aware(now, "now")
        summary = self._summary
        if now >= summary.latest:
            return self
        # Aware instants compare across zones: no conversion that could overflow near year 1.
        kept = 0 if now < self.created_at else bisect_right(summary.times, now)
        history = self.history
        before, after = history[:kept], history[kept:]
        later = {name for e in after for name, _ in field_changes(e)}
        changes: dict[str, Any] = dict.fromkeys(later)  # unknown unless an earlier event says
        for e in before:
            changes.update((name, v) for name, v in field_changes(e) if name in later)
        if "status" in changes:
            changes["status"] = changes["status"] or ""  # "": the default, open
        attributes = {k: changes.pop(k) for k in list(changes) if k.startswith(ATTRIBUTE_PREFIX)}
        if attributes:
            changes["attributes"] = self.attributes
            for item in attributes.items():
                _set_field(changes, item)
        return attrs.evolve(self, history=before, **changes)

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
        history = self.history
        assert isinstance(history, AppendOnly)  # the converter's type
        previous = history[-1] if history else None
        for i, event in enumerate(new):
            if event.__class__ is not Event and not isinstance(event, Event):
                raise IssueError(f"events[{i}] must be an Event, got {event!r}", value=event)
            if previous is not None and event.at < previous.at:
                raise IssueError(
                    f"history must be in time order: the event at {local(event.at)} "
                    f"comes before the one at {local(previous.at)}",
                    value=event,
                )
            previous = event
        values = list(_issue_fields(self))  # in the order of _ISSUE_FIELDS
        values[_FIELD_AT["history"]] = history.appended(new)
        for event in new:
            changes = field_changes(event)
            if not changes:
                continue
            if event.kind is KIND_FIELD_CHANGED and changes[0][0].startswith(ATTRIBUTE_PREFIX):
                fields = {"attributes": values[_FIELD_AT["attributes"]]}
                _set_field(fields, changes[0])
                values[_FIELD_AT["attributes"]] = fields["attributes"]
                continue
            for name, value in changes:
                values[_FIELD_AT[name]] = value
        issue: Issue = object.__new__(Issue)
        for set_slot, value in zip(_SLOT_SETTERS, values, strict=True):
            set_slot(issue, value)  # (the slot written directly: what object.__setattr__ does)
        try:
            summary = self._summary.extended(new, len(history))
        except OverflowError:
            raise _out_of_range(self.id) from None
        object.__setattr__(issue, "_summary", summary)
        return issue

    def record(self, action: Action, at: datetime) -> Issue:
        """Return a copy of this issue after the host carried out *action* at *at*.

        Appends an ``ACTION_TAKEN`` event; an `Escalate` also sets ``level`` and a
        `Route` sets ``team``; a `SetPriority` or `SetStatus` also appends the
        ``PRIORITY_CHANGED`` or ``STATUS_CHANGED`` event that sets the field
        (`Event.carried_out`). Evaluating the result does not decide *action* again.
        """
        return self.with_events(Event.carried_out(action, at))


_ISSUE_FIELDS = tuple(a.name for a in attrs.fields(Issue) if a.init)

_FIELD_AT: Final = MappingProxyType({name: i for i, name in enumerate(_ISSUE_FIELDS)})

_issue_fields: Final[Callable[[Issue], tuple[Any, ...]]] = operator.attrgetter(*_ISSUE_FIELDS)
"""The values of an issue's fields, in the order of ``_ISSUE_FIELDS``, in one call."""

_SLOT_SETTERS: Final[tuple[Callable[[Issue, Any], None], ...]] = tuple(
    vars(Issue)[name].__set__ for name in _ISSUE_FIELDS
)
"""Each field's slot writer (what ``object.__setattr__`` ends in), for `Issue.with_events`."""

_NO_CHANGES: Final[tuple[tuple[str, str], ...]] = ()


def field_changes(event: Event) -> tuple[tuple[str, str], ...]:
    """The issue fields *event* sets, as ``(field, value)``: a status change its status,
    a level change (or an escalation taken) its level, a reassignment (or a routing taken)
    its team and assignee, a priority change its priority, a creation the priority, team
    and assignee it records. `Issue.with_events` and
    `Issue.as_of` both read fields this way."""
    kind = event.kind
    if kind is KIND_STATUS_CHANGED:
        return _NO_CHANGES if event.status is None else (("status", event.status),)
    if kind is KIND_LEVEL_CHANGED or kind is KIND_ACTION_TAKEN:
        out: tuple[tuple[str, str], ...] = () if event.level is None else (("level", event.level),)
        if kind is KIND_ACTION_TAKEN and event.team is not None:
            out += (("team", event.team),)
        return out
    if kind is KIND_REASSIGNED:
        out = _NO_CHANGES if event.team is None else (("team", event.team),)
        if event.assignee is not None:
            out += (("assignee", event.assignee),)
        return out
    if kind is KIND_PRIORITY_CHANGED:
        return _NO_CHANGES if event.priority is None else (("priority", event.priority),)
    if kind is KIND_FIELD_CHANGED:
        return ((event.name, event.data["value"]),)  # type: ignore[return-value]
    if kind is KIND_CREATED:  # what the issue was created with, when the event says
        return tuple(
            (name, value)
            for name, value in (
                ("priority", event.priority), ("team", event.team), ("assignee", event.assignee)
            )
            if value is not None
        )  # fmt: skip
    return _NO_CHANGES


def _set_field(values: dict[str, Any], change: tuple[str, Any]) -> None:
    """Apply a ``FIELD_CHANGED`` *change* to the issue's field *values*: a text field is
    replaced, an ``attributes.KEY`` sets (or, to ``None``, removes) that attribute."""
    name, value = change
    if not name.startswith(ATTRIBUTE_PREFIX):
        values[name] = value
        return
    key = name[len(ATTRIBUTE_PREFIX) :]
    attributes = dict(values["attributes"])
    if value is None:
        attributes.pop(key, None)
    else:
        attributes[key] = value
    values["attributes"] = frozen_mapping(attributes)


summary_of: Final[Callable[[Issue], HistorySummary]] = operator.attrgetter("_summary")
"""The `HistorySummary` of an issue, kept up to date by `Issue.record`: the engine's way in
(an ``attrgetter``, so reading it costs what reading the attribute does)."""
