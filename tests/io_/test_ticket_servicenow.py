"""A ServiceNow incident and its sys_audit rows as an `Issue` (`servicenow_incident`)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import Customer, Event, EventKind, IssueError, forecast, loads
from escalation_rules.importers import AdaptedTicket, TicketMapping, servicenow_incident

SYS_ID = "9d385017c611228701d22104cc95c371"
DESK = "d625dccec0a8016700a222a0f7900d06"  # Service Desk
NETWORK = "287ebd7da9fe198100f92cc8d1d2154e"  # Network
CALLER = "62826bf03710200044e0bfc8bcbe5df1"  # Abel Tuter, user name abel.tuter
AGENT = "46d44a23a9fe19810012d100cca80666"  # Beth Anglin, user name beth.anglin
ACME = "31bea3d53790200044e0bfc8bcbe5dec"  # ACME North America

LEVELS = {DESK: "L1", NETWORK: "L2"}


def at(hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2026, 3, 2, hh, mm, ss, tzinfo=UTC)


def _ref(table: str, sys_id: str) -> dict[str, str]:
    return {"link": f"https://dev.service-now.com/api/now/table/{table}/{sys_id}", "value": sys_id}


# GET /api/now/table/incident/{sys_id} (sysparm_display_value=false), trimmed to the fields
# that matter here plus a few the adapter skips. Current state: In Progress at Network.
INCIDENT: dict[str, Any] = {
    "result": {
        "sys_id": SYS_ID,
        "number": "INC0010023",
        "opened_at": "2026-03-02 09:00:00",
        "sys_created_on": "2026-03-02 09:00:05",
        "sys_updated_on": "2026-03-02 12:00:00",
        "sys_mod_count": "6",
        "short_description": "VPN drops every few minutes",
        "state": "2",
        "incident_state": "2",
        "priority": "2",
        "urgency": "2",
        "impact": "2",
        "category": "network",
        "subcategory": "vpn",
        "assignment_group": _ref("sys_user_group", NETWORK),
        "assigned_to": _ref("sys_user", AGENT),
        "caller_id": _ref("sys_user", CALLER),
        "caller_id.user_name": "abel.tuter",
        "company": _ref("core_company", ACME),
        "made_sla": "true",
        "reassignment_count": "1",
        "reopen_count": "0",
        "hold_reason": "",
        "resolved_at": "",
        "closed_at": "",
    }
}

_DISPLAY = {
    "state": "In Progress",
    "incident_state": "In Progress",
    "priority": "2 - High",
    "urgency": "2 - Medium",
    "impact": "2 - Medium",
    "category": "Network",
    "subcategory": "VPN",
    "assignment_group": "Network",
    "assigned_to": "Beth Anglin",
    "caller_id": "Abel Tuter",
    "company": "ACME North America",
    "made_sla": "true",
    "opened_at": "03/02/2026 04:00:00 AM",
    "sys_created_on": "03/02/2026 04:00:05 AM",
}


def display_all(record: dict[str, Any]) -> dict[str, Any]:
    """The record as sysparm_display_value=all returns it: every field an object."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out[key] = {"display_value": _DISPLAY.get(key, value["value"]), **value}
        else:
            out[key] = {"display_value": _DISPLAY.get(key, value), "value": value}
    return {"result": out}


def row(
    i: int, when: str, field: str, old: str, new: str, user: str, checkpoint: int
) -> dict[str, str]:
    """A sys_audit row as GET /api/now/table/sys_audit returns it."""
    return {
        "sys_id": f"a{i:031d}",
        "tablename": "incident",
        "documentkey": SYS_ID,
        "fieldname": field,
        "oldvalue": old,
        "newvalue": new,
        "user": user,
        "sys_created_on": f"2026-03-02 {when}",
        "sys_created_by": user,
        "record_checkpoint": str(checkpoint),
        "internal_checkpoint": f"18e{checkpoint:05x}0000001",
        "reason": "",
    }


