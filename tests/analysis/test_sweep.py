"""Policy sweeps: a grid of parameter values backtested in one pass, and the Pareto front."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from escalation_rules import PolicyError, Sweep, backtest, loads, sweep
from escalation_rules._analysis.sweep import MAX_VARIANTS, pareto_front
from escalation_rules._io.eventlog import read_log

from .test_backtest import LOG, issues, mapping

# The hand-written policy of test_backtest, with parameters: the time allowed at the first
# level and the resolution target of every level.
HAND = """\
[parameters]
l1_limit = "2h"
resolve_in = "3h"

[policy]
name = "hand"

[[levels]]
id = "L1"
name = "Desk"
rank = 1
owner = "desk"
targets = { time_at_level = "$l1_limit", resolution = "$resolve_in" }

[[levels]]
id = "L2"
name = "Second"
rank = 2
owner = "second"
targets = { time_at_level = "8h", resolution = "$resolve_in" }

[[levels]]
id = "L3"
name = "Third"
rank = 3
owner = "third"
targets = { resolution = "$resolve_in" }

[[rules]]
name = "warn"
type = "notify"
at = { sla = "time_at_level", share = "50%" }

[[rules]]
name = "limit"
type = "escalate"
at = { sla = "time_at_level" }
"""

GRID = {"l1_limit": ["1h", "4h"], "resolve_in": ["3h", "6h"]}


def _without_warnings(result: Sweep) -> Sweep:
    variants = tuple(
        attrs.evolve(v, metrics=attrs.evolve(v.metrics, warnings=())) for v in result.variants
    )
    return attrs.evolve(result, variants=variants)


def test_a_sweep_of_one_variant_is_the_backtest() -> None:
    result = sweep(HAND, {"l1_limit": ["2h"]}, issues())
    (only,) = result.variants
    assert only.metrics == backtest(loads(HAND), issues())
    assert dict(only.parameters) == {"l1_limit": "2h"}
    assert only.pareto
    assert result.pareto == (True,)


def test_a_two_by_two_grid_trades_off_as_worked_out_by_hand() -> None:
    # A sits 3 h at L1 (09:00-12:00), B's longest stay at L1 is 1h15 (16:45-18:00), C
    # resolves after 30 min. So a 1 h limit breaches A and B and escalates A; 4 h breaches
    # and escalates none. Resolution takes A 4 h, B 10 h, C 30 min: a 3 h target is
    # breached by A and B, a 6 h one by B alone. The median resolution is A's, 4 h.
    result = sweep(HAND, GRID, issues())
    rows = {tuple(v.parameters.values()): v for v in result.variants}
    assert list(rows) == [("1h", "3h"), ("1h", "6h"), ("4h", "3h"), ("4h", "6h")]
    for (limit, resolve_in), v in rows.items():
        assert v.escalation_rate == (1 / 3 if limit == "1h" else 0.0)
        assert v.breach_rates["time_at_level"] == (2 / 3 if limit == "1h" else 0.0)
        assert v.breach_rates["resolution"] == (2 / 3 if resolve_in == "3h" else 1 / 3)
        assert v.median_resolution == 4 * 3600
    assert rows["1h", "3h"].breach_rate == 4 / 6  # (2 + 2) breaches of 6 targets measured
    assert rows["4h", "6h"].breach_rate == 1 / 6
    # a longer limit and a longer target never do worse: only the (4h, 6h) corner is best
    assert [v.parameters["l1_limit"] for v in result.front] == ["4h"]
    assert result.front[0].parameters["resolve_in"] == "6h"
    assert result.pareto == (False, False, False, True)


def test_the_outputs_mark_the_front() -> None:
    result = sweep(HAND, GRID, issues())
    table = result.to_table()
    assert "*  4h        6h" in table
    assert sum(line.startswith("*  ") for line in table.splitlines()) == 1
    rows = result.csv_rows()
    assert rows[0][:3] == ["l1_limit", "resolve_in", "escalation_rate"]
    assert rows[0][-3:] == ["median_resolution_s", "caught", "pareto"]
    assert [row[-1] for row in rows[1:]] == ["false", "false", "false", "true"]
    assert result.to_csv().splitlines()[0] == ",".join(rows[0])
    data = json.loads(json.dumps(result.to_dict()))
    assert data["grid"] == GRID
    assert data["variants"][3]["pareto"] is True
    assert data["variants"][0]["breach_rates"]["time_at_level"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("points", "front"),
    [
        ([(1, 1, 1), (2, 2, 2)], (True, False)),
        ([(1, 2, 3), (3, 2, 1)], (True, True)),  # a trade-off: both
        ([(1, 1, 1), (1, 1, 1)], (True, True)),  # ties: both, neither beats the other
        ([(1, 1, 1), (1, 1, 2)], (True, False)),  # equal on two, worse on one
        ([(1, None, 1), (1, 0.5, 1)], (False, True)),  # a missing figure is the worst
        ([(None, None, None), (None, None, None)], (True, True)),
        (
            [(0.2, 0.1, 10), (0.1, 0.2, 10), (0.2, 0.2, 5), (0.2, 0.2, 10)],
            (True, True, True, False),
        ),
    ],
)
def test_pareto_front_on_hand_made_figures(
    points: Sequence[Sequence[float | None]], front: tuple[bool, ...]
) -> None:
    assert pareto_front(points) == front


@pytest.mark.parametrize(
    ("grid", "pattern"),
    [
        ({"l1_limt": ["1h"]}, r"no parameter 'l1_limt'.*l1_limit"),
        ({"l1_limit": []}, "non-empty list"),
        ({"l1_limit": "1h"}, "non-empty list"),
        ({"l1_limit": [["1h"]]}, "a string, a number or a boolean"),
        ({}, "at least one parameter"),
        ({"l1_limit": ["1h"] * 40, "resolve_in": ["3h"] * 40}, "1,600 variants"),
        ({"l1_limit": ["1x"]}, "unknown unit 'x'"),
    ],
)
def test_bad_grids_are_refused(grid: dict[str, Any], pattern: str) -> None:
    with pytest.raises(PolicyError, match=pattern):
        sweep(HAND, grid, issues())


def test_an_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(PolicyError) as caught:
        sweep(HAND, {"resolve": ["3h"]}, issues())
    assert caught.value.suggestion == "resolve_in"
    assert MAX_VARIANTS == 1_000


def test_workers_give_the_same_sweep() -> None:
    one = sweep(HAND, GRID, issues())
    two = sweep(HAND, GRID, issues(), workers=2)
    assert isinstance(two, Sweep)
    assert two == one


def test_a_log_path_with_a_mapping_a_factory_and_a_file(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(LOG)
    policy = tmp_path / "hand.toml"
    policy.write_text(HAND)
    expected = sweep(HAND, GRID, issues())
    from_path = sweep(policy, GRID, log, mapping=mapping())
    assert from_path.variants[0].metrics.warnings  # the log's: 'New' is not mapped
    assert _without_warnings(from_path) == expected
    assert sweep(str(policy), GRID, lambda: issues()) == expected
    from_log = sweep(HAND, GRID, read_log(io.StringIO(LOG), mapping()), by=["team"])
    assert set(from_log.variants[0].metrics.by) == {"team"}
    with pytest.raises(PolicyError, match="give the log's mapping"):
        sweep(HAND, GRID, log)


def test_plot_sweep_draws_the_front(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from escalation_rules._analysis.plot import plot_sweep

    out = plot_sweep(sweep(HAND, GRID, issues()), tmp_path / "sweep.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_log_mapping_that_cannot_be_read_is_a_policy_error(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(LOG, encoding="utf-8")
    missing = tmp_path / "no-such-mapping.toml"
    with pytest.raises(PolicyError, match=r"cannot read the log mapping .*no-such-mapping\.toml"):
        sweep(HAND, {"l1_limit": ["1h"]}, str(log), mapping=missing)
