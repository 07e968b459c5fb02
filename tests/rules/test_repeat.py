"""Notifications that repeat: ``notify(name, every=..., while_=...)`` (`RepeatingNotification`).

Repetition k is due at anchor + first + (k - 1) * every on the clock; an evaluation wants only
the latest due one, keyed ``NAME:notify:k``; the next one is the upcoming instant.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from escalation_rules import (
    OWNER,
    BusinessCalendar,
    EscalationRulesError,
    Event,
    EventKind,
    F,
    Issue,
    Level,
    OnCall,
    Policy,
    PolicyError,
    RepeatingNotification,
    TimeRule,
    acknowledged,
    after,
    clock,
    escalate,
    happened,
    hours,
    is_open,
    minutes,
    notify,
    parse_condition,
)
from escalation_rules._rules import repeat
from escalation_rules._rules.repeat import MAX_REPETITIONS, Repetitions

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
SUPPORT = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})


def at(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """*hour*:*minute* Berlin time (UTC+1) on *day* March 2026, in UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


def levels() -> list[Level]:
    return [
        Level("L1", "Frontline", rank=1, owner="frontline"),
        Level("L2", "Supervisor", rank=2, owner="supervisors"),
    ]


def make_policy(*rules: object, **kw: object) -> Policy:
    return Policy(levels(), list(rules), calendars={"support": SUPPORT}, **kw)  # type: ignore[arg-type]


def new_issue(created: datetime = T0) -> Issue:
    return Issue("T-1", created, history=[Event(EventKind.CREATED, created)])


def settle(policy: Policy, issue: Issue, now: datetime) -> tuple[Issue, list[str]]:
    """What a host does at *now*: carry out and record every action until none is left."""
    done: list[str] = []
    decision = policy.evaluate(issue, now)
    while decision.actions:
        for action in decision.actions:
            done.append(f"{action.key} -> {action.target}")
            issue = issue.record(action, now)
        decision = policy.evaluate(issue, now)
    return issue, done


# -- worked examples ---------------------------------------------------------------------------


def test_keep_the_customer_informed_every_4_hours_while_the_issue_is_open() -> None:
    inform = notify("inform", every=hours(4), to="customer", while_=F.status == "open")
    assert isinstance(inform, RepeatingNotification)
    policy = make_policy(inform)
    issue = new_issue()
    d = policy.evaluate(issue, at(3))
    assert d.actions == () and d.next_evaluation_at == at(4)
    d = policy.evaluate(issue, at(4))
    assert [(a.key, a.target) for a in d.actions] == [("inform:notify:1", "customer")]
    assert d.actions[0].reason == "every 4h since level_entered, repetition 1: notify customer"
    assert d.next_evaluation_at == at(8)
    issue, _ = settle(policy, issue, at(4))
    # waiting on the customer: nothing, and nothing to wake up for without an event
    issue = issue.with_event(Event(EventKind.STATUS_CHANGED, at(5), status="pending"))
    d = policy.evaluate(issue, at(8))
    assert d.actions == () and d.next_evaluation_at is None
    # open again: the repetition that fell due meanwhile (the second) goes out now
    issue = issue.with_event(Event(EventKind.STATUS_CHANGED, at(9), status="open"))
    issue, done = settle(policy, issue, at(9))
    assert done == ["inform:notify:2 -> customer"]
    assert policy.evaluate(issue, at(9)).next_evaluation_at == at(12)
    issue = issue.with_event(Event(EventKind.STATUS_CHANGED, at(10), status="resolved"))
    assert policy.evaluate(issue, at(50)) == policy.evaluate(issue, at(12))
    assert policy.evaluate(issue, at(50)).actions == ()


def test_remind_the_owner_every_hour_until_acknowledged_at_this_level() -> None:
    policy = make_policy(
        notify("remind", every=hours(1), while_=~acknowledged()),
        escalate("up", at=after(hours(3))),
    )
    issue = new_issue()
    issue, done = settle(policy, issue, at(1))
    assert done == ["remind:notify:1 -> frontline"]
    issue, done = settle(policy, issue, at(2))
    assert done == ["remind:notify:2 -> frontline"]
    issue = issue.with_event(Event(EventKind.ACKNOWLEDGED, at(2.5)))
    assert policy.evaluate(issue, at(2.75)).actions == ()
    # escalated: a new level waits for its own acknowledgement, so the reminders start over
    issue, done = settle(policy, issue, at(3))
    assert done == ["up:escalate -> L2"]
    assert policy.evaluate(issue, at(3)).next_evaluation_at == at(4)
    issue, done = settle(policy, issue, at(4))
    assert done == ["remind:notify:1 -> supervisors"]
    # ~happened("acknowledged") would have stayed silent at L2: the L1 acknowledgement counts
    never = make_policy(notify("remind", every=hours(1), while_=~happened("acknowledged")))
    assert never.evaluate(issue, at(4)).actions == ()
    assert parse_condition("not acknowledged()") == ~acknowledged()


