"""The HTML report as a browser shows it: headless Chromium renders it offline."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from escalation_rules._analysis.html_report import forecast_report
from escalation_rules._io.examples import example_policy

from ..conftest import T0, at, make_issue

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian package chromium)"
)


def _chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={cwd / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    page = forecast_report(example_policy(), make_issue("<b>T-1</b>"), T0, at(12))
    path.write_text(page, encoding="utf-8")
    return path


def test_chromium_renders_the_bands_and_the_action_rows(report: Path, tmp_path: Path) -> None:
    result = _chromium("--dump-dom", report.as_uri(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<svg" in dom
    for level in ("L1", "L2", "L3"):
        assert f'<g class="band" data-level="{level}">' in dom
    rows = dom.split('<table class="actions">')[1].split("</table>")[0]
    assert rows.count("<tr>") == 8  # the header and seven actions
    assert "escalate to the next level, L2" in rows
    assert "<b>T-1</b>" not in dom and "&lt;b&gt;T-1&lt;/b&gt;" in dom


def test_chromium_takes_a_screenshot_of_the_page(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "x.png"
    result = _chromium(
        f"--screenshot={shot}", "--window-size=1200,900", report.as_uri(), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 900)
