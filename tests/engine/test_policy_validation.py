"""Bad policies fail when built, each with a clear message: one row per mistake."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalation_rules import (
    ALWAYS,
    BusinessCalendar,
    EscalationRulesError,
    F,
    Level,
    Policy,
    PolicyError,
    Status,
    after,
    chain,
    escalate,
    first_match,
    hours,
    notify,
    route,
    sla,
)
from escalation_rules._rules.timed import TimeRule

from ..conftest import three_levels

L = three_levels()


def lvl(level_id: str, rank: int, **kw: object) -> Level:
    return Level(level_id, level_id, rank=rank, owner="team", **kw)  # type: ignore[arg-type]


BAD = [
    ("no levels", lambda: Policy([], []), "at least one level"),
    ("duplicate level", lambda: Policy([lvl("A", 1), lvl("A", 2)], []), "duplicate level id 'A'"),
    (
        "ranks not rising",
        lambda: Policy([lvl("A", 2), lvl("B", 1)], []),
        "level 'B' has rank 1, not above 'A'",
    ),
    ("level rank not int", lambda: lvl("A", "1"), "rank must be an integer"),  # type: ignore[arg-type]
    ("empty owner", lambda: Level("A", "A", rank=1, owner=""), "owner must be a non-empty"),
    (
        "negative target",
        lambda: lvl("A", 1, targets={"time_at_level": timedelta(-1)}),
        "SLA target 'time_at_level' must be positive",
    ),
    (
        "target not a duration",
        lambda: lvl("A", 1, targets={"time_at_level": 2}),
        "must be a timedelta or a Target, got 2",
    ),
    ("zero ack timeout", lambda: lvl("A", 1, ack_timeout=timedelta(0)), "ack_timeout must be"),
    (
        "unknown target level",
        lambda: Policy(L, [escalate("x", when=ALWAYS, to="L4")]),
        "rule 'x': escalates to unknown level 'L4'",
    ),
    (
        "misspelt target level",
        lambda: Policy(L, [escalate("x", when=ALWAYS, to="l3")]),
        "did you mean 'L3'",
    ),
    (
        "unknown sla metric",
        lambda: Policy(L, [escalate("x", at=sla("resolve"))]),
        "rule 'x': uses the SLA clock 'resolve'.*did you mean 'resolution'",
    ),
    (
        "duplicate rule names",
        lambda: Policy(L, [chain("x"), chain("x")]),
        "duplicate rule name 'x'",
    ),
    ("not a rule", lambda: Policy(L, ["escalate"]), "rules\\[0\\] is not a rule"),  # type: ignore[list-item]
    (
        "bad match mode",
        lambda: Policy(L, [], match="frist"),  # type: ignore[arg-type]
        "match must be 'all' or 'first'.*did you mean 'first'",
    ),
    (
        "bool instead of condition",
        lambda: route("x", when=True, to="t"),  # type: ignore[arg-type]
        "did you write 'and'/'or'",
    ),
    ("route without team", lambda: route("x", when=ALWAYS, to=""), "invalid team"),
    ("rule without name", lambda: route("", when=ALWAYS, to="t"), "non-empty string name"),
    ("share out of range", lambda: sla("time_at_level", 0), "SLA share must be a number"),
    (
        "at and on together",
        lambda: escalate("x", at=after(hours(1)), on="manager_requested"),
        "'at' or 'on', not both",
    ),
    ("on an unsupported event", lambda: escalate("x", on="status_changed"), "'on' must be one of"),
    (
        "on a misspelt event",
        lambda: escalate("x", on="manager_requestd"),
        "unknown event kind 'manager_requestd'.*did you mean 'manager_requested'",
    ),
    (
        "after a misspelt anchor",
        lambda: after(hours(1), since="created_at"),
        "unknown reference point 'created_at'.*did you mean 'created'",
    ),
    ("after a negative duration", lambda: after(-hours(1)), "must not be negative"),
    ("after a number", lambda: after(5), "must be a timedelta"),  # type: ignore[arg-type]
    ("repeat too large", lambda: chain("x", repeat=21), "repeat must be an integer from 0 to 20"),
    (
        "unknown action",
        lambda: TimeRule("x", after(hours(1)), "notfy", "t"),
        "unknown action 'notfy'.*did you mean 'notify'",
    ),
    ("notify nobody", lambda: notify("x", at=after(hours(1)), to=""), "notifies ''"),
    (
        "status map redefines",
        lambda: Policy(L, [], status_map={"open": Status.PENDING}),
        "cannot redefine the built-in status 'open'",
    ),
    (
        "status map to unknown",
        lambda: Policy(L, [], status_map={"wait": "pendng"}),
        "did you mean 'pending'",
    ),
    (
        "bad condition field",
        lambda: route("x", when=F.categroy == "a", to="t"),
        "unknown field 'categroy'.*did you mean 'category'",
    ),
]


@pytest.mark.parametrize(("case", "build", "message"), BAD, ids=[row[0] for row in BAD])
def test_bad_policy_is_refused_when_built(case: str, build: object, message: str) -> None:
    with pytest.raises(PolicyError, match=message) as info:
        build()  # type: ignore[operator]
    assert isinstance(info.value, EscalationRulesError)
    assert isinstance(info.value, ValueError)


def test_policy_error_carries_its_data() -> None:
    with pytest.raises(PolicyError) as info:
        Policy(L, [escalate("x", when=ALWAYS, to="l3")])
    assert info.value.value == "l3"
    assert info.value.suggestion == "L3"
    assert info.value.where == "rule 'x'"


def test_a_valid_policy_builds_and_compares_equal() -> None:
    build = lambda: Policy(L, [escalate("x", at=sla("time_at_level"))], name="p")  # noqa: E731
    assert build() == build()
    assert hash(build()) == hash(build())


BERLIN = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})
CLOCKS = "['first_response', 'next_response', 'periodic_update', 'resolution', 'time_at_level']"

# case, build, the whole message, then the error's where, value and suggestion
REFUSED_WITH_DATA = [
    ("target metric empty", lambda: lvl("A", 1, targets={"": hours(1)}),
     "an SLA target needs a metric name, got ''", None, "", None),
    ("target metric not a string", lambda: lvl("A", 1, targets={5: hours(1)}),
     "an SLA target needs a metric name, got 5", None, 5, None),
    ("level calendar empty", lambda: lvl("A", 1, calendar=""),
     "calendar must be a non-empty string or None, got ''", None, "", None),
    ("level calendar not a string", lambda: lvl("A", 1, calendar=5),
     "calendar must be a non-empty string or None, got 5", None, 5, None),
    ("negative ack timeout", lambda: lvl("A", 1, ack_timeout=-hours(1)),
     "ack_timeout must be a positive timedelta or None, got datetime.timedelta(days=-1, "
     "seconds=82800)", None, -hours(1), None),
    ("ack timeout a number", lambda: lvl("A", 1, ack_timeout=5),
     "ack_timeout must be a positive timedelta or None, got 5", None, 5, None),
    ("empty level id", lambda: Level("", "A", rank=1, owner="t"),
     "a level's id must be a non-empty string, got ''", None, "", None),
    ("level name not a string", lambda: Level("A", 5, rank=1, owner="t"),
     "a level's name must be a non-empty string, got 5", None, 5, None),
    ("rank a bool", lambda: lvl("A", True),
     "level 'A': rank must be an integer, got True", None, True, None),
    ("rank a string", lambda: lvl("A", "1"),
     "level 'A': rank must be an integer, got '1'", None, "1", None),
    ("calendar without name", lambda: Policy(L, [], calendars={"": BERLIN}),
     "a calendar needs a non-empty name, got ''", None, "", None),
    ("calendar named by a number", lambda: Policy(L, [], calendars={5: BERLIN}),
     "a calendar needs a non-empty name, got 5", None, 5, None),
    ("calendar not a calendar", lambda: Policy(L, [], calendars={"x": 5}),
     "calendars['x'] must be a BusinessCalendar, got 5", None, 5, None),
    ("status map redefines", lambda: Policy(L, [], status_map={"open": Status.PENDING}),
     "status_map cannot redefine the built-in status 'open'", None, "open", None),
    ("status map to unknown", lambda: Policy(L, [], status_map={"wait": "pendng"}),
     "status_map['wait'] = 'pendng' is not one of ['open', 'pending', 'resolved', 'closed'] "
     "(did you mean 'pending'?)", None, "pendng", "pending"),
    ("no levels", lambda: Policy([], []), "a policy needs at least one level", None, None, None),
    ("not a level", lambda: Policy([L[0], "L2"], []),
     "levels[1] is not a Level: 'L2'", None, "L2", None),
    ("duplicate level", lambda: Policy([lvl("A", 1), lvl("B", 2), lvl("A", 3)], []),
     "levels[2]: duplicate level id 'A'", "levels[2]", "A", None),
    ("equal ranks", lambda: Policy([lvl("A", 1), lvl("B", 1)], []),
     "levels[1]: level 'B' has rank 1, not above 'A' (rank 1); list levels from lowest to "
     "highest", "levels[1]", 1, None),
    ("rank falls", lambda: Policy([lvl("A", 1), lvl("B", 3), lvl("C", 2)], []),
     "levels[2]: level 'C' has rank 2, not above 'B' (rank 3); list levels from lowest to "
     "highest", "levels[2]", 2, None),
    ("bad match mode", lambda: Policy(L, [], match="frist"),
     "match must be 'all' or 'first', got 'frist' (did you mean 'first'?)", None, "frist",
     "first"),
    ("match in capitals", lambda: Policy(L, [], match="All"),
     "match must be 'all' or 'first', got 'All' (did you mean 'all'?)", None, "All", "all"),
    ("not a rule", lambda: Policy(L, [chain("c"), "x"]),
     "rules[1] is not a rule (it needs name, check and validate): 'x'", None, "x", None),
    ("rule named like a rule in a group",
     lambda: Policy(L, [chain("c"), first_match("g", [route("c", when=ALWAYS, to="t")])]),
     "duplicate rule name 'c'", None, "c", None),
    ("group named like its member",
     lambda: Policy(L, [first_match("g", [route("g", when=ALWAYS, to="t")])]),
     "duplicate rule name 'g'", None, "g", None),
    ("unknown policy calendar",
     lambda: Policy(L, [], calendars={"berlin": BERLIN, "austin": BERLIN}, calendar="berln"),
     "calendar: names the calendar 'berln', which the policy does not have; calendars are "
     "['austin', 'berlin'] (did you mean 'berlin'?)", "calendar", "berln", "berlin"),
    ("unknown level calendar",
     lambda: Policy([lvl("A", 1, calendar="berlin"), lvl("B", 2, calendar="nyc")], [],
                    calendars={"berlin": BERLIN}),
     "level 'B': names the calendar 'nyc', which the policy does not have; calendars are "
     "['berlin']", "level 'B'", "nyc", None),
    ("level calendar without calendars", lambda: Policy([lvl("A", 1, calendar="berlin")], []),
     "level 'A': names the calendar 'berlin', which the policy does not have; calendars are "
     "[]", "level 'A'", "berlin", None),
    ("target for an unknown clock",
     lambda: Policy([lvl("A", 1), lvl("B", 2, targets={"resolve": hours(1)})], []),
     f"level 'B': has a target for the SLA clock 'resolve', which the policy does not have; "
     f"clocks are {CLOCKS} (did you mean 'resolution'?)", "level 'B'", "resolve", "resolution"),
    ("empty target table", lambda: lvl("A", 1, targets={"resolution": {}}),
     "the SLA targets for 'resolution' are empty", None, {}, None),
    ("calendar field not a path", lambda: Policy(L, [], calendar_field=5),
     "calendar_field must be a dotted field path, got 5", None, 5, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "build", "message", "where", "value", "suggestion"),
    REFUSED_WITH_DATA,
    ids=[row[0] for row in REFUSED_WITH_DATA],
)
def test_a_refused_policy_says_exactly_what_and_where(
    case: str, build: object, message: str, where: object, value: object, suggestion: object
) -> None:
    with pytest.raises(PolicyError) as info:
        build()  # type: ignore[operator]
    assert str(info.value) == message
    assert (info.value.where, info.value.value, info.value.suggestion) == (where, value, suggestion)
    assert type(info.value.value) is type(value)  # True is not 1, 5 is not "5"


def test_the_valid_edges_of_each_setting_are_accepted() -> None:
    level = lvl("A", 1, ack_timeout=timedelta(microseconds=1), calendar="berlin")
    assert level.ack_timeout == timedelta(microseconds=1) and level.calendar == "berlin"
    assert lvl("A", 1).ack_timeout is None and lvl("A", 1).calendar is None
    policy = Policy(
        [level, lvl("B", 2, calendar=None)],
        [],
        calendars={"berlin": BERLIN},
        calendar="berlin",
        status_map={"waiting": "pending", "parked": Status.PENDING},
        calendar_field="customer.attributes.region",
    )
    assert dict(policy.status_map) == {"waiting": Status.PENDING, "parked": Status.PENDING}
    assert dict(policy.calendars) == {"berlin": BERLIN}
    assert policy.map_status("waiting") is Status.PENDING
    assert Policy([lvl("A", -5), lvl("B", 0)], []).levels[1].rank == 0


def test_a_policy_and_a_level_take_only_their_identity_by_position() -> None:
    with pytest.raises(TypeError, match="takes 3 positional arguments but 4 were given"):
        Policy(L, [], "first")  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 3 positional arguments but 4 positional"):
        Level("A", "A", 1, owner="t")  # type: ignore[misc]
    policy = Policy(L, [])
    assert (policy.match, policy.name, policy.calendar, policy.calendar_field) == (
        "all",
        "policy",
        None,
        None,
    )
    assert dict(policy.status_map) == {} and dict(policy.calendars) == {}
    assert repr(policy).startswith("Policy(levels=(Level(id='L1'")
    assert repr(policy).endswith(
        "calendars={}, calendar=None, calendar_field=None, schedules={}, name='policy')"
    )


def test_equal_settings_build_equal_policies_with_every_option() -> None:
    def build() -> Policy:
        return Policy(
            L,
            [escalate("x", at=sla("time_at_level")), chain("page")],
            calendars={"berlin": BERLIN},
            calendar="berlin",
            calendar_field="customer.attributes.region",
            status_map={"waiting": Status.PENDING},
            match="first",
        )

    assert build() == build() and hash(build()) == hash(build())
    assert build() != Policy(L, [escalate("x", at=sla("time_at_level")), chain("page")])


@pytest.mark.parametrize(("priority", "hours_"), [("P1", 1), ("P2", 8), (None, 8), ("*", 8)])
def test_a_level_target_is_the_prioritys_else_the_default(
    priority: str | None, hours_: int
) -> None:
    level = lvl("A", 1, targets={"resolution": {"P1": hours(1), "*": hours(8)}})
    assert level.target("resolution", priority).duration == hours(hours_)  # type: ignore[union-attr]
    assert level.target("first_response", priority) is None
