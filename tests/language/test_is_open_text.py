"""``is_open()`` and ``is_open("support")`` in the condition language: parsed, located errors,
written back by the formatter, and read from a policy file."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    F,
    PolicyError,
    PolicySyntaxError,
    dump,
    format_condition,
    loads,
    parse_condition,
)
from escalation_rules._time.conditions import IsOpen, is_open


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("is_open()", is_open()),
        ('is_open("support")', is_open("support")),
        ("is_open('support')", is_open("support")),
        ('is_open("support",)', is_open("support")),
        ("not is_open()", ~is_open()),
        ('is_open() and priority == "P1"', is_open() & (F.priority == "P1")),
        ('is_open("eu") or is_open("us")', is_open("eu") | is_open("us")),
    ],
)
def test_it_parses_to_the_python_condition(text: str, condition: object) -> None:
    assert parse_condition(text) == condition


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (is_open(), "is_open()"),
        (is_open("support"), "is_open('support')"),
        (~is_open(), "not is_open()"),
        (is_open("it's") & (F.priority == "P1"), "is_open('it\\'s') and priority == \"P1\""),
    ],
)
def test_the_formatter_writes_it_back(condition: IsOpen, text: str) -> None:
    assert format_condition(condition) == text
    assert parse_condition(text) == condition


@settings(max_examples=200, deadline=None)
@given(st.none() | st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s))
def test_every_name_round_trips(name: str | None) -> None:
    condition = is_open(name)
    assert parse_condition(format_condition(condition)) == condition


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        (
            'is_open("a", "b")',
            1,
            "is_open() takes no argument or one calendar name, got 2 arguments",
        ),
        ("is_open(support)", 9, "is_open() takes a string in quotes, got a path"),
        ("is_open(5)", 9, "is_open() takes a string in quotes, got a number"),
        ('is_open("")', 1, "is_open() takes the name of one of the policy's calendars, got ''"),
        (
            "is_open() == true",
            11,
            "is_open(...) is a condition, not a value, so it cannot be compared with '=='",
        ),
        ("is_opn()", 1, "unknown function 'is_opn'"),
    ],
)
def test_mistakes_are_located(text: str, column: int, message: str) -> None:
    with pytest.raises(PolicySyntaxError) as info:
        parse_condition(text)
    error = info.value
    assert message in error.message, error.message
    assert (error.line, error.column) == (1, column)
    assert isinstance(error, PolicyError)


def test_a_misspelt_function_name_suggests_it() -> None:
    with pytest.raises(PolicySyntaxError) as info:
        parse_condition("is_opn()")
    assert info.value.suggestion == "is_open"


TEXT = """\
[policy]
name = "p"
calendar = "support"

[calendars.support]
tz = "Europe/Berlin"
hours = { mon-fri = ["09:00-17:00"] }

[calendars.nights]
tz = "Europe/Berlin"
hours = { mon-sun = ["22:00-06:00"] }

[[levels]]
id = "L1"
name = "Frontline"
rank = 1
owner = "frontline"

[[levels]]
id = "L2"
name = "Supervisor"
rank = 2
owner = "supervisors"

[[rules]]
name = "call-back"
type = "notify"
to = "lead"
when = 'is_open() and not is_open("nights")'
at = { after = "10h" }

[[rules]]
name = "page"
type = "escalate"
when = 'not is_open("support")'
"""


def test_a_policy_file_reads_and_writes_it() -> None:
    policy = loads(TEXT)
    assert [r.when for r in policy.rules] == [  # type: ignore[attr-defined]
        is_open() & ~is_open("nights"),
        ~is_open("support"),
    ]
    assert loads(dump(policy)) == policy


def test_an_unknown_calendar_in_a_policy_file_is_refused_with_a_suggestion() -> None:
    with pytest.raises(PolicySyntaxError) as info:
        loads(TEXT.replace('is_open("nights")', 'is_open("night")'), source="p.toml")
    error = info.value
    assert "rule 'call-back': reads the calendar 'night', which the policy does not have" in str(
        error
    )
    assert error.suggestion == "nights"
