"""The escalation matrix in a policy file: its shape, round trips, and located errors."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    BusinessCalendar,
    BusinessClock,
    Cell,
    F,
    Level,
    Matrix,
    Policy,
    PolicyError,
    PolicySyntaxError,
    WallClock,
    cell,
    hours,
    matrix,
    minutes,
    row,
)
from escalation_rules._io.read_matrix import MATRIX_RULE_SCHEMA
from escalation_rules._io.reader import from_dict, loads
from escalation_rules._io.schema import policy_json_schema
from escalation_rules._io.writer import dump, to_dict

HEAD = """\
[policy]
name = "p"

[calendars.office]
tz = "UTC"
hours = { mon-fri = ["09:00-17:00"] }

[[levels]]
id = "L1"
name = "One"
rank = 1
owner = "a"

[[levels]]
id = "L2"
name = "Two"
rank = 2
owner = "b"

[[levels]]
id = "L3"
name = "Three"
rank = 3
owner = "c"
"""

MATRIX = """
[[rules]]
name = "support"
type = "matrix"
by = "category"
calendar = "office"

[[rules.rows_when]]
name = "security"
when = 'tags contains "security"'
cells = { L1 = { owner = "security", window = "1h business" } }

[rules.rows.billing]
L1 = { owner = "billing-desk", window = "2h business" }
L2 = { owner = "billing-leads", window = "8h business" }
L3 = { owner = "finance-director" }

[rules.rows."*"]
L1 = { owner = "frontline", window = "2h business" }
L2 = { window = "8h business" }
"""

TEXT = HEAD + MATRIX

OFFICE = BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})
LEVELS = [
    Level("L1", "One", rank=1, owner="a"),
    Level("L2", "Two", rank=2, owner="b"),
    Level("L3", "Three", rank=3, owner="c"),
]
SUPPORT = matrix(
    "support",
    [
        row(F.tags.contains("security"), {"L1": cell("security", hours(1))}, name="security"),
        row(
            "billing",
            {
                "L1": cell("billing-desk", hours(2)),
                "L2": cell("billing-leads", hours(8)),
                "L3": cell("finance-director"),
            },
        ),
        row("*", {"L1": cell("frontline", hours(2)), "L2": cell(window=hours(8))}),
    ],
    calendar="office",
)


def test_a_matrix_table_reads_as_the_python_matrix() -> None:
    policy = loads(TEXT)
    assert policy == Policy(LEVELS, [SUPPORT], calendars={"office": OFFICE}, name="p")
    assert loads(dump(policy)) == policy
    assert from_dict(to_dict(policy)) == policy


def test_the_dict_form_of_a_matrix_and_its_schema() -> None:
    data = to_dict(loads(TEXT))
    assert data["rules"] == [
        {
            "name": "support",
            "type": "matrix",
            "calendar": "office",
            "rows_when": [
                {
                    "name": "security",
                    "when": 'tags contains "security"',
                    "cells": {"L1": {"owner": "security", "window": "1h business"}},
                }
            ],
            "rows": {
                "billing": {
                    "L1": {"owner": "billing-desk", "window": "2h business"},
                    "L2": {"owner": "billing-leads", "window": "8h business"},
                    "L3": {"owner": "finance-director"},
                },
                "*": {
                    "L1": {"owner": "frontline", "window": "2h business"},
                    "L2": {"window": "8h business"},
                },
            },
        }
    ]
    jsonschema.validate(json.loads(json.dumps(data)), policy_json_schema())
    jsonschema.validate(data["rules"][0], MATRIX_RULE_SCHEMA)
    for bad in ({"name": "m", "type": "matrix"}, {**data["rules"][0], "when": "x"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, MATRIX_RULE_SCHEMA)


def test_windows_say_business_on_a_business_clock_and_not_on_the_wall_clock() -> None:
    on_clock = Policy(
        LEVELS,
        [matrix("m", {"billing": {"L1": cell("desk", minutes(90))}}, by="customer.tier")],
        calendars={"office": OFFICE},
        clock=BusinessClock(OFFICE),
    )
    text = dump(on_clock)
    assert 'L1 = { owner = "desk", window = "1h30m business" }' in text
    assert 'by = "customer.tier"' in text
    assert loads(text) == on_clock
    wall = Policy(LEVELS, [matrix("m", {"*": {"L1": cell("desk", hours(2))}})])
    assert 'window = "2h" }' in dump(wall) and "by =" not in dump(wall)
    assert loads(dump(wall)) == wall


def test_the_bundled_example_has_a_matrix() -> None:
    from escalation_rules import bundled_policy

    (support,) = [r for r in bundled_policy("seeds-matrix").rules if r.name == "support"]
    assert [one.label for one in support.rows] == ["security", "billing", "*"]  # type: ignore[attr-defined]


def _place(text: str, needle: str, *, nth: int = 0) -> tuple[int, int]:
    """The line and column at which *needle* starts in *text* (its *nth* occurrence)."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start) + 1
    return line, start - text.rfind("\n", 0, start)


