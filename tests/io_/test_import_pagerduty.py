"""Importing PagerDuty escalation policies and schedules (REST API v2 JSON)."""

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
from escalation_rules.importers import Imported, import_pagerduty

# -- documents in the shapes of GET /escalation_policies/{id}, /schedules/{id}, overrides ----

POLICY: dict[str, Any] = {
    "escalation_policy": {
        "id": "PEPOL01",
        "type": "escalation_policy",
        "summary": "Platform",
        "name": "Platform",
        "num_loops": 2,
        "on_call_handoff_notifications": "if_has_services",
        "escalation_rules": [
            {
                "id": "PRULE01",
                "escalation_delay_in_minutes": 30,
                "targets": [
                    {"id": "PSCHED1", "type": "schedule_reference", "summary": "Platform Primary"}
                ],
            },
            {
                "id": "PRULE02",
                "escalation_delay_in_minutes": 15,
                "targets": [
                    {"id": "PSCHED2", "type": "schedule_reference", "summary": "Platform Daily"},
                    {"id": "PUSER09", "type": "user_reference", "summary": "Erin Manager"},
                ],
            },
            {
                "id": "PRULE03",
                "escalation_delay_in_minutes": 10,
                "targets": [
                    {"id": "PUSER10", "type": "user_reference", "summary": "Frank Director"},
                    {"id": "PTEAM01", "type": "team_reference", "summary": "SRE"},
                    {"id": "PSCHED9", "type": "schedule_reference", "summary": "Elsewhere"},
                ],
            },
        ],
        "services": [],
        "teams": [],
    }
}


def _user(user_id: str, name: str) -> dict[str, Any]:
    return {"user": {"id": user_id, "type": "user_reference", "summary": name}}


WEEKDAYS_9_TO_5 = [
    {
        "type": "weekly_restriction",
        "start_time_of_day": "09:00:00",
        "duration_seconds": 8 * 3600,
        "start_day_of_week": day,
    }
    for day in range(1, 6)
]

PRIMARY: dict[str, Any] = {
    "schedule": {
        "id": "PSCHED1",
        "type": "schedule",
        "name": "Platform Primary",
        "time_zone": "Europe/Berlin",
        # The API lists the highest-priority layer first.
        "schedule_layers": [
            {
                "id": "PLAYER3",
                "name": "Office hours",
                "start": "2026-01-01T00:00:00+01:00",
                "end": None,
                "rotation_virtual_start": "2026-03-02T09:00:00+01:00",
                "rotation_turn_length_seconds": 7 * 86400,
                "users": [_user("PUSER05", "Olga"), _user("PUSER06", "Paul")],
                "restrictions": WEEKDAYS_9_TO_5,
            },
            {
                "id": "PLAYER2",
                "name": "24/7",
                "start": "2026-01-01T00:00:00+01:00",
                "end": None,
                "rotation_virtual_start": "2026-01-05T09:00:00+01:00",
                "rotation_turn_length_seconds": 7 * 86400,
                "users": [
                    _user("PUSER01", "Alice"),
                    _user("PUSER02", "Bob"),
                    _user("PUSER03", "Carol"),
                ],
                "restrictions": [],
            },
            {
                "id": "PLAYER1",
                "name": "Retired",
                "start": "2025-01-01T00:00:00+01:00",
                "end": "2026-01-01T00:00:00+01:00",
                "rotation_virtual_start": "2025-01-06T09:00:00+01:00",
                "rotation_turn_length_seconds": 86400,
                "users": [],
                "restrictions": [],
            },
        ],
    }
}

DAILY: dict[str, Any] = {
    "id": "PSCHED2",
    "type": "schedule",
    "name": "Platform Daily",
    "time_zone": "UTC",
    "schedule_layers": [
        {
            "name": "Weekend",
            "start": "2026-03-01T00:00:00Z",
            "end": None,
            "rotation_virtual_start": "2026-03-07T00:00:00Z",
            "rotation_turn_length_seconds": 7 * 86400,
            "users": [_user("PUSER07", "Wendy")],
            # Saturday 00:00 for two days: a weekly restriction longer than a day.
            "restrictions": [
                {
                    "type": "weekly_restriction",
                    "start_time_of_day": "00:00:00",
                    "duration_seconds": 2 * 86400,
                    "start_day_of_week": 6,
                }
            ],
        },
        {
            "name": "Daily",
            "start": "2026-03-01T00:00:00Z",
            "end": None,
            "rotation_virtual_start": "2026-03-02T08:00:00Z",
            "rotation_turn_length_seconds": 86400,
            "users": [_user("PUSER11", "Ann"), _user("PUSER12", "Ben"), _user("PUSER13", "Cid")],
            "restrictions": [
                {
                    "type": "daily_restriction",
                    "start_time_of_day": "00:00:00",
                    "duration_seconds": 86400,
                },
            ],
        },
    ],
}

