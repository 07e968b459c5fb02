"""Policy text as untrusted input (issue 12, items 5, 10, 13 and the error messages).

Each reproduction from the issue is a test here; then the fuzz tests (only the library's
own errors escape `loads`, `from_dict` and `parse_condition`) and the round-trip laws over
strings drawn from all of Unicode.
"""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import (
    BusinessCalendar,
    CalendarError,
    Condition,
    EscalationRulesError,
    F,
    Level,
    Policy,
    PolicyError,
    PolicySyntaxError,
    SlaClock,
    after,
    chain,
    clock,
    escalate,
    first_match,
    happened,
    hours,
    minutes,
    notify,
    route,
    since,
    sla,
    wall,
)
from escalation_rules._io.reader import from_dict, loads
from escalation_rules._io.writer import dump, to_dict
from escalation_rules._language.formatter import format_condition
from escalation_rules._language.parser import parse_condition
from escalation_rules._time.calendar_spec import zone_info

LEVEL = '[[levels]]\nid = "L1"\nname = "One"\nrank = 1\nowner = "a"\n'
CALENDAR = '[calendars.o]\ntz = "{tz}"\nhours = {{ mon-fri = ["09:00-17:00"] }}\n'
ONE_LEVEL = [{"id": "L1", "name": "One", "rank": 1, "owner": "a"}]


def _error(text: str) -> PolicySyntaxError:
    with pytest.raises(PolicySyntaxError) as info:
        loads(text, source="p.toml")
    return info.value


def _dict_error(data: dict[str, Any]) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        from_dict(data, source="row 7")
    assert not isinstance(info.value, PolicySyntaxError)
    return info.value


def _at(text: str, error: PolicySyntaxError) -> str:
    """The text from the error's place on its line."""
    return text.splitlines()[error.line - 1][error.column - 1 :]


# ------------------------------------------------------- item 5: hostile values reach the model


@pytest.mark.parametrize("tz", ["Europe", "America", "A" * 300, "Europe/" + "x" * 70])
def test_zone_info_refuses_a_tzdata_folder_and_an_overlong_name(tz: str) -> None:
    with pytest.raises(
        CalendarError, match=r"is not a known time zone|is a region, not a time zone"
    ) as info:
        zone_info(tz)
    assert info.value.where == "tz"
    assert len(info.value.message) < 120  # a 300-character name is cut


def test_a_tzdata_folder_is_named_as_a_region_with_a_zone_in_it() -> None:
    with pytest.raises(CalendarError) as info:
        zone_info("America/Argentina")
    assert info.value.message == (
        "'America/Argentina' is a region, not a time zone; name a zone in it, such as "
        "'America/Argentina/Buenos_Aires'"
    )


@pytest.mark.parametrize("tz", ["Europe", "A" * 300])
def test_a_bad_tz_is_located_and_named_once(tz: str) -> None:
    text = CALENDAR.format(tz=tz) + LEVEL
    error = _error(text)
    assert (error.line, error.column) == (2, 6)
    assert error.message.startswith("calendars.o.tz: '")  # not "calendars.o.tz: tz: '"
    assert ": tz: " not in error.message
    data = {
        "calendars": {"o": {"tz": tz, "hours": {"mon-fri": ["09:00-17:00"]}}},
        "levels": ONE_LEVEL,
    }
    dict_error = _dict_error(data)
    assert dict_error.where == "row 7, calendars.o.tz"
    assert str(dict_error).startswith("row 7, calendars.o.tz: '")


def test_an_integer_of_thousands_of_digits_is_a_located_error() -> None:
    text = LEVEL + '\n[[rules]]\nname = "c"\ntype = "chain"\nrepeat = ' + "9" * 4301 + "\n"
    error = _error(text)
    assert (error.line, error.column) == (10, 10)
    assert "4,301 digits" in error.message


@pytest.mark.parametrize("value", ["99999999999999999999", "-99999999999999999999"])
def test_an_integer_outside_64_bits_is_refused(value: str) -> None:
    text = LEVEL.replace("rank = 1", f"rank = {value}")
    error = _error(text)
    assert (error.line, error.column) == (4, 8)
    assert "64-bit" in error.message
    data = {"levels": [{**ONE_LEVEL[0], "rank": 10**5000}]}  # str() of it raises ValueError
    assert "64-bit" in str(_dict_error(data))


