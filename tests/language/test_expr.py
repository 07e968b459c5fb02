"""The condition language: parsing, located errors, bounds, formatting, durations, percentages."""

from __future__ import annotations

import math
import pickle
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    ALWAYS,
    NEVER,
    Condition,
    EscalationRulesError,
    F,
    PolicyError,
    all_of,
    any_of,
    clock,
    field,
    happened,
    hours,
    minutes,
    predicate,
    since,
)
from escalation_rules._conditions.compare import Compare, Contains, Exists, In
from escalation_rules._conditions.condition import All, Any_, Not
from escalation_rules._durations import (
    MAX_DURATION,
    format_duration,
    format_percent,
    parse_duration,
    parse_percent,
)
from escalation_rules._exceptions import PolicySyntaxError
from escalation_rules._language.formatter import format_condition
from escalation_rules._language.functions import FUNCTIONS, Arg, Call, Function, functions
from escalation_rules._language.parser import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_LIST_ITEMS,
    parse_condition,
)

from ..strategies import conditions as policy_conditions

# ---------------------------------------------------------------- good input

GOOD: list[tuple[str, Condition]] = [
    ('priority == "P1"', F.priority == "P1"),
    ("priority == 'P1'", F.priority == "P1"),
    ('priority != "P1"', F.priority != "P1"),
    ("customer.value < 10", F.customer.value < 10),
    ("customer.value <= 10.5", F.customer.value <= 10.5),
    ("customer.value > -1.5", F.customer.value > -1.5),
    ("customer.value >= 1e3", F.customer.value >= 1000.0),
    ("customer.value >= 2.5E-2", F.customer.value >= 0.025),
    ("customer.value == - 7", F.customer.value == -7),
    ('priority in ["P1", "P2"]', F.priority.isin(["P1", "P2"])),
    ('priority in ["P1", "P2",]', F.priority.isin(["P1", "P2"])),
    ('priority not in ["P1"]', ~F.priority.isin(["P1"])),
    ('tags contains "vip"', F.tags.contains("vip")),
    ('skills contains "de"', F.skills.contains("de")),
    ('has_tag("vip")', F.tags.contains("vip")),
    ('has_skill("de")', F.skills.contains("de")),
    ("exists(customer.tier)", F.customer.tier.exists()),
    ("exists(customer.tier,)", F.customer.tier.exists()),
    ("not exists(attributes.refund)", ~F.attributes.refund.exists()),
    ("true", ALWAYS),
    ("false", NEVER),
    ("(true)", ALWAYS),
    ('status == "open"', F.status == "open"),
    ('customer.tier == "gold"', F.customer.tier == "gold"),
    ("attributes.refund.amount > 500", F.attributes.refund.amount > 500),
    ('customer.attributes.region == "emea"', F.customer.attributes.region == "emea"),
    ("attributes.vip == true", F.attributes.vip == True),  # noqa: E712 - builds a Compare
    ("attributes.flags in [true, false]", F.attributes.flags.isin([True, False])),
    ('attributes.roles contains "admin"', F.attributes.roles.contains("admin")),
    ("attributes.wait > 1h30m", F.attributes.wait > timedelta(minutes=90)),
    (
        "attributes.waits in [30m, 1w]",
        F.attributes.waits.isin([timedelta(minutes=30), timedelta(7)]),
    ),
    ("attributes.and == 1", field("attributes.and") == 1),
    ('attributes.größe == "groß"', field("attributes.größe") == "groß"),
    ("attributes.x.2fa == 0", field("attributes.x.2fa") == 0),
    (r'attributes.note == "a\"b\\c\nd\te\'f"', F.attributes.note == "a\"b\\c\nd\te'f"),
    (r"attributes.note == 'it\'s \"x\"'", F.attributes.note == 'it\'s "x"'),
    ('attributes.note == "tab\there"', F.attributes.note == "tab\there"),
    ('  priority\n==\t"P1"\r\n', F.priority == "P1"),
    # Precedence: not > and > or; comparisons bind tightest.
    (
        'priority == "P1" and tags contains "vip" or language == "de"',
        ((F.priority == "P1") & F.tags.contains("vip")) | (F.language == "de"),
    ),
    (
        'priority == "P1" or tags contains "vip" and language == "de"',
        (F.priority == "P1") | (F.tags.contains("vip") & (F.language == "de")),
    ),
    (
        'not priority == "P1" and exists(team)',
        ~(F.priority == "P1") & F.team.exists(),
    ),
    (
        'not (priority == "P1" and exists(team))',
        ~((F.priority == "P1") & F.team.exists()),
    ),
    ("not not true", ~~ALWAYS),
    ('not priority not in ["P1"]', ~~F.priority.isin(["P1"])),
    # and/or chains flatten exactly as & and | do, whatever the parentheses.
    (
        'priority == "P1" and team == "a" and level == "L2"',
        All((F.priority == "P1", F.team == "a", F.level == "L2")),
    ),
    (
        '(priority == "P1" and team == "a") and level == "L2"',
        All((F.priority == "P1", F.team == "a", F.level == "L2")),
    ),
    (
        'priority == "P1" or (team == "a" or level == "L2")',
        Any_((F.priority == "P1", F.team == "a", F.level == "L2")),
    ),
    (
        'priority in ["P1", "P2"] and customer.tier == "enterprise"',
        F.priority.isin(["P1", "P2"]) & (F.customer.tier == "enterprise"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), GOOD, ids=[t for t, _ in GOOD])
def test_parse_builds_the_dsl_condition(text: str, expected: Condition) -> None:
    assert parse_condition(text) == expected


def test_numbers_keep_their_kind() -> None:
    whole = parse_condition("customer.value > 10")
    decimal = parse_condition("customer.value > 10.0")
    assert isinstance(whole, Compare) and type(whole.literal) is int
    assert isinstance(decimal, Compare) and type(decimal.literal) is float
    flag = parse_condition("attributes.flag == true")
    assert isinstance(flag, Compare) and flag.literal is True


def test_parsed_condition_evaluates_like_the_dsl() -> None:
    from ..conftest import make_issue

    issue = make_issue("T-1", priority="P2", tags=["vip"], attributes={"refund": 750})
    text = 'priority in ["P1", "P2"] and (tags contains "vip" or attributes.refund > 1000)'
    assert parse_condition(text)(issue) is True
    assert parse_condition("not " + text.replace("P2", "P3"))(issue) is True


# ---------------------------------------------------------------- bad input

# (text, line, column, fragment of the message); source "<string>", starting at 1:1.
BAD: list[tuple[str, int, int, str]] = [
    ("priority == and tier", 1, 13, "expected a value after '==', found 'and'"),
    ("priority ==", 1, 12, "expected a value after '==', found the end of the condition"),
    ('priority == "P1" adn tier == "x"', 1, 18, "found 'adn' (did you mean 'and'?)"),
    ('priority == "P1" orr team == "x"', 1, 18, "found 'orr' (did you mean 'or'?)"),
    ('priority == "P1" && team == "x"', 1, 18, "'&&' is not an operator of this language"),
    ('priority == "P1" || x', 1, 18, "(did you mean 'or'?)"),
    ("!exists(team)", 1, 1, "'!' is not an operator of this language (did you mean 'not'?)"),
    ('priority == "x" ~', 1, 17, "(did you mean 'not'?)"),
    ('priority <> "P1"', 1, 10, "'<>' is not an operator of this language (did you mean '!='?)"),
    ('priority = "P1"', 1, 10, "'=' is not an operator of this language (did you mean '=='?)"),
    ('priority is "P1"', 1, 10, "expected a comparison, 'in' or 'contains' after priority"),
    ('priority is "P1"', 1, 10, "found 'is' (did you mean '=='?)"),
    ('tags contain "vip"', 1, 6, "(did you mean 'contains'?)"),
    ('priority IN ["P1"]', 1, 10, "(did you mean 'in'?)"),
    ('priorty == "P1"', 1, 1, "unknown field 'priorty'; the fields are assignee, attributes,"),
    ('priorty == "P1"', 1, 1, "(did you mean 'priority'?)"),
    ('customer.tyer == "x"', 1, 1, "unknown field 'customer.tyer'"),
    ('customer.tyer == "x"', 1, 1, "(did you mean 'customer.tier'?)"),
    ("nto exists(team)", 1, 1, "unknown field 'nto'"),
    ("nto exists(team)", 1, 1, "(did you mean 'not'?)"),
    ('customer == "x"', 1, 1, "customer is a record; its fields are customer.account,"),
    ("attributes == 1", 1, 1, "attributes holds named values; name one, as in attributes.NAME"),
    ("customer.attributes > 1", 1, 1, "customer.attributes holds named values"),
    ('priority.x == "a"', 1, 1, "unknown field 'priority.x'"),
    ("customer.", 1, 10, "expected a field name after '.' in 'customer.'"),
    ('has_tags("x")', 1, 1, "unknown function 'has_tags'; the functions are acknowledged, brea"),
    ('has_tags("x")', 1, 1, "(did you mean 'has_tag'?)"),
    ('priority("x")', 1, 1, "priority is a field, not a function"),
    ("exists()", 1, 1, "exists() takes 1 argument, got 0"),
    ("exists(team, level)", 1, 1, "exists() takes 1 argument, got 2"),
    ('exists("team")', 1, 8, "exists() takes a field such as customer.tier, not a string; write"),
    ("exists(nonsense)", 1, 8, "unknown field 'nonsense'"),
    ("has_tag(vip)", 1, 9, "has_tag() takes a string in quotes, got a path"),
    ("exists(and)", 1, 8, "expected an argument of exists() or ')', found 'and'"),
    ("exists(team level)", 1, 13, "expected ',' or ')', found 'level'"),
    ("exists(team) == true", 1, 14, "exists(...) is a condition, not a value"),
    ("priority == 5", 1, 13, "priority holds a string, so it cannot be compared with a number"),
    ('customer.value > "big"', 1, 18, "customer.value holds a number, so it cannot be compared"),
    ('priority in ["P1", 2]', 1, 20, "priority holds a string, so it cannot be compared"),
    ('attributes.x in ["a", 1]', 1, 17, "the values tested against attributes.x mix kinds"),
    ("priority == 4h", 1, 13, "cannot be compared with a duration"),
    ('tags == "x"', 1, 6, 'tags is a set of strings; test it with tags contains "x"'),
    ('skills in ["x"]', 1, 8, "skills is a set of strings"),
    ('priority contains "x"', 1, 10, "priority holds a string, not a set; test it with == or in"),
    ("tags contains 5", 1, 15, "'contains' takes a string, got a number"),
    ('priority in "P1"', 1, 13, 'expected a list such as ["P1", "P2"] after \'in\', found the'),
    ("priority in []", 1, 13, "the list after 'in' is empty"),
    ('priority in ["P1" "P2"]', 1, 19, "expected ',' or ']', found the string \"P2\""),
    ('priority in ["P1", and]', 1, 20, "expected a value after '[' or ',', found 'and'"),
    ('priority not == "x"', 1, 14, "expected 'in' after 'not', found '=='"),
    ('priority == ["P1"]', 1, 13, "a list is allowed only after 'in'"),
    ("priority == ture", 1, 13, "found 'ture' (did you mean 'true'?)"),
    ('priority == "P1', 1, 13, 'unterminated string: no closing " on the line it starts'),
    ("priority == 'P1", 1, 13, "unterminated string: no closing ' on the line it starts"),
    ('priority == "P1\n"', 1, 13, "unterminated string"),
    ('priority == "a\\q"', 1, 15, "unknown escape '\\\\q' in a string"),
    ('priority == "a\\', 1, 15, "unknown escape '\\' at the end"),
    ('(priority == "P1"', 1, 18, "expected 'and', 'or' or ')', found the end of the condition"),
    ('priority == "P1")', 1, 17, "expected 'and', 'or' or the end of the condition, found ')'"),
    ("true == 1", 1, 6, "expected 'and', 'or' or the end of the condition, found '=='"),
    ("", 1, 1, "expected a condition, found the end of the condition"),
    ("  \n ", 2, 2, "expected a condition, found the end of the condition"),
    ("and", 1, 1, "expected a condition, found 'and'"),
    ('priority == "P1" and', 1, 21, "expected a condition, found the end of the condition"),
    ('"P1" == priority', 1, 1, 'expected a condition, found the string "P1"'),
    ("priority == @", 1, 13, "unexpected character '@'"),
    ("priority == \x00", 1, 13, "unexpected character '\\x00'"),
    ("attributes.wait > 4h business", 1, 19, "a business duration only makes sense for a time"),
    ("attributes.wait > 1.5h", 1, 19, "write 1h30m rather than 1.5h"),
    ("attributes.wait > 4hours", 1, 19, "invalid number or duration '4hours'"),
    ("attributes.wait > 5x", 1, 19, "unknown unit 'x' in the duration '5x'"),
    ("attributes.wait > 30m1h", 1, 19, "must go from largest to smallest"),
    ("attributes.wait > 36526d", 1, 19, "the duration '36526d' is longer than 100 years"),
    ("attributes.wait > -4h", 1, 19, "a duration cannot be negative"),
    ("customer.value > -x", 1, 19, "expected a number after '-', found 'x'"),
    ("customer.value > 1e999", 1, 18, "the number 1e999 is too large"),
    ("customer.value > " + "9" * 70, 1, 18, "is too long"),
    ("customer.value > 1e", 1, 18, "invalid number '1e': an exponent needs digits"),
    ("customer.value > 1.5e+", 1, 18, "invalid number '1.5e': an exponent needs digits"),
    ("customer.value > 1.", 1, 18, "invalid number or duration '1.'"),
    ('priority == "P1"\n  and tier == "x"', 2, 7, "unknown field 'tier'"),
    ('priority == "P1" and\n\n   (team ==)', 3, 12, "expected a value after '==', found ')'"),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"), BAD, ids=[f"{t!r}:{f[:25]}" for t, _, _, f in BAD]
)
def test_bad_input_is_located(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(PolicySyntaxError, match=re.escape(fragment)) as info:
        parse_condition(text)
    err = info.value
    assert (err.source, err.line, err.column) == ("<string>", line, column)
    assert str(err).startswith(f"<string>:{line}:{column}: ")
    assert isinstance(err, PolicyError)
    assert isinstance(err, ValueError)
    assert isinstance(err, EscalationRulesError)


def test_error_format_with_file_position() -> None:
    with pytest.raises(PolicySyntaxError) as info:
        parse_condition("priority == and tier", source="policy.toml", line=12, column=13)
    err = info.value
    assert str(err) == (
        "policy.toml:12:25: expected a value after '==', found 'and'\n"
        "    priority == and tier\n"
        "                ^"
    )
    assert err.expected == "a value"
    assert err.found == "'and'"
    assert err.message == "expected a value after '==', found 'and'"
    assert err.where == "policy.toml:12:25"
    assert (err.line_text, err.caret_line) == ("priority == and tier", " " * 12 + "^")


def test_error_shows_the_file_line_when_given() -> None:
    file_text = '[[rules]]\nname = "x"\n  when = "priority == and tier"\n'
    with pytest.raises(PolicySyntaxError) as info:
        parse_condition(
            "priority == and tier", source="policy.toml", line=3, column=11, file_text=file_text
        )
    assert str(info.value) == (
        "policy.toml:3:23: expected a value after '==', found 'and'\n"
        '      when = "priority == and tier"\n'
        "                          ^"
    )


def test_later_lines_of_a_multiline_condition_start_at_column_1() -> None:
    with pytest.raises(PolicySyntaxError) as info:
        parse_condition('priority == "P1"\n  adn team == "a"', line=7, column=10)
    assert (info.value.line, info.value.column) == (8, 3)
    assert info.value.line_text == '  adn team == "a"'
    assert info.value.caret_line == "  ^"


def test_caret_follows_tabs_and_hides_unprintable_characters() -> None:
    with pytest.raises(PolicySyntaxError) as info:
        parse_condition("priority ==\tand")
    assert info.value.caret_line == " " * 11 + "\t^"
    with pytest.raises(PolicySyntaxError) as info:
        parse_condition("priority == \x00")
    assert info.value.line_text == "priority == ?"


def test_long_line_is_cut_around_the_caret() -> None:
    text = 'priority == "P1" and ' * 200 + 'priorty == "x"'
    with pytest.raises(PolicySyntaxError) as info:
        parse_condition(text)
    err = info.value
    assert (err.line, err.column) == (1, 4201)
    assert err.line_text.startswith("...") and len(err.line_text) <= 110
    assert err.line_text[err.caret_line.index("^") :].startswith('priorty == "x"')


def test_syntax_error_pickles() -> None:
    with pytest.raises(PolicySyntaxError) as info:
        parse_condition("priority == and")
    copy = pickle.loads(pickle.dumps(info.value))
    assert str(copy) == str(info.value)
    assert (copy.line, copy.column, copy.expected) == (1, 13, "a value")


def test_parse_refuses_a_non_string() -> None:
    with pytest.raises(PolicyError, match="a condition must be a string, got 42"):
        parse_condition(42)  # type: ignore[arg-type]


# ---------------------------------------------------------------- bounds


def test_nesting_at_the_limit_parses() -> None:
    assert parse_condition("(" * MAX_DEPTH + "true" + ")" * MAX_DEPTH) == ALWAYS
    nots = parse_condition("not " * MAX_DEPTH + "true")
    for _ in range(MAX_DEPTH):
        assert isinstance(nots, Not)
        nots = nots.condition
    assert nots == ALWAYS


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("(" * (MAX_DEPTH + 1) + "true" + ")" * (MAX_DEPTH + 1), MAX_DEPTH + 1),
        ("not " * (MAX_DEPTH + 1) + "true", 4 * MAX_DEPTH + 1),
        ("not (" * 40 + "true" + ")" * 40, 5 * 32 + 1),  # the 33rd "not" opens level 65
        ("(" * 4_000 + "true" + ")" * 4_000, MAX_DEPTH + 1),
    ],
    ids=["parens", "nots", "mixed", "4000-deep"],
)
def test_nesting_beyond_the_limit_is_refused(text: str, column: int) -> None:
    with pytest.raises(PolicySyntaxError, match="nested more than 64 levels deep") as info:
        parse_condition(text)
    assert info.value.column == column


