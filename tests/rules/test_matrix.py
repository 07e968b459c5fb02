"""The escalation matrix: which cell applies, its route and its window, and that it decides
exactly as the route and escalate-after rules it stands for."""

# ruff: noqa: RUF001 - the matrix's reasons name a cell with a multiplication sign

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    ALWAYS,
    BusinessCalendar,
    BusinessClock,
    Cell,
    Condition,
    Escalate,
    EscalationRulesError,
    Event,
    EventKind,
    F,
    Issue,
    Matrix,
    Policy,
    PolicyError,
    Route,
    Row,
    after,
    cell,
    escalate,
    first_match,
    hours,
    matrix,
    minutes,
    route,
    row,
    since,
)

from ..conftest import T0, at, make_issue, three_levels

SUPPORT = matrix(
    "support",
    {
        "billing": {
            "L1": cell("billing-desk", hours(2)),
            "L2": cell("billing-leads", hours(8)),
            "L3": cell("finance-director"),
        },
        "*": {"L1": cell("frontline", hours(2)), "L2": cell("supervisors", hours(8))},
    },
)


def policy(*rules: Any, **kw: Any) -> Policy:
    return Policy(three_levels(), list(rules), **kw)


def moved(issue: Issue, level: str, when: datetime) -> Issue:
    return issue.with_event(Event(EventKind.LEVEL_CHANGED, when, level=level))


def targets(issue: Issue, p: Policy, when: datetime) -> list[tuple[str, str]]:
    return [(a.kind, a.target) for a in p.evaluate(issue, when).actions]


# -- the cell that applies --------------------------------------------------------------------


def test_the_cell_of_the_issues_row_and_level_routes_to_its_owner() -> None:
    p = policy(SUPPORT)
    billing = make_issue(category="billing")
    decision = p.evaluate(billing, T0)
    assert decision.actions == (
        Route(
            "billing-desk",
            "support",
            "matrix support, billing × L1: route to billing-desk",
            key="support:billing:L1:route",
        ),
    )
    assert decision.next_evaluation_at == at(2)
    at_l2 = moved(billing, "L2", at(1))
    assert targets(at_l2, p, at(1)) == [("route", "billing-leads")]
    assert targets(moved(billing, "L3", at(1)), p, at(1)) == [("route", "finance-director")]
    assert targets(make_issue(category="network"), p, T0) == [("route", "frontline")]
    assert targets(make_issue(), p, T0) == [("route", "frontline")]  # no category: the default


def test_a_route_does_nothing_once_the_issue_is_with_the_owner_or_was_routed() -> None:
    p = policy(SUPPORT)
    assert targets(make_issue(category="billing", team="billing-desk"), p, T0) == []
    issue = make_issue(category="billing")
    (action,) = p.evaluate(issue, T0).actions
    routed = issue.record(action, at(0.5))
    assert p.evaluate(routed, at(1)).actions == ()
    # someone hands it elsewhere: the matrix does not take it back at the same level ...
    elsewhere = routed.with_event(Event(EventKind.REASSIGNED, at(1), team="network"))
    assert p.evaluate(elsewhere, at(1.5)).actions == ()
    # ... but each level entry hands it to that level's owner
    assert targets(moved(elsewhere, "L2", at(1.5)), p, at(1.5)) == [("route", "billing-leads")]


def test_the_window_moves_the_issue_on_exactly_at_its_end() -> None:
    p = policy(SUPPORT)
    issue = make_issue(category="billing", team="billing-desk")
    just_before = p.evaluate(issue, at(2) - timedelta(microseconds=1))
    assert just_before.actions == () and just_before.next_evaluation_at == at(2)
    due = p.evaluate(issue, at(2))
    assert due.actions == (
        Escalate(
            "L2",
            "support",
            "matrix support, billing × L1: 2 h since level_entered passed: escalate to "
            "the next level, L2",
            key="support:billing:L1:escalate",
        ),
    )
    assert due.next_evaluation_at is None
    up = issue.record(due.actions[0], at(2))
    assert up.level == "L2"
    # the L2 window counts from entering L2; its key is the L2 cell's own
    assert targets(up, p, at(2)) == [("route", "billing-leads")]
    with_leads = up.with_event(Event(EventKind.REASSIGNED, at(2), team="billing-leads"))
    assert p.evaluate(with_leads, at(2)).next_evaluation_at == at(10)
    late = p.evaluate(up, at(10))
    assert late.escalation is not None and late.escalation.key == "support:billing:L2:escalate"


