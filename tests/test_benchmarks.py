"""The benchmark command runs and prints its table (it measures; it never asserts a speed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from starlette.testclient import TestClient

from benchmarks import wrk
from benchmarks.dashboard import page_routes
from benchmarks.loadgen import http_request

ROOT = Path(__file__).resolve().parent.parent


def run_module(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m <arguments>` from the checkout, bounded, its output kept."""
    return subprocess.run(
        [sys.executable, "-m", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_benchmark_command_prints_its_rows() -> None:
    result = run_module("benchmarks", "--only", "throughput", "--seconds", "0.3", "--no-wrk")
    assert result.returncode == 0, result.stderr
    assert "REST create, 16 connections, requests/s" in result.stdout
    assert "GraphQL generate, 16 connections, requests/s" in result.stdout
    assert "REST poll of a completed job, 16 connections, requests/s" in result.stdout
    assert "GraphQL avatar(id) poll of a completed job, 16 connections" in result.stdout
    assert "GraphQL generate against REST create" in result.stdout
    assert "(wrk)" not in result.stdout


def test_the_durable_row_is_measured_by_the_generators_asked_for() -> None:
    result = run_module("benchmarks", "--only", "durable", "--seconds", "0.5", "--no-wrk")
    assert result.returncode == 0, result.stderr
    assert "REST create with --state, 16 connections, requests/s " in result.stdout
    assert "(wrk)" not in result.stdout


def test_the_mixed_load_sees_every_webhook_exactly_once() -> None:
    result = run_module("benchmarks", "--only", "mixed", "--seconds", "2")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith(("mixed", "..."))]
    assert len(rows) == 2 and all(row.rstrip().endswith("met") for row in rows), result.stdout
    created, finished, received = (int(n) for n in rows[1].split("|")[1].split("/"))
    assert created == finished == received > 0


def test_wrk_is_given_the_same_request() -> None:
    request = http_request("POST", "/graphql", b'{"query": "{ a }"}', {"Authorization": "Bearer k"})
    script = wrk.lua_script(request)
    assert 'wrk.method = "POST"' in script
    assert 'wrk.headers["Authorization"] = "Bearer k"' in script
    assert 'wrk.body = [==[{"query": "{ a }"}]==]' in script
    assert "Content-Length" not in script and "Host" not in script


def test_the_dashboard_benchmark_asks_what_the_page_asks(client: TestClient) -> None:
    routes, interval = page_routes()
    assert interval == 1.0
    assert "/__mock/requests?limit=100" in routes and "/__mock/usage" in routes
    assert len(routes) == len(sources_in_live_js())
    for route in routes:
        assert client.get(route).status_code == 200, route


def sources_in_live_js() -> list[str]:
    text = (ROOT / "mockserver" / "control" / "ui" / "live.js").read_text()
    body = text.split("export function sources", 1)[1].split("\n}", 1)[0]
    return [line for line in body.splitlines() if line.strip().endswith(",") and ":" in line]


def test_the_dashboard_benchmark_prints_its_figures() -> None:
    result = run_module("benchmarks.dashboard", "--pairs", "1", "--seconds", "0.2")
    assert result.returncode == 0, result.stderr
    assert "cost, by the server's CPU per REST request" in result.stdout
    assert "of the server's one core" in result.stdout
