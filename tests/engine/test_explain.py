"""explain(): the trace behind a decision; forecast(): what happens if nothing else does."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    Event,
    F,
    ForecastError,
    Level,
    NaiveDatetimeError,
    Outcome,
    Policy,
    chain,
    escalate,
    first_match,
    forecast,
    hours,
    minutes,
    notify,
    route,
    sla,
)
from escalation_rules._model.actions import Notify

from ..conftest import at, make_issue, three_levels
from ..strategies import instants, issues, policies


def matrix() -> Policy:
    return Policy(
        three_levels(),
        [
            route("billing", when=(F.category == "billing") & (F.priority == "P1"), to="billing"),
            escalate("vip", when=F.customer.tier == "enterprise", to="L2"),
            notify("warn", at=sla("time_at_level", 0.75)),
            escalate("breach", at=sla("time_at_level")),
        ],
    )


def by_name(explanation: object) -> dict[str, object]:
    return {r.name: r for r in explanation.rules}  # type: ignore[attr-defined]


def test_each_rule_says_what_it_did_and_why() -> None:
    issue = make_issue(category="billing", priority="P2")
    ex = matrix().explain(issue, at(1.6))
    assert ex.decision == matrix().evaluate(issue, at(1.6))
    rules = by_name(ex)
    billing = rules["billing"]
    assert billing.status == "not matched" and billing.kind == "functional"  # type: ignore[attr-defined]
    (failure,) = billing.failures  # type: ignore[attr-defined]
    assert failure.field == "priority" and failure.value == "P2"
    assert "F.priority == 'P1' is false (priority is 'P2')" in str(failure)
    assert str(rules["vip"].failures[0]).endswith("(customer.tier is missing)")  # type: ignore[attr-defined]
    warn = rules["warn"]
    assert warn.status == "acts" and warn.actions[0].status == "taken"  # type: ignore[attr-defined]
    breach = rules["breach"]
    assert breach.status == "waiting"  # type: ignore[attr-defined]
    assert breach.actions[0].status == "due later" and breach.actions[0].at == at(2)  # type: ignore[attr-defined]
    (clock,) = ex.clocks
    assert clock.name == "time_at_level" and clock.elapsed == minutes(96)
    text = str(ex)
    assert "billing (functional): not matched" in text
    assert "time_at_level: running, target 2 h, elapsed 1 h 36 min, remaining 24 min" in text
    assert "deadline Mon 2 Mar 2026 11:00 UTC" in text


def test_the_dict_form_is_json_and_matches_the_decision() -> None:
    issue = make_issue(category="billing", priority="P2")
    data = json.loads(json.dumps(matrix().explain(issue, at(3)).to_dict()))
    assert [a["rule"] for a in data["decision"]["actions"]] == ["breach"]
    assert data["decision"]["next_evaluation_at"] is None or data["decision"]["next_evaluation_at"]
    assert [r["status"] for r in data["rules"]] == ["not matched", "not matched", "matched", "acts"]
    assert data["rules"][2]["actions"][0]["status"] == "superseded"
    assert data["rules"][0]["failures"][0] == {
        "test": "F.priority == 'P1'",
        "field": "priority",
        "value": "P2",
        "missing": False,
    }
    clock = data["clocks"][0]
    assert clock["breached"] is True and clock["elapsed_seconds"] == 3 * 3600
    # each duration in words and in seconds (_s); each instant in ISO 8601
    assert (clock["elapsed"], clock["elapsed_s"]) == ("3 h", 3 * 3600)
    assert (clock["target"], clock["target_s"]) == ("2 h", 2 * 3600)
    assert (clock["remaining"], clock["remaining_s"]) == ("-1 h", -3600)
    assert clock["deadline"] == at(2).isoformat()


def test_done_no_effect_and_outranked_actions_are_told_apart() -> None:
    policy = Policy(
        three_levels(),
        [
            escalate("to-l2", when=F.priority == "P1", to="L2"),
            escalate("to-l3", when=F.customer.tier == "enterprise", to="L3"),
            route("billing", when=F.category == "billing", to="billing"),
        ],
    )
    from escalation_rules import Customer

    issue = make_issue(priority="P1", category="billing", customer=Customer(tier="enterprise"))
    ex = policy.explain(issue, at(0))
    rules = by_name(ex)
    assert rules["to-l2"].actions[0].status == "outranked"  # type: ignore[attr-defined]
    assert rules["to-l3"].actions[0].status == "taken"  # type: ignore[attr-defined]
    assert "the highest target wins" in ex.winner and "'to-l3' to L3" in ex.winner
    issue = issue.record(ex.decision.actions[0], at(0)).record(ex.decision.actions[1], at(0))
    after = by_name(policy.explain(issue, at(1)))
    assert after["to-l3"].actions[0].status == "already done"  # type: ignore[attr-defined]
    assert after["billing"].actions[0].status == "already done"  # type: ignore[attr-defined]
    assert after["to-l2"].actions[0].status == "no effect"  # type: ignore[attr-defined]
    assert after["to-l2"].status == "matched"  # type: ignore[attr-defined]


def test_first_match_marks_the_rules_it_never_reached() -> None:
    policy = Policy(
        three_levels(),
        [
            first_match(
                "desk",
                [
                    route("de", when=F.language == "de", to="dach"),
                    route("billing", when=F.category == "billing", to="billing"),
                    route("rest", when=F.priority.exists(), to="general"),
                ],
            ),
            escalate("p1", when=F.priority == "P1", to="L2"),
        ],
    )
    issue = make_issue(category="billing", priority="P1")
    rules = by_name(policy.explain(issue, at(0)))
    assert rules["de"].status == "not matched"  # type: ignore[attr-defined]
    assert rules["billing"].status == "acts" and rules["billing"].group == "desk"  # type: ignore[attr-defined]
    assert rules["rest"].status == "not reached"  # type: ignore[attr-defined]
    assert rules["p1"].status == "acts"  # type: ignore[attr-defined]
    first = Policy(policy.levels, policy.rules, match="first")
    assert by_name(first.explain(issue, at(0)))["p1"].status == "not reached"  # type: ignore[attr-defined]


def test_a_rule_with_nothing_to_count_from_is_not_armed() -> None:
    levels = [Level("L1", "One", rank=1, owner="a", targets={"first_response": hours(1)})]
    policy = Policy(levels, [notify("fr", at=sla("first_response"), to="lead")])
    issue = make_issue(priority="P1").with_event(
        __import__("escalation_rules").Event("status_changed", at(0.5), status="pending")
    )
    rule = by_name(policy.explain(issue, at(2)))["fr"]
    assert rule.status == "not armed" and rule.summary == "the first_response clock is paused"  # type: ignore[attr-defined]


def test_a_resolved_issue_reaches_no_rule() -> None:
    issue = make_issue(status="resolved")
    ex = matrix().explain(issue, at(5))
    assert {r.status for r in ex.rules} == {"not reached"} and ex.clocks == ()


# ------------------------------------------------------------------ forecast


def test_forecast_walks_the_matrix_up_and_applies_its_own_escalations() -> None:
    steps = forecast(matrix(), make_issue(), at(0), at(48))
    assert [(s.at, s.action.rule, s.level) for s in steps] == [
        (at(1.5), "warn", "L1"),
        (at(2), "breach", "L1"),
        (at(8), "warn", "L2"),  # L2's 8 h clock starts at the escalation
        (at(10), "breach", "L2"),
        (at(28), "warn", "L3"),
    ]
    assert forecast(matrix(), make_issue(), at(0), at(9)) == steps[:3]
    assert json.dumps([s.to_dict() for s in steps])


def test_forecast_stops_when_nothing_more_can_happen() -> None:
    steps = forecast(matrix(), make_issue(), at(0), at(10_000))
    assert steps[-1].at == at(28) and len(steps) == 6 - 1


def test_forecast_applies_actions_that_arm_others_at_the_same_instant() -> None:
    policy = Policy(three_levels(), [chain("page")])
    steps = forecast(policy, make_issue(), at(0), at(5))
    assert [(s.at, s.action.kind, s.level) for s in steps] == [
        (at(0), "notify", "L1"),
        (at(0, 15), "escalate", "L1"),
        (at(0, 15), "notify", "L2"),  # entering L2 pages its owner at once
        (at(0, 45), "escalate", "L2"),
        (at(0, 45), "notify", "L3"),
    ]


def test_forecast_refuses_naive_instants_and_rules_that_never_settle() -> None:
    with pytest.raises(NaiveDatetimeError):
        forecast(matrix(), make_issue(), at(0).replace(tzinfo=None), at(1))
    # From before the history's end, the forecast starts from the history as it stood.
    replied = make_issue("T-1", Event("agent_reply", at(2)))
    unreplied = make_issue("T-1")
    assert forecast(matrix(), replied, at(1), at(9)) == forecast(matrix(), unreplied, at(1), at(9))

    class Chatty:
        name = "chatty"

        def validate(self, policy: Policy) -> None:
            pass

        def check(self, context: object) -> Outcome:
            n = len(context.issue.history)  # type: ignore[attr-defined]
            return Outcome(True, (Notify("x", "chatty", "again", key=f"c{n}"),))

    policy = Policy(three_levels(), [Chatty()])
    with pytest.raises(ForecastError, match="more than 50 actions"):
        forecast(policy, make_issue(), at(0), at(1), max_steps=50)


@settings(max_examples=120, deadline=None)
@given(st.data(), policies(), instants(0, 48), st.integers(1, 72))
def test_forecast_agrees_with_evaluate(
    data: st.DataObject, policy: Policy, now: object, hours_ahead: int
) -> None:
    issue = data.draw(issues(list(policy.levels)))
    now = max(now, issue.history[-1].at)  # type: ignore[type-var]
    until = now + timedelta(hours=hours_ahead)  # type: ignore[operator]
    steps = list(forecast(policy, issue, now, until))  # type: ignore[arg-type]
    # Replay: each decision along the way is exactly the next run of steps.
    current, t = issue, now
    while True:
        decision = policy.evaluate(current, t)  # type: ignore[arg-type]
        if decision.actions:
            batch, steps = steps[: len(decision.actions)], steps[len(decision.actions) :]
            assert [s.action for s in batch] == list(decision.actions)
            assert all(s.at == t for s in batch)
            for action in decision.actions:
                current = current.record(action, t)  # type: ignore[arg-type]
            continue
        if decision.next_evaluation_at is None or decision.next_evaluation_at > until:
            break
        t = decision.next_evaluation_at
    assert steps == []


@settings(max_examples=120, deadline=None)
@given(st.data(), policies(), instants(0, 96))
def test_explain_agrees_with_evaluate(data: st.DataObject, policy: Policy, now: object) -> None:
    issue = data.draw(issues(list(policy.levels)))
    ex = policy.explain(issue, now)  # type: ignore[arg-type]
    assert ex.decision == policy.evaluate(issue, now)  # type: ignore[arg-type]
    taken = sorted((a.action.rule, a.action.key) for r in ex.rules for a in r.actions
                   if a.status == "taken")  # fmt: skip
    assert taken == sorted((a.rule, a.key) for a in ex.decision.actions)
    json.dumps(ex.to_dict())


def test_explanation_text_is_the_same_in_every_process() -> None:
    # Issue 12: a set field was shown in hash order, so --explain text changed with
    # PYTHONHASHSEED. Run the same explanation under several seeds and compare.
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        from datetime import UTC, datetime
        from escalation_rules import Event, EventKind, F, Issue, Level, Policy, route
        t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
        levels = [Level("L1", "One", rank=1, owner="a")]
        policy = Policy(levels, [route("r", when=F.tags.contains("zz"), to="t")])
        issue = Issue("I", t0, tags={"a", "b", "c", "d", "e", "f", "g", "h"},
                      history=[Event(EventKind.CREATED, t0)])
        print(policy.explain(issue, t0))
        """
    )
    texts = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": str(seed), "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3, 4, 5)
    }
    assert len(texts) == 1
    assert "tags is frozenset({'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'})" in texts.pop()


def test_a_custom_rule_can_add_a_line_and_data_to_its_explanation() -> None:
    from escalation_rules import Context, Policy

    class Tagged:
        name = "tagged"

        def check(self, context: Context) -> None:
            return None

        def validate(self, policy: Policy) -> None:
            pass

        def explain_detail(self, context: Context) -> tuple[str, dict[str, object]]:
            return f"looked at {context.issue.id}", {"looked": True}

    policy = Policy(three_levels(), [Tagged()])
    explanation = policy.explain(make_issue(), at(1))
    assert "looked at" in str(explanation)
    (rule,) = explanation.to_dict()["rules"]
    assert rule["looked"] is True
