"""Parameters in policy files: ``[parameters]``, ``"$name"`` references, ``enabled``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation_rules import (
    PolicyError,
    PolicySyntaxError,
    dump,
    from_dict,
    hours,
    lint_text,
    load,
    loads,
    minutes,
    policy_json_schema,
    policy_parameters,
    to_dict,
)
from escalation_rules._io.parameters import MAX_PARAMETERS

TEXT = """\
[parameters]
l1_limit = "2h"
p1_limit = "30m"
warn_at = "75%"
delay = "4h"
major_to_l2 = true
owner = "desk"

[[levels]]
id = "L1"
name = "Desk"
rank = 1
owner = "$owner"
targets = { time_at_level = "$l1_limit", resolution = { P1 = "$p1_limit", "*" = "8h" } }

[[levels]]
id = "L2"
name = "Second"
rank = 2
owner = "second"

[[rules]]
name = "warn"
type = "notify"
at = { sla = "time_at_level", share = "$warn_at" }

[[rules]]
name = "stale"
type = "escalate"
at = { after = "$delay", since = "created" }

[[rules]]
name = "major"
type = "escalate"
enabled = "$major_to_l2"
when = 'category == "major"'
to = "L2"
"""

WRITTEN_IN = """\
[[levels]]
id = "L1"
name = "Desk"
rank = 1
owner = "desk"
targets = { time_at_level = "2h", resolution = { P1 = "30m", "*" = "8h" } }

[[levels]]
id = "L2"
name = "Second"
rank = 2
owner = "second"

[[rules]]
name = "warn"
type = "notify"
at = { sla = "time_at_level", share = "75%" }

[[rules]]
name = "stale"
type = "escalate"
at = { after = "4h", since = "created" }

[[rules]]
name = "major"
type = "escalate"
when = 'category == "major"'
to = "L2"
"""


def _error(text: str, **parameters: Any) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        loads(text, parameters=parameters or None)
    return caught.value


def test_references_stand_for_the_parameters_values() -> None:
    policy = loads(TEXT)
    assert policy == loads(WRITTEN_IN)
    first = policy.levels[0]
    assert first.targets["time_at_level"]["*"].duration == hours(2)
    assert first.targets["resolution"]["P1"].duration == minutes(30)
    assert first.owner == "desk"
    assert [rule.name for rule in policy.rules] == ["warn", "stale", "major"]


def test_overrides_replace_the_files_values() -> None:
    policy = loads(
        TEXT, parameters={"l1_limit": "4h", "p1_limit": "1h", "warn_at": "50%", "delay": "1d"}
    )
    expected = (
        WRITTEN_IN.replace('"2h"', '"4h"')
        .replace('"30m"', '"1h"')
        .replace('"75%"', '"50%"')
        .replace('"4h", since', '"1d", since')
    )
    assert policy == loads(expected)
    assert loads(TEXT, parameters={}) == loads(TEXT)


def test_enabled_switches_a_rule_off() -> None:
    off = loads(TEXT, parameters={"major_to_l2": False})
    assert [rule.name for rule in off.rules] == ["warn", "stale"]
    assert loads(TEXT.replace('"$major_to_l2"', "false")) == off
    group = """\
[parameters]
german = false

[[levels]]
id = "L1"
name = "Desk"
rank = 1
owner = "desk"

[[rules]]
name = "desks"
type = "first_match"

[[rules.rules]]
name = "german"
type = "route"
enabled = "$german"
when = 'language == "de"'
to = "dach-desk"

