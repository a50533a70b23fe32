"""`Idempotency-Key` on creates: a retry returns the original job and charges nothing."""

from __future__ import annotations

import sys

from starlette.testclient import TestClient
from test_credits import credits_of

from mockserver import create_app

from conftest import GENERATE, KEY, Api, generate_input, rest_body, virtual_config


def test_rest_retry_returns_the_original_job_once_charged(api: Api) -> None:
    before = credits_of(api)
    first = api.rest_create(rest_body(), **{"Idempotency-Key": "order-1"}).json()
    again = api.rest_create(rest_body(), **{"Idempotency-Key": "order-1"}).json()
    assert again == first
    assert credits_of(api) == before - 53


def test_rest_same_key_different_body_is_400(api: Api) -> None:
    api.rest_create(rest_body(), **{"Idempotency-Key": "order-2"})
    response = api.rest_create(rest_body(text="Something else"), **{"Idempotency-Key": "order-2"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_REQUEST", "field": "Idempotency-Key"}
    assert "order-2" in error["message"]


def test_graphql_retry_returns_the_original_job(api: Api) -> None:
    variables = {"input": generate_input()}
    headers = {"Idempotency-Key": "gql-1"}
    first = api.graphql(GENERATE, variables, **headers).json()["data"]["generate"]
    api.advance(30)
    again = api.graphql(GENERATE, variables, **headers).json()["data"]["generate"]
    assert again["id"] == first["id"]
    assert again["status"] == "completed"  # the original job, as it is now


def test_keys_are_per_account(api: Api) -> None:
    mine = api.rest_create(rest_body(), **{"Idempotency-Key": "shared"}).json()
    theirs = api.rest_create(
        rest_body(), key="test_pro_key", **{"Idempotency-Key": "shared"}
    ).json()
    assert mine["data"]["avatar"]["id"] != theirs["data"]["avatar"]["id"]


def test_retry_is_not_blocked_by_the_concurrency_limit(api: Api) -> None:
    headers = {"Idempotency-Key": "free-1"}
    first = api.rest_create(rest_body(), key="test_free_key", **headers)
    again = api.rest_create(rest_body(), key="test_free_key", **headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert KEY != "test_free_key"


def _create_finished_jobs(client: TestClient, count: int, start: int) -> None:
    """`count` creates with fresh keys, each job finished at once (job_seconds is 0)."""
    for number in range(start, start + count):
        headers = {"X-API-Key": "test_unlimited_key", "Idempotency-Key": f"fresh-{number}"}
        response = client.post("/v1/avatar", json=rest_body(), headers=headers)
        assert response.status_code == 200, response.text


def test_keys_are_forgotten_with_their_jobs_so_the_map_stays_bounded() -> None:
    app = create_app(virtual_config(max_jobs=20, job_seconds=0.0))
    with TestClient(app) as client:
        _create_finished_jobs(client, 200, 0)
        engine = app.state.runtime.engine
        assert len(engine.jobs) == 20
        assert len(engine.idempotency) == 20


def test_a_key_keeps_a_digest_not_the_request_body() -> None:
    """Every entry is the same size however long the key and the body were."""
    app = create_app(virtual_config())
    with TestClient(app) as client:
        headers = {"X-API-Key": KEY, "Idempotency-Key": "k" * 4000}
        long_text = ("word " * 290).strip()
        assert (
            client.post("/v1/avatar", json=rest_body(long_text), headers=headers).status_code == 200
        )
        again = client.post("/v1/avatar", json=rest_body(long_text), headers=headers)
        assert again.status_code == 200
        held = deep_size(app.state.runtime.engine.idempotency)
        assert held < 2_000, held


def deep_size(value: object) -> int:
    """Bytes held by `value` and everything it refers to (a deep getsizeof, no shared ints)."""
    seen: set[int] = set()
    stack = [value]
    total = 0
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, type):
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, tuple | list | set):
            stack.extend(item)
        elif hasattr(item, "__dict__"):
            stack.append(vars(item))
    return total
