"""Hypothesis strategies for escalation policies: instants, calendars, histories and issues.

Needs Hypothesis (``pip install 'escalation-rules[testing]'``). Use the strategies in your
own property tests::

    from hypothesis import given
    from escalation_rules.strategies import issues_for

    @given(issues_for(policy))
    def test_a_p1_never_waits_at_l1(issue): ...

`issues_for` reads a policy and generates issues *relevant to it*: the field values its
conditions compare with (and values next to them, on both sides of an ordering test),
the levels it has, the statuses it knows, the events its rules react to, and gaps
between events on the scale of its targets and timeouts. So generated issues hit its
rules instead of missing them. Every strategy says in its docstring what it shrinks
towards: Hypothesis reports the simplest failing example it can find.

Everything generated is valid input: aware instants, histories in time order, levels
and statuses the policy knows. Values the policy itself may not expect are generated
on purpose, though: a field its conditions test may be missing, as in production.
"""

from __future__ import annotations

from ._analysis.strategies import evaluations_for, histories, issues, issues_for
from ._analysis.value_strategies import ZONES, calendars, durations, instants, zones
from ._instants import EPOCH
from ._publish import publish_all

__all__ = [
    "EPOCH",
    "ZONES",
    "calendars",
    "durations",
    "evaluations_for",
    "histories",
    "instants",
    "issues",
    "issues_for",
    "zones",
]

publish_all(globals(), __all__, __name__)
