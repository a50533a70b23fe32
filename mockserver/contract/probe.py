"""What checks use to talk to a deployment: HTTP with both auths, the clock, a listener."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
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


# The header a mock started with `serve --admin-token` wants on its control plane.
ADMIN_TOKEN_HEADER = "X-Mock-Admin-Token"
# A mock is local and looking at its control plane costs nothing (no rate limit, no journal),
# so a job on a real-clock mock is watched this often.
MOCK_POLL_SECONDS = 0.05


class ControlPlaneLocked(Exception):
    """The deployment is a mock-doitong whose control plane wants an admin token we lack."""


class Probe:
    """An HTTP client of one deployment, plus its control plane when it is the mock."""

    def __init__(
        self, base_url: str, api_key: str, timeout: float, admin_token: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.admin_token = admin_token
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)
        try:
            self.clock_mode = self._mock_clock_mode()
        except BaseException:
            self.http.close()
            raise

    @property
    def is_mock(self) -> bool:
        return self.clock_mode is not None

    def _mock_clock_mode(self) -> str | None:
        """The mock's clock mode ("real" or "virtual"), or None when this is not the mock."""
        try:
            response = self.control("GET", "/clock")
        except httpx.HTTPError:
            return None
        if response.status_code == 401 and ADMIN_TOKEN_HEADER in response.text:
            raise ControlPlaneLocked(
                f"{self.base_url} is a mock-doitong whose control plane "
                + ("rejected the admin token" if self.admin_token else "needs an admin token")
                + ": pass the one it was started with as --admin-token"
            )
        try:
            body = response.json() if response.status_code == 200 else None
        except ValueError:
            return None
        mode = body.get("mode") if isinstance(body, dict) else None
        return mode if isinstance(mode, str) else None

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request to the mock's control plane, `/__mock` + `path`."""
        headers = {ADMIN_TOKEN_HEADER: self.admin_token} if self.admin_token else {}
        return self.http.request(method, "/__mock" + path, headers=headers, **kwargs)

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

    def wait(
        self, job_id: str, until: Callable[[], bool], timeout: float, poll_every: float
    ) -> bool:
        """Let the job end, then tell whether `until()` holds; a real service is polled for it.

        A mock's clock is never moved: moving it would finish other clients' jobs and shift
        their rate-limit windows. On a frozen clock the job is completed through the control
        plane; on a real one it is waited for (it takes the mock's job time). Either way this
        returns once the job's webhook attempt, if it has one, is logged.
        """
        if not self.is_mock:
            return _poll(until, timeout, poll_every)
        return self.let_end([job_id], timeout) and until()

    def let_end(self, job_ids: list[str], timeout: float) -> bool:
        """Let these jobs of the mock end as `wait` does; False if they had not by the timeout."""
        if self.clock_mode == "virtual":
            for job_id in job_ids:
                # It answers after the job's webhook was attempted; 409 if it had already ended.
                self.control("POST", f"/jobs/{job_id}/complete")
        return _poll(lambda: all(map(self._has_ended, job_ids)), timeout, MOCK_POLL_SECONDS)

    def _has_ended(self, job_id: str) -> bool:
        """The job has ended and the first attempt of its webhook, if any, is logged."""
        job = self.control("GET", f"/jobs/{job_id}")
        if job.status_code == 404:
            return True  # forgotten by the mock already: nothing of it is left to wait for
        if job.status_code != 200 or job.json()["status"] == "processing":
            return False
        deliveries = self.control("GET", "/webhooks", params={"jobId": job_id}).json()
        return all(delivery["attempts"] for delivery in deliveries["deliveries"])

    def mock_webhook_secret(self) -> str | None:
        if not self.is_mock:
            return None
        for account in self.control("GET", "/accounts").json()["accounts"]:
            if account["apiKey"] == self.api_key:
                secret: str = account["webhookSecret"]
                return secret
        return None


def _poll(until: Callable[[], bool], timeout: float, every: float) -> bool:
    """Whether `until()` comes true within `timeout` seconds, looking every `every` seconds."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(every, max(deadline - time.monotonic(), 0.0)))
    return True
