"""`escalation-rules backtest --workers N` and `--dask-workers N` (issue 16)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

EXAMPLES = files("escalation_rules") / "examples"
ARGS = [
    "backtest",
    "servicenow",
    str(EXAMPLES / "servicenow-incidents.csv"),
    "--mapping",
    str(EXAMPLES / "servicenow-mapping.toml"),
    "--format",
    "json",
    "--by",
    "customer",
]


def run(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "escalation_rules", *ARGS, *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_workers_give_the_figures_of_one_process() -> None:
    one, two = run(), run("--workers", "2")
    assert one.returncode == two.returncode == 0, two.stderr
    assert json.loads(two.stdout) == json.loads(one.stdout)


@pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="the dask extra is not installed"
)
def test_a_local_dask_cluster_gives_the_figures_of_one_process() -> None:
    one, dask = run(), run("--dask-workers", "2")
    assert dask.returncode == 0, dask.stderr
    assert json.loads(dask.stdout) == json.loads(one.stdout)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--workers", "0"), "workers must be a whole number from 1 to 256"),
        (("--workers", "2", "--dask-workers", "2"), "--workers runs locally"),
    ],
)
def test_bad_worker_options(extra: tuple[str, ...], message: str) -> None:
    result = run(*extra)
    assert result.returncode != 0 and message in result.stderr


def test_verify_in_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "escalation_rules", "verify", "seeds-matrix", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["policy"] == "seeds-matrix" and data["broken"] == 0
    assert data["invariants"] and all(
        i["holds"] and i["counterexample"] is None for i in data["invariants"]
    )


def test_backtest_writes_its_html_report(tmp_path: Path) -> None:
    page = tmp_path / "backtest.html"
    result = run("--report", str(page))
    assert result.returncode == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "servicenow" in text
    missing = run("--report", str(tmp_path / "no" / "such" / "x.html"))
    assert missing.returncode == 2 and "--report: no folder" in missing.stderr