def _bad(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


BAD = [
    (
        "unknown level",
        _bad('L3 = { owner = "finance', 'L4 = { owner = "finance'),
        '{ owner = "finance-director" }',  # an error is placed at the value
        r"'L4' is not a level of the policy; levels are \['L1', 'L2', 'L3'\]",
    ),
    (
        "misspelt level",
        _bad('L2 = { window = "8h', 'l2 = { window = "8h'),
        '{ window = "8h business" }',
        r"'l2' is not a level of the policy.*did you mean 'L2'\?",
    ),
    (
        "misspelt cell key",
        _bad('{ owner = "billing-desk"', '{ ownr = "billing-desk"'),
        '"billing-desk"',
        r"unknown key 'ownr'; expected one of \['owner', 'window'\].*did you mean 'owner'\?",
    ),
    (
        "bad window",
        _bad('window = "2h business" }', 'window = "2x business" }'),
        '"2x business"',
        r"unknown unit 'x' in the duration '2x'",
    ),
    (
        "window not business on a calendar",
        _bad('window = "8h business" }\nL3', 'window = "8h" }\nL3'),
        '"8h" }',
        r"counts its windows on the calendar 'office', business time, so write '8h' as "
        r"'8h business'",
    ),
    (
        "unknown calendar",
        _bad('calendar = "office"', 'calendar = "ofice"'),
        '"ofice"',
        r"the calendar 'ofice' is not one of the policy's calendars.*did you mean 'office'\?",
    ),
    (
        "unknown field",
        _bad('by = "category"', 'by = "categroy"'),
        '"categroy"',
        r"unknown field 'categroy'.*did you mean 'category'\?",
    ),
    (
        "set field",
        _bad('by = "category"', 'by = "tags"'),
        '"tags"',
        r"'by' names 'tags', which holds a set",
    ),
    (
        "misspelt matrix key",
        _bad("[rules.rows.billing]", "[rules.row.billing]"),
        "rules.row.billing]",  # a header: at its name
        r"unknown key 'row'.*did you mean 'rows'\?",
    ),
    (
        "misspelt type",
        _bad('type = "matrix"', 'type = "matrx"'),
        '"matrx"',
        r"unknown rule type 'matrx'.*did you mean 'matrix'\?",
    ),
    (
        "default row not last",
        TEXT.replace('[rules.rows."*"]', "[rules.rows.x]")
        .replace("[rules.rows.billing]", '[rules.rows."*"]')
        .replace("[rules.rows.x]", "[rules.rows.billing]"),
        'rules.rows."*"]',
        r"the default row '\*' must be the last row",
    ),
    (
        "empty cell",
        _bad('L3 = { owner = "finance-director" }', "L3 = { }"),
        "{ }",
        r"a cell needs an owner, a window or both",
    ),
    (
        "empty row",
        _bad(
            'cells = { L1 = { owner = "security", window = "1h business" } }',
            "cells = { }",
        ),
        "{ }",
        r"a row needs at least one cell",
    ),
    (
        "bad condition",
        _bad("when = 'tags contains \"security\"'", "when = 'tags contain \"security\"'"),
        'contain "',
        r"found 'contain' \(did you mean 'contains'\?\)",
    ),
    (
        "timed condition",
        _bad("when = 'tags contains \"security\"'", "when = 'since(\"created\") > 1h'"),
        "'since",
        r"a row's condition cannot depend on time",
    ),
    (
        "condition row without a condition",
        _bad("when = 'tags contains \"security\"'\n", ""),
        "rules.rows_when]]",
        r"missing the key 'when'",
    ),
    (
        "no rows",
        HEAD + '\n[[rules]]\nname = "m"\ntype = "matrix"\n',
        "rules]]",
        r"a matrix needs rows \('rows' or 'rows_when'\)",
    ),
    (
        "two rows of one name",
        _bad('name = "security"', 'name = "billing"'),
        "rules]]",
        r"two rows are called 'billing'",
    ),
]


@pytest.mark.parametrize(
    ("text", "needle", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_a_bad_matrix_is_reported_at_its_place(text: str, needle: str, message: str) -> None:
    with pytest.raises(PolicySyntaxError, match=message) as info:
        loads(text, source="policy.toml")
    error = info.value
    line, column = _place(text, needle)
    assert (error.line, error.column) == (line, column), str(error)
    assert str(error).startswith(f"policy.toml:{line}:{column}: ")
    assert isinstance(error, PolicyError)


def test_a_dict_error_names_its_json_path() -> None:
    data = to_dict(loads(TEXT))
    data["rules"][0]["rows"]["billing"]["L5"] = {"owner": "x"}
    with pytest.raises(
        PolicyError, match=r"^db, rules\[0\]\.rows\.billing\.L5: 'L5' is not a"
    ) as info:
        from_dict(data, source="db")
    assert info.value.where == "db, rules[0].rows.billing.L5"


# -- any matrix round-trips -------------------------------------------------------------------

WINDOWS = st.sampled_from([None, minutes(1), minutes(90), hours(8), hours(49)])
OWNERS = st.sampled_from([None, "t1", "team two", 'odd "name"'])


@st.composite
def matrices(draw: st.DrawFn) -> Matrix:
    def cells() -> dict[str, Cell]:
        out = {}
        for level in draw(st.lists(st.sampled_from(["L1", "L2", "L3"]), min_size=1, unique=True)):
            owner, window = draw(st.tuples(OWNERS, WINDOWS).filter(lambda p: p != (None, None)))
            out[level] = cell(owner, window)
        return out

    rows = [
        row(cond, cells(), name=draw(st.sampled_from([None, "n1", "n2"])))
        for cond in draw(
            st.lists(
                st.sampled_from([F.tags.contains("x"), F.priority == "P1", F.customer.value > 10]),
                unique_by=repr,
                max_size=2,
            )
        )
    ]
    if len({r.label for r in rows}) < len(rows):
        rows = rows[:1]
    keys = draw(st.lists(st.sampled_from(["a", "b c", "é", "n1"]), unique=True, max_size=3))
    rows += [row(key, cells()) for key in keys if key not in {r.label for r in rows}]
    if draw(st.booleans()) or not rows:
        rows.append(row("*", cells()))
    by = draw(st.sampled_from(["category", "priority", "attributes.region"]))
    calendar = draw(st.sampled_from([None, "office"]))
    return matrix("m", rows, by=by, calendar=calendar)


@settings(max_examples=100, deadline=None)
@given(m=matrices(), business=st.booleans())
def test_any_matrix_reads_back_as_written(m: Matrix, business: bool) -> None:
    policy = Policy(
        LEVELS,
        [m],
        calendars={"office": OFFICE},
        clock=BusinessClock(OFFICE) if business else WallClock(),
    )
    assert loads(dump(policy)) == policy
    assert from_dict(json.loads(json.dumps(to_dict(policy)))) == policy
    jsonschema.validate(to_dict(policy)["rules"][0], MATRIX_RULE_SCHEMA)
