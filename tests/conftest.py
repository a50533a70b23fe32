"""Shared fixtures: an in-process app with a frozen clock, and a real server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# httpx imports httpcore only when it first makes a transport, and maps httpcore's errors to its
# own by the classes it saw then. A pytester test takes that first import out of sys.modules again
# when it ends, so httpcore is imported here, before any test: a second copy of its classes would
# let its raw errors through every httpx client made after such a test.
import httpcore  # noqa: F401
import httpx
import pytest
from starlette.testclient import TestClient

# The same for the mock's GraphQL machinery, which an app loads on a worker thread after it
# starts (the session's live server at any moment, during a pytester test too): once dropped
# that way, the next app's import of it is half fresh, and its GraphQL answers 500s.
import mockserver.graphql.executor  # noqa: F401
from mockserver import ClockMode, MockConfig, ServerThread, create_app

GENERATE = (
    "mutation Generate($input: GenerateInput!) { generate(input: $input) "
    "{ id status type provider url metadata creditCost createdAt completedAt error } }"
)
GENERATE_AVATAR = (
    "mutation GenerateAvatar($input: AvatarGenerationInput!) { generateAvatar(input: $input) "
    "{ id status videoUrl url duration webhookUrl creditCost createdAt completedAt error } }"
)
AVATAR = (
    "query Avatar($id: ID!) { avatar(id: $id) "
    "{ id status url videoUrl duration webhookUrl creditCost createdAt completedAt error } }"
)
GENERATION = (
    "query Generation($id: ID!) { generation(id: $id) "
    "{ id status type provider url metadata creditCost createdAt completedAt error } }"
)
KEY = "YOUR_API_KEY"
# Every control-plane listing: after hostile input each must still answer.
LISTINGS = [
    "/__mock/jobs",
    "/__mock/faults",
    "/__mock/accounts",
    "/__mock/usage",
    "/__mock/requests",
    "/__mock/ledger",
    "/__mock/webhooks",
    "/__mock/inbox",
    "/__mock/scenarios",
    "/__mock/clock",
    "/__mock/sessions",
]


def generate_input(text: str = "Hello, welcome to our platform!", **extra: Any) -> dict[str, Any]:
    """The documented `generate` variables, with top-level overrides."""
    value: dict[str, Any] = {
        "type": "AVATAR",
        "provider": "hedra",
        "input": {"text": text, "avatarId": "professional-1"},
        "options": {"voice": "en-US-neural", "language": "en", "version": "hedra-1.0"},
    }
    value.update(extra)
    return value


def rest_body(text: str = "Hello, welcome to our platform!", **extra: Any) -> dict[str, Any]:
    return {"service": "hedra", "text": text, "avatarId": "professional-1", **extra}


class Api:
    """Helpers over an httpx-style client for the two transports and the control plane."""

    def __init__(self, client: httpx.Client | TestClient) -> None:
        self.client = client

    def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        key: str | None = KEY,
        **headers: str,
    ) -> httpx.Response:
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    def generate(self, key: str | None = KEY, **overrides: Any) -> httpx.Response:
        return self.graphql(GENERATE, {"input": generate_input(**overrides)}, key)

    def rest_create(
        self, body: Any = None, key: str | None = KEY, **headers: str
    ) -> httpx.Response:
        if key is not None:
            headers["X-API-Key"] = key
        return self.client.post(
            "/v1/avatar", json=rest_body() if body is None else body, headers=headers
        )

    def rest_get(self, job_id: str, key: str | None = KEY, **headers: str) -> httpx.Response:
        if key is not None:
            headers["X-API-Key"] = key
        return self.client.get(f"/v1/avatar/{job_id}", headers=headers)

    def advance(self, seconds: float) -> dict[str, Any]:
        response = self.client.post("/__mock/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def reset(self) -> None:
        assert self.client.post("/__mock/reset").status_code == 200


def virtual_config(**overrides: Any) -> MockConfig:
    settings: dict[str, Any] = {"seed": 7, "clock": ClockMode.VIRTUAL, "job_seconds": 30.0}
    settings.update(overrides)
    return MockConfig(**settings)


@pytest.fixture
def client() -> Iterator[TestClient]:
    """The app in-process, frozen clock, fixed seed."""
    with TestClient(create_app(virtual_config()), base_url="http://mock.test") as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


@pytest.fixture(scope="session")
def live_server() -> Iterator[ServerThread]:
    """One real server on 127.0.0.1 for the tests that are about the network."""
    with ServerThread(create_app(virtual_config())) as server:
        yield server


@pytest.fixture
def live_api(live_server: ServerThread) -> Iterator[Api]:
    """A real HTTP client against the live server, reset to the fixtures first."""
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        api = Api(http)
        api.reset()
        yield api