@pytest.mark.parametrize("value", ["1", "[]", "{ a = 1 }", "true", "2026-01-01"])
@pytest.mark.parametrize("key", ["calendar", "calendar_field", "name", "match", "clock"])
def test_a_policy_setting_of_the_wrong_type_is_located(key: str, value: str) -> None:
    text = f"[policy]\n{key} = {value}\n" + LEVEL
    error = _error(text)
    assert (error.line, error.column) == (2, len(key) + 4)
    assert error.message.startswith(f"policy.{key}: expected a")


def test_a_level_calendar_of_the_wrong_type_is_located() -> None:
    error = _error(LEVEL + "calendar = []\n")
    assert (error.line, error.column) == (6, 12)
    assert "expected a non-empty string" in error.message


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("{ country = 1, years = [2026] }", "country"),
        ('{ country = "DE", subdiv = [], years = [2026] }', "subdiv"),
        ('{ country = "DE", years = [99999] }', "years"),
    ],
)
def test_a_bad_holidays_from_table_is_located(table: str, key: str) -> None:
    text = CALENDAR.format(tz="Europe/Berlin") + f"holidays_from = {table}\n" + LEVEL
    error = _error(text)
    assert error.line == 4 and _at(text, error).startswith(table.split(f"{key} = ", 1)[1][:2]), (
        error
    )
    assert error.message.startswith(f"calendars.o.holidays_from.{key}: ")


def _deep(depth: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(depth):
        child: list[Any] = []
        node.append(child)
        node = child
    return root


@pytest.mark.parametrize(
    "place",
    [
        ("policy", "name"),
        ("policy", "match"),
        ("policy", "calendar"),
        ("status_map", "x"),
        ("rules", 0, "type"),
        ("rules", 0, "at", "since"),
        ("rules", 0, "on"),
        ("levels", 0, "calendar"),
        ("clocks", "resolution", "on_reopen"),
        ("clocks", "resolution", "metric"),
    ],
)
def test_a_100000_deep_value_in_from_dict_is_a_short_error(place: tuple[Any, ...]) -> None:
    data: dict[str, Any] = {
        "levels": [dict(ONE_LEVEL[0])],
        "rules": [{"name": "r", "type": "escalate", "at": {"after": "1h"}}],
    }
    node: Any = data
    for key in place[:-1]:
        node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
    node[place[-1]] = _deep(100_000)
    error = _dict_error(data)
    assert len(str(error)) < 400


def test_a_status_map_that_redefines_a_built_in_status_is_located() -> None:
    error = _error('[status_map]\nopen = "pending"\n' + LEVEL)
    assert (error.line, error.column) == (2, 8)
    assert "built-in status 'open'" in error.message


# ------------------------------------------------ item 10: business time without a calendar


def test_a_business_target_without_any_calendar_is_a_located_error() -> None:
    text = LEVEL + 'targets = { resolution = "8h business" }\n'
    error = _error(text)
    assert _at(text, error).startswith('"8h business"')
    assert "no calendar" in error.message
    assert "calendar = " in error.message and "'8h'" in error.message
    data = {"levels": [{**ONE_LEVEL[0], "targets": {"resolution": {"P1": "8h business"}}}]}
    dict_error = _dict_error(data)
    assert dict_error.where == "row 7, levels[0].targets.resolution.P1"
    assert "no calendar" in dict_error.message


def test_a_business_target_with_an_unused_calendar_names_it() -> None:
    text = CALENDAR.format(tz="UTC") + LEVEL + 'targets = { resolution = "8h business" }\n'
    error = _error(text)
    assert _at(text, error).startswith('"8h business"')
    assert "'o'" in error.message  # the calendar that could be named


@pytest.mark.parametrize(
    "setting",
    [
        '[policy]\ncalendar = "o"\n',
        '[policy]\ncalendar_field = "customer.attributes.region"\n',
        '[policy]\nclock = "o"\n',
        "level",
    ],
)
def test_a_business_target_loads_when_a_calendar_can_apply(setting: str) -> None:
    level = LEVEL + ('calendar = "o"\n' if setting == "level" else "")
    head = "" if setting == "level" else setting
    text = head + CALENDAR.format(tz="UTC") + level + 'targets = { resolution = "8h business" }\n'
    if "clock" in setting:
        text = text.replace("[[levels]]", "[[levels]]\nack_timeout = '1h business'")
    policy = loads(text)
    assert policy.levels[0].targets["resolution"]["*"].wall is False
    assert loads(dump(policy)) == policy


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('ack_timeout = "15m business"', "wall clock"),
        ("[[rules]]\nname = 'r'\ntype = 'escalate'\nat = { after = '1h business' }", "wall clock"),
        (
            "[[rules]]\nname = 'r'\ntype = 'escalate'\nwhen = \"since('created') > 1h business\"",
            "drop 'business'",
        ),
    ],
)
def test_other_business_durations_without_a_business_clock_are_errors(
    line: str, fragment: str
) -> None:
    text = LEVEL + line + "\n"
    error = _error(text)
    assert fragment in error.message
    assert "business" in _at(text, error)


