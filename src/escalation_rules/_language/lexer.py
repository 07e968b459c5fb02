"""The tokens of the condition language."""

from __future__ import annotations

import re
from typing import Any, Final

SPACE_RE = re.compile(r"[ \t\r\n]*")

NAME_RE = re.compile(r"[^\W\d]\w*(?:\.\w+)*")

NUMBER_RUN_RE = re.compile(r"[0-9](?:[eE][+-][0-9]|[0-9A-Za-z_.])*")

INT_RE = re.compile(r"[0-9]+")

FLOAT_RE = re.compile(r"[0-9]+(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)")

DURATION_RE = re.compile(r"(?:[0-9]+[a-zA-Z])+")

STRING_BODY_RE: Final = {'"': re.compile(r'[^"\\\n]*'), "'": re.compile(r"[^'\\\n]*")}

ESCAPES: Final = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}

PUNCTUATION: Final = {"(": "(", ")": ")", "[": "[", "]": "]", ",": ",", "-": "-"}


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
