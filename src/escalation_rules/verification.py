"""Policy verification: search for an issue on which a policy breaks an invariant.

An invariant is a function of a `Run` (the policy at work on one issue over time)
returning ``None`` when it holds, or a sentence saying what went wrong. `verify` searches
issues generated for the policy (`escalation_rules.strategies.issues_for`) with
Hypothesis and raises `VerificationFailed` with the smallest counterexample as a
timeline, or returns the `Verdict` that it holds; `verify_all` runs several invariants
and returns a `Verdict` for each::

    from escalation_rules.verification import never_skips_a_level, verify

    verify(policy, never_skips_a_level()).holds   # true, or raises VerificationFailed

Ready-made invariants: `never_skips_a_level`, `reaches_within`,
`no_two_escalations_within`, `resolved_never_escalates`, `ends_at_terminal_level` and
`never_raises`; `standard_invariants(policy)` picks those that make sense for any policy.

Importing this module does not need Hypothesis (invariants and `simulate` work without
it); `verify` and `verify_all` do, and raise `ImportError` with the command to install it.
"""

from __future__ import annotations

from ._analysis.invariants import (
    EndsAtTerminalLevel,
    Invariant,
    NeverRaises,
    NeverSkipsALevel,
    NoTwoEscalationsWithin,
    ReachesWithin,
    ResolvedNeverEscalates,
    climbs,
    ends_at_terminal_level,
    never_raises,
    never_skips_a_level,
    no_two_escalations_within,
    reaches_within,
    resolved_never_escalates,
    resolved_statuses,
    standard_invariants,
)
from ._analysis.simulate import DEFAULT_HORIZON, Moment, Run, simulate
from ._analysis.verify import Verdict, VerificationFailed, verify, verify_all
from ._publish import publish_all

__all__ = [
    "DEFAULT_HORIZON",
    "EndsAtTerminalLevel",
    "Invariant",
    "Moment",
    "NeverRaises",
    "NeverSkipsALevel",
    "NoTwoEscalationsWithin",
    "ReachesWithin",
    "ResolvedNeverEscalates",
    "Run",
    "Verdict",
    "VerificationFailed",
    "climbs",
    "ends_at_terminal_level",
    "never_raises",
    "never_skips_a_level",
    "no_two_escalations_within",
    "reaches_within",
    "resolved_never_escalates",
    "resolved_statuses",
    "simulate",
    "standard_invariants",
    "verify",
    "verify_all",
]

publish_all(globals(), __all__, __name__)
