"""The REST answer says exactly what encoding the view says, templated or not."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from mockserver.api.avatar_answer import AvatarAnswer
from mockserver.core.catalog import load_fixtures
from mockserver.core.jobs import Job, JobStatus, avatar_view
from mockserver.web.answers import encode_json

AVATAR = next(iter(load_fixtures(None).catalog.avatars.values()))


def make_job(job_id: str, webhook: str | None, cost: int, created: float) -> Job:
    return Job(
        id=job_id,
        api_key="k",
        text="t",
        avatar=AVATAR,
        voice=None,
        language=None,
        version=None,
        webhook_url=webhook,
        credit_cost=cost,
        duration_ms=1234,
        created_at=created,
        due_at=created + 5,
    )


def full_answer(job: Job, base_url: str) -> bytes:
    return encode_json({"data": {"avatar": avatar_view(job, base_url)}}).encode()


@given(
    st.text(min_size=1),
    st.none() | st.text(),
    st.integers(min_value=0, max_value=10**9),
    st.floats(min_value=0, max_value=4e9),
    st.sampled_from(["http://127.0.0.1:8000", "http://h/%s%d"]),
)
def test_every_processing_job_reads_as_its_view(
    job_id: str, webhook: str | None, cost: int, created: float, base_url: str
) -> None:
    answers = AvatarAnswer()
    answers.encode(make_job("first", "https://x.test/%s", 1, 0.0), base_url)  # the template
    job = make_job(job_id, webhook, cost, created)
    assert answers.encode(job, base_url) == full_answer(job, base_url)


@given(st.sampled_from([JobStatus.COMPLETED, JobStatus.FAILED]), st.none() | st.text())
def test_a_finished_job_reads_as_its_view_too(status: JobStatus, error: str | None) -> None:
    answers = AvatarAnswer()
    job = make_job("abc", None, 53, 0.0)
    processing = json.loads(answers.encode(job, "http://h"))
    assert processing["data"]["avatar"]["status"] == "processing"
    job.status, job.completed_at, job.error = status, 5.0, error
    assert answers.encode(job, "http://h") == full_answer(job, "http://h")
