"""Helpers for testing an escalation policy: issue builders, a fixed clock, assertions.

Everything here is plain Python: no Hypothesis needed (see `escalation_rules.strategies`
and `escalation_rules.verification` for generated cases and policy verification).

Build an issue the way you would tell its story::

    week = week_of("2026-03-02", tz="Europe/Berlin")
    issue = (
        an_issue("T-1", opened=week.friday(16), priority="P1")
        .customer_replied(at=week.friday(16, 30))
        .pending(at=week.friday(17))
        .reopened(at=week.next().monday(9))   # any aware datetime, pendulum's too
        .build()
    )

then assert what the policy does with it at an instant::

    assert_escalates(policy, issue, at=week.friday(18), to="L2")

A failed assertion raises `UnexpectedDecision` (an `AssertionError`) whose message says
what was expected, what the policy decided, and why: the rule-by-rule trace of
`Policy.explain` and the issue's history.

Nothing here reads the real clock: `FixedClock` only holds the instant you give it.

`example_policy` and `oncall_policy` are the bundled example policies, to try the toolkit on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs

from ._analysis.assertions import UnexpectedDecision, by_rule, explain_at, find_action, unexpected
from ._analysis.describe import describe_decision, describe_next_evaluation
from ._engine.host_settle import settle as host_settle
from ._exceptions import IssueError
from ._instants import EPOCH, local, require_aware
from ._io.examples import example_policy, oncall_policy
from ._model.actions import Action, Decision, Escalate, Notify, Route
from ._model.events import Event, EventKind, Status
from ._model.issue import Issue
from ._publish import publish_all
from ._time.calendar_spec import zone_info as calendar_zone

if TYPE_CHECKING:
    from ._engine.policy import Policy

__all__ = [
    "EPOCH",
    "FixedClock",
    "IssueBuilder",
    "UnexpectedDecision",
    "Week",
    "an_issue",
    "assert_escalates",
    "assert_next_evaluation",
    "assert_no_action",
    "assert_notifies",
    "assert_routes",
    "example_policy",
    "oncall_policy",
    "settle",
    "week_of",
]


def _instant(value: object, what: str) -> datetime:
    """An aware stdlib datetime from *value* (pendulum accepted; naive refused)."""
    return require_aware(value, what)


# -- instants by weekday -------------------------------------------------------------------


def zone_info(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


@attrs.frozen
class Week:
    """The seven days of one week in a time zone, for instants that read like the domain.

    ``week.friday(16)`` is Friday 16:00 local time that week; ``week.next()`` is the
    week after. Build one with `week_of`.

    Attributes:
        start: the date of the week's Monday.
        tz: the IANA zone the wall times are in.
    """

    start: date
    tz: str

    def _at(self, offset: int, hour: int, minute: int) -> datetime:
        day = self.start + timedelta(days=offset)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone_info(self.tz))

    def monday(self, hour: int, minute: int = 0) -> datetime:
        """Monday at *hour*:*minute*, local time."""
        return self._at(0, hour, minute)

    def tuesday(self, hour: int, minute: int = 0) -> datetime:
        """Tuesday at *hour*:*minute*, local time."""
        return self._at(1, hour, minute)

    def wednesday(self, hour: int, minute: int = 0) -> datetime:
        """Wednesday at *hour*:*minute*, local time."""
        return self._at(2, hour, minute)

    def thursday(self, hour: int, minute: int = 0) -> datetime:
        """Thursday at *hour*:*minute*, local time."""
        return self._at(3, hour, minute)

    def friday(self, hour: int, minute: int = 0) -> datetime:
        """Friday at *hour*:*minute*, local time."""
        return self._at(4, hour, minute)

    def saturday(self, hour: int, minute: int = 0) -> datetime:
        """Saturday at *hour*:*minute*, local time."""
        return self._at(5, hour, minute)

    def sunday(self, hour: int, minute: int = 0) -> datetime:
        """Sunday at *hour*:*minute*, local time."""
        return self._at(6, hour, minute)

    def next(self) -> Week:
        """The following week, in the same zone."""
        return Week(self.start + timedelta(days=7), self.tz)


def week_of(day: date | str, *, tz: str = "UTC") -> Week:
    """The week (Monday to Sunday) holding *day*, with wall times in the zone *tz*.

    Args:
        day: a `datetime.date` or an ISO ``"YYYY-MM-DD"`` string; any day of the week.
        tz: an IANA zone name, e.g. ``"Europe/Berlin"``.

    Raises:
        CalendarError: *tz* is not a known zone (with a "did you mean").
    """
    if isinstance(day, str):
        day = date.fromisoformat(day)
    if isinstance(day, datetime):
        raise TypeError(f"week_of() takes a date, not the datetime {day!r}")
    # An unknown zone fails here, with a suggestion, not at the first instant.
    return Week(day - timedelta(days=day.weekday()), calendar_zone(tz).key)


# -- the issue builder ---------------------------------------------------------------------


def _at(builder: IssueBuilder, value: datetime | timedelta, what: str) -> datetime:
    if isinstance(value, timedelta):
        at = builder.issue.created_at + value
    else:
        at = _instant(value, f"{what}(at=...)")
    history = builder.issue.history
    if history and at < history[-1].at:
        raise IssueError(
            f"issue {builder.issue.id!r}: {what} at {local(at)} comes before the last "
            f"event ({history[-1].kind.value} at {local(history[-1].at, at.tzinfo)}); "
            "add events in time order",
            value=value,
        )
    return at


@attrs.frozen
class IssueBuilder:
    """An issue being told as a story; every method returns a new builder.

    Start one with `an_issue`. Each step appends one `Event` at *at*: an aware
    datetime (stdlib or pendulum), or a `timedelta` counted from the opening. Steps
    must come in time order. `build` returns the `Issue`.

    Attributes:
        issue: the issue so far.
    """

    issue: Issue

    def _event(self, event: Event) -> IssueBuilder:
        return IssueBuilder(self.issue.with_event(event))

    def customer_replied(self, *, at: datetime | timedelta) -> IssueBuilder:
        """The customer wrote (a ``CUSTOMER_MESSAGE``)."""
        return self._event(Event(EventKind.CUSTOMER_MESSAGE, _at(self, at, "customer_replied")))

    def agent_replied(self, *, at: datetime | timedelta) -> IssueBuilder:
        """An agent answered (an ``AGENT_REPLY``)."""
        return self._event(Event(EventKind.AGENT_REPLY, _at(self, at, "agent_replied")))

    def acknowledged(self, *, at: datetime | timedelta, by: str | None = None) -> IssueBuilder:
        """Someone took it on (an ``ACKNOWLEDGED``, which stops the on-call chain)."""
        return self._event(Event(EventKind.ACKNOWLEDGED, _at(self, at, "acknowledged"), actor=by))

    def manager_requested(self, *, at: datetime | timedelta) -> IssueBuilder:
        """The customer asked for a manager (a ``MANAGER_REQUESTED``)."""
        event = Event(EventKind.MANAGER_REQUESTED, _at(self, at, "manager_requested"))
        return self._event(event)

    def status_changed(self, to: str, *, at: datetime | timedelta) -> IssueBuilder:
        """The status became *to*: a built-in `Status` or one of the host's own."""
        return self._event(
            Event(EventKind.STATUS_CHANGED, _at(self, at, "status_changed"), status=str(to))
        )

    def pending(self, *, at: datetime | timedelta) -> IssueBuilder:
        """Waiting on the customer from *at* (SLA clocks pause by default)."""
        return self._event(
            Event(EventKind.STATUS_CHANGED, _at(self, at, "pending"), status=Status.PENDING.value)
        )

    def reopened(self, *, at: datetime | timedelta) -> IssueBuilder:
        """Open again from *at* (after a pending or a resolution)."""
        return self._event(
            Event(EventKind.STATUS_CHANGED, _at(self, at, "reopened"), status=Status.OPEN.value)
        )

    def resolved(self, *, at: datetime | timedelta) -> IssueBuilder:
        """Resolved at *at*: nothing escalates it while it stays resolved."""
        return self._event(
            Event(EventKind.STATUS_CHANGED, _at(self, at, "resolved"), status=Status.RESOLVED.value)
        )

    def closed(self, *, at: datetime | timedelta) -> IssueBuilder:
        """Closed at *at*."""
        return self._event(
            Event(EventKind.STATUS_CHANGED, _at(self, at, "closed"), status=Status.CLOSED.value)
        )

    def escalated_to(self, level: str, *, at: datetime | timedelta) -> IssueBuilder:
        """A person moved it to *level* (a ``LEVEL_CHANGED``; also for moving it down)."""
        return self._event(
            Event(EventKind.LEVEL_CHANGED, _at(self, at, "escalated_to"), level=level)
        )

    def reassigned(
        self,
        *,
        at: datetime | timedelta,
        team: str | None = None,
        assignee: str | None = None,
    ) -> IssueBuilder:
        """Handed to *team* and/or *assignee* (a ``REASSIGNED``)."""
        when = _at(self, at, "reassigned")
        return self._event(Event(EventKind.REASSIGNED, when, team=team, assignee=assignee))

    def event(
        self, kind: EventKind | str, *, at: datetime | timedelta, **attributes: Any
    ) -> IssueBuilder:
        """Any other event: ``.event("custom", at=..., name="survey-sent")``."""
        return self._event(Event(kind, _at(self, at, "event"), **attributes))

    def took(self, action: Action, *, at: datetime | timedelta) -> IssueBuilder:
        """The host carried out *action* (see `Issue.record`): it is not decided again."""
        return IssueBuilder(self.issue.record(action, _at(self, at, "took")))

    def with_fields(self, **fields: Any) -> IssueBuilder:
        """The same story with other fields, e.g. ``.with_fields(tags=["vip"])``.

        Any keyword of `Issue` except ``id``, ``created_at`` and ``history``.
        """
        for name in ("id", "created_at", "history"):
            if name in fields:
                raise TypeError(f"with_fields() cannot change {name!r}; start a new an_issue()")
        return IssueBuilder(attrs.evolve(self.issue, **fields))

    def build(self) -> Issue:
        """The `Issue`, with a ``CREATED`` event at the opening and every step after it."""
        return self.issue


