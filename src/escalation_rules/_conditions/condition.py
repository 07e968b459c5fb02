"""Conditions: field references, comparisons and the ``&``, ``|``, ``~`` combinators.

Conditions are small frozen values with a readable ``repr``. A policy compiles
each one once into a plain closure (``compile()``), so evaluation costs a few
function calls, never an interpretation of the tree.

Missing values are explicit. A field is *missing* when it is ``None`` or, for
``attributes.NAME``, when the key is absent. ``==`` and ``in`` are false for a
missing value (and ``!=`` true), because an absent value equals nothing; an
ordering test (``<``, ``>=``, ...) on a missing value raises
`MissingFieldError`; guard it with ``F.x.exists() & (F.x > 3)``. Comparing
values of different kinds (a string with a number) raises `FieldTypeError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs

from .._model.issue import Issue

if TYPE_CHECKING:
    from .._engine.context import Context

Test = Callable[[Issue], bool]

TimedTest = Callable[["Context"], tuple[bool, "datetime | None"]]
"""A compiled condition: a function of the issue, returning a bool."""


class Condition:
    """Base of all conditions; combine them with ``&``, ``|`` and ``~``."""

    __slots__ = ()
    # whether its repr is put in parentheses inside ``&``, ``|`` and ``~``
    _parenthesized: ClassVar[bool] = False

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:  # pragma: no cover
        """Return a fast function ``issue -> bool`` deciding this condition.

        *defaults* gives values for fields that are ``None`` on the issue but have a
        meaning in a policy (the policy passes ``{"level": first level id}``).
        """
        raise NotImplementedError

    def fields(self) -> Iterable[str]:
        """The dotted field paths this condition reads."""
        return ()

    @property
    def timed(self) -> bool:
        """Does it depend on the instant (``since(...)``, ``clock(...)``), not the issue alone?"""
        return False

    def compile_timed(self, defaults: Mapping[str, Any] | None = None) -> TimedTest:
        """Return ``context -> (holds, change)``: the value now, and the first instant
        after now at which it may change without a new event (``None``: never).

        Conditions on the issue alone never change by themselves; time functions do.
        """
        test = self.compile(defaults)
        return lambda context: (test(context.issue), None)

    def __call__(self, issue: Issue) -> bool:
        """Decide this condition for *issue* (compiles on every call: use a Policy)."""
        if self.timed:
            raise TypeError(
                f"{self!r} depends on the instant; it can only be decided in a policy's rule"
            )
        return self.compile()(issue)

    def __and__(self, other: Condition) -> Condition:
        return all_of(self, _cond(other))

    def __or__(self, other: Condition) -> Condition:
        return any_of(self, _cond(other))

    def __invert__(self) -> Condition:
        return Not(self)

    def __bool__(self) -> bool:
        raise TypeError(
            f"the condition {self!r} has no truth value; combine conditions with &, | and ~ "
            "rather than and, or, not (and call it with an issue to decide it)"
        )


class FieldReference:
    """The base of the DSL's field references (``F.priority``): not a condition until compared."""

    __slots__ = ()


def _cond(value: object) -> Condition:
    if isinstance(value, Condition):
        return value
    if isinstance(value, FieldReference):
        raise TypeError(
            f"{value!r} is a field, not a condition; compare it (== 'x') or call .exists()"
        )
    raise TypeError(f"expected a Condition, got {value!r}")


@attrs.frozen(repr=False)
class Const(Condition):
    """A condition that is always *value*: `ALWAYS` or `NEVER`."""

    value: bool

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        value = self.value
        return lambda _issue: value

    def __repr__(self) -> str:
        return "ALWAYS" if self.value else "NEVER"


ALWAYS: Final = Const(True)
"""The condition that always holds."""

NEVER: Final = Const(False)
"""The condition that never holds."""


@attrs.frozen(repr=False)
class _Group(Condition):
    """What `All` and `Any_` share: their conditions, fields, timing and text."""

    conditions: tuple[Condition, ...]

    _combine: ClassVar[Callable[[Iterable[object]], bool]]
    _joiner: ClassVar[str]
    _empty: ClassVar[str]

    def fields(self) -> Iterable[str]:
        return tuple(f for c in self.conditions for f in c.fields())

    @property
    def timed(self) -> bool:
        return any(c.timed for c in self.conditions)

    def compile_timed(self, defaults: Mapping[str, Any] | None = None) -> TimedTest:
        return _combine_timed(self.conditions, defaults, type(self)._combine)

    def __repr__(self) -> str:
        if not self.conditions:
            return self._empty
        return self._joiner.join(_paren(c) for c in self.conditions)


