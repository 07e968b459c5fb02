"""What the linter reports: a finding, and all findings for one policy source."""

from __future__ import annotations

import json
from typing import Any, Literal

import attrs

Severity = Literal["error", "warning"]


@attrs.frozen
class Finding:
    """One thing the linter found: its code, severity, message and place."""

    code: str
    severity: Severity
    message: str
    where: str
    line: int | None = None
    column: int | None = None
    snippet: str = ""  # ER000: the offending line, and a caret under the mistake

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self, filter=lambda a, v: a.name != "snippet" or bool(v))

    def render(self, source: str) -> str:
        place = f"{source}:{self.line}:{self.column}" if self.line is not None else source
        where = f"{self.where}: " if self.where else ""
        text = f"{place}: {self.severity} {self.code}: {where}{self.message}"
        return f"{text}\n    {self.snippet}" if self.snippet else text


@attrs.frozen
class LintReport:
    """All findings for one policy source, errors first."""

    source: str
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def exit_code(self, *, strict: bool = False) -> int:
        """0: clean (warnings allowed unless *strict*); 1: errors (or warnings, if strict)."""
        return 1 if self.errors or (strict and self.warnings) else 0

    def render(self) -> str:
        lines = [f.render(self.source) for f in self.findings]
        lines.append(f"{self.source}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "source": self.source,
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "findings": [f.to_dict() for f in self.findings],
            },
            indent=2,
        )