@pytest.mark.parametrize(
    "text",
    [
        "(" * 10_000 + "true" + ")" * 10_000,
        "not " * 10_000 + "true",
        'priority == "P1" and ' * 50_000 + "true",  # about 1 MB
        "x" * (MAX_EXPRESSION_LENGTH + 1),
    ],
    ids=["10000-deep parens", "10000 nots", "1 MB", "one over"],
)
def test_long_input_is_refused_with_a_short_message(text: str) -> None:
    with pytest.raises(PolicySyntaxError, match=f"the limit is {MAX_EXPRESSION_LENGTH:,}") as info:
        parse_condition(text)
    assert (info.value.line, info.value.column) == (1, 1)
    assert len(str(info.value)) < 400


def test_list_size_is_bounded() -> None:
    ok = "customer.id in [" + ", ".join(['"a"'] * MAX_LIST_ITEMS) + "]"
    assert parse_condition(ok) == F.customer.id.isin(["a"] * MAX_LIST_ITEMS)
    with pytest.raises(PolicySyntaxError, match="the list has more than 1,000 values") as info:
        parse_condition("customer.id in [" + ", ".join(['"a"'] * (MAX_LIST_ITEMS + 1)) + "]")
    assert info.value.column == 16


# ---------------------------------------------------------------- functions


class _Waited:
    """A test operand: ``waited("key") > 4h`` means ``attributes.key > 4h``."""

    def __init__(self, call: Call) -> None:
        call.expect_arity(1)
        self.call = call
        self.key = call.string(0)

    def compare(self, op: str, value: Arg) -> Condition:
        if value.kind != "duration":
            raise PolicyError(f"waited() is compared with a duration, not a {value.kind}")
        if value.business:
            raise self.call.error("waited() counts wall-clock time", at=value)
        return Compare(f"attributes.{self.key}", op, value.value)


WITH_WAITED: dict[str, Function] = {**FUNCTIONS, "waited": _Waited}


def test_a_function_can_stand_left_of_a_comparison() -> None:
    parsed = parse_condition('waited("reply") > 4h and priority == "P1"', functions=WITH_WAITED)
    assert parsed == (F.attributes.reply > timedelta(hours=4)) & (F.priority == "P1")


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ('waited("reply") > "x"', 17, "waited() is compared with a duration, not a string"),
        ('waited("reply") > 4h business', 19, "waited() counts wall-clock time"),
        ('waited("reply")', 16, "waited(...) gives a value; expected a comparison after it"),
        ('waited("reply") and true', 17, "expected a comparison after it, found 'and'"),
        ("waited(reply) > 4h", 8, "waited() takes a string in quotes, got a path"),
        ("waited() > 4h", 1, "waited() takes 1 argument, got 0"),
        ('waitd("reply") > 4h', 1, "(did you mean 'waited'?)"),
    ],
)
def test_function_errors_are_located(text: str, column: int, fragment: str) -> None:
    with pytest.raises(PolicySyntaxError, match=re.escape(fragment)) as info:
        parse_condition(text, functions=WITH_WAITED)
    assert info.value.column == column


def test_the_default_registry_is_read_only_and_knows_no_extras() -> None:
    assert sorted(FUNCTIONS) == [
        "acknowledged",
        "breached",
        "clock_elapsed",
        "clock_state",
        "exists",
        "happened",
        "has_skill",
        "has_tag",
        "is_open",
        "since",
    ]
    with pytest.raises(TypeError):
        FUNCTIONS["waited"] = _Waited  # type: ignore[index]
    with pytest.raises(PolicySyntaxError, match="unknown function 'waited'"):
        parse_condition('waited("reply") > 4h')


def test_a_function_returning_neither_condition_nor_operand_is_a_host_bug() -> None:
    def broken_function(call: Call) -> Any:
        return 42

    broken: dict[str, Function] = {"broken": broken_function}
    with pytest.raises(TypeError, match="returned 42, which is neither a Condition"):
        parse_condition("broken()", functions=broken)


# ---------------------------------------------------------------- formatting

FORMATTED: list[tuple[Condition, str]] = [
    (
        F.priority.isin(["P1", "P2"]) & (F.customer.tier == "enterprise"),
        'priority in ["P1", "P2"] and customer.tier == "enterprise"',
    ),
    (
        (F.priority == "P1") | (F.tags.contains("vip") & ~F.language.exists()),
        'priority == "P1" or (tags contains "vip" and not exists(language))',
    ),
    (
        ~((F.priority == "P1") | (F.priority == "P2")),
        'not (priority == "P1" or priority == "P2")',
    ),
    (~F.priority.isin(["P1"]), 'priority not in ["P1"]'),
    (~F.tags.contains("x"), 'not tags contains "x"'),
    (~~ALWAYS, "not not true"),
    (F.attributes.note == "a\"b\\c\nd\te'f", r'attributes.note == "a\"b\\c\nd\te' + "'f\""),
    (F.customer.value > -1e-05, "customer.value > -1e-05"),
    (F.customer.value <= 10, "customer.value <= 10"),
    (F.attributes.wait >= timedelta(hours=1, minutes=30), "attributes.wait >= 1h30m"),
    (F.attributes.vip == True, "attributes.vip == true"),  # noqa: E712 - builds a Compare
    (F.attributes.waits.isin([timedelta(0), timedelta(days=8)]), "attributes.waits in [0s, 1w1d]"),
    (ALWAYS & NEVER, "true and false"),
]


