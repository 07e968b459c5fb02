"""Where a key of a policy file is: its line and column, for error messages."""

from __future__ import annotations

import re

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

    @property
    def lines(self) -> list[str]:
        """The text's lines."""
        if self._lines is None:
            self._lines = self.text.splitlines()
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
                    last = i == len(keys) - 1
                    if last and header.group(1) == "[[":
                        arrays[path] = arrays.get(path, -1) + 1
                        places.setdefault(path, (number, header.start(2) + 1))
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
