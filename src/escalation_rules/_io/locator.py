"""Where a key of a policy file is: its line and column, for error messages."""

from __future__ import annotations

import re
from typing import Final

from .._exceptions import PolicySyntaxError

Path_ = tuple[str | int, ...]

_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'

_DOTTED = re.compile(rf"\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=\s*")

_HEADER = re.compile(rf"\s*(\[\[?)\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*\]\]?")

_PART = re.compile(_KEY)

# One key of an inline table, tried only where a key may start (after "{" or ","): an
# anchored match, so the scan stays linear in the line's length.
_INLINE_KEY = re.compile(rf"\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=\s*")


def _split_key(text: str) -> list[str]:
    return [p.strip("\"'") for p in _PART.findall(text)]


class Locator:
    """Line and column of each key's value in TOML text (best effort, for messages).

    The text is scanned on the first question only, so a policy that loads without an
    error costs no scan; the scan is linear in the text's length.
    """

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.text = text
        self._lines: list[str] | None = None
        self._places: dict[Path_, tuple[int, int]] | None = None
        self._duplicate: tuple[int, int] | None = None

    @property
    def lines(self) -> list[str]:
        """The text's lines."""
        if self._lines is None:
            self._lines = text_lines(self.text)
        return self._lines

    @property
    def places(self) -> dict[Path_, tuple[int, int]]:
        """Key path -> (line, column) of its value, for the keys the scan recognised."""
        if self._places is None:
            self._places = {}
            self._scan(self._places)
        return self._places

    def _scan(self, places: dict[Path_, tuple[int, int]]) -> None:
        arrays: dict[Path_, int] = {}
        current: Path_ = ()
        skip_until: str | None = None
        depth = 0
        for number, raw in enumerate(self.lines, start=1):
            if skip_until is not None:
                if skip_until in raw:
                    skip_until = None
                continue
            if depth > 0:
                depth += _bracket_balance(raw)
                continue
            header = _HEADER.match(raw)
            if header and not _DOTTED.match(raw):
                keys = _split_key(header.group(2))
                path: Path_ = ()
                for i, key in enumerate(keys):
                    path = (*path, key)
                    # each part of [a.b.c] is placed, so an unknown 'a' points here
                    places.setdefault(path, (number, header.start(2) + 1))
                    last = i == len(keys) - 1
                    if last and header.group(1) == "[[":
                        arrays[path] = arrays.get(path, -1) + 1
                        path = (*path, arrays[path])
                    elif path in arrays:
                        path = (*path, arrays[path])
                current = path
                places.setdefault(current, (number, header.start(2) + 1))
                continue
            match = _DOTTED.match(raw)
            if match is None:
                continue
            keys = _split_key(match.group(1))
            path = (*current, *keys)
            column = match.end() + 1
            for i in range(1, len(keys)):  # the parts of a dotted key, at the key
                places.setdefault((*current, *keys[:i]), (number, match.start(1) + 1))
            if path in places and self._duplicate is None:
                self._duplicate = (number, match.start(1) + 1)
            places[path] = (number, column)
            rest = raw[match.end() :]
            for quote in ('"""', "'''"):
                if rest.startswith(quote) and rest.count(quote) == 1:
                    skip_until = quote
            if rest.startswith("{"):
                for key, end in _inline_keys(rest):
                    places[(*path, *_split_key(key))] = (number, match.end() + end + 1)
            if rest.startswith("["):
                depth = _bracket_balance(rest)

    @property
    def duplicate(self) -> tuple[int, int] | None:
        """The place of the first key given a second time, if the scan met one."""
        _ = self.places
        return self._duplicate

    def find(self, path: Path_) -> tuple[int, int]:
        """The place of *path*, or of its nearest ancestor the scan found."""
        while path:
            if path in self.places:
                return self.places[path]
            path = path[:-1]
        return (1, 1)

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""


def _inline_keys(text: str) -> list[tuple[str, int]]:
    """The keys of the inline table *text* starts with, and where each value starts.

    One pass over the characters: strings are skipped whole, and a key is tried only just
    after the table's ``{`` or a ``,`` at its own depth.
    """
    out: list[tuple[str, int]] = []
    depth = 0
    quote: str | None = None
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote is not None:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            if ch == "{" and depth == 1:
                i = _inline_key(text, i + 1, out)
                continue
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                break
        elif ch == "," and depth == 1:
            i = _inline_key(text, i + 1, out)
            continue
        i += 1
    return out


def _inline_key(text: str, start: int, out: list[tuple[str, int]]) -> int:
    """Note the key at *start* (if one is there); where the scan goes on."""
    match = _INLINE_KEY.match(text, start)
    if match is None:
        return start
    out.append((match.group(1), match.end()))
    return match.end()


