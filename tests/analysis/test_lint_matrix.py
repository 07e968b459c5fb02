"""The linter on escalation matrices: ER111 to ER114, and the older checks that read them."""

from __future__ import annotations

from escalation_rules import (
    BusinessCalendar,
    F,
    Level,
    Policy,
    cell,
    first_match,
    hours,
    matrix,
    minutes,
    row,
)
from escalation_rules._analysis.lint import lint, lint_text
from escalation_rules._io.writer import dump

LEVELS = [
    Level("L1", "One", rank=1, owner="a"),
    Level("L2", "Two", rank=2, owner="b"),
    Level("L3", "Three", rank=3, owner="c"),
]

CLEAN = matrix(
    "support",
    {
        "billing": {
            "L1": cell("billing-desk", hours(2)),
            "L2": cell("billing-leads", hours(8)),
            "L3": cell("cfo"),
        },
        "*": {"L1": cell("frontline", hours(2)), "L2": cell("supervisors", hours(8))},
    },
)


def found(*rules: object, only: str = "", **kw: object) -> list[tuple[str, str, str]]:
    """The findings for a policy of *rules*: (code, where, message), of the code *only*."""
    policy = Policy(LEVELS, list(rules), **kw)  # type: ignore[arg-type]
    return [(f.code, f.where, f.message) for f in lint(policy) if f.code.startswith(only)]


def test_a_complete_matrix_is_clean() -> None:
    assert found(CLEAN) == []


def test_er111_a_matrix_without_a_default_row_names_what_it_covers() -> None:
    keyed = matrix("support", {"billing": {"L1": cell("x", hours(1))}, "hw": {"L1": cell("y")}})
    assert found(keyed, only="ER111") == [
        (
            "ER111",
            "rules[0].rows",
            "matrix 'support' has no default row '*': issues whose category is none of "
            "['billing', 'hw'] get no cell, so it neither routes nor moves them on",
        )
    ]
    conditions = matrix("m", [row(F.tags.contains("x"), {"L1": cell("x")}, name="x")])
    ((code, _, message),) = found(conditions, only="ER111")
    assert code == "ER111" and "issues of any other kind (and that meet none of the" in message


def test_er112_a_window_that_shrinks_up_the_levels() -> None:
    shrinks = matrix(
        "m",
        {"*": {"L1": cell("a", hours(8)), "L2": cell("b", hours(2)), "L3": cell("c")}},
    )
    assert found(shrinks) == [
        (
            "ER112",
            "rules[0].rows.*.L2",
            "matrix 'm', row *: the window shrinks from 8:00:00 at 'L1' to 2:00:00 at 'L2'",
        )
    ]
    equal = matrix("m", {"*": {"L1": cell("a", hours(2)), "L2": cell("b", hours(2))}})
    assert [f for f in found(equal) if f[0] == "ER112"] == []


def test_er113_a_cell_without_an_owner_and_a_row_that_skips_a_level() -> None:
    gaps = matrix(
        "m",
        [
            row(F.priority == "P1", {"L1": cell(window=hours(1)), "L2": cell("b")}, name="p1"),
            row("*", {"L1": cell("a", hours(2)), "L3": cell("c")}),
        ],
    )
    assert found(gaps, only="ER113") == [
        (
            "ER113",
            "rules[0].rows_when[0].cells.L1",
            "matrix 'm', row p1: the cell at 'L1' has no owner: nobody is routed the issue at "
            "that level",
        ),
        (
            "ER113",
            "rules[0].rows.*",
            "matrix 'm', row * skips ['L2'] between 'L1' and 'L3': there the matrix neither "
            "routes the issue nor moves it on",
        ),
    ]


def test_er114_a_window_at_the_top_level() -> None:
    top = matrix(
        "m",
        {"*": {"L1": cell("a", hours(2)), "L2": cell("b", hours(8)), "L3": cell("c", hours(24))}},
    )
    assert found(top) == [
        (
            "ER114",
            "rules[0].rows.*.L3.window",
            "matrix 'm', row *: the window 1 day, 0:00:00 at the top level 'L3' has nowhere to "
            "move the issue on to",
        )
    ]


def test_findings_inside_a_group_are_placed_there_and_in_the_file() -> None:
    m = matrix("m", {"*": {"L1": cell("a", hours(2)), "L3": cell("c", minutes(5))}})
    grouped = first_match("table", [m])
    assert [(code, where) for code, where, _ in found(grouped)] == [
        ("ER101", "levels[2]"),  # it moves issues on from L1 only: nothing reaches L3
        ("ER112", "rules[0].rules[0].rows.*.L3"),  # 2h at L1, 5m at L3
        ("ER113", "rules[0].rules[0].rows.*"),
        ("ER114", "rules[0].rules[0].rows.*.L3.window"),
    ]
    text = dump(Policy(LEVELS, [grouped]))
    er114 = next(f for f in lint_text(text).findings if f.code == "ER114")
    assert er114.line is not None
    line = text.splitlines()[er114.line - 1]
    assert line.startswith("L3 = ") and line[er114.column - 1 :] == '"5m" }'  # type: ignore[operator]


def test_the_older_checks_read_a_matrix() -> None:
    # ER101: a matrix with windows reaches every level; one without cannot move issues on
    assert [f[0] for f in found(CLEAN)] == []
    owners_only = matrix("m", {"*": {"L1": cell("a"), "L2": cell("b"), "L3": cell("c")}})
    assert [(f[0], f[1]) for f in found(owners_only)] == [
        ("ER101", "levels[1]"),
        ("ER101", "levels[2]"),
    ]
    # ER108: the calendar a matrix counts its windows on is used
    office = BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})
    on_office = matrix(
        "m",
        {"*": {"L1": cell("a", hours(2)), "L2": cell("b", hours(8)), "L3": cell("c")}},
        calendar="office",
    )
    assert found(on_office, calendars={"office": office}) == []
    unused = found(CLEAN, calendars={"office": office})
    assert [(f[0], f[1]) for f in unused] == [("ER108", "calendars.office")]
