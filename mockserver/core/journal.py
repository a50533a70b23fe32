"""The request journal: what reached the API plane, bounded so a long-running mock stays small.

Kept as a ring of columns rather than one object per request: times, durations and statuses
sit unboxed in arrays, and the few distinct strings (methods, operations, keys, most paths) are
shared. At 100,000 entries this is a fraction of the memory of 100,000 small objects.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from itertools import islice
from typing import Any

from .clock import iso
from .shared_strings import SharedStrings

DEFAULT_CAPACITY = 10_000
DROPPED = 0  # the status recorded for a connection the mock cut on purpose


@dataclass(frozen=True, slots=True)
class Entry:
    at: float
    method: str
    path: str
    operation: str | None
    api_key: str | None
    status: int
    duration_ms: float

    def as_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "method": self.method,
            "path": self.path,
            "operation": self.operation,
            "apiKey": self.api_key,
            "status": self.status,
            "durationMs": round(self.duration_ms, 3),
        }


class Journal:
    """The newest `capacity` entries, oldest first."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        self._at = array("d")
        self._duration = array("d")
        self._status = array("H")
        # One flat list per string column: a tuple per entry would cost 88 bytes more each.
        self._method: list[str] = []
        self._path: list[str] = []
        self._operation: list[str | None] = []
        self._api_key: list[str | None] = []
        self._next = 0  # where the next entry goes once the ring is full
        self._share = SharedStrings()

    def __len__(self) -> int:
        return len(self._at)

    def record(
        self,
        *,
        at: float,
        method: str,
        path: str,
        operation: str | None,
        api_key: str | None,
        status: int,
        duration_ms: float,
    ) -> None:
        share = self._share
        path, operation, api_key = share(path), share.optional(operation), share.optional(api_key)
        if len(self._at) < self.capacity:
            self._at.append(at)
            self._duration.append(duration_ms)
            self._status.append(status)
            self._method.append(method)
            self._path.append(path)
            self._operation.append(operation)
            self._api_key.append(api_key)
            return
        slot = self._next
        self._at[slot], self._duration[slot], self._status[slot] = at, duration_ms, status
        self._method[slot], self._path[slot] = method, path
        self._operation[slot], self._api_key[slot] = operation, api_key
        self._next = (slot + 1) % self.capacity

    def entries(self) -> list[Entry]:
        """Every entry, oldest first."""
        size = len(self._at)
        return [self._entry((self._next + offset) % size) for offset in range(size)]

    def _entry(self, i: int) -> Entry:
        return Entry(
            at=self._at[i],
            method=self._method[i],
            path=self._path[i],
            operation=self._operation[i],
            api_key=self._api_key[i],
            status=self._status[i],
            duration_ms=self._duration[i],
        )

    def select(
        self,
        operation: str | None = None,
        api_key: str | None = None,
        status: int | None = None,
        limit: int | None = None,
    ) -> list[Entry]:
        """Entries matching every filter given, oldest first; `limit` keeps the newest ones.

        The ring is searched from its newest end and only the entries kept are built: a page
        that shows the latest hundred every second must not build all 10,000 to do it.
        """

        def matches(i: int) -> bool:
            return (
                (operation is None or self._operation[i] == operation)
                and (api_key is None or self._api_key[i] == api_key)
                and (status is None or self._status[i] == status)
            )

        size = len(self._at)
        newest_first = ((self._next - 1 - offset) % size for offset in range(size))
        found = filter(matches, newest_first)
        kept = list(islice(found, limit) if limit else found)
        kept.reverse()
        return [self._entry(i) for i in kept]
