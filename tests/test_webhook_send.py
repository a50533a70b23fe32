"""`POST /__mock/webhooks/send`: one signed delivery on demand, over a real socket to a real
receiver, for an existing job or a made-up outcome."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
from receiver import Receiver, receiving
from starlette.testclient import TestClient

from mockserver import ServerThread, create_app, verify_signature
from mockserver.control import MockControl
from mockserver.core.catalog import Avatar
from mockserver.core.jobs import JobStatus
from mockserver.core.webhooks import (
    Attempt,
    DeliveryLog,
    DeliveryStatus,
    RetryPolicy,
    made_up_job,
)

from conftest import Api, rest_body, virtual_config

SECRET = "whsec_your_webhook_secret"  # YOUR_API_KEY's, in the fixtures
PRO_SECRET = "whsec_test_pro"  # test_pro_key's
DOCUMENTED_FIELDS = {"id", "status", "url", "service", "createdAt", "completedAt", "metadata"}

receiver = pytest.fixture(receiving)


def send(api: Api, **body: Any) -> httpx.Response:
    return api.client.post("/__mock/webhooks/send", json=body)


def sent(api: Api, **body: Any) -> dict[str, Any]:
    response = send(api, **body)
    assert response.status_code == 200, response.text
    delivery: dict[str, Any] = response.json()
    return delivery


def base_url(api: Api) -> str:
    return str(api.client.base_url).rstrip("/")


def finished_job(api: Api, key: str = "YOUR_API_KEY", **fields: Any) -> str:
    response = api.rest_create(rest_body(**fields), key=key)
    assert response.status_code == 200, response.text
    job_id: str = response.json()["data"]["avatar"]["id"]
    api.advance(30)
    return job_id


def test_an_existing_jobs_outcome_arrives_signed_with_its_accounts_secret(
    live_api: Api, receiver: Receiver
) -> None:
    job_id = finished_job(live_api, key="test_pro_key")  # no webhookUrl: nothing sent so far
    delivery = sent(live_api, url=receiver.url, jobId=job_id)
    (hook,) = receiver.received
    assert verify_signature(hook.body, hook.headers["X-Doitong-Signature"], PRO_SECRET)
    assert not verify_signature(hook.body, hook.headers["X-Doitong-Signature"], SECRET)
    assert hook.headers["X-Doitong-Delivery"] == delivery["id"]
    assert hook.headers["X-Doitong-Attempt"] == "1"
    assert hook.json() == {
        "id": job_id,
        "status": "completed",
        "url": f"{base_url(live_api)}/outputs/{job_id}.mp4",
        "service": "hedra",
        "createdAt": "2024-01-01T00:00:00Z",
        "completedAt": "2024-01-01T00:00:30Z",
        "metadata": {"duration": 2.0, "width": 1280, "height": 720},
    }
    assert (delivery["jobId"], delivery["apiKey"]) == (job_id, "test_pro_key")
    assert delivery["payload"] == hook.json()


def test_the_answer_holds_the_one_attempt_already_logged(live_api: Api, receiver: Receiver) -> None:
    delivery = sent(live_api, url=receiver.url, status="completed")
    assert delivery["status"] == "delivered"
    assert delivery["oneOff"] is True
    assert delivery["nextAttemptAt"] is None
    (attempt,) = delivery["attempts"]
    assert (attempt["at"], attempt["status"]) == ("2024-01-01T00:00:00Z", 200)
    assert attempt["durationMs"] >= 0
    assert "replay" not in attempt


def test_a_made_up_completed_outcome_has_the_documented_shape(
    live_api: Api, receiver: Receiver
) -> None:
    live_api.advance(60)
    delivery = sent(live_api, url=receiver.url, status="completed")
    (hook,) = receiver.received
    assert verify_signature(hook.body, hook.headers["X-Doitong-Signature"], SECRET)
    payload = hook.json()
    assert set(payload) == DOCUMENTED_FIELDS
    made_up_id = payload["id"]
    assert payload["status"] == "completed"
    assert payload["url"] == f"{base_url(live_api)}/outputs/{made_up_id}.mp4"
    assert payload["service"] == "hedra"
    assert (payload["createdAt"], payload["completedAt"]) == (
        "2024-01-01T00:00:30Z",  # as long before as a job takes
        "2024-01-01T00:01:00Z",  # now, on the mock's clock
    )
    assert payload["metadata"] == {"duration": 2.0, "width": 1280, "height": 720}
    assert (delivery["jobId"], delivery["apiKey"]) == (made_up_id, "YOUR_API_KEY")
    jobs = live_api.client.get("/__mock/jobs").json()["jobs"]
    assert made_up_id not in {job["id"] for job in jobs}  # made up: no job was created


def test_a_made_up_failed_outcome_is_signed_with_the_given_keys_secret(
    live_api: Api, receiver: Receiver
) -> None:
    delivery = sent(live_api, url=receiver.url, status="failed", apiKey="test_pro_key")
    (hook,) = receiver.received
    assert verify_signature(hook.body, hook.headers["X-Doitong-Signature"], PRO_SECRET)
    payload = hook.json()
    assert set(payload) == DOCUMENTED_FIELDS | {"error"}
    assert (payload["status"], payload["url"], payload["error"]) == (
        "failed",
        None,
        "Avatar generation failed",
    )
    assert payload["metadata"] == {"duration": None, "width": None, "height": None}
    assert delivery["apiKey"] == "test_pro_key"


def test_payload_is_merged_over_the_documented_one_and_signed_as_sent(
    live_api: Api, receiver: Receiver
) -> None:
    over = {"metadata": {"fps": 25}, "tenant": {"id": 7}, "completedAt": None, "status": "done"}
    sent(live_api, url=receiver.url, status="completed", payload=over)
    (hook,) = receiver.received
    assert verify_signature(hook.body, hook.headers["X-Doitong-Signature"], SECRET)
    payload = hook.json()
    # Objects merge at any depth; anything else, null too, replaces; nothing is dropped.
    assert payload["metadata"] == {"duration": 2.0, "width": 1280, "height": 720, "fps": 25}
    assert payload["tenant"] == {"id": 7}
    assert (payload["completedAt"], payload["status"]) == (None, "done")
    assert set(payload) == DOCUMENTED_FIELDS | {"tenant"}


def test_the_delivery_is_listed_like_any_other(live_api: Api, receiver: Receiver) -> None:
    job_id = finished_job(live_api, webhookUrl=receiver.url)
    delivery = sent(live_api, url=receiver.url, jobId=job_id)
    listed = live_api.client.get("/__mock/webhooks", params={"jobId": job_id}).json()
    first, again = listed["deliveries"]
    assert "oneOff" not in first  # the job's own delivery, unchanged
    assert again == delivery
    assert live_api.client.get(f"/__mock/webhooks/{delivery['id']}").json() == delivery
    assert len(receiver.received) == 2


def test_a_failed_send_is_logged_and_never_retried(live_api: Api, receiver: Receiver) -> None:
    receiver.statuses = [500]
    delivery = sent(live_api, url=receiver.url, status="completed")
    assert (delivery["status"], delivery["nextAttemptAt"]) == ("failed", None)
    assert [attempt["status"] for attempt in delivery["attempts"]] == [500]
    live_api.advance(3600)
    assert len(receiver.received) == 1
    logged = live_api.client.get(f"/__mock/webhooks/{delivery['id']}").json()
    assert logged == delivery
    replayed = live_api.client.post(f"/__mock/webhooks/{delivery['id']}/replay").json()
    assert replayed["status"] == "delivered"  # a replay is still one extra attempt, as ever


def test_the_mocks_own_inbox_takes_a_send(live_api: Api) -> None:
    inbox = f"{base_url(live_api)}/__mock/inbox/hooks"
    delivery = sent(live_api, url=inbox, status="completed")
    assert delivery["status"] == "delivered"
    (received,) = live_api.client.get("/__mock/inbox").json()["webhooks"]
    assert received["path"] == "/__mock/inbox/hooks"
    assert received["json"] == delivery["payload"]


def test_a_processing_job_has_no_outcome_to_send_yet(live_api: Api, receiver: Receiver) -> None:
    response = live_api.rest_create()
    job_id = response.json()["data"]["avatar"]["id"]
    refused = send(live_api, url=receiver.url, jobId=job_id)
    assert refused.status_code == 409
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "CONFLICT"
    assert "still processing" in error["message"]
    assert receiver.received == []
    assert live_api.client.get("/__mock/webhooks").json()["deliveries"] == []


BAD_FIELDS = [
    ({"status": "completed"}, "url", "url must be"),
    ({"url": 7, "status": "completed"}, "url", "url must be"),
    ({"url": "ftp://example.com/hook", "status": "completed"}, "url", "absolute http(s) URL"),
    ({"url": "{hook}"}, "status", "status must be one of"),
    ({"url": "{hook}", "status": "processing"}, "status", "status must be one of"),
    ({"url": "{hook}", "jobId": "nosuchjob"}, "jobId", "no job"),
    ({"url": "{hook}", "jobId": 12}, "jobId", "no job"),
    ({"url": "{hook}", "jobId": "{job}", "status": "failed"}, "status", "made-up event only"),
    ({"url": "{hook}", "jobId": "{job}", "apiKey": "test_pro_key"}, "apiKey", "made-up event"),
    ({"url": "{hook}", "status": "completed", "apiKey": "nobody"}, "apiKey", "no account"),
    ({"url": "{hook}", "status": "completed", "payload": [1]}, "payload", "JSON object"),
    # The delivery log keeps each body for its replays: one of a megabyte each would make its
    # 10,000 deliveries ten gigabytes.
    (
        {"url": "{hook}", "status": "completed", "payload": {"pad": "x" * 70_000}},
        "payload",
        "65,536 bytes",
    ),
    ({"url": "{hook}", "status": "completed", "fault": "resend"}, "fault", "must be one of"),
    ({"url": "{hook}", "status": "completed", "fault": 7}, "fault", "a webhook fault's kind"),
    ({"url": "{hook}", "status": "completed", "fault": {"copies": 2}}, "fault", "kind"),
    ({"url": "{hook}", "status": "completed", "fault": "delay"}, "fault", "a send goes now"),
    ({"url": "{hook}", "status": "completed", "fault": "reorder"}, "fault", "nothing to reorder"),
    (
        {"url": "{hook}", "status": "completed", "fault": {"webhook": "duplicate", "copies": 0}},
        "fault.copies",
        "fault: copies must be",
    ),
    (
        {"url": "{hook}", "status": "completed", "fault": {"webhook": "unsigned", "times": 1}},
        "fault.times",
        "for this one delivery",
    ),
    ({"url": "{hook}", "status": "completed", "jobid": "x"}, "jobid", "Unknown field"),
]


@pytest.mark.parametrize(("body", "field", "says"), BAD_FIELDS)
def test_each_bad_field_is_a_400_naming_it(
    live_api: Api, receiver: Receiver, body: dict[str, Any], field: str, says: str
) -> None:
    job_id = finished_job(live_api)
    filled = {
        name: value.format(hook=receiver.url, job=job_id) if isinstance(value, str) else value
        for name, value in body.items()
    }
    response = send(live_api, **filled)
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST", "field": field}
    assert says in error["message"]
    assert receiver.received == []
    assert live_api.client.get("/__mock/webhooks").json()["deliveries"] == []


def test_a_body_that_is_no_object_is_a_400(live_api: Api) -> None:
    response = live_api.client.post("/__mock/webhooks/send", json=["url"])
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_the_mocks_own_control_plane_is_refused_as_url(
    live_server: ServerThread, live_api: Api
) -> None:
    response = send(live_api, url=f"{live_server.url}/__mock/reset", status="completed")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["field"] == "url"
    assert "own control plane" in error["message"]
    assert live_api.client.get("/__mock/webhooks").json()["deliveries"] == []


def test_a_host_refused_by_webhook_deny_is_refused_as_url() -> None:
    with TestClient(create_app(virtual_config(webhook_deny=("example.com",)))) as client:
        response = client.post(
            "/__mock/webhooks/send",
            json={"url": "https://hooks.example.com/doitong", "status": "completed"},
        )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["field"] == "url"
    assert "--webhook-deny" in error["message"]


def test_mock_control_sends_a_made_up_event_and_a_jobs(
    live_server: ServerThread, live_api: Api, receiver: Receiver
) -> None:
    control = MockControl(live_server.url, api_key="test_pro_key")
    try:
        made_up = control.send_webhook(receiver.url, status="failed", payload={"extra": 1})
        job_id = finished_job(live_api)
        of_job = control.send_webhook(receiver.url, job_id=job_id)
    finally:
        control.close()
    first, second = receiver.received
    assert made_up["apiKey"] == "test_pro_key"  # the client's key, when none is given
    assert verify_signature(first.body, first.headers["X-Doitong-Signature"], PRO_SECRET)
    assert (first.json()["status"], first.json()["extra"]) == ("failed", 1)
    assert of_job["jobId"] == job_id
    assert verify_signature(second.body, second.headers["X-Doitong-Signature"], SECRET)


def test_the_control_index_lists_the_route(live_api: Api) -> None:
    routes = live_api.client.get("/__mock/").json()["routes"]
    (route,) = [r for r in routes if r["path"] == "/__mock/webhooks/send"]
    assert route["method"] == "POST"
    assert "send" in route["does"]


def test_a_one_off_delivery_is_finished_by_its_first_attempt_whatever_it_got() -> None:
    log = DeliveryLog(RetryPolicy(max_attempts=5))
    job = made_up_job(
        "madeup123456",
        "YOUR_API_KEY",
        JobStatus.COMPLETED,
        avatar=Avatar("professional-1", "Professional", 1280, 720),
        created_at=0.0,
        ended_at=30.0,
        base_url="http://mock.test",
    )
    failing = log.open_one_off(
        "dlv_a", job, url="http://receiver.test/", document={"id": job.id}, secret="s", at=30.0
    )
    assert log.record(failing, Attempt(at=30.0, duration_ms=1.0, status=500)) is None
    assert (failing.status, failing.next_attempt_at) == (DeliveryStatus.FAILED, None)
    regular = log.open("dlv_b", replace(job, webhook_url="http://receiver.test/"), "s", at=30.0)
    assert log.record(regular, Attempt(at=30.0, duration_ms=1.0, status=500)) == 40.0
