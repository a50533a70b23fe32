"""The mock stops when asked, and no client can hold a connection (or its memory) forever.

Real processes and raw sockets: what is tested is what the server does with a client that stalls.
The timeouts are real time, so they are short here and the bounds around them generous.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from urllib.parse import urlsplit

import pytest
from sockets import read_to_end

from mockserver import ServerThread, create_app
from mockserver.server import ServerTimeouts

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


@contextmanager
def strict_server(header_seconds: float = 0.5, body_seconds: float = 0.5) -> Iterator[ServerThread]:
    timeouts = ServerTimeouts(header_seconds=header_seconds, body_seconds=body_seconds)
    with ServerThread(create_app(virtual_config()), timeouts=timeouts) as server:
        yield server


def test_a_client_that_stalls_in_its_headers_gets_a_408_and_is_disconnected() -> None:
    with strict_server() as server, closing(connect(server.url)) as client:
        client.sendall(b"GET /__mock/clock HTTP/1.1\r\nHost: mock\r\n")
        answer = read_to_end(client)
    assert answer.startswith(b"HTTP/1.1 408 ")


def send_until_refused(client: socket.socket, head: bytes, line: bytes, total: int) -> None:
    """`head`, then `line` again and again up to `total` bytes, or until the server hangs up."""
    try:
        client.sendall(head)
        for _ in range(total // len(line)):
            client.sendall(line)
    except OSError:  # it answered and closed: what follows tells what it said
        pass


def answer_to(head: bytes, line: bytes, total: int) -> bytes:
    with strict_server(header_seconds=10) as server, closing(connect(server.url)) as client:
        send_until_refused(client, head, line, total)
        return read_to_end(client)


@pytest.mark.parametrize(
    ("head", "line"),
    [
        (b"GET /__mock/clock HTTP/1.1\r\nHost: mock\r\n", b"X-Pad: " + b"p" * 90 + b"\r\n"),
        (b"GET /v1/avatar/abc HTTP/1.1\r\nHost: mock\r\nX-Big: ", b"b" * 1000),
        (b"GET /__mock/clock?q=", b"q" * 1000),
    ],
    ids=["many headers", "one long header", "a long query"],
)
def test_a_request_head_past_its_limit_gets_a_431_and_is_disconnected(
    head: bytes, line: bytes
) -> None:
    answer = answer_to(head, line, 4 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 431 ")
    error = json.loads(answer.split(b"\r\n\r\n", 1)[1])["errors"][0]
    assert error["extensions"]["code"] == "REQUEST_HEADERS_TOO_LARGE"
    assert "65,536" in error["message"]


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /__mock/clock HTTP/1.1\r\nHost: mock\r\nX-Bad\x01: y\r\n\r\n",
        b"POST /v1/avatar HTTP/1.1\r\nHost: mock\r\n"
        b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: mock\r\n\r\n",
    ],
    ids=["control byte in a header", "two lengths", "non-ASCII path"],
)
def test_a_request_http_cannot_parse_is_a_400_in_the_envelope(request_bytes: bytes) -> None:
    with strict_server() as server, closing(connect(server.url)) as client:
        client.sendall(request_bytes)
        answer = read_to_end(client)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"content-type: application/json" in head.lower()
    (error,) = json.loads(body)["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert "HTTP" in error["message"]


@pytest.mark.parametrize("path", [b"/__mock/clock", b"/v1/avatar/abc"], ids=["uvicorn's", "direct"])
def test_a_whole_head_past_its_limit_in_one_read_gets_a_431(path: bytes) -> None:
    big = b"GET " + path + b" HTTP/1.1\r\nHost: mock\r\nX-Big: " + b"b" * 100_000 + b"\r\n\r\n"
    with strict_server() as server, closing(connect(server.url)) as client:
        client.sendall(big)
        answer = read_to_end(client)
        runtime = server.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.engine.journal.select() == []  # refused before anything answered it
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert answer.count(b"HTTP/1.1 ") == 1


def test_a_head_within_the_limit_is_answered_and_the_next_one_counts_afresh() -> None:
    padding = b"".join(b"X-Pad-%d: %s\r\n" % (n, b"p" * 90) for n in range(500))  # ~50 KB
    request = b"GET /__mock/clock HTTP/1.1\r\nHost: mock\r\n" + padding + b"\r\n"
    with strict_server(header_seconds=10) as server, closing(connect(server.url)) as client:
        for _ in range(3):
            client.sendall(request)
            assert read_response(client).startswith(b"HTTP/1.1 200 ")
        pipelined = b"GET /__mock/clock HTTP/1.1\r\nHost: mock\r\n\r\n" * 2000  # ~90 KB
        client.sendall(pipelined)
        answers = b""
        while answers.count(b"HTTP/1.1 ") < 2000:
            chunk = client.recv(65536)
            assert chunk, answers[-300:]
            answers += chunk
        assert answers.count(b"HTTP/1.1 200 ") == 2000


def test_a_silent_connection_is_closed_after_the_header_timeout() -> None:
    with strict_server() as server, closing(connect(server.url)) as client:
        assert read_to_end(client).startswith(b"HTTP/1.1 408 ")


def test_serve_takes_the_read_timeouts_from_its_flags() -> None:
    env = {"MOCK_DOITONG_BODY_TIMEOUT": "0.5"}
    with ServeProcess("--port", "0", "--header-timeout", "0.5", env=env) as served:
        with closing(connect(served.url)) as silent:
            assert read_to_end(silent).startswith(b"HTTP/1.1 408 ")
        with closing(stall_mid_body(served.url)) as stalled:
            assert read_to_end(stalled).startswith(b"HTTP/1.1 408 ")


def test_a_client_that_stalls_in_its_body_is_disconnected_and_is_no_mock_bug() -> None:
    with strict_server() as server:
        with closing(stall_mid_body(server.url)) as client:
            assert read_to_end(client).startswith(b"HTTP/1.1 408 ")
        runtime = server.app.state.runtime  # type: ignore[attr-defined]
        wait_for_requests_to_end(server)
        assert runtime.errors == []
        statuses = [entry.status for entry in runtime.engine.journal.select()]
        assert statuses == [400]  # journaled as the client's doing


def read_response(client: socket.socket) -> bytes:
    """One whole answer on a keep-alive connection: its head, then content-length bytes."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += client.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += client.recv(65536)
    return head + b"\r\n\r\n" + body


