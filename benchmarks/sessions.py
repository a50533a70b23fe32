"""`python -m benchmarks --only sessions`: what finding a session by its key costs a REST create,
and what an idle session costs in memory.

Both creates go to one server: the default mock's key against a session's key, alternated as the
other rows are, so the ratio is the session lookup's cost alone. The memory row reads the
server's resident size before and after 1,000 sessions are made and left idle.
"""

from __future__ import annotations

import json
import urllib.request

from .loadgen import http_request
from .run import (
    JSON,
    KEY,
    REST_BODY,
    ROUNDS,
    THROUGHPUT_JOB_SECONDS,
    Load,
    Row,
    compare,
    python_rates,
    start_mock,
)

SESSIONS = 1_000


def new_session(port: int) -> str:
    """A session's key for the benchmark's account, from POST /__mock/sessions."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/__mock/sessions", b"{}", JSON, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        session_id: str = json.load(answer)["id"]
    return f"{KEY}.{session_id}"


def sessions(seconds: float) -> list[Row]:
    mock = start_mock("--job-seconds", str(THROUGHPUT_JOB_SECONDS), "--max-sessions", "2000")
    try:
        root = http_request("POST", "/v1/avatar", REST_BODY, {**JSON, "X-API-Key": KEY})
        in_session = http_request(
            "POST", "/v1/avatar", REST_BODY, {**JSON, "X-API-Key": new_session(mock.port)}
        )
        load = Load("REST create with a session's key", in_session, root, 0.95)
        session_rate, root_rate = compare(load, (mock, mock), seconds, python_rates, ROUNDS)
        before, _ = mock.memory_kib()
        for _ in range(SESSIONS):
            new_session(mock.port)
        after, _ = mock.memory_kib()
    finally:
        mock.stop()
    ratio = session_rate / root_rate if root_rate else 0.0
    per_session = (after - before) / SESSIONS
    return [
        Row(
            f"{load.name}, 16 connections, requests/s (bare stack: the default mock's key)",
            f"{session_rate:,.0f}", f"{root_rate:,.0f}", ratio, ">= 0.95x", ratio >= 0.95,
        ),
        Row(
            f"memory per idle session, {SESSIONS:,} alive",
            f"{per_session:.0f} KiB", "-", per_session / 64, "<= 64 KiB", per_session <= 64,
        ),
    ]  # fmt: skip
