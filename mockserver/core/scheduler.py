"""A min-heap of things that fall due on the mock's clock: job completions, webhook attempts."""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass


@dataclass(frozen=True)
class Due:
    """Something to do at `at`: `kind` says what, `ref` names the job or delivery."""

    at: float
    kind: str
    ref: str


class Scheduler:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Due]] = []
        self._order = itertools.count()  # keeps equal times in the order they were scheduled

    def __len__(self) -> int:
        return len(self._heap)

    def clear(self) -> None:
        self._heap.clear()

    def schedule(self, at: float, kind: str, ref: str) -> None:
        heapq.heappush(self._heap, (at, next(self._order), Due(at, kind, ref)))

    def next_at(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[Due]:
        """Everything due at or before `now`, earliest first."""
        due = []
        while self._heap and self._heap[0][0] <= now:
            due.append(heapq.heappop(self._heap)[2])
        return due
