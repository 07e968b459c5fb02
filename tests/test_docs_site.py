"""The documentation site builds with no warnings, and its API reference covers the public names.

Needs the ``docs`` extra (mkdocs, mkdocs-material, mkdocstrings[python]); skipped without it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import escalation_rules

ROOT = Path(__file__).resolve().parent.parent
REASON = "the docs site needs the docs extra: pip install -e '.[docs]'"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs", reason=REASON)
    pytest.importorskip("material", reason=REASON)
    pytest.importorskip("mkdocstrings_handlers.python", reason=REASON)
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _anchors(site: Path, module: str) -> list[str]:
    """Every heading id of the API reference pages that documents an object of *module*."""
    pattern = re.compile(rf'id="{re.escape(module)}\.([A-Za-z_][A-Za-z0-9_]*)"')
    found: list[str] = []
    for page in sorted((site / "reference").glob("*/index.html")):
        found += pattern.findall(page.read_text(encoding="utf-8"))
    return found


def test_the_site_builds_strictly_with_every_page(site: Path) -> None:
    for page in ("index.html", "glossary/index.html", "language/index.html", "guide/index.html"):
        assert (site / page).is_file(), page
    language = (site / "language" / "index.html").read_text(encoding="utf-8")
    assert "MAX_DEPTH" in language and "Grammar" in language
    glossary = (site / "glossary" / "index.html").read_text(encoding="utf-8")
    for term in ("SlaClock", "WallClock", "next_evaluation_at", "sweep"):
        assert term in glossary, term


def test_the_api_reference_has_the_key_names(site: Path) -> None:
    policy = (site / "reference" / "policy" / "index.html").read_text(encoding="utf-8")
    assert 'id="escalation_rules.evaluate"' in policy
    assert 'id="escalation_rules.Policy"' in policy
    analysis = (site / "reference" / "analysis" / "index.html").read_text(encoding="utf-8")
    assert 'id="escalation_rules.backtest"' in analysis


def test_every_public_name_is_documented_once(site: Path) -> None:
    documented = _anchors(site, "escalation_rules")
    missing = sorted(set(escalation_rules.__all__) - set(documented))
    twice = sorted({name for name in documented if documented.count(name) > 1})
    assert not missing, f"not in the API reference: {missing}"
    assert not twice, f"documented more than once: {twice}"


@pytest.mark.parametrize(
    "module", ["importers", "distributed", "strategies", "testing", "verification"]
)
def test_each_public_module_has_its_page(site: Path, module: str) -> None:
    page = (site / "reference" / module / "index.html").read_text(encoding="utf-8")
    assert f"escalation_rules.{module}" in page
