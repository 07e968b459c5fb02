"""Shared fixtures: a fixed start instant and small builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalation_rules import Event, EventKind, Issue, Level, hours, minutes

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(h: float = 0.0, m: float = 0.0) -> datetime:
    """T0 plus *h* hours and *m* minutes."""
    return T0 + timedelta(hours=h, minutes=m)


def make_issue(issue_id: str = "T-1", *events: Event, **fields: object) -> Issue:
    """An issue created at T0 with a CREATED event followed by *events*."""
    return Issue(issue_id, T0, history=[Event(EventKind.CREATED, T0), *events], **fields)  # type: ignore[arg-type]


def three_levels(**kw: object) -> list[Level]:
    """The seeds' matrix: L1 2 h, L2 8 h, L3 24 h (with 15/30/60 min ack timeouts)."""
    return [
        Level(
            "L1",
            "Frontline",
            rank=1,
            owner="frontline",
            targets={"time_at_level": hours(2)},
            ack_timeout=minutes(15),
        ),
        Level(
            "L2",
            "Supervisor",
            rank=2,
            owner="supervisors",
            targets={"time_at_level": hours(8)},
            ack_timeout=minutes(30),
        ),
        Level(
            "L3",
            "Senior management",
            rank=3,
            owner="management",
            targets={"time_at_level": hours(24)},
            ack_timeout=hours(1),
        ),
    ]


@pytest.fixture
def levels() -> list[Level]:
    return three_levels()
