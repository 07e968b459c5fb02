"""One way to run the command line as a user would: ``python -m escalation_rules ...``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def python_m(
    *args: str, timeout: float = 300, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m escalation_rules ARGS``, its output captured as text, whatever its exit."""
    return subprocess.run(
        [sys.executable, "-m", "escalation_rules", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )
