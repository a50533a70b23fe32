"""`GET /__mock/audit` over a real socket: a client that would hurt itself on the real service
is named with its requests, and its well-behaved twin gets no finding.

The clients below wait by moving the mock's clock (as a test of a real client would, with its
sleep patched to `advance`), so no test sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import ServerThread
from mockserver.control.client import MockControl

from conftest import AVATAR, KEY, Api, rest_body

BROKE_KEY = "broke_key"


def audit(api: Api, **params: str) -> list[tuple[str, str, list[int]]]:
    response = api.client.get("/__mock/audit", params=params)
    assert response.status_code == 200, response.text
    return [(f["kind"], f["apiKey"], f["requests"]) for f in response.json()["findings"]]


def fail_next(api: Api, status: int, operation: str, times: int = 1) -> None:
    body = {"status": status, "operation": operation, "times": times}
    assert api.client.post("/__mock/faults", json=body).status_code == 201


class Client:
    """A small client of the REST API, like the README's, that retries what failed."""

    def __init__(self, api: Api, idempotency_key: str | None = None) -> None:
        self.api = api
        self.idempotency_key = idempotency_key

    def create(self, waits: list[float], **body: Any) -> httpx.Response:
        """Create, retrying a 5xx or a cut connection after each of `waits` seconds in turn."""
        headers = {"Idempotency-Key": self.idempotency_key} if self.idempotency_key else {}
        for wait in [*waits, None]:
            try:
                response = self.api.rest_create(rest_body(**body), **headers)
            except httpx.TransportError:
                if wait is None:
                    raise
            else:
                if response.status_code < 500 or wait is None:
                    return response
            self.api.advance(wait)
        raise AssertionError("unreachable")

    def create_within(self, seconds: float, **body: Any) -> httpx.Response:
        """Create, giving up on an answer after `seconds` (real time) and sending it again."""
        headers = {"Idempotency-Key": self.idempotency_key} if self.idempotency_key else {}
        try:
            return self.api.client.post(
                "/v1/avatar",
                json=rest_body(**body),
                headers={"X-API-Key": KEY, **headers},
                timeout=seconds,
            )
        except httpx.TimeoutException:
            return self.api.rest_create(rest_body(**body), **headers)


def settle(server: ServerThread) -> None:
    """Wait for the requests the server is still answering (one its client gave up on), on the
    server's own loop: they are journaled when they end."""

    async def answered() -> None:
        tasks = set(server._server.server_state.tasks)  # what uvicorn still runs
        if tasks:
            await asyncio.wait(tasks)

    assert server._loop is not None
    asyncio.run_coroutine_threadsafe(answered(), server._loop).result(10)


# --- double-charge-risk -------------------------------------------------------------------------


def test_a_create_retried_after_a_500_without_an_idempotency_key_risks_a_double_charge(
    live_api: Api,
) -> None:
    fail_next(live_api, 500, "rest.create")
    assert Client(live_api).create([1.0]).status_code == 200
    assert audit(live_api) == [("double-charge-risk", KEY, [1, 2])]


def test_a_create_retried_with_its_idempotency_key_is_no_finding(live_api: Api) -> None:
    fail_next(live_api, 500, "rest.create")
    assert Client(live_api, idempotency_key="order-1").create([1.0]).status_code == 200
    assert audit(live_api) == []


def drop_next_create(api: Api) -> None:
    body = {"outcome": "drop", "operation": "rest.create", "times": 1}
    assert api.client.post("/__mock/faults", json=body).status_code == 201


def test_a_create_sent_again_after_a_dropped_connection_risks_a_double_charge(
    live_api: Api,
) -> None:
    drop_next_create(live_api)
    assert Client(live_api).create([1.0]).status_code == 200
    assert audit(live_api) == [("double-charge-risk", KEY, [1, 2])]
    assert [
        entry["status"] for entry in live_api.client.get("/__mock/requests").json()["requests"]
    ] == [0, 200]


def test_a_create_sent_again_after_a_drop_with_its_idempotency_key_is_no_finding(
    live_api: Api,
) -> None:
    drop_next_create(live_api)
    assert Client(live_api, idempotency_key="order-1").create([1.0]).status_code == 200
    assert audit(live_api) == []


