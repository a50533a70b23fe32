"""Each API key's processing jobs, for the concurrency limit: how many, and which ends first."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

_NONE: deque[str] = deque()  # what a key with no processing job has; never added to


class RunningJobs:
    """Job ids per key, oldest first.

    A deque per key rather than a set: at 100,000 processing jobs it takes a fifth of the
    memory, and as every job takes the same time, jobs end oldest first, so the one that ends
    is nearly always taken from the front; any other is found by a scan.
    """

    def __init__(self) -> None:
        self._by_key: dict[str, deque[str]] = {}

    def clear(self) -> None:
        self._by_key.clear()

    def add(self, api_key: str, job_id: str) -> None:
        running = self._by_key.get(api_key)
        if running is None:
            running = self._by_key[api_key] = deque()
        running.append(job_id)

    def discard(self, api_key: str, job_id: str) -> None:
        running = self._by_key.get(api_key, _NONE)
        if running and running[0] == job_id:
            running.popleft()
        elif job_id in running:
            running.remove(job_id)

    def count(self, api_key: str) -> int:
        return len(self._by_key.get(api_key, _NONE))

    def of(self, api_key: str) -> Iterable[str]:
        return self._by_key.get(api_key, _NONE)
