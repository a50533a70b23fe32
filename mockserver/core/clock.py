"""The mock's one clock: every deadline, window and timestamp reads it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache


class ClockMode(StrEnum):
    REAL = "real"
    VIRTUAL = "virtual"


# The instant the vendor's own examples use; a frozen clock starts here unless told otherwise,
# so timestamps are the same from one test run to the next.
DEFAULT_VIRTUAL_START = datetime(2024, 1, 1, tzinfo=UTC).timestamp()


class Clock:
    """Real time plus an offset, or a frozen instant that only `advance` moves."""

    def __init__(self, mode: ClockMode = ClockMode.REAL, start: float | None = None) -> None:
        self.mode = mode
        self._start = start
        self._offset = 0.0
        self._frozen = 0.0
        self.reset()

    def reset(self) -> None:
        """Back to the configured start: no offset, or the frozen start instant."""
        self._offset = 0.0
        if self.mode is ClockMode.VIRTUAL:
            self._frozen = DEFAULT_VIRTUAL_START if self._start is None else self._start
        elif self._start is not None:
            self._offset = self._start - time.time()

    def now(self) -> float:
        """Seconds since the Unix epoch, on the mock's time line."""
        if self.mode is ClockMode.VIRTUAL:
            return self._frozen
        return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move forward; never backward. Returns the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        if self.mode is ClockMode.VIRTUAL:
            self._frozen += seconds
        else:
            self._offset += seconds
        return self.now()

    def move_to(self, instant: float) -> None:
        """Step forward to `instant` if it is still ahead (used to run due events at their time).

        A real clock steps by its offset, and goes on running from there.
        """
        ahead = instant - self.now()
        if ahead > 0:
            self.advance(ahead)


@lru_cache(maxsize=4096)
def _iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(instant: float) -> str:
    """ISO 8601 UTC with a `Z`, to the second, as in the vendor's examples.

    Cached by second: a busy mock formats the same few seconds thousands of times.
    """
    return _iso_second(int(instant))


def parse_iso(text: str) -> float:
    """Read an ISO 8601 instant; a value without a zone is taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