def slow_next_create(api: Api) -> None:
    body = {"latencyMs": 300, "operation": "rest.create", "times": 1}
    assert api.client.post("/__mock/faults", json=body).status_code == 201


def test_a_create_sent_again_after_a_timeout_risks_a_double_charge(
    live_server: ServerThread, live_api: Api
) -> None:
    slow_next_create(live_api)
    assert Client(live_api).create_within(0.05).status_code == 200
    settle(live_server)  # the first one was answered to nobody, and made a job
    assert audit(live_api) == [("double-charge-risk", KEY, [1, 2])]
    assert len(live_api.client.get("/__mock/jobs").json()["jobs"]) == 2  # charged twice


def test_a_create_sent_again_after_a_timeout_with_its_idempotency_key_is_no_finding(
    live_server: ServerThread, live_api: Api
) -> None:
    slow_next_create(live_api)
    assert Client(live_api, idempotency_key="order-1").create_within(0.05).status_code == 200
    settle(live_server)
    assert audit(live_api) == []
    assert len(live_api.client.get("/__mock/jobs").json()["jobs"]) == 1


# --- retry-too-early ----------------------------------------------------------------------------


def test_a_request_before_the_retry_after_of_a_429_is_too_early(live_api: Api) -> None:
    fail_next(live_api, 429, "rest.get")
    refused = live_api.rest_get("some-job")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 1
    live_api.advance(1)
    live_api.rest_get("some-job")
    assert audit(live_api) == [("retry-too-early", KEY, [1, 2])]


def test_a_request_after_the_retry_after_is_no_finding(live_api: Api) -> None:
    fail_next(live_api, 429, "rest.get")
    refused = live_api.rest_get("some-job")
    live_api.advance(int(refused.headers["Retry-After"]))
    live_api.rest_get("some-job")
    assert audit(live_api) == []


# --- no-backoff ---------------------------------------------------------------------------------


def test_retries_at_a_constant_interval_are_no_backoff(live_api: Api) -> None:
    fail_next(live_api, 500, "rest.create", times=3)
    client = Client(live_api, idempotency_key="order-1")
    assert client.create([1.0, 1.0, 1.0]).status_code == 200
    assert audit(live_api) == [("no-backoff", KEY, [1, 2, 3, 4])]


def test_retries_with_exponential_backoff_are_no_finding(live_api: Api) -> None:
    fail_next(live_api, 500, "rest.create", times=3)
    client = Client(live_api, idempotency_key="order-1")
    assert client.create([1.0, 2.0, 4.0]).status_code == 200
    assert audit(live_api) == []


# --- polling-storm ------------------------------------------------------------------------------


def poll_until_done(api: Api, job_id: str, every: float) -> int:
    """Poll until the job has ended, `every` seconds apart; how many polls it took."""
    for polls in range(1, 1000):
        if api.rest_get(job_id).json()["data"]["avatar"]["status"] != "processing":
            return polls
        api.advance(every)
    raise AssertionError("the job never ended")


def test_polls_faster_than_the_floor_are_a_storm(live_api: Api) -> None:
    created = live_api.rest_create().json()["data"]["avatar"]
    for _ in range(4):
        polled = live_api.graphql(AVATAR, {"id": created["id"]})
        assert polled.json()["data"]["avatar"]["status"] == "processing"
        live_api.advance(0.5)
    assert audit(live_api) == [("polling-storm", KEY, [2, 3, 4, 5])]


def test_polls_at_the_floor_are_no_finding(live_api: Api) -> None:
    job_id = live_api.rest_create().json()["data"]["avatar"]["id"]
    assert poll_until_done(live_api, job_id, every=1.0) == 31
    assert audit(live_api) == []