# Out of order, as a list query without ORDER BY gives them.
AUDIT: dict[str, Any] = {
    "result": [
        row(1, "12:00:00", "assignment_group", DESK, NETWORK, "beth.anglin", 6),
        row(2, "10:30:00", "state", "2", "3", "beth.anglin", 4),
        row(3, "09:00:05", "state", "", "1", "abel.tuter", 1),
        row(4, "11:30:00", "comments", "", "It still drops", "abel.tuter", 5),
        row(5, "10:00:00", "incident_state", "1", "2", "beth.anglin", 2),
        row(6, "09:00:05", "priority", "", "3", "abel.tuter", 1),
        row(7, "12:00:00", "priority", "3", "2", "beth.anglin", 6),
        row(8, "10:00:00", "state", "1", "2", "beth.anglin", 2),
        row(9, "09:00:05", "assignment_group", "", DESK, "abel.tuter", 1),
        row(10, "10:00:00", "assigned_to", "", AGENT, "beth.anglin", 2),
        row(11, "10:15:00", "work_notes", "", "Checking the VPN logs", "beth.anglin", 3),
        row(12, "10:30:00", "comments", "", "Can you send the log?", "beth.anglin", 4),
        row(13, "10:30:00", "hold_reason", "", "1", "beth.anglin", 4),
        row(14, "11:30:00", "state", "3", "2", "abel.tuter", 5),
        row(15, "11:30:00", "hold_reason", "1", "", "abel.tuter", 5),
        row(16, "12:00:00", "reassignment_count", "0", "1", "beth.anglin", 6),
        row(17, "12:00:00", "u_region", "", "emea", "beth.anglin", 6),
        row(18, "12:00:00", "sys_mod_count", "5", "6", "beth.anglin", 6),
        row(19, "09:00:05", "category", "", "inquiry", "abel.tuter", 1),
        row(20, "12:00:00", "category", "inquiry", "network", "beth.anglin", 6),
        row(21, "12:00:00", "u_region", "emea", "amer", "beth.anglin", 7),
    ]
}


def adapt(incident: Any = None, audit: Any = None, **mapping: Any) -> AdaptedTicket:
    return servicenow_incident(
        INCIDENT if incident is None else incident,
        AUDIT if audit is None else audit,
        mapping=TicketMapping(levels=LEVELS, **mapping),
    )


def kinds(history: Any) -> list[tuple[EventKind, datetime]]:
    return [(e.kind, e.at) for e in history]


def test_the_history_replays_the_audit_in_time_order() -> None:
    issue = adapt().issue
    assert issue.id == "INC0010023" and issue.created_at == at(9)
    assert [
        (e.kind, e.at, e.status or e.priority or e.team or e.assignee or e.level or e.name)
        for e in issue.history
    ] == [
        (EventKind.CREATED, at(9), "3"),
        (EventKind.LEVEL_CHANGED, at(9), "L1"),
        (EventKind.FIELD_CHANGED, at(9), "attributes.reassignment_count"),
        (EventKind.FIELD_CHANGED, at(9), "category"),
        (EventKind.REASSIGNED, at(10), AGENT),  # the state 1 -> 2 changes no status: open
        # one update: group, assignee, priority, other fields, comments, then the state
        (EventKind.FIELD_CHANGED, at(10, 30), "attributes.hold_reason"),
        (EventKind.AGENT_REPLY, at(10, 30), None),
        (EventKind.STATUS_CHANGED, at(10, 30), "pending"),
        (EventKind.FIELD_CHANGED, at(11, 30), "attributes.hold_reason"),
        (EventKind.CUSTOMER_MESSAGE, at(11, 30), None),
        (EventKind.STATUS_CHANGED, at(11, 30), "open"),
        (EventKind.REASSIGNED, at(12), NETWORK),
        (EventKind.LEVEL_CHANGED, at(12), "L2"),
        (EventKind.PRIORITY_CHANGED, at(12), "2"),
        (EventKind.FIELD_CHANGED, at(12), "category"),  # other fields by name
        (EventKind.FIELD_CHANGED, at(12), "attributes.reassignment_count"),
    ]
    assert issue.history[0].team == DESK and issue.history[0].assignee is None
    assert [e.actor for e in issue.history if e.kind is EventKind.AGENT_REPLY] == ["beth.anglin"]
    assert [e.actor for e in issue.history if e.kind is EventKind.CUSTOMER_MESSAGE] == [
        "abel.tuter"
    ]


