"""Per-key request counting in a fixed one-minute window and a UTC day, on the mock's clock.

The vendor documents requests per minute, concurrent jobs and a daily limit per plan, and the
three `X-RateLimit-*` headers. The headers describe the minute window, the one a client meets
first; the other two limits show in the 429 that names them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .accounts import Account
from .clock import iso
from .errors import rate_limited

MINUTE = 60
DAY = 86_400


@dataclass
class _Usage:
    window: int = -1  # index of the minute window the count belongs to
    minute_count: int = 0
    day: int = -1  # index of the UTC day
    day_count: int = 0

    def roll(self, now: float) -> None:
        """Start new counts when the clock has moved into a later window or day."""
        window, day = int(now // MINUTE), int(now // DAY)
        if window != self.window:
            self.window, self.minute_count = window, 0
        if day != self.day:
            self.day, self.day_count = day, 0


class RateLimiter:
    """Counts every authenticated API request per key; answers whether the next one may pass."""

    def __init__(self) -> None:
        self._usage: dict[str, _Usage] = {}

    def reset(self) -> None:
        self._usage.clear()

    def counts(self) -> dict[str, list[int]]:
        """Each key's counts, `[minute window, its count, day, its count]`, as `restore` takes."""
        return {
            key: [usage.window, usage.minute_count, usage.day, usage.day_count]
            for key, usage in self._usage.items()
        }

    def restore(self, counts: dict[str, list[int]]) -> None:
        self._usage = {key: _Usage(*values) for key, values in counts.items()}

    def _usage_at(self, api_key: str, now: float) -> _Usage:
        usage = self._usage.get(api_key)
        if usage is None:
            usage = self._usage[api_key] = _Usage()
        usage.roll(now)
        return usage

    def headers(self, account: Account, now: float) -> dict[str, str]:
        """The documented headers for the current minute window (none for an unlimited key)."""
        limit = account.limits.requests_per_minute
        if limit is None:
            return {}
        usage = self._usage_at(account.api_key, now)
        reset = (usage.window + 1) * MINUTE
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - usage.minute_count, 0)),
            "X-RateLimit-Reset": str(reset),
        }

    def usage(self, account: Account, now: float) -> dict[str, dict[str, Any]]:
        """What the key has used of its minute window and its day, and what is left: read
        without counting, and without keeping anything for a key that sent nothing."""
        usage = self._usage.get(account.api_key) or _Usage()
        window, day = int(now // MINUTE), int(now // DAY)
        minute_used = usage.minute_count if usage.window == window else 0
        day_used = usage.day_count if usage.day == day else 0
        limits = account.limits
        return {
            "minute": _window(limits.requests_per_minute, minute_used, (window + 1) * MINUTE),
            "day": _window(limits.daily_requests, day_used, (day + 1) * DAY),
        }

    def admit(self, account: Account, now: float) -> dict[str, str]:
        """Count one request, or raise 429 (uncounted) if the day or the minute is used up.

        The day is checked first: when both are spent, its Retry-After is the one that matters.
        """
        usage = self._usage_at(account.api_key, now)
        limits = account.limits
        if limits.daily_requests is not None and usage.day_count >= limits.daily_requests:
            retry = math.ceil((usage.day + 1) * DAY - now)
            raise rate_limited("daily", max(retry, 1), self.headers(account, now))
        if limits.requests_per_minute is not None and (
            usage.minute_count >= limits.requests_per_minute
        ):
            retry = math.ceil((usage.window + 1) * MINUTE - now)
            raise rate_limited("requests_per_minute", max(retry, 1), self.headers(account, now))
        usage.minute_count += 1
        usage.day_count += 1
        return self.headers(account, now)

    def count(self, account: Account, now: float) -> dict[str, str]:
        """Count a request without checking it (a scripted error stands in for its answer)."""
        usage = self._usage_at(account.api_key, now)
        usage.minute_count += 1
        usage.day_count += 1
        return self.headers(account, now)

    def uncount(self, account: Account, now: float) -> dict[str, str]:
        """Take back the count of a request that was then rejected with a 429 after all."""
        usage = self._usage_at(account.api_key, now)
        usage.minute_count = max(usage.minute_count - 1, 0)
        usage.day_count = max(usage.day_count - 1, 0)
        return self.headers(account, now)


def _window(limit: int | None, used: int, resets_at: float) -> dict[str, Any]:
    """One window's count; `remaining` is null where there is no limit."""
    remaining = None if limit is None else max(limit - used, 0)
    return {"limit": limit, "used": used, "remaining": remaining, "resetsAt": iso(resets_at)}