def test_dump_of_a_python_policy_without_a_calendar_writes_elapsed_time() -> None:
    policy = Policy(
        [Level("L1", "One", rank=1, owner="a", targets={"resolution": hours(8)})],
        [escalate("up", at=sla("resolution"))],
    )
    text = dump(policy)
    assert "business" not in text
    assert to_dict(policy)["levels"][0]["targets"] == {"resolution": "8h"}
    again = loads(text)
    assert again.levels[0].targets["resolution"]["*"] == wall(hours(8))  # the same behaviour
    assert loads(dump(again)) == again
    # An unused calendar is no calendar in effect either.
    unused = Policy(
        [Level("L1", "One", rank=1, owner="a", targets={"resolution": hours(8)})],
        [],
        calendars={"o": BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})},
    )
    assert "business" not in dump(unused)
    assert loads(dump(unused)).calendars == unused.calendars


# ----------------------------------------------------------------- item 13: round trips


@pytest.mark.parametrize(
    "name",
    ["Front\x01line", "a\x7fb", "cr\rlf\n", "q\"u'o\\te", 'q"\x00', "\u2028\ufeff\x85", "\t"],
)
def test_a_name_with_control_characters_round_trips(name: str) -> None:
    policy = Policy(
        [Level("L1", name, rank=1, owner=name)],
        [route(name, when=F.team == name, to=name)],
        name=name,
        status_map={name: "pending"},
    )
    assert loads(dump(policy)) == policy
    assert from_dict(json.loads(json.dumps(to_dict(policy)))) == policy


@pytest.mark.parametrize(
    "condition",
    [
        clock("a\x01b").elapsed > hours(1),
        clock('it\'s "quoted"').breached,
        clock("back\\slash\n").state == "paused",
        clock("\u2028é\x85").breached,
        happened("acknowledged") & (clock("\r").elapsed <= minutes(5)),
        F.team == "\x00\x1b'\"",
        F.tags.contains("\x7f"),
        F.priority.isin(["\x01", "é", "'", '"']),
    ],
)
def test_time_functions_write_strings_the_lexer_reads(condition: Condition) -> None:
    text = format_condition(condition)
    assert parse_condition(text) == condition


# ------------------------------------------------------------------- error messages


def test_a_missing_closing_quote_is_named() -> None:
    text = LEVEL + '\n[[rules]]\nname = "x\ntype = "chain"\n'
    error = _error(text)
    assert (error.line, error.column) == (8, 10)
    assert 'no closing "' in error.message and "Illegal character" not in error.message


def test_a_missing_closing_single_quote_is_placed_on_its_line() -> None:
    text = LEVEL + '\n[[rules]]\nname = \'x\ntype = "chain"\n'
    error = _error(text)  # tomllib says "Expected "'" (at end of document)"
    assert (error.line, error.column) == (8, 10)
    assert "no closing '" in error.message


