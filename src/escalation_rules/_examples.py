"""The bundled example: the seeds' L1/L2/L3 matrix and a handful of issues to run it on."""

from __future__ import annotations

from datetime import datetime, timedelta

from ._conditions import F
from ._issue import Customer, Event, EventKind, Issue
from ._policy import Level, Policy
from ._rules import chain, escalate, notify, route, sla
from ._time import hours, minutes, parse_instant

#: When the example issues were opened: Monday 2 March 2026, 09:00 in Berlin.
START: datetime = parse_instant("2026-03-02T09:00:00+01:00")


def example_policy() -> Policy:
    """The seeds' matrix: L1 frontline 2 h, L2 supervisor 8 h, L3 senior management 24 h.

    Billing issues go to the billing specialists, a customer who asks for a
    manager moves up a level, an enterprise customer's P1 starts at L2, the
    level's owner hears at 75 % of the resolution SLA, and the issue moves up
    at 100 %.
    """
    return Policy(
        levels=[
            Level(
                "L1", "Frontline", rank=1, owner="frontline", targets={"time_at_level": hours(2)}
            ),
            Level(
                "L2", "Supervisor", rank=2, owner="supervisors", targets={"time_at_level": hours(8)}
            ),
            Level(
                "L3",
                "Senior management",
                rank=3,
                owner="senior-management",
                targets={"time_at_level": hours(24)},
            ),
        ],
        rules=[
            route("billing-specialists", when=F.category == "billing", to="billing"),
            route("security-team", when=F.tags.contains("security"), to="security"),
            escalate(
                "enterprise-p1-starts-at-l2",
                when=(F.customer.tier == "enterprise") & (F.priority == "P1"),
                to="L2",
            ),
            escalate(
                "refund-needs-authority",
                when=F.attributes.refund.exists() & (F.attributes.refund > 500),
                to="L2",
            ),
            escalate("manager-requested", on=EventKind.MANAGER_REQUESTED),
            notify("resolution-sla-warning", at=sla("time_at_level", 0.75)),
            escalate("resolution-sla-breach", at=sla("time_at_level", 1.0)),
        ],
        name="seeds-matrix",
    )


def oncall_policy() -> Policy:
    """A PagerDuty-style chain: page each level, move up after its timeout, repeat twice."""
    return Policy(
        levels=[
            Level("primary", "Primary on-call", rank=1, owner="alice", ack_timeout=minutes(15)),
            Level("secondary", "Secondary on-call", rank=2, owner="bob", ack_timeout=minutes(15)),
            Level("manager", "Engineering manager", rank=3, owner="carol", ack_timeout=minutes(30)),
        ],
        rules=[chain("page", repeat=2)],
        name="oncall-chain",
    )


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
