"""The REST answer says exactly what encoding the view says, templated or not."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.api.avatar_answer import (
    GAP_SOURCES,
    AvatarAnswer,
    View,
    derive_template,
    full_answer,
)
from mockserver.core.catalog import Avatar
from mockserver.core.clock import EARLIEST, LATEST
from mockserver.core.jobs import Job, JobStatus, avatar_view

# One instance for every job and base URL, as the REST endpoints hold it.
ANSWERS = AvatarAnswer()

instants = st.floats(min_value=EARLIEST, max_value=LATEST)
optional_text = st.none() | st.text()
# Every field of a job, so every field of its view varies: the status (and with it url,
# videoUrl, duration), the avatar and duration behind them, the timestamps, the texts.
jobs = st.builds(
    Job,
    id=st.text(),
    api_key=st.text(),
    text=st.text(),
    avatar=st.builds(Avatar, st.text(), st.text(), st.integers(0, 10**6), st.integers(0, 10**6)),
    voice=optional_text,
    language=optional_text,
    version=optional_text,
    webhook_url=optional_text,
    credit_cost=st.integers(min_value=0, max_value=10**12),
    duration_ms=st.integers(min_value=0, max_value=10**9),
    created_at=instants,
    due_at=instants,
    base_url=st.text(),
    status=st.sampled_from(JobStatus),
    completed_at=st.none() | instants,
    error=optional_text,
)
# Base URLs as requests make them, and any text at all: a `%` or a quote must not matter.
base_urls = st.sampled_from(["http://127.0.0.1:8910", "https://mock.test/%s%d"]) | st.text()


@given(jobs, base_urls)
def test_every_job_reads_as_its_view_from_every_base_url(job: Job, base_url: str) -> None:
    assert ANSWERS.encode(job, base_url) == full_answer(avatar_view, job, base_url)


@given(jobs, base_urls, base_urls)
def test_one_answer_serves_every_base_url(job: Job, first: str, second: str) -> None:
    job.status = JobStatus.PROCESSING
    assert ANSWERS.encode(job, first) == full_answer(avatar_view, job, second)


def test_the_view_of_today_is_templated_with_the_fields_a_processing_job_varies_in() -> None:
    # The speed of a create rests on this: if the view changes so that no template can be
    # proven, every answer is still right, but this says it has become slower.
    assert ANSWERS.templated
    template = derive_template(avatar_view)
    assert template is not None
    assert template.text.count("%s") == len(GAP_SOURCES)
    assert '"status":"processing"' in template.text


def with_field(name: str, value: Any) -> View:
    """`avatar_view` with one more field, `value(job, base_url)`."""

    def view(job: Job, base_url: str) -> dict[str, Any]:
        return {**avatar_view(job, base_url), name: value(job, base_url)}

    return view


UNPROVABLE = {
    "a varying field with no source": with_field("text", lambda job, _: job.text),
    "the base URL in a field": with_field("statusUrl", lambda job, url: f"{url}/v1/{job.id}"),
    "the job's base URL in a field": with_field("home", lambda job, _: job.base_url),
    "a varying field that is no scalar": with_field("error", lambda job, _: {"m": job.error}),
    "a field only some jobs have": lambda job, url: {
        **avatar_view(job, url),
        **({"voice": job.voice} if job.voice else {}),
    },
}


@pytest.mark.parametrize("view", UNPROVABLE.values(), ids=UNPROVABLE.keys())
@given(job=jobs, base_url=base_urls)
def test_a_view_the_template_cannot_be_proven_for_is_encoded_in_full(
    view: View, job: Job, base_url: str
) -> None:
    answers = AvatarAnswer(view)
    assert not answers.templated
    assert answers.encode(job, base_url) == full_answer(view, job, base_url)


def test_a_field_every_processing_job_shares_stays_in_the_template() -> None:
    view = with_field("provider", lambda _, __: "hedra")
    answers = AvatarAnswer(view)
    assert answers.templated
    job = Job("abc", "k", "t", Avatar("a", "A", 1, 1), None, None, None, None, 53, 1, 0.0, 5.0)
    assert answers.encode(job, "http://h") == full_answer(view, job, "http://h")
    assert b'"provider":"hedra"' in answers.encode(job, "http://h")
