"""``escalation-rules report``: HTML pages of a forecast, a replay and a backtest."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from escalation_rules._io.examples import example_path
from escalation_rules._io.issuejson import issue_to_dict

from ..conftest import T0, at, make_issue
from .running import python_m

EXAMPLES = Path(str(example_path("servicenow"))).parent
LOG = str(EXAMPLES / "servicenow-incidents.csv")
MAPPING = str(EXAMPLES / "servicenow-mapping.toml")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return python_m("report", *args)


@pytest.fixture
def issue_file(tmp_path: Path) -> str:
    path = tmp_path / "issue.json"
    path.write_text(json.dumps(issue_to_dict(make_issue("<script>x</script>"))))
    return str(path)


def test_report_writes_the_forecast_page(tmp_path: Path, issue_file: str) -> None:
    out = tmp_path / "report.html"
    args = ("seeds-matrix", issue_file, "--at", T0.isoformat(), "--until", at(12).isoformat())
    result = run(*args, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert f"report written to {out}" in result.stdout
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert re.findall(r'<g class="band" data-level="([^"]+)"', page) == ["L1", "L2", "L3"]
    assert "<script" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    again = tmp_path / "again.html"
    assert run(*args, "-o", str(again)).returncode == 0
    assert again.read_bytes() == out.read_bytes()  # deterministic: no date of making


def test_report_forecasts_a_week_without_until(tmp_path: Path, issue_file: str) -> None:
    out = tmp_path / "r.html"
    result = run("seeds-matrix", issue_file, "--at", T0.isoformat(), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "to Mon 9 Mar 2026 09:00 UTC" in out.read_text(encoding="utf-8")


def test_report_replays_one_issue_of_a_log(tmp_path: Path) -> None:
    out = tmp_path / "replay.html"
    result = run(
        "servicenow", "--replay", LOG, "--mapping", MAPPING, "--issue", "INC0000047",
        "-o", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "Replay of issue INC0000047 under policy servicenow" in page
    assert '<table class="timeline">' in page


def test_report_backtest_writes_the_bar_charts(tmp_path: Path) -> None:
    out = tmp_path / "backtest.html"
    result = run("--backtest", "servicenow", LOG, "--mapping", MAPPING, "-o", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 2
    assert 'class="bar real"' in page and 'class="bar policy"' in page


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("seeds-matrix", "-o", "x.html"), 2, "report needs ISSUE.json and --at"),
        (("seeds-matrix", "missing.json", "--at", "2026-03-02T09:00Z", "-o", "x.html"), 2,
         "no issue file 'missing.json'"),
        (("seeds-matrix", "--replay", LOG, "--mapping", MAPPING, "-o", "x.html"), 2,
         "--replay needs --issue ID"),
        (("servicenow", "--replay", LOG, "--mapping", MAPPING, "--issue", "NOPE", "-o",
          "x.html"), 1, "no issue 'NOPE' in the log"),
        (("--backtest", "servicenow", LOG, "-o", "x.html"), 2, "--mapping MAPPING.toml"),
        (("--backtest", "servicenow", "no.csv", "--mapping", MAPPING, "-o", "x.html"), 2,
         "no event log 'no.csv'"),
    ],
)  # fmt: skip
def test_report_usage_errors(
    tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    result = python_m("report", *args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "x.html").exists()


def test_an_output_in_no_folder_or_naming_a_folder_is_refused_before_the_work(
    tmp_path: Path,
) -> None:
    work = ("--backtest", "servicenow", LOG, "--mapping", MAPPING)
    missing = run(*work, "-o", str(tmp_path / "no" / "x.html"))
    assert missing.returncode == 2 and "--output: no folder" in missing.stderr
    folder = run(*work, "-o", str(tmp_path))
    assert folder.returncode == 2 and "is a folder; name a file" in folder.stderr


def test_report_needs_an_output() -> None:
    result = run("seeds-matrix")
    assert result.returncode == 2
    assert "-o/--output" in result.stderr