@pytest.mark.parametrize(("condition", "text"), FORMATTED, ids=[t for _, t in FORMATTED])
def test_format_condition(condition: Condition, text: str) -> None:
    assert format_condition(condition) == text
    assert parse_condition(text) == condition


_TEAM_A_OR_B = Any_((F.team == "a", F.team == "b"))

# Groups built by hand that all_of/any_of would never build: written as what they mean.
HAND_BUILT: list[tuple[Condition, str, Condition]] = [
    (All(()), "true", ALWAYS),
    (Any_(()), "false", NEVER),
    (All((F.priority == "P1",)), 'priority == "P1"', F.priority == "P1"),
    (Not(All((_TEAM_A_OR_B,))), 'not (team == "a" or team == "b")', Not(_TEAM_A_OR_B)),
    (
        All((F.team == "a", All((F.team == "b", F.team == "c")))),
        'team == "a" and (team == "b" and team == "c")',
        All((F.team == "a", F.team == "b", F.team == "c")),
    ),
]


@pytest.mark.parametrize(
    ("condition", "text", "parsed"), HAND_BUILT, ids=[t for _, t, _ in HAND_BUILT]
)
def test_hand_built_groups_are_written_as_what_they_mean(
    condition: Condition, text: str, parsed: Condition
) -> None:
    assert format_condition(condition) == text
    assert parse_condition(text) == parsed


def test_single_member_groups_cost_no_depth() -> None:
    deep: Condition = F.team == "a"
    for _ in range(10_000):  # single-member groups: no recursion, no depth
        deep = All((deep,))
    assert format_condition(deep) == 'team == "a"'


class _Since(Condition):
    """A condition from outside the module that writes itself."""

    def expr_text(self) -> str:
        return 'since("customer_message") > 4h'


class _Opaque(Condition):
    def __repr__(self) -> str:
        return "opaque()"


def _nested(levels: int) -> Condition:
    condition: Condition = F.team == "a"
    for _ in range(levels):
        condition = ~(condition | (F.team == "b"))  # a 'not' and a group: two levels
    return condition


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        (predicate("vip", lambda issue: True), "predicate('vip') wraps a Python function"),
        (_Opaque(), "the condition opaque() has no text form"),
        (F.attributes.x == math.nan, "the value nan has no text form"),
        (F.attributes.x == math.inf, "the value inf has no text form"),
        (F.attributes.x == 10**70, "has no text form"),
        (F.attributes.x == datetime(2026, 1, 1, tzinfo=UTC), "has no text form"),
        (F.attributes.x == timedelta(microseconds=1), "durations are whole seconds"),
        (F.attributes.x == timedelta(days=40_000), "durations are whole seconds"),
        (field("attributes.a-b") == 1, "the field path 'attributes.a-b' has no text form"),
        (field("attributes.a.").exists(), "the field path 'attributes.a.' has no text form"),
        (F.customer.id.isin([str(i) for i in range(1_001)]), "a list of 1,001 values"),
        (F.attributes.x == "a" * MAX_EXPRESSION_LENGTH, "over the parser's limit of 10,000"),
        (_nested(MAX_DEPTH // 2 + 1), "nested more than 64 levels deep"),
        ("priority", "expected a Condition"),
    ],
    ids=repr,
)
def test_conditions_without_text_form_are_refused(condition: Any, fragment: str) -> None:
    with pytest.raises(PolicyError, match=re.escape(fragment)):
        format_condition(condition)


def test_format_depth_matches_the_parser_limit() -> None:
    deepest = _nested(MAX_DEPTH // 2)
    assert parse_condition(format_condition(deepest)) == deepest
    nots: Condition = F.team == "a"
    for _ in range(MAX_DEPTH):
        nots = ~nots
    assert parse_condition(format_condition(nots)) == nots
    with pytest.raises(PolicyError, match="nested more than 64"):
        format_condition(~nots)


def test_a_condition_can_give_its_own_text_form() -> None:
    assert (
        format_condition(_Since() & (F.priority == "P1"))
        == 'since("customer_message") > 4h and priority == "P1"'
    )


# ---------------------------------------------------------------- durations and percentages

DURATIONS = [
    ("30m", timedelta(minutes=30), False),
    ("8h", timedelta(hours=8), False),
    ("2d", timedelta(days=2), False),
    ("90s", timedelta(seconds=90), False),
    ("1h30m", timedelta(minutes=90), False),
    ("1w", timedelta(weeks=1), False),
    ("1w2d3h4m5s", timedelta(days=9, hours=3, minutes=4, seconds=5), False),
    ("0s", timedelta(0), False),
    ("36525d", MAX_DURATION, False),
    ("8h business", timedelta(hours=8), True),
    ("  30m\tbusiness ", timedelta(minutes=30), True),
]


@pytest.mark.parametrize(("text", "duration", "business"), DURATIONS)
def test_parse_duration(text: str, duration: timedelta, business: bool) -> None:
    assert parse_duration(text) == (duration, business)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty duration"),
        ("   ", "empty duration"),
        ("8", "invalid duration '8'"),
        ("h", "invalid duration 'h'"),
        ("business", "invalid duration 'business'"),
        ("-5m", "a duration cannot be negative, got '-5m'"),
        ("1.5h", "write 1h30m rather than 1.5h"),
        ("30m1h", "must go from largest to smallest"),
        ("1h1h", "must go from largest to smallest"),
        ("4hours", "unknown unit 'hours' in the duration '4hours'; the units are w, d, h, m and s"),
        ("4hours", "(did you mean 'h'?)"),
        ("5ms", "unknown unit 'ms'"),
        ("36526d", "the duration '36526d' is longer than 100 years"),
        ("9" * 20 + "s", "is longer than 100 years"),
        ("1h 30m", "write the units together (1h30m)"),
        ("8h Business", "(did you mean 'business'?)"),
        ("8h business hours", "invalid duration '8h business hours'"),
        (8, "a duration must be a string like '8h', got 8"),
    ],
)
def test_parse_duration_refuses(text: Any, fragment: str) -> None:
    with pytest.raises(PolicyError, match=re.escape(fragment)) as info:
        parse_duration(text)
    assert info.value.value == text
    if fragment.startswith("unknown unit 'ms'"):
        assert info.value.suggestion is None  # "ms" is not a unit of this language


@pytest.mark.parametrize(
    ("duration", "business", "text"),
    [
        (timedelta(0), False, "0s"),
        (timedelta(minutes=90), False, "1h30m"),
        (timedelta(days=15, seconds=5), False, "2w1d5s"),
        (timedelta(hours=8), True, "8h business"),
    ],
)
def test_format_duration(duration: timedelta, business: bool, text: str) -> None:
    assert format_duration(duration, business=business) == text


@pytest.mark.parametrize(
    "duration",
    [timedelta(seconds=-1), timedelta(milliseconds=1500), MAX_DURATION + timedelta(seconds=1), 60],
)
def test_format_duration_refuses(duration: Any) -> None:
    with pytest.raises(PolicyError, match=r"duration|timedelta"):
        format_duration(duration)


@given(
    seconds=st.integers(0, MAX_DURATION.days * 86_400) | st.integers(0, 100_000),
    business=st.booleans(),
)
@settings(deadline=None, max_examples=200)
def test_duration_round_trip(seconds: int, business: bool) -> None:
    duration = timedelta(seconds=seconds)
    assert parse_duration(format_duration(duration, business=business)) == (duration, business)


@pytest.mark.parametrize(
    ("text", "share"),
    [("75%", 0.75), ("12.5%", 0.125), ("7%", 0.07), ("0%", 0.0), ("10000%", 100.0), (" 50% ", 0.5)],
)
def test_parse_percent(text: str, share: float) -> None:
    assert parse_percent(text) == share


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("75", "invalid percentage '75'; write a number followed by %"),
        ("", "invalid percentage"),
        ("7.%", "invalid percentage"),
        ("abc%", "invalid percentage"),
        ("75 %", "invalid percentage"),
        ("-5%", "a percentage cannot be negative, got '-5%'"),
        ("10001%", "the percentage '10001%' is over 10000%"),
        ("1" * 70 + "%", "invalid percentage"),
        (0.75, "a percentage must be a string like '75%', got 0.75"),
    ],
)
def test_parse_percent_refuses(text: Any, fragment: str) -> None:
    with pytest.raises(PolicyError, match=re.escape(fragment)):
        parse_percent(text)


@pytest.mark.parametrize(
    ("share", "text"), [(0.75, "75%"), (0.07, "7%"), (1, "100%"), (1.5, "150%"), (0.125, "12.5%")]
)
def test_format_percent(share: float, text: str) -> None:
    assert format_percent(share) == text


@pytest.mark.parametrize("share", [-0.1, 100.5, math.nan, True, "75%", 5e-324])
def test_format_percent_refuses(share: Any) -> None:
    with pytest.raises(PolicyError, match="share"):
        format_percent(share)


@given(share=st.floats(0, 100) | st.integers(0, 100))
@settings(deadline=None, max_examples=200)
def test_percent_round_trip(share: float) -> None:
    try:
        text = format_percent(share)
    except PolicyError:
        assert 0 < share < 1e-40  # only shares too small to write exactly are refused
        return
    assert parse_percent(text) == share


# ---------------------------------------------------------------- properties

_KEYWORD_KEYS = ["and", "or", "not", "in", "contains", "true", "false", "business", "exists"]


def _attribute_paths() -> st.SearchStrategy[str]:
    """``attributes.KEY[.KEY]`` or ``customer.attributes.KEY``; shrinks towards ``attributes.a``."""
    first = st.sampled_from(["a", "refund", *_KEYWORD_KEYS]) | st.from_regex(
        r"[^\W\d]\w{0,6}", fullmatch=True
    )
    later = st.from_regex(r"\w{1,6}", fullmatch=True)
    root = st.sampled_from(["attributes", "customer.attributes"])
    return st.builds(
        lambda r, k, rest: ".".join([r, k, *rest]), root, first, st.lists(later, max_size=2)
    )


_STRINGS = st.text(max_size=12)
_NUMBERS = st.integers(-(10**20), 10**20) | st.floats(allow_nan=False, allow_infinity=False)
_DURATION_VALUES = st.integers(0, MAX_DURATION.days * 86_400).map(lambda s: timedelta(seconds=s))
_KINDS = [_STRINGS, _NUMBERS, st.booleans(), _DURATION_VALUES]
_OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
_STRING_FIELDS = st.sampled_from(
    ["id", "priority", "category", "status", "level", "team", "language", "customer.tier"]
)


def _atoms() -> st.SearchStrategy[Condition]:
    """Every kind of leaf the language writes; shrinks towards ``priority == ""``-like tests."""
    any_value = st.one_of(*_KINDS)
    same_kind_list = st.one_of(*(st.lists(kind, min_size=1, max_size=4) for kind in _KINDS))
    return st.one_of(
        st.builds(Compare, _STRING_FIELDS, _OPS, _STRINGS),
        st.builds(Compare, st.just("customer.value"), _OPS, _NUMBERS),
        st.builds(Compare, _attribute_paths(), _OPS, any_value),
        st.builds(In, _STRING_FIELDS, st.lists(_STRINGS, min_size=1, max_size=4)),
        st.builds(In, _attribute_paths(), same_kind_list),
        st.builds(Contains, st.sampled_from(["tags", "skills"]) | _attribute_paths(), _STRINGS),
        st.builds(Exists, _STRING_FIELDS | _attribute_paths() | st.just("tags")),
        st.sampled_from([ALWAYS, NEVER]),
    )


def dsl_conditions() -> st.SearchStrategy[Condition]:
    """Conditions built as a user would, with ``&``, ``|``, ``~``, all_of and any_of."""
    return st.one_of(
        policy_conditions(),
        st.recursive(
            _atoms(),
            lambda children: st.one_of(
                st.tuples(children, children).map(lambda ab: ab[0] & ab[1]),
                st.tuples(children, children).map(lambda ab: ab[0] | ab[1]),
                children.map(lambda c: ~c),
                st.lists(children, min_size=1, max_size=3).map(lambda cs: all_of(*cs)),
                st.lists(children, min_size=1, max_size=3).map(lambda cs: any_of(*cs)),
            ),
            max_leaves=10,
        ),
    )


