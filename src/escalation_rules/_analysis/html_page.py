"""The pieces of the HTML reports: escaping, colours, the time axis, the page shell.

Everything is written as text, inline: no script, no stylesheet or font to fetch, so a
report opens offline and the same inputs give the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final

from .._instants import iana_name, short_day

#: One colour per level, by the level's position in the policy (cycled past eight).
LEVEL_COLOURS: Final = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#9c755f",
)

_CSS: Final = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em;
  color: #222; background: #fff; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left;
  vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: 1em; margin: 0.4em 0; font-size: 0.9em; }
.legend span.swatch { display: inline-block; width: 1em; height: 1em;
  vertical-align: middle; margin-right: 0.3em; border: 1px solid #555; }
figure { margin: 0.5em 0 1.5em 0; }
figcaption { font-size: 0.9em; color: #444; }
svg { font-family: inherit; font-size: 11px; }
.note { color: #555; font-size: 0.9em; }
tr.policy td { background: #fbfbf4; }
"""


def esc(text: object) -> str:
    """*text* as HTML text or attribute value, quotes included."""
    return html.escape(str(text), quote=True)


def level_colour(position: int) -> str:
    """The colour of the level at *position* in the policy."""
    return LEVEL_COLOURS[position % len(LEVEL_COLOURS)]


def zone_name(zone: tzinfo) -> str:
    """An IANA name when the zone has one (``Europe/Berlin``), else its own name."""
    return iana_name(zone) or zone.tzname(None) or "UTC"


class Axis:
    """A time axis: instants from *start* to *end* drawn from x *left* over *width*."""

    _STEPS: Final = tuple(
        timedelta(minutes=m)
        for m in (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 43200)
    )

    def __init__(self, start: datetime, end: datetime, left: float, width: float) -> None:
        # Plain UTC datetimes (an instant may come as a datetime subclass, e.g. pendulum's).
        self.start = datetime.fromtimestamp(start.timestamp(), UTC)
        self.end = datetime.fromtimestamp(max(end.timestamp(), start.timestamp() + 3600), UTC)
        self.left, self.width = left, width

    def x(self, instant: datetime) -> float:
        """The x of *instant*, clamped to the axis."""
        t0, t1 = self.start.timestamp(), self.end.timestamp()
        share = (instant.timestamp() - t0) / (t1 - t0)
        return round(self.left + self.width * min(1.0, max(0.0, share)), 2)

    def ticks(self, zone: tzinfo, most: int = 8) -> list[datetime]:
        """Round instants in *zone* along the axis: at most *most* of them."""
        span = self.end - self.start
        step = next((s for s in self._STEPS if span <= s * most), self._STEPS[-1])
        first = self.start.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
        midnight = first.replace(hour=0, minute=0)
        offset = (first - midnight) // step * step
        tick = midnight + offset
        out: list[datetime] = []
        for _ in range(most * 4):
            instant = tick.replace(tzinfo=zone).astimezone(UTC)
            if instant > self.end:
                break
            if instant >= self.start:
                out.append(instant)
            tick += step
        return out[: most + 1]

    def svg(self, y: float, zone: tzinfo) -> str:
        """The axis line at *y*, its ticks and their labels in *zone*."""
        right = self.left + self.width
        parts = [f'<line x1="{self.left}" y1="{y}" x2="{right}" y2="{y}" stroke="#333"/>']
        for tick in self.ticks(zone):
            x = self.x(tick)
            moment = tick.astimezone(zone)
            label = f"{moment.hour:02d}:{moment.minute:02d}"
            day = short_day(moment)
            parts.append(
                f'<line x1="{x}" y1="{y}" x2="{x}" y2="{y + 5}" stroke="#333"/>'
                f'<text x="{x}" y="{y + 17}" text-anchor="middle">{esc(label)}</text>'
                f'<text x="{x}" y="{y + 30}" text-anchor="middle" fill="#555">{esc(day)}</text>'
            )
        return "".join(parts)


def legend(items: Iterable[tuple[str, str]], extra: str = "") -> str:
    """A legend: one swatch per ``(colour, label)``, then *extra* HTML."""
    spans = "".join(
        f'<span class="item"><span class="swatch" style="background:{esc(colour)}"></span>'
        f"{esc(label)}</span>"
        for colour, label in items
    )
    return f'<div class="legend">{spans}{extra}</div>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """A table; *rows* hold HTML already escaped (`esc`), one cell per header."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(f"<tr>{''.join(f'<td>{c}</td>' for c in row)}</tr>" for row in rows)
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, body: str) -> str:
    """A whole HTML5 page: *title* escaped here, *body* HTML already."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )
