"""A reference host for escalation_rules: tickets and their events in SQLite, the policy in
policy.toml, a scheduler that wakes exactly when the next ticket is due, and a page that
shows a ticket's timeline and why the policy decides what it does.

The loop itself (`Helpdesk.run_due`) takes the instant as an argument, so tests run it with
simulated time; only `schedule` (APScheduler 3.x) and `main` read the clock.

    python examples/helpdesk/helpdesk.py helpdesk.db   # then open http://localhost:8000/T-1
"""

from __future__ import annotations

import html
import json
import logging
import sqlite3
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escalation_rules import (
    Action,
    Customer,
    EscalationRulesError,
    Event,
    Issue,
    PolicySet,
    load,
)
from escalation_rules.host import DueIndex, event_from_dict, event_to_dict, settle

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler  # type: ignore[import-untyped]

log = logging.getLogger("helpdesk")
HERE = Path(__file__).resolve().parent
IN_FORCE_SINCE = datetime(2026, 1, 1, tzinfo=UTC)  # when helpdesk-1 was put in force
JOB_ID = "escalation-wakeup"

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, priority TEXT, category TEXT,
    tier TEXT, policy_version TEXT NOT NULL, due_at TEXT
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id TEXT NOT NULL REFERENCES tickets (id),
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id TEXT NOT NULL, at TEXT NOT NULL,
    kind TEXT NOT NULL, target TEXT NOT NULL, rule TEXT NOT NULL, reason TEXT NOT NULL
);
"""


def policies(path: Path = HERE / "policy.toml") -> PolicySet:
    """Every policy version the desk keeps; an edited policy.toml is added, never replaced:
    ``policies().add(load(new_file), since=the_instant_it_takes_effect)``."""
    return PolicySet([(IN_FORCE_SINCE, load(path))], move="never")


class Helpdesk:
    """The tickets in *db*, evaluated by *versions*; `index` holds when each is due."""

    def __init__(self, db: sqlite3.Connection, versions: PolicySet) -> None:
        self.db, self.versions = db, versions
        self.lock = threading.RLock()  # the scheduler's thread and the web page share db
        self.on_change: Callable[[], None] = lambda: None  # set by `schedule`
        db.executescript(SCHEMA)
        self.index = DueIndex()
        for ticket_id, due_at in db.execute("SELECT id, due_at FROM tickets"):
            self.index.set(ticket_id, None if due_at is None else datetime.fromisoformat(due_at))

    def open_ticket(
        self, ticket_id: str, at: datetime, *, priority: str, tier: str | None = None
    ) -> list[Action]:
        """A new ticket, pinned to the policy version in force at *at*, settled at once."""
        issue = self.versions.pin(Issue(ticket_id, at, priority=priority))
        with self.lock, self.db:
            self.db.execute(
                "INSERT INTO tickets (id, created_at, priority, tier, policy_version) "
                "VALUES (?, ?, ?, ?, ?)",
                (ticket_id, at.isoformat(), priority, tier, issue.policy_version),
            )
        return self.add_event(ticket_id, Event("created", at))

    def add_event(self, ticket_id: str, event: Event) -> list[Action]:
        """Something happened to the ticket (an agent replied, a status changed): store it
        and settle the ticket at its instant. An event the ticket cannot take (before its
        last one) or an unknown ticket is refused before anything is stored."""
        with self.lock, self.db:
            self.issue(ticket_id).with_event(event)  # (raises: nothing is stored)
            self._append(ticket_id, [event])
        return self.settle(ticket_id, event.at)

    def run_due(self, now: datetime) -> list[tuple[str, Action]]:
        """The loop's step: settle every ticket due at or before *now*, in due order.

        A ticket the policy cannot settle (its error is logged) is taken off the index until
        its next event, so the others are still settled and the loop does not spin on it."""
        done = []
        for ticket_id in self.index.due(now):
            try:
                actions = self.settle(ticket_id, now)
            except EscalationRulesError:
                log.exception("ticket %s cannot be settled; left until its next event", ticket_id)
                self.index.set(ticket_id, None)
                continue
            done += [(ticket_id, action) for action in actions]
        return done

    def settle(self, ticket_id: str, now: datetime) -> list[Action]:
        """Evaluate the ticket at *now*, carry out and record what is due, file its next
        due instant: one transaction, so an action is carried out and recorded once."""
        with self.lock, self.db:
            issue = self.issue(ticket_id)
            settled = settle(self.versions, issue, max(now, issue.latest_at))
            self._append(ticket_id, settled.issue.history[len(issue.history) :])
            for action in settled.actions:  # "carry out": a real desk sends mail from here
                self.db.execute(
                    "INSERT INTO outbox (ticket_id, at, kind, target, rule, reason) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (ticket_id, settled.at.isoformat(), action.kind, action.target,
                     action.rule, action.reason),
                )  # fmt: skip
            due = settled.next_evaluation_at
            self.db.execute(
                "UPDATE tickets SET due_at = ? WHERE id = ?",
                (None if due is None else due.isoformat(), ticket_id),
            )
            self.index.set(ticket_id, due)
        self.on_change()
        return list(settled.actions)

    def issue(self, ticket_id: str) -> Issue:
        """The ticket as an `Issue`: its row, then its events replayed in order."""
        row = self.db.execute(
            "SELECT created_at, priority, category, tier, policy_version FROM tickets WHERE id = ?",
            (ticket_id,),
        ).fetchone()
        if row is None:
            raise KeyError(f"no ticket {ticket_id!r}")
        created_at, priority, category, tier, version = row
        events = [
            event_from_dict(json.loads(body), where=f"ticket {ticket_id} event {seq}")
            for seq, body in self.db.execute(
                "SELECT seq, body FROM events WHERE ticket_id = ? ORDER BY seq", (ticket_id,)
            )
        ]
        issue = Issue(
            ticket_id,
            datetime.fromisoformat(created_at),
            priority=priority,
            category=category,
            customer=Customer(tier=tier),
            policy_version=version,
        )
        return issue.with_events(events)

    def page(self, ticket_id: str, now: datetime) -> str:
        """The ticket's page: its timeline, and the policy's explanation at *now*."""
        with self.lock:
            issue = self.issue(ticket_id)
        rows = "".join(
            f"<tr><td>{_e(e.at.isoformat())}</td><td>{_e(e.kind.value)}</td>"
            f"<td>{_e(_details(event_to_dict(e)))}</td></tr>"
            for e in issue.history
        )
        explanation = self.versions.explain(issue, max(now, issue.latest_at))
        return (
            f"<!doctype html><meta charset='utf-8'><title>{_e(ticket_id)}</title>"
            f"<h1>{_e(ticket_id)}: {_e(issue.level or 'L1')}, {_e(issue.status)}</h1>"
            f"<p>Policy version {_e(issue.policy_version or '?')}; next evaluation "
            f"{_e(str(self.index.get(ticket_id)))}</p>"
            f"<table><tr><th>At</th><th>Event</th><th>Details</th></tr>{rows}</table>"
            f"<h2>Explanation</h2><pre>{_e(str(explanation))}</pre>"
        )

    def _append(self, ticket_id: str, events: Any) -> None:
        self.db.executemany(
            "INSERT INTO events (ticket_id, body) VALUES (?, ?)",
            [(ticket_id, json.dumps(event_to_dict(e))) for e in events],
        )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _details(data: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in data.items() if k not in ("kind", "at"))


def schedule(
    desk: Helpdesk,
    scheduler: BaseScheduler,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Wake *scheduler* (APScheduler 3.x) exactly at the desk's earliest due instant, run
    the loop at the instant *clock* says, and re-arm whenever a ticket's due instant moves."""

    def wake() -> None:
        desk.run_due(clock())
        arm()

    def arm() -> None:
        if scheduler.get_job(JOB_ID) is not None:
            scheduler.remove_job(JOB_ID)
        earliest = desk.index.earliest()
        if earliest is None:
            return
        scheduler.add_job(
            wake, "date", run_date=earliest, id=JOB_ID, replace_existing=True,
            misfire_grace_time=None, coalesce=True,
        )  # fmt: skip

    desk.on_change = arm
    arm()


def main(path: str, port: int = 8000) -> None:  # pragma: no cover - a demo
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]

    desk = Helpdesk(sqlite3.connect(path, check_same_thread=False), policies())
    if desk.db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 0:
        desk.open_ticket("T-1", datetime.now(UTC), priority="P2")
    scheduler = BackgroundScheduler(timezone=UTC)
    schedule(desk, scheduler)
    scheduler.start()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                body = desk.page(self.path.strip("/"), datetime.now(UTC)).encode()
            except KeyError:
                self.send_error(404, "no such ticket")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer(("localhost", port), Page).serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1] if len(sys.argv) > 1 else "helpdesk.db")
