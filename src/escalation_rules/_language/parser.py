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
    STRING     = '"' chars '"' | "'" chars "'" ;          (* escapes: \" \' \\ \n \t *)
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

from collections.abc import Callable, Mapping
from typing import Final

from .._conditions.compare import Compare, Contains, In
from .._conditions.condition import ALWAYS, NEVER, Condition, Not, all_of, any_of
from .._conditions.paths import FIELD_KINDS, MAPPING_ROOTS, validate_path
from .._durations import check_business_units
from .._exceptions import PolicyError, PolicySyntaxError
from .._suggest import did_you_mean
from .functions import FUNCTIONS, Arg, Call, Function, Operand
from .lexer import KEYWORDS, Lexer, Token

MAX_EXPRESSION_LENGTH: Final = 10_000
"""The longest condition text accepted, in characters."""

MAX_DEPTH: Final = 64
"""The deepest nesting accepted: each ``(`` and each ``not`` opens one level."""

MAX_LIST_ITEMS: Final = 1_000
"""The most values a list literal may hold."""

_FIELD_ROOTS: Final = tuple(
    sorted({p.split(".")[0] for p in FIELD_KINDS} | {r.split(".")[0] for r in MAPPING_ROOTS})
)

_CUSTOMER_FIELDS: Final = tuple(
    sorted(
        {p for p in FIELD_KINDS if p.startswith("customer.")}
        | {r for r in MAPPING_ROOTS if r.startswith("customer.")}
    )
)


class Parser(Lexer):
    """Reads one condition: the grammar, over the tokens its `Lexer` side makes on demand."""

    def __init__(
        self,
        text: str,
        source: str,
        line: int,
        column: int,
        file_text: str | None,
        functions: Mapping[str, Function],
    ) -> None:
        super().__init__(text, source, line, column, file_text)
        self.functions = functions
        self.depth = 0

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
        self.tok = self.lex()
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
        if tok.kind == "name" and tok.text not in KEYWORDS - {"true", "false"}:
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
        if path in MAPPING_ROOTS:
            raise self.error(
                f"{path} holds named values; name one, as in {path}.NAME",
                offset,
                expected=f"{path}.NAME",
                value=path,
            )
        try:
            kind = validate_path(path)
        except PolicyError as exc:
            raise self.relocate(exc, offset) from None
        return path, kind

    def field_test(self, name: Token) -> Condition:
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
                try:  # "2d business" is ambiguous: 48 business hours, or two business days?
                    check_business_units(tok.text, tok.value)
                except PolicyError as exc:
                    raise self.relocate(exc, tok.start) from None
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

    def call(self, name: Token) -> Condition:
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
        call = Call(self, name.text, self.call_args(name), name.start)
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
        return self.operand_comparison(name, result)

    def call_args(self, name: Token) -> tuple[Arg, ...]:
        """The arguments of call *name* after its ``(``, up to and past its ``)``."""
        args: list[Arg] = []
        while self.tok.kind != ")":
            tok = self.tok
            if tok.kind == "name" and tok.text not in KEYWORDS:
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
        return tuple(args)

    def operand_comparison(self, name: Token, result: object) -> Condition:
        """``name(...) OP value``: what call *name* gave, compared with the value that follows."""
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
    return Parser(text, source, line, column, file_text, functions).parse()
