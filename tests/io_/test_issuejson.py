"""Issues as JSON: round trips, and untrusted JSON that gets only the library's errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import Customer, EscalationRulesError, Event, EventKind, Issue, IssueError
from escalation_rules._io.issuejson import issue_from_dict, issue_to_dict, read_issue_file

from ..conftest import T0
from ..strategies import issues


def test_a_customer_value_of_zero_survives_the_round_trip() -> None:
    issue = Issue("Z", T0, customer=Customer(value=0, tier="free"))
    assert issue_from_dict(json.loads(json.dumps(issue_to_dict(issue)))) == issue


def test_a_pinned_policy_version_round_trips_and_is_omitted_when_none() -> None:
    pinned = Issue("P", T0, policy_version="support@0123456789ab")
    data = issue_to_dict(pinned)
    assert data["policy_version"] == "support@0123456789ab"
    assert issue_from_dict(json.loads(json.dumps(data))) == pinned
    assert "policy_version" not in issue_to_dict(Issue("P", T0))
    with pytest.raises(IssueError, match="policy_version must be a string or None"):
        issue_from_dict({"id": "P", "created_at": "2026-03-02T09:00:00Z", "policy_version": 7})


def test_nested_attributes_and_event_data_round_trip_through_json() -> None:
    issue = Issue(
        "N", T0,
        attributes={"tags": ["a", {"deep": [1, 2]}], "set": {"x", "y"}, "n": None},
        history=[Event(EventKind.CUSTOM, T0, name="edit", data={"changes": [{"f": "p"}]})],
    )  # fmt: skip
    text = json.dumps(issue_to_dict(issue))
    back = issue_from_dict(json.loads(text))
    assert back.attributes == {"tags": ("a", {"deep": (1, 2)}), "set": ("x", "y"), "n": None}
    assert back.history[0].data == issue.history[0].data


def test_read_issue_file_takes_a_utf8_bom_and_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "issue.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(issue_to_dict(Issue("B", T0))).encode())
    assert read_issue_file(path) == Issue("B", T0)
    path.write_bytes(b'{"id": "B", "created_at": "2026-03-02T09:00:00Z", "priorty": 1}')
    with pytest.raises(IssueError) as info:
        read_issue_file(path)
    assert info.value.where == str(path) and info.value.suggestion == "priority"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(IssueError, match="not UTF-8"):
        read_issue_file(path)


def test_a_huge_value_in_an_error_message_is_cut() -> None:
    with pytest.raises(IssueError) as info:
        issue_from_dict({"id": "X", "created_at": "2026-03-02T09:00:00Z", "history": "y" * 10**6})
    assert len(str(info.value)) < 300


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    ["id", "created_at", "priority", "status", "level", "customer", "attributes", "history",
     "tags", "skills", "team", "kind", "at", "data", "value", "tier", "priorty"]
)  # fmt: skip
_INSTANTS = st.sampled_from(
    ["2026-03-02T09:00:00Z", "2026-03-02T09:00:00", "0001-01-01T00:00:00+01:00",
     "9999-12-31T23:59:59-05:00", "yesterday", ""]
)  # fmt: skip
_VALUES = _JSON | _INSTANTS
_EVENT = st.dictionaries(_KEYS, _VALUES, max_size=5) | st.fixed_dictionaries(
    {"kind": st.sampled_from([k.value for k in EventKind] + ["nope"]), "at": _INSTANTS},
    optional={"status": _VALUES, "level": _VALUES, "data": _JSON},
)
_ISSUE = (
    st.fixed_dictionaries(
        {"id": _VALUES, "created_at": _INSTANTS},
        optional={
            "history": st.lists(_EVENT, max_size=4) | _JSON,
            "customer": st.dictionaries(_KEYS, _VALUES, max_size=3) | _JSON,
            "attributes": _JSON,
            "tags": _JSON,
            "status": _VALUES,
            "priority": _VALUES,
            "priorty": _VALUES,
        },
    )
    | _JSON
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ISSUE)
def test_issue_from_dict_raises_only_the_librarys_errors(data: Any) -> None:
    try:
        issue = issue_from_dict(data)
    except EscalationRulesError:
        return
    assert issue_from_dict(json.loads(json.dumps(issue_to_dict(issue)))) == issue


@settings(max_examples=200, deadline=None)
@given(issues())
def test_any_issue_round_trips_through_plain_data_and_json(issue: Issue) -> None:
    data = json.loads(json.dumps(issue_to_dict(issue)))
    assert issue_from_dict(data) == issue