def _bracket_balance(text: str) -> int:
    balance = 0
    quote: str | None = None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            balance += 1
        elif ch in "]}":
            balance -= 1
    return balance


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "<policy>"


# TOML errors: tomllib's message, placed and explained ------------------------------------

_AT: Final = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")

_QUOTES: Final = ('"""', "'''", '"', "'")


def text_lines(text: str) -> list[str]:
    """The lines of *text* as TOML counts them: split at ``\\n`` only (``splitlines`` also
    splits at U+2028 and others, which TOML allows in a string)."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def toml_error(text: str, message: str, source: str) -> PolicySyntaxError:
    """The error for tomllib's *message* about *text*: placed, and said in a policy author's
    words where tomllib's are cryptic (an unclosed string, a key given twice, a BOM)."""
    lines = text_lines(text)
    place = _AT.search(message)
    what = message[: place.start()] if place else message
    if place is not None and place.group(1) is not None:
        line, column = int(place.group(1)), int(place.group(2))
    else:  # "at end of document": the last line that holds something
        line = max((i for i, t in enumerate(lines, 1) if t.strip()), default=1)
        column = len(lines[line - 1]) + 1 if lines else 1
    what, line, column = _explain(text, lines, what, line, column)
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    if 0 < column <= len(shown):
        what += _unusual(shown[column - 1], what)
    return PolicySyntaxError(
        f"invalid TOML: {what}", source=source, line=line, column=column, line_text=shown
    )


def _explain(
    text: str, lines: list[str], what: str, line: int, column: int
) -> tuple[str, int, int]:
    """tomllib's complaint *what* at (*line*, *column*), said plainly and placed better."""
    if text.startswith("\ufeff") and (line, column) == (1, 1):
        return (
            "the text starts with a byte order mark (U+FEFF), which TOML does not allow; "
            "save the file as UTF-8 without a BOM",
            1,
            1,
        )
    if what == "Illegal character '\\n'" or what.startswith(("Expected \"'", "Unterminated")):
        found = _unclosed_string(text)
        if found is not None:
            line, column, quote = found
            if len(quote) == 3:
                return f"the string opened with {quote} here is never closed", line, column
            end = len(lines[line - 1]) + 1
            return (
                f"the string that starts at column {column} has no closing {quote} on its line",
                line,
                end,
            )
    twice = re.fullmatch(r"Cannot declare \((.*)\) twice", what)
    if twice is not None:
        name = ".".join(re.findall(r"'((?:[^'\\]|\\.)*)'", twice.group(1)))
        return (
            f"the table [{name}] is declared a second time; declare each [table] once, "
            "and add an entry to a list of tables with [[...]]",
            line,
            column,
        )
    if what == "Cannot overwrite a value":
        here = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        if here.startswith("["):
            return (
                f"{here} names a table or list of tables given before in another form; "
                "a list of tables is written [[...]] every time",
                line,
                column,
            )
        duplicate = Locator(text, "").duplicate
        if duplicate is not None:
            return "this key is given a second time in its table", *duplicate
    char = re.fullmatch(r"Illegal character '(.+)'", what)
    if char is not None and char.group(1) != "\\n":
        code = lines[line - 1][column - 1 : column] if 0 < line <= len(lines) else ""
        if code:
            return (
                f"the control character U+{ord(code):04X} is not allowed here; "
                f"inside a string write it as \\u{ord(code):04X}",
                line,
                column,
            )
    rest = lines[line - 1][column - 1 :] if 0 < line <= len(lines) else ""
    return what + _hint(what, rest), line, column


def _hint(what: str, rest: str) -> str:
    """A hint for tomllib's message *what*, given the text *rest* from its place on."""
    if what == "Invalid value":
        word = re.match(r"[A-Za-z_][\w-]*", rest)
        if word is not None and word.group().lower() in ("true", "false", "yes", "no"):
            return f"; found {word.group()!r}: TOML's booleans are true and false"
        if word is not None:
            return f'; found {word.group()!r}: a string needs quotes, as in "{word.group()}"'
        if rest.startswith("="):
            return "; write one '=' between a key and its value"
    if what.startswith("Expected newline or end of document"):
        return (
            "; one key = value per line, and a string that holds quotes is written in the "
            'other kind (when = \'priority == "P1"\') or with \\" escapes'
        )
    if what.startswith("Expected '=' after a key"):
        return "; a key is followed by '=', and a key with spaces goes in quotes"
    if what.startswith("Invalid initial character for a key part"):
        if rest.startswith("}"):
            return "; TOML allows no comma before the '}' of an inline table"
        return "; a bare key is made of letters, digits, '-' and '_'; any other key goes in quotes"
    if what.startswith("Unescaped '\\'"):
        return "; write a backslash as \\\\, or use a string in single quotes"
    return ""