def test_an_unterminated_multiline_string_is_placed_where_it_starts() -> None:
    text = LEVEL + 'note = """\nabc\n'
    error = _error(text)
    assert (error.line, error.column) == (6, 8)
    assert '"""' in error.message


def test_a_duplicate_rule_name_is_located_at_the_second_name() -> None:
    text = (
        LEVEL + '\n[[rules]]\nname = "x"\ntype = "chain"\n\n[[rules]]\nname = "x"\ntype = "chain"\n'
    )
    error = _error(text)
    assert (error.line, error.column) == (12, 8)
    assert "duplicate rule name 'x'" in error.message
    group = {
        "name": "g",
        "type": "first_match",
        "rules": [{"name": "x", "type": "chain"}],
    }
    data = {"levels": ONE_LEVEL, "rules": [{"name": "x", "type": "chain"}, group]}
    assert _dict_error(data).where == "row 7, rules[1].rules[0].name"


def test_a_bad_status_map_value_is_located() -> None:
    text = '[status_map]\nfoo = "opn"\n' + LEVEL
    error = _error(text)
    assert (error.line, error.column) == (2, 7)
    assert error.suggestion == "open"


def test_a_byte_order_mark_is_named() -> None:
    error = _error("\ufeff" + LEVEL)
    assert "byte order mark" in error.message


def test_an_invisible_character_is_named() -> None:
    error = _error(LEVEL.replace("rank = 1", "rank\u00a0= 1"))
    assert "U+00A0" in error.message


def test_a_from_dict_error_names_its_place_once() -> None:
    rule = {"name": "r", "type": "escalate", "on": "ackd"}
    for data, where in [
        ({"levels": ONE_LEVEL, "rules": [rule]}, "row 7, rules[0].on"),
        (
            {"levels": ONE_LEVEL, "rules": [{"name": "g", "type": "first_match", "rules": [rule]}]},
            "row 7, rules[0].rules[0].on",
        ),
    ]:
        error = _dict_error(data)
        assert error.where == where
        assert str(error) == f"{where}: unknown event kind 'ackd' (did you mean 'acknowledged'?)"


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("[levels.targets]", "[levles.targets]", 14, "unknown key 'levles'"),
        ("[calendars.o]", "[calendrs.o]", 4, "unknown key 'calendrs'"),
        (
            'calendar_field = "customer.attributes.region"',
            'calendar_field = "customer.atributes.region"',
            2,
            "unknown field",
        ),
    ],
)
def test_mistakes_once_placed_at_1_1_point_at_their_key(
    old: str, new: str, line: int, fragment: str
) -> None:
    good = (
        '[policy]\ncalendar_field = "customer.attributes.region"\n\n'
        + CALENDAR.format(tz="UTC")
        + "\n"
        + LEVEL
        + '\n[levels.targets]\nresolution = "8h business"\n'
    )
    loads(good)
    text = good.replace(old, new)
    error = _error(text)
    assert error.line == line and text.splitlines()[line - 1] == new
    assert fragment in error.message


# -------------------------------------------------------------------------- fuzzing

_FRAGMENTS = [
    "[policy]\n",
    "[[levels]]\n",
    "[[rules]]\n",
    "[rules.at]\n",
    "[calendars.o]\n",
    "[status_map]\n",
    "[clocks.resolution]\n",
    "[levels.targets]\n",
    'id = "L1"\n',
    'name = "n"\n',
    "rank = 1\n",
    'owner = "o"\n',
    'type = "route"\n',
    'type = "escalate"\n',
    'type = "first_match"\n',
    "when = 'priority == \"P1\"'\n",
    'to = "t"\n',
    'at = { after = "1h" }\n',
    'at = { sla = "resolution", share = "75%" }\n',
    'calendar = "o"\n',
    'tz = "Europe/Berlin"\n',
    'hours = { mon-fri = ["09:00-17:00"] }\n',
    'resolution = "8h business"\n',
    'clock = "o"\n',
    "repeat = 99999999999999999999999\n",
    "rank = " + "9" * 4301 + "\n",
    "calendar = []\n",
    "country = 1\n",
    "holidays_from = { country = 1, years = [1] }\n",
    "x = [[[[[[[[1]]]]]]]]\n",
    '"\\u0000" = "\\u007f"\n',
    "\ufeff",
    "a.b.c.d = 1\n",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=20), max_size=25))
