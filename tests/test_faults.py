"""Scripted faults: each documented error on each transport and operation, like the real one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from receiver import Receiver, receiving
from starlette.testclient import TestClient
from test_credits import credits_of

from mockserver import create_app

from conftest import (
    AVATAR,
    GENERATE,
    GENERATE_AVATAR,
    GENERATION,
    Api,
    generate_input,
    rest_body,
    virtual_config,
)

receiver = pytest.fixture(receiving)

Call = Callable[[Api, dict[str, str]], httpx.Response]


def _job(api: Api) -> str:
    job_id: str = api.rest_create().json()["data"]["avatar"]["id"]
    return job_id


OPERATIONS: dict[str, Call] = {
    "generate": lambda api, h: api.graphql(
        "mutation($i: GenerateInput!) { generate(input: $i) { id } }",
        {
            "i": {
                "type": "AVATAR",
                "provider": "hedra",
                "input": {"text": "Hi", "avatarId": "casual-1"},
            }
        },
        **h,
    ),
    "generateAvatar": lambda api, h: api.graphql(
        GENERATE_AVATAR, {"input": {"service": "hedra", "text": "Hi", "avatarId": "casual-1"}}, **h
    ),
    "avatar": lambda api, h: api.graphql(AVATAR, {"id": _job(api)}, **h),
    "generation": lambda api, h: api.graphql(GENERATION, {"id": _job(api)}, **h),
    "rest.create": lambda api, h: api.rest_create(rest_body(), **h),
    "rest.get": lambda api, h: api.rest_get(_job(api), **h),
}

CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    402: "INSUFFICIENT_CREDITS",
    429: "RATE_LIMIT_EXCEEDED",
    500: "INTERNAL_SERVER_ERROR",
}


def add_fault(api: Api, **fault: Any) -> dict[str, Any]:
    response = api.client.post("/__mock/faults", json=fault)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def assert_scripted(response: httpx.Response, status: int, operation: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    (error,) = body["errors"]
    assert error["extensions"]["code"] == CODES[status]
    assert error["message"]
    if operation in ("generate", "generateAvatar", "avatar", "generation"):
        assert body["data"] is None
    if status == 402:
        extensions = error["extensions"]
        assert extensions["creditsRequired"] > extensions["creditsAvailable"] > 0
    if status == 429:
        assert error["extensions"]["limit"] == "requests_per_minute"
        assert response.headers["Retry-After"] == str(error["extensions"]["retryAfter"])
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert response.headers["X-RateLimit-Limit"] == "60"
    if status in (400, 402, 500):
        assert "X-RateLimit-Limit" in response.headers  # as on the real error after admission
    if status == 401:
        assert "X-RateLimit-Limit" not in response.headers
    result: dict[str, Any] = error
    return result


@pytest.mark.parametrize("status", sorted(CODES))
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_every_documented_error_on_every_operation(api: Api, operation: str, status: int) -> None:
    add_fault(api, status=status, operation=operation, times=1)
    assert_scripted(OPERATIONS[operation](api, {}), status, operation)
    assert OPERATIONS[operation](api, {}).status_code == 200  # times=1: gone after one


@pytest.mark.parametrize("status", sorted(CODES))
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_x_mock_fault_header_on_every_operation(api: Api, operation: str, status: int) -> None:
    assert_scripted(OPERATIONS[operation](api, {"X-Mock-Fault": str(status)}), status, operation)
    assert OPERATIONS[operation](api, {}).status_code == 200


def test_scripted_402_carries_the_real_balance(api: Api) -> None:
    api.client.put("/__mock/accounts/YOUR_API_KEY", json={"credits": 40})
    add_fault(api, status=402, operation="rest.create")
    error = api.rest_create().json()["errors"][0]
    assert error["extensions"] == {
        "code": "INSUFFICIENT_CREDITS",
        "creditsRequired": 100,
        "creditsAvailable": 40,
    }
    assert error["message"] == "Insufficient credits for this operation"


def test_a_fault_matches_only_its_operation_and_key(api: Api) -> None:
    add_fault(api, status=500, operation="rest.create", apiKey="test_pro_key")
    assert api.rest_create().status_code == 200  # another key
    assert api.generate(key="test_pro_key").status_code == 200  # another operation
    assert api.rest_create(key="test_pro_key").status_code == 500
    assert api.rest_create(key="test_pro_key").status_code == 500  # no times: stays


def test_faults_are_listed_and_cleared(api: Api) -> None:
    created = add_fault(api, status=500, message="boom", times=3)
    listed = api.client.get("/__mock/faults").json()["faults"]
    assert listed == [created]
    assert created["message"] == "boom" and created["times"] == 3
    assert api.rest_create().json()["errors"][0]["message"] == "boom"
    assert api.client.get("/__mock/faults").json()["faults"][0]["times"] == 2
    assert api.client.delete("/__mock/faults").json() == {"faults": []}
    assert api.rest_create().status_code == 200


def test_probability_is_seeded_and_repeatable() -> None:
    def statuses(seed: int) -> list[int]:
        with TestClient(create_app(virtual_config(seed=seed))) as client:
            api = Api(client)
            add_fault(api, status=500, probability=0.5)
            return [api.rest_get("x", key="test_unlimited_key").status_code for _ in range(40)]

    first = statuses(3)
    assert first == statuses(3)
    assert 5 < first.count(500) < 35 and 404 in first
    assert first != statuses(4)


def test_latency_delays_and_then_answers_normally(api: Api) -> None:
    add_fault(api, latencyMs=150, operation="rest.create", times=1)
    assert api.rest_create().status_code == 200
    (entry,) = api.client.get("/__mock/requests", params={"operation": "rest.create"}).json()[
        "requests"
    ]
    assert entry["durationMs"] >= 150


def test_latency_before_an_error(api: Api) -> None:
    add_fault(api, status=500, latencyMs=100, times=1)
    assert api.rest_get("x").status_code == 500
    (entry,) = api.client.get("/__mock/requests").json()["requests"]
    assert entry["durationMs"] >= 100 and entry["status"] == 500


def test_failed_outcome_fails_the_job_refunds_and_reports_it(api: Api) -> None:
    add_fault(api, outcome="failed", message="no face found", times=1)
    before = credits_of(api)
    job = api.rest_create().json()["data"]["avatar"]
    assert job["status"] == "processing"
    assert credits_of(api) == before - 53
    api.advance(30)
    failed = api.rest_get(job["id"]).json()["data"]["avatar"]
    assert failed["status"] == "failed"
    assert failed["error"] == "no face found"
    assert failed["url"] is None and failed["completedAt"] == "2024-01-01T00:00:30Z"
    assert credits_of(api) == before
    assert api.rest_create().status_code == 200  # times=1: the next job is fine


def test_x_mock_fault_failed_on_graphql(api: Api) -> None:
    job_id = api.generate().json()["data"]["generate"]["id"]  # a normal one first
    response = api.graphql(
        GENERATE_AVATAR,
        {"input": {"service": "hedra", "text": "Hi", "avatarId": "casual-1"}},
        **{"X-Mock-Fault": "failed"},
    )
    failing = response.json()["data"]["generateAvatar"]["id"]
    api.advance(30)
    assert api.graphql(AVATAR, {"id": failing}).json()["data"]["avatar"]["status"] == "failed"
    assert api.graphql(AVATAR, {"id": job_id}).json()["data"]["avatar"]["status"] == "completed"


@pytest.mark.parametrize(
    ("fault", "field"),
    [
        ({"status": 418}, "status"),
        ({"status": "500"}, "status"),
        ({"status": 500.0}, "status"),
        ({"status": [500]}, "status"),
        ({"operation": "delete"}, "operation"),
        ({"status": 500, "times": 0}, "times"),
        ({"status": 500, "probability": 2}, "probability"),
        ({"latencyMs": -5}, "latencyMs"),
        ({"outcome": "explode"}, "outcome"),
        ({"status": 500, "outcome": "drop"}, "outcome"),
        ({}, "status"),
        ({"status": 500, "colour": "red"}, "colour"),
        # `failed` ends a job: a fault of it for an operation that creates none never fires.
        ({"outcome": "failed", "operation": "rest.get"}, "operation"),
        ({"outcome": "failed", "operation": "avatar"}, "operation"),
    ],
)
def test_bad_faults_are_400_naming_the_field(api: Api, fault: dict[str, Any], field: str) -> None:
    response = api.client.post("/__mock/faults", json=fault)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["field"] == field


def test_bad_x_mock_fault_header_is_400(api: Api) -> None:
    response = api.rest_create(**{"X-Mock-Fault": "999"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["field"] == "X-Mock-Fault"


def test_x_mock_fault_failed_on_a_request_that_creates_no_job_is_400(api: Api) -> None:
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    response = api.rest_get(job_id, **{"X-Mock-Fault": "failed"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["field"] == "X-Mock-Fault"
    assert "rest.get" in error["message"]
    assert api.rest_get(job_id).json()["data"]["avatar"]["status"] == "processing"


@pytest.mark.parametrize("transport", ["rest", "graphql"])
def test_dropped_connection_over_a_real_socket(live_api: Api, transport: str) -> None:
    add_fault(live_api, outcome="drop", times=1)
    with pytest.raises(httpx.TransportError):
        if transport == "rest":
            live_api.rest_create()
        else:
            live_api.generate()
    assert live_api.rest_create().status_code == 200  # the server is fine, the fault used up
    (dropped, ok) = live_api.client.get("/__mock/requests").json()["requests"]
    assert dropped["status"] == 0 and ok["status"] == 200


def test_x_mock_fault_drop_over_a_real_socket(live_api: Api) -> None:
    with pytest.raises(httpx.TransportError):
        live_api.rest_get("x", **{"X-Mock-Fault": "drop"})
    assert live_api.rest_get("x").status_code == 404


@pytest.mark.parametrize("key", [None, "no-such-key", "test_unlimited_key"])
@pytest.mark.parametrize("transport", ["rest", "graphql"])
def test_a_scripted_429_says_when_to_retry_even_with_no_window_to_count_against(
    live_api: Api, transport: str, key: str | None
) -> None:
    """No key, an unknown one, or one with no limits: still `limit`, `retryAfter` and
    `Retry-After` (to the end of the clock's minute), but no `X-RateLimit-*` to describe."""
    live_api.advance(23)
    fault = {"X-Mock-Fault": "429"}
    if transport == "rest":
        response = live_api.rest_get("x", key=key, **fault)
    else:
        response = live_api.graphql(AVATAR, {"id": "x"}, key=key, **fault)
    assert response.status_code == 429
    (error,) = response.json()["errors"]
    assert error["extensions"] == {
        "code": "RATE_LIMIT_EXCEEDED",
        "limit": "requests_per_minute",
        "retryAfter": 37,
    }
    assert response.headers["Retry-After"] == "37"
    assert not [name for name in response.headers if name.lower().startswith("x-ratelimit")]


NO_VIDEO = {"duration": None, "width": None, "height": None}


def _create_failing(api: Api, transport: str, webhook_url: str) -> str:
    """A job that will fail, made on `transport`, with a webhook to `webhook_url`."""
    fails = {"X-Mock-Fault": "failed"}
    if transport == "rest":
        job = api.rest_create(rest_body(webhookUrl=webhook_url), **fails).json()["data"]["avatar"]
    elif transport == "generate":
        variables = {"input": generate_input(webhookUrl=webhook_url)}
        job = api.graphql(GENERATE, variables, **fails).json()["data"]["generate"]
    else:
        variables = {"input": rest_body(webhookUrl=webhook_url)}
        job = api.graphql(GENERATE_AVATAR, variables, **fails).json()["data"]["generateAvatar"]
    assert job["creditCost"] == 53  # charged while it runs
    job_id: str = job["id"]
    return job_id


@pytest.mark.parametrize("transport", ["rest", "generate", "generateAvatar"])
def test_a_failed_job_reads_as_refunded_with_no_video_on_both_transports_and_its_webhook(
    live_api: Api, receiver: Receiver, transport: str
) -> None:
    """`creditCost` is what the job cost in the end (0: refunded) and `metadata` and
    `duration` are null: there is no video to describe."""
    before = credits_of(live_api)
    job_id = _create_failing(live_api, transport, receiver.url)
    live_api.advance(30)
    assert credits_of(live_api) == before
    rest = live_api.rest_get(job_id).json()["data"]["avatar"]
    avatar = live_api.graphql(AVATAR, {"id": job_id}).json()["data"]["avatar"]
    generation = live_api.graphql(GENERATION, {"id": job_id}).json()["data"]["generation"]
    for view in (rest, avatar):
        assert view["status"] == "failed" and view["error"]
        assert (view["url"], view["videoUrl"], view["duration"]) == (None, None, None)
        assert view["creditCost"] == 0
    assert generation["status"] == "failed" and generation["url"] is None
    assert (generation["metadata"], generation["creditCost"]) == (NO_VIDEO, 0)
    (hook,) = receiver.received
    assert hook.json()["status"] == "failed" and hook.json()["metadata"] == NO_VIDEO
    record = live_api.client.get(f"/__mock/jobs/{job_id}").json()
    assert (record["creditCost"], record["creditsRefunded"]) == (0, 53)
