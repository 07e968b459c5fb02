"""SLA policies, policy-wide targets, calendar fields and the zone field in policy text:
the format, round trips, the schema, and errors placed at their line and column."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import (
    BusinessCalendar,
    F,
    Level,
    Policy,
    PolicyError,
    PolicySyntaxError,
    Target,
    by_priority,
    happened,
    hours,
    minutes,
    wall,
)
from escalation_rules._engine.sla_policies import SlaPolicy
from escalation_rules._io.reader import from_dict, loads
from escalation_rules._io.schema import policy_json_schema
from escalation_rules._io.writer import dump, to_dict

SCHEMA = policy_json_schema()

TEXT = """\
[policy]
name = "desk"
calendar = "office"
calendar_fields = ["customer.attributes.calendar", "team"]
zone_field = "customer.attributes.tz"

[calendars.office]
tz = "Europe/Berlin"
hours = { mon-fri = ["09:00-17:00"] }

[calendars.support]
tz = "UTC"
hours = { mon-sun = ["00:00-24:00"] }

[targets]
first_response = { P1 = "1h", "*" = "4h business" }

[[slas]]
name = "enterprise"
when = 'customer.tier == "enterprise"'
calendar = "support"

[slas.targets]
first_response = { P1 = "30m", "*" = "2h business" }
resolution = "24h business"

[[slas]]
name = "standard"
targets = { resolution = "72h business" }

