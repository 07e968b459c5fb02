"""The public namespace: __all__ is sorted and is exactly what the package exports."""

from __future__ import annotations

import types

import escalation_rules


def test_all_is_sorted_and_complete() -> None:
    exported = escalation_rules.__all__
    assert exported == sorted(exported)
    # Public submodules (testing, strategies, verification, pytest_plugin) appear in
    # dir() once imported; they are modules, not exported members.
    public = {
        n
        for n in dir(escalation_rules)
        if not n.startswith("_") and not isinstance(getattr(escalation_rules, n), types.ModuleType)
    }
    assert set(exported) == public


def test_every_exported_member_is_documented() -> None:
    for name in escalation_rules.__all__:
        member = getattr(escalation_rules, name)
        if callable(member) and not isinstance(member, type(escalation_rules.F)):
            assert member.__doc__, f"{name} has no docstring"
