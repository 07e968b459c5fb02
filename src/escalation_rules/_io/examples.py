"""The bundled example: the seeds' L1/L2/L3 matrix and a handful of issues to run it on."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

from .._exceptions import PolicyError
from .._instants import parse_instant
from .._model.events import Event, EventKind
from .._model.issue import Customer, Issue
from .._suggest import did_you_mean
from .reader import loads

if TYPE_CHECKING:
    from .._engine.policy import Policy

#: When the example issues were opened: Monday 2 March 2026, 09:00 in Berlin.
START: datetime = parse_instant("2026-03-02T09:00:00+01:00")

EXAMPLES: tuple[str, ...] = ("seeds-matrix", "oncall-chain", "zendesk-sla", "bpi2013", "servicenow")
"""The policy files bundled in ``escalation_rules/examples/``."""


def example_path(name: str) -> Traversable:
    """The bundled policy file *name* (one of `EXAMPLES`)."""
    if name not in EXAMPLES:
        raise PolicyError(
            f"no bundled example {name!r}; examples are {list(EXAMPLES)}",
            value=name,
            suggestion=did_you_mean(name, EXAMPLES),
        )
    return files("escalation_rules") / "examples" / f"{name}.toml"


def bundled_policy(name: str) -> Policy:
    """Load the bundled example policy *name*."""
    path = example_path(name)
    return loads(path.read_text(encoding="utf-8"), source=f"examples/{name}.toml")


def example_policy() -> Policy:
    """The seeds' matrix: L1 frontline 2 h, L2 supervisor 8 h, L3 senior management 24 h.

    An escalation matrix (rule ``support``) hands the issue to each level's team for its
    category (billing to the billing teams, security issues to security, the rest to
    frontline and the supervisors) and moves it on after 2 h at L1 and 8 h at L2. A
    customer who asks for a manager moves up a level, an enterprise customer's P1 starts
    at L2, and the level's owner hears at 75 % of the level's time
    (``examples/seeds-matrix.toml``).
    """
    return bundled_policy("seeds-matrix")


def oncall_policy() -> Policy:
    """A PagerDuty-style chain: page each level, move up after its timeout, repeat twice."""
    return bundled_policy("oncall-chain")


def example_issues() -> list[Issue]:
    """Issues that exercise each rule of `example_policy`."""
    t = START

    def at(h: float) -> datetime:
        return t + timedelta(hours=h)

    return [
        Issue("INC-1", t, priority="P3", category="how-to", history=[Event(EventKind.CREATED, t)]),
        Issue(
            "INC-2",
            t,
            priority="P2",
            category="billing",
            history=[Event(EventKind.CREATED, t), Event(EventKind.CUSTOMER_MESSAGE, at(0.5))],
        ),
        Issue(
            "INC-3",
            t,
            priority="P1",
            category="outage",
            customer=Customer(id="acme", tier="enterprise", value=250_000),
            history=[Event(EventKind.CREATED, t)],
        ),
        Issue(
            "INC-4",
            t,
            priority="P3",
            category="account",
            history=[
                Event(EventKind.CREATED, t),
                Event(EventKind.AGENT_REPLY, at(0.25)),
                Event(EventKind.MANAGER_REQUESTED, at(1)),
            ],
        ),
        Issue(
            "INC-5",
            t,
            priority="P2",
            category="orders",
            attributes={"refund": 900},
            tags=["vip"],
            history=[Event(EventKind.CREATED, t)],
        ),
        Issue(
            "INC-6",
            t,
            priority="P2",
            category="orders",
            status="resolved",
            history=[
                Event(EventKind.CREATED, t),
                Event(EventKind.STATUS_CHANGED, at(0.5), status="resolved"),
            ],
        ),
    ]