def test_repetitions_on_a_business_calendar_skip_nights_and_weekends() -> None:
    policy = make_policy(notify("inform", every=hours(2), to="customer", calendar="support"))
    issue = new_issue(berlin(6, 15, 30))  # Friday 15:30 in Berlin
    d = policy.evaluate(issue, berlin(7, 12))  # Saturday: closed
    assert d.actions == () and d.next_evaluation_at == berlin(9, 9, 30)
    wakes = []
    now = berlin(6, 15, 30)
    for _ in range(5):
        next_at = policy.evaluate(issue, now).next_evaluation_at
        assert next_at is not None
        now = next_at
        issue, done = settle(policy, issue, now)
        assert len(done) == 1
        wakes.append(now)
    assert wakes == [
        berlin(9, 9, 30),  # 1.5 h on Friday, 0.5 h on Monday
        berlin(9, 11, 30),
        berlin(9, 13, 30),
        berlin(9, 15, 30),
        berlin(10, 9, 30),  # 1.5 h on Monday, 0.5 h on Tuesday
    ]
    assert all(SUPPORT.is_open(w) for w in wakes)


def test_a_late_host_gets_one_repetition_the_latest() -> None:
    policy = make_policy(notify("remind", every=hours(1)))
    issue = new_issue()
    d = policy.evaluate(issue, at(10.5))
    assert [a.key for a in d.actions] == ["remind:notify:10"]
    assert d.next_evaluation_at == at(11)
    issue, _ = settle(policy, issue, at(10.5))
    assert policy.evaluate(issue, at(10.75)).actions == ()
    # the missed ones (1 to 9) are never sent; the next one is
    assert [a.key for a in policy.evaluate(issue, at(11)).actions] == ["remind:notify:11"]


def test_next_evaluation_at_is_the_next_repetition() -> None:
    policy = make_policy(notify("remind", every=hours(2), first=minutes(30)))
    issue = new_issue()
    assert policy.evaluate(issue, at(0)).next_evaluation_at == at(0.5)
    d = policy.evaluate(issue, at(0.6))
    assert [a.key for a in d.actions] == ["remind:notify:1"]
    assert d.next_evaluation_at == at(2.5)
    assert [a.key for a in policy.evaluate(issue, at(2.5)).actions] == ["remind:notify:2"]
    # first=0: the first repetition is due at the anchor itself
    now_too = make_policy(notify("page", every=hours(1), first=timedelta(0)))
    assert [a.key for a in now_too.evaluate(issue, at(0)).actions] == ["page:notify:1"]


def test_a_new_level_entry_restarts_the_repetitions() -> None:
    policy = make_policy(notify("remind", every=hours(1)))
    issue, _ = settle(policy, new_issue(), at(1))
    issue, _ = settle(policy, issue, at(2))
    issue = issue.with_event(Event(EventKind.LEVEL_CHANGED, at(2.5), level="L2"))
    d = policy.evaluate(issue, at(3))
    assert d.actions == () and d.next_evaluation_at == at(3.5)
    issue, done = settle(policy, issue, at(3.5))
    assert done == ["remind:notify:1 -> supervisors"]
    # back at L1: a new entry again, and its key 1 was recorded before it, so it counts anew
    issue = issue.with_event(Event(EventKind.LEVEL_CHANGED, at(4), level="L1"))
    issue, done = settle(policy, issue, at(5))
    assert done == ["remind:notify:1 -> frontline"]


