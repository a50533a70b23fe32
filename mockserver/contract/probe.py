"""What checks use to talk to a deployment: HTTP with both auths, the clock, a listener."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from .results import CheckFailed

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def expect(condition: bool, message: str) -> None:
    """Fail the running check with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message)


def expect_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The documented error: that status, `{"errors": [{"message", "extensions": {"code"}}]}`."""
    where = f"{response.request.method} {response.request.url.path}"
    expect(response.status_code == status, f"{where}: status {response.status_code}, not {status}")
    try:
        body = response.json()
    except ValueError:
        raise CheckFailed(f"{where}: the body is not JSON: {response.text[:80]!r}") from None
    errors = body.get("errors") if isinstance(body, dict) else None
    expect(isinstance(errors, list) and len(errors) > 0, f"{where}: no `errors` list in {body}")
    assert isinstance(errors, list)
    error = errors[0]
    expect(isinstance(error.get("message"), str), f"{where}: errors[0].message is not a string")
    extensions = error.get("extensions")
    expect(isinstance(extensions, dict), f"{where}: errors[0].extensions is missing")
    expect(extensions.get("code") == code, f"{where}: code {extensions.get('code')!r}, not {code}")
    result: dict[str, Any] = error
    return result


@dataclass
class Listener:
    """A local HTTP receiver for webhooks: records each POST's headers and exact body."""

    host: str = "127.0.0.1"
    port: int = 0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        listener = self
        arrived = self.arrived = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                listener.received.append((dict(self.headers), body))
                arrived.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{self.host}:{self._server.server_address[1]}/contract-webhook"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Probe:
    """An HTTP client of one deployment, plus its control plane when it is the mock."""

    def __init__(self, base_url: str, api_key: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self.is_mock = self._has_control_plane()

    def _has_control_plane(self) -> bool:
        try:
            response = self.http.get("/__mock/clock")
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and "mode" in response.json()

    def close(self) -> None:
        self.http.close()

    def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        key: str | None = None,
        **headers: str,
    ) -> httpx.Response:
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    def rest_create(
        self, body: dict[str, Any], key: str | None = None, **headers: str
    ) -> httpx.Response:
        if key is not None:
            headers["X-API-Key"] = key
        return self.http.post("/v1/avatar", json=body, headers=headers)

    def rest_get(self, job_id: str, key: str | None = None) -> httpx.Response:
        headers = {"X-API-Key": key} if key is not None else {}
        return self.http.get(f"/v1/avatar/{job_id}", headers=headers)

    def wait(self, seconds: float, until: Any, poll_every: float) -> bool:
        """Let time pass until `until()` holds: the mock's clock moves, a real service is polled."""
        if self.is_mock:
            self.http.post("/__mock/clock/advance", json={"seconds": seconds})
            return bool(until())
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if until():
                return True
            time.sleep(poll_every)
        return bool(until())

    def mock_webhook_secret(self) -> str | None:
        if not self.is_mock:
            return None
        for account in self.http.get("/__mock/accounts").json()["accounts"]:
            if account["apiKey"] == self.api_key:
                secret: str = account["webhookSecret"]
                return secret
        return None