def test_a_window_counts_business_time_on_the_named_calendar() -> None:
    office = BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})
    friday = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    on_office = matrix("desk", {"*": {"L1": cell("desk", hours(2))}}, calendar="office")
    p = policy(on_office, calendars={"office": office})
    issue = Issue("T-1", friday, team="desk", history=[Event(EventKind.CREATED, friday)])
    monday_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert p.evaluate(issue, friday).next_evaluation_at == monday_10
    assert p.evaluate(issue, monday_10 - minutes(1)).actions == ()
    escalation = p.evaluate(issue, monday_10).escalation
    assert escalation is not None and "2 h on the office calendar since" in escalation.reason
    # without calendar=, the policy's clock counts: here business time on its calendar
    business = Policy(
        three_levels(),
        [matrix("desk", {"*": {"L1": cell("desk", hours(2))}})],
        clock=BusinessClock(office),
    )
    assert business.evaluate(issue, friday).next_evaluation_at == monday_10
    assert policy(matrix("desk", {"*": {"L1": cell("desk", hours(2))}})).evaluate(
        issue, friday
    ).next_evaluation_at == friday + hours(2)


def test_the_first_row_that_matches_applies() -> None:
    security = matrix(
        "support",
        [
            row(F.tags.contains("security"), {"L1": cell("security", hours(1))}, name="security"),
            row(F.priority == "P1", {"L1": cell("major-incidents")}),
            row("billing", {"L1": cell("billing-desk", hours(2))}),
            row("*", {"L1": cell("frontline", hours(2))}),
        ],
    )
    p = policy(security)
    both = make_issue(category="billing", tags=["security"], priority="P1")
    assert targets(both, p, T0) == [("route", "security")]
    assert p.evaluate(both, T0).actions[0].key == "support:security:L1:route"
    p1 = make_issue(category="billing", priority="P1")
    assert p.evaluate(p1, T0).actions[0].reason == (
        "matrix support, F.priority == 'P1' × L1: route to major-incidents"
    )
    assert targets(make_issue(category="billing"), p, T0) == [("route", "billing-desk")]
    assert targets(make_issue(category="x"), p, T0) == [("route", "frontline")]
    assert security.applies(both, p) is security.rows[0]
    assert security.applies(make_issue(category="x"), p) is security.default


def test_without_a_default_row_other_issues_get_nothing() -> None:
    p = policy(matrix("support", {"billing": {"L1": cell("billing-desk", hours(2))}}))
    other = p.evaluate(make_issue(category="network"), at(100))
    assert other.actions == () and other.next_evaluation_at is None
    assert p.rules[0].applies(make_issue(), p) is None  # type: ignore[attr-defined]


def test_a_row_that_leaves_a_level_out_does_nothing_there() -> None:
    # billing has no L2 cell: at L2 nothing happens for billing (the default row does not step in)
    p = policy(
        matrix(
            "support",
            {
                "billing": {"L1": cell("billing-desk", hours(2)), "L3": cell("cfo")},
                "*": {"L1": cell("frontline", hours(2)), "L2": cell("supervisors", hours(8))},
            },
        )
    )
    at_l2 = moved(make_issue(category="billing"), "L2", at(1))
    decision = p.evaluate(at_l2, at(100))
    assert decision.actions == () and decision.next_evaluation_at is None
    assert targets(moved(make_issue(), "L2", at(1)), p, at(1)) == [("route", "supervisors")]


def test_a_window_at_the_top_level_has_nowhere_to_go() -> None:
    top_window = matrix("support", {"*": {"L3": cell("cfo", hours(1))}})
    p = policy(top_window)
    at_top = moved(make_issue(team="cfo"), "L3", at(1))
    decision = p.evaluate(at_top, at(100))
    assert decision.actions == () and decision.next_evaluation_at is None
    assert (
        policy(matrix("m", {"*": {"L3": cell(window=hours(1))}})).evaluate(at_top, at(100))
        == decision
    )


def test_a_cell_without_an_owner_only_moves_the_issue_on() -> None:
    p = policy(matrix("support", {"*": {"L1": cell(window=hours(2))}}))
    waiting = p.evaluate(make_issue(), T0)
    assert waiting.actions == () and waiting.next_evaluation_at == at(2)
    assert targets(make_issue(), p, at(2)) == [("escalate", "L2")]