def test_since_another_anchor_waits_for_its_event_and_restarts_with_the_next() -> None:
    policy = make_policy(notify("chase", every=hours(2), since="last_customer_message", to="lead"))
    issue = new_issue()
    d = policy.evaluate(issue, at(5))
    assert d.actions == () and d.next_evaluation_at is None  # not armed
    issue = issue.with_event(Event(EventKind.CUSTOMER_MESSAGE, at(6)))
    assert policy.evaluate(issue, at(6)).next_evaluation_at == at(8)
    issue, done = settle(policy, issue, at(8))
    assert done == ["chase:notify:1 -> lead"]
    issue = issue.with_event(Event(EventKind.CUSTOMER_MESSAGE, at(9)))
    issue, done = settle(policy, issue, at(11))
    assert done == ["chase:notify:1 -> lead"]


def test_limit_caps_the_repetitions_and_10000_bounds_them_anyway() -> None:
    policy = make_policy(notify("remind", every=hours(1), limit=3))
    issue = new_issue()
    assert [a.key for a in policy.evaluate(issue, at(100)).actions] == ["remind:notify:3"]
    for h in (1, 2, 3):
        issue, _ = settle(policy, issue, at(h))
    assert policy.evaluate(issue, at(3)).next_evaluation_at is None
    assert policy.evaluate(issue, at(100)).actions == ()
    unbounded = make_policy(notify("tick", every=minutes(1)))
    d = unbounded.evaluate(new_issue(), T0 + timedelta(minutes=20_000))
    assert [a.key for a in d.actions] == [f"tick:notify:{MAX_REPETITIONS}"]
    assert d.next_evaluation_at is None


def test_a_condition_on_the_instant_holds_repetitions_back_and_wakes_the_host() -> None:
    policy = make_policy(notify("remind", every=hours(1), while_=is_open("support")))
    issue = new_issue(berlin(6, 16, 30))  # Friday 16:30 in Berlin
    d = policy.evaluate(issue, berlin(6, 17, 30))
    assert d.actions == () and d.next_evaluation_at == berlin(9, 9)
    # Monday 09:00: 64.5 hours later, one reminder, the latest (the 64th)
    d = policy.evaluate(issue, berlin(9, 9))
    assert [a.key for a in d.actions] == ["remind:notify:64"]
    assert d.next_evaluation_at == berlin(9, 9, 30)
    # open, with the 64th recorded: the next is due at 09:30, before the 17:00 closing
    issue, _ = settle(policy, issue, berlin(9, 9))
    assert policy.evaluate(issue, berlin(9, 9)).next_evaluation_at == berlin(9, 9, 30)


def test_the_rule_under_a_policy_business_clock_and_first_match() -> None:
    from escalation_rules import BusinessClock, first_match

    policy = Policy(
        levels(),
        [first_match("g", [notify("remind", every=hours(1)), notify("other", every=hours(5))])],
        clock=BusinessClock(SUPPORT),
    )
    issue = new_issue(berlin(6, 16, 30))  # Friday 16:30: 30 business minutes left that day
    d = policy.evaluate(issue, berlin(9, 9, 30))
    assert [a.key for a in d.actions] == ["remind:notify:1"]
    assert d.next_evaluation_at == berlin(9, 10, 30)


def test_the_rule_is_a_frozen_value_that_pickles_and_checks_alone() -> None:
    rule = notify("remind", every=hours(1), while_=~acknowledged(), limit=5, first=minutes(5))
    assert pickle.loads(pickle.dumps(rule)) == rule
    assert rule.first_delay == minutes(5) and rule.cap == 5
    assert notify("r", every=hours(2)).first_delay == hours(2)
    assert notify("r", every=hours(2)).cap == MAX_REPETITIONS
    policy = make_policy(rule)
    outcome = rule.check(_context(policy, new_issue(), at(1.5)))
    assert outcome is not None and outcome.matched
    assert [a.key for a in outcome.actions] == ["remind:notify:2"]
    next_at = T0 + timedelta(hours=2, minutes=5)
    assert [(t, a.key) for t, a in outcome.upcoming] == [(next_at, "remind:notify:3")]
    assert RepeatingNotification.__module__ == "escalation_rules"
    # notify(at=...) is unchanged: a TimeRule
    assert isinstance(notify("once", at=after(hours(1))), TimeRule)


def _context(policy: Policy, issue: Issue, now: datetime):  # type: ignore[no-untyped-def]
    from escalation_rules._engine.context import make_context

    return make_context(policy, issue, now)


# -- refused ------------------------------------------------------------------------------------

EVERY = hours(1)

