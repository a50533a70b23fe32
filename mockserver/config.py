"""Everything a mock instance can be told at start, in one place (CLI and plugin fill it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .core.clock import ClockMode

DEFAULT_JOB_SECONDS = 5.0
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


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
