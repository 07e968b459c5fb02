"""The real console script, run as a user would."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = shutil.which("escalation-rules") or str(Path(sys.executable).parent / "escalation-rules")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(not Path(SCRIPT).exists(), reason="console script not installed")
def test_demo_prints_each_issue_and_its_decisions() -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for issue_id in ("INC-1", "INC-2", "INC-3", "INC-4", "INC-5", "INC-6", "PAGE-1"):
        assert issue_id in out
    assert "route    matrix support, billing × L1: route to billing" in out  # noqa: RUF001
    assert (
        "escalate matrix support, * × L1: 2 h since level_entered passed: escalate to the "  # noqa: RUF001
        "next level, L2" in out
    )
    assert "still not acknowledged: repeat 2 of 2" in out


@pytest.mark.skipif(not Path(SCRIPT).exists(), reason="console script not installed")
def test_no_command_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2
    assert "demo" in result.stderr


def test_python_dash_m_runs_the_same_main() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "escalation_rules", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "INC-1" in result.stdout


# ------------------------------------------------------------------ the other commands

from escalation_rules import to_dict  # noqa: E402
from escalation_rules._io.examples import example_policy  # noqa: E402
from escalation_rules._io.issuejson import issue_to_dict  # noqa: E402
from escalation_rules._io.writer import dump  # noqa: E402

from ..conftest import T0, at, make_issue  # noqa: E402

needs_script = pytest.mark.skipif(not Path(SCRIPT).exists(), reason="console script not installed")


def _write_issue(tmp_path: Path, **fields: object) -> Path:
    path = tmp_path / "issue.json"
    path.write_text(json.dumps(issue_to_dict(make_issue(**fields))))
    return path


@needs_script
def test_check_passes_the_bundled_examples_and_fails_a_broken_file(tmp_path: Path) -> None:
    ok = run("check", "seeds-matrix", "oncall-chain", "zendesk-sla", "bpi2013")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 error(s), 0 warning(s)" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(dump(example_policy()).replace('type = "matrix"', 'type = "matrx"', 1))
    result = run("check", str(bad))
    assert result.returncode == 1
    line = next(n for n, text in enumerate(bad.read_text().splitlines(), 1) if '"matrx"' in text)
    assert (
        f"{bad}:{line}:8: error ER000" in result.stdout and "did you mean 'matrix'" in result.stdout
    )
    data = json.loads(run("check", str(bad), "--format", "json").stdout)
    assert data["errors"] == 1 and data["findings"][0]["line"] == line


@needs_script
def test_check_warnings_fail_only_when_strict(tmp_path: Path) -> None:
    text = dump(example_policy()).replace('time_at_level = "8h', 'time_at_level = "1h', 1)
    path = tmp_path / "shrinks.toml"
    path.write_text(text)
    relaxed = run("check", str(path))
    assert relaxed.returncode == 0 and "warning ER104" in relaxed.stdout
    assert run("check", str(path), "--strict").returncode == 1


@needs_script
def test_evaluate_prints_the_decision_and_explains_it(tmp_path: Path) -> None:
    issue = _write_issue(tmp_path, category="billing")
    when = at(2).isoformat()
    text = run("evaluate", "seeds-matrix", str(issue), "--at", when)
    assert text.returncode == 0, text.stderr
    assert "route    billing" in text.stdout and "escalate L2" in text.stdout
    data = json.loads(
        run("evaluate", "seeds-matrix", str(issue), "--at", when, "--format", "json").stdout
    )
    assert [(a["rule"], a["kind"]) for a in data["actions"]] == [
        ("resolution-sla-warning", "notify"),
        ("support", "route"),
        ("support", "escalate"),
    ]
    explained = run("evaluate", "seeds-matrix", str(issue), "--at", when, "--explain")
    assert "Rules:" in explained.stdout and "SLA clocks:" in explained.stdout
    assert "refund-needs-authority (hierarchical): not matched" in explained.stdout
    assert (
        "matrix support: row billing × L1 — owner billing, moves on after 2 h "  # noqa: RUF001
        "(since level_entered)" in explained.stdout
    )


@needs_script
def test_forecast_lists_what_will_happen(tmp_path: Path) -> None:
    issue = _write_issue(tmp_path)
    result = run(
        "forecast",
        "seeds-matrix",
        str(issue),
        "--at",
        T0.isoformat(),
        "--until",
        at(12).isoformat(),
        "--format",
        "json",
    )
    steps = json.loads(result.stdout)
    assert [(s["rule"], s["kind"], s["level"]) for s in steps] == [
        ("support", "route", "L1"),
        ("resolution-sla-warning", "notify", "L1"),
        ("support", "escalate", "L1"),
        ("support", "route", "L2"),
        ("resolution-sla-warning", "notify", "L2"),
        ("support", "escalate", "L2"),
        ("support", "route", "L3"),
    ]


@needs_script
def test_backtest_on_a_small_log(tmp_path: Path) -> None:
    from ..analysis.test_backtest import LOG, MAPPING

    log = tmp_path / "log.csv"
    log.write_text(LOG)
    mapping = tmp_path / "mapping.toml"
    cols = "\n".join(f'{k} = "{v}"' for k, v in MAPPING["columns"].items())  # type: ignore[attr-defined]
    statuses = '[statuses]\npending = ["Waiting"]\nresolved = ["Done"]\n'
    mapping.write_text(f'format = "csv"\n[columns]\n{cols}\n{statuses}')
    policy = tmp_path / "policy.toml"
    policy.write_text(dump(example_policy()))
    table = run("backtest", str(policy), str(log), "--mapping", str(mapping))
    assert table.returncode == 0, table.stderr
    assert "Backtest of policy 'seeds-matrix' on 3 issues" in table.stdout
    data = json.loads(
        run("backtest", str(policy), str(log), "--mapping", str(mapping), "--format", "json").stdout
    )
    assert data["overall"]["issues"] == 3
    csv_out = run("backtest", str(policy), str(log), "--mapping", str(mapping), "--format", "csv")
    assert csv_out.stdout.splitlines()[0].startswith("scope,group,issues")


@needs_script
@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (
            ("evaluate", "no-such.toml", "x.json", "--at", "2026-03-02T09:00:00Z"),
            2,
            "no policy file 'no-such.toml'",
        ),
        (
            ("evaluate", "seeds-matrx", "x.json", "--at", "2026-03-02T09:00:00Z"),
            2,
            "did you mean the bundled example 'seeds-matrix'",
        ),
        (
            ("evaluate", "seeds-matrix", "missing.json", "--at", "2026-03-02T09:00:00Z"),
            2,
            "no issue file 'missing.json'",
        ),
        (("evaluate", "seeds-matrix"), 2, "required"),
        (("examples", "zendesk"), 2, "did you mean 'zendesk-sla'"),
        (("frobnicate",), 2, "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(
    args: tuple[str, ...], code: int, fragment: str
) -> None:
    result = run(*args)
    assert result.returncode == code, result.stdout + result.stderr
    assert fragment in result.stderr


@needs_script
def test_bad_input_files_exit_1(tmp_path: Path) -> None:
    issue = tmp_path / "issue.json"
    issue.write_text('{"id": "X", "created_at": "2026-03-02T09:00:00", "history": []}')
    result = run("evaluate", "seeds-matrix", str(issue), "--at", "2026-03-02T10:00:00Z")
    assert result.returncode == 1 and "has no UTC offset" in result.stderr
    issue.write_text('{"id": "X", "created_at": "2026-03-02T09:00:00Z", "priorty": "P1"}')
    result = run("evaluate", "seeds-matrix", str(issue), "--at", "2026-03-02T10:00:00Z")
    assert result.returncode == 1 and "did you mean 'priority'" in result.stderr


@needs_script
def test_examples_lists_and_prints_the_bundled_files() -> None:
    listed = run("examples").stdout.split()
    assert listed == ["seeds-matrix", "oncall-chain", "zendesk-sla", "bpi2013", "servicenow"]
    assert "[calendars.support-hours]" in run("examples", "zendesk-sla").stdout


def test_every_command_has_help() -> None:
    for command in ("demo", "check", "evaluate", "forecast", "backtest", "verify", "examples"):
        result = subprocess.run(
            [sys.executable, "-m", "escalation_rules", command, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0 and "usage: escalation-rules" in result.stdout


def test_the_issue_json_round_trips() -> None:
    from escalation_rules._io.issuejson import issue_from_dict

    issue = make_issue(category="billing", tags=["vip"], priority="P1")
    assert issue_from_dict(json.loads(json.dumps(issue_to_dict(issue)))) == issue
    assert to_dict(example_policy())["policy"]["name"] == "seeds-matrix"


@needs_script
def test_verify_runs_the_ready_made_invariants() -> None:
    result = run("verify", "oncall-chain")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "invariants hold" in result.stdout and "ok     never_raises()" in result.stdout


@needs_script
def test_backtest_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the 'plot' extra is not installed")
    from ..analysis.test_backtest import LOG, MAPPING

    log = tmp_path / "log.csv"
    log.write_text(LOG)
    cols = "\n".join(f'{k} = "{v}"' for k, v in MAPPING["columns"].items())  # type: ignore[attr-defined]
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(f'[columns]\n{cols}\n[statuses]\nresolved = ["Done"]\n')
    png = tmp_path / "figures.png"
    result = run(
        "backtest", "seeds-matrix", str(log), "--mapping", str(mapping), "--plot", str(png)
    )
    assert result.returncode == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot written to {png}" in result.stderr


@pytest.mark.skipif(not Path(SCRIPT).exists(), reason="console script not installed")
def test_version_prints_the_package_version() -> None:
    # Issue 12, item 8: there was no --version.
    import escalation_rules

    result = run("--version")
    assert (result.returncode, result.stdout) == (
        0,
        f"escalation-rules {escalation_rules.__version__}\n",
    )


@needs_script
def test_control_characters_from_the_input_do_not_reach_the_terminal(tmp_path: Path) -> None:
    # Issue 12, item 16: an issue id was printed raw, so an escape sequence in it reached
    # the terminal. It is written as a \x1b escape now.
    path = tmp_path / "issue.json"
    path.write_text(json.dumps(issue_to_dict(make_issue("A\x1b[31mred\x07"))))
    result = run("evaluate", "seeds-matrix", str(path), "--at", at(2).isoformat())
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "Issue A\\x1b[31mred\\x07 at" in result.stdout


@needs_script
def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    # Issue 12, item 8: `escalation-rules demo | head -1` ended in BrokenPipeError.
    with subprocess.Popen(
        [SCRIPT, "demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()
        error = process.stderr.read()
        code = process.wait(timeout=60)
    assert (code, error) == (0, b"")