[[rules.rules]]
name = "default"
type = "route"
when = "true"
to = "desk"
"""
    assert [r.name for r in loads(group).rules[0].rules] == ["default"]  # type: ignore[attr-defined]
    on = loads(group, parameters={"german": True}).rules[0]
    assert [r.name for r in on.rules] == ["german", "default"]  # type: ignore[attr-defined]


def test_dollar_dollar_is_a_literal_dollar() -> None:
    policy = loads(TEXT.replace('owner = "$owner"', 'owner = "$$owner"'))
    assert policy.levels[0].owner == "$owner"
    assert loads(TEXT.replace('owner = "$owner"', 'owner = "$$$x"')).levels[0].owner == "$$x"


def test_policy_parameters_lists_the_defaults(tmp_path: Path) -> None:
    expected = {
        "l1_limit": "2h",
        "p1_limit": "30m",
        "warn_at": "75%",
        "delay": "4h",
        "major_to_l2": True,
        "owner": "desk",
    }
    assert policy_parameters(TEXT) == expected
    path = tmp_path / "p.toml"
    path.write_text(TEXT)
    assert policy_parameters(path) == expected
    assert policy_parameters(str(path)) == expected
    assert policy_parameters(WRITTEN_IN) == {}
    assert load(path, parameters={"l1_limit": "3h"}) == loads(TEXT, parameters={"l1_limit": "3h"})


def test_from_dict_takes_parameters() -> None:
    data = {
        "parameters": {"limit": "2h"},
        "levels": [
            {"id": "L1", "name": "Desk", "rank": 1, "owner": "desk"},
            {"id": "L2", "name": "Two", "rank": 2, "owner": "two"},
        ],
        "rules": [{"name": "up", "type": "escalate", "at": {"after": "$limit"}}],
    }
    assert from_dict(data) == from_dict(data, parameters={"limit": "2h"})
    assert from_dict(data) != from_dict(data, parameters={"limit": "3h"})
    with pytest.raises(PolicyError, match=r"rules\[0\]\.at\.after") as caught:
        from_dict({**data, "rules": [{"name": "up", "type": "escalate", "at": {"after": "$lim"}}]})
    assert caught.value.suggestion == "$limit"


def test_a_round_trip_writes_the_values() -> None:
    policy = loads(TEXT)
    text = dump(policy)
    assert "$" not in text and "[parameters]" not in text
    assert loads(text) == policy
    assert from_dict(to_dict(policy)) == policy


def test_an_unknown_reference_is_placed_with_a_suggestion() -> None:
    error = _error(TEXT.replace('share = "$warn_at"', 'share = "$warn_ta"'))
    assert isinstance(error, PolicySyntaxError)
    assert (error.line, error.column) == (TEXT.count("\n", 0, TEXT.index("$warn_at")) + 1, 39)
    assert "unknown parameter '$warn_ta'" in str(error)
    assert error.suggestion == "$warn_at"


def test_a_bad_value_is_placed_at_its_reference(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(TEXT)
    with pytest.raises(PolicySyntaxError) as caught:
        load(path, parameters={"l1_limit": "2x"})
    error = caught.value
    assert str(path) in str(error)
    line = TEXT.split("\n")[error.line - 1]
    assert '"$l1_limit"' in line and error.column == line.index('"$l1_limit"') + 1
    assert "unknown unit 'x'" in str(error)
    assert "(the value of the parameter 'l1_limit')" in str(error)
    enabled = _error(TEXT, major_to_l2="yes")
    assert "rules[2].enabled: expected true or false" in str(enabled)


@pytest.mark.parametrize(
    ("parameters", "pattern", "suggestion"),
    [
        ({"l1_limt": "1h"}, "no parameter 'l1_limt'", "l1_limit"),
        ({"nothing_like_it": "1h"}, "no parameter", None),
        ({"l1_limit": ["1h"]}, "a string, a number or a boolean", None),
    ],
)
def test_bad_overrides_are_refused(
    parameters: dict[str, Any], pattern: str, suggestion: str | None
) -> None:
    error = _error(TEXT, **parameters)
    assert pattern in str(error)
    assert error.suggestion == suggestion


@pytest.mark.parametrize(
    ("table", "pattern"),
    [
        ('"1x" = "2h"', "is not a name"),
        (f"{'a' * 65} = 1", "is not a name"),
        ("x = [1]", "a string, a number or a boolean, got"),
        ("x = { y = 1 }", "a string, a number or a boolean, got"),
        ("\n".join(f"p{i} = {i}" for i in range(MAX_PARAMETERS + 1)), "at most 100"),
    ],
)
def test_bad_parameter_tables_are_refused(table: str, pattern: str) -> None:
    text = f"[parameters]\n{table}\n\n" + WRITTEN_IN
    with pytest.raises(PolicySyntaxError, match=pattern) as caught:
        loads(text)
    assert caught.value.line is not None and caught.value.line <= MAX_PARAMETERS + 2


def test_a_file_without_parameters_is_read_as_it_is() -> None:
    # what dump writes (never a [parameters] table) reads back the same, '$' and all
    text = WRITTEN_IN.replace('owner = "desk"', 'owner = "$desk"').replace("second", "$$")
    policy = loads(text)
    assert policy.levels[0].owner == "$desk" and policy.levels[1].owner == "$$"
    assert loads(dump(policy)) == policy
    assert "no [parameters]" in str(_error(WRITTEN_IN, limit="1h"))
    error = _error("[parameters]\n\n" + WRITTEN_IN.replace('"2h"', '"$limit"'))
    assert "unknown parameter '$limit'; [parameters] is empty" in str(error)


def test_strings_that_are_not_references_are_left_alone() -> None:
    text = WRITTEN_IN.replace('owner = "desk"', 'owner = "$ desk"')
    assert loads(text).levels[0].owner == "$ desk"


def test_the_schema_allows_parameters_and_enabled() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = policy_json_schema()
    data = to_dict(loads(TEXT))
    data["parameters"] = {"major": True, "limit": "2h", "share": 0.5}
    data["rules"][0]["enabled"] = "$major"
    data["rules"][1]["enabled"] = False
    jsonschema.validate(data, schema)
    data["parameters"] = {"1bad": 1}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


LIMITS = st.sampled_from(["1h", "2h", "90m", "1d"])
SHARES = st.sampled_from(["50%", "75%", "90%"])


@given(
    l1_limit=LIMITS,
    p1_limit=LIMITS,
    warn_at=SHARES,
    delay=LIMITS,
    major=st.booleans(),
    owner=st.sampled_from(["desk", "front", "cash"]),
)
def test_overrides_equal_the_values_written_in(
    l1_limit: str, p1_limit: str, warn_at: str, delay: str, major: bool, owner: str
) -> None:
    values = {
        "l1_limit": l1_limit,
        "p1_limit": p1_limit,
        "warn_at": warn_at,
        "delay": delay,
        "major_to_l2": major,
        "owner": owner,
    }
    written = TEXT.split("\n\n", 1)[1]
    for name, value in values.items():
        shown = ("true" if value else "false") if isinstance(value, bool) else f'"{value}"'
        written = written.replace(f'"${name}"', shown)
    assert loads(TEXT, parameters=values) == loads(written)


def test_lint_warns_of_a_parameter_never_used() -> None:
    text = TEXT.replace("[parameters]\n", "[parameters]\nspare = 1\n")
    (finding,) = [f for f in lint_text(text).findings if f.code == "ER115"]
    assert finding.severity == "warning"
    assert "'spare' is never used" in finding.message
    assert (finding.line, finding.column) == (2, 9)
    assert not [f for f in lint_text(TEXT).findings if f.code == "ER115"]
    # used only by a disabled rule is still used
    off = TEXT.replace("[parameters]\n", '[parameters]\nmajor_to = "L2"\n').replace(
        'enabled = "$major_to_l2"\nwhen = \'category == "major"\'\nto = "L2"',
        'enabled = false\nwhen = \'category == "major"\'\nto = "$major_to"',
    )
    assert 'to = "$major_to"' in off
    findings = str(lint_text(off).findings)
    assert "major_to'" not in findings and "major_to_l2" in findings  # (that one is unused)


def test_a_disabled_rule_is_checked_as_written() -> None:
    # A sweep may turn it on: its mistakes show now, with the rule left out of the policy.
    off = TEXT.replace('enabled = "$major_to_l2"', 'enabled = false\ntype_ = "escalte"')
    with pytest.raises(PolicyError, match=r"rules\[2\]"):
        loads(off)
    assert [r.name for r in loads(TEXT, parameters={"major_to_l2": False}).rules] == [
        "warn",
        "stale",
    ]
