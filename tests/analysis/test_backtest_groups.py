"""Backtest figures by any mapped key, with satisfaction (issue 15)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from importlib.resources import files
from typing import Any

import pytest

from escalation_rules import LogMapping, PolicyError, backtest, bundled_policy, read_log
from escalation_rules._analysis import groups as grouping

LOG = (
    "id,when,state,tier,region,csat\n"
    "A,2026-03-02T09:00:00Z,New,gold,eu,\n"
    "A,2026-03-02T10:00:00Z,Done,gold,us,5\n"
    "B,2026-03-02T09:00:00Z,New,gold,eu,\n"
    "B,2026-03-02T12:00:00Z,Done,gold,eu,2\n"
    "C,2026-03-02T09:00:00Z,New,,eu,\n"
)
MAPPING: dict[str, Any] = {
    "format": "csv",
    "columns": {
        "issue": "id",
        "timestamp": "when",
        "status": "state",
        "tier": "tier",
        "satisfaction": "csat",
        "attributes": {"region": "region"},
    },
    "statuses": {"open": ["New"], "resolved": ["Done"]},
}


def run(**kwargs: Any) -> Any:
    log = read_log(io.StringIO(LOG), LogMapping.from_dict(MAPPING))
    return backtest(bundled_policy("seeds-matrix"), log, **kwargs)


def test_groups_by_tier_and_an_attribute_with_satisfaction() -> None:
    metrics = run(by=["tier", "attributes.region"])
    tiers = metrics.by["tier"]
    assert {k: v.issues for k, v in tiers.items()} == {"-": 1, "gold": 2}
    assert (tiers["gold"].rated, tiers["gold"].satisfaction) == (2, 3.5)
    assert tiers["-"].satisfaction is None
    regions = metrics.by["attributes.region"]
    assert {k: v.issues for k, v in regions.items()} == {"eu": 2, "us": 1}  # A ended in us
    assert metrics.overall.rated == 2 and metrics.overall.satisfaction == 3.5
    data = metrics.to_dict()
    assert data["by"]["tier"]["gold"]["satisfaction"] == 3.5
    rows = metrics.csv_rows()
    assert rows[0][:2] == ["scope", "group"] and "satisfaction" in rows[0]
    assert [r for r in rows if r[0] == "tier"][1][:2] == ["tier", "gold"]
    assert "By attributes.region (2 largest of 2):" in metrics.to_table()
    assert "satisfaction: mean" in metrics.to_table()


@pytest.mark.parametrize(
    ("by", "message"),
    [
        (["teir"], r"cannot group a backtest by 'teir'.*did you mean 'tier'"),
        (["customer"], r"cannot group by 'customer': the log mapping maps no column to it"),
        (["attributes.regoin"], r"maps no column to it.*did you mean 'attributes.region'"),
        ("tier", r"by must be a list of keys"),
    ],
)
def test_a_key_to_group_by_is_checked_first(by: Any, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        run(by=by)


def test_past_the_cap_values_count_under_other(monkeypatch: pytest.MonkeyPatch) -> None:
    regions = run(by=["attributes.region"]).by["attributes.region"]  # eu: 2, us: 1
    monkeypatch.setattr(grouping, "MAX_GROUPS", 1)
    metrics = run(by=["attributes.region"])
    # The group kept is the lowest ranked name (CRC-32, then the name), whatever the order.
    kept = min(regions, key=lambda name: grouping.Rank(name).key)
    others = sum(group.issues for name, group in regions.items() if name != kept)
    assert {k: v.issues for k, v in metrics.by["attributes.region"].items()} == {
        kept: regions[kept].issues,
        "(other)": others,
    }
    assert others and metrics.by["attributes.region"][kept] == regions[kept]
    by_category = {k: v.issues for k, v in metrics.by_category.items()}
    assert len(by_category) <= 2 and sum(by_category.values()) == metrics.overall.issues


def test_the_command_line_groups_by_a_key() -> None:
    examples = files("escalation_rules") / "examples"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "escalation_rules",
            "backtest",
            "servicenow",
            str(examples / "servicenow-incidents.csv"),
            "--mapping",
            str(examples / "servicenow-mapping.toml"),
            "--by",
            "customer",
            "--format",
            "json",
            "--strict",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["by"]["customer"]["Caller 2403"]["issues"] == 3
