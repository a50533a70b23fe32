"""Webhook faults against a real receiver over a socket: what arrived (headers, bytes, order, when
on the mock's clock) and what the delivery log recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest
from receiver import Receiver, receiving

from mockserver import ClockMode, MockConfig, ServerThread, create_app
from mockserver.control import MockControl
from mockserver.control.client import ControlError
from mockserver.core.forgeries import TAMPERED_URL, other_secret

from conftest import Api, rest_body

SECRET = "whsec_your_webhook_secret"  # YOUR_API_KEY's, in the fixtures
JOB_END = "2024-01-01T00:00:30Z"  # a job made at the start of the clock ends 30 s later

receiver = pytest.fixture(receiving)


def signature_of(body: bytes, secret: str = SECRET) -> str:
    """Made here with hmac directly, not with the mock's own code."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def add_fault(api: Api, **fault: Any) -> dict[str, Any]:
    response = api.client.post("/__mock/faults", json=fault)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def create_with_hook(api: Api, url: str, key: str = "YOUR_API_KEY") -> str:
    response = api.rest_create(rest_body(webhookUrl=url), key=key)
    assert response.status_code == 200, response.text
    job_id: str = response.json()["data"]["avatar"]["id"]
    return job_id


def delivery_of(api: Api, job_id: str) -> dict[str, Any]:
    (delivery,) = api.client.get("/__mock/webhooks", params={"jobId": job_id}).json()["deliveries"]
    found: dict[str, Any] = delivery
    return found


def attempts(delivery: dict[str, Any]) -> list[tuple[str, int | None, str | None]]:
    return [(a["at"], a.get("status"), a["fault"]) for a in delivery["attempts"]]


def forged_then_genuine(api: Api, receiver: Receiver, kind: str) -> tuple[Any, Any, Any]:
    """A job's delivery under `kind`: the forgery, refused with a 401, then the retry, and the
    delivery as logged."""
    add_fault(api, webhook=kind)
    receiver.statuses = [401]
    job_id = create_with_hook(api, receiver.url)
    api.advance(30)
    (forged,) = receiver.received
    delivery = delivery_of(api, job_id)
    assert attempts(delivery) == [(JOB_END, 401, kind)]
    assert (delivery["status"], delivery["fault"]) == ("pending", kind)
    api.advance(10)  # the backoff: the retry is the real delivery
    _, genuine = receiver.received
    delivery = delivery_of(api, job_id)
    assert attempts(delivery) == [(JOB_END, 401, kind), ("2024-01-01T00:00:40Z", 200, None)]
    assert delivery["status"] == "delivered"
    assert genuine.headers["X-Doitong-Signature"] == signature_of(genuine.body)
    assert genuine.json() == delivery["payload"]
    for name in ("X-Doitong-Delivery", "Content-Type", "User-Agent"):
        assert forged.headers[name] == genuine.headers[name]
    assert (forged.headers["X-Doitong-Attempt"], genuine.headers["X-Doitong-Attempt"]) == ("1", "2")
    return forged, genuine, delivery


def test_bad_signature_is_signed_with_another_secret_and_the_retry_with_the_real_one(
    live_api: Api, receiver: Receiver
) -> None:
    forged, genuine, _ = forged_then_genuine(live_api, receiver, "bad-signature")
    assert forged.body == genuine.body
    assert forged.headers["X-Doitong-Signature"] == signature_of(forged.body, other_secret(SECRET))
    assert forged.headers["X-Doitong-Signature"] != signature_of(forged.body)


def test_tampered_carries_the_real_signature_over_a_changed_body(
    live_api: Api, receiver: Receiver
) -> None:
    forged, genuine, _ = forged_then_genuine(live_api, receiver, "tampered")
    assert forged.headers["X-Doitong-Signature"] == signature_of(genuine.body)
    assert forged.body != genuine.body
    assert forged.json() == {**genuine.json(), "url": TAMPERED_URL}


def test_unsigned_has_no_signature_header_at_all(live_api: Api, receiver: Receiver) -> None:
    forged, genuine, _ = forged_then_genuine(live_api, receiver, "unsigned")
    assert "X-Doitong-Signature" not in forged.headers
    assert forged.body == genuine.body


def test_malformed_signature_is_the_prefix_with_no_digest(
    live_api: Api, receiver: Receiver
) -> None:
    forged, genuine, _ = forged_then_genuine(live_api, receiver, "malformed-signature")
    assert forged.headers["X-Doitong-Signature"] == "sha256="
    assert forged.body == genuine.body