def an_issue(issue_id: str, *, opened: datetime, **fields: Any) -> IssueBuilder:
    """Start telling an issue's story: opened at *opened*, with *fields*.

    Args:
        issue_id: the issue's id.
        opened: when it was opened: an aware datetime (stdlib or pendulum).
        **fields: any keyword of `Issue`: ``priority``, ``category``, ``customer``,
            ``tags``, ``attributes``, ``level``, ...

    Raises:
        NaiveDatetimeError: *opened* has no time zone.
        IssueError: a field the `Issue` refuses.
    """
    if "history" in fields:
        raise TypeError("an_issue() builds the history itself; add events with its methods")
    at = _instant(opened, "an_issue(opened=...)")
    return IssueBuilder(Issue(issue_id, at, history=[Event(EventKind.CREATED, at)], **fields))


# -- a clock for tests ---------------------------------------------------------------------


def _clock_now(value: object) -> datetime:
    return _instant(value, "FixedClock(now)")


@attrs.frozen
class FixedClock:
    """A current instant for a test, which moves only when you move it.

    The library never reads the real clock; a test that wants "now" holds one of these.
    It is immutable: `advance` returns a new clock.

    Attributes:
        now: the current instant (aware; pendulum instants are accepted).
    """

    now: datetime = attrs.field(converter=_clock_now)

    def advance(self, by: timedelta) -> FixedClock:
        """A clock *by* later (earlier for a negative duration)."""
        return FixedClock(self.now + by)

    def later(self, by: timedelta) -> datetime:
        """The instant *by* after now, leaving the clock where it is."""
        return self.now + by

    def __call__(self) -> datetime:
        """The current instant, for code that wants a ``now()`` function."""
        return self.now


