"""Policy verification: play a policy over an issue's history, check invariants, find a break.

A `Run` is what a host would see if it ran the policy on an issue: the issue's own events
(messages, replies, status and level changes) arrive at their instants, and in between
the host carries out every action the policy decides, when it decides it, as
`forecast` does. After the last event nothing else happens until the run's end.

An invariant is a function of a `Run` that returns ``None`` (or ``True``) when it holds,
and ``False`` or a sentence saying what went wrong when it does not; raising
`AssertionError` also counts as broken. Ready-made ones: `never_skips_a_level`,
`reaches_within`, `no_two_escalations_within`, `resolved_never_escalates`,
`ends_at_terminal_level`, `never_raises`. An evaluation that raises breaks every
invariant: nothing can be said of a policy that cannot decide.

`verify` searches generated issues (`escalation_rules.strategies.issues_for`) with
Hypothesis for one whose run breaks an invariant, and raises `VerificationFailed` with
the smallest such run, as a timeline. Hypothesis is imported only when `verify` runs,
so invariants and runs work without it.

This module never reads the clock; the search is derandomized and keeps no database,
so the same policy and invariant always give the same answer. It writes nothing in the
current folder: the constants Hypothesis caches go to a temporary folder, removed after.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._exceptions import EscalationRulesError
from .invariants import invariant_name, standard_invariants, violation
from .simulate import DEFAULT_HORIZON, Run, simulate

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from .._engine.policy import Policy
    from .._model.issue import Issue


class VerificationFailed(EscalationRulesError, AssertionError):
    """A policy breaks an invariant; the smallest counterexample found is attached.

    ``str(exc)`` names the policy and the invariant, says what went wrong, and shows
    the counterexample's run as a timeline.

    Attributes:
        invariant: the invariant that broke.
        reason: what went wrong, in one sentence.
        run: the counterexample's `Run` (``run.issue`` is the issue).
    """

    def __init__(self, invariant: Callable[[Run], object], reason: str, run: Run) -> None:
        self.invariant = invariant
        self.reason = reason
        self.run = run
        super().__init__(
            f"policy {run.policy.name!r} breaks {invariant_name(invariant)}: {reason}\n"
            f"smallest counterexample found:\n{run.timeline()}"
        )

    @property
    def issue(self) -> Issue:
        """The counterexample issue."""
        return self.run.issue


@attrs.frozen(eq=False)
class Verdict:
    """The outcome of verifying one invariant: it held, or the failure.

    Attributes:
        invariant: the invariant.
        failure: the `VerificationFailed`, or ``None`` when no counterexample was found.
    """

    invariant: Callable[[Run], object]
    failure: VerificationFailed | None

    @property
    def holds(self) -> bool:
        """No counterexample was found."""
        return self.failure is None

    @property
    def name(self) -> str:
        """The invariant's name."""
        return invariant_name(self.invariant)

    @property
    def reason(self) -> str:
        """What went wrong, in one sentence (the failure's ``reason``); ``""`` when it holds."""
        return "" if self.failure is None else self.failure.reason


_MISSING_HYPOTHESIS: Final = (
    "policy verification searches with Hypothesis, which is not installed; "
    "install it with: pip install 'escalation-rules[testing]'"
)