_DSL_CONDITIONS = dsl_conditions()  # built once: building it costs more than drawing from it


@given(condition=_DSL_CONDITIONS)
@settings(deadline=None, max_examples=200)
def test_round_trip(condition: Condition) -> None:
    text = format_condition(condition)
    assert parse_condition(text) == condition


_ANY_STRING = st.text(st.characters(codec=None, categories=None), max_size=12)


@given(text=_ANY_STRING, name=_ANY_STRING.filter(bool))
@settings(deadline=None, max_examples=200)
def test_every_string_is_written_so_the_lexer_reads_it_back(text: str, name: str) -> None:
    # Control characters, quotes, backslashes, U+2028, surrogates: in a comparison and in
    # the time functions' arguments, which once used Python's repr (\x01, \u2028).
    for condition in [
        F.team == text,
        F.tags.contains(text),
        clock(name).breached,
        clock(name).elapsed > hours(1),
        clock(name).state == "paused",
    ]:
        assert parse_condition(format_condition(condition)) == condition


def _check_parse(text: str) -> None:
    """Parse *text*: a Condition, or a well-located PolicySyntaxError; nothing else."""
    try:
        parsed = parse_condition(text)
    except PolicySyntaxError as err:
        lines = text.split("\n")
        assert 1 <= err.line <= len(lines)
        assert 1 <= err.column <= len(lines[err.line - 1]) + 1
        assert str(err).startswith(f"<string>:{err.line}:{err.column}: ")
        assert not err.line_text or err.caret_line.endswith("^")
        return
    assert isinstance(parsed, Condition)
    try:
        again = format_condition(parsed)
    except PolicyError:
        return  # e.g. nested deeper once groups are parenthesised
    assert parse_condition(again) == parsed


_FUZZ_ALPHABET = st.sampled_from(list("()[]\"',.\\=!<>-&|~ \n\t0123456789abcdehimnorstuw_%")) | (
    st.characters()
)


@given(text=st.text(_FUZZ_ALPHABET, max_size=60) | st.text(max_size=30))
@settings(deadline=None, max_examples=300)
def test_fuzz_any_text(text: str) -> None:
    _check_parse(text)


_SEEDS = [g for g, _ in GOOD] + [b for b, *_ in BAD]
_TOKENS = [
    *("and", "or", "not", "in", "not in", "contains", "true", "false", "business"),
    *("(", ")", "[", "]", ",", "-", '"', "'", "\\", "==", "!=", "<", "<=", ">", ">=", "="),
    *("&&", "!", ".", "4h", "1h30m", "1.5", "1e", "1e-3", "exists(", "has_tag(", "priority"),
    *("customer.", "attributes.x", "tags", "\n", " ", "\t", "\x00", "é", "\uff19", "ß"),
]


_SEED_TEXTS = st.sampled_from(_SEEDS) | _DSL_CONDITIONS.map(format_condition)


@st.composite
def mutated_conditions(draw: st.DrawFn) -> str:
    """A valid or tabled condition with 1-4 random edits; shrinks towards an unedited seed."""
    text = draw(_SEED_TEXTS)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 8)))
        edit = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        if edit == "delete":
            text = text[:i] + text[j:]
        elif edit == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            token = draw(st.sampled_from(_TOKENS))
            text = text[:i] + token + (text[i:] if edit == "insert" else text[j:])
    return text


@given(text=mutated_conditions())
@settings(deadline=None, max_examples=300)
def test_fuzz_mutated_conditions(text: str) -> None:
    _check_parse(text)


# ================================================================ the language, rule by rule
# Tables of (text, exact result) and (text, exact error): every attribute a user can match on
# (message, column, expected, found, suggestion, value) is part of the contract.


_CONDITION = "a condition (such as priority == \"P1\", exists(...), true, or '(')"
_END = "'and', 'or' or the end of the condition"
_FIELD_OP = "a comparison ('==', '!=', '<', '<=', '>', '>='), 'in', 'not in' or 'contains'"
_ROOTS = (
    "assignee, attributes, category, customer, id, language, level, priority, product, "
    "skills, status, tags, team"
)
_CUSTOMER = "customer.account, customer.attributes, customer.id, customer.tier, customer.value"
_FUNCTIONS = (
    "acknowledged, breached, clock_elapsed, clock_state, exists, happened, has_skill, has_tag, "
    "is_open, since"
)
_ANCHORS = (
    "['created', 'level_entered', 'acknowledged', 'last_agent_reply', "
    "'last_customer_message', 'manager_requested']"
)
_STATE_USE = (
    "clock_state() is compared with == or != and a state in quotes, such as "
    "clock_state('resolution') == 'paused'"
)
_HINT = "durations are written like 90s, 30m, 8h, 2d, 1w or 1h30m"
_H4 = timedelta(hours=4)

