"""What a durable store needs to hear of the state it keeps: the few objects changed in place.

Everything else an engine holds is small (accounts, faults, counters) and is written whole each
time; jobs and deliveries are many, so the engine and the delivery log name each one they
create, change or forget. Nobody listens unless `--state` is on, and then each mention costs
one check on the paths that make them.
"""

from __future__ import annotations

from typing import Protocol

from .jobs import Job
from .webhooks import Delivery


class Changes(Protocol):
    def created(self, job: Job, request_id: int) -> None:
        """`job` was created, by API request `request_id` (0: none known)."""

    def ended(self, job: Job) -> None:
        """`job` completed or failed."""

    def forgot_job(self, job: Job) -> None:
        """`job` left the job store (the oldest finished beyond `max_jobs`)."""

    def delivery(self, delivery: Delivery) -> None:
        """`delivery` was opened or got an attempt."""

    def forgot_delivery(self, delivery_id: str) -> None:
        """The delivery left the log (a full log makes room)."""

    def everything(self) -> None:
        """The whole state was replaced (a reset, a snapshot loaded)."""