def test_loads_raises_only_the_librarys_errors(parts: list[str]) -> None:
    text = "".join(parts)
    try:
        loads(text)
    except EscalationRulesError as exc:
        assert str(exc)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**20, max_value=10**30)
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["L1", "route", "escalate", "resolution", "8h business", "P1", "o"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["name", "type", "id", "rank", "at", "tz", "when", "to", "x"])
            | st.text(max_size=5),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)

_GOOD_DICT: dict[str, Any] = {
    "policy": {"name": "p", "calendar": "o"},
    "status_map": {"waiting": "pending"},
    "calendars": {"o": {"tz": "UTC", "hours": {"mon-fri": ["09:00-17:00"]}}},
    "clocks": {"resolution": {"pause_on": ["pending"], "on_reopen": "resume"}},
    "levels": [
        {"id": "L1", "name": "One", "rank": 1, "owner": "a", "targets": {"resolution": "8h"}},
        {"id": "L2", "name": "Two", "rank": 2, "owner": "b", "ack_timeout": "1h"},
    ],
    "rules": [
        {"name": "r", "type": "route", "when": "priority == 'P1'", "to": "t"},
        {"name": "e", "type": "escalate", "at": {"sla": "resolution", "share": "50%"}},
        {"name": "g", "type": "first_match", "rules": [{"name": "c", "type": "chain"}]},
    ],
}


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    if isinstance(value, dict):
        return {**value, path[0]: _replaced(value[path[0]], path[1:], new)}
    copy = list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_paths(_GOOD_DICT)), _JSON)
def test_from_dict_raises_only_the_librarys_errors(path: tuple[Any, ...], value: Any) -> None:
    data = _replaced(_GOOD_DICT, path, value)
    try:
        from_dict(data)
    except EscalationRulesError as exc:
        assert str(exc) and len(str(exc)) < 2_000


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_from_dict_of_any_json_value_raises_only_the_librarys_errors(value: Any) -> None:
    try:
        from_dict(value)
    except EscalationRulesError as exc:
        assert str(exc)


_LEXER_ALPHABET = (
    string.ascii_letters + string.digits + " \t\n\r_.,()[]-<>=!&|~'\"\\#{}%$" + "éß\x00\x85\u2028"
)
_WORDS = [
    "priority", "customer.tier", "tags", "and", "or", "not", "in", "contains", "true", "since(",
    "clock_elapsed(", "breached(", "exists(", "'created'", '"P1"', "4h", "business", "==", ">=",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS) | st.text(_LEXER_ALPHABET, max_size=8), max_size=12))
def test_parse_condition_raises_only_the_librarys_errors(parts: list[str]) -> None:
    try:
        parse_condition(" ".join(parts))
    except EscalationRulesError as exc:
        assert str(exc)


# --------------------------------------------------------------------- round-trip laws

_ANY_TEXT = st.text(st.characters(codec=None, categories=None), min_size=1, max_size=8)
_ANCHORS = ["created", "level_entered", "acknowledged", "last_customer_message"]


def _atoms(clocks: st.SearchStrategy[str]) -> st.SearchStrategy[Condition]:
    return st.one_of(
        st.builds(lambda v: F.team == v, _ANY_TEXT),
        st.builds(lambda v: F.customer.tier != v, _ANY_TEXT),
        st.builds(lambda vs: F.priority.isin(vs), st.lists(_ANY_TEXT, min_size=1, max_size=3)),
        st.builds(lambda v: F.tags.contains(v), _ANY_TEXT),
        st.builds(lambda v: F.customer.value > v, st.integers(-(10**30), 10**30)),
        st.builds(
            lambda v: F.customer.value <= v, st.floats(allow_nan=False, allow_infinity=False)
        ),
        st.just(F.language.exists()),
        st.builds(lambda c: clock(c).breached, clocks),
        st.builds(lambda c, m: clock(c).elapsed >= minutes(m), clocks, st.integers(0, 10**5)),
        st.builds(
            lambda c, s: clock(c).state == s,
            clocks,
            st.sampled_from(["running", "paused", "stopped", "idle"]),
        ),
        st.builds(lambda a: happened(a), st.sampled_from(_ANCHORS)),
        st.builds(
            lambda a, m: since(a) < minutes(m), st.sampled_from(_ANCHORS), st.integers(0, 10**4)
        ),
    )


