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
    field,
    predicate,
)
from escalation_rules._conditions import All, Any_, Compare, Contains, Exists, In, Not
from escalation_rules._exceptions import PolicySyntaxError
from escalation_rules._expr import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_DURATION,
    MAX_EXPRESSION_LENGTH,
    MAX_LIST_ITEMS,
    Arg,
    Call,
    Function,
    format_condition,
    format_duration,
    format_percent,
    parse_condition,
    parse_duration,
    parse_percent,
)

from .strategies import conditions as policy_conditions

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
    from .conftest import make_issue

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
    ('has_tags("x")', 1, 1, "unknown function 'has_tags'; the functions are breached, clock_el"),
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
        "breached",
        "clock_elapsed",
        "clock_state",
        "exists",
        "happened",
        "has_skill",
        "has_tag",
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
