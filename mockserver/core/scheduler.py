"""What falls due on the mock's clock, earliest first: job completions, webhook attempts."""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from typing import NamedTuple


class Due(NamedTuple):
    """Something to do at `at`: `kind` says what, `ref` names the job or delivery."""

    at: float
    kind: str
    ref: str


# (at, sequence, kind, ref): plain tuples, one per pending job, so their size is the footprint;
# the sequence number keeps equal times in the order they were scheduled.
_Entry = tuple[float, int, str, str]


class Scheduler:
    """A queue for what arrives in time order, and a min-heap for the rest.

    Every job takes the same time, so jobs fall due in the order they are created: they join
    the end of the queue and leave from its front, each in constant time, where a heap of
    100,000 pending jobs costs seventeen comparisons a pop. Anything due before the queue's last
    entry (a webhook attempt, a job after the job time changed) goes on the heap instead.
    """

    def __init__(self) -> None:
        self._queue: deque[_Entry] = deque()
        self._heap: list[_Entry] = []
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._queue) + len(self._heap)

    def clear(self) -> None:
        self._queue.clear()
        self._heap.clear()

    def schedule(self, at: float, kind: str, ref: str) -> None:
        entry = (at, next(self._order), kind, ref)
        if not self._queue or at >= self._queue[-1][0]:
            self._queue.append(entry)
        else:
            heapq.heappush(self._heap, entry)

    def next_at(self) -> float | None:
        first = self._first()
        return None if first is None else first[0]

    def _first(self) -> _Entry | None:
        queue, heap = self._queue, self._heap
        if queue and heap:
            return min(queue[0], heap[0])
        return queue[0] if queue else heap[0] if heap else None

    def pop_due(self, now: float) -> list[Due]:
        """Everything due at or before `now`, earliest first."""
        due: list[Due] = []
        queue, heap = self._queue, self._heap
        while True:
            if queue and queue[0][0] <= now and (not heap or queue[0] < heap[0]):
                at, _, kind, ref = queue.popleft()
            elif heap and heap[0][0] <= now:
                at, _, kind, ref = heapq.heappop(heap)
            else:
                return due
            due.append(Due(at, kind, ref))
