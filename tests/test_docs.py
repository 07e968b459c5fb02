"""The examples in README.md and docs/ run, so they cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"```python\n(.*?)```", re.S)


def _blocks() -> list[tuple[str, int, str]]:
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for i, match in enumerate(FENCE.finditer(text)):
            out.append((path.name, i, match.group(1)))
    return out


@pytest.mark.parametrize(("doc", "index", "code"), _blocks(), ids=lambda v: str(v)[:20])
def test_documented_example_runs(doc: str, index: int, code: str) -> None:
    namespace: dict[str, object] = {"__name__": f"doc_{index}"}
    exec(compile(code, f"{doc}[python block {index}]", "exec"), namespace)


def test_readme_has_examples() -> None:
    assert any(doc == "README.md" for doc, _, _ in _blocks())
