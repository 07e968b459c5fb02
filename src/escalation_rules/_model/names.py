"""Text to an enum member: the one converter, with a "did you mean" for a misspelt name."""

from __future__ import annotations

import enum
from typing import TypeVar

from .._exceptions import EscalationRulesError, PolicyError
from .._suggest import did_you_mean

E = TypeVar("E", bound=enum.Enum)


def to_enum(
    cls: type[E],
    value: object,
    message: str,
    error: type[EscalationRulesError] = PolicyError,
) -> E:
    """*value* (a member of *cls*, or a member's value) as that member.

    Anything else raises *error* with *message* (formatted with ``value`` and ``names``,
    the members' values) and the closest member's value as its suggestion.
    """
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        names = [member.value for member in cls]
        raise error(
            message.format(value=value, names=names),
            value=value,
            suggestion=did_you_mean(str(value), names),
        ) from None
