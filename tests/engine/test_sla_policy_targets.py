"""SlaPolicy(targets=...) takes what a level's targets take, typed so (issue 17)."""

from __future__ import annotations

import pytest

from escalation_rules import PolicyError, SlaPolicy, Target, by_priority, hours, wall


def test_durations_targets_and_tables_are_accepted_and_normalised() -> None:
    policy = SlaPolicy(
        "gold",
        targets={
            "resolution": hours(8),
            "first_response": wall(hours(1)),
            "update_time": by_priority(P1=hours(1), default=hours(4)),
        },
    )
    assert policy.targets["resolution"] == {"*": Target(hours(8))}
    assert policy.targets["first_response"] == {"*": Target(hours(1), wall=True)}
    assert policy.targets["update_time"]["P1"] == Target(hours(1))


def test_no_targets() -> None:
    assert SlaPolicy("none").targets == {}
    assert SlaPolicy("none", targets=None).targets == {}


def test_a_bad_target_names_the_sla_policy() -> None:
    with pytest.raises(PolicyError, match="gold") as info:
        SlaPolicy("gold", targets={"resolution": "soon"})
    assert info.value.where == "SLA policy 'gold'"
    with pytest.raises(PolicyError, match="mapping of clock names"):
        SlaPolicy("gold", targets=["resolution"])  # type: ignore[arg-type]
