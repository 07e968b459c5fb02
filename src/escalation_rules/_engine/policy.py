"""Levels, the policy that holds them with its rules, and the evaluation engine."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import attrs

from .._conditions.paths import validate_path
from .._exceptions import IssueError, PolicyError
from .._frozendict import FrozenDict
from .._instants import require_aware
from .._model.actions import Action, Decision
from .._model.clock_definitions import SlaClock, clock_table
from .._model.events import CLOSED, Status
from .._model.issue import summary_of
from .._model.levels import Level
from .._model.targets import Target
from .._rules.base import Rule
from .._rules.first_match import rule_tuple, walk
from .._rules.recipients import check_schedules
from .._suggest import did_you_mean
from .._time.calendar import BusinessCalendar
from .._time.clocks import Clock, WallClock
from .context import Context, make_context
from .fingerprint import check_version, derived_version
from .plan import Step, compile_plan, merge_escalations, run_plan
from .policy_fields import BASE_STATUSES as _BASE_STATUSES
from .policy_fields import calendar_table, level_tuple, policy_targets, schedule_table, status_table
from .sla_policies import (
    SlaPeriod,
    SlaPolicy,
    SlaSetup,
    check_slas,
    current_points,
    field_tuple,
    periods,
    slas_tuple,
    timeline_of,
)

if TYPE_CHECKING:
    from .._model.issue import Issue
    from .._model.schedules import Schedule
    from .._model.summary import HistorySummary
    from .._time.sla_clock import ClockState
    from .explain import Explanation


MatchMode = Literal["all", "first"]


@attrs.frozen
class Policy:
    """An escalation policy: the levels (the hierarchy), the rules, and defaults.

    The policy validates itself when built: duplicate level ids or rule names,
    ranks that do not rise, and rules that refer to unknown levels or SLA
    targets raise `PolicyError` then, never during evaluation.

    Attributes:
        levels: the hierarchy, lowest first.
        rules: the rules, in order.
        match: ``"all"`` (every matching rule acts; the default) or
            ``"first"`` (only the first matching rule acts).
        status_map: host statuses mapped onto `Status`, e.g.
            ``{"waiting_on_customer": Status.PENDING}``.
        clock: how ``after(...)`` rules and the on-call `chain` measure time
            (`WallClock` by default; `BusinessClock` for business hours).
        clocks: SLA clock definitions that replace or extend the defaults
            (one `SlaClock` per `Metric`, named after it).
        targets: policy-wide SLA targets, by clock name as a level's: they apply at every
            level, unless the level (or the SLA policy that applies) has its own target
            for that clock and priority.
        slas: SLA policies (`SlaPolicy`), in order: the first whose condition the issue
            meets applies (re-decided as the issue changes); one without a condition,
            last, covers the rest. Its targets come after the level's own, before the
            policy-wide ones.
        calendar_fields: dotted issue fields tried in order; the first one set names the
            issue's calendar (a policy calendar), which wins over the SLA policy's, the
            level's and the policy's. Give this or ``calendar_field``, not both.
        zone_field: a dotted issue field holding an IANA zone name (e.g.
            ``"customer.attributes.tz"``): the calendar chosen is read in that zone.
        calendars: named `BusinessCalendar` objects that SLA targets count on.
        calendar: the name of the default calendar for SLA targets; ``None``
            counts elapsed real time unless a level, an SLA policy or the issue names one.
        calendar_field: a dotted issue field whose value names the issue's
            calendar (e.g. ``"customer.attributes.region"``): ``calendar_fields`` of one.
        supersede_warnings: storm control (docs/sla.md, "Thresholds"): an SLA warning not
            recorded before a later threshold of its clock was crossed is superseded and
            does not fire (the default); ``False`` lets every crossed warning fire.
        schedules: named on-call `Schedule` objects: a level's owner or a notification
            may be `OnCall` one of them (whoever is on call at the instant it is sent).
        name: a label for messages and reports.
        version: the ``version=`` given, else ``f"{name}@{digest}"``: 12 hex digits of a
            SHA-256 of the content, the same in every process (docs/oncall.md).
        level_positions: derived, read-only: each level's id -> its index in ``levels``.
        statuses: derived, read-only: every status the policy knows (built-in and the
            host's) -> `Status`.
        target_clocks: derived, read-only: the clocks with a target somewhere (a level,
            an SLA policy, or policy-wide).
    """

    levels: tuple[Level, ...] = attrs.field(converter=level_tuple)
    rules: tuple[Rule, ...] = attrs.field(converter=rule_tuple)
    match: MatchMode = attrs.field(default="all", kw_only=True)
    status_map: Mapping[str, Status] = attrs.field(
        factory=dict, converter=status_table, kw_only=True
    )
    clock: Clock = attrs.field(factory=WallClock, kw_only=True)
    clocks: Mapping[str, SlaClock] = attrs.field(default=(), converter=clock_table, kw_only=True)
    targets: Mapping[str, Mapping[str, Target]] = attrs.field(
        factory=dict, converter=policy_targets, kw_only=True
    )
    slas: tuple[SlaPolicy, ...] = attrs.field(default=(), converter=slas_tuple, kw_only=True)
    calendar_fields: tuple[str, ...] = attrs.field(default=(), converter=field_tuple, kw_only=True)
    zone_field: str | None = attrs.field(default=None, kw_only=True)
    calendars: Mapping[str, BusinessCalendar] = attrs.field(
        factory=dict, converter=calendar_table, kw_only=True
    )
    calendar: str | None = attrs.field(default=None, kw_only=True)
    calendar_field: str | None = attrs.field(default=None, kw_only=True)
    supersede_warnings: bool = attrs.field(default=True, kw_only=True, repr=False)
    schedules: Mapping[str, Schedule] = attrs.field(
        factory=dict, converter=schedule_table, kw_only=True
    )
    name: str = attrs.field(default="policy", kw_only=True)
    _version: str | None = attrs.field(
        default=None, kw_only=True, validator=check_version, repr=False
    )
    _derived_version: str | None = attrs.field(init=False, default=None, eq=False, repr=False)
    _sla_setup: SlaSetup = attrs.field(init=False, eq=False, repr=False)
    level_positions: Mapping[str, int] = attrs.field(init=False, eq=False, repr=False)
    target_clocks: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    _plan: tuple[Step, ...] = attrs.field(init=False, eq=False, repr=False)
    statuses: Mapping[str, Status] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._check_levels()
        object.__setattr__(self, "statuses", FrozenDict({**self.status_map, **_BASE_STATUSES}))
        self._check_sla_setup()
        if self.match not in ("all", "first"):
            raise PolicyError(
                f"match must be 'all' or 'first', got {self.match!r}",
                value=self.match,
                suggestion=did_you_mean(str(self.match), ["all", "first"]),
                subject=("policy", "match"),
            )
        names: set[str] = set()
        for i, (rule, _group, _place) in enumerate(walk(self.rules)):
            if not isinstance(rule, Rule):
                raise PolicyError(
                    f"rules[{i}] is not a rule (it needs name, check and validate): {rule!r}",
                    value=rule,
                )
            if rule.name in names:
                raise PolicyError(f"duplicate rule name {rule.name!r}", value=rule.name)
            names.add(rule.name)
        for rule in self.rules:  # a first_match group validates its own members
            try:
                rule.validate(self)
            except PolicyError as exc:
                raise exc.about("rule", rule.name) from None
        if not isinstance(self.supersede_warnings, bool):
            raise PolicyError(
                f"supersede_warnings must be True or False, got {self.supersede_warnings!r}",
                value=self.supersede_warnings,
                subject=("policy", "supersede_warnings"),
            )
        object.__setattr__(self, "_plan", compile_plan(self.rules, self))

    def _check_levels(self) -> None:
        """Levels present, ids unique, ranks rising, the schedules their owners name known."""
        if not self.levels:
            raise PolicyError("a policy needs at least one level")
        by_id: dict[str, int] = {}
        for i, level in enumerate(self.levels):
            if not isinstance(level, Level):
                raise PolicyError(f"levels[{i}] is not a Level: {level!r}", value=level)
            if level.id in by_id:
                raise PolicyError(
                    f"duplicate level id {level.id!r}",
                    where=f"levels[{i}]",
                    value=level.id,
                    subject=("levels", i),
                )
            if i and level.rank <= self.levels[i - 1].rank:
                raise PolicyError(
                    f"level {level.id!r} has rank {level.rank}, not above "
                    f"{self.levels[i - 1].id!r} (rank {self.levels[i - 1].rank}); "
                    "list levels from lowest to highest",
                    where=f"levels[{i}]",
                    value=level.rank,
                    subject=("levels", i),
                )
            by_id[level.id] = i
        object.__setattr__(self, "level_positions", FrozenDict(by_id))
        for level in self.levels:
            try:
                check_schedules(level.owners, self, f"level {level.id!r}")
                if level.round_robin is not None:
                    validate_path(level.round_robin)
            except PolicyError as exc:
                exc.where = exc.where or f"level {level.id!r}: round_robin"
                raise exc.about("level", level.id) from None

    def __getstate__(self) -> dict[str, object]:
        return {a.name: getattr(self, a.name) for a in attrs.fields(Policy) if a.init}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        self.__attrs_post_init__()

    def _check_sla_setup(self) -> None:
        calendars = sorted(self.calendars)
        if not self.calendars:
            self._check_no_business_days()
        named: list[tuple[str, str | None, tuple[str, object] | None]] = [
            ("calendar", self.calendar, None)
        ] + [(f"level {lvl.id!r}", lvl.calendar, ("level", lvl.id)) for lvl in self.levels]
        for where, name, subject in named:
            if name is not None and name not in self.calendars:
                raise PolicyError(
                    f"names the calendar {name!r}, which the policy does not have; "
                    f"calendars are {calendars}",
                    where=where,
                    value=name,
                    suggestion=did_you_mean(name, calendars),
                    subject=subject,
                )
        clocks = sorted(self.clocks)
        self._check_pause_on()
        for lvl in self.levels:
            for metric in lvl.targets:
                if metric not in self.clocks:
                    raise PolicyError(
                        f"has a target for the SLA clock {metric!r}, which the policy does "
                        f"not have; clocks are {clocks}",
                        where=f"level {lvl.id!r}",
                        value=metric,
                        suggestion=did_you_mean(metric, clocks),
                        subject=("level", lvl.id),
                    )
        object.__setattr__(self, "_sla_setup", check_slas(self))
        object.__setattr__(
            self,
            "target_clocks",
            frozenset(
                {c for lvl in self.levels for c in lvl.targets}
                | set(self.targets)
                | {c for sla in self.slas for c in sla.targets}
            ),
        )

    def level(self, level_id: str) -> Level:
        """The level with id *level_id*; raises `IssueError` with a suggestion if unknown."""
        try:
            return self.levels[self.level_positions[level_id]]
        except KeyError:
            raise IssueError(
                f"unknown level {level_id!r}; the policy's levels are {list(self.level_positions)}",
                value=level_id,
                suggestion=did_you_mean(level_id, self.level_positions),
            ) from None

    def calendar_named_by(self, issue: Issue) -> object:
        """The value of the first of the issue's calendar fields that is set (``None``: none)."""
        found = self._sla_setup.calendar_named(issue)
        return None if found is None else found[0]

    @property
    def sla_setup(self) -> SlaSetup:
        """The SLA settings as compiled when the policy was built (for the engine)."""
        return self._sla_setup

    @property
    def version(self) -> str:
        """The ``version=`` given, else ``f"{name}@{digest}"`` of the content, computed on
        first use (`escalation_rules._engine.fingerprint` says what the content is)."""
        if self._version is not None:
            return self._version
        derived = getattr(self, "_derived_version", None)  # unset after unpickling
        if derived is None:
            derived = derived_version(self)
            object.__setattr__(self, "_derived_version", derived)
        return derived

    def sla_timeline(self, issue: Issue, now: datetime) -> tuple[SlaPeriod, ...]:
        """Which SLA policy applied to *issue*, and since when, up to *now*.

        One `SlaPeriod` ``(since, sla)`` per change, oldest first, the first at the
        creation; the last is the one that applies at *now* (``sla`` is ``None`` while no
        SLA policy matched). Empty for a policy without SLA policies, and before the
        issue's creation. See `SlaPolicy` for when the match is decided again.
        """
        now = require_aware(now, "now")
        setup = self._sla_setup
        if not self.slas:
            return ()
        if now < issue.created_at:
            return ()
        issue = issue.as_of(now)
        return periods(setup, current_points(setup, issue, timeline_of(setup, issue)))

    def status_of(self, issue: Issue) -> Status:
        """The issue's status mapped onto `Status`."""
        return self.map_status(issue.status, issue.id)

    def _check_no_business_days(self) -> None:
        """Business days count on a calendar: without one they would be days of 24 hours."""
        tables = [(f"level {lvl.id!r}", lvl.targets) for lvl in self.levels]
        tables += [(f"SLA policy {sla.name!r}", sla.targets) for sla in self.slas]
        tables.append(("targets", self.targets))
        for where, table in tables:
            for clock, by_priority in table.items():
                for target in by_priority.values():
                    if target.days is not None:
                        raise PolicyError(
                            f"the {clock!r} target is {target}, but the policy has no calendar "
                            "to count business days on; give it calendars= and calendar=",
                            where=where,
                            value=str(target),
                        )

    def _check_pause_on(self) -> None:
        """A clock's ``pause_on`` names `Status` values or host statuses of ``status_map``."""
        for clock in self.clocks.values():
            for name in sorted(clock.pause_on):
                if name in _BASE_STATUSES:
                    continue
                mapped = self.status_map.get(name)
                if mapped is None:
                    known = sorted(
                        host for host, status in self.statuses.items() if status not in CLOSED
                    )
                    raise PolicyError(
                        f"pause_on lists {name!r}, which is neither a status nor a host "
                        f"status in the policy's status_map; known: {known}",
                        where=f"clock {clock.name!r}",
                        value=name,
                        suggestion=did_you_mean(name, known),
                        subject=("clock", clock.name),
                    )
                if mapped in CLOSED:
                    raise PolicyError(
                        f"pause_on cannot list {name!r}: it maps onto {mapped.value!r}, where "
                        "a clock already stops",
                        where=f"clock {clock.name!r}",
                        value=name,
                        subject=("clock", clock.name),
                    )
            # A status trigger ("status:hold") names a status the policy knows, or never fires.
            known_all = sorted(self.statuses)
            for name in sorted(clock.statuses() - clock.pause_on):
                if name not in _BASE_STATUSES and name not in self.status_map:
                    raise PolicyError(
                        f"a status trigger names {name!r}, which is neither a status nor a "
                        f"host status in the policy's status_map; known: {known_all}",
                        where=f"clock {clock.name!r}",
                        value=name,
                        suggestion=did_you_mean(name, known_all),
                        subject=("clock", clock.name),
                    )

    def map_status(self, host: str, issue_id: str = "?") -> Status:
        """A status string (built-in or host-defined) mapped onto `Status`."""
        status = self.statuses.get(host)
        if status is None:
            known = [*_BASE_STATUSES, *self.status_map]
            raise IssueError(
                f"issue {issue_id!r} has status {host!r}, which is neither a "
                f"built-in status nor in the policy's status_map; known: {known}",
                value=host,
                suggestion=did_you_mean(host, known),
            )
        return status

    def position_of(self, issue: Issue) -> int:
        """The index of the issue's level; an unknown level raises with a suggestion."""
        if issue.level is None:
            return 0
        position = self.level_positions.get(issue.level, -1)
        if position < 0:
            self.level(issue.level)  # raises with a suggestion
        return position

    def explain(self, issue: Issue, now: datetime) -> Explanation:
        """`evaluate`, with the trace that led to the decision.

        Every rule in order with what it wanted and what became of it (for a
        condition that failed, which part and with what value), every SLA
        clock with a target, and why the winning action won. ``str()`` of the
        result is readable text; ``to_dict()`` is plain JSON-able data.
        """
        from .explain import explain  # on first use: evaluate() does not need it

        try:
            return explain(self, issue, now)
        except OverflowError as error:
            raise out_of_range(issue, now, error) from None

    def sla_clocks(self, issue: Issue, now: datetime) -> tuple[ClockState, ...]:
        """The state of every SLA clock with a target for *issue* at *now*.

        The target is the level's own, else the applying SLA policy's, else the
        policy-wide one. In the order of the policy's clocks. See `sla_clock` for one clock,
        with or without a target.
        """
        try:
            context = make_context(self, issue.as_of(now), now)
            return tuple(
                state
                for name in self.clocks
                if (state := context.sla(name)) is not None and state.target is not None
            )
        except OverflowError as error:
            raise out_of_range(issue, now, error) from None

    def sla_clock(self, issue: Issue, now: datetime, name: str) -> ClockState:
        """The state of the SLA clock *name* for *issue* at *now* (target or not)."""
        if name not in self.clocks:
            raise PolicyError(
                f"the policy has no SLA clock {name!r}; clocks are {sorted(self.clocks)}",
                value=name,
                suggestion=did_you_mean(name, self.clocks),
            )
        try:
            state = make_context(self, issue.as_of(now), now).sla(name, need_target=False)
        except OverflowError as error:
            raise out_of_range(issue, now, error) from None
        assert state is not None
        return state

    def evaluate(self, issue: Issue, now: datetime) -> Decision:
        """Decide what to do with *issue* at the instant *now*.

        Pure: the same policy, issue and instant give the same decision, the
        inputs are not changed, and nothing reads the clock.

        Raises:
            NaiveDatetimeError: *now* has no time zone.
            IssueError: the issue's level or status is unknown to the policy.

        A *now* before the issue's last event is answered for the issue as its
        history stood then (`Issue.as_of`); before its creation, with no action and
        ``next_evaluation_at`` at `Issue.created_at`.
            EvaluationError: a condition cannot be decided for this issue.
        """
        if now.__class__ is not datetime or (
            now.tzinfo is not UTC and (now.tzinfo is None or now.utcoffset() is None)
        ):
            now = require_aware(now, "now")
        if now < summary_of(issue).latest:
            if now < issue.created_at:
                return Decision((), summary_of(issue).created, "the issue does not exist yet")
            issue = issue.as_of(now)
        status = self.map_status(issue.status, issue.id)
        if status in CLOSED:
            return Decision((), None, f"issue is {status.value}: nothing escalates")
        position = 0 if issue.level is None else self.position_of(issue)
        level = self.levels[position]
        actions: list[Action] = []
        upcoming: list[datetime] = []
        try:
            context = Context(self, issue, now, level, position, status)
            statics = _statics(summary_of(issue), self._plan, position)
            run_plan(self._plan, self.match == "first", context, actions, upcoming, statics)
            next_at = None
            if upcoming:  # after now, soonest last (run_plan)
                next_at = upcoming[-1]
                if next_at.tzinfo is not UTC:
                    next_at = next_at.astimezone(UTC)
        except OverflowError as error:
            raise out_of_range(issue, now, error) from None
        if len(actions) > 1:
            actions = merge_escalations(actions, self)
        reason = "; ".join([a.reason for a in actions]) if actions else "no rule applies"
        return Decision(tuple(actions), next_at, reason)


def _statics(
    summary: HistorySummary, plan: tuple[Step, ...], position: int
) -> dict[object, object]:
    """The answers of *plan*'s static steps for this history at level *position*, kept on
    the history summary (the same issue evaluated again asks them once)."""
    key = ("static steps", id(plan), position)
    entry: Any = summary.memo.get(key)
    if entry is None or entry[0] is not plan:
        entry = summary.memo[key] = (plan, {})
    return entry[1]  # type: ignore[no-any-return]


def out_of_range(issue: Issue, now: datetime, error: OverflowError) -> IssueError:
    """The error for an answer that needs an instant outside the years 1 to 9999.

    *error* is re-raised if it did not come from date arithmetic (a host predicate's
    ``math.exp`` overflowing is the host's error, not a date out of range).
    """
    text = str(error)
    if not (text.startswith("date value out of range") or text.endswith("is out of range")):
        raise error
    return IssueError(
        f"issue {issue.id!r} at {now.isoformat()}: the answer needs an instant outside the "
        "years 1 to 9999 (a deadline after 9999-12-31, or an instant before year 1 in UTC), "
        "which Python's datetime cannot hold",
        value=now,
    )


def evaluate(policy: Policy, issue: Issue, now: datetime) -> Decision:
    """Module-level form of `Policy.evaluate`."""
    return policy.evaluate(issue, now)
