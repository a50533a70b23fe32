"""The mock stops when asked, and no client can hold a connection (or its memory) forever.

Real processes and raw sockets: what is tested is what the server does with a client that stalls.
The timeouts are real time, so they are short here and the bounds around them generous.
"""

from __future__ import annotations

import signal
import socket
import time
from contextlib import closing
from urllib.parse import urlsplit

import pytest

from mockserver import ServerThread, create_app

from conftest import virtual_config
from serve_process import ServeProcess

STALLED_CREATE = (
    b"POST /v1/avatar HTTP/1.1\r\nHost: mock\r\nX-API-Key: YOUR_API_KEY\r\n"
    b"Content-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n"
)


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def stall_mid_body(url: str, head: bytes = STALLED_CREATE) -> socket.socket:
    """A client whose request the mock is reading (it asked for the body) and that stops."""
    client = connect(url)
    client.sendall(head)
    assert client.recv(100).startswith(b"HTTP/1.1 100 Continue")  # the handler awaits the body
    client.sendall(b'{"service": "hed')
    return client


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_with_a_client_stalled_mid_body_exits_0_within_the_timeout(
    stop: signal.Signals,
) -> None:
    with (
        ServeProcess("--port", "0", "--shutdown-timeout", "1") as served,
        closing(stall_mid_body(served.url)),
    ):
        started = time.monotonic()
        served.process.send_signal(stop)
        code = served.process.wait(30)
        elapsed = time.monotonic() - started
    assert code == 0, served.banner()
    assert elapsed < 20  # the timeout is 1 s; before it was bounded, this ran until the client left


def test_a_plain_stop_signal_exits_0() -> None:
    with ServeProcess("--port", "0") as served:
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(30) == 0, served.banner()


def wait_for_requests_to_end(server: ServerThread) -> None:
    """Until the server has no request task left (each call is a round trip to its loop)."""
    state = server._server.server_state  # what the server still does
    for _ in range(1000):
        if server.call(lambda: not state.tasks and not state.connections):
            return
        time.sleep(0.005)
    raise AssertionError("requests still running")


def test_a_client_that_disconnects_mid_body_on_a_control_route_is_no_mock_bug() -> None:
    head = (
        b"POST /__mock/clock/advance HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\nExpect: 100-continue\r\n\r\n"
    )
    with ServerThread(create_app(virtual_config())) as server:
        stall_mid_body(server.url, head).close()
        wait_for_requests_to_end(server)
        assert server.app.state.runtime.errors == []  # type: ignore[attr-defined]
