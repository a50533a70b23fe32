"""A resolver's JobView reads as its view, and the fast path builds it only for an answer that
is not written from the job itself or kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from starlette.testclient import TestClient
from test_avatar_answer import base_urls, jobs

from mockserver import create_app
from mockserver.api.avatar_answer import SYNTHETIC_JOBS
from mockserver.core.jobs import Job, avatar_view, generation_view
from mockserver.graphql import schema
from mockserver.graphql.job_view import JobView, View

from conftest import AVATAR, GENERATE, GENERATION, generate_input, virtual_config

KEY = "test_unlimited_key"


@pytest.mark.parametrize("view", [avatar_view, generation_view])
@given(job=jobs, base_url=base_urls)
def test_a_job_view_reads_as_the_view_it_stands_for(view: View, job: Job, base_url: str) -> None:
    built = view(job, base_url)
    lazy = JobView(job, view, base_url)
    assert dict(lazy) == built and list(lazy) == list(built) and len(lazy) == len(built)
    assert all(lazy[key] == lazy.get(key) == value for key, value in built.items())
    assert lazy.get("no such field") is None and lazy.get("no such field", 5) == 5
    assert lazy.built() is lazy.built()  # built once


def counting(view: View, built: list[str]) -> View:
    """`view`, noting each job it is built for (not the synthetic ones that prove templates)."""

    def counted(job: Job, base_url: str) -> dict[str, Any]:
        if job not in SYNTHETIC_JOBS:
            built.append(job.id)
        return view(job, base_url)

    return counted


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "executor"])
def test_the_view_is_built_only_for_an_answer_written_from_it(
    monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    built: list[str] = []
    monkeypatch.setattr(schema, "avatar_view", counting(avatar_view, built))
    monkeypatch.setattr(schema, "generation_view", counting(generation_view, built))
    with TestClient(create_app(virtual_config(graphql_fast_path=fast))) as client:

        def send(query: str, variables: dict[str, Any]) -> Any:
            body = json.dumps({"query": query, "variables": variables}).encode()
            headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
            answer = client.post("/graphql", content=body, headers=headers)
            assert answer.status_code == 200, answer.text
            return answer.json()["data"]

        def views(send_it: Callable[[], Any]) -> int:
            del built[:]
            for _ in range(3):
                send_it()
            return len(built)

        job_id = send(GENERATE, {"input": generate_input()})["generate"]["id"]
        creates = views(lambda: send(GENERATE, {"input": generate_input()}))
        processing_polls = views(lambda: send(AVATAR, {"id": job_id}))
        assert client.post("/__mock/clock/advance", json={"seconds": 60}).status_code == 200
        finished_polls = views(lambda: send(GENERATION, {"id": job_id}))
    if fast:
        # Processing jobs' answers are written from the job; a finished job's is kept with its
        # body from the second sending on (the first read it).
        assert (creates, processing_polls, finished_polls) == (0, 0, 2)
    else:  # graphql-core reads every field of the view
        assert (creates, processing_polls, finished_polls) == (3, 3, 3)
