"""escalation_rules.pytest_plugin, run by pytest itself (pytester) as a user's suite would.

Entry-point plugins are switched off in the inner runs, so that the fixtures provably
come from ``-p escalation_rules.pytest_plugin`` (the entry point registers the same module).
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

PLUGIN = ("-p", "escalation_rules.pytest_plugin")


@pytest.fixture(autouse=True)
def no_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


USER_TESTS = """
from datetime import UTC, datetime

import pytest

from escalation_rules import Policy, hours
from escalation_rules.testing import EPOCH, FixedClock, an_issue, assert_escalates


def test_the_clock_starts_at_the_epoch(fixed_clock):
    assert fixed_clock == FixedClock(EPOCH)
    assert fixed_clock.advance(hours(1)).now == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.fixed_clock("2026-03-06T16:00:00+01:00")
def test_a_marker_sets_the_clock(fixed_clock):
    assert fixed_clock.now == datetime(2026, 3, 6, 15, 0, tzinfo=UTC)


@pytest.mark.fixed_clock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
def test_a_marker_takes_a_datetime(fixed_clock):
    assert fixed_clock.now == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_the_policy_is_the_example(escalation_policy, fixed_clock):
    assert isinstance(escalation_policy, Policy) and escalation_policy.name == "seeds-matrix"
    issue = an_issue("T-1", opened=fixed_clock.now).build()
    assert_escalates(escalation_policy, issue, at=fixed_clock.later(hours(2)), to="L2")


def test_a_wrong_expectation_fails_readably(escalation_policy, fixed_clock):
    issue = an_issue("T-9", opened=fixed_clock.now).build()
    assert_escalates(escalation_policy, issue, at=fixed_clock.now, to="L3")
"""


def test_the_plugin_offers_the_clock_and_the_policy(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest(*PLUGIN, "--strict-markers")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*UnexpectedDecision: expected: issue 'T-9' escalates to L3 at "
            "Mon 2 Mar 2026 09:00 UTC",
            "*got: route to frontline (rule 'support')",
            "*FAILED test_user.py::test_a_wrong_expectation_fails_readably*",
        ]
    )


def test_without_the_plugin_the_fixtures_do_not_exist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user="def test_clock(fixed_clock):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'fixed_clock' not found*"])


def test_a_user_overrides_the_policy_in_conftest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest
from escalation_rules import Level, Policy, escalate, hours, sla


@pytest.fixture
def escalation_policy():
    return Policy(
        [Level("A", "A", rank=1, owner="a", targets={"time_at_level": hours(1)}),
         Level("B", "B", rank=2, owner="b")],
        [escalate("breach", at=sla("time_at_level"))],
        name="ours",
    )
"""
    )
    pytester.makepyfile(
        test_user="""
from escalation_rules import hours
from escalation_rules.testing import an_issue, assert_escalates


def test_ours(escalation_policy, fixed_clock):
    assert escalation_policy.name == "ours"
    issue = an_issue("T-1", opened=fixed_clock.now).build()
    assert_escalates(escalation_policy, issue, at=fixed_clock.later(hours(1)), to="B")
"""
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ('"2026-03-06T16:00:00"', "has no UTC offset"),
        ("datetime(2026, 3, 6, 16, 0)", "must be timezone-aware"),
        ("42", "takes an ISO 8601 string or an aware datetime, got 42"),
        ('"2026-03-06T16:00:00Z", "2026-03-07T16:00:00Z"', "takes one instant"),
    ],
    ids=["no-offset", "naive", "not-an-instant", "two-instants"],
)
def test_a_bad_marker_is_an_error_naming_the_problem(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    pytester.makepyfile(
        test_user=f"""
from datetime import datetime
import pytest


@pytest.mark.fixed_clock({marker})
def test_clock(fixed_clock):
    pass
"""
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*{message}*"])


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*PLUGIN, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.fixed_clock(instant): start the fixed_clock*"])