def test_under_first_match_a_matrix_wins_like_a_route_and_its_window_like_a_timer() -> None:
    later = route("later", when=ALWAYS, to="elsewhere")
    owner = policy(SUPPORT, later, match="first")
    assert targets(make_issue(category="billing"), owner, T0) == [("route", "billing-desk")]
    # a cell with a window only does not match before the window ends: the next rule acts
    timer = policy(matrix("m", {"*": {"L1": cell(window=hours(2))}}), later, match="first")
    assert targets(make_issue(), timer, T0) == [("route", "elsewhere")]
    assert timer.evaluate(make_issue(), T0).next_evaluation_at == at(2)
    assert targets(make_issue(), timer, at(2)) == [("escalate", "L2")]
    # inside a first_match group, under match="all"
    group = policy(first_match("table", [SUPPORT, later]), route("after", when=ALWAYS, to="x"))
    assert targets(make_issue(category="billing"), group, T0) == [
        ("route", "billing-desk"),
        ("route", "x"),
    ]


def test_the_matrix_takes_part_in_forecast_and_explain() -> None:
    from escalation_rules import forecast

    p = policy(SUPPORT)
    steps = forecast(p, make_issue(category="billing"), T0, at(24))
    assert [(s.at, s.action.kind, s.action.target, s.level) for s in steps] == [
        (T0, "route", "billing-desk", "L1"),
        (at(2), "escalate", "L2", "L1"),
        (at(2), "route", "billing-leads", "L2"),
        (at(10), "escalate", "L3", "L2"),
        (at(10), "route", "finance-director", "L3"),
    ]


# -- explain ----------------------------------------------------------------------------------


def test_explain_shows_the_cell_that_applied() -> None:
    p = policy(SUPPORT)
    issue = moved(make_issue(category="billing", team="billing-leads"), "L2", at(1))
    explanation = p.explain(issue, at(2))
    line = (
        "      matrix support: row billing × L2 — owner billing-leads, moves on after 8 h "
        "(since level_entered)"
    )
    assert line in str(explanation).splitlines()
    (trace,) = explanation.rules
    assert trace.kind == "matrix" and trace.status == "matched"  # with its owner already
    as_dict = trace.to_dict()
    assert as_dict["cell"] == {
        "row": "billing",
        "level": "L2",
        "owner": "billing-leads",
        "window": "8 h",
        "window_s": 8 * 3600,
        "calendar": None,
    }
    assert [(a["kind"], a["status"]) for a in as_dict["actions"]] == [
        ("route", "no effect"),
        ("escalate", "due later"),
    ]
    assert explanation.to_dict()["rules"][0]["cell"]["owner"] == "billing-leads"


@pytest.mark.parametrize(
    ("rules", "issue", "line", "cell_data"),
    [
        (
            [matrix("m", {"billing": {"L1": cell("desk")}})],
            make_issue(category="network"),
            "matrix m: no row applies (rows ['billing'], no default row '*'): nothing happens",
            None,
        ),
        (
            [matrix("m", {"*": {"L2": cell("desk")}})],
            make_issue(),
            "matrix m: row * has no cell at L1: nothing happens at this level",
            None,
        ),
        (
            [matrix("m", {"*": {"L1": cell("desk")}})],
            make_issue(),
            "matrix m: row * × L1 — owner desk, does not move on",
            {
                "row": "*",
                "level": "L1",
                "owner": "desk",
                "window": None,
                "window_s": None,
                "calendar": None,
            },
        ),
        (
            [matrix("m", {"*": {"L1": cell(window=minutes(90))}})],
            make_issue(),
            "matrix m: row * × L1 — no owner, moves on after 1 h 30 min (since level_entered)",
            {
                "row": "*",
                "level": "L1",
                "owner": None,
                "window": "1 h 30 min",
                "window_s": 5400,
                "calendar": None,
            },
        ),
        (
            [matrix("m", {"*": {"L3": cell("cfo", hours(4))}})],
            make_issue(level="L3"),
            "matrix m: row * × L3 — owner cfo; its window 4 h has nowhere to go (the top level)",
            {
                "row": "*",
                "level": "L3",
                "owner": "cfo",
                "window": "4 h",
                "window_s": 4 * 3600,
                "calendar": None,
            },
        ),
    ],
    ids=["no-row", "no-cell", "owner-only", "window-only", "top-level"],
)
def test_explain_says_which_cell_or_why_none(
    rules: list[Matrix], issue: Issue, line: str, cell_data: dict[str, Any] | None
) -> None:
    explanation = policy(*rules).explain(issue, at(1))
    assert f"      {line}" in str(explanation).splitlines()
    assert explanation.rules[0].to_dict()["cell"] == cell_data


