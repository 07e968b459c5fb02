"""The bundled sample log (issue 17): made by a documented script, the same bytes each time,
read by the BPI mapping without warnings, so the README's backtest runs from a clone alone."""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files
from pathlib import Path

from escalation_rules import LogMapping, backtest, bundled_policy, read_log

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = files("escalation_rules") / "examples"


def test_the_script_writes_the_bundled_bytes(tmp_path: Path) -> None:
    out = tmp_path / "sample.csv.gz"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_sample_log.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == (EXAMPLES / "bpi2013-sample.csv.gz").read_bytes()


def test_the_sample_backtests_without_warnings() -> None:
    mapping = LogMapping.load(str(EXAMPLES / "bpi2013-mapping.toml"))
    log = read_log(str(EXAMPLES / "bpi2013-sample.csv.gz"), mapping, strict=True)
    metrics = backtest(bundled_policy("bpi2013"), log)
    assert metrics.overall.issues == 300 and metrics.warnings == ()
    assert metrics.overall.level("L2").real > 0 and metrics.overall.level("L3").real > 0
