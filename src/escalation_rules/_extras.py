"""The optional extras, and the one way every message says that one is needed."""

from __future__ import annotations

from typing import Final

PACKAGE: Final = "escalation-rules"


def install_hint(extra: str) -> str:
    """The command that installs *extra*: ``pip install 'escalation-rules[plot]'``."""
    return f"pip install '{PACKAGE}[{extra}]'"


def needs(what: str, packages: str, extra: str) -> str:
    """``"--plot needs matplotlib, which is not installed; install it with: pip install
    'escalation-rules[plot]'"``: the message of a missing optional dependency."""
    hint, verb = install_hint(extra), "are" if " and " in packages else "is"
    return f"{what} needs {packages}, which {verb} not installed; install it with: {hint}"
