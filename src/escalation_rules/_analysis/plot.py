"""Backtest figures as a PNG (the optional ``plot`` extra: matplotlib)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import EscalationRulesError
from .._extras import needs

if TYPE_CHECKING:
    from .metrics import Metrics
    from .sweep import Sweep

FORMATS = (".png", ".svg", ".pdf")
"""The file types `plot_metrics` writes, by the name's suffix."""


def check_plot_path(path: str | Path) -> Path:
    """*path* as a `Path` if `plot_metrics` can write there; checked before any work.

    Raises:
        EscalationRulesError: the suffix is not one of `FORMATS`, or the folder is missing.
        ImportError: matplotlib is not installed (the ``plot`` extra).
    """
    out = Path(path)
    if out.suffix.lower() not in FORMATS:
        raise EscalationRulesError(
            f"cannot draw into {str(out)!r}: the name must end in {', '.join(FORMATS)}",
            value=str(out),
        )
    folder = out.parent
    if not folder.is_dir():
        raise EscalationRulesError(
            f"cannot draw into {str(out)!r}: there is no folder {str(folder)!r}",
            value=str(out),
        )
    if out.is_dir():
        raise EscalationRulesError(f"cannot draw into {str(out)!r}: it is a folder", value=str(out))
    _pyplot()
    return out


def _pyplot() -> Any:
    try:
        matplotlib = importlib.import_module("matplotlib")
    except ImportError:
        raise ImportError(needs("--plot", "matplotlib", "plot")) from None
    matplotlib.use("Agg")  # files only, no display
    return importlib.import_module("matplotlib.pyplot")


def plot_metrics(metrics: Metrics, path: str | Path) -> Path:
    """Draw escalation rates (real and policy, per level and priority) and SLA breach
    rates (per clock and priority) into the image file *path*; return the path.

    The type follows the suffix (`FORMATS`: PNG, SVG or PDF); see `check_plot_path`.
    """
    out = check_plot_path(path)
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
    return _save(plt, fig, out)


def _save(plt: Any, fig: Any, out: Path) -> Path:
    fig.tight_layout()
    try:
        fig.savefig(out, dpi=110)
    except OSError as exc:
        raise EscalationRulesError(
            f"cannot write {str(out)!r}: {exc.strerror or exc}", value=str(out)
        ) from None
    finally:
        plt.close(fig)
    return out


def plot_sweep(sweep: Sweep, path: str | Path) -> Path:
    """Draw a sweep's trade-off into the image file *path*; return the path.

    One point per variant: its escalation rate (x) against its overall breach rate (y),
    coloured by its median time to resolution and labelled with its parameter values.
    The Pareto front is circled and connected in order of escalation rate. A variant
    without a figure (no issue at the first level, no measured target) is left out.
    The type follows the suffix, as for `plot_metrics`.
    """
    out = check_plot_path(path)
    plt = _pyplot()
    shown = [
        v for v in sweep.variants if v.escalation_rate is not None and v.breach_rate is not None
    ]
    fig, ax = plt.subplots(figsize=(8, 6))
    xs = [100 * (v.escalation_rate or 0.0) for v in shown]
    ys = [100 * (v.breach_rate or 0.0) for v in shown]
    hours = [(v.median_resolution or 0.0) / 3600 for v in shown]
    points = ax.scatter(xs, ys, c=hours, cmap="viridis", s=40, zorder=3)
    fig.colorbar(points, ax=ax, label="median time to resolution (hours)")
    front = sorted((x, y) for x, y, v in zip(xs, ys, shown, strict=True) if v.pareto)
    if front:
        ax.plot([x for x, _ in front], [y for _, y in front], color="crimson", zorder=2)
        ax.scatter(
            [x for x, _ in front],
            [y for _, y in front],
            s=160,
            facecolors="none",
            edgecolors="crimson",
            label="Pareto front",
            zorder=4,
        )
        ax.legend(fontsize="small")
    labels: dict[tuple[float, float], list[str]] = {}  # variants at one point share a label
    for x, y, v in zip(xs, ys, shown, strict=True):
        labels.setdefault((x, y), []).append(v.label())
    for (x, y), names in labels.items():
        ax.annotate("\n".join(names), (x, y), textcoords="offset points", xytext=(6, 4), fontsize=7)
    ax.margins(0.2)
    ax.set_xlabel("% of first-level issues the policy escalated")
    ax.set_ylabel("% of measured SLA targets breached (all clocks)")
    ax.set_title(f"Policy sweep: {len(sweep.variants)} variants")
    return _save(plt, fig, out)
