"""The HTML page of a backtest: real and policy escalation rates as bar charts (SVG)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .html_page import esc, legend, level_colour, page, table

if TYPE_CHECKING:
    from .metrics import GroupMetrics, LevelMetrics, Metrics

_BAR = 22
_GAP = 6
_HEIGHT = 200
_TOP = 24


def backtest_page(metrics: Metrics) -> str:
    """The whole page: a figure per level (all issues) and one per priority."""
    title = f"Backtest of policy {metrics.policy}"
    levels = metrics.level_ids
    colours = [(level_colour(i), level) for i, level in enumerate(levels)]
    extra = (
        '<span class="item"><span class="swatch" style="background:#fff;'
        'border-style:dashed"></span>real (outlined)</span>'
        '<span class="item"><span class="swatch" style="background:#777"></span>'
        "policy (filled)</span>"
    )
    groups = [("all issues", metrics.overall)]
    by_priority = sorted(metrics.by_priority.items())
    body = [
        f"<h1>{esc(title)}</h1>",
        f"<p>{metrics.overall.issues} issues, {metrics.overall.events} events, "
        f"{metrics.overall.policy_actions} actions decided by the policy. Each bar is the "
        "share of the issues that started below the level (n, under each pair) escalated "
        "to it or above: by the real history (outlined) and by the policy (filled).</p>",
        legend(colours, extra),
        "<h2>Per level</h2>",
        _figure("per-level", groups, levels),
        "<h2>Per priority</h2>",
        _figure("per-priority", by_priority, levels)
        if by_priority
        else '<p class="note">No priority in the log.</p>',
        "<h2>Figures</h2>",
        _figures_table([*groups, *by_priority]),
    ]
    if metrics.warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in metrics.warnings)
        body.append(f"<h2>Warnings</h2><ul>{items}</ul>")
    return page(title, "\n".join(body))


def _figure(name: str, groups: Sequence[tuple[str, GroupMetrics]], levels: Sequence[str]) -> str:
    """One SVG: for each group, a pair of bars (real, policy) per level above the first."""
    shown = [lv for lv in levels[1:]]
    group_width = max(len(shown), 1) * (2 * _BAR + _GAP) + 30
    left = 50
    width = left + group_width * len(groups) + 20
    base = _TOP + _HEIGHT
    parts = [_grid(left, width, base)]
    for g, (label, group) in enumerate(groups):
        x0 = left + 15 + g * group_width
        for i, level in enumerate(shown):
            metric = _level(group, level)
            x = x0 + i * (2 * _BAR + _GAP)
            colour = level_colour(levels.index(level))
            parts.append(_bars(metric, level, label, x, base, colour))
        parts.append(
            f'<text class="group" x="{x0 + (group_width - 30) / 2}" y="{base + 30}" '
            f'text-anchor="middle">{esc(label)}</text>'
        )
    total = base + 44
    return (
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" class="bars {esc(name)}" '
        f'width="{width}" height="{total}" viewBox="0 0 {width} {total}" role="img" '
        f'aria-label="escalation rates {esc(name)}">{"".join(parts)}</svg>'
        "<figcaption>Escalation rate to each level: real (outlined) and policy (filled); "
        "n is the count of issues behind each bar.</figcaption></figure>"
    )


def _grid(left: float, width: float, base: float) -> str:
    out = []
    for pct in (0, 25, 50, 75, 100):
        y = base - _HEIGHT * pct / 100
        out.append(
            f'<line x1="{left}" y1="{y}" x2="{width - 10}" y2="{y}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{pct}%</text>'
        )
    return "".join(out)


def _level(group: GroupMetrics, level: str) -> LevelMetrics | None:
    return next((m for m in group.levels if m.level == level), None)


def _bars(
    metric: LevelMetrics | None, level: str, group: str, x: float, base: float, colour: str
) -> str:
    if metric is None or not metric.eligible:
        return f'<text x="{x + _BAR}" y="{base - 4}" text-anchor="middle" fill="#777">n=0</text>'
    out = [f'<g class="pair" data-level="{esc(level)}" data-group="{esc(group)}">']
    for k, (side, count) in enumerate((("real", metric.real), ("policy", metric.policy))):
        rate = count / metric.eligible
        h = round(_HEIGHT * rate, 2)
        fill = "#fff" if side == "real" else colour
        dash = ' stroke-dasharray="3 2"' if side == "real" else ""
        bx = x + k * _BAR
        tip = f"{group}, {level}, {side}: {count} of {metric.eligible} ({rate:.0%})"
        out.append(
            f'<rect class="bar {side}" x="{bx}" y="{base - h}" width="{_BAR - 2}" '
            f'height="{max(h, 0.5)}" fill="{fill}" stroke="{colour}" stroke-width="2"{dash}>'
            f"<title>{esc(tip)}</title></rect>"
            f'<text x="{bx + _BAR / 2 - 1}" y="{base - h - 4}" text-anchor="middle" '
            f'font-size="9">{count}</text>'
        )
    out.append(
        f'<text x="{x + _BAR}" y="{base + 14}" text-anchor="middle" font-size="10">'
        f"{esc(level)} n={metric.eligible}</text></g>"
    )
    return "".join(out)


def _figures_table(groups: Sequence[tuple[str, GroupMetrics]]) -> str:
    rows = []
    for label, group in groups:
        for metric in group.levels:
            real, policy = metric.real_rate, metric.policy_rate
            rows.append(
                [
                    esc(label),
                    esc(metric.level),
                    f'<span class="num">{metric.eligible}</span>',
                    f"{metric.real} ({'-' if real is None else f'{real:.0%}'})",
                    f"{metric.policy} ({'-' if policy is None else f'{policy:.0%}'})",
                ]
            )
    return table(["group", "level", "issues (n)", "real", "policy"], rows, "figures")
