"""The tokens of the condition language."""

from __future__ import annotations

import re
from typing import Any, Final

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
