"""The real console script, run as a user would."""

from __future__ import annotations

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
    assert "route    F.category == 'billing' holds: route to billing" in out
    assert "escalate 100% of the time_at_level SLA passed: escalate to the next level, L2" in out
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