def _unusual(char: str, what: str) -> str:
    """Names *char*, the character at the error, when it is hard to see."""
    if (
        char.isascii() and (char.isprintable() or char in "\t\r\n")
    ) or f"U+{ord(char):04X}" in what:
        return ""
    import unicodedata  # on first use: only for a message

    name = "BYTE ORDER MARK" if char == "\ufeff" else unicodedata.name(char, "a control character")
    return f" (found U+{ord(char):04X}, {name})"


def _unclosed_string(text: str) -> tuple[int, int, str] | None:
    """The first string in TOML *text* that never closes: its line, column and quote.

    One pass, jumping from quote to quote: comments are skipped, escapes honoured in basic
    strings; a single-line string that meets the end of its line is unclosed."""
    i = 0
    while (found := _STRING_OR_COMMENT.search(text, i)) is not None:
        i = found.start()
        if found.group() == "#":
            end = text.find("\n", i)
            if end < 0:
                return None
            i = end
            continue
        quote = next(q for q in _QUOTES if text.startswith(q, i))
        end = _string_end(text, i + len(quote), quote)
        if end < 0:
            line_start = text.rfind("\n", 0, i) + 1
            return text.count("\n", 0, i) + 1, i - line_start + 1, quote
        i = end
    return None


_STRING_OR_COMMENT: Final = re.compile("[#\"']")

_STRING_STOP: Final = {
    '"': re.compile(r'["\\\n]'),
    "'": re.compile(r"['\n]"),
    '"""': re.compile(r'\\|"""'),
    "'''": re.compile("'''"),
}


def _string_end(text: str, i: int, quote: str) -> int:
    """Where the string whose body starts at *i* ends (past its closing quote), or -1."""
    stop = _STRING_STOP[quote]
    while (found := stop.search(text, i)) is not None:
        if found.group() == "\\":
            if len(quote) == 1 and text.startswith("\n", found.end()):
                return -1
            i = found.end() + 1  # the escaped character
            continue
        if found.group() == "\n":
            return -1
        end = found.end()
        if len(quote) == 3:  # """a"""" : up to two more quotes belong to the string
            for _ in range(2):
                end += text.startswith(quote[0], end)
        return end
    return -1


_NESTING_SEEN: Final = 1_000  # the scan for the deepest point stops here: far past any parser


def nesting_error(text: str, source: str) -> PolicySyntaxError:
    """The error for TOML that nests arrays or inline tables too deeply for the parser (a
    ``RecursionError``), at the bracket where the nesting is deepest."""
    depth, deepest, at = 0, 0, 0
    i = 0
    while depth < _NESTING_SEEN and (found := _BRACKET.search(text, i)) is not None:
        ch, i = found.group(), found.end()
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, found.start()
        elif ch in "]}":
            depth -= 1
        elif ch == "#":
            i = len(text) if (end := text.find("\n", i)) < 0 else end
        else:  # a string: skipped whole (an unclosed one ends the scan)
            quote = next(q for q in _QUOTES if text.startswith(q, found.start()))
            end = _string_end(text, found.start() + len(quote), quote)
            i = len(text) if end < 0 else end
    line_start = text.rfind("\n", 0, at) + 1
    line = text.count("\n", 0, at) + 1
    shown = f"at least {deepest:,}" if deepest >= _NESTING_SEEN else f"{deepest:,}"
    return PolicySyntaxError(
        f"invalid TOML: arrays and inline tables nest {shown} deep here, too deep to read",
        source=source,
        line=line,
        column=at - line_start + 1,
        line_text=text_lines(text)[line - 1],
    )


_BRACKET: Final = re.compile(r"[\[\]{}#\"']")


def number_error(text: str, source: str) -> PolicySyntaxError:
    """The error for an integer too long to convert (tomllib raises ``ValueError``)."""
    lines = text_lines(text)
    for number, raw in enumerate(lines, start=1):
        for run in re.finditer(r"[0-9A-Za-z_]+", raw):
            digits = len(run.group().replace("_", ""))
            if digits > 4300 and run.group()[0].isdigit():
                return PolicySyntaxError(
                    f"invalid TOML: an integer of {digits:,} digits; a policy's integers are "
                    "64-bit, at most 19 digits",
                    source=source,
                    line=number,
                    column=run.start() + 1,
                    line_text=raw,
                )
    return PolicySyntaxError("invalid TOML: a number too long to read", source=source)