# -- running the host loop -----------------------------------------------------------------


def settle(policy: Policy, issue: Issue, at: datetime) -> tuple[Issue, tuple[Action, ...]]:
    """Do what a host does at *at*: carry out every action, record it, ask again.

    Returns the issue once nothing more is due at *at*, and the actions taken, in order.
    An escalation can make new actions due at once (the on-call chain pages the new
    level's owner), which is why a host asks again at the same instant. This is
    `escalation_rules.host.settle`, as a pair.

    Raises:
        IssueError: *at* is before the issue's latest event.
        SettleError: a rule never settles (still acting after 100 evaluations).
    """
    settled = host_settle(policy, issue, _instant(at, "settle(at=...)"))
    return settled.issue, settled.actions


# -- assertions ----------------------------------------------------------------------------


def assert_escalates(
    policy: Policy, issue: Issue, *, at: datetime, to: str | None = None, rule: str | None = None
) -> Escalate:
    """Assert that *policy* escalates *issue* at *at* (to level *to*, by rule *rule*).

    Returns the `Escalate` action, so a test can record it and go on.

    Raises:
        UnexpectedDecision: no such escalation is in the decision.
    """
    explanation = explain_at(policy, issue, at, "assert_escalates")
    found = find_action(explanation.decision, Escalate, rule, to=to)
    if found is None:
        target = "" if to is None else f" to {to}"
        raise unexpected(
            f"issue {issue.id!r} escalates{target}{by_rule(rule)} at {local(explanation.now)}",
            explanation,
            issue,
        )
    assert isinstance(found, Escalate)
    return found


