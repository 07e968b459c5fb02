"""The linter: each check finds what it is for, and the bundled examples are clean."""

from __future__ import annotations

import pytest

from escalation_rules import (
    NEVER,
    BusinessCalendar,
    F,
    Level,
    Policy,
    after,
    chain,
    escalate,
    first_match,
    hours,
    is_open,
    minutes,
    notify,
    route,
    sla,
)
from escalation_rules._analysis.lint import lint, lint_text
from escalation_rules._engine.sla_policies import SlaPolicy
from escalation_rules._io.examples import EXAMPLES, example_path
from escalation_rules._io.writer import dump


def levels(**targets: object) -> list[Level]:
    return [
        Level("L1", "One", rank=1, owner="a", targets=targets),  # type: ignore[arg-type]
        Level("L2", "Two", rank=2, owner="b", targets=targets),  # type: ignore[arg-type]
        Level("L3", "Three", rank=3, owner="c"),
    ]


def codes(policy: Policy, *only: str) -> list[tuple[str, str]]:
    return [(f.code, f.where) for f in lint(policy) if not only or f.code in only]


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_bundled_examples_are_clean(name: str) -> None:
    report = lint_text(example_path(name).read_text(), source=name)
    assert report.findings == () and report.exit_code(strict=True) == 0


def test_unreachable_levels() -> None:
    policy = Policy(levels(), [escalate("up", when=F.priority == "P1", to="L2")])
    assert codes(policy) == [("ER101", "levels[2]")]
    reach_all = Policy(levels(), [escalate("up", when=F.priority == "P1")])
    assert codes(reach_all) == []


def test_rules_that_never_fire() -> None:
    policy = Policy(
        levels(),
        [
            route("contradiction", when=(F.priority == "P1") & (F.priority == "P2"), to="t"),
            route("disjoint", when=F.priority.isin(["P1"]) & F.priority.isin(["P2"]), to="t"),
            route("never", when=NEVER, to="t"),
            route("self-denial", when=F.tags.contains("x") & ~F.tags.contains("x"), to="t"),
            escalate("fine", when=(F.priority == "P1") & (F.category == "billing")),
        ],
    )
    assert [c for c in codes(policy) if c[0] == "ER102"] == [
        ("ER102", "rules[0]"),
        ("ER102", "rules[1]"),
        ("ER102", "rules[2]"),
        ("ER102", "rules[3]"),
    ]


def test_a_breach_escalation_only_the_top_level_can_trigger() -> None:
    lv = [Level("L1", "One", rank=1, owner="a"), Level("L2", "Two", rank=2, owner="b",
          targets={"resolution": hours(1)})]  # fmt: skip
    policy = Policy(lv, [escalate("breach", at=sla("resolution"))])
    assert ("ER102", "rules[0]") in codes(policy)


def test_shadowed_rules_in_a_first_match_group() -> None:
    group = first_match(
        "desk",
        [
            route("billing", when=F.category == "billing", to="billing"),
            route("billing-p1", when=(F.category == "billing") & (F.priority == "P1"), to="vip"),
            route("p1", when=F.priority == "P1", to="vip"),
        ],
    )
    assert codes(Policy(levels(), [group]), "ER103") == [("ER103", "rules[0].rules[1]")]
    top = Policy(
        levels(),
        [
            route("all", when=F.priority.exists(), to="x"),
            route("p1", when=F.priority.exists() & (F.priority == "P1"), to="y"),
        ],
        match="first",
    )
    assert ("ER103", "rules[1]") in codes(top)
    assert ("ER103", "rules[1]") not in codes(Policy(top.levels, top.rules, match="all"))


def test_targets_that_shrink_as_levels_rise() -> None:
    lv = [
        Level("L1", "One", rank=1, owner="a", targets={"resolution": hours(8)}),
        Level("L2", "Two", rank=2, owner="b", targets={"resolution": hours(4)}),
    ]
    (finding,) = [f for f in lint(Policy(lv, [])) if f.code == "ER104"]
    assert finding.code == "ER104" and "shrinks from 8 h at 'L1' to 4 h at 'L2'" in finding.message


