"""Self-contained HTML reports: one issue's forecast or replay, and a backtest's figures.

A page is HTML5 with its CSS and its figures (SVG) inline: no script, nothing fetched, so
it opens offline. Each level has one colour on the whole page (`LEVEL_COLOURS`, by the
level's position in the policy). Every text from the input is escaped. The same inputs
give the same bytes: the page says nothing about when it was made.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .._durations import words
from .._instants import local
from .._model.actions import Escalate
from .html_issue import ClockRow, IssueView, Stay, forecast_view, level_position, replay_view
from .html_page import Axis, esc, legend, level_colour, page, table, zone_name

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._model.actions import Action
    from .._model.issue import Issue
    from .metrics import Metrics
    from .replay import Replay

_WIDTH = 1000
_LEFT = 150
_PLOT = _WIDTH - _LEFT - 30
_ROW = 30


def forecast_report(policy: Policy, issue: Issue, now: datetime, until: datetime) -> str:
    """The HTML page of *policy*'s forecast for *issue* from *now* to *until*."""
    return issue_page(forecast_view(policy, issue, now, until))


def replay_report(policy: Policy, result: Replay) -> str:
    """The HTML page of a replay (`replay`) of one logged issue under *policy*."""
    return issue_page(replay_view(policy, result))


def backtest_report(metrics: Metrics) -> str:
    """The HTML page of a backtest's escalation rates, per level and per priority."""
    from .html_backtest import backtest_page

    return backtest_page(metrics)


def write_backtest_report(metrics: Metrics, path: str | Path) -> None:
    """Write `backtest_report` of *metrics* to *path* (UTF-8)."""
    Path(path).write_text(backtest_report(metrics), encoding="utf-8")


def issue_page(view: IssueView) -> str:
    """The whole page of one issue."""
    zone = zone_name(view.zone)
    colours = [(level_colour(i), level) for i, level in enumerate(view.levels)]
    extra = (
        '<span class="item"><span class="swatch" style="background:#555"></span>'
        "SLA clock running</span>"
        '<span class="item"><span class="swatch" style="background:#ddd"></span>'
        "SLA clock paused</span>"
        '<span class="item"><span class="swatch" style="background:#e6a100"></span>'
        "warning threshold</span>"
        '<span class="item"><span class="swatch" style="background:#c00"></span>'
        "deadline</span>"
    )
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in view.notes)
    body = (
        f"<h1>{esc(view.title)}</h1>\n"
        f'<p>Issue <strong class="issue-id">{esc(view.issue_id)}</strong>, from '
        f"{esc(local(view.start, view.zone))} to {esc(local(view.end, view.zone))}. "
        f'All times are in <strong class="zone">{esc(zone)}</strong>.</p>\n{notes}'
        f"<h2>Levels, SLA clocks and actions</h2>\n{legend(colours, extra)}\n"
        f'<figure id="timeline-figure">{issue_svg(view)}'
        f"<figcaption>Levels over time, SLA clocks and the policy's actions "
        f"({esc(zone)}).</figcaption></figure>\n"
        f"<h2>Actions</h2>\n{_actions_table(view)}\n"
        f"<h2>SLA clocks</h2>\n{_clocks_table(view)}\n"
        f"<h2>Timeline</h2>\n{_timeline_table(view)}\n"
    )
    return page(view.title, body)


def _colour_of(view: IssueView, level: str) -> str:
    return level_colour(level_position(view.levels, level))


def issue_svg(view: IssueView) -> str:
    """The figure: a band row per level row, a row per SLA clock, the actions, the axis."""
    axis = Axis(view.start, view.end, _LEFT, _PLOT)
    parts: list[str] = []
    y = 10.0
    for label, row in view.level_rows:
        parts.append(_row_label(label, y))
        parts.extend(_band(axis, stay, y, view) for stay in row)
        y += _ROW
    for clock in view.clocks:
        parts.append(_row_label(f"SLA {clock.name}", y))
        parts.append(_clock_svg(axis, clock, y, view))
        y += _ROW + 8
    actions, height = _actions_svg(axis, view, y)
    parts.append(_row_label("actions", y + height - 12))
    parts.append(actions)
    y += height + 6
    parts.append(axis.svg(y, view.zone))
    total = y + 40
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="issue-timeline" '
        f'width="{_WIDTH}" height="{total}" viewBox="0 0 {_WIDTH} {total}" role="img" '
        f'aria-label="{esc(view.title)}">{"".join(parts)}</svg>'
    )


def _row_label(text: str, y: float) -> str:
    return f'<text x="4" y="{y + 16}" fill="#222">{esc(text)}</text>'


def _band(axis: Axis, stay: Stay, y: float, view: IssueView) -> str:
    x1, x2 = axis.x(stay.start), axis.x(stay.end)
    width = max(round(x2 - x1, 2), 1.0)
    tip = f"{stay.level}: {local(stay.start, view.zone)} to {local(stay.end, view.zone)}"
    text = ""
    if width > 30:
        text = f'<text x="{x1 + 4}" y="{y + 16}" fill="#fff">{esc(stay.level)}</text>'
    return (
        f'<g class="band" data-level="{esc(stay.level)}"><rect x="{x1}" y="{y}" '
        f'width="{width}" height="22" fill="{_colour_of(view, stay.level)}">'
        f"<title>{esc(tip)}</title></rect>{text}</g>"
    )


