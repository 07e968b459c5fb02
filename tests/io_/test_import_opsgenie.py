"""Importing Opsgenie escalations and schedules (REST API v2 JSON)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escalation_rules import (
    EscalationChain,
    Event,
    Issue,
    OnCall,
    PolicyError,
    dump,
    forecast,
    lint,
    loads,
    on_call,
)
from escalation_rules.importers import Imported, import_opsgenie

# -- documents in the shapes of GET /v2/escalations/{id} and /v2/schedules/{id} --------------

ESCALATION: dict[str, Any] = {
    "data": {
        "id": "9a3b-esc",
        "name": "Platform_Escalation",
        "description": "Pages the platform on-call, then Alice, then the SRE team",
        "ownerTeam": {"id": "t-01", "name": "platform"},
        "rules": [
            {
                "condition": "if-not-acked",
                "notifyType": "default",
                "delay": {"timeAmount": 0, "timeUnit": "minutes"},
                "recipient": {"type": "schedule", "id": "s-01", "name": "Platform_Schedule"},
            },
            {
                "condition": "if-not-acked",
                "notifyType": "default",
                "delay": {"timeAmount": 5},
                "recipient": {"type": "user", "id": "u-09", "username": "alice@example.com"},
            },
            {
                "condition": "if-not-closed",
                "notifyType": "default",
                "delay": {"timeAmount": 15, "timeUnit": "minutes"},
                "recipient": {"type": "team", "id": "t-02", "name": "SRE"},
            },
        ],
        "repeat": {
            "waitInterval": 10,
            "count": 2,
            "resetRecipientStates": True,
            "closeAlertAfterAll": True,
        },
    },
    "took": 0.01,
    "requestId": "req-1",
}

WEEKDAYS_9_TO_17 = [
    {
        "startDay": day,
        "startHour": 9,
        "startMin": 0,
        "endDay": day,
        "endHour": 17,
        "endMin": 0,
    }
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
]

SCHEDULE: dict[str, Any] = {
    "data": {
        "id": "s-01",
        "name": "Platform_Schedule",
        "timezone": "Europe/Berlin",
        "enabled": True,
        "ownerTeam": {"id": "t-01", "name": "platform"},
        "rotations": [
            {
                "id": "r-01",
                "name": "Office hours",
                "startDate": "2026-03-02T09:00:00+01:00",
                "type": "weekly",
                "length": 1,
                "participants": [
                    {"type": "user", "id": "u-01", "username": "olga@example.com"},
                    {"type": "user", "id": "u-02", "username": "paul@example.com"},
                ],
                "timeRestriction": {
                    "type": "weekday-and-time-of-day",
                    "restrictions": WEEKDAYS_9_TO_17,
                },
            }
        ],
    }
}


def _import(doc: Any = ESCALATION, **kwargs: Any) -> Imported:
    kwargs.setdefault("schedules", [SCHEDULE])
    return import_opsgenie(doc, **kwargs)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _with(path: list[Any], value: Any, doc: Any = ESCALATION) -> Any:
    doc = copy.deepcopy(doc)
    node: Any = doc["data"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


# -- the escalation --------------------------------------------------------------------------


def test_levels_owners_conditions_and_timeouts() -> None:
    policy = _import().policy
    assert policy.name == "Platform_Escalation"
    assert [level.id for level in policy.levels] == ["step-1", "step-2", "step-3"]
    assert [level.owners for level in policy.levels] == [
        (OnCall("Platform_Schedule"),),
        ("alice@example.com",),
        ("SRE",),
    ]
    assert [level.escalate_if for level in policy.levels] == [
        "not_acknowledged",
        "not_acknowledged",
        "not_closed",
    ]
    # From the start: step 2 at 5, step 3 at 15, the next loop 10 minutes after that.
    assert [level.ack_timeout for level in policy.levels] == [
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(minutes=25),
    ]
    (rule,) = policy.rules
    assert isinstance(rule, EscalationChain)
    assert rule.timeout_from == "start"
    assert rule.repeat == 2
    assert rule.then == {"set_status": "closed"}


def test_unsupported_items_are_listed_with_their_paths() -> None:
    imported = _import()
    assert imported.source == "opsgenie"
    assert [item.where for item in imported.unsupported] == [
        "escalation.data.repeat.resetRecipientStates"
    ]


def test_lints_clean_and_round_trips() -> None:
    policy = _import().policy
    assert lint(policy) == ()
    assert loads(dump(policy)) == policy


def test_bare_objects_and_schedules_by_name() -> None:
    bare = import_opsgenie(ESCALATION["data"], schedules={"Platform_Schedule": SCHEDULE["data"]})
    assert bare.policy == _import().policy


def test_without_repeat_the_last_step_is_terminal() -> None:
    policy = _import(_with(["repeat"], None)).policy
    (rule,) = policy.rules
    assert isinstance(rule, EscalationChain)
    assert rule.repeat == 0
    assert rule.then is None
    assert policy.levels[-1].ack_timeout is None
    assert lint(policy) == ()
    assert loads(dump(policy)) == policy


def test_rules_are_taken_in_the_order_of_their_delays() -> None:
    doc = copy.deepcopy(ESCALATION)
    doc["data"]["rules"].reverse()
    assert _import(doc).policy == _import().policy


def test_more_unsupported_items() -> None:
    doc = copy.deepcopy(ESCALATION)
    rules = doc["data"]["rules"]
    rules[0]["notifyType"] = "next"
    rules[0]["delay"]["timeAmount"] = 1
    rules.append(
        {
            "condition": "if-not-acked",
            "delay": {"timeAmount": 1, "timeUnit": "hours"},
            "recipient": {"type": "escalation", "id": "e-02"},
        }
    )
    rules.append(
        {
            "condition": "if-not-acked",
            "delay": {"timeAmount": 2, "timeUnit": "hours"},
            "recipient": {"type": "schedule", "name": "Elsewhere"},
        }
    )
    extra = _with(["id"], "s-02", SCHEDULE)
    extra["data"]["name"] = "Unused"
    imported = _import(doc, schedules=[SCHEDULE, extra])
    assert [item.where for item in imported.unsupported] == [
        "escalation.data.rules[0].notifyType",
        "escalation.data.rules[3].recipient",
        "escalation.data.rules[4].recipient",
        "escalation.data.rules[0].delay",
        "escalation.data.repeat.resetRecipientStates",
        "schedules[1].data",
    ]
    assert imported.unsupported[0].value == "next"
    assert "Elsewhere" in imported.unsupported[2].what
    assert [level.id for level in imported.policy.levels] == ["step-1", "step-2", "step-3"]
    assert lint(imported.policy) == ()


def test_several_rotations_are_listed_as_cumulative() -> None:
    schedule = copy.deepcopy(SCHEDULE)
    rotations = schedule["data"]["rotations"]
    rotations.insert(
        0,
        {
            "name": "24/7",
            "startDate": "2026-03-02T09:00:00Z",
            "type": "daily",
            "participants": [
                {"type": "user", "username": "ann@example.com"},
                {"type": "none"},
            ],
        },
    )
    imported = _import(schedules=[schedule])
    wheres = [item.where for item in imported.unsupported]
    assert "schedules[0].data.rotations[0].participants[1]" in wheres
    assert "schedules[0].data.rotations" in wheres
    layers = imported.policy.schedules["Platform_Schedule"].layers
    assert [layer.name for layer in layers] == ["24/7", "Office hours"]
    assert layers[0].shift == timedelta(days=1)
    assert lint(imported.policy) == ()


# -- the schedule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-03-02T09:00:00+01:00", ("olga@example.com",)),
        ("2026-03-06T16:59:00+01:00", ("olga@example.com",)),
        ("2026-03-06T17:00:00+01:00", ()),  # outside the weekday window
        ("2026-03-07T12:00:00+01:00", ()),  # Saturday
        ("2026-03-09T09:00:00+01:00", ("paul@example.com",)),  # the weekly hand-off
        ("2026-03-16T10:00:00+01:00", ("olga@example.com",)),
    ],
)
def test_the_weekly_rotation_answers_as_opsgenie(instant: str, expected: tuple[str]) -> None:
    schedule = _import().policy.schedules["Platform_Schedule"]
    (layer,) = schedule.layers
    assert layer.shift == timedelta(weeks=1)
    assert [r.day for r in layer.restrictions] == [1, 2, 3, 4, 5]
    assert on_call(schedule, at(instant)) == expected


def test_a_time_of_day_restriction_across_midnight() -> None:
    schedule = _with(
        ["rotations", 0, "timeRestriction"],
        {
            "type": "time-of-day",
            "restriction": {"startHour": 22, "startMin": 30, "endHour": 6, "endMin": 0},
        },
        SCHEDULE,
    )
    (layer,) = _import(schedules=[schedule]).policy.schedules["Platform_Schedule"].layers
    (restriction,) = layer.restrictions
    assert restriction.day is None
    assert restriction.duration == timedelta(hours=7, minutes=30)


# -- the forecast reproduces Opsgenie's delays -----------------------------------------------


def test_forecast_reproduces_the_delays_repeats_and_close() -> None:
    policy = _import().policy
    t0 = at("2026-03-02T11:00:00+01:00")
    issue = Issue("ALERT-1", t0, history=[Event("created", t0)])
    steps = forecast(policy, issue, t0, t0 + timedelta(hours=3))
    minute = timedelta(minutes=1)
    pages = [((s.at - t0) / minute, s.action.target) for s in steps if s.action.kind == "notify"]
    # Each loop: the schedule at 0, Alice at 5, SRE at 15 from the loop's start; a loop
    # begins 10 minutes after the last rule (25), twice; then the alert is closed.
    one_pass = [(0, "olga@example.com"), (5, "alice@example.com"), (15, "SRE")]
    assert pages == [(m + loop * 25, who) for loop in range(3) for m, who in one_pass]
    closed = [(s.at - t0) / minute for s in steps if s.action.kind == "set_status"]
    assert closed == [75]


# -- bad documents ---------------------------------------------------------------------------

ROOT = "escalation.data"

BAD_ESCALATIONS: list[tuple[Any, str, Any]] = [
    ([], "escalation", None),
    (_with(["name"], None), f"{ROOT}.name", None),
    (_with(["name"], 7), f"{ROOT}.name", 7),
    (_with(["rules"], {}), f"{ROOT}.rules", {}),
    (_with(["rules"], []), f"{ROOT}.rules", None),
    (_with(["rules", 1], "x"), f"{ROOT}.rules[1]", "x"),
    (_with(["rules", 1, "condition"], "if-not-seen"), f"{ROOT}.rules[1].condition", "if-not-seen"),
    (_with(["rules", 1, "delay"], 5), f"{ROOT}.rules[1].delay", 5),
    (_with(["rules", 1, "delay", "timeAmount"], -1), f"{ROOT}.rules[1].delay.timeAmount", -1),
    (_with(["rules", 1, "delay", "timeUnit"], "weeks"), f"{ROOT}.rules[1].delay.timeUnit", "weeks"),
    (_with(["rules", 1, "recipient"], None), f"{ROOT}.rules[1].recipient", None),
    (_with(["rules", 1, "recipient", "type"], 3), f"{ROOT}.rules[1].recipient.type", 3),
    (_with(["rules", 1, "recipient"], {"type": "user"}), f"{ROOT}.rules[1].recipient", None),
    (_with(["repeat", "count"], 21), f"{ROOT}.repeat.count", 21),
    (_with(["repeat", "count"], "2"), f"{ROOT}.repeat.count", "2"),
    (_with(["repeat", "waitInterval"], None), f"{ROOT}.repeat.waitInterval", None),
    (_with(["repeat"], [1]), f"{ROOT}.repeat", [1]),
]


@pytest.mark.parametrize(("doc", "where", "value"), BAD_ESCALATIONS)
def test_a_bad_escalation_names_the_path(doc: Any, where: str, value: Any) -> None:
    with pytest.raises(PolicyError) as caught:
        _import(doc)
    assert caught.value.where == where
    assert where in str(caught.value)
    if value is not None:
        assert caught.value.value == value
        assert repr(value) in str(caught.value)


ROTATION = "schedules[0].data.rotations[0]"

BAD_SCHEDULES = [
    (_with(["timezone"], "Europe/Berln", SCHEDULE), "schedules[0].data.zone"),
    (_with(["rotations"], None, SCHEDULE), "schedules[0].data.rotations"),
    (_with(["rotations", 0, "type"], "monthly", SCHEDULE), f"{ROTATION}.type"),
    (_with(["rotations", 0, "length"], 0, SCHEDULE), f"{ROTATION}.length"),
    (_with(["rotations", 0, "startDate"], "2026-03-02T09:00", SCHEDULE), f"{ROTATION}.startDate"),
    (
        _with(["rotations", 0, "participants", 1], {"type": "user"}, SCHEDULE),
        f"{ROTATION}.participants[1]",
    ),
    (
        _with(["rotations", 0, "timeRestriction", "type"], "weekly", SCHEDULE),
        f"{ROTATION}.timeRestriction.type",
    ),
    (
        _with(
            ["rotations", 0, "timeRestriction", "restrictions", 2, "startDay"], "funday", SCHEDULE
        ),
        f"{ROTATION}.timeRestriction.restrictions[2].startDay",
    ),
    (
        _with(["rotations", 0, "timeRestriction", "restrictions", 2, "endHour"], 24, SCHEDULE),
        f"{ROTATION}.timeRestriction.restrictions[2].endHour",
    ),
]


@pytest.mark.parametrize(("schedule", "where"), BAD_SCHEDULES)
def test_a_bad_schedule_names_the_path(schedule: Any, where: str) -> None:
    with pytest.raises(PolicyError) as caught:
        _import(schedules=[schedule])
    assert caught.value.where == where


def test_bad_schedules_argument() -> None:
    with pytest.raises(PolicyError) as caught:
        _import(schedules="Platform_Schedule")
    assert caught.value.where == "schedules"


def test_rules_at_one_delay_page_together() -> None:
    doc = copy.deepcopy(ESCALATION)
    rules = doc["data"]["rules"]
    rules.append(copy.deepcopy(rules[1]))
    rules[-1]["recipient"] = {"type": "user", "username": "bob@example.com"}
    rules.append(copy.deepcopy(rules[1]))
    rules[-1]["condition"] = "if-not-closed"
    doc["data"]["repeat"] = {"count": 0, "closeAlertAfterAll": True}
    imported = _import(doc)
    policy = imported.policy
    assert policy.levels[1].owners == ("alice@example.com", "bob@example.com")
    assert [item.where for item in imported.unsupported] == [
        "escalation.data.rules[4]",
        "escalation.data.repeat.closeAlertAfterAll",
    ]
    assert policy.levels[-1].ack_timeout is None
    assert lint(policy) == ()
    assert loads(dump(policy)) == policy
