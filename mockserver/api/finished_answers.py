"""The encoded answers of finished jobs, kept for the polls that ask for them again.

A finished job's answer never changes: the engine ends a job once (Engine.finish), and nothing
touches it afterwards. Clients and test suites poll a job until it is done and often once or
twice more, and encoding a finished job's view in full is most of what such a poll costs. So
the last answers given are kept, a bounded number, each with what it was made from: the job
object itself, the base URL it was asked from and the fields that finishing sets. An entry
answers only when all of those are the same, so a job replaced by a snapshot's copy, a
forgotten id made anew or a job changed by hand is encoded again, never answered stale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..core.jobs import Job, JobStatus

DEFAULT_LIMIT = 1024


class KeptAnswer(NamedTuple):
    """A finished job's answer, with what it was made from (the job object itself, the base
    URL it was asked from and the fields that finishing sets)."""

    job: Job
    base_url: str
    status: JobStatus
    completed_at: float | None
    error: str | None
    answer: bytes

    @classmethod
    def of(cls, job: Job, base_url: str, answer: bytes) -> KeptAnswer:
        return cls(job, base_url, job.status, job.completed_at, job.error, answer)

    def answers(self, job: Job, base_url: str) -> bool:
        """Whether this is still the answer to `job` asked from `base_url`."""
        return (
            self.job is job
            and self.base_url == base_url
            and self.status is job.status
            and self.completed_at == job.completed_at
            and self.error == job.error
        )


class FinishedAnswers:
    """At most `limit` answers of finished jobs, the oldest kept let go first."""

    __slots__ = ("_kept", "limit")

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._kept: dict[str, KeptAnswer] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def answer(self, job: Job, base_url: str, encode: Callable[[Job, str], bytes]) -> bytes:
        """`encode(job, base_url)`, or the same bytes kept from the last time it was asked."""
        kept = self._kept.get(job.id)
        if kept is not None and kept.answers(job, base_url):
            return kept.answer
        answer = encode(job, base_url)
        if kept is None and len(self._kept) >= self.limit:
            del self._kept[next(iter(self._kept))]
        self._kept[job.id] = KeptAnswer.of(job, base_url, answer)
        return answer