def test_a_threshold_after_the_breach_escalation_never_comes() -> None:
    policy = Policy(
        levels(time_at_level=hours(2)),
        [
            escalate("breach", at=sla("time_at_level")),
            notify("late", at=sla("time_at_level", 1.5)),
            notify("warn", at=sla("time_at_level", 0.75)),
        ],
    )
    assert codes(policy) == [("ER105", "rules[1]")]


def test_routing_loops() -> None:
    policy = Policy(
        levels(),
        [
            route("a-to-b", when=F.team == "a", to="b"),
            route("b-to-c", when=F.team == "b", to="c"),
            route("c-to-a", when=F.team.isin(["c"]), to="a"),
            route("fine", when=F.team == "x", to="y"),
        ],
    )
    (finding,) = [f for f in lint(policy) if f.code == "ER106"]
    assert finding.code == "ER106" and "a -> b -> c -> a" in finding.message


def test_a_chain_without_a_terminal_level() -> None:
    lv = [
        Level("P", "Primary", rank=1, owner="alice", ack_timeout=minutes(5)),
        Level("S", "Secondary", rank=2, owner="bob", ack_timeout=minutes(5)),
    ]
    assert codes(Policy(lv, [chain("page")])) == [("ER107", "rules[0]")]
    assert codes(Policy(lv, [chain("page", repeat=1)])) == []


def test_unused_and_nearly_closed_calendars() -> None:
    tiny = BusinessCalendar("Europe/Berlin", {"mon": [("09:00", "09:30")]})
    office = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})
    policy = Policy(levels(), [], calendars={"tiny": tiny, "office": office}, calendar="tiny")
    assert codes(policy, "ER108", "ER109") == [
        ("ER109", "calendars.tiny"),
        ("ER108", "calendars.office"),
    ]


def test_findings_in_a_file_carry_their_line() -> None:
    policy = Policy(levels(), [escalate("up", when=F.priority == "P1", to="L2")])
    text = dump(policy)
    (finding,) = lint_text(text, source="p.toml").findings
    line = [n for n, t in enumerate(text.splitlines(), 1) if t == "[[levels]]"][2]
    assert (finding.line, finding.column) == (line, 3)
    assert finding.render("p.toml").startswith(f"p.toml:{line}:3: warning ER101")


def test_a_policy_that_does_not_load_is_shown_with_its_line_and_caret() -> None:
    # The error a policy author sees from `check`: the place once (no stray "policy:"),
    # then the offending line with a caret under the mistake, as the loader shows it.
    text = '[[levels]]\nid = "L1"\nname = "One\nrank = 1\nowner = "a"\n'
    report = lint_text(text, source="p.toml")
    (finding,) = report.findings
    assert finding.render("p.toml").splitlines() == [
        "p.toml:3:12: error ER000: invalid TOML: the string that starts at column 8 has no "
        'closing " on its line',
        '    name = "One',
        "               ^",
    ]
    assert finding.to_dict()["snippet"] == 'name = "One\n               ^'
    warning = lint_text(dump(Policy(levels(), [])), source="p.toml").findings[0]
    assert "snippet" not in warning.to_dict()  # the JSON of a warning keeps its shape


# ------------------------------------------------- ER110: a target that disappears on escalation


def test_a_target_that_disappears_at_a_higher_level_is_reported_once() -> None:
    # Issue 13: a "VIPs start at L2" rule silently dropped the first-response target from
    # enterprise tickets because L2 lacked it.
    policy = Policy(
        [
            Level("L1", "One", rank=1, owner="a",
                  targets={"first_response": hours(1), "time_at_level": hours(2)}),
            Level("L2", "Two", rank=2, owner="b", targets={"time_at_level": hours(8)}),
            Level("L3", "Three", rank=3, owner="c"),
        ],
        [escalate("vip", when=F.customer.tier == "enterprise", to="L2")],
    )  # fmt: skip
    findings = [f for f in lint(policy) if f.code == "ER110"]
    assert [(f.where, f.message) for f in findings] == [
        (
            "levels[1].targets",
            "the first_response target for any priority at 'L1' disappears at 'L2': an issue "
            "that escalates (or starts) there has no first_response target; give the level one, "
            "or make it policy-wide (the policy's targets)",
        )
    ]  # time_at_level is per level: L3 without one is not reported