@attrs.frozen(repr=False)
class All(_Group):
    """All of the conditions hold (``a & b``); an empty ``All`` holds."""

    _combine = all
    _joiner = " & "
    _empty = "all_of()"

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        tests = tuple(c.compile(defaults) for c in self.conditions)
        if len(tests) == 2:
            a, b = tests
            return lambda issue: a(issue) and b(issue)

        def all_hold(issue: Issue) -> bool:
            for test in tests:
                if not test(issue):
                    return False
            return True

        return all_hold


@attrs.frozen(repr=False)
class Any_(_Group):
    """At least one of the conditions holds (``a | b``); an empty ``Any_`` does not."""

    _combine = any
    _joiner = " | "
    _empty = "any_of()"

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        tests = tuple(c.compile(defaults) for c in self.conditions)
        if len(tests) == 2:
            a, b = tests
            return lambda issue: a(issue) or b(issue)

        def any_holds(issue: Issue) -> bool:
            for test in tests:
                if test(issue):
                    return True
            return False

        return any_holds


@attrs.frozen(repr=False)
class Not(Condition):
    """The condition does not hold (``~a``)."""

    condition: Condition

    def fields(self) -> Iterable[str]:
        return self.condition.fields()

    @property
    def timed(self) -> bool:
        return self.condition.timed

    def compile_timed(self, defaults: Mapping[str, Any] | None = None) -> TimedTest:
        inner = self.condition.compile_timed(defaults)

        def negated(context: Context) -> tuple[bool, datetime | None]:
            holds, change = inner(context)
            return not holds, change

        return negated

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        test = self.condition.compile(defaults)
        return lambda issue: not test(issue)

    def __repr__(self) -> str:
        return f"~{_paren(self.condition)}"


def _combine_timed(
    conditions: tuple[Condition, ...],
    defaults: Mapping[str, Any] | None,
    combine: Callable[[Iterable[bool]], bool],
) -> TimedTest:
    """``all``/``any`` over timed children, with the instant the combined value flips.

    Without new events each child flips at most once (at its change instant). The
    group flips when the deciding children have: for ``all`` that is false, when
    the last false child turns true; for ``all`` that is true, when the first child
    turns false (and the mirror image for ``any``).
    """
    tests = tuple(c.compile_timed(defaults) for c in conditions)
    is_all = combine is all

    def combined(context: Context) -> tuple[bool, datetime | None]:
        results = []
        for test in tests:
            holds, at = test(context)
            if holds is not is_all and at is None:
                # decided for good, as the issue-only test would short-circuit
                return holds, None
            results.append((holds, at))
        value = combine(holds for holds, _ in results)
        # The children whose flip is needed (all of them), or enough (any of them).
        if value is is_all:
            # all-true or any-false: the first flip of any child changes the value
            flips = [at for _, at in results if at is not None]
            return value, min(flips) if flips else None
        deciding = [at for holds, at in results if holds is not is_all]
        if any(at is None for at in deciding):
            return value, None
        return value, max(at for at in deciding if at is not None)

    return combined


def _paren(c: Condition) -> str:
    wrap = c._parenthesized or (isinstance(c, _Group) and len(c.conditions) > 1)
    return f"({c!r})" if wrap else repr(c)


def all_of(*conditions: Condition) -> Condition:
    """All of *conditions* hold; nested ``all_of`` are flattened (like attrs' ``and_``)."""
    flat: list[Condition] = []
    for c in conditions:
        c = _cond(c)
        flat.extend(c.conditions if isinstance(c, All) else (c,))
    return flat[0] if len(flat) == 1 else All(tuple(flat))


def any_of(*conditions: Condition) -> Condition:
    """At least one of *conditions* holds; nested ``any_of`` are flattened."""
    flat: list[Condition] = []
    for c in conditions:
        c = _cond(c)
        flat.extend(c.conditions if isinstance(c, Any_) else (c,))
    return flat[0] if len(flat) == 1 else Any_(tuple(flat))
