"""Backtests on Dask (issue 16): a real LocalCluster of 2 worker processes, started and closed
by a fixture; every source gives the figures of one process."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from escalation_rules import LogMapping, WorkerError, backtest, loads, read_log
from escalation_rules.distributed import backtest_many_on_dask, backtest_on_dask

from .test_backtest import LOG, MAPPING, policy, sla_policy
from .test_parallel import _N_MAPPING, BOOM

dask = pytest.importorskip("dask", reason="the dask extra is not installed")
distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def mapping() -> LogMapping:
    """The hand log's mapping, with its open statuses listed (so that it has no warnings)."""
    statuses = {"open": ["New", "Working"], "pending": ["Waiting"], "resolved": ["Done"]}
    return LogMapping.from_dict({**MAPPING, "statuses": statuses})


def two_logs(tmp_path: Path) -> list[Path]:
    """The hand log twice over, split into two files by issue (A, B in one; C and the
    copies in the other)."""
    header, *rows = LOG.strip().split("\n")
    copies = [r.replace("A,", "D,").replace("B,", "E,") for r in rows if r[0] in "AB"]
    first = [r for r in rows if r[0] in "AB"]
    second = [r for r in rows if r[0] == "C"] + copies
    paths = [tmp_path / "part-1.csv", tmp_path / "part-2.csv"]
    for path, part in zip(paths, (first, second), strict=True):
        path.write_text("\n".join([header, *part]) + "\n", encoding="utf-8")
    return paths


def serial(paths: list[Path], chosen: Any) -> Any:
    issues = [i for p in paths for i in read_log(p, mapping())]
    return backtest(chosen, issues, by=["team"])


def test_a_list_of_log_paths_read_on_the_workers(client: Any, tmp_path: Path) -> None:
    paths = two_logs(tmp_path)
    for chosen in (policy(), sla_policy()):
        got = backtest_on_dask(chosen, paths, mapping(), client=client, by=["team"])
        assert got == serial(paths, chosen)


def test_one_path_a_bag_and_a_dataframe(client: Any, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    expected = backtest(policy(), read_log(path, mapping()))
    assert backtest_on_dask(policy(), path, mapping(), client=client) == expected
    bag = db.from_sequence(list(read_log(path, mapping())), npartitions=2)
    assert backtest_on_dask(policy(), bag, client=client) == expected
    paths = two_logs(tmp_path)
    frame = dd.read_csv([str(p) for p in paths], blocksize=None, dtype=str)
    assert backtest_on_dask(policy(), frame, mapping(), client=client, by=["team"]) == serial(
        paths, policy()
    )


def test_many_policies_on_dask(client: Any, tmp_path: Path) -> None:
    paths = two_logs(tmp_path)
    got = backtest_many_on_dask([policy(), sla_policy()], paths, mapping(), client=client)
    issues = [i for p in paths for i in read_log(p, mapping())]
    assert got == [backtest(policy(), issues), backtest(sla_policy(), issues)]


def test_a_dask_worker_that_fails_names_the_issue(client: Any) -> None:
    log = "id,when,state,n\nA,2026-03-02T09:00:00Z,New,1\nA,2026-03-02T10:00:00Z,Done,1\n"
    bag = db.from_sequence(list(read_log(io.StringIO(log), _N_MAPPING)), npartitions=1)
    with pytest.raises(WorkerError) as info:
        backtest_on_dask(loads(BOOM), bag, client=client)
    assert info.value.value == "A" and "failed on issue 'A'" in str(info.value)


@pytest.mark.parametrize("dtype", [None, str, "string"])
def test_empty_cells_of_a_dataframe_read_as_in_the_file(
    client: Any, tmp_path: Path, dtype: Any
) -> None:
    # pandas reads an empty cell as NaN (or NA with the string dtype), never as text
    mapping = LogMapping.from_dict(
        {
            "format": "csv",
            "columns": {
                "issue": "id",
                "timestamp": "when",
                "status": "state",
                "sub_status": "sub",
                "team": "team",
            },
            "statuses": {"open": ["New"], "resolved": ["Done"]},
        }
    )
    path = tmp_path / "gaps.csv"
    path.write_text(
        "id,when,state,sub,team\n"
        "A,2026-03-02T09:00:00Z,New,,t1\nA,2026-03-02T10:00:00Z,Done,,\n"
        "B,2026-03-02T09:00:00Z,New,,t2\nB,2026-03-02T12:00:00Z,Done,,t2\n",
        encoding="utf-8",
    )
    one = backtest(policy(), read_log(path, mapping), by=["team"])
    frame = dd.read_csv([str(path)], blocksize=None, dtype=dtype)
    on_dask = backtest_on_dask(policy(), frame, mapping, client=client, by=["team"])
    assert sorted(on_dask.by["team"]) == ["t1", "t2"] and on_dask == one


def test_an_empty_log_gives_the_figures_of_none(client: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(LOG.splitlines()[0] + "\n", encoding="utf-8")  # the header alone
    one = backtest(policy(), read_log(path, mapping()))
    assert one.overall.issues == 0
    assert backtest_on_dask(policy(), path, mapping(), client=client) == one


def test_a_source_of_another_kind_is_refused(client: Any) -> None:
    from escalation_rules import PolicyError

    with pytest.raises(PolicyError, match="a Dask backtest reads a list of log paths"):
        backtest_on_dask(policy(), 42, mapping(), client=client)
    with pytest.raises(PolicyError, match="needs the log mapping"):
        backtest_on_dask(policy(), ["x.csv"], client=client)


def test_a_sweep_on_dask_equals_one_in_this_process(client: Any, tmp_path: Path) -> None:
    from escalation_rules import sweep

    from .test_sweep import GRID, HAND

    paths = two_logs(tmp_path)
    issues = [i for p in paths for i in read_log(p, mapping())]
    assert sweep(HAND, GRID, paths, mapping=mapping(), client=client) == sweep(HAND, GRID, issues)
