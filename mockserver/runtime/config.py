"""Everything a mock instance can be told at start, in one place (CLI and plugin fill it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.clock import MAX_LEAD_SECONDS, ClockLimitError, ClockMode
from ..core.engine import DEFAULT_MAX_JOBS
from ..core.journal import DEFAULT_CAPACITY

DEFAULT_JOB_SECONDS = 5.0
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_JOURNAL_SIZE = DEFAULT_CAPACITY
# The rate-limit window furthest ahead of the clock: the end of the UTC day.
_DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class MockConfig:
    fixtures_dir: Path | None = None
    seed: int | None = None
    clock: ClockMode = ClockMode.REAL
    clock_start: float | None = None
    job_seconds: float = DEFAULT_JOB_SECONDS
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    webhook_attempts: int = 5
    webhook_backoff_seconds: float = 10.0
    webhook_timeout_seconds: float = 5.0
    webhook_allow: tuple[str, ...] = ()  # hosts or CIDR ranges; when given, webhooks go only there
    webhook_deny: tuple[str, ...] = ()  # hosts or CIDR ranges webhooks never go to
    journal_size: int = DEFAULT_JOURNAL_SIZE
    max_jobs: int = DEFAULT_MAX_JOBS  # the oldest finished jobs beyond this are forgotten
    scenario: str | None = None  # a name in fixtures/scenarios or a path to a JSON file
    admin_token: str | None = None  # when set, the control plane requires X-Mock-Admin-Token
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
