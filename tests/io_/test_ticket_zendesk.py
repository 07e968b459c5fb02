"""Adapting a Zendesk ticket and its audits (`zendesk_ticket`)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from escalation_rules import EventKind, Issue, IssueError
from escalation_rules.importers import TicketMapping, import_zendesk, zendesk_ticket

REQUESTER, AGENT, AGENT2 = 20978392, 1001, 1002


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 21, hour, minute, tzinfo=UTC)


# Written from the shapes of GET /api/v2/tickets/{id} (the fields the adapter reads, and a
# few it ignores).
TICKET: dict[str, Any] = {
    "ticket": {
        "url": "https://example.zendesk.com/api/v2/tickets/35436.json",
        "id": 35436,
        "external_id": None,
        "via": {"channel": "web"},
        "created_at": "2026-12-21T14:00:00Z",
        "updated_at": "2026-12-21T19:00:00Z",
        "type": "incident",
        "subject": "Invoices do not load",
        "description": "The billing page shows an error.",
        "priority": "high",
        "status": "solved",
        "requester_id": REQUESTER,
        "submitter_id": REQUESTER,
        "assignee_id": AGENT2,
        "organization_id": 509974,
        "group_id": 360002,
        "brand_id": 42,
        "tags": ["vip", "billing"],
        "custom_fields": [
            {"id": 360012, "value": "gold"},
            {"id": 360013, "value": "api"},
            {"id": 360099, "value": "laptop"},
            {"id": 360100, "value": None},
        ],
        "satisfaction_rating": {"id": 5, "score": "good", "comment": "Quick, thanks"},
    }
}


def _change(field: str, value: Any, previous: Any) -> dict[str, Any]:
    return {"id": 1, "type": "Change", "field_name": field, "value": value,
            "previous_value": previous}  # fmt: skip


def _create(field: str, value: Any) -> dict[str, Any]:
    return {"id": 1, "type": "Create", "field_name": field, "value": value}


def _comment(author: int, public: bool, body: str = "...") -> dict[str, Any]:
    return {"id": 1, "type": "Comment", "author_id": author, "public": public, "body": body,
            "attachments": []}  # fmt: skip


NOTIFICATION = {"id": 9, "type": "Notification", "subject": "[Ticket] update",
                "body": "...", "recipients": [REQUESTER]}  # fmt: skip

# GET /api/v2/tickets/35436/audits
AUDITS: dict[str, Any] = {
    "audits": [
        {"id": 1, "ticket_id": 35436, "created_at": "2026-12-21T14:00:00Z",
         "author_id": REQUESTER, "events": [
            _comment(REQUESTER, True, "The billing page shows an error."),
            _create("subject", "Invoices do not load"),
            _create("status", "new"),
            _create("priority", "normal"),
            _create("type", "incident"),
            _create("group_id", 360001),
            _create("assignee_id", None),
            _create("requester_id", REQUESTER),
            _create("tags", ["vip", "billing"]),
            _create("360012", "gold"),
            _create("360013", "billing_portal"),
            _create("360099", "laptop"),
            NOTIFICATION,
        ]},
        {"id": 2, "ticket_id": 35436, "created_at": "2026-12-21T14:20:00Z",
         "author_id": AGENT, "events": [
            _change("status", "open", "new"),
            _change("assignee_id", AGENT, None),
            _comment(AGENT, False, "Internal: looks like the invoice service"),
        ]},
        {"id": 3, "ticket_id": 35436, "created_at": "2026-12-21T15:00:00Z",
         "author_id": AGENT, "events": [
            _comment(AGENT, True, "Could you send a screenshot?"),
            _change("status", "pending", "open"),
            NOTIFICATION,
        ]},
        {"id": 4, "ticket_id": 35436, "created_at": "2026-12-21T16:30:00Z",
         "author_id": REQUESTER, "events": [
            _comment(REQUESTER, True, "Here it is."),
            _change("status", "open", "pending"),
        ]},
        {"id": 5, "ticket_id": 35436, "created_at": "2026-12-21T17:00:00Z",
         "author_id": AGENT, "events": [
            _change("priority", "high", "normal"),
            _change("group_id", 360002, 360001),
            _change("assignee_id", AGENT2, AGENT),
            _change("360013", "api", "billing_portal"),
            _change("360099", ["laptop", "dock"], "laptop"),  # a multi-select
            _change("due_at", "2026-12-22T00:00:00Z", None),
        ]},
        {"id": 6, "ticket_id": 35436, "created_at": "2026-12-21T18:00:00Z",
         "author_id": AGENT2, "events": [
            _comment(AGENT2, True, "Fixed."),
            _change("status", "solved", "open"),
        ]},
        {"id": 7, "ticket_id": 35436, "created_at": "2026-12-21T19:00:00Z",
         "author_id": REQUESTER, "events": [
            {"id": 11, "type": "SatisfactionRating", "score": "good", "assignee_id": AGENT2,
             "body": "Quick, thanks"},
            {"id": 12, "type": "CommentPrivacyChange", "comment_id": 3, "public": False},
        ]},
    ]
}  # fmt: skip

MAPPING = TicketMapping(
    levels={"360001": "l1", "360002": "l2"},
    fields={"360012": "customer.tier", "360013": "product"},
)


def adapted(ticket: Any = TICKET, audits: Any = AUDITS, **kw: Any) -> Any:
    return zendesk_ticket(ticket, audits, mapping=kw.pop("mapping", MAPPING), **kw)


def kinds(issue: Any, kind: EventKind) -> list[Any]:
    return [e for e in issue.history if e.kind is kind]


def test_issue_fields_are_the_tickets_current_ones() -> None:
    result = adapted()
    issue = result.issue
    assert result.source == "zendesk"
    assert (issue.id, issue.created_at) == ("35436", at(14))
    assert (issue.status, issue.priority, issue.level) == ("solved", "high", "l2")
    assert (issue.team, issue.assignee, issue.product) == ("360002", "1002", "api")
    assert issue.tags == {"vip", "billing"}
    assert (issue.customer.id, issue.customer.tier, issue.customer.account) == (
        "20978392", "gold", "509974",
    )  # fmt: skip
    assert dict(issue.attributes) == {
        "ticket_type": "incident", "brand_id": "42", "organization_id": "509974",
        "satisfaction": 1,
    }  # fmt: skip


def test_history_replays_statuses_in_time_order() -> None:
    issue = adapted().issue
    assert issue.history[0].kind is EventKind.CREATED
    assert issue.history[0].priority == "normal" and issue.history[0].team == "360001"
    statuses = [(e.at, e.status) for e in kinds(issue, EventKind.STATUS_CHANGED)]
    assert statuses == [
        (at(14), "new"), (at(14, 20), "open"), (at(15), "pending"), (at(16, 30), "open"),
        (at(18), "solved"),
    ]  # fmt: skip
    times = [e.at for e in issue.history]
    assert times == sorted(times)


def test_priority_change_and_reassignment_with_levels() -> None:
    issue = adapted().issue
    assert [(e.at, e.priority) for e in kinds(issue, EventKind.PRIORITY_CHANGED)] == [
        (at(17), "high")
    ]
    assert [(e.at, e.team, e.assignee) for e in kinds(issue, EventKind.REASSIGNED)] == [
        (at(14, 20), None, "1001"), (at(17), "360002", None), (at(17), None, "1002"),
    ]  # fmt: skip
    assert [(e.at, e.level) for e in kinds(issue, EventKind.LEVEL_CHANGED)] == [
        (at(14), "l1"), (at(17), "l2"),
    ]  # fmt: skip
    before = issue.as_of(at(16))
    assert (before.level, before.priority, before.status) == ("l1", "normal", "pending")


def test_public_comments_are_replies_and_internal_notes_are_not() -> None:
    issue = adapted().issue
    customer = [(e.at, e.actor) for e in kinds(issue, EventKind.CUSTOMER_MESSAGE)]
    agent = [(e.at, e.actor) for e in kinds(issue, EventKind.AGENT_REPLY)]
    assert customer == [(at(14), "20978392"), (at(16, 30), "20978392")]
    assert agent == [(at(15), "1001"), (at(18), "1002")]  # not the note at 14:20


def test_custom_fields_mapped_changed_and_unmapped_reported_once() -> None:
    result = adapted()
    changes = [
        (e.at, e.name, e.data["value"]) for e in kinds(result.issue, EventKind.FIELD_CHANGED)
    ]
    assert changes == [
        (at(14), "attributes.brand_id", "42"),  # the ticket's, held since creation
        (at(14), "attributes.organization_id", "509974"),
        (at(14), "attributes.ticket_type", "incident"),
        (at(14), "product", "billing_portal"),
        (at(17), "product", "api"),
        (at(19), "attributes.satisfaction", 1),
    ]
    assert result.issue.as_of(at(16)).product == "billing_portal"
    where = [(u.where, u.value) for u in result.unmapped]
    assert where == [
        ("ticket.custom_fields[2]", "laptop"),  # 360099: once, though it changes in audits
        ("audits[4].events[5]", "2026-12-22T00:00:00Z"),  # due_at
        ("audits[6].events[1]", AUDITS["audits"][6]["events"][1]),
    ]
    assert "360099" in str(result.unmapped[0]) and "due_at" in result.report()


@pytest.mark.parametrize(
    ("score", "expected"), [("bad", 0), ("offered", None), ("unoffered", None)]
)
def test_satisfaction(score: str, expected: int | None) -> None:
    ticket = copy.deepcopy(TICKET)
    ticket["ticket"]["satisfaction_rating"]["score"] = score
    assert adapted(ticket, []).issue.attributes.get("satisfaction") == expected


def test_mapped_statuses_priorities_and_unknown_ones_reported() -> None:
    mapping = TicketMapping(
        statuses={"solved": "resolved", "new": "open"},
        priorities={"normal": "P3"},
        levels={"360001": "l1"},
    )
    result = zendesk_ticket(TICKET, AUDITS, mapping=mapping)
    issue = result.issue
    assert issue.status == "resolved"
    assert issue.history[0].priority == "P3"
    assert issue.priority == "high"  # kept as it is, and reported
    assert issue.level == "l1"  # 360002 is not a level
    reported = [(u.where, u.value) for u in result.unmapped]
    assert ("ticket.priority", "high") in reported
    custom = TICKET["ticket"] | {"status": "escalated"}
    odd = zendesk_ticket(custom, [])
    assert odd.issue.status == "escalated"
    assert odd.unmapped[0].where == "ticket.status" and odd.unmapped[0].value == "escalated"


def test_bare_ticket_without_audits_holds_its_values_since_creation() -> None:
    result = zendesk_ticket(TICKET["ticket"], mapping=MAPPING)
    issue = result.issue
    assert (issue.status, issue.priority, issue.level, issue.team) == (
        "solved", "high", "l2", "360002",
    )  # fmt: skip
    assert [e.kind for e in issue.history] == [
        EventKind.CREATED, EventKind.LEVEL_CHANGED, *[EventKind.FIELD_CHANGED] * 5,
    ]  # fmt: skip
    assert {e.at for e in issue.history} == {at(14)}
    assert zendesk_ticket(TICKET, AUDITS["audits"], mapping=MAPPING).issue == adapted().issue


DEVICE = TicketMapping(
    levels={"360001": "l1", "360002": "l2"},
    fields={"360012": "customer.tier", "360013": "category", "360099": "attributes.device"},
)


def _disagreeing() -> dict[str, Any]:
    """The ticket with other current values than the (truncated) audits end on."""
    ticket = copy.deepcopy(TICKET)
    ticket["ticket"].update(priority="urgent", group_id=360001, assignee_id=AGENT, type="task")
    ticket["ticket"]["custom_fields"][1]["value"] = "billing_portal"
    return ticket


def _replayed(issue: Any) -> Any:
    base = Issue(issue.id, issue.created_at, customer=issue.customer, tags=issue.tags)
    return base.with_events(issue.history)


FIELDS = ("status", "level", "team", "assignee", "priority", "category", "product", "language")


@pytest.mark.parametrize("ticket", [TICKET, _disagreeing()], ids=["realistic", "disagreeing"])
@pytest.mark.parametrize("mapping", [MAPPING, DEVICE], ids=["product", "device"])
def test_the_issue_is_what_replaying_its_history_gives(ticket: Any, mapping: Any) -> None:
    issue = zendesk_ticket(ticket, AUDITS, mapping=mapping).issue
    replayed = _replayed(issue)
    assert [getattr(replayed, f) for f in FIELDS] == [getattr(issue, f) for f in FIELDS]
    assert replayed.attributes == issue.attributes
    assert replayed == issue


def test_audits_ending_on_other_values_are_followed_and_reported() -> None:
    result = zendesk_ticket(TICKET, AUDITS, mapping=DEVICE)
    issue = result.issue
    assert issue.attributes["device"] == ("laptop", "dock")  # the audits', not "laptop"
    [device] = [u for u in result.unmapped if "the audits end" in u.what]
    assert device.where == "ticket.custom_fields[2]"
    assert device.value == {"ticket": "laptop", "audits": ["laptop", "dock"]}
    assert "'laptop'" in device.what and "('laptop', 'dock')" in device.what
    other = zendesk_ticket(_disagreeing(), AUDITS, mapping=DEVICE)
    issue = other.issue
    assert (issue.priority, issue.team, issue.assignee, issue.level) == (
        "high", "360002", "1002", "l2",
    )  # fmt: skip
    assert (issue.category, issue.attributes["ticket_type"]) == ("api", "incident")
    reported = {u.where: u.value for u in other.unmapped if "the audits end" in u.what}
    assert reported == {
        "ticket.priority": {"ticket": "urgent", "audits": "high"},
        "ticket.group_id": {"ticket": "360001", "audits": "360002"},
        "ticket.assignee_id": {"ticket": "1001", "audits": "1002"},
        "ticket.type": {"ticket": "task", "audits": "incident"},
        "ticket.custom_fields[1]": {"ticket": "billing_portal", "audits": "api"},
        "ticket.custom_fields[2]": {"ticket": "laptop", "audits": ["laptop", "dock"]},
    }
    assert not [u for u in adapted().unmapped if "the audits end" in u.what]


def test_audits_out_of_order_are_sorted_and_inputs_not_mutated() -> None:
    shuffled = {"audits": list(reversed(AUDITS["audits"]))}
    before = copy.deepcopy(shuffled)
    assert adapted(audits=shuffled).issue.history == adapted().issue.history
    assert shuffled == before


def test_an_agent_opening_the_ticket_is_not_a_reply() -> None:
    audits = copy.deepcopy(AUDITS)
    audits["audits"][0]["events"][0]["author_id"] = AGENT
    issue = adapted(audits=audits).issue
    assert kinds(issue, EventKind.AGENT_REPLY)[0].at == at(15)
    assert kinds(issue, EventKind.CUSTOMER_MESSAGE)[0].at == at(16, 30)


def _bad(path: list[Any], value: Any) -> tuple[Any, Any]:
    doc = copy.deepcopy({"ticket": TICKET["ticket"], "audits": AUDITS["audits"]})
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return {"ticket": doc["ticket"]}, {"audits": doc["audits"]}


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["ticket", "created_at"], "yesterday", "ticket.created_at"),
        (["ticket", "id"], None, "ticket.id"),
        (["ticket", "tags", 1], 7, "ticket.tags[1]"),
        (["ticket", "custom_fields", 1], "x", "ticket.custom_fields[1]"),
        (["ticket", "satisfaction_rating"], "good", "ticket.satisfaction_rating"),
        (["audits", 2, "created_at"], 5, "audits[2].created_at"),
        (["audits", 2, "events"], {}, "audits[2].events"),
        (["audits", 2, "events", 0, "public"], "yes", "audits[2].events[0].public"),
        (["audits", 1, "events", 0, "value"], {"a": 1}, "audits[1].events[0].value"),
        (["audits", 1, "events", 0, "type"], None, "audits[1].events[0].type"),
        (["audits", 4, "events", 3, "value"], [1], "audits[4].events[3].value"),
        (["audits", 1, "created_at"], "2026-12-21T13:00:00Z", "audits[1].created_at"),
    ],
)
def test_bad_shapes_name_the_path(path: list[Any], value: Any, message: str) -> None:
    ticket, audits = _bad(path, value)
    with pytest.raises(IssueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        zendesk_ticket(ticket, audits, mapping=MAPPING)


def test_bad_top_level_shapes() -> None:
    with pytest.raises(IssueError, match="ticket: expected a JSON object"):
        zendesk_ticket([1])
    with pytest.raises(IssueError, match="audits: expected a list"):
        zendesk_ticket(TICKET, "audits")
    with pytest.raises(IssueError, match=r"audits\.audits: expected a list"):
        zendesk_ticket(TICKET, {"audits": None})


def test_audits_of_another_ticket_or_ticket_events_are_refused() -> None:
    ticket, audits = _bad(["audits", 3, "ticket_id"], 99)
    with pytest.raises(IssueError, match=r"audits\[3\]\.ticket_id: .* ticket 99, not 35436"):
        zendesk_ticket(ticket, audits)
    event = {"id": 1, "ticket_id": 35436, "timestamp": 1798207200,
             "created_at": "2026-12-21T14:00:00Z", "updater_id": REQUESTER,
             "event_type": "Audit", "child_events": []}  # fmt: skip
    with pytest.raises(IssueError, match=r"audits\[0\]: an incremental ticket event"):
        zendesk_ticket(TICKET, [event])
    with pytest.raises(IssueError, match="incremental ticket events export"):
        zendesk_ticket(TICKET, {"ticket_events": [event]})


def test_too_many_audits_or_events_are_refused() -> None:
    many = [{"created_at": "2026-12-21T14:00:00Z", "events": []}] * 100_001
    with pytest.raises(IssueError, match="more than 100,000"):
        zendesk_ticket(TICKET, many)
    note = _comment(AGENT, False)
    big = [{"created_at": "2026-12-21T14:00:00Z", "events": [note] * 50_001}] * 2
    with pytest.raises(IssueError, match="100,002 audit events"):
        zendesk_ticket(TICKET, big)


# A Zendesk SLA policy (GET /api/v2/slas/policies): first reply in 45 minutes for normal
# tickets, elapsed time; requester wait 4 hours.
SLA = {"sla_policies": [{
    "id": 1, "title": "Everyone", "position": 1, "filter": {"all": [], "any": []},
    "policy_metrics": [
        {"priority": "normal", "metric": "first_reply_time", "target": 45,
         "business_hours": False},
        {"priority": "high", "metric": "first_reply_time", "target": 45,
         "business_hours": False},
        {"priority": "normal", "metric": "requester_wait_time", "target": 240,
         "business_hours": False},
        {"priority": "high", "metric": "requester_wait_time", "target": 240,
         "business_hours": False},
    ],
}]}  # fmt: skip


def test_end_to_end_with_the_imported_sla_policy() -> None:
    policy = import_zendesk(SLA).policy  # one level, "support": no group is a level
    issue = adapted(mapping=TicketMapping(fields=MAPPING.fields)).issue
    assert issue.level is None
    first = policy.sla_clock(issue, at(20), "first_response")
    # Created 14:00, 45 min target: due 14:45; the internal note at 14:20 is no reply, the
    # first public agent reply came at 15:00: breached at 14:45.
    assert first.deadline == at(14, 45)
    assert first.breached
    # Requester wait runs while new/open, pauses while pending (15:00 to 16:30), stops at
    # solved (18:00): 1 h + 1.5 h = 2.5 h of 4 h, not breached.
    wait = policy.sla_clock(issue, at(20), "requester_wait")
    assert wait.elapsed == timedelta(hours=2, minutes=30)
    assert not wait.breached
    # At 14:30 the clock was still running, due at 14:45.
    early = policy.sla_clock(issue, at(14, 30), "first_response")
    assert (early.running, early.deadline, early.breached) == (True, at(14, 45), False)


def test_an_unassignment_the_history_cannot_record_is_reported() -> None:
    ticket, audits = copy.deepcopy(TICKET), copy.deepcopy(AUDITS)
    ticket["ticket"]["assignee_id"] = None
    audits["audits"].append({"id": 99, "created_at": "2026-12-21T19:30:00Z", "author_id": AGENT2,
                             "events": [_change("assignee_id", None, AGENT2)]})  # fmt: skip
    result = adapted(ticket, audits)
    assert result.issue.assignee == "1002" == _replayed(result.issue).assignee
    reported = [(u.where, u.value) for u in result.unmapped if "assignee" in u.what]
    assert reported == [
        ("audits[7].events[0]", None),
        ("ticket.assignee_id", {"ticket": None, "audits": "1002"}),
    ]
