"""Parameters of a policy file: the ``[parameters]`` table and ``"$name"`` references.

A policy file may declare ``[parameters]``: names with default values (a string, a number
or a boolean). Anywhere else in such a file, a string that is exactly ``"$name"`` stands for
that parameter's value, and a string starting ``"$$"`` for itself less the first ``$``. A
file without ``[parameters]`` is read as it is: what `dump` writes reads back the same.
Substitution happens on the parsed data, before the policy is built, so every check of
the reader applies to the substituted values; an error in a substituted value is placed
at the reference.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from typing import Final

from .._exceptions import PolicyError
from .._suggest import did_you_mean
from .locator import Path_
from .shapes import Shapes, kind_of_value, shown

Scalar = str | int | float | bool
"""A parameter's value: what a TOML string, number or boolean reads as."""

MAX_PARAMETERS: Final = 100
"""The most parameters a policy file may declare."""

MAX_NAME: Final = 64
"""The longest parameter name."""

MAX_DEPTH: Final = 64
"""How deeply tables and lists nest for substitution (a policy needs far fewer)."""

NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
"""A parameter name: letters, digits and underscores, not starting with a digit."""

_REFERENCE: Final = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\Z")

TABLE: Final = "parameters"
"""The top-level key of the parameters table."""


def is_reference(value: object) -> bool:
    """Is *value* a ``"$name"`` reference?"""
    return isinstance(value, str) and _REFERENCE.match(value) is not None


def declared(shapes: Shapes, data: object) -> dict[str, Scalar]:
    """The parameters the dict form *data* declares, and their values (checked)."""
    if not isinstance(data, Mapping) or TABLE not in data:
        return {}
    table = shapes.mapping(data[TABLE], (TABLE,))
    if len(table) > MAX_PARAMETERS:
        raise shapes.error(
            (TABLE,),
            f"{len(table)} parameters; a policy may have at most {MAX_PARAMETERS}",
            value=len(table),
        )
    for name, value in table.items():
        check_name(shapes, name, (TABLE, name))
        check_value(shapes, value, (TABLE, name))
    return table


def check_name(shapes: Shapes, name: str, path: Path_) -> None:
    """Refuse a parameter name that is not an identifier of at most `MAX_NAME` characters."""
    if NAME.match(name) is None or len(name) > MAX_NAME:
        raise shapes.error(
            path,
            f"the parameter name {shown(name)} is not a name: letters, digits and '_', "
            f"not starting with a digit, at most {MAX_NAME} characters",
            value=name,
            expected="a name such as l1_limit",
        )


def check_value(shapes: Shapes, value: object, path: Path_) -> None:
    """Refuse a parameter value that is not a string, a number or a boolean."""
    if not isinstance(value, str | int | float | bool):
        raise shapes.error(
            path,
            f"a parameter's value is a string, a number or a boolean, got {kind_of_value(value)}",
            value=value,
            expected="a string, a number or a boolean",
        )


def values(
    shapes: Shapes, defaults: Mapping[str, Scalar], overrides: Mapping[str, object] | None
) -> dict[str, Scalar]:
    """The parameters' values: *defaults*, with *overrides* (names checked) in their place."""
    out = dict(defaults)
    if overrides is None:
        return out
    if not isinstance(overrides, Mapping):
        raise PolicyError(
            f"parameters must be a mapping of names to values, got {kind_of_value(overrides)}",
            where=shapes.source,
            value=overrides,
        )
    for name, value in overrides.items():
        if name not in defaults:
            raise unknown_parameter(name, defaults, shapes.source, "parameters")
        if not isinstance(value, str | int | float | bool):
            raise PolicyError(
                f"the parameter {name!r} must be a string, a number or a boolean, "
                f"got {kind_of_value(value)}",
                where="parameters",
                value=value,
            )
        out[name] = value
    return out


