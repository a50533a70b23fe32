"""Everything a mock instance can be told at start, in one place (CLI and plugin fill it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import webhooks
from ..core.audit_model import DEFAULT_POLICY
from ..core.clock import MAX_LEAD_SECONDS, ClockLimitError, ClockMode
from ..core.engine import DEFAULT_MAX_JOBS
from ..core.journal import DEFAULT_BODY_BUDGET, DEFAULT_BODY_BYTES, DEFAULT_CAPACITY

# Where `serve` listens unless told otherwise: loopback only, since the mock has no real auth.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8910
# The rate-limit window furthest ahead of the clock: the end of the UTC day.
_DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class MockConfig:
    """The mock's settings. Each field's default is the one default of that setting: the CLI's
    options and the pytest plugin's read it from here (`field_default`)."""

    fixtures_dir: Path | None = None
    seed: int | None = None  # None: a random one
    clock: ClockMode = ClockMode.REAL
    clock_start: float | None = None  # None: now, or the virtual clock's own start
    job_seconds: float = 5.0
    max_body_bytes: int = 1024 * 1024
    webhook_attempts: int = webhooks.DEFAULT_ATTEMPTS
    webhook_backoff_seconds: float = webhooks.DEFAULT_BACKOFF_SECONDS
    webhook_timeout_seconds: float = webhooks.DEFAULT_TIMEOUT_SECONDS
    webhook_allow: tuple[str, ...] = ()  # hosts or CIDR ranges; when given, webhooks go only there
    webhook_deny: tuple[str, ...] = ()  # hosts or CIDR ranges webhooks never go to
    journal_size: int = DEFAULT_CAPACITY
    journal_body_bytes: int = DEFAULT_BODY_BYTES  # of one request's body; the rest is cut off
    journal_body_budget: int = DEFAULT_BODY_BUDGET  # of bodies and headers, the oldest go first
    # The client-behaviour audit's floor: polls of one job closer than this are a storm.
    audit_poll_floor_seconds: float = DEFAULT_POLICY.poll_floor_seconds
    max_jobs: int = DEFAULT_MAX_JOBS  # the oldest finished jobs beyond this are forgotten
    scenario: str | None = None  # a name in fixtures/scenarios or a path to a JSON file
    admin_token: str | None = None  # when set, the control plane requires X-Mock-Admin-Token
    session_ttl_seconds: float = 3600.0  # a session unused this long (real time) is ended
    max_sessions: int = 1000  # sessions alive at once; one more is refused with a 429
    graphql_fast_path: bool = True  # off: every document through graphql-core's executor (tests)

    def lead_seconds(self) -> float:
        """How far after the clock a timestamp this mock makes can lie.

        A job's end, then its webhook's last retry (the delays double from the backoff; the
        real-time timeouts of the attempts add to it), or the end of the rate-limit day.
        """
        retries = self.webhook_attempts - 1
        # Capped: 2**200 backoffs are already past any calendar, and a float cannot take 2**2000.
        doubling = 2.0 ** min(retries, 200) - 1 if self.webhook_backoff_seconds > 0 else 0.0
        webhook = self.webhook_backoff_seconds * doubling
        webhook += self.webhook_timeout_seconds * self.webhook_attempts
        return max(self.job_seconds + webhook, _DAY_SECONDS)

    def check_fits_the_clock(self) -> None:
        """Raise ClockLimitError unless every timestamp this mock can make is representable."""
        if self.lead_seconds() > MAX_LEAD_SECONDS:
            raise ClockLimitError(
                "--job-seconds plus the webhook retry schedule (--webhook-backoff doubling over "
                f"--webhook-attempts) must stay within {MAX_LEAD_SECONDS:.0f} seconds (999 years)"
            )


def field_default(settings: type[Any], name: str) -> Any:
    """The default of field `name` of the dataclass `settings` (MockConfig, ServerTimeouts...)."""
    for field in dataclasses.fields(settings):
        if field.name == name:
            if field.default is dataclasses.MISSING:
                raise LookupError(f"{settings.__name__}.{name} has no plain default")
            return field.default
    raise LookupError(f"{settings.__name__} has no field {name!r}")