def test_extra_fields_arrive_signed_and_the_log_shows_the_payload_sent(
    live_api: Api, receiver: Receiver
) -> None:
    add_fault(live_api, webhook="extra-fields")
    job_id = create_with_hook(live_api, receiver.url)
    live_api.advance(30)
    (hook,) = receiver.received
    assert hook.headers["X-Doitong-Signature"] == signature_of(hook.body)
    payload = hook.json()
    assert {"eventType", "livemode", "account"} <= set(payload)
    assert payload["metadata"] == {
        "duration": 2.0,
        "width": 1280,
        "height": 720,
        "fps": 25,
        "codec": "h264",
    }
    assert (payload["id"], payload["status"], payload["completedAt"]) == (
        job_id,
        "completed",
        JOB_END,
    )
    delivery = delivery_of(live_api, job_id)
    assert delivery["payload"] == payload
    assert attempts(delivery) == [(JOB_END, 200, "extra-fields")]
    job = live_api.rest_get(job_id).json()["data"]["avatar"]
    assert "eventType" not in job  # the job itself is as it was


def test_delay_sends_the_first_attempt_later_after_the_client_could_poll_completed(
    live_api: Api, receiver: Receiver
) -> None:
    add_fault(live_api, webhook="delay", seconds=90)
    job_id = create_with_hook(live_api, receiver.url)
    live_api.advance(30)
    polled = live_api.rest_get(job_id).json()["data"]["avatar"]
    assert (polled["status"], polled["completedAt"]) == ("completed", JOB_END)
    assert receiver.received == []
    delivery = delivery_of(live_api, job_id)
    assert (delivery["status"], delivery["nextAttemptAt"]) == ("pending", "2024-01-01T00:02:00Z")
    live_api.advance(89)
    assert receiver.received == []
    live_api.advance(1)
    (hook,) = receiver.received
    assert hook.json()["completedAt"] == JOB_END  # when the job ended, not when it was sent
    assert hook.headers["X-Doitong-Signature"] == signature_of(hook.body)
    assert attempts(delivery_of(live_api, job_id)) == [("2024-01-01T00:02:00Z", 200, "delay")]


def test_api_key_job_id_and_times_choose_which_deliveries_a_fault_changes(
    live_api: Api, receiver: Receiver
) -> None:
    add_fault(live_api, webhook="unsigned", apiKey="test_pro_key", times=1)
    other_key = create_with_hook(live_api, receiver.url)  # YOUR_API_KEY's: not this fault's
    first = create_with_hook(live_api, receiver.url, key="test_pro_key")
    second = create_with_hook(live_api, receiver.url, key="test_pro_key")
    live_api.advance(30)
    faulted = {job_id: delivery_of(live_api, job_id)["fault"] for job_id in (other_key, first)}
    assert faulted == {other_key: None, first: "unsigned"}
    assert delivery_of(live_api, second)["fault"] is None  # times=1: used up by the first
    assert live_api.client.get("/__mock/faults").json() == {"faults": []}
    add_fault(live_api, webhook="unsigned", jobId=second)
    live_api.client.post(f"/__mock/webhooks/{delivery_of(live_api, second)['id']}/replay")
    unsigned = [hook for hook in receiver.received if "X-Doitong-Signature" not in hook.headers]
    assert [hook.json()["id"] for hook in unsigned] == [first]  # a fault meets new deliveries only


def test_webhook_faults_are_listed_and_cleared_with_the_api_ones(live_api: Api) -> None:
    api_fault = add_fault(live_api, status=500, times=1)
    webhook_fault = add_fault(live_api, webhook="delay", seconds=5, jobId="abc", probability=0.5)
    assert webhook_fault == {
        "id": webhook_fault["id"],
        "webhook": "delay",
        "apiKey": None,
        "jobId": "abc",
        "times": None,
        "probability": 0.5,
        "seconds": 5,
    }
    listed = live_api.client.get("/__mock/faults").json()
    assert listed == {"faults": [api_fault, webhook_fault]}
    assert live_api.client.delete("/__mock/faults").json() == {"faults": []}
    assert live_api.client.get("/__mock/faults").json() == {"faults": []}


def test_a_bad_webhook_fault_is_a_400_naming_the_field(live_api: Api) -> None:
    response = live_api.client.post("/__mock/faults", json={"webhook": "unsigned", "seconds": 5})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST", "field": "seconds"}
    assert live_api.client.get("/__mock/faults").json() == {"faults": []}