def test_the_current_fields_and_the_customer() -> None:
    issue = adapt().issue
    assert (issue.status, issue.priority, issue.level) == ("open", "2", "L2")
    assert (issue.team, issue.assignee, issue.category) == (NETWORK, AGENT, "network")
    assert dict(issue.attributes) == {
        "urgency": "2",
        "impact": "2",
        "subcategory": "vpn",
        "made_sla": True,
        "reassignment_count": 1,
        "reopen_count": 0,
    }
    assert issue.customer == Customer(id=CALLER, account=ACME)


def test_initial_values_come_from_the_first_rows_old_value() -> None:
    created = adapt().issue.as_of(at(9, 30))
    assert (created.priority, created.team, created.level, created.category) == (
        "3", DESK, "L1", "inquiry"
    )  # fmt: skip
    assert created.attributes["reassignment_count"] == 0
    on_hold = adapt().issue.as_of(at(11))
    assert on_hold.status == "pending" and on_hold.attributes["hold_reason"] == "1"


def _story(issue: Any) -> list[tuple[Any, ...]]:
    return [
        (e.kind, e.at, e.status, e.priority, e.team, e.assignee, e.level, e.actor, e.name,
         e.data.get("value"))
        for e in issue.history
    ]  # fmt: skip


_ORDERED = adapt().issue


@settings(max_examples=200, deadline=None)
@given(rows=st.permutations(AUDIT["result"]), wrapped=st.booleans())
def test_any_order_of_the_rows_gives_the_same_issue(rows: list[Any], wrapped: bool) -> None:
    # The Table API promises no order without ORDERBY: rows of one update (same instant
    # and checkpoints) are put in a fixed order of fields, then by their values.
    issue = adapt(audit={"result": rows} if wrapped else rows).issue
    assert issue == _ORDERED
    assert _story(issue) == _story(_ORDERED)
    assert attrs.evolve(issue, history=()) == attrs.evolve(_ORDERED, history=())


def test_rows_of_one_update_are_ordered_by_field_then_values() -> None:
    rows = [
        row(1, "10:00:00", "comments", "", "b", "beth.anglin", 2),
        row(2, "10:00:00", "state", "1", "3", "beth.anglin", 2),
        row(3, "10:00:00", "comments", "", "a", "abel.tuter", 2),
        row(4, "10:00:00", "assigned_to", "", AGENT, "beth.anglin", 2),
    ]
    for order in (rows, rows[::-1], [rows[2], rows[0], rows[3], rows[1]]):
        history = adapt(audit=order).issue.history
        assert [(e.kind, e.actor) for e in history[2:]] == [
            (EventKind.REASSIGNED, None),
            (EventKind.CUSTOMER_MESSAGE, "abel.tuter"),  # "a" before "b"
            (EventKind.AGENT_REPLY, "beth.anglin"),
            (EventKind.STATUS_CHANGED, None),
        ]


def test_the_checkpoint_orders_rows_of_the_same_instant() -> None:
    rows = [
        row(1, "10:00:00", "state", "2", "6", "beth.anglin", 3),
        row(2, "10:00:00", "state", "1", "2", "beth.anglin", 2),
    ]
    issue = adapt(audit=rows).issue
    assert [e.status for e in issue.history if e.kind is EventKind.STATUS_CHANGED] == ["resolved"]
    assert issue.status == "resolved"
    wrong = [rows[0], {**rows[1], "record_checkpoint": "4"}]  # 1 -> 2 now comes last
    assert adapt(audit=wrong).issue.status == "open"


def test_display_values_give_the_same_issue() -> None:
    plain = adapt()
    shown = adapt(incident=display_all(INCIDENT["result"]))
    assert shown.issue == plain.issue and shown.unmapped == plain.unmapped
    bare = adapt(incident=INCIDENT["result"], audit=AUDIT["result"])
    assert bare.issue == plain.issue


def test_a_group_display_name_maps_to_a_level() -> None:
    named = TicketMapping(levels={"Network": "L2"})
    shown = servicenow_incident(display_all(INCIDENT["result"]), [], mapping=named)
    assert shown.issue.level == "L2"
    assert servicenow_incident(INCIDENT, [], mapping=named).issue.level is None  # no name known


def test_incident_state_mirrors_state_and_is_read_alone() -> None:
    issue = adapt().issue  # row 5 (incident_state) is not reported nor replayed twice
    assert not any("incident_state" in u.what for u in adapt().unmapped)
    alone = [row(1, "10:00:00", "incident_state", "1", "6", "beth.anglin", 2)]
    assert adapt(audit=alone).issue.status == "resolved"
    assert issue.status == "open"


