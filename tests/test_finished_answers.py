"""A finished job's answer, kept for the polls after the first, is always what encoding says."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from mockserver.api.avatar_answer import AvatarAnswer, full_answer
from mockserver.api.finished_answers import FinishedAnswers
from mockserver.core.catalog import Avatar
from mockserver.core.jobs import Job, JobStatus, avatar_view

BASE = "http://127.0.0.1:8910"


def finished_job(job_id: str = "abc123xyz000") -> Job:
    job = Job(
        job_id, "k", "t", Avatar("a", "A", 1, 1), None, None, None, None, 53, 9_000, 10.0, 15.0
    )
    job.status, job.completed_at = JobStatus.COMPLETED, 15.0
    return job


class CountingEncoder:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, job: Job, base_url: str) -> bytes:
        self.calls += 1
        return full_answer(avatar_view, job, base_url)


def test_a_finished_job_polled_again_is_encoded_once() -> None:
    answers, encode, job = FinishedAnswers(), CountingEncoder(), finished_job()
    first = answers.answer(job, BASE, encode)
    assert all(answers.answer(job, BASE, encode) == first for _ in range(5))
    assert encode.calls == 1
    assert first == full_answer(avatar_view, job, BASE)


def test_another_base_url_is_encoded_for_itself() -> None:
    answers, encode, job = FinishedAnswers(), CountingEncoder(), finished_job()
    answers.answer(job, BASE, encode)
    other = answers.answer(job, "https://elsewhere.test/prefix", encode)
    assert other == full_answer(avatar_view, job, "https://elsewhere.test/prefix")
    assert encode.calls == 2


def test_a_copy_of_the_job_with_the_same_id_is_encoded_for_itself() -> None:
    # A snapshot restored, or a forgotten id drawn again: the same id, another job.
    answers, encode, job = FinishedAnswers(), CountingEncoder(), finished_job()
    answers.answer(job, BASE, encode)
    copy = dataclasses.replace(job, status=JobStatus.FAILED, error="boom")
    assert answers.answer(copy, BASE, encode) == full_answer(avatar_view, copy, BASE)
    assert encode.calls == 2


def test_a_job_changed_after_it_was_answered_is_answered_as_it_is_now() -> None:
    answers, encode, job = FinishedAnswers(), CountingEncoder(), finished_job()
    answers.answer(job, BASE, encode)
    job.status, job.error = JobStatus.FAILED, "changed by hand"
    assert answers.answer(job, BASE, encode) == full_answer(avatar_view, job, BASE)
    job.completed_at = 16.0
    assert answers.answer(job, BASE, encode) == full_answer(avatar_view, job, BASE)
    assert encode.calls == 3


def test_it_keeps_at_most_its_limit_the_oldest_let_go_first() -> None:
    answers, encode = FinishedAnswers(limit=3), CountingEncoder()
    jobs = [finished_job(f"job{n}") for n in range(5)]
    for job in jobs:
        answers.answer(job, BASE, encode)
    assert len(answers) == 3
    answers.answer(jobs[-1], BASE, encode)  # still kept
    assert encode.calls == 5
    answers.answer(jobs[0], BASE, encode)  # let go: encoded again
    assert encode.calls == 6
    assert len(answers) == 3


@given(
    status=st.sampled_from([JobStatus.COMPLETED, JobStatus.FAILED]),
    error=st.none() | st.text(),
    base_urls=st.lists(st.sampled_from([BASE, "https://b.test", "http://c:1/%s"]), max_size=6),
)
def test_every_poll_of_a_finished_job_reads_as_its_view(
    status: JobStatus, error: str | None, base_urls: list[str]
) -> None:
    answers, job = AvatarAnswer(), finished_job()
    job.status, job.error = status, error
    for base_url in base_urls:
        assert answers.encode(job, base_url) == full_answer(avatar_view, job, base_url)