def test_a_webhook_fault_leaves_the_api_plane_as_it_was(live_api: Api, receiver: Receiver) -> None:
    def run() -> list[Any]:
        job_id = create_with_hook(live_api, receiver.url)
        live_api.advance(30)
        answer = live_api.rest_get(job_id)
        return [job_id, answer.status_code, answer.json(), delivery_of(live_api, job_id)["id"]]

    plain = run()
    live_api.reset()
    add_fault(live_api, webhook="tampered")
    assert run() == plain  # the same job, answer and delivery id: only what was sent differs
    assert receiver.received[0].body != receiver.received[1].body


def test_every_attempt_of_an_unfaulted_delivery_says_so(live_api: Api, receiver: Receiver) -> None:
    job_id = create_with_hook(live_api, receiver.url)
    live_api.advance(30)
    delivery = delivery_of(live_api, job_id)
    assert delivery["fault"] is None
    assert attempts(delivery) == [(JOB_END, 200, None)]
    (hook,) = receiver.received
    assert hook.headers["X-Doitong-Signature"] == signature_of(hook.body)
    assert json.loads(hook.body) == delivery["payload"]


def test_the_python_client_scripts_a_webhook_fault(
    live_server: ServerThread, live_api: Api, receiver: Receiver
) -> None:
    control = MockControl(live_server.url, api_key="test_pro_key")
    try:
        created = control.add_webhook_fault("delay", seconds=15, api_key="test_pro_key", times=2)
        assert control.faults() == [created]
        assert (created["webhook"], created["seconds"], created["times"]) == ("delay", 15, 2)
        job_id = create_with_hook(live_api, receiver.url, key="test_pro_key")
        control.advance(30)
        assert receiver.received == []
        control.advance(15)
        (delivery,) = control.deliveries(job_id)
        assert attempts(delivery) == [("2024-01-01T00:00:45Z", 200, "delay")]
        control.clear_faults()
        assert control.faults() == []
    finally:
        control.close()


