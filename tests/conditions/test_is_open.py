"""``is_open()``: the business calendar in effect (or a named one) is open at the instant.

Which calendar (the issue's, the level's, the policy's; none: always open), the instant its
value changes (the next opening or closing, so ``next_evaluation_at`` wakes the host exactly
when support hours begin), names checked when the policy is built, and the law that ties it
to `BusinessCalendar.is_open`.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    BusinessCalendar,
    Context,
    Customer,
    Event,
    EventKind,
    F,
    Issue,
    Level,
    Policy,
    PolicyError,
    after,
    escalate,
    hours,
    notify,
    route,
)
from escalation_rules._time.conditions import IsOpen, is_open
from escalation_rules.strategies import calendars, instants

# Berlin is UTC+1 in early March 2026; Monday 2 March.
SUPPORT = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})
SYDNEY = BusinessCalendar("Australia/Sydney", {"mon-fri": [("09:00", "17:00")]})  # UTC+11
NIGHTS = BusinessCalendar("Europe/Berlin", {"mon-sun": [("22:00", "06:00")]})
AROUND_THE_CLOCK = BusinessCalendar.always()


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """*hour*:*minute* Berlin time (UTC+1) on *day* March 2026, in UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


def levels(**kw: object) -> list[Level]:
    return [
        Level("L1", "Frontline", rank=1, owner="frontline", **kw),  # type: ignore[arg-type]
        Level("L2", "Supervisor", rank=2, owner="supervisors"),
    ]


MONDAY_8 = berlin(2, 8)


def make(created: datetime = MONDAY_8, **fields: object) -> Issue:
    return Issue("T-1", created, history=[Event(EventKind.CREATED, created)], **fields)  # type: ignore[arg-type]


def value(policy: Policy, condition: object, issue: Issue, now: datetime) -> tuple[bool, object]:
    """What the condition says for *issue* at *now*: its value and the instant it changes."""
    position = 0 if issue.level is None else policy.level_positions[issue.level]
    context = Context(
        policy, issue, now, policy.levels[position], position, policy.status_of(issue)
    )
    return IsOpen.compile_timed(condition)(context)  # type: ignore[arg-type]


# ------------------------------------------------------------------ which calendar


def test_without_any_calendar_it_is_always_open_and_never_changes() -> None:
    policy = Policy(levels(), [])
    assert value(policy, is_open(), make(), berlin(1, 3)) == (True, None)


def test_a_policy_with_calendars_but_none_in_effect_is_always_open() -> None:
    policy = Policy(levels(), [], calendars={"support": SUPPORT})
    assert value(policy, is_open(), make(), berlin(7, 3)) == (True, None)  # a Saturday night
    assert value(policy, is_open("support"), make(), berlin(7, 3)) == (False, berlin(9, 9))


def test_the_policy_default_calendar() -> None:
    policy = Policy(levels(), [], calendars={"support": SUPPORT}, calendar="support")
    assert value(policy, is_open(), make(), berlin(2, 8)) == (False, berlin(2, 9))
    assert value(policy, is_open(), make(), berlin(2, 9)) == (True, berlin(2, 17))
    assert value(policy, is_open(), make(), berlin(2, 17)) == (False, berlin(3, 9))
    assert value(policy, is_open(), make(), berlin(6, 17)) == (False, berlin(9, 9))  # Friday


def test_the_level_calendar_wins_over_the_policy_default() -> None:
    policy = Policy(
        levels(calendar="nights"),
        [],
        calendars={"support": SUPPORT, "nights": NIGHTS},
        calendar="support",
    )
    assert value(policy, is_open(), make(), berlin(2, 12)) == (False, berlin(2, 22))
    assert value(policy, is_open(), make(level="L2"), berlin(2, 12)) == (True, berlin(2, 17))


def test_the_issue_calendar_wins_over_the_level_and_the_policy() -> None:
    policy = Policy(
        levels(calendar="nights"),
        [],
        calendars={"support": SUPPORT, "nights": NIGHTS, "sydney": SYDNEY},
        calendar="support",
        calendar_field="customer.attributes.region",
    )
    au = make(customer=Customer(attributes={"region": "sydney"}))
    # Monday 12:00 in Berlin is 22:00 in Sydney: closed until Tuesday 09:00 there.
    assert value(policy, is_open(), au, berlin(2, 12)) == (
        False,
        datetime(2026, 3, 2, 22, 0, tzinfo=UTC),
    )
    # No region: the level's calendar.
    assert value(policy, is_open(), make(), berlin(2, 12)) == (False, berlin(2, 22))


def test_a_named_calendar_ignores_the_one_in_effect() -> None:
    policy = Policy(
        levels(), [], calendars={"support": SUPPORT, "nights": NIGHTS}, calendar="nights"
    )
    assert value(policy, is_open("support"), make(), berlin(2, 23)) == (False, berlin(3, 9))
    assert value(policy, is_open(), make(), berlin(2, 23)) == (True, berlin(3, 6))


def test_an_around_the_clock_calendar_never_closes() -> None:
    policy = Policy(levels(), [], calendars={"all": AROUND_THE_CLOCK}, calendar="all")
    assert value(policy, is_open(), make(), berlin(2, 12)) == (True, None)
    with_holiday = BusinessCalendar.always("Europe/Berlin", holidays=["2026-12-25"])
    policy = Policy(levels(), [], calendars={"all": with_holiday}, calendar="all")
    assert value(policy, is_open(), make(), berlin(2, 12)) == (
        True,
        datetime(2026, 12, 24, 23, 0, tzinfo=UTC),
    )