[[levels]]
id = "L1"
name = "Frontline"
rank = 1
owner = "frontline"
"""


def expected() -> Policy:
    business = Target
    return Policy(
        [Level("L1", "Frontline", rank=1, owner="frontline")],
        [],
        name="desk",
        calendars={
            "office": BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]}),
            "support": BusinessCalendar("UTC", {"mon-sun": [("00:00", "24:00")]}),
        },
        calendar="office",
        calendar_fields=["customer.attributes.calendar", "team"],
        zone_field="customer.attributes.tz",
        targets={"first_response": by_priority(P1=wall(hours(1)), default=business(hours(4)))},
        slas=[
            SlaPolicy(
                "enterprise",
                when=F.customer.tier == "enterprise",
                calendar="support",
                targets={
                    "first_response": by_priority(P1=wall(minutes(30)), default=business(hours(2))),
                    "resolution": business(hours(24)),
                },
            ),
            SlaPolicy("standard", targets={"resolution": business(hours(72))}),
        ],
    )


def test_sla_policies_in_text_map_onto_the_python_objects() -> None:
    policy = loads(TEXT)
    assert policy == expected()
    assert loads(dump(policy)) == policy
    data = json.loads(json.dumps(to_dict(policy)))
    jsonschema.validate(data, SCHEMA)
    assert from_dict(data) == policy
    assert data["slas"][1] == {"name": "standard", "targets": {"resolution": "72h business"}}
    assert data["policy"]["calendar_fields"] == ["customer.attributes.calendar", "team"]


def test_the_written_text_has_the_documented_shape() -> None:
    text = dump(expected())
    assert '\n[targets]\nfirst_response = { P1 = "1h", "*" = "4h business" }\n' in text
    assert '\n[[slas]]\nname = "enterprise"\nwhen = \'customer.tier == "enterprise"\'\n' in text
    assert "\n[slas.targets]\n" in text
    assert 'zone_field = "customer.attributes.tz"' in text


def test_a_calendar_field_alone_still_reads_and_writes() -> None:
    text = TEXT.replace(
        'calendar_fields = ["customer.attributes.calendar", "team"]',
        'calendar_field = "team"',
    )
    policy = loads(text)
    assert (policy.calendar_field, policy.calendar_fields) == ("team", ())
    assert loads(dump(policy)) == policy


def test_a_business_target_in_an_sla_policy_needs_a_calendar_that_can_apply() -> None:
    bare = '[[levels]]\nid = "L1"\nname = "One"\nrank = 1\nowner = "a"\n'
    text = bare + '\n[[slas]]\nname = "x"\ntargets = { resolution = "8h business" }\n'
    with pytest.raises(PolicySyntaxError, match="the policy has no calendar") as info:
        loads(text)
    assert (info.value.line, info.value.column) == (9, 26)
    # the SLA policy's own calendar is one
    with_calendar = (
        '[calendars.c]\ntz = "UTC"\nhours = { mon-fri = ["09:00-17:00"] }\n\n'
        + text.replace('name = "x"\n', 'name = "x"\ncalendar = "c"\n')
    )
    assert loads(with_calendar).slas[0].targets["resolution"]["*"] == Target(hours(8))


def _replace(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


BAD = [
    # (text, line, column, message fragment)
    (_replace("resolution = \"24h business\"", "resolutoin = \"24h business\""), 25, 14,
     "did you mean 'resolution'"),
    (_replace('calendar = "support"\n', 'calendar = "suport"\n'), 21, 12,
     "did you mean 'support'"),
    (_replace('name = "standard"', 'name = "enterprise"'), 28, 8,
     "duplicate SLA policy name"),
    (_replace("when = 'customer.tier == \"enterprise\"'", "when = 'custmer.tier == \"x\"'"), 20, 9,
     "did you mean 'customer'"),
    (_replace("when = 'customer.tier == \"enterprise\"'",
              "when = 'since(\"created\") > 2h'"), 20, 8, "reads the time"),
    (_replace('name = "enterprise"', 'name = "enterprise"\nwhn = "x"'), 20, 7,
     "unknown key 'whn'"),
    (_replace('[[slas]]\nname = "enterprise"\n', '[[slas]]\n'), 18, 3,
     "missing the key 'name'"),
    (_replace("first_response = { P1 = \"1h\"", "first_respons = { P1 = \"1h\""), 16, 17,
     "did you mean 'first_response'"),
    (_replace('"team"]', '"teem"]'), 4, 19, "did you mean 'team'"),
    (_replace('zone_field = "customer.attributes.tz"', 'zone_field = "tz"'), 5, 14,
     "unknown field 'tz'"),
    (_replace('zone_field = "customer.attributes.tz"', 'calendar_field = "team"'), 5, 18,
     "not both"),
    (_replace('calendar_fields = ["customer.attributes.calendar", "team"]',
              'calendar_fields = "team"'), 4, 19, "expected a list"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "column", "fragment"), BAD)
def test_a_bad_sla_setup_is_reported_at_its_place(
    text: str, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(PolicySyntaxError) as info:
        loads(text, source="sla.toml")
    error = info.value
    assert fragment in str(error), str(error)
    assert (error.line, error.column) == (line, column), str(error)
    assert str(error).startswith(f"sla.toml:{line}:{column}: ")


def test_a_fallback_that_is_not_last_is_reported_at_the_sla_policy_after_it() -> None:
    text = TEXT.replace("[[slas]]\nname = \"enterprise\"\nwhen = 'customer.tier == \"enterprise\"'",
                        '[[slas]]\nname = "enterprise"')  # fmt: skip
    text = text.replace('name = "standard"', 'name = "standard"\nwhen = \'team == "x"\'')
    with pytest.raises(PolicySyntaxError, match="comes after 'enterprise'") as info:
        loads(text)
    assert info.value.line == text.splitlines().index('name = "standard"') + 1


def test_a_dict_error_names_its_json_path() -> None:
    data = to_dict(expected())
    data["slas"][1]["targets"] = {"resolutoin": "72h business"}
    with pytest.raises(PolicyError) as info:
        from_dict(data, source="row 3")
    assert info.value.where == "row 3, slas[1].targets.resolutoin"
    assert info.value.suggestion == "resolution"
    data = to_dict(expected())
    data["targets"] = {"first_responce": "1h"}
    with pytest.raises(PolicyError) as info:
        from_dict(data, source="row 3")
    assert info.value.where == "row 3, targets.first_responce"
    data = to_dict(expected())
    data["slas"] = {"name": "x"}
    with pytest.raises(PolicyError, match=r"expected a list of SLA policies"):
        from_dict(data, source="row 3")


# ------------------------------------------------------------------ round trips


conditions = st.sampled_from(
    [
        F.priority == "P1",
        F.customer.tier.isin(["gold", "platinum"]),
        (F.team == "vip") & ~(F.category == "spam"),
        F.tags.contains("sla:fast"),
        happened("manager_requested"),
    ]
)
durations = st.integers(min_value=1, max_value=72 * 60).map(minutes)
target_values = st.one_of(
    durations.map(Target),
    durations.map(wall),
    st.dictionaries(st.sampled_from(["P1", "P2", "*"]), durations.map(Target), min_size=1),
)
target_tables = st.dictionaries(
    st.sampled_from(["first_response", "resolution", "next_response"]), target_values, max_size=3
)


@st.composite
def sla_setups(draw: st.DrawFn) -> Policy:
    """A policy with random SLA policies, policy-wide targets and calendar fields; shrinks
    towards one SLA policy without targets."""
    count = draw(st.integers(1, 4))
    slas = [
        SlaPolicy(
            f"sla-{i}",
            when=draw(conditions),
            targets=draw(target_tables),
            calendar=draw(st.sampled_from([None, "office"])),
        )
        for i in range(count)
    ]
    if draw(st.booleans()):
        slas.append(SlaPolicy("rest", targets=draw(target_tables)))
    return Policy(
        [Level("L1", "One", rank=1, owner="a", calendar="office")],
        [],
        calendars={"office": BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})},
        targets=draw(target_tables),
        slas=slas,
        calendar_fields=draw(st.sampled_from([(), ("team",), ("attributes.cal", "team")])),
        zone_field=draw(st.sampled_from([None, "customer.attributes.tz"])),
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sla_setups())
def test_loading_what_was_dumped_gives_an_equal_policy(policy: Policy) -> None:
    assert loads(dump(policy)) == policy
    data = json.loads(json.dumps(to_dict(policy)))
    jsonschema.validate(data, SCHEMA)
    assert from_dict(data) == policy