def test_statuses_priorities_and_fields_follow_the_mapping() -> None:
    adapted = adapt(
        statuses={"2": "in_progress"},
        priorities={"1": "P1", "2": "P2", "3": "P3"},
        fields={"u_region": "attributes.region", "urgency": "language"},
    )
    issue = adapted.issue
    assert (issue.status, issue.priority, issue.attributes["region"]) == (
        "in_progress",
        "P2",
        "amer",
    )
    assert issue.language == "2" and "urgency" not in issue.attributes
    assert issue.as_of(at(9, 30)).priority == "P3"
    assert adapted.unmapped == ()


def test_an_unknown_state_is_kept_and_reported() -> None:
    rows = [row(1, "10:00:00", "state", "1", "-5", "beth.anglin", 2)]
    adapted = adapt(audit=rows)
    assert adapted.issue.status == "-5"
    assert [(u.where, u.value) for u in adapted.unmapped] == [("audit[0].newvalue", "-5")]
    assert "-5" in adapted.report()


def test_unmapped_fields_are_reported_once_with_their_path() -> None:
    adapted = adapt()
    assert [(u.where, u.value) for u in adapted.unmapped] == [("audit.result[16]", "u_region")]
    assert (
        "u_region" in adapted.unmapped[0].what
        and "TicketMapping.fields" in adapted.unmapped[0].what
    )
    assert adapted.source == "servicenow"


def test_work_notes_are_internal_and_comments_by_others_are_replies() -> None:
    rows = [
        row(1, "10:00:00", "work_notes", "", "internal", "beth.anglin", 2),
        row(2, "10:05:00", "comments", "", "hello", "abel.tuter", 3),
        row(3, "10:10:00", "comments", "", "hi", "david.loo", 4),
    ]
    history = adapt(audit=rows).issue.history
    assert [(e.kind, e.actor) for e in history[2:]] == [
        (EventKind.CUSTOMER_MESSAGE, "abel.tuter"),
        (EventKind.AGENT_REPLY, "david.loo"),
    ]
    no_user_name = {k: v for k, v in INCIDENT["result"].items() if k != "caller_id.user_name"}
    by_name = [row(1, "10:05:00", "comments", "", "hello", "Abel Tuter", 3)]
    shown = adapt(incident=display_all(no_user_name), audit=by_name).issue
    assert shown.history[-1].kind is EventKind.CUSTOMER_MESSAGE


def test_rows_of_another_incident_or_table_are_refused() -> None:
    other = copy.deepcopy(AUDIT)
    other["result"][3]["documentkey"] = "0" * 32
    with pytest.raises(IssueError, match=r"audit\.result\[3\].*'0{32}'.*not this incident"):
        adapt(audit=other)
    table = [{**AUDIT["result"][0], "tablename": "problem"}]
    with pytest.raises(IssueError, match=r"audit\[0\].*'problem'"):
        adapt(audit=table)


@pytest.mark.parametrize(
    ("incident", "audit", "where"),
    [
        ([], [], r"^incident: expected a JSON object"),
        ({"result": []}, [], r"^incident\.result: expected a JSON object"),
        ({"result": {"number": "INC1"}}, [], r"incident\.result\.sys_created_on"),
        ({"number": "INC1", "opened_at": "yesterday"}, [],
         r"^incident\.opened_at: expected an ISO"),
        ({"number": "INC1", "opened_at": "2026-03-02 09:00:00", "state": {"value": [1]}}, [],
         r"^incident\.state\.value: expected a string"),
        ({"number": "INC1", "opened_at": "2026-03-02 09:00:00", "made_sla": "yes"}, [],
         r"^incident\.made_sla: expected \"true\" or \"false\""),
        (INCIDENT, {"result": {"x": 1}}, r"^audit\.result: expected a list"),
        (INCIDENT, [5], r"^audit\[0\]: expected a JSON object"),
        (INCIDENT, [{"fieldname": "state"}], r"^audit\[0\]\.sys_created_on: the required"),
        (INCIDENT, [{"sys_created_on": "2026-03-02 10:00:00"}], r"^audit\[0\]\.fieldname"),
        (INCIDENT, [{**AUDIT["result"][1], "record_checkpoint": "x"}],
         r"^audit\[0\]\.record_checkpoint: expected a whole number"),
        (INCIDENT, [{**AUDIT["result"][15], "newvalue": "many"}],
         r"^audit\[0\]\.newvalue: expected a whole number"),
    ],
)  # fmt: skip
def test_bad_shapes_are_named_by_path(incident: Any, audit: Any, where: str) -> None:
    with pytest.raises(IssueError, match=where):
        servicenow_incident(incident, audit)


