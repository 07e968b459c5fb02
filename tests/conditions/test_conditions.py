"""Conditions: comparisons, membership, missing values, kinds, combinators, reprs."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    ALWAYS,
    NEVER,
    Condition,
    Context,
    Customer,
    EscalationRulesError,
    EvaluationError,
    F,
    FieldTypeError,
    Issue,
    MissingFieldError,
    Policy,
    PolicyError,
    all_of,
    any_of,
    escalate,
    field,
    hours,
    predicate,
    since,
)
from escalation_rules._conditions.compare import Compare
from escalation_rules._conditions.condition import All, Any_
from escalation_rules._frozendict import FrozenDict

from ..conftest import T0, at, make_issue, three_levels

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


_FIELDS_ARE = (
    "fields are assignee, category, customer.account, customer.id, customer.tier, "
    "customer.value, id, language, level, priority, product, skills, status, tags, team, "
    "attributes.NAME and customer.attributes.NAME"
)

# id, the condition to build, the whole message, the PolicyError's value and suggestion.
REFUSED = [
    (
        "misspelt-field",
        lambda: F.prioritty == "P1",
        f"unknown field 'prioritty'; {_FIELDS_ARE} (did you mean 'priority'?)",
        "prioritty",
        "priority",
    ),
    (
        "misspelt-nested-field",
        lambda: F.customer.teir == "gold",
        f"unknown field 'customer.teir'; {_FIELDS_ARE} (did you mean 'customer.tier'?)",
        "customer.teir",
        "customer.tier",
    ),
    (
        "bare-attributes",
        lambda: F.attributes == 3,
        f"unknown field 'attributes'; {_FIELDS_ARE} (did you mean 'attributes.NAME'?)",
        "attributes",
        "attributes.NAME",
    ),
    (
        "empty-attribute-name",
        lambda: field("attributes.") == 3,
        f"unknown field 'attributes.'; {_FIELDS_ARE} (did you mean 'attributes.NAME'?)",
        "attributes.",
        "attributes.NAME",
    ),
    (
        "empty-customer-attribute-name",
        lambda: field("customer.attributes.").exists(),
        f"unknown field 'customer.attributes.'; {_FIELDS_ARE} "
        "(did you mean 'customer.attributes.NAME'?)",
        "customer.attributes.",
        "customer.attributes.NAME",
    ),
    (
        "unknown-operator",
        lambda: Compare("priority", "=~", "P1"),
        "unknown comparison operator '=~'",
        "=~",
        None,
    ),
    (
        "compare-with-none",
        lambda: F.priority == None,  # noqa: E711
        "cannot compare priority with None; use F.priority.exists()",
        None,
        None,
    ),
    (
        "compare-a-set",
        lambda: F.tags == "vip",
        "tags is a set; use F.tags.contains(x)",
        "vip",
        None,
    ),
    (
        "string-with-number",
        lambda: F.priority == 1,
        "cannot compare priority (string) == number 1",
        1,
        None,
    ),
    (
        "number-with-string",
        lambda: F.customer.value > "10",
        "cannot compare customer.value (number) > string '10'",
        "10",
        None,
    ),
    (
        "string-with-boolean",
        lambda: F.priority != True,  # noqa: E712
        "cannot compare priority (string) != boolean True",
        True,
        None,
    ),
    (
        "string-with-datetime",
        lambda: F.priority <= T0,
        f"cannot compare priority (string) <= datetime {T0!r}",
        T0,
        None,
    ),
    (
        "number-with-duration",
        lambda: F.customer.value >= timedelta(days=1),
        "cannot compare customer.value (number) >= duration datetime.timedelta(days=1)",
        timedelta(days=1),
        None,
    ),
    (
        "string-with-set",
        lambda: F.priority < frozenset({"a"}),
        "cannot compare priority (string) < set frozenset({'a'})",
        frozenset({"a"}),
        None,
    ),
    (
        "string-with-bytes",
        lambda: F.priority == b"x",
        "cannot compare priority (string) == bytes b'x'",
        b"x",
        None,
    ),
    (
        "contains-on-a-string",
        lambda: F.priority.contains("P"),
        "priority holds a string, not a set; use == or isin()",
        "P",
        None,
    ),
    (
        "contains-a-number",
        lambda: F.tags.contains(5),
        "tags.contains() takes a string, got 5",
        5,
        None,
    ),
    (
        "isin-empty",
        lambda: F.priority.isin([]),
        "priority is tested against an empty list",
        (),
        None,
    ),
    (
        "isin-mixed-kinds",
        lambda: F.priority.isin(["P1", 2, True]),
        "the values tested against priority mix kinds: ['boolean', 'number', 'string']",
        ("P1", 2, True),
        None,
    ),
    (
        "isin-wrong-kind",
        lambda: F.customer.value.isin(["a"]),
        "customer.value holds a number, tested against string values ['a']",
        ("a",),
        None,
    ),
    (
        "isin-on-a-set",
        lambda: F.tags.isin(["vip"]),
        "tags is a set; use F.tags.contains(x)",
        ("vip",),
        None,
    ),
]


@pytest.mark.parametrize(
    ("build", "message", "value", "suggestion"),
    [pytest.param(*row[1:], id=row[0]) for row in REFUSED],
)
def test_bad_conditions_fail_when_built(
    build: Callable[[], object], message: str, value: object, suggestion: str | None
) -> None:
    with pytest.raises(PolicyError) as info:
        build()
    assert isinstance(info.value, ValueError) and isinstance(info.value, EscalationRulesError)
    assert str(info.value) == message
    assert info.value.value == value and type(info.value.value) is type(value)
    assert info.value.suggestion == suggestion


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: F.attributes.x == "a", True),
        (lambda: F.attributes.x.isin(["b", "c"]), False),
        (lambda: field("customer.attributes.x").exists(), True),
        (lambda: field("customer.attributes.x").contains("b"), True),
    ],
    ids=["equals", "isin", "exists", "contains"],
)
def test_a_one_character_attribute_name_is_a_field(
    build: Callable[[], Condition], expected: bool
) -> None:
    issue = make_issue(attributes={"x": "a"}, customer=Customer(attributes={"x": ["b"]}))
    assert build()(issue) is expected


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


# --------------------------------------------------------------- errors met when deciding

# id, the condition, the issue's attributes, the error, its whole message, field, value.
UNDECIDABLE = [
    (
        "number-with-string",
        F.attributes.refund == "750",
        {"refund": 750},
        FieldTypeError,
        "cannot compare attributes.refund (number 750) == string '750'; "
        "values of different kinds are never coerced",
        "attributes.refund",
        750,
    ),
    (
        "ordered-number-with-string",
        F.attributes.refund > "500",
        {"refund": 750},
        FieldTypeError,
        "cannot compare attributes.refund (number 750) > string '500'; "
        "values of different kinds are never coerced",
        "attributes.refund",
        750,
    ),
    (
        "boolean-with-number",
        F.attributes.flag == 1,
        {"flag": True},
        FieldTypeError,
        "cannot compare attributes.flag (boolean True) == number 1; "
        "values of different kinds are never coerced",
        "attributes.flag",
        True,
    ),
    (
        "datetime-with-string",
        F.attributes.due != "soon",
        {"due": T0},
        FieldTypeError,
        f"cannot compare attributes.due (datetime {T0!r}) != string 'soon'; "
        "values of different kinds are never coerced",
        "attributes.due",
        T0,
    ),
    (
        "duration-with-number",
        F.attributes.wait >= 3,
        {"wait": timedelta(hours=1)},
        FieldTypeError,
        "cannot compare attributes.wait (duration datetime.timedelta(seconds=3600)) >= "
        "number 3; values of different kinds are never coerced",
        "attributes.wait",
        timedelta(hours=1),
    ),
    (
        "list-with-string",
        F.attributes.labels == "a",
        {"labels": ["a"]},
        FieldTypeError,
        # attributes are frozen on the way in: the list is stored as a tuple
        "cannot compare attributes.labels (set ('a',)) == string 'a'; "
        "values of different kinds are never coerced",
        "attributes.labels",
        ("a",),
    ),
    (
        "mapping-with-string",
        F.attributes.product < "pro",
        {"product": {"line": "pro"}},
        FieldTypeError,
        "cannot compare attributes.product (dict {'line': 'pro'}) < string 'pro'; "
        "values of different kinds are never coerced",
        "attributes.product",
        FrozenDict({"line": "pro"}),  # frozen on the way in
    ),
    (
        "isin-string-with-numbers",
        F.attributes.line.isin([1, 2]),
        {"line": "pro"},
        FieldTypeError,
        "cannot test whether attributes.line (string 'pro') is in [1, 2]; "
        "values of different kinds are never coerced",
        "attributes.line",
        "pro",
    ),
    (
        "contains-in-a-number",
        F.attributes.refund.contains("x"),
        {"refund": 750},
        FieldTypeError,
        "attributes.refund is a number (750), not a set, so it cannot contain 'x'",
        "attributes.refund",
        750,
    ),
    (
        "ordering-a-missing-value",
        F.attributes.absent >= 3,
        {},
        MissingFieldError,
        "attributes.absent is missing, so 'attributes.absent >= 3' cannot be decided; "
        "guard it with F.attributes.absent.exists()",
        "attributes.absent",
        None,
    ),
    (
        "predicate-not-returning-a-bool",
        predicate("bad", lambda issue: "yes"),  # type: ignore[arg-type,return-value]
        {},
        FieldTypeError,
        "predicate 'bad' returned 'yes', not a bool",
        "bad",
        "yes",
    ),
]


@pytest.mark.parametrize(
    ("condition", "attributes", "error", "message", "field_", "value"),
    [pytest.param(*row[1:], id=row[0]) for row in UNDECIDABLE],
)
def test_undecidable_conditions_name_the_field_and_the_value(
    condition: Condition,
    attributes: dict[str, object],
    error: type[EvaluationError],
    message: str,
    field_: str,
    value: object,
) -> None:
    with pytest.raises(error) as info:
        condition(make_issue(attributes=attributes))
    assert isinstance(info.value, EvaluationError)
    assert str(info.value) == message
    assert info.value.field == field_
    assert info.value.value == value and type(info.value.value) is type(value)


# ------------------------------------------------------------- numbers, sets, missing values


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        (F.customer.value == 5000, 5000.0, True),
        (F.customer.value != 5000, 5000.0, False),
        (F.customer.value.isin([5000, 10000]), 5000.0, True),
        (F.customer.value.isin([5000, 10000]), 10000.0, True),
        (F.customer.value.isin([5000, 10000]), 7500.5, False),
        (F.customer.value.isin([2.5, 7.5]), 5, False),
        (F.customer.value <= 5000, 5000.0, True),
    ],
    ids=repr,
)
def test_an_int_and_a_float_are_both_numbers(
    condition: Condition, value: float, expected: bool
) -> None:
    assert condition(make_issue(customer=Customer(value=value))) is expected


@pytest.mark.parametrize(
    "condition",
    [
        F.attributes.labels.contains("x"),
        F.customer.attributes.labels.contains("x"),
        F.attributes.note.contains("x"),
    ],
    ids=repr,
)
def test_a_missing_value_contains_nothing(condition: Condition) -> None:
    assert condition(ISSUE) is False
    assert (~condition)(ISSUE) is True


# ----------------------------------------------------------------------------- combinators

# Field conditions (they read the issue) and their value on ISSUE.
PARTS = [
    (F.priority == "P1", True),
    (F.category.isin(["billing", "sales"]), True),
    (F.tags.contains("web"), True),
    (F.customer.value >= 5000, True),
    (F.attributes.refund.exists(), True),
    (F.priority != "P1", False),
    (F.category.isin(["sales"]), False),
    (F.language.exists(), False),
    (F.customer.attributes.region == "apac", False),
    (~F.tags.contains("vip"), False),
]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(PARTS), max_size=5))
def test_all_of_and_any_of_decide_like_all_and_any(parts: list[tuple[Condition, bool]]) -> None:
    conditions = [c for c, _ in parts]
    truths = [t for _, t in parts]
    assert all_of(*conditions)(ISSUE) is all(truths)
    assert any_of(*conditions)(ISSUE) is any(truths)
    assert (~all_of(*conditions))(ISSUE) is not all(truths)
    assert (~any_of(*conditions))(ISSUE) is not any(truths)


@pytest.mark.parametrize("parts", [2, 3, 4])
def test_the_parts_after_the_deciding_one_are_not_decided(parts: int) -> None:
    undecidable = F.attributes.absent > 3
    true, false = F.priority == "P1", F.priority == "P2"
    assert all_of(*[true] * (parts - 2), false, undecidable)(ISSUE) is False
    assert any_of(*[false] * (parts - 2), true, undecidable)(ISSUE) is True
    with pytest.raises(MissingFieldError):
        all_of(*[true] * (parts - 1), undecidable)(ISSUE)
    with pytest.raises(MissingFieldError):
        any_of(*[false] * (parts - 1), undecidable)(ISSUE)


def test_fields_lists_every_field_read_in_order() -> None:
    cond = all_of(
        F.priority == "P1",
        F.tags.contains("x") | F.language.exists() | F.attributes.refund.isin([1]),
        ~(F.customer.tier == "gold"),
        ALWAYS,
        predicate("p", lambda issue: True),
    )
    assert tuple(cond.fields()) == (
        "priority",
        "tags",
        "language",
        "attributes.refund",
        "customer.tier",
    )
    assert tuple((F.level.exists() | (F.team == "a")).fields()) == ("level", "team")


# ------------------------------------------------------------------ defaults from a policy

NO_LEVEL = make_issue(priority="P1")  # level None: the policy's first level
AT_L2 = make_issue(priority="P1", level="L2")
FIRST_LEVEL = {"level": "L1"}


@pytest.mark.parametrize(
    ("condition", "without_level", "at_l2"),
    [
        (F.level == "L1", True, False),
        (F.level != "L1", False, True),
        (F.level == "L2", False, True),
        (F.level.isin(["L1", "L3"]), True, False),
        (F.level.exists(), True, True),
        (F.level < "L2", True, False),
        ((F.priority == "P1") & (F.level == "L1"), True, False),
        ((F.priority == "P2") | (F.level == "L1"), True, False),
        (~(F.level == "L1"), False, True),
        (all_of(F.priority == "P1", F.priority != "P3", F.level == "L1"), True, False),
        (any_of(F.priority == "P2", F.priority == "P3", F.level == "L1"), True, False),
        (F.priority == "P1", True, True),
        (F.language.exists(), False, False),
    ],
    ids=repr,
)
def test_a_default_stands_in_for_an_unset_field_only(
    condition: Condition, without_level: bool, at_l2: bool
) -> None:
    test = condition.compile(FIRST_LEVEL)
    assert test(NO_LEVEL) is without_level
    assert test(AT_L2) is at_l2


def test_without_defaults_an_unset_level_is_missing() -> None:
    assert (F.level == "L1")(NO_LEVEL) is False
    assert F.level.exists()(NO_LEVEL) is False
    with pytest.raises(MissingFieldError):
        (F.level < "L2")(NO_LEVEL)


# ----------------------------------------------------------------- timed (engine) compilation

POLICY = Policy(three_levels(), [])
RISES = {k: since("created") >= hours(k) for k in (1, 2, 3, 4)}
FALLS = {k: since("created") < hours(k) for k in (1, 2, 3, 4)}
FLIPS = [at(k) for k in (1, 2, 3, 4)]
NOWS = [at(h / 2) for h in range(11)]


def context(issue: Issue, now: datetime) -> Context:
    """The context the engine builds for an issue at the first level."""
    return Context(POLICY, issue, now, POLICY.levels[0], 0, POLICY.status_of(issue))


# A condition tree: ("leaf", condition, value at t) | ("all"|"any", [trees]) | ("not", tree)
Tree = tuple[Any, ...]

CONSTANTS: list[Tree] = [
    ("leaf", F.priority == "P1", lambda t: True),
    ("leaf", F.priority == "P2", lambda t: False),
    ("leaf", since("acknowledged") >= hours(1), lambda t: False),  # never acknowledged
]
RISING: list[Tree] = [("leaf", c, lambda t, k=k: t >= at(k)) for k, c in RISES.items()]
FALLING: list[Tree] = [("leaf", c, lambda t, k=k: t < at(k)) for k, c in FALLS.items()]


def build(tree: Tree) -> Condition:
    kind = tree[0]
    if kind == "leaf":
        return tree[1]
    if kind == "not":
        return ~build(tree[1])
    return (all_of if kind == "all" else any_of)(*(build(c) for c in tree[1]))


def value_at(tree: Tree, t: datetime) -> bool:
    kind = tree[0]
    if kind == "leaf":
        return tree[2](t)
    if kind == "not":
        return not value_at(tree[1], t)
    return (all if kind == "all" else any)(value_at(c, t) for c in tree[1])


def groups(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.tuples(st.sampled_from(["all", "any"]), st.lists(children, max_size=4))


def trees(leaves: list[Tree], negate: bool) -> st.SearchStrategy[Tree]:
    def extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
        nots = st.tuples(st.just("not"), children)
        return st.one_of(groups(children), nots) if negate else groups(children)

    return st.recursive(st.sampled_from(leaves), extend, max_leaves=8)


def decide_timed(tree: Tree, now: datetime) -> tuple[bool, datetime | None]:
    issue = make_issue(priority="P1")
    return build(tree).compile_timed()(context(issue, now))


@settings(max_examples=50, deadline=None)
@given(trees(CONSTANTS + RISING + FALLING, negate=True), st.sampled_from(NOWS))
def test_timed_value_holds_until_the_announced_change(tree: Tree, now: datetime) -> None:
    """Sound: the value now is right, and it stays so up to the announced instant."""
    holds, change = decide_timed(tree, now)
    assert holds is value_at(tree, now)
    later = [t for t in FLIPS if t > now]
    assert change is None or change in later
    for t in later:
        if change is None or t < change:
            assert value_at(tree, t) is holds, t


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from([RISING, FALLING]).flatmap(lambda leaves: trees(CONSTANTS + leaves, False)),
    st.booleans(),
    st.sampled_from(NOWS),
)
def test_timed_change_is_exact_when_all_parts_move_one_way(
    tree: Tree, negated: bool, now: datetime
) -> None:
    """When every part can only turn the same way, the announced instant is the change."""
    if negated:
        tree = ("not", tree)
    holds, change = decide_timed(tree, now)
    assert holds is value_at(tree, now)
    changes = [t for t in FLIPS if t > now and value_at(tree, t) is not holds]
    assert change == (changes[0] if changes else None)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (all_of(RISES[1], RISES[3]), (False, at(3))),
        (all_of(FALLS[2], FALLS[4], F.priority == "P1"), (True, at(2))),
        (any_of(RISES[3], RISES[2], F.priority == "P2"), (False, at(2))),
        (any_of(FALLS[1], FALLS[3]), (True, at(3))),
        (all_of(RISES[1], F.priority == "P2"), (False, None)),
        (any_of(FALLS[1], F.priority == "P1"), (True, None)),
        (all_of(FALLS[2], RISES[3]), (False, at(3))),  # may change: re-evaluated then
        (~all_of(RISES[1], RISES[3]), (True, at(3))),
        (all_of(), (True, None)),
        (any_of(), (False, None)),
    ],
    ids=repr,
)
def test_timed_value_and_next_change(
    condition: Condition, expected: tuple[bool, datetime | None]
) -> None:
    assert condition.compile_timed()(context(make_issue(priority="P1"), at(0.5))) == expected


def test_a_timed_group_stops_at_a_part_decided_for_good() -> None:
    """As the issue-only test short-circuits, a guard also protects the later parts."""
    undecidable = F.attributes.absent > 3
    ctx = context(make_issue(priority="P1"), at(0.5))
    never = since("acknowledged") >= hours(1)
    assert all_of(RISES[1], never, undecidable).compile_timed()(ctx) == (False, None)
    assert any_of(RISES[1], F.priority == "P1", undecidable).compile_timed()(ctx) == (True, None)
    with pytest.raises(MissingFieldError):
        all_of(RISES[1], undecidable).compile_timed()(ctx)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (all_of(F.level == "L1", RISES[1]), (False, at(1))),
        (any_of(F.level == "L1", RISES[1]), (True, None)),
        (~all_of(F.level == "L1", RISES[1]), (True, at(1))),
        (~(F.level == "L1"), (False, None)),
        (F.level.exists(), (True, None)),
    ],
    ids=repr,
)
def test_timed_compilation_passes_the_defaults_down(
    condition: Condition, expected: tuple[bool, datetime | None]
) -> None:
    assert condition.compile_timed(FIRST_LEVEL)(context(NO_LEVEL, at(0.5))) == expected


def test_a_timed_rule_sees_an_unset_level_as_the_first_level() -> None:
    rule = escalate("slow", when=(F.level == "L1") & (since("created") >= hours(1)))
    policy = Policy(three_levels(), [rule])
    early = policy.evaluate(NO_LEVEL, at(0.5))
    assert early.actions == () and early.next_evaluation_at == at(1)
    assert [a.rule for a in policy.evaluate(NO_LEVEL, at(1)).actions] == ["slow"]


def test_a_timed_condition_cannot_be_decided_on_an_issue_alone() -> None:
    timed = (F.priority == "P1") & (since("created") >= hours(1))
    assert timed.timed and (~timed).timed and (timed | NEVER).timed
    assert not ((F.priority == "P1") & NEVER).timed
    with pytest.raises(TypeError) as info:
        timed(ISSUE)
    assert str(info.value) == (
        f"{timed!r} depends on the instant; it can only be decided in a policy's rule"
    )


# ------------------------------------------------------------------- reprs, hashing, messages


def test_constants_and_empty_groups_read_like_the_dsl() -> None:
    assert (repr(ALWAYS), repr(NEVER)) == ("ALWAYS", "NEVER")
    assert (repr(all_of()), repr(any_of())) == ("all_of()", "any_of()")
    assert repr(~ALWAYS | NEVER) == "~ALWAYS | NEVER"
    assert (repr(F), repr(F.customer.tier)) == ("F", "F.customer.tier")


def test_explain_shows_a_missing_value_as_missing() -> None:
    policy = Policy(three_levels(), [escalate("de", when=F.language == "de")])
    (trace,) = policy.explain(ISSUE, at(1)).rules
    (failure,) = trace.failures
    assert (failure.field, repr(failure.value)) == ("language", "<missing>")


def test_fields_are_hashable_by_path() -> None:
    assert hash(F.customer.tier) == hash(field("customer.tier"))
    distinct = {F.priority, F.category, F.customer.tier, F.attributes.x}
    assert len(distinct) == 4


@pytest.mark.parametrize("ref", [F, F.priority, F.customer.tier], ids=repr)
def test_dunder_lookups_are_not_fields(ref: object) -> None:
    with pytest.raises(AttributeError) as info:
        ref.__wrapped__  # type: ignore[union-attr]  # noqa: B018
    assert info.value.args == ("__wrapped__",)
    assert repr(copy.deepcopy(ref)) == repr(ref)


def test_truth_value_messages_say_how_to_combine() -> None:
    cond = F.priority == "P1"
    with pytest.raises(TypeError) as info:
        bool(cond)
    assert str(info.value) == (
        "the condition F.priority == 'P1' has no truth value; combine conditions with &, | "
        "and ~ rather than and, or, not (and call it with an issue to decide it)"
    )
    with pytest.raises(TypeError) as info:
        bool(F.priority)
    assert str(info.value) == (
        "F.priority has no truth value; write a comparison or F.priority.exists(), "
        "and combine conditions with &, | and ~ rather than and, or, not"
    )


def test_a_list_literal_equals_a_list_attribute_once_both_are_frozen() -> None:
    # Review of issue 12: attributes froze lists into tuples, and `== [..]` became False.
    issue = make_issue(attributes={"x": ["a", "b"], "m": {"k": [1]}})
    assert (F.attributes.x == ["a", "b"]).compile()(issue)
    assert not (F.attributes.x != ["a", "b"]).compile()(issue)
    assert (F.attributes.m == {"k": [1]}).compile()(issue)
    with pytest.raises(PolicyError, match=r"a compared value: .* is a bytearray"):
        F.attributes.x == [bytearray(b"x")]  # noqa: B015