def deliveries_of(api: Api, job_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.client.get(
        "/__mock/webhooks", params={"jobId": job_id}
    ).json()["deliveries"]
    return found


def test_duplicate_sends_the_same_request_again_at_once(live_api: Api, receiver: Receiver) -> None:
    add_fault(live_api, webhook="duplicate", copies=2)
    job_id = create_with_hook(live_api, receiver.url)
    live_api.advance(30)
    first, *copies = receiver.received
    assert len(copies) == 2
    for copy in copies:
        assert copy.headers == first.headers  # the same delivery id, attempt number, signature
        assert copy.body == first.body
    assert first.headers["X-Doitong-Signature"] == signature_of(first.body)
    assert first.headers["X-Doitong-Attempt"] == "1"
    delivery = delivery_of(live_api, job_id)
    assert (delivery["status"], delivery["fault"]) == ("delivered", "duplicate")
    assert attempts(delivery) == [
        (JOB_END, 200, None),
        (JOB_END, 200, "duplicate"),
        (JOB_END, 200, "duplicate"),
    ]


def test_duplicate_copies_spread_over_the_mocks_clock(live_api: Api, receiver: Receiver) -> None:
    add_fault(live_api, webhook="duplicate", copies=2, spreadSeconds=20)
    job_id = create_with_hook(live_api, receiver.url)
    arrived = []
    for seconds in (30, 9, 1, 9, 1):
        live_api.advance(seconds)
        arrived.append(len(receiver.received))
    assert arrived == [1, 1, 2, 2, 3]  # at the job's end, then 10 and 20 s after it
    assert len({hook.headers["X-Doitong-Delivery"] for hook in receiver.received}) == 1
    assert attempts(delivery_of(live_api, job_id)) == [
        (JOB_END, 200, None),
        ("2024-01-01T00:00:40Z", 200, "duplicate"),
        ("2024-01-01T00:00:50Z", 200, "duplicate"),
    ]


def test_a_copy_that_gets_through_is_the_delivery_and_no_retry_follows(
    live_api: Api, receiver: Receiver
) -> None:
    add_fault(live_api, webhook="duplicate")
    receiver.statuses = [500]
    job_id = create_with_hook(live_api, receiver.url)
    live_api.advance(3600)
    assert len(receiver.received) == 2
    delivery = delivery_of(live_api, job_id)
    assert attempts(delivery) == [(JOB_END, 500, None), (JOB_END, 200, "duplicate")]
    assert (delivery["status"], delivery["nextAttemptAt"]) == ("delivered", None)


def test_redeliver_sends_the_event_again_later_under_a_new_delivery_id(
    live_api: Api, receiver: Receiver
) -> None:
    add_fault(live_api, webhook="redeliver", afterSeconds=120)
    job_id = create_with_hook(live_api, receiver.url)
    live_api.advance(30)
    (first,) = receiver.received
    original, again = deliveries_of(live_api, job_id)
    assert again["redeliveryOf"] == original["id"] != again["id"]
    assert (again["status"], again["nextAttemptAt"]) == ("pending", "2024-01-01T00:02:30Z")
    live_api.advance(119)
    assert len(receiver.received) == 1
    live_api.advance(1)
    _, second = receiver.received
    assert first.headers["X-Doitong-Delivery"] == original["id"]
    assert second.headers["X-Doitong-Delivery"] == again["id"]
    assert second.headers["X-Doitong-Attempt"] == "1"
    assert second.body == first.body  # the same event, byte for byte
    assert second.headers["X-Doitong-Signature"] == first.headers["X-Doitong-Signature"]
    original, again = deliveries_of(live_api, job_id)
    assert (original["fault"], "redeliveryOf" in original) == ("redeliver", False)
    assert attempts(original) == [(JOB_END, 200, None)]
    assert attempts(again) == [("2024-01-01T00:02:30Z", 200, "redeliver")]
    assert again["payload"] == original["payload"]


def test_a_redelivery_is_retried_like_any_delivery(live_api: Api, receiver: Receiver) -> None:
    add_fault(live_api, webhook="redeliver", afterSeconds=60)
    receiver.statuses = [200, 503]  # the first delivery gets through, the redelivery not at once
    job_id = create_with_hook(live_api, receiver.url)
    live_api.advance(30 + 60 + 10)
    _, again = deliveries_of(live_api, job_id)
    assert attempts(again) == [
        ("2024-01-01T00:01:30Z", 503, "redeliver"),
        ("2024-01-01T00:01:40Z", 200, None),
    ]
    assert [hook.headers["X-Doitong-Attempt"] for hook in receiver.received] == ["1", "1", "2"]


def test_reorder_sends_a_keys_deliveries_that_fall_due_together_last_first(
    live_api: Api, receiver: Receiver
) -> None:
    add_fault(live_api, webhook="reorder", apiKey="YOUR_API_KEY")
    jobs = [create_with_hook(live_api, receiver.url) for _ in range(4)]  # all end together
    other_key = create_with_hook(live_api, receiver.url, key="test_pro_key")
    live_api.advance(30)
    arrived = [hook.json()["id"] for hook in receiver.received]
    assert sorted(arrived) == sorted([*jobs, other_key])
    assert [job_id for job_id in arrived if job_id != other_key] == jobs[::-1]
    for job_id in jobs:
        delivery = delivery_of(live_api, job_id)
        assert delivery["fault"] == "reorder"
        assert attempts(delivery) == [(JOB_END, 200, "reorder")]
    assert attempts(delivery_of(live_api, other_key)) == [(JOB_END, 200, None)]


def test_reorder_leaves_deliveries_that_fall_due_apart_in_their_order(
    live_api: Api, receiver: Receiver
) -> None:
    add_fault(live_api, webhook="reorder")
    first = create_with_hook(live_api, receiver.url)
    live_api.advance(1)
    second = create_with_hook(live_api, receiver.url)
    live_api.advance(30)
    assert [hook.json()["id"] for hook in receiver.received] == [first, second]
    assert [delivery_of(live_api, job_id)["attempts"][0]["at"] for job_id in (first, second)] == [
        JOB_END,
        "2024-01-01T00:00:31Z",
    ]


def test_a_hanging_receiver_under_webhook_faults_stalls_no_api_request(receiver: Receiver) -> None:
    """Real clock, jobs done at once: while reordered deliveries wait on a receiver that holds
    the first one open, and a duplicate's copies wait behind it, the API answers."""
    config = MockConfig(clock=ClockMode.REAL, job_seconds=0, seed=1)
    receiver.hold = True
    with (
        ServerThread(create_app(config)) as server,
        httpx.Client(base_url=server.url, timeout=5) as http,
    ):
        api = Api(http)
        add_fault(api, webhook="reorder", times=2)
        add_fault(api, webhook="duplicate", copies=3)
        jobs = [create_with_hook(api, receiver.url) for _ in range(3)]
        assert receiver.got_request.wait(10), "no webhook was sent"
        for _ in range(5):
            assert api.rest_get(jobs[0]).json()["data"]["avatar"]["status"] == "completed"
            assert api.rest_create().status_code == 200
        assert http.get("/__mock/faults").json()["faults"][0]["webhook"] == "duplicate"
        receiver.release()


# -- POST /__mock/webhooks/send with a fault: the same kinds, for one delivery now -----------


def send(api: Api, **body: Any) -> dict[str, Any]:
    response = api.client.post("/__mock/webhooks/send", json=body)
    assert response.status_code == 200, response.text
    delivery: dict[str, Any] = response.json()
    return delivery


@pytest.mark.parametrize(
    ("kind", "signature"),
    [
        ("bad-signature", lambda body: signature_of(body, other_secret(SECRET))),
        ("unsigned", lambda body: None),
        ("malformed-signature", lambda body: "sha256="),
    ],
)
def test_a_send_may_be_forged_and_is_then_never_retried(
    live_api: Api, receiver: Receiver, kind: str, signature: Any
) -> None:
    receiver.statuses = [401]
    delivery = send(live_api, url=receiver.url, status="completed", fault=kind)
    (hook,) = receiver.received
    assert hook.headers.get("X-Doitong-Signature") == signature(hook.body)
    assert hook.json() == delivery["payload"]
    assert (delivery["status"], delivery["fault"], delivery["oneOff"]) == ("failed", kind, True)
    assert attempts(delivery) == [("2024-01-01T00:00:00Z", 401, kind)]
    live_api.advance(3600)
    assert len(receiver.received) == 1


def test_a_tampered_send_carries_the_signature_of_the_payload_logged(
    live_api: Api, receiver: Receiver
) -> None:
    delivery = send(live_api, url=receiver.url, status="failed", fault={"webhook": "tampered"})
    (hook,) = receiver.received
    logged = json.dumps(delivery["payload"], separators=(",", ":")).encode()
    assert hook.headers["X-Doitong-Signature"] == signature_of(logged)
    assert hook.json() == {**delivery["payload"], "url": TAMPERED_URL}


def test_a_send_with_duplicate_answers_with_its_copies_made_at_once(
    live_api: Api, receiver: Receiver
) -> None:
    delivery = send(
        live_api, url=receiver.url, status="completed", fault={"webhook": "duplicate", "copies": 2}
    )
    assert len(receiver.received) == 3
    assert len({(hook.body, tuple(hook.headers.items())) for hook in receiver.received}) == 1
    assert [a["fault"] for a in delivery["attempts"]] == [None, "duplicate", "duplicate"]


def test_a_send_with_extra_fields_and_one_with_redeliver(live_api: Api, receiver: Receiver) -> None:
    extra = send(live_api, url=receiver.url, status="completed", fault="extra-fields")
    assert receiver.received[0].json() == extra["payload"]
    assert extra["payload"]["eventType"] == "avatar.completed"
    assert receiver.received[0].headers["X-Doitong-Signature"] == signature_of(
        receiver.received[0].body
    )
    first = send(
        live_api,
        url=receiver.url,
        status="failed",
        fault={"webhook": "redeliver", "afterSeconds": 5},
    )
    live_api.advance(5)
    again = receiver.received[2]
    assert again.body == receiver.received[1].body
    assert again.headers["X-Doitong-Delivery"] != first["id"]
    listed = live_api.client.get("/__mock/webhooks").json()["deliveries"]
    assert listed[-1]["redeliveryOf"] == first["id"]
    assert listed[-1]["oneOff"] is True  # a send's redelivery is never retried either
    assert attempts(listed[-1]) == [("2024-01-01T00:00:05Z", 200, "redeliver")]


def test_the_python_client_sends_with_a_fault(
    live_server: ServerThread, live_api: Api, receiver: Receiver
) -> None:
    control = MockControl(live_server.url)
    try:
        delivery = control.send_webhook(receiver.url, status="completed", fault="unsigned")
    finally:
        control.close()
    assert delivery["attempts"][0]["fault"] == "unsigned"
    assert "X-Doitong-Signature" not in receiver.received[0].headers


def test_the_python_client_names_every_setting(live_server: ServerThread, live_api: Api) -> None:
    control = MockControl(live_server.url)
    try:
        duplicate = control.add_webhook_fault("duplicate", copies=3, spread_seconds=6)
        redeliver = control.add_webhook_fault("redeliver", after_seconds=9, probability=0.5)
        with pytest.raises(ControlError, match="copies goes with a duplicate fault"):
            control.add_webhook_fault("reorder", copies=2)
    finally:
        control.close()
    assert (duplicate["copies"], duplicate["spreadSeconds"]) == (3, 6)
    assert (redeliver["afterSeconds"], redeliver["probability"]) == (9, 0.5)
