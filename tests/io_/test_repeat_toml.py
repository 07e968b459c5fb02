"""Notifications that repeat in policy text: ``type = "notify"`` with ``every``, ``while``,
``since``, ``first``, ``calendar`` and ``limit``: the format, round trips, the schema, and
errors placed at their line and column."""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
import pytest

from escalation_rules import (
    Anchor,
    BusinessCalendar,
    BusinessClock,
    F,
    Level,
    Policy,
    PolicyError,
    PolicySyntaxError,
    acknowledged,
    after,
    hours,
    is_open,
    minutes,
    notify,
    since,
)
from escalation_rules._io.reader import from_dict, loads
from escalation_rules._io.schema import policy_json_schema
from escalation_rules._io.writer import dump, to_dict

SCHEMA = policy_json_schema()
SUPPORT = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})

TEXT = """\
[calendars.support]
tz = "Europe/Berlin"
hours = { mon-fri = ["09:00-17:00"] }

[[levels]]
id = "L1"
name = "Frontline"
rank = 1
owner = "frontline"

[[rules]]
name = "inform"
type = "notify"
to = "customer"
every = "4h business"
calendar = "support"
while = 'status == "open"'

[[rules]]
name = "remind"
type = "notify"
every = "1h"
first = "15m"
while = "not acknowledged()"
since = "level_entered"
limit = 10

[[rules]]
name = "once"
type = "notify"
at = { after = "2h" }
"""


def expected() -> Policy:
    return Policy(
        [Level("L1", "Frontline", rank=1, owner="frontline")],
        [
            notify(
                "inform",
                every=hours(4),
                to="customer",
                calendar="support",
                while_=F.status == "open",
            ),
            notify(
                "remind",
                every=hours(1),
                first=minutes(15),
                while_=~acknowledged(),
                since=Anchor.LEVEL_ENTERED,
                limit=10,
            ),
            notify("once", at=after(hours(2))),
        ],
        calendars={"support": SUPPORT},
    )


def test_the_keys_read_to_the_rule_python_builds() -> None:
    assert loads(TEXT) == expected()


def test_a_policy_round_trips_through_text_dict_and_the_schema() -> None:
    policy = expected()
    assert loads(dump(policy)) == policy
    data = to_dict(policy)
    jsonschema.validate(json.loads(json.dumps(data)), SCHEMA)
    assert from_dict(data) == policy
    inform, remind, once = data["rules"]
    assert inform == {
        "name": "inform",
        "type": "notify",
        "to": "customer",
        "every": "4h business",
        "while": 'status == "open"',
        "calendar": "support",
    }
    assert remind == {
        "name": "remind",
        "type": "notify",
        "every": "1h",
        "first": "15m",
        "while": "not acknowledged()",
        "limit": 10,
    }
    assert "every" not in once and once["at"] == {"after": "2h", "since": "level_entered"}


def test_on_a_business_policy_clock_durations_and_since_say_business() -> None:
    policy = Policy(
        [Level("L1", "Frontline", rank=1, owner="frontline")],
        [
            notify(
                "chase",
                every=hours(2),
                since="last_customer_message",
                first=timedelta(0),
                when=is_open(),
                while_=since("last_agent_reply") > hours(1),
            )
        ],
        clock=BusinessClock(SUPPORT),
        calendars={"support": SUPPORT},
    )
    data = to_dict(policy)
    rule = data["rules"][0]
    assert rule["every"] == "2h business" and rule["first"] == "0s business"
    assert rule["since"] == "last_customer_message"
    assert rule["while"] == "since('last_agent_reply') > 1h business"
    assert rule["when"] == "is_open()"
    jsonschema.validate(json.loads(json.dumps(data)), SCHEMA)
    assert loads(dump(policy)) == policy


def test_the_schema_refuses_what_the_reader_refuses() -> None:
    data = to_dict(expected())
    both = json.loads(json.dumps(data))
    both["rules"][1]["at"] = {"after": "1h"}
    no_every = json.loads(json.dumps(data))
    del no_every["rules"][1]["every"]
    for bad in (both, no_every):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SCHEMA)
        with pytest.raises(PolicyError):
            from_dict(bad)


def _replace(old: str, new: str) -> str:
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


BAD = [
    # (text, line, column, message fragment)
    (_replace('every = "1h"\n', 'every = "0h"\n'), 22, 9,
     "'every' must be a positive duration, got '0h'"),
    (_replace('every = "1h"\n', 'every = "1h"\nat = { after = "1h" }\n'), 23, 6,
     "takes 'at' or 'every', not both"),
    (_replace('every = "4h business"', 'every = "4h"'), 15, 9,
     "count on the calendar 'support', business time, so write '4h' as '4h business'"),
    (_replace('first = "15m"', 'first = "15m business"'), 23, 9,
     "'15m business' says business time"),
    (_replace("limit = 10", "limit = 0"), 26, 9, "'limit' must be a whole number from 1 to 10,000"),
    (_replace("limit = 10", 'limit = "ten"'), 26, 9, "expected an integer"),
    (_replace('since = "level_entered"', 'since = "level_enterd"'), 25, 9,
     "did you mean 'level_entered'"),
    (_replace('calendar = "support"', 'calendar = "suport"'), 16, 12, "did you mean 'support'"),
    (_replace("while = \"not acknowledged()\"", "while = \"not acknowleged()\""), 24, 14,
     "did you mean 'acknowledged'"),
    (_replace('first = "15m"', 'frist = "15m"'), 23, 9, "did you mean 'first'"),
    (_replace('at = { after = "2h" }', 'while = "true"\nat = { after = "2h" }'), 31, 9,
     "'while' belongs to a notify rule that repeats; give 'every' too"),
    (_replace('at = { after = "2h" }\n', ""), 28, 3, "needs 'at' (after or sla) or 'every'"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "column", "fragment"), BAD)
def test_a_bad_repetition_is_reported_at_its_place(
    text: str, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(PolicySyntaxError) as info:
        loads(text, source="repeat.toml")
    error = info.value
    assert fragment in str(error), str(error)
    assert (error.line, error.column) == (line, column), str(error)
    assert str(error).startswith(f"repeat.toml:{line}:{column}: ")


def test_a_dict_error_names_its_json_path() -> None:
    data = to_dict(expected())
    data["rules"][1]["every"] = "0h"
    with pytest.raises(PolicyError, match=r"rules\[1\]\.every") as info:
        from_dict(data)
    assert info.value.value == "0h"
