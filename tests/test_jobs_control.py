"""Inspecting and forcing jobs through the control plane."""

from __future__ import annotations

import pytest
from receiver import Receiver, receiving
from test_credits import credits_of

from conftest import Api, rest_body

receiver = pytest.fixture(receiving)


def test_jobs_are_listed_with_what_the_api_does_not_show(api: Api) -> None:
    mine = api.rest_create(rest_body(text="Hello there")).json()["data"]["avatar"]["id"]
    api.generate(key="test_pro_key")
    jobs = api.client.get("/__mock/jobs").json()["jobs"]
    assert len(jobs) == 2
    assert jobs[0]["id"] == mine and jobs[0]["text"] == "Hello there"
    assert jobs[0]["dueAt"] == "2024-01-01T00:00:30Z"
    assert jobs[0]["durationSeconds"] == 0.8
    only_pro = api.client.get("/__mock/jobs", params={"apiKey": "test_pro_key"}).json()["jobs"]
    assert [job["apiKey"] for job in only_pro] == ["test_pro_key"]
    assert api.client.get("/__mock/jobs", params={"status": "completed"}).json()["jobs"] == []
    assert api.client.get(f"/__mock/jobs/{mine}").json()["status"] == "processing"
    assert api.client.get("/__mock/jobs/nothing").status_code == 404


def test_complete_now_sends_the_webhook_before_answering(live_api: Api, receiver: Receiver) -> None:
    job_id = live_api.rest_create(rest_body(webhookUrl=receiver.url)).json()["data"]["avatar"]["id"]
    done = live_api.client.post(f"/__mock/jobs/{job_id}/complete").json()
    assert done["status"] == "completed" and done["completedAt"] == "2024-01-01T00:00:00Z"
    (hook,) = receiver.received
    assert hook.json()["status"] == "completed"
    assert live_api.rest_get(job_id).json()["data"]["avatar"]["url"].endswith(f"{job_id}.mp4")


def test_fail_now_refunds_and_sends_a_failed_webhook(live_api: Api, receiver: Receiver) -> None:
    before = credits_of(live_api)
    job_id = live_api.rest_create(rest_body(webhookUrl=receiver.url)).json()["data"]["avatar"]["id"]
    failed = live_api.client.post(f"/__mock/jobs/{job_id}/fail", json={"error": "GPU on fire"})
    assert failed.json()["status"] == "failed"
    assert credits_of(live_api) == before
    (hook,) = receiver.received
    assert hook.json()["status"] == "failed"
    assert hook.json()["url"] is None and hook.json()["error"] == "GPU on fire"
    avatar = live_api.rest_get(job_id).json()["data"]["avatar"]
    assert avatar["status"] == "failed" and avatar["error"] == "GPU on fire"


def test_finishing_a_finished_job_is_409(api: Api) -> None:
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    api.client.post(f"/__mock/jobs/{job_id}/complete")
    again = api.client.post(f"/__mock/jobs/{job_id}/fail")
    assert again.status_code == 409
    assert again.json()["errors"][0]["extensions"]["code"] == "CONFLICT"


def test_a_forced_completion_frees_the_concurrency_slot(api: Api) -> None:
    job_id = api.rest_create(key="test_free_key").json()["data"]["avatar"]["id"]
    assert api.rest_create(key="test_free_key").status_code == 429
    api.client.post(f"/__mock/jobs/{job_id}/complete")
    assert api.rest_create(key="test_free_key").status_code == 200
