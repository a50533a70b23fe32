"""On a real clock a request syncs only when what fell due could show (`sync_for_request`): a
quiet job (no webhook, no scripted failure) may wait past its time to be ended in a batch. Every
read of such a job must still see it ended at its time, and anything heard of runs at once.

The app runs without its lifespan, so no ticker ends jobs behind the test's back, and the lag is
lengthened so that only a read can end a quiet job here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from mockserver import ClockMode, MockConfig, create_app
from mockserver.core.jobs import JobStatus
from mockserver.runtime.mock_runtime import MockRuntime

from conftest import AVATAR, GENERATION, Api, rest_body

JOB_SECONDS = 60.0


@pytest.fixture
def runtime_api() -> Iterator[tuple[MockRuntime, Api]]:
    app = create_app(MockConfig(seed=7, clock=ClockMode.REAL, job_seconds=JOB_SECONDS))
    runtime: MockRuntime = app.state.runtime
    runtime.quiet_lag = 3600.0
    yield runtime, Api(TestClient(app))


def _status(runtime: MockRuntime, job_id: str) -> JobStatus:
    return runtime.engine.jobs[job_id].status


def _rest_poll(api: Api, job_id: str) -> str:
    status: str = api.rest_get(job_id).json()["data"]["avatar"]["status"]
    return status


def _avatar_query(api: Api, job_id: str) -> str:
    status: str = api.graphql(AVATAR, {"id": job_id}).json()["data"]["avatar"]["status"]
    return status


def _generation_query(api: Api, job_id: str) -> str:
    answer = api.graphql(GENERATION, {"id": job_id}).json()
    status: str = answer["data"]["generation"]["status"]
    return status


def _video(api: Api, job_id: str) -> str:
    response = api.client.get(f"/outputs/{job_id}.mp4")
    return "completed" if response.status_code == 200 else f"video {response.status_code}"


READS: dict[str, Callable[[Api, str], str]] = {
    "REST poll": _rest_poll,
    "avatar query": _avatar_query,
    "generation query": _generation_query,
    "video download": _video,
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_quiet_job_past_its_time_reads_as_ended_though_no_sync_ended_it(
    runtime_api: tuple[MockRuntime, Api], read: Callable[[Api, str], str]
) -> None:
    runtime, api = runtime_api
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    runtime.clock.advance(JOB_SECONDS)
    api.rest_get("someone-elses")  # a request: it leaves the quiet end waiting
    assert _status(runtime, job_id) is JobStatus.PROCESSING
    assert read(api, job_id).lower() == "completed"
    job = runtime.engine.jobs[job_id]
    assert job.completed_at == job.due_at  # ended at its time, not at the read's


def test_an_idempotent_replay_of_a_job_past_its_time_answers_it_ended(
    runtime_api: tuple[MockRuntime, Api],
) -> None:
    runtime, api = runtime_api
    first = api.rest_create(**{"Idempotency-Key": "once"}).json()["data"]["avatar"]
    runtime.clock.advance(JOB_SECONDS)
    again = api.rest_create(**{"Idempotency-Key": "once"}).json()["data"]["avatar"]
    assert again["id"] == first["id"] and again["status"] == "completed"


def test_a_quiet_job_past_its_time_does_not_count_against_the_concurrency_limit(
    runtime_api: tuple[MockRuntime, Api],
) -> None:
    runtime, api = runtime_api
    assert api.rest_create(key="test_free_key").status_code == 200  # the free plan runs one
    assert api.rest_create(key="test_free_key").status_code == 429
    runtime.clock.advance(JOB_SECONDS)
    assert api.rest_create(key="test_free_key").status_code == 200


def test_a_scripted_failure_past_its_time_refunds_before_the_next_create_is_charged(
    runtime_api: tuple[MockRuntime, Api],
) -> None:
    runtime, api = runtime_api
    cost = api.rest_create(key="test_pro_key").json()["data"]["avatar"]["creditCost"]
    runtime.engine.accounts.get("test_pro_key").credits = cost  # type: ignore[union-attr]
    failing = api.rest_create(key="test_pro_key", **{"X-Mock-Fault": "failed"})
    assert failing.status_code == 200
    assert api.rest_create(key="test_pro_key").status_code == 402  # it has not failed yet
    runtime.clock.advance(JOB_SECONDS)
    assert api.rest_create(key="test_pro_key").status_code == 200  # its refund came first


def test_a_job_with_a_webhook_past_its_time_makes_the_next_request_sync(
    runtime_api: tuple[MockRuntime, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, api = runtime_api
    synced: list[bool] = []
    api.rest_create(rest_body(webhookUrl="http://127.0.0.1:9/hook"))
    monkeypatch.setattr(runtime, "sync", lambda: synced.append(True))
    api.rest_get("none")
    assert synced == []  # nothing due yet
    runtime.clock.advance(JOB_SECONDS)
    api.rest_get("none")
    assert synced == [True]


def test_a_quiet_end_waits_no_longer_than_the_lag_for_any_request(
    runtime_api: tuple[MockRuntime, Api],
) -> None:
    runtime, api = runtime_api
    runtime.quiet_lag = 1.0
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    runtime.clock.advance(JOB_SECONDS + 0.5)
    api.rest_get("none")
    assert _status(runtime, job_id) is JobStatus.PROCESSING  # within the lag
    runtime.clock.advance(1.0)
    api.rest_get("none")
    assert _status(runtime, job_id) is JobStatus.COMPLETED


def test_a_frozen_clock_lets_no_quiet_end_wait() -> None:
    app = create_app(MockConfig(seed=7, clock=ClockMode.VIRTUAL, job_seconds=0.0))
    runtime: MockRuntime = app.state.runtime
    assert runtime.quiet_lag == 0.0
    api = Api(TestClient(app))
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    api.rest_get("none")
    assert _status(runtime, job_id) is JobStatus.COMPLETED
