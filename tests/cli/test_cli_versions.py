"""``escalation-rules backtest POLICY LOG --version LATER.toml@INSTANT``: a policy's versions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from escalation_rules import LogMapping, PolicySet, backtest, dump, load, read_log

from ..analysis.test_backtest import MAPPING, policy
from ..analysis.test_backtest_versions import LOG, SINCE, _faster
from .test_cli import needs_script, run


def _files(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    log = tmp_path / "log.csv"
    log.write_text(LOG)
    mapping = tmp_path / "mapping.toml"
    cols = "\n".join(f'{k} = "{v}"' for k, v in MAPPING["columns"].items())  # type: ignore[attr-defined]
    statuses = '[statuses]\nopen = ["New", "Working"]\nresolved = ["Done"]\n'
    mapping.write_text(f'format = "csv"\n[columns]\n{cols}\n{statuses}')
    first, second = tmp_path / "v1.toml", tmp_path / "v2.toml"
    first.write_text(dump(policy()))
    second.write_text(dump(_faster()))
    return log, mapping, first, second


@needs_script
def test_backtest_with_a_later_version_replays_each_issue_with_its_creation_version(
    tmp_path: Path,
) -> None:
    log, mapping, first, second = _files(tmp_path)
    args = ["backtest", str(first), str(log), "--mapping", str(mapping), "--format", "json"]
    result = run(*args, "--version", f"{second}@2026-03-02T10:00Z")
    assert result.returncode == 0, result.stderr
    versions = PolicySet([(datetime(1, 1, 1, tzinfo=UTC), load(first)), (SINCE, load(second))])
    expected = backtest(versions, read_log(log, LogMapping.load(mapping)))
    assert json.loads(result.stdout) == json.loads(json.dumps(expected.to_dict()))
    alone = json.loads(run(*args).stdout)
    assert alone != json.loads(result.stdout)  # B was created under the second version
    assert alone["policy"] == "hand" and json.loads(result.stdout)["policy"] == "hand, hand-v2"


@needs_script
@pytest.mark.parametrize(
    ("version", "code", "fragment"),
    [
        ("{second}", 2, "--version: expected POLICY@INSTANT"),
        ("{second}@yesterday", 2, "--version {second}@yesterday: 'yesterday' is not an ISO"),
        ("{second}@2026-03-02T10:00", 2, "has no UTC offset"),
        ("{tmp}/none.toml@2026-03-02T10:00Z", 2, "no policy file"),
        ("{first}@2026-03-02T10:00Z", 1, "--version: versions[1] has the version"),
    ],
)
def test_a_bad_version_option_is_refused(
    tmp_path: Path, version: str, code: int, fragment: str
) -> None:
    log, mapping, first, second = _files(tmp_path)
    names = {"first": first, "second": second, "tmp": tmp_path}
    result = run(
        "backtest", str(first), str(log), "--mapping", str(mapping),
        "--version", version.format(**names),
    )  # fmt: skip
    assert result.returncode == code
    assert fragment.format(**names) in result.stderr
