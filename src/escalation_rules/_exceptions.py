"""The exception tree of escalation_rules.

Every error the library raises on purpose derives from one root, and each
class also derives from the builtin a caller would expect::

    EscalationRulesError
    ├── PolicyError (ValueError)          a policy that cannot be built
    │   ├── CalendarError                 a business calendar that cannot be built
    │   └── PolicySyntaxError             policy text that cannot be read (file:line:column)
    ├── IssueError (ValueError)           an issue or instant the engine cannot use
    │   └── NaiveDatetimeError            a datetime without a time zone
    ├── ForecastError                     a forecast whose rules never settle
    └── EvaluationError                   a condition that cannot be decided
        ├── FieldTypeError (TypeError)    e.g. a string compared with a number
        └── MissingFieldError (LookupError) an ordering test on a missing value

``str(exc)`` is a whole sentence quoting the bad value; the same data stays
available as attributes.
"""

from __future__ import annotations


def _suffix(suggestion: str | None) -> str:
    return f" (did you mean {suggestion!r}?)" if suggestion else ""


class EscalationRulesError(Exception):
    """Root of every error raised by escalation_rules."""


class PolicyError(EscalationRulesError, ValueError):
    """A policy, level or rule is invalid; raised when it is built.

    Attributes:
        where: the place in the policy, such as ``"rules[2] 'sla-breach'"``.
        value: the offending value.
        suggestion: the closest valid name, when the value looks misspelt.
    """

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        value: object = None,
        suggestion: str | None = None,
    ) -> None:
        self.where = where
        self.value = value
        self.suggestion = suggestion
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{message}{_suffix(suggestion)}")


class IssueError(EscalationRulesError, ValueError):
    """An issue, an event or an instant that the engine cannot work with.

    Attributes:
        value: the offending value.
        suggestion: the closest valid name, when the value looks misspelt.
    """

    def __init__(
        self, message: str, *, value: object = None, suggestion: str | None = None
    ) -> None:
        self.value = value
        self.suggestion = suggestion
        super().__init__(f"{message}{_suffix(suggestion)}")


class NaiveDatetimeError(IssueError):
    """A datetime without a time zone was given where an instant is needed."""


class EvaluationError(EscalationRulesError):
    """A condition could not be decided for a given issue.

    Attributes:
        field: the dotted field path involved.
        value: the issue's value at that path.
        rule: the name of the rule being evaluated, when known.
    """

    def __init__(
        self, message: str, *, field: str, value: object = None, rule: str | None = None
    ) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        self._message = message
        super().__init__(self._render())

    def _render(self) -> str:
        prefix = f"rule {self.rule!r}: " if self.rule else ""
        return f"{prefix}{self._message}"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_evaluation_error, (type(self), self._message, self.field, self.value,
                                            self.rule))  # fmt: skip

    def in_rule(self, rule: str) -> EvaluationError:
        """Return the same error, naming the rule it happened in."""
        err = type(self)(self._message, field=self.field, value=self.value, rule=rule)
        return err


class FieldTypeError(EvaluationError, TypeError):
    """A field's value has a type the condition cannot compare with."""


class MissingFieldError(EvaluationError, LookupError):
    """An ordering comparison met a missing value; guard it with ``exists()``."""


class CalendarError(PolicyError):
    """A business calendar is invalid: an unknown zone or weekday, overlapping hours, a bad date.

    Raised when the `BusinessCalendar` is built, never while it computes.
    """


_SNIPPET_WIDTH = 100  # characters of the offending line shown around the caret


class PolicySyntaxError(PolicyError):
    """Policy text that cannot be read: a condition, duration or value with a located mistake.

    ``str(exc)`` names the place, says what was expected and what was found, then
    shows the offending line with a caret under the mistake::

        policy.toml:3:23: expected a value after '==', found 'and'
              when = "priority == and tier"
                                  ^

    Attributes:
        source: the file name, or ``"<string>"``.
        line: the 1-based line of the mistake in *source*.
        column: the 1-based column of the mistake in *source*.
        line_text: the offending line as shown (a long line is cut around the mistake,
            unprintable characters are shown as ``?``).
        caret_line: spaces (tabs where the line has tabs) and a ``^`` under the mistake.
        expected: what the parser expected there, such as ``"a value"``, when it was
            expecting something in particular.
        found: what it found instead, such as ``"'and'"``.
        message: the message alone, without place, suggestion or snippet.
        where: ``"source:line:column"``.
        value: the offending value; suggestion: the closest valid name, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str = "<string>",
        line: int = 1,
        column: int = 1,
        line_text: str = "",
        caret: int | None = None,
        expected: str | None = None,
        found: str | None = None,
        value: object = None,
        suggestion: str | None = None,
    ) -> None:
        """Build the error; *caret* is the 0-based index in *line_text* (default: column - 1)."""
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.expected = expected
        self.found = found
        self.where = f"{source}:{line}:{column}"
        self.value = value
        self.suggestion = suggestion
        self.line_text, self.caret_line = _snippet(
            line_text, column - 1 if caret is None else caret
        )
        text = f"{self.where}: {message}{_suffix(suggestion)}"
        if self.line_text:
            text += f"\n    {self.line_text}\n    {self.caret_line}"
        EscalationRulesError.__init__(self, text)

    def __reduce__(self) -> tuple[object, ...]:
        # The default would call __init__ again with the rendered text as the message.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(
    cls: type[PolicySyntaxError], args: tuple[object, ...], state: dict[str, object]
) -> PolicySyntaxError:
    """Rebuild a pickled PolicySyntaxError without rendering it again."""
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


def _snippet(line: str, caret: int) -> tuple[str, str]:
    """The line as shown (cut around *caret*, unprintables as ``?``) and its caret line."""
    if not line:
        return "", ""
    caret = max(0, min(caret, len(line)))
    if len(line) > _SNIPPET_WIDTH:
        start = max(0, caret - _SNIPPET_WIDTH // 2)
        end = min(len(line), start + _SNIPPET_WIDTH)
        shown = line[start:end]
        caret -= start
        if start:
            shown, caret = "..." + shown, caret + 3
        if end < len(line):
            shown += "..."
        line = shown
    line = "".join(c if c.isprintable() or c == "\t" else "?" for c in line)
    pad = "".join("\t" if c == "\t" else " " for c in line[:caret])
    return line, pad + "^"


class ForecastError(EscalationRulesError):
    """A forecast that would not end: a rule keeps acting without settling."""


def _rebuild_evaluation_error(
    cls: type[EvaluationError], message: str, field: str, value: object, rule: str | None
) -> EvaluationError:
    return cls(message, field=field, value=value, rule=rule)
