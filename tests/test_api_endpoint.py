"""The API endpoint: the one path of every API request (api/endpoint.py)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from mockserver import create_app
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


def broken(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("engine exploded")


def assert_enveloped_500_reported(app: Any, response: Any, where: str) -> None:
    assert response.status_code == 500, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    (report,) = app.state.runtime.errors
    assert report.startswith(f"{where}\n") and "engine exploded" in report


def test_a_bug_in_a_rest_poll_is_an_enveloped_500_kept_for_the_test() -> None:
    app = create_app(virtual_config())
    app.state.runtime.engine.get_job = broken
    with TestClient(app) as client:
        response = Api(client).rest_get("some-job")
        assert_enveloped_500_reported(app, response, "GET /v1/avatar/some-job")
    assert journal(app.state.runtime) == [("rest.get", KEY, 500)]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/avatar"),
        ("GET", "/v1/avatar/some-job"),
        ("POST", "/graphql"),
        ("GET", "/outputs/some-job.mp4"),
    ],
)
def test_a_bug_before_any_handler_runs_is_an_enveloped_500_kept_for_the_test(
    method: str, path: str
) -> None:
    """A bug in the wrapper's own steps (here: bringing the runtime up to date) is caught by
    the wrapper, on every API route, before the transport has read what was asked."""
    app = create_app(virtual_config())
    runtime = app.state.runtime
    with TestClient(app) as client:
        runtime.sync_for_request = broken
        response = client.request(method, path, headers={"X-API-Key": KEY})
        assert_enveloped_500_reported(app, response, f"{method} {path}")
    assert journal(runtime) == [(None, None, 500)]  # nothing was read of what it asked
