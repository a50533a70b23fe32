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

# The range the clock may show. Everything the mock stamps lies a little after the clock (a job's
# end, its webhook retries, the end of the rate-limit day), and must still be a year ISO 8601 and
# `datetime` can write: the 999 years between the latest instant and year 10000 leave room for
# any of it. The epoch is the earliest because `X-RateLimit-Reset` is in Unix seconds.
EARLIEST = 0.0
LATEST = datetime(9000, 1, 1, tzinfo=UTC).timestamp()
# How far after the clock a timestamp the mock makes may lie (see the mock's settings).
MAX_LEAD_SECONDS = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp() - LATEST


class ClockLimitError(ValueError):
    """A start or a move that would put the clock outside [EARLIEST, LATEST]."""


class Clock:
    """Real time plus an offset, or a frozen instant that only `advance` moves."""

    def __init__(self, mode: ClockMode = ClockMode.REAL, start: float | None = None) -> None:
        if start is not None and not EARLIEST <= start <= LATEST:
            raise ClockLimitError(f"the clock must start between {iso(EARLIEST)} and {iso(LATEST)}")
        self.mode = mode
        self._virtual = mode is ClockMode.VIRTUAL  # asked on every request: a bool is cheapest
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
        if self._virtual:
            return self._frozen
        return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move forward; never backward, never past LATEST. Returns the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.check_reachable(seconds)
        self._shift(seconds)
        return self.now()

    def position(self) -> tuple[float, float | None]:
        """Where the clock stands: its present and a real clock's offset from wall time (what
        carries on across a restart; a frozen clock's present is all it has)."""
        return self.now(), self._offset if self.mode is ClockMode.REAL else None

    def restore(self, now: float, offset: float | None) -> None:
        """Stand where `position` said: a frozen clock at `now`; a real one at `offset` from
        wall time when that is known (time went on while the mock was down), else at `now`."""
        if not EARLIEST <= now <= LATEST:
            raise ClockLimitError(f"the clock must stand between {iso(EARLIEST)} and {iso(LATEST)}")
        if self.mode is ClockMode.VIRTUAL:
            self._frozen = now
        else:
            self._offset = (now - time.time()) if offset is None else offset

    def _shift(self, seconds: float) -> None:
        if self.mode is ClockMode.VIRTUAL:
            self._frozen += seconds
        else:
            self._offset += seconds

    def check_reachable(self, seconds: float) -> None:
        """Raise ClockLimitError unless the clock, `seconds` ahead, is still at LATEST or before."""
        room = LATEST - self.now()
        if seconds > room:
            raise ClockLimitError(
                f"the clock may not pass {iso(LATEST)}: at most {max(room, 0.0):.0f} seconds"
                f" from now, got {seconds:g}"
            )

    def move_to(self, instant: float) -> None:
        """Step forward to `instant` if it is still ahead (used to run due events at their time).

        A real clock steps by its offset, and goes on running from there.
        """
        if instant > LATEST:
            raise ClockLimitError(f"the clock may not pass {iso(LATEST)}")
        ahead = instant - self.now()
        if ahead > 0:
            self._shift(ahead)


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