def _conditions(clocks: st.SearchStrategy[str] = _ANY_TEXT) -> st.SearchStrategy[Condition]:
    return st.recursive(
        _atoms(clocks),
        lambda children: st.one_of(
            st.tuples(children, children).map(lambda ab: ab[0] & ab[1]),
            st.tuples(children, children).map(lambda ab: ab[0] | ab[1]),
            children.map(lambda c: ~c),
        ),
        max_leaves=6,
    )


@settings(max_examples=300, deadline=None)
@given(_conditions())
def test_parse_condition_reads_back_what_format_condition_writes(condition: Condition) -> None:
    assert parse_condition(format_condition(condition)) == condition


@st.composite
def _unicode_policies(draw: st.DrawFn) -> Policy:
    """Policies whose names, teams, status names and condition strings are any Unicode."""
    n = draw(st.integers(1, 3))
    ids = draw(st.lists(_ANY_TEXT, min_size=n, max_size=n, unique=True))
    has_calendar = draw(st.booleans())
    calendars = (
        {draw(_ANY_TEXT): BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})}
        if has_calendar
        else {}
    )
    calendar = next(iter(calendars), None) if draw(st.booleans()) else None
    levels = [
        Level(
            lvl_id,
            draw(_ANY_TEXT),
            rank=i + 1,
            owner=draw(_ANY_TEXT),
            targets={"resolution": hours(draw(st.integers(1, 48)))},
        )
        for i, lvl_id in enumerate(ids)
    ]
    clock_names = draw(st.lists(_ANY_TEXT, min_size=1, max_size=2, unique=True))
    conditions = _conditions(st.sampled_from(clock_names))
    names = draw(st.lists(_ANY_TEXT, min_size=5, max_size=5, unique=True))
    rules = [
        route(names[0], when=draw(conditions), to=draw(_ANY_TEXT)),
        escalate(names[1], when=draw(conditions), to=draw(st.sampled_from(ids))),
        notify(names[2], at=after(minutes(draw(st.integers(1, 600)))), to=draw(_ANY_TEXT)),
    ]
    if not any(":" in lvl_id for lvl_id in ids):  # a chain's keys join level ids with ':'
        rules.append(first_match(names[3], [chain(names[4])]))
    built = {"open", "pending", "resolved", "closed"}
    status_names = draw(st.lists(_ANY_TEXT.filter(lambda s: s not in built), max_size=2))
    return Policy(
        levels,
        [r for r in rules if draw(st.booleans())],
        name=draw(_ANY_TEXT),
        calendars=calendars,
        calendar=calendar,
        status_map=dict.fromkeys(status_names, "pending"),
        clocks=[SlaClock(c, "next_response", on_reopen="restart") for c in clock_names],
    )


def _elapsed(policy: Policy) -> Policy:
    """*policy* as text writes it: with no calendar that applies, targets count elapsed time."""
    if policy.calendar is not None:
        return policy
    levels = [
        Level(
            lvl.id,
            lvl.name,
            rank=lvl.rank,
            owner=lvl.owner,
            targets={
                c: {p: wall(t.duration) for p, t in table.items()}
                for c, table in lvl.targets.items()
            },
        )
        for lvl in policy.levels
    ]
    return Policy(
        levels,
        policy.rules,
        name=policy.name,
        calendars=policy.calendars,
        status_map=policy.status_map,
        clocks=policy.clocks.values(),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_unicode_policies())
def test_loads_reads_back_what_dump_writes_for_any_unicode(policy: Policy) -> None:
    expected = _elapsed(policy)  # a Python policy without a calendar comes back wall-clock
    again = loads(dump(policy))
    assert again == expected
    assert loads(dump(again)) == again  # the law, exactly, for a policy that loads
    assert from_dict(to_dict(policy)) == expected
