"""The toolkit's public modules: what they export, and what they need installed."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import pytest

import escalation_rules.pytest_plugin
import escalation_rules.strategies
import escalation_rules.testing
import escalation_rules.verification

MODULES = [
    escalation_rules.testing,
    escalation_rules.strategies,
    escalation_rules.verification,
    escalation_rules.pytest_plugin,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_exists_and_is_documented(module: ModuleType) -> None:
    assert module.__doc__
    assert module.__all__ == sorted(module.__all__)
    for name in module.__all__:
        member = getattr(module, name)
        if callable(member):
            assert member.__doc__, f"{module.__name__}.{name} has no docstring"


def test_every_strategy_says_what_it_shrinks_towards() -> None:
    strategies = escalation_rules.strategies
    for name in ("calendars", "durations", "evaluations_for", "histories", "instants", "issues",
                 "issues_for", "zones"):  # fmt: skip
        assert "Shrinks towards" in getattr(strategies, name).__doc__, name


WITHOUT_HYPOTHESIS = """
import sys
sys.modules["hypothesis"] = None  # as if it were not installed
import escalation_rules.testing, escalation_rules.verification
from escalation_rules._io.examples import example_policy
from escalation_rules._analysis.verify import run_verify_command
from escalation_rules.verification import never_raises, verify
try:
    import escalation_rules.strategies
except ImportError as exc:
    print("strategies:", exc)
try:
    verify(example_policy(), never_raises())
except ImportError as exc:
    print("verify:", exc)
print("command:", run_verify_command(example_policy()))
"""


def test_without_hypothesis_the_plain_helpers_work_and_the_rest_says_what_to_install() -> None:
    out = subprocess.run(
        [sys.executable, "-c", WITHOUT_HYPOTHESIS], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    install = "install it with: pip install 'escalation-rules[testing]'"
    assert out == [
        "strategies: escalation_rules.strategies needs Hypothesis, which is not installed; "
        + install,
        "verify: policy verification searches with Hypothesis, which is not installed; " + install,
        'command: (2, "policy verification searches with Hypothesis, which is not installed; '
        + install
        + '")',
    ]


def test_the_plain_helpers_do_not_import_hypothesis() -> None:
    code = (
        "import sys, escalation_rules.testing, escalation_rules.verification, "
        "escalation_rules.pytest_plugin; print('hypothesis' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
