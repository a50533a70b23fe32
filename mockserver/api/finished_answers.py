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

from ..core.jobs import Job, JobStatus

DEFAULT_LIMIT = 1024

_Kept = tuple[Job, str, JobStatus, float | None, str | None, bytes]


class FinishedAnswers:
    """At most `limit` answers of finished jobs, the oldest kept let go first."""

    __slots__ = ("_kept", "limit")

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._kept: dict[str, _Kept] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def answer(self, job: Job, base_url: str, encode: Callable[[Job, str], bytes]) -> bytes:
        """`encode(job, base_url)`, or the same bytes kept from the last time it was asked."""
        kept = self._kept.get(job.id)
        if (
            kept is not None
            and kept[0] is job
            and kept[1] == base_url
            and kept[2] is job.status
            and kept[3] == job.completed_at
            and kept[4] == job.error
        ):
            return kept[5]
        answer = encode(job, base_url)
        if kept is None and len(self._kept) >= self.limit:
            del self._kept[next(iter(self._kept))]
        self._kept[job.id] = (job, base_url, job.status, job.completed_at, job.error, answer)
        return answer
