"""Plans, their limits, and the accounts (API keys) the mock accepts."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .encodable import has_lone_surrogate

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


def _optional_int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where}: expected a whole number >= 0 or null, got {value!r}")
    return value


def parse_limits(raw: Any, where: str) -> dict[str, int | None]:
    """Validate a camelCase limits object (any subset of the three keys)."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected an object")
    known = {"requestsPerMinute", "concurrentJobs", "dailyRequests"}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{where}: unknown limit {sorted(unknown)[0]!r}; known: {sorted(known)}")
    return {name: _optional_int(value, f"{where}.{name}") for name, value in raw.items()}


def build_account(
    *,
    api_key: str,
    plan: str,
    credits: int,
    webhook_secret: str,
    plans: dict[str, Limits],
    custom_limits: dict[str, int | None] | None = None,
) -> Account:
    """An account on `plan`, its limits being the plan's with `custom_limits` laid over them."""
    custom = custom_limits or {}
    return Account(
        api_key=api_key,
        plan=plan,
        credits=credits,
        webhook_secret=webhook_secret,
        limits=plans[plan].merged(custom),
        custom_limits=dict(custom),
    )


_ACCOUNT_FIELDS = frozenset({"plan", "credits", "webhookSecret", "limits"})


def _given_or_current(body: dict[str, Any], name: str, current: Any) -> Any:
    """`body[name]`, else the account's current value; a new account must give it."""
    if name in body:
        return body[name]
    if current is None:
        raise ValueError(name, f"{name} is required to create an account")
    return current


def _shown(value: Any) -> str:
    """A value as the client wrote it, in JSON (null, not Python's None)."""
    return json.dumps(value)


def change_account(
    current: Account | None,
    api_key: str,
    body: Any,
    plans: dict[str, Limits],
    new_secret: Callable[[], str],
) -> Account:
    """An account with `body` (`{plan, credits, webhookSecret?, limits?}`) laid over `current`.

    Fields left out keep their value; a new account without a secret gets `new_secret()`.
    Raises ValueError naming the field, as `(field, message)` in its args.
    """
    if not api_key:
        raise ValueError("apiKey", "apiKey must not be empty")
    if not isinstance(body, dict):
        raise ValueError(None, "The request body must be a JSON object")
    unknown = sorted(set(body) - _ACCOUNT_FIELDS)
    if unknown:
        raise ValueError(unknown[0], f"Unknown field {unknown[0]}")
    plan = _given_or_current(body, "plan", current.plan if current else None)
    if not isinstance(plan, str) or plan not in plans:  # a list or object cannot be looked up
        raise ValueError("plan", f"plan must be one of {', '.join(PLANS)}, got {_shown(plan)}")
    credits = _given_or_current(body, "credits", current.credits if current else None)
    if isinstance(credits, bool) or not isinstance(credits, int) or credits < 0:
        raise ValueError("credits", f"credits must be a whole number >= 0, got {_shown(credits)}")
    secret = body.get("webhookSecret")
    if secret is None:
        secret = current.webhook_secret if current else new_secret()
    if not isinstance(secret, str) or not secret:
        raise ValueError("webhookSecret", "webhookSecret must be a non-empty string")
    if has_lone_surrogate(secret):  # it could not sign a single webhook
        message = "webhookSecret holds a lone surrogate, which UTF-8 cannot encode"
        raise ValueError("webhookSecret", message)
    limits = current.custom_limits if current and "plan" not in body else {}
    if "limits" in body:
        try:
            limits = parse_limits(body["limits"], "limits")
        except ValueError as error:
            raise ValueError("limits", str(error)) from None
    return build_account(
        api_key=api_key,
        plan=plan,
        credits=credits,
        webhook_secret=secret,
        plans=plans,
        custom_limits=limits,
    )
