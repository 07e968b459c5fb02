"""A pytest plugin for testing escalation policies: a fixed clock and a policy fixture.

Installed with the package (entry point ``pytest11``), it offers two fixtures:

- ``fixed_clock``: a `FixedClock` at `EPOCH` (Monday 2 March 2026, 09:00 UTC), or at
  the instant a ``@pytest.mark.fixed_clock("2026-03-06T16:00:00+01:00")`` marker names
  (an ISO 8601 string with an offset, or an aware datetime);
- ``escalation_policy``: the bundled example policy. Override it with a fixture of the
  same name in your ``conftest.py`` to hand your own policy to your tests.

The plugin keeps no state between tests: each test gets its own clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from ._instants import parse_instant, require_aware
from ._io.examples import example_policy
from .testing import EPOCH, FixedClock

if TYPE_CHECKING:
    from ._engine.policy import Policy

__all__ = ["escalation_policy", "fixed_clock"]

_MARKER = "fixed_clock"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``fixed_clock`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(instant): start the fixed_clock fixture at this instant "
        "(an ISO 8601 string with an offset, or an aware datetime)",
    )


@pytest.fixture
def fixed_clock(request: pytest.FixtureRequest) -> FixedClock:
    """A `FixedClock` at `EPOCH`, or at the instant of the test's ``fixed_clock`` marker."""
    marker = request.node.get_closest_marker(_MARKER)
    if marker is None:
        return FixedClock(EPOCH)
    if len(marker.args) != 1 or marker.kwargs:
        raise TypeError(
            "@pytest.mark.fixed_clock takes one instant, e.g. "
            '@pytest.mark.fixed_clock("2026-03-06T16:00:00+01:00")'
        )
    (instant,) = marker.args
    if isinstance(instant, str):
        return FixedClock(parse_instant(instant))
    if isinstance(instant, datetime):
        return FixedClock(require_aware(instant, "@pytest.mark.fixed_clock"))
    raise TypeError(
        f"@pytest.mark.fixed_clock takes an ISO 8601 string or an aware datetime, got {instant!r}"
    )


@pytest.fixture
def escalation_policy() -> Policy:
    """The bundled example policy (L1/L2/L3); override this fixture to use your own."""
    return example_policy()
