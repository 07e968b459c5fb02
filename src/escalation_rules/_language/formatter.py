"""A condition written back as text the parser reads to an equal condition."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

from .._conditions.compare import Compare, Contains, Exists, In, Predicate
from .._conditions.condition import All, Any_, Condition, Const, Not
from .._durations import MAX_NUMBER_LENGTH, format_duration, quote
from .._exceptions import PolicyError
from .functions import TextForm
from .lexer import KEYWORDS
from .parser import MAX_DEPTH, MAX_EXPRESSION_LENGTH, MAX_LIST_ITEMS

_PATH_TEXT = re.compile(r"[^\W\d]\w*(?:\.\w+)*")


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        text = int.__repr__(value)
        if len(text) <= MAX_NUMBER_LENGTH:
            return text
    elif isinstance(value, float):
        if math.isfinite(value):
            return float.__repr__(value)
    elif isinstance(value, str):
        return quote(value)
    elif isinstance(value, timedelta):
        return format_duration(value)
    raise PolicyError(
        f"the value {value!r} has no text form: the language has strings, whole numbers "
        f"of up to {MAX_NUMBER_LENGTH} digits, finite decimals, true, false and durations",
        value=value,
    )


def _path_text(path: str) -> str:
    if _PATH_TEXT.fullmatch(path) is None or path.split(".")[0] in KEYWORDS:
        raise PolicyError(
            f"the field path {path!r} has no text form: each name in a path is made of "
            "letters, digits and '_'",
            value=path,
        )
    return path


def _list_text(values: tuple[Any, ...]) -> str:
    if len(values) > MAX_LIST_ITEMS:
        raise PolicyError(
            f"a list of {len(values):,} values has no text form; the limit is {MAX_LIST_ITEMS:,}",
            value=len(values),
        )
    return f"[{', '.join(_value_text(v) for v in values)}]"


def _format(condition: Condition, depth: int, context: str) -> str:
    """*condition* as text at nesting *depth*, inside ``top``, ``and``, ``or`` or ``not``."""
    # all_of()/any_of() never build a group of one; write what it means, without recursing.
    while isinstance(condition, (All, Any_)) and len(condition.conditions) == 1:
        condition = condition.conditions[0]
    if isinstance(condition, Const):
        return "true" if condition.value else "false"
    if isinstance(condition, Compare):
        return f"{_path_text(condition.path)} {condition.op} {_value_text(condition.literal)}"
    if isinstance(condition, In):
        return f"{_path_text(condition.path)} in {_list_text(condition.values)}"
    if isinstance(condition, Contains):
        return f"{_path_text(condition.path)} contains {quote(condition.item)}"
    if isinstance(condition, Exists):
        return f"exists({_path_text(condition.path)})"
    if isinstance(condition, Not):
        inner = condition.condition
        if isinstance(inner, In):
            return f"{_path_text(inner.path)} not in {_list_text(inner.values)}"
        _format_depth(depth + 1, condition)
        return f"not {_format(inner, depth + 1, 'not')}"
    if isinstance(condition, (All, Any_)):
        parts = condition.conditions
        if not parts:  # what an empty group means
            return "true" if isinstance(condition, All) else "false"
        word = "and" if isinstance(condition, All) else "or"
        if context == "top":
            return f" {word} ".join(_format(c, depth, word) for c in parts)
        # Parenthesise every group inside another, even where precedence would not
        # need it: "a or (b and c)" is what a reader expects.
        _format_depth(depth + 1, condition)
        return f"({f' {word} '.join(_format(c, depth + 1, word) for c in parts)})"
    if isinstance(condition, Predicate):
        raise PolicyError(
            f"the condition predicate({condition.name!r}) wraps a Python function and has no "
            "text form; register a function with the parser, or keep this rule in Python",
            value=condition,
        )
    if isinstance(condition, TextForm):
        return condition.expr_text()
    raise PolicyError(f"the condition {condition!r} has no text form", value=condition)


def _format_depth(depth: int, condition: Condition) -> None:
    if depth > MAX_DEPTH:
        raise PolicyError(
            f"the condition is nested more than {MAX_DEPTH} levels deep, which the parser "
            "refuses, so it has no text form",
            value=condition,
        )


def format_condition(condition: Condition) -> str:
    """Write *condition* in the condition language.

    ``parse_condition(format_condition(c)) == c`` for every condition built with ``F``,
    ``&``, ``|``, ``~``, `all_of` and `any_of`. An ``All``/``Any_`` built by hand that those
    would have flattened comes back flattened (an equivalent condition), an empty one as
    ``true``/``false``. Groups inside groups are parenthesised.

    Raises:
        PolicyError: for a condition with no text form: a `predicate` (a Python function),
            a value the language cannot write (a datetime, NaN, a sub-second duration), a
            field path with characters other than letters, digits and ``_``, or a condition
            beyond the parser's bounds (nesting, list size, length).
    """
    if not isinstance(condition, Condition):
        raise PolicyError(f"expected a Condition, got {condition!r}", value=condition)
    text = _format(condition, 0, "top")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise PolicyError(
            f"the condition's text is {len(text):,} characters long, over the parser's limit "
            f"of {MAX_EXPRESSION_LENGTH:,}",
            value=condition,
        )
    return text
