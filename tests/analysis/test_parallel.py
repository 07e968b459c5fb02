"""Backtests that merge (issue 16): Metrics of parts merged are those of the whole, on any
split and in any grouping; a backtest on several processes equals one on one."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    Distribution,
    EscalationRulesError,
    IssueError,
    LogMapping,
    PolicyError,
    WorkerError,
    backtest,
    backtest_many,
    bundled_policy,
    loads,
    merge_metrics,
    read_log,
)
from escalation_rules._analysis import distribution
from escalation_rules._analysis import groups as grouping
from escalation_rules._io.eventlog import LoggedIssue, read_rows
from escalation_rules._io.partition import partition_of

from .test_backtest import LOG, policy, sla_policy
from .test_backtest import issues as hand_issues
from .test_backtest_groups import LOG as RATED_LOG
from .test_backtest_groups import MAPPING as RATED_MAPPING


def rated() -> list[LoggedIssue]:
    return list(read_log(io.StringIO(RATED_LOG), LogMapping.from_dict(RATED_MAPPING)))


def all_issues() -> list[LoggedIssue]:
    return hand_issues() + hand_issues(LOG.replace("A,", "D,").replace("B,", "E,"))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_merging_the_parts_of_any_split_gives_the_whole(data: st.DataObject) -> None:
    issues = all_issues()
    labels = data.draw(st.lists(st.integers(0, 2), min_size=len(issues), max_size=len(issues)))
    for chosen in (policy(), sla_policy()):
        whole = backtest(chosen, issues, by=["team"])
        parts = [
            backtest(
                chosen, [i for i, k in zip(issues, labels, strict=True) if k == part], by=["team"]
            )
            for part in range(3)
        ]
        assert merge_metrics(parts) == whole
        assert merge_metrics(parts).to_dict() == whole.to_dict()
        # associative: (a + b) + c == a + (b + c)
        a, b, c = parts
        assert a.merge(b).merge(c) == a.merge(b.merge(c))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_past_the_cap_any_split_and_any_order_keep_the_groups_of_one_pass(
    data: st.DataObject,
) -> None:
    names = [f"c{n}" for n in range(8)]
    issues = [
        attrs.evolve(logged, id=f"{logged.id}{n}", category=data.draw(st.sampled_from(names)))
        for n in range(4)
        for logged in all_issues()
    ]
    order = data.draw(st.permutations(issues))
    labels = data.draw(st.lists(st.integers(0, 2), min_size=len(issues), max_size=len(issues)))
    old = grouping.MAX_GROUPS
    grouping.MAX_GROUPS = 3
    try:
        whole = backtest(policy(), issues)
        assert backtest(policy(), order) == whole  # the groups kept do not hang on the order
        parts = [
            backtest(policy(), [i for i, k in zip(order, labels, strict=True) if k == part])
            for part in range(3)
        ]
        assert merge_metrics(parts) == whole
    finally:
        grouping.MAX_GROUPS = old
    kept = [name for name in whole.by_category if name != "(other)"]
    assert len(kept) <= 3
    met = {logged.category for logged in issues}
    if len(met) > 3:
        lowest = sorted(met, key=lambda name: grouping.Rank(name).key)[:3]
        assert sorted(kept) == sorted(lowest)
        other = whole.by_category["(other)"]
        assert other.issues == sum(1 for i in issues if i.category not in lowest)


def test_satisfaction_merges_exactly() -> None:
    issues = rated()
    whole = backtest(bundled_policy("seeds-matrix"), issues, by=["tier"])
    halves = [
        backtest(bundled_policy("seeds-matrix"), part, by=["tier"])
        for part in (issues[:1], issues[1:])
    ]
    merged = merge_metrics(halves)
    assert merged == whole and merged.overall.satisfaction == 3.5


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(-1e9, 1e9, allow_nan=False), max_size=40),
    st.lists(st.floats(-1e9, 1e9, allow_nan=False), max_size=40),
    st.integers(5, 60),
)
def test_distributions_merge_as_one_pass(xs: list[float], ys: list[float], limit: int) -> None:
    def of(values: list[float]) -> Distribution:
        acc = distribution.Quantiles()
        for v in values:
            acc.add(v)
        return acc.freeze()

    old = distribution.EXACT_LIMIT
    distribution.EXACT_LIMIT = limit
    try:
        assert of(xs).merge(of(ys)) == of(xs + ys) == of(ys).merge(of(xs))
    finally:
        distribution.EXACT_LIMIT = old


@given(st.floats(-1e300, 1e300, allow_nan=False).filter(lambda v: abs(v) >= 1e-40))
def test_a_bucket_middle_is_within_half_a_percent_of_its_values(value: float) -> None:
    middle = distribution.middle_of(distribution.bucket_of(value))
    assert abs(middle - value) <= 0.0051 * abs(value)


def test_the_tiniest_magnitudes_share_the_first_bucket() -> None:
    assert distribution.bucket_of(1e-50) == 1 and distribution.bucket_of(-1e-50) == -1
    assert distribution.bucket_of(0.5) == distribution.bucket_of(0.5 * 1.001)


def test_metrics_of_other_policies_do_not_merge() -> None:
    a = backtest(policy(), hand_issues())
    b = backtest(bundled_policy("seeds-matrix"), hand_issues())
    with pytest.raises(EscalationRulesError, match="cannot merge the metrics of the policy"):
        a.merge(b)
    with pytest.raises(EscalationRulesError, match="no metrics to merge"):
        merge_metrics([])


def test_the_tallies_freeze_once_and_let_go_of_their_counts() -> None:
    from escalation_rules._analysis.variant import Variant

    variant = Variant(policy(), ("team",))
    for logged in hand_issues():
        variant.add(logged)
    metrics = variant.metrics()
    assert metrics == backtest(policy(), hand_issues(), by=["team"])
    tallies = variant.tallies
    assert not tallies.fixed["category"].tallies and not tallies.by["team"].tallies
    with pytest.raises(RuntimeError, match="ask it once"):
        variant.metrics()
    with pytest.raises(RuntimeError, match="ended the count"):  # nothing counts after it
        variant.add(hand_issues()[0])


def test_backtest_many_reads_once_and_equals_each_backtest() -> None:
    reads: list[int] = []

    def counted() -> Any:
        for logged in hand_issues():
            reads.append(1)
            yield logged

    many = backtest_many([policy(), sla_policy()], counted())
    assert len(reads) == 3
    assert many == [backtest(policy(), hand_issues()), backtest(sla_policy(), hand_issues())]


def test_partitions_come_from_a_stable_hash_of_the_id() -> None:
    assert [partition_of(i, 4) for i in ("A", "B", "C", "INC0000045")] == [
        partition_of(i, 4) for i in ("A", "B", "C", "INC0000045")
    ]
    assert partition_of("A", 4) == 0xD3D99E8B % 4  # CRC-32 of b"A"


# ------------------------------------------------------------------ several processes


def test_two_workers_give_the_figures_of_one() -> None:
    issues = all_issues()
    progress: list[int] = []
    for chosen in (policy(), sla_policy()):
        one = backtest(chosen, issues, by=["team"])
        two = backtest(chosen, issues, by=["team"], workers=2, on_progress=progress.append)
        assert two == one and two.to_dict() == one.to_dict()
    assert progress and progress[-1] == len(issues)


def test_two_workers_keep_the_log_warnings() -> None:
    log = LOG.replace("Working", "Wroking", 1)
    mapping = LogMapping.from_dict(
        {
            "format": "csv",
            "columns": {"issue": "id", "timestamp": "when", "status": "status", "level": "line"},
            "statuses": {"open": ["New", "Working"], "pending": ["Waiting"], "resolved": ["Done"]},
        }
    )
    one = backtest(policy(), read_log(io.StringIO(log), mapping))
    two = backtest(policy(), read_log(io.StringIO(log), mapping), workers=2)
    assert one.warnings and two == one


def test_workers_read_only_what_they_were_given(tmp_path: Path) -> None:
    # A log file beside rows that bear its name, and a log already cut to one part: the
    # workers read neither file again (they read the whole of it before).
    mapping = LogMapping.from_dict(
        {
            "format": "csv",
            "columns": {"issue": "id", "timestamp": "when", "status": "status", "level": "line"},
            "statuses": {"open": ["New", "Working"], "pending": ["Waiting"], "resolved": ["Done"]},
        }
    )
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    rows = list(read_log(path, mapping))
    assert len(rows) > 1
    first_issue = [row for row in _raw_rows(path, mapping) if row[1] == rows[0].id]
    from_rows = read_rows(first_issue, mapping, name=str(path))
    one = backtest(policy(), read_rows(first_issue, mapping, name=str(path)))
    assert one.overall.issues == 1
    assert backtest(policy(), from_rows, workers=2) == one
    for k in range(2):
        part = backtest(policy(), read_log(path, mapping, part=(k, 2)))
        assert backtest(policy(), read_log(path, mapping, part=(k, 2)), workers=2) == part
    assert read_log(path, mapping).reread() == (path, mapping, False, True)
    assert read_log(path, mapping, part=(0, 2)).reread() is None


def _raw_rows(path: Path, mapping: LogMapping) -> list[tuple[object, ...]]:
    from escalation_rules._io.logrows import csv_rows

    with path.open(encoding="utf-8", newline="") as text:
        return list(csv_rows(text, str(path), mapping))


BOOM = """
[policy]
name = "boom"
[[levels]]
id = "L1"
name = "one"
rank = 1
owner = "a"
[[levels]]
id = "L2"
name = "two"
rank = 2
owner = "b"
[[rules]]
name = "big"
type = "escalate"
when = 'attributes.n > 3'
to = "L2"
"""


_N_MAPPING = LogMapping.from_dict(
    {
        "format": "csv",
        "columns": {
            "issue": "id",
            "timestamp": "when",
            "status": "state",
            "attributes": {"n": "n"},
        },
        "statuses": {"open": ["New"], "resolved": ["Done"]},
    }
)


def test_a_worker_that_fails_names_the_issue() -> None:
    log = "id,when,state,n\nA,2026-03-02T09:00:00Z,New,1\nA,2026-03-02T10:00:00Z,Done,1\n"
    with pytest.raises(WorkerError) as info:
        backtest(loads(BOOM), read_log(io.StringIO(log), _N_MAPPING), workers=2)
    assert info.value.value == "A"
    assert "failed on issue 'A'" in str(info.value) and "cannot compare attributes.n" in str(
        info.value
    )


_FAILING_RUN = """
import io, sys
from escalation_rules import LogMapping, WorkerError, backtest, loads, read_log

