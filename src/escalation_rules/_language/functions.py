"""The condition language's functions: their arguments, checks and the conditions they build."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

import attrs

from .._conditions.acknowledged import Acknowledged
from .._conditions.compare import Contains, Exists
from .._conditions.condition import Condition, Not
from .._exceptions import PolicyError, PolicySyntaxError
from .._model.anchors import to_anchor
from .._suggest import did_you_mean
from .._time.conditions import Breached, ClockElapsed, ClockStateIs, Happened, IsOpen, Since

if TYPE_CHECKING:
    from .parser import Parser


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

    def __init__(self, parser: Parser, name: str, args: tuple[Arg, ...], start: int) -> None:
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
    call.expect_arity(1)
    name = call.string(0)
    try:
        return to_anchor(name).value
    except PolicyError as exc:
        raise call.error(exc.message, at=call.args[0], suggestion=exc.suggestion) from None


def _since(business: bool) -> Function:
    def since(call: Call) -> Operand:
        anchor = _anchor_arg(call)
        return _TimeOperand(
            call,
            f"since({anchor!r})",
            lambda op, d: Since(anchor, op, d, business=business),
            business,
        )

    return since


def _happened(call: Call) -> Condition:
    return Happened(_anchor_arg(call))


def _acknowledged(call: Call) -> Condition:
    call.expect_arity(0)
    return Acknowledged()


def _clock_elapsed(call: Call) -> Operand:
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
    call.expect_arity(1)
    return Breached(call.string(0))


def _is_open(call: Call) -> Condition:
    if len(call.args) > 1:
        raise call.error(
            f"is_open() takes no argument or one calendar name, got {len(call.args)} arguments",
            expected='is_open() or is_open("NAME")',
        )
    return IsOpen(call.string(0) if call.args else None)


def functions(*, business_clock: bool = False) -> Mapping[str, Function]:
    """The built-in functions, with ``since()`` durations checked against the policy's clock.

    *business_clock*: the policy measures ``after``/``since`` time on a business
    calendar, so their durations must be written ``... business``.
    """
    return MappingProxyType(
        {
            "acknowledged": _acknowledged,
            "breached": _breached,
            "clock_elapsed": _clock_elapsed,
            "clock_state": _clock_state,
            "exists": _exists,
            "happened": _happened,
            "has_skill": _has_skill,
            "has_tag": _has_tag,
            "is_open": _is_open,
            "since": _since(business_clock),
        }
    )


FUNCTIONS: Final[Mapping[str, Function]] = functions()
"""The built-in functions: ``exists(path)``, ``has_tag("x")``, ``has_skill("x")``,
``happened("acknowledged")``, ``acknowledged()``, ``since("last_customer_message") >= 4h``,
``clock_elapsed("resolution") > 2h``, ``clock_state("resolution") == "paused"``,
``breached("first_response")``, ``is_open()`` and ``is_open("support")``."""
