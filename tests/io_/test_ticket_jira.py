"""Adapting a Jira Service Management issue and its changelog (`jira_issue`)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from escalation_rules import Escalate, Event, EventKind, IssueError, forecast, loads
from escalation_rules._io.ticket_jira import DEFAULTS, MAX_CHANGES
from escalation_rules.importers import AdaptedTicket, TicketMapping, jira_issue

AGENT = "5b10a2844c20165700ede21g"
BOT = "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"
CUSTOMER = "qm:a1b2c3d4-0001:cust-1"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, 5, hour, minute, tzinfo=UTC)


def user(account: str, name: str, kind: str = "atlassian") -> dict[str, Any]:
    return {
        "self": f"https://example.atlassian.net/rest/api/3/user?accountId={account}",
        "accountId": account,
        "displayName": name,
        "active": True,
        "timeZone": "Europe/Dublin",
        "accountType": kind,
    }


def item(field: str, field_id: str, frm: Any, frm_s: Any, to: Any, to_s: Any) -> dict[str, Any]:
    kind = "custom" if field_id.startswith("customfield_") else "jira"
    return {
        "field": field,
        "fieldtype": kind,
        "fieldId": field_id,
        "from": frm,
        "fromString": frm_s,
        "to": to,
        "toString": to_s,
    }


def history(hid: str, when: str, author: dict[str, Any], *items: dict[str, Any]) -> dict[str, Any]:
    return {"id": hid, "author": author, "created": when, "items": list(items)}


# Written from the shapes of GET /rest/api/3/issue/{key}/changelog (PageBeanChangelog:
# Changelog {id, author, created, items: ChangeDetails}); newest first, as some versions page.
HISTORIES: list[dict[str, Any]] = [
    history(
        "10105", "2026-01-05T11:00:00.000+0000", user(AGENT, "Ana Agent"),
        item("status", "status", "10101", "In Review", "10002", "Waiting for customer"),
        item("description", "description", None, "Card declined", None, "Card declined twice"),
        item("Flagged", "customfield_10070", None, None, "[10019]", "Impediment"),
    ),
    history(
        "10104", "2026-01-05T10:30:00.000+0000", user(AGENT, "Ana Agent"),
        item("status", "status", "3", "In Progress", "10101", "In Review"),
        item("Flagged", "customfield_10070", "[10019]", "Impediment", None, None),
    ),
    history(
        "10103", "2026-01-05T10:00:00.000+0000", user(AGENT, "Ana Agent"),
        item("Component", "components", None, None, "10001", "Payments"),
    ),
    history(
        "10102", "2026-01-05T09:30:00.000+0000", user(AGENT, "Ana Agent"),
        item("priority", "priority", "3", "Medium", "2", "High"),
        item("Region", "customfield_10020", "10051", "AMER", "10050", "EMEA"),
    ),
    history(
        "10101", "2026-01-05T09:05:00.000+0000", user(BOT, "Automation"),
        item("status", "status", "1", "Waiting for support", "3", "In Progress"),
        item("assignee", "assignee", None, None, AGENT, "Ana Agent"),
    ),
]  # fmt: skip


def comment(cid: str, who: dict[str, Any], when: str, public: bool) -> dict[str, Any]:
    return {
        "id": cid,
        "author": who,
        "body": {"type": "doc", "version": 1, "content": []},
        "created": when,
        "updated": when,
        "jsdPublic": public,
    }


def jsm_issue(*, changelog: bool = True) -> dict[str, Any]:
    """An issue as GET /rest/api/3/issue/SUP-42?expand=changelog returns it (trimmed)."""
    fields: dict[str, Any] = {
        "summary": "Checkout fails for card payments",
        "description": {"type": "doc", "version": 1, "content": []},
        "created": "2026-01-05T09:00:00.000+0000",
        "updated": "2026-01-05T11:00:00.000+0000",
        "status": {
            "name": "Waiting for customer",
            "id": "10002",
            "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"},
        },
        "priority": {"name": "High", "id": "2"},
        "assignee": user(AGENT, "Ana Agent"),
        "reporter": user(CUSTOMER, "Carl Customer", "customer"),
        "creator": user(CUSTOMER, "Carl Customer", "customer"),
        "issuetype": {"id": "10004", "name": "[System] Incident", "subtask": False},
        "labels": ["vip", "checkout"],
        "components": [{"id": "10001", "name": "Payments"}],
        "resolution": None,
        "resolutiondate": None,
        "customfield_10010": {"requestType": {"id": "12", "name": "Report a problem"}},
        "customfield_10020": {"value": "EMEA", "id": "10050"},
        "customfield_10030": {"value": "Checkout", "id": "10060"},
        "customfield_10040": None,
        "customfield_10050": {"value": "Gold", "id": "10080"},
        "customfield_10070": None,
        "comment": {
            "comments": [
                comment("1", user(AGENT, "Ana Agent"), "2026-01-05T10:15:00.000+0000", True),
                comment("2", user(AGENT, "Ana Agent"), "2026-01-05T10:20:00.000+0000", False),
                comment("3", user(CUSTOMER, "Carl"), "2026-01-05T10:45:00.000+0000", True),
            ],
            "maxResults": 3,
            "total": 3,
            "startAt": 0,
        },
    }
    doc: dict[str, Any] = {"id": "10042", "key": "SUP-42", "fields": fields}
    if changelog:
        doc["changelog"] = {
            "startAt": 0, "maxResults": 5, "total": 5, "histories": copy.deepcopy(HISTORIES)
        }  # fmt: skip
    return doc


MAPPING = TicketMapping(
    levels={"Payments": "L2"},
    fields={
        "customfield_10020": "attributes.region",
        "customfield_10030": "product",
        "customfield_10050": "customer.tier",
    },
)


def adapt(**kwargs: Any) -> AdaptedTicket:
    return jira_issue(jsm_issue(), mapping=kwargs.pop("mapping", MAPPING), **kwargs)


def kinds(adapted: AdaptedTicket) -> list[tuple[str, datetime]]:
    return [(str(e.kind), e.at) for e in adapted.issue.history]


def test_the_history_replays_the_changelog_in_time_order() -> None:
    issue = adapt().issue
    assert kinds(adapt()) == [
        ("created", at(9)),
        ("field_changed", at(9)),  # the region it was created with
        ("status_changed", at(9, 5)),
        ("reassigned", at(9, 5)),
        ("priority_changed", at(9, 30)),
        ("field_changed", at(9, 30)),
        ("level_changed", at(10)),
        ("agent_reply", at(10, 15)),
        ("status_changed", at(10, 30)),
        ("customer_message", at(10, 45)),
        ("status_changed", at(11)),
    ]
    statuses = [e.status for e in issue.history if e.kind is EventKind.STATUS_CHANGED]
    assert statuses == ["open", "In Review", "pending"]
    assert issue.history[2].actor == BOT
    assert issue.history[3].assignee == AGENT
    assert issue.history[4].priority == "High"
    assert issue.history[6].level == "L2"


def test_initial_values_are_the_first_changes_fromstring() -> None:
    issue = adapt().issue
    created = issue.history[0]
    assert (created.priority, created.assignee) == ("Medium", None)
    assert issue.history[1] == Event.field_changed(at(9), "attributes.region", "AMER")
    early = issue.as_of(at(9, 10))
    assert (early.priority, early.status, early.level, early.assignee) == (
        "Medium", "open", None, AGENT,
    )  # fmt: skip
    assert early.attributes["region"] == "AMER"


def test_the_current_fields_come_from_the_issue() -> None:
    issue = adapt().issue
    assert issue.id == "SUP-42"
    assert issue.created_at == at(9)
    assert (issue.status, issue.priority, issue.level, issue.assignee) == (
        "pending", "High", "L2", AGENT,
    )  # fmt: skip
    assert issue.tags == {"vip", "checkout"}
    assert issue.product == "Checkout"
    assert dict(issue.attributes) == {"region": "EMEA"}
    assert (issue.customer.id, issue.customer.tier) == (CUSTOMER, "Gold")


def test_comments_by_the_reporter_are_customer_messages_internal_ones_skipped() -> None:
    replies = [
        (e.kind, e.actor, e.at)
        for e in adapt().issue.history
        if e.kind in (EventKind.AGENT_REPLY, EventKind.CUSTOMER_MESSAGE)
    ]
    assert replies == [
        (EventKind.AGENT_REPLY, AGENT, at(10, 15)),
        (EventKind.CUSTOMER_MESSAGE, CUSTOMER, at(10, 45)),
    ]


def test_unmapped_fields_and_unknown_statuses_are_reported_once_with_their_path() -> None:
    adapted = adapt()
    where = [(u.where, u.value if isinstance(u.value, str) else None) for u in adapted.unmapped]
    assert where == [
        ("fields.customfield_10010", None),
        # the Flagged field changes twice, in histories[1] and [0] (newest first): one report
        ("changelog.histories[1].items[1]", None),
        ("changelog.histories[1].items[0]", "In Review"),
    ]
    assert "customfield_10010" in adapted.unmapped[0].what
    assert "status_map" in adapted.unmapped[2].what
    assert adapted.source == "jira"
    assert adapted.report().count("\n") == 2


def test_every_custom_field_unmapped_is_reported_and_null_ones_are_not() -> None:
    adapted = jira_issue(jsm_issue(changelog=False))
    assert [u.where for u in adapted.unmapped] == [
        "fields.customfield_10010",
        "fields.customfield_10020",
        "fields.customfield_10030",
        "fields.customfield_10050",
    ]
    assert adapted.issue.attributes == {}
    assert adapted.issue.customer.tier is None


def test_a_status_unknown_but_current_falls_back_on_its_category() -> None:
    doc = jsm_issue(changelog=False)
    doc["fields"]["status"] = {"name": "Fixed", "statusCategory": {"key": "done"}}
    adapted = jira_issue(doc)
    assert adapted.issue.status == "resolved"
    doc["fields"]["status"] = {"name": "Triage", "statusCategory": {"key": "new"}}
    assert jira_issue(doc).issue.status == "open"
    mapped = jira_issue(doc, mapping=TicketMapping(statuses={"Triage": "pending"}))
    assert mapped.issue.status == "pending"


def test_the_default_status_names() -> None:
    assert DEFAULTS["Waiting for support"] == "open"
    assert DEFAULTS["Waiting for customer"] == "pending"
    assert DEFAULTS["Done"] == "resolved"
    assert DEFAULTS["Declined"] == "closed"
    mapping = TicketMapping(statuses={"In Review": "pending"}, levels=MAPPING.levels)
    mapped = adapt(mapping=attrs.evolve(mapping, fields=MAPPING.fields))
    assert [u.where for u in mapped.unmapped][-1] == "changelog.histories[1].items[1]"
    assert mapped.issue.history[8].status == "pending"


def test_the_priority_table_maps_and_reports_what_it_lacks() -> None:
    mapping = TicketMapping(priorities={"High": "P2"})
    adapted = jira_issue(jsm_issue(), mapping=mapping)
    assert adapted.issue.priority == "P2"
    assert adapted.issue.history[0].priority == "Medium"  # kept, and reported
    assert [u.value for u in adapted.unmapped if "Jira priority" in u.what] == ["Medium"]


def test_the_two_changelog_forms_give_the_same_issue() -> None:
    bare = jsm_issue(changelog=False)
    expanded = jira_issue(jsm_issue(), mapping=MAPPING)
    page = {"startAt": 0, "maxResults": 100, "total": 5, "isLast": True, "values": HISTORIES}
    paged = jira_issue(bare, page, mapping=MAPPING)
    listed = jira_issue(bare, list(reversed(HISTORIES)), mapping=MAPPING)
    assert paged.issue == expanded.issue
    assert listed.issue == expanded.issue
    assert [u.what for u in paged.unmapped] == [u.what for u in expanded.unmapped]
    assert paged.unmapped[1].where == "changelog.values[1].items[1]"


def test_a_partial_changelog_page_is_reported() -> None:
    page = {"startAt": 0, "maxResults": 2, "total": 5, "isLast": False, "values": HISTORIES[:2]}
    adapted = jira_issue(jsm_issue(changelog=False), page, mapping=MAPPING)
    partial = [u for u in adapted.unmapped if u.where == "changelog"]
    assert len(partial) == 1
    assert "2 of 5" in partial[0].what
    whole = {"startAt": 0, "maxResults": 5, "total": 5, "isLast": True, "values": HISTORIES}
    assert "changelog" not in [u.where for u in jira_issue(jsm_issue(), whole).unmapped]


def test_the_input_is_not_changed() -> None:
    doc = jsm_issue()
    before = copy.deepcopy(doc)
    jira_issue(doc, mapping=MAPPING)
    assert doc == before


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.pop("key"), "issue.key"),
        (lambda d: d.update(fields=[]), "fields"),
        (lambda d: d["fields"].update(created="yesterday"), "fields.created"),
        (lambda d: d["fields"].update(status="Open"), "fields.status"),
        (lambda d: d["changelog"].update(histories={}), "changelog.histories"),
        (lambda d: d["changelog"]["histories"][2].update(created=None), "histories[2].created"),
        (lambda d: d["changelog"]["histories"][0]["items"].append(7), "histories[0].items[3]"),
        (lambda d: d["changelog"]["histories"][4]["items"][0].update(toString=["x"]),
         "histories[4].items[0].toString"),
        (lambda d: d["fields"]["comment"]["comments"][0].update(author=3), "comments[0].author"),
        (lambda d: d["fields"].update(customfield_10020=[{"id": 1}]),
         "fields.customfield_10020[0]"),
    ],
)  # fmt: skip
def test_a_bad_shape_names_its_path(change: Any, path: str) -> None:
    doc = jsm_issue()
    change(doc)
    with pytest.raises(IssueError, match=path.replace("[", r"\[").replace("]", r"\]")):
        jira_issue(doc, mapping=MAPPING)


def test_the_changelog_is_bounded() -> None:
    many = [history("1", "2026-01-05T10:00:00.000+0000", user(AGENT, "A"))] * (MAX_CHANGES + 1)
    with pytest.raises(IssueError, match="more than the 100,000"):
        jira_issue(jsm_issue(changelog=False), many)
    items = [item("labels", "labels", None, "", None, "x")] * (MAX_CHANGES + 1)
    one = [history("1", "2026-01-05T10:00:00.000+0000", user(AGENT, "A"), *items)]
    with pytest.raises(IssueError, match="changelog items"):
        jira_issue(jsm_issue(changelog=False), one)


def test_an_assignee_mapped_to_a_level_moves_the_issue_from_creation() -> None:
    mapping = TicketMapping(levels={AGENT: "L2", "Payments": "L3"})
    issue = jira_issue(jsm_issue(), mapping=mapping).issue
    moves = [(e.at, e.level) for e in issue.history if e.kind is EventKind.LEVEL_CHANGED]
    assert moves == [(at(9, 5), "L2"), (at(10), "L3")]


POLICY = """
[policy]
name = "jira-desk"

