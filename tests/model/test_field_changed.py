"""FIELD_CHANGED events: a category, product, language or attribute that changes over an
issue's life (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation_rules import Event, EventKind, Issue, IssueError, issue_from_dict, issue_to_dict
from escalation_rules._analysis.describe import describe_event

T = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_a_field_change_sets_the_field_and_as_of_goes_back() -> None:
    issue = Issue("T-1", T, category="billing", attributes={"region": "eu"})
    later = issue.with_events(
        [
            Event.field_changed(T + timedelta(hours=1), "category", "outage"),
            Event.field_changed(T + timedelta(hours=2), "attributes.made_sla", False),
            Event.field_changed(T + timedelta(hours=3), "attributes.region", None),
            Event.field_changed(T + timedelta(hours=4), "product", "mail"),
        ]
    )
    assert later.category == "outage"
    assert later.product == "mail"
    assert dict(later.attributes) == {"made_sla": False}
    assert issue.category == "billing"  # the input is left alone
    assert dict(issue.attributes) == {"region": "eu"}
    halfway = later.as_of(T + timedelta(hours=2, minutes=30))
    assert halfway.category == "outage"
    assert halfway.product is None  # set later, unknown before
    assert dict(halfway.attributes) == {"made_sla": False}  # region: changed later, unknown


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("categroy", {"value": "x"}, "did you mean 'category'"),
        (None, {"value": "x"}, "names the field it sets"),
        ("attributes.", {"value": "x"}, "names the field it sets"),
        ("category", {}, "data\\['value'\\]"),
        ("category", {"value": 3}, "a string or None"),
    ],
)
def test_a_bad_field_change_is_refused(
    name: str | None, data: dict[str, object], message: str
) -> None:
    with pytest.raises(IssueError, match=message):
        Event(EventKind.FIELD_CHANGED, T, name=name, data=data)


def test_a_field_change_reads_and_round_trips_as_plain_data() -> None:
    issue = Issue("T-1", T).with_events(
        [Event.field_changed(T + timedelta(minutes=5), "attributes.tier", "gold")]
    )
    again = issue_from_dict(issue_to_dict(issue))
    assert again == issue
    assert again.history[-1].data["value"] == "gold"
    assert describe_event(issue.history[-1]) == "attributes.tier -> gold"


@given(st.lists(st.sampled_from(["a", "b", None]), max_size=6))
def test_the_last_change_wins(values: list[str | None]) -> None:
    events = [
        Event.field_changed(T + timedelta(minutes=i), "category", v) for i, v in enumerate(values)
    ]
    issue = Issue("T-1", T, category="start").with_events(events)
    assert issue.category == (values[-1] if values else "start")
