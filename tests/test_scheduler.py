"""The scheduler gives back what fell due, earliest first, ties in the order scheduled."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mockserver.core.scheduler import JOB_DUE, QUIET_JOB_DUE, Scheduler

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


QUIET_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("schedule"), TIMES, st.sampled_from([QUIET_JOB_DUE, JOB_DUE, "webhook"])),
        st.tuples(st.just("pop"), TIMES, st.just("")),
    ),
    max_size=60,
)


@given(QUIET_STEPS, TIMES, st.sampled_from([0.0, 2.0, 10.0]))
def test_what_may_show_is_never_left_waiting(
    steps: list[tuple[str, float, str]], now: float, lag: float
) -> None:
    """`due_to_show` says yes whenever something due is not a quiet end, or a quiet end is
    overdue by more than the lag: it may say yes more often, never less."""
    scheduler = Scheduler()
    pending: list[tuple[float, str]] = []
    for number, (action, at, kind) in enumerate(steps):
        if action == "schedule":
            scheduler.schedule(at, kind, str(number))
            pending.append((at, kind))
        else:
            scheduler.pop_due(at)
            pending = [entry for entry in pending if entry[0] > at]
    must = any(at <= now and (kind != QUIET_JOB_DUE or at <= now - lag) for at, kind in pending)
    if must:
        assert scheduler.due_to_show(now, lag)
    if not any(at <= now for at, _ in pending):
        assert not scheduler.due_to_show(now, lag)  # nothing due: no sync for nothing


def test_quiet_ends_alone_wait_out_the_lag_and_one_heard_of_entry_does_not() -> None:
    scheduler = Scheduler()
    for second in range(3):
        scheduler.schedule(10.0 + second, QUIET_JOB_DUE, f"quiet{second}")
    assert not scheduler.due_to_show(11.5, quiet_lag=2.0)  # 10.0 is due, but only 1.5 s ago
    assert scheduler.due_to_show(12.5, quiet_lag=2.0)  # 10.0 is 2.5 s overdue
    scheduler.schedule(13.0, JOB_DUE, "heard")
    assert scheduler.due_to_show(11.5, quiet_lag=2.0)  # queued behind: the first due is enough
    assert [due.ref for due in scheduler.pop_due(13.0)][-1] == "heard"
    scheduler.schedule(14.0, QUIET_JOB_DUE, "quiet3")
    assert not scheduler.due_to_show(15.0, quiet_lag=2.0)  # the heard-of entry is gone
    scheduler.clear()
    scheduler.schedule(1.0, QUIET_JOB_DUE, "after-clear")
    assert not scheduler.due_to_show(2.0, quiet_lag=2.0)
