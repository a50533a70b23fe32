"""The scheduler gives back what fell due, earliest first, ties in the order scheduled."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mockserver.core.scheduler import Scheduler

TIMES = st.integers(min_value=0, max_value=50).map(float)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("schedule"), TIMES),
        st.tuples(st.just("pop"), TIMES),
    ),
    max_size=60,
)


@given(STEPS)
def test_pops_match_a_sorted_reference(steps: list[tuple[str, float]]) -> None:
    scheduler = Scheduler()
    pending: list[tuple[float, int]] = []
    for number, (action, at) in enumerate(steps):
        if action == "schedule":
            scheduler.schedule(at, "job", str(number))
            pending.append((at, number))
        else:
            expected = sorted(entry for entry in pending if entry[0] <= at)
            pending = [entry for entry in pending if entry[0] > at]
            got = [(due.at, int(due.ref)) for due in scheduler.pop_due(at)]
            assert got == expected
        assert len(scheduler) == len(pending)
        assert scheduler.next_at() == (min(pending)[0] if pending else None)


def test_in_order_entries_never_touch_the_heap_and_late_ones_merge() -> None:
    scheduler = Scheduler()
    for second in range(5):
        scheduler.schedule(10.0 + second, "job", f"job{second}")
    scheduler.schedule(11.5, "webhook", "retry")  # earlier than the last job: on the heap
    scheduler.schedule(12.0, "webhook", "tie")  # equal to job2's time, scheduled after it
    refs = [due.ref for due in scheduler.pop_due(12.0)]
    assert refs == ["job0", "job1", "retry", "job2", "tie"]
    assert scheduler.next_at() == 13.0


def test_a_limit_takes_the_earliest_and_leaves_the_rest_due() -> None:
    scheduler = Scheduler()
    for second in range(5):
        scheduler.schedule(10.0 + second, "job", f"job{second}")
    scheduler.schedule(11.5, "webhook", "retry")
    assert [due.ref for due in scheduler.pop_due(20.0, limit=3)] == ["job0", "job1", "retry"]
    assert [due.ref for due in scheduler.pop_due(20.0, limit=3)] == ["job2", "job3", "job4"]
    assert scheduler.pop_due(20.0, limit=3) == []
