"""On-call schedules in policy text: the format, round trips, the schema fragment, and bad
values reported at their line and column with the value quoted."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

from escalation_rules import (
    Layer,
    Override,
    PolicyError,
    PolicySyntaxError,
    Restriction,
    Schedule,
    active_hours,
    on_call,
)
from escalation_rules._io.locator import Locator
from escalation_rules._io.schedule_file import (
    SCHEDULES_SCHEMA,
    SchedulesReader,
    instant_text,
    schedule_dict,
)
from escalation_rules._io.writer import _toml

from ..time_.test_oncall import schedules

BERLIN = ZoneInfo("Europe/Berlin")
SCHEMA = {"$schema": "https://json-schema.org/draft/2020-12/schema", **SCHEDULES_SCHEMA}

TEXT = """\
[schedules.primary]
zone = "Europe/Berlin"

[[schedules.primary.layers]]
name = "weekly"
members = ["alice", "bob", "carol"]
shift = "7d"
handoff = "2026-11-02T09:00"
start = "2026-11-01T00:00"
end = 2027-11-01T00:00:00+01:00

[[schedules.primary.layers]]
name = "business hours"
members = ["dave", "erin"]
shift = "12h"
handoff = 2026-11-02T09:00:00
restrictions = [
    { days = "mon-fri", from = "09:00", to = "17:00" },
    { from = 22:00:00, to = "06:00" },
    { days = "Fri", from = "18:00", for = "63h" },
]

[[schedules.primary.overrides]]
member = "frank"
start = "2026-12-24T18:00"
end = "2026-12-27T09:00Z"

[schedules.empty-nights]
zone = "UTC"

