"""The laws of the host kit: `DueIndex` against a list, `settle` against evaluate and record,
and events through their dict form."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import (
    ALWAYS,
    EscalationRulesError,
    Event,
    EventKind,
    Issue,
    IssueError,
    Level,
    NaiveDatetimeError,
    Policy,
    forecast,
    route,
)
from escalation_rules.host import (
    DueIndex,
    Settled,
    SettleError,
    event_from_dict,
    event_to_dict,
    settle,
)

from ..conftest import T0
from ..strategies import issues, policies

# --- DueIndex ---------------------------------------------------------------------------

ZONES = [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]
IDS = ["a", "b", "c", "d", "e"]
due_instants = st.builds(
    lambda minutes, zone: (T0 + timedelta(minutes=minutes)).astimezone(zone),
    st.integers(0, 20),
    st.sampled_from(ZONES),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from(IDS), st.none() | due_instants),
        st.tuples(st.just("remove"), st.sampled_from(IDS), st.none()),
        st.tuples(st.just("due"), st.just(""), due_instants),
    ),
    max_size=60,
)


@given(operations)
def test_due_index_behaves_as_a_plain_dict_sorted_on_demand(
    ops: list[tuple[str, str, datetime | None]],
) -> None:
    index, model = DueIndex(), dict[str, datetime]()
    for op, issue_id, at in ops:
        if op == "set":
            index.set(issue_id, at)
            if at is None:
                model.pop(issue_id, None)
            else:
                model[issue_id] = at
        elif op == "remove":
            index.remove(issue_id)
            model.pop(issue_id, None)
        else:
            assert at is not None
            expected = sorted((t, i) for i, t in model.items() if t <= at)
            assert index.due(at) == [i for _, i in expected]
        assert len(index) == len(model)
        assert index.earliest() == (min(model.values()) if model else None)
        for i in IDS:
            assert index.get(i) == model.get(i)
            assert (i in index) == (i in model)


def test_due_index_orders_ties_by_id_and_keeps_what_is_due() -> None:
    index = DueIndex()
    index.set("b", T0)
    index.set("a", T0.astimezone(timezone(timedelta(hours=3))))  # the same instant
    index.set("c", T0 - timedelta(minutes=1))
    index.set("d", T0 + timedelta(minutes=1))
    assert index.due(T0) == ["c", "a", "b"]
    assert index.due(T0) == ["c", "a", "b"]  # a query: nothing is taken out
    index.set("c", None)
    assert index.due(T0) == ["a", "b"]
    assert index.earliest() == T0


def test_due_index_stays_small_under_many_updates() -> None:
    index = DueIndex()
    for n in range(10_000):
        index.set("x", T0 + timedelta(seconds=n % 7))
    assert len(index) == 1
    assert len(index._heap) < 100


def test_due_index_refuses_naive_instants() -> None:
    index = DueIndex()
    with pytest.raises(NaiveDatetimeError):
        index.set("a", datetime(2026, 3, 2, 9))
    with pytest.raises(NaiveDatetimeError):
        index.due(datetime(2026, 3, 2, 9))
    assert len(index) == 0


# --- settle -----------------------------------------------------------------------------


@st.composite
def cases(draw: st.DrawFn) -> tuple[Policy, Issue, datetime]:
    policy = draw(policies())
    issue = draw(issues(list(policy.levels)))
    now = issue.latest_at + timedelta(seconds=draw(st.integers(0, 72 * 3600)))
    return policy, issue, now


def _by_hand(policy: Policy, issue: Issue, now: datetime) -> tuple[Issue, list[object]]:
    done: list[object] = []
    while actions := policy.evaluate(issue, now).actions:
        for action in actions:
            issue = issue.record(action, now)
            done.append(action)
    return issue, done


@settings(max_examples=150, deadline=None)
@given(cases())
def test_settle_is_evaluate_and_record_until_nothing_is_due(
    case: tuple[Policy, Issue, datetime],
) -> None:
    policy, issue, now = case
    try:
        settled = settle(policy, issue, now)
    except SettleError:
        return  # a generated policy that keeps acting: covered below
    by_hand, done = _by_hand(policy, issue, now)
    assert settled.issue == by_hand
    assert list(settled.actions) == done
    assert settled.at == now
    assert settled.next_evaluation_at == policy.evaluate(by_hand, now).next_evaluation_at
    assert [step.action for step in forecast(policy, issue, now, now)] == done


@settings(max_examples=150, deadline=None)
@given(cases())
def test_settle_is_idempotent(case: tuple[Policy, Issue, datetime]) -> None:
    policy, issue, now = case
    try:
        first = settle(policy, issue, now)
    except SettleError:
        return
    again = settle(policy, first.issue, now)
    assert again == Settled(first.issue, (), first.next_evaluation_at, now)
    if first.next_evaluation_at is not None:
        assert first.next_evaluation_at > now


def test_settle_refuses_an_instant_before_the_history_and_a_naive_one() -> None:
    policy = Policy([Level("L1", "One", rank=1, owner="desk")], [])
    issue = Issue(
        "T-1",
        T0,
        history=[Event(EventKind.CREATED, T0), Event("agent_reply", T0 + timedelta(hours=1))],
    )
    with pytest.raises(IssueError, match=r"max\(now, issue\.latest_at\)"):
        settle(policy, issue, T0 + timedelta(minutes=30))
    with pytest.raises(NaiveDatetimeError):
        settle(policy, issue, datetime(2026, 3, 2, 12))
    assert settle(policy, issue, issue.latest_at).actions == ()


def test_settle_gives_up_on_a_policy_that_keeps_acting() -> None:
    class Restless:  # a stand-in policy whose rule fires again after every recording
        def __init__(self) -> None:
            self.policy = Policy(
                [Level("L1", "One", rank=1, owner="desk")], [route("r", when=ALWAYS, to="t")]
            )

        def evaluate(self, issue: Issue, now: datetime) -> object:
            return self.policy.evaluate(
                attrs.evolve(issue, history=issue.history[:1], team=None), now
            )

    issue = Issue("T-1", T0, history=[Event(EventKind.CREATED, T0)])
    with pytest.raises(SettleError, match="did not settle") as caught:
        settle(Restless(), issue, T0, max_rounds=3)  # type: ignore[arg-type]
    assert isinstance(caught.value, EscalationRulesError)
    assert caught.value.value == "T-1"


# --- events as dicts --------------------------------------------------------------------

TEXTS = st.none() | st.sampled_from(["L2", "ops", "x y", "é"])


@st.composite
def events(draw: st.DrawFn) -> Event:
    kind = draw(st.sampled_from([k for k in EventKind if k is not EventKind.FIELD_CHANGED]))
    at = (T0 + timedelta(seconds=draw(st.integers(-(10**6), 10**6)))).astimezone(
        draw(st.sampled_from(ZONES))
    )
    if draw(st.booleans()):
        return Event.field_changed(
            at, draw(st.sampled_from(["category", "attributes.k"])), draw(TEXTS)
        )
    names = ["actor", "level", "status", "team", "assignee", "action", "rule", "name", "priority"]
    texts = {name: draw(TEXTS) for name in names}
    data = draw(
        st.dictionaries(
            st.sampled_from(["n", "s"]), st.integers() | st.text(max_size=3), max_size=2
        )
    )
    return Event(kind, at, data=data, **texts)


@settings(suppress_health_check=[HealthCheck.too_slow])  # the first draw loads time zones
@given(events())
def test_an_event_survives_its_dict_and_json(event: Event) -> None:
    data = event_to_dict(event)
    back = event_from_dict(json.loads(json.dumps(data)))
    assert back == event
    assert back.at.utcoffset() == event.at.utcoffset()
    assert dict(back.data) == dict(event.data)
    assert event_to_dict(back) == data


def test_event_from_dict_names_the_place_of_a_mistake() -> None:
    with pytest.raises(IssueError, match=r"^row 3: 'kind' and 'at' are required"):
        event_from_dict({"kind": "created"}, where="row 3")
    with pytest.raises(IssueError, match="unknown key 'lvl'"):
        event_from_dict({"kind": "created", "at": T0.isoformat(), "lvl": "L2"})


def test_the_host_module_publishes_its_names() -> None:
    import escalation_rules.host as host

    assert host.__all__ == sorted(host.__all__)
    for name in host.__all__:
        member = getattr(host, name)
        assert member.__module__ == "escalation_rules.host", name
        assert member.__doc__, name
