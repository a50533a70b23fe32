"""Two whole clients of the REST API over a real socket, through the same bad day (server errors,
a cut connection, rate limits, an empty account, a wrong key): the one that follows the vendor's
advice gets no audit finding, the careless one gets every kind.

Both wait with `sleep`, which here moves the mock's clock (as a test of a real client would
patch its sleep), so no test sleeps.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import httpx
import pytest

from mockserver import ServerThread
from mockserver.control.client import MockControl

from conftest import KEY, Api, rest_body

BROKE_KEY = "broke_key"
TYPO_KEY = "typo_key"
Sleep = Callable[[float], object]


class VideoClient(Protocol):
    def create(self, text: str, webhook_url: str | None = None) -> dict[str, Any]: ...

    def wait(self, job_id: str) -> dict[str, Any]: ...


class CarefulClient:
    """An Idempotency-Key per video, kept on every retry of it; exponential backoff after a 5xx
    or a cut connection; the Retry-After of a 429 waited out; polls every 2 s and none once
    the job has ended; a 401 or a 402 is not sent again."""

    def __init__(self, http: httpx.Client, api_key: str, sleep: Sleep) -> None:
        self.http, self.api_key, self.sleep = http, api_key, sleep
        self.videos = itertools.count(1)

    def create(self, text: str, webhook_url: str | None = None) -> dict[str, Any]:
        body = rest_body(text=text, **({"webhookUrl": webhook_url} if webhook_url else {}))
        headers = {"X-API-Key": self.api_key, "Idempotency-Key": f"video-{next(self.videos)}"}
        response = self._send(lambda: self.http.post("/v1/avatar", json=body, headers=headers))
        avatar: dict[str, Any] = response.json()["data"]["avatar"]
        return avatar

    def wait(self, job_id: str) -> dict[str, Any]:
        while True:
            response = self._send(
                lambda: self.http.get(f"/v1/avatar/{job_id}", headers={"X-API-Key": self.api_key})
            )
            avatar: dict[str, Any] = response.json()["data"]["avatar"]
            if avatar["status"] != "processing":
                return avatar
            self.sleep(2.0)

    def _send(self, send: Callable[[], httpx.Response]) -> httpx.Response:
        backoff = 1.0
        for _ in range(8):
            try:
                response = send()
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 429:
                self.sleep(float(response.headers["Retry-After"]))
                continue
            if response is None or response.status_code >= 500:
                self.sleep(backoff)
                backoff *= 2
                continue
            response.raise_for_status()  # a 4xx: nothing that sending it again would fix
            return response
        raise RuntimeError("the service is down")


class CarelessClient:
    """Sends everything again a second later, whatever the answer, and polls twice a second
    for a little past the job's end."""

    def __init__(self, http: httpx.Client, api_key: str, sleep: Sleep) -> None:
        self.http, self.api_key, self.sleep = http, api_key, sleep

    def create(self, text: str, webhook_url: str | None = None) -> dict[str, Any]:
        body = rest_body(text=text, **({"webhookUrl": webhook_url} if webhook_url else {}))
        headers = {"X-API-Key": self.api_key}
        response = self._send(lambda: self.http.post("/v1/avatar", json=body, headers=headers))
        avatar: dict[str, Any] = response.json()["data"]["avatar"]
        return avatar

    def wait(self, job_id: str) -> dict[str, Any]:
        polls_after = 0
        while True:
            response = self.http.get(f"/v1/avatar/{job_id}", headers={"X-API-Key": self.api_key})
            if response.status_code == 200:  # else (a 429, say) just ask again
                avatar: dict[str, Any] = response.json()["data"]["avatar"]
                if avatar["status"] != "processing":
                    polls_after += 1
                    if polls_after == 3:  # just to be sure
                        return avatar
            self.sleep(0.5)

    def _send(self, send: Callable[[], httpx.Response]) -> httpx.Response:
        for _ in range(4):
            try:
                response = send()
            except httpx.TransportError:
                self.sleep(1.0)
                continue
            if response.status_code < 400:
                return response
            self.sleep(1.0)
        response.raise_for_status()
        return response


def script(api: Api, **fault: Any) -> None:
    assert api.client.post("/__mock/faults", json=fault).status_code == 201


def bad_day(
    api: Api, server: ServerThread, make: type[CarefulClient] | type[CarelessClient]
) -> None:
    """The same afternoon for either client: what each one did is in the journal after."""
    client: VideoClient = make(api.client, KEY, api.advance)
    script(api, status=500, operation="rest.create", times=3)
    first = client.create("Hello there")
    script(api, outcome="drop", operation="rest.create", times=1)
    second = client.create("Hello again", webhook_url=f"{server.url}/__mock/inbox/hook")
    script(api, status=429, operation="rest.create", times=1)
    client.create("Third time")
    assert client.wait(first["id"])["status"] == "completed"
    api.advance(30)  # the second one's webhook arrives
    assert client.wait(second["id"])["status"] == "completed"
    broke = make(api.client, BROKE_KEY, api.advance)
    with pytest.raises(httpx.HTTPStatusError, match="402"):
        broke.create("No credits")
    typo = make(api.client, TYPO_KEY, api.advance)
    with pytest.raises(httpx.HTTPStatusError, match="401"):
        typo.create("Wrong key")


@pytest.fixture
def mock(live_server: ServerThread, live_api: Api) -> Iterator[MockControl]:
    control = MockControl(live_server.url)
    control.set_account(BROKE_KEY, plan="free", credits=0)
    yield control
    control.close()


def test_a_client_that_follows_the_vendors_advice_gets_no_finding(
    mock: MockControl, live_server: ServerThread, live_api: Api
) -> None:
    bad_day(live_api, live_server, CarefulClient)
    statuses = {entry.status for entry in mock.requests()}
    assert {0, 401, 402, 429, 500} <= statuses  # it met every trouble
    mock.assert_well_behaved()


def test_a_careless_client_gets_a_finding_of_every_kind(
    mock: MockControl, live_server: ServerThread, live_api: Api
) -> None:
    bad_day(live_api, live_server, CarelessClient)
    found = {(finding.kind, finding.api_key) for finding in mock.audit()}
    assert found == {
        ("double-charge-risk", KEY),
        ("no-backoff", KEY),
        ("retry-too-early", KEY),
        ("polling-storm", KEY),
        ("ignored-402", BROKE_KEY),
        ("ignored-401", TYPO_KEY),
    }
    with pytest.raises(AssertionError, match=f"{len(mock.audit())} finding"):
        mock.assert_well_behaved()
