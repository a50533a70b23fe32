"""The API endpoint: the one path of every API request (api/endpoint.py)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from mockserver.api.avatar_answer import AvatarAnswer
from mockserver.api.endpoint import ApiEndpoint
from mockserver.api.media import Video
from mockserver.api.request import ApiRequest
from mockserver.api.rest import RestCreate, RestGet
from mockserver.graphql.endpoint import GraphQLEndpoint
from mockserver.runtime.mock_runtime import MockRuntime

from conftest import AVATAR, KEY, Api, virtual_config


def two_runtimes_app() -> tuple[Starlette, dict[str, MockRuntime]]:
    """The API routes over two runtimes, each request served by the one its header names."""
    # Seeded apart: with one seed both would give their first jobs the same id.
    runtimes = {"a": MockRuntime(virtual_config(seed=1)), "b": MockRuntime(virtual_config(seed=2))}

    def by_header(request: ApiRequest) -> MockRuntime:
        return runtimes[request.header(b"x-test-runtime") or "a"]

    answer = AvatarAnswer()
    routes = [
        Route("/v1/avatar", ApiEndpoint(by_header, RestCreate(answer)), methods=["POST"]),
        Route("/v1/avatar/{job_id}", ApiEndpoint(by_header, RestGet(answer)), methods=["GET"]),
        Route("/graphql", ApiEndpoint(by_header, GraphQLEndpoint()), methods=["POST"]),
        Route("/outputs/{job_id}.mp4", ApiEndpoint(by_header, Video()), methods=["GET"]),
    ]
    return Starlette(routes=routes), runtimes


def journal(runtime: MockRuntime) -> list[tuple[Any, ...]]:
    return [(e.operation, e.api_key, e.status) for e in runtime.engine.journal.select()]


def test_each_request_reaches_the_runtime_its_finder_picks() -> None:
    app, runtimes = two_runtimes_app()
    a, b = runtimes["a"], runtimes["b"]
    b.engine.put_account(KEY, {"credits": 1000})
    with TestClient(app) as client:
        api = Api(client)
        created = api.rest_create(**{"X-Test-Runtime": "b"})
        assert created.status_code == 200, created.text
        job_id = created.json()["data"]["avatar"]["id"]
        assert list(b.engine.jobs) == [job_id] and a.engine.jobs == {}
        assert b.engine.accounts.get(KEY).credits == 1000 - 53  # b's account paid
        assert api.rest_get(job_id, **{"X-Test-Runtime": "a"}).status_code == 404
        assert api.rest_get(job_id, **{"X-Test-Runtime": "b"}).status_code == 200
        generated = api.generate()  # no header: runtime a
        assert generated.status_code == 200, generated.text
        assert list(a.engine.jobs) == [generated.json()["data"]["generate"]["id"]]
        missing = api.graphql(AVATAR, {"id": job_id}, **{"X-Test-Runtime": "a"})
        assert missing.status_code == 404
        assert (
            client.get(f"/outputs/{job_id}.mp4", headers={"X-Test-Runtime": "b"}).status_code == 404
        )
    assert journal(a) == [("rest.get", KEY, 404), ("generate", KEY, 200), ("avatar", KEY, 404)]
    assert journal(b) == [("rest.create", KEY, 200), ("rest.get", KEY, 200), ("output", None, 404)]
    assert a.errors == b.errors == []
