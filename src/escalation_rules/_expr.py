"""The condition language of policy files: text in, the condition objects of the Python DSL out.

``parse_condition('priority in ["P1", "P2"] and customer.tier == "enterprise"')`` returns
``F.priority.isin(["P1", "P2"]) & (F.customer.tier == "enterprise")``, and
`format_condition` writes a condition back as text. The parser is hand-written (a lexer
and a recursive-descent parser): there is no ``eval``, no attribute access on host objects
and no way to run code. Untrusted text is bounded: at most `MAX_EXPRESSION_LENGTH`
characters, `MAX_DEPTH` levels of parentheses and ``not``, `MAX_LIST_ITEMS` values in a
list; the depth is checked *before* the parser recurses, so no input reaches Python's
recursion limit. Every mistake raises `PolicySyntaxError` with its line and column.

Grammar (EBNF; keywords are lower case and reserved, ``{ }`` repeats, ``[ ]`` is optional)::

    condition  = or_expr END ;
    or_expr    = and_expr { "or" and_expr } ;
    and_expr   = not_expr { "and" not_expr } ;
    not_expr   = { "not" } atom ;
    atom       = "true" | "false"                         (* ALWAYS, NEVER *)
               | "(" or_expr ")"
               | call [ compare_op value ]                (* see "Functions" *)
               | path compare_op value
               | path [ "not" ] "in" list
               | path "contains" STRING ;
    call       = NAME "(" [ arg { "," arg } [ "," ] ] ")" ;
    arg        = path | value | list ;
    list       = "[" [ value { "," value } [ "," ] ] "]" ;
    value      = STRING | [ "-" ] NUMBER | DURATION [ "business" ] | "true" | "false" ;
    compare_op = "==" | "!=" | "<" | "<=" | ">" | ">=" ;
    path       = NAME { "." SEGMENT } ;                   (* customer.tier, attributes.refund *)
    STRING     = '"' chars '"' | "'" chars "'" ;          (* escapes: \\" \\' \\\\ \\n \\t *)
    NUMBER     = DIGITS [ "." DIGITS ] [ ( "e" | "E" ) [ "+" | "-" ] DIGITS ] ;
    DURATION   = DIGITS UNIT { DIGITS UNIT } ;            (* UNIT: w d h m s, largest first *)

``not`` binds tighter than ``and``, which binds tighter than ``or``; a comparison binds
tighter than all three, so ``not priority == "P1"`` is ``~(F.priority == "P1")``.

Functions:
    A call is looked up in a registry (`FUNCTIONS` by default; pass ``functions=`` to
    `parse_condition` to add more). A `Function` receives the parsed `Call` (its name and
    `Arg` nodes, and ``call.error(...)`` to raise an error located in the text) and returns
    either a `Condition` (``exists(customer.tier)``) or an `Operand`: an object with a
    ``compare(op, value)`` method, which makes the call usable on the left of a comparison.
    That is the extension point for time functions: ``since("customer_message") > 4h``
    parses the call, gets an operand, then calls ``operand.compare(">", Arg(duration 4h))``.
    A plain `PolicyError` raised by a function or by ``compare`` is reported at the call or
    the operator. A condition class the built-in formatter does not know can give its text
    form through an ``expr_text()`` method (see `TextForm`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from ._conditions import (
    _MAPPING_ROOTS,
    ALWAYS,
    FIELD_KINDS,
    NEVER,
    All,
    Any_,
    Compare,
    Condition,
    Const,
    Contains,
    Exists,
    In,
    Not,
    Predicate,
    _validate_path,
    all_of,
    any_of,
)
from ._exceptions import PolicyError, PolicySyntaxError, _suffix, did_you_mean

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_DURATION",
    "MAX_EXPRESSION_LENGTH",
    "MAX_LIST_ITEMS",
    "Arg",
    "Call",
    "Function",
    "Operand",
    "TextForm",
    "format_condition",
    "format_duration",
    "format_percent",
    "parse_condition",
    "parse_duration",
    "parse_percent",
]

MAX_EXPRESSION_LENGTH: Final = 10_000
"""The longest condition text accepted, in characters."""
MAX_DEPTH: Final = 64
"""The deepest nesting accepted: each ``(`` and each ``not`` opens one level."""
MAX_LIST_ITEMS: Final = 1_000
"""The most values a list literal may hold."""
MAX_DURATION: Final = timedelta(days=36_525)
"""The longest duration accepted (100 years of 365.25 days)."""
_MAX_NUMBER_LENGTH: Final = 64  # characters of one number literal; keeps int() cheap and bounded

# ---------------------------------------------------------------- names

_KEYWORDS: Final = frozenset({"and", "or", "not", "in", "contains", "true", "false"})
_FIELD_ROOTS: Final = tuple(
    sorted({p.split(".")[0] for p in FIELD_KINDS} | {r.split(".")[0] for r in _MAPPING_ROOTS})
)
_CUSTOMER_FIELDS: Final = tuple(
    sorted(
        {p for p in FIELD_KINDS if p.startswith("customer.")}
        | {r for r in _MAPPING_ROOTS if r.startswith("customer.")}
    )
)
_OPERATORS: Final = ("==", "!=", "<", "<=", ">", ">=")
# Spellings from other languages, and the word they mean here.
_FOREIGN: Final = {
    "=": "==",
    "<>": "!=",
    "is": "==",
    "equals": "==",
    "&&": "and",
    "&": "and",
    "||": "or",
    "|": "or",
    "!": "not",
    "~": "not",
}

# ---------------------------------------------------------------- durations and percentages

_UNITS: Final = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_UNIT_ORDER: Final = "wdhms"
_DURATION_PART = re.compile(r"([0-9]+)([a-zA-Z]+)")
_DURATION_HINT: Final = "durations are written like 90s, 30m, 8h, 2d, 1w or 1h30m"
# Unit words people write, and the unit they mean ("ms" and "mo" have no unit here).
_UNIT_WORDS: Final = {
    **dict.fromkeys(("sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "m"),
    **dict.fromkeys(("hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("day", "days"), "d"),
    **dict.fromkeys(("wk", "wks", "week", "weeks"), "w"),
    **{u: u.lower() for u in "WDHMS"},
}


def _duration_value(text: str) -> timedelta:
    """A wall-clock duration literal (``1h30m``) as a timedelta; PolicyError if malformed."""
    seconds, pos, last = 0, 0, -1
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if m is None:
            raise PolicyError(f"invalid duration {text!r}; {_DURATION_HINT}", value=text)
        digits, unit = m.groups()
        if unit not in _UNITS:
            raise PolicyError(
                f"unknown unit {unit!r} in the duration {text!r}; the units are w, d, h, m and s",
                value=text,
                suggestion=_UNIT_WORDS.get(unit),
            )
        order = _UNIT_ORDER.index(unit)
        if order <= last:
            raise PolicyError(
                f"the units of the duration {text!r} must go from largest to smallest, "
                "each at most once, like 1h30m",
                value=text,
            )
        if len(digits) > 15:
            raise PolicyError(f"the duration {text!r} is longer than 100 years", value=text)
        seconds += int(digits) * _UNITS[unit]
        pos, last = m.end(), order
    if seconds > MAX_DURATION.days * 86_400:
        raise PolicyError(f"the duration {text!r} is longer than 100 years", value=text)
    return timedelta(seconds=seconds)


def parse_duration(text: str) -> tuple[timedelta, bool]:
    """Parse ``"30m"``, ``"1h30m"`` or ``"8h business"`` into ``(duration, is_business)``.

    Units are ``w`` (7 days), ``d`` (24 hours), ``h``, ``m`` and ``s``, in that order, each at
    most once, in whole numbers; zero is allowed; at most `MAX_DURATION`.

    Raises:
        PolicyError: for anything else, quoting *text* (an empty string, a sign, a decimal,
            an unknown unit, spaces inside the duration, a duration over 100 years).
    """
    if not isinstance(text, str):
        raise PolicyError(f"a duration must be a string like '8h', got {text!r}", value=text)
    parts = text.split()
    business = len(parts) == 2 and parts[1] == "business"
    if len(parts) == 1 or business:
        stripped = parts[0]
        if stripped.startswith("-"):
            raise PolicyError(f"a duration cannot be negative, got {text!r}", value=text)
        if re.fullmatch(r"[0-9]+\.[0-9]+[a-zA-Z]+", stripped):
            raise PolicyError(
                f"invalid duration {text!r}: durations are whole numbers of units; "
                "write 1h30m rather than 1.5h",
                value=text,
            )
        return _duration_value(stripped), business
    if not parts:
        raise PolicyError(f"empty duration; {_DURATION_HINT}", value=text)
    if len(parts) == 2:  # the second part is not "business": that returned above
        raise PolicyError(
            f"invalid duration {text!r}; write the units together (1h30m) and only the word "
            "'business' after them",
            value=text,
            suggestion=did_you_mean(parts[1], ["business"]),
        )
    raise PolicyError(f"invalid duration {text!r}; {_DURATION_HINT}", value=text)


def format_duration(duration: timedelta, *, business: bool = False) -> str:
    """Write *duration* as `parse_duration` reads it: ``timedelta(minutes=90)`` -> ``"1h30m"``.

    Raises:
        PolicyError: for a negative duration, one with a fraction of a second, or one over
            `MAX_DURATION`.
    """
    if not isinstance(duration, timedelta):
        raise PolicyError(f"expected a timedelta, got {duration!r}", value=duration)
    if duration < timedelta(0) or duration > MAX_DURATION or duration.microseconds:
        raise PolicyError(
            f"the duration {duration} has no text form: durations are whole seconds "
            "from 0 to 100 years",
            value=duration,
        )
    left = duration.days * 86_400 + duration.seconds
    parts = []
    for unit in _UNIT_ORDER:
        count, left = divmod(left, _UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    text = "".join(parts) or "0s"
    return f"{text} business" if business else text


_PERCENT = re.compile(r"([0-9]+(?:\.[0-9]+)?)%")


def parse_percent(text: str) -> float:
    """Parse ``"75%"`` into ``0.75`` (``"12.5%"`` into ``0.125``); from 0% to 10000%.

    Raises:
        PolicyError: for a string that is not a non-negative number followed by ``%``.
    """
    if not isinstance(text, str):
        raise PolicyError(f"a percentage must be a string like '75%', got {text!r}", value=text)
    stripped = text.strip()
    m = _PERCENT.fullmatch(stripped)
    if m is None or len(stripped) > _MAX_NUMBER_LENGTH:
        if stripped.startswith("-"):
            raise PolicyError(f"a percentage cannot be negative, got {text!r}", value=text)
        raise PolicyError(
            f"invalid percentage {text!r}; write a number followed by %, like 75% or 12.5%",
            value=text,
        )
    share = Decimal(m.group(1)) / 100
    if share > 100:
        raise PolicyError(f"the percentage {text!r} is over 10000%", value=text)
    return float(share)


def format_percent(share: float) -> str:
    """Write *share* as `parse_percent` reads it, exactly: ``0.75`` -> ``"75%"``.

    Raises:
        PolicyError: for a share that is not a number from 0 to 100.
    """
    if (
        isinstance(share, bool)
        or not isinstance(share, (int, float))
        or not math.isfinite(share)
        or not 0 <= share <= 100
    ):
        raise PolicyError(f"a share must be a number from 0 to 100, got {share!r}", value=share)
    # repr is the shortest text that reads back as the same float; scaling it by 100 in
    # decimal is exact, and parse_percent divides back in decimal.
    # (abs: -0.0 is a share of 0 and is written "0%", which reads back.)
    text = format((Decimal(repr(abs(float(share)))) * 100).normalize(), "f") + "%"
    if len(text) > _MAX_NUMBER_LENGTH:
        raise PolicyError(
            f"the share {share!r} has no exact text form as a percentage", value=share
        )
    return text


# ---------------------------------------------------------------- the extension point


@attrs.frozen
class Arg:
    """One parsed argument of a function call, or the value right of a comparison.

    Attributes:
        kind: ``"path"`` (a bare dotted name, not yet checked as a field), ``"string"``,
            ``"number"``, ``"boolean"``, ``"duration"`` or ``"list"``.
        value: the path text, or the Python value (``str``, ``int``/``float``, ``bool``,
            ``timedelta``, or a tuple of those for a list).
        start: the offset of the argument in the condition text (for located errors).
        business: for a duration, whether it was written ``... business``.
    """

    kind: str
    value: Any
    start: int
    business: bool = False


class Call:
    """A function call met by the parser: what a `Function` receives.

    Attributes:
        name: the function's name.
        args: the parsed arguments.
        start: the offset of the name in the condition text.
    """

    __slots__ = ("_parser", "args", "name", "start")

    def __init__(self, parser: _Parser, name: str, args: tuple[Arg, ...], start: int) -> None:
        self._parser = parser
        self.name = name
        self.args = args
        self.start = start

    def error(
        self,
        message: str,
        *,
        at: Arg | None = None,
        expected: str | None = None,
        suggestion: str | None = None,
    ) -> PolicySyntaxError:
        """A `PolicySyntaxError` located at argument *at* (default: the function's name)."""
        return self._parser.error(
            message,
            self.start if at is None else at.start,
            expected=expected,
            suggestion=suggestion,
            value=None if at is None else at.value,
        )

    def expect_arity(self, count: int) -> None:
        """Raise a located error unless the call has exactly *count* arguments."""
        if len(self.args) != count:
            plural = "" if count == 1 else "s"
            raise self.error(
                f"{self.name}() takes {count} argument{plural}, got {len(self.args)}",
                expected=f"{count} argument{plural}",
            )

    def field(self, index: int) -> str:
        """Argument *index* as a field path, checked like a path in a comparison."""
        arg = self.args[index]
        if arg.kind != "path":
            hint = f"; write {self.name}({arg.value})" if arg.kind == "string" else ""
            raise self.error(
                f"{self.name}() takes a field such as customer.tier, not a {arg.kind}{hint}",
                at=arg,
                expected="a field",
            )
        return self._parser.field_path(arg.value, arg.start)[0]

    def string(self, index: int) -> str:
        """Argument *index* as a string literal."""
        arg = self.args[index]
        if arg.kind != "string":
            raise self.error(
                f"{self.name}() takes a string in quotes, got a {arg.kind}",
                at=arg,
                expected="a string",
            )
        value: str = arg.value
        return value


@runtime_checkable
class Operand(Protocol):
    """What a function returns to stand on the left of a comparison (``since(x) > 4h``)."""

    def compare(self, op: str, value: Arg) -> Condition:
        """The condition ``<this operand> op value``; *op* is one of ``== != < <= > >=``."""
        ...


Function = Callable[[Call], Condition | Operand]
"""A named function of the language: receives the parsed `Call`, returns a condition or operand."""


@runtime_checkable
class TextForm(Protocol):
    """A condition class outside this module that can write itself in the language."""

    def expr_text(self) -> str:
        """This condition as text that `parse_condition` reads back as an equal condition."""
        ...


def _exists(call: Call) -> Condition:
    call.expect_arity(1)
    return Exists(call.field(0))


def _has_tag(call: Call) -> Condition:
    call.expect_arity(1)
    return Contains("tags", call.string(0))


def _has_skill(call: Call) -> Condition:
    call.expect_arity(1)
    return Contains("skills", call.string(0))


class _TimeOperand:
    """``since(event)`` or ``clock_elapsed(clock)`` on the left of a comparison."""

    __slots__ = ("build", "business_ok", "call", "what")

    def __init__(
        self, call: Call, what: str, build: Callable[[str, Any], Condition], business_ok: bool
    ) -> None:
        self.call, self.what, self.build, self.business_ok = call, what, build, business_ok

    def compare(self, op: str, value: Arg) -> Condition:
        if value.kind != "duration":
            raise self.call.error(
                f"{self.what} is compared with a duration such as 4h, not a {value.kind}",
                at=value,
                expected="a duration",
            )
        if op in ("==", "!="):
            raise self.call.error(
                f"{self.what} is compared with <, <=, > or >=, not {op}", expected="<, <=, > or >="
            )
        if value.business != self.business_ok and self.what.startswith("since"):
            if value.business:
                raise self.call.error(
                    "since() counts on the policy's clock, which is wall-clock time here; "
                    "drop 'business' (or give the policy a business clock)",
                    at=value,
                )
            raise self.call.error(
                "since() counts on the policy's business clock here; write the duration "
                "as '... business'",
                at=value,
            )
        return self.build(op, value.value)


def _anchor_arg(call: Call) -> str:
    from ._context import to_anchor

    call.expect_arity(1)
    name = call.string(0)
    try:
        return to_anchor(name).value
    except PolicyError as exc:
        message = str(exc).removesuffix(_suffix(exc.suggestion))
        raise call.error(message, at=call.args[0], suggestion=exc.suggestion) from None


def _since(business: bool) -> Function:
    def since(call: Call) -> Operand:
        from ._timed import Since

        anchor = _anchor_arg(call)
        return _TimeOperand(
            call,
            f"since({anchor!r})",
            lambda op, d: Since(anchor, op, d, business=business),
            business,
        )

    return since


def _happened(call: Call) -> Condition:
    from ._timed import Happened

    return Happened(_anchor_arg(call))


def _clock_elapsed(call: Call) -> Operand:
    from ._timed import ClockElapsed

    call.expect_arity(1)
    name = call.string(0)
    return _TimeOperand(
        call, f"clock_elapsed({name!r})", lambda op, d: ClockElapsed(name, op, d), False
    )


class _StateOperand:
    __slots__ = ("call", "name")

    def __init__(self, call: Call, name: str) -> None:
        self.call, self.name = call, name

    def compare(self, op: str, value: Arg) -> Condition:
        from ._timed import ClockStateIs

        if op not in ("==", "!=") or value.kind != "string":
            raise self.call.error(
                "clock_state() is compared with == or != and a state in quotes, such as "
                "clock_state('resolution') == 'paused'",
                at=value,
            )
        states = ["running", "paused", "stopped", "idle"]
        if value.value not in states:
            raise self.call.error(
                f"a clock's state is one of {states}, not {value.value!r}",
                at=value,
                suggestion=did_you_mean(str(value.value), states),
            )
        condition = ClockStateIs(self.name, value.value)
        return condition if op == "==" else Not(condition)


def _clock_state(call: Call) -> Operand:
    call.expect_arity(1)
    return _StateOperand(call, call.string(0))


def _breached(call: Call) -> Condition:
    from ._timed import Breached

    call.expect_arity(1)
    return Breached(call.string(0))


def functions(*, business_clock: bool = False) -> Mapping[str, Function]:
    """The built-in functions, with ``since()`` durations checked against the policy's clock.

    *business_clock*: the policy measures ``after``/``since`` time on a business
    calendar, so their durations must be written ``... business``.
    """
    return MappingProxyType(
        {
            "breached": _breached,
            "clock_elapsed": _clock_elapsed,
            "clock_state": _clock_state,
            "exists": _exists,
            "happened": _happened,
            "has_skill": _has_skill,
            "has_tag": _has_tag,
            "since": _since(business_clock),
        }
    )


FUNCTIONS: Final[Mapping[str, Function]] = functions()
"""The built-in functions: ``exists(path)``, ``has_tag("x")``, ``has_skill("x")``,
``happened("acknowledged")``, ``since("last_customer_message") >= 4h``,
``clock_elapsed("resolution") > 2h``, ``clock_state("resolution") == "paused"``,
``breached("first_response")``."""

# ---------------------------------------------------------------- the lexer

_SPACE = re.compile(r"[ \t\r\n]*")
_NAME = re.compile(r"[^\W\d]\w*(?:\.\w+)*")
_NUMBER_RUN = re.compile(r"[0-9](?:[eE][+-][0-9]|[0-9A-Za-z_.])*")
_INT = re.compile(r"[0-9]+")
_FLOAT = re.compile(r"[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)")
_DURATION = re.compile(r"(?:[0-9]+[a-zA-Z])+")
_STRING_BODY: Final = {'"': re.compile(r'[^"\\\n]*'), "'": re.compile(r"[^'\\\n]*")}
_ESCAPES: Final = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}
_PUNCTUATION: Final = {"(": "(", ")": ")", "[": "[", "]": "]", ",": ",", "-": "-"}


class _Token:
    """One token: *kind* is name, string, number, duration, op, end, or the punctuation."""

    __slots__ = ("kind", "start", "text", "value")

    def __init__(self, kind: str, text: str, value: Any, start: int) -> None:
        self.kind = kind
        self.text = text
        self.value = value
        self.start = start

    def describe(self) -> str:
        """The token as an error message names it."""
        if self.kind == "end":
            return "the end of the condition"
        shown = self.text if len(self.text) <= 30 else self.text[:27] + "..."
        if self.kind == "string":
            return f"the string {shown}"
        if self.kind == "number":
            return f"the number {shown}"
        if self.kind == "duration":
            return f"the duration {shown}"
        return repr(shown)


# ---------------------------------------------------------------- the parser


class _Parser:
    """Reads one condition; tokens are made on demand, one ahead of the parser."""

    def __init__(
        self,
        text: str,
        source: str,
        line: int,
        column: int,
        file_text: str | None,
        functions: Mapping[str, Function],
    ) -> None:
        self.text = text
        self.source = source
        self.line = line
        self.column = column
        self.file_text = file_text
        self.functions = functions
        self.pos = 0
        self.depth = 0
        self.tok: _Token  # the first is lexed by parse(), after the length check

    # -- errors

    def error(
        self,
        message: str,
        offset: int,
        *,
        expected: str | None = None,
        found: str | None = None,
        suggestion: str | None = None,
        value: object = None,
    ) -> PolicySyntaxError:
        """A PolicySyntaxError at *offset* in the text, in the file's coordinates."""
        text = self.text
        offset = max(0, min(offset, len(text)))
        line_start = text.rfind("\n", 0, offset) + 1
        line_end = text.find("\n", offset)
        line_index = text.count("\n", 0, offset)
        col = offset - line_start
        line = self.line + line_index
        column = col + (self.column if line_index == 0 else 1)
        shown = text[line_start : len(text) if line_end < 0 else line_end].rstrip("\r")
        caret = col
        if self.file_text is not None:
            lines = self.file_text.split("\n")
            if 1 <= line <= len(lines):
                shown, caret = lines[line - 1].rstrip("\r"), column - 1
        return PolicySyntaxError(
            message,
            source=self.source,
            line=line,
            column=column,
            line_text=shown,
            caret=caret,
            expected=expected,
            found=found,
            value=value,
            suggestion=suggestion,
        )

    def relocate(self, exc: PolicyError, offset: int) -> PolicySyntaxError:
        """The same complaint as *exc*, located at *offset*."""
        message = str(exc)
        if exc.where and message.startswith(f"{exc.where}: "):
            message = message[len(exc.where) + 2 :]
        suffix = _suffix(exc.suggestion)
        if suffix and message.endswith(suffix):
            message = message[: -len(suffix)]
        return self.error(message, offset, suggestion=exc.suggestion, value=exc.value)

    def unexpected(self, expected: str, message: str | None = None) -> PolicySyntaxError:
        """An error at the current token: expected *expected*, found it."""
        tok = self.tok
        found = tok.describe()
        suggestion = None
        if tok.kind in ("name", "op") or tok.text in _FOREIGN:
            words = re.findall(r"'([^']+)'", expected)
            suggestion = _FOREIGN.get(tok.text)
            if suggestion not in words:
                suggestion = did_you_mean(tok.text, words) if words else None
        return self.error(
            f"{message or f'expected {expected}'}, found {found}",
            tok.start,
            expected=expected,
            found=found,
            suggestion=suggestion,
        )

    # -- the lexer

    def advance(self) -> _Token:
        """Move to the next token and return the one that was current."""
        previous = self.tok
        self.tok = self._lex()
        return previous

    def _lex(self) -> _Token:
        text = self.text
        pos = _SPACE.match(text, self.pos).end()  # type: ignore[union-attr]
        if pos >= len(text):
            self.pos = pos
            return _Token("end", "", None, pos)
        ch = text[pos]
        m = _NAME.match(text, pos)
        if m is not None:
            end = m.end()
            if end < len(text) and text[end] == ".":
                raise self.error(
                    f"expected a field name after '.' in {text[pos : end + 1]!r}",
                    end + 1,
                    expected="a field name",
                )
            self.pos = end
            return _Token("name", m.group(), None, pos)
        if ch in "\"'":
            return self._string(pos, ch)
        if "0" <= ch <= "9":
            return self._number(pos)
        two = text[pos : pos + 2]
        if two in _OPERATORS:
            self.pos = pos + 2
            return _Token("op", two, None, pos)
        if two in _FOREIGN:
            raise self.error(
                f"{two!r} is not an operator of this language",
                pos,
                found=repr(two),
                suggestion=_FOREIGN[two],
            )
        if ch in "<>":
            self.pos = pos + 1
            return _Token("op", ch, None, pos)
        if ch in _PUNCTUATION:
            self.pos = pos + 1
            return _Token(ch, ch, None, pos)
        if ch in _FOREIGN:
            raise self.error(
                f"{ch!r} is not an operator of this language",
                pos,
                found=repr(ch),
                suggestion=_FOREIGN[ch],
            )
        raise self.error(f"unexpected character {ch!r}", pos, found=repr(ch))

    def _string(self, start: int, quote: str) -> _Token:
        text, body = self.text, _STRING_BODY[quote]
        parts: list[str] = []
        pos = start + 1
        while True:
            m = body.match(text, pos)
            assert m is not None  # the pattern matches the empty string
            parts.append(m.group())
            pos = m.end()
            ch = text[pos : pos + 1]
            if ch == quote:
                self.pos = pos + 1
                return _Token("string", text[start : pos + 1], "".join(parts), start)
            if ch == "\\":
                escape = text[pos + 1 : pos + 2]
                if escape not in _ESCAPES:
                    shown = repr(f"\\{escape}") if escape else "'\\' at the end"
                    raise self.error(
                        f"unknown escape {shown} in a string; the escapes are "
                        "\\\", \\', \\\\, \\n and \\t",
                        pos,
                        expected="an escape",
                    )
                parts.append(_ESCAPES[escape])
                pos += 2
                continue
            raise self.error(
                f"unterminated string: no closing {quote} on the line it starts",
                start,
                expected=f"a closing {quote}",
            )

    def _number(self, start: int) -> _Token:
        m = _NUMBER_RUN.match(self.text, start)
        assert m is not None  # called on a digit
        run, end = m.group(), m.end()
        if len(run) > _MAX_NUMBER_LENGTH:
            raise self.error(f"the number {run[:30]}... is too long", start, value=run)
        value: Any
        if _INT.fullmatch(run):
            kind, value = "number", int(run)
        elif _FLOAT.fullmatch(run):
            kind, value = "number", float(run)
            if not math.isfinite(value):
                raise self.error(f"the number {run} is too large", start, value=run)
        elif re.fullmatch(r"[0-9]+(?:\.[0-9]+)?[eE][+-]?", run):
            raise self.error(
                f"invalid number {run!r}: an exponent needs digits, as in 1e3", start, value=run
            )
        elif _DURATION.fullmatch(run):
            kind = "duration"
            try:
                value = _duration_value(run)
            except PolicyError as exc:
                raise self.relocate(exc, start) from None
        else:
            hint = _DURATION_HINT
            if re.fullmatch(r"[0-9]+\.[0-9]+[a-zA-Z]+", run):
                hint = "durations are whole numbers of units: write 1h30m rather than 1.5h"
            raise self.error(f"invalid number or duration {run!r}; {hint}", start, value=run)
        self.pos = end
        return _Token(kind, run, value, start)

    # -- the grammar

    def is_word(self, word: str) -> bool:
        """Whether the current token is the keyword *word*."""
        return self.tok.kind == "name" and self.tok.text == word

    def parse(self) -> Condition:
        """The whole text as one condition."""
        if len(self.text) > MAX_EXPRESSION_LENGTH:
            raise self.error(
                f"the condition is {len(self.text):,} characters long; "
                f"the limit is {MAX_EXPRESSION_LENGTH:,}",
                0,
                value=len(self.text),
            )
        self.tok = self._lex()
        condition = self.or_expr()
        if self.tok.kind != "end":
            raise self.unexpected("'and', 'or' or the end of the condition")
        return condition

    def or_expr(self) -> Condition:
        """``and_expr { "or" and_expr }``."""
        first = self.and_expr()
        if not self.is_word("or"):
            return first
        parts = [first]
        while self.is_word("or"):
            self.advance()
            parts.append(self.and_expr())
        return any_of(*parts)

    def and_expr(self) -> Condition:
        """``not_expr { "and" not_expr }``."""
        first = self.not_expr()
        if not self.is_word("and"):
            return first
        parts = [first]
        while self.is_word("and"):
            self.advance()
            parts.append(self.not_expr())
        return all_of(*parts)

    def not_expr(self) -> Condition:
        """``{ "not" } atom``, read in a loop: a run of ``not`` costs no recursion."""
        count = 0
        while self.is_word("not"):
            self.check_depth(self.depth + count + 1)
            count += 1
            self.advance()
        self.depth += count
        condition = self.atom()
        self.depth -= count
        for _ in range(count):
            condition = Not(condition)
        return condition

    def check_depth(self, depth: int) -> None:
        """Refuse to open nesting level *depth* at the current token if it is too deep."""
        if depth > MAX_DEPTH:
            raise self.error(
                f"the condition is nested more than {MAX_DEPTH} levels deep "
                "(each '(' and each 'not' opens a level)",
                self.tok.start,
                value=depth,
            )

    def atom(self) -> Condition:
        """A parenthesised condition, ``true``/``false``, a call, or a test of a field."""
        tok = self.tok
        if tok.kind == "(":
            self.check_depth(self.depth + 1)
            self.depth += 1
            self.advance()
            condition = self.or_expr()
            if self.tok.kind != ")":
                raise self.unexpected("'and', 'or' or ')'")
            self.advance()
            self.depth -= 1
            return condition
        if tok.kind == "name" and tok.text not in _KEYWORDS - {"true", "false"}:
            self.advance()
            if tok.text == "true":
                return ALWAYS
            if tok.text == "false":
                return NEVER
            if self.tok.kind == "(":
                return self.call(tok)
            return self.field_test(tok)
        expected = "a condition (such as priority == \"P1\", exists(...), true, or '(')"
        raise self.unexpected(expected, "expected a condition")

    def field_path(self, path: str, offset: int) -> tuple[str, str]:
        """Check *path* as a field and return it with its kind; error at *offset*."""
        segments = path.split(".")
        root = segments[0]
        if root not in _FIELD_ROOTS:
            choices = [*_FIELD_ROOTS, "not", "true", "false", *self.functions]
            raise self.error(
                f"unknown field {root!r}; the fields are {', '.join(_FIELD_ROOTS)}",
                offset,
                expected="a field",
                found=repr(root),
                value=path,
                suggestion=did_you_mean(root, choices),
            )
        if root == "customer":
            sub = ".".join(segments[:2])
            if sub not in _CUSTOMER_FIELDS:
                what = f"unknown field {sub!r}" if len(segments) > 1 else "customer is a record"
                raise self.error(
                    f"{what}; its fields are {', '.join(_CUSTOMER_FIELDS)}",
                    offset,
                    expected="a field of customer",
                    value=path,
                    suggestion=did_you_mean(sub, _CUSTOMER_FIELDS) if len(segments) > 1 else None,
                )
        if path in _MAPPING_ROOTS:
            raise self.error(
                f"{path} holds named values; name one, as in {path}.NAME",
                offset,
                expected=f"{path}.NAME",
                value=path,
            )
        try:
            kind = _validate_path(path)
        except PolicyError as exc:
            raise self.relocate(exc, offset) from None
        return path, kind

    def field_test(self, name: _Token) -> Condition:
        """``path OP value``, ``path [not] in list`` or ``path contains "x"``."""
        path, kind = self.field_path(name.text, name.start)
        tok = self.tok
        if kind == "set" and (tok.kind == "op" or self.is_word("in") or self.is_word("not")):
            raise self.error(
                f'{path} is a set of strings; test it with {path} contains "x"',
                tok.start,
                expected="'contains'",
                found=tok.describe(),
                suggestion="contains",
            )
        if tok.kind == "op":
            self.advance()
            value = self.value(f"{tok.text!r}")
            self.check_kind(path, kind, value)
            return self.build(lambda: Compare(path, tok.text, value.value), value.start)
        negate = self.is_word("not")
        if negate:
            self.advance()
            if not self.is_word("in"):
                raise self.unexpected("'in'", "expected 'in' after 'not'")
        if self.is_word("in"):
            self.advance()
            start = self.tok.start
            values = self.list_literal("'in'")
            for item in values:
                self.check_kind(path, kind, item)
            condition = self.build(lambda: In(path, tuple(v.value for v in values)), start)
            return Not(condition) if negate else condition
        if self.is_word("contains"):
            self.advance()
            value = self.value("'contains'")
            if kind not in ("set", "any"):
                raise self.error(
                    f"{path} holds a {kind}, not a set; test it with == or in",
                    tok.start,
                    value=value.value,
                )
            if value.kind != "string":
                raise self.error(
                    f"'contains' takes a string, got a {value.kind}",
                    value.start,
                    expected="a string",
                    value=value.value,
                )
            return self.build(lambda: Contains(path, value.value), value.start)
        raise self.unexpected(
            "a comparison ('==', '!=', '<', '<=', '>', '>='), 'in', 'not in' or 'contains'",
            f"expected a comparison, 'in' or 'contains' after {path}",
        )

    def check_kind(self, path: str, kind: str, value: Arg) -> None:
        """Refuse a value of another kind than the field's, at the value."""
        if value.business:
            raise self.error(
                "a business duration only makes sense for a time function; "
                "compare a field with a wall-clock duration",
                value.start,
                value=value.value,
            )
        if kind not in ("any", value.kind):
            raise self.error(
                f"{path} holds a {kind}, so it cannot be compared with a {value.kind}",
                value.start,
                expected=f"a {kind}",
                value=value.value,
            )

    def build(self, make: Callable[[], Condition], offset: int) -> Condition:
        """Call a condition constructor, locating its PolicyError at *offset*."""
        try:
            return make()
        except PolicySyntaxError:
            raise
        except PolicyError as exc:
            raise self.relocate(exc, offset) from None

    def value(self, after: str) -> Arg:
        """A literal: string, number (maybe negative), duration [business], true or false."""
        tok = self.tok
        if tok.kind == "-":
            self.advance()
            number = self.tok
            if number.kind == "duration":
                raise self.error("a duration cannot be negative", tok.start, value=number.value)
            if number.kind != "number":
                raise self.unexpected("a number", "expected a number after '-'")
            self.advance()
            return Arg("number", -number.value, tok.start)
        if tok.kind in ("string", "number"):
            self.advance()
            return Arg(tok.kind, tok.value, tok.start)
        if tok.kind == "duration":
            self.advance()
            business = self.is_word("business")
            if business:
                self.advance()
            return Arg("duration", tok.value, tok.start, business)
        if tok.kind == "name" and tok.text in ("true", "false"):
            self.advance()
            return Arg("boolean", tok.text == "true", tok.start)
        message = f"expected a value after {after}"
        if tok.kind == "[":
            message = f"a list is allowed only after 'in'; expected a value after {after}"
        error = self.unexpected("a value", message)
        if tok.kind == "name":  # unexpected() found no suggestion: "a value" quotes no word
            error = self.error(
                error.message,
                tok.start,
                expected="a value",
                found=error.found,
                suggestion=did_you_mean(tok.text, ["true", "false"]),
            )
        raise error

    def list_literal(self, after: str) -> tuple[Arg, ...]:
        """``[ value, ... ]`` with an optional trailing comma."""
        if self.tok.kind != "[":
            raise self.unexpected(
                'a list such as ["P1", "P2"]', f'expected a list such as ["P1", "P2"] after {after}'
            )
        start = self.advance().start
        items: list[Arg] = []
        while self.tok.kind != "]":
            if len(items) == MAX_LIST_ITEMS:
                raise self.error(
                    f"the list has more than {MAX_LIST_ITEMS:,} values",
                    start,
                    value=MAX_LIST_ITEMS,
                )
            items.append(self.value("'[' or ','" if items else "'['"))
            if self.tok.kind == ",":
                self.advance()
            elif self.tok.kind != "]":
                raise self.unexpected("',' or ']'")
        self.advance()
        if not items:
            raise self.error(f"the list after {after} is empty", start, expected="a value")
        return tuple(items)

    def call(self, name: _Token) -> Condition:
        """``name(args)``, maybe followed by a comparison when the function gives an operand."""
        function = self.functions.get(name.text)
        if function is None:
            if name.text.split(".")[0] in _FIELD_ROOTS:
                message = f"{name.text} is a field, not a function"
            else:
                message = f"unknown function {name.text!r}"
            raise self.error(
                f"{message}; the functions are {', '.join(sorted(self.functions))}",
                name.start,
                found=repr(name.text),
                value=name.text,
                suggestion=did_you_mean(name.text, self.functions),
            )
        self.advance()  # "("
        args: list[Arg] = []
        while self.tok.kind != ")":
            tok = self.tok
            if tok.kind == "name" and tok.text not in _KEYWORDS:
                self.advance()
                args.append(Arg("path", tok.text, tok.start))
            elif tok.kind == "[":
                values = self.list_literal(f"'{name.text}('")
                args.append(Arg("list", tuple(v.value for v in values), tok.start))
            elif tok.kind in ("string", "number", "duration", "-") or tok.text in ("true", "false"):
                args.append(self.value(f"'{name.text}('"))
            else:
                raise self.unexpected(
                    "an argument (a field, a value or a list) or ')'",
                    f"expected an argument of {name.text}() or ')'",
                )
            if self.tok.kind == ",":
                self.advance()
            elif self.tok.kind != ")":
                raise self.unexpected("',' or ')'")
        self.advance()
        call = Call(self, name.text, tuple(args), name.start)
        try:
            result = function(call)
        except PolicySyntaxError:
            raise
        except PolicyError as exc:
            raise self.relocate(exc, name.start) from None
        if isinstance(result, Condition):
            if self.tok.kind == "op":
                raise self.error(
                    f"{name.text}(...) is a condition, not a value, so it cannot be "
                    f"compared with {self.tok.text!r}",
                    self.tok.start,
                    expected="'and', 'or' or the end of the condition",
                    found=self.tok.describe(),
                )
            return result
        if not isinstance(result, Operand):
            raise TypeError(
                f"the function {name.text!r} returned {result!r}, which is neither a "
                "Condition nor an Operand with a compare(op, value) method"
            )
        if self.tok.kind != "op":
            raise self.unexpected(
                "a comparison", f"{name.text}(...) gives a value; expected a comparison after it"
            )
        op = self.advance()
        value = self.value(f"{op.text!r}")
        try:
            condition = result.compare(op.text, value)
        except PolicySyntaxError:
            raise
        except PolicyError as exc:
            raise self.relocate(exc, op.start) from None
        if not isinstance(condition, Condition):
            raise TypeError(
                f"{name.text}(...).compare() returned {condition!r}, which is not a Condition"
            )
        return condition


def parse_condition(
    text: str,
    *,
    source: str = "<string>",
    line: int = 1,
    column: int = 1,
    file_text: str | None = None,
    functions: Mapping[str, Function] = FUNCTIONS,
) -> Condition:
    """Parse condition *text* into the condition object the Python DSL would build.

    Args:
        text: the condition, such as ``'priority in ["P1", "P2"] and tags contains "vip"'``.
        source: the file name shown in errors.
        line: the 1-based line of *source* on which *text* starts.
        column: the 1-based column of *source* at which *text* starts; later lines of a
            multi-line *text* start at column 1.
        file_text: the whole file; when given, errors show the file's line rather than
            the condition's (the caller's coordinates must then be exact, e.g. no
            escapes before the mistake in a quoted TOML string).
        functions: the named functions the text may call (default `FUNCTIONS`).

    Raises:
        PolicySyntaxError: for any mistake, with its place and a "did you mean" for a
            misspelt keyword, field or function. A well-formed condition that the
            condition classes refuse (``priority == 5``) raises it too, located.
    """
    if not isinstance(text, str):
        raise PolicyError(f"a condition must be a string, got {text!r}", value=text)
    return _Parser(text, source, line, column, file_text, functions).parse()


# ---------------------------------------------------------------- the formatter

_PATH_TEXT = re.compile(r"[^\W\d]\w*(?:\.\w+)*")


def _quote(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        text = int.__repr__(value)
        if len(text) <= _MAX_NUMBER_LENGTH:
            return text
    elif isinstance(value, float):
        if math.isfinite(value):
            return float.__repr__(value)
    elif isinstance(value, str):
        return _quote(value)
    elif isinstance(value, timedelta):
        return format_duration(value)
    raise PolicyError(
        f"the value {value!r} has no text form: the language has strings, whole numbers "
        f"of up to {_MAX_NUMBER_LENGTH} digits, finite decimals, true, false and durations",
        value=value,
    )


def _path_text(path: str) -> str:
    if _PATH_TEXT.fullmatch(path) is None or path.split(".")[0] in _KEYWORDS:
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
        return f"{_path_text(condition.path)} contains {_quote(condition.item)}"
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
