"""The API plane's direct routes answer exactly as Starlette's routing of the same endpoints does.

MockApp calls the busiest endpoints without Starlette's middleware and router; under a root
path the same requests go through Starlette instead. Two apps with one seed and a frozen clock
must then give the same answers, byte for byte, but for the root path in links.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.app import MockApp

from conftest import GENERATE, KEY, generate_input, rest_body, virtual_config

ROOT = "/under/a/root"
Exchange = Callable[[TestClient, str], httpx.Response]


def _rest_create(client: TestClient, prefix: str) -> httpx.Response:
    return client.post(f"{prefix}/v1/avatar", json=rest_body(), headers={"X-API-Key": KEY})


def _graphql(client: TestClient, prefix: str) -> httpx.Response:
    body = {"query": GENERATE, "variables": {"input": generate_input()}}
    return client.post(f"{prefix}/graphql", json=body, headers={"Authorization": f"Bearer {KEY}"})


def _rest_get(job_id: str) -> Exchange:
    def get(client: TestClient, prefix: str) -> httpx.Response:
        return client.get(f"{prefix}/v1/avatar/{job_id}", headers={"X-API-Key": KEY})

    return get


def _advance(client: TestClient, prefix: str) -> httpx.Response:
    return client.post(f"{prefix}/__mock/clock/advance", json={"seconds": 60})


def _unauthorized(client: TestClient, prefix: str) -> httpx.Response:
    return client.post(f"{prefix}/v1/avatar", json=rest_body(), headers={"X-API-Key": "wrong"})


def _faulted(client: TestClient, prefix: str) -> httpx.Response:
    headers = {"X-API-Key": KEY, "X-Mock-Fault": "429"}
    return client.post(f"{prefix}/v1/avatar", json=rest_body(), headers=headers)


def _bad_body(client: TestClient, prefix: str) -> httpx.Response:
    return client.post(f"{prefix}/v1/avatar", content=b"{", headers={"X-API-Key": KEY})


def _nested_path(client: TestClient, prefix: str) -> httpx.Response:
    return client.get(f"{prefix}/v1/avatar/a/b", headers={"X-API-Key": KEY})


@pytest.fixture
def clients() -> Iterator[tuple[TestClient, TestClient]]:
    with (
        TestClient(create_app(virtual_config())) as direct,
        TestClient(create_app(virtual_config()), root_path=ROOT) as routed,
    ):
        yield direct, routed


def _same(direct: httpx.Response, routed: httpx.Response) -> dict[str, Any]:
    assert routed.status_code == direct.status_code
    unsized = {name: value for name, value in routed.headers.items() if name != "content-length"}
    assert unsized == {n: v for n, v in direct.headers.items() if n != "content-length"}
    assert routed.text.replace(ROOT, "") == direct.text
    answer: dict[str, Any] = direct.json()
    return answer


def test_direct_and_starlette_routes_answer_alike(clients: tuple[TestClient, TestClient]) -> None:
    direct, routed = clients
    exchanges: list[Exchange] = [_rest_create, _graphql, _unauthorized, _faulted, _bad_body]
    created = _same(_rest_create(direct, ""), _rest_create(routed, ROOT))
    job_id = created["data"]["avatar"]["id"]
    exchanges += [_rest_get(job_id), _advance, _rest_get(job_id), _nested_path]
    statuses = [_same(exchange(direct, ""), exchange(routed, ROOT)) for exchange in exchanges]
    assert statuses[-2]["data"]["avatar"]["status"] == "completed"
    journals = [client.get("/__mock/requests").json()["requests"] for client in clients]
    for entries in journals:  # the same entries, but for how long each took
        for entry in entries:
            entry["path"] = entry["path"].removeprefix(ROOT)
            assert entry.pop("durationMs") >= 0
    assert journals[0] == journals[1]
    assert [entry["status"] for entry in journals[0]] == [200, 200, 200, 401, 429, 400, 200, 200]


def test_a_bug_in_an_endpoint_is_an_enveloped_500_kept_for_the_test() -> None:
    app = create_app(virtual_config())

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("engine exploded")

    app.state.runtime.engine.create_job = broken
    with TestClient(app) as client:
        response = _rest_create(client, "")
        assert response.status_code == 500
        assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        (error,) = app.state.runtime.errors
        assert error.startswith("POST /v1/avatar\n") and "engine exploded" in error
        (entry,) = client.get("/__mock/requests").json()["requests"]
        assert (entry["operation"], entry["status"]) == ("rest.create", 500)


def test_adding_middleware_is_an_error_that_says_why() -> None:
    """Middleware would run for routed requests and silently not for the direct ones."""
    app = create_app(virtual_config())
    with pytest.raises(RuntimeError, match="directly, without it, so middleware added here"):
        app.add_middleware(GZipMiddleware)
    with pytest.raises(RuntimeError, match="Wrap the whole application instead"):
        MockApp(direct={}, job_get=app, middleware=[Middleware(GZipMiddleware)])
    with pytest.raises(RuntimeError, match="runs no Starlette middleware"):
        MockApp(direct={}, job_get=app, max_body_size=1024)  # Starlette's body limit is one
    assert app.user_middleware == []  # the refused one left nothing behind
    with TestClient(app) as client:
        assert _rest_create(client, "").status_code == 200
