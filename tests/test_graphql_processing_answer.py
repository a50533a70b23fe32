"""A processing job's GraphQL answer, written from what processing jobs share, reads exactly as
the answer template fills in the resolver's view, for every processing job and base URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from graphql import parse
from hypothesis import given
from test_avatar_answer import base_urls, jobs

from mockserver.core.jobs import Job, JobStatus, avatar_view, generation_view
from mockserver.graphql import fast_path
from mockserver.graphql.processing_answer import View, processing_answer
from mockserver.graphql.schema import executable_schema

SCHEMA = executable_schema()
GENERATE = "mutation G($input: GenerateInput!) { generate(input: $input) { %s } }"
AVATAR = "mutation G($input: AvatarInput!) { generateAvatar(input: $input) { %s } }"
POLL = "query P($id: ID!) { avatar(id: $id) { %s } }"
GENERATION = "query P($id: ID!) { generation(id: $id) { %s } }"
# The documented selections, and some a client may write: aliases, `__typename`, a field twice.
DOCUMENTS = {
    "generate": (GENERATE % "id status type provider url metadata creditCost", generation_view),
    "generate, createdAt": (GENERATE % "id status createdAt creditCost", generation_view),
    "generation": (
        GENERATION % "id status url metadata creditCost createdAt completedAt error",
        generation_view,
    ),
    "generateAvatar": (
        AVATAR % "id status url videoUrl duration webhookUrl creditCost createdAt",
        avatar_view,
    ),
    "avatar": (
        POLL % "id status url videoUrl duration creditCost createdAt completedAt error",
        avatar_view,
    ),
    "aliases and __typename": (
        POLL % "__typename key: id id price: creditCost when: createdAt hook: webhookUrl",
        avatar_view,
    ),
    "a field twice": (POLL % "id status id createdAt status", avatar_view),
}


def plan_of(query: str) -> fast_path.FastPlan:
    plan = fast_path.plan(SCHEMA, parse(query), None)
    assert plan is not None
    return plan


@pytest.mark.parametrize("query, view", DOCUMENTS.values(), ids=DOCUMENTS.keys())
@given(job=jobs, base_url=base_urls)
def test_every_processing_job_reads_as_the_template_fills_its_view(
    query: str, view: View, job: Job, base_url: str
) -> None:
    job.status = JobStatus.PROCESSING
    plan = plan_of(query)
    shortcut = plan.processing(view)
    assert shortcut is not None  # the speed of a generate and a poll rests on it
    written = outcome(lambda: shortcut.fill(job))
    # A value the encoder refuses (a price past 32 bits) fails the same way: the fast path
    # then answers through the template, which says so in the answer's errors.
    assert written == outcome(lambda: plan.answer.fill(view(job, base_url)))


def outcome(fill: Callable[[], bytes]) -> tuple[str, str]:
    try:
        return "answer", fill().decode()
    except Exception as error:
        return type(error).__name__, str(error)


def with_field(name: str, value: Any, view: View = avatar_view) -> View:
    def changed(job: Job, base_url: str) -> dict[str, Any]:
        return {**view(job, base_url), name: value(job, base_url)}

    return changed


@pytest.mark.parametrize(
    "view",
    [
        with_field("status", lambda job, _: job.text),  # differs, and no source reads it
        with_field("status", lambda _, url: url),  # names the base URL it was asked from
        with_field("id", lambda job, _: job.id.upper()),  # a source that reads another value
    ],
    ids=["unsourced", "base URL", "wrong source"],
)
def test_a_view_the_shortcut_cannot_be_proven_for_answers_through_the_template(
    view: View,
) -> None:
    assert processing_answer(plan_of(DOCUMENTS["avatar"][0]).answer, view) is None


def test_a_view_that_leaves_a_non_null_field_out_is_not_proven() -> None:
    # avatar_view has no `type` or `provider`, which Generation says are never null.
    assert plan_of(DOCUMENTS["generate"][0]).processing(avatar_view) is None
