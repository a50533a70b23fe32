"""Signed webhooks with retries and a delivery log, against a real receiver on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from receiver import Receiver, closed_port_url, receiving

from mockserver import ClockMode, MockConfig, ServerThread, create_app, verify_signature

from conftest import Api, rest_body, virtual_config

SECRET = "whsec_your_webhook_secret"

receiver = pytest.fixture(receiving)


def create_with_hook(api: Api, url: str, key: str = "YOUR_API_KEY") -> str:
    response = api.rest_create(rest_body(webhookUrl=url), key=key)
    assert response.status_code == 200, response.text
    job_id: str = response.json()["data"]["avatar"]["id"]
    return job_id


def deliveries(api: Api, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.client.get("/__mock/webhooks", params=params).json()[
        "deliveries"
    ]
    return found


def test_completion_posts_the_documented_signed_payload(live_api: Api, receiver: Receiver) -> None:
    job_id = create_with_hook(live_api, receiver.url)
    live_api.advance(29)
    assert receiver.received == []
    live_api.advance(1)
    (hook,) = receiver.received
    assert hook.path == "/hook"
    assert hook.headers["Content-Type"] == "application/json"
    assert hook.json() == {
        "id": job_id,
        "status": "completed",
        "url": f"{live_api.client.base_url}/outputs/{job_id}.mp4".replace("//outputs", "/outputs"),
        "service": "hedra",
        "createdAt": "2024-01-01T00:00:00Z",
        "completedAt": "2024-01-01T00:00:30Z",
        "metadata": {"duration": 2.0, "width": 1280, "height": 720},
    }
    # Checked with hashlib/hmac directly, not with the mock's own code.
    expected = "sha256=" + hmac.new(SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Doitong-Signature"] == expected
    assert hook.headers["X-Doitong-Delivery"].startswith("dlv_")


def test_verify_signature_accepts_only_the_exact_body_and_secret(
    live_api: Api, receiver: Receiver
) -> None:
    create_with_hook(live_api, receiver.url)
    live_api.advance(30)
    (hook,) = receiver.received
    header = hook.headers["X-Doitong-Signature"]
    assert verify_signature(hook.body, header, SECRET)
    assert not verify_signature(hook.body, header, "whsec_wrong")
    assert not verify_signature(hook.body + b" ", header, SECRET)
    reserialised = json.dumps(hook.json()).encode()  # same data, different bytes
    assert not verify_signature(reserialised, header, SECRET)
    assert not verify_signature(hook.body, header.removeprefix("sha256="), SECRET)
    assert not verify_signature(hook.body, "", SECRET)


def test_each_account_signs_with_its_own_secret(live_api: Api, receiver: Receiver) -> None:
    create_with_hook(live_api, receiver.url, key="test_pro_key")
    live_api.advance(30)
    (hook,) = receiver.received
    assert verify_signature(hook.body, hook.headers["X-Doitong-Signature"], "whsec_test_pro")


def test_two_failures_then_success_is_three_attempts_at_the_backoff_times(
    live_api: Api, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503]
    job_id = create_with_hook(live_api, receiver.url)
    live_api.advance(3600)
    assert len(receiver.received) == 3
    assert len({r.headers["X-Doitong-Delivery"] for r in receiver.received}) == 1
    assert [r.headers["X-Doitong-Attempt"] for r in receiver.received] == ["1", "2", "3"]
    assert len({r.body for r in receiver.received}) == 1
    (delivery,) = deliveries(live_api, jobId=job_id)
    assert delivery["status"] == "delivered"
    assert [(a["at"], a["status"]) for a in delivery["attempts"]] == [
        ("2024-01-01T00:00:30Z", 500),
        ("2024-01-01T00:00:40Z", 503),  # 10 s later
        ("2024-01-01T00:01:00Z", 200),  # then 20 s
    ]
    assert all(a["durationMs"] >= 0 for a in delivery["attempts"])


def test_retries_fall_due_only_as_the_clock_reaches_them(live_api: Api, receiver: Receiver) -> None:
    receiver.statuses = [500, 500]
    create_with_hook(live_api, receiver.url)
    live_api.advance(30)
    assert len(receiver.received) == 1
    live_api.advance(9)
    assert len(receiver.received) == 1
    live_api.advance(1)
    assert len(receiver.received) == 2
    live_api.advance(20)
    assert len(receiver.received) == 3


def test_a_dead_receiver_uses_up_the_attempts_and_the_job_stays_completed(live_api: Api) -> None:
    job_id = create_with_hook(live_api, closed_port_url())
    live_api.advance(10_000)
    (delivery,) = deliveries(live_api, jobId=job_id)
    assert delivery["status"] == "failed"
    assert [a["at"][11:19] for a in delivery["attempts"]] == [
        "00:00:30",
        "00:00:40",
        "00:01:00",
        "00:01:40",
        "00:03:00",
    ]
    assert all(a["error"].startswith("connection failed") for a in delivery["attempts"])
    assert all("status" not in a for a in delivery["attempts"])
    assert live_api.rest_get(job_id).json()["data"]["avatar"]["status"] == "completed"


def test_a_hundred_jobs_finishing_at_once_all_deliver(live_api: Api, receiver: Receiver) -> None:
    ids = {create_with_hook(live_api, receiver.url, key="test_unlimited_key") for _ in range(100)}
    live_api.advance(30)
    assert {r.json()["id"] for r in receiver.received} == ids
    assert len(receiver.received) == 100
    assert {d["status"] for d in deliveries(live_api)} == {"delivered"}


def test_replay_sends_the_same_delivery_again_at_once(live_api: Api, receiver: Receiver) -> None:
    create_with_hook(live_api, receiver.url)
    live_api.advance(30)
    (delivery,) = deliveries(live_api)
    replayed = live_api.client.post(f"/__mock/webhooks/{delivery['id']}/replay").json()
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert second.body == first.body
    assert second.headers["X-Doitong-Delivery"] == first.headers["X-Doitong-Delivery"]
    assert replayed["attempts"][-1]["replay"] is True
    assert replayed["attempts"][-1]["status"] == 200


def test_replay_of_a_failed_delivery_that_now_succeeds_marks_it_delivered(
    live_api: Api, receiver: Receiver
) -> None:
    receiver.statuses = [500] * 5
    create_with_hook(live_api, receiver.url)
    live_api.advance(10_000)
    (delivery,) = deliveries(live_api)
    assert delivery["status"] == "failed"
    replayed = live_api.client.post(f"/__mock/webhooks/{delivery['id']}/replay").json()
    assert replayed["status"] == "delivered"
    assert len(replayed["attempts"]) == 6


def test_a_replay_that_succeeds_before_a_scheduled_retry_cancels_the_retry(
    live_api: Api, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    create_with_hook(live_api, receiver.url)
    live_api.advance(30)
    (delivery,) = deliveries(live_api)
    assert delivery["nextAttemptAt"] == "2024-01-01T00:00:40Z"
    replayed = live_api.client.post(f"/__mock/webhooks/{delivery['id']}/replay").json()
    assert (replayed["status"], replayed["nextAttemptAt"]) == ("delivered", None)
    live_api.advance(3600)
    assert len(receiver.received) == 2  # the first attempt and the replay: nothing after
    (delivery,) = deliveries(live_api)
    assert len(delivery["attempts"]) == 2


def test_unknown_delivery_is_404(live_api: Api) -> None:
    response = live_api.client.post("/__mock/webhooks/dlv_nothing/replay")
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_jobs_without_a_webhook_url_deliver_nothing(live_api: Api) -> None:
    live_api.rest_create()
    live_api.advance(30)
    assert deliveries(live_api) == []


@pytest.fixture
def quick_timeout_server() -> Iterator[Api]:
    config = virtual_config(webhook_timeout_seconds=0.2, webhook_attempts=2)
    with ServerThread(create_app(config)) as server, httpx.Client(base_url=server.url) as http:
        yield Api(http)


def test_a_receiver_that_does_not_answer_times_out_and_is_retried(
    quick_timeout_server: Api, receiver: Receiver
) -> None:
    receiver.hold = True
    create_with_hook(quick_timeout_server, receiver.url)
    quick_timeout_server.advance(3600)
    (delivery,) = deliveries(quick_timeout_server)
    assert delivery["status"] == "failed"
    assert [a["error"] for a in delivery["attempts"]] == ["timeout: no answer within 0.2 s"] * 2


def test_a_hanging_receiver_stalls_no_api_request(receiver: Receiver) -> None:
    """Real clock, jobs done at once: while the receiver holds its request, the API answers."""
    config = MockConfig(clock=ClockMode.REAL, job_seconds=0, seed=1)
    receiver.hold = True
    with (
        ServerThread(create_app(config)) as server,
        httpx.Client(base_url=server.url, timeout=5) as http,
    ):
        api = Api(http)
        job_id = create_with_hook(api, receiver.url)
        assert receiver.got_request.wait(10), "the webhook was never sent"
        # The receiver is holding the delivery open now; the API must still answer promptly.
        for _ in range(5):
            assert api.rest_get(job_id).json()["data"]["avatar"]["status"] == "completed"
            assert api.rest_create().status_code == 200
        assert http.get("/__mock/webhooks").json()["deliveries"][0]["attempts"] == []
        receiver.release()
