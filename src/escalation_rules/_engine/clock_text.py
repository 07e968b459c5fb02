"""SLA clocks in an explanation: as text for people, as a plain dict for JSON.

Durations are in words (`escalation_rules._durations.words`), and in JSON also in seconds
under the key with ``_s``; instants are wall time with the zone in text
(`escalation_rules._instants.local`) and ISO 8601 in JSON.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from .._durations import words
from .._instants import local

if TYPE_CHECKING:
    from .._time.sla_clock import ClockState


def _words(value: timedelta | None) -> str | None:
    return None if value is None else words(value)


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def clock_dict(c: ClockState) -> dict[str, Any]:
    """A clock for JSON: each duration in words (its own key) and in seconds (``_s``), each
    instant in ISO 8601."""
    duration = None if c.target is None else c.target.duration
    return {
        "name": c.name,
        "metric": c.metric.value,
        "target": None if c.target is None else c.target.amount(),
        "target_s": _seconds(duration),
        "wall": None if c.target is None else c.target.wall,
        "calendar": c.calendar,
        "state": c.state,
        "started_at": _iso(c.started_at),
        "elapsed": words(c.elapsed),
        "elapsed_s": c.elapsed.total_seconds(),
        "elapsed_seconds": c.elapsed.total_seconds(),  # the older name of elapsed_s
        "remaining": _words(c.remaining),
        "remaining_s": _seconds(c.remaining),
        "deadline": _iso(c.deadline),
        "breached": c.breached,
        "paused": [[a.isoformat(), _iso(b)] for a, b in c.paused],
        "sla": c.sla,
        "sla_since": _iso(c.sla_since),
        "cycles": [
            {
                "started_at": k.started_at.isoformat(),
                "stopped_at": k.stopped_at.isoformat(),
                "elapsed": words(k.elapsed),
                "elapsed_s": k.elapsed.total_seconds(),
                "ended": k.ended,
                "breached": k.breached,
            }
            for k in c.cycles
        ],
    }


def clock_line(c: ClockState, zone: tzinfo | None = None) -> str:
    target = "no target" if c.target is None else f"target {c.target}"
    on = f" on {c.calendar}" if c.calendar else ""
    sla = (
        ""
        if c.sla is None or c.sla_since is None
        else (f" (SLA {c.sla} since {local(c.sla_since, zone)})")
    )
    text = f"{c.name}: {c.state}, {target}{sla}{on}, elapsed {words(c.elapsed)}"
    if c.remaining is not None:
        text += (
            f", remaining {words(c.remaining)}"
            if c.remaining >= timedelta(0)
            else (f", breached by {words(-c.remaining)}")
        )
    if c.deadline is not None:
        text += f", deadline {local(c.deadline, zone)}"
    if c.paused:
        spans = ", ".join(
            f"{local(a, zone)} to {'now' if b is None else local(b, zone)}" for a, b in c.paused
        )
        text += f", paused {spans}"
    if c.cycles:
        late = sum(k.breached for k in c.cycles)
        text += (
            f", {len(c.cycles)} finished cycle{'s' if len(c.cycles) > 1 else ''} ({late} breached)"
        )
    return text
