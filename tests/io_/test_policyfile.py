"""Policies as text: TOML and dict forms, round trips, located errors, bounds, the schema."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import (
    BusinessClock,
    F,
    Level,
    Policy,
    PolicyError,
    PolicySyntaxError,
    escalate,
    hours,
    notify,
    route,
    sla,
    wall,
)
from escalation_rules._io.examples import EXAMPLES, bundled_policy, example_path
from escalation_rules._io.reader import MAX_BYTES, from_dict, load, loads
from escalation_rules._io.schema import policy_json_schema
from escalation_rules._io.writer import dump, to_dict

from ..conftest import at, make_issue
from ..strategies import policies

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = policy_json_schema()

MINIMAL = """\
[policy]
name = "p"

[[levels]]
id = "L1"
name = "One"
rank = 1
owner = "a"
targets = { time_at_level = "2h" }

[[levels]]
id = "L2"
name = "Two"
rank = 2
owner = "b"

[[rules]]
name = "billing"
type = "route"
when = 'category == "billing"'
to = "billing-team"

[[rules]]
name = "breach"
type = "escalate"
at = { sla = "time_at_level" }
"""


def test_a_policy_file_maps_onto_the_python_objects() -> None:
    policy = loads(MINIMAL)
    expected = Policy(
        [
            Level("L1", "One", rank=1, owner="a", targets={"time_at_level": wall(hours(2))}),
            Level("L2", "Two", rank=2, owner="b"),
        ],
        [
            route("billing", when=F.category == "billing", to="billing-team"),
            escalate("breach", at=sla("time_at_level")),
        ],
        name="p",
    )
    assert policy == expected
    decision = policy.evaluate(make_issue(category="billing"), at(2))
    assert [a.rule for a in decision.actions] == ["billing", "breach"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_bundled_examples_load_round_trip_and_match_the_schema(name: str) -> None:
    policy = bundled_policy(name)
    assert loads(dump(policy)) == policy
    data = to_dict(policy)
    jsonschema.validate(json.loads(json.dumps(data)), SCHEMA)
    assert from_dict(data) == policy
    assert load(Path(str(example_path(name)))) == policy


def test_the_published_schema_is_the_one_the_code_makes() -> None:
    published = json.loads((ROOT / "docs" / "policy.schema.json").read_text())
    assert published == SCHEMA
    jsonschema.Draft202012Validator.check_schema(published)


def _as_text_writes_it(policy: Policy) -> Policy:
    """*policy* as `dump` writes it: where no calendar can apply, a target counts elapsed
    time whatever it says, and is written (so read back) as a wall-clock target."""
    if (
        isinstance(policy.clock, BusinessClock)
        or policy.calendar is not None
        or policy.calendar_field is not None
        or any(lvl.calendar is not None for lvl in policy.levels)
    ):
        return policy
    levels = [
        attrs.evolve(
            lvl,
            targets={
                c: {p: wall(t.duration) for p, t in table.items()}
                for c, table in lvl.targets.items()
            },
        )
        for lvl in policy.levels
    ]
    return attrs.evolve(policy, levels=levels, clocks=tuple(policy.clocks.values()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies())
def test_loading_what_was_dumped_gives_an_equal_policy(policy: Policy) -> None:
    # A Python-built policy without a calendar in effect comes back with wall-clock targets
    # (the same behaviour); a policy that loads comes back exactly.
    expected = _as_text_writes_it(policy)
    text = dump(policy)
    assert loads(text) == expected
    assert loads(dump(expected)) == expected
    data = json.loads(json.dumps(to_dict(policy)))
    jsonschema.validate(data, SCHEMA)
    assert from_dict(data) == expected


# ------------------------------------------------------------------ located errors


def _replace(old: str, new: str) -> str:
    assert old in MINIMAL
    return MINIMAL.replace(old, new, 1)


BAD = [
    # (text, line, column, message fragment)
    (_replace('name = "p"', 'name = "p'), 2, 10, "invalid TOML"),
    (MINIMAL + "\n[[levles]]\nid = 'x'\n", 28, 3, "unknown key 'levles'"),
    (_replace("when = 'category", "when = 'categry"), 20, 9, "did you mean 'category'"),
    (
        _replace("when = 'category == \"billing\"'", "when = 'category == and'"),
        20,
        21,
        "expected a value",
    ),
    (_replace('type = "route"', 'type = "rout"'), 19, 8, "did you mean 'route'"),
    (
        _replace('at = { sla = "time_at_level" }', 'at = { sla = "time_at_levl" }'),
        26,
        14,
        "did you mean 'time_at_level'",
    ),
    (_replace('time_at_level = "2h" }', 'time_at_level = "2 hours" }'), 9, 29, "duration"),
    (
        _replace('time_at_level = "2h" }', 'time_at_levle = "2h" }'),
        9,
        29,
        "did you mean 'time_at_level'",
    ),
    (_replace('to = "billing-team"', "to = 5"), 21, 6, "expected a non-empty string"),
    (_replace("rank = 2", "rank = 0"), 14, 8, "not above"),
    (
        _replace('at = { sla = "time_at_level" }', 'at = { sla = "time_at_level", share = "75" }'),
        26,
        39,
        "percentage",
    ),
    (
        _replace('at = { sla = "time_at_level" }', 'at = { after = "2h business" }'),
        26,
        16,
        "wall clock",
    ),
    (
        _replace('at = { sla = "time_at_level" }', 'at = { after = "2h", since = "creatd" }'),
        26,
        30,
        "did you mean 'created'",
    ),
    (
        MINIMAL + '\n[[rules]]\nname = "up"\ntype = "escalate"\nto = "L9"\nwhen = "true"\n',
        31,
        6,
        "unknown level 'L9'",
    ),
    (_replace('name = "p"', 'name = "p"\ncalendar = "office"'), 3, 12, "calendar 'office'"),
    (MINIMAL + '\n[targets]\nresolutoin = "2h"\n', 29, 14, "did you mean 'resolution'"),
    (MINIMAL + '\n[[slas]]\nname = "x"\ncalendar = "office"\n', 30, 12, "calendar 'office'"),
    (
        MINIMAL + '\n[[slas]]\nname = "x"\nwhen = \'clock_elapsed("resolution") > 1h\'\n',
        30,
        8,
        "reads the time",
    ),
]


@pytest.mark.parametrize(("text", "line", "column", "fragment"), BAD)
def test_a_bad_policy_is_reported_at_its_place(
    text: str, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(PolicySyntaxError) as info:
        loads(text, source="policy.toml")
    error = info.value
    assert fragment in str(error), str(error)
    assert (error.line, error.column) == (line, column), str(error)
    assert str(error).startswith(f"policy.toml:{line}:{column}: ")
    assert error.line_text  # the offending line is shown, with a caret under it
    assert "^" in str(error).splitlines()[-1]


def test_a_dict_error_names_its_json_path() -> None:
    data = to_dict(loads(MINIMAL))
    data["rules"][1]["at"]["sla"] = "resolutoin"
    with pytest.raises(
        PolicyError, match=r"^db row 7, rules\[1\]\.at\.sla: .*'resolutoin'"
    ) as info:
        from_dict(data, source="db row 7")
    assert info.value.where == "db row 7, rules[1].at.sla"
    assert info.value.suggestion == "resolution"


def test_a_calendar_in_text() -> None:
    text = MINIMAL.replace(
        '[policy]\nname = "p"',
        '[policy]\nname = "p"\ncalendar = "office"\n\n[calendars.office]\ntz = "Europe/Berlin"\n'
        'hours = { mon-fri = ["09:00-17:00"] }\nholidays = ["2026-03-03"]\n'
        'exceptions = { "2026-03-04" = ["09:00-12:00"] }',
    ).replace('time_at_level = "2h"', 'time_at_level = "4h business"')
    policy = loads(text)
    cal = policy.calendars["office"]
    assert cal.tz == "Europe/Berlin" and len(cal.holidays) == 1 and len(cal.exceptions) == 1
    assert loads(dump(policy)) == policy
    bad = text.replace('tz = "Europe/Berlin"', 'tz = "Europe/Berln"')
    with pytest.raises(PolicySyntaxError, match="did you mean 'Europe/Berlin'") as info:
        loads(bad)
    assert info.value.line == 6


# ------------------------------------------------------------------ untrusted input


def test_a_deeply_nested_condition_is_refused_cleanly() -> None:
    deep = "(" * 10_000 + 'priority == "P1"' + ")" * 10_000
    text = MINIMAL.replace("when = 'category == \"billing\"'", f"when = '{deep}'")
    with pytest.raises(PolicySyntaxError, match=r"nest|long"):
        loads(text)


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    text = MINIMAL + "# " + "x" * MAX_BYTES + "\n"
    with pytest.raises(PolicySyntaxError, match="over the limit"):
        loads(text)
    path = tmp_path / "big.toml"
    path.write_text(text)
    with pytest.raises(PolicySyntaxError, match="over the limit"):
        load(path)


def test_deeply_nested_toml_and_groups_are_refused() -> None:
    with pytest.raises(PolicySyntaxError):
        loads("x = " + "[" * 50_000)
    group = {"name": "g", "type": "first_match", "rules": []}
    node = group
    for i in range(12):
        inner = {"name": f"g{i}", "type": "first_match", "rules": []}
        node["rules"] = [inner]  # type: ignore[list-item]
        node = inner
    data = to_dict(loads(MINIMAL))
    data["rules"].append(group)
    with pytest.raises(PolicyError, match="nest deeper than 8"):
        from_dict(data)


def test_a_missing_or_unreadable_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load(tmp_path / "nope.toml")
    (tmp_path / "latin1.toml").write_bytes(b'name = "\xe9"\n')
    with pytest.raises(PolicySyntaxError, match="not UTF-8"):
        load(tmp_path / "latin1.toml")


def test_a_policy_without_a_text_form_says_so() -> None:
    from escalation_rules import predicate

    policy = Policy(
        [Level("L1", "One", rank=1, owner="a")],
        [route("r", when=predicate("vip", lambda issue: True), to="t")],
    )
    with pytest.raises(PolicyError, match="predicate"):
        dump(policy)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_loads_or_raises_a_policy_error(text: str) -> None:
    try:
        policy = loads(text)
    except PolicyError as exc:
        assert str(exc)  # a message, whatever the input
    else:
        assert isinstance(policy, Policy)


def _mutations() -> st.SearchStrategy[str]:
    lines = MINIMAL.splitlines()
    return st.tuples(
        st.integers(0, len(lines) - 1), st.integers(0, 40), st.text(max_size=6), st.booleans()
    ).map(
        lambda t: "\n".join(
            line if i != t[0] else (line[: t[1]] + t[2] + line[t[1] + (1 if t[3] else 0) :])
            for i, line in enumerate(lines)
        )
    )


@settings(max_examples=300, deadline=None)
@given(_mutations())
def test_a_mutated_policy_loads_or_raises_a_located_error(text: str) -> None:
    try:
        policy = loads(text, source="p.toml")
    except PolicySyntaxError as exc:
        assert exc.source == "p.toml" and exc.line >= 1 and exc.column >= 1
    else:
        assert loads(dump(policy)) == policy


def test_to_dict_of_a_python_policy_with_notify_targets() -> None:
    policy = Policy(
        [Level("L1", "One", rank=1, owner="a", targets={"first_response": hours(1)})],
        [notify("n", at=sla("first_response", 0.5), to="lead")],
    )
    data = to_dict(policy)
    assert data["rules"] == [
        {
            "name": "n",
            "type": "notify",
            "to": "lead",
            "at": {"sla": "first_response", "share": "50%"},
        }
    ]
    # no calendar can apply, so the target counts elapsed time and is written so
    assert data["levels"][0]["targets"] == {"first_response": "1h"}


def test_the_documented_format_example_loads_and_round_trips() -> None:
    doc = (ROOT / "docs" / "policy-files.md").read_text()
    text = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    policy = loads(text, source="docs/policy-files.md")
    assert [r.name for r in policy.rules] == ["billing", "manager", "stale", "warning", "desk"]
    assert policy.calendars["office"].holidays  # from the list and the holidays package
    assert loads(dump(policy)) == policy
    issue_json = doc.split("```json\n", 1)[1].split("```", 1)[0]
    from escalation_rules._io.issuejson import issue_from_dict

    issue = issue_from_dict(json.loads(issue_json))
    assert issue.status == "pending" and issue.customer.tier == "enterprise"


def test_an_sla_offset_is_written_without_business() -> None:
    text = _replace(
        'at = { sla = "time_at_level" }', 'at = { sla = "time_at_level", before = "30m business" }'
    )
    with pytest.raises(PolicySyntaxError, match="the SLA clock's own time") as info:
        loads(text)
    line = text.splitlines()[info.value.line - 1]
    assert line[info.value.column - 1 :].startswith('"30m business"')


# ------------------------------------------------------- hostile shapes (issue 12, items 1-2)

_ONE_LEVEL = '[[levels]]\nid = "L1"\nname = "One"\nrank = 1\nowner = "a"\n'


def test_a_policy_that_loads_is_not_scanned_for_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    # The line/column index is built only when an error needs a position.
    from escalation_rules._io import locator

    def refuse(self: object, places: object) -> None:
        raise AssertionError("scanned")

    monkeypatch.setattr(locator.Locator, "_scan", refuse)
    policy = loads('policy = { name = "' + "a" * 20_000 + '" }\n' + _ONE_LEVEL)
    assert policy.name == "a" * 20_000
    assert loads(MINIMAL).rules[0].name == "billing"  # nor is one with conditions


def test_an_inline_table_key_is_not_taken_from_inside_a_string() -> None:
    text = 'policy = { match = "frist", name = "x, match = 1" }\n' + _ONE_LEVEL
    with pytest.raises(PolicySyntaxError) as info:
        loads(text)
    assert (info.value.line, info.value.column) == (1, 20)


@pytest.mark.parametrize(
    "shape",
    ["a." * 40 + "a = 1\n", "[" + "a." * 40 + "a]\n", "[[" + "a." * 40 + "a]]\n"],
    ids=["dotted key", "table header", "array header"],
)
def test_a_key_of_too_many_parts_is_refused_before_the_toml_parser(shape: str) -> None:
    with pytest.raises(PolicySyntaxError) as info:
        loads(shape + _ONE_LEVEL)
    assert info.value.message == (
        "a key of 41 dotted parts; keys and table headers may have at most 32"
    )
    assert (info.value.line, info.value.column) == (1, 1)


def test_dots_inside_quoted_keys_and_multiline_strings_do_not_count() -> None:
    quoted = 'clocks."' + "a." * 40 + 'a" = 1\n'
    multiline = 'note = """\n' + "a." * 40 + 'a = 1\n"""\n'
    for text in (quoted, multiline):
        with pytest.raises(PolicySyntaxError) as info:
            loads(text + _ONE_LEVEL)
        assert "dotted parts" not in info.value.message  # the mistake is elsewhere


def test_overlapping_breaks_are_located_at_their_date() -> None:
    text = """
[calendars.c]
tz = "UTC"
hours = { mon-fri = ["09:00-17:00"] }
breaks = { 2026-03-02 = ["12:00-13:00", "12:30-14:00"] }

[[levels]]
id = "L1"
name = "One"
rank = 1
owner = "o"
"""
    with pytest.raises(PolicySyntaxError) as caught:
        loads(text)
    assert (caught.value.line, "overlap" in str(caught.value)) == (5, True)


def test_an_explicit_version_round_trips_and_a_derived_one_is_never_written() -> None:
    named = loads(MINIMAL.replace('name = "p"\n', 'name = "p"\nversion = "2026-11-a"\n'))
    assert named.version == "2026-11-a" and 'version = "2026-11-a"' in dump(named)
    assert loads(dump(named)) == named and from_dict(to_dict(named)) == named
    jsonschema.validate(to_dict(named), SCHEMA)
    derived = loads(MINIMAL)
    assert derived.version.startswith("p@") and "version" not in dump(derived)
    assert "version" not in to_dict(derived)["policy"]
    # Editing the file changes a derived version, never an explicit one.
    edited = MINIMAL.replace('owner = "b"', 'owner = "c"')
    assert loads(edited).version != derived.version
    assert loads(edited.replace('name = "p"\n', 'name = "p"\nversion = "2026-11-a"\n')).version == (
        "2026-11-a"
    )


def test_a_blank_version_in_a_file_is_refused_where_it_is() -> None:
    with pytest.raises(PolicySyntaxError, match="version") as caught:
        loads(MINIMAL.replace('name = "p"\n', 'name = "p"\nversion = "  "\n'))
    assert caught.value.line == 3
