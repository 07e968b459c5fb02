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


class EscalationRulesError(Exception):
    """Root of every error raised by escalation_rules.

    Every error keeps its parts as attributes and renders them in ``str(exc)``
    as ``"{where}: {message} (did you mean {suggestion!r}?)"``; code that needs
    one part reads the attribute, never the text.

    Attributes:
        message: the message alone, without place or suggestion.
        where: the place of the mistake (a rule, a key, ``file:line:column``), or ``None``.
        suggestion: the closest valid name, when the value looks misspelt, or ``None``.
        value: the offending value, or ``None``.
    """

    _suggestion_text = " (did you mean {!r}?)"

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        value: object = None,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.value = value
        self.suggestion = suggestion

    def __str__(self) -> str:
        place = f"{self.where}: " if self.where else ""
        hint = self._suggestion_text.format(self.suggestion) if self.suggestion else ""
        return f"{place}{self.message}{hint}"

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its parts: subclasses' __init__ take other arguments than the message.
        return (_restore, (type(self), self.args, self.__dict__))


class PolicyError(EscalationRulesError, ValueError):
    """A policy, level or rule is invalid; raised when it is built.

    Attributes:
        where: the place in the policy, such as ``"rules[2] 'sla-breach'"``.
        value: the offending value.
        suggestion: the closest valid name, when the value looks misspelt.
        subject: what the mistake is in, as data: ``("rule", name)``, ``("level", id)``,
            ``("levels", index)``, ``("policy", key)``, ``("hours", weekday key)``,
            ``("exceptions", "YYYY-MM-DD")``;
            ``None`` when ``where`` says it all. A policy file reader finds the line from it.
    """

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        value: object = None,
        suggestion: str | None = None,
        subject: tuple[str, object] | None = None,
    ) -> None:
        super().__init__(message, where=where, value=value, suggestion=suggestion)
        self.subject = subject

    def about(self, kind: str, name: object) -> PolicyError:
        """This error, with *subject* ``(kind, name)`` unless it already names a finer one."""
        if self.subject is None:
            self.subject = (kind, name)
        return self


class IssueError(EscalationRulesError, ValueError):
    """An issue, an event or an instant that the engine cannot work with.

    Attributes:
        where: the place, such as ``"log.csv line 7, column 'status'"``, when known.
        value: the offending value.
        suggestion: the closest valid name, when the value looks misspelt.
    """


class NaiveDatetimeError(IssueError):
    """A datetime without a time zone was given where an instant is needed."""


class EvaluationError(EscalationRulesError):
    """A condition could not be decided for a given issue.

    Attributes:
        field: the dotted field path involved.
        value: the issue's value at that path.
        rule: the name of the rule being evaluated, when known (``where`` is ``"rule NAME"``).
        suggestion: the closest valid name, when the value looks misspelt.
    """

    _suggestion_text = "; did you mean {!r}?"

    def __init__(
        self,
        message: str,
        *,
        field: str,
        value: object = None,
        rule: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        where = None if rule is None else f"rule {rule!r}"
        super().__init__(message, where=where, value=value, suggestion=suggestion)
        self.field = field
        self.rule = rule

    def in_rule(self, rule: str) -> EvaluationError:
        """Return the same error, naming the rule it happened in."""
        return type(self)(
            self.message, field=self.field, value=self.value, rule=rule, suggestion=self.suggestion
        )


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
        super().__init__(
            message, where=f"{source}:{line}:{column}", value=value, suggestion=suggestion
        )
        self.source = source
        self.line = line
        self.column = column
        self.expected = expected
        self.found = found
        self.line_text, self.caret_line = _snippet(
            line_text, column - 1 if caret is None else caret
        )

    def __str__(self) -> str:
        text = super().__str__()
        if self.line_text:
            text += f"\n    {self.line_text}\n    {self.caret_line}"
        return text


def _restore(
    cls: type[EscalationRulesError], args: tuple[object, ...], state: dict[str, object]
) -> EscalationRulesError:
    """Rebuild a pickled error from its args and attributes, without calling ``__init__``."""
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


class WorkerError(EscalationRulesError):
    """A worker process of a parallel or distributed backtest failed on an issue.

    ``value`` is the issue's id; the message names it, the worker and what went wrong.
    """


class ForecastError(EscalationRulesError):
    """A forecast that would not end: a rule keeps acting without settling."""
