"""The request journal: what reached the API plane, bounded so a long-running mock stays small."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from .clock import iso

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
        self._entries: deque[Entry] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, entry: Entry) -> None:
        self._entries.append(entry)

    def clear(self) -> None:
        self._entries.clear()

    def select(
        self,
        operation: str | None = None,
        api_key: str | None = None,
        status: int | None = None,
        limit: int | None = None,
    ) -> list[Entry]:
        """Entries matching every filter given, oldest first; `limit` keeps the newest ones."""
        found = [
            entry
            for entry in self._entries
            if (operation is None or entry.operation == operation)
            and (api_key is None or entry.api_key == api_key)
            and (status is None or entry.status == status)
        ]
        return found[-limit:] if limit else found
