"""The example policy and log mapping for the BPI Challenge 2013 incident log.

The log (Volvo IT Belgium, 7,554 incidents) records three support lines, L1 to L3, and an
impact from Low to Major; ``examples/bpi2013-mapping.toml`` maps impact Major, High, Medium
and Low to P1 to P4 and the support line to the level, and ``examples/bpi2013.toml`` is an
escalation matrix for that shape (its comments say how its limits were read off the log).
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import TYPE_CHECKING

from .examples import bundled_policy
from .logmapping import LogMapping

if TYPE_CHECKING:
    from .._engine.policy import Policy


def bpi2013_policy() -> Policy:
    """The example escalation matrix for the BPI 2013 log: ``examples/bpi2013.toml``.

    Levels L1 (service desk), L2 (second line) and L3 (third line). At L1 and L2 each
    priority has a limit on the ``time_at_level`` clock, which pauses while the incident
    waits on the user: the level's owner is warned at 75 % and the incident moves up a
    line at 100 %. A P1 (impact Major) goes to L2 at once. Every level carries the same
    ``resolution`` targets, for the SLA breach rate.
    """
    return bundled_policy("bpi2013")


def bpi2013_mapping() -> LogMapping:
    """The `LogMapping` for the BPI 2013 log, shipped as ``examples/bpi2013-mapping.toml``."""
    resource = files("escalation_rules") / "examples" / "bpi2013-mapping.toml"
    return LogMapping.from_dict(
        tomllib.loads(resource.read_text(encoding="utf-8")), source=str(resource)
    )
