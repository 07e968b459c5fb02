"""Policy versions: which version of a policy evaluates an issue.

A policy edited while issues are open must not change those issues retroactively. A host
keeps every version it put in force, each with the instant from which it is in force, as a
`PolicySet`; an issue is pinned (`Issue.policy_version`) to the version in force at its
creation, and the set's ``move`` rule says when it moves on to a newer one:

* ``"never"``: the pinned version evaluates the issue as long as it lives (an issue not
  pinned: the version in force at its creation);
* ``"next_level"``: the pinned version, until the issue changes level after a newer version
  came into force; from then on, the version in force at its latest level change. A level
  change moves the issue only to a version that has the level it changed to: when the
  version then in force lacks it (a level that version retired), the issue stays on the
  version it has, and moves at a later level change to a version that has the new level.
  The changes are read off the issue's history (kept with it, so an issue evaluated again
  reads only its new events): the set keeps no state;
* ``"at_once"``: the version in force at the instant of evaluation, whatever the pin; for
  an issue at a level that version lacks, the newest earlier version that has the level
  (the issue stays on it until it changes level; no kept version up to the one in force
  has the level: `IssueError`). Since the version can change while nothing happens to the
  issue, ``next_evaluation_at`` is at the latest the instant the next version that would
  take the issue over comes into force.

Before the first version's instant, the first version is in force: a set starts with the
policy that was in force when the host began to keep versions, and it answers for the
issues older than that too.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from .._exceptions import IssueError, PolicyError
from .._frozendict import FrozenDict
from .._instants import require_aware
from .._model.issue import field_changes, summary_of
from .._suggest import did_you_mean
from .policy import Policy

if TYPE_CHECKING:
    from .._model.actions import Decision
    from .._model.issue import Issue
    from .explain import Explanation

Move = Literal["never", "next_level", "at_once"]

MOVES: Final = ("never", "next_level", "at_once")
"""The rules by which an issue moves on to a newer version (see `PolicySet`)."""


def _versions(value: Iterable[Any]) -> tuple[tuple[datetime, Policy], ...]:
    """``(since, policy)`` pairs, each since an aware instant, as stdlib datetimes."""
    if isinstance(value, Policy | str | bytes | Mapping) or not isinstance(value, Iterable):
        raise PolicyError(
            "a policy set takes a list of (since, Policy) pairs, oldest first, got "
            f"{type(value).__name__} {value!r}",
            value=value,
        )
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise PolicyError(
                f"versions[{i}] must be a (since, Policy) pair, got {item!r}", value=item
            )
        since, policy = item
        if not isinstance(policy, Policy):
            raise PolicyError(f"versions[{i}] holds {policy!r}, not a Policy", value=policy)
        if not isinstance(since, datetime) or since.utcoffset() is None:
            raise PolicyError(
                f"versions[{i}]: the instant a version is in force from must be a "
                f"timezone-aware datetime, got {since!r}",
                value=since,
            )
        out.append((require_aware(since, "since"), policy))
    return tuple(out)


@attrs.frozen(repr=False)
class PolicySet:
    """The versions of a policy a host keeps, each with the instant it is in force from.

    ``PolicySet([(since1, policy_v1), (since2, policy_v2)], move="never")``: the instants
    are aware and strictly increasing, and each policy has its own `Policy.version` (given
    with ``version=``, or derived from its content). The module docstring says what each
    ``move`` rule does; before the first instant, the first version is in force.

    Attributes:
        versions: the ``(since, policy)`` pairs, oldest first.
        move: ``"never"`` (the default), ``"next_level"`` or ``"at_once"``.

    Raises:
        PolicyError: no versions, a pair that is not an aware instant and a `Policy`,
            instants that do not increase, a version kept twice, or an unknown ``move``.
    """

    versions: tuple[tuple[datetime, Policy], ...] = attrs.field(converter=_versions)
    move: Move = attrs.field(default="never", kw_only=True)
    _sinces: tuple[datetime, ...] = attrs.field(init=False, eq=False)
    _positions: Mapping[str, int] = attrs.field(init=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if not self.versions:
            raise PolicyError("a policy set needs at least one version")
        if self.move not in MOVES:
            raise PolicyError(
                f"move must be one of {list(MOVES)}, got {self.move!r}",
                value=self.move,
                suggestion=did_you_mean(str(self.move), MOVES),
            )
        positions: dict[str, int] = {}
        for i, (since, policy) in enumerate(self.versions):
            if i and since <= self.versions[i - 1][0]:
                raise PolicyError(
                    f"versions[{i}] is in force from {since.isoformat()}, not after "
                    f"versions[{i - 1}] ({self.versions[i - 1][0].isoformat()}); list the "
                    "versions oldest first, each from a later instant",
                    value=since,
                )
            version = policy.version
            if version in positions:
                raise PolicyError(
                    f"versions[{i}] has the version {version!r} of versions"
                    f"[{positions[version]}]; a set keeps each version once (give an edited "
                    "policy a new version=, or leave it out to derive one from the content)",
                    value=version,
                )
            positions[version] = i
        object.__setattr__(self, "_sinces", tuple(since for since, _ in self.versions))
        object.__setattr__(self, "_positions", FrozenDict(positions))

    def __repr__(self) -> str:
        shown = [(since.isoformat(), policy.version) for since, policy in self.versions]
        return f"PolicySet({shown!r}, move={self.move!r})"

    @property
    def policies(self) -> tuple[Policy, ...]:
        """The policies alone, oldest first."""
        return tuple(policy for _, policy in self.versions)

    def policy(self, version: str) -> Policy:
        """The kept policy whose `Policy.version` is *version*.

        Raises:
            IssueError: the set does not hold it (with the closest kept version).
        """
        return self.versions[self._position(version, None)][1]

    def in_force(self, at: datetime) -> Policy:
        """The version in force at *at*: the latest whose instant is at or before it (before
        the first instant, the first version)."""
        return self.versions[self._index_at(require_aware(at, "at"))][1]

    def pin(self, issue: Issue) -> Issue:
        """*issue* with ``policy_version`` set to the version in force at its creation; an
        issue already pinned is returned as it is."""
        if issue.policy_version is not None:
            return issue
        return attrs.evolve(issue, policy_version=self.in_force(issue.created_at).version)

    def policy_for(self, issue: Issue, now: datetime) -> Policy:
        """The version that evaluates *issue* at *now*, by the set's ``move`` rule.

        Raises:
            IssueError: the issue is pinned to a version the set no longer holds (with the
                closest kept version); with ``"at_once"``, the issue is at a level that no
                kept version up to the one in force has; *now* is not an aware datetime.
        """
        return self._choose(issue, require_aware(now, "now"))[0]

    def evaluate(self, issue: Issue, now: datetime) -> Decision:
        """`Policy.evaluate` by the version `policy_for` chooses; with ``"at_once"``,
        ``next_evaluation_at`` no later than the instant another version takes over."""
        now = require_aware(now, "now")
        policy, switch = self._choose(issue, now)
        return _capped(policy.evaluate(issue, now), switch)

    def explain(self, issue: Issue, now: datetime) -> Explanation:
        """`Policy.explain` by the version `policy_for` chooses (its decision as `evaluate`)."""
        now = require_aware(now, "now")
        policy, switch = self._choose(issue, now)
        explanation = policy.explain(issue, now)
        decision = _capped(explanation.decision, switch)
        if decision is explanation.decision:
            return explanation
        return attrs.evolve(explanation, decision=decision)

    def add(self, policy: Policy, since: datetime) -> PolicySet:
        """A new set with *policy* in force from *since*, which must be after every kept
        version's instant (an edit never changes which version was in force before)."""
        return PolicySet((*self.versions, (since, policy)), move=self.move)

    def _index_at(self, at: datetime) -> int:
        return max(bisect_right(self._sinces, at) - 1, 0)

    def _choose(self, issue: Issue, now: datetime) -> tuple[Policy, datetime | None]:
        """The version that evaluates *issue* at *now* and, with ``"at_once"``, the instant
        after *now* at which another version takes it over (``None``: none will, or the
        move rule moves it only when something happens to it)."""
        if self.move == "at_once":
            return self._at_once(issue, now)
        if issue.policy_version is None:
            index = self._index_at(issue.created_at)
        else:
            index = self._position(issue.policy_version, issue)
        if self.move == "next_level":
            as_of = issue if now >= issue.latest_at else issue.as_of(now)
            index = max(index, self._moved_to(as_of))
        return self.versions[index][1], None

    def _at_once(self, issue: Issue, now: datetime) -> tuple[Policy, datetime | None]:
        """``"at_once"``: the version in force at *now*, or the newest earlier one that has
        the issue's level; and the instant the next later version that has it begins."""
        level = (issue if now >= issue.latest_at else issue.as_of(now)).level
        current = self._index_at(now)
        switch = None
        for since, later in self.versions[current + 1 :]:
            if level is None or level in later.level_positions:
                switch = since.astimezone(UTC)
                break
        for index in range(current, -1, -1):
            policy = self.versions[index][1]
            if level is None or level in policy.level_positions:
                return policy, switch
        assert level is not None
        policy = self.versions[current][1]
        raise IssueError(
            f"issue {issue.id!r} is at level {level!r}, which neither the policy version "
            f"{policy.version!r} in force at {now.isoformat()} nor an earlier kept version "
            f"has; its levels are {list(policy.level_positions)}",
            value=level,
            suggestion=did_you_mean(level, policy.level_positions),
        )

    def _moved_to(self, issue: Issue) -> int:
        """The newest version a level change in *issue*'s history moved it to (``-1``: none).

        A change moves the issue to the version in force at its instant if that version
        has the level it changed to. The answer is kept on the history summary, so that
        the issue evaluated again after new events reads only those.
        """
        summary = summary_of(issue)
        key = ("policy set moves", id(self))
        fact, covered = summary.derived(key)
        if fact is None or fact[0] is not self:  # (the set: its id may have been reused)
            fact, covered = (self, -1), 0
        newest: int = fact[1]
        for event in issue.history[covered:]:
            for name, level in field_changes(event):
                if name == "level":
                    index = self._index_at(event.at)
                    if index > newest and level in self.versions[index][1].level_positions:
                        newest = index
        summary.memo[key] = (self, newest)
        return newest

    def _position(self, version: str, issue: Issue | None) -> int:
        position = self._positions.get(version)
        if position is None:
            kept = list(self._positions)
            if issue is None:
                what = f"the policy set holds no version {version!r}"
            else:
                what = (
                    f"issue {issue.id!r} is pinned to the policy version {version!r}, which "
                    "the policy set no longer holds"
                )
            raise IssueError(
                f"{what}; it keeps {kept}",
                value=version,
                suggestion=did_you_mean(version, kept),
            )
        return position


def _capped(decision: Decision, switch: datetime | None) -> Decision:
    """*decision* with ``next_evaluation_at`` no later than *switch*."""
    due = decision.next_evaluation_at
    if switch is None or (due is not None and due <= switch):
        return decision
    return attrs.evolve(decision, next_evaluation_at=switch)
