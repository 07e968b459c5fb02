"""Laws of notifications that repeat, for any interval, delay, limit, condition and host.

A simulated host wakes at random instants, carries out and records every action it gets, and
sometimes receives an acknowledgement. Whatever it does:

- a repetition never fires twice, and the repetitions it gets are increasing;
- ``next_evaluation_at`` is sound: no action becomes due strictly before it;
- on a `Clock` that only has ``deadline`` the latest repetition is the one wall arithmetic finds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    ALWAYS,
    BusinessCalendar,
    Condition,
    Event,
    EventKind,
    Issue,
    Level,
    Policy,
    acknowledged,
    is_open,
    notify,
)

T0 = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # a Friday, 15:00 in Berlin
SUPPORT = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})
LEVELS = [Level("L1", "Frontline", rank=1, owner="frontline")]
GATES: dict[str, Condition] = {
    "always": ALWAYS,
    "until acknowledged": ~acknowledged(),
    "in support hours": is_open("support"),
    "both": ~acknowledged() & is_open("support"),
}


@st.composite
def rules(draw: st.DrawFn) -> tuple[Policy, bool]:
    """A policy with one repeating notification: every 1 to 600 minutes, a first delay of 0 to
    600 minutes or none, a limit of 1 to 30 or none, on the wall clock or the support calendar,
    gated by one of `GATES`, and whether that gate waits for an acknowledgement. Shrinks towards
    every minute, no delay, no limit, the wall clock, no gate."""
    gate = draw(st.sampled_from(sorted(GATES, key=lambda name: name != "always")))
    rule = notify(
        "r",
        every=timedelta(minutes=draw(st.integers(1, 600))),
        first=draw(st.none() | st.integers(0, 600).map(lambda m: timedelta(minutes=m))),
        limit=draw(st.none() | st.integers(1, 30)),
        calendar=draw(st.sampled_from([None, "support"])),
        while_=GATES[gate],
    )
    return Policy(LEVELS, [rule], calendars={"support": SUPPORT}), "acknowledged" in gate


# Minutes after T0: up to three weeks, so calendars cross nights and weekends.
wakes = st.lists(st.integers(0, 30_000), min_size=1, max_size=25).map(sorted)
acks = st.none() | st.integers(0, 30_000)


def _at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def _deliver(issue: Issue, ack: int | None, minute: int) -> Issue:
    """*issue* with the acknowledgement at minute *ack*, once the host has reached it."""
    if ack is None or ack > minute or any(e.kind is EventKind.ACKNOWLEDGED for e in issue.history):
        return issue
    return issue.with_event(Event(EventKind.ACKNOWLEDGED, _at(ack)))


def _host(policy: Policy, wake: list[int], ack: int | None) -> list[tuple[int, Issue, str]]:
    """Run the host; return ``(minute, issue, key)`` for every action it carried out."""
    issue = Issue("T-1", T0, history=[Event(EventKind.CREATED, T0)])
    done = []
    for minute in wake:
        issue = _deliver(issue, ack, minute)
        decision = policy.evaluate(issue, _at(minute))
        for _ in range(3):  # recording settles at once: a second pass finds nothing
            if not decision.actions:
                break
            for action in decision.actions:
                done.append((minute, issue, action.key))
                issue = issue.record(action, _at(minute))
            decision = policy.evaluate(issue, _at(minute))
        assert decision.actions == ()
    return done


@settings(deadline=None, max_examples=150)
@given(rules(), wakes, acks)
def test_a_repetition_never_fires_twice_and_they_increase(
    case: tuple[Policy, bool], wake: list[int], ack: int | None
) -> None:
    policy, until_acknowledged = case
    done = _host(policy, wake, ack)
    keys = [key for _, _, key in done]
    numbers = [int(key.rsplit(":", 1)[1]) for key in keys]
    assert all(key.startswith("r:notify:") for key in keys)
    assert numbers == sorted(set(numbers))  # each at most once, increasing
    rule = policy.rules[0]
    assert all(1 <= k <= rule.cap for k in numbers)  # type: ignore[attr-defined]
    if ack is not None and until_acknowledged:
        assert all(minute < ack for minute, _, _ in done)


@settings(deadline=None, max_examples=150)
@given(rules(), wakes, acks, st.lists(st.floats(0.001, 0.999), min_size=1, max_size=5))
def test_next_evaluation_at_is_sound(
    case: tuple[Policy, bool], wake: list[int], ack: int | None, fractions: list[float]
) -> None:
    policy = case[0]
    issue = Issue("T-1", T0, history=[Event(EventKind.CREATED, T0)])
    for minute in wake:
        issue = _deliver(issue, ack, minute)
        now = _at(minute)
        for action in policy.evaluate(issue, now).actions:
            issue = issue.record(action, now)
        decision = policy.evaluate(issue, now)
        assert decision.actions == ()
        horizon = decision.next_evaluation_at or now + timedelta(days=30)
        assert horizon > now
        for fraction in fractions:
            between = now + (horizon - now) * fraction
            if now < between < horizon:
                assert policy.evaluate(issue, between).actions == (), (now, between, horizon)


class _Adding:
    """A `Clock` that adds as the wall clock does, but is not a `WallClock`."""

    def deadline(self, context: object, start: datetime, amount: timedelta) -> datetime | None:
        return start.astimezone(UTC) + amount


@settings(deadline=None, max_examples=150)
@given(
    st.integers(1, 600),
    st.none() | st.integers(0, 600),
    st.none() | st.integers(1, 10_000),
    st.integers(0, 10**7),
)
def test_a_clock_with_only_deadline_finds_the_same_repetition(
    every: int, first: int | None, limit: int | None, minute: int
) -> None:
    rule = notify(
        "r",
        every=timedelta(minutes=every),
        first=None if first is None else timedelta(minutes=first),
        limit=limit,
    )
    issue = Issue("T-1", T0, history=[Event(EventKind.CREATED, T0)])
    wall = Policy(LEVELS, [rule]).evaluate(issue, _at(minute))
    other = Policy(LEVELS, [rule], clock=_Adding()).evaluate(issue, _at(minute))
    assert other == wall
