"""The tokens of the condition language, and the lexer that reads them.

`Lexer` turns condition text into `Token` objects on demand, one ahead of the
parser (which subclasses it), and places every error at its line and column,
in the file's coordinates when the whole file is known.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

from .._durations import DURATION_HINT, MAX_NUMBER_LENGTH, duration_value
from .._exceptions import PolicyError, PolicySyntaxError
from .._suggest import did_you_mean

SPACE_RE = re.compile(r"[ \t\r\n]*")

NAME_RE = re.compile(r"[^\W\d]\w*(?:\.\w+)*")

NUMBER_RUN_RE = re.compile(r"[0-9](?:[eE][+-][0-9]|[0-9A-Za-z_.])*")

INT_RE = re.compile(r"[0-9]+")

FLOAT_RE = re.compile(r"[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)")

DURATION_RE = re.compile(r"(?:[0-9]+[a-zA-Z])+")

STRING_BODY_RE: Final = {'"': re.compile(r'[^"\\\n]*'), "'": re.compile(r"[^'\\\n]*")}

ESCAPES: Final = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}

PUNCTUATION: Final = {"(": "(", ")": ")", "[": "[", "]": "]", ",": ",", "-": "-"}

KEYWORDS: Final = frozenset({"and", "or", "not", "in", "contains", "true", "false"})

OPERATORS: Final = ("==", "!=", "<", "<=", ">", ">=")

# Spellings from other languages, and the word they mean here.
FOREIGN: Final = {
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


class Token:
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


class Lexer:
    """Reads the tokens of one condition text; ``tok`` is the current one."""

    def __init__(
        self, text: str, source: str, line: int, column: int, file_text: str | None
    ) -> None:
        self.text = text
        self.source = source
        self.line = line
        self.column = column
        self.file_text = file_text
        self.pos = 0
        self.tok: Token  # the first is lexed by the parser, after its length check

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
        return self.error(exc.message, offset, suggestion=exc.suggestion, value=exc.value)

    def unexpected(self, expected: str, message: str | None = None) -> PolicySyntaxError:
        """An error at the current token: expected *expected*, found it."""
        tok = self.tok
        found = tok.describe()
        suggestion = None
        if tok.kind in ("name", "op") or tok.text in FOREIGN:
            words = re.findall(r"'([^']+)'", expected)
            suggestion = FOREIGN.get(tok.text)
            if suggestion not in words:
                suggestion = did_you_mean(tok.text, words) if words else None
        return self.error(
            f"{message or f'expected {expected}'}, found {found}",
            tok.start,
            expected=expected,
            found=found,
            suggestion=suggestion,
        )

    # -- the tokens

    def advance(self) -> Token:
        """Move to the next token and return the one that was current."""
        previous = self.tok
        self.tok = self.lex()
        return previous

    def lex(self) -> Token:
        """Read the token at the current position and move past it."""
        text = self.text
        pos = SPACE_RE.match(text, self.pos).end()  # type: ignore[union-attr]
        if pos >= len(text):
            self.pos = pos
            return Token("end", "", None, pos)
        ch = text[pos]
        m = NAME_RE.match(text, pos)
        if m is not None:
            end = m.end()
            if end < len(text) and text[end] == ".":
                raise self.error(
                    f"expected a field name after '.' in {text[pos : end + 1]!r}",
                    end + 1,
                    expected="a field name",
                )
            self.pos = end
            return Token("name", m.group(), None, pos)
        if ch in "\"'":
            return self._string(pos, ch)
        if "0" <= ch <= "9":
            return self._number(pos)
        two = text[pos : pos + 2]
        if two in OPERATORS:
            self.pos = pos + 2
            return Token("op", two, None, pos)
        if two in FOREIGN:
            raise self.error(
                f"{two!r} is not an operator of this language",
                pos,
                found=repr(two),
                suggestion=FOREIGN[two],
            )
        if ch in "<>":
            self.pos = pos + 1
            return Token("op", ch, None, pos)
        if ch in PUNCTUATION:
            self.pos = pos + 1
            return Token(ch, ch, None, pos)
        if ch in FOREIGN:
            raise self.error(
                f"{ch!r} is not an operator of this language",
                pos,
                found=repr(ch),
                suggestion=FOREIGN[ch],
            )
        raise self.error(f"unexpected character {ch!r}", pos, found=repr(ch))

    def _string(self, start: int, quote: str) -> Token:
        text, body = self.text, STRING_BODY_RE[quote]
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
                return Token("string", text[start : pos + 1], "".join(parts), start)
            if ch == "\\":
                escape = text[pos + 1 : pos + 2]
                if escape not in ESCAPES:
                    shown = repr(f"\\{escape}") if escape else "'\\' at the end"
                    raise self.error(
                        f"unknown escape {shown} in a string; the escapes are "
                        "\\\", \\', \\\\, \\n and \\t",
                        pos,
                        expected="an escape",
                    )
                parts.append(ESCAPES[escape])
                pos += 2
                continue
            raise self.error(
                f"unterminated string: no closing {quote} on the line it starts",
                start,
                expected=f"a closing {quote}",
            )

    def _number(self, start: int) -> Token:
        m = NUMBER_RUN_RE.match(self.text, start)
        assert m is not None  # called on a digit
        run, end = m.group(), m.end()
        if len(run) > MAX_NUMBER_LENGTH:
            raise self.error(f"the number {run[:30]}... is too long", start, value=run)
        value: Any
        if INT_RE.fullmatch(run):
            kind, value = "number", int(run)
        elif FLOAT_RE.fullmatch(run):
            kind, value = "number", float(run)
            if not math.isfinite(value):
                raise self.error(f"the number {run} is too large", start, value=run)
        elif re.fullmatch(r"[0-9]+(?:\.[0-9]+)?[eE][+-]?", run):
            raise self.error(
                f"invalid number {run!r}: an exponent needs digits, as in 1e3", start, value=run
            )
        elif DURATION_RE.fullmatch(run):
            kind = "duration"
            try:
                value = duration_value(run)
            except PolicyError as exc:
                raise self.relocate(exc, start) from None
        else:
            hint = DURATION_HINT
            if re.fullmatch(r"[0-9]+\.[0-9]+[a-zA-Z]+", run):
                hint = "durations are whole numbers of units: write 1h30m rather than 1.5h"
            raise self.error(f"invalid number or duration {run!r}; {hint}", start, value=run)
        self.pos = end
        return Token(kind, run, value, start)
