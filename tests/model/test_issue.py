"""The issue model: validation, immutability, history helpers, pickling."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest

from escalation_rules import (
    Customer,
    Escalate,
    Event,
    EventKind,
    Issue,
    IssueError,
    NaiveDatetimeError,
    Notify,
    Route,
)

from ..conftest import T0, at, make_issue


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Issue("1", datetime(2026, 1, 1)), NaiveDatetimeError, "Issue.created_at must be"),
        (lambda: Event("created", datetime(2026, 1, 1)), NaiveDatetimeError, "Event.at"),
        (lambda: Issue("1", "2026-01-01"), IssueError, "must be a timezone-aware datetime"),
        (lambda: Event("creatd", T0), IssueError, "did you mean 'created'"),
        (
            lambda: make_issue("1", Event("agent_reply", at(-1))),
            IssueError,
            "history must be in time order",
        ),
        (
            lambda: Issue("1", T0, history=["created"]),
            IssueError,
            "history\\[0\\] must be an Event",
        ),
        (
            lambda: make_issue("1", Event("level_changed", at(1), level="L2"), level="L3"),
            IssueError,
            "has level 'L3', but its history last moved it to 'L2'",
        ),
    ],
)
def test_bad_issue_input(build: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


def test_tags_must_not_be_a_bare_string() -> None:
    with pytest.raises(IssueError, match=r"got the string 'vip'; write \['vip'\]"):
        Issue("1", T0, tags="vip")  # type: ignore[arg-type]
    with pytest.raises(IssueError, match="status must be a non-empty string"):
        Issue("1", T0, status=None)  # type: ignore[arg-type]


def test_models_are_frozen_and_mappings_read_only() -> None:
    issue = make_issue(attributes={"a": 1}, customer=Customer(attributes={"b": 2}))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        issue.priority = "P1"  # type: ignore[misc]
    with pytest.raises(TypeError, match="read-only"):
        issue.attributes["a"] = 2  # type: ignore[index]
    with pytest.raises(TypeError, match="read-only"):
        issue.customer.attributes.clear()  # type: ignore[attr-defined]


def test_input_mappings_are_copied_not_shared() -> None:
    attributes = {"a": 1}
    issue = make_issue(attributes=attributes)
    attributes["a"] = 2
    assert issue.attributes["a"] == 1


def test_record_appends_and_updates_fields() -> None:
    issue = make_issue()
    esc = Escalate("L2", "r", "why", key="r:escalate")
    moved = issue.record(esc, at(1))
    assert moved.level == "L2" and issue.level is None  # the original is untouched
    assert moved.history[-1] == Event(
        EventKind.ACTION_TAKEN, at(1), action="r:escalate", rule="r", level="L2"
    )
    routed = moved.record(Route("billing", "b", "why", key="b:route"), at(2))
    assert routed.team == "billing" and routed.level == "L2"
    notified = routed.record(Notify("ops", "n", "why", key="n:notify"), at(3))
    assert notified.team == "billing" and notified.history[-1].action == "n:notify"


def test_with_event_keeps_fields_in_step() -> None:
    issue = make_issue()
    issue = issue.with_event(Event(EventKind.STATUS_CHANGED, at(1), status="pending"))
    issue = issue.with_event(Event(EventKind.LEVEL_CHANGED, at(2), level="L2"))
    issue = issue.with_event(Event(EventKind.REASSIGNED, at(3), team="t", assignee="ann"))
    assert (issue.status, issue.level, issue.team, issue.assignee) == ("pending", "L2", "t", "ann")


def test_level_is_derived_from_history_when_not_given() -> None:
    issue = make_issue("1", Event(EventKind.LEVEL_CHANGED, at(1), level="L3"))
    assert issue.level == "L3"


def test_issue_pickles_and_hashes() -> None:
    issue = make_issue(
        "1",
        Event(EventKind.CUSTOMER_MESSAGE, at(1), data={"chars": 40}),
        attributes={"a": [1, 2]},
        customer=Customer(tier="gold"),
        tags=["x"],
    )
    clone = pickle.loads(pickle.dumps(issue))
    assert clone == issue and clone.history[-1].data == {"chars": 40}
    assert clone._summary.anchors == issue._summary.anchors
    assert hash(make_issue(tags=["x"])) == hash(make_issue(tags=["x"]))


def test_status_and_kinds_are_strings() -> None:
    assert EventKind.CREATED == "created" and str(EventKind.CREATED) == "created"
    assert Issue("1", T0).status == "open"
    assert (
        datetime(2026, 1, 1, tzinfo=UTC) == Issue("1", datetime(2026, 1, 1, tzinfo=UTC)).created_at
    )


# ----------------------------------------------- refused when built (issue 12, item 7)

_T = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Event(EventKind.STATUS_CHANGED, _T, status=5),  # type: ignore[arg-type]
         "Event.status must be a string or None, got 5"),
        (lambda: Event(EventKind.LEVEL_CHANGED, _T, level=5),  # type: ignore[arg-type]
         "Event.level must be a string or None, got 5"),
        (lambda: Issue(123, _T),  # type: ignore[arg-type]
         "Issue.id must be a non-empty string, got 123"),
        (lambda: Issue("", _T), "Issue.id must be a non-empty string, got ''"),
        (lambda: Issue("X", _T, priority=1),  # type: ignore[arg-type]
         "Issue.priority must be a string or None, got 1"),
        (lambda: Issue("X", _T, customer="gold"),  # type: ignore[arg-type]
         "Issue.customer must be a Customer, got 'gold'"),
        (lambda: Customer(value="lots"),  # type: ignore[arg-type]
         "Customer.value must be a number or None, got 'lots'"),
        (lambda: Customer(value=True), "Customer.value must be a number or None, got True"),
        (lambda: Customer(tier=1),  # type: ignore[arg-type]
         "Customer.tier must be a string or None, got 1"),
        (lambda: Customer(attributes=[1]),  # type: ignore[arg-type]
         "expected a mapping of names to values, got [1]"),
        (lambda: Issue("X", _T, attributes="x"),  # type: ignore[arg-type]
         "expected a mapping of names to values, got 'x'"),
        (lambda: Issue("X", datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))),
         "issue 'X' has an instant that is out of range in UTC: instants must fall within "
         "the years 1 to 9999 once converted to UTC"),
    ],
    ids=[
        "event status", "event level", "issue id", "empty id", "priority", "customer",
        "customer value", "customer value bool", "customer tier", "customer attributes",
        "issue attributes", "created near year 1",
    ],
)  # fmt: skip
def test_bad_issue_data_is_refused_when_built(build: Callable[[], object], message: str) -> None:
    with pytest.raises(IssueError) as info:
        build()
    assert str(info.value) == message


def test_an_event_near_year_1_is_refused_when_appended() -> None:
    issue = Issue("X", _T)
    early = Event(EventKind.CUSTOM, datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))))
    with pytest.raises(IssueError, match="out of range in UTC"):
        Issue("Y", datetime(1, 1, 1, 12, tzinfo=UTC), history=[early])
    with pytest.raises(IssueError, match="out of range in UTC"):
        issue.with_events([early])


# ------------------------------------------------------------ frozen all the way down (item 15)


def test_nested_attributes_are_frozen_and_unlinked_from_the_callers_values() -> None:
    given = {"tags": ["a", {"deep": [1, 2]}], "owners": {"ops": {"ann"}}}
    issue = Issue("n1", T0, attributes=given, customer=Customer(attributes={"seats": [5]}))
    given["tags"].append("b")  # type: ignore[attr-defined]
    given["owners"]["ops"].add("bob")  # type: ignore[index]
    assert issue.attributes == {"tags": ("a", {"deep": (1, 2)}), "owners": {"ops": {"ann"}}}
    assert issue.customer.attributes["seats"] == (5,)
    with pytest.raises(TypeError):
        issue.attributes["owners"]["x"] = 1
    same = Issue("n1", T0, attributes=issue.attributes, customer=issue.customer)
    assert hash(issue) == hash(same)


def test_event_data_is_frozen_all_the_way_down() -> None:
    data = {"changes": [{"field": "priority"}]}
    event = Event(EventKind.CUSTOM, T0, name="edit", data=data)
    data["changes"].append({"field": "team"})
    assert event.data == {"changes": ({"field": "priority"},)}


def test_a_mutable_value_that_cannot_be_frozen_is_refused_by_name() -> None:
    with pytest.raises(IssueError, match=r"the entry at \['blob'\]\[0\] is a bytearray"):
        Issue("n2", T0, attributes={"blob": [bytearray(b"x")]})


def test_attributes_nested_past_the_limit_are_refused_without_recursion_error() -> None:
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(IssueError, match=r"under \['x'\] nests more than 64 levels"):
        Issue("n3", T0, attributes={"x": deep})


@pytest.mark.parametrize("tags", [[None, False], [1], "vip", 5])
def test_tags_and_skills_must_be_strings(tags: object) -> None:
    # Found by fuzzing issue_from_dict: tags [None, False] were accepted, and then
    # issue_to_dict failed with a TypeError while sorting them.
    with pytest.raises(IssueError, match=r"^Issue\.tags: expected a collection of strings"):
        Issue("t", T0, tags=tags)  # type: ignore[arg-type]
    with pytest.raises(IssueError, match=r"^Issue\.skills: expected a collection of strings"):
        Issue("t", T0, skills=tags)  # type: ignore[arg-type]
