"""Importing Zendesk SLA policies and business-hours schedules (`import_zendesk`)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from escalation_rules import Event, Issue, PolicyError, dump, lint, loads
from escalation_rules._io.import_zendesk import ZONES
from escalation_rules.importers import import_zendesk

NY = ZoneInfo("America/New_York")
DAY = 1440  # minutes; Zendesk counts from Sunday 00:00

# Written from the shapes of GET /api/v2/slas/policies; listed out of position order.
SLA_POLICIES: dict[str, Any] = {
    "sla_policies": [
        {
            "url": "https://example.zendesk.com/api/v2/slas/policies/36.json",
            "id": 36,
            "title": "Standard",
            "description": "",
            "position": 2,
            "filter": {"all": [], "any": []},
            "policy_metrics": [
                {"priority": "low", "metric": "first_reply_time", "target": 960,
                 "business_hours": True},
                {"priority": "normal", "metric": "first_reply_time", "target": 480,
                 "business_hours": True},
                {"priority": "normal", "metric": "requester_wait_time", "target": 2880,
                 "business_hours": False},
            ],
            "created_at": "2026-01-05T10:00:00Z",
            "updated_at": "2026-01-05T10:00:00Z",
        },
        {
            "url": "https://example.zendesk.com/api/v2/slas/policies/25.json",
            "id": 25,
            "title": "Urgent and high, VIP",
            "description": "For VIP customers",
            "position": 1,
            "filter": {
                "all": [
                    {"field": "current_tags", "operator": "includes", "value": "vip enterprise"},
                    {"field": "priority", "operator": "greater_than", "value": "normal"},
                    {"field": "custom_fields_360012", "operator": "is", "value": "gold"},
                ],
                "any": [],
            },
            "policy_metrics": [
                {"priority": "urgent", "metric": "first_reply_time", "target": 30,
                 "business_hours": False},
                {"priority": "high", "metric": "first_reply_time", "target": 120,
                 "business_hours": True},
                {"priority": "urgent", "metric": "agent_work_time", "target": 240,
                 "business_hours": False},
                {"priority": "high", "metric": "total_resolution_time", "target": 600,
                 "business_hours": False},
            ],
        },
    ]
}  # fmt: skip

# GET /api/v2/business_hours/schedules: Monday to Friday, 09:00 to 17:00.
SCHEDULES: dict[str, Any] = {
    "schedules": [
        {
            "id": 77,
            "name": "North America",
            "time_zone": "Eastern Time (US & Canada)",
            "intervals": [
                {"start_time": d * DAY + 9 * 60, "end_time": d * DAY + 17 * 60} for d in range(1, 6)
            ],
            "created_at": "2026-01-05T10:00:00Z",
            "updated_at": "2026-01-05T10:00:00Z",
        }
    ]
}
# GET /api/v2/business_hours/schedules/77/holidays
HOLIDAYS: dict[int, Any] = {
    77: {"holidays": [{"id": 1, "name": "Christmas", "start_date": "2026-12-25",
                       "end_date": "2026-12-25"}]}
}  # fmt: skip


def imported() -> Any:
    return import_zendesk(SLA_POLICIES, business_hours=SCHEDULES, holidays=HOLIDAYS)


def at(day: int, hour: float) -> datetime:
    return datetime(2026, 12, day, tzinfo=NY) + timedelta(hours=hour)


def test_sla_policies_in_position_order_on_one_level() -> None:
    result = imported()
    policy = result.policy
    assert result.source == "zendesk"
    assert [s.name for s in policy.slas] == ["Urgent and high, VIP", "Standard"]
    assert policy.slas[-1].when is None
    assert [(lvl.id, lvl.owner) for lvl in policy.levels] == [("support", "support")]
    assert policy.calendar == "zendesk-77"
    assert policy.calendars["zendesk-77"].tz == "America/New_York"
    assert set(policy.clocks) >= {"first_response", "agent_work", "requester_wait"}


@pytest.mark.parametrize(
    ("priority", "tags", "sla"),
    [
        ("urgent", ["vip"], "Urgent and high, VIP"),
        ("high", ["enterprise", "billing"], "Urgent and high, VIP"),
        ("normal", ["vip"], "Standard"),  # priority not above normal
        ("urgent", [], "Standard"),  # no tag
        ("low", ["other"], "Standard"),
    ],
)
def test_conditions_choose_the_sla_policy(priority: str, tags: list[str], sla: str) -> None:
    policy = imported().policy
    issue = Issue("Z-1", at(21, 10), priority=priority, tags=tags)
    assert policy.sla_clock(issue, at(21, 10), "first_response").sla == sla


def test_business_hours_target_skips_the_evening_the_holiday_and_the_weekend() -> None:
    policy = imported().policy
    # Thursday 24 December 16:00: 1 h that day, Friday is Christmas, then the weekend.
    issue = Issue("Z-2", at(24, 16), priority="high", tags=["vip"])
    clock = policy.sla_clock(issue, at(24, 16), "first_response")
    assert (clock.sla, clock.calendar) == ("Urgent and high, VIP", "zendesk-77")
    assert clock.target is not None and clock.target.duration == timedelta(hours=2)
    assert clock.deadline == at(28, 10)


def test_elapsed_target_counts_around_the_clock() -> None:
    policy = imported().policy
    issue = Issue("Z-3", at(24, 22), priority="urgent", tags=["vip"])
    assert policy.sla_clock(issue, at(24, 22), "first_response").deadline == at(24, 22.5)
    standard = Issue("Z-4", at(24, 22), priority="normal")
    wait = policy.sla_clock(standard, at(24, 22), "requester_wait")
    assert wait.deadline == at(26, 22)  # 48 h elapsed, holiday or not


def test_agent_work_pauses_on_hold_and_pending() -> None:
    policy = imported().policy
    t0 = at(21, 9)
    issue = Issue("Z-5", t0, priority="urgent", tags=["vip"], status="new").with_events([
        Event("status_changed", t0 + timedelta(hours=1), status="hold"),
        Event("status_changed", t0 + timedelta(hours=2), status="open"),
    ])  # fmt: skip
    clock = policy.sla_clock(issue, t0 + timedelta(hours=3), "agent_work")
    assert clock.elapsed == timedelta(hours=2)


def test_unsupported_items_name_their_path() -> None:
    items = imported().unsupported
    assert [item.where for item in items] == [
        "sla_policies[1].description",
        "sla_policies[1].filter.all[2]",
        "sla_policies[1].policy_metrics[3]",
    ]
    assert items[1].value == {"field": "custom_fields_360012", "operator": "is", "value": "gold"}
    assert "total_resolution_time" in str(items[2])


def test_lints_clean_and_round_trips() -> None:
    policy = imported().policy
    assert lint(policy) == ()
    assert loads(dump(policy)) == policy


def test_other_fields_and_operators() -> None:
    doc = {"sla_policies": [{
        "id": 1, "title": "Routed", "position": 1,
        "filter": {
            "all": [
                {"field": "group_id", "operator": "is", "value": 360001},
                {"field": "current_tags", "operator": "not_includes", "value": "spam"},
                {"field": "priority", "operator": "less_than", "value": "urgent"},
            ],
            "any": [
                {"field": "ticket_type_id", "operator": "is", "value": "incident"},
                {"field": "brand_id", "operator": "is_not", "value": 42},
                {"field": "status", "operator": "is", "value": "open"},
            ],
        },
        "policy_metrics": [{"priority": "high", "metric": "next_reply_time", "target": 60,
                            "business_hours": False}],
    }]}  # fmt: skip
    result = import_zendesk(doc)
    policy = result.policy
    assert [u.where for u in result.unsupported] == ["sla_policies[0].filter.any[2]"]

    def applies(**fields: Any) -> bool:
        issue = Issue("Z-6", at(21, 9), priority="high", team="360001", **fields)
        return policy.sla_clock(issue, at(21, 9), "next_response").sla == "Routed"

    assert applies(attributes={"ticket_type": "incident", "brand_id": "42"})
    assert applies(attributes={"ticket_type": "question", "brand_id": "7"})
    assert not applies(attributes={"ticket_type": "question", "brand_id": "42"})
    assert not applies(tags=["spam"], attributes={"ticket_type": "incident"})
    assert lint(policy) == () and loads(dump(policy)) == policy


def test_policies_that_cannot_apply_are_left_out_and_reported() -> None:
    doc = {"sla_policies": [
        {"id": 1, "title": "Catch-all", "position": 1, "filter": {"all": [], "any": []},
         "policy_metrics": []},
        {"id": 2, "title": "Never", "position": 2,
         "filter": {"all": [{"field": "priority", "operator": "is", "value": "high"}]},
         "policy_metrics": []},
        {"id": 3, "title": "Unknown field only", "position": 0,
         "filter": {"all": [{"field": "requester_id", "operator": "is", "value": 5}]},
         "policy_metrics": []},
    ]}  # fmt: skip
    result = import_zendesk(doc)
    assert [s.name for s in result.policy.slas] == ["Catch-all"]
    assert [u.where for u in result.unsupported] == [
        "sla_policies[2].filter.all[0]",
        "sla_policies[2]",
        "sla_policies[1]",
    ]


def test_several_schedules_the_ticket_names_its_own() -> None:
    london = copy.deepcopy(SCHEDULES["schedules"][0]) | {"id": 88, "time_zone": "London"}
    schedules = {"schedules": [SCHEDULES["schedules"][0], london]}
    policy = import_zendesk(SLA_POLICIES, business_hours=schedules).policy
    assert policy.calendar_field == "attributes.zendesk_schedule"
    issue = Issue(
        "Z-7", at(21, 10), priority="normal", attributes={"zendesk_schedule": "zendesk-88"}
    )
    assert policy.sla_clock(issue, at(21, 10), "first_response").calendar == "zendesk-88"
    assert lint(policy) == ()


def test_single_schedule_document_and_iana_zone() -> None:
    schedule = copy.deepcopy(SCHEDULES["schedules"][0]) | {"time_zone": "America/Chicago"}
    policy = import_zendesk(SLA_POLICIES, business_hours={"schedule": schedule}).policy
    assert policy.calendars["zendesk-77"].tz == "America/Chicago"


def test_every_zone_of_the_table_exists() -> None:
    for iana in ZONES.values():
        ZoneInfo(iana)
    assert ZONES["Eastern Time (US & Canada)"] == "America/New_York"


def _bad_doc(path: list[Any], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(SLA_POLICIES)
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


M = ["sla_policies", 1, "policy_metrics", 0]
F0 = ["sla_policies", 1, "filter", "all", 0]


@pytest.mark.parametrize(
    ("doc", "where", "value"),
    [
        ({"policies": []}, "sla_policies_doc.sla_policies", None),
        (_bad_doc([*M, "priority"], "critical"), "sla_policies[1].policy_metrics[0].priority",
         "critical"),
        (_bad_doc([*M, "target"], 0), "sla_policies[1].policy_metrics[0].target", 0),
        (_bad_doc([*M, "target"], "30"), "sla_policies[1].policy_metrics[0].target", "30"),
        (_bad_doc([*M, "business_hours"], "yes"),
         "sla_policies[1].policy_metrics[0].business_hours", "yes"),
        (_bad_doc([*F0, "value"], ""), "sla_policies[1].filter.all[0].value", ""),
        (_bad_doc(["sla_policies", 1, "filter", "all", 1, "value"], "p1"),
         "sla_policies[1].filter.all[1].value", "p1"),
        (_bad_doc(["sla_policies", 0, "position"], "2"), "sla_policies[0].position", "2"),
        (_bad_doc(["sla_policies", 0, "title"], " "), "sla_policies[0].title", " "),
        (_bad_doc(["sla_policies", 0, "filter"], None), "sla_policies[0].filter", None),
    ],
)  # fmt: skip
def test_bad_sla_documents(doc: Any, where: str, value: Any) -> None:
    with pytest.raises(PolicyError) as info:
        import_zendesk(doc, business_hours=SCHEDULES)
    assert info.value.where == where
    assert info.value.value == value


def _bad_schedule(**changes: Any) -> dict[str, Any]:
    return {"schedules": [copy.deepcopy(SCHEDULES["schedules"][0]) | changes]}


@pytest.mark.parametrize(
    ("schedules", "holidays", "where"),
    [
        (_bad_schedule(time_zone="Eastern Time"), None, "business_hours.schedules[0].time_zone"),
        (_bad_schedule(intervals=[{"start_time": 600, "end_time": 1500}]), None,
         "business_hours.schedules[0].intervals[0]"),
        (_bad_schedule(intervals=[{"start_time": 600, "end_time": 500}]), None,
         "business_hours.schedules[0].intervals[0]"),
        (_bad_schedule(intervals=[]), None, "business_hours.schedules[0]"),
        (SCHEDULES, {78: {"holidays": []}}, "holidays[78]"),
        (SCHEDULES, {77: {"holidays": [{"start_date": "2026-12-26", "end_date": "2026-12-25"}]}},
         "holidays[77].holidays[0].end_date"),
        (SCHEDULES, {77: {"holidays": [{"start_date": "25/12/2026", "end_date": "2026-12-25"}]}},
         "holidays[77].holidays[0].start_date"),
    ],
)  # fmt: skip
def test_bad_schedules(schedules: Any, holidays: Any, where: str) -> None:
    with pytest.raises(PolicyError) as info:
        import_zendesk(SLA_POLICIES, business_hours=schedules, holidays=holidays)
    assert info.value.where == where


def test_business_hours_target_without_a_schedule_is_refused() -> None:
    with pytest.raises(PolicyError) as info:
        import_zendesk(SLA_POLICIES)
    assert info.value.where == "sla_policies[1].policy_metrics[1].business_hours"


def test_unknown_zone_suggests_the_zendesk_name() -> None:
    with pytest.raises(PolicyError) as info:
        import_zendesk(SLA_POLICIES, business_hours=_bad_schedule(time_zone="Eastern Time"))
    assert info.value.suggestion == "Eastern Time (US & Canada)"
