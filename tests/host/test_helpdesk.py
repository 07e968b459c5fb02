"""The reference host in examples/helpdesk: a real SQLite file, simulated time."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from escalation_rules import Event, EventKind

HELPDESK = Path(__file__).resolve().parents[2] / "examples" / "helpdesk" / "helpdesk.py"
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("helpdesk_example", HELPDESK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


helpdesk = _load()


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "helpdesk.db"


@pytest.fixture
def desk(db_path: Path) -> Iterator[Any]:
    connection = sqlite3.connect(db_path)
    yield helpdesk.Helpdesk(connection, helpdesk.policies())
    connection.close()


def _outbox(db_path: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(db_path) as db:
        return list(db.execute("SELECT ticket_id, at, kind, target FROM outbox ORDER BY seq"))


EXPECTED = [
    ("T-2", h(1), "escalate", "L2"),  # an enterprise P1: to L2 on creation
    ("T-1", h(1.5), "notify", "frontline"),  # 75 % of L1's 2 h
    ("T-1", h(2), "escalate", "L2"),
    ("T-2", h(7), "notify", "specialists"),  # 75 % of L2's 8 h, from 1 h
    ("T-1", h(8), "notify", "specialists"),
    ("T-2", h(9), "escalate", "L3"),
    ("T-1", h(10), "escalate", "L3"),
    ("T-2", h(27), "notify", "management"),
    ("T-1", h(28), "notify", "management"),
]


def _as_rows(expected: list[tuple[str, datetime, str, str]]) -> list[tuple[str, str, str, str]]:
    return [(t, at.isoformat(), kind, target) for t, at, kind, target in expected]


def test_waking_at_each_due_instant_escalates_exactly_on_time(desk: Any, db_path: Path) -> None:
    desk.open_ticket("T-1", T0, priority="P2")
    desk.open_ticket("T-2", h(1), priority="P1", tier="enterprise")
    wakes = []
    while (t := desk.index.earliest()) is not None and t <= h(60):
        wakes.append(t)
        desk.run_due(t)
    assert _outbox(db_path) == _as_rows(EXPECTED)
    assert wakes == [at for _, at, _, _ in EXPECTED[1:]]  # no wake-up without an action
    assert len(desk.index) == 0  # at the top level with its warning sent: nothing more due
    assert desk.issue("T-1").level == "L3"


def test_polling_on_a_grid_records_each_action_once_at_the_first_tick_after_it(
    desk: Any, db_path: Path
) -> None:
    desk.open_ticket("T-1", T0, priority="P2")
    desk.open_ticket("T-2", h(1), priority="P1", tier="enterprise")
    ticks = [h(q / 4) for q in range(0, 4 * 40)]  # every 15 minutes
    for t in ticks:
        desk.run_due(t)
        assert desk.run_due(t) == []  # twice at one instant: nothing the second time
    assert _outbox(db_path) == _as_rows(EXPECTED)  # every expected instant is on the grid


def test_a_late_wake_up_carries_out_what_is_due_then_and_the_stale_warning_is_superseded(
    desk: Any, db_path: Path
) -> None:
    desk.open_ticket("T-1", T0, priority="P2")
    done = desk.run_due(h(3))  # the scheduler was down from 1 h to 3 h
    assert [(a.kind, a.target) for _, a in done] == [("escalate", "L2")]
    assert _outbox(db_path)[-1] == ("T-1", h(3).isoformat(), "escalate", "L2")
    assert desk.index.get("T-1") == h(3 + 6)  # 75 % of L2's 8 h from the escalation


def test_the_state_survives_a_restart_and_nothing_is_carried_out_twice(db_path: Path) -> None:
    first = helpdesk.Helpdesk(sqlite3.connect(db_path), helpdesk.policies())
    first.open_ticket("T-1", T0, priority="P2")
    first.run_due(h(1.5))
    first.db.close()
    second = helpdesk.Helpdesk(sqlite3.connect(db_path), helpdesk.policies())
    assert second.index.get("T-1") == h(2)
    assert second.run_due(h(1.5)) == []
    assert [a.kind for _, a in second.run_due(h(2))] == ["escalate"]
    assert [row[2] for row in _outbox(db_path)] == ["notify", "escalate"]
    second.db.close()


def test_events_from_the_desk_move_the_due_instant(desk: Any) -> None:
    desk.open_ticket("T-1", T0, priority="P2")
    assert desk.index.get("T-1") == h(1.5)
    desk.add_event("T-1", Event(EventKind.LEVEL_CHANGED, h(1), level="L2", actor="agent"))
    assert desk.index.get("T-1") == h(1 + 6)  # L2's warning, counted from the move
    desk.add_event("T-1", Event(EventKind.STATUS_CHANGED, h(2), status="resolved"))
    assert desk.index.get("T-1") is None
    assert "T-1" not in desk.index
    assert desk.run_due(h(100)) == []


def test_an_event_stamped_before_the_history_is_refused(desk: Any) -> None:
    from escalation_rules import IssueError

    desk.open_ticket("T-1", h(1), priority="P2")
    with pytest.raises(IssueError, match="time order"):
        desk.add_event("T-1", Event(EventKind.AGENT_REPLY, T0))
    # Nothing was stored: the ticket still reads, settles and takes a later event.
    assert len(desk.issue("T-1").history) == 1
    assert desk.add_event("T-1", Event(EventKind.AGENT_REPLY, h(1.25))) == []
    with pytest.raises(KeyError, match="no ticket 'T-9'"):
        desk.add_event("T-9", Event(EventKind.AGENT_REPLY, h(2)))
    assert desk.db.execute("SELECT count(*) FROM events WHERE ticket_id = 'T-9'").fetchone() == (0,)


def test_a_ticket_that_cannot_be_settled_does_not_stop_the_others(
    desk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from escalation_rules import EvaluationError

    heard: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: heard.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("helpdesk").addHandler(handler)

    desk.open_ticket("T-1", T0, priority="P2")
    desk.open_ticket("T-2", T0, priority="P2")
    settle = desk.settle

    def broken(ticket_id: str, now: datetime) -> list[Any]:
        if ticket_id == "T-1":
            raise EvaluationError("cannot decide", field="x", value=None)
        return settle(ticket_id, now)  # type: ignore[no-any-return]

    monkeypatch.setattr(desk, "settle", broken)
    try:
        done = desk.run_due(h(2))
    finally:
        logging.getLogger("helpdesk").removeHandler(handler)
    # T-2 is settled: escalated at 2 h (its stale 75 % warning superseded).
    assert [(ticket, action.kind) for ticket, action in done] == [("T-2", "escalate")]
    assert "T-1" not in desk.index  # until its next event: the loop does not spin on it
    assert heard == ["ticket T-1 cannot be settled; left until its next event"]


def test_the_page_shows_the_timeline_and_the_explanation_escaped(desk: Any) -> None:
    desk.open_ticket("T-<1>", T0, priority="P2")
    desk.run_due(h(2))
    page = desk.page("T-<1>", h(2))
    assert page.startswith("<!doctype html>")
    assert "<title>T-&lt;1&gt;</title>" in page
    assert "action=limit-reached:escalate" in page
    assert "<h2>Explanation</h2>" in page and "limit-warning" in page
    assert "Policy version helpdesk-1" in page
    with pytest.raises(KeyError):
        desk.page("T-9", h(2))


def test_the_scheduler_is_armed_at_the_earliest_due_instant(desk: Any, db_path: Path) -> None:
    background = pytest.importorskip(
        "apscheduler.schedulers.background",
        reason="APScheduler (examples/helpdesk/requirements.txt) is not installed",
    )
    now = [T0]
    scheduler = background.BackgroundScheduler(timezone=UTC)  # never started: no thread
    helpdesk.schedule(desk, scheduler, clock=lambda: now[0])
    assert scheduler.get_job(helpdesk.JOB_ID) is None  # nothing due: no job
    desk.open_ticket("T-1", T0, priority="P2")
    job = scheduler.get_job(helpdesk.JOB_ID)
    assert job.trigger.run_date == h(1.5)
    now[0] = h(1.5)
    job.func()  # what the scheduler runs at that instant
    assert [row[2:] for row in _outbox(db_path)] == [("notify", "frontline")]
    assert scheduler.get_job(helpdesk.JOB_ID).trigger.run_date == h(2)
    desk.add_event("T-1", Event(EventKind.STATUS_CHANGED, h(1.75), status="closed"))
    assert scheduler.get_job(helpdesk.JOB_ID) is None
