"""``escalation-rules sweep``: a grid of parameter values, backtested on a log."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from importlib.resources import files as resource_files
from pathlib import Path

import pytest

from escalation_rules import sweep

from ..analysis.test_backtest import LOG, issues
from ..analysis.test_sweep import GRID, HAND
from .running import python_m

MAPPING = """\
format = "csv"

[columns]
issue = "id"
timestamp = "when"
status = "status"
level = "line"
priority = "prio"
category = "cat"
team = "team"

[statuses]
open = ["New", "Working"]
pending = ["Waiting"]
resolved = ["Done"]
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return python_m("sweep", *args)


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str, str]:
    policy, log, mapping = tmp_path / "hand.toml", tmp_path / "log.csv", tmp_path / "map.toml"
    policy.write_text(HAND)
    log.write_text(LOG)
    mapping.write_text(MAPPING)
    return str(policy), str(log), str(mapping)


GRID_ARGS = ("--grid", "l1_limit=1h,4h", "--grid", "resolve_in=3h,6h")


def test_sweep_prints_a_table_with_the_front_marked(files: tuple[str, str, str]) -> None:
    policy, log, mapping = files
    result = run(policy, log, "--mapping", mapping, *GRID_ARGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Sweep of 4 variants over 3 issues.")
    front = [line for line in result.stdout.splitlines() if line.startswith("*  ")]
    assert front == ["*  4h        6h          0.0%       16.7%     4 h                0.0%"]
    assert result.stderr == ""


def test_sweep_json_and_csv_are_the_librarys(files: tuple[str, str, str]) -> None:
    policy, log, mapping = files
    expected = sweep(HAND, GRID, issues())
    as_json = run(policy, log, "--mapping", mapping, *GRID_ARGS, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["grid"] == GRID
    assert [v["pareto"] for v in data["variants"]] == list(expected.pareto)
    assert [v["breach_rate"] for v in data["variants"]] == [
        v.breach_rate for v in expected.variants
    ]
    as_csv = run(policy, log, "--mapping", mapping, *GRID_ARGS, "--format", "csv", "--by", "team")
    assert as_csv.returncode == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == expected.csv_rows()


def test_grid_values_are_read_as_toml_scalars(tmp_path: Path, files: tuple[str, str, str]) -> None:
    _, log, mapping = files
    policy = tmp_path / "flag.toml"
    policy.write_text(
        HAND.replace("[parameters]\n", "[parameters]\nlimit_on = true\nrank3 = 3\n")
        .replace('name = "limit"\n', 'name = "limit"\nenabled = "$limit_on"\n')
        .replace("rank = 3\n", 'rank = "$rank3"\n')
    )
    result = run(
        str(policy), log, "--mapping", mapping, "--grid", "limit_on=true,false",
        "--grid", "rank3=3,5", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    values = [v["parameters"] for v in json.loads(result.stdout)["variants"]]
    assert values[0] == {"limit_on": True, "rank3": 3}
    assert values[-1] == {"limit_on": False, "rank3": 5}
    rates = [v["escalation_rate"] for v in json.loads(result.stdout)["variants"]]
    assert rates[0] > 0 and rates[-1] == 0


def test_sweep_plot(tmp_path: Path, files: tuple[str, str, str]) -> None:
    pytest.importorskip("matplotlib")
    policy, log, mapping = files
    out = tmp_path / "sweep.png"
    result = run(policy, log, "--mapping", mapping, *GRID_ARGS, "--plot", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert "plot written to" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--grid", "l1_limt=1h"), 1, "error: .*no parameter 'l1_limt'.*l1_limit"),
        (("--grid", "l1_limit"), 2, "error: --grid takes NAME=V1,V2"),
        (("--grid", "l1_limit=1h", "--grid", "l1_limit=2h"), 2, "names 'l1_limit' twice"),
        (("--grid", "l1_limit=1x"), 1, "error: .*unknown unit 'x'"),
        ((*GRID_ARGS, "--plot", "out.txt"), 2, "error: --plot: .*must end in"),
        ((*GRID_ARGS, "--workers", "0"), 1, "error: workers must be"),
        ((*GRID_ARGS, "--by", "nonsense"), 1, "error: cannot group"),
    ],
)
def test_sweep_errors(
    files: tuple[str, str, str], args: tuple[str, ...], code: int, message: str
) -> None:
    policy, log, mapping = files
    result = run(policy, log, "--mapping", mapping, *args)
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert re.search(message, result.stderr), result.stderr


def test_sweep_missing_files(tmp_path: Path, files: tuple[str, str, str]) -> None:
    policy, log, mapping = files
    missing = str(tmp_path / "nope")
    for args, message in [
        ((missing, log, "--mapping", mapping), "error: no policy file"),
        ((policy, missing, "--mapping", mapping), "error: no event log"),
        ((policy, log, "--mapping", missing), "error: cannot read the mapping"),
    ]:
        result = run(*args, *GRID_ARGS)
        assert result.returncode == 2
        assert message in result.stderr


def test_a_bundled_example_without_parameters_is_refused(files: tuple[str, str, str]) -> None:
    _, log, mapping = files
    result = run("zendesk-sla", log, "--mapping", mapping, "--grid", "x=1")
    assert result.returncode == 1
    assert "declares no [parameters]" in result.stderr


@pytest.mark.skipif(
    __import__("importlib").util.find_spec("distributed") is None,
    reason="the dask extra is not installed",
)
def test_a_sweep_on_a_local_dask_cluster_gives_the_same_table(files: tuple[str, str, str]) -> None:
    policy, log, mapping = files
    here = run(policy, log, "--mapping", mapping, *GRID_ARGS, "--format", "json")
    dask = run(
        policy, log, "--mapping", mapping, *GRID_ARGS, "--format", "json", "--dask-workers", "2"
    )
    assert dask.returncode == 0, dask.stderr
    assert json.loads(dask.stdout) == json.loads(here.stdout)


def test_an_error_in_a_swept_bundled_example_names_its_file() -> None:
    examples = resource_files("escalation_rules") / "examples"
    sample = Path(str(examples / "bpi2013-sample.csv.gz"))
    mapping = Path(str(examples / "bpi2013-mapping.toml"))
    result = run("bpi2013", str(sample), "--mapping", str(mapping), "--grid", "warn_at=2h")
    assert result.returncode != 0 and "bpi2013.toml:" in result.stderr, result.stderr
    assert "<string>" not in result.stderr and "Traceback" not in result.stderr