def test_explain_names_the_calendar_of_a_business_window() -> None:
    office = BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})
    p = policy(
        matrix("m", {"*": {"L1": cell("desk", hours(2))}}, calendar="office"),
        calendars={"office": office},
    )
    trace = p.explain(make_issue(), at(1)).rules[0]
    assert trace.detail == (
        "matrix m: row * × L1 — owner desk, moves on after 2 h on the office calendar "
        "(since level_entered)"
    )
    assert trace.to_dict()["cell"]["calendar"] == "office"


# -- refused ----------------------------------------------------------------------------------

LEVELS = three_levels()


def _policy_with(rule: Callable[[], Any], **kw: Any) -> Callable[[], Policy]:
    return lambda: Policy(LEVELS, [rule()], **kw)


BAD: list[tuple[str, Callable[[], object], str]] = [
    (
        "unknown level",
        _policy_with(lambda: matrix("m", {"*": {"L4": cell("x")}})),
        r"rule 'm': row '\*' has a column 'L4', which is not a level of the policy; levels "
        r"are \['L1', 'L2', 'L3'\]$",
    ),
    (
        "misspelt level",
        _policy_with(lambda: matrix("m", {"billing": {"l2": cell("x")}})),
        r"row 'billing' has a column 'l2'.*did you mean 'L2'\?",
    ),
    (
        "unknown calendar",
        _policy_with(lambda: matrix("m", {"*": {"L1": cell("x")}}, calendar="ofice")),
        r"counts its windows on the calendar 'ofice'.*",
    ),
    (
        "default not last",
        lambda: matrix("m", {"*": {"L1": cell("x")}, "billing": {"L1": cell("y")}}),
        r"the default row '\*' must be the last row",
    ),
    (
        "condition after a keyed row",
        lambda: matrix("m", [row("billing", {"L1": cell("y")}), row(F.tags.contains("x"), {})]),
        r"at least one cell",
    ),
    (
        "condition row after a keyed row",
        lambda: matrix(
            "m", [row("billing", {"L1": cell("y")}), row(F.tags.contains("x"), {"L1": cell("z")})]
        ),
        r"the condition row .* comes after a row keyed by category: condition rows come first",
    ),
    (
        "timed row",
        lambda: row(since("created") > hours(1), {"L1": cell("x")}),
        r"a row's condition cannot depend on time",
    ),
    (
        "set field",
        lambda: matrix("m", {"*": {"L1": cell("x")}}, by="tags"),
        r"'by' names 'tags', which holds a set.*row\(F\.tags\.contains",
    ),
    (
        "unknown field",
        lambda: matrix("m", {"*": {"L1": cell("x")}}, by="categroy"),
        r"unknown field 'categroy'.*did you mean 'category'\?",
    ),
    ("empty row", lambda: row("billing", {}), r"a row needs at least one cell"),
    ("empty cell", lambda: cell(), r"a cell needs an owner, a window or both"),
    ("bad owner", lambda: cell(""), r"a cell's owner must be a team name or None"),
    ("negative window", lambda: cell("x", -hours(1)), r"a cell's window must not be negative"),
    ("window not a duration", lambda: cell("x", 2), r"a cell's window must be a timedelta"),  # type: ignore[arg-type]
    ("not a cell", lambda: row("b", {"L1": "x"}), r"the cell at 'L1' must be cell"),  # type: ignore[dict-item]
    (
        "duplicate label",
        lambda: matrix(
            "m",
            [
                row(F.tags.contains("a"), {"L1": cell("x")}, name="billing"),
                row("billing", {"L1": cell("y")}),
            ],
        ),
        r"two rows are called 'billing'",
    ),
    (
        "name on a keyed row",
        lambda: row("billing", {"L1": cell("y")}, name="b"),
        "only a condition row",
    ),
    ("no rows", lambda: matrix("m", {}), r"a matrix needs at least one row"),
    ("rows not rows", lambda: matrix("m", "billing"), r"a matrix's rows are a mapping"),  # type: ignore[arg-type]
    ("bad key", lambda: row(3, {"L1": cell("y")}), r"a row is keyed by"),  # type: ignore[arg-type]
    ("bad name", lambda: matrix("", {"*": {"L1": cell("x")}}), r"non-empty string name"),
]


