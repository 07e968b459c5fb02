"""On-call policies in the file: recipients, schedules, chain options, ``set_priority``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from escalation_rules import (
    OnCall,
    PolicyError,
    PolicySyntaxError,
    bundled_policy,
    dump,
    lint_text,
    loads,
    to_dict,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "oncall.md"

HEAD = """
[policy]
name = "svc"

[[levels]]
id = "L1"
name = "One"
rank = 1
owner = "desk"
ack_timeout = "15m"
"""


def _docs_toml() -> str:
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    return next(b for b in blocks if 'type = "chain"' in b)


def test_the_documented_policy_file_reads_lints_clean_and_round_trips() -> None:
    text = '[policy]\nname = "docs"\n\n[calendars.office]\ntz = "UTC"\n' + (
        'hours = { mon-fri = ["09:00-17:00"] }\n\n' + _docs_toml()
    )
    policy = loads(text)
    level = policy.levels[0]
    assert level.owners == (OnCall("primary"), "noc") and level.round_robin == "attributes.seq"
    chain = policy.rules[0]
    assert (chain.repeat, chain.backoff, dict(chain.then)) == (2, 2, {"set_status": "closed"})
    assert policy.schedules["primary"].overrides[0].member == "dave"
    assert loads(dump(policy)) == policy
    report = lint_text(text)
    assert not report.errors, report


def test_the_bundled_pagerduty_style_service_round_trips_and_lints_clean() -> None:
    policy = bundled_policy("oncall-chain")
    assert set(policy.schedules) == {"primary", "secondary"}
    assert policy.rules[0].retrigger_after is not None and policy.rules[0].repeat == 2
    assert loads(dump(policy)) == policy


@pytest.mark.parametrize(
    ("rule", "message", "line", "column"),
    [
        ('then = { close = "yes" }', "unknown key 'close'", 15, 18),
        ('then = { set_status = "closd" }', "then sets the status 'closd'", 15, 1),
        ('timeout_from = "begin"', "timeout_from must be one of", 15, 1),
        ("repeat = 21", "repeat must be an integer from 0 to 20", 15, 1),
        ("backoff = true", "expected a number", 15, 11),
    ],
)
def test_bad_chain_options_are_located(rule: str, message: str, line: int, column: int) -> None:
    text = HEAD + f'\n[[rules]]\nname = "page"\ntype = "chain"\n{rule}\n'
    with pytest.raises(PolicyError, match=re.escape(message)) as info:
        loads(text)
    assert info.value.line == line
    if column > 1:
        assert info.value.column == column


def test_an_unknown_schedule_is_located_at_the_owner_with_a_suggestion() -> None:
    text = """
[policy]
name = "svc"

[schedules.primary]
zone = "UTC"
[[schedules.primary.layers]]
name = "all"
members = ["ann"]
shift = "1d"
handoff = "2026-01-05T09:00"

[[levels]]
id = "L1"
name = "One"
rank = 1
owner = { schedule = "primery" }
"""
    with pytest.raises(PolicyError, match="did you mean 'primary'") as info:
        loads(text)
    assert info.value.line == 17


def test_a_bad_recipient_is_located() -> None:
    text = HEAD.replace('owner = "desk"', 'owner = ["desk", 3]')
    with pytest.raises(PolicySyntaxError, match="expected a name") as info:
        loads(text)
    assert (info.value.line, info.value.column) == (9, 9)


def test_set_priority_and_notify_to_a_list_read_and_write() -> None:
    text = (
        HEAD
        + """
[[rules]]
name = "wake"
type = "set_priority"
when = 'category == "outage"'
to = "P1"

[[rules]]
name = "tell"
type = "notify"
to = ["lead", "desk"]
at = { after = "1h" }
"""
    )
    policy = loads(text)
    assert policy.rules[1].to == ("lead", "desk")
    assert loads(dump(policy)) == policy
    assert 'type = "set_priority"' in dump(policy)


def test_one_recipient_in_a_list_is_that_recipient_and_round_trips() -> None:
    from escalation_rules import Level, Policy, after, hours, notify

    policy = Policy(
        [Level("L1", "One", rank=1, owner=["desk"])],
        [
            notify("a", at=after(hours(2)), to=["lead"]),
            notify("b", at=after(hours(1)), to=[OnCall("rota")]),
        ],
        schedules=loads(
            HEAD + '\n[schedules.rota]\nzone = "UTC"\n[[schedules.rota.layers]]\nname = "x"\n'
            'members = ["ann"]\nshift = "1d"\nhandoff = "2026-01-05T09:00"\n'
        ).schedules,
    )
    assert policy.levels[0].owner == "desk" and policy.rules[0].to == "lead"
    assert policy.rules[1].to == (OnCall("rota"),)
    assert loads(dump(policy)) == policy


def test_a_misspelt_round_robin_field_is_refused_at_its_place() -> None:
    text = HEAD.replace('owner = "desk"', 'owner = ["a", "b"]\nround_robin = "atributes.seq"')
    with pytest.raises(PolicyError, match=r"unknown field 'atributes\.seq'") as info:
        loads(text)
    assert info.value.line == 10


def test_the_schema_takes_what_the_writer_writes_and_cannot_be_changed_by_a_caller() -> None:
    import json

    import jsonschema

    from escalation_rules import Level, Policy, chain, hours, minutes, notify, policy_json_schema

    policy = Policy(
        [Level("L1", "One", rank=1, owner="desk", ack_timeout=minutes(5))],
        [
            notify("remind", every=hours(1), to=["noc", "lead"]),
            chain("page", repeat=2, wait=minutes(5), backoff=1.5),
        ],
    )
    assert loads(dump(policy)) == policy  # a float back-off is written and read back
    schema = policy_json_schema()
    jsonschema.validate(json.loads(json.dumps(to_dict(policy))), schema)
    schema["properties"]["schedules"]["type"] = "array"
    matrix_rule = next(
        r for r in schema["$defs"]["rule"]["oneOf"] if "matrix" in str(r["properties"]["type"])
    )
    matrix_rule["properties"].clear()
    fresh = policy_json_schema()
    assert fresh["properties"]["schedules"]["type"] == "object"
    assert all(r["properties"] for r in fresh["$defs"]["rule"]["oneOf"])


def test_a_recipient_listed_twice_is_named() -> None:
    with pytest.raises(PolicySyntaxError, match="lists the recipient 'desk' twice"):
        loads(HEAD.replace('owner = "desk"', 'owner = ["desk", "desk"]'))
