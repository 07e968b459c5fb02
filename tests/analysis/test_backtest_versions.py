"""Backtest and replay of a `PolicySet`: each issue under the version in force at its creation."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import attrs

from escalation_rules import Policy, PolicySet, Replay, backtest, hours, read_log, replay

from .test_backtest import issues, mapping, policy

# Three issues created on either side of the second version's start (10:00 UTC).
LOG = """\
id,when,status,line,prio,cat,team
A,2026-03-02T08:00:00+00:00,New,L1,P2,billing,desk
A,2026-03-02T12:00:00+00:00,Working,L2,P2,billing,desk
A,2026-03-02T13:00:00+00:00,Done,L2,P2,billing,desk
B,2026-03-02T11:00:00+00:00,New,L1,P3,network,desk
B,2026-03-02T14:30:00+00:00,Working,L2,P3,network,desk
B,2026-03-02T15:00:00+00:00,Done,L2,P3,network,desk
C,2026-03-02T09:59:00+00:00,New,L1,P3,billing,desk
C,2026-03-02T14:00:00+00:00,Done,L1,P3,billing,desk
"""

SINCE = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _faster() -> Policy:
    """The hand policy, but L1's time at level is 1 h instead of 2 h."""
    old = policy()
    levels = list(old.levels)
    levels[0] = attrs.evolve(levels[0], targets={"time_at_level": hours(1), "resolution": hours(3)})
    return attrs.evolve(old, levels=levels, name="hand-v2")


def _set() -> PolicySet:
    return PolicySet([(datetime(2026, 1, 1, tzinfo=UTC), policy()), (SINCE, _faster())])


def test_replay_of_a_set_uses_the_version_in_force_at_creation() -> None:
    versions = _set()
    for logged in issues(LOG):
        expected = versions.in_force(logged.created_at)
        assert expected.name == ("hand" if logged.id in "AC" else "hand-v2")
        assert replay(versions, logged) == replay(expected, logged)


def test_backtest_of_a_set_replays_each_issue_with_its_creation_version() -> None:
    versions = _set()
    seen: list[Replay] = []
    metrics = backtest(versions, issues(LOG), on_replay=seen.append)
    logged = issues(LOG)
    assert seen == [replay(versions.in_force(item.created_at), item) for item in logged]
    # B (created after 10:00) is escalated by the faster version after 1 h at L1; A and C
    # (created before, C a minute before) after 2 h, as the old version says.
    escalated = {r.logged.id: r.actions[-1].at.strftime("%H:%M") for r in seen}
    assert escalated == {"A": "10:00", "B": "12:00", "C": "11:59"}
    assert replay(policy(), logged[1]).actions[-1].at.hour == 13  # B under the old version
    assert metrics.overall.issues == 3
    assert metrics.overall.policy_actions == sum(len(r.actions) for r in seen)
    assert metrics.policy == "hand, hand-v2"
    assert metrics.level_ids == ("L1", "L2", "L3")


def test_a_set_whose_versions_all_came_after_or_before_equals_one_policy() -> None:
    start, later = datetime(2026, 1, 1, tzinfo=UTC), SINCE.replace(day=9)
    early = PolicySet([(start, policy()), (later, _faster())])  # every issue before v2
    assert attrs.evolve(backtest(early, issues(LOG)), policy="hand") == backtest(
        policy(), issues(LOG)
    )
    late = PolicySet([(start - (later - start), policy()), (start, _faster())])  # all after
    assert attrs.evolve(backtest(late, issues(LOG)), policy="hand-v2") == backtest(
        _faster(), issues(LOG)
    )


def test_a_set_reads_a_real_log_stream() -> None:
    log = read_log(io.StringIO(LOG), mapping())
    metrics = backtest(_set(), log)
    assert metrics.overall.issues == 3
    assert [w.value for w in metrics.warnings] == ["New", "Working"]  # the log's, copied


def _versions_dropping_the_first_level() -> PolicySet:
    from escalation_rules import loads

    def version(levels: list[str]) -> Policy:
        text = '[policy]\nname = "p"\n'
        for rank, level in enumerate(levels, 1):
            text += f'[[levels]]\nid = "{level}"\nname = "{level}"\nrank = {rank}\nowner = "o"\n'
        text += f'[[rules]]\nname = "up"\ntype = "escalate"\nwhen = "true"\nto = "{levels[1]}"\n'
        return loads(text)

    return PolicySet(
        [
            (datetime(2000, 1, 1, tzinfo=UTC), version(["L0", "L1", "L2"])),
            (SINCE, version(["L1", "L2"])),
        ]
    )


def test_a_level_only_an_older_version_has_goes_where_that_version_puts_it() -> None:
    # The newer version drops L0; the older one's escalation from L0 to L1 still counts.
    log = (
        "id,when,status,line,prio,cat,team\n"
        "A,2026-03-02T08:00:00+00:00,New,L0,P2,billing,desk\n"
        "A,2026-03-02T09:00:00+00:00,New,L1,P2,billing,desk\n"
        "A,2026-03-02T09:30:00+00:00,Done,L1,P2,billing,desk\n"
    )
    versions = _versions_dropping_the_first_level()
    metrics = backtest(versions, read_log(io.StringIO(log), mapping()))
    alone = backtest(versions.policies[0], read_log(io.StringIO(log), mapping()))
    assert metrics.level_ids == ("L0", "L1", "L2")
    assert metrics.overall.levels == alone.overall.levels
    assert metrics.overall.level("L1").real == 1
