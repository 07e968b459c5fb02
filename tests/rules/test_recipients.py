"""Who a level or a notification reaches: names and schedules in order, round robin, waiting
for someone to come on call, and the errors that name what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalation_rules import (
    EvaluationError,
    Event,
    Issue,
    Layer,
    Level,
    Notify,
    OnCall,
    Policy,
    PolicyError,
    Schedule,
    active_hours,
    after,
    chain,
    hours,
    minutes,
    notify,
)
from escalation_rules._rules.recipients import Reach

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def office(name: str = "office", members: tuple[str, ...] = ("olga",)) -> Schedule:
    return Schedule(
        name,
        "UTC",
        [
            Layer(
                "office",
                list(members),
                shift=timedelta(days=1),
                handoff=T0,
                restrictions=active_hours("mon-fri", start="09:00", end="17:00"),
            )
        ],
    )


def ticket(opened: datetime = T0, **fields: object) -> Issue:
    return Issue("T-1", opened, history=[Event("created", opened)], **fields)  # type: ignore[arg-type]


def test_an_unknown_schedule_is_named_with_its_place_and_the_closest_one() -> None:
    with pytest.raises(PolicyError) as info:
        Policy(
            [Level("L1", "One", rank=1, owner="desk", ack_timeout=minutes(5))],
            [chain("page", then={"notify": OnCall("ofice")})],
            schedules={"office": office()},
        )
    error = info.value
    assert error.message == (
        "notifies whoever is on call in the schedule 'ofice', which the policy does not "
        "have; schedules are ['office']"
    )
    assert (error.where, error.value, error.suggestion) == ("rule 'page'", "ofice", "office")
    with pytest.raises(PolicyError) as info:
        Policy(
            [Level("L1", "One", rank=1, owner="desk")],
            [notify("tell", at=after(hours(1)), to=[OnCall("nope")])],
        )
    assert info.value.where == "rule 'tell'" and info.value.suggestion is None


def test_names_and_schedules_are_reached_in_order_without_repeats() -> None:
    policy = Policy([Level("L1", "One", rank=1, owner="x")], [], schedules={"office": office()})
    reach = Reach(("ann", OnCall("office"), "olga", "ben"), policy, "here")
    assert reach.at(ticket(), T0) == ("ann", "olga", "ben")
    assert reach.at(ticket(), T0 + timedelta(hours=10)) == ("ann", "olga", "ben")  # olga by name
    only = Reach((OnCall("office"),), policy, "here")
    assert only.at(ticket(), T0 + timedelta(hours=10)) == ()
    assert only.first_reached(T0 + timedelta(hours=10)) == T0 + timedelta(days=1)


def _round_robin(owner: object) -> Policy:
    return Policy(
        [Level("L1", "Desk", rank=1, owner=owner, round_robin="attributes.seq")],  # type: ignore[arg-type]
        [chain("page")],
        schedules={"a": office("a", ("ann",)), "b": office("b", ("ben",))},
    )


@pytest.mark.parametrize(
    ("seq", "who"),
    [
        (0, "ann"),
        (1, "ben"),
        ("7", "ben"),
        (" 4", "ann"),
        (-1, "ben"),
        ("-3", "ben"),
        ("-2", "ann"),
    ],
)
def test_round_robin_takes_an_integer_or_its_digits(seq: object, who: str) -> None:
    policy = _round_robin(["ann", "ben"])
    decision = policy.evaluate(ticket(attributes={"seq": seq}), T0)
    assert [a.target for a in decision.actions] == [who]


@pytest.mark.parametrize(
    ("attributes", "shown", "value"),
    [
        ({}, "nothing", None),
        ({"seq": True}, "True", True),
        ({"seq": "x1"}, "'x1'", "x1"),
        ({"seq": "X1"}, "'X1'", "X1"),
    ],
)
def test_round_robin_without_an_integer_says_what_it_found(
    attributes: dict[str, object], shown: str, value: object
) -> None:
    policy = _round_robin(["ann", "ben"])
    with pytest.raises(EvaluationError) as info:
        policy.evaluate(ticket(attributes=attributes), T0)
    assert info.value.message == (
        f"level 'L1': round robin reads the integer 'attributes.seq', but issue 'T-1' has "
        f"{shown} there"
    )
    assert (info.value.field, info.value.value, info.value.rule) == (
        "attributes.seq",
        value,
        "page",
    )


def test_a_notification_to_nobody_on_call_goes_to_whoever_comes_on_call_by_round_robin() -> None:
    # Both schedules are empty at the due instant (Saturday); on Monday both are on call, and
    # the round robin picks between them.
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    monday = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    policy = Policy(
        [
            Level(
                "L1",
                "Desk",
                rank=1,
                owner=[OnCall("a"), OnCall("b")],
                round_robin="attributes.seq",
            )
        ],
        [notify("tell", at=after(minutes(30)))],
        schedules={"a": office("a", ("ann",)), "b": office("b", ("ben",))},
    )
    issue = ticket(saturday, attributes={"seq": 1})
    waiting = policy.evaluate(issue, saturday + timedelta(hours=1))
    assert waiting.actions == () and waiting.next_evaluation_at == monday
    sent = policy.evaluate(issue, monday)  # exactly at the instant: sent
    assert sent.actions == (
        Notify("ben", "tell", "30 min since level_entered passed: notify ben", key="tell:notify"),
    )


def test_a_notification_due_while_the_schedules_are_on_call_picks_by_round_robin() -> None:
    policy = Policy(
        [
            Level(
                "L1", "Desk", rank=1, owner=[OnCall("a"), OnCall("b")], round_robin="attributes.seq"
            )
        ],
        [notify("tell", at=after(minutes(30)))],
        schedules={"a": office("a", ("ann",)), "b": office("b", ("ben",))},
    )
    for seq, who in ((0, "ann"), (1, "ben")):
        decision = policy.evaluate(ticket(attributes={"seq": seq}), T0 + timedelta(hours=1))
        assert [a.target for a in decision.actions] == [who]
