"""Issue 12, item 8: the command line on hostile input ends with one line and a documented code."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from escalation_rules._io.issuejson import issue_to_dict

from ..conftest import at, make_issue
from .test_cli import SCRIPT, needs_script, run

pytestmark = needs_script

WHEN = at(2).isoformat()


def _one_line_error(result: subprocess.CompletedProcess[str], code: int, fragment: str) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr, result.stderr


def test_check_on_a_missing_file_is_a_usage_error_like_every_command() -> None:
    result = run("check", "no-such-policy.toml")
    _one_line_error(result, 2, "no policy file 'no-such-policy.toml'")
    assert run("check", "seeds-matrx").stderr.count("did you mean the bundled example") == 1


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("missing-folder/figures.png", "there is no folder"), ("figures.txt", "must end in .png")],
)
def test_a_bad_plot_target_is_refused_before_the_backtest_runs(
    tmp_path: Path, name: str, fragment: str
) -> None:
    log = tmp_path / "log.csv"
    log.write_text("id,at,event\n")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text("[columns]\n")
    result = run(
        "backtest", "seeds-matrix", str(log), "--mapping", str(mapping), "--plot",
        str(tmp_path / name),
    )  # fmt: skip
    assert result.stdout == ""  # nothing was computed, so nothing was printed
    _one_line_error(result, 2, fragment)


def test_instants_at_the_ends_of_the_calendar_are_one_line_errors(tmp_path: Path) -> None:
    late = tmp_path / "late.json"
    late.write_text(
        json.dumps({"id": "L", "created_at": "9999-12-31T22:00:00+00:00", "priority": "P1"})
    )
    # the 2-hour target's deadline falls after 9999-12-31
    result = run("evaluate", "seeds-matrix", str(late), "--at", "9999-12-31T23:00:00+00:00")
    _one_line_error(result, 1, "outside the years 1 to 9999")
    result = run("forecast", "seeds-matrix", str(late), "--at", "9999-12-31T22:00:00+00:00",
                 "--until", "9999-12-31T23:59:59+00:00")  # fmt: skip
    _one_line_error(result, 1, "outside the years 1 to 9999")
    path = tmp_path / "issue.json"
    path.write_text(json.dumps(issue_to_dict(make_issue())))
    # in UTC, this instant is in the year 10000
    result = run("evaluate", "seeds-matrix", str(path), "--at", "9999-12-31T23:59:59-05:00")
    _one_line_error(result, 1, "outside the years 1 to 9999")


def test_before_year_one_in_utc_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "issue.json"
    path.write_text(json.dumps(issue_to_dict(make_issue())))
    early = "0001-01-01T00:00:00+01:00"
    result = run("forecast", "seeds-matrix", str(path), "--at", early, "--until", WHEN)
    _one_line_error(result, 1, "outside the years 1 to 9999")


def test_a_terminal_that_cannot_show_a_character_gets_an_escape() -> None:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"er-ascii-{os.getpid()}.json"
    path.write_text(json.dumps(issue_to_dict(make_issue("Tëst→"))), encoding="utf-8")
    try:
        result = subprocess.run(
            [SCRIPT, "evaluate", "seeds-matrix", str(path), "--at", WHEN, "--explain"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "PYTHONIOENCODING": "ascii"},
            encoding="ascii",
        )
    finally:
        path.unlink()
    assert result.returncode == 0, result.stderr
    assert "Issue T\\xebst\\u2192 at" in result.stdout


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"id": "X", "created_at": ' + "9" * 5000 + "}", "not valid JSON"),
        ('{"id": "X",\n "created_at": }', ":2:16: not valid JSON"),
        ('{"id": "X", "created_at": "2026-03-02T09:00:00Z", "attributes": "x"}', "mapping"),
        (
            '{"id": "X", "created_at": "2026-03-02T09:00:00Z", "customer": {"value": "lots"}}',
            "issue.customer: Customer.value must be a number",
        ),
    ],
)
def test_a_bad_issue_file_is_one_line_naming_the_file(
    tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "issue.json"
    path.write_text(content)
    result = run("evaluate", "seeds-matrix", str(path), "--at", WHEN)
    _one_line_error(result, 1, fragment)
    assert str(path) in result.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_issue_file_that_never_ends_is_read_only_up_to_the_limit() -> None:
    result = run("evaluate", "seeds-matrix", "/dev/zero", "--at", WHEN)
    _one_line_error(result, 1, "over the limit of 16,777,216 bytes")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_policy_file_that_never_ends_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    issue = tmp_path / "issue.json"
    issue.write_text(json.dumps(issue_to_dict(make_issue())))
    result = run("evaluate", "/dev/zero", str(issue), "--at", WHEN)
    _one_line_error(result, 1, "over the limit of 4,194,304 bytes")
    checked = run("check", "/dev/zero")
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "/dev/zero: error ER000: the policy text is over the limit" in checked.stdout


def _log_with_a_typo(tmp_path: Path) -> tuple[Path, Path]:
    # Issue 12, item 11: 'done' is not 'Done': it silently counted as open.
    log = tmp_path / "log.csv"
    log.write_text(
        "id,when,status\nA,2026-03-02T09:00:00+01:00,New\nA,2026-03-02T10:00:00+01:00,done\n"
    )
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[columns]\nissue = "id"\ntimestamp = "when"\nstatus = "status"\n'
        '[statuses]\nopen = ["New"]\nresolved = ["Done"]\n'
    )
    return log, mapping


def test_an_unmapped_status_is_a_warning_and_an_error_under_strict(tmp_path: Path) -> None:
    log, mapping = _log_with_a_typo(tmp_path)
    table = run("backtest", "seeds-matrix", str(log), "--mapping", str(mapping))
    assert table.returncode == 0, table.stderr
    assert "'done'" in table.stdout and "did you mean 'Done'" in table.stdout
    as_json = run("backtest", "seeds-matrix", str(log), "--mapping", str(mapping),
                  "--format", "json")  # fmt: skip
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["warnings"]
    assert as_json.stderr.startswith("warning: ") and "'done'" in as_json.stderr
    strict = run("backtest", "seeds-matrix", str(log), "--mapping", str(mapping), "--strict")
    _one_line_error(strict, 1, "did you mean 'Done'")
    assert strict.stdout == ""
