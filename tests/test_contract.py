"""`mock-doitong contract`: passes against the mock, fails clearly against a broken deployment."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import ClockMode, MockConfig, ServerThread, create_app

from conftest import virtual_config
from serve_process import EXECUTABLE, ServeProcess


def contract(url: str, *extra: str) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [EXECUTABLE, "contract", "--base-url", url, "--api-key", "YOUR_API_KEY", "--json", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {check["name"]: check["outcome"] for check in report["checks"]}


def readme_contract(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """The README's command, as written there, against `url`."""
    return subprocess.run(
        [EXECUTABLE, "contract", "--base-url", url, "--api-key", "YOUR_API_KEY", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("clock", ["real", "virtual"])
def test_the_readme_command_passes_and_leaves_the_mock_as_it_was(clock: str) -> None:
    """Every check passes; the clock is not moved, and no job or webhook of the run is pending.

    `serve`'s defaults (real clock, 5-second jobs): the run waits for its jobs in real time.
    """
    with ServeProcess("--port", "0", "--clock", clock) as served:
        table = readme_contract(served.url)
        assert table.returncode == 0, table.stdout + table.stderr
        assert "15 checks: 15 passed, 0 failed, 0 skipped" in table.stdout
        assert "PASS  webhook.signature" in table.stdout
        with httpx.Client(base_url=served.url, timeout=10) as http:
            now = http.get("/__mock/clock").json()
            deliveries = http.get("/__mock/webhooks").json()["deliveries"]
            running = http.get("/__mock/jobs", params={"status": "processing"}).json()["jobs"]
    if clock == "virtual":
        assert now["now"] == "2024-01-01T00:00:00Z"
    else:
        # Moved, it would be 20 minutes ahead (or at least a job's 5 s): it is the wall clock.
        assert abs(now["epoch"] - time.time()) < 3
    assert [delivery["status"] for delivery in deliveries] == ["delivered"]
    assert running == []


def test_the_json_report_of_the_mock_is_all_passes() -> None:
    with ServeProcess("--port", "0", "--clock", "virtual") as served:
        code, report = contract(served.url)
    assert code == 0 and report["passed"] and report["mock"]
    assert set(outcomes(report).values()) == {"pass"}


def test_a_guarded_mock_needs_the_admin_token_rather_than_passing_with_fewer_checks() -> None:
    with ServeProcess("--port", "0", "--clock", "virtual", "--admin-token", "s3cret") as served:
        refused = readme_contract(served.url)
        assert refused.returncode == 2
        assert "--admin-token" in refused.stderr and "mock-doitong" in refused.stderr
        wrong = readme_contract(served.url, "--admin-token", "guess")
        assert wrong.returncode == 2 and "rejected the admin token" in wrong.stderr
        admitted = readme_contract(served.url, "--admin-token", "s3cret")
    assert admitted.returncode == 0, admitted.stdout + admitted.stderr
    assert "15 checks: 15 passed, 0 failed, 0 skipped" in admitted.stdout


def test_help_lists_every_check_by_name() -> None:
    from mockserver.contract.checks import CHECKS  # noqa: PLC0415

    result = subprocess.run(
        [EXECUTABLE, "contract", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    listed = result.stdout.split("Checks (in the order they run", 1)[1]
    for name, _ in CHECKS:
        assert f"  {name}  " in listed
    assert "--admin-token" in result.stdout


class Broken:
    """The mock with two deliberate faults: no rate-limit headers, and 200 for unknown jobs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_broken(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message["headers"]
                    if not name.lower().startswith(b"x-ratelimit")
                ]
                status = 200 if message["status"] == 404 else message["status"]
                message = {**message, "headers": headers, "status": status}
            await send(message)

        await self.app(scope, receive, send_broken)


@pytest.fixture
def broken_deployment() -> Iterator[str]:
    with ServerThread(Broken(create_app(virtual_config(job_seconds=5))), port=0) as server:
        yield server.url


def test_a_broken_deployment_fails_with_a_clear_report(broken_deployment: str) -> None:
    code, report = contract(broken_deployment)
    assert code == 1 and not report["passed"]
    results = outcomes(report)
    assert results["ratelimit.headers"] == "fail"
    assert results["rest.get.unknown"] == "fail"
    assert results["graphql.avatar.unknown"] == "fail"
    assert results["rest.create"] == "pass"  # what is not broken still passes
    details = {check["name"]: check["detail"] for check in report["checks"]}
    assert details["ratelimit.headers"] == "X-RateLimit-Limit missing"
    assert "status 200, not 404" in details["rest.get.unknown"]


class NoControlPlane:
    """The mock as the real service looks from outside: no /__mock routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/__mock"):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


@pytest.fixture
def real_like() -> Iterator[str]:
    config = MockConfig(clock=ClockMode.REAL, job_seconds=0.3, seed=3)
    with ServerThread(NoControlPlane(create_app(config)), port=0) as server:
        yield server.url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_without_allow_spend_nothing_is_created_on_a_real_service(real_like: str) -> None:
    code, report = contract(real_like)
    assert code == 0 and not report["mock"]
    results = outcomes(report)
    spending = ["rest.create", "graphql.generate", "graphql.generateAvatar", "lifecycle"]
    assert all(results[name] == "skip" for name in spending)
    assert results["rest.get.unknown"] == "pass"


def test_allow_spend_polls_a_real_service_through_the_lifecycle_and_webhook(real_like: str) -> None:
    port = free_port()
    code, report = contract(
        real_like,
        "--allow-spend",
        "--poll-every",
        "0.1",
        "--job-timeout",
        "20",
        "--webhook-secret",
        "whsec_your_webhook_secret",
        "--webhook-listen",
        f"127.0.0.1:{port}",
        "--webhook-url",
        f"http://127.0.0.1:{port}/contract-webhook",
    )
    assert code == 0, report
    assert set(outcomes(report).values()) == {"pass"}


def test_unknown_check_name_is_a_usage_error() -> None:
    result = subprocess.run(
        [
            EXECUTABLE,
            "contract",
            "--base-url",
            "http://127.0.0.1:9",
            "--api-key",
            "k",
            "--check",
            "x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no check 'x'" in result.stderr