def test_opening_instants_are_open_and_closing_instants_are_not() -> None:
    policy = Policy(levels(), [], calendars={"support": SUPPORT})
    assert value(policy, is_open("support"), make(), berlin(2, 9))[0] is True
    assert value(policy, is_open("support"), make(), berlin(2, 17))[0] is False
    last = berlin(2, 17) - timedelta(microseconds=1)
    assert value(policy, is_open("support"), make(), last) == (True, berlin(2, 17))


# ------------------------------------------------------------------ in rules


def test_a_rule_deferred_to_support_hours_wakes_the_host_when_they_begin() -> None:
    policy = Policy(
        levels(),
        [notify("call-back", at=after(hours(1)), to="desk", when=is_open("support"))],
        calendars={"support": SUPPORT},
    )
    friday = berlin(6, 18)
    issue = make(friday)
    decision = policy.evaluate(issue, friday + timedelta(hours=2))
    assert decision.actions == () and decision.next_evaluation_at == berlin(9, 9)
    assert policy.evaluate(issue, berlin(9, 9) - timedelta(microseconds=1)).actions == ()
    assert [a.rule for a in policy.evaluate(issue, berlin(9, 9)).actions] == ["call-back"]


def test_out_of_hours_paging_stops_at_the_opening() -> None:
    policy = Policy(
        levels(),
        [escalate("after-hours", when=~is_open())],
        calendars={"support": SUPPORT},
        calendar="support",
    )
    evening = policy.evaluate(make(), berlin(2, 8))
    assert [a.rule for a in evening.actions] == ["after-hours"]
    assert evening.next_evaluation_at == berlin(2, 9)
    day = policy.evaluate(make(), berlin(2, 10))
    assert day.actions == () and day.next_evaluation_at == berlin(2, 17)


def test_explain_shows_the_rule_waiting_for_the_opening() -> None:
    policy = Policy(
        levels(),
        [route("desk", when=is_open("support") & (F.category == "billing"), to="desk")],
        calendars={"support": SUPPORT},
    )
    (trace,) = policy.explain(make(category="billing"), berlin(2, 20)).rules
    assert trace.status == "waiting"
    (action,) = trace.actions
    assert action.status == "due later" and action.at == berlin(3, 9)
    (other,) = policy.explain(make(category="other"), berlin(2, 20)).rules
    assert other.status == "not matched"
    assert [str(f) for f in other.failures] == ["is_open('support') is false"]


# ------------------------------------------------------------------ names and forms


@pytest.mark.parametrize(
    "build",
    [
        lambda when: route("r", when=when, to="desk"),
        lambda when: escalate("r", when=when),
        lambda when: notify("r", at=after(hours(1)), when=when),
    ],
    ids=["route", "escalate", "notify"],
)
def test_an_unknown_calendar_is_refused_when_the_policy_is_built(build: object) -> None:
    rule = build(is_open("suport") | (F.priority == "P1"))  # type: ignore[operator]
    with pytest.raises(PolicyError) as info:
        Policy(levels(), [rule], calendars={"support": SUPPORT, "nights": NIGHTS})
    error = info.value
    assert str(error) == (
        "rule 'r': reads the calendar 'suport', which the policy does not have; calendars are "
        "['nights', 'support'] (did you mean 'support'?)"
    )
    assert error.value == "suport" and error.suggestion == "support"


@pytest.mark.parametrize("bad", ["", 5, ["support"]])
def test_a_calendar_name_must_be_a_non_empty_string(bad: object) -> None:
    with pytest.raises(PolicyError) as info:
        is_open(bad)  # type: ignore[arg-type]
    assert str(info.value) == (
        f"is_open() takes the name of one of the policy's calendars, got {bad!r}"
    )


def test_forms_equality_and_pickling() -> None:
    assert repr(is_open()) == "is_open()" and repr(is_open("support")) == "is_open('support')"
    assert is_open("support") == IsOpen("support") != is_open()
    assert is_open().timed and (~is_open()).timed
    assert pickle.loads(pickle.dumps(is_open("support"))) == is_open("support")
    with pytest.raises(TypeError, match="depends on the instant"):
        is_open()(make())


# ------------------------------------------------------------------ the law


@settings(max_examples=300, deadline=None)
@given(calendars(), instants(), st.booleans())
def test_the_value_is_the_calendars_and_the_change_is_the_next_boundary(
    calendar: BusinessCalendar, now: datetime, named: bool
) -> None:
    """At now the value is ``calendar.is_open(now)``; the reported change is after now, the
    value differs there, and it holds all the way from now to the change."""
    policy = Policy(levels(), [], calendars={"c": calendar}, calendar=None if named else "c")
    holds, change = value(policy, is_open("c") if named else is_open(), make(), now)
    assert holds == calendar.is_open(now)
    now = now.astimezone(UTC)  # so that a difference of instants is elapsed time
    if change is None:  # an open calendar that never closes again
        assert holds
        far = now + timedelta(days=3000)
        assert calendar.between(now, far) == far - now
        return
    assert isinstance(change, datetime) and change.tzinfo is UTC
    assert change > now
    assert calendar.is_open(change) != holds
    assert calendar.between(now, change) == (change - now if holds else timedelta(0))
