"""Every error survives a pickle round trip (hosts send them across processes)."""

from __future__ import annotations

import pickle

import pytest

from escalation_rules import (
    CalendarError,
    EvaluationError,
    FieldTypeError,
    ForecastError,
    IssueError,
    MissingFieldError,
    NaiveDatetimeError,
    PolicyError,
)

ERRORS = [
    PolicyError("bad policy", where="rule 'x'", value=3, suggestion="y"),
    CalendarError("bad zone", where="tz", value="Europe/Berln", suggestion="Europe/Berlin"),
    IssueError("bad issue", value="z"),
    NaiveDatetimeError("naive", value=None),
    EvaluationError("cannot decide", field="priority", value=1, rule="r"),
    FieldTypeError("kinds", field="priority", value=1),
    MissingFieldError("missing", field="customer.value", rule="vip"),
    ForecastError("never settles"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_errors_pickle_with_their_message_and_type(error: Exception) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error)
    assert vars(copy) == vars(error)