def resolve(
    shapes: Shapes, data: object, overrides: Mapping[str, object] | None
) -> tuple[object, dict[Path_, str]]:
    """*data* with every ``"$name"`` replaced by the parameter's value (and ``"$$"`` by
    ``"$"``), and the path of each reference -> the parameter's name. The ``[parameters]``
    table itself is left as it is.

    Only data with a ``[parameters]`` table is substituted: a policy without one (every
    file written before parameters, and all that `dump` and `to_dict` write) reads as it
    always did, ``$`` and all.
    """
    if not isinstance(data, Mapping) or TABLE not in data:
        values(shapes, {}, overrides)  # any override names a parameter there is not
        return data, {}
    given = values(shapes, declared(shapes, data), overrides)
    references: dict[Path_, str] = {}
    out = {
        key: item if key == TABLE else _substitute(shapes, item, (key,), given, references, 1)
        for key, item in data.items()
    }
    return out, references


def _substitute(
    shapes: Shapes,
    value: object,
    path: Path_,
    given: Mapping[str, Scalar],
    references: dict[Path_, str],
    depth: int,
) -> object:
    if isinstance(value, str):
        if not value.startswith("$"):
            return value
        if value.startswith("$$"):
            return value[1:]
        match = _REFERENCE.match(value)
        if match is None:
            return value
        name = match.group(1)
        if name not in given:
            known = sorted(given)
            raise shapes.error(
                path,
                f"unknown parameter {value!r}; "
                + (f"the parameters are {known}" if known else "[parameters] is empty"),
                value=value,
                suggestion=_suggested(name, known),
            )
        references[path] = name
        return given[name]
    if depth > MAX_DEPTH:
        raise shapes.error(path, f"tables and lists nest deeper than {MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        return {
            k: _substitute(shapes, v, (*path, k), given, references, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _substitute(shapes, v, (*path, i), given, references, depth + 1)
            for i, v in enumerate(value)
        ]
    return value


def unknown_parameter(
    name: object, declared: Mapping[str, object], owner: str, where: str
) -> PolicyError:
    """The error for a parameter *name* the policy (*owner*) does not declare, placed at
    *where*: the names it does declare, and the closest one."""
    known = sorted(declared)
    return PolicyError(
        f"{owner} has no parameter {shown(name)}; "
        + (f"its parameters are {known}" if known else "it declares no [parameters]"),
        where=where,
        value=name,
        suggestion=did_you_mean(str(name), known),
    )


def _suggested(name: str, known: list[str]) -> str | None:
    found = did_you_mean(name, known)
    return None if found is None else f"${found}"


def is_policy_text(text_or_path: object) -> bool:
    """Is *text_or_path* policy text (a str with a newline or an ``=``), not a path?"""
    return isinstance(text_or_path, str) and ("\n" in text_or_path or "=" in text_or_path)


def as_path(text_or_path: object) -> str | os.PathLike[str]:
    """*text_or_path* as a path, or a `PolicyError` if it is neither a str nor a path."""
    if isinstance(text_or_path, str | os.PathLike):
        return text_or_path
    raise PolicyError(
        f"expected policy text or a path, got {type(text_or_path).__name__}", value=text_or_path
    )


def unused_parameters(text: str) -> list[str]:
    """The parameters the policy *text* declares but never refers to (for the linter; the
    text is one that loads)."""
    data = tomllib.loads(text)
    table = data.get(TABLE)
    if not isinstance(table, Mapping):
        return []
    used: set[str] = set()
    _references(data, used, 0, top=True)
    return [name for name in table if name not in used]


def _references(value: object, used: set[str], depth: int, *, top: bool = False) -> None:
    if isinstance(value, str):
        match = _REFERENCE.match(value)
        if match is not None:
            used.add(match.group(1))
    elif depth <= MAX_DEPTH and isinstance(value, Mapping):
        for key, item in value.items():
            if not (top and key == TABLE):
                _references(item, used, depth + 1)
    elif depth <= MAX_DEPTH and isinstance(value, list):
        for item in value:
            _references(item, used, depth + 1)