[[levels]]
id = "L1"
name = "Service desk"
rank = 1
owner = "desk"
targets = { time_at_level = { High = "2h", "*" = "8h" } }

[[levels]]
id = "L2"
name = "Payments engineers"
rank = 2
owner = "payments"
targets = { time_at_level = { High = "4h", "*" = "1d" } }

[[levels]]
id = "L3"
name = "Payments leads"
rank = 3
owner = "leads"

[[rules]]
name = "time-at-level-limit"
type = "escalate"
at = { sla = "time_at_level" }
"""


def test_end_to_end_the_adapted_issue_under_a_policy() -> None:
    policy = loads(POLICY)
    mapping = TicketMapping(
        statuses={"In Review": "open"}, levels={"Payments": "L2"}, fields=MAPPING.fields
    )
    adapted = jira_issue(jsm_issue(), mapping=mapping)
    issue = adapted.issue
    # At 09:10: priority Medium (the first change's fromString), at L1 since 09:00: the
    # 8h limit falls at 17:00.
    early = forecast(policy, issue, at(9, 10), at(23))
    assert [(s.at, s.action.to) for s in early if isinstance(s.action, Escalate)][:1] == [
        (at(17), "L2")
    ]
    # At 10:30: High, at L2 since 10:00, open: the 4h limit falls at 14:00.
    steps = forecast(policy, issue, at(10, 30), at(23))
    assert [(s.at, s.level, s.action.to) for s in steps if isinstance(s.action, Escalate)] == [
        (at(14), "L2", "L3")
    ]
    # Now: pending since 11:00 ("Waiting for customer"), so L2's clock is paused.
    assert forecast(policy, issue, at(11, 30), at(23)) == ()
    assert policy.evaluate(issue, at(15)).actions == ()


def test_fields_map_by_the_names_jira_gives_them() -> None:
    doc = jsm_issue()
    doc["names"] = {"customfield_10020": "Region", "customfield_10010": "Request Type"}
    adapted = jira_issue(doc, mapping=TicketMapping(fields={"Region": "attributes.region"}))
    assert adapted.issue.attributes == {"region": "EMEA"}
    assert adapted.issue.history[1] == Event.field_changed(at(9), "attributes.region", "AMER")
    assert "'Request Type' (customfield_10010)" in adapted.unmapped[0].what


def test_a_custom_field_can_hold_the_priority() -> None:
    doc = jsm_issue()
    doc["fields"]["customfield_10030"] = {"value": "Sev 1", "id": "1"}
    doc["changelog"]["histories"][0]["items"].append(
        item("Severity", "customfield_10030", "2", "Sev 2", "1", "Sev 1")
    )
    issue = jira_issue(doc, mapping=TicketMapping(fields={"customfield_10030": "priority"})).issue
    changes = [(e.at, e.priority) for e in issue.history if e.priority is not None]
    assert changes == [(at(9), "Sev 2"), (at(11), "Sev 1")]  # the system priority ignored
    assert issue.priority == "Sev 1"


def test_a_change_dated_before_the_issue_counts_at_its_creation_and_is_reported() -> None:
    doc = jsm_issue()
    doc["changelog"]["histories"][4]["created"] = "2026-01-05T08:59:00.000+0000"
    adapted = jira_issue(doc, mapping=MAPPING)
    assert adapted.issue.history[2].at == at(9)
    assert [u.where for u in adapted.unmapped if "before" in u.what] == [
        "changelog.histories[4].created"
    ]


def test_a_move_to_the_level_the_issue_is_at_is_no_level_change() -> None:
    mapping = TicketMapping(levels={AGENT: "L2", "Payments": "L2"})
    issue = jira_issue(jsm_issue(), mapping=mapping).issue
    moves = [(e.at, e.level) for e in issue.history if e.kind is EventKind.LEVEL_CHANGED]
    assert moves == [(at(9, 5), "L2")]