def test_a_slow_answer_is_not_cut_by_the_deadlines() -> None:
    """The deadlines run only while a request is being read, not while it is answered: here the
    answer takes three times the header deadline, on a connection kept alive around it."""
    with strict_server() as server, closing(connect(server.url)) as client:
        fault = b'{"operation": "rest.get", "latencyMs": 1500}'
        client.sendall(
            b"POST /__mock/faults HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(fault)).encode() + b"\r\n\r\n" + fault
        )
        assert read_response(client).startswith(b"HTTP/1.1 201 ")
        client.sendall(
            b"GET /v1/avatar/nope HTTP/1.1\r\nHost: mock\r\nX-API-Key: YOUR_API_KEY\r\n\r\n"
        )
        assert read_response(client).startswith(b"HTTP/1.1 404 ")
        client.sendall(b"GET /__mock/clock HTTP/1.1\r\nHost: mock\r\n\r\n")
        assert read_response(client).startswith(b"HTTP/1.1 200 ")


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


def test_pipelined_requests_from_a_client_that_never_reads_are_bounded() -> None:
    """uvicorn kept reading pipelined requests while their answers piled up: the queue (and the
    memory) grew with everything the client sent. Now reading waits for the queue to drain."""
    request = b"GET /__mock/clock HTTP/1.1\r\nHost: mock\r\n\r\n"
    burst = request * 2000
    with (
        ServerThread(create_app(virtual_config())) as server,
        closing(connect(server.url)) as client,
    ):
        client.setblocking(False)
        sent = blocked = 0
        while sent < 8 * 1024 * 1024 and blocked < 200:  # 8 MiB is ~190,000 requests
            try:
                sent += client.send(burst)
                blocked = 0
            except BlockingIOError:
                blocked += 1
                time.sleep(0.01)
        state = server._server.server_state
        queued = server.call(lambda: max(len(c.pipeline) for c in state.connections))
    assert queued < 20_000, f"{queued} requests queued after {sent} bytes"