OVERRIDES: dict[str, Any] = {
    "PSCHED1": {
        "overrides": [
            {
                "id": "POVER01",
                "start": "2026-03-02T08:00:00Z",
                "end": "2026-03-02T10:00:00Z",
                "user": {"id": "PUSER04", "type": "user_reference", "summary": "Dave"},
            }
        ]
    }
}


def _import(policy: Any = POLICY, **kwargs: Any) -> Imported:
    kwargs.setdefault("schedules", {"PSCHED1": PRIMARY, "PSCHED2": DAILY})
    kwargs.setdefault("overrides", OVERRIDES)
    kwargs.setdefault("acknowledgement_timeout", 4 * 3600)
    return import_pagerduty(policy, **kwargs)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# -- the escalation policy -------------------------------------------------------------------


def test_levels_owners_and_timeouts() -> None:
    policy = _import().policy
    assert policy.name == "Platform"
    assert [level.id for level in policy.levels] == ["step-1", "step-2", "step-3"]
    assert [level.owners for level in policy.levels] == [
        (OnCall("Platform Primary"),),
        (OnCall("Platform Daily"), "Erin Manager"),
        ("Frank Director",),
    ]
    assert [level.ack_timeout for level in policy.levels] == [
        timedelta(minutes=30),
        timedelta(minutes=15),
        timedelta(minutes=10),
    ]
    (rule,) = policy.rules
    assert isinstance(rule, EscalationChain)
    assert rule.repeat == 2
    assert rule.retrigger_after == timedelta(hours=4)


def test_unsupported_items_are_listed_with_their_paths() -> None:
    imported = _import()
    assert imported.source == "pagerduty"
    assert [item.where for item in imported.unsupported] == [
        "schedules['PSCHED1'].schedule.schedule_layers[2].users",
        "escalation_policy.escalation_rules[2].targets[1]",
        "escalation_policy.escalation_rules[2].targets[2]",
        "escalation_policy.on_call_handoff_notifications",
    ]
    assert imported.unsupported[1].value["type"] == "team_reference"
    assert "PSCHED9" in imported.unsupported[2].what
    assert imported.unsupported[3].value == "if_has_services"
    assert imported.report().count("\n") == 3


def test_lints_clean_and_round_trips() -> None:
    policy = _import().policy
    assert lint(policy) == ()
    assert loads(dump(policy)) == policy


def test_without_loops_the_last_step_is_terminal() -> None:
    doc = copy.deepcopy(POLICY)
    doc["escalation_policy"]["num_loops"] = 0
    policy = _import(doc).policy
    (rule,) = policy.rules
    assert isinstance(rule, EscalationChain)
    assert rule.repeat == 0
    assert policy.levels[-1].ack_timeout is None
    assert lint(policy) == ()
    assert loads(dump(policy)) == policy


def test_bare_objects_and_a_list_of_schedules() -> None:
    wrapped = _import()
    bare = import_pagerduty(
        POLICY["escalation_policy"],
        schedules=[PRIMARY, DAILY],
        overrides={"PSCHED1": OVERRIDES["PSCHED1"]["overrides"]},
        acknowledgement_timeout=4 * 3600,
    )
    assert bare.policy == wrapped.policy


def test_schedules_not_paged_and_stray_overrides_are_listed() -> None:
    extra = copy.deepcopy(DAILY)
    extra["id"] = "PSCHED3"
    imported = _import(
        schedules={"PSCHED1": PRIMARY, "PSCHED2": DAILY, "PSCHED3": extra},
        overrides={**OVERRIDES, "PSCHED8": []},
    )
    wheres = [item.where for item in imported.unsupported]
    assert "schedules['PSCHED3']" in wheres
    assert "overrides['PSCHED8']" in wheres
    assert "PSCHED3" not in imported.policy.schedules


