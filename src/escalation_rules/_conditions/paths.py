"""Field paths: which parts of an issue a condition may read, and reading them."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from .._exceptions import PolicyError
from .._suggest import did_you_mean

if TYPE_CHECKING:
    from .._model.issue import Issue


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

MAPPING_ROOTS: Final = ("attributes", "customer.attributes")


def value_kind(value: object) -> str:
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
    if isinstance(value, dict):  # a frozen mapping too
        return "dict"
    return type(value).__name__


def validate_path(path: str) -> str:
    if path in FIELD_KINDS:
        return FIELD_KINDS[path]
    for root in MAPPING_ROOTS:
        if path.startswith(root + ".") and len(path) > len(root) + 1:
            return "any"
    choices = [*FIELD_KINDS, *(f"{r}.NAME" for r in MAPPING_ROOTS)]
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


def field_getter(path: str, defaults: Mapping[str, Any] | None = None) -> Callable[[Issue], Any]:
    """Compile a dotted path into a function returning the value or MISSING."""
    for root in MAPPING_ROOTS:
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
