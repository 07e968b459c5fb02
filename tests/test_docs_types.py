"""The examples in README.md and docs/ type-check under ``mypy --strict`` (issue 17).

Each ```python block is written to its own module, named after its page and index, and
all of them are checked in one mypy run, as a user who copies an example would check it.
An example that needs a cast or an ``assert isinstance`` to pass is a sign that the API
should change, not the example.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_docs import _blocks

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed (pip install 'escalation-rules[test]')",
)

ERROR = re.compile(r"^(?P<file>[^:\s]+\.py):(?P<line>\d+): (?P<rest>.*)$")


def _module_name(doc: str, index: int) -> str:
    """``README.md`` block 0 -> ``doc_README_0``: a valid, unique module name."""
    stem = re.sub(r"\W", "_", Path(doc).stem)
    return f"doc_{stem}_{index}"


def _write_blocks(folder: Path) -> dict[str, str]:
    """Write every block to *folder*; map each file name to ``"page[python block i]"``."""
    where: dict[str, str] = {}
    for doc, index, code in _blocks():
        name = f"{_module_name(doc, index)}.py"
        (folder / name).write_text(code, encoding="utf-8")
        where[name] = f"{doc}[python block {index}]"
    return where


def _mypy(folder: Path, files: list[str], cache: Path) -> subprocess.CompletedProcess[str]:
    """One ``mypy --strict`` run over *files* in *folder*."""
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        "--python-version",
        "3.11",
        f"--cache-dir={cache}",
        "--no-error-summary",
        "--hide-error-context",
        "--show-error-codes",
        "--no-color-output",
        *files,
    ]
    return subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=300, check=False
    )


def _explain(output: str, where: dict[str, str]) -> list[str]:
    """mypy's error lines, each naming the page and block rather than the temporary file."""
    lines = []
    for line in output.splitlines():
        match = ERROR.match(line.strip())
        if match is None:
            continue
        place = where.get(Path(match["file"]).name, match["file"])
        lines.append(f"{place} line {match['line']}: {match['rest']}")
    return lines


def test_documented_examples_type_check(tmp_path: Path) -> None:
    folder = tmp_path / "examples"
    folder.mkdir()
    where = _write_blocks(folder)
    assert where, "no python blocks found in README.md and docs/"
    result = _mypy(folder, sorted(where), tmp_path / "mypy-cache")
    errors = _explain(result.stdout + result.stderr, where)
    assert result.returncode == 0 and not errors, (
        f"{len(errors)} mypy --strict error(s) in the documented examples:\n"
        + "\n".join(errors or [result.stdout + result.stderr])
    )
