"""Conditions on one field: comparisons, membership, containment, existence, predicates."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Set
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs

from .._exceptions import FieldTypeError, IssueError, MissingFieldError, PolicyError
from .._model.events import frozen_value
from .condition import Condition, Test
from .paths import MISSING, field_getter, validate_path, value_kind

if TYPE_CHECKING:
    from .._model.issue import Issue

_ORDER_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _in_values(value: Iterable[Any]) -> tuple[Any, ...]:
    """The values in their order; a set's sorted, so that the condition (its repr, its text,
    a policy's derived version) does not depend on the process's string hashing."""
    if isinstance(value, Set):
        try:
            return tuple(sorted(value))
        except TypeError:  # kinds that do not order: refused by In itself
            pass
    return tuple(value)


def _frozen_literal(value: Any) -> Any:
    try:
        return frozen_value(value)
    except IssueError as exc:
        raise PolicyError(f"a compared value: {exc.message}", value=value) from None


def _type_error(path: str, op: str, value: Any, literal: Any) -> FieldTypeError:
    return FieldTypeError(
        f"cannot compare {path} ({value_kind(value)} {value!r}) {op} "
        f"{value_kind(literal)} {literal!r}; values of different kinds are never coerced",
        field=path,
        value=value,
    )


@attrs.frozen(repr=False)
class Compare(Condition):
    """``field OP literal`` with OP one of ``== != < <= > >=``."""

    _parenthesized: ClassVar[bool] = True
    path: str
    op: str
    # Frozen as issue attributes are (a list as a tuple), so that a list attribute equals a
    # list literal, and the condition cannot change after it is built.
    literal: Any = attrs.field(converter=_frozen_literal)

    def __attrs_post_init__(self) -> None:
        if self.op not in ("==", "!=", *_ORDER_OPS):
            raise PolicyError(f"unknown comparison operator {self.op!r}", value=self.op)
        kind = validate_path(self.path)
        lit_kind = value_kind(self.literal)
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
        get, path, op, literal = field_getter(self.path, defaults), self.path, self.op, self.literal
        lit_cls, lit_kind = type(literal), value_kind(literal)

        def check_kind(value: Any) -> None:
            if value_kind(value) != lit_kind:
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
    values: tuple[Any, ...] = attrs.field(converter=_in_values)

    def __attrs_post_init__(self) -> None:
        kind = validate_path(self.path)
        if not self.values:
            raise PolicyError(f"{self.path} is tested against an empty list", value=())
        kinds = {value_kind(v) for v in self.values}
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
        get, path = field_getter(self.path, defaults), self.path
        members = frozenset(self.values)
        lit_kind = value_kind(self.values[0])

        lit_classes = frozenset(type(v) for v in self.values)

        def contained(issue: Issue) -> bool:
            value = get(issue)
            if value is MISSING:
                return False
            if value.__class__ not in lit_classes and value_kind(value) != lit_kind:
                raise FieldTypeError(
                    f"cannot test whether {path} ({value_kind(value)} {value!r}) is in "
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
        kind = validate_path(self.path)
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
        get, path, item = field_getter(self.path, defaults), self.path, self.item

        def contains(issue: Issue) -> bool:
            value = get(issue)
            if value is MISSING:
                return False
            if not isinstance(value, (frozenset, set, list, tuple)):
                raise FieldTypeError(
                    f"{path} is a {value_kind(value)} ({value!r}), not a set, so it cannot "
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
        validate_path(self.path)

    def fields(self) -> Iterable[str]:
        return (self.path,)

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        get = field_getter(self.path, defaults)
        return lambda issue: get(issue) is not MISSING

    def __repr__(self) -> str:
        return f"F.{self.path}.exists()"


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


def predicate(name: str, test: Callable[[Issue], bool]) -> Predicate:
    """A named custom condition; *test* receives the `Issue` and returns a bool."""
    return Predicate(name, test)
