"""`verify` searches without the constants of the modules loaded in the process.

Hypothesis draws now and then from the literals of every local module that is loaded, so a
derandomized search would otherwise depend on what else the process imported (the library
installed in editable mode or not, a test suite's modules, the caller's code).
"""

from __future__ import annotations

from hypothesis.internal.conjecture import providers

from escalation_rules._analysis.verify import _without_local_constants


def _strings() -> int:
    return len(providers._get_local_constants().set_for_type("string"))


def test_the_search_sees_no_local_constants_and_they_come_back_after() -> None:
    import tests.rules.test_oncall_chain  # noqa: F401  a local module full of literals

    original, cache = providers._get_local_constants, providers.CONSTANTS_CACHE
    assert _strings() > 0
    with _without_local_constants():
        assert _strings() == 0
        assert providers.CONSTANTS_CACHE is not cache and len(providers.CONSTANTS_CACHE) == 0
    assert providers._get_local_constants is original and providers.CONSTANTS_CACHE is cache
    assert _strings() > 0