TIME_FUNCTIONS: list[tuple[str, Condition]] = [
    ('since("created") > 4h', since("created") > hours(4)),
    ('since("last_customer_message") >= 1h30m', since("last_customer_message") >= minutes(90)),
    ("since('acknowledged') < 2d", since("acknowledged") < hours(48)),
    ('since("level_entered") <= 0s', since("level_entered") <= timedelta(0)),
    ('happened("acknowledged")', happened("acknowledged")),
    ('happened("manager_requested")', happened("manager_requested")),
    ('not happened("last_agent_reply")', ~happened("last_agent_reply")),
    ('clock_elapsed("resolution") > 2h', clock("resolution").elapsed > hours(2)),
    ('clock_elapsed("first_response") <= 30m', clock("first_response").elapsed <= minutes(30)),
    ('clock_elapsed("x") < 1s', clock("x").elapsed < timedelta(seconds=1)),
    ('clock_elapsed("x") >= 1w', clock("x").elapsed >= hours(168)),
    ('clock_state("resolution") == "paused"', clock("resolution").state == "paused"),
    ("clock_state('resolution') == 'running'", clock("resolution").state == "running"),
    ('clock_state("resolution") == "stopped"', clock("resolution").state == "stopped"),
    ('clock_state("resolution") != "idle"', clock("resolution").state != "idle"),
    ('breached("first_response")', clock("first_response").breached),
    (
        'not breached("resolution") and since("created") >= 1h or has_skill("sql")',
        (~clock("resolution").breached & (since("created") >= hours(1))) | F.skills.contains("sql"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), TIME_FUNCTIONS, ids=[t for t, _ in TIME_FUNCTIONS])
def test_time_functions_build_the_dsl_condition(text: str, expected: Condition) -> None:
    parsed = parse_condition(text)
    assert parsed == expected
    assert repr(parsed) == repr(expected)
    assert parse_condition(format_condition(parsed)) == parsed


def test_since_writes_business_only_on_a_business_clock() -> None:
    wall = parse_condition('since("created") >= 8h')
    assert wall.business is False  # type: ignore[attr-defined]
    assert format_condition(wall) == "since('created') >= 8h"
    on_office = functions(business_clock=True)
    office = parse_condition('since("created") >= 8h business', functions=on_office)
    assert office == (since("created") >= hours(8))
    assert office.business is True  # type: ignore[attr-defined]
    assert format_condition(office) == "since('created') >= 8h business"
    # clock_elapsed counts on the SLA clock's own calendar, whatever the policy's clock.
    assert parse_condition('clock_elapsed("r") > 2h', functions=on_office) == (
        clock("r").elapsed > hours(2)
    )
    names = ["acknowledged", "breached", "clock_elapsed", "clock_state", "exists", "happened"]
    names += ["has_skill"]
    names += ["has_tag", "is_open", "since"]
    assert sorted(on_office) == sorted(functions()) == names
    text = (
        'exists(team) and has_tag("a") and has_skill("b") and happened("acknowledged") '
        'and breached("r") and clock_state("r") == "idle"'
    )
    expected = all_of(
        F.team.exists(),
        F.tags.contains("a"),
        F.skills.contains("b"),
        happened("acknowledged"),
        clock("r").breached,
        clock("r").state == "idle",
    )
    assert parse_condition(text, functions=on_office) == expected
    assert parse_condition(text, functions=functions()) == expected


# (text, column, message, expected, found, suggestion, value); line 1, source "<string>".
# fmt: off
ERRORS: list[tuple[str, int, str, str | None, str | None, str | None, object]] = [
    # -- the lexer
    ('priority == "P1" && team == "x"', 18, "'&&' is not an operator of this language",
        None, "'&&'", "and", None),
    ('priority == "P1" & team == "x"', 18, "'&' is not an operator of this language",
        None, "'&'", "and", None),
    ('priority == "P1" || x', 18, "'||' is not an operator of this language",
        None, "'||'", "or", None),
    ('priority == "P1" | x', 18, "'|' is not an operator of this language",
        None, "'|'", "or", None),
    ("!exists(team)", 1, "'!' is not an operator of this language",
        None, "'!'", "not", None),
    ('priority == "x" ~', 17, "'~' is not an operator of this language",
        None, "'~'", "not", None),
    ('priority <> "P1"', 10, "'<>' is not an operator of this language",
        None, "'<>'", "!=", None),
    ('priority = "P1"', 10, "'=' is not an operator of this language",
        None, "'='", "==", None),
    ('priority =< "x"', 10, "'=' is not an operator of this language",
        None, "'='", "==", None),
    ("priority == @", 13, "unexpected character '@'",
        None, "'@'", None, None),
    ('priority == "P1" {', 18, "unexpected character '{'",
        None, "'{'", None, None),
    ("priority == \uff19", 13, "unexpected character '\uff19'",
        None, "'\uff19'", None, None),
    ("customer.", 10, "expected a field name after '.' in 'customer.'",
        "a field name", None, None, None),
    ("customer.tier. == 1", 15, "expected a field name after '.' in 'customer.tier.'",
        "a field name", None, None, None),
    ('priority == "P1', 13, 'unterminated string: no closing " on the line it starts',
        'a closing "', None, None, None),
    ("priority == 'P1", 13, "unterminated string: no closing ' on the line it starts",
        "a closing '", None, None, None),
    ('priority == "a\\q"', 15,
        "unknown escape '\\\\q' in a string; the escapes are \\\", \\', \\\\, \\n and \\t",
        "an escape", None, None, None),
    ('priority == "ab\\', 16,
        "unknown escape '\\' at the end in a string; the escapes are \\\", \\', \\\\, \\n and \\t",
        "an escape", None, None, None),
    ("customer.value > 1e999", 18, "the number 1e999 is too large",
        None, None, None, "1e999"),
    ("customer.value > 1e", 18, "invalid number '1e': an exponent needs digits, as in 1e3",
        None, None, None, "1e"),
    ("2e-", 1, "invalid number '2e': an exponent needs digits, as in 1e3",
        None, None, None, "2e"),
    ("customer.value > 1.5e+", 18, "invalid number '1.5e': an exponent needs digits, as in 1e3",
        None, None, None, "1.5e"),
    ("customer.value > 1.", 18, f"invalid number or duration '1.'; {_HINT}",
        None, None, None, "1."),
    ("customer.value > 1_000", 18, f"invalid number or duration '1_000'; {_HINT}",
        None, None, None, "1_000"),
    ("customer.value > 12abc", 18, f"invalid number or duration '12abc'; {_HINT}",
        None, None, None, "12abc"),
    ("attributes.wait > 4hours", 19, f"invalid number or duration '4hours'; {_HINT}",
        None, None, None, "4hours"),
    ("attributes.wait > 1.5h", 19,
        "invalid number or duration '1.5h'; durations are whole numbers of units: write 1h30m "
        'rather than 1.5h',
        None, None, None, "1.5h"),
    ("attributes.wait > 5x", 19,
        "unknown unit 'x' in the duration '5x'; the units are w, d, h, m and s",
        None, None, None, "5x"),
    ("attributes.wait > 30m1h", 19,
        "the units of the duration '30m1h' must go from largest to smallest, each at most once, "
        'like 1h30m',
        None, None, None, "30m1h"),
    ("attributes.wait > 36526d", 19, "the duration '36526d' is longer than 100 years",
        None, None, None, "36526d"),
    ("attributes.wait > 36525d1s", 19, "the duration '36525d1s' is longer than 100 years",
        None, None, None, "36525d1s"),
    # more than 15 digits in one part is refused, whatever their value
    ("attributes.wait > 0000000000000001s", 19,
        "the duration '0000000000000001s' is longer than 100 years",
        None, None, None, "0000000000000001s"),
    ("customer.value > 1E", 18, "invalid number '1E': an exponent needs digits, as in 1e3",
        None, None, None, "1E"),
    ("attributes.wait > 1.5H", 19,
        "invalid number or duration '1.5H'; durations are whole numbers of units: "
        "write 1h30m rather than 1.5h",
        None, None, None, "1.5H"),
    # -- tokens as errors name them: strings, numbers, durations, names; cut after 30 characters
    ("priority >= 'a' 'b'", 17, f"expected {_END}, found the string 'b'",
        _END, "the string 'b'", None, None),
    ('priority == "P1" "' + "x" * 28 + '"', 18,
        f'expected {_END}, found the string "' + "x" * 28 + '"',
        _END, 'the string "' + "x" * 28 + '"', None, None),
    ('priority == "P1" "' + "x" * 29 + '"', 18,
        f'expected {_END}, found the string "' + "x" * 26 + "...",
        _END, 'the string "' + "x" * 26 + "...", None, None),
    ('priority == "P1" ' + "1" * 30, 18, f"expected {_END}, found the number " + "1" * 30,
        _END, "the number " + "1" * 30, None, None),
    ('priority == "P1" ' + "1" * 31, 18, f"expected {_END}, found the number " + "1" * 27 + "...",
        _END, "the number " + "1" * 27 + "...", None, None),
    ('priority == "P1" 1h', 18, f"expected {_END}, found the duration 1h",
        _END, "the duration 1h", None, None),
    ('priority == "P1" ' + "a" * 31, 18, f"expected {_END}, found '" + "a" * 27 + "...'",
        _END, "'" + "a" * 27 + "...'", None, None),
    # a string is never taken for a keyword
    ('priority == "P1" "and"', 18, f'expected {_END}, found the string "and"',
        _END, 'the string "and"', None, None),
    ('priority == "P1")', 17, f"expected {_END}, found ')'",
        _END, "')'", None, None),
    ("true true", 6, f"expected {_END}, found 'true'",
        _END, "'true'", None, None),
    ("true ==", 6, f"expected {_END}, found '=='",
        _END, "'=='", None, None),
    ('priority == "P1" in', 18, f"expected {_END}, found 'in'",
        _END, "'in'", None, None),
    ('priority == "P1" is', 18, f"expected {_END}, found 'is'",
        _END, "'is'", None, None),
    ('priority == "P1" adn tier == "x"', 18, f"expected {_END}, found 'adn'",
        _END, "'adn'", "and", None),
    ('priority == "P1" orr tier == "x"', 18, f"expected {_END}, found 'orr'",
        _END, "'orr'", "or", None),
    # -- conditions, groups and nesting
    ("", 1, "expected a condition, found the end of the condition",
        _CONDITION, "the end of the condition", None, None),
    ("and", 1, "expected a condition, found 'and'",
        _CONDITION, "'and'", None, None),
    ("()", 2, "expected a condition, found ')'",
        _CONDITION, "')'", None, None),
    ("not", 4, "expected a condition, found the end of the condition",
        _CONDITION, "the end of the condition", None, None),
    ("true and", 9, "expected a condition, found the end of the condition",
        _CONDITION, "the end of the condition", None, None),
    ("true or", 8, "expected a condition, found the end of the condition",
        _CONDITION, "the end of the condition", None, None),
    ('"P1" == priority', 1, 'expected a condition, found the string "P1"',
        _CONDITION, 'the string "P1"', None, None),
    ("(true", 6, "expected 'and', 'or' or ')', found the end of the condition",
        "'and', 'or' or ')'", "the end of the condition", None, None),
    ("(true adn false)", 7, "expected 'and', 'or' or ')', found 'adn'",
        "'and', 'or' or ')'", "'adn'", "and", None),
    # -- fields
    ('priorty == "P1"', 1, f"unknown field 'priorty'; the fields are {_ROOTS}",
        "a field", "'priorty'", "priority", "priorty"),
    ("nto exists(team)", 1, f"unknown field 'nto'; the fields are {_ROOTS}",
        "a field", "'nto'", "not", "nto"),
    ("ture", 1, f"unknown field 'ture'; the fields are {_ROOTS}",
        "a field", "'ture'", "true", "ture"),
    ("fals == 1", 1, f"unknown field 'fals'; the fields are {_ROOTS}",
        "a field", "'fals'", "false", "fals"),
    ('exist == "x"', 1, f"unknown field 'exist'; the fields are {_ROOTS}",
        "a field", "'exist'", "exists", "exist"),
    ('customer.tyer == "x"', 1, f"unknown field 'customer.tyer'; its fields are {_CUSTOMER}",
        "a field of customer", None, "customer.tier", "customer.tyer"),
    ('customer.tyer.x == "a"', 1, f"unknown field 'customer.tyer'; its fields are {_CUSTOMER}",
        "a field of customer", None, "customer.tier", "customer.tyer.x"),
    ('customer == "x"', 1, f"customer is a record; its fields are {_CUSTOMER}",
        "a field of customer", None, None, "customer"),
    ("attributes == 1", 1, "attributes holds named values; name one, as in attributes.NAME",
        "attributes.NAME", None, None, "attributes"),
    ("customer.attributes > 1", 1,
        "customer.attributes holds named values; name one, as in customer.attributes.NAME",
        "customer.attributes.NAME", None, None, "customer.attributes"),
    ('customer.tier.x == "a"', 1,
        "unknown field 'customer.tier.x'; fields are assignee, category, customer.account, "
        'customer.id, customer.tier, customer.value, id, language, level, priority, product, '
        'skills, status, tags, team, attributes.NAME and customer.attributes.NAME',
        None, None, "customer.tier", "customer.tier.x"),
    ("priority", 9,
        "expected a comparison, 'in' or 'contains' after priority, found the end of the condition",
        _FIELD_OP, "the end of the condition", None, None),
    ('priority "P1"', 10,
        "expected a comparison, 'in' or 'contains' after priority, found the string \"P1\"",
        _FIELD_OP, 'the string "P1"', None, None),
    ('priority is "P1"', 10, "expected a comparison, 'in' or 'contains' after priority, found 'is'",
        _FIELD_OP, "'is'", "==", None),
    ('priority equals "P1"', 10,
        "expected a comparison, 'in' or 'contains' after priority, found 'equals'",
        _FIELD_OP, "'equals'", "==", None),
    ('tags contain "vip"', 6,
        "expected a comparison, 'in' or 'contains' after tags, found 'contain'",
        _FIELD_OP, "'contain'", "contains", None),
    ('priority IN ["P1"]', 10,
        "expected a comparison, 'in' or 'contains' after priority, found 'IN'",
        _FIELD_OP, "'IN'", "in", None),
    # -- comparisons and kinds
    ("priority == and tier", 13, "expected a value after '==', found 'and'",
        "a value", "'and'", None, None),
    ("priority ==", 12, "expected a value after '==', found the end of the condition",
        "a value", "the end of the condition", None, None),
    ("priority == ture", 13, "expected a value after '==', found 'ture'",
        "a value", "'ture'", "true", None),
    ("priority != fals", 13, "expected a value after '!=', found 'fals'",
        "a value", "'fals'", "false", None),
    ("priority == zzz", 13, "expected a value after '==', found 'zzz'",
        "a value", "'zzz'", None, None),
    ('priority == ["P1"]', 13,
        "a list is allowed only after 'in'; expected a value after '==', found '['",
        "a value", "'['", None, None),
    ("priority == 5", 13, "priority holds a string, so it cannot be compared with a number",
        "a string", None, None, 5),
    ("priority == -5", 13, "priority holds a string, so it cannot be compared with a number",
        "a string", None, None, -5),
    ("priority == 4h", 13, "priority holds a string, so it cannot be compared with a duration",
        "a string", None, None, _H4),
    ('customer.value > "big"', 18,
        "customer.value holds a number, so it cannot be compared with a string",
        "a number", None, None, "big"),
    ("customer.value <= true", 19,
        "customer.value holds a number, so it cannot be compared with a boolean",
        "a number", None, None, True),
    ("attributes.wait > 4h business", 19,
        'a business duration only makes sense for a time function; compare a field with a '
        'wall-clock duration',
        None, None, None, _H4),
    ("attributes.wait > -4h", 19, "a duration cannot be negative",
        None, None, None, _H4),
    ("customer.value > -x", 19, "expected a number after '-', found 'x'",
        "a number", "'x'", None, None),
    ('customer.value > -"x"', 19, "expected a number after '-', found the string \"x\"",
        "a number", 'the string "x"', None, None),
    ("attributes.x == -true", 18, "expected a number after '-', found 'true'",
        "a number", "'true'", None, None),
    ('tags == "x"', 6, 'tags is a set of strings; test it with tags contains "x"',
        "'contains'", "'=='", "contains", None),
    ('tags in ["x"]', 6, 'tags is a set of strings; test it with tags contains "x"',
        "'contains'", "'in'", "contains", None),
    ('skills not in ["x"]', 8, 'skills is a set of strings; test it with skills contains "x"',
        "'contains'", "'not'", "contains", None),
    ('priority contains "x"', 10, "priority holds a string, not a set; test it with == or in",
        None, None, None, "x"),
    ('customer.value contains "x"', 16,
        "customer.value holds a number, not a set; test it with == or in",
        None, None, None, "x"),
    ("tags contains and", 15, "expected a value after 'contains', found 'and'",
        "a value", "'and'", None, None),
    ("tags contains 5", 15, "'contains' takes a string, got a number",
        "a string", None, None, 5),
    ("skills contains 4h", 17, "'contains' takes a string, got a duration",
        "a string", None, None, _H4),
    ("attributes.x contains true", 23, "'contains' takes a string, got a boolean",
        "a string", None, None, True),
    # -- lists
    ('priority in "P1"', 13,
        'expected a list such as ["P1", "P2"] after \'in\', found the string "P1"',
        'a list such as ["P1", "P2"]', 'the string "P1"', None, None),
    ("priority in P1", 13, "expected a list such as [\"P1\", \"P2\"] after 'in', found 'P1'",
        'a list such as ["P1", "P2"]', "'P1'", None, None),
    ("priority in []", 13, "the list after 'in' is empty",
        "a value", None, None, None),
    ("priority not in [ ]", 17, "the list after 'in' is empty",
        "a value", None, None, None),
    ('priority in ["P1" "P2"]', 19, "expected ',' or ']', found the string \"P2\"",
        "',' or ']'", 'the string "P2"', None, None),
    ('priority in ["P1"', 18, "expected ',' or ']', found the end of the condition",
        "',' or ']'", "the end of the condition", None, None),
    ("priority in [and]", 14, "expected a value after '[', found 'and'",
        "a value", "'and'", None, None),
    ('priority in ["P1", and]', 20, "expected a value after '[' or ',', found 'and'",
        "a value", "'and'", None, None),
    ('priority in ["P1", ture]', 20, "expected a value after '[' or ',', found 'ture'",
        "a value", "'ture'", "true", None),
    ('priority in ["P1", 2]', 20, "priority holds a string, so it cannot be compared with a number",
        "a string", None, None, 2),
    ('priority not in [2, "P1"]', 18,
        "priority holds a string, so it cannot be compared with a number",
        "a string", None, None, 2),
    ('attributes.x in [1, "a"]', 17,
        "the values tested against attributes.x mix kinds: ['number', 'string']",
        None, None, None, (1, "a")),
    ("attributes.x not in [true, 1]", 21,
        "the values tested against attributes.x mix kinds: ['boolean', 'number']",
        None, None, None, (True, 1)),
    ('priority not == "x"', 14, "expected 'in' after 'not', found '=='",
        "'in'", "'=='", None, None),
    ('priority not contains "x"', 14, "expected 'in' after 'not', found 'contains'",
        "'in'", "'contains'", None, None),
    # -- function calls
    ('has_tags("x")', 1, f"unknown function 'has_tags'; the functions are {_FUNCTIONS}",
        None, "'has_tags'", "has_tag", "has_tags"),
    ('zzzz("x")', 1, f"unknown function 'zzzz'; the functions are {_FUNCTIONS}",
        None, "'zzzz'", None, "zzzz"),
    ('priority("x")', 1, f"priority is a field, not a function; the functions are {_FUNCTIONS}",
        None, "'priority'", None, "priority"),
    ('customer.tier("x")', 1,
        f"customer.tier is a field, not a function; the functions are {_FUNCTIONS}",
        None, "'customer.tier'", None, "customer.tier"),
    ("exists(and)", 8, "expected an argument of exists() or ')', found 'and'",
        "an argument (a field, a value or a list) or ')'", "'and'", None, None),
    ("exists(", 8, "expected an argument of exists() or ')', found the end of the condition",
        "an argument (a field, a value or a list) or ')'", "the end of the condition", None, None),
    ('has_tag("a",,)', 13, "expected an argument of has_tag() or ')', found ','",
        "an argument (a field, a value or a list) or ')'", "','", None, None),
    ("exists(team level)", 13, "expected ',' or ')', found 'level'",
        "',' or ')'", "'level'", None, None),
    ("exists(team", 12, "expected ',' or ')', found the end of the condition",
        "',' or ')'", "the end of the condition", None, None),
    ("exists([])", 8, "the list after 'exists(' is empty", "a value", None, None, None),
    ("exists()", 1, "exists() takes 1 argument, got 0",
        "1 argument", None, None, None),
    ("exists(team, level)", 1, "exists() takes 1 argument, got 2",
        "1 argument", None, None, None),
    ('exists("team")', 8,
        "exists() takes a field such as customer.tier, not a string; write exists(team)",
        "a field", None, None, "team"),
    ("exists(5)", 8, "exists() takes a field such as customer.tier, not a number",
        "a field", None, None, 5),
    ("exists(-1)", 8, "exists() takes a field such as customer.tier, not a number",
        "a field", None, None, -1),
    ("exists(true)", 8, "exists() takes a field such as customer.tier, not a boolean",
        "a field", None, None, True),
    ("exists(4h)", 8, "exists() takes a field such as customer.tier, not a duration",
        "a field", None, None, _H4),
    ('exists(["a"])', 8, "exists() takes a field such as customer.tier, not a list",
        "a field", None, None, ("a",)),
    ("exists(customer)", 8, f"customer is a record; its fields are {_CUSTOMER}",
        "a field of customer", None, None, "customer"),
    ("exists(attributes)", 8, "attributes holds named values; name one, as in attributes.NAME",
        "attributes.NAME", None, None, "attributes"),
    ("exists(nonsense)", 8, f"unknown field 'nonsense'; the fields are {_ROOTS}",
        "a field", "'nonsense'", None, "nonsense"),
    ("exists(team) == true", 14,
        "exists(...) is a condition, not a value, so it cannot be compared with '=='",
        _END, "'=='", None, None),
    ('since("created") > 4h and exists(team) < 1', 40,
        "exists(...) is a condition, not a value, so it cannot be compared with '<'",
        _END, "'<'", None, None),
    ("has_tag(vip)", 9, "has_tag() takes a string in quotes, got a path",
        "a string", None, None, "vip"),
    ("has_tag(5)", 9, "has_tag() takes a string in quotes, got a number",
        "a string", None, None, 5),
    ('has_tag(["a"])', 9, "has_tag() takes a string in quotes, got a list",
        "a string", None, None, ("a",)),
    ('has_tag("vip", "x")', 1, "has_tag() takes 1 argument, got 2",
        "1 argument", None, None, None),
    ("has_skill(de)", 11, "has_skill() takes a string in quotes, got a path",
        "a string", None, None, "de"),
    ("has_skill()", 1, "has_skill() takes 1 argument, got 0",
        "1 argument", None, None, None),
    # -- time functions
    ('since("created") == 4h', 1, "since('created') is compared with <, <=, > or >=, not ==",
        "<, <=, > or >=", None, None, None),
    ('since("created") != 4h', 1, "since('created') is compared with <, <=, > or >=, not !=",
        "<, <=, > or >=", None, None, None),
    ('since("created") > 5', 20,
        "since('created') is compared with a duration such as 4h, not a number",
        "a duration", None, None, 5),
    ('since("created") > "4h"', 20,
        "since('created') is compared with a duration such as 4h, not a string",
        "a duration", None, None, "4h"),
    ('since("created") > 4h business', 20,
        "since() counts on the policy's clock, which is wall-clock time here; drop 'business' "
        '(or give the policy a business clock)',
        None, None, None, _H4),
    ('since("create") > 4h', 7, f"unknown reference point 'create'; use one of {_ANCHORS}",
        None, None, "created", "create"),
    ('since("nope") > 4h', 7, f"unknown reference point 'nope'; use one of {_ANCHORS}",
        None, None, None, "nope"),
    ("since(created) > 4h", 7, "since() takes a string in quotes, got a path",
        "a string", None, None, "created"),
    ("since() > 4h", 1, "since() takes 1 argument, got 0",
        "1 argument", None, None, None),
    ('since("created", "x") > 4h', 1, "since() takes 1 argument, got 2",
        "1 argument", None, None, None),
    ('since("created")', 17,
        "since(...) gives a value; expected a comparison after it, found the end of the condition",
        "a comparison", "the end of the condition", None, None),
    ('since("created") and true', 18,
        "since(...) gives a value; expected a comparison after it, found 'and'",
        "a comparison", "'and'", None, None),
    ('since("created") > and', 20, "expected a value after '>', found 'and'",
        "a value", "'and'", None, None),
    ('happened("acknowledge")', 10, f"unknown reference point 'acknowledge'; use one of {_ANCHORS}",
        None, None, "acknowledged", "acknowledge"),
    ("happened(acknowledged)", 10, "happened() takes a string in quotes, got a path",
        "a string", None, None, "acknowledged"),
    ("happened()", 1, "happened() takes 1 argument, got 0",
        "1 argument", None, None, None),
    ('happened("created") == true', 21,
        "happened(...) is a condition, not a value, so it cannot be compared with '=='",
        _END, "'=='", None, None),
    ('clock_elapsed("resolution") == 2h', 1,
        "clock_elapsed('resolution') is compared with <, <=, > or >=, not ==",
        "<, <=, > or >=", None, None, None),
    ('clock_elapsed("resolution") > 2', 31,
        "clock_elapsed('resolution') is compared with a duration such as 4h, not a number",
        "a duration", None, None, 2),
    ("clock_elapsed(resolution) > 2h", 15, "clock_elapsed() takes a string in quotes, got a path",
        "a string", None, None, "resolution"),
    ("clock_elapsed() > 2h", 1, "clock_elapsed() takes 1 argument, got 0",
        "1 argument", None, None, None),
    ('clock_elapsed("") > 2h', 19, "clock() takes an SLA clock name, got ''",
        None, None, None, ""),
    ('clock_state("resolution") == "pause"', 30,
        "a clock's state is one of ['running', 'paused', 'stopped', 'idle'], not 'pause'",
        None, None, "paused", "pause"),
    ('clock_state("resolution") != "zzz"', 30,
        "a clock's state is one of ['running', 'paused', 'stopped', 'idle'], not 'zzz'",
        None, None, None, "zzz"),
    ('clock_state("resolution") < "paused"', 29, _STATE_USE,
        None, None, None, "paused"),
    ('clock_state("resolution") >= "paused"', 30, _STATE_USE,
        None, None, None, "paused"),
    ('clock_state("resolution") == 5', 30, _STATE_USE,
        None, None, None, 5),
    ('clock_state("resolution") != 4h', 30, _STATE_USE,
        None, None, None, _H4),
    ('clock_state(resolution) == "paused"', 13,
        "clock_state() takes a string in quotes, got a path",
        "a string", None, None, "resolution"),
    ('clock_state("a", "b") == "paused"', 1, "clock_state() takes 1 argument, got 2",
        "1 argument", None, None, None),
    ('clock_state("resolution")', 26,
        'clock_state(...) gives a value; expected a comparison after it, found the end of the '
        'condition',
        "a comparison", "the end of the condition", None, None),
    ('breached("")', 1, "clock() takes an SLA clock name, got ''",
        None, None, None, ""),
    ("breached(first_response)", 10, "breached() takes a string in quotes, got a path",
        "a string", None, None, "first_response"),
    ("breached()", 1, "breached() takes 1 argument, got 0",
        "1 argument", None, None, None),
    ('breached("a", "b")', 1, "breached() takes 1 argument, got 2",
        "1 argument", None, None, None),
]
# fmt: on


def _error_of(text: str, **kwargs: Any) -> PolicySyntaxError:
    with pytest.raises(PolicySyntaxError) as info:
        parse_condition(text, **kwargs)
    return info.value


@pytest.mark.parametrize(
    ("text", "column", "message", "expected", "found", "suggestion", "value"),
    ERRORS,
    ids=[row[0] for row in ERRORS],
)
def test_each_mistake_has_its_exact_error(
    text: str,
    column: int,
    message: str,
    expected: str | None,
    found: str | None,
    suggestion: str | None,
    value: object,
) -> None:
    err = _error_of(text)
    assert (err.message, err.line, err.column) == (message, 1, column)
    assert (err.expected, err.found, err.suggestion) == (expected, found, suggestion)
    assert err.value == value and type(err.value) is type(value)
    hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
    assert str(err).split("\n")[0] == f"<string>:1:{column}: {message}{hint}"
    assert err.line_text == text
    assert err.caret_line == (" " * (column - 1) + "^" if text else "")


# (text, column, message, expected, value) with the functions of a policy on a business clock.
# fmt: off
BUSINESS_CLOCK_ERRORS: list[tuple[str, int, str, str | None, object]] = [
    ('since("created") > 4h', 20,
        "since() counts on the policy's business clock here; write the duration as '... business'",
        None, _H4),
    ('since("created") == 4h business', 1,
        "since('created') is compared with <, <=, > or >=, not ==",
        "<, <=, > or >=", None),
    ('since("created") > "4h"', 20,
        "since('created') is compared with a duration such as 4h, not a string",
        "a duration", "4h"),
]
# fmt: on


@pytest.mark.parametrize(
    ("text", "column", "message", "expected", "value"),
    BUSINESS_CLOCK_ERRORS,
    ids=[row[0] for row in BUSINESS_CLOCK_ERRORS],
)
def test_since_on_a_business_clock_must_say_business(
    text: str, column: int, message: str, expected: str | None, value: object
) -> None:
    err = _error_of(text, functions=functions(business_clock=True))
    assert (err.message, err.column, err.expected, err.value) == (message, column, expected, value)
    assert (err.found, err.suggestion) == (None, None)


def test_a_function_receives_each_argument_parsed_and_located() -> None:
    seen: list[Call] = []

    def probe(call: Call) -> Condition:
        seen.append(call)
        return ALWAYS

    text = 'true and probe(customer.tier, "x", -2.5, 7, true, false, 1h30m business, 2d, ["a", 1],)'
    assert parse_condition(text, functions={"probe": probe}) == ALWAYS & ALWAYS
    assert parse_condition("probe( )", functions={"probe": probe}) == ALWAYS
    call, empty = seen
    assert (call.name, call.start, empty.name, empty.start, empty.args) == (
        "probe",
        9,
        "probe",
        0,
        (),
    )
    assert call.args == (
        Arg("path", "customer.tier", 15),
        Arg("string", "x", 30),
        Arg("number", -2.5, 35),
        Arg("number", 7, 41),
        Arg("boolean", True, 44),
        Arg("boolean", False, 50),
        Arg("duration", timedelta(minutes=90), 57, business=True),
        Arg("duration", timedelta(days=2), 73),
        Arg("list", ("a", 1), 77),
    )
    assert [type(a.value) for a in call.args[2:6]] == [float, int, bool, bool]


def _pair(call: Call) -> Condition:
    """``pair("x", field)``: the field equals the string."""
    call.expect_arity(2)
    return Compare(call.field(1), "==", call.string(0))


def _reserved(call: Call) -> Condition:
    raise PolicyError("the key is reserved", where="rules[0] 'x'", value="k", suggestion="key")


def _plain(call: Call) -> Condition:
    raise PolicyError("no good", value=3)


_CUSTOM: dict[str, Function] = {"pair": _pair, "reserved": _reserved, "plain": _plain}


@pytest.mark.parametrize(
    ("text", "message", "column", "expected", "suggestion", "value"),
    [
        ('pair("x")', "pair() takes 2 arguments, got 1", 1, "2 arguments", None, None),
        ('pair("x", 1, 2)', "pair() takes 2 arguments, got 3", 1, "2 arguments", None, None),
        (
            'pair("x", "y")',
            "pair() takes a field such as customer.tier, not a string; write pair(y)",
            11,
            "a field",
            None,
            "y",
        ),
        ("pair(x, team)", "pair() takes a string in quotes, got a path", 6, "a string", None, "x"),
        (
            'pair("x", tem)',
            f"unknown field 'tem'; the fields are {_ROOTS}",
            11,
            "a field",
            "team",
            "tem",
        ),
        # a plain PolicyError from a function is located at its name, without its own place
        ("true or reserved()", "the key is reserved", 9, None, "key", "k"),
        ("plain()", "no good", 1, None, None, 3),
        (
            "pai()",
            "unknown function 'pai'; the functions are pair, plain, reserved",
            1,
            None,
            "pair",
            "pai",
        ),
    ],
)
def test_errors_of_a_registered_function(
    text: str,
    message: str,
    column: int,
    expected: str | None,
    suggestion: str | None,
    value: object,
) -> None:
    err = _error_of(text, functions=_CUSTOM)
    assert (err.message, err.column, err.expected) == (message, column, expected)
    assert (err.suggestion, err.value) == (suggestion, value)
    assert str(err).count("did you mean") == (1 if suggestion else 0)
    assert "rules[0]" not in str(err)


def test_a_registered_function_builds_its_condition() -> None:
    assert parse_condition('pair("P1", priority)', functions=_CUSTOM) == (F.priority == "P1")
    # a field name that is a function elsewhere is still a field here
    with pytest.raises(PolicySyntaxError, match="unknown field 'waitd'") as info:
        parse_condition("waitd == 1", functions=WITH_WAITED)
    assert info.value.suggestion == "waited"


def test_an_operand_whose_compare_returns_no_condition_is_a_host_bug() -> None:
    class _Broken:
        def __init__(self, call: Call) -> None:
            pass

        def compare(self, op: str, value: Arg) -> Any:
            return 42

    with pytest.raises(
        TypeError, match=r"^broken\(\.\.\.\)\.compare\(\) returned 42, which is not a Condition$"
    ):
        parse_condition("broken() > 1", functions={"broken": _Broken})


# ---------------------------------------------------------------- where an error points


def test_an_error_on_the_first_line_shows_only_that_line() -> None:
    for text in ("priority == and\ntrue", "priority == and\r\ntrue"):
        err = _error_of(text, line=4, column=3)
        assert (err.line, err.column) == (4, 15)
        assert (err.line_text, err.caret_line) == ("priority == and", " " * 12 + "^")
    err = _error_of('true and\r\n  priorty == "P1"\r\nor true')
    assert (err.line, err.column, err.line_text) == (2, 3, '  priorty == "P1"')


@pytest.mark.parametrize(
    ("file_text", "line", "shown", "caret"),
    [
        ('when = "priority == and"\r\nnext = 1', 1, 'when = "priority == and"', 20),
        ('a = 1\nwhen = "priority == and"', 2, 'when = "priority == and"', 20),
        # a line the file does not have: the condition's own line
        ('a = 1\nwhen = "priority == and"', 3, "priority == and", 12),
    ],
)
def test_the_file_line_is_shown_when_the_file_has_it(
    file_text: str, line: int, shown: str, caret: int
) -> None:
    err = _error_of("priority == and", source="p.toml", line=line, column=9, file_text=file_text)
    assert (err.where, err.line_text, err.caret_line) == (
        f"p.toml:{line}:21",
        shown,
        " " * caret + "^",
    )


# ---------------------------------------------------------------- bounds, exactly at the limit


def test_the_length_limit_is_inclusive() -> None:
    filler = "x" * (MAX_EXPRESSION_LENGTH - len('attributes.x == ""'))
    text = f'attributes.x == "{filler}"'
    assert len(text) == MAX_EXPRESSION_LENGTH
    assert parse_condition(text) == (F.attributes.x == filler)
    err = _error_of(text + " ")
    assert err.message == "the condition is 10,001 characters long; the limit is 10,000"
    assert (err.column, err.value, err.expected) == (1, 10_001, None)


def test_a_number_has_at_most_64_characters() -> None:
    assert parse_condition("customer.value > " + "1" * 64) == (F.customer.value > int("1" * 64))
    assert parse_condition("customer.value > 0." + "5" * 62) == (
        F.customer.value > 0.5555555555555556
    )
    err = _error_of("customer.value > " + "1" * 65)
    assert err.message == "the number " + "1" * 30 + "... is too long"
    assert (err.column, err.value) == (18, "1" * 65)


def test_nesting_is_given_back_when_a_group_closes() -> None:
    nots = " and ".join(["not true"] * (MAX_DEPTH + 2))
    assert parse_condition(nots) == all_of(*[~ALWAYS] * (MAX_DEPTH + 2))
    parens = " or ".join(["(not false)"] * (MAX_DEPTH + 2))
    assert parse_condition(parens) == any_of(*[~NEVER] * (MAX_DEPTH + 2))
    deep = "not " * (MAX_DEPTH - 1) + "(true)"
    assert parse_condition(f"{deep} and {deep}") == all_of(*[parse_condition(deep)] * 2)


@pytest.mark.parametrize(
    ("text", "column"),
    [("(" * (MAX_DEPTH + 1) + "true" + ")" * (MAX_DEPTH + 1), 65), ("not " * 65 + "true", 257)],
)
def test_too_deep_names_the_level_it_would_open(text: str, column: int) -> None:
    err = _error_of(text)
    assert err.message == (
        "the condition is nested more than 64 levels deep (each '(' and each 'not' opens a level)"
    )
    assert (err.column, err.value, err.expected) == (column, MAX_DEPTH + 1, None)


def test_too_long_a_list_is_located_at_its_bracket() -> None:
    err = _error_of("customer.id in [" + "1," * (MAX_LIST_ITEMS + 1) + "]")
    assert (err.message, err.column, err.value) == ("the list has more than 1,000 values", 16, 1000)


# ---------------------------------------------------------------- durations, percentages, exactly

_UNITS_ARE = "the units are w, d, h, m and s"
_TOGETHER = "write the units together (1h30m) and only the word 'business' after them"

# (text, message, suggestion); the error's value is always the text given.
# fmt: off
DURATION_ERRORS: list[tuple[Any, str, str | None]] = [
    ("", f"empty duration; {_HINT}", None),
    ("   ", f"empty duration; {_HINT}", None),
    ("8", f"invalid duration '8'; {_HINT}", None),
    ("h", f"invalid duration 'h'; {_HINT}", None),
    ("1h30", f"invalid duration '1h30'; {_HINT}", None),
    ("+5m", f"invalid duration '+5m'; {_HINT}", None),
    ("8h business hours", f"invalid duration '8h business hours'; {_HINT}", None),
    ("-5m", "a duration cannot be negative, got '-5m'", None),
    (" -5m business", "a duration cannot be negative, got ' -5m business'", None),
    ("1.5h", "invalid duration '1.5h': durations are whole numbers of units; "
        "write 1h30m rather than 1.5h", None),
    ("1.5H", "invalid duration '1.5H': durations are whole numbers of units; "
        "write 1h30m rather than 1.5h", None),
    ("1h 30m 5s", f"invalid duration '1h 30m 5s'; {_HINT}", None),
    ("30m1h", "the units of the duration '30m1h' must go from largest to smallest, "
        "each at most once, like 1h30m", None),
    ("1w1w", "the units of the duration '1w1w' must go from largest to smallest, "
        "each at most once, like 1h30m", None),
    ("4hours", f"unknown unit 'hours' in the duration '4hours'; {_UNITS_ARE}", "h"),
    ("2days", f"unknown unit 'days' in the duration '2days'; {_UNITS_ARE}", "d"),
    ("5ms", f"unknown unit 'ms' in the duration '5ms'; {_UNITS_ARE}", None),
    ("5H", f"unknown unit 'H' in the duration '5H'; {_UNITS_ARE}", "h"),
    ("3M", f"unknown unit 'M' in the duration '3M'; {_UNITS_ARE}", "m"),
    ("36526d", "the duration '36526d' is longer than 100 years", None),
    ("36525d1s", "the duration '36525d1s' is longer than 100 years", None),
    ("5217w6d1s", "the duration '5217w6d1s' is longer than 100 years", None),
    ("0000000000000001s", "the duration '0000000000000001s' is longer than 100 years", None),
    ("1h 30m", f"invalid duration '1h 30m'; {_TOGETHER}", None),
    ("business 8h", f"invalid duration 'business 8h'; {_TOGETHER}", None),
    ("8h Business", f"invalid duration '8h Business'; {_TOGETHER}", "business"),
    ("8h busines", f"invalid duration '8h busines'; {_TOGETHER}", "business"),
    ("8h xyz", f"invalid duration '8h xyz'; {_TOGETHER}", None),
    (8, "a duration must be a string like '8h', got 8", None),
    (None, "a duration must be a string like '8h', got None", None),
]
# fmt: on


def test_a_bad_duration_before_business_is_quoted_alone() -> None:
    with pytest.raises(PolicyError) as info:
        parse_duration("5 business")
    assert (str(info.value), info.value.value) == (f"invalid duration '5'; {_HINT}", "5")


@pytest.mark.parametrize(("text", "message", "suggestion"), DURATION_ERRORS, ids=repr)
def test_each_bad_duration_has_its_exact_error(
    text: Any, message: str, suggestion: str | None
) -> None:
    with pytest.raises(PolicyError) as info:
        parse_duration(text)
    hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
    assert str(info.value) == message + hint
    assert (info.value.value, info.value.suggestion) == (text, suggestion)
    assert not isinstance(info.value, PolicySyntaxError)


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("000000000000001s", timedelta(seconds=1)),  # 15 digits in a part are fine
        ("5217w5d", timedelta(days=36_524)),
        ("5217w6d", MAX_DURATION),
        ("1d23h59m59s", timedelta(days=2) - timedelta(seconds=1)),
        ("2w", timedelta(days=14)),
        ("59s", timedelta(seconds=59)),
    ],
)
def test_durations_add_up_their_units(text: str, duration: timedelta) -> None:
    assert parse_duration(text) == (duration, False)
    assert parse_condition(f"attributes.wait < {text}") == (F.attributes.wait < duration)


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        (timedelta(seconds=-1), "the duration -1 day, 23:59:59 has no text form"),
        (timedelta(milliseconds=1500), "the duration 0:00:01.500000 has no text form"),
        (MAX_DURATION + timedelta(seconds=1), "the duration 36525 days, 0:00:01 has no text form"),
    ],
)
def test_format_duration_refuses_exactly(duration: timedelta, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        format_duration(duration)
    assert str(info.value) == f"{message}: durations are whole seconds from 0 to 100 years"
    assert info.value.value == duration


def test_format_duration_refuses_a_non_duration() -> None:
    with pytest.raises(PolicyError) as info:
        format_duration(60)  # type: ignore[arg-type]
    assert (str(info.value), info.value.value) == ("expected a timedelta, got 60", 60)


@pytest.mark.parametrize(
    ("duration", "text", "business"),
    [
        (MAX_DURATION, "5217w6d", "876600h business"),
        (timedelta(days=1, seconds=1), "1d1s", "24h1s business"),
        (timedelta(hours=1, seconds=59), "1h59s", "1h59s business"),
        (timedelta(weeks=3, minutes=1), "3w1m", "504h1m business"),
    ],
)
def test_format_duration_skips_the_units_it_does_not_need(
    duration: timedelta, text: str, business: str
) -> None:
    assert format_duration(duration) == text
    # business time is written in hours: "2d business" would read as two business days
    assert format_duration(duration, business=True) == business
    assert parse_duration(business) == (duration, True)


_INVALID_PERCENT = "write a number followed by %, like 75% or 12.5%"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("75", f"invalid percentage '75'; {_INVALID_PERCENT}"),
        ("+5%", f"invalid percentage '+5%'; {_INVALID_PERCENT}"),
        ("0." + "0" * 61 + "1%", f"invalid percentage '0.{'0' * 61}1%'; {_INVALID_PERCENT}"),
        ("-5%", "a percentage cannot be negative, got '-5%'"),
        (" -abc ", "a percentage cannot be negative, got ' -abc '"),
        ("10000.01%", "the percentage '10000.01%' is over 10000%"),
        (0.75, "a percentage must be a string like '75%', got 0.75"),
    ],
)
def test_each_bad_percentage_has_its_exact_error(text: Any, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_percent(text)
    assert (str(info.value), info.value.value) == (message, text)


def test_a_percentage_has_at_most_64_characters() -> None:
    longest = "0." + "0" * 60 + "1%"
    assert len(longest) == 64
    assert parse_percent(longest) == 1e-63
    assert format_percent(1e-63) == longest
    with pytest.raises(PolicyError) as info:
        format_percent(1e-64)
    assert str(info.value) == "the share 1e-64 has no exact text form as a percentage"
    assert info.value.value == 1e-64


@pytest.mark.parametrize("share", [-0.1, 100.5, math.nan, math.inf, True, "75%", None])
def test_format_percent_refuses_exactly(share: Any) -> None:
    with pytest.raises(PolicyError) as info:
        format_percent(share)
    assert str(info.value) == f"a share must be a number from 0 to 100, got {share!r}"
    assert info.value.value is share


@pytest.mark.parametrize(
    ("share", "text"),
    [(0, "0%"), (0.0, "0%"), (-0.0, "0%"), (100, "10000%"), (100.0, "10000%"), (3, "300%")],
)
def test_format_percent_bounds_are_inclusive(share: float, text: str) -> None:
    assert format_percent(share) == text
    assert parse_percent(text) == share


# ---------------------------------------------------------------- formatting, exactly

_NO_VALUE_FORM = (
    "has no text form: the language has strings, whole numbers of up to 64 digits, "
    "finite decimals, true, false and durations"
)
_BIG = 10**64


@pytest.mark.parametrize(
    ("condition", "message", "value"),
    [
        (F.attributes.x == _BIG, f"the value {_BIG} {_NO_VALUE_FORM}", _BIG),
        (F.attributes.x == -(10**63), f"the value {-(10**63)} {_NO_VALUE_FORM}", -(10**63)),
        (F.attributes.x.isin([1.5, math.inf]), f"the value inf {_NO_VALUE_FORM}", math.inf),
        (
            F.attributes.x == timedelta(microseconds=1),
            "the duration 0:00:00.000001 has no text form: durations are whole seconds "
            "from 0 to 100 years",
            timedelta(microseconds=1),
        ),
        (
            field("attributes.a-b") == 1,
            "the field path 'attributes.a-b' has no text form: each name in a path is made of "
            "letters, digits and '_'",
            "attributes.a-b",
        ),
        (
            F.customer.id.isin([str(i) for i in range(1_001)]),
            "a list of 1,001 values has no text form; the limit is 1,000",
            1_001,
        ),
    ],
    ids=repr,
)
def test_format_refuses_exactly(condition: Condition, message: str, value: object) -> None:
    with pytest.raises(PolicyError) as info:
        format_condition(condition)
    assert str(info.value) == message
    assert info.value.value == value


_OPAQUE = _Opaque()
_PREDICATE = predicate("vip", lambda issue: True)
_TOO_LONG = F.attributes.x == "a" * (MAX_EXPRESSION_LENGTH - 17)


@pytest.mark.parametrize(
    ("condition", "message", "value"),
    [
        (
            _PREDICATE,
            "the condition predicate('vip') wraps a Python function and has no text form; "
            "register a function with the parser, or keep this rule in Python",
            _PREDICATE,
        ),
        (
            _TOO_LONG,
            "the condition's text is 10,001 characters long, over the parser's limit of 10,000",
            _TOO_LONG,
        ),
        # the value is the part that would open level 65: here the innermost 'not'
        (
            _nested(MAX_DEPTH // 2 + 1),
            "the condition is nested more than 64 levels deep, which the parser refuses, "
            "so it has no text form",
            _nested(1),
        ),
        (_OPAQUE, "the condition opaque() has no text form", _OPAQUE),
    ],
    ids=["predicate", "too long", "too deep", "opaque"],
)
def test_format_refusal_names_the_condition(
    condition: Condition, message: str, value: Condition
) -> None:
    with pytest.raises(PolicyError) as info:
        format_condition(condition)
    assert str(info.value) == message
    assert info.value.value == value


def test_format_refuses_a_non_condition_exactly() -> None:
    with pytest.raises(PolicyError) as info:
        format_condition("priority")  # type: ignore[arg-type]
    assert (str(info.value), info.value.value) == (
        "expected a Condition, got 'priority'",
        "priority",
    )


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (F.attributes.x == 10**63, "attributes.x == 1" + "0" * 63),
        (F.attributes.x == -(10**62), "attributes.x == -1" + "0" * 62),
        (
            F.attributes.x == "a" * (MAX_EXPRESSION_LENGTH - 18),
            'attributes.x == "' + "a" * 9982 + '"',
        ),
        (F.attributes.x == -0.0, "attributes.x == -0.0"),
        (F.attributes.x == 1e300, "attributes.x == 1e+300"),
        (Not(All(())), "not true"),
        (Not(Any_(())), "not false"),
        (All((F.team == "a", Any_(()))), 'team == "a" and false'),
        (Any_((F.team == "a", All(()))), 'team == "a" or true'),
        (Not(In("priority", ("P1", "P2"))), 'priority not in ["P1", "P2"]'),
        (~~F.priority.isin(["P1"]), 'not priority not in ["P1"]'),
        (~(F.team.exists() & ~ALWAYS), "not (exists(team) and not true)"),
        (
            ((F.team == "a") | (F.team == "b")) & ((F.level == "L1") | ~F.tags.contains("x")),
            '(team == "a" or team == "b") and (level == "L1" or not tags contains "x")',
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_format_writes_exactly(condition: Condition, text: str) -> None:
    assert format_condition(condition) == text
    assert format_condition(parse_condition(text)) == text


# ---------------------------------------------------------------- more rules, each at its edge


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("customer.value>-1", F.customer.value > -1),
        ("customer.value<1", F.customer.value < 1),
        ("customer.value>=1", F.customer.value >= 1),
        ('priority!="P1"', F.priority != "P1"),
        ('priority in["P1"]', F.priority.isin(["P1"])),
    ],
)
def test_operators_need_no_spaces(text: str, expected: Condition) -> None:
    assert parse_condition(text) == expected


@pytest.mark.parametrize(
    ("text", "line", "column", "shown"),
    [
        ("\nand", 2, 1, "and"),
        ("priority == and\ntrue\nor true", 1, 13, "priority == and"),
        ("priority == and  \ntrue", 1, 13, "priority == and  "),  # trailing spaces are kept
        ("priority ==\n  X", 2, 3, "  X"),
        ("\n" + "x" * MAX_EXPRESSION_LENGTH, 1, 1, ""),  # the first line is empty
    ],
)
def test_the_line_shown_is_the_line_of_the_mistake(
    text: str, line: int, column: int, shown: str
) -> None:
    err = _error_of(text)
    assert (err.line, err.column, err.line_text) == (line, column, shown)


@pytest.mark.parametrize(
    ("file_line", "shown"),
    [
        ('when = "priority == and"  # X\r', 'when = "priority == and"  # X'),
        ('when = "priority == and"  \r', 'when = "priority == and"  '),
    ],
)
def test_the_file_line_loses_only_its_carriage_return(file_line: str, shown: str) -> None:
    err = _error_of("priority == and", line=1, column=9, file_text=file_line + "\nz = 1")
    assert (err.line_text, err.caret_line) == (shown, " " * 20 + "^")


def test_a_function_message_is_kept_as_written() -> None:
    def odd(call: Call) -> Condition:
        raise PolicyError("None: no default for this key")

    err = _error_of("odd()", functions={"odd": odd})
    assert err.message == "None: no default for this key"


def test_parse_refuses_a_non_string_with_its_value() -> None:
    with pytest.raises(PolicyError) as info:
        parse_condition(b"true")  # type: ignore[arg-type]
    assert (str(info.value), info.value.value) == (
        "a condition must be a string, got b'true'",
        b"true",
    )
    assert not isinstance(info.value, PolicySyntaxError)


def test_a_closed_group_gives_back_exactly_its_level() -> None:
    deepest = "(" * MAX_DEPTH + "true" + ")" * MAX_DEPTH
    assert parse_condition(f"((true)) and {deepest}") == ALWAYS & ALWAYS
    assert parse_condition(f"(not (true)) or {deepest}") == (~ALWAYS) | ALWAYS
    too_deep = "(" * (MAX_DEPTH + 1) + "true" + ")" * (MAX_DEPTH + 1)
    err = _error_of(f"(true) and {too_deep}")
    assert (err.column, err.value) == (len("(true) and ") + MAX_DEPTH + 1, MAX_DEPTH + 1)


def test_format_writes_false_and_a_list_at_the_limit() -> None:
    assert format_condition(F.attributes.x == False) == "attributes.x == false"  # noqa: E712
    values = [str(i) for i in range(MAX_LIST_ITEMS)]
    text = format_condition(F.customer.id.isin(values))
    assert text.startswith('customer.id in ["0", "1", ') and text.endswith(', "999"]')
    assert parse_condition(text) == F.customer.id.isin(values)


def _groups(levels: int) -> Condition:
    """*levels* groups, each inside the next, alternately and/or: one level each."""
    condition: Condition = F.team == "a"
    for i in range(levels):
        other = F.team == str(i)
        condition = All((other, condition)) if i % 2 else Any_((other, condition))
    return condition


def test_format_counts_each_group_as_a_level() -> None:
    # the top group costs no level: 65 groups are 64 levels
    assert parse_condition(format_condition(_groups(MAX_DEPTH + 1))) == _groups(MAX_DEPTH + 1)
    with pytest.raises(PolicyError) as info:
        format_condition(_groups(MAX_DEPTH + 2))
    assert "nested more than 64 levels deep" in str(info.value)
    assert info.value.value == _groups(1)  # the innermost group would open level 65