def test_a_rule_with_nothing_to_page_is_left_out() -> None:
    doc = copy.deepcopy(POLICY)
    doc["escalation_policy"]["escalation_rules"][1]["targets"] = [
        {"id": "PSCHED9", "type": "schedule_reference"}
    ]
    imported = _import(doc)
    assert [level.id for level in imported.policy.levels] == ["step-1", "step-3"]
    assert "escalation_policy.escalation_rules[1]" in [i.where for i in imported.unsupported]
    assert lint(imported.policy) == ()


# -- the schedules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-03-02T09:00:00+01:00", ("Dave",)),  # the override
        ("2026-03-02T12:00:00+01:00", ("Olga",)),  # office hours: the top layer wins
        ("2026-03-02T20:00:00+01:00", ("Carol",)),  # 24/7, week 8 since 5 January
        ("2026-03-07T12:00:00+01:00", ("Carol",)),  # Saturday: no office hours
        ("2026-03-09T10:00:00+01:00", ("Paul",)),  # the next week's office hours
        ("2026-03-09T08:59:00+01:00", ("Carol",)),  # before 09:00 the 24/7 hand-off
        ("2026-03-09T09:00:00+01:00", ("Paul",)),
    ],
)
def test_the_weekly_schedule_answers_as_pagerduty(instant: str, expected: tuple[str]) -> None:
    schedule = _import().policy.schedules["Platform Primary"]
    assert [layer.name for layer in schedule.layers] == ["24/7", "Office hours"]
    assert on_call(schedule, at(instant)) == expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-03-02T08:00:00Z", ("Ann",)),
        ("2026-03-04T12:00:00Z", ("Cid",)),
        ("2026-03-07T12:00:00Z", ("Wendy",)),  # the weekend layer, Saturday
        ("2026-03-08T23:59:00Z", ("Wendy",)),  # ...to the end of Sunday
        ("2026-03-09T07:00:00Z", ("Ann",)),  # Sunday's daily turn, still on
    ],
)
def test_the_daily_schedule_answers_as_pagerduty(instant: str, expected: tuple[str]) -> None:
    schedule = _import().policy.schedules["Platform Daily"]
    (weekend,) = [layer for layer in schedule.layers if layer.name == "Weekend"]
    assert weekend.restrictions[0].duration == timedelta(days=2)
    assert weekend.restrictions[0].day == 6
    assert on_call(schedule, at(instant)) == expected


# -- the forecast reproduces PagerDuty's timings ---------------------------------------------


def test_forecast_reproduces_the_escalation_delays_and_loops() -> None:
    policy = _import().policy
    t0 = at("2026-03-02T12:00:00Z")
    issue = Issue("INC-1", t0, history=[Event("created", t0)])
    steps = forecast(policy, issue, t0, t0 + timedelta(hours=6))
    pages = [(step.at - t0, step.action.target) for step in steps if step.action.kind == "notify"]
    minutes = timedelta(minutes=1)
    # A loop: step 1 at 0, step 2 30 minutes later, step 3 15 minutes after that; the
    # next loop 10 minutes after step 3; two loops after the first pass, then nothing.
    one_pass = [(0, "Olga"), (30, "Ann"), (30, "Erin Manager"), (45, "Frank Director")]
    expected = [(timedelta(minutes=m + loop * 55), who) for loop in range(3) for m, who in one_pass]
    assert pages == expected
    escalations = [(s.at - t0) / minutes for s in steps if s.action.kind == "escalate"]
    assert escalations == [30, 45]


# -- bad documents ---------------------------------------------------------------------------


