"""Backtest figures as a PNG (the optional ``plot`` extra: matplotlib)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .metrics import Metrics


def _pyplot() -> Any:
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        raise ImportError(
            "--plot needs matplotlib; install it with pip install 'escalation-rules[plot]'"
        ) from None
    matplotlib.use("Agg")  # files only, no display
    return importlib.import_module("matplotlib.pyplot")


def plot_metrics(metrics: Metrics, path: str | Path) -> Path:
    """Draw escalation rates (real and policy, per level and priority) and SLA breach
    rates (per clock and priority) into the PNG file *path*; return the path."""
    plt = _pyplot()
    groups = [("all", metrics.overall), *sorted(metrics.by_priority.items())]
    levels = [lvl.level for lvl in metrics.overall.levels]
    clocks = sorted(metrics.overall.sla_breach_rate)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    left, right = axes
    width = 0.8 / max(2 * len(levels), 1)
    for i, level in enumerate(levels):
        real = [100 * (g.level(level).real_rate or 0.0) for _, g in groups]
        policy = [100 * (g.level(level).policy_rate or 0.0) for _, g in groups]
        xs = range(len(groups))
        left.bar([x + (2 * i) * width for x in xs], real, width, label=f"{level} real")
        left.bar(
            [x + (2 * i + 1) * width for x in xs],
            policy,
            width,
            label=f"{level} policy",
            hatch="//",
        )
    left.set_xticks([x + 0.4 - width / 2 for x in range(len(groups))], [n for n, _ in groups])
    left.set_ylabel("% of eligible issues escalated")
    left.set_title(f"Escalation rate: real vs policy {metrics.policy!r}")
    left.legend(fontsize="small")
    cw = 0.8 / max(len(clocks), 1)
    for i, clock in enumerate(clocks):
        rates = [100 * g.sla_breach_rate.get(clock, 0.0) for _, g in groups]
        right.bar([x + i * cw for x in range(len(groups))], rates, cw, label=clock)
    right.set_xticks([x + 0.4 - cw / 2 for x in range(len(groups))], [n for n, _ in groups])
    right.set_ylabel("% of issues with a target that breached it")
    right.set_title("SLA breach rate per clock")
    if clocks:
        right.legend(fontsize="small")
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
