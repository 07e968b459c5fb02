"""Bad policies fail when built, each with a clear message: one row per mistake."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalation_rules import (
    ALWAYS,
    EscalationRulesError,
    F,
    Level,
    Policy,
    PolicyError,
    Status,
    after,
    chain,
    escalate,
    hours,
    notify,
    route,
    sla,
)
from escalation_rules._rules import TimeRule

from .conftest import three_levels

L = three_levels()


def lvl(level_id: str, rank: int, **kw: object) -> Level:
    return Level(level_id, level_id, rank=rank, owner="team", **kw)  # type: ignore[arg-type]


BAD = [
    ("no levels", lambda: Policy([], []), "at least one level"),
    ("duplicate level", lambda: Policy([lvl("A", 1), lvl("A", 2)], []), "duplicate level id 'A'"),
    (
        "ranks not rising",
        lambda: Policy([lvl("A", 2), lvl("B", 1)], []),
        "level 'B' has rank 1, not above 'A'",
    ),
    ("level rank not int", lambda: lvl("A", "1"), "rank must be an integer"),  # type: ignore[arg-type]
    ("empty owner", lambda: Level("A", "A", rank=1, owner=""), "owner must be a non-empty"),
    (
        "negative target",
        lambda: lvl("A", 1, targets={"time_at_level": timedelta(-1)}),
        "SLA target 'time_at_level' must be positive",
    ),
    (
        "target not a duration",
        lambda: lvl("A", 1, targets={"time_at_level": 2}),
        "must be a timedelta or a Target, got 2",
    ),
    ("zero ack timeout", lambda: lvl("A", 1, ack_timeout=timedelta(0)), "ack_timeout must be"),
    (
        "unknown target level",
        lambda: Policy(L, [escalate("x", when=ALWAYS, to="L4")]),
        "rule 'x': escalates to unknown level 'L4'",
    ),
    (
        "misspelt target level",
        lambda: Policy(L, [escalate("x", when=ALWAYS, to="l3")]),
        "did you mean 'L3'",
    ),
    (
        "unknown sla metric",
        lambda: Policy(L, [escalate("x", at=sla("resolve"))]),
        "rule 'x': uses the SLA clock 'resolve'.*did you mean 'resolution'",
    ),
    (
        "duplicate rule names",
        lambda: Policy(L, [chain("x"), chain("x")]),
        "duplicate rule name 'x'",
    ),
    ("not a rule", lambda: Policy(L, ["escalate"]), "rules\\[0\\] is not a rule"),  # type: ignore[list-item]
    (
        "bad match mode",
        lambda: Policy(L, [], match="frist"),  # type: ignore[arg-type]
        "match must be 'all' or 'first'.*did you mean 'first'",
    ),
    (
        "bool instead of condition",
        lambda: route("x", when=True, to="t"),  # type: ignore[arg-type]
        "did you write 'and'/'or'",
    ),
    ("route without team", lambda: route("x", when=ALWAYS, to=""), "invalid team"),
    ("rule without name", lambda: route("", when=ALWAYS, to="t"), "non-empty string name"),
    ("share out of range", lambda: sla("time_at_level", 0), "SLA share must be a number"),
    (
        "at and on together",
        lambda: escalate("x", at=after(hours(1)), on="manager_requested"),
        "'at' or 'on', not both",
    ),
    ("on an unsupported event", lambda: escalate("x", on="status_changed"), "'on' must be one of"),
    (
        "on a misspelt event",
        lambda: escalate("x", on="manager_requestd"),
        "unknown event kind 'manager_requestd'.*did you mean 'manager_requested'",
    ),
    (
        "after a misspelt anchor",
        lambda: after(hours(1), since="created_at"),
        "unknown reference point 'created_at'.*did you mean 'created'",
    ),
    ("after a negative duration", lambda: after(-hours(1)), "must not be negative"),
    ("after a number", lambda: after(5), "must be a timedelta"),  # type: ignore[arg-type]
    ("repeat too large", lambda: chain("x", repeat=10), "repeat must be an integer from 0 to 9"),
    (
        "unknown action",
        lambda: TimeRule("x", after(hours(1)), "notfy", "t"),
        "unknown action 'notfy'.*did you mean 'notify'",
    ),
    ("notify nobody", lambda: notify("x", at=after(hours(1)), to=""), "notifies ''"),
    (
        "status map redefines",
        lambda: Policy(L, [], status_map={"open": Status.PENDING}),
        "cannot redefine the built-in status 'open'",
    ),
    (
        "status map to unknown",
        lambda: Policy(L, [], status_map={"wait": "pendng"}),
        "did you mean 'pending'",
    ),
    (
        "bad condition field",
        lambda: route("x", when=F.categroy == "a", to="t"),
        "unknown field 'categroy'.*did you mean 'category'",
    ),
]


@pytest.mark.parametrize(("case", "build", "message"), BAD, ids=[row[0] for row in BAD])
def test_bad_policy_is_refused_when_built(case: str, build: object, message: str) -> None:
    with pytest.raises(PolicyError, match=message) as info:
        build()  # type: ignore[operator]
    assert isinstance(info.value, EscalationRulesError)
    assert isinstance(info.value, ValueError)


def test_policy_error_carries_its_data() -> None:
    with pytest.raises(PolicyError) as info:
        Policy(L, [escalate("x", when=ALWAYS, to="l3")])
    assert info.value.value == "l3"
    assert info.value.suggestion == "L3"
    assert info.value.where == "rule 'x'"


def test_a_valid_policy_builds_and_compares_equal() -> None:
    build = lambda: Policy(L, [escalate("x", at=sla("time_at_level"))], name="p")  # noqa: E731
    assert build() == build()
    assert hash(build()) == hash(build())
