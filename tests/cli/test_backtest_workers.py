"""`escalation-rules backtest --workers N` and `--dask-workers N` (issue 16)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest

from .running import python_m

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
    return python_m(*ARGS, *extra)


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
        (("--dask-workers", "0"), "--dask-workers must be a whole number from 1 to 256, got 0"),
        (("--dask-workers", "-1"), "--dask-workers must be a whole number from 1 to 256"),
    ],
)
def test_bad_worker_options(extra: tuple[str, ...], message: str) -> None:
    result = run(*extra)
    assert result.returncode != 0 and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="the dask extra is not installed"
)
def test_a_scheduler_address_that_is_no_address_is_a_clean_error() -> None:
    result = run("--scheduler", "notanaddress")
    assert result.returncode == 1 and "--scheduler: cannot reach 'notanaddress'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="the dask extra is not installed"
)
def test_strict_refuses_an_unknown_status_on_dask_too(tmp_path: Path) -> None:
    log = tmp_path / "odd.csv"
    rows = (EXAMPLES / "servicenow-incidents.csv").read_text(encoding="utf-8").splitlines()
    header, first, *rest = rows
    status = header.split(",").index("incident_state")
    cells = first.split(",")
    cells[status] = "Bogus"
    log.write_text("\n".join([header, ",".join(cells), *rest]) + "\n", encoding="utf-8")
    args = [*ARGS[:2], str(log), *ARGS[3:]]
    for extra in ((), ("--dask-workers", "1")):
        lenient = python_m(*args, *extra)
        strict = python_m(*args, *extra, "--strict")
        assert lenient.returncode == 0, lenient.stderr
        assert strict.returncode == 1 and "Bogus" in strict.stderr, (extra, strict.stderr)


def test_verify_in_json() -> None:
    result = python_m("verify", "seeds-matrix", "--format", "json")
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
    folder = run("--report", str(tmp_path))
    assert folder.returncode == 2 and "is a folder; name a file" in folder.stderr


def test_progress_ends_on_the_last_count() -> None:
    result = run("--progress")
    assert result.returncode == 0, result.stderr
    issues = json.loads(result.stdout)["overall"]["issues"]
    assert issues % 250 and f"{issues:,} issues" in result.stderr  # a bar, or a plain count