def verify(
    policy: Policy,
    invariant: Callable[[Run], object],
    *,
    max_examples: int = 200,
    issues: SearchStrategy[Issue] | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> Verdict:
    """Search for an issue on which *policy* breaks *invariant*; raise if one is found.

    Hypothesis generates issues relevant to the policy (`issues_for`, or the strategy
    *issues*), plays each with `simulate`, and checks the invariant. When one breaks
    it, Hypothesis shrinks it to the smallest it can find, which is reported. The search
    is deterministic: derandomized, with no example database.

    Args:
        policy: the policy under test.
        invariant: a function of a `Run`; see `Invariant`.
        max_examples: how many issues to try at most (shrinking comes on top).
        issues: a Hypothesis strategy of issues to search instead of ``issues_for(policy)``.
        horizon: how long each run goes on after the issue's last event.

    Returns:
        The `Verdict` that the invariant holds, when no counterexample was found.

    Raises:
        VerificationFailed: the smallest counterexample found (an `AssertionError`).
        ImportError: Hypothesis is not installed.
    """
    try:
        from hypothesis import HealthCheck, Phase, find, settings
        from hypothesis.errors import NoSuchExample
    except ImportError as exc:  # pragma: no cover - the test environment has Hypothesis
        raise ImportError(_MISSING_HYPOTHESIS) from exc
    strategy = issues if issues is not None else _issues_for(policy, invariant)

    def breaks(issue: Issue) -> bool:
        return violation(invariant, simulate(policy, issue, horizon=horizon)) is not None

    config = settings(
        max_examples=max_examples,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    try:
        with _storage_elsewhere(), _without_local_constants():
            smallest = find(strategy, breaks, settings=config)
    except NoSuchExample:
        return Verdict(invariant, None)
    run = simulate(policy, smallest, horizon=horizon)
    reason = violation(invariant, run)
    assert reason is not None  # simulation is deterministic
    raise VerificationFailed(invariant, reason, run)


def _issues_for(policy: Policy, invariant: Callable[[Run], object]) -> SearchStrategy[Issue]:
    """`issues_for(policy)`; an invariant about one priority gets issues of that priority."""
    from .strategies import issues_for

    priority = getattr(invariant, "priority", None)
    return issues_for(policy, priorities=[priority] if isinstance(priority, str) else [])


@contextlib.contextmanager
def _storage_elsewhere() -> Iterator[None]:
    """Point Hypothesis's storage at a temporary folder for the search, then back.

    With no example database Hypothesis still caches the constants it finds in the
    caller's modules under ``.hypothesis/`` in the current folder; a library call
    must not write there. The folder is removed afterwards. A host that chose a
    folder (``HYPOTHESIS_STORAGE_DIRECTORY``) gets it back unchanged.
    """
    from hypothesis import configuration

    attribute = "__hypothesis_home_directory"  # set by set_hypothesis_home_dir
    if not hasattr(configuration, attribute):  # pragma: no cover - another Hypothesis
        yield
        return
    previous = getattr(configuration, attribute)
    with tempfile.TemporaryDirectory(prefix="escalation-rules-verify-") as folder:
        configuration.set_hypothesis_home_dir(folder)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(previous)


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Keep the search from seeing the constants of the modules loaded in the process.

    Hypothesis (6.1xx) draws now and then from the literals it finds in every local module
    that is loaded (the caller's code, a test suite), so a derandomized search would find
    other issues depending on what else is imported. For the search it sees none, and the
    same policy gives the same counterexample in any process. Hypothesis's private names are
    used if they are there; with another Hypothesis this does nothing.
    """
    try:
        from hypothesis.internal.cache import LRUCache
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
        from hypothesis.internal.floats import float_to_int

        ordered: Any = type(providers.GLOBAL_CONSTANTS.integers)  # its sorted set
        blank = Constants(
            integers=ordered(),
            floats=ordered(key=float_to_int),
            bytes=ordered(),
            strings=ordered(),
        )
        saved = (providers._get_local_constants, providers.CONSTANTS_CACHE)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - another Hypothesis
        yield
        return
    providers._get_local_constants = lambda: blank
    providers.CONSTANTS_CACHE = LRUCache(1024)
    try:
        yield
    finally:
        providers._get_local_constants, providers.CONSTANTS_CACHE = saved


def verify_all(
    policy: Policy,
    invariants: Iterable[Callable[[Run], object]] | None = None,
    *,
    max_examples: int = 200,
    issues: SearchStrategy[Issue] | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> tuple[Verdict, ...]:
    """`verify` each invariant (by default `standard_invariants`); one `Verdict` each.

    Never raises for a broken invariant: each verdict holds its failure.
    """
    chosen = standard_invariants(policy) if invariants is None else tuple(invariants)
    verdicts = []
    for invariant in chosen:
        try:
            verdict = verify(
                policy, invariant, max_examples=max_examples, issues=issues, horizon=horizon
            )
        except VerificationFailed as failure:
            verdict = Verdict(invariant, failure)
        verdicts.append(verdict)
    return tuple(verdicts)


def run_verify_command(
    policy: Policy, *, max_examples: int = 200, fmt: str = "text"
) -> tuple[int, str]:
    """What ``escalation-rules verify POLICY`` does: `verify_all`, as an exit code and a report.

    Args:
        policy: the policy.
        max_examples: the generated issues per invariant.
        fmt: ``"text"``, or ``"json"``: ``{"policy", "max_examples", "invariants": [{"name",
            "holds", "reason", "counterexample": the issue as plain data (or null),
            "report": its timeline as text}], "broken"}``.

    Returns:
        ``(0, report)`` when every standard invariant holds, ``(1, report)`` when one
        breaks (the report shows each counterexample's timeline), ``(2, message)`` when
        Hypothesis is not installed.
    """
    try:
        import hypothesis  # noqa: F401
    except ImportError:  # pragma: no cover - the test environment has Hypothesis
        return 2, _MISSING_HYPOTHESIS
    verdicts = verify_all(policy, max_examples=max_examples)
    broken = [v.failure for v in verdicts if v.failure is not None]
    code = 1 if broken else 0
    if fmt == "json":
        return code, json.dumps(_as_json(policy, verdicts, max_examples), indent=2)
    lines = [
        f"verifying policy {policy.name!r}: {len(verdicts)} invariants, "
        f"up to {max_examples} generated issues each"
    ]
    for verdict in verdicts:
        lines.append(f"  {'ok' if verdict.holds else 'BROKEN':<7}{verdict.name}")
    for failure in broken:
        lines += ["", str(failure)]
    lines.append("")
    if broken:
        lines.append(f"{len(broken)} of {len(verdicts)} invariants broken")
    else:
        lines.append(f"all {len(verdicts)} invariants hold")
    return code, "\n".join(lines)


def _as_json(policy: Policy, verdicts: Sequence[Verdict], max_examples: int) -> dict[str, Any]:
    from .._io.issuejson import issue_to_dict

    return {
        "policy": policy.name,
        "max_examples": max_examples,
        "invariants": [
            {
                "name": v.name,
                "holds": v.holds,
                "reason": v.reason,
                "counterexample": None if v.failure is None else issue_to_dict(v.failure.issue),
                "report": None if v.failure is None else str(v.failure),
            }
            for v in verdicts
        ],
        "broken": sum(not v.holds for v in verdicts),
    }
