"""A min-heap of things that fall due on the mock's clock: job completions, webhook attempts."""

from __future__ import annotations

import heapq
import itertools
from typing import NamedTuple


class Due(NamedTuple):
    """Something to do at `at`: `kind` says what, `ref` names the job or delivery."""

    at: float
    kind: str
    ref: str


class Scheduler:
    def __init__(self) -> None:
        # Plain tuples on the heap: one per pending job, so their size is the mock's footprint.
        self._heap: list[tuple[float, int, str, str]] = []
        self._order = itertools.count()  # keeps equal times in the order they were scheduled

    def __len__(self) -> int:
        return len(self._heap)

    def clear(self) -> None:
        self._heap.clear()

    def schedule(self, at: float, kind: str, ref: str) -> None:
        heapq.heappush(self._heap, (at, next(self._order), kind, ref))

    def next_at(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[Due]:
        """Everything due at or before `now`, earliest first."""
        due = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            at, _, kind, ref = heapq.heappop(heap)
            due.append(Due(at, kind, ref))
        return due
