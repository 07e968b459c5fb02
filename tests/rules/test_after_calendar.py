"""``after(duration, calendar=NAME)``: a time rule that counts on one of the policy's calendars.

The duration counts as business time on the named calendar instead of on the policy's clock;
the name is checked when the policy is built (and when a policy file is read, at its place).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalation_rules import (
    After,
    BusinessCalendar,
    BusinessClock,
    Event,
    EventKind,
    Issue,
    Level,
    Policy,
    PolicyError,
    PolicySyntaxError,
    after,
    escalate,
    hours,
    loads,
    notify,
)

# Monday 2 March 2026; Berlin is UTC+1 then.
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 Berlin
SUPPORT = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})
NIGHTS = BusinessCalendar("Europe/Berlin", {"mon-sun": [("22:00", "06:00")]})


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """*hour*:*minute* Berlin time (UTC+1) on *day* March 2026, in UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


def levels() -> list[Level]:
    return [
        Level("L1", "Frontline", rank=1, owner="frontline"),
        Level("L2", "Supervisor", rank=2, owner="supervisors"),
    ]


def issue(created: datetime = MONDAY_9) -> Issue:
    return Issue("T-1", created, history=[Event(EventKind.CREATED, created)])


def test_the_duration_counts_on_the_named_calendar_not_the_policy_clock() -> None:
    policy = Policy(
        levels(),
        [
            notify("support", at=after(hours(10), calendar="support"), to="lead"),
            notify("wall", at=after(hours(10)), to="lead"),
        ],
        calendars={"support": SUPPORT},
    )
    # 8 support hours on Monday, 2 more on Tuesday from 09:00.
    decision = policy.evaluate(issue(), MONDAY_9 + timedelta(hours=10))
    assert [a.rule for a in decision.actions] == ["wall"]
    assert decision.next_evaluation_at == berlin(3, 11)
    assert [a.rule for a in policy.evaluate(issue(), berlin(3, 11)).actions] == ["support", "wall"]
    just_before = policy.evaluate(issue(), berlin(3, 11) - timedelta(microseconds=1))
    assert [a.rule for a in just_before.actions] == ["wall"]


def test_it_wins_over_a_business_policy_clock_too() -> None:
    policy = Policy(
        levels(),
        [escalate("nightly", at=after(hours(2), calendar="nights"))],
        clock=BusinessClock(SUPPORT),
        calendars={"support": SUPPORT, "nights": NIGHTS},
    )
    decision = policy.evaluate(issue(), MONDAY_9)
    assert decision.next_evaluation_at == berlin(3, 0)  # 22:00 + 2 h of the night shift
    assert [a.to for a in policy.evaluate(issue(), berlin(3, 0)).actions] == ["L2"]  # type: ignore[union-attr]


def test_since_and_once_per_anchor_are_as_without_a_calendar() -> None:
    rule = notify("nudge", at=after(hours(1), since="last_customer_message", calendar="support"))
    assert rule.at == After(hours(1), "last_customer_message", calendar="support")
    policy = Policy(levels(), [rule], calendars={"support": SUPPORT})
    assert policy.evaluate(issue(), berlin(2, 20)).next_evaluation_at is None  # no message yet
    messaged = issue().with_event(Event(EventKind.CUSTOMER_MESSAGE, berlin(2, 16, 30)))
    decision = policy.evaluate(messaged, berlin(2, 16, 30))
    assert decision.next_evaluation_at == berlin(3, 9, 30)  # 30 min on Monday, 30 on Tuesday


def test_the_trigger_says_its_calendar() -> None:
    trigger = after(hours(4), calendar="support")
    assert trigger.calendar == "support" and after(hours(4)).calendar is None
    assert trigger != after(hours(4))
    assert trigger.describe() == "4 h on the support calendar since level_entered"
    policy = Policy(levels(), [notify("n", at=trigger)], calendars={"support": SUPPORT})
    action = policy.evaluate(issue(), berlin(2, 13)).actions[0]
    assert (
        action.reason == "4 h on the support calendar since level_entered passed: notify frontline"
    )


@pytest.mark.parametrize(
    ("build", "message", "value", "suggestion"),
    [
        (
            lambda: Policy(
                levels(),
                [notify("n", at=after(hours(1), calendar="suport"))],
                calendars={"support": SUPPORT},
            ),
            "rule 'n': counts on the calendar 'suport', which the policy does not have; "
            "calendars are ['support']",
            "suport",
            "support",
        ),
        (
            lambda: Policy(levels(), [escalate("e", at=after(hours(1), calendar="support"))]),
            "rule 'e': counts on the calendar 'support', which the policy does not have; "
            "calendars are []",
            "support",
            None,
        ),
        (
            lambda: after(hours(1), calendar=""),
            "after(calendar=) takes the name of one of the policy's calendars, got ''",
            "",
            None,
        ),
        (
            lambda: after(hours(1), calendar=5),  # type: ignore[arg-type]
            "after(calendar=) takes the name of one of the policy's calendars, got 5",
            5,
            None,
        ),
    ],
    ids=["misspelt", "no calendars", "empty", "not a string"],
)
def test_an_unknown_or_malformed_calendar_is_refused(
    build: object, message: str, value: object, suggestion: str | None
) -> None:
    with pytest.raises(PolicyError) as info:
        build()  # type: ignore[operator]
    error = info.value
    assert str(error).startswith(message), str(error)
    assert error.value == value and error.suggestion == suggestion
    if suggestion:
        assert f"did you mean {suggestion!r}?" in str(error)


# ------------------------------------------------------------------ policy files

TEXT = """\
[policy]
name = "p"

[calendars.support]
tz = "Europe/Berlin"
hours = { mon-fri = ["09:00-17:00"] }

[[levels]]
id = "L1"
name = "Frontline"
rank = 1
owner = "frontline"

[[rules]]
name = "call-back"
type = "notify"
to = "lead"
at = { after = "10h business", calendar = "support" }
"""


def test_a_policy_file_names_the_calendar_of_an_after_trigger() -> None:
    policy = loads(TEXT)
    (rule,) = policy.rules
    assert rule.at == after(hours(10), calendar="support")  # type: ignore[attr-defined]
    assert policy.evaluate(issue(), MONDAY_9).next_evaluation_at == berlin(3, 11)


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "fragment"),
    [
        (
            'calendar = "support" }',
            'calendar = "suport" }',
            18,
            43,
            "the calendar 'suport' is not one of the policy's calendars ['support'] "
            "(did you mean 'support'?)",
        ),
        (
            '"10h business"',
            '"10h"',
            18,
            16,
            "the trigger counts on the calendar 'support', business time, so write '10h' as "
            "'10h business'",
        ),
        ('calendar = "support" }', "calendar = 5 }", 18, 43, "expected a non-empty string"),
        ('calendar = "support" }', 'calender = "support" }', 18, 43, "did you mean 'calendar'"),
    ],
    ids=["misspelt", "not business", "not a string", "misspelt key"],
)
def test_a_bad_calendar_on_a_trigger_is_reported_at_its_place(
    old: str, new: str, line: int, column: int, fragment: str
) -> None:
    assert old in TEXT
    with pytest.raises(PolicySyntaxError) as info:
        loads(TEXT.replace(old, new), source="policy.toml")
    error = info.value
    assert fragment in str(error), str(error)
    assert (error.line, error.column) == (line, column), str(error)