def test_too_many_rows_are_refused() -> None:
    rows = [AUDIT["result"][0]] * 100_001
    with pytest.raises(IssueError, match=r"100,001 sys_audit rows.*100,000"):
        servicenow_incident(INCIDENT, rows)


def test_the_inputs_are_not_changed() -> None:
    incident, audit = copy.deepcopy(INCIDENT), copy.deepcopy(AUDIT)
    adapt(incident=incident, audit=audit)
    assert incident == INCIDENT and audit == AUDIT


def test_without_audit_the_current_values_hold_from_creation() -> None:
    issue = servicenow_incident(INCIDENT, mapping=TicketMapping(levels=LEVELS)).issue
    assert kinds(issue.history) == [
        (EventKind.CREATED, at(9)),
        (EventKind.LEVEL_CHANGED, at(9)),
    ]
    assert (issue.priority, issue.team, issue.level, issue.status) == ("2", NETWORK, "L2", "open")
    resolved = {**INCIDENT["result"], "state": "6"}
    assert servicenow_incident(resolved).issue.history[1] == Event(
        EventKind.STATUS_CHANGED, at(9), status="resolved"
    )


POLICY = """
[policy]
name = "servicenow-desk"

[[levels]]
id = "L1"
name = "Service desk"
rank = 1
owner = "desk"

[[levels]]
id = "L2"
name = "Network"
rank = 2
owner = "network"
targets = { resolution = { P1 = "2h", P2 = "4h", "*" = "8h" } }

[[rules]]
name = "caller-waiting"
type = "notify"
at = { after = "1h", since = "last_customer_message" }

[[rules]]
name = "resolution-breach"
type = "notify"
at = { sla = "resolution", share = "100%" }
"""


def test_end_to_end_the_policy_forecasts_from_the_adapted_issue() -> None:
    mapping = {"priorities": {"1": "P1", "2": "P2", "3": "P3", "4": "P4", "5": "P5"}}
    issue = adapt(**mapping).issue
    policy = loads(POLICY)
    # By hand: the caller last wrote at 11:30, so "caller-waiting" fires at 12:30. The
    # resolution clock runs from 09:00 and pauses On Hold (10:30-11:30): a P2's 4h at L2
    # fall due at 14:00.
    steps = forecast(policy, issue, at(12), at(18))
    assert [(s.at, s.action.rule, s.level) for s in steps] == [
        (at(12, 30), "caller-waiting", "L2"),
        (at(14), "resolution-breach", "L2"),
    ]
    decision = policy.evaluate(issue, at(12))
    assert decision.actions == () and decision.next_evaluation_at == at(12, 30)


def test_incident_state_is_ignored_when_state_is_audited() -> None:
    rows = [
        row(1, "10:00:00", "state", "2", "6", "beth.anglin", 2),
        row(2, "10:00:00", "incident_state", "2", "7", "beth.anglin", 2),
    ]
    adapted = adapt(audit=rows)
    assert adapted.issue.status == "resolved" and adapted.unmapped == ()


def test_rows_before_the_opening_count_from_it() -> None:
    late = {**INCIDENT["result"], "opened_at": "2026-03-02 10:00:00"}
    early = row(30, "09:30:00", "comments", "", "Is anyone there?", "abel.tuter", 1)
    issue = adapt(incident=late, audit=[*AUDIT["result"], early]).issue
    assert issue.created_at == at(10) and issue.history[0].at == at(10)
    assert (EventKind.CUSTOMER_MESSAGE, at(10)) in kinds(issue.history)
    assert all(e.at >= at(10) for e in issue.history)
    assert issue.history[0].assignee == AGENT  # set at 10:00, when the incident was opened
    assert issue.as_of(at(10, 45)).status == "pending"