def _clock_svg(axis: Axis, clock: ClockRow, y: float, view: IssueView) -> str:
    out = [f'<g class="clock" data-clock="{esc(clock.name)}">']
    styles = {"running": "#555", "paused": "#ddd"}
    for start, end, state in clock.segments:
        x1, x2 = axis.x(start), axis.x(end)
        tip = f"{clock.name} {state}: {local(start, view.zone)} to {local(end, view.zone)}"
        out.append(
            f'<rect class="segment {esc(state)}" x="{x1}" y="{y + 6}" '
            f'width="{max(round(x2 - x1, 2), 1.0)}" height="10" '
            f'fill="{styles.get(state, "#aaa")}" stroke="#777" stroke-width="0.5">'
            f"<title>{esc(tip)}</title></rect>"
        )
    for label, at in clock.thresholds:
        if not view.start <= at <= view.end:
            continue
        x = axis.x(at)
        out.append(
            f'<g class="threshold"><line x1="{x}" y1="{y}" x2="{x}" y2="{y + 22}" '
            f'stroke="#e6a100" stroke-width="2"/><text x="{x + 3}" y="{y + 30}" '
            f'fill="#a06f00">{esc(label)}</text><title>{esc(label)} of {esc(clock.name)}: '
            f"{esc(local(at, view.zone))}</title></g>"
        )
    if clock.deadline is not None and view.start <= clock.deadline <= view.end:
        x = axis.x(clock.deadline)
        word = "breached" if clock.breached else "deadline"
        out.append(
            f'<g class="deadline"><line x1="{x}" y1="{y - 2}" x2="{x}" y2="{y + 24}" '
            f'stroke="#c00" stroke-width="2"/><text x="{x + 3}" y="{y + 30}" fill="#c00">'
            f"{word}</text><title>{esc(clock.name)} {word}: "
            f"{esc(local(clock.deadline, view.zone))}</title></g>"
        )
    out.append("</g>")
    return "".join(out)


def _actions_svg(axis: Axis, view: IssueView, y: float) -> tuple[str, float]:
    """The action markers, stacked where several fall at one place; their height."""
    stack: dict[int, int] = {}
    out = []
    for number, (at, action) in enumerate(view.actions, 1):
        x = axis.x(at)
        slot = stack.get(round(x / 8), 0)
        stack[round(x / 8)] = slot + 1
        out.append((number, at, action, x, slot))
    height = 26 + 14 * max(stack.values(), default=1)
    parts = []
    for number, at, action, x, slot in out:
        cy = y + height - 12 - 14 * slot
        fill = _colour_of(view, action.to) if isinstance(action, Escalate) else "#fff"
        tip = f"#{number} {local(at, view.zone)} {action.kind} {action.target}: {action.reason}"
        parts.append(
            f'<g class="action" data-kind="{esc(action.kind)}"><circle cx="{x}" cy="{cy}" '
            f'r="5" fill="{fill}" stroke="#222"/><text x="{x + 7}" y="{cy + 4}">{number}'
            f"</text><title>{esc(tip)}</title></g>"
        )
    return "".join(parts), height


def _actions_table(view: IssueView) -> str:
    if not view.actions:
        return '<p class="note">The policy takes no action.</p>'
    rows = [
        [
            str(number),
            esc(local(at, view.zone)),
            esc(action.kind),
            _target_cell(view, action),
            esc(action.rule),
            f'<span class="reason">{esc(action.reason)}</span>',
        ]
        for number, (at, action) in enumerate(view.actions, 1)
    ]
    return table(
        ["#", f"time ({zone_name(view.zone)})", "action", "target", "rule", "reason"],
        rows,
        "actions",
    )


def _target_cell(view: IssueView, action: Action) -> str:
    if isinstance(action, Escalate):
        colour = _colour_of(view, action.to)
        return (
            f'<span style="border-left:1em solid {colour};padding-left:0.3em">'
            f"{esc(action.to)}</span>"
        )
    return esc(action.target)


def _clocks_table(view: IssueView) -> str:
    if not view.clocks:
        return '<p class="note">No SLA clock has a target for this issue.</p>'
    rows = []
    for clock in view.clocks:
        running = sum(
            ((end - start) for start, end, state in clock.segments if state != "paused"),
            start=view.end - view.end,
        )
        marks = ", ".join(f"{label} at {local(at, view.zone)}" for label, at in clock.thresholds)
        deadline = "-" if clock.deadline is None else local(clock.deadline, view.zone)
        rows.append(
            [
                esc(clock.name),
                esc(clock.target),
                esc(words(running)),
                esc(marks or "-"),
                esc(deadline) + (" (breached)" if clock.breached else ""),
            ]
        )
    return table(["clock", "target", "wall time counted", "thresholds", "deadline"], rows)


def _timeline_table(view: IssueView) -> str:
    rows = [
        [esc(local(entry.at, view.zone)), esc(entry.source), esc(entry.describe())]
        for entry in view.timeline
    ]
    if not rows:
        return '<p class="note">Nothing happened.</p>'
    return table([f"time ({zone_name(view.zone)})", "source", "what"], rows, "timeline")