if __name__ == "__main__":
    mapping = LogMapping.from_dict({
        "format": "csv",
        "columns": {"issue": "id", "timestamp": "when", "status": "state",
                    "attributes": {"n": "n"}},
        "statuses": {"open": ["New"], "resolved": ["Done"]},
    })
    rows = ["id,when,state,n"]
    for i in range(20_000):  # the bad issue comes early: most of the log is still unsent
        n = "x" if i == 500 else "1"
        rows += [f"I{i},2026-03-02T09:00:00Z,New,{n}", f"I{i},2026-03-02T10:00:00Z,Done,{n}"]
    issues = list(read_log(io.StringIO("\\n".join(rows) + "\\n"), mapping))
    try:
        backtest(loads(sys.argv[1]), issues, workers=2)
    except WorkerError as error:
        print("raised:", error.value)
"""


def test_a_failed_run_fed_from_here_raises_and_the_process_ends(tmp_path: Any) -> None:
    # Issues not read from a path go to the workers over queues; when a worker fails, what is
    # still queued must not keep this process from ending (a feeder thread blocked on a pipe).
    import subprocess
    import sys

    script = tmp_path / "failing_run.py"
    script.write_text(_FAILING_RUN, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            str(script),
            BOOM.replace("attributes.n > 3", 'attributes.n == "x" and attributes.n > 3'),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "raised: I500"


def test_progress_is_heard_while_the_issues_are_still_being_sent() -> None:
    sent: list[int] = []

    def source() -> Any:
        for logged in hand_issues() * 1_500:
            sent.append(1)
            yield attrs.evolve(logged, id=f"{logged.id}-{len(sent)}")

    heard: list[int] = []
    backtest(policy(), source(), workers=2, on_progress=lambda done: heard.append(len(sent)))
    total = len(sent)
    assert heard and heard[0] < total  # the first count came while the source still ran


@pytest.mark.parametrize("parts", [2, 3])
def test_each_part_of_a_log_refuses_a_log_not_grouped_by_issue(parts: int) -> None:
    # A and B hash to different parts, so neither part alone sees an issue come back.
    ids = [f"I{i}" for i in range(50)]
    a = next(i for i in ids if partition_of(i, parts) == 0)
    b = next(i for i in ids if partition_of(i, parts) == 1)
    log = (
        "id,when,state,n\n"
        f"{a},2026-03-02T09:00:00Z,New,1\n{b},2026-03-02T09:30:00Z,New,1\n"
        f"{a},2026-03-02T10:00:00Z,Done,1\n{b},2026-03-02T11:00:00Z,Done,1\n"
    )
    for k in range(parts):
        with pytest.raises(IssueError, match=f"issue '{a}' appears again after other issues"):
            list(read_log(io.StringIO(log), _N_MAPPING, part=(k, parts)))
    assert (
        len(list(read_log(io.StringIO(log), _N_MAPPING, check_grouped=False, part=(0, parts)))) == 1
    )


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2", 257])
def test_a_bad_number_of_workers_is_refused(workers: Any) -> None:
    with pytest.raises(PolicyError, match="workers must be a whole number from 1 to 256"):
        backtest(policy(), hand_issues(), workers=workers)


def test_on_replay_needs_one_worker() -> None:
    with pytest.raises(PolicyError, match="on_replay sees each Replay in this process"):
        backtest(policy(), hand_issues(), workers=2, on_replay=lambda r: None)