@pytest.mark.parametrize(("build", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_matrix_is_refused(build: Callable[[], object], message: str) -> None:
    with pytest.raises(PolicyError, match=message) as info:
        build()
    assert isinstance(info.value, EscalationRulesError) and isinstance(info.value, ValueError)


def test_a_matrix_is_a_value() -> None:
    again = matrix(
        "support",
        [
            row("billing", dict(SUPPORT.rows[0].cells)),
            Row("*", {"L1": Cell("frontline", hours(2)), "L2": cell("supervisors", hours(8))}),
        ],
    )
    assert again == SUPPORT and hash(again.rows) == hash(SUPPORT.rows)
    assert SUPPORT.by == "category" and SUPPORT.calendar is None
    assert repr(SUPPORT).startswith("Matrix(name='support', rows=(Row(key='billing', cells={")
    assert matrix.__module__ == Matrix.__module__ == "escalation_rules"


# -- the same decisions as the rules it stands for --------------------------------------------

CATEGORIES = ["a", "b", "c"]
OWNERS = ["t1", "t2", None]
WINDOWS = [None, timedelta(0), minutes(30), hours(1), hours(2)]
LEVEL_IDS = ["L1", "L2", "L3"]


@st.composite
def cells(draw: st.DrawFn) -> dict[str, Cell]:
    out = {}
    for level in draw(st.lists(st.sampled_from(LEVEL_IDS), min_size=1, unique=True)):
        owner, window = draw(
            st.tuples(st.sampled_from(OWNERS), st.sampled_from(WINDOWS)).filter(
                lambda pair: pair != (None, None)
            )
        )
        out[level] = Cell(owner, window)
    return out


@st.composite
def matrices(draw: st.DrawFn) -> Matrix:
    rows = []
    if draw(st.booleans()):
        rows.append(row(F.tags.contains("x"), draw(cells()), name="x"))
    for key in draw(st.lists(st.sampled_from(CATEGORIES), unique=True)):
        rows.append(row(key, draw(cells())))
    if draw(st.booleans()) or not rows:
        rows.append(row("*", draw(cells())))
    return matrix("m", rows)


def row_condition(one: Row, by: str) -> Condition:
    if isinstance(one.key, Condition):
        return one.key
    return ALWAYS if one.key == "*" else F.category == one.key


def hand_written(m: Matrix) -> list[Any]:
    """The matrix as the rules it stands for: per cell, a route and an escalate-after, on
    'this row and no earlier one' and the level."""
    rules: list[Any] = []
    earlier: list[Condition] = []
    for i, one in enumerate(m.rows):
        mine = row_condition(one, m.by)
        for other in earlier:
            mine = mine & ~other
        earlier.append(row_condition(one, m.by))
        for level, c in one.cells.items():
            when = mine & (F.level == level)
            if c.owner is not None:
                rules.append(route(f"r{i}{level}", when=when, to=c.owner))
            if c.window is not None:
                rules.append(escalate(f"e{i}{level}", at=after(c.window), when=when))
    return rules


def shown(issue: Issue, p: Policy, when: datetime) -> tuple[list[tuple[str, str]], object]:
    decision = p.evaluate(issue, when)
    return [(a.kind, a.target) for a in decision.actions], decision.next_evaluation_at


@settings(max_examples=300, deadline=None)
@given(
    m=matrices(),
    category=st.sampled_from([*CATEGORIES, "d", None]),
    tagged=st.booleans(),
    team=st.sampled_from([None, "t1", "t2"]),
    steps=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=300),  # minutes after the previous step
            st.sampled_from([None, "t1", "t2", "other"]),  # someone reassigns it first
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_a_matrix_decides_as_the_route_and_escalate_rules_it_stands_for(
    m: Matrix,
    category: str | None,
    tagged: bool,
    team: str | None,
    steps: list[tuple[int, str | None]],
) -> None:
    ours = Policy(three_levels(), [m])
    theirs = Policy(three_levels(), hand_written(m))
    tags = ["x"] if tagged else []
    issue = make_issue(category=category, tags=tags, team=team)
    both = [issue, issue]
    now = T0
    for gap, reassign in steps:
        now += timedelta(minutes=gap)
        if reassign is not None:
            event = Event(EventKind.REASSIGNED, now, team=reassign)
            both = [i.with_event(event) for i in both]
        assert shown(both[0], ours, now) == shown(both[1], theirs, now)
        # the host carries out and records what each decided, as it would
        both = [_carried_out(i, p, now) for i, p in zip(both, (ours, theirs), strict=True)]
        assert both[0].level == both[1].level and both[0].team == both[1].team


def _carried_out(issue: Issue, p: Policy, now: datetime) -> Issue:
    for action in p.evaluate(issue, now).actions:
        issue = issue.record(action, now)
    return issue
