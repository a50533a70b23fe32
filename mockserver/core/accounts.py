"""Plans, their limits, and the accounts (API keys) the mock accepts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

PLANS = ("free", "starter", "pro", "enterprise")


@dataclass(frozen=True)
class Limits:
    """Per-key limits; `None` means unlimited."""

    requests_per_minute: int | None
    concurrent_jobs: int | None
    daily_requests: int | None

    def merged(self, overrides: dict[str, Any]) -> Limits:
        """These limits with those named in `overrides` (camelCase, as on the wire) replaced."""
        return replace(
            self,
            requests_per_minute=overrides.get("requestsPerMinute", self.requests_per_minute),
            concurrent_jobs=overrides.get("concurrentJobs", self.concurrent_jobs),
            daily_requests=overrides.get("dailyRequests", self.daily_requests),
        )

    def as_json(self) -> dict[str, int | None]:
        return {
            "requestsPerMinute": self.requests_per_minute,
            "concurrentJobs": self.concurrent_jobs,
            "dailyRequests": self.daily_requests,
        }


UNLIMITED = Limits(None, None, None)


@dataclass
class Account:
    """One API key: its plan, limits, credit balance and webhook signing secret."""

    api_key: str
    plan: str
    credits: int
    webhook_secret: str
    limits: Limits
    custom_limits: dict[str, int | None] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "apiKey": self.api_key,
            "plan": self.plan,
            "credits": self.credits,
            "webhookSecret": self.webhook_secret,
            "limits": self.limits.as_json(),
        }
