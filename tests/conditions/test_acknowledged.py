"""``acknowledged()``: acknowledged since the issue entered its current level.

The same question as `Context.acknowledged` (what stops the on-call chain), unlike
``happened("acknowledged")``, which any acknowledgement in the history answers.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

from escalation_rules import (
    Event,
    EventKind,
    Issue,
    Level,
    Policy,
    PolicySyntaxError,
    acknowledged,
    format_condition,
    happened,
    parse_condition,
)
from escalation_rules._engine.context import make_context

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = Policy(
    [Level("L1", "Frontline", rank=1, owner="a"), Level("L2", "Second", rank=2, owner="b")], []
)


def at(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def story(*events: Event) -> Issue:
    return Issue("T-1", T0, history=[Event(EventKind.CREATED, T0), *events])


ACK = Event(EventKind.ACKNOWLEDGED, at(1))
UP = Event(EventKind.LEVEL_CHANGED, at(2), level="L2")
BACK = Event(EventKind.LEVEL_CHANGED, at(3), level="L1")
ACK_LATER = Event(EventKind.ACKNOWLEDGED, at(4))


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ((), False),
        ((ACK,), True),  # at the first level, entered at the creation
        ((ACK, UP), False),  # a new level waits for its own acknowledgement
        ((ACK, UP, BACK), False),  # and so does a level entered again
        ((ACK, UP, BACK, ACK_LATER), True),
    ],
)
def test_it_asks_what_the_chain_asks(events: tuple[Event, ...], expected: bool) -> None:
    issue = story(*events)
    defaults = {"level": "L1"}
    assert acknowledged().compile(defaults)(issue) is expected
    assert make_context(POLICY, issue, at(5)).acknowledged is expected
    assert acknowledged()(issue) is expected  # outside a policy, an unmoved issue too
    assert happened("acknowledged")(issue) is bool(set(events) & {ACK, ACK_LATER})


def test_it_is_written_and_read_in_the_condition_language() -> None:
    condition = ~acknowledged()
    assert repr(condition) == "~acknowledged()"
    assert format_condition(condition) == "not acknowledged()"
    assert parse_condition("not acknowledged()") == condition
    assert acknowledged() == acknowledged() and hash(acknowledged()) == hash(acknowledged())
    assert pickle.loads(pickle.dumps(condition)) == condition
    assert not acknowledged().timed and list(acknowledged().fields()) == []
    with pytest.raises(PolicySyntaxError, match=r"acknowledged\(\) takes 0 arguments, got 1"):
        parse_condition('acknowledged("L1")')
