"""Metrics as a plain-text table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from .._durations import words

if TYPE_CHECKING:
    from .._io.logmapping import UnmappedValue
    from .metrics import GroupMetrics

#: `warnings_text` lists this many warnings, then says how many more there are.
_WARNINGS_SHOWN = 10


def _pct(part: int, whole: int) -> str:
    return f"{part:,} ({part / whole:.0%})" if whole else f"{part:,}"


def _duration(value: timedelta | None, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    text = words(value)
    return "+" + text if signed and value > timedelta(0) else text


def metrics_table(groups: list[tuple[str, GroupMetrics]], level_ids: tuple[str, ...]) -> str:
    metrics = [g for _, g in groups]
    rows: list[list[str]] = [["", *(name for name, _ in groups)]]

    def add(label: str, cells: Iterable[str]) -> None:
        rows.append([label, *cells])

    add("issues", (f"{g.issues:,}" for g in metrics))
    for i, level in enumerate(level_ids[1:]):
        ms = [g.levels[i] for g in metrics]
        add(f"escalated to {level}: real", (_pct(m.real, m.eligible) for m in ms))
        add(f"escalated to {level}: policy", (_pct(m.policy, m.eligible) for m in ms))
        add(f"  real {level}: policy made it first", (_pct(m.also_earlier, m.real) for m in ms))
        add("    median how much earlier", (_duration(m.median_earlier) for m in ms))
        add(f"  real {level}: policy later (what-if)", (_pct(m.also_later, m.real) for m in ms))
        add("    median how much later", (_duration(m.median_later) for m in ms))
        add(f"  real {level}: policy never", (_pct(m.never, m.real) for m in ms))
        add("  median policy - real", (_duration(m.median_delta, signed=True) for m in ms))
        add(f"  {level} by the policy only", (f"{m.policy_only:,}" for m in ms))
    add("resolved", (_pct(g.resolved, g.issues) for g in metrics))
    add("time to resolution: median", (_duration(g.median_resolution) for g in metrics))
    add("time to resolution: p90", (_duration(g.p90_resolution) for g in metrics))
    add(
        f"resolved at {level_ids[0]} (never moved up)",
        (_pct(g.resolved_at_first_level, g.resolved) for g in metrics),
    )
    add("recurring escalations", (_pct(g.recurring, g.issues) for g in metrics))
    if any(g.rated for g in metrics):
        add("rated (satisfaction)", (_pct(g.rated, g.issues) for g in metrics))
        add(
            "satisfaction: mean",
            ("-" if g.satisfaction is None else f"{g.satisfaction:.2f}" for g in metrics),
        )
    for clock in sorted({c for g in metrics for c in g.sla_breach_rate}):
        add(
            f"SLA breached: {clock}",
            (
                f"{g.sla_breach_rate[clock]:.0%}" if clock in g.sla_breach_rate else "-"
                for g in metrics
            ),
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    )


def warnings_text(warnings: tuple[UnmappedValue, ...]) -> list[str]:
    """The lines that list the reader's warnings under the table's intro (none: none)."""
    if not warnings:
        return []
    rows = sum(w.rows for w in warnings)
    fields = sorted({w.field for w in warnings})
    if fields == ["status"]:
        what = "a status the log mapping lists nowhere; they were counted as open"
    else:
        what = (
            f"a value the log mapping does not know ({', '.join(fields)}); they were read as below"
        )
    lines = ["", f"Warning: {rows:,} rows have {what}, which may change every figure below:"]
    lines += [f"  {w}" for w in warnings[:_WARNINGS_SHOWN]]
    if len(warnings) > _WARNINGS_SHOWN:
        lines.append(f"  ... and {len(warnings) - _WARNINGS_SHOWN:,} more (see to_dict())")
    return lines