def assert_notifies(
    policy: Policy,
    issue: Issue,
    *,
    at: datetime,
    target: str | None = None,
    rule: str | None = None,
) -> Notify:
    """Assert that *policy* notifies *target* about *issue* at *at* (by rule *rule*).

    Returns the `Notify` action.

    Raises:
        UnexpectedDecision: no such notification is in the decision.
    """
    explanation = explain_at(policy, issue, at, "assert_notifies")
    found = find_action(explanation.decision, Notify, rule, target=target)
    if found is None:
        whom = "someone" if target is None else target
        raise unexpected(
            f"issue {issue.id!r} notifies {whom}{by_rule(rule)} at {local(explanation.now)}",
            explanation,
            issue,
        )
    assert isinstance(found, Notify)
    return found


def assert_routes(
    policy: Policy, issue: Issue, *, at: datetime, team: str | None = None, rule: str | None = None
) -> Route:
    """Assert that *policy* routes *issue* to *team* at *at* (by rule *rule*).

    Returns the `Route` action.

    Raises:
        UnexpectedDecision: no such routing is in the decision.
    """
    explanation = explain_at(policy, issue, at, "assert_routes")
    found = find_action(explanation.decision, Route, rule, team=team)
    if found is None:
        where = "somewhere" if team is None else f"to {team}"
        raise unexpected(
            f"issue {issue.id!r} is routed {where}{by_rule(rule)} at {local(explanation.now)}",
            explanation,
            issue,
        )
    assert isinstance(found, Route)
    return found


def assert_no_action(policy: Policy, issue: Issue, *, at: datetime) -> Decision:
    """Assert that *policy* decides nothing for *issue* at *at*; returns the `Decision`.

    Raises:
        UnexpectedDecision: the decision has actions.
    """
    explanation = explain_at(policy, issue, at, "assert_no_action")
    if explanation.decision.actions:
        raise unexpected(
            f"no action for issue {issue.id!r} at {local(explanation.now)}", explanation, issue
        )
    return explanation.decision


def assert_next_evaluation(
    policy: Policy, issue: Issue, *, at: datetime, expected: datetime | None
) -> Decision:
    """Assert that, evaluated at *at*, *policy* asks to be asked again at *expected*.

    *expected* is an instant in any zone (compared as an instant), or ``None`` for
    "nothing changes without a new event". Returns the `Decision`.

    Raises:
        UnexpectedDecision: ``next_evaluation_at`` is another instant.
    """
    explanation = explain_at(policy, issue, at, "assert_next_evaluation")
    want = None if expected is None else _instant(expected, "assert_next_evaluation(expected=...)")
    got = explanation.decision.next_evaluation_at
    if got != want:
        zone = explanation.now.tzinfo
        shown = describe_next_evaluation(want, zone)
        actual = describe_next_evaluation(got, zone)
        if explanation.decision.actions:
            actual += f", and due now: {describe_decision(explanation.decision, zone)}"
        raise UnexpectedDecision(
            f"{shown} (issue {issue.id!r} evaluated at {local(explanation.now)})",
            actual,
            explanation,
            issue,
        )
    return explanation.decision


publish_all(globals(), __all__, __name__)