BAD: list[tuple[str, Callable[[], object], str]] = [
    ("zero every", lambda: notify("r", every=timedelta(0)), "'every' must be a positive"),
    ("negative every", lambda: notify("r", every=-EVERY), "'every' must be a positive"),
    ("every a number", lambda: notify("r", every=3600), "positive timedelta, got 3600"),  # type: ignore[call-overload]
    ("negative first", lambda: notify("r", every=EVERY, first=-EVERY), "'first' must not be"),
    ("limit 0", lambda: notify("r", every=EVERY, limit=0), "from 1 to 10,000, got 0$"),
    ("limit too big", lambda: notify("r", every=EVERY, limit=10_001), "got 10001$"),
    ("limit a bool", lambda: notify("r", every=EVERY, limit=True), "got True$"),
    ("limit a float", lambda: notify("r", every=EVERY, limit=2.5), "got 2.5$"),  # type: ignore[call-overload]
    ("empty target", lambda: notify("r", every=EVERY, to=""), "notifies ''; use OWNER"),
    (
        "misspelt anchor",
        lambda: notify("r", every=EVERY, since="level_enterd"),
        "did you mean 'level_entered'",
    ),
    ("while a bool", lambda: notify("r", every=EVERY, while_=True), "'while_' must be a cond"),  # type: ignore[call-overload]
    ("when a bool", lambda: notify("r", every=EVERY, when=False), "did you write 'and'/'or'"),  # type: ignore[call-overload]
    ("empty calendar", lambda: notify("r", every=EVERY, calendar=""), "'calendar' takes the"),
    ("empty name", lambda: notify("", every=EVERY), "non-empty string name"),
    (
        "at and every",
        lambda: notify("r", at=after(EVERY), every=EVERY),  # type: ignore[call-overload]
        "at= or every=, not both",
    ),
    (
        "unknown calendar",
        lambda: make_policy(notify("r", every=EVERY, calendar="suport")),
        "counts on the calendar 'suport'.*did you mean 'support'",
    ),
    (
        "unknown clock in while",
        lambda: make_policy(notify("r", every=EVERY, while_=~clock("resolutoin").breached)),
        "SLA clock 'resolutoin'.*did you mean 'resolution'",
    ),
    (
        "a schedule the policy lacks",
        lambda: Policy(
            [Level("L1", "a", rank=1, owner="x")], [notify("r", every=EVERY, to=OnCall("rota"))]
        ),
        "schedule 'rota', which the policy does not have",
    ),
    (
        "unknown calendar in when",
        lambda: make_policy(notify("r", every=EVERY, when=is_open("offce"))),
        "reads the calendar 'offce'",
    ),
]


@pytest.mark.parametrize(("case", "build", "pattern"), BAD, ids=[row[0] for row in BAD])
def test_refused(case: str, build: Callable[[], object], pattern: str) -> None:
    with pytest.raises(PolicyError, match=pattern) as info:
        build()
    assert isinstance(info.value, EscalationRulesError) and isinstance(info.value, ValueError)


MISUSED: list[tuple[str, Callable[[], object], str]] = [
    ("neither at nor every", lambda: notify("r"), r"needs at= \(after or sla\) or every="),  # type: ignore[call-overload]
    (
        "options without every",
        lambda: notify("r", at=after(EVERY), limit=2),  # type: ignore[call-overload]
        r"\['limit'\] only with every=",
    ),
]


@pytest.mark.parametrize(("case", "build", "pattern"), MISUSED, ids=[row[0] for row in MISUSED])
def test_misused_builder_is_a_type_error(
    case: str, build: Callable[[], object], pattern: str
) -> None:
    with pytest.raises(TypeError, match=pattern):
        build()


def test_a_refused_rule_in_a_policy_names_the_rule() -> None:
    with pytest.raises(PolicyError) as info:
        make_policy(notify("r", every=hours(1), calendar="suport"))
    assert info.value.where == "rule 'r'" and info.value.suggestion == "support"


# -- cost: the same work however many repetitions have passed ----------------------------------


class _Adding:
    """A `Clock` that is not the `WallClock` type: repetitions found by bisection."""

    def __init__(self) -> None:
        self.calls = 0

    def deadline(self, context: object, start: datetime, amount: timedelta) -> datetime | None:
        self.calls += 1
        return start.astimezone(UTC) + amount


