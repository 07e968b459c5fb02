"""Conditions: comparisons, membership, missing values, kinds, combinators, reprs."""

from __future__ import annotations

import pytest

from escalation_rules import (
    ALWAYS,
    NEVER,
    Customer,
    F,
    FieldTypeError,
    MissingFieldError,
    PolicyError,
    all_of,
    any_of,
    field,
    predicate,
)
from escalation_rules._conditions import All, Any_

from .conftest import make_issue

ISSUE = make_issue(
    "T-1",
    priority="P1",
    category="billing",
    customer=Customer(tier="enterprise", value=5000.0, attributes={"region": "emea"}),
    tags=["vip", "web"],
    attributes={"refund": 750, "product": {"line": "pro"}, "note": None},
)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (F.priority == "P1", True),
        (F.priority != "P1", False),
        (F.priority == "P2", False),
        (F.customer.value > 1000, True),
        (F.customer.value >= 5000, True),
        (F.customer.value < 5000, False),
        (F.customer.value <= 5000.0, True),
        (F.priority.isin(["P1", "P2"]), True),
        (F.priority.isin(["P3"]), False),
        (F.tags.contains("vip"), True),
        (F.tags.contains("phone"), False),
        (F.attributes.refund > 500, True),
        (F.attributes.product.line == "pro", True),
        (F.customer.attributes.region == "emea", True),
        (F.category.exists(), True),
        (F.language.exists(), False),
        (F.attributes.note.exists(), False),  # None counts as missing
        (F.attributes.absent.exists(), False),
        (field("customer.tier") == "enterprise", True),
        (ALWAYS, True),
        (NEVER, False),
    ],
    ids=repr,
)
def test_condition_value(condition: object, expected: bool) -> None:
    assert condition(ISSUE) is expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (F.language == "de", False),
        (F.language != "de", True),
        (F.language.isin(["de", "fr"]), False),
        (F.attributes.absent == 3, False),
        (F.attributes.absent.isin([1, 2]), False),
    ],
    ids=repr,
)
def test_missing_value_equals_nothing(condition: object, expected: bool) -> None:
    assert condition(ISSUE) is expected  # type: ignore[operator]


@pytest.mark.parametrize("condition", [F.attributes.absent > 3, F.attributes.note <= 1])
def test_ordering_a_missing_value_raises(condition: object) -> None:
    with pytest.raises(MissingFieldError, match=r"is missing.*exists\(\)") as info:
        condition(ISSUE)  # type: ignore[operator]
    assert info.value.field.startswith("attributes.")


def test_guarded_ordering_on_missing_value_is_false() -> None:
    guarded = F.attributes.absent.exists() & (F.attributes.absent > 3)
    assert guarded(ISSUE) is False


@pytest.mark.parametrize(
    "condition",
    [
        F.attributes.refund == "750",
        F.attributes.refund > "500",
        F.attributes.product.line.isin([1, 2]),
        F.attributes.refund.contains("x"),
        F.customer.attributes.region == 3,
    ],
    ids=repr,
)
def test_comparing_different_kinds_raises(condition: object) -> None:
    with pytest.raises(FieldTypeError, match=r"never coerced|not a set"):
        condition(ISSUE)  # type: ignore[operator]


def test_bool_is_not_a_number() -> None:
    issue = make_issue(attributes={"flag": True})
    with pytest.raises(FieldTypeError):
        (F.attributes.flag == 1)(issue)
    assert (F.attributes.flag == True)(issue) is True  # noqa: E712


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: F.prioritty == "P1", "did you mean 'priority'"),
        (lambda: F.customer.teir == "gold", "did you mean 'customer.tier'"),
        (lambda: F.priority == 1, "cannot compare priority \\(string\\)"),
        (lambda: F.customer.value > "10", "cannot compare customer.value \\(number\\)"),
        (lambda: F.priority == None, "use F.priority.exists"),  # noqa: E711
        (lambda: F.tags == "vip", "is a set"),
        (lambda: F.priority.contains("P"), "not a set"),
        (lambda: F.priority.isin([]), "empty list"),
        (lambda: F.priority.isin(["P1", 2]), "mix kinds"),
        (lambda: F.customer.value.isin(["a"]), "holds a number"),
        (lambda: F.attributes == 3, "unknown field 'attributes'"),
    ],
)
def test_bad_conditions_fail_when_built(build: object, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        build()  # type: ignore[operator]


def test_isin_rejects_a_bare_string() -> None:
    with pytest.raises(TypeError, match="not the string"):
        F.priority.isin("P1")


def test_a_field_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match=r"combine conditions with &, \| and ~"):
        bool(F.priority)


def test_combinators_flatten() -> None:
    a, b, c = F.priority == "P1", F.category == "x", F.tags.contains("y")
    assert (a & b) & c == a & (b & c) == All((a, b, c))
    assert (a | b) | c == a | (b | c) == Any_((a, b, c))
    assert all_of(a) == a and any_of(a) == a


def test_combinator_truth_tables() -> None:
    t, f = ALWAYS, NEVER
    assert (t & f)(ISSUE) is False and (t | f)(ISSUE) is True
    assert (~t)(ISSUE) is False and (~~t)(ISSUE) is True
    assert all_of()(ISSUE) is True and any_of()(ISSUE) is False


def test_and_short_circuits_before_an_error() -> None:
    assert (NEVER & (F.attributes.absent > 3))(ISSUE) is False
    assert (ALWAYS | (F.attributes.absent > 3))(ISSUE) is True


def test_predicate_is_named_and_must_return_bool() -> None:
    big = predicate("big-refund", lambda issue: issue.attributes.get("refund", 0) > 700)
    assert big(ISSUE) is True
    assert repr(big) == "predicate('big-refund')"
    bad = predicate("bad", lambda issue: "yes")  # type: ignore[arg-type,return-value]
    with pytest.raises(FieldTypeError, match="not a bool"):
        bad(ISSUE)


def test_repr_reads_like_the_dsl() -> None:
    cond = (F.priority == "P1") & (F.customer.tier.isin(["gold"]) | ~F.tags.contains("x"))
    assert repr(cond) == (
        "(F.priority == 'P1') & (F.customer.tier.isin(['gold']) | ~F.tags.contains('x'))"
    )


def test_combining_with_a_non_condition_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="is a field, not a condition"):
        (F.priority == "P1") & F.category  # type: ignore[operator]
    with pytest.raises(TypeError, match="expected a Condition"):
        (F.priority == "P1") | True  # type: ignore[operator]


def test_a_condition_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match="has no truth value"):
        _ = (F.priority == "P1") and (F.category == "x")


@pytest.mark.parametrize(
    ("condition", "value"),
    [
        (F.attributes.x.isin([1]), True),
        (F.attributes.x.isin([True]), 1),
        (F.attributes.x.isin(["a"]), ["unhashable"]),
    ],
    ids=repr,
)
def test_isin_checks_kinds_before_membership(condition: object, value: object) -> None:
    with pytest.raises(FieldTypeError, match="never coerced"):
        condition(make_issue(attributes={"x": value}))  # type: ignore[operator]


def test_contains_takes_a_string() -> None:
    with pytest.raises(PolicyError, match="takes a string"):
        F.tags.contains(5)  # type: ignore[arg-type]
