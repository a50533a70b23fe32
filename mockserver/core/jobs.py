"""An avatar job, and the two documented shapes a client reads it in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .catalog import Avatar
from .clock import iso

PROVIDER = "hedra"
JOB_TYPE = "AVATAR"


class JobStatus(StrEnum):
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


# The members as module names: reading one off the enum class costs ten times as much, and a
# create and a poll each ask a job's status several times.
_PROCESSING, _COMPLETED, _FAILED = JobStatus.PROCESSING, JobStatus.COMPLETED, JobStatus.FAILED


@dataclass(slots=True)
class Job:
    """One generation request and where it has got to."""

    id: str
    api_key: str
    text: str
    avatar: Avatar  # shared with the catalog: its id and size are not copied into every job
    voice: str | None
    language: str | None
    version: str | None
    webhook_url: str | None
    credit_cost: int
    duration_ms: int
    created_at: float
    due_at: float
    base_url: str = ""  # where the creating client reached the mock; webhook payloads link there
    status: JobStatus = JobStatus.PROCESSING
    completed_at: float | None = None
    error: str | None = None

    @property
    def avatar_id(self) -> str:
        return self.avatar.id

    @property
    def finished(self) -> bool:
        return self.status is not _PROCESSING

    def output_url(self, base_url: str) -> str | None:
        """Where the finished video is served: the mock itself, so the link really plays."""
        if self.status is not _COMPLETED:
            return None
        return f"{base_url}/outputs/{self.id}.mp4"

    @property
    def charged_credits(self) -> int:
        """What the job cost its account in the end: its price, or nothing once it failed and
        its credits were given back."""
        return 0 if self.status is _FAILED else self.credit_cost

    def video_seconds(self) -> float | None:
        """How long the video is, once there is one: null while processing and after failing."""
        return self.duration_ms / 1000 if self.status is _COMPLETED else None

    def metadata(self) -> dict[str, Any]:
        """Duration and size of the video once there is one; null while it is processing, as
        documented, and after a failure, which leaves no video to describe."""
        if self.status is not _COMPLETED:
            return {"duration": None, "width": None, "height": None}
        return {
            "duration": self.video_seconds(),
            "width": self.avatar.width,
            "height": self.avatar.height,
        }

    def completed_at_iso(self) -> str | None:
        return None if self.completed_at is None else iso(self.completed_at)


def generation_view(job: Job, base_url: str) -> dict[str, Any]:
    """The `Generation` shape returned by `generate` and `generation(id)`."""
    return {
        "id": job.id,
        "status": job.status.value,
        "type": JOB_TYPE,
        "provider": PROVIDER,
        "url": job.output_url(base_url),
        "metadata": job.metadata(),
        "creditCost": job.charged_credits,
        "createdAt": iso(job.created_at),
        "completedAt": job.completed_at_iso(),
        "error": job.error,
    }


def avatar_view(job: Job, base_url: str) -> dict[str, Any]:
    """The documented `data.avatar` shape, shared by REST, `generateAvatar` and `avatar(id)`."""
    url = job.output_url(base_url)
    return {
        "id": job.id,
        "status": job.status.value,
        "url": url,
        "videoUrl": url,
        "duration": job.video_seconds(),
        "webhookUrl": job.webhook_url,
        "creditCost": job.charged_credits,
        "createdAt": iso(job.created_at),
        "completedAt": job.completed_at_iso(),
        "error": job.error,
    }


def job_record(job: Job, planned_error: str | None = None) -> dict[str, Any]:
    """Everything the control plane shows about a job, including what the API never reveals
    (`planned_error`: how a scripted `failed` outcome makes it end)."""
    return {
        "id": job.id,
        "apiKey": job.api_key,
        "status": job.status.value,
        "text": job.text,
        "avatarId": job.avatar_id,
        "voice": job.voice,
        "language": job.language,
        "version": job.version,
        "webhookUrl": job.webhook_url,
        "creditCost": job.charged_credits,
        "creditsRefunded": job.credit_cost - job.charged_credits,
        "durationSeconds": job.duration_ms / 1000,
        "createdAt": iso(job.created_at),
        "dueAt": iso(job.due_at),
        "completedAt": job.completed_at_iso(),
        "error": job.error,
        "plannedError": planned_error,
    }
