"""Policy versions: the content digest, `Policy.version`, `PolicySet` and its move rules."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import (
    Escalate,
    Event,
    EventKind,
    F,
    Issue,
    IssueError,
    Policy,
    PolicyError,
    PolicySet,
    SlaClock,
    SlaPolicy,
    bundled_policy,
    escalate,
    hours,
    predicate,
    sla,
)
from escalation_rules._engine.fingerprint import content_bytes

from ..conftest import T0, at, make_issue, three_levels
from ..strategies import instants, issues, policies

# ------------------------------------------------------------------ Policy.version

# Built in this process and in others: sets and dicts of strings, whose iteration order
# follows PYTHONHASHSEED, are where a careless digest would differ.
SNIPPET = """
from escalation_rules import (
    BusinessCalendar, F, Level, Policy, SlaClock, by_priority, days, escalate, hours, notify, sla
)
office = BusinessCalendar(
    "Europe/Berlin", {"mon-fri": [("09:00", "17:00")], "sat": [("10:00", "12:00")]},
    holidays=["2026-12-25", "2026-12-24", "2026-01-01"], name="office",
)
policy = Policy(
    [
        Level("L1", "Desk", rank=1, owner="desk",
              targets={"resolution": by_priority(P1=hours(4), P2=hours(8), default=days(2))}),
        Level("L2", "Second", rank=2, owner="second", calendar="office"),
    ],
    [
        escalate("vip", when=F.tags.contains("vip") & F.priority.isin(["P1", "P2", "P3"])),
        notify("warn", at=sla("resolution", 0.75), when=F.category.isin({"a", "b", "c", "d"})),
    ],
    status_map={"hold": "pending", "waiting": "pending", "solved": "resolved", "gone": "closed"},
    calendars={"office": office, "always": BusinessCalendar.always("UTC")},
    clocks=[SlaClock("resolution", "resolution", pause_on={"pending", "hold", "waiting"})],
    calendar="office",
    name="hashy",
)
"""


def _snippet_policy() -> Policy:
    namespace: dict[str, Any] = {}
    exec(SNIPPET, namespace)
    return namespace["policy"]  # type: ignore[no-any-return]


def test_a_derived_version_is_the_name_and_12_hex_digits_of_the_content() -> None:
    policy = _snippet_policy()
    assert re.fullmatch(r"hashy@[0-9a-f]{12}", policy.version)
    assert _snippet_policy().version == policy.version  # built again: the same content


def test_the_derived_version_is_the_same_in_other_processes_whatever_the_hash_seed() -> None:
    examples = ["seeds-matrix", "oncall-chain", "zendesk-sla", "bpi2013"]
    here = [_snippet_policy().version] + [bundled_policy(name).version for name in examples]
    code = SNIPPET + (
        "from escalation_rules import bundled_policy\n"
        f"print(policy.version, *[bundled_policy(n).version for n in {examples!r}])\n"
    )
    for seed in ("0", "1", "4242"):
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert result.stdout.split() == here


def _pause_holds(policy: Policy) -> Policy:
    clock = SlaClock("resolution", "resolution", pause_on={"pending", "hold"})
    return attrs.evolve(policy, clocks=[clock])


def _set_level(policy: Policy, index: int, **changes: Any) -> Policy:
    levels = list(policy.levels)
    levels[index] = attrs.evolve(levels[index], **changes)
    return attrs.evolve(policy, levels=levels)


def _set_rule(policy: Policy, index: int, **changes: Any) -> Policy:
    rules = list(policy.rules)
    rules[index] = attrs.evolve(rules[index], **changes)  # type: ignore[misc]
    return attrs.evolve(policy, rules=rules)


def _vip(issue: Issue) -> bool:
    return issue.customer.tier == "vip"


def _gold(issue: Issue) -> bool:
    return issue.customer.tier == "gold"


def _office(policy: Policy, **changes: Any) -> Policy:
    calendar = attrs.evolve(policy.calendars["office"], **changes)
    return attrs.evolve(policy, calendars={**policy.calendars, "office": calendar})


EDITS: list[tuple[str, Callable[[Policy], Policy]]] = [
    ("a level's owner", lambda p: _set_level(p, 0, owner="frontline")),
    ("a level's target", lambda p: _set_level(p, 0, targets={"resolution": hours(5)})),
    ("a level's calendar", lambda p: _set_level(p, 1, calendar="always")),
    ("a rule's condition", lambda p: _set_rule(p, 0, when=F.tags.contains("VIP"))),
    ("a rule's share", lambda p: _set_rule(p, 1, at=sla("resolution", 0.8))),
    ("the rules' order", lambda p: attrs.evolve(p, rules=p.rules[::-1])),
    ("a predicate", lambda p: _set_rule(p, 0, when=predicate("vip", _vip))),
    ("another predicate", lambda p: _set_rule(p, 0, when=predicate("vip", _gold))),
    ("match", lambda p: attrs.evolve(p, match="first")),
    ("the status map", lambda p: attrs.evolve(p, status_map={**p.status_map, "x": "open"})),
    ("a clock's pauses", _pause_holds),
    ("policy-wide targets", lambda p: attrs.evolve(p, targets={"first_response": hours(1)})),
    ("an SLA policy", lambda p: attrs.evolve(p, slas=[SlaPolicy("all")])),
    ("the calendar's hours", lambda p: _office(p, hours={"mon-fri": [("08:00", "17:00")]})),
    ("a holiday", lambda p: _office(p, holidays=["2026-12-25"])),
    ("the calendar's zone", lambda p: _office(p, tz="Europe/Paris")),
    ("the default calendar", lambda p: attrs.evolve(p, calendar="always")),
    ("storm control", lambda p: attrs.evolve(p, supersede_warnings=False)),
    ("the name", lambda p: attrs.evolve(p, name="other")),
]


def test_every_edit_a_user_can_make_changes_the_digest() -> None:
    base = _snippet_policy()
    digests = {"unchanged": base.version.split("@")[1]}
    for what, edit in EDITS:
        digests[what] = edit(base).version.split("@")[1]
    assert len(set(digests.values())) == len(digests), digests


def test_the_content_walks_values_not_memory() -> None:
    class Custom:  # a host's own rule class: neither attrs nor slots
        name = "custom"

        def __init__(self) -> None:
            self.wait = hours(1)
            self.marker = object()  # no vars, an address in its repr: its class alone

    one, two = Custom(), Custom()
    assert content_bytes(one) == content_bytes(two)
    two.wait = hours(2)
    assert content_bytes(one) != content_bytes(two)
    assert not re.search(rb"0x[0-9a-fA-F]{4,}", content_bytes(one))
    assert b"Custom" in content_bytes(one)


def test_a_walk_ends_on_cycles_and_deep_nesting() -> None:
    loop: list[object] = []
    loop.append(loop)
    assert content_bytes(loop).startswith(b"Q")
    deep: list[object] = []
    for _ in range(5_000):
        deep = [deep]
    assert content_bytes(deep)  # cut at MAX_DEPTH, no RecursionError


def test_the_derived_version_is_computed_on_first_use_and_stays_out_of_equality() -> None:
    policy = _snippet_policy()
    assert policy._derived_version is None  # building the policy did not compute it
    version = policy.version
    assert policy._derived_version == version and policy.version is version
    fresh = _snippet_policy()
    assert fresh == policy and hash(fresh) == hash(policy)  # one computed, the other not


def test_an_explicit_version_is_kept_and_takes_part_in_equality() -> None:
    policy = _snippet_policy()
    named = attrs.evolve(policy, version="2026-11-a")
    assert named.version == "2026-11-a"
    assert named != policy and named != attrs.evolve(policy, version="2026-11-b")
    assert named == attrs.evolve(policy, version="2026-11-a")


def test_pickling_keeps_the_version() -> None:
    policy = _snippet_policy()
    named = attrs.evolve(policy, version="v7")
    derived = policy.version
    for original, version in ((policy, derived), (named, "v7"), (_snippet_policy(), derived)):
        back = pickle.loads(pickle.dumps(original))
        assert back == original and back.version == version


@pytest.mark.parametrize("bad", ["", "   ", 7, b"v1"], ids=repr)
def test_a_version_must_be_a_non_empty_string(bad: object) -> None:
    with pytest.raises(PolicyError, match="version must be a non-empty string") as info:
        Policy(three_levels(), [], version=bad)  # type: ignore[arg-type]
    assert info.value.subject == ("policy", "version")


# ------------------------------------------------------------------ PolicySet


def _versions(*targets: float) -> list[Policy]:
    """Versions of one policy whose L1 escalates after *targets* hours, named v1, v2, ..."""
    out = []
    for i, target in enumerate(targets, start=1):
        levels = three_levels()
        levels[0] = attrs.evolve(levels[0], targets={"time_at_level": hours(target)})
        out.append(Policy(levels, [escalate("up", at=sla("time_at_level"))], version=f"v{i}"))
    return out


V1, V2, V3 = _versions(2, 1, 0.5)
DAY = timedelta(days=1)


def test_in_force_is_the_latest_version_started_at_or_before_the_instant() -> None:
    versions = PolicySet([(T0, V1), (at(10), V2), (at(20), V3)])
    assert versions.in_force(T0 - DAY) is V1  # before the first: the first
    assert versions.in_force(T0) is V1
    assert versions.in_force(at(10) - timedelta(microseconds=1)) is V1
    assert versions.in_force(at(10)) is V2
    assert versions.in_force(at(99)) is V3
    assert versions.policies == (V1, V2, V3)
    assert versions.policy("v2") is V2


def test_pin_sets_the_version_in_force_at_creation_once() -> None:
    versions = PolicySet([(T0 - DAY, V1), (at(10), V2)])
    issue = make_issue()
    pinned = versions.pin(issue)
    assert pinned.policy_version == "v1" and attrs.evolve(pinned, policy_version=None) == issue
    assert versions.add(V3, at(11)).pin(pinned) is pinned  # already pinned: as it is
    late = Issue("T-2", at(12))
    assert versions.pin(late).policy_version == "v2"


ERRORS: list[tuple[str, Callable[[], object], str]] = [
    ("empty", lambda: PolicySet([]), "at least one version"),
    ("a policy alone", lambda: PolicySet(V1), r"\(since, Policy\) pairs"),  # type: ignore[arg-type]
    ("a number", lambda: PolicySet(5), r"a list of \(since, Policy\) pairs.*got int 5"),  # type: ignore[arg-type]
    ("None", lambda: PolicySet(None), r"a list of \(since, Policy\) pairs.*got NoneType"),  # type: ignore[arg-type]
    ("not a pair", lambda: PolicySet([V1]), r"versions\[0\] must be a \(since, Policy\) pair"),
    ("not a policy", lambda: PolicySet([(T0, "v1")]), r"versions\[0\] holds 'v1', not a Policy"),
    ("naive", lambda: PolicySet([(datetime(2026, 1, 1), V1)]), "timezone-aware datetime"),
    ("not increasing", lambda: PolicySet([(at(2), V1), (at(1), V2)]), "not after versions"),
    ("the same instant", lambda: PolicySet([(T0, V1), (T0, V2)]), "not after versions"),
    ("kept twice", lambda: PolicySet([(T0, V1), (at(1), V1)]), "has the version 'v1' of"),
    ("unknown move", lambda: PolicySet([(T0, V1)], move="next-level"), "move must be one of"),  # type: ignore[arg-type]
    ("add before", lambda: PolicySet([(T0, V1)]).add(V2, T0 - DAY), "not after versions"),
]


@pytest.mark.parametrize(("case", "build", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_a_bad_policy_set_is_refused(case: str, build: Callable[[], object], message: str) -> None:
    with pytest.raises(PolicyError, match=message) as info:
        build()
    if case == "unknown move":
        assert info.value.suggestion == "next_level"
    if case == "a number":
        assert info.value.value == 5 and not isinstance(info.value.__cause__, TypeError)


def test_a_pin_the_set_no_longer_holds_is_an_issue_error_naming_it() -> None:
    versions = PolicySet([(T0, V2), (at(10), V3)])
    issue = make_issue(policy_version="V3")
    with pytest.raises(IssueError, match="pinned to the policy version 'V3'") as info:
        versions.policy_for(issue, at(1))
    assert info.value.value == "V3" and info.value.suggestion == "v3"
    assert "it keeps ['v2', 'v3']" in str(info.value)
    with pytest.raises(IssueError, match="holds no version 'v9'"):
        versions.policy("v9")
    assert PolicySet([(T0, V2)], move="at_once").policy_for(issue, at(1)) is V2  # pin unused


def test_never_keeps_the_pinned_version_and_at_once_takes_the_current_one() -> None:
    never = PolicySet([(T0 - DAY, V1), (at(1), V2)])
    pinned = never.pin(make_issue())
    moved = pinned.with_event(Event(EventKind.LEVEL_CHANGED, at(3), level="L2"))
    assert never.policy_for(moved, at(5)) is V1
    assert never.policy_for(attrs.evolve(moved, policy_version=None), at(5)) is V1  # created
    at_once = attrs.evolve(never, move="at_once")
    assert at_once.policy_for(pinned, at(0.5)) is V1
    assert at_once.policy_for(pinned, at(1)) is V2
    # The decisions follow: V1 escalates after 2 h at L1, V2 after 1 h.
    assert never.evaluate(pinned, at(1.5)).escalation is None
    escalation = at_once.evaluate(pinned, at(1.5)).escalation
    assert escalation is not None and escalation.to == "L2"
    explained = at_once.explain(pinned, at(1.5))
    assert explained.decision == V2.evaluate(pinned, at(1.5))


def test_next_level_moves_at_the_first_level_change_after_the_new_version_began() -> None:
    versions = PolicySet([(T0 - DAY, V1), (at(3), V2), (at(30), V3)], move="next_level")
    issue = versions.pin(make_issue())
    issue = issue.with_event(Event(EventKind.LEVEL_CHANGED, at(2), level="L2"))  # before V2
    issue = issue.with_event(Event(EventKind.LEVEL_CHANGED, at(5), level="L1"))  # after V2
    assert versions.policy_for(issue, at(1)) is V1
    assert versions.policy_for(issue, at(4)) is V1  # V2 is in force, but no change since
    assert versions.policy_for(issue, at(5) - timedelta(microseconds=1)) is V1
    assert versions.policy_for(issue, at(5)) is V2  # exactly at the change
    assert versions.policy_for(issue, at(40)) is V2  # V3 began, the issue has not moved
    # A recorded escalation is a level change too.
    later = issue.record(Escalate("L2", "up", "again", key="up:escalate"), at(41))
    assert versions.policy_for(later, at(41)) is V3
    assert versions.policy_for(later, at(40)) is V2  # the issue as its history stood then


def test_next_level_keeps_a_pin_newer_than_the_level_change() -> None:
    versions = PolicySet([(T0 - DAY, V1), (at(3), V2)], move="next_level")
    issue = make_issue(
        "T-1", Event(EventKind.LEVEL_CHANGED, at(1), level="L2"), policy_version="v2"
    )
    assert versions.policy_for(issue, at(4)) is V2


def test_add_returns_a_new_set_and_keeps_the_move_rule() -> None:
    versions = PolicySet([(T0, V1)], move="next_level")
    more = versions.add(V2, at(5))
    assert versions.policies == (V1,) and more.policies == (V1, V2)
    assert more.move == "next_level" and more.versions[1] == (at(5), V2)
    assert pickle.loads(pickle.dumps(more)) == more
    assert repr(more) == (
        "PolicySet([('2026-03-02T09:00:00+00:00', 'v1'), ('2026-03-02T14:00:00+00:00', 'v2')],"
        " move='next_level')"
    )


VERSIONS_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def _histories(draw: st.DrawFn) -> tuple[Policy, Policy, Issue, datetime]:
    old = attrs.evolve(draw(policies()), version="old")
    new = attrs.evolve(draw(policies()), version="new")
    issue = draw(issues(list(old.levels)))
    since = draw(instants(-23, 96))  # after the first version (T0 - 1 day)
    return old, new, issue, since


@VERSIONS_SETTINGS
@given(_histories(), st.lists(instants(0, 120), min_size=1, max_size=5))
def test_a_pinned_issue_decides_the_same_when_a_newer_version_is_added(
    case: tuple[Policy, Policy, Issue, datetime], nows: list[datetime]
) -> None:
    old, new, issue, since = case
    before = PolicySet([(T0 - DAY, old)])
    after = before.add(new, since)
    pinned = before.pin(issue)
    for now in nows:
        assert after.policy_for(pinned, now) is old
        assert after.evaluate(pinned, now) == before.evaluate(pinned, now)


# ------------------------------------------------------------------ next evaluation, levels


def _without(policy: Policy, level: str, version: str) -> Policy:
    """*policy* with *level* retired, as *version*."""
    levels = [lvl for lvl in policy.levels if lvl.id != level]
    return attrs.evolve(policy, levels=levels, version=version)


def test_at_once_asks_again_when_the_next_version_comes_into_force() -> None:
    # v1 escalates after 4 h at L1, v2 (in force from 10:00) after 2 h: at 09:00, v1 alone
    # would say 13:00, but from 11:00 the set escalates.
    four, two = _versions(4, 2)
    versions = PolicySet([(T0 - DAY, four), (at(1), two)], move="at_once")
    issue = make_issue()
    decision = versions.evaluate(issue, T0)
    assert four.evaluate(issue, T0).next_evaluation_at == at(4)
    assert decision.actions == () and decision.next_evaluation_at == at(1)
    assert decision.reason == four.evaluate(issue, T0).reason
    assert versions.evaluate(issue, at(1)).next_evaluation_at == at(2)  # v2's own answer
    assert versions.evaluate(issue, at(2) - timedelta(seconds=1)).escalation is None
    escalation = versions.evaluate(issue, at(2)).escalation
    assert escalation is not None and escalation.to == "L2"
    explained = versions.explain(issue, T0)
    assert explained.decision == decision
    assert "Next evaluation: Mon 2 Mar 2026 10:00 UTC" in explained.render()
    # The cap is at most the policy's own answer, in UTC, and only for a later version.
    berlin = T0.astimezone(ZoneInfo("Europe/Berlin"))
    late = PolicySet([(T0 - DAY, two), (berlin + timedelta(hours=5), four)], move="at_once")
    assert late.evaluate(issue, T0).next_evaluation_at == at(2)
    capped = late.evaluate(
        issue,
        at(0.5),
    ).next_evaluation_at
    assert capped == at(2) and capped is not None and capped.tzinfo is UTC
    before = late.evaluate(issue, at(4)).next_evaluation_at  # v2 escalates at 11:00: due
    assert before == at(5) and before.tzinfo is UTC
    closed = issue.with_event(Event(EventKind.STATUS_CHANGED, at(0.5), status="closed"))
    assert versions.evaluate(closed, at(0.5)).next_evaluation_at == at(1)  # None, capped
    assert versions.evaluate(closed, at(1)).next_evaluation_at is None


def test_never_and_next_level_do_not_ask_again_when_a_version_comes_into_force() -> None:
    # Neither moves an issue unless its level changes: a version coming into force alone
    # changes nothing, and a level change is an event (or an action) a host asks again for.
    four, two = _versions(4, 2)
    issue = make_issue()
    for move in ("never", "next_level"):
        versions = PolicySet([(T0 - DAY, four), (at(1), two)], move=move)  # type: ignore[arg-type]
        pinned = versions.pin(issue)
        assert versions.evaluate(pinned, T0) == four.evaluate(pinned, T0)
        assert versions.evaluate(pinned, T0).next_evaluation_at == at(4)
        assert versions.explain(pinned, T0).decision == four.evaluate(pinned, T0)


def test_next_level_moves_only_to_a_version_that_has_the_new_level() -> None:
    # v2 retires L2: v1's escalation to L2 must not hand the issue to v2 (which would
    # refuse every later evaluation); it stays on v1 until a change to a level v2 has.
    v1 = _versions(1)[0]
    v2 = _without(v1, "L2", "v2")
    versions = PolicySet([(T0 - DAY, v1), (at(0.5), v2)], move="next_level")
    issue = versions.pin(make_issue())
    escalation = versions.evaluate(issue, at(1)).escalation
    assert escalation is not None and escalation.to == "L2"
    issue = issue.record(escalation, at(1))
    assert versions.policy_for(issue, at(1)) is v1
    decision = versions.evaluate(issue, at(1))
    assert decision.actions == () and decision.next_evaluation_at == at(9)  # v1: L2 for 8 h
    escalation = versions.evaluate(issue, at(9)).escalation
    assert escalation is not None and escalation.to == "L3"
    issue = issue.record(escalation, at(9))
    assert versions.policy_for(issue, at(9)) is v2  # v2 has L3: the issue moves on
    assert versions.policy_for(issue, at(8)) is v1  # the issue as its history stood then
    assert versions.evaluate(issue, at(9)) == v2.evaluate(issue, at(9))
    # A later version that has the level again takes the issue at its next change to it.
    v3 = attrs.evolve(v1, version="v3")
    more = versions.add(v3, at(20))
    back = issue.with_event(Event(EventKind.LEVEL_CHANGED, at(21), level="L2"))
    assert more.policy_for(back, at(21)) is v3
    assert versions.policy_for(back, at(21)) is v2  # no version to take it: as it was
    # Read off the history, incrementally or at once: the same answer.
    rebuilt = Issue(back.id, back.created_at, history=list(back.history), policy_version="v1")
    assert more.policy_for(rebuilt, at(21)) is v3
    assert more.policy_for(rebuilt, at(10)) is v2


def test_at_once_keeps_an_issue_on_the_newest_version_that_has_its_level() -> None:
    v1 = _versions(1)[0]
    v2 = _without(v1, "L2", "v2")
    v3 = attrs.evolve(v1, version="v3")
    versions = PolicySet([(T0 - DAY, v1), (at(2), v2), (at(10), v3)], move="at_once")
    issue = make_issue().record(Escalate("L2", "up", "by hand", key="up:escalate"), at(1))
    assert versions.policy_for(issue, at(1.5)) is v1
    assert versions.policy_for(issue, at(3)) is v1  # v2 lacks L2: v1 goes on
    decision = versions.evaluate(issue, at(3))
    assert decision == v1.evaluate(issue, at(3)) and decision.next_evaluation_at == at(9)
    assert versions.evaluate(issue, at(1.5)).next_evaluation_at == at(9)  # v2 cannot take it
    assert versions.policy_for(issue, at(10)) is v3  # has L2 again: it takes the issue
    top = issue.record(Escalate("L3", "up", "up", key="up:escalate"), at(4))
    assert versions.policy_for(top, at(4)) is v2  # at a level v2 has: v2
    assert versions.evaluate(top, at(4)).next_evaluation_at == at(10)  # v3 will take it
    # A level no kept version up to the one in force has: refused, naming both.
    v4 = attrs.evolve(v1, levels=[*v1.levels, attrs.evolve(v1.levels[2], id="L33", rank=4)])
    newest = versions.add(attrs.evolve(v4, version="v4"), at(30))
    stray = make_issue(level="L33")
    with pytest.raises(IssueError, match="at level 'L33', which neither the policy version 'v3'"):
        newest.evaluate(stray, at(11))
    with pytest.raises(IssueError, match="version 'v3' in force at") as info:
        newest.explain(stray, at(11))
    assert info.value.value == "L33" and info.value.suggestion == "L3"
    assert newest.policy_for(stray, at(30)).version == "v4"


@st.composite
def _at_once_sets(draw: st.DrawFn) -> PolicySet:
    """Two or three versions with different windows at each level (the later ones may retire
    L2), each escalating when the window at its level runs out."""
    count = draw(st.integers(2, 3))
    firsts = draw(
        st.lists(
            st.sampled_from([0.25, 0.5, 1, 2, 3, 4]), min_size=count, max_size=count, unique=True
        )
    )
    starts = sorted(
        draw(st.lists(st.integers(-24 * 60, 60 * 60), min_size=count, max_size=count, unique=True))
    )
    versions = []
    for i, (first, start) in enumerate(zip(firsts, starts, strict=True)):
        windows = [first, *draw(st.lists(st.sampled_from([0.5, 1, 4, 8]), min_size=2, max_size=2))]
        levels = [
            attrs.evolve(level, targets={"time_at_level": hours(window)})
            for level, window in zip(three_levels(), windows, strict=True)
        ]
        if i and draw(st.booleans()):
            del levels[1]
        policy = Policy(levels, [escalate("up", at=sla("time_at_level"))], version=f"v{i + 1}")
        versions.append((T0 + timedelta(minutes=start), policy))
    return PolicySet(versions, move="at_once")


@VERSIONS_SETTINGS
@given(
    _at_once_sets(),
    issues(three_levels()),
    instants(0, 72),
    st.lists(st.floats(0, 1, exclude_min=True, exclude_max=True), min_size=1, max_size=6),
)
def test_at_once_nothing_becomes_due_before_the_next_evaluation(
    versions: PolicySet, issue: Issue, offset: datetime, fractions: list[float]
) -> None:
    now = issue.latest_at + (offset - T0)
    decision = versions.evaluate(issue, now)
    while decision.actions:  # what a host does at now: carry out, record, ask again
        for action in decision.actions:
            issue = issue.record(action, now)
        decision = versions.evaluate(issue, now)
    until = decision.next_evaluation_at or now + timedelta(days=30)
    assert until > now
    for fraction in fractions:
        instant = now + (until - now) * fraction
        if now < instant < until:
            assert not versions.evaluate(issue, instant).actions, (instant, until)
