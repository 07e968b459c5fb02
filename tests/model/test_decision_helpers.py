"""Decision's typed views of its actions: expect_escalation, routes, notifications, actions_of."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalation_rules import Decision, Escalate, Notify, Route, SetPriority, SetStatus

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

ROUTE_A = Route("billing", "route-a", "billing issue", key="route-a:route")
ROUTE_B = Route("vip-desk", "route-b", "vip customer", key="route-b:route")
NOTIFY = Notify("team-lead", "nudge", "waiting", key="nudge:notify")
ESCALATE = Escalate("L2", "breach", "time at level", key="breach:escalate")
STATUS = SetStatus("closed", "chain", "loops exhausted", key="chain:set_status")


def decision(*actions: Escalate | Route | Notify | SetPriority | SetStatus) -> Decision:
    return Decision(actions, None, "because")


def test_expect_escalation_returns_the_escalation() -> None:
    assert decision(ROUTE_A, ESCALATE, NOTIFY).expect_escalation() is ESCALATE


def test_expect_escalation_raises_lookup_error_with_the_reason() -> None:
    with pytest.raises(LookupError, match="the decision does not escalate: because"):
        decision(ROUTE_A, NOTIFY).expect_escalation()
    with pytest.raises(LookupError):
        decision().expect_escalation()


def test_escalation_is_still_optional() -> None:
    assert decision(NOTIFY).escalation is None
    assert decision(NOTIFY, ESCALATE).escalation is ESCALATE


def test_routes_and_notifications_keep_rule_order() -> None:
    d = decision(ROUTE_A, NOTIFY, ESCALATE, ROUTE_B)
    assert d.routes == (ROUTE_A, ROUTE_B)
    assert d.notifications == (NOTIFY,)
    assert decision(ESCALATE).routes == () and decision(ESCALATE).notifications == ()


def test_actions_of_filters_by_kind() -> None:
    d = decision(ROUTE_A, STATUS, NOTIFY, ESCALATE)
    assert d.actions_of(SetStatus) == (STATUS,)
    assert d.actions_of(Escalate) == (ESCALATE,)
    assert d.actions_of(SetPriority) == ()
    statuses: tuple[SetStatus, ...] = d.actions_of(SetStatus)  # typed as the kind asked for
    assert [s.status for s in statuses] == ["closed"]


def test_helpers_do_not_change_equality_or_truth() -> None:
    d = decision(ROUTE_A)
    assert d == decision(ROUTE_A) and d and not decision()
    assert Decision((), NOW, "x").routes == ()