[[schedules.empty-nights.overrides]]
member = "gus"
start = "2026-12-31T22:00+00:00"
end = "2027-01-01T06:00+00:00"
"""


def expected() -> dict[str, Schedule]:
    weekly = Layer(
        "weekly",
        ("alice", "bob", "carol"),
        shift=timedelta(days=7),
        handoff=datetime(2026, 11, 2, 9, tzinfo=BERLIN),
        start=datetime(2026, 11, 1, tzinfo=BERLIN),
        end=datetime(2027, 11, 1, tzinfo=BERLIN),
    )
    hours = Layer(
        "business hours",
        ("dave", "erin"),
        shift=timedelta(hours=12),
        handoff=datetime(2026, 11, 2, 9, tzinfo=BERLIN),
        restrictions=(
            *active_hours("mon-fri", start="09:00", end="17:00"),
            *active_hours(start="22:00", end="06:00"),
            Restriction(time(18), timedelta(hours=63), 5),
        ),
    )
    christmas = Override(
        "frank", datetime(2026, 12, 24, 18, tzinfo=BERLIN), datetime(2026, 12, 27, 9, tzinfo=UTC)
    )
    new_year = Override(
        "gus", datetime(2026, 12, 31, 22, tzinfo=UTC), datetime(2027, 1, 1, 6, tzinfo=UTC)
    )
    return {
        "primary": Schedule("primary", "Europe/Berlin", [weekly, hours], overrides=[christmas]),
        "empty-nights": Schedule("empty-nights", "UTC", overrides=[new_year]),
    }


def read(text: str) -> dict[str, Schedule]:
    return SchedulesReader("oncall.toml", Locator(text, "oncall.toml")).schedules(
        tomllib.loads(text)["schedules"]
    )


def read_dict(data: object) -> dict[str, Schedule]:
    return SchedulesReader("db row 7", None).schedules(data)


def test_the_text_maps_onto_the_python_objects() -> None:
    assert read(TEXT) == expected()
    primary = read(TEXT)["primary"]
    assert on_call(primary, datetime(2026, 11, 6, 18, tzinfo=BERLIN)) == ("dave",)  # Friday window
    assert on_call(primary, datetime(2026, 12, 25, 12, tzinfo=BERLIN)) == ("frank",)


def test_the_dict_form_has_the_documented_shape() -> None:
    data = schedule_dict(expected()["primary"])
    assert data["zone"] == "Europe/Berlin"
    assert data["layers"][0] == {
        "name": "weekly",
        "members": ["alice", "bob", "carol"],
        "shift": "1w",
        "handoff": "2026-11-02T09:00",
        "start": "2026-11-01T00:00",
        "end": "2027-11-01T00:00",
    }
    assert data["layers"][1]["restrictions"] == [  # canonical: daily first, days gathered
        {"from": "22:00", "to": "06:00"},
        {"days": "mon-fri", "from": "09:00", "to": "17:00"},
        {"days": "fri", "from": "18:00", "for": "2d15h"},
    ]
    assert data["overrides"] == [
        {"member": "frank", "start": "2026-12-24T18:00", "end": "2026-12-27T10:00"}
    ]


def test_written_text_reads_back_as_equal_schedules() -> None:
    schedules_ = expected()
    data = {"schedules": {name: schedule_dict(s) for name, s in schedules_.items()}}
    jsonschema.validate(json.loads(json.dumps(data["schedules"])), SCHEMA)
    assert read_dict(data["schedules"]) == schedules_
    assert read(_toml(data)) == schedules_


def test_an_instant_that_local_time_cannot_name_is_written_with_its_offset() -> None:
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)  # the repeated hour, again
    assert instant_text(second, BERLIN) == "2026-10-25T02:30+01:00"
    first = second.astimezone(UTC) - timedelta(hours=1)  # an hour earlier, as instants
    assert instant_text(first, BERLIN) == "2026-10-25T02:30"
    odd = datetime(2026, 5, 1, 9, 0, 5, 250, tzinfo=UTC)
    assert instant_text(odd, BERLIN) == "2026-05-01T11:00:05.000250"


def test_what_a_file_cannot_hold_is_refused_when_built_and_the_rest_is_written() -> None:
    handoff = datetime(2026, 3, 2, 9, tzinfo=BERLIN)
    # A shift is written as a duration, whole seconds (PagerDuty's
    # rotation_turn_length_seconds): a fraction is refused by the model, not by the writer.
    with pytest.raises(PolicyError, match="shift must be a whole number of seconds") as info:
        Layer("l", ["a"], shift=timedelta(hours=1, microseconds=5), handoff=handoff)
    assert (info.value.where, info.value.value) == ("shift", timedelta(hours=1, microseconds=5))
    # So is a weekly window over a day long (written 'for' a duration)...
    long_window = timedelta(days=2, milliseconds=500)
    with pytest.raises(PolicyError, match="over a day must be a whole number of seconds") as info:
        Restriction(time(18), long_window, 5)
    assert (info.value.where, info.value.value) == ("duration", long_window)
    # ...while fractions the file does hold are kept: instants, and windows of up to a day
    # (written 'to' a local time).
    odd = Layer(
        "odd",
        ["a", "b"],
        shift=timedelta(hours=1, seconds=1),
        handoff=handoff + timedelta(microseconds=250),
        restrictions=[
            Restriction(time(9, 0, 0, 500_000), timedelta(hours=8, microseconds=3)),
            Restriction(time(18), timedelta(days=1), 5),
            Restriction(time(20, 0, 0, 1), timedelta(days=2), 6),
        ],
    )
    brief = Override("c", handoff, handoff + timedelta(microseconds=1))
    schedule = Schedule("s", "Europe/Berlin", [odd], overrides=[brief])
    data = {"s": schedule_dict(schedule)}
    jsonschema.validate(json.loads(json.dumps(data)), SCHEMA)
    assert read_dict(data) == {"s": schedule}
    assert read(_toml({"schedules": data})) == {"s": schedule}


def test_a_hand_off_at_the_second_occurrence_of_a_repeated_time_reads_back_the_same() -> None:
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)
    layer = Layer("d", ["a", "b"], shift=timedelta(days=1), handoff=second)
    schedule = Schedule("s", "Europe/Berlin", [layer])
    data = schedule_dict(schedule)
    assert data["layers"][0]["handoff"] == "2026-10-25T02:30+01:00"
    back = read_dict({"s": data})["s"]
    assert back == schedule
    before = datetime(2026, 10, 25, 1, 29, tzinfo=UTC)
    assert [on_call(back, before), on_call(back, before + timedelta(minutes=1))] == [
        ("b",),
        ("a",),
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules())
def test_any_schedule_reads_back_from_what_is_written(case: tuple[Schedule, datetime]) -> None:
    schedule, _ = case
    data = {"schedules": {"s": schedule_dict(schedule)}}
    jsonschema.validate(json.loads(json.dumps(data["schedules"])), SCHEMA)
    assert read_dict(data["schedules"]) == {"s": schedule}
    assert read(_toml(data)) == {"s": schedule}


def test_the_schema_fragment_is_a_valid_schema_that_refuses_bad_shapes() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    good = {
        "zone": "UTC",
        "overrides": [{"member": "a", "start": "2026-01-01T00:00", "end": "2026-01-02T00:00"}],
    }
    jsonschema.validate({"s": good}, SCHEMA)
    window = {"from": "09:00", "to": "17:00", "for": "8h"}  # both ends given
    layer = {"name": "l", "members": ["a"], "shift": "1d", "handoff": "2026-01-01T00:00"}
    for bad in (
        {"s": {"zone": "UTC", "layers": [{**layer, "restrictions": [window]}]}},
        {"s": {"zone": "UTC", "layers": [{**layer, "members": []}]}},
        {"s": {"zone": "UTC", "layers": [{**layer, "shift": "8h business"}]}},
        {"s": {"layers": [layer]}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SCHEMA)


# -- bad values, at their place --------------------------------------------------------------

HEAD = '[schedules.primary]\nzone = "UTC"\n\n'
LAYER = (
    HEAD
    + '[[schedules.primary.layers]]\nname = "l"\nmembers = ["a", "b"]\nshift = "7d"\n'
    + 'handoff = "2026-01-05T09:00"\n'
)
WINDOW = LAYER + "restrictions = [{ days = 'mon-fri', from = '09:00', to = '17:00' }]\n"
OVERRIDE = (
    HEAD
    + '[[schedules.primary.overrides]]\nmember = "a"\n'
    + 'start = "2026-01-05T09:00"\nend = "2026-01-06T09:00"\n'
)

BAD = [
    # (id, text, line, column, message, value)
    (
        "unknown zone",
        HEAD.replace('"UTC"', '"Europe/Berln"'),
        2,
        8,
        r"'Europe/Berln' is not a known time zone \(did you mean 'Europe/Berlin'\?\)",
        "Europe/Berln",
    ),
    (
        "a region",
        HEAD.replace('"UTC"', '"America"'),
        2,
        8,
        "is a region, not a time zone",
        "America",
    ),
    ("no zone", '[schedules.primary]\nname = "x"\n', 2, 8, r"unknown key 'name'", "name"),
    (
        "zone missing",
        '[schedules.primary]\n\n[[schedules.primary.layers]]\nname = "x"\n',
        1,
        2,
        "missing the key 'zone'",
        None,
    ),
    (
        "empty members",
        LAYER.replace('["a", "b"]', "[]"),
        6,
        11,
        "a layer needs at least one member to rotate, got none",
        [],
    ),
    (
        "a member not a name",
        LAYER.replace('["a", "b"]', '["a", 3]'),
        6,
        11,
        "members\\[1\\]: expected a non-empty string, got an integer 3",
        3,
    ),
    (
        "misspelt key",
        LAYER.replace("members =", "member ="),
        6,
        10,
        r"unknown key 'member'.*\(did you mean 'members'\?\)",
        "member",
    ),
    (
        "end before start",
        LAYER + 'start = "2026-02-01T00:00"\nend = "2026-01-01T00:00"\n',
        10,
        7,
        "layer 'l' ends at Thu 1 Jan 2026 00:00 UTC, not after its start",
        datetime(2026, 1, 1, tzinfo=UTC),
    ),
    (
        "no shift",
        LAYER.replace('"7d"', '"0s"'),
        7,
        9,
        "expected a positive wall-clock duration such as '7d', got '0s'",
        "0s",
    ),
    (
        "business shift",
        LAYER.replace('"7d"', '"8h business"'),
        7,
        9,
        "positive wall-clock duration",
        "8h business",
    ),
    (
        "shift in words",
        LAYER.replace('"7d"', '"7 days"'),
        7,
        9,
        "invalid duration '7 days'",
        "7 days",
    ),
    (
        "handoff in words",
        LAYER.replace('"2026-01-05T09:00"', '"next monday"'),
        8,
        11,
        "expected a date and time like '2026-11-02T09:00'.*got a string 'next monday'",
        "next monday",
    ),
    (
        "unknown day",
        WINDOW.replace("mon-fri", "mon-fry"),
        9,
        16,
        r"restrictions\[0\]\.days: 'fry' is not a weekday \(did you mean 'fri'\?\)",
        "mon-fry",
    ),
    (
        "bad time",
        WINDOW.replace("'09:00'", "'25:00'"),
        9,
        16,
        "restrictions\\[0\\]\\.from: expected a local time of day like '09:00', got '25:00'",
        "25:00",
    ),
    (
        "to and for",
        WINDOW.replace("to = '17:00'", "to = '17:00', for = '8h'"),
        9,
        16,
        "takes 'to' \\(a local time\\) or 'for' \\(a duration\\), one of the two",
        {"days": "mon-fri", "from": "09:00", "to": "17:00", "for": "8h"},
    ),
    (
        "a daily window over a day",
        WINDOW.replace("days = 'mon-fri', ", "").replace("to = '17:00'", "for = '25h'"),
        9,
        16,
        "restrictions\\[0\\]\\.for: .*at most a day for a daily window",
        timedelta(hours=25),
    ),
    (
        "override backwards",
        OVERRIDE.replace("2026-01-06", "2026-01-04"),
        7,
        7,
        "the override for 'a' ends at Sun 4 Jan 2026 09:00 UTC, not after its start",
        datetime(2026, 1, 4, 9, tzinfo=UTC),
    ),
    ("nothing in it", HEAD, 1, 2, "schedule 'primary' has no layer and no override", ()),
    (
        "layers not a list",
        HEAD + "layers = 3\n",
        4,
        10,
        "expected a list of tables, got an integer 3",
        3,
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "line", "column", "message", "value"), BAD, ids=[row[0] for row in BAD]
)
def test_a_bad_value_is_reported_at_its_line_and_column(
    case: str, text: str, line: int, column: int, message: str, value: object
) -> None:
    with pytest.raises(PolicySyntaxError, match=message) as info:
        read(text)
    error = info.value
    assert (error.source, error.line, error.column) == ("oncall.toml", line, column)
    assert error.value == value
    assert str(error).startswith(f"oncall.toml:{line}:{column}: schedules.primary")
    assert "^" in str(error).splitlines()[-1]  # the caret under the place


def test_a_bad_value_in_the_dict_form_names_its_json_path() -> None:
    data = {"primary": {"zone": "Europe/Berln", "overrides": []}}
    with pytest.raises(PolicyError) as info:
        read_dict(data)
    assert not isinstance(info.value, PolicySyntaxError)
    assert info.value.where == "db row 7, schedules.primary.zone"
    assert info.value.suggestion == "Europe/Berlin"
    with pytest.raises(PolicyError, match="expected a table, got a list") as info:
        read_dict([])
    assert info.value.where == "db row 7, schedules"
