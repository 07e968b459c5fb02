"""``escalation-rules import``: another product's JSON in, a policy file out."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from escalation_rules import dump, loads
from escalation_rules.importers import import_opsgenie, import_pagerduty, import_zendesk

from ..io_ import test_import_opsgenie as og
from ..io_ import test_import_pagerduty as pd
from ..io_ import test_import_zendesk as zd

SCRIPT = shutil.which("escalation-rules") or str(Path(sys.executable).parent / "escalation-rules")

pytestmark = pytest.mark.skipif(not Path(SCRIPT).exists(), reason="console script not installed")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=60, check=False)


def _write(folder: Path, name: str, data: object) -> str:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_import_pagerduty_prints_the_policy_file_and_lists_what_it_left_out(tmp_path: Path) -> None:
    policy = _write(tmp_path, "policy.json", pd.POLICY)
    primary = _write(tmp_path, "primary.json", pd.PRIMARY)
    daily = _write(tmp_path, "daily.json", pd.DAILY)
    overrides = _write(tmp_path, "overrides.json", pd.OVERRIDES["PSCHED1"])
    result = run(
        "import", "pagerduty", policy, "--schedule", primary, "--schedule", daily,
        "--overrides", f"PSCHED1={overrides}", "--ack-timeout", str(4 * 3600),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    expected = import_pagerduty(
        pd.POLICY,
        schedules=[pd.PRIMARY, pd.DAILY],
        overrides=pd.OVERRIDES,
        acknowledgement_timeout=4 * 3600,
    )
    assert loads(result.stdout) == expected.policy
    assert result.stdout == dump(expected.policy)
    assert result.stderr.splitlines() == [f"unsupported: {item}" for item in expected.unsupported]


def test_import_opsgenie_with_its_schedule(tmp_path: Path) -> None:
    escalation = _write(tmp_path, "escalation.json", og.ESCALATION)
    schedule = _write(tmp_path, "schedule.json", og.SCHEDULE)
    result = run("import", "opsgenie", escalation, "--schedule", schedule)
    assert result.returncode == 0, result.stderr
    expected = import_opsgenie(og.ESCALATION, schedules=[og.SCHEDULE])
    assert loads(result.stdout) == expected.policy
    assert result.stderr.splitlines() == [f"unsupported: {item}" for item in expected.unsupported]


def test_import_zendesk_with_business_hours_and_holidays(tmp_path: Path) -> None:
    policies = _write(tmp_path, "sla.json", zd.SLA_POLICIES)
    hours = _write(tmp_path, "hours.json", zd.SCHEDULES)
    ((key, holidays_doc),) = zd.HOLIDAYS.items()
    holidays = _write(tmp_path, "holidays.json", holidays_doc)
    result = run(
        "import", "zendesk", policies, "--business-hours", hours, "--holidays", f"{key}={holidays}"
    )
    assert result.returncode == 0, result.stderr
    expected = import_zendesk(zd.SLA_POLICIES, business_hours=zd.SCHEDULES, holidays=zd.HOLIDAYS)
    assert loads(result.stdout) == expected.policy


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["pagerduty", "missing.json"], 2, "no document 'missing.json'"),
        (["zendesk", "{doc}", "--holidays", "77"], 2, "--holidays takes ID=FILE.json"),
        (["pagerduty", "{bad}"], 1, "not JSON"),
        (["pagerduty", "{doc}"], 1, "error: "),
    ],
)
def test_import_errors_are_one_line_with_the_file(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    doc = _write(tmp_path, "doc.json", {"sla_policies": "no"})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = run("import", *[a.format(doc=doc, bad=bad) for a in args])
    assert result.returncode == code
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
