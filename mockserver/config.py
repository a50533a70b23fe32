"""Everything a mock instance can be told at start, in one place (CLI and plugin fill it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .core.clock import ClockMode
from .core.engine import DEFAULT_MAX_JOBS
from .core.journal import DEFAULT_CAPACITY

DEFAULT_JOB_SECONDS = 5.0
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_JOURNAL_SIZE = DEFAULT_CAPACITY


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
    journal_size: int = DEFAULT_JOURNAL_SIZE
    max_jobs: int = DEFAULT_MAX_JOBS  # the oldest finished jobs beyond this are forgotten
    scenario: str | None = None  # a name in fixtures/scenarios or a path to a JSON file
    admin_token: str | None = None  # when set, the control plane requires X-Mock-Admin-Token
    graphql_fast_path: bool = True  # off: every document through graphql-core's executor (tests)
