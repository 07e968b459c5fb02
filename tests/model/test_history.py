"""An issue's history appends in O(new events); every value it ever held reads the same."""

from __future__ import annotations

import pickle
import threading
import tracemalloc
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import Event, EventKind, Issue
from escalation_rules._model.history import AppendOnly
from escalation_rules._model.issue import summary_of

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _long_issue(n: int) -> Issue:
    history = [Event(EventKind.CREATED, T0)] + [
        Event(EventKind.CUSTOMER_MESSAGE, T0 + timedelta(seconds=i)) for i in range(1, n)
    ]
    return Issue("long", T0, history=history)


def test_appending_to_a_long_history_allocates_for_the_new_event_only() -> None:
    issue = _long_issue(200_000)
    issue = issue.with_event(Event(EventKind.CUSTOMER_MESSAGE, T0 + timedelta(days=3)))  # warm
    event = Event(EventKind.AGENT_REPLY, T0 + timedelta(days=4))
    tracemalloc.start()
    try:
        appended = issue.with_event(event)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Copying the history would allocate 1.6 MB (200,000 pointers) per tuple.
    assert peak < 64_000, peak
    assert len(appended.history) == 200_002 and appended.history[-1] is event
    assert len(issue.history) == 200_001 and issue.history[-1].at == T0 + timedelta(days=3)
    assert summary_of(appended).replies[-1] == (200_001, event.at)


def test_a_history_equals_and_hashes_like_the_tuple_of_its_events() -> None:
    issue = _long_issue(3).with_event(Event(EventKind.CUSTOMER_MESSAGE, T0 + timedelta(hours=1)))
    as_tuple = tuple(issue.history)
    assert issue.history == as_tuple and as_tuple == issue.history
    assert hash(issue.history) == hash(as_tuple)
    assert issue.history[1:] == as_tuple[1:] and isinstance(issue.history[1:], tuple)
    assert issue.history + () == as_tuple  # noqa: RUF005 (the operator is under test)
    assert repr(issue.history) == repr(as_tuple)
    assert issue.history != list(as_tuple)
    assert pickle.loads(pickle.dumps(issue)) == issue


def test_an_older_issue_is_unchanged_by_appends_to_it_and_to_its_successors() -> None:
    base = _long_issue(5)
    later = base.with_event(Event(EventKind.CUSTOMER_MESSAGE, T0 + timedelta(hours=1)))
    branch = base.with_event(Event(EventKind.AGENT_REPLY, T0 + timedelta(hours=2)))
    assert len(base.history) == 5 and list(base.history) == list(_long_issue(5).history)
    assert later.history[-1].kind is EventKind.CUSTOMER_MESSAGE
    assert branch.history[-1].kind is EventKind.AGENT_REPLY
    assert summary_of(branch).replies == ((5, T0 + timedelta(hours=2)),)
    assert not summary_of(later).replies


def test_iterating_a_view_never_reads_items_appended_later() -> None:
    view = AppendOnly(range(3))
    seen = []
    for item in view:
        seen.append(item)
        view.appended((99,))  # extends the shared list the first time
    assert seen == [0, 1, 2]


def test_threads_appending_to_one_view_each_get_their_own_result() -> None:
    view = AppendOnly(range(10))
    results: dict[int, AppendOnly[int]] = {}

    def work(k: int) -> None:
        results[k] = view.appended(tuple(range(100 * k, 100 * k + 50)))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, result in results.items():
        assert result == (*range(10), *range(100 * k, 100 * k + 50))
    assert view == tuple(range(10))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.lists(st.integers(), max_size=4)), max_size=30))
def test_appends_from_any_earlier_view_behave_like_tuples(
    steps: list[tuple[int, list[int]]],
) -> None:
    views: list[tuple[AppendOnly[int], tuple[int, ...]]] = [(AppendOnly(), ())]
    for pick, new in steps:
        view, model = views[pick % len(views)]
        views.append((view.appended(tuple(new)), (*model, *new)))
        for v, m in views:
            assert v == m and len(v) == len(m) and tuple(v) == m
            assert (v[-1] == m[-1]) if m else not v


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 30),
    st.integers(0, 10),
    st.one_of(st.none(), st.integers(-40, 40)),
    st.one_of(st.none(), st.integers(-40, 40)),
    st.one_of(st.none(), st.integers(-5, 5).filter(bool)),
)
def test_a_slice_of_a_view_is_the_slice_of_its_items(
    size: int, more: int, start: int | None, stop: int | None, step: int | None
) -> None:
    """A view sees only its own items, whatever the slice (and even after a longer view
    appended to the same storage)."""
    view = AppendOnly(range(size))
    longer = view.appended(list(range(size, size + more)))
    cut = slice(start, stop, step)
    assert view[cut] == tuple(range(size))[cut]
    assert longer[cut] == tuple(range(size + more))[cut]


def test_slicing_the_end_of_a_long_history_copies_only_the_end() -> None:
    view = AppendOnly(range(200_000))
    tracemalloc.start()
    try:
        view[-3:]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000  # the whole view copied first would be 1.6 MB
