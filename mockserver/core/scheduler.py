"""What falls due on the mock's clock, earliest first: job completions, webhook attempts."""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Iterable
from typing import NamedTuple

# What falls due: a job's end, a delivery's next attempt, a duplicate fault's copy of a delivery.
JOB_DUE = "job"
# The end of a job nobody hears of: no webhook to open, no credits to give back. It changes only
# the job itself, so it may wait a little (see `due_to_show`) for a batch of others.
QUIET_JOB_DUE = "quiet-job"
WEBHOOK_DUE = "webhook"
COPY_DUE = "copy"


class Due(NamedTuple):
    """Something to do at `at`: `kind` says what, `ref` names the job or delivery."""

    at: float
    kind: str
    ref: str


# On the heap (at, sequence, kind, ref): the sequence number keeps equal times in the order
# they were scheduled. The queue is in that order already, so it needs none.
_HeapEntry = tuple[float, int, str, str]


class Scheduler:
    """A queue for what arrives in time order, and a min-heap for the rest.

    Every job takes the same time, so jobs fall due in the order they are created: they join
    the end of the queue and leave from its front, each in constant time, where a heap of
    100,000 pending jobs costs seventeen comparisons a pop. Anything due before the queue's last
    entry (a webhook attempt, a job after the job time changed) goes on the heap instead.

    At equal times the queue goes first, and that is the order they were scheduled in: a heap
    entry due at T went there while the queue held something later than T, and the queue can
    only take a new entry at T once that later one is gone, which takes the heap's T with it.

    The queue is three columns (at, kind, ref), and a Due is made only when it is taken off:
    the queue holds every pending job, and a tuple for each would cost more than the three
    references.
    """

    def __init__(self) -> None:
        self._at: deque[float] = deque()
        self._kind: deque[str] = deque()
        self._ref: deque[str] = deque()
        self._heap: list[_HeapEntry] = []
        self._order = itertools.count()
        self._heard_queued = 0  # entries in the queue that are not quiet job ends

    def __len__(self) -> int:
        return len(self._at) + len(self._heap)

    def clear(self) -> None:
        self._at.clear()
        self._kind.clear()
        self._ref.clear()
        self._heap.clear()
        self._heard_queued = 0

    def schedule(self, at: float, kind: str, ref: str) -> None:
        queued = self._at
        if not queued or at >= queued[-1]:
            queued.append(at)
            self._kind.append(kind)
            self._ref.append(ref)
            if kind != QUIET_JOB_DUE:
                self._heard_queued += 1
        else:
            heapq.heappush(self._heap, (at, next(self._order), kind, ref))

    def schedule_all(self, events: Iterable[Due]) -> None:
        """`schedule` each of `events`, earliest first."""
        for event in events:
            self.schedule(*event)

    def next_at(self) -> float | None:
        queued, heap = self._at, self._heap
        if queued and heap:
            return min(queued[0], heap[0][0])
        return queued[0] if queued else heap[0][0] if heap else None

    def due_to_show(self, now: float, quiet_lag: float) -> bool:
        """Whether something due by `now` may change what a request sees without asking for
        it: anything but a quiet job's end, or a quiet end more than `quiet_lag` overdue.

        A little too often rather than too seldom: with anything else queued, the first entry
        due is enough, and anything due on the heap is.
        """
        queued = self._at
        if queued:
            first = queued[0]
            if first <= now and (self._heard_queued or first <= now - quiet_lag):
                return True
        heap = self._heap
        return bool(heap) and heap[0][0] <= now

    def pop_due(self, now: float, limit: int | None = None) -> list[Due]:
        """Everything due at or before `now`, earliest first; the first `limit` of it if given."""
        due: list[Due] = []
        queued, heap = self._at, self._heap
        while True:
            if queued and queued[0] <= now and (not heap or queued[0] <= heap[0][0]):
                kind = self._kind.popleft()
                if kind != QUIET_JOB_DUE:
                    self._heard_queued -= 1
                due.append(Due(queued.popleft(), kind, self._ref.popleft()))
            elif heap and heap[0][0] <= now:
                at, _, kind, ref = heapq.heappop(heap)
                due.append(Due(at, kind, ref))
            else:
                return due
            if len(due) == limit:  # checked after a pop: nothing due costs no more than before
                return due