@pytest.mark.parametrize("kind", ["wall", "calendar", "custom"])
def test_cost_does_not_grow_with_the_repetitions_passed(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = {"due": 0, "between": 0}
    due, between = Repetitions.due, BusinessCalendar.between

    def counting_due(self: Repetitions, *args: object) -> datetime | None:
        counts["due"] += 1
        return due(self, *args)  # type: ignore[arg-type]

    def counting_between(self: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
        counts["between"] += 1
        return between(self, a, b)

    monkeypatch.setattr(Repetitions, "due", counting_due)
    monkeypatch.setattr(BusinessCalendar, "between", counting_between)
    custom = _Adding()
    rule = notify("tick", every=minutes(10), calendar="support" if kind == "calendar" else None)
    policy = make_policy(rule, clock=custom) if kind == "custom" else make_policy(rule)
    issue = new_issue()
    spent = []
    for repetitions in (3, 5_000):
        counts.update(due=0, between=0)
        custom.calls = 0
        # 10-minute repetitions: on the calendar 6 an open hour, 48 an open day
        now = (
            SUPPORT.add(T0, minutes(10) * repetitions + minutes(5))
            if kind == "calendar"
            else (T0 + minutes(10) * repetitions + minutes(5))
        )
        d = policy.evaluate(issue, now)
        assert [a.key for a in d.actions] == [f"tick:notify:{repetitions}"]
        spent.append((counts["due"], counts["between"], custom.calls))
    if kind == "custom":  # a bisection over 1..10,000: about 14 deadlines either way
        (early, _, early_calls), (late, _, late_calls) = spent
        assert early == early_calls and late == late_calls
        assert 13 <= early <= 16 and 13 <= late <= 16
    else:
        assert spent[0] == spent[1]
        assert spent[0] == ((1, 0, 0) if kind == "wall" else (2, 1, 0))


def test_the_schedule_steps_back_when_a_calendar_lands_on_an_opening() -> None:
    # landing="next_opening": business time that runs out at a closing lands on the next opening
    landing = BusinessCalendar(
        "Europe/Berlin", {"mon-fri": [("09:00", "17:00")]}, boundaries={"landing": "next_opening"}
    )
    policy = Policy(levels(), [notify("r", every=hours(4), calendar="c")], calendars={"c": landing})
    issue = new_issue(berlin(2, 9))
    # 8 business hours have passed at 17:00 Monday, but repetition 2 lands on Tuesday 09:00
    d = policy.evaluate(issue, berlin(2, 18))
    assert [a.key for a in d.actions] == ["r:notify:1"]
    assert d.next_evaluation_at == berlin(3, 9)
    assert re.search(r"repetition 2", policy.evaluate(issue, berlin(3, 9)).reason)


def test_recipient_resolves_owner_per_level() -> None:
    policy = make_policy()
    assert [repeat.recipient(OWNER, policy, i, "r") for i in (0, 1)] == [
        ("frontline", None),
        ("supervisors", None),
    ]
    assert repeat.recipient("desk", policy, 1, "r") == ("desk", None)


def test_a_repetition_reaches_every_owner_under_its_own_key() -> None:
    levels = [Level("L1", "Desk", rank=1, owner=["ann", "ben"])]
    policy = Policy(levels, [notify("r", every=hours(1))])
    issue = Issue("T-1", T0, history=[Event(EventKind.CREATED, T0)])
    decision = policy.evaluate(issue, at(2.5))
    assert [(a.target, a.key) for a in decision.actions] == [
        ("ann", "r:notify:2"),
        ("ben", "r:notify:2"),
    ]
    assert decision.next_evaluation_at == at(3)


def test_gates_alike_when_and_while() -> None:
    rule = notify("r", every=hours(1), when=F.priority == "P1", while_=~acknowledged())
    policy = make_policy(rule)
    p1 = Issue("T-1", T0, priority="P1", history=[Event(EventKind.CREATED, T0)])
    p2 = Issue("T-2", T0, priority="P2", history=[Event(EventKind.CREATED, T0)])
    assert [a.key for a in policy.evaluate(p1, at(1)).actions] == ["r:notify:1"]
    assert policy.evaluate(p2, at(1)).actions == ()
    acked = p1.with_event(Event(EventKind.ACKNOWLEDGED, at(0.5)))
    assert policy.evaluate(acked, at(1)).actions == ()
