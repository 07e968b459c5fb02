"""Where a key of a policy file is: its line and column, for error messages."""

from __future__ import annotations

import re

Path_ = tuple[str | int, ...]

_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'

_DOTTED = re.compile(rf"\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=\s*")

_HEADER = re.compile(rf"\s*(\[\[?)\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*\]\]?")

_PART = re.compile(_KEY)


def _split_key(text: str) -> list[str]:
    return [p.strip("\"'") for p in _PART.findall(text)]


class Locator:
    """Line and column of each key's value in TOML text (best effort, for messages)."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.text = text
        self.lines = text.splitlines()
        self.places: dict[Path_, tuple[int, int]] = {}
        self._scan()

    def _scan(self) -> None:
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
                        self.places.setdefault(path, (number, header.start(2) + 1))
                        path = (*path, arrays[path])
                    elif path in arrays:
                        path = (*path, arrays[path])
                current = path
                self.places.setdefault(current, (number, header.start(2) + 1))
                continue
            match = _DOTTED.match(raw)
            if match is None:
                continue
            keys = _split_key(match.group(1))
            path = (*current, *keys)
            column = match.end() + 1
            self.places[path] = (number, column)
            rest = raw[match.end() :]
            for quote in ('"""', "'''"):
                if rest.startswith(quote) and rest.count(quote) == 1:
                    skip_until = quote
            if rest.startswith("{"):
                for inner in re.finditer(rf"({_KEY})\s*=\s*", rest):
                    self.places[(*path, *_split_key(inner.group(1)))] = (
                        number,
                        match.end() + inner.end() + 1,
                    )
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