def _with(path: list[Any], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(POLICY)
    node: Any = doc["escalation_policy"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


BAD_POLICIES: list[tuple[Any, str, Any]] = [
    ([], "escalation_policy", None),
    (_with(["name"], None), "escalation_policy.name", None),
    (_with(["name"], 7), "escalation_policy.name", 7),
    (_with(["num_loops"], 10), "escalation_policy.num_loops", 10),
    (_with(["num_loops"], "2"), "escalation_policy.num_loops", "2"),
    (_with(["escalation_rules"], {}), "escalation_policy.escalation_rules", {}),
    (_with(["escalation_rules", 0], "x"), "escalation_policy.escalation_rules[0]", "x"),
    (
        _with(["escalation_rules", 1, "escalation_delay_in_minutes"], True),
        "escalation_policy.escalation_rules[1].escalation_delay_in_minutes",
        True,
    ),
    (
        _with(["escalation_rules", 0, "targets", 0, "type"], None),
        "escalation_policy.escalation_rules[0].targets[0].type",
        None,
    ),
    (
        _with(["escalation_rules", 1, "targets", 1], {"type": "user_reference"}),
        "escalation_policy.escalation_rules[1].targets[1]",
        None,
    ),
    (_with(["escalation_rules"], []), "escalation_policy.escalation_rules", None),
]


@pytest.mark.parametrize(("doc", "where", "value"), BAD_POLICIES)
def test_a_bad_policy_names_the_path(doc: Any, where: str, value: Any) -> None:
    with pytest.raises(PolicyError) as caught:
        _import(doc)
    assert caught.value.where == where
    assert where in str(caught.value)
    if value is not None:
        assert caught.value.value == value
        assert repr(value) in str(caught.value)


def _schedule_with(path: list[Any], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(PRIMARY)
    node: Any = doc["schedule"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


LAYER = "schedules['PSCHED1'].schedule.schedule_layers"

BAD_SCHEDULES = [
    (_schedule_with(["time_zone"], "Europe/Berln"), "schedules['PSCHED1'].schedule.zone"),
    (_schedule_with(["schedule_layers"], None), "schedules['PSCHED1'].schedule.schedule_layers"),
    (
        _schedule_with(["schedule_layers", 0, "rotation_turn_length_seconds"], 0),
        f"{LAYER}[0].rotation_turn_length_seconds",
    ),
    (
        _schedule_with(["schedule_layers", 1, "rotation_virtual_start"], "2026-01-05T09:00"),
        f"{LAYER}[1].rotation_virtual_start",
    ),
    (
        _schedule_with(["schedule_layers", 1, "end"], "2025-01-01T00:00:00Z"),
        f"{LAYER}[1].end",
    ),
    (_schedule_with(["schedule_layers", 0, "users", 1], {"user": {}}), f"{LAYER}[0].users[1].user"),
    (
        _schedule_with(["schedule_layers", 0, "restrictions", 0, "type"], "monthly_restriction"),
        f"{LAYER}[0].restrictions[0].type",
    ),
    (
        _schedule_with(["schedule_layers", 0, "restrictions", 0, "start_time_of_day"], "9am"),
        f"{LAYER}[0].restrictions[0].start_time_of_day",
    ),
    (
        _schedule_with(["schedule_layers", 0, "restrictions", 0, "start_day_of_week"], 8),
        f"{LAYER}[0].restrictions[0].start_day_of_week",
    ),
    (
        _schedule_with(["schedule_layers", 0, "restrictions", 0, "duration_seconds"], 8 * 86400),
        f"{LAYER}[0].restrictions[0].duration_seconds",
    ),
]


@pytest.mark.parametrize(("schedule", "where"), BAD_SCHEDULES)
def test_a_bad_schedule_names_the_path(schedule: Any, where: str) -> None:
    with pytest.raises(PolicyError) as caught:
        _import(schedules={"PSCHED1": schedule, "PSCHED2": DAILY})
    assert caught.value.where == where


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"acknowledgement_timeout": 0}, "acknowledgement_timeout"),
        ({"schedules": "PSCHED1"}, "schedules"),
        ({"overrides": [1]}, "overrides"),
        (
            {"overrides": {"PSCHED1": [{"start": "2026-03-02T08:00:00Z", "user": {"id": "X"}}]}},
            "overrides['PSCHED1'][0].end",
        ),
        (
            {
                "overrides": {
                    "PSCHED1": [
                        {
                            "start": "2026-03-02T08:00:00Z",
                            "end": "2026-03-02T07:00:00Z",
                            "user": {"id": "X"},
                        }
                    ]
                }
            },
            "overrides['PSCHED1'][0].end",
        ),
    ],
)
def test_bad_arguments_name_the_path(kwargs: dict[str, Any], where: str) -> None:
    with pytest.raises(PolicyError) as caught:
        _import(**kwargs)
    assert caught.value.where == where