def test_a_priority_that_loses_its_target_is_named() -> None:
    policy = Policy(
        [
            Level("L1", "One", rank=1, owner="a",
                  targets={"resolution": {"P1": hours(4), "P2": hours(8)}}),
            Level("L2", "Two", rank=2, owner="b", targets={"resolution": {"P2": hours(16)}}),
        ],
        [],
    )  # fmt: skip
    (finding,) = [f for f in lint(policy) if f.code == "ER110"]
    assert "for priority P1 at 'L1' disappears at 'L2'" in finding.message
    kept = Policy(
        [
            Level("L1", "One", rank=1, owner="a", targets={"resolution": {"P1": hours(4)}}),
            Level("L2", "Two", rank=2, owner="b", targets={"resolution": hours(16)}),
        ],
        [],
    )
    assert codes(kept, "ER110") == []


def issue_13(**policy: object) -> Policy:
    """L1 has a first-response target, L2 (where VIPs start) none of its own."""
    return Policy(
        [
            Level("L1", "One", rank=1, owner="a", targets={"first_response": hours(1)}),
            Level("L2", "Two", rank=2, owner="b"),
        ],
        [escalate("vip", when=F.customer.tier == "enterprise", to="L2")],
        **policy,  # type: ignore[arg-type]
    )


def test_a_policy_wide_target_cannot_disappear() -> None:
    assert codes(issue_13(), "ER110") == [("ER110", "levels[1].targets")]
    assert codes(issue_13(targets={"first_response": hours(4)}), "ER110") == []
    # a policy-wide target for P1 only covers P1, not every priority
    partial = issue_13(targets={"first_response": {"P1": hours(4)}})
    assert codes(partial, "ER110") == [("ER110", "levels[1].targets")]


def test_sla_policies_cover_every_level_only_with_a_fallback() -> None:
    gold = SlaPolicy("gold", when=F.customer.tier == "gold", targets={"first_response": hours(1)})
    rest = SlaPolicy("rest", targets={"first_response": hours(8)})
    assert codes(issue_13(slas=[gold, rest]), "ER110") == []
    # without a fallback an issue may match none: the level's target may still disappear
    assert codes(issue_13(slas=[gold]), "ER110") == [("ER110", "levels[1].targets")]
    # a fallback without that clock covers nothing
    assert codes(issue_13(slas=[gold, SlaPolicy("rest")]), "ER110") == [
        ("ER110", "levels[1].targets")
    ]


def test_a_breach_escalation_on_a_policy_wide_target_reaches_the_next_level() -> None:
    top = [
        Level("L1", "One", rank=1, owner="a"),
        Level("L2", "Two", rank=2, owner="b"),
        Level("L3", "Three", rank=3, owner="c", targets={"resolution": hours(48)}),
    ]
    breach = escalate("breach", at=sla("resolution"))
    assert codes(Policy(top, [breach]), "ER101", "ER102") == [
        ("ER101", "levels[1]"),
        ("ER101", "levels[2]"),
        ("ER102", "rules[0]"),
    ]
    assert codes(Policy(top, [breach], targets={"resolution": hours(8)}), "ER101", "ER102") == []
    in_sla = SlaPolicy("all", targets={"resolution": hours(8)})
    assert codes(Policy(top, [breach], slas=[in_sla]), "ER101", "ER102") == []


def test_a_calendar_an_sla_policy_or_a_calendar_field_names_is_used() -> None:
    office = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})
    unused = Policy(levels(), [], calendars={"office": office})
    assert codes(unused, "ER108") == [("ER108", "calendars.office")]
    by_sla = Policy(
        levels(), [], calendars={"office": office}, slas=[SlaPolicy("s", calendar="office")]
    )
    assert codes(by_sla, "ER108") == []
    by_field = Policy(levels(), [], calendars={"office": office}, calendar_fields=["team"])
    assert codes(by_field, "ER108") == []
    by_rule = Policy(
        levels(),
        [notify("x", at=after(hours(2), calendar="office"))],
        calendars={"office": office},
    )
    assert codes(by_rule, "ER108") == []
    by_condition = Policy(
        levels(),
        [notify("y", at=after(hours(1)), when=is_open("office"))],
        calendars={"office": office},
    )
    assert codes(by_condition, "ER108") == []