def test_polls_that_go_on_after_the_webhook_arrived_are_a_storm(
    live_server: ServerThread, live_api: Api
) -> None:
    hook = f"{live_server.url}/__mock/inbox/hook"
    job_id = live_api.rest_create(rest_body(webhookUrl=hook)).json()["data"]["avatar"]["id"]
    live_api.advance(30)
    assert live_api.client.get("/__mock/inbox").json()["webhooks"]  # it arrived
    for _ in range(3):  # one read to confirm the webhook is fine; the others are for nothing
        live_api.rest_get(job_id)
        live_api.advance(5)
    assert audit(live_api) == [("polling-storm", KEY, [3, 4])]


# --- ignored-402 and ignored-401 ----------------------------------------------------------------


@pytest.fixture
def broke(live_api: Api) -> Iterator[Api]:
    body = {"plan": "free", "credits": 0}
    assert live_api.client.put(f"/__mock/accounts/{BROKE_KEY}", json=body).status_code == 200
    yield live_api


def test_a_create_repeated_after_a_402_with_no_change_in_balance_is_ignored_402(
    broke: Api,
) -> None:
    assert broke.rest_create(key=BROKE_KEY).status_code == 402
    broke.advance(10)
    assert broke.rest_create(key=BROKE_KEY).status_code == 402
    assert audit(broke) == [("ignored-402", BROKE_KEY, [1, 2])]


def test_a_create_repeated_after_a_top_up_is_no_finding(broke: Api) -> None:
    assert broke.rest_create(key=BROKE_KEY).status_code == 402
    broke.client.put(f"/__mock/accounts/{BROKE_KEY}", json={"credits": 1000})
    assert broke.rest_create(key=BROKE_KEY).status_code == 200
    assert audit(broke) == []


def test_a_key_sent_again_after_its_401_is_ignored_401(live_api: Api) -> None:
    assert live_api.rest_create(key="typo_key").status_code == 401
    live_api.advance(5)
    assert live_api.rest_get("some-job", key="typo_key").status_code == 401
    assert audit(live_api) == [("ignored-401", "typo_key", [1, 2])]


def test_a_client_that_stops_after_a_401_is_no_finding(live_api: Api) -> None:
    assert live_api.rest_create(key="typo_key").status_code == 401
    assert live_api.rest_create().status_code == 200  # with the right key
    assert audit(live_api) == []


# --- the route ----------------------------------------------------------------------------------


def test_findings_are_narrowed_by_api_key_and_cleared_by_a_reset(live_api: Api) -> None:
    live_api.rest_create(key="typo_key")
    live_api.rest_create(key="typo_key")
    fail_next(live_api, 500, "rest.create")
    Client(live_api).create([1.0])
    assert [kind for kind, _, _ in audit(live_api)] == ["ignored-401", "double-charge-risk"]
    assert audit(live_api, apiKey=KEY) == [("double-charge-risk", KEY, [3, 4])]
    assert audit(live_api, apiKey="nobody") == []
    live_api.reset()
    assert audit(live_api) == []


def test_each_finding_says_what_to_do(live_api: Api) -> None:
    live_api.rest_create(key="typo_key")
    live_api.rest_create(key="typo_key")
    (finding,) = live_api.client.get("/__mock/audit").json()["findings"]
    assert set(finding) == {"kind", "apiKey", "requests", "advice"}
    assert "fix or replace" in finding["advice"]


def test_the_python_client_reads_the_audit_and_asserts_good_behaviour(
    live_server: ServerThread, live_api: Api
) -> None:
    control = MockControl(live_server.url)
    try:
        control.assert_well_behaved()
        fail_next(live_api, 500, "rest.create")
        Client(live_api).create([2.0])
        (finding,) = control.audit()
        assert (finding.kind, finding.api_key, finding.requests) == (
            "double-charge-risk",
            KEY,
            (1, 2),
        )
        with pytest.raises(AssertionError) as failure:
            control.assert_well_behaved()
        message = str(failure.value)
        assert message.splitlines()[1].startswith(
            "- double-charge-risk (YOUR_API_KEY): Send an Idempotency-Key"
        )
        assert "#1 2024-01-01T00:00:00Z POST /v1/avatar -> 500" in message
        assert "#2 2024-01-01T00:00:02Z POST /v1/avatar -> 200" in message
        control.assert_well_behaved(api_key="someone_else")
    finally:
        control.close()
