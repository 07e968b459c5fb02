"""The ``F`` DSL: ``F.priority == "P1"`` builds a condition."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from .compare import Compare, Contains, Exists, In
from .condition import FieldReference


class Field(FieldReference):
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
        return In(self._path, values)  # a set's values sorted (In)

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
