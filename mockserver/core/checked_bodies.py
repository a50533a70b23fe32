"""Create requests already read and checked, found again by their exact bytes.

Test suites send the same few request bodies again and again, and reading and checking one
costs more than all the rest of creating its job. What a body reads as depends on its bytes and
the catalog alone, and the catalog never changes while a mock runs, so each body is read once.
"""

from __future__ import annotations

from collections.abc import Callable

from .job_request import JobRequest

DEFAULT_ENTRIES = 256
DEFAULT_MAX_BODY = 2048  # bytes: bodies past this are read every time, and cost no memory here


class CheckedBodies:
    """Body bytes -> JobRequest, for bodies that passed; a bad body raises every time it comes.

    Bounded in count and body size; the oldest entry goes first when full.
    """

    def __init__(
        self,
        read: Callable[[bytes], JobRequest],
        entries: int = DEFAULT_ENTRIES,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self._read = read
        self._entries = entries
        self._max_body = max_body
        self._checked: dict[bytes, JobRequest] = {}

    def __len__(self) -> int:
        return len(self._checked)

    def read(self, body: bytes) -> JobRequest:
        checked = self._checked.get(body)
        if checked is not None:
            return checked
        checked = self._read(body)  # raises ApiError for a bad body: never kept
        if len(body) <= self._max_body:
            if len(self._checked) >= self._entries:
                del self._checked[next(iter(self._checked))]
            self._checked[body] = checked
        return checked
