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

import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._exceptions import (
    FieldTypeError,
    MissingFieldError,
    PolicyError,
    did_you_mean,
)
from ._issue import Issue

if TYPE_CHECKING:
    from ._context import Context

Test = Callable[[Issue], bool]
TimedTest = Callable[["Context"], tuple[bool, "datetime | None"]]
"""A compiled condition: a function of the issue, returning a bool."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Final = _Missing()

# Field paths a condition may use, with the kind of value each holds.
# "any" fields (free-form attributes) are type-checked at evaluation only.
FIELD_KINDS: Final[dict[str, str]] = {
    "id": "string",
    "priority": "string",
    "category": "string",
    "status": "string",
    "level": "string",
    "team": "string",
    "assignee": "string",
    "product": "string",
    "language": "string",
    "skills": "set",
    "tags": "set",
    "customer.id": "string",
    "customer.tier": "string",
    "customer.value": "number",
    "customer.account": "string",
}
_MAPPING_ROOTS: Final = ("attributes", "customer.attributes")


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, timedelta):
        return "duration"
    if isinstance(value, (frozenset, set, list, tuple)):
        return "set"
    return type(value).__name__


def _validate_path(path: str) -> str:
    if path in FIELD_KINDS:
        return FIELD_KINDS[path]
    for root in _MAPPING_ROOTS:
        if path.startswith(root + ".") and len(path) > len(root) + 1:
            return "any"
    choices = [*FIELD_KINDS, *(f"{r}.NAME" for r in _MAPPING_ROOTS)]
    raise PolicyError(
        f"unknown field {path!r}; fields are {', '.join(sorted(FIELD_KINDS))}, "
        "attributes.NAME and customer.attributes.NAME",
        value=path,
        suggestion=did_you_mean(path, choices),
    )


def _mapped_getter(root: str, keys: list[str]) -> Callable[[Issue], Any]:
    head = operator.attrgetter(root)

    def get_mapped(issue: Issue) -> Any:
        value: Any = head(issue)
        for key in keys:
            try:
                value = value[key]
            except (KeyError, TypeError, IndexError):
                return MISSING
        return MISSING if value is None else value

    return get_mapped


def _getter(path: str, defaults: Mapping[str, Any] | None = None) -> Callable[[Issue], Any]:
    """Compile a dotted path into a function returning the value or MISSING."""
    for root in _MAPPING_ROOTS:
        if path.startswith(root + "."):
            return _mapped_getter(root, path[len(root) + 1 :].split("."))
    get = operator.attrgetter(path)
    if defaults and path in defaults:
        default = defaults[path]

        def get_or_default(issue: Issue) -> Any:
            value = get(issue)
            return default if value is None else value

        return get_or_default

    def get_attr(issue: Issue) -> Any:
        value = get(issue)
        return MISSING if value is None else value

    return get_attr


class Condition:
    """Base of all conditions; combine them with ``&``, ``|`` and ``~``."""

    __slots__ = ()

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


def _cond(value: object) -> Condition:
    if isinstance(value, Condition):
        return value
    if isinstance(value, Field):
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

_ORDER_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _type_error(path: str, op: str, value: Any, literal: Any) -> FieldTypeError:
    return FieldTypeError(
        f"cannot compare {path} ({_kind(value)} {value!r}) {op} "
        f"{_kind(literal)} {literal!r}; values of different kinds are never coerced",
        field=path,
        value=value,
    )


@attrs.frozen(repr=False)
class Compare(Condition):
    """``field OP literal`` with OP one of ``== != < <= > >=``."""

    path: str
    op: str
    literal: Any

    def __attrs_post_init__(self) -> None:
        if self.op not in ("==", "!=", *_ORDER_OPS):
            raise PolicyError(f"unknown comparison operator {self.op!r}", value=self.op)
        kind = _validate_path(self.path)
        lit_kind = _kind(self.literal)
        if self.literal is None:
            raise PolicyError(
                f"cannot compare {self.path} with None; use F.{self.path}.exists()",
                value=None,
            )
        if kind == "set":
            raise PolicyError(
                f"{self.path} is a set; use F.{self.path}.contains(x)", value=self.literal
            )
        if kind != "any" and lit_kind != kind:
            raise PolicyError(
                f"cannot compare {self.path} ({kind}) {self.op} {lit_kind} {self.literal!r}",
                value=self.literal,
            )

    def fields(self) -> Iterable[str]:
        return (self.path,)

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        get, path, op, literal = _getter(self.path, defaults), self.path, self.op, self.literal
        lit_cls, lit_kind = type(literal), _kind(literal)

        def check_kind(value: Any) -> None:
            if _kind(value) != lit_kind:
                raise _type_error(path, op, value, literal)

        if op in ("==", "!="):
            negate = op == "!="

            def equals(issue: Issue) -> bool:
                value = get(issue)
                if value is MISSING:
                    return negate
                if value.__class__ is not lit_cls:
                    check_kind(value)
                return (value == literal) is not negate

            return equals
        compare = _ORDER_OPS[op]

        def ordered(issue: Issue) -> bool:
            value = get(issue)
            if value is MISSING:
                raise MissingFieldError(
                    f"{path} is missing, so '{path} {op} {literal!r}' cannot be decided; "
                    f"guard it with F.{path}.exists()",
                    field=path,
                )
            if value.__class__ is not lit_cls:
                check_kind(value)
            return compare(value, literal)

        return ordered

    def __repr__(self) -> str:
        return f"F.{self.path} {self.op} {self.literal!r}"


@attrs.frozen(repr=False)
class In(Condition):
    """``field in (a, b, ...)``: false when the field is missing."""

    path: str
    values: tuple[Any, ...] = attrs.field(converter=tuple)

    def __attrs_post_init__(self) -> None:
        kind = _validate_path(self.path)
        if not self.values:
            raise PolicyError(f"{self.path} is tested against an empty list", value=())
        kinds = {_kind(v) for v in self.values}
        if len(kinds) != 1:
            raise PolicyError(
                f"the values tested against {self.path} mix kinds: {sorted(kinds)}",
                value=self.values,
            )
        if kind == "set":
            raise PolicyError(
                f"{self.path} is a set; use F.{self.path}.contains(x)", value=self.values
            )
        if kind != "any" and kinds != {kind}:
            raise PolicyError(
                f"{self.path} holds a {kind}, tested against {kinds.pop()} values "
                f"{list(self.values)!r}",
                value=self.values,
            )

    def fields(self) -> Iterable[str]:
        return (self.path,)

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        get, path = _getter(self.path, defaults), self.path
        members = frozenset(self.values)
        lit_kind = _kind(self.values[0])

        lit_classes = frozenset(type(v) for v in self.values)

        def contained(issue: Issue) -> bool:
            value = get(issue)
            if value is MISSING:
                return False
            if value.__class__ not in lit_classes and _kind(value) != lit_kind:
                raise FieldTypeError(
                    f"cannot test whether {path} ({_kind(value)} {value!r}) is in "
                    f"{list(self.values)!r}; values of different kinds are never coerced",
                    field=path,
                    value=value,
                )
            return value in members

        return contained

    def __repr__(self) -> str:
        return f"F.{self.path}.isin({list(self.values)!r})"


@attrs.frozen(repr=False)
class Contains(Condition):
    """``item in field`` for a set field such as ``tags`` or ``skills``."""

    path: str
    item: str

    def __attrs_post_init__(self) -> None:
        kind = _validate_path(self.path)
        if not isinstance(self.item, str):
            raise PolicyError(
                f"{self.path}.contains() takes a string, got {self.item!r}", value=self.item
            )
        if kind not in ("set", "any"):
            raise PolicyError(
                f"{self.path} holds a {kind}, not a set; use == or isin()", value=self.item
            )

    def fields(self) -> Iterable[str]:
        return (self.path,)

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        get, path, item = _getter(self.path, defaults), self.path, self.item

        def contains(issue: Issue) -> bool:
            value = get(issue)
            if value is MISSING:
                return False
            if not isinstance(value, (frozenset, set, list, tuple)):
                raise FieldTypeError(
                    f"{path} is a {_kind(value)} ({value!r}), not a set, so it cannot "
                    f"contain {item!r}",
                    field=path,
                    value=value,
                )
            return item in value

        return contains

    def __repr__(self) -> str:
        return f"F.{self.path}.contains({self.item!r})"


@attrs.frozen(repr=False)
class Exists(Condition):
    """True when the field is present (not ``None``, key not absent)."""

    path: str

    def __attrs_post_init__(self) -> None:
        _validate_path(self.path)

    def fields(self) -> Iterable[str]:
        return (self.path,)

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        get = _getter(self.path, defaults)
        return lambda issue: get(issue) is not MISSING

    def __repr__(self) -> str:
        return f"F.{self.path}.exists()"


@attrs.frozen(repr=False)
class All(Condition):
    """All of the conditions hold (``a & b``); an empty ``All`` holds."""

    conditions: tuple[Condition, ...]

    def fields(self) -> Iterable[str]:
        return tuple(f for c in self.conditions for f in c.fields())

    @property
    def timed(self) -> bool:
        return any(c.timed for c in self.conditions)

    def compile_timed(self, defaults: Mapping[str, Any] | None = None) -> TimedTest:
        return _combine_timed(self.conditions, defaults, all)

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

    def __repr__(self) -> str:
        if not self.conditions:
            return "all_of()"
        return " & ".join(_paren(c) for c in self.conditions)


@attrs.frozen(repr=False)
class Any_(Condition):
    """At least one of the conditions holds (``a | b``); an empty ``Any_`` does not."""

    conditions: tuple[Condition, ...]

    def fields(self) -> Iterable[str]:
        return tuple(f for c in self.conditions for f in c.fields())

    @property
    def timed(self) -> bool:
        return any(c.timed for c in self.conditions)

    def compile_timed(self, defaults: Mapping[str, Any] | None = None) -> TimedTest:
        return _combine_timed(self.conditions, defaults, any)

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

    def __repr__(self) -> str:
        if not self.conditions:
            return "any_of()"
        return " | ".join(_paren(c) for c in self.conditions)


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


@attrs.frozen(repr=False)
class Predicate(Condition):
    """A named custom test: ``predicate("vip", lambda issue: ...)``.

    The function receives the `Issue` and must return a bool; it must be pure
    (no clock, no I/O) for evaluation to stay deterministic. Two predicates are
    equal when their names and functions are.
    """

    name: str
    test: Callable[[Issue], bool]

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        test, name = self.test, self.name

        def run(issue: Issue) -> bool:
            result = test(issue)
            if not isinstance(result, bool):
                raise FieldTypeError(
                    f"predicate {name!r} returned {result!r}, not a bool",
                    field=name,
                    value=result,
                )
            return result

        return run

    def __repr__(self) -> str:
        return f"predicate({self.name!r})"


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
    wrap = isinstance(c, Compare) or (isinstance(c, (All, Any_)) and len(c.conditions) > 1)
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


def predicate(name: str, test: Callable[[Issue], bool]) -> Predicate:
    """A named custom condition; *test* receives the `Issue` and returns a bool."""
    return Predicate(name, test)


class Field:
    """A reference to an issue field by dotted path; build conditions from it.

    ``F.priority == "P1"``, ``F.customer.tier.isin(["gold", "enterprise"])``,
    ``F.tags.contains("vip")``, ``F.attributes.refund.exists()``.
    """

    __slots__ = ("_path",)

    def __init__(self, path: str) -> None:
        self._path = path

    @property
    def path(self) -> str:
        """The dotted path, e.g. ``"customer.tier"``."""
        return self._path

    def __getattr__(self, name: str) -> Field:
        if name.startswith("__"):
            raise AttributeError(name)
        return Field(f"{self._path}.{name}")

    def __repr__(self) -> str:
        return f"F.{self._path}"

    def __hash__(self) -> int:
        return hash(("Field", self._path))

    def __eq__(self, literal: object) -> Compare:  # type: ignore[override]
        return Compare(self._path, "==", literal)

    def __ne__(self, literal: object) -> Compare:  # type: ignore[override]
        return Compare(self._path, "!=", literal)

    def __lt__(self, literal: object) -> Compare:
        return Compare(self._path, "<", literal)

    def __le__(self, literal: object) -> Compare:
        return Compare(self._path, "<=", literal)

    def __gt__(self, literal: object) -> Compare:
        return Compare(self._path, ">", literal)

    def __ge__(self, literal: object) -> Compare:
        return Compare(self._path, ">=", literal)

    def isin(self, values: Iterable[Any]) -> In:
        """The field's value is one of *values*."""
        if isinstance(values, str):
            raise TypeError(f"isin() takes a list of values, not the string {values!r}")
        return In(self._path, tuple(values))

    def contains(self, item: str) -> Contains:
        """The set field (``tags``, ``skills``) contains *item*."""
        return Contains(self._path, item)

    def exists(self) -> Exists:
        """The field is present: not ``None`` and, for attributes, the key is there."""
        return Exists(self._path)

    def __bool__(self) -> bool:
        raise TypeError(
            f"{self!r} has no truth value; write a comparison or {self!r}.exists(), "
            "and combine conditions with &, | and ~ rather than and, or, not"
        )


class _FieldRoot:
    __slots__ = ()

    def __getattr__(self, name: str) -> Field:
        if name.startswith("__"):
            raise AttributeError(name)
        return Field(name)

    def __repr__(self) -> str:
        return "F"


F: Final = _FieldRoot()
"""Field references for conditions: ``F.priority``, ``F.customer.tier``, ..."""


def field(path: str) -> Field:
    """A field reference from a dotted path string, e.g. ``field("customer.tier")``."""
    return Field(path)
